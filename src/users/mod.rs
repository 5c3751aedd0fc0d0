//! User administration: accounts, roles, deactivation, password resets.
pub mod forms;
mod handlers;
pub mod models;
pub mod queries;
mod views;

use actix_web::web;

/// Mounted under `/admin` (see `startup::routes`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/users")
            .route("", web::get().to(handlers::list))
            .route("", web::post().to(handlers::create))
            .route("/new", web::get().to(handlers::new_form))
            .route("/{id}", web::get().to(handlers::show))
            .route("/{id}", web::post().to(handlers::update))
            .route("/{id}/edit", web::get().to(handlers::edit_form))
            .route(
                "/{id}/reset-password",
                web::post().to(handlers::reset_password),
            )
            .route("/{id}/totp/reset", web::post().to(handlers::reset_totp)),
    );
}
