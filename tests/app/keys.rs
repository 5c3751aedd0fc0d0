//! The key cabinet: key sets, issue to owners, loans approved per category and
//! handed over once, returns and losses, overdue reminders, copies, counts,
//! registers and rights.
use chrono::{DateTime, Datelike, Duration, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::schema::{
    approval_requests, approval_tasks, buildings, key_events, key_issues, key_loan_lines,
    key_loans, keys, mail_outbox, rooms, users,
};
use reqwest::StatusCode;

use crate::approvals::{mail_of, user_id};
use crate::helpers::*;
use crate::mail::worker;
use crate::smtp::{link_in, SmtpServer};

/// The demo estate (碧水花园: buildings 1 and 2, rooms, 配电房, residents) and a
/// signed-in key clerk who created building 1's key sets.
pub async fn estate(app: &TestApp) -> (Browser, i64) {
    let mut conn = app.db().await;
    kefu::demo::seed_properties(&mut conn).await.unwrap();
    let building: i64 = buildings::table
        .filter(buildings::code.eq("1"))
        .select(buildings::id)
        .first(&mut conn)
        .await
        .unwrap();
    let clerk = app.login_as(Role::CsSpecialist).await;
    let res = clerk
        .post(
            "/keys/sets",
            &[("building", &building.to_string()), ("cabinet", "1号柜")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    (clerk, building)
}

/// How the counts page names cabinet `name` of building `building`'s project
/// ("project id:name").
pub async fn cabinet_of(app: &TestApp, building: i64, name: &str) -> String {
    let project: i64 = buildings::table
        .find(building)
        .select(buildings::project_id)
        .first(&mut app.db().await)
        .await
        .unwrap();
    format!("{project}:{name}")
}

/// A count form's one-time token, the keys it lists (`listed`) and their ids.
fn count_form(page: &str) -> (String, String, Vec<String>) {
    let token = value_of(page, r#"input[name="form_token"]"#).unwrap();
    let listed = value_of(page, r#"input[name="listed"]"#).unwrap();
    let doc = scraper::Html::parse_document(page);
    let sel = scraper::Selector::parse(r#"input[name="present"]"#).unwrap();
    let ids = doc
        .select(&sel)
        .filter_map(|e| e.value().attr("value").map(str::to_owned))
        .collect();
    (token, listed, ids)
}

/// Counts `cabinet` ("project id:name") on its form, ticking every key listed
/// but the last `not_found`: the answer and the keys listed.
async fn count_cabinet(
    clerk: &Browser,
    cabinet: &str,
    not_found: usize,
) -> (reqwest::Response, Vec<String>) {
    let (_, form) = clerk.page(&format!("/keys/counts?cabinet={cabinet}")).await;
    let (token, listed, ids) = count_form(&form);
    let found = &ids[..ids.len() - not_found];
    let mut fields: Vec<(&str, &str)> = found.iter().map(|p| ("present", p.as_str())).collect();
    fields.extend([
        ("cabinet", cabinet),
        ("listed", &listed),
        ("form_token", &token),
    ]);
    (clerk.post("/keys/counts", &fields).await, ids)
}

/// A new building `code` of `project`, with no rooms yet.
async fn add_building(app: &TestApp, project: i64, code: &str) -> i64 {
    diesel::insert_into(buildings::table)
        .values((
            buildings::project_id.eq(project),
            buildings::code.eq(code),
            buildings::name.eq(""),
        ))
        .returning(buildings::id)
        .get_result(&mut app.db().await)
        .await
        .unwrap()
}

/// Room 1-1-301 of the demo estate.
pub async fn room_1_301(app: &TestApp) -> i64 {
    let mut conn = app.db().await;
    rooms::table
        .inner_join(buildings::table)
        .filter(buildings::code.eq("1"))
        .filter(rooms::number.eq("301"))
        .filter(rooms::unit.eq("1"))
        .select(rooms::id)
        .first(&mut conn)
        .await
        .unwrap()
}

/// The id of a key by label and door.
pub async fn key_id(app: &TestApp, label: &str, door: &str) -> i64 {
    let mut conn = app.db().await;
    keys::table
        .filter(keys::label.eq(label))
        .filter(keys::door.eq(door))
        .select(keys::id)
        .first(&mut conn)
        .await
        .unwrap()
}

async fn key_status(app: &TestApp, id: i64) -> String {
    let mut conn = app.db().await;
    keys::table
        .find(id)
        .select(keys::status)
        .first(&mut conn)
        .await
        .unwrap()
}

async fn key_copies(app: &TestApp, id: i64) -> i32 {
    let mut conn = app.db().await;
    keys::table
        .find(id)
        .select(keys::copies)
        .first(&mut conn)
        .await
        .unwrap()
}

async fn loan_status(app: &TestApp, id: i64) -> String {
    let mut conn = app.db().await;
    key_loans::table
        .find(id)
        .select(key_loans::status)
        .first(&mut conn)
        .await
        .unwrap()
}

fn due_in(hours: i64) -> String {
    (Utc::now() + Duration::hours(hours))
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%dT%H:%M")
        .to_string()
}

/// Files a loan of `key` as `b` for the employee; returns the loan id.
pub async fn file_loan(app: &TestApp, b: &Browser, key: i64, purpose: &str) -> i64 {
    file_loan_for(app, b, key, purpose, "employee").await
}

/// As [`file_loan`], for the colleague `borrower` (a username).
async fn file_loan_for(app: &TestApp, b: &Browser, key: i64, purpose: &str, borrower: &str) -> i64 {
    let borrower = user_id(app, borrower).await.to_string();
    let due = due_in(4);
    let res = b
        .submit(
            "/keys/loans/new?building=0",
            "/keys/loans/new",
            &[
                ("building", "0"),
                ("key", &key.to_string()),
                ("borrower_kind", "staff"),
                ("borrower", &borrower),
                ("work_order", "GD-1"),
                ("purpose", purpose),
                ("due", &due),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "loan filed");
    location(&res)
        .trim_start_matches("/keys/loans/")
        .parse()
        .unwrap()
}

/// The engineering room's key out on an approved loan to the employee, handed
/// over by the clerk: (clerk, loan id).
pub async fn key_out(app: &TestApp) -> (Browser, i64) {
    let (clerk, _) = estate(app).await;
    let key = key_id(app, "1-配电房", "").await;
    let loan = file_loan(app, &clerk, key, "检修配电柜").await;
    approve(app, Role::EngineeringManager, "key_loan", loan).await;
    let res = clerk
        .post(&format!("/keys/loans/{loan}/hand-over"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "handed over");
    (clerk, loan)
}

/// The pending approval task of a request: (approver's username, request id, task id).
pub async fn task_of(app: &TestApp, kind: &str, subject: i64) -> (String, i64, i64) {
    let mut conn = app.db().await;
    approval_tasks::table
        .inner_join(approval_requests::table)
        .inner_join(users::table.on(users::id.eq(approval_tasks::approver_id)))
        .filter(approval_requests::kind.eq(kind))
        .filter(approval_requests::subject_id.eq(subject))
        .filter(approval_tasks::status.eq("pending"))
        .select((
            users::username,
            approval_tasks::request_id,
            approval_tasks::id,
        ))
        .first(&mut conn)
        .await
        .unwrap()
}

/// `clerk` asks for `copies` copies of `key` for `reason` from the copy form.
async fn request_copy(clerk: &Browser, key: i64, copies: u32, reason: &str) -> reqwest::Response {
    clerk
        .submit(
            &format!("/keys/copies/new?key={key}"),
            "/keys/copies/new",
            &[
                ("key", &key.to_string()),
                ("copies", &copies.to_string()),
                ("reason", reason),
            ],
        )
        .await
}

/// The approver decides from the site.
pub async fn approve(app: &TestApp, role: Role, kind: &str, subject: i64) {
    let (_, request, task) = task_of(app, kind, subject).await;
    let res = approve_as(&app.login_as(role).await, request, task).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

/// `b` posts "approve" on task `task` of request `request`.
async fn approve_as(b: &Browser, request: i64, task: i64) -> reqwest::Response {
    b.post(
        &format!("/approvals/{request}/decide"),
        &[
            ("task_id", &task.to_string()),
            ("decision", "approve"),
            ("comment", ""),
        ],
    )
    .await
}

/// The building choices of the filters as the page shows them.
fn building_options(html: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse("select#building option").unwrap();
    doc.select(&sel)
        .map(|o| o.text().collect::<String>())
        .collect()
}

#[tokio::test]
async fn the_register_filters_offer_a_building_as_soon_as_it_exists() {
    let app = TestApp::spawn().await;
    let (clerk, building) = estate(&app).await;
    let (_, before) = clerk.page("/keys").await;
    assert!(building_options(&before).contains(&"碧水花园 · 1".to_string()));
    assert!(!building_options(&before).contains(&"碧水花园 · 3".to_string()));

    // Added through the site: the next page of this instance shows it.
    let project: i64 = buildings::table
        .find(building)
        .select(buildings::project_id)
        .first(&mut app.db().await)
        .await
        .unwrap();
    let res = clerk
        .submit(
            &format!("/properties/{project}"),
            &format!("/properties/{project}/buildings"),
            &[("code", "3"), ("name", "")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = clerk.page("/keys").await;
    assert!(building_options(&page).contains(&"碧水花园 · 3".to_string()));
    // Building 10 comes after building 3, as people count, not as text sorts.
    let res = clerk
        .submit(
            &format!("/properties/{project}"),
            &format!("/properties/{project}/buildings"),
            &[("code", "10"), ("name", "")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = clerk.page("/keys").await;
    let options = building_options(&page);
    let at = |b: &str| options.iter().position(|o| o == b).unwrap();
    assert!(
        at("碧水花园 · 1") < at("碧水花园 · 3") && at("碧水花园 · 3") < at("碧水花园 · 10"),
        "{options:?}"
    );

    // Added elsewhere (an import on another instance, plain SQL): once its
    // notice arrives, every register shows it.
    diesel::insert_into(buildings::table)
        .values((
            buildings::project_id.eq(project),
            buildings::code.eq("4"),
            buildings::name.eq(""),
        ))
        .execute(&mut app.db().await)
        .await
        .unwrap();
    app.settle().await;
    for path in ["/keys", "/keys/loans"] {
        let (_, page) = clerk.page(path).await;
        assert!(
            building_options(&page).contains(&"碧水花园 · 4".to_string()),
            "{path}: {:?}",
            building_options(&page)
        );
    }
}

/// A tower of 1,500 homes gets 7,500 owner keys from one action: more values
/// than one PostgreSQL statement can bind (65,535), so they go in parts, all in
/// the action's one transaction.
#[tokio::test]
async fn a_large_buildings_key_sets_are_created_in_one_action() {
    let app = TestApp::spawn().await;
    let (clerk, _) = estate(&app).await;
    let mut conn = app.db().await;
    let project: i64 = buildings::table
        .select(buildings::project_id)
        .first(&mut conn)
        .await
        .unwrap();
    let tower = add_building(&app, project, "9").await;
    diesel::sql_query(
        "INSERT INTO rooms (building_id, kind, unit, floor, number) \
         SELECT $1, 'home', '1', (g - 1) / 10 + 1, ((g - 1) / 10 + 1) * 100 + (g - 1) % 10 + 1 \
         FROM generate_series(1, 1500) g",
    )
    .bind::<diesel::sql_types::BigInt, _>(tower)
    .execute(&mut conn)
    .await
    .unwrap();
    app.settle().await;

    let res = clerk
        .post(
            "/keys/sets",
            &[("building", &tower.to_string()), ("cabinet", "9号柜")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let made: Vec<i64> = keys::table
        .filter(keys::building_id.eq(tower))
        .select(keys::id)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(made.len(), 7_500);
    let events: i64 = key_events::table
        .filter(key_events::key_id.eq_any(&made))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(events, 7_500, "each new key's history starts");
    let labelled: i64 = keys::table
        .filter(keys::label.eq("9-1-150-15010"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(labelled, 5, "the last room's five keys");

    // The loan form lists the first of them and says so; the key one came
    // from is offered wherever it comes, and a room number finds its keys.
    let last: i64 = keys::table
        .filter(keys::label.eq("9-1-150-15010"))
        .select(diesel::dsl::max(keys::id))
        .first::<Option<i64>>(&mut conn)
        .await
        .unwrap()
        .unwrap();
    let boxes = |html: &str| texts_of(html, r#"#f-key label"#);
    let (status, form) = clerk.page(&format!("/keys/loans/new?key={last}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text_of(&form, "#keys-capped")
        .unwrap()
        .contains("前 500 把"));
    assert_eq!(
        boxes(&form).len(),
        501,
        "the first 500 and the one asked for"
    );
    assert!(form.contains(&format!(r#"value="{last}" checked"#)));
    let (_, narrowed) = clerk
        .page(&format!("/keys/loans/new?building={tower}&room=15010"))
        .await;
    let found = boxes(&narrowed);
    assert_eq!(found.len(), 5, "{found:?}");
    assert!(found.iter().all(|k| k.contains("9-1-150-15010")));
    assert!(text_of(&narrowed, "#keys-capped").is_none());
    let (_, none) = clerk
        .page(&format!("/keys/loans/new?building={tower}&room=%25"))
        .await;
    assert!(boxes(&none).is_empty(), "a % typed is a %, not any key");
}

#[tokio::test]
async fn a_buildings_key_sets_are_created_in_one_action_and_not_twice() {
    let app = TestApp::spawn().await;
    let (clerk, building) = estate(&app).await;
    let mut conn = app.db().await;
    let homes: i64 = rooms::table
        .filter(rooms::building_id.eq(building))
        .filter(rooms::kind.eq("home"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    let count = |cat: &'static str| {
        keys::table
            .filter(keys::building_id.eq(building))
            .filter(keys::category.eq(cat))
            .count()
    };
    assert_eq!(
        count("owner").get_result::<i64>(&mut conn).await.unwrap(),
        homes * 5
    );
    assert_eq!(
        count("facility")
            .get_result::<i64>(&mut conn)
            .await
            .unwrap(),
        1
    );

    // A double submit creates nothing more.
    clerk
        .post(
            "/keys/sets",
            &[("building", &building.to_string()), ("cabinet", "1号柜")],
        )
        .await;
    assert_eq!(
        count("owner").get_result::<i64>(&mut conn).await.unwrap(),
        homes * 5
    );

    // Labels follow 栋号-单元-楼层-房号; a room's five keys share one hook; the
    // facility key is kept by engineering.
    let (_, body) = clerk
        .page(&format!("/keys?building={building}&category=owner"))
        .await;
    assert!(body.contains("1-1-3-301"), "label of room 301");
    assert!(body.contains("防盗铁门") && body.contains("信报箱"));
    let hooks: Vec<Option<i32>> = keys::table
        .filter(keys::label.eq("1-1-3-301"))
        .select(keys::hook)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(hooks.len(), 5);
    assert!(hooks.iter().all(|h| *h == hooks[0] && h.is_some()));
    let facility = key_id(&app, "1-配电房", "").await;
    let (_, body) = clerk.page(&format!("/keys/{facility}")).await;
    assert!(body.contains("工程部"), "custodian");
    assert!(body.contains("建立"), "history");
    let (_, labels) = clerk
        .page(&format!("/keys/labels?building={building}"))
        .await;
    assert!(labels.contains("1-2-6-602") && labels.contains("1-配电房"));
    assert!(texts_of(&labels, ".key-labels span").contains(&"防盗铁门".to_owned()));
    // The tags in the reader's language.
    let (_, en) = clerk
        .page(&format!("/keys/labels?building={building}&lang=en"))
        .await;
    let doors = texts_of(&en, ".key-labels span");
    assert!(doors.contains(&"Security door".to_owned()), "{doors:?}");
    assert!(!doors.iter().any(|d| d == "防盗铁门"), "{doors:?}");
}

#[tokio::test]
async fn a_common_area_key_is_made_per_floor_and_a_bad_form_keeps_the_input() {
    let app = TestApp::spawn().await;
    let (clerk, building) = estate(&app).await;
    let b = building.to_string();
    let (_, inventory) = clerk.page("/keys").await;
    assert_eq!(
        attr_of(&inventory, ".page-head a[href='/keys/new']", "href").as_deref(),
        Some("/keys/new"),
        "the register links to the forms"
    );
    let (status, forms) = clerk.page("/keys/new").await;
    assert_eq!(status, StatusCode::OK);
    assert!(forms.contains(r#"action="/keys/sets""#) && forms.contains(r#"action="/keys/common""#));
    let res = clerk
        .post(
            "/keys/common",
            &[("building", &b), ("floor", "九"), ("door", "天台门")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-floor").unwrap().contains("楼层"));
    assert_eq!(value_of(&body, "#f-door").unwrap(), "天台门");
    // Both forms have a building: the message and the choice kept are on the
    // form that was sent, under the id the summary links to.
    let res = clerk
        .post(
            "/keys/common",
            &[
                ("building", ""),
                ("floor", "9"),
                ("door", "天台门"),
                ("cabinet", "2号柜"),
            ],
        )
        .await;
    let body = res.text().await.unwrap();
    let sent = r#"form[action="/keys/common"]"#;
    let other = r#"form[action="/keys/sets"]"#;
    assert!(!text_of(&body, &format!("{sent} #e-building"))
        .unwrap()
        .is_empty());
    assert!(attr_of(&body, &format!("{sent} #f-building"), "aria-invalid").is_some());
    assert_eq!(
        value_of(&body, &format!("{sent} #f-cabinet")).unwrap(),
        "2号柜"
    );
    assert!(text_of(&body, &format!("{other} .error"))
        .unwrap()
        .is_empty());
    assert_eq!(value_of(&body, &format!("{other} #s-cabinet")).unwrap(), "");
    assert_eq!(
        attr_of(&body, ".error-summary a", "href").as_deref(),
        Some("#f-building")
    );
    let res = clerk
        .post("/keys/sets", &[("building", ""), ("cabinet", "3号柜")])
        .await;
    let body = res.text().await.unwrap();
    assert!(attr_of(&body, &format!("{other} #f-building"), "aria-invalid").is_some());
    assert_eq!(
        value_of(&body, &format!("{other} #f-cabinet")).unwrap(),
        "3号柜"
    );
    assert!(attr_of(&body, &format!("{sent} #c-building"), "aria-invalid").is_none());
    assert_eq!(value_of(&body, &format!("{sent} #c-cabinet")).unwrap(), "");

    let res = clerk
        .post(
            "/keys/common",
            &[("building", &b), ("floor", "9"), ("door", "天台门")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let id = key_id(&app, "1-9F", "天台门").await;
    let (_, body) = clerk.page(&format!("/keys/{id}")).await;
    assert!(body.contains("公共区域门窗钥匙"));
    // Sent again: nothing new, and the key that exists is shown, saying so.
    let res = clerk
        .post(
            "/keys/common",
            &[("building", &b), ("floor", "9"), ("door", "天台门")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/keys/{id}"));
    let (_, body) = clerk.page(&location(&res)).await;
    assert!(body.contains("已经建立"));
}

/// More keys than a sheet holds: the inventory on paper and the tags say only
/// the first are printed, and the export says where it stops.
#[tokio::test]
async fn a_sheet_of_more_keys_than_it_holds_says_so() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let (clerk, building) = estate(&app).await;
    let marked = async |page: &str| {
        let (status, body) = clerk.page(page).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        text_of(&body, "#keys-truncated").is_some()
    };
    let print = format!("/keys/print?building={building}");
    let labels = format!("/keys/labels?building={building}");
    assert!(!marked(&print).await && !marked(&labels).await);
    app.db()
        .await
        .batch_execute(&format!(
            "INSERT INTO keys (category, building_id, floor, door, label, custodian) \
             SELECT 'common', {building}, 1, '窗' || g, '1-1F', 'cs' \
             FROM generate_series(1, 5001) g"
        ))
        .await
        .unwrap();
    assert!(marked(&print).await && marked(&labels).await);
    let csv = clerk
        .page(&format!("/keys.csv?building={building}"))
        .await
        .1;
    let last = csv.lines().last().unwrap();
    assert!(last.contains("本表只导出了 5000 行"), "{last}");
}

#[tokio::test]
async fn keys_go_to_an_owner_only_with_the_id_on_the_resident_record_and_a_signature() {
    let app = TestApp::spawn().await;
    let (clerk, _) = estate(&app).await;
    let mut conn = app.db().await;
    let room = room_1_301(&app).await;
    let (_, form) = clerk.page(&format!("/keys/rooms/{room}/issue")).await;
    assert!(
        form.contains("王小明 · 440***********1236"),
        "owner, ID masked"
    );
    assert!(!form.contains("440305199003071236"));
    assert!(form.contains("钥匙管理规定 3(1)"), "the clause cited");
    let owner = value_of(&form, "#f-resident option:nth-child(2)").unwrap();
    let tok = value_of(&form, r#"input[name="form_token"]"#).unwrap();
    let door = key_id(&app, "1-1-3-301", "security_door").await;
    let mailbox = key_id(&app, "1-1-3-301", "mailbox").await;
    let (d, m) = (door.to_string(), mailbox.to_string());

    // Someone else's ID number: refused, nothing issued, the input kept.
    let res = clerk
        .post(
            &format!("/keys/rooms/{room}/issue"),
            &[
                ("key", &d),
                ("key", &m),
                ("resident", &owner),
                ("id_number", "11010519491231002X"),
                ("sign_name", "王小明"),
                ("sign_confirm", "1"),
                ("form_token", &tok),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-id_number").unwrap().contains("不一致"));
    assert_eq!(value_of(&body, "#f-sign_name").unwrap(), "王小明");
    assert!(
        attr_of(&body, "#f-sign_confirm", "checked").is_some(),
        "the signer's tick kept"
    );
    // The owner must sign in their own name.
    let res = clerk
        .post(
            &format!("/keys/rooms/{room}/issue"),
            &[
                ("key", &d),
                ("resident", &owner),
                ("id_number", "440305199003071236"),
                ("sign_name", "李华"),
                ("sign_confirm", "1"),
                ("form_token", &tok),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let issued: i64 = key_issues::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(issued, 0);
    assert_eq!(key_status(&app, door).await, "in");

    // The right ID (typed with a lower-case x or spaces is fine too) and signature.
    let res = clerk
        .post(
            &format!("/keys/rooms/{room}/issue"),
            &[
                ("key", &d),
                ("key", &m),
                ("resident", &owner),
                ("id_number", " 440305199003071236 "),
                ("sign_name", "王小明"),
                ("sign_confirm", "1"),
                ("form_token", &tok),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let receipt = location(&res);
    assert!(receipt.ends_with("/print"), "{receipt}");
    assert_eq!(key_status(&app, door).await, "issued");
    assert_eq!(key_status(&app, mailbox).await, "issued");
    let unit = key_id(&app, "1-1-3-301", "unit_door").await;
    assert_eq!(key_status(&app, unit).await, "in", "only the keys chosen");
    let (_, paper) = clerk.page(&receipt).await;
    assert!(paper.contains("业主钥匙签领单"));
    assert!(paper.contains("王小明") && paper.contains("440***********1236"));
    assert!(paper.contains("防盗铁门") && paper.contains("信报箱"));
    assert!(
        paper.contains("签字：________"),
        "the clerk's signature line"
    );

    // The same form sent again (a double click, the back button) leads to the
    // receipt the first made, and issues nothing twice.
    let again = [
        ("key", d.as_str()),
        ("key", m.as_str()),
        ("resident", owner.as_str()),
        ("id_number", "440305199003071236"),
        ("sign_name", "王小明"),
        ("sign_confirm", "1"),
    ];
    let mut same = again.to_vec();
    same.push(("form_token", &tok));
    let res = clerk
        .post(&format!("/keys/rooms/{room}/issue"), &same)
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), receipt);
    // A new form for keys already issued is refused on the keys.
    let res = clerk
        .submit(
            &format!("/keys/rooms/{room}/issue"),
            &format!("/keys/rooms/{room}/issue"),
            &again,
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(!text_of(&res.text().await.unwrap(), "#e-key")
        .unwrap()
        .is_empty());
    let issued: i64 = key_issues::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(issued, 1);

    // The register of keys issued: one line per receipt, across rooms, by
    // building, on paper and exported.
    let (_, register) = clerk.page("/keys/issues").await;
    let line = texts_of(&register, "#issues tbody tr:first-child td");
    assert_eq!(
        line[1..5],
        ["1-1-3-301", "王小明", "防盗铁门；信报箱", "王小明"]
    );
    assert_eq!(line[6], "客服专员 陈静");
    assert_eq!(
        attr_of(&register, "#issues tbody tr:first-child td a", "href").as_deref(),
        Some(receipt.as_str())
    );
    let number = receipt
        .trim_end_matches("/print")
        .rsplit('/')
        .next()
        .unwrap();
    assert_eq!(line[0], format!("FF-{number}"), "numbered as the receipt");
    let building: i64 = kefu::schema::rooms::table
        .find(room)
        .select(kefu::schema::rooms::building_id)
        .first(&mut conn)
        .await
        .unwrap();
    let other: i64 = kefu::schema::buildings::table
        .filter(kefu::schema::buildings::id.ne(building))
        .select(kefu::schema::buildings::id)
        .first(&mut conn)
        .await
        .unwrap();
    let (_, elsewhere) = clerk.page(&format!("/keys/issues?building={other}")).await;
    assert_eq!(
        texts_of(&elsewhere, "#issues tbody td"),
        ["尚无发放给业主的钥匙。"]
    );
    let (_, here) = clerk
        .page(&format!("/keys/issues?building={building}"))
        .await;
    assert_eq!(texts_of(&here, "#issues tbody tr").len(), 1);
    let print = format!("/keys/issues/print?building={building}");
    assert_eq!(
        attr_of(&here, "#issues-print", "href").as_deref(),
        Some(print.as_str())
    );
    let (_, paper) = clerk.page(&print).await;
    assert_eq!(
        texts_of(&paper, "#issues-paper tbody tr:first-child td")[..4],
        [&line[0], "1-1-3-301", "王小明", "防盗铁门；信报箱"]
    );
    let head = text_of(&paper, ".slip-no").unwrap();
    assert!(head.starts_with("楼栋：碧水花园 · 1 · "), "{head}");
    let csv = clerk.page("/keys/issues.csv?lang=en").await.1;
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .contains("\"Security door; Mailbox\""),
        "{csv}"
    );
    let employee = app.login_as(Role::Employee).await;
    assert_eq!(
        employee.get("/keys/issues").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn keys_lent_while_the_owner_signs_bring_the_form_back_with_the_signature_kept() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let (clerk, _) = estate(&app).await;
    let mut conn = app.db().await;
    let room = room_1_301(&app).await;
    let path = format!("/keys/rooms/{room}/issue");
    let (_, form) = clerk.page(&path).await;
    let owner = value_of(&form, "#f-resident option:nth-child(2)").unwrap();
    let tok = value_of(&form, r#"input[name="form_token"]"#).unwrap();
    let door = key_id(&app, "1-1-3-301", "security_door").await;
    let d = door.to_string();
    let drawing = "data:image/png;base64,iVBORw0KGgo=";
    let fields = |id: &'static str| {
        [
            ("key", d.clone()),
            ("resident", owner.clone()),
            ("id_number", id.to_owned()),
            ("sign_name", "王小明".to_owned()),
            ("sign_confirm", "1".to_owned()),
            ("sign_drawing", drawing.to_owned()),
            ("form_token", tok.clone()),
        ]
    };
    let send = async |id: &'static str| {
        let f = fields(id);
        let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
        clerk.post(&path, &pairs).await
    };

    // A field to correct: the owner's drawn signature comes back with the form.
    let res = send("11010519491231002X").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(value_of(&body, "#f-sign_drawing").unwrap(), drawing);

    // A colleague lends the key while the form is on its way: the issue waits
    // for the key's row, then finds it gone.
    let mut colleague = app.db().await;
    colleague
        .batch_execute(&format!(
            "BEGIN; SELECT id FROM keys WHERE id = {door} FOR UPDATE"
        ))
        .await
        .unwrap();
    let meanwhile = async {
        app.await_lock_waiters(1).await;
        colleague
            .batch_execute(&format!(
                "UPDATE keys SET status = 'lent' WHERE id = {door}; COMMIT"
            ))
            .await
            .unwrap();
    };
    let (res, ()) = tokio::join!(send("440305199003071236"), meanwhile);
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-key").unwrap().contains("刚被同事借出"));
    assert_eq!(value_of(&body, "#f-sign_name").unwrap(), "王小明");
    assert_eq!(value_of(&body, "#f-sign_drawing").unwrap(), drawing);
    assert!(
        value_of(&body, &format!(r#"input[name="key"][value="{door}"]"#)).is_none(),
        "the lent key is no longer offered"
    );
    let issued: i64 = key_issues::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(issued, 0);

    // The form as it came back, with another key chosen, issues it.
    let mailbox = key_id(&app, "1-1-3-301", "mailbox").await.to_string();
    let fresh = value_of(&body, r#"input[name="form_token"]"#).unwrap();
    assert_eq!(fresh, tok, "the claim was undone with the rest");
    let res = clerk
        .post(
            &path,
            &[
                ("key", &mailbox),
                ("resident", &owner),
                ("id_number", "440305199003071236"),
                ("sign_name", "王小明"),
                ("sign_confirm", "1"),
                ("sign_drawing", drawing),
                ("form_token", &fresh),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let issued: i64 = key_issues::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(issued, 1);
}

#[tokio::test]
async fn an_owner_without_an_id_on_record_cannot_be_checked_so_gets_no_keys() {
    let app = TestApp::spawn().await;
    let (clerk, _) = estate(&app).await;
    let mut conn = app.db().await;
    let room: i64 = rooms::table
        .inner_join(buildings::table)
        .filter(buildings::code.eq("1"))
        .filter(rooms::number.eq("401"))
        .filter(rooms::unit.eq("1"))
        .select(rooms::id)
        .first(&mut conn)
        .await
        .unwrap();
    let res = clerk
        .submit(
            &format!("/properties/rooms/{room}"),
            &format!("/properties/rooms/{room}/residents"),
            &[
                ("kind", "owner"),
                ("name", "孙七"),
                ("id_type", "resident_id"),
            ],
        )
        .await;
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "owner recorded without ID"
    );
    let (_, form) = clerk.page(&format!("/keys/rooms/{room}/issue")).await;
    let owner = value_of(&form, "#f-resident option:nth-child(2)").unwrap();
    let key = key_id(&app, "1-1-4-401", "interior_door").await.to_string();
    let res = clerk
        .submit(
            &format!("/keys/rooms/{room}/issue"),
            &format!("/keys/rooms/{room}/issue"),
            &[
                ("key", &key),
                ("resident", &owner),
                ("id_number", ""),
                ("sign_name", "孙七"),
                ("sign_confirm", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-id_number").unwrap().contains("住户档案"));
}

#[tokio::test]
async fn a_facility_key_is_handed_over_only_after_the_engineering_manager_approved_from_his_mail() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    let (clerk, _) = estate(&app).await;
    let key = key_id(&app, "1-配电房", "").await;
    let loan = file_loan(&app, &clerk, key, "更换配电柜保险丝").await;
    assert_eq!(loan_status(&app, loan).await, "pending");
    assert_eq!(task_of(&app, "key_loan", loan).await.0, "engineer");

    // Before the approval the server refuses to hand it over.
    let res = clerk
        .post(&format!("/keys/loans/{loan}/hand-over"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = clerk.page(&format!("/keys/loans/{loan}")).await;
    assert!(page.contains("尚未批准"), "the refusal is shown");
    assert_eq!(key_status(&app, key).await, "in");
    assert_eq!(loan_status(&app, loan).await, "pending");

    // The engineering manager's mail carries the loan's details and a link.
    worker(&app).drain().await.unwrap();
    let mails = smtp.to(&mail_of(Role::EngineeringManager));
    assert_eq!(mails.len(), 1);
    assert!(mails[0].text.contains("更换配电柜保险丝"));
    assert!(mails[0].text.contains("1-配电房"));
    assert!(mails[0].text.contains("员工 赵磊"));
    let link = link_in(&mails[0].text);
    let engineer = app.login_as(Role::EngineeringManager).await;
    let (status, body) = engineer.page(&link).await;
    assert_eq!(status, StatusCode::OK);
    let csrf = csrf_in(&body).unwrap();
    let res = engineer
        .post_raw(
            &link,
            &[
                ("decision", "approve"),
                ("comment", ""),
                ("csrf_token", &csrf),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(loan_status(&app, loan).await, "approved");

    let res = clerk
        .post(&format!("/keys/loans/{loan}/hand-over"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(loan_status(&app, loan).await, "out");
    assert_eq!(key_status(&app, key).await, "lent");
    let (_, page) = clerk.page(&format!("/keys/loans/{loan}")).await;
    assert!(page.contains("借出中"));
    assert!(page.contains("客服专员 陈静"), "who handed it over");
    // Sent again (a second click, the back button): said so, nothing redone.
    let res = clerk
        .post(&format!("/keys/loans/{loan}/hand-over"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = clerk.page(&format!("/keys/loans/{loan}")).await;
    assert_eq!(
        text_of(&page, ".flash").as_deref(),
        Some("这张借用单的钥匙已经交付过，未重复交付。")
    );
    let lent: i64 = key_events::table
        .filter(key_events::loan_id.eq(loan))
        .filter(key_events::action.eq("lent"))
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(lent, 1);
}

/// Keys approved only after they were due back are not handed over: they would
/// be overdue at once, the borrower mailed and a breach proposed for the wait.
#[tokio::test]
async fn keys_due_back_before_they_were_handed_over_stay_in() {
    let app = TestApp::spawn().await;
    let (clerk, _) = estate(&app).await;
    let key = key_id(&app, "1-配电房", "").await;
    let loan = file_loan(&app, &clerk, key, "更换配电柜保险丝").await;
    approve(&app, Role::EngineeringManager, "key_loan", loan).await;
    diesel::update(key_loans::table.find(loan))
        .set(key_loans::due_at.eq(Utc::now() - Duration::minutes(5)))
        .execute(&mut app.db().await)
        .await
        .unwrap();
    let said = "借用的归还时间已过，不能再交付：请撤回此次借用，如仍需借用，请重新申请。";
    let page = format!("/keys/loans/{loan}");
    let (_, shown) = clerk.page(&page).await;
    assert_eq!(text_of(&shown, "#loan-lapsed").as_deref(), Some(said));
    assert!(
        !shown.contains(&format!("{page}/hand-over")),
        "no hand-over form"
    );

    let res = clerk.post(&format!("{page}/hand-over"), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, shown) = clerk.page(&page).await;
    assert_eq!(text_of(&shown, ".flash").as_deref(), Some(said));
    assert_eq!(loan_status(&app, loan).await, "approved");
    assert_eq!(key_status(&app, key).await, "in");

    // Withdrawn instead of waiting as approved for ever: by the clerk (or its
    // borrower), not by a colleague it is nothing to; sent twice, once.
    let outsider = app.login_as(Role::ArchiveKeeper).await;
    let res = outsider.post(&format!("{page}/withdraw"), &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        text_of(&shown, "#withdraw-loan button").as_deref(),
        Some("撤回此次借用")
    );
    for _ in 0..2 {
        let res = clerk.post(&format!("{page}/withdraw"), &[]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        let (_, shown) = clerk.page(&page).await;
        assert_eq!(
            text_of(&shown, ".flash").as_deref(),
            Some("已撤回此次借用。")
        );
        assert!(text_of(&shown, "#withdraw-loan").is_none());
    }
    assert_eq!(loan_status(&app, loan).await, "withdrawn");
    let audited: i64 = kefu::schema::audit_log::table
        .filter(kefu::schema::audit_log::action.eq("keys.loan_withdrawn"))
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(audited, 1);

    // A loan the engineering manager rejected is refused as such, not as one
    // still waiting for approval.
    let rejected = file_loan(&app, &clerk, key, "检修").await;
    let (_, request, task) = task_of(&app, "key_loan", rejected).await;
    let engineer = app.login_as(Role::EngineeringManager).await;
    let res = engineer
        .post(
            &format!("/approvals/{request}/decide"),
            &[
                ("task_id", task.to_string().as_str()),
                ("decision", "reject"),
                ("comment", "另派人员"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(loan_status(&app, rejected).await, "rejected");
    let page = format!("/keys/loans/{rejected}");
    clerk.post(&format!("{page}/hand-over"), &[]).await;
    let (_, shown) = clerk.page(&page).await;
    assert_eq!(
        text_of(&shown, ".flash").as_deref(),
        Some("这张借用单已被驳回或撤回，不能交付。")
    );
    // Nor withdrawn: it ended already.
    clerk.post(&format!("{page}/withdraw"), &[]).await;
    let (_, shown) = clerk.page(&page).await;
    assert_eq!(
        text_of(&shown, ".flash").as_deref(),
        Some("只有已批准、尚未交付的借用单可以撤回；这一张已交付、已结束，或尚未批准。")
    );
    assert_eq!(loan_status(&app, rejected).await, "rejected");
}

#[tokio::test]
async fn owner_keys_are_approved_by_the_supervisor_and_the_approver_is_data() {
    let app = TestApp::spawn().await;
    let (clerk, _) = estate(&app).await;
    let key = key_id(&app, "1-1-2-201", "interior_door").await;
    let loan = file_loan(&app, &clerk, key, "入户检查漏水").await;
    assert_eq!(task_of(&app, "key_loan", loan).await.0, "supervisor");

    // A site that wants the centre manager for owner keys changes a row.
    let mut conn = app.db().await;
    diesel::sql_query(
        "UPDATE key_categories SET loan_approver = 'center_manager' WHERE code = 'owner'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let other = key_id(&app, "1-1-2-202", "interior_door").await;
    let loan = file_loan(&app, &clerk, other, "入户检查漏水").await;
    assert_eq!(task_of(&app, "key_loan", loan).await.0, "manager");
}

#[tokio::test]
async fn a_key_out_on_loan_cannot_be_lent_twice_even_by_two_clerks_at_once() {
    let app = TestApp::spawn().await;
    let (clerk, _) = estate(&app).await;
    let key = key_id(&app, "1-配电房", "").await;
    let first = file_loan(&app, &clerk, key, "检修配电柜").await;
    let second = file_loan(&app, &clerk, key, "抄电表").await;
    approve(&app, Role::EngineeringManager, "key_loan", first).await;
    approve(&app, Role::EngineeringManager, "key_loan", second).await;

    // Two clerks press "hand over" at the same moment.
    let other = app.login_as(Role::CsSupervisor).await;
    let (ta, tb) = (clerk.csrf().await, other.csrf().await);
    let (pa, pb) = (
        format!("/keys/loans/{first}/hand-over"),
        format!("/keys/loans/{second}/hand-over"),
    );
    let (fa, fb) = ([("csrf_token", ta.as_str())], [("csrf_token", tb.as_str())]);
    let (a, b) = tokio::join!(clerk.post_raw(&pa, &fa), other.post_raw(&pb, &fb));
    assert_eq!(a.status(), StatusCode::SEE_OTHER);
    assert_eq!(b.status(), StatusCode::SEE_OTHER);
    let statuses = [
        loan_status(&app, first).await,
        loan_status(&app, second).await,
    ];
    assert_eq!(
        statuses.iter().filter(|s| *s == "out").count(),
        1,
        "{statuses:?}"
    );
    assert!(statuses.contains(&"approved".to_owned()));
    let mut conn = app.db().await;
    let open: i64 = key_loan_lines::table
        .filter(key_loan_lines::key_id.eq(key))
        .filter(key_loan_lines::out.eq(true))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(open, 1);

    // The database itself refuses a second open line for the key.
    let dup = diesel::sql_query(format!(
        "UPDATE key_loan_lines SET out = true WHERE key_id = {key} AND NOT out"
    ))
    .execute(&mut conn)
    .await;
    assert!(dup.is_err(), "the partial unique index holds");

    // And a new loan of the lent key is refused at the form.
    let borrower = user_id(&app, "employee").await.to_string();
    let res = clerk
        .submit(
            "/keys/loans/new?building=0",
            "/keys/loans/new",
            &[
                ("building", "0"),
                ("key", &key.to_string()),
                ("borrower_kind", "staff"),
                ("borrower", &borrower),
                ("purpose", "检修"),
                ("due", &due_in(2)),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-key").unwrap().contains("不在柜"));
}

#[tokio::test]
async fn a_return_records_who_received_it_and_a_loss_needs_an_account() {
    let app = TestApp::spawn().await;
    let (clerk, loan) = key_out(&app).await;
    let key = key_id(&app, "1-配电房", "").await;

    let receiver = app.login_as(Role::CsSupervisor).await;
    receiver
        .post(&format!("/keys/loans/{loan}/return"), &[])
        .await;
    assert_eq!(loan_status(&app, loan).await, "returned");
    assert_eq!(key_status(&app, key).await, "in");
    let (_, page) = clerk.page(&format!("/keys/loans/{loan}")).await;
    assert!(page.contains("客服主管 李强"), "received by");
    let csv = clerk.get("/keys/loans.csv").await.text().await.unwrap();
    let line = csv.lines().find(|l| l.contains("检修配电柜")).unwrap();
    assert!(
        line.contains("客服专员 陈静") && line.contains("客服主管 李强"),
        "who handed it out and who took it back: {line}"
    );
    // Who approved it, on paper and in the export, in the column so named.
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let column = header
        .iter()
        .position(|h| h.contains("同意人"))
        .unwrap_or_else(|| panic!("{csv}"));
    let cells: Vec<&str> = line.split("\",\"").collect();
    assert!(cells[column].starts_with("工程部经理 刘洋 · 20"), "{line}");
    let (_, paper) = clerk.page("/keys/loans/print").await;
    let heads = texts_of(&paper, "table.register thead th");
    let at = heads.iter().position(|h| h.contains("同意人")).unwrap();
    let row = texts_of(&paper, "table.register tbody tr:first-child td");
    assert!(row[at].starts_with("工程部经理 刘洋 · 20"), "{row:?}");
    let (_, history) = clerk.page(&format!("/keys/{key}")).await;
    assert!(history.contains("归还") && history.contains("借出"));

    // The next loan's key is lost: the account is required.
    let loan = file_loan(&app, &clerk, key, "检修配电柜").await;
    approve(&app, Role::EngineeringManager, "key_loan", loan).await;
    clerk
        .post(&format!("/keys/loans/{loan}/hand-over"), &[])
        .await;
    let k = key.to_string();
    let res = clerk
        .post(
            &format!("/keys/loans/{loan}/return"),
            &[("lost", &k), ("account", " ")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-account").unwrap(),
        "勾选遗失钥匙时，须写明遗失情况说明。"
    );
    assert!(
        body.contains(&format!(r#"name="lost" value="{k}" checked"#)),
        "the tick kept"
    );
    assert_eq!(loan_status(&app, loan).await, "out", "no account, no loss");
    // An account too long: refused, and every word of it kept.
    let long = "钥匙".repeat(501);
    let res = clerk
        .post(
            &format!("/keys/loans/{loan}/return"),
            &[("lost", &k), ("account", &long)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-account").unwrap(),
        "遗失情况说明最多 1000 字。"
    );
    assert_eq!(text_of(&body, "#f-account").unwrap(), long);
    assert_eq!(loan_status(&app, loan).await, "out");
    // A key not on this loan (or no key at all) ticked on a tampered form:
    // refused, rather than the loan closed as fully returned.
    let other = (key + 1000).to_string();
    for lost in [other.as_str(), "abc"] {
        let res = clerk
            .post(
                &format!("/keys/loans/{loan}/return"),
                &[("lost", lost), ("account", "遗失")],
            )
            .await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{lost}");
        let body = res.text().await.unwrap();
        assert!(text_of(&body, "#e-lost")
            .unwrap()
            .starts_with("勾选的遗失钥匙不在这次借出之中"));
        assert_eq!(loan_status(&app, loan).await, "out", "{lost}");
    }
    clerk
        .post(
            &format!("/keys/loans/{loan}/return"),
            &[("lost", &k), ("account", "在设备间检修时遗失，已报工程部")],
        )
        .await;
    assert_eq!(loan_status(&app, loan).await, "lost");
    assert_eq!(key_status(&app, key).await, "lost");
    // The paper register and its export say which key did not come back.
    let (_, print) = clerk.page("/keys/loans/print").await;
    let lost = texts_of(&print, "strong.lost");
    assert_eq!(lost.len(), 1, "{lost:?}");
    assert!(lost[0].starts_with("遗失："), "{lost:?}");
    let csv = clerk.get("/keys/loans.csv").await.text().await.unwrap();
    assert!(csv.lines().next().unwrap().ends_with(r#","遗失""#), "{csv}");
    assert!(
        csv.lines().nth(1).unwrap().ends_with(r#","1-配电房""#),
        "{csv}"
    );
    // Follow-up: found again. A colleague's page, still showing it lost, then
    // asks to retire it: nothing changes.
    let status = format!("/keys/{key}/status");
    let res = clerk
        .post(
            &status,
            &[("status", "in"), ("note", "在设备间找回"), ("from", "lost")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(key_status(&app, key).await, "in");
    // The same sent again (a double click): done, once.
    let res = clerk
        .post(
            &status,
            &[("status", "in"), ("note", "在设备间找回"), ("from", "lost")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "not a conflict");
    let found: i64 = kefu::schema::key_events::table
        .filter(kefu::schema::key_events::key_id.eq(key))
        .filter(kefu::schema::key_events::action.eq("status_in"))
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(found, 1);
    let stale = [
        ("status", "retired"),
        ("note", "确认遗失，注销"),
        ("from", "lost"),
    ];
    let res = clerk.post(&status, &stale).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(key_status(&app, key).await, "in", "not retired unseen");
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-note").unwrap().contains("说明仍保留"));
    assert_eq!(text_of(&body, "#f-note").unwrap(), "确认遗失，注销");
    // A status change without its note: refused beside the note, choice kept.
    let res = clerk
        .post(
            &status,
            &[("status", "retired"), ("note", "  "), ("from", "in")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-note").unwrap().contains("500"));
    assert_eq!(
        value_of(&body, "#f-status option[selected]").unwrap(),
        "retired"
    );
    assert_eq!(key_status(&app, key).await, "in");
}

async fn overdue_mails(app: &TestApp) -> Vec<(String, String)> {
    let mut conn = app.db().await;
    mail_outbox::table
        .filter(mail_outbox::message.eq("key_overdue"))
        .order(mail_outbox::id)
        .select((mail_outbox::to_addr, mail_outbox::body_text))
        .load(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_overdue_job_mails_borrower_and_custodian_once_per_day() {
    let app = TestApp::spawn().await;
    let (clerk, loan) = key_out(&app).await;
    // A fixed due time (10:00 in Shanghai), so "the same day" is exact.
    let mut conn = app.db().await;
    let due = DateTime::parse_from_rfc3339("2030-03-10T02:00:00Z")
        .unwrap()
        .with_timezone(&Utc);
    diesel::update(key_loans::table.find(loan))
        .set(key_loans::due_at.eq(due))
        .execute(&mut conn)
        .await
        .unwrap();
    let run = |now: DateTime<Utc>| {
        let config = app.config.clone();
        let url = app.db_url.clone();
        async move {
            let mut conn =
                <diesel_async::AsyncPgConnection as diesel_async::AsyncConnection>::establish(&url)
                    .await
                    .unwrap();
            let s = kefu::keys::jobs::overdue(&mut conn, now, &config)
                .await
                .unwrap();
            kefu::jobs::result_in(&s, kefu::i18n::Locale::En)
        }
    };

    run(due - Duration::seconds(1)).await;
    assert!(overdue_mails(&app).await.is_empty(), "not yet due");
    // Falling due, with two instances running the job at the same moment.
    let (a, b) = tokio::join!(run(due), run(due));
    assert_eq!(
        [a.as_str(), b.as_str()]
            .iter()
            .filter(|s| s.starts_with('1'))
            .count(),
        1,
        "{a} / {b}"
    );
    let mails = overdue_mails(&app).await;
    let to: Vec<&str> = mails.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        to,
        vec![mail_of(Role::Employee), mail_of(Role::EngineeringManager)],
        "the borrower and the custodian (engineering)"
    );
    assert!(mails[0].1.contains("1-配电房"));

    // Later the same day, up to 23:59 in Shanghai: nothing more.
    run(due + Duration::hours(1)).await;
    run(due + Duration::minutes(13 * 60 + 59)).await;
    assert_eq!(overdue_mails(&app).await.len(), 2);
    // The next calendar day (site time) from midnight on: once more.
    run(due + Duration::hours(14)).await;
    run(due + Duration::hours(20)).await;
    assert_eq!(overdue_mails(&app).await.len(), 4);

    // The overdue count on the keys home page.
    let (_, home) = clerk.page("/keys").await;
    assert_eq!(
        text_of(&home, "#overdue-count").unwrap(),
        "逾期未还：0 笔",
        "not due yet by the real clock"
    );
    diesel::update(key_loans::table.find(loan))
        .set(key_loans::due_at.eq(Utc::now() - Duration::minutes(1)))
        .execute(&mut conn)
        .await
        .unwrap();
    // SQL of the test's own: the app's kept register learns of it from the notice.
    app.settle().await;
    let (_, home) = clerk.page("/keys").await;
    assert_eq!(text_of(&home, "#overdue-count").unwrap(), "逾期未还：1 笔");
    // The handbook's clause on loans shows the same live state on its link.
    let link = clause_link_to(&app, &clerk, "/keys/loans").await.unwrap();
    assert!(link.ends_with("逾期未还 1 笔"), "{link}");
    // An employee, who sees only their own loans there, gets the link without
    // the department's count.
    let employee = app.login_as(Role::Employee).await;
    let theirs = clause_link_to(&app, &employee, "/keys/loans")
        .await
        .unwrap();
    assert!(!theirs.contains("逾期"), "{theirs}");
    // A returned loan is not reminded, and no longer counts on the clause.
    clerk.post(&format!("/keys/loans/{loan}/return"), &[]).await;
    let link = clause_link_to(&app, &clerk, "/keys/loans").await.unwrap();
    assert!(link.ends_with("逾期未还 0 笔"), "{link}");
    run(due + Duration::hours(48)).await;
    assert_eq!(overdue_mails(&app).await.len(), 4);
}

#[tokio::test]
async fn a_copy_is_recorded_only_after_the_engineering_manager_approved_it() {
    let app = TestApp::spawn().await;
    let (clerk, _) = estate(&app).await;
    let key = key_id(&app, "1-配电房", "").await;
    let (_, form) = clerk.page(&format!("/keys/copies/new?key={key}")).await;
    assert!(form.contains("钥匙管理规定 3(2)②"));
    let res = clerk
        .submit(
            &format!("/keys/copies/new?key={key}"),
            "/keys/copies/new",
            &[("key", &key.to_string()), ("copies", "0"), ("reason", "")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = request_copy(&clerk, key, 2, "备用钥匙磨损").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let copy: i64 = location(&res).rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(task_of(&app, "key_copy", copy).await.0, "engineer");
    let mut conn = app.db().await;
    let (project, building_project): (Option<i64>, i64) = approval_requests::table
        .inner_join(keys::table.on(keys::id.eq(key)))
        .inner_join(buildings::table.on(buildings::id.eq(keys::building_id)))
        .filter(approval_requests::kind.eq("key_copy"))
        .select((approval_requests::project_id, buildings::project_id))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(project, Some(building_project), "about the key's project");

    clerk
        .post(
            &format!("/keys/copies/{copy}/made"),
            &[("copies_made", "2")],
        )
        .await;
    assert_eq!(key_copies(&app, key).await, 1, "not before approval");

    approve(&app, Role::EngineeringManager, "key_copy", copy).await;
    // A key already kept with 98 copies cannot take two more: said, not a 500.
    let set_copies = async |n: i32| {
        diesel::update(keys::table.find(key))
            .set(keys::copies.eq(n))
            .execute(&mut app.db().await)
            .await
            .unwrap();
    };
    set_copies(98).await;
    let res = clerk
        .post(
            &format!("/keys/copies/{copy}/made"),
            &[("copies_made", "2")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(res.text().await.unwrap().contains("超过 99 份"));
    assert_eq!(key_copies(&app, key).await, 98);
    set_copies(1).await;
    clerk
        .post(
            &format!("/keys/copies/{copy}/made"),
            &[("copies_made", "2")],
        )
        .await;
    assert_eq!(key_copies(&app, key).await, 3);
    let (_, page) = clerk.page(&format!("/keys/copies/{copy}")).await;
    assert_eq!(text_of(&page, "#copy-status").unwrap(), "已配");
    // Sent again: says they are recorded, and counts nothing twice.
    clerk
        .post(
            &format!("/keys/copies/{copy}/made"),
            &[("copies_made", "2")],
        )
        .await;
    assert_eq!(key_copies(&app, key).await, 3);
    let (_, page) = clerk.page(&format!("/keys/copies/{copy}")).await;
    assert!(text_of(&page, ".flash").unwrap().contains("已经登记过"));
    // The requests on paper, linked from their register.
    let (_, list) = clerk.page("/keys/copies").await;
    let print = attr_of(&list, "#copies-print", "href").unwrap();
    let (status, paper) = clerk.page(&print).await;
    assert_eq!(status, StatusCode::OK);
    let rows = texts_of(&paper, "#copies-paper tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(
        rows[0].starts_with(&copy.to_string()) && rows[0].contains("已配"),
        "{rows:?}"
    );
    // The consent 3(2)② asks for is on the paper: who gave it.
    assert!(rows[0].contains("工程部经理 刘洋"), "{rows:?}");
    assert!(paper.contains("核对人　签字："));
    // Recorded once.
    clerk
        .post(
            &format!("/keys/copies/{copy}/made"),
            &[("copies_made", "2")],
        )
        .await;
    assert_eq!(key_copies(&app, key).await, 3);

    // The copy register exports.
    let csv = clerk.get("/keys/copies.csv").await.text().await.unwrap();
    assert!(csv.contains("实配份数") && csv.contains("备用钥匙磨损") && csv.contains("1-配电房"));
    assert!(csv.contains("同意人 · 时间") && csv.contains("工程部经理 刘洋"));
    assert!(csv.contains("已配"));
    let xlsx = clerk.get("/keys/copies.xlsx").await;
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    // Listed by state, on screen, on paper and exported alike.
    let count = async |path: &str, rows: &str| texts_of(&clerk.page(path).await.1, rows).len();
    assert_eq!(count("/keys/copies?status=made", "tbody tr a").await, 1);
    assert_eq!(count("/keys/copies?status=pending", "tbody tr a").await, 0);
    let (_, pending) = clerk.page("/keys/copies?status=pending").await;
    assert_eq!(
        attr_of(&pending, "#copies-print", "href").as_deref(),
        Some("/keys/copies/print?status=pending")
    );
    let paper = "#copies-paper tbody tr";
    assert_eq!(count("/keys/copies/print?status=made", paper).await, 1);
    let (_, none) = clerk.page("/keys/copies/print?status=pending").await;
    assert!(text_of(&none, paper).unwrap().contains("暂无配钥匙申请"));
    let csv = clerk.page("/keys/copies.csv?status=pending").await.1;
    assert_eq!(csv.lines().count(), 1, "the header alone: {csv}");
    let employee = app.login_as(Role::Employee).await;
    assert_eq!(
        employee.get("/keys/copies.csv").await.status(),
        StatusCode::FORBIDDEN
    );
    // A room's keys share its label: the register names the door too.
    let door = key_id(&app, "1-1-5-501", "security_door").await;
    let res = request_copy(&clerk, door, 1, "备用").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, pending) = clerk.page("/keys/copies?status=pending").await;
    assert!(
        text_of(&pending, "tbody tr")
            .unwrap()
            .contains("1-1-5-501 防盗铁门"),
        "{pending}"
    );
}

/// Every cabinet in use is offered for a count, however many there are, in
/// order of its name.
#[tokio::test]
async fn every_cabinet_is_offered_for_a_count() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let (clerk, building) = estate(&app).await;
    // 250 more cabinets, one common-area key in each.
    app.db()
        .await
        .batch_execute(
            "INSERT INTO keys (category, building_id, floor, door, label, cabinet, custodian) \
             SELECT 'common', b.id, 1 + g % 150, '楼道门' || g, b.code || '-' || g, 'Z柜' || lpad(g::text, 3, '0'), 'cs' \
             FROM (SELECT id, code FROM buildings ORDER BY id LIMIT 1) b, generate_series(1, 250) g",
        )
        .await
        .unwrap();
    let (_, page) = clerk.page("/keys/counts").await;
    let offered = texts_of(&page, r#"select[name="cabinet"] option"#);
    assert!(offered.contains(&"1号柜".to_owned()), "{offered:?}");
    let z: Vec<&String> = offered.iter().filter(|o| o.starts_with("Z柜")).collect();
    assert_eq!(z.len(), 250);
    assert_eq!((z[0].as_str(), z[249].as_str()), ("Z柜001", "Z柜250"));
    let z250 = cabinet_of(&app, building, "Z柜250").await;
    let (_, last) = clerk.page(&format!("/keys/counts?cabinet={z250}")).await;
    assert_eq!(
        value_of(&last, r#"form[method="post"] input[name="cabinet"]"#),
        Some(z250),
        "the count form for the last cabinet"
    );
    let ticks = texts_of(&last, ".key-choices label");
    assert_eq!(ticks.len(), 1, "{ticks:?}");
    assert!(ticks[0].contains("楼道门"), "{ticks:?}");
}

/// A cabinet holding more keys than one count lists is counted by its lowest
/// hooks, and the page says the rest are not part of the count.
#[tokio::test]
async fn a_cabinet_too_full_for_one_count_says_what_it_leaves_out() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let (clerk, building) = estate(&app).await;
    app.db()
        .await
        .batch_execute(&format!(
            "INSERT INTO keys (category, building_id, floor, door, label, cabinet, hook, custodian) \
             SELECT 'common', {building}, 1, '门' || g, '{building}-' || g, '大柜', g, 'cs' \
             FROM generate_series(1, 10002) g"
        ))
        .await
        .unwrap();
    let full = cabinet_of(&app, building, "大柜").await;
    let (_, page) = clerk.page(&format!("/keys/counts?cabinet={full}")).await;
    assert!(text_of(&page, "#count-capped")
        .unwrap()
        .contains("超过 10000 把"));
    let (res, listed) = count_cabinet(&clerk, &full, 0).await;
    assert_eq!(listed.len(), 10_000);
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, count) = clerk.page(&location(&res)).await;
    assert_eq!(text_of(&count, "#missing").unwrap(), "0");
    let hooks: Vec<Option<i32>> = keys::table
        .inner_join(kefu::schema::key_count_lines::table)
        .select(diesel::dsl::max(keys::hook))
        .load(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(hooks, [Some(10_000)], "the lowest hooks counted");
}

#[tokio::test]
async fn a_shift_count_records_what_was_missing() {
    let app = TestApp::spawn().await;
    let (clerk, building) = estate(&app).await;
    let cabinet = cabinet_of(&app, building, "1号柜").await;
    let (_, page) = clerk.page(&format!("/keys/counts?cabinet={cabinet}")).await;
    let doc = scraper::Html::parse_document(&page);
    let sel = scraper::Selector::parse(r#"input[name="present"]"#).unwrap();
    let mut present: Vec<String> = doc
        .select(&sel)
        .filter_map(|e| e.value().attr("value").map(str::to_owned))
        .collect();
    assert_eq!(present.len(), 24 * 5 + 1, "every key of cabinet 1");
    let missing = present.pop().unwrap();
    let mut fields: Vec<(&str, &str)> = present.iter().map(|p| ("present", p.as_str())).collect();
    fields.push(("cabinet", &cabinet));
    fields.push(("note", "交班时清点"));
    // Without the form's token nothing is recorded, and the ticks stay.
    let res = clerk.post("/keys/counts", &fields).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let again = res.text().await.unwrap();
    assert!(text_of(&again, "#f-form_token").is_some());
    assert_eq!(again.matches(" checked>").count(), present.len());
    let token = value_of(&page, r#"input[name="form_token"]"#).unwrap();
    fields.push(("form_token", &token));
    // A key that went out while the clerk counted: the count comes back with
    // the list as it is now and the ticks kept; nothing is recorded.
    let listed = value_of(&page, r#"input[name="listed"]"#).unwrap();
    let gone: i64 = present[0].parse().unwrap();
    let set_status = async |status: &str| {
        diesel::update(keys::table.find(gone))
            .set(keys::status.eq(status))
            .execute(&mut app.db().await)
            .await
            .unwrap();
    };
    set_status("lent").await;
    let mut stale = fields.clone();
    stale.push(("listed", &listed));
    let res = clerk.post("/keys/counts", &stale).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let back = res.text().await.unwrap();
    assert!(text_of(&back, "#f-listed").unwrap().contains("清点期间"));
    assert_eq!(back.matches(" checked>").count(), present.len() - 1);
    set_status("in").await;
    let res = clerk.post("/keys/counts", &stale).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, count) = clerk.page(&location(&res)).await;
    assert_eq!(text_of(&count, "#missing").unwrap(), "1");
    assert!(count.contains(&format!("/keys/{missing}")));
    // On paper for the handover, with both clerks' signature lines.
    let print = attr_of(&count, "#count-print", "href").unwrap();
    let (status, paper) = clerk.page(&print).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text_of(&paper, "#print-missing").unwrap(), "1");
    assert_eq!(texts_of(&paper, "#print-discrepancies tr").len(), 1);
    assert!(paper.contains("交班人　签字：") && paper.contains("接班人　签字："));
    let (_, history) = clerk.page(&format!("/keys/{missing}")).await;
    assert!(history.contains("清点差异"));
    // Still 在柜 on record, but its page and the loan form say the count
    // did not find it.
    assert!(text_of(&history, "#unseen-at-count").is_some());
    let building: i64 = keys::table
        .find(missing.parse::<i64>().unwrap())
        .select(keys::building_id)
        .first(&mut app.db().await)
        .await
        .unwrap();
    let (_, form) = clerk
        .page(&format!("/keys/loans/new?building={building}"))
        .await;
    assert_eq!(
        texts_of(&form, ".unseen").len(),
        1,
        "only the missing key marked"
    );
    let csv = clerk.get("/keys/counts.csv").await.text().await.unwrap();
    assert!(
        csv.contains("交班时清点") && csv.contains("客服专员 陈静"),
        "{csv}"
    );
    // The morning sheet lists it until someone reports it lost (or finds it).
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let link = format!("/keys/{missing}");
    let (_, sheet) = supervisor.page("/meetings/morning").await;
    assert_eq!(
        attr_of(&sheet, "#sheet-missing-keys li a", "href").as_deref(),
        Some(link.as_str())
    );
    let res = clerk
        .post(
            &format!("{link}/status"),
            &[
                ("status", "lost"),
                ("note", "清点未见，已报主管"),
                ("from", "in"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(key_status(&app, missing.parse().unwrap()).await, "lost");
    let (_, sheet) = supervisor.page("/meetings/morning").await;
    assert!(texts_of(&sheet, "#sheet-missing-keys li").is_empty());
    let (_, history) = clerk.page(&link).await;
    assert!(history.contains("报失") && history.contains("清点未见，已报主管"));
}

/// Two projects may each have a "1号柜": each is its own cabinet, its hooks
/// numbered and its keys counted apart from the other's.
#[tokio::test]
async fn same_named_cabinets_of_two_projects_are_numbered_and_counted_apart() {
    let app = TestApp::spawn().await;
    let (clerk, building) = estate(&app).await;
    let (_, second) = crate::by_project::two_projects(&app).await;
    // 翠湖苑's building A, two flats, its keys hung in its own 1号柜.
    let tower = add_building(&app, second, "A").await;
    diesel::insert_into(rooms::table)
        .values(
            ["101", "102"]
                .map(|n| {
                    (
                        rooms::building_id.eq(tower),
                        rooms::unit.eq("1"),
                        rooms::floor.eq(1),
                        rooms::number.eq(n),
                    )
                })
                .to_vec(),
        )
        .execute(&mut app.db().await)
        .await
        .unwrap();
    let res = clerk
        .post(
            "/keys/sets",
            &[("building", &tower.to_string()), ("cabinet", "1号柜")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let hooks: Vec<Option<i32>> = keys::table
        .filter(keys::building_id.eq(tower))
        .select(keys::hook)
        .distinct()
        .order(keys::hook)
        .load(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(
        hooks,
        [Some(1), Some(2)],
        "numbered from its own first hook"
    );

    // Offered as two cabinets, each under its project.
    let ours = cabinet_of(&app, building, "1号柜").await;
    let theirs = cabinet_of(&app, tower, "1号柜").await;
    let (_, page) = clerk.page("/keys/counts").await;
    let doc = scraper::Html::parse_document(&page);
    let sel = scraper::Selector::parse("optgroup").unwrap();
    let mut groups: Vec<&str> = doc
        .select(&sel)
        .filter_map(|g| g.value().attr("label"))
        .collect();
    groups.sort_unstable();
    assert_eq!(groups, ["碧水花园", "翠湖苑"]);
    let sel = scraper::Selector::parse(r#"optgroup[label="翠湖苑"] option"#).unwrap();
    let offered: Vec<&str> = doc
        .select(&sel)
        .filter_map(|o| o.value().attr("value"))
        .collect();
    assert_eq!(offered, [theirs.as_str()]);

    // 翠湖苑's count lists its ten keys only; one is not found.
    let (res, listed) = count_cabinet(&clerk, &theirs, 1).await;
    assert_eq!(listed.len(), 2 * 5, "{listed:?}");
    let missing = listed.last().unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, count) = clerk.page(&location(&res)).await;
    assert_eq!(text_of(&count, "#count-project").unwrap(), "翠湖苑");
    assert_eq!(text_of(&count, "#missing").unwrap(), "1");

    // 碧水花园's 1号柜 was not counted: none of its keys reads as unseen.
    let ours_key = key_id(&app, "1-1-5-501", "security_door").await;
    let (_, key_page) = clerk.page(&format!("/keys/{ours_key}")).await;
    assert!(text_of(&key_page, "#unseen-at-count").is_none());

    // Counting 碧水花园's 1号柜, everything found, leaves 翠湖苑's key unseen.
    let (res, listed) = count_cabinet(&clerk, &ours, 0).await;
    assert_eq!(
        listed.len(),
        24 * 5 + 1,
        "every key of 碧水花园's 1号柜 only"
    );
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, key_page) = clerk.page(&format!("/keys/{missing}")).await;
    assert!(text_of(&key_page, "#unseen-at-count").is_some());
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (_, sheet) = supervisor.page("/meetings/morning").await;
    let listed = texts_of(&sheet, "#sheet-missing-keys li");
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert!(listed[0].contains("翠湖苑 1号柜"), "{listed:?}");
    let (_, past) = clerk.page("/keys/counts").await;
    let projects = texts_of(&past, "tbody tr td:nth-child(2)");
    assert_eq!(projects, ["碧水花园", "翠湖苑"], "newest first");

    // A cabinet emptied while the clerk counted (its keys moved to another)
    // is not counted: the form says so.
    let (_, form) = clerk.page(&format!("/keys/counts?cabinet={theirs}")).await;
    let (token, listed, _) = count_form(&form);
    diesel::update(keys::table.filter(keys::building_id.eq(tower)))
        .set(keys::cabinet.eq("2号柜"))
        .execute(&mut app.db().await)
        .await
        .unwrap();
    let res = clerk
        .post(
            "/keys/counts",
            &[
                ("cabinet", theirs.as_str()),
                ("listed", &listed),
                ("form_token", &token),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let refused = res.text().await.unwrap();
    assert!(
        text_of(&refused, "#e-cabinet")
            .unwrap()
            .contains("请选择要清点的钥匙柜"),
        "{refused}"
    );
    // The same in English (the token was not used: nothing was filed).
    clerk.page("/?lang=en").await;
    let fields = [
        ("cabinet", theirs.as_str()),
        ("listed", &listed),
        ("form_token", &token),
    ];
    let res = clerk.post("/keys/counts", &fields).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        text_of(&res.text().await.unwrap(), "#e-cabinet").as_deref(),
        Some("Choose a cabinet to count: this one holds no key any more, or does not exist.")
    );
    let counts: i64 = kefu::schema::key_counts::table
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(counts, 2);
}

#[tokio::test]
async fn the_register_exports_and_print_carry_what_the_filters_selected() {
    let app = TestApp::spawn().await;
    let (clerk, _) = estate(&app).await;
    let facility = key_id(&app, "1-配电房", "").await;
    let owner = key_id(&app, "1-1-5-501", "security_door").await;
    let facility_loan = file_loan(&app, &clerk, facility, "检修配电柜").await;
    file_loan(&app, &clerk, owner, "入户检查漏水").await;

    let (_, list) = clerk.page("/keys/loans?category=facility").await;
    assert!(list.contains("检修配电柜") && !list.contains("入户检查漏水"));
    assert!(list.contains("/keys/loans.csv?category=facility"));
    let csv = clerk
        .get("/keys/loans.csv?category=facility")
        .await
        .text()
        .await
        .unwrap();
    assert!(
        csv.contains("1-配电房") && !csv.contains("1-1-5-501"),
        "{csv}"
    );
    let xlsx = clerk.get("/keys/loans.xlsx?category=owner").await;
    assert_eq!(xlsx.status(), StatusCode::OK);
    assert!(xlsx.bytes().await.unwrap().starts_with(b"PK"));
    // On paper, the register records keys that changed hands: both requests
    // still wait, so only a chosen status puts them on it, named in the heading.
    let (_, paper) = clerk.page("/keys/loans/print?category=owner").await;
    assert!(paper.contains("房屋钥匙管理记录表"));
    assert!(!paper.contains("1-1-5-501") && !paper.contains("1-配电房"));
    assert!(text_of(&paper, ".slip-no")
        .unwrap()
        .contains("仅列已交付钥匙的借用"));
    let (_, paper) = clerk
        .page("/keys/loans/print?category=owner&status=pending")
        .await;
    assert!(paper.contains("1-1-5-501") && !paper.contains("1-配电房"));
    assert!(paper.contains("借用人签字") && paper.contains("归还签字"));
    let heading = text_of(&paper, ".slip-no").unwrap();
    assert!(
        heading.contains("待审批") && !heading.contains("仅列"),
        "{heading}"
    );
    // On screen, the paper leads back to the register with the same filters.
    assert_eq!(
        attr_of(&paper, "#paper-back", "href").as_deref(),
        Some("/keys/loans?category=owner&status=pending")
    );
    // Handed over, a loan is on the paper without choosing a status.
    approve(&app, Role::EngineeringManager, "key_loan", facility_loan).await;
    let res = clerk
        .post(&format!("/keys/loans/{facility_loan}/hand-over"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, paper) = clerk.page("/keys/loans/print?lang=en").await;
    assert!(paper.contains("1-配电房") && !paper.contains("1-1-5-501"));
    assert!(text_of(&paper, ".slip-no")
        .unwrap()
        .contains("Only loans whose keys were handed over"));
    assert_eq!(
        attr_of(&paper, "#paper-back", "href").as_deref(),
        Some("/keys/loans")
    );
    let today = crate::approvals::day(0);
    let tomorrow = crate::approvals::day(1);
    let (_, none) = clerk.page(&format!("/keys/loans?from={tomorrow}")).await;
    assert!(!none.contains("检修配电柜"), "date range");
    let (_, some) = clerk
        .page(&format!("/keys/loans?from={today}&to={today}"))
        .await;
    assert!(some.contains("检修配电柜"));

    let csv = clerk
        .get("/keys.csv?category=facility")
        .await
        .text()
        .await
        .unwrap();
    assert!(csv.contains("1-配电房") && !csv.contains("1-1-5-501"));
    let (_, paper) = clerk.page("/keys/print?category=facility").await;
    assert!(paper.contains("1-配电房") && !paper.contains("1-1-5-501"));
}

#[tokio::test]
async fn the_loan_register_pages_by_keyset() {
    let app = TestApp::spawn().await;
    let (clerk, _) = estate(&app).await;
    let key = key_id(&app, "1-配电房", "").await;
    let mut conn = app.db().await;
    let me = user_id(&app, "specialist").await;
    let building: i64 = keys::table
        .find(key)
        .select(keys::building_id)
        .first(&mut conn)
        .await
        .unwrap();
    diesel::sql_query(format!(
        "INSERT INTO key_loans (category, building_id, borrower_kind, borrower_id, borrower_name, \
         purpose, due_at, status, requested_by, created_at) \
         SELECT 'facility', {building}, 'staff', {me}, '借用人' || g, '第' || g || '次检修', \
         now() + interval '1 day', 'returned', {me}, now() - g * interval '1 minute' \
         FROM generate_series(1, 60) g"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    let (_, first) = clerk.page("/keys/loans").await;
    assert!(first.contains("第1次检修<") && first.contains("第50次检修<"));
    assert!(!first.contains("第51次检修<"));
    let doc = scraper::Html::parse_document(&first);
    let sel = scraper::Selector::parse(".pager a").unwrap();
    let next = doc
        .select(&sel)
        .next()
        .unwrap()
        .value()
        .attr("href")
        .unwrap()
        .to_owned();
    let (_, second) = clerk.page(&next.replace("&amp;", "&")).await;
    assert!(second.contains("第51次检修<") && second.contains("第60次检修<"));
    assert!(!second.contains("第50次检修<"));
}

#[tokio::test]
async fn the_loan_register_names_each_key_in_the_readers_language() {
    let app = TestApp::spawn().await;
    let (clerk, building) = estate(&app).await;
    let door = key_id(&app, "1-1-1-101", "security_door").await;
    let mailbox = key_id(&app, "1-1-1-101", "mailbox").await;
    let me = user_id(&app, "specialist").await;
    let mut conn = app.db().await;
    diesel::sql_query(format!(
        "WITH l AS (INSERT INTO key_loans (category, building_id, borrower_kind, borrower_id, \
         borrower_name, purpose, due_at, status, requested_by) \
         VALUES ('owner', {building}, 'staff', {me}, '借用人', '查看房屋', now() + interval '1 day', \
         'returned', {me}) RETURNING id) \
         INSERT INTO key_loan_lines (loan_id, key_id) SELECT l.id, k FROM l, unnest(ARRAY[{door}, {mailbox}]::bigint[]) k"
    ))
    .execute(&mut conn)
    .await
    .unwrap();

    let (_, zh) = clerk.page("/keys/loans").await;
    assert!(zh.contains("1-1-1-101 防盗铁门、1-1-1-101 信报箱"), "{zh}");
    let (_, en) = clerk.page("/keys/loans?lang=en").await;
    assert!(
        en.contains("1-1-1-101 Security door, 1-1-1-101 Mailbox"),
        "{}",
        text_of(&en, "table").unwrap_or_default()
    );
    assert!(!en.contains("防盗铁门"));
}

#[tokio::test]
async fn a_loan_is_for_work_only_and_a_bad_form_keeps_what_was_typed() {
    let app = TestApp::spawn().await;
    let (_, _) = estate(&app).await;
    let employee = app.login_as(Role::Employee).await;
    let key = key_id(&app, "1-配电房", "").await;
    let (_, form) = employee.page(&format!("/keys/loans/new?key={key}")).await;
    assert!(form.contains("钥匙管理规定 2(1)①"), "the clause is linked");
    let res = employee
        .submit(
            "/keys/loans/new?building=1",
            "/keys/loans/new",
            &[
                ("building", "1"),
                ("key", &key.to_string()),
                ("purpose", "私用"),
                ("work_order", "GD-9"),
                ("due", "2020-01-01T10:00"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-purpose").unwrap().contains("私人用途"));
    assert!(text_of(&body, "#e-due").unwrap().contains("晚于现在"));
    assert_eq!(value_of(&body, "#f-work_order").unwrap(), "GD-9");
    let mut conn = app.db().await;
    let n: i64 = key_loans::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn rights_per_role_and_per_record() {
    let app = TestApp::spawn().await;
    let (clerk, building) = estate(&app).await;
    let key = key_id(&app, "1-配电房", "").await;
    let employee = app.login_as(Role::Employee).await;
    let engineer = app.login_as(Role::EngineeringManager).await;

    // An employee borrows for their own work, whatever borrower the form claims.
    let me = user_id(&app, "employee").await;
    let clerk_id = user_id(&app, "specialist").await.to_string();
    let res = employee
        .submit(
            "/keys/loans/new?building=1",
            "/keys/loans/new",
            &[
                ("building", "1"),
                ("key", &key.to_string()),
                ("borrower_kind", "outside"),
                ("borrower", &clerk_id),
                ("purpose", "维修水泵"),
                ("due", &due_in(3)),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mine: i64 = location(&res).rsplit('/').next().unwrap().parse().unwrap();
    let mut conn = app.db().await;
    let borrower: Option<i64> = key_loans::table
        .find(mine)
        .select(key_loans::borrower_id)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(borrower, Some(me));

    // The clerk's loan for someone else is not the employee's to see.
    let owner_key = key_id(&app, "1-1-1-101", "mailbox").await;
    let borrower_clerk = clerk_id.clone();
    let res = clerk
        .submit(
            "/keys/loans/new?building=1",
            "/keys/loans/new",
            &[
                ("building", "1"),
                ("key", &owner_key.to_string()),
                ("borrower_kind", "staff"),
                ("borrower", &borrower_clerk),
                ("purpose", "入户维修"),
                ("due", &due_in(3)),
            ],
        )
        .await;
    let theirs: i64 = location(&res).rsplit('/').next().unwrap().parse().unwrap();
    assert_eq!(
        employee.page(&format!("/keys/loans/{mine}")).await.0,
        StatusCode::OK
    );
    assert_eq!(
        employee.page(&format!("/keys/loans/{theirs}")).await.0,
        StatusCode::FORBIDDEN
    );
    let (status, list) = employee.page("/keys/loans").await;
    assert_eq!(status, StatusCode::OK);
    assert!(list.contains("维修水泵") && !list.contains("入户维修"));
    let csv = employee.get("/keys/loans.csv").await.text().await.unwrap();
    assert!(csv.contains("维修水泵") && !csv.contains("入户维修"));

    // Inventory and the clerk's actions.
    for path in [
        "/keys",
        "/keys/copies",
        "/keys/counts",
        &format!("/keys/{key}"),
    ] {
        assert_eq!(employee.page(path).await.0, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(engineer.page(path).await.0, StatusCode::OK, "{path}");
    }
    let b = building.to_string();
    let (_, inventory) = engineer.page("/keys").await;
    assert!(
        !inventory.contains(r#"href="/keys/new""#),
        "no link to the forms"
    );
    for (who, name) in [(&employee, "employee"), (&engineer, "engineer")] {
        assert_eq!(
            who.page("/keys/new").await.0,
            StatusCode::FORBIDDEN,
            "{name}"
        );
        let res = who.post("/keys/sets", &[("building", &b)]).await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{name}");
    }
    let res = employee
        .post(&format!("/keys/loans/{mine}/hand-over"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        engineer.page(&format!("/keys/loans/{theirs}")).await.0,
        StatusCode::OK
    );

    // Engineering keeps the facility keys (3(2)①) and hands them over itself,
    // once approved; an owner's keys stay with the clerks.
    for (loan, who) in [
        (mine, Role::EngineeringManager),
        (theirs, Role::CsSupervisor),
    ] {
        approve(&app, who, "key_loan", loan).await;
    }
    let (_, page) = engineer.page(&format!("/keys/loans/{theirs}")).await;
    assert!(
        !page.contains("/hand-over"),
        "no hand-over form for an owner key"
    );
    for path in ["hand-over", "return"] {
        let res = engineer
            .post(&format!("/keys/loans/{theirs}/{path}"), &[])
            .await;
        assert_eq!(res.status(), StatusCode::FORBIDDEN, "{path}");
    }
    assert_eq!(loan_status(&app, theirs).await, "approved");
    let (_, page) = engineer.page(&format!("/keys/loans/{mine}")).await;
    assert!(page.contains(&format!("/keys/loans/{mine}/hand-over")));
    let res = engineer
        .post(&format!("/keys/loans/{mine}/hand-over"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(loan_status(&app, mine).await, "out");
    let handed_by: Option<i64> = key_loans::table
        .find(mine)
        .select(key_loans::handed_out_by)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(handed_by, Some(user_id(&app, "engineer").await));
    let res = engineer
        .post(&format!("/keys/loans/{mine}/return"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(loan_status(&app, mine).await, "returned");
    assert_eq!(key_status(&app, key).await, "in");
    let (_, nav) = employee.page("/").await;
    assert!(
        !nav.contains(r#"href="/keys""#),
        "no inventory in an employee's nav"
    );
    let (_, nav) = clerk.page("/").await;
    assert!(nav.contains(r#"href="/keys""#));
}

#[tokio::test]
async fn every_clause_a_key_page_cites_resolves_to_the_handbook() {
    let app = TestApp::spawn().await;
    let (clerk, building) = estate(&app).await;
    let key = key_id(&app, "1-配电房", "").await;
    let mut conn = app.db().await;
    let room: i64 = keys::table
        .filter(keys::label.eq("1-1-3-301"))
        .select(keys::room_id.assume_not_null())
        .first(&mut conn)
        .await
        .unwrap();
    let mut hrefs = Vec::new();
    for path in [
        "/keys/new".to_owned(),
        format!("/keys/loans/new?key={key}"),
        "/keys/loans".to_owned(),
        format!("/keys/rooms/{room}/issue"),
        format!("/keys/copies/new?key={key}"),
        "/keys/counts".to_owned(),
        format!("/keys/labels?building={building}"),
    ] {
        let (_, body) = clerk.page(&path).await;
        let doc = scraper::Html::parse_document(&body);
        let sel = scraper::Selector::parse(".cites a").unwrap();
        let found: Vec<String> = doc
            .select(&sel)
            .filter_map(|a| a.value().attr("href").map(str::to_owned))
            .collect();
        assert!(!found.is_empty(), "{path} cites its clause");
        hrefs.extend(found);
    }
    hrefs.sort();
    hrefs.dedup();
    for href in hrefs {
        let res = clerk.get(&href).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{href}");
        assert!(location(&res).starts_with("/handbook/"), "{href}");
    }
}

/// The issue's "done when": import a building, create its key sets, issue keys to
/// an owner against a signed receipt, lend a facility key once the engineering
/// manager approved it from his mail, be reminded when it is late, print the
/// month's register.
#[tokio::test]
async fn a_specialist_runs_the_cabinet_from_import_to_the_months_register() {
    let smtp = SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    let clerk = app.login_as(Role::CsSpecialist).await;
    let project = crate::properties::new_project(&clerk, "翠竹苑").await;
    let csv = "栋号,单元,楼层,房号,类型,名称,住户类型,住户姓名,电话,证件类型,证件号码\n\
               7,1,1,101,住宅,,业主,王小明,13812345678,身份证,11010519491231002X\n\
               7,1,1,102,住宅,,,,,,\n\
               7,,-1,B1,设施设备房,水泵房,,,,,\n";
    let res =
        crate::properties::upload(&clerk, project, "rooms.csv", csv.as_bytes().to_vec()).await;
    let res = clerk.post(&format!("{}/commit", location(&res)), &[]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let mut conn = app.db().await;
    let building: i64 = buildings::table
        .filter(buildings::project_id.eq(project))
        .select(buildings::id)
        .first(&mut conn)
        .await
        .unwrap();
    clerk
        .post(
            "/keys/sets",
            &[("building", &building.to_string()), ("cabinet", "7号柜")],
        )
        .await;

    // Keys to the owner of 101, signed for.
    let room: i64 = rooms::table
        .filter(rooms::building_id.eq(building))
        .filter(rooms::number.eq("101"))
        .select(rooms::id)
        .first(&mut conn)
        .await
        .unwrap();
    let (_, form) = clerk.page(&format!("/keys/rooms/{room}/issue")).await;
    let owner = value_of(&form, "#f-resident option:nth-child(2)").unwrap();
    let tok = value_of(&form, r#"input[name="form_token"]"#).unwrap();
    let doc = scraper::Html::parse_document(&form);
    let sel = scraper::Selector::parse(r#"input[name="key"]"#).unwrap();
    let all: Vec<String> = doc
        .select(&sel)
        .filter_map(|e| e.value().attr("value").map(str::to_owned))
        .collect();
    assert_eq!(all.len(), 5);
    let mut fields: Vec<(&str, &str)> = all.iter().map(|k| ("key", k.as_str())).collect();
    fields.extend([
        ("resident", owner.as_str()),
        ("id_number", "11010519491231002x"),
        ("sign_name", "王小明"),
        ("sign_confirm", "1"),
        ("form_token", tok.as_str()),
    ]);
    let res = clerk
        .post(&format!("/keys/rooms/{room}/issue"), &fields)
        .await;
    let (_, receipt) = clerk.page(&location(&res)).await;
    assert!(receipt.contains("王小明") && receipt.contains("7-1-1-101"));

    // The pump room key: approved from the engineering manager's mail, then lent.
    let key = key_id(&app, "7-水泵房", "").await;
    let loan = file_loan(&app, &clerk, key, "水泵房例行检修").await;
    let res = clerk
        .post(&format!("/keys/loans/{loan}/hand-over"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(key_status(&app, key).await, "in");
    worker(&app).drain().await.unwrap();
    let mail = &smtp.to(&mail_of(Role::EngineeringManager))[0];
    assert!(mail.text.contains("水泵房例行检修"));
    let link = link_in(&mail.text);
    let engineer = app.login_as(Role::EngineeringManager).await;
    let (_, page) = engineer.page(&link).await;
    let csrf = csrf_in(&page).unwrap();
    engineer
        .post_raw(&link, &[("decision", "approve"), ("csrf_token", &csrf)])
        .await;
    clerk
        .post(&format!("/keys/loans/{loan}/hand-over"), &[])
        .await;
    assert_eq!(key_status(&app, key).await, "lent");

    // Late: the job reminds the borrower and engineering.
    let due: DateTime<Utc> = key_loans::table
        .find(loan)
        .select(key_loans::due_at)
        .first(&mut conn)
        .await
        .unwrap();
    kefu::keys::jobs::overdue(&mut conn, due + Duration::minutes(5), &app.config)
        .await
        .unwrap();
    worker(&app).drain().await.unwrap();
    for role in [Role::Employee, Role::EngineeringManager] {
        let late: Vec<_> = smtp
            .to(&mail_of(role))
            .into_iter()
            .filter(|m| m.subject.contains("钥匙逾期未还"))
            .collect();
        assert_eq!(late.len(), 1, "{role:?}");
        assert!(late[0].subject.contains("7-水泵房"));
    }

    // The month's register on paper.
    let today = crate::approvals::today();
    let first = today.with_day(1).unwrap();
    let (_, paper) = clerk
        .page(&format!("/keys/loans/print?from={first}&to={today}"))
        .await;
    assert!(paper.contains("房屋钥匙管理记录表"));
    assert!(paper.contains("7-水泵房") && paper.contains("水泵房例行检修"));
    assert!(paper.contains("客服专员 陈静"), "handed out by");
}

#[tokio::test]
async fn a_loan_or_copy_form_sent_twice_files_once_and_leads_to_the_first() {
    let app = TestApp::spawn().await;
    let (clerk, _) = estate(&app).await;
    let key = key_id(&app, "1-配电房", "").await.to_string();
    let borrower = user_id(&app, "employee").await.to_string();
    let token = clerk.form_token("/keys/loans/new?building=0").await;
    let due = due_in(4);
    let fields = [
        ("building", "0"),
        ("key", key.as_str()),
        ("borrower_kind", "staff"),
        ("borrower", &borrower),
        ("purpose", "检修"),
        ("due", &due),
        ("form_token", &token),
    ];
    let first = clerk.post("/keys/loans/new", &fields).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let second = clerk.post("/keys/loans/new", &fields).await;
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&second), location(&first));
    let (_, page) = clerk.page(&location(&second)).await;
    assert!(text_of(&page, ".flash").unwrap().contains("已经提交过"));
    let mut conn = app.db().await;
    let loans: i64 = key_loans::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    let requests: i64 = approval_requests::table
        .filter(approval_requests::kind.eq("key_loan"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!((loans, requests), (1, 1));

    // Two clicks on the copy request at the very same moment.
    let token = clerk
        .form_token(&format!("/keys/copies/new?key={key}"))
        .await;
    let csrf = clerk.csrf().await;
    let fields = [
        ("key", key.as_str()),
        ("copies", "1"),
        ("reason", "备用钥匙磨损"),
        ("form_token", &token),
        ("csrf_token", &csrf),
    ];
    let (a, b) = tokio::join!(
        clerk.post_raw("/keys/copies/new", &fields),
        clerk.post_raw("/keys/copies/new", &fields)
    );
    assert_eq!(
        (a.status(), b.status()),
        (StatusCode::SEE_OTHER, StatusCode::SEE_OTHER)
    );
    assert_eq!(location(&a), location(&b));
    let copies: i64 = approval_requests::table
        .filter(approval_requests::kind.eq("key_copy"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(copies, 1);
}

/// The loan register's row of `loan` as the page shows it (its cells' text).
fn loan_row(html: &str, loan: i64) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let rows = scraper::Selector::parse("tbody tr").unwrap();
    let link = scraper::Selector::parse("td a").unwrap();
    doc.select(&rows)
        .find(|r| {
            r.select(&link)
                .next()
                .is_some_and(|a| a.text().collect::<String>() == loan.to_string())
        })
        .map(|r| r.text().collect::<Vec<_>>().join(" "))
}

#[tokio::test]
async fn registers_kept_on_another_instance_follow_every_write_and_the_clock() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let (_, loan) = key_out(&app).await;
    other.settle().await;
    // The other instance's pages, each read twice: the second from its memory.
    let reader = app.login_as(Role::CsSupervisor).await.at(&other);
    for path in ["/keys", "/keys/loans"] {
        reader.page(path).await;
    }
    let (_, register) = reader.page("/keys/loans").await;
    let row = loan_row(&register, loan).expect("the loan is listed");
    assert!(row.contains("检修配电柜") && !row.contains("逾期"), "{row}");
    let (_, inventory) = reader.page("/keys").await;
    assert!(!inventory.contains("9号柜"));
    assert_eq!(
        text_of(&inventory, "#overdue-count").unwrap(),
        "逾期未还：0 笔"
    );
    // Another right, another page: the archive keeper sees only their own loans.
    let keeper = app.login_as(Role::ArchiveKeeper).await.at(&other);
    let (_, theirs) = keeper.page("/keys/loans").await;
    assert_eq!(loan_row(&theirs, loan), None, "not the keeper's loan");

    // Any writer (SQL of its own here) on the first instance's database: the
    // first key of the register moves, the loan changes.
    let mut conn = app.db().await;
    let first: i64 = keys::table
        .order(keys::id)
        .select(keys::id)
        .first(&mut conn)
        .await
        .unwrap();
    diesel::update(keys::table.find(first))
        .set(keys::cabinet.eq("9号柜"))
        .execute(&mut conn)
        .await
        .unwrap();
    diesel::update(key_loans::table.find(loan))
        .set((
            key_loans::purpose.eq("更换配电柜锁芯"),
            key_loans::due_at.eq(Utc::now() + Duration::seconds(4)),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    other.settle().await;
    let (_, inventory) = reader.page("/keys").await;
    assert!(inventory.contains("9号柜"), "the key moved to cabinet 9");
    assert_eq!(
        text_of(&inventory, "#overdue-count").unwrap(),
        "逾期未还：0 笔",
        "due in four seconds (time enough for a busy machine)"
    );
    let (_, register) = reader.page("/keys/loans").await;
    let row = loan_row(&register, loan).unwrap();
    assert!(
        row.contains("更换配电柜锁芯") && !row.contains("逾期"),
        "{row}"
    );

    // The clock alone, no write: the loan falls due.
    let due: DateTime<Utc> = key_loans::table
        .find(loan)
        .select(key_loans::due_at)
        .first(&mut conn)
        .await
        .unwrap();
    let wait = (due - Utc::now()).to_std().unwrap_or_default();
    tokio::time::sleep(wait + std::time::Duration::from_millis(100)).await;
    let (_, inventory) = reader.page("/keys").await;
    assert_eq!(
        text_of(&inventory, "#overdue-count").unwrap(),
        "逾期未还：1 笔"
    );
    let (_, register) = reader.page("/keys/loans").await;
    assert!(loan_row(&register, loan).unwrap().contains("逾期"));

    // The same kept rows, read by someone who reads the site in English.
    crate::approvals::set_locale(&app, username(Role::EngineeringManager), "en").await;
    other.settle().await;
    let english = app.login_as(Role::EngineeringManager).await.at(&other);
    let (_, register) = english.page("/keys/loans").await;
    let row = loan_row(&register, loan).unwrap();
    assert!(
        row.contains("Out") && row.contains("Overdue") && !row.contains("逾期"),
        "{row}"
    );
    let (_, inventory) = english.page("/keys").await;
    assert_eq!(
        text_of(&inventory, "#overdue-count").unwrap(),
        "Overdue loans: 1"
    );
}

#[tokio::test]
async fn past_counts_page_by_keyset_and_the_export_holds_them_all() {
    let app = TestApp::spawn().await;
    let (clerk, _) = estate(&app).await;
    let me = user_id(&app, "specialist").await;
    let mut conn = app.db().await;
    diesel::sql_query(
        "INSERT INTO key_counts (cabinet, counted_by, counted_at, expected, missing, note) \
         SELECT '1号柜', $1, now() - make_interval(hours => g), 10, 0, '第' || g || '班' \
         FROM generate_series(1, 55) g",
    )
    .bind::<diesel::sql_types::BigInt, _>(me)
    .execute(&mut conn)
    .await
    .unwrap();
    let hrefs = |html: &str, selector: &str| -> Vec<String> {
        let doc = scraper::Html::parse_document(html);
        let sel = scraper::Selector::parse(selector).unwrap();
        doc.select(&sel)
            .filter_map(|a| a.value().attr("href").map(str::to_owned))
            .collect()
    };
    let (_, first) = clerk.page("/keys/counts").await;
    let next = hrefs(&first, ".pager a");
    let mut seen = hrefs(&first, "tbody td:first-child a");
    assert_eq!(seen.len(), 50);
    assert_eq!(next.len(), 1, "a next page");
    let (_, second) = clerk.page(&next[0]).await;
    let rest = hrefs(&second, "tbody td:first-child a");
    assert_eq!(rest.len(), 5);
    assert!(hrefs(&second, ".pager a").is_empty(), "the last page");
    seen.extend(rest);
    seen.sort();
    seen.dedup();
    assert_eq!(seen.len(), 55, "every count once");
    let csv = clerk.get("/keys/counts.csv").await.text().await.unwrap();
    assert_eq!(csv.matches("班").count(), 55);
}

#[tokio::test]
async fn a_storage_form_read_before_copies_were_made_does_not_undo_them() {
    let app = TestApp::spawn().await;
    let (clerk, _) = estate(&app).await;
    let key = key_id(&app, "1-配电房", "").await;
    let page = format!("/keys/{key}");
    let (_, stale) = clerk.page(&page).await;
    let seen = value_of(&stale, r#"input[name="seen"]"#).unwrap();
    // Copies recorded meanwhile, as the copies page records them.
    diesel::update(keys::table.find(key))
        .set((keys::copies.eq(3), keys::updated_at.eq(Utc::now())))
        .execute(&mut app.db().await)
        .await
        .unwrap();
    let move_to = async |seen: &str, copies: &str| {
        let fields = [
            ("cabinet", "2号柜"),
            ("hook", "7"),
            ("copies", copies),
            ("seen", seen),
        ];
        clerk.post(&page, &fields).await
    };
    let res = move_to(&seen, "1").await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-copies").unwrap().contains("已有变动"));
    assert_eq!(key_copies(&app, key).await, 3, "not undone");
    // What was typed is still in the form, the key as it is now above it.
    assert_eq!(value_of(&body, "#f-cabinet").as_deref(), Some("2号柜"));
    assert_eq!(value_of(&body, "#f-copies").as_deref(), Some("1"));
    assert!(text_of(&body, "dl.details").unwrap().contains('3'));

    // From the page as it is now, the move is saved.
    let seen = value_of(&body, r#"input[name="seen"]"#).unwrap();
    let res = move_to(&seen, "3").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let cabinet: String = keys::table
        .find(key)
        .select(keys::cabinet)
        .first(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(
        (cabinet.as_str(), key_copies(&app, key).await),
        ("2号柜", 3)
    );
    // The same form sent again (a double click): saved, once.
    let res = move_to(&seen, "3").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, shown) = clerk.page(&page).await;
    assert_eq!(texts_of(&shown, ".flash"), ["已保存。"]);
    let stored: i64 = key_events::table
        .filter(key_events::key_id.eq(key))
        .filter(key_events::action.eq("stored"))
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(stored, 1);

    // A loan handed over and returned while the form was open changes nothing
    // of where the key hangs: the move typed meanwhile is saved.
    let (_, open) = clerk.page(&page).await;
    let seen = value_of(&open, r#"input[name="seen"]"#).unwrap();
    for status in ["lent", "in"] {
        diesel::update(keys::table.find(key))
            .set((keys::status.eq(status), keys::updated_at.eq(Utc::now())))
            .execute(&mut app.db().await)
            .await
            .unwrap();
    }
    let fields = [
        ("cabinet", "3号柜"),
        ("hook", "2"),
        ("copies", "3"),
        ("seen", seen.as_str()),
    ];
    let res = clerk.post(&page, &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_rooms_key_set_with_a_bad_cabinet_comes_back_with_the_cabinet_kept() {
    let app = TestApp::spawn().await;
    let mut conn = app.db().await;
    kefu::demo::seed_properties(&mut conn).await.unwrap();
    let room = room_1_301(&app).await;
    let clerk = app.login_as(Role::CsSpecialist).await;
    let keys_of_room = || async {
        let mut conn = app.db().await;
        keys::table
            .filter(keys::room_id.eq(room))
            .count()
            .get_result::<i64>(&mut conn)
            .await
            .unwrap()
    };
    let set = format!("/keys/rooms/{room}/set");
    let long = "柜".repeat(41);
    let res = clerk.post(&set, &[("cabinet", &long)]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(!text_of(&body, "#e-cabinet").unwrap().is_empty());
    assert_eq!(value_of(&body, "#f-cabinet").unwrap(), long, "input kept");
    assert_eq!(keys_of_room().await, 0);

    let res = clerk.post(&set, &[("cabinet", "3号柜")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(keys_of_room().await > 0);
}

#[tokio::test]
async fn the_colleague_a_loan_is_for_never_approves_it() {
    use kefu::schema::{approval_deputies, key_loans, mail_outbox};
    let app = TestApp::spawn().await;
    let (clerk, _) = estate(&app).await;
    let key = key_id(&app, "1-配电房", "").await;
    // The engineering manager stands in for the centre manager today.
    let engineer = username(Role::EngineeringManager);
    let mut conn = app.db().await;
    let today = crate::approvals::today();
    diesel::insert_into(approval_deputies::table)
        .values((
            approval_deputies::user_id.eq(user_id(&app, username(Role::CenterManager)).await),
            approval_deputies::deputy_id.eq(user_id(&app, engineer).await),
            approval_deputies::starts_on.eq(today),
            approval_deputies::ends_on.eq(today),
        ))
        .execute(&mut conn)
        .await
        .unwrap();
    // The clerk files a loan for him, the one who would approve a facility
    // key: the step passes to the centre manager, and not to his deputy.
    let loan = file_loan_for(&app, &clerk, key, "检修配电柜", engineer).await;

    let (approver, request, task) = task_of(&app, "key_loan", loan).await;
    assert_eq!(approver, username(Role::CenterManager));
    let to: Vec<String> = mail_outbox::table
        .filter(mail_outbox::message.eq("approval_request"))
        .select(mail_outbox::to_addr)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(to, [mail_of(Role::CenterManager)], "not to the deputy");
    let manager = app.login_as(Role::CenterManager).await;
    let (_, page) = manager.page(&format!("/approvals/{request}")).await;
    assert!(
        page.contains("此申请是为其本人办理的，不能由其审批，已转下一位"),
        "the trail says why"
    );
    // As the deputy he neither sees it waiting nor can decide it.
    let deputy = app.login_as(Role::EngineeringManager).await;
    let (_, inbox) = deputy.page("/approvals").await;
    assert!(!inbox.contains(&format!("/approvals/{request}")), "{inbox}");
    let res = approve_as(&deputy, request, task).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let status: String = key_loans::table
        .find(loan)
        .select(key_loans::status)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(status, "pending");
}

#[tokio::test]
async fn the_demo_loans_were_filed_in_the_past_and_the_pending_one_awaits_the_engineer() {
    use kefu::schema::key_loans;
    let app = TestApp::spawn().await;
    let mut conn = app.db().await;
    kefu::demo::seed_properties(&mut conn).await.unwrap();
    kefu::keys::seed_demo(&mut conn, &app.config).await.unwrap();

    let filed: Vec<chrono::DateTime<chrono::Utc>> = key_loans::table
        .select(key_loans::created_at)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(filed.len(), 3);
    let now = chrono::Utc::now();
    assert!(filed.iter().all(|t| *t <= now), "{filed:?}");
    let pending: i64 = key_loans::table
        .filter(key_loans::status.eq("pending"))
        .select(key_loans::id)
        .first(&mut conn)
        .await
        .unwrap();
    let (approver, request, _) = task_of(&app, "key_loan", pending).await;
    assert_eq!(approver, username(Role::EngineeringManager));
    // Titled as a loan filed on the site is: the borrower and the keys.
    let engineer = app.login_as(Role::EngineeringManager).await;
    let (_, page) = engineer.page(&format!("/approvals/{request}")).await;
    let title = text_of(&page, "h1").unwrap();
    assert!(title.contains("员工 赵磊 · 1-1F 消防通道门"), "{title}");
}

/// Copies made for a lost key replace it: the lost one no longer counts, and
/// the key is in its cabinet again.
#[tokio::test]
async fn a_copy_made_for_a_lost_key_puts_it_back_without_counting_the_lost_one() {
    let app = TestApp::spawn().await;
    let (clerk, _) = estate(&app).await;
    let key = key_id(&app, "1-配电房", "").await;
    let res = request_copy(&clerk, key, 1, "原钥匙遗失，补配").await;
    let copy: i64 = location(&res).rsplit('/').next().unwrap().parse().unwrap();
    approve(&app, Role::EngineeringManager, "key_copy", copy).await;
    diesel::update(keys::table.find(key))
        .set(keys::status.eq("lost"))
        .execute(&mut app.db().await)
        .await
        .unwrap();
    clerk
        .post(
            &format!("/keys/copies/{copy}/made"),
            &[("copies_made", "1")],
        )
        .await;
    assert_eq!(key_copies(&app, key).await, 1, "the lost one not counted");
    assert_eq!(key_status(&app, key).await, "in");
    let (_, page) = clerk.page(&format!("/keys/{key}")).await;
    assert!(
        page.contains("补配（替换遗失的钥匙）"),
        "in the key's history"
    );
}

/// The outside worker's fields a form still carries after switching back to a
/// colleague are dropped, however long; an outside worker's company too long is
/// a message with its limit.
#[tokio::test]
async fn a_colleagues_loan_drops_what_was_typed_for_an_outside_worker() {
    let app = TestApp::spawn().await;
    let (clerk, _) = estate(&app).await;
    let key = key_id(&app, "1-配电房", "").await;
    let borrower = user_id(&app, "employee").await.to_string();
    let company = "某某机电设备安装工程有限公司".repeat(8);
    let fields = |kind: &'static str| {
        vec![
            ("building", "0".to_owned()),
            ("key", key.to_string()),
            ("borrower_kind", kind.to_owned()),
            ("borrower", borrower.clone()),
            ("borrower_name", "张师傅".to_owned()),
            ("borrower_company", company.clone()),
            ("purpose", "检修配电柜".to_owned()),
            ("due", due_in(2)),
        ]
    };

    let outside = fields("outside");
    let outside: Vec<(&str, &str)> = outside.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = clerk
        .submit("/keys/loans/new?building=0", "/keys/loans/new", &outside)
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        text_of(&body, "#e-borrower_company")
            .unwrap()
            .contains("最多 100 字"),
        "{body}"
    );

    let staff = fields("staff");
    let staff: Vec<(&str, &str)> = staff.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = clerk
        .submit("/keys/loans/new?building=0", "/keys/loans/new", &staff)
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let loan: i64 = location(&res).rsplit('/').next().unwrap().parse().unwrap();
    let (name, kept): (String, String) = key_loans::table
        .find(loan)
        .select((key_loans::borrower_name, key_loans::borrower_company))
        .first(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!((name.as_str(), kept.as_str()), ("员工 赵磊", ""));
    let (_, page) = clerk.page(&format!("/keys/loans/{loan}")).await;
    assert!(!page.contains("某某机电") && !page.contains("张师傅"));
}

/// The issue form answers whether an ID number matches the owner's record,
/// so it must not serve to guess one: after five wrong numbers in a quarter
/// of an hour, by one clerk or for one owner, it checks none, the right one
/// included; each wrong number is logged, without the number.
#[tokio::test]
async fn an_owners_id_number_cannot_be_guessed_at_the_issue_form() {
    let app = TestApp::spawn().await;
    let (clerk, _) = estate(&app).await;
    let room = room_1_301(&app).await;
    let page = format!("/keys/rooms/{room}/issue");
    let (_, form) = clerk.page(&page).await;
    let owner = value_of(&form, "#f-resident option:nth-child(2)").unwrap();
    let door = key_id(&app, "1-1-3-301", "security_door").await.to_string();
    let send = async |who: &Browser, id_number: &str| {
        let res = who
            .submit(
                &page,
                &page,
                &[
                    ("key", door.as_str()),
                    ("resident", owner.as_str()),
                    ("id_number", id_number),
                    ("sign_name", "王小明"),
                    ("sign_confirm", "1"),
                ],
            )
            .await;
        let status = res.status();
        let body = res.text().await.unwrap();
        (status, text_of(&body, "#e-id_number").unwrap_or_default())
    };

    // Wrong numbers of more than a quarter of an hour ago do not count.
    let clerk_id = user_id(&app, "specialist").await;
    diesel::sql_query(format!(
        "INSERT INTO audit_log (at, actor_id, action, entity, entity_id, details) \
         SELECT now() - interval '16 minutes', {clerk_id}, 'keys.id_mismatch', 'resident', '{owner}', \
                '{{}}'::jsonb FROM generate_series(1, 5)"
    ))
    .execute(&mut app.db().await)
    .await
    .unwrap();
    // A blank number asks for one and is no try.
    let (status, said) = send(&clerk, " ").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(said.contains("请填写"), "{said}");
    for n in 0..5 {
        let (status, said) = send(&clerk, &format!("44030519900307{n:04}")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(said.contains("不一致，不能发放"), "{said}");
    }
    let (status, said) = send(&clerk, "440305199003071236").await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "the right one too"
    );
    assert!(said.contains("最近 15 分钟内已有 5 次"), "{said}");
    assert_eq!(key_status(&app, door.parse().unwrap()).await, "in");
    // Another clerk is held back on this owner as well.
    let other = app.login_as(Role::CsSupervisor).await;
    let (_, said) = send(&other, "440305199003071236").await;
    assert!(said.contains("最近 15 分钟内已有 5 次"), "{said}");

    let logged: Vec<(Option<String>, serde_json::Value)> = kefu::schema::audit_log::table
        .filter(kefu::schema::audit_log::action.eq("keys.id_mismatch"))
        .select((
            kefu::schema::audit_log::entity_id,
            kefu::schema::audit_log::details,
        ))
        .order(kefu::schema::audit_log::id)
        .load(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(logged.len(), 5 + 5);
    assert!(logged[5..]
        .iter()
        .all(|(who, details)| who.as_deref() == Some(owner.as_str())
            && *details == serde_json::json!({ "room": room })));
}

/// Wrong numbers sent all at once are counted one after another: no more
/// than the limit are ever compared.
#[tokio::test]
async fn id_numbers_sent_at_once_are_held_to_the_same_limit() {
    let app = TestApp::spawn().await;
    let (clerk, _) = estate(&app).await;
    let room = room_1_301(&app).await;
    let page = format!("/keys/rooms/{room}/issue");
    let (_, form) = clerk.page(&page).await;
    let owner = value_of(&form, "#f-resident option:nth-child(2)").unwrap();
    let token = clerk.csrf().await;
    let tries = (0..12).map(|n| {
        let number = format!("44030519900307{n:04}");
        let (page, owner, token) = (page.clone(), owner.clone(), token.clone());
        let clerk = &clerk;
        async move {
            let fields = [
                ("resident", owner.as_str()),
                ("id_number", number.as_str()),
                ("csrf_token", token.as_str()),
            ];
            clerk.post_raw(&page, &fields).await.status()
        }
    });
    let answers = futures_util::future::join_all(tries).await;
    assert!(
        answers
            .iter()
            .all(|s| *s == StatusCode::UNPROCESSABLE_ENTITY),
        "{answers:?}"
    );
    let logged: i64 = kefu::schema::audit_log::table
        .filter(kefu::schema::audit_log::action.eq("keys.id_mismatch"))
        .count()
        .get_result(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(logged, 5);
}

/// The form starts with every key of the room ticked; sent back with none,
/// it comes back with none, so a second click does not hand over them all.
#[tokio::test]
async fn keys_unticked_on_the_issue_form_stay_unticked() {
    let app = TestApp::spawn().await;
    let (clerk, _) = estate(&app).await;
    let room = room_1_301(&app).await;
    let page = format!("/keys/rooms/{room}/issue");
    let (_, form) = clerk.page(&page).await;
    let ticked = |html: &str| {
        scraper::Html::parse_document(html)
            .select(&scraper::Selector::parse(r#"input[name="key"]"#).unwrap())
            .map(|i| i.value().attr("checked").is_some())
            .collect::<Vec<bool>>()
    };
    assert!(ticked(&form).len() > 1 && ticked(&form).iter().all(|t| *t));
    let owner = value_of(&form, "#f-resident option:nth-child(2)").unwrap();
    let res = clerk
        .submit(
            &page,
            &page,
            &[
                ("resident", owner.as_str()),
                ("id_number", "440305199003071236"),
                ("sign_name", "王小明"),
                ("sign_confirm", "1"),
            ],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(!text_of(&body, "#e-key").unwrap().is_empty());
    assert!(ticked(&body).iter().all(|t| !*t), "none ticked");
}

/// A key lent every day for years has a long history: its page shows the
/// latest steps and links to the earlier ones, page after page, none left out.
#[tokio::test]
async fn a_long_key_history_is_read_page_by_page_to_its_first_step() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let (clerk, _) = estate(&app).await;
    let key = key_id(&app, "1-配电房", "").await;
    app.db()
        .await
        .batch_execute(&format!(
            "INSERT INTO key_events (key_id, at, action, note) \
             SELECT {key}, now() + g * interval '1 minute', 'created', '第' || g || '步' \
             FROM generate_series(1, 250) g"
        ))
        .await
        .unwrap();

    let (_, page) = clerk.page(&format!("/keys/{key}")).await;
    let mut notes: Vec<String> = texts_of(&page, "table.trail tbody tr td:nth-child(4)");
    assert_eq!(notes.len(), 100);
    assert_eq!(notes[0], "第250步", "newest first");
    let mut next = attr_of(&page, "#older-history", "href");
    let mut pages = 1;
    while let Some(href) = next {
        let (status, older) = clerk.page(&href).await;
        assert_eq!(status, StatusCode::OK);
        notes.extend(texts_of(&older, "table.trail tbody tr td:nth-child(4)"));
        next = attr_of(&older, "#older-history", "href");
        pages += 1;
    }
    assert_eq!(pages, 3);
    assert_eq!(notes.len(), 251, "every step once, and the key's first");
    let expected: Vec<String> = (1..=250).rev().map(|g| format!("第{g}步")).collect();
    assert_eq!(notes[..250], expected[..]);
    let (_, en) = clerk
        .page(&format!("/keys/{key}/history?before=1&lang=en"))
        .await;
    assert!(en.contains("Nothing yet."), "before the first step: none");
    assert_eq!(
        app.login_as(Role::Employee)
            .await
            .page(&format!("/keys/{key}/history"))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
}

/// A borrower who has left is not written to about the key they still hold:
/// the colleague who filed the loan is, with the custodians.
#[tokio::test]
async fn an_overdue_key_of_a_borrower_who_left_is_chased_by_whoever_filed_the_loan() {
    let app = TestApp::spawn().await;
    let (_, loan) = key_out(&app).await;
    let due = Utc::now() - Duration::hours(1);
    diesel::update(key_loans::table.find(loan))
        .set(key_loans::due_at.eq(due))
        .execute(&mut app.db().await)
        .await
        .unwrap();
    app.deactivate("employee").await;
    let mut conn = app.db().await;
    kefu::keys::jobs::overdue(&mut conn, Utc::now(), &app.config)
        .await
        .unwrap();
    let to: Vec<String> = overdue_mails(&app)
        .await
        .into_iter()
        .map(|(t, _)| t)
        .collect();
    assert_eq!(
        to,
        [
            mail_of(Role::CsSpecialist),
            mail_of(Role::EngineeringManager)
        ],
        "the clerk who filed it and the custodian, not the borrower"
    );
}

/// A copy request its engineering approver leaves past the deadline stays
/// theirs (钥匙管理规定 3(2)②: only engineering consents to a copy): they are
/// reminded that it is overdue and the centre manager, next in the chain, is
/// told that it waits, once each; the decision is still engineering's.
#[tokio::test]
async fn a_late_copy_request_stays_with_engineering_and_the_centre_manager_is_told() {
    let app = TestApp::spawn().await;
    let (clerk, _) = estate(&app).await;
    let key = key_id(&app, "1-配电房", "").await;
    let res = request_copy(&clerk, key, 1, "备用钥匙磨损").await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let copy: i64 = location(&res).rsplit('/').next().unwrap().parse().unwrap();
    let (_, request, task) = task_of(&app, "key_copy", copy).await;
    let mut conn = app.db().await;
    let due: DateTime<Utc> = approval_tasks::table
        .find(task)
        .select(approval_tasks::due_at)
        .first(&mut conn)
        .await
        .unwrap();
    let first_mail: i64 = mail_outbox::table
        .select(diesel::dsl::max(mail_outbox::id))
        .first::<Option<i64>>(&mut conn)
        .await
        .unwrap()
        .unwrap();

    // The centre manager reads English.
    crate::approvals::set_locale(&app, username(Role::CenterManager), "en").await;
    // Late, in two periods of the escalation job.
    let job = kefu::jobs::find("approvals.escalate").unwrap();
    for (period, at) in [
        ("p1", due + Duration::minutes(1)),
        ("p2", due + Duration::hours(1)),
    ] {
        kefu::jobs::run_for_period(&mut conn, job, period, at, &app.config)
            .await
            .unwrap();
    }
    let (approver, _, still) = task_of(&app, "key_copy", copy).await;
    assert_eq!(
        (approver.as_str(), still),
        ("engineer", task),
        "still engineering's"
    );
    let mails: Vec<(String, String, String)> = mail_outbox::table
        .filter(mail_outbox::id.gt(first_mail))
        .order(mail_outbox::id)
        .select((
            mail_outbox::to_addr,
            mail_outbox::subject,
            mail_outbox::body_text,
        ))
        .load(&mut conn)
        .await
        .unwrap();
    let to: Vec<&str> = mails.iter().map(|(t, _, _)| t.as_str()).collect();
    assert_eq!(
        to,
        [
            mail_of(Role::EngineeringManager),
            mail_of(Role::CenterManager)
        ],
        "the approver reminded, the centre manager told, once each"
    );
    assert!(mails[0].1.starts_with("【逾期】"), "{}", mails[0].1);
    assert!(mails[0].2.contains("仍由您处理"), "{}", mails[0].2);
    assert!(
        mails[1].1.starts_with("[Overdue, for information] "),
        "{}",
        mails[1].1
    );
    assert!(
        mails[1].2.contains("nothing is asked of you")
            && mails[1].2.contains("(Engineering manager)"),
        "{}",
        mails[1].2
    );
    // The centre manager cannot decide it; its trail says what happened.
    let manager = app.login_as(Role::CenterManager).await;
    let res = approve_as(&manager, request, task).await;
    assert_ne!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = clerk.page(&format!("/approvals/{request}")).await;
    assert!(page.contains("逾期未批，再次提醒") && page.contains("逾期未批，已告知"));

    approve(&app, Role::EngineeringManager, "key_copy", copy).await;
    let (_, page) = clerk.page(&format!("/keys/copies/{copy}")).await;
    assert_eq!(text_of(&page, "#copy-status").unwrap(), "已批准");
}
