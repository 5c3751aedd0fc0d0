//! actix-session's `SessionStore` kept in PostgreSQL.
//!
//! The cookie carries a random key; the table stores only its SHA-256. Each row
//! knows its user, so sign-out, deactivation and role changes end sessions at
//! once. Loading a session also reads the user's current record in the same
//! statement and hands it to the request under [`USER_KEY`]: one round trip per
//! request gives both the session and a fresh view of the user, with the counts
//! and banners every page shows (approval inbox, handbook versions to acknowledge).
//!
//! Every statement here stands alone (no transaction), so the store runs them on
//! the worker's shared connection ([`crate::db::Reader`]): no pool checkout.
//!
//! Most requests skip even that statement: a signed-in session's load is kept in
//! memory ([`SessionCache`], shared by the instance's workers) while no change
//! notice about its user has arrived ([`crate::db::changes`]) and for at most a
//! minute, until its idle timeout is due to slide. Signing out, a deactivation,
//! a role change, a new approval task or a newly published version therefore
//! shows on the next page, on every instance.
use actix_session::storage::{LoadError, SaveError, SessionKey, SessionStore, UpdateError};
use actix_web::cookie::time::Duration as CookieDuration;
use actix_web::web;
use chrono::NaiveDate;
use diesel::pg::Pg;
use diesel::sql_types::{Bytea, Date, Double, Int8, Nullable, Text};
use diesel::OptionalExtension;
use diesel_async::RunQueryDsl;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use std::time::Instant;

use crate::config::Config;
use crate::db::changes::Changes;
use crate::db::Reader;

/// Session-state key under which `load` hands over the signed-in user (JSON of
/// [`crate::auth::CurrentUser`]). Never written back.
pub const USER_KEY: &str = "__user";
/// Session-state key under which `load` names this reading of the user: a number
/// no other load of this instance gets, so the identity middleware may keep the
/// user parsed under it (`web::middleware`). Never written back.
pub const USER_LOAD_KEY: &str = "__user_load";
/// Session-state key under which `load` notes a fingerprint of the state as
/// loaded ([`fingerprint`]). Never written back.
const LOADED_KEY: &str = "__loaded";

/// The last number handed out under [`USER_LOAD_KEY`].
static USER_LOADS: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
/// Session-state key holding the signed-in user's id.
pub const UID_KEY: &str = "uid";

/// A signed-in session's load, kept while current.
struct Cached {
    state: HashMap<String, String>,
    user_id: i64,
    /// [`Changes::begin`] before the load.
    seq: u64,
    /// When the idle timeout is due to slide (or the session ends): read it afresh.
    fresh_until: Instant,
}

/// Loaded sessions, shared by the workers of one instance.
#[derive(Clone)]
pub struct SessionCache {
    entries: moka::sync::Cache<Vec<u8>, Arc<Cached>>,
    changes: Changes,
}

impl SessionCache {
    pub fn new(changes: Changes) -> SessionCache {
        SessionCache {
            entries: moka::sync::Cache::builder()
                .max_capacity(20_000)
                .time_to_live(Duration::from_secs(120))
                .build(),
            changes,
        }
    }

    fn get(&self, key_hash: &Vec<u8>) -> Option<HashMap<String, String>> {
        let entry = self.entries.get(key_hash)?;
        (Instant::now() < entry.fresh_until && self.changes.current(entry.seq, entry.user_id))
            .then(|| entry.state.clone())
    }

    fn forget(&self, key_hash: &Vec<u8>) {
        self.entries.invalidate(key_hash);
    }
}

#[derive(Clone)]
pub struct PgSessionStore {
    db: Reader,
    cache: SessionCache,
    config: web::Data<Config>,
    idle: Duration,
    absolute: Duration,
}

impl PgSessionStore {
    pub fn new(db: Reader, cache: SessionCache, config: web::Data<Config>) -> Self {
        PgSessionStore {
            db,
            cache,
            idle: config.session_idle,
            absolute: config.session_absolute,
            config,
        }
    }
}

fn hash(key: &SessionKey) -> Vec<u8> {
    Sha256::digest(key.as_ref().as_bytes()).to_vec()
}

fn new_key() -> SessionKey {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    SessionKey::try_from(hex::encode(bytes)).expect("64 characters is a valid session key")
}

/// The user id a state belongs to, if signed in.
fn uid_of(state: &HashMap<String, String>) -> Option<i64> {
    state.get(UID_KEY).and_then(|v| v.parse().ok())
}

