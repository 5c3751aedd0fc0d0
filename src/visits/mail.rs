//! The mails of the visitor register: a follow-up reported to the supervisor
//! (接待来访客户管理规定 5: 及时将客户反映的情况反馈给客服主管), and the supervisors'
//! daily digest of late registers and visits waiting for follow-up.
use askama::Template;

use crate::i18n::Locale;
use crate::mail::{render, Rendered};

pub struct Reported {
    pub loc: Locale,
    pub to_name: String,
    pub receiver: String,
    pub visitor: String,
    pub reception: String,
    pub matter: String,
    pub note: String,
    pub url: String,
}

/// A line of the supervisors' daily digest.
pub struct DigestLine {
    pub number: String,
    pub reception: String,
    pub visitor: String,
    pub receiver: String,
}

/// To each supervisor, daily: yesterday's late registers, visits waiting.
pub struct Digest {
    pub loc: Locale,
    pub to_name: String,
    pub day: String,
    pub stale_days: i64,
    pub late: Vec<DigestLine>,
    pub stale: Vec<DigestLine>,
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

#[derive(Template)]
#[template(path = "mail/visit_digest/subject.txt")]
struct DigestSubject<'a> {
    m: &'a Digest,
}
#[derive(Template)]
#[template(path = "mail/visit_digest/body.txt")]
struct DigestText<'a> {
    m: &'a Digest,
}
#[derive(Template)]
#[template(path = "mail/visit_digest/body.html")]
struct DigestHtml<'a> {
    m: &'a Digest,
}

impl Reported {
    pub fn t(&self, key: &str) -> &'static str {
        self.loc.t(key)
    }
    pub fn render(&self) -> Result<Rendered, askama::Error> {
        render(
            &ReportedSubject { m: self },
            &ReportedText { m: self },
            &ReportedHtml { m: self },
        )
    }
}

#[derive(Template)]
#[template(path = "mail/visit_report/subject.txt")]
struct ReportedSubject<'a> {
    m: &'a Reported,
}
#[derive(Template)]
#[template(path = "mail/visit_report/body.txt")]
struct ReportedText<'a> {
    m: &'a Reported,
}
#[derive(Template)]
#[template(path = "mail/visit_report/body.html")]
struct ReportedHtml<'a> {
    m: &'a Reported,
}
