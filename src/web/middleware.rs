//! Request middleware shared by every page: who is asking and in which language,
//! the CSRF and Origin checks, and the response headers.
use actix_session::SessionExt;
use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::http::{header, Method};
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, HttpRequest};
use futures_util::StreamExt;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Arc;
use subtle::ConstantTimeEq;

use crate::auth::session_store::{USER_KEY, USER_LOAD_KEY};
use crate::auth::CurrentUser;
use crate::config::Config;
use crate::db::Pool;
use crate::error::AppError;
use crate::i18n::Locale;

pub const LANG_COOKIE: &str = "kefu_lang";

/// The signed-in user (if any) and the page language, worked out once per request.
#[derive(Clone)]
pub struct Identity {
    pub user: Option<Arc<CurrentUser>>,
    pub locale: Locale,
}

/// Language for a visitor who is not signed in: cookie, then `Accept-Language`.
pub fn negotiate_anonymous(req: &HttpRequest) -> Locale {
    if let Some(l) = req
        .cookie(LANG_COOKIE)
        .and_then(|c| Locale::parse(c.value()))
    {
        return l;
    }
    req.headers()
        .get(header::ACCEPT_LANGUAGE)
        .and_then(|v| v.to_str().ok())
        .and_then(Locale::from_accept_language)
        .unwrap_or_default()
}

fn lang_param(req: &ServiceRequest) -> Option<Locale> {
    url::form_urlencoded::parse(req.query_string().as_bytes())
        .find(|(k, _)| k == "lang")
        .and_then(|(_, v)| Locale::parse(&v))
}

/// Whether the request came from another site, as the browser says
/// (`Sec-Fetch-Site`): a link or an image on another page. A request without
/// the header (typed, bookmarked, or from an older browser) counts as this site's.
fn from_another_site(req: &ServiceRequest) -> bool {
    req.headers()
        .get("sec-fetch-site")
        .is_some_and(|v| !matches!(v.as_bytes(), b"same-origin" | b"none"))
}

/// Works out [`Identity`]. `?lang=` switches the language: it is remembered in a
/// cookie and, for a signed-in user, as their setting. Otherwise the order is the
/// user's setting, the cookie, then `Accept-Language`. A switch from another
/// site (an image there, or a link) shows that page in the language asked but
/// remembers nothing: no other site changes a user's setting, which also sets
/// the language of their mail.
pub async fn identity(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let user = session_user(&req.get_session());
    let asked = lang_param(&req);
    let chosen = asked.filter(|_| !from_another_site(&req));
    let locale = match (&asked, &user) {
        (Some(l), _) => *l,
        (None, Some(u)) => u.locale,
        (None, None) => negotiate_anonymous(req.request()),
    };
    if let (Some(l), Some(u)) = (chosen, &user) {
        if u.locale != l {
            if let Some(pool) = req.app_data::<web::Data<Pool>>() {
                let mut conn = pool.get().await.map_err(AppError::from)?;
                crate::users::queries::set_locale(&mut conn, u.id, l)
                    .await
                    .map_err(AppError::from)?;
                wrote(req.request()).await;
            }
        }
    }
    let user = user.map(|mut u| {
        if u.locale != locale {
            Arc::make_mut(&mut u).locale = locale;
        }
        u
    });
    req.extensions_mut().insert(Identity { user, locale });
    crate::web::flash::arrive(&req);
    let session = req.get_session();
    let writes = !matches!(*req.method(), Method::GET | Method::HEAD);
    let mut res = next.call(req).await?;
    crate::web::flash::carry(&session, &mut res)?;
    if writes {
        wrote(res.request()).await;
    }
    if let Some(l) = chosen {
        let secure = secure_cookies(res.request());
        let cookie = Cookie::build(LANG_COOKIE, l.code())
            .path("/")
            .same_site(SameSite::Lax)
            .secure(secure)
            .http_only(true)
            .max_age(actix_web::cookie::time::Duration::days(365))
            .finish();
        res.response_mut().add_cookie(&cookie)?;
    }
    Ok(res)
}

/// How many parsed users a worker keeps (see [`session_user`]); about a kilobyte each.
const PARSED_USERS: usize = 1024;

/// The signed-in user, as the session store put their current record in the
/// session (JSON under [`USER_KEY`]; see `auth::session_store`). Parsing it is a
/// good part of a page's own work, and while the store serves a session from
/// memory every request hands over the same record, so each worker keeps what
/// it parsed under the number the store gave that load ([`USER_LOAD_KEY`],
/// never reused by this instance): a kept user is exactly what the JSON says.
fn session_user(session: &actix_session::Session) -> Option<Arc<CurrentUser>> {
    thread_local! {
        static PARSED: RefCell<HashMap<u64, Arc<CurrentUser>>> = RefCell::new(HashMap::new());
    }
    let entries = session.entries();
    let json = entries.get(USER_KEY)?;
    let load = entries
        .get(USER_LOAD_KEY)
        .and_then(|v| v.parse::<u64>().ok());
    if let Some(user) = load.and_then(|n| PARSED.with(|p| p.borrow().get(&n).cloned())) {
        return Some(user);
    }
    let user = match serde_json::from_str::<CurrentUser>(json) {
        Ok(user) => Arc::new(user),
        Err(e) => {
            tracing::error!(error = %e, "the session's user does not parse");
            return None;
        }
    };
    if let Some(n) = load {
        PARSED.with(|p| {
            let mut parsed = p.borrow_mut();
            if parsed.len() >= PARSED_USERS {
                parsed.clear();
            }
            parsed.insert(n, user.clone());
        });
    }
    Some(user)
}