fn encode(mut state: HashMap<String, String>) -> Result<(String, Option<i64>), serde_json::Error> {
    for key in NEVER_WRITTEN {
        state.remove(key);
    }
    let uid = uid_of(&state);
    Ok((serde_json::to_string(&state)?, uid))
}

/// The keys `load` adds for the request, which `update` never writes back.
const NEVER_WRITTEN: [&str; 3] = [USER_KEY, USER_LOAD_KEY, LOADED_KEY];

/// A digest of what `update` would write: the state without the keys never
/// written, in a fixed order.
fn fingerprint(state: &HashMap<String, String>) -> String {
    let mut entries: Vec<(&String, &String)> = state
        .iter()
        .filter(|(k, _)| !NEVER_WRITTEN.contains(&k.as_str()))
        .collect();
    entries.sort_unstable();
    let mut digest = Sha256::new();
    for (k, v) in entries {
        for part in [k, v] {
            digest.update((part.len() as u64).to_le_bytes());
            digest.update(part.as_bytes());
        }
    }
    hex::encode(digest.finalize())
}

/// The session load: the session, and the user's current record with the counts and
/// banners every page shows, in one statement (the `SELECT` of [`LOAD_SQL`] after
/// its parameters `p`); also the user's id and how many seconds the result may be
/// kept (until the idle timeout is due to slide, or the session ends).
///
/// Not `sql_query`: diesel never caches those as prepared statements, so this
/// statement (about 3 ms to plan) was parsed and planned on every request, and on
/// the shared connection its preparation held up every other request of the
/// worker. A fragment with a static query id is prepared once per connection.
#[derive(diesel::query_builder::QueryId)]
struct LoadSession {
    key_hash: Vec<u8>,
    idle_secs: f64,
    absolute_secs: f64,
    /// The site's calendar day (deputy ranges are days in the site's time zone,
    /// not the database's `current_date`).
    today: NaiveDate,
}

impl diesel::query_builder::Query for LoadSession {
    type SqlType = (Text, Nullable<Text>, Nullable<Int8>, Double);
}

impl diesel::query_builder::QueryFragment<Pg> for LoadSession {
    fn walk_ast<'b>(
        &'b self,
        mut out: diesel::query_builder::AstPass<'_, 'b, Pg>,
    ) -> diesel::QueryResult<()> {
        out.push_sql("WITH p AS (SELECT ");
        out.push_bind_param::<Bytea, _>(&self.key_hash)?;
        out.push_sql("::bytea AS key_hash, ");
        out.push_bind_param::<Double, _>(&self.idle_secs)?;
        out.push_sql("::float8 AS idle, ");
        out.push_bind_param::<Double, _>(&self.absolute_secs)?;
        out.push_sql("::float8 AS absolute, ");
        out.push_bind_param::<Date, _>(&self.today)?;
        out.push_sql("::date AS today");
        out.push_sql(LOAD_SQL);
        Ok(())
    }
}

