//! Change notices from PostgreSQL, so that an instance may keep what every page
//! needs (the signed-in user, their counts and banners) in memory and still never
//! show it stale after a change is known.
//!
//! Triggers (migration `…_changes`) call `pg_notify('kefu_changes', …)` whenever a
//! row that feeds a session's view changes: `u:<id>` names one user, `*` everyone,
//! `t:<topic>` the tables behind one register's pages (`t:keys`, `t:archives`).
//! Each instance listens on its own connection ([`spawn_listener`]) and records,
//! per user, the sequence number of the last notice. Something loaded at sequence
//! `s` is still current while no notice about it has arrived after `s`
//! ([`Changes::current`]). Notices are delivered in commit order, so a notice
//! arriving during a load makes that load's result stale at once.
//!
//! Without a listening connection (not yet connected, or the connection broke)
//! nothing counts as current: callers read the database every time, and the
//! reconnect makes everything loaded before it stale. A connection that goes
//! silent without closing counts as broken once it fails to answer the
//! listener's [`Heartbeat`]: asked every 30 s while idle, and at once when a
//! write's own notice did not come back.
//!
//! A write made through this instance waits, before its response leaves, until
//! the instance has seen its own notices ([`Changes::wrote`]): it sends a `sync`
//! notice after its commit and waits for it to come back. The page after a form
//! therefore shows the change, while what the write did not touch (the writer's
//! own session, in most forms) stays kept.
use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};

/// The channel the triggers notify.
pub const CHANNEL: &str = "kefu_changes";
/// How long a write waits for its own notices before it gives up and counts
/// everything kept as stale.
const WROTE_WAIT: Duration = Duration::from_secs(2);

diesel::define_sql_function! {
    fn pg_notify(channel: diesel::sql_types::Text, payload: diesel::sql_types::Text);
}

/// This instance's name in its `sync` notices, so that it waits for its own
/// only (every instance hears every notice).
struct Instance(u64);

impl Default for Instance {
    fn default() -> Self {
        Instance(rand::random())
    }
}

#[derive(Default)]
struct Inner {
    instance: Instance,
    /// The last `sync` number handed out.
    next_sync: AtomicU64,
    live: AtomicBool,
    /// Bumped by every notice.
    seq: AtomicU64,
    /// Sequence of the last notice about everyone.
    all: AtomicU64,
    /// Sequence of the last notice about each user.
    users: Mutex<HashMap<i64, u64>>,
    /// Sequence of the last notice on each topic (a handful of names).
    topics: Mutex<HashMap<String, u64>>,
    /// The highest of this instance's `sync:<instance>:<n>` notices seen, and a
    /// wake-up for those waiting for one ([`Changes::wrote`], [`Changes::settle`]).
    synced: AtomicU64,
    sync_seen: tokio::sync::Notify,
    /// Asks the listener to check its connection at once ([`Heartbeat`]).
    check_now: tokio::sync::Notify,
}

/// What this instance knows of recent changes. Cheap to clone: every clone is the
/// same record.
#[derive(Clone, Default)]
pub struct Changes(Arc<Inner>);

/// A notice, as the triggers write it.
#[derive(Debug, PartialEq, Eq)]
enum Notice {
    Everyone,
    User(i64),
    Topic(String),
    Sync { instance: u64, n: u64 },
}

fn parse(payload: &str) -> Option<Notice> {
    if payload == "*" {
        return Some(Notice::Everyone);
    }
    if let Some(id) = payload.strip_prefix("u:") {
        return id.parse().ok().map(Notice::User);
    }
    if let Some(topic) = payload.strip_prefix("t:") {
        return (!topic.is_empty()).then(|| Notice::Topic(topic.to_owned()));
    }
    let (instance, n) = payload.strip_prefix("sync:")?.split_once(':')?;
    Some(Notice::Sync {
        instance: instance.parse().ok()?,
        n: n.parse().ok()?,
    })
}

