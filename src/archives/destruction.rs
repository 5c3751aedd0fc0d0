//! Destruction (档案销毁): the keeper fills the 过期文件处理登记表 from documents
//! past retention and not on hold; the customer-service supervisor reviews and
//! the service-centre manager approves it (approvals kind `archive_destruction`);
//! then, with two or more people present (两人以上在场) each confirming from their
//! own session and the supervisor's re-check (复核), the destruction is recorded:
//! scans are deleted, the metadata and the list stay, and the 销毁清册 prints.
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Utc;
use diesel::QueryResult;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::json;

use super::forms::{AppraiseInput, DestructionInput, DocInput, SideInput, SignInput};
use super::models::DocumentRow;
use super::queries;
use super::views::{
    DestructionLists, DestructionListsPrint, DestructionPrint, DestructionShow, DueList,
};
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

/// Who made the list, who re-checked it and who called it off (empty until then).
async fn people(
    conn: &mut AsyncPgConnection,
    d: &super::models::Destruction,
) -> QueryResult<(String, String, String)> {
    let mut ids = vec![d.created_by];
    ids.extend(d.rechecked_by);
    ids.extend(d.called_off_by);
    let names = approvals::queries::names(conn, &ids).await?;
    let name = |id: Option<i64>| id.and_then(|i| names.get(&i).cloned()).unwrap_or_default();
    Ok((
        name(Some(d.created_by)),
        name(d.rechecked_by),
        name(d.called_off_by),
    ))
}

/// Witnesses the rule asks for: 两人以上在场.
pub const WITNESSES: usize = 2;

/// The states a destruction list is listed by (`?status=`; anything else is all).
pub const STATUSES: [&str; 6] = [
    "in_review",
    "approved",
    "rejected",
    "withdrawn",
    "called_off",
    "destroyed",
];

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default, deserialize_with = "crate::web::form::number_or_none")]
    before: Option<i64>,
    #[serde(default)]
    status: String,
}

impl PageQuery {
    /// The state asked for, if it is one of [`STATUSES`].
    fn status(&self) -> Option<&'static str> {
        STATUSES.iter().copied().find(|s| *s == self.status)
    }
}