const LOAD_SQL: &str = r#"
), cur AS (
    SELECT s.state, s.user_id, s.created_at, s.expires_at FROM sessions s, p
    WHERE s.key_hash = p.key_hash AND s.expires_at > now()
      AND s.created_at > now() - make_interval(secs => p.absolute)
), touch AS (
    -- Slide the idle timeout, writing at most once a minute per session.
    UPDATE sessions SET expires_at = now() + make_interval(secs => p.idle)
    FROM p
    WHERE sessions.key_hash = p.key_hash AND sessions.expires_at > now()
      AND sessions.expires_at < now() + make_interval(secs => p.idle - 60)
    RETURNING sessions.expires_at
), ends AS (
    SELECT coalesce((SELECT expires_at FROM touch), cur.expires_at) AS idle_end,
           cur.created_at + make_interval(secs => p.absolute) AS absolute_end
    FROM cur, p
)
SELECT cur.state::text AS state,
       CASE WHEN u.id IS NULL THEN NULL ELSE json_build_object(
           'id', u.id, 'username', u.username, 'display_name', u.display_name,
           'email', u.email, 'locale', u.locale,
           'must_change_password', u.must_change_password,
           'roles', (SELECT coalesce(json_agg(r.code ORDER BY r.sort_order), '[]'::json)
                     FROM user_roles ur JOIN roles r ON r.code = ur.role_code
                     WHERE ur.user_id = u.id),
           -- The pending tasks of the user and of whom they stand in for today,
           -- as the inbox lists them (`approvals::queries`): read approver by
           -- approver, so that the inbox index can serve each (an OR can only
           -- filter a scan of every pending task); UNION, since one principal
           -- may name the same deputy in two overlapping ranges.
           'inbox_count', (SELECT count(*)
                           FROM (SELECT u.id AS approver_id UNION
                                 SELECT d.user_id FROM approval_deputies d
                                 WHERE d.deputy_id = u.id
                                   AND p.today BETWEEN d.starts_on AND d.ends_on) a,
                           LATERAL (SELECT 1 FROM approval_tasks t
                                    JOIN approval_requests ar ON ar.id = t.request_id
                                    WHERE t.approver_id = a.approver_id
                                      AND t.status = 'pending'
                                      AND ar.requester_id <> u.id
                                      AND ar.party_id IS DISTINCT FROM u.id
                                      AND (t.step = 0 OR t.approver_id = u.id OR NOT EXISTS (
                                          SELECT 1 FROM approval_tasks e
                                          WHERE e.request_id = t.request_id
                                            AND e.step < t.step AND e.status = 'approved'
                                            AND (e.decided_by = u.id OR e.on_behalf_of = u.id)))
                                    OFFSET 0) pending),
           -- Current versions published for acknowledgement by one of the user's
           -- posts and not yet confirmed by them: the banner on every page.
           'pending_acks', (SELECT coalesce(json_agg(json_build_object(
                                'version_id', cur.id, 'document_id', cur.document_id,
                                'title', cur.title, 'number', cur.number)
                                ORDER BY cur.document_id), '[]'::json)
                            FROM (SELECT DISTINCT ON (v.document_id) v.id, v.document_id,
                                         v.title, v.number, v.requires_ack, v.ack_roles
                                  FROM handbook_versions v WHERE v.status = 'published'
                                  ORDER BY v.document_id, v.number DESC) cur
                            WHERE cur.requires_ack AND NOT u.must_change_password
                              AND cur.ack_roles && ARRAY(SELECT ur.role_code FROM user_roles ur
                                                         WHERE ur.user_id = u.id)
                              AND NOT EXISTS (SELECT 1 FROM handbook_acknowledgements a
                                              WHERE a.version_id = cur.id AND a.user_id = u.id))
       )::text
       END AS user_json,
       u.id AS user_id,
       extract(epoch FROM least(ends.idle_end - make_interval(secs => p.idle - 60),
                                ends.absolute_end, ends.idle_end) - now())::float8 AS keep_secs
FROM cur CROSS JOIN ends CROSS JOIN p LEFT JOIN users u ON u.id = cur.user_id AND u.active
"#;

impl PgSessionStore {
    async fn insert(&self, state: HashMap<String, String>) -> Result<SessionKey, anyhow::Error> {
        let (json, uid) = encode(state)?;
        let key = new_key();
        let conn = self.db.get().await?;
        let mut conn = &*conn;
        crate::db::cached(
            diesel::sql_query(
                "INSERT INTO sessions (key_hash, user_id, state, expires_at) \
                 VALUES ($1, $2, $3::jsonb, now() + make_interval(secs => $4))",
            )
            .bind::<Bytea, _>(hash(&key))
            .bind::<Nullable<Int8>, _>(uid)
            .bind::<Text, _>(json)
            .bind::<Double, _>(self.idle.as_secs_f64()),
        )
        .execute(&mut conn)
        .await?;
        // Now and then, clear out sessions that ended long ago.
        if rand::random::<u8>() < 3 {
            diesel::sql_query("DELETE FROM sessions WHERE expires_at < now() - interval '1 day'")
                .execute(&mut conn)
                .await?;
        }
        Ok(key)
    }
}

