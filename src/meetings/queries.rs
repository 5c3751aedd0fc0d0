//! SQL of the meeting records. Every function takes the connection, so it works
//! inside the caller's transaction.
use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::models::{Counts, Meeting, MeetingLine, MeetingRecord, NewAttendance, NewMeeting};
use crate::schema::{meeting_attendance, meetings, user_roles, users};

/// Which records the register shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Meetings started from this instant, before that one (a month of the site).
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Only meetings of this kind.
    pub kind: Option<&'static str>,
}

/// A page of the register, newest meeting first, after the cursor (start, id):
/// a keyset, whatever the register holds. Two statements: the records, then
/// their attendance counted together.
pub async fn page(
    conn: &mut AsyncPgConnection,
    f: &Filter,
    before: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> QueryResult<Vec<MeetingLine>> {
    let mut q = meetings::table
        .inner_join(users::table.on(users::id.eq(meetings::chair_id)))
        .order((meetings::started_at.desc(), meetings::id.desc()))
        .select((Meeting::as_select(), users::display_name))
        .limit(limit)
        .into_boxed();
    if let Some(t) = f.from {
        q = q.filter(meetings::started_at.ge(t));
    }
    if let Some(t) = f.until {
        q = q.filter(meetings::started_at.lt(t));
    }
    if let Some(kind) = f.kind {
        q = q.filter(meetings::kind.eq(kind));
    }
    if let Some((t, id)) = before {
        // A row comparison, so the index range starts right at the cursor.
        q = q.filter(
            sql::<Bool>("(meetings.started_at, meetings.id) < (")
                .bind::<Timestamptz, _>(t)
                .sql(", ")
                .bind::<BigInt, _>(id)
                .sql(")"),
        );
    }
    let rows: Vec<(Meeting, String)> = q.load(conn).await?;
    let ids: Vec<i64> = rows.iter().map(|(m, _)| m.id).collect();
    let mut counts = counts(conn, &ids).await?;
    Ok(rows
        .into_iter()
        .map(|(meeting, chair)| MeetingLine {
            counts: counts.remove(&meeting.id).unwrap_or_default(),
            meeting,
            chair,
        })
        .collect())
}

/// The attendance of each of these records, counted.
async fn counts(conn: &mut AsyncPgConnection, ids: &[i64]) -> QueryResult<HashMap<i64, Counts>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, String, i64)> = meeting_attendance::table
        .filter(meeting_attendance::meeting_id.eq_any(ids))
        .group_by((meeting_attendance::meeting_id, meeting_attendance::status))
        .select((
            meeting_attendance::meeting_id,
            meeting_attendance::status,
            count_star(),
        ))
        .load(conn)
        .await?;
    let mut counts: HashMap<i64, Counts> = HashMap::new();
    for (id, status, n) in rows {
        counts.entry(id).or_default().add(&status, n);
    }
    Ok(counts)
}

/// Files a record and its attendance; returns its id.
pub async fn create(
    conn: &mut AsyncPgConnection,
    new: &NewMeeting<'_>,
    attendance: &[(i64, &str)],
) -> QueryResult<i64> {
    let id = diesel::insert_into(meetings::table)
        .values(new)
        .returning(meetings::id)
        .get_result(conn)
        .await?;
    insert_attendance(conn, id, attendance).await?;
    Ok(id)
}

/// Holds meeting records still until the transaction ends: one form at a time
/// checks for a repeat and saves.
pub async fn lock_records(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(7306916032493568003)")
        .execute(conn)
        .await
        .map(|_| ())
}

/// Which records a new one would repeat.
pub enum Same<'a> {
    /// Of this kind, started in `[from, until)`.
    Held(&'a str, (DateTime<Utc>, DateTime<Utc>)),
    /// The monthly analysis meeting standing for this month (its first day).
    Month(NaiveDate),
}

/// The first record other than `except` that a new one would repeat.
pub async fn recorded(
    conn: &mut AsyncPgConnection,
    same: Same<'_>,
    except: Option<i64>,
) -> QueryResult<Option<Meeting>> {
    let mut q = meetings::table
        .filter(meetings::id.ne(except.unwrap_or(0)))
        .order(meetings::started_at)
        .select(Meeting::as_select())
        .into_boxed();
    q = match same {
        Same::Held(kind, (from, until)) => q
            .filter(meetings::kind.eq(kind))
            .filter(meetings::started_at.ge(from))
            .filter(meetings::started_at.lt(until)),
        Same::Month(month) => q.filter(meetings::for_month.eq(month)),
    };
    q.first(conn).await.optional()
}

