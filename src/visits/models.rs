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
}
