//! The morning meeting sheet: what every register has waiting that morning; and
//! the meeting records: minutes and attendance.
use chrono::{Datelike, Duration, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::schema::{audit_log, key_loans, meeting_attendance, meetings, visits};
use reqwest::StatusCode;

use crate::approvals::day;
use crate::helpers::*;

#[tokio::test]
async fn the_morning_sheet_lists_leave_today_and_visits_registered_late_or_left_waiting() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (_, sheet) = supervisor.page("/meetings/morning").await;
    assert_eq!(texts_of(&sheet, "#sheet-away li").len(), 0);

    // Off sick since yesterday, through tomorrow.
    let res =
        crate::leave::record_sick_leave(&supervisor, "employee", &day(-1), &day(1), "流感").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Two visits: one registered late yesterday, one open three days with no note.
    let specialist = app.login_as(Role::CsSpecialist).await;
    for (name, follow_up) in [("王女士", ""), ("刘先生", "1")] {
        let token = specialist.form_token("/visits/new").await;
        let now = Utc::now().with_timezone(&chrono_tz::Asia::Shanghai);
        let fields = [
            ("day", now.date_naive().to_string()),
            ("start", "00:00".to_owned()),
            ("end", "00:00".to_owned()),
            ("visitor_name", name.to_owned()),
            ("visitor_kind", "owner".to_owned()),
            ("matter", "咨询".to_owned()),
            ("follow_up", follow_up.to_owned()),
            ("form_token", token),
        ];
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let res = specialist.post("/visits/new", &fields).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{name}");
    }
    let mut conn = app.db().await;
    for (name, days) in [("王女士", 1), ("刘先生", 3)] {
        // 10:00 on the site's day `days` ago: 30 minutes later is still that
        // day, whatever the time the test runs (at 23:45 it was not).
        let at = (crate::approvals::today() - Duration::days(days))
            .and_hms_opt(10, 0, 0)
            .unwrap()
            .and_local_timezone(chrono_tz::Asia::Shanghai)
            .unwrap()
            .with_timezone(&Utc);
        diesel::update(visits::table.filter(visits::visitor_name.eq(name)))
            .set((
                visits::started_at.eq(at),
                visits::ended_at.eq(at),
                visits::recorded_at.eq(at + Duration::minutes(30)),
                visits::late.eq(name == "王女士"),
            ))
            .execute(&mut conn)
            .await
            .unwrap();
    }

    // A key loan out past its due time.
    let (_, loan) = crate::keys::key_out(&app).await;
    diesel::update(key_loans::table.find(loan))
        .set(key_loans::due_at.eq(Utc::now() - Duration::minutes(1)))
        .execute(&mut conn)
        .await
        .unwrap();

    let (status, sheet) = supervisor.page("/meetings/morning").await;
    assert_eq!(status, StatusCode::OK);
    let away = texts_of(&sheet, "#sheet-away li");
    assert_eq!(away.len(), 1);
    assert!(away[0].starts_with("员工 赵磊 · 病假"), "{away:?}");
    let late = texts_of(&sheet, "#sheet-late-visits li");
    assert!(late.len() == 1 && late[0].contains("王女士"), "{late:?}");
    let waiting = texts_of(&sheet, "#sheet-waiting-visits li");
    assert!(
        waiting.len() == 1 && waiting[0].contains("刘先生"),
        "{waiting:?}"
    );

    assert!(
        sheet.contains("href=\"/visits/"),
        "the supervisor opens visits"
    );
    let keys = texts_of(&sheet, "#sheet-keys li");
    assert!(keys.len() == 1 && keys[0].contains("1-配电房"), "{keys:?}");
    assert!(sheet.contains(&format!("href=\"/keys/loans/{loan}\"")));

    // The keeper sees the same lines, linked only where they may follow.
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let (_, kept) = keeper.page("/meetings/morning").await;
    assert_eq!(texts_of(&kept, "#sheet-late-visits li"), late);
    // Who is away, but not the kind of leave: the keeper does not read the
    // leave register.
    let kept_away = texts_of(&kept, "#sheet-away li");
    assert!(
        kept_away[0].starts_with("员工 赵磊 · 请假 · "),
        "{kept_away:?}"
    );
    assert!(!kept.contains("病假"));
    assert_eq!(
        texts_of(&kept, "#sheet-keys li"),
        texts_of(&sheet, "#sheet-keys li")
    );
    assert!(!kept.contains("href=\"/visits/") && !kept.contains("href=\"/keys/loans/"));
    assert!(!kept.contains("/keys/loans?status=overdue"));

    // In English too; and only for those who run the meeting.
    let (_, sheet) = supervisor.page("/meetings/morning?lang=en").await;
    assert!(sheet.contains("Morning meeting sheet"));
    assert!(clause_link_to(&app, &supervisor, "/meetings/morning")
        .await
        .is_some());
    let employee = app.login_as(Role::Employee).await;
    assert_eq!(
        employee.get("/meetings/morning").await.status(),
        StatusCode::FORBIDDEN
    );
    let (_, home) = employee.page("/").await;
    assert!(!home.contains("/meetings/morning"));
}

/// With no morning meeting yesterday (a Sunday off, say), the sheet lists the
/// visits registered late since the last meeting day, not only yesterday's.
#[tokio::test]
async fn the_morning_sheet_lists_late_registers_since_the_last_meeting_day() {
    let yesterday = crate::approvals::today() - Duration::days(1);
    let app = TestApp::spawn_with(|c| {
        c.morning_meeting_days.remove(yesterday.weekday());
    })
    .await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let mut conn = app.db().await;
    for (name, days) in [("王女士", 2), ("刘先生", 3)] {
        let fields = crate::visits::visit(name, 2);
        let res = crate::visits::register(&specialist, &fields).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{name}");
        let at = (crate::approvals::today() - Duration::days(days))
            .and_hms_opt(10, 0, 0)
            .unwrap()
            .and_local_timezone(chrono_tz::Asia::Shanghai)
            .unwrap()
            .with_timezone(&Utc);
        diesel::update(visits::table.filter(visits::visitor_name.eq(name)))
            .set((
                visits::started_at.eq(at - Duration::minutes(20)),
                visits::ended_at.eq(at),
                visits::recorded_at.eq(at + Duration::minutes(30)),
                visits::late.eq(true),
            ))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (_, sheet) = supervisor.page("/meetings/morning").await;
    let late = texts_of(&sheet, "#sheet-late-visits li");
    assert!(late.len() == 1 && late[0].contains("王女士"), "{late:?}");
    assert_eq!(
        text_of(&sheet, "#sheet-late-visits h2").as_deref(),
        Some("上次晨会以来迟登记的来访（1）")
    );
}

/// The people the meeting form lists, in order: (user id, attendance proposed).
fn listed(form: &str) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_document(form);
    let row = scraper::Selector::parse("#attendance tbody tr").unwrap();
    let who = scraper::Selector::parse("input[name=who]").unwrap();
    let chosen = scraper::Selector::parse("select[name=att] option[selected]").unwrap();
    doc.select(&row)
        .map(|r| {
            let id = r.select(&who).next().unwrap().value().attr("value");
            let att = r.select(&chosen).next().unwrap().value().attr("value");
            (id.unwrap().to_owned(), att.unwrap().to_owned())
        })
        .collect()
}