/// A record with the names of its chair, its recorder and its last corrector:
/// one statement.
pub async fn get(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<MeetingRecord> {
    meetings::table
        .inner_join(users::table.on(users::id.eq(meetings::chair_id)))
        .filter(meetings::id.eq(id))
        .select((
            Meeting::as_select(),
            users::display_name,
            sql::<Text>("(SELECT r.display_name FROM users r WHERE r.id = meetings.recorded_by)"),
            sql::<Nullable<Text>>(
                "(SELECT c.display_name FROM users c WHERE c.id = meetings.corrected_by)",
            ),
        ))
        .first(conn)
        .await
}

/// Who the record lists, by name: (user id, name, attendance).
pub async fn attendance(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> QueryResult<Vec<(i64, String, String)>> {
    meeting_attendance::table
        .inner_join(users::table)
        .filter(meeting_attendance::meeting_id.eq(id))
        .order((users::display_name, users::id))
        .select((users::id, users::display_name, meeting_attendance::status))
        .load(conn)
        .await
}

/// What each correction of the record replaced, oldest first: who corrected
/// it, when, and the record as it stood before (its kind, time, place, chair,
/// topic, minutes and attendance by name and status), from the audit log where
/// each correction keeps it.
pub struct Replaced {
    pub by: String,
    pub at: DateTime<Utc>,
    pub kind: String,
    /// The month a monthly meeting stood for (`YYYY-MM`), if the log says.
    pub for_month: Option<String>,
    /// When it was held, if the log says (it always has).
    pub held: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub place: String,
    /// The chair's name, if the log names someone who still exists.
    pub chair: Option<String>,
    pub chair_id: Option<i64>,
    pub attendance: Vec<(String, String)>,
    pub topic: String,
    pub minutes: String,
}

pub async fn corrections(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Vec<Replaced>> {
    use crate::schema::audit_log;
    let rows: Vec<(DateTime<Utc>, Option<String>, serde_json::Value)> = audit_log::table
        .left_join(users::table.on(audit_log::actor_id.eq(users::id.nullable())))
        .filter(audit_log::action.eq("meeting.corrected"))
        .filter(audit_log::entity.eq("meeting"))
        .filter(audit_log::entity_id.eq(id.to_string()))
        .order(audit_log::id.desc())
        .limit(100)
        .select((
            audit_log::at,
            users::display_name.nullable(),
            audit_log::details,
        ))
        .load(conn)
        .await?;
    // The newest hundred, oldest first; corrections logged before the record
    // was kept with them say nothing of it and are left out.
    let mut replaced: Vec<Replaced> = rows
        .into_iter()
        .rev()
        .filter(|(_, _, details)| details["before"].is_object())
        .map(|(at, by, details)| {
            let before = &details["before"];
            let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
            let time = |k: &str| serde_json::from_value::<DateTime<Utc>>(before[k].clone()).ok();
            let attendance = before["attendance"]
                .as_array()
                .map(|a| {
                    a.iter()
                        .map(|p| (text(&p["name"]), text(&p["status"])))
                        .collect()
                })
                .unwrap_or_default();
            Replaced {
                by: by.unwrap_or_default(),
                at,
                kind: text(&before["kind"]),
                for_month: before["for_month"].as_str().map(str::to_owned),
                held: time("started_at").zip(time("ended_at")),
                place: text(&before["place"]),
                chair: None,
                chair_id: before["chair"].as_i64(),
                attendance,
                topic: text(&before["topic"]),
                minutes: text(&before["minutes"]),
            }
        })
        .collect();
    // The chairs' names, in one read.
    let ids: Vec<i64> = replaced.iter().filter_map(|r| r.chair_id).collect();
    if !ids.is_empty() {
        let names: HashMap<i64, String> = users::table
            .filter(users::id.eq_any(&ids))
            .select((users::id, users::display_name))
            .load::<(i64, String)>(conn)
            .await?
            .into_iter()
            .collect();
        for r in &mut replaced {
            r.chair = r.chair_id.and_then(|id| names.get(&id).cloned());
        }
    }
    Ok(replaced)
}

/// The staff a record may list and name as its chair: every active user, and
/// when correcting record `of`, whoever it names already. By name.
pub async fn staff(
    conn: &mut AsyncPgConnection,
    of: Option<i64>,
) -> QueryResult<Vec<(i64, String)>> {
    let named = meeting_attendance::table
        .filter(meeting_attendance::meeting_id.nullable().eq(of))
        .select(meeting_attendance::user_id);
    let chair = meetings::table
        .filter(meetings::id.nullable().eq(of))
        .select(meetings::chair_id);
    users::table
        .filter(
            users::active
                .or(users::id.eq_any(named))
                .or(users::id.eq_any(chair)),
        )
        .order((users::display_name, users::id))
        .select((users::id, users::display_name))
        .load(conn)
        .await
}

/// Active users who hold a post outside the department and none in it (see
/// [`super::DEPARTMENT_POSTS`]): not expected at its meetings.
pub async fn outside_department(
    conn: &mut AsyncPgConnection,
) -> QueryResult<std::collections::HashSet<i64>> {
    let code = |r: crate::auth::Role| r.code();
    let inside: Vec<&str> = super::DEPARTMENT_POSTS.map(code).to_vec();
    let outside: Vec<&str> = super::OUTSIDE_POSTS.map(code).to_vec();
    let held: Vec<(i64, String)> = user_roles::table
        .inner_join(users::table)
        .filter(users::active)
        .filter(user_roles::role_code.eq_any(inside.iter().chain(&outside)))
        .select((user_roles::user_id, user_roles::role_code))
        .load(conn)
        .await?;
    let in_department: std::collections::HashSet<i64> = held
        .iter()
        .filter(|(_, r)| inside.contains(&r.as_str()))
        .map(|(id, _)| *id)
        .collect();
    Ok(held
        .into_iter()
        .map(|(id, _)| id)
        .filter(|id| !in_department.contains(id))
        .collect())
}

/// What a correction sets.
pub struct Correction<'a> {
    pub id: i64,
    /// The version the form was read at: a record changed since is left alone.
    pub version: i32,
    /// The record as corrected (its recorder and time are not changed).
    pub meeting: &'a NewMeeting<'a>,
    pub attendance: &'a [(i64, &'a str)],
    /// Who corrects it, when.
    pub by: i64,
    pub at: DateTime<Utc>,
}

