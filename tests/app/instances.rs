//! Several instances on one database: what one instance changes shows on the
//! others at their next page (each keeps signed-in sessions in memory and drops
//! them on PostgreSQL's change notices, see `kefu::db::changes`).
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::schema::{approval_requests, approval_tasks};
use reqwest::StatusCode;

use crate::approvals::{file_leave, reschedule_leave, user_id};
use crate::helpers::*;

#[tokio::test]
async fn a_user_deactivated_on_one_instance_is_signed_out_on_another() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let employee = app.login_as(Role::Employee).await.at(&other);
    // Twice: the second page comes from the other instance's memory.
    assert_eq!(employee.get("/").await.status(), StatusCode::OK);
    assert_eq!(employee.get("/").await.status(), StatusCode::OK);
    let admin = app.login_as(Role::Admin).await;

    save_employee(&app, &admin, "员工 赵磊", false).await;
    other.settle().await;

    assert_eq!(location(&employee.get("/").await), "/login");
}

/// The administrator saves the demo employee's account form with `name`, active or not.
async fn save_employee(app: &TestApp, admin: &Browser, name: &str, active: bool) {
    let id = user_id(app, "employee").await;
    let mut fields = vec![
        ("display_name", name),
        ("email", "employee@kefu.example.com"),
        ("locale", "zh-CN"),
        ("roles", "employee"),
    ];
    if active {
        fields.push(("active", "on"));
    }
    let res = admin.post(&format!("/admin/users/{id}"), &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_request_filed_on_one_instance_counts_in_the_approvers_inbox_on_another() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let supervisor = app.login_as(Role::CsSupervisor).await.at(&other);
    let (_, before) = supervisor.page("/").await;
    assert_eq!(
        text_of(&before, ".modules .count"),
        None,
        "nothing to approve"
    );
    let employee = app.login_as(Role::Employee).await;

    file_leave(&employee).await;
    other.settle().await;

    let (_, after) = supervisor.page("/").await;
    assert_eq!(text_of(&after, ".modules .count").as_deref(), Some("1"));
}

#[tokio::test]
async fn a_decision_shows_at_once_on_the_instance_that_took_it() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    file_leave(&employee).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (_, home) = supervisor.page("/").await;
    assert_eq!(text_of(&home, ".modules .count").as_deref(), Some("1"));

    // Withdrawn by the employee on this same instance: no waiting for a notice.
    let mut conn = app.db().await;
    let id: i64 = approval_requests::table
        .select(approval_requests::id)
        .first(&mut conn)
        .await
        .unwrap();
    let res = employee
        .post(&format!("/approvals/{id}/withdraw"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let (_, home) = supervisor.page("/").await;
    assert_eq!(text_of(&home, ".modules .count"), None);
}

#[tokio::test]
async fn a_write_has_seen_its_own_notices_before_its_answer_leaves() {
    let app = TestApp::spawn().await;
    app.settle().await;
    let reader = kefu::db::Reader::new(&app.db_url);
    let id = user_id(&app, "employee").await;
    let mut conn = app.db().await;
    for round in 0..20 {
        let loaded = app.changes.begin().expect("the listener is live");
        // Any change to the user's row notifies `u:<id>` (migration `…_changes`).
        diesel::sql_query("UPDATE users SET locale = locale WHERE id = $1")
            .bind::<diesel::sql_types::BigInt, _>(id)
            .execute(&mut conn)
            .await
            .unwrap();

        app.changes.wrote(&reader).await;

        assert!(
            !app.changes.current(loaded, id),
            "round {round}: the notice of the write had not arrived"
        );
        assert!(
            app.changes.current(app.changes.begin().unwrap(), id),
            "loaded after it: current"
        );
    }
}

#[tokio::test]
async fn an_inbox_kept_on_another_instance_follows_filing_editing_renaming_and_deciding() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let supervisor = app.login_as(Role::CsSupervisor).await.at(&other);
    let inbox = async || supervisor.page("/approvals").await.1;
    assert_eq!(
        text_of(&inbox().await, "table.inbox td.muted").as_deref(),
        Some("没有等待您审批的申请。")
    );
    let employee = app.login_as(Role::Employee).await;
    let admin = app.login_as(Role::Admin).await;

    let leave = file_leave(&employee).await;
    other.settle().await;
    let filed = inbox().await;
    assert_eq!(
        texts_of(&filed, "table.inbox tbody td:nth-child(2)"),
        ["员工 赵磊"]
    );
    let start = reschedule_leave(&employee, leave, 5).await;
    other.settle().await;
    let edited = inbox().await;
    let title = text_of(&edited, "table.inbox tbody td a").unwrap();
    assert!(title.contains(&start) && title.contains("年假"), "{title}");
    save_employee(&app, &admin, "员工 赵磊磊", true).await;
    other.settle().await;
    let renamed = inbox().await;
    assert_eq!(
        texts_of(&renamed, "table.inbox tbody td:nth-child(2)"),
        ["员工 赵磊磊"]
    );

    let (request, task): (i64, i64) = {
        let mut conn = app.db().await;
        approval_tasks::table
            .filter(approval_tasks::status.eq("pending"))
            .select((approval_tasks::request_id, approval_tasks::id))
            .first(&mut conn)
            .await
            .unwrap()
    };
    let task = task.to_string();
    let res = supervisor
        .at(&app)
        .post(
            &format!("/approvals/{request}/decide"),
            &[("task_id", &task), ("decision", "approve"), ("comment", "")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    other.settle().await;
    assert_eq!(
        text_of(&inbox().await, "table.inbox td.muted").as_deref(),
        Some("没有等待您审批的申请。")
    );
}
