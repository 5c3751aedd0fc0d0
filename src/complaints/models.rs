use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::{complaint_notes, complaints};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = complaints)]
pub struct Complaint {
    pub id: i64,
    pub received_at: DateTime<Utc>,
    pub channel: String,
    pub kind: String,
    pub customer_name: String,
    pub customer_phone: String,
    pub room: String,
    pub content: String,
    pub recorded_by: i64,
    pub recorded_at: DateTime<Utc>,
    pub assignee_id: Option<i64>,
    pub assigned_at: Option<DateTime<Utc>>,
    pub status: String,
    pub resolved_at: Option<DateTime<Utc>>,
    pub resolution: String,
}

/// A matter's number as the register writes it: KS-12.
pub fn number(id: i64) -> String {
    format!("KS-{id}")
}

impl Complaint {
    /// The number the register uses: KS-12.
    pub fn number(&self) -> String {
        number(self.id)
    }

    /// The phone as lists and pages show it: 138****5678.
    pub fn phone_masked(&self) -> String {
        crate::properties::personal::mask_phone(&self.customer_phone)
    }

    /// Its state as the register shows it: an open matter nobody is assigned
    /// to yet is waiting to be assigned, not followed up.
    pub fn state(&self) -> &str {
        if self.status == "open" && self.assignee_id.is_none() {
            "unassigned"
        } else {
            &self.status
        }
    }

    /// Whether `user` works on it: who recorded it or who it is assigned to.
    pub fn involves(&self, user: i64) -> bool {
        self.recorded_by == user || self.assignee_id == Some(user)
    }

    /// Whether `user` may close it with a resolution: those who assign
    /// (`manages`), and whoever follows it up, which is its assignee once it
    /// has one (whoever recorded it may still add notes, not close it over
    /// the colleague it was given to).
    pub fn may_resolve(&self, user: i64, manages: bool) -> bool {
        manages
            || match self.assignee_id {
                Some(assignee) => assignee == user,
                None => self.recorded_by == user,
            }
    }
}

/// A line of the register: the matter and the names around it.
#[derive(Debug, Clone)]
pub struct ComplaintLine {
    pub c: Complaint,
    pub recorder: String,
    pub assignee: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = complaints)]
pub struct NewComplaint<'a> {
    pub received_at: DateTime<Utc>,
    pub channel: &'a str,
    pub kind: &'a str,
    pub customer_name: &'a str,
    pub customer_phone: &'a str,
    pub room: &'a str,
    pub content: &'a str,
    pub recorded_by: i64,
    pub recorded_at: DateTime<Utc>,
    pub assignee_id: Option<i64>,
    pub assigned_at: Option<DateTime<Utc>>,
}

/// A follow-up note and its author's name.
#[derive(Queryable, Debug, Clone)]
pub struct Note {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub body: String,
    pub author: String,
}

#[derive(Insertable)]
#[diesel(table_name = complaint_notes)]
pub struct NewNote<'a> {
    pub complaint_id: i64,
    pub author_id: i64,
    pub at: DateTime<Utc>,
    pub body: &'a str,
}

/// One cell of the month's statistics: how many of a kind came by a channel,
/// and how many of those are resolved, with their total hours to resolve.
#[derive(QueryableByName, Debug, Clone)]
pub struct StatCell {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub kind: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub channel: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub total: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub resolved: i64,
    #[diesel(sql_type = diesel::sql_types::Double)]
    pub hours_to_resolve: f64,
}

/// Of one kind, what the month did to the matters whenever received: how many
/// it resolved, and how many were still open at its end.
#[derive(QueryableByName, Debug, Clone)]
pub struct FlowCell {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub kind: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub resolved_in_month: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub open_at_end: i64,
}
