//! The connection pool, each worker's shared read connection, embedded
//! migrations, and the extractors handlers use: [`DbConn`] (pooled, for writes
//! and transactions) and [`ReadConn`] (shared, for reads).
//!
//! Why two: a pool checkout per request costs a round of locking and waiting for
//! a free connection, and a pooled connection carries one query at a time. A
//! diesel-async connection used through `&AsyncPgConnection` pipelines the
//! queries of every request of its worker, which measured about three times
//! faster on the Fortunes benchmark (see `bench/`). Reads take the shared one;
//! anything in a transaction takes a pooled one.
pub mod changes;
pub mod sealed;
pub mod with;

pub use with::With;

use crate::error::AppError;
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use anyhow::Context;
use diesel::connection::{Instrumentation, InstrumentationEvent};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::pooled_connection::{
    deadpool, AsyncDieselConnectionManager, ManagerConfig, RecyclingMethod,
};
use diesel_async::{AsyncConnectionCore, AsyncPgConnection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use futures_util::future::LocalBoxFuture;
use std::ops::{Deref, DerefMut};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub type Pool = deadpool::Pool<AsyncPgConnection>;
pub type PooledConn = deadpool::Object<AsyncPgConnection>;

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("migrations");

/// Serialises migrations when several instances start at once.
const MIGRATION_LOCK: i64 = 0x6b65_6675_0001;

/// A connection query functions run on: a pooled `AsyncPgConnection` (also inside
/// a transaction) or the worker's shared `&AsyncPgConnection`. Query functions
/// that only read take `conn: &mut impl Read` so both kinds of handler use them.
pub trait Read: AsyncConnectionCore<Backend = diesel::pg::Pg> {}
impl<C: AsyncConnectionCore<Backend = diesel::pg::Pg>> Read for C {}

/// How many rows one multi-row `INSERT` may carry when each row binds `values`
/// values: PostgreSQL's protocol counts a statement's bound values in 16 bits,
/// so a statement with more than 65,535 fails (a 500 for a form that names
/// thousands of papers, or a generated key set for a large building). Callers
/// insert `rows.chunks(db::rows_per_insert(n))` in one transaction.
pub const fn rows_per_insert(values: usize) -> usize {
    u16::MAX as usize / values
}

pub fn pool(database_url: &str, size: usize) -> anyhow::Result<Pool> {
    // `Fast`: the default (`Verified`) sends `SELECT 1` on every checkout, one more
    // round trip per request; a broken connection is noticed and dropped anyway.
    let mut manager_config = ManagerConfig::default();
    manager_config.recycling_method = RecyclingMethod::Fast;
    let manager = AsyncDieselConnectionManager::<AsyncPgConnection>::new_with_config(
        database_url,
        manager_config,
    );
    deadpool::Pool::builder(manager)
        .max_size(size)
        .wait_timeout(Some(Duration::from_secs(10)))
        .create_timeout(Some(Duration::from_secs(5)))
        .runtime(::deadpool::Runtime::Tokio1)
        .build()
        .context("building the database pool")
}

/// Applies pending migrations, then installs default content where missing (the
/// bundled handbook, published on `today`, the site's day); returns how many
/// migrations ran.
pub async fn migrate(database_url: &str, today: chrono::NaiveDate) -> anyhow::Result<usize> {
    let ran = run_migrations(database_url).await?;
    crate::handbook::ensure_seeded(database_url, today).await?;
    crate::approvals::end_deputyships_without_post(database_url, today).await?;
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

/// True when `e` is the violation of the constraint named `name` (an exclusion
/// constraint's, say: the guard behind a check the form makes first).
pub fn violates(e: &diesel::result::Error, name: &str) -> bool {
    matches!(e, diesel::result::Error::DatabaseError(_, info) if info.constraint_name() == Some(name))
}

/// A `LIKE`/`ILIKE` pattern matching any text that contains `text` as typed:
/// its `%`, `_` and `\` match themselves.
pub fn contains_pattern(text: &str) -> String {
    let escaped = text
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{escaped}%")
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

/// Raw SQL (a `diesel::sql_query` with its binds) that diesel prepares once per
/// connection and then reuses, keyed by its text. A bare `sql_query` is parsed
/// and planned on every call, and on the shared read connection its preparation
/// also holds up the worker's other queries: wrap the hot ones,
/// `db::cached(diesel::sql_query(SQL).bind::<Text, _>(q)).load(conn)`. The SQL
/// must be a constant (one prepared statement per distinct text). The same goes
/// for a DSL query with a `diesel::dsl::sql` fragment (a keyset row comparison, a
/// correlated subquery): the fragment alone makes diesel plan it on every call.
/// A boxed query's few filter combinations are a few prepared statements.
///
/// Writes too: diesel never prepares an `UPDATE`, a many-row insert, or an
/// insert with an optional field (a `None` is written as `DEFAULT`), so each
/// was parsed and planned again on every call. Filing a leave ran three such
/// statements, and wrapping them took about a fifth off the database's CPU per
/// filing. The approval engine, form tokens, sessions and the mail worker wrap
/// theirs; a feature's own write on a busy path should too.
pub fn cached<Q>(query: Q) -> Cached<Q> {
    Cached { query, limit: None }
}

pub struct Cached<Q> {
    query: Q,
    limit: Option<i64>,
}

impl<Q> Cached<Q> {
    /// Ends the statement with `LIMIT n` written into its text rather than bound
    /// (the query itself must have no limit). PostgreSQL plans a prepared
    /// statement once, generically, only when that plan costs no more than the
    /// ones planned for the actual values; with a bound limit it assumes a tenth of
    /// the table, finds the generic plan dear, and plans the page again on every
    /// request (≈ 1 ms for a register's join, several times its execution). Keep
    /// `n` to a few constants: each is its own prepared statement.
    pub fn limit(self, n: i64) -> Self {
        Cached {
            limit: Some(n),
            ..self
        }
    }
}

impl<Q: diesel::query_builder::Query> diesel::query_builder::Query for Cached<Q> {
    type SqlType = Q::SqlType;
}

impl<Q> diesel::query_builder::QueryId for Cached<Q> {
    type QueryId = ();
    // No static id: the statement cache keys it by its SQL text instead.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl<Q: diesel::query_builder::QueryFragment<diesel::pg::Pg>>
    diesel::query_builder::QueryFragment<diesel::pg::Pg> for Cached<Q>
{
    fn walk_ast<'b>(
        &'b self,
        mut pass: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> diesel::QueryResult<()> {
        self.query.walk_ast(pass.reborrow())?;
        if let Some(n) = self.limit {
            pass.push_sql(" LIMIT ");
            pass.push_sql(&n.to_string());
        }
        Ok(())
    }

    fn is_safe_to_cache_prepared(&self, _: &diesel::pg::Pg) -> diesel::QueryResult<bool> {
        Ok(true)
    }
}

/// A text constant written into the statement rather than bound:
/// `approval_tasks::status.eq(db::constant("pending"))`. A partial index
/// (`… WHERE status = 'pending'`) serves a prepared statement's generic plan only
/// when the statement names the same constant; with a bound `$1` PostgreSQL
/// plans such a query again on every request. For fixed values of the code only,
/// never for user input.
pub fn constant(text: &'static str) -> Constant {
    Constant(text)
}

#[derive(Debug, Clone, Copy)]
pub struct Constant(&'static str);

impl diesel::expression::Expression for Constant {
    type SqlType = diesel::sql_types::Text;
}

impl<QS> diesel::expression::AppearsOnTable<QS> for Constant {}

impl<QS> diesel::expression::SelectableExpression<QS> for Constant {}

impl<GB> diesel::expression::ValidGrouping<GB> for Constant {
    type IsAggregate = diesel::expression::is_aggregate::Never;
}

impl diesel::query_builder::QueryId for Constant {
    type QueryId = ();
    // Two constants in the same place are two statements: keyed by their text.
    const HAS_STATIC_QUERY_ID: bool = false;
}

impl diesel::query_builder::QueryFragment<diesel::pg::Pg> for Constant {
    fn walk_ast<'b>(
        &'b self,
        mut pass: diesel::query_builder::AstPass<'_, 'b, diesel::pg::Pg>,
    ) -> diesel::QueryResult<()> {
        pass.push_sql("'");
        pass.push_sql(&self.0.replace('\'', "''"));
        pass.push_sql("'");
        Ok(())
    }
}

/// Marks a shared connection broken when a query fails for want of a server.
struct BrokenFlag(Arc<AtomicBool>);

impl Instrumentation for BrokenFlag {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        if let InstrumentationEvent::FinishQuery {
            error: Some(DieselError::DatabaseError(DatabaseErrorKind::UnableToSendCommand, _)),
            ..
        } = event
        {
            self.0.store(true, Ordering::Relaxed);
        }
    }
}

struct Shared {
    conn: Arc<AsyncPgConnection>,
    broken: Arc<AtomicBool>,
}

/// One worker's shared read connection, opened on first use and again after it
/// broke. Cheap to clone: every clone is the same connection.
#[derive(Clone)]
pub struct Reader {
    url: Arc<str>,
    slot: Arc<Mutex<Option<Shared>>>,
    opening: Arc<tokio::sync::Mutex<()>>,
}

impl Reader {
    pub fn new(database_url: &str) -> Reader {
        Reader {
            url: database_url.into(),
            slot: Arc::new(Mutex::new(None)),
            opening: Arc::new(tokio::sync::Mutex::new(())),
        }
    }

    fn current(&self) -> Option<Arc<AsyncPgConnection>> {
        let slot = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        slot.as_ref()
            .filter(|s| !s.broken.load(Ordering::Relaxed))
            .map(|s| s.conn.clone())
    }

    /// The shared connection; queries run on it through `&AsyncPgConnection`.
    pub async fn get(&self) -> Result<Arc<AsyncPgConnection>, diesel::ConnectionError> {
        if let Some(conn) = self.current() {
            return Ok(conn);
        }
        // One request opens it; the others waiting here then share it.
        let _opening = self.opening.lock().await;
        if let Some(conn) = self.current() {
            return Ok(conn);
        }
        let mut conn =
            <AsyncPgConnection as diesel_async::AsyncConnection>::establish(&self.url).await?;
        // Every read statement is planned once per connection. PostgreSQL
        // otherwise plans a prepared statement again on every call while the
        // plan for the call's own values looks cheaper than the generic one:
        // the approval inbox (a three-table join) spent two thirds of its
        // database time planning, because the statistics guess a user's
        // pending tasks as fewer than the average. The statements read here
        // are written for generic plans (`cached`, `constant`, `limit`); a plan
        // is made again when ANALYZE changes a table's statistics.
        //
        // `random_page_cost` 1.1 rather than 4: a department's registers are
        // read from memory (or SSD), where an index's scattered reads cost about
        // what a sequential scan's do, as PostgreSQL's manual suggests for such
        // data. With 4, a small register (a thousand loans, a hundred archives)
        // was read by a sequential scan and a sort on every page, several times
        // dearer than the index a large one gets: its pages were slower than
        // those of a register a thousand times its size.
        diesel_async::SimpleAsyncConnection::batch_execute(
            &mut conn,
            "SET plan_cache_mode = force_generic_plan; SET random_page_cost = 1.1",
        )
        .await
        .map_err(diesel::ConnectionError::CouldntSetupConfiguration)?;
        let broken = Arc::new(AtomicBool::new(false));
        diesel_async::AsyncConnection::set_instrumentation(&mut conn, BrokenFlag(broken.clone()));
        let conn = Arc::new(conn);
        *self.slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(Shared {
            conn: conn.clone(),
            broken,
        });
        Ok(conn)
    }
}

/// The worker's shared connection, for requests that only read. Never open a
/// transaction on it (take a [`DbConn`] for that): its queries are pipelined with
/// those of every other request of the worker.
pub struct ReadConn(Arc<AsyncPgConnection>);

impl ReadConn {
    /// Pass `&mut conn.get()` where a query function takes `&mut impl Read`.
    pub fn get(&self) -> &AsyncPgConnection {
        &self.0
    }
}

impl FromRequest for ReadConn {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let reader = req.app_data::<Reader>().cloned();
        Box::pin(async move {
            let reader = reader.ok_or_else(|| AppError::Other(anyhow::anyhow!("no reader")))?;
            let conn = reader
                .get()
                .await
                .map_err(|e| AppError::Other(anyhow::Error::new(e).context("shared connection")))?;
            Ok(ReadConn(conn))
        })
    }
}
