use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{NaiveDate, Utc};
use diesel_async::AsyncConnection;
use serde_json::json;

use super::forms::{NoteInput, ReopenInput, VisitInput};
use super::mail::Reported;
use super::models::{NewNote, NewVisit, VisitLine};
use super::queries::{self, Filter};
use super::views::{reception, VisitForm, VisitList, VisitPrint, VisitShow};
use crate::audit;
use crate::auth::{Right, Role};
use crate::config::Config;
use crate::db::DbConn;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::web::context::{flash, Tone};
use crate::web::export::{self, Cell, ExportFormat, Sheet, SHEET_MAX};
use crate::web::month::{self, MonthQuery};
use crate::web::{html, once, see_other, FieldErrors, Form, PageCtx, Query, UserPage};

const PAGE: i64 = 50;

fn require_any(page: &UserPage) -> Result<(), AppError> {
    if page.may(Right::RecordVisits) || page.may(Right::ViewVisits) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The register's lines for this reader: everyone's for those who may see
/// them, else their own; of the month asked, or of every month when none is
/// (what still waits for its follow-up, however old, as the counts that link
/// here count it).
fn filter(q: &MonthQuery, page: &UserPage) -> (Filter, Option<NaiveDate>) {
    let first = q.asked();
    let (from, until) = match first {
        Some(first) => month::span(first, page.tz),
        None => (None, None),
    };
    let show = q.show(&super::SHOWS);
    let filter = Filter {
        from,
        until,
        open: show == "open",
        late: show == "late",
        receiver: (!page.may(Right::ViewVisits)).then(|| page.user().id),
    };
    (filter, first)
}

/// GET /visits: the register by month, newest reception first.
pub async fn list(
    page: UserPage,
    mut conn: DbConn,
    q: Query<MonthQuery>,
) -> Result<HttpResponse, AppError> {
    require_any(&page)?;
    let (filter, month) = filter(&q, &page);
    let mut rows = queries::page(&mut conn, &filter, q.cursor(), PAGE + 1).await?;
    let query = q.query_of(month, &super::SHOWS);
    let next = crate::web::trim_page(&mut rows, PAGE as usize).map(|r| {
        format!(
            "{query}&before={}",
            month::cursor_of(r.visit.started_at, r.visit.id)
        )
    });
    let body = VisitList {
        ctx: page.ctx(),
        rows,
        next,
        month: month::text(month),
        show: q.show(&super::SHOWS),
        query,
        everyone: filter.receiver.is_none(),
        cites: super::CITES,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// The register's form: a new one, or the correction of visit `id` (with its
/// times locked for its receiver, see `corrections`).
pub(super) fn form(
    page: &UserPage,
    (input, errors): (&VisitInput, &FieldErrors),
    correcting: Option<(i64, bool)>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let body = VisitForm {
        ctx: page.ctx(),
        input,
        errors,
        cites: super::CITES,
        correcting: correcting.map(|(id, _)| id),
        times_locked: correcting.is_some_and(|(_, locked)| locked),
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /visits/new
pub async fn new_form(page: UserPage) -> Result<HttpResponse, AppError> {
    page.require(Right::RecordVisits)?;
    let input = VisitInput::fresh(Utc::now(), page.tz);
    let errors = FieldErrors::new(page.locale);
    form(&page, (&input, &errors), None, StatusCode::OK)
}

/// POST /visits/new: the register of one reception, by whoever received the
/// visitor; late when made more than 10 minutes after its end.
pub async fn create(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    Form(mut input): Form<VisitInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RecordVisits)?;
    let mut errors = FieldErrors::new(page.locale);
    let token = once::check(
        &mut conn,
        &session,
        &page,
        &mut input.form_token,
        &mut errors,
    )
    .await?;
    let now = Utc::now();
    let valid = input.validate(&mut errors, now, page.tz);
    let (Some(v), Some(token)) = (valid, token) else {
        return form(
            &page,
            (&input, &errors),
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let me = page.user().id;
    let meta = page.meta();
    // The end is typed to the minute: the whole of its minute is the
    // receiver's (ended at 09:40, registered at 09:50:59, on time).
    let late = now >= v.ended_at + chrono::Duration::minutes(super::DUE_MINUTES + 1);
    // A visit to follow up with no active supervisor to report it to.
    let mut nobody_told = false;
    let filed = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me).await? {
                return Ok(None);
            }
            let id = queries::create(
                conn,
                &NewVisit {
                    started_at: v.started_at,
                    ended_at: v.ended_at,
                    visitor_name: &v.visitor_name,
                    visitor_phone: &v.visitor_phone,
                    visitor_kind: v.visitor_kind,
                    room: &v.room,
                    matter: &v.matter,
                    answer: &v.answer,
                    status: if v.follow_up { "open" } else { "closed" },
                    received_by: me,
                    recorded_at: now,
                    late,
                    closed_at: (!v.follow_up).then_some(now),
                },
            )
            .await?;
            // A visit to follow up is reported to the supervisors as it is
            // registered, with what the receiver answered.
            let told = if v.follow_up {
                let visit = queries::get(conn, id).await?;
                let key = format!("visit_new:{id}");
                tell_supervisors(
                    conn,
                    &config,
                    &visit.visit,
                    &visit.receiver,
                    &v.answer,
                    true,
                    &key,
                )
                .await?
            } else {
                Vec::new()
            };
            nobody_told = v.follow_up && told.is_empty();
            audit::record(
                conn,
                &meta,
                "visit.recorded",
                Some(("visit", id.to_string())),
                json!({ "late": late, "follow_up": v.follow_up, "reported_to": told }),
            )
            .await?;
            Ok(token.filed(conn, format!("/visits/{id}")).await?)
        })
        .await?;
    // One line says what happened: registered, reported, and late if so (as a
    // warning, which it is).
    let done = match (v.follow_up, late, nobody_told) {
        (false, false, _) => "visits.recorded",
        (true, false, false) => "visits.recorded_reported",
        (true, false, true) => "visits.recorded_unreported",
        (false, true, _) => "visits.late_notice",
        (true, true, false) => "visits.late_notice_reported",
        (true, true, true) => "visits.late_notice_unreported",
    };
    if let (Some(path), true) = (&filed, late || nobody_told) {
        flash(&session, Tone::Warn, page.t(done));
        return Ok(crate::web::see_other(path));
    }
    once::answer(&mut conn, &session, &page, &token, filed, done).await
}

/// Mails each supervisor what the receiver reports of a visit (接待来访客户管理规定
/// 5: 及时将客户反映的情况反馈给客服主管), in the transaction that records it; the
/// supervisors told, for the audit. `key` keeps one mail per supervisor however
/// often the transaction is retried; `new_visit` says whether the report is the
/// registration itself (its answer) or a follow-up note.
async fn tell_supervisors(
    conn: &mut diesel_async::AsyncPgConnection,
    config: &Config,
    visit: &super::models::Visit,
    receiver: &str,
    note: &str,
    new_visit: bool,
    key: &str,
) -> Result<Vec<i64>, AppError> {
    let url = {
        let mut u = config.base_url.clone();
        u.set_path(&format!("/visits/{}", visit.id));
        u.to_string()
    };
    let mut told = Vec::new();
    for s in crate::users::queries::holders(conn, Role::CsSupervisor.code()).await? {
        let mail = Reported {
            loc: s.locale(),
            to_name: s.display_name.clone(),
            receiver: receiver.to_owned(),
            visitor: visit.visitor_name.clone(),
            reception: crate::i18n::minute(visit.started_at, config.tz),
            matter: visit.matter.clone(),
            note: note.to_owned(),
            new_visit,
            url: url.clone(),
        }
        .render()
        .map_err(AppError::Template)?;
        let key = format!("{key}:{}", s.id);
        crate::mail::enqueue(conn, &key, "visit_report", &s.recipient(), &mail).await?;
        told.push(s.id);
    }
    Ok(told)
}

/// The visit, if this reader may see it: their own, or anyone's for those who
/// see the whole register.
pub(super) async fn visible(
    conn: &mut DbConn,
    page: &UserPage,
    id: i64,
) -> Result<VisitLine, AppError> {
    require_any(page)?;
    let line = queries::get(conn, id).await?;
    if line.visit.received_by != page.user().id && !page.may(Right::ViewVisits) {
        return Err(AppError::Forbidden);
    }
    Ok(line)
}

/// POST /visits/{id}/reopen: a closed visit opened again by whoever may
/// follow it up (closed by mistake, or the visitor's matter not settled after
/// all), saying why: the reason is the first note of its renewed follow-up,
/// marked as the reopening, and it is listed among the open visits again.
pub async fn reopen(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(mut input): Form<ReopenInput>,
) -> Result<HttpResponse, AppError> {
    let line = visible(&mut conn, &page, path.into_inner()).await?;
    let id = line.visit.id;
    let here = format!("/visits/{id}");
    let mut errors = FieldErrors::new(page.locale);
    let token = once::check(
        &mut conn,
        &session,
        &page,
        &mut input.form_token,
        &mut errors,
    )
    .await?;
    if line.visit.status != "closed" {
        return reopened_meanwhile(&page, &session, &mut conn, id, &input).await;
    }
    let reason = input.validate(&mut errors);
    let (Some(reason), Some(token)) = (reason, token) else {
        let note = NoteInput::fresh();
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_show_with(
            &page,
            &mut conn,
            line,
            false,
            (&note, &input),
            &errors,
            status,
        )
        .await;
    };
    let me = page.user().id;
    let meta = page.meta();
    let filed = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me).await? {
                return Ok(None);
            }
            // One statement that reopens only a closed visit: a colleague's
            // reopening meanwhile is waited for, and then found.
            if !queries::reopen(conn, id).await? {
                // Opened again meanwhile by a colleague: their reason stands.
                return Err(AppError::Db(diesel::result::Error::RollbackTransaction));
            }
            let note = queries::add_note(
                conn,
                &NewNote {
                    visit_id: id,
                    author_id: me,
                    at: Utc::now(),
                    body: &reason,
                    reported: false,
                    reopened: true,
                },
            )
            .await?;
            audit::record(
                conn,
                &meta,
                "visit.reopened",
                Some(("visit", id.to_string())),
                json!({ "note": note }),
            )
            .await?;
            Ok(token.filed(conn, here.clone()).await?)
        })
        .await;
    let filed = match filed {
        Err(AppError::Db(diesel::result::Error::RollbackTransaction)) => {
            return reopened_meanwhile(&page, &session, &mut conn, id, &input).await;
        }
        other => other?,
    };
    once::answer(
        &mut conn,
        &session,
        &page,
        &token,
        filed,
        "visits.reopened_done",
    )
    .await
}

