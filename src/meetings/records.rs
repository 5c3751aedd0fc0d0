//! The meeting records: the register by month, a record's page, the form that
//! files one after the meeting, and the exports.
use std::collections::HashSet;

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::Utc;
use diesel_async::AsyncConnection;
use serde::Deserialize;
use serde_json::json;

use super::forms::{MeetingInput, ValidMeeting};
use super::models::{Counts, Meeting, MeetingLine, MeetingRecord, NewMeeting};
use super::queries::{self, Filter};
use super::views::{
    held, AttendancePage, AttendancePrint, MeetingForm, MeetingList, MeetingListPrint,
    MeetingPrint, MeetingShow,
};
use crate::audit;
use crate::auth::Right;
use crate::db::DbConn;
use crate::error::AppError;
use crate::web::export::{self, Cell, ExportFormat, Sheet, SHEET_MAX};
use crate::web::month::{self, MonthQuery};
use crate::web::{html, once, FieldErrors, Form, PageCtx, Query, UserPage};

const PAGE: i64 = 50;

/// The register's filter from the page's query: a month, all kinds or one.
fn filter(q: &MonthQuery, page: &UserPage) -> (Filter, chrono::NaiveDate) {
    let first = q.month(page.ctx().today());
    let (from, until) = month::span(first, page.tz);
    let show = q.show(&super::SHOWS);
    let kind = super::KINDS.iter().find(|k| **k == show).copied();
    (Filter { from, until, kind }, first)
}

/// GET /meetings: the records by month, newest meeting first.
pub async fn list(
    page: UserPage,
    mut conn: DbConn,
    q: Query<MonthQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewMeetings)?;
    let (filter, month) = filter(&q, &page);
    let mut rows = queries::page(&mut conn, &filter, q.cursor(), PAGE + 1).await?;
    let query = q.query(month, &super::SHOWS);
    let next = crate::web::trim_page(&mut rows, PAGE as usize).map(|r| {
        format!(
            "{query}&before={}",
            month::cursor_of(r.meeting.started_at, r.meeting.id)
        )
    });
    let body = MeetingList {
        ctx: page.ctx(),
        rows,
        next,
        month: month.format("%Y-%m").to_string(),
        show: q.show(&super::SHOWS),
        query,
        cites: super::CITES,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// The record's form: a new one (`of` none) or a correction of record `of`.
fn form(
    page: &UserPage,
    of: Option<i64>,
    input: &MeetingInput,
    errors: &FieldErrors,
    staff: &[(i64, String)],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let body = MeetingForm {
        ctx: page.ctx(),
        action: of.map_or("/meetings/new".into(), |id| format!("/meetings/{id}/edit")),
        heading: if of.is_some() {
            "meetings.correct"
        } else {
            "meetings.new"
        },
        input,
        errors,
        staff,
        cites: super::CITES,
    }
    .render()?;
    Ok(html(status, body))
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    kind: String,
    /// The notice (会议通知) the meeting was called by.
    #[serde(default, deserialize_with = "crate::web::form::number_or_none")]
    notice: Option<i64>,
}

/// GET /meetings/new?kind=morning: a blank record of a meeting held today (a
/// monthly one: on its last Saturday, see [`super::forms::usual_day`]).
/// With `notice=`, the record of the meeting that notice called, as it said
/// (a notice already recorded leads to its record).
pub async fn new_form(
    page: UserPage,
    mut conn: DbConn,
    q: Query<NewQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RecordMeetings)?;
    let notice = match q.notice {
        Some(id) => Some(super::notices::queries::get(&mut conn, id).await?.0),
        None => None,
    };
    if let Some(m) = notice.as_ref().and_then(|n| n.meeting_id) {
        return Ok(crate::web::see_other(&format!("/meetings/{m}")));
    }
    let notice = notice.filter(|n| n.recordable(Utc::now()));
    let kind = match &notice {
        Some(n) => n.kind.as_str(),
        None if super::KINDS.contains(&q.kind.as_str()) => q.kind.as_str(),
        None => super::KINDS[0],
    };
    let (day, afternoon) = match &notice {
        Some(n) => {
            let start = n.starts_at.with_timezone(&page.tz);
            (start.date_naive(), chrono::Timelike::hour(&start) >= 12)
        }
        None => (
            super::forms::usual_day(kind, page.ctx().today()),
            super::forms::in_afternoon(kind),
        ),
    };
    let staff = queries::staff(&mut conn, None).await?;
    // Away for the meeting's half of the day: a half day off in the other
    // half leaves them expected.
    let on_leave: HashSet<i64> = crate::leave::queries::approved_between(&mut conn, day, day)
        .await?
        .into_iter()
        .filter(|l| l.leave.covers(day, afternoon))
        .map(|l| l.leave.user_id)
        .collect();
    let topic = page.locale.t_in("meetings.kind", kind);
    // Not expected: those outside the department, or whom the notice did not ask.
    let outside = match &notice {
        Some(n) => {
            let asked: HashSet<i64> = super::notices::queries::invited(&mut conn, n.id)
                .await?
                .into_iter()
                .map(|p| p.id)
                .collect();
            staff
                .iter()
                .map(|(id, _)| *id)
                .filter(|id| !asked.contains(id))
                .collect()
        }
        None => queries::outside_department(&mut conn).await?,
    };
    let expected = (&on_leave, &outside);
    let mut input = MeetingInput::fresh(kind, day, page.user().id, &staff, expected, topic);
    if let Some(n) = &notice {
        input = MeetingInput::of_notice(n, input, page.tz);
    }
    form(
        &page,
        None,
        &input,
        &FieldErrors::new(page.locale),
        &staff,
        StatusCode::OK,
    )
}

