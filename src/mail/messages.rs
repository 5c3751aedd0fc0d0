//! The mails of approvals. Each is a data struct plus three askama templates under
//! `templates/mail/<message>/` (`mail_templates!`); `render()` gives the outbox
//! row's parts.
use crate::i18n::Locale;

/// "Please decide": to an approver (or their deputy), with the email link.
pub struct ApprovalRequest {
    pub loc: Locale,
    pub to_name: String,
    pub requester: String,
    pub title: String,
    pub details: Vec<(String, String)>,
    /// The email link (scanner-safe: it only shows the request).
    pub link: String,
    pub due: String,
    pub expires: String,
    /// Set when the recipient is a deputy: the approver they stand in for.
    pub on_behalf_of: Option<String>,
    /// `new`, `reminder`, `overdue`, `escalated`, `handed_over` or `changed`.
    pub reason: &'static str,
}

/// "This waits past its deadline": to the next post of a step that stays with
/// its approver when late (`approvals::Late::Stays`), for information.
pub struct ApprovalLate {
    pub loc: Locale,
    pub to_name: String,
    pub title: String,
    pub requester: String,
    /// Who decides it, and their post, in the recipient's language.
    pub approver: String,
    pub post: String,
    pub due: String,
}

/// "Your request was decided": to the requester.
pub struct ApprovalOutcome {
    pub loc: Locale,
    pub to_name: String,
    pub title: String,
    pub approved: bool,
    pub decider: String,
    pub comment: String,
    pub url: String,
}

crate::mail_templates!(
    ApprovalRequest,
    "mail/approval_request/subject.txt",
    "mail/approval_request/body.txt",
    "mail/approval_request/body.html"
);
crate::mail_templates!(
    ApprovalLate,
    "mail/approval_late/subject.txt",
    "mail/approval_late/body.txt",
    "mail/approval_late/body.html"
);
crate::mail_templates!(
    ApprovalOutcome,
    "mail/approval_outcome/subject.txt",
    "mail/approval_outcome/body.txt",
    "mail/approval_outcome/body.html"
);
