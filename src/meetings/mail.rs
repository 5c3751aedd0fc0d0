//! The meetings' mail: a supervisor asked for a meeting's record.
use crate::i18n::Locale;

/// To each supervisor, once, when a meeting the rules set is not on record: the
/// day's morning meeting, the month's analysis meeting; and to whoever called a
/// meeting by notice, once it has ended unrecorded.
pub struct MeetingMissing {
    pub loc: Locale,
    pub to_name: String,
    /// The day (or month, or called meeting with its time) it is missing for.
    pub day: String,
    pub url: String,
    /// Catalog keys of the subject (followed by `day`) and of the body.
    pub subject_key: &'static str,
    pub body_key: &'static str,
}

crate::mail_templates!(
    MeetingMissing,
    "mail/meeting_missing/subject.txt",
    "mail/meeting_missing/body.txt",
    "mail/meeting_missing/body.html"
);