/// A reason sent to reopen visit `id` that is open already (a colleague
/// reopened it meanwhile; the same form sent twice is answered before): the
/// text comes back in the note form, or to copy, rather than lost under a
/// message that all went well. Without text, the page says it is open.
async fn reopened_meanwhile(
    page: &UserPage,
    session: &Session,
    conn: &mut DbConn,
    id: i64,
    input: &ReopenInput,
) -> Result<HttpResponse, AppError> {
    if input.reopen_reason.trim().is_empty() {
        flash(session, Tone::Ok, page.t("visits.reopened_already"));
        return Ok(see_other(&format!("/visits/{id}")));
    }
    let line = visible(conn, page, id).await?;
    let mut errors = FieldErrors::new(page.locale);
    errors.add("body", "visits.error.reopened_meanwhile");
    let note = NoteInput {
        body: input.reopen_reason.clone(),
        form_token: input.form_token.clone(),
        ..NoteInput::default()
    };
    let status = StatusCode::CONFLICT;
    render_show(page, conn, line, false, &note, &errors, status).await
}

/// Whether this reader may see the visitor's phone in full (audited): the one
/// who follows them up, and the posts that see personal data.
fn may_reveal(page: &UserPage, line: &VisitLine) -> bool {
    line.visit.received_by == page.user().id || page.may(Right::RevealPersonalData)
}

