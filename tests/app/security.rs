//! Rights, CSRF, headers, error pages, health, the append-only audit log.
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::schema::{audit_log, users};
use reqwest::{header, StatusCode};

use crate::helpers::*;

async fn user_count(app: &TestApp) -> i64 {
    let mut conn = app.db().await;
    users::table.count().get_result(&mut conn).await.unwrap()
}

#[tokio::test]
async fn an_employee_may_not_open_user_administration() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::Employee).await;

    let (status, body) = b.page("/admin/users").await;

    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(text_of(&body, "h1").unwrap(), "无权访问 403");
    assert!(
        body.contains("员工 赵磊"),
        "the 403 page is drawn in the layout"
    );
    assert_eq!(b.page("/admin/users/1/edit").await.0, StatusCode::FORBIDDEN);
    assert_eq!(b.page("/admin/audit").await.0, StatusCode::FORBIDDEN);
    let res = b
        .post(
            "/admin/users",
            &[
                ("username", "x1"),
                ("display_name", "X"),
                ("email", "x@example.com"),
                ("roles", "admin"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "the route refuses a POST too"
    );
    assert_eq!(user_count(&app).await, 7);
}

fn new_user_fields() -> Vec<(&'static str, &'static str)> {
    vec![
        ("username", "new.clerk"),
        ("display_name", "新员工"),
        ("email", "clerk@example.com"),
        ("locale", "zh-CN"),
        ("roles", "employee"),
        ("active", "on"),
    ]
}

#[tokio::test]
async fn a_post_without_a_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;

    let res = admin.post_raw("/admin/users", &new_user_fields()).await;

    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.text().await.unwrap().contains("无权访问"));
    assert_eq!(user_count(&app).await, 7);
}

#[tokio::test]
async fn a_post_with_a_wrong_csrf_token_is_refused_and_changes_nothing() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let mut fields = new_user_fields();
    fields.push((
        "csrf_token",
        "0000000000000000000000000000000000000000000000000000000000000000",
    ));

    let res = admin.post_raw("/admin/users", &fields).await;

    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(user_count(&app).await, 7);
    // Another session's token is no better.
    let other = app.login_as(Role::Admin).await;
    let foreign = other.csrf().await;
    let mut fields = new_user_fields();
    fields.push(("csrf_token", &foreign));
    assert_eq!(
        admin.post_raw("/admin/users", &fields).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(user_count(&app).await, 7);
}

#[tokio::test]
async fn a_post_from_another_origin_is_refused() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let token = admin.csrf().await;
    let once = admin.form_token("/admin/users/new").await;
    let mut fields = new_user_fields();
    fields.push(("csrf_token", &token));
    fields.push(("form_token", &once));

    let res = admin
        .client
        .post(admin.url("/admin/users"))
        .header(header::ORIGIN, "http://evil.example")
        .form(&fields)
        .send()
        .await
        .unwrap();

    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(user_count(&app).await, 7);
    let same = admin
        .client
        .post(admin.url("/admin/users"))
        .header(header::ORIGIN, app.addr.clone())
        .form(&fields)
        .send()
        .await
        .unwrap();
    assert_eq!(
        same.status(),
        StatusCode::SEE_OTHER,
        "our own origin is fine"
    );
    assert_eq!(user_count(&app).await, 8);
}

#[tokio::test]
async fn a_post_to_sign_in_without_a_token_is_refused() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    b.get("/login").await;

    let res = b
        .post_raw("/login", &[("username", "admin"), ("password", PASSWORD)])
        .await;

    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        b.get("/").await.status(),
        StatusCode::SEE_OTHER,
        "not signed in"
    );
}

