use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{NaiveDate, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde_json::json;

use super::forms::{self, AssignInput, ComplaintInput, NoteInput};
use super::mail::Assigned;
use super::models::{ComplaintLine, NewComplaint, NewNote};
use super::queries::{self, Filter};
use super::views::{ComplaintForm, ComplaintList, ComplaintPrint, ComplaintShow, ComplaintStats};
use crate::audit;
use crate::auth::Right;
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
    if page.may(Right::RecordComplaints) || page.may(Right::ManageComplaints) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The register's lines for this reader: all for those who assign, else those
/// they recorded or follow up; of the month asked, or of every month when none
/// is (what is still open or unassigned, however old, as the counts that link
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
        show: (show != "all").then_some(show),
        involving: (!page.may(Right::ManageComplaints)).then(|| page.user().id),
    };
    (filter, first)
}

/// GET /complaints: the register by month, newest first.
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
            month::cursor_of(r.c.received_at, r.c.id)
        )
    });
    let body = ComplaintList {
        ctx: page.ctx(),
        rows,
        next,
        month: month::text(month),
        show: q.show(&super::SHOWS),
        query,
        everyone: filter.involving.is_none(),
        cites: super::CITES,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// Whom a matter may be assigned to, for those who assign: active staff who may
/// follow it up.
async fn assignable(
    conn: &mut AsyncPgConnection,
    page: &UserPage,
) -> Result<Vec<(i64, String)>, AppError> {
    if page.may(Right::ManageComplaints) {
        Ok(crate::users::queries::holding(conn, &super::FOLLOW_UP_RIGHTS).await?)
    } else {
        Ok(Vec::new())
    }
}

fn form(
    page: &UserPage,
    input: &ComplaintInput,
    errors: &FieldErrors,
    staff: Vec<(i64, String)>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let body = ComplaintForm {
        ctx: page.ctx(),
        input,
        errors,
        staff,
        cites: super::CITES,
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /complaints/new
pub async fn new_form(page: UserPage, mut conn: DbConn) -> Result<HttpResponse, AppError> {
    page.require(Right::RecordComplaints)?;
    let staff = assignable(&mut conn, &page).await?;
    let input = ComplaintInput::fresh(Utc::now(), page.tz);
    form(
        &page,
        &input,
        &FieldErrors::new(page.locale),
        staff,
        StatusCode::OK,
    )
}

/// Why a matter's assignee is told it is theirs.
enum Told<'a> {
    /// Given to them.
    Assigned,
    /// Theirs still, and opened again (at, why) after it was resolved.
    Reopened(chrono::DateTime<Utc>, &'a str),
}

/// Queues the mail telling `to` the matter is theirs, in their language.
async fn tell_assignee(
    conn: &mut AsyncPgConnection,
    config: &Config,
    c: &super::models::Complaint,
    (to, by): (i64, &str),
    why: Told<'_>,
) -> Result<(), AppError> {
    let to = queries::person(conn, to).await?;
    let loc = to.locale();
    let mut url = config.base_url.clone();
    url.set_path(&format!("/complaints/{}", c.id));
    let mail = Assigned {
        loc,
        to_name: to.display_name.clone(),
        number: c.number(),
        kind: loc.t_in("complaints.kind", &c.kind).into(),
        customer: c.customer_name.clone(),
        received: crate::i18n::minute(c.received_at, config.tz),
        content: c.content.clone(),
        assigned_by: by.into(),
        reopened: match why {
            Told::Assigned => None,
            Told::Reopened(_, reason) => Some(reason.into()),
        },
        url: url.to_string(),
    }
    .render()
    .map_err(AppError::Template)?;
    let (message, at) = match why {
        Told::Assigned => ("complaint_assigned", c.assigned_at),
        Told::Reopened(at, _) => ("complaint_reopened", Some(at)),
    };
    let key = format!(
        "{message}:{}:{}:{}",
        c.id,
        to.id,
        at.map(|t| t.timestamp_micros()).unwrap_or(0)
    );
    crate::mail::enqueue(conn, &key, message, &to.recipient(), &mail).await?;
    Ok(())
}

/// POST /complaints/new: a matter recorded by whoever took it; assigned at once
/// when a supervisor records it and names someone.
pub async fn create(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    Form(mut input): Form<ComplaintInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RecordComplaints)?;
    let mut errors = FieldErrors::new(page.locale);
    let token = once::check(
        &mut conn,
        &session,
        &page,
        &mut input.form_token,
        &mut errors,
    )
    .await?;
    let staff = assignable(&mut conn, &page).await?;
    let now = Utc::now();
    let valid = input.validate(&mut errors, now, page.tz, &staff);
    let (Some(v), Some(token)) = (valid, token) else {
        return form(
            &page,
            &input,
            &errors,
            staff,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let me = page.user();
    let meta = page.meta();
    let filed = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me.id).await? {
                return Ok(None);
            }
            if let Some(to) = v.assignee {
                if !crate::users::queries::holds_locked(conn, to, &super::FOLLOW_UP_RIGHTS).await? {
                    // Deactivated, or no longer following matters up, since
                    // the form was read: nothing is recorded (the token
                    // neither), and the form comes back.
                    return Err(AppError::Db(diesel::result::Error::RollbackTransaction));
                }
            }
            let id = queries::create(
                conn,
                &NewComplaint {
                    received_at: v.received_at,
                    channel: v.channel,
                    kind: v.kind,
                    customer_name: &v.customer_name,
                    customer_phone: &v.customer_phone,
                    room: &v.room,
                    content: &v.content,
                    recorded_by: me.id,
                    recorded_at: now,
                    assignee_id: v.assignee,
                    assigned_at: v.assignee.map(|_| now),
                },
            )
            .await?;
            if let Some(to) = v.assignee {
                let c = queries::lock(conn, id).await?;
                tell_assignee(conn, &config, &c, (to, &me.display_name), Told::Assigned).await?;
            }
            audit::record(
                conn,
                &meta,
                "complaint.recorded",
                Some(("complaint", id.to_string())),
                json!({ "kind": v.kind, "channel": v.channel, "assignee": v.assignee }),
            )
            .await?;
            Ok(token.filed(conn, format!("/complaints/{id}")).await?)
        })
        .await;
    let filed = match filed {
        Err(AppError::Db(diesel::result::Error::RollbackTransaction)) => {
            let staff = assignable(&mut conn, &page).await?;
            let mut errors = FieldErrors::new(page.locale);
            errors.add("assignee", "complaints.error.assignee_gone");
            return form(&page, &input, &errors, staff, StatusCode::CONFLICT);
        }
        other => other?,
    };
    once::answer(
        &mut conn,
        &session,
        &page,
        &token,
        filed,
        "complaints.recorded",
    )
    .await
}

/// The matter, if this reader may see it: one they recorded or follow up, or
/// any for those who assign.
async fn visible(conn: &mut DbConn, page: &UserPage, id: i64) -> Result<ComplaintLine, AppError> {
    require_any(page)?;
    let line = queries::get(conn, id).await?;
    if !line.c.involves(page.user().id) && !page.may(Right::ManageComplaints) {
        return Err(AppError::Forbidden);
    }
    Ok(line)
}

fn may_reveal(page: &UserPage, line: &ComplaintLine) -> bool {
    line.c.involves(page.user().id) || page.may(Right::RevealPersonalData)
}

async fn render_show(
    page: &UserPage,
    conn: &mut DbConn,
    line: ComplaintLine,
    revealed: bool,
    input: &NoteInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let notes = queries::notes(conn, line.c.id).await?;
    let handovers = queries::handovers(conn, line.c.id).await?;
    let open = line.c.status == "open";
    let staff = if open {
        assignable(conn, page).await?
    } else {
        Vec::new()
    };
    let phone = if revealed {
        line.c.customer_phone.clone()
    } else {
        line.c.phone_masked()
    };
    let manages = page.may(Right::ManageComplaints);
    let body = ComplaintShow {
        ctx: page.ctx(),
        may_reveal: !revealed && !line.c.customer_phone.is_empty() && may_reveal(page, &line),
        may_follow: open,
        may_resolve: open && line.c.may_resolve(page.user().id, manages),
        may_reopen: line.c.status == "resolved" && manages,
        staff,
        line,
        history: super::views::Entry::history(notes, handovers),
        phone,
        input,
        errors,
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /complaints/{id}
pub async fn show(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let line = visible(&mut conn, &page, path.into_inner()).await?;
    let errors = FieldErrors::new(page.locale);
    render_show(
        &page,
        &mut conn,
        line,
        false,
        &NoteInput::fresh(),
        &errors,
        StatusCode::OK,
    )
    .await
}

/// POST /complaints/{id}/reveal: the page with the phone in full; the view is
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
        "complaint.phone_viewed",
        Some(("complaint", line.c.id.to_string())),
        json!({}),
    )
    .await?;
    let errors = FieldErrors::new(page.locale);
    render_show(
        &page,
        &mut conn,
        line,
        true,
        &NoteInput::fresh(),
        &errors,
        StatusCode::OK,
    )
    .await
}

/// POST /complaints/{id}/assign: a supervisor gives the open matter to a
/// colleague, who is told by mail (again when it moves to someone else).
pub async fn assign(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    path: web::Path<i64>,
    Form(input): Form<AssignInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageComplaints)?;
    let line = visible(&mut conn, &page, path.into_inner()).await?;
    let id = line.c.id;
    let here = format!("/complaints/{id}");
    let staff = assignable(&mut conn, &page).await?;
    let mut errors = FieldErrors::new(page.locale);
    let Some(to) = forms::assignee(&mut errors, &input.assignee, &staff, true) else {
        return assign_refused(
            &page,
            &mut conn,
            line,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let me = page.user();
    let meta = page.meta();
    let now = Utc::now();
    let shown = input
        .current
        .as_deref()
        .map(|c| c.trim().parse::<i64>().ok());
    let changed = conn
        .transaction::<_, AppError, _>(async |conn| {
            let c = queries::lock(conn, id).await?;
            if c.status != "open" {
                return Ok(Assignment::Done);
            }
            if c.assignee_id == Some(to) {
                // Sent twice, or the same choice made meanwhile: it is theirs.
                return Ok(Assignment::Now);
            }
            if shown.is_some_and(|s| s != c.assignee_id) {
                return Ok(Assignment::Moved);
            }
            if !crate::users::queries::holds_locked(conn, to, &super::FOLLOW_UP_RIGHTS).await? {
                return Ok(Assignment::Gone);
            }
            queries::assign(conn, id, to, now).await?;
            let c = queries::lock(conn, id).await?;
            tell_assignee(conn, &config, &c, (to, &me.display_name), Told::Assigned).await?;
            audit::record(
                conn,
                &meta,
                "complaint.assigned",
                Some(("complaint", id.to_string())),
                json!({ "assignee": to }),
            )
            .await?;
            Ok(Assignment::Now)
        })
        .await?;
    let refused = match changed {
        Assignment::Now => {
            flash(&session, Tone::Ok, page.t("complaints.assigned_done"));
            None
        }
        Assignment::Done => {
            flash(&session, Tone::Error, page.t("complaints.not_assigned"));
            None
        }
        Assignment::Moved => Some("complaints.error.assigned_meanwhile"),
        Assignment::Gone => Some("complaints.error.assignee_gone"),
    };
    if let Some(why) = refused {
        let line = queries::get(&mut conn, id).await?;
        errors.add("assignee", why);
        return assign_refused(&page, &mut conn, line, &errors, StatusCode::CONFLICT).await;
    }
    Ok(see_other(&here))
}

/// The matter's page again, saying why it was not given as asked.
async fn assign_refused(
    page: &UserPage,
    conn: &mut DbConn,
    line: ComplaintLine,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    render_show(page, conn, line, false, &NoteInput::fresh(), errors, status).await
}

/// What an assignment came to.
enum Assignment {
    /// Theirs now (or already).
    Now,
    /// Not moved: the matter is done.
    Done,
    /// Not moved: given to someone else since the page was shown.
    Moved,
    /// Not moved: whom it was to go to was deactivated, or no longer follows
    /// matters up, since the page was shown.
    Gone,
}

/// POST /complaints/{id}/notes: a follow-up note on an open matter, by whoever
/// works on it or a supervisor; the one marked as the outcome resolves it.
pub async fn add_note(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(mut input): Form<NoteInput>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let line = match visible(&mut conn, &page, id).await {
        Err(AppError::Forbidden) => {
            return given_away(&page, &session, &mut conn, id, &input).await;
        }
        other => other?,
    };
    let mut errors = FieldErrors::new(page.locale);
    // First the token: this form sent again after it was filed is answered with
    // what it filed (even when that resolved the matter).
    let token = once::check(
        &mut conn,
        &session,
        &page,
        &mut input.form_token,
        &mut errors,
    )
    .await?;
    if line.c.status != "open" {
        return resolved_meanwhile(&page, &mut conn, line, &input).await;
    }
    let me = page.user().id;
    let manages = page.may(Right::ManageComplaints);
    let resolve = input.resolve == "1";
    if resolve && !line.c.may_resolve(me, manages) {
        errors.add("resolve", "complaints.error.not_yours_to_resolve");
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
    let meta = page.meta();
    let now = Utc::now();
    let filed = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me).await? {
                return Ok(Noted::Filed(None));
            }
            let c = queries::lock(conn, id).await?;
            if c.status != "open" {
                // Resolved meanwhile (another tab, a colleague): nothing is noted.
                return Err(AppError::Db(diesel::result::Error::RollbackTransaction));
            }
            if !c.involves(me) && !manages {
                // Given to someone else meanwhile: no longer this reader's.
                return Err(AppError::Forbidden);
            }
            if resolve && !c.may_resolve(me, manages) {
                return Ok(Noted::NotTheirs);
            }
            let note = queries::add_note(
                conn,
                &NewNote {
                    complaint_id: id,
                    author_id: me,
                    at: now,
                    body: &body,
                },
            )
            .await?;
            if resolve {
                queries::resolve(conn, id, now, &body).await?;
            }
            audit::record(
                conn,
                &meta,
                "complaint.followed_up",
                Some(("complaint", id.to_string())),
                json!({ "note": note, "resolved": resolve }),
            )
            .await?;
            Ok(Noted::Filed(
                token.filed(conn, format!("/complaints/{id}")).await?,
            ))
        })
        .await;
    let filed = match filed {
        Err(AppError::Db(diesel::result::Error::RollbackTransaction)) => {
            let line = queries::get(&mut conn, id).await?;
            return resolved_meanwhile(&page, &mut conn, line, &input).await;
        }
        Ok(Noted::NotTheirs) => {
            // Given to a colleague since the page was read: the note is not
            // added on its own either (it was written as the resolution).
            let line = queries::get(&mut conn, id).await?;
            let mut errors = FieldErrors::new(page.locale);
            errors.add("resolve", "complaints.error.not_yours_to_resolve");
            return render_show(
                &page,
                &mut conn,
                line,
                false,
                &NoteInput {
                    form_token: once::new_token(),
                    ..input
                },
                &errors,
                StatusCode::CONFLICT,
            )
            .await;
        }
        Ok(Noted::Filed(filed)) => filed,
        Err(AppError::Forbidden) => {
            return given_away(&page, &session, &mut conn, id, &input).await;
        }
        Err(e) => return Err(e),
    };
    let done = if resolve {
        "complaints.resolved_done"
    } else {
        "complaints.note_added"
    };
    once::answer(&mut conn, &session, &page, &token, filed, done).await
}

