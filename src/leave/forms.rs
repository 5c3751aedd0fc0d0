//! The leave form: raw input and its checks.
use chrono::NaiveDate;
use serde::Deserialize;

use crate::web::FieldErrors;

const REASON_MAX: usize = 500;

#[derive(Deserialize, Default, Debug, Clone)]
pub struct LeaveInput {
    #[serde(default)]
    pub leave_type: String,
    #[serde(default)]
    pub start_date: String,
    /// `am` (whole first day, the default) or `pm` (from noon).
    #[serde(default)]
    pub start_half: String,
    #[serde(default)]
    pub end_date: String,
    /// `pm` (whole last day, the default) or `am` (until noon).
    #[serde(default)]
    pub end_half: String,
    #[serde(default)]
    pub reason: String,
    /// Only on the supervisor's "record after the fact" form.
    #[serde(default)]
    pub employee: String,
    /// The one-time token of the creating forms (`crate::web::once`).
    #[serde(default)]
    pub form_token: String,
    /// The edit form only: the approval request's version the form was read at
    /// (empty: not checked).
    #[serde(default)]
    pub version: String,
}

pub struct ValidLeave {
    pub leave_type: &'static str,
    pub start_date: NaiveDate,
    pub start_pm: bool,
    pub end_date: NaiveDate,
    pub end_am: bool,
    pub half_days: i32,
    pub reason: String,
}

impl ValidLeave {
    /// The row of `user_id`'s request with this input: `recorded_by` the
    /// supervisor who records it after the fact, if one does.
    pub fn row<'a>(
        &'a self,
        user_id: i64,
        status: &'a str,
        recorded_by: Option<i64>,
    ) -> super::models::NewLeave<'a> {
        super::models::NewLeave {
            user_id,
            leave_type: self.leave_type,
            start_date: self.start_date,
            start_pm: self.start_pm,
            end_date: self.end_date,
            end_am: self.end_am,
            half_days: self.half_days,
            reason: &self.reason,
            status,
            after_the_fact: recorded_by.is_some(),
            recorded_by,
        }
    }
}

/// Which rule the filing date is held to.
pub enum Filing {
    /// An employee's own request: the first day must be after `today`.
    Ahead { today: NaiveDate },
    /// A supervisor recording leave after the fact (sick leave, or another
    /// kind that could not be asked a day ahead): it must have begun.
    AfterTheFact { today: NaiveDate },
}

impl LeaveInput {
    pub fn validate(&self, errors: &mut FieldErrors, filing: Filing) -> Option<ValidLeave> {
        let leave_type = super::parse_type(&self.leave_type);
        if leave_type.is_none() {
            errors.add("leave_type", "leave.error.type");
        }
        let start = crate::web::form::date(&self.start_date);
        let end = crate::web::form::date(&self.end_date);
        if start.is_none() {
            errors.add("start_date", "leave.error.date");
        }
        if end.is_none() {
            errors.add("end_date", "leave.error.date");
        }
        // The lists offer these; anything else came from a tampered form.
        for (field, value, ok) in [
            ("start_half", &self.start_half, ["am", "pm"]),
            ("end_half", &self.end_half, ["pm", "am"]),
        ] {
            if !value.is_empty() && !ok.contains(&value.as_str()) {
                errors.add(field, "leave.error.half");
            }
        }
        let start_pm = self.start_half == "pm";
        let end_am = self.end_half == "am";
        let mut half_days = 0;
        if let (Some(s), Some(e)) = (start, end) {
            if e < s {
                errors.add("end_date", "leave.error.order");
            } else {
                let days = (e - s).num_days() + 1;
                if days > super::MAX_DAYS {
                    errors.add("end_date", "leave.error.too_long");
                } else {
                    half_days = (days * 2) as i32 - i32::from(start_pm) - i32::from(end_am);
                    if half_days <= 0 {
                        errors.add("end_date", "leave.error.empty");
                    }
                }
            }
            match filing {
                Filing::Ahead { today } if s <= today => {
                    errors.add("start_date", "leave.error.too_late")
                }
                Filing::AfterTheFact { today } if s > today => {
                    errors.add("start_date", "leave.error.not_yet")
                }
                _ => {}
            }
        }
        let reason = self.reason.trim().to_owned();
        if reason.is_empty() {
            errors.add("reason", "leave.error.reason_required");
        } else if reason.chars().count() > REASON_MAX {
            errors.add("reason", "leave.error.reason_too_long");
        }
        if !errors.is_empty() {
            return None;
        }
        Some(ValidLeave {
            leave_type: leave_type?,
            start_date: start?,
            start_pm,
            end_date: end?,
            end_am,
            half_days,
            reason,
        })
    }
}

/// The early end of approved leave (the employee came back before the day
/// planned, or the dates were approved wrong): its new last day, and why.
#[derive(Deserialize, Default, Debug, Clone)]
pub struct EndInput {
    #[serde(default)]
    pub end_date: String,
    /// `pm` (the whole last day, the default) or `am` (until noon).
    #[serde(default)]
    pub end_half: String,
    #[serde(default)]
    pub end_note: String,
}

