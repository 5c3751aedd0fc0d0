//! Property structure shared by keys and archives: projects (楼盘/小区), buildings
//! (栋), rooms by unit and floor, facility rooms, and their residents. Personal
//! data (ID numbers, phones) is shown masked; showing it in full is a right, and
//! every such view is audited.
mod forms;
mod handlers;
pub mod import;
pub mod models;
pub mod personal;
pub mod queries;
mod views;

use actix_web::web;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/properties", web::get().to(handlers::index))
        .route("/properties", web::post().to(handlers::create_project))
        .route(
            "/properties/import-template.csv",
            web::get().to(handlers::import_template),
        )
        .route("/properties/{id}", web::get().to(handlers::project))
        .route(
            "/properties/{id}/buildings",
            web::post().to(handlers::create_building),
        )
        .route(
            "/properties/{id}/import",
            web::get().to(handlers::import_form),
        )
        .route("/properties/{id}/import", web::post().to(handlers::upload))
        .route("/properties/imports/{id}", web::get().to(handlers::preview))
        .route(
            "/properties/imports/{id}/commit",
            web::post().to(handlers::commit),
        )
        .route(
            "/properties/buildings/{id}",
            web::get().to(handlers::building),
        )
        .route(
            "/properties/buildings/{id}/generate",
            web::post().to(handlers::generate),
        )
        .route("/properties/rooms/{id}", web::get().to(handlers::room))
        .route(
            "/properties/rooms/{id}/residents",
            web::post().to(handlers::add_resident),
        )
        .route(
            "/properties/rooms/{id}/reveal",
            web::post().to(handlers::reveal),
        );
}
