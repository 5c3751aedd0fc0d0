//! The `meetings.morning` job (every 15 minutes): the morning meeting is held every day
//! (会议制度管理规定 1: 晨会 每天上午 8:05—8:30, ①每天执行; the time may be set by
//! each service centre) and its record made by the supervisor who chaired it.
//! From `MORNING_MEETING_REMIND_AT` (10:00 unless set; the site's time) on a day
//! of `MORNING_MEETING_DAYS` (every day unless set) with no record of a morning
//! meeting, each customer-service supervisor gets one mail that day asking for it.
use chrono::{DateTime, Utc};
use diesel_async::AsyncPgConnection;

use super::mail::MorningMissing;
use super::queries;
use crate::auth::Role;
use crate::config::Config;

pub async fn remind(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    config: &Config,
) -> anyhow::Result<String> {
    let local = now.with_timezone(&config.tz);
    let today = local.date_naive();
    if !config.morning_meeting_on(today) {
        return Ok(format!("no morning meeting on {}", local.format("%A")));
    }
    let from = config.morning_remind_at;
    if local.time() < from {
        return Ok(format!("before {}", from.format("%H:%M")));
    }
    let day = |d| crate::i18n::day_start(d, config.tz).unwrap_or(now);
    let tomorrow = today.succ_opt().unwrap_or(today);
    if queries::held_between(conn, "morning", day(today), day(tomorrow)).await? {
        return Ok("recorded".into());
    }
    let mut url = config.base_url.clone();
    url.set_path("/meetings/new");
    url.set_query(Some("kind=morning"));
    let mut sent = 0;
    for s in crate::users::queries::holders(conn, Role::CsSupervisor.code()).await? {
        let mail = MorningMissing {
            loc: s.locale(),
            to_name: s.display_name.clone(),
            day: today.to_string(),
            url: url.to_string(),
        }
        .render()?;
        let key = format!("morning_missing:{}:{today}", s.id);
        if crate::mail::enqueue(conn, &key, "morning_missing", &s.recipient(), &mail).await? {
            sent += 1;
        }
    }
    Ok(format!("no record today; {sent} reminders"))
}
