//! Property structure: rooms in bulk, residents' personal data, imports.
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::schema::{audit_log, residents, rooms};
use reqwest::StatusCode;

use crate::helpers::*;

pub async fn new_project(b: &Browser, name: &str) -> i64 {
    let res = b
        .submit(
            "/properties",
            "/properties",
            &[("name", name), ("address", "深圳市南山区")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    location(&res).rsplit('/').next().unwrap().parse().unwrap()
}

pub async fn upload(
    b: &Browser,
    project: i64,
    filename: &str,
    content: Vec<u8>,
) -> reqwest::Response {
    let (_, page) = b.page(&format!("/properties/{project}/import")).await;
    let once = value_of(&page, r#"input[name="form_token"]"#).unwrap();
    upload_with(b, project, filename, content, &once).await
}

/// As [`upload`], with the form's one-time token `once` as the page gave it.
async fn upload_with(
    b: &Browser,
    project: i64,
    filename: &str,
    content: Vec<u8>,
    once: &str,
) -> reqwest::Response {
    let token = b.csrf().await;
    let form = reqwest::multipart::Form::new()
        .text("csrf_token", token)
        .text("form_token", once.to_owned())
        .part(
            "file",
            reqwest::multipart::Part::bytes(content).file_name(filename.to_owned()),
        );
    b.client
        .post(b.url(&format!("/properties/{project}/import")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// The upload sent twice (a double click, the back button) keeps the file
/// once and leads to the preview the first one made.
#[tokio::test]
async fn a_room_list_sent_twice_is_kept_once() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CsSpecialist).await;
    let project = new_project(&b, "金色家园").await;
    let (_, page) = b.page(&format!("/properties/{project}/import")).await;
    let once = value_of(&page, r#"input[name="form_token"]"#).unwrap();
    let csv = "栋号,单元,楼层,房号\n1,1,3,301\n".as_bytes().to_vec();

    let first = upload_with(&b, project, "rooms.csv", csv.clone(), &once).await;
    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let preview = location(&first);
    assert!(preview.starts_with("/properties/imports/"), "{preview}");
    let second = upload_with(&b, project, "rooms.csv", csv.clone(), &once).await;
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&second), preview);
    assert_eq!(count(&app, "room_imports").await, 1);
    // A form without its token keeps nothing and says why.
    let res = upload_with(&b, project, "rooms.csv", csv, "").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(!text_of(&body, "#e-file").unwrap().is_empty());
    assert_eq!(count(&app, "room_imports").await, 1);
}

async fn count(app: &TestApp, table: &str) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct N {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let mut conn = app.db().await;
    let row: N = diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
        .get_result(&mut conn)
        .await
        .unwrap();
    row.n
}

#[tokio::test]
async fn an_import_with_a_bad_row_commits_nothing_and_names_the_row() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CsSpecialist).await;
    let project = new_project(&b, "碧水花园").await;
    let bad = "栋号,单元,楼层,房号,类型,名称,住户类型,住户姓名,电话,证件类型,证件号码\n\
               1,1,3,301,住宅,,业主,王小明,13812345678,身份证,11010519491231002X\n\
               1,1,三,302,住宅,,业主,李四,12345,身份证,110105194912310021\n";

    let res = upload(&b, project, "rooms.csv", bad.as_bytes().to_vec()).await;

    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (status, preview) = b.page(&location(&res)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        preview.contains("2 行中有 1 行有问题"),
        "the summary says so"
    );
    let doc = scraper::Html::parse_document(&preview);
    let bad_row = doc
        .select(&scraper::Selector::parse("tr.row-error").unwrap())
        .next()
        .expect("the bad row is marked")
        .text()
        .collect::<String>();
    assert!(
        bad_row.trim_start().starts_with('3'),
        "line 3 as a spreadsheet counts: {bad_row}"
    );
    for reason in ["楼层应为", "电话号码格式不正确", "校验码不正确"] {
        assert!(bad_row.contains(reason), "{reason} in {bad_row}");
    }
    assert!(
        preview.contains("110***********002X"),
        "personal data masked in the preview"
    );
    assert!(!preview.contains("11010519491231002X"));
    assert!(!preview.contains("确认导入"), "no commit button");
    let import_id = location(&res).rsplit('/').next().unwrap().to_owned();
    let forced = b
        .post(&format!("/properties/imports/{import_id}/commit"), &[])
        .await;
    assert_eq!(forced.status(), StatusCode::SEE_OTHER);
    assert_eq!(count(&app, "rooms").await, 0, "nothing committed");
    assert_eq!(count(&app, "buildings").await, 0);
}

#[tokio::test]
async fn an_import_names_missing_columns_in_the_readers_language_and_caps_document_numbers() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CsSpecialist).await;
    let project = new_project(&b, "碧水花园").await;
    b.page("/properties?lang=en").await;
    let res = upload(&b, project, "rooms.csv", "building,room\n1,301\n".into()).await;
    // Kept, then read on its preview, which names what is missing.
    let (_, body) = b.page(&location(&res)).await;
    assert!(body.contains("floor (楼层)"), "{body}");

    b.page("/properties?lang=zh-CN").await;
    let long = "P".repeat(41);
    let list = format!(
        "栋号,单元,楼层,房号,住户类型,住户姓名,证件类型,证件号码\n1,1,3,301,业主,王小明,护照,{long}\n"
    );
    let res = upload(&b, project, "rooms.csv", list.into_bytes()).await;
    let (_, preview) = b.page(&location(&res)).await;
    assert!(preview.contains("证件号码最多 40 个字符"), "{preview}");
    assert!(!preview.contains("确认导入"), "no commit button");
}

