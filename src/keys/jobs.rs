//! `keys.overdue`: mails the borrower and the custodian department of every loan
//! out past its due time, when it falls due and then once per calendar day,
//! whatever the number of runs or instances; and the demo data.
use anyhow::Context;
use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};

use super::queries;
use crate::approvals::models::Person;
use crate::config::Config;
use crate::i18n::Locale;
use crate::mail;

/// "A key you hold is overdue": to the borrower and to the custodian.
pub struct KeyOverdue {
    pub loc: Locale,
    pub to_name: String,
    pub borrower: String,
    pub keys: String,
    pub due: String,
    pub purpose: String,
    pub url: String,
}

crate::mail_templates!(
    KeyOverdue,
    "mail/key_overdue/subject.txt",
    "mail/key_overdue/body.txt",
    "mail/key_overdue/body.html"
);

/// Runs the reminder at `now`; returns a one-line summary.
pub async fn overdue(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    config: &Config,
) -> anyhow::Result<String> {
    let day = now.with_timezone(&config.tz).date_naive();
    let ids = queries::overdue_unnoticed(conn, now, day)
        .await
        .context("listing overdue loans")?;
    let (mut reminded, mut failed) = (0, 0);
    for id in ids {
        let sent = conn
            .transaction::<_, anyhow::Error, _>(async |conn| {
                remind(conn, id, day, now, config).await
            })
            .await;
        match sent {
            Ok(sent) => reminded += usize::from(sent),
            // One bad loan must not hold up the others; the next run tries it again.
            Err(e) => {
                failed += 1;
                tracing::error!(loan = id, error = %format!("{e:#}"), "keys.overdue");
            }
        }
    }
    anyhow::ensure!(failed == 0, "overdue: {reminded} reminded, {failed} failed");
    Ok(crate::jobs::counted("overdue_loans_reminded", reminded))
}

/// One loan's reminder of `day`: the notice row and the mails commit together,
/// and a notice already written (another run, another instance) sends nothing.
async fn remind(
    conn: &mut AsyncPgConnection,
    id: i64,
    day: chrono::NaiveDate,
    now: DateTime<Utc>,
    config: &Config,
) -> anyhow::Result<bool> {
    let loan = queries::lock_loan(conn, id).await?;
    if !loan.overdue(now) || !queries::claim_notice(conn, id, day, now).await? {
        return Ok(false);
    }
    let keys = queries::loan_keys(conn, id).await?;
    let out: Vec<super::models::KeyLabel> = keys
        .iter()
        .filter(|(_, out, _)| *out)
        .map(|(k, _, _)| super::models::KeyLabel {
            label: k.label.clone(),
            door: k.door.clone(),
        })
        .collect();
    let category = queries::category(conn, &loan.category).await?;
    // The borrower, or for an outside worker (or a colleague who has left
    // since) the colleague who filed the loan, when still here; then those
    // holding the custodian department's role for the building's project.
    // Someone who has left is not written to.
    let mut to: Vec<Person> = Vec::new();
    let ids: Vec<i64> = loan
        .borrower_id
        .into_iter()
        .chain([loan.requested_by])
        .collect();
    let mut here = crate::approvals::queries::active_persons(conn, &ids).await?;
    if let Some(first) = ids.iter().find_map(|id| here.remove(id)) {
        to.push(first);
    }
    let project = super::project_of(conn, "key_loan", id).await?;
    let custodians =
        crate::users::queries::holders_for(conn, &category.custodian_role, project).await?;
    for p in custodians {
        if !to.iter().any(|t| t.id == p.id) {
            to.push(p);
        }
    }
    let mut url = config.base_url.clone();
    url.set_path(&format!("/keys/loans/{id}"));
    let due = crate::i18n::minute(loan.due_at, config.tz);
    for p in to {
        let mail = KeyOverdue {
            loc: p.locale(),
            to_name: p.display_name.clone(),
            borrower: loan.borrower_name.clone(),
            keys: super::views::Txt(p.locale()).keys(&out),
            due: due.clone(),
            purpose: loan.purpose.clone(),
            url: url.to_string(),
        }
        .render()?;
        mail::enqueue(
            conn,
            &format!("key_overdue:{id}:{day}:{}", p.id),
            "key_overdue",
            &p.recipient(),
            &mail,
        )
        .await?;
    }
    Ok(true)
}

/// Demo data: the demo buildings' key sets, a common-area key, and a few loans
/// (one out and overdue, one awaiting approval, one returned). Idempotent: does
/// nothing once any key exists, or when there are no demo rooms.
pub async fn seed_demo(conn: &mut AsyncPgConnection, config: &Config) -> anyhow::Result<()> {
    conn.transaction::<_, anyhow::Error, _>(async |conn| seed_demo_in(conn, config).await)
        .await
}