/// A sent record form, read: its one-time token, the staff it may list, and the
/// record when valid (else `errors` says why).
struct Sent {
    errors: FieldErrors,
    token: Option<once::Token>,
    staff: Vec<(i64, String)>,
    now: chrono::DateTime<Utc>,
    valid: Option<super::forms::ValidMeeting>,
}

async fn read(
    page: &UserPage,
    session: &Session,
    conn: &mut DbConn,
    input: &mut MeetingInput,
    of: Option<i64>,
) -> Result<Sent, AppError> {
    let mut errors = FieldErrors::new(page.locale);
    let token = once::check(conn, session, page, &mut input.form_token, &mut errors).await?;
    let staff = queries::staff(conn, of).await?;
    let now = Utc::now();
    let valid = input.validate(&mut errors, now, page.tz, &staff);
    Ok(Sent {
        errors,
        token,
        staff,
        now,
        valid,
    })
}

/// A record a new one would repeat: the field the form says it at, the
/// message's catalog key, the record.
type Clash = (&'static str, &'static str, Meeting);

/// The record a meeting `v` (recorded as `of`, when correcting) would repeat:
/// the day's morning meeting, held once a day (晨会每天执行), the analysis
/// meeting of the month it stands for, held once a month (月分析例会, which
/// each supervisor is reminded of, so two may set out to record it), or a
/// meeting of the same kind at the same minute. Attendance would otherwise
/// count twice. Inside the saving transaction, which it locks against another
/// form's.
async fn repeats(
    page: &UserPage,
    conn: &mut diesel_async::AsyncPgConnection,
    v: &ValidMeeting,
    of: Option<i64>,
) -> Result<Option<Clash>, AppError> {
    queries::lock_records(conn).await?;
    if let (Some(id), None) = (v.notice, of) {
        let notice = super::notices::queries::lock(conn, id).await?;
        if let Some(m) = notice.meeting_id {
            let other = queries::get(conn, m).await?.meeting;
            return Ok(Some(("day", "meetings.error.notice_recorded", other)));
        }
    }
    if let Some(month) = v.for_month {
        let other = queries::recorded(conn, queries::Same::Month(month), of).await?;
        return Ok(other.map(|m| ("for_month", "meetings.error.same_month", m)));
    }
    let day = v.started_at.with_timezone(&page.tz).date_naive();
    let start = |d: chrono::NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .and_then(|t| t.and_local_timezone(page.tz).earliest())
            .map(|t| t.with_timezone(&Utc))
    };
    let (span, key) = match v.kind {
        "morning" => (
            start(day).zip(day.succ_opt().and_then(start)),
            "meetings.error.same_day",
        ),
        _ => (
            Some((v.started_at, v.started_at + chrono::Duration::minutes(1))),
            "meetings.error.same_time",
        ),
    };
    let Some(span) = span else {
        return Ok(None);
    };
    let other = queries::recorded(conn, queries::Same::Held(v.kind, span), of).await?;
    Ok(other.map(|m| ("day", key, m)))
}

/// The form with the message of a meeting that would repeat `other`, at its field.
fn repeated(errors: &mut FieldErrors, page: &UserPage, (field, key, other): &Clash) {
    let month = month::text(other.for_month);
    errors.add_text(
        field,
        page.tf(
            key,
            &[
                ("number", &other.number()),
                ("at", &page.ctx().datetime(&other.started_at)),
                ("month", &month),
            ],
        ),
    );
}

