//! SQL of the key cabinet. Every function takes the connection, so it works
//! inside the caller's transaction.
use crate::db::changes::KeptOn;
use crate::db::Read;
use crate::web::cite::{shown_count, COUNT_CAP};
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::models::{
    key_labels, Cabinet, Category, CopyRequest, Count, Issue, Key, KeyBrief, KeyEvent, KeyLabel,
    KeyRow, Loan, LoanBrief, LoanLine, LoanRow, NewKey, NewLoan,
};
use crate::schema::{
    buildings, key_categories, key_copy_requests, key_count_lines, key_counts, key_events,
    key_issue_lines, key_issues, key_loan_lines, key_loans, key_overdue_notices, keys, projects,
    users,
};

pub async fn categories(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Category>> {
    key_categories::table
        .order(key_categories::position)
        .select(Category::as_select())
        .load(conn)
        .await
}

pub async fn category(conn: &mut AsyncPgConnection, code: &str) -> QueryResult<Category> {
    key_categories::table
        .find(code)
        .select(Category::as_select())
        .first(conn)
        .await
}

/// Every building as `(id, "project · code")`, for the filter and form choices,
/// kept in memory per instance (every register page shows them; the buildings
/// change on imports, which notify everyone).
pub type BuildingChoices = crate::db::changes::Kept<Vec<(i64, String)>>;

pub async fn building_choices(
    conn: &mut impl Read,
    kept: &BuildingChoices,
) -> QueryResult<std::sync::Arc<Vec<(i64, String)>>> {
    kept.get(load_building_choices(conn)).await
}

/// The name [`building_choices`] gives building `id` ("project · code"), for a
/// sheet filtered by it; `None` without a filter or for no such building.
pub async fn building_name(
    conn: &mut impl Read,
    kept: &BuildingChoices,
    id: Option<i64>,
) -> QueryResult<Option<String>> {
    let Some(id) = id else { return Ok(None) };
    let choices = building_choices(conn, kept).await?;
    Ok(choices
        .iter()
        .find(|(b, _)| *b == id)
        .map(|(_, n)| n.clone()))
}

async fn load_building_choices(conn: &mut impl Read) -> QueryResult<Vec<(i64, String)>> {
    let rows: Vec<(i64, String, String)> = buildings::table
        .inner_join(projects::table)
        // As the property pages order them: building 2 before building 10.
        .order((
            projects::name,
            diesel::dsl::sql::<diesel::sql_types::Integer>("length(buildings.code)"),
            buildings::code,
        ))
        .limit(1000)
        .select((buildings::id, projects::name, buildings::code))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(id, p, c)| (id, format!("{p} · {c}")))
        .collect())
}

/// The inventory's filters, all optional.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct KeyFilter {
    pub category: Option<String>,
    pub status: Option<String>,
    pub building: Option<i64>,
    pub room: Option<i64>,
    /// Part of the label, any case.
    pub label: Option<String>,
}

type KeyRowSelect = (
    diesel::dsl::AsSelect<Key, diesel::pg::Pg>,
    buildings::code,
    projects::name,
);

fn key_row_select() -> KeyRowSelect {
    (Key::as_select(), buildings::code, projects::name)
}

/// A boxed query of keys `$q` with the filters of `$f` and the keyset `$after`.
macro_rules! filter_keys {
    ($q:expr, $f:expr, $after:expr) => {{
        let (mut q, f, after): (_, &KeyFilter, Option<i64>) = ($q, $f, $after);
        if let Some(c) = &f.category {
            q = q.filter(keys::category.eq(c.clone()));
        }
        if let Some(s) = &f.status {
            q = q.filter(keys::status.eq(s.clone()));
        }
        if let Some(b) = f.building {
            q = q.filter(keys::building_id.eq(b));
        }
        if let Some(r) = f.room {
            q = q.filter(keys::room_id.eq(r));
        }
        if let Some(l) = &f.label {
            q = q.filter(keys::label.ilike(crate::db::contains_pattern(l)));
        }
        if let Some(a) = after {
            q = q.filter(keys::id.gt(a));
        }
        q
    }};
}