async fn seed_demo_in(conn: &mut AsyncPgConnection, config: &Config) -> anyhow::Result<()> {
    use crate::schema::{buildings, keys, users};
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let any: i64 = keys::table.count().get_result(conn).await?;
    if any > 0 {
        return Ok(());
    }
    let blds: Vec<(i64, String)> = buildings::table
        .order(buildings::id)
        .limit(2)
        .select((buildings::id, buildings::code))
        .load(conn)
        .await?;
    let user = |name: &'static str| {
        users::table
            .filter(users::username.eq(name))
            .select(users::id)
    };
    let specialist: Option<i64> = user("specialist").first(conn).await.optional()?;
    let engineer: Option<i64> = user("engineer").first(conn).await.optional()?;
    // The loan awaiting approval is the employee's: the engineering manager,
    // who approves it, may not approve a loan of his own.
    let employee: Option<(i64, String)> = users::table
        .filter(users::username.eq("employee"))
        .select((users::id, users::display_name))
        .first(conn)
        .await
        .optional()?;
    let (Some(specialist), Some(engineer)) = (specialist, engineer) else {
        return Ok(());
    };
    let now = Utc::now();
    for (id, code) in &blds {
        let rooms = queries::rooms_without_keys(conn, *id).await?;
        super::handlers::create_for_rooms(conn, &rooms, code, &format!("{code}号柜"), specialist)
            .await?;
    }
    let Some((b, code)) = <[_]>::first(&blds) else {
        return Ok(());
    };
    queries::insert_keys(
        conn,
        &[super::models::NewKey {
            category: "common",
            building_id: *b,
            room_id: None,
            floor: Some(1),
            door: "消防通道门".into(),
            label: super::models::common_label(code, 1),
            cabinet: format!("{code}号柜"),
            hook: Some(100),
            copies: 2,
            custodian: "engineering".into(),
        }],
    )
    .await?;
    let key_ids: Vec<(i64, String, String, String)> = keys::table
        .filter(keys::building_id.eq(*b))
        .filter(keys::category.eq_any(["facility", "common"]))
        .order(keys::id)
        .select((keys::id, keys::category, keys::label, keys::door))
        .load(conn)
        .await?;
    let facility = key_ids.iter().find(|k| k.1 == "facility");
    let common = key_ids.iter().find(|k| k.1 == "common");
    let (Some(facility), Some(common)) = (facility, common) else {
        return Ok(());
    };
    // Returned first: the same key then goes out again.
    let demo = [
        ("returned", -50, "抄配电房电表", "", facility),
        ("out", -3, "更换配电房照明灯具", "GD-2026-1101", facility),
        (
            "pending",
            20,
            "检查消防通道门闭门器",
            "GD-2026-1102",
            common,
        ),
    ];
    for (status, hours, purpose, order, (key, category, label, door)) in demo {
        let due = now + chrono::Duration::hours(hours);
        let (borrower, borrower_name) = match employee.as_ref().filter(|_| status == "pending") {
            Some((e, name)) => (*e, name.as_str()),
            None => (engineer, "工程部经理 刘洋"),
        };
        // Filed six hours before it falls due, or just now for one due later.
        let filed = (due - chrono::Duration::hours(6)).min(now - chrono::Duration::minutes(10));
        let id = queries::create_loan(
            conn,
            &super::models::NewLoan {
                category,
                building_id: *b,
                borrower_kind: "staff",
                borrower_id: Some(borrower),
                borrower_name,
                borrower_company: "",
                borrower_id_number: "".into(),
                work_order: order,
                purpose,
                due_at: due,
                status: if status == "pending" {
                    "pending"
                } else {
                    "approved"
                },
                requested_by: specialist,
                created_at: filed,
            },
        )
        .await?;
        queries::add_loan_lines(conn, id, &[*key]).await?;
        let approver = if category == "owner" {
            crate::auth::Role::CsSupervisor
        } else {
            crate::auth::Role::EngineeringManager
        };
        if status == "pending" {
            crate::approvals::engine::submit_with_roles(
                conn,
                &super::KEY_LOAN,
                Some(&[vec![approver, crate::auth::Role::CenterManager]]),
                id,
                &super::loans::approval_subject(borrower_name, [(&**label, &**door)].into_iter()),
                specialist,
                config,
                now,
            )
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        }
        match status {
            "out" => {
                queries::mark_out(conn, id, specialist, due - chrono::Duration::hours(5)).await?;
                queries::set_status(conn, &[*key], "lent", now).await?;
            }
            "returned" => {
                queries::mark_out(conn, id, specialist, due - chrono::Duration::hours(5)).await?;
                queries::close_lines(conn, id, &[], due - chrono::Duration::hours(1)).await?;
                queries::mark_returned(conn, id, specialist, due - chrono::Duration::hours(1))
                    .await?;
            }
            _ => {}
        }
    }
    Ok(())
}
