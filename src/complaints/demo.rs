//! Demo matters for `kefu seed-demo`: one waiting to be assigned, one being
//! followed up, one done, so the register and its statistics show something.
use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::models::{NewComplaint, NewNote};
use super::queries;
use crate::schema::{complaints, users};

pub async fn seed_demo(conn: &mut AsyncPgConnection) -> anyhow::Result<()> {
    conn.transaction::<_, anyhow::Error, _>(async |conn| {
        let any: i64 = complaints::table.count().get_result(conn).await?;
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
        let (Some(employee), Some(specialist)) = (
            id_of(conn, "employee").await?,
            id_of(conn, "specialist").await?,
        ) else {
            return Ok(());
        };
        let now = Utc::now();
        let demo = [
            (
                3,
                "phone",
                "complaint",
                "刘先生",
                "13800001111",
                "1栋-1单元-0101",
                "楼道灯坏了三天没人修。",
                None,
                None,
            ),
            (
                26,
                "visit",
                "request",
                "王女士",
                "",
                "1栋-2单元-0302",
                "希望小区增设电动车充电桩。",
                Some(specialist),
                None,
            ),
            (
                50,
                "online",
                "inquiry",
                "赵先生",
                "13900002222",
                "",
                "咨询房产证办理进度和所需资料。",
                Some(specialist),
                Some("已电话告知所需资料与办理时间，客户满意。"),
            ),
        ];
        for (hours_ago, channel, kind, name, phone, room, content, assignee, done) in demo {
            let at = now - Duration::hours(hours_ago);
            let id = queries::create(
                conn,
                &NewComplaint {
                    received_at: at,
                    channel,
                    kind,
                    customer_name: name,
                    customer_phone: phone,
                    room,
                    content,
                    recorded_by: employee,
                    recorded_at: at,
                    assignee_id: assignee,
                    assigned_at: assignee.map(|_| at),
                },
            )
            .await?;
            if let (Some(who), Some(outcome)) = (assignee, done) {
                let at = at + Duration::hours(4);
                queries::add_note(
                    conn,
                    &NewNote {
                        complaint_id: id,
                        author_id: who,
                        at,
                        body: outcome,
                    },
                )
                .await?;
                queries::resolve(conn, id, at, outcome).await?;
            }
        }
        Ok(())
    })
    .await
}
