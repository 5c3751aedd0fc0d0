use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use crate::schema::{meeting_attendance, meetings};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = meetings)]
pub struct Meeting {
    pub id: i64,
    pub kind: String,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub place: String,
    pub topic: String,
    pub chair_id: i64,
    pub minutes: String,
    pub recorded_by: i64,
    pub recorded_at: DateTime<Utc>,
    pub version: i32,
    pub corrected_by: Option<i64>,
    pub corrected_at: Option<DateTime<Utc>>,
    /// The month a monthly analysis meeting stands for (its first day); none
    /// for the other kinds.
    pub for_month: Option<NaiveDate>,
}

impl Meeting {
    /// The record's number as the register writes it.
    pub fn number(&self) -> String {
        format!("HY-{}", self.id)
    }

    /// The month a monthly analysis meeting stands for, as `YYYY-MM`
    /// ([`crate::web::month::text`]); none for the other kinds.
    pub fn month_text(&self) -> Option<String> {
        self.for_month.map(|m| crate::web::month::text(Some(m)))
    }
}

/// A record with the names of its chair, its recorder and its last corrector.
#[derive(Queryable, Debug, Clone)]
pub struct MeetingRecord {
    #[diesel(embed)]
    pub meeting: Meeting,
    pub chair: String,
    pub recorder: String,
    pub corrector: Option<String>,
}

/// How many of each attendance a record lists.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub present: i64,
    pub late: i64,
    pub absent: i64,
    pub leave: i64,
}

impl Counts {
    /// The counts of a list of attendances.
    pub fn of<'a>(statuses: impl IntoIterator<Item = &'a str>) -> Counts {
        let mut c = Counts::default();
        for s in statuses {
            c.add(s, 1);
        }
        c
    }

    pub fn add(&mut self, status: &str, n: i64) {
        match status {
            "present" => self.present += n,
            "late" => self.late += n,
            "absent" => self.absent += n,
            "leave" => self.leave += n,
            _ => {}
        }
    }
}

/// A line of the register: the meeting, its chair's name, its attendance.
#[derive(Debug, Clone)]
pub struct MeetingLine {
    pub meeting: Meeting,
    pub chair: String,
    pub counts: Counts,
}

#[derive(Insertable)]
#[diesel(table_name = meetings)]
pub struct NewMeeting<'a> {
    pub kind: &'a str,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub place: &'a str,
    pub topic: &'a str,
    pub chair_id: i64,
    pub minutes: &'a str,
    pub recorded_by: i64,
    pub recorded_at: DateTime<Utc>,
    pub for_month: Option<NaiveDate>,
}

#[derive(Insertable)]
#[diesel(table_name = meeting_attendance)]
pub struct NewAttendance<'a> {
    pub meeting_id: i64,
    pub user_id: i64,
    pub status: &'a str,
}
