//! The mail outbox and its worker, against a real SMTP server.
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::i18n::Locale;
use kefu::mail::{Recipient, Rendered, Worker};
use kefu::schema::mail_outbox;
use reqwest::StatusCode;
use std::collections::HashSet;
use std::time::{Duration, Instant};

use crate::helpers::*;
use crate::smtp::SmtpServer;

/// A worker with its own pool, retrying quickly (tests cannot wait minutes).
pub fn worker(app: &TestApp) -> Worker {
    let pool = kefu::db::pool(&app.db_url, 2).unwrap();
    let mut w = Worker::new(pool, &app.config)
        .unwrap()
        .expect("the app has an SMTP_URL");
    w.base_backoff = Duration::from_millis(20);
    w
}

async fn queue(app: &TestApp, n: usize, to: &str) {
    let mut conn = app.db().await;
    for i in 0..n {
        let rcpt = Recipient {
            email: to.into(),
            name: format!("收件人 {i}"),
            locale: Locale::ZhCn,
        };
        let mail = Rendered {
            subject: format!("测试邮件 {i}"),
            text: format!("第 {i} 封"),
            html: format!("<p>第 {i} 封</p>"),
        };
        kefu::mail::enqueue(&mut conn, &format!("test:{i}"), "test", &rcpt, &mail)
            .await
            .unwrap();
    }
}