/// GET /archives/destructions: the lists, newest first.
pub async fn lists(
    page: UserPage,
    mut conn: DbConn,
    q: Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewArchives)?;
    const PAGE: i64 = 50;
    let status = q.status();
    let mut rows = queries::destruction_lists(&mut conn, status, q.before, PAGE + 1).await?;
    let next = crate::web::trim_page(&mut rows, PAGE as usize).map(|r| r.0.id);
    let body = DestructionLists {
        ctx: page.ctx(),
        rows,
        next,
        status: status.unwrap_or(""),
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /archives/destructions/print: the register of destruction lists on
/// paper, newest first, as the list shows them.
pub async fn lists_print(
    page: UserPage,
    mut conn: DbConn,
    q: Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewArchives)?;
    let status = q.status();
    let mut rows = queries::destruction_lists(&mut conn, status, None, SHEET_MAX + 1).await?;
    let truncated = crate::web::trim_page(&mut rows, SHEET_MAX as usize).is_some();
    let body = DestructionListsPrint {
        ctx: page.ctx(),
        rows,
        truncated,
        status: status.unwrap_or(""),
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// POST /archives/destructions: the keeper's list of documents to destroy, sent
/// for review and approval. Every document must be past retention, kept, not on
/// hold and on no other open list; otherwise nothing is stored.
pub async fn create(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    Form(mut input): Form<DestructionInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::KeepArchives)?;
    let mut errors = FieldErrors::new(page.locale);
    // Before the checks: a second submit finds its documents on the first one's list.
    let form_token = &mut input.form_token;
    let token = once::check(&mut conn, &session, &page, form_token, &mut errors).await?;
    let today = config.today();
    let mut ids: Vec<i64> = input
        .documents
        .iter()
        .filter_map(|d| d.trim().parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    let rows = queries::document_rows(&mut conn, &ids).await?;
    let open = queries::on_open_list(&mut conn, &ids).await?;
    if ids.is_empty() || rows.len() != ids.len() {
        errors.add("documents", "archives.error.documents");
    } else if let Some(key) = refusal(&rows, &open, Some(today)) {
        errors.add("documents", key);
    }
    let note = input.note.trim().to_owned();
    if note.chars().count() > 500 {
        errors.add("note", "archives.error.too_long");
    }
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if let (Some(token), true) = (&token, errors.is_empty()) {
        let list = List {
            basis: "expired",
            past_on: Some(today),
            note: &note,
            rows: &rows,
        };
        match send_for_review(&mut conn, &session, &page, &config, token, list).await? {
            Ok(answer) => return Ok(answer),
            Err(key) => errors.add("documents", key),
        }
        status = StatusCode::CONFLICT;
    }
    // Refused: the page of the due list the form was on, with the papers ticked
    // and the note kept.
    let (due, next) = super::retention::due_page(&mut conn, &config, &input.after).await?;
    let listed = queries::open_lists_by_doc(&mut conn, &due).await?;
    let body = DueList {
        ctx: page.ctx(),
        cites: super::DESTRUCTION_CITES,
        listed,
        rows: due,
        today,
        next,
        notice_days: config.archive_notice_days,
        errors: &errors,
        input: &input,
    }
    .render()?;
    Ok(html(status, body))
}

/// Why these papers cannot go on a destruction list, as a catalog key: each must
/// be kept (not lent, not destroyed), not on hold and on no other open list, and,
/// when `past_on` is the day, past its retention date then.
fn refusal(
    rows: &[DocumentRow],
    open: &[i64],
    past_on: Option<chrono::NaiveDate>,
) -> Option<&'static str> {
    let early = |r: &DocumentRow| {
        past_on.is_some_and(|today| !super::retention::is_past(r.doc.retain_until, today))
    };
    if rows.iter().any(|r| r.held()) {
        Some("archives.error.on_hold")
    } else if rows.iter().any(|r| r.doc.status != "kept") {
        Some("archives.error.not_kept")
    } else if rows.iter().any(early) {
        Some("archives.error.not_due")
    } else if !open.is_empty() {
        Some("archives.error.on_list")
    } else {
        None
    }
}

/// POST /archives/documents/{id}/appraise: 经鉴定确认无保存价值 (住户档案管理规定
/// 6(1)). The keeper lists one paper for destruction before its retention date,
/// the appraisal as the list's note; review, approval, re-check and witnesses as
/// for any list.
pub async fn appraise(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    path: web::Path<i64>,
    Form(mut input): Form<AppraiseInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::KeepArchives)?;
    let id = path.into_inner();
    let mut errors = FieldErrors::new(page.locale);
    let form_token = &mut input.form_token;
    let token = once::check(&mut conn, &session, &page, form_token, &mut errors).await?;
    let rows = queries::document_rows(&mut conn, &[id]).await?;
    if rows.is_empty() {
        return Err(AppError::NotFound);
    }
    let open = queries::on_open_list(&mut conn, &[id]).await?;
    let note = input.appraisal.trim().to_owned();
    if let Some(key) = refusal(&rows, &open, None) {
        errors.add("appraisal", key);
    } else if note.is_empty() {
        errors.add("appraisal", "archives.error.appraisal_required");
    } else if note.chars().count() > 500 {
        errors.add("appraisal", "archives.error.appraisal_long");
    }
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if let (Some(token), true) = (&token, errors.is_empty()) {
        let list = List {
            basis: "appraised",
            past_on: None,
            note: &note,
            rows: &rows,
        };
        match send_for_review(&mut conn, &session, &page, &config, token, list).await? {
            Ok(answer) => return Ok(answer),
            Err(key) => errors.add("appraisal", key),
        }
        status = StatusCode::CONFLICT;
    }
    // Refused: the document's page again, the appraisal kept.
    let doc = queries::document(&mut conn, id).await?;
    let fields = DocInput::of(&doc);
    let side = SideInput {
        appraisal: input,
        ..SideInput::fresh()
    };
    super::handlers::render_document_with(&page, &mut conn, doc, fields, side, &errors, status)
        .await
}

/// A checked destruction list about to be filed.
struct List<'a> {
    /// `expired` or `appraised`.
    basis: &'a str,
    /// For an `expired` list, the day its papers must be past retention on.
    past_on: Option<chrono::NaiveDate>,
    note: &'a str,
    rows: &'a [DocumentRow],
}

