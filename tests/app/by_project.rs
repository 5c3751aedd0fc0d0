//! Approvers chosen by project (SPEC §3): a request about a project goes to an
//! approver who serves it, then to one who serves every project; one who serves
//! only other projects is passed over. The admin sets who serves what.
use chrono::Duration;
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::schema::{approval_requests, approval_tasks, projects, user_projects, users};
use reqwest::StatusCode;

use crate::approvals::{file_leave, user_id};
use crate::helpers::*;
use crate::keys::{estate, file_loan, key_id};

/// The demo estate's project (碧水花园) and a second one (翠湖苑).
pub async fn two_projects(app: &TestApp) -> (i64, i64) {
    let mut conn = app.db().await;
    let first: i64 = projects::table
        .filter(projects::name.eq("碧水花园"))
        .select(projects::id)
        .first(&mut conn)
        .await
        .unwrap();
    let second = kefu::properties::queries::create_project(&mut conn, "翠湖苑", "翠湖路 1 号")
        .await
        .unwrap();
    (first, second)
}

/// Adds an account through the admin's form; returns the response.
pub async fn add_user(
    admin: &Browser,
    username: &str,
    role: &str,
    projects: &[&str],
) -> reqwest::Response {
    let email = format!("{username}@kefu.example.com");
    let mut fields = vec![
        ("username", username),
        ("display_name", username),
        ("email", email.as_str()),
        ("locale", "zh-CN"),
        ("roles", role),
        ("active", "on"),
    ];
    fields.extend(projects.iter().map(|p| ("projects", *p)));
    admin
        .submit("/admin/users/new", "/admin/users", &fields)
        .await
}

