use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::meeting_notices;

/// A meeting called ahead (会议通知).
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = meeting_notices)]
pub struct Notice {
    pub id: i64,
    pub kind: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: String,
    pub topic: String,
    pub agenda: String,
    pub called_by: i64,
    pub called_at: DateTime<Utc>,
    pub version: i32,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancelled_by: Option<i64>,
    pub cancel_reason: Option<String>,
    /// The record of the meeting, once made from this notice.
    pub meeting_id: Option<i64>,
}

impl Notice {
    /// The notice's number as the pages and mails write it.
    pub fn number(&self) -> String {
        format!("TZ-{}", self.id)
    }

    /// Where it stands at `now`, a code under `meetings.notice.status.`:
    /// recorded, called off, to come, or held and not yet recorded.
    pub fn status(&self, now: DateTime<Utc>) -> &'static str {
        if self.meeting_id.is_some() {
            "recorded"
        } else if self.cancelled_at.is_some() {
            "cancelled"
        } else if self.starts_at > now {
            "coming"
        } else {
            "held"
        }
    }

    /// Whether it may still be changed or called off: neither, once the
    /// meeting has begun (its record says what happened), been called off or
    /// recorded.
    pub fn open(&self, now: DateTime<Utc>) -> bool {
        self.status(now) == "coming"
    }

    /// Whether its meeting may be recorded from it.
    pub fn recordable(&self, now: DateTime<Utc>) -> bool {
        self.status(now) == "held"
    }
}

/// A line of the notices' list: the notice, who called it, how many it expects.
#[derive(Debug, Clone)]
pub struct NoticeLine {
    pub notice: Notice,
    pub caller: String,
    pub invited: i64,
}

#[derive(Insertable)]
#[diesel(table_name = meeting_notices)]
pub struct NewNotice<'a> {
    pub kind: &'a str,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: &'a str,
    pub topic: &'a str,
    pub agenda: &'a str,
    pub called_by: i64,
    pub called_at: DateTime<Utc>,
}
