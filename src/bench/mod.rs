//! Reference endpoints for `make bench` (see `bench/README.md`), compiled only
//! with the `bench` feature. Both serve the TechEmpower Fortunes page (read the
//! 12 rows of `bench_fortunes`, add one, sort, render a template):
//!
//! - `/bench/limit`: what the machine can do: a raw tokio-postgres connection
//!   per worker with a prepared statement, no middleware, no session;
//! - `/bench/baseline`: the same work through kefu's own path: every middleware,
//!   a signed-in session, the shared read connection and a diesel query.
//!
//! Every measured page is reported as a ratio to the baseline of the same round.
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use std::rc::Rc;
use tokio::sync::OnceCell;

use crate::db::ReadConn;
use crate::error::AppError;
use crate::web::{html, UserPage};

/// Creates and fills the table (idempotent): `make bench` and the smoke test run it.
pub const FORTUNES_SQL: &str = include_str!("../../bench/sql/fortunes.sql");

diesel::table! {
    bench_fortunes (id) {
        id -> Integer,
        message -> Text,
    }
}

#[derive(Queryable, Selectable)]
#[diesel(table_name = bench_fortunes)]
pub struct Fortune {
    pub id: i32,
    pub message: String,
}

#[derive(Template)]
#[template(path = "bench/fortunes.html")]
struct FortunesPage {
    fortunes: Vec<Fortune>,
}

/// The Fortunes logic both endpoints share once the rows are read.
fn fortunes_page(mut fortunes: Vec<Fortune>) -> Result<HttpResponse, AppError> {
    fortunes.push(Fortune {
        id: 0,
        message: "Additional fortune added at request time.".into(),
    });
    fortunes.sort_unstable_by(|a, b| a.message.cmp(&b.message));
    Ok(html(StatusCode::OK, FortunesPage { fortunes }.render()?))
}

/// Inside the site's middleware (session, identity, CSRF, errors, headers).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/bench/baseline", web::get().to(baseline));
}

/// Outside every middleware but the outer ones; one raw connection per worker.
pub fn limit_routes(cfg: &mut web::ServiceConfig, database_url: &str) {
    cfg.app_data(Limit {
        url: database_url.into(),
        conn: Rc::new(OnceCell::new()),
    })
    .route("/bench/limit", web::get().to(limit));
}

/// GET /bench/baseline: as a page of the site would do it.
async fn baseline(page: UserPage, conn: ReadConn) -> Result<HttpResponse, AppError> {
    let _signed_in = page.user();
    let rows = bench_fortunes::table
        .select(Fortune::as_select())
        .load(&mut conn.get())
        .await?;
    fortunes_page(rows)
}

/// The worker's raw connection and its prepared statement, opened on first use.
#[derive(Clone)]
struct Limit {
    url: Rc<str>,
    conn: Rc<OnceCell<(tokio_postgres::Client, tokio_postgres::Statement)>>,
}

async fn connect(
    url: &str,
) -> Result<(tokio_postgres::Client, tokio_postgres::Statement), tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await?;
    actix_web::rt::spawn(async move {
        if let Err(e) = connection.await {
            tracing::warn!(error = %e, "bench connection");
        }
    });
    let statement = client
        .prepare("SELECT id, message FROM bench_fortunes")
        .await?;
    Ok((client, statement))
}

/// GET /bench/limit
async fn limit(req: HttpRequest) -> Result<HttpResponse, AppError> {
    let limit = req
        .app_data::<Limit>()
        .cloned()
        .ok_or_else(|| AppError::Other(anyhow::anyhow!("no bench connection")))?;
    let (client, statement) = limit
        .conn
        .get_or_try_init(|| connect(&limit.url))
        .await
        .map_err(|e| AppError::Other(e.into()))?;
    let rows = client
        .query(statement, &[])
        .await
        .map_err(|e| AppError::Other(e.into()))?;
    fortunes_page(
        rows.iter()
            .map(|r| Fortune {
                id: r.get(0),
                message: r.get(1),
            })
            .collect(),
    )
}
