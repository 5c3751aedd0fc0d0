//! The outbox worker: claims due rows with `FOR UPDATE SKIP LOCKED` and a lease,
//! sends them over SMTP, and records the outcome. Any number of workers (in any
//! number of instances) can run at once: a row is claimed by one at a time, and a
//! lease left by a crashed worker runs out and the row is taken over. The lease's
//! end is the holder's token: each mail's lease is renewed, under that token,
//! just before it is sent, and its outcome recorded under it; a row whose lease
//! ran out while earlier mails of the batch were sent (a slow relay) and another
//! worker took over is left to that worker. Delivery is at least once: a worker
//! stopped after the relay accepted a mail and before its outcome was recorded
//! leaves the lease to run out, and the mail is sent again.
use anyhow::Context;
use diesel::sql_types::{BigInt, Double, Int4, Nullable, Text, Timestamptz};
use diesel::{OptionalExtension, QueryableByName};
use diesel_async::RunQueryDsl;
use futures_util::FutureExt;
use lettre::message::{Mailbox, MultiPart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use rand::Rng;
use std::borrow::Cow;
use std::time::Duration;

use crate::approvals::links::hide_tokens;
use crate::config::Config;
use crate::db::Pool;

/// After this many failed attempts a mail is given up (`dead`); an admin can
/// retry it. With the backoff at its hour after the eighth, that is about three
/// days of tries: a mail server down over a weekend loses no mail (an approval
/// link in it lasts 72 hours).
const MAX_ATTEMPTS: i32 = 80;
/// A mail none of whose attempts ever ended (the worker died while sending it,
/// each time) is given up sooner: after this many. ("Ended" is read from its
/// last error: one retried by an admin after a failure keeps that error, and
/// is given up at [`MAX_ATTEMPTS`] whatever becomes of its attempts.)
const MAX_UNENDED: i32 = 12;
/// Longest wait between two attempts.
const MAX_BACKOFF: Duration = Duration::from_secs(3600);

pub struct Worker {
    pool: Pool,
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// Domain part of Message-IDs.
    domain: String,
    /// Names this worker in the log.
    id: String,
    pub lease: Duration,
    /// Wait before the first retry; doubles with each attempt, with jitter.
    pub base_backoff: Duration,
    pub batch: i64,
}

#[derive(QueryableByName, Debug)]
struct Claimed {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    to_addr: String,
    #[diesel(sql_type = Text)]
    to_name: String,
    /// The language the mail was written in.
    #[diesel(sql_type = Text)]
    locale: String,
    #[diesel(sql_type = Text)]
    subject: String,
    #[diesel(sql_type = Text)]
    body_text: String,
    #[diesel(sql_type = Text)]
    body_html: String,
    /// The lease's end as claimed: this worker's token for the row.
    #[diesel(sql_type = Timestamptz)]
    locked_until: chrono::DateTime<chrono::Utc>,
}

#[derive(QueryableByName, Debug)]
struct Renewed {
    #[diesel(sql_type = Timestamptz)]
    locked_until: chrono::DateTime<chrono::Utc>,
    /// Attempts to send it, this one included.
    #[diesel(sql_type = Int4)]
    attempts: i32,
    /// Whether no attempt has ended yet (none recorded an error).
    #[diesel(sql_type = diesel::sql_types::Bool)]
    none_ended: bool,
}

/// Claims a batch. An attempt is counted when the mail is about to be sent
/// ([`RENEW_SQL`]), not here: a mail a worker claimed but never reached (its
/// lease ran out during a slow batch, and another worker took it over) was not
/// tried, and must not move closer to being given up.
const CLAIM_SQL: &str = r#"
UPDATE mail_outbox m
SET locked_until = now() + make_interval(secs => $1)
WHERE m.id IN (
    SELECT id FROM mail_outbox
    WHERE status = 'pending' AND next_attempt_at <= now()
      AND (locked_until IS NULL OR locked_until < now())
    ORDER BY next_attempt_at, id
    LIMIT $2
    FOR UPDATE SKIP LOCKED)
RETURNING m.id, m.to_addr, m.to_name, m.locale, m.subject, m.body_text, m.body_html,
          m.locked_until
"#;

/// Renews one claimed row's lease just before it is sent, if still this
/// worker's (its lease unchanged since the claim), and counts the attempt.
const RENEW_SQL: &str = "UPDATE mail_outbox SET locked_until = now() + make_interval(secs => $2), \
     attempts = attempts + 1 \
     WHERE id = $1 AND status = 'pending' AND locked_until = $3 RETURNING locked_until, attempts, \
     last_error IS NULL AS none_ended";

/// How a connection to the relay is secured, from `SMTP_URL`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Security {
    /// `smtps://`: TLS from the first byte (port 465).
    Wrapper,
    /// `?tls=required`: STARTTLS, and no mail when the relay does not offer it.
    Required,
    /// `?tls=opportunistic`: STARTTLS when the relay offers it.
    Opportunistic,
    /// `?tls=none`: plain SMTP.
    Plain,
}