async fn count(app: &TestApp, status: &str) -> i64 {
    let mut conn = app.db().await;
    mail_outbox::table
        .filter(mail_outbox::status.eq(status))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_same_idempotency_key_queues_one_mail() {
    let app = TestApp::spawn().await;

    queue(&app, 3, "a@example.com").await;
    queue(&app, 3, "a@example.com").await;

    assert_eq!(count(&app, "pending").await, 3);
}

#[tokio::test]
async fn without_smtp_mail_is_kept_and_admins_read_both_parts() {
    let app = TestApp::spawn().await;
    queue(&app, 1, "wang@example.com").await;
    assert!(
        Worker::new(kefu::db::pool(&app.db_url, 1).unwrap(), &app.config)
            .unwrap()
            .is_none()
    );
    let admin = app.login_as(Role::Admin).await;

    let (status, list) = admin.page("/admin/mail").await;

    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("测试邮件 0"), "{list}");
    assert!(list.contains("待发送"));
    let mut conn = app.db().await;
    let id: i64 = mail_outbox::table
        .select(mail_outbox::id)
        .first(&mut conn)
        .await
        .unwrap();
    let (_, detail) = admin.page(&format!("/admin/mail/{id}")).await;
    assert!(text_of(&detail, ".recipients")
        .unwrap()
        .contains("wang@example.com"));
    assert_eq!(text_of(&detail, ".mail-text").unwrap(), "第 0 封");
    assert!(text_of(&detail, ".mail-html")
        .unwrap()
        .contains("<p>第 0 封</p>"));
    // The preview frame's page: the HTML part under its own sandboxing policy.
    let part = admin.get(&format!("/admin/mail/{id}/html")).await;
    let csp = part.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("sandbox") && csp.contains("style-src 'unsafe-inline'"),
        "{csp}"
    );
    assert!(part.text().await.unwrap().contains("<p>第 0 封</p>"));
    let employee = app.login_as(Role::Employee).await;
    assert_eq!(
        employee
            .get(&format!("/admin/mail/{id}/html"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        employee.get("/admin/mail").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn mail_queued_while_the_server_is_down_arrives_once_when_it_is_back() {
    let mut smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    let w = worker(&app);
    queue(&app, 200, "staff@example.com").await;
    smtp.stop();

    let tried = w.run_once().await.unwrap() + w.run_once().await.unwrap();
    assert!(tried > 0, "the worker tried while the server was down");
    assert_eq!(count(&app, "sent").await, 0);
    assert_eq!(
        count(&app, "pending").await,
        200,
        "nothing lost or given up"
    );

    smtp.resume();
    let deadline = Instant::now() + Duration::from_secs(90);
    while count(&app, "sent").await < 200 {
        assert!(Instant::now() < deadline, "not all mail was sent");
        if w.run_once().await.unwrap() == 0 {
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    let got = smtp.messages();
    assert_eq!(got.len(), 200, "each mail arrived exactly once");
    let ids: HashSet<_> = got.iter().map(|m| m.message_id.clone()).collect();
    assert_eq!(ids.len(), 200);
    let subjects: HashSet<_> = got.iter().map(|m| m.subject.clone()).collect();
    assert_eq!(subjects.len(), 200);
}

#[tokio::test]
async fn mail_reaches_a_relay_that_asks_for_tls_and_a_password() {
    let smtp = SmtpServer::start_tls("kefu@corp.cn", "p@ss:w%rd");
    // No tls= in the URL: with a password, STARTTLS is required.
    let url = format!(
        "smtp://kefu%40corp.cn:p%40ss%3Aw%25rd@127.0.0.1:{}",
        smtp.port
    );
    let ca = smtp.ca_file();
    let app = TestApp::spawn_with(|c| {
        c.smtp_url = Some(url);
        c.smtp_ca_file = Some(ca);
    })
    .await;
    queue(&app, 2, "staff@example.com").await;

    worker(&app).drain().await.unwrap();

    assert_eq!(count(&app, "sent").await, 2);
    let got = smtp.to("staff@example.com");
    assert_eq!(got.len(), 2);
    for m in &got {
        assert!(m.tls, "sent over TLS");
        assert_eq!(m.user.as_deref(), Some("kefu@corp.cn"));
    }
}

#[tokio::test]
async fn mail_reaches_a_relay_that_speaks_tls_from_the_first_byte() {
    let smtp = SmtpServer::start_tls_wrapped("kefu", "secret");
    let url = format!("smtps://kefu:secret@127.0.0.1:{}", smtp.port);
    let ca = smtp.ca_file();
    let app = TestApp::spawn_with(|c| {
        c.smtp_url = Some(url);
        c.smtp_ca_file = Some(ca);
    })
    .await;
    queue(&app, 1, "staff@example.com").await;

    worker(&app).drain().await.unwrap();

    let got = smtp.to("staff@example.com");
    assert_eq!(got.len(), 1);
    assert!(got[0].tls);
    assert_eq!(got[0].user.as_deref(), Some("kefu"));
}

#[tokio::test]
async fn a_relay_no_trusted_authority_vouches_for_gets_neither_mail_nor_password() {
    let smtp = SmtpServer::start_tls("kefu", "secret");
    let url = format!("smtp://kefu:secret@127.0.0.1:{}", smtp.port);
    // The relay's authority is not among the system's, and no SMTP_CA_FILE.
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    queue(&app, 1, "staff@example.com").await;

    worker(&app).run_once().await.unwrap();

    assert!(smtp.messages().is_empty());
    assert_eq!(count(&app, "pending").await, 1, "kept to be tried again");
    let mut conn = app.db().await;
    let error: Option<String> = mail_outbox::table
        .select(mail_outbox::last_error)
        .first(&mut conn)
        .await
        .unwrap();
    let error = error.expect("the failure is recorded");
    assert!(error.to_lowercase().contains("certificate"), "{error}");

    // An authority file that cannot be read stops the worker from starting,
    // rather than sending without it.
    let mut config = app.config.clone();
    config.smtp_ca_file = Some(smtp.dir.join("missing.pem"));
    let pool = kefu::db::pool(&app.db_url, 1).unwrap();
    let e = Worker::new(pool.clone(), &config).err().expect("refused");
    assert!(e.to_string().contains("SMTP_CA_FILE"), "{e}");
    // Nor one that holds no certificate (the relay's key, here).
    config.smtp_ca_file = Some(smtp.dir.join("key.pem"));
    let e = Worker::new(pool, &config).err().expect("refused");
    assert!(e.to_string().contains("holds no PEM certificate"), "{e}");
}

#[tokio::test]
async fn two_workers_with_their_own_pools_send_every_mail_once() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    queue(&app, 1000, "staff@example.com").await;
    let (a, b) = (worker(&app), worker(&app));

    let (ra, rb) = tokio::join!(a.drain(), b.drain());
    ra.unwrap();
    rb.unwrap();

    assert_eq!(count(&app, "sent").await, 1000);
    let got = smtp.messages();
    assert_eq!(got.len(), 1000, "none twice, none lost");
    let ids: HashSet<_> = got.iter().map(|m| m.message_id.clone()).collect();
    assert_eq!(ids.len(), 1000, "1000 distinct Message-IDs");
}

#[tokio::test]
async fn a_lease_left_by_a_crashed_worker_is_taken_over() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    queue(&app, 2, "staff@example.com").await;
    let mut conn = app.db().await;
    // A worker claimed both and died: one lease still runs, one has run out.
    diesel::sql_query(
        "UPDATE mail_outbox SET attempts = 1, locked_until = CASE WHEN idempotency_key = 'test:0' \
         THEN now() - interval '1 second' ELSE now() + interval '1 hour' END",
    )
    .execute(&mut conn)
    .await
    .unwrap();

    worker(&app).drain().await.unwrap();

    let got = smtp.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].subject, "测试邮件 0");
}

#[tokio::test]
async fn a_mail_whose_lease_ran_out_during_a_slow_batch_is_sent_once() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    // Two mails the relay takes 0.7 s each to accept, then a quick one.
    queue(&app, 2, "slow@example.com").await;
    let mut conn = app.db().await;
    let rcpt = Recipient {
        email: "quick@example.com".into(),
        name: "收件人".into(),
        locale: Locale::ZhCn,
    };
    let mail = Rendered {
        subject: "第三封".into(),
        text: "第三封".into(),
        html: "<p>第三封</p>".into(),
    };
    kefu::mail::enqueue(&mut conn, "test:quick", "test", &rcpt, &mail)
        .await
        .unwrap();
    // Leases of a second: A's batch outlasts the quick mail's lease, which B
    // takes over meanwhile.
    let (mut a, mut b) = (worker(&app), worker(&app));
    a.lease = Duration::from_secs(1);
    b.lease = Duration::from_secs(1);
    let later = async {
        tokio::time::sleep(Duration::from_millis(1150)).await;
        b.run_once().await
    };
    let (ra, rb) = tokio::join!(a.run_once(), later);
    assert_eq!(ra.unwrap(), 3, "A claimed all three");
    rb.unwrap();
    // Whoever sent it, the quick one arrived once.
    a.drain().await.unwrap();
    let got = smtp.to("quick@example.com");
    assert_eq!(got.len(), 1, "sent once");
    assert_eq!(smtp.to("slow@example.com").len(), 2);
    assert_eq!(count(&app, "sent").await, 3);
    // Tried once, though claimed twice: the claim A never got to is no attempt.
    let attempts: i32 = mail_outbox::table
        .filter(mail_outbox::idempotency_key.eq("test:quick"))
        .select(mail_outbox::attempts)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(attempts, 1);
}

