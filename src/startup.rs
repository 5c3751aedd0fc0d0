//! Builds the application: middleware in order, then every feature's routes.
use actix_session::config::{BrowserSession, CookieContentSecurity};
use actix_session::SessionMiddleware;
use actix_web::cookie::SameSite;
use actix_web::dev::Server;
use actix_web::middleware::{from_fn, Compress};
use actix_web::{web, App, HttpResponse, HttpServer};
use anyhow::Context;
use diesel_async::RunQueryDsl;
use std::net::TcpListener;
use tracing_actix_web::TracingLogger;

use crate::auth::session_store::{PgSessionStore, SessionCache};
use crate::config::Config;
use crate::db::changes::Changes;
use crate::db::{self, Pool};
use crate::web::{errors, middleware as mw};

/// Migrates, then serves until stopped.
pub async fn serve(config: Config) -> anyhow::Result<()> {
    let n = db::migrate(&config.database_url, config.today()).await?;
    if n > 0 {
        tracing::info!(migrations = n, "database migrated");
    }
    crate::db::sealed::install(config.data_key.as_deref());
    crate::auth::throttle::install(config.session_key.master());
    let mut conn = <diesel_async::AsyncPgConnection as diesel_async::AsyncConnection>::establish(
        &config.database_url,
    )
    .await
    .context("connecting to the database")?;
    crate::db::sealed::at_start(&mut conn).await?;
    drop(conn);
    if config.session_key_is_ephemeral {
        tracing::warn!("SESSION_KEY is not set: sign-ins end when this process stops, and several instances cannot share sessions");
    }
    let listener =
        TcpListener::bind(&config.bind).with_context(|| format!("binding {}", config.bind))?;
    let addr = listener.local_addr()?;
    let pool = db::pool(&config.database_url, config.db_pool_size)?;
    // Background work: the mail worker (only with SMTP_URL; otherwise mail waits in
    // the outbox, readable at /admin/mail) and the periodic jobs.
    match crate::mail::Worker::new(pool.clone(), &config)? {
        Some(worker) => {
            worker.spawn();
        }
        None => tracing::warn!("SMTP_URL is not set: mail is kept in the outbox, not sent"),
    }
    crate::jobs::spawn(pool.clone(), config.clone());
    let server = build(config.clone(), pool, listener)?;
    println!(
        "kefu is serving on http://{addr}/  (public address: {})",
        config.base_url
    );
    server.await.context("server")
}

/// The HTTP server on `listener`, not yet running (tests run it on port 0).
pub fn build(config: Config, pool: Pool, listener: TcpListener) -> anyhow::Result<Server> {
    build_with_changes(config, pool, listener, Changes::default())
}

