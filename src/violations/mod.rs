//! Breaches and fines (违规处罚, 日常管理 2). A breach cites the clause it breaks;
//! the fine follows that clause's schedule and the person's earlier confirmed
//! breaches under it (`schedule`: 20元/次, 50元/次 from the fourth time; a day's
//! suspension; dismissal). Nothing is fined automatically: a supervisor records a
//! breach, or kefu proposes one from a register (a visitor register made late, a
//! key kept past its due time: the `violations.propose` job), and a supervisor or
//! the centre manager confirms it, seeing what it will cost, or dismisses it with
//! a reason. The employee is told of a confirmed breach by mail and sees their own
//! record; the register lists, prints and exports by month.
mod demo;
pub mod forms;
mod handlers;
pub mod jobs;
mod mail;
pub mod models;
pub mod queries;
pub mod schedule;
mod views;

use actix_web::web;

pub use demo::seed_demo;

use crate::auth::Right;
use crate::web::cite::{Cite, Enforcer, Gauge};
use crate::web::export;

/// The clauses that name fines: 日常管理 2 and its items, 接待来访客户管理规定 3.
pub const CITES: &[Cite] = &[
    Cite {
        doc: schedule::CONDUCT,
        clause: "2(1)",
        quote: "",
    },
    Cite {
        doc: schedule::CONDUCT,
        clause: "2(2)",
        quote: "",
    },
    Cite {
        doc: schedule::CONDUCT,
        clause: "2(3)",
        quote: "",
    },
    Cite {
        doc: schedule::CONDUCT,
        clause: "2(4)",
        quote: "",
    },
    Cite {
        doc: schedule::CONDUCT,
        clause: "2(5)",
        quote: "",
    },
    Cite {
        doc: schedule::RECEPTION,
        clause: "3",
        quote: "",
    },
];

/// The heading of the fines (违规处罚), where those who decide see how many
/// proposals wait.
const WAITING_CITES: &[Cite] = &[Cite {
    doc: schedule::CONDUCT,
    clause: "2",
    quote: "",
}];

/// The register's `?show=` filters.
pub const SHOWS: [&str; 4] = ["all", "proposed", "confirmed", "dismissed"];

pub const ENFORCERS: &[Enforcer] = &[
    Enforcer {
        cites: CITES,
        href: "/violations",
        title: "violations.title",
        right: Right::ViewOwnViolations,
        gauge: None,
    },
    Enforcer {
        cites: WAITING_CITES,
        href: "/violations?show=proposed",
        title: "violations.title",
        right: Right::ManageViolations,
        gauge: Some(Gauge::ViolationsWaiting),
    },
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/violations")
            .route("", web::get().to(handlers::list))
            .route("/new", web::get().to(handlers::new_form))
            .route("/new", web::post().to(handlers::create))
            .route("/print", web::get().to(handlers::print))
            .route("/{id}", web::get().to(handlers::show))
            .route("/{id}/decide", web::post().to(handlers::decide)),
    )
    .service(export::routes("/violations", handlers::export));
}
