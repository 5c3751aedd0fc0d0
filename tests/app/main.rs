//! Integration tests: the real app over HTTP against a real PostgreSQL.
mod admin;
mod auth;
mod handbook;
mod helpers;
mod i18n;
mod properties;
mod security;
