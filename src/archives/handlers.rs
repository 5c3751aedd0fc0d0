//! Archives and their documents: the list, one archive's checklist, inventory
//! and history, documents and scans, events, holds, and the document types.
use actix_session::Session;
use actix_web::http::{header, StatusCode};
use actix_web::{web, HttpResponse};
use askama::Template;
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde::Deserialize;
use serde_json::json;

use super::forms::{
    ArchiveInput, DocInput, EventsInput, HoldInput, RemoveInput, SideInput, TypeInput,
};
use super::models::{Archive, DocType, NewDocType, NewDocument};
use super::queries::{self, Scope};
use super::views::{
    self, ArchiveList, ArchiveShow, BuildingView, DocumentShow, Inventory, NewArchivePage,
    TypesPage,
};
use crate::audit;
use crate::auth::Right;
use crate::config::Config;
use crate::db::{is_unique_violation, DbConn};
use crate::error::AppError;
use crate::schema::archive_doc_types;
use crate::web::context::{flash, Tone};
use crate::web::export::{self, Cell, ExportFormat, Sheet, SHEET_MAX};
use crate::web::once;
use crate::web::{html, see_other, FieldErrors, Form, Query, Upload, UserPage};

const PAGE: i64 = 50;

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default, deserialize_with = "crate::web::form::number_or_none")]
    after: Option<i64>,
    #[serde(default, deserialize_with = "crate::web::form::number_or_none")]
    building: Option<i64>,
}