/// What adding a note came to.
enum Noted {
    /// Added (None: by the first sending of this form).
    Filed(Option<String>),
    /// Not added: it was to resolve a matter given to someone else meanwhile.
    NotTheirs,
}

/// POST /complaints/{id}/reopen: a supervisor opens a resolved matter again
/// (the customer called back, the resolution did not hold), saying why (a line
/// of its history); its resolution stays among its notes, and it is followed
/// up again by whom it was given to, who is told by mail. When they may no
/// longer follow matters up (their account disabled, or their posts changed
/// while it was resolved), it goes back among the matters to assign, and its
/// history says so.
pub async fn reopen(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    path: web::Path<i64>,
    Form(mut input): Form<NoteInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageComplaints)?;
    let line = visible(&mut conn, &page, path.into_inner()).await?;
    let id = line.c.id;
    let mut errors = FieldErrors::new(page.locale);
    let token = once::check(
        &mut conn,
        &session,
        &page,
        &mut input.form_token,
        &mut errors,
    )
    .await?;
    let reason = errors.text("complaints", "reason", &input.body, forms::TEXT_MAX, true);
    if line.c.status != "resolved" {
        return reopened_meanwhile(&page, &session, &mut conn, id, &input).await;
    }
    let (true, Some(token)) = (errors.is_empty(), token) else {
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
    let filed = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me.id).await? {
                return Ok(None);
            }
            let c = queries::lock(conn, id).await?;
            if !queries::reopen(conn, id).await? {
                // Opened again meanwhile by a colleague: their reason stands.
                return Err(AppError::Db(diesel::result::Error::RollbackTransaction));
            }
            let mut details = json!({ "reason": reason });
            if let Some(to) = c.assignee_id {
                let rights = &super::FOLLOW_UP_RIGHTS;
                if crate::users::queries::holds_locked(conn, to, rights).await? {
                    // Told unless they reopened it themselves.
                    if to != me.id {
                        let why = Told::Reopened(Utc::now(), &reason);
                        tell_assignee(conn, &config, &c, (to, &me.display_name), why).await?;
                    }
                } else {
                    queries::unassign(conn, id).await?;
                    details["was"] = json!(to);
                }
            }
            // The matter's history reads the reason (and whom it was taken
            // off) from this line.
            audit::record(
                conn,
                &meta,
                "complaint.reopened",
                Some(("complaint", id.to_string())),
                details,
            )
            .await?;
            Ok(token.filed(conn, format!("/complaints/{id}")).await?)
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
        "complaints.reopened_done",
    )
    .await
}

