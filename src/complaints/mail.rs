//! The mail telling a colleague a customer's matter is theirs to follow up.
use crate::i18n::Locale;

pub struct Assigned {
    pub loc: Locale,
    pub to_name: String,
    pub number: String,
    /// The kind, in the recipient's language (意见 / request …).
    pub kind: String,
    pub customer: String,
    pub received: String,
    pub content: String,
    pub assigned_by: String,
    pub url: String,
}

crate::mail_templates!(
    Assigned,
    "mail/complaint_assigned/subject.txt",
    "mail/complaint_assigned/body.txt",
    "mail/complaint_assigned/body.html"
);
