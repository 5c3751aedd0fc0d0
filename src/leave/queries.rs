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
