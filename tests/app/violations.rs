//! Breaches and fines (违规处罚): a breach recorded or proposed from a register
//! fines no one until a supervisor confirms it; the fine follows the clause's
//! schedule and the person's confirmed record; the employee is told by mail and
//! sees only their own confirmed breaches.
use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::schema::{key_loans, mail_outbox, violations};
use reqwest::StatusCode;

use crate::approvals::{mail_of, user_id};
use crate::helpers::*;
use crate::keys::key_out;
use crate::mail::worker;
use crate::smtp::SmtpServer;

/// A breach of `clause` by `who` recorded by `by` (another incident than any
/// before it, if the same day and clause); the breach's page.
async fn record(b: &Browser, who: i64, clause: &str, details: &str) -> String {
    let who = who.to_string();
    let today = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        .to_string();
    let res = b
        .submit(
            "/violations/new",
            "/violations/new",
            &[
                ("employee", &who),
                ("clause", clause),
                ("occurred_on", &today),
                ("details", details),
                ("again", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "recorded");
    location(&res)
}

/// The same incident recorded twice would be fined and counted twice: a second
/// breach of the same clause by the same employee on the same day comes back
/// asking whether it is another one, what was typed kept, and is recorded once
/// that is ticked.
#[tokio::test]
async fn a_second_breach_of_the_same_clause_and_day_is_asked_about_first() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let who = user_id(&app, "employee").await;
    let first = record(&supervisor, who, "日常管理 1(8)", "上午闲聊").await;
    let today = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        .to_string();
    let who = who.to_string();
    let fields = |again: &'static str| {
        vec![
            ("employee", who.clone()),
            ("clause", "日常管理 1(8)".to_owned()),
            ("occurred_on", today.clone()),
            ("details", "下午又在前台闲聊".to_owned()),
            ("again", again.to_owned()),
        ]
    };
    let token = supervisor.form_token("/violations/new").await;
    let mut sent = fields("");
    sent.push(("form_token", token));
    let res = supervisor.post("/violations/new", &pairs(&sent)).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-occurred_on").unwrap().contains("罚两次"));
    assert_eq!(attr_of(&body, "#same-day a", "href"), Some(first.clone()));
    assert_eq!(
        text_of(&body, "#f-details").as_deref(),
        Some("下午又在前台闲聊")
    );
    let count = async || -> i64 {
        kefu::schema::violations::table
            .count()
            .get_result(&mut app.db().await)
            .await
            .unwrap()
    };
    assert_eq!(count().await, 1, "nothing recorded yet");
    // Ticked: another incident, recorded (with the form's own token).
    let token = value_of(&body, r#"input[name="form_token"]"#).unwrap();
    let mut sent = fields("1");
    sent.push(("form_token", token));
    let res = supervisor.post("/violations/new", &pairs(&sent)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_ne!(location(&res), first);
    assert_eq!(count().await, 2);
}

/// Sends the decision form of the breach at `page` as it is shown (with the
/// count of earlier breaches its preview was worked out from).
async fn decide(b: &Browser, page: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let (_, shown) = b.page(page).await;
    let prior = value_of(&shown, r#"input[name="prior"]"#).unwrap_or_default();
    let mut all = fields.to_vec();
    if !fields.iter().any(|(k, _)| *k == "prior") {
        all.push(("prior", &prior));
    }
    b.post(&format!("{page}/decide"), &all).await
}

/// (status, offence number, fine in fen) of the breach at `page`.
async fn stored(app: &TestApp, page: &str) -> (String, Option<i32>, Option<i64>) {
    let id: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    violations::table
        .find(id)
        .select((
            violations::status,
            violations::offence_no,
            violations::fine_fen,
        ))
        .first(&mut app.db().await)
        .await
        .unwrap()
}

async fn mails_of_kind(app: &TestApp, kind: &str) -> i64 {
    mail_outbox::table
        .filter(mail_outbox::message.eq(kind))
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_confirmed_breach_costs_what_its_schedule_says_and_the_employee_is_told() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let employee = app.login_as(Role::Employee).await;
    let who = user_id(&app, "employee").await;

    let page = record(&supervisor, who, "日常管理 1(2)", "上班时间在前台吃早餐").await;
    let (_, shown) = supervisor.page(&page).await;
    assert_eq!(
        text_of(&shown, "#violation-status").as_deref(),
        Some("待确认")
    );
    let preview = text_of(&shown, "#violation-preview").unwrap();
    assert!(
        preview.contains("已有 0 次")
            && preview.contains("第 1 次")
            && preview.contains("罚款 20 元"),
        "{preview}"
    );
    assert!(shown.contains("上班时间不得吃东西"), "the clause's text");
    // Not fined yet: the employee sees nothing of a proposal.
    assert_eq!(employee.page(&page).await.0, StatusCode::FORBIDDEN);
    let own_lines =
        async || texts_of(&employee.page("/violations").await.1, "#violations tbody a").len();
    assert_eq!(own_lines().await, 0);

    let res = decide(&supervisor, &page, &[("decision", "confirm")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        stored(&app, &page).await,
        ("confirmed".into(), Some(1), Some(2000))
    );
    // A second click changes nothing and mails nothing more, and says the
    // breach is confirmed, as the first did; a dismissal sent now is refused.
    let res = decide(&supervisor, &page, &[("decision", "confirm")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let flashes = async || texts_of(&supervisor.page(&page).await.1, ".flash");
    assert_eq!(flashes().await, ["已确认处罚，已通知本人。"]);
    let res = decide(&supervisor, &page, &[("decision", "dismiss")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(flashes().await, ["这条记录已经处理过，未再改变。"]);
    // One whose reason was typed (a colleague decided first) comes back with
    // the reason, to copy.
    let res = decide(
        &supervisor,
        &page,
        &[("decision", "dismiss"), ("note", "误报，当班同事已说明")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-body").as_deref(),
        Some("这条记录已经处理过，未再改变。")
    );
    assert_eq!(
        text_of(&body, "#f-body").as_deref(),
        Some("误报，当班同事已说明")
    );
    assert!(
        !body.contains(&format!("action=\"{page}/decide\"")),
        "no decision form any more"
    );
    assert_eq!(
        stored(&app, &page).await,
        ("confirmed".into(), Some(1), Some(2000))
    );
    assert_eq!(mails_of_kind(&app, "violation_confirmed").await, 1);

    worker(&app).drain().await.unwrap();
    let mails = smtp.to(&mail_of(Role::Employee));
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].subject.contains("日常管理 1(2)"),
        "{}",
        mails[0].subject
    );
    assert!(mails[0].text.contains("罚款 20 元") && mails[0].text.contains("吃早餐"));
    assert!(mails[0].text.contains(&page), "with the link");

    // The employee's own record shows it.
    let (status, mine) = employee.page(&page).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        text_of(&mine, "#violation-penalty").as_deref(),
        Some("罚款 20 元")
    );
    assert_eq!(own_lines().await, 2, "its number and its clause");

    // Three times 20 yuan, from the fourth time 50.
    for n in 2..=4 {
        let page = record(&supervisor, who, "日常管理 1(8)", &format!("闲聊 {n}")).await;
        decide(&supervisor, &page, &[("decision", "confirm")]).await;
        let fine = if n < 4 { 2000 } else { 5000 };
        assert_eq!(
            stored(&app, &page).await,
            ("confirmed".into(), Some(n), Some(fine))
        );
    }
    // Another schedule counts from one: drinking suspends a day and costs 100.
    let page = record(&supervisor, who, "日常管理 1(12)", "午餐饮酒").await;
    decide(&supervisor, &page, &[("decision", "confirm")]).await;
    assert_eq!(
        stored(&app, &page).await,
        ("confirmed".into(), Some(1), Some(10000))
    );
    let (_, shown) = employee.page(&page).await;
    assert_eq!(
        text_of(&shown, "#violation-penalty").as_deref(),
        Some("罚款 100 元；停岗 1 天")
    );
    assert_eq!(mails_of_kind(&app, "violation_dismissal").await, 0);
    // A breach whose schedule says dismissal: the administrators are told to
    // turn the account off when the person leaves (kefu does not do it itself).
    let page = record(&supervisor, who, "日常管理 1(13)", "在同事间搬弄是非").await;
    decide(&supervisor, &page, &[("decision", "confirm")]).await;
    let (_, shown) = employee.page(&page).await;
    assert!(text_of(&shown, "#violation-penalty")
        .unwrap()
        .contains("辞退"));
    worker(&app).drain().await.unwrap();
    let notices = smtp.to(&mail_of(Role::Admin));
    assert_eq!(notices.len(), 1);
    assert!(
        notices[0].subject.contains("辞退") && notices[0].subject.contains("员工"),
        "{}",
        notices[0].subject
    );
    assert!(notices[0].text.contains(&format!("/admin/users/{who}")));
    assert!(notices[0].text.contains("日常管理 1(13)"));
}

/// The form's schedule headings say from which time the fine rises or the
/// person is dismissed, in numbers both languages read alike (the book's
/// "三次以上" is read as SPEC reads it: from the fourth time).
#[tokio::test]
async fn the_form_says_from_which_time_a_schedule_steps_up() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let groups = |html: &str| {
        let doc = scraper::Html::parse_document(html);
        let sel = scraper::Selector::parse("optgroup").unwrap();
        doc.select(&sel)
            .filter_map(|g| g.value().attr("label").map(str::to_owned))
            .collect::<Vec<_>>()
    };
    let (_, zh) = supervisor.page("/violations/new").await;
    let zh = groups(&zh);
    assert!(
        zh.iter().any(|g| g.contains("第 4 次起 50 元/次")),
        "{zh:?}"
    );
    assert_eq!(
        zh.iter().filter(|g| g.contains("第 3 次起辞退")).count(),
        2,
        "{zh:?}"
    );
    assert!(!zh.iter().any(|g| g.contains("以上")), "{zh:?}");
    let (_, en) = supervisor.page("/violations/new?lang=en").await;
    let en = groups(&en);
    assert!(en
        .iter()
        .any(|g| g.contains("50 yuan from the fourth time")));
    assert_eq!(
        en.iter()
            .filter(|g| g.contains("dismissal from the third time"))
            .count(),
        2
    );
}

#[tokio::test]
async fn only_someone_else_decides_and_a_dismissal_says_why() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let manager = app.login_as(Role::CenterManager).await;
    let employee = app.login_as(Role::Employee).await;
    let me = user_id(&app, "supervisor").await;
    let who = user_id(&app, "employee").await;

    assert_eq!(
        employee.page("/violations/new").await.0,
        StatusCode::FORBIDDEN
    );
    let res = employee
        .post(
            "/violations/new",
            &[("employee", &me.to_string()), ("clause", "日常管理 1(6)")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // A supervisor's own breach is decided by the centre manager.
    let own = record(&supervisor, me, "日常管理 1(6)", "午休超时在工位睡觉").await;
    let (_, shown) = supervisor.page(&own).await;
    assert!(shown.contains("须由其他主管或服务中心经理处理"));
    assert!(!shown.contains("/decide"));
    let res = supervisor
        .post(
            &format!("{own}/decide"),
            &[("decision", "dismiss"), ("note", "x")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    decide(&manager, &own, &[("decision", "confirm")]).await;
    assert_eq!(stored(&app, &own).await.0, "confirmed");

    // A dismissal needs a reason; the form keeps what was typed.
    let page = record(&supervisor, who, "日常管理 1(9)", "未穿工装").await;
    let res = decide(
        &supervisor,
        &page,
        &[("decision", "dismiss"), ("note", " ")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-note").unwrap().contains("写明理由"));
    let res = decide(
        &supervisor,
        &page,
        &[("decision", "dismiss"), ("note", "当日工装送洗，已报备")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(stored(&app, &page).await, ("dismissed".into(), None, None));
    assert_eq!(
        mails_of_kind(&app, "violation_confirmed").await,
        1,
        "the manager's only"
    );
    assert_eq!(employee.page(&page).await.0, StatusCode::FORBIDDEN);
    let (_, list) = supervisor.page("/violations?show=dismissed").await;
    assert!(list.contains(&format!("href=\"{page}\"")));
    assert!(!list.contains(&format!("href=\"{own}\"")));
}

#[tokio::test]
async fn a_wrong_record_keeps_the_input_and_says_what_is_wrong_in_either_language() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let tomorrow = (Utc::now() + Duration::days(2)).date_naive().to_string();
    let fields = [
        ("employee", ""),
        ("clause", "日常管理 1(14)"),
        ("occurred_on", tomorrow.as_str()),
        ("details", "用前台电话拨打信息台"),
        ("charge", "十元"),
    ];
    let res = supervisor
        .submit("/violations/new", "/violations/new", &fields)
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    for (field, says) in [
        ("employee", "违规人"),
        ("occurred_on", "晚于今天"),
        ("charge", "金额"),
    ] {
        assert!(
            text_of(&body, &format!("#e-{field}"))
                .unwrap()
                .contains(says),
            "{field}"
        );
    }
    assert_eq!(
        text_of(&body, "#f-details").as_deref(),
        Some("用前台电话拨打信息台")
    );
    assert_eq!(value_of(&body, "#f-charge").as_deref(), Some("十元"));
    assert!(body.contains("value=\"日常管理 1(14)\" selected"));
    assert_eq!(
        violations::table
            .count()
            .get_result::<i64>(&mut app.db().await)
            .await
            .unwrap(),
        0
    );

    // The same in English; a good cost then records it, at twice the cost.
    supervisor.page("/violations/new?lang=en").await;
    let res = supervisor
        .submit("/violations/new", "/violations/new", &fields)
        .await;
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-employee").as_deref(),
        Some("Choose the employee.")
    );
    assert!(text_of(&body, "#e-charge").unwrap().contains("yuan"));
    let who = user_id(&app, "employee").await.to_string();
    let today = Utc::now()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
        .to_string();
    let res = supervisor
        .submit(
            "/violations/new",
            "/violations/new",
            &[
                ("employee", who.as_str()),
                ("occurred_on", today.as_str()),
                ("charge", "12.50"),
                ("clause", "日常管理 1(14)"),
                ("details", "用前台电话拨打信息台"),
            ],
        )
        .await;
    let page = location(&res);
    let (_, shown) = supervisor.page(&page).await;
    assert!(
        text_of(&shown, "#violation-preview")
            .unwrap()
            .contains("call cost of 12.50 yuan repaid; fine of 25 yuan"),
        "{shown}"
    );
    decide(&supervisor, &page, &[("decision", "confirm")]).await;
    assert_eq!(stored(&app, &page).await.2, Some(2500));
}

/// Leave recorded after the fact (办公环境管理规定 1: a request a day ahead) is
/// proposed once, for the supervisor to confirm or dismiss (a sudden illness);
/// leave asked ahead is not.
#[tokio::test]
async fn leave_recorded_after_the_fact_is_proposed_once_and_may_be_dismissed() {
    use crate::approvals::{day, file_leave};
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let employee = app.login_as(Role::Employee).await;
    file_leave(&employee).await;
    let res = supervisor
        .submit(
            "/leave/record",
            "/leave/record",
            &[
                ("employee", "employee"),
                ("leave_type", "sick"),
                ("start_date", &day(-3)),
                ("end_date", &day(-3)),
                ("reason", "急性肠胃炎"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let leave = location(&res);
    let mut conn = app.db().await;
    for _ in 0..2 {
        kefu::violations::jobs::propose(&mut conn, Utc::now(), &app.config)
            .await
            .unwrap();
    }
    let rows: Vec<(String, i64, String, String)> = violations::table
        .select((
            violations::source,
            violations::employee_id,
            violations::clause,
            violations::details,
        ))
        .load(&mut conn)
        .await
        .unwrap();
    let number = leave.rsplit('/').next().unwrap();
    assert_eq!(
        rows,
        [(
            "leave".into(),
            user_id(&app, "employee").await,
            "办公环境管理规定 1".into(),
            format!("QJ-{number}")
        )]
    );
    let (_, list) = supervisor.page("/violations?show=proposed").await;
    let page = attr_of(&list, "#violations tbody tr:first-child a", "href").unwrap();
    let (_, shown) = supervisor.page(&page).await;
    assert!(
        shown.contains(&format!(r#"href="{leave}""#)),
        "links the leave"
    );
    assert!(shown.contains("事后补录的请假"));
    decide(
        &supervisor,
        &page,
        &[("decision", "dismiss"), ("note", "突发疾病，已补病历")],
    )
    .await;
    assert_eq!(stored(&app, &page).await, ("dismissed".into(), None, None));
    kefu::violations::jobs::propose(&mut conn, Utc::now(), &app.config)
        .await
        .unwrap();
    let n: i64 = violations::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 1, "a dismissed proposal is not made again");
}

#[tokio::test]
async fn late_registers_and_keys_kept_too_long_are_proposed_once_never_fined_by_themselves() {
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    crate::visits::register(&specialist, &crate::visits::visit("王女士", 45)).await;
    crate::visits::register(&specialist, &crate::visits::visit("刘先生", 2)).await;
    // A key the employee kept two days past its due time.
    let (_, loan) = key_out(&app).await;
    let mut conn = app.db().await;
    diesel::update(key_loans::table.find(loan))
        .set(key_loans::due_at.eq(Utc::now() - Duration::days(2)))
        .execute(&mut conn)
        .await
        .unwrap();
    // Two of a home's keys on it too, which share their label: told apart by
    // their doors.
    diesel::sql_query(
        "INSERT INTO key_loan_lines (loan_id, key_id, out) \
         SELECT $1, id, true FROM keys \
         WHERE label = '1-1-3-301' AND door IN ('security_door', 'mailbox')",
    )
    .bind::<diesel::sql_types::BigInt, _>(loan)
    .execute(&mut conn)
    .await
    .unwrap();

    for _ in 0..2 {
        kefu::violations::jobs::propose(&mut conn, Utc::now(), &app.config)
            .await
            .unwrap();
    }
    let rows: Vec<(String, i64, String, String)> = violations::table
        .order(violations::source)
        .select((
            violations::source,
            violations::employee_id,
            violations::clause,
            violations::status,
        ))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        rows,
        [
            (
                "key_loan".into(),
                user_id(&app, "employee").await,
                "钥匙管理规定 2(1)②".into(),
                "proposed".into()
            ),
            (
                "visit".into(),
                user_id(&app, "specialist").await,
                "接待来访客户管理规定 4".into(),
                "proposed".into()
            ),
        ]
    );

    // Each is described by what names it in its own register: the visit's
    // number, the loan's keys by their labels and doors.
    let details: Vec<String> = violations::table
        .order(violations::source)
        .select(violations::details)
        .load(&mut conn)
        .await
        .unwrap();
    assert!(details[1].starts_with("LF-"), "{}", details[1]);
    // The doors in the reader's language: on the page, its print and export.
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let id: i64 = violations::table
        .filter(violations::source.eq("key_loan"))
        .select(violations::id)
        .first(&mut conn)
        .await
        .unwrap();
    let shown = async |lang: &str| {
        let (_, page) = supervisor
            .page(&format!("/violations/{id}?lang={lang}"))
            .await;
        text_of(&page, "dl.details dd.pre").unwrap()
    };
    let zh = shown("zh-CN").await;
    assert!(
        zh.ends_with(" 1-1-3-301 信报箱、1-1-3-301 防盗铁门、1-配电房"),
        "{zh}"
    );
    let en = shown("en").await;
    assert!(
        en.ends_with("1-1-3-301 Mailbox, 1-1-3-301 Security door, 1-配电房"),
        "{en}"
    );
    let (_, csv) = supervisor.page("/violations.csv").await;
    assert!(
        csv.contains("1-1-3-301 Mailbox, 1-1-3-301 Security door"),
        "{csv}"
    );
    supervisor.page("/?lang=zh-CN").await;

    // The handbook shows the deciders what waits; others their own record.
    let waiting = clause_link_to(&app, &supervisor, "/violations?show=proposed")
        .await
        .unwrap();
    assert!(waiting.ends_with("待确认 2 条"), "{waiting}");
    assert!(
        clause_link_to(&app, &specialist, "/violations?show=proposed")
            .await
            .is_none()
    );
    assert!(clause_link_to(&app, &specialist, "/violations")
        .await
        .is_some());
    // The morning sheet lists them to the deciders only.
    let (_, sheet) = supervisor.page("/meetings/morning").await;
    assert_eq!(texts_of(&sheet, "#sheet-breaches li").len(), 2);
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let (_, sheet) = keeper.page("/meetings/morning").await;
    assert!(text_of(&sheet, "#sheet-late-visits h2").is_some());
    assert!(text_of(&sheet, "#sheet-breaches h2").is_none());

    // The book names no fine for a late register: the supervisor sets one.
    let (_, list) = supervisor.page("/violations?show=proposed").await;
    let page = attr_of(&list, "#violations tbody tr:first-child a", "href").unwrap();
    let (_, shown) = supervisor.page(&page).await;
    assert!(shown.contains("系统根据登记自动提出") && shown.contains("/visits/"));
    let res = decide(
        &supervisor,
        &page,
        &[("decision", "confirm"), ("fine", "abc")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    decide(
        &supervisor,
        &page,
        &[("decision", "confirm"), ("fine", "15")],
    )
    .await;
    assert_eq!(
        stored(&app, &page).await,
        ("confirmed".into(), Some(1), Some(1500))
    );
    let waiting = clause_link_to(&app, &supervisor, "/violations?show=proposed")
        .await
        .unwrap();
    assert!(waiting.ends_with("待确认 1 条"), "{waiting}");

    // The register on paper and as a sheet; the specialist's holds only theirs.
    let csv = supervisor
        .get("/violations.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("接待来访客户管理规定 4") && csv.contains("钥匙管理规定 2(1)②"));
    // The fines of the confirmed ones add up on a last line (the proposed
    // one counts nothing yet).
    let last = csv.trim_end().lines().last().unwrap();
    assert!(
        last.starts_with(r#""已确认违规罚款合计""#) && last.contains(r#""15.00""#),
        "{last}"
    );
    let csv = specialist
        .get("/violations.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("接待来访客户管理规定 4") && !csv.contains("钥匙管理规定"));
    let (status, paper) = supervisor.page("/violations/print?show=confirmed").await;
    assert_eq!(status, StatusCode::OK);
    assert!(paper.contains("罚款 15 元") && !paper.contains("钥匙管理规定"));
    // Read without the page, the number still says which register it is.
    assert!(paper.contains("来访登记 LF-"), "{paper}");
    assert!(csv.contains("\"来访登记 LF-"), "{csv}");
    let mail: String = kefu::schema::mail_outbox::table
        .filter(kefu::schema::mail_outbox::message.eq("violation_confirmed"))
        .select(kefu::schema::mail_outbox::body_text)
        .first(&mut conn)
        .await
        .unwrap();
    assert!(mail.contains("来访登记 LF-"), "{mail}");
    assert_eq!(
        text_of(&paper, "#fines-total").unwrap(),
        "已确认违规罚款合计：15 元"
    );
    assert_eq!(
        supervisor.get("/violations.xlsx").await.status(),
        StatusCode::OK
    );
}

#[tokio::test]
async fn a_confirmation_holds_to_the_offence_count_its_page_showed() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let manager = app.login_as(Role::CenterManager).await;
    let who = user_id(&app, "employee").await;
    let first = record(&supervisor, who, "日常管理 1(8)", "闲聊 1").await;
    let second = record(&supervisor, who, "日常管理 1(8)", "闲聊 2").await;

    // The manager has the second open while the supervisor confirms the first.
    let (_, shown) = manager.page(&second).await;
    let seen = value_of(&shown, r#"input[name="prior"]"#).unwrap();
    assert_eq!(seen, "0");
    let res = decide(&supervisor, &first, &[("decision", "confirm")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = manager
        .post(
            &format!("{second}/decide"),
            &[
                ("decision", "confirm"),
                ("note", "提醒后再犯"),
                ("prior", &seen),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-decision").unwrap().contains("重新计算"));
    assert_eq!(
        value_of(&body, r#"input[name="prior"]"#).as_deref(),
        Some("1")
    );
    assert_eq!(text_of(&body, "#f-note").as_deref(), Some("提醒后再犯"));
    assert_eq!(stored(&app, &second).await.0, "proposed");

    // Confirmed as now shown: the second time.
    let res = decide(&manager, &second, &[("decision", "confirm")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        stored(&app, &second).await,
        ("confirmed".into(), Some(2), Some(2000))
    );
}

#[tokio::test]
async fn breaches_of_clauses_without_a_fine_are_counted_clause_by_clause() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let manager = app.login_as(Role::CenterManager).await;
    let who = user_id(&app, "employee").await;
    let visit = record(&supervisor, who, "接待来访客户管理规定 4", "来访登记迟了").await;
    let res = decide(
        &supervisor,
        &visit,
        &[("decision", "confirm"), ("fine", "0")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(stored(&app, &visit).await.1, Some(1));

    // A breach of another clause without a fine is the first of its kind.
    let leave = record(&supervisor, who, "办公环境管理规定 1", "未提前一天请假").await;
    let (_, shown) = manager.page(&leave).await;
    let preview = text_of(&shown, "#violation-preview").unwrap();
    assert!(
        preview.contains("违反该条款已有 0 次") && preview.contains("第 1 次"),
        "{preview}"
    );
    let seen = value_of(&shown, r#"input[name="prior"]"#).unwrap();

    // Another late register confirmed meanwhile counts with the first one, and
    // changes nothing for the open leave page.
    let again = record(&supervisor, who, "接待来访客户管理规定 4", "又迟了").await;
    let res = decide(
        &supervisor,
        &again,
        &[("decision", "confirm"), ("fine", "5")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        stored(&app, &again).await,
        ("confirmed".into(), Some(2), Some(500))
    );
    let res = manager
        .post(
            &format!("{leave}/decide"),
            &[("decision", "confirm"), ("fine", "0"), ("prior", &seen)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        stored(&app, &leave).await,
        ("confirmed".into(), Some(1), Some(0))
    );
    assert!(manager.page(&leave).await.1.contains("第 1 次"));
}

#[tokio::test]
async fn every_clause_a_breach_may_cite_is_a_clause_of_the_handbook_in_force() {
    use kefu::schema::{handbook_clauses as clauses, handbook_versions as versions};
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (_, form) = supervisor.page("/violations/new").await;
    let offered: Vec<String> = scraper::Html::parse_document(&form)
        .select(&scraper::Selector::parse("#f-clause option").unwrap())
        .filter_map(|o| o.value().attr("value"))
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect();
    // The rule book's duties without a fine of their own are there too: lending
    // a key for private ends, copying one unagreed, the reception's first rules.
    for duty in [
        "钥匙管理规定 2(1)①",
        "钥匙管理规定 3(2)②",
        "接待来访客户管理规定 1",
    ] {
        assert!(offered.iter().any(|o| o == duty), "{duty}: {offered:?}");
    }
    let in_force: Vec<String> = clauses::table
        .inner_join(versions::table)
        .filter(versions::status.eq("published"))
        .select(clauses::citation)
        .load(&mut app.db().await)
        .await
        .unwrap();
    let unknown: Vec<&String> = offered.iter().filter(|o| !in_force.contains(o)).collect();
    assert!(
        unknown.is_empty(),
        "not clauses of the handbook: {unknown:?}"
    );

    let employee = user_id(&app, "employee").await;
    let page = record(
        &supervisor,
        employee,
        "钥匙管理规定 3(2)②",
        "私配了配电房钥匙",
    )
    .await;
    let (_, shown) = supervisor.page(&page).await;
    assert!(shown.contains("钥匙管理规定 3(2)②"));
}
