//! Signing in and out, lockout, sessions, first-sign-in password change.
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::schema::{audit_log, login_locks, sessions, users};
use reqwest::StatusCode;

use crate::helpers::*;

#[tokio::test]
async fn signing_in_lands_on_a_home_page_for_the_role() {
    let app = TestApp::spawn().await;
    let b = app.browser();

    let res = b.login("supervisor", PASSWORD).await;

    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/");
    let (status, body) = b.page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text_of(&body, "h1").unwrap(), "您好，客服主管 李强");
    assert!(
        body.contains("审批请假"),
        "the supervisor's duties are listed"
    );
    assert!(
        !body.contains("/admin/users"),
        "no admin link for a supervisor"
    );
}

/// The home page's shortcuts, by the page each opens.
fn card_links(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("ul.cards li.card a").unwrap();
    doc.select(&sel)
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn each_post_finds_its_daily_work_one_step_from_home() {
    let app = TestApp::spawn().await;
    for (role, wanted, not) in [
        (
            Role::Employee,
            &["/keys/loans/new", "/archives/request", "/leave/new"][..],
            &["/meetings/morning", "/archives/due"][..],
        ),
        (
            Role::ArchiveKeeper,
            &["/archives/due", "/archives/borrows"][..],
            &["/archives/request"][..],
        ),
        (
            Role::CsSupervisor,
            &["/meetings/morning", "/approvals"][..],
            &["/archives/due"][..],
        ),
    ] {
        let b = app.login_as(role).await;
        let (_, home) = b.page("/").await;
        let links = card_links(&home);
        for href in wanted {
            assert!(
                links.iter().any(|l| l == href),
                "{role:?}: {href} in {links:?}"
            );
        }
        for href in not {
            assert!(
                !links.iter().any(|l| l == href),
                "{role:?}: {href} in {links:?}"
            );
        }
        // Every shortcut opens for the one it is shown to.
        for href in &links {
            assert_eq!(b.page(href).await.0, StatusCode::OK, "{role:?}: {href}");
        }
    }
}

#[tokio::test]
async fn every_demo_user_signs_in_and_sees_their_posts() {
    let app = TestApp::spawn().await;
    for (username, name, role) in kefu::demo::DEMO_USERS {
        let b = app.login_as(role).await;
        let (status, body) = b.page("/").await;
        assert_eq!(status, StatusCode::OK, "{username}");
        assert!(body.contains(name), "{username} sees their name");
        let post = kefu::i18n::Locale::ZhCn.t(&role.name_key());
        assert!(body.contains(post), "{username} sees the post {post}");
    }
}

#[tokio::test]
async fn a_wrong_password_is_refused_with_the_username_kept() {
    let app = TestApp::spawn().await;
    let b = app.browser();

    let res = b.login("keeper", "not-the-password").await;

    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(body.contains("用户名或密码不正确"));
    assert_eq!(value_of(&body, "#f-username").unwrap(), "keeper");
    assert_eq!(
        b.get("/").await.status(),
        StatusCode::SEE_OTHER,
        "still signed out"
    );
}

#[tokio::test]
async fn empty_fields_get_a_message_each() {
    let app = TestApp::spawn().await;
    let b = app.browser();

    let res = b
        .post("/login", &[("username", ""), ("password", "")])
        .await;

    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(text_of(&body, "#e-username").unwrap(), "请填写用户名。");
    assert_eq!(text_of(&body, "#e-password").unwrap(), "请填写密码。");
}

#[tokio::test]
async fn five_failures_lock_the_account_even_for_the_right_password() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    for i in 1..=4 {
        let res = b.login("employee", "wrong-password").await;
        assert_eq!(
            res.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "failure {i}"
        );
    }

    let fifth = b.login("employee", "wrong-password").await;
    assert_eq!(fifth.status(), StatusCode::TOO_MANY_REQUESTS);
    let right = b.login("employee", PASSWORD).await;

    assert_eq!(right.status(), StatusCode::TOO_MANY_REQUESTS);
    let body = right.text().await.unwrap();
    assert!(
        body.contains("已锁定"),
        "the message says the account is locked"
    );
    assert!(body.contains("15 分钟"), "and for how long");
    let mut conn = app.db().await;
    let locks: i64 = login_locks::table
        .filter(login_locks::kind.eq("account"))
        .filter(login_locks::key.eq(kefu::auth::throttle::name_key("employee")))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(locks, 1);
    // Another account from the same address is not affected.
    assert_eq!(
        app.browser().login("keeper", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

/// A password typed in the name box is kept nowhere readable: the throttle
/// keeps the name's keyed hash, locks it as it would an account (so the lock
/// tells no one which names are accounts), and its daily clean-up deletes
/// failures and locks that no longer count.
#[tokio::test]
async fn a_password_typed_as_the_name_is_kept_nowhere_and_old_failures_go() {
    use diesel::sql_types::Text;
    let app = TestApp::spawn().await;
    let b = app.browser();
    for _ in 1..kefu::auth::throttle::ACCOUNT_LIMIT {
        let res = b.login("wangfang1990", "wangfang1990").await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
    let last = b.login("wangfang1990", "wangfang1990").await;
    assert_eq!(last.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(last.text().await.unwrap().contains("已锁定"));

    #[derive(QueryableByName)]
    struct Found {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let found = async |needle: &str| -> i64 {
        diesel::sql_query(
            "SELECT (SELECT count(*) FROM login_failures f WHERE f::text LIKE '%' || $1 || '%') \
                + (SELECT count(*) FROM login_locks l WHERE l::text LIKE '%' || $1 || '%') \
                + (SELECT count(*) FROM audit_log a WHERE a::text LIKE '%' || $1 || '%') AS n",
        )
        .bind::<Text, _>(needle)
        .get_result::<Found>(&mut app.db().await)
        .await
        .unwrap()
        .n
    };
    assert_eq!(found("wangfang").await, 0, "the text typed is kept nowhere");
    let mut conn = app.db().await;
    let key = kefu::auth::throttle::name_key("wangfang1990");
    let (failures, locks): (i64, i64) = (
        kefu::schema::login_failures::table
            .filter(kefu::schema::login_failures::username.eq(&key))
            .count()
            .get_result(&mut conn)
            .await
            .unwrap(),
        login_locks::table
            .filter(login_locks::key.eq(&key))
            .count()
            .get_result(&mut conn)
            .await
            .unwrap(),
    );
    assert_eq!((failures, locks), (kefu::auth::throttle::ACCOUNT_LIMIT, 1));

    // Within the window they stay; once the lock has run out they go.
    let cleanup = kefu::jobs::find("forms.cleanup").unwrap();
    let now = chrono::Utc::now();
    kefu::jobs::run_for_period(&mut conn, cleanup, "now", now, &app.config)
        .await
        .unwrap();
    let kept: i64 = kefu::schema::login_failures::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(kept, kefu::auth::throttle::ACCOUNT_LIMIT);
    let later = now + chrono::Duration::minutes(kefu::auth::throttle::LOCK_MINUTES + 1);
    let said = kefu::jobs::run_for_period(&mut conn, cleanup, "later", later, &app.config)
        .await
        .unwrap()
        .map(|r| kefu::jobs::result_in(&r, kefu::i18n::Locale::En))
        .unwrap();
    assert!(
        said.contains("6 expired sign-in failures and locks deleted"),
        "{said}"
    );
    let left: (i64, i64) = (
        kefu::schema::login_failures::table
            .count()
            .get_result(&mut conn)
            .await
            .unwrap(),
        login_locks::table
            .count()
            .get_result(&mut conn)
            .await
            .unwrap(),
    );
    assert_eq!(left, (0, 0));
}

#[tokio::test]
async fn guesses_sent_all_at_once_are_checked_no_more_than_the_limit_allows() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let browsers: Vec<Browser> = (0..16).map(|_| app.browser()).collect();
    for b in &browsers {
        b.page("/login").await;
    }
    // The guesses pile up behind the lock table (as under load), then all go
    // at once: none has failed yet when the others look for a lock.
    let mut hold = app.db().await;
    hold.batch_execute("BEGIN; LOCK TABLE login_locks IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let release = async {
        app.await_lock_waiters(4).await;
        hold.batch_execute("COMMIT").await.unwrap();
    };
    let (answers, ()) = tokio::join!(
        futures_util::future::join_all(
            browsers
                .iter()
                .map(|b| b.login("employee", "wrong-password")),
        ),
        release
    );
    let checked = answers
        .iter()
        .filter(|r| r.status() == StatusCode::UNPROCESSABLE_ENTITY)
        .count();
    assert!(
        checked < kefu::auth::throttle::ACCOUNT_LIMIT as usize,
        "{checked} wrong passwords were told apart from a lock"
    );
    assert!(answers.iter().all(|r| [
        StatusCode::UNPROCESSABLE_ENTITY,
        StatusCode::TOO_MANY_REQUESTS
    ]
    .contains(&r.status())));
    let mut conn = app.db().await;
    let failed: i64 = audit_log::table
        .filter(audit_log::action.eq("auth.login_failed"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert!(
        failed <= kefu::auth::throttle::ACCOUNT_LIMIT,
        "{failed} passwords checked"
    );
    assert_eq!(
        app.browser().login("employee", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "locked"
    );
}

/// Guesses under many names from one address, sent all at once, are held to
/// the address's limit as one name's are to the account's.
#[tokio::test]
async fn guesses_under_many_names_sent_at_once_are_held_to_the_address_limit() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let limit = kefu::auth::throttle::ADDRESS_LIMIT;
    // Two guesses short of the limit already, each under another name: two
    // more are checked, the rest refused without a check.
    diesel::sql_query(
        "INSERT INTO login_failures (username, ip) \
         SELECT 'earlier' || g, '127.0.0.1' FROM generate_series(1, $1) g",
    )
    .bind::<diesel::sql_types::BigInt, _>(limit - 2)
    .execute(&mut app.db().await)
    .await
    .unwrap();
    let browsers: Vec<Browser> = (0..8).map(|_| app.browser()).collect();
    for b in &browsers {
        b.page("/login").await;
    }
    // The guesses pile up as each is about to be counted, then all go at once.
    let mut hold = app.db().await;
    hold.batch_execute("BEGIN; LOCK TABLE login_failures IN SHARE MODE")
        .await
        .unwrap();
    let release = async {
        app.await_lock_waiters(4).await;
        hold.batch_execute("COMMIT").await.unwrap();
    };
    let names: Vec<String> = (0..browsers.len()).map(|i| format!("guess{i}")).collect();
    let (answers, ()) = tokio::join!(
        futures_util::future::join_all(
            browsers
                .iter()
                .zip(&names)
                .map(|(b, name)| b.login(name, "wrong-password")),
        ),
        release
    );
    let statuses: Vec<u16> = answers.iter().map(|r| r.status().as_u16()).collect();
    // Each guess checked is on record as a failed sign-in.
    let checked: i64 = audit_log::table
        .filter(audit_log::action.eq("auth.login_failed"))
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(
        checked, 2,
        "guesses from one address checked up to the limit: {statuses:?}"
    );
    assert!(
        statuses.iter().all(|s| [422, 429].contains(s)),
        "{statuses:?}"
    );
    assert_eq!(
        app.browser().login("employee", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "the address is locked: {statuses:?}"
    );
}

#[tokio::test]
async fn the_right_password_sent_twice_after_typos_locks_nothing() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let typos = app.browser();
    for _ in 1..kefu::auth::throttle::ACCOUNT_LIMIT {
        typos.login("employee", "wrong-password").await;
    }
    // A double click on the right password, both held until they go together.
    let clicks: Vec<Browser> = (0..2).map(|_| app.browser()).collect();
    for b in &clicks {
        b.page("/login").await;
    }
    let mut hold = app.db().await;
    hold.batch_execute("BEGIN; LOCK TABLE login_locks IN ACCESS EXCLUSIVE MODE")
        .await
        .unwrap();
    let release = async {
        app.await_lock_waiters(2).await;
        hold.batch_execute("COMMIT").await.unwrap();
    };
    let (answers, ()) = tokio::join!(
        futures_util::future::join_all(clicks.iter().map(|b| b.login("employee", PASSWORD))),
        release
    );
    assert!(answers.iter().any(|r| r.status() == StatusCode::SEE_OTHER));
    let mut conn = app.db().await;
    let locks: i64 = login_locks::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(locks, 0, "no lock for a right password");
    assert_eq!(
        app.browser().login("employee", PASSWORD).await.status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_name_no_account_can_have_is_refused_as_a_wrong_password_and_kept_nowhere() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    let long = "a".repeat(10_000);
    for typed in [long.as_str(), "MyS3cret!Pass"] {
        let res = b.login(typed, "whatever").await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = res.text().await.unwrap();
        assert!(body.contains("用户名或密码不正确"));
    }
    // A wrong password for a name that is no account keeps that name nowhere.
    b.login("nobody.here", "whatever").await;
    let mut conn = app.db().await;
    let details: Vec<serde_json::Value> = audit_log::table
        .filter(audit_log::action.eq("auth.login_failed"))
        .select(audit_log::details)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(details.len(), 1);
    assert!(
        !details[0].to_string().contains("nobody.here"),
        "{}",
        details[0]
    );
}

#[tokio::test]
async fn guessing_the_current_password_on_the_account_page_is_throttled_too() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::Employee).await;
    let wrong = [
        ("current", "not-my-password"),
        ("new", "a-much-better-password-1"),
        ("confirm", "a-much-better-password-1"),
    ];
    for _ in 0..kefu::auth::throttle::ACCOUNT_LIMIT {
        b.post("/account/password", &wrong).await;
    }
    // Locked now, the right one too.
    let right = [
        ("current", PASSWORD),
        ("new", "a-much-better-password-1"),
        ("confirm", "a-much-better-password-1"),
    ];
    let res = b.post("/account/password", &right).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-current").unwrap().contains("已锁定"));
    assert_eq!(
        app.browser().login("employee", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
}

#[tokio::test]
async fn signing_out_ends_the_session_on_the_server() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    let res = b.login("specialist", PASSWORD).await;
    let cookie = res
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("kefu_session="))
        .map(|v| v.split(';').next().unwrap().to_owned())
        .expect("a session cookie at sign-in");
    let old = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let with_old = |path: &str| {
        old.get(b.url(path))
            .header(reqwest::header::COOKIE, cookie.clone())
            .send()
    };
    assert_eq!(
        with_old("/").await.unwrap().status(),
        StatusCode::OK,
        "the cookie works"
    );

    let out = b.post("/logout", &[]).await;

    assert_eq!(out.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&out), "/login");
    let replay = with_old("/").await.unwrap();
    assert_eq!(
        replay.status(),
        StatusCode::SEE_OTHER,
        "the old cookie no longer signs in"
    );
    assert_eq!(location(&replay), "/login");
    let mut conn = app.db().await;
    let left: i64 = sessions::table
        .filter(sessions::user_id.is_not_null())
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn signing_in_gives_a_new_session_id() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    let before = b.get("/login").await;
    let anon = before
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .expect("the sign-in page starts a session for its CSRF token");

    let res = b.login("employee", PASSWORD).await;

    let signed = res
        .headers()
        .get(reqwest::header::SET_COOKIE)
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .expect("a new cookie at sign-in");
    assert_ne!(anon, signed);
    let mut conn = app.db().await;
    let rows: Vec<Option<i64>> = sessions::table
        .select(sessions::user_id)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        rows.len(),
        1,
        "the anonymous session was replaced, not kept: {rows:?}"
    );
}

/// action, actor, address, request id
type AuditLine = (String, Option<i64>, Option<String>, Option<String>);

#[tokio::test]
async fn sign_in_and_failures_are_audited_with_address_and_request_id() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    b.login("manager", "wrong-password").await;
    b.login("manager", PASSWORD).await;
    b.post("/logout", &[]).await;

    let mut conn = app.db().await;
    let manager: i64 = users::table
        .filter(users::username.eq("manager"))
        .select(users::id)
        .first(&mut conn)
        .await
        .unwrap();
    let rows: Vec<AuditLine> = audit_log::table
        .filter(audit_log::action.like("auth.%"))
        .order(audit_log::id)
        .select((
            audit_log::action,
            audit_log::actor_id,
            audit_log::ip,
            audit_log::request_id,
        ))
        .load(&mut conn)
        .await
        .unwrap();
    let actions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(actions, ["auth.login_failed", "auth.login", "auth.logout"]);
    assert_eq!(rows[0].1, None, "a failed sign-in has no actor");
    assert_eq!(rows[1].1, Some(manager));
    for r in &rows {
        assert_eq!(r.2.as_deref(), Some("127.0.0.1"));
        assert_eq!(
            r.3.as_ref().map(|s| s.len()),
            Some(36),
            "a request id (uuid)"
        );
    }
}

#[tokio::test]
async fn a_new_user_must_choose_a_password_at_first_sign_in() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let res = admin
        .submit(
            "/admin/users/new",
            "/admin/users",
            &[
                ("username", "sun.li"),
                ("display_name", "客服专员 孙丽"),
                ("email", "sun.li@example.com"),
                ("locale", "zh-CN"),
                ("roles", "employee"),
                ("roles", "cs_specialist"),
                ("active", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, shown) = admin.page(&location(&res)).await;
    let otp = text_of(&shown, ".otp code").expect("the one-time password is shown once");
    let (_, again) = admin.page(&location(&res)).await;
    assert!(text_of(&again, ".otp code").is_none(), "and only once");

    // Signing in from a link (an approval mail's, say): the password first,
    // then on to the page the link asked for.
    let user = app.browser();
    let first = user
        .post(
            "/login",
            &[
                ("username", "sun.li"),
                ("password", &otp),
                ("next", "/leave/new"),
            ],
        )
        .await;
    assert_eq!(location(&first), "/account/password");
    let elsewhere = user.get("/").await;
    assert_eq!(
        location(&elsewhere),
        "/account/password",
        "nothing else opens before the change"
    );
    let weak = user
        .post(
            "/account/password",
            &[("current", &otp), ("new", "short"), ("confirm", "short")],
        )
        .await;
    assert_eq!(weak.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.text().await.unwrap().contains("至少需要 10 个字符"));
    let done = user
        .post(
            "/account/password",
            &[
                ("current", &otp),
                // Typed in full-width letters: kept exactly as typed.
                ("new", "ｌａｎｔｅｒｎｓ-and-keys"),
                ("confirm", "ｌａｎｔｅｒｎｓ-and-keys"),
            ],
        )
        .await;

    assert_eq!(done.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&done), "/leave/new");
    let (status, asked) = user.page(&location(&done)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(asked.contains("密码已修改"), "a confirmation is shown");
    let mut conn = app.db().await;
    let must: bool = users::table
        .filter(users::username.eq("sun.li"))
        .select(users::must_change_password)
        .first(&mut conn)
        .await
        .unwrap();
    assert!(!must);
    let again = app.browser();
    assert_eq!(
        again.login("sun.li", &otp).await.status(),
        StatusCode::UNPROCESSABLE_ENTITY
    );
    assert_eq!(
        again.login("sun.li", "lanterns-and-keys").await.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "not read as ASCII"
    );
    assert_eq!(
        again
            .login("sun.li", "ｌａｎｔｅｒｎｓ-and-keys")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_user_name_typed_in_full_width_letters_signs_in_and_a_password_is_as_typed() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    let res = b.login("ｍａｎａｇｅｒ", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/");
    let (status, _) = b.page("/approvals").await;
    assert_eq!(status, StatusCode::OK, "signed in as the manager");

    // The password, though, is never read otherwise than typed.
    let full: String = PASSWORD
        .chars()
        .map(|c| match c {
            '!'..='~' => char::from_u32(c as u32 + 0xFEE0).unwrap(),
            c => c,
        })
        .collect();
    let res = app.browser().login("manager", &full).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn after_sign_in_the_user_returns_to_the_page_they_asked_for() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    let res = b.get("/admin/audit?action=auth.login").await;
    assert_eq!(
        location(&res),
        "/login?next=%2Fadmin%2Faudit%3Faction%3Dauth.login"
    );
    let (_, form) = b.page(&location(&res)).await;
    assert_eq!(
        value_of(&form, r#"input[name="next"]"#).unwrap(),
        "/admin/audit?action=auth.login"
    );

    let res = b
        .post(
            "/login",
            &[
                ("username", "admin"),
                ("password", PASSWORD),
                ("next", "/admin/audit?action=auth.login"),
            ],
        )
        .await;
    assert_eq!(location(&res), "/admin/audit?action=auth.login");

    let evil = app.browser();
    let res = evil
        .post(
            "/login",
            &[
                ("username", "admin"),
                ("password", PASSWORD),
                ("next", "//evil.example/"),
            ],
        )
        .await;
    assert_eq!(location(&res), "/", "never off-site");

    // A page asked with words in its address (a search) comes back with them
    // encoded as a header must carry them, and reads them as asked.
    let searcher = app.browser();
    let res = searcher
        .post(
            "/login",
            &[
                ("username", "employee"),
                ("password", PASSWORD),
                ("next", "/handbook/search?q=钥匙 借用"),
            ],
        )
        .await;
    assert_eq!(
        location(&res),
        "/handbook/search?q=%E9%92%A5%E5%8C%99%20%E5%80%9F%E7%94%A8"
    );
    let (status, results) = searcher.page(&location(&res)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        value_of(&results, r#"input[name="q"]"#).unwrap(),
        "钥匙 借用"
    );
}

#[tokio::test]
async fn a_session_ends_after_the_idle_timeout() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::Employee).await;
    assert_eq!(b.get("/").await.status(), StatusCode::OK);
    let mut conn = app.db().await;

    // As if the last request was 31 minutes ago.
    diesel::sql_query("UPDATE sessions SET expires_at = now() - interval '1 minute'")
        .execute(&mut conn)
        .await
        .unwrap();
    app.settle().await;

    let res = b.get("/").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/login");
}

#[tokio::test]
async fn a_session_ends_after_the_absolute_timeout_however_active() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::Employee).await;
    let mut conn = app.db().await;

    // Signed in 12 hours and a minute ago, active all along.
    diesel::sql_query(
        "UPDATE sessions SET created_at = now() - interval '12 hours 1 minute', \
         expires_at = now() + interval '29 minutes'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    app.settle().await;

    assert_eq!(location(&b.get("/").await), "/login");
}

#[tokio::test]
async fn an_active_session_slides_its_idle_timeout() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::Employee).await;
    let mut conn = app.db().await;
    diesel::sql_query("UPDATE sessions SET expires_at = now() + interval '5 minutes'")
        .execute(&mut conn)
        .await
        .unwrap();
    app.settle().await;

    assert_eq!(b.get("/").await.status(), StatusCode::OK);

    let left: Vec<chrono::DateTime<chrono::Utc>> = sessions::table
        .filter(sessions::user_id.is_not_null())
        .select(sessions::expires_at)
        .load(&mut conn)
        .await
        .unwrap();
    let minutes = (left[0] - chrono::Utc::now()).num_minutes();
    assert!((28..=30).contains(&minutes), "expires in {minutes} minutes");
}

#[tokio::test]
async fn many_failures_from_one_address_lock_that_address() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    let limit = kefu::auth::throttle::ADDRESS_LIMIT;
    let mut last = StatusCode::OK;
    for i in 0..limit {
        // A different (unknown) account each time: only the address is common.
        last = b.login(&format!("nobody{i}"), "guess").await.status();
    }

    assert_eq!(last, StatusCode::TOO_MANY_REQUESTS);
    let res = app.browser().login("admin", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(res.text().await.unwrap().contains("此地址登录失败次数过多"));
}

#[tokio::test]
async fn over_https_the_cookie_is_secure_and_host_prefixed_and_https_is_kept() {
    let app =
        TestApp::spawn_with(|c| c.base_url = url::Url::parse("https://kefu.example.com").unwrap())
            .await;
    let b = app.browser();

    let res = b.get("/login").await;

    let cookie = res.headers()[reqwest::header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("__Host-kefu_session="), "{cookie}");
    for flag in ["Secure", "HttpOnly", "SameSite=Lax", "Path=/"] {
        assert!(cookie.contains(flag), "{cookie} lacks {flag}");
    }
    assert!(
        !cookie.contains("Domain="),
        "a __Host- cookie has no Domain"
    );
    // The browser is told to come back over https only.
    assert_eq!(
        res.headers()[reqwest::header::STRICT_TRANSPORT_SECURITY],
        "max-age=31536000"
    );
}
