//! Sign-in throttling, kept in PostgreSQL so it holds across instances.
//!
//! Five failures for one account within 15 minutes lock that account for 15
//! minutes, right password or not; thirty failures from one address within 15
//! minutes lock the address the same way.
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::schema::{login_failures, login_locks};

pub const ACCOUNT_LIMIT: i64 = 5;
pub const ADDRESS_LIMIT: i64 = 30;
pub const WINDOW_MINUTES: i64 = 15;
pub const LOCK_MINUTES: i64 = 15;

#[derive(Debug, PartialEq, Eq)]
pub enum Lock {
    Account(DateTime<Utc>),
    Address(DateTime<Utc>),
}

/// The lock in force for this account or address, if any.
pub async fn current_lock(
    conn: &mut AsyncPgConnection,
    username: &str,
    ip: &str,
) -> QueryResult<Option<Lock>> {
    let rows: Vec<(String, DateTime<Utc>)> = login_locks::table
        .filter(login_locks::locked_until.gt(diesel::dsl::now))
        .filter(
            (login_locks::kind
                .eq("account")
                .and(login_locks::key.eq(username)))
            .or(login_locks::kind.eq("address").and(login_locks::key.eq(ip))),
        )
        .select((login_locks::kind, login_locks::locked_until))
        .load(conn)
        .await?;
    Ok(rows.into_iter().next().map(|(kind, until)| {
        if kind == "account" {
            Lock::Account(until)
        } else {
            Lock::Address(until)
        }
    }))
}

/// One check of a password or code, counted as a failure from before it is
/// checked until [`Attempt::succeeded`] says otherwise. Counting first is what
/// holds the limits against many attempts sent at once: each is counted before
/// any of them is checked.
pub struct Attempt {
    id: i64,
    username: String,
    ip: String,
}

/// Starts an attempt for this account from this address. `None` when failures
/// and attempts still being checked already reach a limit (attempts sent at
/// once): this one is not checked and not counted, and sets no lock, since
/// the attempts ahead of it may yet succeed (a double click on the right
/// password); the failures among them set the lock.
pub async fn begin(
    conn: &mut AsyncPgConnection,
    username: &str,
    ip: &str,
) -> QueryResult<Option<Attempt>> {
    use diesel_async::AsyncConnection;
    // One account's attempts are counted one at a time, each seeing all those
    // before it; only those ahead of it (earlier ids) count, so of attempts
    // sent at once the first ones go on, and a double click on the right
    // password after typos lets one click through.
    let (id, by_account, by_address) = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('login:' || $1))")
                .bind::<diesel::sql_types::Text, _>(username)
                .execute(conn)
                .await?;
            let id: i64 = diesel::insert_into(login_failures::table)
                .values((
                    login_failures::username.eq(username),
                    login_failures::ip.eq(ip),
                ))
                .returning(login_failures::id)
                .get_result(conn)
                .await?;
            let (by_account, by_address) = counts(conn, username, ip, id).await?;
            Ok((id, by_account, by_address))
        })
        .await?;
    let attempt = Attempt {
        id,
        username: username.to_owned(),
        ip: ip.to_owned(),
    };
    if by_account > ACCOUNT_LIMIT || by_address > ADDRESS_LIMIT {
        attempt.succeeded(conn).await?;
        return Ok(None);
    }
    Ok(Some(attempt))
}

impl Attempt {
    /// The check failed: it stays counted, and locks the account or address
    /// when it reached a limit. Returns the lock that now applies, if any.
    pub async fn failed(self, conn: &mut AsyncPgConnection) -> QueryResult<Option<Lock>> {
        let (by_account, by_address) = counts(conn, &self.username, &self.ip, i64::MAX).await?;
        set_locks(conn, &self, by_account, by_address).await
    }

    /// The check passed (or was never made): this attempt is no failure.
    pub async fn succeeded(self, conn: &mut AsyncPgConnection) -> QueryResult<()> {
        diesel::delete(login_failures::table.find(self.id))
            .execute(conn)
            .await?;
        Ok(())
    }
}

/// Failures within the window (and attempts being checked), of the account and
/// of the address, up to the attempt `upto`.
async fn counts(
    conn: &mut AsyncPgConnection,
    username: &str,
    ip: &str,
    upto: i64,
) -> QueryResult<(i64, i64)> {
    let since = Utc::now() - chrono::Duration::minutes(WINDOW_MINUTES);
    let by_account: i64 = login_failures::table
        .filter(login_failures::username.eq(username))
        .filter(login_failures::at.gt(since))
        .filter(login_failures::id.le(upto))
        .count()
        .get_result(conn)
        .await?;
    let by_address: i64 = login_failures::table
        .filter(login_failures::ip.eq(ip))
        .filter(login_failures::at.gt(since))
        .filter(login_failures::id.le(upto))
        .count()
        .get_result(conn)
        .await?;
    Ok((by_account, by_address))
}

/// Locks the account or the address whose failures reached its limit.
async fn set_locks(
    conn: &mut AsyncPgConnection,
    a: &Attempt,
    by_account: i64,
    by_address: i64,
) -> QueryResult<Option<Lock>> {
    let until = Utc::now() + chrono::Duration::minutes(LOCK_MINUTES);
    let mut lock = None;
    if by_address >= ADDRESS_LIMIT {
        set_lock(conn, "address", &a.ip, until).await?;
        lock = Some(Lock::Address(until));
    }
    if by_account >= ACCOUNT_LIMIT {
        set_lock(conn, "account", &a.username, until).await?;
        lock = Some(Lock::Account(until));
    }
    Ok(lock)
}

async fn set_lock(
    conn: &mut AsyncPgConnection,
    kind: &str,
    key: &str,
    until: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(login_locks::table)
        .values((
            login_locks::kind.eq(kind),
            login_locks::key.eq(key),
            login_locks::locked_until.eq(until),
        ))
        .on_conflict((login_locks::kind, login_locks::key))
        .do_update()
        .set(login_locks::locked_until.eq(until))
        .execute(conn)
        .await?;
    Ok(())
}

/// After a successful sign-in the account's earlier failures no longer count.
pub async fn clear_account(conn: &mut AsyncPgConnection, username: &str) -> QueryResult<()> {
    diesel::delete(login_failures::table.filter(login_failures::username.eq(username)))
        .execute(conn)
        .await?;
    Ok(())
}

/// An admin's password reset also lifts the account's lock.
pub async fn unlock_account(conn: &mut AsyncPgConnection, username: &str) -> QueryResult<()> {
    clear_account(conn, username).await?;
    diesel::delete(
        login_locks::table
            .filter(login_locks::kind.eq("account"))
            .filter(login_locks::key.eq(username)),
    )
    .execute(conn)
    .await?;
    Ok(())
}
