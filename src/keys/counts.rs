//! Shift handover counts (交接班清点): the cabinet's expected keys, ticked off by
//! the clerk; what was not found is recorded.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Utc;
use diesel_async::AsyncConnection;
use serde::Deserialize;
use serde_json::json;

use super::forms::{self, CountInput};
use super::queries::{self, NewEvent};
use super::views::{self, Txt};
use crate::audit;
use crate::auth::Right;
use crate::db::DbConn;
use crate::error::AppError;
use crate::web::{html, see_other, Form, UserPage};

#[derive(Deserialize)]
pub struct CabinetQuery {
    cabinet: Option<String>,
}

/// GET /keys/counts?cabinet=…: what should be in the cabinet, to tick off; past counts.
pub async fn list(
    page: UserPage,
    mut conn: DbConn,
    q: web::Query<CabinetQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewKeys)?;
    let cabinets = queries::cabinets(&mut conn).await?;
    let cabinet = q.cabinet.clone().filter(|c| cabinets.contains(c));
    let expected = match &cabinet {
        Some(c) => queries::expected_in(&mut conn, c).await?,
        None => Vec::new(),
    };
    let counts = queries::counts(&mut conn, 50).await?;
    let body = views::Counts {
        ctx: page.ctx(),
        cites: views::CITE_COUNT,
        txt: Txt(page.locale),
        cabinets,
        cabinet,
        expected,
        counts,
        manage: page.may(Right::ManageKeys),
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// POST /keys/counts: the list of what should be there is taken again now; every
/// key not ticked is a discrepancy, recorded on the count and in its history.
pub async fn create(
    page: UserPage,
    mut conn: DbConn,
    Form(input): Form<CountInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageKeys)?;
    let cabinet = input.cabinet.trim().to_owned();
    let present = forms::ids(&input.present);
    let note: String = input.note.trim().chars().take(1000).collect();
    let me = page.user().id;
    let meta = page.meta();
    let id = conn
        .transaction::<_, AppError, _>(async |conn| {
            let expected: Vec<i64> = queries::expected_in(conn, &cabinet)
                .await?
                .iter()
                .map(|k| k.id)
                .collect();
            let now = Utc::now();
            let id =
                queries::create_count(conn, &cabinet, me, &expected, &present, &note, now).await?;
            let missing: Vec<i64> = expected
                .iter()
                .copied()
                .filter(|k| !present.contains(k))
                .collect();
            if !missing.is_empty() {
                queries::add_events(
                    conn,
                    &missing,
                    &NewEvent {
                        action: "count_missing",
                        actor_id: Some(me),
                        loan_id: None,
                        note: &note,
                        at: now,
                    },
                )
                .await?;
            }
            audit::record(
                conn,
                &meta,
                "keys.counted",
                Some(("key_count", id.to_string())),
                json!({ "cabinet": cabinet, "expected": expected.len(), "missing": missing }),
            )
            .await?;
            Ok(id)
        })
        .await?;
    Ok(see_other(&format!("/keys/counts/{id}")))
}

/// GET /keys/counts/{id}
pub async fn show(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewKeys)?;
    let (count, by) = queries::count(&mut conn, path.into_inner()).await?;
    let missing = queries::count_missing(&mut conn, count.id).await?;
    let body = views::CountShow {
        ctx: page.ctx(),
        txt: Txt(page.locale),
        count,
        by,
        missing,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}
