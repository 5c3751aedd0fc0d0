use std::collections::Bound;

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

/// The half days `new` covers, as the SQL function `leave_span` of the
/// constraint `leave_requests_no_overlap` computes them: day n from 2000-01-01
/// is the half days [2n, 2n + 2), a first day from noon starts at 2n + 1, a last
/// day until noon ends at 2n + 1. (Bound as a value rather than computed by
/// that function from bound dates: PostgreSQL would run the function while
/// planning, a statement of its own each time.)
pub fn span(new: &NewLeave<'_>) -> (Bound<i32>, Bound<i32>) {
    let epoch = NaiveDate::from_ymd_opt(2000, 1, 1).expect("a valid date");
    let half = |d: NaiveDate| ((d - epoch).num_days() * 2) as i32;
    (
        Bound::Included(half(new.start_date) + i32::from(new.start_pm)),
        Bound::Excluded(half(new.end_date) + 2 - i32::from(new.end_am)),
    )
}

/// The pending or approved request of `new.user_id` that shares a half day with
/// `new` ([`span`]), other than `except` (the request being edited): the first
/// by date. One person is not away twice at the same time. Requests the
/// constraint leaves out (`overlap_allowed`: they overlapped before it existed)
/// are looked at too, through their own index.
pub async fn clash(
    conn: &mut AsyncPgConnection,
    new: &NewLeave<'_>,
    except: Option<i64>,
) -> QueryResult<Option<Leave>> {
    use diesel::sql_types::{Bool, Integer, Range};
    for allowed in [false, true] {
        let found = leave_requests::table
            .filter(leave_requests::user_id.eq(new.user_id))
            .filter(leave_requests::status.eq_any(["pending", "approved"]))
            .filter(leave_requests::overlap_allowed.eq(allowed))
            .filter(leave_requests::id.ne(except.unwrap_or(0)))
            .filter(
                diesel::dsl::sql::<Bool>("leave_span(start_date, start_pm, end_date, end_am) && ")
                    .bind::<Range<Integer>, _>(span(new)),
            )
            .order((leave_requests::start_date, leave_requests::id))
            .select(Leave::as_select())
            .first(conn)
            .await
            .optional()?;
        if found.is_some() {
            return Ok(found);
        }
    }
    Ok(None)
}

/// As [`clash`] with no exception, as the part `clash` of a one-statement filing
/// ([`crate::db::With`]): the id of the request in the way, if any. The parts
/// after it file nothing when it has a row.
pub fn clash_in(w: &mut crate::db::With, new: &NewLeave<'_>) {
    use diesel::sql_types::{BigInt, Integer, Range};
    let (user, span) = (
        w.bind::<BigInt, _>(new.user_id),
        w.bind::<Range<Integer>, _>(span(new)),
    );
    let pick = |allowed: &str| {
        format!(
            "(SELECT id FROM leave_requests WHERE user_id = {user} \
             AND status IN ('pending', 'approved') AND {allowed} \
             AND leave_span(start_date, start_pm, end_date, end_am) && {span} LIMIT 1)"
        )
    };
    w.part(
        "clash",
        &format!(
            "{} UNION ALL {} LIMIT 1",
            pick("NOT overlap_allowed"),
            pick("overlap_allowed")
        ),
    );
}

/// The lock under which one person's leave is filed or changed: two filings of
/// the same person at once would otherwise each wait on the other in the
/// no-overlap constraint's index (PostgreSQL then aborts one with "deadlock
/// detected"). Held to the end of the transaction.
const PERSON_LOCK: &str = "pg_advisory_xact_lock(hashtext('leave_requests'), ";

/// Takes [`PERSON_LOCK`] for `user_id`'s leave.
pub async fn lock_person(conn: &mut AsyncPgConnection, user_id: i64) -> QueryResult<()> {
    diesel::sql_query(format!("SELECT {PERSON_LOCK}$1::int)"))
        .bind::<diesel::sql_types::BigInt, _>(user_id)
        .execute(conn)
        .await?;
    Ok(())
}

/// As [`lock_person`], as the part `person` of a one-statement filing
/// ([`crate::db::With`]); the parts that insert must read it (through `ids`).
pub fn lock_person_in(w: &mut crate::db::With, user_id: i64) {
    let user = w.bind::<diesel::sql_types::BigInt, _>(user_id);
    w.part(
        "person",
        &format!("SELECT {PERSON_LOCK}{user}::int) AS locked"),
    );
}

/// The constraint behind [`clash`]: a filing that raced another one past the
/// check fails on it.
pub const NO_OVERLAP: &str = "leave_requests_no_overlap";

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

/// Leave that stands no more: who ended it, when and why (a record withdrawn
/// as a mistake, or leave cancelled by its requester).
#[derive(AsChangeset)]
#[diesel(table_name = leave_requests)]
struct Withdrawal<'a> {
    status: &'static str,
    withdrawn_by: i64,
    withdrawn_at: chrono::DateTime<Utc>,
    withdrawn_note: &'a str,
    updated_at: chrono::DateTime<Utc>,
}