/// Corrects a record read at `c.version`, replacing its attendance; false when
/// it changed since (nothing is written).
pub async fn correct(conn: &mut AsyncPgConnection, c: &Correction<'_>) -> QueryResult<bool> {
    let m = c.meeting;
    let n = diesel::update(
        meetings::table
            .filter(meetings::id.eq(c.id))
            .filter(meetings::version.eq(c.version)),
    )
    .set((
        meetings::kind.eq(m.kind),
        meetings::started_at.eq(m.started_at),
        meetings::ended_at.eq(m.ended_at),
        meetings::place.eq(m.place),
        meetings::topic.eq(m.topic),
        meetings::chair_id.eq(m.chair_id),
        meetings::minutes.eq(m.minutes),
        meetings::for_month.eq(m.for_month),
        meetings::version.eq(meetings::version + 1),
        meetings::corrected_by.eq(c.by),
        meetings::corrected_at.eq(c.at),
    ))
    .execute(conn)
    .await?;
    if n == 0 {
        return Ok(false);
    }
    diesel::delete(meeting_attendance::table.filter(meeting_attendance::meeting_id.eq(c.id)))
        .execute(conn)
        .await?;
    insert_attendance(conn, c.id, c.attendance).await?;
    Ok(true)
}

async fn insert_attendance(
    conn: &mut AsyncPgConnection,
    id: i64,
    attendance: &[(i64, &str)],
) -> QueryResult<usize> {
    let lines: Vec<NewAttendance> = attendance
        .iter()
        .map(|&(user_id, status)| NewAttendance {
            meeting_id: id,
            user_id,
            status,
        })
        .collect();
    diesel::insert_into(meeting_attendance::table)
        .values(&lines)
        .execute(conn)
        .await
}

// The attendance by person groups by a user and a status together.
diesel::allow_columns_to_appear_in_same_group_by_clause!(
    users::id,
    users::display_name,
    meeting_attendance::status,
);

/// Each person's attendance over the meetings the filter selects (a month, all
/// kinds or one), by name: one statement, however many meetings.
pub async fn attendance_by_person(
    conn: &mut AsyncPgConnection,
    f: &Filter,
) -> QueryResult<Vec<(i64, String, Counts)>> {
    let mut q = meeting_attendance::table
        .inner_join(meetings::table)
        .inner_join(users::table)
        .group_by((users::id, users::display_name, meeting_attendance::status))
        .select((
            users::id,
            users::display_name,
            meeting_attendance::status,
            count_star(),
        ))
        .order((users::display_name, users::id))
        .into_boxed();
    if let Some(t) = f.from {
        q = q.filter(meetings::started_at.ge(t));
    }
    if let Some(t) = f.until {
        q = q.filter(meetings::started_at.lt(t));
    }
    if let Some(kind) = f.kind {
        q = q.filter(meetings::kind.eq(kind));
    }
    let rows: Vec<(i64, String, String, i64)> = q.load(conn).await?;
    let mut people: Vec<(i64, String, Counts)> = Vec::new();
    for (id, name, status, n) in rows {
        match people.last_mut() {
            Some((last, _, counts)) if *last == id => counts.add(&status, n),
            _ => {
                let mut counts = Counts::default();
                counts.add(&status, n);
                people.push((id, name, counts));
            }
        }
    }
    Ok(people)
}

/// Whether the analysis meeting standing for `month` (its first day) is on
/// record (a scan of a few hundred records a year: no index).
pub async fn held_for_month(conn: &mut AsyncPgConnection, month: NaiveDate) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        meetings::table.filter(meetings::for_month.eq(month)),
    ))
    .get_result(conn)
    .await
}

/// Whether a meeting of `kind` that started in [`from`, `until`) is on record
/// (over the (kind, start) index).
pub async fn held_between(
    conn: &mut AsyncPgConnection,
    kind: &str,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        meetings::table
            .filter(meetings::kind.eq(kind))
            .filter(meetings::started_at.ge(from))
            .filter(meetings::started_at.lt(until)),
    ))
    .get_result(conn)
    .await
}