/// One page of the inventory in order of creation (keyset on id), as brief rows.
pub async fn page_keys(
    conn: &mut impl Read,
    f: &KeyFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<KeyBrief>> {
    let q = keys::table
        .order(keys::id)
        .select(KeyBrief::as_select())
        .into_boxed();
    crate::db::cached(filter_keys!(q, f, after))
        .limit(limit)
        .load(conn)
        .await
}

/// Keys in order of creation (keyset on id), with their building and project.
pub async fn list_keys(
    conn: &mut impl Read,
    f: &KeyFilter,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<KeyRow>> {
    let q = keys::table
        .inner_join(buildings::table.inner_join(projects::table))
        .order(keys::id)
        .select(key_row_select())
        .into_boxed();
    crate::db::cached(filter_keys!(q, f, after))
        .limit(limit)
        .load(conn)
        .await
}

pub async fn key_row(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<KeyRow> {
    keys::table
        .inner_join(buildings::table.inner_join(projects::table))
        .filter(keys::id.eq(id))
        .select(key_row_select())
        .first(conn)
        .await
}

pub async fn keys_by_ids(conn: &mut AsyncPgConnection, ids: &[i64]) -> QueryResult<Vec<KeyRow>> {
    keys::table
        .inner_join(buildings::table.inner_join(projects::table))
        .filter(keys::id.eq_any(ids))
        .order(keys::id)
        .select(key_row_select())
        .load(conn)
        .await
}

/// Locks the keys for a change of status: of two clerks acting at once, the
/// second waits and then sees the first one's result.
pub async fn lock_keys(conn: &mut AsyncPgConnection, ids: &[i64]) -> QueryResult<Vec<Key>> {
    keys::table
        .filter(keys::id.eq_any(ids))
        .order(keys::id)
        .for_update()
        .select(Key::as_select())
        .load(conn)
        .await
}

/// Inserts the keys that do not exist yet; returns the ids of the new ones.
pub async fn insert_keys(conn: &mut AsyncPgConnection, new: &[NewKey]) -> QueryResult<Vec<i64>> {
    if new.is_empty() {
        return Ok(Vec::new());
    }
    let mut ids = Vec::with_capacity(new.len());
    for chunk in new.chunks(crate::db::rows_per_insert(10)) {
        let more: Vec<i64> = diesel::insert_into(keys::table)
            .values(chunk)
            .on_conflict_do_nothing()
            .returning(keys::id)
            .get_results(conn)
            .await?;
        ids.extend(more);
    }
    Ok(ids)
}

/// The common-area key of this building's floor and door, if it exists.
pub async fn common_key(
    conn: &mut AsyncPgConnection,
    building: i64,
    floor: i32,
    door: &str,
) -> QueryResult<Option<i64>> {
    keys::table
        .filter(keys::category.eq("common"))
        .filter(keys::building_id.eq(building))
        .filter(keys::room_id.is_null())
        .filter(keys::floor.eq(floor))
        .filter(keys::door.eq(door))
        .select(keys::id)
        .first(conn)
        .await
        .optional()
}

/// The hook after the highest of the cabinet `cabinet` of building `building`'s
/// project, for new keys hung there one after another: `hook(n)` is the n-th
/// one's (0 first), or none past the last hook number (the key is then hung
/// where the clerk says, on its page).
pub async fn next_hook(
    conn: &mut AsyncPgConnection,
    building: i64,
    cabinet: &str,
) -> QueryResult<NextHook> {
    #[derive(QueryableByName)]
    struct Max {
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Integer>)]
        hook: Option<i32>,
    }
    let max: Max = diesel::sql_query(
        "SELECT max(k.hook) AS hook FROM keys k JOIN buildings b ON b.id = k.building_id \
         WHERE k.cabinet = $2 \
             AND b.project_id = (SELECT project_id FROM buildings WHERE id = $1)",
    )
    .bind::<BigInt, _>(building)
    .bind::<diesel::sql_types::Text, _>(cabinet)
    .get_result(conn)
    .await?;
    Ok(NextHook(max.hook.unwrap_or(0)))
}

/// The highest hook of a cabinet, to number the next keys after it.
pub struct NextHook(i32);

impl NextHook {
    pub fn hook(&self, n: usize) -> Option<i32> {
        let n = i32::try_from(n).ok()?;
        self.0
            .checked_add(1)?
            .checked_add(n)
            .filter(|h| *h <= super::forms::HOOK_MAX)
    }
}

/// Rooms (id, kind) of a building that have no key of `category` yet.
pub async fn rooms_without_keys(
    conn: &mut AsyncPgConnection,
    building_id: i64,
) -> QueryResult<Vec<crate::properties::models::Room>> {
    use crate::properties::models::Room;
    use crate::schema::rooms;
    rooms::table
        .filter(rooms::building_id.eq(building_id))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            keys::table.filter(keys::room_id.eq(rooms::id.nullable())),
        )))
        .order((rooms::kind.desc(), rooms::floor, rooms::unit, rooms::number))
        .limit(5000)
        .select(Room::as_select())
        .load(conn)
        .await
}

