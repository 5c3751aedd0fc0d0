use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use askama::Template;
use chrono::Utc;
use serde::Deserialize;
use serde_json::json;

use super::password;
use super::session_store::UID_KEY;
use super::throttle::{self, Lock};
use super::views::{LoginPage, PasswordPage};
use crate::audit;
use crate::db::DbConn;
use crate::error::AppError;
use crate::users::queries as users;
use crate::web::context::{flash, rotate_csrf, Tone};
use crate::web::form::Verbatim;
use crate::web::{html, safe_next, see_other, FieldErrors, PageCtx, Query, UserPage};

#[derive(Deserialize)]
pub struct NextQuery {
    next: Option<String>,
}

/// GET /login
pub async fn login_form(ctx: PageCtx, q: Query<NextQuery>) -> Result<HttpResponse, AppError> {
    let next = safe_next(q.next.as_deref());
    if ctx.user.is_some() {
        return Ok(see_other(&next));
    }
    let errors = FieldErrors::new(ctx.locale);
    let body = LoginPage {
        ctx: &ctx,
        username: "",
        next: &next,
        errors: &errors,
        general: None,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

pub(super) fn lock_message(ctx: &PageCtx, lock: &Lock) -> String {
    let (key, until) = match lock {
        Lock::Account(u) => ("auth.locked_account", u),
        Lock::Address(u) => ("auth.locked_address", u),
    };
    let minutes = ((*until - Utc::now()).num_seconds().max(0) + 59) / 60;
    ctx.tf(key, &[("minutes", &minutes.max(1))])
}

/// Starts a check of a password or code under the sign-in throttle (the code
/// step of sign-in, the account pages): `Err` with the message to show while
/// the account or the address is locked, or too many attempts are being
/// checked. (The password step does the same, auditing a lock too.)
pub(super) async fn guarded(
    conn: &mut DbConn,
    ctx: &PageCtx,
    username: &str,
) -> Result<Result<throttle::Attempt, String>, AppError> {
    if let Some(lock) = throttle::current_lock(conn, username, &ctx.ip).await? {
        return Ok(Err(lock_message(ctx, &lock)));
    }
    Ok(throttle::begin(conn, username, &ctx.ip)
        .await?
        .ok_or_else(|| ctx.t("auth.busy").to_owned()))
}

/// Checks the signed-in user's current password typed into `field`, as a
/// sign-in does (the attempt counts towards the lockout): a change to how the
/// account signs in asks for it, not only for a session someone else may hold.
pub(super) async fn check_current(
    conn: &mut DbConn,
    page: &UserPage,
    typed: &str,
    field: &'static str,
    errors: &mut FieldErrors,
) -> Result<(), AppError> {
    if typed.is_empty() {
        errors.add(field, "password.current_required");
        return Ok(());
    }
    let record = users::get(conn, page.user().id).await?;
    match guarded(conn, page.ctx(), &record.username).await? {
        Err(locked) => errors.add_text(field, locked),
        Ok(attempt) => {
            if password::verify(typed.to_owned(), Some(record.password_hash)).await {
                attempt.succeeded(conn).await?;
            } else {
                match attempt.failed(conn).await? {
                    Some(lock) => errors.add_text(field, lock_message(page.ctx(), &lock)),
                    None => errors.add(field, "password.current_wrong"),
                }
            }
        }
    }
    Ok(())
}

/// POST /login
pub async fn login(
    ctx: PageCtx,
    session: Session,
    mut conn: DbConn,
    Verbatim(form): Verbatim<LoginForm>,
) -> Result<HttpResponse, AppError> {
    // The password is checked as typed; the name, as every other form reads
    // a field, in ASCII when typed in full-width letters (an IME left on).
    let typed = form.username.trim();
    let username = crate::web::form::half_width(typed)
        .unwrap_or_else(|| typed.to_owned())
        .to_lowercase();
    let next = safe_next(Some(&form.next));
    let mut errors = FieldErrors::new(ctx.locale);
    if username.is_empty() {
        errors.add("username", "auth.username_required");
    }
    if form.password.is_empty() {
        errors.add("password", "auth.password_required");
    }
    let reshow = |errors: &FieldErrors, general: Option<String>, status: StatusCode| {
        let body = LoginPage {
            ctx: &ctx,
            username: form.username.trim(),
            next: &next,
            errors,
            general,
        }
        .render()?;
        Ok::<_, AppError>(html(status, body))
    };
    if !errors.is_empty() {
        return reshow(&errors, None, StatusCode::UNPROCESSABLE_ENTITY);
    }
    // No account has such a name (too long, or a password typed in the wrong
    // box): refused as a wrong password, and the text typed is kept nowhere.
    if !crate::users::forms::valid_username(&username) {
        let message = ctx.t("auth.bad_credentials").to_owned();
        return reshow(&errors, Some(message), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let meta = ctx.meta();
    if let Some(lock) = throttle::current_lock(&mut conn, &username, &ctx.ip).await? {
        // The name typed is kept only when it is an account's.
        let known = users::find_by_username(&mut conn, &username).await?;
        audit::record(
            &mut conn,
            &meta,
            "auth.login_refused_locked",
            None,
            json!({ "username": known.as_ref().map(|u| u.username.as_str()) }),
        )
        .await?;
        return reshow(
            &errors,
            Some(lock_message(&ctx, &lock)),
            StatusCode::TOO_MANY_REQUESTS,
        );
    }
    // Counted before the password is checked: see `throttle::begin`.
    let Some(attempt) = throttle::begin(&mut conn, &username, &ctx.ip).await? else {
        let message = ctx.t("auth.busy").to_owned();
        return reshow(&errors, Some(message), StatusCode::TOO_MANY_REQUESTS);
    };
    let user = users::find_by_username(&mut conn, &username).await?;
    let stored = user
        .as_ref()
        .filter(|u| u.active)
        .map(|u| u.password_hash.clone());
    if !password::verify(form.password.clone(), stored).await {
        let lock = attempt.failed(&mut conn).await?;
        // The name typed is kept only when it is an account's.
        let typed = user.as_ref().map(|u| u.username.as_str());
        audit::record(
            &mut conn,
            &meta,
            "auth.login_failed",
            user.as_ref().map(|u| ("user", u.id.to_string())),
            json!({ "username": typed, "locked": lock.is_some() }),
        )
        .await?;
        let (message, status) = match lock {
            Some(l) => (lock_message(&ctx, &l), StatusCode::TOO_MANY_REQUESTS),
            None => (
                ctx.t("auth.bad_credentials").to_owned(),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
        };
        return reshow(&errors, Some(message), status);
    }
    let user = user.ok_or(AppError::Forbidden)?;
    attempt.succeeded(&mut conn).await?;
    if super::totp::of(&mut conn, user.id).await?.is_some() {
        // The code comes next, on a new session that signs no one in yet.
        audit::record(
            &mut conn,
            &audit::Meta {
                actor_id: Some(user.id),
                ..meta
            },
            "auth.code_asked",
            Some(("user", user.id.to_string())),
            json!({}),
        )
        .await?;
        session.renew();
        super::second_factor::await_code(&session, (user.id, &user.password_hash), &next)?;
        rotate_csrf(&session);
        return Ok(see_other("/login/code"));
    }
    throttle::clear_account(&mut conn, &username).await?;
    let meta = audit::Meta {
        actor_id: Some(user.id),
        ..meta
    };
    audit::record(
        &mut conn,
        &meta,
        "auth.login",
        Some(("user", user.id.to_string())),
        json!({}),
    )
    .await?;
    // A new session id at sign-in, and a new CSRF token with it.
    session.renew();
    session
        .insert(UID_KEY, user.id)
        .map_err(|e| AppError::other(e.to_string()))?;
    rotate_csrf(&session);
    onward(&session, user.must_change_password, &next)
}

/// Where a sign-in goes: the page asked for, or first the password page when
/// a one-time password must be changed, which then leads on to that page.
pub(super) fn onward(
    session: &Session,
    must_change_password: bool,
    next: &str,
) -> Result<HttpResponse, AppError> {
    if must_change_password {
        session
            .insert(AFTER_PASSWORD, next)
            .map_err(|e| AppError::other(e.to_string()))?;
        return Ok(see_other("/account/password"));
    }
    Ok(see_other(next))
}

/// The page a sign-in asked for, kept while a one-time password is changed.
const AFTER_PASSWORD: &str = "after_password";

/// POST /logout: ends this session on the server, not just in the browser.
pub async fn logout(
    ctx: PageCtx,
    session: Session,
    mut conn: DbConn,
) -> Result<HttpResponse, AppError> {
    if let Some(user) = &ctx.user {
        audit::record(
            &mut conn,
            &ctx.meta(),
            "auth.logout",
            Some(("user", user.id.to_string())),
            json!({}),
        )
        .await?;
    }
    session.purge();
    Ok(see_other("/login"))
}

/// GET /account/password
pub async fn password_form(page: UserPage) -> Result<HttpResponse, AppError> {
    let errors = FieldErrors::new(page.locale);
    let body = PasswordPage {
        ctx: page.ctx(),
        errors: &errors,
        forced: page.user().must_change_password,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    confirm: String,
}

/// POST /account/password: the user's own password, and the way out of a one-time one.
pub async fn change_password(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    Verbatim(form): Verbatim<PasswordForm>,
) -> Result<HttpResponse, AppError> {
    let me = page.user();
    let mut errors = FieldErrors::new(page.locale);
    check_current(&mut conn, &page, &form.current, "current", &mut errors).await?;
    password::check_new(&mut errors, "new", &form.new, &form.confirm, &me.username);
    if errors.is_empty() && form.new == form.current {
        errors.add("new", "password.same_as_current");
    }
    if !errors.is_empty() {
        let body = PasswordPage {
            ctx: page.ctx(),
            errors: &errors,
            forced: me.must_change_password,
        }
        .render()?;
        return Ok(html(StatusCode::UNPROCESSABLE_ENTITY, body));
    }
    let hash = password::hash(form.new).await?;
    let meta = page.meta();
    let id = me.id;
    use diesel_async::AsyncConnection;
    conn.transaction::<_, AppError, _>(async |conn| {
        users::set_password(conn, id, &hash, false).await?;
        // Every other browser signed in as this user is signed out.
        users::end_sessions(conn, id).await?;
        audit::record(
            conn,
            &meta,
            "auth.password_changed",
            Some(("user", id.to_string())),
            json!({}),
        )
        .await?;
        Ok(())
    })
    .await?;
    session.renew();
    flash(&session, Tone::Ok, page.t("password.changed"));
    let next = session
        .remove_as::<String>(AFTER_PASSWORD)
        .and_then(Result::ok);
    Ok(see_other(&safe_next(next.as_deref())))
}
