//! SQL of the visitor register. Every function takes the connection, so it works
//! inside the caller's transaction.
use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::models::{Correction, NewNote, NewVisit, Note, Visit, VisitChanges, VisitLine};
use crate::db::Read;
use crate::schema::{users, visit_notes, visits};
use crate::web::cite::{shown_count, COUNT_CAP};

/// Which lines the register shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Receptions from this instant, before that one (a month of the site).
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Only visits still being followed up.
    pub open: bool,
    /// Only registers made more than 10 minutes after the reception.
    pub late: bool,
    /// Only this receiver's (those who may not see everyone's).
    pub receiver: Option<i64>,
}

/// A page of the register in reception order, newest first, after the cursor
/// (reception start, id): a keyset, whatever the register holds.
pub async fn page(
    conn: &mut AsyncPgConnection,
    f: &Filter,
    before: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> QueryResult<Vec<VisitLine>> {
    let mut q = visits::table
        .inner_join(users::table)
        .order((visits::started_at.desc(), visits::id.desc()))
        .select((Visit::as_select(), users::display_name))
        .limit(limit)
        .into_boxed();
    if let Some(t) = f.from {
        q = q.filter(visits::started_at.ge(t));
    }
    if let Some(t) = f.until {
        q = q.filter(visits::started_at.lt(t));
    }
    if f.open {
        q = q.filter(visits::status.eq("open"));
    }
    if f.late {
        q = q.filter(visits::late);
    }
    if let Some(r) = f.receiver {
        q = q.filter(visits::received_by.eq(r));
    }
    if let Some((t, id)) = before {
        // A row comparison, so the index range starts right at the cursor.
        q = q.filter(
            sql::<Bool>("(visits.started_at, visits.id) < (")
                .bind::<Timestamptz, _>(t)
                .sql(", ")
                .bind::<BigInt, _>(id)
                .sql(")"),
        );
    }
    q.load(conn).await
}

pub async fn create(conn: &mut AsyncPgConnection, new: &NewVisit<'_>) -> QueryResult<i64> {
    diesel::insert_into(visits::table)
        .values(new)
        .returning(visits::id)
        .get_result(conn)
        .await
}

/// The visit and its receiver's name.
pub async fn get(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<VisitLine> {
    visits::table
        .inner_join(users::table)
        .filter(visits::id.eq(id))
        .select((Visit::as_select(), users::display_name))
        .first(conn)
        .await
}

/// The visit, locked until the transaction ends (two notes at once close it once).
pub async fn lock(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Visit> {
    visits::table
        .find(id)
        .select(Visit::as_select())
        .for_update()
        .first(conn)
        .await
}

/// Writes a correction of the visit ([`VisitChanges`]), raising its version.
pub async fn correct(
    conn: &mut AsyncPgConnection,
    id: i64,
    changes: &VisitChanges<'_>,
) -> QueryResult<()> {
    diesel::update(visits::table.find(id))
        .set((changes, visits::version.eq(visits::version + 1)))
        .execute(conn)
        .await?;
    Ok(())
}

/// How many corrections of one visit its page lists (the newest).
const CORRECTIONS_SHOWN: i64 = 50;

/// The visit's corrections, oldest first, read from the audit trail through its
/// (entity, entity_id) index.
pub async fn corrections(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Vec<Correction>> {
    let mut rows: Vec<Correction> = diesel::sql_query(
        "SELECT a.at, coalesce(u.display_name, '') AS by_name, a.details \
         FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id \
         WHERE a.entity = 'visit' AND a.entity_id = $1 AND a.action = 'visit.corrected' \
         ORDER BY a.at DESC, a.id DESC LIMIT $2",
    )
    .bind::<diesel::sql_types::Text, _>(id.to_string())
    .bind::<diesel::sql_types::BigInt, _>(CORRECTIONS_SHOWN)
    .load(conn)
    .await?;
    rows.reverse();
    Ok(rows)
}

pub async fn notes(conn: &mut AsyncPgConnection, visit: i64) -> QueryResult<Vec<Note>> {
    visit_notes::table
        .inner_join(users::table)
        .filter(visit_notes::visit_id.eq(visit))
        .order(visit_notes::id)
        .select((
            visit_notes::id,
            visit_notes::at,
            visit_notes::body,
            visit_notes::reported,
            visit_notes::reopened,
            users::display_name,
        ))
        .load(conn)
        .await
}

pub async fn add_note(conn: &mut AsyncPgConnection, note: &NewNote<'_>) -> QueryResult<i64> {
    diesel::insert_into(visit_notes::table)
        .values(note)
        .returning(visit_notes::id)
        .get_result(conn)
        .await
}

pub async fn close(conn: &mut AsyncPgConnection, id: i64, at: DateTime<Utc>) -> QueryResult<usize> {
    diesel::update(visits::table.find(id).filter(visits::status.eq("open")))
        .set((visits::status.eq("closed"), visits::closed_at.eq(at)))
        .execute(conn)
        .await
}

/// Opens a closed visit again; false when it was open (a second click).
pub async fn reopen(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<bool> {
    let n = diesel::update(visits::table.find(id).filter(visits::status.eq("closed")))
        .set((
            visits::status.eq("open"),
            visits::closed_at.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// Registers made late between `from` and `until`, oldest first.
pub async fn late_between(
    conn: &mut AsyncPgConnection,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<VisitLine>> {
    visits::table
        .inner_join(users::table)
        .filter(visits::late)
        .filter(visits::recorded_at.ge(from))
        .filter(visits::recorded_at.lt(until))
        .order(visits::id)
        .limit(limit)
        .select((Visit::as_select(), users::display_name))
        .load(conn)
        .await
}

/// Open visits registered before `quiet_since` with no follow-up note since:
/// waiting on their receiver.
pub async fn stale(
    conn: &mut AsyncPgConnection,
    quiet_since: DateTime<Utc>,
    limit: i64,
) -> QueryResult<Vec<VisitLine>> {
    let noted_lately = visit_notes::table
        .filter(visit_notes::visit_id.eq(visits::id))
        .filter(visit_notes::at.ge(quiet_since));
    visits::table
        .inner_join(users::table)
        .filter(visits::status.eq("open"))
        .filter(visits::recorded_at.lt(quiet_since))
        .filter(diesel::dsl::not(diesel::dsl::exists(noted_lately)))
        .order(visits::id)
        .limit(limit)
        .select((Visit::as_select(), users::display_name))
        .load(conn)
        .await
}

/// Tables behind the register's kept count ([`KeptOpen`]): `t:visits`.
pub const TOPIC: &str = "visits";

/// How many visits are being followed up (the handbook's follow-up clause),
/// kept until a notice on `t:visits`.
pub type KeptOpen = crate::db::changes::KeptOn<OpenKey, i64>;

/// The one key of [`KeptOpen`]: a type of its own, since the app finds its data
/// by type and other counts are kept as `KeptOn<_, i64>` too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OpenKey;

/// The open count as pages show it ("99+" beyond [`COUNT_CAP`]).
pub async fn open_shown(conn: &mut impl Read, kept: &KeptOpen) -> QueryResult<String> {
    let n = kept
        .get(OpenKey, async {
            let q = visits::table
                .filter(visits::status.eq(crate::db::constant("open")))
                .select(visits::id);
            let ids: Vec<i64> = crate::db::cached(q).limit(COUNT_CAP + 1).load(conn).await?;
            Ok::<_, diesel::result::Error>(ids.len() as i64)
        })
        .await?;
    Ok(shown_count(*n))
}