/// Files a checked list for review and approval, in one transaction: the list,
/// its approval request, a line in each paper's archive history and the audit
/// entry, then answers as [`once::answer`]. The papers are locked and checked
/// again first (as [`refusal`]): of two lists sent at once from two tabs, the
/// second finds the papers on the first and files nothing; a paper lent, held or
/// taken out since the form was checked stops the list too. Refused, it files
/// nothing, leaves the form's token unused and gives the refusal's catalog key
/// for the form to be shown again.
async fn send_for_review(
    conn: &mut AsyncPgConnection,
    session: &Session,
    page: &UserPage,
    config: &Config,
    token: &once::Token,
    list: List<'_>,
) -> Result<Result<HttpResponse, &'static str>, AppError> {
    let me = page.user().id;
    let meta = page.meta();
    let now = Utc::now();
    let List {
        basis,
        past_on,
        note,
        rows,
    } = list;
    let ids: Vec<i64> = rows.iter().map(|r| r.doc.id).collect();
    let refused = std::sync::OnceLock::new();
    let filed = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me).await? {
                return Ok(None);
            }
            queries::lock_documents(conn, &ids).await?;
            let now_rows = queries::document_rows(conn, &ids).await?;
            let open = queries::on_open_list(conn, &ids).await?;
            if let Some(key) = refusal(&now_rows, &open, past_on) {
                let _ = refused.set(key);
                return Err(diesel::result::Error::RollbackTransaction.into());
            }
            let id = queries::create_destruction(conn, me, basis, note, &ids).await?;
            let request = engine::submit(
                conn,
                &approvals::ARCHIVE_DESTRUCTION,
                id,
                &format!(
                    "XH-{id} · {}",
                    approvals::count_term("archives.destruction_count", ids.len())
                ),
                me,
                config,
                now,
            )
            .await?;
            let detail = format!("XH-{id}");
            queries::add_documents_history(conn, rows, "destruction_listed", &detail, me).await?;
            audit::record(
                conn,
                &meta,
                "archives.destruction_listed",
                Some(("archive_destruction", id.to_string())),
                json!({ "documents": ids, "basis": basis, "approval_request": request }),
            )
            .await?;
            Ok(token
                .filed(conn, format!("/archives/destructions/{id}"))
                .await?)
        })
        .await;
    let filed = match (filed, refused.get().copied()) {
        (Err(AppError::Db(diesel::result::Error::RollbackTransaction)), Some(key)) => {
            return Ok(Err(key));
        }
        (other, _) => other?,
    };
    let ok = "archives.destruction_filed";
    Ok(Ok(
        once::answer(conn, session, page, token, filed, ok).await?
    ))
}