/// A mail server that cannot be reached for hours (down over a weekend) loses
/// no mail: a failed attempt is tried again, for about three days of hourly
/// tries, and only then given up with the error that stopped it.
#[tokio::test]
async fn mail_the_server_refuses_for_hours_is_tried_for_days_before_given_up() {
    // Nothing listens on this port: every attempt fails to connect.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("smtp://{}", closed.local_addr().unwrap());
    drop(closed);
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    queue(&app, 2, "staff@example.com").await;
    let mut conn = app.db().await;
    // Twelve hours of failures behind the first, three days behind the second.
    diesel::sql_query(
        "UPDATE mail_outbox SET last_error = 'connection refused', attempts = CASE \
         WHEN idempotency_key = 'test:0' THEN 19 ELSE 79 END",
    )
    .execute(&mut conn)
    .await
    .unwrap();

    worker(&app).run_once().await.unwrap();

    let rows: Vec<(String, i32, bool)> = mail_outbox::table
        .order(mail_outbox::idempotency_key)
        .select((
            mail_outbox::status,
            mail_outbox::attempts,
            mail_outbox::next_attempt_at.gt(diesel::dsl::now),
        ))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        rows,
        [("pending".into(), 20, true), ("dead".into(), 80, true)],
        "the first tried again later, the second given up"
    );
    let why: Option<String> = mail_outbox::table
        .filter(mail_outbox::idempotency_key.eq("test:1"))
        .select(mail_outbox::last_error)
        .first(&mut conn)
        .await
        .unwrap();
    let why = why.expect("why it was given up");
    assert!(
        why != "connection refused" && !why.contains("never_ended"),
        "this attempt's own error: {why}"
    );
}