/// GET /archives: every archive in the paper order, with its completeness.
pub async fn list(
    page: UserPage,
    conn: crate::db::ReadConn,
    kept: web::Data<queries::RequiredCounts>,
    pages: web::Data<queries::KeptPages>,
    choices: web::Data<crate::keys::queries::BuildingChoices>,
    q: Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewArchives)?;
    let mut conn = conn.get();
    let buildings = crate::keys::queries::building_choices(&mut conn, &choices).await?;
    let rows = pages
        .get(
            (q.building, q.after),
            queries::page(&mut conn, q.building, q.after, PAGE + 1),
        )
        .await?;
    let (rows, last) = crate::web::page_of(&rows, PAGE as usize);
    let next = last.map(|r| r.id);
    let required = queries::required_counts(&mut conn, &kept).await?;
    let body = ArchiveList {
        ctx: page.ctx(),
        rows,
        required,
        next,
        building: q.building,
        buildings,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /archives/print: the archive list on paper (住户档案目录, the rule book's
/// 检索工具), with the list's building filter, in the same order.
pub async fn list_print(
    page: UserPage,
    mut conn: DbConn,
    kept: web::Data<queries::RequiredCounts>,
    choices: web::Data<crate::keys::queries::BuildingChoices>,
    q: Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewArchives)?;
    let mut rows = queries::page(&mut conn, q.building, None, SHEET_MAX + 1).await?;
    let truncated = crate::web::trim_page(&mut rows, SHEET_MAX as usize).is_some();
    let required = queries::required_counts(&mut conn, &kept).await?;
    let building = crate::keys::queries::building_name(&mut conn, &choices, q.building).await?;
    let body = views::ArchiveListPrint {
        ctx: page.ctx(),
        rows,
        required,
        building,
        truncated,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /archives.csv and /archives.xlsx: the archive list as a sheet, with the
/// list's building filter. A pooled
/// connection: thousands of rows would hold up the worker's shared one.
pub async fn list_export(
    page: UserPage,
    mut conn: DbConn,
    kept: web::Data<queries::RequiredCounts>,
    q: Query<ListQuery>,
    format: ExportFormat,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewArchives)?;
    let rows = queries::page(&mut conn, q.building, None, SHEET_MAX).await?;
    let required = queries::required_counts(&mut conn, &kept).await?;
    let loc = page.locale;
    let headers = [
        "archives.label",
        "archives.building",
        "archives.floor",
        "archives.room",
        "archives.resident",
        "archives.kind_label",
        "archives.completeness",
        "archives.on_hold",
    ];
    let rows = rows
        .iter()
        .map(|a| {
            let need = required
                .iter()
                .find(|(k, _)| *k == a.kind)
                .map_or(0, |(_, n)| *n);
            let completeness = if i64::from(a.present_required) >= need {
                loc.t("archives.complete").to_owned()
            } else {
                loc.tf(
                    "archives.present_of",
                    &[("present", &a.present_required), ("required", &need)],
                )
            };
            vec![
                Cell::from(a.label()),
                a.building_code.clone().into(),
                Cell::from(i64::from(a.floor)),
                a.number.clone().into(),
                a.resident_name.clone().into(),
                loc.t_in("archives.kind", &a.kind).into(),
                completeness.into(),
                (if a.legal_hold {
                    loc.t("archives.yes")
                } else {
                    ""
                })
                .into(),
            ]
        })
        .collect();
    let sheet = Sheet::new(loc, "archives.title", &headers, rows);
    export::respond(&sheet, format, "archives")
}

/// How many archives a page of one building lists (the building page, the
/// borrowing request's picker): a tower's rooms at a glance, then the next.
pub(super) const BUILDING_PAGE: i64 = 500;

/// GET /archives/buildings/{id}: completeness across the building's rooms, a
/// page of its archives at a time (`?after=`), the totals over all of them.
pub async fn building(
    page: UserPage,
    mut conn: DbConn,
    kept: web::Data<queries::RequiredCounts>,
    path: web::Path<i64>,
    q: Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewArchives)?;
    let b = crate::properties::queries::building(&mut conn, path.into_inner()).await?;
    let mut rows = queries::page(&mut conn, Some(b.id), q.after, BUILDING_PAGE + 1).await?;
    let next = crate::web::trim_page(&mut rows, BUILDING_PAGE as usize).map(|r| r.id);
    let required = queries::required_counts(&mut conn, &kept).await?;
    let totals = queries::building_totals(&mut conn, b.id, &required).await?;
    let body = BuildingView {
        ctx: page.ctx(),
        building: b,
        rows,
        required,
        totals,
        next,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// How many residents of one building the "open an archive" form lists.
const CANDIDATES: i64 = 2000;

/// The "open an archive" form: a building's residents that may get an
/// archive, each labelled for the select; none until a building is chosen.
async fn new_page(
    page: &UserPage,
    conn: &mut DbConn,
    choices: &crate::keys::queries::BuildingChoices,
    input: &ArchiveInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let buildings = crate::keys::queries::building_choices(conn, choices).await?;
    let mut rows = match input.building {
        Some(b) => queries::residents_without_archive(conn, b, CANDIDATES + 1).await?,
        None => Vec::new(),
    };
    let capped = crate::web::trim_page(&mut rows, CANDIDATES as usize).is_some();
    let residents = rows
        .into_iter()
        .map(|(id, kind, name, b, floor, unit, number)| {
            let kind = page.t_in("archives.kind", &kind);
            let label = super::models::label(&b, &unit, floor, &number);
            (id, format!("{label} · {name}{}", page.locale.note(kind)))
        })
        .collect();
    let body = NewArchivePage {
        ctx: page.ctx(),
        cites: super::ARCHIVE_CITES,
        buildings,
        input,
        errors,
        residents,
        capped,
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /archives/new
pub async fn new_form(
    page: UserPage,
    mut conn: DbConn,
    choices: web::Data<crate::keys::queries::BuildingChoices>,
    q: Query<super::borrow::BuildingQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::EditArchives)?;
    let input = ArchiveInput {
        building: q.building,
        ..Default::default()
    };
    let errors = FieldErrors::new(page.locale);
    new_page(&page, &mut conn, &choices, &input, &errors, StatusCode::OK).await
}

/// POST /archives/new: one archive for a resident of a room. A tenant has one
/// only when let through the service centre (通过服务中心成交的承租客户).
pub async fn create(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    choices: web::Data<crate::keys::queries::BuildingChoices>,
    Form(input): Form<ArchiveInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::EditArchives)?;
    let mut errors = FieldErrors::new(page.locale);
    let resident = match input.resident.trim().parse::<i64>() {
        Ok(id) => queries::placements(&mut conn, Some(id), 1).await?.pop(),
        Err(_) => None,
    };
    match &resident {
        None => errors.add("resident", "archives.error.resident"),
        Some(r) if r.kind == "tenant" && input.via_centre.is_none() => {
            errors.add("via_centre", "archives.error.via_centre")
        }
        _ => {}
    }
    let building = resident.as_ref().map(|r| r.building_id);
    let Some(r) = resident.filter(|_| errors.is_empty()) else {
        // The form comes back on the chosen resident's building.
        let input = ArchiveInput {
            building: building.or(input.building),
            ..input
        };
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return new_page(&page, &mut conn, &choices, &input, &errors, status).await;
    };
    let me = page.user().id;
    let meta = page.meta();
    let id = conn
        .transaction::<_, AppError, _>(async |conn| {
            let created = queries::open_archive(conn, &r).await?;
            let Some(id) = created else {
                return Ok(None);
            };
            queries::add_history(conn, id, None, "opened", "", Some(me)).await?;
            audit::record(
                conn,
                &meta,
                "archives.opened",
                Some(("archive", id.to_string())),
                json!({ "resident": r.resident_id, "kind": r.kind }),
            )
            .await?;
            Ok(Some(id))
        })
        .await?;
    let id = match id {
        Some(id) => id,
        // A second click: the archive exists, show it.
        None => {
            use crate::schema::archives;
            archives::table
                .filter(archives::resident_id.eq(r.resident_id))
                .select(archives::id)
                .first(&mut conn)
                .await?
        }
    };
    flash(&session, Tone::Ok, page.t("archives.opened"));
    Ok(see_other(&format!("/archives/{id}")))
}

/// A page that names an archive's confidential papers (its page, its
/// inventory for paper, its history, the borrowing form): who looked is on
/// record.
pub(super) async fn confidential_listed(
    conn: &mut DbConn,
    page: &UserPage,
    archive: i64,
    docs: &[super::models::Document],
) -> Result<(), AppError> {
    let confidential: Vec<i64> = docs
        .iter()
        .filter(|d| d.confidential && d.status != "destroyed")
        .map(|d| d.id)
        .collect();
    confidential_named(conn, page, archive, confidential).await
}

/// [`confidential_listed`] for the confidential papers a page named by id.
async fn confidential_named(
    conn: &mut DbConn,
    page: &UserPage,
    archive: i64,
    confidential: Vec<i64>,
) -> Result<(), AppError> {
    if !confidential.is_empty() {
        audit::record(
            conn,
            &page.meta(),
            "archives.confidential_listed",
            Some(("archive", archive.to_string())),
            json!({ "documents": confidential }),
        )
        .await?;
    }
    Ok(())
}

/// What the archive page shows besides the archive: the forms' state.
pub struct ShowForms {
    pub doc: DocInput,
    pub events: Option<EventsInput>,
    /// The hold form's reason, as sent.
    pub hold_reason: String,
    pub errors: FieldErrors,
}

pub(super) async fn render_show(
    page: &UserPage,
    conn: &mut DbConn,
    archive: Archive,
    mut forms: ShowForms,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    if forms.doc.form_token.is_empty() {
        forms.doc.form_token = crate::web::once::new_token();
    }
    let types: Vec<DocType> = queries::doc_types(conn)
        .await?
        .into_iter()
        .filter(|t| t.archive_kind == archive.kind)
        .collect();
    let docs = queries::documents_of(conn, archive.id).await?;
    let mut history = queries::history(conn, archive.id, None, HISTORY_PAGE + 1).await?;
    let older = crate::web::trim_page(&mut history, HISTORY_PAGE as usize).map(|(h, _, _)| h.id);
    let (moved_in, moved_out) = queries::resident_moved_out(conn, archive.resident_id).await?;
    // A form sent back with a message lists the papers as well.
    confidential_listed(conn, page, archive.id, &docs).await?;
    let events = forms.events.unwrap_or_else(|| {
        EventsInput::of([moved_out, archive.lease_ended_on, archive.contract_ended_on])
    });
    let body = ArchiveShow {
        ctx: page.ctx(),
        checklist: views::checklist(&types, &docs),
        archive,
        types,
        docs,
        history,
        older,
        moved_in,
        doc: forms.doc,
        events,
        hold_reason: forms.hold_reason,
        errors: forms.errors,
        cites: super::ARCHIVE_CITES,
    }
    .render()?;
    Ok(html(status, body))
}

/// Lines of an archive's history a page shows; the archive's page shows the
/// latest.
const HISTORY_PAGE: i64 = 100;

/// GET /archives/{id}/history?before=N: the archive's earlier history, a page
/// at a time. The papers it names are named on the archive's page too, so a
/// confidential one is on record as looked at here as well.
pub async fn history(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
    q: Query<crate::web::Before>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewArchives)?;
    let archive = queries::get(&mut conn, path.into_inner()).await?;
    let mut history = queries::history(&mut conn, archive.id, q.before, HISTORY_PAGE + 1).await?;
    let older = crate::web::trim_page(&mut history, HISTORY_PAGE as usize).map(|(h, _, _)| h.id);
    let named: Vec<i64> = history
        .iter()
        .filter_map(|(h, _, _)| h.document_id)
        .collect();
    let confidential = queries::confidential_among(&mut conn, &named).await?;
    confidential_named(&mut conn, &page, archive.id, confidential).await?;
    let body = views::ArchiveHistory {
        ctx: page.ctx(),
        archive,
        history,
        older,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /archives/{id}: the checklist (present and missing), the documents, the
/// events, the latest history.
pub async fn show(
    page: UserPage,
    mut conn: DbConn,
    config: web::Data<Config>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewArchives)?;
    let archive = queries::get(&mut conn, path.into_inner()).await?;
    let doc = DocInput {
        received_on: config.today().to_string(),
        pages: "1".into(),
        ..Default::default()
    };
    let forms = ShowForms {
        doc,
        events: None,
        hold_reason: String::new(),
        errors: FieldErrors::new(page.locale),
    };
    render_show(&page, &mut conn, archive, forms, StatusCode::OK).await
}

/// Checks a scan: at most 20 MB, and a PDF, JPEG or PNG by its bytes.
fn check_scan(bytes: &[u8], errors: &mut FieldErrors) -> Option<&'static str> {
    if bytes.len() > super::SCAN_MAX {
        errors.add("scan", "archives.error.scan_size");
        return None;
    }
    let kind = super::sniff(bytes);
    if kind.is_none() {
        errors.add("scan", "archives.error.scan_type");
    }
    kind
}

/// A file name safe for a header: the last path part, printable, bounded.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("");
    let s: String = base
        .chars()
        .filter(|c| !c.is_control() && *c != '"')
        .take(120)
        .collect();
    if s.is_empty() {
        "scan".into()
    } else {
        s
    }
}

/// POST /archives/{id}/documents (multipart): files a document, with its scan
/// when one is sent; the inventory and the history change with it.
pub async fn add_document(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    path: web::Path<i64>,
    upload: Upload,
) -> Result<HttpResponse, AppError> {
    page.require(Right::EditArchives)?;
    let archive = queries::get(&mut conn, path.into_inner()).await?;
    let mut input = DocInput::from_fields(&upload.fields);
    let mut errors = FieldErrors::new(page.locale);
    // A double click, or the back button after filing, leads to the archive.
    let token = crate::web::once::check(
        &mut conn,
        &session,
        &page,
        &mut input.form_token,
        &mut errors,
    )
    .await?;
    let types: Vec<DocType> = queries::doc_types(&mut conn)
        .await?
        .into_iter()
        .filter(|t| t.archive_kind == archive.kind)
        .collect();
    let ids: Vec<i64> = types.iter().map(|t| t.id).collect();
    let scan = upload.file("scan");
    let scan_type = scan.and_then(|f| check_scan(&f.content, &mut errors));
    let valid = input.validate(&ids, config.today(), &mut errors);
    let (Some(v), Some(token)) = (valid.filter(|_| errors.is_empty()), token) else {
        // A browser never sends a file back: a good scan refused with the form
        // for another field must be chosen again, and the form says so.
        if scan.is_some() && !errors.is_empty() && !errors.has("scan") {
            errors.add("scan", "archives.error.scan_again");
        }
        let forms = ShowForms {
            doc: input,
            events: None,
            hold_reason: String::new(),
            errors,
        };
        return render_show(
            &page,
            &mut conn,
            archive,
            forms,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let personal = types.iter().any(|t| t.id == v.type_id && t.personal);
    let me = page.user().id;
    let meta = page.meta();
    let archive_id = archive.id;
    let mut duplicate = false;
    let filed = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me).await? {
                return Ok(None);
            }
            // The archive before its papers (their retention recomputed below),
            // as every change of an archive and its papers locks them.
            queries::lock_archive(conn, archive_id).await?;
            let Some(id) = queries::insert_document(
                conn,
                &NewDocument {
                    archive_id,
                    type_id: v.type_id,
                    title: &v.title,
                    received_on: v.received_on,
                    pages: v.pages,
                    cabinet: &v.cabinet,
                    box_: &v.box_,
                    confidential: v.confidential || personal,
                    created_by: me,
                },
            )
            .await?
            else {
                // Undone, the claim too: the form comes back with its token.
                duplicate = true;
                return Err(AppError::Db(diesel::result::Error::RollbackTransaction));
            };
            if let (Some(f), Some(ct)) = (scan, scan_type) {
                queries::put_scan(conn, id, ct, &clean_name(&f.filename), &f.content, me).await?;
            }
            documents_changed(conn, archive_id, id, "document_added", &v.title, me).await?;
            audit::record(
                conn,
                &meta,
                "archives.document_added",
                Some(("archive_document", id.to_string())),
                json!({ "archive": archive_id, "type": v.type_id, "scan": scan_type }),
            )
            .await?;
            Ok(token.filed(conn, format!("/archives/{archive_id}")).await?)
        })
        .await;
    let filed = match filed {
        Err(AppError::Db(diesel::result::Error::RollbackTransaction)) if duplicate => None,
        other => Some(other?),
    };
    let Some(filed) = filed else {
        // Filed already, from another form (a paper typed as another): the form
        // comes back as typed, beside the archive's list that shows it.
        errors.add("title", "archives.error.duplicate");
        if scan.is_some() {
            errors.add("scan", "archives.error.scan_again");
        }
        let forms = ShowForms {
            doc: input,
            events: None,
            hold_reason: String::new(),
            errors,
        };
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_show(&page, &mut conn, archive, forms, status).await;
    };
    let ok = "archives.document_added";
    crate::web::once::answer(&mut conn, &session, &page, &token, filed, ok).await
}

