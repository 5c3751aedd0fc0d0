//! Blank forms (空白表格): the department's paper forms with nothing filled in,
//! to print and fill by hand when the site is not at hand (SPEC 1: anyone can
//! print a blank form). Each has the columns and signature lines of the filled
//! print view it stands for, from the same catalog keys.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::error::AppError;
use crate::web::{html, PageCtx, UserPage};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/forms")
            .route("", web::get().to(index))
            .route("/leave", web::get().to(leave))
            .route("/{name}", web::get().to(register)),
    );
}

/// A register printed blank: its title, columns and signature lines as catalog
/// keys, and how many empty lines fit a page.
pub struct Blank {
    pub name: &'static str,
    pub title: &'static str,
    /// Lines to fill above the table (which record the page is about).
    pub heading: &'static [&'static str],
    pub columns: &'static [&'static str],
    /// Lines to fill below the table (its grounds, a note).
    pub footing: &'static [&'static str],
    pub signatures: &'static [&'static str],
    pub lines: usize,
    pub landscape: bool,
}

/// The blank registers, in the order the list shows them. Their columns are
/// those of the filled print views (tests/app/forms.rs compares them).
pub const BLANKS: &[Blank] = &[
    Blank {
        name: "key-loans",
        title: "keys.paper_title",
        heading: &[],
        columns: &[
            "keys.loan_no",
            "keys.keys_col",
            "keys.borrower",
            "keys.purpose",
            "keys.approved_by",
            "keys.handed_out_at",
            "keys.handed_out_by",
            "keys.sign_borrower",
            "keys.due",
            "keys.returned_at",
            "keys.returned_to",
            "keys.sign_return",
        ],
        footing: &[],
        signatures: &[],
        lines: 16,
        landscape: true,
    },
    Blank {
        name: "archive-borrows",
        title: "archives.register",
        heading: &[],
        columns: &[
            "archives.register_no",
            "archives.label",
            "archives.documents",
            "archives.borrower",
            "archives.mode_label",
            "archives.purpose",
            "archives.approver",
            "archives.lent_at",
            "archives.lent_by",
            "archives.due_on",
            "archives.signed_name",
            "archives.returned_at",
            "archives.state",
        ],
        footing: &[],
        signatures: &["archives.keeper"],
        lines: 16,
        landscape: true,
    },
    Blank {
        name: "archive-inventory",
        title: "archives.inventory",
        heading: &["archives.label", "archives.resident", "archives.kind_label"],
        columns: &[
            "archives.item",
            "archives.doc_type",
            "archives.doc_title",
            "archives.received_on",
            "archives.pages",
            "archives.place",
            "archives.state",
        ],
        footing: &[],
        signatures: &["archives.keeper"],
        lines: 20,
        landscape: false,
    },
    Blank {
        name: "archive-destruction",
        title: "archives.destruction_form",
        heading: &[],
        columns: &[
            "archives.item",
            "archives.doc_title",
            "archives.doc_type",
            "archives.received_on",
            "archives.retain_until",
            "archives.pages",
        ],
        footing: &["archives.basis", "archives.note", "archives.destroyed_at"],
        signatures: &[
            "archives.keeper",
            "archives.reviewed_by",
            "archives.approved_by",
            "archives.recheck",
            "archives.witness_row",
            "archives.witness_row",
        ],
        lines: 15,
        landscape: false,
    },
    Blank {
        name: "keys",
        title: "keys.register",
        heading: &[],
        columns: &[
            "keys.label",
            "keys.door_col",
            "keys.category_col",
            "keys.storage",
            "keys.copies",
            "keys.custodian_col",
            "keys.status_col",
        ],
        footing: &[],
        signatures: &["keys.sign_keeper", "keys.sign_checker"],
        lines: 20,
        landscape: true,
    },
    Blank {
        name: "key-copies",
        title: "keys.copies_title",
        heading: &[],
        columns: &[
            "keys.copy_no",
            "keys.label",
            "keys.copies_requested",
            "keys.reason",
            "keys.requested_by",
            "keys.filed_at",
            "keys.approved_by",
            "keys.copy_status_col",
            "keys.copies_made",
        ],
        footing: &[],
        signatures: &["keys.checked_by"],
        lines: 20,
        landscape: false,
    },
    Blank {
        name: "visits",
        title: "visits.title",
        heading: &[],
        columns: &[
            "visits.number",
            "visits.reception",
            "visits.visitor",
            "visits.phone",
            "visits.kind_label",
            "visits.room",
            "visits.matter",
            "visits.answer",
            "visits.receiver",
            "visits.recorded_at",
        ],
        footing: &[],
        signatures: &["visits.checked_by"],
        lines: 16,
        landscape: true,
    },
    Blank {
        name: "complaints",
        title: "complaints.title",
        heading: &[],
        columns: &[
            "complaints.number",
            "complaints.received",
            "complaints.kind_label",
            "complaints.customer",
            "complaints.phone",
            "complaints.content",
            "complaints.assignee",
            "complaints.resolution",
        ],
        footing: &[],
        signatures: &["complaints.checked_by"],
        lines: 16,
        landscape: true,
    },
    Blank {
        name: "violations",
        title: "violations.title",
        heading: &[],
        columns: &[
            "violations.number",
            "violations.occurred_on",
            "violations.employee",
            "violations.clause",
            "violations.details",
            "violations.offence",
            "violations.penalty",
            "violations.state",
            "violations.decided_by",
            "violations.signature",
        ],
        footing: &[],
        signatures: &["violations.checked_by"],
        lines: 16,
        landscape: true,
    },
];

#[derive(Template)]
#[template(path = "forms/index.html")]
struct Index<'a> {
    ctx: &'a PageCtx,
    blanks: &'static [Blank],
}

#[derive(Template)]
#[template(path = "forms/register.html")]
struct RegisterSheet<'a> {
    ctx: &'a PageCtx,
    blank: &'static Blank,
}

impl RegisterSheet<'_> {
    fn lines(&self) -> std::ops::Range<usize> {
        0..self.blank.lines
    }
}

#[derive(Template)]
#[template(path = "forms/leave.html")]
struct LeaveSlip<'a> {
    ctx: &'a PageCtx,
}

impl LeaveSlip<'_> {
    /// The kinds of leave, to tick.
    fn types(&self) -> Vec<&'static str> {
        crate::leave::TYPES
            .iter()
            .map(|(code, _)| self.ctx.t_in("leave.type", code))
            .collect()
    }
}

/// GET /forms: the blank forms.
async fn index(page: UserPage) -> Result<HttpResponse, AppError> {
    let body = Index {
        ctx: page.ctx(),
        blanks: BLANKS,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /forms/leave: a blank 请假条.
async fn leave(page: UserPage) -> Result<HttpResponse, AppError> {
    let body = LeaveSlip { ctx: page.ctx() }.render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /forms/{name}: a blank register page.
async fn register(page: UserPage, name: web::Path<String>) -> Result<HttpResponse, AppError> {
    let blank = BLANKS
        .iter()
        .find(|b| b.name == name.as_str())
        .ok_or(AppError::NotFound)?;
    let body = RegisterSheet {
        ctx: page.ctx(),
        blank,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}
