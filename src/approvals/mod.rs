//! The approvals engine every request type uses: steps with an approver chosen
//! by role, sequential steps with a deadline each, approve or reject with a
//! comment, withdrawal, deputies, reminders and escalation (as jobs), a trail of
//! every decision, an inbox (待我审批), and email links that a mail scanner can
//! open and even "click" without deciding anything (see `links`).
pub mod engine;
mod handlers;
pub mod jobs;
pub mod links;
pub mod models;
pub mod queries;
mod views;

use actix_web::web;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;

use crate::auth::Role;
use crate::i18n::Locale;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/approvals")
            .route("", web::get().to(handlers::inbox))
            .route("/mine", web::get().to(handlers::mine))
            .route("/deputies", web::get().to(handlers::deputies))
            .route("/deputies", web::post().to(handlers::add_deputy))
            .route(
                "/deputies/{id}/delete",
                web::post().to(handlers::remove_deputy),
            )
            .route("/link/{token}", web::get().to(handlers::link_show))
            .route("/link/{token}", web::head().to(handlers::link_show))
            .route("/link/{token}", web::post().to(handlers::link_decide))
            .route("/{id}", web::get().to(handlers::show))
            .route("/{id}/decide", web::post().to(handlers::decide))
            .route("/{id}/withdraw", web::post().to(handlers::withdraw)),
    );
}

/// One step of a request type: who approves, by when, and what a late
/// decision becomes.
pub struct StepDef {
    /// The approver's role first, then the roles a late step escalates to. When no
    /// one holds any of them (besides the requester), an admin approves.
    pub roles: &'static [Role],
    pub deadline_hours: i64,
    pub late: Late,
}

/// What becomes of a step its approver leaves past its deadline.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Late {
    /// Passed to the next role of the chain, who decides it: a late decision
    /// goes up the line (leave, the handbook).
    PassOn,
    /// Kept by its approver, since the rule book names the post that decides
    /// it (档案借阅: 服务中心经理批准; 销毁: 主管审核、主任批准; 配钥匙: 工程部
    /// 经理或主管同意): they are reminded that it is overdue, and the next role
    /// of the chain is told that it waits, once. An approver who is away names
    /// a deputy.
    Stays,
}

/// A request type and its steps, in order.
pub struct Kind {
    pub code: &'static str,
    /// Catalog key of the type's name (请假条, Leave request): a request's title
    /// is this name in the reader's language, then the request's own subject.
    pub name_key: &'static str,
    pub steps: &'static [StepDef],
}

/// Leave (请假条): the customer-service supervisor approves; a late decision goes
/// to the service-centre manager.
pub const LEAVE: Kind = Kind {
    code: "leave",
    name_key: "approvals.kind.leave",
    steps: &[StepDef {
        roles: &[Role::CsSupervisor, Role::CenterManager],
        deadline_hours: 24,
        late: Late::PassOn,
    }],
};

/// Publishing a handbook version (规章制度): the service-centre manager approves;
/// a late decision goes to an administrator.
pub const HANDBOOK_PUBLISH: Kind = Kind {
    code: crate::handbook::publication::KIND,
    name_key: "approvals.kind.handbook_publish",
    steps: &[StepDef {
        roles: &[Role::CenterManager, Role::Admin],
        deadline_hours: 72,
        late: Late::PassOn,
    }],
};

/// Borrowing archive documents (借阅): the service-centre manager approves
/// (住户档案管理规定 3(4)); a late decision stays theirs, an administrator
/// told that it waits.
pub const ARCHIVE_BORROW: Kind = Kind {
    code: crate::archives::BORROW_KIND,
    name_key: "approvals.kind.archive_borrow",
    steps: &[StepDef {
        roles: &[Role::CenterManager, Role::Admin],
        deadline_hours: 24,
        late: Late::Stays,
    }],
};

/// Destroying archive documents (过期文件处理登记表): the customer-service supervisor
/// reviews, then the service-centre manager approves (住户档案管理规定 6(1)); a
/// late step stays with its post.
pub const ARCHIVE_DESTRUCTION: Kind = Kind {
    code: crate::archives::DESTRUCTION_KIND,
    name_key: "archives.destruction_form",
    steps: &[
        StepDef {
            roles: &[Role::CsSupervisor],
            deadline_hours: 72,
            late: Late::Stays,
        },
        StepDef {
            roles: &[Role::CenterManager, Role::Admin],
            deadline_hours: 72,
            late: Late::Stays,
        },
    ],
};

