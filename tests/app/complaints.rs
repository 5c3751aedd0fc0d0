//! Customers' opinions, requests, complaints and inquiries: recorded by whoever
//! took them, assigned by a supervisor (the colleague told by mail), followed up
//! until done, each reader seeing their own, counted by month.
use chrono::{Datelike, Duration, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::schema::{audit_log, complaint_notes, complaints, user_roles};
use reqwest::StatusCode;

use crate::approvals::{mail_of, user_id};
use crate::helpers::*;
use crate::mail::worker;
use crate::smtp::SmtpServer;

/// When the matters are raised: an hour ago, yet on the site's (Shanghai's) day,
/// the register's lists and statistics being by the site's month.
fn raised_at() -> chrono::DateTime<chrono_tz::Tz> {
    let tz = chrono_tz::Asia::Shanghai;
    let midnight = crate::approvals::today()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_local_timezone(tz)
        .unwrap();
    (Utc::now() - Duration::hours(1))
        .with_timezone(&tz)
        .max(midnight)
}

/// The form's fields for a matter of `kind` raised by `name` (at `raised_at`).
pub fn matter(name: &str, kind: &str) -> Vec<(&'static str, String)> {
    let at = raised_at();
    vec![
        ("day", at.date_naive().to_string()),
        ("time", at.format("%H:%M").to_string()),
        ("channel", "phone".into()),
        ("kind", kind.into()),
        ("customer_name", name.into()),
        ("customer_phone", "13912345678".into()),
        ("room", "2栋-1单元-0502".into()),
        ("content", "楼道灯坏了三天没人修".into()),
    ]
}

pub async fn record(b: &Browser, fields: &[(&'static str, String)]) -> reqwest::Response {
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    b.submit("/complaints/new", "/complaints/new", &fields)
        .await
}

async fn status_of(app: &TestApp, page: &str) -> (String, Option<i64>) {
    let id: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    complaints::table
        .find(id)
        .select((complaints::status, complaints::assignee_id))
        .first(&mut app.db().await)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_matter_is_recorded_assigned_by_mail_followed_up_and_done() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    let employee = app.login_as(Role::Employee).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let specialist = app.login_as(Role::CsSpecialist).await;

    // The front desk records it; nobody is on it yet.
    let res = record(&employee, &matter("刘先生", "complaint")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = location(&res);
    let (_, shown) = employee.page(&page).await;
    assert_eq!(
        text_of(&shown, "#complaint-phone").as_deref(),
        Some("139****5678")
    );
    assert_eq!(
        text_of(&shown, "#complaint-assignee").as_deref(),
        Some("未分派")
    );
    assert!(!shown.contains("/assign"), "only supervisors assign");
    let (_, list) = supervisor.page("/complaints?show=unassigned").await;
    assert!(list.contains(&format!("href=\"{page}\"")));
    // The morning sheet lists it to those who assign.
    let unassigned = async || {
        let (_, sheet) = supervisor.page("/meetings/morning").await;
        texts_of(&sheet, "#sheet-unassigned li").len()
    };
    assert_eq!(unassigned().await, 1);
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let (_, sheet) = keeper.page("/meetings/morning").await;
    assert!(text_of(&sheet, "#sheet-unassigned h2").is_none());
    // The handbook's clauses tell those who see every matter how many are open;
    // those who record them get the register without the count.
    let open = async || {
        clause_link_to(&app, &supervisor, "/complaints?show=open")
            .await
            .unwrap()
    };
    assert!(open().await.ends_with("未办结 1 件"), "{}", open().await);
    assert!(clause_link_to(&app, &employee, "/complaints?show=open")
        .await
        .is_none());
    assert!(clause_link_to(&app, &employee, "/complaints")
        .await
        .is_some());

    let state = |html: &str| text_of(html, "#complaint-status").unwrap_or_default();
    assert_eq!(state(&supervisor.page(&page).await.1), "待分派");
    // Not theirs: the specialist may not open it until it is given to them.
    assert_eq!(specialist.page(&page).await.0, StatusCode::FORBIDDEN);
    let me = user_id(&app, "specialist").await.to_string();
    let res = employee
        .post(&format!("{page}/assign"), &[("assignee", &me)])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = supervisor
        .post(&format!("{page}/assign"), &[("assignee", &me)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        status_of(&app, &page).await,
        ("open".into(), Some(me.parse().unwrap()))
    );
    assert_eq!(unassigned().await, 0);
    assert_eq!(state(&supervisor.page(&page).await.1), "跟进中");
    // Assigned again to the same person: nothing changes, nobody is mailed twice.
    supervisor
        .post(&format!("{page}/assign"), &[("assignee", &me)])
        .await;
    worker(&app).drain().await.unwrap();
    let mails = smtp.to(&mail_of(Role::CsSpecialist));
    assert_eq!(mails.len(), 1);
    // The matter's history says who gave it to whom, once.
    let name_of = async |login: &str| -> String {
        kefu::schema::users::table
            .filter(kefu::schema::users::username.eq(login))
            .select(kefu::schema::users::display_name)
            .first(&mut app.db().await)
            .await
            .unwrap()
    };
    let (_, shown) = supervisor.page(&page).await;
    assert_eq!(
        texts_of(&shown, "#complaint-notes li.handover")
            .iter()
            .map(|l| l.split(" · ").nth(1).unwrap().to_owned())
            .collect::<Vec<_>>(),
        [format!(
            "{} 交给 {} 跟进",
            name_of(username(Role::CsSupervisor)).await,
            name_of("specialist").await
        )]
    );
    assert!(mails[0].subject.contains("投诉") && mails[0].subject.contains("刘先生"));
    assert!(mails[0].text.contains("楼道灯坏了三天没人修"));
    assert!(mails[0].text.contains(&page), "with the link");

    // The specialist follows it up and closes it; the note sent twice counts once.
    let (status, _) = specialist.page(&page).await;
    assert_eq!(status, StatusCode::OK);
    let notes = format!("{page}/notes");
    let token = specialist.form_token(&page).await;
    for _ in 0..2 {
        let res = specialist
            .post(
                &notes,
                &[
                    ("body", "已联系物业工程部，今日更换灯具"),
                    ("form_token", &token),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let res = specialist
        .submit(&page, &notes, &[("body", " "), ("resolve", "1")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-body").unwrap().contains("跟进情况"));
    assert!(body.contains("name=\"resolve\" value=\"1\" checked"));
    let res = specialist
        .submit(
            &page,
            &notes,
            &[("body", "灯具已更换，已回访业主，满意"), ("resolve", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, shown) = specialist.page(&page).await;
    assert_eq!(
        text_of(&shown, "#complaint-status").as_deref(),
        Some("已处理")
    );
    assert!(open().await.ends_with("未办结 0 件"), "{}", open().await);
    assert_eq!(
        text_of(&shown, "#complaint-resolution").as_deref(),
        Some("灯具已更换，已回访业主，满意")
    );
    assert!(
        !shown.contains("id=\"f-body\""),
        "nothing more to follow up"
    );
    let n: i64 = complaint_notes::table
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(n, 2);
}

#[tokio::test]
async fn a_wrong_record_keeps_the_input_and_says_what_is_wrong_in_either_language() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let mut fields = matter("", "complaint");
    for (k, v) in fields.iter_mut() {
        match *k {
            "time" => *v = "99:99".into(),
            "channel" => *v = "fax".into(),
            "customer_phone" => *v = "call me".into(),
            _ => {}
        }
    }
    let res = record(&employee, &fields).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    for (field, says) in [
        ("time", "时间"),
        ("channel", "渠道"),
        ("customer_name", "客户姓名"),
        ("customer_phone", "数字"),
    ] {
        assert!(
            text_of(&body, &format!("#e-{field}"))
                .unwrap()
                .contains(says),
            "{field}"
        );
    }
    assert_eq!(
        text_of(&body, "#f-content").as_deref(),
        Some("楼道灯坏了三天没人修")
    );
    assert_eq!(
        value_of(&body, "#f-room").as_deref(),
        Some("2栋-1单元-0502")
    );
    assert!(body.contains("value=\"complaint\" selected"));

    employee.page("/complaints/new?lang=en").await;
    let res = record(&employee, &fields).await;
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-customer_name").as_deref(),
        Some("Enter the customer's name.")
    );
    let none: i64 = complaints::table
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(none, 0);
}

#[tokio::test]
async fn each_reader_sees_their_own_and_the_phone_in_full_only_with_a_logged_view() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let manager = app.login_as(Role::CenterManager).await;
    let mine = location(&record(&employee, &matter("刘先生", "request")).await);
    let theirs = location(&record(&keeper, &matter("王女士", "inquiry")).await);

    let (_, list) = employee.page("/complaints").await;
    assert!(list.contains(&format!("href=\"{mine}\"")));
    assert!(!list.contains(&format!("href=\"{theirs}\"")));
    assert_eq!(employee.page(&theirs).await.0, StatusCode::FORBIDDEN);
    let csv = employee.get("/complaints.csv").await.text().await.unwrap();
    assert!(csv.contains("刘先生") && !csv.contains("王女士"));
    assert!(csv.contains("139****5678") && !csv.contains("13912345678"));
    assert_eq!(
        employee.page("/complaints/stats").await.0,
        StatusCode::FORBIDDEN
    );

    // The manager sees both; the full phone only after an audited reveal.
    let (_, list) = manager.page("/complaints").await;
    assert!(
        list.contains(&format!("href=\"{mine}\"")) && list.contains(&format!("href=\"{theirs}\""))
    );
    let res = manager.post(&format!("{mine}/reveal"), &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#complaint-phone").as_deref(),
        Some("13912345678")
    );
    let viewed: i64 = audit_log::table
        .filter(audit_log::action.eq("complaint.phone_viewed"))
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(viewed, 1);
    let res = employee.post(&format!("{theirs}/reveal"), &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_months_statistics_count_each_kind_by_channel_and_what_was_done() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    for (name, kind, channel) in [
        ("甲", "complaint", "phone"),
        ("乙", "complaint", "visit"),
        ("丙", "inquiry", "online"),
    ] {
        let mut fields = matter(name, kind);
        for (k, v) in fields.iter_mut() {
            if *k == "channel" {
                *v = channel.into();
            }
        }
        record(&employee, &fields).await;
    }
    // One complaint done two hours after it came in.
    let (_, list) = supervisor.page("/complaints?show=open").await;
    let page = attr_of(&list, "#complaints tbody tr:last-child a", "href").unwrap();
    let res = supervisor
        .submit(
            &page,
            &format!("{page}/notes"),
            &[("body", "已解决"), ("resolve", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let id: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    diesel::update(complaints::table.find(id))
        .set(complaints::resolved_at.eq((complaints::received_at + Duration::hours(2)).nullable()))
        .execute(&mut app.db().await)
        .await
        .unwrap();

    let month = raised_at().format("%Y-%m").to_string();
    let (status, stats) = supervisor
        .page(&format!("/complaints/stats?month={month}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    // Columns: kind, visit, phone, online, letter, other, total, done, mean
    // hours; then done this month whenever received, open at the month's end.
    // (Done two hours after it came in: this month, unless that crossed into
    // the next.)
    let next_month = crate::approvals::today()
        .with_day(1)
        .unwrap()
        .checked_add_months(chrono::Months::new(1))
        .unwrap();
    let done_within = (raised_at() + Duration::hours(2)).date_naive() < next_month;
    let (done, open) = if done_within { ("1", "1") } else { ("0", "2") };
    assert_eq!(
        texts_of(&stats, "#stats-complaint td"),
        ["1", "1", "0", "0", "0", "2", "1", "2.0", done, open]
    );
    assert_eq!(
        texts_of(&stats, "#stats-inquiry td"),
        ["0", "0", "1", "0", "0", "1", "0", "—", "0", "1"]
    );
    let all_open = if done_within { "2" } else { "3" };
    assert_eq!(
        texts_of(&stats, "#stats-all td"),
        ["1", "1", "1", "0", "0", "3", "1", "2.0", done, all_open]
    );
    // The same table for the meeting's papers, in the reader's language.
    let csv = supervisor
        .get(&format!("/complaints/stats.csv?month={month}"))
        .await;
    assert_eq!(csv.status(), StatusCode::OK);
    let (name, _) = saved_as(&csv);
    assert!(name.contains(&month), "{name}");
    let csv = csv.text().await.unwrap();
    let lines: Vec<&str> = csv.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(
        lines.len(),
        1 + 4 + 1,
        "a line per kind and the total: {csv}"
    );
    assert!(lines[0].starts_with("\"类别\",\"来访\""), "{csv}");
    let complaint_line = format!(
        "\"投诉\",\"1\",\"1\",\"0\",\"0\",\"0\",\"2\",\"1\",\"2.00\",\"{done}\",\"{open}\""
    );
    assert!(lines.contains(&complaint_line.as_str()), "{csv}");
    assert!(
        lines[5].starts_with("\"合计\"")
            && lines[5].ends_with(&format!(",\"3\",\"1\",\"2.00\",\"{done}\",\"{all_open}\"")),
        "{csv}"
    );
    let xlsx = supervisor
        .get(&format!("/complaints/stats.xlsx?month={month}"))
        .await;
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    assert_eq!(
        employee.get("/complaints/stats.csv").await.status(),
        StatusCode::FORBIDDEN
    );
    // Another month holds nothing.
    let (_, empty) = supervisor.page("/complaints/stats?month=2020-01").await;
    assert_eq!(
        texts_of(&empty, "#stats-all td"),
        ["0", "0", "0", "0", "0", "0", "0", "—", "0", "0"]
    );
    let (status, paper) = supervisor.page("/complaints/print").await;
    assert_eq!(status, StatusCode::OK);
    assert!(paper.contains("甲") && paper.contains("已解决"));

    // A complaint received last month and done today: this month counts it
    // done, last month counts it open at its end; neither counts it received
    // this month.
    let page = location(&record(&employee, &matter("丁", "complaint")).await);
    let id: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    let last_month = next_month
        .checked_sub_months(chrono::Months::new(2))
        .unwrap()
        .with_day(10)
        .unwrap();
    let received = last_month
        .and_hms_opt(10, 0, 0)
        .unwrap()
        .and_local_timezone(chrono_tz::Asia::Shanghai)
        .unwrap()
        .with_timezone(&Utc);
    diesel::update(complaints::table.find(id))
        .set(complaints::received_at.eq(received))
        .execute(&mut app.db().await)
        .await
        .unwrap();
    let res = supervisor
        .submit(
            &page,
            &format!("{page}/notes"),
            &[("body", "已回访"), ("resolve", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, stats) = supervisor
        .page(&format!("/complaints/stats?month={month}"))
        .await;
    let row = texts_of(&stats, "#stats-complaint td");
    let done_now = if done_within { "2" } else { "1" };
    assert_eq!(row[5], "2", "received this month: {row:?}");
    assert_eq!(
        (row[8].as_str(), row[9].as_str()),
        (done_now, open),
        "{row:?}"
    );
    let (_, before) = supervisor
        .page(&format!(
            "/complaints/stats?month={}",
            last_month.format("%Y-%m")
        ))
        .await;
    let row = texts_of(&before, "#stats-complaint td");
    assert_eq!((row[5].as_str(), row[6].as_str()), ("1", "1"), "{row:?}");
    assert_eq!((row[8].as_str(), row[9].as_str()), ("0", "1"), "{row:?}");
}

/// The book numbers the supervisor's and the specialists' duties alike, so two
/// clauses print as 人员构架、职责分工 5. The register cites the specialists' (投诉的
/// 记录及归整): its link leads there, and the handbook links the register from that
/// clause only.
#[tokio::test]
async fn the_register_cites_the_specialists_duty_not_the_supervisors_of_the_same_number() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (_, list) = supervisor.page("/complaints").await;
    let doc = scraper::Html::parse_document(&list);
    let sel = scraper::Selector::parse(".cites a").unwrap();
    let href = doc
        .select(&sel)
        .find(|a| a.text().collect::<String>() == "人员构架、职责分工 5")
        .and_then(|a| a.value().attr("href"))
        .expect("the register cites 人员构架、职责分工 5")
        .to_owned();
    let res = supervisor.get(&href).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let target = location(&res);
    let (page, anchor) = target.split_once('#').expect("a clause anchor");
    let (_, handbook) = supervisor.page(page).await;
    let clause = text_of(&handbook, &format!("#{anchor} .hb-text")).unwrap();
    assert!(clause.contains("投诉的记录及归整"), "{clause}");

    // Of the clauses printed alike, only that one links the register.
    let doc = scraper::Html::parse_document(&handbook);
    let clauses = scraper::Selector::parse(".hb-clause").unwrap();
    let cite = scraper::Selector::parse("a.hb-link").unwrap();
    let register = scraper::Selector::parse("a.hb-reg[href=\"/complaints?show=open\"]").unwrap();
    let text = scraper::Selector::parse(".hb-text").unwrap();
    let alike: Vec<(String, bool)> = doc
        .select(&clauses)
        .filter(|c| {
            c.select(&cite)
                .any(|a| a.value().attr("data-cite") == Some("人员构架、职责分工 5"))
        })
        .map(|c| {
            let body = c.select(&text).flat_map(|t| t.text()).collect::<String>();
            (body, c.select(&register).next().is_some())
        })
        .collect();
    assert_eq!(alike.len(), 2, "{alike:?}");
    for (body, linked) in &alike {
        assert_eq!(*linked, body.contains("投诉"), "{body}");
    }
}

/// A matter goes only to someone who can open it; a note for a matter resolved
/// meanwhile comes back to copy, not lost; an odd page cursor is the first page.
#[tokio::test]
async fn a_matter_is_given_only_to_who_can_follow_it_and_a_late_note_is_kept_to_copy() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let res = record(&supervisor, &matter("王女士", "request")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = location(&res);

    // An engineering manager who is not also staff of the desk (no 员工 role)
    // may not open the register: they are not offered, and a crafted choice of
    // them is refused.
    let engineer = user_id(&app, "engineer").await;
    diesel::delete(
        user_roles::table
            .filter(user_roles::user_id.eq(engineer))
            .filter(user_roles::role_code.eq("employee")),
    )
    .execute(&mut app.db().await)
    .await
    .unwrap();
    let (_, shown) = supervisor.page(&page).await;
    let offered = texts_of(&shown, "#f-assignee option");
    assert!(
        offered.iter().any(|o| o.contains("客服专员")),
        "{offered:?}"
    );
    assert!(
        offered.iter().all(|o| !o.contains("工程部经理")),
        "{offered:?}"
    );
    let engineer = engineer.to_string();
    let res = supervisor
        .post(&format!("{page}/assign"), &[("assignee", &engineer)])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(status_of(&app, &page).await, ("open".into(), None));

    // Two people move it at once: the one whose page still showed the
    // specialist is told it moved meanwhile, and nothing changes.
    let me = user_id(&app, "specialist").await.to_string();
    let res = supervisor
        .post(&format!("{page}/assign"), &[("assignee", &me)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, stale) = supervisor.page(&page).await;
    let shown = value_of(&stale, r#"input[name="current"]"#).unwrap();
    assert_eq!(shown, me);
    let manager = app.login_as(Role::CenterManager).await;
    let employee = user_id(&app, username(Role::Employee)).await;
    let keeper = user_id(&app, username(Role::ArchiveKeeper)).await;
    let moved = [("assignee", employee.to_string()), ("current", me.clone())];
    let moved: Vec<(&str, &str)> = moved.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = manager.post(&format!("{page}/assign"), &moved).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = supervisor
        .post(
            &format!("{page}/assign"),
            &[("assignee", &keeper.to_string()), ("current", &shown)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-assignee").unwrap().contains("此期间"));
    assert_eq!(
        status_of(&app, &page).await,
        ("open".into(), Some(employee))
    );
    // Given back, sent twice: the second send is no error.
    let theirs = employee.to_string();
    for _ in 0..2 {
        let back = [("assignee", me.as_str()), ("current", theirs.as_str())];
        let res = manager.post(&format!("{page}/assign"), &back).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, now) = manager.page(&page).await;
        assert!(!now.contains("未作更改"), "no error the second time");
    }

    // The supervisor writes a note in one tab while the specialist closes it.
    let token = supervisor.form_token(&page).await;
    let notes = format!("{page}/notes");
    // The specialist's closing note, sent twice: the second is answered with
    // what the first did, not as a note too late.
    let theirs = specialist.form_token(&page).await;
    for _ in 0..2 {
        let res = specialist
            .post(
                &notes,
                &[
                    ("body", "已答复"),
                    ("resolve", "1"),
                    ("form_token", &theirs),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let res = supervisor
        .post(
            &notes,
            &[("body", "业主又来电催问"), ("form_token", &token)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert_eq!(text_of(&body, "#f-body").as_deref(), Some("业主又来电催问"));
    assert!(text_of(&body, "#e-body")
        .unwrap()
        .contains("已在此期间办结"));
    let n: i64 = complaint_notes::table
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(n, 1, "only the specialist's note");

    // A page cursor far outside the years the site knows is the first page.
    for before in ["-1000000000000000000.1", "9000000000000000000.1", "x.y"] {
        let (status, list) = supervisor
            .page(&format!("/complaints?before={before}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{before}");
        assert!(list.contains(&format!("href=\"{page}\"")), "{before}");
    }
    let (status, _) = supervisor
        .page("/keys/loans?before=-1000000000000000000.1")
        .await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn an_assignee_who_writes_nothing_for_a_day_is_reminded_once_a_day() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    let employee = app.login_as(Role::Employee).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let me = user_id(&app, "specialist").await.to_string();
    let mut pages = Vec::new();
    for name in ["刘先生", "王女士", "陈先生"] {
        let res = record(&employee, &matter(name, "request")).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        pages.push(location(&res));
    }
    // 刘先生's and 王女士's matters go to the specialist; 陈先生's to no one yet.
    for page in &pages[..2] {
        let res = supervisor
            .post(&format!("{page}/assign"), &[("assignee", &me)])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    // Site times from the day after tomorrow: the specialist wrote on 王女士's
    // matter at noon the day before.
    let tz = chrono_tz::Asia::Shanghai;
    let at = |days: i64, hour: u32| {
        (crate::approvals::today() + Duration::days(days))
            .and_hms_opt(hour, 0, 0)
            .unwrap()
            .and_local_timezone(tz)
            .unwrap()
            .with_timezone(&Utc)
    };
    let specialist = app.login_as(Role::CsSpecialist).await;
    let notes = format!("{}/notes", pages[1]);
    let res = specialist
        .submit(&pages[1], &notes, &[("body", "已约业主周末看房")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mut conn = app.db().await;
    diesel::update(complaint_notes::table)
        .set(complaint_notes::at.eq(at(1, 12)))
        .execute(&mut conn)
        .await
        .unwrap();

    let run = async |t| {
        let s = kefu::complaints::jobs::follow_up(&mut app.db().await, t, &app.config)
            .await
            .unwrap();
        kefu::jobs::result_in(&s, kefu::i18n::Locale::En)
    };
    assert_eq!(run(Utc::now()).await, "0 matters waiting; 0 reminders");
    assert_eq!(run(at(2, 8)).await, "1 matter waiting; 1 reminder");
    assert_eq!(
        run(at(2, 9)).await,
        "1 matter waiting; 0 reminders",
        "once a day"
    );
    assert_eq!(run(at(3, 8)).await, "2 matters waiting; 1 reminder");

    worker(&app).drain().await.unwrap();
    let mails = smtp.to(&mail_of(Role::CsSpecialist));
    let reminders: Vec<_> = mails
        .iter()
        .filter(|m| m.subject.contains("客户事项待跟进"))
        .collect();
    assert_eq!(reminders.len(), 2);
    // The day's mail lists 刘先生's matter alone; the next day's both.
    let (one, both): (Vec<&&crate::smtp::Received>, Vec<_>) =
        reminders.iter().partition(|m| !m.text.contains("王女士"));
    assert_eq!((one.len(), both.len()), (1, 1));
    assert!(one[0].text.contains("刘先生"));
    assert!(one[0].text.contains(&pages[0]), "with the link");
    assert!(one[0].text.contains("超过 24 小时"));
    assert!(both[0].text.contains("刘先生"));
    assert!(
        mails.iter().all(|m| !m.text.contains("陈先生")),
        "nobody is on it"
    );

    // The morning sheet shows those who assign the matters waiting that long:
    // 刘先生's, given a day and more ago (王女士's has a note since).
    diesel::update(complaints::table.filter(complaints::customer_name.eq("刘先生")))
        .set(complaints::assigned_at.eq(Utc::now() - Duration::hours(25)))
        .execute(&mut conn)
        .await
        .unwrap();
    let (_, sheet) = supervisor.page("/meetings/morning").await;
    let lines = texts_of(&sheet, "#sheet-unfollowed li");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(lines[0].contains("刘先生") && lines[0].contains("客服专员 陈静"));
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let (_, sheet) = keeper.page("/meetings/morning").await;
    assert!(text_of(&sheet, "#sheet-unfollowed").is_none());
}

/// A matter still open from an earlier month is where the counts that link
/// to the register say it is: the register without a month shows every
/// month's, a month asked shows that month's alone.
#[tokio::test]
async fn an_open_matter_of_an_earlier_month_is_listed_where_the_counts_lead() {
    use chrono::Datelike;
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let res = record(&employee, &matter("刘先生", "complaint")).await;
    let page = location(&res);
    let id: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    // Received forty days ago, never assigned.
    let then = Utc::now() - Duration::days(40);
    diesel::update(complaints::table.find(id))
        .set(complaints::received_at.eq(then))
        .execute(&mut app.db().await)
        .await
        .unwrap();
    let shanghai = then.with_timezone(&chrono_tz::Asia::Shanghai);
    let (then_month, this_month) = (
        format!("{}-{:02}", shanghai.year(), shanghai.month()),
        crate::approvals::today().format("%Y-%m").to_string(),
    );
    let link = format!("href=\"{page}\"");
    let listed = async |query: &str| {
        let (status, list) = supervisor.page(&format!("/complaints?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        list.contains(&link)
    };
    assert!(clause_link_to(&app, &supervisor, "/complaints?show=open")
        .await
        .unwrap()
        .ends_with("未办结 1 件"));
    assert!(listed("show=open").await);
    assert!(listed("show=unassigned").await, "the morning sheet's link");
    assert!(listed("").await);
    assert!(listed(&format!("month={then_month}&show=open")).await);
    assert!(!listed(&format!("month={this_month}&show=open")).await);
    let (_, paper) = supervisor.page("/complaints/print?show=open").await;
    assert!(text_of(&paper, ".slip-no").unwrap().starts_with("全部月份"));
    assert!(paper.contains("刘先生"));
}

/// A note written by the colleague a matter was given to, sent after it was
/// given to someone else: refused, as the matter is no longer theirs to see,
/// but with the note's text to copy, and nothing of the matter on the page.
#[tokio::test]
async fn a_note_for_a_matter_given_away_meanwhile_comes_back_to_copy() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let res = record(&supervisor, &matter("赵先生", "complaint")).await;
    let page = location(&res);
    let me = user_id(&app, "specialist").await.to_string();
    let res = supervisor
        .post(&format!("{page}/assign"), &[("assignee", &me)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // The specialist adds a note, and their page is open with another half
    // written...
    let notes = format!("{page}/notes");
    let saved = specialist.form_token(&page).await;
    let first = [("body", "已电话联系业主"), ("form_token", saved.as_str())];
    let res = specialist.post(&notes, &first).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let token = specialist.form_token(&page).await;
    // ...when the supervisor gives the matter to a colleague.
    let employee = user_id(&app, username(Role::Employee)).await.to_string();
    let res = supervisor
        .post(
            &format!("{page}/assign"),
            &[("assignee", employee.as_str()), ("current", me.as_str())],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let note = "已联系工程部，明天上午上门";
    let res = specialist
        .post(&notes, &[("body", note), ("form_token", &token)])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body = res.text().await.unwrap();
    assert_eq!(text_of(&body, "#f-body").as_deref(), Some(note));
    assert!(
        text_of(&body, "#e-body")
            .unwrap()
            .contains("已分派给其他同事跟进"),
        "{body}"
    );
    assert!(!body.contains("赵先生"), "nothing of the matter");
    // Nothing typed, nothing to keep: the usual refusal.
    let res = specialist
        .post(&notes, &[("body", " "), ("form_token", &token)])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(text_of(&res.text().await.unwrap(), "#f-body").is_none());
    // Nor for someone it was never given to.
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let res = keeper
        .post(&notes, &[("body", note), ("form_token", &token)])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(text_of(&res.text().await.unwrap(), "#f-body").is_none());
    // The note added before, its form sent again: answered as sent already,
    // not as a note lost.
    let res = specialist.post(&notes, &first).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let bodies: Vec<String> = complaint_notes::table
        .select(complaint_notes::body)
        .load(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(bodies, ["已电话联系业主"]);
}

/// Whoever recorded a matter given to a colleague adds notes but does not
/// close it over them; a supervisor opens a closed one again, saying why, its
/// outcome kept among the notes.
#[tokio::test]
async fn only_who_follows_a_matter_closes_it_and_a_supervisor_reopens_it() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let res = record(&employee, &matter("陈女士", "complaint")).await;
    let page = location(&res);
    let notes = format!("{page}/notes");
    let (_, mine) = employee.page(&page).await;
    assert!(text_of(&mine, "#f-resolve").is_some(), "theirs until given");
    let me = user_id(&app, "specialist").await.to_string();
    let res = supervisor
        .post(&format!("{page}/assign"), &[("assignee", &me)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let (_, mine) = employee.page(&page).await;
    assert!(mine.contains("id=\"f-body\""), "notes still welcome");
    assert!(!mine.contains("id=\"f-resolve\""));
    assert!(text_of(&mine, "#resolve-by").is_some());
    let res = employee
        .submit(
            &page,
            &notes,
            &[("body", "客户说已经修好了"), ("resolve", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-resolve").as_deref(),
        Some("此事项已指派给同事跟进，只能由被指派人或主管办结。取消勾选“处理完毕”即可添加跟进记录。")
    );
    assert_eq!(
        text_of(&body, "#f-body").as_deref(),
        Some("客户说已经修好了")
    );
    assert_eq!(status_of(&app, &page).await.0, "open");
    let res = employee
        .submit(&page, &notes, &[("body", "客户说已经修好了")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = specialist
        .submit(
            &page,
            &notes,
            &[("body", "已回访，确认修好"), ("resolve", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, &page).await.0, "resolved");

    // Reopened: by a supervisor only, with a reason.
    let (_, theirs) = specialist.page(&page).await;
    assert!(text_of(&theirs, "#reopen").is_none());
    let reopen = format!("{page}/reopen");
    let res = specialist.post(&reopen, &[("body", "再看看")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // A note sent after it was closed comes back to copy, not as a reason to
    // reopen it.
    let res = supervisor
        .submit(&page, &notes, &[("body", "主管补充：已通知工程部")])
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(body.contains("主管补充：已通知工程部"));
    assert!(text_of(&body, "#reopen").is_none());
    let res = supervisor.submit(&page, &reopen, &[("body", " ")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-reason").as_deref(),
        Some("请写明重新打开的原因。")
    );
    let token = supervisor.form_token(&page).await;
    for _ in 0..2 {
        let res = supervisor
            .post(
                &reopen,
                &[("body", "客户再次来电，灯又坏了"), ("form_token", &token)],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(
        status_of(&app, &page).await,
        ("open".into(), Some(me.parse().unwrap()))
    );
    let (_, shown) = specialist.page(&page).await;
    assert_eq!(
        text_of(&shown, "#complaint-status").as_deref(),
        Some("跟进中")
    );
    assert!(text_of(&shown, "#complaint-resolution").is_none());
    let history = texts_of(&shown, "#complaint-notes li");
    let last: Vec<&str> = history.iter().rev().take(2).map(String::as_str).collect();
    assert!(
        last[0].ends_with("重新打开此事项：客户再次来电，灯又坏了"),
        "{history:?}"
    );
    assert!(last[1].ends_with("已回访，确认修好"), "the outcome kept");
    assert!(
        shown.contains("id=\"f-resolve\""),
        "the assignee closes it again"
    );
    let reopened: i64 = audit_log::table
        .filter(audit_log::action.eq("complaint.reopened"))
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(reopened, 1, "sent twice, reopened once");
    // Whom it is with is told, once, with the reason.
    let told: Vec<(String, String, String)> = kefu::schema::mail_outbox::table
        .filter(kefu::schema::mail_outbox::message.eq("complaint_reopened"))
        .select((
            kefu::schema::mail_outbox::to_addr,
            kefu::schema::mail_outbox::subject,
            kefu::schema::mail_outbox::body_text,
        ))
        .load(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(told.len(), 1, "{told:?}");
    let (to, subject, body) = &told[0];
    assert_eq!(to, &mail_of(Role::CsSpecialist));
    assert!(
        subject.starts_with("[客户事项重新打开，请继续跟进]"),
        "{subject}"
    );
    assert!(
        body.contains("重新打开的原因：客户再次来电，灯又坏了") && body.contains(&page),
        "{body}"
    );
    // Resolved and reopened again, it reaches an assignee who reads English
    // in English.
    specialist.page("/?lang=en").await;
    let res = specialist
        .submit(&page, &notes, &[("body", "Fixed again"), ("resolve", "1")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = supervisor
        .submit(&page, &reopen, &[("body", "灯第三次坏了")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (subject, body): (String, String) = kefu::schema::mail_outbox::table
        .filter(kefu::schema::mail_outbox::message.eq("complaint_reopened"))
        .order(kefu::schema::mail_outbox::id.desc())
        .select((
            kefu::schema::mail_outbox::subject,
            kefu::schema::mail_outbox::body_text,
        ))
        .first(&mut app.db().await)
        .await
        .unwrap();
    assert!(
        subject.starts_with("[Customer matter reopened: please follow it up again]"),
        "{subject}"
    );
    assert!(
        body.contains("has reopened the customer matter below")
            && body.contains("Why it is reopened: 灯第三次坏了"),
        "{body}"
    );
    // Reopened from a page read before (a colleague reopened it meanwhile):
    // nothing more done, and the reason typed comes back to keep.
    let stale = supervisor.form_token(&page).await;
    let res = supervisor
        .post(&reopen, &[("body", "客户又来电催"), ("form_token", &stale)])
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let back = res.text().await.unwrap();
    assert!(text_of(&back, "#e-body")
        .unwrap()
        .contains("同事已在此期间重新打开此事项"));
    assert_eq!(text_of(&back, "#f-body").as_deref(), Some("客户又来电催"));
    let reopened: i64 = audit_log::table
        .filter(audit_log::action.eq("complaint.reopened"))
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(reopened, 2);
}

/// A resolved matter reopened after whom it was given to left (their account
/// disabled meanwhile): it goes back among the matters to assign, its history
/// says why, and no mail goes to the departed colleague.
#[tokio::test]
async fn a_matter_reopened_after_its_assignee_left_goes_back_to_be_assigned() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let res = record(&supervisor, &matter("周先生", "complaint")).await;
    let page = location(&res);
    let me = user_id(&app, "specialist").await.to_string();
    let res = supervisor
        .post(&format!("{page}/assign"), &[("assignee", &me)])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = specialist
        .submit(
            &page,
            &format!("{page}/notes"),
            &[("body", "已修好"), ("resolve", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    app.deactivate("specialist").await;

    let res = supervisor
        .submit(
            &page,
            &format!("{page}/reopen"),
            &[("body", "客户说又坏了")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(status_of(&app, &page).await, ("open".into(), None));
    let (_, shown) = supervisor.page(&page).await;
    let history = texts_of(&shown, "#complaint-notes li");
    let last = history.last().unwrap();
    assert!(
        last.contains("重新打开此事项：客户说又坏了")
            && last.contains("已不能再跟进，此事待重新分派"),
        "{history:?}"
    );
    let (_, waiting) = supervisor.page("/complaints?show=unassigned").await;
    assert!(waiting.contains("周先生"), "among those to assign");
    let mails: i64 = kefu::schema::mail_outbox::table
        .filter(kefu::schema::mail_outbox::message.eq("complaint_reopened"))
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(mails, 0);
    let (_, english) = supervisor.page(&format!("{page}?lang=en")).await;
    let last = texts_of(&english, "#complaint-notes li").pop().unwrap();
    assert!(
        last.contains("no longer can: back to be assigned"),
        "{last}"
    );
}

/// A colleague deactivated while a supervisor gives them a matter, in the
/// register's form or on the matter's page: the matter does not go to them.
/// Each form comes back saying so, with what was written kept, and nothing is
/// recorded or moved. (The test holds what the request needs next, the form's
/// token or the matter's row, while the administrator's change is made.)
#[tokio::test]
async fn a_matter_is_not_given_to_a_colleague_deactivated_meanwhile() {
    use kefu::schema::form_submissions;
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let me = user_id(&app, "supervisor").await;
    let specialist = user_id(&app, "specialist").await.to_string();

    // Recorded and given to the specialist at once.
    let token = supervisor.form_token("/complaints/new").await;
    let mut fields = matter("孙先生", "complaint");
    fields.push(("assignee", specialist.clone()));
    fields.push(("form_token", token.clone()));
    let mut hold = app.db().await;
    diesel::sql_query("BEGIN").execute(&mut hold).await.unwrap();
    diesel::insert_into(form_submissions::table)
        .values((
            form_submissions::token.eq(&token),
            form_submissions::user_id.eq(me),
        ))
        .execute(&mut hold)
        .await
        .unwrap();
    let sent = {
        let supervisor = supervisor.clone();
        let fields = fields.clone();
        tokio::spawn(async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            supervisor.post("/complaints/new", &fields).await
        })
    };
    let body = deactivated_while_held(&app, hold, "ROLLBACK", "specialist", sent).await;
    assert_eq!(
        text_of(&body, "#f-content").as_deref(),
        Some("楼道灯坏了三天没人修")
    );
    assert!(texts_of(&body, "#f-assignee option")
        .iter()
        .all(|o| !o.contains("客服专员")));
    let n: i64 = complaints::table
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing recorded");
    // The same form, sent again without them, is recorded: its token was not
    // spent.
    fields.retain(|(k, _)| *k != "assignee");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = supervisor.post("/complaints/new", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let page = location(&res);
    assert_eq!(status_of(&app, &page).await, ("open".into(), None));

    // Given on its page to the employee, deactivated meanwhile.
    let employee = user_id(&app, username(Role::Employee)).await.to_string();
    let id: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    let mut hold = app.db().await;
    diesel::sql_query("BEGIN").execute(&mut hold).await.unwrap();
    diesel::sql_query("SELECT id FROM complaints WHERE id = $1 FOR UPDATE")
        .bind::<diesel::sql_types::BigInt, _>(id)
        .execute(&mut hold)
        .await
        .unwrap();
    let sent = {
        let supervisor = supervisor.clone();
        let (page, employee) = (page.clone(), employee.clone());
        tokio::spawn(async move {
            supervisor
                .post(&format!("{page}/assign"), &[("assignee", &employee)])
                .await
        })
    };
    deactivated_while_held(&app, hold, "COMMIT", username(Role::Employee), sent).await;
    assert_eq!(status_of(&app, &page).await, ("open".into(), None));
}

/// Once `sent` waits on what the test's transaction `hold` holds: deactivates
/// `username`, ends `hold` with `end`, and gives the page `sent` came back
/// with, which must say the colleague was deactivated.
async fn deactivated_while_held(
    app: &TestApp,
    mut hold: diesel_async::AsyncPgConnection,
    end: &str,
    username: &str,
    sent: tokio::task::JoinHandle<reqwest::Response>,
) -> String {
    app.await_lock_waiters(1).await;
    app.deactivate(username).await;
    diesel::sql_query(end).execute(&mut hold).await.unwrap();
    let res = sent.await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(
        text_of(&body, "#e-assignee").unwrap().contains("已停用"),
        "{body}"
    );
    body
}
