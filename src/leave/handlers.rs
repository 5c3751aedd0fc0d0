use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Datelike, Duration, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde::Deserialize;
use serde_json::json;

use super::forms::{EndInput, Filing, LeaveInput, ValidLeave, WithdrawInput};
use super::models::{LeaveChanges, LeaveWithName, NewLeave};
use super::queries;
use super::views::{
    self, Approved, ApprovedPrint, Calendar, Day, LeaveForm, LeaveShow, LeaveSlip, MyLeave,
};
use crate::approvals::{self, engine};
use crate::audit;
use crate::auth::{Right, Role};
use crate::config::Config;
use crate::db::DbConn;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::schema::{user_roles, users};
use crate::web::context::{flash, Tone};
use crate::web::export::{self, Cell, ExportFormat, Sheet};
use crate::web::month::MonthQuery;
use crate::web::once;
use crate::web::{html, see_other, FieldErrors, Form, Query, UserPage};

/// The approval request's subject: who, what, when (the kind of leave in the
/// reader's language).
fn subject(name: &str, v: &ValidLeave) -> String {
    format!(
        "{} · {} {}–{}",
        approvals::typed(name),
        approvals::term(&super::type_key(v.leave_type)),
        v.start_date,
        v.end_date
    )
}

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default, deserialize_with = "crate::web::form::number_or_none")]
    before: Option<i64>,
}