/// A list typed in English passes whatever the case of its words, and a type
/// not understood is answered with the words that are.
#[tokio::test]
async fn an_english_list_is_read_in_any_case_and_a_bad_type_names_the_choices() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CsSpecialist).await;
    let project = new_project(&b, "碧水花园").await;
    b.page("/properties?lang=en").await;
    let list =
        "building,unit,floor,room,kind,name,resident_kind,resident_name,phone,id_type,id_number\n\
                1,1,3,301,Home,,Owner,Wang Xiaoming,,Passport,E12345678\n\
                1,,-1,B101,FACILITY,Pump room,,,,,\n";
    let res = upload(&b, project, "rooms.csv", list.as_bytes().to_vec()).await;
    let (_, preview) = b.page(&location(&res)).await;
    assert!(
        texts_of(&preview, "tr.row-error").is_empty(),
        "{:?}",
        texts_of(&preview, "tr.row-error")
    );
    assert!(
        attr_of(&preview, r#"form[action$="/commit"]"#, "action").is_some(),
        "the rows can be imported"
    );

    let bad =
        "building,floor,room,resident_name,id_type,id_number\n1,3,302,Li Si,driving licence,X1\n";
    let res = upload(&b, project, "rooms.csv", bad.as_bytes().to_vec()).await;
    let (_, preview) = b.page(&location(&res)).await;
    let row = texts_of(&preview, "tr.row-error").join(" ");
    assert!(row.contains("护照 or passport"), "{row}");
    b.page("/properties?lang=zh-CN").await;
    let (_, zh) = b.page(&location(&res)).await;
    let row = texts_of(&zh, "tr.row-error").join(" ");
    assert!(row.contains("证件类型应为身份证、护照"), "{row}");
}

/// The template is named in the reader's language and reads back as it is.
#[tokio::test]
async fn the_template_is_named_in_the_readers_language_and_reads_back() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CsSpecialist).await;
    let project = new_project(&b, "碧水花园").await;
    for (lang, name, header) in [
        ("en", "Room%20list%20template.csv", "building,unit"),
        ("zh-CN", "%E6%88%BF%E9%97%B4", "栋号,"),
    ] {
        b.page(&format!("/properties?lang={lang}")).await;
        let res = b.get("/properties/import-template.csv").await;
        assert_eq!(res.status(), StatusCode::OK);
        let named = res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(named.contains("filename=\"rooms-template.csv\""), "{named}");
        assert!(
            named.contains(&format!("filename*=UTF-8''{name}")),
            "{named}"
        );
        let csv = res.bytes().await.unwrap().to_vec();
        assert!(
            String::from_utf8_lossy(&csv)
                .trim_start_matches('\u{feff}')
                .starts_with(header),
            "{lang}"
        );
        let res = upload(&b, project, "template.csv", csv).await;
        let (_, preview) = b.page(&location(&res)).await;
        assert!(
            texts_of(&preview, "tr.row-error").is_empty(),
            "{lang}: {:?}",
            texts_of(&preview, "tr.row-error")
        );
    }
}

#[tokio::test]
async fn a_clean_import_commits_every_row_once() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CsSpecialist).await;
    let project = new_project(&b, "碧水花园").await;
    let good = "栋号,单元,楼层,房号,类型,名称,住户类型,住户姓名,电话,证件类型,证件号码\n\
                1,1,3,301,住宅,,业主,王小明,13812345678,身份证,11010519491231002X\n\
                1,1,3,301,住宅,,租户,赵六,,,\n\
                1,1,3,302,住宅,,,,,,\n\
                2,,-1,B101,设施设备房,配\0电房,,,,,\n";
    // The NUL in a cell is dropped (PostgreSQL could not store it).
    let res = upload(&b, project, "rooms.csv", good.as_bytes().to_vec()).await;
    let preview_url = location(&res);
    let (_, preview) = b.page(&preview_url).await;
    assert!(preview.contains("全部 4 行检查通过"));
    // Waiting for its commit, the file is sealed: no number in the table.
    {
        let mut conn = app.db().await;
        let stored: Vec<u8> = kefu::schema::room_imports::table
            .select(kefu::schema::room_imports::content)
            .first(&mut conn)
            .await
            .unwrap();
        let stored = String::from_utf8_lossy(&stored);
        assert!(stored.starts_with("kefu sealed file v1"), "{stored}");
        assert!(!stored.contains("1101051949") && !stored.contains("13812345678"));
    }
    let commit_url = format!("{preview_url}/commit");

    let first = b.post(&commit_url, &[]).await;
    let second = b.post(&commit_url, &[]).await;

    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    let (_, project_page) = b.page(&location(&first)).await;
    assert!(project_page.contains("新增 3 个房间、2 位住户") || project_page.contains("已经导入"));
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        count(&app, "rooms").await,
        3,
        "a double submit imports once"
    );
    assert_eq!(count(&app, "residents").await, 2);
    assert_eq!(count(&app, "buildings").await, 2);
    let mut conn = app.db().await;
    let facility: (String, String) = rooms::table
        .filter(rooms::kind.eq("facility"))
        .select((rooms::number, rooms::name))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(facility, ("B101".into(), "配电房".into()));

    // The file, with its ID numbers and phones, is not kept once committed;
    // its preview now leads to the project.
    let kept: Vec<u8> = kefu::schema::room_imports::table
        .select(kefu::schema::room_imports::content)
        .first(&mut conn)
        .await
        .unwrap();
    assert!(kept.is_empty());
    let res = b.get(&preview_url).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/properties/{project}"));
}

