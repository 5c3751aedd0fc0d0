use askama::Template;

use super::forms::UserInput;
use super::models::{User, UserWithRoles};
use crate::auth::Role;
use crate::web::{FieldErrors, PageCtx};

/// Role name in the page's language (roles added as data show their code).
fn role_label(ctx: &PageCtx, code: &str) -> String {
    match Role::from_code(code) {
        Some(r) => ctx.t(&r.name_key()).to_owned(),
        None => code.to_owned(),
    }
}

#[derive(Template)]
#[template(path = "users/list.html")]
pub struct UserList<'a> {
    pub ctx: &'a PageCtx,
    pub users: Vec<UserWithRoles>,
    pub q: &'a str,
    pub next_after: Option<String>,
    /// Addresses several active accounts share (lower case), marked to mend.
    pub shared: Vec<String>,
}

impl UserList<'_> {
    pub fn email_shared(&self, u: &UserWithRoles) -> bool {
        u.user.active && self.shared.contains(&u.user.email.to_lowercase())
    }
    pub fn role_label(&self, code: &str) -> String {
        role_label(self.ctx, code)
    }
}

#[derive(Template)]
#[template(path = "users/form.html")]
pub struct UserFormPage<'a> {
    pub ctx: &'a PageCtx,
    /// None when creating.
    pub user_id: Option<i64>,
    pub input: &'a UserInput,
    pub errors: &'a FieldErrors,
    pub all_roles: Vec<String>,
    /// Every project, by name: (id, name).
    pub all_projects: Vec<(i64, String)>,
}

impl UserFormPage<'_> {
    pub fn role_label(&self, code: &str) -> String {
        role_label(self.ctx, code)
    }

    pub fn action(&self) -> String {
        match self.user_id {
            Some(id) => format!("/admin/users/{id}"),
            None => "/admin/users".into(),
        }
    }
}

#[derive(Template)]
#[template(path = "users/show.html")]
pub struct UserShow<'a> {
    pub ctx: &'a PageCtx,
    pub user: User,
    pub roles: Vec<String>,
    /// The projects the user serves, by name; none: every project.
    pub projects: Vec<(i64, String)>,
    /// Shown once, right after the account was created or its password reset.
    pub one_time_password: Option<String>,
    /// Since when the user's second factor is on, if it is.
    pub totp_since: Option<String>,
}

impl UserShow<'_> {
    pub fn role_label(&self, code: &str) -> String {
        role_label(self.ctx, code)
    }

    /// The admin's own account: their password is changed, not reset.
    pub fn is_me(&self) -> bool {
        self.ctx.user.as_ref().is_some_and(|u| u.id == self.user.id)
    }
}
