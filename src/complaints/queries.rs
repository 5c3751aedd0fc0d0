//! SQL of the complaint register. Every function takes the connection, so it
//! works inside the caller's transaction.
use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::models::{Complaint, ComplaintLine, FlowCell, NewComplaint, NewNote, Note, StatCell};
use crate::approvals::models::Person;
use crate::schema::{complaint_notes, complaints, users};
use crate::web::cite::{shown_count, COUNT_CAP};

/// Which lines the register shows.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    /// Matters received from this instant, before that one (a month).
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// `open`, `unassigned` (open and nobody on it) or `resolved`.
    pub show: Option<&'static str>,
    /// Only those this user recorded or follows up (who may not see all).
    pub involving: Option<i64>,
}

/// A page of the register, newest first, after the cursor (received, id).
pub async fn page(
    conn: &mut AsyncPgConnection,
    f: &Filter,
    before: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> QueryResult<Vec<ComplaintLine>> {
    let mut q = complaints::table
        .order((complaints::received_at.desc(), complaints::id.desc()))
        .select(Complaint::as_select())
        .limit(limit)
        .into_boxed();
    if let Some(t) = f.from {
        q = q.filter(complaints::received_at.ge(t));
    }
    if let Some(t) = f.until {
        q = q.filter(complaints::received_at.lt(t));
    }
    match f.show {
        Some("open") => q = q.filter(complaints::status.eq("open")),
        Some("unassigned") => {
            q = q
                .filter(complaints::status.eq("open"))
                .filter(complaints::assignee_id.is_null())
        }
        Some("resolved") => q = q.filter(complaints::status.eq("resolved")),
        _ => {}
    }
    if let Some(u) = f.involving {
        q = q.filter(
            complaints::recorded_by
                .eq(u)
                .or(complaints::assignee_id.eq(u)),
        );
    }
    if let Some((t, id)) = before {
        q = q.filter(
            sql::<Bool>("(complaints.received_at, complaints.id) < (")
                .bind::<Timestamptz, _>(t)
                .sql(", ")
                .bind::<BigInt, _>(id)
                .sql(")"),
        );
    }
    let rows = q.load(conn).await?;
    lines(conn, rows).await
}

/// The rows with the names they mention, in one more statement.
async fn lines(
    conn: &mut AsyncPgConnection,
    rows: Vec<Complaint>,
) -> QueryResult<Vec<ComplaintLine>> {
    let ids = rows
        .iter()
        .flat_map(|c| [Some(c.recorded_by), c.assignee_id])
        .flatten()
        .collect();
    let names = crate::users::queries::names(conn, ids).await?;
    Ok(rows
        .into_iter()
        .map(|c| ComplaintLine {
            recorder: names.get(&c.recorded_by).cloned().unwrap_or_default(),
            assignee: c.assignee_id.and_then(|a| names.get(&a).cloned()),
            c,
        })
        .collect())
}

pub async fn create(conn: &mut AsyncPgConnection, new: &NewComplaint<'_>) -> QueryResult<i64> {
    diesel::insert_into(complaints::table)
        .values(new)
        .returning(complaints::id)
        .get_result(conn)
        .await
}

pub async fn get(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<ComplaintLine> {
    let c = complaints::table
        .find(id)
        .select(Complaint::as_select())
        .first(conn)
        .await?;
    lines(conn, vec![c])
        .await?
        .pop()
        .ok_or(diesel::result::Error::NotFound)
}

/// The matter, locked until the transaction ends.
pub async fn lock(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Complaint> {
    complaints::table
        .find(id)
        .select(Complaint::as_select())
        .for_update()
        .first(conn)
        .await
}

pub async fn assign(
    conn: &mut AsyncPgConnection,
    id: i64,
    to: i64,
    at: DateTime<Utc>,
) -> QueryResult<usize> {
    diesel::update(complaints::table.find(id))
        .set((
            complaints::assignee_id.eq(to),
            complaints::assigned_at.eq(at),
        ))
        .execute(conn)
        .await
}

/// Takes matter `id` off whom it was given to: back among those to assign.
pub async fn unassign(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<usize> {
    diesel::update(complaints::table.find(id))
        .set((
            complaints::assignee_id.eq(None::<i64>),
            complaints::assigned_at.eq(None::<DateTime<Utc>>),
        ))
        .execute(conn)
        .await
}

pub async fn resolve(
    conn: &mut AsyncPgConnection,
    id: i64,
    at: DateTime<Utc>,
    resolution: &str,
) -> QueryResult<usize> {
    diesel::update(
        complaints::table
            .find(id)
            .filter(complaints::status.eq("open")),
    )
    .set((
        complaints::status.eq("resolved"),
        complaints::resolved_at.eq(at),
        complaints::resolution.eq(resolution),
    ))
    .execute(conn)
    .await
}

/// Opens a resolved matter again: its resolution stays among its notes.
/// False when it was not resolved (a second click).
pub async fn reopen(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<bool> {
    let n = diesel::update(
        complaints::table
            .find(id)
            .filter(complaints::status.eq("resolved")),
    )
    .set((
        complaints::status.eq("open"),
        complaints::resolved_at.eq(None::<DateTime<Utc>>),
        complaints::resolution.eq(""),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

pub async fn notes(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Vec<Note>> {
    complaint_notes::table
        .inner_join(users::table)
        .filter(complaint_notes::complaint_id.eq(id))
        .order(complaint_notes::id)
        .select((
            complaint_notes::id,
            complaint_notes::at,
            complaint_notes::body,
            users::display_name,
        ))
        .load(conn)
        .await
}

/// Who gave matter `id` to whom, and when it was taken off someone (their
/// account disabled, or their posts changed so they may not follow it),
/// oldest first: the audit trail's `complaint.recorded` with
/// an assignee, `complaint.assigned` and `complaint.unassigned`, read through
/// its (entity, entity_id) index. The newest [`HANDOVERS_SHOWN`].
pub async fn handovers(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Vec<Handover>> {
    let mut rows: Vec<Handover> = diesel::sql_query(
        "SELECT a.at, a.action, coalesce(actor.display_name, '') AS by_name, \
                coalesce(person.display_name, '') AS person, \
                coalesce(a.details->>'reason', '') AS reason \
         FROM audit_log a \
         LEFT JOIN users actor ON actor.id = a.actor_id \
         LEFT JOIN users person ON person.id = \
              coalesce(a.details->>'assignee', a.details->>'was')::bigint \
         WHERE a.entity = 'complaint' AND a.entity_id = $1 \
           AND (a.action IN ('complaint.assigned', 'complaint.unassigned', \
                             'complaint.reopened') \
                OR (a.action = 'complaint.recorded' \
                    AND jsonb_typeof(a.details->'assignee') = 'number')) \
         ORDER BY a.at DESC, a.id DESC LIMIT $2",
    )
    .bind::<diesel::sql_types::Text, _>(id.to_string())
    .bind::<BigInt, _>(HANDOVERS_SHOWN)
    .load(conn)
    .await?;
    rows.reverse();
    Ok(rows)
}

/// Whether matter `id` was ever given to `user` to follow up (its log of
/// assignments, as [`handovers`] reads it).
pub async fn was_assigned(conn: &mut AsyncPgConnection, id: i64, user: i64) -> QueryResult<bool> {
    use crate::schema::audit_log;
    diesel::select(diesel::dsl::exists(
        audit_log::table
            .filter(audit_log::entity.eq("complaint"))
            .filter(audit_log::entity_id.eq(id.to_string()))
            .filter(audit_log::action.eq_any(["complaint.assigned", "complaint.recorded"]))
            .filter(
                sql::<Bool>("audit_log.details->>'assignee' = ")
                    .bind::<diesel::sql_types::Text, _>(user.to_string()),
            ),
    ))
    .get_result(conn)
    .await
}

/// How many of a matter's handovers its page lists (the newest).
pub const HANDOVERS_SHOWN: i64 = 100;

/// A line of [`handovers`].
#[derive(QueryableByName, Debug, Clone)]
pub struct Handover {
    #[diesel(sql_type = Timestamptz)]
    pub at: DateTime<Utc>,
    /// `complaint.recorded`, `complaint.assigned`, `complaint.unassigned` or
    /// `complaint.reopened`.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub action: String,
    /// Who gave it (or whose disabling of an account took it off).
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub by_name: String,
    /// To whom it went, or whom it was taken off.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub person: String,
    /// Why it was reopened.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub reason: String,
}

pub async fn add_note(conn: &mut AsyncPgConnection, note: &NewNote<'_>) -> QueryResult<i64> {
    diesel::insert_into(complaint_notes::table)
        .values(note)
        .returning(complaint_notes::id)
        .get_result(conn)
        .await
}

pub async fn person(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Person> {
    users::table
        .find(id)
        .select((users::id, users::display_name, users::email, users::locale))
        .first(conn)
        .await
}

/// The month's matters by kind and channel (one statement, whatever the
/// register holds: the month's rows through the order index).
pub async fn stats(
    conn: &mut AsyncPgConnection,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> QueryResult<Vec<StatCell>> {
    diesel::sql_query(
        "SELECT kind, channel, count(*) AS total, \
                count(*) FILTER (WHERE status = 'resolved') AS resolved, \
                coalesce(sum(extract(epoch FROM resolved_at - received_at)) \
                         FILTER (WHERE status = 'resolved'), 0)::float8 / 3600 AS hours_to_resolve \
         FROM complaints WHERE received_at >= $1 AND received_at < $2 \
         GROUP BY kind, channel",
    )
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(until)
    .load(conn)
    .await
}

/// Of each kind, the matters resolved in [from, until), whenever received, and
/// those received before `until` and not resolved by then (a matter reopened
/// since counts as it stands now). One statement over the resolved matters'
/// index and the open spans' (`complaints_open_span_idx`, the expression
/// below as written there), not the register: a month long past costs what
/// this one does.
pub async fn flow(
    conn: &mut AsyncPgConnection,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
) -> QueryResult<Vec<FlowCell>> {
    diesel::sql_query(
        "SELECT kind, count(*) FILTER (WHERE resolved) AS resolved_in_month, \
                count(*) FILTER (WHERE NOT resolved) AS open_at_end \
         FROM (SELECT kind, true AS resolved FROM complaints \
               WHERE resolved_at >= $1 AND resolved_at < $2 \
               UNION ALL \
               SELECT kind, false FROM complaints \
               WHERE tstzrange(received_at, \
                               CASE WHEN resolved_at < received_at THEN received_at \
                                    ELSE resolved_at END, \
                               '(]') @> $2) m \
         GROUP BY kind",
    )
    .bind::<Timestamptz, _>(from)
    .bind::<Timestamptz, _>(until)
    .load(conn)
    .await
}

/// Tables behind the register's kept count ([`KeptOpen`]): `t:complaints`.
pub const TOPIC: &str = "complaints";

/// How many customers' matters are not yet resolved (the handbook's clauses on
/// recording them), kept until a notice on `t:complaints`.
pub type KeptOpen = crate::db::changes::KeptOn<OpenKey, i64>;

/// The one key of [`KeptOpen`]: a type of its own, since the app finds its data
/// by type and other counts are kept as `KeptOn<_, i64>` too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OpenKey;

/// The open count as pages show it ("99+" beyond [`COUNT_CAP`]), over the open
/// matters' partial index.
pub async fn open_shown(conn: &mut impl crate::db::Read, kept: &KeptOpen) -> QueryResult<String> {
    let n = kept
        .get(OpenKey, async {
            let q = complaints::table
                .filter(complaints::status.eq(crate::db::constant("open")))
                .select(complaints::id);
            let ids: Vec<i64> = crate::db::cached(q).limit(COUNT_CAP + 1).load(conn).await?;
            Ok::<_, diesel::result::Error>(ids.len() as i64)
        })
        .await?;
    Ok(shown_count(*n))
}

/// An open matter its assignee has not written on since `since`.
#[derive(QueryableByName, Debug)]
pub struct Waiting {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub kind: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub customer_name: String,
    #[diesel(sql_type = Timestamptz)]
    pub received_at: DateTime<Utc>,
    /// When it was assigned, or the assignee last wrote a note on it.
    #[diesel(sql_type = Timestamptz)]
    pub since: DateTime<Utc>,
    #[diesel(embed)]
    pub assignee: WaitingOn,
}

/// The assignee of a [`Waiting`] matter.
#[derive(QueryableByName, Debug)]
pub struct WaitingOn {
    #[diesel(sql_type = BigInt, column_name = "assignee_id")]
    pub id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub display_name: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub email: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub locale: String,
}

impl Waiting {
    pub fn number(&self) -> String {
        super::models::number(self.id)
    }
}

impl WaitingOn {
    pub fn person(&self) -> Person {
        Person {
            id: self.id,
            display_name: self.display_name.clone(),
            email: self.email.clone(),
            locale: self.locale.clone(),
        }
    }
}

/// How [`waiting_follow_up`] orders its lines.
#[derive(Clone, Copy, Debug)]
pub enum WaitingOrder {
    /// By assignee, then oldest received: one mail per person.
    ByAssignee,
    /// Longest without follow-up first: the morning sheet.
    Longest,
}

/// The open matters whose active assignee has written nothing on them since
/// they were assigned or last wrote, before `before`; at most `limit`.
pub async fn waiting_follow_up(
    conn: &mut AsyncPgConnection,
    before: DateTime<Utc>,
    order: WaitingOrder,
    limit: i64,
) -> QueryResult<Vec<Waiting>> {
    let order = match order {
        WaitingOrder::ByAssignee => "c.assignee_id, c.received_at, c.id",
        WaitingOrder::Longest => "since, c.id",
    };
    diesel::sql_query(format!(
        "SELECT c.id, c.kind, c.customer_name, c.received_at, \
             GREATEST(c.assigned_at, n.last) AS since, \
             c.assignee_id, u.display_name, u.email, u.locale \
         FROM complaints c JOIN users u ON u.id = c.assignee_id \
         LEFT JOIN LATERAL (SELECT max(cn.at) AS last FROM complaint_notes cn \
             WHERE cn.complaint_id = c.id AND cn.author_id = c.assignee_id) n ON true \
         WHERE c.status = 'open' AND u.active \
             AND GREATEST(c.assigned_at, n.last) <= $1 \
         ORDER BY {order} LIMIT $2"
    ))
    .bind::<Timestamptz, _>(before)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

/// Takes `user` off every open matter assigned to them: unassigned again,
/// each with an audit line naming whom it was with (as the upgrade that did so
/// for accounts saved earlier writes it). Gives the matters put back.
pub async fn unassign_all(
    conn: &mut AsyncPgConnection,
    user: i64,
    meta: &crate::audit::Meta,
) -> QueryResult<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Taken {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let taken: Vec<Taken> = diesel::sql_query(
        "WITH stranded AS ( \
           SELECT id, assigned_at FROM complaints \
           WHERE status = 'open' AND assignee_id = $1 FOR UPDATE), \
         logged AS ( \
           INSERT INTO audit_log (actor_id, action, entity, entity_id, ip, request_id, details) \
           SELECT $2, 'complaint.unassigned', 'complaint', s.id::text, $3, $4, \
                  jsonb_build_object('was', $1::bigint, 'assigned_at', s.assigned_at) \
           FROM stranded s) \
         UPDATE complaints c SET assignee_id = NULL, assigned_at = NULL \
         FROM stranded s WHERE c.id = s.id RETURNING c.id",
    )
    .bind::<BigInt, _>(user)
    .bind::<diesel::sql_types::Nullable<BigInt>, _>(meta.actor_id)
    .bind::<diesel::sql_types::Text, _>(&meta.ip)
    .bind::<diesel::sql_types::Text, _>(&meta.request_id)
    .load(conn)
    .await?;
    Ok(taken.into_iter().map(|t| t.id).collect())
}