impl<'a> Withdrawal<'a> {
    fn by(by: i64, at: chrono::DateTime<Utc>, note: &'a str) -> Self {
        Withdrawal {
            status: "withdrawn",
            withdrawn_by: by,
            withdrawn_at: at,
            withdrawn_note: note,
            updated_at: at,
        }
    }
}

/// Ends approved leave `id` early: its last day becomes `end` (until noon when
/// `end_am`), `half_days` long; the day planned is kept (the first one, when it
/// is ended early again). Whether it was approved and ran past that end still.
pub async fn end_early(
    conn: &mut AsyncPgConnection,
    id: i64,
    (end, end_am, half_days): (NaiveDate, bool, i32),
    (by, at, note): (i64, chrono::DateTime<Utc>, &str),
) -> QueryResult<bool> {
    use diesel::dsl::sql;
    use diesel::sql_types::{Bool, Date, Nullable};
    // SET reads the row as it was: the first planned end stays.
    let n = diesel::update(
        leave_requests::table
            .find(id)
            .filter(leave_requests::status.eq("approved"))
            .filter(leave_requests::half_days.gt(half_days)),
    )
    .set((
        leave_requests::planned_end_date.eq(sql::<Nullable<Date>>(
            "COALESCE(planned_end_date, end_date)",
        )),
        leave_requests::planned_end_am
            .eq(sql::<Nullable<Bool>>("COALESCE(planned_end_am, end_am)")),
        leave_requests::end_date.eq(end),
        leave_requests::end_am.eq(end_am),
        leave_requests::half_days.eq(half_days),
        leave_requests::ended_by.eq(by),
        leave_requests::ended_at.eq(at),
        leave_requests::ended_note.eq(note),
        leave_requests::updated_at.eq(at),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Withdraws leave recorded after the fact, or approved leave beginning
/// `today` (called off), if it still stands; whether it did.
pub async fn withdraw_record(
    conn: &mut AsyncPgConnection,
    id: i64,
    by: i64,
    (at, today): (chrono::DateTime<Utc>, chrono::NaiveDate),
    note: &str,
) -> QueryResult<bool> {
    let n = diesel::update(
        leave_requests::table
            .find(id)
            .filter(
                leave_requests::after_the_fact
                    .eq(true)
                    .or(leave_requests::start_date.eq(today)),
            )
            .filter(leave_requests::status.eq("approved")),
    )
    .set(Withdrawal::by(by, at, note))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// The requester cancels their approved leave before it begins (`today` is the
/// site's day): it stands no more, as a withdrawn record does. False when it
/// is not such leave (any more): begun, cancelled already, or not theirs.
pub async fn cancel_own(
    conn: &mut AsyncPgConnection,
    id: i64,
    by: i64,
    (at, today): (chrono::DateTime<Utc>, chrono::NaiveDate),
    note: &str,
) -> QueryResult<bool> {
    let n = diesel::update(
        leave_requests::table
            .find(id)
            .filter(leave_requests::user_id.eq(by))
            .filter(leave_requests::after_the_fact.eq(false))
            .filter(leave_requests::status.eq("approved"))
            .filter(leave_requests::start_date.gt(today)),
    )
    .set(Withdrawal::by(by, at, note))
    .execute(conn)
    .await?;
    Ok(n == 1)
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

/// Approved leave overlapping `[from, until]`, by first day.
pub async fn approved_between(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    until: NaiveDate,
) -> QueryResult<Vec<LeaveWithName>> {
    between(conn, from, until, &["approved"]).await
}

/// The first day of the earliest leave that can still run on `day`.
fn earliest_start(day: NaiveDate) -> NaiveDate {
    day.checked_sub_days(chrono::Days::new(super::MAX_DAYS as u64 - 1))
        .unwrap_or(NaiveDate::MIN)
}

/// Most leave [`between`] reads: a month of a department's leave is far less.
pub const MONTH_MAX: usize = 5000;

/// Leave in one of `statuses` overlapping `[from, until]`, by first day. A
/// month of a department's leave is small; the cap keeps it bounded. Leave
/// lasts at most [`super::MAX_DAYS`], so none that began earlier can reach
/// `from`: the index on the first day is read from there, not from the start of
/// the records.
pub async fn between(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    until: NaiveDate,
    statuses: &[&str],
) -> QueryResult<Vec<LeaveWithName>> {
    leave_requests::table
        .inner_join(users::table.on(users::id.eq(leave_requests::user_id)))
        .filter(leave_requests::status.eq_any(statuses))
        .filter(leave_requests::start_date.le(until))
        .filter(leave_requests::start_date.ge(earliest_start(from)))
        .filter(leave_requests::end_date.ge(from))
        .order((leave_requests::start_date, leave_requests::id))
        .limit(MONTH_MAX as i64)
        .select((Leave::as_select(), users::display_name))
        .load(conn)
        .await
}