async fn render_show(
    page: &UserPage,
    conn: &mut DbConn,
    id: i64,
    (sign, call_off): (&SignInput, &CallOffInput),
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let d = queries::destruction(conn, id).await?;
    let docs = queries::destruction_documents(conn, id).await?;
    let witnesses = queries::witnesses_of(conn, id).await?;
    let req = approvals::queries::request_for(conn, super::DESTRUCTION_KIND, id).await?;
    let (creator, rechecker, caller) = people(conn, &d).await?;
    let me = page.user().id;
    let approval_id =
        crate::approvals::link_for(conn, req, page.user(), (page.today(), page.tz)).await?;
    let body = DestructionShow {
        ctx: page.ctx(),
        creator,
        rechecker,
        i_witnessed: witnesses.iter().any(|w| w.user_id == me),
        i_listed: d.created_by == me,
        d,
        docs,
        witnesses,
        approval_id,
        sign_name: sign.sign_name.clone(),
        sign_confirmed: sign.sign_confirm.is_some(),
        sign_drawing: sign.sign_drawing.clone(),
        call_off_reason: call_off.reason.clone(),
        caller,
        errors,
        cites: super::DESTRUCTION_CITES,
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /archives/destructions/{id}
pub async fn show(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewArchives)?;
    let errors = FieldErrors::new(page.locale);
    render_show(
        &page,
        &mut conn,
        path.into_inner(),
        (&SignInput::default(), &CallOffInput::default()),
        &errors,
        StatusCode::OK,
    )
    .await
}

/// POST /archives/destructions/{id}/witness: I was present (在场), signed from
/// my own session. Once per person.
pub async fn witness(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(input): Form<SignInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewArchives)?;
    let id = path.into_inner();
    let d = queries::destruction(&mut conn, id).await?;
    let me = page.user().clone();
    let mut errors = FieldErrors::new(page.locale);
    let sig = input.signature(&me.display_name, &mut errors);
    if d.status != "approved" {
        flash(&session, Tone::Error, page.t(not_open(&d.status)));
        return Ok(see_other(&format!("/archives/destructions/{id}")));
    }
    let Some(sig) = sig else {
        return render_show(
            &page,
            &mut conn,
            id,
            (&input, &CallOffInput::default()),
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let meta = page.meta();
    // Under the list's lock: a list recorded as destroyed or called off while
    // this form was sent takes no more witnesses.
    let closed = conn
        .transaction::<_, AppError, _>(async |conn| {
            let d = queries::lock_destruction(conn, id).await?;
            if d.status != "approved" {
                return Ok(Some(d.status));
            }
            let (name, drawing) = (&sig.name, sig.drawing_png.as_deref());
            if queries::add_witness(conn, id, me.id, name, drawing).await? {
                audit::record(
                    conn,
                    &meta,
                    "archives.destruction_witnessed",
                    Some(("archive_destruction", id.to_string())),
                    json!({ "signed_name": sig.name }),
                )
                .await?;
            }
            Ok(None)
        })
        .await?;
    if let Some(status) = closed {
        flash(&session, Tone::Error, page.t(not_open(&status)));
        return Ok(see_other(&format!("/archives/destructions/{id}")));
    }
    flash(&session, Tone::Ok, page.t("archives.witnessed"));
    Ok(see_other(&format!("/archives/destructions/{id}")))
}

/// POST /archives/destructions/{id}/recheck: the supervisor re-checked the content.
pub async fn recheck(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ReviewDestruction)?;
    let id = path.into_inner();
    let me = page.user().id;
    let meta = page.meta();
    let done = conn
        .transaction::<_, AppError, _>(async |conn| {
            let done = queries::recheck(conn, id, me).await?;
            if done {
                audit::record(
                    conn,
                    &meta,
                    "archives.destruction_rechecked",
                    Some(("archive_destruction", id.to_string())),
                    json!({}),
                )
                .await?;
            }
            Ok(done)
        })
        .await?;
    if done {
        flash(&session, Tone::Ok, page.t("archives.rechecked"));
    } else {
        let d = queries::destruction(&mut conn, id).await?;
        let why = match d.rechecked_by {
            Some(_) if d.status == "approved" => "archives.error.already_rechecked",
            // Whoever made the list does not re-check it (one who holds both
            // posts): another supervisor does.
            None if d.status == "approved" && d.created_by == me => "archives.error.recheck_own",
            _ => not_open(&d.status),
        };
        flash(&session, Tone::Error, page.t(why));
    }
    Ok(see_other(&format!("/archives/destructions/{id}")))
}

/// Why a list in `status` takes no step of its destruction now: recorded
/// already (a form sent again), called off, or not approved yet.
fn not_open(status: &str) -> &'static str {
    match status {
        "destroyed" => "archives.error.already_destroyed",
        "called_off" => "archives.error.called_off",
        _ => "archives.error.not_approved",
    }
}

#[derive(Deserialize, Default)]
pub struct CallOffInput {
    #[serde(default)]
    pub reason: String,
}

/// The longest reason for calling a list off.
const CALL_OFF_MAX: usize = 500;

/// POST /archives/destructions/{id}/call-off: an approved list that will not be
/// carried out (a paper put on hold since, a mistake found at the re-check) is
/// called off by the keeper or the supervisor, with the reason; its papers are
/// free again (they may be corrected, lent, listed anew), the list stays on record.
pub async fn call_off(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(input): Form<CallOffInput>,
) -> Result<HttpResponse, AppError> {
    if !page.may(Right::KeepArchives) && !page.may(Right::ReviewDestruction) {
        return Err(AppError::Forbidden);
    }
    let id = path.into_inner();
    let mut errors = FieldErrors::new(page.locale);
    let reason = errors.text(
        "archives",
        "call_off_reason",
        &input.reason,
        CALL_OFF_MAX,
        true,
    );
    if !errors.is_empty() {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        let sign = SignInput::default();
        return render_show(&page, &mut conn, id, (&sign, &input), &errors, status).await;
    }
    let me = page.user().id;
    let meta = page.meta();
    let refused = conn
        .transaction::<_, AppError, _>(async |conn| {
            let d = queries::lock_destruction(conn, id).await?;
            if d.status != "approved" {
                return Ok(Some(d.status));
            }
            queries::call_off_destruction(conn, id, me, &reason).await?;
            let docs = queries::destruction_documents(conn, id).await?;
            let detail = format!("XH-{id} · {reason}");
            queries::add_documents_history(conn, &docs, "destruction_called_off", &detail, me)
                .await?;
            audit::record(
                conn,
                &meta,
                "archives.destruction_called_off",
                Some(("archive_destruction", id.to_string())),
                json!({ "reason": reason, "documents": docs.iter().map(|r| r.doc.id).collect::<Vec<_>>() }),
            )
            .await?;
            Ok(None)
        })
        .await?;
    match refused.as_deref() {
        None => flash(&session, Tone::Ok, page.t("archives.called_off")),
        // Sent twice: the first call did it.
        Some("called_off") => flash(&session, Tone::Ok, page.t("archives.called_off")),
        Some(status) => flash(&session, Tone::Error, page.t(not_open(status))),
    }
    Ok(see_other(&format!("/archives/destructions/{id}")))
}

