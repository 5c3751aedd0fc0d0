//! Integration tests: the real app over HTTP against a real PostgreSQL.
mod admin;
mod approvals;
mod archives;
mod auth;
mod bench;
mod forms;
mod handbook;
mod helpers;
mod i18n;
mod instances;
mod keys;
mod leave;
mod mail;
mod once;
mod properties;
mod security;
mod smtp;
