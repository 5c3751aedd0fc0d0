//! Demo archives for `kefu seed-demo`: the demo residents' archives with some
//! documents missing, a confidential one, a borrow awaiting approval and a
//! destruction list in review. Only when there is no archive yet.
use chrono::{Duration, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

use super::models::NewDocument;
use super::queries::{self, Scope};
use crate::approvals::{self, engine};
use crate::config::Config;
use crate::error::AppError;
use crate::schema::{archives, users};

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

async fn user(conn: &mut AsyncPgConnection, name: &str) -> QueryResult<Option<i64>> {
    users::table
        .filter(users::username.eq(name))
        .select(users::id)
        .first(conn)
        .await
        .optional()
}

pub async fn seed_demo(conn: &mut AsyncPgConnection, config: &Config) -> anyhow::Result<()> {
    let any: Option<i64> = archives::table
        .select(archives::id)
        .first(conn)
        .await
        .optional()?;
    let (Some(keeper), Some(specialist)) =
        (user(conn, "keeper").await?, user(conn, "specialist").await?)
    else {
        return Ok(());
    };
    if any.is_some() {
        return Ok(());
    }
    let people = queries::placements(conn, None, 3).await?;
    let types = queries::doc_types(conn).await?;
    let now = Utc::now();
    conn.transaction::<_, AppError, _>(async |conn| {
        let mut borrow_doc = None;
        let mut expired = Vec::new();
        for (i, p) in people.iter().enumerate() {
            let Some(id) = queries::open_archive(conn, p).await? else {
                continue;
            };
            queries::add_history(conn, id, None, "opened", "", Some(keeper)).await?;
            // The first archive lacks two papers; the second moved out long ago.
            let skip: &[&str] = match i {
                0 => &["renovation_agreement", "fire_safety"],
                1 => &[
                    "owner_register",
                    "service_agreement",
                    "renovation_agreement",
                    "fire_safety",
                    "handover_record",
                ],
                _ => &["tenant_other"],
            };
            for (n, t) in types
                .iter()
                .filter(|t| t.archive_kind == p.kind && !skip.contains(&t.code.as_str()))
                .enumerate()
            {
                let received = if i == 1 {
                    d(2015, 3, 1)
                } else {
                    d(2024, 5, 10)
                };
                let Some(doc) = queries::insert_document(
                    conn,
                    &NewDocument {
                        archive_id: id,
                        type_id: t.id,
                        title: &t.name_zh,
                        received_on: received,
                        pages: 1 + n as i32,
                        cabinet: "A1",
                        box_: &format!("{}-{}", p.building_code, p.number),
                        confidential: t.personal,
                        created_by: keeper,
                    },
                )
                .await?
                else {
                    continue;
                };
                queries::add_history(
                    conn,
                    id,
                    Some(doc),
                    "document_added",
                    &t.name_zh,
                    Some(keeper),
                )
                .await?;
                if i == 0 && t.code == "move_in_notice" {
                    borrow_doc = Some((id, doc));
                }
                if i == 1 && t.personal {
                    expired.push(doc);
                }
            }
            if i == 1 {
                queries::set_moved_out(conn, p.resident_id, Some(d(2020, 1, 15))).await?;
            }
            queries::recompute_retention(conn, Scope::Archive(id)).await?;
            queries::refresh_summary(conn, id).await?;
        }
        if let Some((archive, doc)) = borrow_doc {
            let loan = super::forms::ValidBorrow {
                documents: vec![doc],
                mode: "loan",
                purpose: "核对入伙日期".into(),
                due_on: config.day(now + Duration::days(7)),
                grounds: "work",
                visitor_name: String::new(),
            };
            if let Some(b) = queries::create_borrow(conn, archive, specialist, &loan).await? {
                // Titled as a request filed on the site is.
                let shown = queries::get(conn, archive).await?;
                let asker = approvals::queries::person(conn, specialist).await?;
                let title = super::borrow::subject(&shown, &loan, &asker.display_name);
                engine::submit(
                    conn,
                    &approvals::ARCHIVE_BORROW,
                    b,
                    &title,
                    specialist,
                    config,
                    now,
                )
                .await?;
            }
        }
        if !expired.is_empty() {
            let id = queries::create_destruction(
                conn,
                keeper,
                "expired",
                "迁出业主的身份证复印件",
                &expired,
            )
            .await?;
            engine::submit(
                conn,
                &approvals::ARCHIVE_DESTRUCTION,
                id,
                &format!("XH-{id}"),
                keeper,
                config,
                now,
            )
            .await?;
        }
        Ok(())
    })
    .await?;
    Ok(())
}