/// GET /archives/documents/{id}: one document; a confidential one's view is audited.
pub async fn document(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewArchives)?;
    let doc = queries::document(&mut conn, path.into_inner()).await?;
    if doc.confidential {
        audit::record(
            &mut conn,
            &page.meta(),
            "archives.document_viewed",
            Some(("archive_document", doc.id.to_string())),
            json!({ "archive": doc.archive_id, "confidential": true }),
        )
        .await?;
    }
    let input = DocInput::of(&doc);
    let errors = FieldErrors::new(page.locale);
    render_document(&page, &mut conn, doc, input, &errors, StatusCode::OK).await
}

/// The document page; `input` fills its edit form.
async fn render_document(
    page: &UserPage,
    conn: &mut DbConn,
    doc: super::models::Document,
    input: DocInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    render_document_with(page, conn, doc, input, SideInput::fresh(), errors, status).await
}

/// The document page with its appraisal and removal forms as sent (`side`).
pub(super) async fn render_document_with(
    page: &UserPage,
    conn: &mut DbConn,
    doc: super::models::Document,
    input: DocInput,
    side: SideInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let archive = queries::get(conn, doc.archive_id).await?;
    let doc_type = queries::doc_type(conn, doc.type_id).await?;
    let types = if page.may(Right::EditArchives) {
        types_for(conn, &archive).await?
    } else {
        Vec::new()
    };
    let listed = queries::open_list_of(conn, doc.id).await?;
    let body = DocumentShow {
        ctx: page.ctx(),
        cites: super::DOCUMENT_CITES,
        listed,
        doc,
        doc_type,
        archive,
        errors,
        input,
        side,
        types,
    }
    .render()?;
    Ok(html(status, body))
}

