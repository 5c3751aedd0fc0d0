//! SQL of the breach register. Every function takes the connection, so it works
//! inside the caller's transaction.
use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Date, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::models::{NewViolation, Violation, ViolationLine};
use super::schedule::{Outcome, Schedule};
use crate::approvals::models::Person;
use crate::db::Read;
use crate::schema::{users, violations};
use crate::web::cite::{shown_count, COUNT_CAP};

/// Which lines the register shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Breaches on these days (a month), unless only the waiting ones are asked.
    pub from: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
    pub status: Option<&'static str>,
    /// Only this employee's (those who see only their own record).
    pub employee: Option<i64>,
}

/// A page of the register, newest breach first, after the cursor (day, id): a
/// keyset, whatever the register holds.
pub async fn page(
    conn: &mut AsyncPgConnection,
    f: &Filter,
    before: Option<(NaiveDate, i64)>,
    limit: i64,
) -> QueryResult<Vec<ViolationLine>> {
    let mut q = violations::table
        .order((violations::occurred_on.desc(), violations::id.desc()))
        .select(Violation::as_select())
        .limit(limit)
        .into_boxed();
    if let Some(d) = f.from {
        q = q.filter(violations::occurred_on.ge(d));
    }
    if let Some(d) = f.until {
        q = q.filter(violations::occurred_on.lt(d));
    }
    if let Some(s) = f.status {
        q = q.filter(violations::status.eq(s));
    }
    if let Some(e) = f.employee {
        q = q.filter(violations::employee_id.eq(e));
    }
    if let Some((d, id)) = before {
        q = q.filter(
            sql::<Bool>("(violations.occurred_on, violations.id) < (")
                .bind::<Date, _>(d)
                .sql(", ")
                .bind::<BigInt, _>(id)
                .sql(")"),
        );
    }
    let rows = q.load(conn).await?;
    lines(conn, rows).await
}

/// The rows with the names of everyone they mention, in one more statement.
async fn lines(
    conn: &mut AsyncPgConnection,
    rows: Vec<Violation>,
) -> QueryResult<Vec<ViolationLine>> {
    let ids = rows
        .iter()
        .flat_map(|v| [Some(v.employee_id), v.proposed_by, v.decided_by])
        .flatten()
        .collect();
    let names = crate::users::queries::names(conn, ids).await?;
    let name = |id: Option<i64>| id.and_then(|i| names.get(&i).cloned());
    Ok(rows
        .into_iter()
        .map(|v| ViolationLine {
            employee: name(Some(v.employee_id)).unwrap_or_default(),
            proposer: name(v.proposed_by),
            decider: name(v.decided_by),
            v,
        })
        .collect())
}

/// A breach of `clause` by `employee` on `day` already on record (proposed, by
/// a supervisor or by kefu, or confirmed), if any: the newest.
pub async fn same_day(
    conn: &mut AsyncPgConnection,
    employee: i64,
    clause: &str,
    day: NaiveDate,
) -> QueryResult<Option<i64>> {
    violations::table
        .filter(violations::employee_id.eq(employee))
        .filter(violations::clause.eq(clause))
        .filter(violations::occurred_on.eq(day))
        .filter(violations::status.eq_any(["proposed", "confirmed"]))
        .order(violations::id.desc())
        .select(violations::id)
        .first(conn)
        .await
        .optional()
}

pub async fn create(conn: &mut AsyncPgConnection, new: &NewViolation<'_>) -> QueryResult<i64> {
    diesel::insert_into(violations::table)
        .values(new)
        .returning(violations::id)
        .get_result(conn)
        .await
}

