use askama::Template;

use crate::web::{FieldErrors, PageCtx};

#[derive(Template)]
#[template(path = "auth/login.html")]
pub struct LoginPage<'a> {
    pub ctx: &'a PageCtx,
    pub username: &'a str,
    pub next: &'a str,
    pub errors: &'a FieldErrors,
    /// A message about the attempt as a whole (wrong password, locked).
    pub general: Option<String>,
}

#[derive(Template)]
#[template(path = "auth/password.html")]
pub struct PasswordPage<'a> {
    pub ctx: &'a PageCtx,
    pub errors: &'a FieldErrors,
    pub forced: bool,
}

/// The code asked after the password, when the user has a second factor.
#[derive(Template)]
#[template(path = "auth/code.html")]
pub struct CodePage<'a> {
    pub ctx: &'a PageCtx,
    pub errors: &'a FieldErrors,
    /// A message about the attempt as a whole (locked).
    pub general: Option<String>,
}

/// The account's second factor: on since when, or being set up (the secret in
/// groups of four and its QR code).
#[derive(Template)]
#[template(path = "auth/totp.html")]
pub struct TotpPage<'a> {
    pub ctx: &'a PageCtx,
    pub enabled_at: Option<String>,
    pub setup: Option<(String, String)>,
    pub errors: &'a FieldErrors,
}