#[tokio::test]
async fn pages_carry_the_security_headers() {
    let app = TestApp::spawn().await;
    let anon = app.browser();
    let b = app.login_as(Role::CsSpecialist).await;
    for res in [
        anon.get("/login").await,
        b.get("/").await,
        b.get("/no/such/page").await,
    ] {
        let h = res.headers();
        let csp = h[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        for part in [
            "frame-ancestors 'none'",
            "object-src 'none'",
            "base-uri 'none'",
            "script-src 'self'",
        ] {
            assert!(csp.contains(part), "{csp} lacks {part}");
        }
        assert!(!csp.contains("unsafe-inline"));
        assert_eq!(h[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert!(h.contains_key(header::REFERRER_POLICY));
        assert_eq!(h[header::CACHE_CONTROL], "no-store");
        assert_eq!(h["x-request-id"].len(), 36);
        // Served over http here: no HSTS, which would bind the name to https.
        assert!(!h.contains_key(header::STRICT_TRANSPORT_SECURITY));
    }
    let login = app.browser().get("/login").await;
    let cookie = login.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let body = login.text().await.unwrap();
    assert!(!body.contains("<script>"), "no inline script");
}

#[tokio::test]
async fn unknown_pages_get_the_404_page_in_the_users_language() {
    let app = TestApp::spawn().await;
    let b = app.browser();

    let (status, zh) = b.page("/no/such/page").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(text_of(&zh, "h1").unwrap(), "页面不存在 404");
    let rid = text_of(&zh, ".error-page code").unwrap();
    assert_eq!(rid.len(), 36, "a request id to quote");

    let (_, en) = b.page("/no/such/page?lang=en").await;
    assert_eq!(text_of(&en, "h1").unwrap(), "Page not found 404");
    assert_eq!(
        b.page("/admin/users/999999").await.0,
        StatusCode::SEE_OTHER,
        "sign-in first"
    );
    let admin = app.login_as(Role::Admin).await;
    let (status, body) = admin.page("/admin/users/999999").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("页面不存在"));
    let (status, _) = admin.page("/admin/users/not-a-number").await;
    assert_eq!(
        status,
        StatusCode::NOT_FOUND,
        "a bad id in a path is a 404, not a 500"
    );
    // Each feature's pages sit under its own prefix; an address under it that no
    // page answers gets the same page as any other.
    for path in [
        "/keys/no/such/page",
        "/admin/users/1/no-such-page",
        "/leave/",
    ] {
        let (status, body) = admin.page(path).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
        assert_eq!(text_of(&body, "h1").unwrap(), "页面不存在 404", "{path}");
    }
}

#[tokio::test]
async fn a_malformed_form_is_a_400_page_not_a_500() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let token = admin.csrf().await;

    let res = admin
        .client
        .post(admin.url("/admin/users"))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(format!("csrf_token={token}&active=a&active=b&roles=%FF%FE"))
        .send()
        .await
        .unwrap();

    assert!(res.status().is_client_error(), "{}", res.status());
    assert_eq!(user_count(&app).await, 7);
}

#[tokio::test]
async fn a_nul_in_a_query_is_dropped_not_a_500() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;

    let (status, body) = admin
        .page("/admin/audit?action=auth%00.login&entity_id=%00&actor=%00")
        .await;

    assert_eq!(status, StatusCode::OK);
    // The filter still applies, without the NUL: the admin's own sign-in is listed.
    assert!(body.contains(">auth.login</code>"), "{body}");
}

#[tokio::test]
async fn a_date_chrono_reads_but_postgresql_cannot_hold_is_a_date_error_not_a_500() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;

    let (status, body) = admin
        .page("/admin/audit?from=-9999-01-01&until=%2B12345-01-01")
        .await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        text_of(&body, ".flash-error").unwrap(),
        "日期格式应为 YYYY-MM-DD，年份在 1900 至 2200 之间。"
    );
}

#[tokio::test]
async fn health_says_ok_when_the_database_answers() {
    let app = TestApp::spawn().await;
    let res = app.browser().get("/healthz").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.text().await.unwrap(), "ok");
}