/// A reason sent to reopen matter `id` that is open already (a colleague
/// reopened it meanwhile; the same form sent twice is answered before): the
/// text comes back in the note form, or to copy, rather than lost under a
/// message that all went well. Without text, the page says it is open.
async fn reopened_meanwhile(
    page: &UserPage,
    session: &Session,
    conn: &mut DbConn,
    id: i64,
    input: &NoteInput,
) -> Result<HttpResponse, AppError> {
    if input.body.trim().is_empty() {
        flash(session, Tone::Ok, page.t("complaints.reopened_already"));
        return Ok(see_other(&format!("/complaints/{id}")));
    }
    let line = visible(conn, page, id).await?;
    let mut errors = FieldErrors::new(page.locale);
    errors.add("body", "complaints.error.reopened_meanwhile");
    let note = NoteInput {
        body: input.body.clone(),
        form_token: input.form_token.clone(),
        ..NoteInput::default()
    };
    let status = StatusCode::CONFLICT;
    render_show(page, conn, line, false, &note, &errors, status).await
}

/// A note from someone who may not see matter `id`: refused as any other
/// record they may not see, but when it was theirs to follow up before (given
/// to a colleague since its page was read), with their text to copy rather
/// than lost. Nothing of the matter is shown. The same form sent again after
/// its note was added is answered as any form sent twice.
async fn given_away(
    page: &UserPage,
    session: &Session,
    conn: &mut DbConn,
    id: i64,
    input: &NoteInput,
) -> Result<HttpResponse, AppError> {
    if input.body.trim().is_empty() || !queries::was_assigned(conn, id, page.user().id).await? {
        return Err(AppError::Forbidden);
    }
    once::sent_before(conn, session, page, &input.form_token).await?;
    let mut errors = FieldErrors::new(page.locale);
    errors.add("body", "complaints.error.given_away");
    let body = super::views::GivenAway {
        ctx: page.ctx(),
        errors: &errors,
        body: &input.body,
    }
    .render()?;
    Ok(html(StatusCode::FORBIDDEN, body))
}