#[tokio::test]
async fn an_upload_never_committed_is_forgotten_after_a_day() {
    use kefu::schema::room_imports;
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CsSpecialist).await;
    let project = new_project(&b, "碧水花园").await;
    let list = "栋号,单元,楼层,房号,住户类型,住户姓名,证件号码\n\
                1,1,3,301,业主,王小明,11010519491231002X\n";
    upload(&b, project, "old.csv", list.as_bytes().to_vec()).await;
    upload(&b, project, "new.csv", list.as_bytes().to_vec()).await;
    let mut conn = app.db().await;
    diesel::update(room_imports::table.filter(room_imports::filename.eq("old.csv")))
        .set(room_imports::created_at.eq(chrono::Utc::now() - chrono::Duration::hours(25)))
        .execute(&mut conn)
        .await
        .unwrap();

    let out = kefu::web::once::cleanup(&mut conn, chrono::Utc::now())
        .await
        .unwrap();
    let out = kefu::jobs::result_in(&out, kefu::i18n::Locale::En);

    assert!(
        out.contains("file of 1 uncommitted room import deleted"),
        "{out}"
    );
    let kept: Vec<(String, usize)> = room_imports::table
        .order(room_imports::id)
        .select((room_imports::filename, room_imports::content))
        .load::<(String, Vec<u8>)>(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .map(|(name, content)| (name, content.len()))
        .collect();
    assert_eq!(kept[0], ("old.csv".to_owned(), 0), "its file is gone");
    assert!(kept[1].1 > 0, "the new upload keeps its file");

    // Its preview and its commit say it expired and lead to the upload form.
    let old_id: i64 = room_imports::table
        .filter(room_imports::filename.eq("old.csv"))
        .select(room_imports::id)
        .first(&mut conn)
        .await
        .unwrap();
    let res = b.get(&format!("/properties/imports/{old_id}")).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/properties/{project}/import"));
    let (_, form) = b.page(&location(&res)).await;
    assert_eq!(
        text_of(&form, ".flash-error").as_deref(),
        Some(
            "清单 old.csv 上传已超过 24 小时且未导入，其文件（含住户个人信息）已删除。请重新上传。"
        )
    );
    let res = b
        .post(&format!("/properties/imports/{old_id}/commit"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&res), format!("/properties/{project}/import"));
    assert_eq!(count(&app, "residents").await, 0, "nothing imported");

    // A month on, the row goes too.
    let later = chrono::Utc::now() + chrono::Duration::days(kefu::web::once::KEEP_DAYS + 1);
    kefu::web::once::cleanup(&mut conn, later).await.unwrap();
    let left: i64 = room_imports::table
        .filter(room_imports::filename.eq("old.csv"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn an_xlsx_room_list_is_read_too() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::ArchiveKeeper).await;
    let project = new_project(&b, "金色家园").await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in ["栋号", "单元", "楼层", "房号"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_number(1, 0, 5.0).unwrap();
    ws.write_number(1, 1, 2.0).unwrap();
    ws.write_number(1, 2, 12.0).unwrap();
    ws.write_string(1, 3, "1201").unwrap();
    let bytes = book.save_to_buffer().unwrap();

    let res = upload(&b, project, "rooms.xlsx", bytes).await;
    let preview_url = location(&res);
    b.post(&format!("{preview_url}/commit"), &[]).await;

    let mut conn = app.db().await;
    let room: (String, i32, String) = rooms::table
        .select((rooms::unit, rooms::floor, rooms::number))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(room, ("2".into(), 12, "1201".into()));
}

#[tokio::test]
async fn an_id_number_excel_stored_as_a_number_is_named_not_imported_short_of_its_digits() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CsSpecialist).await;
    let project = new_project(&b, "金色家园").await;
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    let header = [
        "栋号",
        "单元",
        "楼层",
        "房号",
        "住户类型",
        "住户姓名",
        "证件类型",
        "证件号码",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (c, v) in ["1", "1", "3", "301", "业主", "王小明", "身份证"]
        .iter()
        .enumerate()
    {
        ws.write_string(1, c as u16, *v).unwrap();
    }
    // 110105198001011000 is what Excel keeps of 110105198001011234 typed
    // into a number cell, and its check digit happens to pass.
    ws.write_number(1, 7, 110_105_198_001_011_000.0).unwrap();

    let res = upload(&b, project, "rooms.xlsx", book.save_to_buffer().unwrap()).await;

    let (_, preview) = b.page(&location(&res)).await;
    let doc = scraper::Html::parse_document(&preview);
    let bad_row = doc
        .select(&scraper::Selector::parse("tr.row-error").unwrap())
        .next()
        .expect("the row is marked")
        .text()
        .collect::<String>();
    assert!(bad_row.contains("被 Excel 存成了数字"), "{bad_row}");
    assert!(!preview.contains("确认导入"), "no commit button");

    // Excel's CSV of the same cell.
    let csv = "栋号,单元,楼层,房号,住户类型,住户姓名,证件类型,证件号码\n\
               1,1,3,301,业主,王小明,身份证,1.10105E+17\n";

    let res = upload(&b, project, "rooms.csv", csv.as_bytes().to_vec()).await;
    let (_, preview) = b.page(&location(&res)).await;
    assert!(preview.contains("被 Excel 存成了数字"));
    // …and of a column formatted as a number: every digit, the last ones zero.
    let csv = "栋号,单元,楼层,房号,住户类型,住户姓名,证件类型,证件号码\n\
               1,1,3,301,业主,王小明,身份证,110105198001011000\n";
    let res = upload(&b, project, "rooms.csv", csv.as_bytes().to_vec()).await;
    let (_, preview) = b.page(&location(&res)).await;
    assert!(preview.contains("被 Excel 存成了数字"));
}

/// A room list workbook: the header in `top` (0-based), then the given rows.
fn workbook(top: u32, rows: &[[&str; 4]]) -> rust_xlsxwriter::Workbook {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (c, h) in ["栋号", "单元", "楼层", "房号"].iter().enumerate() {
        ws.write_string(top, c as u16, *h).unwrap();
    }
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(top + 1 + r as u32, c as u16, *v).unwrap();
        }
    }
    book
}

/// The message the preview of an upload answers with, and its status.
async fn preview_of(b: &Browser, project: i64, name: &str, bytes: Vec<u8>) -> (u16, String) {
    let res = upload(b, project, name, bytes).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let (status, page) = b.page(&location(&res)).await;
    let alert = text_of(&page, "[role=alert]").unwrap_or_default();
    (status.as_u16(), alert)
}

#[tokio::test]
async fn a_workbook_used_to_its_last_cell_is_read_cell_by_cell_not_laid_out_whole() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CsSpecialist).await;
    let project = new_project(&b, "金色家园").await;

    // A stray mark in the sheet's last cell (XFD1048576) spans 17 billion cells
    // between it and A1: laid out whole, that ended the server. A mark that far
    // right is not read at all.
    let mut book = workbook(0, &[["5", "2", "12", "1201"]]);
    let ws = book.worksheet_from_index(0).unwrap();
    ws.write_string(1_048_575, 16_383, "x").unwrap();
    let (status, alert) =
        preview_of(&b, project, "rooms.xlsx", book.save_to_buffer().unwrap()).await;
    assert_eq!((status, alert.as_str()), (200, ""));

    // One in the first column's last row is a list too long to read.
    let mut book = workbook(0, &[["5", "2", "12", "1201"]]);
    let ws = book.worksheet_from_index(0).unwrap();
    ws.write_string(1_048_575, 0, "x").unwrap();
    let (status, alert) =
        preview_of(&b, project, "rooms.xlsx", book.save_to_buffer().unwrap()).await;
    assert_eq!(status, 422);
    assert_eq!(alert, "文件行数过多（最多 20000 行），请拆分后分别导入。");
}

