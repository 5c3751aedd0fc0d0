//! Sign-in throttling, kept in PostgreSQL so it holds across instances.
//!
//! Five failures for one account within 15 minutes lock that account for 15
//! minutes, right password or not; thirty failures from one address within 15
//! minutes lock the address the same way.
//!
//! The name typed is kept only as its keyed hash ([`name_key`]): the name box
//! also receives passwords typed in the wrong place, and a name that is no
//! account's must lock like one that is (else the lock tells which names are
//! accounts). What falls out of the window is deleted by the `forms.cleanup`
//! job ([`forget_old`]).
use std::sync::OnceLock;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use hmac::{Hmac, Mac};

use crate::schema::{login_failures, login_locks};

pub const ACCOUNT_LIMIT: i64 = 5;
pub const ADDRESS_LIMIT: i64 = 30;
pub const WINDOW_MINUTES: i64 = 15;
pub const LOCK_MINUTES: i64 = 15;

/// The key names are hashed under: the same on every instance of a site.
static NAME_KEY: OnceLock<Vec<u8>> = OnceLock::new();

/// Sets the key the names typed at sign-in are hashed under, from the site's
/// session key (shared by its instances). The first call wins; without one, a
/// key of this process's own.
pub fn install(secret: &[u8]) {
    let _ = NAME_KEY.set(secret.to_vec());
}

/// What the throttle keeps of a name typed at sign-in: its HMAC-SHA-256 under
/// the site's key, in hex.
pub fn name_key(username: &str) -> String {
    let key = NAME_KEY.get_or_init(|| rand::random::<[u8; 32]>().to_vec());
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(b"kefu sign-in name\0");
    mac.update(username.as_bytes());
    hex::encode(mac.finalize().into_bytes())
}

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
                .and(login_locks::key.eq(name_key(username))))
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
    /// The name's [`name_key`].
    name: String,
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
    // One account's attempts, and one address's, are counted one at a time,
    // each seeing all those before it; only those ahead of it (earlier ids)
    // count, so of attempts sent at once the first ones go on, and a double
    // click on the right password after typos lets one click through. (The
    // name's lock is always taken before the address's: no two attempts wait
    // on each other.)
    let name = name_key(username);
    let (id, by_account, by_address) = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            // Keyed by the name's hash: the text typed goes nowhere, not even
            // to a lock-wait line of PostgreSQL's log.
            for (kind, key) in [("login:", name.as_str()), ("login-from:", ip)] {
                diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext($1 || $2))")
                    .bind::<diesel::sql_types::Text, _>(kind)
                    .bind::<diesel::sql_types::Text, _>(key)
                    .execute(conn)
                    .await?;
            }
            let id: i64 = diesel::insert_into(login_failures::table)
                .values((
                    login_failures::username.eq(&name),
                    login_failures::ip.eq(ip),
                ))
                .returning(login_failures::id)
                .get_result(conn)
                .await?;
            let (by_account, by_address) = counts(conn, &name, ip, id).await?;
            Ok((id, by_account, by_address))
        })
        .await?;
    let attempt = Attempt {
        id,
        name,
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
        let (by_account, by_address) = counts(conn, &self.name, &self.ip, i64::MAX).await?;
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

/// Failures within the window (and attempts being checked), of the name (its
/// [`name_key`]) and of the address, up to the attempt `upto`.
async fn counts(
    conn: &mut AsyncPgConnection,
    name: &str,
    ip: &str,
    upto: i64,
) -> QueryResult<(i64, i64)> {
    let since = Utc::now() - chrono::Duration::minutes(WINDOW_MINUTES);
    let by_account: i64 = login_failures::table
        .filter(login_failures::username.eq(name))
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
        set_lock(conn, "account", &a.name, until).await?;
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
    diesel::delete(login_failures::table.filter(login_failures::username.eq(name_key(username))))
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
            .filter(login_locks::key.eq(name_key(username))),
    )
    .execute(conn)
    .await?;
    Ok(())
}

/// Deletes failures that no longer count and locks that have run out (part of
/// the `forms.cleanup` job); returns how many.
pub async fn forget_old(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> QueryResult<usize> {
    let since = now - chrono::Duration::minutes(WINDOW_MINUTES);
    let failures = diesel::delete(login_failures::table.filter(login_failures::at.le(since)))
        .execute(conn)
        .await?;
    let locks = diesel::delete(login_locks::table.filter(login_locks::locked_until.le(now)))
        .execute(conn)
        .await?;
    Ok(failures + locks)
}
