//! SQL of the approvals engine. Every function takes the connection, so it works
//! inside the caller's transaction.
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Date, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;

use crate::db::Read;

use super::models::{Deputy, Event, Person, Request, Task};
use crate::schema::{
    approval_deputies, approval_events, approval_requests, approval_tasks, projects, user_roles,
    users,
};

type PersonCols = (users::id, users::display_name, users::email, users::locale);
const PERSON: PersonCols = (users::id, users::display_name, users::email, users::locale);

pub async fn person(conn: &mut impl Read, id: i64) -> QueryResult<Person> {
    users::table.find(id).select(PERSON).first(conn).await
}

/// The people of `ids` whose accounts are active, by id, in one statement
/// (for a job or an action that mails several).
pub async fn active_persons(
    conn: &mut impl Read,
    ids: &[i64],
) -> QueryResult<HashMap<i64, Person>> {
    let rows: Vec<Person> = users::table
        .filter(users::id.eq_any(ids))
        .filter(users::active)
        .select(PERSON)
        .load(conn)
        .await?;
    Ok(rows.into_iter().map(|p| (p.id, p)).collect())
}

/// A project's name.
pub async fn project_name(conn: &mut impl Read, id: i64) -> QueryResult<String> {
    projects::table
        .find(id)
        .select(projects::name)
        .first(conn)
        .await
}

/// Display names of several users in one query.
pub async fn names(conn: &mut impl Read, ids: &[i64]) -> QueryResult<HashMap<i64, String>> {
    let rows: Vec<(i64, String)> = users::table
        .filter(users::id.eq_any(ids))
        .select((users::id, users::display_name))
        .load(conn)
        .await?;
    Ok(rows.into_iter().collect())
}

/// The approving decisions on the requests of `kind` about `subjects`, oldest
/// first: (subject, step, who decided, when). For papers that print who
/// reviewed and who approved; a deputy's decision names whom it was made for,
/// in `loc` ("李强（代 张伟）").
pub async fn approvals_of(
    conn: &mut impl Read,
    kind: &str,
    subjects: &[i64],
    loc: crate::i18n::Locale,
) -> QueryResult<Vec<(i64, i32, String, Option<DateTime<Utc>>)>> {
    let principal = diesel::alias!(users as principal);
    /// (subject, step, decider, whom they decided for, when).
    type Decided = (i64, i32, String, Option<String>, Option<DateTime<Utc>>);
    let rows: Vec<Decided> = approval_requests::table
        .inner_join(approval_tasks::table)
        .inner_join(users::table.on(approval_tasks::decided_by.eq(users::id.nullable())))
        .left_join(
            principal.on(approval_tasks::on_behalf_of.eq(principal.field(users::id).nullable())),
        )
        .filter(approval_requests::kind.eq(kind))
        .filter(approval_requests::subject_id.eq_any(subjects))
        .filter(approval_tasks::status.eq("approved"))
        .order((approval_requests::subject_id, approval_tasks::id))
        .select((
            approval_requests::subject_id,
            approval_tasks::step,
            users::display_name,
            principal.field(users::display_name).nullable(),
            approval_tasks::decided_at,
        ))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|(subject, step, decider, principal, at)| {
            let name = match principal {
                Some(p) => loc.tf(
                    "approvals.decided_for",
                    &[("decider", &decider), ("name", &p)],
                ),
                None => decider,
            };
            (subject, step, name, at)
        })
        .collect())
}

/// Who could approve a step: the first active holder of each of `roles` (the
/// requester only where no one else holds it), whether the requester holds
/// `first` (the step's own role), the deputy each holder named for `day`, the
/// requester's name, and the project the request is about. One statement for
/// the whole chain.
pub struct Holders {
    pub requester_holds_first: bool,
    /// The person the request is for (when not the requester) holds `first`.
    pub party_holds_first: bool,
    pub requester_name: String,
    pub by_role: Vec<(String, Person)>,
    /// Holder id → the active deputy they named for the day (the latest named).
    pub deputies: HashMap<i64, Person>,
    /// The request's project: the one asked for, else (for a request about the
    /// requester) the one project they serve, if they serve exactly one.
    pub project: Option<i64>,
}

