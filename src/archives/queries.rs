//! Archive SQL: archives and their documents, the schedule, history, scans.
//! Borrowing, retention and destruction have their queries in their own files.
use chrono::NaiveDate;
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Nullable, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::web::cite::{shown_by_day, COUNT_CAP};

use super::models::{
    Archive, ArchiveBrief, DocType, Document, DocumentRow, HistoryEntry, NewArchive, NewDocument,
};
use crate::schema::{
    archive_doc_types as types, archive_documents as docs, archive_history, archive_scans,
    archives, residents, users,
};

/// A document in the archive: neither destroyed nor taken out (as
/// [`Document::in_archive`]). Written out, not bound, so that the planner
/// matches it with the partial indexes that say the same
/// (`archive_documents_due_idx`).
pub const IN_ARCHIVE: &str = "archive_documents.status IN ('kept', 'on_loan')";
/// Not on a destruction list in review or approved.
const NOT_ON_OPEN_LIST: &str = "NOT EXISTS (SELECT 1 FROM archive_destruction_items i \
     JOIN archive_destructions l ON l.id = i.destruction_id \
     WHERE i.document_id = archive_documents.id AND l.status IN ('in_review', 'approved'))";

pub async fn doc_types(conn: &mut AsyncPgConnection) -> QueryResult<Vec<DocType>> {
    types::table
        .order((types::archive_kind, types::position, types::id))
        .select(DocType::as_select())
        .load(conn)
        .await
}

