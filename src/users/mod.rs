//! User administration: accounts, roles, deactivation, password resets.
pub mod forms;
mod handlers;
pub mod models;
pub mod queries;
mod views;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/admin/users", web::get().to(handlers::list))
        .route("/admin/users", web::post().to(handlers::create))
        .route("/admin/users/new", web::get().to(handlers::new_form))
        .route("/admin/users/{id}", web::get().to(handlers::show))
        .route("/admin/users/{id}", web::post().to(handlers::update))
        .route("/admin/users/{id}/edit", web::get().to(handlers::edit_form))
        .route(
            "/admin/users/{id}/reset-password",
            web::post().to(handlers::reset_password),
        );
}
