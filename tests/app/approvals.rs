//! The approvals engine through leave requests: email links safe against mail
//! scanners, decisions, deputies, reminders and escalation.
use chrono::{Duration, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::schema::{
    approval_events, approval_links, approval_requests, approval_tasks, leave_requests, users,
};
use reqwest::{header, StatusCode};

use crate::helpers::*;
use crate::mail::worker;
use crate::smtp::{link_in, SmtpServer};

pub fn today() -> NaiveDate {
    Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

pub fn day(offset: i64) -> String {
    (today() + Duration::days(offset)).to_string()
}

pub fn mail_of(role: Role) -> String {
    format!("{}@kefu.example.com", username(role))
}

pub async fn user_id(app: &TestApp, name: &str) -> i64 {
    let mut conn = app.db().await;
    users::table
        .filter(users::username.eq(name))
        .select(users::id)
        .first(&mut conn)
        .await
        .unwrap()
}

/// `b` names `deputy` (a username) to decide for them from today for six days.
async fn name_deputy(b: &Browser, deputy: &str) {
    let res = b
        .submit(
            "/approvals/deputies",
            "/approvals/deputies",
            &[
                ("deputy", deputy),
                ("starts_on", &day(0)),
                ("ends_on", &day(5)),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{deputy} named");
}

/// Files leave for tomorrow and the day after; returns the leave's id.
pub async fn file_leave(b: &Browser) -> i64 {
    file_leave_from(b, 1).await
}

/// Files two days' leave from `from` days ahead; returns the leave's id.
pub async fn file_leave_from(b: &Browser, from: i64) -> i64 {
    let (start, end) = (day(from), day(from + 1));
    let res = b
        .submit(
            "/leave/new",
            "/leave/new",
            &[
                ("leave_type", "事假"),
                ("start_date", &start),
                ("end_date", &end),
                ("reason", "家中有事"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "leave filed");
    location(&res)
        .trim_start_matches("/leave/")
        .parse()
        .unwrap()
}

/// The employee changes pending leave `leave` to annual leave for two days from
/// `from` days ahead, because of "改期"; returns its new first day.
pub async fn reschedule_leave(b: &Browser, leave: i64, from: i64) -> String {
    let (start, end) = (day(from), day(from + 1));
    let res = b
        .post(
            &format!("/leave/{leave}/edit"),
            &[
                ("leave_type", "年假"),
                ("start_date", &start),
                ("end_date", &end),
                ("reason", "改期"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "leave edited");
    start
}

/// (request status, number of decisions on the trail, links used).
async fn state(app: &TestApp) -> (String, i64, i64) {
    let mut conn = app.db().await;
    let status: String = approval_requests::table
        .select(approval_requests::status)
        .first(&mut conn)
        .await
        .unwrap();
    let decisions: i64 = approval_events::table
        .filter(approval_events::action.eq_any(["approved", "rejected"]))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    let used: i64 = approval_links::table
        .filter(approval_links::used_at.is_not_null())
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    (status, decisions, used)
}

/// Makes `username` read the site and their mail in `locale`.
pub async fn set_locale(app: &TestApp, username: &str, locale: &str) {
    let mut conn = app.db().await;
    diesel::update(users::table.filter(users::username.eq(username)))
        .set(users::locale.eq(locale))
        .execute(&mut conn)
        .await
        .unwrap();
}

/// An app with a real SMTP server, an employee's leave filed, and the
/// supervisor's approval mail delivered; returns the mail's link.
async fn filed_and_mailed() -> (SmtpServer, TestApp, Browser, String) {
    filed_and_mailed_in("zh-CN").await
}

/// As [`filed_and_mailed`], with the supervisor reading `locale`.
async fn filed_and_mailed_in(locale: &str) -> (SmtpServer, TestApp, Browser, String) {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    set_locale(&app, "supervisor", locale).await;
    let employee = app.login_as(Role::Employee).await;
    file_leave(&employee).await;
    worker(&app).drain().await.unwrap();
    let mails = smtp.to(&mail_of(Role::CsSupervisor));
    assert_eq!(mails.len(), 1, "the supervisor's approval mail arrived");
    let link = link_in(&mails[0].text);
    (smtp, app, employee, link)
}

async fn signed_in_at(app: &TestApp, role: Role, next: &str) -> Browser {
    let b = app.browser();
    let res = b
        .post(
            "/login",
            &[
                ("username", username(role)),
                ("password", PASSWORD),
                ("next", next),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), next, "sign-in lands back on the link");
    b
}

#[tokio::test]
async fn leave_is_approved_from_the_mail_link_after_sign_in_and_the_employee_is_told() {
    let (smtp, app, _employee, link) = filed_and_mailed().await;
    let mail = &smtp.to(&mail_of(Role::CsSupervisor))[0];
    assert!(mail.subject.contains("待审批"), "{}", mail.subject);
    assert!(
        mail.to.contains("supervisor@kefu.example.com"),
        "{}",
        mail.to
    );
    assert!(mail.text.contains("员工 赵磊"));
    assert!(mail.html.contains(&link));

    // A mail scanner (no session) opens the link, HEADs it and presses the buttons.
    let scanner = app.browser();
    let get = scanner.get(&link).await;
    assert_eq!(get.status(), StatusCode::SEE_OTHER);
    assert!(location(&get).starts_with("/login?next=%2Fapprovals%2Flink%2F"));
    assert_eq!(get.headers()[header::REFERRER_POLICY], "no-referrer");
    let head = scanner
        .client
        .head(scanner.url(&link))
        .send()
        .await
        .unwrap();
    assert_ne!(head.status(), StatusCode::OK);
    let post = scanner
        .post_raw(&link, &[("decision", "approve"), ("comment", "")])
        .await;
    assert_eq!(post.status(), StatusCode::FORBIDDEN);
    // Even with a CSRF token of its own (anonymous session) nothing is decided.
    let post = scanner.post(&link, &[("decision", "approve")]).await;
    assert_eq!(post.status(), StatusCode::SEE_OTHER);
    assert!(location(&post).starts_with("/login"));
    assert_eq!(state(&app).await, ("pending".into(), 0, 0));

    // The supervisor signs in from the link and lands back on it.
    let supervisor = signed_in_at(&app, Role::CsSupervisor, &link).await;
    let page = supervisor.get(&link).await;
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()[header::REFERRER_POLICY], "no-referrer");
    let body = page.text().await.unwrap();
    assert!(body.contains("家中有事"));
    assert!(body.contains(r#"name="decision" value="approve""#));
    let head = supervisor
        .client
        .head(supervisor.url(&link))
        .send()
        .await
        .unwrap();
    assert_eq!(head.status(), StatusCode::OK);
    assert_eq!(
        state(&app).await,
        ("pending".into(), 0, 0),
        "showing decides nothing"
    );
    let csrf = csrf_in(&body).unwrap();
    let res = supervisor
        .post_raw(
            &link,
            &[
                ("decision", "approve"),
                ("comment", "同意，注意交接"),
                ("csrf_token", &csrf),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    assert_eq!(state(&app).await, ("approved".into(), 1, 1));
    let mut conn = app.db().await;
    let leave_status: String = leave_requests::table
        .select(leave_requests::status)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(leave_status, "approved");
    let via: Option<String> = approval_tasks::table
        .select(approval_tasks::via)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(via.as_deref(), Some("email"));
    worker(&app).drain().await.unwrap();
    let told = smtp.to(&mail_of(Role::Employee));
    assert_eq!(told.len(), 1);
    assert!(told[0].subject.contains("已批准"), "{}", told[0].subject);
    assert!(told[0].text.contains("同意，注意交接"));
    assert!(told[0].text.contains("客服主管 李强"));
}

#[tokio::test]
async fn a_used_link_is_refused_and_says_who_decided_when() {
    let (_smtp, app, _e, link) = filed_and_mailed().await;
    let supervisor = signed_in_at(&app, Role::CsSupervisor, &link).await;
    let first = supervisor
        .post(&link, &[("decision", "reject"), ("comment", "人手不足")])
        .await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);

    // A second click of one's own decision: its comment was saved, nothing to copy.
    let replay = supervisor
        .post(&link, &[("decision", "approve"), ("comment", "人手不足")])
        .await;

    assert_eq!(replay.status(), StatusCode::GONE);
    assert_eq!(replay.headers()[header::REFERRER_POLICY], "no-referrer");
    let body = replay.text().await.unwrap();
    let message = text_of(&body, ".link-state").unwrap();
    assert!(message.contains("已经使用过"), "{message}");
    assert!(message.contains("客服主管 李强"), "{message}");
    assert!(message.contains("驳回"), "{message}");
    assert!(
        text_of(&body, "#f-comment").is_none(),
        "saved the first time"
    );
    assert_eq!(state(&app).await, ("rejected".into(), 1, 1));
    let (status, page) = supervisor.page(&link).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(!page.contains(r#"name="decision""#));
}

#[tokio::test]
async fn a_sent_approval_mail_is_kept_without_its_links_token() {
    let (_smtp, app, _e, link) = filed_and_mailed().await;
    let token = link.rsplit('/').next().unwrap().to_owned();
    assert!(token.len() > 20, "{link}");
    let (status, text, html): (String, String, String) = kefu::schema::mail_outbox::table
        .filter(kefu::schema::mail_outbox::message.eq("approval_request"))
        .select((
            kefu::schema::mail_outbox::status,
            kefu::schema::mail_outbox::body_text,
            kefu::schema::mail_outbox::body_html,
        ))
        .first(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(status, "sent");
    assert!(!text.contains(&token) && !html.contains(&token));
    assert!(text.contains("/approvals/link/…"), "{text}");
}

/// A comment typed on the mailed link's page after the request was decided on
/// the site comes back to copy, as on the site's own page.
#[tokio::test]
async fn a_comment_on_a_link_closed_meanwhile_comes_back_to_copy() {
    let (_smtp, app, _e, link) = filed_and_mailed().await;
    let supervisor = signed_in_at(&app, Role::CsSupervisor, &link).await;
    let request: i64 = approval_requests::table
        .select(approval_requests::id)
        .first(&mut app.db().await)
        .await
        .unwrap();
    let page = format!("/approvals/{request}");
    let (_, read) = supervisor.page(&page).await;
    let task = value_of(&read, r#"input[name="task_id"]"#).unwrap();
    let res = supervisor
        .post(
            &format!("{page}/decide"),
            &[("task_id", task.as_str()), ("decision", "approve")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Decided, the page leads back to what else waits.
    let (_, decided) = supervisor.page(&location(&res)).await;
    assert_eq!(
        text_of(&decided, "nav.tabs a[href='/approvals']").as_deref(),
        Some("待我审批")
    );

    let res = supervisor
        .post(
            &link,
            &[("decision", "reject"), ("comment", "请先安排交接")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::GONE);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, ".link-state").is_some());
    assert_eq!(
        text_of(&body, "#f-comment").as_deref(),
        Some("请先安排交接")
    );
    assert_eq!(state(&app).await.0, "approved");
}

#[tokio::test]
async fn fifty_simultaneous_posts_make_one_decision() {
    let (_smtp, app, _e, link) = filed_and_mailed().await;
    let supervisor = signed_in_at(&app, Role::CsSupervisor, &link).await;
    let csrf = supervisor.csrf().await;

    let posts = (0..50).map(|i| {
        let decision = if i % 2 == 0 { "approve" } else { "reject" };
        let form = vec![
            ("decision".to_string(), decision.to_string()),
            ("csrf_token".to_string(), csrf.clone()),
        ];
        let req = supervisor.client.post(supervisor.url(&link)).form(&form);
        async move { req.send().await.unwrap().status() }
    });
    let statuses = futures_util::future::join_all(posts).await;

    let decided = statuses
        .iter()
        .filter(|s| **s == StatusCode::SEE_OTHER)
        .count();
    assert_eq!(decided, 1, "{statuses:?}");
    assert!(statuses
        .iter()
        .all(|s| *s == StatusCode::SEE_OTHER || *s == StatusCode::GONE));
    let (status, decisions, used) = state(&app).await;
    assert_ne!(status, "pending");
    assert_eq!((decisions, used), (1, 1));
}

#[tokio::test]
async fn an_expired_link_is_refused() {
    let (_smtp, app, _e, link) = filed_and_mailed().await;
    let token = link.trim_start_matches("/approvals/link/");
    let mut conn = app.db().await;
    let expires: chrono::DateTime<Utc> = approval_links::table
        .select(approval_links::expires_at)
        .first(&mut conn)
        .await
        .unwrap();
    let created: chrono::DateTime<Utc> = approval_tasks::table
        .select(approval_tasks::created_at)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(expires - created, Duration::hours(72), "valid 72 hours");
    use kefu::approvals::links::{inspect, State};
    let just_before = inspect(&mut conn, token, expires - Duration::seconds(1), false)
        .await
        .unwrap();
    assert!(matches!(just_before, State::Valid { .. }));
    let at = inspect(&mut conn, token, expires, false).await.unwrap();
    assert!(matches!(at, State::Expired { .. }));

    // Seventy-three hours later, as the site sees it.
    diesel::update(approval_links::table)
        .set(approval_links::expires_at.eq(Utc::now() - Duration::hours(1)))
        .execute(&mut conn)
        .await
        .unwrap();
    let supervisor = signed_in_at(&app, Role::CsSupervisor, &link).await;
    let res = supervisor.post(&link, &[("decision", "approve")]).await;

    assert_eq!(res.status(), StatusCode::GONE);
    assert!(text_of(&res.text().await.unwrap(), ".link-state")
        .unwrap()
        .contains("过期"));
    assert_eq!(state(&app).await, ("pending".into(), 0, 0));
}

#[tokio::test]
async fn a_forged_link_is_refused() {
    let (_smtp, app, _e, link) = filed_and_mailed().await;
    let supervisor = signed_in_at(&app, Role::CsSupervisor, &link).await;
    let forged = format!("/approvals/link/{}", "ab".repeat(32));

    let (status, body) = supervisor.page(&forged).await;
    let post = supervisor.post(&forged, &[("decision", "approve")]).await;
    let (short, _) = supervisor.page("/approvals/link/abc").await;

    assert_eq!(status, StatusCode::GONE);
    assert!(text_of(&body, ".link-state").unwrap().contains("链接无效"));
    assert_eq!(post.status(), StatusCode::GONE);
    assert_eq!(short, StatusCode::GONE);
    assert_eq!(state(&app).await, ("pending".into(), 0, 0));
}

#[tokio::test]
async fn the_link_works_only_for_its_approver() {
    let (_smtp, app, _e, link) = filed_and_mailed().await;
    let manager = signed_in_at(&app, Role::CenterManager, &link).await;

    let (status, body) = manager.page(&link).await;
    let post = manager.post(&link, &[("decision", "approve")]).await;

    assert_eq!(status, StatusCode::FORBIDDEN);
    assert!(text_of(&body, ".link-state")
        .unwrap()
        .contains("另一位审批人"));
    assert!(
        !body.contains("家中有事"),
        "the request is not shown to others"
    );
    assert_eq!(post.status(), StatusCode::FORBIDDEN);
    assert_eq!(state(&app).await, ("pending".into(), 0, 0));
}

#[tokio::test]
async fn a_request_edited_after_mailing_invalidates_the_old_link() {
    let (smtp, app, employee, old_link) = filed_and_mailed().await;
    let mut conn = app.db().await;
    let leave: i64 = leave_requests::table
        .select(leave_requests::id)
        .first(&mut conn)
        .await
        .unwrap();
    reschedule_leave(&employee, leave, 3).await;
    worker(&app).drain().await.unwrap();
    let supervisor = signed_in_at(&app, Role::CsSupervisor, &old_link).await;

    let post = supervisor.post(&old_link, &[("decision", "approve")]).await;

    assert_eq!(post.status(), StatusCode::GONE);
    assert!(text_of(&post.text().await.unwrap(), ".link-state")
        .unwrap()
        .contains("修改"));
    assert_eq!(state(&app).await, ("pending".into(), 0, 0));
    let mails = smtp.to(&mail_of(Role::CsSupervisor));
    assert_eq!(mails.len(), 2);
    let changed = mails
        .iter()
        .find(|m| m.subject.contains("申请已修改"))
        .expect("a mail about the change");
    assert!(changed.text.contains("改期"));
    let new_link = link_in(&changed.text);
    let res = supervisor.post(&new_link, &[("decision", "approve")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(state(&app).await, ("approved".into(), 1, 1));
    // The trail keeps what the request said before the change.
    let request: i64 = approval_requests::table
        .select(approval_requests::id)
        .first(&mut conn)
        .await
        .unwrap();
    let (_, page) = supervisor.page(&format!("/approvals/{request}")).await;
    let was = format!(
        "改前：事假，{} 上午起 至 {} 至下班，2 天；事由：家中有事",
        day(1),
        day(2)
    );
    assert_eq!(texts_of(&page, ".trail li .was"), [was]);
    // Each reader reads it in their language.
    let (_, english) = supervisor
        .page(&format!("/approvals/{request}?lang=en"))
        .await;
    let was = texts_of(&english, ".trail li .was");
    assert!(
        was[0].starts_with("Was: ") && was[0].ends_with("; reason: 家中有事"),
        "{was:?}"
    );
}

/// The approver types a comment on a page read before their deputy decided: the
/// decision stands, and the comment comes back on the page to copy, not lost.
/// Their own second click is no such refusal.
#[tokio::test]
async fn a_comment_on_a_request_decided_meanwhile_comes_back_to_copy() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    name_deputy(&supervisor, "engineer").await;
    let employee = app.login_as(Role::Employee).await;
    file_leave(&employee).await;
    let mut conn = app.db().await;
    let request: i64 = approval_requests::table
        .select(approval_requests::id)
        .first(&mut conn)
        .await
        .unwrap();
    let page = format!("/approvals/{request}");
    let (_, read) = supervisor.page(&page).await;
    let task = value_of(&read, r#"input[name="task_id"]"#).unwrap();
    let deputy = app.login_as(Role::EngineeringManager).await;
    let post = async |who: &Browser, decision: &str, comment: &str| {
        who.post(
            &format!("{page}/decide"),
            &[
                ("task_id", &task),
                ("decision", decision),
                ("comment", comment),
            ],
        )
        .await
    };
    let res = post(&deputy, "approve", "代批").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let res = post(&supervisor, "reject", "请先安排好交接").await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#f-comment").as_deref(),
        Some("请先安排好交接")
    );
    assert!(text_of(&body, "#e-decision")
        .unwrap()
        .contains("已经处理完毕"));
    assert!(
        text_of(&body, "form.decide").is_none(),
        "nothing left to decide"
    );
    let status: String = approval_requests::table
        .find(request)
        .select(approval_requests::status)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(status, "approved", "the deputy's decision stands");
    // The deputy's own second click: the request's page, confirming what they
    // did, not refusing it.
    let res = post(&deputy, "approve", "代批").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, shown) = deputy.page(&location(&res)).await;
    assert_eq!(
        texts_of(&shown, ".flash"),
        ["已同意。申请人会收到邮件通知。"]
    );

    // The other way round: the approver decides first, and the deputy's
    // decision comes back to them with the request, not as a refusal to see it.
    let second = file_leave_from(&employee, 7).await;
    let request: i64 = approval_requests::table
        .filter(approval_requests::subject_id.eq(second))
        .select(approval_requests::id)
        .first(&mut conn)
        .await
        .unwrap();
    let page = format!("/approvals/{request}");
    let (_, read) = deputy.page(&page).await;
    let task = value_of(&read, r#"input[name="task_id"]"#).unwrap();
    let first = [
        ("task_id", task.as_str()),
        ("decision", "approve"),
        ("comment", ""),
    ];
    let res = supervisor.post(&format!("{page}/decide"), &first).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let late = [
        ("task_id", task.as_str()),
        ("decision", "reject"),
        ("comment", "请补交接"),
    ];
    let res = deputy.post(&format!("{page}/decide"), &late).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-decision")
        .unwrap()
        .contains("已经处理完毕"));
    assert_eq!(deputy.page(&page).await.0, StatusCode::OK);
}

/// A deputyship that ends while the deputy has the request open: their decision
/// is refused on the request's page, saying why, with their comment to copy.
#[tokio::test]
async fn a_deputy_whose_deputyship_ended_meanwhile_is_told_and_keeps_the_comment() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    name_deputy(&supervisor, "engineer").await;
    let employee = app.login_as(Role::Employee).await;
    file_leave(&employee).await;
    let mut conn = app.db().await;
    let request: i64 = approval_requests::table
        .select(approval_requests::id)
        .first(&mut conn)
        .await
        .unwrap();
    let page = format!("/approvals/{request}");
    let deputy = app.login_as(Role::EngineeringManager).await;
    let (_, read) = deputy.page(&page).await;
    let task = value_of(&read, r#"input[name="task_id"]"#).unwrap();
    let deputy_row: i64 = kefu::schema::approval_deputies::table
        .select(kefu::schema::approval_deputies::id)
        .first(&mut conn)
        .await
        .unwrap();
    let path = format!("/approvals/deputies/{deputy_row}/delete");
    assert_eq!(
        supervisor.post(&path, &[]).await.status(),
        StatusCode::SEE_OTHER
    );

    let res = deputy
        .post(
            &format!("{page}/decide"),
            &[
                ("task_id", task.as_str()),
                ("decision", "approve"),
                ("comment", "交接已安排"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-decision").as_deref(),
        Some("这项申请现在不由您审批（例如代理期已结束，或已转交他人），本次未作决定。")
    );
    assert_eq!(text_of(&body, "#f-comment").as_deref(), Some("交接已安排"));
    assert!(text_of(&body, "form.decide").is_none());
    assert_eq!(state(&app).await.0, "pending");
}

#[tokio::test]
async fn a_deputy_receives_the_mail_and_decides_on_behalf_of_the_approver() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (from, until) = (day(0), day(5));
    let res = supervisor
        .submit(
            "/approvals/deputies",
            "/approvals/deputies",
            &[
                ("deputy", "engineer"),
                ("starts_on", &from),
                ("ends_on", &until),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let employee = app.login_as(Role::Employee).await;

    let leave = file_leave(&employee).await;
    worker(&app).drain().await.unwrap();

    assert!(smtp.to(&mail_of(Role::CsSupervisor)).is_empty());
    let mails = smtp.to(&mail_of(Role::EngineeringManager));
    assert_eq!(mails.len(), 1);
    assert!(mails[0].text.contains("客服主管 李强"), "{}", mails[0].text);
    let link = link_in(&mails[0].text);
    let deputy = signed_in_at(&app, Role::EngineeringManager, &link).await;
    let (_, inbox) = deputy.page("/approvals").await;
    assert!(inbox.contains("代 客服主管 李强 审批"), "{inbox}");
    // The request's own page opens for the deputy too, as for the approver.
    let (status, _) = deputy.page(&format!("/leave/{leave}")).await;
    assert_eq!(status, StatusCode::OK, "the deputy reads the leave");
    let res = deputy
        .post(&link, &[("decision", "approve"), ("comment", "代批")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mut conn = app.db().await;
    let (by, behalf): (Option<i64>, Option<i64>) = approval_tasks::table
        .select((approval_tasks::decided_by, approval_tasks::on_behalf_of))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(by, Some(user_id(&app, "engineer").await));
    assert_eq!(behalf, Some(user_id(&app, "supervisor").await));
    let (_, page) = deputy.page(&location(&res)).await;
    assert!(text_of(&page, ".trail")
        .unwrap()
        .contains("代 客服主管 李强 审批"));
    // Papers that print who approved name whom the deputy stood in for.
    let signed = kefu::approvals::queries::approvals_of(
        &mut conn,
        "leave",
        &[leave],
        kefu::i18n::Locale::ZhCn,
    )
    .await
    .unwrap();
    assert_eq!(signed[0].2, "工程部经理 刘洋（代 客服主管 李强）");
    let (_, slip) = employee.page(&format!("/leave/{leave}/print")).await;
    assert!(
        slip.contains("工程部经理 刘洋（代 客服主管 李强）"),
        "{slip}"
    );
    // Another request reaches the deputy by mail before the supervisor is back.
    file_leave_from(&employee, 4).await;
    worker(&app).drain().await.unwrap();
    let links: Vec<String> = smtp
        .to(&mail_of(Role::EngineeringManager))
        .iter()
        .map(|m| link_in(&m.text))
        .filter(|l| *l != link)
        .collect();
    assert_eq!(links.len(), 1, "{links:?}");
    let later = links[0].clone();
    // The supervisor is back: the deputy is removed, and no one else can remove it.
    let mut conn = app.db().await;
    let deputy_row: i64 = kefu::schema::approval_deputies::table
        .select(kefu::schema::approval_deputies::id)
        .first(&mut conn)
        .await
        .unwrap();
    let path = format!("/approvals/deputies/{deputy_row}/delete");
    assert_eq!(
        deputy.post(&path, &[]).await.status(),
        StatusCode::NOT_FOUND
    );
    // Removed by the supervisor, twice (a double click): the second is as asked.
    for _ in 0..2 {
        assert_eq!(
            supervisor.post(&path, &[]).await.status(),
            StatusCode::SEE_OTHER
        );
    }
    let (_, list) = supervisor.page("/approvals/deputies").await;
    assert!(list.contains("尚未指定代理人"));
    assert!(text_of(&page, ".trail").unwrap().contains("邮件链接"));
    // A link used already tells no one else what became of the request.
    let (status, shown) = supervisor.page(&link).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        text_of(&shown, ".link-state strong").as_deref(),
        Some("此链接是发给另一位审批人的。请用收到邮件的账户登录。")
    );
    // The former deputy's link says the deputyship ended, offers no form, and
    // decides nothing when sent all the same.
    let ended = "您代 客服主管 李强 审批的期限已结束或已被取消，此链接不再有效。\
                 这项申请由 客服主管 李强 或其现在的代理人审批。";
    let (status, shown) = deputy.page(&later).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        text_of(&shown, ".link-state strong").as_deref(),
        Some(ended)
    );
    assert!(text_of(&shown, "form.decide").is_none());
    let res = deputy
        .post(&later, &[("decision", "approve"), ("comment", "")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let sent = res.text().await.unwrap();
    assert_eq!(text_of(&sent, ".link-state strong").as_deref(), Some(ended));
    let pending: i64 = approval_tasks::table
        .filter(approval_tasks::status.eq("pending"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(pending, 1, "the second request still waits");
    // The approved leave is cancelled: the deputy who approved it and the
    // supervisor they stood in for are both told.
    let res = employee
        .post(
            &format!("/leave/{leave}/cancel"),
            &[("note", "事情已经办完")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let told: Vec<String> = kefu::schema::mail_outbox::table
        .filter(kefu::schema::mail_outbox::message.eq("leave_cancelled"))
        .select(kefu::schema::mail_outbox::to_addr)
        .order(kefu::schema::mail_outbox::to_addr)
        .load(&mut conn)
        .await
        .unwrap();
    let mut expected = vec![
        mail_of(Role::EngineeringManager),
        mail_of(Role::CsSupervisor),
    ];
    expected.sort();
    assert_eq!(told, expected);
}

#[tokio::test]
async fn an_overdue_step_escalates_to_the_next_role_once_per_period() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    let employee = app.login_as(Role::Employee).await;
    file_leave(&employee).await;
    let mut conn = app.db().await;
    let due: chrono::DateTime<Utc> = approval_tasks::table
        .select(approval_tasks::due_at)
        .first(&mut conn)
        .await
        .unwrap();
    let job = kefu::jobs::find("approvals.escalate").unwrap();

    let before = kefu::jobs::run_for_period(
        &mut conn,
        job,
        "p0",
        due - Duration::minutes(1),
        &app.config,
    )
    .await
    .unwrap();
    let first = kefu::jobs::run_for_period(
        &mut conn,
        job,
        "p1",
        due + Duration::minutes(1),
        &app.config,
    )
    .await
    .unwrap();
    let again = kefu::jobs::run_for_period(
        &mut conn,
        job,
        "p1",
        due + Duration::minutes(2),
        &app.config,
    )
    .await
    .unwrap();

    let english = |r: Option<String>| r.map(|s| kefu::jobs::result_in(&s, kefu::i18n::Locale::En));
    assert_eq!(
        english(before).as_deref(),
        Some("escalated 0"),
        "not before the deadline"
    );
    assert_eq!(english(first).as_deref(), Some("escalated 1"));
    assert_eq!(again, None, "once per period");
    let tasks: Vec<(String, String)> = approval_tasks::table
        .order(approval_tasks::id)
        .select((approval_tasks::status, approval_tasks::role_code))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        tasks,
        vec![
            ("escalated".to_string(), "cs_supervisor".to_string()),
            ("pending".to_string(), "center_manager".to_string())
        ]
    );
    worker(&app).drain().await.unwrap();
    let to_manager = smtp.to(&mail_of(Role::CenterManager));
    assert_eq!(to_manager.len(), 1);
    assert!(to_manager[0].text.contains("逾期未批"));
    let manager = app.login_as(Role::CenterManager).await;
    let (_, home) = manager.page("/").await;
    assert_eq!(text_of(&home, ".modules .count").as_deref(), Some("1"));
    // The admin's list of runs reads in their language.
    let (_, admin_jobs) = app.login_as(Role::Admin).await.page("/admin/jobs").await;
    assert!(admin_jobs.contains("已上报 1 项"), "{admin_jobs}");
    let (_, english) = app
        .login_as(Role::Admin)
        .await
        .page("/admin/jobs?lang=en")
        .await;
    assert!(english.contains("escalated 1"));
}

/// A supervisor who is also the centre's manager is not handed their own
/// overdue task again: it goes on to the next person, the administrator.
#[tokio::test]
async fn an_overdue_step_escalates_past_the_same_person_holding_the_next_post() {
    let app = TestApp::spawn().await;
    let supervisor = user_id(&app, "supervisor").await;
    app.grant(supervisor, Role::CenterManager).await;
    app.deactivate("manager").await;
    let tasks = leave_escalated_once(&app).await;
    let admin = user_id(&app, "admin").await;
    assert_eq!(
        tasks,
        [
            ("escalated".to_owned(), supervisor),
            ("pending".to_owned(), admin)
        ]
    );
}

/// The employee files a leave slip and the escalation job runs a minute past
/// its deadline: every task then, (status, approver), in order.
async fn leave_escalated_once(app: &TestApp) -> Vec<(String, i64)> {
    let mut conn = app.db().await;
    let employee = app.login_as(Role::Employee).await;
    file_leave(&employee).await;
    let due: chrono::DateTime<Utc> = approval_tasks::table
        .select(approval_tasks::due_at)
        .first(&mut conn)
        .await
        .unwrap();
    let job = kefu::jobs::find("approvals.escalate").unwrap();
    let at = due + Duration::minutes(1);
    kefu::jobs::run_for_period(&mut conn, job, "p1", at, &app.config)
        .await
        .unwrap();
    tasks_by_approver(&mut conn).await
}

/// Every task, in order: (status, approver).
async fn tasks_by_approver(conn: &mut diesel_async::AsyncPgConnection) -> Vec<(String, i64)> {
    approval_tasks::table
        .order(approval_tasks::id)
        .select((approval_tasks::status, approval_tasks::approver_id))
        .load(conn)
        .await
        .unwrap()
}

/// A task that cannot move (the supervisor is the one admin, and the manager
/// filed it) stays with the supervisor; the run still reaches the tasks after
/// it, read one page of a single task at a time here.
#[tokio::test]
async fn tasks_that_stay_where_they_are_do_not_hold_up_later_ones() {
    let app = TestApp::spawn().await;
    let supervisor = user_id(&app, "supervisor").await;
    let manager = user_id(&app, "manager").await;
    app.grant(supervisor, Role::Admin).await;
    app.deactivate("admin").await;
    file_leave(&app.login_as(Role::CenterManager).await).await;
    file_leave(&app.login_as(Role::Employee).await).await;
    let mut conn = app.db().await;
    let due: chrono::DateTime<Utc> = approval_tasks::table
        .select(diesel::dsl::max(approval_tasks::due_at))
        .first::<Option<_>>(&mut conn)
        .await
        .unwrap()
        .unwrap();

    let done = kefu::approvals::jobs::escalate_in_pages(
        &mut conn,
        due + Duration::minutes(1),
        &app.config,
        1,
    )
    .await
    .unwrap();

    assert_eq!(
        kefu::jobs::result_in(&done, kefu::i18n::Locale::En),
        "escalated 1"
    );
    let tasks = tasks_by_approver(&mut conn).await;
    assert_eq!(
        tasks,
        [
            ("pending".to_owned(), supervisor),
            ("escalated".to_owned(), supervisor),
            ("pending".to_owned(), manager)
        ]
    );
}

/// The one administrator's own request never ends with them: an overdue step
/// with no one else further on stays with its approver; a request no one else
/// could decide is not filed, and the page says why.
#[tokio::test]
async fn the_one_admins_own_request_is_never_passed_to_them() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    file_leave(&admin).await;
    let manager = user_id(&app, "manager").await;
    let mut conn = app.db().await;
    let job = kefu::jobs::find("approvals.escalate").unwrap();
    for period in ["p1", "p2"] {
        let due: chrono::DateTime<Utc> = approval_tasks::table
            .filter(approval_tasks::status.eq("pending"))
            .select(approval_tasks::due_at)
            .first(&mut conn)
            .await
            .unwrap();
        let at = due + Duration::minutes(1);
        kefu::jobs::run_for_period(&mut conn, job, period, at, &app.config)
            .await
            .unwrap();
    }
    let tasks = tasks_by_approver(&mut conn).await;
    assert_eq!(
        tasks,
        [
            ("escalated".to_owned(), user_id(&app, "supervisor").await),
            ("pending".to_owned(), manager)
        ],
        "the manager keeps it: the admin filed it"
    );

    // With no one else in the chain, the admin's next request is refused.
    app.deactivate("supervisor").await;
    app.deactivate("manager").await;
    let res = admin
        .submit(
            "/leave/new",
            "/leave/new",
            &[
                ("leave_type", "事假"),
                ("start_date", &day(20)),
                ("end_date", &day(21)),
                ("reason", "家中有事"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let page = res.text().await.unwrap();
    assert!(
        text_of(&page, "h1").unwrap().starts_with("无人可以审批"),
        "{page}"
    );
    // In English too.
    admin.page("/?lang=en").await;
    let res = admin
        .submit(
            "/leave/new",
            "/leave/new",
            &[
                ("leave_type", "事假"),
                ("start_date", &day(20)),
                ("end_date", &day(21)),
                ("reason", "家中有事"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let page = res.text().await.unwrap();
    assert!(
        text_of(&page, "h1")
            .unwrap()
            .starts_with("No one can approve this"),
        "{page}"
    );
    let filed: i64 = kefu::schema::leave_requests::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(filed, 1, "nothing more filed");
}

/// A supervisor who is also a centre manager, found first among that post's
/// holders, is passed over for the other manager, not for the admin.
#[tokio::test]
async fn an_overdue_step_goes_to_another_holder_of_the_next_post_before_the_admin() {
    let app = TestApp::spawn().await;
    let supervisor = user_id(&app, "supervisor").await;
    let manager = user_id(&app, "manager").await;
    assert!(supervisor < manager, "the supervisor comes first by id");
    app.grant(supervisor, Role::CenterManager).await;
    let tasks = leave_escalated_once(&app).await;
    assert_eq!(
        tasks,
        [
            ("escalated".to_owned(), supervisor),
            ("pending".to_owned(), manager)
        ]
    );
}

#[tokio::test]
async fn a_pending_approver_is_reminded_once() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    let employee = app.login_as(Role::Employee).await;
    file_leave(&employee).await;
    let mut conn = app.db().await;
    let created: chrono::DateTime<Utc> = approval_tasks::table
        .select(approval_tasks::created_at)
        .first(&mut conn)
        .await
        .unwrap();
    let cfg = &app.config;

    let early = kefu::approvals::jobs::remind(&mut conn, created + Duration::hours(7), cfg)
        .await
        .unwrap();
    let due = kefu::approvals::jobs::remind(&mut conn, created + Duration::hours(9), cfg)
        .await
        .unwrap();
    let twice = kefu::approvals::jobs::remind(&mut conn, created + Duration::hours(10), cfg)
        .await
        .unwrap();

    let [early, due, twice] =
        [early, due, twice].map(|s| kefu::jobs::result_in(&s, kefu::i18n::Locale::En));
    assert_eq!(
        (early.as_str(), due.as_str(), twice.as_str()),
        ("reminded 0", "reminded 1", "reminded 0")
    );
    worker(&app).drain().await.unwrap();
    let mails = smtp.to(&mail_of(Role::CsSupervisor));
    assert_eq!(mails.len(), 2);
    assert!(mails.iter().any(|m| m.subject.contains("催办")));
}

#[tokio::test]
async fn a_supervisors_own_leave_goes_to_the_next_in_line() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;

    file_leave(&supervisor).await;

    let mut conn = app.db().await;
    let (approver, role): (i64, String) = approval_tasks::table
        .select((approval_tasks::approver_id, approval_tasks::role_code))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(approver, user_id(&app, "manager").await);
    assert_eq!(role, "center_manager");
    let actions: Vec<String> = approval_events::table
        .order(approval_events::id)
        .select(approval_events::action)
        .load(&mut conn)
        .await
        .unwrap();
    assert!(
        actions.contains(&"skipped_requester".to_string()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn an_inbox_of_more_than_it_lists_shows_the_oldest_and_says_more_wait() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let me = user_id(&app, username(Role::CsSupervisor)).await;
    let requester = user_id(&app, username(Role::Employee)).await;
    let filed = |from: i64, to: i64| {
        format!(
            "WITH req AS ( \
               INSERT INTO approval_requests (kind, subject_id, title, requester_id, status) \
               SELECT 'leave', g, '第' || g || '件', {requester}, 'pending' \
               FROM generate_series({from}, {to}) g ORDER BY g RETURNING id) \
             INSERT INTO approval_tasks (request_id, step, approver_id, role_code, level, status, due_at) \
             SELECT id, 0, {me}, 'cs_supervisor', 0, 'pending', now() + interval '1 day' \
             FROM req ORDER BY id"
        )
    };
    app.db().await.batch_execute(&filed(1, 500)).await.unwrap();
    // The kept inbox learns of SQL of the test's own by notice, a moment after.
    app.settle().await;
    let (_, inbox) = supervisor.page("/approvals").await;
    assert_eq!(texts_of(&inbox, "table.inbox tbody a").len(), 500);
    assert!(
        text_of(&inbox, "#inbox-more").is_none(),
        "all of them listed"
    );

    app.db()
        .await
        .batch_execute(&filed(501, 501))
        .await
        .unwrap();
    app.settle().await;
    let (_, inbox) = supervisor.page("/approvals").await;
    let listed = texts_of(&inbox, "table.inbox tbody a");
    let oldest: Vec<String> = (1..=500).map(|g| format!("请假条 · 第{g}件")).collect();
    assert_eq!(listed, oldest, "the oldest 500, oldest first");
    assert!(
        text_of(&inbox, "#inbox-more")
            .unwrap()
            .contains("最早 500 条"),
        "it says more wait"
    );
    let (_, en) = supervisor.page("/approvals?lang=en").await;
    assert!(text_of(&en, "#inbox-more")
        .unwrap()
        .contains("These are the 500 oldest of the requests waiting for you"));
}

#[tokio::test]
async fn the_inbox_counts_and_lists_only_what_waits_on_me() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    file_leave(&employee).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;

    let (_, inbox) = supervisor.page("/approvals").await;

    assert_eq!(text_of(&inbox, ".modules .count").as_deref(), Some("1"));
    assert!(text_of(&inbox, "table.inbox")
        .unwrap()
        .contains("员工 赵磊"));
    let href = {
        let doc = scraper::Html::parse_document(&inbox);
        let sel = scraper::Selector::parse("table.inbox a").unwrap();
        doc.select(&sel)
            .next()
            .unwrap()
            .value()
            .attr("href")
            .unwrap()
            .to_owned()
    };
    // Someone else may not open it, nor decide it.
    let specialist = app.login_as(Role::CsSpecialist).await;
    let (_, other_inbox) = specialist.page("/approvals").await;
    assert!(!other_inbox.contains("员工 赵磊"));
    assert_eq!(specialist.get(&href).await.status(), StatusCode::FORBIDDEN);
    // The supervisor decides from the site.
    let (_, page) = supervisor.page(&href).await;
    let task = value_of(&page, r#"input[name="task_id"]"#).unwrap();
    let res = specialist
        .post(
            &format!("{href}/decide"),
            &[("task_id", &task), ("decision", "approve")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = supervisor
        .post(
            &format!("{href}/decide"),
            &[("task_id", &task), ("decision", "approve")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(state(&app).await, ("approved".into(), 1, 0));
    let (_, after) = supervisor.page("/approvals").await;
    assert_eq!(text_of(&after, ".modules .count"), None);
}

/// The title of the leave `file_leave` files, as a reader of `lang` sees it.
fn leave_title(lang: &str) -> String {
    let (kind, leave_type) = match lang {
        "en" => ("Leave request", "Personal leave (事假)"),
        _ => ("请假条", "事假"),
    };
    format!("{kind} · 员工 赵磊 · {leave_type} {}–{}", day(1), day(2))
}

#[tokio::test]
async fn a_request_is_named_in_the_readers_language_in_the_lists_and_on_its_page() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    file_leave(&employee).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;

    let (_, zh_inbox) = supervisor.page("/approvals").await;
    let (_, en_inbox) = supervisor.page("/approvals?lang=en").await;
    let href = attr_of(&en_inbox, "table.inbox tbody a", "href").unwrap();
    let (_, en_page) = supervisor.page(&href).await;
    let (_, zh_page) = supervisor.page(&format!("{href}?lang=zh-CN")).await;
    let (_, en_mine) = employee.page("/approvals/mine?lang=en").await;
    let (_, zh_mine) = employee.page("/approvals/mine?lang=zh-CN").await;

    assert_eq!(
        text_of(&zh_inbox, "table.inbox tbody a").unwrap(),
        leave_title("zh-CN")
    );
    assert_eq!(
        text_of(&en_inbox, "table.inbox tbody a").unwrap(),
        leave_title("en")
    );
    assert!(!en_inbox.contains("请假条"), "{en_inbox}");
    assert!(text_of(&en_page, "title")
        .unwrap()
        .starts_with(&leave_title("en")));
    assert!(text_of(&en_page, "h1")
        .unwrap()
        .starts_with(&leave_title("en")));
    assert!(text_of(&zh_page, "h1")
        .unwrap()
        .starts_with(&leave_title("zh-CN")));
    assert_eq!(text_of(&en_mine, "tbody a").unwrap(), leave_title("en"));
    assert!(!text_of(&en_mine, "table").unwrap().contains("请假条"));
    assert_eq!(text_of(&zh_mine, "tbody a").unwrap(), leave_title("zh-CN"));
}

#[tokio::test]
async fn mails_and_the_link_page_name_the_request_in_the_recipients_language() {
    let (smtp, app, _employee, link) = filed_and_mailed_in("en").await;
    let asked = smtp.to(&mail_of(Role::CsSupervisor));

    let supervisor = signed_in_at(&app, Role::CsSupervisor, &link).await;
    let (_, link_page) = supervisor.page(&link).await;
    let res = supervisor
        .post(&link, &[("decision", "approve"), ("comment", "")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    worker(&app).drain().await.unwrap();
    let told = smtp.to(&mail_of(Role::Employee));

    assert_eq!(
        asked[0].subject,
        format!("[To approve] {}", leave_title("en"))
    );
    assert!(
        asked[0].text.contains(&leave_title("en")),
        "{}",
        asked[0].text
    );
    assert!(!asked[0].text.contains("请假条"), "{}", asked[0].text);
    assert_eq!(
        text_of(&link_page, "dl.details dd").unwrap(),
        leave_title("en")
    );
    // The employee reads Chinese: their outcome mail says 请假条.
    assert_eq!(told.len(), 1);
    assert!(
        told[0].subject.ends_with(&leave_title("zh-CN")),
        "{}",
        told[0].subject
    );
    assert!(told[0].text.contains(&leave_title("zh-CN")));
}

#[tokio::test]
async fn the_requester_may_withdraw_while_pending_and_the_link_then_says_so() {
    let (_smtp, app, employee, link) = filed_and_mailed().await;
    let (_, mine) = employee.page("/approvals/mine").await;
    assert!(mine.contains("待审批"));
    let mut conn = app.db().await;
    let id: i64 = approval_requests::table
        .select(approval_requests::id)
        .first(&mut conn)
        .await
        .unwrap();

    // Sent twice (a double click): withdrawn once, and said so both times.
    for _ in 0..2 {
        let res = employee
            .post(&format!("/approvals/{id}/withdraw"), &[])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, shown) = employee.page(&location(&res)).await;
        assert_eq!(texts_of(&shown, ".flash"), ["申请已撤回。"]);
    }
    assert_eq!(state(&app).await, ("withdrawn".into(), 0, 0));
    let withdrawn: i64 = approval_events::table
        .filter(approval_events::action.eq("withdrawn"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(withdrawn, 1);
    let supervisor = signed_in_at(&app, Role::CsSupervisor, &link).await;
    let (status, body) = supervisor.page(&link).await;
    assert_eq!(status, StatusCode::GONE);
    assert!(text_of(&body, ".link-state").unwrap().contains("撤回"));
    let (_, list) = employee.page("/leave").await;
    assert!(list.contains("已撤回"));
}

#[tokio::test]
async fn with_no_supervisor_or_manager_an_admin_approves() {
    let app = TestApp::spawn().await;
    let mut conn = app.db().await;
    diesel::update(users::table.filter(users::username.eq_any(["supervisor", "manager"])))
        .set(users::active.eq(false))
        .execute(&mut conn)
        .await
        .unwrap();
    let employee = app.login_as(Role::Employee).await;

    file_leave(&employee).await;

    let (approver, role): (i64, String) = approval_tasks::table
        .select((approval_tasks::approver_id, approval_tasks::role_code))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(approver, user_id(&app, "admin").await);
    assert_eq!(role, "admin");
    let admin = app.login_as(Role::Admin).await;
    let (_, inbox) = admin.page("/approvals").await;
    assert!(text_of(&inbox, "table.inbox")
        .unwrap()
        .contains("员工 赵磊"));
}

#[tokio::test]
async fn a_run_that_failed_or_never_finished_is_tried_again_later_in_its_period() {
    use kefu::schema::job_runs;
    let app = TestApp::spawn().await;
    let mut conn = app.db().await;
    let job = kefu::jobs::find("forms.cleanup").unwrap();
    let now = Utc::now();
    let run = async |conn: &mut diesel_async::AsyncPgConnection, period: &str| {
        kefu::jobs::run_for_period(conn, job, period, now, &app.config)
            .await
            .unwrap()
    };
    // (period, ok, minutes since it started, minutes since it finished)
    let earlier: [(&str, Option<bool>, i64, Option<i64>); 4] = [
        ("failed long ago", Some(false), 15, Some(14)),
        ("failed just now", Some(false), 2, Some(1)),
        ("cut short", None, 45, None),
        ("done", Some(true), 15, Some(14)),
    ];
    for (period, ok, started, finished) in earlier {
        diesel::insert_into(job_runs::table)
            .values((
                job_runs::job.eq(job.name),
                job_runs::period.eq(period),
                job_runs::ok.eq(ok),
                job_runs::started_at.eq(now - Duration::minutes(started)),
                job_runs::finished_at.eq(finished.map(|m| now - Duration::minutes(m))),
            ))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    assert!(
        run(&mut conn, "failed long ago").await.is_some(),
        "tried again"
    );
    assert!(run(&mut conn, "failed just now").await.is_none(), "not yet");
    assert!(run(&mut conn, "cut short").await.is_some(), "tried again");
    assert!(run(&mut conn, "done").await.is_none());
    // Once retried and done, not again.
    assert!(run(&mut conn, "failed long ago").await.is_none());
    // A 15-minute job cut short is tried again within its own quarter.
    let quarter = kefu::jobs::find("approvals.remind").unwrap();
    diesel::insert_into(job_runs::table)
        .values((
            job_runs::job.eq(quarter.name),
            job_runs::period.eq("q"),
            job_runs::started_at.eq(now - Duration::minutes(6)),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    let again = kefu::jobs::run_for_period(&mut conn, quarter, "q", now, &app.config)
        .await
        .unwrap();
    assert!(again.is_some(), "cut short 6 minutes ago: tried again");
    let ok: Vec<(String, Option<bool>)> = job_runs::table
        .filter(job_runs::job.eq(job.name))
        .order(job_runs::period)
        .select((job_runs::period, job_runs::ok))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        ok,
        vec![
            ("cut short".to_owned(), Some(true)),
            ("done".to_owned(), Some(true)),
            ("failed just now".to_owned(), Some(false)),
            ("failed long ago".to_owned(), Some(true)),
        ]
    );
}

#[tokio::test]
async fn kefu_run_job_runs_a_job_now_and_records_it() {
    let app = TestApp::spawn().await;

    let out = std::process::Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(["run-job", "approvals.escalate"])
        .env("DATABASE_URL", &app.db_url)
        .output()
        .unwrap();

    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "approvals.escalate: escalated 0"
    );
    let mut conn = app.db().await;
    let runs: Vec<(String, Option<bool>)> = kefu::schema::job_runs::table
        .select((kefu::schema::job_runs::job, kefu::schema::job_runs::ok))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(runs, vec![("approvals.escalate".to_string(), Some(true))]);
    let unknown = std::process::Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(["run-job", "nope"])
        .env("DATABASE_URL", &app.db_url)
        .output()
        .unwrap();
    assert!(!unknown.status.success());
    // The admin's list says the run was made by hand, on the site's clock.
    let (_, jobs) = app.login_as(Role::Admin).await.page("/admin/jobs").await;
    let period = text_of(&jobs, "tbody tr td:nth-child(2)").unwrap();
    assert!(period.starts_with("手动运行 · 20"), "{period}");
    assert!(!period.contains('T'), "{period}");
}

/// A job that panics is a failed run like one that errs: recorded with its
/// reason, shown to the administrator, tried again later; the scheduler and the
/// other jobs go on. (The panic here: a reminder delay past what the clock can
/// add, set straight in the config; from the environment it is refused.)
#[tokio::test]
async fn a_job_that_panics_is_recorded_as_a_failed_run() {
    use kefu::schema::job_runs;
    let app = TestApp::spawn_with(|c| c.approval_remind_hours = i64::MAX).await;
    let mut conn = app.db().await;
    let job = kefu::jobs::find("approvals.remind").unwrap();

    let res = kefu::jobs::run_for_period(&mut conn, job, "p1", Utc::now(), &app.config).await;

    let e = res.expect_err("the panic is the run's error");
    assert!(e.to_string().starts_with("panicked: "), "{e}");
    let (ok, finished, said): (Option<bool>, Option<chrono::DateTime<Utc>>, String) =
        job_runs::table
            .filter(job_runs::job.eq(job.name))
            .select((job_runs::ok, job_runs::finished_at, job_runs::result))
            .first(&mut conn)
            .await
            .unwrap();
    assert_eq!(ok, Some(false));
    assert!(finished.is_some(), "finished, so retried after the pause");
    assert!(said.starts_with("panicked: "), "{said}");
    // The connection is still good for the next job.
    let other = kefu::jobs::find("forms.cleanup").unwrap();
    let next = kefu::jobs::run_for_period(&mut conn, other, "p1", Utc::now(), &app.config).await;
    assert!(next.unwrap().is_some());

    let refused = std::process::Command::new(env!("CARGO_BIN_EXE_kefu"))
        .args(["run-job", "approvals.remind"])
        .env("DATABASE_URL", &app.db_url)
        .env("APPROVAL_REMIND_HOURS", "99999999999999")
        .output()
        .unwrap();
    assert!(!refused.status.success());
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("APPROVAL_REMIND_HOURS must be a whole number of hours, 1 to 8784"),
        "{stderr}"
    );
}

#[tokio::test]
async fn a_requester_never_decides_their_own_request_as_a_deputy() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (from, until) = (day(0), day(5));
    supervisor
        .submit(
            "/approvals/deputies",
            "/approvals/deputies",
            &[
                ("deputy", "employee"),
                ("starts_on", &from),
                ("ends_on", &until),
            ],
        )
        .await;
    let employee = app.login_as(Role::Employee).await;

    file_leave(&employee).await;
    worker(&app).drain().await.unwrap();

    assert!(smtp.to(&mail_of(Role::Employee)).is_empty());
    assert_eq!(smtp.to(&mail_of(Role::CsSupervisor)).len(), 1);
    let (_, inbox) = employee.page("/approvals").await;
    assert!(text_of(&inbox, "table.inbox")
        .unwrap()
        .contains("没有等待您审批"));
    let (_, mine) = employee.page("/approvals/mine").await;
    let href = {
        let doc = scraper::Html::parse_document(&mine);
        let sel = scraper::Selector::parse("main table a").unwrap();
        doc.select(&sel)
            .next()
            .unwrap()
            .value()
            .attr("href")
            .unwrap()
            .to_owned()
    };
    let (_, page) = employee.page(&href).await;
    assert!(
        !page.contains(r#"name="decision""#),
        "no decision form for the requester"
    );
    let mut conn = app.db().await;
    let task: i64 = approval_tasks::table
        .select(approval_tasks::id)
        .first(&mut conn)
        .await
        .unwrap();
    let res = employee
        .post(
            &format!("{href}/decide"),
            &[("task_id", &task.to_string()), ("decision", "approve")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(state(&app).await, ("pending".into(), 0, 0));
}

/// A request type of two sequential steps, known only to this test.
pub static TWO_STEPS: kefu::approvals::Kind = kefu::approvals::Kind {
    code: "test_two_steps",
    name_key: "approvals.kind.leave",
    steps: &[
        kefu::approvals::StepDef {
            roles: &[Role::CsSupervisor],
            deadline_hours: 24,
            late: kefu::approvals::Late::PassOn,
        },
        kefu::approvals::StepDef {
            roles: &[Role::CenterManager],
            deadline_hours: 48,
            late: kefu::approvals::Late::PassOn,
        },
    ],
};

/// Files a [`TWO_STEPS`] request by `requester`; returns its id.
pub async fn submit_two_steps(app: &TestApp, requester: i64) -> i64 {
    use diesel_async::AsyncConnection;
    kefu::approvals::register(&TWO_STEPS);
    let config = app.config.clone();
    let mut conn = app.db().await;
    conn.transaction::<_, kefu::AppError, _>(async |conn| {
        kefu::approvals::engine::submit(
            conn,
            &TWO_STEPS,
            1,
            "两步申请",
            requester,
            &config,
            Utc::now(),
        )
        .await
    })
    .await
    .unwrap()
}

/// `actor` approves (or rejects) `task` from the site, with `comment`.
pub async fn decide_task(
    app: &TestApp,
    task: i64,
    actor: i64,
    approve: bool,
    comment: &str,
) -> Result<kefu::approvals::models::Request, kefu::approvals::engine::Refusal> {
    let mut conn = app.db().await;
    kefu::approvals::engine::decide(
        &mut conn,
        task,
        actor,
        approve,
        comment,
        (kefu::approvals::engine::Via::Web, None),
        &app.config,
        Utc::now(),
    )
    .await
    .unwrap()
}

#[tokio::test]
async fn steps_are_decided_in_order_and_the_requester_is_told_at_the_end() {
    let app = TestApp::spawn().await;
    let (employee, supervisor, manager) = (
        user_id(&app, "employee").await,
        user_id(&app, "supervisor").await,
        user_id(&app, "manager").await,
    );
    let id = submit_two_steps(&app, employee).await;
    let mut conn = app.db().await;
    let (first, approver, step) = pending_task(&mut conn).await;
    assert_eq!((approver, step), (supervisor, 0));
    // The manager cannot take the first step.
    assert!(decide_task(&app, first, manager, true, "").await.is_err());
    let after_first = decide_task(&app, first, supervisor, true, "一审同意")
        .await
        .unwrap();
    assert_eq!(
        (after_first.status.as_str(), after_first.current_step),
        ("pending", 1)
    );
    let (second, approver, step) = pending_task(&mut conn).await;
    assert_eq!((approver, step), (manager, 1));
    let done = decide_task(&app, second, manager, true, "二审同意")
        .await
        .unwrap();

    assert_eq!(done.status, "approved");
    assert_eq!(done.id, id);
    let mails: Vec<String> = kefu::schema::mail_outbox::table
        .order(kefu::schema::mail_outbox::id)
        .select(kefu::schema::mail_outbox::idempotency_key)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(mails.len(), 3, "{mails:?}");
    assert_eq!(mails[2], format!("approval_outcome:{id}"));
}

/// The rule book's review and approval are two people's: a supervisor who
/// reviewed a request never approves its next step, not even as the manager's
/// deputy.
#[tokio::test]
async fn whoever_approved_one_step_never_decides_the_next() {
    let app = TestApp::spawn().await;
    // The manager is away and names the supervisor to decide for them.
    name_deputy(&app.login_as(Role::CenterManager).await, "supervisor").await;
    let (employee, supervisor, manager) = (
        user_id(&app, "employee").await,
        user_id(&app, "supervisor").await,
        user_id(&app, "manager").await,
    );
    let id = submit_two_steps(&app, employee).await;
    let mut conn = app.db().await;
    let (first, _, _) = pending_task(&mut conn).await;
    decide_task(&app, first, supervisor, true, "审核同意")
        .await
        .unwrap();
    // The second step is the manager's, and its mail goes to the manager, not
    // to the deputy who reviewed it.
    let (second, approver, step) = pending_task(&mut conn).await;
    assert_eq!((approver, step), (manager, 1));
    let to: Vec<String> = kefu::schema::mail_outbox::table
        .filter(kefu::schema::mail_outbox::message.eq("approval_request"))
        .order(kefu::schema::mail_outbox::id)
        .select(kefu::schema::mail_outbox::to_addr)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        to,
        vec![
            "supervisor@kefu.example.com".to_owned(),
            "manager@kefu.example.com".to_owned()
        ]
    );
    // Not in the supervisor's inbox nor count; no decision form on its page.
    let browser = app.login_as(Role::CsSupervisor).await;
    let (_, inbox) = browser.page("/approvals").await;
    assert!(!inbox.contains("两步申请"), "{inbox}");
    assert_eq!(text_of(&inbox, ".modules .count"), None);
    let (_, page) = browser.page(&format!("/approvals/{id}")).await;
    assert!(value_of(&page, r#"input[name="task_id"]"#).is_none());
    // A decision sent anyway is refused; the manager's is taken.
    let refused = decide_task(&app, second, supervisor, true, "").await;
    assert!(matches!(
        refused,
        Err(kefu::approvals::engine::Refusal::NotYours)
    ));
    let done = decide_task(&app, second, manager, true, "").await.unwrap();
    assert_eq!(done.status, "approved");
}

/// Whoever decided the first step, holding the second step's post too, leaves
/// it to a colleague in that post, not to the administrator.
#[tokio::test]
async fn a_later_step_goes_to_a_colleague_in_the_post_before_the_administrator() {
    let app = TestApp::spawn().await;
    let (employee, supervisor, manager) = (
        user_id(&app, "employee").await,
        user_id(&app, "supervisor").await,
        user_id(&app, "manager").await,
    );
    assert!(supervisor < manager, "the supervisor would be found first");
    app.grant(supervisor, Role::CenterManager).await;
    let mut conn = app.db().await;
    submit_two_steps(&app, employee).await;
    let (first, approver, _) = pending_task(&mut conn).await;
    assert_eq!(approver, supervisor);
    decide_task(&app, first, supervisor, true, "审核同意")
        .await
        .unwrap();
    let (_, approver, step) = pending_task(&mut conn).await;
    assert_eq!((approver, step), (manager, 1));
}

/// The rule that no one decides two steps binds deputies only: when the one
/// left to decide a later step is who decided an earlier one (here the only
/// administrator, with no supervisor or manager left), they decide it, rather
/// than the request waiting on nobody.
#[tokio::test]
async fn an_administrator_left_alone_decides_both_steps() {
    let app = TestApp::spawn().await;
    let mut conn = app.db().await;
    for name in ["supervisor", "manager"] {
        diesel::update(users::table.filter(users::username.eq(name)))
            .set(users::active.eq(false))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let (employee, admin) = (
        user_id(&app, "employee").await,
        user_id(&app, "admin").await,
    );
    submit_two_steps(&app, employee).await;
    let (first, approver, _) = pending_task(&mut conn).await;
    assert_eq!(approver, admin);
    decide_task(&app, first, admin, true, "").await.unwrap();
    let (second, approver, step) = pending_task(&mut conn).await;
    assert_eq!((approver, step), (admin, 1));
    let browser = app.login_as(Role::Admin).await;
    let (_, inbox) = browser.page("/approvals").await;
    assert!(inbox.contains("两步申请"), "in the administrator's inbox");
    let done = decide_task(&app, second, admin, true, "").await.unwrap();
    assert_eq!(done.status, "approved");
}

async fn pending_task(conn: &mut diesel_async::AsyncPgConnection) -> (i64, i64, i32) {
    approval_tasks::table
        .filter(approval_tasks::status.eq("pending"))
        .select((
            approval_tasks::id,
            approval_tasks::approver_id,
            approval_tasks::step,
        ))
        .first(conn)
        .await
        .unwrap()
}

/// The inbox's count in the menu and the inbox itself agree for a deputy: on the
/// site's calendar day (not the database's), and with the same deputy named twice
/// for overlapping days.
#[tokio::test]
async fn a_deputys_count_follows_the_sites_day_and_counts_each_task_once() {
    // A site time zone whose date is not the database's today, whatever the hour.
    let db_today: NaiveDate =
        diesel::select(diesel::dsl::sql::<diesel::sql_types::Date>("current_date"))
            .get_result(&mut admin_conn().await)
            .await
            .unwrap();
    let tz = [
        chrono_tz::Pacific::Kiritimati,
        chrono_tz::Pacific::Pago_Pago,
    ]
    .into_iter()
    .find(|tz| Utc::now().with_timezone(tz).date_naive() != db_today)
    .expect("UTC+14 and UTC-11 are never both on the database's date");
    let app = TestApp::spawn_with(|c| c.tz = tz).await;
    let site_today = Utc::now().with_timezone(&tz).date_naive();
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let res = supervisor
        .submit(
            "/approvals/deputies",
            "/approvals/deputies",
            &[
                ("deputy", "engineer"),
                ("starts_on", &site_today.to_string()),
                ("ends_on", &site_today.to_string()),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // A second one over the same day (the form refuses it now; named before
    // it did, or from two forms sent at the same instant, it may be there).
    let offset = (site_today - today()).num_days();
    insert_deputyship(&app, "supervisor", "engineer", offset, offset + 2).await;
    // Leave from the site's tomorrow: a day ahead there, whatever the hour here.
    let employee = app.login_as(Role::Employee).await;
    let res = employee
        .submit(
            "/leave/new",
            "/leave/new",
            &[
                ("leave_type", "事假"),
                ("start_date", &(site_today + Duration::days(1)).to_string()),
                ("end_date", &(site_today + Duration::days(2)).to_string()),
                ("reason", "家中有事"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "leave filed");

    let deputy = app.login_as(Role::EngineeringManager).await;
    let (_, inbox) = deputy.page("/approvals").await;
    let doc = scraper::Html::parse_document(&inbox);
    let rows = scraper::Selector::parse("table.inbox tbody tr").unwrap();
    assert_eq!(doc.select(&rows).count(), 1, "one task, listed once");
    assert_eq!(text_of(&inbox, ".modules .count").as_deref(), Some("1"));
}

/// What a request's filing left in the database, with its ids, times and link
/// token taken out: the request, its task, its trail, the approver's link and mail.
async fn filed_rows(app: &TestApp, request: i64) -> Vec<String> {
    let mut conn = app.db().await;
    let row = |q: String| async {
        #[derive(diesel::QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::Text)]
            row: String,
        }
        let mut conn = app.db().await;
        diesel::sql_query(q)
            .load::<Row>(&mut conn)
            .await
            .unwrap()
            .into_iter()
            .map(|r| r.row)
            .collect::<Vec<_>>()
    };
    let created: chrono::DateTime<Utc> = approval_requests::table
        .find(request)
        .select(approval_requests::created_at)
        .first(&mut conn)
        .await
        .unwrap();
    let mut rows = Vec::new();
    for q in [
        "SELECT concat_ws('|', kind, title, requester_id, status, current_step, version, \
             step_roles, updated_at - created_at) AS row FROM approval_requests WHERE id = {r}",
        "SELECT concat_ws('|', step, approver_id, role_code, level, status, due_at - created_at) \
             AS row FROM approval_tasks WHERE request_id = {r}",
        "SELECT concat_ws('|', step, action, actor_id, via, on_behalf_of, comment, at - {t}) \
             AS row FROM approval_events WHERE request_id = {r} ORDER BY id",
        "SELECT concat_ws('|', l.user_id, l.request_version, l.used_at, \
             l.expires_at - {t}) AS row FROM approval_links l \
             JOIN approval_tasks t ON t.id = l.task_id WHERE t.request_id = {r}",
        "SELECT concat_ws('|', regexp_replace(m.idempotency_key, '^approval_task:[0-9]+:', 'approval_task:T:'), m.message, \
             m.to_addr, m.to_name, m.locale, m.subject, \
             regexp_replace(m.body_text, '/approvals/link/[0-9a-f]{64}', 'LINK', 'g'), \
             regexp_replace(m.body_html, '/approvals/link/[0-9a-f]{64}', 'LINK', 'g')) AS row \
             FROM mail_outbox m JOIN approval_tasks t \
             ON m.idempotency_key LIKE 'approval_task:' || t.id || ':%' \
             WHERE t.request_id = {r}",
    ] {
        let q = q
            .replace("{r}", &request.to_string())
            .replace("{t}", &format!("'{}'::timestamptz", created.to_rfc3339()));
        let found = row(q.clone()).await;
        assert!(!found.is_empty(), "nothing for {q}");
        rows.extend(found);
    }
    rows
}

/// A leave form files its leave, request, trail, link, mail, audit line and
/// form token in one statement (`db::With`), its mail's details taken from the
/// form: it must file exactly what the engine's `submit` files after the leave
/// was inserted on its own (details read back from the database), here for a
/// supervisor (passed over to the next in line) whose approver named a deputy.
#[tokio::test]
async fn a_leave_filed_in_one_statement_is_what_the_engine_files() {
    let app = TestApp::spawn().await;
    let manager = app.login_as(Role::CenterManager).await;
    manager
        .submit(
            "/approvals/deputies",
            "/approvals/deputies",
            &[
                ("deputy", "admin"),
                ("starts_on", &day(0)),
                ("ends_on", &day(3)),
            ],
        )
        .await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let leave = file_leave(&supervisor).await;
    let mut conn = app.db().await;
    let (request, title, requester, created): (i64, String, i64, chrono::DateTime<Utc>) =
        approval_requests::table
            .filter(approval_requests::subject_id.eq(leave))
            .filter(approval_requests::kind.eq("leave"))
            .select((
                approval_requests::id,
                approval_requests::title,
                approval_requests::requester_id,
                approval_requests::created_at,
            ))
            .first(&mut conn)
            .await
            .unwrap();
    let path: Option<String> = kefu::schema::form_submissions::table
        .filter(kefu::schema::form_submissions::user_id.eq(requester))
        .select(kefu::schema::form_submissions::result_path)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(path, Some(format!("/leave/{leave}")));
    let audit: serde_json::Value = kefu::schema::audit_log::table
        .filter(kefu::schema::audit_log::action.eq("leave.filed"))
        .filter(kefu::schema::audit_log::entity_id.eq(leave.to_string()))
        .filter(kefu::schema::audit_log::actor_id.eq(requester))
        .select(kefu::schema::audit_log::details)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(audit["approval_request"], request);
    assert_eq!(audit["half_days"], 4);

    // The same leave, filed by the engine's own submit at the same moment.
    let copy = {
        use diesel_async::AsyncConnection;
        let config = app.config.clone();
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            let l: kefu::leave::models::Leave = leave_requests::table
                .find(leave)
                .select(kefu::leave::models::Leave::as_select())
                .first(conn)
                .await?;
            // One person is not away twice at once: the original steps aside
            // (its approval rows, compared below, stay as filed).
            diesel::update(leave_requests::table.find(leave))
                .set(leave_requests::status.eq("withdrawn"))
                .execute(conn)
                .await?;
            let id = kefu::leave::queries::create(
                conn,
                &kefu::leave::models::NewLeave {
                    user_id: l.user_id,
                    leave_type: &l.leave_type,
                    start_date: l.start_date,
                    start_pm: l.start_pm,
                    end_date: l.end_date,
                    end_am: l.end_am,
                    half_days: l.half_days,
                    reason: &l.reason,
                    status: &l.status,
                    after_the_fact: l.after_the_fact,
                    recorded_by: l.recorded_by,
                },
            )
            .await?;
            Ok(kefu::approvals::engine::submit(
                conn,
                &kefu::approvals::LEAVE,
                id,
                &title,
                requester,
                &config,
                created,
            )
            .await
            .unwrap())
        })
        .await
        .unwrap()
    };
    let (filed, submitted) = (
        filed_rows(&app, request).await,
        filed_rows(&app, copy).await,
    );
    assert_eq!(filed, submitted);
    assert!(
        filed.iter().any(|r| r.contains("skipped_requester")),
        "{filed:#?}"
    );
    assert!(
        filed.iter().any(|r| r.contains(&mail_of(Role::Admin))),
        "the deputy is mailed: {filed:#?}"
    );
}

/// The supervisor decides on what their page showed: leave changed by its
/// employee after the page was opened is not approved unseen.
#[tokio::test]
async fn a_request_edited_after_the_page_was_opened_is_not_decided_unseen() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let leave = file_leave(&employee).await;
    let request: i64 = approval_requests::table
        .filter(approval_requests::subject_id.eq(leave))
        .filter(approval_requests::kind.eq("leave"))
        .select(approval_requests::id)
        .first(&mut app.db().await)
        .await
        .unwrap();
    let page = format!("/approvals/{request}");
    let (_, shown) = supervisor.page(&page).await;
    let task = value_of(&shown, r#"input[name="task_id"]"#).unwrap();
    let version = value_of(&shown, r#"input[name="version"]"#).unwrap();

    // Meanwhile the employee moves the leave; the supervisor's click comes back.
    let new_start = reschedule_leave(&employee, leave, 5).await;
    let approve = async |version: &str| {
        let sent = [
            ("task_id", task.as_str()),
            ("version", version),
            ("decision", "approve"),
            ("comment", "同意，注意交接"),
        ];
        supervisor.post(&format!("{page}/decide"), &sent).await
    };
    let res = approve(&version).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-decision").unwrap().contains("已被修改"));
    assert_eq!(
        text_of(&body, "#f-comment").as_deref(),
        Some("同意，注意交接")
    );
    assert!(
        body.contains(&new_start),
        "the page shows the leave as it is now"
    );
    assert_eq!(state(&app).await, ("pending".into(), 0, 0));

    // Decided again on what is now shown.
    let version = value_of(&body, r#"input[name="version"]"#).unwrap();
    let res = approve(&version).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(state(&app).await, ("approved".into(), 1, 0));
}

/// Two deputies named for the same days, the latest the requester: the other
/// one gets the request, not the absent approver.
#[tokio::test]
async fn a_requester_named_deputy_leaves_the_request_to_the_other_deputy() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    for deputy in ["manager", "engineer"] {
        name_deputy(&supervisor, deputy).await;
    }
    file_leave(&app.login_as(Role::EngineeringManager).await).await;

    let mut conn = app.db().await;
    let to: Vec<String> = kefu::schema::mail_outbox::table
        .filter(kefu::schema::mail_outbox::message.eq("approval_request"))
        .select(kefu::schema::mail_outbox::to_addr)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(to, [mail_of(Role::CenterManager)]);
}

#[tokio::test]
async fn a_deactivated_deputy_is_marked_on_the_deputies_page() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    name_deputy(&supervisor, "engineer").await;
    let badge = |html: &str| text_of(html, "tbody td .badge");
    assert_eq!(badge(&supervisor.page("/approvals/deputies").await.1), None);
    let mut conn = app.db().await;
    diesel::update(users::table.filter(users::username.eq("engineer")))
        .set(users::active.eq(false))
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        badge(&supervisor.page("/approvals/deputies").await.1).as_deref(),
        Some("已停用")
    );
}

/// A deputy decides what the rule book gives to named posts: a colleague who
/// holds no deciding post is refused, with the form kept, and is not offered.
#[tokio::test]
async fn only_a_colleague_in_a_deciding_post_stands_in() {
    let app = TestApp::spawn().await;
    let manager = app.login_as(Role::CenterManager).await;
    let (_, form) = manager.page("/approvals/deputies").await;
    let offered = texts_of(&form, "#f-deputy option");
    assert!(offered.iter().any(|o| o.contains("李强")), "{offered:?}");
    assert!(!offered.iter().any(|o| o.contains("赵磊")), "{offered:?}");
    let res = manager
        .submit(
            "/approvals/deputies",
            "/approvals/deputies",
            &[
                ("deputy", "employee"),
                ("starts_on", &day(0)),
                ("ends_on", &day(2)),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert_eq!(
        text_of(&page, "#e-deputy").as_deref(),
        Some("代理人代您审批：请选择担任审批岗位的同事（主管、经理或系统管理员）。")
    );
    assert_eq!(
        value_of(&page, "#f-ends_on").as_deref(),
        Some(day(2).as_str())
    );
    let mut conn = app.db().await;
    let named: i64 = kefu::schema::approval_deputies::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(named, 0);
}

/// A deputyship's dates: both given, not over before today, and not a second
/// time for days the same deputy already has.
#[tokio::test]
async fn a_deputyship_needs_its_dates_a_day_to_come_and_no_repeat() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let name = async |starts: &str, ends: &str| {
        supervisor
            .submit(
                "/approvals/deputies",
                "/approvals/deputies",
                &[
                    ("deputy", "manager"),
                    ("starts_on", starts),
                    ("ends_on", ends),
                ],
            )
            .await
    };
    for (starts, ends, field, message) in [
        ("", "", "#e-starts_on", "请填写日期（YYYY-MM-DD）。"),
        (
            &day(-30) as &str,
            &day(-26) as &str,
            "#e-ends_on",
            "结束日期已过：代理期限须包含今天或以后的日子。",
        ),
    ] {
        let res = name(starts, ends).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{starts}");
        let page = res.text().await.unwrap();
        assert_eq!(text_of(&page, field).as_deref(), Some(message), "{starts}");
    }
    assert_eq!(name(&day(0), &day(4)).await.status(), StatusCode::SEE_OTHER);
    // The same deputy again for some of those days, from a fresh form.
    let res = name(&day(3), &day(8)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert_eq!(
        text_of(&page, "#e-starts_on").as_deref(),
        Some("这段时间内已指定此人为代理人，无需重复指定。")
    );
    // The days after are theirs to add.
    assert_eq!(name(&day(5), &day(8)).await.status(), StatusCode::SEE_OTHER);
    assert_eq!(deputyships_of(&app, "supervisor").await.len(), 2);
}

/// The deputyships of `principal` as (deputy's username, starts, ends), oldest first.
async fn deputyships_of(app: &TestApp, principal: &str) -> Vec<(String, NaiveDate, NaiveDate)> {
    use kefu::schema::approval_deputies as d;
    let principal = user_id(app, principal).await;
    d::table
        .inner_join(users::table.on(users::id.eq(d::deputy_id)))
        .filter(d::user_id.eq(principal))
        .order(d::starts_on)
        .select((users::username, d::starts_on, d::ends_on))
        .load(&mut app.db().await)
        .await
        .unwrap()
}

/// Names `deputy` for `principal` from `from` to `to` days from today, as a
/// deputyship named before deputies were checked would stand in the database.
async fn insert_deputyship(app: &TestApp, principal: &str, deputy: &str, from: i64, to: i64) {
    use kefu::schema::approval_deputies as d;
    let (principal, deputy) = (user_id(app, principal).await, user_id(app, deputy).await);
    diesel::insert_into(d::table)
        .values((
            d::user_id.eq(principal),
            d::deputy_id.eq(deputy),
            d::starts_on.eq(today() + Duration::days(from)),
            d::ends_on.eq(today() + Duration::days(to)),
        ))
        .execute(&mut app.db().await)
        .await
        .unwrap();
}

/// A deputy whose deciding post is taken away stands in no more: the
/// deputyship under way ends yesterday (what it decided stays on record), one
/// from today on is gone.
#[tokio::test]
async fn a_deputy_who_loses_the_deciding_post_stands_in_no_more() {
    let app = TestApp::spawn().await;
    let manager = app.login_as(Role::CenterManager).await;
    name_deputy(&manager, "supervisor").await;
    insert_deputyship(&app, "manager", "supervisor", -3, 4).await;
    insert_deputyship(&app, "manager", "engineer", 1, 2).await;

    let admin = app.login_as(Role::Admin).await;
    let id = user_id(&app, "supervisor").await;
    let res = admin
        .post(
            &format!("/admin/users/{id}"),
            &[
                ("display_name", "客服主管 李强"),
                ("email", "supervisor@kefu.example.com"),
                ("locale", "zh-CN"),
                ("roles", "employee"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    assert_eq!(
        deputyships_of(&app, "manager").await,
        [
            (
                "supervisor".to_owned(),
                today() - Duration::days(3),
                today() - Duration::days(1)
            ),
            (
                "engineer".to_owned(),
                today() + Duration::days(1),
                today() + Duration::days(2)
            ),
        ]
    );
}

/// Deputyships named before deputies were checked, whose deputy holds no
/// deciding post, end when the site starts (migrates); the others stay.
#[tokio::test]
async fn deputyships_without_a_deciding_post_end_when_the_site_starts() {
    let app = TestApp::spawn().await;
    insert_deputyship(&app, "manager", "employee", -2, 5).await;
    insert_deputyship(&app, "manager", "specialist", 0, 3).await;
    insert_deputyship(&app, "manager", "supervisor", -1, 6).await;
    insert_deputyship(&app, "supervisor", "employee", -9, -4).await;

    kefu::db::migrate(&app.db_url, today()).await.unwrap();

    assert_eq!(
        deputyships_of(&app, "manager").await,
        [
            (
                "employee".to_owned(),
                today() - Duration::days(2),
                today() - Duration::days(1)
            ),
            (
                "supervisor".to_owned(),
                today() - Duration::days(1),
                today() + Duration::days(6)
            ),
        ]
    );
    assert_eq!(
        deputyships_of(&app, "supervisor").await,
        [(
            "employee".to_owned(),
            today() - Duration::days(9),
            today() - Duration::days(4)
        )],
        "one over already is history, left as it is"
    );
    let (_, log) = app
        .login_as(Role::Admin)
        .await
        .page("/admin/audit?action=approval.deputies_ended")
        .await;
    let rows = texts_of(&log, "tbody tr");
    assert_eq!(rows.len(), 1, "{log}");
    assert!(
        rows[0].contains("系统启动"),
        "the channel named: {}",
        rows[0]
    );
}

/// A comment longer than the form allows, or no decision chosen, comes back on
/// the form with the comment as typed; nothing is decided, nothing cut.
#[tokio::test]
async fn a_decision_the_form_cannot_take_comes_back_with_the_comment() {
    let app = TestApp::spawn().await;
    file_leave(&app.login_as(Role::Employee).await).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let mut conn = app.db().await;
    let request: i64 = approval_requests::table
        .select(approval_requests::id)
        .first(&mut conn)
        .await
        .unwrap();
    let page = format!("/approvals/{request}");
    let (_, read) = supervisor.page(&page).await;
    let task = value_of(&read, r#"input[name="task_id"]"#).unwrap();
    let long = format!("{}尾巴", "意".repeat(499));
    for (decision, comment, (field, message)) in [
        (
            "approve",
            long.as_str(),
            ("#e-comment", "审批意见不能超过 500 个字。"),
        ),
        ("", "同意", ("#e-decision", "请选择“同意”或“驳回”。")),
    ] {
        let res = supervisor
            .post(
                &format!("{page}/decide"),
                &[
                    ("task_id", &task),
                    ("decision", decision),
                    ("comment", comment),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = res.text().await.unwrap();
        assert_eq!(text_of(&body, field).as_deref(), Some(message));
        assert_eq!(text_of(&body, "#f-comment").as_deref(), Some(comment));
    }
    let status: String = approval_requests::table
        .select(approval_requests::status)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(status, "pending");

    // Ten lines of 49 characters are 499 as the browser counts them (its line
    // ends, sent as CR LF, one each): taken, and kept with LF line ends.
    let lines = vec!["意".repeat(49); 10].join("\r\n");
    let res = supervisor
        .post(
            &format!("{page}/decide"),
            &[
                ("task_id", &task),
                ("decision", "approve"),
                ("comment", &lines),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let kept: String = approval_events::table
        .filter(approval_events::action.eq("approved"))
        .select(approval_events::comment)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(kept, lines.replace("\r\n", "\n"));
}

/// The admin's list of jobs says what each job does and how often in their
/// language, and a failed run says so in it too, its technical cause kept
/// aside for whoever maintains the system.
#[tokio::test]
async fn the_list_of_jobs_reads_in_the_admins_language_failures_included() {
    let app = TestApp::spawn().await;
    let mut conn = app.db().await;
    // Failed: in a period long over, and in the current one.
    let job = kefu::jobs::find("keys.overdue").unwrap();
    let current = kefu::jobs::period(job, Utc::now(), app.config.tz);
    diesel::sql_query(
        "INSERT INTO job_runs (job, period, finished_at, ok, result) \
         VALUES ('visits.digest', '2026-12-01T00:00', now(), false, \
                 'sending the digest: connection refused'), \
                ('keys.overdue', $1, now(), false, 'timed out')",
    )
    .bind::<diesel::sql_types::Text, _>(&current)
    .execute(&mut conn)
    .await
    .unwrap();
    let admin = app.login_as(Role::Admin).await;

    let (_, zh) = admin.page("/admin/jobs").await;
    let jobs = text_of(&zh, "main ul").unwrap();
    assert!(jobs.contains("来访登记日报 visits.digest · 每天"), "{jobs}");
    assert!(
        jobs.contains("审批催办 approvals.remind · 每 15 分钟"),
        "{jobs}"
    );
    assert!(
        jobs.contains("钥匙逾期未还提醒 keys.overdue · 每小时"),
        "{jobs}"
    );
    let runs = texts_of(&zh, "tbody tr");
    assert!(runs[0].contains("钥匙逾期未还提醒"), "{runs:?}");
    assert!(runs[0].contains("运行出错，本周期内会自动重试"), "{runs:?}");
    assert!(runs[1].contains("来访登记日报"), "{runs:?}");
    assert!(runs[1].contains("运行出错，该周期未能完成"), "{runs:?}");
    assert_eq!(
        texts_of(&zh, "tbody tr details pre"),
        ["timed out", "sending the digest: connection refused"]
    );

    let (_, en) = admin.page("/admin/jobs?lang=en").await;
    let jobs = text_of(&en, "main ul").unwrap();
    assert!(
        jobs.contains("Visitor register daily digest visits.digest · every day"),
        "{jobs}"
    );
    let run = text_of(&en, "tbody tr").unwrap();
    assert!(run.contains("The run failed"), "{run}");
}

/// A deputy stands in from the day the deputyship begins: they open the
/// requests of the colleague they stand in for that were still open then
/// (and later ones), not the colleague's past decisions.
#[tokio::test]
async fn a_deputy_reads_the_requests_open_in_the_deputyship_not_the_colleagues_past_ones() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let employee = app.login_as(Role::Employee).await;
    let mut conn = app.db().await;
    let request_of = async |leave: i64| -> i64 {
        approval_requests::table
            .filter(approval_requests::subject_id.eq(leave))
            .filter(approval_requests::kind.eq("leave"))
            .select(approval_requests::id)
            .first(&mut app.db().await)
            .await
            .unwrap()
    };
    let decide = async |leave: i64| {
        let page = format!("/approvals/{}", request_of(leave).await);
        let (_, read) = supervisor.page(&page).await;
        let task = value_of(&read, r#"input[name="task_id"]"#).unwrap();
        let res = supervisor
            .post(
                &format!("{page}/decide"),
                &[
                    ("task_id", task.as_str()),
                    ("decision", "approve"),
                    ("comment", ""),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    };
    // Decided by the supervisor the day before the deputyship begins.
    let past = file_leave_from(&employee, 3).await;
    decide(past).await;
    diesel::sql_query(format!(
        "UPDATE approval_tasks SET decided_at = decided_at - interval '1 day' \
         WHERE request_id = {}",
        request_of(past).await
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    // Decided today, while the deputy stands in; and one still waiting.
    name_deputy(&supervisor, "engineer").await;
    let today_decided = file_leave_from(&employee, 5).await;
    decide(today_decided).await;
    let waiting = file_leave_from(&employee, 8).await;

    let deputy = app.login_as(Role::EngineeringManager).await;
    for (leave, status) in [
        (waiting, StatusCode::OK),
        (today_decided, StatusCode::OK),
        (past, StatusCode::FORBIDDEN),
    ] {
        let request = request_of(leave).await;
        assert_eq!(
            deputy.page(&format!("/leave/{leave}")).await.0,
            status,
            "leave {leave}"
        );
        assert_eq!(
            deputy.page(&format!("/approvals/{request}")).await.0,
            status,
            "request {request}"
        );
    }
}

/// Whoever has left is not written to: not the requester when their request
/// is decided, not an approver who keeps a task nobody else could take.
#[tokio::test]
async fn no_mail_goes_to_a_requester_or_approver_who_has_left() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    file_leave(&employee).await;
    let mut conn = app.db().await;
    let (task, supervisor, _) = pending_task(&mut conn).await;
    let created: chrono::DateTime<Utc> = approval_tasks::table
        .find(task)
        .select(approval_tasks::created_at)
        .first(&mut conn)
        .await
        .unwrap();
    let keys = || async {
        kefu::schema::mail_outbox::table
            .order(kefu::schema::mail_outbox::id)
            .select(kefu::schema::mail_outbox::idempotency_key)
            .load::<String>(&mut app.db().await)
            .await
            .unwrap()
    };
    let before = keys().await;

    // The supervisor has left (the task stayed theirs): no reminder.
    app.deactivate("supervisor").await;
    let said = kefu::approvals::jobs::remind(&mut conn, created + Duration::hours(9), &app.config)
        .await
        .unwrap();
    assert_eq!(
        kefu::jobs::result_in(&said, kefu::i18n::Locale::En),
        "reminded 0"
    );
    assert_eq!(keys().await, before);

    // Back again, and reminded; then the employee leaves before the decision:
    // the leave is decided, and no outcome mail is queued.
    diesel::update(kefu::schema::users::table.find(supervisor))
        .set(kefu::schema::users::active.eq(true))
        .execute(&mut conn)
        .await
        .unwrap();
    let said = kefu::approvals::jobs::remind(&mut conn, created + Duration::hours(9), &app.config)
        .await
        .unwrap();
    assert_eq!(
        kefu::jobs::result_in(&said, kefu::i18n::Locale::En),
        "reminded 1"
    );
    app.deactivate("employee").await;
    let done = decide_task(&app, task, supervisor, true, "同意")
        .await
        .unwrap();
    assert_eq!(done.status, "approved");
    let after = keys().await;
    assert_eq!(after.len(), before.len() + 1, "{after:?}");
    assert!(after.last().unwrap().ends_with(":reminder"), "{after:?}");
}
