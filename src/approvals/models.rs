use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use crate::schema::{approval_deputies, approval_events, approval_requests, approval_tasks};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = approval_requests)]
pub struct Request {
    pub id: i64,
    pub kind: String,
    pub subject_id: i64,
    /// The title after the kind's name, in no language of its own: shown through
    /// [`super::title`], which names the kind and translates its terms.
    pub title: String,
    pub requester_id: i64,
    pub status: String,
    pub current_step: i32,
    pub version: i32,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    /// Approver roles chosen when the request was filed, one list per step (see
    /// [`super::engine::submit_with_roles`]); `None` keeps the kind's own.
    pub step_roles: Option<serde_json::Value>,
    /// The project the request is about, chosen at filing; its approvers are
    /// chosen among those who serve it (see [`super::queries::holders`]).
    pub project_id: Option<i64>,
    /// The person the request is for when not its requester (a key loan's
    /// borrower filed by a clerk): never its approver, as the requester.
    pub party_id: Option<i64>,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = approval_tasks)]
pub struct Task {
    pub id: i64,
    pub request_id: i64,
    pub step: i32,
    pub approver_id: i64,
    pub role_code: String,
    pub level: i32,
    pub status: String,
    pub due_at: DateTime<Utc>,
    pub reminded_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decided_by: Option<i64>,
    pub via: Option<String>,
    pub on_behalf_of: Option<i64>,
    pub comment: String,
    /// When the next post was told that this task, which stays with its
    /// approver ([`super::Late::Stays`]), is overdue.
    pub late_told_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = approval_events)]
pub struct Event {
    pub id: i64,
    pub request_id: i64,
    pub at: DateTime<Utc>,
    pub step: Option<i32>,
    pub action: String,
    pub actor_id: Option<i64>,
    pub via: Option<String>,
    pub on_behalf_of: Option<i64>,
    pub comment: String,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = approval_deputies)]
pub struct Deputy {
    pub id: i64,
    pub user_id: i64,
    pub deputy_id: i64,
    pub starts_on: NaiveDate,
    pub ends_on: NaiveDate,
}

/// The few facts about a user the engine needs.
#[derive(Queryable, Debug, Clone)]
pub struct Person {
    pub id: i64,
    pub display_name: String,
    pub email: String,
    pub locale: String,
}

impl Person {
    pub fn locale(&self) -> crate::i18n::Locale {
        crate::i18n::Locale::parse(&self.locale).unwrap_or_default()
    }

    pub fn recipient(&self) -> crate::mail::Recipient {
        crate::mail::Recipient {
            email: self.email.clone(),
            name: self.display_name.clone(),
            locale: self.locale(),
        }
    }
}