/// The security an `SMTP_URL` asks for. `smtps://` is TLS throughout;
/// `smtp://` follows its `tls` parameter, and without one is STARTTLS required
/// when the URL carries a password (which is never sent in clear text unless
/// `?tls=none` says so, and so never with `?tls=opportunistic`) and plain SMTP
/// otherwise (an intranet relay on port 25).
fn security_of(u: &url::Url) -> anyhow::Result<Security> {
    let tls = u
        .query_pairs()
        .find(|(k, _)| k == "tls")
        .map(|(_, v)| v.into_owned());
    match (u.scheme(), tls.as_deref()) {
        ("smtps", None) => Ok(Security::Wrapper),
        ("smtps", Some(_)) => {
            anyhow::bail!("SMTP_URL: smtps:// is TLS throughout; its tls= parameter means nothing")
        }
        ("smtp", Some("required")) => Ok(Security::Required),
        ("smtp", Some("opportunistic")) if !u.username().is_empty() => anyhow::bail!(
            "SMTP_URL: with a password, tls=opportunistic would send it in clear text to a relay \
             that offers no STARTTLS; use tls=required (or tls=none to accept that)"
        ),
        ("smtp", Some("opportunistic")) => Ok(Security::Opportunistic),
        ("smtp", Some("none")) => Ok(Security::Plain),
        ("smtp", Some(other)) => {
            anyhow::bail!("SMTP_URL: tls={other} is not one of required, opportunistic or none")
        }
        ("smtp", None) if !u.username().is_empty() => Ok(Security::Required),
        ("smtp", None) => Ok(Security::Plain),
        (other, _) => anyhow::bail!("SMTP_URL must start with smtp:// or smtps://, not {other}://"),
    }
}

