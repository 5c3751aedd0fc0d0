//! The mail telling an employee a breach of theirs was confirmed (违规处罚通知),
//! in their language; and the administrators' notice of a dismissal.
use crate::i18n::Locale;

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

crate::mail_templates!(
    Confirmed,
    "mail/violation_confirmed/subject.txt",
    "mail/violation_confirmed/body.txt",
    "mail/violation_confirmed/body.html"
);

/// To each administrator when a confirmed breach carries dismissal (辞退处罚):
/// the account is theirs to turn off when the person leaves. kefu does not turn
/// it off itself: the dismissal takes effect when the department says so.
pub struct Dismissal {
    pub loc: Locale,
    pub to_name: String,
    pub employee: String,
    pub number: String,
    pub clause: String,
    /// The person's account page.
    pub url: String,
}

crate::mail_templates!(
    Dismissal,
    "mail/violation_dismissal/subject.txt",
    "mail/violation_dismissal/body.txt",
    "mail/violation_dismissal/body.html"
);
