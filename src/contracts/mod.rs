//! Sales contracts (营销部客服: 合同的备案及作废, 按揭贷款的后续服务, 月报表): each
//! contract signed and handed back to customer service is recorded, then followed
//! step by step until the customer has collected it. It is filed at the housing
//! bureau (备案); for a mortgage the agent (中介) signs for it and the bank's loan
//! comes in; the customer is told to collect it, with the deed tax deadline (契税);
//! the customer signs for it. A contract may be voided (作废) before that, with
//! the reason. At the start of each month the report to finance (月报表) counts
//! last month's contracts signed, filed, voided and collected, by project.
pub mod area;
mod demo;
pub mod forms;
mod handlers;
pub mod models;
pub mod queries;
mod views;

use actix_web::web;

pub use demo::seed_demo;

use crate::auth::Right;
use crate::web::cite::{Cite, Enforcer, Gauge};
use crate::web::export;

/// The clauses of the rule book's sales customer-service part (its heading is
/// lost in the gap, so its clauses are cited by their printed numbers).
pub const CITES: &[Cite] = &[
    Cite {
        doc: "",
        clause: "B4",
        quote: "",
    },
    Cite {
        doc: "",
        clause: "B6",
        quote: "",
    },
    Cite {
        doc: "",
        clause: "B7(1)",
        quote: "",
    },
];

/// The report to finance (每月初将上月销售情况制成月报表交于财务).
pub const REPORT_CITES: &[Cite] = &[
    Cite {
        doc: "",
        clause: "B5(1)",
        quote: "",
    },
    Cite {
        doc: "",
        clause: "B7(2)",
        quote: "",
    },
];

pub const ENFORCERS: &[Enforcer] = &[
    Enforcer {
        cites: CITES,
        href: "/contracts",
        title: "contracts.title",
        right: Right::ViewContracts,
        gauge: None,
    },
    Enforcer {
        cites: CITES,
        href: "/contracts?show=waiting",
        title: "contracts.show.waiting",
        right: Right::ViewContracts,
        gauge: Some(Gauge::ContractsWaiting),
    },
    Enforcer {
        cites: REPORT_CITES,
        href: "/contracts/report",
        title: "contracts.report",
        right: Right::ViewContracts,
        gauge: None,
    },
];

/// How the buyer pays, under `contracts.payment.`.
pub const PAYMENTS: [&str; 2] = ["full", "mortgage"];

/// The register's `?show=` filters, under `contracts.show.`: the contracts still
/// being followed first, then those waiting too long for the department's next
/// step ([`days_allowed`]).
pub const SHOWS: [&str; 9] = [
    "open",
    "waiting",
    "signed",
    "mortgage",
    "notified",
    "certificate",
    "collected",
    "voided",
    "all",
];

/// The step that follows `stage` for a contract paid by `payment`; None once
/// collected or voided. Steps are under `contracts.step.`: `signed` when
/// recorded, `agent` and `loan` for a mortgage only, `voided` instead of the
/// rest; after collection come the certificate's steps
/// ([`models::Contract::next_cert_step`]).
pub fn next_step(stage: &str, payment: &str) -> Option<&'static str> {
    match (stage, payment) {
        ("signed", _) => Some("filed"),
        ("filed", "mortgage") => Some("agent"),
        ("filed", _) => Some("notified"),
        ("agent", _) => Some("loan"),
        ("loan", _) => Some("notified"),
        ("notified", _) => Some("collected"),
        _ => None,
    }
}

/// How many days a contract may wait for the department's next step before the
/// morning sheet lists it ([`queries::waiting`]), by the step it waits for. The
/// rule book gives words, not days: file "及时" (promptly, B4); when the filing
/// is back, tell the customer, or for a mortgage the agent, "立即" (at once, B4,
/// B6), and again once the bank's loan is in; press the agent for the loan "尽快"
/// (as soon as possible, B6); tell the buyer "立即" when the certificate is in
/// (B7(1)). These are the department's reading of those words. Steps that wait
/// on the customer (collecting the contract or the certificate, the deed tax)
/// are not the department's and are not listed.
pub fn days_allowed(step: &str) -> i64 {
    match step {
        "filed" => 3,
        "loan" => 14,
        // "agent", "notified", "cert_notified": at once, so by the next day.
        _ => 1,
    }
}

/// What makes a contract wait too long, with [`days_allowed`]'s days, as the
/// morning sheet and the register's "waiting" filter say it.
pub fn waiting_hint(loc: crate::i18n::Locale) -> String {
    loc.tf(
        "contracts.waiting_hint",
        &[
            ("filed", &days_allowed("filed")),
            ("told", &days_allowed("notified")),
            ("loan", &days_allowed("loan")),
            ("cert", &days_allowed("cert_notified")),
        ],
    )
}

/// Whether a contract at `stage` may still be voided: not once the customer has
/// collected it (but see [`models::Contract::may_void`]: a buyer's withdrawal).
pub fn may_void(stage: &str) -> bool {
    !matches!(stage, "collected" | "voided")
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/contracts")
            .route("", web::get().to(handlers::list))
            .route("/new", web::get().to(handlers::new_form))
            .route("/new", web::post().to(handlers::create))
            .route("/print", web::get().to(handlers::print))
            .route("/report", web::get().to(handlers::report))
            .route("/report/print", web::get().to(handlers::report_print))
            .service(export::routes("/report", handlers::report_export))
            .route("/{id}", web::get().to(handlers::show))
            .route("/{id}/edit", web::get().to(handlers::edit_form))
            .route("/{id}/edit", web::post().to(handlers::update))
            .route("/{id}/reveal", web::post().to(handlers::reveal))
            .route("/{id}/step", web::post().to(handlers::step)),
    )
    .service(export::routes("/contracts", handlers::export));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mortgage_waits_for_the_agent_and_the_loan_before_the_customer_is_told() {
        let walk = |payment| {
            let mut stage = "signed";
            let mut steps = vec![];
            while let Some(next) = next_step(stage, payment) {
                steps.push(next);
                stage = next;
            }
            steps
        };
        assert_eq!(walk("full"), ["filed", "notified", "collected"]);
        assert_eq!(
            walk("mortgage"),
            ["filed", "agent", "loan", "notified", "collected"]
        );
        assert!(may_void("loan"));
        assert!(!may_void("collected"));
        assert!(!may_void("voided"));
    }
}