/// As [`build`], sharing the record of change notices with the caller (tests use
/// it to wait for notices about their own SQL). Must run inside a Tokio runtime:
/// it starts the listener for change notices.
pub fn build_with_changes(
    config: Config,
    pool: Pool,
    listener: TcpListener,
    changes: Changes,
) -> anyhow::Result<Server> {
    let workers = config.workers;
    db::changes::spawn_listener(config.database_url.clone(), changes.clone());
    let sessions = SessionCache::new(changes.clone());
    let published = web::Data::new(crate::handbook::queries::PublishedContent::default());
    let handbook = web::Data::new(crate::handbook::current::KeptCurrent::new(changes.clone()));
    let inboxes = web::Data::new(crate::approvals::queries::KeptInboxes::new(
        changes.clone(),
        crate::approvals::queries::KEPT_INBOXES,
    ));
    let buildings = web::Data::new(crate::keys::queries::BuildingChoices::new(changes.clone()));
    let required_docs = web::Data::new(crate::archives::queries::RequiredCounts::new(
        changes.clone(),
    ));
    let key_pages = web::Data::new(crate::keys::queries::KeptKeyPages::new(
        changes.clone(),
        crate::keys::queries::TOPIC,
        db::changes::KEPT_PAGES,
    ));
    let loan_pages = web::Data::new(crate::keys::queries::KeptLoanPages::new(
        changes.clone(),
        crate::keys::queries::TOPIC,
        db::changes::KEPT_PAGES,
    ));
    let overdue = web::Data::new(crate::keys::queries::KeptOverdue::new(
        changes.clone(),
        crate::keys::queries::TOPIC,
        1,
    ));
    let due_papers = web::Data::new(crate::archives::queries::KeptDue::new(
        changes.clone(),
        crate::archives::queries::TOPIC,
        1,
    ));
    let overdue_borrows = web::Data::new(crate::archives::queries::KeptOverdueBorrows::new(
        changes.clone(),
        crate::archives::queries::TOPIC,
        1,
    ));
    let open_visits = web::Data::new(crate::visits::queries::KeptOpen::new(
        changes.clone(),
        crate::visits::queries::TOPIC,
        1,
    ));
    let waiting_violations = web::Data::new(crate::violations::queries::KeptWaiting::new(
        changes.clone(),
        crate::violations::queries::TOPIC,
        1,
    ));
    let open_complaints = web::Data::new(crate::complaints::queries::KeptOpen::new(
        changes.clone(),
        crate::complaints::queries::TOPIC,
        1,
    ));
    let waiting_contracts = web::Data::new(crate::contracts::queries::KeptWaiting::new(
        changes.clone(),
        crate::contracts::queries::TOPIC,
        1,
    ));
    let gauges = web::Data::new(crate::handbook::registers::Gauges {
        overdue_loans: overdue.clone(),
        due_papers,
        overdue_borrows: overdue_borrows.clone(),
        open_visits,
        waiting_violations,
        open_complaints,
        waiting_contracts,
    });
    let archive_pages = web::Data::new(crate::archives::queries::KeptPages::new(
        changes.clone(),
        crate::archives::queries::TOPIC,
        db::changes::KEPT_PAGES,
    ));
    let config = web::Data::new(config);
    let pool = web::Data::new(pool);
    let server = HttpServer::new(move || {
        // One shared read connection per worker (see `db`).
        let reader = db::Reader::new(&config.database_url);
        let store = PgSessionStore::new(reader.clone(), sessions.clone(), config.clone());
        let cookie_name = if config.https() {
            "__Host-kefu_session"
        } else {
            "kefu_session"
        };
        let session = SessionMiddleware::builder(store, config.session_key.clone())
            .cookie_name(cookie_name.into())
            .cookie_secure(config.https())
            .cookie_http_only(true)
            .cookie_same_site(SameSite::Lax)
            .cookie_path("/".into())
            .cookie_content_security(CookieContentSecurity::Private)
            .session_lifecycle(BrowserSession::default().state_ttl(
                actix_web::cookie::time::Duration::seconds(config.session_idle.as_secs() as i64),
            ))
            .build();
        App::new()
            // A form's body is read whole up to the CSRF check's limit (the
            // extractor's default would stop at 256 KiB).
            .app_data(web::PayloadConfig::new(crate::web::middleware::FORM_LIMIT))
            .app_data(config.clone())
            .app_data(pool.clone())
            .app_data(reader)
            .app_data(changes.clone())
            .app_data(published.clone())
            .app_data(handbook.clone())
            .app_data(inboxes.clone())
            .app_data(buildings.clone())
            .app_data(required_docs.clone())
            .app_data(key_pages.clone())
            .app_data(loan_pages.clone())
            .app_data(overdue.clone())
            .app_data(overdue_borrows.clone())
            .app_data(archive_pages.clone())
            .app_data(gauges.clone())
            .wrap(mw::security_headers(config.https()))
            .wrap(from_fn(mw::request_id_header))
            .wrap(Compress::default())
            .wrap(TracingLogger::<crate::telemetry::RootSpan>::new())
            .route("/healthz", web::get().to(healthz))
            .configure(|cfg| bench_limit(cfg, &config.database_url))
            .service(
                web::scope("/static")
                    .wrap(
                        actix_web::middleware::DefaultHeaders::new()
                            .add(("Cache-Control", "public, max-age=3600")),
                    )
                    .service(actix_files::Files::new("", static_dir())),
            )
            .service(
                web::scope("")
                    .wrap(from_fn(mw::csrf))
                    .wrap(errors::handlers())
                    .wrap(from_fn(mw::identity))
                    .wrap(session)
                    // The session's and identity's own failures (the database
                    // unreachable), which pass `handlers` by.
                    .wrap(from_fn(errors::caught))
                    .wrap(mw::no_store())
                    .configure(routes)
                    .default_service(web::to(errors::not_found)),
            )
    })
    .workers(workers)
    // An idle connection stays open longer than a reverse proxy or a browser
    // keeps one to reuse (nginx: 60 s, browsers: about as long). With actix's
    // 5 s default, a request sent on a connection just as the server closed it
    // was reset: a proxy answers a POST it cannot retry with a 502.
    .keep_alive(std::time::Duration::from_secs(KEEP_ALIVE_SECS))
    .listen(listener)?
    .run();
    Ok(server)
}