/// The transport to the relay of `SMTP_URL`:
/// `smtp[s]://[user:password@]host[:port][?tls=required|opportunistic|none]`
/// (see [`security_of`]). The relay's certificate is checked against the
/// system's certificate authorities (Debian's `ca-certificates`) and those of
/// `ca_file` (`SMTP_CA_FILE`, PEM: a company's own authority).
pub fn transport(
    url: &str,
    ca_file: Option<&std::path::Path>,
) -> anyhow::Result<AsyncSmtpTransport<Tokio1Executor>> {
    use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};

    let u = url::Url::parse(url).context("SMTP_URL is not a URL")?;
    let security = security_of(&u)?;
    let host = u.host_str().context("SMTP_URL has no host")?;
    let tls = |wrap: fn(TlsParameters) -> Tls| -> anyhow::Result<Tls> {
        let mut params = TlsParameters::builder(host.to_owned());
        if let Some(path) = ca_file {
            let pem = std::fs::read(path)
                .with_context(|| format!("SMTP_CA_FILE={} cannot be read", path.display()))?;
            // (lettre reads a file without any certificate as an empty list.)
            let holds_one = pem
                .windows(b"-----BEGIN CERTIFICATE-----".len())
                .any(|w| w == b"-----BEGIN CERTIFICATE-----");
            let cert = Certificate::from_pem(&pem)
                .ok()
                .filter(|_| holds_one)
                .with_context(|| {
                    format!("SMTP_CA_FILE={} holds no PEM certificate", path.display())
                })?;
            params = params.add_root_certificate(cert);
        }
        Ok(wrap(params.build_rustls().context("SMTP TLS settings")?))
    };
    let (tls, default_port) = match security {
        Security::Wrapper => (tls(Tls::Wrapper)?, 465),
        Security::Required => (tls(Tls::Required)?, 25),
        Security::Opportunistic => (tls(Tls::Opportunistic)?, 25),
        Security::Plain => (Tls::None, 25),
    };
    // "dangerous" only in that it starts without TLS: `.tls` sets what the URL asks.
    let mut b = AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
        .port(u.port().unwrap_or(default_port))
        .tls(tls)
        .timeout(Some(Duration::from_secs(10)));
    if let Some((user, password)) = credentials_of(&u)? {
        if security == Security::Plain {
            tracing::warn!(
                host,
                "SMTP_URL sends the relay's password in clear text (tls=none)"
            );
        }
        b = b.credentials(Credentials::new(user, password));
    }
    Ok(b.build())
}

/// The user name and password of an `SMTP_URL`, as the relay knows them: a
/// URL writes their `@`, `:`, `/` and `%` percent-encoded (`p%40ss` for
/// `p@ss`), and a `+` stands for itself.
fn credentials_of(u: &url::Url) -> anyhow::Result<Option<(String, String)>> {
    if u.username().is_empty() {
        return Ok(None);
    }
    let decoded = |s: &str| {
        percent_encoding::percent_decode_str(s)
            .decode_utf8()
            .map(|s| s.into_owned())
            .context("SMTP_URL's user name or password is not UTF-8 once decoded")
    };
    Ok(Some((
        decoded(u.username())?,
        decoded(u.password().unwrap_or_default())?,
    )))
}

/// The sender, `MAIL_FROM`. Without a display name of its own, each mail
/// names the site in the language it was written in ([`Worker::sender`]).
fn from_address(config: &Config) -> anyhow::Result<Mailbox> {
    config
        .mail_from
        .parse()
        .context("MAIL_FROM is not a mail address")
}

enum Failure {
    Retry(String),
    Dead(String),
}

impl Worker {
    /// A worker sending through `config.smtp_url`; None when no SMTP is set (mail
    /// is then kept in the outbox, readable at /admin/mail).
    pub fn new(pool: Pool, config: &Config) -> anyhow::Result<Option<Worker>> {
        let Some(url) = &config.smtp_url else {
            return Ok(None);
        };
        Ok(Some(Worker {
            pool,
            transport: transport(url, config.smtp_ca_file.as_deref())?,
            from: from_address(config)?,
            domain: config
                .base_url
                .host_str()
                .unwrap_or("kefu.localhost")
                .to_owned(),
            id: format!("worker-{}", uuid::Uuid::new_v4().simple()),
            lease: Duration::from_secs(120),
            base_backoff: Duration::from_secs(30),
            batch: 50,
        }))
    }

    /// The Message-ID of an outbox row: the same on every attempt, so a receiving
    /// server can tell a resend.
    pub fn message_id(&self, id: i64) -> String {
        format!("<outbox.{id}@{}>", self.domain)
    }

