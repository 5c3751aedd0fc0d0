//! The visitor register (来访客户登记表): registering a reception within 10
//! minutes or late, each reader's lines, following a visitor up and reporting to
//! the supervisor by mail, the phone masked and its full view audited, paper and
//! exports.
use chrono::{Duration, Timelike, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::schema::{audit_log, visit_notes, visits};
use reqwest::StatusCode;

use crate::approvals::mail_of;
use crate::helpers::*;
use crate::mail::worker;
use crate::smtp::SmtpServer;

/// The form's fields for a reception of `name` that ended `ended_ago` minutes ago
/// and lasted 20 minutes, in Shanghai's time (the test site's).
pub fn visit(name: &str, ended_ago: i64) -> Vec<(&'static str, String)> {
    let tz = chrono_tz::Asia::Shanghai;
    let end = (Utc::now() - Duration::minutes(ended_ago)).with_timezone(&tz);
    // Begun on the day given (just after midnight, the day before).
    let start = end - Duration::minutes(20);
    vec![
        ("day", start.date_naive().to_string()),
        ("start", start.format("%H:%M").to_string()),
        ("end", end.format("%H:%M").to_string()),
        ("visitor_name", name.into()),
        ("visitor_phone", "13812345678".into()),
        ("visitor_kind", "owner".into()),
        ("room", "1栋-2单元-0301".into()),
        ("matter", "咨询装修押金退还".into()),
        ("answer", "已告知退还流程".into()),
    ]
}

pub async fn register(b: &Browser, fields: &[(&'static str, String)]) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.submit("/visits/new", "/visits/new", &fields).await
}

async fn visit_count(app: &TestApp) -> i64 {
    visits::table
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_reception_is_registered_within_ten_minutes_or_marked_late() {
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;

    let liu = visit("刘先生", 2);
    let res = register(&specialist, &liu).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let on_time = location(&res);
    let (_, page) = specialist.page(&on_time).await;
    assert!(page.contains("刘先生") && page.contains("咨询装修押金退还"));
    assert_eq!(
        text_of(&page, "#visit-phone").as_deref(),
        Some("138****5678")
    );
    assert_eq!(text_of(&page, "#visit-status").as_deref(), Some("已结案"));
    assert!(text_of(&page, "#visit-late").is_none(), "on time");

    // The typed end's whole minute counts: ten minutes and some seconds
    // after it is on time, the next minute late (not too near a minute's
    // turn, which would move the form's minute from under it).
    while Utc::now().second() >= 57 {
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }
    for (ago, late) in [(10, false), (11, true)] {
        let res = register(&specialist, &visit("陈先生", ago)).await;
        let (_, page) = specialist.page(&location(&res)).await;
        assert_eq!(text_of(&page, "#visit-late").is_some(), late, "{ago} min");
    }

    let wang = visit("王女士", 45);
    let res = register(&specialist, &wang).await;
    let late = location(&res);
    let (_, page) = specialist.page(&late).await;
    assert_eq!(text_of(&page, "#visit-late").as_deref(), Some("迟登记"));
    // One line says it: registered, and late (a warning, not a refusal).
    assert_eq!(
        texts_of(&page, ".flash.flash-warn"),
        ["已登记，但晚于接待结束 10 分钟，记为迟登记。"]
    );

    // The register of each one's month (the same but in a month's first hour),
    // and its late lines alone.
    let month_of = |fields: &[(&str, String)]| fields[0].1[..7].to_owned();
    let (liu_month, wang_month) = (month_of(&liu), month_of(&wang));
    let (_, list) = specialist.page(&format!("/visits?month={liu_month}")).await;
    assert!(list.contains("刘先生"));
    assert_eq!(list.contains("王女士"), wang_month == liu_month);
    let (_, list) = specialist
        .page(&format!("/visits?month={wang_month}"))
        .await;
    assert!(list.contains("王女士"));
    let late = format!("/visits?month={wang_month}&show=late");
    let (_, list) = specialist.page(&late).await;
    assert!(!list.contains("刘先生") && list.contains("王女士"));

    // The same form sent twice files once.
    let token = specialist.form_token("/visits/new").await;
    let mut fields = visit("赵先生", 1);
    fields.push(("form_token", token));
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for _ in 0..2 {
        let res = specialist.post("/visits/new", &fields).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(visit_count(&app).await, 5);
    let mut conn = app.db().await;
    let recorded: i64 = audit_log::table
        .filter(audit_log::action.eq("visit.recorded"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(recorded, 5);
}

#[tokio::test]
async fn a_wrong_register_keeps_the_input_and_says_what_is_wrong() {
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let mut fields = visit("", 5);
    for (k, v) in fields.iter_mut() {
        match *k {
            // Ends before it starts.
            "start" => *v = "23:00".into(),
            "end" => *v = "22:00".into(),
            // One digit: not a number anyone can call back.
            "visitor_phone" => *v = "-1".into(),
            "matter" => *v = " ".into(),
            _ => {}
        }
    }
    let res = register(&specialist, &fields).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    for (field, says) in [
        ("visitor_name", "客户姓名"),
        ("visitor_phone", "数字"),
        ("matter", "来访事由"),
    ] {
        assert!(
            text_of(&body, &format!("#e-{field}"))
                .unwrap()
                .contains(says),
            "{field}"
        );
    }
    assert!(!text_of(&body, "#e-end").unwrap().is_empty());
    assert_eq!(
        value_of(&body, "#f-room").as_deref(),
        Some("1栋-2单元-0301")
    );
    assert_eq!(
        text_of(&body, "#f-answer").as_deref(),
        Some("已告知退还流程")
    );
    assert_eq!(visit_count(&app).await, 0);
}

/// A register opened hours after the reception must not pass for one made on
/// time: the form guesses no times, and one sent without them says so.
#[tokio::test]
async fn the_new_register_asks_for_the_receptions_times_rather_than_guessing() {
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let (_, form) = specialist.page("/visits/new").await;
    let today = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        .to_string();
    assert_eq!(value_of(&form, "#f-day"), Some(today));
    assert_eq!(value_of(&form, "#f-start").as_deref(), Some(""));
    assert_eq!(value_of(&form, "#f-end").as_deref(), Some(""));

    let fields: Vec<_> = visit("刘先生", 2)
        .into_iter()
        .filter(|(k, _)| !matches!(*k, "start" | "end"))
        .collect();
    let res = register(&specialist, &fields).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    for field in ["#e-start", "#e-end"] {
        assert_eq!(
            text_of(&body, field).as_deref(),
            Some("请按 时:分 填写时间，如 09:30。"),
            "{field}"
        );
    }
    assert_eq!(
        value_of(&body, "#f-visitor_name").as_deref(),
        Some("刘先生")
    );
    assert_eq!(visit_count(&app).await, 0);
}

/// With no active supervisor to report to, registering a visit to follow up
/// (or a note to report) says it reached no one, and mails nobody.
#[tokio::test]
async fn a_report_with_no_supervisor_to_tell_says_so() {
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    app.deactivate("supervisor").await;
    let mut fields = visit("刘先生", 2);
    fields.push(("follow_up", "1".into()));
    let page = location(&register(&specialist, &fields).await);
    let (_, shown) = specialist.page(&page).await;
    assert_eq!(text_of(&shown, "#visit-status").as_deref(), Some("待跟进"));
    assert_eq!(
        texts_of(&shown, ".flash.flash-warn"),
        ["来访已登记，待跟进；但现在没有在职的客服主管，未能反馈，请直接告知服务中心经理。"]
    );
    let res = specialist
        .submit(
            &page,
            &format!("{page}/notes"),
            &[("body", "业主要求书面答复"), ("report", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, shown) = specialist.page(&page).await;
    assert_eq!(
        texts_of(&shown, ".flash.flash-warn"),
        ["已记录跟进；但现在没有在职的客服主管，未能反馈，请直接告知服务中心经理。"]
    );
    let mails: i64 = kefu::schema::mail_outbox::table
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(mails, 0);
}

#[tokio::test]
async fn each_sees_their_own_visitors_and_the_supervisor_everyones() {
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let employee = app.login_as(Role::Employee).await;
    let res = register(&specialist, &visit("刘先生", 2)).await;
    let theirs = location(&res);
    register(&employee, &visit("孙女士", 2)).await;

    let (_, mine) = employee.page("/visits").await;
    assert!(mine.contains("孙女士") && !mine.contains("刘先生"));
    assert_eq!(employee.get(&theirs).await.status(), StatusCode::FORBIDDEN);
    let (_, all) = app.login_as(Role::CsSupervisor).await.page("/visits").await;
    assert!(all.contains("孙女士") && all.contains("刘先生"));
    // Every staff member may receive a visitor; only supervisors see them all.
    let engineer = app.login_as(Role::EngineeringManager).await;
    let (status, theirs) = engineer.page("/visits").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!theirs.contains("孙女士") && !theirs.contains("刘先生"));
}

#[tokio::test]
async fn a_visitor_is_followed_up_reported_to_the_supervisor_and_closed() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let mut fields = visit("刘先生", 2);
    fields.push(("follow_up", "1".into()));
    let page = location(&register(&specialist, &fields).await);
    let (_, shown) = specialist.page(&page).await;
    assert_eq!(text_of(&shown, "#visit-status").as_deref(), Some("待跟进"));
    assert_eq!(
        texts_of(&shown, ".flash"),
        ["来访已登记，并已反馈给客服主管。"]
    );
    // Registered to be followed up, the visit is reported to the supervisor
    // at once, with what the visitor raised and what they were told.
    worker(&app).drain().await.unwrap();
    let mails = smtp.to(&mail_of(Role::CsSupervisor));
    assert_eq!(mails.len(), 1);
    assert!(mails[0].subject.contains("刘先生"));
    assert!(mails[0].text.contains("登记了一位需要跟进的来访客户"));
    assert!(mails[0].text.contains("咨询装修押金退还"));
    assert!(mails[0].text.contains("答复及处理：已告知退还流程"));
    assert!(mails[0].text.contains(&page), "with the link");
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let open = async || {
        clause_link_to(&app, &supervisor, "/visits?show=open")
            .await
            .unwrap()
    };
    // Staff who see only their own visitors get the register, not the count.
    assert!(clause_link_to(&app, &specialist, "/visits?show=open")
        .await
        .is_none());
    assert!(clause_link_to(&app, &specialist, "/visits").await.is_some());
    assert!(open().await.ends_with("待跟进 1 件"), "{}", open().await);

    // A note reported to the supervisor reaches them by mail.
    let notes = format!("{page}/notes");
    let res = specialist
        .submit(
            &page,
            &notes,
            &[("body", "业主要求书面答复退款时间"), ("report", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    worker(&app).drain().await.unwrap();
    let mails = smtp.to(&mail_of(Role::CsSupervisor));
    assert_eq!(mails.len(), 2);
    let note: Vec<_> = mails
        .iter()
        .filter(|m| m.text.contains("跟进情况：业主要求书面答复退款时间"))
        .collect();
    assert_eq!(note.len(), 1, "the SMTP server need not keep the order");
    assert!(note[0].subject.contains("刘先生"));
    assert!(note[0].text.contains(&page), "with the link");

    // The same note sent twice (a double click) is recorded and mailed once.
    let token = specialist.form_token(&page).await;
    let twice = [
        ("body", "已电话告知业主处理进度"),
        ("form_token", token.as_str()),
    ];
    for _ in 0..2 {
        let res = specialist.post(&notes, &twice).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let (_, shown) = specialist.page(&page).await;
    assert_eq!(texts_of(&shown, "#visit-notes li").len(), 2);

    // An empty note is refused and keeps the choices.
    let res = specialist
        .submit(&page, &notes, &[("body", " "), ("close", "1")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-body").unwrap().contains("跟进情况"));
    assert!(body.contains("id=\"f-close\" type=\"checkbox\" name=\"close\" value=\"1\" checked"));

    // Done: closed, and the clause counts nothing open. A note written in
    // another tab meanwhile comes back with its text to copy.
    let late = specialist.form_token(&page).await;
    let res = specialist
        .submit(
            &page,
            &notes,
            &[("body", "已书面答复，业主无异议"), ("close", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = specialist
        .post(
            &notes,
            &[("body", "补充：已抄送工程部"), ("form_token", &late)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#f-body").as_deref(),
        Some("补充：已抄送工程部")
    );
    assert!(text_of(&body, "#e-body")
        .unwrap()
        .contains("已在此期间结案"));
    let (_, shown) = specialist.page(&page).await;
    assert_eq!(text_of(&shown, "#visit-status").as_deref(), Some("已结案"));
    assert_eq!(texts_of(&shown, "#visit-notes li").len(), 3);
    assert!(
        !shown.contains("id=\"f-body\""),
        "nothing more to follow up"
    );
    assert!(open().await.ends_with("待跟进 0 件"), "{}", open().await);
    let n: i64 = visit_notes::table
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(n, 3);
}

/// A visit closed by mistake (registered without follow-up, or its follow-up
/// ticked done too soon) is opened again, saying why, by whoever may follow it
/// up: the reason is its next note, and it is followed up as any open visit.
#[tokio::test]
async fn a_closed_visit_is_reopened_with_the_reason_and_followed_up_again() {
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let res = register(&specialist, &visit("吴先生", 2)).await;
    let page = location(&res);
    let reopen = format!("{page}/reopen");
    let (_, shown) = specialist.page(&page).await;
    assert_eq!(text_of(&shown, "#visit-status").as_deref(), Some("已结案"));
    assert!(text_of(&shown, "#reopen").is_some(), "{shown}");
    assert!(!shown.contains("id=\"f-body\""));
    // Not someone else's to reopen.
    let employee = app.login_as(Role::Employee).await;
    let res = employee.post(&reopen, &[("reopen_reason", "看看")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let res = specialist
        .submit(&page, &reopen, &[("reopen_reason", " ")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-reopen_reason").as_deref(),
        Some("请写明重新打开的原因。")
    );
    specialist.page("/?lang=en").await;
    let res = specialist
        .submit(&page, &reopen, &[("reopen_reason", "")])
        .await;
    assert_eq!(
        text_of(&res.text().await.unwrap(), "#e-reopen_reason").as_deref(),
        Some("Say why it is reopened.")
    );
    specialist.page("/?lang=zh-CN").await;
    let token = specialist.form_token(&page).await;
    for _ in 0..2 {
        let res = specialist
            .post(
                &reopen,
                &[
                    ("reopen_reason", "客户来电说押金仍未退还"),
                    ("form_token", &token),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let (_, shown) = specialist.page(&page).await;
    assert_eq!(text_of(&shown, "#visit-status").as_deref(), Some("待跟进"));
    let notes = texts_of(&shown, "#visit-notes li");
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert!(
        notes[0].contains("重新打开") && notes[0].contains("客户来电说押金仍未退还"),
        "{notes:?}"
    );
    assert!(shown.contains("id=\"f-body\""), "followed up again");
    assert!(text_of(&shown, "#reopen").is_none());
    let (_, english) = specialist.page(&format!("{page}?lang=en")).await;
    assert!(text_of(&english, "#visit-notes li")
        .unwrap()
        .contains("Reopened"));
    specialist.page("/?lang=zh-CN").await;
    let (_, waiting) = specialist.page("/visits?show=open").await;
    assert!(waiting.contains("吴先生"), "among the open visits");
    let reopened: i64 = audit_log::table
        .filter(audit_log::action.eq("visit.reopened"))
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(reopened, 1, "sent twice, reopened once");
    // Reopened again from a page read before (a colleague reopened it
    // meanwhile): nothing more done, and the reason typed comes back in the
    // note form, to add as a note.
    let stale = specialist.form_token(&page).await;
    let res = specialist
        .post(
            &reopen,
            &[
                ("reopen_reason", "钥匙押金已在办理"),
                ("form_token", &stale),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let back = res.text().await.unwrap();
    assert!(text_of(&back, "#e-body")
        .unwrap()
        .contains("同事已在此期间重新打开此来访"));
    assert_eq!(
        text_of(&back, "#f-body").as_deref(),
        Some("钥匙押金已在办理")
    );
    let token = value_of(&back, r#"input[name="form_token"]"#).unwrap();
    let res = specialist
        .post(
            &format!("{page}/notes"),
            &[("body", "钥匙押金已在办理"), ("form_token", &token)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, shown) = specialist.page(&page).await;
    let notes = texts_of(&shown, "#visit-notes li");
    assert_eq!(notes.len(), 2, "{notes:?}");
    assert!(notes[1].contains("钥匙押金已在办理"), "{notes:?}");
    // Without a reason there is nothing to keep: it says the visit is open.
    let stale = specialist.form_token(&page).await;
    let res = specialist
        .post(&reopen, &[("reopen_reason", " "), ("form_token", &stale)])
        .await;
    let (_, shown) = specialist.page(&location(&res)).await;
    assert_eq!(
        text_of(&shown, ".flash").as_deref(),
        Some("此来访已是待跟进状态。")
    );
}

#[tokio::test]
async fn the_phone_is_masked_on_paper_and_shown_in_full_only_with_a_logged_view() {
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let page = location(&register(&specialist, &visit("刘先生", 2)).await);
    let id = page.rsplit('/').next().unwrap().to_owned();

    let (_, shown) = specialist.page(&page).await;
    assert!(!shown.contains("13812345678"));
    let res = specialist.post(&format!("{page}/reveal"), &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#visit-phone").as_deref(),
        Some("13812345678")
    );
    let viewed: Vec<Option<String>> = audit_log::table
        .filter(audit_log::action.eq("visit.phone_viewed"))
        .select(audit_log::entity_id)
        .load(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(viewed, vec![Some(id)]);

    // The supervisor follows every visit but sees no personal data in full.
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (_, shown) = supervisor.page(&page).await;
    assert!(!shown.contains("/reveal"));
    let res = supervisor.post(&format!("{page}/reveal"), &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    let (_, print) = supervisor.page("/visits/print").await;
    assert!(print.contains("来访客户登记表") && print.contains("138****5678"));
    assert!(!print.contains("13812345678"));
    let (_, csv) = supervisor.page("/visits.csv").await;
    assert!(csv.contains("刘先生") && csv.contains("138****5678"));
    assert!(!csv.contains("13812345678"));
    let xlsx = supervisor.get("/visits.xlsx").await;
    assert_eq!(xlsx.status(), StatusCode::OK);

    // A local number typed without its area code keeps all but two digits hidden.
    let mut local = visit("赵先生", 2);
    for (k, v) in local.iter_mut() {
        if *k == "visitor_phone" {
            *v = "8888 6666".into();
        }
    }
    let page = location(&register(&specialist, &local).await);
    let (_, shown) = supervisor.page(&page).await;
    assert_eq!(
        text_of(&shown, "#visit-phone").as_deref(),
        Some("**** **66")
    );
    let (_, csv) = supervisor.page("/visits.csv").await;
    assert!(csv.contains("赵先生") && csv.contains("**** **66"));
    assert!(!csv.contains("8888") && !csv.contains("6666"));
}

#[tokio::test]
async fn supervisors_get_one_daily_digest_of_late_registers_and_visits_left_waiting() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    register(&specialist, &visit("王女士", 45)).await;
    let mut waiting = visit("刘先生", 2);
    waiting.push(("follow_up", "1".into()));
    register(&specialist, &waiting).await;
    let mut conn = app.db().await;
    let digests = async |conn: &mut _, at| {
        kefu::visits::jobs::digest(conn, at, &app.config)
            .await
            .unwrap();
        worker(&app).drain().await.unwrap();
        // The digests alone (the visit to follow up was reported when registered).
        smtp.to(&mail_of(Role::CsSupervisor))
            .into_iter()
            .filter(|m| m.subject.contains("来访登记日报"))
            .collect::<Vec<_>>()
    };

    // The next day: yesterday's late register; the open visit is not stale yet.
    // Run twice, mailed once.
    let tomorrow = Utc::now() + Duration::days(1);
    digests(&mut conn, tomorrow).await;
    let mails = digests(&mut conn, tomorrow + Duration::hours(1)).await;
    assert_eq!(mails.len(), 1);
    assert!(mails[0].subject.contains("来访登记日报"));
    assert!(mails[0].text.contains("王女士") && !mails[0].text.contains("刘先生"));

    // Three days on, the visit nobody followed up is listed.
    let mails = digests(&mut conn, Utc::now() + Duration::days(3)).await;
    assert_eq!(mails.len(), 2);
    let waiting: Vec<_> = mails.iter().filter(|m| m.text.contains("刘先生")).collect();
    assert_eq!(waiting.len(), 1, "the SMTP server need not keep the order");
    assert!(!waiting[0].text.contains("王女士"));
    assert!(
        waiting[0].text.contains("已超过 2 天没有跟进记录："),
        "{}",
        waiting[0].text
    );
}

#[tokio::test]
async fn a_visit_waiting_since_an_earlier_month_is_listed_where_the_counts_lead() {
    use chrono::Datelike;
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let mut fields = visit("刘先生", 2);
    fields.push(("follow_up", "1".into()));
    let res = register(&specialist, &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Received forty days ago, still waiting for its follow-up.
    let then = Utc::now() - Duration::days(40);
    diesel::update(visits::table)
        .set((
            visits::started_at.eq(then - Duration::minutes(20)),
            visits::ended_at.eq(then),
        ))
        .execute(&mut app.db().await)
        .await
        .unwrap();
    let shanghai = then.with_timezone(&chrono_tz::Asia::Shanghai);
    let (then_month, this_month) = (
        format!("{}-{:02}", shanghai.year(), shanghai.month()),
        crate::approvals::today().format("%Y-%m").to_string(),
    );
    let listed = async |query: &str| {
        let (status, list) = supervisor.page(&format!("/visits?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        list.contains("刘先生")
    };
    assert!(clause_link_to(&app, &supervisor, "/visits?show=open")
        .await
        .unwrap()
        .ends_with("待跟进 1 件"));
    assert!(listed("show=open").await, "where the count leads");
    assert!(listed("").await);
    assert!(listed(&format!("month={then_month}&show=open")).await);
    assert!(!listed(&format!("month={this_month}&show=open")).await);
    let (_, paper) = supervisor.page("/visits/print?show=open").await;
    assert!(text_of(&paper, ".slip-no").unwrap().starts_with("全部月份"));
    assert!(paper.contains("刘先生"));
    let res = supervisor.get("/visits.csv?show=open").await;
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains("visits.csv"));
    assert!(res.text().await.unwrap().contains("刘先生"));
}

/// A reception that began before midnight and ended after it is registered on
/// the day it began, ending the next day.
#[tokio::test]
async fn a_reception_across_midnight_is_registered_on_the_day_it_began() {
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let day = crate::approvals::today() - Duration::days(2);
    let mut fields = visit("夜班刘先生", 60);
    for (name, value) in fields.iter_mut() {
        match *name {
            "day" => *value = day.to_string(),
            "start" => *value = "23:40".into(),
            "end" => *value = "00:15".into(),
            _ => {}
        }
    }

    let res = register(&specialist, &fields).await;

    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (started, ended): (chrono::DateTime<Utc>, chrono::DateTime<Utc>) = visits::table
        .select((visits::started_at, visits::ended_at))
        .first(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(ended - started, Duration::minutes(35));
    let local = started.with_timezone(&chrono_tz::Asia::Shanghai);
    assert_eq!(local.date_naive(), day);
    let (_, page) = specialist.page(&location(&res)).await;
    assert!(
        page.contains("夜班刘先生") && page.contains("23:40"),
        "{page}"
    );
}

/// The late registers are found by their own index, however many on-time ones
/// came after: the filtered page reads about what the first page does.
#[tokio::test]
async fn the_late_filter_reads_no_more_than_the_first_page() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let receiver = crate::approvals::user_id(&app, "specialist").await;
    app.db()
        .await
        .batch_execute(&format!(
            "INSERT INTO visits (started_at, ended_at, visitor_name, visitor_kind, matter, status, \
                 received_by, recorded_at, late, closed_at) \
             SELECT t, t + interval '10 minutes', '访客' || g, 'owner', '咨询', 'closed', {receiver}, \
                 t + CASE WHEN g = 1 THEN interval '2 hours' ELSE interval '15 minutes' END, g = 1, t \
             FROM generate_series(1, 20000) g, \
                  LATERAL (SELECT now() - interval '30 days' + g * interval '1 minute' AS t) s"
        ))
        .await
        .unwrap();

    let (_, late) = supervisor.page("/visits?show=late").await;
    assert!(
        late.contains("访客1<") || late.contains("访客1 "),
        "the late one is listed"
    );
    assert!(!late.contains("访客2"), "on-time ones are not");
    let first = app.blocks_read_for(&supervisor, "/visits").await;
    let filtered = app.blocks_read_for(&supervisor, "/visits?show=late").await;
    assert!(
        filtered <= first + 20,
        "{filtered} buffers read for the late registers, {first} for the first page"
    );
}

/// A register written wrong is corrected with the reason why: its receiver
/// corrects the details within a day but not the times, which decide whether
/// it was late; a supervisor corrects the times too, and a register no longer
/// late loses the breach kefu proposed for it. What was replaced is kept in the
/// audit trail (the phone only as changed), and the page lists each correction.
#[tokio::test]
async fn a_register_is_corrected_with_its_reason_and_one_no_longer_late_loses_its_breach() {
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    // The end typed an hour early: the register looks late.
    let res = register(&specialist, &visit("刘先生", 60)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = location(&res);
    let id: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    let stored = async || -> (String, String, String, bool) {
        visits::table
            .find(id)
            .select((
                visits::visitor_name,
                visits::visitor_phone,
                visits::matter,
                visits::late,
            ))
            .first(&mut app.db().await)
            .await
            .unwrap()
    };
    assert!(stored().await.3, "late as registered");
    let mut conn = app.db().await;
    kefu::violations::jobs::propose(&mut conn, Utc::now(), &app.config)
        .await
        .unwrap();
    let breach = async || -> String {
        kefu::schema::violations::table
            .filter(kefu::schema::violations::source.eq("visit"))
            .filter(kefu::schema::violations::source_id.eq(id))
            .select(kefu::schema::violations::status)
            .first(&mut app.db().await)
            .await
            .unwrap()
    };
    assert_eq!(breach().await, "proposed");

    // The receiver: the details, not the times; the phone is not shown.
    let edit = format!("{page}/edit");
    let (_, shown) = specialist.page(&page).await;
    assert_eq!(
        attr_of(&shown, "#visit-correct", "href"),
        Some(edit.clone())
    );
    let (status, form) = specialist.page(&edit).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text_of(&form, "#f-reception").is_some());
    assert!(
        value_of(&form, "#f-end").is_none(),
        "the times are not offered"
    );
    assert_eq!(
        value_of(&form, "#f-visitor_name").as_deref(),
        Some("刘先生")
    );
    assert_eq!(value_of(&form, "#f-visitor_phone").as_deref(), Some(""));
    assert!(!form.contains("13812345678"));
    let fields = |name: &str, reason: &str| {
        let mut f = visit(name, 2);
        f.retain(|(k, _)| *k != "visitor_phone");
        f.push(("matter", "咨询装修押金退还及期限".into()));
        f.retain(|(k, v)| *k != "matter" || v.contains("期限"));
        f.push(("reason", reason.into()));
        f.push(("version", "1".into()));
        f
    };
    let res = specialist.post(&edit, &pairs(&fields("刘建国", ""))).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-reason").unwrap().contains("更正原因"));
    assert_eq!(
        value_of(&body, "#f-visitor_name").as_deref(),
        Some("刘建国")
    );
    for _ in 0..2 {
        let res = specialist
            .post(&edit, &pairs(&fields("刘建国", "姓名听错")))
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), page);
    }
    let (_, shown) = specialist.page(&page).await;
    assert_eq!(
        text_of(&shown, ".flash").as_deref(),
        Some("没有改动，登记保持原样。"),
        "sent twice: corrected once"
    );
    assert_eq!(
        stored().await,
        (
            "刘建国".into(),
            "13812345678".into(),
            "咨询装修押金退还及期限".into(),
            true
        ),
        "the phone kept, the times (and so lateness) as registered"
    );
    assert_eq!(breach().await, "proposed");

    // The supervisor corrects the end: no longer late, the breach dismissed.
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let mut times = visit("刘建国", 3);
    times.retain(|(k, _)| *k != "matter");
    times.push(("matter", "咨询装修押金退还及期限".into()));
    times.push(("reason", "结束时间写错了一小时".into()));
    let (_, form) = supervisor.page(&edit).await;
    let read = value_of(&form, r#"input[name="version"]"#).unwrap();
    assert_eq!(read, "2", "corrected once");
    times.push(("version", read));
    let res = supervisor.post(&edit, &pairs(&times)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, shown) = supervisor.page(&page).await;
    assert_eq!(
        text_of(&shown, ".flash").as_deref(),
        Some("登记已更正，不再算迟登记；系统据此提出的违规建议已撤销。")
    );
    assert!(text_of(&shown, "#visit-late").is_none());
    assert!(!stored().await.3);
    assert_eq!(breach().await, "dismissed");
    // The receiver's form, read before the supervisor saved: not saved over
    // it unseen; the input comes back, the form now at the version that stands.
    let res = specialist
        .post(&edit, &pairs(&fields("刘建华", "又听错了")))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#f-version")
        .unwrap()
        .starts_with("您打开表单后，这份登记已被他人更正"));
    assert_eq!(
        value_of(&body, "#f-visitor_name").as_deref(),
        Some("刘建华")
    );
    assert_eq!(
        value_of(&body, r#"input[name="version"]"#).as_deref(),
        Some("3")
    );
    assert_eq!(stored().await.0, "刘建国", "nothing written");
    let (_, shown) = supervisor.page(&page).await;
    let lines = texts_of(&shown, "#visit-corrections li");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].contains("客户姓名、来访事由") && lines[0].contains("姓名听错"));
    assert!(lines[1].contains("接待时间") && lines[1].contains("结束时间写错了一小时"));
    let (_, english) = supervisor.page(&format!("{page}?lang=en")).await;
    assert!(
        text_of(&english, "#visit-corrections li")
            .unwrap()
            .contains("Visitor's name, Matter"),
        "{english}"
    );
    supervisor.page("/?lang=zh-CN").await;
    // What was replaced is on record, the phone never.
    let trail: Vec<serde_json::Value> = audit_log::table
        .filter(audit_log::action.eq("visit.corrected"))
        .order(audit_log::id)
        .select(audit_log::details)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(trail.len(), 2);
    assert_eq!(trail[0]["from"]["visitor_name"], "刘先生");
    assert_eq!(trail[0]["phone_changed"], false);
    assert!(trail[1]["from"]["reception"].is_string());
    assert!(!trail.iter().any(|t| t.to_string().contains("13812345678")));

    // A day later the receiver corrects it no more; nor does a colleague.
    diesel::update(visits::table.find(id))
        .set(visits::recorded_at.eq(Utc::now() - Duration::hours(25)))
        .execute(&mut conn)
        .await
        .unwrap();
    assert_eq!(specialist.get(&edit).await.status(), StatusCode::FORBIDDEN);
    let (_, shown) = specialist.page(&page).await;
    assert!(text_of(&shown, "#visit-correct").is_none());
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let res = keeper.post(&edit, &pairs(&times)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Nobody clears their own late register: a supervisor's own is corrected
    // as any receiver's, its times as registered.
    let res = register(&supervisor, &visit("周女士", 60)).await;
    let own = location(&res);
    let (_, form) = supervisor.page(&format!("{own}/edit")).await;
    assert!(value_of(&form, "#f-end").is_none(), "times locked");
    let mut moved = visit("周女士", 3);
    moved.push(("reason", "结束时间".into()));
    moved.push(("version", "1".into()));
    let res = supervisor
        .post(&format!("{own}/edit"), &pairs(&moved))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let late: bool = visits::table
        .find(own.rsplit('/').next().unwrap().parse::<i64>().unwrap())
        .select(visits::late)
        .first(&mut conn)
        .await
        .unwrap();
    assert!(late, "still late: the times sent were not theirs to change");
}
