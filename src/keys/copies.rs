//! Copy requests (配钥匙): "未经工程部经理或主管同意,任何人不得私配钥匙". A request
//! goes to the engineering manager through the approvals engine; once approved the
//! clerk records how many copies were made.
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Utc;
use diesel::QueryResult;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::json;

use super::forms::{CopyInput, MadeInput};
use super::queries::{self, NewEvent};
use super::views::{self, Txt};
use crate::approvals::{self, engine};
use crate::audit;
use crate::auth::Right;
use crate::config::Config;
use crate::db::DbConn;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::web::context::{flash, Tone};
use crate::web::export::{self, Cell, ExportFormat, Sheet, SHEET_MAX};
use crate::web::once;
use crate::web::{html, see_other, FieldErrors, Form, Query, UserPage};

/// The states a copy request is listed by (`?status=`; anything else is all).
pub const COPY_STATUSES: [&str; 5] = ["pending", "approved", "rejected", "withdrawn", "made"];

#[derive(Deserialize)]
pub struct BeforeQuery {
    #[serde(default, deserialize_with = "crate::web::form::number_or_none")]
    before: Option<i64>,
    #[serde(default)]
    status: String,
}

impl BeforeQuery {
    /// The state asked for, if it is one of [`COPY_STATUSES`].
    fn status(&self) -> Option<&'static str> {
        COPY_STATUSES.iter().copied().find(|s| *s == self.status)
    }
}

/// GET /keys/copies: copy requests and their outcome.
pub async fn list(
    page: UserPage,
    mut conn: DbConn,
    q: Query<BeforeQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewKeys)?;
    const COPIES_PAGE: i64 = 50;
    let status = q.status();
    let mut rows = queries::copies(&mut conn, status, q.before, COPIES_PAGE + 1).await?;
    let next = crate::web::trim_page(&mut rows, COPIES_PAGE as usize).map(|r| r.0.id);
    let body = views::Copies {
        ctx: page.ctx(),
        cites: views::CITE_COPY,
        txt: Txt(page.locale),
        rows,
        next,
        status: status.unwrap_or(""),
        manage: page.may(Right::ManageKeys),
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /keys/copies.csv and .xlsx?status=…: the copy requests the list shows,
/// newest first (up to the registers' limit).
pub async fn export(
    page: UserPage,
    mut conn: DbConn,
    q: Query<BeforeQuery>,
    format: ExportFormat,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewKeys)?;
    let rows = queries::copies(&mut conn, q.status(), None, SHEET_MAX).await?;
    let approved = approvers(&mut conn, &rows, (page.tz, page.locale)).await?;
    let loc = page.locale;
    let txt = Txt(loc);
    let headers = [
        "keys.copy_no",
        "keys.label",
        "keys.copies_requested",
        "keys.reason",
        "keys.requested_by",
        "keys.filed_at",
        "keys.approved_by",
        "keys.copy_status_col",
        "keys.copies_made",
    ];
    let rows = rows
        .iter()
        .map(|(c, label, who)| {
            vec![
                Cell::from(c.id),
                txt.key(label).into(),
                Cell::from(i64::from(c.copies_requested)),
                c.reason.clone().into(),
                who.clone().into(),
                crate::i18n::minute(c.created_at, page.tz).into(),
                approved.get(&c.id).cloned().unwrap_or_default().into(),
                txt.copy_status(&c.status).into(),
                c.copies_made
                    .map_or(Cell::from(""), |n| Cell::from(i64::from(n))),
            ]
        })
        .collect();
    let sheet = Sheet::new(loc, "keys.copies_title", &headers, rows);
    export::respond(&sheet, format, "key-copies")
}

/// Who approved each copy and when, as the register writes it (钥匙管理规定
/// 3(2)②: no copy without the engineering manager's or supervisor's consent):
/// "name · time", by copy request.
async fn approvers(
    conn: &mut AsyncPgConnection,
    rows: &[(super::models::CopyRequest, super::models::KeyLabel, String)],
    (tz, loc): (chrono_tz::Tz, crate::i18n::Locale),
) -> QueryResult<std::collections::HashMap<i64, String>> {
    let ids: Vec<i64> = rows.iter().map(|(c, _, _)| c.id).collect();
    Ok(
        approvals::queries::approvals_of(conn, super::KEY_COPY.code, &ids, loc)
            .await?
            .into_iter()
            .map(|(id, _, name, at)| {
                let at = at.map(|t| crate::i18n::minute(t, tz)).unwrap_or_default();
                (id, format!("{name} · {at}"))
            })
            .collect(),
    )
}

