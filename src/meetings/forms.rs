//! The meeting record's form: raw input and its checks.
use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use super::{ATTENDANCE, KINDS, NOT_LISTED};
use crate::web::FieldErrors;

const PLACE_MAX: usize = 100;
const TOPIC_MAX: usize = 200;
const MINUTES_MAX: usize = 20_000;

#[derive(Deserialize, Default, Debug, Clone)]
pub struct MeetingInput {
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
    /// The chair's user id.
    #[serde(default)]
    pub chair: String,
    #[serde(default)]
    pub minutes: String,
    /// The month a monthly analysis meeting stands for, `YYYY-MM` (that of
    /// its day when left empty); ignored for the other kinds.
    #[serde(default)]
    pub for_month: String,
    /// The people listed, in the order of `att`: one `who` and one `att` a line.
    #[serde(default)]
    pub who: Vec<String>,
    #[serde(default)]
    pub att: Vec<String>,
    /// The record's version the form was read at, when correcting one.
    #[serde(default)]
    pub version: String,
    /// The notice (会议通知) the meeting was called by, when recorded from it.
    #[serde(default)]
    pub notice: String,
    #[serde(default)]
    pub form_token: String,
}

pub struct ValidMeeting {
    pub kind: &'static str,
    pub started_at: DateTime<Utc>,
    pub ended_at: DateTime<Utc>,
    pub place: String,
    pub topic: String,
    pub chair: i64,
    pub minutes: String,
    pub attendance: Vec<(i64, &'static str)>,
    /// The month a monthly analysis meeting stands for (its first day).
    pub for_month: Option<chrono::NaiveDate>,
    /// The notice it was called by, when recorded from one.
    pub notice: Option<i64>,
}

/// When each kind of meeting is held (会议类别), as the form proposes it.
fn usual_hours(kind: &str) -> (&'static str, &'static str) {
    match kind {
        // 晨会: every day, 8:05 to 8:30.
        "morning" => ("08:05", "08:30"),
        // 月分析例会: the last week's Saturday, from 10:00.
        "monthly" => ("10:00", "11:30"),
        _ => ("14:00", "15:00"),
    }
}

/// Whether a `kind` meeting is held in the afternoon (as its usual hours say):
/// who is on leave that half of the day.
pub fn in_afternoon(kind: &str) -> bool {
    usual_hours(kind).0 >= "12:00"
}

/// The day a `kind` meeting recorded on `today` was held, as the form proposes
/// it: a monthly analysis meeting on the latest last-week's Saturday (月分析例会)
/// not after today, as it is often written up after the weekend; the others today.
pub fn usual_day(kind: &str, today: chrono::NaiveDate) -> chrono::NaiveDate {
    use super::jobs::last_saturday;
    if kind != "monthly" {
        return today;
    }
    match last_saturday(today) {
        s if s <= today => s,
        _ => {
            last_saturday(today - chrono::Duration::days(i64::from(chrono::Datelike::day(&today))))
        }
    }
}

/// For a monthly analysis meeting standing for `for_month` and held on `day`,
/// the Saturday of that month's last week when `day` is not it (the record
/// says so; it is not refused, a meeting may be moved or postponed).
pub fn off_schedule(
    for_month: Option<chrono::NaiveDate>,
    day: chrono::NaiveDate,
) -> Option<chrono::NaiveDate> {
    let saturday = super::jobs::last_saturday(for_month?);
    (day != saturday).then_some(saturday)
}

/// The first day of `day`'s month.
fn month_of(day: chrono::NaiveDate) -> chrono::NaiveDate {
    chrono::Datelike::with_day(&day, 1).unwrap_or(day)
}

/// How many months `to` is after `from` (both any day of their month).
fn months_between(from: chrono::NaiveDate, to: chrono::NaiveDate) -> i32 {
    use chrono::Datelike;
    (to.year() - from.year()) * 12 + to.month0() as i32 - from.month0() as i32
}

impl MeetingInput {
    /// A blank record of a `kind` meeting held today at its usual hours, chaired
    /// by `me`: everyone present but those on approved leave today.
    pub fn fresh(
        kind: &str,
        today: chrono::NaiveDate,
        me: i64,
        staff: &[(i64, String)],
        (on_leave, outside): (&HashSet<i64>, &HashSet<i64>),
        topic: &str,
    ) -> MeetingInput {
        let kind = KINDS.iter().find(|k| **k == kind).unwrap_or(&KINDS[0]);
        let (start, end) = usual_hours(kind);
        MeetingInput {
            kind: (*kind).into(),
            day: today.to_string(),
            start: start.into(),
            end: end.into(),
            topic: topic.into(),
            chair: me.to_string(),
            for_month: if *kind == "monthly" {
                crate::web::month::text(Some(month_of(today)))
            } else {
                String::new()
            },
            who: staff.iter().map(|(id, _)| id.to_string()).collect(),
            att: staff
                .iter()
                .map(|(id, _)| {
                    if on_leave.contains(id) {
                        "leave"
                    } else if outside.contains(id) && *id != me {
                        NOT_LISTED
                    } else {
                        "present"
                    }
                    .into()
                })
                .collect(),
            form_token: crate::web::once::new_token(),
            ..Default::default()
        }
    }

