//! kefu: the customer-service department's handbook and registers on one site.
//!
//! Layout by feature: each folder under `src/` owns its routes, forms, queries and
//! views; `startup` wires them together and `web` holds what every page shares.

pub mod approvals;
pub mod archives;
pub mod audit;
pub mod auth;
#[cfg(feature = "bench")]
pub mod bench;
pub mod cli;
pub mod complaints;
pub mod config;
pub mod contracts;
pub mod db;
pub mod demo;
pub mod error;
pub mod forms;
pub mod handbook;
pub mod home;
pub mod i18n;
pub mod jobs;
pub mod keys;
pub mod leave;
pub mod mail;
pub mod meetings;
pub mod properties;
pub mod schema;
pub mod startup;
pub mod telemetry;
pub mod users;
pub mod violations;
pub mod visits;
pub mod web;

pub use error::AppError;