/// The document types an archive of this kind holds.
async fn types_for(conn: &mut DbConn, archive: &Archive) -> Result<Vec<DocType>, AppError> {
    Ok(queries::doc_types(conn)
        .await?
        .into_iter()
        .filter(|t| t.archive_kind == archive.kind)
        .collect())
}

/// After a document is filed or changed: its retention date and the archive's
/// completeness derived again, and a line in the archive's history.
async fn documents_changed(
    conn: &mut diesel_async::AsyncPgConnection,
    archive: i64,
    document: i64,
    action: &str,
    title: &str,
    by: i64,
) -> diesel::QueryResult<()> {
    queries::recompute_retention(conn, Scope::Archive(archive)).await?;
    queries::refresh_summary(conn, archive).await?;
    queries::add_history(conn, archive, Some(document), action, title, Some(by)).await
}

/// How a correction ended.
enum Edited {
    Saved,
    Unchanged,
    /// Destroyed or taken out meanwhile.
    Gone,
    /// Corrected by someone else since the form was read: left as they made it.
    Changed,
    /// On an open destruction list.
    Listed,
}

/// Whether the form says what the document already says.
fn unchanged(d: &super::models::Document, v: &super::forms::ValidDoc) -> bool {
    (
        d.type_id,
        &d.title,
        d.received_on,
        d.pages,
        &d.cabinet,
        &d.box_,
        d.confidential,
    ) == (
        v.type_id,
        &v.title,
        v.received_on,
        v.pages,
        &v.cabinet,
        &v.box_,
        v.confidential,
    )
}