    /// Claims one batch of due mail and tries each; returns how many were claimed.
    pub async fn run_once(&self) -> anyhow::Result<usize> {
        let claimed: Vec<Claimed> = {
            let mut conn = self.pool.get().await?;
            crate::db::cached(
                diesel::sql_query(CLAIM_SQL)
                    .bind::<Double, _>(self.lease.as_secs_f64())
                    .bind::<BigInt, _>(self.batch),
            )
            .load(&mut conn)
            .await
            .context("claiming mail")?
        };
        let n = claimed.len();
        if n > 0 {
            tracing::debug!(worker = %self.id, claimed = n, "sending mail");
        }
        for mail in claimed {
            // Taken before the mail goes out and kept until its outcome is
            // recorded: a pool busy with pages once it is sent would leave it
            // pending, to be sent again when its lease ran out.
            let mut conn = self.pool.get().await?;
            let token = {
                crate::db::cached(
                    diesel::sql_query(RENEW_SQL)
                        .bind::<BigInt, _>(mail.id)
                        .bind::<Double, _>(self.lease.as_secs_f64())
                        .bind::<Timestamptz, _>(mail.locked_until),
                )
                .get_result::<Renewed>(&mut conn)
                .await
                .optional()
                .context("renewing a mail's lease")?
            };
            let Some(Renewed {
                locked_until: token,
                attempts,
                none_ended,
            }) = token
            else {
                tracing::info!(mail = mail.id, "lease lost to another worker; not sent");
                continue;
            };
            // Every attempt allowed was begun and none ended (a worker died while
            // sending it each time): given up, as a failed last attempt is. (A
            // mail whose attempts ended before keeps its last error.)
            if (none_ended && attempts > MAX_UNENDED) || attempts > MAX_ATTEMPTS {
                if none_ended {
                    tracing::warn!(
                        mail = mail.id,
                        attempts,
                        "mail given up: no attempt ever ended"
                    );
                } else {
                    tracing::warn!(
                        mail = mail.id,
                        attempts,
                        "mail given up: every attempt used"
                    );
                }
                crate::db::cached(
                    diesel::sql_query(
                        "UPDATE mail_outbox SET status = 'dead', locked_until = NULL, \
                         last_error = COALESCE(last_error, $2) WHERE id = $1 AND locked_until = $3",
                    )
                    .bind::<BigInt, _>(mail.id)
                    .bind::<Text, _>(crate::approvals::term("mail.error.never_ended"))
                    .bind::<Timestamptz, _>(token),
                )
                .execute(&mut conn)
                .await?;
                continue;
            }
            let result = self.send(&mail).await;
            match result {
                Ok(()) => {
                    // Sent, an approval link's token has done its part here: the
                    // stored copy keeps the mail without it (the approver's
                    // mailbox has it; the database and its backups need not).
                    let hidden = |body: &str| match hide_tokens(body) {
                        Cow::Owned(b) => Some(b),
                        Cow::Borrowed(_) => None,
                    };
                    crate::db::cached(
                        diesel::sql_query(
                            "UPDATE mail_outbox SET status = 'sent', sent_at = now(), \
                             locked_until = NULL, last_error = NULL, \
                             body_text = COALESCE($3, body_text), \
                             body_html = COALESCE($4, body_html) \
                             WHERE id = $1 AND locked_until = $2",
                        )
                        .bind::<BigInt, _>(mail.id)
                        .bind::<Timestamptz, _>(token)
                        .bind::<Nullable<Text>, _>(hidden(&mail.body_text))
                        .bind::<Nullable<Text>, _>(hidden(&mail.body_html)),
                    )
                    .execute(&mut conn)
                    .await?;
                }
                Err(Failure::Dead(e)) => {
                    tracing::warn!(mail = mail.id, error = %e, "mail refused for good");
                    crate::db::cached(
                        diesel::sql_query(
                            "UPDATE mail_outbox SET status = 'dead', locked_until = NULL, \
                             last_error = $2 WHERE id = $1 AND locked_until = $3",
                        )
                        .bind::<BigInt, _>(mail.id)
                        .bind::<Text, _>(e)
                        .bind::<Timestamptz, _>(token),
                    )
                    .execute(&mut conn)
                    .await?;
                }
                Err(Failure::Retry(e)) => {
                    let wait = self.backoff(attempts);
                    tracing::info!(mail = mail.id, attempts, error = %e, "mail will be retried");
                    crate::db::cached(
                        diesel::sql_query(
                            "UPDATE mail_outbox SET locked_until = NULL, last_error = $2, \
                             next_attempt_at = now() + make_interval(secs => $3), \
                             status = CASE WHEN attempts >= $4 THEN 'dead' ELSE 'pending' END \
                             WHERE id = $1 AND locked_until = $5",
                        )
                        .bind::<BigInt, _>(mail.id)
                        .bind::<Text, _>(e)
                        .bind::<Double, _>(wait.as_secs_f64())
                        .bind::<Int4, _>(MAX_ATTEMPTS)
                        .bind::<Timestamptz, _>(token),
                    )
                    .execute(&mut conn)
                    .await?;
                }
            }
        }
        Ok(n)
    }

