use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{NaiveDate, TimeZone, Utc};
use serde::Deserialize;

use super::queries::{self, Filter};
use super::views::AuditList;
use crate::auth::Right;
use crate::db::DbConn;
use crate::error::AppError;
use crate::web::UserPage;

const PAGE: i64 = 50;

#[derive(Deserialize, Default, Debug)]
pub struct AuditQuery {
    #[serde(default)]
    pub actor: String,
    #[serde(default)]
    pub action: String,
    #[serde(default)]
    pub entity: String,
    #[serde(default)]
    pub entity_id: String,
    #[serde(default)]
    pub from: String,
    #[serde(default)]
    pub until: String,
    #[serde(default)]
    pub before_at: String,
    #[serde(default)]
    pub before_id: Option<i64>,
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// GET /admin/audit: the log, newest first, filtered.
pub async fn list(
    page: UserPage,
    mut conn: DbConn,
    q: web::Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewAudit)?;
    let tz = page.tz;
    let mut date_error = false;
    let mut day = |s: &str, plus_one: bool| -> Option<chrono::DateTime<Utc>> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => {
                let d = if plus_one { d.succ_opt()? } else { d };
                tz.from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
                    .earliest()
                    .map(|t| t.with_timezone(&Utc))
            }
            Err(_) => {
                date_error = true;
                None
            }
        }
    };
    let from = day(&q.from, false);
    let until = day(&q.until, true);
    let before = match (
        chrono::DateTime::parse_from_rfc3339(&q.before_at),
        q.before_id,
    ) {
        (Ok(at), Some(id)) => Some((at.with_timezone(&Utc), id)),
        _ => None,
    };
    let filter = Filter {
        actor: non_empty(&q.actor),
        action: non_empty(&q.action),
        entity: non_empty(&q.entity),
        entity_id: non_empty(&q.entity_id),
        from,
        until,
        before,
    };
    let mut rows = queries::page(&mut conn, &filter, PAGE + 1).await?;
    let older = if rows.len() as i64 > PAGE {
        rows.truncate(PAGE as usize);
        rows.last().map(|last| {
            let mut s = url::form_urlencoded::Serializer::new(String::new());
            s.append_pair("actor", &q.actor)
                .append_pair("action", &q.action)
                .append_pair("entity", &q.entity)
                .append_pair("entity_id", &q.entity_id)
                .append_pair("from", &q.from)
                .append_pair("until", &q.until)
                .append_pair("before_at", &last.at.to_rfc3339())
                .append_pair("before_id", &last.id.to_string());
            s.finish()
        })
    } else {
        None
    };
    let actions = queries::actions(&mut conn).await?;
    let body = AuditList {
        ctx: page.ctx(),
        rows,
        actions,
        q: &q,
        older,
        date_error,
    }
    .render()?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body))
}