/// GET /leave: my leave requests and their status.
pub async fn mine(
    page: UserPage,
    mut conn: DbConn,
    q: Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::FileLeave)?;
    const PAGE: i64 = 50;
    let mut rows = queries::of_user(&mut conn, page.user().id, q.before, PAGE + 1).await?;
    let next = crate::web::trim_page(&mut rows, PAGE as usize).map(|r| r.id);
    let body = MyLeave {
        ctx: page.ctx(),
        rows,
        next,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

fn form(
    page: &UserPage,
    input: &LeaveInput,
    errors: &FieldErrors,
    mode: &'static str,
    action: String,
    employees: Vec<(String, String)>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let body = LeaveForm {
        ctx: page.ctx(),
        input,
        errors,
        mode,
        action,
        employees,
        cites: super::CITES,
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /leave/new
pub async fn new_form(page: UserPage) -> Result<HttpResponse, AppError> {
    page.require(Right::FileLeave)?;
    let input = LeaveInput {
        leave_type: "personal".into(),
        form_token: once::new_token(),
        ..Default::default()
    };
    new_form_page(
        &page,
        &input,
        &FieldErrors::new(page.locale),
        StatusCode::OK,
    )
}

/// The form for a new request, as first shown or sent back with its errors.
fn new_form_page(
    page: &UserPage,
    input: &LeaveInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    form(
        page,
        input,
        errors,
        "new",
        "/leave/new".into(),
        vec![],
        status,
    )
}

/// POST /leave/new: files the request and asks the supervisor, in one transaction.
pub async fn create(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    Form(mut input): Form<LeaveInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::FileLeave)?;
    let mut errors = FieldErrors::new(page.locale);
    let valid = input.validate(
        &mut errors,
        Filing::Ahead {
            today: config.today(),
        },
    );
    let form_token = &mut input.form_token;
    let ok = valid.is_some();
    let token = once::check_valid(&mut conn, &session, &page, form_token, &mut errors, ok).await?;
    if let (Some(v), Some(token)) = (valid, token) {
        match file(&mut conn, &page, &config, &token, &v).await? {
            Filed::Path(path, asked) => {
                let ok = page.tf("leave.filed", &[("approver", &asked)]);
                return once::answer_saying(&mut conn, &session, &page, &token, Some(path), ok)
                    .await;
            }
            Filed::Overlap => {
                // The request in the way may be this very form's, sent twice.
                once::sent_before(&mut conn, &session, &page, &input.form_token).await?;
                let new = v.row(page.user().id, "pending", None);
                say_overlap(&mut conn, &mut errors, &new, None, OVERLAP, page.today()).await?;
            }
            Filed::TokenUsed => {
                let form_token = &mut input.form_token;
                once::taken(&mut conn, &session, &page, form_token, &mut errors).await?;
            }
        }
    }
    new_form_page(&page, &input, &errors, StatusCode::UNPROCESSABLE_ENTITY)
}

#[derive(QueryableByName)]
struct FiledRow {
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
    result_path: Option<String>,
    #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::BigInt>)]
    clash: Option<i64>,
}

/// How a filing ended.
enum Filed {
    /// Filed: the new request's page, and who was asked to decide it.
    Path(String, String),
    /// Nothing filed: the form token was already used.
    TokenUsed,
    /// Nothing filed: the requester has pending or approved leave at the same time.
    Overlap,
}

/// Files the leave request, its approval request and everything they bring (the
/// trail, the approver's link and mail, the audit line, the form token) in one
/// statement, unless the requester is already away then.
async fn file(
    conn: &mut DbConn,
    page: &UserPage,
    config: &Config,
    token: &once::Token,
    v: &ValidLeave,
) -> Result<Filed, AppError> {
    let me = page.user();
    let now = Utc::now();
    let plan = engine::plan(
        &mut **conn,
        &approvals::LEAVE,
        None,
        (me.id, None),
        engine::About::Requester,
        config,
        now,
    )
    .await?;
    let new = v.row(me.id, "pending", None);
    let mut w = crate::db::With::new();
    queries::lock_person_in(&mut w, me.id);
    w.next_id("leave_requests", Some("person"));
    queries::clash_in(&mut w, &new);
    let unless_clash = "ids WHERE NOT EXISTS (SELECT 1 FROM clash)";
    token.claim_in(&mut w, me.id, "'/leave/' || ids.id", unless_clash);
    queries::create_in(&mut w, &new, "ids, claim");
    let details = views::detail_lines(&in_memory(&new), plan.mail_locale());
    plan.file_in(
        &mut w,
        "subject",
        &subject(&me.display_name, v),
        details,
        config,
    )?;
    audit::record_in(
        &mut w,
        &page.meta(),
        "leave.filed",
        ("leave", "subject.id::text"),
        json!({ "type": v.leave_type, "start": v.start_date, "end": v.end_date,
                "half_days": v.half_days }),
        (
            "jsonb_build_object('approval_request', request.id)",
            "subject, request",
        ),
    );
    let row = w
        .select("SELECT (SELECT result_path FROM claim) AS result_path, (SELECT id FROM clash) AS clash")
        .get_result::<FiledRow>(&mut **conn)
        .await;
    Ok(match row {
        Ok(FiledRow {
            result_path: Some(path),
            ..
        }) => Filed::Path(path, plan.mail_to().display_name.clone()),
        Ok(FiledRow { clash: Some(_), .. }) => Filed::Overlap,
        Ok(_) => Filed::TokenUsed,
        // Another filing of the same person's, at the same time, got there first.
        Err(e) if crate::db::violates(&e, queries::NO_OVERLAP) => Filed::Overlap,
        Err(e) => return Err(e.into()),
    })
}

/// The overlap messages of the requester's own form: (a pending request in the
/// way, which they may change or withdraw; approved leave not begun, which they
/// may cancel; approved leave begun or recorded by their supervisor, which
/// only the supervisor may withdraw).
const OVERLAP: (&str, &str, &str) = (
    "leave.error.overlap",
    "leave.error.overlap_approved",
    "leave.error.overlap_approved_fixed",
);
/// The same for the supervisor recording someone's leave afterwards: approved
/// leave is on record either way.
const OVERLAP_RECORD: (&str, &str, &str) = (
    "leave.error.overlap_record",
    "leave.error.overlap_record_approved",
    "leave.error.overlap_record_approved",
);

/// Says on the form which request of the same person's is in the way of `new`,
/// by its slip number (QJ-n) and days, with the advice `keys` gives for it
/// (see [`OVERLAP`]) as it stands on `today`.
async fn say_overlap(
    conn: &mut AsyncPgConnection,
    errors: &mut FieldErrors,
    new: &NewLeave<'_>,
    except: Option<i64>,
    keys: (&str, &str, &str),
    today: NaiveDate,
) -> Result<(), AppError> {
    let loc = errors.locale();
    let text = match queries::clash(conn, new, except).await? {
        Some(l) => loc.tf(
            if l.status != "approved" {
                keys.0
            } else if may_cancel(&l, today) {
                keys.1
            } else {
                keys.2
            },
            &[
                ("id", &l.id),
                ("from", &views::start_text(&l, loc)),
                ("until", &views::end_text(&l, loc)),
            ],
        ),
        // Withdrawn or refused in the meantime: nothing is in the way now.
        None => loc.t("leave.error.overlap_gone").to_owned(),
    };
    errors.add_text("start_date", text);
    Ok(())
}

/// The request as it will read once filed, for the approver's mail.
fn in_memory(new: &NewLeave<'_>) -> super::models::Leave {
    let now = Utc::now();
    super::models::Leave {
        id: 0,
        user_id: new.user_id,
        leave_type: new.leave_type.to_owned(),
        start_date: new.start_date,
        start_pm: new.start_pm,
        end_date: new.end_date,
        end_am: new.end_am,
        half_days: new.half_days,
        reason: new.reason.to_owned(),
        status: new.status.to_owned(),
        after_the_fact: new.after_the_fact,
        recorded_by: new.recorded_by,
        created_at: now,
        updated_at: now,
        withdrawn_by: None,
        withdrawn_at: None,
        withdrawn_note: String::new(),
        planned_end_date: None,
        planned_end_am: None,
        ended_by: None,
        ended_at: None,
        ended_note: String::new(),
    }
}

/// The leave, if this user may see it: their own, or anyone's for those who keep
/// the leave register or decided it.
async fn visible(
    conn: &mut AsyncPgConnection,
    page: &UserPage,
    id: i64,
) -> Result<
    (
        super::models::LeaveWithName,
        Option<crate::approvals::models::Request>,
    ),
    AppError,
> {
    let leave = queries::get_with_name(conn, id).await?;
    let req = approvals::queries::request_for(conn, "leave", id).await?;
    let me = page.user().id;
    let allowed = leave.leave.user_id == me
        || page.may(Right::ViewLeaveRegister)
        || match &req {
            Some(r) => {
                approvals::queries::was_approver(conn, r.id, me, (page.today(), page.tz)).await?
            }
            None => false,
        };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    Ok((leave, req))
}

/// GET /leave/{id}
pub async fn show(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let input = WithdrawInput::default();
    let errors = FieldErrors::new(page.locale);
    render_show(
        &page,
        &mut conn,
        id,
        (&input, None),
        &errors,
        StatusCode::OK,
    )
    .await
}

/// The leave's page, with its forms as sent (the withdrawal or cancellation,
/// the early end: fresh when not given) and their messages.
async fn render_show(
    page: &UserPage,
    conn: &mut AsyncPgConnection,
    id: i64,
    (input, end): (&WithdrawInput, Option<&EndInput>),
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (leave, req) = visible(conn, page, id).await?;
    let mut lines = views::detail_lines(&leave.leave, page.locale);
    let l = &leave.leave;
    if let (Some(by), Some(at), Some(planned)) = (l.ended_by, l.ended_at, l.planned_end_date) {
        let who = approvals::queries::person(conn, by).await?.display_name;
        let planned = views::day_half_text(planned, l.planned_end_am == Some(true), page.locale);
        lines.push((
            page.t("leave.ended_early_by").to_owned(),
            page.tf(
                "leave.ended_early_line",
                &[
                    ("planned", &planned),
                    ("who", &who),
                    ("at", &page.ctx().datetime(&at)),
                    ("note", &l.ended_note),
                ],
            ),
        ));
    }
    if let (Some(by), Some(at)) = (leave.leave.withdrawn_by, leave.leave.withdrawn_at) {
        let who = approvals::queries::person(conn, by).await?.display_name;
        let when = page.ctx().datetime(&at);
        let label = if leave.leave.after_the_fact {
            "leave.record_withdrawn_by"
        } else {
            "leave.cancelled_by"
        };
        lines.push((
            page.t(label).to_owned(),
            page.tf(
                "leave.record_withdrawn_line",
                &[
                    ("who", &who),
                    ("at", &when),
                    ("note", &leave.leave.withdrawn_note),
                ],
            ),
        ));
    }
    let own = leave.leave.user_id == page.user().id;
    let may_edit = own && may_edit(&leave.leave, page.today());
    let may_withdraw = may_withdraw_record(page, &leave.leave);
    let may_cancel = own && may_cancel(&leave.leave, page.today());
    let may_end = may_end(page, &leave.leave);
    let end = end
        .cloned()
        .unwrap_or_else(|| EndInput::fresh(page.today()));
    let approval_id = approvals::link_for(conn, req, page.user(), (page.today(), page.tz)).await?;
    let body = LeaveShow {
        ctx: page.ctx(),
        lines,
        approval_id,
        may_edit,
        may_withdraw,
        may_cancel,
        may_end,
        end,
        input,
        errors,
        own,
        leave,
    }
    .render()?;
    Ok(html(status, body))
}

/// Whether this user may withdraw this leave: someone else's, still standing,
/// by one who records leave; either recorded after the fact (by mistake) or
/// beginning today (called off: the employee came to work after all, and took
/// none of it; leave partly taken is ended early instead).
fn may_withdraw_record(page: &UserPage, l: &super::models::Leave) -> bool {
    page.may(Right::RecordLeave)
        && l.status == "approved"
        && l.user_id != page.user().id
        && (l.after_the_fact || l.start_date == page.today())
}

/// Whether this user may end this leave early: someone else's approved leave,
/// begun by today, longer than half a day, by one who records leave (the
/// supervisor the employee reports back to).
fn may_end(page: &UserPage, l: &super::models::Leave) -> bool {
    page.may(Right::RecordLeave)
        && l.status == "approved"
        && l.user_id != page.user().id
        && l.start_date <= page.today()
        && l.half_days > 1
}

/// Whether the requester may still change this request: pending, its first
/// day still ahead (a change is asked one day ahead, as a filing is).
fn may_edit(l: &super::models::Leave, today: chrono::NaiveDate) -> bool {
    l.status == "pending" && l.start_date > today
}

/// Whether the requester may still cancel this leave: approved on request
/// (not recorded after the fact), not begun by `today`.
fn may_cancel(l: &super::models::Leave, today: chrono::NaiveDate) -> bool {
    !l.after_the_fact && l.status == "approved" && l.start_date > today
}

/// The answer to a cancellation or withdrawal the leave no longer allows: its
/// page, saying so (`message`). A reason typed for it comes back on the page,
/// to copy, unless this person's own first click already filed it.
async fn ended_already(
    page: &UserPage,
    session: &Session,
    conn: &mut AsyncPgConnection,
    leave: &super::models::Leave,
    input: &WithdrawInput,
    message: &str,
) -> Result<HttpResponse, AppError> {
    let filed_by_me = leave.withdrawn_by == Some(page.user().id);
    if !filed_by_me && !input.note.trim().is_empty() {
        let mut errors = FieldErrors::new(page.locale);
        errors.add("body", message);
        return render_show(
            page,
            conn,
            leave.id,
            (input, None),
            &errors,
            StatusCode::CONFLICT,
        )
        .await;
    }
    flash(session, Tone::Error, page.t(message));
    Ok(see_other(&format!("/leave/{}", leave.id)))
}

/// POST /leave/{id}/cancel: the requester cancels approved leave before it
/// begins, saying why. It stands no more: the register and the calendar drop
/// it, and the time may be asked for again.
pub async fn cancel(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    path: web::Path<i64>,
    Form(input): Form<WithdrawInput>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (leave, req) = visible(&mut conn, &page, id).await?;
    let me = page.user().id;
    if leave.leave.user_id != me {
        return Err(AppError::Forbidden);
    }
    let here = format!("/leave/{id}");
    let today = page.today();
    if !may_cancel(&leave.leave, today) {
        // Its page no longer offers the form: say so there.
        return ended_already(
            &page,
            &session,
            &mut conn,
            &leave.leave,
            &input,
            "leave.error.not_cancellable",
        )
        .await;
    }
    let mut errors = FieldErrors::new(page.locale);
    if input.note.trim().is_empty() {
        // Its own message: the record's withdrawal names the field alike.
        errors.add("note", "leave.error.cancel_note");
    }
    let note = errors.text("leave", "note", &input.note, 500, true);
    if !errors.is_empty() {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_show(&page, &mut conn, id, (&input, None), &errors, status).await;
    }
    let meta = page.meta();
    let now = Utc::now();
    let cancelled = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !queries::cancel_own(conn, id, me, (now, today), &note).await? {
                // Cancelled already (the form sent twice), or begun meanwhile.
                return Ok(false);
            }
            // The approval stays approved; its trail says what became of it.
            if let Some(r) = &req {
                let event = approvals::queries::NewEvent {
                    request_id: r.id,
                    at: now,
                    step: None,
                    action: "cancelled",
                    actor_id: Some(me),
                    via: Some("web"),
                    on_behalf_of: None,
                    comment: &note,
                };
                approvals::queries::add_event(conn, event).await?;
            }
            // Whoever approved it planned for the absence: they are told, and
            // so is the supervisor a deputy approved it for (while their
            // accounts are active: someone who has left is not mailed).
            let tasks = match &req {
                Some(r) => approvals::queries::tasks_of(conn, r.id).await?,
                None => vec![],
            };
            let decided = tasks.iter().rev().find(|t| t.decided_by.is_some());
            let told = decided.map_or(vec![], |t| {
                let mut ids: Vec<i64> = t.decided_by.into_iter().collect();
                ids.extend(t.on_behalf_of.filter(|p| Some(*p) != t.decided_by));
                ids
            });
            let mut people = approvals::queries::active_persons(conn, &told).await?;
            for (n, who) in told.iter().enumerate() {
                let Some(approver) = people.remove(who) else {
                    continue;
                };
                let mut url = config.base_url.clone();
                url.set_path(&format!("/leave/{id}"));
                let loc = approver.locale();
                let mail = super::mail::Cancelled {
                    loc,
                    to_name: approver.display_name.clone(),
                    employee: leave.name.clone(),
                    lines: views::detail_lines(&leave.leave, loc),
                    note: note.clone(),
                    url: url.to_string(),
                }
                .render()
                .map_err(AppError::Template)?;
                // The decider's key as it always was; the principal's names them.
                let key = match n {
                    0 => format!("leave_cancelled:{id}"),
                    _ => format!("leave_cancelled:{id}:{who}"),
                };
                crate::mail::enqueue(conn, &key, "leave_cancelled", &approver.recipient(), &mail)
                    .await?;
            }
            audit::record(
                conn,
                &meta,
                "leave.cancelled",
                Some(("leave", id.to_string())),
                json!({ "note": note }),
            )
            .await?;
            Ok(true)
        })
        .await?;
    if !cancelled {
        // Ended meanwhile (a second click, or begun): as if sent after.
        let (leave, _) = visible(&mut conn, &page, id).await?;
        let message = "leave.error.not_cancellable";
        return ended_already(&page, &session, &mut conn, &leave.leave, &input, message).await;
    }
    flash(&session, Tone::Ok, page.t("leave.cancelled"));
    Ok(see_other(&here))
}

