//! User administration: forms, roles, deactivation, resets, the audit page.
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::schema::{audit_log, users};
use reqwest::StatusCode;

use crate::helpers::*;

async fn user_id(app: &TestApp, username: &str) -> i64 {
    let mut conn = app.db().await;
    users::table
        .filter(users::username.eq(username))
        .select(users::id)
        .first(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_user_form_shows_a_message_per_field_and_keeps_the_input() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;

    let res = admin
        .post(
            "/admin/users",
            &[
                ("username", "王五"),
                ("display_name", "王五"),
                ("email", "not-an-address"),
                ("locale", "en"),
                ("active", "on"),
            ],
        )
        .await;

    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-username").unwrap().contains("小写字母"));
    assert_eq!(text_of(&body, "#e-email").unwrap(), "电子邮箱格式不正确。");
    assert_eq!(text_of(&body, "#e-roles").unwrap(), "请至少选择一个岗位。");
    assert_eq!(
        text_of(&body, "#e-display_name").unwrap(),
        "",
        "a good field has no message"
    );
    assert_eq!(
        value_of(&body, "#f-username").unwrap(),
        "王五",
        "input kept"
    );
    assert_eq!(value_of(&body, "#f-email").unwrap(), "not-an-address");
    assert!(body.contains(r#"<option value="en" selected>"#));
    assert!(text_of(&body, ".error-summary")
        .unwrap()
        .contains("请修改以下问题"));
    let mut conn = app.db().await;
    let n: i64 = users::table.count().get_result(&mut conn).await.unwrap();
    assert_eq!(n, 7);
}

#[tokio::test]
async fn a_double_submit_creates_one_user_and_leads_to_its_one_time_password() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let token = admin.form_token("/admin/users/new").await;
    let fields = [
        ("username", "keeper2"),
        ("display_name", "档案员"),
        ("email", "k2@example.com"),
        ("roles", "archive_keeper"),
        ("active", "on"),
        ("form_token", &token),
    ];
    // The browser drops the first answer (a double click): the second leads to
    // the account made by the first, whose one-time password is still shown once.
    let first = admin.post("/admin/users", &fields).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let second = admin.post("/admin/users", &fields).await;
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    let id = user_id(&app, "keeper2").await;
    let account = format!("/admin/users/{id}");
    assert_eq!(second.headers()["location"], account.as_str());
    let (_, body) = admin.page(&account).await;
    assert!(body.contains("已经提交过"), "says it was already sent");
    assert!(
        text_of(&body, ".otp code").is_some_and(|p| !p.is_empty()),
        "the one-time password is shown"
    );
    let mut conn = app.db().await;
    let n: i64 = users::table
        .filter(users::username.eq("keeper2"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 1);

    // A new form for a name already taken is refused on the name, input kept.
    let again = admin
        .submit("/admin/users/new", "/admin/users", &fields[..5])
        .await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = again.text().await.unwrap();
    assert_eq!(text_of(&body, "#e-username").unwrap(), "该用户名已被使用。");
    assert_eq!(value_of(&body, "#f-email").unwrap(), "k2@example.com");
}

#[tokio::test]
async fn deactivating_a_user_ends_their_session_at_once() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    assert_eq!(employee.get("/").await.status(), StatusCode::OK);
    let admin = app.login_as(Role::Admin).await;
    let id = user_id(&app, "employee").await;

    let res = admin
        .post(
            &format!("/admin/users/{id}"),
            &[
                ("display_name", "员工 赵磊"),
                ("email", "employee@kefu.example.com"),
                ("locale", "zh-CN"),
                ("roles", "employee"),
            ],
        )
        .await;

    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let after = employee.get("/").await;
    assert_eq!(after.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&after), "/login");
    assert_eq!(
        app.browser().login("employee", PASSWORD).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "a deactivated user cannot sign in"
    );
    let mut conn = app.db().await;
    let actions: Vec<String> = audit_log::table
        .filter(audit_log::entity_id.eq(id.to_string()))
        .order(audit_log::id)
        .select(audit_log::action)
        .load(&mut conn)
        .await
        .unwrap();
    assert!(
        actions.contains(&"user.deactivated".to_owned()),
        "{actions:?}"
    );
}

#[tokio::test]
async fn changing_a_users_roles_ends_their_sessions() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let admin = app.login_as(Role::Admin).await;
    let id = user_id(&app, "keeper").await;

    admin
        .post(
            &format!("/admin/users/{id}"),
            &[
                ("display_name", "客服主任 王芳"),
                ("email", "keeper@kefu.example.com"),
                ("locale", "zh-CN"),
                ("roles", "employee"),
                ("roles", "archive_keeper"),
                ("roles", "cs_supervisor"),
                ("active", "on"),
            ],
        )
        .await;

    assert_eq!(location(&keeper.get("/").await), "/login");
    let again = app.login_as(Role::ArchiveKeeper).await;
    let (_, home) = again.page("/").await;
    assert!(
        home.contains("客服主管"),
        "the new post shows after signing in again"
    );
}

