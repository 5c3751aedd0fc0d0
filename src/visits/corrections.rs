//! Corrections of a visit's register: a typo in a name, the matter written
//! short, a wrong end time. The receiver corrects what they registered within
//! [`RECEIVER_HOURS`] of registering it, but not its times, which decide
//! whether the register was late (rule 4); a supervisor corrects anything,
//! times too. Each correction says why, keeps what it replaced in the audit
//! trail (the phone only as changed), and is listed on the visit's page. A
//! register no longer late after a correction loses the breach kefu proposed
//! for it; one already confirmed stands, as with leave withdrawn.
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use serde_json::{json, Map, Value};

use super::forms::VisitInput;
use super::models::Visit;
use super::queries;
use super::views::VisitForm;
use crate::audit;
use crate::auth::Right;
use crate::db::DbConn;
use crate::error::AppError;
use crate::web::context::{flash, Tone};
use crate::web::{html, see_other, FieldErrors, Form, UserPage};

/// How long after registering a visit its receiver may correct it.
pub const RECEIVER_HOURS: i64 = 24;
const REASON_MAX: usize = 500;

/// What this reader may correct of the visit, if anything.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Scope {
    /// Everything: a supervisor.
    All,
    /// Everything but the reception's times: its receiver, for a day.
    Details,
}

pub fn scope(page: &UserPage, v: &Visit, now: DateTime<Utc>) -> Option<Scope> {
    if page.may(Right::ViewVisits) {
        Some(Scope::All)
    } else if v.received_by == page.user().id
        && page.may(Right::RecordVisits)
        && now < v.recorded_at + chrono::Duration::hours(RECEIVER_HOURS)
    {
        Some(Scope::Details)
    } else {
        None
    }
}

/// The form filled with the visit as registered. The phone is left empty (kept
/// unless another is typed): the form does not show it in full.
fn input_of(v: &Visit, tz: chrono_tz::Tz) -> VisitInput {
    let (start, end) = (
        v.started_at.with_timezone(&tz),
        v.ended_at.with_timezone(&tz),
    );
    VisitInput {
        day: start.date_naive().to_string(),
        start: start.format("%H:%M").to_string(),
        end: end.format("%H:%M").to_string(),
        visitor_name: v.visitor_name.clone(),
        visitor_kind: v.visitor_kind.clone(),
        room: v.room.clone(),
        matter: v.matter.clone(),
        answer: v.answer.clone(),
        ..Default::default()
    }
}

fn form(
    page: &UserPage,
    id: i64,
    scope: Scope,
    input: &VisitInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let body = VisitForm {
        ctx: page.ctx(),
        input,
        errors,
        cites: super::CITES,
        correcting: Some(id),
        times_locked: scope == Scope::Details,
    }
    .render()?;
    Ok(html(status, body))
}

/// The visit and what the reader may correct of it; refused when nothing.
async fn correctable(
    conn: &mut DbConn,
    page: &UserPage,
    id: i64,
) -> Result<(Visit, Scope), AppError> {
    let line = super::handlers::visible(conn, page, id).await?;
    let scope = scope(page, &line.visit, Utc::now()).ok_or(AppError::Forbidden)?;
    Ok((line.visit, scope))
}

/// GET /visits/{id}/edit
pub async fn edit_form(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (visit, scope) = correctable(&mut conn, &page, id).await?;
    let input = input_of(&visit, page.tz);
    let errors = FieldErrors::new(page.locale);
    form(&page, id, scope, &input, &errors, StatusCode::OK)
}

#[derive(AsChangeset)]
#[diesel(table_name = crate::schema::visits)]
struct Corrected<'a> {
    started_at: DateTime<Utc>,
    ended_at: DateTime<Utc>,
    visitor_name: &'a str,
    visitor_phone: &'a str,
    visitor_kind: &'a str,
    room: &'a str,
    matter: &'a str,
    answer: &'a str,
    late: bool,
}

/// What a correction changed, each field as it was and as it is now (the
/// reception as the register writes it); the phone only as changed or not.
fn changes(
    old: &Visit,
    new: &Corrected<'_>,
    reception: impl Fn(DateTime<Utc>, DateTime<Utc>) -> String,
) -> (Map<String, Value>, Map<String, Value>, bool) {
    let (mut from, mut to) = (Map::new(), Map::new());
    let mut differ = |key: &str, a: String, b: String| {
        if a != b {
            from.insert(key.into(), a.into());
            to.insert(key.into(), b.into());
        }
    };
    differ(
        "reception",
        reception(old.started_at, old.ended_at),
        reception(new.started_at, new.ended_at),
    );
    differ(
        "visitor_name",
        old.visitor_name.clone(),
        new.visitor_name.into(),
    );
    differ(
        "visitor_kind",
        old.visitor_kind.clone(),
        new.visitor_kind.into(),
    );
    differ("room", old.room.clone(), new.room.into());
    differ("matter", old.matter.clone(), new.matter.into());
    differ("answer", old.answer.clone(), new.answer.into());
    (from, to, old.visitor_phone != new.visitor_phone)
}

