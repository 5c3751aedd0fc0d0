//! Shift handover counts (交接班清点): the cabinet's expected keys, ticked off by
//! the clerk; what was not found is recorded.
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Utc;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::json;

use super::forms::{self, CountInput};
use super::models::Cabinet;
use super::queries::{self, NewEvent};
use super::views::{self, Txt};
use crate::audit;
use crate::auth::Right;
use crate::db::DbConn;
use crate::error::AppError;
use crate::web::export::{self, Cell, ExportFormat, Sheet, SHEET_MAX};
use crate::web::once;
use crate::web::{html, FieldErrors, Form, Query, UserPage};

#[derive(Deserialize)]
pub struct CabinetQuery {
    /// The cabinet to count, as [`Cabinet::key`] names it.
    cabinet: Option<String>,
    /// Past counts before this one (keyset pages).
    #[serde(default, deserialize_with = "crate::web::form::number_or_none")]
    before: Option<i64>,
}

/// GET /keys/counts?cabinet=…: what should be in the cabinet, to tick off; past counts.
pub async fn list(
    page: UserPage,
    mut conn: DbConn,
    q: Query<CabinetQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewKeys)?;
    let input = CountInput {
        form_token: once::new_token(),
        ..Default::default()
    };
    let errors = FieldErrors::new(page.locale);
    let cabinet = q.cabinet.as_deref();
    let status = StatusCode::OK;
    render_list(&page, &mut conn, cabinet, q.before, &input, &errors, status).await
}

/// GET /keys/counts.csv and .xlsx: every count, newest first (up to the
/// registers' limit).
pub async fn export(
    page: UserPage,
    mut conn: DbConn,
    format: ExportFormat,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewKeys)?;
    let rows = queries::counts(&mut conn, None, SHEET_MAX).await?;
    let loc = page.locale;
    let headers = [
        "keys.when",
        "keys.count_project",
        "keys.cabinet",
        "keys.who",
        "keys.expected_col",
        "keys.missing_col",
        "keys.note",
    ];
    let rows = rows
        .iter()
        .map(|(c, who, project)| {
            vec![
                Cell::from(crate::i18n::minute(c.counted_at, page.tz)),
                project.clone().unwrap_or_default().into(),
                c.cabinet.clone().into(),
                who.clone().into(),
                Cell::from(i64::from(c.expected)),
                Cell::from(i64::from(c.missing)),
                c.note.clone().into(),
            ]
        })
        .collect();
    let sheet = Sheet::new(loc, "keys.counts_title", &headers, rows);
    export::respond(&sheet, format, "key-counts")
}

/// Past counts per page.
const COUNTS_PAGE: i64 = 50;

/// The most keys one count lists (its form stays well within the body limit).
/// A cabinet holding more is counted by its lowest hooks, and the page says so.
const COUNT_MAX: usize = 10_000;

/// The keys a count of `cabinet` lists, and whether the cabinet holds more.
async fn keys_to_count(
    conn: &mut AsyncPgConnection,
    cabinet: &Cabinet,
) -> Result<(Vec<super::models::Key>, bool), AppError> {
    let mut keys = queries::expected_in(conn, cabinet, COUNT_MAX + 1).await?;
    let more = keys.len() > COUNT_MAX;
    keys.truncate(COUNT_MAX);
    Ok((keys, more))
}

/// The cabinet in use that `key` names ([`Cabinet::key`]), if any.
fn chosen(cabinets: &[Cabinet], key: &str) -> Option<Cabinet> {
    let (project, name) = Cabinet::parse_key(key)?;
    cabinets
        .iter()
        .find(|c| c.project_id == project && c.name == name)
        .cloned()
}

/// The counts page, with the form for `cabinet` (when it names one).
async fn render_list(
    page: &UserPage,
    conn: &mut AsyncPgConnection,
    cabinet: Option<&str>,
    before: Option<i64>,
    input: &CountInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let cabinets = queries::cabinets(conn).await?;
    let cabinet = cabinet.and_then(|c| chosen(&cabinets, c));
    let (expected, more) = match &cabinet {
        Some(c) => keys_to_count(conn, c).await?,
        None => (Vec::new(), false),
    };
    let mut counts = queries::counts(conn, before, COUNTS_PAGE + 1).await?;
    let next = crate::web::trim_page(&mut counts, COUNTS_PAGE as usize).map(|(c, _, _)| c.id);
    let body = views::Counts {
        ctx: page.ctx(),
        cites: views::CITE_COUNT,
        txt: Txt(page.locale),
        cabinets,
        cabinet,
        expected,
        more,
        counts,
        next,
        manage: page.may(Right::ManageKeys),
        input,
        errors,
    }
    .render()?;
    Ok(html(status, body))
}

