//! Submitting, assigning, deciding, withdrawing and re-sending requests. Every
//! function runs inside the caller's transaction, so the request, its trail,
//! its links and its mails commit together or not at all. A new request, its
//! first task, trail, link and mail are one statement ([`plan`] reads who
//! approves, [`Plan::file_in`] writes): after its subject in the caller's
//! transaction ([`submit`]), or with the subject in the same statement.
use chrono::{DateTime, Duration, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use futures_util::future::try_join;

use super::models::{Person, Request, Task};
use super::queries::{self, NewEvent};
use super::{Kind, StepDef};
use crate::auth::Role;
use crate::config::Config;
use crate::error::AppError;
use crate::mail::messages::{ApprovalLate, ApprovalOutcome, ApprovalRequest};
use crate::schema::{approval_links, approval_requests, approval_tasks};

/// Web page or email link: recorded with every decision.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Via {
    Web,
    Email,
}

impl Via {
    pub fn code(self) -> &'static str {
        match self {
            Via::Web => "web",
            Via::Email => "email",
        }
    }
}

/// Why a decision was not taken.
#[derive(Debug)]
pub enum Refusal {
    /// The task or request is no longer pending.
    AlreadyDecided,
    /// The same actor already took this same step (a double click, a form sent
    /// again): it stands, and nothing more is done.
    Repeated,
    /// The user is neither the approver nor their deputy today.
    NotYours,
    /// The request was edited since the version the decision was made on.
    Changed,
}

fn mail_err(e: askama::Error) -> AppError {
    AppError::Template(e)
}

/// Files a new request of `kind` and assigns its first step. `subject` is what
/// the title says after the kind's name, with no word of either language of its
/// own: names, dates and numbers as they are, words as [`super::term`]s.
pub async fn submit(
    conn: &mut AsyncPgConnection,
    kind: &Kind,
    subject_id: i64,
    subject: &str,
    requester: i64,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    submit_with_roles(
        conn, kind, None, subject_id, subject, requester, config, now,
    )
    .await
}

