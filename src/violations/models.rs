use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use crate::schema::violations;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = violations)]
pub struct Violation {
    pub id: i64,
    pub employee_id: i64,
    pub clause: String,
    pub schedule: String,
    pub occurred_on: NaiveDate,
    pub details: String,
    pub charge_fen: Option<i64>,
    pub source: String,
    pub source_id: Option<i64>,
    pub status: String,
    pub proposed_by: Option<i64>,
    pub proposed_at: DateTime<Utc>,
    pub decided_by: Option<i64>,
    pub decided_at: Option<DateTime<Utc>>,
    pub decision_note: String,
    pub offence_no: Option<i32>,
    pub fine_fen: Option<i64>,
    pub suspension_days: Option<i32>,
    pub dismissal: Option<bool>,
}

impl Violation {
    /// The number the register and the paper use: WG-12.
    pub fn number(&self) -> String {
        format!("WG-{}", self.id)
    }

    pub fn schedule(&self) -> Option<&'static super::schedule::Schedule> {
        super::schedule::by_code(&self.schedule)
    }

    /// What happened, in `loc`: a breach proposed from a key loan names its
    /// doors and separates its keys with catalog terms
    /// ([`crate::approvals::term`]); anything typed is shown as typed.
    pub fn details_in(&self, loc: crate::i18n::Locale) -> String {
        if self.source == "key_loan" {
            crate::approvals::localize(&self.details, loc)
        } else {
            self.details.clone()
        }
    }

    /// [`Violation::details_in`] after the name of the register it came from
    /// when kefu proposed it ("来访登记 LF-12"), so that a mail, a print or an
    /// export read without the page still says what the number is.
    pub fn described_in(&self, loc: crate::i18n::Locale) -> String {
        let details = self.details_in(loc);
        if self.source == "manual" {
            details
        } else {
            format!("{} {details}", loc.t_in("violations.source", &self.source))
        }
    }
}

/// A line of the register: the breach and the names around it.
#[derive(Debug, Clone)]
pub struct ViolationLine {
    pub v: Violation,
    pub employee: String,
    pub proposer: Option<String>,
    pub decider: Option<String>,
}

#[derive(Insertable)]
#[diesel(table_name = violations)]
pub struct NewViolation<'a> {
    pub employee_id: i64,
    pub clause: &'a str,
    pub schedule: &'a str,
    pub occurred_on: NaiveDate,
    pub details: &'a str,
    pub charge_fen: Option<i64>,
    pub source: &'a str,
    pub source_id: Option<i64>,
    pub proposed_by: Option<i64>,
    pub proposed_at: DateTime<Utc>,
}