/// Why a destruction cannot be recorded yet, as a catalog key.
pub fn blocker(
    d: &super::models::Destruction,
    witnesses: usize,
    any_held: bool,
) -> Option<&'static str> {
    if d.status != "approved" {
        Some(not_open(&d.status))
    } else if d.rechecked_by.is_none() {
        Some("archives.error.not_rechecked")
    } else if witnesses < WITNESSES {
        Some("archives.error.witnesses")
    } else if any_held {
        Some("archives.error.on_hold")
    } else {
        None
    }
}

/// POST /archives/destructions/{id}/record: the destruction happened. Only after
/// approval, the re-check and two witnesses; scans deleted in this transaction.
pub async fn record(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::KeepArchives)?;
    let id = path.into_inner();
    let me = page.user().id;
    let meta = page.meta();
    let today = config.today();
    let refused = conn
        .transaction::<_, AppError, _>(async |conn| {
            let d = queries::lock_destruction(conn, id).await?;
            let witnesses = queries::witnesses_of(conn, id).await?;
            let docs = queries::destruction_documents(conn, id).await?;
            if let Some(why) = blocker(&d, witnesses.len(), docs.iter().any(|r| r.held())) {
                return Ok(Some(why));
            }
            // The papers as they are now, not as when they were listed: one lent
            // out since, held, or whose retention date moved, is not destroyed.
            // Their archives are locked too: a hold on a whole archive set while
            // this runs waits for it, or is seen by it.
            let ids: Vec<i64> = docs.iter().map(|r| r.doc.id).collect();
            queries::lock_archives_of(conn, &ids).await?;
            queries::lock_documents(conn, &ids).await?;
            let now_rows = queries::document_rows(conn, &ids).await?;
            let past_on = (!d.appraised()).then_some(today);
            if let Some(why) = refusal(&now_rows, &[], past_on) {
                return Ok(Some(why));
            }
            let archives = queries::destroy(conn, id, me).await?;
            queries::refresh_summaries(conn, &archives).await?;
            let detail = format!("XH-{id}");
            queries::add_documents_history(conn, &docs, "destroyed", &detail, me).await?;
            audit::record(
                conn,
                &meta,
                "archives.destroyed",
                Some(("archive_destruction", id.to_string())),
                json!({ "documents": docs.iter().map(|r| r.doc.id).collect::<Vec<_>>(),
                        "witnesses": witnesses.iter().map(|w| w.user_id).collect::<Vec<_>>() }),
            )
            .await?;
            Ok(None)
        })
        .await?;
    match refused {
        None => flash(&session, Tone::Ok, page.t("archives.destroyed")),
        Some(key) => flash(&session, Tone::Error, page.t(key)),
    }
    Ok(see_other(&format!("/archives/destructions/{id}")))
}