impl SessionStore for PgSessionStore {
    async fn load(
        &self,
        session_key: &SessionKey,
    ) -> Result<Option<HashMap<String, String>>, LoadError> {
        let key_hash = hash(session_key);
        if let Some(state) = self.cache.get(&key_hash) {
            return Ok(Some(state));
        }
        let seq = self.cache.changes.begin();
        let conn = self
            .db
            .get()
            .await
            .map_err(|e| LoadError::Other(e.into()))?;
        let mut conn = &*conn;
        let row: Option<(String, Option<String>, Option<i64>, f64)> = LoadSession {
            key_hash: key_hash.clone(),
            idle_secs: self.idle.as_secs_f64(),
            absolute_secs: self.absolute.as_secs_f64(),
            today: self.config.today(),
        }
        .get_result(&mut conn)
        .await
        .optional()
        .map_err(|e| LoadError::Other(e.into()))?;
        let Some((state, user_json, user_id, keep_secs)) = row else {
            return Ok(None);
        };
        let mut state: HashMap<String, String> =
            serde_json::from_str(&state).map_err(|e| LoadError::Deserialization(e.into()))?;
        let loaded = fingerprint(&state);
        state.insert(LOADED_KEY.into(), loaded);
        match user_json {
            Some(user) => {
                state.insert(USER_KEY.into(), user);
                let load = USER_LOADS.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1;
                state.insert(USER_LOAD_KEY.into(), load.to_string());
            }
            // The user was deactivated since: the session no longer signs anyone in.
            None => {
                state.remove(UID_KEY);
            }
        }
        if let (Some(seq), Some(user_id), true) = (seq, user_id, keep_secs > 0.0) {
            let entry = Cached {
                state: state.clone(),
                user_id,
                seq,
                fresh_until: Instant::now() + Duration::from_secs_f64(keep_secs.min(60.0)),
            };
            self.cache.entries.insert(key_hash, Arc::new(entry));
        }
        Ok(Some(state))
    }

    async fn save(
        &self,
        session_state: HashMap<String, String>,
        _ttl: &CookieDuration,
    ) -> Result<SessionKey, SaveError> {
        self.insert(session_state).await.map_err(SaveError::Other)
    }

    async fn update(
        &self,
        session_key: SessionKey,
        session_state: HashMap<String, String>,
        _ttl: &CookieDuration,
    ) -> Result<SessionKey, UpdateError> {
        // A request that changed something and changed it back (a message for
        // the next page, moved to its cookie: see `web::flash`) writes nothing.
        if session_state.get(LOADED_KEY) == Some(&fingerprint(&session_state)) {
            return Ok(session_key);
        }
        let key_hash = hash(&session_key);
        let (json, uid) =
            encode(session_state.clone()).map_err(|e| UpdateError::Serialization(e.into()))?;
        self.cache.forget(&key_hash);
        let conn = self
            .db
            .get()
            .await
            .map_err(|e| UpdateError::Other(e.into()))?;
        let updated = crate::db::cached(
            diesel::sql_query(
                "UPDATE sessions SET state = $2::jsonb, user_id = $3, \
                 expires_at = now() + make_interval(secs => $4) \
                 WHERE key_hash = $1 AND expires_at > now()",
            )
            .bind::<Bytea, _>(&key_hash)
            .bind::<Text, _>(json)
            .bind::<Nullable<Int8>, _>(uid)
            .bind::<Double, _>(self.idle.as_secs_f64()),
        )
        .execute(&mut &*conn)
        .await
        .map_err(|e| UpdateError::Other(e.into()))?;
        if updated == 1 {
            return Ok(session_key);
        }
        // The session ended meanwhile (signed out elsewhere, user deactivated): keep
        // what the request stored, but never the sign-in itself.
        let mut state = session_state;
        state.remove(UID_KEY);
        drop(conn);
        self.insert(state).await.map_err(UpdateError::Other)
    }

    async fn update_ttl(
        &self,
        session_key: &SessionKey,
        _ttl: &CookieDuration,
    ) -> Result<(), anyhow::Error> {
        let conn = self.db.get().await?;
        let mut conn = &*conn;
        crate::db::cached(
            diesel::sql_query(
                "UPDATE sessions SET expires_at = now() + make_interval(secs => $2) \
                 WHERE key_hash = $1 AND expires_at > now()",
            )
            .bind::<Bytea, _>(hash(session_key))
            .bind::<Double, _>(self.idle.as_secs_f64()),
        )
        .execute(&mut conn)
        .await?;
        Ok(())
    }

    async fn delete(&self, session_key: &SessionKey) -> Result<(), anyhow::Error> {
        self.cache.forget(&hash(session_key));
        let conn = self.db.get().await?;
        let mut conn = &*conn;
        crate::db::cached(
            diesel::sql_query("DELETE FROM sessions WHERE key_hash = $1")
                .bind::<Bytea, _>(hash(session_key)),
        )
        .execute(&mut conn)
        .await?;
        Ok(())
    }
}
