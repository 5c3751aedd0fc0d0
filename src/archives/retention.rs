//! The retention schedule (档案保存期限规定): per document type a period and the
//! event it runs from, or permanent; a change shows what it would move before it
//! is saved. The list of documents due for destruction, and the daily job that
//! warns the archive keeper ahead and on the day, in one digest mail.
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::json;

use super::forms::ScheduleInput;
use super::queries;
use super::views::{DueList, Schedule, ScheduleEdit};
use crate::audit;
use crate::auth::{Right, Role};
use crate::config::Config;
use crate::db::DbConn;
use crate::error::AppError;
use crate::web::context::{flash, Tone};
use crate::web::{html, see_other, FieldErrors, Form, Query, UserPage};

/// GET /archives/retention: the schedule.
pub async fn schedule(page: UserPage, mut conn: DbConn) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewArchives)?;
    let types = queries::doc_types(&mut conn).await?;
    let body = Schedule {
        ctx: page.ctx(),
        types,
        cites: super::RETENTION_CITES,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// How many moved documents the preview lists.
const PREVIEW: i64 = 200;

async fn edit_page(
    page: &UserPage,
    conn: &mut DbConn,
    type_id: i64,
    input: &ScheduleInput,
    errors: &FieldErrors,
    moved: Option<Vec<queries::Moved>>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let doc_type = queries::doc_type(conn, type_id).await?;
    let body = ScheduleEdit {
        ctx: page.ctx(),
        doc_type,
        input,
        errors,
        moved,
        preview_max: PREVIEW as usize,
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /archives/retention/{id}
pub async fn edit_form(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::KeepArchives)?;
    let t = queries::doc_type(&mut conn, path.into_inner()).await?;
    let input = ScheduleInput {
        event: t.retention_event.clone(),
        years: t.retention_years.map(|y| y.to_string()).unwrap_or_default(),
        ..Default::default()
    };
    let errors = FieldErrors::new(page.locale);
    edit_page(
        &page,
        &mut conn,
        t.id,
        &input,
        &errors,
        None,
        StatusCode::OK,
    )
    .await
}

/// POST /archives/retention/{id}: first a preview of the documents whose
/// retention date would move; saved only from the preview's confirm button,
/// and only the schedule it previewed (edited since, it is previewed again).
pub async fn save(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(input): Form<ScheduleInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::KeepArchives)?;
    let t = queries::doc_type(&mut conn, path.into_inner()).await?;
    let mut errors = FieldErrors::new(page.locale);
    let Some((event, years)) = input.validate(&mut errors) else {
        return edit_page(
            &page,
            &mut conn,
            t.id,
            &input,
            &errors,
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let previewed = ScheduleInput::previewed(event, years);
    if input.confirm != previewed {
        let input = ScheduleInput {
            previewed_again: !input.confirm.is_empty(),
            confirm: previewed,
            ..input
        };
        let moved = queries::preview_schedule(&mut conn, t.id, event, years, PREVIEW).await?;
        return edit_page(
            &page,
            &mut conn,
            t.id,
            &input,
            &errors,
            Some(moved),
            StatusCode::OK,
        )
        .await;
    }
    let meta = page.meta();
    let moved = conn
        .transaction::<_, AppError, _>(async |conn| {
            let moved = queries::set_schedule(conn, t.id, event, years).await?;
            audit::record(
                conn,
                &meta,
                "archives.schedule_changed",
                Some(("archive_doc_type", t.id.to_string())),
                json!({ "from": { "event": t.retention_event, "years": t.retention_years },
                        "to": { "event": event, "years": years }, "documents_moved": moved }),
            )
            .await?;
            Ok(moved)
        })
        .await?;
    flash(
        &session,
        Tone::Ok,
        page.t1("archives.schedule_saved", "n", moved),
    );
    Ok(see_other("/archives/retention"))
}

#[derive(Deserialize)]
pub struct DueQuery {
    after: Option<String>,
}

const PAGE: i64 = 100;

/// One page of the due list: the papers after the cursor `after`
/// (`{retain_until}_{id}`; the first page when empty or unreadable), and the
/// next page's cursor.
pub(super) async fn due_page(
    conn: &mut AsyncPgConnection,
    config: &Config,
    after: &str,
) -> Result<(Vec<super::models::DocumentRow>, Option<String>), AppError> {
    let until = config.today() + Duration::days(config.archive_notice_days);
    let after = after
        .split_once('_')
        .and_then(|(d, id)| Some((crate::web::form::date(d)?, id.parse::<i64>().ok()?)));
    let mut rows = queries::due(conn, until, after, PAGE + 1).await?;
    let next = crate::web::trim_page(&mut rows, PAGE as usize)
        .and_then(|r| r.doc.retain_until.map(|d| format!("{d}_{}", r.doc.id)));
    Ok((rows, next))
}

/// GET /archives/due: documents at or near their retention date; the keeper
/// picks those past it (and not on hold) for a destruction list.
pub async fn due(
    page: UserPage,
    mut conn: DbConn,
    config: web::Data<Config>,
    q: Query<DueQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewArchives)?;
    let today = config.today();
    let after = q.after.clone().unwrap_or_default();
    let (rows, next) = due_page(&mut conn, &config, &after).await?;
    let listed = queries::open_lists_by_doc(&mut conn, &rows).await?;
    let errors = FieldErrors::new(page.locale);
    let input = super::forms::DestructionInput {
        form_token: crate::web::once::new_token(),
        after,
        ..Default::default()
    };
    let body = DueList {
        ctx: page.ctx(),
        cites: super::DESTRUCTION_CITES,
        listed,
        rows,
        today,
        next,
        notice_days: config.archive_notice_days,
        errors: &errors,
        input: &input,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// How many documents one digest lists at most; the rest go in the next run's.
const DIGEST_MAX: i64 = 1000;

/// The daily notice: one digest mail to each archive keeper listing the documents
/// that reach their retention date within `ARCHIVE_NOTICE_DAYS` and those that
/// reach it today (or did, unannounced), of the projects they serve (see
/// [`crate::users::queries::holders_for`]). Each document is announced once per kind
/// and date; documents on hold are left out.
pub async fn notify(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    config: &Config,
) -> anyhow::Result<String> {
    let today = config.day(now);
    let ahead_until = today + Duration::days(config.archive_notice_days);
    let done = conn
        .transaction::<_, AppError, _>(async |conn| {
            let due = queries::claim_notices(conn, "due", None, today, DIGEST_MAX).await?;
            let ahead =
                queries::claim_notices(conn, "ahead", Some(today), ahead_until, DIGEST_MAX).await?;
            if ahead.is_empty() && due.is_empty() {
                return Ok((0, 0));
            }
            let ahead_rows = queries::document_rows(conn, &ahead).await?;
            let due_rows = queries::document_rows(conn, &due).await?;
            // Each keeper hears of the papers of the projects they serve.
            let ids: Vec<i64> = ahead.iter().chain(&due).copied().collect();
            let project_of: std::collections::HashMap<i64, i64> =
                queries::document_projects(conn, &ids)
                    .await?
                    .into_iter()
                    .collect();
            let mut projects: Vec<i64> = project_of.values().copied().collect();
            projects.sort_unstable();
            projects.dedup();
            let mut keepers: Vec<(crate::approvals::models::Person, Vec<i64>)> = Vec::new();
            for p in projects {
                let role = Role::ArchiveKeeper.code();
                for k in crate::users::queries::holders_for(conn, role, Some(p)).await? {
                    match keepers.iter_mut().find(|(h, _)| h.id == k.id) {
                        Some((_, served)) => served.push(p),
                        None => keepers.push((k, vec![p])),
                    }
                }
            }
            if keepers.is_empty() {
                // No one keeps the archives now: nothing is marked announced,
                // so the next run, once someone does, tells them.
                return Err(AppError::Db(diesel::result::Error::RollbackTransaction));
            }
            let mut url = config.base_url.clone();
            url.set_path("/archives/due");
            for (k, served) in &keepers {
                let theirs = |r: &&super::models::DocumentRow| {
                    project_of
                        .get(&r.doc.id)
                        .is_some_and(|p| served.contains(p))
                };
                let loc = k.locale();
                let line = |r: &super::models::DocumentRow| super::mail::DigestLine {
                    label: r.label(),
                    resident: r.resident_name.clone(),
                    title: r.doc.title.clone(),
                    doc_type: r.doc_type.name(loc).to_owned(),
                    retain_until: r
                        .doc
                        .retain_until
                        .map(|d| d.to_string())
                        .unwrap_or_default(),
                };
                let mail = super::mail::Digest {
                    loc,
                    to_name: k.display_name.clone(),
                    days: config.archive_notice_days,
                    today: today.to_string(),
                    ahead: ahead_rows.iter().filter(theirs).map(line).collect(),
                    due: due_rows.iter().filter(theirs).map(line).collect(),
                    url: url.to_string(),
                }
                .render()
                .map_err(AppError::Template)?;
                let first = ahead.iter().chain(&due).min().copied().unwrap_or(0);
                let key = format!("archive_retention:{}:{today}:{first}", k.id);
                crate::mail::enqueue(conn, &key, "archive_retention", &k.recipient(), &mail)
                    .await?;
            }
            Ok((ahead.len(), due.len()))
        })
        .await;
    let (ahead, due) = match done {
        Err(AppError::Db(diesel::result::Error::RollbackTransaction)) => {
            anyhow::bail!("no active archive keeper to announce retention dates to")
        }
        done => done?,
    };
    Ok(crate::jobs::joined(&[
        crate::jobs::counted("announced_ahead", ahead),
        crate::jobs::counted("announced_due", due),
    ]))
}

/// The first day a document may be destroyed is its retention date.
pub fn is_past(retain_until: Option<NaiveDate>, today: NaiveDate) -> bool {
    retain_until.is_some_and(|d| d <= today)
}
