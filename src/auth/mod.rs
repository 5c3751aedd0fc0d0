//! Signing in and out, passwords, sessions, throttling, and the rights table.
mod handlers;
pub mod password;
pub mod rights;
mod second_factor;
pub mod session_store;
pub mod throttle;
pub mod totp;
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
        )
        .route("/login/code", web::get().to(second_factor::code_form))
        .route("/login/code", web::post().to(second_factor::code))
        .route("/account/totp", web::get().to(second_factor::account))
        .route("/account/totp", web::post().to(second_factor::enable))
        .route(
            "/account/totp/disable",
            web::post().to(second_factor::disable),
        );
}