/// A mail whose every attempt was begun and never ended (the worker died while
/// sending it, each time) is given up, not tried for ever.
#[tokio::test]
async fn a_mail_no_attempt_of_which_ever_ended_is_given_up() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    queue(&app, 2, "staff@example.com").await;
    let mut conn = app.db().await;
    // Twelve attempts begun on the first, none recorded as ended; eleven on the second.
    diesel::sql_query(
        "UPDATE mail_outbox SET attempts = CASE WHEN idempotency_key = 'test:0' \
         THEN 12 ELSE 11 END",
    )
    .execute(&mut conn)
    .await
    .unwrap();

    worker(&app).drain().await.unwrap();

    let got = smtp.messages();
    assert_eq!(got.len(), 1, "the second has one attempt left");
    assert_eq!(got[0].subject, "测试邮件 1");
    let (id, status): (i64, String) = mail_outbox::table
        .filter(mail_outbox::idempotency_key.eq("test:0"))
        .select((mail_outbox::id, mail_outbox::status))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(status, "dead");
    // The admin reads why in their language.
    let admin = app.login_as(Role::Admin).await;
    let (_, zh) = admin.page(&format!("/admin/mail/{id}")).await;
    let why = text_of(&zh, "#last-error").unwrap();
    assert!(why.contains("没有一次发送尝试正常结束"), "{why}");
    let (_, en) = admin.page(&format!("/admin/mail/{id}?lang=en")).await;
    let why = text_of(&en, "#last-error").unwrap();
    assert!(why.contains("no attempt to send it ever ended"), "{why}");
}

#[tokio::test]
async fn a_permanent_refusal_is_dead_and_an_admin_can_retry_it() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    queue(&app, 1, "reject-me@example.com").await;

    worker(&app).drain().await.unwrap();

    assert_eq!(count(&app, "dead").await, 1);
    assert!(smtp.messages().is_empty());
    let mut conn = app.db().await;
    let (id, error): (i64, Option<String>) = mail_outbox::table
        .select((mail_outbox::id, mail_outbox::last_error))
        .first(&mut conn)
        .await
        .unwrap();
    assert!(error.unwrap().contains("550"));
    let admin = app.login_as(Role::Admin).await;
    // The server's reply as it gave it, after what to do in the admin's language.
    let (_, page) = admin.page(&format!("/admin/mail/{id}")).await;
    let why = text_of(&page, "#last-error").unwrap();
    assert!(why.starts_with("邮件已停止发送"), "{why}");
    assert!(why.contains("550"), "{why}");
    let (_, en) = admin.page(&format!("/admin/mail/{id}?lang=en")).await;
    let why = text_of(&en, "#last-error").unwrap();
    assert!(
        why.starts_with("This mail is no longer being sent"),
        "{why}"
    );
    assert!(why.contains("550"), "{why}");
    let res = admin.post(&format!("/admin/mail/{id}/retry"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(count(&app, "pending").await, 1);
}

#[tokio::test]
async fn no_header_can_be_injected_through_a_name_or_subject() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    let mut conn = app.db().await;
    let rcpt = Recipient {
        email: "staff@example.com".into(),
        name: "王芳\r\nBcc: evil@example.com".into(),
        locale: Locale::ZhCn,
    };
    let mail = Rendered {
        subject: "请假\r\nBcc: evil@example.com".into(),
        text: "x".into(),
        html: "<p>x</p>".into(),
    };
    kefu::mail::enqueue(&mut conn, "inject", "test", &rcpt, &mail)
        .await
        .unwrap();

    worker(&app).drain().await.unwrap();

    let got = smtp.messages();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].rcpt_tos, vec!["staff@example.com".to_string()]);
    assert!(!got[0].headers.iter().any(|h| h.eq_ignore_ascii_case("bcc")));
}