pub const KINDS: [&Kind; 6] = [
    &LEAVE,
    &HANDBOOK_PUBLISH,
    &ARCHIVE_BORROW,
    &ARCHIVE_DESTRUCTION,
    &crate::keys::KEY_LOAN,
    &crate::keys::KEY_COPY,
];

/// Request types added at run time (a module that is switched on by
/// configuration, or a test's own multi-step type).
static REGISTERED: std::sync::RwLock<Vec<&'static Kind>> = std::sync::RwLock::new(Vec::new());

/// Makes `kind` known to the engine, next to the built-in [`KINDS`].
pub fn register(kind: &'static Kind) {
    let mut list = REGISTERED.write().unwrap_or_else(|e| e.into_inner());
    if !list.iter().any(|k| k.code == kind.code) {
        list.push(kind);
    }
}

pub fn kind(code: &str) -> Option<&'static Kind> {
    KINDS.into_iter().find(|k| k.code == code).or_else(|| {
        REGISTERED
            .read()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .copied()
            .find(|k| k.code == code)
    })
}

/// The posts that decide some step of a built-in request type, and the
/// administrator: only those who hold one may stand in for an approver.
pub fn deciding_roles() -> Vec<&'static str> {
    let mut codes: Vec<&'static str> = KINDS
        .iter()
        .flat_map(|k| k.steps.iter())
        .flat_map(|s| s.roles.iter().map(|r| r.code()))
        .chain([crate::auth::Role::Admin.code()])
        .collect();
    codes.sort_unstable();
    codes.dedup();
    codes
}

/// Start-up duty: ends the deputyships whose deputy holds no deciding post any
/// more (named before deputies were checked, or the post taken away by a change
/// of the data rather than the user form, which ends them itself). Safe on every
/// start and from several instances at once.
pub async fn end_deputyships_without_post(
    database_url: &str,
    today: chrono::NaiveDate,
) -> anyhow::Result<usize> {
    use anyhow::Context;
    use diesel_async::AsyncConnection;
    let mut conn = AsyncPgConnection::establish(database_url)
        .await
        .context("connecting to the database to check deputies")?;
    let n = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            let n = queries::end_deputyships_without_post(conn, None, today).await?;
            if n > 0 {
                let meta = crate::audit::Meta {
                    ip: "start-up".into(),
                    ..Default::default()
                };
                let details = serde_json::json!({ "ended": n, "reason": "no_deciding_post" });
                crate::audit::record(conn, &meta, "approval.deputies_ended", None, details).await?;
            }
            Ok(n)
        })
        .await?;
    if n > 0 {
        tracing::info!(
            deputyships = n,
            "deputyships of deputies without a deciding post ended"
        );
    }
    Ok(n)
}

/// A request's title in `loc`: the name of its kind, then its stored subject with
/// the subject's catalog terms (see [`term`]) in `loc` too. Nothing is read from
/// the database, so a list shows titles without a statement more.
pub fn title(kind_code: &str, subject: &str, loc: Locale) -> String {
    let subject = localize(subject, loc);
    let Some(kind) = kind(kind_code) else {
        return subject;
    };
    let name = loc.t(kind.name_key);
    if subject.is_empty() {
        name.to_owned()
    } else {
        loc.tf(
            "approvals.kind_and_subject",
            &[("kind", &name), ("subject", &subject)],
        )
    }
}

/// A word of a stored subject that each reader gets in their own language: the
/// subject keeps `{catalog.key}` and [`title`] puts the catalog's text there.
pub fn term(key: &str) -> String {
    format!("{{{key}}}")
}

/// Typed text in a stored subject (a name, a title, a key's label): its braces
/// are doubled, so nothing a user wrote is ever read as a [`term`].
pub fn typed(text: &str) -> String {
    text.replace('{', "{{")
}

/// A count in a stored subject (`3 件`, `3 documents`): the catalog text of `key`
/// with its `{n}` filled when the title is shown.
pub fn count_term(key: &str, n: usize) -> String {
    format!("{{{key}:{n}}}")
}