#[tokio::test]
async fn a_workbook_that_unpacks_to_more_than_a_list_can_hold_is_refused() {
    use std::io::Write;
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CsSpecialist).await;
    let project = new_project(&b, "金色家园").await;
    // A real workbook, one part of it swollen: its shared strings unpack to
    // 160 MB from a few hundred KB (a zip bomb).
    let plain = workbook(0, &[["5", "2", "12", "1201"]])
        .save_to_buffer()
        .unwrap();
    let mut source = zip::ZipArchive::new(std::io::Cursor::new(plain)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(1));
    for i in 0..source.len() {
        let part = source.by_index(i).unwrap();
        if part.name().unwrap() == "xl/sharedStrings.xml" {
            // The workbook's own strings, and one more no cell uses.
            let mut xml = String::new();
            std::io::Read::read_to_string(&mut { part }, &mut xml).unwrap();
            let (head, tail) = xml.split_at(xml.rfind("</sst>").unwrap());
            out.start_file("xl/sharedStrings.xml", deflated).unwrap();
            out.write_all(head.as_bytes()).unwrap();
            out.write_all(b"<si><t>").unwrap();
            let block = vec![b'A'; 1 << 20];
            for _ in 0..160 {
                out.write_all(&block).unwrap();
            }
            out.write_all(b"</t></si>").unwrap();
            out.write_all(tail.as_bytes()).unwrap();
        } else {
            out.raw_copy_file(part).unwrap();
        }
    }
    let bomb = out.finish().unwrap().into_inner();
    assert!(bomb.len() < 2 << 20, "{} bytes", bomb.len());

    let (status, alert) = preview_of(&b, project, "rooms.xlsx", bomb).await;
    assert_eq!(status, 422);
    assert_eq!(alert, "无法读取该文件，请上传 CSV 或 .xlsx 文件。");
}

#[tokio::test]
async fn a_sheet_with_empty_rows_above_its_header_numbers_lines_as_the_sheet_does() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CsSpecialist).await;
    let project = new_project(&b, "金色家园").await;
    // The header on the sheet's line 3; the room with a wrong floor on line 5.
    let mut book = workbook(2, &[["5", "2", "12", "1201"], ["5", "2", "十二", "1202"]]);
    let res = upload(&b, project, "rooms.xlsx", book.save_to_buffer().unwrap()).await;
    let (_, page) = b.page(&location(&res)).await;
    let lines = texts_of(&page, "tr.row-error td:first-child");
    assert_eq!(lines, ["5"], "{page}");
}

#[tokio::test]
async fn a_room_list_committed_while_a_colleague_adds_its_building_joins_theirs() {
    use kefu::schema::buildings;
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CsSpecialist).await;
    let project = new_project(&b, "金色家园").await;
    let list = "栋号,单元,楼层,房号\n9,1,3,301\n9,1,3,302\n";
    let preview = location(&upload(&b, project, "rooms.csv", list.as_bytes().to_vec()).await);

    // A colleague's building 9, added but not yet saved when the list is committed.
    let mut colleague = app.db().await;
    diesel::sql_query("BEGIN")
        .execute(&mut colleague)
        .await
        .unwrap();
    diesel::insert_into(buildings::table)
        .values((buildings::project_id.eq(project), buildings::code.eq("9")))
        .execute(&mut colleague)
        .await
        .unwrap();
    let commit = tokio::spawn({
        let b = b.at(&app);
        async move { b.post(&format!("{preview}/commit"), &[]).await }
    });
    app.await_lock_waiters(1).await;
    diesel::sql_query("COMMIT")
        .execute(&mut colleague)
        .await
        .unwrap();

    let res = commit.await.unwrap();
    assert_eq!(res.status(), StatusCode::SEE_OTHER, "not a database error");
    let mut conn = app.db().await;
    let in_nine: Vec<String> = rooms::table
        .inner_join(buildings::table)
        .filter(buildings::code.eq("9"))
        .select(rooms::number)
        .order(rooms::number)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(in_nine, ["301", "302"]);
    assert_eq!(count(&app, "buildings").await, 1);
}

#[tokio::test]
async fn rooms_are_generated_in_bulk_and_not_twice() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CsSpecialist).await;
    let project = new_project(&b, "碧水花园").await;
    let res = b
        .submit(
            &format!("/properties/{project}"),
            &format!("/properties/{project}/buildings"),
            &[("code", "3"), ("name", "")],
        )
        .await;
    let building = location(&res);
    let fields = [
        ("units", "1,2"),
        ("floor_from", "1"),
        ("floor_to", "3"),
        ("per_floor", "2"),
    ];

    let first = b.post(&format!("{building}/generate"), &fields).await;
    let (_, page) = b.page(&location(&first)).await;
    let again = b.post(&format!("{building}/generate"), &fields).await;
    let (_, page2) = b.page(&location(&again)).await;

    assert!(
        page.contains("已生成 12 个房间"),
        "{}",
        text_of(&page, ".flash").unwrap_or_default()
    );
    assert!(
        page.contains("3-2-3-302"),
        "labels read 栋号-单元-楼层-房号"
    );
    assert!(page2.contains("已生成 0 个房间（12 个已存在"));
    assert_eq!(count(&app, "rooms").await, 12);
    // Typed with a Chinese input method's full-width digits: the same rooms.
    let full_width = [
        ("units", "１，２"),
        ("floor_from", "１"),
        ("floor_to", "３"),
        ("per_floor", "２"),
    ];
    let typed = b.post(&format!("{building}/generate"), &full_width).await;
    let (_, page3) = b.page(&location(&typed)).await;
    assert!(page3.contains("已生成 0 个房间（12 个已存在"), "{page3}");
    assert_eq!(count(&app, "rooms").await, 12);
    // From the first basement to the first floor: no floor 0 between.
    let basement = [
        ("units", "9"),
        ("floor_from", "-1"),
        ("floor_to", "1"),
        ("per_floor", "1"),
    ];
    b.post(&format!("{building}/generate"), &basement).await;
    let mut conn = app.db().await;
    let mut floors: Vec<i32> = rooms::table
        .filter(rooms::unit.eq("9"))
        .select(rooms::floor)
        .load(&mut conn)
        .await
        .unwrap();
    floors.sort();
    assert_eq!(floors, [-1, 1]);
    let zero = [
        ("units", "9"),
        ("floor_from", "0"),
        ("floor_to", "0"),
        ("per_floor", "1"),
    ];
    let res = b.post(&format!("{building}/generate"), &zero).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-floor_from")
        .unwrap()
        .contains("没有 0 层"));
    let bad = b
        .post(
            &format!("{building}/generate"),
            &[
                ("units", ""),
                ("floor_from", "5"),
                ("floor_to", "2"),
                ("per_floor", "0"),
            ],
        )
        .await;
    assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = bad.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-floor_to").unwrap(),
        "结束楼层不能低于起始楼层。"
    );
    assert_eq!(value_of(&body, "#f-floor_from").unwrap(), "5", "input kept");
}

