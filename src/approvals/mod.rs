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
    cfg.route("/approvals", web::get().to(handlers::inbox))
        .route("/approvals/mine", web::get().to(handlers::mine))
        .route("/approvals/deputies", web::get().to(handlers::deputies))
        .route("/approvals/deputies", web::post().to(handlers::add_deputy))
        .route(
            "/approvals/deputies/{id}/delete",
            web::post().to(handlers::remove_deputy),
        )
        .route(
            "/approvals/link/{token}",
            web::get().to(handlers::link_show),
        )
        .route(
            "/approvals/link/{token}",
            web::head().to(handlers::link_show),
        )
        .route(
            "/approvals/link/{token}",
            web::post().to(handlers::link_decide),
        )
        .route("/approvals/{id}", web::get().to(handlers::show))
        .route("/approvals/{id}/decide", web::post().to(handlers::decide))
        .route(
            "/approvals/{id}/withdraw",
            web::post().to(handlers::withdraw),
        );
}

/// One step of a request type: who approves, and by when.
pub struct StepDef {
    /// The approver's role first, then the roles a late step escalates to. When no
    /// one holds any of them (besides the requester), an admin approves.
    pub roles: &'static [Role],
    pub deadline_hours: i64,
}

/// A request type and its steps, in order.
pub struct Kind {
    pub code: &'static str,
    pub steps: &'static [StepDef],
}

/// Leave (请假条): the customer-service supervisor approves; a late decision goes
/// to the service-centre manager.
pub const LEAVE: Kind = Kind {
    code: "leave",
    steps: &[StepDef {
        roles: &[Role::CsSupervisor, Role::CenterManager],
        deadline_hours: 24,
    }],
};

/// Publishing a handbook version (规章制度): the service-centre manager approves;
/// a late decision goes to an administrator.
pub const HANDBOOK_PUBLISH: Kind = Kind {
    code: crate::handbook::publication::KIND,
    steps: &[StepDef {
        roles: &[Role::CenterManager, Role::Admin],
        deadline_hours: 72,
    }],
};

/// Borrowing archive documents (借阅): the service-centre manager approves; a late
/// decision goes to an administrator.
pub const ARCHIVE_BORROW: Kind = Kind {
    code: crate::archives::BORROW_KIND,
    steps: &[StepDef {
        roles: &[Role::CenterManager, Role::Admin],
        deadline_hours: 24,
    }],
};

/// Destroying archive documents (过期文件处理登记表): the customer-service supervisor
/// reviews, then the service-centre manager approves.
pub const ARCHIVE_DESTRUCTION: Kind = Kind {
    code: crate::archives::DESTRUCTION_KIND,
    steps: &[
        StepDef {
            roles: &[Role::CsSupervisor],
            deadline_hours: 72,
        },
        StepDef {
            roles: &[Role::CenterManager, Role::Admin],
            deadline_hours: 72,
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

/// What the request is about, as label/value lines in `loc` (mails, detail page).
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

/// Tells the request type how its request ended (`approved`, `rejected`, `withdrawn`).
pub async fn on_finished(
    conn: &mut AsyncPgConnection,
    kind: &str,
    subject_id: i64,
    status: &str,
) -> QueryResult<()> {
    match kind {
        "leave" => crate::leave::queries::set_status(conn, subject_id, status).await,
        crate::handbook::publication::KIND => {
            crate::handbook::publication::finished(conn, subject_id, status).await
        }
        crate::archives::BORROW_KIND | crate::archives::DESTRUCTION_KIND => {
            crate::archives::on_finished(conn, kind, subject_id, status).await
        }
        "key_loan" | "key_copy" => crate::keys::finished(conn, kind, subject_id, status).await,
        _ => Ok(()),
    }
}