#[tokio::test]
async fn an_admin_changing_their_own_roles_stays_signed_in_where_they_did() {
    let app = TestApp::spawn().await;
    let elsewhere = app.login_as(Role::Admin).await;
    let admin = app.login_as(Role::Admin).await;
    let id = user_id(&app, "admin").await;

    let res = admin
        .post(
            &format!("/admin/users/{id}"),
            &[
                ("display_name", "系统管理员 周敏"),
                ("email", "admin@kefu.example.com"),
                ("locale", "zh-CN"),
                ("roles", "employee"),
                ("roles", "admin"),
                ("roles", "cs_supervisor"),
                ("active", "on"),
            ],
        )
        .await;

    assert_eq!(location(&res), format!("/admin/users/{id}"));
    let (status, page) = admin.page(&location(&res)).await;
    assert_eq!(status, StatusCode::OK, "still signed in here");
    assert_eq!(
        text_of(&page, ".flash").as_deref(),
        Some("用户信息已保存。"),
        "{page}"
    );
    let (_, home) = admin.page("/").await;
    assert!(home.contains("客服主管"), "with the new post at once");
    assert_eq!(
        location(&elsewhere.get("/").await),
        "/login",
        "signed out elsewhere"
    );
}

#[tokio::test]
async fn editing_only_a_name_keeps_the_user_signed_in() {
    let app = TestApp::spawn().await;
    let engineer = app.login_as(Role::EngineeringManager).await;
    let admin = app.login_as(Role::Admin).await;
    let id = user_id(&app, "engineer").await;

    admin
        .post(
            &format!("/admin/users/{id}"),
            &[
                ("display_name", "工程部主管 刘洋"),
                ("email", "engineer@kefu.example.com"),
                ("locale", "zh-CN"),
                ("roles", "employee"),
                ("roles", "engineering_manager"),
                ("active", "on"),
            ],
        )
        .await;

    let (status, home) = engineer.page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        home.contains("工程部主管 刘洋"),
        "the new name shows at once"
    );
}

#[tokio::test]
async fn an_admin_cannot_lock_themselves_out() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = user_id(&app, "admin").await;

    let res = admin
        .post(
            &format!("/admin/users/{id}"),
            &[
                ("display_name", "系统管理员 周敏"),
                ("email", "admin@kefu.example.com"),
                ("roles", "employee"),
                ("active", "on"),
            ],
        )
        .await;

    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&res.text().await.unwrap(), "#e-roles")
        .unwrap()
        .contains("不能停用自己的账户"));
    assert_eq!(admin.get("/admin/users").await.status(), StatusCode::OK);

    // Nor reset their own password: that signed them out, the new one kept in
    // the session it had just ended. Their page offers the change instead.
    let (_, own) = admin.page(&format!("/admin/users/{id}")).await;
    assert!(!own.contains("/reset-password"));
    assert_eq!(
        attr_of(&own, "#reset-own a", "href").as_deref(),
        Some("/account/password")
    );
    let res = admin
        .post(&format!("/admin/users/{id}/reset-password"), &[])
        .await;
    assert_eq!(location(&res), "/account/password");
    let (status, page) = admin.page("/account/password").await;
    assert_eq!(status, StatusCode::OK, "still signed in");
    assert!(text_of(&page, ".flash-error")
        .unwrap()
        .contains("不能重置自己的密码"));
    let res = app.browser().login("admin", PASSWORD).await;
    assert_eq!(location(&res), "/", "the password is as it was");
}

