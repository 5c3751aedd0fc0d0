//! The optional second factor (two-step verification): turning it on, signing in
//! with a code after the password, a code accepted once, wrong codes locking the
//! account, turning it off, and an admin turning it off for a lost phone.
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::schema::{audit_log, users};
use reqwest::StatusCode;

use crate::approvals::user_id;
use crate::helpers::*;

/// The code of `secret` (as the page shows it) `offset` seconds from now: an
/// authenticator app whose clock runs that far ahead.
fn code(secret: &str, offset: i64) -> String {
    let secret = totp_rs::Secret::try_from_base32(secret.replace(' ', "")).unwrap();
    let at = chrono::Utc::now().timestamp() + offset;
    totp_rs::Builder::new()
        .with_secret(secret)
        .build()
        .unwrap()
        .generate(at as u64)
        .to_string()
}

/// Waits, if need be, for a fresh 30-second step, so that a test's codes of the
/// step before, this one and the next are all accepted while it runs. Called
/// once the test's app runs and its browsers are signed in, which may take
/// seconds on a loaded machine.
async fn fresh_step() {
    let into = chrono::Utc::now().timestamp() % 30;
    if into > 20 {
        tokio::time::sleep(std::time::Duration::from_secs((31 - into) as u64)).await;
    }
}