/// What withdrawing a record did to the breach kefu proposed from it.
struct Withdrawn {
    /// Proposals dismissed with the record (none, or the one).
    dismissed: usize,
    /// The breach confirmed already: its fine stands.
    confirmed: Option<i64>,
}

/// POST /leave/{id}/withdraw: leave recorded by mistake (the wrong person
/// or wrong dates) is withdrawn, with the reason. It no longer stands in the
/// way of the employee's own leave, and its breach proposal, if still waiting,
/// is dismissed with the same reason. The right record is made anew.
/// Approved leave is called off the same way on its first day, when the
/// employee came to work after all (ending it early cannot leave nothing of
/// it); its approval's trail says so.
pub async fn withdraw_record(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(input): Form<WithdrawInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RecordLeave)?;
    let id = path.into_inner();
    let (leave, req) = visible(&mut conn, &page, id).await?;
    if leave.leave.user_id == page.user().id {
        return Err(AppError::Forbidden);
    }
    let record = leave.leave.after_the_fact;
    let here = format!("/leave/{id}");
    let today = page.today();
    if leave.leave.status != "approved" || !(record || leave.leave.start_date == today) {
        // Its page no longer offers the form: say so there.
        return ended_already(
            &page,
            &session,
            &mut conn,
            &leave.leave,
            &input,
            "leave.error.not_withdrawable",
        )
        .await;
    }
    let mut errors = FieldErrors::new(page.locale);
    let note = errors.text("leave", "note", &input.note, 500, true);
    let note = note.as_str();
    if !errors.is_empty() {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_show(&page, &mut conn, id, (&input, None), &errors, status).await;
    }
    let me = page.user().id;
    let meta = page.meta();
    let now = Utc::now();
    let withdrawn = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !queries::withdraw_record(conn, id, me, (now, today), note).await? {
                // Withdrawn already (the form sent twice, or a colleague), or over.
                return Ok(None);
            }
            if let (false, Some(r)) = (record, &req) {
                let event = approvals::queries::NewEvent {
                    request_id: r.id,
                    at: now,
                    step: None,
                    action: "called_off",
                    actor_id: Some(me),
                    via: Some("web"),
                    on_behalf_of: None,
                    comment: note,
                };
                approvals::queries::add_event(conn, event).await?;
            }
            let dismissed =
                crate::violations::queries::dismiss_from(conn, "leave", id, me, note).await?;
            let confirmed = crate::violations::queries::confirmed_from(conn, "leave", id).await?;
            audit::record(
                conn,
                &meta,
                if record {
                    "leave.record_withdrawn"
                } else {
                    "leave.called_off"
                },
                Some(("leave", id.to_string())),
                json!({ "note": note, "proposals_dismissed": dismissed, "confirmed_breach": confirmed }),
            )
            .await?;
            Ok(Some(Withdrawn { dismissed, confirmed }))
        })
        .await?;
    match withdrawn {
        Some(Withdrawn {
            confirmed: Some(breach),
            ..
        }) => {
            let number = format!("WG-{breach}");
            let text = page.tf("leave.record_withdrawn_fined", &[("number", &number)]);
            flash(&session, Tone::Warn, text);
        }
        Some(Withdrawn { dismissed, .. }) => {
            let key = if !record {
                "leave.called_off"
            } else if dismissed > 0 {
                "leave.record_withdrawn_dismissed"
            } else {
                "leave.record_withdrawn"
            };
            flash(&session, Tone::Ok, page.t(key));
        }
        None => {
            // Withdrawn meanwhile (a second click, or a colleague): as if sent after.
            let (leave, _) = visible(&mut conn, &page, id).await?;
            let message = "leave.error.not_withdrawable";
            return ended_already(&page, &session, &mut conn, &leave.leave, &input, message).await;
        }
    }
    Ok(see_other(&here))
}

