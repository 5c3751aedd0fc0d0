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
    cfg.service(
        web::scope("/properties")
            .route("", web::get().to(handlers::index))
            .route("", web::post().to(handlers::create_project))
            .route(
                "/import-template.csv",
                web::get().to(handlers::import_template),
            )
            .route("/{id}", web::get().to(handlers::project))
            .route("/{id}/buildings", web::post().to(handlers::create_building))
            .route("/{id}/import", web::get().to(handlers::import_form))
            .route("/{id}/import", web::post().to(handlers::upload))
            .route("/imports/{id}", web::get().to(handlers::preview))
            .route("/imports/{id}/commit", web::post().to(handlers::commit))
            .route("/buildings/{id}", web::get().to(handlers::building))
            .route(
                "/buildings/{id}/generate",
                web::post().to(handlers::generate),
            )
            .route("/rooms/{id}", web::get().to(handlers::room))
            .route(
                "/rooms/{id}/residents",
                web::post().to(handlers::add_resident),
            )
            .route("/rooms/{id}/reveal", web::post().to(handlers::reveal)),
    );
}