/// Turns two-step verification on for `b` with a code one step old; returns the
/// secret as the page showed it.
async fn turn_on(b: &Browser) -> String {
    let (_, page) = b.page("/account/totp").await;
    let secret = text_of(&page, "#totp-secret").unwrap();
    let res = b
        .post(
            "/account/totp",
            &[("code", &code(&secret, -30)), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    secret
}

async fn actions(app: &TestApp, action: &str) -> i64 {
    audit_log::table
        .filter(audit_log::action.eq(action))
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap()
}

async fn sign_out(b: &Browser) {
    let res = b.post("/logout", &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_approver_turns_on_two_step_verification_and_signs_in_with_a_code() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CsSupervisor).await;
    let laptop = app.login_as(Role::CsSupervisor).await;
    fresh_step().await;
    let (_, page) = b.page("/account/totp").await;
    assert_eq!(text_of(&page, "#totp-state").as_deref(), Some("未开启"));
    assert!(
        page.contains("src=\"data:image/svg+xml;base64,"),
        "a QR code"
    );
    let secret = text_of(&page, "#totp-secret").unwrap();
    assert_eq!(secret.replace(' ', "").len(), 32, "160 bits in base32");

    // A mistyped or wrong first code turns nothing on, and the secret stays.
    let res = b.post("/account/totp", &[("code", "12345")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-code").unwrap().contains("六位数字"));
    let res = b
        .post("/account/totp", &[("code", &code(&secret, 3600))])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-code").unwrap().contains("不正确"));
    assert_eq!(text_of(&body, "#totp-secret").as_deref(), Some(&*secret));
    assert_eq!(actions(&app, "auth.totp_enabled").await, 0);

    // The right code alone is not enough: whoever has this browser must also
    // know the password.
    let res = b
        .post("/account/totp", &[("code", &code(&secret, -30))])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-password").as_deref(),
        Some("请填写当前密码。")
    );
    let res = b
        .post(
            "/account/totp",
            &[("code", &code(&secret, -30)), ("password", "not-it")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-password").as_deref(),
        Some("当前密码不正确。")
    );
    assert_eq!(actions(&app, "auth.totp_enabled").await, 0);

    // The right one turns it on: this browser stays signed in, the other is out.
    let res = b
        .post(
            "/account/totp",
            &[("code", &code(&secret, -30)), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (status, page) = b.page("/account/totp").await;
    assert_eq!(status, StatusCode::OK);
    assert!(text_of(&page, "#totp-state").unwrap().contains("已开启"));
    assert!(
        !page.contains("totp-secret"),
        "the secret is not shown again"
    );
    // At rest the secret is sealed: the users table does not hold it.
    #[derive(diesel::QueryableByName)]
    struct Raw {
        #[diesel(sql_type = diesel::sql_types::Text)]
        totp_secret: String,
    }
    let raw: Raw = diesel::sql_query("SELECT totp_secret FROM users WHERE totp_secret IS NOT NULL")
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert!(raw.totp_secret.starts_with("s1:"));
    assert!(!raw.totp_secret.contains(&secret.replace(' ', "")[..8]));
    assert_eq!(
        laptop.get("/").await.status(),
        StatusCode::SEE_OTHER,
        "the other browser is signed out"
    );
    assert_eq!(actions(&app, "auth.totp_enabled").await, 1);

    // The password alone no longer signs in: it asks for the code.
    sign_out(&b).await;
    let res = b.login("supervisor", PASSWORD).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/login/code");
    assert_eq!(b.get("/").await.status(), StatusCode::SEE_OTHER, "not yet");
    let (_, page) = b.page("/login/code?lang=en").await;
    assert_eq!(text_of(&page, "h1").as_deref(), Some("Enter your code"));
    let res = b.post("/login/code", &[("code", "000")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-code").unwrap().contains("six-digit"));
    b.page("/login?lang=zh-CN").await;
    let now = code(&secret, 0);
    let res = b.post("/login/code", &[("code", &now)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/");
    let (status, home) = b.page("/").await;
    assert_eq!(status, StatusCode::OK);
    assert!(home.contains("客服主管 李强"));

    // The same code again, on another sign-in: spent.
    sign_out(&b).await;
    b.login("supervisor", PASSWORD).await;
    let res = b.post("/login/code", &[("code", &now)]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-code").unwrap().contains("已经用过"));
    assert_eq!(b.get("/").await.status(), StatusCode::SEE_OTHER);
    let res = b.post("/login/code", &[("code", &code(&secret, 30))]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(b.get("/").await.status(), StatusCode::OK);

    let mut conn = app.db().await;
    let signed_in: Vec<serde_json::Value> = audit_log::table
        .filter(audit_log::action.eq("auth.login"))
        .filter(audit_log::details.contains(serde_json::json!({ "second_factor": true })))
        .select(audit_log::details)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(signed_in.len(), 2);
    assert_eq!(actions(&app, "auth.code_asked").await, 2);
    assert_eq!(actions(&app, "auth.code_failed").await, 2);
}

#[tokio::test]
async fn wrong_codes_lock_the_account_like_wrong_passwords() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CenterManager).await;
    fresh_step().await;
    let secret = turn_on(&b).await;
    sign_out(&b).await;
    b.login("manager", PASSWORD).await;
    for i in 1..=4 {
        let res = b
            .post("/login/code", &[("code", &code(&secret, 3600 + i * 30))])
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{i}");
    }
    let res = b
        .post("/login/code", &[("code", &code(&secret, 3600 + 150))])
        .await;
    assert_eq!(res.status(), StatusCode::TOO_MANY_REQUESTS);
    let res = b.post("/login/code", &[("code", &code(&secret, 0))]).await;
    assert_eq!(
        res.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "even the right one"
    );
    assert!(res.text().await.unwrap().contains("已锁定"));
    assert_eq!(b.get("/").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn it_is_turned_off_with_a_code_or_by_an_admin_for_a_lost_phone() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CenterManager).await;
    fresh_step().await;
    let secret = turn_on(&b).await;

    // Off with a current code; the code that turned it on is spent.
    let res = b
        .post("/account/totp/disable", &[("code", &code(&secret, -30))])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&res.text().await.unwrap(), "#e-code")
        .unwrap()
        .contains("已经用过"));
    let res = b
        .post("/account/totp/disable", &[("code", &code(&secret, 0))])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = b.page("/account/totp").await;
    assert_eq!(text_of(&page, "#totp-state").as_deref(), Some("未开启"));
    assert_eq!(actions(&app, "auth.totp_disabled").await, 1);

    // On again with a new secret; the phone is lost; the admin turns it off.
    let (_, page) = b.page("/account/totp").await;
    assert_ne!(
        text_of(&page, "#totp-secret").unwrap(),
        secret,
        "a new secret"
    );
    turn_on(&b).await;
    let id = user_id(&app, "manager").await;
    let admin = app.login_as(Role::Admin).await;
    let (_, shown) = admin.page(&format!("/admin/users/{id}")).await;
    assert!(text_of(&shown, "#totp-state")
        .unwrap()
        .starts_with("已开启"));
    let employee = app.login_as(Role::Employee).await;
    let res = employee
        .post(&format!("/admin/users/{id}/totp/reset"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = admin
        .post(&format!("/admin/users/{id}/totp/reset"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, shown) = admin.page(&format!("/admin/users/{id}")).await;
    assert_eq!(text_of(&shown, "#totp-state").as_deref(), Some("未开启"));
    assert_eq!(actions(&app, "user.totp_reset").await, 1);
    sign_out(&b).await;
    let res = b.login("manager", PASSWORD).await;
    assert_eq!(location(&res), "/", "the password alone signs in again");
}

#[tokio::test]
async fn an_admin_turns_their_own_second_factor_off_with_a_code_not_by_a_reset() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    fresh_step().await;
    turn_on(&admin).await;
    let id = user_id(&app, "admin").await;
    let own = format!("/admin/users/{id}");
    let (_, shown) = admin.page(&own).await;
    assert!(
        !shown.contains("/totp/reset"),
        "no reset button on one's own"
    );

    // Sent anyway (an old tab, a forged click from an unattended browser):
    // refused, pointing to the page that asks for a code.
    let res = admin.post(&format!("{own}/totp/reset"), &[]).await;
    assert_eq!(location(&res), "/account/totp");
    let (_, page) = admin.page("/account/totp").await;
    assert!(texts_of(&page, ".flash")[0].starts_with("不能在这里关闭自己的二次验证"));
    assert!(text_of(&page, "#totp-state").unwrap().starts_with("已开启"));
    assert_eq!(actions(&app, "user.totp_reset").await, 0);
}

#[tokio::test]
async fn the_secret_being_set_up_waits_in_the_session_sealed() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CenterManager).await;
    fresh_step().await;
    let (_, page) = b.page("/account/totp").await;
    let secret = text_of(&page, "#totp-secret").unwrap().replace(' ', "");
    let states: Vec<serde_json::Value> = kefu::schema::sessions::table
        .select(kefu::schema::sessions::state)
        .load(&mut app.db().await)
        .await
        .unwrap();
    assert!(!states.is_empty());
    for state in &states {
        assert!(!state.to_string().contains(&secret), "{state}");
    }
    // The same secret is shown again, and a code of it turns the factor on.
    let (_, again) = b.page("/account/totp").await;
    assert_eq!(
        text_of(&again, "#totp-secret").unwrap().replace(' ', ""),
        secret
    );
    turn_on(&b).await;
    let (_, on) = b.page("/account/totp").await;
    assert!(text_of(&on, "#totp-state").unwrap().starts_with("已开启"));
}

#[tokio::test]
async fn a_code_after_the_password_changed_meanwhile_asks_for_the_password_again() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CenterManager).await;
    fresh_step().await;
    let secret = turn_on(&b).await;
    sign_out(&b).await;
    let res = b.login("manager", PASSWORD).await;
    assert_eq!(location(&res), "/login/code");

    // Meanwhile the password is reset (its owner suspects it is known).
    let id = user_id(&app, "manager").await;
    let admin = app.login_as(Role::Admin).await;
    let res = admin
        .post(&format!("/admin/users/{id}/reset-password"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let res = b.post("/login/code", &[("code", &code(&secret, 0))]).await;
    assert!(location(&res).starts_with("/login"), "{}", location(&res));
    assert_ne!(location(&res), "/login/code");
    assert!(
        location(&b.get("/").await).starts_with("/login"),
        "not signed in"
    );
}

#[tokio::test]
async fn the_code_page_without_a_right_password_goes_back_to_sign_in() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    let res = b.get("/login/code").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/login");
    let res = b.post("/login/code", &[("code", "123456")]).await;
    assert_eq!(location(&res), "/login");
    assert_eq!(b.get("/").await.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn kefu_reset_user_lets_a_locked_out_admin_back_in_from_the_server() {
    fresh_step().await;
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    turn_on(&admin).await;
    let reset = |username: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_kefu"))
            .args(["reset-user", username])
            .env("DATABASE_URL", &app.db_url)
            .env("SESSION_KEY", SESSION_KEY)
            .output()
            .unwrap()
    };

    // The phone is lost and the password forgotten (guessed at until the
    // account locked); nobody else administers.
    let guesser = app.browser();
    for _ in 0..kefu::auth::throttle::ACCOUNT_LIMIT {
        guesser.login("admin", "forgotten").await;
    }
    assert_eq!(
        guesser.login("admin", PASSWORD).await.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "locked"
    );
    let out = reset(" Admin ");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    let otp = stdout
        .lines()
        .next()
        .and_then(|l| l.strip_prefix("admin: one-time password "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap_or_else(|| panic!("no password in {stdout}"))
        .to_owned();

    // Their session elsewhere is over; the old password no longer signs in.
    let res = admin.get("/").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "signed out");
    assert!(location(&res).starts_with("/login"));
    let other = app.browser();
    let res = other.login("admin", PASSWORD).await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "old password refused"
    );
    // The one-time password signs in without a code and asks for a new one.
    let res = other.login("admin", &otp).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), "/account/password");
    let enabled: Option<chrono::DateTime<chrono::Utc>> = users::table
        .filter(users::username.eq("admin"))
        .select(users::totp_enabled_at)
        .first(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(enabled, None, "the second factor is off");
    // Both resets are in the audit log, from the command line.
    let from_cli: Vec<String> = audit_log::table
        .filter(audit_log::ip.eq("cli"))
        .filter(audit_log::action.like("user.%_reset"))
        .select(audit_log::action)
        .order(audit_log::id)
        .load(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(from_cli, ["user.password_reset", "user.totp_reset"]);

    // No such account: an error, nothing written.
    let out = reset("nobody");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("no account nobody"));
}