/// POST /visits/{id}/edit: the correction, with its reason.
pub async fn correct(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(mut input): Form<VisitInput>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let (visit, scope) = correctable(&mut conn, &page, id).await?;
    if scope == Scope::Details {
        // Not the receiver's to change: the times stand as registered.
        let stored = input_of(&visit, page.tz);
        (input.day, input.start, input.end) = (stored.day, stored.start, stored.end);
    }
    let mut errors = FieldErrors::new(page.locale);
    let now = Utc::now();
    let reason = errors.text("visits", "reason", &input.reason, REASON_MAX, true);
    let valid = input.validate(&mut errors, now, page.tz);
    let Some(v) = valid.filter(|_| errors.is_empty()) else {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return form(&page, id, scope, &input, &errors, status);
    };
    let me = page.user().id;
    let meta = page.meta();
    let tz = page.tz;
    let reception = |s: DateTime<Utc>, e: DateTime<Utc>| {
        let (s, e) = (s.with_timezone(&tz), e.with_timezone(&tz));
        format!(
            "{} {}–{}",
            s.format("%Y-%m-%d"),
            s.format("%H:%M"),
            e.format("%H:%M")
        )
    };
    let outcome = conn
        .transaction::<_, AppError, _>(async |conn| {
            // As it stands now (a colleague may have corrected it meanwhile).
            let old = queries::lock(conn, id).await?;
            let phone = if v.visitor_phone.is_empty() {
                old.visitor_phone.as_str()
            } else {
                v.visitor_phone.as_str()
            };
            let new = Corrected {
                started_at: v.started_at,
                ended_at: v.ended_at,
                visitor_name: &v.visitor_name,
                visitor_phone: phone,
                visitor_kind: v.visitor_kind,
                room: &v.room,
                matter: &v.matter,
                answer: &v.answer,
                // Measured from the register as it was made, as at first.
                late: old.recorded_at
                    >= v.ended_at + chrono::Duration::minutes(super::DUE_MINUTES + 1),
            };
            let (from, to, phone_changed) = changes(&old, &new, reception);
            if from.is_empty() && !phone_changed {
                // Nothing differs (the form sent again, or nothing changed).
                return Ok(Outcome::Unchanged);
            }
            diesel::update(crate::schema::visits::table.find(id))
                .set(&new)
                .execute(conn)
                .await?;
            let mut outcome = Outcome::Corrected;
            if old.late && !new.late {
                crate::violations::queries::dismiss_from(conn, "visit", id, me, &reason).await?;
                outcome =
                    match crate::violations::queries::confirmed_from(conn, "visit", id).await? {
                        Some(_) => Outcome::FineStands,
                        None => Outcome::NoLongerLate,
                    };
            }
            audit::record(
                conn,
                &meta,
                "visit.corrected",
                Some(("visit", id.to_string())),
                json!({
                    "from": from,
                    "to": to,
                    "phone_changed": phone_changed,
                    "late": new.late,
                    "reason": reason,
                }),
            )
            .await?;
            Ok(outcome)
        })
        .await?;
    let (tone, said) = match outcome {
        Outcome::Unchanged => (Tone::Ok, "visits.unchanged"),
        Outcome::Corrected => (Tone::Ok, "visits.corrected"),
        Outcome::NoLongerLate => (Tone::Ok, "visits.corrected_not_late"),
        Outcome::FineStands => (Tone::Warn, "visits.corrected_fine_stands"),
    };
    flash(&session, tone, page.t(said));
    Ok(see_other(&format!("/visits/{id}")))
}

enum Outcome {
    Unchanged,
    Corrected,
    NoLongerLate,
    FineStands,
}

/// A correction as the visit's page lists it.
#[derive(QueryableByName, Debug, Clone)]
pub struct Correction {
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub by_name: String,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    pub details: Value,
}

impl Correction {
    /// The fields it changed, by code, in the form's order.
    pub fn fields(&self) -> Vec<&'static str> {
        let to = self.details.get("to");
        let mut fields: Vec<&'static str> = FIELDS
            .iter()
            .copied()
            .filter(|f| to.is_some_and(|t| t.get(f).is_some()))
            .collect();
        if self.details.get("phone_changed") == Some(&Value::Bool(true)) {
            fields.push("visitor_phone");
        }
        fields
    }

    pub fn reason(&self) -> &str {
        self.details
            .get("reason")
            .and_then(Value::as_str)
            .unwrap_or_default()
    }
}

/// The fields a correction may change, in the form's order (the phone apart).
const FIELDS: [&str; 6] = [
    "reception",
    "visitor_name",
    "visitor_kind",
    "room",
    "matter",
    "answer",
];

/// How many corrections of one visit its page lists (the newest).
const SHOWN: i64 = 50;

/// The visit's corrections, oldest first, read from the audit trail through its
/// (entity, entity_id) index.
pub async fn of(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Vec<Correction>> {
    let mut rows: Vec<Correction> = diesel::sql_query(
        "SELECT a.at, coalesce(u.display_name, '') AS by_name, a.details \
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id \
         WHERE a.entity = 'visit' AND a.entity_id = $1 AND a.action = 'visit.corrected' \
         ORDER BY a.at DESC, a.id DESC LIMIT $2",
    )
    .bind::<diesel::sql_types::Text, _>(id.to_string())
    .bind::<diesel::sql_types::BigInt, _>(SHOWN)
    .load(conn)
    .await?;
    rows.reverse();
    Ok(rows)
}
