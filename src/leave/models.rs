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
    /// Leave that no longer stands by someone's act (a record after the fact
    /// withdrawn as a mistake, approved leave cancelled by its requester): by
    /// whom, when, why.
    pub withdrawn_by: Option<i64>,
    pub withdrawn_at: Option<DateTime<Utc>>,
    pub withdrawn_note: String,
    /// Approved leave ended before its planned last day: the day planned (and
    /// whether until noon), who recorded the early end, when and why.
    pub planned_end_date: Option<NaiveDate>,
    pub planned_end_am: Option<bool>,
    pub ended_by: Option<i64>,
    pub ended_at: Option<DateTime<Utc>>,
    pub ended_note: String,
}

impl Leave {
    /// Its status as shown: approved leave its requester called off reads
    /// "cancelled", not "withdrawn" as a request taken back before approval.
    pub fn shown_status(&self) -> &str {
        if self.status == "withdrawn" && self.withdrawn_by.is_some() && !self.after_the_fact {
            "cancelled"
        } else {
            &self.status
        }
    }

    /// Its half days from `first` to `last` (a month of the register): a leave
    /// from 28 November to 3 December is 3 days of November's and 3 of
    /// December's, counted as the slip counts them (calendar days, its halves).
    pub fn half_days_in(&self, first: NaiveDate, last: NaiveDate) -> i32 {
        let (start, start_pm) = if self.start_date < first {
            (first, false)
        } else {
            (self.start_date, self.start_pm)
        };
        let (end, end_am) = if self.end_date > last {
            (last, false)
        } else {
            (self.end_date, self.end_am)
        };
        if end < start {
            return 0;
        }
        let days = (end - start).num_days() as i32 + 1;
        (days * 2 - i32::from(start_pm) - i32::from(end_am)).max(0)
    }

    /// Whether the leave covers `day`'s afternoon (`afternoon`) or morning: a
    /// leave starting in the afternoon leaves its first morning at work, one
    /// ending at noon its last afternoon.
    pub fn covers(&self, day: NaiveDate, afternoon: bool) -> bool {
        self.start_date <= day
            && day <= self.end_date
            && !(day == self.start_date && self.start_pm && !afternoon)
            && !(day == self.end_date && self.end_am && afternoon)
    }
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

#[cfg(test)]
impl Leave {
    /// Approved personal leave of user 1 on 2026-12-02, for unit tests.
    pub fn sample() -> Leave {
        let day = NaiveDate::from_ymd_opt(2026, 12, 2).expect("a date");
        Leave {
            id: 1,
            user_id: 1,
            leave_type: "personal".into(),
            start_date: day,
            start_pm: false,
            end_date: day,
            end_am: false,
            half_days: 2,
            reason: String::new(),
            status: "approved".into(),
            after_the_fact: false,
            recorded_by: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            withdrawn_by: None,
            withdrawn_at: None,
            withdrawn_note: String::new(),
            planned_end_date: None,
            planned_end_am: None,
            ended_by: None,
            ended_at: None,
            ended_note: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leave(start: &str, start_pm: bool, end: &str, end_am: bool) -> Leave {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        Leave {
            start_date: day(start),
            start_pm,
            end_date: day(end),
            end_am,
            half_days: 0,
            ..Leave::sample()
        }
    }

    #[test]
    fn half_days_leave_the_other_half_at_work() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        // From the 2nd's afternoon to the 4th's noon.
        let l = leave("2026-12-02", true, "2026-12-04", true);
        let covered: Vec<(bool, bool)> = ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"]
            .iter()
            .map(|s| (l.covers(d(s), false), l.covers(d(s), true)))
            .collect();
        assert_eq!(
            covered,
            [(false, false), (false, true), (true, true), (true, false)]
        );
        let one_morning = leave("2026-12-02", false, "2026-12-02", true);
        assert!(one_morning.covers(d("2026-12-02"), false));
        assert!(!one_morning.covers(d("2026-12-02"), true));
    }

    fn month(m: u32) -> (NaiveDate, NaiveDate) {
        let first = NaiveDate::from_ymd_opt(2026, m, 1).unwrap();
        let last = first + chrono::Months::new(1) - chrono::Days::new(1);
        (first, last)
    }

    #[test]
    fn a_leave_across_months_counts_its_halves_in_each() {
        // From the afternoon of 30 November to noon on 2 December: 2 days.
        let l = Leave {
            half_days: 4,
            ..leave("2026-11-30", true, "2026-12-02", true)
        };
        let (nov, dec) = (month(11), month(12));
        assert_eq!(l.half_days_in(nov.0, nov.1), 1);
        assert_eq!(l.half_days_in(dec.0, dec.1), 3);
        assert_eq!(l.half_days_in(month(10).0, month(10).1), 0);
        // Within one month: all of it.
        let inside = leave("2026-12-07", false, "2026-12-08", false);
        assert_eq!(inside.half_days_in(dec.0, dec.1), 4);
    }
}
