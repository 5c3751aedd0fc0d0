//! The archive mails: the keeper's retention digest and the overdue-loan reminder.

use crate::i18n::Locale;

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

impl Digest {
    /// The subject's counts: "已到期 2 件、即将到期 3 件", each only when there are some.
    pub fn counts(&self) -> String {
        [
            ("archives.mail.retention_counts_due", self.due.len()),
            ("archives.mail.retention_counts_ahead", self.ahead.len()),
        ]
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .map(|(key, n)| self.loc.tf(key, &[("n", &n)]))
        .collect::<Vec<_>>()
        .join(self.loc.t("paper.list_separator"))
    }
}

/// To a borrower whose loan is past its due date.
pub struct Overdue {
    pub loc: Locale,
    pub to_name: String,
    pub label: String,
    pub due_on: String,
    pub url: String,
}

crate::mail_templates!(
    Digest,
    "mail/archive_retention/subject.txt",
    "mail/archive_retention/body.txt",
    "mail/archive_retention/body.html"
);
crate::mail_templates!(
    Overdue,
    "mail/archive_overdue/subject.txt",
    "mail/archive_overdue/body.txt",
    "mail/archive_overdue/body.html"
);
