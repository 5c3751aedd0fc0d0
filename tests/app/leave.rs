//! Leave requests: the one-day-ahead rule, the form, the lists, export and slip.
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::schema::{approval_requests, leave_requests, mail_outbox};
use reqwest::StatusCode;

use crate::approvals::{day, file_leave};
use crate::helpers::*;

async fn rows(app: &TestApp) -> (i64, i64, i64) {
    let mut conn = app.db().await;
    let leave: i64 = leave_requests::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    let reqs: i64 = approval_requests::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    let mails: i64 = mail_outbox::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    (leave, reqs, mails)
}

#[tokio::test]
async fn leave_filed_too_late_is_refused_with_the_rule_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let today = day(0);

    let res = employee
        .submit(
            "/leave/new",
            "/leave/new",
            &[
                ("leave_type", "病假"),
                ("start_date", &today),
                ("end_date", &today),
                ("reason", "发烧"),
            ],
        )
        .await;

    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    let msg = text_of(&body, "#e-start_date").unwrap();
    assert!(msg.contains("提前一天向服务中心递交请假条"), "{msg}");
    assert_eq!(
        value_of(&body, "#f-start_date").unwrap(),
        today,
        "input kept"
    );
    assert!(body.contains("发烧"));
    assert!(body.contains(r#"<option value="sick" selected>"#));
    assert_eq!(rows(&app).await, (0, 0, 0));
}

#[tokio::test]
async fn each_bad_field_gets_its_own_message() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let (start, before) = (day(3), day(2));

    let res = employee
        .submit(
            "/leave/new",
            "/leave/new",
            &[
                ("leave_type", "旷工"),
                ("start_date", &start),
                ("end_date", &before),
                ("reason", " "),
            ],
        )
        .await;

    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(text_of(&body, "#e-leave_type").unwrap(), "请选择请假类别。");
    assert_eq!(
        text_of(&body, "#e-end_date").unwrap(),
        "结束日期不能早于开始日期。"
    );
    assert_eq!(text_of(&body, "#e-reason").unwrap(), "请填写请假事由。");
    assert_eq!(text_of(&body, "#e-start_date").unwrap(), "");
    let bad_date = employee
        .submit(
            "/leave/new",
            "/leave/new",
            &[
                ("leave_type", "sick"),
                ("start_date", "2026-13-40"),
                ("end_date", "x"),
                ("reason", "r"),
            ],
        )
        .await;
    assert_eq!(bad_date.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A half day the lists do not offer (a tampered form).
    let (far, far_end) = (day(4), day(5));
    let odd = employee
        .submit(
            "/leave/new",
            "/leave/new",
            &[
                ("leave_type", "annual"),
                ("start_date", &far),
                ("start_half", "noon"),
                ("end_date", &far_end),
                ("reason", "旅行"),
            ],
        )
        .await;
    assert_eq!(odd.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = odd.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-start_half").unwrap(),
        "请从列表中选择上午或下午。"
    );
    assert_eq!(text_of(&body, "#f-reason").unwrap(), "旅行", "input kept");
    assert_eq!(rows(&app).await, (0, 0, 0));
}

#[tokio::test]
async fn filed_leave_is_listed_with_its_status_and_half_days_count() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let (start, end) = (day(1), day(2));

    let res = employee
        .submit(
            "/leave/new",
            "/leave/new",
            &[
                ("leave_type", "annual"),
                ("start_date", &start),
                ("start_half", "pm"),
                ("end_date", &end),
                ("end_half", "pm"),
                ("reason", "回老家"),
            ],
        )
        .await;

    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, list) = employee.page("/leave").await;
    let table = text_of(&list, "table.leave-list").unwrap();
    assert!(
        table.contains("年假") && table.contains("1.5") && table.contains("待审批"),
        "{table}"
    );
    let (_, show) = employee.page(&location(&res)).await;
    assert!(show.contains("下午起"));
    // Without SMTP the approval mail waits in the outbox.
    assert_eq!(rows(&app).await, (1, 1, 1));
}

