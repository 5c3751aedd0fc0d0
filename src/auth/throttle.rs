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

/// Records a failure and locks the account or address when it crosses its limit.
/// Returns the lock that now applies, if any.
pub async fn record_failure(
    conn: &mut AsyncPgConnection,
    username: &str,
    ip: &str,
) -> QueryResult<Option<Lock>> {
    diesel::insert_into(login_failures::table)
        .values((
            login_failures::username.eq(username),
            login_failures::ip.eq(ip),
        ))
        .execute(conn)
        .await?;
    let since = Utc::now() - chrono::Duration::minutes(WINDOW_MINUTES);
    let by_account: i64 = login_failures::table
        .filter(login_failures::username.eq(username))
        .filter(login_failures::at.gt(since))
        .count()
        .get_result(conn)
        .await?;
    let by_address: i64 = login_failures::table
        .filter(login_failures::ip.eq(ip))
        .filter(login_failures::at.gt(since))
        .count()
        .get_result(conn)
        .await?;
    let until = Utc::now() + chrono::Duration::minutes(LOCK_MINUTES);
    let mut lock = None;
    if by_address >= ADDRESS_LIMIT {
        set_lock(conn, "address", ip, until).await?;
        lock = Some(Lock::Address(until));
    }
    if by_account >= ACCOUNT_LIMIT {
        set_lock(conn, "account", username, until).await?;
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