/// POST /archives/documents/{id}: corrects a document's particulars (档案变更:
/// 客服主任应及时修改《档案资料清单》); its retention date and the archive's
/// completeness follow, and the change goes into the archive's history.
pub async fn edit_document(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    path: web::Path<i64>,
    Form(fields): Form<std::collections::HashMap<String, String>>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::EditArchives)?;
    let doc = queries::document(&mut conn, path.into_inner()).await?;
    let id = doc.id;
    if !doc.in_archive() {
        flash(&session, Tone::Error, page.t("archives.error.destroyed"));
        return Ok(see_other(&format!("/archives/documents/{id}")));
    }
    let archive = queries::get(&mut conn, doc.archive_id).await?;
    let types = types_for(&mut conn, &archive).await?;
    let ids: Vec<i64> = types.iter().map(|t| t.id).collect();
    let input = DocInput::from_fields(&fields);
    let mut errors = FieldErrors::new(page.locale);
    let Some(mut v) = input.validate(&ids, config.today(), &mut errors) else {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_document(&page, &mut conn, doc, input, &errors, status).await;
    };
    v.confidential |= types.iter().any(|t| t.id == v.type_id && t.personal);
    // Only the keeper, who alone opens a confidential paper's scan (住户档案管理
    // 规定 3(3)), may lift its confidentiality: a colleague's correction of its
    // type or its box leaves it confidential.
    v.confidential |= doc.confidential && !page.may(Right::KeepArchives);
    let me = page.user().id;
    let meta = page.meta();
    let archive_id = archive.id;
    let changed = conn
        .transaction::<_, AppError, _>(async |conn| {
            queries::lock_archives_of(conn, &[id]).await?;
            let before = queries::lock_document(conn, id).await?;
            if !before.in_archive() {
                return Ok(Edited::Gone);
            }
            // What the list's reviewers and witnesses see stays as they saw it.
            if queries::open_list_of(conn, id).await?.is_some() {
                return Ok(Edited::Listed);
            }
            if unchanged(&before, &v) {
                // A second click, or a form sent as it was: nothing to record.
                return Ok(Edited::Unchanged);
            }
            if !input.seen.is_empty() && input.seen != super::forms::particulars_seen(&before) {
                return Ok(Edited::Changed);
            }
            queries::update_document(conn, id, &v).await?;
            documents_changed(conn, archive_id, id, "document_changed", &v.title, me).await?;
            audit::record(
                conn,
                &meta,
                "archives.document_changed",
                Some(("archive_document", id.to_string())),
                json!({
                    "archive": archive_id,
                    "before": {
                        "type": before.type_id, "title": before.title,
                        "received_on": before.received_on, "pages": before.pages,
                        "cabinet": before.cabinet, "box": before.box_,
                        "confidential": before.confidential,
                    },
                    "after": {
                        "type": v.type_id, "title": v.title,
                        "received_on": v.received_on, "pages": v.pages,
                        "cabinet": v.cabinet, "box": v.box_,
                        "confidential": v.confidential,
                    },
                }),
            )
            .await?;
            Ok(Edited::Saved)
        })
        .await;
    match changed {
        Ok(Edited::Saved) => flash(&session, Tone::Ok, page.t("archives.document_changed")),
        Ok(Edited::Unchanged) => flash(&session, Tone::Ok, page.t("archives.document_unchanged")),
        Ok(Edited::Gone) => flash(&session, Tone::Error, page.t("archives.error.destroyed")),
        Ok(Edited::Listed) => {
            let doc = queries::document(&mut conn, id).await?;
            errors.add("seen", "archives.error.document_on_list");
            let status = StatusCode::CONFLICT;
            return render_document(&page, &mut conn, doc, input, &errors, status).await;
        }
        Ok(Edited::Changed) => {
            // The form comes back as typed, now against their correction:
            // saving it again replaces it, knowingly.
            let doc = queries::document(&mut conn, id).await?;
            let input = DocInput {
                seen: super::forms::particulars_seen(&doc),
                ..input
            };
            errors.add("seen", "archives.error.document_changed");
            let status = StatusCode::CONFLICT;
            return render_document(&page, &mut conn, doc, input, &errors, status).await;
        }
        Err(AppError::Db(e)) if is_unique_violation(&e) => {
            errors.add("title", "archives.error.duplicate");
            let doc = queries::document(&mut conn, id).await?;
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            return render_document(&page, &mut conn, doc, input, &errors, status).await;
        }
        Err(e) => return Err(e),
    }
    Ok(see_other(&format!("/archives/documents/{id}")))
}

/// GET /archives/documents/{id}/scan: the scan, as an attachment; every view
/// audited. A confidential paper's scan is a copy the rule book forbids
/// (住户档案管理规定 3(3): consulted on site only): only its keeper opens it.
pub async fn scan(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewArchives)?;
    let doc = queries::document(&mut conn, path.into_inner()).await?;
    if doc.confidential && !page.may(Right::KeepArchives) {
        return Err(AppError::Forbidden);
    }
    if !doc.has_scan {
        return Err(AppError::NotFound);
    }
    let (content_type, filename, bytes) = queries::scan(&mut conn, doc.id).await?;
    audit::record(
        &mut conn,
        &page.meta(),
        "archives.scan_viewed",
        Some(("archive_document", doc.id.to_string())),
        json!({ "archive": doc.archive_id, "confidential": doc.confidential }),
    )
    .await?;
    let disposition = header::ContentDisposition {
        disposition: header::DispositionType::Attachment,
        parameters: vec![header::DispositionParam::Filename(filename)],
    };
    Ok(HttpResponse::Ok()
        .content_type(content_type)
        .insert_header(disposition)
        .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(bytes))
}