/// POST /leave/{id}/end: approved leave that has begun ends before its planned
/// last day (the employee came back early, or the dates approved were wrong),
/// recorded by the supervisor with the reason. The register, the calendar and
/// the days counted follow the new end; the leave's page keeps the planned one.
pub async fn end_early(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(input): Form<EndInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RecordLeave)?;
    let id = path.into_inner();
    let (leave, _) = visible(&mut conn, &page, id).await?;
    let me = page.user().id;
    if leave.leave.user_id == me {
        return Err(AppError::Forbidden);
    }
    let here = format!("/leave/{id}");
    // Sent twice (a double click, the back button): the first ended it so.
    let l = &leave.leave;
    let done_so = l.ended_by == Some(me)
        && crate::web::form::date(&input.end_date) == Some(l.end_date)
        && (input.end_half == "am") == l.end_am
        && input.end_note.trim() == l.ended_note;
    if done_so {
        flash(&session, Tone::Ok, page.t("leave.ended_early_done"));
        return Ok(see_other(&here));
    }
    let mut errors = FieldErrors::new(page.locale);
    // The page no longer offers the form (withdrawn, cancelled, or ended by a
    // colleague meanwhile): it says so, the reason typed kept to copy.
    let refused = async |conn: &mut DbConn, mut errors: FieldErrors| {
        errors.add("body", "leave.error.not_endable");
        let typed = WithdrawInput {
            note: input.end_note.clone(),
        };
        let status = StatusCode::CONFLICT;
        render_show(&page, conn, id, (&typed, Some(&input)), &errors, status).await
    };
    if !may_end(&page, &leave.leave) {
        return refused(&mut conn, errors).await;
    }
    let Some(v) = input.validate(&mut errors, &leave.leave) else {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        let sent = (&WithdrawInput::default(), Some(&input));
        return render_show(&page, &mut conn, id, sent, &errors, status).await;
    };
    let meta = page.meta();
    let now = Utc::now();
    let old = &leave.leave;
    let ended = conn
        .transaction::<_, AppError, _>(async |conn| {
            let shape = (v.end_date, v.end_am, v.half_days);
            if !queries::end_early(conn, id, shape, (me, now, &v.note)).await? {
                // Ended or withdrawn meanwhile by a colleague.
                return Ok(false);
            }
            audit::record(
                conn,
                &meta,
                "leave.ended_early",
                Some(("leave", id.to_string())),
                json!({
                    "from": { "end": old.end_date, "until_noon": old.end_am, "half_days": old.half_days },
                    "to": { "end": v.end_date, "until_noon": v.end_am, "half_days": v.half_days },
                    "note": v.note,
                }),
            )
            .await?;
            Ok(true)
        })
        .await?;
    if !ended {
        return refused(&mut conn, FieldErrors::new(page.locale)).await;
    }
    flash(&session, Tone::Ok, page.t("leave.ended_early_done"));
    Ok(see_other(&here))
}

