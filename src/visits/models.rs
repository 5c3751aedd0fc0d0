use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::{visit_notes, visits};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = visits)]
pub struct Visit {
    pub id: i64,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub visitor_name: String,
    pub visitor_phone: String,
    pub visitor_kind: String,
    pub room: String,
    pub matter: String,
    pub answer: String,
    pub status: String,
    pub received_by: i64,
    pub recorded_at: DateTime<Utc>,
    pub late: bool,
    pub closed_at: Option<DateTime<Utc>>,
    /// Raised by each correction.
    pub version: i32,
}

impl Visit {
    /// The phone as lists and pages show it: 138****5678.
    pub fn phone_masked(&self) -> String {
        crate::properties::personal::mask_phone(&self.visitor_phone)
    }
}

/// A line of the register: the visit and its receiver's name.
#[derive(Queryable, Debug, Clone)]
pub struct VisitLine {
    #[diesel(embed)]
    pub visit: Visit,
    pub receiver: String,
}

#[derive(Insertable)]
#[diesel(table_name = visits)]
pub struct NewVisit<'a> {
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub visitor_name: &'a str,
    pub visitor_phone: &'a str,
    pub visitor_kind: &'a str,
    pub room: &'a str,
    pub matter: &'a str,
    pub answer: &'a str,
    pub status: &'a str,
    pub received_by: i64,
    pub recorded_at: DateTime<Utc>,
    pub late: bool,
    pub closed_at: Option<DateTime<Utc>>,
}

/// A follow-up note and its author's name.
#[derive(Queryable, Debug, Clone)]
pub struct Note {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub body: String,
    pub reported: bool,
    /// Why the visit was opened again, after it was closed.
    pub reopened: bool,
    pub author: String,
}

#[derive(Insertable)]
#[diesel(table_name = visit_notes)]
pub struct NewNote<'a> {
    pub visit_id: i64,
    pub author_id: i64,
    pub at: DateTime<Utc>,
    pub body: &'a str,
    pub reported: bool,
    pub reopened: bool,
}

/// What a correction writes (`visits::corrections`): every field the register
/// form holds, and whether the register counts as late now.
#[derive(AsChangeset)]
#[diesel(table_name = visits)]
pub struct VisitChanges<'a> {
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub visitor_name: &'a str,
    pub visitor_phone: &'a str,
    pub visitor_kind: &'a str,
    pub room: &'a str,
    pub matter: &'a str,
    pub answer: &'a str,
    pub late: bool,
}

/// A correction as the visit's page lists it (read from the audit trail).
#[derive(QueryableByName, Debug, Clone)]
pub struct Correction {
    #[diesel(sql_type = diesel::sql_types::Timestamptz)]
    pub at: DateTime<Utc>,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub by_name: String,
    #[diesel(sql_type = diesel::sql_types::Jsonb)]
    pub details: serde_json::Value,
}

/// The fields a correction may change, in the form's order (the phone apart).
const CORRECTED_FIELDS: [&str; 6] = [
    "reception",
    "visitor_name",
    "visitor_kind",
    "room",
    "matter",
    "answer",
];

impl Correction {
    /// The fields it changed, by code, in the form's order.
    pub fn fields(&self) -> Vec<&'static str> {
        let to = self.details.get("to");
        let mut fields: Vec<&'static str> = CORRECTED_FIELDS
            .iter()
            .copied()
            .filter(|f| to.is_some_and(|t| t.get(f).is_some()))
            .collect();
        if self.details.get("phone_changed") == Some(&serde_json::Value::Bool(true)) {
            fields.push("visitor_phone");
        }
        fields
    }

    pub fn reason(&self) -> &str {
        self.details
            .get("reason")
            .and_then(serde_json::Value::as_str)
            .unwrap_or_default()
    }
}
