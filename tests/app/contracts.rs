//! Sales contracts (营销部客服): recorded, followed from filing to the customer's
//! collection or voided, and counted in the month's report to finance.
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::schema::{audit_log, sales_contract_events, sales_contracts};
use reqwest::StatusCode;

use crate::approvals::{day, today};
use crate::helpers::*;

const PROJECT: &str = "翠湖苑";

fn contract_fields(no: &str, payment: &'static str) -> Vec<(&'static str, String)> {
    vec![
        ("contract_no", no.to_owned()),
        ("project", PROJECT.to_owned()),
        ("unit", "5栋-1单元-09-0902".to_owned()),
        ("buyer", "周晓明".to_owned()),
        ("buyer_phone", "139 1234 5678".to_owned()),
        ("signed_on", day(-3)),
        ("area", "89.56".to_owned()),
        ("price", "1,325,000".to_owned()),
        ("payment", payment.to_owned()),
        ("agent", "安居房产中介".to_owned()),
    ]
}

/// Records a contract through the form; returns its page's path.
async fn record(b: &Browser, no: &str, payment: &'static str) -> String {
    let fields = contract_fields(no, payment);
    let res = b
        .submit("/contracts/new", "/contracts/new", &pairs(&fields))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{no}");
    location(&res)
}

/// Sends the form `form` (#next-step or #void-step) of the contract's page with
/// these fields, as the page shows it (its token and version).
async fn take(b: &Browser, path: &str, form: &str, fields: &[(&str, &str)]) -> reqwest::Response {
    let (_, page) = b.page(path).await;
    let token = value_of(&page, &format!(r#"#{form} input[name="form_token"]"#))
        .unwrap_or_else(|| panic!("no {form} on {path}"));
    let version = value_of(&page, &format!(r#"#{form} input[name="version"]"#)).unwrap();
    let step = value_of(&page, &format!(r#"#{form} input[name="step"]"#)).unwrap();
    let mut all = fields.to_vec();
    all.extend([
        ("form_token", token.as_str()),
        ("version", version.as_str()),
        ("step", step.as_str()),
    ]);
    b.post(&format!("{path}/step"), &all).await
}

async fn stage_of(app: &TestApp, no: &str) -> (String, i32, Option<chrono::NaiveDate>) {
    let mut conn = app.db().await;
    sales_contracts::table
        .filter(sales_contracts::contract_no.eq(no))
        .select((
            sales_contracts::stage,
            sales_contracts::version,
            sales_contracts::deed_tax_due,
        ))
        .first(&mut conn)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_mortgage_contract_is_followed_from_filing_to_its_certificate_and_reported_to_finance() {
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let path = record(&specialist, "CH-2026-0001", "mortgage").await;
    let (status, page) = specialist.page(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text_of(&page, "#contract-stage").unwrap(), "待备案");
    assert_eq!(text_of(&page, "#contract-phone").unwrap(), "139****5678");
    assert_eq!(text_of(&page, "#contract-price").unwrap(), "1325000 元");
    assert!(page.contains("89.56"));
    // The list of contracts still followed shows it.
    let (_, list) = specialist.page("/contracts").await;
    assert!(texts_of(&list, "#contracts td a").contains(&"CH-2026-0001".to_owned()));

    // Filed; then the agent, not yet the customer.
    let filed = [("on_date", day(-2)), ("note", "房管局受理".to_owned())];
    let res = take(&specialist, &path, "next-step", &pairs(&filed)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = specialist.page(&path).await;
    assert_eq!(
        value_of(&page, r#"#next-step input[name="step"]"#).unwrap(),
        "agent"
    );
    // A page read before the filing cannot file it again, nor skip ahead: the
    // step is refused with a message, and nothing changes.
    let stale = [
        ("step", "notified"),
        ("on_date", &day(0)),
        ("deed_tax_due", &day(60)),
        ("version", "1"),
        ("form_token", "0123456789abcdef0123456789abcdef"),
    ];
    let res = specialist.post(&format!("{path}/step"), &stale).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#contract-changed").is_some());
    assert_eq!(stage_of(&app, "CH-2026-0001").await.0, "filed");

    for step in ["agent", "loan"] {
        let res = take(&specialist, &path, "next-step", &[("on_date", &day(-1))]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{step}");
    }
    // Telling the customer before the loan came in (yet after the filing):
    // refused on its date, though the loan's day is kept in the history only.
    let before_loan = [("on_date", day(-2)), ("deed_tax_due", day(90))];
    let res = take(&specialist, &path, "next-step", &pairs(&before_loan)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(!text_of(&body, "#next-step-e-on_date").unwrap().is_empty());
    assert_eq!(stage_of(&app, "CH-2026-0001").await.0, "loan");
    // Telling the customer needs the deed tax deadline; the date typed is kept.
    let res = take(&specialist, &path, "next-step", &[("on_date", &day(0))]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        value_of(&body, "#next-step-on_date").unwrap(),
        day(0),
        "input kept"
    );
    assert!(!text_of(&body, "#next-step-e-deed_tax_due")
        .unwrap()
        .is_empty());
    let due = day(90);
    let res = take(
        &specialist,
        &path,
        "next-step",
        &[("on_date", &day(0)), ("deed_tax_due", &due)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // Collecting needs the customer's signature confirmed.
    let res = take(&specialist, &path, "next-step", &[("on_date", &day(0))]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = take(
        &specialist,
        &path,
        "next-step",
        &[("on_date", &day(0)), ("confirm", "1")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let (stage, version, deed_tax) = stage_of(&app, "CH-2026-0001").await;
    assert_eq!(stage, "collected");
    assert_eq!(version, 6);
    assert_eq!(deed_tax.map(|d| d.to_string()), Some(due));
    let (_, page) = specialist.page(&path).await;
    assert_eq!(
        texts_of(&page, "#contract-history tbody tr td:nth-child(2)"),
        [
            "签订",
            "备案",
            "中介签字领取",
            "银行贷款到账",
            "通知客户领取",
            "客户签字领取"
        ]
    );
    // A collected contract is not voided; its certificate comes next.
    assert!(text_of(&page, "#next-step").is_none());
    assert!(text_of(&page, "#void-step").is_none());
    assert_eq!(
        value_of(&page, r#"#cert-step input[name="step"]"#).unwrap(),
        "surveyed"
    );

    // An area typed without its decimal point is far from the one sold: the
    // form asks to check it, and keeps it until confirmed or corrected.
    let res = take(
        &specialist,
        &path,
        "cert-step",
        &[("on_date", &day(0)), ("surveyed", "8973")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    let says = text_of(&body, "#cert-step-e-surveyed").unwrap();
    assert!(
        says.contains("8973 ㎡") && says.contains("89.56 ㎡"),
        "{says}"
    );
    assert_eq!(value_of(&body, "#cert-step-surveyed").unwrap(), "8973");
    assert_eq!(value_of(&body, "#cert-step-confirm").as_deref(), Some("1"));
    assert_eq!(
        stage_of(&app, "CH-2026-0001").await.1,
        6,
        "nothing recorded"
    );

    // The surveyed area: 0.17 m² more than sold, paid at the contract's price.
    let res = take(
        &specialist,
        &path,
        "cert-step",
        &[("on_date", &day(0)), ("surveyed", "89.73")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = specialist.page(&path).await;
    assert_eq!(
        text_of(&page, "#contract-settlement").unwrap(),
        "89.73（面积差 +0.17 ㎡，客户补交 2515.07 元）"
    );
    // The survey's day is kept in the history only, yet the settlement cannot
    // be dated before it (the earlier steps moved back ten days to show it).
    let mut conn = app.db().await;
    diesel::sql_query(
        "UPDATE sales_contracts SET signed_on = signed_on - 10, filed_on = filed_on - 10, \
         notified_on = notified_on - 10, collected_on = collected_on - 10",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    diesel::sql_query(
        "UPDATE sales_contract_events SET on_date = on_date - 10 WHERE step <> 'surveyed'",
    )
    .execute(&mut conn)
    .await
    .unwrap();
    let early = [("on_date", day(-1))];
    let res = take(&specialist, &path, "cert-step", &pairs(&early)).await;
    assert_eq!(
        res.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "before the survey"
    );
    for (step, fields) in [
        ("settled", vec![("on_date", day(0))]),
        (
            "cert_received",
            vec![
                ("on_date", day(0)),
                ("cert_no", "粤(2026)深圳市不动产权第0123456号".to_owned()),
            ],
        ),
        ("cert_notified", vec![("on_date", day(0))]),
    ] {
        let res = take(&specialist, &path, "cert-step", &pairs(&fields)).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "{step}");
    }
    // The certificate goes to the buyer in person: another name is refused.
    let someone = [
        ("on_date", day(0)),
        ("sign_name", "周小明".to_owned()),
        ("sign_confirm", "1".to_owned()),
        ("confirm", "1".to_owned()),
    ];
    let res = take(&specialist, &path, "cert-step", &pairs(&someone)).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-sign_name").unwrap().contains("周晓明"));
    assert_eq!(value_of(&body, "#f-sign_name").unwrap(), "周小明");
    assert_eq!(
        attr_of(&body, ".error-summary a", "href").as_deref(),
        Some("#f-sign_name"),
        "the summary links to the signature's field"
    );
    // The buyer signs, with a drawing where the page could take one.
    let buyer = [
        ("on_date", day(0)),
        ("sign_name", "周晓明".to_owned()),
        ("sign_confirm", "1".to_owned()),
        (
            "sign_drawing",
            "data:image/png;base64,iVBORw0KGgo=".to_owned(),
        ),
        ("confirm", "1".to_owned()),
    ];
    let res = take(&specialist, &path, "cert-step", &pairs(&buyer)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, page) = specialist.page(&path).await;
    assert!(text_of(&page, "#cert-step").is_none());
    assert!(text_of(&page, "#contract-cert").unwrap().contains("周晓明"));
    assert_eq!(
        attr_of(&page, "#contract-cert-signature", "src").as_deref(),
        Some("data:image/png;base64,iVBORw0KGgo=")
    );
    let mut conn = app.db().await;
    let (stage, adjust, signed_by): (String, Option<i64>, String) = sales_contracts::table
        .filter(sales_contracts::contract_no.eq("CH-2026-0001"))
        .select((
            sales_contracts::stage,
            sales_contracts::adjust_fen,
            sales_contracts::cert_signed_by,
        ))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        (stage.as_str(), adjust, signed_by.as_str()),
        ("collected", Some(251_507), "周晓明")
    );
    let audited: i64 = audit_log::table
        .filter(audit_log::action.eq("contract.collected"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(audited, 1);

    // The month's report counts it by each step's date, in both languages: signed
    // 13 days ago and collected 10 days ago (the steps moved back above), settled
    // and its certificate today; near a month's start those fall in the month before.
    let month = &day(0)[..7];
    let report_row = |month: String| {
        let specialist = &specialist;
        async move {
            let (status, report) = specialist
                .page(&format!("/contracts/report?month={month}"))
                .await;
            assert_eq!(status, StatusCode::OK, "{month}");
            assert_eq!(
                texts_of(&report, "#contract-report tbody th"),
                [PROJECT.to_owned()],
                "{month}"
            );
            let row = texts_of(&report, "#contract-report tbody tr:first-child td");
            (report, row)
        }
    };
    let (report, row) = report_row(month.to_owned()).await;
    for (column, at, what) in [(0, day(-13), "signed"), (5, day(-10), "collected")] {
        let in_month = &at[..7] == month;
        assert_eq!(row[column], if in_month { "1" } else { "0" }, "{what}");
        if !in_month {
            let (_, earlier) = report_row(at[..7].to_owned()).await;
            assert_eq!(earlier[column], "1", "{what} in {}", &at[..7]);
        }
    }
    assert_eq!(row[6], "0", "not voided");
    assert_eq!(
        row[8..],
        ["1", "2515.07", "1"],
        "settled, its amount, certificates"
    );
    let res = specialist
        .get(&format!("/contracts/report.csv?month={month}&lang=en"))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let csv = res.text().await.unwrap();
    assert!(csv.contains("Of which mortgages"), "{csv}");
    assert!(csv.contains(PROJECT));
    assert!(
        csv.contains(r#""1","2515.07","1""#),
        "amounts as plain numbers: {csv}"
    );
    // In the workbook the amounts are numbers finance can add up.
    let res = specialist
        .get(&format!("/contracts/report.xlsx?month={month}"))
        .await;
    let bytes = res.bytes().await.unwrap().to_vec();
    use calamine::Reader;
    let mut book = calamine::Xlsx::new(std::io::Cursor::new(bytes)).unwrap();
    let sheet = book.worksheet_range_at(0).unwrap().unwrap();
    assert_eq!(
        sheet.get_value((1, 10)),
        Some(&calamine::Data::Float(2515.07)),
        "the settled amount"
    );
    // On paper, the same table, to sign and hand to finance.
    let print = format!("/contracts/report/print?month={month}");
    assert!(report.contains(&format!(r#"href="{print}""#)));
    let (status, paper) = specialist.page(&print).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        texts_of(&paper, "#contract-report tbody tr:first-child td"),
        row
    );
    // (in English: the export above chose it)
    assert!(paper.contains("Prepared by") && paper.contains("Received by (finance)"));
    let employee = app.login_as(Role::Employee).await;
    assert_eq!(employee.page(&print).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn a_contract_form_refuses_each_bad_field_keeps_the_input_and_files_a_number_once() {
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let mut fields = contract_fields("CH-2026-0002", "full");
    for (k, v) in fields.iter_mut() {
        match *k {
            "buyer_phone" => *v = "12345".into(),
            "area" => *v = "0".into(),
            "price" => *v = "一百万".into(),
            "signed_on" => *v = day(2),
            "unit" => *v = " ".into(),
            _ => {}
        }
    }
    let res = specialist
        .submit("/contracts/new", "/contracts/new", &pairs(&fields))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    for field in ["buyer_phone", "area", "price", "signed_on", "unit"] {
        assert!(
            !text_of(&body, &format!("#e-{field}")).unwrap().is_empty(),
            "{field}"
        );
    }
    assert!(text_of(&body, "#e-buyer").unwrap().is_empty());
    assert_eq!(value_of(&body, "#f-buyer").unwrap(), "周晓明");
    assert_eq!(value_of(&body, "#f-price").unwrap(), "一百万");
    // A signing day too long ago is named as such.
    let mut fields = contract_fields("CH-2026-0002", "full");
    fields.retain(|(k, _)| *k != "signed_on");
    fields.push(("signed_on", day(-365 * 21)));
    let res = specialist
        .submit("/contracts/new", "/contracts/new", &pairs(&fields))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-signed_on").as_deref(),
        Some("签订日期太早：新登记的合同不能早于二十年前。")
    );

    // Sent twice with one token: one contract, and the second lands on it.
    let token = specialist.form_token("/contracts/new").await;
    let fields = contract_fields("CH-2026-0002", "full");
    let mut all = pairs(&fields);
    all.push(("form_token", &token));
    let first = specialist.post("/contracts/new", &all).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let second = specialist.post("/contracts/new", &all).await;
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&first), location(&second));
    // Clicked many times at once: every answer leads to the one contract, none
    // says its number is taken (by the very form that filed it).
    let token = specialist.form_token("/contracts/new").await;
    let fields = contract_fields("CH-2026-0003", "full");
    let mut all = pairs(&fields);
    all.push(("form_token", &token));
    let clicks =
        futures_util::future::join_all((0..6).map(|_| specialist.post("/contracts/new", &all)))
            .await;
    let places: Vec<(u16, String)> = clicks
        .iter()
        .map(|r| (r.status().as_u16(), location(r)))
        .collect();
    assert!(
        places.iter().all(|p| p.0 == 303 && p.1 == places[0].1),
        "{places:?}"
    );
    // A new form with a number already recorded: refused on that field.
    let res = specialist
        .submit("/contracts/new", "/contracts/new", &pairs(&fields))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(!text_of(&body, "#e-contract_no").unwrap().is_empty());
    // The same number in small letters is the same number.
    let lower = contract_fields("ch-2026-0002", "full");
    let res = specialist
        .submit("/contracts/new", "/contracts/new", &pairs(&lower))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-contract_no").as_deref(),
        Some("这个合同编号已经登记过了。")
    );
    // Two colleagues record the same new number at once, in different case: one
    // contract, and the other gets the number's message, not an error page.
    let other = app.login_as(Role::CsSupervisor).await;
    let fields = contract_fields("CH-2026-0009", "full");
    let fields = pairs(&fields);
    let small = contract_fields("ch-2026-0009", "full");
    let small = pairs(&small);
    let (a, b) = tokio::join!(
        specialist.submit("/contracts/new", "/contracts/new", &fields),
        other.submit("/contracts/new", "/contracts/new", &small),
    );
    let mut statuses = [a.status().as_u16(), b.status().as_u16()];
    statuses.sort();
    assert!(
        statuses == [303, 409] || statuses == [303, 422],
        "{statuses:?}"
    );
    let mut conn = app.db().await;
    let n: i64 = sales_contracts::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(n, 3);
    // The database itself holds the rule, whatever wrote the row.
    let again = diesel::sql_query(
        "INSERT INTO sales_contracts (contract_no, project, unit, buyer, signed_on, \
         area_centi, price_fen, payment, recorded_by) \
         SELECT lower(contract_no), project, unit, buyer, signed_on, area_centi, \
         price_fen, payment, recorded_by FROM sales_contracts WHERE contract_no = 'CH-2026-0002'",
    )
    .execute(&mut conn)
    .await;
    assert!(
        matches!(
            again,
            Err(diesel::result::Error::DatabaseError(
                diesel::result::DatabaseErrorKind::UniqueViolation,
                _
            ))
        ),
        "{again:?}"
    );
}

#[tokio::test]
async fn only_contract_staff_see_and_follow_contracts_and_a_voided_contract_keeps_its_record() {
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let path = record(&specialist, "CH-2026-0003", "full").await;

    // The rule book's clauses on contracts and on the report link to the pages,
    // for those who may open them.
    assert_eq!(
        clause_link_to(&app, &specialist, "/contracts")
            .await
            .as_deref(),
        Some("登记簿：销售合同登记")
    );
    assert!(clause_link_to(&app, &specialist, "/contracts/report")
        .await
        .is_some());
    let employee = app.login_as(Role::Employee).await;
    assert_eq!(clause_link_to(&app, &employee, "/contracts").await, None);
    for p in [
        "/contracts",
        "/contracts/new",
        path.as_str(),
        "/contracts/report",
    ] {
        assert_eq!(employee.page(p).await.0, StatusCode::FORBIDDEN, "{p}");
    }
    // The manager reads, reveals the phone (audited), but takes no step.
    let manager = app.login_as(Role::CenterManager).await;
    let (status, page) = manager.page(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert!(text_of(&page, "#next-step").is_none());
    let res = manager
        .post(
            &format!("{path}/step"),
            &[("step", "filed"), ("on_date", &day(0)), ("version", "1")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = manager.post(&format!("{path}/reveal"), &[]).await;
    assert_eq!(res.status(), StatusCode::OK);
    let body = res.text().await.unwrap();
    assert_eq!(text_of(&body, "#contract-phone").unwrap(), "13912345678");
    // The supervisor follows contracts but holds no right to personal data.
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let res = supervisor.post(&format!("{path}/reveal"), &[]).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let mut conn = app.db().await;
    let views: i64 = audit_log::table
        .filter(audit_log::action.eq("contract.phone_viewed"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(views, 1);

    // Voiding needs its reason; then nothing follows, and the record stays.
    let res = take(&supervisor, &path, "void-step", &[("on_date", &day(0))]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(!text_of(&body, "#void-step-e-note").unwrap().is_empty());
    // The supervisor voids from a page read before the specialist filed it:
    // refused with a message, the reason kept, the form now at the filed
    // version.
    let (_, page) = supervisor.page(&path).await;
    let token = value_of(&page, r#"#void-step input[name="form_token"]"#).unwrap();
    let filed = [("on_date", day(0))];
    let res = take(&specialist, &path, "next-step", &pairs(&filed)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let stale = [
        ("step", "voided"),
        ("version", "1"),
        ("on_date", &day(0)),
        ("note", "客户退房"),
        ("form_token", &token),
    ];
    let res = supervisor.post(&format!("{path}/step"), &stale).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#contract-changed").is_some());
    assert_eq!(text_of(&body, "#void-step-note").unwrap(), "客户退房");
    assert_eq!(stage_of(&app, "CH-2026-0003").await.0, "filed");
    // Sent again as it came back, twice (a double click): voided once, and
    // the second lands on the contract too.
    let again =
        |name: &str| value_of(&body, &format!(r#"#void-step input[name="{name}"]"#)).unwrap();
    let (version, token) = (again("version"), again("form_token"));
    assert_eq!(version, "2");
    let void = [
        ("step", "voided"),
        ("version", &version),
        ("on_date", &day(0)),
        ("note", "客户退房"),
        ("form_token", &token),
    ];
    for _ in 0..2 {
        let res = supervisor.post(&format!("{path}/step"), &void).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&res), path);
    }
    assert_eq!(stage_of(&app, "CH-2026-0003").await.0, "voided");
    let (_, page) = specialist.page(&path).await;
    assert!(text_of(&page, "#next-step").is_none());
    assert!(page.contains("客户退房"));
    let steps: i64 = sales_contract_events::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(steps, 3, "signed, filed, voided");
    // The register's voided view lists it; the open one no more.
    let (_, open) = specialist.page("/contracts?show=open").await;
    assert!(!open.contains("CH-2026-0003"));
    let (_, voided) = specialist.page("/contracts?show=voided&lang=en").await;
    assert!(voided.contains("CH-2026-0003"));
    assert!(voided.contains("Voided"));
    // Its export keeps the filter, and carries no phone number.
    let (status, csv) = specialist.page("/contracts.csv?show=voided&lang=en").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.contains("CH-2026-0003") && csv.contains("Voided"));
    assert!(!csv.contains("5678"), "{csv}");
    let (_, open) = specialist.page("/contracts.csv?show=open").await;
    assert_eq!(open.lines().count(), 1, "{open}");
    let res = specialist.get("/contracts.xlsx?show=voided").await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(res.bytes().await.unwrap().starts_with(b"PK"));
    // So does its paper, linked from the register as filtered.
    assert!(voided.contains(r#"href="/contracts/print?show=voided""#));
    let (status, paper) = specialist.page("/contracts/print?show=voided").await;
    assert_eq!(status, StatusCode::OK);
    let rows = texts_of(&paper, "#contracts-paper tbody tr");
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert!(
        rows[0].contains("CH-2026-0003") && rows[0].contains("Voided"),
        "{rows:?}"
    );
    assert!(!paper.contains("5678"));
    assert!(paper.contains("Checked by"), "in the language chosen above");
    let (_, open) = specialist.page("/contracts/print?show=open").await;
    assert!(!open.contains("CH-2026-0003"));
}

/// The correction form's fields as the page shows them, with `changes` applied.
async fn correct(
    b: &Browser,
    form: &str,
    action: &str,
    changes: &[(&str, &str)],
) -> reqwest::Response {
    let names = [
        "contract_no",
        "project",
        "unit",
        "buyer",
        "buyer_phone",
        "signed_on",
        "area",
        "price",
        "agent",
        "surveyed",
        "version",
        "form_token",
    ];
    // The fields the form has, as it shows them.
    let mut fields: Vec<(String, String)> = names
        .iter()
        .filter_map(|n| {
            let v = value_of(form, &format!(r#"input[name="{n}"]"#))?;
            Some(((*n).to_owned(), v))
        })
        .collect();
    let payment = value_of(form, "#f-payment option[selected]").unwrap();
    fields.push(("payment".into(), payment));
    for (k, v) in changes {
        fields.retain(|(n, _)| n != k);
        fields.push(((*k).to_owned(), (*v).to_owned()));
    }
    let fields: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    b.post(action, &fields).await
}

#[tokio::test]
async fn a_contract_record_is_corrected_and_a_correction_made_meanwhile_is_not_lost() {
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let path = record(&specialist, "CH-2026-0005", "full").await;
    let edit = format!("{path}/edit");
    let (status, mine) = specialist.page(&edit).await;
    assert_eq!(status, StatusCode::OK);
    // The form shows no phone number, only that one is kept.
    assert_eq!(value_of(&mine, "#f-buyer_phone").unwrap(), "");
    assert!(text_of(&mine, "#h-buyer_phone")
        .unwrap()
        .contains("139****5678"));
    let (_, theirs) = supervisor.page(&edit).await;
    let (_, english) = specialist.page(&format!("{edit}?lang=en")).await;
    assert_eq!(text_of(&english, "h1").unwrap(), "Correct the record");
    assert!(text_of(&english, "#h-buyer_phone")
        .unwrap()
        .starts_with("Leave empty to keep 139****5678"));
    specialist.page("/contracts?lang=zh-CN").await;

    let res = correct(
        &specialist,
        &mine,
        &edit,
        &[("buyer", "周小明"), ("price", "1325500")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), path);
    let mut conn = app.db().await;
    let (buyer, price, phone, version): (String, i64, String, i32) = sales_contracts::table
        .select((
            sales_contracts::buyer,
            sales_contracts::price_fen,
            sales_contracts::buyer_phone,
            sales_contracts::version,
        ))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        (buyer.as_str(), price, phone.as_str(), version),
        ("周小明", 132_550_000, "13912345678", 2)
    );
    let (_, page) = specialist.page(&path).await;
    let history = texts_of(&page, "#contract-history tbody tr:last-child td");
    assert_eq!(history[1], "更正登记");
    assert_eq!(history[2], "买受人、合同总价（元）");
    let (_, page) = specialist.page(&format!("{path}?lang=en")).await;
    let history = texts_of(&page, "#contract-history tbody tr:last-child td");
    assert_eq!(history[2], "Buyer, Contract price (yuan)");
    // The audit log keeps what the corrected fields were.
    let details: serde_json::Value = audit_log::table
        .filter(audit_log::action.eq("contract.corrected"))
        .select(audit_log::details)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        details["before"],
        serde_json::json!({ "buyer": "周晓明", "price_fen": 132_500_000 })
    );

    // The supervisor's form was read before: it comes back with their input.
    let res = correct(
        &supervisor,
        &theirs,
        &edit,
        &[("unit", "5栋-1单元-09-0903")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let again = res.text().await.unwrap();
    assert!(!text_of(&again, "#f-version").unwrap().is_empty());
    assert_eq!(value_of(&again, "#f-unit").unwrap(), "5栋-1单元-09-0903");
    assert_eq!(value_of(&again, r#"input[name="version"]"#).unwrap(), "2");
    // Filed meanwhile: the payment is fixed, and the signing date stays before
    // the filing.
    let res = take(&specialist, &path, "next-step", &[("on_date", &day(-1))]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, form) = supervisor.page(&edit).await;
    let res = correct(
        &supervisor,
        &form,
        &edit,
        &[("payment", "mortgage"), ("signed_on", &day(0))],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(!text_of(&body, "#e-payment").unwrap().is_empty());
    assert!(!text_of(&body, "#e-signed_on").unwrap().is_empty());
    let audited: i64 = audit_log::table
        .filter(audit_log::action.eq("contract.corrected"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(audited, 1);

    // The buyer's phone is removed on request; a new number with the tick is
    // a contradiction, said on the field, the tick kept.
    let (_, form) = specialist.page(&format!("{edit}?lang=zh-CN")).await;
    let both = correct(
        &specialist,
        &form,
        &edit,
        &[("buyer_phone", "13800000000"), ("clear_phone", "1")],
    )
    .await;
    assert_eq!(both.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = both.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-buyer_phone").unwrap(),
        "已勾选删除电话：请清空新号码，或取消勾选。"
    );
    assert!(attr_of(&body, "#f-clear_phone", "checked").is_some());
    assert_eq!(
        text_of(&body, r#"label[for="f-clear_phone"]"#).unwrap(),
        "删除登记的电话 139****5678"
    );
    let res = correct(&specialist, &form, &edit, &[("clear_phone", "1")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let phone: String = sales_contracts::table
        .select(sales_contracts::buyer_phone)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(phone, "");
    let (_, form) = specialist.page(&edit).await;
    assert!(
        text_of(&form, r#"label[for="f-clear_phone"]"#).is_none(),
        "nothing left to remove"
    );

    // The manager reads contracts but corrects none.
    let manager = app.login_as(Role::CenterManager).await;
    assert_eq!(manager.page(&edit).await.0, StatusCode::FORBIDDEN);
    let (_, page) = manager.page(&path).await;
    assert!(text_of(&page, "#contract-correct").is_none());
}

/// Records a contract signed `signed` days from today and takes its steps, each
/// `(step's form fields)` in turn; returns its page's path.
async fn contract_at(
    b: &Browser,
    no: &str,
    payment: &'static str,
    signed: i64,
    steps: &[i64],
) -> String {
    let mut fields = contract_fields(no, payment);
    fields.retain(|(k, _)| *k != "signed_on");
    fields.push(("signed_on", day(signed)));
    let res = b
        .submit("/contracts/new", "/contracts/new", &pairs(&fields))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{no}");
    let path = location(&res);
    for offset in steps {
        let res = take(b, &path, "next-step", &[("on_date", &day(*offset))]).await;
        assert_eq!(
            res.status(),
            StatusCode::SEE_OTHER,
            "{no}, step on {offset}"
        );
    }
    path
}

#[tokio::test]
async fn the_morning_sheet_lists_contracts_waiting_too_long_for_the_departments_next_step() {
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    // Signed and handed to customer service three days ago, not filed: listed
    // (filing may wait 2 days). The clock runs from the hand-over (B4: 合同一旦
    // 签订转回客服后), the day it is recorded: set straight in the table.
    let recorded = async |no: &str, days_ago: i64| {
        diesel::update(sales_contracts::table.filter(sales_contracts::contract_no.eq(no)))
            .set(
                sales_contracts::recorded_at
                    .eq(chrono::Utc::now() - chrono::Duration::days(days_ago)),
            )
            .execute(&mut app.db().await)
            .await
            .unwrap();
    };
    contract_at(&specialist, "W-SIGNED-OLD", "full", -3, &[]).await;
    recorded("W-SIGNED-OLD", 3).await;
    // Signed yesterday: not yet.
    contract_at(&specialist, "W-SIGNED-NEW", "full", -1, &[]).await;
    recorded("W-SIGNED-NEW", 1).await;
    // Signed ten days ago, but handed over by sales only yesterday: not yet.
    contract_at(&specialist, "W-SIGNED-LATE", "full", -10, &[]).await;
    recorded("W-SIGNED-LATE", 1).await;
    // A mortgage back from filing two days ago, the agent not told: listed.
    contract_at(&specialist, "W-AGENT", "mortgage", -5, &[-2]).await;
    // Paid in full, back from filing today: the customer may be told today.
    contract_at(&specialist, "W-FILED-TODAY", "full", -5, &[0]).await;
    // The agent signed for it two days ago: the loan may take two weeks.
    contract_at(&specialist, "W-LOAN", "mortgage", -5, &[-3, -2]).await;
    // The loan came in two days ago, the customer not told: listed, by the
    // loan's date (which only the history holds).
    contract_at(&specialist, "W-TELL", "mortgage", -6, &[-4, -3, -2]).await;
    // Told: now it waits for the customer, not for us.
    let told = contract_at(&specialist, "W-TOLD", "full", -20, &[-19]).await;
    let res = take(
        &specialist,
        &told,
        "next-step",
        &[("on_date", &day(-18)), ("deed_tax_due", &day(60))],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    // A certificate in for eight days, the buyer not told: listed; one in
    // today: not yet; one whose buyer was told: it waits for the buyer. (The
    // project's end, set straight in the table.)
    for (no, received, told) in [
        ("W-CERT-OLD", -8, None),
        ("W-CERT-NEW", 0, None),
        ("W-CERT-TOLD", -8, Some(-7)),
    ] {
        contract_at(&specialist, no, "full", -300, &[]).await;
        let mut conn = app.db().await;
        diesel::update(sales_contracts::table.filter(sales_contracts::contract_no.eq(no)))
            .set((
                sales_contracts::stage.eq("collected"),
                sales_contracts::collected_on.eq(today() - chrono::Duration::days(200)),
                sales_contracts::surveyed_centi.eq(8956),
                sales_contracts::adjust_fen.eq(0),
                sales_contracts::cert_no.eq("粤房地权证第0001号"),
                sales_contracts::cert_received_on.eq(today() + chrono::Duration::days(received)),
                sales_contracts::cert_notified_on
                    .eq(told.map(|d| today() + chrono::Duration::days(d))),
            ))
            .execute(&mut conn)
            .await
            .unwrap();
    }

    // Each stage filter of the register, latest signing first.
    for (show, expected) in [
        (
            "signed",
            &["W-SIGNED-LATE", "W-SIGNED-NEW", "W-SIGNED-OLD"][..],
        ),
        (
            "mortgage",
            &["W-AGENT", "W-FILED-TODAY", "W-LOAN", "W-TELL"][..],
        ),
        ("notified", &["W-TOLD"][..]),
        (
            "collected",
            &["W-CERT-NEW", "W-CERT-OLD", "W-CERT-TOLD"][..],
        ),
        (
            "certificate",
            &["W-CERT-NEW", "W-CERT-OLD", "W-CERT-TOLD"][..],
        ),
    ] {
        let (_, list) = specialist.page(&format!("/contracts?show={show}")).await;
        let mut shown = texts_of(&list, "#contracts td:first-child a");
        shown.sort();
        assert_eq!(shown, expected, "{show}");
    }

    // The supervisor's sheet: the longest waiting first, each with the step it
    // waits for and since when.
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (status, sheet) = supervisor.page("/meetings/morning").await;
    assert_eq!(status, StatusCode::OK);
    let lines = texts_of(&sheet, "#sheet-contracts li");
    let listed: Vec<&str> = lines
        .iter()
        .map(|l| l.split(" · ").next().unwrap())
        .collect();
    assert_eq!(
        listed,
        ["W-CERT-OLD", "W-SIGNED-OLD", "W-AGENT", "W-TELL"],
        "{lines:?}"
    );
    assert!(
        lines[0].contains("通知客户领取产权证") && lines[0].contains("已 8 天"),
        "{}",
        lines[0]
    );
    assert!(lines[1].contains("待办：备案"), "{}", lines[1]);
    assert!(lines[2].contains("中介签字领取") && lines[2].contains(&day(-2)));
    assert!(lines[3].contains("通知客户领取") && lines[3].contains("已 2 天"));
    let hint = text_of(&sheet, "#sheet-contracts .hint").unwrap();
    assert!(hint.contains("转回客服（登记）满 3 天仍未备案"), "{hint}");
    // The register lists the same, and the handbook's clauses count them.
    let (_, list) = supervisor.page("/contracts?show=waiting").await;
    assert_eq!(
        texts_of(&list, "#contracts td:first-child a"),
        listed,
        "the register's waiting filter"
    );
    assert!(text_of(&list, "#waiting-hint")
        .unwrap()
        .contains("满 14 天"));
    let csv = supervisor.get("/contracts.csv?show=waiting").await;
    let csv = csv.text().await.unwrap();
    assert!(csv.contains("W-TELL") && !csv.contains("W-LOAN"), "{csv}");
    let waiting = async || {
        clause_link_to(&app, &specialist, "/contracts?show=waiting")
            .await
            .unwrap()
    };
    assert!(
        waiting().await.ends_with("超期待办 · 4 份"),
        "{}",
        waiting().await
    );
    let signed_old = attr_of(&sheet, "#sheet-contracts li:nth-child(2) a", "href").unwrap();
    let (_, page) = supervisor.page(&signed_old).await;
    assert_eq!(text_of(&page, "#contract-stage").unwrap(), "待备案");

    // Filing it takes it off the sheet.
    let res = take(
        &specialist,
        &signed_old,
        "next-step",
        &[("on_date", &day(0))],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert!(
        waiting().await.ends_with("超期待办 · 3 份"),
        "the count follows the step"
    );
    let (_, sheet) = supervisor.page("/meetings/morning?lang=en").await;
    assert_eq!(
        text_of(&sheet, "#sheet-contracts h2").unwrap(),
        "Contracts waiting for our next step (3)"
    );
    assert!(texts_of(&sheet, "#sheet-contracts li")[1].contains("next: Agent signs for it"));

    // The archive keeper reads the sheet but not the contracts: no such section.
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let (status, sheet) = keeper.page("/meetings/morning").await;
    assert_eq!(status, StatusCode::OK);
    assert!(text_of(&sheet, "#sheet-contracts").is_none());
}

#[tokio::test]
async fn the_waiting_list_says_when_more_wait_than_it_shows() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let me = crate::approvals::user_id(&app, "specialist").await;
    let insert = |from: i32, to: i32| {
        format!(
            "INSERT INTO sales_contracts (contract_no, project, unit, buyer, signed_on, \
             area_centi, price_fen, payment, recorded_by, recorded_at) \
             SELECT 'W-' || g, '翠湖苑', '1-1-01-0' || g, '买受人' || g, \
             current_date - 10 - g, 9000, 100000000, 'full', {me}, \
             now() - (10 + g) * interval '1 day' \
             FROM generate_series({from}, {to}) g"
        )
    };
    let mut conn = app.db().await;
    conn.batch_execute(&insert(1, 200)).await.unwrap();
    let (_, page) = specialist.page("/contracts?show=waiting").await;
    assert_eq!(texts_of(&page, "#contracts tbody tr").len(), 200);
    assert!(text_of(&page, "#waiting-more").is_none(), "all are shown");

    conn.batch_execute(&insert(201, 201)).await.unwrap();
    let (_, page) = specialist.page("/contracts?show=waiting").await;
    assert_eq!(texts_of(&page, "#contracts tbody tr").len(), 200);
    let more = text_of(&page, "#waiting-more").unwrap();
    assert!(more.contains("等待最久的 200 份"), "{more}");
    assert!(page.contains("W-201"), "the longest waiting first");
    let csv = specialist.get("/contracts.csv?show=waiting").await;
    assert_eq!(
        csv.text().await.unwrap().lines().count(),
        202,
        "the export lists all"
    );
    // A search reads every waiting contract, not only the 200 shown: W-1,
    // the shortest waiting of 202, is found with the 110 others its buyer's
    // name starts (买受人1, 买受人10…19, 买受人100…199).
    conn.batch_execute(&insert(202, 202)).await.unwrap();
    let (_, found) = specialist.page("/contracts?show=waiting&q=买受人1").await;
    let numbers = texts_of(&found, "#contracts td:first-child a");
    assert_eq!(numbers.len(), 111, "{numbers:?}");
    assert!(numbers.iter().any(|n| n == "W-1"), "{numbers:?}");
}

/// Only a mortgage has an agent for its formalities: a contract recorded as paid
/// in full, or corrected to it, keeps none of what was typed for one.
/// A contract voided before it was filed keeps its payment, and the correction
/// form says it is voided, not filed.
#[tokio::test]
async fn a_contract_voided_before_filing_says_so_when_its_payment_is_changed() {
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let path = record(&specialist, "CH-2026-0009", "full").await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let void = [("on_date", day(0)), ("note", "客户退房".to_owned())];
    let res = take(&supervisor, &path, "void-step", &pairs(&void)).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(stage_of(&app, "CH-2026-0009").await.0, "voided");
    let edit = format!("{path}/edit");
    let (_, form) = specialist.page(&edit).await;
    let res = correct(&specialist, &form, &edit, &[("payment", "mortgage")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-payment").as_deref(),
        Some("合同已作废，付款方式不能再改。")
    );
}

#[tokio::test]
async fn a_contract_paid_in_full_keeps_no_agent() {
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let agent_of = async |no: &str| -> String {
        sales_contracts::table
            .filter(sales_contracts::contract_no.eq(no))
            .select(sales_contracts::agent)
            .first(&mut app.db().await)
            .await
            .unwrap()
    };
    let full = record(&specialist, "CH-2026-0101", "full").await;
    assert_eq!(agent_of("CH-2026-0101").await, "");
    let (_, page) = specialist.page(&full).await;
    assert!(!page.contains("安居房产中介"), "{page}");

    let mortgage = record(&specialist, "CH-2026-0102", "mortgage").await;
    assert_eq!(agent_of("CH-2026-0102").await, "安居房产中介");
    let edit = format!("{mortgage}/edit");
    let (_, form) = specialist.page(&edit).await;
    assert_eq!(value_of(&form, "#f-agent").unwrap(), "安居房产中介");
    let res = correct(&specialist, &form, &edit, &[("payment", "full")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(agent_of("CH-2026-0102").await, "");
    let (_, page) = specialist.page(&mortgage).await;
    assert!(!page.contains("安居房产中介"), "{page}");
}

#[tokio::test]
async fn a_corrected_signing_day_moves_the_contract_in_the_report_and_its_history() {
    use chrono::Datelike;
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let path = record(&specialist, "CH-2026-0007", "mortgage").await;
    // Signed, in truth, in the month before.
    let signed = today().with_day(1).unwrap() - chrono::Duration::days(5);
    let (_, form) = specialist.page(&format!("{path}/edit")).await;
    let res = correct(
        &specialist,
        &form,
        &format!("{path}/edit"),
        &[("signed_on", &signed.to_string())],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let signed_in = |month: String| {
        let specialist = &specialist;
        async move {
            let (_, report) = specialist
                .page(&format!("/contracts/report?month={month}"))
                .await;
            let row = texts_of(&report, "#contract-report tbody tr:first-child td");
            row.into_iter().next()
        }
    };
    let month = signed.format("%Y-%m").to_string();
    assert_eq!(signed_in(month).await.as_deref(), Some("1"));
    let this_month = today().format("%Y-%m").to_string();
    assert_ne!(signed_in(this_month).await.as_deref(), Some("1"));
    let (_, page) = specialist.page(&path).await;
    let first = texts_of(&page, "#contract-history tbody tr:first-child td");
    assert!(first.contains(&signed.to_string()), "{first:?}");

    // Filed the day after the true signing day: no longer "before the last step".
    let filed = (signed + chrono::Duration::days(1)).to_string();
    let res = take(&specialist, &path, "next-step", &[("on_date", &filed)]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn the_register_finds_a_contract_by_part_of_its_number_buyer_or_unit() {
    let app = TestApp::spawn().await;
    kefu::contracts::seed_demo(&mut app.db().await, &app.config)
        .await
        .unwrap();
    let specialist = app.login_as(Role::CsSpecialist).await;
    let numbers = |html: &str| texts_of(html, "#contracts tbody td:first-child a");

    let (_, all) = specialist.page("/contracts?show=all").await;
    assert_eq!(numbers(&all).len(), 5, "the demo's five contracts");
    // Any case, any part; a `%` typed is a `%`.
    for (q, found) in [
        ("bs-2026-0101", vec!["BS-2026-0101"]),
        ("周明", vec!["BS-2026-0101"]),
        ("1503", vec!["BS-2026-0095"]),
        ("%", vec![]),
    ] {
        let url = format!("/contracts?show=all&q={}", urlencoding(q));
        let (status, page) = specialist.page(&url).await;
        assert_eq!(status, StatusCode::OK, "{q}");
        assert_eq!(numbers(&page), found, "{q}");
        assert_eq!(value_of(&page, "#f-q").as_deref(), Some(q), "kept");
    }

    // Print and export keep the search.
    let (_, page) = specialist
        .page("/contracts?show=all&q=%E5%91%A8%E6%98%8E")
        .await;
    let print = attr_of(&page, "#contracts-print", "href").unwrap();
    assert_eq!(print, "/contracts/print?show=all&q=%E5%91%A8%E6%98%8E");
    let (_, paper) = specialist.page(&print).await;
    assert!(paper.contains("搜索“周明”") && paper.contains("BS-2026-0101"));
    assert!(!paper.contains("BS-2026-0095"));
    let csv = specialist
        .get("/contracts.csv?show=all&q=%E5%91%A8%E6%98%8E")
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(csv.trim_end().lines().count(), 2, "{csv}");
}

/// `s` percent-encoded for a query string.
fn urlencoding(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// A collected contract is voided only when the buyer withdraws over an area
/// more than 3% off the one sold, and only before the certificate is issued.
/// A contract signed 30 days ago, taken through the steps dated `steps` days
/// from today, collected 20 days ago (set straight in the table), and its
/// `surveyed` area registered through the page: its page's path.
async fn surveyed_contract(
    app: &TestApp,
    b: &Browser,
    no: &str,
    steps: &[i64],
    surveyed: &str,
) -> String {
    let path = contract_at(b, no, "full", -30, steps).await;
    diesel::update(sales_contracts::table.filter(sales_contracts::contract_no.eq(no)))
        .set((
            sales_contracts::stage.eq("collected"),
            sales_contracts::collected_on.eq(today() - chrono::Duration::days(20)),
        ))
        .execute(&mut app.db().await)
        .await
        .unwrap();
    let res = take(
        b,
        &path,
        "cert-step",
        &[("on_date", &day(0)), ("surveyed", surveyed)],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "{no}");
    path
}

#[tokio::test]
async fn a_buyer_may_withdraw_over_an_area_more_than_three_percent_off() {
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let mut paths = vec![];
    for (no, surveyed) in [("WD-NEAR", "90.00"), ("WD-FAR", "94.04")] {
        paths.push(surveyed_contract(&app, &specialist, no, &[], surveyed).await);
    }
    let (near, far) = (&paths[0], &paths[1]);
    let (_, page) = specialist.page(near).await;
    assert!(text_of(&page, "#void-step").is_none(), "within 3%");
    let (_, page) = specialist.page(far).await;
    assert!(text_of(&page, "#contract-settlement")
        .unwrap()
        .contains("买受人有权退房"));
    assert!(text_of(&page, "#void-step").is_some(), "beyond 3%");

    // The reason is asked for, and the input kept.
    let res = take(&specialist, far, "void-step", &[("on_date", &day(0))]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let res = take(
        &specialist,
        far,
        "void-step",
        &[
            ("on_date", &day(0)),
            ("note", "产权面积比预售面积多 5%，买受人退房"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(stage_of(&app, "WD-FAR").await.0, "voided");
    let (_, page) = specialist.page(far).await;
    assert!(text_of(&page, "#cert-step").is_none(), "nothing follows");
    assert!(text_of(&page, "#void-step").is_none());
    assert_eq!(stage_of(&app, "WD-NEAR").await.0, "collected");
}

/// What a filed contract says of the sale is on record at the housing bureau,
/// and its certificate later goes to the buyer it names: the specialist who
/// follows it corrects the phone and agent, the supervisor the rest, and no
/// one the buyer once the certificate was issued.
#[tokio::test]
async fn a_filed_contracts_sale_is_corrected_by_the_supervisor_only() {
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let path = record(&specialist, "CH-2026-0100", "full").await;
    let edit = format!("{path}/edit");
    let (_, before) = specialist.page(&edit).await;
    assert!(text_of(&before, "#filed-locked").is_none(), "not filed yet");
    let res = take(&specialist, &path, "next-step", &[("on_date", &day(-1))]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let (_, form) = specialist.page(&edit).await;
    assert!(text_of(&form, "#filed-locked")
        .unwrap()
        .contains("只能由客服主管更正"));
    let res = correct(
        &specialist,
        &form,
        &edit,
        &[
            ("buyer", "李四"),
            ("unit", "5栋-1单元-09-0903"),
            ("agent", "新中介"),
        ],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    for field in ["buyer", "unit"] {
        assert_eq!(
            text_of(&body, &format!("#e-{field}")).as_deref(),
            Some("合同已在房管局备案，这一项只能由客服主管更正。"),
            "{field}"
        );
    }
    assert_eq!(value_of(&body, "#f-buyer").as_deref(), Some("李四"));
    assert_eq!(value_of(&body, "#f-agent").as_deref(), Some("新中介"));
    let buyer = || async {
        sales_contracts::table
            .select(sales_contracts::buyer)
            .first::<String>(&mut app.db().await)
            .await
            .unwrap()
    };
    assert_eq!(buyer().await, "周晓明", "nothing written");
    // The phone and agent are the specialist's to correct.
    let res = correct(&specialist, &form, &edit, &[("agent", "新中介")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let (_, theirs) = supervisor.page(&edit).await;
    assert!(text_of(&theirs, "#filed-locked").is_none());
    let res = correct(&supervisor, &theirs, &edit, &[("buyer", "周小明")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(buyer().await, "周小明");

    // Issued to 周小明 (set straight in the table): the buyer stays.
    diesel::update(sales_contracts::table)
        .set((
            sales_contracts::stage.eq("collected"),
            sales_contracts::collected_on.eq(today()),
            sales_contracts::cert_issued_on.eq(today()),
            sales_contracts::cert_signed_by.eq("周小明"),
        ))
        .execute(&mut app.db().await)
        .await
        .unwrap();
    app.settle().await;
    let (_, theirs) = supervisor.page(&edit).await;
    let res = correct(&supervisor, &theirs, &edit, &[("buyer", "李四")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        text_of(&res.text().await.unwrap(), "#e-buyer").as_deref(),
        Some("产权证已发给买受人本人，买受人不能再改。")
    );
    assert_eq!(buyer().await, "周小明");
}

/// The register's search reads the contracts that match by their trigram
/// index, not every contract: among twenty thousand, finding one buyer reads
/// about what the first page does.
#[tokio::test]
async fn a_search_among_many_contracts_reads_no_more_than_the_first_page() {
    use diesel_async::SimpleAsyncConnection;
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    app.db()
        .await
        .batch_execute(
            "INSERT INTO sales_contracts (contract_no, project, unit, buyer, signed_on, \
                 area_centi, price_fen, payment, recorded_by) \
             SELECT 'GEN-' || g, '碧水花园', g || '栋', '买受人' || g, current_date - (g % 300), \
                 8956, 132500000, 'full', (SELECT min(id) FROM users) \
             FROM generate_series(1, 20000) g; \
             UPDATE sales_contracts SET buyer = '欧阳娜娜' WHERE contract_no = 'GEN-17'; \
             ANALYZE sales_contracts",
        )
        .await
        .unwrap();
    app.settle().await;

    let path = format!("/contracts?show=all&q={}", urlencoding("欧阳娜"));
    let (_, found) = specialist.page(&path).await;
    assert_eq!(
        texts_of(&found, "#contracts tbody td:first-child a"),
        ["GEN-17"]
    );
    let first = app
        .blocks_read_for(&specialist, "/contracts?show=all")
        .await;
    let searched = app.blocks_read_for(&specialist, &path).await;
    assert!(
        searched <= first + 40,
        "{searched} buffers read for the search, {first} for the first page"
    );
}

/// A surveyed area mistyped when it was registered is corrected on the
/// contract's correction form, by whoever follows the contract, and the refund
/// or top-up is worked out again; a figure far from the pre-sale area needs
/// its confirmation, as when it was registered; once the difference is settled
/// the area is fixed.
#[tokio::test]
async fn a_mistyped_surveyed_area_is_corrected_until_the_difference_is_settled() {
    use kefu::contracts::area::settle;
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let no = "SV-2026-0001";
    // Filed, collected; 89.73 m² measured, 89.37 typed: a refund where a
    // top-up is due.
    let path = surveyed_contract(&app, &specialist, no, &[-25], "89.37").await;
    let surveyed = async || -> (Option<i32>, Option<i64>) {
        sales_contracts::table
            .filter(sales_contracts::contract_no.eq(no))
            .select((sales_contracts::surveyed_centi, sales_contracts::adjust_fen))
            .first(&mut app.db().await)
            .await
            .unwrap()
    };
    let price = 132_500_000;
    let refund = settle(8956, 8937, price).adjust_fen;
    assert!(refund < 0);
    assert_eq!(surveyed().await, (Some(8937), Some(refund)));

    let edit = format!("{path}/edit");
    let (_, form) = specialist.page(&edit).await;
    assert_eq!(value_of(&form, "#f-surveyed").as_deref(), Some("89.37"));
    // Far from the pre-sale area: asked to confirm, the input kept.
    let res = correct(&specialist, &form, &edit, &[("surveyed", "8973")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-surveyed")
        .unwrap()
        .contains("相差超过一成"));
    assert_eq!(value_of(&body, "#f-surveyed").as_deref(), Some("8973"));
    assert!(text_of(&body, "label[for=f-confirm_surveyed]").is_some());
    assert_eq!(surveyed().await, (Some(8937), Some(refund)));

    let res = correct(&specialist, &body, &edit, &[("surveyed", "89.73")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let top_up = settle(8956, 8973, price).adjust_fen;
    assert!(top_up > 0);
    assert_eq!(surveyed().await, (Some(8973), Some(top_up)));
    let (_, page) = specialist.page(&path).await;
    assert!(text_of(&page, "#contract-settlement")
        .unwrap()
        .contains("89.73"));
    let history = texts_of(&page, "#contract-history tbody tr:last-child td");
    assert_eq!(history[1], "更正登记");
    assert_eq!(history[2], "产权面积（㎡）");
    let before: serde_json::Value = audit_log::table
        .filter(audit_log::action.eq("contract.corrected"))
        .select(audit_log::details)
        .first(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(before["before"]["surveyed_centi"], 8937);
    // The price corrected (by the supervisor: the contract is filed) sets the
    // top-up again.
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (_, form) = supervisor.page(&edit).await;
    let res = correct(&supervisor, &form, &edit, &[("price", "1330000")]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let top_up = settle(8956, 8973, 133_000_000).adjust_fen;
    assert_eq!(surveyed().await, (Some(8973), Some(top_up)));
    // A surveyed area is weighed against the pre-sale area the same form
    // gives: 89.00 is near 89.56, far from 80.
    let (_, form) = supervisor.page(&edit).await;
    let res = correct(
        &supervisor,
        &form,
        &edit,
        &[("area", "80"), ("surveyed", "89.00")],
    )
    .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-surveyed")
        .unwrap()
        .contains("预售面积 80 ㎡"));
    assert!(text_of(&body, "label[for=f-confirm_surveyed]").is_some());
    assert_eq!(surveyed().await, (Some(8973), Some(top_up)));

    // Settled: the area is no longer offered for correction, nor taken, and
    // the pre-sale area and price are fixed.
    let res = take(&specialist, &path, "cert-step", &[("on_date", &day(0))]).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (_, form) = specialist.page(&edit).await;
    assert_eq!(value_of(&form, "#f-surveyed"), None);
    let res = correct(&specialist, &form, &edit, &[("surveyed", "89.56")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, ".error-summary")
        .unwrap()
        .contains("产权面积不能再更正"));
    let (_, form) = supervisor.page(&edit).await;
    let res = correct(&supervisor, &form, &edit, &[("price", "1325000")]).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-price").unwrap().contains("不能再改"));
    assert_eq!(surveyed().await, (Some(8973), Some(top_up)));
}
