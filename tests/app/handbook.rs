//! The handbook: the seed as version 1, import, search, versions and the diff,
//! acknowledgement (签收), rights, and the printed edition.
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::schema::{
    approval_requests, approval_tasks, handbook_acknowledgements as acks,
    handbook_clauses as clauses, handbook_documents as documents, handbook_versions as versions,
};
use reqwest::StatusCode;

use crate::approvals::mail_of;
use crate::helpers::*;
use crate::mail::worker;
use crate::smtp::SmtpServer;

/// The site's day, as the publication form takes an effective date.
static TODAY: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| crate::approvals::today().to_string());

async fn doc_id(app: &TestApp, source_key: &str) -> i64 {
    let mut conn = app.db().await;
    documents::table
        .filter(documents::source_key.eq(source_key))
        .select(documents::id)
        .first(&mut conn)
        .await
        .unwrap()
}

/// The id of document `doc`'s draft.
async fn draft_id(app: &TestApp, doc: i64) -> i64 {
    versions::table
        .filter(versions::document_id.eq(doc))
        .filter(versions::status.eq("draft"))
        .select(versions::id)
        .first(&mut app.db().await)
        .await
        .unwrap()
}

/// The id and text of the clause at `anchor` in document `doc`'s draft.
async fn draft_clause(app: &TestApp, doc: i64, anchor: &str) -> (i64, String) {
    clauses::table
        .inner_join(versions::table)
        .filter(versions::document_id.eq(doc))
        .filter(versions::status.eq("draft"))
        .filter(clauses::anchor.eq(anchor))
        .select((clauses::id, clauses::body))
        .first(&mut app.db().await)
        .await
        .unwrap()
}

/// The id of document `id`'s version `number`.
async fn version_id(app: &TestApp, id: i64, number: i32) -> i64 {
    versions::table
        .filter(versions::document_id.eq(id))
        .filter(versions::number.eq(number))
        .select(versions::id)
        .first(&mut app.db().await)
        .await
        .unwrap()
}

async fn version_count(app: &TestApp) -> i64 {
    let mut conn = app.db().await;
    versions::table.count().get_result(&mut conn).await.unwrap()
}

#[tokio::test]
async fn a_fresh_install_shows_the_seed_as_published_version_1() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;

    let (status, index) = employee.page("/handbook").await;

    assert_eq!(status, StatusCode::OK);
    let titles = texts_of(&index, ".hb-doc h2");
    assert_eq!(
        titles,
        [
            "物业中心客服部规章制度之相关制度和职责",
            "客服规章制度（残篇，编号不详）",
            "营销部客服"
        ]
    );
    let toc = texts_of(&index, ".hb-doc:first-child .hb-toc li");
    assert_eq!(
        toc,
        [
            "钥匙管理规定",
            "住户档案管理规定",
            "办公环境管理规定",
            "接待来访客户管理规定",
            "会议制度管理规定"
        ]
    );
    let mut conn = app.db().await;
    let published: Vec<(Option<i32>, String)> = versions::table
        .select((versions::number, versions::status))
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(published.len(), 3);
    assert!(published
        .iter()
        .all(|(n, s)| *n == Some(1) && s == "published"));

    let id = doc_id(&app, "客服规章制度1").await;
    // The version the import published says so in each reader's language.
    let (_, en) = employee.page(&format!("/handbook/{id}?lang=en")).await;
    assert!(
        text_of(&en, ".hb-meta")
            .unwrap()
            .contains("Change note: Imported"),
        "{:?}",
        text_of(&en, ".hb-meta")
    );
    let (_, page) = employee.page(&format!("/handbook/{id}?lang=zh-CN")).await;
    assert!(text_of(&page, ".hb-meta").unwrap().contains("导入"));
    // 钥匙管理规定 → 2、钥匙保管 → (2)标识 → ③, with a stable anchor and a link.
    assert_eq!(
        text_of(&page, "#c1-2 .hb-text").unwrap(),
        "2、钥匙保管",
        "{page}"
    );
    assert_eq!(text_of(&page, "#c1-2-2 .hb-text").unwrap(), "(2)标识");
    assert!(text_of(&page, "#c1-2-2-3 .hb-text")
        .unwrap()
        .starts_with("③客户的钥匙一般分为"));
    assert!(page.contains(&format!("/handbook/{id}#c1-2-2-3")));
    assert!(page.contains(r#"data-cite="钥匙管理规定 2(2)③""#));
    // Debris gone, the cut shown.
    assert!(page.contains("将各业主的档案袋按栋号"));
    assert!(page.contains("专题会议(会议日期视项目而定)"));
    for debris in ["jihtu", "精品15篇", "的`档案", "此处隐藏", "小编"] {
        assert!(!page.contains(debris), "{debris}");
    }
    assert_eq!(text_of(&page, ".hb-gap").unwrap(), "原文此处缺失");
    // The mark is kefu's, not the department's text: it reads in English too.
    assert_eq!(text_of(&en, ".hb-gap").unwrap(), "Missing in the source");
}

#[tokio::test]
async fn re_importing_the_same_text_creates_nothing_and_a_change_becomes_a_draft() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let before = version_count(&app).await;

    let res = admin
        .post(
            "/handbook/import",
            &[("title", ""), ("text", kefu::handbook::SEED_TEXT)],
        )
        .await;

    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, index) = admin.page("/handbook").await;
    assert!(
        index.contains("新增 0 份，更新草稿 0 份，未变 3 份"),
        "{index}"
    );
    assert_eq!(version_count(&app).await, before);

    let changed = kefu::handbook::SEED_TEXT.replace("违者罚款10元", "违者罚款20元");
    admin
        .post("/handbook/import", &[("title", ""), ("text", &changed)])
        .await;
    admin
        .post("/handbook/import", &[("title", ""), ("text", &changed)])
        .await;

    assert_eq!(version_count(&app).await, before + 1, "one draft, once");
    let mut conn = app.db().await;
    let drafts: Vec<i64> = versions::table
        .filter(versions::status.eq("draft"))
        .select(versions::document_id)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(drafts, [doc_id(&app, "客服规章制度1").await]);
    let (_, index) = admin.page("/handbook").await;
    assert!(text_of(&index, "#drafts-h").is_some(), "drafts listed");

    // Imported again with another change: the import's own draft follows it.
    let twice = changed.replace("违者罚款20元", "违者罚款30元");
    admin
        .post("/handbook/import", &[("title", ""), ("text", &twice)])
        .await;
    let (_, index) = admin.page("/handbook").await;
    assert!(index.contains("更新草稿 1 份"), "{index}");
    let id = doc_id(&app, "客服规章制度1").await;
    let (_, draft) = admin.page(&format!("/handbook/{id}/draft")).await;
    assert!(draft.contains("违者罚款30元"));

    // Once someone edits that draft, it is their revision: an import leaves
    // it as they made it, and says so.
    let (clause_id, body) = draft_clause(&app, id, "4-3").await;
    let res = admin
        .post(
            &format!("/handbook/{id}/draft/clauses/{clause_id}"),
            &[("body", &body.replace("违者罚款30元", "违者罚款50元"))],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    admin
        .post("/handbook/import", &[("title", ""), ("text", &changed)])
        .await;
    let (_, index) = admin.page("/handbook").await;
    assert!(index.contains("保留修订中的草稿 1 份"), "{index}");
    let (_, draft) = admin.page(&format!("/handbook/{id}/draft")).await;
    assert!(draft.contains("违者罚款50元") && !draft.contains("违者罚款20元"));
}

#[tokio::test]
async fn the_same_text_imported_twice_at_once_makes_one_document_and_no_error() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let before = version_count(&app).await;
    let form = [
        ("title", "考勤制度"),
        ("text", "1、按时上班。\n2、不迟到早退。"),
    ];

    let (a, b) = tokio::join!(
        admin.post("/handbook/import", &form),
        admin.post("/handbook/import", &form),
    );

    assert_eq!(a.status(), StatusCode::SEE_OTHER);
    assert_eq!(b.status(), StatusCode::SEE_OTHER);
    assert_eq!(version_count(&app).await, before + 1, "one new document");
    let (_, index) = admin.page("/handbook").await;
    assert!(
        index.contains("新增 1 份，更新草稿 0 份，未变 0 份")
            || index.contains("新增 0 份，更新草稿 0 份，未变 1 份"),
        "{index}"
    );
}

