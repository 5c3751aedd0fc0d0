//! The second factor's pages: the code asked at sign-in after the password, and
//! turning it on and off from one's account ([`super::totp`] has the rules).
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use askama::Template;
use chrono::Utc;
use diesel_async::AsyncConnection;
use serde::Deserialize;
use serde_json::json;

use super::session_store::UID_KEY;
use super::throttle;
use super::totp::{self, SecondFactor};
use super::views::{CodePage, TotpPage};
use crate::audit;
use crate::db::DbConn;
use crate::error::AppError;
use crate::users::queries as users;
use crate::web::context::{flash, rotate_csrf, Tone};
use crate::web::form::Verbatim;
use crate::web::{html, see_other, FieldErrors, Form, PageCtx, UserPage};

/// Session keys of a sign-in waiting for its code: who, since when (seconds since
/// the epoch), and where to go after.
const PENDING_UID: &str = "2fa_uid";
const PENDING_AT: &str = "2fa_at";
const PENDING_NEXT: &str = "2fa_next";
/// A fingerprint of the password the code follows: changed since (by its owner
/// elsewhere, or reset), the password is asked again.
const PENDING_PASSWORD: &str = "2fa_pw";
/// Session key of a secret shown for setup and not yet confirmed.
const SETUP_KEY: &str = "2fa_setup";

/// The secret being set up in this session. It waits there sealed, as it
/// will be kept (`users.totp_secret`): the sessions table, its WAL and its
/// backups never hold it readable.
fn setup_secret(session: &Session) -> Option<String> {
    let stored = session.get::<String>(SETUP_KEY).ok().flatten()?;
    crate::db::sealed::open(&stored).ok()
}
/// How long the password stays good for while the code is awaited.
const PENDING_SECS: i64 = 5 * 60;

/// After a right password of a user with a second factor: the session signs no
/// one in yet, and remembers whose code it waits for.
pub fn await_code(
    session: &Session,
    (user, password_hash): (i64, &str),
    next: &str,
) -> Result<(), AppError> {
    let put = |k: &str, v: String| {
        session
            .insert(k, v)
            .map_err(|e| AppError::other(e.to_string()))
    };
    put(PENDING_UID, user.to_string())?;
    put(PENDING_AT, Utc::now().timestamp().to_string())?;
    put(PENDING_PASSWORD, crate::web::form::seen_of(password_hash))?;
    put(PENDING_NEXT, next.to_owned())
}

/// Whether `password_hash` is still the one the pending code follows.
fn same_password(session: &Session, password_hash: &str) -> bool {
    session.get::<String>(PENDING_PASSWORD).ok().flatten()
        == Some(crate::web::form::seen_of(password_hash))
}

/// The user whose code this session waits for, while the password is fresh.
fn pending(session: &Session) -> Option<(i64, String)> {
    let get = |k: &str| session.get::<String>(k).ok().flatten();
    let at: i64 = get(PENDING_AT)?.parse().ok()?;
    if Utc::now().timestamp() - at > PENDING_SECS {
        return None;
    }
    let uid = get(PENDING_UID)?.parse().ok()?;
    Some((uid, get(PENDING_NEXT).unwrap_or_else(|| "/".into())))
}

fn forget_pending(session: &Session) {
    for k in [PENDING_UID, PENDING_AT, PENDING_PASSWORD, PENDING_NEXT] {
        session.remove(k);
    }
}

/// Back to the password, saying the code came too late; the page the
/// sign-in asked for is asked again.
fn start_again(session: &Session, ctx: &PageCtx) -> HttpResponse {
    let next = session.get::<String>(PENDING_NEXT).ok().flatten();
    forget_pending(session);
    flash(session, Tone::Error, ctx.t("totp.expired"));
    match next.filter(|n| n != "/") {
        Some(n) => {
            let mut url = String::from("/login?next=");
            url.extend(url::form_urlencoded::byte_serialize(n.as_bytes()));
            see_other(&url)
        }
        None => see_other("/login"),
    }
}