/// The supervisor approves leave `id` from the approval its page links to.
async fn approve_from_its_page(supervisor: &Browser, id: i64) {
    let (_, leave_page) = supervisor.page(&format!("/leave/{id}")).await;
    let approval = attr_of(&leave_page, r#"a[href^="/approvals/"]"#, "href").unwrap();
    let (_, page) = supervisor.page(&approval).await;
    let task = value_of(&page, r#"input[name="task_id"]"#).unwrap();
    let version = value_of(&page, r#"input[name="version"]"#).unwrap();
    let res = supervisor
        .post(
            &format!("{approval}/decide"),
            &[
                ("task_id", &task),
                ("decision", "approve"),
                ("version", &version),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

/// What the leave calendar shows on `date` (in its month's page): each
/// entry's text.
async fn calendar_on(b: &Browser, date: &str) -> Vec<String> {
    calendar_of(b, &date[..7], date, "").await
}

/// What month `month`'s calendar shows on `date`, in a cell of class `class`
/// ("" for the month's own days, "muted" for a neighbouring month's).
async fn calendar_of(b: &Browser, month: &str, date: &str, class: &str) -> Vec<String> {
    let (_, page) = b.page(&format!("/leave/calendar?month={month}")).await;
    let doc = scraper::Html::parse_document(&page);
    let cell =
        scraper::Selector::parse(&format!(r#"table.calendar td[data-date="{date}"]"#)).unwrap();
    let away = scraper::Selector::parse(".away").unwrap();
    let cell = doc.select(&cell).next().expect("the day's cell");
    assert_eq!(cell.value().attr("class"), Some(class), "{date} in {month}");
    cell.select(&away)
        .map(|a| a.text().collect::<String>().trim().to_owned())
        .collect()
}

/// The calendar's whole weeks show who is away on the neighbouring months'
/// days at either end too, even when that leave lies wholly in the other month.
#[tokio::test]
async fn the_calendar_shows_leave_on_the_neighbouring_months_days() {
    use chrono::{Datelike, Days, Months, NaiveDate, Weekday};
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    // The first month's end at least two days away that is not a Sunday
    // (then the next month begins on a Monday and neither grid shows the
    // other's days).
    let soon = NaiveDate::parse_from_str(&day(2), "%Y-%m-%d").unwrap();
    let mut last = soon.with_day(1).unwrap() + Months::new(1) - Days::new(1);
    while last.weekday() == Weekday::Sun {
        last = last.with_day(1).unwrap() + Months::new(2) - Days::new(1);
    }
    let first = last + Days::new(1);
    let (end_day, next_day) = (last.to_string(), first.to_string());
    // One day's leave on each side of the month's end.
    let supervisor = app.login_as(Role::CsSupervisor).await;
    for (d, reason) in [(&end_day, "搬家"), (&next_day, "看病")] {
        let res = file_span(&employee, (d, "am"), (d, "pm"), reason).await;
        approve_from_its_page(&supervisor, leave_id(&res)).await;
    }

    let (month, next) = (&end_day[..7], &next_day[..7]);
    let away = ["员工 赵磊 · 事假"];
    assert_eq!(calendar_of(&supervisor, month, &end_day, "").await, away);
    assert_eq!(
        calendar_of(&supervisor, month, &next_day, "muted").await,
        away
    );
    assert_eq!(
        calendar_of(&supervisor, next, &end_day, "muted").await,
        away
    );
    assert_eq!(calendar_of(&supervisor, next, &next_day, "").await, away);
}

/// Leave from an afternoon until a noon: the calendar says which half of its
/// first and last day the person is away.
#[tokio::test]
async fn the_calendar_says_which_half_of_a_day_is_away() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let res = file_span(&employee, (&day(1), "pm"), (&day(3), "am"), "回老家").await;
    let id = leave_id(&res);
    let supervisor = app.login_as(Role::CsSupervisor).await;
    approve_from_its_page(&supervisor, id).await;

    assert_eq!(
        calendar_on(&supervisor, &day(1)).await,
        ["员工 赵磊 · 事假 · 下午"]
    );
    assert_eq!(
        calendar_on(&supervisor, &day(2)).await,
        ["员工 赵磊 · 事假"]
    );
    assert_eq!(
        calendar_on(&supervisor, &day(3)).await,
        ["员工 赵磊 · 事假 · 上午"]
    );
    assert!(calendar_on(&supervisor, &day(4)).await.is_empty());
    supervisor.page("/?lang=en").await;
    let english = calendar_on(&supervisor, &day(1)).await;
    assert!(english[0].ends_with(" · afternoon"), "{english:?}");
}

#[tokio::test]
async fn approved_leave_shows_in_the_calendar_list_export_and_slip() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let id = file_leave(&employee).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    approve_from_its_page(&supervisor, id).await;
    let month = &day(1)[..7];

    let (_, calendar) = supervisor
        .page(&format!("/leave/calendar?month={month}"))
        .await;
    let (_, list) = supervisor
        .page(&format!("/leave/approved?month={month}"))
        .await;
    let csv = supervisor
        .get(&format!("/leave/approved.csv?month={month}"))
        .await;
    let (_, slip) = employee.page(&format!("/leave/{id}/print")).await;

    assert!(text_of(&calendar, "table.calendar")
        .unwrap()
        .contains("员工 赵磊 · 事假"));
    // Each day's entry opens the slip.
    let slip_link = format!("/leave/{id}");
    assert!(
        attr_of(&calendar, ".away a", "href").as_deref() == Some(slip_link.as_str()),
        "{calendar}"
    );
    assert!(list.contains("员工 赵磊"));
    assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
    // Saved under the list's own name, in the reader's language.
    assert_eq!(
        saved_as(&csv),
        (
            format!("已批准请假 {month}.csv"),
            format!("leave-{month}-approved.csv")
        )
    );
    let csv = csv.text().await.unwrap();
    assert!(csv.contains("\"员工 赵磊\",\"事假\""), "{csv}");
    let xlsx = supervisor
        .get(&format!("/leave/approved.xlsx?month={month}"))
        .await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    let bytes = xlsx.bytes().await.unwrap();
    let file = std::env::temp_dir().join(format!("kefu-{}.xlsx", uuid::Uuid::new_v4().simple()));
    std::fs::write(&file, &bytes).unwrap();
    let out = std::process::Command::new("/usr/bin/python3")
        .args(["-c", "import sys, zipfile; print(zipfile.ZipFile(sys.argv[1]).read('xl/sharedStrings.xml').decode())"])
        .arg(&file)
        .output()
        .unwrap();
    let _ = std::fs::remove_file(&file);
    let strings = String::from_utf8_lossy(&out.stdout);
    assert!(
        strings.contains("员工 赵磊") && strings.contains("事假"),
        "{strings}"
    );
    assert!(slip.contains("签字：________  日期：________"));
    assert!(slip.contains("客服主管 李强"), "the approver on the slip");
    let (_, slip_en) = employee.page(&format!("/leave/{id}/print?lang=en")).await;
    assert!(
        slip_en.contains("Signature: ________  Date: ________"),
        "the signature lines in English"
    );
    // The month's list on paper, for the supervisor to sign.
    let print = format!("/leave/approved/print?month={month}&show=approved");
    assert!(list.contains(&format!(
        r#"href="/leave/approved/print?month={month}&amp;show=approved""#
    )));
    let (status, paper) = supervisor.page(&print).await;
    assert_eq!(status, StatusCode::OK);
    let rows = texts_of(&paper, "#approved-paper tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(
        rows[0].contains("员工 赵磊") && rows[0].contains("事假"),
        "{rows:?}"
    );
    assert!(
        !paper.contains("家中有事"),
        "the reason stays off the sheet, as off the list"
    );
    assert!(paper.contains("客服主管　签字："));
    // The calendar and the list are for those who keep the register.
    assert_eq!(
        employee.get("/leave/calendar").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(employee.get(&print).await.status(), StatusCode::FORBIDDEN);
}

/// The month's register shows approved leave (what attendance needs) unless the
/// keeper asks for leave waiting, rejected, withdrawn or all of it, on screen,
/// on paper and exported alike.
#[tokio::test]
async fn the_months_register_shows_leave_in_each_state_when_asked() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    file_leave(&employee).await;
    let month = &day(1)[..7];
    let names =
        |page: &str, table: &str| texts_of(page, &format!("{table} tbody tr td:first-child"));
    let list = async |show: &str| {
        let (status, page) = supervisor
            .page(&format!("/leave/approved?month={month}&show={show}"))
            .await;
        assert_eq!(status, StatusCode::OK, "{show}");
        page
    };

    let approved = list("approved").await;
    assert_eq!(names(&approved, "#leave-month"), ["本月没有已批准的请假。"]);
    let pending = list("pending").await;
    assert_eq!(names(&pending, "#leave-month"), ["员工 赵磊"]);
    assert_eq!(
        texts_of(&pending, "#leave-month tbody td:last-child"),
        ["待审批"]
    );
    assert_eq!(
        text_of(&pending, "h1").unwrap(),
        format!("请假登记 {month}")
    );
    assert_eq!(
        value_of(&pending, "#show option[selected]").as_deref(),
        Some("pending")
    );
    assert_eq!(
        names(&list("rejected").await, "#leave-month"),
        ["本月没有这类请假。"]
    );
    assert_eq!(names(&list("all").await, "#leave-month"), ["员工 赵磊"]);
    // Anything else asked is the approved list.
    assert_eq!(
        names(&list("nonsense").await, "#leave-month"),
        ["本月没有已批准的请假。"]
    );

    let (_, paper) = supervisor
        .page(&format!("/leave/approved/print?month={month}&show=pending"))
        .await;
    assert!(text_of(&paper, ".slip-no").unwrap().contains("待审批"));
    assert_eq!(names(&paper, "#approved-paper"), ["员工 赵磊"]);
    let csv = supervisor
        .get(&format!("/leave/approved.csv?month={month}&show=all"))
        .await
        .text()
        .await
        .unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[0].ends_with(",\"状态\",\"本月天数\""), "{csv}");
    assert!(lines[1].ends_with(",\"待审批\",\"2\""), "{csv}");
    let employee_sees = employee
        .get(&format!("/leave/approved?month={month}&show=all"))
        .await;
    assert_eq!(employee_sees.status(), StatusCode::FORBIDDEN);
}

/// A leave lasts a year at most, so the month's register looks back a year for
/// leave still running: one of 366 days that began 365 days before the month is
/// on it, one that ended the day before is not, and the database refuses 367.
#[tokio::test]
async fn a_year_long_leave_still_running_is_on_the_months_register_and_a_longer_one_is_refused() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let person = async |role| crate::approvals::user_id(&app, username(role)).await;
    let (employee, specialist, keeper) = (
        person(Role::Employee).await,
        person(Role::CsSpecialist).await,
        person(Role::ArchiveKeeper).await,
    );
    let month = chrono::NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
    let days = chrono::Duration::days;
    let year_ago = month - days(365);
    let mut conn = app.db().await;
    let mut store = async |user_id, start: chrono::NaiveDate, end: chrono::NaiveDate| {
        let new = kefu::leave::models::NewLeave {
            user_id,
            leave_type: "annual",
            start_date: start,
            start_pm: false,
            end_date: end,
            end_am: false,
            half_days: 2 * ((end - start).num_days() as i32 + 1),
            reason: "",
            status: "approved",
            after_the_fact: false,
            recorded_by: None,
        };
        kefu::leave::queries::create(&mut conn, &new).await
    };
    store(employee, year_ago, month).await.unwrap();
    store(specialist, year_ago - days(1), month - days(1))
        .await
        .unwrap();
    let longer = store(keeper, year_ago - days(1), month).await;
    let refused = format!("{longer:?}");
    assert!(
        refused.contains("leave_requests_at_most_a_year"),
        "{refused}"
    );

    let (status, page) = supervisor.page("/leave/approved?month=2026-03").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        texts_of(&page, "#leave-month tbody tr td:first-child"),
        ["员工 赵磊"]
    );
    assert!(page.contains("2025-03-01"), "{page}");
    assert!(!page.contains("2025-02-28"), "{page}");
}

#[tokio::test]
async fn a_change_to_leave_closed_meanwhile_comes_back_with_the_input_and_no_form_is_offered_after()
{
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let id = file_leave(&employee).await;
    let edit = format!("/leave/{id}/edit");
    let (status, _) = employee.page(&edit).await;
    assert_eq!(status, StatusCode::OK);
    // Withdrawn in another tab while the change is being typed.
    let mut conn = app.db().await;
    let request: i64 = approval_requests::table
        .select(approval_requests::id)
        .first(&mut conn)
        .await
        .unwrap();
    let res = employee
        .post(&format!("/approvals/{request}/withdraw"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let (start, end) = (day(3), day(4));
    let res = employee
        .post(
            &edit,
            &[
                ("leave_type", "年假"),
                ("start_date", &start),
                ("end_date", &end),
                ("reason", "改到下周"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#f-state").unwrap().contains("不能再修改"));
    assert_eq!(value_of(&body, "#f-start_date").unwrap(), start);
    assert_eq!(text_of(&body, "#f-reason").unwrap(), "改到下周");
    let reason: String = leave_requests::table
        .find(id)
        .select(leave_requests::reason)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(reason, "家中有事", "nothing changed");

    // The form is no longer offered for it.
    let res = employee.get(&edit).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/leave/{id}"));
}

#[tokio::test]
async fn a_change_read_before_another_comes_back_and_a_double_click_changes_it_once() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let id = file_leave(&employee).await;
    let edit = format!("/leave/{id}/edit");
    let (_, tab_a) = employee.page(&edit).await;
    let (_, tab_b) = employee.page(&edit).await;
    let version = |page: &str| value_of(page, r#"input[name="version"]"#).unwrap();
    let send = async |version: String, reason: &str| {
        let (start, end) = (day(3), day(4));
        employee
            .post(
                &edit,
                &[
                    ("leave_type", "年假"),
                    ("start_date", &start),
                    ("end_date", &end),
                    ("reason", reason),
                    ("version", &version),
                ],
            )
            .await
    };
    let mut conn = app.db().await;
    let state = async |conn: &mut diesel_async::AsyncPgConnection| -> (String, i32) {
        let reason: String = leave_requests::table
            .find(id)
            .select(leave_requests::reason)
            .first(conn)
            .await
            .unwrap();
        let version: i32 = approval_requests::table
            .select(approval_requests::version)
            .first(conn)
            .await
            .unwrap();
        (reason, version)
    };
    let (_, v0) = state(&mut conn).await;

    // Tab B saves, twice (a double click): one change, one new version.
    for _ in 0..2 {
        let res = send(version(&tab_b), "改期到后天").await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(state(&mut conn).await, ("改期到后天".to_owned(), v0 + 1));

    // Tab A, read before: its change comes back, B's stays.
    let res = send(version(&tab_a), "家里有事").await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#f-state").unwrap().contains("已被修改"));
    assert_eq!(text_of(&body, "#f-reason").unwrap(), "家里有事");
    assert_eq!(state(&mut conn).await, ("改期到后天".to_owned(), v0 + 1));
    // Sent again from the form that came back, it replaces B's, knowingly.
    let res = send(version(&body), "家里有事").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(state(&mut conn).await, ("家里有事".to_owned(), v0 + 2));
}

#[tokio::test]
async fn only_the_employee_and_the_register_keepers_see_a_leave_request() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let id = file_leave(&employee).await;
    let specialist = app.login_as(Role::CsSpecialist).await;

    assert_eq!(
        specialist.get(&format!("/leave/{id}")).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        specialist.get(&format!("/leave/{id}/print")).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        specialist.get(&format!("/leave/{id}/edit")).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        specialist.get("/leave/999999").await.status(),
        StatusCode::NOT_FOUND
    );
}

/// Sends the form that records `username`'s sick leave after the fact.
pub async fn record_sick_leave(
    b: &Browser,
    username: &str,
    start: &str,
    end: &str,
    reason: &str,
) -> reqwest::Response {
    let fields = [
        ("employee", username),
        ("leave_type", "sick"),
        ("start_date", start),
        ("end_date", end),
        ("reason", reason),
    ];
    b.submit("/leave/record", "/leave/record", &fields).await
}

#[tokio::test]
async fn a_supervisor_records_sick_leave_after_the_fact_marked_as_such() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (start, end) = (day(-2), day(-1));

    let res = supervisor
        .submit(
            "/leave/record",
            "/leave/record",
            &[
                ("employee", "employee"),
                ("leave_type", "sick"),
                ("start_date", &start),
                ("end_date", &end),
                ("reason", "急性肠胃炎"),
            ],
        )
        .await;

    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mut conn = app.db().await;
    let (status, marked, kind): (String, bool, String) = leave_requests::table
        .select((
            leave_requests::status,
            leave_requests::after_the_fact,
            leave_requests::leave_type,
        ))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        (status.as_str(), marked, kind.as_str()),
        ("approved", true, "sick")
    );
    // Not their own: it is neither offered nor taken.
    let (_, form) = supervisor.page("/leave/record").await;
    assert!(!texts_of(&form, "#f-employee option")
        .iter()
        .any(|o| o.contains("李强")));
    let res = supervisor
        .submit(
            "/leave/record",
            "/leave/record",
            &[
                ("employee", "supervisor"),
                ("leave_type", "sick"),
                ("start_date", &start),
                ("end_date", &end),
                ("reason", "发烧"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert_eq!(
        text_of(&page, "#e-employee").as_deref(),
        Some("本人的请假请由其他主管或服务中心经理补录，正如您的请假由他人审批。")
    );
    assert_eq!(text_of(&page, "#f-reason").as_deref(), Some("发烧"));
    // The centre manager records it, as the message says.
    let manager = app.login_as(Role::CenterManager).await;
    let (_, form) = manager.page("/leave/record").await;
    assert!(texts_of(&form, "#f-employee option")
        .iter()
        .any(|o| o.contains("李强")));
    let supervisors_own = [
        ("employee", "supervisor"),
        ("leave_type", "sick"),
        ("start_date", start.as_str()),
        ("end_date", end.as_str()),
        ("reason", "发烧"),
    ];
    let res = manager
        .submit("/leave/record", "/leave/record", &supervisors_own)
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Only for those the form lists: not an account with no employee post (a
    // crafted form naming the admin-only account, here made so).
    diesel::delete(
        kefu::schema::user_roles::table
            .filter(kefu::schema::user_roles::role_code.eq("employee"))
            .filter(
                kefu::schema::user_roles::user_id.eq_any(
                    kefu::schema::users::table
                        .filter(kefu::schema::users::username.eq("admin"))
                        .select(kefu::schema::users::id),
                ),
            ),
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let res = manager
        .submit(
            "/leave/record",
            "/leave/record",
            &[
                ("employee", "admin"),
                ("leave_type", "sick"),
                ("start_date", &start),
                ("end_date", &end),
                ("reason", "发烧"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // Not only sick leave: a bereavement on the day is recorded as such.
    let (_, form) = supervisor.page("/leave/record").await;
    assert_eq!(
        value_of(&form, "#f-leave_type option[selected]").as_deref(),
        Some("sick")
    );
    let res = supervisor
        .submit(
            "/leave/record",
            "/leave/record",
            &[
                ("employee", "employee"),
                ("leave_type", "bereavement"),
                ("start_date", &day(-6)),
                ("end_date", &day(-5)),
                ("reason", "祖母去世"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let kind: String = leave_requests::table
        .filter(leave_requests::reason.eq("祖母去世"))
        .select(leave_requests::leave_type)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(kind, "bereavement");
    let employee = app.login_as(Role::Employee).await;
    let (_, list) = employee.page("/leave").await;
    assert!(list.contains("事后补录"));
    assert_eq!(
        employee
            .post(
                "/leave/record",
                &[
                    ("employee", "employee"),
                    ("start_date", &start),
                    ("end_date", &end),
                    ("reason", "x")
                ]
            )
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn every_new_page_opens_in_both_languages_for_those_who_may_see_it() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let id = file_leave(&employee).await;
    let everyone = [
        "/approvals",
        "/approvals/mine",
        "/approvals/deputies",
        "/leave",
        "/leave/new",
    ];
    let keepers = [
        "/leave/calendar",
        "/leave/approved",
        "/leave/calendar?month=2026-02",
    ];
    let admin_only = ["/admin/mail", "/admin/mail/1", "/admin/jobs"];
    for role in Role::ALL {
        let b = app.login_as(role).await;
        for lang in ["zh-CN", "en"] {
            b.page(&format!("/?lang={lang}")).await;
            for path in everyone {
                let (status, body) = b.page(path).await;
                assert_eq!(status, StatusCode::OK, "{role:?} {path}");
                assert!(
                    !body.contains('\u{2047}'),
                    "{role:?} {lang} {path}: a missing text"
                );
            }
            let keeper = matches!(role, Role::CsSupervisor | Role::CenterManager | Role::Admin);
            for path in keepers.iter().chain(
                [
                    format!("/leave/{id}").as_str(),
                    &format!("/leave/{id}/print"),
                ]
                .iter(),
            ) {
                let (status, body) = b.page(path).await;
                let expected = keeper || (role == Role::Employee && path.contains(&id.to_string()));
                assert_eq!(
                    status == StatusCode::OK,
                    expected,
                    "{role:?} {path}: {status}"
                );
                assert!(
                    !body.contains('\u{2047}'),
                    "{role:?} {lang} {path}: a missing text"
                );
            }
            for path in admin_only {
                let (status, body) = b.page(path).await;
                assert_eq!(
                    status == StatusCode::OK,
                    role == Role::Admin,
                    "{role:?} {path}"
                );
                assert!(
                    !body.contains('\u{2047}'),
                    "{role:?} {lang} {path}: a missing text"
                );
            }
            let (status, _) = b.page("/leave/record").await;
            assert_eq!(
                status == StatusCode::OK,
                matches!(role, Role::CsSupervisor | Role::CenterManager),
                "{role:?} record"
            );
        }
    }
}

#[tokio::test]
async fn a_nul_or_a_terminal_escape_in_a_field_is_dropped_and_the_leave_is_filed() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let d = day(3);

    let res = employee
        .submit(
            "/leave/new",
            "/leave/new",
            &[
                ("leave_type", "personal"),
                ("start_date", &d),
                ("end_date", &d),
                ("reason", "家中\u{0}有\u{1b}[31m事\u{7}\n（详见附件）"),
            ],
        )
        .await;

    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mut conn = app.db().await;
    let reasons: Vec<String> = leave_requests::table
        .select(leave_requests::reason)
        .filter(leave_requests::reason.like("家中%"))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        reasons,
        ["家中有[31m事\n（详见附件）"],
        "controls dropped, lines kept"
    );
}

/// Files leave from `start` to `end` with the halves given (`am`/`pm`); the answer.
async fn file_span(
    b: &Browser,
    (start, start_half): (&str, &str),
    (end, end_half): (&str, &str),
    reason: &str,
) -> reqwest::Response {
    b.submit(
        "/leave/new",
        "/leave/new",
        &[
            ("leave_type", "personal"),
            ("start_date", start),
            ("start_half", start_half),
            ("end_date", end),
            ("end_half", end_half),
            ("reason", reason),
        ],
    )
    .await
}

fn leave_id(res: &reqwest::Response) -> i64 {
    location(res).trim_start_matches("/leave/").parse().unwrap()
}

#[tokio::test]
async fn leave_over_the_same_persons_pending_or_approved_leave_is_refused_naming_it() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let (d3, d4, d5) = (day(3), day(4), day(5));

    // Day 3 until noon of day 4.
    let first = file_span(&employee, (&d3, "am"), (&d4, "am"), "看病").await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let first = leave_id(&first);

    // The whole of day 4 takes in its morning: refused, the request in the way named.
    let res = file_span(&employee, (&d4, "am"), (&d5, "pm"), "回老家").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    let msg = text_of(&body, "#e-start_date").unwrap();
    assert!(msg.contains(&format!("QJ-{first}")), "{msg}");
    assert!(msg.contains(&format!("{d3} 上午起")), "{msg}");
    assert!(msg.contains(&format!("{d4} 至中午")), "{msg}");
    assert!(msg.contains("待审批的请假申请"), "{msg}");
    assert!(msg.contains("修改或撤回那份申请"), "{msg}");
    assert_eq!(value_of(&body, "#f-start_date").unwrap(), d4, "input kept");
    assert!(body.contains("回老家"), "input kept");
    assert_eq!(rows(&app).await.0, 1, "nothing filed");

    // From noon of day 4 is free.
    let res = file_span(&employee, (&d4, "pm"), (&d5, "pm"), "回老家").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let second = leave_id(&res);

    // Approved, the leave in the way is named as such, with advice the
    // employee can follow (an approved slip has no edit, but a cancellation).
    crate::keys::approve(&app, Role::CsSupervisor, "leave", second).await;
    let res = file_span(&employee, (&d5, "am"), (&d5, "pm"), "再请一天").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let msg = text_of(&res.text().await.unwrap(), "#e-start_date").unwrap();
    assert!(msg.contains(&format!("已批准的请假 QJ-{second}")), "{msg}");
    assert!(
        msg.contains("在假期开始前从那份请假的页面取消") && !msg.contains("待审批的"),
        "{msg}"
    );

    // Someone else's leave is no obstacle.
    let specialist = app.login_as(Role::CsSpecialist).await;
    let res = file_span(&specialist, (&d3, "am"), (&d5, "pm"), "培训").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Withdrawn, the first request is no obstacle either.
    let mut conn = app.db().await;
    let request: i64 = approval_requests::table
        .filter(approval_requests::kind.eq("leave"))
        .filter(approval_requests::subject_id.eq(first))
        .select(approval_requests::id)
        .first(&mut conn)
        .await
        .unwrap();
    let res = employee
        .post(&format!("/approvals/{request}/withdraw"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = file_span(&employee, (&d3, "am"), (&d3, "pm"), "看病").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(rows(&app).await.0, 4);

    // In English too.
    let res = employee
        .submit(
            "/leave/new?lang=en",
            "/leave/new",
            &[
                ("leave_type", "personal"),
                ("start_date", &d3),
                ("end_date", &d3),
                ("reason", "again"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let msg = text_of(&res.text().await.unwrap(), "#e-start_date").unwrap();
    assert!(
        msg.contains("overlap your pending leave request QJ-"),
        "{msg}"
    );
}

#[tokio::test]
async fn a_change_that_would_overlap_other_leave_is_refused_and_the_request_stays() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let (d3, d6) = (day(3), day(6));
    let a = file_span(&employee, (&d3, "am"), (&d3, "pm"), "看病").await;
    let a = leave_id(&a);
    let b = file_span(&employee, (&d6, "am"), (&d6, "pm"), "办事").await;
    let b = leave_id(&b);

    let res = employee
        .post(
            &format!("/leave/{b}/edit"),
            &[
                ("leave_type", "personal"),
                ("start_date", &d3),
                ("end_date", &d3),
                ("reason", "改期"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    let msg = text_of(&body, "#e-start_date").unwrap();
    assert!(msg.contains(&format!("QJ-{a}")), "{msg}");
    assert!(body.contains("改期"), "input kept");
    let mut conn = app.db().await;
    let (start, reason): (chrono::NaiveDate, String) = leave_requests::table
        .find(b)
        .select((leave_requests::start_date, leave_requests::reason))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!((start.to_string(), reason.as_str()), (d6.clone(), "办事"));

    // Its own days are no obstacle to a change of reason.
    let res = employee
        .post(
            &format!("/leave/{b}/edit"),
            &[
                ("leave_type", "personal"),
                ("start_date", &d6),
                ("end_date", &d6),
                ("reason", "办事（改）"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn sick_leave_recorded_over_leave_already_filed_is_refused() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let filed = file_span(&employee, (&day(1), "am"), (&day(2), "pm"), "回老家").await;
    let filed = leave_id(&filed);
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let record = |until: String| {
        let supervisor = &supervisor;
        async move {
            let fields = [
                ("employee", "employee"),
                ("leave_type", "sick"),
                ("start_date", &day(-1)),
                ("end_date", &until),
                ("reason", "急性肠胃炎"),
            ];
            supervisor
                .submit("/leave/record", "/leave/record", &fields)
                .await
        }
    };

    let res = record(day(1)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    let msg = text_of(&body, "#e-start_date").unwrap();
    assert!(msg.contains(&format!("QJ-{filed}")), "{msg}");
    assert!(
        msg.contains("在审批中驳回"),
        "what the supervisor can do: {msg}"
    );
    assert!(body.contains("急性肠胃炎"), "input kept");
    assert_eq!(rows(&app).await.0, 1);

    // Until the day before, it is recorded.
    assert_eq!(record(day(0)).await.status(), StatusCode::SEE_OTHER);
}

/// The race past the form's check, made certain: leave at the same time is
/// being filed (not yet committed) when this filing comes. The database's
/// constraint holds this one until the other commits, then refuses it, and the
/// form names the one that got there first.
#[tokio::test]
async fn of_two_overlapping_filings_at_the_same_moment_one_is_filed() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let user = crate::approvals::user_id(&app, "employee").await;
    let d3 = day(3);
    let mut other = app.db().await;
    other
        .batch_execute(&format!(
            "BEGIN; INSERT INTO leave_requests (user_id, leave_type, start_date, end_date, \
             half_days, reason) VALUES ({user}, 'personal', '{d3}', '{d3}', 2, '另一个窗口')"
        ))
        .await
        .unwrap();
    let (res, ()) = tokio::join!(
        file_span(&employee, (&d3, "am"), (&d3, "pm"), "看病"),
        async {
            app.await_lock_waiters(1).await;
            other.batch_execute("COMMIT").await.unwrap();
        }
    );
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let msg = text_of(&res.text().await.unwrap(), "#e-start_date").unwrap();
    let mut conn = app.db().await;
    let theirs: i64 = leave_requests::table
        .filter(leave_requests::reason.eq("另一个窗口"))
        .select(leave_requests::id)
        .first(&mut conn)
        .await
        .unwrap();
    assert!(msg.contains(&format!("QJ-{theirs}")), "{msg}");
    assert_eq!(rows(&app).await.0, 1);
}

/// The half days the forms check are the ones the database's constraint
/// compares (`leave::queries::span` against the SQL function `leave_span`).
#[tokio::test]
async fn the_forms_and_the_constraint_count_the_same_half_days() {
    use diesel::sql_types::{Bool, Date, Integer, Range};
    let app = TestApp::spawn().await;
    let mut conn = app.db().await;
    let d = |s: &str| chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap();
    for (start, start_pm, end, end_am) in [
        ("2000-01-01", false, "2000-01-01", false),
        ("1999-12-31", true, "2000-01-02", true),
        ("2026-12-01", true, "2026-12-01", false),
        ("2199-12-31", false, "2199-12-31", true),
    ] {
        let new = kefu::leave::models::NewLeave {
            user_id: 1,
            leave_type: "personal",
            start_date: d(start),
            start_pm,
            end_date: d(end),
            end_am,
            half_days: 1,
            reason: "",
            status: "pending",
            after_the_fact: false,
            recorded_by: None,
        };
        let same: bool = diesel::select(
            diesel::dsl::sql::<Bool>("leave_span(")
                .bind::<Date, _>(new.start_date)
                .sql(", ")
                .bind::<Bool, _>(start_pm)
                .sql(", ")
                .bind::<Date, _>(new.end_date)
                .sql(", ")
                .bind::<Bool, _>(end_am)
                .sql(") = ")
                .bind::<Range<Integer>, _>(kefu::leave::queries::span(&new)),
        )
        .get_result(&mut conn)
        .await
        .unwrap();
        assert!(same, "{start} {start_pm} {end} {end_am}");
    }
}

/// Requests that overlapped before the rule existed (marked by its migration)
/// still stand in the way of new leave, and one changed is held to the rule.
#[tokio::test]
async fn leave_that_overlapped_before_the_rule_still_counts_and_a_change_ends_its_exemption() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let user = crate::approvals::user_id(&app, "employee").await;
    let (d3, d4, d5, d9) = (day(3), day(4), day(5), day(9));
    // Filed, then marked as the migration marks one that overlapped another.
    let old = file_span(&employee, (&d4, "am"), (&d5, "pm"), "旧的另一份").await;
    let old = leave_id(&old);
    let mut conn = app.db().await;
    conn.batch_execute(&format!(
        "UPDATE leave_requests SET overlap_allowed = true WHERE id = {old}; \
         INSERT INTO leave_requests (user_id, leave_type, start_date, end_date, half_days, \
         reason) VALUES ({user}, 'personal', '{d3}', '{d4}', 4, '旧的一份')"
    ))
    .await
    .unwrap();

    // Day 5 overlaps only the exempt one: refused all the same, naming it.
    let res = file_span(&employee, (&d5, "am"), (&d5, "pm"), "看病").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let msg = text_of(&res.text().await.unwrap(), "#e-start_date").unwrap();
    assert!(msg.contains(&format!("QJ-{old}")), "{msg}");
    assert_eq!(rows(&app).await.0, 2);

    // The one it overlaps may still change its reason: its days stay as they were.
    let first: i64 = leave_requests::table
        .filter(leave_requests::reason.eq("旧的一份"))
        .select(leave_requests::id)
        .first(&mut conn)
        .await
        .unwrap();
    kefu::approvals::engine::submit(
        &mut conn,
        &kefu::approvals::LEAVE,
        first,
        "旧的一份",
        user,
        &app.config,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    let res = employee
        .post(
            &format!("/leave/{first}/edit"),
            &[
                ("leave_type", "personal"),
                ("start_date", &d3),
                ("end_date", &d4),
                ("reason", "旧的一份（补充说明）"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Moved clear of everything, it is held to the rule from then on.
    let res = employee
        .post(
            &format!("/leave/{old}/edit"),
            &[
                ("leave_type", "annual"),
                ("start_date", &d9),
                ("end_date", &d9),
                ("reason", "旧的另一份（改期）"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let exempt: bool = leave_requests::table
        .find(old)
        .select(leave_requests::overlap_allowed)
        .first(&mut conn)
        .await
        .unwrap();
    assert!(!exempt);
}

/// Many filings of one person for the same day at once (a double click in
/// several tabs; the hostile browser sweep sends twelve): one is filed, the
/// others are told of it. None deadlocks in the constraint's index (a 500).
#[tokio::test]
async fn many_filings_of_one_person_for_the_same_day_at_once_file_one() {
    let app = TestApp::spawn().await;
    let manager = app.login_as(Role::CenterManager).await;
    let csrf = manager.csrf().await;
    let d = day(3);
    for round in 0..3 {
        let halves = ["am", "pm"];
        let sends = (0..16).map(|i| {
            let token = kefu::web::context::new_token();
            let (csrf, d, manager) = (csrf.clone(), d.clone(), &manager);
            let half = halves[i % 2];
            async move {
                let fields = [
                    ("leave_type", "personal"),
                    ("start_date", d.as_str()),
                    ("start_half", half),
                    ("end_date", d.as_str()),
                    ("reason", "同一天"),
                    ("form_token", &token),
                    ("csrf_token", &csrf),
                ];
                manager.post_raw("/leave/new", &fields).await.status()
            }
        });
        let got = futures_util::future::join_all(sends).await;
        let filed = got.iter().filter(|s| **s == StatusCode::SEE_OTHER).count();
        let told = got
            .iter()
            .filter(|s| **s == StatusCode::UNPROCESSABLE_ENTITY)
            .count();
        assert_eq!(
            (filed, told),
            (usize::from(round == 0), 16 - usize::from(round == 0)),
            "{got:?}"
        );
    }
    assert_eq!(rows(&app).await.0, 1);
}

/// What keeps many filings of one person from deadlocking in the constraint's
/// index: each takes the person's leave lock before it inserts. A filing sent
/// while another holds that lock waits for it, then goes on.
#[tokio::test]
async fn a_filing_waits_for_the_persons_leave_lock() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let user = crate::approvals::user_id(&app, "employee").await;
    let mut holder = app.db().await;
    holder
        .batch_execute(&format!(
            "BEGIN; SELECT pg_advisory_xact_lock(hashtext('leave_requests'), {user}::int)"
        ))
        .await
        .unwrap();
    let d3 = day(3);
    let post = file_span(&employee, (&d3, "am"), (&d3, "pm"), "看病");
    tokio::pin!(post);
    tokio::select! {
        res = &mut post => panic!("filed without waiting: {}", res.status()),
        () = app.await_lock_waiters(1) => {}
    }
    holder.batch_execute("COMMIT").await.unwrap();
    assert_eq!(post.await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_record_made_by_mistake_is_withdrawn_with_its_reason_and_its_proposal_dismissed() {
    use kefu::schema::{audit_log, violations};
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let employee = app.login_as(Role::Employee).await;
    // Recorded to ten days ahead instead of yesterday: a slip of the keyboard.
    let res = record_sick_leave(&supervisor, "employee", &day(-1), &day(10), "发烧").await;
    let page = location(&res);
    let id: i64 = page.trim_start_matches("/leave/").parse().unwrap();
    let mut conn = app.db().await;
    kefu::violations::jobs::propose(&mut conn, chrono::Utc::now(), &app.config)
        .await
        .unwrap();
    // The employee's own leave in those days is refused: the record is in the way.
    let (start, end) = (day(3), day(4));
    let own = [
        ("leave_type", "personal"),
        ("start_date", start.as_str()),
        ("end_date", end.as_str()),
        ("reason", "家中有事"),
    ];
    let res = employee.submit("/leave/new", "/leave/new", &own).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // The advice is one they can follow: a record is not theirs to cancel.
    let msg = text_of(&res.text().await.unwrap(), "#e-start_date").unwrap();
    assert!(
        msg.contains(&format!("QJ-{id}"))
            && msg.contains("不能自行取消")
            && !msg.contains("从那份请假的页面取消"),
        "{msg}"
    );

    // Neither the employee nor anyone without the right withdraws it.
    let (_, shown) = employee.page(&page).await;
    assert!(!shown.contains("/withdraw"));
    let res = employee
        .post(&format!("{page}/withdraw"), &[("note", "记错了")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Without a reason: the form comes back saying so.
    let (_, shown) = supervisor.page(&page).await;
    assert!(shown.contains(&format!("action=\"{page}/withdraw\"")));
    let res = supervisor
        .post(&format!("{page}/withdraw"), &[("note", "  ")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-note").as_deref(),
        Some("请写明撤销原因。")
    );

    let why = "结束日期录错，应为昨天";
    let res = supervisor
        .post(&format!("{page}/withdraw"), &[("note", why)])
        .await;
    assert_eq!(location(&res), page);
    let (_, shown) = supervisor.page(&page).await;
    let said = text_of(&shown, ".flash-ok").unwrap();
    assert!(said.contains("补录已撤销") && said.contains("待确认违规已一并撤销"));
    assert!(shown.contains(why) && shown.contains("客服主管 李强"));
    assert!(!shown.contains("/withdraw\""), "nothing left to withdraw");
    let status: String = leave_requests::table
        .find(id)
        .select(leave_requests::status)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(status, "withdrawn");
    let proposal: (String, String) = violations::table
        .filter(violations::source.eq("leave"))
        .filter(violations::source_id.eq(id))
        .select((violations::status, violations::decision_note))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(proposal, ("dismissed".into(), why.into()));
    let audited: i64 = audit_log::table
        .filter(audit_log::action.eq("leave.record_withdrawn"))
        .filter(audit_log::entity_id.eq(id.to_string()))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(audited, 1);

    // Sent again: said so, nothing changes twice.
    let res = supervisor
        .post(&format!("{page}/withdraw"), &[("note", why)])
        .await;
    assert_eq!(location(&res), page);
    let (_, shown) = supervisor.page(&page).await;
    assert!(text_of(&shown, ".flash-error")
        .unwrap()
        .contains("已经撤销"));
    let res = supervisor
        .post(&format!("{page}/withdraw"), &[("note", "")])
        .await;
    assert_eq!(
        location(&res),
        page,
        "no form to send back: said on its page"
    );
    // A colleague who typed a reason meanwhile gets it back, to copy.
    let manager = app.login_as(Role::CenterManager).await;
    let res = manager
        .post(&format!("{page}/withdraw"), &[("note", "病假条日期写错")])
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-body").unwrap().contains("已经撤销"));
    assert_eq!(text_of(&body, "#f-body").as_deref(), Some("病假条日期写错"));

    // The employee's leave in those days now goes through.
    let res = employee.submit("/leave/new", "/leave/new", &own).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn withdrawing_a_record_whose_breach_was_confirmed_says_the_fine_stands() {
    use kefu::schema::violations;
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let res = record_sick_leave(&supervisor, "employee", &day(-2), &day(-1), "发烧").await;
    let page = location(&res);
    let id: i64 = page.trim_start_matches("/leave/").parse().unwrap();
    let mut conn = app.db().await;
    kefu::violations::jobs::propose(&mut conn, chrono::Utc::now(), &app.config)
        .await
        .unwrap();
    let breach: i64 = violations::table
        .filter(violations::source.eq("leave"))
        .filter(violations::source_id.eq(id))
        .select(violations::id)
        .first(&mut conn)
        .await
        .unwrap();
    let res = supervisor
        .post(
            &format!("/violations/{breach}/decide"),
            &[("decision", "confirm"), ("fine", "10"), ("prior", "0")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let res = supervisor
        .post(&format!("{page}/withdraw"), &[("note", "记错了人")])
        .await;
    assert_eq!(location(&res), page);
    let (_, shown) = supervisor.page(&page).await;
    let said = text_of(&shown, ".flash-warn").unwrap();
    assert!(
        said.contains("补录已撤销") && said.contains(&format!("WG-{breach}")),
        "{said}"
    );
    assert!(said.contains("不会撤销其罚款"), "{said}");
    let left: (String, Option<i64>) = violations::table
        .find(breach)
        .select((violations::status, violations::fine_fen))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(left, ("confirmed".into(), Some(1000)));
}

/// A pending request whose first day has come can no longer be changed (a
/// change is asked a day ahead): its page offers no edit, and the edit form
/// sends back to it saying why.
#[tokio::test]
async fn a_pending_request_whose_first_day_has_come_offers_no_edit() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let id = file_leave(&employee).await;
    let slip = format!("/leave/{id}");
    let edit = format!("/leave/{id}/edit");
    let (_, page) = employee.page(&slip).await;
    assert!(attr_of(&page, &format!(r#"a[href="{edit}"]"#), "href").is_some());

    // A day on, undecided: its first day is today.
    diesel::update(leave_requests::table.find(id))
        .set(leave_requests::start_date.eq(crate::approvals::today()))
        .execute(&mut app.db().await)
        .await
        .unwrap();

    let (_, page) = employee.page(&slip).await;
    assert!(attr_of(&page, &format!(r#"a[href="{edit}"]"#), "href").is_none());
    let res = employee.get(&edit).await;
    assert_eq!(location(&res), slip);
    let (_, page) = employee.page(&slip).await;
    assert_eq!(
        text_of(&page, ".flash").as_deref(),
        Some("这份请假的第一天已经到了，不能再修改；如不再需要，可以撤回申请。")
    );

    // The form left open in a tab and sent now: the days stay as filed, and
    // the form comes back with what was typed and why.
    let (d7, d8) = (day(7), day(8));
    let res = employee
        .post(
            &edit,
            &[
                ("leave_type", "personal"),
                ("start_date", &d7),
                ("end_date", &d8),
                ("reason", "改到下周"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#f-state").as_deref(),
        Some("这份请假的第一天已经到了，不能再修改；如不再需要，可以撤回申请。")
    );
    assert_eq!(value_of(&body, "#f-start_date").unwrap(), d7);
    assert_eq!(text_of(&body, "#f-reason").unwrap(), "改到下周");
    let (start, reason): (chrono::NaiveDate, String) = leave_requests::table
        .find(id)
        .select((leave_requests::start_date, leave_requests::reason))
        .first(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(
        (start, reason.as_str()),
        (crate::approvals::today(), "家中有事")
    );
}

#[tokio::test]
async fn approved_leave_not_begun_is_cancelled_by_its_requester_with_the_reason() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let id = file_leave(&employee).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let slip = format!("/leave/{id}");
    let (_, pending) = employee.page(&slip).await;
    assert!(
        text_of(&pending, "#f-note").is_none(),
        "pending: withdrawn as a request"
    );
    approve_from_its_page(&supervisor, id).await;
    let (_, supervisors) = supervisor.page(&slip).await;
    assert!(
        text_of(&supervisors, "#f-note").is_none(),
        "not theirs to cancel"
    );

    let (_, page) = employee.page(&slip).await;
    assert!(page.contains("取消请假"), "{page}");
    let (_, english) = employee.page(&format!("{slip}?lang=en")).await;
    assert_eq!(
        text_of(&english, r#"label[for="f-note"]"#).as_deref(),
        Some("Why it is cancelled")
    );
    employee.page("/?lang=zh-CN").await;
    let empty = employee
        .post(&format!("{slip}/cancel"), &[("note", " ")])
        .await;
    assert_eq!(empty.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        text_of(&empty.text().await.unwrap(), "#e-note").as_deref(),
        Some("请写明取消原因。")
    );
    let theirs = supervisor
        .post(&format!("{slip}/cancel"), &[("note", "替他取消")])
        .await;
    assert_eq!(theirs.status(), StatusCode::FORBIDDEN);

    let res = employee
        .post(&format!("{slip}/cancel"), &[("note", "事情已经办完")])
        .await;

    assert_eq!(location(&res), slip);
    let (_, page) = employee.page(&slip).await;
    assert_eq!(text_of(&page, ".flash").as_deref(), Some("请假已取消。"));
    assert_eq!(text_of(&page, "h1 .badge").as_deref(), Some("已取消"));
    let (_, mine) = employee.page("/leave").await;
    assert_eq!(text_of(&mine, "td .badge").as_deref(), Some("已取消"));
    // The approval stays approved; its trail tells the approver what became of it.
    let request: i64 = approval_requests::table
        .filter(approval_requests::kind.eq("leave"))
        .filter(approval_requests::subject_id.eq(id))
        .select(approval_requests::id)
        .first(&mut app.db().await)
        .await
        .unwrap();
    let (_, approval) = supervisor.page(&format!("/approvals/{request}")).await;
    let last = texts_of(&approval, ".trail li").pop().unwrap();
    assert!(
        last.contains("取消已批准的请假")
            && last.contains("员工 赵磊")
            && last.contains("事情已经办完"),
        "{last}"
    );
    assert!(
        page.contains("请假取消") && page.contains("事情已经办完"),
        "{page}"
    );
    assert!(
        text_of(&page, "#f-note").is_none(),
        "nothing left to cancel"
    );
    let mut conn = app.db().await;
    let status: String = leave_requests::table
        .find(id)
        .select(leave_requests::status)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(status, "withdrawn");
    let month = &day(1)[..7];
    let (_, list) = supervisor
        .page(&format!("/leave/approved?month={month}"))
        .await;
    assert!(!list.contains("员工 赵磊"), "off the register");
    // Sent again (a second click): said, nothing more done.
    let again = employee
        .post(&format!("{slip}/cancel"), &[("note", "事情已经办完")])
        .await;
    let (_, page) = employee.page(&location(&again)).await;
    assert!(text_of(&page, ".flash")
        .unwrap()
        .contains("只有尚未开始的已批准请假才能取消"));
    let audited: i64 = kefu::schema::audit_log::table
        .filter(kefu::schema::audit_log::action.eq("leave.cancelled"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(audited, 1);
    // The supervisor who approved it is told, once, with the reason.
    let mails: Vec<(String, String, String)> = mail_outbox::table
        .filter(mail_outbox::message.eq("leave_cancelled"))
        .select((
            mail_outbox::to_addr,
            mail_outbox::subject,
            mail_outbox::body_text,
        ))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(mails.len(), 1);
    let (to, subject, body) = &mails[0];
    assert_eq!(to, &crate::approvals::mail_of(Role::CsSupervisor));
    assert_eq!(subject, "请假已取消：员工 赵磊");
    assert!(
        body.contains("事情已经办完") && body.contains(&format!("/leave/{id}")),
        "{body}"
    );
    assert!(body.contains("员工：员工 赵磊"), "a Chinese colon: {body}");
    assert!(body.contains(&day(1)), "the dates: {body}");
    // The days are free again.
    file_leave(&employee).await;
}

/// Someone who has left is not mailed about leave they once approved.
#[tokio::test]
async fn cancelled_leave_is_not_told_to_an_approver_who_has_left() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let id = file_leave(&employee).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    approve_from_its_page(&supervisor, id).await;
    app.deactivate("supervisor").await;
    let res = employee
        .post(&format!("/leave/{id}/cancel"), &[("note", "事情已经办完")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = employee.page(&location(&res)).await;
    assert_eq!(text_of(&page, ".flash").as_deref(), Some("请假已取消。"));
    let mails: i64 = mail_outbox::table
        .filter(mail_outbox::message.eq("leave_cancelled"))
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(mails, 0);
}

/// Leave that runs into the next month counts, in each month's register, the
/// days that fall in that month, its whole length beside them.
#[tokio::test]
async fn the_register_of_a_month_counts_the_days_of_leave_in_that_month() {
    use chrono::{Datelike, Duration, NaiveDate};
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    // The two last days of a month ahead, and the next month's first morning.
    let ahead = crate::approvals::today() + Duration::days(40);
    let first = NaiveDate::from_ymd_opt(ahead.year(), ahead.month(), 1).unwrap();
    let (start, end) = (first - Duration::days(2), first);
    let res = file_span(
        &employee,
        (&start.to_string(), "am"),
        (&end.to_string(), "am"),
        "回老家",
    )
    .await;
    let id = leave_id(&res);
    let supervisor = app.login_as(Role::CsSupervisor).await;
    approve_from_its_page(&supervisor, id).await;

    let days_in = async |month: NaiveDate| {
        let month = month.format("%Y-%m");
        let (_, list) = supervisor
            .page(&format!("/leave/approved?month={month}"))
            .await;
        let (_, paper) = supervisor
            .page(&format!("/leave/approved/print?month={month}"))
            .await;
        let csv = supervisor
            .get(&format!("/leave/approved.csv?month={month}"))
            .await
            .text()
            .await
            .unwrap();
        (
            text_of(&list, "#leave-month tbody td:nth-child(5)").unwrap(),
            paper,
            csv,
        )
    };
    let (before, paper, csv) = days_in(start).await;
    assert_eq!(before, "2（共 2.5 天）");
    assert!(paper.contains("2（共 2.5 天）"), "{paper}");
    assert!(
        csv.lines().next().unwrap().ends_with(",\"本月天数\""),
        "{csv}"
    );
    assert!(csv.contains("\"2.5\",\"回老家\""), "{csv}");
    assert!(csv.lines().nth(1).unwrap().ends_with(",\"2\""), "{csv}");
    let (after, _, csv) = days_in(end).await;
    assert_eq!(after, "0.5（共 2.5 天）");
    assert!(csv.lines().nth(1).unwrap().ends_with(",\"0.5\""), "{csv}");
    supervisor.page("/?lang=en").await;
    let (english, _, _) = days_in(start).await;
    assert_eq!(english, "2 (2.5 days in all)");
}

/// The employee's approved leave, begun yesterday and planned for five whole
/// days: the employee, their supervisor and the leave's id.
async fn begun_leave(app: &TestApp) -> (Browser, Browser, i64) {
    let employee = app.login_as(Role::Employee).await;
    let id = file_leave(&employee).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    approve_from_its_page(&supervisor, id).await;
    let at = |n: i64| crate::approvals::today() + chrono::Duration::days(n);
    diesel::update(leave_requests::table.find(id))
        .set((
            leave_requests::start_date.eq(at(-1)),
            leave_requests::end_date.eq(at(3)),
            leave_requests::half_days.eq(10),
        ))
        .execute(&mut app.db().await)
        .await
        .unwrap();
    (employee, supervisor, id)
}

/// Approved leave that has begun is ended early by the supervisor the employee
/// reports back to: the register counts to the new end, the slip keeps the
/// planned one, a second click changes nothing, and nobody else may.
#[tokio::test]
async fn begun_leave_is_ended_early_by_the_supervisor_with_the_reason() {
    let app = TestApp::spawn().await;
    let (employee, supervisor, id) = begun_leave(&app).await;
    let at = |n: i64| crate::approvals::today() + chrono::Duration::days(n);
    let slip = format!("/leave/{id}");
    let end = format!("{slip}/end");
    let (_, own) = employee.page(&slip).await;
    assert!(
        text_of(&own, "#end-form").is_none(),
        "not the employee's to end"
    );
    let (_, page) = supervisor.page(&slip).await;
    assert_eq!(
        value_of(&page, "#f-end_date").unwrap(),
        day(0),
        "today, offered"
    );

    // Not before the end as it stands: refused beside the date, input kept.
    let late = [
        ("end_date", day(3)),
        ("end_half", "pm".into()),
        ("end_note", "提前返岗".into()),
    ];
    let res = supervisor.post(&end, &pairs(&late)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-end_date").unwrap().contains("早于"));
    assert_eq!(text_of(&body, "#f-end_note").unwrap(), "提前返岗");
    assert_eq!(
        employee
            .post(&end, &[("end_date", &day(0)), ("end_note", "我回来了")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );

    // Back this morning: the leave ends at noon today; sent twice, once.
    let back = [
        ("end_date", day(0)),
        ("end_half", "am".into()),
        ("end_note", "提前返岗".into()),
    ];
    for _ in 0..2 {
        let res = supervisor.post(&end, &pairs(&back)).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), slip);
    }
    let (end_date, end_am, half_days, planned): (
        chrono::NaiveDate,
        bool,
        i32,
        Option<chrono::NaiveDate>,
    ) = leave_requests::table
        .find(id)
        .select((
            leave_requests::end_date,
            leave_requests::end_am,
            leave_requests::half_days,
            leave_requests::planned_end_date,
        ))
        .first(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(
        (end_date, end_am, half_days, planned),
        (at(0), true, 3, Some(at(3)))
    );
    let audited: i64 = kefu::schema::audit_log::table
        .filter(kefu::schema::audit_log::action.eq("leave.ended_early"))
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(audited, 1);
    let (_, page) = employee.page(&slip).await;
    assert!(
        page.contains(&format!("原定结束：{} 至下班", day(3))),
        "{page}"
    );
    assert!(page.contains("提前返岗"));
    let (_, english) = employee.page(&format!("{slip}?lang=en")).await;
    assert!(
        english.contains(&format!("Planned end: {} until the end of the day", day(3))),
        "{english}"
    );
    employee.page("/?lang=zh-CN").await;
    let tomorrow = calendar_on(&supervisor, &day(1)).await;
    assert!(
        !tomorrow.iter().any(|t| t.contains("赵磊")),
        "back at work tomorrow: {tomorrow:?}"
    );
}

/// The early end sent after the leave was withdrawn meanwhile (the page was
/// open in another tab): refused with the reason why, the reason typed kept to
/// copy, the leave as the colleague left it and no audit line.
#[tokio::test]
async fn an_early_end_of_leave_withdrawn_meanwhile_keeps_the_reason_typed() {
    let app = TestApp::spawn().await;
    let (_, supervisor, id) = begun_leave(&app).await;
    let at = |n: i64| crate::approvals::today() + chrono::Duration::days(n);
    let slip = format!("/leave/{id}");
    let (_, page) = supervisor.page(&slip).await;
    assert!(text_of(&page, "#end-form").is_some(), "offered: {page}");

    // Meanwhile a colleague withdraws the leave.
    diesel::update(leave_requests::table.find(id))
        .set(leave_requests::status.eq("withdrawn"))
        .execute(&mut app.db().await)
        .await
        .unwrap();
    app.settle().await;
    let back = [
        ("end_date", day(0)),
        ("end_half", "am".into()),
        ("end_note", "周三提前返岗".into()),
    ];
    let res = supervisor.post(&format!("{slip}/end"), &pairs(&back)).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(
        text_of(&body, "#e-body").unwrap().contains("不能提前结束"),
        "{body}"
    );
    assert_eq!(text_of(&body, "#f-body").unwrap(), "周三提前返岗");
    assert!(
        text_of(&body, "#end-form").is_none(),
        "no form offered: {body}"
    );
    let (end_date, ended_by): (chrono::NaiveDate, Option<i64>) = leave_requests::table
        .find(id)
        .select((leave_requests::end_date, leave_requests::ended_by))
        .first(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!((end_date, ended_by), (at(3), None));
    let audited: i64 = kefu::schema::audit_log::table
        .filter(kefu::schema::audit_log::action.eq("leave.ended_early"))
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(audited, 0);
}

/// Approved leave that the employee took none of (they came to work on its
/// first day after all) is called off by the supervisor, with the reason: the
/// time no longer counts as leave and the approval's trail says so. Leave
/// begun before today was partly taken: it is ended early instead.
#[tokio::test]
async fn leave_not_taken_is_called_off_by_the_supervisor_on_its_first_day() {
    let app = TestApp::spawn().await;
    let (employee, supervisor, id) = begun_leave(&app).await;
    let slip = format!("/leave/{id}");
    let withdraw = format!("{slip}/withdraw");
    let (_, page) = supervisor.page(&slip).await;
    assert!(
        text_of(&page, "#withdraw-form").is_none(),
        "begun yesterday"
    );
    let res = supervisor.post(&withdraw, &[("note", "未休")]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert!(
        res.text().await.unwrap().contains("未休"),
        "refused, the reason kept to copy"
    );
    diesel::update(leave_requests::table.find(id))
        .set((
            leave_requests::start_date.eq(crate::approvals::today()),
            leave_requests::half_days.eq(8),
        ))
        .execute(&mut app.db().await)
        .await
        .unwrap();
    let (_, own) = employee.page(&slip).await;
    assert!(text_of(&own, "#withdraw-form").is_none());
    let (_, page) = supervisor.page(&slip).await;
    assert!(text_of(&page, "#withdraw-form button")
        .unwrap()
        .contains("取消请假（未休）"));
    assert!(text_of(&page, "#end-form").is_some(), "or ended early");
    assert_eq!(
        employee
            .post(&withdraw, &[("note", "我没休")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let res = supervisor.post(&withdraw, &[("note", " ")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!text_of(&res.text().await.unwrap(), "#e-note")
        .unwrap()
        .is_empty());

    for _ in 0..2 {
        let res = supervisor
            .post(&withdraw, &[("note", "员工今天已到岗，未休")])
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let mut conn = app.db().await;
    let (status, by): (String, Option<i64>) = leave_requests::table
        .find(id)
        .select((leave_requests::status, leave_requests::withdrawn_by))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(status, "withdrawn");
    let supervisor_id = crate::approvals::user_id(&app, username(Role::CsSupervisor)).await;
    assert_eq!(by, Some(supervisor_id));
    let (_, page) = supervisor.page(&slip).await;
    assert!(page.contains("员工今天已到岗，未休"));
    assert!(text_of(&page, "#withdraw-form").is_none());
    assert!(text_of(&page, "#end-form").is_none());
    let (_, register) = supervisor
        .page(&format!("/leave/approved?month={}", &day(0)[..7]))
        .await;
    assert!(
        !register.contains(&format!("href=\"{slip}\"")),
        "no longer in the approved register"
    );
    let events: Vec<String> = kefu::schema::approval_events::table
        .inner_join(kefu::schema::approval_requests::table)
        .filter(kefu::schema::approval_requests::kind.eq("leave"))
        .filter(kefu::schema::approval_requests::subject_id.eq(id))
        .select(kefu::schema::approval_events::action)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        events.iter().filter(|a| *a == "called_off").count(),
        1,
        "{events:?}"
    );
    let audited: i64 = kefu::schema::audit_log::table
        .filter(kefu::schema::audit_log::action.eq("leave.called_off"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(audited, 1);
    let request: i64 = approval_requests::table
        .filter(approval_requests::kind.eq("leave"))
        .filter(approval_requests::subject_id.eq(id))
        .select(approval_requests::id)
        .first(&mut conn)
        .await
        .unwrap();
    let (_, approval) = supervisor.page(&format!("/approvals/{request}")).await;
    let last = texts_of(&approval, ".trail li").pop().unwrap();
    assert!(
        last.contains("取消进行中的请假（未休）") && last.contains("员工今天已到岗，未休"),
        "{last}"
    );
}