    /// The form for correcting a filed record, as it stands.
    pub fn of_record(
        m: &super::models::Meeting,
        attendance: &[(i64, String, String)],
        tz: chrono_tz::Tz,
    ) -> MeetingInput {
        let start = m.started_at.with_timezone(&tz);
        let end = m.ended_at.with_timezone(&tz);
        MeetingInput {
            kind: m.kind.clone(),
            day: start.date_naive().to_string(),
            start: start.format("%H:%M").to_string(),
            end: end.format("%H:%M").to_string(),
            place: m.place.clone(),
            topic: m.topic.clone(),
            chair: m.chair_id.to_string(),
            minutes: m.minutes.clone(),
            for_month: crate::web::month::text(m.for_month),
            who: attendance.iter().map(|(id, _, _)| id.to_string()).collect(),
            att: attendance.iter().map(|(_, _, a)| a.clone()).collect(),
            version: m.version.to_string(),
            notice: String::new(),
            form_token: crate::web::once::new_token(),
        }
    }

    /// The record of the meeting notice `n` called, as the form proposes it:
    /// held when and where it said, on its topic; `fresh` has those it
    /// expected present (or on leave) and everyone else not listed.
    pub fn of_notice(
        n: &super::notices::models::Notice,
        fresh: MeetingInput,
        tz: chrono_tz::Tz,
    ) -> MeetingInput {
        let start = n.starts_at.with_timezone(&tz);
        let end = n.ends_at.with_timezone(&tz);
        MeetingInput {
            start: start.format("%H:%M").to_string(),
            end: end.format("%H:%M").to_string(),
            place: n.place.clone(),
            topic: n.topic.clone(),
            notice: n.id.to_string(),
            ..fresh
        }
    }

    /// The attendance the form shows for `user`: as sent (or recorded), else not
    /// listed: a record being corrected does not gain everyone hired since.
    pub fn attendance_of(&self, user: i64) -> &str {
        self.who
            .iter()
            .zip(&self.att)
            .find(|(w, _)| w.trim().parse() == Ok(user))
            .map_or(NOT_LISTED, |(_, a)| a.as_str())
    }

    /// The record, checked against the staff who may be listed (`staff`) and
    /// the current instant (no record of a meeting not yet begun).
    pub fn validate(
        &self,
        errors: &mut FieldErrors,
        now: DateTime<Utc>,
        tz: chrono_tz::Tz,
        staff: &[(i64, String)],
    ) -> Option<ValidMeeting> {
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
            Some((s, _)) if s > now => {
                errors.add("start", "meetings.error.future");
                None
            }
            other => other,
        };
        let place = errors.text("meetings", "place", &self.place, PLACE_MAX, false);
        let topic = errors.text("meetings", "topic", &self.topic, TOPIC_MAX, true);
        let known = |id: i64| staff.iter().any(|(s, _)| *s == id);
        let chair = self.chair.trim().parse().ok().filter(|id| known(*id));
        if chair.is_none() {
            errors.add("chair", "meetings.error.chair");
        }
        let minutes = errors.text("meetings", "minutes", &self.minutes, MINUTES_MAX, true);
        let attendance = self.attendance(&known);
        match &attendance {
            None => errors.add("attendance", "meetings.error.attendance"),
            Some(lines) if !lines.iter().any(|(_, a)| matches!(*a, "present" | "late")) => {
                errors.add("attendance", "meetings.error.nobody")
            }
            // Whoever chaired the meeting was at it.
            Some(lines)
                if chair.is_some_and(|c| {
                    !lines
                        .iter()
                        .any(|(id, a)| *id == c && matches!(*a, "present" | "late"))
                }) =>
            {
                errors.add("chair", "meetings.error.chair_away")
            }
            Some(_) => {}
        }
        let for_month = match (kind, span) {
            (Some("monthly"), Some((start, _))) => {
                self.month(errors, start.with_timezone(&tz).date_naive())
            }
            _ => None,
        };
        let (started_at, ended_at) = span?;
        if !errors.is_empty() {
            return None;
        }
        Some(ValidMeeting {
            kind: kind?,
            started_at,
            ended_at,
            place,
            topic,
            chair: chair?,
            minutes,
            attendance: attendance?,
            for_month,
            notice: self.notice.trim().parse().ok(),
        })
    }

