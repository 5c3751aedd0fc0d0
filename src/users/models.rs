use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::users;

#[derive(Queryable, Selectable, Identifiable, Debug, Clone)]
#[diesel(table_name = users)]
pub struct User {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub locale: String,
    pub active: bool,
    pub password_hash: String,
    pub must_change_password: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Insertable)]
#[diesel(table_name = users)]
pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub email: &'a str,
    pub locale: &'a str,
    pub active: bool,
    pub password_hash: &'a str,
    pub must_change_password: bool,
}

#[derive(AsChangeset)]
#[diesel(table_name = users)]
pub struct UserChanges<'a> {
    pub display_name: &'a str,
    pub email: &'a str,
    pub locale: &'a str,
    pub active: bool,
    pub updated_at: DateTime<Utc>,
}

/// A user with the codes of the roles they hold, for lists and detail pages.
#[derive(Debug, Clone)]
pub struct UserWithRoles {
    pub user: User,
    pub roles: Vec<String>,
}
