//! The key cabinet (钥匙管理规定): keys by category (owner keys per room, common-area
//! keys per floor, facility keys per equipment room) with labels, storage and
//! history; issue to owners against their resident record with a signed receipt;
//! loans (the 房屋钥匙管理记录表) approved per category through the approvals
//! engine, handed over only once approved, one loan per key at a time (enforced
//! by PostgreSQL), returned or reported lost, and reminded daily when overdue;
//! copy requests (配钥匙) and shift handover counts (交接班清点).
mod copies;
mod counts;
mod forms;
mod handlers;
mod issues;
pub mod jobs;
mod loans;
pub mod models;
pub mod queries;
mod views;

pub use forms::DUE_MAX_DAYS;

use actix_web::web;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;

use crate::approvals::{Kind, Late, StepDef};
use crate::auth::{Right, Role};
use crate::i18n::Locale;
use crate::web::cite::{Enforcer, Gauge};
use crate::web::export;

pub use jobs::seed_demo;

/// The longest key label (the database holds to it too).
const LABEL_MAX: usize = 100;

/// The label of a room's keys: the room's (栋号-单元-楼层-房号, or the
/// facility's name), as long as a key's label may be (a facility's name has no
/// limit of its own).
pub fn key_label(room: &crate::properties::models::Room, building_code: &str) -> String {
    room.label(building_code).chars().take(LABEL_MAX).collect()
}

/// The registers of the cabinet and the clauses each enforces.
pub const ENFORCERS: &[Enforcer] = &[
    Enforcer {
        cites: views::CITE_SETS,
        href: "/keys",
        title: "keys.inventory",
        right: Right::ViewKeys,
        gauge: None,
    },
    Enforcer {
        cites: views::CITE_ISSUE,
        href: "/keys",
        title: "keys.inventory",
        right: Right::ViewKeys,
        gauge: None,
    },
    Enforcer {
        cites: views::CITE_LABELS,
        href: "/keys/labels",
        title: "keys.labels",
        right: Right::ViewKeys,
        gauge: None,
    },
    Enforcer {
        cites: views::CITE_LOAN,
        href: "/keys/loans",
        title: "keys.loan_register",
        right: Right::RequestKeyLoan,
        gauge: Some(Gauge::KeyLoansOverdue),
    },
    Enforcer {
        cites: views::CITE_COPY,
        href: "/keys/copies",
        title: "keys.copies_title",
        right: Right::ViewKeys,
        gauge: None,
    },
    Enforcer {
        cites: views::CITE_COUNT,
        href: "/keys/counts",
        title: "keys.counts_title",
        right: Right::ViewKeys,
        gauge: None,
    },
];

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/keys")
            .route("", web::get().to(handlers::inventory))
            .route("/print", web::get().to(handlers::inventory_print))
            .route("/labels", web::get().to(handlers::labels))
            .route("/new", web::get().to(handlers::new_keys))
            .route("/sets", web::post().to(handlers::create_sets))
            .route("/common", web::post().to(handlers::create_common))
            .route("/loans", web::get().to(loans::register))
            .service(export::routes("/loans", loans::register_export))
            .route("/loans/print", web::get().to(loans::register_print))
            .route("/loans/new", web::get().to(loans::new_form))
            .route("/loans/new", web::post().to(loans::create))
            .route("/loans/{id}", web::get().to(loans::show))
            .route("/loans/{id}/hand-over", web::post().to(loans::hand_over))
            .route("/loans/{id}/return", web::post().to(loans::give_back))
            .route("/loans/{id}/withdraw", web::post().to(loans::withdraw))
            .route("/copies", web::get().to(copies::list))
            .service(export::routes("/copies", copies::export))
            .route("/copies/print", web::get().to(copies::print))
            .route("/copies/new", web::get().to(copies::new_form))
            .route("/copies/new", web::post().to(copies::create))
            .route("/copies/{id}", web::get().to(copies::show))
            .route("/copies/{id}/made", web::post().to(copies::made))
            .route("/counts", web::get().to(counts::list))
            .service(export::routes("/counts", counts::export))
            .route("/counts", web::post().to(counts::create))
            .route("/counts/{id}", web::get().to(counts::show))
            .route("/counts/{id}/print", web::get().to(counts::print))
            .route("/rooms/{id}", web::get().to(handlers::room))
            .route("/rooms/{id}/set", web::post().to(handlers::create_room_set))
            .route("/rooms/{id}/issue", web::get().to(handlers::issue_form))
            .route("/rooms/{id}/issue", web::post().to(handlers::issue))
            .route("/issues", web::get().to(issues::list))
            .service(export::routes("/issues", issues::export))
            .route("/issues/print", web::get().to(issues::print))
            .route("/issues/{id}/print", web::get().to(handlers::receipt))
            .route("/{id}", web::get().to(handlers::show_key))
            .route("/{id}/history", web::get().to(handlers::history))
            .route("/{id}", web::post().to(handlers::update_storage))
            .route("/{id}/status", web::post().to(handlers::change_status)),
    )
    .service(export::routes("/keys", handlers::inventory_export));
}

