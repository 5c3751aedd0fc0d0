//! The visitor register's forms: raw input and its checks.
use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::web::FieldErrors;

const NAME_MAX: usize = 50;
const PHONE_MAX: usize = 20;
const ROOM_MAX: usize = 50;
const TEXT_MAX: usize = 1000;

/// Who the visitor is, by code, with their catalog keys under `visits.kind.`.
pub const KINDS: [&str; 4] = ["owner", "tenant", "prospect", "other"];

#[derive(Deserialize, Default, Debug, Clone)]
pub struct VisitInput {
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub end: String,
    #[serde(default)]
    pub visitor_name: String,
    #[serde(default)]
    pub visitor_phone: String,
    #[serde(default)]
    pub visitor_kind: String,
    #[serde(default)]
    pub room: String,
    #[serde(default)]
    pub matter: String,
    #[serde(default)]
    pub answer: String,
    /// "1" when the visit needs following up (rule 5).
    #[serde(default)]
    pub follow_up: String,
    #[serde(default)]
    pub form_token: String,
    /// Why a registered visit is corrected (the correction form only).
    #[serde(default)]
    pub reason: String,
    /// The version of the register the correction form was read from.
    #[serde(default)]
    pub version: String,
}

pub struct ValidVisit {
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub visitor_name: String,
    pub visitor_phone: String,
    pub visitor_kind: &'static str,
    pub room: String,
    pub matter: String,
    pub answer: String,
    pub follow_up: bool,
}

impl VisitInput {
    /// A blank form for today's reception. Its times are left for the receiver
    /// to enter: a guess (the time the form is opened) would stand in for the
    /// real end whenever nobody corrects it, and a register made hours late would
    /// not be marked late (rule 4 measures from the reception's end).
    pub fn fresh(now: DateTime<Utc>, tz: chrono_tz::Tz) -> VisitInput {
        VisitInput {
            day: now.with_timezone(&tz).date_naive().to_string(),
            visitor_kind: "owner".into(),
            form_token: crate::web::once::new_token(),
            ..Default::default()
        }
    }

    pub fn validate(
        &self,
        errors: &mut FieldErrors,
        now: DateTime<Utc>,
        tz: chrono_tz::Tz,
    ) -> Option<ValidVisit> {
        let span = match crate::web::form::day_span(
            errors,
            "visits",
            (&self.day, &self.start, &self.end),
            tz,
        ) {
            Some((_, e)) if e > now => {
                errors.add("end", "visits.error.future");
                None
            }
            other => other,
        };
        let visitor_name =
            errors.text("visits", "visitor_name", &self.visitor_name, NAME_MAX, true);
        let visitor_phone = errors.text(
            "visits",
            "visitor_phone",
            &self.visitor_phone,
            PHONE_MAX,
            false,
        );
        if !visitor_phone.is_empty() && !crate::web::form::loose_phone(&visitor_phone) {
            errors.add("visitor_phone", "visits.error.visitor_phone");
        }
        let kind = KINDS.iter().find(|k| **k == self.visitor_kind).copied();
        if kind.is_none() {
            errors.add("visitor_kind", "visits.error.visitor_kind");
        }
        let room = errors.text("visits", "room", &self.room, ROOM_MAX, false);
        let matter = errors.text("visits", "matter", &self.matter, TEXT_MAX, true);
        let answer = errors.text("visits", "answer", &self.answer, TEXT_MAX, false);
        let (started_at, ended_at) = span?;
        if !errors.is_empty() {
            return None;
        }
        Some(ValidVisit {
            started_at,
            ended_at,
            visitor_name,
            visitor_phone,
            visitor_kind: kind?,
            room,
            matter,
            answer,
            follow_up: self.follow_up == "1",
        })
    }
}

#[derive(Deserialize, Default, Debug, Clone)]
pub struct NoteInput {
    #[serde(default)]
    pub body: String,
    /// "1": mail the note to the customer-service supervisor (反馈给客服主管).
    #[serde(default)]
    pub report: String,
    /// "1": the follow-up is done; the visit is closed.
    #[serde(default)]
    pub close: String,
    #[serde(default)]
    pub form_token: String,
}

impl NoteInput {
    /// A blank note, with its one-time token.
    pub fn fresh() -> NoteInput {
        NoteInput {
            form_token: crate::web::once::new_token(),
            ..Default::default()
        }
    }

