use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpMessage, HttpRequest, HttpResponse};
use askama::Template;
use chrono::Utc;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde::Deserialize;
use serde_json::json;

use super::engine::{self, Refusal, Via};
use super::links::{self, State};
use super::queries;
use super::views::{Deputies, Inbox, LinkPage, Mine, Refused, Show};
use crate::audit;
use crate::config::Config;
use crate::db::{DbConn, ReadConn};
use crate::error::AppError;
use crate::schema::users;
use crate::web::context::{flash, Tone};
use crate::web::once;
use crate::web::{html, see_other, FieldErrors, Form, PageCtx, Query, UserPage};

pub(super) const COMMENT_MAX: usize = 500;

/// GET /approvals: 待我审批, including what the user decides as someone's deputy.
pub async fn inbox(
    page: UserPage,
    conn: ReadConn,
    config: web::Data<Config>,
    kept: web::Data<queries::KeptInboxes>,
) -> Result<HttpResponse, AppError> {
    let mut conn = conn.get();
    let me = page.user().id;
    let rows = queries::kept_inbox(&mut conn, &kept, me, config.today()).await?;
    let (rows, more) = crate::web::page_of(&rows, queries::INBOX_SHOWN);
    let body = Inbox {
        ctx: page.ctx(),
        rows,
        more: more.is_some(),
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /approvals/mine: the requests I filed.
pub async fn mine(
    page: UserPage,
    mut conn: DbConn,
    q: Query<crate::web::Before>,
) -> Result<HttpResponse, AppError> {
    const PAGE: i64 = 50;
    let mut rows = queries::mine(&mut conn, page.user().id, q.before, PAGE + 1).await?;
    let next = crate::web::trim_page(&mut rows, PAGE as usize).map(|r| r.id);
    let body = Mine {
        ctx: page.ctx(),
        rows,
        next,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /approvals/{id}: the request, its trail, and the decision form when it
/// waits on this user.
pub async fn show(
    page: UserPage,
    mut conn: DbConn,
    config: web::Data<Config>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let errors = FieldErrors::new(page.locale);
    render_show(
        &page,
        &mut conn,
        &config,
        id,
        String::new(),
        &errors,
        StatusCode::OK,
    )
    .await
}

/// The request's page as it stands, with the decision form's `comment` and, when
/// the form came back, why (`errors`: on `decision` for the form as a whole, on
/// `comment` for the comment).
async fn render_show(
    page: &UserPage,
    conn: &mut DbConn,
    config: &Config,
    id: i64,
    comment: String,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let req = queries::get_request(conn, id).await?;
    if !super::may_view(conn, page.user(), &req, (config.today(), config.tz)).await? {
        return Err(AppError::Forbidden);
    }
    let me = page.user().id;
    let details = super::request_details(conn, &req, page.locale).await?;
    let trail = queries::trail(conn, req.id).await?;
    let pending = queries::pending_task(conn, req.id).await?;
    let may_decide = match &pending {
        Some(t) => may_decide(conn, me, &req, t, config.today()).await?,
        None => false,
    };
    let mut ids: Vec<i64> = trail
        .iter()
        .flat_map(|e| [e.actor_id, e.on_behalf_of])
        .flatten()
        .collect();
    ids.push(req.requester_id);
    let names = queries::names(conn, &ids).await?;
    let body = Show {
        ctx: page.ctx(),
        requester: names.get(&req.requester_id).cloned().unwrap_or_default(),
        subject_url: super::subject_url(&req.kind, req.subject_id),
        may_withdraw: req.requester_id == me && req.status == "pending",
        req,
        details,
        trail,
        names,
        pending,
        may_decide,
        comment,
        errors,
    }
    .render()?;
    Ok(html(status, body))
}

/// Whether `me` may decide `task` of `req` today, as [`engine::decide`] will
/// check: its approver, or their deputy for the day; never the requester or the
/// person the request is for, nor, as a deputy, whoever decided an earlier step.
async fn may_decide(
    conn: &mut diesel_async::AsyncPgConnection,
    me: i64,
    req: &super::models::Request,
    task: &super::models::Task,
    today: chrono::NaiveDate,
) -> Result<bool, AppError> {
    if req.requester_id == me || req.party_id == Some(me) {
        return Ok(false);
    }
    Ok(task.approver_id == me
        || (queries::is_deputy(conn, me, task.approver_id, today).await?
            && !queries::earlier_deciders(conn, req.id, task.step)
                .await?
                .contains(&me)))
}

#[derive(Deserialize)]
pub struct DecideInput {
    #[serde(default)]
    task_id: i64,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
    /// The request's version the page showed: an edit since sends the page back.
    version: Option<i32>,
}

/// The decision of a form (the site's or the mailed link's): approve (true) or
/// reject, with a comment of at most [`COMMENT_MAX`]; `None` with a message on
/// `decision` or `comment` in `errors` otherwise.
fn decision_of(decision: &str, comment: &str, errors: &mut FieldErrors) -> Option<bool> {
    let approve = match decision {
        "approve" => Some(true),
        "reject" => Some(false),
        _ => {
            errors.add("decision", "approvals.error.decision");
            None
        }
    };
    if comment.chars().count() > COMMENT_MAX {
        errors.add("comment", "approvals.error.comment_too_long");
        return None;
    }
    approve
}

/// What a decision's confirmation says: approved and passed on to the next
/// step's approver, approved, or rejected (the last two end the request).
fn done_key(request: &super::models::Request, approve: bool) -> &'static str {
    match (approve, request.status.as_str()) {
        (true, "pending") => "approvals.done_passed_on",
        (true, _) => "approvals.done_approved",
        (false, _) => "approvals.done_rejected",
    }
}

/// POST /approvals/{id}/decide: approve or reject from the site.
pub async fn decide(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    path: web::Path<i64>,
    Form(input): Form<DecideInput>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let comment = input.comment.trim().to_owned();
    // Anything else comes back on the form, the comment as typed, with why.
    let mut errors = FieldErrors::new(page.locale);
    let Some(approve) = decision_of(&input.decision, &comment, &mut errors) else {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_show(&page, &mut conn, &config, id, comment, &errors, status).await;
    };
    let me = page.user().id;
    let meta = page.meta();
    let now = Utc::now();
    let result = conn
        .transaction::<_, AppError, _>(async |conn| {
            let task = queries::get_task(conn, input.task_id).await?;
            if task.request_id != id {
                return Err(AppError::NotFound);
            }
            let r = engine::decide(
                conn,
                task.id,
                me,
                approve,
                &comment,
                (Via::Web, input.version),
                &config,
                now,
            )
            .await?;
            if r.is_ok() {
                audit::record(
                    conn,
                    &meta,
                    if approve {
                        "approval.approved"
                    } else {
                        "approval.rejected"
                    },
                    Some(("approval_request", id.to_string())),
                    json!({ "task": task.id, "via": "web" }),
                )
                .await?;
            }
            Ok(r)
        })
        .await?;
    match result {
        Ok(req) => flash(&session, Tone::Ok, page.t(done_key(&req, approve))),
        // One's own decision sent again: it stands, and is confirmed as such.
        Err(Refusal::Repeated) => {
            let req = queries::get_request(&mut conn, id).await?;
            flash(&session, Tone::Ok, page.t(done_key(&req, approve)))
        }
        // Decided meanwhile by someone else (a colleague, a deputy): a comment
        // typed stays on the page to copy. One's own other decision (approved,
        // then "reject" from a page left open), or no comment: the page as it
        // is now.
        Err(Refusal::AlreadyDecided)
            if !comment.is_empty()
                && queries::get_task(&mut conn, input.task_id)
                    .await?
                    .decided_by
                    != Some(me) =>
        {
            errors.add("decision", "approvals.already_decided");
            let status = StatusCode::CONFLICT;
            return render_show(&page, &mut conn, &config, id, comment, &errors, status).await;
        }
        Err(Refusal::AlreadyDecided) => {
            flash(&session, Tone::Error, page.t("approvals.already_decided"))
        }
        // Not (or no longer) theirs to decide: a deputyship ended or the task
        // passed on while the page was open. The page says so, and gives back
        // the comment typed to copy.
        Err(Refusal::NotYours) => {
            errors.add("decision", "approvals.not_yours_now");
            let status = StatusCode::FORBIDDEN;
            let req = queries::get_request(&mut conn, id).await?;
            if super::may_view(&mut conn, page.user(), &req, (config.today(), config.tz)).await? {
                return render_show(&page, &mut conn, &config, id, comment, &errors, status).await;
            }
            let ctx = page.ctx();
            let errors = &errors;
            return Ok(html(
                status,
                Refused {
                    ctx,
                    comment,
                    errors,
                }
                .render()?,
            ));
        }
        Err(Refusal::Changed) => {
            errors.add("decision", "approvals.changed_since");
            let status = StatusCode::CONFLICT;
            return render_show(&page, &mut conn, &config, id, comment, &errors, status).await;
        }
    }
    Ok(see_other(&format!("/approvals/{id}")))
}

/// POST /approvals/{id}/withdraw: the requester takes the request back.
pub async fn withdraw(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let me = page.user().id;
    let meta = page.meta();
    let result = conn
        .transaction::<_, AppError, _>(async |conn| {
            let r = engine::withdraw(conn, id, me, (Utc::now(), page.today())).await?;
            if r.is_ok() {
                audit::record(
                    conn,
                    &meta,
                    "approval.withdrawn",
                    Some(("approval_request", id.to_string())),
                    json!({}),
                )
                .await?;
            }
            Ok(r)
        })
        .await?;
    match result {
        // Withdrawn now, or already by this same requester (a second click).
        Ok(()) | Err(Refusal::Repeated) => {
            flash(&session, Tone::Ok, page.t("approvals.done_withdrawn"))
        }
        // (A withdrawal checks no version, so `Changed` does not come here.)
        Err(Refusal::AlreadyDecided | Refusal::Changed) => {
            flash(&session, Tone::Error, page.t("approvals.already_decided"))
        }
        Err(Refusal::NotYours) => return Err(AppError::Forbidden),
    }
    Ok(see_other(&format!("/approvals/{id}")))
}

/// Sends the link page, never leaking the token to another site through Referer.
fn link_response(status: StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .body(body)
}

/// Fills the page for a link that cannot be used, saying what happened.
async fn explain(
    conn: &mut diesel_async::AsyncPgConnection,
    ctx: &PageCtx,
    state: &State,
) -> Result<(&'static str, String), AppError> {
    let when = |t: &Option<chrono::DateTime<Utc>>| t.map(|t| ctx.datetime(&t)).unwrap_or_default();
    Ok(match state {
        State::Unknown => ("unknown", ctx.t("approvals.link.unknown").to_owned()),
        State::Expired { link } => (
            "expired",
            ctx.tf(
                "approvals.link.expired",
                &[("at", &ctx.datetime(&link.expires_at))],
            ),
        ),
        State::Outdated { req, .. } => (
            "outdated",
            ctx.tf(
                "approvals.link.outdated",
                &[("at", &ctx.datetime(&req.updated_at))],
            ),
        ),
        State::Used { task, .. } | State::Closed { task, .. } => {
            let used = matches!(state, State::Used { .. });
            let who = match task.decided_by {
                Some(id) => queries::person(conn, id).await?.display_name,
                None => String::new(),
            };
            let key = match task.status.as_str() {
                "approved" => "approvals.link.decided_approved",
                "rejected" => "approvals.link.decided_rejected",
                "withdrawn" => "approvals.link.withdrawn",
                "escalated" => "approvals.link.escalated",
                "handed_over" => "approvals.link.handed_over",
                _ => "approvals.link.closed",
            };
            let text = ctx.tf(key, &[("name", &who), ("at", &when(&task.decided_at))]);
            if used {
                ("used", format!("{} {}", ctx.t("approvals.link.used"), text))
            } else {
                ("closed", text)
            }
        }
        State::Valid { .. } => ("valid", String::new()),
    })
}

/// Where an anonymous visitor of a link goes: sign in, then straight back.
fn sign_in_first(req: &HttpRequest) -> HttpResponse {
    let mut url = String::from("/login?next=");
    url.extend(url::form_urlencoded::byte_serialize(req.path().as_bytes()));
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, url))
        .insert_header((header::REFERRER_POLICY, "no-referrer"))
        .finish()
}

#[allow(clippy::too_many_arguments)]
async fn render_link(
    conn: &mut diesel_async::AsyncPgConnection,
    page: &UserPage,
    token: &str,
    state: State,
    comment: &str,
    errors: &FieldErrors,
    config: &Config,
    status_ok: StatusCode,
) -> Result<HttpResponse, AppError> {
    let me = page.user().id;
    let (mut name, mut message) = explain(conn, page.ctx(), &state).await?;
    let mut view_req = None;
    let mut requester = String::new();
    let mut details = Vec::new();
    let mut due = None;
    let mut on_behalf_of = String::new();
    // Someone else's link says nothing of the request, whatever became of it.
    if state.link().is_some_and(|link| link.user_id != me) {
        name = "wrong_user";
        message = page.t("approvals.link.wrong_user").to_owned();
    } else if let State::Valid { task, req, .. } = &state {
        if !may_decide(conn, me, req, task, config.today()).await? {
            // Their own link, but no longer theirs to decide: a deputyship
            // ended or removed since the mail, say.
            name = "not_theirs_now";
            let key = if task.approver_id == me {
                "approvals.link.cannot_decide"
            } else {
                "approvals.link.deputy_ended"
            };
            let who = queries::person(conn, task.approver_id).await?.display_name;
            message = page.tf(key, &[("name", &who)]);
        } else {
            requester = queries::person(conn, req.requester_id).await?.display_name;
            details = super::request_details(conn, req, page.locale).await?;
            due = Some(task.due_at);
            if task.approver_id != me {
                let who = queries::person(conn, task.approver_id).await?.display_name;
                on_behalf_of = page.tf("approvals.on_behalf_of", &[("name", &who)]);
            }
            view_req = Some(req.clone());
        }
    }
    let status = match name {
        "valid" => status_ok,
        "wrong_user" | "not_theirs_now" => StatusCode::FORBIDDEN,
        _ => StatusCode::GONE,
    };
    let body = LinkPage {
        ctx: page.ctx(),
        token,
        state: name,
        message,
        req: view_req,
        requester,
        details,
        due,
        on_behalf_of,
        comment,
        errors,
    }
    .render()?;
    Ok(link_response(status, body))
}

/// GET/HEAD /approvals/link/{token}: shows the request and the buttons. Opening
/// it decides nothing, whoever (or whatever) opens it.
pub async fn link_show(
    req: HttpRequest,
    page: Option<UserPage>,
    mut conn: DbConn,
    config: web::Data<Config>,
    path: web::Path<String>,
) -> Result<HttpResponse, AppError> {
    let Some(page) = page else {
        // Signed in but held at the password page: go there, not round in circles.
        let signed_in = req
            .extensions()
            .get::<crate::web::middleware::Identity>()
            .is_some_and(|id| id.user.is_some());
        if signed_in {
            return Ok(see_other("/account/password"));
        }
        return Ok(sign_in_first(&req));
    };
    let token = path.into_inner();
    let state = links::inspect(&mut conn, &token, Utc::now(), false).await?;
    let errors = FieldErrors::new(page.locale);
    render_link(
        &mut conn,
        &page,
        &token,
        state,
        "",
        &errors,
        &config,
        StatusCode::OK,
    )
    .await
}

#[derive(Deserialize)]
pub struct LinkInput {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
}

enum LinkOutcome {
    /// The request, and its confirmation's catalog key ([`done_key`]).
    Decided(i64, &'static str),
    Refused(Box<State>),
    NotYours,
}

/// POST /approvals/link/{token}: the decision, by the signed-in recipient of the
/// link with the session's CSRF token (checked by the middleware). The token is
/// consumed in the same transaction: of many simultaneous POSTs one decides.
pub async fn link_decide(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    path: web::Path<String>,
    Form(input): Form<LinkInput>,
) -> Result<HttpResponse, AppError> {
    let token = path.into_inner();
    let me = page.user().id;
    let comment_in = input.comment.trim().to_owned();
    let mut errors = FieldErrors::new(page.locale);
    let Some(approve) = decision_of(&input.decision, &comment_in, &mut errors) else {
        let state = links::inspect(&mut conn, &token, Utc::now(), false).await?;
        return render_link(
            &mut conn,
            &page,
            &token,
            state,
            &comment_in,
            &errors,
            &config,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let meta = page.meta();
    let now = Utc::now();
    let outcome = conn
        .transaction::<_, AppError, _>(async |conn| {
            let state = links::inspect(conn, &token, now, true).await?;
            let State::Valid { link, task, .. } = state else {
                return Ok(LinkOutcome::Refused(Box::new(state)));
            };
            if link.user_id != me {
                return Ok(LinkOutcome::NotYours);
            }
            let r = engine::decide(
                conn,
                task.id,
                me,
                approve,
                &comment_in,
                (Via::Email, Some(link.request_version)),
                &config,
                now,
            )
            .await?;
            match r {
                Ok(req) => {
                    engine::use_link(conn, &link.token_hash, now).await?;
                    audit::record(
                        conn,
                        &meta,
                        if approve {
                            "approval.approved"
                        } else {
                            "approval.rejected"
                        },
                        Some(("approval_request", req.id.to_string())),
                        json!({ "task": task.id, "via": "email" }),
                    )
                    .await?;
                    Ok(LinkOutcome::Decided(req.id, done_key(&req, approve)))
                }
                // Their link, but not theirs to decide now (the page says why).
                Err(Refusal::NotYours) => Ok(LinkOutcome::Refused(Box::new(
                    links::inspect(conn, &token, now, false).await?,
                ))),
                // Decided, or edited, since the link was looked at: the page
                // says which.
                Err(Refusal::AlreadyDecided | Refusal::Changed | Refusal::Repeated) => Ok(
                    LinkOutcome::Refused(Box::new(links::inspect(conn, &token, now, false).await?)),
                ),
            }
        })
        .await?;
    match outcome {
        LinkOutcome::Decided(id, done) => {
            flash(&session, Tone::Ok, page.t(done));
            Ok(see_other(&format!("/approvals/{id}")))
        }
        LinkOutcome::Refused(state) => {
            // Decided by someone else, changed or expired meanwhile: the comment
            // typed was not saved and comes back to copy. Used (this approver's
            // own second click): it was.
            let unsaved = match *state {
                State::Used { .. } => "",
                _ => comment_in.as_str(),
            };
            render_link(
                &mut conn,
                &page,
                &token,
                *state,
                unsaved,
                &errors,
                &config,
                StatusCode::GONE,
            )
            .await
        }
        LinkOutcome::NotYours => {
            let body = LinkPage {
                ctx: page.ctx(),
                token: &token,
                state: "wrong_user",
                message: page.t("approvals.link.wrong_user").to_owned(),
                req: None,
                requester: String::new(),
                details: Vec::new(),
                due: None,
                on_behalf_of: String::new(),
                comment: "",
                errors: &errors,
            }
            .render()?;
            Ok(link_response(StatusCode::FORBIDDEN, body))
        }
    }
}

#[derive(Deserialize, Default, Debug)]
pub struct DeputyInput {
    #[serde(default)]
    pub deputy: String,
    #[serde(default)]
    pub starts_on: String,
    #[serde(default)]
    pub ends_on: String,
    /// The one-time token of the creating form (`crate::web::once`).
    #[serde(default)]
    pub form_token: String,
}

async fn deputies_page(
    conn: &mut diesel_async::AsyncPgConnection,
    page: &UserPage,
    input: &DeputyInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let me = page.user().id;
    let rows = queries::deputies_of(conn, me).await?;
    let ids: Vec<i64> = rows.iter().map(|d| d.deputy_id).collect();
    let names = queries::names(conn, &ids).await?;
    let inactive: Vec<i64> = users::table
        .filter(users::id.eq_any(&ids))
        .filter(users::active.eq(false))
        .select(users::id)
        .load(conn)
        .await?;
    let candidates: Vec<(String, String)> = users::table
        .filter(users::active.eq(true))
        .filter(users::id.ne(me))
        .filter(users::id.eq_any(queries::deciders()))
        .order(users::username)
        .limit(500)
        .select((users::username, users::display_name))
        .load(conn)
        .await?;
    let body = Deputies {
        ctx: page.ctx(),
        rows,
        names,
        input,
        errors,
        candidates,
        inactive,
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /approvals/deputies: who decides for me while I am away.
pub async fn deputies(page: UserPage, mut conn: DbConn) -> Result<HttpResponse, AppError> {
    let errors = FieldErrors::new(page.locale);
    let input = DeputyInput {
        form_token: once::new_token(),
        ..Default::default()
    };
    deputies_page(&mut conn, &page, &input, &errors, StatusCode::OK).await
}

/// POST /approvals/deputies: names a deputy for a range of days.
pub async fn add_deputy(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    Form(mut input): Form<DeputyInput>,
) -> Result<HttpResponse, AppError> {
    let me = page.user().id;
    let mut errors = FieldErrors::new(page.locale);
    let form_token = &mut input.form_token;
    let token = once::check(&mut conn, &session, &page, form_token, &mut errors).await?;
    let deputy: Option<(i64, bool)> = users::table
        .filter(users::username.eq(input.deputy.trim()))
        .filter(users::active.eq(true))
        .select((users::id, users::id.eq_any(queries::deciders())))
        .first(&mut conn)
        .await
        .optional()?;
    match deputy {
        None => errors.add("deputy", "approvals.error.deputy_unknown"),
        Some((d, _)) if d == me => errors.add("deputy", "approvals.error.deputy_self"),
        // A deputy decides what the rule book gives to named posts: only
        // someone who holds a deciding post may.
        Some((_, false)) => errors.add("deputy", "approvals.error.deputy_post"),
        _ => {}
    }
    let deputy = deputy.map(|(d, _)| d);
    let mut day = |field: &'static str, text: &str| {
        let d = crate::web::form::date(text);
        if text.trim().is_empty() {
            errors.add(field, "approvals.error.date_missing");
        } else if d.is_none() {
            errors.add(field, "approvals.error.date");
        }
        d
    };
    let starts = day("starts_on", &input.starts_on);
    let ends = day("ends_on", &input.ends_on);
    if let (Some(s), Some(e)) = (starts, ends) {
        if e < s {
            errors.add("ends_on", "approvals.error.date_order");
        } else if e < page.today() {
            errors.add("ends_on", "approvals.error.date_past");
        } else if let Some(d) = deputy {
            // The same deputy for days already given them: nothing to add.
            if queries::deputyship_overlaps(&mut conn, me, d, s, e).await? {
                errors.add("starts_on", "approvals.error.deputy_overlap");
            }
        }
    }
    let (Some(deputy), Some(starts), Some(ends), Some(token), true) =
        (deputy, starts, ends, token, errors.is_empty())
    else {
        return deputies_page(
            &mut conn,
            &page,
            &input,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let meta = page.meta();
    let filed = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me).await? {
                return Ok(None);
            }
            let id = queries::add_deputy(conn, me, deputy, starts, ends).await?;
            audit::record(
                conn,
                &meta,
                "approval.deputy_named",
                Some(("approval_deputy", id.to_string())),
                json!({ "deputy": deputy, "starts_on": starts, "ends_on": ends }),
            )
            .await?;
            Ok(token.filed(conn, "/approvals/deputies".into()).await?)
        })
        .await?;
    let ok = "approvals.deputy_saved";
    once::answer(&mut conn, &session, &page, &token, filed, ok).await
}

/// POST /approvals/deputies/{id}/delete: the user ends one of their own deputies.
pub async fn remove_deputy(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let me = page.user().id;
    let meta = page.meta();
    conn.transaction::<_, AppError, _>(async |conn| {
        if !queries::remove_deputy(conn, me, id).await? {
            // Gone already (a second click, another tab): as asked. Someone
            // else's: not found.
            return match queries::deputyship_exists(conn, id).await? {
                true => Err(AppError::NotFound),
                false => Ok(()),
            };
        }
        audit::record(
            conn,
            &meta,
            "approval.deputy_removed",
            Some(("approval_deputy", id.to_string())),
            json!({}),
        )
        .await?;
        Ok(())
    })
    .await?;
    flash(&session, Tone::Ok, page.t("approvals.deputy_removed"));
    Ok(see_other("/approvals/deputies"))
}
