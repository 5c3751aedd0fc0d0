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
        use actix_web::HttpMessage;
        // The macro works out the fields only when the span is enabled (with the
        // subscriber `init` installs): under `RUST_LOG=warn` a request does not
        // format or redact its target for nothing.
        tracing::info_span!(
            "HTTP request",
            http.method = %request.method(),
            http.route = %request.match_pattern().unwrap_or_else(|| "default".into()),
            http.target = %redact(request.uri().path_and_query().map_or("", |p| p.as_str())),
            http.status_code = tracing::field::Empty,
            otel.status_code = tracing::field::Empty,
            request_id = %request
                .extensions()
                .get::<tracing_actix_web::RequestId>()
                .map(|id| id.to_string())
                .unwrap_or_default(),
            exception.message = tracing::field::Empty,
            exception.details = tracing::field::Empty,
        )
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

/// A request target fit for the log: path segments and query values that look like
/// secrets (long random tokens, as in e-mailed approval links) are replaced.
pub fn redact(target: &str) -> String {
    fn secret_like(s: &str) -> bool {
        s.len() >= 24
            && s.bytes().all(|b| {
                b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'%' || b == b'.'
            })
            && s.bytes().any(|b| b.is_ascii_digit())
    }
    let (path, query) = match target.split_once('?') {
        Some((p, q)) => (p, Some(q)),
        None => (target, None),
    };
    let mut out: String = path
        .split('/')
        .map(|seg| if secret_like(seg) { "[redacted]" } else { seg })
        .collect::<Vec<_>>()
        .join("/");
    if let Some(q) = query {
        let q: Vec<String> = q
            .split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) if secret_like(v) || k.contains("token") => format!("{k}=[redacted]"),
                _ => pair.to_owned(),
            })
            .collect();
        out.push('?');
        out.push_str(&q.join("&"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::redact;

    #[test]
    fn tokens_never_reach_the_log() {
        let t = "/approvals/link/3q2-9XbZkL0pQ7rT1uV5wY8aC4eG6iK2mN0oP9sR7tU";
        assert_eq!(redact(t), "/approvals/link/[redacted]");
        assert_eq!(redact("/x?token=abc&page=2"), "/x?token=[redacted]&page=2");
        assert_eq!(
            redact("/admin/audit?action=auth.login&before_id=12"),
            "/admin/audit?action=auth.login&before_id=12"
        );
        assert_eq!(redact("/admin/users/42/edit"), "/admin/users/42/edit");
        // The sign-in page's `next` carries the link back after sign-in.
        let token = "ab".repeat(32);
        let login = format!("/login?next=%2Fapprovals%2Flink%2F{token}");
        assert!(!redact(&login).contains(&token), "{}", redact(&login));
        assert_eq!(redact("/leave?before=3"), "/leave?before=3");
    }
}