/// The notice a new record says it is made from, checked: one that exists,
/// whose meeting has begun and was not called off, of the record's kind (a
/// form kept open, or altered, names no other). One already recorded is
/// refused under the lock ([`repeats`]).
async fn check_notice(
    conn: &mut DbConn,
    input: &MeetingInput,
    valid: Option<&ValidMeeting>,
    now: chrono::DateTime<Utc>,
    errors: &mut FieldErrors,
) -> Result<(), AppError> {
    let text = input.notice.trim();
    if text.is_empty() {
        return Ok(());
    }
    let notice = match text.parse::<i64>() {
        Ok(id) => super::notices::queries::find(conn, id).await?,
        Err(_) => None,
    };
    let fits = notice.is_some_and(|n| {
        n.cancelled_at.is_none() && n.starts_at <= now && valid.is_none_or(|v| v.kind == n.kind)
    });
    if !fits {
        errors.add("notice", "meetings.error.notice");
    }
    Ok(())
}

/// POST /meetings/new: the record of a meeting held, with who attended.
pub async fn create(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    Form(mut input): Form<MeetingInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RecordMeetings)?;
    let Sent {
        mut errors,
        token,
        staff,
        now,
        valid,
    } = read(&page, &session, &mut conn, &mut input, None).await?;
    check_notice(&mut conn, &input, valid.as_ref(), now, &mut errors).await?;
    let valid = valid.filter(|_| errors.is_empty());
    let (Some(v), Some(token)) = (valid, token) else {
        return form(
            &page,
            None,
            &input,
            &errors,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let me = page.user().id;
    let meta = page.meta();
    let counts = Counts::of(v.attendance.iter().map(|(_, s)| *s));
    let mut clash = None;
    let filed = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me).await? {
                return Ok(None);
            }
            // A repeat undoes the claim: the form may be sent again, changed.
            clash = repeats(&page, conn, &v, None).await?;
            if clash.is_some() {
                return Err(AppError::Db(diesel::result::Error::RollbackTransaction));
            }
            let id = queries::create(
                conn,
                &NewMeeting {
                    kind: v.kind,
                    started_at: v.started_at,
                    ended_at: v.ended_at,
                    place: &v.place,
                    topic: &v.topic,
                    chair_id: v.chair,
                    minutes: &v.minutes,
                    recorded_by: me,
                    recorded_at: now,
                    for_month: v.for_month,
                },
                &v.attendance,
            )
            .await?;
            // The notice that called it leads to it; one called off stays so.
            if let Some(n) = v.notice {
                let notice = super::notices::queries::lock(conn, n).await?;
                if notice.cancelled_at.is_none() {
                    super::notices::queries::recorded_as(conn, n, id).await?;
                }
            }
            audit::record(
                conn,
                &meta,
                "meeting.recorded",
                Some(("meeting", id.to_string())),
                json!({
                    "kind": v.kind,
                    "for_month": v.for_month.map(|m| month::text(Some(m))),
                    "present": counts.present,
                    "late": counts.late,
                    "absent": counts.absent,
                    "leave": counts.leave,
                }),
            )
            .await?;
            Ok(token.filed(conn, format!("/meetings/{id}")).await?)
        })
        .await;
    if let Some(clash) = &clash {
        let mut errors = errors;
        repeated(&mut errors, &page, clash);
        return form(
            &page,
            None,
            &input,
            &errors,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let filed = filed?;
    once::answer(
        &mut conn,
        &session,
        &page,
        &token,
        filed,
        "meetings.recorded",
    )
    .await
}

/// GET /meetings/{id}: the record, its minutes and who attended.
pub async fn show(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewMeetings)?;
    let (record, attendance, counts) = record_of(&mut conn, path.into_inner()).await?;
    let corrections = queries::corrections(&mut conn, record.meeting.id).await?;
    let body = MeetingShow {
        ctx: page.ctx(),
        record,
        attendance,
        counts,
        corrections,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /meetings/{id}/print: the record on paper (会议记录), to sign and file.
pub async fn print(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewMeetings)?;
    let (record, attendance, counts) = record_of(&mut conn, path.into_inner()).await?;
    let body = MeetingPrint {
        ctx: page.ctx(),
        record,
        attendance,
        counts,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// A record as its page and its paper show it: with the attendance and its counts.
async fn record_of(
    conn: &mut DbConn,
    id: i64,
) -> Result<(MeetingRecord, Vec<(i64, String, String)>, Counts), AppError> {
    let record = queries::get(conn, id).await?;
    let attendance = queries::attendance(conn, record.meeting.id).await?;
    let counts = Counts::of(attendance.iter().map(|(_, _, s)| s.as_str()));
    Ok((record, attendance, counts))
}

/// GET /meetings/{id}/edit: the record as it stands, to correct.
pub async fn edit_form(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RecordMeetings)?;
    let meeting = queries::get(&mut conn, path.into_inner()).await?.meeting;
    let attendance = queries::attendance(&mut conn, meeting.id).await?;
    let staff = queries::staff(&mut conn, Some(meeting.id)).await?;
    let input = MeetingInput::of_record(&meeting, &attendance, page.tz);
    form(
        &page,
        Some(meeting.id),
        &input,
        &FieldErrors::new(page.locale),
        &staff,
        StatusCode::OK,
    )
}

/// POST /meetings/{id}/edit: a correction of the record, unless someone
/// corrected it since the form was read (then the form comes back, kept, with
/// a message).
pub async fn update(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(mut input): Form<MeetingInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RecordMeetings)?;
    let meeting = queries::get(&mut conn, path.into_inner()).await?.meeting;
    let id = meeting.id;
    let Sent {
        mut errors,
        token,
        staff,
        now,
        valid,
    } = read(&page, &session, &mut conn, &mut input, Some(id)).await?;
    let version = input.version.trim().parse::<i32>().ok();
    if version.is_none() {
        errors.add("version", "meetings.error.changed");
    }
    let (Some(v), Some(token), Some(version)) = (valid, token, version) else {
        return form(
            &page,
            Some(id),
            &input,
            &errors,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let me = page.user().id;
    let meta = page.meta();
    let mut clash = None;
    let corrected = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me).await? {
                return Ok(None);
            }
            clash = repeats(&page, conn, &v, Some(id)).await?;
            if clash.is_some() {
                return Err(AppError::Db(diesel::result::Error::RollbackTransaction));
            }
            let record = NewMeeting {
                kind: v.kind,
                started_at: v.started_at,
                ended_at: v.ended_at,
                place: &v.place,
                topic: &v.topic,
                chair_id: v.chair,
                minutes: &v.minutes,
                recorded_by: meeting.recorded_by,
                recorded_at: meeting.recorded_at,
                for_month: v.for_month,
            };
            let correction = queries::Correction {
                id,
                version,
                meeting: &record,
                attendance: &v.attendance,
                by: me,
                at: now,
            };
            // The record as it stood, kept with the correction: attendance
            // leads to fines, so what a correction replaced stays readable.
            let before = queries::attendance(conn, id).await?;
            if !queries::correct(conn, &correction).await? {
                // Changed since the form was read: nothing written, token unused.
                return Err(AppError::Db(diesel::result::Error::RollbackTransaction));
            }
            let before: Vec<serde_json::Value> = before
                .iter()
                .map(|(user, name, status)| json!({ "user": user, "name": name, "status": status }))
                .collect();
            audit::record(
                conn,
                &meta,
                "meeting.corrected",
                Some(("meeting", id.to_string())),
                json!({
                    "version": version.saturating_add(1),
                    "before": {
                        "kind": meeting.kind,
                        "for_month": meeting.month_text(),
                        "started_at": meeting.started_at,
                        "ended_at": meeting.ended_at,
                        "place": meeting.place,
                        "topic": meeting.topic,
                        "chair": meeting.chair_id,
                        "minutes": meeting.minutes,
                        "attendance": before,
                    },
                }),
            )
            .await?;
            Ok(token.filed(conn, format!("/meetings/{id}")).await?)
        })
        .await;
    if let Some(clash) = &clash {
        repeated(&mut errors, &page, clash);
        return form(
            &page,
            Some(id),
            &input,
            &errors,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    }
    let filed = match corrected {
        Err(AppError::Db(diesel::result::Error::RollbackTransaction)) => {
            // The user's input comes back as sent, with a fresh token and the
            // record's current version: sending it again overwrites knowingly.
            let mut errors = FieldErrors::new(page.locale);
            errors.add("version", "meetings.error.changed");
            let current = queries::get(&mut conn, id).await?.meeting;
            input.version = current.version.to_string();
            input.form_token = once::new_token();
            return form(
                &page,
                Some(id),
                &input,
                &errors,
                &staff,
                StatusCode::CONFLICT,
            );
        }
        other => other?,
    };
    once::answer(
        &mut conn,
        &session,
        &page,
        &token,
        filed,
        "meetings.corrected",
    )
    .await
}

fn export_sheet(rows: &[MeetingLine], ctx: &PageCtx) -> Sheet {
    let loc = ctx.locale;
    let headers = [
        "meetings.number",
        "meetings.kind_label",
        "meetings.for_month",
        "meetings.time",
        "meetings.place",
        "meetings.topic",
        "meetings.chair",
        "meetings.att.present",
        "meetings.att.late",
        "meetings.att.absent",
        "meetings.att.leave",
        "meetings.minutes",
    ];
    let rows = rows
        .iter()
        .map(|r| {
            let m = &r.meeting;
            vec![
                Cell::from(m.number()),
                loc.t_in("meetings.kind", &m.kind).into(),
                month::text(m.for_month).into(),
                held(m, ctx).into(),
                m.place.clone().into(),
                m.topic.clone().into(),
                r.chair.clone().into(),
                Cell::from(r.counts.present),
                Cell::from(r.counts.late),
                Cell::from(r.counts.absent),
                Cell::from(r.counts.leave),
                m.minutes.clone().into(),
            ]
        })
        .collect();
    Sheet::new(loc, "meetings.title", &headers, rows)
}

/// GET /meetings.csv and .xlsx: the month's records with the page's filter.
pub async fn export(
    page: UserPage,
    mut conn: DbConn,
    q: Query<MonthQuery>,
    format: ExportFormat,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewMeetings)?;
    let (filter, month) = filter(&q, &page);
    let rows = queries::page(&mut conn, &filter, None, SHEET_MAX).await?;
    let sheet = export_sheet(&rows, page.ctx());
    export::respond_month(sheet, format, "meetings", Some(month))
}

