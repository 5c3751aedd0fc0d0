//! Demo sales contracts for `kefu seed-demo`: one at each stage, some signed last
//! month, so the register, a contract's page and last month's report show
//! something on a fresh install.
use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::models::NewContract;
use super::queries::{self, Step};
use crate::config::Config;
use crate::schema::{sales_contracts, users};

pub async fn seed_demo(conn: &mut AsyncPgConnection, config: &Config) -> anyhow::Result<()> {
    conn.transaction::<_, anyhow::Error, _>(async |conn| {
        let any: i64 = sales_contracts::table.count().get_result(conn).await?;
        if any > 0 {
            return Ok(());
        }
        let Some(specialist) = users::table
            .filter(users::username.eq("specialist"))
            .select(users::id)
            .first::<i64>(conn)
            .await
            .optional()?
        else {
            return Ok(());
        };
        let today = config.today();
        // (number, unit, buyer, phone, days ago signed, area, price, payment, agent,
        // steps taken: (step, days ago, note))
        type Demo = (
            &'static str,
            &'static str,
            &'static str,
            &'static str,
            i64,
            i32,
            i64,
            &'static str,
            &'static str,
            &'static [(&'static str, i64, &'static str)],
        );
        let demo: [Demo; 5] = [
            (
                "BS-2026-0101",
                "2栋-1单元-08-0802",
                "周明",
                "13912345678",
                3,
                8956,
                132_500_000,
                "mortgage",
                "安居房产中介",
                &[],
            ),
            (
                "BS-2026-0095",
                "1栋-2单元-15-1503",
                "吴丽",
                "13687654321",
                12,
                11_820,
                176_000_000,
                "mortgage",
                "安居房产中介",
                &[("filed", 5, "房管局窗口 3 号受理")],
            ),
            (
                "BS-2026-0090",
                "3栋-1单元-05-0501",
                "郑强",
                "",
                20,
                7640,
                98_000_000,
                "full",
                "",
                &[("filed", 14, ""), ("notified", 13, "电话通知本人")],
            ),
            (
                "BS-2026-0071",
                "1栋-1单元-12-1202",
                "王芳",
                "13812345678",
                40,
                8956,
                128_800_000,
                "full",
                "",
                &[
                    ("filed", 34, ""),
                    ("notified", 33, ""),
                    ("collected", 31, "本人持身份证领取"),
                    ("surveyed", 2, "测绘报告：产权面积比预售面积多 0.17 ㎡"),
                ],
            ),
            (
                "BS-2026-0068",
                "2栋-2单元-03-0301",
                "孙伟",
                "",
                38,
                9230,
                121_000_000,
                "full",
                "",
                &[("voided", 30, "客户申请退房，经公司批准作废")],
            ),
        ];
        let now = Utc::now();
        for (no, unit, buyer, phone, days, area, price, payment, agent, steps) in demo {
            let signed_on = today - Duration::days(days);
            let id = queries::create(
                conn,
                &NewContract {
                    contract_no: no,
                    project: "碧水花园",
                    unit,
                    buyer,
                    buyer_phone: phone,
                    signed_on,
                    area_centi: area,
                    price_fen: price,
                    payment,
                    agent,
                    recorded_by: specialist,
                    recorded_at: now - Duration::days(days),
                },
            )
            .await?;
            for (step, ago, note) in steps {
                let on_date = today - Duration::days(*ago);
                queries::take_step(
                    conn,
                    &Step {
                        id,
                        step,
                        on_date,
                        note,
                        deed_tax_due: (*step == "notified").then(|| on_date + Duration::days(90)),
                        surveyed: (*step == "surveyed").then(|| {
                            let surveyed = area + 17;
                            let s = super::area::settle(area.into(), surveyed.into(), price);
                            (surveyed, s.adjust_fen)
                        }),
                        cert_no: None,
                        signature: None,
                        by: specialist,
                        at: now - Duration::days(*ago),
                    },
                )
                .await?;
            }
        }
        Ok(())
    })
    .await
}