#[tokio::test]
async fn mail_is_written_in_the_recipients_language() {
    let app = TestApp::spawn().await;
    let mut conn = app.db().await;
    crate::approvals::set_locale(&app, "supervisor", "en").await;
    let employee = app.login_as(Role::Employee).await;

    crate::approvals::file_leave(&employee).await;

    let (subject, text, html, locale): (String, String, String, String) = mail_outbox::table
        .select((
            mail_outbox::subject,
            mail_outbox::body_text,
            mail_outbox::body_html,
            mail_outbox::locale,
        ))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(locale, "en");
    assert!(subject.starts_with("[To approve]"), "{subject}");
    assert!(text.contains("Personal leave (事假)"), "{text}");
    assert!(html.contains(r#"<html lang="en">"#));
}

/// The outbox names a mail's kind and language for the admin who reads it, and
/// shows an approval link without its token: the link is its recipient's.
#[tokio::test]
async fn the_outbox_names_a_mails_kind_and_language_and_hides_approval_tokens() {
    let app = TestApp::spawn().await;
    crate::approvals::file_leave(&app.login_as(Role::Employee).await).await;
    let id: i64 = mail_outbox::table
        .filter(mail_outbox::message.eq("approval_request"))
        .select(mail_outbox::id)
        .first(&mut app.db().await)
        .await
        .unwrap();
    let admin = app.login_as(Role::Admin).await;
    let (_, zh) = admin.page(&format!("/admin/mail/{id}?lang=zh-CN")).await;
    assert_eq!(
        text_of(&zh, "#mail-kind").as_deref(),
        Some("审批请求 approval_request · 简体中文")
    );
    let (_, en) = admin.page(&format!("/admin/mail/{id}?lang=en")).await;
    assert!(text_of(&en, "#mail-kind")
        .unwrap()
        .starts_with("Approval request"));

    let sent: String = mail_outbox::table
        .find(id)
        .select(mail_outbox::body_text)
        .first(&mut app.db().await)
        .await
        .unwrap();
    let at = sent
        .find("/approvals/link/")
        .expect("the mail has its link")
        + 16;
    let token = &sent[at..at + 64];
    assert!(!zh.contains(token) && !en.contains(token));
    assert!(text_of(&zh, ".mail-text")
        .unwrap()
        .contains("/approvals/link/…"));
    assert!(text_of(&zh, "#links-hidden")
        .unwrap()
        .contains("收件人本人"));
    let part = admin.get(&format!("/admin/mail/{id}/html")).await;
    let part = part.text().await.unwrap();
    assert!(
        part.contains("/approvals/link/…") && !part.contains(token),
        "{part}"
    );
}

#[tokio::test]
async fn a_refusal_of_the_servers_set_up_is_retried_not_given_up() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    // The relay refuses this sender, and relays nothing to that domain.
    let app = TestApp::spawn_with(|c| {
        c.smtp_url = Some(url);
        c.mail_from = "refused-sender@kefu.example.com".into();
    })
    .await;
    queue(&app, 1, "staff@example.com").await;
    worker(&app).drain().await.unwrap();
    assert_eq!(count(&app, "dead").await, 0);
    assert_eq!(count(&app, "pending").await, 1);
    let error: Option<String> = mail_outbox::table
        .select(mail_outbox::last_error)
        .first(&mut app.db().await)
        .await
        .unwrap();
    assert!(error.unwrap().contains("sender not allowed"));

    // A sender's domain the relay does not know: 553, and still kefu's set-up.
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| {
        c.smtp_url = Some(url);
        c.mail_from = "unknown-sender@kefu.example.com".into();
    })
    .await;
    queue(&app, 1, "staff@example.com").await;
    worker(&app).drain().await.unwrap();
    assert_eq!(count(&app, "dead").await, 0);
    assert_eq!(count(&app, "pending").await, 1);

    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    queue(&app, 1, "relay-me@elsewhere.example").await;
    worker(&app).drain().await.unwrap();
    assert_eq!(count(&app, "dead").await, 0);
    assert_eq!(count(&app, "pending").await, 1);
}