/// Whether cookies this site sets carry `Secure` (served over https).
pub fn secure_cookies(req: &HttpRequest) -> bool {
    req.app_data::<web::Data<Config>>()
        .is_some_and(|c| c.https())
}

/// A form was handled (or a setting saved): before the answer leaves, this
/// instance has seen the change's notices, so the next page shows the change
/// (see `db::changes`).
async fn wrote(req: &HttpRequest) {
    let changes = req.app_data::<crate::db::changes::Changes>();
    let reader = req.app_data::<crate::db::Reader>();
    if let (Some(changes), Some(reader)) = (changes, reader) {
        changes.wrote(reader).await;
    }
}

/// Largest url-encoded form body the CSRF check reads.
pub const FORM_LIMIT: usize = 1 << 20;
/// Largest multipart body (file uploads: scans up to 20 MB, imports).
pub const UPLOAD_LIMIT: usize = 25 << 20;

/// Reads the whole body, up to `limit` bytes.
async fn read_body(
    req: &mut ServiceRequest,
    limit: usize,
) -> Result<Option<web::Bytes>, actix_web::Error> {
    let mut payload = req.take_payload();
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > limit {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body.freeze()))
}

/// The `csrf_token` field of a multipart body, if it has one.
async fn multipart_token(content_type: &str, body: web::Bytes) -> Option<String> {
    let boundary = multer::parse_boundary(content_type).ok()?;
    let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
    let mut parts = multer::Multipart::new(stream, boundary);
    while let Ok(Some(field)) = parts.next_field().await {
        if field.name() == Some("csrf_token") {
            return field.text().await.ok();
        }
    }
    None
}

/// Refuses state-changing requests that do not come from one of our own forms:
/// a cross-site `Origin`, or a missing or wrong `csrf_token` (form field, or the
/// `X-CSRF-Token` header for scripts). Refused requests never reach a handler.
pub async fn csrf(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<actix_web::body::BoxBody>, actix_web::Error> {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return Ok(next.call(req).await?.map_into_boxed_body());
    }
    if !same_origin(&req) {
        tracing::warn!("cross-origin POST refused");
        return Ok(req.error_response(AppError::Csrf));
    }
    let expected = crate::web::context::expected_csrf(&req);
    let mut given = req
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let is_form = content_type.starts_with("application/x-www-form-urlencoded");
    let is_multipart = content_type.starts_with("multipart/form-data");
    if given.is_none() && (is_form || is_multipart) {
        // Read the body to find the token, then hand the same bytes to the handler.
        let limit = if is_form { FORM_LIMIT } else { UPLOAD_LIMIT };
        let Some(body) = read_body(&mut req, limit).await? else {
            return Ok(req.error_response(actix_web::error::ErrorPayloadTooLarge("too large")));
        };
        given = if is_form {
            url::form_urlencoded::parse(&body)
                .find(|(k, _)| k == "csrf_token")
                .map(|(_, v)| v.into_owned())
        } else {
            multipart_token(&content_type, body.clone()).await
        };
        req.set_payload(Payload::from(body));
    }
    let ok = match (expected, given) {
        (Some(e), Some(g)) => e.as_bytes().ct_eq(g.as_bytes()).into(),
        _ => false,
    };
    if !ok {
        tracing::warn!("POST without a valid CSRF token refused");
        return Ok(req.error_response(AppError::Csrf));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

/// An `Origin` header, when sent, must be this site's (BASE_URL, or the Host the
/// request came to).
fn same_origin(req: &ServiceRequest) -> bool {
    let Some(origin) = req
        .headers()
        .get(header::ORIGIN)
        .and_then(|v| v.to_str().ok())
    else {
        return true;
    };
    if let Some(c) = req.app_data::<web::Data<Config>>() {
        if origin == c.origin() {
            return true;
        }
    }
    let info = req.connection_info();
    origin == format!("{}://{}", info.scheme(), info.host())
}

/// Adds `X-Request-Id` to every response, so a user can quote it.
pub async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let mut res = next.call(req).await?;
    let id = crate::web::context::request_id(res.request());
    if let Ok(v) = header::HeaderValue::from_str(&id) {
        res.headers_mut()
            .insert(header::HeaderName::from_static("x-request-id"), v);
    }
    Ok(res)
}

/// The security headers every response carries; with `https` (BASE_URL is
/// https), browsers are also told to come back over https only (HSTS).
pub fn security_pairs(https: bool) -> Vec<(header::HeaderName, &'static str)> {
    let mut pairs = vec![
        (
            header::CONTENT_SECURITY_POLICY,
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; \
             frame-ancestors 'none'; form-action 'self'",
        ),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::REFERRER_POLICY, "same-origin"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (
            header::HeaderName::from_static("permissions-policy"),
            "camera=(), microphone=(), geolocation=()",
        ),
    ];
    if https {
        pairs.push((header::STRICT_TRANSPORT_SECURITY, "max-age=31536000"));
    }
    pairs
}

/// [`security_pairs`] on every response the app answers with `Ok` (a
/// middleware's `Err` passes it by: [`crate::web::errors::caught`] adds them).
pub fn security_headers(https: bool) -> actix_web::middleware::DefaultHeaders {
    security_pairs(https)
        .into_iter()
        .fold(actix_web::middleware::DefaultHeaders::new(), |h, pair| {
            h.add(pair)
        })
}

/// Pages behind sign-in must not be kept by the browser or a proxy.
pub fn no_store() -> actix_web::middleware::DefaultHeaders {
    actix_web::middleware::DefaultHeaders::new().add((header::CACHE_CONTROL, "no-store"))
}