    /// Exponential backoff with ±50 % jitter, so retries of many mails spread out.
    fn backoff(&self, attempts: i32) -> Duration {
        let exp = 2f64.powi((attempts - 1).clamp(0, 20));
        let base = (self.base_backoff.as_secs_f64() * exp).min(MAX_BACKOFF.as_secs_f64());
        Duration::from_secs_f64(base * rand::thread_rng().gen_range(0.5..1.5))
    }

    /// `MAIL_FROM` as configured, or, when it gives no name, with the site's
    /// name in `locale`: an English reader's mail comes from "Customer Service
    /// Intranet", a Chinese reader's from 客服部内网.
    fn sender(&self, locale: &str) -> Mailbox {
        match &self.from.name {
            Some(_) => self.from.clone(),
            None => {
                let loc = crate::i18n::Locale::parse(locale).unwrap_or_default();
                Mailbox::new(Some(loc.t("app.name").to_owned()), self.from.email.clone())
            }
        }
    }

    async fn send(&self, mail: &Claimed) -> Result<(), Failure> {
        let to: Mailbox = match mail.to_addr.parse::<lettre::Address>() {
            Ok(addr) => Mailbox::new(Some(mail.to_name.clone()), addr),
            Err(e) => return Err(Failure::Dead(worker_said("bad_address", &e))),
        };
        let message = Message::builder()
            .message_id(Some(self.message_id(mail.id)))
            .from(self.sender(&mail.locale))
            .to(to)
            .subject(super::one_line(&mail.subject))
            .multipart(MultiPart::alternative_plain_html(
                mail.body_text.clone(),
                mail.body_html.clone(),
            ))
            .map_err(|e| Failure::Dead(worker_said("building", &e)))?;
        match self.transport.send(message).await {
            Ok(_) => Ok(()),
            Err(e) if refused_for_good(e.is_permanent(), &e.to_string()) => {
                Err(Failure::Dead(crate::approvals::typed(&e.to_string())))
            }
            Err(e) => Err(Failure::Retry(crate::approvals::typed(&e.to_string()))),
        }
    }

    /// Runs until no due mail is left (tests, `kefu run-job`).
    pub async fn drain(&self) -> anyhow::Result<()> {
        while self.run_once().await? > 0 {}
        Ok(())
    }