/// POST /keys/counts: the list of what should be there is taken again now; every
/// key not ticked is a discrepancy, recorded on the count and in its history.
pub async fn create(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    Form(mut input): Form<CountInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageKeys)?;
    let mut errors = FieldErrors::new(page.locale);
    let form_token = &mut input.form_token;
    let token = once::check(&mut conn, &session, &page, form_token, &mut errors).await?;
    if input.note.trim().chars().count() > 1000 {
        errors.add("note", "keys.error.note_too_long");
    }
    // The cabinet as it is now: one whose last key was moved out meanwhile is
    // no longer there to count.
    let cabinet = chosen(&queries::cabinets(&mut conn).await?, &input.cabinet);
    if cabinet.is_none() {
        errors.add("cabinet", "keys.error.count_cabinet");
    }
    let (Some(token), Some(cabinet), true) = (token, cabinet, errors.is_empty()) else {
        let (cabinet, refused) = (
            Some(input.cabinet.as_str()),
            StatusCode::UNPROCESSABLE_ENTITY,
        );
        return render_list(&page, &mut conn, cabinet, None, &input, &errors, refused).await;
    };
    let present = forms::ids(&input.present);
    let note = input.note.trim().to_owned();
    let listed: Option<Vec<i64>> = input.listed.as_deref().map(|l| {
        let mut ids: Vec<i64> = l.split(',').filter_map(|i| i.trim().parse().ok()).collect();
        ids.sort_unstable();
        ids
    });
    let me = page.user().id;
    let meta = page.meta();
    let filed = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me).await? {
                return Ok(None);
            }
            let expected: Vec<i64> = keys_to_count(conn, &cabinet)
                .await?
                .0
                .iter()
                .map(|k| k.id)
                .collect();
            let mut now_expected = expected.clone();
            now_expected.sort_unstable();
            if listed.as_ref().is_some_and(|l| *l != now_expected) {
                // Nothing is filed; the token stays unused for the form shown again.
                return Err(AppError::Db(diesel::result::Error::RollbackTransaction));
            }
            let now = Utc::now();
            let id =
                queries::create_count(conn, &cabinet, me, &expected, &present, &note, now).await?;
            let missing: Vec<i64> = expected
                .iter()
                .copied()
                .filter(|k| !present.contains(k))
                .collect();
            if !missing.is_empty() {
                queries::add_events(
                    conn,
                    &missing,
                    &NewEvent {
                        action: "count_missing",
                        actor_id: Some(me),
                        loan_id: None,
                        note: &note,
                        at: now,
                    },
                )
                .await?;
            }
            audit::record(
                conn,
                &meta,
                "keys.counted",
                Some(("key_count", id.to_string())),
                json!({
                    "project": cabinet.project,
                    "cabinet": cabinet.name,
                    "expected": expected.len(),
                    "missing": missing,
                }),
            )
            .await?;
            Ok(token.filed(conn, format!("/keys/counts/{id}")).await?)
        })
        .await;
    let filed = match filed {
        Err(AppError::Db(diesel::result::Error::RollbackTransaction)) => {
            // A key was lent or returned while the clerk counted: the list comes
            // back as it is now, with their ticks kept.
            errors.add("listed", "keys.error.count_changed");
            let status = StatusCode::CONFLICT;
            let cabinet = Some(input.cabinet.as_str());
            return render_list(&page, &mut conn, cabinet, None, &input, &errors, status).await;
        }
        other => other?,
    };
    let ok = "keys.count_saved";
    once::answer(&mut conn, &session, &page, &token, filed, ok).await
}

/// GET /keys/counts/{id}
pub async fn show(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewKeys)?;
    let ((count, by, project), missing) = count_of(&mut conn, path.into_inner()).await?;
    let body = views::CountShow {
        ctx: page.ctx(),
        txt: Txt(page.locale),
        count,
        by,
        project,
        missing,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /keys/counts/{id}/print: the count on paper, signed at the handover.
pub async fn print(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewKeys)?;
    let ((count, by, project), missing) = count_of(&mut conn, path.into_inner()).await?;
    let body = views::CountPrint {
        ctx: page.ctx(),
        txt: Txt(page.locale),
        count,
        by,
        project,
        missing,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// A count with who made it, its cabinet's project, and the keys it did not
/// find.
async fn count_of(
    conn: &mut DbConn,
    id: i64,
) -> Result<(queries::CountRow, Vec<super::models::Key>), AppError> {
    let row = queries::count(conn, id).await?;
    let missing = queries::count_missing(conn, row.0.id).await?;
    Ok((row, missing))
}