/// The categories of the rule book (钥匙管理规定 1), in order.
pub const CATEGORIES: [&str; 3] = ["owner", "common", "facility"];

/// Key statuses: 在柜, 已发放业主, 借出, 遗失, 停用.
pub const STATUSES: [&str; 5] = ["in", "issued", "lent", "lost", "retired"];

/// Loan statuses, in the order of a loan's life.
pub const LOAN_STATUSES: [&str; 7] = [
    "pending",
    "approved",
    "rejected",
    "withdrawn",
    "out",
    "returned",
    "lost",
];

/// The five owner keys of a room (钥匙管理规定 2(2)③), code and paper name.
pub const DOORS: [(&str, &str); 5] = [
    ("security_door", "防盗铁门"),
    ("unit_door", "单元门"),
    ("interior_door", "室内门"),
    ("intercom_door", "电子对讲门"),
    ("mailbox", "信报箱"),
];

/// The door in a stored approval subject: owner doors as a catalog term, so each
/// reader gets their language; others as written.
pub fn door_term(door: &str) -> String {
    if DOORS.iter().any(|(c, _)| *c == door) {
        crate::approvals::term(&format!("keys.door.{door}"))
    } else {
        crate::approvals::typed(door)
    }
}

/// The door in `loc` (owner doors are translated; others as written).
pub fn door_label(loc: Locale, door: &str) -> &str {
    if DOORS.iter().any(|(c, _)| *c == door) {
        loc.t_in("keys.door", door)
    } else {
        door
    }
}

/// A key loan (借出): the approver comes from the keys' category (data in
/// `key_categories`), chosen when the loan is filed; this chain is the default
/// and a late decision escalates to the service-centre manager.
pub const KEY_LOAN: Kind = Kind {
    code: "key_loan",
    name_key: "approvals.kind.key_loan",
    steps: &[StepDef {
        roles: &[Role::EngineeringManager, Role::CenterManager],
        deadline_hours: 24,
        late: Late::PassOn,
    }],
};

/// A copy request (配钥匙): "未经工程部经理或主管同意,任何人不得私配钥匙"
/// (钥匙管理规定 3(2)②), so a late one stays with engineering, the
/// service-centre manager told that it waits.
pub const KEY_COPY: Kind = Kind {
    code: "key_copy",
    name_key: "approvals.kind.key_copy",
    steps: &[StepDef {
        roles: &[Role::EngineeringManager, Role::CenterManager],
        deadline_hours: 24,
        late: Late::Stays,
    }],
};

/// What an approver reads about a loan or copy request (mail and page).
pub async fn approval_details(
    conn: &mut AsyncPgConnection,
    kind: &str,
    id: i64,
    loc: Locale,
) -> QueryResult<Vec<(String, String)>> {
    match kind {
        "key_loan" => loans::detail_lines(conn, id, loc).await,
        _ => copies::detail_lines(conn, id, loc).await,
    }
}

/// The project of a loan's or a copied key's building.
pub async fn project_of(
    conn: &mut AsyncPgConnection,
    kind: &str,
    id: i64,
) -> QueryResult<Option<i64>> {
    use crate::schema::{buildings, key_copy_requests, key_loans, keys};
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    if kind == "key_loan" {
        key_loans::table
            .inner_join(buildings::table)
            .filter(key_loans::id.eq(id))
            .select(buildings::project_id)
            .first(conn)
            .await
            .optional()
    } else {
        key_copy_requests::table
            .inner_join(keys::table.inner_join(buildings::table))
            .filter(key_copy_requests::id.eq(id))
            .select(buildings::project_id)
            .first(conn)
            .await
            .optional()
    }
}

/// The colleague a key loan is for (none for an outside worker).
pub async fn borrower_of(conn: &mut AsyncPgConnection, loan: i64) -> QueryResult<Option<i64>> {
    use crate::schema::key_loans;
    use diesel::prelude::*;
    use diesel_async::RunQueryDsl;
    key_loans::table
        .find(loan)
        .select(key_loans::borrower_id)
        .first(conn)
        .await
        .optional()
        .map(Option::flatten)
}

/// The request's outcome moves a pending loan or copy request on.
pub async fn finished(
    conn: &mut AsyncPgConnection,
    kind: &str,
    id: i64,
    status: &str,
) -> QueryResult<()> {
    if kind == "key_loan" {
        let loan = queries::lock_loan(conn, id).await?;
        if loan.status == "pending" {
            queries::set_loan_status(conn, id, status).await?;
        }
    } else {
        let c = queries::lock_copy(conn, id).await?;
        if c.status == "pending" {
            queries::set_copy_status(conn, id, status).await?;
        }
    }
    Ok(())
}
