//! Resident archives (住户档案管理规定): one archive per room and resident with the
//! seed's checklist, documents with their place, confidentiality and scan, the
//! inventory (档案资料清单) and history; borrowing through the service-centre
//! manager's approval (文件借阅登记表); the retention schedule (档案保存期限规定)
//! with a daily notice to the archive keeper; destruction lists reviewed,
//! approved and witnessed (过期文件处理登记表, 销毁清册).
pub mod borrow;
pub mod demo;
pub mod destruction;
pub mod forms;
mod handlers;
mod mail;
pub mod models;
pub mod queries;
pub mod retention;
mod views;

use actix_web::web;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;

use crate::i18n::Locale;
use crate::web::export;

pub use demo::seed_demo;

/// Approval kind of a borrow request (center_manager approves).
pub const BORROW_KIND: &str = "archive_borrow";
/// Approval kind of a destruction list (supervisor reviews, manager approves).
pub const DESTRUCTION_KIND: &str = "archive_destruction";

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/archives")
            .route("", web::get().to(handlers::list))
            .route("/print", web::get().to(handlers::list_print))
            .route("/new", web::get().to(handlers::new_form))
            .route("/new", web::post().to(handlers::create))
            .route("/types", web::get().to(handlers::types))
            .route("/types", web::post().to(handlers::add_type))
            .route("/buildings/{id}", web::get().to(handlers::building))
            .route("/retention", web::get().to(retention::schedule))
            .route("/retention/{id}", web::get().to(retention::edit_form))
            .route("/retention/{id}", web::post().to(retention::save))
            .route("/due", web::get().to(retention::due))
            .route("/request", web::get().to(borrow::pick))
            .route("/borrows", web::get().to(borrow::register))
            .service(export::routes("/borrows", borrow::register_export))
            .route("/borrows/print", web::get().to(borrow::register_print))
            .route("/borrows/{id}", web::get().to(borrow::show))
            .route("/borrows/{id}/lend", web::post().to(borrow::lend))
            .route("/borrows/{id}/return", web::post().to(borrow::give_back))
            .route("/borrows/{id}/cancel", web::post().to(borrow::cancel))
            .route("/destructions", web::get().to(destruction::lists))
            .route("/destructions", web::post().to(destruction::create))
            .service(export::routes("/destructions", destruction::lists_export))
            .route(
                "/destructions/print",
                web::get().to(destruction::lists_print),
            )
            .route(
                "/destructions/{id}.{format}",
                web::get().to(destruction::list_export),
            )
            .route("/destructions/{id}", web::get().to(destruction::show))
            .route(
                "/destructions/{id}/witness",
                web::post().to(destruction::witness),
            )
            .route(
                "/destructions/{id}/recheck",
                web::post().to(destruction::recheck),
            )
            .route(
                "/destructions/{id}/record",
                web::post().to(destruction::record),
            )
            .route(
                "/destructions/{id}/call-off",
                web::post().to(destruction::call_off),
            )
            .route(
                "/destructions/{id}/print",
                web::get().to(destruction::print),
            )
            .route("/documents/{id}", web::get().to(handlers::document))
            .route("/documents/{id}", web::post().to(handlers::edit_document))
            .route(
                "/documents/{id}/remove",
                web::post().to(handlers::remove_document),
            )
            .route(
                "/documents/{id}/appraise",
                web::post().to(destruction::appraise),
            )
            .route("/documents/{id}/scan", web::get().to(handlers::scan))
            .route(
                "/documents/{id}/scan",
                web::post().to(handlers::upload_scan),
            )
            .route(
                "/documents/{id}/hold",
                web::post().to(handlers::document_hold),
            )
            .route("/{id}", web::get().to(handlers::show))
            .route("/{id}/history", web::get().to(handlers::history))
            .route("/{id}/documents", web::post().to(handlers::add_document))
            .route("/{id}/events", web::post().to(handlers::events))
            .route("/{id}/hold", web::post().to(handlers::archive_hold))
            .route("/{id}/inventory", web::get().to(handlers::inventory))
            .route("/{id}/borrow", web::get().to(borrow::new_form))
            .route("/{id}/borrow", web::post().to(borrow::create)),
    )
    .service(export::routes("/archives", handlers::list_export));
}

/// Catalog key of a retention event (`received`, `moved_out`, …).
pub fn event_key(event: &str) -> String {
    format!("archives.event.{event}")
}

/// What the request is about, for the approver's mail and page.
pub async fn approval_details(
    conn: &mut AsyncPgConnection,
    kind: &str,
    subject_id: i64,
    loc: Locale,
) -> QueryResult<Vec<(String, String)>> {
    match kind {
        BORROW_KIND => borrow::approval_details(conn, subject_id, loc).await,
        _ => destruction::approval_details(conn, subject_id, loc).await,
    }
}

