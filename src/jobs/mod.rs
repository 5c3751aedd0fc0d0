//! Periodic jobs, run in-process by every instance and coordinated through
//! PostgreSQL: a run first inserts its unique (job, period) row, so whatever the
//! number of instances each job runs once per period. Job logic takes the time
//! as an argument, so tests run it at exact moments.
mod admin;

use actix_web::web;
use anyhow::Context;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::FutureExt;
use std::time::Duration;

use crate::config::Config;
use crate::db::Pool;
use crate::schema::job_runs;

/// Mounted under `/admin` (see `startup::routes`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(web::scope("/jobs").route("", web::get().to(admin::list)));
}

/// A job and how often it runs.
pub struct Job {
    pub name: &'static str,
    pub every_minutes: i64,
}

/// Every periodic job. Reminders and escalations of approvals run every 15 minutes.
pub const JOBS: [Job; 14] = [
    Job {
        name: "approvals.remind",
        every_minutes: 15,
    },
    Job {
        name: "approvals.escalate",
        every_minutes: 15,
    },
    Job {
        name: "archives.retention",
        every_minutes: 24 * 60,
    },
    Job {
        name: "archives.borrows_overdue",
        every_minutes: 24 * 60,
    },
    Job {
        name: "visits.digest",
        every_minutes: 24 * 60,
    },
    Job {
        name: "violations.propose",
        every_minutes: 60,
    },
    Job {
        name: "keys.overdue",
        every_minutes: 60,
    },
    Job {
        name: "handbook.acks",
        every_minutes: 60,
    },
    Job {
        name: "meetings.morning",
        // Often enough that MORNING_MEETING_REMIND_AT need not be on the hour.
        every_minutes: 15,
    },
    Job {
        name: "meetings.monthly",
        every_minutes: 60,
    },
    Job {
        name: "meetings.noticed",
        every_minutes: 60,
    },
    Job {
        name: "meetings.today",
        // Often enough that MEETING_DAY_REMIND_AT need not be on the hour.
        every_minutes: 15,
    },
    Job {
        name: "complaints.follow_up",
        every_minutes: 24 * 60,
    },
    Job {
        name: "forms.cleanup",
        every_minutes: 24 * 60,
    },
];

/// A job's result is stored as catalog terms (`jobs.said.*`) and shown in
/// each reader's language: the word `key` means.
pub fn said(key: &str) -> String {
    crate::approvals::term(&format!("jobs.said.{key}"))
}

/// As [`said`], with a count (`{n}` in the catalog's text).
pub fn counted(key: &str, n: usize) -> String {
    crate::approvals::count_term(&format!("jobs.said.{key}"), n)
}

/// The parts of a result, one after another.
pub fn joined(parts: &[String]) -> String {
    parts.join(&said("sep"))
}

/// A stored result in `loc` (runs stored before results were terms read as
/// they were written).
pub fn result_in(result: &str, loc: crate::i18n::Locale) -> String {
    crate::approvals::localize(result, loc)
}

pub fn find(name: &str) -> Option<&'static Job> {
    JOBS.iter().find(|j| j.name == name)
}

/// Daily jobs run at this hour of the site's day (`TZ`): the start of the
/// office's day, before the 08:05 morning meeting (会议制度).
pub const DAILY_AT_HOUR: u32 = 8;

/// The period `now` falls in, as the UTC minute it starts, e.g.
/// `2026-11-27T08:15` for a 15-minute job. A daily job's period starts at
/// [`DAILY_AT_HOUR`] in `tz`, so its mails reach people at the start of their
/// day wherever the site is; shorter periods follow the clock.
pub fn period(job: &Job, now: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    let start = if job.every_minutes == 24 * 60 {
        daily_start(now, tz)
    } else {
        let secs = job.every_minutes * 60;
        DateTime::from_timestamp(now.timestamp() - now.timestamp().rem_euclid(secs), 0)
    };
    start.unwrap_or(now).format("%Y-%m-%dT%H:%M").to_string()
}

