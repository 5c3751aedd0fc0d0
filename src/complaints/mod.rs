//! Customers' opinions, requests, complaints and inquiries (客户意见、要求、投诉;
//! 来电/网络咨询登记): whoever takes a matter records it (接待来访客户管理规定 7: 客户
//! 的任何投诉或疑问，接待人员应认真记录), by visit, phone, online or letter; a
//! supervisor assigns it to a colleague, who is told by mail and follows it up with
//! notes until it is resolved; the register lists, prints and exports by month, and
//! the month's statistics (人员构架、职责分工 5: 记录及归整) count each kind by
//! channel, how many were resolved and how fast.
mod demo;
pub mod forms;
mod handlers;
pub mod jobs;
mod mail;
pub mod models;
pub mod queries;
pub mod stats;
mod views;

use actix_web::web;

pub use demo::seed_demo;

use crate::auth::Right;
use crate::web::cite::{Cite, Enforcer, Gauge};
use crate::web::export;

pub const CITES: &[Cite] = &[
    Cite {
        doc: "接待来访客户管理规定",
        clause: "7",
        quote: "",
    },
    Cite {
        doc: "人员构架、职责分工",
        clause: "5",
        // The specialists' duty 5, not the supervisor's.
        quote: "投诉的记录",
    },
];

/// The rights of those a matter may be assigned to: who may open the register
/// (a matter given to anyone else could not be followed up).
pub const FOLLOW_UP_RIGHTS: [Right; 2] = [Right::RecordComplaints, Right::ManageComplaints];

/// Puts back among the unassigned the open matters of `user`, after an
/// administrator deactivated them or took the posts that let them follow
/// matters up: the supervisors find them there (and on the morning sheet) to
/// assign again, rather than nobody seeing them. Inside the caller's
/// transaction; gives the matters put back.
pub async fn unassign_stranded(
    conn: &mut diesel_async::AsyncPgConnection,
    user: i64,
    meta: &crate::audit::Meta,
) -> diesel::QueryResult<Vec<i64>> {
    if crate::users::queries::holds(conn, user, &FOLLOW_UP_RIGHTS).await? {
        return Ok(Vec::new());
    }
    queries::unassign_all(conn, user, meta).await
}

/// The register's `?show=` filters.
pub const SHOWS: [&str; 4] = ["all", "unassigned", "open", "resolved"];

/// The register, to those who record; and to those who see everyone's matters,
/// how many are not yet resolved.
pub const ENFORCERS: &[Enforcer] = &[
    Enforcer {
        cites: CITES,
        href: "/complaints",
        title: "complaints.title",
        right: Right::RecordComplaints,
        gauge: None,
    },
    Enforcer {
        cites: CITES,
        href: "/complaints?show=open",
        title: "complaints.title",
        right: Right::ManageComplaints,
        gauge: Some(Gauge::ComplaintsOpen),
    },
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/complaints")
            .route("", web::get().to(handlers::list))
            .route("/new", web::get().to(handlers::new_form))
            .route("/new", web::post().to(handlers::create))
            .route("/stats", web::get().to(handlers::stats))
            .service(export::routes("/stats", handlers::stats_export))
            .route("/print", web::get().to(handlers::print))
            .route("/{id}", web::get().to(handlers::show))
            .route("/{id}/reveal", web::post().to(handlers::reveal))
            .route("/{id}/assign", web::post().to(handlers::assign))
            .route("/{id}/notes", web::post().to(handlers::add_note))
            .route("/{id}/reopen", web::post().to(handlers::reopen)),
    )
    .service(export::routes("/complaints", handlers::export));
}
