//! The approvals' periodic jobs: remind approvers of requests waiting a while,
//! and pass overdue steps on to the next role. Each task is handled in its own
//! transaction, so one failure does not hold up the others.
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use crate::config::Config;
use crate::error::AppError;
use crate::schema::approval_tasks;

const BATCH: i64 = 500;

/// Reminds, once, every approver whose task has waited `APPROVAL_REMIND_HOURS` and is not
/// yet overdue.
pub async fn remind(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    config: &Config,
) -> anyhow::Result<String> {
    let cutoff = now - Duration::hours(config.approval_remind_hours);
    let ids: Vec<i64> = approval_tasks::table
        .filter(approval_tasks::status.eq("pending"))
        .filter(approval_tasks::reminded_at.is_null())
        .filter(approval_tasks::created_at.le(cutoff))
        .filter(approval_tasks::due_at.gt(now))
        .order(approval_tasks::id)
        .limit(BATCH)
        .select(approval_tasks::id)
        .load(conn)
        .await?;
    let (mut n, mut failed) = (0, 0);
    for id in ids {
        let done = conn
            .transaction::<_, AppError, _>(async |conn| {
                super::engine::remind(conn, id, config, now).await
            })
            .await;
        match done {
            Ok(done) => n += usize::from(done),
            // One bad task must not hold up the others; the next run tries it again.
            Err(e) => {
                failed += 1;
                tracing::error!(task = id, error = %e, "approvals.remind");
            }
        }
    }
    anyhow::ensure!(failed == 0, "remind: {n} done, {failed} failed");
    Ok(crate::jobs::counted("reminded", n))
}

/// Escalates every pending task past its deadline.
pub async fn escalate(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    config: &Config,
) -> anyhow::Result<String> {
    let ids: Vec<i64> = approval_tasks::table
        .filter(approval_tasks::status.eq("pending"))
        .filter(approval_tasks::due_at.le(now))
        .filter(approval_tasks::role_code.ne("admin"))
        .order(approval_tasks::id)
        .limit(BATCH)
        .select(approval_tasks::id)
        .load(conn)
        .await?;
    let (mut n, mut failed) = (0, 0);
    for id in ids {
        let done = conn
            .transaction::<_, AppError, _>(async |conn| {
                super::engine::escalate(conn, id, config, now).await
            })
            .await;
        match done {
            Ok(done) => n += usize::from(done),
            // One bad task must not hold up the others; the next run tries it again.
            Err(e) => {
                failed += 1;
                tracing::error!(task = id, error = %e, "approvals.escalate");
            }
        }
    }
    anyhow::ensure!(failed == 0, "escalate: {n} done, {failed} failed");
    Ok(crate::jobs::counted("escalated", n))
}
