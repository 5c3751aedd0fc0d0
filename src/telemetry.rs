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
        let target = request
            .uri()
            .path_and_query()
            .map(|p| p.as_str())
            .unwrap_or("");
        match redacted(target) {
            None => tracing_actix_web::DefaultRootSpanBuilder::on_request_start(request),
            // The same span, with the secret part of the target left out.
            Some(target) => {
                use actix_web::HttpMessage;
                use tracing::field::Empty;
                let route = request.match_pattern().unwrap_or_default();
                let request_id = request
                    .extensions()
                    .get::<tracing_actix_web::RequestId>()
                    .map(|id| id.to_string())
                    .unwrap_or_default();
                let info = request.connection_info().clone();
                tracing::info_span!(
                    "HTTP request",
                    http.method = %request.method(),
                    http.route = %route,
                    http.scheme = %info.scheme(),
                    http.host = %info.host(),
                    http.client_ip = %info.realip_remote_addr().unwrap_or(""),
                    http.target = %target,
                    http.status_code = Empty,
                    otel.name = %format!("{} {}", request.method(), route),
                    otel.kind = "server",
                    otel.status_code = Empty,
                    request_id = %request_id,
                    exception.message = Empty,
                    exception.details = Empty,
                )
            }
        }
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

/// Email-link tokens never reach the log: neither in the link's path nor in the
/// sign-in page's `next` parameter that carries it back.
fn redacted(target: &str) -> Option<String> {
    if target.starts_with("/approvals/link/") {
        return Some("/approvals/link/[token]".into());
    }
    let lower = target.to_ascii_lowercase();
    if lower.contains("approvals%2flink") || lower.contains("approvals/link") {
        let path = target.split('?').next().unwrap_or("");
        return Some(format!("{path}?[redacted]"));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::redacted;

    #[test]
    fn link_tokens_are_not_logged() {
        let token = "ab".repeat(32);
        let link = format!("/approvals/link/{token}");
        assert!(!redacted(&link).unwrap().contains(&token));
        let login = format!("/login?next=%2Fapprovals%2Flink%2F{token}");
        assert_eq!(redacted(&login).unwrap(), "/login?[redacted]");
        assert_eq!(redacted("/leave?before=3"), None);
    }
}
