//! The approvals' periodic jobs: remind approvers of requests waiting a while,
//! and pass overdue steps on to the next role. Each task is handled in its own
//! transaction, so one failure does not hold up the others.
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::config::Config;
use crate::error::AppError;
use crate::schema::approval_tasks;

/// Tasks read at a time: a run reads page after page until it has seen them all.
const PAGE: i64 = 500;

/// What a run does to each task it finds.
#[derive(Clone, Copy)]
enum Job {
    Remind,
    Escalate,
}

impl Job {
    fn name(self) -> &'static str {
        match self {
            Job::Remind => "approvals.remind",
            Job::Escalate => "approvals.escalate",
        }
    }
}

/// Reminds, once, every approver whose task has waited `APPROVAL_REMIND_HOURS` and is not
/// yet overdue.
pub async fn remind(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    config: &Config,
) -> anyhow::Result<String> {
    let n = run(conn, Job::Remind, now, config, PAGE).await?;
    Ok(crate::jobs::counted("reminded", n))
}

/// Escalates every pending task past its deadline.
pub async fn escalate(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    config: &Config,
) -> anyhow::Result<String> {
    escalate_in_pages(conn, now, config, PAGE).await
}

/// [`escalate`], reading `page` tasks at a time: tasks that stay where they
/// are (with an admin, or with the only person left) do not keep a run from
/// the ones after them, however many there are.
pub async fn escalate_in_pages(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    config: &Config,
    page: i64,
) -> anyhow::Result<String> {
    let n = run(conn, Job::Escalate, now, config, page).await?;
    Ok(crate::jobs::counted("escalated", n))
}

/// Does `job` to every task it applies to, `page` ids at a time in id order,
/// and counts the tasks it changed. A task that fails is logged and the run
/// goes on; the run then fails, so its period is tried again.
async fn run(
    conn: &mut AsyncPgConnection,
    job: Job,
    now: DateTime<Utc>,
    config: &Config,
    page: i64,
) -> anyhow::Result<usize> {
    let (mut n, mut failed, mut after) = (0, 0, 0);
    loop {
        let ids = due(conn, job, now, config, after, page).await?;
        for &id in &ids {
            let done = conn
                .transaction::<_, AppError, _>(async |conn| match job {
                    Job::Remind => super::engine::remind(conn, id, config, now).await,
                    Job::Escalate => super::engine::escalate(conn, id, config, now).await,
                })
                .await;
            match done {
                Ok(done) => n += usize::from(done),
                // One bad task must not hold up the others; the next run tries it again.
                Err(e) => {
                    failed += 1;
                    tracing::error!(task = id, error = %e, "{}", job.name());
                }
            }
        }
        match ids.last() {
            Some(&last) if ids.len() as i64 == page => after = last,
            _ => break,
        }
    }
    anyhow::ensure!(failed == 0, "{}: {n} done, {failed} failed", job.name());
    Ok(n)
}

/// The next `page` ids after `after` of the pending tasks `job` applies to:
/// for a reminder, those waiting `APPROVAL_REMIND_HOURS`, not reminded and not
/// yet overdue; for escalation, those overdue, not with an admin and not
/// already told of as late (a step that stays with its approver).
async fn due(
    conn: &mut AsyncPgConnection,
    job: Job,
    now: DateTime<Utc>,
    config: &Config,
    after: i64,
    page: i64,
) -> QueryResult<Vec<i64>> {
    let pending = approval_tasks::table
        .filter(approval_tasks::status.eq("pending"))
        .filter(approval_tasks::id.gt(after))
        .into_boxed();
    let which = match job {
        Job::Remind => pending
            .filter(approval_tasks::reminded_at.is_null())
            .filter(
                approval_tasks::created_at.le(now - Duration::hours(config.approval_remind_hours)),
            )
            .filter(approval_tasks::due_at.gt(now)),
        Job::Escalate => pending
            .filter(approval_tasks::due_at.le(now))
            .filter(approval_tasks::role_code.ne("admin"))
            .filter(approval_tasks::late_told_at.is_null()),
    };
    which
        .order(approval_tasks::id)
        .limit(page)
        .select(approval_tasks::id)
        .load(conn)
        .await
}