async fn room_with_owner(app: &TestApp, b: &Browser) -> String {
    let project = new_project(b, "碧水花园").await;
    let res = b
        .submit(
            &format!("/properties/{project}"),
            &format!("/properties/{project}/buildings"),
            &[("code", "1"), ("name", "")],
        )
        .await;
    let building = location(&res);
    b.post(
        &format!("{building}/generate"),
        &[
            ("units", "1"),
            ("floor_from", "3"),
            ("floor_to", "3"),
            ("per_floor", "1"),
        ],
    )
    .await;
    let mut conn = app.db().await;
    let room: i64 = rooms::table
        .select(rooms::id)
        .first(&mut conn)
        .await
        .unwrap();
    format!("/properties/rooms/{room}")
}

#[tokio::test]
async fn a_resident_id_is_checked_and_shown_masked() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CsSpecialist).await;
    let room = room_with_owner(&app, &b).await;
    let wrong = b
        .submit(
            &room,
            &format!("{room}/residents"),
            &[
                ("kind", "owner"),
                ("name", "王小明"),
                ("phone", "138123"),
                ("id_type", "resident_id"),
                ("id_number", "110105194912310021"),
            ],
        )
        .await;
    assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = wrong.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-id_number").unwrap(),
        "证件号码校验码不正确，请核对。"
    );
    assert_eq!(text_of(&body, "#e-phone").unwrap(), "电话号码格式不正确。");
    assert_eq!(value_of(&body, "#f-name").unwrap(), "王小明");

    let ok = b
        .submit(
            &room,
            &format!("{room}/residents"),
            &[
                ("kind", "owner"),
                ("name", "王小明"),
                ("phone", "138 1234 5678"),
                ("id_type", "resident_id"),
                ("id_number", "11010519491231002x"),
            ],
        )
        .await;

    assert_eq!(ok.status(), StatusCode::SEE_OTHER);
    let (_, page) = b.page(&room).await;
    assert!(page.contains("110***********002X") && page.contains("138****5678"));
    assert!(!page.contains("11010519491231002X") && !page.contains("13812345678"));
    let mut conn = app.db().await;
    let stored: (kefu::db::sealed::Sealed, String) = residents::table
        .select((residents::id_number, residents::phone))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        (stored.0.as_str(), stored.1.as_str()),
        ("11010519491231002X", "13812345678"),
        "stored normalised"
    );
    // At rest the number is sealed: the table holds no digit of it.
    #[derive(diesel::QueryableByName)]
    struct Raw {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id_number: String,
    }
    let raw: Raw = diesel::sql_query("SELECT id_number FROM residents")
        .get_result(&mut conn)
        .await
        .unwrap();
    assert!(raw.id_number.starts_with("s1:"), "{}", raw.id_number);
    assert!(!raw.id_number.contains("1101051949"));

    // The same number under another name: refused on the number, input kept.
    let same_number = [
        ("kind", "tenant"),
        ("name", "王晓明"),
        ("phone", ""),
        ("id_type", "resident_id"),
        ("id_number", "11010519491231002X"),
    ];
    let residents = format!("{room}/residents");
    let twice = b.submit(&room, &residents, &same_number).await;
    assert_eq!(twice.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = twice.text().await.unwrap();
    assert!(
        text_of(&body, "#e-id_number")
            .unwrap()
            .starts_with("此房间已有一位证件号码相同的住户（王小明）"),
        "{body}"
    );
    assert_eq!(value_of(&body, "#f-name").unwrap(), "王晓明");
    assert_eq!(count(&app, "residents").await, 1);
    // The administrator, who may not see residents' ID numbers, is not told
    // whose number it is either.
    let admin = app.login_as(Role::Admin).await;
    let guessed = admin.submit(&room, &residents, &same_number).await;
    assert_eq!(guessed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = guessed.text().await.unwrap();
    let says = text_of(&body, "#e-id_number").unwrap();
    assert!(
        says.starts_with("此房间已有一位住户登记了相同的证件号码"),
        "{says}"
    );
    assert!(!says.contains("王小明"));
    // Each such answer tells that the number is a resident's: on record, by
    // whom and for which room.
    let told: Vec<(Option<i64>, Option<String>)> = audit_log::table
        .filter(audit_log::action.eq("resident.id_number_matched"))
        .order(audit_log::id)
        .select((audit_log::actor_id, audit_log::entity_id))
        .load(&mut app.db().await)
        .await
        .unwrap();
    let room_id = room.rsplit('/').next().unwrap().to_owned();
    let who = |role| crate::approvals::user_id(&app, username(role));
    assert_eq!(
        told,
        [
            (Some(who(Role::CsSpecialist).await), Some(room_id.clone())),
            (Some(who(Role::Admin).await), Some(room_id)),
        ]
    );

    // A passport number is short: it shows its last two characters only.
    let passport = b
        .submit(
            &room,
            &format!("{room}/residents"),
            &[
                ("kind", "tenant"),
                ("name", "John Smith"),
                ("phone", ""),
                ("id_type", "passport"),
                ("id_number", "E12345678"),
            ],
        )
        .await;
    assert_eq!(passport.status(), StatusCode::SEE_OTHER);
    let (_, page) = b.page(&room).await;
    assert!(page.contains("*******78"), "{page}");
    assert!(!page.contains("E12") && !page.contains("345678"));
}

#[tokio::test]
async fn seeing_personal_data_in_full_is_a_right_and_is_audited() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CsSpecialist).await;
    let room = room_with_owner(&app, &b).await;
    b.submit(
        &room,
        &format!("{room}/residents"),
        &[
            ("kind", "owner"),
            ("name", "王小明"),
            ("phone", "13812345678"),
            ("id_type", "resident_id"),
            ("id_number", "11010519491231002X"),
        ],
    )
    .await;

    let revealed = b.post(&format!("{room}/reveal"), &[]).await;

    assert_eq!(revealed.status(), StatusCode::OK);
    let body = revealed.text().await.unwrap();
    assert!(body.contains("11010519491231002X") && body.contains("13812345678"));
    let mut conn = app.db().await;
    let views: i64 = audit_log::table
        .filter(audit_log::action.eq("resident.personal_data_viewed"))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(views, 1);
    let details: Vec<serde_json::Value> = audit_log::table
        .select(audit_log::details)
        .load(&mut conn)
        .await
        .unwrap();
    assert!(
        details
            .iter()
            .all(|d| !d.to_string().contains("11010519491231002X")),
        "the audit log names residents, never their numbers"
    );

    let engineer = app.login_as(Role::EngineeringManager).await;
    let (status, page) = engineer.page(&room).await;
    assert_eq!(status, StatusCode::OK, "an engineer may see the room");
    assert!(
        !page.contains("/reveal"),
        "but is not offered the full data"
    );
    assert_eq!(
        engineer.post(&format!("{room}/reveal"), &[]).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        engineer
            .post("/properties", &[("name", "x")])
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let employee = app.login_as(Role::Employee).await;
    assert_eq!(employee.page("/properties").await.0, StatusCode::FORBIDDEN);
    assert_eq!(employee.page(&room).await.0, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn importing_the_same_list_again_adds_nothing() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CsSpecialist).await;
    let project = new_project(&b, "碧水花园").await;
    let list = "栋号,单元,楼层,房号,住户类型,住户姓名,证件号码\n\
                1,1,3,301,业主,王小明,11010519491231002X\n\
                1,1,3,302,业主,李华,320102198512150045\n";
    for round in 1..=2 {
        let res = upload(&b, project, "rooms.csv", list.as_bytes().to_vec()).await;
        let commit = b.post(&format!("{}/commit", location(&res)), &[]).await;
        let (_, page) = b.page(&location(&commit)).await;
        let expected = if round == 1 {
            "新增 2 个房间、2 位住户"
        } else {
            "新增 0 个房间、0 位住户"
        };
        assert!(
            page.contains(expected),
            "round {round}: {}",
            text_of(&page, ".flash").unwrap_or_default()
        );
    }
    assert_eq!(count(&app, "rooms").await, 2);
    assert_eq!(count(&app, "residents").await, 2);
    // 王小明's number under another name in his room: the same person, not a
    // second resident (as the resident form refuses it).
    let renamed = "栋号,单元,楼层,房号,住户类型,住户姓名,证件号码\n\
                   1,1,3,301,业主,王晓明,11010519491231002X\n";
    let res = upload(&b, project, "rooms.csv", renamed.as_bytes().to_vec()).await;
    let (_, preview) = b.page(&location(&res)).await;
    assert!(
        preview.contains("此房间的住户 王小明 已登记这个证件号码"),
        "the preview says so on the row: {preview}"
    );
    // Telling that a number typed in the list is a resident's is a look at
    // personal data: on record, by whom and for how many rows.
    let (by, matched): (Option<i64>, serde_json::Value) = audit_log::table
        .filter(audit_log::action.eq("rooms.import_ids_matched"))
        .select((audit_log::actor_id, audit_log::details))
        .first(&mut app.db().await)
        .await
        .unwrap();
    let specialist = crate::approvals::user_id(&app, username(Role::CsSpecialist)).await;
    assert_eq!(by, Some(specialist));
    assert_eq!(matched["id_matches"], 1);
    assert_eq!(
        matched["matched_rooms"],
        serde_json::json!(["1-1-301"]),
        "whose number it was"
    );
    b.post(&format!("{}/commit", location(&res)), &[]).await;
    assert_eq!(count(&app, "residents").await, 2);

    // 李华 moved out: the same list (an old copy) does not bring her back. The
    // preview says so on her row; her room is there already.
    let mut conn = app.db().await;
    // The site's day (the database's `current_date` is the server's, which
    // differs from Shanghai's for eight hours a day).
    let today = crate::approvals::day(0);
    diesel::sql_query(format!(
        "UPDATE residents SET moved_out = '{today}' WHERE name = '李华'"
    ))
    .execute(&mut conn)
    .await
    .unwrap();
    let res = upload(&b, project, "rooms.csv", list.as_bytes().to_vec()).await;
    let preview = location(&res);
    let (_, page) = b.page(&preview).await;
    assert!(
        text_of(&page, "#moved-out")
            .unwrap()
            .contains("其中 1 行的住户已迁出所列房间"),
        "{page}"
    );
    assert!(page.contains(&format!("已于 {today} 迁出该房间")), "{page}");
    let commit = b.post(&format!("{preview}/commit"), &[]).await;
    let (_, page) = b.page(&location(&commit)).await;
    assert!(page.contains("新增 0 个房间、0 位住户"), "{page}");
    assert_eq!(count(&app, "residents").await, 2);
    let (details,): (serde_json::Value,) = audit_log::table
        .filter(audit_log::action.eq("rooms.imported"))
        .order(audit_log::id.desc())
        .select((audit_log::details,))
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(details["moved_out_not_added"], 1);

    // In the same room someone else of that name (another ID) is new.
    let other = "栋号,单元,楼层,房号,住户类型,住户姓名,证件号码
                 1,1,3,302,租户,李华,11010519491231002X
";
    let res = upload(&b, project, "rooms.csv", other.as_bytes().to_vec()).await;
    let commit = b.post(&format!("{}/commit", location(&res)), &[]).await;
    let (_, page) = b.page(&location(&commit)).await;
    assert!(page.contains("新增 0 个房间、1 位住户"), "{page}");
}