fn code_page(
    ctx: &PageCtx,
    errors: &FieldErrors,
    general: Option<String>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let body = CodePage {
        ctx,
        errors,
        general,
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /login/code
pub async fn code_form(ctx: PageCtx, session: Session) -> Result<HttpResponse, AppError> {
    if ctx.user.is_some() {
        return Ok(see_other("/"));
    }
    if pending(&session).is_none() {
        return Ok(start_again(&session, &ctx));
    }
    code_page(&ctx, &FieldErrors::new(ctx.locale), None, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    code: String,
}

/// POST /login/code: the code after the password; signs in when it is right.
/// Wrong codes count towards the account's lockout like wrong passwords.
pub async fn code(
    ctx: PageCtx,
    session: Session,
    mut conn: DbConn,
    Form(form): Form<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let Some((uid, next)) = pending(&session) else {
        return Ok(start_again(&session, &ctx));
    };
    let user = users::get(&mut conn, uid).await?;
    let second = totp::of(&mut conn, uid).await?;
    let Some(second) =
        second.filter(|_| user.active && same_password(&session, &user.password_hash))
    else {
        // Deactivated, the second factor turned off or the password changed
        // meanwhile: start over.
        return Ok(start_again(&session, &ctx));
    };
    let meta = audit::Meta {
        actor_id: Some(uid),
        ..ctx.meta()
    };
    let mut errors = FieldErrors::new(ctx.locale);
    let attempt = match super::handlers::guarded(&mut conn, &ctx, &user.username).await? {
        Ok(a) => a,
        Err(refused) => {
            return code_page(&ctx, &errors, Some(refused), StatusCode::TOO_MANY_REQUESTS)
        }
    };
    if let Err(key) = spend(&mut conn, uid, &second.secret, &form.code).await? {
        let lock = attempt.failed(&mut conn).await?;
        audit::record(
            &mut conn,
            &meta,
            "auth.code_failed",
            Some(("user", uid.to_string())),
            json!({ "reused": key == USED, "locked": lock.is_some() }),
        )
        .await?;
        if let Some(lock) = lock {
            let message = super::handlers::lock_message(&ctx, &lock);
            return code_page(&ctx, &errors, Some(message), StatusCode::TOO_MANY_REQUESTS);
        }
        errors.add("code", key);
        return code_page(&ctx, &errors, None, StatusCode::UNPROCESSABLE_ENTITY);
    }
    attempt.succeeded(&mut conn).await?;
    throttle::clear_account(&mut conn, &user.username).await?;
    audit::record(
        &mut conn,
        &meta,
        "auth.login",
        Some(("user", uid.to_string())),
        json!({ "second_factor": true }),
    )
    .await?;
    // Signed in from here: a new session id, and a new CSRF token with it.
    forget_pending(&session);
    session.renew();
    session
        .insert(UID_KEY, uid)
        .map_err(|e| AppError::other(e.to_string()))?;
    rotate_csrf(&session);
    super::handlers::onward(&session, user.must_change_password, &next)
}

/// The account page of the second factor, on or being set up.
fn totp_page(
    page: &UserPage,
    session: &Session,
    second: Option<&SecondFactor>,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let setup = match second {
        Some(_) => None,
        None => {
            let secret = match setup_secret(session) {
                Some(s) => s,
                None => {
                    let s = totp::new_secret();
                    session
                        .insert(SETUP_KEY, crate::db::sealed::seal(&s))
                        .map_err(|e| AppError::other(e.to_string()))?;
                    s
                }
            };
            let qr = totp::qr_code(&secret, &page.user().username)
                .ok_or_else(|| AppError::other("the second factor's QR code"))?;
            Some((totp::grouped(&secret), qr))
        }
    };
    let body = TotpPage {
        ctx: page.ctx(),
        enabled_at: second.map(|s| page.ctx().datetime(&s.enabled_at)),
        setup,
        errors,
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /account/totp
pub async fn account(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
) -> Result<HttpResponse, AppError> {
    let second = totp::of(&mut conn, page.user().id).await?;
    let errors = FieldErrors::new(page.locale);
    totp_page(&page, &session, second.as_ref(), &errors, StatusCode::OK)
}

#[derive(Deserialize)]
pub struct EnableForm {
    #[serde(default)]
    code: String,
    /// The account's current password: whoever holds a signed-in browser
    /// alone cannot tie the account to their own phone.
    #[serde(default)]
    password: String,
}

/// POST /account/totp: turns the second factor on with the current password and
/// the first code of the secret shown; every other session of the user ends.
pub async fn enable(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    Verbatim(form): Verbatim<EnableForm>,
) -> Result<HttpResponse, AppError> {
    let me = page.user().id;
    let secret = setup_secret(&session);
    let second = totp::of(&mut conn, me).await?;
    let (Some(secret), None) = (secret, &second) else {
        // Already on (a second click), or no secret shown in this session.
        return Ok(see_other("/account/totp"));
    };
    let mut errors = FieldErrors::new(page.locale);
    // The form is read verbatim for the password; the code as other forms read
    // it (full-width digits from a Chinese input method are digits).
    let code = crate::web::form::half_width(&form.code).unwrap_or(form.code);
    let step = totp::matched_step(&secret, &code, Utc::now());
    if step.is_none() {
        errors.add("code", wrong(&code));
    }
    super::handlers::check_current(&mut conn, &page, &form.password, "password", &mut errors)
        .await?;
    let (Some(step), true) = (step, errors.is_empty()) else {
        return totp_page(
            &page,
            &session,
            None,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let meta = page.meta();
    conn.transaction::<_, AppError, _>(async |conn| {
        if totp::enable(conn, me, &secret, step).await? {
            users::end_sessions(conn, me).await?;
            audit::record(
                conn,
                &meta,
                "auth.totp_enabled",
                Some(("user", me.to_string())),
                json!({}),
            )
            .await?;
        }
        Ok(())
    })
    .await?;
    session.remove(SETUP_KEY);
    session.renew();
    flash(&session, Tone::Ok, page.t("totp.enabled"));
    Ok(see_other("/account/totp"))
}

/// The field error for a code that did not match.
fn wrong(code: &str) -> &'static str {
    match totp::well_formed(code) {
        None => "totp.code_format",
        Some(_) => "totp.code_wrong",
    }
}

/// The field error for a right code used before.
const USED: &str = "totp.code_used";

/// Checks `code` against the user's `secret` and spends it, so that it is never
/// accepted again. Else the catalog key of the field error.
async fn spend(
    conn: &mut DbConn,
    user: i64,
    secret: &str,
    code: &str,
) -> Result<Result<(), &'static str>, AppError> {
    let Some(step) = totp::matched_step(secret, code, Utc::now()) else {
        return Ok(Err(wrong(code)));
    };
    Ok(if totp::use_step(conn, user, step).await? {
        Ok(())
    } else {
        Err(USED)
    })
}

/// POST /account/totp/disable: turns the second factor off, with a current code.
pub async fn disable(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    Form(form): Form<CodeForm>,
) -> Result<HttpResponse, AppError> {
    let me = page.user().id;
    let Some(second) = totp::of(&mut conn, me).await? else {
        return Ok(see_other("/account/totp"));
    };
    let mut errors = FieldErrors::new(page.locale);
    let username = page.user().username.clone();
    let refused = match super::handlers::guarded(&mut conn, page.ctx(), &username).await? {
        Err(locked) => Some(locked),
        Ok(attempt) => match spend(&mut conn, me, &second.secret, &form.code).await? {
            Ok(()) => {
                attempt.succeeded(&mut conn).await?;
                None
            }
            Err(key) => Some(match attempt.failed(&mut conn).await? {
                Some(lock) => super::handlers::lock_message(page.ctx(), &lock),
                None => page.t(key).to_owned(),
            }),
        },
    };
    if let Some(message) = refused {
        errors.add_text("code", message);
        return totp_page(
            &page,
            &session,
            Some(&second),
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let meta = page.meta();
    conn.transaction::<_, AppError, _>(async |conn| {
        if totp::disable(conn, me).await? {
            audit::record(
                conn,
                &meta,
                "auth.totp_disabled",
                Some(("user", me.to_string())),
                json!({}),
            )
            .await?;
        }
        Ok(())
    })
    .await?;
    flash(&session, Tone::Ok, page.t("totp.disabled"));
    Ok(see_other("/account/totp"))
}
