//! The mail telling the approver that leave they approved was cancelled by its
//! requester before it began, in the approver's language.
use crate::i18n::Locale;

pub struct Cancelled {
    pub loc: Locale,
    pub to_name: String,
    pub employee: String,
    /// The slip's lines (type, dates, days…) in the recipient's language.
    pub lines: Vec<(String, String)>,
    pub note: String,
    /// The slip's page.
    pub url: String,
}

crate::mail_templates!(
    Cancelled,
    "mail/leave_cancelled/subject.txt",
    "mail/leave_cancelled/body.txt",
    "mail/leave_cancelled/body.html"
);