pub async fn doc_type(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<DocType> {
    types::table
        .find(id)
        .select(DocType::as_select())
        .first(conn)
        .await
}

pub async fn get(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Archive> {
    archives::table
        .find(id)
        .select(Archive::as_select())
        .first(conn)
        .await
}

/// The archive list's pages per building filter and cursor, kept by each
/// instance until a notice on `t:archives` (migration `…_register_topics`).
pub type KeptPages = crate::db::changes::KeptOn<(Option<i64>, Option<i64>), Vec<ArchiveBrief>>;
pub const TOPIC: &str = "archives";
/// How many papers wait for destruction (the handbook's live state of its
/// destruction clause), kept until a notice on `t:archives` or the site's next day.
pub type KeptDue = crate::db::changes::KeptOn<DueKey, i64>;

/// The one key of [`KeptDue`]: a type of its own, since the app finds its data
/// by type and other counts are kept as `KeptOn<_, i64>` too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DueKey;

/// The due count as the handbook's destruction clause shows it ("99+" beyond
/// [`COUNT_CAP`]), from `kept` until a paper or an archive changes or the site's
/// day ends.
pub async fn due_shown(
    conn: &mut impl crate::db::Read,
    kept: &KeptDue,
    now: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
) -> QueryResult<String> {
    shown_by_day(kept, DueKey, now, tz, |today| {
        due_count(conn, today, COUNT_CAP + 1)
    })
    .await
}

/// Papers in the archives past their retention date on `today`, not on hold and
/// not on an open destruction list yet, counted up to `cap` (never more than a
/// page of the due index, whatever the archives hold).
pub async fn due_count(
    conn: &mut impl crate::db::Read,
    today: NaiveDate,
    cap: i64,
) -> QueryResult<i64> {
    let q = docs::table
        .inner_join(archives::table)
        .filter(sql::<Bool>(IN_ARCHIVE))
        .filter(docs::retain_until.le(today))
        .filter(docs::legal_hold.eq(false))
        .filter(archives::legal_hold.eq(false))
        .filter(sql::<Bool>(NOT_ON_OPEN_LIST))
        .order((docs::retain_until, docs::id))
        .select(docs::id);
    let ids: Vec<i64> = crate::db::cached(q).limit(cap).load(conn).await?;
    Ok(ids.len() as i64)
}

/// A building's archives counted whole: how many, how many complete, and the
/// required papers present against those required.
#[derive(QueryableByName, Debug, Default, Clone, Copy)]
pub struct BuildingTotals {
    #[diesel(sql_type = BigInt)]
    pub archives: i64,
    #[diesel(sql_type = BigInt)]
    pub complete: i64,
    #[diesel(sql_type = BigInt)]
    pub present: i64,
    #[diesel(sql_type = BigInt)]
    pub required: i64,
}

/// [`BuildingTotals`] of `building`, with `required` (kind, papers required)
/// as the archive list counts completeness. One statement.
pub async fn building_totals(
    conn: &mut AsyncPgConnection,
    building: i64,
    required: &[(String, i64)],
) -> QueryResult<BuildingTotals> {
    use diesel::sql_types::Array;
    let kinds: Vec<&str> = required.iter().map(|(k, _)| k.as_str()).collect();
    let counts: Vec<i64> = required.iter().map(|(_, n)| *n).collect();
    diesel::sql_query(
        "SELECT count(*) AS archives, \
                count(*) FILTER (WHERE a.present_required >= coalesce(r.n, 0)) AS complete, \
                coalesce(sum(a.present_required), 0)::bigint AS present, \
                coalesce(sum(coalesce(r.n, 0)), 0)::bigint AS required \
         FROM archives a LEFT JOIN unnest($2::text[], $3::bigint[]) AS r(kind, n) \
              ON r.kind = a.kind \
         WHERE a.building_id = $1",
    )
    .bind::<BigInt, _>(building)
    .bind::<Array<Text>, _>(kinds)
    .bind::<Array<BigInt>, _>(counts)
    .get_result(conn)
    .await
}

/// One page of archives in the paper order (project, 栋号, 楼层, 单元, 房号), after
/// the archive `after`: a keyset over the order index, never an OFFSET.
pub async fn page(
    conn: &mut impl crate::db::Read,
    building: Option<i64>,
    after: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<ArchiveBrief>> {
    // Codes and units by length first: building 2 before building 10, as the
    // property pages order them (and as the order index holds them).
    let mut q = archives::table
        .order((
            archives::project_id,
            sql::<Integer>("length(archives.building_code)"),
            archives::building_code,
            archives::floor,
            sql::<Integer>("length(archives.unit)"),
            archives::unit,
            archives::number,
            archives::id,
        ))
        .select(ArchiveBrief::as_select())
        .into_boxed();
    if let Some(b) = building {
        q = q.filter(archives::building_id.eq(b));
    }
    if let Some(a) = after {
        q = q.filter(
            sql::<Bool>(
                "(archives.project_id, length(archives.building_code), archives.building_code, \
                 archives.floor, length(archives.unit), archives.unit, archives.number, \
                 archives.id) > (SELECT c.project_id, length(c.building_code), c.building_code, \
                 c.floor, length(c.unit), c.unit, c.number, c.id FROM archives c WHERE c.id = ",
            )
            .bind::<BigInt, _>(a)
            .sql(")"),
        );
    }
    // `cached`: the SQL fragment would otherwise have the page planned every time;
    // the limit in the text lets PostgreSQL keep one plan for it.
    crate::db::cached(q).limit(limit).load(conn).await
}

/// A resident with the room and building their archive is labelled by.
#[derive(Queryable, Debug, Clone)]
pub struct Placement {
    pub resident_id: i64,
    pub kind: String,
    pub name: String,
    pub room_id: i64,
    pub floor: i32,
    pub unit: String,
    pub number: String,
    pub building_id: i64,
    pub building_code: String,
    pub project_id: i64,
}

/// Residents with their place, by id (one resident, or the first `limit`).
pub async fn placements(
    conn: &mut AsyncPgConnection,
    resident: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<Placement>> {
    use crate::schema::{buildings, rooms};
    let mut q = residents::table
        .inner_join(rooms::table.on(rooms::id.eq(residents::room_id)))
        .inner_join(buildings::table.on(buildings::id.eq(rooms::building_id)))
        .order(residents::id)
        .limit(limit)
        .select((
            residents::id,
            residents::kind,
            residents::name,
            rooms::id,
            rooms::floor,
            rooms::unit,
            rooms::number,
            buildings::id,
            buildings::code,
            buildings::project_id,
        ))
        .into_boxed();
    if let Some(r) = resident {
        q = q.filter(residents::id.eq(r));
    }
    q.load(conn).await
}

/// Opens the archive of a resident; None when they have one already.
pub async fn open_archive(conn: &mut AsyncPgConnection, p: &Placement) -> QueryResult<Option<i64>> {
    diesel::insert_into(archives::table)
        .values(&NewArchive {
            resident_id: p.resident_id,
            room_id: p.room_id,
            kind: &p.kind,
            project_id: p.project_id,
            building_id: p.building_id,
            building_code: &p.building_code,
            floor: p.floor,
            unit: &p.unit,
            number: &p.number,
            resident_name: &p.name,
        })
        .on_conflict(archives::resident_id)
        .do_nothing()
        .returning(archives::id)
        .get_result(conn)
        .await
        .optional()
}

/// Residents of the building who live there and have no archive yet, for the
/// "open an archive" form, by floor and room.
pub async fn residents_without_archive(
    conn: &mut AsyncPgConnection,
    building: i64,
    limit: i64,
) -> QueryResult<Vec<(i64, String, String, String, i32, String, String)>> {
    use crate::schema::{buildings, rooms};
    residents::table
        .inner_join(rooms::table.on(rooms::id.eq(residents::room_id)))
        .inner_join(buildings::table.on(buildings::id.eq(rooms::building_id)))
        .left_join(archives::table.on(archives::resident_id.eq(residents::id)))
        .filter(rooms::building_id.eq(building))
        .filter(archives::id.is_null())
        .filter(residents::moved_out.is_null())
        .order((rooms::floor, rooms::unit, rooms::number, residents::id))
        .limit(limit)
        .select((
            residents::id,
            residents::kind,
            residents::name,
            buildings::code,
            rooms::floor,
            rooms::unit,
            rooms::number,
        ))
        .load(conn)
        .await
}

pub async fn documents_of(
    conn: &mut AsyncPgConnection,
    archive: i64,
) -> QueryResult<Vec<Document>> {
    docs::table
        .filter(docs::archive_id.eq(archive))
        .order(docs::id)
        .limit(1000)
        .select(Document::as_select())
        .load(conn)
        .await
}

pub async fn document(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Document> {
    docs::table
        .find(id)
        .select(Document::as_select())
        .first(conn)
        .await
}

/// The document, locked until the transaction ends.
pub async fn lock_document(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Document> {
    docs::table
        .find(id)
        .for_update()
        .select(Document::as_select())
        .first(conn)
        .await
}

/// Locks the archive against a change, as [`lock_archives_of`] does.
pub async fn lock_archive(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<()> {
    archives::table
        .find(id)
        .for_no_key_update()
        .select(archives::id)
        .first::<i64>(conn)
        .await?;
    Ok(())
}

/// Locks the archives holding these documents against a change (a legal hold
/// set, dates that move a retention clock), in id order. Every change of
/// papers takes this before their own locks, in the order a change of an
/// archive's dates takes them (the archive, then its papers), so no two
/// changes wait on each other.
pub async fn lock_archives_of(conn: &mut AsyncPgConnection, documents: &[i64]) -> QueryResult<()> {
    archives::table
        .filter(
            archives::id.eq_any(
                docs::table
                    .filter(docs::id.eq_any(documents))
                    .select(docs::archive_id),
            ),
        )
        .order(archives::id)
        .for_no_key_update()
        .select(archives::id)
        .load::<i64>(conn)
        .await?;
    Ok(())
}

/// Locks these documents, in id order (so two lockers never wait on each other).
pub async fn lock_documents(conn: &mut AsyncPgConnection, ids: &[i64]) -> QueryResult<()> {
    docs::table
        .filter(docs::id.eq_any(ids))
        .order(docs::id)
        .for_update()
        .select(docs::id)
        .load::<i64>(conn)
        .await?;
    Ok(())
}

/// Corrects a document's particulars (档案变更: content and number).
pub async fn update_document(
    conn: &mut AsyncPgConnection,
    id: i64,
    v: &super::forms::ValidDoc,
) -> QueryResult<()> {
    diesel::update(docs::table.find(id))
        .set((
            docs::type_id.eq(v.type_id),
            docs::title.eq(&v.title),
            docs::received_on.eq(v.received_on),
            docs::pages.eq(v.pages),
            docs::cabinet.eq(&v.cabinet),
            docs::box_.eq(&v.box_),
            docs::confidential.eq(v.confidential),
            docs::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// Documents by id with their archive and type (a borrow's or a list's items).
pub async fn document_rows(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
) -> QueryResult<Vec<DocumentRow>> {
    docs::table
        .inner_join(types::table)
        .inner_join(archives::table)
        .filter(docs::id.eq_any(ids))
        .order(docs::id)
        .select(row_select())
        .load(conn)
        .await
}

/// The project of each of these documents: (document, project).
pub async fn document_projects(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
) -> QueryResult<Vec<(i64, i64)>> {
    docs::table
        .inner_join(archives::table)
        .filter(docs::id.eq_any(ids))
        .select((docs::id, archives::project_id))
        .load(conn)
        .await
}

#[allow(clippy::type_complexity)]
pub fn row_select() -> (
    diesel::dsl::AsSelect<Document, diesel::pg::Pg>,
    diesel::dsl::AsSelect<DocType, diesel::pg::Pg>,
    archives::building_code,
    archives::unit,
    archives::floor,
    archives::number,
    archives::resident_name,
    archives::legal_hold,
) {
    (
        Document::as_select(),
        DocType::as_select(),
        archives::building_code,
        archives::unit,
        archives::floor,
        archives::number,
        archives::resident_name,
        archives::legal_hold,
    )
}

/// Files a document; None when the same paper (type, title, received date) is
/// already in the archive.
pub async fn insert_document(
    conn: &mut AsyncPgConnection,
    new: &NewDocument<'_>,
) -> QueryResult<Option<i64>> {
    diesel::insert_into(docs::table)
        .values(new)
        .on_conflict_do_nothing()
        .returning(docs::id)
        .get_result(conn)
        .await
        .optional()
}

/// Which documents' retention dates to derive again.
#[derive(Clone, Copy)]
pub enum Scope {
    Archive(i64),
    Type(i64),
}

/// The retention date as SQL: the event's date plus the period; NULL when
/// permanent or while the event has not happened.
const DERIVED: &str = "(CASE t.retention_event \
     WHEN 'received' THEN d.received_on \
     WHEN 'moved_out' THEN r.moved_out \
     WHEN 'lease_ended' THEN a.lease_ended_on \
     WHEN 'contract_ended' THEN a.contract_ended_on END \
     + make_interval(years => t.retention_years))::date";

/// Derives the retention date of the documents in `scope` from the schedule and
/// the events, in the caller's transaction.
pub async fn recompute_retention(conn: &mut AsyncPgConnection, scope: Scope) -> QueryResult<usize> {
    let (filter, id) = match scope {
        Scope::Archive(id) => ("d.archive_id", id),
        Scope::Type(id) => ("d.type_id", id),
    };
    diesel::sql_query(format!(
        "UPDATE archive_documents d SET retain_until = {DERIVED}, updated_at = now() \
         FROM archive_doc_types t, archives a, residents r \
         WHERE t.id = d.type_id AND a.id = d.archive_id AND r.id = a.resident_id \
         AND {filter} = $1 AND d.status IN ('kept', 'on_loan') \
         AND d.retain_until IS DISTINCT FROM {DERIVED}"
    ))
    .bind::<BigInt, _>(id)
    .execute(conn)
    .await
}

impl Moved {
    /// Its archive's label, as every archive page writes it.
    pub fn label(&self) -> String {
        super::models::label(&self.building_code, &self.unit, self.floor, &self.number)
    }
}

/// A document whose retention date a schedule change would move.
#[derive(QueryableByName, Debug, Clone)]
pub struct Moved {
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    #[diesel(sql_type = BigInt)]
    pub archive_id: i64,
    #[diesel(sql_type = Text)]
    pub title: String,
    #[diesel(sql_type = Text)]
    pub building_code: String,
    #[diesel(sql_type = Text)]
    pub unit: String,
    #[diesel(sql_type = Integer)]
    pub floor: i32,
    #[diesel(sql_type = Text)]
    pub number: String,
    #[diesel(sql_type = Nullable<Date>)]
    pub old: Option<NaiveDate>,
    #[diesel(sql_type = Nullable<Date>)]
    pub new: Option<NaiveDate>,
}

/// The documents of `type_id` whose retention date would change under the
/// proposed period (at most `limit` of them, and how many in all).
pub async fn preview_schedule(
    conn: &mut AsyncPgConnection,
    type_id: i64,
    event: &str,
    years: Option<i32>,
    limit: i64,
) -> QueryResult<Vec<Moved>> {
    let derived = "(CASE $2 \
     WHEN 'received' THEN d.received_on \
     WHEN 'moved_out' THEN r.moved_out \
     WHEN 'lease_ended' THEN a.lease_ended_on \
     WHEN 'contract_ended' THEN a.contract_ended_on END \
     + make_interval(years => $3))::date";
    diesel::sql_query(format!(
        "SELECT d.id, d.archive_id, d.title, \
         a.building_code, a.unit, a.floor, a.number, \
         d.retain_until AS old, {derived} AS new \
         FROM archive_documents d JOIN archives a ON a.id = d.archive_id \
         JOIN residents r ON r.id = a.resident_id \
         WHERE d.type_id = $1 AND d.status IN ('kept', 'on_loan') \
         AND d.retain_until IS DISTINCT FROM {derived} \
         ORDER BY d.id LIMIT $4"
    ))
    .bind::<BigInt, _>(type_id)
    .bind::<Text, _>(event)
    .bind::<Nullable<Integer>, _>(years)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await
}

/// Sets the count of required types present in the archive (its completeness).
pub async fn refresh_summary(conn: &mut AsyncPgConnection, archive: i64) -> QueryResult<()> {
    refresh_summaries(conn, &[archive]).await
}

/// [`refresh_summary`] of several archives, in one statement.
pub async fn refresh_summaries(conn: &mut AsyncPgConnection, archives: &[i64]) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE archives SET present_required = (SELECT count(DISTINCT d.type_id) \
         FROM archive_documents d JOIN archive_doc_types t ON t.id = d.type_id \
         WHERE d.archive_id = archives.id AND t.required AND t.archive_kind = archives.kind \
         AND d.status IN ('kept', 'on_loan', 'destroyed')) WHERE id = ANY($1)",
    )
    .bind::<diesel::sql_types::Array<BigInt>, _>(archives)
    .execute(conn)
    .await?;
    Ok(())
}

/// Every archive's completeness again (after an admin changed which types count).
pub async fn refresh_all_summaries(conn: &mut AsyncPgConnection) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE archives SET present_required = coalesce((SELECT count(DISTINCT d.type_id) \
         FROM archive_documents d JOIN archive_doc_types t ON t.id = d.type_id \
         WHERE d.archive_id = archives.id AND t.required AND t.archive_kind = archives.kind \
         AND d.status IN ('kept', 'on_loan', 'destroyed')), 0)",
    )
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn add_history(
    conn: &mut AsyncPgConnection,
    archive: i64,
    document: Option<i64>,
    action: &str,
    detail: &str,
    actor: Option<i64>,
) -> QueryResult<()> {
    diesel::insert_into(archive_history::table)
        .values((
            archive_history::archive_id.eq(archive),
            archive_history::document_id.eq(document),
            archive_history::action.eq(action),
            archive_history::detail.eq(detail),
            archive_history::actor_id.eq(actor),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// One history line for each of `documents`, in its archive, in one statement.
pub async fn add_documents_history(
    conn: &mut AsyncPgConnection,
    documents: &[DocumentRow],
    action: &str,
    detail: &str,
    actor: i64,
) -> QueryResult<()> {
    let rows: Vec<_> = documents
        .iter()
        .map(|r| {
            (
                archive_history::archive_id.eq(r.doc.archive_id),
                archive_history::document_id.eq(Some(r.doc.id)),
                archive_history::action.eq(action),
                archive_history::detail.eq(detail),
                archive_history::actor_id.eq(Some(actor)),
            )
        })
        .collect();
    for chunk in rows.chunks(crate::db::rows_per_insert(5)) {
        diesel::insert_into(archive_history::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(())
}

/// The archive's history with who did it and the paper it is about, newest
/// first: `limit` lines older than `before` (a keyset on the line's number).
pub async fn history(
    conn: &mut AsyncPgConnection,
    archive: i64,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<(HistoryEntry, Option<String>, Option<String>)>> {
    let mut q = archive_history::table
        .left_join(users::table.on(users::id.nullable().eq(archive_history::actor_id)))
        .left_join(docs::table.on(docs::id.nullable().eq(archive_history::document_id)))
        .filter(archive_history::archive_id.eq(archive))
        .order(archive_history::id.desc())
        .limit(limit)
        .select((
            HistoryEntry::as_select(),
            users::display_name.nullable(),
            docs::title.nullable(),
        ))
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(archive_history::id.lt(b));
    }
    q.load(conn).await
}

/// Which of these papers are confidential and not destroyed.
pub async fn confidential_among(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
) -> QueryResult<Vec<i64>> {
    docs::table
        .filter(docs::id.eq_any(ids))
        .filter(docs::confidential)
        .filter(docs::status.ne("destroyed"))
        .order(docs::id)
        .select(docs::id)
        .load(conn)
        .await
}

/// Whether the paper's scan is already the file whose SHA-256 is `digest`.
pub async fn scan_is(
    conn: &mut AsyncPgConnection,
    document: i64,
    digest: &[u8],
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        archive_scans::table
            .filter(archive_scans::document_id.eq(document))
            .filter(
                diesel::dsl::sql::<diesel::sql_types::Bool>("sha256(content) = ")
                    .bind::<diesel::sql_types::Binary, _>(digest),
            ),
    ))
    .get_result(conn)
    .await
}

pub async fn put_scan(
    conn: &mut AsyncPgConnection,
    document: i64,
    content_type: &str,
    filename: &str,
    content: &[u8],
    by: i64,
) -> QueryResult<()> {
    let size = content.len() as i32;
    diesel::insert_into(archive_scans::table)
        .values((
            archive_scans::document_id.eq(document),
            archive_scans::content_type.eq(content_type),
            archive_scans::filename.eq(filename),
            archive_scans::size.eq(size),
            archive_scans::content.eq(content),
            archive_scans::uploaded_by.eq(by),
        ))
        .on_conflict(archive_scans::document_id)
        .do_update()
        .set((
            archive_scans::content_type.eq(content_type),
            archive_scans::filename.eq(filename),
            archive_scans::size.eq(size),
            archive_scans::content.eq(content),
            archive_scans::uploaded_by.eq(by),
            archive_scans::uploaded_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    diesel::update(docs::table.find(document))
        .set((
            docs::has_scan.eq(true),
            docs::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A scan: content type, file name, bytes.
pub async fn scan(
    conn: &mut AsyncPgConnection,
    document: i64,
) -> QueryResult<(String, String, Vec<u8>)> {
    archive_scans::table
        .find(document)
        .select((
            archive_scans::content_type,
            archive_scans::filename,
            archive_scans::content,
        ))
        .first(conn)
        .await
}

/// Sets the archive's event dates (lease end, contract end).
pub async fn set_events(
    conn: &mut AsyncPgConnection,
    archive: i64,
    lease_ended_on: Option<NaiveDate>,
    contract_ended_on: Option<NaiveDate>,
) -> QueryResult<()> {
    diesel::update(archives::table.find(archive))
        .set((
            archives::lease_ended_on.eq(lease_ended_on),
            archives::contract_ended_on.eq(contract_ended_on),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_moved_out(
    conn: &mut AsyncPgConnection,
    resident: i64,
    on: Option<NaiveDate>,
) -> QueryResult<()> {
    diesel::update(residents::table.find(resident))
        .set((
            residents::moved_out.eq(on),
            residents::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn resident_moved_out(
    conn: &mut AsyncPgConnection,
    resident: i64,
) -> QueryResult<(Option<NaiveDate>, Option<NaiveDate>)> {
    residents::table
        .find(resident)
        .select((residents::moved_in, residents::moved_out))
        .first(conn)
        .await
}

/// Locks the archive and its resident; the dates the events form shows, as
/// they stand: move-out, lease end, contract end.
pub async fn lock_events(
    conn: &mut AsyncPgConnection,
    archive: i64,
    resident: i64,
) -> QueryResult<[Option<NaiveDate>; 3]> {
    let (lease, contract) = archives::table
        .find(archive)
        .for_update()
        .select((archives::lease_ended_on, archives::contract_ended_on))
        .first::<(Option<NaiveDate>, Option<NaiveDate>)>(conn)
        .await?;
    let moved_out = residents::table
        .find(resident)
        .for_update()
        .select(residents::moved_out)
        .first::<Option<NaiveDate>>(conn)
        .await?;
    Ok([moved_out, lease, contract])
}

/// Holds or releases the archive; false when it already was so (a second click).
pub async fn set_archive_hold(
    conn: &mut AsyncPgConnection,
    archive: i64,
    hold: bool,
) -> QueryResult<bool> {
    let n = diesel::update(
        archives::table
            .find(archive)
            .filter(archives::legal_hold.ne(hold)),
    )
    .set(archives::legal_hold.eq(hold))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Holds or releases the paper; false when it already was so (a second click).
pub async fn set_document_hold(
    conn: &mut AsyncPgConnection,
    document: i64,
    hold: bool,
) -> QueryResult<bool> {
    let n = diesel::update(docs::table.find(document).filter(docs::legal_hold.ne(hold)))
        .set((
            docs::legal_hold.eq(hold),
            docs::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// How many document types each kind of archive requires, kept in memory by
/// each instance until the types change (a trigger notices everyone).
pub type RequiredCounts = crate::db::changes::Kept<Vec<(String, i64)>>;

pub async fn required_counts(
    conn: &mut impl crate::db::Read,
    kept: &RequiredCounts,
) -> QueryResult<std::sync::Arc<Vec<(String, i64)>>> {
    kept.get(load_required_counts(conn)).await
}

/// Required types per archive kind, for completeness: (kind, count).
async fn load_required_counts(conn: &mut impl crate::db::Read) -> QueryResult<Vec<(String, i64)>> {
    types::table
        .filter(types::required.eq(true))
        .group_by(types::archive_kind)
        .select((types::archive_kind, diesel::dsl::count_star()))
        .load(conn)
        .await
}

// ---- Borrowing (文件借阅登记表) ----

use super::models::{Borrow, BorrowRow};
use crate::schema::{archive_borrow_items as items, archive_borrows as borrows};

/// The borrow `borrower` has waiting for approval on `archive`, if any (at most
/// one: `archive_borrows_one_pending`).
pub async fn pending_borrow(
    conn: &mut AsyncPgConnection,
    archive: i64,
    borrower: i64,
) -> QueryResult<Option<i64>> {
    borrows::table
        .filter(borrows::archive_id.eq(archive))
        .filter(borrows::borrower_id.eq(borrower))
        .filter(borrows::status.eq("pending"))
        .select(borrows::id)
        .first(conn)
        .await
        .optional()
}

/// Files a borrow request with its documents; None when the same person already
/// has one waiting for this archive (a second click).
pub async fn create_borrow(
    conn: &mut AsyncPgConnection,
    archive: i64,
    borrower: i64,
    v: &super::forms::ValidBorrow,
) -> QueryResult<Option<i64>> {
    // A consultation for work waits for no approval: filed as approved, it
    // never meets the borrower's request waiting for one (one pending request
    // per archive).
    let status = if Borrow::needs_approval(v.mode, v.grounds) {
        "pending"
    } else {
        "approved"
    };
    let id: Option<i64> = diesel::insert_into(borrows::table)
        .values((
            borrows::archive_id.eq(archive),
            borrows::borrower_id.eq(borrower),
            borrows::mode.eq(v.mode),
            borrows::purpose.eq(&v.purpose),
            borrows::due_on.eq(v.due_on),
            borrows::status.eq(status),
            borrows::grounds.eq(v.grounds),
            borrows::visitor_name.eq(&v.visitor_name),
        ))
        .on_conflict_do_nothing()
        .returning(borrows::id)
        .get_result(conn)
        .await
        .optional()?;
    let Some(id) = id else { return Ok(None) };
    let rows: Vec<_> = v
        .documents
        .iter()
        .map(|d| (items::borrow_id.eq(id), items::document_id.eq(*d)))
        .collect();
    for chunk in rows.chunks(crate::db::rows_per_insert(2)) {
        diesel::insert_into(items::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(Some(id))
}

pub async fn borrow(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Borrow> {
    borrows::table
        .find(id)
        .select(Borrow::as_select())
        .first(conn)
        .await
}

pub async fn borrow_documents(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> QueryResult<Vec<DocumentRow>> {
    docs::table
        .inner_join(types::table)
        .inner_join(archives::table)
        .inner_join(items::table.on(items::document_id.eq(docs::id)))
        .filter(items::borrow_id.eq(id))
        .order(docs::id)
        .select(row_select())
        .load(conn)
        .await
}

/// Moves a borrow from one status to the next; false when it was not in `from`
/// (decided or handed over meanwhile, or a second click).
pub async fn borrow_status(
    conn: &mut AsyncPgConnection,
    id: i64,
    from: &str,
    to: &str,
) -> QueryResult<bool> {
    let n = diesel::update(borrows::table.find(id).filter(borrows::status.eq(from)))
        .set(borrows::status.eq(to))
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// A borrow's return date, set at hand-over for a consultation.
pub async fn set_due_on(conn: &mut AsyncPgConnection, id: i64, day: NaiveDate) -> QueryResult<()> {
    diesel::update(borrows::table.find(id))
        .set(borrows::due_on.eq(day))
        .execute(conn)
        .await?;
    Ok(())
}

/// The hand-over: who gave it, the borrower's signature.
pub async fn lend(
    conn: &mut AsyncPgConnection,
    id: i64,
    by: i64,
    signed_name: &str,
    png: Option<&[u8]>,
) -> QueryResult<bool> {
    let n = diesel::update(
        borrows::table
            .find(id)
            .filter(borrows::status.eq("approved")),
    )
    .set((
        borrows::status.eq("lent"),
        borrows::lent_at.eq(diesel::dsl::now),
        borrows::lent_by.eq(by),
        borrows::signed_name.eq(signed_name),
        borrows::signature_png.eq(png),
        borrows::signed_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Locks a borrow's documents and says whether every one is in the cabinet
/// (kept: not lent on another borrow, taken out or destroyed since approval).
pub async fn borrowed_all_kept(conn: &mut AsyncPgConnection, borrow: i64) -> QueryResult<bool> {
    let statuses: Vec<String> = docs::table
        .inner_join(items::table.on(items::document_id.eq(docs::id)))
        .filter(items::borrow_id.eq(borrow))
        .order(docs::id)
        .for_update()
        .select(docs::status)
        .load(conn)
        .await?;
    Ok(statuses.iter().all(|s| s == "kept"))
}

pub async fn give_back(conn: &mut AsyncPgConnection, id: i64, to: i64) -> QueryResult<bool> {
    let n = diesel::update(borrows::table.find(id).filter(borrows::status.eq("lent")))
        .set((
            borrows::status.eq("returned"),
            borrows::returned_at.eq(diesel::dsl::now),
            borrows::returned_to.eq(to),
        ))
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// Sets the status of a borrow's documents (out on loan, back in the cabinet).
pub async fn set_borrowed_status(
    conn: &mut AsyncPgConnection,
    borrow: i64,
    from: &str,
    to: &str,
) -> QueryResult<()> {
    diesel::update(
        docs::table
            .filter(
                docs::id.eq_any(
                    items::table
                        .filter(items::borrow_id.eq(borrow))
                        .select(items::document_id),
                ),
            )
            .filter(docs::status.eq(from)),
    )
    .set((docs::status.eq(to), docs::updated_at.eq(diesel::dsl::now)))
    .execute(conn)
    .await?;
    Ok(())
}

/// Which lines of the borrowing register to read.
pub struct RegisterFilter<'a> {
    /// Borrows in one of these statuses (all when None).
    pub statuses: Option<&'a [&'a str]>,
    /// Lent and due before this day: overdue.
    pub due_before: Option<NaiveDate>,
    /// One borrower's own requests.
    pub borrower: Option<i64>,
}

/// One page of the register, newest first (keyset on id), of the borrows `f`
/// selects.
pub async fn register(
    conn: &mut AsyncPgConnection,
    f: &RegisterFilter<'_>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<BorrowRow>> {
    let mut q = borrows::table
        .inner_join(archives::table)
        .inner_join(users::table.on(users::id.eq(borrows::borrower_id)))
        .order(borrows::id.desc())
        .limit(limit)
        .select((
            Borrow::as_select(),
            archives::building_code,
            archives::unit,
            archives::floor,
            archives::number,
            users::display_name,
        ))
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(borrows::id.lt(b));
    }
    if let Some(statuses) = f.statuses {
        q = q.filter(borrows::status.eq_any(statuses));
    }
    if let Some(day) = f.due_before {
        q = q.filter(borrows::due_on.lt(day));
    }
    if let Some(who) = f.borrower {
        q = q.filter(borrows::borrower_id.eq(who));
    }
    q.load(conn).await
}

/// Titles of the documents of these borrows, for the register: (borrow, title).
pub async fn borrow_titles(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
) -> QueryResult<Vec<(i64, String)>> {
    items::table
        .inner_join(docs::table)
        .filter(items::borrow_id.eq_any(ids))
        .order((items::borrow_id, docs::id))
        .select((items::borrow_id, docs::title))
        .load(conn)
        .await
}

/// Loans past their due date on `today`, by number after `after` (0: from the
/// first).
pub async fn overdue(
    conn: &mut AsyncPgConnection,
    today: NaiveDate,
    after: i64,
    limit: i64,
) -> QueryResult<Vec<BorrowRow>> {
    borrows::table
        .inner_join(archives::table)
        .inner_join(users::table.on(users::id.eq(borrows::borrower_id)))
        .filter(borrows::status.eq("lent"))
        .filter(borrows::due_on.lt(today))
        .filter(borrows::id.gt(after))
        .order(borrows::id)
        .limit(limit)
        .select((
            Borrow::as_select(),
            archives::building_code,
            archives::unit,
            archives::floor,
            archives::number,
            users::display_name,
        ))
        .load(conn)
        .await
}

/// How many loans are overdue (the loan register's notice, the handbook's loan
/// clause), kept until a notice on `t:archives` or the site's next day.
pub type KeptOverdueBorrows = crate::db::changes::KeptOn<OverdueKey, i64>;

/// The one key of [`KeptOverdueBorrows`], a type of its own as [`DueKey`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct OverdueKey;

/// The overdue count as pages show it ("99+" beyond [`COUNT_CAP`]), from `kept`
/// until a loan, a paper or an archive changes or the site's day ends.
pub async fn overdue_shown(
    conn: &mut impl crate::db::Read,
    kept: &KeptOverdueBorrows,
    now: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
) -> QueryResult<String> {
    shown_by_day(kept, OverdueKey, now, tz, |today| {
        overdue_count(conn, today, COUNT_CAP + 1)
    })
    .await
}

/// Loans on loan past their due date on `today`, counted up to `cap` (never
/// more than a page of the overdue index, whatever the register holds).
pub async fn overdue_count(
    conn: &mut impl crate::db::Read,
    today: NaiveDate,
    cap: i64,
) -> QueryResult<i64> {
    let q = borrows::table
        .filter(borrows::status.eq(crate::db::constant("lent")))
        .filter(borrows::due_on.lt(today))
        .select(borrows::id);
    // The status as a constant in the text, so the partial overdue index serves.
    let ids: Vec<i64> = crate::db::cached(q).limit(cap).load(conn).await?;
    Ok(ids.len() as i64)
}

// ---- Retention ----

/// Documents in the archive (not destroyed, not taken out) whose retention date
/// is on or before `until`, in date order after (`after_date`, `after_id`): a
/// keyset over the due index.
pub async fn due(
    conn: &mut AsyncPgConnection,
    until: NaiveDate,
    after: Option<(NaiveDate, i64)>,
    limit: i64,
) -> QueryResult<Vec<DocumentRow>> {
    let mut q = docs::table
        .inner_join(types::table)
        .inner_join(archives::table)
        .filter(sql::<Bool>(IN_ARCHIVE))
        .filter(docs::retain_until.le(until))
        .order((docs::retain_until, docs::id))
        .limit(limit)
        .select(row_select())
        .into_boxed();
    if let Some((d, id)) = after {
        // A row comparison, so the index range starts right at the cursor.
        q = q.filter(
            sql::<Bool>("(archive_documents.retain_until, archive_documents.id) > (")
                .bind::<Date, _>(d)
                .sql(", ")
                .bind::<BigInt, _>(id)
                .sql(")"),
        );
    }
    q.load(conn).await
}

/// Claims the documents to announce as `kind` (`ahead`: retention date within
/// (today, until]; `due`: on or before today), not on hold, not announced yet
/// for that date. The claim rows commit with the digest mail; a concurrent run
/// waits on them and claims nothing.
pub async fn claim_notices(
    conn: &mut AsyncPgConnection,
    kind: &str,
    from: Option<NaiveDate>,
    until: NaiveDate,
    limit: i64,
) -> QueryResult<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Claimed {
        #[diesel(sql_type = BigInt)]
        document_id: i64,
    }
    let rows: Vec<Claimed> = diesel::sql_query(
        "INSERT INTO archive_retention_notices (document_id, kind, retain_until) \
         SELECT d.id, $1, d.retain_until FROM archive_documents d \
         JOIN archives a ON a.id = d.archive_id \
         WHERE d.status IN ('kept', 'on_loan') AND d.retain_until IS NOT NULL \
         AND d.retain_until <= $3 AND ($2::date IS NULL OR d.retain_until > $2) \
         AND NOT d.legal_hold AND NOT a.legal_hold \
         AND NOT EXISTS (SELECT 1 FROM archive_retention_notices n \
             WHERE n.document_id = d.id AND n.kind = $1 AND n.retain_until = d.retain_until) \
         ORDER BY d.retain_until, d.id LIMIT $4 \
         ON CONFLICT DO NOTHING RETURNING document_id",
    )
    .bind::<Text, _>(kind)
    .bind::<Nullable<Date>, _>(from)
    .bind::<Date, _>(until)
    .bind::<BigInt, _>(limit)
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|r| r.document_id).collect())
}

/// Sets a type's retention period and derives its documents' dates again.
pub async fn set_schedule(
    conn: &mut AsyncPgConnection,
    type_id: i64,
    event: &str,
    years: Option<i32>,
) -> QueryResult<usize> {
    diesel::update(types::table.find(type_id))
        .set((
            types::retention_event.eq(event),
            types::retention_years.eq(years),
        ))
        .execute(conn)
        .await?;
    recompute_retention(conn, Scope::Type(type_id)).await
}

// ---- Destruction (过期文件处理登记表, 销毁清册) ----

use super::models::{Destruction, Witness};
use crate::schema::{
    archive_destruction_items as d_items, archive_destruction_witnesses as witnesses,
    archive_destructions as destructions,
};

/// The open destruction list (in review or approved) each of these documents is
/// on, as (document, list): one read for a page of papers.
pub async fn open_lists_of(
    conn: &mut AsyncPgConnection,
    ids: &[i64],
) -> QueryResult<Vec<(i64, i64)>> {
    d_items::table
        .inner_join(destructions::table)
        .filter(d_items::document_id.eq_any(ids))
        .filter(destructions::status.eq_any(["in_review", "approved"]))
        .select((d_items::document_id, destructions::id))
        .load(conn)
        .await
}

/// The open destruction list each paper of a due-list page is on, by paper.
pub async fn open_lists_by_doc(
    conn: &mut AsyncPgConnection,
    rows: &[DocumentRow],
) -> QueryResult<std::collections::HashMap<i64, i64>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.doc.id).collect();
    Ok(open_lists_of(conn, &ids).await?.into_iter().collect())
}

/// Documents among `ids` already on a list that is not closed.
pub async fn on_open_list(conn: &mut AsyncPgConnection, ids: &[i64]) -> QueryResult<Vec<i64>> {
    let listed = open_lists_of(conn, ids).await?;
    Ok(listed.into_iter().map(|(doc, _)| doc).collect())
}

/// The open destruction list (in review or approved) a document is on, if any.
pub async fn open_list_of(conn: &mut AsyncPgConnection, document: i64) -> QueryResult<Option<i64>> {
    let listed = open_lists_of(conn, &[document]).await?;
    Ok(listed.into_iter().next().map(|(_, list)| list))
}

/// Whether any paper of this borrow is on an open destruction list.
pub async fn borrowed_on_open_list(conn: &mut AsyncPgConnection, borrow: i64) -> QueryResult<bool> {
    let ids: Vec<i64> = items::table
        .filter(items::borrow_id.eq(borrow))
        .select(items::document_id)
        .load(conn)
        .await?;
    Ok(!on_open_list(conn, &ids).await?.is_empty())
}

/// Whether a paper of a borrow is confidential now (marked so, perhaps, after
/// the borrow was approved).
pub async fn borrowed_confidential(conn: &mut AsyncPgConnection, borrow: i64) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        items::table
            .inner_join(docs::table.on(docs::id.eq(items::document_id)))
            .filter(items::borrow_id.eq(borrow))
            .filter(docs::confidential),
    ))
    .get_result(conn)
    .await
}

pub async fn create_destruction(
    conn: &mut AsyncPgConnection,
    by: i64,
    basis: &str,
    note: &str,
    documents: &[i64],
) -> QueryResult<i64> {
    let id: i64 = diesel::insert_into(destructions::table)
        .values((
            destructions::created_by.eq(by),
            destructions::basis.eq(basis),
            destructions::note.eq(note),
        ))
        .returning(destructions::id)
        .get_result(conn)
        .await?;
    let rows: Vec<_> = documents
        .iter()
        .enumerate()
        .map(|(i, d)| {
            (
                d_items::destruction_id.eq(id),
                d_items::document_id.eq(*d),
                d_items::position.eq(i as i32 + 1),
            )
        })
        .collect();
    for chunk in rows.chunks(crate::db::rows_per_insert(3)) {
        diesel::insert_into(d_items::table)
            .values(chunk)
            .execute(conn)
            .await?;
    }
    Ok(id)
}

pub async fn destruction(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Destruction> {
    destructions::table
        .find(id)
        .select(Destruction::as_select())
        .first(conn)
        .await
}

pub async fn lock_destruction(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Destruction> {
    destructions::table
        .find(id)
        .for_update()
        .select(Destruction::as_select())
        .first(conn)
        .await
}

/// The list's documents in their order on the form.
pub async fn destruction_documents(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> QueryResult<Vec<DocumentRow>> {
    docs::table
        .inner_join(types::table)
        .inner_join(archives::table)
        .inner_join(d_items::table.on(d_items::document_id.eq(docs::id)))
        .filter(d_items::destruction_id.eq(id))
        .order(d_items::position)
        .select(row_select())
        .load(conn)
        .await
}

pub async fn witnesses_of(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Vec<Witness>> {
    witnesses::table
        .filter(witnesses::destruction_id.eq(id))
        .order(witnesses::signed_at)
        .select((
            witnesses::user_id,
            witnesses::signed_name,
            witnesses::signature_png,
            witnesses::signed_at,
        ))
        .load(conn)
        .await
}

/// Records a witness; false when this user already confirmed.
pub async fn add_witness(
    conn: &mut AsyncPgConnection,
    id: i64,
    user: i64,
    name: &str,
    png: Option<&[u8]>,
) -> QueryResult<bool> {
    let n = diesel::insert_into(witnesses::table)
        .values((
            witnesses::destruction_id.eq(id),
            witnesses::user_id.eq(user),
            witnesses::signed_name.eq(name),
            witnesses::signature_png.eq(png),
        ))
        .on_conflict_do_nothing()
        .execute(conn)
        .await?;
    Ok(n == 1)
}

pub async fn recheck(conn: &mut AsyncPgConnection, id: i64, by: i64) -> QueryResult<bool> {
    let n = diesel::update(
        destructions::table
            .find(id)
            .filter(destructions::status.eq("approved"))
            .filter(destructions::rechecked_by.is_null())
            .filter(destructions::created_by.ne(by)),
    )
    .set((
        destructions::rechecked_by.eq(by),
        destructions::rechecked_at.eq(diesel::dsl::now),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Calls off the approved list `id`: `false` when it is not approved (any more).
pub async fn call_off_destruction(
    conn: &mut AsyncPgConnection,
    id: i64,
    by: i64,
    reason: &str,
) -> QueryResult<bool> {
    let n = diesel::update(
        destructions::table
            .find(id)
            .filter(destructions::status.eq("approved")),
    )
    .set((
        destructions::status.eq("called_off"),
        destructions::called_off_by.eq(by),
        destructions::called_off_at.eq(diesel::dsl::now),
        destructions::called_off_reason.eq(reason),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

pub async fn destruction_status(
    conn: &mut AsyncPgConnection,
    id: i64,
    from: &str,
    to: &str,
) -> QueryResult<bool> {
    let n = diesel::update(
        destructions::table
            .find(id)
            .filter(destructions::status.eq(from)),
    )
    .set(destructions::status.eq(to))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Destroys the list's documents: their scans are deleted, their metadata stays.
pub async fn destroy(conn: &mut AsyncPgConnection, id: i64, by: i64) -> QueryResult<Vec<i64>> {
    let ids: Vec<i64> = d_items::table
        .filter(d_items::destruction_id.eq(id))
        .select(d_items::document_id)
        .load(conn)
        .await?;
    diesel::delete(archive_scans::table.filter(archive_scans::document_id.eq_any(&ids)))
        .execute(conn)
        .await?;
    diesel::update(docs::table.filter(docs::id.eq_any(&ids)))
        .set((
            docs::status.eq("destroyed"),
            docs::has_scan.eq(false),
            docs::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    diesel::update(destructions::table.find(id))
        .set((
            destructions::status.eq("destroyed"),
            destructions::destroyed_by.eq(by),
            destructions::destroyed_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    let archives: Vec<i64> = docs::table
        .filter(docs::id.eq_any(&ids))
        .select(docs::archive_id)
        .distinct()
        .load(conn)
        .await?;
    Ok(archives)
}

/// Takes a paper out of its archive (档案变更): `removed` with the reason, who and
/// when; its scan deleted. The caller holds the document's lock.
pub async fn remove_document(
    conn: &mut AsyncPgConnection,
    id: i64,
    reason: &str,
    by: i64,
) -> QueryResult<()> {
    diesel::delete(archive_scans::table.filter(archive_scans::document_id.eq(id)))
        .execute(conn)
        .await?;
    diesel::update(docs::table.find(id))
        .set((
            docs::status.eq("removed"),
            docs::removed_reason.eq(reason),
            docs::removed_by.eq(by),
            docs::removed_at.eq(diesel::dsl::now),
            docs::has_scan.eq(false),
            docs::updated_at.eq(diesel::dsl::now),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// One page of destruction lists, newest first, with their item counts.
pub async fn destruction_lists(
    conn: &mut AsyncPgConnection,
    status: Option<&str>,
    before: Option<i64>,
    limit: i64,
) -> QueryResult<Vec<(Destruction, String, i64)>> {
    let mut q = destructions::table
        .inner_join(users::table.on(users::id.eq(destructions::created_by)))
        .order(destructions::id.desc())
        .limit(limit)
        .select((
            Destruction::as_select(),
            users::display_name,
            sql::<BigInt>(
                "(SELECT count(*) FROM archive_destruction_items i \
                 WHERE i.destruction_id = archive_destructions.id)",
            ),
        ))
        .into_boxed();
    if let Some(b) = before {
        q = q.filter(destructions::id.lt(b));
    }
    if let Some(s) = status {
        q = q.filter(destructions::status.eq(s));
    }
    crate::db::cached(q).load(conn).await
}

/// Gives the archives of these rooms their room's floor again, after the room
/// was corrected (the list's order by building, floor and room reads it from
/// the archive). One statement.
pub async fn follow_rooms(conn: &mut AsyncPgConnection, rooms: &[i64]) -> QueryResult<()> {
    diesel::sql_query(
        "UPDATE archives a SET floor = r.floor FROM rooms r \
         WHERE r.id = a.room_id AND r.id = ANY($1) AND a.floor <> r.floor",
    )
    .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(rooms)
    .execute(conn)
    .await?;
    Ok(())
}
