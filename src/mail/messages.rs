//! The mails kefu sends. Each is a data struct plus three askama templates under
//! `templates/mail/<message>/`; `render()` gives the outbox row's parts.
use askama::Template;

use super::{render, Rendered};
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
    /// `new`, `reminder`, `escalated` or `changed`.
    pub reason: &'static str,
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

impl ApprovalRequest {
    pub fn t(&self, key: &str) -> &'static str {
        self.loc.t(key)
    }
    pub fn render(&self) -> Result<Rendered, askama::Error> {
        render(
            &ApprovalRequestSubject { m: self },
            &ApprovalRequestText { m: self },
            &ApprovalRequestHtml { m: self },
        )
    }
}

impl ApprovalOutcome {
    pub fn t(&self, key: &str) -> &'static str {
        self.loc.t(key)
    }
    pub fn render(&self) -> Result<Rendered, askama::Error> {
        render(
            &ApprovalOutcomeSubject { m: self },
            &ApprovalOutcomeText { m: self },
            &ApprovalOutcomeHtml { m: self },
        )
    }
}

#[derive(Template)]
#[template(path = "mail/approval_request/subject.txt")]
struct ApprovalRequestSubject<'a> {
    m: &'a ApprovalRequest,
}
#[derive(Template)]
#[template(path = "mail/approval_request/body.txt")]
struct ApprovalRequestText<'a> {
    m: &'a ApprovalRequest,
}
#[derive(Template)]
#[template(path = "mail/approval_request/body.html")]
struct ApprovalRequestHtml<'a> {
    m: &'a ApprovalRequest,
}
#[derive(Template)]
#[template(path = "mail/approval_outcome/subject.txt")]
struct ApprovalOutcomeSubject<'a> {
    m: &'a ApprovalOutcome,
}
#[derive(Template)]
#[template(path = "mail/approval_outcome/body.txt")]
struct ApprovalOutcomeText<'a> {
    m: &'a ApprovalOutcome,
}
#[derive(Template)]
#[template(path = "mail/approval_outcome/body.html")]
struct ApprovalOutcomeHtml<'a> {
    m: &'a ApprovalOutcome,
}
