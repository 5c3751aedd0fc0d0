//! Blank forms (/forms): every post prints them, and each has the columns of the
//! filled print view it stands for.
use kefu::auth::Role;
use reqwest::StatusCode;

use crate::helpers::*;

/// The column heads of a page's table.
fn heads(html: &str) -> Vec<String> {
    texts_of(html, "thead th")
}

#[tokio::test]
async fn every_post_prints_the_blank_forms_in_its_language() {
    let app = TestApp::spawn().await;
    for role in Role::ALL {
        let b = app.login_as(role).await;
        let (status, index) = b.page("/forms").await;
        assert_eq!(status, StatusCode::OK, "{role:?}");
        let links: Vec<String> = {
            let doc = scraper::Html::parse_document(&index);
            let sel = scraper::Selector::parse("main a[href^='/forms/']").unwrap();
            doc.select(&sel)
                .filter_map(|a| a.value().attr("href").map(str::to_owned))
                .collect()
        };
        assert_eq!(links.len(), 1 + kefu::forms::BLANKS.len(), "{role:?}");
        for link in &links {
            let (status, _) = b.page(link).await;
            assert_eq!(status, StatusCode::OK, "{role:?} {link}");
        }
    }
    let employee = app.login_as(Role::Employee).await;
    let (_, slip) = employee.page("/forms/leave").await;
    for kind in ["事假", "病假", "年假", "调休", "婚假", "丧假", "产假"] {
        assert!(slip.contains(&format!("□ {kind}")), "{kind}");
    }
    assert!(slip.contains("提前一天"), "the rule it serves");
    let (_, english) = employee.page("/forms/key-loans?lang=en").await;
    assert!(!heads(&english).is_empty());
    assert!(
        heads(&english).iter().all(|h| h.is_ascii()),
        "{:?}",
        heads(&english)
    );
    assert_eq!(
        employee.page("/forms/nonsense").await.0,
        StatusCode::NOT_FOUND
    );
    // A blank inventory says whose archive it is; a blank disposal form has
    // the lines of the filled one below its table.
    let (_, inventory) = employee.page("/forms/archive-inventory?lang=zh-CN").await;
    let fields = texts_of(&inventory, ".blank-field");
    assert!(fields[0].starts_with("档案标签："), "{fields:?}");
    assert!(fields[1].starts_with("住户："), "{fields:?}");
    let (_, disposal) = employee.page("/forms/archive-destruction").await;
    let fields = texts_of(&disposal, ".blank-field");
    assert!(
        fields.iter().any(|f| f.starts_with("销毁依据：")),
        "{fields:?}"
    );
    assert!(
        fields.iter().any(|f| f.starts_with("销毁时间：")),
        "{fields:?}"
    );
}

#[tokio::test]
async fn a_blank_register_has_the_columns_of_the_filled_one() {
    let app = TestApp::spawn().await;
    let specialist = app.login_as(Role::CsSpecialist).await;
    let keeper = app.login_as(Role::ArchiveKeeper).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let archive = crate::archives::open_archive(&app, &keeper, "王小明", false).await;
    for (who, blank, filled) in [
        (
            &specialist,
            "/forms/key-loans",
            "/keys/loans/print".to_owned(),
        ),
        (&specialist, "/forms/keys", "/keys/print".to_owned()),
        (
            &specialist,
            "/forms/key-copies",
            "/keys/copies/print".to_owned(),
        ),
        (&supervisor, "/forms/visits", "/visits/print".to_owned()),
        (
            &supervisor,
            "/forms/complaints",
            "/complaints/print".to_owned(),
        ),
        (
            &supervisor,
            "/forms/violations",
            "/violations/print".to_owned(),
        ),
        (
            &keeper,
            "/forms/archive-borrows",
            "/archives/borrows/print".to_owned(),
        ),
        (
            &keeper,
            "/forms/archive-inventory",
            format!("/archives/{archive}/inventory"),
        ),
    ] {
        let (_, blank_page) = who.page(blank).await;
        let (status, filled_page) = who.page(&filled).await;
        assert_eq!(status, StatusCode::OK, "{filled}");
        assert_eq!(
            heads(&blank_page),
            heads(&filled_page),
            "{blank} ~ {filled}"
        );
        assert!(
            texts_of(&blank_page, "tbody tr").len() >= 15,
            "lines to write on"
        );
        // On screen, each paper leads back to a page the reader may open.
        for paper in [&blank_page, &filled_page] {
            let back = attr_of(paper, "#paper-back", "href").unwrap();
            assert_eq!(who.page(&back).await.0, StatusCode::OK, "{filled}: {back}");
        }
    }
}