/// POST /archives/documents/{id}/scan (multipart): adds or replaces the scan.
pub async fn upload_scan(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    upload: Upload,
) -> Result<HttpResponse, AppError> {
    page.require(Right::EditArchives)?;
    let doc = queries::document(&mut conn, path.into_inner()).await?;
    let mut errors = FieldErrors::new(page.locale);
    let scan_type = match upload.file("scan") {
        Some(f) => check_scan(&f.content, &mut errors),
        None => {
            errors.add("scan", "archives.error.scan_missing");
            None
        }
    };
    // Taken out or destroyed (the page was open in another tab): its page says
    // so, and offers no scan to add.
    let gone = |session: &Session| {
        flash(session, Tone::Error, page.t("archives.error.destroyed"));
        Ok(see_other(&format!("/archives/documents/{}", doc.id)))
    };
    if !doc.in_archive() {
        return gone(&session);
    }
    // A confidential paper's scan is its keeper's alone, to open or to replace.
    if doc.confidential && !page.may(Right::KeepArchives) {
        errors.add("scan", "archives.error.scan_confidential");
        let input = DocInput::of(&doc);
        return render_document(&page, &mut conn, doc, input, &errors, StatusCode::FORBIDDEN).await;
    }
    let (Some(f), Some(ct)) = (upload.file("scan"), scan_type) else {
        let input = DocInput::of(&doc);
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_document(&page, &mut conn, doc, input, &errors, status).await;
    };
    let me = page.user().id;
    let meta = page.meta();
    let may_keep = page.may(Right::KeepArchives);
    let digest = <sha2::Sha256 as sha2::Digest>::digest(&f.content).to_vec();
    let put = conn
        .transaction::<_, AppError, _>(async |conn| {
            // As the paper stands now: taken out, or made confidential, since
            // the checks above.
            queries::lock_archives_of(conn, &[doc.id]).await?;
            let now = queries::lock_document(conn, doc.id).await?;
            if !now.in_archive() {
                return Ok(Put::Gone);
            }
            if now.confidential && !may_keep {
                return Ok(Put::Confidential);
            }
            // What the list's reviewers and witnesses see stays as they saw it.
            if queries::open_list_of(conn, doc.id).await?.is_some() {
                return Ok(Put::OnList);
            }
            // The same file sent twice (a double click, the back button).
            if queries::scan_is(conn, doc.id, &digest).await? {
                return Ok(Put::Done);
            }
            queries::put_scan(conn, doc.id, ct, &clean_name(&f.filename), &f.content, me).await?;
            queries::add_history(
                conn,
                doc.archive_id,
                Some(doc.id),
                "scan_added",
                &doc.title,
                Some(me),
            )
            .await?;
            audit::record(
                conn,
                &meta,
                "archives.scan_added",
                Some(("archive_document", doc.id.to_string())),
                json!({ "content_type": ct, "size": f.content.len() }),
            )
            .await?;
            Ok(Put::Done)
        })
        .await?;
    let refused = match put {
        Put::Done => {
            flash(&session, Tone::Ok, page.t("archives.scan_added"));
            return Ok(see_other(&format!("/archives/documents/{}", doc.id)));
        }
        Put::Gone => return gone(&session),
        Put::Confidential => "archives.error.scan_confidential",
        Put::OnList => "archives.error.scan_on_list",
    };
    errors.add("scan", refused);
    let doc = queries::document(&mut conn, doc.id).await?;
    let input = DocInput::of(&doc);
    render_document(&page, &mut conn, doc, input, &errors, StatusCode::CONFLICT).await
}

/// What became of a scan sent: put (or the same one was already), or refused
/// by how the paper stands when it came.
enum Put {
    Done,
    Gone,
    Confidential,
    OnList,
}

/// POST /archives/{id}/events: the move-out, lease end or contract end; the
/// retention dates of the archive's documents follow in the same transaction.
pub async fn events(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(input): Form<EventsInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::EditArchives)?;
    let archive = queries::get(&mut conn, path.into_inner()).await?;
    let (moved_in, _) = queries::resident_moved_out(&mut conn, archive.resident_id).await?;
    let mut errors = FieldErrors::new(page.locale);
    let Some(v) = input.validate(moved_in, page.today(), &mut errors) else {
        let forms = ShowForms {
            doc: DocInput::default(),
            events: Some(input),
            hold_reason: String::new(),
            errors,
        };
        return render_show(
            &page,
            &mut conn,
            archive,
            forms,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    enum Events {
        Saved,
        Unchanged,
        /// Changed by someone else since the form was read: left as they
        /// made it, these dates.
        Changed([Option<chrono::NaiveDate>; 3]),
    }
    let me = page.user().id;
    let meta = page.meta();
    let sent = [v.moved_out, v.lease_ended_on, v.contract_ended_on];
    let outcome = conn
        .transaction::<_, AppError, _>(async |conn| {
            let before = queries::lock_events(conn, archive.id, archive.resident_id).await?;
            if before == sent {
                // Sent as it stood (a second click): nothing to record.
                return Ok(Events::Unchanged);
            }
            if !input.seen.is_empty() && input.seen != super::forms::events_seen(before) {
                return Ok(Events::Changed(before));
            }
            queries::set_moved_out(conn, archive.resident_id, v.moved_out).await?;
            queries::set_events(conn, archive.id, v.lease_ended_on, v.contract_ended_on).await?;
            let moved = queries::recompute_retention(conn, Scope::Archive(archive.id)).await?;
            let detail = v.history_detail(before);
            queries::add_history(conn, archive.id, None, "events", &detail, Some(me)).await?;
            audit::record(
                conn,
                &meta,
                "archives.events",
                Some(("archive", archive.id.to_string())),
                json!({ "moved_out": v.moved_out, "lease_ended_on": v.lease_ended_on,
                        "contract_ended_on": v.contract_ended_on, "retention_changed": moved }),
            )
            .await?;
            Ok(Events::Saved)
        })
        .await;
    let outcome = match outcome {
        Ok(outcome) => outcome,
        // The move-out cleared, while the same person lives in the room again
        // (registered anew on the room's page): two current records of them.
        Err(AppError::Db(e)) if crate::db::violates(&e, "residents_once_per_room") => {
            errors.add("moved_out", "archives.error.moved_back_in");
            let forms = ShowForms {
                doc: DocInput::default(),
                events: Some(input),
                hold_reason: String::new(),
                errors,
            };
            return render_show(&page, &mut conn, archive, forms, StatusCode::CONFLICT).await;
        }
        Err(e) => return Err(e),
    };
    match outcome {
        Events::Unchanged => flash(&session, Tone::Ok, page.t("archives.document_unchanged")),
        Events::Changed(now) => {
            // The form comes back as typed, now against the colleague's dates:
            // saving it again replaces them, knowingly.
            let archive = queries::get(&mut conn, archive.id).await?;
            errors.add("events_seen", "archives.error.events_changed");
            let forms = ShowForms {
                doc: DocInput::default(),
                events: Some(EventsInput {
                    seen: super::forms::events_seen(now),
                    ..input
                }),
                hold_reason: String::new(),
                errors,
            };
            return render_show(&page, &mut conn, archive, forms, StatusCode::CONFLICT).await;
        }
        Events::Saved => flash(&session, Tone::Ok, page.t("archives.events_saved")),
    }
    Ok(see_other(&format!("/archives/{}", archive.id)))
}

/// What a legal hold (冻结) is put on: a whole archive, or one document in it.
enum HoldTarget<'a> {
    Archive(i64),
    Document {
        archive: i64,
        id: i64,
        title: &'a str,
    },
}