#[tokio::test]
async fn two_admins_taking_each_others_post_at_once_leave_one_admin() {
    let app = TestApp::spawn().await;
    let (admin_id, keeper_id) = (user_id(&app, "admin").await, user_id(&app, "keeper").await);
    app.grant(keeper_id, Role::Admin).await;
    let admin = app.login_as(Role::Admin).await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let take_post =
        |b: &Browser, id: i64, name: &'static str, username: &str, roles: &[&'static str]| {
            let mut fields = vec![
                ("display_name".to_owned(), name.to_owned()),
                ("email".to_owned(), format!("{username}@kefu.example.com")),
                ("locale".to_owned(), "zh-CN".to_owned()),
                ("active".to_owned(), "on".to_owned()),
            ];
            fields.extend(roles.iter().map(|r| ("roles".to_owned(), (*r).to_owned())));
            let b = b.at(&app);
            async move {
                let fields: Vec<(&str, &str)> = fields
                    .iter()
                    .map(|(k, v)| (k.as_str(), v.as_str()))
                    .collect();
                b.post(&format!("/admin/users/{id}"), &fields).await
            }
        };
    let demote_keeper = take_post(
        &admin,
        keeper_id,
        "客服主任 王芳",
        "keeper",
        &["employee", "archive_keeper"],
    );
    let demote_admin = take_post(&keeper, admin_id, "系统管理员 周敏", "admin", &["employee"]);

    // Both saves wait behind the administrators' lock, then go one after the other.
    let mut lock = app.db().await;
    diesel::sql_query("BEGIN").execute(&mut lock).await.unwrap();
    diesel::sql_query("SELECT pg_advisory_xact_lock(hashtext('kefu.admins'))")
        .execute(&mut lock)
        .await
        .unwrap();
    let (a, b) = (tokio::spawn(demote_keeper), tokio::spawn(demote_admin));
    // (Without the lock in the handler nothing waits, and the saves go on.)
    app.await_lock_waiters(2).await;
    diesel::sql_query("COMMIT")
        .execute(&mut lock)
        .await
        .unwrap();
    let (a, b) = (a.await.unwrap(), b.await.unwrap());

    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert_eq!(statuses, [303, 409], "one saved, one refused");
    let refused = if a.status() == StatusCode::CONFLICT {
        a
    } else {
        b
    };
    assert!(text_of(&refused.text().await.unwrap(), "#e-roles")
        .unwrap()
        .contains("将没有在用的系统管理员"));
    let admins: i64 = users::table
        .inner_join(kefu::schema::user_roles::table)
        .filter(kefu::schema::user_roles::role_code.eq("admin"))
        .filter(users::active.eq(true))
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(admins, 1);
}

