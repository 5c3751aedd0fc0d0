//! The notice's mail to each person it concerns, in their language.
use crate::i18n::Locale;

/// A meeting called (`called`), changed (`changed`), called off (`cancelled`),
/// or no longer expecting this person (`dropped`): `what`, a code under
/// `meetings.notice.mail.`.
pub struct NoticeMail {
    pub loc: Locale,
    pub to_name: String,
    pub what: &'static str,
    pub number: String,
    /// The kind of meeting, in the recipient's language.
    pub kind: &'static str,
    pub topic: String,
    /// When it is held, as the site's clock says: 2026-12-10 14:00–15:00.
    pub when: String,
    pub place: String,
    pub agenda: String,
    pub caller: String,
    /// Why it was called off; empty otherwise.
    pub reason: String,
    pub url: String,
}

impl NoticeMail {
    /// The catalog key of this mail's `part` (subject, body).
    pub fn key(&self, part: &str) -> String {
        format!("meetings.notice.mail.{}_{part}", self.what)
    }
}

crate::mail_templates!(
    NoticeMail,
    "mail/meeting_notice/subject.txt",
    "mail/meeting_notice/body.txt",
    "mail/meeting_notice/body.html"
);