impl Changes {
    /// The sequence to remember with something about to be loaded, or `None`
    /// while nothing can be kept (no listening connection).
    pub fn begin(&self) -> Option<u64> {
        if !self.0.live.load(Ordering::Acquire) {
            return None;
        }
        Some(self.0.seq.load(Ordering::Acquire))
    }

    /// Whether something about `user` loaded at `seq` (from [`Changes::begin`]) is
    /// still current.
    pub fn current(&self, seq: u64, user: i64) -> bool {
        self.0.live.load(Ordering::Acquire)
            && self.0.all.load(Ordering::Acquire) <= seq
            && self
                .0
                .users
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(&user)
                .is_none_or(|&s| s <= seq)
    }

    /// Whether something the same for every user, loaded at `seq`, is still
    /// current (no notice about everyone since).
    pub fn current_for_all(&self, seq: u64) -> bool {
        self.0.live.load(Ordering::Acquire) && self.0.all.load(Ordering::Acquire) <= seq
    }

    /// Whether something that follows `topic`'s tables, loaded at `seq`, is still
    /// current (no notice on that topic nor about everyone since).
    pub fn current_on(&self, seq: u64, topic: &str) -> bool {
        self.current_for_all(seq)
            && self
                .0
                .topics
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .get(topic)
                .is_none_or(|&s| s <= seq)
    }

    fn bump(&self) -> u64 {
        self.0.seq.fetch_add(1, Ordering::AcqRel) + 1
    }

    /// Everything loaded so far is stale.
    pub fn everyone(&self) {
        let s = self.bump();
        self.0.all.fetch_max(s, Ordering::AcqRel);
    }

    /// Everything loaded so far about `user` is stale.
    pub fn user(&self, user: i64) {
        let s = self.bump();
        let mut users = self.0.users.lock().unwrap_or_else(|e| e.into_inner());
        // The map only needs entries newer than `all`; keep it small.
        if users.len() > 100_000 {
            users.clear();
            drop(users);
            self.0.all.fetch_max(s, Ordering::AcqRel);
            return;
        }
        users.insert(user, s);
    }

    /// Everything loaded so far that follows `topic` is stale.
    pub fn topic(&self, topic: &str) {
        let s = self.bump();
        let mut topics = self.0.topics.lock().unwrap_or_else(|e| e.into_inner());
        match topics.get_mut(topic) {
            Some(seq) => *seq = s,
            None => {
                topics.insert(topic.to_owned(), s);
            }
        }
    }

    /// This instance just wrote something (a form was sent, committed): wait
    /// until its notices have arrived, so that pages from here on show it. If
    /// they cannot be awaited, everything kept counts as stale instead.
    pub async fn wrote(&self, reader: &super::Reader) {
        if !self.0.live.load(Ordering::Acquire) {
            // Nothing is kept without a listener.
            return;
        }
        let (n, payload) = self.sync_notice();
        let sent = async {
            let conn = reader.get().await.map_err(anyhow::Error::from)?;
            diesel_async::RunQueryDsl::execute(
                diesel::select(pg_notify(CHANNEL, payload)),
                &mut &*conn,
            )
            .await?;
            Ok::<_, anyhow::Error>(())
        };
        let synced = match sent.await {
            Ok(()) => self.until_synced(n, WROTE_WAIT).await,
            Err(e) => {
                tracing::warn!(error = %e, "change notices: no sync notice sent");
                false
            }
        };
        if !synced {
            self.everyone();
            // The listener's connection may have gone silent.
            self.0.check_now.notify_one();
        }
    }

    /// A new `sync` number and its notice. Any number handed out later is sent
    /// later too: seeing it means every commit before this call was seen.
    fn sync_notice(&self) -> (u64, String) {
        let n = self.0.next_sync.fetch_add(1, Ordering::AcqRel) + 1;
        (n, format!("sync:{}:{n}", self.0.instance.0))
    }

