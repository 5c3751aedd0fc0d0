//! Mail: an outbox row per mail, written in the caller's transaction, and a worker
//! that sends the rows over SMTP. Nothing is ever sent from a request handler.
//!
//! Mails are rendered when queued, in the recipient's language, from
//! `templates/mail/<message>/{subject.txt,body.txt,body.html}`; the worker only sends.
mod admin;
pub mod messages;
pub mod worker;

use actix_web::web;
use askama::Template;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::i18n::Locale;
use crate::schema::mail_outbox;

pub use worker::Worker;

/// Mounted under `/admin` (see `startup::routes`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/mail")
            .route("", web::get().to(admin::list))
            .route("/{id}", web::get().to(admin::show))
            .route("/{id}/html", web::get().to(admin::html_part))
            .route("/{id}/retry", web::post().to(admin::retry)),
    );
}

/// Who a mail goes to.
#[derive(Clone, Debug)]
pub struct Recipient {
    pub email: String,
    pub name: String,
    pub locale: Locale,
}

/// A mail's three rendered parts.
pub struct Rendered {
    pub subject: String,
    pub text: String,
    pub html: String,
}

/// Renders the three templates of one message. The subject is made one line:
/// whatever a name or title holds, no header can be started from it.
pub fn render(
    subject: &impl Template,
    text: &impl Template,
    html: &impl Template,
) -> Result<Rendered, askama::Error> {
    Ok(Rendered {
        subject: one_line(&subject.render()?),
        text: text.render()?,
        html: html.render()?,
    })
}

/// Gives a mail's data struct (which holds the recipient's language as `loc`)
/// what its templates and its sender need: `t()` and `t1()` for the catalog,
/// `note()` for a note in brackets, and `render()` from its three templates
/// under `templates/mail/<message>/`: the subject, the plain text and the
/// HTML, each seeing the struct as `m`. For example (not a doctest: the
/// templates live in the crate):
///
/// ```text
/// mail_templates!(Confirmed, "mail/violation_confirmed/subject.txt",
///     "mail/violation_confirmed/body.txt", "mail/violation_confirmed/body.html");
/// ```
#[macro_export]
macro_rules! mail_templates {
    ($mail:ty, $subject:tt, $text:tt, $html:tt) => {
        const _: () = {
            #[derive(::askama::Template)]
            #[template(path = $subject)]
            struct Subject<'a> {
                m: &'a $mail,
            }
            #[derive(::askama::Template)]
            #[template(path = $text)]
            struct Text<'a> {
                m: &'a $mail,
            }
            #[derive(::askama::Template)]
            #[template(path = $html)]
            struct Html<'a> {
                m: &'a $mail,
            }
            impl $mail {
                pub fn t(&self, key: &str) -> &'static str {
                    self.loc.t(key)
                }
                #[allow(dead_code)]
                pub fn t1(&self, key: &str, name: &str, value: impl ::std::fmt::Display) -> String {
                    self.loc.tf(key, &[(name, &value)])
                }
                #[allow(dead_code)]
                pub fn note(&self, note: impl ::std::fmt::Display) -> String {
                    self.loc.note(note)
                }
                pub fn render(&self) -> Result<$crate::mail::Rendered, ::askama::Error> {
                    $crate::mail::render(&Subject { m: self }, &Text { m: self }, &Html { m: self })
                }
            }
        };
    };
}

/// Control characters (CR, LF, …) become spaces; runs of space collapse.
pub fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_control() || c.is_whitespace())
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Queues a mail inside the caller's transaction. A second call with the same
/// `key` (a retried request, a job run twice) queues nothing; returns whether
/// a row was written.
pub async fn enqueue(
    conn: &mut impl crate::db::Read,
    key: &str,
    message: &str,
    to: &Recipient,
    mail: &Rendered,
) -> QueryResult<bool> {
    let n = diesel::insert_into(mail_outbox::table)
        .values((
            mail_outbox::idempotency_key.eq(key),
            mail_outbox::message.eq(message),
            mail_outbox::to_addr.eq(&to.email),
            mail_outbox::to_name.eq(one_line(&to.name)),
            mail_outbox::locale.eq(to.locale.code()),
            mail_outbox::subject.eq(&mail.subject),
            mail_outbox::body_text.eq(&mail.text),
            mail_outbox::body_html.eq(&mail.html),
        ))
        .on_conflict(mail_outbox::idempotency_key)
        .do_nothing()
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// As [`enqueue`], as the part `mail` of a one-statement filing
/// ([`crate::db::With`]): one mail for each row of `from`, keyed by the SQL
/// expression `key` over those rows.
pub fn enqueue_in(
    w: &mut crate::db::With,
    key: &str,
    from: &str,
    message: &'static str,
    to: &Recipient,
    mail: &Rendered,
) {
    use diesel::sql_types::Text;
    let (message, to_addr, to_name, locale) = (
        w.bind::<Text, _>(message),
        w.bind::<Text, _>(to.email.clone()),
        w.bind::<Text, _>(one_line(&to.name)),
        w.bind::<Text, _>(to.locale.code()),
    );
    let (subject, text, html) = (
        w.bind::<Text, _>(mail.subject.clone()),
        w.bind::<Text, _>(mail.text.clone()),
        w.bind::<Text, _>(mail.html.clone()),
    );
    w.part(
        "mail",
        &format!(
            "INSERT INTO mail_outbox (idempotency_key, message, to_addr, to_name, locale, \
             subject, body_text, body_html) \
             SELECT {key}, {message}, {to_addr}, {to_name}, {locale}, {subject}, {text}, {html} \
             FROM {from} ON CONFLICT (idempotency_key) DO NOTHING"
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn subjects_cannot_carry_headers() {
        assert_eq!(
            one_line("请假\r\nBcc: evil@example.com\n"),
            "请假 Bcc: evil@example.com"
        );
    }
}
