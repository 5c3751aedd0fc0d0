//! One error type for every handler. It only picks the status; the page itself is
//! drawn by `web::errors`, which knows the user's language and the request id.
use actix_web::{http::StatusCode, HttpResponse, ResponseError};
use diesel_async::pooled_connection::deadpool::PoolError;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("not found")]
    NotFound,
    #[error("forbidden")]
    Forbidden,
    #[error("CSRF check failed")]
    Csrf,
    #[error("bad request")]
    BadRequest,
    /// Not signed in: send the browser to the sign-in page, then back to `next`.
    #[error("sign-in required")]
    SignInRequired { next: String },
    /// A one-time password is in use: nothing but choosing a new one is allowed.
    #[error("password change required")]
    PasswordChangeRequired,
    /// A creating form sent again (`web::once`): 303 to what the first submit filed.
    #[error("form already sent")]
    FormAlreadySent { path: String },
    /// A request only its requester (or the person it is for) could approve:
    /// no one else holds a post that decides it, not even an administrator.
    #[error("no one but its parties could approve the request")]
    NoApprover,
    #[error("database error")]
    Db(#[from] diesel::result::Error),
    #[error("database pool error")]
    Pool(#[from] PoolError),
    #[error("template error")]
    Template(#[from] askama::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl AppError {
    pub fn other(msg: impl std::fmt::Display) -> Self {
        AppError::Other(anyhow::anyhow!("{msg}"))
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        match self {
            AppError::NotFound | AppError::Db(diesel::result::Error::NotFound) => {
                StatusCode::NOT_FOUND
            }
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::BadRequest => StatusCode::BAD_REQUEST,
            AppError::NoApprover => StatusCode::CONFLICT,
            AppError::SignInRequired { .. }
            | AppError::PasswordChangeRequired
            | AppError::FormAlreadySent { .. } => StatusCode::SEE_OTHER,
            AppError::Pool(_) => StatusCode::SERVICE_UNAVAILABLE,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn error_response(&self) -> HttpResponse {
        match self {
            AppError::SignInRequired { next } => {
                let mut url = String::from("/login");
                if next != "/" && !next.is_empty() {
                    url.push_str("?next=");
                    url.extend(url::form_urlencoded::byte_serialize(next.as_bytes()));
                }
                return crate::web::see_other(&url);
            }
            AppError::PasswordChangeRequired => return crate::web::see_other("/account/password"),
            AppError::FormAlreadySent { path } => return crate::web::see_other(path),
            _ => {}
        }
        let status = self.status_code();
        if status.is_server_error() {
            // The cause chain goes to the log (with the request id of the current span),
            // never to the page.
            let chain: Vec<String> =
                std::iter::successors(Some(self as &dyn std::error::Error), |e| e.source())
                    .map(|e| e.to_string())
                    .collect();
            tracing::error!(error = %chain.join(": "), "request failed");
        }
        HttpResponse::build(status)
            .content_type("text/plain; charset=utf-8")
            .body(status.canonical_reason().unwrap_or("error"))
    }
}

pub type AppResult<T> = Result<T, AppError>;
