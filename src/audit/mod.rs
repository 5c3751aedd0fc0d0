//! The audit log: who did what to which record, when and from where.
//! Rows are written in the same transaction as the change they describe; the
//! table refuses UPDATE and DELETE (see the foundation migration).
mod handlers;
pub mod queries;
mod views;

use actix_web::web;

pub use queries::{record, record_in};

/// Who is acting and from where, taken from the request.
#[derive(Clone, Debug, Default)]
pub struct Meta {
    pub actor_id: Option<i64>,
    pub ip: String,
    pub request_id: String,
}

/// Mounted under `/admin` (see `startup::routes`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/audit")
            .route("", web::get().to(handlers::list))
            .route("/export", web::get().to(handlers::export)),
    );
}