/// A room list imported again with a room's floor, kind or name corrected
/// says so on the room's row and corrects it; its residents are not repeated.
#[tokio::test]
async fn importing_a_corrected_list_corrects_the_rooms_recorded() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CsSpecialist).await;
    let project = new_project(&b, "碧水花园").await;
    let header = "栋号,单元,楼层,房号,类型,名称,住户类型,住户姓名\n";
    let first =
        format!("{header}1,1,3,301,住宅,,业主,王小明\n1,1,3,302,住宅,,,\n1,,-1,B01,住宅,,,\n");
    let res = upload(&b, project, "rooms.csv", first.into_bytes()).await;
    b.post(&format!("{}/commit", location(&res)), &[]).await;
    // Their keys hang in the cabinet and 王小明's archive is open.
    let room_of = async |number: &str| -> i64 {
        rooms::table
            .filter(rooms::number.eq(number))
            .select(rooms::id)
            .first(&mut app.db().await)
            .await
            .unwrap()
    };
    for number in ["301", "B01"] {
        let set = format!("/keys/rooms/{}/set", room_of(number).await);
        let res = b.post(&set, &[("cabinet", "1号柜")]).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER);
    }
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let owner: i64 = kefu::schema::residents::table
        .filter(kefu::schema::residents::name.eq("王小明"))
        .select(kefu::schema::residents::id)
        .first(&mut app.db().await)
        .await
        .unwrap();
    let res = keeper
        .post("/archives/new", &[("resident", &owner.to_string())])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let archive: i64 = location(&res).rsplit('/').next().unwrap().parse().unwrap();

    // 301 is on the fourth floor; B01 is the pump room; 302 is unchanged.
    let second = format!(
        "{header}1,1,4,301,住宅,,业主,王小明\n1,1,4,301,住宅,,租户,赵六\n\
         1,1,3,302,住宅,,,\n1,,-1,B01,设施设备房,水泵房,,\n"
    );
    let res = upload(&b, project, "rooms.csv", second.into_bytes()).await;
    let preview = location(&res);
    let (_, page) = b.page(&preview).await;
    assert!(
        text_of(&page, "#corrected")
            .unwrap()
            .contains("其中 2 个房间已在册"),
        "{page}"
    );
    let notes = texts_of(&page, "table.preview td .hint");
    assert_eq!(
        notes,
        [
            "此房间已在册，导入将更正：楼层 3 → 4。",
            "此房间已在册，导入将更正：类型 住宅 → 设施设备房、名称“”→“水泵房”。",
        ],
        "said once a room, on its first row"
    );
    let (_, english) = b.page(&format!("{preview}?lang=en")).await;
    assert!(
        english.contains("importing corrects its floor 3 → 4."),
        "{english}"
    );
    b.page("/?lang=zh-CN").await;
    let commit = b.post(&format!("{preview}/commit"), &[]).await;
    let (_, page) = b.page(&location(&commit)).await;
    let flash = text_of(&page, ".flash").unwrap_or_default();
    assert!(
        flash.contains("新增 0 个房间、1 位住户，更正 2 个房间"),
        "{flash}"
    );
    let mut conn = app.db().await;
    let mut recorded: Vec<(String, i32, String, String)> = rooms::table
        .select((rooms::number, rooms::floor, rooms::kind, rooms::name))
        .load(&mut conn)
        .await
        .unwrap();
    recorded.sort();
    assert_eq!(
        recorded,
        [
            ("301".into(), 4, "home".into(), String::new()),
            ("302".into(), 3, "home".into(), String::new()),
            ("B01".into(), -1, "facility".into(), "水泵房".into()),
        ]
    );
    assert_eq!(count(&app, "residents").await, 2);
    // The keys' tags and the archive's bag say where the room is now.
    let mut labels: Vec<String> = kefu::schema::keys::table
        .select(kefu::schema::keys::label)
        .distinct()
        .load(&mut conn)
        .await
        .unwrap();
    labels.sort();
    assert_eq!(labels, ["1-1-4-301", "1-水泵房"]);
    let floor: i32 = kefu::schema::archives::table
        .find(archive)
        .select(kefu::schema::archives::floor)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(floor, 4);
    let (_, shown) = keeper.page(&format!("/archives/{archive}")).await;
    assert!(shown.contains("1-1-4-301"), "{shown}");

    // One room on two floors in one list is a mistake of the list.
    let torn = format!("{header}1,1,5,301,住宅,,业主,王小明\n1,1,6,301,住宅,,租户,赵六\n");
    let res = upload(&b, project, "rooms.csv", torn.into_bytes()).await;
    let (_, page) = b.page(&location(&res)).await;
    assert!(page.contains("同一房间在不同行中的楼层不一致。"), "{page}");
}

