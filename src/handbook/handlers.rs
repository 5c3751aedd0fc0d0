use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::json;

use super::current::{self, KeptCurrent};
use super::forms::{ClauseInput, ImportInput, PublishInput, TextInput, MAX_TEXT_CHARS};
use super::models::{DocumentRow, Version};
use super::publication;
use super::queries;
use super::queries::PublishedContent;
use super::registers::Gauges;
use super::views::*;
use super::{diff as differ, import};
use crate::audit;
use crate::auth::Right;
use crate::config::Config;
use crate::db::{DbConn, ReadConn};
use crate::error::AppError;
use crate::web::context::{flash, Tone};
use crate::web::export::{self, Cell, ExportFormat, Sheet};
use crate::web::{html, see_other, FieldErrors, Form, Query, UserPage};
use std::sync::Arc;

/// Most search results shown at once.
const SEARCH_LIMIT: usize = 50;

/// The current version of every document in reading order, with its content:
/// from memory once read (the kept handbook, the published contents).
async fn current_docs(
    conn: &mut impl crate::db::Read,
    kept: &KeptCurrent,
    published: &PublishedContent,
    tz: chrono_tz::Tz,
) -> Result<Vec<DocView>, AppError> {
    let handbook = current::get(conn, kept, tz).await?;
    let versions: Vec<&Version> = handbook.published().map(|(_, v)| v).collect();
    let contents = published.get_many(conn, &versions).await?;
    Ok(handbook
        .published()
        .zip(contents)
        .map(|((document, version), content)| DocView {
            document: document.clone(),
            version: version.clone(),
            content,
        })
        .collect())
}

