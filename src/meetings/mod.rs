//! Meetings (会议制度管理规定). The morning meeting sheet (晨会, every working day):
//! one page, on screen and on paper, of what every register has waiting that
//! morning: who is on leave today, key and archive loans overdue, papers due for
//! destruction, visitor registers made late the day before, visits nobody has
//! followed up, and (for those who decide or assign them) breaches waiting for a
//! decision and customers' matters nobody has been given yet.
//!
//! The meeting records (会议记录): after each meeting (晨会, 月分析例会, 专题会议,
//! 培训会议) a supervisor or the centre manager files when it was held, who
//! chaired it, its minutes and who attended; every member of staff may read
//! them, by month, and export them.
mod demo;
pub mod forms;
mod handlers;
pub mod jobs;
mod mail;
pub mod models;
pub mod notices;
pub mod queries;
mod records;
mod views;

use actix_web::web;

pub use demo::seed_demo;

use crate::auth::Role;
use crate::web::cite::Cite;
use crate::web::export;

/// The meeting kinds, the morning meeting first.
pub const CITES: &[Cite] = &[Cite {
    doc: "会议制度管理规定",
    clause: "1",
    quote: "",
}];

/// The sheet serves the morning meeting of clause 1.
pub const ENFORCERS: &[crate::web::cite::Enforcer] = &[crate::web::cite::Enforcer {
    cites: CITES,
    href: "/meetings/morning",
    title: "meetings.morning",
    right: crate::auth::Right::ViewMorningSheet,
    gauge: None,
}];

/// Lines the sheet lists at most per section; the register has the rest.
pub const LINES: i64 = 30;

/// The kinds of meeting of clause 1 (会议类别), by code, with their catalog keys
/// under `meetings.kind.`.
pub const KINDS: [&str; 4] = ["morning", "monthly", "topic", "training"];

/// The register's `?show=` filters: every kind, or one.
pub const SHOWS: [&str; 5] = ["all", "morning", "monthly", "topic", "training"];

/// A person's attendance at a meeting, under `meetings.att.`.
pub const ATTENDANCE: [&str; 4] = ["present", "late", "absent", "leave"];
/// The customer-service department's own posts. Someone holding a post outside
/// it (the system administrator, the engineering department's manager) and none
/// of these is listed on a new record but not expected: marked [`NOT_LISTED`]
/// until the recorder says they came.
pub const DEPARTMENT_POSTS: [Role; 4] = [
    Role::CsSpecialist,
    Role::ArchiveKeeper,
    Role::CsSupervisor,
    Role::CenterManager,
];
/// Posts outside the department (see [`DEPARTMENT_POSTS`]).
pub const OUTSIDE_POSTS: [Role; 2] = [Role::Admin, Role::EngineeringManager];

/// The form's choice for someone not on this meeting's list (another centre's
/// staff, someone hired since): no attendance line is kept for them.
pub const NOT_LISTED: &str = "none";

pub fn routes(cfg: &mut web::ServiceConfig) {
    // The notices' paths before the records' `/{id}`.
    let scope = notices::routes(web::scope("/meetings"));
    cfg.service(
        scope
            .route("", web::get().to(records::list))
            .route("/morning", web::get().to(handlers::morning))
            .route("/print", web::get().to(records::list_print))
            .route("/new", web::get().to(records::new_form))
            .route("/new", web::post().to(records::create))
            .route("/attendance", web::get().to(records::attendance))
            .route(
                "/attendance/print",
                web::get().to(records::attendance_print),
            )
            .service(export::routes("/attendance", records::attendance_export))
            .route("/{id}", web::get().to(records::show))
            .route("/{id}/print", web::get().to(records::print))
            .route("/{id}/edit", web::get().to(records::edit_form))
            .route("/{id}/edit", web::post().to(records::update)),
    )
    .service(export::routes("/meetings", records::export));
}