    pub fn validate(&self, errors: &mut FieldErrors) -> Option<String> {
        let body = errors.text("visits", "body", &self.body, TEXT_MAX, true);
        errors.is_empty().then_some(body)
    }
}

/// The form that opens a closed visit again: why, as the first line of its
/// renewed follow-up.
#[derive(Deserialize, Default, Debug)]
pub struct ReopenInput {
    #[serde(default)]
    pub reopen_reason: String,
    #[serde(default)]
    pub form_token: String,
}

impl ReopenInput {
    pub fn fresh() -> ReopenInput {
        ReopenInput {
            form_token: crate::web::once::new_token(),
            ..Default::default()
        }
    }

    pub fn validate(&self, errors: &mut FieldErrors) -> Option<String> {
        let reason = errors.text(
            "visits",
            "reopen_reason",
            &self.reopen_reason,
            TEXT_MAX,
            true,
        );
        errors.is_empty().then_some(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn input() -> VisitInput {
        VisitInput {
            day: "2026-11-29".into(),
            start: "09:00".into(),
            end: "09:40".into(),
            visitor_name: "刘先生".into(),
            visitor_phone: "138 1234 5678".into(),
            visitor_kind: "owner".into(),
            matter: "咨询物业费".into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_reception_is_read_in_the_sites_time_zone() {
        let tz = chrono_tz::Asia::Shanghai;
        let mut errors = FieldErrors::new(Default::default());
        let v = input()
            .validate(&mut errors, at("2026-11-29T02:00:00Z"), tz)
            .unwrap();
        assert_eq!(v.started_at, at("2026-11-29T01:00:00Z"));
        assert_eq!(v.ended_at, at("2026-11-29T01:40:00Z"));
        assert!(!v.follow_up);
    }

    #[test]
    fn a_reception_past_midnight_ends_the_next_day_and_a_backwards_one_is_refused() {
        let tz = chrono_tz::Asia::Shanghai;
        let late = VisitInput {
            start: "23:40".into(),
            end: "00:15".into(),
            ..input()
        };
        let mut errors = FieldErrors::new(Default::default());
        let v = late
            .validate(&mut errors, at("2026-11-30T02:00:00Z"), tz)
            .unwrap();
        assert_eq!(v.started_at, at("2026-11-29T15:40:00Z"));
        assert_eq!(v.ended_at, at("2026-11-29T16:15:00Z"));

        let backwards = VisitInput {
            start: "09:00".into(),
            end: "08:00".into(),
            ..input()
        };
        let mut errors = FieldErrors::new(Default::default());
        assert!(backwards
            .validate(&mut errors, at("2026-11-30T02:00:00Z"), tz)
            .is_none());
        assert!(errors.has("end"));
    }

    #[test]
    fn a_blank_form_holds_the_local_day_and_no_guessed_times() {
        let tz = chrono_tz::Asia::Shanghai;
        // 23:30 in UTC is already the next morning in Shanghai.
        let blank = VisitInput::fresh(at("2026-11-29T23:30:00Z"), tz);
        assert_eq!(blank.day, "2026-11-30");
        assert_eq!((blank.start.as_str(), blank.end.as_str()), ("", ""));
        assert_eq!(blank.visitor_kind, "owner");
        assert!(!blank.form_token.is_empty());
    }

    #[test]
    fn each_wrong_field_gets_its_message() {
        let tz = chrono_tz::Asia::Shanghai;
        let now = at("2026-11-29T01:30:00Z");
        let mut errors = FieldErrors::new(Default::default());
        assert!(
            input().validate(&mut errors, now, tz).is_none(),
            "not ended yet"
        );
        assert!(errors.has("end"));
        let bad = VisitInput {
            end: "08:00".into(),
            visitor_name: " ".into(),
            visitor_phone: "call me".into(),
            visitor_kind: "alien".into(),
            matter: String::new(),
            ..input()
        };
        let mut errors = FieldErrors::new(Default::default());
        assert!(bad
            .validate(&mut errors, at("2026-11-30T00:00:00Z"), tz)
            .is_none());
        for f in [
            "end",
            "visitor_name",
            "visitor_phone",
            "visitor_kind",
            "matter",
        ] {
            assert!(errors.has(f), "{f}");
        }
    }
}
