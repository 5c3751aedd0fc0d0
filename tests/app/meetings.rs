//! The morning meeting sheet: what every register has waiting that morning.
use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::schema::{key_loans, visits};
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
    let res = supervisor
        .submit(
            "/leave/record",
            "/leave/record",
            &[
                ("employee", "employee"),
                ("start_date", &day(-1)),
                ("end_date", &day(1)),
                ("reason", "流感"),
            ],
        )
        .await;
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
        let at = Utc::now() - Duration::days(days);
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
