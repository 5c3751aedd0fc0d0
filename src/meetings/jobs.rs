//! The meetings' jobs (会议制度管理规定 1): each meeting the rules set is recorded
//! by the supervisor who chaired it.
//!
//! `meetings.morning` (every 15 minutes): the morning meeting is held every day
//! (晨会 每天上午 8:05—8:30, ①每天执行; the time may be set by each service
//! centre). From `MORNING_MEETING_REMIND_AT` (10:00 unless set; the site's time)
//! on a day of `MORNING_MEETING_DAYS` (every day unless set) with no record of a
//! morning meeting, each customer-service supervisor gets one mail that day.
//!
//! `meetings.monthly` (hourly): the monthly analysis meeting is held on the
//! Saturday of the month's last week at 10:00 (月分析例会). From noon that day,
//! while the month has no such meeting on record (one held on any day that
//! stands for the month: a meeting postponed into the next month counts for its
//! own), each supervisor gets one mail for the month.
//!
//! `meetings.noticed` (hourly): a meeting called by notice (会议通知) that
//! ended at least [`NOTICED_AFTER`] ago, within the last [`NOTICED_WITHIN`],
//! and is not on record gets whoever called it one mail asking for its record;
//! when they no longer have an account, each supervisor gets one instead.
//!
//! `meetings.today` (every 15 minutes), the reminder on the day of a meeting
//! called ahead, is the notices' ([`super::notices::remind_today`]): it
//! writes their mail.
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use diesel_async::AsyncPgConnection;

use super::mail::MeetingMissing;
use super::queries;
use crate::approvals::models::Person;
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
        return Ok(crate::jobs::said("no_meeting_today"));
    }
    let from = config.morning_remind_at;
    if local.time() < from {
        return Ok(format!(
            "{} {}",
            crate::jobs::said("before"),
            from.format("%H:%M")
        ));
    }
    let day = |d| crate::i18n::day_start(d, config.tz).unwrap_or(now);
    let tomorrow = today.succ_opt().unwrap_or(today);
    if queries::held_between(conn, "morning", day(today), day(tomorrow)).await? {
        return Ok(crate::jobs::said("recorded"));
    }
    let sent = ask_supervisors(conn, config, "morning", &today.to_string()).await?;
    Ok(crate::jobs::joined(&[
        crate::jobs::said("no_record_today"),
        crate::jobs::counted("reminders", sent),
    ]))
}

/// Mails each customer-service supervisor, once per `period` (the day, the
/// month), that the meeting of `kind` is not on record, with the link to record
/// it. Returns how many were queued now.
async fn ask_supervisors(
    conn: &mut AsyncPgConnection,
    config: &Config,
    kind: &str,
    period: &str,
) -> anyhow::Result<usize> {
    let (subject_key, body_key) = match kind {
        "monthly" => (
            "meetings.mail.monthly_missing_subject",
            "meetings.mail.monthly_missing_body",
        ),
        _ => (
            "meetings.mail.missing_subject",
            "meetings.mail.missing_body",
        ),
    };
    let mut url = config.base_url.clone();
    url.set_path("/meetings/new");
    url.set_query(Some(&format!("kind={kind}")));
    let message = format!("{kind}_missing");
    let mut sent = 0;
    for s in crate::users::queries::holders(conn, Role::CsSupervisor.code()).await? {
        let mail = MeetingMissing {
            loc: s.locale(),
            to_name: s.display_name.clone(),
            day: period.to_owned(),
            url: url.to_string(),
            subject_key,
            body_key,
        }
        .render()?;
        let key = format!("{message}:{}:{period}", s.id);
        if crate::mail::enqueue(conn, &key, &message, &s.recipient(), &mail).await? {
            sent += 1;
        }
    }
    Ok(sent)
}

/// When the month's analysis meeting is asked for if not on record: after it
/// (10:00) has had time to end.
pub const MONTHLY_REMIND_AT: NaiveTime = match NaiveTime::from_hms_opt(12, 0, 0) {
    Some(t) => t,
    None => NaiveTime::MIN,
};

/// The Saturday of the last week of `day`'s month (每月最后一周的周六): the
/// month's last Saturday.
pub fn last_saturday(day: NaiveDate) -> NaiveDate {
    let next_month = day
        .with_day(1)
        .and_then(|first| first.checked_add_months(chrono::Months::new(1)))
        .unwrap_or(day);
    let last = next_month - Duration::days(1);
    let saturday = Weekday::Sat.num_days_from_monday();
    let back = (last.weekday().num_days_from_monday() + 7 - saturday) % 7;
    last - Duration::days(i64::from(back))
}

