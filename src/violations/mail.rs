//! The mail telling an employee a breach of theirs was confirmed (违规处罚通知),
//! in their language.
use askama::Template;

use crate::i18n::Locale;
use crate::mail::{render, Rendered};

pub struct Confirmed {
    pub loc: Locale,
    pub to_name: String,
    pub number: String,
    pub clause: String,
    pub occurred_on: String,
    pub details: String,
    /// "第 2 次" / "2nd time" etc., the fine and any suspension or dismissal,
    /// already in the recipient's language.
    pub offence: String,
    pub penalty: String,
    pub note: String,
    pub url: String,
}

impl Confirmed {
    pub fn t(&self, key: &str) -> &'static str {
        self.loc.t(key)
    }
    pub fn render(&self) -> Result<Rendered, askama::Error> {
        render(
            &ConfirmedSubject { m: self },
            &ConfirmedText { m: self },
            &ConfirmedHtml { m: self },
        )
    }
}

#[derive(Template)]
#[template(path = "mail/violation_confirmed/subject.txt")]
struct ConfirmedSubject<'a> {
    m: &'a Confirmed,
}
#[derive(Template)]
#[template(path = "mail/violation_confirmed/body.txt")]
struct ConfirmedText<'a> {
    m: &'a Confirmed,
}
#[derive(Template)]
#[template(path = "mail/violation_confirmed/body.html")]
struct ConfirmedHtml<'a> {
    m: &'a Confirmed,
}