    /// The month a monthly analysis meeting held on `day` stands for: as
    /// given, or `day`'s when left empty. A meeting is held for its month, or
    /// at most a month early or late (postponed into the next).
    fn month(&self, errors: &mut FieldErrors, day: chrono::NaiveDate) -> Option<chrono::NaiveDate> {
        let text = self.for_month.trim();
        if text.is_empty() {
            return Some(month_of(day));
        }
        let Some(month) = crate::web::form::date(&format!("{text}-01")) else {
            errors.add("for_month", "meetings.error.for_month");
            return None;
        };
        if months_between(month, month_of(day)).abs() > 1 {
            errors.add("for_month", "meetings.error.for_month_far");
            return None;
        }
        Some(month)
    }

    /// The lines sent, when each names a known person once with a known status;
    /// those not listed left out.
    fn attendance(&self, known: &dyn Fn(i64) -> bool) -> Option<Vec<(i64, &'static str)>> {
        if self.who.len() != self.att.len() {
            return None;
        }
        let mut seen = HashSet::new();
        let mut lines = Vec::new();
        for (w, a) in self.who.iter().zip(&self.att) {
            let id: i64 = w.trim().parse().ok().filter(|id| known(*id))?;
            if !seen.insert(id) {
                return None;
            }
            if a == NOT_LISTED {
                continue;
            }
            let status = ATTENDANCE.iter().find(|s| **s == a.as_str()).copied()?;
            lines.push((id, status));
        }
        Some(lines)
    }
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

    fn input() -> MeetingInput {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let leave = HashSet::from([3]);
        MeetingInput {
            minutes: "通报上周投诉处理情况。".into(),
            ..MeetingInput::fresh(
                "morning",
                today,
                2,
                &staff(),
                (&leave, &HashSet::new()),
                "晨会",
            )
        }
    }

    #[test]
    fn the_chair_attended() {
        let tz = chrono_tz::Asia::Shanghai;
        let now = at("2026-11-30T02:00:00Z");
        let mut errors = FieldErrors::new(Default::default());
        // 丙 is on leave: not the chair.
        let away = MeetingInput {
            chair: "3".into(),
            ..input()
        };
        assert!(away.validate(&mut errors, now, tz, &staff()).is_none());
        assert!(errors.has("chair"));
        let mut errors = FieldErrors::new(Default::default());
        assert!(input().validate(&mut errors, now, tz, &staff()).is_some());
    }

    #[test]
    fn someone_from_outside_the_department_is_not_expected() {
        let today = chrono::NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        let leave = HashSet::from([3]);
        let outside = HashSet::from([1, 3]);
        let i = MeetingInput::fresh("morning", today, 2, &staff(), (&leave, &outside), "晨会");
        assert_eq!(i.att, ["none", "present", "leave"]);
    }

    #[test]
    fn a_fresh_morning_meeting_is_at_eight_with_those_on_leave_marked() {
        let i = input();
        assert_eq!((i.start.as_str(), i.end.as_str()), ("08:05", "08:30"));
        assert_eq!(i.chair, "2");
        assert_eq!(i.att, ["present", "present", "leave"]);
        assert_eq!(i.attendance_of(3), "leave");
        // Someone the form does not list (hired since a record was made).
        assert_eq!(i.attendance_of(9), NOT_LISTED);
    }

