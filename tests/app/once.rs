//! One-time form tokens (src/web/once.rs), through the leave form: a double
//! submit, a retry after a refused form, someone else's token, two submits at
//! the very same moment, and the clean-up of old tokens.
use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::schema::{form_submissions, leave_requests};
use reqwest::StatusCode;

use crate::approvals::{day, user_id};
use crate::helpers::*;

const FORM_TOKEN: &str = r#"input[name="form_token"]"#;

async fn leave_count(app: &TestApp) -> i64 {
    let mut conn = app.db().await;
    leave_requests::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap()
}

async fn tokens(app: &TestApp) -> i64 {
    let mut conn = app.db().await;
    form_submissions::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap()
}

/// A complete leave form with this token and CSRF token.
fn leave_fields<'a>(
    start: &'a str,
    reason: &'a str,
    token: &'a str,
    csrf: &'a str,
) -> Vec<(&'a str, &'a str)> {
    vec![
        ("leave_type", "personal"),
        ("start_date", start),
        ("end_date", start),
        ("reason", reason),
        ("form_token", token),
        ("csrf_token", csrf),
    ]
}

/// The flash message on the page a redirect leads to.
async fn flash_after(b: &Browser, res: &reqwest::Response) -> String {
    let (_, page) = b.page(&location(res)).await;
    text_of(&page, ".flash").unwrap_or_default()
}

#[tokio::test]
async fn the_same_leave_form_sent_twice_files_one_request_and_leads_to_it() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let token = employee.form_token("/leave/new").await;
    let csrf = employee.csrf().await;
    let start = day(3);
    let fields = leave_fields(&start, "家中有事", &token, &csrf);

    let first = employee.post_raw("/leave/new", &fields).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    assert!(flash_after(&employee, &first)
        .await
        .starts_with("请假条已提交"));

    // The back button and "submit" again, or a second click.
    let second = employee.post_raw("/leave/new", &fields).await;
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&second), location(&first), "to the first request");
    assert_eq!(
        flash_after(&employee, &second).await,
        "此表单已经提交过，未重复创建。以下是第一次提交的结果。"
    );
    assert_eq!(leave_count(&app).await, 1);

    // The message speaks English too.
    employee.page("/leave?lang=en").await;
    let third = employee.post_raw("/leave/new", &fields).await;
    assert_eq!(location(&third), location(&first));
    assert!(flash_after(&employee, &third)
        .await
        .starts_with("This form had already been sent"));
    assert_eq!(leave_count(&app).await, 1);
}

#[tokio::test]
async fn a_refused_form_keeps_its_token_and_the_corrected_one_files_once() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let token = employee.form_token("/leave/new").await;
    let csrf = employee.csrf().await;
    let start = day(3);

    let refused = employee
        .post_raw("/leave/new", &leave_fields(&start, " ", &token, &csrf))
        .await;
    assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = refused.text().await.unwrap();
    assert_eq!(value_of(&body, FORM_TOKEN).unwrap(), token, "same token");
    assert_eq!(value_of(&body, "#f-start_date").unwrap(), start);
    assert_eq!(leave_count(&app).await, 0);

    let fields = leave_fields(&start, "家中有事", &token, &csrf);
    let filed = employee.post_raw("/leave/new", &fields).await;
    assert_eq!(filed.status(), StatusCode::SEE_OTHER);
    let again = employee.post_raw("/leave/new", &fields).await;
    assert_eq!(location(&again), location(&filed));
    assert_eq!(leave_count(&app).await, 1);
}

