//! Meetings (会议制度管理规定). The morning meeting sheet (晨会, every working day):
//! one page, on screen and on paper, of what every register has waiting that
//! morning: who is on leave today, key and archive loans overdue, papers due for
//! destruction, visitor registers made late the day before, visits nobody has
//! followed up, and (for those who decide or assign them) breaches waiting for a
//! decision and customers' matters nobody has been given yet.
mod handlers;
mod views;

use actix_web::web;

use crate::web::cite::Cite;

/// The meeting kinds, the morning meeting first.
pub const CITES: &[Cite] = &[Cite {
    doc: "会议制度管理规定",
    clause: "1",
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

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/meetings/morning", web::get().to(handlers::morning));
}