#[tokio::test]
async fn the_audit_log_refuses_update_and_delete() {
    let app = TestApp::spawn().await;
    app.login_as(Role::Employee).await;
    let mut conn = app.db().await;

    let update = diesel::update(audit_log::table)
        .set(audit_log::action.eq("tampered"))
        .execute(&mut conn)
        .await;
    let delete = diesel::delete(audit_log::table).execute(&mut conn).await;
    let truncate = diesel::sql_query("TRUNCATE audit_log")
        .execute(&mut conn)
        .await;

    assert!(update.is_err() && delete.is_err() && truncate.is_err());
    let tampered: i64 = audit_log::table
        .filter(audit_log::action.eq("tampered"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(tampered, 0);
    let logins: i64 = audit_log::table
        .filter(audit_log::action.eq("auth.login"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(logins, 1);
}

#[tokio::test]
async fn static_files_are_served_with_nosniff() {
    let app = TestApp::spawn().await;
    let res = app.browser().get("/static/css/app.css").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert!(res.text().await.unwrap().contains("Noto Sans CJK SC"));
}

#[tokio::test]
async fn a_form_sent_after_the_session_ended_says_so_and_leads_back() {
    let app = TestApp::spawn().await;
    let stranger = app.browser();

    let res = stranger
        .client
        .post(stranger.url("/admin/users"))
        .header(header::REFERER, format!("{}/admin/users/new", app.addr))
        .form(&new_user_fields())
        .send()
        .await
        .unwrap();

    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "h1").unwrap().contains("登录已过期"));
    let doc = scraper::Html::parse_document(&body);
    let link = doc
        .select(&scraper::Selector::parse(".error-page a.button").unwrap())
        .next()
        .and_then(|a| a.value().attr("href"))
        .unwrap()
        .to_owned();
    assert_eq!(link, "/login?next=%2Fadmin%2Fusers%2Fnew");
    assert_eq!(user_count(&app).await, 7);
}

#[tokio::test]
async fn a_multipart_upload_is_checked_for_its_csrf_token_too() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let token = admin.csrf().await;
    let upload = |with_token: bool| {
        let mut form = reqwest::multipart::Form::new();
        if with_token {
            form = form.text("csrf_token", token.clone());
        }
        form = form.part(
            "file",
            reqwest::multipart::Part::bytes(b"room,owner\n1-101,\xe7\x8e\x8b\n".to_vec())
                .file_name("rooms.csv")
                .mime_str("text/csv")
                .unwrap(),
        );
        admin
            .client
            .post(admin.url("/admin/users"))
            .multipart(form)
            .send()
    };

    let without = upload(false).await.unwrap();
    let with = upload(true).await.unwrap();

    assert_eq!(without.status(), StatusCode::FORBIDDEN);
    // With the token the request reaches the handler, which expects a plain form.
    assert_eq!(with.status(), StatusCode::BAD_REQUEST);
    assert_eq!(user_count(&app).await, 7);
}

/// The session row's version (its `xmin` changes with every write).
async fn session_version(app: &TestApp, username: &str) -> String {
    let mut conn = app.db().await;
    diesel::sql_query(
        "SELECT s.xmin::text AS v FROM sessions s JOIN users u ON u.id = s.user_id \
         WHERE u.username = $1",
    )
    .bind::<diesel::sql_types::Text, _>(username)
    .get_result::<Version>(&mut conn)
    .await
    .unwrap()
    .v
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = diesel::sql_types::Text)]
    v: String,
}

#[tokio::test]
async fn a_message_for_the_next_page_shows_once_and_writes_no_session() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    employee.csrf().await;
    let before = session_version(&app, username(Role::Employee)).await;

    let res = employee
        .submit(
            "/leave/new",
            "/leave/new",
            &[
                ("leave_type", "personal"),
                ("start_date", "2030-06-03"),
                ("end_date", "2030-06-04"),
                ("reason", "搬家"),
            ],
        )
        .await;

    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cookie = res
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("kefu_flash="))
        .expect("the message travels in its own cookie")
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert_eq!(
        session_version(&app, username(Role::Employee)).await,
        before,
        "saving the message wrote the session"
    );
    let (_, page) = employee.page(&location(&res)).await;
    assert_eq!(
        text_of(&page, ".flash").as_deref(),
        Some("请假条已提交，已通知 客服主管 李强 审批。")
    );
    let (_, again) = employee.page(&location(&res)).await;
    assert_eq!(text_of(&again, ".flash"), None, "shown once only");

    // A message made up by hand (or signed with another key) shows nothing.
    let forged = reqwest::Client::new()
        .get(employee.url("/login"))
        .header(
            header::COOKIE,
            "kefu_flash=f1.W3sia2luZCI6Im9rIiwidGV4dCI6Ikhpam",
        )
        .send()
        .await
        .unwrap();
    let cleared = forged
        .headers()
        .get_all(header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v.starts_with("kefu_flash=;") || v.starts_with("kefu_flash=\"\""));
    let body = forged.text().await.unwrap();
    assert_eq!(text_of(&body, ".flash"), None);
    assert!(cleared, "a cookie that does not verify is cleared");
}

