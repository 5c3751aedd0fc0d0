//! SQL of the meeting notices. Every function takes the connection, so it
//! works inside the caller's transaction.
use std::collections::HashMap;

use chrono::{DateTime, Utc};
use diesel::dsl::{count_star, sql};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::models::{NewNotice, Notice, NoticeLine};
use crate::approvals::models::Person;
use crate::schema::{meeting_notice_invitees, meeting_notices, users};

/// The notices of meetings starting from `from` on, soonest first: a page of
/// `limit` lines. Two statements: the notices, then how many each expects.
pub async fn coming(
    conn: &mut AsyncPgConnection,
    from: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<NoticeLine>> {
    let rows: Vec<(Notice, String)> = meeting_notices::table
        .inner_join(users::table.on(users::id.eq(meeting_notices::called_by)))
        .filter(meeting_notices::starts_at.ge(from))
        .order((meeting_notices::starts_at.asc(), meeting_notices::id.asc()))
        .select((Notice::as_select(), users::display_name))
        .limit(limit)
        .load(conn)
        .await?;
    lines(conn, rows).await
}

/// The meetings called to start from `from`, before `until`, soonest first,
/// but those called off: at most `limit`.
pub async fn called_between(
    conn: &mut AsyncPgConnection,
    (from, until): (DateTime<Utc>, DateTime<Utc>),
    limit: i64,
) -> QueryResult<Vec<Notice>> {
    meeting_notices::table
        .filter(meeting_notices::starts_at.ge(from))
        .filter(meeting_notices::starts_at.lt(until))
        .filter(meeting_notices::cancelled_at.is_null())
        .order((meeting_notices::starts_at.asc(), meeting_notices::id.asc()))
        .select(Notice::as_select())
        .limit(limit)
        .load(conn)
        .await
}

/// The meetings to start from `from` on, before `until`, not called off and
/// called before `called_before`, with who called them, soonest first: those
/// whose people are reminded on the day.
pub async fn to_remind(
    conn: &mut AsyncPgConnection,
    (from, until): (DateTime<Utc>, DateTime<Utc>),
    called_before: DateTime<Utc>,
) -> QueryResult<Vec<(Notice, String)>> {
    meeting_notices::table
        .inner_join(users::table.on(users::id.eq(meeting_notices::called_by)))
        .filter(meeting_notices::starts_at.ge(from))
        .filter(meeting_notices::starts_at.lt(until))
        .filter(meeting_notices::cancelled_at.is_null())
        .filter(meeting_notices::called_at.lt(called_before))
        .order((meeting_notices::starts_at.asc(), meeting_notices::id.asc()))
        .select((Notice::as_select(), users::display_name))
        .load(conn)
        .await
}

/// The meetings called by notice that ended from `from` on, before `until`,
/// neither recorded nor called off, with who called them and whether they
/// still have an account: their records are owed.
pub async fn unrecorded(
    conn: &mut AsyncPgConnection,
    (from, until): (DateTime<Utc>, DateTime<Utc>),
) -> QueryResult<Vec<(Notice, Person, bool)>> {
    meeting_notices::table
        .inner_join(users::table.on(users::id.eq(meeting_notices::called_by)))
        .filter(meeting_notices::ends_at.ge(from))
        .filter(meeting_notices::ends_at.lt(until))
        .filter(meeting_notices::cancelled_at.is_null())
        .filter(meeting_notices::meeting_id.is_null())
        .order(meeting_notices::id)
        .select((
            Notice::as_select(),
            (users::id, users::display_name, users::email, users::locale),
            users::active,
        ))
        .load(conn)
        .await
}

/// The notices of meetings that started before `until`, latest first, after
/// the cursor (start, id): a keyset page of `limit` lines.
pub async fn earlier(
    conn: &mut AsyncPgConnection,
    until: DateTime<Utc>,
    before: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> QueryResult<Vec<NoticeLine>> {
    let mut q = meeting_notices::table
        .inner_join(users::table.on(users::id.eq(meeting_notices::called_by)))
        .filter(meeting_notices::starts_at.lt(until))
        .order((
            meeting_notices::starts_at.desc(),
            meeting_notices::id.desc(),
        ))
        .select((Notice::as_select(), users::display_name))
        .limit(limit)
        .into_boxed();
    if let Some((t, id)) = before {
        q = q.filter(
            sql::<Bool>("(meeting_notices.starts_at, meeting_notices.id) < (")
                .bind::<Timestamptz, _>(t)
                .sql(", ")
                .bind::<BigInt, _>(id)
                .sql(")"),
        );
    }
    let rows = q.load(conn).await?;
    lines(conn, rows).await
}

/// The notices with how many each expects.
async fn lines(
    conn: &mut AsyncPgConnection,
    rows: Vec<(Notice, String)>,
) -> QueryResult<Vec<NoticeLine>> {
    let ids: Vec<i64> = rows.iter().map(|(n, _)| n.id).collect();
    let mut counts: HashMap<i64, i64> = if ids.is_empty() {
        HashMap::new()
    } else {
        meeting_notice_invitees::table
            .filter(meeting_notice_invitees::notice_id.eq_any(&ids))
            .group_by(meeting_notice_invitees::notice_id)
            .select((meeting_notice_invitees::notice_id, count_star()))
            .load::<(i64, i64)>(conn)
            .await?
            .into_iter()
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|(notice, caller)| NoticeLine {
            invited: counts.remove(&notice.id).unwrap_or_default(),
            notice,
            caller,
        })
        .collect())
}

/// A notice with the name of who called it.
pub async fn get(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<(Notice, String)> {
    meeting_notices::table
        .inner_join(users::table.on(users::id.eq(meeting_notices::called_by)))
        .filter(meeting_notices::id.eq(id))
        .select((Notice::as_select(), users::display_name))
        .first(conn)
        .await
}

/// A notice, if there is one of this id.
pub async fn find(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<Notice>> {
    meeting_notices::table
        .find(id)
        .select(Notice::as_select())
        .first(conn)
        .await
        .optional()
}

/// A notice, locked against another form's change until the transaction ends.
pub async fn lock(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Notice> {
    meeting_notices::table
        .find(id)
        .select(Notice::as_select())
        .for_update()
        .first(conn)
        .await
}

/// Those a notice expects, by name: to show and to mail. Someone who has
/// left since (disabled) is no longer expected.
pub async fn invited(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Vec<Person>> {
    meeting_notice_invitees::table
        .inner_join(users::table)
        .filter(meeting_notice_invitees::notice_id.eq(id))
        .filter(users::active)
        .order((users::display_name, users::id))
        .select((users::id, users::display_name, users::email, users::locale))
        .load(conn)
        .await
}

/// Those still active whom any of the notices `ids` expects, by notice, then
/// by name: one query for a job's whole batch.
pub async fn invited_to(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
) -> QueryResult<Vec<(i64, Person)>> {
    meeting_notice_invitees::table
        .inner_join(users::table)
        .filter(meeting_notice_invitees::notice_id.eq_any(ids))
        .filter(users::active)
        .order((
            meeting_notice_invitees::notice_id,
            users::display_name,
            users::id,
        ))
        .select((
            meeting_notice_invitees::notice_id,
            (users::id, users::display_name, users::email, users::locale),
        ))
        .load(conn)
        .await
}

/// The staff a notice may ask: every active user. By name.
pub async fn staff(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(i64, String)>> {
    users::table
        .filter(users::active)
        .order((users::display_name, users::id))
        .select((users::id, users::display_name))
        .load(conn)
        .await
}

/// Files a notice and those it asks; returns its id.
pub async fn create(
    conn: &mut AsyncPgConnection,
    n: &NewNotice<'_>,
    invited: &[i64],
) -> QueryResult<i64> {
    let id: i64 = diesel::insert_into(meeting_notices::table)
        .values(n)
        .returning(meeting_notices::id)
        .get_result(conn)
        .await?;
    ask(conn, id, invited).await?;
    Ok(id)
}

async fn ask(conn: &mut AsyncPgConnection, id: i64, invited: &[i64]) -> QueryResult<()> {
    let rows: Vec<_> = invited
        .iter()
        .map(|u| {
            (
                meeting_notice_invitees::notice_id.eq(id),
                meeting_notice_invitees::user_id.eq(*u),
            )
        })
        .collect();
    diesel::insert_into(meeting_notice_invitees::table)
        .values(rows)
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(())
}

/// Sets a locked notice as changed (its version bumped) and who it asks.
pub async fn change(
    conn: &mut AsyncPgConnection,
    id: i64,
    n: &NewNotice<'_>,
    invited: &[i64],
) -> QueryResult<()> {
    diesel::update(meeting_notices::table.find(id))
        .set((
            meeting_notices::kind.eq(n.kind),
            meeting_notices::starts_at.eq(n.starts_at),
            meeting_notices::ends_at.eq(n.ends_at),
            meeting_notices::place.eq(n.place),
            meeting_notices::topic.eq(n.topic),
            meeting_notices::agenda.eq(n.agenda),
            meeting_notices::version.eq(meeting_notices::version + 1),
        ))
        .execute(conn)
        .await?;
    diesel::delete(
        meeting_notice_invitees::table
            .filter(meeting_notice_invitees::notice_id.eq(id))
            .filter(meeting_notice_invitees::user_id.ne_all(invited)),
    )
    .execute(conn)
    .await?;
    ask(conn, id, invited).await
}

/// Calls a locked notice off.
pub async fn cancel(
    conn: &mut AsyncPgConnection,
    id: i64,
    by: i64,
    at: DateTime<Utc>,
    reason: &str,
) -> QueryResult<()> {
    diesel::update(meeting_notices::table.find(id))
        .set((
            meeting_notices::cancelled_at.eq(at),
            meeting_notices::cancelled_by.eq(by),
            meeting_notices::cancel_reason.eq(reason),
            meeting_notices::version.eq(meeting_notices::version + 1),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Points a locked notice to the record made of its meeting.
pub async fn recorded_as(conn: &mut AsyncPgConnection, id: i64, meeting: i64) -> QueryResult<()> {
    diesel::update(meeting_notices::table.find(id))
        .set(meeting_notices::meeting_id.eq(meeting))
        .execute(conn)
        .await?;
    Ok(())
}
