//! Signing in and out, passwords, sessions, throttling, and the rights table.
mod handlers;
pub mod password;
pub mod rights;
pub mod session_store;
pub mod throttle;
mod views;

use actix_web::web;

pub use rights::{CurrentUser, Right, Role};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/login", web::get().to(handlers::login_form))
        .route("/login", web::post().to(handlers::login))
        .route("/logout", web::post().to(handlers::logout))
        .route("/account/password", web::get().to(handlers::password_form))
        .route(
            "/account/password",
            web::post().to(handlers::change_password),
        );
}