/// Without a sender's name configured, each mail comes from the site's name
/// in the language it is written in; a configured name is kept.
#[tokio::test]
async fn a_mail_comes_from_the_sites_name_in_its_readers_language() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    let mut conn = app.db().await;
    for (email, locale) in [
        ("zh@example.com", Locale::ZhCn),
        ("en@example.com", Locale::En),
    ] {
        let rcpt = Recipient {
            email: email.into(),
            name: "王芳".into(),
            locale,
        };
        let mail = Rendered {
            subject: "测试".into(),
            text: "x".into(),
            html: "<p>x</p>".into(),
        };
        kefu::mail::enqueue(&mut conn, email, "test", &rcpt, &mail)
            .await
            .unwrap();
    }

    worker(&app).drain().await.unwrap();

    let from = |to: &str| smtp.to(to)[0].from.clone();
    assert_eq!(from("zh@example.com"), "客服部内网 <kefu@kefu.localhost>");
    assert_eq!(
        from("en@example.com"),
        "Customer Service Intranet <kefu@kefu.localhost>"
    );

    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| {
        c.smtp_url = Some(url);
        c.mail_from = "锦绣物业客服 <kefu@kefu.localhost>".into();
    })
    .await;
    queue(&app, 1, "staff@example.com").await;
    worker(&app).drain().await.unwrap();
    assert_eq!(
        smtp.to("staff@example.com")[0].from,
        "锦绣物业客服 <kefu@kefu.localhost>"
    );
}

/// The few mails given up are found by their own index, however much mail was
/// sent before and after them: the filtered page reads about what the first does.
#[tokio::test]
async fn the_dead_mail_filter_reads_no_more_than_the_first_page() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    app.db()
        .await
        .batch_execute(
            "INSERT INTO mail_outbox (idempotency_key, message, to_addr, to_name, locale, \
                 subject, body_text, body_html, status, last_error) \
             SELECT 'bulk:' || g, 'test', 'a@example.com', 'A', 'zh-CN', '主题', '正文', '<p>正文</p>', \
                 CASE WHEN g = 1 THEN 'dead' ELSE 'sent' END, \
                 CASE WHEN g = 1 THEN '550 5.1.1 no such user' END \
             FROM generate_series(1, 20000) g",
        )
        .await
        .unwrap();

    let (_, dead) = admin.page("/admin/mail?status=dead").await;
    assert_eq!(texts_of(&dead, "tbody tr").len(), 1, "the one given up");
    let first = app.blocks_read_for(&admin, "/admin/mail").await;
    let filtered = app.blocks_read_for(&admin, "/admin/mail?status=dead").await;
    assert!(
        filtered <= first + 20,
        "{filtered} buffers read for the dead mail, {first} for the first page"
    );
}
