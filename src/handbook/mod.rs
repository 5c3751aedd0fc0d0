//! The handbook (规章制度): the rule documents every employee reads, their versions,
//! read acknowledgements (签收), search and print. Registers link back to its clauses.
pub mod concerns;
pub mod current;
pub mod diff;
pub mod forms;
mod handlers;
pub mod import;
pub mod models;
pub mod publication;
pub mod queries;
pub mod registers;
pub mod reminders;
mod views;

use actix_web::web;
use anyhow::Context;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};

/// The rule book a fresh install starts with (the user's seed text).
pub const SEED_TEXT: &str = include_str!("../../data/handbook/seed.txt");

/// Serialises imports: the first one when several instances start at once, and
/// two sent at the same time (see [`import_text`]).
const IMPORT_LOCK: i64 = 0x6b65_6675_0002;

pub fn routes(cfg: &mut web::ServiceConfig) {
    use handlers::*;
    cfg.service(
        web::scope("/handbook")
            .route("", web::get().to(index))
            .route("/search", web::get().to(search))
            .route("/print", web::get().to(print_book))
            .route("/cite", web::get().to(cite))
            .route("/import", web::get().to(import_form))
            .route("/import", web::post().to(import_submit))
            .route("/acks", web::get().to(ack_rounds))
            .route("/acks/{version_id}.{format}", web::get().to(ack_export))
            .route("/acks/{version_id}/print", web::get().to(ack_print))
            .route("/acks/{version_id}", web::get().to(ack_report))
            .route("/acks/{version_id}", web::post().to(acknowledge))
            .route("/{id}", web::get().to(show))
            .route("/{id}/v/{number}", web::get().to(show_version))
            .route("/{id}/print", web::get().to(print_document))
            .route("/{id}/diff", web::get().to(diff))
            .route("/{id}/draft", web::get().to(draft))
            .route("/{id}/draft", web::post().to(start_draft))
            .route("/{id}/draft/text", web::post().to(save_text))
            .route(
                "/{id}/draft/clauses/{clause_id}",
                web::post().to(save_clause),
            )
            .route("/{id}/publish", web::post().to(publish))
            .route("/publications/{id}", web::get().to(publication_subject)),
    );
}

/// Start-up duty: make the bundled rule book the published version 1 of an empty
/// handbook. Safe to run from several instances at once (an advisory lock) and on
/// every start (it only acts once). `today` is the site's day, the seed's
/// effective date.
pub async fn ensure_seeded(database_url: &str, today: chrono::NaiveDate) -> anyhow::Result<usize> {
    let mut conn = AsyncPgConnection::establish(database_url)
        .await
        .context("connecting to the database to install the handbook")?;
    conn.transaction::<_, anyhow::Error, _>(async |conn| {
        diesel::sql_query(format!("SELECT pg_advisory_xact_lock({IMPORT_LOCK})"))
            .execute(conn)
            .await?;
        if queries::count_documents(conn).await? > 0 {
            return Ok(0);
        }
        let docs = import::parse(SEED_TEXT, "规章制度");
        let meta = crate::audit::Meta {
            ip: "start-up".into(),
            ..Default::default()
        };
        let n = import_text(conn, &docs, &meta, true, today)
            .await?
            .published;
        tracing::info!(
            documents = n,
            "handbook installed from the bundled rule book"
        );
        Ok(n)
    })
    .await
}

/// What an import did, document by document.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ImportSummary {
    pub created: usize,
    pub drafted: usize,
    pub unchanged: usize,
    pub published: usize,
    /// Documents whose draft waits for its publication's approval: an import
    /// does not change text an approver is looking at (withdraw the request, or
    /// let it be decided, then import again).
    pub waiting: usize,
    /// Documents someone is revising (their draft differs from the version
    /// published and from the import): the revision is kept.
    pub revising: usize,
}

/// Imports `text` as drafts (new documents and changed ones; unchanged ones are
/// left alone) and, with `publish`, publishes those drafts at once, effective
/// `today` (the site's day). Call it in a transaction: the import lock it takes
/// is held until that ends.
pub async fn import_text(
    conn: &mut AsyncPgConnection,
    docs: &[import::Document],
    meta: &crate::audit::Meta,
    publish: bool,
    today: chrono::NaiveDate,
) -> diesel::QueryResult<ImportSummary> {
    // One import at a time, on every instance: two imports of a new document
    // would both find it missing and both create it. The second waits here,
    // then finds the first's documents (its statements see the commit).
    diesel::sql_query(format!("SELECT pg_advisory_xact_lock({IMPORT_LOCK})"))
        .execute(conn)
        .await?;
    let mut summary = ImportSummary::default();
    for doc in docs {
        // The draft locked first, as filing a request to publish it does: one
        // filed meanwhile is seen here, and its draft left alone.
        queries::lock_draft_of(conn, &doc.source_key).await?;
        if queries::draft_awaiting_approval(conn, &doc.source_key).await? {
            summary.waiting += 1;
            continue;
        }
        let (document_id, result) = queries::save_draft(conn, doc, meta.actor_id, true).await?;
        match result {
            queries::ImportResult::Unchanged => {
                summary.unchanged += 1;
                continue;
            }
            queries::ImportResult::RevisionKept => {
                summary.revising += 1;
                continue;
            }
            queries::ImportResult::Created => summary.created += 1,
            queries::ImportResult::Drafted => summary.drafted += 1,
        }
        crate::audit::record(
            conn,
            meta,
            "handbook.imported",
            Some(("handbook_document", document_id.to_string())),
            serde_json::json!({ "source_key": doc.source_key, "title": doc.title, "clauses": doc.clause_count() }),
        )
        .await?;
        if !publish {
            continue;
        }
        if let Some(draft) = queries::draft_of(conn, document_id).await? {
            let number = queries::publish(
                conn,
                &draft,
                &queries::Publication {
                    effective_on: today,
                    change_note: &crate::approvals::term("handbook.import.change_note"),
                    requires_ack: false,
                    ack_roles: &[],
                    by: meta.actor_id,
                },
            )
            .await?;
            crate::audit::record(
                conn,
                meta,
                "handbook.published",
                Some(("handbook_version", draft.id.to_string())),
                serde_json::json!({ "document_id": document_id, "number": number, "source": "import" }),
            )
            .await?;
            summary.published += 1;
        }
    }
    Ok(summary)
}
