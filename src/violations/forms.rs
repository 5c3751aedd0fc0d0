//! The breach register's forms: raw input and its checks.
use chrono::NaiveDate;
use serde::Deserialize;

use super::schedule::{self, Schedule};
use crate::web::cite::Cite;
use crate::web::FieldErrors;

const DETAILS_MAX: usize = 1000;
const NOTE_MAX: usize = 1000;
/// A fine or a call's cost above this (元) is a typing mistake.
const AMOUNT_MAX_FEN: i64 = 100_000 * 100;

/// A breach recorded by a supervisor.
#[derive(Deserialize, Default, Debug, Clone)]
pub struct ViolationInput {
    #[serde(default)]
    pub employee: String,
    /// The breached clause by its printed citation ("日常管理 1(2)").
    #[serde(default)]
    pub clause: String,
    #[serde(default)]
    pub occurred_on: String,
    #[serde(default)]
    pub details: String,
    /// The private call's cost in 元 (日常管理 1(14) only).
    #[serde(default)]
    pub charge: String,
    #[serde(default)]
    pub form_token: String,
    /// "1": recorded though a breach of the same clause by the same employee on
    /// the same day is already on record (another incident).
    #[serde(default)]
    pub again: String,
}

pub struct ValidViolation {
    pub employee: i64,
    pub clause: Cite,
    pub schedule: &'static Schedule,
    pub occurred_on: NaiveDate,
    pub details: String,
    pub charge_fen: Option<i64>,
}

fn amount(errors: &mut FieldErrors, field: &'static str, value: &str) -> Option<i64> {
    match schedule::parse_yuan(value) {
        Some(f) if f <= AMOUNT_MAX_FEN => Some(f),
        _ => {
            errors.add(field, "violations.error.amount");
            None
        }
    }
}

impl ViolationInput {
    pub fn fresh(today: NaiveDate) -> ViolationInput {
        ViolationInput {
            occurred_on: today.to_string(),
            form_token: crate::web::once::new_token(),
            ..Default::default()
        }
    }

    /// Checks the input; `staff` are the ids that may be chosen.
    pub fn validate(
        &self,
        errors: &mut FieldErrors,
        today: NaiveDate,
        staff: &[(i64, String)],
    ) -> Option<ValidViolation> {
        let employee = self
            .employee
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|id| staff.iter().any(|(s, _)| s == id));
        if employee.is_none() {
            errors.add("employee", "violations.error.employee");
        }
        let found = schedule::for_clause(self.clause.trim());
        if found.is_none() {
            errors.add("clause", "violations.error.clause");
        }
        let occurred_on = crate::web::form::date(&self.occurred_on);
        match occurred_on {
            None => errors.add("occurred_on", "violations.error.occurred_on"),
            Some(d) if d > today => errors.add("occurred_on", "violations.error.future"),
            Some(_) => {}
        }
        let details = self.details.trim();
        if details.is_empty() {
            errors.add("details", "violations.error.details");
        } else if details.chars().count() > DETAILS_MAX {
            errors.add("details", "violations.error.too_long");
        }
        let mut charge_fen = None;
        if let Some((s, _)) = found {
            if s.needs_charge() {
                charge_fen = amount(errors, "charge", &self.charge);
                if charge_fen == Some(0) {
                    errors.add("charge", "violations.error.amount");
                }
            }
        }
        let (employee, (schedule, clause), occurred_on) = (employee?, found?, occurred_on?);
        if !errors.is_empty() {
            return None;
        }
        Some(ValidViolation {
            employee,
            clause,
            schedule,
            occurred_on,
            details: details.to_owned(),
            charge_fen,
        })
    }
}

/// A supervisor's decision on a proposed breach.
#[derive(Deserialize, Default, Debug, Clone)]
pub struct DecisionInput {
    /// "confirm" or "dismiss".
    #[serde(default)]
    pub decision: String,
    #[serde(default)]
    pub note: String,
    /// The fine in 元, where the book names none.
    #[serde(default)]
    pub fine: String,
    /// How many earlier breaches under the schedule the page counted (its
    /// preview of the offence and penalty): confirming holds to what was shown.
    #[serde(default)]
    pub prior: String,
}

pub enum Decision {
    Confirm { fine_fen: i64, note: String },
    Dismiss { note: String },
}

impl DecisionInput {
    pub fn fresh() -> DecisionInput {
        DecisionInput {
            fine: "0".into(),
            ..Default::default()
        }
    }

    /// `decided`: whether the one who confirms sets the fine.
    pub fn validate(&self, errors: &mut FieldErrors, decided: bool) -> Option<Decision> {
        let note = self.note.trim().to_owned();
        if note.chars().count() > NOTE_MAX {
            errors.add("note", "violations.error.too_long");
        }
        match self.decision.as_str() {
            "confirm" => {
                let fine_fen = if decided {
                    amount(errors, "fine", &self.fine)
                } else {
                    Some(0)
                };
                (errors.is_empty()).then_some(Decision::Confirm {
                    fine_fen: fine_fen?,
                    note,
                })
            }
            "dismiss" => {
                if note.is_empty() {
                    errors.add("note", "violations.error.dismiss_note");
                }
                errors.is_empty().then_some(Decision::Dismiss { note })
            }
            _ => {
                errors.add("decision", "violations.error.decision");
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn staff() -> Vec<(i64, String)> {
        vec![(7, "赵磊".into())]
    }

    #[test]
    fn a_call_breach_needs_its_cost() {
        let input = ViolationInput {
            employee: "7".into(),
            clause: "日常管理 1(14)".into(),
            occurred_on: "2026-11-20".into(),
            details: "拨打信息台".into(),
            ..Default::default()
        };
        let mut errors = FieldErrors::new(Locale::ZhCn);
        assert!(input
            .validate(&mut errors, day("2026-11-29"), &staff())
            .is_none());
        assert!(errors.has("charge"));
        let input = ViolationInput {
            charge: "12.30".into(),
            ..input
        };
        let mut errors = FieldErrors::new(Locale::ZhCn);
        let v = input
            .validate(&mut errors, day("2026-11-29"), &staff())
            .unwrap();
        assert_eq!(v.charge_fen, Some(1230));
        assert_eq!(v.schedule.code, "calls");
    }

    #[test]
    fn unknown_people_clauses_and_future_days_are_refused() {
        let input = ViolationInput {
            employee: "8".into(),
            clause: "日常管理 2(1)".into(),
            occurred_on: "2026-11-30".into(),
            details: " ".into(),
            ..Default::default()
        };
        let mut errors = FieldErrors::new(Locale::ZhCn);
        assert!(input
            .validate(&mut errors, day("2026-11-29"), &staff())
            .is_none());
        for f in ["employee", "clause", "occurred_on", "details"] {
            assert!(errors.has(f), "{f}");
        }
    }

    #[test]
    fn a_dismissal_says_why() {
        let mut errors = FieldErrors::new(Locale::ZhCn);
        let d = DecisionInput {
            decision: "dismiss".into(),
            ..Default::default()
        };
        assert!(d.validate(&mut errors, false).is_none());
        assert!(errors.has("note"));
        let mut errors = FieldErrors::new(Locale::ZhCn);
        let d = DecisionInput {
            decision: "confirm".into(),
            fine: "abc".into(),
            ..Default::default()
        };
        assert!(d.validate(&mut errors, true).is_none());
        assert!(errors.has("fine"));
        assert!(d
            .validate(&mut FieldErrors::new(Locale::ZhCn), false)
            .is_some());
    }
}
