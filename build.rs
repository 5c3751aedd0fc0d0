//! Rebuilds the crate when a migration is added or changed: `src/db.rs` embeds
//! the `migrations/` folder, which cargo does not watch by itself (as diesel's
//! `embed_migrations!` documentation advises).
fn main() {
    println!("cargo:rerun-if-changed=migrations");
}