#[tokio::test]
async fn an_import_committed_while_a_colleague_adds_the_same_id_number_adds_it_once() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CsSpecialist).await;
    let room = room_with_owner(&app, &b).await;
    let room_id: i64 = room.rsplit('/').next().unwrap().parse().unwrap();
    let mut conn = app.db().await;
    let (project, unit, number): (i64, String, String) = rooms::table
        .inner_join(kefu::schema::buildings::table)
        .filter(rooms::id.eq(room_id))
        .select((
            kefu::schema::buildings::project_id,
            rooms::unit,
            rooms::number,
        ))
        .first(&mut conn)
        .await
        .unwrap();
    let list = format!(
        "栋号,单元,楼层,房号,住户类型,住户姓名,证件号码\n1,{unit},3,{number},租户,王晓明,11010519491231002X\n"
    );
    let res = upload(&b, project, "rooms.csv", list.into_bytes()).await;
    let preview = location(&res);

    // A colleague's resident form, half way: the room locked, 王小明 added
    // with the number, not committed yet.
    diesel::sql_query("BEGIN").execute(&mut conn).await.unwrap();
    kefu::properties::queries::lock_room(&mut conn, room_id)
        .await
        .unwrap();
    kefu::properties::queries::insert_resident(
        &mut conn,
        &kefu::properties::models::NewResident {
            room_id,
            kind: "owner",
            name: "王小明",
            phone: "",
            id_type: "resident_id",
            id_number: "11010519491231002X".into(),
            moved_in: None,
        },
    )
    .await
    .unwrap();
    let commit = {
        let b = b.clone();
        tokio::spawn(async move { b.post(&format!("{preview}/commit"), &[]).await })
    };
    app.await_lock_waiters(1).await;
    diesel::sql_query("COMMIT")
        .execute(&mut conn)
        .await
        .unwrap();
    let commit = commit.await.unwrap();

    let (_, page) = b.page(&location(&commit)).await;
    assert!(page.contains("新增 0 个房间、0 位住户"), "{page}");
    let names: Vec<String> = residents::table
        .filter(residents::room_id.eq(room_id))
        .select(residents::name)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(names, ["王小明"], "one person per ID number in a room");
}

