//! The register of keys issued to owners (钥匙发放登记): every receipt signed at
//! the hand-over of a room's keys (钥匙管理规定 3(1)), across rooms, by building,
//! on screen, on paper and exported.
use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde::Deserialize;

use super::queries::{self, IssueLine};
use super::views;
use crate::auth::Right;
use crate::db::DbConn;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::web::export::{self, Cell, ExportFormat, Sheet, SHEET_MAX};
use crate::web::{html, Query, UserPage};

const PAGE: i64 = 50;

#[derive(Deserialize)]
pub struct IssuesQuery {
    #[serde(default, deserialize_with = "crate::web::form::number_or_none")]
    before: Option<i64>,
    #[serde(default)]
    building: String,
}

impl IssuesQuery {
    fn building(&self) -> Option<i64> {
        self.building.trim().parse().ok()
    }
}

/// The issues asked for, at most `limit` of them, with each one's keys.
pub struct Issued {
    pub rows: Vec<IssueLine>,
    /// By issue, its keys' doors in key order.
    keys: HashMap<i64, Vec<String>>,
}

impl Issued {
    async fn load(
        conn: &mut DbConn,
        building: Option<i64>,
        before: Option<i64>,
        limit: i64,
    ) -> Result<Issued, AppError> {
        let rows = queries::issues(conn, building, before, limit).await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.0.id).collect();
        let mut keys: HashMap<i64, Vec<String>> = HashMap::new();
        for (issue, door) in queries::issue_key_labels(conn, &ids).await? {
            keys.entry(issue).or_default().push(door);
        }
        Ok(Issued { rows, keys })
    }

    /// An issue's keys by their doors, "防盗铁门、信报箱" (the room is the line's).
    pub fn keys_of(&self, issue: &i64, loc: &Locale) -> String {
        let loc = *loc;
        let doors: Vec<&str> = self
            .keys
            .get(issue)
            .into_iter()
            .flatten()
            .map(|door| super::door_label(loc, door))
            .collect();
        doors.join(loc.t("paper.item_separator"))
    }
}

/// GET /keys/issues?building=…: the receipts signed, newest first.
pub async fn list(
    page: UserPage,
    mut conn: DbConn,
    choices: web::Data<queries::BuildingChoices>,
    q: Query<IssuesQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewKeys)?;
    let building = q.building();
    let mut issued = Issued::load(&mut conn, building, q.before, PAGE + 1).await?;
    let next = crate::web::trim_page(&mut issued.rows, PAGE as usize).map(|r| r.0.id);
    let body = views::Issues {
        ctx: page.ctx(),
        buildings: queries::building_choices(&mut conn, &choices).await?,
        building,
        issued,
        next,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /keys/issues/print?building=…: the register on paper, newest first.
pub async fn print(
    page: UserPage,
    mut conn: DbConn,
    choices: web::Data<queries::BuildingChoices>,
    q: Query<IssuesQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewKeys)?;
    let mut issued = Issued::load(&mut conn, q.building(), None, SHEET_MAX + 1).await?;
    let truncated = crate::web::trim_page(&mut issued.rows, SHEET_MAX as usize).is_some();
    let building = queries::building_name(&mut conn, &choices, q.building()).await?;
    let body = views::IssuesPrint {
        ctx: page.ctx(),
        building,
        issued,
        truncated,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /keys/issues.csv and .xlsx?building=…: the register as a sheet.
pub async fn export(
    page: UserPage,
    mut conn: DbConn,
    q: Query<IssuesQuery>,
    format: ExportFormat,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewKeys)?;
    let issued = Issued::load(&mut conn, q.building(), None, SHEET_MAX).await?;
    let loc = page.locale;
    let headers = [
        "keys.receipt_no",
        "keys.room",
        "keys.owner",
        "keys.keys_col",
        "keys.sign_owner",
        "keys.signed_at",
        "keys.issued_by",
    ];
    let rows = issued
        .rows
        .iter()
        .map(|(issue, room, code, owner, clerk)| {
            vec![
                Cell::from(format!("FF-{}", issue.id)),
                room.label(code).into(),
                owner.clone().into(),
                issued.keys_of(&issue.id, &loc).into(),
                issue.signed_name.clone().into(),
                crate::i18n::minute(issue.signed_at, page.tz).into(),
                clerk.clone().into(),
            ]
        })
        .collect();
    let sheet = Sheet::new(loc, "keys.issues_title", &headers, rows);
    export::respond(&sheet, format, "key-issues")
}