/// The last [`DAILY_AT_HOUR`] in `tz` at or before `now`, in UTC.
fn daily_start(now: DateTime<Utc>, tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    use chrono::TimeZone;
    let at = chrono::NaiveTime::from_hms_opt(DAILY_AT_HOUR, 0, 0)?;
    let local = now.with_timezone(&tz);
    let day = if local.time() >= at {
        local.date_naive()
    } else {
        local.date_naive().pred_opt()?
    };
    // The hour exists on every day of the zones in use (clocks change at
    // night); should it not, the earliest instant after the gap is taken.
    tz.from_local_datetime(&day.and_time(at))
        .earliest()
        .or_else(|| {
            tz.from_local_datetime(&day.and_hms_opt(DAILY_AT_HOUR + 1, 0, 0)?)
                .earliest()
        })
        .map(|t| t.to_utc())
}

/// Runs the job's logic at `now`; returns a one-line summary for the run list.
pub async fn execute(
    conn: &mut AsyncPgConnection,
    job: &Job,
    now: DateTime<Utc>,
    config: &Config,
) -> anyhow::Result<String> {
    match job.name {
        "approvals.remind" => crate::approvals::jobs::remind(conn, now, config).await,
        "approvals.escalate" => crate::approvals::jobs::escalate(conn, now, config).await,
        "archives.retention" => crate::archives::retention::notify(conn, now, config).await,
        "archives.borrows_overdue" => {
            crate::archives::borrow::remind_overdue(conn, now, config).await
        }
        "keys.overdue" => crate::keys::jobs::overdue(conn, now, config).await,
        "visits.digest" => crate::visits::jobs::digest(conn, now, config).await,
        "violations.propose" => crate::violations::jobs::propose(conn, now, config).await,
        "handbook.acks" => crate::handbook::reminders::run(conn, now, config).await,
        "meetings.morning" => crate::meetings::jobs::remind(conn, now, config).await,
        "meetings.monthly" => crate::meetings::jobs::monthly(conn, now, config).await,
        "meetings.noticed" => crate::meetings::jobs::noticed(conn, now, config).await,
        "meetings.today" => crate::meetings::notices::remind_today(conn, now, config).await,
        "complaints.follow_up" => crate::complaints::jobs::follow_up(conn, now, config).await,
        "forms.cleanup" => crate::web::once::cleanup(conn, now).await,
        other => anyhow::bail!("unknown job {other}"),
    }
}

/// A failed run is tried again within its period after this many minutes (a
/// third of the period for shorter ones).
pub const RETRY_FAILED_MINUTES: i64 = 10;
/// A run unfinished this long was cut short (its instance stopped): tried again
/// (after a third of the period for shorter ones).
pub const RETRY_STALE_MINUTES: i64 = 30;

