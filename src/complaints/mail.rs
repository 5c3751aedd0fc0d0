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
    /// Why it was reopened, when the mail says a matter they resolved is
    /// theirs again rather than newly given.
    pub reopened: Option<String>,
    pub url: String,
}

crate::mail_templates!(
    Assigned,
    "mail/complaint_assigned/subject.txt",
    "mail/complaint_assigned/body.txt",
    "mail/complaint_assigned/body.html"
);

/// One matter waiting for its assignee's follow-up.
pub struct FollowUpLine {
    pub number: String,
    /// The kind, in the recipient's language.
    pub kind: String,
    pub customer: String,
    pub received: String,
    /// When it was assigned or last written on by the assignee.
    pub since: String,
    pub url: String,
}

/// To a colleague with matters they have not followed up for a while.
pub struct FollowUp {
    pub loc: Locale,
    pub to_name: String,
    /// "3 customer matters to follow up", in the recipient's language.
    pub subject: String,
    /// What the list is: matters not written on for so many hours.
    pub intro: String,
    pub lines: Vec<FollowUpLine>,
}

crate::mail_templates!(
    FollowUp,
    "mail/complaint_follow_up/subject.txt",
    "mail/complaint_follow_up/body.txt",
    "mail/complaint_follow_up/body.html"
);
