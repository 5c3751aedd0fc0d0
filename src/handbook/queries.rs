//! Every SQL statement of the handbook. Functions take the connection so they work
//! inside the caller's transaction.
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Integer, Nullable, Text, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::db::Read;
use crate::i18n::Locale;
use std::collections::HashMap;

use super::import::{self, Document};
use super::models::*;
use crate::schema::{
    handbook_acknowledgements as acks, handbook_clauses as clauses,
    handbook_documents as documents, handbook_sections as sections, handbook_versions as versions,
};

pub async fn document(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<DocumentRow> {
    documents::table
        .find(id)
        .select(DocumentRow::as_select())
        .first(conn)
        .await
}

pub async fn count_documents(conn: &mut AsyncPgConnection) -> QueryResult<i64> {
    documents::table.count().get_result(conn).await
}

/// Published versions of a document, newest first.
pub async fn published_versions(
    conn: &mut AsyncPgConnection,
    document_id: i64,
) -> QueryResult<Vec<Version>> {
    versions::table
        .filter(versions::document_id.eq(document_id))
        .filter(versions::status.eq(PUBLISHED))
        .order(versions::number.desc())
        .select(Version::as_select())
        .limit(500)
        .load(conn)
        .await
}

pub async fn published_version(
    conn: &mut AsyncPgConnection,
    document_id: i64,
    number: i32,
) -> QueryResult<Version> {
    versions::table
        .filter(versions::document_id.eq(document_id))
        .filter(versions::number.eq(number))
        .select(Version::as_select())
        .first(conn)
        .await
}

pub async fn latest_published(
    conn: &mut AsyncPgConnection,
    document_id: i64,
) -> QueryResult<Option<Version>> {
    versions::table
        .filter(versions::document_id.eq(document_id))
        .filter(versions::status.eq(PUBLISHED))
        .order(versions::number.desc())
        .select(Version::as_select())
        .first(conn)
        .await
        .optional()
}

pub async fn draft_of(
    conn: &mut AsyncPgConnection,
    document_id: i64,
) -> QueryResult<Option<Version>> {
    versions::table
        .filter(versions::document_id.eq(document_id))
        .filter(versions::status.eq(DRAFT))
        .select(Version::as_select())
        .first(conn)
        .await
        .optional()
}

/// The draft, locked for a change to it: `None` once it is no longer a draft.
pub async fn lock_draft(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<Version>> {
    versions::table
        .find(id)
        .filter(versions::status.eq(DRAFT))
        .for_update()
        .select(Version::as_select())
        .first(conn)
        .await
        .optional()
}

/// Locks the draft of the document imported from `source_key`, if it has one,
/// until the transaction ends.
pub async fn lock_draft_of(conn: &mut AsyncPgConnection, source_key: &str) -> QueryResult<()> {
    diesel::sql_query(
        "SELECT v.id FROM handbook_versions v \
         JOIN handbook_documents d ON d.id = v.document_id \
         WHERE d.source_key = $1 AND v.status = 'draft' FOR UPDATE OF v",
    )
    .bind::<diesel::sql_types::Text, _>(source_key)
    .execute(conn)
    .await
    .map(|_| ())
}

/// One clause of a version, if it still has it.
pub async fn clause_of(
    conn: &mut AsyncPgConnection,
    version_id: i64,
    clause_id: i64,
) -> QueryResult<Option<ClauseRow>> {
    clauses::table
        .filter(clauses::id.eq(clause_id))
        .filter(clauses::version_id.eq(version_id))
        .select(ClauseRow::as_select())
        .first(conn)
        .await
        .optional()
}

/// Every draft, for the editors' overview.
pub async fn drafts(conn: &mut impl Read) -> QueryResult<Vec<Version>> {
    versions::table
        .filter(versions::status.eq(DRAFT))
        .order(versions::document_id)
        .select(Version::as_select())
        .limit(500)
        .load(conn)
        .await
}

pub async fn version_by_id(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Version> {
    versions::table
        .find(id)
        .select(Version::as_select())
        .first(conn)
        .await
}

/// Sections and clauses of several versions: two queries whatever their number.
pub async fn contents(
    conn: &mut impl Read,
    version_ids: &[i64],
) -> QueryResult<HashMap<i64, Vec<SectionView>>> {
    let secs: Vec<SectionRow> = sections::table
        .filter(sections::version_id.eq_any(version_ids))
        .order((sections::version_id, sections::position))
        .select(SectionRow::as_select())
        .load(conn)
        .await?;
    let cls: Vec<ClauseRow> = clauses::table
        .filter(clauses::version_id.eq_any(version_ids))
        .order((clauses::version_id, clauses::position))
        .select(ClauseRow::as_select())
        .load(conn)
        .await?;
    let mut by_section: HashMap<i64, Vec<ClauseRow>> = HashMap::new();
    for c in cls {
        by_section.entry(c.section_id).or_default().push(c);
    }
    let mut out: HashMap<i64, Vec<SectionView>> = HashMap::new();
    for s in secs {
        let clauses = by_section.remove(&s.id).unwrap_or_default();
        out.entry(s.version_id).or_default().push(SectionView {
            section: s,
            clauses,
        });
    }
    Ok(out)
}

/// The content of published versions, kept in memory by each instance, and
/// their rendered text per language. A version is fixed once published (edits
/// make a new draft), so what is kept never goes stale and needs no notice;
/// drafts are always read and rendered afresh.
#[derive(Clone)]
pub struct PublishedContent {
    content: moka::sync::Cache<i64, std::sync::Arc<Vec<SectionView>>>,
    /// Keyed by version, language and a hash of what the clauses' links depend
    /// on (`registers::Plan::key`: they may change while the version does not).
    articles: moka::sync::Cache<(i64, &'static str, u64), std::sync::Arc<str>>,
    /// The links the code adds to a version's clauses, keyed by version.
    plans: moka::sync::Cache<i64, std::sync::Arc<super::registers::Plan>>,
}

impl Default for PublishedContent {
    fn default() -> Self {
        // Versions of a whole handbook are a few hundred kilobytes.
        PublishedContent {
            content: moka::sync::Cache::new(256),
            articles: moka::sync::Cache::new(256),
            plans: moka::sync::Cache::new(256),
        }
    }
}

impl PublishedContent {
    /// The content of `version`: from memory when published and seen before.
    pub async fn get(
        &self,
        conn: &mut impl Read,
        version: &Version,
    ) -> QueryResult<std::sync::Arc<Vec<SectionView>>> {
        if version.is_draft() {
            return Ok(std::sync::Arc::new(content(conn, version.id).await?));
        }
        if let Some(kept) = self.content.get(&version.id) {
            return Ok(kept);
        }
        let loaded = std::sync::Arc::new(content(conn, version.id).await?);
        self.content.insert(version.id, loaded.clone());
        Ok(loaded)
    }

    /// The content of each of `versions`, in their order: published ones from
    /// memory when seen before, the others read together.
    pub async fn get_many(
        &self,
        conn: &mut impl Read,
        versions: &[&Version],
    ) -> QueryResult<Vec<std::sync::Arc<Vec<SectionView>>>> {
        let mut found: Vec<Option<std::sync::Arc<Vec<SectionView>>>> = versions
            .iter()
            .map(|v| (!v.is_draft()).then(|| self.content.get(&v.id)).flatten())
            .collect();
        let missing: Vec<i64> = versions
            .iter()
            .zip(&found)
            .filter(|(_, c)| c.is_none())
            .map(|(v, _)| v.id)
            .collect();
        if !missing.is_empty() {
            let mut loaded = contents(conn, &missing).await?;
            for (v, slot) in versions.iter().zip(&mut found) {
                if slot.is_none() {
                    let c = std::sync::Arc::new(loaded.remove(&v.id).unwrap_or_default());
                    if !v.is_draft() {
                        self.content.insert(v.id, c.clone());
                    }
                    *slot = Some(c);
                }
            }
        }
        Ok(found.into_iter().flatten().collect())
    }

    /// What the code links from `version`'s clauses (registers, fines): from
    /// memory when published and seen before.
    pub fn plan(
        &self,
        version: &Version,
        content: &[SectionView],
    ) -> std::sync::Arc<super::registers::Plan> {
        use super::registers::Plan;
        if version.is_draft() {
            return std::sync::Arc::new(Plan::new(content));
        }
        self.plans
            .get_with(version.id, || std::sync::Arc::new(Plan::new(content)))
    }

    /// The rendered text of `version` in `loc` whose links `links_key` tells
    /// apart (`registers::Plan::key`): from memory when published and rendered
    /// so before; `render` makes it otherwise.
    pub fn article(
        &self,
        version: &Version,
        loc: Locale,
        links_key: u64,
        render: impl FnOnce() -> Result<String, askama::Error>,
    ) -> Result<std::sync::Arc<str>, askama::Error> {
        if version.is_draft() {
            return Ok(render()?.into());
        }
        let key = (version.id, loc.code(), links_key);
        if let Some(kept) = self.articles.get(&key) {
            return Ok(kept);
        }
        let html: std::sync::Arc<str> = render()?.into();
        self.articles.insert(key, html.clone());
        Ok(html)
    }
}

pub async fn content(conn: &mut impl Read, version_id: i64) -> QueryResult<Vec<SectionView>> {
    Ok(contents(conn, &[version_id])
        .await?
        .remove(&version_id)
        .unwrap_or_default())
}

/// A stored version as the parser's model (for hashing and the whole-text editor).
pub fn as_document(source_key: &str, title: &str, content: &[SectionView]) -> Document {
    let mut doc = Document {
        source_key: source_key.to_owned(),
        title: title.to_owned(),
        sections: content
            .iter()
            .map(|s| import::Section {
                number: s.section.number.clone(),
                title: s.section.title.clone(),
                clauses: s
                    .clauses
                    .iter()
                    .map(|c| import::Clause {
                        depth: c.depth,
                        number: c.number.clone(),
                        body: c.body.clone(),
                        gap: c.gap,
                        anchor: String::new(),
                        citation: String::new(),
                        cited_as: String::new(),
                    })
                    .collect(),
            })
            .collect(),
    };
    for (i, s) in doc.sections.iter_mut().enumerate() {
        import::number_outline(i + 1, s);
    }
    // The stored anchors, which may have been carried from earlier versions.
    let stored = content.iter().flat_map(|s| s.clauses.iter());
    let fresh = doc.sections.iter_mut().flat_map(|s| s.clauses.iter_mut());
    for (c, row) in fresh.zip(stored) {
        c.anchor = row.anchor.clone();
        c.cited_as = row.cited_as.clone();
    }
    doc
}

/// (anchor, text, first citation) of a version's clauses in reading order.
async fn anchors_of(
    conn: &mut AsyncPgConnection,
    version_id: i64,
) -> QueryResult<Vec<(String, String, String)>> {
    clauses::table
        .filter(clauses::version_id.eq(version_id))
        .order(clauses::position)
        .select((clauses::anchor, clauses::body, clauses::cited_as))
        .load(conn)
        .await
}

/// Every anchor any version of a document has given a clause.
async fn anchors_ever(
    conn: &mut AsyncPgConnection,
    document_id: i64,
) -> QueryResult<std::collections::HashSet<String>> {
    let anchors: Vec<String> = clauses::table
        .inner_join(versions::table)
        .filter(versions::document_id.eq(document_id))
        .select(clauses::anchor)
        .distinct()
        .load(conn)
        .await?;
    Ok(anchors.into_iter().collect())
}

/// Writes a parsed document's sections and clauses under `version_id`.
async fn insert_content(
    conn: &mut AsyncPgConnection,
    version_id: i64,
    doc: &Document,
) -> QueryResult<()> {
    let rows: Vec<_> = doc
        .sections
        .iter()
        .enumerate()
        .map(|(i, s)| {
            (
                sections::version_id.eq(version_id),
                sections::position.eq(i as i32 + 1),
                sections::number.eq(&s.number),
                sections::title.eq(&s.title),
            )
        })
        .collect();
    let mut ids: Vec<i64> = Vec::with_capacity(rows.len());
    for chunk in rows.chunks(crate::db::rows_per_insert(4)) {
        let more: Vec<i64> = diesel::insert_into(sections::table)
            .values(chunk)
            .returning(sections::id)
            .get_results(conn)
            .await?;
        ids.extend(more);
    }
    let mut position = 0;
    let mut rows = Vec::new();
    for (s, section_id) in doc.sections.iter().zip(ids) {
        for c in &s.clauses {
            position += 1;
            rows.push((
                clauses::version_id.eq(version_id),
                clauses::section_id.eq(section_id),
                clauses::position.eq(position),
                clauses::depth.eq(c.depth),
                clauses::number.eq(&c.number),
                clauses::anchor.eq(&c.anchor),
                clauses::citation.eq(&c.citation),
                clauses::body.eq(&c.body),
                clauses::gap.eq(c.gap),
                clauses::cited_as.eq(&c.cited_as),
            ));
        }
    }
    for chunk in rows.chunks(crate::db::rows_per_insert(10)) {
        diesel::insert_into(clauses::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// What an import did to one document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImportResult {
    /// A document new to the handbook, as a draft.
    Created,
    /// Its text changed: the draft now holds the new text.
    Drafted,
    /// Same text as its newest version: nothing done.
    Unchanged,
    /// Someone's revision in progress (a draft that differs from the version
    /// published) differs from the import too: the revision is kept.
    RevisionKept,
}

/// Whether the document imported as `source_key` has a draft whose publication
/// waits for approval.
pub async fn draft_awaiting_approval(
    conn: &mut AsyncPgConnection,
    source_key: &str,
) -> QueryResult<bool> {
    use crate::schema::handbook_publications as pubs;
    diesel::select(diesel::dsl::exists(
        pubs::table
            .inner_join(versions::table.on(versions::id.eq(pubs::version_id)))
            .inner_join(documents::table.on(documents::id.eq(versions::document_id)))
            .filter(documents::source_key.eq(source_key))
            .filter(versions::status.eq(DRAFT))
            .filter(pubs::status.eq("pending")),
    ))
    .get_result(conn)
    .await
}

/// Saves `doc` as the draft of its document (creating the document when new),
/// unless its newest version already holds the same text; from an import
/// (`imported`), not over someone's revision either.
pub async fn save_draft(
    conn: &mut AsyncPgConnection,
    doc: &Document,
    actor: Option<i64>,
    imported: bool,
) -> QueryResult<(i64, ImportResult)> {
    let hash = doc.content_hash();
    let existing: Option<DocumentRow> = documents::table
        .filter(documents::source_key.eq(&doc.source_key))
        .select(DocumentRow::as_select())
        .first(conn)
        .await
        .optional()?;
    let (document_id, created) = match existing {
        Some(d) => (d.id, false),
        None => {
            let next: Option<i32> = documents::table
                .select(diesel::dsl::max(documents::position))
                .first(conn)
                .await?;
            let id = diesel::insert_into(documents::table)
                .values((
                    documents::source_key.eq(&doc.source_key),
                    documents::position.eq(next.unwrap_or(0) + 1),
                ))
                .returning(documents::id)
                .get_result(conn)
                .await?;
            (id, true)
        }
    };
    let draft = draft_of(conn, document_id).await?;
    let newest = match &draft {
        Some(d) => Some(d.clone()),
        None => latest_published(conn, document_id).await?,
    };
    if newest.as_ref().map(|v| v.content_hash.as_str()) == Some(hash.as_str()) {
        return Ok((document_id, ImportResult::Unchanged));
    }
    // A draft edited since it was started (or last imported) is someone's
    // revision: an import does not write over it (to replace it, paste the
    // text into the draft).
    if let Some(d) = draft.as_ref().filter(|_| imported) {
        let last_import: Option<String> = versions::table
            .find(d.id)
            .select(versions::imported_hash)
            .first(conn)
            .await?;
        let published = latest_published(conn, document_id).await?;
        let untouched = published.map(|p| p.content_hash) == Some(d.content_hash.clone());
        if !untouched && last_import.as_deref() != Some(d.content_hash.as_str()) {
            return Ok((document_id, ImportResult::RevisionKept));
        }
    }
    let mut doc = doc.clone();
    match &newest {
        Some(v) => {
            let issued = anchors_ever(conn, document_id).await?;
            import::carry_anchors(&anchors_of(conn, v.id).await?, &issued, &mut doc);
        }
        // The first version: what the code's citations of the book were
        // written for.
        None => {
            for c in doc.sections.iter_mut().flat_map(|s| s.clauses.iter_mut()) {
                c.cited_as = c.citation.clone();
            }
        }
    }
    let doc = &doc;
    let version_id = match draft {
        Some(d) => {
            diesel::delete(sections::table.filter(sections::version_id.eq(d.id)))
                .execute(conn)
                .await?;
            diesel::update(versions::table.find(d.id))
                .set((
                    versions::title.eq(&doc.title),
                    versions::content_hash.eq(&hash),
                ))
                .execute(conn)
                .await?;
            d.id
        }
        None => {
            diesel::insert_into(versions::table)
                .values(NewVersion {
                    document_id,
                    status: DRAFT,
                    title: &doc.title,
                    content_hash: &hash,
                    created_by: actor,
                })
                .returning(versions::id)
                .get_result(conn)
                .await?
        }
    };
    insert_content(conn, version_id, doc).await?;
    if imported {
        diesel::update(versions::table.find(version_id))
            .set(versions::imported_hash.eq(&hash))
            .execute(conn)
            .await?;
    }
    Ok((
        document_id,
        if created {
            ImportResult::Created
        } else {
            ImportResult::Drafted
        },
    ))
}

/// Changes one clause of a draft and refreshes the draft's fingerprint.
pub async fn update_clause(
    conn: &mut AsyncPgConnection,
    draft: &Version,
    source_key: &str,
    clause_id: i64,
    body: &str,
) -> QueryResult<()> {
    let n = diesel::update(
        clauses::table
            .filter(clauses::id.eq(clause_id))
            .filter(clauses::version_id.eq(draft.id)),
    )
    .set(clauses::body.eq(body))
    .execute(conn)
    .await?;
    if n == 0 {
        return Err(diesel::result::Error::NotFound);
    }
    let content = content(conn, draft.id).await?;
    let hash = as_document(source_key, &draft.title, &content).content_hash();
    diesel::update(versions::table.find(draft.id))
        .set(versions::content_hash.eq(hash))
        .execute(conn)
        .await?;
    Ok(())
}

/// What a publication says about itself.
pub struct Publication<'a> {
    pub effective_on: NaiveDate,
    pub change_note: &'a str,
    pub requires_ack: bool,
    pub ack_roles: &'a [String],
    pub by: Option<i64>,
}

/// Makes the draft the newest version; returns its number.
pub async fn publish(
    conn: &mut AsyncPgConnection,
    draft: &Version,
    p: &Publication<'_>,
) -> QueryResult<i32> {
    let last: Option<i32> = versions::table
        .filter(versions::document_id.eq(draft.document_id))
        .select(diesel::dsl::max(versions::number))
        .first(conn)
        .await?;
    let number = last.unwrap_or(0) + 1;
    let roles: Vec<Option<String>> = p.ack_roles.iter().cloned().map(Some).collect();
    let n = diesel::update(
        versions::table
            .filter(versions::id.eq(draft.id))
            .filter(versions::status.eq(DRAFT)),
    )
    .set((
        versions::status.eq(PUBLISHED),
        versions::number.eq(number),
        versions::effective_on.eq(p.effective_on),
        versions::change_note.eq(p.change_note),
        versions::requires_ack.eq(p.requires_ack),
        versions::ack_roles.eq(roles),
        versions::published_by.eq(p.by),
        versions::published_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await?;
    if n == 0 {
        // Someone else published this draft a moment ago.
        return Err(diesel::result::Error::NotFound);
    }
    carry_open_round(conn, draft, number, p).await?;
    Ok(number)
}

/// A round of acknowledgement still open on the version a new one replaces is
/// not closed by it (a typo fixed after a material change must not let those
/// who never confirmed the change off): the new version asks the same posts
/// too, and whoever confirmed the version before stays confirmed, unless the
/// new version asks their post anew.
async fn carry_open_round(
    conn: &mut AsyncPgConnection,
    new: &Version,
    number: i32,
    p: &Publication<'_>,
) -> QueryResult<()> {
    let asked: Vec<String> = if p.requires_ack {
        p.ack_roles.to_vec()
    } else {
        Vec::new()
    };
    diesel::sql_query(
        "WITH prev AS ( \
           SELECT id, ack_roles, requires_ack FROM handbook_versions \
           WHERE document_id = $1 AND status = 'published' AND number < $2 \
           ORDER BY number DESC LIMIT 1 \
         ), open AS ( \
           SELECT prev.id, prev.ack_roles FROM prev WHERE prev.requires_ack AND EXISTS ( \
             SELECT 1 FROM users u \
             WHERE u.active \
               AND EXISTS (SELECT 1 FROM user_roles r \
                           WHERE r.user_id = u.id AND r.role_code = ANY(prev.ack_roles)) \
               AND NOT EXISTS (SELECT 1 FROM handbook_acknowledgements a \
                               WHERE a.version_id = prev.id AND a.user_id = u.id)) \
         ), carried AS ( \
           INSERT INTO handbook_acknowledgements (version_id, user_id, acknowledged_at) \
           SELECT $3, a.user_id, a.acknowledged_at \
           FROM handbook_acknowledgements a JOIN open ON a.version_id = open.id \
           WHERE NOT EXISTS (SELECT 1 FROM user_roles r \
                             WHERE r.user_id = a.user_id AND r.role_code = ANY($4)) \
           ON CONFLICT DO NOTHING \
         ) \
         UPDATE handbook_versions v SET requires_ack = true, \
           ack_roles = ARRAY(SELECT x FROM unnest($4 || open.ack_roles) WITH ORDINALITY AS t (x, i) \
                             WHERE x IS NOT NULL GROUP BY x ORDER BY min(i)) \
         FROM open WHERE v.id = $3",
    )
    .bind::<BigInt, _>(new.document_id)
    .bind::<Integer, _>(number)
    .bind::<BigInt, _>(new.id)
    .bind::<Array<Text>, _>(asked)
    .execute(conn)
    .await
    .map(|_| ())
}

/// Starts a draft as a copy of the newest published version.
pub async fn start_draft(
    conn: &mut AsyncPgConnection,
    document: &DocumentRow,
    actor: Option<i64>,
) -> QueryResult<Version> {
    if let Some(d) = draft_of(conn, document.id).await? {
        return Ok(d);
    }
    let current = latest_published(conn, document.id)
        .await?
        .ok_or(diesel::result::Error::NotFound)?;
    let content = content(conn, current.id).await?;
    let doc = as_document(&document.source_key, &current.title, &content);
    let id: i64 = diesel::insert_into(versions::table)
        .values(NewVersion {
            document_id: document.id,
            status: DRAFT,
            title: &current.title,
            content_hash: &current.content_hash,
            created_by: actor,
        })
        .returning(versions::id)
        .get_result(conn)
        .await?;
    insert_content(conn, id, &doc).await?;
    version_by_id(conn, id).await
}

/// A version the user still has to confirm.
#[derive(QueryableByName, Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct PendingAck {
    #[diesel(sql_type = BigInt)]
    pub version_id: i64,
    #[diesel(sql_type = BigInt)]
    pub document_id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Integer)]
    pub number: i32,
}

/// Records a confirmation; a second click changes nothing. Returns whether it was new.
pub async fn acknowledge(
    conn: &mut AsyncPgConnection,
    version_id: i64,
    user_id: i64,
) -> QueryResult<bool> {
    let n = diesel::insert_into(acks::table)
        .values((acks::version_id.eq(version_id), acks::user_id.eq(user_id)))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(n > 0)
}

/// One person concerned by an acknowledgement round.
#[derive(QueryableByName, Debug, Clone)]
pub struct AckRow {
    #[diesel(sql_type = BigInt)]
    pub user_id: i64,
    #[diesel(sql_type = Text)]
    pub username: String,
    #[diesel(sql_type = Text)]
    pub display_name: String,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub acknowledged_at: Option<DateTime<Utc>>,
    /// Active and holding one of the version's roles: counted in the round, as
    /// [`ack_rounds`] counts. Someone who confirmed and has since left or
    /// changed posts is listed with their confirmation, not counted.
    #[diesel(sql_type = Bool)]
    pub concerned: bool,
}

/// A report's counts, as the list of rounds gives them: the people concerned
/// now, those of them who confirmed, and the confirmers no longer concerned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckTally {
    pub concerned: usize,
    pub confirmed: usize,
    pub former: usize,
}

impl AckTally {
    pub fn of(rows: &[AckRow]) -> Self {
        let concerned = rows.iter().filter(|r| r.concerned);
        AckTally {
            concerned: concerned.clone().count(),
            confirmed: concerned.filter(|r| r.acknowledged_at.is_some()).count(),
            former: rows.iter().filter(|r| !r.concerned).count(),
        }
    }
}

/// Most people [`ack_report`] lists: more than any department has.
pub const ACK_REPORT_MAX: usize = 5000;

/// Active users holding one of the version's roles (and anyone who confirmed),
/// those still missing first, former confirmers last.
pub async fn ack_report(
    conn: &mut AsyncPgConnection,
    version: &Version,
) -> QueryResult<Vec<AckRow>> {
    diesel::sql_query(
        "SELECT * FROM ( \
           SELECT u.id AS user_id, u.username, u.display_name, a.acknowledged_at, \
                  u.active AND EXISTS (SELECT 1 FROM user_roles r \
                                       WHERE r.user_id = u.id AND r.role_code = ANY($2)) \
                    AS concerned \
           FROM users u \
           LEFT JOIN handbook_acknowledgements a ON a.user_id = u.id AND a.version_id = $1) p \
         WHERE p.acknowledged_at IS NOT NULL OR p.concerned \
         ORDER BY p.acknowledged_at IS NOT NULL, NOT p.concerned, p.display_name, p.user_id \
         LIMIT $3",
    )
    .bind::<BigInt, _>(version.id)
    .bind::<Array<Text>, _>(version.roles())
    .bind::<BigInt, _>(ACK_REPORT_MAX as i64)
    .load(conn)
    .await
}

/// Versions that asked for acknowledgement, newest first, with their counts.
#[derive(QueryableByName, Debug, Clone)]
pub struct AckRound {
    #[diesel(sql_type = BigInt)]
    pub version_id: i64,
    #[diesel(sql_type = BigInt)]
    pub document_id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Integer)]
    pub number: i32,
    #[diesel(sql_type = BigInt)]
    pub concerned: i64,
    #[diesel(sql_type = BigInt)]
    pub confirmed: i64,
    #[diesel(sql_type = Bool)]
    pub current: bool,
}

/// The published versions that asked for acknowledgement, as [`AckRound`]s:
/// `concerned` counts the active holders of their roles, `confirmed` those of
/// them who confirmed (not people since gone or moved), `current` whether it is
/// its document's latest published version; then `$tail` (more conditions, the
/// order, the limit).
macro_rules! ack_rounds_where {
    ($tail:literal) => {
        concat!(
            "SELECT v.id AS version_id, v.document_id, v.title, v.number, \
               c.concerned, c.confirmed, \
               v.number = (SELECT max(w.number) FROM handbook_versions w \
                           WHERE w.document_id = v.document_id AND w.status = 'published') AS current \
             FROM handbook_versions v \
             CROSS JOIN LATERAL ( \
               SELECT count(*) AS concerned, count(a.user_id) AS confirmed \
               FROM users u \
               LEFT JOIN handbook_acknowledgements a ON a.user_id = u.id AND a.version_id = v.id \
               WHERE u.active AND EXISTS (SELECT 1 FROM user_roles r \
                     WHERE r.user_id = u.id AND r.role_code = ANY(v.ack_roles))) c \
             WHERE v.status = 'published' AND v.requires_ack ",
            $tail
        )
    };
}

/// Every round, newest first.
pub async fn ack_rounds(conn: &mut AsyncPgConnection) -> QueryResult<Vec<AckRound>> {
    diesel::sql_query(ack_rounds_where!(
        "ORDER BY v.published_at DESC, v.id DESC LIMIT 100"
    ))
    .load(conn)
    .await
}

/// The current rounds some active holder of their roles has not confirmed yet,
/// newest first, at most `limit`.
pub async fn ack_missing(conn: &mut AsyncPgConnection, limit: i64) -> QueryResult<Vec<AckRound>> {
    diesel::sql_query(ack_rounds_where!(
        "AND v.number = (SELECT max(w.number) FROM handbook_versions w \
                         WHERE w.document_id = v.document_id AND w.status = 'published') \
         AND c.confirmed < c.concerned \
         ORDER BY v.published_at DESC, v.id DESC LIMIT $1"
    ))
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}