    #[test]
    fn a_record_is_read_in_the_sites_time_zone() {
        let tz = chrono_tz::Asia::Shanghai;
        let mut errors = FieldErrors::new(Default::default());
        let v = input()
            .validate(&mut errors, at("2026-11-30T02:00:00Z"), tz, &staff())
            .unwrap();
        assert_eq!(v.started_at, at("2026-11-30T00:05:00Z"));
        assert_eq!(v.ended_at, at("2026-11-30T00:30:00Z"));
        assert_eq!(v.attendance, [(1, "present"), (2, "present"), (3, "leave")]);
    }

    #[test]
    fn each_wrong_field_gets_its_message() {
        let tz = chrono_tz::Asia::Shanghai;
        let mut errors = FieldErrors::new(Default::default());
        assert!(input()
            .validate(&mut errors, at("2026-11-29T23:00:00Z"), tz, &staff())
            .is_none());
        assert!(errors.has("start"), "not begun yet");

        let bad = MeetingInput {
            kind: "party".into(),
            end: "07:00".into(),
            topic: " ".into(),
            chair: "9".into(),
            minutes: String::new(),
            att: vec!["present".into(), "asleep".into(), "leave".into()],
            ..input()
        };
        let mut errors = FieldErrors::new(Default::default());
        assert!(bad
            .validate(&mut errors, at("2026-12-01T00:00:00Z"), tz, &staff())
            .is_none());
        for f in ["kind", "end", "topic", "chair", "minutes", "attendance"] {
            assert!(errors.has(f), "{f}");
        }
    }

    #[test]
    fn a_monthly_meeting_stands_for_its_month_or_one_next_to_it() {
        let tz = chrono_tz::Asia::Shanghai;
        let now = at("2026-12-07T02:00:00Z");
        let d = |y, m, d| chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let monthly = |day: &str, month: &str| MeetingInput {
            kind: "monthly".into(),
            day: day.into(),
            for_month: month.into(),
            ..input()
        };
        // The month it stands for, and the message at the field.
        let month = |i: MeetingInput| {
            let mut errors = FieldErrors::new(Default::default());
            let v = i.validate(&mut errors, now, tz, &staff());
            (
                v.and_then(|v| v.for_month),
                errors.get("for_month").to_owned(),
            )
        };
        let loc = crate::i18n::Locale::default();
        let (far, unreadable) = (
            loc.t("meetings.error.for_month_far").to_owned(),
            loc.t("meetings.error.for_month").to_owned(),
        );
        // November's, postponed to 5 December.
        assert_eq!(
            month(monthly("2026-12-05", "2026-11")),
            (Some(d(2026, 11, 1)), String::new())
        );
        // Left empty: the month of its day.
        assert_eq!(
            month(monthly("2026-12-05", " ")),
            (Some(d(2026, 12, 1)), String::new())
        );
        // January's, held early on the last days of the year.
        assert_eq!(
            month(monthly("2026-12-05", "2027-01")),
            (Some(d(2027, 1, 1)), String::new())
        );
        for (sent, says) in [
            ("2026-10", &far),
            ("2025-12", &far),
            ("2026-13", &unreadable),
            ("11", &unreadable),
            ("2026-11-01", &unreadable),
        ] {
            assert_eq!(
                month(monthly("2026-12-05", sent)),
                (None, says.clone()),
                "{sent}"
            );
        }
        // The other kinds stand for no month, whatever is sent.
        let morning = MeetingInput {
            for_month: "2026-11".into(),
            ..input()
        };
        assert_eq!(month(morning), (None, String::new()));
    }

    #[test]
    fn attendance_names_each_known_person_once_and_someone_attends() {
        let tz = chrono_tz::Asia::Shanghai;
        let now = at("2026-12-01T00:00:00Z");
        for (who, att) in [
            (vec!["1", "1"], vec!["present", "late"]),
            (vec!["1", "7"], vec!["present", "late"]),
            (vec!["1", "x"], vec!["present", "late"]),
            (vec!["1", "2"], vec!["present"]),
            (vec!["1", "2"], vec!["absent", "leave"]),
        ] {
            let i = MeetingInput {
                who: who.iter().map(|s| s.to_string()).collect(),
                att: att.iter().map(|s| s.to_string()).collect(),
                ..input()
            };
            let mut errors = FieldErrors::new(Default::default());
            assert!(
                i.validate(&mut errors, now, tz, &staff()).is_none(),
                "{who:?} {att:?}"
            );
            assert!(errors.has("attendance"), "{who:?} {att:?}");
        }
    }
}