async fn render_show(
    page: &UserPage,
    conn: &mut DbConn,
    line: VisitLine,
    revealed: bool,
    input: &NoteInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let reopen = ReopenInput::fresh();
    render_show_with(page, conn, line, revealed, (input, &reopen), errors, status).await
}

/// The visit's page with the forms as sent (the note's, or the reopening's).
async fn render_show_with(
    page: &UserPage,
    conn: &mut DbConn,
    line: VisitLine,
    revealed: bool,
    (input, reopen): (&NoteInput, &ReopenInput),
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let notes = queries::notes(conn, line.visit.id).await?;
    let corrections = queries::corrections(conn, line.visit.id).await?;
    let may_correct = super::corrections::scope(page, &line.visit, Utc::now()).is_some();
    let phone = if revealed {
        line.visit.visitor_phone.clone()
    } else {
        line.visit.phone_masked()
    };
    let body = VisitShow {
        ctx: page.ctx(),
        may_reveal: !revealed && !line.visit.visitor_phone.is_empty() && may_reveal(page, &line),
        may_follow: line.visit.status == "open",
        may_correct,
        corrections,
        line,
        notes,
        phone,
        input,
        reopen,
        errors,
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /visits/{id}
pub async fn show(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let line = visible(&mut conn, &page, path.into_inner()).await?;
    let input = NoteInput::fresh();
    let errors = FieldErrors::new(page.locale);
    render_show(
        &page,
        &mut conn,
        line,
        false,
        &input,
        &errors,
        StatusCode::OK,
    )
    .await
}

/// POST /visits/{id}/reveal: the page with the phone in full; the view is
/// audited before it is shown.
pub async fn reveal(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let line = visible(&mut conn, &page, path.into_inner()).await?;
    if !may_reveal(&page, &line) {
        return Err(AppError::Forbidden);
    }
    audit::record(
        &mut conn,
        &page.meta(),
        "visit.phone_viewed",
        Some(("visit", line.visit.id.to_string())),
        json!({}),
    )
    .await?;
    let input = NoteInput::fresh();
    let errors = FieldErrors::new(page.locale);
    render_show(
        &page,
        &mut conn,
        line,
        true,
        &input,
        &errors,
        StatusCode::OK,
    )
    .await
}

/// A note for a visit closed since its page was opened (another tab, a
/// colleague): nothing is added, and the page comes back with the note's text
/// to copy and a message saying why.
async fn closed_meanwhile(
    page: &UserPage,
    conn: &mut DbConn,
    line: VisitLine,
    input: &NoteInput,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::new(page.locale);
    errors.add("body", "visits.error.closed_meanwhile");
    render_show(
        page,
        conn,
        line,
        false,
        input,
        &errors,
        StatusCode::CONFLICT,
    )
    .await
}

/// POST /visits/{id}/notes: a follow-up note on an open visit, reported to the
/// supervisors by mail when asked, closing the visit when the follow-up is done.
pub async fn add_note(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    path: web::Path<i64>,
    Form(mut input): Form<NoteInput>,
) -> Result<HttpResponse, AppError> {
    let line = visible(&mut conn, &page, path.into_inner()).await?;
    let id = line.visit.id;
    let mut errors = FieldErrors::new(page.locale);
    let token = once::check(
        &mut conn,
        &session,
        &page,
        &mut input.form_token,
        &mut errors,
    )
    .await?;
    if line.visit.status != "open" {
        return closed_meanwhile(&page, &mut conn, line, &input).await;
    }
    let body = input.validate(&mut errors);
    let (Some(body), Some(token)) = (body, token) else {
        return render_show(
            &page,
            &mut conn,
            line,
            false,
            &input,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let me = page.user();
    let meta = page.meta();
    let now = Utc::now();
    let report = input.report == "1";
    let close = input.close == "1";
    let mut nobody_told = false;
    let filed = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me.id).await? {
                return Ok(None);
            }
            let visit = queries::lock(conn, id).await?;
            if visit.status != "open" {
                // Closed meanwhile (another tab, a colleague): nothing is noted.
                return Err(AppError::Db(diesel::result::Error::RollbackTransaction));
            }
            let note = queries::add_note(
                conn,
                &NewNote {
                    visit_id: id,
                    author_id: me.id,
                    at: now,
                    body: &body,
                    reported: report,
                    reopened: false,
                },
            )
            .await?;
            let told = if report {
                let key = format!("visit_report:{note}");
                tell_supervisors(conn, &config, &visit, &line.receiver, &body, false, &key).await?
            } else {
                Vec::new()
            };
            nobody_told = report && told.is_empty();
            if close {
                queries::close(conn, id, now).await?;
            }
            audit::record(
                conn,
                &meta,
                "visit.followed_up",
                Some(("visit", id.to_string())),
                json!({ "note": note, "reported_to": told, "closed": close }),
            )
            .await?;
            Ok(token.filed(conn, format!("/visits/{id}")).await?)
        })
        .await;
    let filed = match filed {
        Err(AppError::Db(diesel::result::Error::RollbackTransaction)) => {
            let line = queries::get(&mut conn, id).await?;
            return closed_meanwhile(&page, &mut conn, line, &input).await;
        }
        other => other?,
    };
    let done = if nobody_told {
        "visits.reported_none"
    } else if close {
        "visits.closed_done"
    } else if report {
        "visits.reported_done"
    } else {
        "visits.note_added"
    };
    if let (Some(path), true) = (&filed, nobody_told) {
        flash(&session, Tone::Warn, page.t(done));
        return Ok(crate::web::see_other(path));
    }
    once::answer(&mut conn, &session, &page, &token, filed, done).await
}

/// The month's lines for print and export (at most a sheet's worth).
async fn sheet_rows(
    page: &UserPage,
    conn: &mut DbConn,
    q: &MonthQuery,
) -> Result<(Vec<VisitLine>, Option<NaiveDate>, bool), AppError> {
    require_any(page)?;
    let (filter, month) = filter(q, page);
    let mut rows = queries::page(conn, &filter, None, SHEET_MAX + 1).await?;
    let truncated = crate::web::trim_page(&mut rows, SHEET_MAX as usize).is_some();
    Ok((rows, month, truncated))
}

/// GET /visits/print?month=YYYY-MM: the month's register like the paper form.
pub async fn print(
    page: UserPage,
    mut conn: DbConn,
    q: Query<MonthQuery>,
) -> Result<HttpResponse, AppError> {
    let (rows, month, truncated) = sheet_rows(&page, &mut conn, &q).await?;
    let body = VisitPrint {
        ctx: page.ctx(),
        rows,
        month: month::label(month, page.locale),
        truncated,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

fn export_sheet(rows: &[VisitLine], ctx: &PageCtx, loc: Locale) -> Sheet {
    let headers = [
        "visits.number",
        "visits.reception",
        "visits.visitor",
        "visits.phone",
        "visits.kind_label",
        "visits.room",
        "visits.matter",
        "visits.answer",
        "visits.receiver",
        "visits.recorded_at",
        "visits.late",
        "visits.state",
    ];
    let rows = rows
        .iter()
        .map(|r| {
            let v = &r.visit;
            vec![
                Cell::from(format!("LF-{}", v.id)),
                reception(v, ctx).into(),
                v.visitor_name.clone().into(),
                v.phone_masked().into(),
                loc.t_in("visits.kind", &v.visitor_kind).into(),
                v.room.clone().into(),
                v.matter.clone().into(),
                v.answer.clone().into(),
                r.receiver.clone().into(),
                ctx.datetime(&v.recorded_at).into(),
                if v.late { loc.t("visits.late") } else { "" }.into(),
                loc.t_in("visits.status", &v.status).into(),
            ]
        })
        .collect();
    Sheet::new(loc, "visits.title", &headers, rows)
}

/// GET /visits.csv and .xlsx: the month's register with the page's filter
/// (phones masked, as on paper).
pub async fn export(
    page: UserPage,
    mut conn: DbConn,
    q: Query<MonthQuery>,
    format: ExportFormat,
) -> Result<HttpResponse, AppError> {
    let (rows, month, _) = sheet_rows(&page, &mut conn, &q).await?;
    let sheet = export_sheet(&rows, page.ctx(), page.locale);
    export::respond_month(sheet, format, "visits", month)
}
