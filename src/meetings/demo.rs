//! Demo meeting records for `kefu seed-demo`: yesterday's morning meeting and
//! the last monthly analysis meeting, so the register and a record's page show
//! something on a fresh install; and two meeting notices: a training meeting
//! called for three days ahead, and a topic meeting held yesterday afternoon,
//! not yet recorded.
use chrono::{Datelike, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::models::NewMeeting;
use super::queries;
use crate::config::Config;
use crate::schema::{meetings, users};

pub async fn seed_demo(conn: &mut AsyncPgConnection, config: &Config) -> anyhow::Result<()> {
    conn.transaction::<_, anyhow::Error, _>(async |conn| {
        let any: i64 = meetings::table.count().get_result(conn).await?;
        if any > 0 {
            return Ok(());
        }
        let staff: Vec<(i64, String)> = users::table
            .filter(users::active)
            .order(users::id)
            .select((users::id, users::username))
            .load(conn)
            .await?;
        let id_of = |name: &str| staff.iter().find(|(_, u)| u == name).map(|(id, _)| *id);
        let (Some(supervisor), Some(manager), Some(employee)) =
            (id_of("supervisor"), id_of("manager"), id_of("employee"))
        else {
            return Ok(());
        };
        let today = config.today();
        let at = |days: i64, minutes: i64| {
            crate::i18n::day_start(today - Duration::days(days), config.tz)
                .map(|d| d + Duration::minutes(minutes))
        };
        let demo = [
            (
                "morning",
                1,
                (8 * 60 + 5, 8 * 60 + 30),
                supervisor,
                "晨会",
                "1、昨日来访 3 批，均已登记；1栋-1单元-0101 楼道灯报修，工程部今天处理。\n2、提醒：钥匙借出须当日归还，逾期的今天上午追回。\n3、仪容仪表抽查：前台着装整齐。",
                Some((employee, "late")),
            ),
            (
                "monthly",
                8,
                (10 * 60, 11 * 60 + 30),
                manager,
                "本月投诉与来访分析",
                "1、本月投诉 4 件，已办结 3 件；未办结的充电桩申请报公司研究。\n2、来访登记迟登记 2 次，由客服主管提醒当事人。\n3、下月重点：档案到期销毁清单的复核。",
                None,
            ),
        ];
        let now = Utc::now();
        for (kind, days, (from, to), chair, topic, minutes, exception) in demo {
            let (Some(started_at), Some(ended_at)) = (at(days, from), at(days, to)) else {
                continue;
            };
            let attendance: Vec<(i64, &str)> = staff
                .iter()
                .map(|(id, _)| match exception {
                    Some((who, status)) if who == *id => (*id, status),
                    _ => (*id, "present"),
                })
                .collect();
            queries::create(
                conn,
                &NewMeeting {
                    kind,
                    started_at,
                    ended_at,
                    place: "服务中心会议室",
                    topic,
                    chair_id: chair,
                    minutes,
                    recorded_by: chair,
                    recorded_at: now.min(ended_at + Duration::minutes(20)),
                    // The month it was held in.
                    for_month: (kind == "monthly")
                        .then(|| (today - Duration::days(days)).with_day(1))
                        .flatten(),
                },
                &attendance,
            )
            .await?;
        }
        let invited: Vec<i64> = staff
            .iter()
            .filter(|(_, u)| !matches!(u.as_str(), "admin" | "engineer"))
            .map(|(id, _)| *id)
            .collect();
        let notices = [
            (
                "training",
                -3,
                (14 * 60, 15 * 60 + 30),
                "新版客户接待礼仪培训",
                "请提前阅读《客户服务中心员工行为规范》，携带笔记本。",
            ),
            ("topic", 1, (15 * 60, 16 * 60), "钥匙借用逾期专题会", ""),
        ];
        for (kind, days, (from, to), topic, agenda) in notices {
            let (Some(starts_at), Some(ends_at)) = (at(days, from), at(days, to)) else {
                continue;
            };
            super::notices::queries::create(
                conn,
                &super::notices::models::NewNotice {
                    kind,
                    starts_at,
                    ends_at,
                    place: "服务中心会议室",
                    topic,
                    agenda,
                    called_by: supervisor,
                    called_at: now.min(starts_at - Duration::days(2)),
                },
                &invited,
            )
            .await?;
        }
        Ok(())
    })
    .await
}
