//! Resident archives: checklists, scans, borrowing through approval, the
//! confidentiality rule, retention dates, the daily digest, destruction, rights.
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::schema::{
    approval_requests, approval_tasks, archive_borrows, archive_documents, archive_scans, archives,
    audit_log, mail_outbox, residents, users,
};
use reqwest::StatusCode;

use crate::approvals::{mail_of, today, user_id};
use crate::helpers::*;
use crate::mail::worker;
use crate::smtp::{link_in, SmtpServer};

const PDF: &[u8] = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n";

/// The demo estate, and the resident called `name`.
async fn resident(app: &TestApp, name: &str) -> i64 {
    let mut conn = app.db().await;
    kefu::demo::seed_properties(&mut conn).await.unwrap();
    residents::table
        .filter(residents::name.eq(name))
        .select(residents::id)
        .first(&mut conn)
        .await
        .unwrap()
}

/// The project an archive is kept for.
async fn project_of(app: &TestApp, archive: i64) -> i64 {
    let mut conn = app.db().await;
    archives::table
        .find(archive)
        .select(archives::project_id)
        .first(&mut conn)
        .await
        .unwrap()
}

/// Opens the archive of `name` as `b`; returns its id.
pub async fn open_archive(app: &TestApp, b: &Browser, name: &str, tenant: bool) -> i64 {
    let r = resident(app, name).await.to_string();
    let mut fields = vec![("resident", r.as_str())];
    if tenant {
        fields.push(("via_centre", "on"));
    }
    let res = b.post("/archives/new", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "archive opened");
    location(&res).rsplit('/').next().unwrap().parse().unwrap()
}

async fn type_id(app: &TestApp, code: &str) -> i64 {
    use kefu::schema::archive_doc_types as t;
    let mut conn = app.db().await;
    t::table
        .filter(t::code.eq(code))
        .select(t::id)
        .first(&mut conn)
        .await
        .unwrap()
}

/// Files a document (multipart, optionally with a scan); returns the response.
async fn file_doc(
    app: &TestApp,
    b: &Browser,
    archive: i64,
    code: &str,
    title: &str,
    received: &str,
    scan: Option<(&str, Vec<u8>)>,
) -> reqwest::Response {
    let once = b.form_token(&format!("/archives/{archive}")).await;
    file_doc_with(app, b, archive, code, title, received, scan, &once).await
}

