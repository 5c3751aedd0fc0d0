//! The mail of the visitor register: a follow-up reported to the supervisor
//! (接待来访客户管理规定 5: 及时将客户反映的情况反馈给客服主管).
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