/// Runs `job` for `period` unless some instance already has, or is. Returns the
/// result, or None when this period's run was taken. A run that failed, or never
/// finished, is taken again later in its period: a database hiccup or a restart
/// at the wrong minute does not cost a day's digest (the jobs are idempotent).
pub async fn run_for_period(
    conn: &mut AsyncPgConnection,
    job: &Job,
    period: &str,
    now: DateTime<Utc>,
    config: &Config,
) -> anyhow::Result<Option<String>> {
    use diesel::sql_types::{BigInt, Integer, Text};
    let third = (job.every_minutes / 3).max(1);
    let (failed_after, stale_after) = (
        RETRY_FAILED_MINUTES.min(third) as i32,
        RETRY_STALE_MINUTES.min(third) as i32,
    );
    #[derive(QueryableByName)]
    struct Claimed {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let id: Option<i64> = diesel::sql_query(
        "INSERT INTO job_runs (job, period) VALUES ($1, $2) \
         ON CONFLICT (job, period) DO UPDATE \
         SET started_at = now(), finished_at = NULL, ok = NULL, result = '' \
         WHERE (job_runs.ok = false \
                AND job_runs.finished_at < now() - make_interval(mins => $3)) \
            OR (job_runs.finished_at IS NULL \
                AND job_runs.started_at < now() - make_interval(mins => $4)) \
         RETURNING id",
    )
    .bind::<Text, _>(job.name)
    .bind::<Text, _>(period)
    .bind::<Integer, _>(failed_after)
    .bind::<Integer, _>(stale_after)
    .get_result::<Claimed>(conn)
    .await
    .optional()
    .context("claiming the job run")?
    .map(|c| c.id);
    let Some(id) = id else { return Ok(None) };
    // A job that panics is recorded as a failed run, like one that errs, and the
    // scheduler goes on with the others.
    let result = std::panic::AssertUnwindSafe(execute(conn, job, now, config))
        .catch_unwind()
        .await
        .unwrap_or_else(|panic| Err(anyhow::anyhow!("panicked: {}", panic_text(&*panic))));
    let (ok, text) = match &result {
        Ok(s) => (true, s.clone()),
        Err(e) => (false, format!("{e:#}")),
    };
    diesel::update(job_runs::table.find(id))
        .set((
            job_runs::finished_at.eq(diesel::dsl::now),
            job_runs::ok.eq(ok),
            job_runs::result.eq(&text),
        ))
        .execute(conn)
        .await?;
    result.map(Some)
}

/// What a caught panic said.
fn panic_text(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("no message")
}

/// `kefu run-job NAME`: runs it now, whatever the schedule, recorded as a manual
/// run; its result in English.
pub async fn run_now(
    conn: &mut AsyncPgConnection,
    name: &str,
    now: DateTime<Utc>,
    config: &Config,
) -> anyhow::Result<String> {
    let job = find(name).with_context(|| {
        let names: Vec<_> = JOBS.iter().map(|j| j.name).collect();
        format!("unknown job {name} (jobs: {})", names.join(", "))
    })?;
    let period = format!("manual {}", now.to_rfc3339());
    let result = run_for_period(conn, job, &period, now, config)
        .await?
        .context("this manual run was already recorded")?;
    Ok(result_in(&result, crate::i18n::Locale::En))
}

/// The scheduler: once a minute, each job whose period has no run yet is run.
pub fn spawn(pool: Pool, config: Config) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            for job in &JOBS {
                let now = Utc::now();
                let period = period(job, now, config.tz);
                let result = async {
                    let mut conn = pool.get().await?;
                    run_for_period(&mut conn, job, &period, now, &config).await
                }
                .await;
                match result {
                    Ok(Some(summary)) => {
                        let summary = result_in(&summary, crate::i18n::Locale::En);
                        tracing::info!(job = job.name, %period, %summary, "job ran")
                    }
                    Ok(None) => {}
                    Err(e) => {
                        tracing::error!(job = job.name, error = %format!("{e:#}"), "job failed")
                    }
                }
            }
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(t: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(t).unwrap().to_utc()
    }

    #[test]
    fn periods_start_on_the_quarter_hour() {
        let shanghai = chrono_tz::Asia::Shanghai;
        assert_eq!(
            period(&JOBS[0], at("2026-11-27T08:29:59Z"), shanghai),
            "2026-11-27T08:15"
        );
    }

    #[test]
    fn daily_periods_start_at_eight_in_the_site_zone() {
        let daily = find("complaints.follow_up").unwrap();
        assert_eq!(daily.every_minutes, 24 * 60);
        let (shanghai, ny) = (chrono_tz::Asia::Shanghai, chrono_tz::America::New_York);
        for (tz, now, starts) in [
            // 08:00 in Shanghai is midnight UTC.
            (shanghai, "2026-11-27T00:00:00Z", "2026-11-27T00:00"),
            (shanghai, "2026-11-27T23:59:59Z", "2026-11-27T00:00"),
            // 07:59 in Shanghai still belongs to the day before.
            (shanghai, "2026-11-26T23:59:00Z", "2026-11-26T00:00"),
            // In New York the day's run is at 08:00 there: 13:00 UTC in
            // winter, 12:00 UTC in summer.
            (ny, "2026-11-27T12:59:00Z", "2026-11-26T13:00"),
            (ny, "2026-11-27T13:00:00Z", "2026-11-27T13:00"),
            (ny, "2026-07-01T12:00:00Z", "2026-07-01T12:00"),
            // The day clocks go back (1 Nov 2026) still starts once, at
            // 08:00 EST.
            (ny, "2026-11-01T14:00:00Z", "2026-11-01T13:00"),
        ] {
            assert_eq!(period(daily, at(now), tz), starts, "{now} in {tz}");
        }
    }

    #[test]
    fn every_job_is_named_in_both_languages() {
        use crate::i18n::Locale;
        for job in &JOBS {
            for loc in [Locale::ZhCn, Locale::En] {
                let key = format!("jobs.names.{}", job.name);
                assert!(loc.lookup(&key).is_some(), "{key} in {}", loc.code());
            }
        }
    }
}