/// Among a role's holders, one who serves the request's project comes first,
/// then one who serves every project (no `user_projects` row); one who serves
/// only other projects is passed over (an administrator never is: they are the
/// last resort). A request about no project goes to one who serves every
/// project first. The requester, the person the request is for, and whoever
/// decided an earlier step of it (`$8`, all of them) come last of all, so a
/// colleague holding the same post is found before them.
const HOLDERS: &str = "WITH p AS (SELECT COALESCE($5, CASE WHEN $6 THEN ( \
         SELECT min(up.project_id) FROM user_projects up WHERE up.user_id = $2 \
         HAVING count(*) = 1) END) AS project) \
     SELECT EXISTS (SELECT 1 FROM user_roles r \
         WHERE r.user_id = $2 AND r.role_code = $3) AS requester_holds_first, \
     EXISTS (SELECT 1 FROM user_roles r \
         WHERE r.user_id = $7 AND r.role_code = $3) AS party_holds_first, \
     (SELECT display_name FROM users WHERE id = $2) AS requester_name, \
     p.project, \
     h.role_code, h.id, h.display_name, h.email, h.locale, \
     d.id AS deputy_id, d.display_name AS deputy_name, d.email AS deputy_email, \
     d.locale AS deputy_locale \
     FROM p LEFT JOIN LATERAL ( \
         SELECT DISTINCT ON (ur.role_code) ur.role_code, u.id, u.display_name, u.email, u.locale \
         FROM user_roles ur JOIN users u ON u.id = ur.user_id \
         CROSS JOIN LATERAL (SELECT count(*) > 0 AS scoped, \
             coalesce(bool_or(up.project_id = p.project), false) AS here \
             FROM user_projects up WHERE up.user_id = u.id) s \
         WHERE ur.role_code = ANY($1) AND u.active \
             AND (p.project IS NULL OR s.here OR NOT s.scoped \
                 OR ur.role_code = 'admin') \
         ORDER BY ur.role_code, u.id = ANY($8), NOT s.here, s.scoped, \
             u.id) h ON true \
     LEFT JOIN LATERAL ( \
         SELECT u.id, u.display_name, u.email, u.locale \
         FROM approval_deputies ad JOIN users u ON u.id = ad.deputy_id \
         WHERE ad.user_id = h.id AND ad.starts_on <= $4 AND ad.ends_on >= $4 AND u.active \
             AND u.id <> $2 AND u.id IS DISTINCT FROM $7 \
         ORDER BY ad.id DESC LIMIT 1) d ON true";

#[derive(QueryableByName)]
struct HolderRow {
    #[diesel(sql_type = Bool)]
    requester_holds_first: bool,
    #[diesel(sql_type = Bool)]
    party_holds_first: bool,
    #[diesel(sql_type = Nullable<Text>)]
    requester_name: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    project: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    role_code: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    display_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    email: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    locale: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    deputy_id: Option<i64>,
    #[diesel(sql_type = Nullable<Text>)]
    deputy_name: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    deputy_email: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    deputy_locale: Option<String>,
}

