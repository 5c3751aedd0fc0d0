//! Language negotiation and the catalogs.
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::i18n::Locale;
use kefu::schema::users;
use reqwest::{header, StatusCode};

use crate::helpers::*;

#[tokio::test]
async fn chinese_is_the_default_and_accept_language_can_ask_for_english() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    let (_, zh) = b.page("/login").await;
    assert_eq!(text_of(&zh, "h1").unwrap(), "登录");
    assert!(zh.contains(r#"<html lang="zh-CN">"#));

    let en = b
        .client
        .get(b.url("/login"))
        .header(header::ACCEPT_LANGUAGE, "en-GB,en;q=0.9")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(text_of(&en, "h1").unwrap(), "Sign in");
    assert!(en.contains(r#"<html lang="en">"#));
}

#[tokio::test]
async fn the_language_switch_keeps_the_page_and_its_query_and_stays_on_the_site() {
    let app = TestApp::spawn().await;
    let b = app.browser();
    // From a mailed link's sign-in page: the way back to the request survives.
    let (_, page) = b.page("/login?next=%2Fapprovals%2F5&lang=zh-CN").await;
    assert_eq!(
        attr_of(&page, "a.lang", "href").unwrap(),
        "/login?next=%2Fapprovals%2F5&lang=en"
    );
    // A path that would read as another site's address leads home instead.
    let res = b.get("//evil.example").await;
    let body = res.text().await.unwrap();
    let href = attr_of(&body, "a.lang", "href").unwrap();
    assert!(
        href.starts_with("/?") || href.starts_with("/login"),
        "{href}"
    );
    assert!(!href.starts_with("//"), "{href}");
}

/// A form sent back with its messages is shown at its action's address, which
/// answers only POST: the switch reloads the page the form was on.
#[tokio::test]
async fn the_language_switch_of_a_refused_form_leads_to_the_forms_page() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::Employee).await;
    let once = b.form_token("/leave/new").await;
    let csrf = b.csrf().await;
    let res = b
        .client
        .post(b.url("/leave/new"))
        .header(header::REFERER, b.url("/leave/new?lang=zh-CN&kind=sick"))
        .form(&[("csrf_token", csrf.as_str()), ("form_token", once.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    let href = attr_of(&body, "a.lang", "href").unwrap();
    assert_eq!(href, "/leave/new?kind=sick&lang=en");
    let (status, page) = b.page(&href).await;
    assert_eq!(status, StatusCode::OK);
    assert!(page.contains(r#"<html lang="en">"#));
}

#[tokio::test]
async fn the_lang_parameter_switches_and_is_remembered_in_a_cookie() {
    let app = TestApp::spawn().await;
    let b = app.browser();

    let res = b.get("/login?lang=en").await;

    let cookie = res.headers()[header::SET_COOKIE]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("kefu_lang=en"), "{cookie}");
    assert_eq!(
        text_of(&res.text().await.unwrap(), "h1").unwrap(),
        "Sign in"
    );
    let later = b
        .client
        .get(b.url("/login"))
        .header(header::ACCEPT_LANGUAGE, "zh-CN")
        .send()
        .await
        .unwrap();
    assert_eq!(
        text_of(&later.text().await.unwrap(), "h1").unwrap(),
        "Sign in",
        "the cookie beats Accept-Language"
    );
    let (_, back) = b.page("/login?lang=zh-CN").await;
    assert_eq!(text_of(&back, "h1").unwrap(), "登录");
}

#[tokio::test]
async fn a_switch_from_another_site_shows_the_language_but_saves_nothing() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CsSupervisor).await;
    let saved = async || -> String {
        let mut conn = app.db().await;
        users::table
            .filter(users::username.eq("supervisor"))
            .select(users::locale)
            .first(&mut conn)
            .await
            .unwrap()
    };

    // An image on another site's page, say.
    let res = b
        .client
        .get(b.url("/?lang=en"))
        .header("sec-fetch-site", "cross-site")
        .send()
        .await
        .unwrap();

    assert!(res.headers().get(header::SET_COOKIE).is_none());
    assert_eq!(
        text_of(&res.text().await.unwrap(), "h1").unwrap(),
        "Hello, 客服主管 李强",
        "shown as asked"
    );
    assert_eq!(saved().await, "zh-CN");
    let (_, home) = b.page("/").await;
    assert_eq!(text_of(&home, "h1").unwrap(), "您好，客服主管 李强");

    // The switch on kefu's own page.
    b.client
        .get(b.url("/?lang=en"))
        .header("sec-fetch-site", "same-origin")
        .send()
        .await
        .unwrap();
    assert_eq!(saved().await, "en");
}

#[tokio::test]
async fn a_signed_in_users_choice_is_saved_as_their_setting() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CsSupervisor).await;

    let (_, en) = b.page("/?lang=en").await;

    assert_eq!(text_of(&en, "h1").unwrap(), "Hello, 客服主管 李强");
    assert!(en.contains("Approve leave"));
    let mut conn = app.db().await;
    let saved: String = users::table
        .filter(users::username.eq("supervisor"))
        .select(users::locale)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(saved, "en");
    // On another browser, with a Chinese Accept-Language, the setting wins.
    let other = app.browser();
    other.login("supervisor", PASSWORD).await;
    let home = other
        .client
        .get(other.url("/"))
        .header(header::ACCEPT_LANGUAGE, "zh-CN")
        .send()
        .await
        .unwrap();
    assert_eq!(home.status(), StatusCode::OK);
    assert_eq!(
        text_of(&home.text().await.unwrap(), "h1").unwrap(),
        "Hello, 客服主管 李强"
    );
}

/// Every `t("…")` key the templates and code use exists in both catalogs.
#[test]
fn every_key_used_is_in_the_catalogs() {
    let root = env!("CARGO_MANIFEST_DIR");
    let mut used = Vec::new();
    let mut stack = vec![
        std::path::PathBuf::from(root).join("templates"),
        std::path::PathBuf::from(root).join("src"),
    ];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            for pat in [".t(\"", ".tf(\"", ".t1(\"", ".t2(\"", ".add(\""] {
                let mut rest = text.as_str();
                while let Some(i) = rest.find(pat) {
                    rest = &rest[i + pat.len()..];
                    let key: String = rest.chars().take_while(|c| *c != '"').collect();
                    if key.contains('.') && !key.contains(' ') && !key.contains('{') {
                        used.push((path.display().to_string(), key));
                    }
                }
            }
        }
    }
    assert!(used.len() > 50, "the scan found the keys ({})", used.len());
    for loc in kefu::i18n::ALL {
        let keys = kefu::i18n::keys(loc);
        let missing: Vec<_> = used
            .iter()
            .filter(|(_, k)| !keys.contains(&k.as_str()))
            .collect();
        assert!(missing.is_empty(), "{} lacks {missing:?}", loc.code());
    }
    for kind in kefu::approvals::KINDS {
        for loc in kefu::i18n::ALL {
            assert!(
                kefu::i18n::keys(loc).contains(&kind.name_key),
                "{}",
                kind.code
            );
        }
    }
    for role in Role::ALL {
        for loc in kefu::i18n::ALL {
            assert!(kefu::i18n::keys(loc).contains(&role.name_key().as_str()));
            assert!(kefu::i18n::keys(loc).contains(&role.duties_key().as_str()));
        }
    }
    assert_eq!(Locale::En.t("auth.title"), "Sign in");
}