/// A second engineering manager, "eng2", serving `project` only, added
/// through the admin's form; returns the form's answer.
async fn second_engineer(admin: &Browser, project: i64) -> reqwest::Response {
    let res = add_user(
        admin,
        "eng2",
        "engineering_manager",
        &[&project.to_string()],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    res
}

/// Makes `username` serve exactly `projects`.
pub async fn serve(app: &TestApp, username: &str, projects: &[i64]) {
    let id = user_id(app, username).await;
    let mut conn = app.db().await;
    kefu::users::queries::set_projects(&mut conn, id, projects)
        .await
        .unwrap();
}

/// (approver's username, role, status) of each task of the only request, in order.
pub async fn tasks(app: &TestApp) -> Vec<(String, String, String)> {
    let mut conn = app.db().await;
    approval_tasks::table
        .inner_join(users::table.on(users::id.eq(approval_tasks::approver_id)))
        .order(approval_tasks::id)
        .select((
            users::username,
            approval_tasks::role_code,
            approval_tasks::status,
        ))
        .load(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_key_loan_goes_to_the_manager_of_its_project_and_escalates_within_it() {
    let app = TestApp::spawn().await;
    let (clerk, _) = estate(&app).await;
    let (bishui, cuihu) = two_projects(&app).await;
    let admin = app.login_as(Role::Admin).await;
    let res = second_engineer(&admin, bishui).await;
    let (_, account) = admin.page(&location(&res)).await;
    assert_eq!(text_of(&account, "#user-projects").unwrap(), "碧水花园");
    // The first one (the lower id, who would otherwise get it) now serves 翠湖苑
    // only, set on their edit form; so does the centre manager.
    let engineer = user_id(&app, username(Role::EngineeringManager)).await;
    let (_, form) = admin.page(&format!("/admin/users/{engineer}/edit")).await;
    let seen = value_of(&form, r#"input[name="seen"]"#).unwrap();
    let cuihu_id = cuihu.to_string();
    let res = admin
        .post(
            &format!("/admin/users/{engineer}"),
            &[
                ("display_name", "工程部经理 刘洋"),
                ("email", "engineer@kefu.example.com"),
                ("locale", "zh-CN"),
                ("roles", "engineering_manager"),
                ("projects", &cuihu_id),
                ("active", "on"),
                ("seen", &seen),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, form) = admin.page(&format!("/admin/users/{engineer}/edit")).await;
    assert_eq!(
        attr_of(&form, "#f-projects input[checked]", "value").as_deref(),
        Some(cuihu_id.as_str()),
        "the edit form shows what the account serves"
    );
    serve(&app, username(Role::CenterManager), &[cuihu]).await;
    // The administrator, the last resort, serves 翠湖苑 only too.
    serve(&app, username(Role::Admin), &[cuihu]).await;

    let key = key_id(&app, "1-配电房", "").await;
    file_loan(&app, &clerk, key, "检修配电柜").await;

    assert_eq!(
        tasks(&app).await,
        vec![(
            "eng2".to_string(),
            "engineering_manager".to_string(),
            "pending".to_string()
        )]
    );
    let mut conn = app.db().await;
    let (request, project): (i64, Option<i64>) = approval_requests::table
        .select((approval_requests::id, approval_requests::project_id))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(project, Some(bishui));
    let (_, page) = admin.page(&format!("/approvals/{request}")).await;
    assert!(
        text_of(&page, "dl.details").unwrap().contains("碧水花园"),
        "the request names its project"
    );

    // Late: it escalates to the centre manager's role, still for 碧水花园. The
    // centre manager serves 翠湖苑 only, so an administrator decides.
    let due: chrono::DateTime<chrono::Utc> = approval_tasks::table
        .select(approval_tasks::due_at)
        .first(&mut conn)
        .await
        .unwrap();
    let job = kefu::jobs::find("approvals.escalate").unwrap();
    kefu::jobs::run_for_period(
        &mut conn,
        job,
        "p1",
        due + Duration::minutes(1),
        &app.config,
    )
    .await
    .unwrap();
    let after = tasks(&app).await;
    assert_eq!(after.len(), 2, "{after:?}");
    assert_eq!(after[0].2, "escalated");
    assert_eq!(
        (
            after[1].0.as_str(),
            after[1].1.as_str(),
            after[1].2.as_str()
        ),
        ("admin", "admin", "pending")
    );
    let (_, inbox) = admin.page("/approvals").await;
    assert_eq!(
        text_of(&inbox, "table.inbox .project").as_deref(),
        Some("· 碧水花园"),
        "the inbox names the project"
    );
}

#[tokio::test]
async fn leave_goes_to_the_supervisor_of_the_one_project_the_employee_serves() {
    let app = TestApp::spawn().await;
    let mut conn = app.db().await;
    kefu::demo::seed_properties(&mut conn).await.unwrap();
    let (_, cuihu) = two_projects(&app).await;
    let admin = app.login_as(Role::Admin).await;
    // A second supervisor who serves every project; the first (lower id) now
    // serves 翠湖苑 only.
    let res = add_user(&admin, "sup2", "cs_supervisor", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    serve(&app, username(Role::CsSupervisor), &[cuihu]).await;
    serve(&app, username(Role::Employee), &[cuihu]).await;

    // The employee serves 翠湖苑: its supervisor approves.
    file_leave(&app.login_as(Role::Employee).await).await;
    // The specialist serves no one project: the supervisor of every project does.
    file_leave(&app.login_as(Role::CsSpecialist).await).await;

    let rows: Vec<(String, i64, Option<i64>)> = approval_requests::table
        .inner_join(users::table.on(users::id.eq(approval_requests::requester_id)))
        .inner_join(approval_tasks::table)
        .order(approval_requests::id)
        .select((
            users::username,
            approval_tasks::approver_id,
            approval_requests::project_id,
        ))
        .load(&mut conn)
        .await
        .unwrap();
    let supervisor = user_id(&app, username(Role::CsSupervisor)).await;
    let sup2 = user_id(&app, "sup2").await;
    assert_eq!(
        rows,
        vec![
            (
                username(Role::Employee).to_string(),
                supervisor,
                Some(cuihu)
            ),
            (username(Role::CsSpecialist).to_string(), sup2, None),
        ]
    );
}

#[tokio::test]
async fn an_unknown_project_on_the_user_form_is_refused_and_the_input_kept() {
    let app = TestApp::spawn().await;
    let mut conn = app.db().await;
    kefu::demo::seed_properties(&mut conn).await.unwrap();
    let admin = app.login_as(Role::Admin).await;

    let res = add_user(&admin, "keeper2", "archive_keeper", &["999999"]).await;

    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-projects").unwrap(),
        "所选楼盘/小区不存在。"
    );
    assert_eq!(value_of(&body, "#f-username").unwrap(), "keeper2");
    assert!(
        text_of(&body, "#f-projects").unwrap().contains("碧水花园"),
        "the projects there are are offered"
    );
    let n: i64 = users::table
        .filter(users::username.eq("keeper2"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    let served: i64 = user_projects::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!((n, served), (0, 0));
}

#[tokio::test]
async fn an_overdue_key_is_told_to_the_custodians_of_its_project() {
    use kefu::schema::{key_loans, mail_outbox};
    let app = TestApp::spawn().await;
    let (_, loan) = crate::keys::key_out(&app).await;
    let (bishui, cuihu) = two_projects(&app).await;
    let admin = app.login_as(Role::Admin).await;
    second_engineer(&admin, bishui).await;
    serve(&app, username(Role::EngineeringManager), &[cuihu]).await;

    let mut conn = app.db().await;
    let due: chrono::DateTime<chrono::Utc> = key_loans::table
        .find(loan)
        .select(key_loans::due_at)
        .first(&mut conn)
        .await
        .unwrap();
    kefu::keys::jobs::overdue(&mut conn, due + Duration::minutes(5), &app.config)
        .await
        .unwrap();

    let mut to: Vec<String> = mail_outbox::table
        .filter(mail_outbox::message.eq("key_overdue"))
        .select(mail_outbox::to_addr)
        .load(&mut conn)
        .await
        .unwrap();
    to.sort();
    assert_eq!(
        to,
        vec![
            "employee@kefu.example.com".to_string(),
            "eng2@kefu.example.com".to_string()
        ],
        "the borrower and 碧水花园's engineering manager, not 翠湖苑's"
    );
}
