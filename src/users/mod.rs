//! User administration: accounts, roles, deactivation, password resets.
pub mod forms;
mod handlers;
pub mod models;
pub mod queries;
mod views;

use actix_web::web;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;

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

/// Gives `user` a new password (`hash`) to change at the next sign-in, ends
/// their sessions and lifts a sign-in lock, with an audit line: an
/// administrator's reset on the site and `kefu reset-user` alike. Inside the
/// caller's transaction.
pub async fn reset_password(
    conn: &mut AsyncPgConnection,
    user: &models::User,
    hash: &str,
    meta: &crate::audit::Meta,
) -> QueryResult<()> {
    queries::set_password(conn, user.id, hash, true).await?;
    queries::end_sessions(conn, user.id).await?;
    crate::auth::throttle::unlock_account(conn, &user.username).await?;
    crate::audit::record(
        conn,
        meta,
        "user.password_reset",
        Some(("user", user.id.to_string())),
        serde_json::json!({}),
    )
    .await
}

/// Turns `user`'s second factor off (a lost or replaced phone), with an audit
/// line if it was on; they sign in with their password and may turn it on
/// again. Inside the caller's transaction.
pub async fn reset_second_factor(
    conn: &mut AsyncPgConnection,
    user_id: i64,
    meta: &crate::audit::Meta,
) -> QueryResult<bool> {
    let was_on = crate::auth::totp::disable(conn, user_id).await?;
    if was_on {
        crate::audit::record(
            conn,
            meta,
            "user.totp_reset",
            Some(("user", user_id.to_string())),
            serde_json::json!({}),
        )
        .await?;
    }
    Ok(was_on)
}