#[tokio::test]
async fn a_password_reset_gives_a_one_time_password_and_signs_the_user_out() {
    let app = TestApp::spawn().await;
    let manager = app.login_as(Role::CenterManager).await;
    let admin = app.login_as(Role::Admin).await;
    let id = user_id(&app, "manager").await;

    let res = admin
        .post(&format!("/admin/users/{id}/reset-password"), &[])
        .await;

    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Until shown, the password waits in the admin's session sealed.
    let states: Vec<serde_json::Value> = kefu::schema::sessions::table
        .select(kefu::schema::sessions::state)
        .load(&mut app.db().await)
        .await
        .unwrap();
    let waiting: Vec<String> = states
        .iter()
        .filter_map(|s| s.get(format!("otp:{id}")))
        .map(|v| v.to_string())
        .collect();
    assert_eq!(waiting.len(), 1, "{states:?}");
    assert!(waiting[0].contains("s1:"), "sealed: {}", waiting[0]);
    let (_, page) = admin.page(&location(&res)).await;
    let otp = text_of(&page, ".otp code").unwrap();
    assert!(!waiting[0].contains(&otp));
    assert_eq!(location(&manager.get("/").await), "/login");
    let fresh = app.browser();
    assert_eq!(
        fresh.login("manager", PASSWORD).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let res = fresh.login("manager", &otp).await;
    assert_eq!(location(&res), "/account/password");
}

#[tokio::test]
async fn the_user_list_searches_and_shows_roles() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;

    let (status, body) = admin.page("/admin/users?q=%E7%8E%8B%E8%8A%B3").await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        body.matches("<tr>").count(),
        2,
        "header and one match: 王芳"
    );
    assert!(body.contains("keeper") && body.contains("客服主任"));
}

#[tokio::test]
async fn the_audit_page_filters_by_action() {
    let app = TestApp::spawn().await;
    app.browser().login("employee", "wrong-password").await;
    let admin = app.login_as(Role::Admin).await;

    let (status, body) = admin.page("/admin/audit?action=auth.login_failed").await;

    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("auth.login_failed"));
    assert!(
        !body.contains("<code>auth.login</code>"),
        "other actions are filtered out"
    );
    // The details name the account tried, each field named in the reader's language.
    assert_eq!(
        texts_of(&body, ".audit-details div"),
        ["已锁定：否", "用户名：employee"]
    );
    let (_, english) = admin
        .page("/admin/audit?action=auth.login_failed&lang=en")
        .await;
    assert_eq!(
        texts_of(&english, ".audit-details div"),
        ["Locked: No", "Username: employee"]
    );
    let (status, bad) = admin.page("/admin/audit?from=yesterday").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        bad.contains("YYYY-MM-DD"),
        "a bad date is explained, not a 500"
    );
}

/// The audit log only grows: its older pages start the index scan at the
/// cursor, so the thousandth page reads about what the first does instead of
/// every line newer than it.
#[tokio::test]
async fn a_deep_audit_page_reads_no_more_than_the_first() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let mut conn = app.db().await;
    conn.batch_execute(
        "INSERT INTO audit_log (at, action, details) \
         SELECT now() - g * interval '1 second', 'test.bulk', '{}'::jsonb \
         FROM generate_series(1, 20000) g",
    )
    .await
    .unwrap();
    let (at, id): (chrono::DateTime<chrono::Utc>, i64) = audit_log::table
        .filter(audit_log::action.eq("test.bulk"))
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .select((audit_log::at, audit_log::id))
        .offset(19_000)
        .first(&mut conn)
        .await
        .unwrap();
    let deep = format!(
        "/admin/audit?before_at={}&before_id={id}",
        url::form_urlencoded::byte_serialize(at.to_rfc3339().as_bytes()).collect::<String>()
    );
    let (_, page) = admin.page(&deep).await;
    assert!(
        page.contains("test.bulk"),
        "the deep page lists the old lines"
    );

    for path in ["/admin/audit", "/admin/audit?action=test.bulk"] {
        let first = app.blocks_read_for(&admin, path).await;
        let older = format!("{}{}", deep, &path[12..].replacen('?', "&", 1));
        let deep = app.blocks_read_for(&admin, &older).await;
        assert!(
            deep <= first * 2 + 50,
            "{older}: {deep} buffers read, the first page {first}"
        );
    }
}