/// What the English reader of a few pages found wrong: a print that numbered
/// its pages in Chinese, "1 matching clauses", a link to a page the reader may
/// not open and a "back to my leave" under someone else's leave.
#[tokio::test]
async fn english_pages_read_as_english() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let (_, print) = employee.page("/handbook/print?lang=en").await;
    assert!(
        print.contains(r#"<html lang="en">"#),
        "the print's language"
    );
    let (_, found) = employee.page("/handbook/search?q=信报箱").await;
    assert_eq!(
        text_of(&found, "#hit-count").as_deref(),
        Some("1 matching clause.")
    );

    let leave = crate::approvals::file_leave(&employee).await;
    let manager = app.login_as(Role::CenterManager).await;
    let (_, page) = manager.page(&format!("/leave/{leave}?lang=en")).await;
    let links = texts_of(&page, "p.links a");
    assert_eq!(links, vec!["Approval", "Leave register"], "{links:?}");
    let href = {
        let doc = scraper::Html::parse_document(&page);
        let sel = scraper::Selector::parse(r#"p.links a"#).unwrap();
        let a = doc.select(&sel).next().unwrap();
        a.value().attr("href").unwrap().to_owned()
    };
    assert_eq!(manager.get(&href).await.status(), StatusCode::OK);
}

/// When the database cannot be reached the answer is still the site's own
/// error page, in the reader's language with the request id to quote, not a
/// bare English status line (here the failure is the language switch's save,
/// which runs before any page's handler).
#[tokio::test]
async fn a_database_outage_is_answered_with_the_sites_error_page() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let db = app.db_url.rsplit('/').next().unwrap().to_owned();
    let mut server = admin_conn().await;
    server
        .batch_execute(&format!(
            "ALTER DATABASE \"{db}\" ALLOW_CONNECTIONS false; \
             SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = '{db}' AND pid <> pg_backend_pid()"
        ))
        .await
        .unwrap();

    let res = employee.get("/?lang=en").await;
    let (status, kind) = (
        res.status(),
        res.headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned(),
    );
    let headers = res.headers().clone();
    let body = res.text().await.unwrap();
    server
        .batch_execute(&format!("ALTER DATABASE \"{db}\" ALLOW_CONNECTIONS true"))
        .await
        .unwrap();

    assert!(status.is_server_error(), "{status}");
    assert!(kind.starts_with("text/html"), "{status} {kind}: {body}");
    let title = Locale::ZhCn.t(if status == StatusCode::SERVICE_UNAVAILABLE {
        "error.503.title"
    } else {
        "error.500.title"
    });
    assert!(text_of(&body, "h1").unwrap().starts_with(title), "{body}");
    assert!(body.contains(Locale::ZhCn.t("error.request_id")), "{body}");
    // The page keeps the headers every page has, though it answers for a layer
    // that failed before them.
    assert_eq!(headers[header::X_FRAME_OPTIONS], "DENY", "{headers:?}");
    assert!(headers.contains_key(header::CONTENT_SECURITY_POLICY));
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    let id = headers["x-request-id"].to_str().unwrap();
    assert!(id.len() == 36 && body.contains(id), "{id}");
}
