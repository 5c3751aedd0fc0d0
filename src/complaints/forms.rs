//! The complaint register's forms: raw input and its checks.
use chrono::{DateTime, TimeZone, Utc};
use serde::Deserialize;

use crate::web::FieldErrors;

const NAME_MAX: usize = 50;
const PHONE_MAX: usize = 20;
const ROOM_MAX: usize = 50;
pub const TEXT_MAX: usize = 2000;

/// How the customer reached us, by code, with catalog keys under `complaints.channel.`.
pub const CHANNELS: [&str; 5] = ["visit", "phone", "online", "letter", "other"];
/// What they raised (意见、要求、投诉、咨询), keys under `complaints.kind.`.
pub const KINDS: [&str; 4] = ["opinion", "request", "complaint", "inquiry"];

#[derive(Deserialize, Default, Debug, Clone)]
pub struct ComplaintInput {
    #[serde(default)]
    pub day: String,
    #[serde(default)]
    pub time: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub customer_name: String,
    #[serde(default)]
    pub customer_phone: String,
    #[serde(default)]
    pub room: String,
    #[serde(default)]
    pub content: String,
    /// Who follows it up; only those who assign may choose (empty: later).
    #[serde(default)]
    pub assignee: String,
    #[serde(default)]
    pub form_token: String,
}

pub struct ValidComplaint {
    pub received_at: DateTime<Utc>,
    pub channel: &'static str,
    pub kind: &'static str,
    pub customer_name: String,
    pub customer_phone: String,
    pub room: String,
    pub content: String,
    pub assignee: Option<i64>,
}

fn code(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    codes: &[&'static str],
) -> &'static str {
    match codes.iter().find(|c| **c == value) {
        Some(c) => c,
        None => {
            errors.add(field, &format!("complaints.error.{field}"));
            ""
        }
    }
}

/// The chosen colleague, if they are among `staff`; empty means nobody yet.
pub fn assignee(
    errors: &mut FieldErrors,
    value: &str,
    staff: &[(i64, String)],
    required: bool,
) -> Option<i64> {
    let v = value.trim();
    if v.is_empty() && !required {
        return None;
    }
    let id = v
        .parse::<i64>()
        .ok()
        .filter(|id| staff.iter().any(|(s, _)| s == id));
    if id.is_none() {
        errors.add("assignee", "complaints.error.assignee");
    }
    id
}

impl ComplaintInput {
    /// A blank form for a matter raised just now.
    pub fn fresh(now: DateTime<Utc>, tz: chrono_tz::Tz) -> ComplaintInput {
        let local = now.with_timezone(&tz);
        ComplaintInput {
            day: local.date_naive().to_string(),
            time: local.format("%H:%M").to_string(),
            channel: "phone".into(),
            kind: "inquiry".into(),
            form_token: crate::web::once::new_token(),
            ..Default::default()
        }
    }

    /// Checks the input; `staff` are whom it may be assigned to (none when the
    /// one recording may not assign).
    pub fn validate(
        &self,
        errors: &mut FieldErrors,
        now: DateTime<Utc>,
        tz: chrono_tz::Tz,
        staff: &[(i64, String)],
    ) -> Option<ValidComplaint> {
        let day = crate::web::form::date(&self.day);
        let time = crate::web::form::time(&self.time);
        if day.is_none() {
            errors.add("day", "complaints.error.day");
        }
        if time.is_none() {
            errors.add("time", "complaints.error.time");
        }
        let mut received_at = None;
        if let (Some(d), Some(t)) = (day, time) {
            match tz.from_local_datetime(&d.and_time(t)).earliest() {
                Some(at) if at.with_timezone(&Utc) > now => {
                    errors.add("day", "complaints.error.future")
                }
                Some(at) => received_at = Some(at.with_timezone(&Utc)),
                None => errors.add("time", "complaints.error.time"),
            }
        }
        let channel = code(errors, "channel", &self.channel, &CHANNELS);
        let kind = code(errors, "kind", &self.kind, &KINDS);
        let customer_name = errors.text(
            "complaints",
            "customer_name",
            &self.customer_name,
            NAME_MAX,
            true,
        );
        let customer_phone = errors.text(
            "complaints",
            "customer_phone",
            &self.customer_phone,
            PHONE_MAX,
            false,
        );
        if !customer_phone.is_empty() && !crate::web::form::loose_phone(&customer_phone) {
            errors.add("customer_phone", "complaints.error.customer_phone");
        }
        let room = errors.text("complaints", "room", &self.room, ROOM_MAX, false);
        let content = errors.text("complaints", "content", &self.content, TEXT_MAX, true);
        let assignee = if staff.is_empty() {
            None
        } else {
            assignee(errors, &self.assignee, staff, false)
        };
        if !errors.is_empty() {
            return None;
        }
        Some(ValidComplaint {
            received_at: received_at?,
            channel,
            kind,
            customer_name,
            customer_phone,
            room,
            content,
            assignee,
        })
    }
}