/// A note for a matter resolved since its page was opened (another tab, a
/// colleague): nothing is added, and the page comes back with the note's text
/// to copy and a message saying why.
async fn resolved_meanwhile(
    page: &UserPage,
    conn: &mut DbConn,
    line: ComplaintLine,
    input: &NoteInput,
) -> Result<HttpResponse, AppError> {
    let mut errors = FieldErrors::new(page.locale);
    errors.add("body", "complaints.error.resolved_meanwhile");
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

/// GET /complaints/stats?month=YYYY-MM: the month's matters by kind and channel.
pub async fn stats(
    page: UserPage,
    mut conn: DbConn,
    q: Query<MonthQuery>,
) -> Result<HttpResponse, AppError> {
    let (first, stats) = month_stats(&page, &mut conn, &q).await?;
    let body = ComplaintStats {
        ctx: page.ctx(),
        month: first.format("%Y-%m").to_string(),
        stats,
        cites: super::CITES,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// The month asked (this month by default) and its statistics.
async fn month_stats(
    page: &UserPage,
    conn: &mut DbConn,
    q: &MonthQuery,
) -> Result<(NaiveDate, super::stats::Stats), AppError> {
    page.require(Right::ManageComplaints)?;
    let first = q.month(page.ctx().today());
    let (from, until) = month::span(first, page.tz);
    let (Some(from), Some(until)) = (from, until) else {
        return Err(AppError::NotFound);
    };
    let cells = queries::stats(conn, from, until).await?;
    let flow = queries::flow(conn, from, until).await?;
    Ok((first, super::stats::tally(&cells, &flow)))
}

/// GET /complaints/stats.csv and .xlsx: the month's statistics as on screen,
/// for the monthly analysis meeting's papers.
pub async fn stats_export(
    page: UserPage,
    mut conn: DbConn,
    q: Query<MonthQuery>,
    format: ExportFormat,
) -> Result<HttpResponse, AppError> {
    let (first, stats) = month_stats(&page, &mut conn, &q).await?;
    let loc = page.locale;
    let channels = super::views::labelled(loc, "complaints.channel", &super::forms::CHANNELS);
    let mut headers = vec![loc.t("complaints.kind_label").to_owned()];
    headers.extend(channels.iter().map(|(_, label)| (*label).to_owned()));
    for key in [
        "complaints.stats_total",
        "complaints.stats_resolved",
        "complaints.stats_hours",
        "complaints.stats_resolved_in_month",
        "complaints.stats_open_at_end",
    ] {
        headers.push(loc.t(key).to_owned());
    }
    let line = |r: &super::stats::StatRow| {
        let label = if r.kind == "all" {
            loc.t("complaints.stats_all")
        } else {
            loc.t_in("complaints.kind", r.kind)
        };
        let mut cells = vec![Cell::from(label)];
        cells.extend(r.by_channel.iter().map(|n| Cell::Int(*n)));
        cells.push(Cell::Int(r.total));
        cells.push(Cell::Int(r.resolved));
        // Tenths of an hour, as the page shows them, in hundredths.
        cells.push(Cell::hundredths(
            r.mean_hours.map(|h| (h * 10.0).round() as i64 * 10),
        ));
        cells.push(Cell::Int(r.resolved_in_month));
        cells.push(Cell::Int(r.open_at_end));
        cells
    };
    let mut rows: Vec<Vec<Cell>> = stats.rows.iter().map(line).collect();
    rows.push(line(&stats.all));
    let sheet = Sheet {
        title: loc.t("complaints.stats").to_owned(),
        headers,
        rows,
    };
    export::respond_month(sheet, format, "complaint-stats", Some(first))
}

/// The month's lines for print and export (at most a sheet's worth).
async fn sheet_rows(
    page: &UserPage,
    conn: &mut DbConn,
    q: &MonthQuery,
) -> Result<(Vec<ComplaintLine>, Option<NaiveDate>, bool), AppError> {
    require_any(page)?;
    let (filter, month) = filter(q, page);
    let mut rows = queries::page(conn, &filter, None, SHEET_MAX + 1).await?;
    let truncated = crate::web::trim_page(&mut rows, SHEET_MAX as usize).is_some();
    Ok((rows, month, truncated))
}

/// GET /complaints/print?month=YYYY-MM: the month's register on paper.
pub async fn print(
    page: UserPage,
    mut conn: DbConn,
    q: Query<MonthQuery>,
) -> Result<HttpResponse, AppError> {
    let (rows, month, truncated) = sheet_rows(&page, &mut conn, &q).await?;
    let body = ComplaintPrint {
        ctx: page.ctx(),
        rows,
        month: month::label(month, page.locale),
        truncated,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

fn export_sheet(rows: &[ComplaintLine], ctx: &PageCtx, loc: Locale) -> Sheet {
    let headers = [
        "complaints.number",
        "complaints.received",
        "complaints.channel_label",
        "complaints.kind_label",
        "complaints.customer",
        "complaints.phone",
        "complaints.room",
        "complaints.content",
        "complaints.recorder",
        "complaints.assignee",
        "complaints.state",
        "complaints.resolved_at",
        "complaints.resolution",
    ];
    let rows = rows
        .iter()
        .map(|r| {
            let c = &r.c;
            vec![
                Cell::from(c.number()),
                ctx.datetime(&c.received_at).into(),
                loc.t_in("complaints.channel", &c.channel).into(),
                loc.t_in("complaints.kind", &c.kind).into(),
                c.customer_name.clone().into(),
                c.phone_masked().into(),
                c.room.clone().into(),
                c.content.clone().into(),
                r.recorder.clone().into(),
                r.assignee.clone().unwrap_or_default().into(),
                loc.t_in("complaints.status", c.state()).into(),
                c.resolved_at
                    .map(|t| ctx.datetime(&t))
                    .unwrap_or_default()
                    .into(),
                c.resolution.clone().into(),
            ]
        })
        .collect();
    Sheet::new(loc, "complaints.sheet", &headers, rows)
}

/// GET /complaints.csv and .xlsx: the month's register with the page's filter
/// (phones masked, as on paper).
pub async fn export(
    page: UserPage,
    mut conn: DbConn,
    q: Query<MonthQuery>,
    format: ExportFormat,
) -> Result<HttpResponse, AppError> {
    let (rows, month, _) = sheet_rows(&page, &mut conn, &q).await?;
    let sheet = export_sheet(&rows, page.ctx(), page.locale);
    export::respond_month(sheet, format, "complaints", month)
}
