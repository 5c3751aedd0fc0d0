//! SQL of the approvals engine. Every function takes the connection, so it works
//! inside the caller's transaction.
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use std::collections::HashMap;

use crate::db::Read;

use super::models::{Deputy, Event, Person, Request, Task};
use crate::schema::{
    approval_deputies, approval_events, approval_requests, approval_tasks, user_roles, users,
};

type PersonCols = (users::id, users::display_name, users::email, users::locale);
const PERSON: PersonCols = (users::id, users::display_name, users::email, users::locale);

pub async fn person(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Person> {
    users::table.find(id).select(PERSON).first(conn).await
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

/// The first active holder of `role` other than `except` (the requester).
pub async fn first_holder(
    conn: &mut AsyncPgConnection,
    role: &str,
    except: Option<i64>,
) -> QueryResult<Option<Person>> {
    let mut q = users::table
        .inner_join(user_roles::table)
        .filter(user_roles::role_code.eq(role))
        .filter(users::active.eq(true))
        .order(users::id)
        .select(PERSON)
        .into_boxed();
    if let Some(e) = except {
        q = q.filter(users::id.ne(e));
    }
    q.first(conn).await.optional()
}

pub async fn has_role(conn: &mut AsyncPgConnection, user: i64, role: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        user_roles::table
            .filter(user_roles::user_id.eq(user))
            .filter(user_roles::role_code.eq(role)),
    ))
    .get_result(conn)
    .await
}

/// The deputy `user` named for `day`, if any (the latest named wins).
pub async fn deputy_on(
    conn: &mut AsyncPgConnection,
    user: i64,
    day: NaiveDate,
) -> QueryResult<Option<Person>> {
    approval_deputies::table
        .inner_join(users::table.on(users::id.eq(approval_deputies::deputy_id)))
        .filter(approval_deputies::user_id.eq(user))
        .filter(approval_deputies::starts_on.le(day))
        .filter(approval_deputies::ends_on.ge(day))
        .filter(users::active.eq(true))
        .order(approval_deputies::id.desc())
        .select(PERSON)
        .first(conn)
        .await
        .optional()
}

/// Whether `deputy` stands in for `user` on `day`.
pub async fn is_deputy(
    conn: &mut AsyncPgConnection,
    deputy: i64,
    user: i64,
    day: NaiveDate,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        approval_deputies::table
            .filter(approval_deputies::user_id.eq(user))
            .filter(approval_deputies::deputy_id.eq(deputy))
            .filter(approval_deputies::starts_on.le(day))
            .filter(approval_deputies::ends_on.ge(day)),
    ))
    .get_result(conn)
    .await
}

/// Users `deputy` stands in for on `day`.
pub async fn principals(
    conn: &mut impl Read,
    deputy: i64,
    day: NaiveDate,
) -> QueryResult<Vec<i64>> {
    approval_deputies::table
        .filter(approval_deputies::deputy_id.eq(deputy))
        .filter(approval_deputies::starts_on.le(day))
        .filter(approval_deputies::ends_on.ge(day))
        .select(approval_deputies::user_id)
        .load(conn)
        .await
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
    diesel::insert_into(approval_events::table)
        .values((
            approval_events::request_id.eq(e.request_id),
            approval_events::at.eq(e.at),
            approval_events::step.eq(e.step),
            approval_events::action.eq(e.action),
            approval_events::actor_id.eq(e.actor_id),
            approval_events::via.eq(e.via),
            approval_events::on_behalf_of.eq(e.on_behalf_of),
            approval_events::comment.eq(e.comment),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A row of the inbox: the pending task, its request and who asked.
#[derive(Queryable, Debug)]
pub struct InboxRow {
    pub task_id: i64,
    pub approver_id: i64,
    pub due_at: DateTime<Utc>,
    pub request_id: i64,
    pub title: String,
    pub kind: String,
    pub created_at: DateTime<Utc>,
    pub requester: String,
}

/// Pending tasks of `approvers` (the user and whoever they stand in for), oldest
/// first; never the user's own requests.
pub async fn inbox(conn: &mut impl Read, me: i64, approvers: &[i64]) -> QueryResult<Vec<InboxRow>> {
    let q = approval_tasks::table
        .inner_join(approval_requests::table)
        .inner_join(users::table.on(users::id.eq(approval_requests::requester_id)))
        .filter(approval_tasks::status.eq(crate::db::constant("pending")))
        .filter(approval_tasks::approver_id.eq_any(approvers))
        .filter(approval_requests::requester_id.ne(me))
        .order(approval_tasks::id)
        .select((
            approval_tasks::id,
            approval_tasks::approver_id,
            approval_tasks::due_at,
            approval_requests::id,
            approval_requests::title,
            approval_requests::kind,
            approval_requests::created_at,
            users::display_name,
        ));
    // Constants in the text: the pending-task index and the limit serve the
    // statement's generic plan, so it is not planned again on every request.
    crate::db::cached(q).limit(500).load(conn).await
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

/// Whether `user` was ever asked to decide this request, or decided it as a deputy.
pub async fn was_approver(
    conn: &mut AsyncPgConnection,
    request_id: i64,
    user: i64,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        approval_tasks::table
            .filter(approval_tasks::request_id.eq(request_id))
            .filter(
                approval_tasks::approver_id
                    .eq(user)
                    .or(approval_tasks::decided_by.eq(user)),
            ),
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