/// GET /handbook
pub async fn index(
    page: UserPage,
    conn: ReadConn,
    kept: web::Data<KeptCurrent>,
    published: web::Data<PublishedContent>,
) -> Result<HttpResponse, AppError> {
    let mut conn = conn.get();
    let docs = current_docs(&mut conn, &kept, &published, page.tz).await?;
    let may_edit = page.may(Right::EditHandbook);
    let drafts = if may_edit {
        queries::drafts(&mut conn).await?
    } else {
        Vec::new()
    };
    let body = IndexPage {
        ctx: page.ctx(),
        docs,
        drafts,
        may_edit,
        may_report: page.may(Right::ViewAckReport),
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// What a document page reads from memory before the database.
struct Memory<'a> {
    config: &'a Config,
    published: &'a PublishedContent,
    kept: &'a KeptCurrent,
    gauges: &'a Gauges,
}

async fn show_page(
    page: &UserPage,
    conn: ReadConn,
    memory: Memory<'_>,
    id: i64,
    number: Option<i32>,
) -> Result<HttpResponse, AppError> {
    let Memory {
        config,
        published,
        kept,
        gauges,
    } = memory;
    let mut conn = conn.get();
    let handbook = current::get(&mut conn, kept, page.tz).await?;
    let entry = handbook.entry(id).ok_or(AppError::NotFound)?;
    let in_force = entry.in_force(handbook.day());
    let latest = in_force.map_or(0, |v| v.number_or_zero());
    let version = match number {
        None => in_force,
        Some(n) => entry.versions.iter().find(|v| v.number == Some(n)),
    }
    .cloned()
    .ok_or(AppError::NotFound)?;
    let content = published.get(&mut conn, &version).await?;
    let doc = DocView {
        document: entry.document.clone(),
        version,
        content,
    };
    let plan = published.plan(&doc.version, &doc.content);
    let allowed = plan.allowed(|r| page.may(r));
    let shown =
        super::registers::gauges(&mut conn, gauges, &plan.gauges(allowed), config.tz).await?;
    let key = plan.key(&entry.links, allowed, &shown);
    let article = published.article(&doc.version, page.locale, key, || {
        Article {
            loc: page.locale,
            doc: &doc,
            links: &plan.links(&entry.links, page.locale, allowed, &shown),
            base_url: config.base_url.as_str(),
        }
        .render()
    })?;
    let body = ShowPage {
        ctx: page.ctx(),
        doc,
        latest,
        versions: &entry.versions,
        article,
        has_draft: entry.has_draft,
        may_edit: page.may(Right::EditHandbook),
        may_report: page.may(Right::ViewAckReport),
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /handbook/{id}: the current version.
pub async fn show(
    page: UserPage,
    conn: ReadConn,
    config: web::Data<Config>,
    published: web::Data<PublishedContent>,
    kept: web::Data<KeptCurrent>,
    gauges: web::Data<Gauges>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let memory = Memory {
        config: &config,
        published: &published,
        kept: &kept,
        gauges: &gauges,
    };
    show_page(&page, conn, memory, id, None).await
}

/// GET /handbook/cite?c=…: a register's citation of a clause, resolved to the
/// clause in the version in force (links survive revisions and renumbered
/// documents), from the kept handbook.
pub async fn cite(
    page: UserPage,
    conn: ReadConn,
    kept: web::Data<KeptCurrent>,
    query: Query<crate::web::cite::CiteQuery>,
) -> Result<HttpResponse, AppError> {
    let handbook = current::get(&mut conn.get(), &kept, page.tz).await?;
    match handbook.find(query.c.trim(), query.q.trim()) {
        Some((document_id, anchor)) => Ok(see_other(&format!("/handbook/{document_id}#c{anchor}"))),
        None => Err(AppError::NotFound),
    }
}

/// GET /handbook/{id}/v/{number}: an earlier (or the current) version.
pub async fn show_version(
    page: UserPage,
    conn: ReadConn,
    config: web::Data<Config>,
    published: web::Data<PublishedContent>,
    kept: web::Data<KeptCurrent>,
    gauges: web::Data<Gauges>,
    path: web::Path<(i64, i32)>,
) -> Result<HttpResponse, AppError> {
    let (id, number) = path.into_inner();
    let memory = Memory {
        config: &config,
        published: &published,
        kept: &kept,
        gauges: &gauges,
    };
    show_page(&page, conn, memory, id, Some(number)).await
}

#[derive(Deserialize)]
pub struct SearchQuery {
    #[serde(default)]
    q: String,
}

/// GET /handbook/search?q=
pub async fn search(
    page: UserPage,
    conn: ReadConn,
    kept: web::Data<KeptCurrent>,
    query: Query<SearchQuery>,
) -> Result<HttpResponse, AppError> {
    let q: String = query.q.trim().chars().filter(|c| !c.is_control()).collect();
    let mut error = String::new();
    let searched = !q.is_empty();
    let handbook;
    let (mut hits, mut more) = (Vec::new(), false);
    if q.chars().count() > 50 {
        error = page.t("handbook.search.too_long").to_owned();
    } else if searched {
        handbook = current::get(&mut conn.get(), &kept, page.tz).await?;
        (hits, more) = handbook.search(&q, SEARCH_LIMIT);
    }
    let body = SearchPage {
        ctx: page.ctx(),
        q,
        hits,
        more,
        error: error.clone(),
        searched,
    }
    .render()?;
    let status = if error.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok(html(status, body))
}

fn now_text(page: &UserPage) -> String {
    page.datetime(&chrono::Utc::now())
}

/// GET /handbook/print: the whole book.
pub async fn print_book(
    page: UserPage,
    conn: ReadConn,
    kept: web::Data<KeptCurrent>,
    published: web::Data<PublishedContent>,
) -> Result<HttpResponse, AppError> {
    let docs = current_docs(&mut conn.get(), &kept, &published, page.tz).await?;
    // As of the day it is printed: a version taking effect later says so.
    let latest = page.today().format("%Y-%m-%d").to_string();
    let body = PrintPage {
        ctx: page.ctx(),
        heading: page.t("handbook.print.book_title").to_owned(),
        cover_version: page.tf("handbook.print.book_version", &[("date", &latest)]),
        docs,
        printed_by: page.user().display_name.clone(),
        printed_at: now_text(&page),
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

#[derive(Deserialize)]
pub struct PrintQuery {
    /// A version's number; empty for the one in force. Anything else names no
    /// version: 404, as `/handbook/{id}/v/{n}` answers.
    #[serde(default)]
    v: String,
    /// One chapter (a section's position) alone; empty for the whole document.
    #[serde(default)]
    s: String,
}

/// GET /handbook/{id}/print[?v=N][&s=P]: the document, or one chapter of it.
pub async fn print_document(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
    query: Query<PrintQuery>,
) -> Result<HttpResponse, AppError> {
    let document = queries::document(&mut conn, path.into_inner()).await?;
    let version = match query.v.trim() {
        "" => {
            let versions = queries::published_versions(&mut conn, document.id).await?;
            // The version in force today, as the document's page shows it.
            current::in_force(&versions, page.ctx().today())
                .cloned()
                .ok_or(AppError::NotFound)?
        }
        n => {
            let n: i32 = n.parse().map_err(|_| AppError::NotFound)?;
            queries::published_version(&mut conn, document.id, n).await?
        }
    };
    let mut content = queries::content(&mut conn, version.id).await?;
    let mut cover_version = page.tf(
        "handbook.print.doc_version",
        &[
            ("number", &version.number_or_zero()),
            ("date", &version.effective()),
        ],
    );
    let mut heading = version.title.clone();
    if !query.s.trim().is_empty() {
        // One chapter: its heading on the cover, above the document's name.
        let s: i32 = query.s.trim().parse().map_err(|_| AppError::NotFound)?;
        content.retain(|c| c.section.position == s);
        let chapter = content.first().ok_or(AppError::NotFound)?;
        if !chapter.heading().is_empty() {
            cover_version = format!("{} · {cover_version}", version.title);
            heading = chapter.heading();
        }
    }
    let body = PrintPage {
        ctx: page.ctx(),
        heading,
        cover_version,
        docs: vec![DocView {
            document,
            version,
            content: Arc::new(content),
        }],
        printed_by: page.user().display_name.clone(),
        printed_at: now_text(&page),
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

fn import_page(
    page: &UserPage,
    input: &ImportInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let body = ImportPage {
        ctx: page.ctx(),
        input,
        errors,
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /handbook/import
pub async fn import_form(page: UserPage) -> Result<HttpResponse, AppError> {
    page.require(Right::EditHandbook)?;
    import_page(
        &page,
        &ImportInput::default(),
        &FieldErrors::new(page.locale),
        StatusCode::OK,
    )
}

/// POST /handbook/import: the text becomes drafts of new or changed documents.
pub async fn import_submit(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    Form(input): Form<ImportInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::EditHandbook)?;
    let mut errors = FieldErrors::new(page.locale);
    let Some(docs) = input.validate(&mut errors) else {
        return import_page(&page, &input, &errors, StatusCode::UNPROCESSABLE_ENTITY);
    };
    let meta = page.meta();
    let import = async |conn: &mut AsyncPgConnection| {
        conn.transaction::<_, diesel::result::Error, _>(async |conn| {
            super::import_text(conn, &docs, &meta, false, config.today()).await
        })
        .await
    };
    // An editor who started a draft of a document while the import looked at
    // it (it had none, so there was nothing to lock) wins: the import runs
    // again and finds that draft, as if it had come a moment later.
    let summary = match import(&mut conn).await {
        Err(e) if crate::db::violates(&e, "handbook_versions_one_draft") => {
            import(&mut conn).await?
        }
        other => other?,
    };
    flash(
        &session,
        Tone::Ok,
        page.tf(
            "handbook.import.done",
            &[
                ("created", &summary.created),
                ("drafted", &summary.drafted),
                ("unchanged", &summary.unchanged),
                ("waiting", &summary.waiting),
                ("revising", &summary.revising),
            ],
        ),
    );
    Ok(see_other("/handbook"))
}

/// The page for a save sent to a draft that is no more: nothing is lost, what
/// was typed is shown to copy.
fn draft_gone(page: &UserPage, id: i64, text: &str) -> Result<HttpResponse, AppError> {
    let body = DraftGone {
        ctx: page.ctx(),
        id,
        text,
    }
    .render()?;
    Ok(html(StatusCode::CONFLICT, body))
}

/// The document and its draft for an editor; the document alone when it has
/// no draft (published meanwhile, say).
async fn draft_or_gone(
    page: &UserPage,
    conn: &mut AsyncPgConnection,
    id: i64,
) -> Result<Result<(DocumentRow, Version), DocumentRow>, AppError> {
    page.require(Right::EditHandbook)?;
    let document = queries::document(conn, id).await?;
    Ok(match queries::draft_of(conn, document.id).await? {
        Some(draft) => Ok((document, draft)),
        None => Err(document),
    })
}

/// Loads the document and its draft for an editor, or 404 when it has none.
async fn editable(
    page: &UserPage,
    conn: &mut AsyncPgConnection,
    id: i64,
) -> Result<(DocumentRow, Version), AppError> {
    page.require(Right::EditHandbook)?;
    let document = queries::document(conn, id).await?;
    let draft = queries::draft_of(conn, document.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok((document, draft))
}

struct DraftState {
    whole_text: Option<String>,
    title: Option<String>,
    /// The draft's content hash the whole-text form carries, when not the
    /// draft's own (its text was sent against an older one and is shown again).
    seen: Option<String>,
    failed_clause: Option<(i64, String)>,
    unsaved_clause: Option<String>,
    publish: Option<PublishInput>,
}

async fn draft_page(
    page: &UserPage,
    conn: &mut AsyncPgConnection,
    document: DocumentRow,
    draft: Version,
    errors: &FieldErrors,
    state: DraftState,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let content = queries::content(conn, draft.id).await?;
    let whole_text = match state.whole_text {
        Some(t) => t,
        None => import::to_text(&queries::as_document(
            &document.source_key,
            &draft.title,
            &content,
        )),
    };
    // The posts the revision's changed clauses concern, against the version
    // in force: proposed for the acknowledgement (SPEC §8).
    let concerns = match queries::published_versions(conn, document.id)
        .await?
        .first()
    {
        Some(v) => super::concerns::of_revision(&queries::content(conn, v.id).await?, &content),
        None => Vec::new(),
    };
    let publish = state.publish.unwrap_or_else(|| PublishInput {
        effective_on: chrono::Utc::now()
            .with_timezone(&page.tz)
            .format("%Y-%m-%d")
            .to_string(),
        roles: concerns.iter().map(|(r, _)| r.code().to_owned()).collect(),
        ..Default::default()
    });
    let waiting = publication::pending_request(conn, draft.id).await?;
    let body = DraftPage {
        ctx: page.ctx(),
        waiting,
        title: state.title.unwrap_or_else(|| draft.title.clone()),
        seen: state.seen.unwrap_or_else(|| draft.content_hash.clone()),
        doc: DocView {
            document,
            version: draft,
            content: Arc::new(content),
        },
        whole_text,
        errors,
        failed_clause: state.failed_clause,
        unsaved_clause: state.unsaved_clause,
        publish,
        concerns,
    }
    .render()?;
    Ok(html(status, body))
}

const FRESH: DraftState = DraftState {
    whole_text: None,
    title: None,
    seen: None,
    failed_clause: None,
    unsaved_clause: None,
    publish: None,
};

/// GET /handbook/{id}/draft
pub async fn draft(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    // No revision in progress (published meanwhile, a page reloaded): the
    // document, saying so.
    let (document, draft) = match draft_or_gone(&page, &mut conn, path.into_inner()).await? {
        Ok(both) => both,
        Err(document) => {
            flash(&session, Tone::Warn, page.t("handbook.draft.none"));
            return Ok(see_other(&format!("/handbook/{}", document.id)));
        }
    };
    let errors = FieldErrors::new(page.locale);
    draft_page(
        &page,
        &mut conn,
        document,
        draft,
        &errors,
        FRESH,
        StatusCode::OK,
    )
    .await
}

/// POST /handbook/{id}/draft: starts a draft from the current version.
pub async fn start_draft(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::EditHandbook)?;
    let document = queries::document(&mut conn, path.into_inner()).await?;
    let meta = page.meta();
    let id = document.id;
    let started = conn
        .transaction::<_, AppError, _>(async |conn| {
            let draft = queries::start_draft(conn, &document, meta.actor_id).await?;
            audit::record(
                conn,
                &meta,
                "handbook.draft_started",
                Some(("handbook_version", draft.id.to_string())),
                json!({ "document_id": document.id }),
            )
            .await?;
            Ok(())
        })
        .await;
    match started {
        // A second click raced the first: the draft exists, which is what was asked.
        Ok(())
        | Err(AppError::Db(diesel::result::Error::DatabaseError(
            diesel::result::DatabaseErrorKind::UniqueViolation,
            _,
        ))) => Ok(see_other(&format!("/handbook/{id}/draft"))),
        Err(e) => Err(e),
    }
}

/// POST /handbook/{id}/draft/text: replaces the draft with the edited whole text.
pub async fn save_text(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    path: web::Path<i64>,
    Form(input): Form<TextInput>,
) -> Result<HttpResponse, AppError> {
    let (document, draft) = match draft_or_gone(&page, &mut conn, path.into_inner()).await? {
        Ok(both) => both,
        Err(document) => return draft_gone(&page, document.id, &input.text),
    };
    let mut errors = FieldErrors::new(page.locale);
    let text = input.text.trim();
    // The title is judged as it would be stored: trimmed, without the control
    // characters parsing drops.
    let doc = import::parse_one(text, &document.source_key, &input.title);
    if doc.title.is_empty() {
        errors.add("title", "handbook.error.title_required");
    } else if doc.title.chars().count() > 200 {
        errors.add("title", "handbook.error.title_long");
    }
    if text.chars().count() > MAX_TEXT_CHARS {
        errors.add("text", "handbook.error.text_long");
    } else if doc.clause_count() == 0 {
        errors.add("text", "handbook.error.no_clauses");
    }
    // The text comes back as sent, against the draft it was read from.
    let again = |seen: String| DraftState {
        whole_text: Some(input.text.clone()),
        title: Some(input.title.clone()),
        seen: Some(seen),
        ..FRESH
    };
    if !errors.is_empty() {
        let state = again(input.seen.clone());
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return draft_page(&page, &mut conn, document, draft, &errors, state, status).await;
    }
    let meta = page.meta();
    let saved = conn
        .transaction::<_, AppError, _>(async |conn| {
            let Some(now) = publication::lock_for_edit(conn, draft.id).await? else {
                return Err(AppError::NotFound);
            };
            // Changed since the form was read (a colleague, a clause saved in
            // another tab): their change is kept, this text comes back.
            let stale = !input.seen.is_empty() && input.seen != now.content_hash;
            if stale && doc.content_hash() != now.content_hash {
                return Ok(Some(now));
            }
            let (_, result) = queries::save_draft(conn, &doc, meta.actor_id, false).await?;
            // Saved again as it is (a double click): nothing changed, so a
            // waiting approver's link and page stay good.
            if matches!(result, queries::ImportResult::Unchanged) {
                return Ok(None);
            }
            let me = page.user().id;
            publication::draft_edited(conn, draft.id, &doc.title, me, &config).await?;
            audit::record(
                conn,
                &meta,
                "handbook.draft_edited",
                Some(("handbook_version", draft.id.to_string())),
                json!({ "how": "whole_text", "clauses": doc.clause_count() }),
            )
            .await?;
            Ok(None)
        })
        .await;
    let saved = match saved {
        // Published between the page's reading and this save.
        Err(AppError::NotFound) => return draft_gone(&page, document.id, &input.text),
        saved => saved?,
    };
    if let Some(now) = saved {
        // Saving this text again replaces their change, knowingly.
        errors.add("text", "handbook.error.draft_changed");
        let state = again(now.content_hash.clone());
        let status = StatusCode::CONFLICT;
        return draft_page(&page, &mut conn, document, now, &errors, state, status).await;
    }
    flash(&session, Tone::Ok, page.t("handbook.draft.saved"));
    Ok(see_other(&format!("/handbook/{}/draft", document.id)))
}

/// POST /handbook/{id}/draft/clauses/{clause_id}: changes one clause's text.
pub async fn save_clause(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    path: web::Path<(i64, i64)>,
    Form(input): Form<ClauseInput>,
) -> Result<HttpResponse, AppError> {
    let (id, clause_id) = path.into_inner();
    let (document, draft) = match draft_or_gone(&page, &mut conn, id).await? {
        Ok(both) => both,
        Err(document) => return draft_gone(&page, document.id, &input.body),
    };
    let mut errors = FieldErrors::new(page.locale);
    let Some(body) = input.validate(&mut errors) else {
        let state = DraftState {
            failed_clause: Some((clause_id, input.body.clone())),
            ..FRESH
        };
        return draft_page(
            &page,
            &mut conn,
            document,
            draft,
            &errors,
            state,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let meta = page.meta();
    let saved = conn
        .transaction::<_, AppError, _>(async |conn| {
            let Some(now) = publication::lock_for_edit(conn, draft.id).await? else {
                return Err(AppError::NotFound);
            };
            let Some(clause) = queries::clause_of(conn, now.id, clause_id).await? else {
                // Not a clause of this draft (any more): the whole text was
                // saved since, which gives every clause a new row.
                return Ok(ClauseSaved::Gone);
            };
            if clause.number.is_empty() && !clause.gap && super::import::reads_as_structure(&body) {
                return Ok(ClauseSaved::ReadsAsNumbered);
            }
            let stale = !input.was.is_empty() && input.was != super::forms::body_seen(&clause.body);
            if stale && clause.body != body {
                return Ok(ClauseSaved::Changed);
            }
            if clause.body == body {
                // Saved again as it is: nothing for a waiting approver to see.
                return Ok(ClauseSaved::Saved);
            }
            queries::update_clause(conn, &now, &document.source_key, clause_id, &body).await?;
            publication::draft_edited(conn, now.id, &now.title, page.user().id, &config).await?;
            audit::record(
                conn,
                &meta,
                "handbook.draft_edited",
                Some(("handbook_version", now.id.to_string())),
                json!({ "how": "clause", "clause_id": clause_id }),
            )
            .await?;
            Ok(ClauseSaved::Saved)
        })
        .await;
    let saved = match saved {
        // Published between the page's reading and this save.
        Err(AppError::NotFound) => return draft_gone(&page, document.id, &input.body),
        saved => saved?,
    };
    // The clause's form again, with what was typed.
    let typed_again = || DraftState {
        failed_clause: Some((clause_id, input.body.clone())),
        ..FRESH
    };
    let state = match saved {
        ClauseSaved::Saved => None,
        ClauseSaved::ReadsAsNumbered => {
            errors.add("body", "handbook.error.body_reads_as_numbered");
            Some((typed_again(), StatusCode::UNPROCESSABLE_ENTITY))
        }
        // Saving this text again replaces their change, knowingly.
        ClauseSaved::Changed => {
            errors.add("body", "handbook.error.clause_changed");
            Some((typed_again(), StatusCode::CONFLICT))
        }
        ClauseSaved::Gone => {
            let (_, now) = editable(&page, &mut conn, id).await?;
            let content = queries::content(&mut conn, now.id).await?;
            let same = content
                .iter()
                .flat_map(|s| s.clauses.iter())
                .find(|c| !input.anchor.is_empty() && c.anchor == input.anchor && !c.gap);
            errors.add("body", "handbook.error.clause_rewritten");
            let state = match same {
                Some(c) => DraftState {
                    failed_clause: Some((c.id, input.body.clone())),
                    ..FRESH
                },
                None => DraftState {
                    unsaved_clause: Some(input.body.clone()),
                    ..FRESH
                },
            };
            Some((state, StatusCode::CONFLICT))
        }
    };
    if let Some((state, status)) = state {
        let (document, now) = editable(&page, &mut conn, id).await?;
        return draft_page(&page, &mut conn, document, now, &errors, state, status).await;
    }
    flash(&session, Tone::Ok, page.t("handbook.draft.saved"));
    Ok(see_other(&format!(
        "/handbook/{}/draft#k{clause_id}",
        document.id
    )))
}

/// How a clause's save ended.
enum ClauseSaved {
    Saved,
    /// An unnumbered clause's text that the whole text would read as a
    /// numbered clause or a heading.
    ReadsAsNumbered,
    /// Someone changed this clause since its form was read.
    Changed,
    /// The draft no longer has this clause's row.
    Gone,
}

/// POST /handbook/{id}/publish: asks the service-centre manager to publish the
/// draft (approvals engine); the approval makes it the current version.
pub async fn publish(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    path: web::Path<i64>,
    Form(input): Form<PublishInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::EditHandbook)?;
    let id = path.into_inner();
    if queries::draft_of(&mut conn, id).await?.is_none() {
        // A second click after the draft was published: show what is in force.
        queries::document(&mut conn, id).await?;
        flash(&session, Tone::Ok, page.t("handbook.publish.nothing"));
        return Ok(see_other(&format!("/handbook/{id}")));
    }
    let (document, draft) = editable(&page, &mut conn, id).await?;
    let mut errors = FieldErrors::new(page.locale);
    let Some(v) = input.validate(&mut errors, page.today()) else {
        let state = DraftState {
            publish: Some(input.clone()),
            ..FRESH
        };
        return draft_page(
            &page,
            &mut conn,
            document,
            draft,
            &errors,
            state,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let meta = page.meta();
    let now = chrono::Utc::now();
    let requested = conn
        .transaction::<_, AppError, _>(async |conn| {
            // The draft locked first, and read as it is now: an import or an
            // edit saved meanwhile is in what the approver is asked about.
            let Some(draft) = queries::lock_draft(conn, draft.id).await? else {
                return Err(AppError::NotFound);
            };
            let request =
                publication::request(conn, &draft, &v, page.user().id, &config, now).await?;
            if let Some(request) = request {
                audit::record(
                    conn,
                    &meta,
                    "handbook.publication_requested",
                    Some(("handbook_version", draft.id.to_string())),
                    json!({
                        "document_id": document.id,
                        "approval_request": request,
                        "effective_on": v.effective_on,
                        "requires_ack": v.requires_ack,
                        "roles": v.roles,
                    }),
                )
                .await?;
            }
            Ok(request)
        })
        .await?;
    let message = match requested {
        Some(_) => "handbook.publish.requested",
        None => "handbook.publish.already_requested",
    };
    flash(&session, Tone::Ok, page.t(message));
    Ok(see_other(&format!("/handbook/{}/draft", document.id)))
}

/// GET /handbook/publications/{id}: where an approval of a publication points;
/// the document as it stands (the request page lists the changed clauses).
pub async fn publication_subject(
    _page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let document = publication::document_of(&mut conn, path.into_inner()).await?;
    Ok(see_other(&format!("/handbook/{document}")))
}

#[derive(Deserialize)]
pub struct DiffQuery {
    #[serde(default, deserialize_with = "crate::web::form::number_or_none")]
    from: Option<i32>,
    #[serde(default, deserialize_with = "crate::web::form::number_or_none")]
    to: Option<i32>,
}

/// GET /handbook/{id}/diff?from=N&to=M
pub async fn diff(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
    query: Query<DiffQuery>,
) -> Result<HttpResponse, AppError> {
    let document = queries::document(&mut conn, path.into_inner()).await?;
    let versions = queries::published_versions(&mut conn, document.id).await?;
    let latest = versions.first().ok_or(AppError::NotFound)?.number_or_zero();
    let to = query.to.unwrap_or(latest);
    let from = query.from.unwrap_or(to.saturating_sub(1).max(1));
    let pick = |n: i32| versions.iter().find(|v| v.number == Some(n)).cloned();
    let (Some(old), Some(new)) = (pick(from), pick(to)) else {
        return Err(AppError::NotFound);
    };
    // One version compared with itself reads one content, for both sides.
    let contents = queries::contents(&mut conn, &[old.id, new.id]).await?;
    let old_content = contents.get(&old.id).cloned().unwrap_or_default();
    let new_content = contents.get(&new.id).cloned().unwrap_or_default();
    let (changes, unchanged) = differ::compare(&old_content, &new_content);
    let heading_changes = differ::headings(&old_content, &new_content);
    let title_change = (old.title != new.title).then(|| differ::inline(&old.title, &new.title));
    let body = DiffPage {
        ctx: page.ctx(),
        document,
        title: new.title.clone(),
        versions,
        from,
        to,
        changes,
        unchanged,
        title_change,
        heading_changes,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// POST /handbook/acks/{version_id}: "I have read it" (签收).
pub async fn acknowledge(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let version = queries::version_by_id(&mut conn, path.into_inner()).await?;
    let user = page.user();
    // Only a round that concerns this user can be confirmed by them.
    let concerned = version.requires_ack
        && !version.is_draft()
        && version.roles().iter().any(|r| user.roles.contains(r));
    if !concerned {
        return Err(AppError::Forbidden);
    }
    // A page read before a newer version came out: that one is in force (and
    // carries this round), so it is the one to read and confirm.
    let current = queries::latest_published(&mut conn, version.document_id).await?;
    if let Some(current) = current.filter(|c| c.id != version.id) {
        flash(&session, Tone::Warn, page.t("handbook.ack.newer"));
        return Ok(see_other(&format!(
            "/handbook/{}/v/{}",
            current.document_id,
            current.number_or_zero()
        )));
    }
    let meta = page.meta();
    let user_id = user.id;
    conn.transaction::<_, AppError, _>(async |conn| {
        if queries::acknowledge(conn, version.id, user_id).await? {
            audit::record(
                conn,
                &meta,
                "handbook.acknowledged",
                Some(("handbook_version", version.id.to_string())),
                json!({ "document_id": version.document_id, "number": version.number }),
            )
            .await?;
        }
        Ok(())
    })
    .await?;
    flash(
        &session,
        Tone::Ok,
        page.tf("handbook.ack.done", &[("title", &version.title)]),
    );
    Ok(see_other(&format!(
        "/handbook/{}/v/{}",
        version.document_id,
        version.number_or_zero()
    )))
}

/// GET /handbook/acks: every acknowledgement round with its progress.
pub async fn ack_rounds(page: UserPage, mut conn: DbConn) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewAckReport)?;
    let rounds = queries::ack_rounds(&mut conn).await?;
    let body = AckRoundsPage {
        ctx: page.ctx(),
        rounds,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

async fn report_version(
    page: &UserPage,
    conn: &mut AsyncPgConnection,
    id: i64,
) -> Result<Version, AppError> {
    page.require(Right::ViewAckReport)?;
    let version = queries::version_by_id(conn, id).await?;
    if !version.requires_ack || version.is_draft() {
        return Err(AppError::NotFound);
    }
    Ok(version)
}

/// The report's version, its lines and their counts, for the page and its print.
async fn report_rows(
    page: &UserPage,
    conn: &mut AsyncPgConnection,
    id: i64,
) -> Result<(Version, Vec<queries::AckRow>, queries::AckTally), AppError> {
    let version = report_version(page, conn, id).await?;
    let rows = queries::ack_report(conn, &version).await?;
    let tally = queries::AckTally::of(&rows);
    Ok((version, rows, tally))
}

/// GET /handbook/acks/{version_id}: who has and who has not confirmed.
pub async fn ack_report(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (version, rows, tally) = report_rows(&page, &mut conn, path.into_inner()).await?;
    let body = AckReportPage {
        ctx: page.ctx(),
        version,
        rows,
        tally,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /handbook/acks/{version_id}/print: the acknowledgements on paper, with a
/// column for each one concerned to sign.
pub async fn ack_print(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let (version, rows, tally) = report_rows(&page, &mut conn, path.into_inner()).await?;
    let body = AckPrintPage {
        ctx: page.ctx(),
        version,
        rows,
        tally,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /handbook/acks/{version_id}.csv and .xlsx: who confirmed the version.
pub async fn ack_export(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<(i64, String)>,
) -> Result<HttpResponse, AppError> {
    let (version_id, ext) = path.into_inner();
    let format = ExportFormat::parse(&ext).ok_or(AppError::NotFound)?;
    let version = report_version(&page, &mut conn, version_id).await?;
    let rows = queries::ack_report(&mut conn, &version).await?;
    let headers = [
        "handbook.ack.col_user",
        "handbook.ack.col_name",
        "handbook.ack.col_status",
        "handbook.ack.col_at",
    ]
    .map(|k| page.t(k).to_owned())
    .to_vec();
    let rows = rows
        .iter()
        .map(|r| {
            let (status, at) = match &r.acknowledged_at {
                Some(at) if !r.concerned => (
                    format!(
                        "{} · {}",
                        page.t("handbook.ack.confirmed"),
                        page.t("handbook.ack.former")
                    ),
                    page.datetime(at),
                ),
                Some(at) => (
                    page.t("handbook.ack.confirmed").to_owned(),
                    page.datetime(at),
                ),
                None => (page.t("handbook.ack.missing").to_owned(), String::new()),
            };
            vec![
                Cell::from(r.username.clone()),
                r.display_name.clone().into(),
                status.into(),
                at.into(),
            ]
        })
        .collect();
    let sheet = Sheet {
        title: page.t("handbook.ack.report_title").to_owned(),
        headers,
        rows,
    }
    .capped(page.locale, queries::ACK_REPORT_MAX)
    .named(format_args!(
        "{} {}",
        version.title,
        page.locale.tf(
            "handbook.version_n",
            &[("number", &version.number_or_zero())]
        )
    ));
    let stem = format!(
        "acknowledgements-{}-v{}",
        version.document_id,
        version.number_or_zero()
    );
    export::respond(&sheet, format, &stem)
}