/// A follow-up note, possibly resolving the matter.
#[derive(Deserialize, Default, Debug, Clone)]
pub struct NoteInput {
    #[serde(default)]
    pub body: String,
    /// "1" when this note is the resolution (处理结果) and closes the matter.
    #[serde(default)]
    pub resolve: String,
    #[serde(default)]
    pub form_token: String,
}

impl NoteInput {
    pub fn fresh() -> NoteInput {
        NoteInput {
            form_token: crate::web::once::new_token(),
            ..Default::default()
        }
    }

    pub fn validate(&self, errors: &mut FieldErrors) -> Option<String> {
        let body = errors.text("complaints", "body", &self.body, TEXT_MAX, true);
        errors.is_empty().then_some(body)
    }
}

/// Assigning the matter to a colleague.
#[derive(Deserialize, Default, Debug, Clone)]
pub struct AssignInput {
    #[serde(default)]
    pub assignee: String,
    /// Whom the page showed it given to ("" for nobody), when sent from the page:
    /// a matter given to someone else since is not moved unseen.
    pub current: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    #[test]
    fn a_matter_needs_who_what_and_a_past_moment() {
        let tz = chrono_tz::Asia::Shanghai;
        let now = Utc::now();
        let input = ComplaintInput {
            day: "2026-11-01".into(),
            time: "25:00".into(),
            channel: "fax".into(),
            kind: "complaint".into(),
            customer_phone: "call me".into(),
            ..Default::default()
        };
        let mut errors = FieldErrors::new(Locale::ZhCn);
        assert!(input.validate(&mut errors, now, tz, &[]).is_none());
        for f in [
            "time",
            "channel",
            "customer_name",
            "customer_phone",
            "content",
        ] {
            assert!(errors.has(f), "{f}");
        }
        // A wrong day does not hide a wrong time.
        let input = ComplaintInput {
            day: "2026-02-30".into(),
            time: "25:99".into(),
            ..Default::default()
        };
        let mut errors = FieldErrors::new(Locale::ZhCn);
        assert!(input.validate(&mut errors, now, tz, &[]).is_none());
        assert!(errors.has("day") && errors.has("time"));
        let input = ComplaintInput {
            assignee: "9".into(),
            customer_name: "刘先生".into(),
            content: "电梯异响".into(),
            customer_phone: String::new(),
            channel: "phone".into(),
            ..ComplaintInput::fresh(now, tz)
        };
        let mut errors = FieldErrors::new(Locale::ZhCn);
        let staff = [(3, "陈静".to_owned())];
        assert!(input.validate(&mut errors, now, tz, &staff).is_none());
        assert!(errors.has("assignee"), "not among the staff");
        let mut errors = FieldErrors::new(Locale::ZhCn);
        let ok = ComplaintInput {
            assignee: String::new(),
            ..input
        };
        let v = ok.validate(&mut errors, now, tz, &staff).unwrap();
        assert_eq!((v.kind, v.assignee), ("inquiry", None));
    }
}