/// GET /keys/copies/print?status=…: the copy requests on paper.
pub async fn print(
    page: UserPage,
    mut conn: DbConn,
    q: Query<BeforeQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewKeys)?;
    let status = q.status();
    let mut rows = queries::copies(&mut conn, status, None, SHEET_MAX + 1).await?;
    let truncated = crate::web::trim_page(&mut rows, SHEET_MAX as usize).is_some();
    let approved = approvers(&mut conn, &rows, (page.tz, page.locale)).await?;
    let body = views::CopiesPrint {
        ctx: page.ctx(),
        txt: Txt(page.locale),
        approved,
        rows,
        truncated,
        status: status.unwrap_or(""),
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

#[derive(Deserialize)]
pub struct KeyQuery {
    #[serde(default)]
    key: String,
}

async fn render_copy_form(
    page: &UserPage,
    conn: &mut AsyncPgConnection,
    input: &CopyInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let key = match input.key.trim().parse::<i64>() {
        Ok(id) => queries::key_row(conn, id).await.ok(),
        Err(_) => None,
    };
    let key_label = key
        .map(|r| format!("{} {}", r.key.label, Txt(page.locale).door(&r.key.door)))
        .ok_or(AppError::NotFound)?;
    let body = views::CopyForm {
        ctx: page.ctx(),
        cites: views::CITE_COPY,
        key_label,
        input,
        errors,
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /keys/copies/new?key=ID
pub async fn new_form(
    page: UserPage,
    mut conn: DbConn,
    q: Query<KeyQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageKeys)?;
    let input = CopyInput {
        form_token: once::new_token(),
        key: q.key.clone(),
        copies: "1".into(),
        ..Default::default()
    };
    let errors = FieldErrors::new(page.locale);
    render_copy_form(&page, &mut conn, &input, &errors, StatusCode::OK).await
}

/// POST /keys/copies/new: asks the engineering manager (through the approvals engine).
pub async fn create(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    Form(mut input): Form<CopyInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageKeys)?;
    let mut errors = FieldErrors::new(page.locale);
    let form_token = &mut input.form_token;
    let token = once::check(&mut conn, &session, &page, form_token, &mut errors).await?;
    let valid = input.validate(&mut errors);
    let (Some((key_id, n, reason)), Some(token)) = (valid, token) else {
        return render_copy_form(
            &page,
            &mut conn,
            &input,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let row = queries::key_row(&mut conn, key_id).await?;
    let me = page.user().clone();
    let meta = page.meta();
    let filed = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me.id).await? {
                return Ok(None);
            }
            let now = Utc::now();
            let id = queries::create_copy(conn, key_id, n, &reason, me.id, now).await?;
            let subject = format!(
                "{} {} · ×{n}",
                crate::approvals::typed(&row.key.label),
                super::door_term(&row.key.door)
            );
            let request =
                engine::submit(conn, &super::KEY_COPY, id, &subject, me.id, &config, now).await?;
            audit::record(
                conn,
                &meta,
                "keys.copy_requested",
                Some(("key_copy", id.to_string())),
                json!({ "key": key_id, "copies": n, "approval_request": request }),
            )
            .await?;
            Ok(token.filed(conn, format!("/keys/copies/{id}")).await?)
        })
        .await?;
    once::answer(&mut conn, &session, &page, &token, filed, "keys.copy_filed").await
}

/// The copy request as label/value lines (approval mail and page).
pub async fn detail_lines(
    conn: &mut AsyncPgConnection,
    id: i64,
    loc: Locale,
) -> QueryResult<Vec<(String, String)>> {
    let c = queries::copy(conn, id).await?;
    let row = queries::key_row(conn, c.key_id).await?;
    let who = approvals::queries::person(conn, c.requested_by).await?;
    let txt = Txt(loc);
    let mut lines = vec![
        (
            loc.t("keys.label").to_owned(),
            format!("{} {}", row.key.label, txt.door(&row.key.door)),
        ),
        (
            loc.t("keys.category_col").to_owned(),
            txt.category(&row.key.category).to_owned(),
        ),
        (
            loc.t("keys.copies_requested").to_owned(),
            c.copies_requested.to_string(),
        ),
        (loc.t("keys.reason").to_owned(), c.reason.clone()),
        (loc.t("keys.requested_by").to_owned(), who.display_name),
        (
            loc.t("keys.copy_status_col").to_owned(),
            txt.copy_status(&c.status).to_owned(),
        ),
    ];
    if let Some(n) = c.copies_made {
        lines.push((loc.t("keys.copies_made").to_owned(), n.to_string()));
    }
    Ok(lines)
}