    /// Whether this instance's `sync` notice `n` (or a later one) arrives in time.
    async fn until_synced(&self, n: u64, within: Duration) -> bool {
        tokio::time::timeout(within, async {
            loop {
                let seen = self.0.sync_seen.notified();
                if self.0.synced.load(Ordering::Acquire) >= n {
                    return;
                }
                seen.await;
            }
        })
        .await
        .is_ok()
    }

    fn apply(&self, notice: Notice) {
        match notice {
            Notice::Everyone => self.everyone(),
            Notice::User(id) => self.user(id),
            Notice::Topic(topic) => self.topic(&topic),
            Notice::Sync { instance, n } if instance == self.0.instance.0 => {
                self.0.synced.fetch_max(n, Ordering::AcqRel);
                self.0.sync_seen.notify_waiters();
            }
            // Another instance's.
            Notice::Sync { .. } => {}
        }
    }

    fn set_live(&self, live: bool) {
        if live {
            // Whatever happened while not listening is unknown.
            self.everyone();
        }
        self.0.live.store(live, Ordering::Release);
    }

    /// Waits until this instance has seen every change committed before the call
    /// (tests that write with SQL of their own use it), up to five seconds.
    pub async fn settle(&self, database_url: &str) -> anyhow::Result<()> {
        // A notice sent before the listener listens would never arrive.
        tokio::time::timeout(Duration::from_secs(5), async {
            while !self.0.live.load(Ordering::Acquire) {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .map_err(|_| anyhow::anyhow!("no connection for change notices within 5 s"))?;
        let (n, payload) = self.sync_notice();
        let (client, connection) =
            tokio_postgres::connect(database_url, tokio_postgres::NoTls).await?;
        let driver = tokio::spawn(connection);
        client
            .execute("SELECT pg_notify($1, $2)", &[&CHANNEL, &payload])
            .await?;
        drop(client);
        let _ = driver.await;
        if self.until_synced(n, Duration::from_secs(5)).await {
            Ok(())
        } else {
            Err(anyhow::anyhow!("change notices did not arrive within 5 s"))
        }
    }
}

/// Kept values by key, each with the sequence it was loaded at and the time it
/// goes stale by itself, if any: what [`Kept`], [`KeptFor`] and [`KeptOn`] share.
/// They differ only in which notices make a value stale.
struct Slots<K, T> {
    changes: Changes,
    cache: moka::sync::Cache<K, Slot<T>>,
}

struct Slot<T> {
    seq: u64,
    until: Option<DateTime<Utc>>,
    value: Arc<T>,
}

impl<T> Clone for Slot<T> {
    fn clone(&self) -> Self {
        Slot {
            seq: self.seq,
            until: self.until,
            value: self.value.clone(),
        }
    }
}

impl<K, T> Slots<K, T>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
    T: Send + Sync + 'static,
{
    fn new(changes: Changes, capacity: u64) -> Self {
        Slots {
            changes,
            cache: moka::sync::Cache::new(capacity),
        }
    }

    /// The value kept for `key` while `current(seq)` holds and its own time has
    /// not come by `now`, else `load`'s value and the time it goes stale by
    /// itself. The sequence is taken before the load, so a notice arriving
    /// during it makes the result stale at once; nothing is kept while no
    /// listener is live.
    async fn get<E, F>(
        &self,
        key: K,
        now: DateTime<Utc>,
        current: impl Fn(u64) -> bool,
        load: F,
    ) -> Result<Arc<T>, E>
    where
        F: std::future::Future<Output = Result<(T, Option<DateTime<Utc>>), E>>,
    {
        if let Some(slot) = self.cache.get(&key) {
            if current(slot.seq) && slot.until.is_none_or(|t| now < t) {
                return Ok(slot.value);
            }
        }
        let seq = self.changes.begin();
        let (value, until) = load.await?;
        let value = Arc::new(value);
        if let Some(seq) = seq {
            let slot = Slot {
                seq,
                until,
                value: value.clone(),
            };
            self.cache.insert(key, slot);
        }
        Ok(value)
    }
}

/// A load that never goes stale by time alone.
async fn timeless<T, E>(
    load: impl std::future::Future<Output = Result<T, E>>,
) -> Result<(T, Option<DateTime<Utc>>), E> {
    Ok((load.await?, None))
}

/// One value every user sees the same (a list of choices), kept in memory until a
/// notice about everyone makes it stale (a write through this instance waits for
/// its own notices, see [`Changes::wrote`]).
/// Tables behind such a value notify `*` from a trigger (migration
/// `…_kept_choices`).
pub struct Kept<T>(Slots<(), T>);

impl<T: Send + Sync + 'static> Kept<T> {
    pub fn new(changes: Changes) -> Self {
        Kept(Slots::new(changes, 1))
    }

    /// The kept value while it is current, else `load`'s result (kept when a
    /// listener was live while it loaded).
    pub async fn get<E, F>(&self, load: F) -> Result<Arc<T>, E>
    where
        F: std::future::Future<Output = Result<T, E>>,
    {
        self.get_until(timeless(load)).await
    }

    /// As [`Kept::get`], for a value that also goes stale at the time its
    /// load gives (one that depends on the day, say).
    pub async fn get_until<E, F>(&self, load: F) -> Result<Arc<T>, E>
    where
        F: std::future::Future<Output = Result<(T, Option<DateTime<Utc>>), E>>,
    {
        let changes = &self.0.changes;
        let current = |seq| changes.current_for_all(seq);
        self.0.get((), Utc::now(), current, load).await
    }
}

/// A value per user (their inbox), kept in memory until a notice about that user
/// or about everyone makes it stale. `K` tells apart the values of one user that
/// differ otherwise (the day, for whom they stand in). Tables behind such a value
/// notify the users whose value they feed.
pub struct KeptFor<K, T>(Slots<(i64, K), T>);

impl<K, T> KeptFor<K, T>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
    T: Send + Sync + 'static,
{
    /// Keeps at most `capacity` values, the least used dropped first.
    pub fn new(changes: Changes, capacity: u64) -> Self {
        KeptFor(Slots::new(changes, capacity))
    }

    /// `user`'s kept value for `key` while it is current, else `load`'s result
    /// (kept when a listener was live while it loaded).
    pub async fn get<E, F>(&self, user: i64, key: K, load: F) -> Result<Arc<T>, E>
    where
        F: std::future::Future<Output = Result<T, E>>,
    {
        let changes = &self.0.changes;
        let current = |seq| changes.current(seq, user);
        self.0
            .get((user, key), Utc::now(), current, timeless(load))
            .await
    }
}

/// Values that follow the tables of one topic (a register's pages), per key (the
/// filter and the page asked for), kept in memory until a notice on that topic
/// or about everyone makes them stale, or until the time a value gave when it
/// was loaded has come (a loan falling due changes what the register shows).
/// Tables behind such values notify `t:<topic>` from a statement trigger
/// (migration `…_register_topics`).
pub struct KeptOn<K, T> {
    topic: &'static str,
    slots: Slots<K, T>,
}

/// Pages a register keeps per instance ([`KeptOn`]), the least used dropped
/// first: a few megabytes at most.
pub const KEPT_PAGES: u64 = 256;

impl<K, T> KeptOn<K, T>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
    T: Send + Sync + 'static,
{
    /// Keeps at most `capacity` values, the least used dropped first.
    pub fn new(changes: Changes, topic: &'static str, capacity: u64) -> Self {
        KeptOn {
            topic,
            slots: Slots::new(changes, capacity),
        }
    }

    /// The kept value for `key` while it is current, else `load`'s result.
    pub async fn get<E, F>(&self, key: K, load: F) -> Result<Arc<T>, E>
    where
        F: std::future::Future<Output = Result<T, E>>,
    {
        self.get_until(key, Utc::now(), timeless(load)).await
    }

    /// Like [`KeptOn::get`] for a value that also changes with time: `load`
    /// gives the value and the first time after `now` it would differ (`None`:
    /// never by time alone); from then on it is loaded again.
    pub async fn get_until<E, F>(&self, key: K, now: DateTime<Utc>, load: F) -> Result<Arc<T>, E>
    where
        F: std::future::Future<Output = Result<(T, Option<DateTime<Utc>>), E>>,
    {
        let changes = &self.slots.changes;
        let current = |seq| changes.current_on(seq, self.topic);
        self.slots.get(key, now, current, load).await
    }
}

/// How the listener makes sure its connection still carries notices: a
/// connection can go silent without closing (a firewall dropping an idle
/// connection, a database host gone away), and a silent listener would leave
/// kept pages stale for good.
#[derive(Clone, Copy, Debug)]
pub struct Heartbeat {
    /// How often the listener asks its connection for an answer while idle.
    pub every: Duration,
    /// How long it waits for one before it connects again.
    pub within: Duration,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Heartbeat {
            every: Duration::from_secs(30),
            within: Duration::from_secs(10),
        }
    }
}

/// Listens for notices on a connection of its own for as long as the runtime
/// runs, reconnecting after a break.
pub fn spawn_listener(database_url: String, changes: Changes) {
    spawn_listener_with(database_url, changes, Heartbeat::default());
}

/// As [`spawn_listener`], checking the connection as `heartbeat` says.
pub fn spawn_listener_with(database_url: String, changes: Changes, heartbeat: Heartbeat) {
    tokio::spawn(async move {
        let mut pause = Duration::from_millis(200);
        loop {
            match listen(&database_url, &changes, heartbeat).await {
                Ok(()) => tracing::warn!("change notices: the connection closed"),
                Err(e) => tracing::warn!(error = %e, "change notices: no connection"),
            }
            if changes.0.live.load(Ordering::Acquire) {
                // It had listened: a break after that is tried again soon.
                pause = Duration::from_millis(200);
            }
            changes.set_live(false);
            tokio::time::sleep(pause).await;
            pause = (pause * 2).min(Duration::from_secs(30));
        }
    });
}

async fn listen(database_url: &str, changes: &Changes, heartbeat: Heartbeat) -> anyhow::Result<()> {
    use futures_util::StreamExt;
    let connect = tokio_postgres::connect(database_url, tokio_postgres::NoTls);
    let (client, mut connection) = tokio::time::timeout(heartbeat.within, connect)
        .await
        .map_err(|_| anyhow::anyhow!("no answer within {:?}", heartbeat.within))??;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let driver = tokio::spawn(async move {
        let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
        while let Some(message) = messages.next().await {
            match message {
                Ok(tokio_postgres::AsyncMessage::Notification(n)) => {
                    if tx.send(n.payload().to_owned()).is_err() {
                        break;
                    }
                }
                Ok(_) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    });
    // A silent connection never ends its driver: stop it whichever way this ends.
    let _driver_stops = DropAbort(driver.abort_handle());
    let within = heartbeat.within;
    answers(&client, &format!("LISTEN {CHANNEL}"), within).await?;
    changes.set_live(true);
    let mut beat = tokio::time::interval_at(
        tokio::time::Instant::now() + heartbeat.every,
        heartbeat.every,
    );
    beat.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            payload = rx.recv() => {
                let Some(payload) = payload else { break };
                match parse(&payload) {
                    Some(notice) => changes.apply(notice),
                    None => tracing::warn!(payload, "change notices: unknown notice"),
                }
                beat.reset();
            }
            _ = beat.tick() => answers(&client, "", within).await?,
            // A write waited for its own notice in vain: ask now.
            _ = changes.0.check_now.notified() => answers(&client, "", within).await?,
        }
    }
    drop(client);
    match driver.await {
        Ok(result) => result.map_err(anyhow::Error::from),
        Err(_) => Ok(()),
    }
}

/// Runs `query` on the listener's connection, which must answer `within`.
async fn answers(
    client: &tokio_postgres::Client,
    query: &str,
    within: Duration,
) -> anyhow::Result<()> {
    match tokio::time::timeout(within, client.batch_execute(query)).await {
        Ok(done) => done.map_err(anyhow::Error::from),
        Err(_) => Err(anyhow::anyhow!("no answer within {within:?}")),
    }
}

/// Aborts a task when dropped.
struct DropAbort(tokio::task::AbortHandle);

impl Drop for DropAbort {
    fn drop(&mut self) {
        self.0.abort();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn live() -> Changes {
        let c = Changes::default();
        c.set_live(true);
        c
    }

    #[test]
    fn notices_parse() {
        assert_eq!(parse("*"), Some(Notice::Everyone));
        assert_eq!(parse("u:42"), Some(Notice::User(42)));
        assert_eq!(parse("t:keys"), Some(Notice::Topic("keys".into())));
        assert_eq!(parse("t:"), None);
        assert_eq!(parse("sync:9:7"), Some(Notice::Sync { instance: 9, n: 7 }));
        assert_eq!(parse("sync:7"), None);
        assert_eq!(parse("u:x"), None);
        assert_eq!(parse(""), None);
    }

    #[test]
    fn nothing_is_current_without_a_listener() {
        let c = Changes::default();
        assert_eq!(c.begin(), None);
        assert!(!c.current(0, 1));
    }

    #[test]
    fn a_notice_about_a_user_stales_only_that_user() {
        let c = live();
        let s = c.begin().unwrap();
        c.apply(Notice::User(1));
        assert!(!c.current(s, 1));
        assert!(c.current(s, 2));
        // Loaded after the notice: current.
        let later = c.begin().unwrap();
        assert!(c.current(later, 1));
    }

    #[test]
    fn a_notice_about_everyone_stales_all() {
        let c = live();
        let s = c.begin().unwrap();
        c.apply(Notice::Everyone);
        assert!(!c.current(s, 1) && !c.current(s, 2));
    }

    #[tokio::test]
    async fn a_sync_counts_once_this_instances_notice_or_a_later_one_arrived() {
        let c = live();
        let (n, payload) = c.sync_notice();
        let (later, _) = c.sync_notice();
        let wait = Duration::from_millis(20);
        assert!(!c.until_synced(n, wait).await, "nothing arrived yet");
        // Another instance's notice with the same number does not count.
        c.apply(Notice::Sync {
            instance: c.0.instance.0.wrapping_add(1),
            n: later,
        });
        assert!(!c.until_synced(n, wait).await);
        assert_eq!(
            parse(&payload),
            Some(Notice::Sync {
                instance: c.0.instance.0,
                n
            })
        );
        c.apply(parse(&payload).unwrap());
        assert!(c.until_synced(n, wait).await);
        assert!(!c.until_synced(later, wait).await);
        c.apply(Notice::Sync {
            instance: c.0.instance.0,
            n: later,
        });
        assert!(c.until_synced(n, wait).await && c.until_synced(later, wait).await);
    }

    #[test]
    fn losing_the_listener_stales_everything_loaded_before() {
        let c = live();
        let s = c.begin().unwrap();
        c.set_live(false);
        assert!(!c.current(s, 1));
        c.set_live(true);
        assert!(!c.current(s, 1), "loaded before the reconnect");
        assert!(c.current(c.begin().unwrap(), 1));
    }

    #[tokio::test]
    async fn a_kept_value_is_loaded_again_only_after_a_notice_about_everyone() {
        let c = live();
        let kept = Kept::new(c.clone());
        let loads = std::sync::atomic::AtomicU32::new(0);
        let load = || async { Ok::<_, ()>(loads.fetch_add(1, Ordering::SeqCst) + 1) };
        assert_eq!(*kept.get(load()).await.unwrap(), 1);
        assert_eq!(*kept.get(load()).await.unwrap(), 1, "kept");
        c.apply(Notice::User(5));
        assert_eq!(*kept.get(load()).await.unwrap(), 1, "one user's notice");
        c.apply(Notice::Everyone);
        assert_eq!(*kept.get(load()).await.unwrap(), 2);
    }

    #[tokio::test]
    async fn a_users_value_is_loaded_again_after_a_notice_about_them_or_everyone() {
        let c = live();
        let kept = KeptFor::new(c.clone(), 100);
        let loads = std::sync::atomic::AtomicU32::new(0);
        let load = || async { Ok::<_, ()>(loads.fetch_add(1, Ordering::SeqCst) + 1) };
        assert_eq!(*kept.get(5, "mon", load()).await.unwrap(), 1);
        assert_eq!(*kept.get(5, "mon", load()).await.unwrap(), 1, "kept");
        assert_eq!(*kept.get(5, "tue", load()).await.unwrap(), 2, "another key");
        assert_eq!(
            *kept.get(6, "mon", load()).await.unwrap(),
            3,
            "another user"
        );
        c.apply(Notice::User(6));
        assert_eq!(*kept.get(5, "mon", load()).await.unwrap(), 1, "not about 5");
        assert_eq!(*kept.get(6, "mon", load()).await.unwrap(), 4);
        c.apply(Notice::Everyone);
        assert_eq!(*kept.get(5, "mon", load()).await.unwrap(), 5);
    }

    #[tokio::test]
    async fn nothing_is_kept_without_a_listener() {
        let kept = Kept::new(Changes::default());
        let loads = std::sync::atomic::AtomicU32::new(0);
        let load = || async { Ok::<_, ()>(loads.fetch_add(1, Ordering::SeqCst) + 1) };
        assert_eq!(*kept.get(load()).await.unwrap(), 1);
        assert_eq!(*kept.get(load()).await.unwrap(), 2);
    }

    #[tokio::test]
    async fn a_value_on_a_topic_is_loaded_again_after_its_topic_everyone_or_its_time() {
        let c = live();
        let kept = KeptOn::new(c.clone(), "keys", 100);
        let loads = std::sync::atomic::AtomicU32::new(0);
        let t0 = Utc::now();
        let soon = t0 + chrono::Duration::seconds(10);
        let load = |until| {
            let loads = &loads;
            async move { Ok::<_, ()>((loads.fetch_add(1, Ordering::SeqCst) + 1, until)) }
        };
        assert_eq!(*kept.get_until("p1", t0, load(None)).await.unwrap(), 1);
        assert_eq!(
            *kept.get_until("p1", t0, load(None)).await.unwrap(),
            1,
            "kept"
        );
        assert_eq!(
            *kept.get_until("p2", t0, load(Some(soon))).await.unwrap(),
            2
        );
        c.apply(Notice::Topic("archives".into()));
        c.apply(Notice::User(5));
        assert_eq!(
            *kept.get_until("p1", t0, load(None)).await.unwrap(),
            1,
            "not keys"
        );
        assert_eq!(
            *kept.get_until("p2", t0, load(None)).await.unwrap(),
            2,
            "before its time"
        );
        assert_eq!(
            *kept.get_until("p2", soon, load(None)).await.unwrap(),
            3,
            "its time came"
        );
        assert_eq!(
            *kept.get_until("p2", soon, load(None)).await.unwrap(),
            3,
            "no time now"
        );
        c.apply(Notice::Topic("keys".into()));
        assert_eq!(*kept.get_until("p1", t0, load(None)).await.unwrap(), 4);
        assert_eq!(*kept.get_until("p1", t0, load(None)).await.unwrap(), 4);
        c.apply(Notice::Everyone);
        assert_eq!(*kept.get_until("p1", t0, load(None)).await.unwrap(), 5);
    }
}