#[tokio::test]
async fn a_double_submit_records_a_resident_once() {
    let app = TestApp::spawn().await;
    let b = app.login_as(Role::CsSpecialist).await;
    let room = room_with_owner(&app, &b).await;
    let fields = [
        ("kind", "tenant"),
        ("name", "赵六"),
        ("phone", ""),
        ("id_type", "resident_id"),
        ("id_number", ""),
    ];

    let token = b.form_token(&room).await;
    let mut fields = fields.to_vec();
    fields.push(("form_token", &token));
    let first = b.post(&format!("{room}/residents"), &fields).await;
    let second = b.post(&format!("{room}/residents"), &fields).await;

    assert_eq!(first.status(), StatusCode::SEE_OTHER);
    // The second leads to what the first recorded, saying so.
    assert_eq!(second.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&second), room);
    let (_, page) = b.page(&room).await;
    assert!(page.contains("已经提交过"));
    assert_eq!(count(&app, "residents").await, 1);
    // A new form for the same person is refused on the name, input kept.
    let again = b
        .submit(&room, &format!("{room}/residents"), &fields[..5])
        .await;
    assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = again.text().await.unwrap();
    assert_eq!(text_of(&body, "#e-name").unwrap(), "该住户已登记在此房间。");
    assert_eq!(value_of(&body, "#f-name").unwrap(), "赵六", "input kept");
    assert_eq!(count(&app, "residents").await, 1);
}

#[tokio::test]
async fn an_import_is_seen_and_committed_only_by_who_uploaded_it() {
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let project = new_project(&specialist, "碧水花园").await;
    let res = upload(
        &specialist,
        project,
        "rooms.csv",
        "栋号,楼层,房号\n1,3,301\n".as_bytes().to_vec(),
    )
    .await;
    let preview = location(&res);
    let keeper = app.login_as(Role::ArchiveKeeper).await;

    let (status, _) = keeper.page(&preview).await;
    let commit = keeper.post(&format!("{preview}/commit"), &[]).await;

    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(commit.status(), StatusCode::NOT_FOUND);
    assert_eq!(count(&app, "rooms").await, 0);
}

#[tokio::test]
async fn numbers_written_before_the_data_key_are_sealed_at_start() {
    let app = TestApp::spawn().await;
    let mut conn = app.db().await;
    kefu::demo::seed_properties(&mut conn).await.unwrap();
    // One number as an instance without KEFU_DATA_KEY wrote it: as typed.
    let first: i64 = residents::table
        .select(diesel::dsl::min(residents::id))
        .first::<Option<i64>>(&mut conn)
        .await
        .unwrap()
        .unwrap();
    diesel::sql_query("UPDATE residents SET id_number = '11010519491231002X' WHERE id = $1")
        .bind::<diesel::sql_types::BigInt, _>(first)
        .execute(&mut conn)
        .await
        .unwrap();

    let sealed = kefu::db::sealed::seal_stored(&mut conn).await.unwrap();

    assert_eq!(sealed, 1);
    assert_eq!(kefu::db::sealed::seal_stored(&mut conn).await.unwrap(), 0);
    let plain: i64 = residents::table
        .filter(residents::id_number.ne(kefu::db::sealed::Sealed::default()))
        .filter(diesel::dsl::sql::<diesel::sql_types::Bool>(
            "id_number NOT LIKE 's1:%'",
        ))
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(plain, 0, "nothing left as typed");
    let read: kefu::db::sealed::Sealed = residents::table
        .find(first)
        .select(residents::id_number)
        .first(&mut conn)
        .await
        .unwrap();
    assert_eq!(read.as_str(), "11010519491231002X");

    // `kefu unseal` writes every sealed value back as typed (before a rollback,
    // or to change the key).
    let opened = kefu::db::sealed::unseal_stored(&mut conn).await.unwrap();
    assert!(opened > 1, "the demo residents' numbers too: {opened}");
    #[derive(diesel::QueryableByName)]
    struct Raw {
        #[diesel(sql_type = diesel::sql_types::Text)]
        id_number: String,
    }
    let raw: Vec<Raw> = diesel::sql_query("SELECT id_number FROM residents")
        .load(&mut conn)
        .await
        .unwrap();
    assert!(raw.iter().any(|r| r.id_number == "11010519491231002X"));
    assert!(raw.iter().all(|r| !r.id_number.starts_with("s1:")));
}

#[tokio::test]
async fn an_instance_without_the_data_key_refuses_to_start_on_sealed_numbers() {
    let app = TestApp::spawn().await;
    let mut conn = app.db().await;
    kefu::demo::seed_properties(&mut conn).await.unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let start = |key: Option<&str>| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_kefu"));
        cmd.arg("serve")
            .env("DATABASE_URL", &app.db_url)
            .env("BIND", format!("127.0.0.1:{port}"))
            .env("RUST_LOG", "error")
            .env_remove("KEFU_DATA_KEY")
            .env_remove("SMTP_URL")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped());
        if let Some(k) = key {
            cmd.env("KEFU_DATA_KEY", k);
        }
        cmd.spawn().unwrap()
    };

    // Without it, it stops at once (given 30 s, then stopped and failed).
    let mut child = start(None);
    let mut stopped = None;
    for _ in 0..300 {
        stopped = child.try_wait().unwrap();
        if stopped.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    if stopped.is_none() {
        child.kill().unwrap();
    }
    let out = child.wait_with_output().unwrap();
    assert!(stopped.is_some(), "it refused to start");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("KEFU_DATA_KEY, which is not set"), "{err}");

    // With the key it starts and answers.
    let mut child = start(Some(DATA_KEY));
    let health = format!("http://127.0.0.1:{port}/healthz");
    let mut up = false;
    for _ in 0..300 {
        if let Ok(res) = reqwest::get(&health).await {
            up = res.status() == StatusCode::OK;
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "it keeps running");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(up, "it serves with the key");
}

#[tokio::test]
async fn a_project_or_building_named_at_length_comes_back_with_its_message() {
    let app = TestApp::spawn().await;
    let admin = app.login_as(Role::Admin).await;
    let long = "路".repeat(201);
    let res = admin
        .submit(
            "/properties",
            "/properties",
            &[("name", "碧水花园"), ("address", &long)],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-address").as_deref(),
        Some("地址不能超过 200 个字。")
    );
    assert_eq!(value_of(&body, "#f-name").as_deref(), Some("碧水花园"));
    let project = new_project(&admin, "碧水花园").await;
    let page = format!("/properties/{project}");
    let res = admin
        .submit(
            &page,
            &format!("{page}/buildings"),
            &[("code", "1"), ("name", &"楼".repeat(101))],
        )
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert_eq!(
        text_of(&body, "#e-name").as_deref(),
        Some("楼栋名称不能超过 100 个字。")
    );
}