pub async fn update_storage(
    conn: &mut AsyncPgConnection,
    id: i64,
    cabinet: &str,
    hook: Option<i32>,
    copies: i32,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(keys::table.find(id))
        .set((
            keys::cabinet.eq(cabinet),
            keys::hook.eq(hook),
            keys::copies.eq(copies),
            keys::updated_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_status(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
    status: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(keys::table.filter(keys::id.eq_any(ids)))
        .set((keys::status.eq(status), keys::updated_at.eq(now)))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn add_copies(
    conn: &mut AsyncPgConnection,
    id: i64,
    n: i32,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(keys::table.find(id))
        .set((keys::copies.eq(keys::copies + n), keys::updated_at.eq(now)))
        .execute(conn)
        .await?;
    Ok(())
}

/// A lost key replaced by `n` new copies: only they count, and it is in its
/// cabinet again.
pub async fn replace_lost(
    conn: &mut AsyncPgConnection,
    id: i64,
    n: i32,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(keys::table.find(id).filter(keys::status.eq("lost")))
        .set((
            keys::copies.eq(n),
            keys::status.eq("in"),
            keys::updated_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// One line of a key's history.
pub struct NewEvent<'a> {
    pub action: &'a str,
    pub actor_id: Option<i64>,
    pub loan_id: Option<i64>,
    pub note: &'a str,
    pub at: DateTime<Utc>,
}

/// The latest step of key `id`'s history: (action, who, note).
pub async fn last_event(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> QueryResult<Option<(String, Option<i64>, String)>> {
    key_events::table
        .filter(key_events::key_id.eq(id))
        .order(key_events::id.desc())
        .select((key_events::action, key_events::actor_id, key_events::note))
        .first(conn)
        .await
        .optional()
}

/// The same event on several keys, in one statement.
pub async fn add_events(
    conn: &mut AsyncPgConnection,
    key_ids: &[i64],
    e: &NewEvent<'_>,
) -> QueryResult<()> {
    let rows: Vec<_> = key_ids
        .iter()
        .map(|k| {
            (
                key_events::key_id.eq(*k),
                key_events::at.eq(e.at),
                key_events::action.eq(e.action),
                key_events::actor_id.eq(e.actor_id),
                key_events::loan_id.eq(e.loan_id),
                key_events::note.eq(e.note),
            )
        })
        .collect();
    for chunk in rows.chunks(crate::db::rows_per_insert(6)) {
        diesel::insert_into(key_events::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// A key's history with who did each step, newest first: `limit` steps older
/// than `before` (a keyset on the step's number).
pub async fn events_of(
    conn: &mut AsyncPgConnection,
    key_id: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<(KeyEvent, Option<String>)>> {
    let mut q = key_events::table
        .left_join(users::table.on(users::id.nullable().eq(key_events::actor_id)))
        .filter(key_events::key_id.eq(key_id))
        .order(key_events::id.desc())
        .limit(limit)
        .select((KeyEvent::as_select(), users::display_name.nullable()))
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(key_events::id.lt(b));
    }
    q.load(conn).await
}

// Issue to owners.

pub async fn create_issue(
    conn: &mut AsyncPgConnection,
    room_id: i64,
    resident_id: i64,
    signed_name: &str,
    signature_png: Option<&[u8]>,
    issued_by: i64,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    diesel::insert_into(key_issues::table)
        .values((
            key_issues::room_id.eq(room_id),
            key_issues::resident_id.eq(resident_id),
            key_issues::signed_name.eq(signed_name),
            key_issues::signature_png.eq(signature_png),
            key_issues::signed_at.eq(now),
            key_issues::issued_by.eq(issued_by),
            key_issues::created_at.eq(now),
        ))
        .returning(key_issues::id)
        .get_result(conn)
        .await
}

pub async fn add_issue_lines(
    conn: &mut AsyncPgConnection,
    issue_id: i64,
    key_ids: &[i64],
) -> QueryResult<()> {
    let rows: Vec<_> = key_ids
        .iter()
        .map(|k| {
            (
                key_issue_lines::issue_id.eq(issue_id),
                key_issue_lines::key_id.eq(*k),
            )
        })
        .collect();
    for chunk in rows.chunks(crate::db::rows_per_insert(2)) {
        diesel::insert_into(key_issue_lines::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(())
}

pub async fn issue(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Issue> {
    key_issues::table
        .find(id)
        .select(Issue::as_select())
        .first(conn)
        .await
}

pub async fn issue_keys(conn: &mut AsyncPgConnection, issue_id: i64) -> QueryResult<Vec<Key>> {
    keys::table
        .inner_join(key_issue_lines::table)
        .filter(key_issue_lines::issue_id.eq(issue_id))
        .order(keys::id)
        .select(Key::as_select())
        .load(conn)
        .await
}

/// A line of the issue register: the issue, its room and the room's building
/// code, the resident it went to and the clerk who handed it.
pub type IssueLine = (
    Issue,
    crate::properties::models::Room,
    String,
    String,
    String,
);

/// Keys issued to owners, newest first, of one building or all, a page at a time
/// (`before`: the last id shown). One statement whatever the size.
pub async fn issues(
    conn: &mut AsyncPgConnection,
    building: Option<i64>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<IssueLine>> {
    use crate::properties::models::Room;
    use crate::schema::{residents, rooms};
    let mut q = key_issues::table
        .inner_join(rooms::table)
        .inner_join(buildings::table.on(buildings::id.eq(rooms::building_id)))
        .inner_join(residents::table)
        .inner_join(users::table)
        .order(key_issues::id.desc())
        .limit(limit)
        .select((
            Issue::as_select(),
            Room::as_select(),
            buildings::code,
            residents::name,
            users::display_name,
        ))
        .into_boxed();
    if let Some(b) = building {
        q = q.filter(rooms::building_id.eq(b));
    }
    if let Some(b) = before {
        q = q.filter(key_issues::id.lt(b));
    }
    q.load(conn).await
}

/// The keys of each of `issues` as (issue, door), in key order.
pub async fn issue_key_labels(
    conn: &mut AsyncPgConnection,
    issues: &[i64],
) -> QueryResult<Vec<(i64, String)>> {
    key_issue_lines::table
        .inner_join(keys::table)
        .filter(key_issue_lines::issue_id.eq_any(issues))
        .order((key_issue_lines::issue_id, keys::id))
        .select((key_issue_lines::issue_id, keys::door))
        .load(conn)
        .await
}

pub async fn issues_of_room(conn: &mut AsyncPgConnection, room_id: i64) -> QueryResult<Vec<Issue>> {
    key_issues::table
        .filter(key_issues::room_id.eq(room_id))
        .order(key_issues::id.desc())
        .limit(100)
        .select(Issue::as_select())
        .load(conn)
        .await
}

// Loans.

pub async fn create_loan(conn: &mut AsyncPgConnection, new: &NewLoan<'_>) -> QueryResult<i64> {
    diesel::insert_into(key_loans::table)
        .values(new)
        .returning(key_loans::id)
        .get_result(conn)
        .await
}

pub async fn add_loan_lines(
    conn: &mut AsyncPgConnection,
    loan_id: i64,
    key_ids: &[i64],
) -> QueryResult<()> {
    let rows: Vec<_> = key_ids
        .iter()
        .map(|k| {
            (
                key_loan_lines::loan_id.eq(loan_id),
                key_loan_lines::key_id.eq(*k),
            )
        })
        .collect();
    for chunk in rows.chunks(crate::db::rows_per_insert(2)) {
        diesel::insert_into(key_loan_lines::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(())
}

pub async fn loan(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Loan> {
    key_loans::table
        .find(id)
        .select(Loan::as_select())
        .first(conn)
        .await
}

pub async fn lock_loan(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Loan> {
    key_loans::table
        .find(id)
        .for_update()
        .select(Loan::as_select())
        .first(conn)
        .await
}

pub async fn set_loan_status(
    conn: &mut AsyncPgConnection,
    id: i64,
    status: &str,
) -> QueryResult<()> {
    diesel::update(key_loans::table.find(id))
        .set(key_loans::status.eq(status))
        .execute(conn)
        .await?;
    Ok(())
}

/// The loan's keys, with whether each is still out.
pub async fn loan_keys(
    conn: &mut AsyncPgConnection,
    loan_id: i64,
) -> QueryResult<Vec<(Key, bool, bool)>> {
    keys::table
        .inner_join(key_loan_lines::table)
        .filter(key_loan_lines::loan_id.eq(loan_id))
        .order(keys::id)
        .select((Key::as_select(), key_loan_lines::out, key_loan_lines::lost))
        .load(conn)
        .await
}

/// Hands the loan's keys over: the partial unique index refuses a key that is
/// already out on another loan, whatever the race.
pub async fn mark_out(
    conn: &mut AsyncPgConnection,
    loan_id: i64,
    by: i64,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(key_loan_lines::table.filter(key_loan_lines::loan_id.eq(loan_id)))
        .set(key_loan_lines::out.eq(true))
        .execute(conn)
        .await?;
    diesel::update(key_loans::table.find(loan_id))
        .set((
            key_loans::status.eq("out"),
            key_loans::handed_out_by.eq(by),
            key_loans::handed_out_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Closes the loan's open lines: returned, or (the `lost` ones) lost.
pub async fn close_lines(
    conn: &mut AsyncPgConnection,
    loan_id: i64,
    lost: &[i64],
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(
        key_loan_lines::table
            .filter(key_loan_lines::loan_id.eq(loan_id))
            .filter(key_loan_lines::out.eq(true)),
    )
    .set((
        key_loan_lines::out.eq(false),
        key_loan_lines::returned_at.eq(now),
        key_loan_lines::lost.eq(key_loan_lines::key_id.eq_any(lost)),
    ))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn mark_returned(
    conn: &mut AsyncPgConnection,
    loan_id: i64,
    to: i64,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(key_loans::table.find(loan_id))
        .set((
            key_loans::status.eq("returned"),
            key_loans::returned_to.eq(to),
            key_loans::returned_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn mark_lost(
    conn: &mut AsyncPgConnection,
    loan_id: i64,
    to: i64,
    account: &str,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(key_loans::table.find(loan_id))
        .set((
            key_loans::status.eq("lost"),
            key_loans::returned_to.eq(to),
            key_loans::returned_at.eq(now),
            key_loans::lost_account.eq(account),
            key_loans::lost_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// The loan register's filters.
#[derive(Debug, Default, Clone, PartialEq, Eq, Hash)]
pub struct LoanFilter {
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub category: Option<String>,
    pub status: Option<String>,
    pub building: Option<i64>,
    /// Only loans due at or before this time (the overdue ones, with status `out`).
    pub due_before: Option<DateTime<Utc>>,
    /// Only loans this user filed or borrows (employees without the register right).
    pub person: Option<i64>,
    /// Only loans whose keys were handed over (the paper register).
    pub handed_out: bool,
}

/// The loans `f` selects, newest first, after the cursor `before` when given
/// (keyset on (created_at, id)), with their building; boxed, for the page and
/// the sheet to pick their columns.
fn loans_where<'a>(
    f: &LoanFilter,
    before: Option<(DateTime<Utc>, i64)>,
) -> diesel::helper_types::IntoBoxed<
    'a,
    diesel::helper_types::InnerJoin<key_loans::table, buildings::table>,
    diesel::pg::Pg,
> {
    let mut q = key_loans::table
        .inner_join(buildings::table)
        .order((key_loans::created_at.desc(), key_loans::id.desc()))
        .into_boxed();
    if let Some(t) = f.from {
        q = q.filter(key_loans::created_at.ge(t));
    }
    if let Some(t) = f.until {
        q = q.filter(key_loans::created_at.lt(t));
    }
    if let Some(c) = &f.category {
        q = q.filter(key_loans::category.eq(c.clone()));
    }
    if let Some(s) = &f.status {
        q = q.filter(key_loans::status.eq(s.clone()));
    }
    if let Some(b) = f.building {
        q = q.filter(key_loans::building_id.eq(b));
    }
    if let Some(t) = f.due_before {
        q = q.filter(key_loans::due_at.le(t));
    }
    if f.handed_out {
        q = q.filter(key_loans::handed_out_at.is_not_null());
    }
    if let Some(p) = f.person {
        q = q.filter(
            key_loans::requested_by
                .eq(p)
                .or(key_loans::borrower_id.eq(p)),
        );
    }
    if let Some((t, id)) = before {
        // A row comparison, so the index range starts right at the cursor.
        q = q.filter(
            diesel::dsl::sql::<Bool>("(key_loans.created_at, key_loans.id) < (")
                .bind::<Timestamptz, _>(t)
                .sql(", ")
                .bind::<BigInt, _>(id)
                .sql(")"),
        );
    }
    q
}

/// A page of the loan register: one statement whatever the data size (the loans
/// with their building; each loan carries its keys' labels).
pub async fn list_loans(
    conn: &mut impl Read,
    f: &LoanFilter,
    before: Option<(DateTime<Utc>, i64)>,
    limit: i64,
) -> QueryResult<Vec<LoanLine>> {
    let q = loans_where(f, before).select((LoanBrief::as_select(), buildings::code));
    // `cached`: the keyset's SQL fragment would otherwise have diesel plan the
    // page on every request (its text is constant, every value is a bind); the
    // limit in the text lets PostgreSQL keep one plan for it.
    let rows: Vec<(LoanBrief, String)> = crate::db::cached(q).limit(limit).load(conn).await?;
    Ok(rows
        .into_iter()
        .map(|(mut loan, building_code)| LoanLine {
            keys: key_labels(&mut loan.key_labels, &mut loan.key_doors),
            loan,
            building_code,
        })
        .collect())
}

/// The register's loans as exported and printed, up to `limit`: whole loans,
/// their keys' labels and the names of the staff who handed out and took back.
pub async fn sheet_loans(
    conn: &mut AsyncPgConnection,
    f: &LoanFilter,
    limit: i64,
) -> QueryResult<Vec<LoanRow>> {
    let q = loans_where(f, None).select((Loan::as_select(), buildings::code));
    let rows: Vec<(Loan, String)> = crate::db::cached(q).limit(limit).load(conn).await?;
    let mut staff: Vec<i64> = rows
        .iter()
        .flat_map(|(l, _)| [l.handed_out_by, l.returned_to])
        .flatten()
        .collect();
    staff.sort_unstable();
    staff.dedup();
    let names = crate::approvals::queries::names(conn, &staff).await?;
    let name = |id: Option<i64>| {
        id.and_then(|id| names.get(&id).cloned())
            .unwrap_or_default()
    };
    // The keys each loan came back without, in one read for the sheet.
    let ids: Vec<i64> = rows.iter().map(|(l, _)| l.id).collect();
    let lost: Vec<(i64, String, String)> = key_loan_lines::table
        .inner_join(keys::table)
        .filter(key_loan_lines::loan_id.eq_any(&ids))
        .filter(key_loan_lines::lost.eq(true))
        .order((key_loan_lines::loan_id, keys::id))
        .select((key_loan_lines::loan_id, keys::label, keys::door))
        .load(conn)
        .await?;
    let lost_of = |id: i64| {
        lost.iter()
            .filter(|(l, _, _)| *l == id)
            .map(|(_, label, door)| KeyLabel {
                label: label.clone(),
                door: door.clone(),
            })
            .collect()
    };
    Ok(rows
        .into_iter()
        .map(|(mut loan, building_code)| LoanRow {
            lost: lost_of(loan.id),
            keys: key_labels(&mut loan.key_labels, &mut loan.key_doors),
            handed_out_by: name(loan.handed_out_by),
            returned_to: name(loan.returned_to),
            loan,
            building_code,
        })
        .collect())
}

/// Loans out past their due time, counted up to `cap` (a count that never
/// scans more than a page of the index, whatever the register holds).
pub async fn overdue_count(conn: &mut impl Read, now: DateTime<Utc>, cap: i64) -> QueryResult<i64> {
    let q = key_loans::table
        .filter(key_loans::status.eq(crate::db::constant("out")))
        .filter(key_loans::due_at.le(now))
        .select(key_loans::id);
    // Constants in the text, so the overdue index serves one lasting plan.
    let ids: Vec<i64> = crate::db::cached(q).limit(cap).load(conn).await?;
    Ok(ids.len() as i64)
}

/// When the next loan out now falls due after `now` (the overdue count changes
/// then), if one does.
pub async fn next_due(
    conn: &mut impl Read,
    now: DateTime<Utc>,
) -> QueryResult<Option<DateTime<Utc>>> {
    let q = key_loans::table
        .filter(key_loans::status.eq(crate::db::constant("out")))
        .filter(key_loans::due_at.gt(now))
        .order(key_loans::due_at)
        .select(key_loans::due_at);
    let first: Vec<DateTime<Utc>> = crate::db::cached(q).limit(1).load(conn).await?;
    Ok(first.into_iter().next())
}

/// The register pages of this topic's tables, kept by each instance until a
/// notice on `t:keys` (migration `…_register_topics`): the key register's pages
/// per filter and cursor, the loan register's likewise, and the overdue count
/// (until the next loan out falls due).
pub const TOPIC: &str = "keys";
pub type KeptKeyPages = KeptOn<(KeyFilter, Option<i64>), Vec<KeyBrief>>;
pub type KeptLoanPages = KeptOn<(LoanFilter, Option<(DateTime<Utc>, i64)>), Vec<LoanLine>>;
pub type KeptOverdue = KeptOn<(), i64>;

/// The overdue count as pages show it (the loan register, the handbook's loan
/// clause), from `kept` while no loan changed and none fell due since.
pub async fn overdue_shown(
    conn: &mut impl Read,
    kept: &KeptOverdue,
    now: DateTime<Utc>,
) -> QueryResult<String> {
    let n = kept
        .get_until((), now, async {
            let n = overdue_count(conn, now, COUNT_CAP + 1).await?;
            Ok::<_, diesel::result::Error>((n, next_due(conn, now).await?))
        })
        .await?;
    Ok(shown_count(*n))
}

/// Overdue loans not yet reminded on `day` (the job's work list).
pub async fn overdue_unnoticed(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    day: chrono::NaiveDate,
) -> QueryResult<Vec<i64>> {
    key_loans::table
        .filter(key_loans::status.eq("out"))
        .filter(key_loans::due_at.le(now))
        .filter(diesel::dsl::not(diesel::dsl::exists(
            key_overdue_notices::table
                .filter(key_overdue_notices::loan_id.eq(key_loans::id))
                .filter(key_overdue_notices::day.eq(day)),
        )))
        .order(key_loans::due_at)
        .limit(1000)
        .select(key_loans::id)
        .load(conn)
        .await
}

/// Claims the day's reminder of a loan; false when it was already sent.
pub async fn claim_notice(
    conn: &mut AsyncPgConnection,
    loan_id: i64,
    day: chrono::NaiveDate,
    now: DateTime<Utc>,
) -> QueryResult<bool> {
    let n = diesel::insert_into(key_overdue_notices::table)
        .values((
            key_overdue_notices::loan_id.eq(loan_id),
            key_overdue_notices::day.eq(day),
            key_overdue_notices::sent_at.eq(now),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// Active staff as (id, display name), for the borrower choice.
pub async fn staff(conn: &mut AsyncPgConnection) -> QueryResult<Vec<(i64, String)>> {
    users::table
        .filter(users::active.eq(true))
        .order(users::display_name)
        .limit(1000)
        .select((users::id, users::display_name))
        .load(conn)
        .await
}

// Copy requests.

pub async fn create_copy(
    conn: &mut AsyncPgConnection,
    key_id: i64,
    copies: i32,
    reason: &str,
    by: i64,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    diesel::insert_into(key_copy_requests::table)
        .values((
            key_copy_requests::key_id.eq(key_id),
            key_copy_requests::copies_requested.eq(copies),
            key_copy_requests::reason.eq(reason),
            key_copy_requests::requested_by.eq(by),
            key_copy_requests::created_at.eq(now),
        ))
        .returning(key_copy_requests::id)
        .get_result(conn)
        .await
}

pub async fn copy(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<CopyRequest> {
    key_copy_requests::table
        .find(id)
        .select(CopyRequest::as_select())
        .first(conn)
        .await
}

pub async fn lock_copy(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<CopyRequest> {
    key_copy_requests::table
        .find(id)
        .for_update()
        .select(CopyRequest::as_select())
        .first(conn)
        .await
}

pub async fn set_copy_status(
    conn: &mut AsyncPgConnection,
    id: i64,
    status: &str,
) -> QueryResult<()> {
    diesel::update(key_copy_requests::table.find(id))
        .set(key_copy_requests::status.eq(status))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn mark_copies_made(
    conn: &mut AsyncPgConnection,
    id: i64,
    n: i32,
    by: i64,
    now: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::update(key_copy_requests::table.find(id))
        .set((
            key_copy_requests::status.eq("made"),
            key_copy_requests::copies_made.eq(n),
            key_copy_requests::made_by.eq(by),
            key_copy_requests::made_at.eq(now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Copy requests, newest first, in one state or all, a page at a time, with the
/// key label and who asked.
pub async fn copies(
    conn: &mut AsyncPgConnection,
    status: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<(CopyRequest, KeyLabel, String)>> {
    let mut q = key_copy_requests::table
        .inner_join(keys::table)
        .inner_join(users::table.on(users::id.eq(key_copy_requests::requested_by)))
        .order(key_copy_requests::id.desc())
        .limit(limit)
        .select((
            CopyRequest::as_select(),
            (keys::label, keys::door),
            users::display_name,
        ))
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(key_copy_requests::id.lt(b));
    }
    if let Some(s) = status {
        q = q.filter(key_copy_requests::status.eq(s));
    }
    q.load(conn).await
}

// Shift counts.

pub async fn create_count(
    conn: &mut AsyncPgConnection,
    cabinet: &Cabinet,
    by: i64,
    expected: &[i64],
    present: &[i64],
    note: &str,
    now: DateTime<Utc>,
) -> QueryResult<i64> {
    let missing = expected.iter().filter(|k| !present.contains(k)).count() as i32;
    let id: i64 = diesel::insert_into(key_counts::table)
        .values((
            key_counts::project_id.eq(cabinet.project_id),
            key_counts::cabinet.eq(&cabinet.name),
            key_counts::counted_by.eq(by),
            key_counts::counted_at.eq(now),
            key_counts::expected.eq(expected.len() as i32),
            key_counts::missing.eq(missing),
            key_counts::note.eq(note),
        ))
        .returning(key_counts::id)
        .get_result(conn)
        .await?;
    let rows: Vec<_> = expected
        .iter()
        .map(|k| {
            (
                key_count_lines::count_id.eq(id),
                key_count_lines::key_id.eq(*k),
                key_count_lines::present.eq(present.contains(k)),
            )
        })
        .collect();
    for chunk in rows.chunks(crate::db::rows_per_insert(3)) {
        diesel::insert_into(key_count_lines::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(id)
}

/// A count with who made it and its cabinet's project (none for a count made
/// before cabinets were told apart by project that listed no key).
pub type CountRow = (Count, String, Option<String>);

/// Past counts, newest first, before `before` (keyset pages).
pub async fn counts(
    conn: &mut AsyncPgConnection,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<CountRow>> {
    let mut q = key_counts::table
        .inner_join(users::table.on(users::id.eq(key_counts::counted_by)))
        .left_join(projects::table)
        .order(key_counts::id.desc())
        .limit(limit)
        .select((
            Count::as_select(),
            users::display_name,
            projects::name.nullable(),
        ))
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(key_counts::id.lt(b));
    }
    q.load(conn).await
}

pub async fn count(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<CountRow> {
    key_counts::table
        .inner_join(users::table.on(users::id.eq(key_counts::counted_by)))
        .left_join(projects::table)
        .filter(key_counts::id.eq(id))
        .select((
            Count::as_select(),
            users::display_name,
            projects::name.nullable(),
        ))
        .first(conn)
        .await
}

/// The keys a count found missing.
pub async fn count_missing(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Vec<Key>> {
    keys::table
        .inner_join(key_count_lines::table)
        .filter(key_count_lines::count_id.eq(id))
        .filter(key_count_lines::present.eq(false))
        .order(keys::id)
        .select(Key::as_select())
        .load(conn)
        .await
}

/// A key its cabinet's latest shift count found missing, still on record as
/// in the cabinet: nobody has reported it lost or found it since.
#[derive(QueryableByName, Debug, Clone)]
pub struct Missing {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub label: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub door: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub cabinet: String,
    /// The project the cabinet is in.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub project: String,
    #[diesel(sql_type = Timestamptz)]
    pub counted_at: DateTime<Utc>,
}

/// The keys each cabinet's latest count found missing that are still on record
/// as in it (the morning sheet's), oldest count first, at most `limit`. Each
/// cabinet's latest count is one probe of `key_counts_cabinet_idx` per
/// cabinet, however many counts the years have filed.
pub async fn missing_at_last_count(
    conn: &mut AsyncPgConnection,
    limit: i64,
) -> QueryResult<Vec<Missing>> {
    diesel::sql_query(
        "WITH RECURSIVE c(id, project_id, cabinet, counted_at) AS ( \
           (SELECT id, project_id, cabinet, counted_at FROM key_counts \
            WHERE project_id IS NOT NULL ORDER BY project_id, cabinet, id DESC LIMIT 1) \
           UNION ALL \
           SELECT n.id, n.project_id, n.cabinet, n.counted_at FROM c CROSS JOIN LATERAL ( \
             SELECT id, project_id, cabinet, counted_at FROM key_counts \
             WHERE (project_id, cabinet) > (c.project_id, c.cabinet) \
             ORDER BY project_id, cabinet, id DESC LIMIT 1) n) \
         SELECT k.id, k.label, k.door, k.cabinet, p.name AS project, c.counted_at \
         FROM c \
         JOIN projects p ON p.id = c.project_id \
         JOIN key_count_lines l ON l.count_id = c.id AND NOT l.present \
         JOIN keys k ON k.id = l.key_id AND k.status = 'in' \
         WHERE NOT EXISTS (SELECT 1 FROM key_events e WHERE e.key_id = k.id \
             AND e.at > c.counted_at AND e.action <> 'count_missing') \
         ORDER BY c.counted_at, k.id LIMIT $1",
    )
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

/// Of `ids`, the keys still 在柜 that the last count of their cabinet (in their
/// project) did not find and that nothing has happened to since (found, lent,
/// replaced, moved): an index read of each cabinet's last count per key.
pub async fn unseen_at_count(conn: &mut AsyncPgConnection, ids: &[i64]) -> QueryResult<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT k.id FROM keys k JOIN buildings b ON b.id = k.building_id \
         CROSS JOIN LATERAL (SELECT c.id, c.counted_at FROM key_counts c \
             WHERE c.project_id = b.project_id AND c.cabinet = k.cabinet \
             ORDER BY c.id DESC LIMIT 1) c \
         JOIN key_count_lines l ON l.count_id = c.id AND l.key_id = k.id AND NOT l.present \
         WHERE k.id = ANY($1) AND k.status = 'in' \
             AND NOT EXISTS (SELECT 1 FROM key_events e WHERE e.key_id = k.id \
                 AND e.at > c.counted_at AND e.action <> 'count_missing')",
    )
    .bind::<diesel::sql_types::Array<BigInt>, _>(ids)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

/// The cabinets in use, by project and name: one probe of
/// `keys_cabinet_building_idx` per cabinet and building, not a pass over
/// every key.
pub async fn cabinets(conn: &mut AsyncPgConnection) -> QueryResult<Vec<Cabinet>> {
    diesel::sql_query(
        "WITH RECURSIVE t(cabinet, building_id) AS ( \
           (SELECT cabinet, building_id FROM keys ORDER BY cabinet, building_id LIMIT 1) \
           UNION ALL \
           SELECT n.cabinet, n.building_id FROM t CROSS JOIN LATERAL ( \
             SELECT cabinet, building_id FROM keys \
             WHERE (cabinet, building_id) > (t.cabinet, t.building_id) \
             ORDER BY cabinet, building_id LIMIT 1) n) \
         SELECT DISTINCT p.id AS project_id, p.name AS project, t.cabinet AS name \
         FROM t JOIN buildings b ON b.id = t.building_id JOIN projects p ON p.id = b.project_id \
         ORDER BY p.name, p.id, t.cabinet",
    )
    .load(conn)
    .await
}

/// Keys that should be in a cabinet now (status 在柜), by hook, at most `limit`.
pub async fn expected_in(
    conn: &mut AsyncPgConnection,
    cabinet: &Cabinet,
    limit: usize,
) -> QueryResult<Vec<Key>> {
    keys::table
        .inner_join(buildings::table)
        .filter(buildings::project_id.eq(cabinet.project_id))
        .filter(keys::cabinet.eq(&cabinet.name))
        .filter(keys::status.eq("in"))
        .order((keys::hook, keys::id))
        .limit(i64::try_from(limit).unwrap_or(i64::MAX))
        .select(Key::as_select())
        .load(conn)
        .await
}

/// Gives the keys of each room its label (room, label) where it differs, after
/// the room was corrected. One statement.
pub async fn relabel(conn: &mut AsyncPgConnection, labels: &[(i64, String)]) -> QueryResult<usize> {
    use diesel::sql_types::{Array, Text};
    let rooms: Vec<i64> = labels.iter().map(|(r, _)| *r).collect();
    let texts: Vec<&str> = labels.iter().map(|(_, l)| l.as_str()).collect();
    diesel::sql_query(
        "UPDATE keys SET label = l.label, updated_at = now() \
         FROM unnest($1::bigint[], $2::text[]) AS l(room_id, label) \
         WHERE keys.room_id = l.room_id AND keys.label <> l.label",
    )
    .bind::<Array<BigInt>, _>(rooms)
    .bind::<Array<Text>, _>(texts)
    .execute(conn)
    .await
}

#[cfg(test)]
mod tests {
    use super::NextHook;

    #[test]
    fn new_keys_hang_after_the_highest_hook_and_none_past_the_last() {
        assert_eq!(NextHook(0).hook(0), Some(1));
        assert_eq!(NextHook(7).hook(2), Some(10));
        assert_eq!(NextHook(99_999).hook(0), Some(100_000));
        assert_eq!(NextHook(99_999).hook(1), None);
        assert_eq!(NextHook(100_000).hook(0), None);
    }
}