/// A record number alone finds that number's lines of every kind through the
/// index of records, reading about what the number of a chosen kind does,
/// not the whole log.
#[tokio::test]
async fn a_record_number_alone_finds_its_lines_without_reading_the_log() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    app.db()
        .await
        .batch_execute(
            "INSERT INTO audit_log (at, action, entity, entity_id, details) \
             SELECT now() - g * interval '1 second', 'test.bulk', \
                    (ARRAY['complaint', 'key_loan', 'visit'])[1 + g % 3], (g % 9001)::text, \
                    '{}'::jsonb \
             FROM generate_series(1, 30000) g; \
             ANALYZE audit_log",
        )
        .await
        .unwrap();
    // 4242 is a complaint's, a key loan's and a visit's number (lines 4242,
    // 13243 and 22244).
    let (status, en) = admin.page("/admin/audit?entity_id=4242&lang=en").await;
    assert_eq!(status, StatusCode::OK);
    let rows = texts_of(&en, "table tbody tr");
    for kind in ["Complaint", "Key loan", "Visit"] {
        assert!(
            rows.iter().any(|r| r.contains(&format!("{kind} #4242"))),
            "{kind}: {rows:?}"
        );
    }
    assert_eq!(rows.len(), 3, "{rows:?}");
    let one_kind = app
        .blocks_read_for(&admin, "/admin/audit?entity=complaint&entity_id=4242")
        .await;
    let any_kind = app
        .blocks_read_for(&admin, "/admin/audit?entity_id=4242")
        .await;
    assert!(
        any_kind <= one_kind * 2 + 50,
        "the number alone read {any_kind} buffers, with its kind {one_kind}"
    );
}

/// An export the query's cap cut short says so on its last line instead of
/// passing for the whole register.
#[tokio::test]
async fn an_export_cut_at_its_cap_says_so() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let export = async |n: i64| {
        app.db()
            .await
            .batch_execute(&format!(
                "INSERT INTO audit_log (action, details) \
                 SELECT 'test.bulk', '{{}}'::jsonb FROM generate_series(1, {n})"
            ))
            .await
            .unwrap();
        let res = admin
            .get("/admin/audit/export?format=csv&action=test.bulk")
            .await;
        assert_eq!(res.status(), StatusCode::OK);
        String::from_utf8(res.bytes().await.unwrap()[3..].to_vec()).unwrap()
    };
    let whole = export(9_999).await;
    assert_eq!(whole.lines().count(), 1 + 9_999);
    assert!(!whole.contains("本表只导出了"));
    let cut = export(2).await;
    let lines: Vec<&str> = cut.lines().collect();
    assert_eq!(lines.len(), 1 + 10_000 + 1, "the cap, then the notice");
    assert!(
        lines[10_001].contains("本表只导出了 10000 行"),
        "{}",
        lines[10_001]
    );
}

