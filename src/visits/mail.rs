//! The mails of the visitor register: a follow-up reported to the supervisor
//! (接待来访客户管理规定 5: 及时将客户反映的情况反馈给客服主管), and the supervisors'
//! daily digest of late registers and visits waiting for follow-up.
use crate::i18n::Locale;

pub struct Reported {
    pub loc: Locale,
    pub to_name: String,
    pub receiver: String,
    pub visitor: String,
    pub reception: String,
    pub matter: String,
    pub note: String,
    /// The registration itself (its answer in `note`), not a follow-up note.
    pub new_visit: bool,
    pub url: String,
}

impl Reported {
    /// The line under the greeting.
    pub fn lead(&self) -> &'static str {
        if self.new_visit {
            self.loc.t("visits.mail.body_new")
        } else {
            self.loc.t("visits.mail.body")
        }
    }
    /// What `note` holds: the answer given at the reception, or a follow-up.
    pub fn note_label(&self) -> &'static str {
        if self.new_visit {
            self.loc.t("visits.answer")
        } else {
            self.loc.t("visits.note")
        }
    }
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

crate::mail_templates!(
    Digest,
    "mail/visit_digest/subject.txt",
    "mail/visit_digest/body.txt",
    "mail/visit_digest/body.html"
);
crate::mail_templates!(
    Reported,
    "mail/visit_report/subject.txt",
    "mail/visit_report/body.txt",
    "mail/visit_report/body.html"
);