#[tokio::test]
async fn an_import_without_a_title_or_text_is_refused_with_messages() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;

    let res = admin
        .post(
            "/handbook/import",
            &[("title", ""), ("text", "1、按时上班。")],
        )
        .await;

    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(text_of(&body, "#e-title").unwrap(), "请填写标题。");
    assert_eq!(text_of(&body, "#f-text").unwrap(), "1、按时上班。", "kept");

    // A document named by too long a number: a message, not a database error.
    let long = format!("客服规章制度{}\n1、按时上班。", "9".repeat(200));
    let res = admin
        .post("/handbook/import", &[("title", ""), ("text", &long)])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        text_of(&body, ".error-summary").unwrap().contains("200"),
        "{body}"
    );

    // A document named twice: the second copy would replace the first unseen.
    let twice = "客服规章制度1\n1、甲\n客服规章制度1\n1、乙";
    let res = admin
        .post("/handbook/import", &[("title", ""), ("text", twice)])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        text_of(&body, "#e-text")
            .unwrap()
            .contains("“客服规章制度1”出现了两次"),
        "{body}"
    );
    assert_eq!(text_of(&body, "#f-text").unwrap(), twice, "kept");

    let res = admin
        .post(
            "/handbook/import",
            &[
                ("title", "考勤制度"),
                ("text", "1、按时上班。\n2、不\0早退。"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mut conn = app.db().await;
    let n: i64 = documents::table
        .filter(documents::source_key.eq("考勤制度"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn search_finds_key_and_archive_destruction_clauses() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;

    let (status, keys) = employee.page("/handbook/search?q=钥匙").await;

    assert_eq!(status, StatusCode::OK);
    let cites = texts_of(&keys, ".hb-hit-cite");
    assert!(cites.len() >= 5, "{cites:?}");
    assert!(
        cites.contains(&"钥匙管理规定 2(2)③".to_owned()),
        "{cites:?}"
    );
    assert!(keys.contains("<mark>钥匙</mark>"));
    let id = doc_id(&app, "客服规章制度1").await;
    assert!(keys.contains(&format!("/handbook/{id}#c1-2-2-3")));

    let (_, archive) = employee
        .page("/handbook/search?q=%E6%A1%A3%E6%A1%88%E9%94%80%E6%AF%81")
        .await;
    let cites = texts_of(&archive, ".hb-hit-cite");
    assert_eq!(cites[0], "住户档案管理规定 6", "{cites:?}");
    assert!(archive.contains("<mark>档案销毁</mark>"));

    // Two words apart: the clauses holding both, each word marked.
    let (_, both) = employee.page("/handbook/search?q=钥匙%20标签").await;
    let cites = texts_of(&both, ".hb-hit-cite");
    assert!(
        cites.contains(&"钥匙管理规定 2(2)②".to_owned()),
        "{cites:?}"
    );
    assert!(!cites.contains(&"钥匙管理规定 1".to_owned()), "{cites:?}");
    assert!(both.contains("<mark>钥匙</mark>") && both.contains("<mark>标签</mark>"));

    // As a Chinese input method types it: full-width colon and brackets.
    let (_, clock) = employee.page("/handbook/search?q=8%EF%BC%9A00").await;
    assert!(clock.contains("<mark>8:00</mark>"), "{clock}");
    assert_eq!(texts_of(&clock, ".hb-hit-cite").len(), 1, "{clock}");
    // A clause by its citation, as registers and mails quote it.
    let (_, cited) = employee
        .page("/handbook/search?q=钥匙管理规定%20（2）②")
        .await;
    let cites = texts_of(&cited, ".hb-hit-cite");
    assert!(
        cites.contains(&"钥匙管理规定 2(2)②".to_owned()),
        "{cites:?}"
    );
    assert!(
        cites.iter().all(|c| c.starts_with("钥匙管理规定")),
        "{cites:?}"
    );

    let (_, none) = employee.page("/handbook/search?q=不存在的词语").await;
    assert_eq!(text_of(&none, "#hit-count").unwrap(), "找到 0 条相关条款。");
    let long = "钥".repeat(51);
    let (status, too_long) = employee.page(&format!("/handbook/search?q={long}")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(text_of(&too_long, "#e-q").unwrap(), "关键词最多 50 个字。");
    let (status, _) = employee.page("/handbook/search?q=%25_%5C'").await;
    assert_eq!(status, StatusCode::OK);
    // Under three characters the search has a statement of its own: a wildcard
    // typed there is a character too.
    // It matches regardless of case, as the longer one does.
    let (_, qq) = employee.page("/handbook/search?q=qq").await;
    assert!(qq.contains("<mark>QQ</mark>"), "{qq}");
    let (status, percent) = employee.page("/handbook/search?q=%25").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        text_of(&percent, "#hit-count").unwrap(),
        "找到 0 条相关条款。"
    );
}

/// A rule's name finds its clauses, though they do not say it (after those
/// that do); a search matching more than the page shows says so.
#[tokio::test]
async fn search_finds_a_rules_clauses_by_its_name_and_says_when_more_match() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;

    let (_, meetings) = employee.page("/handbook/search?q=会议制度").await;

    let cites = texts_of(&meetings, ".hb-hit-cite");
    assert!(cites.len() >= 5, "{cites:?}");
    assert!(
        cites.iter().all(|c| c.starts_with("会议制度管理规定")),
        "{cites:?}"
    );
    assert!(meetings.contains("› <mark>会议制度</mark>管理规定"));
    // With a word of its text: that rule's clauses holding it.
    let (_, morning) = employee.page("/handbook/search?q=会议制度%20晨会").await;
    let cites = texts_of(&morning, ".hb-hit-cite");
    assert!(!cites.is_empty());
    assert!(
        cites.iter().all(|c| c.starts_with("会议制度管理规定")),
        "{cites:?}"
    );
    assert!(morning.contains("<mark>晨会</mark>"));

    let (_, common) = employee.page("/handbook/search?q=的").await;
    assert_eq!(texts_of(&common, ".hb-hit-cite").len(), 50);
    assert_eq!(
        text_of(&common, "#hit-count").unwrap(),
        "相关条款较多，下面是最相关的 50 条；可再加一个关键词缩小范围。"
    );
}

/// Starts a draft of `id` and changes the clause at `anchor`, `from` to `to`.
async fn draft_with_change(
    app: &TestApp,
    admin: &Browser,
    id: i64,
    anchor: &str,
    (from, to): (&str, &str),
) {
    let res = admin.post(&format!("/handbook/{id}/draft"), &[]).await;
    assert_eq!(location(&res), format!("/handbook/{id}/draft"));
    let (clause_id, body) = draft_clause(app, id, anchor).await;
    let res = admin
        .post(
            &format!("/handbook/{id}/draft/clauses/{clause_id}"),
            &[("body", &body.replace(from, to))],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

/// Starts a draft of `id`, changes the clause at `anchor` and publishes it.
async fn revise(
    app: &TestApp,
    admin: &Browser,
    id: i64,
    anchor: &str,
    from: &str,
    to: &str,
    extra: &[(&str, &str)],
) {
    draft_with_change(app, admin, id, anchor, (from, to)).await;
    let mut fields = vec![
        ("effective_on", TODAY.as_str()),
        ("change_note", "罚款标准调整"),
    ];
    fields.extend_from_slice(extra);
    let res = admin
        .post(&format!("/handbook/{id}/publish"), &fields)
        .await;
    assert_eq!(
        location(&res),
        format!("/handbook/{id}/draft"),
        "sent for approval"
    );
    approve_publication(app).await;
}

/// Saves `text` under `title` as the draft of document `id`, sends it to
/// publish today with `note`, and has it approved.
async fn publish_text(
    app: &TestApp,
    admin: &Browser,
    id: i64,
    (title, text): (&str, &str),
    note: &str,
) {
    let res = admin
        .post(
            &format!("/handbook/{id}/draft/text"),
            &[("title", title), ("text", text)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let res = admin
        .post(
            &format!("/handbook/{id}/publish"),
            &[
                ("effective_on", &crate::approvals::today().to_string()),
                ("change_note", note),
            ],
        )
        .await;
    assert_eq!(location(&res), format!("/handbook/{id}/draft"));
    approve_publication(app).await;
}

/// The pending publication request, if any.
async fn pending_publication(app: &TestApp) -> Option<i64> {
    let mut conn = app.db().await;
    approval_requests::table
        .filter(approval_requests::kind.eq("handbook_publish"))
        .filter(approval_requests::status.eq("pending"))
        .select(approval_requests::id)
        .first(&mut conn)
        .await
        .optional()
        .unwrap()
}

/// The open task of a request (what the approver's decide form names).
async fn open_task(app: &TestApp, request: i64) -> String {
    let mut conn = app.db().await;
    let id: i64 = approval_tasks::table
        .filter(approval_tasks::request_id.eq(request))
        .filter(approval_tasks::status.eq("pending"))
        .select(approval_tasks::id)
        .first(&mut conn)
        .await
        .unwrap();
    id.to_string()
}

/// The service-centre manager decides the waiting publication from the site.
async fn decide_publication(app: &TestApp, request: i64, decision: &str) {
    let task = open_task(app, request).await;
    let manager = app.login_as(Role::CenterManager).await;
    let res = manager
        .post(
            &format!("/approvals/{request}/decide"),
            &[
                ("task_id", task.as_str()),
                ("decision", decision),
                ("comment", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

async fn approve_publication(app: &TestApp) {
    let request = pending_publication(app).await.expect("a publication waits");
    decide_publication(app, request, "approve").await;
}

/// No version is on record as in force before it could be read: its date is
/// today or later when asked, and the day of its approval when approved after
/// that date.
#[tokio::test]
async fn a_version_takes_effect_no_earlier_than_it_is_published() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = doc_id(&app, "客服规章制度1").await;
    draft_with_change(&app, &admin, id, "4-3", ("罚款10元", "罚款20元")).await;
    let today = crate::approvals::today();
    let yesterday = (today - chrono::Duration::days(1)).to_string();

    let res = admin
        .post(
            &format!("/handbook/{id}/publish"),
            &[
                ("effective_on", &yesterday),
                ("change_note", "罚款标准调整"),
            ],
        )
        .await;

    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-effective_on")
        .unwrap()
        .starts_with("生效日期不能早于今天"));
    assert_eq!(value_of(&body, "#f-effective_on").unwrap(), yesterday);
    assert_eq!(pending_publication(&app).await, None);

    // Asked for today, approved only after that day (the request's date set
    // back as if asked yesterday): in force from its approval.
    let res = admin
        .post(
            &format!("/handbook/{id}/publish"),
            &[
                ("effective_on", TODAY.as_str()),
                ("change_note", "罚款标准调整"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mut conn = app.db().await;
    diesel::update(kefu::schema::handbook_publications::table)
        .set(
            kefu::schema::handbook_publications::effective_on.eq(today - chrono::Duration::days(1)),
        )
        .execute(&mut conn)
        .await
        .unwrap();
    approve_publication(&app).await;
    let effective: Option<chrono::NaiveDate> = versions::table
        .filter(versions::document_id.eq(id))
        .filter(versions::number.eq(2))
        .select(versions::effective_on)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(effective, Some(today));
}

#[tokio::test]
async fn publishing_keeps_the_old_version_readable_and_the_diff_marks_the_change() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = doc_id(&app, "客服规章制度1").await;

    // A publication without a date or note is refused, the input kept.
    admin.post(&format!("/handbook/{id}/draft"), &[]).await;
    let res = admin
        .post(
            &format!("/handbook/{id}/publish"),
            &[
                ("effective_on", "2026-13-40"),
                ("change_note", ""),
                ("requires_ack", "on"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-effective_on").unwrap(),
        "请按 YYYY-MM-DD 填写生效日期，年份在 1900 至 2200 之间。"
    );
    assert_eq!(
        text_of(&body, "#e-change_note").unwrap(),
        "请填写修订说明。"
    );
    assert_eq!(
        text_of(&body, "#e-roles").unwrap(),
        "需要签收时请至少选择一个岗位。"
    );
    assert_eq!(value_of(&body, "#f-effective_on").unwrap(), "2026-13-40");

    revise(&app, &admin, id, "4-3", "罚款10元", "罚款20元", &[]).await;

    assert_eq!(
        admin.page(&format!("/handbook/{id}/v/2")).await.0,
        StatusCode::OK
    );
    let again = admin
        .post(
            &format!("/handbook/{id}/publish"),
            &[
                ("effective_on", TODAY.as_str()),
                ("change_note", "罚款标准调整"),
            ],
        )
        .await;
    assert_eq!(
        location(&again),
        format!("/handbook/{id}"),
        "a double click"
    );
    assert_eq!(version_count(&app).await, 3 + 1);
    let (_, current) = admin.page(&format!("/handbook/{id}")).await;
    assert!(text_of(&current, "#c4-3").unwrap().contains("罚款20元"));
    assert!(current.contains("第 2 版"));
    let (status, old) = admin.page(&format!("/handbook/{id}/v/1")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text_of(&old, "#c4-3").unwrap().contains("罚款10元"));
    assert!(old.contains("这是较早的版本"));
    let (_, diff) = admin
        .page(&format!("/handbook/{id}/diff?from=1&to=2"))
        .await;
    let changed = texts_of(&diff, ".diff-changed a");
    assert_eq!(changed, ["接待来访客户管理规定 3"]);
    assert!(diff.contains("罚款<del>1</del><ins>2</ins>0元"), "{diff}");
    let mut conn = app.db().await;
    let (effective, note): (Option<chrono::NaiveDate>, String) = versions::table
        .filter(versions::document_id.eq(id))
        .filter(versions::number.eq(2))
        .select((versions::effective_on, versions::change_note))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(effective.unwrap().to_string(), *TODAY);
    assert_eq!(note, "罚款标准调整");
    let (status, _) = admin.page(&format!("/handbook/{id}/v/9")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    // Published to take effect tomorrow: it says so, and leads to the version
    // in force until then; the print says so too.
    let tomorrow = crate::approvals::today() + chrono::Duration::days(1);
    diesel::update(versions::table.filter(versions::document_id.eq(id)))
        .filter(versions::number.eq(2))
        .set(versions::effective_on.eq(tomorrow))
        .execute(&mut conn)
        .await
        .unwrap();
    app.settle().await;
    // The document's page shows the version in force, and says a new one is
    // coming, with its date.
    let (_, current) = admin.page(&format!("/handbook/{id}")).await;
    assert!(text_of(&current, "#not-yet").is_none());
    assert!(current.contains("罚款10元"), "version 1's text");
    let coming = text_of(&current, "#upcoming").unwrap();
    assert!(coming.contains(&tomorrow.to_string()), "{coming}");
    assert_eq!(
        attr_of(&current, "#upcoming a", "href").unwrap(),
        format!("/handbook/{id}/v/2")
    );
    // The new version says it is not in force yet and leads back.
    let (_, ahead) = admin.page(&format!("/handbook/{id}/v/2")).await;
    let note = text_of(&ahead, "#not-yet").unwrap();
    assert!(
        note.contains(&tomorrow.to_string()) && note.contains("尚未生效"),
        "{note}"
    );
    assert_eq!(
        attr_of(&ahead, "#not-yet a", "href").unwrap(),
        format!("/handbook/{id}/v/1")
    );
    let (_, paper) = admin.page(&format!("/handbook/{id}/print?v=2")).await;
    assert!(text_of(&paper, ".not-yet").unwrap().contains("尚未生效"));
    // A version that is no number, or none, is not found, as on its page.
    for v in ["abc", "9", "2.5"] {
        let path = format!("/handbook/{id}/print?v={v}");
        assert_eq!(admin.page(&path).await.0, StatusCode::NOT_FOUND, "{path}");
    }
    // Search and the printed book follow the version in force.
    let (_, found) = admin.page("/handbook/search?q=罚款20元").await;
    assert!(texts_of(&found, ".hb-hits li").is_empty(), "{found}");
    let (_, book) = admin.page("/handbook/print").await;
    assert!(book.contains("罚款10元") && !book.contains("罚款20元"));
}

#[tokio::test]
async fn those_asked_to_acknowledge_are_mailed_once_then_reminded_daily_until_they_do() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    crate::approvals::set_locale(&app, username(Role::CsSupervisor), "en").await;
    let admin = app.login_as(Role::Admin).await;
    let id = doc_id(&app, "客服规章制度1").await;
    revise(
        &app,
        &admin,
        id,
        "1-2-1-1",
        "私人名义",
        "任何名义",
        &[
            ("requires_ack", "on"),
            ("roles", "cs_specialist"),
            ("roles", "cs_supervisor"),
        ],
    )
    .await;
    let mut conn = app.db().await;
    let version_id = version_id(&app, id, 2).await;
    let asked = |role: Role| {
        smtp.to(&mail_of(role))
            .into_iter()
            .filter(|m| m.subject.contains("签收") || m.subject.contains("acknowledge"))
            .collect::<Vec<_>>()
    };
    let job = async |conn: &mut diesel_async::AsyncPgConnection, at| {
        kefu::handbook::reminders::run(conn, at, &app.config)
            .await
            .unwrap();
        worker(&app).drain().await.unwrap();
    };

    // Within the hour of publishing, each post asked gets one mail, in their language.
    let now = chrono::Utc::now();
    job(&mut conn, now).await;
    job(&mut conn, now).await;
    let first = asked(Role::CsSpecialist);
    assert_eq!(first.len(), 1);
    assert!(first[0].subject.starts_with("[请签收规章制度]"));
    assert!(first[0]
        .subject
        .contains("物业中心客服部规章制度之相关制度和职责"));
    assert!(first[0].text.contains("第 2 版"));
    assert!(first[0].text.contains(&format!("/handbook/{id}/v/2")));
    let english = asked(Role::CsSupervisor);
    assert_eq!(english.len(), 1);
    assert!(english[0]
        .subject
        .starts_with("[Please acknowledge the rules]"));
    assert!(english[0].text.contains("version 2"));
    assert!(asked(Role::Employee).is_empty(), "not asked");

    // The specialist acknowledges; the next day only the supervisor is reminded,
    // once however often the job runs, and again the day after.
    let specialist = app.login_as(Role::CsSpecialist).await;
    let res = specialist
        .post(&format!("/handbook/acks/{version_id}"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let tomorrow = now + chrono::Duration::days(1);
    job(&mut conn, tomorrow).await;
    job(&mut conn, tomorrow).await;
    assert_eq!(
        asked(Role::CsSpecialist).len(),
        1,
        "acknowledged: no reminder"
    );
    let reminders: Vec<_> = asked(Role::CsSupervisor)
        .into_iter()
        .filter(|m| m.subject.starts_with("[Reminder"))
        .collect();
    assert_eq!(reminders.len(), 1);
    assert!(reminders[0].text.contains(&format!("/handbook/{id}/v/2")));
    job(&mut conn, tomorrow + chrono::Duration::days(1)).await;
    assert_eq!(asked(Role::CsSupervisor).len(), 3);
}

#[tokio::test]
async fn an_acknowledgement_round_asks_until_confirmed_and_the_report_shows_who() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = doc_id(&app, "客服规章制度1").await;
    revise(
        &app,
        &admin,
        id,
        "1-2-1-1",
        "私人名义",
        "任何名义",
        &[("requires_ack", "on"), ("roles", "cs_specialist")],
    )
    .await;
    let mut conn = app.db().await;
    let version_id = version_id(&app, id, 2).await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let employee = app.login_as(Role::Employee).await;

    let (_, before) = specialist.page("/").await;
    let (_, not_concerned) = employee.page("/handbook").await;

    assert!(text_of(&before, ".ack-banner")
        .unwrap()
        .contains("物业中心客服部规章制度之相关制度和职责"));
    let (_, elsewhere) = specialist.page("/account/password").await;
    assert!(
        text_of(&elsewhere, ".ack-banner").is_some(),
        "on every page"
    );
    assert!(text_of(&not_concerned, ".ack-banner").is_none());
    let res = employee
        .post(&format!("/handbook/acks/{version_id}"), &[])
        .await;
    assert_eq!(
        res.status(),
        StatusCode::FORBIDDEN,
        "not asked, cannot sign"
    );

    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (_, report) = supervisor
        .page(&format!("/handbook/acks/{version_id}"))
        .await;
    assert_eq!(
        texts_of(&report, "tr.ack-no td:first-child"),
        ["客服专员 陈静"]
    );
    // On paper, everyone concerned, with a column to sign by hand.
    let print = attr_of(&report, "#ack-print", "href").unwrap();
    let (status, paper) = supervisor.page(&print).await;
    assert_eq!(status, StatusCode::OK);
    assert!(paper.contains("规章制度签收表"));
    assert!(text_of(&paper, "#ack-paper-head")
        .unwrap()
        .contains("第 2 版"));
    assert_eq!(
        texts_of(&paper, "#ack-paper tbody tr"),
        ["1客服专员 陈静未签收"]
    );
    assert_eq!(texts_of(&paper, "#ack-paper td.sign-cell").len(), 1);
    let (_, english) = supervisor.page(&format!("{print}?lang=en")).await;
    assert_eq!(
        text_of(&english, "h1").as_deref(),
        Some("Rule book acknowledgement sheet")
    );
    assert!(text_of(&english, "#ack-paper-head")
        .unwrap()
        .contains("Version 2"));
    assert_eq!(
        texts_of(&english, "#ack-paper tbody tr"),
        ["1客服专员 陈静Not yet"]
    );
    supervisor.page("/?lang=zh-CN").await;
    assert_eq!(
        attr_of(&paper, "#paper-back", "href").as_deref(),
        Some(format!("/handbook/acks/{version_id}").as_str())
    );
    assert_eq!(specialist.page(&print).await.0, StatusCode::FORBIDDEN);
    // The morning sheet reminds the supervisor who follows it, not the keeper.
    let (_, sheet) = supervisor.page("/meetings/morning").await;
    let line = text_of(&sheet, "#sheet-acks li").unwrap();
    assert!(
        line.contains("第 2 版") && line.ends_with("已签收 0 / 1 人"),
        "{line}"
    );
    assert!(sheet.contains(&format!(r#"href="/handbook/acks/{version_id}""#)));
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let (_, sheet) = keeper.page("/meetings/morning").await;
    assert!(text_of(&sheet, "#sheet-acks").is_none());

    let res = specialist
        .post(&format!("/handbook/acks/{version_id}"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    specialist
        .post(&format!("/handbook/acks/{version_id}"), &[])
        .await;

    for path in ["/", "/handbook", "/account/password"] {
        let (_, after) = specialist.page(path).await;
        assert!(text_of(&after, ".ack-banner").is_none(), "{path}");
    }
    let n: i64 = acks::table
        .filter(acks::version_id.eq(version_id))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 1, "a second click records nothing more");
    let (_, report) = supervisor
        .page(&format!("/handbook/acks/{version_id}"))
        .await;
    assert!(texts_of(&report, "tr.ack-no").is_empty());
    let (_, sheet) = supervisor.page("/meetings/morning").await;
    assert!(text_of(&sheet, "#sheet-acks li").is_none(), "all confirmed");
    assert_eq!(
        texts_of(&report, "tr.ack-yes td:first-child"),
        ["客服专员 陈静"]
    );
    assert!(text_of(&report, "#ack-summary").unwrap().contains("1 / 1"));
    let res = supervisor
        .get(&format!("/handbook/acks/{version_id}.csv"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    // Saved under the report's name, with the document and its version.
    assert_eq!(
        saved_as(&res),
        (
            "签收情况 物业中心客服部规章制度之相关制度和职责 第 2 版.csv".to_owned(),
            format!("acknowledgements-{id}-v2.csv")
        )
    );
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.trim_end().lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(lines[1].starts_with("\"specialist\",\"客服专员 陈静\",\"已签收\",\"20"));
    let res = supervisor
        .get(&format!("/handbook/acks/{version_id}.xlsx"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.bytes().await.unwrap().starts_with(b"PK"));
    assert!(report.contains(&format!(r#"href="/handbook/acks/{version_id}.xlsx""#)));
    let res = supervisor
        .get(&format!("/handbook/acks/{version_id}.pdf"))
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let (status, _) = employee.page("/handbook/acks").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn an_employee_cannot_import_edit_or_publish() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let id = doc_id(&app, "客服规章制度1").await;
    let before = version_count(&app).await;

    let (status, _) = employee.page("/handbook/import").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    for (path, fields) in [
        (
            "/handbook/import".to_owned(),
            vec![("title", "x"), ("text", "1、新规定。")],
        ),
        (format!("/handbook/{id}/draft"), vec![]),
        (
            format!("/handbook/{id}/publish"),
            vec![("effective_on", TODAY.as_str()), ("change_note", "x")],
        ),
        (format!("/handbook/{id}/draft/text"), vec![("text", "1、x")]),
    ] {
        let res = employee.post(&path, &fields).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
    }

    assert_eq!(version_count(&app).await, before);
    let (_, page) = employee.page(&format!("/handbook/{id}")).await;
    assert!(!page.contains("开始修订"));
    let (status, _) = app.browser().page("/handbook").await;
    assert_eq!(status, StatusCode::SEE_OTHER, "signed-in users only");
}

/// Runs a tool off the runtime's thread, so the test server keeps serving (Chromium
/// fetches the stylesheet from it).
async fn run(program: &str, args: &[&str]) -> String {
    let program = program.to_owned();
    let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        run_blocking(&program, &args)
    })
    .await
    .unwrap()
}

/// Runs a tool the print test needs; a missing tool fails the test with a clear message.
fn run_blocking(program: &str, args: &[&str]) -> String {
    let out = std::process::Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| {
            panic!(
                "cannot run {program} ({e}): the print test needs chromium and poppler-utils \
                 (apt-get install chromium poppler-utils fonts-noto-cjk)"
            )
        });
    assert!(
        out.status.success(),
        "{program} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test]
async fn a_document_prints_to_a_numbered_a4_pdf_with_cover_and_controlled_copy_line() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = doc_id(&app, "客服规章制度1").await;

    let (status, html) = admin.page(&format!("/handbook/{id}/print")).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        text_of(&html, ".cover h1").unwrap(),
        "物业中心客服部规章制度之相关制度和职责"
    );
    assert!(text_of(&html, ".cover-version")
        .unwrap()
        .starts_with("第 1 版 · "));
    assert!(text_of(&html, ".running-head")
        .unwrap()
        .starts_with("物业中心客服部规章制度之相关制度和职责 · 第 1 版"));
    assert!(text_of(&html, ".running-foot")
        .unwrap()
        .contains("打印人：系统管理员 周敏"));
    assert_eq!(texts_of(&html, "table.print-doc").len(), 1);
    assert_eq!(
        texts_of(&html, ".print-chapter").len(),
        5,
        "each chapter apart"
    );
    // One chapter alone, named on the cover above its document.
    let (status, chapter) = admin.page(&format!("/handbook/{id}/print?s=2")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text_of(&chapter, ".cover h1").unwrap(), "住户档案管理规定");
    assert!(text_of(&chapter, ".cover-version")
        .unwrap()
        .starts_with("物业中心客服部规章制度之相关制度和职责 · 第 1 版 · "));
    assert_eq!(
        texts_of(&chapter, ".print-chapter h2"),
        ["住户档案管理规定"]
    );
    for bad in ["99", "x", "-1"] {
        let (status, _) = admin.page(&format!("/handbook/{id}/print?s={bad}")).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{bad}");
    }
    let (status, book) = admin.page("/handbook/print").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(texts_of(&book, "table.print-doc").len(), 3);

    let dir = std::env::temp_dir().join(format!("kefu-print-{}", uuid::Uuid::new_v4().simple()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("doc.html");
    std::fs::write(
        &file,
        html.replace("\"/static/", &format!("\"{}/static/", app.addr)),
    )
    .unwrap();
    let pdf = dir.join("doc.pdf");
    let profile = dir.join("profile");
    run(
        "/usr/bin/chromium",
        &[
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            &format!("--user-data-dir={}", profile.display()),
            "--no-pdf-header-footer",
            &format!("--print-to-pdf={}", pdf.display()),
            file.to_str().unwrap(),
        ],
    )
    .await;
    let info = run("pdfinfo", &[pdf.to_str().unwrap()]).await;
    let pages: usize = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .map(|p| p.trim().parse().unwrap())
        .expect("pdfinfo tells the page count");
    assert!(info.contains("(A4)"), "A4: {info}");
    // Cover, contents, and the document's five rules over several pages.
    assert!((4..=12).contains(&pages), "{pages} pages");
    let first = run(
        "pdftotext",
        &["-f", "1", "-l", "1", "-layout", pdf.to_str().unwrap(), "-"],
    )
    .await;
    assert!(first.contains("物业服务中心"), "{first}");
    assert!(first.contains("物业中心客服部规章制度之相关制度和职责"));
    // pdftotext drops the spaces between CJK characters.
    let compact: String = first.split_whitespace().collect();
    assert!(compact.contains(&format!("第1页/共{pages}页")), "{first}");
    let third = run(
        "pdftotext",
        &["-f", "3", "-l", "3", "-layout", pdf.to_str().unwrap(), "-"],
    )
    .await;
    let third: String = third.split_whitespace().collect();
    assert!(
        third.contains("物业中心客服部规章制度之相关制度和职责·第1版"),
        "running header: {third}"
    );
    assert!(third.contains(&format!("第3页/共{pages}页")));
    assert!(third.contains("钥匙管理规定"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test]
async fn an_unnumbered_clause_cannot_be_edited_to_read_as_a_number_or_a_heading() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    admin
        .post(
            "/handbook/import",
            &[
                ("title", "考勤制度"),
                ("text", "每位员工都应遵守本制度。\n1、按时上班。"),
            ],
        )
        .await;
    let id = doc_id(&app, "考勤制度").await;
    admin.post(&format!("/handbook/{id}/draft"), &[]).await;
    let (clause_id, number): (i64, String) = clauses::table
        .inner_join(versions::table)
        .filter(versions::document_id.eq(id))
        .filter(versions::status.eq("draft"))
        .filter(clauses::body.eq("每位员工都应遵守本制度。"))
        .select((clauses::id, clauses::number))
        .first(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(number, "", "the first line is a clause without a number");
    let save = |body: &'static str| {
        let admin = &admin;
        async move {
            admin
                .post(
                    &format!("/handbook/{id}/draft/clauses/{clause_id}"),
                    &[("body", body)],
                )
                .await
        }
    };

    // Saved so, the next whole-text save would read it as clause 3 or as a
    // heading: refused beside the clause, the text typed kept.
    for typed in ["3、每位员工都应遵守本制度。", "# 每位员工都应遵守本制度。"]
    {
        let res = save(typed).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{typed}");
        let page = res.text().await.unwrap();
        let error = text_of(&page, &format!("#k{clause_id} .error")).unwrap();
        assert!(error.starts_with("这一条没有编号"), "{error}");
        assert!(page.contains(typed), "the text typed is kept: {typed}");
    }
    let (_, body) = draft_clause_by_id(&app, clause_id).await;
    assert_eq!(body, "每位员工都应遵守本制度。");

    // Any other text is saved as usual.
    let res = save("每位员工都须遵守本制度，共3条。").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, body) = draft_clause_by_id(&app, clause_id).await;
    assert_eq!(body, "每位员工都须遵守本制度，共3条。");
}

/// The number and text of draft clause `id`.
async fn draft_clause_by_id(app: &TestApp, id: i64) -> (String, String) {
    clauses::table
        .find(id)
        .select((clauses::number, clauses::body))
        .first(&mut app.db().await)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_whole_text_can_be_edited_and_an_inserted_clause_shows_as_one_addition() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = doc_id(&app, "客服规章制度15").await;
    admin.post(&format!("/handbook/{id}/draft"), &[]).await;
    let (status, draft) = admin.page(&format!("/handbook/{id}/draft")).await;
    assert_eq!(status, StatusCode::OK);
    let text = text_of(&draft, "#f-text").unwrap();
    assert!(text.starts_with("1、在主任领导下"), "{text}");

    // An empty clause is refused beside that clause, the rest of the page intact.
    let mut conn = app.db().await;
    let (clause_id, _) = draft_clause(&app, id, "1-2").await;
    let res = admin
        .post(
            &format!("/handbook/{id}/draft/clauses/{clause_id}"),
            &[("body", "  ")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, &format!("#k{clause_id} .error")).unwrap(),
        "条款内容不能为空。"
    );

    diesel::insert_into(kefu::schema::handbook_clause_links::table)
        .values((
            kefu::schema::handbook_clause_links::document_id.eq(id),
            kefu::schema::handbook_clause_links::anchor.eq("1-2"),
            kefu::schema::handbook_clause_links::kind.eq("register"),
            kefu::schema::handbook_clause_links::label.eq("来电咨询登记表"),
            kefu::schema::handbook_clause_links::href.eq("/calls"),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    let edited = "## 岗位职责\n".to_owned()
        + &text.replacen(
            "2、不断提高",
            "2、每天上岗前检查电话和网络是否畅通。\n3、不断提高",
            1,
        );
    publish_text(
        &app,
        &admin,
        id,
        ("营销部客服岗位职责", &edited),
        "增加上岗检查",
    )
    .await;

    let (_, diff) = admin
        .page(&format!("/handbook/{id}/diff?from=1&to=2"))
        .await;
    assert_eq!(texts_of(&diff, ".diff-added").len(), 1, "{diff}");
    assert!(texts_of(&diff, ".diff-changed").is_empty());
    assert!(diff.contains("<ins>2、每天上岗前检查电话和网络是否畅通。</ins>"));
    assert!(text_of(&diff, ".card ins").is_some());
    assert_eq!(
        text_of(&diff, "#heading-changes li").unwrap(),
        "岗位职责",
        "the new heading"
    );
    let (_, current) = admin.page(&format!("/handbook/{id}")).await;
    assert_eq!(text_of(&current, "h1").unwrap(), "营销部客服岗位职责");
    // Every clause keeps its anchor, so links to it hold; the new one gets its own.
    assert!(text_of(&current, "#c1-2 .hb-text")
        .unwrap()
        .starts_with("3、不断提高自身专业水平"));
    assert_eq!(
        text_of(&current, "#c1-2 .hb-reg").unwrap(),
        "登记簿：来电咨询登记表"
    );
    assert_eq!(
        text_of(&current, "#c1-2-n2 .hb-text").unwrap(),
        "2、每天上岗前检查电话和网络是否畅通。"
    );
    assert!(text_of(&current, "#c1-7 .hb-text")
        .unwrap()
        .starts_with("7、建立网络和来电咨询总册"));
}

/// A form of the draft page, as the browser would send it: its hidden fields,
/// then `fields`.
fn form_fields(page: &str, form: &str, fields: &[(&str, &str)]) -> Vec<(String, String)> {
    let doc = scraper::Html::parse_document(page);
    let sel = scraper::Selector::parse(&format!("{form} input[type=hidden]")).unwrap();
    let mut all: Vec<(String, String)> = doc
        .select(&sel)
        .filter_map(|e| {
            Some((
                e.value().attr("name")?.to_owned(),
                e.value().attr("value")?.to_owned(),
            ))
        })
        .filter(|(k, _)| k != "csrf_token")
        .collect();
    all.extend(fields.iter().map(|(k, v)| (k.to_string(), v.to_string())));
    all
}

async fn send(b: &Browser, path: &str, fields: &[(String, String)]) -> reqwest::Response {
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    b.post(path, &pairs).await
}

/// A text of 16,400 headings (within the form's 100,000 characters) makes more
/// sections than one statement can bind (four values each, 65,535 at most):
/// the draft keeps every one.
#[tokio::test]
async fn a_draft_with_more_sections_than_one_statement_binds_is_saved_whole() {
    use kefu::schema::handbook_sections as sections;
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = doc_id(&app, "客服规章制度15").await;
    admin.post(&format!("/handbook/{id}/draft"), &[]).await;
    let text = "# 节\n".repeat(16_400) + "1、每天上岗前检查电话和网络是否畅通。\n";
    let res = admin
        .post(
            &format!("/handbook/{id}/draft/text"),
            &[("title", "营销部客服岗位职责"), ("text", &text)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mut conn = app.db().await;
    let (kept, last): (i64, Option<i32>) = sections::table
        .inner_join(versions::table)
        .filter(versions::document_id.eq(id))
        .filter(versions::status.eq("draft"))
        .select((
            diesel::dsl::count_star(),
            diesel::dsl::max(sections::position),
        ))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!((kept, last), (16_400, Some(16_400)));
    let clause: String = clauses::table
        .inner_join(versions::table)
        .filter(versions::document_id.eq(id))
        .filter(versions::status.eq("draft"))
        .select(clauses::body)
        .first(&mut conn)
        .await
        .unwrap();
    assert!(clause.contains("上岗前检查"), "{clause}");
}

#[tokio::test]
async fn draft_edits_read_before_a_colleagues_come_back_instead_of_replacing_it() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = doc_id(&app, "客服规章制度15").await;
    admin.post(&format!("/handbook/{id}/draft"), &[]).await;
    let draft_path = format!("/handbook/{id}/draft");
    let text_path = format!("/handbook/{id}/draft/text");
    let mut conn = app.db().await;
    let clause =
        async |conn: &mut diesel_async::AsyncPgConnection, anchor: &str| -> (i64, String) {
            clauses::table
                .inner_join(versions::table)
                .filter(versions::document_id.eq(id))
                .filter(versions::status.eq("draft"))
                .filter(clauses::anchor.eq(anchor))
                .select((clauses::id, clauses::body))
                .first(conn)
                .await
                .unwrap()
        };
    // Two tabs open the draft.
    let (_, first_tab) = admin.page(&draft_path).await;
    let (_, second_tab) = admin.page(&draft_path).await;
    let (c2, _) = clause(&mut conn, "1-2").await;
    let text = text_of(&first_tab, "#f-text").unwrap();

    // The first saves clause 2; the second's edit of the same clause comes back.
    let res = send(
        &admin,
        &format!("/handbook/{id}/draft/clauses/{c2}"),
        &form_fields(
            &first_tab,
            &format!("#k{c2}"),
            &[("body", "2、第一个窗口的修改。")],
        ),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let stale_clause = form_fields(
        &second_tab,
        &format!("#k{c2}"),
        &[("body", "2、第二个窗口的修改。")],
    );
    let res = send(
        &admin,
        &format!("/handbook/{id}/draft/clauses/{c2}"),
        &stale_clause,
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, &format!("#k{c2} .error"))
        .unwrap()
        .contains("已被修改"));
    assert_eq!(
        text_of(&body, &format!("#b{c2}")).unwrap(),
        "2、第二个窗口的修改。"
    );
    assert_eq!(clause(&mut conn, "1-2").await.1, "2、第一个窗口的修改。");

    // The second tab's whole text, read before that save, comes back too.
    let edited = text.replacen("1、在主任领导下", "1、第二个窗口改写：在主任领导下", 1);
    let res = send(
        &admin,
        &text_path,
        &form_fields(
            &second_tab,
            "form[action$='/draft/text']",
            &[("title", "营销部客服岗位职责"), ("text", &edited)],
        ),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-text").unwrap().contains("已被修改"));
    assert_eq!(text_of(&body, "#f-text").unwrap(), edited.trim());
    assert_eq!(
        clause(&mut conn, "1-2").await.1,
        "2、第一个窗口的修改。",
        "theirs kept"
    );
    // Sent again from the form that came back, it replaces it, knowingly.
    let res = send(
        &admin,
        &text_path,
        &form_fields(
            &body,
            "form[action$='/draft/text']",
            &[("title", "营销部客服岗位职责"), ("text", &edited)],
        ),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let c1 = clause(&mut conn, "1-1").await.1;
    assert!(c1.contains("第二个窗口改写"), "{c1}");

    // A clause form read before that whole-text save: its clause has a new row
    // now, and the text typed lands in the box of the same clause, unsaved.
    let (old_c3, _) = clause(&mut conn, "1-3").await;
    let (_, third_tab) = admin.page(&draft_path).await;
    let res = send(
        &admin,
        &text_path,
        &form_fields(
            &third_tab,
            "form[action$='/draft/text']",
            &[
                ("title", "营销部客服岗位职责"),
                ("text", &edited.replacen("第二个窗口改写", "再次改写", 1)),
            ],
        ),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (new_c3, before) = clause(&mut conn, "1-3").await;
    assert_ne!(new_c3, old_c3);
    let res = send(
        &admin,
        &format!("/handbook/{id}/draft/clauses/{old_c3}"),
        &form_fields(
            &third_tab,
            &format!("#k{old_c3}"),
            &[("body", "3、旧表单里的修改。")],
        ),
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, &format!("#k{new_c3} .error"))
        .unwrap()
        .contains("未保存"));
    assert_eq!(
        text_of(&body, &format!("#b{new_c3}")).unwrap(),
        "3、旧表单里的修改。"
    );
    assert_eq!(clause(&mut conn, "1-3").await.1, before, "nothing saved");
}

#[tokio::test]
async fn several_instances_starting_at_once_install_the_seed_once() {
    let app = TestApp::spawn().await;
    let mut conn = app.db().await;
    diesel::delete(documents::table)
        .execute(&mut conn)
        .await
        .unwrap();

    let (a, b, c) = tokio::join!(
        kefu::handbook::ensure_seeded(&app.db_url, app.config.today()),
        kefu::handbook::ensure_seeded(&app.db_url, app.config.today()),
        kefu::handbook::ensure_seeded(&app.db_url, app.config.today()),
    );

    let mut installed = [a.unwrap(), b.unwrap(), c.unwrap()];
    installed.sort();
    assert_eq!(installed, [0, 0, 3]);
    assert_eq!(version_count(&app).await, 3);
    assert_eq!(
        kefu::handbook::ensure_seeded(&app.db_url, app.config.today())
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn a_clause_shows_the_registers_that_implement_it() {
    let app = TestApp::spawn().await;
    let id = doc_id(&app, "客服规章制度1").await;
    let employee = app.login_as(Role::Employee).await;
    // Seen once without the link: the page kept then must not hide it later.
    let (_, before) = employee.page(&format!("/handbook/{id}")).await;
    assert!(text_of(&before, "#c1-1-1 .hb-reg").is_none());
    let mut conn = app.db().await;
    diesel::insert_into(kefu::schema::handbook_clause_links::table)
        .values((
            kefu::schema::handbook_clause_links::document_id.eq(id),
            kefu::schema::handbook_clause_links::anchor.eq("1-1-1"),
            kefu::schema::handbook_clause_links::kind.eq("register"),
            kefu::schema::handbook_clause_links::label.eq("业主钥匙清单"),
            kefu::schema::handbook_clause_links::href.eq("/keys/loans"),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    // Added outside the app: the app learns of it by notice.
    app.settle().await;

    let (_, page) = employee.page(&format!("/handbook/{id}")).await;

    assert_eq!(
        text_of(&page, "#c1-1-1 .hb-reg").unwrap(),
        "登记簿：业主钥匙清单"
    );
    assert!(text_of(&page, "#c1-1-2 .hb-reg").is_none());
    let (_, en) = employee.page(&format!("/handbook/{id}?lang=en")).await;
    assert!(
        text_of(&en, "#c1-1-1 .hb-reg")
            .unwrap()
            .starts_with("Register"),
        "the text kept in memory is per language"
    );
}

/// The `.hb-reg` links of every handbook document as `reader` sees them:
/// (clause anchor, href).
async fn register_links(app: &TestApp, reader: &Browser) -> Vec<(String, String)> {
    let mut conn = app.db().await;
    let ids: Vec<i64> = documents::table
        .select(documents::id)
        .load(&mut conn)
        .await
        .unwrap();
    let mut links = Vec::new();
    for id in ids {
        let (status, page) = reader.page(&format!("/handbook/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        let doc = scraper::Html::parse_document(&page);
        let sel = scraper::Selector::parse(".hb-clause").unwrap();
        let reg = scraper::Selector::parse(".hb-reg").unwrap();
        for clause in doc.select(&sel) {
            let anchor = clause.value().attr("id").unwrap_or("").to_owned();
            for a in clause.select(&reg) {
                links.push((anchor.clone(), a.value().attr("href").unwrap().to_owned()));
            }
        }
    }
    links
}

#[tokio::test]
async fn each_clause_a_register_enforces_links_to_it_for_readers_who_may_open_it() {
    let app = TestApp::spawn().await;
    for (role, seen, unseen) in [
        (
            Role::Employee,
            &["/keys/loans", "/leave/new"][..],
            &["/keys", "/keys/counts", "/archives/borrows"][..],
        ),
        (
            Role::CsSpecialist,
            &[
                "/keys",
                "/keys/labels",
                "/keys/loans",
                "/keys/copies",
                "/keys/counts",
                "/archives",
                "/archives/borrows",
                "/leave/new",
            ][..],
            &[][..],
        ),
        (
            Role::ArchiveKeeper,
            &[
                "/archives",
                "/archives/borrows",
                "/archives/retention",
                "/archives/destructions",
            ][..],
            &["/keys/counts"][..],
        ),
    ] {
        let reader = app.login_as(role).await;
        let links = register_links(&app, &reader).await;
        let hrefs: std::collections::BTreeSet<&str> =
            links.iter().map(|(_, h)| h.as_str()).collect();
        for h in seen {
            assert!(hrefs.contains(h), "{role:?} sees {h}: {hrefs:?}");
        }
        for h in unseen {
            assert!(!hrefs.contains(h), "{role:?} does not see {h}");
        }
        for h in &hrefs {
            assert_eq!(reader.page(h).await.0, StatusCode::OK, "{role:?} opens {h}");
        }
        // On the clause that asks for it: 因工作需要时，应在"房屋钥匙管理记录表"上登记.
        assert!(
            links.contains(&("c1-3-2-3".into(), "/keys/loans".into())),
            "{links:?}"
        );
    }
}

/// The hits' links (`/handbook/{id}#c{anchor}`) in the order the page lists them.
fn hit_links(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(".hb-hit-cite").unwrap();
    doc.select(&sel)
        .filter_map(|a| a.value().attr("href").map(str::to_owned))
        .collect()
}

#[tokio::test]
async fn search_ranks_hits_as_pg_trgm_would() {
    #[derive(QueryableByName)]
    struct Link {
        #[diesel(sql_type = diesel::sql_types::Text)]
        href: String,
    }
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let mut conn = app.db().await;

    for q in ["钥匙", "档案销毁", "管理", "qq", "罚款", "住户", "会议"] {
        let (_, page) = employee.page(&format!("/handbook/search?q={q}")).await;
        // The same question put to PostgreSQL: the clauses saying it by
        // pg_trgm's similarity, then the position of the match, then reading
        // order; after them, those under a document or section title saying
        // it, in reading order.
        let expected: Vec<Link> = diesel::sql_query(
            "WITH cur AS ( \
                 SELECT DISTINCT ON (document_id) id, document_id, title \
                 FROM handbook_versions WHERE status = 'published' \
                 ORDER BY document_id, number DESC), \
             hit AS ( \
                 SELECT c.*, cur.document_id, d.position AS d_position, \
                        strpos(lower(c.body), lower($1)) > 0 AS in_text \
                 FROM handbook_clauses c JOIN cur ON cur.id = c.version_id \
                 JOIN handbook_documents d ON d.id = cur.document_id \
                 JOIN handbook_sections s ON s.id = c.section_id \
                 WHERE NOT c.gap AND (strpos(lower(c.body), lower($1)) > 0 \
                       OR strpos(lower(cur.title || E'\\n' || s.title), lower($1)) > 0)) \
             SELECT '/handbook/' || document_id || '#c' || anchor AS href FROM hit \
             ORDER BY in_text DESC, \
                      CASE WHEN in_text THEN similarity(body, $1) END DESC, \
                      CASE WHEN in_text THEN strpos(lower(body), lower($1)) END, \
                      d_position, document_id, position LIMIT 50",
        )
        .bind::<diesel::sql_types::Text, _>(q)
        .load(&mut conn)
        .await
        .unwrap();

        let expected: Vec<String> = expected.into_iter().map(|l| l.href).collect();
        assert!(!expected.is_empty(), "{q}");
        assert_eq!(hit_links(&page), expected, "{q}");
    }
}

#[tokio::test]
async fn a_version_published_on_one_instance_is_read_and_found_on_another() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let employee = app.login_as(Role::Employee).await.at(&other);
    let id = doc_id(&app, "客服规章制度1").await;
    // Read and searched once, so that the other instance keeps the handbook.
    let (_, before) = employee.page(&format!("/handbook/{id}")).await;
    assert!(before.contains("罚款10元"));
    let (_, none) = employee.page("/handbook/search?q=罚款20元").await;
    assert_eq!(text_of(&none, "#hit-count").unwrap(), "找到 0 条相关条款。");
    let doc_line = |html: &str| {
        let doc = scraper::Html::parse_document(html);
        let item = scraper::Selector::parse(".hb-doc").unwrap();
        doc.select(&item)
            .map(|e| e.text().collect::<String>())
            .find(|t| t.contains("客服规章制度1"))
            .unwrap()
    };
    let (_, index) = employee.page("/handbook").await;
    assert!(doc_line(&index).contains("第 1 版"));
    let admin = app.login_as(Role::Admin).await;

    revise(&app, &admin, id, "4-3", "罚款10元", "罚款20元", &[]).await;
    other.settle().await;

    let (_, after) = employee.page(&format!("/handbook/{id}")).await;
    assert!(
        after.contains("罚款20元"),
        "the new version on the other instance"
    );
    let (_, found) = employee.page("/handbook/search?q=罚款20元").await;
    assert_eq!(hit_links(&found), vec![format!("/handbook/{id}#c4-3")]);
    let (_, old) = employee.page(&format!("/handbook/{id}/v/1")).await;
    assert!(old.contains("罚款10元"), "the old version stays readable");
    let (_, index) = employee.page("/handbook").await;
    assert!(
        doc_line(&index).contains("第 2 版"),
        "the index lists the new version"
    );
}

#[tokio::test]
async fn a_new_version_is_published_only_when_the_manager_approves() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = doc_id(&app, "客服规章制度1").await;
    let before = version_count(&app).await;
    admin.post(&format!("/handbook/{id}/draft"), &[]).await;
    let mut conn = app.db().await;
    // The editor serves one project: the rule book is still the company's.
    kefu::demo::seed_properties(&mut conn).await.unwrap();
    let (bishui, _) = crate::by_project::two_projects(&app).await;
    crate::by_project::serve(&app, username(Role::Admin), &[bishui]).await;
    let (clause_id, body) = draft_clause(&app, id, "4-3").await;
    admin
        .post(
            &format!("/handbook/{id}/draft/clauses/{clause_id}"),
            &[("body", &body.replace("罚款10元", "罚款20元"))],
        )
        .await;
    let fields = [
        ("effective_on", TODAY.as_str()),
        ("change_note", "罚款标准调整"),
    ];

    let first = admin
        .post(&format!("/handbook/{id}/publish"), &fields)
        .await;
    let second = admin
        .post(&format!("/handbook/{id}/publish"), &fields)
        .await;

    assert_eq!(location(&first), format!("/handbook/{id}/draft"));
    let (_, draft) = admin.page(&location(&second)).await;
    assert!(
        draft.contains("已在等待审批"),
        "a double click files one request"
    );
    assert_eq!(
        version_count(&app).await,
        before + 1,
        "only the draft, nothing published"
    );
    let request = pending_publication(&app).await.unwrap();
    let project: Option<i64> = kefu::schema::approval_requests::table
        .find(request)
        .select(kefu::schema::approval_requests::project_id)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(project, None, "about no project");
    let manager = app.login_as(Role::CenterManager).await;
    let (_, inbox) = manager.page("/approvals").await;
    assert!(inbox.contains("发布规章制度 · 物业中心客服部规章制度之相关制度和职责"));
    let (_, detail) = manager.page(&format!("/approvals/{request}")).await;
    assert!(detail.contains("罚款标准调整") && detail.contains(TODAY.as_str()));
    assert!(
        detail.contains("罚款20元"),
        "the approver reads the changed clause"
    );
    let (_, current) = manager.page(&format!("/handbook/{id}")).await;
    assert!(
        text_of(&current, "#c4-3").unwrap().contains("罚款10元"),
        "still in force"
    );

    // The draft changes while it waits: the request's version moves on, so links
    // mailed for the earlier text stop working. Saved again as it is (a double
    // click), it changes nothing, and the links stay good.
    let version = async || -> i32 {
        approval_requests::table
            .find(request)
            .select(approval_requests::version)
            .first(&mut app.db().await)
            .await
            .unwrap()
    };
    let thirty = body.replace("罚款10元", "罚款30元");
    for _ in 0..2 {
        admin
            .post(
                &format!("/handbook/{id}/draft/clauses/{clause_id}"),
                &[("body", &thirty)],
            )
            .await;
    }
    assert_eq!(version().await, 2);
    let (_, edit) = admin.page(&format!("/handbook/{id}/draft")).await;
    let whole = text_of(&edit, "#f-text").unwrap();
    let seen = value_of(&edit, r#"input[name="seen"]"#).unwrap();
    let title = value_of(&edit, "#f-title").unwrap();
    admin
        .post(
            &format!("/handbook/{id}/draft/text"),
            &[("text", &whole), ("title", &title), ("seen", &seen)],
        )
        .await;
    assert_eq!(version().await, 2, "the whole text saved as it was");

    decide_publication(&app, request, "approve").await;

    let (_, current) = admin.page(&format!("/handbook/{id}")).await;
    assert!(text_of(&current, "#c4-3").unwrap().contains("罚款30元"));
    assert!(current.contains("第 2 版"));

    // An edit sent from the draft's page still open after the approval: the
    // draft is no more, and what was typed comes back to copy, clause or text.
    for (path, field, typed) in [
        (
            format!("/handbook/{id}/draft/clauses/{clause_id}"),
            "body",
            "4-3 还想再改",
        ),
        (format!("/handbook/{id}/draft/text"), "text", "1、整体改写"),
    ] {
        let res = admin
            .post(&path, &[(field, typed), ("title", "标题")])
            .await;
        assert_eq!(res.status(), StatusCode::CONFLICT, "{path}");
        let body = res.text().await.unwrap();
        assert!(text_of(&body, "#draft-gone")
            .unwrap()
            .contains("已在此期间发布"));
        assert_eq!(text_of(&body, "#f-unsaved").as_deref(), Some(typed));
    }
    let res = admin.get(&format!("/handbook/{id}/draft")).await;
    assert_eq!(location(&res), format!("/handbook/{id}"));
    let (_, shown) = admin.page(&location(&res)).await;
    assert!(text_of(&shown, ".flash")
        .unwrap()
        .contains("没有进行中的修订"));
    let published_by: Option<i64> = versions::table
        .filter(versions::document_id.eq(id))
        .filter(versions::number.eq(2))
        .select(versions::published_by)
        .first(&mut conn)
        .await
        .unwrap();
    assert!(published_by.is_some());
}

#[tokio::test]
async fn a_draft_saved_while_its_publication_is_decided_waits_its_turn_and_renames_the_request() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = doc_id(&app, "客服规章制度15").await;
    admin.post(&format!("/handbook/{id}/draft"), &[]).await;
    let res = admin
        .post(
            &format!("/handbook/{id}/publish"),
            &[
                ("effective_on", TODAY.as_str()),
                ("change_note", "职责调整"),
            ],
        )
        .await;
    assert_eq!(location(&res), format!("/handbook/{id}/draft"));
    let request = pending_publication(&app).await.unwrap();
    let (_, page) = admin.page(&format!("/handbook/{id}/draft")).await;
    let text = text_of(&page, "#f-text").unwrap();
    let mut conn = app.db().await;
    let draft = draft_id(&app, id).await;

    // The manager's decision, half way: it holds the request and is about to
    // publish the version; the editor saves the whole text, renamed, meanwhile.
    diesel::sql_query("BEGIN").execute(&mut conn).await.unwrap();
    kefu::approvals::queries::lock_request(&mut conn, request)
        .await
        .unwrap();
    let save = {
        let admin = admin.clone();
        let text = text.clone();
        tokio::spawn(async move {
            admin
                .post(
                    &format!("/handbook/{id}/draft/text"),
                    &[("title", "营销部客服岗位职责（修订）"), ("text", &text)],
                )
                .await
        })
    };
    app.await_lock_waiters(1).await;
    let publishing = diesel::sql_query("SELECT id FROM handbook_versions WHERE id = $1 FOR UPDATE")
        .bind::<diesel::sql_types::BigInt, _>(draft)
        .execute(&mut conn)
        .await;
    assert!(publishing.is_ok(), "the decision went on: {publishing:?}");
    diesel::sql_query("COMMIT")
        .execute(&mut conn)
        .await
        .unwrap();

    let saved = save.await.unwrap();
    assert_eq!(
        saved.status(),
        StatusCode::SEE_OTHER,
        "the edit went on after"
    );
    let (title, version): (String, i32) = approval_requests::table
        .find(request)
        .select((approval_requests::title, approval_requests::version))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        (title.as_str(), version),
        ("营销部客服岗位职责（修订）", 2),
        "the approver reads the draft's title as it is now"
    );
}

#[tokio::test]
async fn a_rejected_publication_leaves_the_draft_a_draft() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = doc_id(&app, "客服规章制度1").await;
    admin.post(&format!("/handbook/{id}/draft"), &[]).await;
    admin
        .post(
            &format!("/handbook/{id}/publish"),
            &[("effective_on", TODAY.as_str()), ("change_note", "试行")],
        )
        .await;
    let request = pending_publication(&app).await.unwrap();

    decide_publication(&app, request, "reject").await;

    let mut conn = app.db().await;
    let drafts: i64 = versions::table
        .filter(versions::document_id.eq(id))
        .filter(versions::status.eq("draft"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(drafts, 1);
    assert_eq!(
        admin.page(&format!("/handbook/{id}/v/2")).await.0,
        StatusCode::NOT_FOUND
    );
    // It can be sent again.
    let res = admin
        .post(
            &format!("/handbook/{id}/publish"),
            &[("effective_on", TODAY.as_str()), ("change_note", "试行")],
        )
        .await;
    assert_eq!(location(&res), format!("/handbook/{id}/draft"));
    assert!(pending_publication(&app).await.is_some());
}

#[tokio::test]
async fn a_register_cites_its_clause_and_the_link_lands_on_it() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;

    let (status, form) = employee.page("/leave/new").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        text_of(&form, ".cites a").as_deref(),
        Some("办公环境管理规定 1")
    );
    let href = attr_of(&form, ".cites a", "href").expect("a citation link");

    let res = employee.get(&href).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let target = location(&res);
    let (path, anchor) = target.split_once('#').expect("an anchor");
    let (_, page) = employee.page(path).await;
    let clause = text_of(&page, &format!("#{anchor}")).expect("the clause is on the page");
    assert!(clause.contains("请假条"), "{clause}");

    let res = employee
        .get("/handbook/cite?c=%E6%97%A0%E6%AD%A4%E6%9D%A1")
        .await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
}

/// Where a clause of the book is opened at.
async fn clause_at(b: &Browser, cite: &str) -> (String, String) {
    let href = format!(
        "/handbook/cite?c={}",
        url::form_urlencoded::byte_serialize(cite.as_bytes()).collect::<String>()
    );
    let res = b.get(&href).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{cite}");
    let target = location(&res);
    let (path, anchor) = target.split_once('#').expect("an anchor");
    (path.to_owned(), anchor.to_owned())
}

/// SPEC 4.1: clauses link to the penalty schedule that applies. A conduct rule
/// leads to the clause naming its fine; that clause, and one without a fine,
/// link to none.
#[tokio::test]
async fn a_rule_links_to_the_clause_naming_its_fine() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let (path, anchor) = clause_at(&employee, "日常管理 1(3)").await;
    let (_, page) = employee.page(&path).await;
    let selector = format!("#{anchor} a.hb-penalty");
    assert_eq!(
        text_of(&page, &selector).as_deref(),
        Some("处罚标准：日常管理 2(1)")
    );
    let href = attr_of(&page, &selector, "href").unwrap();
    let res = employee.get(&href).await;
    let (fine_path, fine_anchor) = location(&res)
        .split_once('#')
        .map(|(p, a)| (p.to_owned(), a.to_owned()))
        .unwrap();
    let (_, fine_page) = employee.page(&fine_path).await;
    let fine = text_of(&fine_page, &format!("#{fine_anchor}")).unwrap();
    assert!(fine.contains("20元"), "{fine}");
    assert!(
        text_of(&fine_page, &format!("#{fine_anchor} a.hb-penalty")).is_none(),
        "the fine's own clause links to no fine"
    );
    let (path, anchor) = clause_at(&employee, "住户档案管理规定 2").await;
    let (_, page) = employee.page(&path).await;
    assert!(text_of(&page, &format!("#{anchor} a.hb-penalty")).is_none());
    // In English too.
    let (path, anchor) = clause_at(&employee, "日常管理 1(3)").await;
    let (_, english) = employee.page(&format!("{path}?lang=en")).await;
    let link = text_of(&english, &format!("#{anchor} a.hb-penalty"));
    assert!(link.as_deref().unwrap().starts_with("Penalty"), "{link:?}");
    employee.page("/?lang=zh-CN").await;
}

#[tokio::test]
async fn an_import_while_the_draft_is_being_sent_for_approval_leaves_it_alone() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = doc_id(&app, "客服规章制度1").await;
    let first = kefu::handbook::SEED_TEXT.replace("违者罚款10元", "违者罚款20元");
    admin
        .post("/handbook/import", &[("title", ""), ("text", &first)])
        .await;
    let mut conn = app.db().await;
    let draft = draft_id(&app, id).await;
    let admin_id = crate::approvals::user_id(&app, "admin").await;

    // The publication form, half way: the draft locked, the request filed,
    // not committed yet; a second import arrives meanwhile.
    diesel::sql_query("BEGIN").execute(&mut conn).await.unwrap();
    let version = kefu::handbook::queries::lock_draft(&mut conn, draft)
        .await
        .unwrap()
        .unwrap();
    let publish = kefu::handbook::forms::ValidPublish {
        effective_on: crate::approvals::today(),
        change_note: "罚款标准调整".into(),
        requires_ack: false,
        roles: vec![],
    };
    let now = chrono::Utc::now();
    kefu::handbook::publication::request(&mut conn, &version, &publish, admin_id, &app.config, now)
        .await
        .unwrap()
        .expect("filed");
    let import = {
        let admin = admin.clone();
        let second = kefu::handbook::SEED_TEXT.replace("违者罚款10元", "违者罚款50元");
        tokio::spawn(async move {
            admin
                .post("/handbook/import", &[("title", ""), ("text", &second)])
                .await
        })
    };
    app.await_lock_waiters(1).await;
    diesel::sql_query("COMMIT")
        .execute(&mut conn)
        .await
        .unwrap();
    import.await.unwrap();

    let (_, index) = admin.page("/handbook").await;
    assert!(index.contains("未动 1 份"), "{index}");
    approve_publication(&app).await;
    let (_, doc) = admin.page(&format!("/handbook/{id}")).await;
    assert!(
        doc.contains("违者罚款20元") && !doc.contains("违者罚款50元"),
        "published as the manager was asked"
    );
}

/// An import leaves alone a draft whose publication waits for the manager: the
/// manager approves the text they were shown, not one swapped in meanwhile.
#[tokio::test]
async fn an_import_leaves_alone_a_draft_waiting_for_approval() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = doc_id(&app, "客服规章制度1").await;
    let first = kefu::handbook::SEED_TEXT.replace("违者罚款10元", "违者罚款20元");
    admin
        .post("/handbook/import", &[("title", ""), ("text", &first)])
        .await;
    let res = admin
        .post(
            &format!("/handbook/{id}/publish"),
            &[
                ("effective_on", TODAY.as_str()),
                ("change_note", "罚款标准调整"),
            ],
        )
        .await;
    assert_eq!(location(&res), format!("/handbook/{id}/draft"));
    assert!(pending_publication(&app).await.is_some());
    let draft_hash = async || -> String {
        versions::table
            .filter(versions::document_id.eq(id))
            .filter(versions::status.eq("draft"))
            .select(versions::content_hash)
            .first(&mut app.db().await)
            .await
            .unwrap()
    };
    let shown = draft_hash().await;

    let second = kefu::handbook::SEED_TEXT.replace("违者罚款10元", "违者罚款50元");
    admin
        .post("/handbook/import", &[("title", ""), ("text", &second)])
        .await;
    let (_, index) = admin.page("/handbook").await;
    assert!(index.contains("未动 1 份"), "{index}");
    assert_eq!(
        draft_hash().await,
        shown,
        "the draft is as the manager saw it"
    );

    approve_publication(&app).await;
    let (_, doc) = admin.page(&format!("/handbook/{id}")).await;
    assert!(doc.contains("违者罚款20元") && !doc.contains("违者罚款50元"));
}

/// The manager approves a revision seeing every changed clause, however many:
/// they may not open the draft itself.
#[tokio::test]
async fn the_approver_sees_every_changed_clause_of_a_long_revision() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = doc_id(&app, "客服规章制度1").await;
    let revised = kefu::handbook::SEED_TEXT.replace('。', "．");
    admin
        .post("/handbook/import", &[("title", ""), ("text", &revised)])
        .await;
    let res = admin
        .post(
            &format!("/handbook/{id}/publish"),
            &[
                ("effective_on", TODAY.as_str()),
                ("change_note", "标点统一"),
            ],
        )
        .await;
    assert_eq!(location(&res), format!("/handbook/{id}/draft"));
    let request = pending_publication(&app).await.unwrap();
    // The draft says it waits, rather than offering the form again.
    let (_, draft) = admin.page(&location(&res)).await;
    assert!(
        text_of(&draft, "#publication-waiting")
            .unwrap()
            .starts_with("此草稿已提交"),
        "{draft}"
    );
    assert!(!draft.contains(&format!("action=\"/handbook/{id}/publish\"")));
    let manager = app.login_as(Role::CenterManager).await;
    let (status, page) = manager.page(&format!("/approvals/{request}?lang=en")).await;
    assert_eq!(status, StatusCode::OK);
    let changed = texts_of(&page, "dl.details dt")
        .iter()
        .filter(|t| t.ends_with("(changed)"))
        .count();
    assert!(changed > 30, "{changed} changed clauses listed");
    // The version in force is named (a mail has no page to link it from), and
    // the manager may open it.
    assert!(
        texts_of(&page, "dl.details dd")
            .iter()
            .any(|t| t.starts_with("Version 1 · in force from ")),
        "{:?}",
        texts_of(&page, "dl.details dd")
    );
    assert_eq!(
        manager.get(&format!("/handbook/{id}")).await.status(),
        StatusCode::OK
    );
    // Once approved (and so published), the record still shows what was
    // approved, against the version it replaced.
    decide_publication(&app, request, "approve").await;
    let (_, after) = manager.page(&format!("/approvals/{request}?lang=en")).await;
    let still = texts_of(&after, "dl.details dt")
        .iter()
        .filter(|t| t.ends_with("(changed)"))
        .count();
    assert_eq!(still, changed, "the same changes after the approval");
    assert!(texts_of(&after, "dl.details dd")
        .iter()
        .any(|t| t.starts_with("Version 1 · in force from ")));
}

#[tokio::test]
async fn a_version_compared_with_itself_shows_no_change() {
    let app = TestApp::spawn().await;
    let reader = app.login_as(Role::Employee).await;
    let id = doc_id(&app, "客服规章制度1").await;

    // The document has one version, so the comparison's default is 1 with 1.
    for url in [
        format!("/handbook/{id}/diff"),
        format!("/handbook/{id}/diff?from=1&to=1"),
    ] {
        let (status, diff) = reader.page(&url).await;
        assert_eq!(status, StatusCode::OK);
        assert!(diff.contains("两个版本的条款没有差别。"), "{url}");
        assert!(texts_of(&diff, ".diff-removed").is_empty(), "{url}");
        assert!(
            text_of(&diff, "#diff-summary")
                .unwrap()
                .contains("有变化的条款 0"),
            "{url}"
        );
    }
}

/// A text over the import's limit, in Chinese, fits the form body and comes back
/// with the limit named rather than a bare "too large" page.
#[tokio::test]
async fn an_import_over_the_limit_comes_back_with_its_message() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let text = format!("客服规章制度9 测试文件\n第一条 {}", "测".repeat(100_000));
    let res = admin
        .post("/handbook/import", &[("title", ""), ("text", &text)])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-text").as_deref(),
        Some("全文太长（最多 100000 字）。")
    );
}

/// A draft's title is judged as it would be stored: one made only of control
/// characters that parsing drops is a missing title, not a database error.
#[tokio::test]
async fn a_draft_title_of_control_characters_alone_is_refused_with_a_message() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = doc_id(&app, "客服规章制度15").await;
    admin.post(&format!("/handbook/{id}/draft"), &[]).await;
    let (_, draft) = admin.page(&format!("/handbook/{id}/draft")).await;
    let text = text_of(&draft, "#f-text").unwrap();

    let res = admin
        .post(
            &format!("/handbook/{id}/draft/text"),
            &[("title", "\u{80}\u{9f}"), ("text", &text)],
        )
        .await;

    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(text_of(&body, "#e-title").unwrap(), "请填写标题。");
    assert_eq!(text_of(&body, "#f-text").unwrap(), text, "the text is kept");
}

/// SPEC §8: re-confirmation only from the posts a changed clause concerns. The
/// publish form ticks the posts the revision's clauses name or whose registers
/// enforce them, and says why; a clause naming no post concerns everyone.
#[tokio::test]
async fn a_revision_proposes_the_posts_its_changed_clauses_concern() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = doc_id(&app, "客服规章制度1").await;
    let res = admin.post(&format!("/handbook/{id}/draft"), &[]).await;
    assert_eq!(location(&res), format!("/handbook/{id}/draft"));
    let edit = async |citation: &str, from: &str, to: &str| {
        let mut conn = app.db().await;
        let (clause_id, body): (i64, String) = clauses::table
            .inner_join(versions::table)
            .filter(versions::document_id.eq(id))
            .filter(versions::status.eq("draft"))
            .filter(clauses::citation.eq(citation))
            .select((clauses::id, clauses::body))
            .first(&mut conn)
            .await
            .unwrap();
        assert!(body.contains(from), "{body}");
        let res = admin
            .post(
                &format!("/handbook/{id}/draft/clauses/{clause_id}"),
                &[("body", &body.replace(from, to))],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    };
    let ticked = |html: &str| -> Vec<String> {
        let doc = scraper::Html::parse_document(html);
        let sel = scraper::Selector::parse("#f-roles input[checked]").unwrap();
        doc.select(&sel)
            .filter_map(|i| i.value().attr("value").map(str::to_owned))
            .collect()
    };

    // Nothing changed yet: nothing proposed.
    let (_, page) = admin.page(&format!("/handbook/{id}/draft")).await;
    assert!(ticked(&page).is_empty());
    assert!(text_of(&page, "#roles-proposed").is_none());

    // The keeper's filing duty: the keeper, and not everyone.
    edit("住户档案管理规定 5(1)", "归档保存", "归档和保存").await;
    let (_, page) = admin.page(&format!("/handbook/{id}/draft")).await;
    let roles = ticked(&page);
    assert!(roles.contains(&"archive_keeper".to_owned()), "{roles:?}");
    assert!(!roles.contains(&"employee".to_owned()), "{roles:?}");
    assert!(!roles.contains(&"admin".to_owned()), "{roles:?}");
    assert!(text_of(&page, "#roles-proposed")
        .unwrap()
        .contains("客服主任（住户档案管理规定 5(1)）"));

    // A rule for everyone in the office: every post of the department.
    edit("办公环境管理规定 12", "3分钟", "5分钟").await;
    let (_, page) = admin.page(&format!("/handbook/{id}/draft")).await;
    assert_eq!(
        ticked(&page),
        [
            "employee",
            "cs_specialist",
            "archive_keeper",
            "cs_supervisor",
            "center_manager",
            "engineering_manager"
        ]
    );
    let (_, english) = admin.page(&format!("/handbook/{id}/draft?lang=en")).await;
    assert!(text_of(&english, "#roles-proposed")
        .unwrap()
        .starts_with("Ticked for the clauses changed"));
}

#[tokio::test]
async fn the_rounds_count_the_confirmations_of_those_concerned_now() {
    use kefu::schema::users;
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = doc_id(&app, "客服规章制度1").await;
    let extra = [("requires_ack", "on"), ("roles", "cs_specialist")];
    revise(&app, &admin, id, "1-2-1-1", "私人名义", "任何名义", &extra).await;
    let mut conn = app.db().await;
    let version_id = version_id(&app, id, 2).await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let res = specialist
        .post(&format!("/handbook/acks/{version_id}"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // The specialist leaves: one confirmation, of no one concerned now.
    diesel::update(users::table.filter(users::username.eq("specialist")))
        .set(users::active.eq(false))
        .execute(&mut conn)
        .await
        .unwrap();

    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (_, rounds) = supervisor.page("/handbook/acks").await;
    let row = texts_of(&rounds, "tbody tr:first-child td");
    assert_eq!(row[1], "第 2 版");
    assert_eq!(row[2..], ["0", "0"], "confirmed of concerned: {row:?}");

    // Its report counts the same, and shows the confirmation as one of
    // someone no longer concerned; so do its print and its export.
    let report = format!("/handbook/acks/{version_id}");
    let (_, page) = supervisor.page(&report).await;
    let summary = text_of(&page, "#ack-summary").unwrap();
    assert!(summary.contains("已签收 0 / 0"), "{summary}");
    assert_eq!(
        text_of(&page, "#ack-former").as_deref(),
        Some("另有 1 人签收后已离职或调岗，不计入")
    );
    assert_eq!(
        texts_of(&page, "tr.ack-yes .ack-former"),
        ["已不在签收岗位"]
    );
    let (_, paper) = supervisor.page(&format!("{report}/print")).await;
    assert!(paper.contains("已签收 0 / 0 · 另有 1 人"), "{paper}");
    let csv = supervisor
        .get(&format!("{report}.csv"))
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("\"已签收 · 已不在签收岗位\""), "{csv}");
    let (_, english) = supervisor.page(&format!("{report}?lang=en")).await;
    assert!(text_of(&english, "#ack-summary")
        .unwrap()
        .contains("Acknowledged 0 / 0"));
}

#[tokio::test]
async fn a_minor_revision_keeps_asking_those_who_never_confirmed_the_material_one() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = doc_id(&app, "客服规章制度1").await;
    let material = [
        ("requires_ack", "on"),
        ("roles", "cs_specialist"),
        ("roles", "cs_supervisor"),
    ];
    revise(
        &app,
        &admin,
        id,
        "1-2-1-1",
        "私人名义",
        "任何名义",
        &material,
    )
    .await;
    let mut conn = app.db().await;
    let v2 = version_id(&app, id, 2).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let res = supervisor.post(&format!("/handbook/acks/{v2}"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // A typo fixed next, asking no one: the specialist who never confirmed the
    // change is still asked; the supervisor who did is not asked again.
    revise(&app, &admin, id, "1-2-1-1", "任何名义", "任何名义。", &[]).await;
    let v3 = version_id(&app, id, 3).await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let (_, page) = specialist.page("/handbook").await;
    assert!(text_of(&page, ".ack-banner").is_some(), "still asked");
    let (_, page) = supervisor.page("/handbook").await;
    assert!(text_of(&page, ".ack-banner").is_none(), "confirmed already");
    let (_, report) = supervisor.page(&format!("/handbook/acks/{v3}")).await;
    assert_eq!(
        texts_of(&report, "tr.ack-no td:first-child"),
        ["客服专员 陈静"]
    );
    assert_eq!(
        texts_of(&report, "tr.ack-yes td:first-child"),
        ["客服主管 李强"]
    );
    // A page read before the fix confirms the version in force instead.
    let res = specialist.post(&format!("/handbook/acks/{v2}"), &[]).await;
    assert_eq!(location(&res), format!("/handbook/{id}/v/3"));
    let (_, page) = specialist.page(&location(&res)).await;
    assert!(text_of(&page, ".flash-warn")
        .unwrap()
        .contains("已有新版本"));
    assert!(text_of(&page, ".ack-banner").is_some(), "not confirmed yet");
    let res = specialist.post(&format!("/handbook/acks/{v3}"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = specialist.page("/handbook").await;
    assert!(text_of(&page, ".ack-banner").is_none());

    // Once everyone confirmed, a further fix asks no one.
    revise(&app, &admin, id, "1-2-1-1", "任何名义。", "任何名义", &[]).await;
    let requires: bool = versions::table
        .filter(versions::document_id.eq(id))
        .filter(versions::number.eq(4))
        .select(versions::requires_ack)
        .first(&mut conn)
        .await
        .unwrap();
    assert!(!requires);
}

/// A clause the new version removed is linked, in the diff, where it still
/// stands: in the older version.
#[tokio::test]
async fn a_removed_clause_in_the_diff_links_to_the_version_that_had_it() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let id = doc_id(&app, "客服规章制度15").await;
    admin.post(&format!("/handbook/{id}/draft"), &[]).await;
    let (_, draft) = admin.page(&format!("/handbook/{id}/draft")).await;
    let text = text_of(&draft, "#f-text").unwrap();
    let edited: String = text
        .lines()
        .filter(|l| !l.starts_with("5、熟悉主要专科"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_ne!(edited, text);
    publish_text(
        &app,
        &admin,
        id,
        ("营销部客服岗位职责", &edited),
        "删去一条",
    )
    .await;

    let (_, diff) = admin
        .page(&format!("/handbook/{id}/diff?from=1&to=2"))
        .await;
    assert_eq!(texts_of(&diff, ".diff-removed").len(), 1, "{diff}");
    let href = attr_of(&diff, ".diff-removed a", "href").unwrap();
    let (path, anchor) = href.split_once('#').unwrap();
    assert_eq!(path, format!("/handbook/{id}/v/1"));
    let (_, old) = admin.page(path).await;
    assert!(
        text_of(&old, &format!("#{anchor}"))
            .unwrap()
            .contains("熟悉主要专科"),
        "{href}"
    );
}

/// The registers cite the book as its first version numbers it. A revision
/// that inserts a clause before a cited one renumbers it: the register's
/// link and the clause's badge still find the clause it meant, not the one
/// printed with that number now.
#[tokio::test]
async fn a_renumbered_clause_keeps_the_registers_that_cite_it() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let clerk = app.login_as(Role::CsSpecialist).await;
    let (path, anchor) = clause_at(&clerk, "钥匙管理规定 2(1)②").await;
    let id: i64 = path.trim_start_matches("/handbook/").parse().unwrap();
    admin.post(&format!("/handbook/{id}/draft"), &[]).await;
    let (_, draft) = admin.page(&format!("/handbook/{id}/draft")).await;
    let title = value_of(&draft, "#f-title").unwrap();
    let text = text_of(&draft, "#f-text").unwrap();
    let edited = text
        .replacen("①非工作需要", "①钥匙须登记造册。\n②非工作需要", 1)
        .replacen("②借出时必须", "③借出时必须", 1);
    assert_ne!(edited, text);
    publish_text(&app, &admin, id, (&title, &edited), "增加登记造册").await;

    let (now_path, now_anchor) = clause_at(&clerk, "钥匙管理规定 2(1)②").await;
    assert_eq!(
        (now_path.as_str(), now_anchor.as_str()),
        (path.as_str(), anchor.as_str())
    );
    let (_, page) = clerk.page(&path).await;
    let clause = text_of(&page, &format!("#{anchor}")).unwrap();
    assert!(
        clause.starts_with("③借出时必须严格办理登记手续"),
        "{clause}"
    );
    assert!(
        text_of(&page, &format!("#{anchor} .hb-reg")).is_some(),
        "the loan register's badge stays on it"
    );
    // The new clause, printed ① now, takes no register of the clause first
    // printed so (loans for work only), which moved down with its own.
    let clauses = texts_of(&page, ".hb-clause");
    let new = clauses
        .iter()
        .find(|c| c.starts_with("①钥匙须登记造册"))
        .unwrap();
    let moved = clauses
        .iter()
        .find(|c| c.starts_with("②非工作需要"))
        .unwrap();
    let register = text_of(&page, &format!("#{anchor} .hb-reg")).unwrap();
    assert!(!new.contains(&register), "{new}");
    assert!(moved.contains(&register), "{moved}");
}