/// GET /meetings/print?month=YYYY-MM&show=…: the month's records on paper.
pub async fn list_print(
    page: UserPage,
    mut conn: DbConn,
    q: Query<MonthQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewMeetings)?;
    let (filter, month) = filter(&q, &page);
    let mut rows = queries::page(&mut conn, &filter, None, SHEET_MAX + 1).await?;
    let truncated = crate::web::trim_page(&mut rows, SHEET_MAX as usize).is_some();
    let body = MeetingListPrint {
        ctx: page.ctx(),
        rows,
        month: month.format("%Y-%m").to_string(),
        show: q.show(&super::SHOWS),
        truncated,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// The month's attendance, person by person, for the page and its exports.
async fn attendance_rows(
    page: &UserPage,
    conn: &mut DbConn,
    q: &MonthQuery,
) -> Result<(Vec<(i64, String, Counts)>, chrono::NaiveDate), AppError> {
    page.require(Right::RecordMeetings)?;
    let (filter, month) = filter(q, page);
    let people = queries::attendance_by_person(conn, &filter).await?;
    Ok((people, month))
}

/// GET /meetings/attendance?month=YYYY-MM&show=morning: how often each person
/// was present, late, absent or on leave at the month's meetings (出勤统计),
/// for those who hold the meetings.
pub async fn attendance(
    page: UserPage,
    mut conn: DbConn,
    q: Query<MonthQuery>,
) -> Result<HttpResponse, AppError> {
    let (people, month) = attendance_rows(&page, &mut conn, &q).await?;
    let body = AttendancePage {
        ctx: page.ctx(),
        people,
        month: month.format("%Y-%m").to_string(),
        show: q.show(&super::SHOWS),
        query: q.query(month, &super::SHOWS),
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /meetings/attendance/print: the same table on paper.
pub async fn attendance_print(
    page: UserPage,
    mut conn: DbConn,
    q: Query<MonthQuery>,
) -> Result<HttpResponse, AppError> {
    let (people, month) = attendance_rows(&page, &mut conn, &q).await?;
    let body = AttendancePrint {
        ctx: page.ctx(),
        people,
        month: month.format("%Y-%m").to_string(),
        show: q.show(&super::SHOWS),
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /meetings/attendance.csv and .xlsx: the same table.
pub async fn attendance_export(
    page: UserPage,
    mut conn: DbConn,
    q: Query<MonthQuery>,
    format: ExportFormat,
) -> Result<HttpResponse, AppError> {
    let (people, month) = attendance_rows(&page, &mut conn, &q).await?;
    let headers = [
        "meetings.person",
        "meetings.att.present",
        "meetings.att.late",
        "meetings.att.absent",
        "meetings.att.leave",
    ];
    let rows = people
        .into_iter()
        .map(|(_, name, c)| {
            vec![
                Cell::from(name),
                Cell::from(c.present),
                Cell::from(c.late),
                Cell::from(c.absent),
                Cell::from(c.leave),
            ]
        })
        .collect();
    let sheet = Sheet::new(page.locale, "meetings.by_person", &headers, rows);
    export::respond_month(sheet, format, "meeting-attendance", Some(month))
}