/// GET /leave/{id}/print: the paper 请假条 with signature lines.
pub async fn print(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (leave, req) = visible(&mut conn, &page, path.into_inner()).await?;
    let lines = views::detail_lines(&leave.leave, page.locale);
    let mut approver = String::new();
    if req.as_ref().is_some_and(|r| r.status == "approved") {
        // As every paper form names them: a deputy "李强（代 张伟）".
        let decided =
            approvals::queries::approvals_of(&mut conn, "leave", &[leave.leave.id], page.locale)
                .await?;
        if let Some((_, _, name, _)) = decided.into_iter().last() {
            approver = name;
        }
    }
    let body = LeaveSlip {
        ctx: page.ctx(),
        leave,
        lines,
        approver,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /leave/{id}/edit: the requester changes a pending request.
pub async fn edit_form(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let l = queries::get(&mut conn, id).await?;
    if l.user_id != page.user().id {
        return Err(AppError::Forbidden);
    }
    // Decided or withdrawn: nothing to change, so no form to fill in vain.
    let Some(req) = approvals::queries::request_for(&mut conn, "leave", id)
        .await?
        .filter(|r| r.status == "pending")
    else {
        flash(&session, Tone::Error, page.t("approvals.already_decided"));
        return Ok(see_other(&format!("/leave/{id}")));
    };
    if !may_edit(&l, page.today()) {
        flash(&session, Tone::Error, page.t("leave.error.begun"));
        return Ok(see_other(&format!("/leave/{id}")));
    }
    let input = LeaveInput {
        leave_type: l.leave_type.clone(),
        start_date: l.start_date.to_string(),
        start_half: if l.start_pm { "pm" } else { "am" }.into(),
        end_date: l.end_date.to_string(),
        end_half: if l.end_am { "am" } else { "pm" }.into(),
        reason: l.reason.clone(),
        employee: String::new(),
        form_token: String::new(),
        version: req.version.to_string(),
    };
    let errors = FieldErrors::new(page.locale);
    form(
        &page,
        &input,
        &errors,
        "edit",
        format!("/leave/{id}/edit"),
        vec![],
        StatusCode::OK,
    )
}

/// POST /leave/{id}/edit: saves the change; links already mailed stop working and
/// the approver is mailed the new version.
pub async fn update(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    path: web::Path<i64>,
    Form(input): Form<LeaveInput>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let l = queries::get(&mut conn, id).await?;
    if l.user_id != page.user().id {
        return Err(AppError::Forbidden);
    }
    let mut errors = FieldErrors::new(page.locale);
    // Its first day has come (a form left open in a tab): the days already
    // away stay as filed, and the form says why rather than judging its dates.
    if l.status == "pending" && !may_edit(&l, config.today()) {
        errors.add("state", "leave.error.begun");
        let action = format!("/leave/{id}/edit");
        return form(
            &page,
            &input,
            &errors,
            "edit",
            action,
            vec![],
            StatusCode::CONFLICT,
        );
    }
    let Some(v) = input.validate(
        &mut errors,
        Filing::Ahead {
            today: config.today(),
        },
    ) else {
        return form(
            &page,
            &input,
            &errors,
            "edit",
            format!("/leave/{id}/edit"),
            vec![],
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let me = page.user().clone();
    let me_id = me.id;
    let meta = page.meta();
    let now = Utc::now();
    let done = conn
        .transaction::<_, AppError, _>(async |conn| {
            let Some(req) = approvals::queries::request_for(conn, "leave", id).await? else {
                return Ok(Edit::Closed);
            };
            // Lock first: a decision racing this edit either sees the new version
            // or makes the edit be refused; another change of the person's leave
            // waits.
            let req = approvals::queries::lock_request(conn, req.id).await?;
            queries::lock_person(conn, me.id).await?;
            if req.status != "pending" {
                return Ok(Edit::Closed);
            }
            // A second click, or the form sent as it is: nothing to change, and
            // no second mail to the approver.
            let now_reads = queries::get(conn, id).await?;
            if !may_edit(&now_reads, config.today()) {
                return Ok(Edit::Begun);
            }
            if same_leave(&now_reads, &v) {
                return Ok(Edit::Unchanged);
            }
            // Changed since the form was read (another tab): that change stays.
            if !input.version.is_empty() && input.version != req.version.to_string() {
                return Ok(Edit::Changed(req.version));
            }
            // New days must be clear of the requester's other leave; a change of
            // kind or reason alone leaves the days, and their standing, as they are.
            let l = &now_reads;
            let moved = (l.start_date, l.start_pm, l.end_date, l.end_am)
                != (v.start_date, v.start_pm, v.end_date, v.end_am);
            if moved
                && queries::clash(conn, &v.row(me.id, "pending", None), Some(id))
                    .await?
                    .is_some()
            {
                return Ok(Edit::Overlap);
            }
            queries::update(
                conn,
                id,
                &LeaveChanges {
                    leave_type: v.leave_type,
                    start_date: v.start_date,
                    start_pm: v.start_pm,
                    end_date: v.end_date,
                    end_am: v.end_am,
                    half_days: v.half_days,
                    reason: &v.reason,
                    updated_at: now,
                    overlap_allowed: moved.then_some(false),
                },
            )
            .await?;
            // The approver's new mail is rendered from the updated leave.
            let was = views::was_record(&now_reads);
            let r = engine::edited(
                conn,
                req.id,
                &subject(&me.display_name, &v),
                &was,
                me.id,
                &config,
                now,
            )
            .await?;
            if r.is_err() {
                return Err(AppError::other("request closed while locked"));
            }
            audit::record(
                conn,
                &meta,
                "leave.edited",
                Some(("leave", id.to_string())),
                json!({ "type": v.leave_type, "start": v.start_date, "end": v.end_date,
                        "half_days": v.half_days }),
            )
            .await?;
            Ok(Edit::Saved)
        })
        .await;
    let done = match done {
        Err(AppError::Db(e)) if crate::db::violates(&e, queries::NO_OVERLAP) => Edit::Overlap,
        done => done?,
    };
    let mut input = input;
    match done {
        Edit::Saved | Edit::Unchanged => {}
        Edit::Overlap => {
            let new = v.row(me_id, "pending", None);
            say_overlap(
                &mut conn,
                &mut errors,
                &new,
                Some(id),
                OVERLAP,
                page.today(),
            )
            .await?;
        }
        // Decided or withdrawn while the form was open: what was typed stays
        // on screen, to copy into a new request if still needed.
        Edit::Closed => errors.add("state", "leave.error.decided_since"),
        Edit::Begun => errors.add("state", "leave.error.begun"),
        // Saving this form again replaces that change, knowingly.
        Edit::Changed(version) => {
            input.version = version.to_string();
            errors.add("state", "leave.error.changed_since");
        }
    }
    if !errors.is_empty() {
        let action = format!("/leave/{id}/edit");
        let status = match errors.has("start_date") {
            true => StatusCode::UNPROCESSABLE_ENTITY,
            false => StatusCode::CONFLICT,
        };
        return form(&page, &input, &errors, "edit", action, vec![], status);
    }
    flash(&session, Tone::Ok, page.t("leave.saved"));
    Ok(see_other(&format!("/leave/{id}")))
}

/// How a change to a leave request ended.
enum Edit {
    Saved,
    /// Its first day came while the form was open.
    Begun,
    /// It already reads as sent.
    Unchanged,
    /// Decided or withdrawn meanwhile.
    Closed,
    /// Changed since the form was read; the request's version now.
    Changed(i32),
    /// The new dates overlap another pending or approved request of the requester's.
    Overlap,
}

/// Whether the request already says what the form says.
fn same_leave(l: &super::models::Leave, v: &super::forms::ValidLeave) -> bool {
    (
        l.leave_type.as_str(),
        l.start_date,
        l.start_pm,
        l.end_date,
        l.end_am,
        l.reason.as_str(),
    ) == (
        v.leave_type,
        v.start_date,
        v.start_pm,
        v.end_date,
        v.end_am,
        v.reason.as_str(),
    )
}

/// Whom `me` may record leave for: every active employee but themselves (their
/// own leave is recorded by someone else, as it is approved by someone else).
async fn employees(
    conn: &mut AsyncPgConnection,
    me: i64,
) -> Result<Vec<(String, String)>, AppError> {
    Ok(users::table
        .inner_join(user_roles::table)
        .filter(user_roles::role_code.eq(Role::Employee.code()))
        .filter(users::active.eq(true))
        .filter(users::id.ne(me))
        .order(users::username)
        .limit(1000)
        .select((users::username, users::display_name))
        .load(conn)
        .await?)
}

/// GET /leave/record: a supervisor records leave after the fact (sick leave
/// unless another kind is chosen).
pub async fn record_form(page: UserPage, mut conn: DbConn) -> Result<HttpResponse, AppError> {
    page.require(Right::RecordLeave)?;
    let input = LeaveInput {
        leave_type: "sick".into(),
        form_token: once::new_token(),
        ..Default::default()
    };
    let errors = FieldErrors::new(page.locale);
    let list = employees(&mut conn, page.user().id).await?;
    form(
        &page,
        &input,
        &errors,
        "record",
        "/leave/record".into(),
        list,
        StatusCode::OK,
    )
}

/// POST /leave/record: stored as approved leave, marked as recorded after the fact.
pub async fn record(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    Form(mut input): Form<LeaveInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RecordLeave)?;
    let mut errors = FieldErrors::new(page.locale);
    let form_token = &mut input.form_token;
    let token = once::check(&mut conn, &session, &page, form_token, &mut errors).await?;
    // One of those the form lists: an active holder of the employee post.
    let employee: Option<i64> = users::table
        .inner_join(user_roles::table)
        .filter(user_roles::role_code.eq(Role::Employee.code()))
        .filter(users::username.eq(input.employee.trim()))
        .filter(users::active.eq(true))
        .select(users::id)
        .first(&mut conn)
        .await
        .optional()?;
    match employee {
        None => errors.add("employee", "leave.error.employee"),
        Some(e) if e == page.user().id => errors.add("employee", "leave.error.record_self"),
        Some(_) => {}
    }
    let valid = input.validate(
        &mut errors,
        Filing::AfterTheFact {
            today: config.today(),
        },
    );
    let (Some(employee), Some(v), Some(token), true) = (employee, valid, token, errors.is_empty())
    else {
        let list = employees(&mut conn, page.user().id).await?;
        return form(
            &page,
            &input,
            &errors,
            "record",
            "/leave/record".into(),
            list,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let me = page.user().id;
    let meta = page.meta();
    let filed = conn
        .transaction::<_, AppError, _>(async |conn| {
            let new = v.row(employee, "approved", Some(me));
            queries::lock_person(conn, employee).await?;
            if queries::clash(conn, &new, None).await?.is_some() {
                return Ok(Recorded::Overlap);
            }
            if !token.claim(conn, me).await? {
                return Ok(Recorded::Filed(None));
            }
            let id = queries::create(conn, &new).await?;
            audit::record(
                conn,
                &meta,
                "leave.recorded_after_the_fact",
                Some(("leave", id.to_string())),
                json!({ "employee": employee, "start": v.start_date, "end": v.end_date }),
            )
            .await?;
            Ok(Recorded::Filed(
                token.filed(conn, format!("/leave/{id}")).await?,
            ))
        })
        .await;
    match filed {
        Ok(Recorded::Filed(filed)) => {
            let ok = "leave.recorded";
            return once::answer(&mut conn, &session, &page, &token, filed, ok).await;
        }
        Ok(Recorded::Overlap) => {}
        Err(AppError::Db(e)) if crate::db::violates(&e, queries::NO_OVERLAP) => {}
        Err(e) => return Err(e),
    }
    // The leave in the way may be this very form's, sent twice.
    once::sent_before(&mut conn, &session, &page, &input.form_token).await?;
    let new = v.row(employee, "approved", Some(me));
    say_overlap(
        &mut conn,
        &mut errors,
        &new,
        None,
        OVERLAP_RECORD,
        page.today(),
    )
    .await?;
    let list = employees(&mut conn, page.user().id).await?;
    let action = "/leave/record".into();
    let status = StatusCode::UNPROCESSABLE_ENTITY;
    form(&page, &input, &errors, "record", action, list, status)
}

/// How recording leave after the fact ended.
enum Recorded {
    /// What [`once::answer`] is given.
    Filed(Option<String>),
    /// The employee has pending or approved leave at the same time.
    Overlap,
}

/// The month asked for (`YYYY-MM`), else this month: its first and last day.
fn month_bounds(q: &str, config: &Config) -> (NaiveDate, NaiveDate) {
    let first = crate::web::form::date(&format!("{}-01", q.trim()))
        .unwrap_or_else(|| config.today().with_day(1).unwrap_or_else(|| config.today()));
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    (first, next - Duration::days(1))
}

/// The month asked for, its last day and its approved leave: what the calendar,
/// the list, its print and its export show, for those who keep the register.
async fn approved_month(
    page: &UserPage,
    conn: &mut DbConn,
    config: &Config,
    q: &MonthQuery,
    show: &str,
) -> Result<(NaiveDate, NaiveDate, Vec<LeaveWithName>), AppError> {
    page.require(Right::ViewLeaveRegister)?;
    let (first, last) = month_bounds(&q.month, config);
    let rows = queries::between(conn, first, last, super::statuses(show)).await?;
    Ok((first, last, rows))
}

/// GET /leave/calendar?month=YYYY-MM: who is away on which day.
pub async fn calendar(
    page: UserPage,
    mut conn: DbConn,
    config: web::Data<Config>,
    q: Query<MonthQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewLeaveRegister)?;
    let (first, last) = month_bounds(&q.month, config.get_ref());
    // Whole weeks, Monday to Sunday: the neighbouring months' days at either
    // end show who is away on them too (leave running over the month's end).
    let grid_start = first - Duration::days(first.weekday().num_days_from_monday() as i64);
    let grid_end = last + Duration::days(6 - last.weekday().num_days_from_monday() as i64);
    let rows =
        queries::between(&mut conn, grid_start, grid_end, super::statuses("approved")).await?;
    let mut weeks = Vec::new();
    let mut d = grid_start;
    while d <= last {
        let mut week = Vec::new();
        for _ in 0..7 {
            // Away all day, or half of it (a first day from noon, a last day
            // until noon): the half is said.
            let away = rows
                .iter()
                .filter_map(|r| {
                    let half = match (r.leave.covers(d, false), r.leave.covers(d, true)) {
                        (true, true) => None,
                        (true, false) => Some("leave.calendar_morning"),
                        (false, true) => Some("leave.calendar_afternoon"),
                        (false, false) => return None,
                    };
                    let kind = views::type_label(page.locale, &r.leave.leave_type);
                    let mut text = format!("{} · {kind}", r.name);
                    if let Some(half) = half {
                        text = format!("{text} · {}", page.t(half));
                    }
                    Some((r.leave.id, text))
                })
                .collect();
            week.push(Day {
                date: d,
                in_month: d.month() == first.month(),
                away,
            });
            d += Duration::days(1);
        }
        weeks.push(week);
    }
    let fmt = |d: NaiveDate| d.format("%Y-%m").to_string();
    let body = Calendar {
        ctx: page.ctx(),
        month: fmt(first),
        prev: fmt(first - Duration::days(1)),
        next: fmt(last + Duration::days(1)),
        weeks,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /leave/approved?month=YYYY-MM&show=…: the month's leave as a list,
/// approved leave unless another state (or all) is asked.
pub async fn approved(
    page: UserPage,
    mut conn: DbConn,
    config: web::Data<Config>,
    q: Query<MonthQuery>,
) -> Result<HttpResponse, AppError> {
    let show = q.show(&super::SHOWS);
    let (first, last, rows) = approved_month(&page, &mut conn, &config, &q, show).await?;
    let body = Approved {
        ctx: page.ctx(),
        month: first.format("%Y-%m").to_string(),
        bounds: (first, last),
        show,
        rows,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /leave/approved/print?month=YYYY-MM&show=…: the list on paper.
pub async fn approved_print(
    page: UserPage,
    mut conn: DbConn,
    config: web::Data<Config>,
    q: Query<MonthQuery>,
) -> Result<HttpResponse, AppError> {
    let show = q.show(&super::SHOWS);
    let (first, last, rows) = approved_month(&page, &mut conn, &config, &q, show).await?;
    let body = ApprovedPrint {
        ctx: page.ctx(),
        month: first.format("%Y-%m").to_string(),
        bounds: (first, last),
        show,
        rows,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// The export's header and rows, in the user's language.
fn export_table(
    rows: &[LeaveWithName],
    loc: Locale,
    (first, last): (NaiveDate, NaiveDate),
    show: &str,
) -> Sheet {
    let month = first.format("%Y-%m");
    let headers = [
        loc.t("leave.employee"),
        loc.t("leave.leave_type"),
        loc.t("leave.start"),
        loc.t("leave.end"),
        loc.t("leave.days"),
        loc.t("leave.reason"),
        loc.t("leave.after_the_fact"),
        loc.t("leave.status"),
        // Last, so the columns before keep their places in older sheets.
        loc.t("leave.days_in_month"),
    ]
    .map(str::to_owned)
    .to_vec();
    let rows = rows
        .iter()
        .map(|r| {
            let l = &r.leave;
            vec![
                Cell::from(r.name.clone()),
                views::type_label(loc, &l.leave_type).into(),
                views::start_text(l, loc).into(),
                views::end_text(l, loc).into(),
                super::days_text(l.half_days).into(),
                l.reason.clone().into(),
                if l.after_the_fact {
                    loc.t("leave.after_the_fact_yes")
                } else {
                    ""
                }
                .into(),
                views::status_label(loc, l).into(),
                super::days_text(l.half_days_in(first, last)).into(),
            ]
        })
        .collect();
    Sheet {
        title: format!("{} {month}", views::list_title(loc, show)),
        headers,
        rows,
    }
    .capped(loc, queries::MONTH_MAX)
}

/// GET /leave/approved.csv and .xlsx: the month's approved leave, the same rows
/// the list shows.
pub async fn approved_export(
    page: UserPage,
    mut conn: DbConn,
    config: web::Data<Config>,
    q: Query<MonthQuery>,
    format: ExportFormat,
) -> Result<HttpResponse, AppError> {
    let show = q.show(&super::SHOWS);
    let (first, last, rows) = approved_month(&page, &mut conn, &config, &q, show).await?;
    let month = first.format("%Y-%m").to_string();
    let sheet = export_table(&rows, page.locale, (first, last), show);
    export::respond(&sheet, format, &format!("leave-{month}-{show}"))
}