#[tokio::test]
async fn a_missing_or_broken_token_is_a_message_on_the_form_not_an_error_page() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let start = day(3);
    for token in ["", "not-a-token", &"A".repeat(64)] {
        let res = employee
            .post(
                "/leave/new",
                &[
                    ("leave_type", "personal"),
                    ("start_date", &start),
                    ("end_date", &start),
                    ("reason", "家中有事"),
                    ("form_token", token),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{token:?}");
        let body = res.text().await.unwrap();
        assert!(text_of(&body, "#f-form_token")
            .unwrap()
            .contains("请核对所填内容后重新提交"));
        assert!(text_of(&body, ".error-summary").is_some());
        assert_eq!(value_of(&body, "#f-start_date").unwrap(), start);
        assert!(body.contains("家中有事"), "input kept");
        let fresh = value_of(&body, FORM_TOKEN).unwrap();
        assert_eq!(fresh.len(), 64, "a fresh token to send again with");
    }
    assert_eq!(leave_count(&app).await, 0);
}

#[tokio::test]
async fn someone_elses_token_is_refused_without_showing_their_request() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let token = employee.form_token("/leave/new").await;
    let csrf = employee.csrf().await;
    let start = day(3);
    let res = employee
        .post_raw(
            "/leave/new",
            &leave_fields(&start, "家中有事", &token, &csrf),
        )
        .await;
    let theirs = location(&res);
    assert!(theirs.starts_with("/leave/"));

    let other = app.login_as(Role::CsSpecialist).await;
    let csrf = other.csrf().await;
    let res = other
        .post_raw("/leave/new", &leave_fields(&start, "看病", &token, &csrf))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(!body.contains(&theirs), "their request stays theirs");
    assert!(text_of(&body, "#f-form_token").is_some());
    assert!(body.contains("看病"), "input kept");
    let fresh = value_of(&body, FORM_TOKEN).unwrap();
    assert_ne!(fresh, token);
    assert_eq!(leave_count(&app).await, 1);

    // The fresh token files the other user's own request.
    let res = other
        .post_raw("/leave/new", &leave_fields(&start, "看病", &fresh, &csrf))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_ne!(location(&res), theirs);
    assert_eq!(leave_count(&app).await, 2);
}

#[tokio::test]
async fn two_submits_at_the_same_moment_file_one_request() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    for i in 0..3 {
        let start = day(3 + i);
        let token = employee.form_token("/leave/new").await;
        let csrf = employee.csrf().await;
        let fields = leave_fields(&start, "家中有事", &token, &csrf);
        let (a, b) = tokio::join!(
            employee.post_raw("/leave/new", &fields),
            employee.post_raw("/leave/new", &fields)
        );
        assert_eq!(a.status(), StatusCode::SEE_OTHER);
        assert_eq!(b.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&a), location(&b));
    }
    assert_eq!(leave_count(&app).await, 3, "one per form shown");
}

/// The race itself, made certain: another submit of the same token has claimed
/// it and not yet committed when this one comes. This one waits, files nothing,
/// and follows the other, if it was this user's; if not, it is told so on the
/// form as when the other had long committed, with nothing of theirs shown.
#[tokio::test]
async fn a_submit_racing_an_uncommitted_one_files_nothing() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let start = day(3);
    for (owner, expected) in [
        ("employee", StatusCode::SEE_OTHER),
        ("specialist", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let token = employee.form_token("/leave/new").await;
        let csrf = employee.csrf().await;
        let fields = leave_fields(&start, "家中有事", &token, &csrf);
        let owner_id = user_id(&app, owner).await;
        let mut other = app.db().await;
        diesel::sql_query("BEGIN")
            .execute(&mut other)
            .await
            .unwrap();
        diesel::insert_into(form_submissions::table)
            .values((
                form_submissions::token.eq(&token),
                form_submissions::user_id.eq(owner_id),
                form_submissions::result_path.eq("/leave/999"),
            ))
            .execute(&mut other)
            .await
            .unwrap();
        let (res, ()) = tokio::join!(employee.post_raw("/leave/new", &fields), async {
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            diesel::sql_query("COMMIT")
                .execute(&mut other)
                .await
                .unwrap();
        });
        assert_eq!(res.status(), expected, "{owner}");
        if owner == "employee" {
            assert_eq!(location(&res), "/leave/999");
        } else {
            let body = res.text().await.unwrap();
            assert!(!body.contains("/leave/999"));
            assert!(text_of(&body, "#f-form_token").is_some());
            assert_ne!(value_of(&body, FORM_TOKEN).unwrap(), token);
        }
    }
    assert_eq!(leave_count(&app).await, 0);
}

#[tokio::test]
async fn tokens_older_than_the_keeping_period_are_deleted() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let start = day(3);
    let res = employee
        .submit(
            "/leave/new",
            "/leave/new",
            &[
                ("leave_type", "personal"),
                ("start_date", &start),
                ("end_date", &start),
                ("reason", "家中有事"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mut conn = app.db().await;
    let now = Utc::now();
    kefu::jobs::run_now(&mut conn, "forms.cleanup", now, &app.config)
        .await
        .unwrap();
    assert_eq!(tokens(&app).await, 1, "a fresh token stays");
    let later = now + Duration::days(kefu::web::once::KEEP_DAYS + 1);
    let summary = kefu::jobs::run_now(&mut conn, "forms.cleanup", later, &app.config)
        .await
        .unwrap();
    assert!(summary.starts_with('1'), "{summary}");
    assert_eq!(tokens(&app).await, 0);
}
