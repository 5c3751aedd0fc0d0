//! Corrections of a visit's register: a typo in a name, the matter written
//! short, a wrong end time. The receiver corrects what they registered within
//! [`RECEIVER_HOURS`] of registering it, but not its times, which decide
//! whether the register was late (rule 4); those who read everyone's register
//! (supervisors, the centre manager) correct anything, times too, of a
//! colleague's register, and of their own what its receiver may (nobody clears
//! their own late register). Each correction says why, keeps what it replaced
//! in the audit trail (the phone only as changed), and is listed on the
//! visit's page. A register no longer late after a correction loses the breach
//! kefu proposed for it; one already confirmed stands, as with leave withdrawn.
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use chrono::{DateTime, Utc};
use diesel_async::AsyncConnection;
use serde_json::{json, Map, Value};

use super::forms::VisitInput;
use super::models::{Visit, VisitChanges};
use super::queries;
use crate::audit;
use crate::auth::Right;
use crate::db::DbConn;
use crate::error::AppError;
use crate::web::context::{flash, Tone};
use crate::web::{see_other, FieldErrors, Form, UserPage};

/// How long after registering a visit its receiver may correct it.
pub const RECEIVER_HOURS: i64 = 24;
const REASON_MAX: usize = 500;

/// What this reader may correct of the visit, if anything.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Scope {
    /// Everything: a supervisor or the manager, on a colleague's register.
    All,
    /// Everything but the reception's times: its receiver, for a day.
    Details,
}

pub fn scope(page: &UserPage, v: &Visit, now: DateTime<Utc>) -> Option<Scope> {
    if page.may(Right::ViewVisits) && v.received_by != page.user().id {
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
        version: v.version.to_string(),
        ..Default::default()
    }
}

/// The register's form correcting visit `id`.
fn form(
    page: &UserPage,
    id: i64,
    scope: Scope,
    sent: (&VisitInput, &FieldErrors),
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let locked = scope == Scope::Details;
    super::handlers::form(page, sent, Some((id, locked)), status)
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
    form(&page, id, scope, (&input, &errors), StatusCode::OK)
}

/// What a correction changed, each field as it was and as it is now (the
/// reception as the register writes it); the phone only as changed or not.
fn changes(
    old: &Visit,
    new: &VisitChanges<'_>,
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
        return form(&page, id, scope, (&input, &errors), status);
    };
    let me = page.user().id;
    let meta = page.meta();
    let tz = page.tz;
    let read_from = input.version.trim().parse::<i32>().ok();
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
            // The receiver's correction keeps the times as they stand now.
            let (started_at, ended_at) = match scope {
                Scope::All => (v.started_at, v.ended_at),
                Scope::Details => (old.started_at, old.ended_at),
            };
            let new = VisitChanges {
                started_at,
                ended_at,
                visitor_name: &v.visitor_name,
                visitor_phone: phone,
                visitor_kind: v.visitor_kind,
                room: &v.room,
                matter: &v.matter,
                answer: &v.answer,
                // Measured from the register as it was made, as at first.
                late: old.recorded_at
                    >= ended_at + chrono::Duration::minutes(super::DUE_MINUTES + 1),
            };
            let (from, to, phone_changed) = changes(&old, &new, reception);
            if from.is_empty() && !phone_changed {
                // Nothing differs (the form sent again, or nothing changed).
                return Ok(Outcome::Unchanged);
            }
            if read_from != Some(old.version) {
                // Corrected by a colleague since the form was read: not undone
                // unseen.
                return Ok(Outcome::Meanwhile(old.version));
            }
            queries::correct(conn, id, &new).await?;
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
        Outcome::Meanwhile(version) => {
            // The input kept, the form now at the version that stands; the
            // page lists the correction made meanwhile.
            errors.add("version", "visits.error.changed_meanwhile");
            input.version = version.to_string();
            return form(&page, id, scope, (&input, &errors), StatusCode::CONFLICT);
        }
        Outcome::Unchanged => (Tone::Ok, "visits.unchanged"),
        Outcome::Corrected => (Tone::Ok, "visits.corrected"),
        Outcome::NoLongerLate => (Tone::Ok, "visits.corrected_not_late"),
        Outcome::FineStands => (Tone::Warn, "visits.corrected_fine_stands"),
    };
    flash(&session, tone, page.t(said));
    Ok(see_other(&format!("/visits/{id}")))
}

enum Outcome {
    /// Not written: corrected by someone else since the form was read (the
    /// version now).
    Meanwhile(i32),
    Unchanged,
    Corrected,
    NoLongerLate,
    FineStands,
}
