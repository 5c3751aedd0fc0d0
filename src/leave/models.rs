use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use crate::schema::leave_requests;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = leave_requests)]
pub struct Leave {
    pub id: i64,
    pub user_id: i64,
    pub leave_type: String,
    pub start_date: NaiveDate,
    pub start_pm: bool,
    pub end_date: NaiveDate,
    pub end_am: bool,
    pub half_days: i32,
    pub reason: String,
    pub status: String,
    pub after_the_fact: bool,
    pub recorded_by: Option<i64>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// A record after the fact withdrawn as a mistake: by whom, when, why.
    pub withdrawn_by: Option<i64>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_note: String,
}

#[derive(Insertable)]
#[diesel(table_name = leave_requests)]
pub struct NewLeave<'a> {
    pub user_id: i64,
    pub leave_type: &'a str,
    pub start_date: NaiveDate,
    pub start_pm: bool,
    pub end_date: NaiveDate,
    pub end_am: bool,
    pub half_days: i32,
    pub reason: &'a str,
    pub status: &'a str,
    pub after_the_fact: bool,
    pub recorded_by: Option<i64>,
}

#[derive(AsChangeset)]
#[diesel(table_name = leave_requests)]
pub struct LeaveChanges<'a> {
    pub leave_type: &'a str,
    pub start_date: NaiveDate,
    pub start_pm: bool,
    pub end_date: NaiveDate,
    pub end_am: bool,
    pub half_days: i32,
    pub reason: &'a str,
    pub updated_at: DateTime<Utc>,
    /// `Some(false)` when the days change: a request that overlapped before the
    /// constraint existed, moved to days clear of all other leave, is held to
    /// it. `None` leaves it as it is.
    pub overlap_allowed: Option<bool>,
}

/// Approved leave with the employee's name, for the calendar, list and export.
#[derive(Queryable, Debug, Clone)]
pub struct LeaveWithName {
    #[diesel(embed)]
    pub leave: Leave,
    pub name: String,
}
