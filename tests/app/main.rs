//! Integration tests: the real app over HTTP against a real PostgreSQL.
mod admin;
mod approvals;
mod auth;
mod helpers;
mod i18n;
mod leave;
mod mail;
mod security;
mod smtp;