/// The holders of `roles` for a request by `requester` for `party` (when
/// another person) about `project`; with `of_requester` and no project, about
/// the one project the requester serves. Those `passed_over` (whoever decided
/// an earlier step), like the requester and the party, are found last.
pub async fn holders(
    conn: &mut impl Read,
    roles: &[&str],
    (requester, party, passed_over): (i64, Option<i64>, &[i64]),
    first: &str,
    day: NaiveDate,
    project: Option<i64>,
    of_requester: bool,
) -> QueryResult<Holders> {
    let last: Vec<i64> = [Some(requester), party]
        .into_iter()
        .flatten()
        .chain(passed_over.iter().copied())
        .collect();
    let rows: Vec<HolderRow> = crate::db::cached(
        diesel::sql_query(HOLDERS)
            .bind::<Array<Text>, _>(roles)
            .bind::<BigInt, _>(requester)
            .bind::<Text, _>(first)
            .bind::<Date, _>(day)
            .bind::<Nullable<BigInt>, _>(project)
            .bind::<Bool, _>(of_requester)
            .bind::<Nullable<BigInt>, _>(party)
            .bind::<Array<BigInt>, _>(last),
    )
    .load(conn)
    .await?;
    let first_row = rows.as_slice().first();
    let requester_holds_first = first_row.is_some_and(|r| r.requester_holds_first);
    let requester_name = first_row
        .and_then(|r| r.requester_name.clone())
        .unwrap_or_default();
    let mut holders = Holders {
        requester_holds_first,
        party_holds_first: first_row.is_some_and(|r| r.party_holds_first),
        requester_name,
        project: first_row.and_then(|r| r.project),
        by_role: Vec::with_capacity(rows.len()),
        deputies: HashMap::new(),
    };
    for r in rows {
        let (Some(role), Some(id), Some(display_name), Some(email), Some(locale)) =
            (r.role_code, r.id, r.display_name, r.email, r.locale)
        else {
            continue;
        };
        if let (Some(d), Some(name), Some(email), Some(locale)) =
            (r.deputy_id, r.deputy_name, r.deputy_email, r.deputy_locale)
        {
            let deputy = Person {
                id: d,
                display_name: name,
                email,
                locale,
            };
            holders.deputies.insert(id, deputy);
        }
        let person = Person {
            id,
            display_name,
            email,
            locale,
        };
        holders.by_role.push((role, person));
    }
    Ok(holders)
}

/// The deputy `user` named for `day`, if any (the latest named wins), other
/// than those `passed_over` (the requester and whom the request is for).
pub async fn deputy_on(
    conn: &mut impl Read,
    user: i64,
    day: NaiveDate,
    passed_over: &[i64],
) -> QueryResult<Option<Person>> {
    approval_deputies::table
        .inner_join(users::table.on(users::id.eq(approval_deputies::deputy_id)))
        .filter(approval_deputies::user_id.eq(user))
        .filter(approval_deputies::starts_on.le(day))
        .filter(approval_deputies::ends_on.ge(day))
        .filter(users::active.eq(true))
        .filter(diesel::dsl::not(users::id.eq_any(passed_over)))
        .order(approval_deputies::id.desc())
        .select(PERSON)
        .first(conn)
        .await
        .optional()
}

/// Who approved a step of the request before `step`, or had it approved for
/// them by a deputy: none of them decides a later step as anyone's deputy (the
/// rule book's review and approval are two people's).
pub async fn earlier_deciders(
    conn: &mut impl Read,
    request_id: i64,
    step: i32,
) -> QueryResult<Vec<i64>> {
    if step == 0 {
        return Ok(Vec::new());
    }
    let rows: Vec<(Option<i64>, Option<i64>)> = approval_tasks::table
        .filter(approval_tasks::request_id.eq(request_id))
        .filter(approval_tasks::step.lt(step))
        .filter(approval_tasks::status.eq("approved"))
        .select((approval_tasks::decided_by, approval_tasks::on_behalf_of))
        .load(conn)
        .await?;
    Ok(rows
        .into_iter()
        .flat_map(|(by, of)| [by, of])
        .flatten()
        .collect())
}

/// Whether `deputy` stands in for `user` on `day`.
pub async fn is_deputy(
    conn: &mut AsyncPgConnection,
    deputy: i64,
    user: i64,
    day: NaiveDate,
) -> QueryResult<bool> {
    deputyship_overlaps(conn, user, deputy, day, day).await
}

