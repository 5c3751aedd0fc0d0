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