/// As [`submit`], with the approver roles of each step chosen now rather than
/// fixed by the kind (a key loan's approver depends on the keys' category).
/// Each list replaces its step's `StepDef::roles`: the approver's role first,
/// then the roles a late step escalates to. Steps beyond the lists keep theirs.
#[allow(clippy::too_many_arguments)]
pub async fn submit_with_roles(
    conn: &mut AsyncPgConnection,
    kind: &Kind,
    step_roles: Option<&[Vec<Role>]>,
    subject_id: i64,
    subject: &str,
    requester: i64,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<i64, AppError> {
    // The subject is already in the caller's transaction: the statement's
    // `subject` part only names it.
    let about = About::Project(super::project_of(conn, kind.code, subject_id).await?);
    let party = super::party_of(conn, kind.code, subject_id)
        .await?
        .filter(|p| *p != requester);
    let who = (requester, party);
    let plan = plan(conn, kind, step_roles, who, about, config, now).await?;
    let details = super::details(conn, kind.code, subject_id, plan.mail_locale()).await?;
    let mut w = crate::db::With::new();
    let id = w.bind::<diesel::sql_types::BigInt, _>(subject_id);
    w.part("subject", &format!("SELECT {id} AS id"));
    plan.file_in(&mut w, "subject", subject, details, config)?;
    #[derive(QueryableByName)]
    struct Filed {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        id: i64,
    }
    let filed: Filed = w.select("SELECT id FROM request").get_result(conn).await?;
    Ok(filed.id)
}

/// A request about to be filed in the same statement as its subject (see
/// [`crate::db::With`]): [`plan`] reads who approves it, [`Plan::file_in`] adds
/// the request, its first task, its trail, the approver's link and their mail to
/// the statement. The whole filing is then one statement instead of a transaction of a dozen.
/// [`submit`] files this way too, its subject inserted beforehand.
pub struct Plan {
    kind: &'static str,
    deadline_hours: i64,
    requester: i64,
    requester_name: String,
    party: Option<i64>,
    step_roles: Option<serde_json::Value>,
    approver: Person,
    role: String,
    level: usize,
    /// The approver's deputy for the day, who gets the mail in their stead.
    deputy: Option<Person>,
    skipped_requester: bool,
    skipped_party: bool,
    /// The project the request is about (see [`queries::Holders::project`]).
    project: Option<i64>,
    now: DateTime<Utc>,
}

/// What a request is about, for choosing among approvers who serve projects.
#[derive(Clone, Copy, Debug)]
pub enum About {
    /// Its subject's project ([`super::project_of`]), or none (the company).
    Project(Option<i64>),
    /// The requester themselves (leave): the one project they serve, if they
    /// serve exactly one.
    Requester,
}

/// Chooses the first step's approver of a request of `kind` that `requester`
/// is about to file (for `party`, when for another person), and their deputy
/// for the day: one read.
pub async fn plan(
    conn: &mut impl crate::db::Read,
    kind: &Kind,
    step_roles: Option<&[Vec<Role>]>,
    (requester, party): (i64, Option<i64>),
    about: About,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Plan, AppError> {
    let (project, of_requester) = match about {
        About::Project(p) => (p, false),
        About::Requester => (None, true),
    };
    let step_roles = step_roles_json(step_roles);
    let roles = chosen_roles(&kind.steps[0], step_roles.as_ref(), 0);
    let mut codes: Vec<&str> = roles.iter().map(|r| r.code()).collect();
    codes.push(Role::Admin.code());
    let mut holders = queries::holders(
        conn,
        &codes,
        (requester, party, &[]),
        roles[0].code(),
        config.day(now),
        project,
        of_requester,
    )
    .await?;
    let parties: Vec<i64> = [Some(requester), party].into_iter().flatten().collect();
    let (approver, role, level) = resolve(&holders.by_role, &roles, 0, (&parties, &parties))?;
    // A requester never decides their own request, not even as someone's
    // deputy; nor does the person it is for.
    let deputy = holders
        .deputies
        .remove(&approver.id)
        .filter(|d| !parties.contains(&d.id));
    Ok(Plan {
        kind: kind.code,
        deadline_hours: kind.steps[0].deadline_hours,
        requester,
        requester_name: holders.requester_name,
        party,
        step_roles,
        approver,
        role,
        level,
        deputy,
        skipped_requester: holders.requester_holds_first,
        skipped_party: holders.party_holds_first,
        project: holders.project,
        now,
    })
}

fn step_roles_json(step_roles: Option<&[Vec<Role>]>) -> Option<serde_json::Value> {
    step_roles.map(|steps| {
        serde_json::Value::from(
            steps
                .iter()
                .map(|roles| roles.iter().map(|r| r.code()).collect::<Vec<_>>())
                .collect::<Vec<_>>(),
        )
    })
}

impl Plan {
    /// Who the mail goes to: the approver, or their deputy for the day.
    pub fn mail_to(&self) -> &Person {
        self.deputy.as_ref().unwrap_or(&self.approver)
    }

    /// The language of the mail (and of the `details` [`Plan::file_in`] takes).
    pub fn mail_locale(&self) -> crate::i18n::Locale {
        self.mail_to().locale()
    }

    /// Adds the parts `request`, `task`, `trail`, `link` and `mail` to `w`, for
    /// the subject whose id the part `subject` returns. `subject_title` is the
    /// title as [`submit`] takes it; `details` the lines the mail shows, in
    /// [`Plan::mail_locale`].
    pub fn file_in(
        &self,
        w: &mut crate::db::With,
        subject: &str,
        subject_title: &str,
        details: Vec<(String, String)>,
        config: &Config,
    ) -> Result<(), AppError> {
        use diesel::sql_types::{
            Array, BigInt, Bytea, Integer, Jsonb, Nullable, Text, Timestamptz,
        };
        let now = w.bind::<Timestamptz, _>(self.now);
        let (kind, title) = (
            w.bind::<Text, _>(self.kind),
            w.bind::<Text, _>(subject_title.to_owned()),
        );
        let requester = w.bind::<BigInt, _>(self.requester);
        let roles = w.bind::<Nullable<Jsonb>, _>(self.step_roles.clone());
        let project = w.bind::<Nullable<BigInt>, _>(self.project);
        let party = w.bind::<Nullable<BigInt>, _>(self.party);
        w.part(
            "request",
            &format!(
                "INSERT INTO approval_requests (kind, subject_id, title, requester_id, \
                 created_at, updated_at, step_roles, project_id, party_id) \
                 SELECT {kind}, {subject}.id, {title}, {requester}, {now}, {now}, {roles}, \
                 {project}, {party} FROM {subject} RETURNING id, version"
            ),
        );
        let due_at = self.now + Duration::hours(self.deadline_hours);
        let (approver, role, level, due) = (
            w.bind::<BigInt, _>(self.approver.id),
            w.bind::<Text, _>(self.role.clone()),
            w.bind::<Integer, _>(self.level as i32),
            w.bind::<Timestamptz, _>(due_at),
        );
        w.part(
            "task",
            &format!(
                "INSERT INTO approval_tasks (request_id, step, approver_id, role_code, level, \
                 due_at, created_at) \
                 SELECT request.id, 0, {approver}, {role}, {level}, {due}, {now} FROM request \
                 RETURNING id"
            ),
        );
        // The trail: submitted, passed over (when the requester holds the role),
        // assigned; as `submit` writes it.
        let mut steps = vec![None];
        let mut actions = vec!["submitted"];
        let mut actors = vec![self.requester];
        let mut vias = vec![Some("web")];
        if self.skipped_requester {
            steps.push(Some(0));
            actions.push("skipped_requester");
            actors.push(self.requester);
            vias.push(None);
        }
        if let Some(party) = self.party.filter(|_| self.skipped_party) {
            steps.push(Some(0));
            actions.push("skipped_party");
            actors.push(party);
            vias.push(None);
        }
        steps.push(Some(0));
        actions.push("assigned");
        actors.push(self.approver.id);
        vias.push(None);
        let (steps, actions, actors, vias) = (
            w.bind::<Array<Nullable<Integer>>, _>(steps),
            w.bind::<Array<Text>, _>(actions),
            w.bind::<Array<BigInt>, _>(actors),
            w.bind::<Array<Nullable<Text>>, _>(vias),
        );
        w.part(
            "trail",
            &format!(
                "INSERT INTO approval_events (request_id, at, step, action, actor_id, via, \
                 comment) \
                 SELECT request.id, {now}, e.step, e.action, e.actor_id, e.via, '' \
                 FROM request, unnest({steps}, {actions}, {actors}, {vias}) \
                 WITH ORDINALITY AS e(step, action, actor_id, via, n) ORDER BY e.n"
            ),
        );
        let to = self.mail_to();
        let on_behalf_of = self
            .deputy
            .as_ref()
            .map(|_| self.approver.display_name.clone());
        let token = crate::web::context::new_token();
        let expires = self.now + Duration::hours(config.approval_link_hours);
        let mail = approval_mail(
            self.kind,
            subject_title,
            &self.requester_name,
            details,
            to,
            on_behalf_of,
            &token,
            due_at,
            expires,
            "new",
            config,
        )?;
        let (hash, to_id, expires) = (
            w.bind::<Bytea, _>(super::links::hash(&token)),
            w.bind::<BigInt, _>(to.id),
            w.bind::<Timestamptz, _>(expires),
        );
        w.part(
            "link",
            &format!(
                "INSERT INTO approval_links (token_hash, task_id, user_id, request_version, \
                 expires_at) \
                 SELECT {hash}, task.id, {to_id}, request.version, {expires} FROM task, request"
            ),
        );
        crate::mail::enqueue_in(
            w,
            "'approval_task:' || task.id || ':new:v' || request.version",
            "task, request",
            "approval_request",
            &to.recipient(),
            &mail,
        );
        Ok(())
    }
}

/// The role chain of `step` of `req`: the one chosen at filing, else the kind's.
fn roles_of(def: &StepDef, req: &Request, step: usize) -> Vec<Role> {
    chosen_roles(def, req.step_roles.as_ref(), step)
}

/// The role chain of `step`: the one in `step_roles` (chosen at filing), else the kind's.
fn chosen_roles(def: &StepDef, step_roles: Option<&serde_json::Value>, step: usize) -> Vec<Role> {
    step_roles
        .and_then(|v| v.get(step))
        .and_then(|v| v.as_array())
        .map(|codes| {
            codes
                .iter()
                .filter_map(|c| c.as_str().and_then(Role::from_code))
                .collect::<Vec<_>>()
        })
        .filter(|roles| !roles.is_empty())
        .unwrap_or_else(|| def.roles.to_vec())
}

/// Who never decides `req`: its requester and the person it is for.
fn parties(req: &Request) -> Vec<i64> {
    [Some(req.requester_id), req.party_id]
        .into_iter()
        .flatten()
        .collect()
}

/// Who never decides `step` of `req` as anyone's deputy, and is passed over as
/// its approver: its [`parties`], and whoever decided an earlier step of it, or
/// had it decided for them (the rule book's review and approval are two
/// people's). An approver chosen anyway (the administrator the chain ends
/// with, when nobody else is left) decides it: a request never waits on nobody.
async fn not_deputies(
    conn: &mut AsyncPgConnection,
    req: &Request,
    step: i32,
) -> Result<Vec<i64>, AppError> {
    let mut who = parties(req);
    who.extend(queries::earlier_deciders(conn, req.id, step).await?);
    Ok(who)
}

/// Picks the approver from `level` on in a step's role chain, among the first
/// holders of each role. Those `passed_over` (the requester, the person the
/// request is for, and for a later step whoever decided an earlier one) are
/// skipped to the next in line.
/// When no one is left, an admin decides (one of them only when they are the
/// one active admin), but never one of `parties` (the requester, the person the
/// request is for, also among `passed_over`): they never decide it, so with
/// no one else [`AppError::NoApprover`].
fn resolve(
    holders: &[(String, Person)],
    roles: &[Role],
    level: usize,
    (passed_over, parties): (&[i64], &[i64]),
) -> Result<(Person, String, usize), AppError> {
    let holder = |role: Role| {
        holders
            .iter()
            .find(|(code, _)| code == role.code())
            .map(|(_, p)| p)
    };
    for (i, role) in roles.iter().enumerate().skip(level) {
        if let Some(p) = holder(*role).filter(|p| !passed_over.contains(&p.id)) {
            return Ok((p.clone(), role.code().to_owned(), i));
        }
    }
    let admin = holder(Role::Admin)
        .cloned()
        .ok_or_else(|| AppError::other("no active admin to approve requests"))?;
    if parties.contains(&admin.id) {
        return Err(AppError::NoApprover);
    }
    Ok((admin, Role::Admin.code().to_owned(), roles.len()))
}

/// The role chain of `step` of `req` and who holds its posts today (see
/// [`queries::holders`]), those who decided an earlier step, and `passed`
/// (an overdue approver), found last: a post they hold shows another holder
/// first when there is one.
async fn step_holders(
    conn: &mut AsyncPgConnection,
    kind: &Kind,
    (req, step): (&Request, usize),
    passed: Option<i64>,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<(Vec<Role>, queries::Holders), AppError> {
    let roles = roles_of(&kind.steps[step], req, step);
    let mut codes: Vec<&str> = roles.iter().map(|r| r.code()).collect();
    codes.push(Role::Admin.code());
    let mut earlier = queries::earlier_deciders(conn, req.id, step as i32).await?;
    earlier.extend(passed);
    let holders = queries::holders(
        conn,
        &codes,
        (req.requester_id, req.party_id, &earlier),
        roles[0].code(),
        config.day(now),
        req.project_id,
        false,
    )
    .await?;
    Ok((roles, holders))
}

/// Creates the pending task of a later `step` (or a later `level` of one) and
/// mails its approver (or their deputy). A new request's first step is
/// assigned by [`Plan::file_in`].
#[allow(clippy::too_many_arguments)]
async fn assign(
    conn: &mut AsyncPgConnection,
    kind: &Kind,
    req: &Request,
    (step, level): (usize, usize),
    reason: &'static str,
    read: Option<(Vec<Role>, queries::Holders)>,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Task, AppError> {
    let def = &kind.steps[step];
    // The step's holders, unless the caller read them already.
    let (roles, holders) = match read {
        Some(read) => read,
        None => step_holders(conn, kind, (req, step), None, config, now).await?,
    };
    let mut events: Vec<NewEvent> = Vec::new();
    // The requester, or the person the request is for, would approve it: noted
    // (once, when the step begins), and passed over.
    let skipped = [
        (
            holders.requester_holds_first,
            "skipped_requester",
            Some(req.requester_id),
        ),
        (holders.party_holds_first, "skipped_party", req.party_id),
    ];
    for (holds, action, who) in skipped {
        if let Some(who) = who.filter(|_| holds && level == 0 && reason == "new") {
            events.push(NewEvent {
                request_id: req.id,
                at: now,
                step: Some(step as i32),
                action,
                actor_id: Some(who),
                via: None,
                on_behalf_of: None,
                comment: "",
            });
        }
    }
    // Whoever decided an earlier step is passed over when someone else holds a
    // post in the chain; the administrator the chain ends with decides anyway.
    let passed_over = not_deputies(conn, req, step as i32).await?;
    let (approver, role, level) = resolve(
        &holders.by_role,
        &roles,
        level,
        (&passed_over, &parties(req)),
    )?;
    events.push(NewEvent {
        request_id: req.id,
        at: now,
        step: Some(step as i32),
        action: match reason {
            "escalated" => "escalated_to",
            "handed_over" => "handed_over_to",
            _ => "assigned",
        },
        actor_id: Some(approver.id),
        via: None,
        on_behalf_of: None,
        comment: "",
    });
    // The task and the trail go out together (pipelined on the one connection).
    let mut shared: &AsyncPgConnection = conn;
    let task = diesel::insert_into(approval_tasks::table)
        .values((
            approval_tasks::request_id.eq(req.id),
            approval_tasks::step.eq(step as i32),
            approval_tasks::approver_id.eq(approver.id),
            approval_tasks::role_code.eq(&role),
            approval_tasks::level.eq(level as i32),
            approval_tasks::due_at.eq(now + Duration::hours(def.deadline_hours)),
            approval_tasks::created_at.eq(now),
        ))
        .returning(Task::as_returning())
        .get_result::<Task>(&mut shared);
    let (task, ()) = try_join(task, queries::add_events(&mut shared, &events)).await?;
    let key = format!("approval_task:{}:{reason}:v{}", task.id, req.version);
    notify(conn, req, &task, &approver, reason, &key, config, now).await?;
    Ok(task)
}

/// Mails the approver of `task` (their deputy, when they named one for today)
/// a fresh single-use link. `key` keeps a retried call from mailing twice.
#[allow(clippy::too_many_arguments)]
pub async fn notify(
    conn: &mut AsyncPgConnection,
    req: &Request,
    task: &Task,
    approver: &Person,
    reason: &'static str,
    key: &str,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    // A requester never decides their own request, not even as someone's deputy,
    // nor does the person it is for, nor whoever approved an earlier step:
    // another deputy named for the day does. Both reads go out together
    // (pipelined on the one connection).
    let passed_over = not_deputies(conn, req, task.step).await?;
    let (mut c1, mut c2): (&AsyncPgConnection, &AsyncPgConnection) = (conn, conn);
    let (deputy, requester) = try_join(
        queries::deputy_on(&mut c1, approver.id, config.day(now), &passed_over),
        queries::person(&mut c2, req.requester_id),
    )
    .await?;
    let (to, on_behalf_of) = match &deputy {
        Some(d) => (d, Some(approver.display_name.clone())),
        None => (approver, None),
    };
    let expires = now + Duration::hours(config.approval_link_hours);
    let token = crate::web::context::new_token();
    let details = super::details(conn, &req.kind, req.subject_id, to.locale()).await?;
    let mail = approval_mail(
        &req.kind,
        &req.title,
        &requester.display_name,
        details,
        to,
        on_behalf_of,
        &token,
        task.due_at,
        expires,
        reason,
        config,
    )?;
    // The link and the mail that carries it go out together.
    let (mut c1, mut c2): (&AsyncPgConnection, &AsyncPgConnection) = (conn, conn);
    try_join(
        super::links::create(&mut c1, &token, task.id, to.id, req.version, expires),
        crate::mail::enqueue(&mut c2, key, "approval_request", &to.recipient(), &mail),
    )
    .await?;
    Ok(())
}

/// The mail that asks `to` to decide a task due at `due`, carrying the link
/// `token` until `expires`.
#[allow(clippy::too_many_arguments)]
fn approval_mail(
    kind: &str,
    title: &str,
    requester: &str,
    details: Vec<(String, String)>,
    to: &Person,
    on_behalf_of: Option<String>,
    token: &str,
    due: DateTime<Utc>,
    expires: DateTime<Utc>,
    reason: &'static str,
    config: &Config,
) -> Result<crate::mail::Rendered, AppError> {
    let loc = to.locale();
    let fmt = |t: DateTime<Utc>| crate::i18n::minute(t, config.tz);
    let mut link = config.base_url.clone();
    link.set_path(&format!("/approvals/link/{token}"));
    ApprovalRequest {
        loc,
        to_name: to.display_name.clone(),
        requester: requester.to_owned(),
        title: super::title(kind, title, loc),
        details,
        link: link.to_string(),
        due: fmt(due),
        expires: fmt(expires),
        on_behalf_of,
        reason,
    }
    .render()
    .map_err(mail_err)
}

/// Approves or rejects the pending `task` as `actor`. Locks the request first, so
/// of two simultaneous decisions the second finds it decided.
#[allow(clippy::too_many_arguments)]
pub async fn decide(
    conn: &mut AsyncPgConnection,
    task_id: i64,
    actor: i64,
    approve: bool,
    comment: &str,
    (via, seen): (Via, Option<i32>),
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Result<Request, Refusal>, AppError> {
    let (task, req) = lock_task(conn, task_id).await?;
    let status = if approve { "approved" } else { "rejected" };
    if task.decided_by == Some(actor) && task.status == status {
        return Ok(Err(Refusal::Repeated));
    }
    if task.status != "pending" || req.status != "pending" {
        return Ok(Err(Refusal::AlreadyDecided));
    }
    // Decided on the version shown (`seen`): an edit since, however late, is
    // never approved unseen.
    if seen.is_some_and(|v| v != req.version) {
        return Ok(Err(Refusal::Changed));
    }
    // Neither the requester nor the person the request is for decides it, nor,
    // as a deputy, whoever decided an earlier step of it.
    let on_behalf_of = if parties(&req).contains(&actor) {
        return Ok(Err(Refusal::NotYours));
    } else if task.approver_id == actor {
        None
    } else if !not_deputies(conn, &req, task.step).await?.contains(&actor)
        && queries::is_deputy(conn, actor, task.approver_id, config.day(now)).await?
    {
        Some(task.approver_id)
    } else {
        return Ok(Err(Refusal::NotYours));
    };
    crate::db::cached(diesel::update(approval_tasks::table.find(task.id)).set((
        approval_tasks::status.eq(status),
        approval_tasks::decided_at.eq(now),
        approval_tasks::decided_by.eq(actor),
        approval_tasks::via.eq(via.code()),
        approval_tasks::on_behalf_of.eq(on_behalf_of),
        approval_tasks::comment.eq(comment),
    )))
    .execute(conn)
    .await?;
    queries::add_event(
        conn,
        NewEvent {
            request_id: req.id,
            at: now,
            step: Some(task.step),
            action: status,
            actor_id: Some(actor),
            via: Some(via.code()),
            on_behalf_of,
            comment,
        },
    )
    .await?;
    let kind = super::kind(&req.kind).ok_or_else(|| AppError::other("unknown request kind"))?;
    let next = task.step as usize + 1;
    if approve && next < kind.steps.len() {
        crate::db::cached(diesel::update(approval_requests::table.find(req.id)).set((
            approval_requests::current_step.eq(next as i32),
            approval_requests::updated_at.eq(now),
        )))
        .execute(conn)
        .await?;
        assign(conn, kind, &req, (next, 0), "new", None, config, now).await?;
    } else {
        finish(conn, &req, status, actor, comment, config, now).await?;
    }
    Ok(Ok(queries::get_request(conn, req.id).await?))
}

/// Closes the request with its outcome and mails the requester (unless they
/// have left since).
async fn finish(
    conn: &mut AsyncPgConnection,
    req: &Request,
    status: &str,
    decider: i64,
    comment: &str,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    crate::db::cached(diesel::update(approval_requests::table.find(req.id)).set((
        approval_requests::status.eq(status),
        approval_requests::decided_at.eq(now),
        approval_requests::updated_at.eq(now),
    )))
    .execute(conn)
    .await?;
    super::on_finished(conn, &req.kind, req.subject_id, status, config.day(now)).await?;
    // Someone who has left since filing it is not written to.
    let Some(requester) = queries::active_persons(conn, &[req.requester_id])
        .await?
        .remove(&req.requester_id)
    else {
        return Ok(());
    };
    let decider = queries::person(conn, decider).await?;
    let mut url = config.base_url.clone();
    url.set_path(&format!("/approvals/{}", req.id));
    let loc = requester.locale();
    let mail = ApprovalOutcome {
        loc,
        to_name: requester.display_name.clone(),
        title: super::title(&req.kind, &req.title, loc),
        approved: status == "approved",
        decider: decider.display_name,
        comment: comment.to_owned(),
        url: url.to_string(),
    }
    .render()
    .map_err(mail_err)?;
    crate::mail::enqueue(
        conn,
        &format!("approval_outcome:{}", req.id),
        "approval_outcome",
        &requester.recipient(),
        &mail,
    )
    .await?;
    Ok(())
}

/// The requester takes back a pending request (`today`: the site's day).
pub async fn withdraw(
    conn: &mut AsyncPgConnection,
    request_id: i64,
    actor: i64,
    (now, today): (DateTime<Utc>, chrono::NaiveDate),
) -> Result<Result<(), Refusal>, AppError> {
    let req = queries::lock_request(conn, request_id).await?;
    if req.requester_id != actor {
        return Ok(Err(Refusal::NotYours));
    }
    if req.status == "withdrawn" {
        return Ok(Err(Refusal::Repeated));
    }
    if req.status != "pending" {
        return Ok(Err(Refusal::AlreadyDecided));
    }
    crate::db::cached(
        diesel::update(
            approval_tasks::table
                .filter(approval_tasks::request_id.eq(req.id))
                .filter(approval_tasks::status.eq("pending")),
        )
        .set((
            approval_tasks::status.eq("withdrawn"),
            approval_tasks::decided_at.eq(now),
        )),
    )
    .execute(conn)
    .await?;
    crate::db::cached(diesel::update(approval_requests::table.find(req.id)).set((
        approval_requests::status.eq("withdrawn"),
        approval_requests::decided_at.eq(now),
        approval_requests::updated_at.eq(now),
    )))
    .execute(conn)
    .await?;
    queries::add_event(
        conn,
        NewEvent {
            request_id: req.id,
            at: now,
            step: Some(req.current_step),
            action: "withdrawn",
            actor_id: Some(actor),
            via: Some("web"),
            on_behalf_of: None,
            comment: "",
        },
    )
    .await?;
    super::on_finished(conn, &req.kind, req.subject_id, "withdrawn", today).await?;
    Ok(Ok(()))
}

/// The requester changed the request: a new version, so links already mailed stop
/// working, and the approver gets a fresh mail about the change. `was` (what the
/// request said before, or empty) stays in the trail.
pub async fn edited(
    conn: &mut AsyncPgConnection,
    request_id: i64,
    subject: &str,
    was: &str,
    actor: i64,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Result<(), Refusal>, AppError> {
    let req = queries::lock_request(conn, request_id).await?;
    if req.status != "pending" {
        return Ok(Err(Refusal::AlreadyDecided));
    }
    let req: Request = crate::db::cached(
        diesel::update(approval_requests::table.find(req.id))
            .set((
                approval_requests::version.eq(req.version + 1),
                approval_requests::title.eq(subject),
                approval_requests::updated_at.eq(now),
            ))
            .returning(Request::as_returning()),
    )
    .get_result(conn)
    .await?;
    queries::add_event(
        conn,
        NewEvent {
            request_id: req.id,
            at: now,
            step: Some(req.current_step),
            action: "edited",
            actor_id: Some(actor),
            via: Some("web"),
            on_behalf_of: None,
            comment: was,
        },
    )
    .await?;
    if let Some(task) = queries::pending_task(conn, req.id).await? {
        let approver = queries::person(conn, task.approver_id).await?;
        let key = format!("approval_task:{}:changed:v{}", task.id, req.version);
        notify(conn, &req, &task, &approver, "changed", &key, config, now).await?;
    }
    Ok(Ok(()))
}

/// Passes an overdue task to the next role of its step's chain (or an admin):
/// to the next person, that is, so one who holds the next post too (a
/// supervisor who is also the centre's manager) is passed over rather than
/// handed their own overdue task again. A task already with an admin, or with
/// the only person left to decide it, stays where it is.
pub async fn escalate(
    conn: &mut AsyncPgConnection,
    task_id: i64,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let (task, req) = lock_task(conn, task_id).await?;
    if task.status != "pending" || req.status != "pending" || task.due_at > now {
        return Ok(false);
    }
    if task.role_code == Role::Admin.code() {
        return Ok(false);
    }
    let kind = super::kind(&req.kind).ok_or_else(|| AppError::other("unknown request kind"))?;
    let stays = kind
        .steps
        .get(task.step as usize)
        .is_some_and(|def| def.late == super::Late::Stays);
    if stays && task.late_told_at.is_some() {
        return Ok(false);
    }
    let (roles, holders) = step_holders(
        conn,
        kind,
        (&req, task.step as usize),
        Some(task.approver_id),
        config,
        now,
    )
    .await?;
    let mut passed_over = not_deputies(conn, &req, task.step).await?;
    passed_over.push(task.approver_id);
    let from = task.level as usize + 1;
    // No one but those who never decide it further on: it stays where it is.
    let next = match resolve(
        &holders.by_role,
        &roles,
        from,
        (&passed_over, &parties(&req)),
    ) {
        Err(AppError::NoApprover) => None,
        found => Some(found?),
    }
    .filter(|(next, _, _)| next.id != task.approver_id);
    if stays {
        let told = next.map(|(p, _, _)| p);
        stays_late(conn, &req, &task, told, config, now).await?;
        return Ok(true);
    }
    let Some((_, _, level)) = next else {
        return Ok(false);
    };
    let read = Some((roles, holders));
    pass_on(conn, &req, &task, ("escalated", level), read, config, now).await?;
    Ok(true)
}

/// A late step that stays with its approver ([`super::Late::Stays`]): they
/// (or their deputy) are reminded that it is overdue, with a fresh link, and
/// `told`, whom the chain would have passed it to, is told that it waits.
/// Once per task.
async fn stays_late(
    conn: &mut AsyncPgConnection,
    req: &Request,
    task: &Task,
    told: Option<Person>,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    crate::db::cached(
        diesel::update(approval_tasks::table.find(task.id))
            .set(approval_tasks::late_told_at.eq(now)),
    )
    .execute(conn)
    .await?;
    // Someone who has left is not written to (the task stays theirs only
    // when no one else could take it).
    let approver = queries::active_persons(conn, &[task.approver_id])
        .await?
        .remove(&task.approver_id);
    if let Some(approver) = &approver {
        let key = format!("approval_task:{}:overdue", task.id);
        notify(conn, req, task, approver, "overdue", &key, config, now).await?;
    }
    let event = |action, actor_id| NewEvent {
        request_id: req.id,
        at: now,
        step: Some(task.step),
        action,
        actor_id: Some(actor_id),
        via: None,
        on_behalf_of: None,
        comment: "",
    };
    queries::add_event(conn, event("overdue", task.approver_id)).await?;
    let Some(to) = told else {
        return Ok(());
    };
    let waiting_on = match approver {
        Some(a) => a.display_name,
        None => queries::person(conn, task.approver_id).await?.display_name,
    };
    let requester = queries::person(conn, req.requester_id).await?;
    let loc = to.locale();
    let post = Role::from_code(&task.role_code).map_or_else(
        || task.role_code.clone(),
        |r| loc.t(&r.name_key()).to_owned(),
    );
    let mail = ApprovalLate {
        loc,
        to_name: to.display_name.clone(),
        title: super::title(&req.kind, &req.title, loc),
        requester: requester.display_name,
        approver: waiting_on,
        post,
        due: crate::i18n::minute(task.due_at, config.tz),
    }
    .render()
    .map_err(mail_err)?;
    crate::mail::enqueue(
        conn,
        &format!("approval_task:{}:late_told:{}", task.id, to.id),
        "approval_late",
        &to.recipient(),
        &mail,
    )
    .await?;
    queries::add_event(conn, event("late_told", to.id)).await?;
    Ok(())
}

/// The task `task_id` and its request, the request locked first, so of two
/// simultaneous changes the second finds the first done.
async fn lock_task(
    conn: &mut AsyncPgConnection,
    task_id: i64,
) -> Result<(Task, Request), AppError> {
    let task = queries::get_task(conn, task_id).await?;
    let req = queries::lock_request(conn, task.request_id).await?;
    let task = queries::get_task(conn, task_id).await?;
    Ok((task, req))
}

/// Closes the pending `task` of `req` as `status` (`escalated`, `handed_over`)
/// and assigns its step again from `level` of the chain on (among the holders
/// `read`, when the caller read them), mailing the new approver why.
async fn pass_on(
    conn: &mut AsyncPgConnection,
    req: &Request,
    task: &Task,
    (status, level): (&'static str, usize),
    read: Option<(Vec<Role>, queries::Holders)>,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let kind = super::kind(&req.kind).ok_or_else(|| AppError::other("unknown request kind"))?;
    crate::db::cached(diesel::update(approval_tasks::table.find(task.id)).set((
        approval_tasks::status.eq(status),
        approval_tasks::decided_at.eq(now),
    )))
    .execute(conn)
    .await?;
    let step = task.step as usize;
    assign(conn, kind, req, (step, level), status, read, config, now).await?;
    Ok(())
}

/// Hands the pending `task_id` over to whoever its step's chain gives now, at
/// the same place in the chain (or further along, or to an admin, when no one
/// holds that post): its approver can no longer decide it (see
/// [`super::hand_over_from`]). The new approver has the step's full deadline.
pub async fn hand_over(
    conn: &mut AsyncPgConnection,
    task_id: i64,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let (task, req) = lock_task(conn, task_id).await?;
    if task.status != "pending" || req.status != "pending" {
        return Ok(false);
    }
    let level = task.level as usize;
    // Nobody else to give it to (an administrator who lost the post, and the
    // only one left to decide): it stays where it is.
    let kind = super::kind(&req.kind).ok_or_else(|| AppError::other("unknown request kind"))?;
    let step = task.step as usize;
    let (roles, holders) = step_holders(conn, kind, (&req, step), None, config, now).await?;
    let passed_over = not_deputies(conn, &req, task.step).await?;
    let (next, _, _) = match resolve(
        &holders.by_role,
        &roles,
        level,
        (&passed_over, &parties(&req)),
    ) {
        Err(AppError::NoApprover) => return Ok(false),
        found => found?,
    };
    if next.id == task.approver_id {
        return Ok(false);
    }
    let read = Some((roles, holders));
    pass_on(conn, &req, &task, ("handed_over", level), read, config, now).await?;
    Ok(true)
}

/// Reminds the approver of a task pending for a while, once.
pub async fn remind(
    conn: &mut AsyncPgConnection,
    task_id: i64,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let (task, req) = lock_task(conn, task_id).await?;
    if task.status != "pending" || req.status != "pending" || task.reminded_at.is_some() {
        return Ok(false);
    }
    // An approver who has left keeps a task only when no one else could take
    // it (see `users::update`): not written to, and reminded should they be
    // back.
    if queries::active_persons(conn, &[task.approver_id])
        .await?
        .is_empty()
    {
        return Ok(false);
    }
    crate::db::cached(
        diesel::update(approval_tasks::table.find(task.id))
            .set(approval_tasks::reminded_at.eq(now)),
    )
    .execute(conn)
    .await?;
    let approver = queries::person(conn, task.approver_id).await?;
    let key = format!("approval_task:{}:reminder", task.id);
    notify(conn, &req, &task, &approver, "reminder", &key, config, now).await?;
    queries::add_event(
        conn,
        NewEvent {
            request_id: req.id,
            at: now,
            step: Some(task.step),
            action: "reminded",
            actor_id: Some(task.approver_id),
            via: None,
            on_behalf_of: None,
            comment: "",
        },
    )
    .await?;
    Ok(true)
}

/// Links of a task stop working once it is decided (they would be refused anyway;
/// this records when).
pub async fn use_link(
    conn: &mut AsyncPgConnection,
    token_hash: &[u8],
    now: DateTime<Utc>,
) -> QueryResult<()> {
    crate::db::cached(
        diesel::update(approval_links::table.find(token_hash)).set(approval_links::used_at.eq(now)),
    )
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn holder(role: Role, id: i64) -> (String, Person) {
        let person = Person {
            id,
            display_name: format!("user {id}"),
            email: format!("u{id}@example.com"),
            locale: "zh-CN".into(),
        };
        (role.code().to_owned(), person)
    }

    const CHAIN: [Role; 2] = [Role::CsSupervisor, Role::CenterManager];

    #[test]
    fn the_requester_is_passed_over_to_the_next_in_line() {
        let holders = [
            holder(Role::CsSupervisor, 7),
            holder(Role::CenterManager, 8),
            holder(Role::Admin, 1),
        ];
        let (p, role, level) = resolve(&holders, &CHAIN, 0, (&[7], &[7])).unwrap();
        assert_eq!((p.id, role.as_str(), level), (8, "center_manager", 1));
        let (p, _, level) = resolve(&holders, &CHAIN, 0, (&[99], &[99])).unwrap();
        assert_eq!(
            (p.id, level),
            (7, 0),
            "anyone else gets the first role's holder"
        );
        let (p, _, level) = resolve(&holders, &CHAIN, 1, (&[99], &[99])).unwrap();
        assert_eq!((p.id, level), (8, 1), "an escalation starts further down");
        let (p, _, level) = resolve(&holders, &CHAIN, 0, (&[99, 7], &[99, 7])).unwrap();
        assert_eq!((p.id, level), (8, 1), "nor the person the request is for");
    }

    #[test]
    fn with_no_one_left_an_admin_decides_but_never_the_requester() {
        let holders = [holder(Role::CsSupervisor, 7), holder(Role::Admin, 1)];
        let (p, role, level) = resolve(&holders, &CHAIN[..1], 0, (&[7], &[7])).unwrap();
        assert_eq!((p.id, role.as_str(), level), (1, "admin", 1));
        // The one admin decided an earlier step: they decide this one too.
        let (p, _, _) = resolve(&holders, &CHAIN[..1], 0, (&[7, 1], &[7])).unwrap();
        assert_eq!(p.id, 1, "the chain ends with the admin");
        // The one admin asked: no one else may decide it.
        let only_admin = [holder(Role::Admin, 7)];
        assert!(matches!(
            resolve(&only_admin, &CHAIN, 0, (&[7], &[7])),
            Err(AppError::NoApprover)
        ));
        assert!(
            resolve(&[], &CHAIN, 0, (&[7], &[7])).is_err(),
            "no active admin at all"
        );
    }
}
