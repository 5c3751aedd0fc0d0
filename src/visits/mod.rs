//! The visitor register (来访客户登记表) of the rule book's 接待来访客户管理规定:
//! whoever received a visitor registers the reception within 10 minutes of its
//! end (rule 4; a later register is marked late), follows up their visitor and
//! reports what the visitor raised to the customer-service supervisor (rule 5:
//! notes on the visit, a report mailed to the supervisors), and closes the visit
//! when done. The register lists, prints and exports by month.
mod corrections;
pub mod forms;
mod handlers;
pub mod jobs;
mod mail;
pub mod models;
pub mod queries;
mod views;

use actix_web::web;

use crate::auth::Right;
use crate::web::cite::{Cite, Enforcer, Gauge};
use crate::web::export;

/// The rule book's document for receptions.
pub const RULES: &str = "接待来访客户管理规定";

/// Rule 4: the register within 10 minutes of the reception's end; rule 5: follow
/// the visitor up and report to the supervisor.
pub const CITES: &[Cite] = &[
    Cite {
        doc: RULES,
        clause: "4",
        quote: "",
    },
    Cite {
        doc: RULES,
        clause: "5",
        quote: "",
    },
];
/// Rule 5 alone, where the supervisors see how many visits are open.
pub const FOLLOW_UP_CITES: &[Cite] = &[Cite {
    doc: RULES,
    clause: "5",
    quote: "",
}];

/// How late a register may be (rule 4: 接待完毕以后10分钟之内).
pub const DUE_MINUTES: i64 = 10;

/// The register's `?show=` filters.
pub const SHOWS: [&str; 3] = ["all", "open", "late"];

/// The register enforces both clauses; on the follow-up clause, those who see
/// everyone's visitors also see how many visits are still being followed up (a
/// count of everyone's, so not shown to those who see only their own).
pub const ENFORCERS: &[Enforcer] = &[
    Enforcer {
        cites: CITES,
        href: "/visits",
        title: "visits.title",
        right: Right::RecordVisits,
        gauge: None,
    },
    Enforcer {
        cites: FOLLOW_UP_CITES,
        href: "/visits?show=open",
        title: "visits.title",
        right: Right::ViewVisits,
        gauge: Some(Gauge::VisitsOpen),
    },
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/visits")
            .route("", web::get().to(handlers::list))
            .route("/new", web::get().to(handlers::new_form))
            .route("/new", web::post().to(handlers::create))
            .route("/print", web::get().to(handlers::print))
            .route("/{id}", web::get().to(handlers::show))
            .route("/{id}/edit", web::get().to(corrections::edit_form))
            .route("/{id}/edit", web::post().to(corrections::correct))
            .route("/{id}/reveal", web::post().to(handlers::reveal))
            .route("/{id}/notes", web::post().to(handlers::add_note))
            .route("/{id}/reopen", web::post().to(handlers::reopen)),
    )
    .service(export::routes("/visits", handlers::export));
}
