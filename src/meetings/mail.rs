//! The meetings' mail: a supervisor asked for the day's morning meeting record.
use crate::i18n::Locale;

/// To each supervisor, once on a day with no morning meeting on record.
pub struct MorningMissing {
    pub loc: Locale,
    pub to_name: String,
    pub day: String,
    pub url: String,
}

crate::mail_templates!(
    MorningMissing,
    "mail/morning_missing/subject.txt",
    "mail/morning_missing/body.txt",
    "mail/morning_missing/body.html"
);