/// GET /archives/destructions/{id}/print: the 过期文件处理登记表 / 销毁清册.
pub async fn print(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewArchives)?;
    let id = path.into_inner();
    let d = queries::destruction(&mut conn, id).await?;
    let docs = queries::destruction_documents(&mut conn, id).await?;
    let witnesses = queries::witnesses_of(&mut conn, id).await?;
    let (creator, rechecker, caller) = people(&mut conn, &d).await?;
    // 报客户服务部主管审核，服务中心主任批准: the two steps of its approval.
    let decisions =
        approvals::queries::approvals_of(&mut conn, super::DESTRUCTION_KIND, &[id], page.locale)
            .await?
            .into_iter()
            .map(|(_, step, name, at)| (step, name, at))
            .collect();
    let body = DestructionPrint {
        ctx: page.ctx(),
        caller,
        creator,
        rechecker,
        decisions,
        d,
        docs,
        witnesses,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

pub async fn approval_details(
    conn: &mut AsyncPgConnection,
    id: i64,
    loc: Locale,
) -> QueryResult<Vec<(String, String)>> {
    let docs = queries::destruction_documents(conn, id).await?;
    let d = queries::destruction(conn, id).await?;
    let mut lines: Vec<(String, String)> = docs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            (
                loc.tf("archives.paper_no", &[("no", &(i + 1))]),
                format!(
                    "{} {} · {} · {} · {}{}",
                    r.label(),
                    r.resident_name,
                    r.doc_type.with_title(&r.doc.title, loc),
                    r.doc.received_on,
                    r.doc
                        .retain_until
                        .map(|d| d.to_string())
                        .unwrap_or_else(|| loc.t("archives.no_date").to_owned()),
                    if r.held() {
                        format!(" · {}", loc.t("archives.on_hold"))
                    } else {
                        String::new()
                    }
                ),
            )
        })
        .collect();
    let (basis, note) = if d.appraised() {
        ("archives.basis_appraised", "archives.appraisal")
    } else {
        ("archives.basis_expired", "archives.note")
    };
    lines.push((loc.t("archives.basis").to_owned(), loc.t(basis).to_owned()));
    if !d.note.is_empty() {
        lines.push((loc.t(note).to_owned(), d.note));
    }
    Ok(lines)
}

/// Review and approval ended: approved lists wait for the destruction itself.
pub async fn finished(conn: &mut AsyncPgConnection, id: i64, status: &str) -> QueryResult<()> {
    queries::destruction_status(conn, id, "in_review", status).await?;
    Ok(())
}

/// GET /archives/destructions.csv and .xlsx: the destruction lists, newest first
/// (at most a sheet's worth).
pub async fn lists_export(
    page: UserPage,
    mut conn: DbConn,
    q: Query<PageQuery>,
    format: ExportFormat,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewArchives)?;
    let rows = queries::destruction_lists(&mut conn, q.status(), None, SHEET_MAX).await?;
    let loc = page.locale;
    let when = |at: chrono::DateTime<Utc>| Cell::from(crate::i18n::minute(at, page.tz));
    let headers = [
        "archives.register_no",
        "archives.created_by",
        "archives.items",
        "archives.when",
        "archives.state",
        "archives.basis",
        "archives.destroyed_at",
    ];
    let rows = rows
        .into_iter()
        .map(|(d, by, n)| {
            let basis = if d.appraised() {
                "archives.basis_appraised"
            } else {
                "archives.basis_expired"
            };
            vec![
                Cell::from(format!("XH-{}", d.id)),
                by.into(),
                Cell::from(n),
                when(d.created_at),
                loc.t_in("archives.destruction_status", &d.status).into(),
                loc.t(basis).into(),
                d.destroyed_at.map(when).unwrap_or_else(|| "".into()),
            ]
        })
        .collect();
    let sheet = Sheet::new(loc, "archives.destructions", &headers, rows);
    export::respond(&sheet, format, "archive-destructions")
}

/// GET /archives/destructions/{id}.csv and .xlsx: one list's documents, as its
/// paper form (过期文件处理登记表) lists them.
pub async fn list_export(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewArchives)?;
    let (id, ext) = path.into_inner();
    let format = ExportFormat::parse(&ext).ok_or(AppError::NotFound)?;
    let d = queries::destruction(&mut conn, id).await?;
    let docs = queries::destruction_documents(&mut conn, d.id).await?;
    let loc = page.locale;
    let headers = [
        "archives.item",
        "archives.archive",
        "archives.doc_title",
        "archives.doc_type",
        "archives.received_on",
        "archives.retain_until",
        "archives.pages",
    ];
    let rows = docs
        .iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                Cell::from(i64::try_from(i + 1).unwrap_or(i64::MAX)),
                Cell::from(format!("{} {}", r.label(), r.resident_name)),
                r.doc.title.clone().into(),
                r.doc_type.name(loc).into(),
                r.doc.received_on.to_string().into(),
                r.doc
                    .retain_until
                    .map_or_else(|| loc.t("archives.no_date").to_owned(), |d| d.to_string())
                    .into(),
                Cell::from(i64::from(r.doc.pages)),
            ]
        })
        .collect();
    let sheet = Sheet::new(loc, "archives.destruction_form", &headers, rows)
        .named(format_args!("XH-{}", d.id));
    export::respond(&sheet, format, &format!("archive-destruction-XH-{}", d.id))
}
