use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::models::{Leave, LeaveChanges, LeaveWithName, NewLeave};
use crate::schema::{leave_requests, users};

pub async fn get(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Leave> {
    leave_requests::table
        .find(id)
        .select(Leave::as_select())
        .first(conn)
        .await
}

pub async fn get_with_name(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<LeaveWithName> {
    leave_requests::table
        .inner_join(users::table.on(users::id.eq(leave_requests::user_id)))
        .filter(leave_requests::id.eq(id))
        .select((Leave::as_select(), users::display_name))
        .first(conn)
        .await
}

pub async fn create(conn: &mut AsyncPgConnection, new: &NewLeave<'_>) -> QueryResult<i64> {
    // `cached`: an insert with optional fields is never prepared by diesel (a
    // `None` is written as DEFAULT); keyed by its text, it is.
    crate::db::cached(
        diesel::insert_into(leave_requests::table)
            .values(new)
            .returning(leave_requests::id),
    )
    .get_result(conn)
    .await
}

/// As [`create`], as the part `subject` of a one-statement filing
/// ([`crate::db::With`]): inserts the request with the id of the part `ids`
/// ([`crate::db::With::next_id`]) for each row of `from`, returning its `id`.
pub fn create_in(w: &mut crate::db::With, new: &NewLeave<'_>, from: &str) {
    use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, Text};
    let (user, leave_type, start, start_pm, end, end_am) = (
        w.bind::<BigInt, _>(new.user_id),
        w.bind::<Text, _>(new.leave_type.to_owned()),
        w.bind::<Date, _>(new.start_date),
        w.bind::<Bool, _>(new.start_pm),
        w.bind::<Date, _>(new.end_date),
        w.bind::<Bool, _>(new.end_am),
    );
    let (half_days, reason, status, late, recorded_by) = (
        w.bind::<Integer, _>(new.half_days),
        w.bind::<Text, _>(new.reason.to_owned()),
        w.bind::<Text, _>(new.status.to_owned()),
        w.bind::<Bool, _>(new.after_the_fact),
        w.bind::<Nullable<BigInt>, _>(new.recorded_by),
    );
    w.part(
        "subject",
        &format!(
            "INSERT INTO leave_requests (id, user_id, leave_type, start_date, start_pm, \
             end_date, end_am, half_days, reason, status, after_the_fact, recorded_by) \
             SELECT ids.id, {user}, {leave_type}, {start}, {start_pm}, {end}, {end_am}, \
             {half_days}, {reason}, {status}, {late}, {recorded_by} FROM {from} RETURNING id"
        ),
    );
}

pub async fn update(
    conn: &mut AsyncPgConnection,
    id: i64,
    changes: &LeaveChanges<'_>,
) -> QueryResult<()> {
    diesel::update(leave_requests::table.find(id))
        .set(changes)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_status(conn: &mut AsyncPgConnection, id: i64, status: &str) -> QueryResult<()> {
    diesel::update(leave_requests::table.find(id))
        .set((
            leave_requests::status.eq(status),
            leave_requests::updated_at.eq(Utc::now()),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// One user's leave, newest first (keyset on id).
pub async fn of_user(
    conn: &mut AsyncPgConnection,
    user: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Leave>> {
    let mut q = leave_requests::table
        .filter(leave_requests::user_id.eq(user))
        .order(leave_requests::id.desc())
        .limit(limit)
        .select(Leave::as_select())
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(leave_requests::id.lt(b));
    }
    q.load(conn).await
}

/// Approved leave overlapping `[from, until]`, by first day. A month of a
/// department's leave is small; the cap keeps it bounded.
pub async fn approved_between(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    until: NaiveDate,
) -> QueryResult<Vec<LeaveWithName>> {
    leave_requests::table
        .inner_join(users::table.on(users::id.eq(leave_requests::user_id)))
        .filter(leave_requests::status.eq("approved"))
        .filter(leave_requests::start_date.le(until))
        .filter(leave_requests::end_date.ge(from))
        .order((leave_requests::start_date, leave_requests::id))
        .limit(5000)
        .select((Leave::as_select(), users::display_name))
        .load(conn)
        .await
}