/// Sends one request on `stream` and reads its answer's status line.
async fn status_on(stream: &mut tokio::net::TcpStream, host: &str) -> std::io::Result<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let request = format!("GET /healthz HTTP/1.1\r\nHost: {host}\r\n\r\n");
    stream.write_all(request.as_bytes()).await?;
    let mut buf = vec![0u8; 4096];
    let n = stream.read(&mut buf).await?;
    let answer = String::from_utf8_lossy(&buf[..n]).into_owned();
    Ok(answer.lines().next().unwrap_or_default().to_owned())
}

#[tokio::test]
async fn a_connection_left_idle_a_while_is_still_open_for_the_next_request() {
    // A reverse proxy or a browser reuses an idle connection for the next
    // request, a POST too; the server must not have closed it meanwhile (actix
    // closed it after 5 s, and such a request was reset).
    let app = TestApp::spawn().await;
    let host = app.addr.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(host).await.unwrap();
    let first = status_on(&mut stream, host).await.unwrap();
    assert!(first.contains(" 200 "), "{first}");
    tokio::time::sleep(std::time::Duration::from_secs(6)).await;
    let again = status_on(&mut stream, host).await;
    assert!(
        again.as_ref().is_ok_and(|s| s.contains(" 200 ")),
        "{again:?}"
    );
}

/// A list's number in the address (a page's cursor, a building's id, a version)
/// edited by hand or cut short shows the list, as the filters in words do: never
/// an error page.
#[tokio::test]
async fn a_number_in_a_lists_address_that_is_no_number_shows_the_list() {
    let app = TestApp::spawn().await;
    for (role, paths) in [
        (
            Role::ArchiveKeeper,
            &[
                "/archives?building=abc&after=x",
                "/archives/request?building=%E4%B8%80",
                "/archives/borrows?before=zz",
                "/archives/destructions?before=1.5",
            ][..],
        ),
        (
            Role::Admin,
            &[
                "/admin/mail?before=x",
                "/admin/jobs?before=",
                "/admin/audit?before_id=x",
                "/admin/audit?before_at=2026-11-30T08:00:00Z&before_id=",
            ][..],
        ),
        (
            Role::CsSpecialist,
            &[
                "/approvals/mine?before=x",
                "/keys/copies?before=x",
                "/keys/issues?before=x",
                "/keys/counts?before=-",
                "/leave?before=x",
                "/leave?before=",
            ][..],
        ),
    ] {
        let b = app.login_as(role).await;
        for path in paths {
            let (status, page) = b.page(path).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert!(text_of(&page, "h1").is_some(), "{path}");
        }
    }
}

/// A form sent back with its messages shows the address of the page it came
/// from (the browser's address bar takes it): one of this site's, never
/// another site's sent as the Referer.
#[tokio::test]
async fn a_page_sent_back_names_only_this_sites_page_as_its_address() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let token = admin.csrf().await;
    let send = async |referer: String| {
        let res = admin
            .client
            .post(admin.url("/admin/users"))
            .header(header::REFERER, referer)
            .form(&[("csrf_token", token.as_str()), ("username", "")])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        attr_of(&res.text().await.unwrap(), "body", "data-page").unwrap()
    };
    assert_eq!(
        send(admin.url("/admin/users/new?from=list")).await,
        "/admin/users/new?from=list"
    );
    assert_eq!(
        send("https://elsewhere.example/phish?lang=en".to_owned()).await,
        "/admin/users"
    );
}