/// As [`file_doc`], with the filing form's one-time token `once`.
#[allow(clippy::too_many_arguments)]
async fn file_doc_with(
    app: &TestApp,
    b: &Browser,
    archive: i64,
    code: &str,
    title: &str,
    received: &str,
    scan: Option<(&str, Vec<u8>)>,
    once: &str,
) -> reqwest::Response {
    let token = b.csrf().await;
    let mut form = reqwest::multipart::Form::new()
        .text("csrf_token", token)
        .text("form_token", once.to_owned())
        .text("type_id", type_id(app, code).await.to_string())
        .text("title", title.to_owned())
        .text("received_on", received.to_owned())
        .text("pages", "2")
        .text("cabinet", "A1")
        .text("box", "1-301");
    if let Some((name, bytes)) = scan {
        form = form.part(
            "scan",
            reqwest::multipart::Part::bytes(bytes).file_name(name.to_owned()),
        );
    }
    b.client
        .post(b.url(&format!("/archives/{archive}/documents")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// 王小明's archive with its 入伙通知书 (received 2024-05-10) filed: the
/// archive and the paper.
async fn archive_with_notice(app: &TestApp, keeper: &Browser) -> (i64, i64) {
    let archive = open_archive(app, keeper, "王小明", false).await;
    file_doc(
        app,
        keeper,
        archive,
        "move_in_notice",
        "入伙通知书",
        "2024-05-10",
        None,
    )
    .await;
    (archive, doc_id(app, "入伙通知书").await)
}

async fn doc_id(app: &TestApp, title: &str) -> i64 {
    let mut conn = app.db().await;
    archive_documents::table
        .filter(archive_documents::title.eq(title))
        .select(archive_documents::id)
        .first(&mut conn)
        .await
        .unwrap()
}

async fn retain_until(app: &TestApp, title: &str) -> Option<NaiveDate> {
    let mut conn = app.db().await;
    archive_documents::table
        .filter(archive_documents::title.eq(title))
        .select(archive_documents::retain_until)
        .first(&mut conn)
        .await
        .unwrap()
}

fn years_ago(n: i32, days: i64) -> String {
    let t = today() + Duration::days(days);
    t.with_year_checked(n).to_string()
}

trait YearsBack {
    fn with_year_checked(self, back: i32) -> NaiveDate;
}

impl YearsBack for NaiveDate {
    fn with_year_checked(self, back: i32) -> NaiveDate {
        self.checked_sub_months(chrono::Months::new(12 * back as u32))
            .unwrap()
    }
}

#[tokio::test]
async fn a_paper_sent_twice_from_one_form_is_filed_once() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let archive = open_archive(&app, &keeper, "王小明", false).await;
    // A double click files the paper once and leads to the archive.
    let once = keeper.form_token(&format!("/archives/{archive}")).await;
    for _ in 0..2 {
        let res = file_doc_with(
            &app,
            &keeper,
            archive,
            "owner_id_copy",
            "王小明身份证（复印件）",
            &today().to_string(),
            None,
            &once,
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), format!("/archives/{archive}"));
    }
    let mut conn = app.db().await;
    let n: i64 = archive_documents::table
        .filter(archive_documents::archive_id.eq(archive))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn the_checklist_shows_what_is_present_and_missing_across_the_building() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let archive = open_archive(&app, &keeper, "王小明", false).await;

    for (code, title) in [
        ("owner_id_copy", "王小明身份证"),
        ("move_in_notice", "入伙通知书"),
    ] {
        let res = file_doc(
            &app,
            &keeper,
            archive,
            code,
            title,
            &today().to_string(),
            None,
        )
        .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }

    // The same paper filed again from a new form comes back as typed, asking
    // for the scan again.
    let res = file_doc(
        &app,
        &keeper,
        archive,
        "move_in_notice",
        "入伙通知书",
        &today().to_string(),
        Some(("notice.pdf", PDF.to_vec())),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = res.text().await.unwrap();
    assert!(text_of(&again, "#e-title")
        .unwrap()
        .contains("这份资料已登记过"));
    assert!(text_of(&again, "#e-scan").unwrap().contains("重新选择"));
    assert_eq!(value_of(&again, "#f-title").unwrap(), "入伙通知书");
    assert_eq!(value_of(&again, "#f-box").unwrap(), "1-301");
    // So does one refused for another field: the scan is not kept silently.
    let res = file_doc(
        &app,
        &keeper,
        archive,
        "fire_safety",
        "消防安全责任书",
        "2024-02-30",
        Some(("contract.pdf", PDF.to_vec())),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = res.text().await.unwrap();
    assert!(text_of(&again, "#e-received_on").is_some_and(|e| !e.is_empty()));
    assert!(text_of(&again, "#e-scan").unwrap().contains("重新选择"));
    let (status, page) = keeper.page(&format!("/archives/{archive}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text_of(&page, "#completeness").unwrap(), "缺少 6 项资料");
    assert!(page.contains("消防安全责任书"), "a missing type is listed");
    let present = {
        let doc = scraper::Html::parse_document(&page);
        let sel = scraper::Selector::parse("tr.present td:first-child").unwrap();
        doc.select(&sel)
            .map(|e| e.text().collect::<String>())
            .collect::<Vec<_>>()
    };
    assert_eq!(present, vec!["身份证复印件", "入伙通知书"]);
    // The ID copy is a personal paper: confidential whatever the form said.
    let mut conn = app.db().await;
    let confidential: bool = archive_documents::table
        .filter(archive_documents::title.eq("王小明身份证"))
        .select(archive_documents::confidential)
        .first(&mut conn)
        .await
        .unwrap();
    assert!(confidential);

    let (_, list) = keeper.page("/archives").await;
    assert!(list.contains("已有 2 / 应有 8"), "{list}");
    let n: i64 = archive_documents::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 2);
    let building: i64 = archives::table
        .find(archive)
        .select(archives::building_id)
        .first(&mut conn)
        .await
        .unwrap();
    let (_, view) = keeper
        .page(&format!("/archives/buildings/{building}"))
        .await;
    assert!(view.contains("1 户中 0 户资料齐全"), "{view}");

    let (_, inventory) = keeper.page(&format!("/archives/{archive}/inventory")).await;
    assert!(inventory.contains("档案资料清单") && inventory.contains("入伙通知书"));
    assert!(inventory.contains("签字："));

    // Each instance keeps the required counts in memory: a new required type
    // shows on the list and the building's view at once, here and elsewhere.
    let other = app.another_instance().await;
    let (_, elsewhere) = keeper.at(&other).page("/archives").await;
    assert!(elsewhere.contains("已有 2 / 应有 8"), "{elsewhere}");
    let admin = app.login_as(Role::Admin).await;
    let token = admin.form_token("/archives/types").await;
    let fields = [
        ("code", "parking"),
        ("archive_kind", "owner"),
        ("name_zh", "车位协议"),
        ("name_en", "Parking agreement"),
        ("required", "on"),
        ("event", "received"),
        ("years", "10"),
        ("form_token", token.as_str()),
    ];
    let res = admin.post("/archives/types", &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Sent twice: the second lands where the first did, saying it was saved,
    // not that the code is taken.
    let again = admin.post("/archives/types", &fields).await;
    assert_eq!(
        (again.status(), location(&again)),
        (StatusCode::SEE_OTHER, location(&res))
    );
    let (_, list) = keeper.page("/archives").await;
    assert!(list.contains("已有 2 / 应有 9"), "{list}");
    let (_, view) = keeper
        .page(&format!("/archives/buildings/{building}"))
        .await;
    assert!(view.contains("已有 2 / 应有 9"), "{view}");
    other.settle().await;
    let (_, elsewhere) = keeper.at(&other).page("/archives").await;
    assert!(elsewhere.contains("已有 2 / 应有 9"), "{elsewhere}");
}

/// A building with more archives than a page: its view and the borrowing
/// picker list them a page at a time, and the totals count every one.
#[tokio::test]
async fn a_large_building_is_listed_a_page_at_a_time_and_counted_whole() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let archive = open_archive(&app, &keeper, "王小明", false).await;
    // 501 more owners of the same room, each with a complete archive.
    let mut conn = app.db().await;
    conn.batch_execute(&format!(
        "WITH a AS (SELECT * FROM archives WHERE id = {archive}), \
              r AS (INSERT INTO residents (room_id, kind, name) \
                    SELECT a.room_id, 'owner', '业主' || g FROM a, generate_series(1, 501) g \
                    RETURNING id, name) \
         INSERT INTO archives (resident_id, room_id, kind, project_id, building_id, \
                               building_code, floor, unit, number, resident_name, present_required) \
         SELECT r.id, a.room_id, 'owner', a.project_id, a.building_id, a.building_code, \
                a.floor, a.unit, a.number, r.name, 8 FROM r, a"
    ))
    .await
    .unwrap();
    let building: i64 = archives::table
        .find(archive)
        .select(archives::building_id)
        .first(&mut conn)
        .await
        .unwrap();
    let view = format!("/archives/buildings/{building}");
    let (_, first) = keeper.page(&view).await;
    assert_eq!(
        text_of(&first, "#building-totals").as_deref(),
        Some("502 户中 501 户资料齐全 · 已有 4008 / 应有 4016"),
    );
    assert_eq!(texts_of(&first, "tbody tr").len(), 500);
    let next = attr_of(&first, "#next-page", "href").unwrap();
    let (_, second) = keeper.page(&next.replace("&amp;", "&")).await;
    assert_eq!(texts_of(&second, "tbody tr").len(), 2);
    assert!(text_of(&second, "#next-page").is_none());
    assert_eq!(
        text_of(&second, "#building-totals"),
        text_of(&first, "#building-totals")
    );

    let employee = app.login_as(Role::Employee).await;
    let (_, picks) = employee
        .page(&format!("/archives/request?building={building}"))
        .await;
    assert_eq!(texts_of(&picks, "#archive-picks li").len(), 500);
    let next = attr_of(&picks, "#next-page", "href").unwrap();
    let (_, rest) = employee.page(&next.replace("&amp;", "&")).await;
    assert_eq!(texts_of(&rest, "#archive-picks li").len(), 2);
}

#[tokio::test]
async fn a_scan_is_judged_by_its_content_and_served_only_as_an_audited_attachment() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let archive = open_archive(&app, &keeper, "王小明", false).await;

    let fake = b"<html><script>alert(1)</script></html>".to_vec();
    let res = file_doc(
        &app,
        &keeper,
        archive,
        "move_in_notice",
        "入伙通知书",
        &today().to_string(),
        Some(("notice.pdf", fake)),
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-scan")
        .unwrap()
        .contains("PDF、JPEG 或 PNG"));
    assert_eq!(
        value_of(&body, "#f-title").unwrap(),
        "入伙通知书",
        "input kept"
    );
    let mut conn = app.db().await;
    let n: i64 = archive_documents::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 0, "nothing stored");

    let res = file_doc(
        &app,
        &keeper,
        archive,
        "move_in_notice",
        "入伙通知书",
        &today().to_string(),
        Some(("notice.pdf", PDF.to_vec())),
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let id = doc_id(&app, "入伙通知书").await;

    let res = keeper.get(&format!("/archives/documents/{id}/scan")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(res.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment"));
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
    let audited: i64 = audit_log::table
        .filter(audit_log::action.eq("archives.scan_viewed"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(audited, 1);

    let employee = app.login_as(Role::Employee).await;
    let res = employee
        .get(&format!("/archives/documents/{id}/scan"))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // The same scan sent again (a double click): on record once.
    let page = format!("/archives/documents/{id}");
    let mut again = PDF.to_vec();
    again.extend_from_slice(b"\n% second scan\n");
    for _ in 0..2 {
        let res = upload_scan(&keeper, &page, &again).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let added: i64 = audit_log::table
        .filter(audit_log::action.eq("archives.scan_added"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(added, 1, "the replacement, once");
    // Sent from a tab opened before the paper was taken out: said so.
    diesel::update(archive_documents::table.find(id))
        .set(archive_documents::status.eq("removed"))
        .execute(&mut conn)
        .await
        .unwrap();
    let res = upload_scan(&keeper, &page, PDF).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, shown) = keeper.page(&page).await;
    assert!(
        text_of(&shown, ".flash").unwrap().contains("已移出档案"),
        "{shown}"
    );
    let added: i64 = audit_log::table
        .filter(audit_log::action.eq("archives.scan_added"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(added, 1, "nothing added to a paper taken out");
}

/// A confidential paper is consulted on site only (住户档案管理规定 3(3)): its
/// scan, a copy, opens for its keeper alone; others read where to consult it.
#[tokio::test]
async fn a_confidential_papers_scan_opens_for_the_keeper_only() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let archive = open_archive(&app, &keeper, "王小明", false).await;
    for (kind, title) in [
        ("owner_id_copy", "身份证复印件"),
        ("move_in_notice", "入伙通知书"),
    ] {
        let scan = Some(("scan.pdf", PDF.to_vec()));
        let day = today().to_string();
        let res = file_doc(&app, &keeper, archive, kind, title, &day, scan).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{title}");
    }
    let secret = format!("/archives/documents/{}", doc_id(&app, "身份证复印件").await);
    let open = format!("/archives/documents/{}", doc_id(&app, "入伙通知书").await);

    let (_, page) = specialist.page(&secret).await;
    assert!(text_of(&page, "#scan-link").is_none());
    assert!(text_of(&page, "#scan-on-site")
        .unwrap()
        .contains("现场查阅"));
    let res = specialist.get(&format!("{secret}/scan")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (_, page) = specialist.page(&open).await;
    assert!(text_of(&page, "#scan-on-site").is_none());
    let href = attr_of(&page, "#scan-link", "href").unwrap();
    assert_eq!(specialist.get(&href).await.status(), StatusCode::OK);

    let (_, page) = keeper.page(&secret).await;
    let href = attr_of(&page, "#scan-link", "href").unwrap();
    let res = keeper.get(&href).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.bytes().await.unwrap().as_ref(), PDF);
    let viewed: Vec<serde_json::Value> = audit_log::table
        .filter(audit_log::action.eq("archives.scan_viewed"))
        .order(audit_log::id)
        .select(audit_log::details)
        .load(&mut app.db().await)
        .await
        .unwrap();
    let confidential: Vec<_> = viewed.iter().map(|d| d["confidential"].clone()).collect();
    assert_eq!(
        confidential,
        [false, true],
        "the refused view opened nothing"
    );
    // The archive's page and its inventory for paper name the confidential
    // paper: each look is on record, by whom and of which papers.
    let listed = async || -> Vec<(Option<i64>, serde_json::Value)> {
        audit_log::table
            .filter(audit_log::action.eq("archives.confidential_listed"))
            .order(audit_log::id)
            .select((audit_log::actor_id, audit_log::details))
            .load(&mut app.db().await)
            .await
            .unwrap()
    };
    let mut before = listed().await.len();
    let secret_id = doc_id(&app, "身份证复印件").await;
    let specialist_id = crate::approvals::user_id(&app, username(Role::CsSpecialist)).await;
    for path in [
        format!("/archives/{archive}"),
        format!("/archives/{archive}/inventory"),
        format!("/archives/{archive}/history"),
        // The borrowing form, open to every colleague, lists them to choose.
        format!("/archives/{archive}/borrow"),
    ] {
        let (status, page) = specialist.page(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert!(page.contains("身份证复印件"), "{path}");
        let seen = listed().await;
        assert_eq!(seen.len(), before + 1, "{path}");
        let (by, details) = seen.last().unwrap();
        assert_eq!(*by, Some(specialist_id), "{path}");
        assert_eq!(
            details["documents"],
            serde_json::json!([secret_id]),
            "{path}"
        );
        before = seen.len();
    }
    // The page sent back with a message lists them too.
    let res = keeper
        .post(
            &format!("/archives/{archive}/events"),
            &[("moved_out", "2025-13-45")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("身份证复印件"));
    let seen = listed().await;
    assert_eq!(seen.len(), before + 1, "the page sent back");
    let keeper_id = crate::approvals::user_id(&app, username(Role::ArchiveKeeper)).await;
    assert_eq!(seen.last().unwrap().0, Some(keeper_id));
    // Those who read archives without filing papers are offered the
    // borrowing form from the archive's page too.
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (_, shown) = supervisor.page(&format!("/archives/{archive}")).await;
    assert!(
        shown.contains(&format!("href=\"/archives/{archive}/borrow\"")),
        "{shown}"
    );

    // A colleague's correction of its type leaves the paper confidential: only
    // the keeper lifts that.
    let (_, form) = specialist.page(&secret).await;
    assert!(attr_of(&form, "#f-confidential", "disabled").is_some());
    let other_type = type_id(&app, "move_in_notice").await.to_string();
    let res = specialist
        .post(
            &secret,
            &[
                ("type_id", other_type.as_str()),
                ("title", "身份证复印件"),
                ("received_on", &today().to_string()),
                ("pages", "2"),
                ("cabinet", "A1"),
                ("box", "1-301"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (kind, still): (i64, bool) = kefu::schema::archive_documents::table
        .find(doc_id(&app, "身份证复印件").await)
        .select((
            kefu::schema::archive_documents::type_id,
            kefu::schema::archive_documents::confidential,
        ))
        .first(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(kind.to_string(), other_type, "the correction is saved");
    assert!(still, "and the paper stays confidential");
    let res = specialist.get(&format!("{secret}/scan")).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

/// Posts `bytes` as the new scan of document `doc` (its page's path).
async fn upload_scan(b: &Browser, doc: &str, bytes: &[u8]) -> reqwest::Response {
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", b.csrf().await)
        .part(
            "scan",
            reqwest::multipart::Part::bytes(bytes.to_vec()).file_name("scan.pdf"),
        );
    b.client
        .post(b.url(&format!("{doc}/scan")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// A scan is replaced neither by a colleague who may not open it (a
/// confidential paper's is the keeper's) nor while its paper is on a
/// destruction list (what the reviewers and witnesses saw stays).
#[tokio::test]
async fn a_scan_is_not_replaced_by_who_may_not_open_it_nor_while_listed() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let archive = open_archive(&app, &keeper, "王小明", false).await;
    let scan = Some(("scan.pdf", PDF.to_vec()));
    let day = today().to_string();
    let res = file_doc(
        &app,
        &keeper,
        archive,
        "owner_id_copy",
        "身份证复印件",
        &day,
        scan,
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let secret = format!("/archives/documents/{}", doc_id(&app, "身份证复印件").await);
    let other = b"%PDF-1.4\n% another\n%%EOF\n";
    let stored = async |id: &str| -> Vec<u8> {
        keeper
            .get(&format!("{id}/scan"))
            .await
            .bytes()
            .await
            .unwrap()
            .to_vec()
    };

    let (_, page) = specialist.page(&secret).await;
    assert!(text_of(&page, "#f-scan").is_none(), "no upload form");
    let said = "这份资料属保密资料，只有客服主任（档案管理员）可以上传或更换其扫描件。";
    assert_eq!(text_of(&page, "#scan-keeper-only").as_deref(), Some(said));
    let res = upload_scan(&specialist, &secret, other).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(stored(&secret).await, PDF, "the scan is unchanged");

    archive_with_old_agreement(&app, &keeper, Some(("scan.pdf", PDF.to_vec()))).await;
    let old = doc_id(&app, "旧装修协议").await;
    list_for_destruction(&keeper, old).await;
    let old = format!("/archives/documents/{old}");
    let res = upload_scan(&keeper, &old, other).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-scan")
        .unwrap()
        .contains("不能更换扫描件"));
    assert_eq!(stored(&old).await, PDF, "the scan is unchanged");
}

#[tokio::test]
async fn a_loan_of_a_confidential_document_is_refused_with_the_rule_and_nothing_is_stored() {
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let archive = open_archive(&app, &specialist, "王小明", false).await;
    file_doc(
        &app,
        &specialist,
        archive,
        "owner_id_copy",
        "身份证复印件",
        &today().to_string(),
        None,
    )
    .await;
    let id = doc_id(&app, "身份证复印件").await.to_string();
    let due = (today() + Duration::days(3)).to_string();

    for mode in ["loan", "copy"] {
        let res = specialist
            .submit(
                &format!("/archives/{archive}/borrow"),
                &format!("/archives/{archive}/borrow"),
                &[
                    ("documents", &id),
                    ("mode", mode),
                    ("purpose", "核对"),
                    ("due_on", &due),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = res.text().await.unwrap();
        assert!(
            text_of(&body, "#e-mode")
                .unwrap()
                .contains("不可复印或借出"),
            "the rule is quoted"
        );
    }
    let mut conn = app.db().await;
    let borrows: i64 = archive_borrows::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    let requests: i64 = approval_requests::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!((borrows, requests), (0, 0));

    // On-site consultation may be asked for.
    let res = specialist
        .submit(
            &format!("/archives/{archive}/borrow"),
            &format!("/archives/{archive}/borrow"),
            &[
                ("documents", &id),
                ("mode", "consult"),
                ("purpose", "核对"),
                ("due_on", &due),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_loan_waits_for_the_managers_approval_from_the_mail_and_is_signed_for() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let archive = open_archive(&app, &keeper, "王小明", false).await;
    file_doc(
        &app,
        &keeper,
        archive,
        "move_in_notice",
        "入伙通知书",
        &today().to_string(),
        None,
    )
    .await;
    let doc = doc_id(&app, "入伙通知书").await.to_string();
    let due = (today() + Duration::days(5)).to_string();

    let form = format!("/archives/{archive}/borrow");
    let token = specialist.form_token(&form).await;
    let fields = [
        ("documents", doc.as_str()),
        ("mode", "loan"),
        ("purpose", "核对入伙日期"),
        ("due_on", &due),
        ("form_token", &token),
    ];
    let res = specialist.post(&form, &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let borrow = location(&res);
    // A double click files nothing more, and leads to what the first filed.
    let again = specialist.post(&form, &fields).await;
    assert_eq!(location(&again), borrow);
    let mut conn = app.db().await;
    let n: i64 = archive_borrows::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 1);
    let project: Option<i64> = approval_requests::table
        .select(approval_requests::project_id)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(project, Some(project_of(&app, archive).await));

    // Not approved yet: the keeper cannot hand it over.
    let sign = [("sign_name", "客服专员 陈静"), ("sign_confirm", "1")];
    keeper.post(&format!("{borrow}/lend"), &sign).await;
    let (_, page) = keeper.page(&borrow).await;
    assert_eq!(text_of(&page, "#borrow-status").unwrap(), "待审批");

    worker(&app).drain().await.unwrap();
    let mails = smtp.to(&mail_of(Role::CenterManager));
    assert_eq!(mails.len(), 1, "the manager is asked by mail");
    assert!(mails[0].text.contains("入伙通知书"));
    let link = link_in(&mails[0].text);
    let manager = app.login_as(Role::CenterManager).await;
    let res = manager
        .post(&link, &[("decision", "approve"), ("comment", "")])
        .await;
    assert!(res.status().is_redirection() || res.status().is_success());
    let (_, page) = keeper.page(&borrow).await;
    assert_eq!(text_of(&page, "#borrow-status").unwrap(), "已批准");

    // The borrower signs with their own name.
    let wrong = keeper
        .post(
            &format!("{borrow}/lend"),
            &[("sign_name", "别人"), ("sign_confirm", "1")],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = wrong.text().await.unwrap();
    assert_eq!(value_of(&body, "#f-sign_name").unwrap(), "别人");
    assert!(attr_of(&body, "#f-sign_confirm", "checked").is_some());
    let res = keeper.post(&format!("{borrow}/lend"), &sign).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let status: String = archive_documents::table
        .filter(archive_documents::title.eq("入伙通知书"))
        .select(archive_documents::status)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(status, "on_loan");

    // Past the due date the borrower is reminded, once a day.
    let late = at(today() + Duration::days(6));
    for t in [late, late + Duration::hours(1)] {
        kefu::archives::borrow::remind_overdue(&mut conn, t, &app.config)
            .await
            .unwrap();
    }
    let reminders: Vec<String> = mail_outbox::table
        .filter(mail_outbox::message.eq("archive_overdue"))
        .select(mail_outbox::to_addr)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(reminders, vec![mail_of(Role::CsSpecialist)]);

    let (_, register) = keeper.page("/archives/borrows").await;
    assert!(register.contains("入伙通知书") && register.contains("借出中"));
    let csv = keeper
        .get("/archives/borrows.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("客服专员 陈静") && csv.contains("核对入伙日期"));
    let number = text_of(&register, "tbody tr:first-child td a").unwrap();
    assert!(number.starts_with("JY-"), "{number}");
    assert!(
        csv.contains(&format!("\"{number}\"")),
        "the same number: {csv}"
    );
    let xlsx = keeper.get("/archives/borrows.xlsx").await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    let (_, print) = keeper.page("/archives/borrows/print").await;
    assert!(print.contains("文件借阅登记表") && print.contains("客服专员 陈静"));

    // A second request, still waiting: the whole list shows it, the register of
    // what was handed over does not, on screen, on paper or in the export.
    file_doc(
        &app,
        &keeper,
        archive,
        "renovation_agreement",
        "装修管理协议",
        &today().to_string(),
        None,
    )
    .await;
    let other = doc_id(&app, "装修管理协议").await.to_string();
    let res = specialist
        .submit(
            &format!("/archives/{archive}/borrow"),
            &format!("/archives/{archive}/borrow"),
            &[
                ("documents", &other),
                ("mode", "consult"),
                ("purpose", "查看装修约定"),
                ("due_on", &due),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let states = async |path: &str| texts_of(&keeper.page(path).await.1, "td .badge");
    // Consulting on site for work waits for no approval: ready at once.
    assert_eq!(states("/archives/borrows").await, ["待查阅", "借出中"]);
    assert_eq!(states("/archives/borrows?status=handed").await, ["借出中"]);
    assert!(states("/archives/borrows?status=pending").await.is_empty());
    assert_eq!(states("/archives/borrows?status=nonsense").await.len(), 2);
    let (_, handed) = keeper.page("/archives/borrows?status=handed").await;
    assert!(handed.contains("href=\"/archives/borrows/print?status=handed\""));
    assert!(handed.contains("href=\"/archives/borrows.csv?status=handed\""));
    let (_, print) = keeper.page("/archives/borrows/print?status=handed").await;
    for signer in [
        "服务中心经理 张伟",
        "客服主任 王芳",
        "客服专员 陈静",
        "核对入伙日期",
    ] {
        assert!(print.contains(signer), "{signer} on the paper register");
    }
    assert!(
        !print.contains("查看装修约定"),
        "a request not handed over is not on paper"
    );
    let csv = keeper
        .get("/archives/borrows.csv?status=handed")
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("服务中心经理 张伟") && csv.contains("客服主任 王芳"));
    assert!(csv.contains("核对入伙日期") && !csv.contains("查看装修约定"));
    let csv = keeper
        .get("/archives/borrows.csv")
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("核对入伙日期") && csv.contains("查看装修约定"));

    keeper.post(&format!("{borrow}/return"), &[]).await;
    let (_, page) = keeper.page(&borrow).await;
    assert_eq!(text_of(&page, "#borrow-status").unwrap(), "已归还");
    // Sent again (the back button): says it is done, changes nothing.
    keeper.post(&format!("{borrow}/return"), &[]).await;
    let (_, page) = keeper.page(&borrow).await;
    assert!(text_of(&page, ".flash").unwrap().contains("已经登记归还"));
}

#[tokio::test]
async fn retention_dates_run_from_each_kind_of_event_and_a_change_is_previewed() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let owner = open_archive(&app, &keeper, "王小明", false).await;
    let tenant = open_archive(&app, &keeper, "赵六", true).await;
    let received = "2024-05-10";
    for (a, code, title) in [
        (owner, "renovation_agreement", "装修"),
        (owner, "owner_id_copy", "身份证"),
        (owner, "service_agreement", "前期协议"),
        (owner, "owner_covenant", "公约"),
        (tenant, "lease_contract", "租赁合同"),
    ] {
        let res = file_doc(&app, &keeper, a, code, title, received, None).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{title}");
    }
    let d = |s: &str| Some(NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap());
    assert_eq!(
        retain_until(&app, "装修").await,
        d("2034-05-10"),
        "from receipt"
    );
    assert_eq!(
        retain_until(&app, "身份证").await,
        None,
        "not moved out yet"
    );
    assert_eq!(retain_until(&app, "公约").await, None, "permanent");

    keeper
        .post(
            &format!("/archives/{owner}/events"),
            &[
                ("moved_out", "2025-06-30"),
                ("contract_ended_on", "2025-12-31"),
            ],
        )
        .await;
    keeper
        .post(
            &format!("/archives/{tenant}/events"),
            &[("lease_ended_on", "2026-01-31")],
        )
        .await;
    assert_eq!(
        retain_until(&app, "身份证").await,
        d("2028-06-30"),
        "from move-out"
    );
    assert_eq!(
        retain_until(&app, "前期协议").await,
        d("2035-12-31"),
        "from contract end"
    );
    assert_eq!(
        retain_until(&app, "租赁合同").await,
        d("2036-01-31"),
        "from lease end"
    );
    assert_eq!(retain_until(&app, "公约").await, None);

    // A bad date is refused with its message and changes nothing.
    let res = keeper
        .post(
            &format!("/archives/{owner}/events"),
            &[("moved_out", "2025-02-30")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(retain_until(&app, "身份证").await, d("2028-06-30"));

    let t = type_id(&app, "owner_id_copy").await;
    let res = keeper
        .post(
            &format!("/archives/retention/{t}"),
            &[("event", "moved_out"), ("years", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#moved-count").unwrap().contains("1 份"));
    assert!(body.contains("2026-06-30"), "the new date is shown");
    // The archive is named as its own page names it, unit and all.
    let (_, archive) = keeper.page(&format!("/archives/{owner}")).await;
    let label = text_of(&body, "#preview tbody td a").unwrap();
    assert!(label.matches('-').count() == 3, "{label}");
    assert!(archive.contains(&label), "{label}");
    assert_eq!(
        retain_until(&app, "身份证").await,
        d("2028-06-30"),
        "not saved yet"
    );
    let confirm = value_of(&body, "#preview input[name=confirm]").unwrap();
    assert!(text_of(&body, "#previewed-again").is_none());
    // A period edited after the preview is previewed again, not saved unseen.
    let schedule = format!("/archives/retention/{t}");
    let edited = [
        ("event", "moved_out"),
        ("years", "2"),
        ("confirm", &confirm),
    ];
    let res = keeper.post(&schedule, &edited).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#previewed-again")
        .unwrap()
        .contains("预览后修改"));
    assert!(text_of(&body, "#moved-count").unwrap().contains("1 份"));
    assert!(body.contains("2027-06-30"), "the new date is shown");
    assert_eq!(value_of(&body, "#f-years").as_deref(), Some("2"));
    assert_eq!(retain_until(&app, "身份证").await, d("2028-06-30"));
    // Saved as previewed.
    let res = keeper
        .post(
            &schedule,
            &[
                ("event", "moved_out"),
                ("years", "1"),
                ("confirm", &confirm),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(retain_until(&app, "身份证").await, d("2026-06-30"));
}

fn at(day: NaiveDate) -> DateTime<Utc> {
    chrono_tz::Asia::Shanghai
        .from_local_datetime(&day.and_hms_opt(2, 0, 0).unwrap())
        .unwrap()
        .with_timezone(&Utc)
}

async fn digests(app: &TestApp) -> Vec<String> {
    let mut conn = app.db().await;
    mail_outbox::table
        .filter(mail_outbox::message.eq("archive_retention"))
        .order(mail_outbox::id)
        .select(mail_outbox::body_text)
        .load(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_keeper_gets_one_digest_ahead_and_one_on_the_day_never_twice_and_nothing_on_hold() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let archive = open_archive(&app, &keeper, "王小明", false).await;
    // Renovation agreements are kept ten years from receipt.
    let soon = years_ago(10, 20);
    let now = years_ago(10, 0);
    for (title, received) in [
        ("二十天后到期", &soon),
        ("今天到期", &now),
        ("冻结的", &now),
    ] {
        file_doc(
            &app,
            &keeper,
            archive,
            "renovation_agreement",
            title,
            received,
            None,
        )
        .await;
    }
    let held = doc_id(&app, "冻结的").await;
    keeper
        .post(
            &format!("/archives/documents/{held}/hold"),
            &[("hold", "on"), ("reason", "诉讼")],
        )
        .await;

    // Two instances run the job at the same moment, then it runs again.
    let t0 = at(today());
    let (mut c1, mut c2) = (app.db().await, app.db().await);
    let (a, b) = tokio::join!(
        kefu::archives::retention::notify(&mut c1, t0, &app.config),
        kefu::archives::retention::notify(&mut c2, t0, &app.config)
    );
    a.unwrap();
    b.unwrap();
    kefu::jobs::run_now(
        &mut c1,
        "archives.retention",
        t0 + Duration::hours(1),
        &app.config,
    )
    .await
    .unwrap();
    let mails = digests(&app).await;
    assert_eq!(mails.len(), 1, "one digest: {mails:?}");
    assert!(mails[0].contains("二十天后到期") && mails[0].contains("今天到期"));
    assert!(!mails[0].contains("冻结的"), "nothing on hold");

    // On the day the first one is due: one more digest, once.
    let t20 = at(today() + Duration::days(20));
    for t in [t20, t20 + Duration::hours(1)] {
        kefu::jobs::run_now(&mut c1, "archives.retention", t, &app.config)
            .await
            .unwrap();
    }
    let mails = digests(&app).await;
    assert_eq!(mails.len(), 2);
    assert!(mails[1].contains("二十天后到期") && !mails[1].contains("今天到期"));
    assert!(!mails[1].contains("冻结的"));

    worker(&app).drain().await.unwrap();
    let received = smtp.to(&mail_of(Role::ArchiveKeeper));
    assert_eq!(received.len(), 2, "both digests reach the keeper");
    // The subjects count what each says (the two arrive in either order).
    let mut counts: Vec<&str> = received
        .iter()
        .map(|m| {
            assert!(m.subject.starts_with("档案保存期限提醒"), "{}", m.subject);
            m.subject.rsplit('：').next().unwrap()
        })
        .collect();
    counts.sort();
    assert_eq!(counts, ["已到期 1 件", "已到期 1 件、即将到期 1 件"]);
    assert!(
        received
            .iter()
            .any(|m| m.text.contains("以下资料将在 30 天内到达保存期限")),
        "the days ahead said in words"
    );
}

/// 王小明's archive with one paper reaching its retention date in twenty days.
async fn paper_due_in_twenty_days(app: &TestApp, keeper: &Browser) {
    let archive = open_archive(app, keeper, "王小明", false).await;
    let soon = years_ago(10, 20);
    file_doc(
        app,
        keeper,
        archive,
        "renovation_agreement",
        "二十天后到期",
        &soon,
        None,
    )
    .await;
}

#[tokio::test]
async fn a_keeper_hears_only_of_the_papers_of_the_projects_they_serve() {
    use crate::by_project::{add_user, serve, two_projects};
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    paper_due_in_twenty_days(&app, &keeper).await;
    // 王小明 lives in 碧水花园. The keeper serves every project; a second keeper
    // serves 翠湖苑 only.
    let (_, cuihu) = two_projects(&app).await;
    let admin = app.login_as(Role::Admin).await;
    let res = add_user(&admin, "keeper2", "archive_keeper", &[&cuihu.to_string()]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let to = async || -> Vec<String> {
        mail_outbox::table
            .filter(mail_outbox::message.eq("archive_retention"))
            .order(mail_outbox::id)
            .select(mail_outbox::to_addr)
            .load(&mut app.db().await)
            .await
            .unwrap()
    };

    kefu::archives::retention::notify(&mut app.db().await, at(today()), &app.config)
        .await
        .unwrap();
    assert_eq!(to().await, vec![mail_of(Role::ArchiveKeeper)]);

    // On the day, nobody serves 碧水花园 any more: every keeper hears of it.
    serve(&app, username(Role::ArchiveKeeper), &[cuihu]).await;
    let t20 = at(today() + Duration::days(20));
    kefu::archives::retention::notify(&mut app.db().await, t20, &app.config)
        .await
        .unwrap();
    let mut on_the_day = to().await.split_off(1);
    on_the_day.sort();
    assert_eq!(
        on_the_day,
        vec![
            "keeper2@kefu.example.com".to_string(),
            mail_of(Role::ArchiveKeeper),
        ]
    );
}

/// Decides the pending task of `request` as `b`.
async fn decide(app: &TestApp, b: &Browser, request: i64) {
    let mut conn = app.db().await;
    let task: i64 = approval_tasks::table
        .filter(approval_tasks::request_id.eq(request))
        .filter(approval_tasks::status.eq("pending"))
        .select(approval_tasks::id)
        .first(&mut conn)
        .await
        .unwrap();
    let res = b
        .post(
            &format!("/approvals/{request}/decide"),
            &[
                ("task_id", &task.to_string()),
                ("decision", "approve"),
                ("comment", ""),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

async fn doc_status(app: &TestApp, id: i64) -> String {
    let mut conn = app.db().await;
    archive_documents::table
        .find(id)
        .select(archive_documents::status)
        .first(&mut conn)
        .await
        .unwrap()
}

/// 王小明's archive with a renovation agreement 11 years old, past retention
/// (`旧装修协议`); returns the archive.
async fn archive_with_old_agreement(
    app: &TestApp,
    keeper: &Browser,
    scan: Option<(&str, Vec<u8>)>,
) -> i64 {
    let archive = open_archive(app, keeper, "王小明", false).await;
    let old = years_ago(11, 0);
    file_doc(
        app,
        keeper,
        archive,
        "renovation_agreement",
        "旧装修协议",
        &old,
        scan,
    )
    .await;
    archive
}

#[tokio::test]
async fn destruction_needs_review_approval_a_recheck_and_two_distinct_witnesses() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let archive = archive_with_old_agreement(&app, &keeper, Some(("a.pdf", PDF.to_vec()))).await;
    file_doc(
        &app,
        &keeper,
        archive,
        "move_in_notice",
        "未到期",
        &today().to_string(),
        None,
    )
    .await;
    let doc = doc_id(&app, "旧装修协议").await;

    // Only documents past retention may be listed.
    let young = doc_id(&app, "未到期").await.to_string();
    let res = keeper
        .submit(
            "/archives/due",
            "/archives/destructions",
            &[("documents", &young)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);

    let list = list_for_destruction(&keeper, doc).await;
    let mut conn = app.db().await;
    let (request, project): (i64, Option<i64>) = approval_requests::table
        .filter(approval_requests::kind.eq("archive_destruction"))
        .select((approval_requests::id, approval_requests::project_id))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        project,
        Some(project_of(&app, archive).await),
        "a list of one project's papers is about that project"
    );

    let specialist = app.login_as(Role::CsSpecialist).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let manager = app.login_as(Role::CenterManager).await;
    let keeper_sign = [("sign_name", "客服主任 王芳"), ("sign_confirm", "1")];

    // The reviewer's inbox names the list and counts its documents in their language.
    let number = format!("XH-{}", list.rsplit('/').next().unwrap());
    let (_, en_inbox) = supervisor.page("/approvals?lang=en").await;
    let (_, zh_inbox) = supervisor.page("/approvals?lang=zh-CN").await;
    assert_eq!(
        text_of(&en_inbox, "table.inbox tbody a").unwrap(),
        format!("Expired document disposal form · {number} · 1 document")
    );
    assert_eq!(
        text_of(&zh_inbox, "table.inbox tbody a").unwrap(),
        format!("过期文件处理登记表 · {number} · 1 件")
    );

    // In review: no witness, no record.
    keeper.post(&format!("{list}/witness"), &keeper_sign).await;
    keeper.post(&format!("{list}/record"), &[]).await;
    assert_eq!(doc_status(&app, doc).await, "kept");

    decide(&app, &supervisor, request).await;
    // The reviewer is told the request goes on, not that the keeper hears.
    let (_, told) = supervisor.page(&format!("/approvals/{request}")).await;
    assert_eq!(
        text_of(&told, ".flash").as_deref(),
        Some("已同意。申请已转到下一步审批，全部同意后申请人会收到邮件通知。")
    );
    assert!(
        texts_of(&told, "dl.details dt").contains(&"第 1 份".to_owned()),
        "each paper of the list is named as one"
    );
    let (_, page) = keeper.page(&list).await;
    assert_eq!(
        text_of(&page, "#destruction-status").unwrap(),
        "审核中",
        "reviewed, not yet approved"
    );
    decide(&app, &manager, request).await;
    let (_, told) = manager.page(&format!("/approvals/{request}")).await;
    assert_eq!(
        text_of(&told, ".flash").as_deref(),
        Some("已同意。申请人会收到邮件通知。")
    );
    let (_, page) = keeper.page(&list).await;
    assert_eq!(
        text_of(&page, "#destruction-status").unwrap(),
        "已批准，待销毁"
    );

    // Approved, but not re-checked and without witnesses.
    keeper.post(&format!("{list}/record"), &[]).await;
    assert_eq!(doc_status(&app, doc).await, "kept");
    // The one who made the list does not re-check it, even holding the
    // supervisor's post too.
    let keeper_id = crate::approvals::user_id(&app, username(Role::ArchiveKeeper)).await;
    app.grant(keeper_id, Role::CsSupervisor).await;
    let both = app.login_as(Role::ArchiveKeeper).await;
    let (_, page) = both.page(&list).await;
    assert!(
        !page.contains(&format!("{list}/recheck")),
        "no re-check offered"
    );
    both.post(&format!("{list}/recheck"), &[]).await;
    let (_, page) = both.page(&list).await;
    assert_eq!(
        text_of(&page, ".flash").as_deref(),
        Some("这份登记表是您列的，须由另一位主管复核。")
    );
    assert_eq!(text_of(&page, "#recheck").as_deref(), Some("—"));
    supervisor.post(&format!("{list}/recheck"), &[]).await;
    keeper.post(&format!("{list}/witness"), &keeper_sign).await;
    keeper.post(&format!("{list}/witness"), &keeper_sign).await;
    keeper.post(&format!("{list}/record"), &[]).await;
    assert_eq!(doc_status(&app, doc).await, "kept", "one person is not two");
    let (_, page) = keeper.page(&list).await;
    assert!(text_of(&page, "#blocker").unwrap().contains("两人以上在场"));

    specialist
        .post(
            &format!("{list}/witness"),
            &[("sign_name", "客服专员 陈静"), ("sign_confirm", "1")],
        )
        .await;
    // Lent out after it was listed: not destroyed while away.
    let set_status = async |status: &str| {
        diesel::update(archive_documents::table.find(doc))
            .set(archive_documents::status.eq(status))
            .execute(&mut app.db().await)
            .await
            .unwrap();
    };
    set_status("on_loan").await;
    keeper.post(&format!("{list}/record"), &[]).await;
    assert_eq!(doc_status(&app, doc).await, "on_loan");
    let (_, page) = keeper.page(&list).await;
    assert!(page.contains("只能销毁在档的资料"), "says why");
    set_status("kept").await;
    let present = async || -> i32 {
        archives::table
            .find(archive)
            .select(archives::present_required)
            .first(&mut app.db().await)
            .await
            .unwrap()
    };
    let present_before = present().await;
    let res = keeper.post(&format!("{list}/record"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(doc_status(&app, doc).await, "destroyed");
    // A required paper destroyed as due is accounted for, not missing.
    assert_eq!(present().await, present_before);
    let (_, shown) = keeper.page(&format!("/archives/{archive}")).await;
    let line = texts_of(&shown, "table.checklist tbody tr")
        .into_iter()
        .find(|l| l.contains("装修管理协议"))
        .unwrap();
    assert!(
        line.contains("已按规定销毁") && !line.contains("缺少"),
        "{line}"
    );
    // Sent again: the list says it is recorded, not that it waits for approval.
    keeper.post(&format!("{list}/record"), &[]).await;
    let (_, again) = keeper.page(&list).await;
    assert!(again.contains("销毁已经登记"), "{again}");
    let scans: i64 = archive_scans::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(scans, 0, "the scan is gone");
    let res = keeper.get(&format!("/archives/documents/{doc}/scan")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);

    let (_, print) = keeper.page(&format!("{list}/print")).await;
    assert!(print.contains("销毁清册") && print.contains("旧装修协议"));
    assert!(print.contains("客服专员 陈静") && print.contains("客服主任 王芳"));
    assert!(text_of(&print, "#reviewed")
        .unwrap()
        .contains("客服主管 李强"));
    assert!(text_of(&print, "#approved")
        .unwrap()
        .contains("服务中心经理 张伟"));
    assert!(text_of(&print, "#note").unwrap().contains("到期"));
    let (_, page) = keeper.page(&format!("/archives/documents/{doc}")).await;
    assert!(page.contains("已销毁"), "the record remains");

    // Exported: the list's documents, and the lists with their state.
    let (status, csv) = keeper.page(&format!("{list}.csv")).await;
    assert_eq!(status, StatusCode::OK);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 2, "{csv}");
    assert!(
        lines[1].starts_with("\"1\",") && lines[1].contains("旧装修协议"),
        "{csv}"
    );
    let res = keeper.get(&format!("{list}.xlsx")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.bytes().await.unwrap().starts_with(b"PK"));
    let (_, csv) = keeper.page("/archives/destructions.csv?lang=en").await;
    let number = list.rsplit('/').next().unwrap();
    assert!(
        csv.lines()
            .any(|l| l.starts_with(&format!("\"XH-{number}\",")) && l.contains("Destroyed")),
        "{csv}"
    );
    // And the register of lists on paper (in English, chosen above).
    let (_, lists) = keeper.page("/archives/destructions").await;
    assert_eq!(
        attr_of(&lists, "#destructions-print", "href").as_deref(),
        Some("/archives/destructions/print?status=")
    );
    // By state, on screen, on paper and exported alike.
    let shown = async |path: &str, cells: &str| texts_of(&keeper.page(path).await.1, cells);
    let first = "tbody tr:first-child td:first-child";
    let destroyed = shown("/archives/destructions?status=destroyed", first).await;
    assert_eq!(destroyed, [format!("XH-{number}")]);
    let in_review = shown("/archives/destructions?status=in_review", first).await;
    assert_eq!(in_review, ["No destruction lists yet."]);
    let paper = shown("/archives/destructions/print?status=destroyed", first).await;
    assert_eq!(paper, [format!("XH-{number}")]);
    let csv = keeper
        .page("/archives/destructions.csv?status=in_review")
        .await
        .1;
    assert_eq!(csv.lines().count(), 1, "the header alone: {csv}");
    let (status, paper) = keeper.page("/archives/destructions/print").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        text_of(&paper, "h1").as_deref(),
        Some("Register of destruction lists")
    );
    let line = texts_of(&paper, "#destructions-paper tbody tr:first-child td");
    assert_eq!(line[0], format!("XH-{number}"));
    assert_eq!(line[5], "Destroyed", "{line:?}");
    assert!(!line[6].is_empty(), "when it was destroyed: {line:?}");
    let employee = app.login_as(Role::Employee).await;
    for page in [format!("{list}.csv"), "/archives/destructions/print".into()] {
        assert_eq!(employee.page(&page).await.0, StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn a_document_on_hold_cannot_be_listed_for_destruction() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let archive = open_archive(&app, &keeper, "王小明", false).await;
    file_doc(
        &app,
        &keeper,
        archive,
        "renovation_agreement",
        "冻结协议",
        &years_ago(11, 0),
        None,
    )
    .await;
    keeper
        .post(
            &format!("/archives/{archive}/hold"),
            &[("hold", "on"), ("reason", "诉讼")],
        )
        .await;
    let doc = doc_id(&app, "冻结协议").await.to_string();
    let res = keeper
        .submit(
            "/archives/due",
            "/archives/destructions",
            &[("documents", &doc)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("冻结的资料"));
}

/// The keeper lists `doc` for destruction from the due list (note 到期); the
/// list's page.
async fn list_for_destruction(keeper: &Browser, doc: i64) -> String {
    let res = keeper
        .submit(
            "/archives/due",
            "/archives/destructions",
            &[("documents", &doc.to_string()), ("note", "到期")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    location(&res)
}

/// How many destruction lists were ever filed.
async fn destruction_lists(app: &TestApp) -> i64 {
    let mut conn = app.db().await;
    kefu::schema::archive_destructions::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap()
}

/// A renovation agreement filed today in 王小明's new archive, well within its
/// retention; returns its page.
async fn paper_within_retention(app: &TestApp, keeper: &Browser, title: &str) -> String {
    let archive = open_archive(app, keeper, "王小明", false).await;
    let received = today().to_string();
    file_doc(
        app,
        keeper,
        archive,
        "renovation_agreement",
        title,
        &received,
        None,
    )
    .await;
    format!("/archives/documents/{}", doc_id(app, title).await)
}

#[tokio::test]
async fn a_paper_appraised_as_worthless_is_listed_before_its_retention_date() {
    use kefu::schema::archive_destructions as d;
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let page = paper_within_retention(&app, &keeper, "作废的装修协议").await;
    let appraise = format!("{page}/appraise");
    let mut conn = app.db().await;
    let lists = async |conn: &mut diesel_async::AsyncPgConnection| -> Vec<(i64, String, String)> {
        d::table
            .select((d::id, d::basis, d::note))
            .order(d::id)
            .load(conn)
            .await
            .unwrap()
    };

    // Still within retention: the due list refuses it and points to the appraisal.
    let doc = page.rsplit('/').next().unwrap();
    let res = keeper
        .submit(
            "/archives/due",
            "/archives/destructions",
            &[("documents", doc)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("鉴定"));

    // An appraisal without its reasons is refused; nothing is stored.
    let res = keeper
        .submit(&page, &appraise, &[("appraisal", "  ")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-appraisal").unwrap().contains("鉴定意见"));
    assert!(lists(&mut conn).await.is_empty());

    // With them, the list goes to review like any other, the appraisal its note.
    let token = keeper.form_token(&page).await;
    let why = "业主已重新签订装修协议，旧协议作废，经鉴定无保存价值";
    let fields = [("appraisal", why), ("form_token", token.as_str())];
    let res = keeper.post(&appraise, &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let list = location(&res);
    let stored = lists(&mut conn).await;
    assert_eq!(stored.len(), 1);
    let (id, basis, note) = &stored[0];
    assert_eq!(list, format!("/archives/destructions/{id}"));
    assert_eq!((basis.as_str(), note.as_str()), ("appraised", why));
    let review: i64 = approval_requests::table
        .filter(approval_requests::kind.eq("archive_destruction"))
        .filter(approval_requests::subject_id.eq(id))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(review, 1, "sent for review and approval");

    // Sent twice (a double click, the back button): still one list.
    let again = keeper.post(&appraise, &fields).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&again), list);
    assert_eq!(lists(&mut conn).await.len(), 1);
    // A new appraisal of the same paper finds it on the open list.
    let res = keeper.submit(&page, &appraise, &[("appraisal", why)]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("另一份未完成的登记表"));

    // The list, its print and the reviewer's mail name the grounds and the appraisal.
    let (_, show) = keeper.page(&list).await;
    assert_eq!(text_of(&show, "#basis").unwrap(), "经鉴定无保存价值");
    assert_eq!(text_of(&show, "#note").unwrap(), why);
    let (_, print) = keeper.page(&format!("{list}/print")).await;
    assert!(text_of(&print, "#basis")
        .unwrap()
        .contains("经鉴定无保存价值"));
    assert!(text_of(&print, "#note").unwrap().contains(why));
    let (_, en) = keeper.page(&format!("{list}/print?lang=en")).await;
    assert!(text_of(&en, "#basis")
        .unwrap()
        .contains("Appraised as worth nothing more"));
    let mail: String = mail_outbox::table
        .filter(mail_outbox::message.eq("approval_request"))
        .select(mail_outbox::body_text)
        .order(mail_outbox::id.desc())
        .first(&mut conn)
        .await
        .unwrap();
    assert!(mail.contains("经鉴定无保存价值") && mail.contains(why));

    // Those who only read archives cannot appraise.
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (_, seen) = supervisor.page(&page).await;
    assert!(!seen.contains("id=\"appraise\""));
    let res = supervisor.post(&appraise, &[("appraisal", why)]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn two_appraisals_of_one_paper_at_once_file_one_list() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let page = paper_within_retention(&app, &keeper, "两个标签页").await;
    let appraise = format!("{page}/appraise");
    // Two windows signed in apart (each with its own flash messages).
    let other = app.login_as(Role::ArchiveKeeper).await;
    let (one, two) = (
        keeper.form_token(&page).await,
        other.form_token(&page).await,
    );
    let first = [("appraisal", "无保存价值"), ("form_token", one.as_str())];
    let second = [("appraisal", "无保存价值"), ("form_token", two.as_str())];
    let (a, b) = tokio::join!(
        keeper.post(&appraise, &first),
        other.post(&appraise, &second)
    );
    // One files the list; the other, checked after that one's commit (422) or
    // under its lock (409), is refused with the reason, its appraisal kept.
    let filed = |r: &reqwest::Response| {
        r.status() == StatusCode::SEE_OTHER && location(r).starts_with("/archives/destructions/")
    };
    assert!(filed(&a) ^ filed(&b), "exactly one list filed");
    let refused = if filed(&a) { b } else { a };
    assert!(
        [StatusCode::UNPROCESSABLE_ENTITY, StatusCode::CONFLICT].contains(&refused.status()),
        "{}",
        refused.status()
    );
    let said = refused.text().await.unwrap();
    assert!(text_of(&said, "#e-appraisal")
        .unwrap()
        .contains("另一份未完成的登记表"));
    assert_eq!(
        text_of(&said, "#f-appraisal").as_deref(),
        Some("无保存价值")
    );
    assert_eq!(destruction_lists(&app).await, 1);
}

#[tokio::test]
async fn a_paper_on_hold_cannot_be_appraised_for_destruction() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let page = paper_within_retention(&app, &keeper, "诉讼中的协议").await;
    let token = keeper.form_token(&page).await;
    keeper
        .post(
            &format!("{page}/hold"),
            &[("hold", "on"), ("reason", "诉讼")],
        )
        .await;
    let (_, shown) = keeper.page(&page).await;
    assert!(!shown.contains("id=\"appraise\""), "no form while on hold");
    // A form loaded before the hold is refused with the reason, its text kept.
    let res = keeper
        .post(
            &format!("{page}/appraise"),
            &[("appraisal", "无保存价值"), ("form_token", &token)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-appraisal")
        .unwrap()
        .contains("冻结的资料"));
    assert_eq!(destruction_lists(&app).await, 0);
}

/// The archive's maintained count of required types present (its completeness).
async fn present_required(app: &TestApp, archive: i64) -> i32 {
    let mut conn = app.db().await;
    archives::table
        .find(archive)
        .select(archives::present_required)
        .first(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_paper_taken_out_leaves_the_checklist_and_keeps_its_history() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let archive = open_archive(&app, &keeper, "王小明", false).await;
    let scan = Some(("n.pdf", PDF.to_vec()));
    let res = file_doc(
        &app,
        &keeper,
        archive,
        "move_in_notice",
        "入伙通知书",
        "2024-05-10",
        scan,
    );
    assert_eq!(res.await.status(), StatusCode::SEE_OTHER);
    let doc = doc_id(&app, "入伙通知书").await;
    let page = format!("/archives/documents/{doc}");
    let remove = format!("{page}/remove");
    assert_eq!(present_required(&app, archive).await, 1);
    let mut conn = app.db().await;
    let state = async |conn: &mut diesel_async::AsyncPgConnection| -> (String, String, bool) {
        archive_documents::table
            .find(doc)
            .select((
                archive_documents::status,
                archive_documents::removed_reason,
                archive_documents::has_scan,
            ))
            .first(conn)
            .await
            .unwrap()
    };
    let removals = async |conn: &mut diesel_async::AsyncPgConnection| -> i64 {
        audit_log::table
            .filter(audit_log::action.eq("archives.document_removed"))
            .count()
            .get_result(conn)
            .await
            .unwrap()
    };

    // Without a reason nothing happens, and the form says so.
    let res = keeper.post(&remove, &[("remove_reason", " ")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-remove_reason")
        .unwrap()
        .contains("移出原因"));
    assert_eq!(state(&mut conn).await.0, "kept");
    // The same in English, where the keeper then takes the paper out.
    keeper.page("/handbook?lang=en").await;
    let res = keeper.post(&remove, &[("remove_reason", "")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&res.text().await.unwrap(), "#e-remove_reason")
        .unwrap()
        .starts_with("Give the reason"));

    // 档案变更: the original goes back to the owner.
    let res = keeper
        .post(&remove, &[("remove_reason", "原件退还业主")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), page);
    let (_, shown) = keeper.page(&page).await;
    assert!(shown.contains("The document is out of the archive"));
    keeper.page("/handbook?lang=zh-CN").await;
    assert_eq!(
        state(&mut conn).await,
        ("removed".to_owned(), "原件退还业主".to_owned(), false)
    );
    let scans: i64 = archive_scans::table
        .filter(archive_scans::document_id.eq(doc))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(scans, 0, "the scan is deleted");
    assert_eq!(
        present_required(&app, archive).await,
        0,
        "the checklist misses it again"
    );
    let (_, shown) = keeper.page(&page).await;
    assert!(text_of(&shown, "#removed")
        .unwrap()
        .contains("原件退还业主"));
    assert!(!shown.contains("id=\"edit-document\"") && !shown.contains("id=\"remove\""));
    let (_, inventory) = keeper.page(&format!("/archives/{archive}/inventory")).await;
    assert!(inventory.contains("入伙通知书") && inventory.contains("已移出"));
    let (_, show) = keeper.page(&format!("/archives/{archive}")).await;
    assert!(
        texts_of(&show, "table.history td")
            .contains(&"移出资料 · 入伙通知书 · 原件退还业主".to_owned()),
        "in the archive's history"
    );
    let (_, english) = keeper.page(&format!("/archives/{archive}?lang=en")).await;
    keeper.page("/handbook?lang=zh-CN").await;
    assert!(
        !texts_of(&english, "table.history td")
            .iter()
            .any(|t| t.contains('：')),
        "no Chinese punctuation in English"
    );
    assert_eq!(removals(&mut conn).await, 1);

    // Sent again (a double click): nothing more recorded.
    let again = keeper
        .post(&remove, &[("remove_reason", "原件退还业主")])
        .await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(removals(&mut conn).await, 1);
    let (_, show) = keeper.page(&format!("/archives/{archive}")).await;
    assert_eq!(show.matches("移出资料").count(), 1);

    // A paper out of the archive is not corrected; the same paper may come back.
    let t = type_id(&app, "move_in_notice").await.to_string();
    let fields = [
        ("type_id", t.as_str()),
        ("title", "改掉"),
        ("received_on", "2024-05-10"),
        ("pages", "2"),
        ("cabinet", ""),
        ("box", ""),
    ];
    keeper.post(&page, &fields).await;
    assert_eq!(state(&mut conn).await.0, "removed");
    let back = file_doc(
        &app,
        &keeper,
        archive,
        "move_in_notice",
        "入伙通知书",
        "2024-05-10",
        None,
    );
    assert_eq!(back.await.status(), StatusCode::SEE_OTHER, "filed again");
    assert_eq!(present_required(&app, archive).await, 1);

    // Only the keeper takes papers out.
    let specialist = app.login_as(Role::CsSpecialist).await;
    let res = specialist.post(&remove, &[("remove_reason", "试试")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
}

/// A paper called `title` filed today in 王小明's archive, asked on loan for five
/// days by `borrower` (the specialist) and approved by the centre manager:
/// (the paper's page, the borrow's page).
async fn approved_loan(
    app: &TestApp,
    keeper: &Browser,
    borrower: &Browser,
    title: &str,
) -> (String, String) {
    let page = paper_within_retention(app, keeper, title).await;
    let doc = page.rsplit('/').next().unwrap();
    let archive: i64 = archive_documents::table
        .find(doc.parse::<i64>().unwrap())
        .select(archive_documents::archive_id)
        .first(&mut app.db().await)
        .await
        .unwrap();
    let due = (today() + Duration::days(5)).to_string();
    let res = borrower
        .submit(
            &format!("/archives/{archive}/borrow"),
            &format!("/archives/{archive}/borrow"),
            &[
                ("documents", doc),
                ("mode", "loan"),
                ("purpose", "核对装修约定"),
                ("due_on", &due),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let borrow = location(&res);
    let request: i64 = approval_requests::table
        .filter(approval_requests::kind.eq("archive_borrow"))
        .select(approval_requests::id)
        .first(&mut app.db().await)
        .await
        .unwrap();
    decide(app, &app.login_as(Role::CenterManager).await, request).await;
    (page, borrow)
}

/// A borrow handed over after its return date would be overdue at once (and
/// its borrower reminded daily): a consultation is due back the day it is
/// handed over, whenever it was asked; a loan whose date passed first is not
/// handed over, and its borrower may withdraw it.
#[tokio::test]
async fn a_borrow_is_never_overdue_the_moment_it_is_handed_over() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let (page, loan) = approved_loan(&app, &keeper, &specialist, "装修协议").await;
    let id_of = |path: &str| path.rsplit('/').next().unwrap().parse::<i64>().unwrap();
    let row = async |id: i64| -> (String, NaiveDate) {
        archive_borrows::table
            .find(id)
            .select((archive_borrows::status, archive_borrows::due_on))
            .first(&mut app.db().await)
            .await
            .unwrap()
    };
    let set_due = async |id: i64, day: NaiveDate| {
        diesel::update(archive_borrows::table.find(id))
            .set(archive_borrows::due_on.eq(day))
            .execute(&mut app.db().await)
            .await
            .unwrap();
    };
    let yesterday = today() - Duration::days(1);
    let lapsed = "归还日期已过，不能再交付。借阅人可撤回此次借阅，再重新申请。";
    // Approved and not handed over, it may be called off before its date too
    // (no longer needed, or its papers can no longer be handed over).
    for who in [&specialist, &keeper] {
        let (_, shown) = who.page(&loan).await;
        assert_eq!(
            text_of(&shown, "#cancel-consultation button").as_deref(),
            Some("撤回此次借阅")
        );
    }
    set_due(id_of(&loan), yesterday).await;
    let (_, shown) = keeper.page(&loan).await;
    assert_eq!(text_of(&shown, "#borrow-lapsed").as_deref(), Some(lapsed));
    assert!(
        !shown.contains(&format!("{loan}/lend")),
        "no hand-over form"
    );
    let sign = [("sign_name", "客服专员 陈静"), ("sign_confirm", "1")];
    let res = keeper.post(&format!("{loan}/lend"), &sign).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, shown) = keeper.page(&loan).await;
    assert_eq!(text_of(&shown, ".flash").as_deref(), Some(lapsed));
    assert_eq!(row(id_of(&loan)).await, ("approved".into(), yesterday));
    let (_, mine) = specialist.page(&loan).await;
    assert_eq!(
        text_of(&mine, "#cancel-consultation button").as_deref(),
        Some("撤回此次借阅")
    );
    let res = specialist.post(&format!("{loan}/cancel"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, mine) = specialist.page(&loan).await;
    assert_eq!(
        text_of(&mine, ".flash").as_deref(),
        Some("已撤回此次借阅。")
    );
    assert_eq!(row(id_of(&loan)).await.0, "withdrawn");

    // A consultation asked yesterday and handed over today is due back today.
    let doc = page.rsplit('/').next().unwrap();
    let archive: i64 = archive_documents::table
        .find(doc.parse::<i64>().unwrap())
        .select(archive_documents::archive_id)
        .first(&mut app.db().await)
        .await
        .unwrap();
    let form = format!("/archives/{archive}/borrow");
    let fields = [
        ("documents", doc),
        ("mode", "consult"),
        ("purpose", "核对装修约定"),
    ];
    let res = specialist.submit(&form, &form, &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let consult = location(&res);
    set_due(id_of(&consult), yesterday).await;
    let res = keeper.post(&format!("{consult}/lend"), &sign).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(row(id_of(&consult)).await, ("lent".into(), today()));
    let (_, shown) = keeper.page(&consult).await;
    assert_eq!(text_of(&shown, "#borrow-status").as_deref(), Some("查阅中"));
    assert!(text_of(&shown, "#borrow-overdue").is_none());
}

/// A paper marked confidential after the loan was approved is not lent: it is
/// consulted on site only (住户档案管理规定 3(3)).
#[tokio::test]
async fn a_paper_made_confidential_after_the_approval_is_not_lent() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let (page, borrow) = approved_loan(&app, &keeper, &specialist, "装修协议").await;
    let doc: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    diesel::update(archive_documents::table.find(doc))
        .set(archive_documents::confidential.eq(true))
        .execute(&mut app.db().await)
        .await
        .unwrap();
    let sign = [("sign_name", "客服专员 陈静"), ("sign_confirm", "1")];
    let res = keeper.post(&format!("{borrow}/lend"), &sign).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let shown = res.text().await.unwrap();
    assert!(text_of(&shown, "#e-documents")
        .unwrap()
        .contains("不可复印或借出"));
    assert_eq!(
        text_of(&shown, "#borrow-status").unwrap(),
        "已批准",
        "not lent"
    );
    assert_eq!(doc_status(&app, doc).await, "kept");
}

#[tokio::test]
async fn a_paper_taken_out_after_the_approval_is_not_handed_over() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let (page, borrow) = approved_loan(&app, &keeper, &specialist, "装修协议").await;
    let doc = page.rsplit('/').next().unwrap();
    // Approved, then the paper goes back to the owner before the hand-over.
    let res = keeper
        .post(
            &format!("{page}/remove"),
            &[("remove_reason", "原件退还业主")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Refused, saying why, the signature kept for when the paper is back.
    let sign = [("sign_name", "客服专员 陈静"), ("sign_confirm", "1")];
    let res = keeper.post(&format!("{borrow}/lend"), &sign).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let shown = res.text().await.unwrap();
    assert!(text_of(&shown, "#e-documents")
        .unwrap()
        .contains("不在档案柜中"));
    assert_eq!(
        attr_of(&shown, ".error-summary a", "href").as_deref(),
        Some("#f-documents")
    );
    assert_eq!(
        value_of(&shown, "#f-sign_name").as_deref(),
        Some("客服专员 陈静")
    );
    assert_eq!(
        text_of(&shown, "#borrow-status").unwrap(),
        "已批准",
        "not lent"
    );
    // Tried again in English: refused again, in English.
    keeper.page("/handbook?lang=en").await;
    let res = keeper.post(&format!("{borrow}/lend"), &sign).await;
    let shown = res.text().await.unwrap();
    assert!(text_of(&shown, "#e-documents")
        .unwrap()
        .contains("is not in the cabinet now"));
    assert_eq!(text_of(&shown, "#borrow-status").unwrap(), "Approved");
    let (status,): (String,) = archive_documents::table
        .find(doc.parse::<i64>().unwrap())
        .select((archive_documents::status,))
        .first(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(status, "removed");
}

#[tokio::test]
async fn a_paper_on_an_open_destruction_list_is_neither_lent_nor_corrected_nor_offered() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let (page, borrow) = approved_loan(&app, &keeper, &specialist, "装修协议").await;
    let doc = page.rsplit('/').next().unwrap().to_owned();
    let archive: i64 = archive_documents::table
        .find(doc.parse::<i64>().unwrap())
        .select(archive_documents::archive_id)
        .first(&mut app.db().await)
        .await
        .unwrap();
    // The loan approved, the paper is appraised as worthless: it goes on a list.
    let (_, doc_page) = keeper.page(&page).await;
    let seen = value_of(&doc_page, "#edit-document input[name=seen]").unwrap();
    let res = keeper
        .submit(
            &page,
            &format!("{page}/appraise"),
            &[("appraisal", "业主已重新签订装修协议，旧协议作废")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // The hand-over is refused, and says why.
    let sign = [("sign_name", "客服专员 陈静"), ("sign_confirm", "1")];
    let res = keeper.post(&format!("{borrow}/lend"), &sign).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let shown = res.text().await.unwrap();
    assert!(text_of(&shown, "#e-documents")
        .unwrap()
        .contains("过期文件处理登记表"));
    assert_eq!(text_of(&shown, "#borrow-status").unwrap(), "已批准");
    assert_eq!(doc_status(&app, doc.parse().unwrap()).await, "kept");

    // The document's page says it is listed and offers no correction; a
    // correction form read before is refused with the input kept.
    let (_, now) = keeper.page(&page).await;
    assert!(text_of(&now, "#on-list")
        .unwrap()
        .contains("不能修改或借出"));
    assert!(text_of(&now, "#edit-document").is_none());
    let t = type_id(&app, "renovation_agreement").await.to_string();
    let res = keeper
        .post(
            &page,
            &[
                ("type_id", &t),
                ("title", "装修协议（更正）"),
                ("received_on", &today().to_string()),
                ("pages", "9"),
                ("seen", &seen),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#f-seen").unwrap().contains("不能修改"));
    assert_eq!(value_of(&body, "#f-title").unwrap(), "装修协议（更正）");
    let title: String = archive_documents::table
        .find(doc.parse::<i64>().unwrap())
        .select(archive_documents::title)
        .first(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(title, "装修协议");

    // A new request does not offer it, and one naming it is refused.
    let (_, form) = specialist
        .page(&format!("/archives/{archive}/borrow"))
        .await;
    assert!(value_of(&form, &format!(r#"input[name="documents"][value="{doc}"]"#)).is_none());
    assert!(form.contains("不能借阅"), "shown as listed");
    let due = (today() + Duration::days(5)).to_string();
    let res = specialist
        .submit(
            &format!("/archives/{archive}/borrow"),
            &format!("/archives/{archive}/borrow"),
            &[
                ("documents", &doc),
                ("mode", "consult"),
                ("purpose", "核对"),
                ("due_on", &due),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        text_of(&body, "#f-documents")
            .unwrap()
            .contains("已列入过期文件处理登记表"),
        "says why"
    );
    assert_eq!(
        text_of(&body, "#e-purpose").unwrap(),
        "",
        "only the papers refused"
    );
    // The paper's page names its list by number.
    let (_, paper) = keeper.page(&page).await;
    assert!(text_of(&paper, "#on-list a").unwrap().contains("XH-"));
}

#[tokio::test]
async fn a_paper_lent_held_or_listed_stays_in_its_archive() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let page = paper_within_retention(&app, &keeper, "装修协议").await;
    let remove = format!("{page}/remove");
    let doc: i64 = page.rsplit('/').next().unwrap().parse().unwrap();
    let mut conn = app.db().await;
    let refused = async |why: &str| {
        let res = keeper.post(&remove, &[("remove_reason", "归错档案")]).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{why}");
        let body = res.text().await.unwrap();
        assert!(text_of(&body, "#e-remove_reason").unwrap().contains(why));
        assert_eq!(
            text_of(&body, "#f-remove_reason").unwrap(),
            "归错档案",
            "input kept"
        );
    };

    // Lent out (the borrowing itself is tested above; here only its state).
    diesel::update(archive_documents::table.find(doc))
        .set(archive_documents::status.eq("on_loan"))
        .execute(&mut conn)
        .await
        .unwrap();
    refused("归还后").await;
    diesel::update(archive_documents::table.find(doc))
        .set(archive_documents::status.eq("kept"))
        .execute(&mut conn)
        .await
        .unwrap();

    keeper
        .post(
            &format!("{page}/hold"),
            &[("hold", "on"), ("reason", "诉讼")],
        )
        .await;
    refused("冻结").await;
    keeper
        .post(&format!("{page}/hold"), &[("hold", "off"), ("reason", "")])
        .await;

    let res = keeper
        .submit(
            &page,
            &format!("{page}/appraise"),
            &[("appraisal", "旧版本，无保存价值")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    refused("过期文件处理登记表").await;

    let status: String = archive_documents::table
        .find(doc)
        .select(archive_documents::status)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(status, "kept");
}

#[tokio::test]
async fn a_paper_taken_out_is_not_due_for_destruction() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    archive_with_old_agreement(&app, &keeper, None).await;
    let (_, due) = keeper.page("/archives/due").await;
    assert!(due.contains("旧装修协议"), "past retention");
    let doc = doc_id(&app, "旧装修协议").await;
    let res = keeper
        .post(
            &format!("/archives/documents/{doc}/remove"),
            &[("remove_reason", "业主已换签新协议，旧协议退还")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, due) = keeper.page("/archives/due").await;
    assert!(!due.contains("旧装修协议"), "no longer in the archive");
}

#[tokio::test]
async fn the_destruction_clause_shows_how_many_papers_wait() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let waiting = async || {
        clause_link_to(&app, &keeper, "/archives/due")
            .await
            .unwrap()
    };
    assert!(
        waiting().await.ends_with("现有 0 份"),
        "{}",
        waiting().await
    );
    archive_with_old_agreement(&app, &keeper, None).await;
    assert!(
        waiting().await.ends_with("现有 1 份"),
        "{}",
        waiting().await
    );
    // A hold on the one paper (its archive's row unchanged) stops it counting.
    let doc = doc_id(&app, "旧装修协议").await;
    keeper
        .post(
            &format!("/archives/documents/{doc}/hold"),
            &[("hold", "on"), ("reason", "诉讼")],
        )
        .await;
    assert!(
        waiting().await.ends_with("现有 0 份"),
        "{}",
        waiting().await
    );
    // In English; and not for those who may not open the list.
    keeper.page("/handbook?lang=en").await;
    assert!(
        waiting().await.ends_with("Due for destruction · 0 now"),
        "{}",
        waiting().await
    );
    let employee = app.login_as(Role::Employee).await;
    assert_eq!(clause_link_to(&app, &employee, "/archives/due").await, None);
}

#[tokio::test]
async fn a_loan_kept_past_its_due_date_is_marked_counted_and_shown_on_its_clause() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let (_, borrow) = approved_loan(&app, &keeper, &specialist, "装修协议").await;
    let sign = [("sign_name", "客服专员 陈静"), ("sign_confirm", "1")];
    let res = keeper.post(&format!("{borrow}/lend"), &sign).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let id: i64 = borrow.rsplit('/').next().unwrap().parse().unwrap();
    let clause = async || {
        clause_link_to(&app, &keeper, "/archives/borrows")
            .await
            .unwrap()
    };
    let count = async || text_of(&keeper.page("/archives/borrows").await.1, "#overdue-count");
    let overdue_lines = async || {
        texts_of(
            &keeper.page("/archives/borrows?status=overdue").await.1,
            "td .badge",
        )
    };
    let due_on = async |day: NaiveDate| {
        diesel::update(archive_borrows::table.find(id))
            .set(archive_borrows::due_on.eq(day))
            .execute(&mut app.db().await)
            .await
            .unwrap();
    };

    // Lent and not yet due: nothing is late. Both counts are now kept in memory.
    assert!(
        clause().await.ends_with("逾期未还 0 笔"),
        "{}",
        clause().await
    );
    assert_eq!(count().await.as_deref(), Some("逾期未还：0 笔"));
    // Due today is not late yet; the clock cannot move, so the due date does (and
    // the loan's own row tells the kept counts so).
    due_on(today()).await;
    assert_eq!(count().await.as_deref(), Some("逾期未还：0 笔"));
    assert!(overdue_lines().await.is_empty());
    due_on(today() - Duration::days(1)).await;
    assert!(
        clause().await.ends_with("逾期未还 1 笔"),
        "{}",
        clause().await
    );
    assert_eq!(count().await.as_deref(), Some("逾期未还：1 笔"));
    assert_eq!(overdue_lines().await, ["借出中", "逾期"]);
    let (_, page) = keeper.page(&borrow).await;
    assert_eq!(text_of(&page, "#borrow-overdue").as_deref(), Some("逾期"));
    let (_, print) = keeper.page("/archives/borrows/print?status=overdue").await;
    assert!(print.contains("逾期未还") && print.contains("借出中（逾期）"));
    let (_, csv) = keeper.page("/archives/borrows.csv?status=overdue").await;
    assert!(csv.contains("核对装修约定"));

    // Returned: nothing is late any more.
    keeper.post(&format!("{borrow}/return"), &[]).await;
    assert!(
        clause().await.ends_with("逾期未还 0 笔"),
        "{}",
        clause().await
    );
    assert!(overdue_lines().await.is_empty());
    let (_, csv) = keeper.page("/archives/borrows.csv?status=overdue").await;
    assert!(
        !csv.contains("核对装修约定"),
        "the export follows the filter"
    );

    // In English; and not for those who may not open the register.
    keeper.page("/handbook?lang=en").await;
    assert!(
        clause().await.ends_with(" · 0 overdue"),
        "{}",
        clause().await
    );
    assert_eq!(count().await.as_deref(), Some("Overdue loans: 0"));
    let employee = app.login_as(Role::Employee).await;
    assert_eq!(
        clause_link_to(&app, &employee, "/archives/borrows").await,
        None
    );
}

#[tokio::test]
async fn each_post_sees_the_archives_its_work_needs() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let archive = open_archive(&app, &keeper, "王小明", false).await;
    let t = type_id(&app, "owner_id_copy").await;
    for role in Role::ALL {
        let b = app.login_as(role).await;
        let reads = matches!(
            role,
            Role::CsSpecialist | Role::ArchiveKeeper | Role::CsSupervisor | Role::CenterManager
        );
        for path in [
            "/archives".to_owned(),
            format!("/archives/{archive}"),
            "/archives/retention".into(),
            "/archives/destructions".into(),
            "/archives/borrows/print".into(),
        ] {
            let (status, _) = b.page(&path).await;
            let want = if reads {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(status, want, "{role:?} {path}");
        }
        let (status, request) = b.page("/archives/request").await;
        assert_eq!(status, StatusCode::OK, "{role:?} may ask to borrow");
        let register = if reads {
            "文件借阅登记表"
        } else {
            "我的借阅申请"
        };
        assert_eq!(
            text_of(&request, "#my-borrows").as_deref(),
            Some(register),
            "{role:?}"
        );
        // The borrowing register: all of it for the archive staff, one's own
        // requests for everyone else.
        let (status, list) = b.page("/archives/borrows").await;
        assert_eq!(status, StatusCode::OK, "{role:?} borrows");
        let whole = text_of(&list, "#overdue-count").is_some();
        assert_eq!(whole, reads, "{role:?} reads the whole register");
        let (status, _) = b.page(&format!("/archives/retention/{t}")).await;
        let keeps = role == Role::ArchiveKeeper;
        assert_eq!(
            status == StatusCode::OK,
            keeps,
            "{role:?} edits the schedule"
        );
        let code = format!("t_{}", role.code());
        let fields = [
            ("code", code.as_str()),
            ("archive_kind", "owner"),
            ("name_zh", "车位协议"),
            ("name_en", "Parking"),
            ("event", "received"),
            ("years", "10"),
        ];
        let admin = role == Role::Admin;
        let res = if admin {
            b.submit("/archives/types", "/archives/types", &fields)
                .await
        } else {
            b.post("/archives/types", &fields).await
        };
        assert_eq!(
            res.status() == StatusCode::SEE_OTHER,
            admin,
            "{role:?} adds types"
        );
        let res = b
            .post(
                &format!("/archives/{archive}/hold"),
                &[("hold", "on"), ("reason", "x")],
            )
            .await;
        assert_eq!(
            res.status() == StatusCode::SEE_OTHER,
            keeps,
            "{role:?} holds"
        );
    }
    let manager = app.login_as(Role::CenterManager).await;
    let res = manager.post("/archives/new", &[("resident", "1")]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "managers read");
}

#[tokio::test]
async fn a_destruction_list_sent_twice_is_filed_once() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    archive_with_old_agreement(&app, &keeper, None).await;
    let doc = doc_id(&app, "旧装修协议").await.to_string();
    let token = keeper.form_token("/archives/due").await;
    let fields = [
        ("documents", doc.as_str()),
        ("note", "到期"),
        ("form_token", &token),
    ];
    let first = keeper.post("/archives/destructions", &fields).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    // The document is on the first list now: the second submit is not refused
    // for that, it is led to the list it made.
    let second = keeper.post("/archives/destructions", &fields).await;
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&second), location(&first));
    let (_, page) = keeper.page(&location(&second)).await;
    assert!(text_of(&page, ".flash").unwrap().contains("已经提交过"));
    let mut conn = app.db().await;
    let lists: i64 = approval_requests::table
        .filter(approval_requests::kind.eq("archive_destruction"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(lists, 1);

    // A refused list keeps what was ticked and its token.
    let token = keeper.form_token("/archives/due").await;
    let res = keeper
        .post(
            "/archives/destructions",
            &[
                ("documents", doc.as_str()),
                ("note", "再次"),
                ("form_token", &token),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        value_of(&body, r#"input[name="form_token"]"#).unwrap(),
        token
    );
    assert_eq!(value_of(&body, "#f-note").unwrap(), "再次");
}

/// A list sent from the due list's second page and refused (a paper put on
/// hold meanwhile) comes back as that page, the other paper still ticked.
#[tokio::test]
async fn a_list_refused_from_the_second_page_of_the_due_list_shows_that_page_again() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    archive_with_old_agreement(&app, &keeper, None).await;
    let held = doc_id(&app, "旧装修协议").await;
    // 110 papers due before it: a page of 100, then ten more and the agreement.
    app.db()
        .await
        .batch_execute(&format!(
            "INSERT INTO archive_documents (archive_id, type_id, title, received_on, pages, \
             cabinet, box, confidential, retain_until, legal_hold, status, created_by) \
             SELECT archive_id, type_id, '副本' || g, received_on, pages, cabinet, box, \
             confidential, retain_until - (111 - g), legal_hold, status, created_by \
             FROM archive_documents, generate_series(1, 110) g WHERE id = {held}"
        ))
        .await
        .unwrap();
    app.settle().await;
    let ticked = doc_id(&app, "副本105").await;
    let (_, first) = keeper.page("/archives/due").await;
    assert!(!first.contains(&format!(r#"id="f-doc-{held}""#)));
    let next = attr_of(&first, r#"a[href^="/archives/due?after="]"#, "href").unwrap();
    let (_, second) = keeper.page(&next).await;
    assert!(second.contains(&format!(r#"id="f-doc-{ticked}""#)));
    let token = value_of(&second, r#"input[name="form_token"]"#).unwrap();
    let after = value_of(&second, r#"input[name="after"]"#).unwrap();
    assert_eq!(format!("/archives/due?after={after}"), next);

    // Meanwhile the agreement is put on hold.
    diesel::update(archive_documents::table.find(held))
        .set(archive_documents::legal_hold.eq(true))
        .execute(&mut app.db().await)
        .await
        .unwrap();
    let res = keeper
        .post(
            "/archives/destructions",
            &[
                ("documents", ticked.to_string().as_str()),
                ("documents", held.to_string().as_str()),
                ("note", "第二页"),
                ("form_token", &token),
                ("after", &after),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-documents")
        .unwrap()
        .contains("冻结的资料"));
    assert_eq!(
        attr_of(&body, &format!("#f-doc-{ticked}"), "checked").as_deref(),
        Some(""),
        "the paper of the second page still ticked"
    );
    assert_eq!(value_of(&body, r#"input[name="after"]"#), Some(after));
    assert_eq!(value_of(&body, "#f-note").as_deref(), Some("第二页"));
    assert_eq!(destruction_lists(&app).await, 0);
}

/// A witness who signs while the keeper records the destruction (or calls
/// the list off) is not added to a list that is closed by then.
#[tokio::test]
async fn a_witness_signing_as_the_list_closes_is_not_added() {
    use diesel_async::SimpleAsyncConnection;
    use kefu::schema::archive_destruction_witnesses as witnesses;
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    archive_with_old_agreement(&app, &keeper, None).await;
    let doc = doc_id(&app, "旧装修协议").await;
    let list = list_for_destruction(&keeper, doc).await;
    let id: i64 = list.rsplit('/').next().unwrap().parse().unwrap();
    // (Reviewed and approved: the steps themselves are tested above.)
    let mut lock = app.db().await;
    lock.batch_execute(&format!(
        "UPDATE archive_destructions SET status = 'approved' WHERE id = {id}"
    ))
    .await
    .unwrap();
    // The keeper's record (or call-off) holds the list while the witness signs.
    lock.batch_execute(&format!(
        "BEGIN; SELECT id FROM archive_destructions WHERE id = {id} FOR UPDATE"
    ))
    .await
    .unwrap();
    let sign = async {
        keeper
            .post(
                &format!("{list}/witness"),
                &[("sign_name", "客服主任 王芳"), ("sign_confirm", "1")],
            )
            .await
    };
    let close = async {
        // The witness waits for the list.
        app.await_lock_waiters(1).await;
        lock.batch_execute(&format!(
            "UPDATE archive_destructions SET status = 'called_off' WHERE id = {id}; COMMIT"
        ))
        .await
        .unwrap();
    };
    let (res, ()) = tokio::join!(sign, close);
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let signed: i64 = witnesses::table
        .filter(witnesses::destruction_id.eq(id))
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(signed, 0, "no witness on a list called off");
    let (_, page) = keeper.page(&list).await;
    assert!(text_of(&page, ".flash-error").is_some(), "{page}");
}

/// A legal hold put on a whole archive while its papers' destruction is being
/// recorded: the record waits for the hold and, seeing it, destroys nothing.
#[tokio::test]
async fn an_archive_held_while_its_papers_destruction_is_recorded_keeps_them() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let archive = archive_with_old_agreement(&app, &keeper, None).await;
    let doc = doc_id(&app, "旧装修协议").await;
    let list = list_for_destruction(&keeper, doc).await;
    let id: i64 = list.rsplit('/').next().unwrap().parse().unwrap();
    // (Approved, re-checked and witnessed: the steps themselves are tested above.)
    let mut lock = app.db().await;
    lock.batch_execute(&format!(
        "UPDATE archive_destructions SET status = 'approved',            rechecked_by = (SELECT id FROM users WHERE username = 'supervisor'),            rechecked_at = now() WHERE id = {id};          INSERT INTO archive_destruction_witnesses (destruction_id, user_id, signed_name, signed_at)            SELECT {id}, id, display_name, now() FROM users            WHERE username IN ('keeper', 'specialist')"
    ))
    .await
    .unwrap();
    // A colleague's hold on the archive, not yet committed as the keeper records.
    lock.batch_execute(&format!(
        "BEGIN; UPDATE archives SET legal_hold = true WHERE id = {archive}"
    ))
    .await
    .unwrap();
    let record = async { keeper.post(&format!("{list}/record"), &[]).await };
    let hold = async {
        app.await_lock_waiters(1).await;
        lock.batch_execute("COMMIT").await.unwrap();
    };
    let (res, ()) = tokio::join!(record, hold);
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(doc_status(&app, doc).await, "kept");
    let (_, page) = keeper.page(&list).await;
    assert!(
        text_of(&page, ".flash-error").is_some_and(|f| f.contains("冻结")),
        "{page}"
    );
}

/// A legal hold put on a whole archive while one of its papers is being taken
/// out: the removal waits for the hold and, seeing it, is refused with the
/// reason kept.
#[tokio::test]
async fn an_archive_held_while_a_paper_is_taken_out_keeps_it() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let archive = archive_with_old_agreement(&app, &keeper, None).await;
    let doc = doc_id(&app, "旧装修协议").await;
    let mut lock = app.db().await;
    lock.batch_execute(&format!(
        "BEGIN; UPDATE archives SET legal_hold = true WHERE id = {archive}"
    ))
    .await
    .unwrap();
    let remove = async {
        keeper
            .post(
                &format!("/archives/documents/{doc}/remove"),
                &[("remove_reason", "原件退还业主")],
            )
            .await
    };
    let hold = async {
        app.await_lock_waiters(1).await;
        lock.batch_execute("COMMIT").await.unwrap();
    };
    let (res, ()) = tokio::join!(remove, hold);
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-remove_reason").as_deref(),
        Some("冻结的资料在解除冻结前不能移出。")
    );
    assert!(body.contains("原件退还业主"), "the reason kept");
    assert_eq!(doc_status(&app, doc).await, "kept");
}

/// Two windows send lists of the same paper while a filing holds it: both pass
/// the form's checks, one files, and the other, finding the paper on that list
/// under the lock, is shown the due list again with its note and token, and the
/// paper on the list that was filed.
#[tokio::test]
async fn of_two_lists_checked_at_once_the_other_comes_back_with_its_input() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let other = app.login_as(Role::ArchiveKeeper).await;
    archive_with_old_agreement(&app, &keeper, None).await;
    let doc = doc_id(&app, "旧装修协议").await.to_string();
    let one = keeper.form_token("/archives/due").await;
    let two = other.form_token("/archives/due").await;
    let mut lock = app.db().await;
    lock.batch_execute(&format!(
        "BEGIN; SELECT id FROM archive_documents WHERE id = {doc} FOR UPDATE"
    ))
    .await
    .unwrap();
    let send = |b: &'static str, note: &'static str, token: String| {
        let (who, doc) = (if b == "one" { &keeper } else { &other }, doc.clone());
        async move {
            let fields = [
                ("documents", doc.as_str()),
                ("note", note),
                ("form_token", token.as_str()),
            ];
            who.post("/archives/destructions", &fields).await
        }
    };
    let release = async {
        app.await_lock_waiters(2).await;
        lock.batch_execute("COMMIT").await.unwrap();
    };
    let (a, b, ()) = tokio::join!(
        send("one", "第一窗口", one.clone()),
        send("two", "第二窗口", two.clone()),
        release
    );
    assert!(
        (a.status() == StatusCode::SEE_OTHER) ^ (b.status() == StatusCode::SEE_OTHER),
        "one list filed: {} {}",
        a.status(),
        b.status()
    );
    let (refused, note, token) = if a.status() == StatusCode::SEE_OTHER {
        (b, "第二窗口", two)
    } else {
        (a, "第一窗口", one)
    };
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let body = refused.text().await.unwrap();
    assert!(text_of(&body, "#e-documents")
        .unwrap()
        .contains("另一份未完成的登记表"));
    assert_eq!(value_of(&body, "#f-note").as_deref(), Some(note));
    assert_eq!(
        value_of(&body, r#"input[name="form_token"]"#).as_deref(),
        Some(token.as_str())
    );
    // The paper is shown on the list the other window filed, not to be ticked.
    assert!(!body.contains(&format!(r#"id="f-doc-{doc}""#)));
    assert!(body.contains("已列入 XH-"), "{body}");
    assert_eq!(destruction_lists(&app).await, 1);
}

#[tokio::test]
async fn the_archive_list_kept_on_another_instance_follows_archives_and_their_papers() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let reader = app.login_as(Role::CsSupervisor).await.at(&other);
    // Read twice on the other instance: the second page from its memory.
    reader.page("/archives").await;
    let (_, list) = reader.page("/archives").await;
    assert!(!list.contains("王小明"), "no archive yet");

    let archive = open_archive(&app, &keeper, "王小明", false).await;
    other.settle().await;
    let (_, list) = reader.page("/archives").await;
    assert!(
        list.contains("王小明") && list.contains("已有 0 / 应有 8"),
        "{list}"
    );

    let res = file_doc(
        &app,
        &keeper,
        archive,
        "owner_id_copy",
        "王小明身份证",
        &today().to_string(),
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    other.settle().await;
    let (_, list) = reader.page("/archives").await;
    assert!(list.contains("已有 1 / 应有 8"), "{list}");
}

#[tokio::test]
async fn an_employee_asks_to_consult_an_archive_found_by_building_and_label() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let archive = open_archive(&app, &keeper, "王小明", false).await;
    file_doc(
        &app,
        &keeper,
        archive,
        "move_in_notice",
        "入伙通知书",
        &today().to_string(),
        None,
    )
    .await;
    let doc = doc_id(&app, "入伙通知书").await.to_string();
    let mut conn = app.db().await;
    let building: i64 = archives::table
        .find(archive)
        .select(archives::building_id)
        .first(&mut conn)
        .await
        .unwrap();

    // 各岗位人员因工作需要可查阅或借出档案: the employee finds it by building and label.
    let employee = app.login_as(Role::Employee).await;
    let (_, home) = employee.page("/").await;
    assert!(home.contains(r#"href="/archives/request""#));
    let (status, pick) = employee
        .page(&format!("/archives/request?building={building}"))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(pick.contains(&format!(r#"href="/archives/{archive}/borrow""#)));
    assert!(
        !pick.contains("王小明"),
        "the list of a building names no residents"
    );
    // Only masked, enough to tell a former owner's archive from the present one's.
    assert_eq!(texts_of(&pick, "#archive-picks .resident-masked"), ["王**"]);
    let (status, form) = employee.page(&format!("/archives/{archive}/borrow")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(form.contains("入伙通知书") && !form.contains("王小明"));
    // Each paper is named by its type in the reader's language; a title that
    // only repeats the type's name is not said twice.
    let (_, en_form) = employee
        .page(&format!("/archives/{archive}/borrow?lang=en"))
        .await;
    assert_eq!(
        texts_of(&en_form, "fieldset:first-of-type label"),
        ["Move-in notice"]
    );
    employee.page("/?lang=zh-CN").await;
    // The archive itself and the registers stay with the archive staff (the
    // employee's page of the borrowing register lists their own requests).
    assert!(
        pick.contains(r#"href="/archives/borrows""#),
        "their own requests"
    );
    for path in [
        format!("/archives/{archive}"),
        "/archives".to_owned(),
        "/archives/borrows/print".to_owned(),
        "/archives/borrows.csv".to_owned(),
    ] {
        assert_eq!(
            employee.page(&path).await.0,
            StatusCode::FORBIDDEN,
            "{path}"
        );
    }

    let due = (today() + Duration::days(5)).to_string();
    let form = format!("/archives/{archive}/borrow");
    let token = employee.form_token(&form).await;
    let ask = async || {
        employee
            .post(
                &form,
                &[
                    ("documents", doc.as_str()),
                    ("mode", "consult"),
                    ("purpose", "核对业主入伙日期"),
                    ("due_on", &due),
                    ("form_token", &token),
                ],
            )
            .await
    };
    let res = ask().await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let borrow = location(&res);
    // Sent again: their waiting request is shown (not the archive's page, which
    // they may not open), and nothing more is filed.
    let res = ask().await;
    assert_eq!(location(&res), borrow);
    let (status, page) = employee.page(&borrow).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text_of(&page, "#f-documents").unwrap(), "入伙通知书");
    // Consulting for work needs no approval (住户档案管理规定 3(1)): it waits
    // for the keeper only, and comes back the same day.
    assert_eq!(text_of(&page, "#borrow-status").unwrap(), "待查阅");
    assert!(page.contains(&today().to_string()), "due back today");
    assert!(!page.contains("王小明"));
    let engineer = app.login_as(Role::EngineeringManager).await;
    assert_eq!(engineer.page(&borrow).await.0, StatusCode::FORBIDDEN);
    let asked: i64 = approval_requests::table
        .filter(approval_requests::kind.eq("archive_borrow"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(asked, 0, "nobody is asked to approve it");
    let filed: i64 = kefu::schema::archive_borrows::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(filed, 1, "sent twice, filed once");
    // The paper register says no approval was needed.
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let (_, print) = keeper.page("/archives/borrows/print").await;
    assert!(print.contains("无需审批（工作现场查阅）"), "{print}");
    // A loan still waits for the manager.
    let res = employee
        .submit(
            &format!("/archives/{archive}/borrow"),
            &format!("/archives/{archive}/borrow"),
            &[
                ("documents", &doc),
                ("mode", "loan"),
                ("purpose", "带回核对"),
                ("due_on", &due),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (requester, status): (String, String) = approval_requests::table
        .inner_join(users::table)
        .filter(approval_requests::kind.eq("archive_borrow"))
        .select((users::username, approval_requests::status))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        (requester.as_str(), status.as_str()),
        ("employee", "pending")
    );
    // Its title and details, which the employee reads, mask the resident too.
    let (request, subject): (i64, String) = approval_requests::table
        .filter(approval_requests::kind.eq("archive_borrow"))
        .select((approval_requests::id, approval_requests::title))
        .first(&mut conn)
        .await
        .unwrap();
    assert!(
        subject.contains("王**") && !subject.contains("王小明"),
        "{subject}"
    );
    let (status, request_page) = employee.page(&format!("/approvals/{request}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(request_page.contains("王**"));
    assert!(!request_page.contains("王小明"));

    // A colleague's consultation of the same archive is not theirs to see.
    let specialist = app.login_as(Role::CsSpecialist).await;
    let fields = [
        ("documents", doc.as_str()),
        ("mode", "consult"),
        ("purpose", "核对面积"),
    ];
    let res = specialist.submit(&form, &form, &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (status, mine) = employee.page("/archives/borrows").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text_of(&mine, "h1").as_deref(), Some("我的借阅申请"));
    assert_eq!(texts_of(&mine, "td .badge"), ["待审批", "待查阅"]);
    assert!(!mine.contains("核对面积") && !mine.contains("客服专员"));
    assert!(text_of(&mine, "#overdue-count").is_none());
    assert!(!mine.contains("/archives/borrows/print"));
    let (_, all) = keeper.page("/archives/borrows").await;
    assert_eq!(
        texts_of(&all, "td .badge").len(),
        3,
        "the keeper's register"
    );
}

#[tokio::test]
async fn a_correction_read_before_a_colleagues_comes_back_instead_of_replacing_it() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let (_, doc) = archive_with_notice(&app, &keeper).await;
    let t = type_id(&app, "move_in_notice").await.to_string();
    let path = format!("/archives/documents/{doc}");
    // Two tabs (or two keepers) open the correction form.
    let (_, page) = keeper.page(&path).await;
    let seen = value_of(&page, "#edit-document input[name=seen]").unwrap();
    assert!(!seen.is_empty());
    let form = |title: &'static str, pages: &'static str, seen: &str| -> Vec<(String, String)> {
        [
            ("type_id", t.as_str()),
            ("title", title),
            ("received_on", "2024-05-10"),
            ("pages", pages),
            ("cabinet", "A柜"),
            ("box", "3"),
            ("seen", seen),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
    };
    let send = async |fields: Vec<(String, String)>| {
        let pairs: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        keeper.post(&path, &pairs).await
    };
    let first = send(form("入伙通知书（原件）", "4", &seen)).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let mut conn = app.db().await;
    let stored = async |conn: &mut diesel_async::AsyncPgConnection| -> (String, i32) {
        archive_documents::table
            .find(doc)
            .select((archive_documents::title, archive_documents::pages))
            .first(conn)
            .await
            .unwrap()
    };

    // The second tab's correction, read before the first: the first stays, the
    // second comes back as typed with a message.
    let second = send(form("入伙通知书（复印件）", "2", &seen)).await;
    assert_eq!(second.status(), StatusCode::CONFLICT);
    let body = second.text().await.unwrap();
    assert_eq!(
        stored(&mut conn).await,
        ("入伙通知书（原件）".to_owned(), 4)
    );
    assert!(text_of(&body, "#f-seen").unwrap().contains("更正"));
    assert_eq!(value_of(&body, "#f-title").unwrap(), "入伙通知书（复印件）");
    assert_eq!(value_of(&body, "#f-pages").unwrap(), "2");
    let fresh = value_of(&body, "#edit-document input[name=seen]").unwrap();
    assert_ne!(fresh, seen);

    // Sent again from the form that came back, it replaces the first, knowingly.
    let again = send(form("入伙通知书（复印件）", "2", &fresh)).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        stored(&mut conn).await,
        ("入伙通知书（复印件）".to_owned(), 2)
    );
}

#[tokio::test]
async fn a_filed_document_is_corrected_into_the_inventory_and_a_bad_form_keeps_the_input() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let (archive, doc) = archive_with_notice(&app, &keeper).await;
    let t = type_id(&app, "move_in_notice").await.to_string();
    let path = format!("/archives/documents/{doc}");
    let mut conn = app.db().await;
    let stored = async |conn: &mut diesel_async::AsyncPgConnection| -> (String, i32, NaiveDate) {
        archive_documents::table
            .find(doc)
            .select((
                archive_documents::title,
                archive_documents::pages,
                archive_documents::received_on,
            ))
            .first(conn)
            .await
            .unwrap()
    };
    let before = stored(&mut conn).await;

    // A bad form changes nothing and comes back with every field as typed.
    let res = keeper
        .post(
            &path,
            &[
                ("type_id", &t),
                ("title", "入伙通知书（原件）"),
                ("received_on", "2024-13-01"),
                ("pages", "abc"),
                ("cabinet", "A柜"),
                ("box", "3"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(!text_of(&body, "#e-received_on").unwrap().is_empty());
    assert!(!text_of(&body, "#e-pages").unwrap().is_empty());
    assert_eq!(value_of(&body, "#f-title").unwrap(), "入伙通知书（原件）");
    assert_eq!(value_of(&body, "#f-pages").unwrap(), "abc");
    assert_eq!(value_of(&body, "#f-cabinet").unwrap(), "A柜");
    assert_eq!(stored(&mut conn).await, before);

    // 档案变更: the keeper corrects it; the inventory and the history follow.
    let corrected = [
        ("type_id", t.as_str()),
        ("title", "入伙通知书（原件）"),
        ("received_on", "2024-05-11"),
        ("pages", "4"),
        ("cabinet", "A柜"),
        ("box", "3"),
    ];
    let changes = async |conn: &mut diesel_async::AsyncPgConnection| -> i64 {
        audit_log::table
            .filter(audit_log::action.eq("archives.document_changed"))
            .count()
            .get_result(conn)
            .await
            .unwrap()
    };
    let res = keeper.post(&path, &corrected).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        stored(&mut conn).await,
        (
            "入伙通知书（原件）".to_owned(),
            4,
            NaiveDate::from_ymd_opt(2024, 5, 11).unwrap()
        )
    );
    let (_, inventory) = keeper.page(&format!("/archives/{archive}/inventory")).await;
    assert!(inventory.contains("入伙通知书（原件）"));
    let (_, show) = keeper.page(&format!("/archives/{archive}")).await;
    assert!(show.contains("修改资料"), "in the archive's history");
    assert_eq!(changes(&mut conn).await, 1);
    // The same form sent again (a double click, the back button) records nothing.
    let again = keeper.post(&path, &corrected).await;
    assert_eq!(again.status(), StatusCode::SEE_OTHER);
    assert_eq!(changes(&mut conn).await, 1, "nothing more recorded");
    let (_, show) = keeper.page(&format!("/archives/{archive}")).await;
    assert_eq!(
        show.matches("修改资料").count(),
        1,
        "one line in the history"
    );

    // A correction into a copy of another document of the archive (same type,
    // title and received date) is refused on the title, the input kept.
    file_doc(
        &app,
        &keeper,
        archive,
        "move_in_notice",
        "入伙通知书（复印件）",
        "2024-05-12",
        None,
    )
    .await;
    let copy = doc_id(&app, "入伙通知书（复印件）").await;
    let res = keeper
        .post(
            &format!("/archives/documents/{copy}"),
            &[
                ("type_id", &t),
                ("title", "入伙通知书（原件）"),
                ("received_on", "2024-05-11"),
                ("pages", "7"),
                ("cabinet", "B柜"),
                ("box", "9"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-title").unwrap().contains("已登记过"));
    assert_eq!(value_of(&body, "#f-title").unwrap(), "入伙通知书（原件）");
    assert_eq!(value_of(&body, "#f-pages").unwrap(), "7");
    assert_eq!(value_of(&body, "#f-cabinet").unwrap(), "B柜");
    let kept: String = archive_documents::table
        .find(copy)
        .select(archive_documents::title)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(kept, "入伙通知书（复印件）");
    assert_eq!(
        changes(&mut conn).await,
        1,
        "the refused correction recorded nothing"
    );

    // Those who only read archives see no form and cannot post one.
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (_, page) = supervisor.page(&path).await;
    assert!(!page.contains("id=\"edit-document\""));
    let res = supervisor
        .post(
            &path,
            &[
                ("type_id", &t),
                ("title", "改掉"),
                ("received_on", "2024-05-11"),
                ("pages", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(stored(&mut conn).await.0, "入伙通知书（原件）");
}

/// The catalogue follows the paper order by number: building 2 before
/// building 10, on screen and on paper.
#[tokio::test]
async fn the_archive_list_orders_buildings_by_number_not_as_text() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let wang = open_archive(&app, &keeper, "王小明", false).await;
    let zhao = open_archive(&app, &keeper, "赵六", true).await;
    let mut conn = app.db().await;
    let project = project_of(&app, wang).await;
    for (id, code) in [(wang, "10"), (zhao, "2")] {
        diesel::update(archives::table.find(id))
            .set((
                archives::building_code.eq(code),
                archives::project_id.eq(project),
            ))
            .execute(&mut conn)
            .await
            .unwrap();
    }
    for path in ["/archives", "/archives/print"] {
        let (_, page) = keeper.page(path).await;
        let at = |name: &str| {
            page.find(name)
                .unwrap_or_else(|| panic!("{name} on {path}"))
        };
        assert!(at("赵六") < at("王小明"), "building 2 first on {path}");
    }
}

#[tokio::test]
async fn the_archive_list_filters_by_building_and_exports_what_it_shows() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    open_archive(&app, &keeper, "王小明", false).await;
    open_archive(&app, &keeper, "赵六", true).await;
    let mut conn = app.db().await;
    let building = |code: &'static str| {
        kefu::schema::buildings::table
            .filter(kefu::schema::buildings::code.eq(code))
            .select(kefu::schema::buildings::id)
    };
    let one: i64 = building("1").first(&mut conn).await.unwrap();
    let two: i64 = building("2").first(&mut conn).await.unwrap();

    let (_, list) = keeper.page(&format!("/archives?building={one}")).await;
    assert!(list.contains(&format!(r#"href="/archives.csv?building={one}""#)));
    let (_, other) = keeper.page(&format!("/archives?building={two}")).await;
    assert!(!other.contains("王小明"));
    let csv = |q: String| {
        let keeper = &keeper;
        async move {
            let res = keeper.get(&format!("/archives.csv{q}")).await;
            assert_eq!(res.status(), StatusCode::OK);
            res.text().await.unwrap()
        }
    };
    let all = csv(String::new()).await;
    assert!(all.contains("王小明") && all.contains("赵六") && all.contains("档案类别"));
    assert!(all.contains("1-3-301"), "the bag's label: {all}");
    assert!(csv(format!("?building={one}")).await.contains("赵六"));
    assert!(!csv(format!("?building={two}")).await.contains("王小明"));
    let xlsx = keeper.get("/archives.xlsx").await;
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    // On paper, the catalogue in the same order, with the same filter.
    assert!(list.contains(&format!(r#"href="/archives/print?building={one}""#)));
    let paper = |q: String| {
        let keeper = &keeper;
        async move {
            let (status, page) = keeper.page(&format!("/archives/print{q}")).await;
            assert_eq!(status, StatusCode::OK, "{q}");
            assert_eq!(text_of(&page, "h1").as_deref(), Some("住户档案目录"));
            assert!(text_of(&page, "#archives-truncated").is_none());
            (page.clone(), texts_of(&page, "#archives-paper tbody td"))
        }
    };
    let (_, cells) = paper(String::new()).await;
    for shown in ["王小明", "赵六", "1-1-3-301"] {
        assert!(cells.iter().any(|c| c == shown), "{shown}: {cells:?}");
    }
    let (page, cells) = paper(format!("?building={one}")).await;
    assert!(cells.iter().any(|c| c == "赵六"), "{cells:?}");
    let head = text_of(&page, ".slip-no").unwrap();
    assert!(head.starts_with("栋号：碧水花园 · 1 · "), "{head}");
    let (_, cells) = paper(format!("?building={two}")).await;
    assert!(!cells.iter().any(|c| c == "王小明"), "{cells:?}");
    for other in ["/archives.pdf", "/archives/borrows.html"] {
        assert_eq!(keeper.get(other).await.status(), StatusCode::NOT_FOUND);
    }
    let employee = app.login_as(Role::Employee).await;
    for page in ["/archives.csv", "/archives/print"] {
        assert_eq!(employee.get(page).await.status(), StatusCode::FORBIDDEN);
    }
}

/// Whether the archive, or its paper `doc`, is on legal hold.
async fn on_hold(app: &TestApp, archive: i64, doc: Option<i64>) -> bool {
    let mut conn = app.db().await;
    match doc {
        None => kefu::schema::archives::table
            .find(archive)
            .select(kefu::schema::archives::legal_hold)
            .first(&mut conn)
            .await
            .unwrap(),
        Some(doc) => archive_documents::table
            .find(doc)
            .select(archive_documents::legal_hold)
            .first(&mut conn)
            .await
            .unwrap(),
    }
}

/// The archive's history rows of `action`, as "detail".
async fn history_of(app: &TestApp, archive: i64, action: &str) -> Vec<String> {
    use kefu::schema::archive_history as h;
    let mut conn = app.db().await;
    h::table
        .filter(h::archive_id.eq(archive))
        .filter(h::action.eq(action))
        .order(h::id)
        .select(h::detail)
        .load(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_hold_needs_a_reason_kept_on_record_and_a_second_click_records_it_once() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let archive = archive_with_old_agreement(&app, &keeper, None).await;
    let doc = doc_id(&app, "旧装修协议").await;
    let long = "理".repeat(201);

    for (page, paper) in [
        (format!("/archives/{archive}"), None),
        (format!("/archives/documents/{doc}"), Some(doc)),
    ] {
        // No reason, or one too long: the page comes back saying so, the input kept.
        for (reason, message) in [
            (" ", "请填写冻结原因。"),
            (long.as_str(), "最多 200 个字，现在是 201 个字。"),
        ] {
            let res = keeper
                .post(
                    &format!("{page}/hold"),
                    &[("hold", "on"), ("hold_reason", reason)],
                )
                .await;
            assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{page}");
            let body = res.text().await.unwrap();
            assert_eq!(text_of(&body, "#e-hold_reason").unwrap(), message, "{page}");
            assert_eq!(
                value_of(&body, "#f-hold_reason").unwrap(),
                reason,
                "{page}: input kept"
            );
        }
        assert!(!on_hold(&app, archive, paper).await, "{page}: not held");

        // With a reason, twice (a double click): held once, the reason on record.
        for _ in 0..2 {
            let res = keeper
                .post(
                    &format!("{page}/hold"),
                    &[("hold", "on"), ("hold_reason", "业主诉讼，法院调取")],
                )
                .await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{page}");
        }
        assert!(on_hold(&app, archive, paper).await, "{page}: held");
        // Released without a reason.
        let res = keeper
            .post(
                &format!("{page}/hold"),
                &[("hold", "off"), ("hold_reason", "")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{page}");
        assert!(!on_hold(&app, archive, paper).await, "{page}: released");
    }
    let holds = history_of(&app, archive, "hold").await;
    assert_eq!(
        holds,
        vec![
            "业主诉讼，法院调取".to_owned(),
            "旧装修协议 · 业主诉讼，法院调取".to_owned()
        ]
    );
    assert_eq!(history_of(&app, archive, "release").await.len(), 2);
}

/// A consultation on site waits for the keeper only: the same one sent twice is
/// filed once, another one beside it, and one not handed over yet can be
/// called off by its borrower.
#[tokio::test]
async fn a_consultation_is_filed_once_and_can_be_called_off() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let (archive, doc) = archive_with_notice(&app, &keeper).await;
    let doc = doc.to_string();
    let due = (today() + Duration::days(2)).to_string();
    let specialist = app.login_as(Role::CsSpecialist).await;
    let form = format!("/archives/{archive}/borrow");
    let send = async |mode: &str, purpose: &str, token: &str| {
        specialist
            .post(
                &form,
                &[
                    ("documents", doc.as_str()),
                    ("mode", mode),
                    ("purpose", purpose),
                    ("due_on", &due),
                    ("form_token", token),
                ],
            )
            .await
    };
    let ask = async |purpose: &str, token: &str| send("consult", purpose, token).await;
    // A loan of the same archive waiting for the manager is no obstacle.
    let token = specialist.form_token(&form).await;
    let loan = send("loan", "带回核对", &token).await;
    assert_eq!(loan.status(), StatusCode::SEE_OTHER);
    // The form says the loan waits, and links to it; a second loan, refused
    // while the first waits, comes back as sent; the same form sent again as a
    // consultation is filed.
    let (_, shown) = specialist.page(&form).await;
    assert_eq!(
        text_of(&shown, "#borrow-waiting").as_deref(),
        Some("您已有一份该档案的借阅申请在等待审批。 查看该申请")
    );
    assert_eq!(
        attr_of(&shown, "#borrow-waiting a", "href"),
        Some(location(&loan))
    );
    let token = specialist.form_token(&form).await;
    let refused = send("loan", "带回核对两份", &token).await;
    assert_eq!(refused.status(), StatusCode::CONFLICT);
    let body = refused.text().await.unwrap();
    assert!(
        text_of(&body, "#e-mode")
            .unwrap()
            .contains("可改为现场查阅"),
        "{body}"
    );
    assert_eq!(
        text_of(&body, "#f-purpose").as_deref(),
        Some("带回核对两份")
    );
    assert_eq!(
        attr_of(&body, "#borrow-waiting a", "href"),
        Some(location(&loan))
    );
    let instead = send("consult", "现场核对", &token).await;
    assert_ne!(location(&instead), location(&loan), "a consultation, filed");
    let token = specialist.form_token(&form).await;
    let (a, b) = tokio::join!(ask("核对入伙日期", &token), ask("核对入伙日期", &token));
    assert_eq!(location(&a), location(&b), "two clicks, one consultation");
    // The same consultation asked again on a fresh form is another one.
    let token = specialist.form_token(&form).await;
    let other = ask("核对入伙日期", &token).await;
    assert_eq!(other.status(), StatusCode::SEE_OTHER);
    assert_ne!(location(&other), location(&a), "asked again, another one");
    let mut conn = app.db().await;
    let filed: i64 = kefu::schema::archive_borrows::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(filed, 4, "the loan and three consultations");

    let borrow = location(&other);
    let (_, page) = specialist.page(&borrow).await;
    assert!(page.contains("cancel-consultation"));
    let res = specialist.post(&format!("{borrow}/cancel"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = specialist.page(&borrow).await;
    assert_eq!(text_of(&page, "#borrow-status").unwrap(), "已取消");
    assert_eq!(
        text_of(&page, ".flash").as_deref(),
        Some("已取消此次查阅。")
    );
    // The register's filter names it as its rows do.
    let (_, called_off) = keeper.page("/archives/borrows?status=withdrawn").await;
    assert_eq!(
        text_of(&called_off, "#status option[selected]").as_deref(),
        Some("已撤回或取消")
    );
    assert_eq!(texts_of(&called_off, "td .badge"), ["已取消"]);
    // Not someone else's.
    let employee = app.login_as(Role::Employee).await;
    let first = location(&a);
    assert_eq!(
        employee
            .post(&format!("{first}/cancel"), &[])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}

/// A paper handed over to be consulted (or copied) is out of the cabinet as
/// a lent one is: not handed to a second borrower, nor taken out of its
/// archive, until it comes back.
#[tokio::test]
async fn a_paper_out_for_a_consultation_is_not_handed_to_another_nor_taken_out() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let (archive, doc) = archive_with_notice(&app, &keeper).await;
    let doc_s = doc.to_string();
    let form = format!("/archives/{archive}/borrow");
    let mut asked = Vec::new();
    for (role, purpose) in [
        (Role::CsSpecialist, "核对入伙日期"),
        (Role::CsSupervisor, "核对业主信息"),
    ] {
        let b = app.login_as(role).await;
        let res = b
            .submit(
                &form,
                &form,
                &[
                    ("documents", doc_s.as_str()),
                    ("mode", "consult"),
                    ("purpose", purpose),
                ],
            )
            .await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{purpose}");
        asked.push(location(&res));
    }
    let (first, second) = (&asked[0], &asked[1]);
    let lend = async |borrow: &str, name: &str| {
        keeper
            .post(
                &format!("{borrow}/lend"),
                &[("sign_name", name), ("sign_confirm", "1")],
            )
            .await
    };
    let res = lend(first, "客服专员 陈静").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(doc_status(&app, doc).await, "on_loan");

    // The second consultation waits for the paper.
    let res = lend(second, "客服主管 李强").await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-documents")
        .unwrap()
        .contains("不在档案柜中"));
    let page = format!("/archives/documents/{doc}");
    let res = keeper
        .post(&format!("{page}/remove"), &[("remove_reason", "归错档案")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(text_of(&res.text().await.unwrap(), "#e-remove_reason")
        .unwrap()
        .contains("归还后"));

    // Back in the cabinet: the next one has it.
    keeper.post(&format!("{first}/return"), &[]).await;
    assert_eq!(doc_status(&app, doc).await, "kept");
    let res = lend(second, "客服主管 李强").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(doc_status(&app, doc).await, "on_loan");
}

/// The filing form (multipart, for its scan) reads full-width digits as every
/// other form does.
#[tokio::test]
async fn a_paper_filed_in_full_width_digits_is_read_as_ascii() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let archive = open_archive(&app, &keeper, "王小明", false).await;
    let once = keeper.form_token(&format!("/archives/{archive}")).await;
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", keeper.csrf().await)
        .text("form_token", once)
        .text("type_id", type_id(&app, "move_in_notice").await.to_string())
        .text("title", "入伙通知书")
        .text("received_on", "２０２４－０５－１０")
        .text("pages", "１２")
        .text("cabinet", "Ａ１")
        .text("box", "１－３０１");
    let res = keeper
        .client
        .post(keeper.url(&format!("/archives/{archive}/documents")))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let stored: (i32, NaiveDate, String) = archive_documents::table
        .find(doc_id(&app, "入伙通知书").await)
        .select((
            archive_documents::pages,
            archive_documents::received_on,
            archive_documents::cabinet,
        ))
        .first(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(
        stored,
        (
            12,
            NaiveDate::from_ymd_opt(2024, 5, 10).unwrap(),
            "A1".to_owned()
        )
    );
}

/// An approved list that will not be carried out (here: a paper put on hold
/// after the approval) is called off by the keeper with a reason: the papers are
/// free again, the list stays on record, a second click calls it off once.
#[tokio::test]
async fn an_approved_list_stranded_by_a_hold_is_called_off_and_frees_its_papers() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let archive = archive_with_old_agreement(&app, &keeper, None).await;
    let doc = doc_id(&app, "旧装修协议").await;
    let list = list_for_destruction(&keeper, doc).await;
    let request: i64 = approval_requests::table
        .filter(approval_requests::kind.eq("archive_destruction"))
        .select(approval_requests::id)
        .first(&mut app.db().await)
        .await
        .unwrap();
    decide(&app, &app.login_as(Role::CsSupervisor).await, request).await;
    let manager = app.login_as(Role::CenterManager).await;
    decide(&app, &manager, request).await;
    // A second re-check says it was done; the print keeps a line for each of
    // the two witnesses the rule asks for, signed or not.
    let supervisor = app.login_as(Role::CsSupervisor).await;
    for _ in 0..2 {
        supervisor.post(&format!("{list}/recheck"), &[]).await;
    }
    let (_, page) = supervisor.page(&list).await;
    assert_eq!(
        text_of(&page, ".flash-error").as_deref(),
        Some("该登记表已经复核过。")
    );
    let witness = [("sign_name", "客服主任 王芳"), ("sign_confirm", "1")];
    let res = keeper.post(&format!("{list}/witness"), &witness).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, print) = keeper.page(&format!("{list}/print")).await;
    let lines = texts_of(&print, ".witness-line");
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert!(lines[0].contains("在场人：客服主任 王芳"), "{lines:?}");
    assert!(lines[1].starts_with("在场人"), "{lines:?}");

    let res = keeper
        .post(
            &format!("/archives/{archive}/hold"),
            &[("hold", "on"), ("hold_reason", "业主纠纷诉讼中")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // The approval mail and page name the paper on hold.
    let details = kefu::archives::destruction::approval_details(
        &mut app.db().await,
        list.rsplit('/').next().unwrap().parse().unwrap(),
        kefu::i18n::Locale::ZhCn,
    )
    .await
    .unwrap();
    assert!(details[0].1.ends_with("· 冻结"), "{details:?}");

    // Neither the manager nor a specialist nor an employee may call it off; no
    // reason is refused.
    let call_off = format!("{list}/call-off");
    for role in [Role::CenterManager, Role::CsSpecialist, Role::Employee] {
        let b = app.login_as(role).await;
        let res = b.post(&call_off, &[("reason", "不销毁")]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{role:?}");
    }
    let res = keeper.post(&call_off, &[("reason", " ")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-call_off_reason").as_deref(),
        Some("请写明撤销原因。")
    );

    for _ in 0..2 {
        let res = keeper.post(&call_off, &[("reason", "档案已冻结")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let (_, page) = keeper.page(&list).await;
    assert_eq!(
        text_of(&page, "#destruction-status").as_deref(),
        Some("已撤销")
    );
    assert!(text_of(&page, "#called-off")
        .unwrap()
        .contains("档案已冻结"));
    assert!(
        text_of(&page, "#call-off").is_none(),
        "no form once called off"
    );
    // On paper too, without blank lines for witnesses it no longer needs.
    let (_, print) = keeper.page(&format!("{list}/print")).await;
    assert!(text_of(&print, "#called-off")
        .unwrap()
        .contains("档案已冻结"));
    assert_eq!(
        texts_of(&print, ".witness-line").len(),
        1,
        "the one who signed"
    );
    let number = format!("XH-{}", list.rsplit('/').next().unwrap());
    assert_eq!(
        history_of(&app, archive, "destruction_called_off").await,
        [format!("{number} · 档案已冻结")],
        "once"
    );

    // The paper is free again: it may be corrected.
    let (_, paper) = keeper.page(&format!("/archives/documents/{doc}")).await;
    assert_eq!(value_of(&paper, "#f-title").as_deref(), Some("旧装修协议"));
    assert_eq!(doc_status(&app, doc).await, "kept");
}

/// The history says which date is which, in the reader's language, and which
/// paper a line is about; a form sent as it stands adds nothing; a move-out
/// still to come is refused.
#[tokio::test]
async fn the_archive_history_names_its_dates_and_papers() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let archive = archive_with_old_agreement(&app, &keeper, None).await;
    let events = format!("/archives/{archive}/events");
    let tomorrow = (today() + chrono::Duration::days(1)).to_string();
    let res = keeper.post(&events, &[("moved_out", &tomorrow)]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-moved_out").as_deref(),
        Some("迁出日期不能晚于今天：住户迁出后再登记。")
    );
    let fields = [
        ("moved_out", "2025-06-30"),
        ("contract_ended_on", "2025-12-31"),
    ];
    for _ in 0..2 {
        let res = keeper.post(&events, &fields).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    assert_eq!(history_of(&app, archive, "events").await.len(), 1, "once");

    let lines = |page: &str| texts_of(page, "table.history tbody tr td:nth-child(3)");
    let (_, zh) = keeper.page(&format!("/archives/{archive}")).await;
    let zh = lines(&zh);
    assert_eq!(
        zh[0],
        "登记起算事件 · 迁出日期 2025-06-30；合同终止日期 2025-12-31"
    );
    assert!(
        zh.iter().any(|l| l.starts_with("登记资料 · 旧装修协议")),
        "{zh:?}"
    );
    let (_, en) = keeper.page(&format!("/archives/{archive}?lang=en")).await;
    assert!(
        lines(&en)[0].contains("Moved out 2025-06-30"),
        "{:?}",
        lines(&en)
    );
    // A date cleared says so.
    let res = keeper.post(&events, &[("moved_out", "2025-06-30")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, zh) = keeper
        .page(&format!("/archives/{archive}?lang=zh-CN"))
        .await;
    assert_eq!(
        lines(&zh)[0],
        "登记起算事件 · 迁出日期 2025-06-30；合同终止日期 —"
    );
}

/// The dates form read before a colleague's change comes back instead of
/// clearing their move-out date; sent again from there, it replaces it.
#[tokio::test]
async fn a_dates_form_read_before_a_colleagues_comes_back_instead_of_replacing_it() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let archive = archive_with_old_agreement(&app, &keeper, None).await;
    let path = format!("/archives/{archive}");
    let events = format!("{path}/events");
    // Two tabs (or two keepers) open the archive.
    let (_, page) = keeper.page(&path).await;
    let seen = value_of(&page, "#events input[name=seen]").unwrap();
    let first = keeper
        .post(&events, &[("moved_out", "2025-06-30"), ("seen", &seen)])
        .await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let mut conn = app.db().await;
    let resident: i64 = archives::table
        .find(archive)
        .select(archives::resident_id)
        .first(&mut conn)
        .await
        .unwrap();
    let moved_out = async |conn: &mut diesel_async::AsyncPgConnection| {
        residents::table
            .find(resident)
            .select(residents::moved_out)
            .first::<Option<NaiveDate>>(conn)
            .await
            .unwrap()
            .map(|d| d.to_string())
    };
    let contract_end = async |conn: &mut diesel_async::AsyncPgConnection| {
        archives::table
            .find(archive)
            .select(archives::contract_ended_on)
            .first::<Option<NaiveDate>>(conn)
            .await
            .unwrap()
            .map(|d| d.to_string())
    };

    // The second tab, which never saw the move-out, adds a contract end.
    let second = [("contract_ended_on", "2025-12-31"), ("seen", &seen)];
    let res = keeper.post(&events, &second).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert_eq!(moved_out(&mut conn).await.as_deref(), Some("2025-06-30"));
    assert_eq!(contract_end(&mut conn).await, None);
    assert!(text_of(&body, "#e-events_seen")
        .unwrap()
        .contains("已被他人修改"));
    assert_eq!(value_of(&body, "#f-moved_out").as_deref(), Some(""));
    assert_eq!(
        value_of(&body, "#f-contract_ended_on").as_deref(),
        Some("2025-12-31")
    );
    assert_eq!(history_of(&app, archive, "events").await.len(), 1);

    // Sent again from the form that came back, it replaces the move-out, knowingly.
    let fresh = value_of(&body, "#events input[name=seen]").unwrap();
    assert_ne!(fresh, seen);
    let again = [("contract_ended_on", "2025-12-31"), ("seen", &fresh)];
    let res = keeper.post(&events, &again).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(moved_out(&mut conn).await, None);
    assert_eq!(contract_end(&mut conn).await.as_deref(), Some("2025-12-31"));
}

/// A move-out cannot be cleared once the person lives in the room again on a
/// record of their own (added on the room's page): the form says so, keeps
/// what was typed, and changes nothing.
#[tokio::test]
async fn a_move_out_is_not_cleared_under_the_record_of_the_same_person_back_in_the_room() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let archive = archive_with_old_agreement(&app, &keeper, None).await;
    let events = format!("/archives/{archive}/events");
    let res = keeper.post(&events, &[("moved_out", "2025-06-30")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mut conn = app.db().await;
    let resident: i64 = archives::table
        .find(archive)
        .select(archives::resident_id)
        .first(&mut conn)
        .await
        .unwrap();
    // Back in the room: the same name and ID number on a new, current record.
    conn.batch_execute(&format!(
        "INSERT INTO residents (room_id, kind, name, phone, id_type, id_number) \
         SELECT room_id, kind, name, phone, id_type, id_number FROM residents WHERE id = {resident}"
    ))
    .await
    .unwrap();

    let res = keeper
        .post(
            &events,
            &[("moved_out", ""), ("contract_ended_on", "2025-12-31")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(
        text_of(&body, "#e-moved_out").unwrap().contains("重新登记"),
        "{body}"
    );
    assert_eq!(
        value_of(&body, "#f-contract_ended_on").as_deref(),
        Some("2025-12-31")
    );
    let moved_out: Option<NaiveDate> = residents::table
        .find(resident)
        .select(residents::moved_out)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        moved_out.map(|d| d.to_string()).as_deref(),
        Some("2025-06-30")
    );
    assert_eq!(history_of(&app, archive, "events").await.len(), 1);
}

/// The form to open an archive lists one building's living residents without
/// an archive, by floor and room, and comes back on that building when refused.
#[tokio::test]
async fn opening_an_archive_lists_the_chosen_buildings_residents() {
    use kefu::properties::{models::NewResident, queries as p};
    use kefu::schema::buildings;
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    resident(&app, "王小明").await; // the demo estate
    let mut conn = app.db().await;
    let building = async |conn: &mut diesel_async::AsyncPgConnection, code: &str| -> i64 {
        buildings::table
            .filter(buildings::code.eq(code))
            .select(buildings::id)
            .first(conn)
            .await
            .unwrap()
    };
    let (one, two) = (
        building(&mut conn, "1").await,
        building(&mut conn, "2").await,
    );
    let room = p::find_room(&mut conn, two, "1", "101")
        .await
        .unwrap()
        .unwrap();
    let sun = NewResident {
        room_id: room.id,
        kind: "owner",
        name: "孙二",
        phone: "13600000000",
        id_type: "resident_id",
        id_number: "".into(),
        moved_in: None,
    };
    p::insert_resident(&mut conn, &sun).await.unwrap();

    let (status, page) = keeper.page("/archives/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(!page.contains(r#"id="f-resident""#), "a building first");
    let listed = |page: &str| texts_of(page, "#f-resident option:not([value=''])");
    let (_, page) = keeper.page(&format!("/archives/new?building={one}")).await;
    let names = listed(&page);
    assert_eq!(names.len(), 3, "{names:?}");
    assert!(
        names[0].contains("王小明") && names[1].contains("李华"),
        "{names:?}"
    );
    assert!(!names.iter().any(|n| n.contains("孙二")));
    let (_, page) = keeper.page(&format!("/archives/new?building={two}")).await;
    assert_eq!(listed(&page).len(), 1);
    assert!(listed(&page)[0].contains("孙二"));

    // A tenant not let through the centre is refused, on their building's list.
    let zhao = resident(&app, "赵六").await.to_string();
    let res = keeper.post("/archives/new", &[("resident", &zhao)]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-via_centre").is_some_and(|e| !e.is_empty()));
    assert_eq!(
        attr_of(&body, "#building option[selected]", "value"),
        Some(one.to_string())
    );
    assert_eq!(
        attr_of(&body, "#f-resident option[selected]", "value"),
        Some(zhao.clone())
    );

    // Once every resident of the building has one, the form says so.
    open_archive(&app, &keeper, "王小明", false).await;
    open_archive(&app, &keeper, "李华", false).await;
    open_archive(&app, &keeper, "赵六", true).await;
    let (_, page) = keeper.page(&format!("/archives/new?building={one}")).await;
    assert!(text_of(&page, "#no-residents").is_some());
    assert!(!page.contains(r#"id="f-resident""#));
}

/// The keeper's forms cite the rule they carry out, and each citation leads to
/// its clause: opening an archive (2), a paper's corrections and appraisal (4,
/// 6), the list of papers due for destruction (6); and a key's safekeeping (2(1)).
#[tokio::test]
async fn the_keepers_forms_cite_their_clauses() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let archive = open_archive(&app, &keeper, "王小明", false).await;
    let res = file_doc(
        &app,
        &keeper,
        archive,
        "owner_id_copy",
        "王小明身份证（复印件）",
        &today().to_string(),
        None,
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let doc = doc_id(&app, "王小明身份证（复印件）").await;
    let (clerk, _) = crate::keys::estate(&app).await;
    let key = crate::keys::key_id(&app, "1-配电房", "").await;

    for (b, path, cited) in [
        (
            &keeper,
            "/archives/new".to_owned(),
            &[
                "住户档案管理规定 1",
                "住户档案管理规定 2",
                "住户档案管理规定 4",
            ][..],
        ),
        (
            &keeper,
            format!("/archives/documents/{doc}"),
            &["住户档案管理规定 4", "住户档案管理规定 6"][..],
        ),
        (
            &keeper,
            "/archives/due".to_owned(),
            &["住户档案管理规定 6"][..],
        ),
        (&clerk, format!("/keys/{key}"), &["钥匙管理规定 2(1)"][..]),
    ] {
        let (status, page) = b.page(&path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        assert_eq!(texts_of(&page, ".cites a"), cited, "{path}");
        let hrefs: Vec<String> = {
            let html = scraper::Html::parse_document(&page);
            let links = scraper::Selector::parse(".cites a").unwrap();
            html.select(&links)
                .filter_map(|a| a.value().attr("href").map(str::to_owned))
                .collect()
        };
        for href in hrefs {
            let res = b.get(&href).await;
            assert_eq!(res.status(), StatusCode::SEE_OTHER, "{path}: {href}");
            assert!(location(&res).starts_with("/handbook/"), "{href}");
        }
    }
}

/// An empty filter of the borrowing register says nothing matches it, not that
/// there is no borrowing at all.
#[tokio::test]
async fn an_empty_filter_of_the_borrowing_register_says_so() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let (_, all) = keeper.page("/archives/borrows").await;
    assert!(all.contains("还没有借阅记录。"));
    let (_, overdue) = keeper.page("/archives/borrows?status=overdue").await;
    assert!(overdue.contains("没有符合条件的借阅记录。"), "{overdue}");
    assert!(!overdue.contains("还没有借阅记录。"));
}

/// A paper already on an open destruction list is shown on the due list with
/// that list, and cannot be ticked again; the count of papers waiting for a list
/// (the morning sheet's, the handbook clause's) leaves it out.
#[tokio::test]
async fn a_paper_on_an_open_destruction_list_is_shown_with_it_and_no_longer_waits() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    archive_with_old_agreement(&app, &keeper, None).await;
    let doc = doc_id(&app, "旧装修协议").await;
    let waiting = async || {
        let (_, sheet) = keeper.page("/meetings/morning").await;
        text_of(&sheet, "#sheet-papers p").unwrap()
    };
    let (_, due) = keeper.page("/archives/due").await;
    assert!(due.contains(&format!(r#"id="f-doc-{doc}""#)));
    assert_eq!(waiting().await, "现有 1 份");

    let list = list_for_destruction(&keeper, doc).await;

    let (_, due) = keeper.page("/archives/due").await;
    assert!(
        !due.contains(&format!(r#"id="f-doc-{doc}""#)),
        "no box to tick"
    );
    let n = list.rsplit('/').next().unwrap();
    assert_eq!(
        attr_of(&due, &format!("a[href='{list}']"), "href").as_deref(),
        Some(list.as_str())
    );
    assert!(due.contains(&format!("已列入 XH-{n}")), "{due}");
    assert_eq!(waiting().await, "现有 0 份");
}

/// 住户档案管理规定 3(2): 非公司员工或非工作需要，未经服务中心经理批准不得查阅.
/// A consultation not for work, or by someone outside the company whom a
/// colleague brings, waits for the manager; the visitor is named on the request
/// and the register, and signs for the papers themselves.
#[tokio::test]
async fn consulting_not_for_work_or_by_an_outsider_waits_for_the_manager() {
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let (archive, doc) = archive_with_notice(&app, &keeper).await;
    let doc = doc.to_string();
    let form = format!("/archives/{archive}/borrow");
    let asked = async |b: &Browser, fields: &[(&str, &str)]| {
        let mut all = vec![
            ("documents", doc.as_str()),
            ("mode", "consult"),
            ("purpose", "查看本户资料"),
        ];
        all.extend_from_slice(fields);
        b.submit(&form, &form, &all).await
    };

    // Not for work: waits for the manager, who is asked.
    let employee = app.login_as(Role::Employee).await;
    let res = asked(&employee, &[("grounds", "other")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let own = location(&res);
    let (_, page) = employee.page(&own).await;
    assert_eq!(text_of(&page, "#borrow-status").as_deref(), Some("待审批"));
    assert_eq!(
        text_of(&page, "#borrow-grounds").as_deref(),
        Some("本人非工作需要")
    );
    assert_eq!(
        text_of(&page, ".flash").as_deref(),
        Some("借阅申请已提交，等待服务中心经理审批。")
    );
    let id: i64 = own.rsplit('/').next().unwrap().parse().unwrap();
    let (approver, _, _) = crate::keys::task_of(&app, "archive_borrow", id).await;
    assert_eq!(approver, username(Role::CenterManager));

    // Someone outside the company must be named; what was typed stays.
    let specialist = app.login_as(Role::CsSpecialist).await;
    let res = asked(
        &specialist,
        &[("grounds", "outsider"), ("visitor_name", " ")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-visitor_name").as_deref(),
        Some("请填写查阅人（非公司员工）的姓名。")
    );
    assert_eq!(
        attr_of(&body, "input[name=grounds][checked]", "value").as_deref(),
        Some("outsider")
    );
    assert_eq!(
        text_of(&body, "#f-purpose").as_deref(),
        Some("查看本户资料")
    );
    let res = asked(
        &specialist,
        &[("grounds", "outsider"), ("visitor_name", "王小明")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let visit = location(&res);
    let id: i64 = visit.rsplit('/').next().unwrap().parse().unwrap();
    let (_, request, _) = crate::keys::task_of(&app, "archive_borrow", id).await;
    let manager = app.login_as(Role::CenterManager).await;
    let (_, asked_page) = manager.page(&format!("/approvals/{request}")).await;
    assert!(text_of(&asked_page, "h1")
        .unwrap()
        .contains("王小明（客服专员 陈静）"));
    assert!(asked_page.contains("非公司员工查阅"));
    crate::keys::approve(&app, Role::CenterManager, "archive_borrow", id).await;
    let (_, page) = keeper.page(&visit).await;
    assert_eq!(text_of(&page, "#borrow-status").as_deref(), Some("待查阅"));
    assert_eq!(
        text_of(&page, "#borrow-who").as_deref(),
        Some("王小明（非公司员工，经办：客服专员 陈静）")
    );

    // The visitor signs, not the colleague who brought them.
    let lend = format!("{visit}/lend");
    let wrong = keeper
        .post(
            &lend,
            &[("sign_name", "客服专员 陈静"), ("sign_confirm", "1")],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = keeper
        .post(&lend, &[("sign_name", "王小明"), ("sign_confirm", "1")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = keeper.page(&visit).await;
    assert_eq!(text_of(&page, "#borrow-status").as_deref(), Some("查阅中"));
    let (_, print) = keeper.page("/archives/borrows/print").await;
    assert!(print.contains("王小明（非公司员工，经办：客服专员 陈静）"));
    assert!(print.contains("服务中心经理 张伟"), "the approver on paper");
    let (_, english) = keeper.page(&format!("{visit}?lang=en")).await;
    assert_eq!(
        text_of(&english, "#borrow-who").as_deref(),
        Some("王小明 (outside the company, brought by 客服专员 陈静)")
    );
    keeper.page("/?lang=zh-CN").await;
    // Consulted and handed back.
    let res = keeper.post(&format!("{visit}/return"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    // Refused: the slip says so, nothing is offered to hand over, and a
    // hand-over sent anyway changes nothing.
    let res = asked(
        &specialist,
        &[("grounds", "outsider"), ("visitor_name", "李四")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let refused = location(&res);
    let id: i64 = refused.rsplit('/').next().unwrap().parse().unwrap();
    let (_, request, task) = crate::keys::task_of(&app, "archive_borrow", id).await;
    let res = manager
        .post(
            &format!("/approvals/{request}/decide"),
            &[
                ("task_id", task.to_string().as_str()),
                ("decision", "reject"),
                ("comment", "外单位人员请持介绍信"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = keeper.page(&refused).await;
    assert_eq!(text_of(&page, "#borrow-status").as_deref(), Some("已驳回"));
    assert!(!page.contains(&format!("{refused}/lend")), "no hand-over");
    let res = keeper
        .post(
            &format!("{refused}/lend"),
            &[("sign_name", "李四"), ("sign_confirm", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = keeper.page(&location(&res)).await;
    assert_eq!(
        text_of(&page, ".flash").as_deref(),
        Some(kefu::i18n::Locale::ZhCn.t("archives.borrow_not_approved"))
    );
    assert_eq!(text_of(&page, "#borrow-status").as_deref(), Some("已驳回"));
    assert!(!history_of(&app, archive, "lent")
        .await
        .iter()
        .any(|who| who == "李四"));
}

/// The demo's waiting archive loan reads in the manager's inbox as one filed on
/// the site does: the archive, the mode and who asks.
#[tokio::test]
async fn the_demo_archive_loan_is_titled_as_the_site_titles_requests() {
    let app = TestApp::spawn().await;
    let mut conn = app.db().await;
    kefu::demo::seed_properties(&mut conn).await.unwrap();
    kefu::archives::seed_demo(&mut conn, &app.config)
        .await
        .unwrap();
    let borrow: i64 = kefu::schema::archive_borrows::table
        .select(kefu::schema::archive_borrows::id)
        .first(&mut conn)
        .await
        .unwrap();
    let (_, request, _) = crate::keys::task_of(&app, "archive_borrow", borrow).await;
    let manager = app.login_as(Role::CenterManager).await;
    let (_, page) = manager.page(&format!("/approvals/{request}")).await;
    let title = text_of(&page, "h1").unwrap();
    assert!(title.contains(" · 借出 · 客服专员 陈静"), "{title}");
}

#[tokio::test]
async fn papers_are_announced_only_once_someone_keeps_the_archives() {
    use kefu::schema::archive_retention_notices;
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    paper_due_in_twenty_days(&app, &keeper).await;
    let keeper_active = async |active: bool| {
        diesel::update(users::table.filter(users::username.eq(username(Role::ArchiveKeeper))))
            .set(users::active.eq(active))
            .execute(&mut app.db().await)
            .await
            .unwrap();
    };
    let notices = async || -> i64 {
        archive_retention_notices::table
            .count()
            .get_result(&mut app.db().await)
            .await
            .unwrap()
    };

    // The keeper has left and no one took over: the run says so, and marks
    // nothing announced.
    keeper_active(false).await;
    let res =
        kefu::archives::retention::notify(&mut app.db().await, at(today()), &app.config).await;
    assert!(res.unwrap_err().to_string().contains("archive keeper"));
    assert_eq!(notices().await, 0);

    keeper_active(true).await;
    kefu::archives::retention::notify(&mut app.db().await, at(today()), &app.config)
        .await
        .unwrap();
    assert_eq!(notices().await, 1);
    let to: Vec<String> = mail_outbox::table
        .filter(mail_outbox::message.eq("archive_retention"))
        .select(mail_outbox::to_addr)
        .load(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(to, vec![mail_of(Role::ArchiveKeeper)]);
}

/// Every overdue loan is reminded, however many there are, and nobody who has
/// left is written to.
#[tokio::test]
async fn every_overdue_loan_is_reminded_and_not_those_of_people_who_left() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let archive = open_archive(&app, &keeper, "王小明", false).await;
    let mut conn = app.db().await;
    let (employee, specialist) = (
        user_id(&app, "employee").await,
        user_id(&app, "specialist").await,
    );
    conn.batch_execute(&format!(
        "INSERT INTO archive_borrows (archive_id, borrower_id, mode, purpose, due_on, status, lent_at) \
         SELECT {archive}, CASE WHEN g <= 3 THEN {specialist} ELSE {employee} END, \
                'loan', '核对', current_date - 3, 'lent', now() - interval '10 days' \
         FROM generate_series(1, 603) g"
    ))
    .await
    .unwrap();
    app.deactivate("specialist").await;

    let said = kefu::archives::borrow::remind_overdue(&mut conn, at(today()), &app.config)
        .await
        .unwrap();

    let to: Vec<String> = mail_outbox::table
        .filter(mail_outbox::message.eq("archive_overdue"))
        .select(mail_outbox::to_addr)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(to.len(), 600, "{said}");
    assert!(to.iter().all(|a| *a == mail_of(Role::Employee)));
    assert_eq!(
        kefu::jobs::result_in(&said, kefu::i18n::Locale::En),
        "reminded 600"
    );
}

/// A rare status of the borrowing register is found by its own index, however
/// many borrows came after: the filtered page reads about what the first does.
#[tokio::test]
async fn a_rare_borrow_status_reads_no_more_than_the_first_page() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let archive = open_archive(&app, &keeper, "王小明", false).await;
    let employee = user_id(&app, "employee").await;
    app.db()
        .await
        .batch_execute(&format!(
            "INSERT INTO archive_borrows (archive_id, borrower_id, mode, purpose, due_on, status, \
                 lent_at, returned_at) \
             SELECT {archive}, {employee}, 'consult', '核对' || g, current_date, \
                 CASE WHEN g = 1 THEN 'rejected' ELSE 'returned' END, \
                 CASE WHEN g = 1 THEN NULL ELSE now() END, CASE WHEN g = 1 THEN NULL ELSE now() END \
             FROM generate_series(1, 20000) g"
        ))
        .await
        .unwrap();

    let (_, rejected) = keeper.page("/archives/borrows?status=rejected").await;
    assert_eq!(texts_of(&rejected, "tbody tr").len(), 1, "the one rejected");
    let first = app.blocks_read_for(&keeper, "/archives/borrows").await;
    let filtered = app
        .blocks_read_for(&keeper, "/archives/borrows?status=rejected")
        .await;
    assert!(
        filtered <= first + 20,
        "{filtered} buffers read for the rejected borrow, {first} for the first page"
    );
}

#[tokio::test]
async fn a_long_archive_history_is_read_page_by_page_to_its_opening() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let archive = open_archive(&app, &keeper, "王小明", false).await;
    app.db()
        .await
        .batch_execute(&format!(
            "INSERT INTO archive_history (archive_id, action, detail, at) \
             SELECT {archive}, 'hold', '第' || g || '行', now() + g * interval '1 minute' \
             FROM generate_series(1, 250) g"
        ))
        .await
        .unwrap();

    let lines = |page: &str| texts_of(page, "table.history tbody tr td:nth-child(3)");
    let (_, page) = keeper.page(&format!("/archives/{archive}")).await;
    let mut seen = lines(&page);
    assert_eq!(seen.len(), 100);
    assert!(seen[0].ends_with("第250行"), "newest first: {}", seen[0]);
    let mut next = attr_of(&page, "#older-history", "href");
    let mut pages = 1;
    while let Some(href) = next {
        let (status, older) = keeper.page(&href).await;
        assert_eq!(status, StatusCode::OK);
        seen.extend(lines(&older));
        next = attr_of(&older, "#older-history", "href");
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(seen.len(), 251, "every line once, and the opening");
    let expected: Vec<String> = (1..=250).rev().map(|g| format!("第{g}行")).collect();
    let got: Vec<String> = seen[..250]
        .iter()
        .map(|l| l.rsplit(" · ").next().unwrap().to_owned())
        .collect();
    assert_eq!(got, expected);
    assert!(
        !seen[250].contains('行'),
        "the opening line last: {}",
        seen[250]
    );
    let (_, en) = keeper
        .page(&format!("/archives/{archive}/history?before=1&lang=en"))
        .await;
    assert!(en.contains("Nothing yet."), "before the first line: none");
    assert_eq!(
        app.login_as(Role::Employee)
            .await
            .page(&format!("/archives/{archive}/history"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
}
