//! Demo breaches for `kefu seed-demo`: one the supervisor confirmed for the
//! employee, one waiting for a decision, so the register, the handbook's count
//! and the morning sheet show something on a fresh install.
use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::models::NewViolation;
use super::queries;
use super::schedule;
use crate::config::Config;
use crate::schema::{users, violations};

pub async fn seed_demo(conn: &mut AsyncPgConnection, config: &Config) -> anyhow::Result<()> {
    conn.transaction::<_, anyhow::Error, _>(async |conn| {
        let any: i64 = violations::table.count().get_result(conn).await?;
        if any > 0 {
            return Ok(());
        }
        let id_of = async |conn: &mut AsyncPgConnection, name: &str| {
            users::table
                .filter(users::username.eq(name))
                .select(users::id)
                .first::<i64>(conn)
                .await
                .optional()
        };
        let (Some(supervisor), Some(employee), Some(specialist)) = (
            id_of(conn, "supervisor").await?,
            id_of(conn, "employee").await?,
            id_of(conn, "specialist").await?,
        ) else {
            return Ok(());
        };
        let now = Utc::now();
        let today = config.day(now);
        let demo = [
            (employee, "日常管理 1(2)", 6, "上班时间在前台吃早餐"),
            (
                specialist,
                "日常管理 1(7)",
                1,
                "上午长时间接打私人电话（约 25 分钟）",
            ),
        ];
        let mut ids = Vec::new();
        for (who, clause, days_ago, details) in demo {
            let (s, c) = schedule::for_clause(clause).ok_or_else(|| anyhow::anyhow!(clause))?;
            let id = queries::create(
                conn,
                &NewViolation {
                    employee_id: who,
                    clause: &c.label(),
                    schedule: s.code,
                    occurred_on: today - Duration::days(days_ago),
                    details,
                    charge_fen: None,
                    source: "manual",
                    source_id: None,
                    proposed_by: Some(supervisor),
                    proposed_at: now,
                },
            )
            .await?;
            ids.push((id, s));
        }
        // The first is confirmed: the employee's first breach under its schedule.
        if let Some((id, s)) = <[_]>::first(&ids) {
            let o = s.outcome(0, None, 0);
            queries::confirm(conn, *id, supervisor, now, "", &o).await?;
        }
        Ok(())
    })
    .await
}
