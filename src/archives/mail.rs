//! The archive mails: the keeper's retention digest and the overdue-loan reminder.
use askama::Template;

use crate::i18n::Locale;
use crate::mail::{render, Rendered};

pub struct DigestLine {
    pub label: String,
    pub resident: String,
    pub title: String,
    pub doc_type: String,
    pub retain_until: String,
}

/// To the archive keeper: documents reaching their retention date soon, and today.
pub struct Digest {
    pub loc: Locale,
    pub to_name: String,
    pub days: i64,
    pub today: String,
    pub ahead: Vec<DigestLine>,
    pub due: Vec<DigestLine>,
    pub url: String,
}

/// To a borrower whose loan is past its due date.
pub struct Overdue {
    pub loc: Locale,
    pub to_name: String,
    pub label: String,
    pub due_on: String,
    pub url: String,
}

impl Digest {
    pub fn t(&self, key: &str) -> &'static str {
        self.loc.t(key)
    }
    pub fn render(&self) -> Result<Rendered, askama::Error> {
        render(
            &DigestSubject { m: self },
            &DigestText { m: self },
            &DigestHtml { m: self },
        )
    }
}

impl Overdue {
    pub fn t(&self, key: &str) -> &'static str {
        self.loc.t(key)
    }
    pub fn render(&self) -> Result<Rendered, askama::Error> {
        render(
            &OverdueSubject { m: self },
            &OverdueText { m: self },
            &OverdueHtml { m: self },
        )
    }
}

#[derive(Template)]
#[template(path = "mail/archive_retention/subject.txt")]
struct DigestSubject<'a> {
    m: &'a Digest,
}
#[derive(Template)]
#[template(path = "mail/archive_retention/body.txt")]
struct DigestText<'a> {
    m: &'a Digest,
}
#[derive(Template)]
#[template(path = "mail/archive_retention/body.html")]
struct DigestHtml<'a> {
    m: &'a Digest,
}
#[derive(Template)]
#[template(path = "mail/archive_overdue/subject.txt")]
struct OverdueSubject<'a> {
    m: &'a Overdue,
}
#[derive(Template)]
#[template(path = "mail/archive_overdue/body.txt")]
struct OverdueText<'a> {
    m: &'a Overdue,
}
#[derive(Template)]
#[template(path = "mail/archive_overdue/body.html")]
struct OverdueHtml<'a> {
    m: &'a Overdue,
}