pub struct ValidEnd {
    pub end_date: NaiveDate,
    pub end_am: bool,
    pub half_days: i32,
    pub note: String,
}

impl EndInput {
    /// The form as the leave's page first offers it: ending today.
    pub fn fresh(today: NaiveDate) -> EndInput {
        EndInput {
            end_date: today.to_string(),
            ..Default::default()
        }
    }

    /// Checks the new end against leave `l`: on or after its first half day,
    /// before its end as it stands, with a reason.
    pub fn validate(&self, errors: &mut FieldErrors, l: &super::models::Leave) -> Option<ValidEnd> {
        let end = crate::web::form::date(&self.end_date);
        if !self.end_half.is_empty() && !["pm", "am"].contains(&self.end_half.as_str()) {
            errors.add("end_half", "leave.error.half");
        }
        let end_am = self.end_half == "am";
        let mut half_days = 0;
        match end {
            None => errors.add("end_date", "leave.error.date"),
            Some(e) if e < l.start_date => errors.add("end_date", "leave.error.order"),
            Some(e) => {
                let days = (e - l.start_date).num_days() + 1;
                half_days = (days * 2) as i32 - i32::from(l.start_pm) - i32::from(end_am);
                if half_days <= 0 {
                    errors.add("end_date", "leave.error.empty");
                } else if half_days >= l.half_days {
                    errors.add("end_date", "leave.error.end_not_earlier");
                }
            }
        }
        let note = errors.text("leave", "end_note", &self.end_note, REASON_MAX, true);
        if !errors.is_empty() {
            return None;
        }
        Some(ValidEnd {
            end_date: end?,
            end_am,
            half_days,
            note,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    #[test]
    fn leave_ends_early_only_before_its_end_and_not_before_it_begins() {
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        // The 2nd to the 6th, five whole days: ten half days.
        let l = super::super::models::Leave {
            start_date: d("2026-12-02"),
            end_date: d("2026-12-06"),
            half_days: 10,
            ..super::super::models::Leave::sample()
        };
        let end = |date: &str, half: &str| EndInput {
            end_date: date.into(),
            end_half: half.into(),
            end_note: "提前返岗".into(),
        };
        let mut errors = FieldErrors::new(Locale::ZhCn);
        let v = end("2026-12-03", "am").validate(&mut errors, &l).unwrap();
        assert_eq!(
            (v.end_date, v.end_am, v.half_days),
            (d("2026-12-03"), true, 3)
        );
        for (date, half) in [
            ("2026-12-06", "pm"),
            ("2026-12-07", "pm"),
            ("2026-12-01", "pm"),
        ] {
            let mut errors = FieldErrors::new(Locale::ZhCn);
            assert!(
                end(date, half).validate(&mut errors, &l).is_none(),
                "{date}"
            );
            assert!(errors.has("end_date"), "{date}");
        }
        // From noon on the 2nd: ending at the 2nd's noon leaves nothing.
        let from_noon = super::super::models::Leave {
            start_pm: true,
            half_days: 9,
            ..l.clone()
        };
        let mut errors = FieldErrors::new(Locale::ZhCn);
        assert!(end("2026-12-02", "am")
            .validate(&mut errors, &from_noon)
            .is_none());
        let mut errors = FieldErrors::new(Locale::ZhCn);
        let no_reason = EndInput {
            end_note: " ".into(),
            ..end("2026-12-03", "pm")
        };
        assert!(no_reason.validate(&mut errors, &l).is_none());
        assert!(errors.has("end_note"));
    }

    fn input(start: &str, end: &str) -> LeaveInput {
        LeaveInput {
            leave_type: "事假".into(),
            start_date: start.into(),
            end_date: end.into(),
            reason: "家中有事".into(),
            ..Default::default()
        }
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 27).unwrap()
    }

    #[test]
    fn one_day_ahead_is_the_earliest_filing() {
        let mut e = FieldErrors::new(Locale::ZhCn);
        let v = input("2026-11-28", "2026-11-28")
            .validate(&mut e, Filing::Ahead { today: today() })
            .expect("tomorrow is fine");
        assert_eq!(v.half_days, 2);
        let mut e = FieldErrors::new(Locale::ZhCn);
        assert!(input("2026-11-27", "2026-11-28")
            .validate(&mut e, Filing::Ahead { today: today() })
            .is_none());
        assert!(e.get("start_date").contains("提前一天"));
    }

    #[test]
    fn half_days_count() {
        let mut e = FieldErrors::new(Locale::ZhCn);
        let mut i = input("2026-12-01", "2026-12-02");
        i.start_half = "pm".into();
        i.end_half = "am".into();
        let v = i
            .validate(&mut e, Filing::Ahead { today: today() })
            .unwrap();
        assert_eq!(v.half_days, 2);
        assert_eq!(super::super::days_text(3), "1.5");
    }
}

/// The withdrawal of a record after the fact: why.
#[derive(Deserialize, Default)]
pub struct WithdrawInput {
    #[serde(default)]
    pub note: String,
}
