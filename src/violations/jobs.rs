//! The `violations.propose` job (hourly): the breaches the registers show become
//! proposals a supervisor confirms or dismisses (never fines by themselves):
//! visitor registers made late, keys a colleague kept a day past their due time,
//! leave recorded after the fact.
//! Each is proposed once, whatever the number of runs and instances (a unique
//! source per proposal).
use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncPgConnection;

use crate::config::Config;

/// Registers looked at: breaches from before this are left alone (a first run
/// on an old database proposes no history).
pub const LOOK_BACK_DAYS: i64 = 30;
/// A key kept this long past its due time is a breach.
pub const KEY_GRACE_HOURS: i64 = 24;

pub async fn propose(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    config: &Config,
) -> anyhow::Result<String> {
    let n = super::queries::propose_from_registers(
        conn,
        now - Duration::days(LOOK_BACK_DAYS),
        now,
        Duration::hours(KEY_GRACE_HOURS),
        config.tz.name(),
    )
    .await?;
    Ok(crate::jobs::counted("breaches_proposed", n))
}