/// The breach and the names it mentions.
pub async fn get(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<ViolationLine> {
    let v = violations::table
        .find(id)
        .select(Violation::as_select())
        .first(conn)
        .await?;
    lines(conn, vec![v])
        .await?
        .pop()
        .ok_or(diesel::result::Error::NotFound)
}

/// The breach, locked until the transaction ends (two decisions at once make one).
pub async fn lock(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Violation> {
    violations::table
        .find(id)
        .select(Violation::as_select())
        .for_update()
        .first(conn)
        .await
}

/// How many breaches of this employee are confirmed under this schedule, or of
/// this clause where the schedule counts clause by clause.
pub async fn prior(
    conn: &mut AsyncPgConnection,
    employee: i64,
    schedule: &Schedule,
    clause: &str,
) -> QueryResult<i64> {
    let mut q = violations::table
        .filter(violations::employee_id.eq(employee))
        .filter(violations::schedule.eq(schedule.code))
        .filter(violations::status.eq("confirmed"))
        .into_boxed();
    if schedule.counted_by_clause() {
        q = q.filter(violations::clause.eq(clause));
    }
    q.count().get_result(conn).await
}

/// Holds the employee's record until the transaction ends, so that two breaches
/// confirmed at once are numbered one after the other.
pub async fn lock_record(conn: &mut AsyncPgConnection, employee: i64) -> QueryResult<()> {
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('violations'), $1::int)")
        .bind::<BigInt, _>(employee)
        .execute(conn)
        .await
        .map(|_| ())
}

pub async fn confirm(
    conn: &mut AsyncPgConnection,
    id: i64,
    by: i64,
    at: DateTime<Utc>,
    note: &str,
    o: &Outcome,
) -> QueryResult<usize> {
    diesel::update(
        violations::table
            .find(id)
            .filter(violations::status.eq("proposed")),
    )
    .set((
        violations::status.eq("confirmed"),
        violations::decided_by.eq(by),
        violations::decided_at.eq(at),
        violations::decision_note.eq(note),
        violations::offence_no.eq(o.offence_no),
        violations::fine_fen.eq(o.fine_fen),
        violations::suspension_days.eq(o.suspension_days),
        violations::dismissal.eq(o.dismissal),
    ))
    .execute(conn)
    .await
}

pub async fn dismiss(
    conn: &mut AsyncPgConnection,
    id: i64,
    by: i64,
    at: DateTime<Utc>,
    note: &str,
) -> QueryResult<usize> {
    diesel::update(
        violations::table
            .find(id)
            .filter(violations::status.eq("proposed")),
    )
    .set((
        violations::status.eq("dismissed"),
        violations::decided_by.eq(by),
        violations::decided_at.eq(at),
        violations::decision_note.eq(note),
    ))
    .execute(conn)
    .await
}

/// Dismisses the proposal kefu made from a record (`source`, `source_id`) if it
/// still waits: the record was withdrawn as a mistake, and `note` says why.
/// How many were dismissed (none or one).
pub async fn dismiss_from(
    conn: &mut AsyncPgConnection,
    source: &str,
    source_id: i64,
    by: i64,
    note: &str,
) -> QueryResult<usize> {
    diesel::update(
        violations::table
            .filter(violations::source.eq(source))
            .filter(violations::source_id.eq(source_id))
            .filter(violations::status.eq("proposed")),
    )
    .set((
        violations::status.eq("dismissed"),
        violations::decided_by.eq(by),
        violations::decided_at.eq(Utc::now()),
        violations::decision_note.eq(note),
    ))
    .execute(conn)
    .await
}

/// The confirmed breach kefu proposed from a record (`source`, `source_id`),
/// if there is one: withdrawing the record does not undo its fine.
pub async fn confirmed_from(
    conn: &mut AsyncPgConnection,
    source: &str,
    source_id: i64,
) -> QueryResult<Option<i64>> {
    violations::table
        .filter(violations::source.eq(source))
        .filter(violations::source_id.eq(source_id))
        .filter(violations::status.eq("confirmed"))
        .select(violations::id)
        .first(conn)
        .await
        .optional()
}

/// The employee the mail goes to.
pub async fn person(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Person> {
    users::table
        .find(id)
        .select((users::id, users::display_name, users::email, users::locale))
        .first(conn)
        .await
}

/// Proposes, once each, the breaches the registers show since `since`: visitor
/// registers made late (接待来访客户管理规定 4), keys a colleague kept more
/// than `grace` past their due time, still out or returned late (the loan's
/// registration, 钥匙管理规定 2(1)②), and leave recorded after the fact instead
/// of asked a day ahead (办公环境管理规定 1). Each is described by what names
/// it in its own register: a visit's and a leave slip's number (LF-n, QJ-n), a
/// loan's keys by their labels and doors (a room's five keys share a label),
/// the doors as catalog terms shown in the reader's language
/// ([`super::models::Violation::details_in`]).
/// A loan is due at most [`crate::keys::DUE_MAX_DAYS`] after it was
/// filed, so only the loans filed since a little before `since` are read
/// (the register's index on the filing time), not the whole register.
/// One statement per register; returns how many were proposed.
pub async fn propose_from_registers(
    conn: &mut AsyncPgConnection,
    since: DateTime<Utc>,
    now: DateTime<Utc>,
    grace: chrono::Duration,
    tz: &str,
) -> QueryResult<usize> {
    let visits = diesel::sql_query(
        "INSERT INTO violations (employee_id, clause, schedule, occurred_on, details, \
         source, source_id, proposed_at) \
         SELECT v.received_by, $1, $2, (v.started_at AT TIME ZONE $3)::date, \
                'LF-' || v.id, 'visit', v.id, $4 \
         FROM visits v WHERE v.late AND v.recorded_at >= $5 \
         ON CONFLICT (source, source_id) WHERE source_id IS NOT NULL DO NOTHING",
    )
    .bind::<Text, _>(super::schedule::LATE_VISIT.label())
    .bind::<Text, _>(super::schedule::UNSCHEDULED)
    .bind::<Text, _>(tz)
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(since)
    .execute(conn)
    .await?;
    let keys = diesel::sql_query(
        "INSERT INTO violations (employee_id, clause, schedule, occurred_on, details, \
         source, source_id, proposed_at) \
         SELECT l.borrower_id, $1, $2, (l.due_at AT TIME ZONE $3)::date, \
                (SELECT coalesce(string_agg(replace(k.label, '{', '{{') || CASE \
                                            WHEN k.door = '' THEN '' \
                                            WHEN k.door = ANY($7) THEN ' {keys.door.' || k.door || '}' \
                                            ELSE ' ' || replace(k.door, '{', '{{') END, \
                                          '{paper.list_separator}' ORDER BY k.label, k.door), '') \
                 FROM key_loan_lines kl JOIN keys k ON k.id = kl.key_id \
                 WHERE kl.loan_id = l.id), 'key_loan', l.id, $4 \
         FROM key_loans l \
         WHERE l.borrower_kind = 'staff' AND l.borrower_id IS NOT NULL \
           AND l.created_at >= $5 - $8 * interval '1 day' \
           AND l.due_at >= $5 AND l.due_at <= $4 - $6 * interval '1 second' \
           AND (l.status = 'out' OR l.returned_at > l.due_at + $6 * interval '1 second') \
         ON CONFLICT (source, source_id) WHERE source_id IS NOT NULL DO NOTHING",
    )
    .bind::<Text, _>(super::schedule::KEY_OVERDUE.label())
    .bind::<Text, _>(super::schedule::UNSCHEDULED)
    .bind::<Text, _>(tz)
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(since)
    .bind::<BigInt, _>(grace.num_seconds())
    .bind::<Array<Text>, _>(crate::keys::DOORS.map(|(code, _)| code).to_vec())
    .bind::<BigInt, _>(crate::keys::DUE_MAX_DAYS + 1)
    .execute(conn)
    .await?;
    let leave = diesel::sql_query(
        "INSERT INTO violations (employee_id, clause, schedule, occurred_on, details, \
         source, source_id, proposed_at) \
         SELECT l.user_id, $1, $2, l.start_date, 'QJ-' || l.id, 'leave', l.id, $3 \
         FROM leave_requests l \
         WHERE l.after_the_fact AND l.created_at >= $4 AND l.status = 'approved' \
         ON CONFLICT (source, source_id) WHERE source_id IS NOT NULL DO NOTHING",
    )
    .bind::<Text, _>(super::schedule::LATE_LEAVE.label())
    .bind::<Text, _>(super::schedule::UNSCHEDULED)
    .bind::<Timestamptz, _>(now)
    .bind::<Timestamptz, _>(since)
    .execute(conn)
    .await?;
    Ok(visits + keys + leave)
}

/// Tables behind the register's kept count ([`KeptWaiting`]): `t:violations`.
pub const TOPIC: &str = "violations";

/// How many proposals wait for a decision (the handbook's schedule clauses),
/// kept until a notice on `t:violations`.
pub type KeptWaiting = crate::db::changes::KeptOn<WaitingKey, i64>;

/// The one key of [`KeptWaiting`]: a type of its own, since the app finds its
/// data by type.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WaitingKey;

/// The waiting count as pages show it ("99+" beyond [`COUNT_CAP`]).
pub async fn waiting_shown(conn: &mut impl Read, kept: &KeptWaiting) -> QueryResult<String> {
    let n = kept
        .get(WaitingKey, async {
            let q = violations::table
                .filter(violations::status.eq(crate::db::constant("proposed")))
                .select(violations::id);
            let ids: Vec<i64> = crate::db::cached(q).limit(COUNT_CAP + 1).load(conn).await?;
            Ok::<_, diesel::result::Error>(ids.len() as i64)
        })
        .await?;
    Ok(shown_count(*n))
}
