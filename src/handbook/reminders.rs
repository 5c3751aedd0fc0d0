//! `handbook.acks`: mails everyone asked to confirm a published version (签收)
//! and has not: a first mail for each version, then one reminder a day listing
//! all they still have to confirm, until they do. Hourly, so a new version, or a
//! person given a post the version asks, is mailed within the hour.
//!
//! Each mail has a fixed outbox key (`mail::enqueue`): the first one per version
//! and person, a reminder per person and day. However often the job runs, on
//! however many instances, each is sent once.
use anyhow::Context;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::sql_types::{BigInt, Int4, Nullable, Text, Timestamptz};
use diesel::QueryableByName;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::approvals::models::Person;
use crate::config::Config;
use crate::i18n::Locale;
use crate::mail;

/// A version someone still has to confirm, and when they were first mailed about it.
#[derive(QueryableByName, Debug)]
struct Pending {
    #[diesel(sql_type = BigInt)]
    user_id: i64,
    #[diesel(sql_type = Text)]
    display_name: String,
    #[diesel(sql_type = Text)]
    email: String,
    #[diesel(sql_type = Text)]
    locale: String,
    #[diesel(sql_type = BigInt)]
    version_id: i64,
    #[diesel(sql_type = BigInt)]
    document_id: i64,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Nullable<Int4>)]
    number: Option<i32>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    first_mailed: Option<DateTime<Utc>>,
}

/// The current version of each document that asks for confirmation, per active
/// person holding one of its posts and not having confirmed it (as the banner on
/// their pages, `auth::session_store`), with the time of its first mail if any.
const PENDING_SQL: &str = "\
SELECT u.id AS user_id, u.display_name, u.email, u.locale, cur.id AS version_id, \
       cur.document_id, cur.title, cur.number, \
       (SELECT m.created_at FROM mail_outbox m \
         WHERE m.idempotency_key = 'handbook_ack:' || cur.id || ':' || u.id) AS first_mailed \
FROM (SELECT DISTINCT ON (v.document_id) v.id, v.document_id, v.title, v.number, \
             v.requires_ack, v.ack_roles \
      FROM handbook_versions v WHERE v.status = 'published' \
      ORDER BY v.document_id, v.number DESC) cur \
JOIN users u ON u.active \
WHERE cur.requires_ack \
  AND cur.ack_roles && ARRAY(SELECT ur.role_code FROM user_roles ur WHERE ur.user_id = u.id) \
  AND NOT EXISTS (SELECT 1 FROM handbook_acknowledgements a \
                  WHERE a.version_id = cur.id AND a.user_id = u.id) \
ORDER BY u.id, cur.document_id";

/// "Please read and confirm": the first mail about a version, or the day's reminder.
pub struct AckMail {
    pub loc: Locale,
    pub to_name: String,
    pub reminder: bool,
    /// Title, version number, link.
    pub docs: Vec<(String, i32, String)>,
}

impl AckMail {
    pub fn version(&self, n: &i32) -> String {
        self.loc
            .t("mail.handbook_ack.version")
            .replace("{n}", &n.to_string())
    }
    /// The titles as one line, for the subject.
    pub fn titles(&self) -> String {
        let titles: Vec<&str> = self.docs.iter().map(|(t, _, _)| t.as_str()).collect();
        titles.join(self.loc.t("paper.list_separator"))
    }
}

crate::mail_templates!(
    AckMail,
    "mail/handbook_ack/subject.txt",
    "mail/handbook_ack/body.txt",
    "mail/handbook_ack/body.html"
);

/// Runs the job at `now`; returns a one-line summary.
pub async fn run(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    config: &Config,
) -> anyhow::Result<String> {
    let today = config.day(now);
    let rows: Vec<Pending> = diesel::sql_query(PENDING_SQL)
        .load(conn)
        .await
        .context("listing versions to confirm")?;
    let (mut first, mut reminded) = (0, 0);
    for person in rows.chunk_by(|a, b| a.user_id == b.user_id) {
        let (f, r) = mail_one(conn, person, today, config).await?;
        first += f;
        reminded += usize::from(r);
    }
    Ok(crate::jobs::joined(&[
        crate::jobs::counted("first_mails", first),
        crate::jobs::counted("ack_reminders", reminded),
    ]))
}

/// One person's mails: a first mail per version never mailed, and the day's
/// reminder of those first mailed on an earlier day.
async fn mail_one(
    conn: &mut AsyncPgConnection,
    rows: &[Pending],
    today: NaiveDate,
    config: &Config,
) -> anyhow::Result<(usize, bool)> {
    let p = &rows[0];
    let person = Person {
        id: p.user_id,
        display_name: p.display_name.clone(),
        email: p.email.clone(),
        locale: p.locale.clone(),
    };
    // The version to confirm, which may not be in force yet (the page of the
    // document shows the one in force today).
    let doc = |r: &Pending| {
        let mut url = config.base_url.clone();
        url.set_path(&match r.number {
            Some(n) => format!("/handbook/{}/v/{n}", r.document_id),
            None => format!("/handbook/{}", r.document_id),
        });
        (r.title.clone(), r.number.unwrap_or(0), url.to_string())
    };
    let mut first = 0;
    for r in rows.iter().filter(|r| r.first_mailed.is_none()) {
        let mail = AckMail {
            loc: person.locale(),
            to_name: person.display_name.clone(),
            reminder: false,
            docs: vec![doc(r)],
        }
        .render()?;
        let key = format!("handbook_ack:{}:{}", r.version_id, r.user_id);
        if mail::enqueue(conn, &key, "handbook_ack", &person.recipient(), &mail).await? {
            first += 1;
        }
    }
    let due: Vec<_> = rows
        .iter()
        .filter(|r| r.first_mailed.is_some_and(|t| config.day(t) < today))
        .map(doc)
        .collect();
    if due.is_empty() {
        return Ok((first, false));
    }
    let mail = AckMail {
        loc: person.locale(),
        to_name: person.display_name.clone(),
        reminder: true,
        docs: due,
    }
    .render()?;
    let key = format!("handbook_ack_reminder:{}:{today}", p.user_id);
    let sent = mail::enqueue(conn, &key, "handbook_ack", &person.recipient(), &mail).await?;
    Ok((first, sent))
}