async fn render_copy(
    page: &UserPage,
    conn: &mut AsyncPgConnection,
    id: i64,
    errors: &FieldErrors,
    made: String,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let copy = queries::copy(conn, id).await?;
    let req = approvals::queries::request_for(conn, "key_copy", id).await?;
    let me = page.user().id;
    let allowed = page.may(Right::ViewKeys)
        || copy.requested_by == me
        || match &req {
            Some(r) => {
                approvals::queries::was_approver(conn, r.id, me, (page.today(), page.tz)).await?
            }
            None => false,
        };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    let lines = detail_lines(conn, id, page.locale).await?;
    let approval_id = approvals::link_for(conn, req, page.user(), (page.today(), page.tz)).await?;
    let body = views::CopyShow {
        ctx: page.ctx(),
        cites: views::CITE_COPY,
        txt: Txt(page.locale),
        copy,
        lines,
        approval_id,
        manage: page.may(Right::ManageKeys),
        errors,
        made,
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /keys/copies/{id}
pub async fn show(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let errors = FieldErrors::new(page.locale);
    render_copy(
        &page,
        &mut conn,
        path.into_inner(),
        &errors,
        String::new(),
        StatusCode::OK,
    )
    .await
}

/// POST /keys/copies/{id}/made: records how many copies were made, once the
/// request is approved; the key's copy count grows by as many.
pub async fn made(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(input): Form<MadeInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageKeys)?;
    let id = path.into_inner();
    let mut errors = FieldErrors::new(page.locale);
    let c = queries::copy(&mut conn, id).await?;
    let n = input
        .copies_made
        .trim()
        .parse::<i32>()
        .ok()
        .filter(|n| (0..=c.copies_requested).contains(n));
    let Some(n) = n else {
        errors.add("copies_made", "keys.error.copies_made");
        return render_copy(
            &page,
            &mut conn,
            id,
            &errors,
            input.copies_made.clone(),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let me = page.user().id;
    let meta = page.meta();
    let done = conn
        .transaction::<_, AppError, _>(async |conn| {
            let c = queries::lock_copy(conn, id).await?;
            if c.status == "made" {
                return Ok(Made::Already);
            }
            if c.status != "approved" {
                return Ok(Made::NotApproved);
            }
            let now = Utc::now();
            let key = queries::lock_keys(conn, &[c.key_id]).await?;
            // Copies made for a lost key replace it: the lost one no longer
            // counts, and the key is back in its cabinet.
            let replaces_lost = n > 0 && key.iter().any(|k| k.status == "lost");
            let after = |k: &super::models::Key| if replaces_lost { n } else { k.copies + n };
            if key.iter().any(|k| after(k) > super::forms::COPIES_MAX) {
                return Ok(Made::TooMany);
            }
            queries::mark_copies_made(conn, id, n, me, now).await?;
            if replaces_lost {
                queries::replace_lost(conn, c.key_id, n, now).await?;
            } else {
                queries::add_copies(conn, c.key_id, n, now).await?;
            }
            queries::add_events(
                conn,
                &[c.key_id],
                &NewEvent {
                    action: if replaces_lost { "replaced" } else { "copied" },
                    actor_id: Some(me),
                    loan_id: None,
                    note: &format!("+{n}"),
                    at: now,
                },
            )
            .await?;
            audit::record(
                conn,
                &meta,
                "keys.copies_made",
                Some(("key_copy", id.to_string())),
                json!({ "key": c.key_id, "copies": n }),
            )
            .await?;
            Ok(Made::Recorded)
        })
        .await?;
    match done {
        Made::Recorded => flash(&session, Tone::Ok, page.t("keys.saved")),
        Made::NotApproved => flash(&session, Tone::Error, page.t("keys.error.not_approved")),
        Made::Already => flash(&session, Tone::Error, page.t("keys.error.copies_recorded")),
        Made::TooMany => {
            errors.add("copies_made", "keys.error.copies_full");
            return render_copy(
                &page,
                &mut conn,
                id,
                &errors,
                input.copies_made.clone(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    }
    Ok(see_other(&format!("/keys/copies/{id}")))
}

/// What recording copies made came to.
enum Made {
    Recorded,
    /// Not (or no longer) an approved request.
    NotApproved,
    /// The copies are recorded already (the form sent again).
    Already,
    /// The key would hold more copies than it may.
    TooMany,
}