/// The form's fields for a morning meeting held from midnight today, with this
/// attendance.
fn record<'a>(
    chair: &'a str,
    attendance: &'a [(String, String)],
    changes: &[(&'a str, &'a str)],
) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("kind", "morning"),
        ("start", "00:00"),
        ("end", "00:01"),
        ("place", "服务中心会议室"),
        ("topic", "晨会"),
        ("chair", chair),
        ("minutes", "1、昨日来访均已登记。\n2、钥匙当日归还。"),
    ];
    for (k, v) in changes {
        fields.retain(|(f, _)| f != k);
        fields.push((k, v));
    }
    for (who, att) in attendance {
        fields.push(("who", who));
        fields.push(("att", att));
    }
    fields
}

/// Minutes the form takes (20,000 characters) can be more than a workbook cell
/// holds (32,767 UTF-16 units) when written in characters outside the basic
/// plane: the .xlsx export still comes, the cell cut with "…", and the CSV
/// keeps the whole text.
#[tokio::test]
async fn minutes_longer_than_a_workbook_cell_still_export() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (_, form) = supervisor.page("/meetings/new?kind=morning").await;
    let people = listed(&form);
    let chair = crate::approvals::user_id(&app, "supervisor")
        .await
        .to_string();
    let minutes = "𠮷".repeat(16_400);
    let today = day(0);
    let token = supervisor.form_token("/meetings/new").await;
    let mut fields = record(&chair, &people, &[("day", &today), ("minutes", &minutes)]);
    fields.push(("form_token", &token));
    let res = supervisor.post("/meetings/new", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let res = supervisor.get("/meetings.xlsx").await;
    assert_eq!(res.status(), StatusCode::OK);
    let bytes = res.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    let Some(calamine::Data::String(cell)) = sheet.get_value((1, 11)) else {
        panic!("no minutes in the workbook: {:?}", sheet.get_value((1, 11)));
    };
    assert_eq!(
        cell.encode_utf16().count(),
        32_767,
        "as much as a cell holds"
    );
    assert!(cell.ends_with('…') && minutes.starts_with(cell.trim_end_matches('…')));
    let csv = supervisor.get("/meetings.csv").await.bytes().await.unwrap();
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(&csv[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    assert_eq!(rows[0][11], minutes, "the whole minutes in the CSV");
}

#[tokio::test]
async fn a_supervisor_records_a_meeting_and_every_employee_reads_its_minutes_and_attendance() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let employee_id = crate::approvals::user_id(&app, "employee").await;
    let specialist_id = crate::approvals::user_id(&app, "specialist").await;
    let supervisor_id = crate::approvals::user_id(&app, "supervisor").await;
    // The employee is off today: the form proposes them on leave.
    let res = supervisor
        .submit(
            "/leave/record",
            "/leave/record",
            &[
                ("employee", "employee"),
                ("leave_type", "sick"),
                ("start_date", &day(0)),
                ("end_date", &day(0)),
                ("reason", "看病"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let (status, form) = supervisor.page("/meetings/new?kind=morning").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(value_of(&form, "#f-start").unwrap(), "08:05");
    assert_eq!(value_of(&form, "#f-topic").unwrap(), "晨会");
    let mut people = listed(&form);
    assert!(people.len() >= 7, "every active user is listed: {people:?}");
    // The administrator and the engineering department's manager are listed
    // but not expected: they are not of the department.
    let outside = [
        crate::approvals::user_id(&app, "admin").await.to_string(),
        crate::approvals::user_id(&app, "engineer")
            .await
            .to_string(),
    ];
    for (id, att) in &people {
        let expected = if *id == employee_id.to_string() {
            "leave"
        } else if outside.contains(id) {
            "none"
        } else {
            "present"
        };
        assert_eq!(att, expected, "user {id}");
    }
    // The specialist came late.
    for (id, att) in people.iter_mut() {
        if *id == specialist_id.to_string() {
            *att = "late".into();
        }
    }
    let chair = supervisor_id.to_string();
    let today = day(0);
    let token = supervisor.form_token("/meetings/new").await;
    let mut fields = record(&chair, &people, &[("day", &today)]);
    fields.push(("form_token", &token));
    let res = supervisor.post("/meetings/new", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let path = location(&res);
    assert!(path.starts_with("/meetings/"), "{path}");
    // Sent twice (a double click): the same record, not a second one.
    let again = supervisor.post("/meetings/new", &fields).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&again), path);
    // Recorded again from a fresh form (a colleague, another tab): refused,
    // so nobody's attendance counts twice; the input is kept.
    let token = supervisor.form_token("/meetings/new").await;
    let mut fields = record(&chair, &people, &[("day", &today)]);
    fields.push(("form_token", &token));
    let twice = supervisor.post("/meetings/new", &fields).await;
    assert_eq!(twice.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = twice.text().await.unwrap();
    let number = format!("HY-{}", path.trim_start_matches("/meetings/"));
    let message = text_of(&body, "#e-day").unwrap();
    assert!(
        message.starts_with("这一天的晨会已经记录过") && message.contains(&number),
        "{message}"
    );
    assert_eq!(value_of(&body, "#f-day").unwrap(), today);
    // The refusal spent nothing: the form comes back with its token.
    assert_eq!(value_of(&body, "[name=form_token]").unwrap(), token);

    let mut conn = app.db().await;
    let records: i64 = meetings::table.count().get_result(&mut conn).await.unwrap();
    assert_eq!(records, 1);
    let lines: Vec<(i64, String)> = meeting_attendance::table
        .select((meeting_attendance::user_id, meeting_attendance::status))
        .order(meeting_attendance::user_id)
        .load(&mut conn)
        .await
        .unwrap();
    let listed_people = people.iter().filter(|(_, att)| att != "none").count();
    assert_eq!(lines.len(), listed_people, "those not listed have no line");
    assert!(lines.contains(&(specialist_id, "late".into())));
    assert!(lines.contains(&(employee_id, "leave".into())));
    let audited: i64 = audit_log::table
        .filter(audit_log::action.eq("meeting.recorded"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(audited, 1);

    // Every member of staff reads the record, from the register.
    let employee = app.login_as(Role::Employee).await;
    let (status, list) = employee.page("/meetings").await;
    assert_eq!(status, StatusCode::OK);
    let present = people.iter().filter(|(_, att)| att == "present").count();
    let counts = format!("出席 {present}，迟到 1，缺席 0，请假 1");
    assert_eq!(
        texts_of(&list, "#meetings tbody td:last-child"),
        std::slice::from_ref(&counts)
    );
    assert!(
        text_of(&list, "#meeting-new").is_none(),
        "no recording for employees"
    );
    let (status, page) = employee.page(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text_of(&page, "#meeting-chair").unwrap(), "客服主管 李强");
    assert_eq!(
        text_of(&page, "#meeting-minutes").unwrap(),
        "1、昨日来访均已登记。\n2、钥匙当日归还。"
    );
    assert_eq!(text_of(&page, "#meeting-counts").unwrap(), counts);
    assert!(texts_of(&page, "#meeting-attendance td").contains(&"迟到".to_owned()));

    // It prints as the paper 会议记录, with a line to sign for each person.
    let print = format!("{path}/print");
    assert!(page.contains(&format!(r#"href="{print}""#)));
    let (status, paper) = employee.page(&print).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text_of(&paper, "h1").unwrap(), "会议记录");
    assert_eq!(
        text_of(&paper, "#print-minutes").unwrap(),
        "1、昨日来访均已登记。\n2、钥匙当日归还。"
    );
    assert_eq!(text_of(&paper, "#print-counts").unwrap(), counts);
    assert_eq!(
        texts_of(&paper, "#print-attendance tbody tr").len(),
        listed_people
    );
    assert!(paper.contains("主持人　签字：") && paper.contains("记录人　签字："));
    let (_, english) = employee.page(&format!("{print}?lang=en")).await;
    assert_eq!(text_of(&english, "h1").unwrap(), "Meeting record");

    // The month's export has the record and its counts.
    let csv = employee.get("/meetings.csv").await.bytes().await.unwrap();
    let rows: Vec<Vec<String>> = csv::Reader::from_reader(&csv[3..])
        .records()
        .map(|r| r.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let number = path.replace("/meetings/", "HY-");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0][0], number);
    // A morning meeting stands for no month.
    assert_eq!(rows[0][1..3], ["Morning meeting", ""]);
    assert_eq!(
        rows[0][7..11],
        [present.to_string(), "1".into(), "0".into(), "1".into()]
    );
    assert_eq!(rows[0][11], "1、昨日来访均已登记。\n2、钥匙当日归还。");

    // The month's records print as a list, with the list's filters.
    employee.page("/?lang=zh-CN").await;
    let (_, list) = employee.page("/meetings").await;
    let print = attr_of(&list, "#meetings-print", "href").unwrap();
    let (status, paper) = employee.page(&print).await;
    assert_eq!(status, StatusCode::OK);
    let lines = texts_of(&paper, "#meetings-paper tbody tr");
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with(&number) && lines[0].ends_with(&counts),
        "{lines:?}"
    );
    assert_eq!(
        attr_of(&paper, "#paper-back", "href").map(|h| h.replace("&amp;", "&")),
        Some(print.replace("/meetings/print", "/meetings"))
    );
    let (_, english) = employee.page(&format!("{print}&lang=en")).await;
    assert_eq!(text_of(&english, "h1").as_deref(), Some("Meeting records"));
    let head = text_of(&english, "p.slip-no").unwrap();
    assert!(head.ends_with(" · 1 record"), "{head}");
    assert_eq!(
        texts_of(&english, "#meetings-paper thead th"),
        [
            "No.",
            "Time",
            "Kind of meeting",
            "Topic",
            "Chaired by",
            "Attendance"
        ]
    );
}

#[tokio::test]
async fn a_wrong_record_is_refused_with_a_message_per_field_and_keeps_the_input() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (_, form) = supervisor.page("/meetings/new?kind=monthly").await;
    assert_eq!(value_of(&form, "#f-start").unwrap(), "10:00");
    let mut people = listed(&form);
    let absent = people[0].0.clone();
    people[0].1 = "absent".into();
    let chair = value_of(&form, "#f-chair option[selected]").unwrap();
    let today = day(0);
    let tomorrow = day(1);
    let token = supervisor.form_token("/meetings/new").await;

    let mut fields = record(
        &chair,
        &people,
        &[
            ("day", &today),
            ("start", "00:30"),
            ("end", "00:10"),
            ("minutes", " "),
            ("topic", "投诉分析"),
        ],
    );
    fields.push(("form_token", &token));
    let res = supervisor.post("/meetings/new", &fields).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert_eq!(
        text_of(&page, "#e-end").unwrap(),
        "结束时间不能早于开始时间（过了午夜才结束的会议最长 12 小时）。"
    );
    assert_eq!(text_of(&page, "#e-minutes").unwrap(), "请填写会议纪要。");
    assert_eq!(value_of(&page, "#f-topic").unwrap(), "投诉分析", "kept");
    assert_eq!(value_of(&page, "#f-start").unwrap(), "00:30", "kept");
    assert_eq!(
        value_of(&page, &format!("#a-{absent} option[selected]")).unwrap(),
        "absent",
        "the attendance chosen is kept"
    );

    // A meeting that has not begun, and a list that names nobody present.
    let nobody: Vec<(String, String)> = people
        .iter()
        .map(|(id, _)| (id.clone(), "absent".to_owned()))
        .collect();
    let mut fields = record(&chair, &nobody, &[("day", &tomorrow)]);
    fields.push(("form_token", &token));
    let res = supervisor.post("/meetings/new", &fields).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert_eq!(
        text_of(&page, "#e-start").unwrap(),
        "会议还没有开始：开完会再记录。"
    );
    assert_eq!(
        text_of(&page, "#e-attendance").unwrap(),
        "至少要有一人出席或迟到。"
    );
    // Chaired by someone marked absent.
    let mut fields = record(&absent, &people, &[("day", &today)]);
    fields.push(("form_token", &token));
    let res = supervisor.post("/meetings/new", &fields).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert_eq!(
        text_of(&page, "#e-chair").unwrap(),
        "主持人应在出席名单中：请把其出席情况改为出席或迟到，或另选主持人。"
    );

    let mut conn = app.db().await;
    let records: i64 = meetings::table.count().get_result(&mut conn).await.unwrap();
    assert_eq!(records, 0, "nothing filed");
}

/// A meeting that began before midnight and ended after it is recorded on the
/// day it began, ending the next day.
#[tokio::test]
async fn a_meeting_across_midnight_is_recorded_on_the_day_it_began() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (_, form) = supervisor.page("/meetings/new?kind=monthly").await;
    let people = listed(&form);
    let chair = value_of(&form, "#f-chair option[selected]").unwrap();
    let before = day(-2);
    let token = supervisor.form_token("/meetings/new").await;
    let mut fields = record(
        &chair,
        &people,
        &[
            ("kind", "monthly"),
            ("day", &before),
            ("start", "23:30"),
            ("end", "00:20"),
            ("topic", "夜间值班交接"),
        ],
    );
    fields.push(("form_token", &token));

    let res = supervisor.post("/meetings/new", &fields).await;

    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (started, ended): (chrono::DateTime<Utc>, chrono::DateTime<Utc>) = meetings::table
        .select((meetings::started_at, meetings::ended_at))
        .first(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(ended - started, Duration::minutes(50));
    let local = started.with_timezone(&chrono_tz::Asia::Shanghai);
    assert_eq!(local.date_naive().to_string(), before);
    let (_, page) = supervisor.page(&location(&res)).await;
    assert!(
        page.contains("夜间值班交接") && page.contains("23:30"),
        "{page}"
    );
}

#[tokio::test]
async fn only_supervisors_and_the_centre_manager_record_meetings() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let (_, home) = employee.page("/").await;
    assert!(
        texts_of(&home, "nav a").contains(&"会议".to_owned()),
        "in the nav"
    );
    assert_eq!(
        employee.get("/meetings/new").await.status(),
        StatusCode::FORBIDDEN
    );
    let res = employee
        .post("/meetings/new", &[("kind", "morning"), ("topic", "晨会")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let specialist = app.login_as(Role::CsSpecialist).await;
    assert_eq!(
        specialist.get("/meetings/new").await.status(),
        StatusCode::FORBIDDEN
    );
    let manager = app.login_as(Role::CenterManager).await;
    assert_eq!(manager.get("/meetings/new").await.status(), StatusCode::OK);
    // In English: the form, its proposed topic and the attendance choices.
    let (_, form) = manager.page("/meetings/new?kind=training&lang=en").await;
    assert_eq!(text_of(&form, "h1").unwrap(), "Record a meeting");
    assert_eq!(value_of(&form, "#f-topic").unwrap(), "Training meeting");
    assert_eq!(
        texts_of(&form, "#attendance tbody tr:first-child option"),
        ["Present", "Late", "Absent", "On leave", "Not listed"]
    );
    let (_, list) = manager.page("/meetings").await;
    assert_eq!(
        attr_of(&list, "#meeting-new a", "href").unwrap(),
        "/meetings/new?kind=morning"
    );
}

/// Sends the meeting form shown at `form_path` to `action`, as shown but for
/// `changes`; returns the answer.
async fn send_form(
    user: &Browser,
    form: &str,
    action: &str,
    changes: &[(&str, &str)],
) -> reqwest::Response {
    let people = listed(form);
    let chair = value_of(form, "#f-chair option[selected]").unwrap();
    let keep = |name: &str| value_of(form, &format!("[name={name}]")).unwrap_or_default();
    let (day, start, end, topic, place) = (
        keep("day"),
        keep("start"),
        keep("end"),
        keep("topic"),
        keep("place"),
    );
    let (token, version) = (keep("form_token"), keep("version"));
    let kind = value_of(form, "#f-kind option[selected]").unwrap_or_default();
    let for_month = keep("for_month");
    let minutes = text_of(form, "#f-minutes").unwrap_or_default();
    let mut fields = record(
        &chair,
        &people,
        &[
            ("kind", &kind),
            ("for_month", &for_month),
            ("day", &day),
            ("start", &start),
            ("end", &end),
            ("topic", &topic),
            ("place", &place),
            ("minutes", &minutes),
        ],
    );
    fields.push(("form_token", &token));
    fields.push(("version", &version));
    fields.retain(|(k, _)| !changes.iter().any(|(c, _)| c == k));
    fields.extend_from_slice(changes);
    user.post(action, &fields).await
}

#[tokio::test]
async fn a_record_is_corrected_and_a_correction_made_meanwhile_is_not_lost() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (_, blank) = supervisor.page("/meetings/new?kind=morning").await;
    let today = day(0);
    let res = send_form(
        &supervisor,
        &blank,
        "/meetings/new",
        &[
            ("day", &today),
            ("start", "00:00"),
            ("end", "00:01"),
            ("minutes", "初稿"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let path = location(&res);
    let edit = format!("{path}/edit");

    // The manager and the supervisor both open the record to correct it.
    let manager = app.login_as(Role::CenterManager).await;
    let (status, theirs) = manager.page(&edit).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text_of(&theirs, "#f-minutes").unwrap(), "初稿");
    let (_, mine) = supervisor.page(&edit).await;
    let res = send_form(
        &supervisor,
        &mine,
        &edit,
        &[
            ("minutes", "主管的更正"),
            ("place", "服务中心会议室"),
            ("end", "00:30"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), path);
    let (_, page) = supervisor.page(&path).await;
    assert_eq!(text_of(&page, "#meeting-minutes").unwrap(), "主管的更正");
    assert!(text_of(&page, "#meeting-corrected")
        .unwrap()
        .starts_with("客服主管 李强 · "));

    // The manager's form was read before: it comes back with their text kept.
    let res = send_form(&manager, &theirs, &edit, &[("minutes", "经理的更正")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let again = res.text().await.unwrap();
    assert!(text_of(&again, "#f-version")
        .unwrap()
        .contains("已被他人更正"));
    assert_eq!(text_of(&again, "#f-minutes").unwrap(), "经理的更正");
    let mut conn = app.db().await;
    let minutes: String = meetings::table
        .select(meetings::minutes)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(minutes, "主管的更正", "nothing overwritten");

    // Sent again, knowingly, it replaces the supervisor's correction.
    let res = send_form(&manager, &again, &edit, &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (minutes, version): (String, i32) = meetings::table
        .select((meetings::minutes, meetings::version))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!((minutes.as_str(), version), ("经理的更正", 3));
    let (_, page) = supervisor.page(&path).await;
    assert!(text_of(&page, "#meeting-corrected")
        .unwrap()
        .starts_with("服务中心经理 张伟 · "));
    // Each correction keeps what it replaced.
    let kept = texts_of(&page, "#meeting-corrections li");
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert!(
        kept[0].contains("客服主管 李强") && kept[0].contains("初稿"),
        "{kept:?}"
    );
    assert!(
        kept[1].contains("服务中心经理 张伟") && kept[1].contains("主管的更正"),
        "{kept:?}"
    );
    // What else a correction changed reads as it stood: the supervisor's
    // moved the place and the end, the manager's (from the form read before)
    // moved them back.
    assert!(
        kept[0].contains("地点：（未填）")
            && kept[0].contains(&format!("时间：{today} 00:00–00:01")),
        "{kept:?}"
    );
    assert!(
        kept[1].contains("地点：服务中心会议室")
            && kept[1].contains(&format!("时间：{today} 00:00–00:30"))
            && !kept[1].contains("主持人"),
        "{kept:?}"
    );
    let audited: i64 = audit_log::table
        .filter(audit_log::action.eq("meeting.corrected"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(audited, 2);

    let employee = app.login_as(Role::Employee).await;
    assert_eq!(employee.get(&edit).await.status(), StatusCode::FORBIDDEN);
    let (_, page) = employee.page(&path).await;
    assert!(text_of(&page, "#meeting-correct").is_none());
}

#[tokio::test]
async fn the_attendance_by_person_counts_each_persons_meetings_of_the_month() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let specialist = crate::approvals::user_id(&app, "specialist")
        .await
        .to_string();
    let chair = crate::approvals::user_id(&app, "supervisor")
        .await
        .to_string();
    let today = day(0);
    // The day's morning meeting, then a training session (a second morning
    // meeting the same day would be refused).
    let meetings = [
        ("morning", "00:00", "00:01", "late"),
        ("training", "00:02", "00:03", "absent"),
    ];
    for (kind, start, end, came) in meetings {
        let (_, form) = supervisor.page(&format!("/meetings/new?kind={kind}")).await;
        let people: Vec<(String, String)> = listed(&form)
            .into_iter()
            .map(|(id, att)| {
                let att = if id == specialist {
                    came.to_owned()
                } else {
                    att
                };
                (id, att)
            })
            .collect();
        let token = value_of(&form, "[name=form_token]").unwrap();
        let mut fields = record(
            &chair,
            &people,
            &[
                ("kind", kind),
                ("day", &today),
                ("start", start),
                ("end", end),
            ],
        );
        fields.push(("form_token", &token));
        let res = supervisor.post("/meetings/new", &fields).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }

    let (_, list) = supervisor.page("/meetings").await;
    let href = attr_of(&list, "#by-person-link", "href").unwrap();
    let (status, page) = supervisor.page(&href).await;
    assert_eq!(status, StatusCode::OK);
    let doc = scraper::Html::parse_document(&page);
    let row = scraper::Selector::parse("#by-person tbody tr").unwrap();
    let cell = scraper::Selector::parse("th, td").unwrap();
    let rows: Vec<Vec<String>> = doc
        .select(&row)
        .map(|r| r.select(&cell).map(|c| c.text().collect()).collect())
        .collect();
    assert!(rows.contains(&vec![
        "客服专员 陈静".to_owned(),
        "0".into(),
        "1".into(),
        "1".into(),
        "0".into()
    ]));
    assert!(rows.contains(&vec![
        "客服主管 李强".to_owned(),
        "2".into(),
        "0".into(),
        "0".into(),
        "0".into()
    ]));
    // Only the kind chosen counts: no monthly analysis meeting was held.
    let (_, monthly) = supervisor
        .page(&href.replace("show=all", "show=monthly"))
        .await;
    assert_eq!(
        texts_of(&monthly, "#by-person tbody td"),
        ["这个月还没有会议记录。"]
    );
    let csv = supervisor
        .get(&href.replace("/meetings/attendance?", "/meetings/attendance.csv?"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains("\"客服专员 陈静\",\"0\",\"1\",\"1\",\"0\""),
        "{csv}"
    );
    // On paper, the same counts, to sign.
    let print = attr_of(&page, "#attendance-print", "href").unwrap();
    let (status, paper) = supervisor.page(&print).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        texts_of(&paper, "#attendance-paper tbody tr").contains(&"客服专员 陈静0110".to_owned())
    );
    assert!(paper.contains("统计人　签字："));

    let employee = app.login_as(Role::Employee).await;
    assert_eq!(employee.get(&href).await.status(), StatusCode::FORBIDDEN);
    assert_eq!(employee.get(&print).await.status(), StatusCode::FORBIDDEN);
    let (_, list) = employee.page("/meetings").await;
    assert!(text_of(&list, "#by-person-link").is_none());
}

#[tokio::test]
async fn a_correction_sent_twice_is_made_once_and_a_chair_who_left_can_still_be_kept() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let manager = crate::approvals::user_id(&app, "manager").await;
    let (_, blank) = supervisor.page("/meetings/new?kind=monthly").await;
    let today = day(0);
    let chair = manager.to_string();
    let res = send_form(
        &supervisor,
        &blank,
        "/meetings/new",
        &[
            ("day", &today),
            ("start", "00:00"),
            ("end", "00:01"),
            ("chair", &chair),
            ("minutes", "初稿"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let path = location(&res);
    let edit = format!("{path}/edit");

    // The manager who chaired it has left since: the record still names them,
    // and a correction keeps them as its chair.
    let mut conn = app.db().await;
    diesel::update(kefu::schema::users::table.find(manager))
        .set(kefu::schema::users::active.eq(false))
        .execute(&mut conn)
        .await
        .unwrap();
    let (status, form) = supervisor.page(&edit).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(value_of(&form, "#f-chair option[selected]").unwrap(), chair);
    // Sent twice from the same form (a double click): corrected once, and the
    // second lands on the record too.
    for _ in 0..2 {
        let res = send_form(&supervisor, &form, &edit, &[("minutes", "更正稿")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), path);
    }
    let (minutes, version, chair_id): (String, i32, i64) = meetings::table
        .select((meetings::minutes, meetings::version, meetings::chair_id))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        (minutes.as_str(), version, chair_id),
        ("更正稿", 2, manager)
    );
    let audited: i64 = audit_log::table
        .filter(audit_log::action.eq("meeting.corrected"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(audited, 1);
    // A new record no longer offers them.
    let (_, blank) = supervisor.page("/meetings/new?kind=monthly").await;
    let chairs = texts_of(&blank, "#f-chair option");
    assert!(chairs.contains(&"客服主管 李强".to_owned()));
    assert!(!chairs.contains(&"服务中心经理 张伟".to_owned()));
}

/// Records today's morning meeting, chaired by the supervisor, with this
/// attendance.
async fn record_morning(
    app: &TestApp,
    supervisor: &Browser,
    people: &[(String, String)],
) -> reqwest::Response {
    let chair = crate::approvals::user_id(app, "supervisor")
        .await
        .to_string();
    let today = day(0);
    let fields = record(&chair, people, &[("day", &today)]);
    supervisor
        .submit("/meetings/new?kind=morning", "/meetings/new", &fields)
        .await
}

/// Runs the `meetings.morning` job as at `at`; its summary.
async fn morning_job(app: &TestApp, at: chrono::DateTime<Utc>) -> String {
    let mut conn = app.db().await;
    kefu::jobs::run_now(&mut conn, "meetings.morning", at, &app.config)
        .await
        .unwrap()
}

#[tokio::test]
async fn supervisors_are_reminded_once_a_day_of_a_morning_meeting_not_on_record() {
    let smtp = crate::smtp::SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    let tz = app.config.tz;
    let at = |h, m| {
        crate::approvals::today()
            .and_hms_opt(h, m, 0)
            .unwrap()
            .and_local_timezone(tz)
            .unwrap()
            .with_timezone(&Utc)
    };
    // Before 10:00 the meeting may still be written up.
    assert_eq!(morning_job(&app, at(9, 30)).await, "before 10:00");
    assert_eq!(
        morning_job(&app, at(10, 5)).await,
        "no record today; 1 reminder"
    );
    crate::mail::worker(&app).drain().await.unwrap();
    let mails = smtp.to(&crate::approvals::mail_of(Role::CsSupervisor));
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].subject.contains("晨会尚无记录") && mails[0].subject.contains(&day(0)),
        "{}",
        mails[0].subject
    );
    assert!(mails[0].text.contains("/meetings/new?kind=morning"));
    // An hour later: no second mail that day.
    assert_eq!(
        morning_job(&app, at(11, 5)).await,
        "no record today; 0 reminders"
    );
    // Once recorded, nobody is reminded.
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (_, form) = supervisor.page("/meetings/new?kind=morning").await;
    let res = record_morning(&app, &supervisor, &listed(&form)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(morning_job(&app, at(12, 5)).await, "recorded");
    crate::mail::worker(&app).drain().await.unwrap();
    assert_eq!(
        smtp.to(&crate::approvals::mail_of(Role::CsSupervisor))
            .len(),
        1
    );
}

/// The monthly analysis meeting (the Saturday of the month's last week, 10:00):
/// from noon that day, while the month has none on record, supervisors are
/// reminded once for the month.
#[tokio::test]
async fn supervisors_are_reminded_once_of_a_monthly_meeting_not_on_record() {
    let smtp = crate::smtp::SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    let tz = app.config.tz;
    let at = |d: chrono::NaiveDate, h| {
        d.and_hms_opt(h, 30, 0)
            .unwrap()
            .and_local_timezone(tz)
            .unwrap()
            .with_timezone(&Utc)
    };
    let job = async |now| {
        let mut conn = app.db().await;
        kefu::jobs::run_now(&mut conn, "meetings.monthly", now, &app.config)
            .await
            .unwrap()
    };
    let today = crate::approvals::today();
    let saturday = kefu::meetings::jobs::last_saturday(today);
    assert!(job(at(saturday, 11)).await.starts_with("before"));
    // Late that Saturday, or today if the Saturday is past (the month so far).
    let late = at(saturday.max(today), 21);
    assert_eq!(job(late).await, "no record this month; 1 reminder");
    crate::mail::worker(&app).drain().await.unwrap();
    let mails = smtp.to(&crate::approvals::mail_of(Role::CsSupervisor));
    assert_eq!(mails.len(), 1);
    let month = today.format("%Y-%m").to_string();
    assert!(
        mails[0].subject.contains("月分析例会尚无记录") && mails[0].subject.contains(&month),
        "{}",
        mails[0].subject
    );
    assert!(mails[0].text.contains("/meetings/new?kind=monthly"));
    assert_eq!(
        job(late + chrono::Duration::minutes(20)).await,
        "no record this month; 0 reminders"
    );
    // Once recorded this month, nobody is reminded.
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (_, form) = supervisor.page("/meetings/new?kind=monthly").await;
    let chair = crate::approvals::user_id(&app, "supervisor")
        .await
        .to_string();
    let people = listed(&form);
    let today_text = day(0);
    let fields = record(
        &chair,
        &people,
        &[
            ("kind", "monthly"),
            ("day", &today_text),
            ("topic", "月分析例会"),
        ],
    );
    let res = supervisor
        .submit("/meetings/new?kind=monthly", "/meetings/new", &fields)
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(job(late + chrono::Duration::minutes(40)).await, "recorded");
}

#[tokio::test]
async fn a_centre_sets_its_own_meeting_days_and_reminder_time() {
    use chrono::Datelike;
    let today = crate::approvals::today();
    let smtp = crate::smtp::SmtpServer::start();
    let url = smtp.url();
    // A centre that meets every day but today's weekday, and writes up by 9:00.
    let app = TestApp::spawn_with(|c| {
        c.smtp_url = Some(url);
        c.morning_meeting_days.remove(today.weekday());
        c.morning_remind_at = chrono::NaiveTime::from_hms_opt(9, 0, 0).unwrap();
    })
    .await;
    let tz = app.config.tz;
    let at = |day: chrono::NaiveDate, h, m| {
        day.and_hms_opt(h, m, 0)
            .unwrap()
            .and_local_timezone(tz)
            .unwrap()
            .with_timezone(&Utc)
    };
    // No meeting today: nobody is reminded, whatever the hour.
    let summary = morning_job(&app, at(today, 11, 0)).await;
    assert_eq!(summary, "no morning meeting today");
    // Tomorrow is a meeting day, reminded from 9:00.
    let tomorrow = today.succ_opt().unwrap();
    assert_eq!(morning_job(&app, at(tomorrow, 8, 55)).await, "before 09:00");
    assert_eq!(
        morning_job(&app, at(tomorrow, 9, 5)).await,
        "no record today; 1 reminder"
    );
    crate::mail::worker(&app).drain().await.unwrap();
    let mails = smtp.to(&crate::approvals::mail_of(Role::CsSupervisor));
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].subject.contains(&tomorrow.to_string()),
        "{}",
        mails[0].subject
    );
}

#[tokio::test]
async fn someone_not_listed_stays_off_the_record_and_off_its_correction() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let admin = crate::approvals::user_id(&app, "admin").await;
    let specialist = crate::approvals::user_id(&app, "specialist").await;
    let (_, blank) = supervisor.page("/meetings/new?kind=morning").await;
    // The administrator does not attend the customer-service morning meeting
    // (the blank form says so already), nor, this morning, the specialist.
    let people: Vec<(String, String)> = listed(&blank)
        .into_iter()
        .map(|(who, att)| {
            let att = if who == specialist.to_string() {
                "none".into()
            } else {
                att
            };
            (who, att)
        })
        .collect();
    assert!(people.contains(&(admin.to_string(), "none".to_owned())));
    let res = record_morning(&app, &supervisor, &people).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let path = location(&res);
    let lines = async || -> Vec<i64> {
        meeting_attendance::table
            .select(meeting_attendance::user_id)
            .load(&mut app.db().await)
            .await
            .unwrap()
    };
    let kept = lines().await;
    let listed_people = people.iter().filter(|(_, att)| att != "none").count();
    assert_eq!(kept.len(), listed_people);
    assert!(!kept.contains(&admin) && !kept.contains(&specialist));

    // Corrected later: whoever is not on the record is shown as not listed, and
    // stays off it (nobody hired since is added as present).
    let edit = format!("{path}/edit");
    let (_, form) = supervisor.page(&edit).await;
    assert!(listed(&form).contains(&(admin.to_string(), "none".to_owned())));
    assert!(listed(&form).contains(&(specialist.to_string(), "none".to_owned())));
    assert_eq!(
        text_of(&form, "#h-attendance").as_deref(),
        Some("名单为记录中的人员和全体在职人员；不在记录中的标为不列入。")
    );
    let res = send_form(&supervisor, &form, &edit, &[("minutes", "更正纪要")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mut after = lines().await;
    after.sort_unstable();
    let mut before = kept;
    before.sort_unstable();
    assert_eq!(after, before);
}

/// 月分析例会 is held on the Saturday of the month's last week: the blank form
/// proposes the last one gone by, and a record of one held on another day says
/// so (it is not refused: a meeting may be moved).
#[tokio::test]
async fn a_monthly_meeting_off_its_saturday_is_marked_on_its_record() {
    use kefu::meetings::forms::usual_day;
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let today = crate::approvals::today();
    let saturday = usual_day("monthly", today);
    let (_, form) = supervisor.page("/meetings/new?kind=monthly").await;
    assert_eq!(
        value_of(&form, "#f-day").as_deref(),
        Some(saturday.to_string().as_str())
    );
    let chair = crate::approvals::user_id(&app, "supervisor")
        .await
        .to_string();
    let people = listed(&form);
    let file = async |day: &str, topic: &str| {
        let fields = record(
            &chair,
            &people,
            &[
                ("kind", "monthly"),
                ("day", day),
                ("topic", topic),
                ("start", "10:00"),
                ("end", "11:00"),
            ],
        );
        let res = supervisor
            .submit("/meetings/new?kind=monthly", "/meetings/new", &fields)
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{day}");
        supervisor.page(&location(&res)).await.1
    };
    // Filed for a Saturday already gone by (today's may not have begun yet).
    let saturday = usual_day("monthly", today - Duration::days(1));
    let on_time = file(&saturday.to_string(), "十一月分析").await;
    assert_eq!(text_of(&on_time, "#meeting-off-schedule"), None);

    // The month before's, held the day before its Saturday.
    let month_before = usual_day("monthly", saturday.with_day(1).unwrap() - Duration::days(1));
    let moved = month_before - Duration::days(1);
    let page = file(&moved.to_string(), "提前举行").await;
    let note = text_of(&page, "#meeting-off-schedule").expect("marked");
    assert!(note.contains(&month_before.to_string()), "{note}");

    // A month's meeting is recorded once, whoever sets out to record it (each
    // supervisor is reminded): a second, on another day of the month, is refused.
    let manager = app.login_as(Role::CenterManager).await;
    let again = (saturday - Duration::days(2)).to_string();
    let fields = record(
        &chair,
        &people,
        &[
            ("kind", "monthly"),
            ("day", &again),
            ("topic", "十一月分析"),
            ("start", "10:00"),
            ("end", "11:00"),
        ],
    );
    let res = manager
        .submit("/meetings/new?kind=monthly", "/meetings/new", &fields)
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    let message = text_of(&body, "#e-for_month").unwrap();
    let month = saturday.format("%Y-%m").to_string();
    assert!(
        message.starts_with(&format!("{month} 的月分析例会已经记录过")),
        "{message}"
    );
    assert_eq!(value_of(&body, "#f-day").as_deref(), Some(again.as_str()));
    let monthly: i64 = meetings::table
        .filter(meetings::kind.eq("monthly"))
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(monthly, 2);
}

/// A monthly analysis meeting postponed into the next month still stands for
/// its own: recorded with that month, it neither blocks the next month's
/// meeting nor quiets the next month's reminder, and its month is recorded once.
#[tokio::test]
async fn a_monthly_meeting_postponed_into_the_next_month_counts_for_its_own() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let today = crate::approvals::today();
    let this_month = today.with_day(1).unwrap();
    let last_month = (this_month - Duration::days(1)).with_day(1).unwrap();
    let (this_text, last_text) = (
        this_month.format("%Y-%m").to_string(),
        last_month.format("%Y-%m").to_string(),
    );
    let (_, form) = supervisor.page("/meetings/new?kind=monthly").await;
    // The blank form proposes the month of the last Saturday gone by.
    let proposed = kefu::meetings::forms::usual_day("monthly", today);
    assert_eq!(
        value_of(&form, "#f-for_month"),
        Some(proposed.format("%Y-%m").to_string())
    );
    let chair = crate::approvals::user_id(&app, "supervisor")
        .await
        .to_string();
    let people = listed(&form);
    let first = this_month.to_string();
    let today_text = today.to_string();
    let send = async |day: &str, month: &str, topic: &str| {
        let fields = record(
            &chair,
            &people,
            &[
                ("kind", "monthly"),
                ("day", day),
                ("for_month", month),
                ("topic", topic),
            ],
        );
        supervisor
            .submit("/meetings/new?kind=monthly", "/meetings/new", &fields)
            .await
    };
    let job = async |now| {
        let mut conn = app.db().await;
        kefu::jobs::run_now(&mut conn, "meetings.monthly", now, &app.config)
            .await
            .unwrap()
    };
    let late = kefu::meetings::jobs::last_saturday(today)
        .max(today)
        .and_hms_opt(21, 30, 0)
        .unwrap()
        .and_local_timezone(app.config.tz)
        .unwrap()
        .with_timezone(&Utc);

    // Last month's, held on this month's first day.
    let res = send(&first, &last_text, "上月分析（推迟）").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = supervisor.page(&location(&res)).await;
    let heading = text_of(&page, "h1").unwrap();
    assert!(
        heading.contains(&format!("月分析例会（{last_text}）")),
        "{heading}"
    );
    let note = text_of(&page, "#meeting-off-schedule").expect("marked");
    let due = kefu::meetings::jobs::last_saturday(last_month).to_string();
    assert!(note.contains(&due), "{note}");
    // This month's is still asked for.
    assert_eq!(job(late).await, "no record this month; 1 reminder");

    // A month is recorded once: last month's again is refused, at its month.
    let res = send(&today_text, &last_text, "上月分析").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    let message = text_of(&body, "#e-for_month").unwrap();
    assert!(
        message.starts_with(&format!("{last_text} 的月分析例会已经记录过")),
        "{message}"
    );
    assert_eq!(value_of(&body, "#f-for_month"), Some(last_text.clone()));
    assert_eq!(value_of(&body, "#f-topic").as_deref(), Some("上月分析"));

    // A month far from the day held, or no month at all, is refused.
    for (month, says) in [
        ("2020-01", "所属月份与会议日期相差超过一个月"),
        ("2026-13", "请按“年-月”填写所属月份"),
    ] {
        let res = send(&today_text, month, "本月分析").await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{month}");
        let body = res.text().await.unwrap();
        let message = text_of(&body, "#e-for_month").unwrap();
        assert!(message.starts_with(says), "{month}: {message}");
    }

    // This month's, the month left empty: the month of its day, not refused
    // for the postponed one held this month too.
    let res = send(&today_text, "", "本月分析").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = supervisor.page(&location(&res)).await;
    assert!(text_of(&page, "h1")
        .unwrap()
        .contains(&format!("（{this_text}）")));
    assert_eq!(job(late + Duration::minutes(20)).await, "recorded");

    let months: Vec<(i64, String, Option<chrono::NaiveDate>)> = meetings::table
        .filter(meetings::kind.eq("monthly"))
        .order(meetings::for_month)
        .select((meetings::id, meetings::topic, meetings::for_month))
        .load(&mut app.db().await)
        .await
        .unwrap();
    let ids: Vec<i64> = months.iter().map(|(id, _, _)| *id).collect();
    let months: Vec<(String, Option<chrono::NaiveDate>)> =
        months.into_iter().map(|(_, t, m)| (t, m)).collect();
    assert_eq!(
        months,
        [
            ("上月分析（推迟）".to_owned(), Some(last_month)),
            ("本月分析".to_owned(), Some(this_month)),
        ]
    );
    // The register says which month each stands for.
    let (_, list) = supervisor
        .page(&format!("/meetings?month={this_text}"))
        .await;
    let kinds = texts_of(&list, "#meetings tbody td:nth-child(3)");
    assert!(
        kinds.contains(&format!("月分析例会（{last_text}）")),
        "{kinds:?}"
    );
    assert!(
        kinds.contains(&format!("月分析例会（{this_text}）")),
        "{kinds:?}"
    );
    let csv = supervisor
        .get(&format!("/meetings.csv?month={this_text}&show=monthly"))
        .await
        .bytes()
        .await
        .unwrap();
    let mut months: Vec<String> = csv::Reader::from_reader(&csv[3..])
        .records()
        .map(|r| r.unwrap()[2].to_owned())
        .collect();
    months.sort();
    assert_eq!(months, [last_text, this_text.clone()]);

    // This month's was in fact next month's, held early: corrected, its page
    // says what the month was.
    let next_text = this_month
        .checked_add_months(chrono::Months::new(1))
        .unwrap()
        .format("%Y-%m")
        .to_string();
    let path = format!("/meetings/{}", ids[1]);
    let edit = format!("{path}/edit");
    let (_, form) = supervisor.page(&edit).await;
    assert_eq!(value_of(&form, "#f-for_month"), Some(this_text.clone()));
    let res = send_form(&supervisor, &form, &edit, &[("for_month", &next_text)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = supervisor.page(&path).await;
    assert!(text_of(&page, "h1")
        .unwrap()
        .contains(&format!("（{next_text}）")));
    let kept = texts_of(&page, "#meeting-corrections li");
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(
        kept[0].contains(&format!("所属月份：{this_text}")),
        "{kept:?}"
    );
    // Left empty, it is the month of its day again.
    let (_, form) = supervisor.page(&edit).await;
    let res = send_form(&supervisor, &form, &edit, &[("for_month", "")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let month: Option<chrono::NaiveDate> = meetings::table
        .find(ids[1])
        .select(meetings::for_month)
        .first(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(month, Some(this_month));
}

#[tokio::test]
async fn a_half_day_off_is_on_leave_only_for_the_meetings_in_that_half() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let employee_id = crate::approvals::user_id(&app, "employee")
        .await
        .to_string();
    // Off this afternoon.
    let res = supervisor
        .submit(
            "/leave/record",
            "/leave/record",
            &[
                ("employee", "employee"),
                ("leave_type", "sick"),
                ("start_date", &day(0)),
                ("start_half", "pm"),
                ("end_date", &day(0)),
                ("end_half", "pm"),
                ("reason", "下午看病"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let proposed = |kind: &'static str| {
        let supervisor = &supervisor;
        let employee_id = &employee_id;
        async move {
            let (_, form) = supervisor.page(&format!("/meetings/new?kind={kind}")).await;
            listed(&form)
                .into_iter()
                .find(|(id, _)| id == employee_id)
                .map(|(_, att)| att)
                .unwrap()
        }
    };
    assert_eq!(
        proposed("morning").await,
        "present",
        "at work in the morning"
    );
    assert_eq!(proposed("topic").await, "leave", "away in the afternoon");
    // The morning sheet says which half.
    let (_, sheet) = supervisor.page("/meetings/morning").await;
    let away = texts_of(&sheet, "#sheet-away li");
    assert_eq!(away.len(), 1);
    assert!(away[0].contains(&format!("{} 下午起", day(0))), "{away:?}");
}