/// How long an idle client connection is kept open, in seconds.
pub const KEEP_ALIVE_SECS: u64 = 75;

/// Every feature's routes. A new feature adds one line here, and puts its pages
/// in a `web::scope` of its prefix (`/keys`, `/admin/users`). The router tries
/// routes in order and a route with a `{id}` is a regular expression: one flat
/// list had a request to the last feature try some seventy of them (about a tenth
/// of the baseline's CPU in bench/). A scope's static prefix is a string compare,
/// and even that costs each request about 30 ns a candidate (actix sets up a
/// capture array for every one it tries), so the administrator's pages share one
/// `/admin` scope, and a feature's top-level routes are fixed paths, never
/// patterns (`web::export::routes`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    crate::home::routes(cfg);
    crate::auth::routes(cfg);
    cfg.service(
        web::scope("/admin")
            .configure(crate::users::routes)
            .configure(crate::audit::routes)
            .configure(crate::mail::routes)
            .configure(crate::jobs::routes),
    );
    crate::handbook::routes(cfg);
    crate::properties::routes(cfg);
    crate::approvals::routes(cfg);
    crate::leave::routes(cfg);
    crate::visits::routes(cfg);
    crate::violations::routes(cfg);
    crate::complaints::routes(cfg);
    crate::meetings::routes(cfg);
    crate::contracts::routes(cfg);
    crate::archives::routes(cfg);
    crate::keys::routes(cfg);
    crate::forms::routes(cfg);
    #[cfg(feature = "bench")]
    crate::bench::routes(cfg);
}

/// The benchmark's upper bound, outside the site's middleware (`bench` builds only).
#[cfg_attr(not(feature = "bench"), allow(unused_variables))]
fn bench_limit(cfg: &mut web::ServiceConfig, database_url: &str) {
    #[cfg(feature = "bench")]
    crate::bench::limit_routes(cfg, database_url);
}

/// Static files ship next to the binary's crate; KEFU_STATIC_DIR overrides.
fn static_dir() -> String {
    std::env::var("KEFU_STATIC_DIR")
        .unwrap_or_else(|_| concat!(env!("CARGO_MANIFEST_DIR"), "/static").into())
}

/// GET /healthz: 200 when the database answers, 503 when it does not.
async fn healthz(pool: web::Data<Pool>) -> HttpResponse {
    let ok = match tokio::time::timeout(std::time::Duration::from_secs(3), pool.get()).await {
        Ok(Ok(mut conn)) => diesel::sql_query("SELECT 1")
            .execute(&mut conn)
            .await
            .is_ok(),
        _ => false,
    };
    if ok {
        HttpResponse::Ok().content_type("text/plain").body("ok")
    } else {
        HttpResponse::ServiceUnavailable()
            .content_type("text/plain")
            .body("unavailable")
    }
}
