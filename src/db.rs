//! The connection pool, embedded migrations, and the `DbConn` extractor handlers use.
use crate::error::AppError;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use anyhow::Context;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::{deadpool, AsyncDieselConnectionManager};
use diesel_async::AsyncPgConnection;
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use futures_util::future::LocalBoxFuture;
use std::ops::{Deref, DerefMut};
use std::time::Duration;

pub type Pool = deadpool::Pool<AsyncPgConnection>;
pub type PooledConn = deadpool::Object<AsyncPgConnection>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Serialises migrations when several instances start at once.
const MIGRATION_LOCK: i64 = 0x6b65_6675_0001;

pub fn pool(database_url: &str, size: usize) -> anyhow::Result<Pool> {
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new(database_url);
    deadpool::Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(Duration::from_secs(10)))
        .create_timeout(Some(Duration::from_secs(5)))
        .runtime(::deadpool::Runtime::Tokio1)
        .build()
        .context("building the database pool")
}

/// Applies pending migrations, then installs default content where missing (the
/// bundled handbook); returns how many migrations ran.
pub async fn migrate(database_url: &str) -> anyhow::Result<usize> {
    let ran = run_migrations(database_url).await?;
    crate::handbook::ensure_seeded(database_url).await?;
    Ok(ran)
}

async fn run_migrations(database_url: &str) -> anyhow::Result<usize> {
    let url = database_url.to_owned();
    tokio::task::spawn_blocking(move || -> anyhow::Result<usize> {
        use diesel::{Connection, RunQueryDsl};
        let mut conn = AsyncConnectionWrapper::<AsyncPgConnection>::establish(&url)
            .context("connecting to the database to migrate")?;
        diesel::sql_query(format!("SELECT pg_advisory_lock({MIGRATION_LOCK})"))
            .execute(&mut conn)?;
        let ran = conn
            .run_pending_migrations(MIGRATIONS)
            .map_err(|e| anyhow::anyhow!("running migrations: {e}"))?
            .len();
        diesel::sql_query(format!("SELECT pg_advisory_unlock({MIGRATION_LOCK})"))
            .execute(&mut conn)?;
        Ok(ran)
    })
    .await
    .context("migration task")?
}

/// True for a unique-constraint violation: a name taken, or a double submit that
/// lost the race (handlers turn it into a message on the form).
pub fn is_unique_violation(e: &diesel::result::Error) -> bool {
    matches!(
        e,
        diesel::result::Error::DatabaseError(diesel::result::DatabaseErrorKind::UniqueViolation, _)
    )
}

/// A pooled connection, taken for the length of one request.
pub struct DbConn(pub PooledConn);

impl Deref for DbConn {
    type Target = AsyncPgConnection;
    fn deref(&self) -> &Self::Target {
        &self.0
    }
}

impl DerefMut for DbConn {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.0
    }
}

impl FromRequest for DbConn {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let pool = req.app_data::<web::Data<Pool>>().cloned();
        Box::pin(async move {
            let pool = pool.ok_or_else(|| AppError::Other(anyhow::anyhow!("no pool")))?;
            Ok(DbConn(pool.get().await?))
        })
    }
}
