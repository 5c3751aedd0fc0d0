//! An approver who can no longer decide (deactivated, no longer in the post,
//! no longer serving the request's project) does not hold up the requests
//! waiting on them: saving their account hands those over at once to whoever
//! would be chosen now, with a mail and a line in the trail.
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::schema::{approval_requests, mail_outbox};
use reqwest::StatusCode;

use crate::approvals::{decide_task, file_leave, submit_two_steps, user_id};
use crate::by_project::{add_user, serve, tasks, two_projects};
use crate::helpers::*;

/// The administrator saves `username`'s account form with these posts,
/// projects and active flag, the rest as it stands; returns the flash shown.
async fn save_account(
    app: &TestApp,
    admin: &Browser,
    username: &str,
    roles: &[&str],
    projects: &[i64],
    active: bool,
) -> String {
    let id = user_id(app, username).await;
    let (_, form) = admin.page(&format!("/admin/users/{id}/edit")).await;
    let field = |name: &str| value_of(&form, &format!(r#"input[name="{name}"]"#)).unwrap();
    let (name, email, seen) = (field("display_name"), field("email"), field("seen"));
    let projects: Vec<String> = projects.iter().map(|p| p.to_string()).collect();
    let mut fields = vec![
        ("display_name", name.as_str()),
        ("email", email.as_str()),
        ("locale", "zh-CN"),
        ("seen", seen.as_str()),
    ];
    fields.extend(roles.iter().map(|r| ("roles", *r)));
    fields.extend(projects.iter().map(|p| ("projects", p.as_str())));
    if active {
        fields.push(("active", "on"));
    }
    let res = admin.post(&format!("/admin/users/{id}"), &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "account saved");
    let (_, page) = admin.page(&location(&res)).await;
    text_of(&page, ".flash").unwrap_or_default()
}

fn row(user: &str, role: &str, status: &str) -> (String, String, String) {
    (user.into(), role.into(), status.into())
}

#[tokio::test]
async fn a_deactivated_supervisors_pending_leave_goes_at_once_to_another_supervisor() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let res = add_user(&admin, "sup2", "cs_supervisor", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    file_leave(&app.login_as(Role::Employee).await).await;
    let supervisor = username(Role::CsSupervisor);
    assert_eq!(
        tasks(&app).await,
        vec![row(supervisor, "cs_supervisor", "pending")]
    );

    // Saving the account with nothing about approvals changed moves nothing.
    let flash = save_account(&app, &admin, supervisor, &["cs_supervisor"], &[], true).await;
    assert_eq!(flash, "用户信息已保存。");
    assert_eq!(tasks(&app).await.len(), 1);

    // Deactivated (they left the company): the leave goes to sup2 now.
    let flash = save_account(&app, &admin, supervisor, &["cs_supervisor"], &[], false).await;
    assert!(flash.contains("1 项"), "{flash}");
    assert_eq!(
        tasks(&app).await,
        vec![
            row(supervisor, "cs_supervisor", "handed_over"),
            row("sup2", "cs_supervisor", "pending"),
        ]
    );
    let mut conn = app.db().await;
    let mails: Vec<(String, String)> = mail_outbox::table
        .filter(mail_outbox::message.eq("approval_request"))
        .order(mail_outbox::id)
        .select((mail_outbox::to_addr, mail_outbox::body_text))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(mails.len(), 2, "the first approver's mail and sup2's");
    assert_eq!(mails[1].0, "sup2@kefu.example.com");
    assert!(
        mails[1]
            .1
            .contains("原审批人已无权审批以下申请，现转交您审批。"),
        "{}",
        mails[1].1
    );
    let request: i64 = approval_requests::table
        .select(approval_requests::id)
        .first(&mut conn)
        .await
        .unwrap();
    let (_, page) = admin.page(&format!("/approvals/{request}")).await;
    assert!(
        page.contains("原审批人已无权审批（账号变更），转交"),
        "the trail says why the approver changed"
    );
}

#[tokio::test]
async fn a_supervisor_who_no_longer_holds_the_post_hands_the_leave_on_up_the_chain() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    file_leave(&app.login_as(Role::Employee).await).await;
    let supervisor = username(Role::CsSupervisor);

    // Moved to the front desk: no supervisor is left, so the next post in
    // the leave's chain, the centre manager, decides.
    let flash = save_account(&app, &admin, supervisor, &["cs_specialist"], &[], true).await;
    assert!(flash.contains("1 项"), "{flash}");
    assert_eq!(
        tasks(&app).await,
        vec![
            row(supervisor, "cs_supervisor", "handed_over"),
            row(username(Role::CenterManager), "center_manager", "pending"),
        ]
    );
}

#[tokio::test]
async fn a_supervisor_who_stops_serving_the_leaves_project_hands_it_over() {
    let app = TestApp::spawn().await;
    let mut conn = app.db().await;
    kefu::demo::seed_properties(&mut conn).await.unwrap();
    let (bishui, cuihu) = two_projects(&app).await;
    let admin = app.login_as(Role::Admin).await;
    // The employee serves 翠湖苑, so the leave is about it.
    serve(&app, username(Role::Employee), &[cuihu]).await;
    file_leave(&app.login_as(Role::Employee).await).await;
    let supervisor = username(Role::CsSupervisor);
    let res = add_user(&admin, "sup2", "cs_supervisor", &[&cuihu.to_string()]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Still serving 翠湖苑 (and now 碧水花园 too): the leave stays.
    save_account(
        &app,
        &admin,
        supervisor,
        &["cs_supervisor"],
        &[bishui, cuihu],
        true,
    )
    .await;
    assert_eq!(tasks(&app).await.len(), 1);
    // 碧水花园 only: 翠湖苑's supervisor takes it.
    let flash = save_account(
        &app,
        &admin,
        supervisor,
        &["cs_supervisor"],
        &[bishui],
        true,
    )
    .await;
    assert!(flash.contains("1 项"), "{flash}");
    assert_eq!(
        tasks(&app).await,
        vec![
            row(supervisor, "cs_supervisor", "handed_over"),
            row("sup2", "cs_supervisor", "pending"),
        ]
    );
}

#[tokio::test]
async fn an_admin_who_drops_a_post_nobody_else_holds_keeps_its_requests() {
    use kefu::schema::{user_roles, users};
    let app = TestApp::spawn().await;
    let mut conn = app.db().await;
    // The only supervisor and the only centre manager have left; the
    // administrator stood in as supervisor.
    for role in [Role::CsSupervisor, Role::CenterManager] {
        diesel::update(users::table.filter(users::username.eq(username(role))))
            .set(users::active.eq(false))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    let admin_id = user_id(&app, username(Role::Admin)).await;
    diesel::insert_into(user_roles::table)
        .values((
            user_roles::user_id.eq(admin_id),
            user_roles::role_code.eq("cs_supervisor"),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    file_leave(&app.login_as(Role::Employee).await).await;
    let admin = app.login_as(Role::Admin).await;
    assert_eq!(
        tasks(&app).await,
        vec![row("admin", "cs_supervisor", "pending")]
    );

    // Dropping the post (which signs them out): nobody else could decide it,
    // so it stays, and no mail tells the administrator it was handed to them.
    save_account(&app, &admin, "admin", &["admin"], &[], true).await;
    assert_eq!(
        tasks(&app).await,
        vec![row("admin", "cs_supervisor", "pending")]
    );
    let mails: i64 = mail_outbox::table
        .filter(mail_outbox::message.eq("approval_request"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(mails, 1, "the first request's mail only");
}

#[tokio::test]
async fn a_request_waiting_at_its_second_step_is_handed_over_at_that_step() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let res = add_user(&admin, "mgr2", "center_manager", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (employee, supervisor) = (
        user_id(&app, "employee").await,
        user_id(&app, username(Role::CsSupervisor)).await,
    );
    submit_two_steps(&app, employee).await;
    let mut conn = app.db().await;
    let first: i64 = kefu::schema::approval_tasks::table
        .select(kefu::schema::approval_tasks::id)
        .first(&mut conn)
        .await
        .unwrap();
    assert!(
        decide_task(&app, first, supervisor, true, "").await.is_ok(),
        "the supervisor reviews"
    );
    let (reviewer, manager) = (username(Role::CsSupervisor), username(Role::CenterManager));
    assert_eq!(
        tasks(&app).await,
        vec![
            row(reviewer, "cs_supervisor", "approved"),
            row(manager, "center_manager", "pending"),
        ]
    );

    // The manager leaves: the second step goes to the other manager, still
    // the second step; the supervisor's review stands.
    let flash = save_account(&app, &admin, manager, &["center_manager"], &[], false).await;
    assert!(flash.contains("1 项"), "{flash}");
    assert_eq!(
        tasks(&app).await,
        vec![
            row(reviewer, "cs_supervisor", "approved"),
            row(manager, "center_manager", "handed_over"),
            row("mgr2", "center_manager", "pending"),
        ]
    );
    let (status, step): (String, i32) = approval_requests::table
        .select((approval_requests::status, approval_requests::current_step))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!((status.as_str(), step), ("pending", 1));
    let steps: Vec<i32> = kefu::schema::approval_tasks::table
        .order(kefu::schema::approval_tasks::id)
        .select(kefu::schema::approval_tasks::step)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(steps, vec![0, 1, 1]);
}

/// The open matters of a colleague who left go back among the unassigned,
/// where the supervisors (and the morning sheet) find them to assign again;
/// a change of posts that still lets them follow matters up keeps them.
#[tokio::test]
async fn a_deactivated_colleagues_open_matters_go_back_to_be_assigned() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let employee = app.login_as(Role::Employee).await;
    let res =
        crate::complaints::record(&employee, &crate::complaints::matter("刘先生", "complaint"))
            .await;
    let page = location(&res);
    let specialist = username(Role::CsSpecialist);
    let who = user_id(&app, specialist).await;
    let res = supervisor
        .post(&format!("{page}/assign"), &[("assignee", &who.to_string())])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let unassigned = async || {
        let (_, sheet) = supervisor.page("/meetings/morning").await;
        let (_, list) = supervisor.page("/complaints?show=unassigned").await;
        (
            texts_of(&sheet, "#sheet-unassigned li").len(),
            list.contains(&format!("href=\"{page}\"")),
        )
    };
    assert_eq!(unassigned().await, (0, false));

    save_account(
        &app,
        &admin,
        specialist,
        &["cs_specialist", "employee"],
        &[],
        true,
    )
    .await;
    assert_eq!(unassigned().await, (0, false), "still theirs to follow up");

    save_account(
        &app,
        &admin,
        specialist,
        &["cs_specialist", "employee"],
        &[],
        false,
    )
    .await;
    assert_eq!(unassigned().await, (1, true));
    let (_, shown) = supervisor.page(&page).await;
    assert_eq!(
        text_of(&shown, "#complaint-assignee").as_deref(),
        Some("未分派")
    );
    // The matter's page says whom it was given to and taken from, and by whom.
    let handovers = texts_of(&shown, "#complaint-notes li.handover");
    assert_eq!(handovers.len(), 2, "{handovers:?}");
    assert!(handovers[0].contains(" 交给 "), "{handovers:?}");
    assert!(
        handovers[1].contains("的账号，此事退回待重新分派"),
        "{handovers:?}"
    );
    // The matter's own history says whom it was taken from, and by whom.
    let id = page.rsplit('/').next().unwrap();
    let (_, log) = admin
        .page(&format!("/admin/audit?entity=complaint&entity_id={id}"))
        .await;
    assert!(log.contains("退回投诉待重新指派"), "{log}");
    let (actor, details): (Option<i64>, serde_json::Value) = kefu::schema::audit_log::table
        .filter(kefu::schema::audit_log::action.eq("complaint.unassigned"))
        .filter(kefu::schema::audit_log::entity_id.eq(id))
        .select((
            kefu::schema::audit_log::actor_id,
            kefu::schema::audit_log::details,
        ))
        .first(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(actor, Some(user_id(&app, "admin").await));
    assert_eq!(details["was"], who);
}