/// The project a borrow or a destruction list concerns: the borrowed archive's;
/// a list's when all its papers are of one project.
pub async fn project_of(
    conn: &mut AsyncPgConnection,
    kind: &str,
    subject_id: i64,
) -> QueryResult<Option<i64>> {
    use crate::schema::{archive_borrows, archive_destruction_items, archive_documents, archives};
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    let projects: Vec<i64> = if kind == BORROW_KIND {
        archive_borrows::table
            .inner_join(archives::table)
            .filter(archive_borrows::id.eq(subject_id))
            .select(archives::project_id)
            .load(conn)
            .await?
    } else {
        archive_destruction_items::table
            .inner_join(archive_documents::table.inner_join(archives::table))
            .filter(archive_destruction_items::destruction_id.eq(subject_id))
            .select(archives::project_id)
            .distinct()
            .limit(2)
            .load(conn)
            .await?
    };
    Ok(match projects[..] {
        [one] => Some(one),
        _ => None,
    })
}

pub fn subject_url(kind: &str, subject_id: i64) -> String {
    match kind {
        BORROW_KIND => format!("/archives/borrows/{subject_id}"),
        _ => format!("/archives/destructions/{subject_id}"),
    }
}

/// The approval ended: the borrow or the destruction list takes its outcome.
pub async fn on_finished(
    conn: &mut AsyncPgConnection,
    kind: &str,
    subject_id: i64,
    status: &str,
) -> QueryResult<()> {
    match kind {
        BORROW_KIND => borrow::finished(conn, subject_id, status).await,
        _ => destruction::finished(conn, subject_id, status).await,
    }
}

/// Content type of a scan, judged by its first bytes (never by its name or the
/// browser's claim): PDF, JPEG or PNG only.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A]) {
        Some("image/png")
    } else {
        None
    }
}

use crate::auth::Right;
use crate::web::cite::{Cite, Enforcer, Gauge};

const RULES: &str = "住户档案管理规定";
/// The archive page: contents (1), labels and order (2), changes (4).
pub const ARCHIVE_CITES: &[Cite] = &[
    Cite {
        doc: RULES,
        clause: "1",
        quote: "",
    },
    Cite {
        doc: RULES,
        clause: "2",
        quote: "",
    },
    Cite {
        doc: RULES,
        clause: "4",
        quote: "",
    },
];
/// Borrowing: confidential papers (3(3)) and the manager's approval (3(4)).
pub const BORROW_CITES: &[Cite] = &[
    Cite {
        doc: RULES,
        clause: "3(3)",
        quote: "",
    },
    Cite {
        doc: RULES,
        clause: "3(4)",
        quote: "",
    },
];
/// A paper: changes to the archive (4), and its appraisal and destruction (6).
pub const DOCUMENT_CITES: &[Cite] = &[
    Cite {
        doc: RULES,
        clause: "4",
        quote: "",
    },
    Cite {
        doc: RULES,
        clause: "6",
        quote: "",
    },
];
/// Retention (5(4)).
pub const RETENTION_CITES: &[Cite] = &[Cite {
    doc: RULES,
    clause: "5",
    quote: "",
}];
/// Destruction (6).
pub const DESTRUCTION_CITES: &[Cite] = &[Cite {
    doc: RULES,
    clause: "6",
    quote: "",
}];

/// The registers of the archives and the clauses each enforces.
pub const ENFORCERS: &[Enforcer] = &[
    Enforcer {
        cites: ARCHIVE_CITES,
        href: "/archives",
        title: "archives.title",
        right: Right::ViewArchives,
        gauge: None,
    },
    Enforcer {
        cites: BORROW_CITES,
        href: "/archives/borrows",
        title: "archives.register",
        right: Right::ViewArchives,
        gauge: Some(Gauge::ArchiveLoansOverdue),
    },
    Enforcer {
        cites: RETENTION_CITES,
        href: "/archives/retention",
        title: "archives.retention",
        right: Right::ViewArchives,
        gauge: None,
    },
    Enforcer {
        cites: DESTRUCTION_CITES,
        href: "/archives/due",
        title: "archives.due",
        right: Right::ViewArchives,
        gauge: Some(Gauge::ArchivesDue),
    },
    Enforcer {
        cites: DESTRUCTION_CITES,
        href: "/archives/destructions",
        title: "archives.destructions",
        right: Right::ViewArchives,
        gauge: None,
    },
];

/// Largest scan kept.
pub const SCAN_MAX: usize = 20 * 1024 * 1024;

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn scans_are_judged_by_their_bytes() {
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff(&[0xFF, 0xD8, 0xFF, 0xE0]), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff(b"<html>%PDF-"), None);
        assert_eq!(sniff(b"MZ\x90\x00"), None);
    }
}