/// Puts the [`term`]s and [`count_term`]s of `subject` in `loc`. Anything else in
/// braces (a name or a handbook title may hold some) is left as written.
pub fn localize(subject: &str, loc: Locale) -> String {
    let mut out = String::with_capacity(subject.len());
    let mut rest = subject;
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let after = &rest[open + 1..];
        if let Some(literal) = after.strip_prefix('{') {
            // A brace of typed text (see [`typed`]).
            out.push('{');
            rest = literal;
            continue;
        }
        let text = after.find('}').and_then(|close| {
            let (key, n) = match after[..close].split_once(':') {
                Some((key, n)) => (key, Some(n.parse::<u64>().ok()?)),
                None => (&after[..close], None),
            };
            let key_shaped = key.contains('.')
                && key.bytes().all(|b| {
                    b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'.' || b == b'_'
                });
            let text = key_shaped.then(|| loc.lookup(key)).flatten()?;
            let text = match n {
                Some(n) => loc.tf(key, &[("n", &n)]),
                None => text.to_owned(),
            };
            Some((text, close))
        });
        match text {
            Some((text, close)) => {
                out.push_str(&text);
                rest = &after[close + 1..];
            }
            None => {
                out.push('{');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// What the request is about, as label/value lines in `loc` (mails, detail page).
/// What an `edited` line of a request's trail says, in `loc`: the subject's
/// "before" for the kinds that keep one; else the line's comment as written.
pub fn edited_text(kind: &str, comment: &str, loc: Locale) -> String {
    match kind {
        "leave" => crate::leave::was_text(comment, loc),
        _ => None,
    }
    .unwrap_or_else(|| comment.to_owned())
}

pub async fn details(
    conn: &mut AsyncPgConnection,
    kind: &str,
    subject_id: i64,
    loc: Locale,
) -> QueryResult<Vec<(String, String)>> {
    match kind {
        "leave" => crate::leave::approval_details(conn, subject_id, loc).await,
        crate::handbook::publication::KIND => {
            crate::handbook::publication::approval_details(conn, subject_id, loc).await
        }
        crate::archives::BORROW_KIND | crate::archives::DESTRUCTION_KIND => {
            crate::archives::approval_details(conn, kind, subject_id, loc).await
        }
        "key_loan" | "key_copy" => crate::keys::approval_details(conn, kind, subject_id, loc).await,
        _ => Ok(Vec::new()),
    }
}

/// The lines a request's page shows: its project, if it has one, then its
/// kind's [`details`].
pub async fn request_details(
    conn: &mut AsyncPgConnection,
    req: &models::Request,
    loc: Locale,
) -> QueryResult<Vec<(String, String)>> {
    let mut lines = Vec::new();
    if let Some(project) = req.project_id {
        let name = queries::project_name(conn, project).await?;
        lines.push((loc.t("properties.project").to_owned(), name));
    }
    lines.extend(details(conn, &req.kind, req.subject_id, loc).await?);
    Ok(lines)
}

/// Whether `user` may open the request's page: its requester, those who see
/// every request, whoever was asked to decide it (or stands in for them
/// today), and for leave those who keep the leave register.
pub async fn may_view(
    conn: &mut AsyncPgConnection,
    user: &crate::auth::CurrentUser,
    req: &models::Request,
    today: (chrono::NaiveDate, chrono_tz::Tz),
) -> QueryResult<bool> {
    use crate::auth::Right;
    if req.requester_id == user.id
        || user.may(Right::ViewAllRequests)
        || (req.kind == "leave" && user.may(Right::ViewLeaveRegister))
    {
        return Ok(true);
    }
    queries::was_approver(conn, req.id, user.id, today).await
}

/// The request's id for a link from the record it is about, when `user` may
/// open its page (see [`may_view`]).
pub async fn link_for(
    conn: &mut AsyncPgConnection,
    req: Option<models::Request>,
    user: &crate::auth::CurrentUser,
    today: (chrono::NaiveDate, chrono_tz::Tz),
) -> QueryResult<Option<i64>> {
    let Some(r) = req else { return Ok(None) };
    Ok(may_view(conn, user, &r, today).await?.then_some(r.id))
}

/// The project a request of `kind` about `subject_id` concerns, if one: its
/// approvers are then chosen among those who serve that project.
pub async fn project_of(
    conn: &mut AsyncPgConnection,
    kind: &str,
    subject_id: i64,
) -> QueryResult<Option<i64>> {
    match kind {
        crate::archives::BORROW_KIND | crate::archives::DESTRUCTION_KIND => {
            crate::archives::project_of(conn, kind, subject_id).await
        }
        "key_loan" | "key_copy" => crate::keys::project_of(conn, kind, subject_id).await,
        _ => Ok(None),
    }
}

/// Hands over at once the pending tasks `user` can no longer decide, after an
/// administrator deactivated them or changed their posts or projects (see
/// [`queries::stranded_tasks`]), rather than leaving them until escalation.
/// Inside the caller's transaction; gives how many were handed over.
pub async fn hand_over_from(
    conn: &mut AsyncPgConnection,
    user: i64,
    config: &crate::config::Config,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<usize, crate::error::AppError> {
    let mut n = 0;
    for task in queries::stranded_tasks(conn, user).await? {
        n += usize::from(engine::hand_over(conn, task, config, now).await?);
    }
    Ok(n)
}

/// The person a request is for when its record names one other than who
/// filed it (a key loan's staff borrower), who must not approve it either.
pub async fn party_of(
    conn: &mut AsyncPgConnection,
    kind: &str,
    subject_id: i64,
) -> QueryResult<Option<i64>> {
    match kind {
        "key_loan" => crate::keys::borrower_of(conn, subject_id).await,
        _ => Ok(None),
    }
}

/// Where the request's own record lives.
pub fn subject_url(kind: &str, subject_id: i64) -> String {
    match kind {
        "leave" => format!("/leave/{subject_id}"),
        crate::handbook::publication::KIND => format!("/handbook/publications/{subject_id}"),
        crate::archives::BORROW_KIND | crate::archives::DESTRUCTION_KIND => {
            crate::archives::subject_url(kind, subject_id)
        }
        "key_loan" => format!("/keys/loans/{subject_id}"),
        "key_copy" => format!("/keys/copies/{subject_id}"),
        _ => String::new(),
    }
}

/// Tells the request type how its request ended (`approved`, `rejected`,
/// `withdrawn`), on the site's day `on`.
pub async fn on_finished(
    conn: &mut AsyncPgConnection,
    kind: &str,
    subject_id: i64,
    status: &str,
    on: chrono::NaiveDate,
) -> QueryResult<()> {
    match kind {
        "leave" => crate::leave::queries::set_status(conn, subject_id, status).await,
        crate::handbook::publication::KIND => {
            crate::handbook::publication::finished(conn, subject_id, status, on).await
        }
        crate::archives::BORROW_KIND | crate::archives::DESTRUCTION_KIND => {
            crate::archives::on_finished(conn, kind, subject_id, status).await
        }
        "key_loan" | "key_copy" => crate::keys::finished(conn, kind, subject_id, status).await,
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_title_names_the_kind_and_puts_the_subjects_terms_in_the_readers_language() {
        let subject = format!(
            "张三 · {} · {} · {{not.a_key}} {{x}}",
            term("leave.type.sick"),
            count_term("archives.destruction_count", 3)
        );
        assert_eq!(
            title("leave", &subject, Locale::ZhCn),
            "请假条 · 张三 · 病假 · 3 件 · {not.a_key} {x}"
        );
        let en = title("leave", &subject, Locale::En);
        assert!(en.starts_with("Leave request · 张三 · Sick leave"), "{en}");
        assert!(en.contains(" · 3 documents · {not.a_key} {x}"), "{en}");
        let one = format!("张三 · {}", count_term("archives.destruction_count", 1));
        assert!(title("leave", &one, Locale::En).ends_with(" · 1 document"));
    }

    #[test]
    fn typed_text_is_never_read_as_a_term() {
        let subject = format!(
            "{} · {}",
            typed("张{leave.type.sick}三 {{x}"),
            term("leave.type.sick")
        );
        assert_eq!(
            title("leave", &subject, Locale::En),
            "Leave request · 张{leave.type.sick}三 {{x} · Sick leave (病假)"
        );
    }

    #[test]
    fn braces_of_the_subjects_own_text_are_kept() {
        for s in [
            "{",
            "}",
            "a{b",
            "{leave.type.sick",
            "{leave.type.sick:x}",
            "{}",
        ] {
            assert_eq!(title("no_such_kind", s, Locale::En), s);
        }
        assert_eq!(title("leave", "", Locale::En), "Leave request");
    }
}
