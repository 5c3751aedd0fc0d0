use actix_web::HttpResponse;
use askama::Template;
use chrono::Utc;
use serde::Deserialize;

use super::queries::{self, Filter};
use super::views::AuditList;
use crate::audit;
use crate::auth::Right;
use crate::db::DbConn;
use crate::error::AppError;
use crate::web::export::{self, Cell, ExportFormat, Sheet};
use crate::web::Query;
use crate::web::UserPage;
use serde_json::json;

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
    #[serde(default, deserialize_with = "crate::web::form::number_or_none")]
    pub before_id: Option<i64>,
}

fn non_empty(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// The filter the query asks for; `true` when a date could not be read.
fn filter_from(q: &AuditQuery, tz: chrono_tz::Tz) -> (Filter, bool) {
    let mut date_error = false;
    let mut day = |s: &str, plus_one: bool| -> Option<chrono::DateTime<Utc>> {
        let s = s.trim();
        if s.is_empty() {
            return None;
        }
        match crate::web::form::date(s) {
            Some(d) => {
                let d = if plus_one { d.succ_opt()? } else { d };
                crate::i18n::day_start(d, tz)
            }
            None => {
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
    (filter, date_error)
}

/// The filters as a query string (for the next page and the export links).
fn filters_query(q: &AuditQuery) -> url::form_urlencoded::Serializer<'static, String> {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    s.append_pair("actor", &q.actor)
        .append_pair("action", &q.action)
        .append_pair("entity", &q.entity)
        .append_pair("entity_id", &q.entity_id)
        .append_pair("from", &q.from)
        .append_pair("until", &q.until);
    s
}

/// GET /admin/audit: the log, newest first, filtered.
pub async fn list(
    page: UserPage,
    mut conn: DbConn,
    q: Query<AuditQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewAudit)?;
    let (filter, date_error) = filter_from(&q, page.tz);
    let mut rows = queries::page(&mut conn, &filter, PAGE + 1).await?;
    let older = crate::web::trim_page(&mut rows, PAGE as usize).map(|last| {
        filters_query(&q)
            .append_pair("before_at", &last.at.to_rfc3339())
            .append_pair("before_id", &last.id.to_string())
            .finish()
    });
    let actions = queries::actions(&mut conn).await?;
    let names = audit::Names::load(&mut conn, &rows, page.locale).await?;
    let body = AuditList {
        ctx: page.ctx(),
        rows,
        names,
        actions,
        entities: audit::entities(),
        q: &q,
        older,
        date_error,
        filters: filters_query(&q).finish(),
    }
    .render()?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(body))
}

/// Most rows one export holds; narrow the filters for more.
const EXPORT_LIMIT: i64 = 10_000;

#[derive(Deserialize)]
pub struct FormatQuery {
    format: String,
}

/// GET /admin/audit/export?format=csv|xlsx&…filters: what the list shows, as a file.
pub async fn export(
    page: UserPage,
    mut conn: DbConn,
    q: Query<AuditQuery>,
    f: Query<FormatQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewAudit)?;
    let format = ExportFormat::parse(&f.format).ok_or(AppError::BadRequest)?;
    let (mut filter, date_error) = filter_from(&q, page.tz);
    if date_error {
        // Not a file of more than was asked for: the list says which date.
        return Ok(crate::web::see_other(&format!(
            "/admin/audit?{}",
            filters_query(&q).finish()
        )));
    }
    filter.before = None;
    let rows = queries::page(&mut conn, &filter, EXPORT_LIMIT).await?;
    audit::record(
        &mut conn,
        &page.meta(),
        "audit.exported",
        None,
        json!({ "format": f.format, "rows": rows.len(), "filters": filters_query(&q).finish() }),
    )
    .await?;
    let names = audit::Names::load(&mut conn, &rows, page.locale).await?;
    let reader = audit::Reader {
        loc: page.locale,
        tz: page.tz,
        names: &names,
    };
    let t = |k: &str| page.t(k).to_owned();
    let sheet = Sheet {
        title: t("audit.title"),
        headers: vec![
            t("audit.at"),
            t("audit.actor"),
            t("audit.action"),
            t("audit.action_code"),
            t("audit.entity"),
            t("audit.entity_code"),
            t("audit.entity_id"),
            t("audit.address"),
            t("audit.details"),
            t("audit.request_id"),
        ],
        rows: rows
            .into_iter()
            .map(|r| {
                let details = reader.text(&r.action, &r.details);
                vec![
                    Cell::from(page.datetime(&r.at)),
                    r.actor.unwrap_or_default().into(),
                    audit::action_label(page.locale, &r.action)
                        .to_owned()
                        .into(),
                    r.action.into(),
                    r.entity
                        .as_deref()
                        .map(|e| audit::entity_label(page.locale, e).to_owned())
                        .unwrap_or_default()
                        .into(),
                    r.entity.unwrap_or_default().into(),
                    r.entity_id.unwrap_or_default().into(),
                    r.ip.map(|ip| audit::address_label(page.locale, &ip).to_owned())
                        .unwrap_or_default()
                        .into(),
                    details.into(),
                    r.request_id.unwrap_or_default().into(),
                ]
            })
            .collect(),
    }
    .capped(page.locale, EXPORT_LIMIT as usize);
    export::respond(&sheet, format, "audit-log")
}
