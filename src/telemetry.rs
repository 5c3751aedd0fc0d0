//! Structured logs through `tracing`. `RUST_LOG` filters, `KEFU_LOG_FORMAT=json`
//! switches to one JSON object per line for log collectors.
use tracing_subscriber::{fmt, EnvFilter};

pub fn init() {
    init_with_default("info,actix_server=warn,tokio_postgres=warn");
}

/// As [`init`], with another filter when `RUST_LOG` is not set (tests use `warn`).
pub fn init_with_default(default_filter: &str) {
    let filter =
        EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default_filter));
    let json = std::env::var("KEFU_LOG_FORMAT").is_ok_and(|v| v == "json");
    let builder = fmt().with_env_filter(filter).with_target(false);
    // try_init: tests may initialise more than once.
    if json {
        let _ = builder.json().try_init();
    } else {
        let _ = builder.try_init();
    }
}

/// Request spans as tracing-actix-web draws them, except that a redirect to the
/// sign-in or password page (an `Err` with a 3xx status) is not marked as an error,
/// and every request ends with one log line.
pub struct RootSpan;

impl tracing_actix_web::RootSpanBuilder for RootSpan {
    fn on_request_start(request: &actix_web::dev::ServiceRequest) -> tracing::Span {
        tracing_actix_web::DefaultRootSpanBuilder::on_request_start(request)
    }

    fn on_request_end<B: actix_web::body::MessageBody>(
        span: tracing::Span,
        outcome: &Result<actix_web::dev::ServiceResponse<B>, actix_web::Error>,
    ) {
        let status = match outcome {
            Ok(res) => res.status(),
            Err(e) => e.as_response_error().status_code(),
        };
        match outcome {
            Ok(res) if res.status().is_redirection() => {
                span.record("http.status_code", res.status().as_u16());
            }
            _ => tracing_actix_web::DefaultRootSpanBuilder::on_request_end(span.clone(), outcome),
        }
        // One access-log line per request, inside the span that holds its request id.
        span.in_scope(|| tracing::info!(status = status.as_u16(), "request done"));
    }
}
