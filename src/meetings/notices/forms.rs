//! The notice's form: raw input and its checks.
use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::models::Notice;
use crate::web::FieldErrors;

const PLACE_MAX: usize = 100;
const TOPIC_MAX: usize = 200;
const AGENDA_MAX: usize = 2_000;
const REASON_MAX: usize = 500;

/// The kinds of meeting called by notice: the morning meeting is held every
/// day at its hour and needs none.
pub const KINDS: [&str; 3] = ["training", "topic", "monthly"];

#[derive(Deserialize, Default, Debug, Clone)]
pub struct NoticeInput {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub start: String,
    #[serde(default)]
    pub end: String,
    #[serde(default)]
    pub place: String,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub agenda: String,
    /// The user ids of those expected, one `invite` each.
    #[serde(default)]
    pub invite: Vec<String>,
    /// The notice's version the form was read at, when changing one.
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub form_token: String,
}

pub struct ValidNotice {
    pub kind: &'static str,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub place: String,
    pub topic: String,
    pub agenda: String,
    /// Those expected, by id, in the order sent.
    pub invited: Vec<i64>,
}

impl NoticeInput {
    /// A blank notice of a training meeting on `day` at 14:00, to everyone in
    /// `expected`.
    pub fn fresh(day: chrono::NaiveDate, expected: &[i64], topic: &str) -> NoticeInput {
        NoticeInput {
            kind: KINDS[0].into(),
            day: day.to_string(),
            start: "14:00".into(),
            end: "15:00".into(),
            topic: topic.into(),
            invite: expected.iter().map(i64::to_string).collect(),
            form_token: crate::web::once::new_token(),
            ..Default::default()
        }
    }

    /// The form for changing a notice, as it stands.
    pub fn of_notice(n: &Notice, invited: &[(i64, String)], tz: chrono_tz::Tz) -> NoticeInput {
        let start = n.starts_at.with_timezone(&tz);
        let end = n.ends_at.with_timezone(&tz);
        NoticeInput {
            kind: n.kind.clone(),
            day: start.date_naive().to_string(),
            start: start.format("%H:%M").to_string(),
            end: end.format("%H:%M").to_string(),
            place: n.place.clone(),
            topic: n.topic.clone(),
            agenda: n.agenda.clone(),
            invite: invited.iter().map(|(id, _)| id.to_string()).collect(),
            version: n.version.to_string(),
            form_token: crate::web::once::new_token(),
        }
    }

    /// Whether the form has `user` among those expected.
    pub fn invites(&self, user: &i64) -> bool {
        self.invite.iter().any(|w| w.trim().parse() == Ok(*user))
    }

    /// The notice, checked against the staff who may be asked (`staff`) and
    /// the current instant (a notice is of a meeting still to come).
    pub fn validate(
        &self,
        errors: &mut FieldErrors,
        now: DateTime<Utc>,
        tz: chrono_tz::Tz,
        staff: &[(i64, String)],
    ) -> Option<ValidNotice> {
        let kind = KINDS.iter().find(|k| **k == self.kind).copied();
        if kind.is_none() {
            errors.add("kind", "meetings.error.kind");
        }
        let span = match crate::web::form::day_span(
            errors,
            "meetings",
            (&self.day, &self.start, &self.end),
            tz,
        ) {
            Some((s, _)) if s <= now => {
                errors.add("start", "meetings.notice.error.past");
                None
            }
            Some((s, e)) if e <= s => {
                errors.add("end", "meetings.notice.error.span");
                None
            }
            other => other,
        };
        let place = errors.text("meetings.notice", "place", &self.place, PLACE_MAX, true);
        let topic = errors.text("meetings", "topic", &self.topic, TOPIC_MAX, true);
        let agenda = errors.text("meetings", "agenda", &self.agenda, AGENDA_MAX, false);
        let invited = self.invited(staff);
        match &invited {
            None => errors.add("invite", "meetings.notice.error.invite"),
            Some(ids) if ids.is_empty() => errors.add("invite", "meetings.notice.error.nobody"),
            Some(_) => {}
        }
        let (starts_at, ends_at) = span?;
        if !errors.is_empty() {
            return None;
        }
        Some(ValidNotice {
            kind: kind?,
            starts_at,
            ends_at,
            place,
            topic,
            agenda,
            invited: invited?,
        })
    }

    /// The people asked, each a known member of staff, once.
    fn invited(&self, staff: &[(i64, String)]) -> Option<Vec<i64>> {
        let mut seen = HashSet::new();
        let mut ids = Vec::new();
        for w in &self.invite {
            let id: i64 = w.trim().parse().ok()?;
            if !staff.iter().any(|(s, _)| *s == id) {
                return None;
            }
            if seen.insert(id) {
                ids.push(id);
            }
        }
        Some(ids)
    }
}

/// Why a notice is called off: required, to tell those expected.
pub fn reason(errors: &mut FieldErrors, text: &str) -> String {
    errors.text("meetings.notice", "reason", text, REASON_MAX, true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn staff() -> Vec<(i64, String)> {
        vec![(1, "甲".into()), (2, "乙".into()), (3, "丙".into())]
    }

    fn input() -> NoticeInput {
        let day = chrono::NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
        NoticeInput {
            place: "服务中心会议室".into(),
            ..NoticeInput::fresh(day, &[1, 2], "培训会议")
        }
    }

    #[test]
    fn a_notice_is_of_a_meeting_to_come_with_a_place_and_someone_asked() {
        let tz = chrono_tz::Asia::Shanghai;
        let now = at("2026-12-07T02:00:00Z");
        let mut errors = FieldErrors::new(crate::i18n::Locale::ZhCn);
        let v = input().validate(&mut errors, now, tz, &staff()).unwrap();
        assert_eq!(v.kind, "training");
        assert_eq!(v.starts_at, at("2026-12-10T06:00:00Z"));
        assert_eq!(v.ends_at, at("2026-12-10T07:00:00Z"));
        assert_eq!(v.invited, [1, 2]);

        // Begun already, nowhere, nobody asked, someone unknown.
        let later = at("2026-12-10T06:00:00Z");
        let mut errors = FieldErrors::new(crate::i18n::Locale::ZhCn);
        assert!(input().validate(&mut errors, later, tz, &staff()).is_none());
        assert!(errors.has("start"));
        for (change, field) in [
            (
                NoticeInput {
                    end: "14:00".into(),
                    ..input()
                },
                "end",
            ),
            (
                NoticeInput {
                    place: " ".into(),
                    ..input()
                },
                "place",
            ),
            (
                NoticeInput {
                    invite: vec![],
                    ..input()
                },
                "invite",
            ),
            (
                NoticeInput {
                    invite: vec!["9".into()],
                    ..input()
                },
                "invite",
            ),
            (
                NoticeInput {
                    kind: "morning".into(),
                    ..input()
                },
                "kind",
            ),
        ] {
            let mut errors = FieldErrors::new(crate::i18n::Locale::ZhCn);
            assert!(change.validate(&mut errors, now, tz, &staff()).is_none());
            assert!(errors.has(field), "{field}: {:?}", errors.all());
        }
    }
}
