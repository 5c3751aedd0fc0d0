//! Error pages: 403, 404, 500 and friends drawn in the layout, in the user's
//! language, with the request id to quote. No internals are shown.
use actix_web::body::{BoxBody, EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::middleware::{ErrorHandlerResponse, ErrorHandlers};
use actix_web::HttpMessage;
use actix_web::HttpResponse;
use askama::Template;

use crate::error::AppError;
use crate::web::PageCtx;

#[derive(Template)]
#[template(path = "errors/error.html")]
struct ErrorPage<'a> {
    ctx: &'a PageCtx,
    status: u16,
    title: &'static str,
    message: &'static str,
    /// For a form sent after the session ended: sign in again, then back to the form.
    sign_in_again: Option<String>,
}

pub fn handlers<B: 'static>() -> ErrorHandlers<B> {
    ErrorHandlers::new().default_handler(render)
}

/// Draws the failure of a middleware inside it (the session store with the
/// database unreachable) as the error page. Such a failure is an `Err` that
/// passes [`handlers`] by, with a bare status line for its answer; the request
/// is gone by then, so the reader's language and the request id are noted
/// before it is passed on (the page is the anonymous one: no menu).
pub async fn caught(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req
        .extensions()
        .get::<tracing_actix_web::RequestId>()
        .copied();
    let locale = crate::web::middleware::negotiate_anonymous(req.request());
    let path = req.path().to_owned();
    let config = req.app_data::<actix_web::web::Data<crate::config::Config>>();
    let tz = config.map_or(chrono_tz::Asia::Shanghai, |c| c.tz);
    let https = config.is_some_and(|c| c.https());
    next.call(req).await.map_err(|e| {
        let status = e.as_response_error().status_code();
        tracing::error!(error = %e, "request failed before its page");
        let ctx = PageCtx {
            locale,
            user: None,
            csrf_token: String::new(),
            flash: Vec::new(),
            path,
            query: String::new(),
            request_id: id.map(|id| id.to_string()).unwrap_or_default(),
            ip: String::new(),
            tz,
        };
        let (title, message) = keys(status);
        let page = ErrorPage {
            ctx: &ctx,
            status: status.as_u16(),
            title: ctx.t(title),
            message: ctx.t(message),
            sign_in_again: None,
        };
        let body = page
            .render()
            .unwrap_or_else(|_| status.canonical_reason().unwrap_or("error").to_owned());
        // The error is answered as it is, past the layers that add these.
        let mut drawn = HttpResponse::build(status);
        drawn.content_type("text/html; charset=utf-8");
        drawn.insert_header((header::CACHE_CONTROL, "no-store"));
        for pair in crate::web::middleware::security_pairs(https) {
            drawn.insert_header(pair);
        }
        if let Some(id) = id {
            drawn.insert_header(("x-request-id", id.to_string()));
        }
        let drawn = drawn.body(body);
        actix_web::error::InternalError::from_response(e.to_string(), drawn).into()
    })
}

fn keys(status: StatusCode) -> (&'static str, &'static str) {
    match status.as_u16() {
        400 => ("error.400.title", "error.400.message"),
        403 => ("error.403.title", "error.403.message"),
        404 => ("error.404.title", "error.404.message"),
        405 => ("error.405.title", "error.405.message"),
        413 => ("error.413.title", "error.413.message"),
        503 => ("error.503.title", "error.503.message"),
        s if s < 500 => ("error.400.title", "error.400.message"),
        _ => ("error.500.title", "error.500.message"),
    }
}

/// Replaces the body of an error response with the error page. Responses a handler
/// drew itself (a form re-shown with 422, say) carry no error and are left alone.
fn render<B>(res: ServiceResponse<B>) -> actix_web::Result<ErrorHandlerResponse<B>> {
    let status = res.status();
    let drawn_by_handler = res.response().error().is_none() && status != StatusCode::NOT_FOUND;
    if drawn_by_handler {
        return Ok(ErrorHandlerResponse::Response(res.map_into_left_body()));
    }
    let ctx = PageCtx::peek(res.request());
    let (mut title, mut message) = keys(status);
    let app_error = res
        .response()
        .error()
        .and_then(|e| e.as_error::<AppError>());
    let csrf_failed = app_error.is_some_and(|e| matches!(e, AppError::Csrf));
    if app_error.is_some_and(|e| matches!(e, AppError::NoApprover)) {
        title = "error.no_approver.title";
        message = "error.no_approver.message";
    }
    // A form sent by a browser whose session has ended (idle timeout, signed out in
    // another tab): say so, and offer the way back to the form. The page the form
    // came from keeps what was typed (static/js/app.js), so nothing is lost.
    let sign_in_again = (csrf_failed && ctx.user.is_none()).then(|| {
        title = "error.session_expired.title";
        message = "error.session_expired.message";
        let back = referer_path(res.request()).unwrap_or_else(|| "/".into());
        let mut url = String::from("/login?next=");
        url.extend(url::form_urlencoded::byte_serialize(back.as_bytes()));
        url
    });
    let page = ErrorPage {
        ctx: &ctx,
        status: status.as_u16(),
        title: ctx.t(title),
        message: ctx.t(message),
        sign_in_again,
    };
    let body = page.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "error page failed to render");
        status.canonical_reason().unwrap_or("error").to_owned()
    });
    let (req, old) = res.into_parts();
    let mut new = HttpResponse::build(status);
    new.content_type("text/html; charset=utf-8");
    for (name, value) in old.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            new.append_header((name.clone(), value.clone()));
        }
    }
    let res: ServiceResponse<EitherBody<B, BoxBody>> =
        ServiceResponse::new(req, new.body(body)).map_into_right_body();
    Ok(ErrorHandlerResponse::Response(res))
}

/// The path of the page a request came from, when it is one of ours.
fn referer_path(req: &actix_web::HttpRequest) -> Option<String> {
    let url = crate::web::context::own_referer(req)?;
    let path = match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_owned(),
    };
    Some(crate::web::safe_next(Some(&path)))
}

/// Unknown paths.
pub async fn not_found() -> Result<HttpResponse, AppError> {
    Err(AppError::NotFound)
}