pub async fn get_request(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Request> {
    approval_requests::table
        .find(id)
        .select(Request::as_select())
        .first(conn)
        .await
}

/// The request, locked until the transaction ends: decisions on one request
/// happen one after the other.
pub async fn lock_request(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Request> {
    approval_requests::table
        .find(id)
        .select(Request::as_select())
        .for_update()
        .first(conn)
        .await
}

pub async fn request_for(
    conn: &mut AsyncPgConnection,
    kind: &str,
    subject_id: i64,
) -> QueryResult<Option<Request>> {
    approval_requests::table
        .filter(approval_requests::kind.eq(kind))
        .filter(approval_requests::subject_id.eq(subject_id))
        .select(Request::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn get_task(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Task> {
    approval_tasks::table
        .find(id)
        .select(Task::as_select())
        .first(conn)
        .await
}

pub async fn pending_task(
    conn: &mut AsyncPgConnection,
    request_id: i64,
) -> QueryResult<Option<Task>> {
    approval_tasks::table
        .filter(approval_tasks::request_id.eq(request_id))
        .filter(approval_tasks::status.eq("pending"))
        .select(Task::as_select())
        .first(conn)
        .await
        .optional()
}

/// The pending tasks of `user` that they may no longer decide: they were
/// deactivated, no longer hold the post the task was given under, or serve
/// only projects other than the request's (the rule of [`HOLDERS`]; an
/// administrator's tasks excepted, as there). Oldest first.
pub async fn stranded_tasks(conn: &mut AsyncPgConnection, user: i64) -> QueryResult<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Row {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let rows: Vec<Row> = diesel::sql_query(
        "SELECT t.id FROM approval_tasks t \
         JOIN approval_requests r ON r.id = t.request_id \
         JOIN users u ON u.id = t.approver_id \
         WHERE t.approver_id = $1 AND t.status = 'pending' AND NOT ( \
             u.active \
             AND EXISTS (SELECT 1 FROM user_roles ur \
                 WHERE ur.user_id = u.id AND ur.role_code = t.role_code) \
             AND (t.role_code = 'admin' OR r.project_id IS NULL \
                 OR NOT EXISTS (SELECT 1 FROM user_projects up WHERE up.user_id = u.id) \
                 OR EXISTS (SELECT 1 FROM user_projects up \
                     WHERE up.user_id = u.id AND up.project_id = r.project_id))) \
         ORDER BY t.id",
    )
    .bind::<BigInt, _>(user)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.id).collect())
}

pub async fn tasks_of(conn: &mut AsyncPgConnection, request_id: i64) -> QueryResult<Vec<Task>> {
    approval_tasks::table
        .filter(approval_tasks::request_id.eq(request_id))
        .order(approval_tasks::id)
        .select(Task::as_select())
        .load(conn)
        .await
}

pub async fn trail(conn: &mut AsyncPgConnection, request_id: i64) -> QueryResult<Vec<Event>> {
    approval_events::table
        .filter(approval_events::request_id.eq(request_id))
        .order(approval_events::id)
        .select(Event::as_select())
        .load(conn)
        .await
}

/// One line of the trail.
pub struct NewEvent<'a> {
    pub request_id: i64,
    pub at: DateTime<Utc>,
    pub step: Option<i32>,
    pub action: &'a str,
    pub actor_id: Option<i64>,
    pub via: Option<&'a str>,
    pub on_behalf_of: Option<i64>,
    pub comment: &'a str,
}

pub async fn add_event(conn: &mut AsyncPgConnection, e: NewEvent<'_>) -> QueryResult<()> {
    add_events(conn, &[e]).await
}

/// Several events of one moment in one statement, in the order given.
pub async fn add_events(conn: &mut impl Read, events: &[NewEvent<'_>]) -> QueryResult<()> {
    let rows: Vec<_> = events
        .iter()
        .map(|e| {
            (
                approval_events::request_id.eq(e.request_id),
                approval_events::at.eq(e.at),
                approval_events::step.eq(e.step),
                approval_events::action.eq(e.action),
                approval_events::actor_id.eq(e.actor_id),
                approval_events::via.eq(e.via),
                approval_events::on_behalf_of.eq(e.on_behalf_of),
                approval_events::comment.eq(e.comment),
            )
        })
        .collect();
    // `cached`: a many-row insert is never prepared by diesel; keyed by its text,
    // each row count is one prepared statement.
    crate::db::cached(diesel::insert_into(approval_events::table).values(rows))
        .execute(conn)
        .await?;
    Ok(())
}

/// A row of the inbox: the pending task, its request and who asked.
#[derive(QueryableByName, Debug)]
pub struct InboxRow {
    #[diesel(sql_type = BigInt)]
    pub task_id: i64,
    /// Whom the user stands in for on this task; `None` when it is their own.
    #[diesel(sql_type = Nullable<Text>)]
    pub on_behalf_of: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    pub due_at: DateTime<Utc>,
    #[diesel(sql_type = BigInt)]
    pub request_id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub kind: String,
    #[diesel(sql_type = Timestamptz)]
    pub created_at: DateTime<Utc>,
    #[diesel(sql_type = Text)]
    pub requester: String,
    /// The project the request is about, if one.
    #[diesel(sql_type = Nullable<Text>)]
    pub project: Option<String>,
}

/// The user's pending tasks and those of whoever they stand in for today, read
/// approver by approver (a lateral subquery per approver, so that only their
/// tasks are scanned); then each one's request by its key (a lateral subquery
/// the planner cannot turn into a join). The statement keeps one plan per
/// connection: as a plain join, a plan made for "about as many tasks as anyone
/// has" hashed the whole request table on every call, and with the approvers
/// as a filter it looked up the request of every pending task of everyone.
const INBOX: &str = "WITH approvers AS ( \
         SELECT $1::bigint AS id \
         UNION SELECT d.user_id FROM approval_deputies d \
         WHERE d.deputy_id = $1 AND d.starts_on <= $2 AND d.ends_on >= $2) \
     SELECT t.id AS task_id, \
         CASE WHEN t.approver_id = $1 THEN NULL ELSE \
             (SELECT a.display_name FROM users a WHERE a.id = t.approver_id) END AS on_behalf_of, \
         t.due_at, r.id AS request_id, r.title, r.kind, r.created_at, u.display_name AS requester, \
         (SELECT p.name FROM projects p WHERE p.id = r.project_id) AS project \
     FROM approvers ap \
     CROSS JOIN LATERAL (SELECT approval_tasks.id, approval_tasks.approver_id, \
         approval_tasks.due_at, approval_tasks.request_id, approval_tasks.step FROM approval_tasks \
         WHERE approval_tasks.approver_id = ap.id AND approval_tasks.status = 'pending' \
         OFFSET 0) t \
     CROSS JOIN LATERAL (SELECT approval_requests.id, approval_requests.title, \
         approval_requests.kind, approval_requests.created_at, approval_requests.requester_id, \
         approval_requests.project_id, approval_requests.party_id \
         FROM approval_requests WHERE approval_requests.id = t.request_id OFFSET 0) r \
     CROSS JOIN LATERAL (SELECT users.display_name FROM users \
         WHERE users.id = r.requester_id OFFSET 0) u \
     WHERE r.requester_id <> $1 AND r.party_id IS DISTINCT FROM $1 \
         AND (t.step = 0 OR t.approver_id = $1 OR NOT EXISTS (SELECT 1 FROM approval_tasks e \
             WHERE e.request_id = t.request_id AND e.step < t.step AND e.status = 'approved' \
                 AND (e.decided_by = $1 OR e.on_behalf_of = $1))) \
     ORDER BY t.id LIMIT 501";

/// Inboxes kept per user and day in each instance. Triggers notify an approver
/// when their tasks, their deputies' tasks, their deputyships or the title of a
/// request waiting for them change, and everyone when a name changes (migrations
/// `…_changes`, `…_inbox_kept`).
pub type KeptInboxes = crate::db::changes::KeptFor<NaiveDate, Vec<InboxRow>>;

/// How many inboxes an instance keeps at most.
pub const KEPT_INBOXES: u64 = 10_000;

/// [`inbox`], from memory while nothing it shows has changed.
pub async fn kept_inbox(
    conn: &mut impl Read,
    kept: &KeptInboxes,
    me: i64,
    day: NaiveDate,
) -> QueryResult<std::sync::Arc<Vec<InboxRow>>> {
    kept.get(me, day, inbox(conn, me, day)).await
}

/// How many pending tasks the inbox lists, the oldest; it says when more wait.
pub const INBOX_SHOWN: usize = 500;

/// Pending tasks of `me` and of whoever `me` stands in for on `day`, oldest
/// first, one more than [`INBOX_SHOWN`]; never the user's own requests. One
/// statement.
pub async fn inbox(conn: &mut impl Read, me: i64, day: NaiveDate) -> QueryResult<Vec<InboxRow>> {
    crate::db::cached(
        diesel::sql_query(INBOX)
            .bind::<BigInt, _>(me)
            .bind::<Date, _>(day),
    )
    .load(conn)
    .await
}

/// The user's own requests, newest first (keyset on id).
pub async fn mine(
    conn: &mut AsyncPgConnection,
    user: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Request>> {
    let mut q = approval_requests::table
        .filter(approval_requests::requester_id.eq(user))
        .order(approval_requests::id.desc())
        .limit(limit)
        .select(Request::as_select())
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(approval_requests::id.lt(b));
    }
    q.load(conn).await
}

/// Whether `user` is or was an approver of this request: asked to decide it,
/// decided it (as a deputy too), or the deputy today of anyone it was
/// assigned to, for a task still open when the deputyship began (not one its
/// approver had closed before: a deputy stands in from then on, and does not
/// read all of a colleague's past decisions).
/// The registers let such a user open the record the request is about.
pub async fn was_approver(
    conn: &mut AsyncPgConnection,
    request_id: i64,
    user: i64,
    (day, tz): (NaiveDate, chrono_tz::Tz),
) -> QueryResult<bool> {
    let asked: bool = diesel::select(diesel::dsl::exists(
        approval_tasks::table
            .filter(approval_tasks::request_id.eq(request_id))
            .filter(
                approval_tasks::approver_id
                    .eq(user)
                    .or(approval_tasks::decided_by.eq(user)),
            ),
    ))
    .get_result(conn)
    .await?;
    if asked {
        return Ok(true);
    }
    // A deputy today of anyone it was assigned to: while it waits, and after
    // (a colleague decided it first, and the deputy follows it up).
    use diesel::sql_types::{Bool, Text};
    let open_when_begun = diesel::dsl::sql::<Bool>(
        "(approval_tasks.decided_at IS NULL OR approval_tasks.decided_at >= \
         (approval_deputies.starts_on::timestamp AT TIME ZONE ",
    )
    .bind::<Text, _>(tz.name())
    .sql("))");
    diesel::select(diesel::dsl::exists(
        approval_tasks::table
            .inner_join(
                approval_deputies::table
                    .on(approval_deputies::user_id.eq(approval_tasks::approver_id)),
            )
            .filter(approval_tasks::request_id.eq(request_id))
            .filter(approval_deputies::deputy_id.eq(user))
            .filter(approval_deputies::starts_on.le(day))
            .filter(approval_deputies::ends_on.ge(day))
            .filter(open_when_begun),
    ))
    .get_result(conn)
    .await
}

pub async fn deputies_of(conn: &mut AsyncPgConnection, user: i64) -> QueryResult<Vec<Deputy>> {
    approval_deputies::table
        .filter(approval_deputies::user_id.eq(user))
        .order(approval_deputies::starts_on.desc())
        .limit(100)
        .select(Deputy::as_select())
        .load(conn)
        .await
}

/// Removes one of `user`'s deputies; returns whether there was one.
/// Whether the deputyship `id` exists (anyone's).
pub async fn deputyship_exists(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(approval_deputies::table.find(id)))
        .get_result(conn)
        .await
}

pub async fn remove_deputy(conn: &mut AsyncPgConnection, user: i64, id: i64) -> QueryResult<bool> {
    let n = diesel::delete(
        approval_deputies::table
            .filter(approval_deputies::id.eq(id))
            .filter(approval_deputies::user_id.eq(user)),
    )
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Users who hold a post that decides requests: those of the request types
/// (see [`super::deciding_roles`]) and the key categories' loan approvers,
/// which a site may change.
pub fn deciders() -> user_roles::BoxedQuery<'static, diesel::pg::Pg, BigInt> {
    use crate::schema::key_categories;
    user_roles::table
        .filter(
            user_roles::role_code
                .eq_any(super::deciding_roles())
                .or(user_roles::role_code
                    .eq_any(key_categories::table.select(key_categories::loan_approver))),
        )
        .select(user_roles::user_id)
        .into_boxed()
}

/// Ends the deputyships, from `today` on, of deputies who no longer hold a
/// deciding post (see [`deciders`]): of `deputy` only, or of everyone with
/// `None`. One not begun before today is removed; one under way ends
/// yesterday, so what it decided stays on record. Returns how many changed.
pub async fn end_deputyships_without_post(
    conn: &mut AsyncPgConnection,
    deputy: Option<i64>,
    today: NaiveDate,
) -> QueryResult<usize> {
    let of = |q: approval_deputies::BoxedQuery<'static, diesel::pg::Pg>| match deputy {
        Some(d) => q.filter(approval_deputies::deputy_id.eq(d)),
        None => q,
    };
    let without_post = diesel::dsl::not(approval_deputies::deputy_id.eq_any(deciders()));
    let not_begun = of(approval_deputies::table.into_boxed())
        .filter(approval_deputies::starts_on.ge(today))
        .filter(without_post)
        .select(approval_deputies::id);
    let removed = diesel::delete(approval_deputies::table)
        .filter(approval_deputies::id.eq_any(not_begun))
        .execute(conn)
        .await?;
    let without_post = diesel::dsl::not(approval_deputies::deputy_id.eq_any(deciders()));
    let under_way = of(approval_deputies::table.into_boxed())
        .filter(approval_deputies::starts_on.lt(today))
        .filter(approval_deputies::ends_on.ge(today))
        .filter(without_post)
        .select(approval_deputies::id);
    let ended = diesel::update(approval_deputies::table)
        .filter(approval_deputies::id.eq_any(under_way))
        .set(approval_deputies::ends_on.eq(today - chrono::Duration::days(1)))
        .execute(conn)
        .await?;
    Ok(removed + ended)
}

/// Whether `user` already named `deputy` for any day of `[starts, ends]`.
pub async fn deputyship_overlaps(
    conn: &mut AsyncPgConnection,
    user: i64,
    deputy: i64,
    starts: NaiveDate,
    ends: NaiveDate,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        approval_deputies::table
            .filter(approval_deputies::user_id.eq(user))
            .filter(approval_deputies::deputy_id.eq(deputy))
            .filter(approval_deputies::starts_on.le(ends))
            .filter(approval_deputies::ends_on.ge(starts)),
    ))
    .get_result(conn)
    .await
}

pub async fn add_deputy(
    conn: &mut AsyncPgConnection,
    user: i64,
    deputy: i64,
    starts_on: NaiveDate,
    ends_on: NaiveDate,
) -> QueryResult<i64> {
    diesel::insert_into(approval_deputies::table)
        .values((
            approval_deputies::user_id.eq(user),
            approval_deputies::deputy_id.eq(deputy),
            approval_deputies::starts_on.eq(starts_on),
            approval_deputies::ends_on.eq(ends_on),
        ))
        .returning(approval_deputies::id)
        .get_result(conn)
        .await
}