/// Puts the target on hold or releases it, with its history and audit rows.
async fn set_hold(
    page: &UserPage,
    conn: &mut DbConn,
    target: HoldTarget<'_>,
    hold: bool,
    reason: &str,
) -> Result<(), AppError> {
    let me = page.user().id;
    let meta = page.meta();
    let action = if hold { "hold" } else { "release" };
    conn.transaction::<_, AppError, _>(async |conn| {
        let (archive, doc, detail, entity) = match target {
            HoldTarget::Archive(id) => {
                if !queries::set_archive_hold(conn, id, hold).await? {
                    return Ok(());
                }
                (id, None, reason.to_owned(), ("archive", id))
            }
            HoldTarget::Document { archive, id, title } => {
                if !queries::set_document_hold(conn, id, hold).await? {
                    return Ok(());
                }
                let detail = match reason {
                    "" => title.to_owned(),
                    _ => format!("{title} · {reason}"),
                };
                (archive, Some(id), detail, ("archive_document", id))
            }
        };
        queries::add_history(conn, archive, doc, action, &detail, Some(me)).await?;
        audit::record(
            conn,
            &meta,
            &format!("archives.{action}"),
            Some((entity.0, entity.1.to_string())),
            json!({ "reason": reason }),
        )
        .await?;
        Ok(())
    })
    .await
}

/// POST /archives/{id}/hold: puts the archive on legal hold (冻结) or releases it.
/// A hold needs a reason; without one the page comes back saying so. Sent
/// twice, it is recorded once.
pub async fn archive_hold(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    path: web::Path<i64>,
    Form(input): Form<HoldInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::KeepArchives)?;
    let archive = queries::get(&mut conn, path.into_inner()).await?;
    let mut errors = FieldErrors::new(page.locale);
    let Some((hold, reason)) = input.validate(&mut errors) else {
        let forms = ShowForms {
            doc: DocInput {
                received_on: config.today().to_string(),
                pages: "1".into(),
                ..Default::default()
            },
            events: None,
            hold_reason: input.hold_reason,
            errors,
        };
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_show(&page, &mut conn, archive, forms, status).await;
    };
    let target = HoldTarget::Archive(archive.id);
    set_hold(&page, &mut conn, target, hold, &reason).await?;
    flash(&session, Tone::Ok, page.t("archives.hold_saved"));
    Ok(see_other(&format!("/archives/{}", archive.id)))
}

/// POST /archives/documents/{id}/hold: one document on legal hold, or released;
/// as [`archive_hold`].
pub async fn document_hold(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(input): Form<HoldInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::KeepArchives)?;
    let doc = queries::document(&mut conn, path.into_inner()).await?;
    if !doc.in_archive() {
        flash(&session, Tone::Error, page.t("archives.error.destroyed"));
        return Ok(see_other(&format!("/archives/documents/{}", doc.id)));
    }
    let mut errors = FieldErrors::new(page.locale);
    let Some((hold, reason)) = input.validate(&mut errors) else {
        let fields = DocInput::of(&doc);
        let side = SideInput {
            hold_reason: input.hold_reason,
            ..SideInput::fresh()
        };
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_document_with(&page, &mut conn, doc, fields, side, &errors, status).await;
    };
    let target = HoldTarget::Document {
        archive: doc.archive_id,
        id: doc.id,
        title: &doc.title,
    };
    set_hold(&page, &mut conn, target, hold, &reason).await?;
    flash(&session, Tone::Ok, page.t("archives.hold_saved"));
    Ok(see_other(&format!("/archives/documents/{}", doc.id)))
}

/// How taking a paper out ended.
enum Removal {
    Removed,
    /// Taken out already (a second click).
    Already,
    /// Refused, with the catalog key saying why.
    Refused(&'static str),
    /// The form itself is wrong (its errors say how).
    Invalid,
}

/// Why a paper cannot be taken out of its archive now, as a catalog key.
fn removal_refused(
    doc: &super::models::Document,
    archive_held: bool,
    listed: bool,
) -> Option<&'static str> {
    match doc.status.as_str() {
        "on_loan" => Some("archives.error.remove_on_loan"),
        "destroyed" => Some("archives.error.destroyed"),
        _ if doc.legal_hold || archive_held => Some("archives.error.remove_on_hold"),
        _ if listed => Some("archives.error.remove_listed"),
        _ => None,
    }
}