    /// Runs in the background for the life of the process.
    pub fn spawn(self) -> tokio::task::JoinHandle<()> {
        tokio::spawn(async move {
            loop {
                // A panic ends this round, not the worker: its leases run out
                // and the mail is taken again.
                let round = std::panic::AssertUnwindSafe(self.run_once()).catch_unwind();
                match round.await {
                    Ok(Ok(n)) if n > 0 => continue,
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => tracing::error!(error = %format!("{e:#}"), "mail worker"),
                    Err(_) => tracing::error!("mail worker: a round panicked"),
                }
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
        })
    }
}

/// Whether a refusal ends this one mail: a permanent one whose enhanced status
/// names the recipient's address or mailbox (5.1.1 no such user, 5.1.2 no such
/// domain, 5.1.3 bad address, 5.1.6 moved, 5.1.10 null MX, 5.2.1 disabled,
/// 5.2.2 full). Any other refusal may be of the server's or kefu's set-up (a
/// refused sign-in, the sender refused, relaying denied) and would refuse every
/// mail alike until someone mends it: those are retried with the rest (at most
/// [`MAX_ATTEMPTS`] times), with the error on the mail's admin page.
fn refused_for_good(permanent: bool, text: &str) -> bool {
    const RECIPIENT: [&str; 7] = [
        "5.1.1", "5.1.2", "5.1.3", "5.1.6", "5.1.10", "5.2.1", "5.2.2",
    ];
    let enhanced = text
        .split(|c: char| c.is_whitespace() || c == ':')
        .find(|w| {
            let parts: Vec<&str> = w.split('.').collect();
            parts.len() == 3
                && parts
                    .iter()
                    .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()))
        });
    permanent && enhanced.is_some_and(|e| RECIPIENT.contains(&e))
}

/// Why the worker gave a mail up, stored as a catalog term (`mail.error.*`,
/// shown in each reader's language) followed by the library's own words.
fn worker_said(what: &str, detail: &dyn std::fmt::Display) -> String {
    format!(
        "{}{}",
        crate::approvals::term(&format!("mail.error.{what}")),
        crate::approvals::typed(&detail.to_string())
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_smtp_urls_credentials_are_read_as_the_relay_knows_them() {
        let read = |url: &str| credentials_of(&url::Url::parse(url).unwrap()).unwrap();
        assert_eq!(
            read("smtp://kefu%2Bcs%40corp.cn:p%40ss%3Aw%25rd@relay:587"),
            Some(("kefu+cs@corp.cn".into(), "p@ss:w%rd".into()))
        );
        assert_eq!(
            read("smtp://kefu+cs:secret@relay"),
            Some(("kefu+cs".into(), "secret".into()))
        );
        assert_eq!(read("smtp://relay:25"), None);
    }

    #[test]
    fn a_password_goes_over_tls_unless_the_url_says_otherwise() {
        let security = |url: &str| security_of(&url::Url::parse(url).unwrap());
        assert_eq!(security("smtp://relay").unwrap(), Security::Plain);
        assert_eq!(
            security("smtp://kefu:pw@relay:587").unwrap(),
            Security::Required
        );
        assert_eq!(
            security("smtp://kefu:pw@relay?tls=none").unwrap(),
            Security::Plain
        );
        assert_eq!(
            security("smtp://relay?tls=opportunistic").unwrap(),
            Security::Opportunistic
        );
        assert_eq!(
            security("smtp://relay?tls=required").unwrap(),
            Security::Required
        );
        assert_eq!(
            security("smtps://kefu:pw@relay").unwrap(),
            Security::Wrapper
        );
        assert!(security("smtp://relay?tls=yes").is_err());
        assert!(
            security("smtp://kefu:pw@relay?tls=opportunistic").is_err(),
            "a password never left to chance"
        );
        assert!(security("smtps://relay?tls=none").is_err());
        assert!(security("http://relay").is_err());
    }

    #[test]
    fn only_a_refusal_of_the_recipient_ends_a_mail() {
        let cases = [
            ("permanent error (550): 5.1.1 mailbox unavailable", true),
            ("permanent error (552): 5.2.2 mailbox full", true),
            ("permanent error (554): 5.1.10 null MX", true),
            (
                "permanent error (553): 5.1.8 sender domain not found",
                false,
            ),
            ("permanent error (550): 5.7.1 sender not allowed", false),
            ("permanent error (554): 5.7.1 relay access denied", false),
            ("permanent error (535): 5.7.8 authentication failed", false),
            ("permanent error (550): relay not permitted", false),
        ];
        for (text, dead) in cases {
            assert_eq!(refused_for_good(true, text), dead, "{text}");
        }
        assert!(!refused_for_good(
            false,
            "transient error (450): 4.2.1 busy"
        ));
    }
}
