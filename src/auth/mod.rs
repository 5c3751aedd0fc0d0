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
    cfg.service(
        web::scope("/login")
            .route("", web::get().to(handlers::login_form))
            .route("", web::post().to(handlers::login))
            .route("/code", web::get().to(second_factor::code_form))
            .route("/code", web::post().to(second_factor::code)),
    )
    .route("/logout", web::post().to(handlers::logout))
    .service(
        web::scope("/account")
            .route("/password", web::get().to(handlers::password_form))
            .route("/password", web::post().to(handlers::change_password))
            .route("/totp", web::get().to(second_factor::account))
            .route("/totp", web::post().to(second_factor::enable))
            .route("/totp/disable", web::post().to(second_factor::disable)),
    );
}