/// POST /archives/documents/{id}/remove: 档案变更 (数量). The paper leaves its
/// archive (returned to the resident, filed in the wrong archive, replaced): its
/// particulars stay with the reason, its scan is deleted, and the archive's
/// completeness, inventory and history follow. Not while it is lent out, on hold
/// or on an open destruction list.
pub async fn remove_document(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(input): Form<RemoveInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::KeepArchives)?;
    let doc = queries::document(&mut conn, path.into_inner()).await?;
    let id = doc.id;
    let reason = input.remove_reason.trim().to_owned();
    let mut errors = FieldErrors::new(page.locale);
    if reason.is_empty() {
        errors.add("remove_reason", "archives.error.remove_reason");
    } else if reason.chars().count() > 200 {
        errors.add("remove_reason", "archives.error.remove_reason_long");
    }
    let outcome = if errors.is_empty() {
        let me = page.user().id;
        let meta = page.meta();
        conn.transaction::<_, AppError, _>(async |conn| {
            // The archive first, as every change of an archive and its papers
            // locks them: a hold on the whole archive set meanwhile is seen.
            queries::lock_archives_of(conn, &[id]).await?;
            let before = queries::lock_document(conn, id).await?;
            if before.status == "removed" {
                return Ok(Removal::Already);
            }
            let archive = queries::get(conn, before.archive_id).await?;
            let listed = !super::queries::on_open_list(conn, &[id]).await?.is_empty();
            if let Some(key) = removal_refused(&before, archive.legal_hold, listed) {
                return Ok(Removal::Refused(key));
            }
            queries::remove_document(conn, id, &reason, me).await?;
            queries::refresh_summary(conn, archive.id).await?;
            // The paper's title goes with it (the entry names its paper):
            // the reason alone, in no one language's punctuation.
            queries::add_history(
                conn,
                archive.id,
                Some(id),
                "document_removed",
                &reason,
                Some(me),
            )
            .await?;
            audit::record(
                conn,
                &meta,
                "archives.document_removed",
                Some(("archive_document", id.to_string())),
                json!({ "archive": archive.id, "title": before.title, "reason": reason,
                        "had_scan": before.has_scan }),
            )
            .await?;
            Ok(Removal::Removed)
        })
        .await?
    } else {
        Removal::Invalid
    };
    match outcome {
        Removal::Removed | Removal::Already => {
            flash(&session, Tone::Ok, page.t("archives.document_removed"));
            Ok(see_other(&format!("/archives/documents/{id}")))
        }
        Removal::Refused(_) | Removal::Invalid => {
            if let Removal::Refused(key) = outcome {
                errors.add("remove_reason", key);
            }
            let doc = queries::document(&mut conn, id).await?;
            let fields = DocInput::of(&doc);
            let side = SideInput {
                remove_reason: input.remove_reason,
                ..SideInput::fresh()
            };
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            render_document_with(&page, &mut conn, doc, fields, side, &errors, status).await
        }
    }
}

/// GET /archives/{id}/inventory: the 档案资料清单 for paper.
pub async fn inventory(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewArchives)?;
    let archive = queries::get(&mut conn, path.into_inner()).await?;
    let types: Vec<DocType> = queries::doc_types(&mut conn)
        .await?
        .into_iter()
        .filter(|t| t.archive_kind == archive.kind)
        .collect();
    let docs = queries::documents_of(&mut conn, archive.id).await?;
    confidential_listed(&mut conn, &page, archive.id, &docs).await?;
    let body = Inventory {
        ctx: page.ctx(),
        checklist: views::checklist(&types, &docs),
        archive,
        types,
        docs,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

fn types_page(
    page: &UserPage,
    types: Vec<DocType>,
    input: &TypeInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let body = TypesPage {
        ctx: page.ctx(),
        types,
        input,
        errors,
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /archives/types: the checklists' document types; admins add new ones.
pub async fn types(page: UserPage, mut conn: DbConn) -> Result<HttpResponse, AppError> {
    if !page.may(Right::ManageDocTypes) {
        page.require(Right::ViewArchives)?;
    }
    let types = queries::doc_types(&mut conn).await?;
    let input = TypeInput {
        archive_kind: "owner".into(),
        event: "received".into(),
        years: "10".into(),
        required: Some("on".into()),
        form_token: once::new_token(),
        ..Default::default()
    };
    let errors = FieldErrors::new(page.locale);
    types_page(&page, types, &input, &errors, StatusCode::OK)
}

/// POST /archives/types: an admin extends a checklist.
pub async fn add_type(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    Form(mut input): Form<TypeInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageDocTypes)?;
    let mut errors = FieldErrors::new(page.locale);
    let form_token = &mut input.form_token;
    let token = once::check(&mut conn, &session, &page, form_token, &mut errors).await?;
    let (Some(v), Some(token)) = (input.validate(&mut errors), token) else {
        let types = queries::doc_types(&mut conn).await?;
        return types_page(
            &page,
            types,
            &input,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let meta = page.meta();
    let me = page.user().id;
    let result = conn
        .transaction::<_, diesel::result::Error, _>(async |conn| {
            if !token.claim(conn, me).await? {
                return Ok(None);
            }
            let position: Option<i32> = archive_doc_types::table
                .filter(archive_doc_types::archive_kind.eq(v.archive_kind))
                .select(diesel::dsl::max(archive_doc_types::position))
                .first(conn)
                .await?;
            let id: i64 = diesel::insert_into(archive_doc_types::table)
                .values(&NewDocType {
                    code: &v.code,
                    archive_kind: v.archive_kind,
                    name_zh: &v.name_zh,
                    name_en: &v.name_en,
                    position: position.unwrap_or(0) + 1,
                    required: v.required,
                    personal: v.personal,
                    retention_event: v.event,
                    retention_years: v.years,
                })
                .returning(archive_doc_types::id)
                .get_result(conn)
                .await?;
            audit::record(
                conn,
                &meta,
                "archives.type_added",
                Some(("archive_doc_type", id.to_string())),
                json!({ "code": v.code, "kind": v.archive_kind, "required": v.required }),
            )
            .await?;
            token.filed(conn, "/archives/types".into()).await
        })
        .await;
    let filed = match result {
        Ok(filed) => filed,
        Err(e) if is_unique_violation(&e) => {
            input.form_token = once::new_token();
            errors.add("code", "archives.error.code_taken");
            let types = queries::doc_types(&mut conn).await?;
            return types_page(
                &page,
                types,
                &input,
                &errors,
                StatusCode::UNPROCESSABLE_ENTITY,
            );
        }
        Err(e) => return Err(e.into()),
    };
    once::answer(
        &mut conn,
        &session,
        &page,
        &token,
        filed,
        "archives.type_added",
    )
    .await
}