pub async fn monthly(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    config: &Config,
) -> anyhow::Result<String> {
    let local = now.with_timezone(&config.tz);
    let today = local.date_naive();
    let saturday = last_saturday(today);
    if today < saturday || (today == saturday && local.time() < MONTHLY_REMIND_AT) {
        let at = MONTHLY_REMIND_AT.format("%H:%M");
        return Ok(format!("{} {saturday} {at}", crate::jobs::said("before")));
    }
    let first = today.with_day(1).unwrap_or(today);
    if queries::held_for_month(conn, first).await? {
        return Ok(crate::jobs::said("recorded"));
    }
    let month = first.format("%Y-%m").to_string();
    let sent = ask_supervisors(conn, config, "monthly", &month).await?;
    Ok(crate::jobs::joined(&[
        crate::jobs::said("no_record_month"),
        crate::jobs::counted("reminders", sent),
    ]))
}

/// How long after a called meeting's end its record is asked for.
pub const NOTICED_AFTER: Duration = Duration::hours(1);
/// How long after its end a called meeting's record is still asked for.
pub const NOTICED_WITHIN: Duration = Duration::days(7);

pub async fn noticed(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    config: &Config,
) -> anyhow::Result<String> {
    let owed =
        super::notices::queries::unrecorded(conn, (now - NOTICED_WITHIN, now - NOTICED_AFTER))
            .await?;
    if owed.is_empty() {
        return Ok(crate::jobs::said("no_unrecorded"));
    }
    // A meeting whose caller has left is the supervisors' to record, as the
    // meetings the rules set are.
    let supervisors = if owed.iter().any(|(_, _, active)| !active) {
        crate::users::queries::holders(conn, Role::CsSupervisor.code()).await?
    } else {
        Vec::new()
    };
    let message = "noticed_missing";
    let mut sent = 0;
    for (n, caller, active) in &owed {
        let asked: Vec<(&Person, String, &'static str)> = if *active {
            let body = "meetings.mail.noticed_missing_body";
            vec![(caller, format!("{message}:{}", n.id), body)]
        } else {
            let body = "meetings.mail.noticed_orphan_body";
            supervisors
                .iter()
                .map(|s| (s, format!("{message}:{}:{}", n.id, s.id), body))
                .collect()
        };
        let mut url = config.base_url.clone();
        url.set_path("/meetings/new");
        url.set_query(Some(&format!("notice={}", n.id)));
        let when = super::views::span_text(&n.starts_at, &n.ends_at, |t| {
            crate::i18n::minute(*t, config.tz)
        });
        for (to, key, body_key) in asked {
            let loc = to.locale();
            let mail = MeetingMissing {
                loc,
                to_name: to.display_name.clone(),
                day: format!("{}{}", n.topic, loc.note(&when)),
                url: url.to_string(),
                subject_key: "meetings.mail.noticed_missing_subject",
                body_key,
            }
            .render()?;
            if crate::mail::enqueue(conn, &key, message, &to.recipient(), &mail).await? {
                sent += 1;
            }
        }
    }
    Ok(crate::jobs::joined(&[
        crate::jobs::counted("unrecorded", owed.len()),
        crate::jobs::counted("reminders", sent),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_monthly_meeting_falls_on_the_months_last_saturday() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        // November 2026 ends on a Monday, January 2027 on a Sunday, October
        // 2026 on a Saturday.
        assert_eq!(last_saturday(d(2026, 11, 3)), d(2026, 11, 28));
        assert_eq!(last_saturday(d(2027, 1, 31)), d(2027, 1, 30));
        assert_eq!(last_saturday(d(2026, 10, 1)), d(2026, 10, 31));
        assert_eq!(last_saturday(d(2026, 12, 31)), d(2026, 12, 26));
    }

    #[test]
    fn a_monthly_record_proposes_the_last_saturday_gone_by() {
        use crate::meetings::forms::{off_schedule, usual_day};
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        assert_eq!(usual_day("monthly", d(2026, 12, 1)), d(2026, 11, 28));
        assert_eq!(usual_day("monthly", d(2026, 11, 28)), d(2026, 11, 28));
        assert_eq!(usual_day("monthly", d(2026, 11, 30)), d(2026, 11, 28));
        assert_eq!(usual_day("monthly", d(2027, 1, 3)), d(2026, 12, 26));
        assert_eq!(usual_day("morning", d(2026, 12, 1)), d(2026, 12, 1));
        let november = Some(d(2026, 11, 1));
        assert_eq!(off_schedule(november, d(2026, 11, 28)), None);
        assert_eq!(
            off_schedule(november, d(2026, 11, 21)),
            Some(d(2026, 11, 28))
        );
        // Postponed into December, it is still November's.
        assert_eq!(
            off_schedule(november, d(2026, 12, 5)),
            Some(d(2026, 11, 28))
        );
        // Not a monthly meeting.
        assert_eq!(off_schedule(None, d(2026, 11, 21)), None);
    }
}