#[tokio::test]
async fn the_audit_export_carries_what_the_filters_selected() {
    let app = TestApp::spawn().await;
    app.browser().login("employee", "wrong-password").await;
    let admin = app.login_as(Role::Admin).await;

    let csv = admin
        .get("/admin/audit/export?format=csv&action=auth.login_failed")
        .await;
    let xlsx = admin
        .get("/admin/audit/export?format=xlsx&action=auth.login_failed")
        .await;

    assert_eq!(csv.status(), StatusCode::OK);
    let disposition = csv.headers()[reqwest::header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        disposition.starts_with("attachment") && disposition.contains(".csv"),
        "{disposition}"
    );
    let text = String::from_utf8(csv.bytes().await.unwrap()[3..].to_vec()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "\"时间\",\"操作人\",\"操作\",\"操作代码\",\"记录类型\",\"记录类型代码\",\"记录编号\",\"地址\",\"详情\",\"请求编号\""
    );
    assert_eq!(lines.len(), 2, "one failed sign-in, nothing else: {text}");
    assert!(
        lines[1].contains("\"登录失败\",\"auth.login_failed\"")
            && lines[1].contains("\"已锁定：否；用户名：employee\""),
        "{}",
        lines[1]
    );
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert_eq!(&xlsx.bytes().await.unwrap()[..2], b"PK");
    assert_eq!(
        admin.get("/admin/audit/export?format=pdf").await.status(),
        StatusCode::BAD_REQUEST
    );
    let employee = app.login_as(Role::Employee).await;
    assert_eq!(
        employee
            .get("/admin/audit/export?format=csv")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

/// An export asked with a date that cannot be read is not the whole log: it
/// leads back to the list, which says which dates it could not read.
#[tokio::test]
async fn an_audit_export_with_an_unreadable_date_leads_back_to_the_list() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;

    let res = admin
        .get("/admin/audit/export?format=csv&action=auth.login&from=2026-13-45")
        .await;

    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let location = location(&res);
    assert!(location.starts_with("/admin/audit?"), "{location}");
    let (status, page) = admin.page(&location).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        text_of(&page, "[role=alert]").as_deref(),
        Some("日期格式应为 YYYY-MM-DD，年份在 1900 至 2200 之间。")
    );
    assert_eq!(value_of(&page, "#from").as_deref(), Some("2026-13-45"));
    assert_eq!(text_of(&page, ".exports"), None, "no export offered");
    let mut conn = app.db().await;
    let exported: i64 = audit_log::table
        .filter(audit_log::action.eq("audit.exported"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(exported, 0);
}

/// Two administrators edit one account: the second, from a form read before
/// the first saved, does not undo the first's change unseen.
#[tokio::test]
async fn an_account_changed_since_its_form_was_read_is_not_overwritten_unseen() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = user_id(&app, "keeper").await;
    let edit = format!("/admin/users/{id}/edit");
    let (_, first) = admin.page(&edit).await;
    let (_, second) = admin.page(&edit).await;
    let seen = |form: &str| value_of(form, r#"input[name="seen"]"#).unwrap();
    let save = async |seen: String, roles: &[&str]| {
        let mut fields = vec![
            ("display_name", "客服主任 王芳"),
            ("email", "keeper@kefu.example.com"),
            ("locale", "zh-CN"),
            ("active", "on"),
            ("seen", seen.as_str()),
        ];
        fields.extend(roles.iter().map(|r| ("roles", *r)));
        admin.post(&format!("/admin/users/{id}"), &fields).await
    };
    let res = save(
        seen(&first),
        &["employee", "archive_keeper", "cs_supervisor"],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // The second form still shows the old roles: saving it comes back.
    let res = save(seen(&second), &["employee", "archive_keeper"]).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#f-seen").unwrap().contains("已有人修改"));
    let kept: Vec<String> = kefu::schema::user_roles::table
        .filter(kefu::schema::user_roles::user_id.eq(id))
        .select(kefu::schema::user_roles::role_code)
        .load(&mut app.db().await)
        .await
        .unwrap();
    assert!(kept.contains(&"cs_supervisor".to_owned()), "{kept:?}");

    // Saved again from the form as it came back: knowingly, it replaces it.
    let res = save(seen(&body), &["employee", "archive_keeper"]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

/// The log names actions and kinds of record in the reader's language, with
/// the logged code beside the action, and filters by kind of record from a list.
#[tokio::test]
async fn the_audit_log_names_actions_and_records_in_the_readers_language() {
    let app = TestApp::spawn().await;
    let leave = crate::approvals::file_leave(&app.login_as(Role::Employee).await).await;
    let admin = app.login_as(Role::Admin).await;

    let (_, zh) = admin.page("/admin/audit?entity=leave").await;
    let rows = texts_of(&zh, "tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(rows[0].contains("提交请假单"), "{}", rows[0]);
    assert!(rows[0].contains("leave.filed"), "{}", rows[0]);
    assert!(rows[0].contains(&format!("请假单 #{leave}")), "{}", rows[0]);
    assert_eq!(
        text_of(&zh, "#entity option[selected]").as_deref(),
        Some("请假单")
    );

    let (_, en) = admin.page("/admin/audit?entity=leave&lang=en").await;
    let row = text_of(&en, "tbody tr").unwrap();
    assert!(row.contains("Filed a leave slip"), "{row}");
    assert!(row.contains(&format!("Leave slip #{leave}")), "{row}");
    let actions = texts_of(&en, "#action option");
    assert!(actions.iter().any(|a| a == "Signed in"), "{actions:?}");
    assert!(!actions.iter().any(|a| a.contains("auth.")), "{actions:?}");
}

#[tokio::test]
async fn two_admins_giving_one_address_to_two_new_accounts_at_once_make_one() {
    let app = TestApp::spawn().await;
    let (a, b) = (
        app.login_as(Role::Admin).await,
        app.login_as(Role::Admin).await,
    );
    let (ta, tb) = (
        a.form_token("/admin/users/new").await,
        b.form_token("/admin/users/new").await,
    );
    fn fields<'a>(username: &'a str, token: &'a str) -> [(&'a str, &'a str); 6] {
        [
            ("username", username),
            ("display_name", "客服主管 孙丽"),
            ("email", "sunli@kefu.example.com"),
            ("roles", "cs_supervisor"),
            ("active", "on"),
            ("form_token", token),
        ]
    }
    let (fa, fb) = (fields("sunli", &ta), fields("sunli2", &tb));
    let (first, second) = tokio::join!(a.post("/admin/users", &fa), b.post("/admin/users", &fb));

    let mut statuses = [first.status(), second.status()];
    statuses.sort();
    assert_eq!(
        statuses,
        [StatusCode::SEE_OTHER, StatusCode::UNPROCESSABLE_ENTITY],
        "one made, one refused"
    );
    let refused = if first.status() == StatusCode::SEE_OTHER {
        second
    } else {
        first
    };
    let page = refused.text().await.unwrap();
    assert!(text_of(&page, "#e-email")
        .unwrap()
        .contains("另一个在用的账户已使用这个邮箱"));
    let n: i64 = users::table
        .filter(users::email.eq("sunli@kefu.example.com"))
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(n, 1);
}

/// An approval mail's link decides for whoever it was sent to: two active
/// accounts never share an address (in any case); a deactivated account's
/// address may pass to its successor.
#[tokio::test]
async fn two_active_accounts_never_share_an_email_address() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let new_user = |username: &'static str, email: &'static str| {
        let admin = &admin;
        async move {
            admin
                .submit(
                    "/admin/users/new",
                    "/admin/users",
                    &[
                        ("username", username),
                        ("display_name", "客服主管 孙丽"),
                        ("email", email),
                        ("roles", "cs_supervisor"),
                        ("active", "on"),
                    ],
                )
                .await
        }
    };
    let res = new_user("supervisor2", "Supervisor@KEFU.example.com").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let page = res.text().await.unwrap();
    assert!(
        text_of(&page, "#e-email")
            .unwrap()
            .contains("另一个在用的账户已使用这个邮箱"),
        "{page}"
    );
    assert_eq!(
        value_of(&page, "#f-username").as_deref(),
        Some("supervisor2")
    );

    // Editing another account to the address is refused too.
    let keeper = user_id(&app, "keeper").await;
    let res = admin
        .post(
            &format!("/admin/users/{keeper}"),
            &[
                ("display_name", "客服主任 王芳"),
                ("email", "supervisor@kefu.example.com"),
                ("locale", "zh-CN"),
                ("roles", "archive_keeper"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let emails: Vec<String> = users::table
        .filter(users::email.ilike("supervisor@kefu.example.com"))
        .select(users::username)
        .load(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(emails, ["supervisor"]);

    // Once the old account is deactivated, its successor may have the address.
    diesel::update(users::table.filter(users::username.eq("supervisor")))
        .set(users::active.eq(false))
        .execute(&mut app.db().await)
        .await
        .unwrap();
    let res = new_user("supervisor2", "supervisor@kefu.example.com").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, list) = admin.page("/admin/users").await;
    assert!(
        texts_of(&list, ".email-shared").is_empty(),
        "one active account has it"
    );

    // Accounts that shared an address before the check are marked on the list.
    diesel::update(users::table.filter(users::username.eq("keeper")))
        .set(users::email.eq("SUPERVISOR@kefu.example.com"))
        .execute(&mut app.db().await)
        .await
        .unwrap();
    let (_, list) = admin.page("/admin/users").await;
    let marked: Vec<String> = texts_of(&list, "tbody tr")
        .into_iter()
        .filter(|r| r.contains("邮箱与他人重复"))
        .collect();
    assert_eq!(marked.len(), 2, "{marked:?}");
    assert!(marked.iter().any(|r| r.contains("keeper")), "{marked:?}");
}

/// The details name codes and people as the reader knows them: a matter's
/// channel and kind by their names, its assignee by name and username, in
/// each language, on the page and in the export.
#[tokio::test]
async fn the_audit_log_reads_codes_and_people_by_their_names() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let specialist = user_id(&app, "specialist").await;
    let mut fields = crate::complaints::matter("刘先生", "inquiry");
    fields.push(("assignee", specialist.to_string()));
    let res = crate::complaints::record(&supervisor, &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let name: String = users::table
        .find(specialist)
        .select(users::display_name)
        .first(&mut app.db().await)
        .await
        .unwrap();
    let admin = app.login_as(Role::Admin).await;

    let (_, zh) = admin.page("/admin/audit?action=complaint.recorded").await;
    assert_eq!(
        texts_of(&zh, ".audit-details div"),
        [
            format!("处理人：{name}（specialist）"),
            "受理渠道：来电".to_owned(),
            "类别：咨询".to_owned(),
        ]
    );
    let (_, en) = admin
        .page("/admin/audit?action=complaint.recorded&lang=en")
        .await;
    assert_eq!(
        texts_of(&en, ".audit-details div"),
        [
            format!("Assignee: {name} (specialist)"),
            "Channel: Phone".to_owned(),
            "Kind: Inquiry".to_owned(),
        ]
    );
    // The language chosen last holds for the export too.
    let csv = admin
        .get("/admin/audit/export?format=csv&action=complaint.recorded")
        .await;
    let text = String::from_utf8(csv.bytes().await.unwrap()[3..].to_vec()).unwrap();
    assert!(
        text.contains(&format!(
            "\"Assignee: {name} (specialist); Channel: Phone; Kind: Inquiry\""
        )),
        "{text}"
    );
}

/// A time in a line's details reads in the site's zone to the minute, as
/// every page shows times, not as the UTC instant it is stored as.
#[tokio::test]
async fn the_audit_log_shows_times_in_the_sites_zone() {
    let app = TestApp::spawn().await;
    let (clerk, _) = crate::keys::estate(&app).await;
    let key = crate::keys::key_id(&app, "1-配电房", "").await;
    let loan = crate::keys::file_loan(&app, &clerk, key, "检修配电柜").await;
    let due: chrono::DateTime<chrono::Utc> = kefu::schema::key_loans::table
        .find(loan)
        .select(kefu::schema::key_loans::due_at)
        .first(&mut app.db().await)
        .await
        .unwrap();
    let local = due
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M")
        .to_string();
    let admin = app.login_as(Role::Admin).await;

    let (_, zh) = admin.page("/admin/audit?action=keys.loan_requested").await;
    let lines = texts_of(&zh, ".audit-details div");
    assert!(lines.contains(&format!("应还时间：{local}")), "{lines:?}");
    let (_, en) = admin
        .page("/admin/audit?action=keys.loan_requested&lang=en")
        .await;
    let lines = texts_of(&en, ".audit-details div");
    assert!(lines.contains(&format!("Due: {local}")), "{lines:?}");
    let csv = admin
        .get("/admin/audit/export?format=csv&action=keys.loan_requested")
        .await;
    let text = String::from_utf8(csv.bytes().await.unwrap()[3..].to_vec()).unwrap();
    assert!(text.contains(&format!("Due: {local}")), "{text}");
    assert!(
        !text.contains(&due.format("%Y-%m-%dT").to_string()),
        "{text}"
    );
}
