//! SQL of the sales contracts. Every function takes the connection, so it works
//! inside the caller's transaction.
use chrono::{DateTime, NaiveDate, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Date, Integer, Text};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::models::{Contract, EventLine, NewContract, ReportLine, WaitingLine};
use crate::schema::{projects, sales_contract_events, sales_contracts, users};
use crate::web::cite::{shown_by_day, COUNT_CAP};

/// What the register's search reads: a contract's number, buyer, unit and
/// project joined by newlines (which no search holds), written as its trigram
/// index (`sales_contracts_search_idx`) is; `table` names the table or alias.
fn searched(table: &str) -> String {
    format!(
        "({table}.contract_no || E'\\n' || {table}.buyer || E'\\n' || {table}.unit \
         || E'\\n' || {table}.project)"
    )
}

/// The one stage a `show` filter of [`super::SHOWS`] stands for, if it is one
/// stage: an equality, so the (stage, signing day) index gives the rows in order.
fn stage_of(show: &str) -> Option<&'static str> {
    ["signed", "notified", "collected", "voided"]
        .into_iter()
        .find(|s| *s == show)
}

/// A page of the register, latest signing first, after the cursor (signing day,
/// id): a keyset, whatever the register holds. `show` "open" lists those still
/// followed; "mortgage" those filed whose customer was not told yet; `search`
/// keeps those whose number, buyer, unit or project holds it, any case.
pub async fn page(
    conn: &mut AsyncPgConnection,
    (show, search): (&str, Option<&str>),
    before: Option<(NaiveDate, i64)>,
    limit: i64,
) -> QueryResult<Vec<Contract>> {
    let mut q = sales_contracts::table
        .order((
            sales_contracts::signed_on.desc(),
            sales_contracts::id.desc(),
        ))
        .select(Contract::as_select())
        .limit(limit)
        .into_boxed();
    // The filters of several stages are written as their partial index's
    // predicate, so the planner reads that index in order: a keyset page reads
    // its 50 rows whatever the register holds. (`stage = ANY(…)` would sort
    // every matching row, even for one stage.)
    if show == "certificate" {
        q = q.filter(sql::<Bool>(
            "sales_contracts.stage = 'collected' AND sales_contracts.cert_issued_on IS NULL",
        ));
    } else if show == "open" {
        q = q.filter(sql::<Bool>(
            "sales_contracts.stage NOT IN ('collected', 'voided')",
        ));
    } else if show == "mortgage" {
        q = q.filter(sql::<Bool>(
            "sales_contracts.stage IN ('filed', 'agent', 'loan')",
        ));
    } else if let Some(stage) = stage_of(show) {
        q = q.filter(sales_contracts::stage.eq(stage));
    }
    if let Some(text) = search {
        // As [`waiting`] reads it.
        let p = crate::db::contains_pattern(text);
        q = q.filter(
            sql::<Bool>(&format!("{} ILIKE ", searched("sales_contracts"))).bind::<Text, _>(p),
        );
    }
    if let Some((day, id)) = before {
        // A row comparison, so the index range starts right at the cursor.
        q = q.filter(
            sql::<Bool>("(sales_contracts.signed_on, sales_contracts.id) < (")
                .bind::<Date, _>(day)
                .sql(", ")
                .bind::<BigInt, _>(id)
                .sql(")"),
        );
    }
    q.load(conn).await
}

/// The buyer's drawn signature on collecting contract `id`'s certificate, if
/// they drew one (kept out of [`Contract`], which every list loads).
pub async fn cert_signature(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Option<Vec<u8>>> {
    sales_contracts::table
        .find(id)
        .select(sales_contracts::cert_signature_png)
        .first(conn)
        .await
}

/// The contracts `ids`, in that order (those that exist).
pub async fn by_ids(conn: &mut AsyncPgConnection, ids: &[i64]) -> QueryResult<Vec<Contract>> {
    let mut rows: Vec<Contract> = sales_contracts::table
        .filter(sales_contracts::id.eq_any(ids))
        .select(Contract::as_select())
        .load(conn)
        .await?;
    let order: std::collections::HashMap<i64, usize> =
        ids.iter().enumerate().map(|(i, id)| (*id, i)).collect();
    rows.sort_by_key(|c| order.get(&c.id).copied());
    Ok(rows)
}

/// Tables behind the kept count of contracts waiting ([`KeptWaiting`]):
/// `t:sales_contracts` (every step writes the contract's row).
pub const TOPIC: &str = "sales_contracts";

/// How many contracts wait too long for the department's next step (the
/// clauses of the sales part), kept until a notice on `t:sales_contracts` or the
/// site's next day.
pub type KeptWaiting = crate::db::changes::KeptOn<WaitingKey, i64>;

/// The one key of [`KeptWaiting`]: a type of its own, since the app finds its
/// data by type and other counts are kept as `KeptOn<_, i64>` too.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct WaitingKey;

/// The waiting count as pages show it ("99+" beyond [`COUNT_CAP`]).
pub async fn waiting_shown(
    conn: &mut impl crate::db::Read,
    kept: &KeptWaiting,
    now: DateTime<Utc>,
    tz: chrono_tz::Tz,
) -> QueryResult<String> {
    shown_by_day(kept, WaitingKey, now, tz, async |today| {
        Ok(waiting(conn, (today, tz), None, COUNT_CAP + 1).await?.len() as i64)
    })
    .await
}

pub async fn get(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Contract> {
    sales_contracts::table
        .find(id)
        .select(Contract::as_select())
        .first(conn)
        .await
}

/// The contract, locked for a step.
pub async fn lock(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Contract> {
    sales_contracts::table
        .find(id)
        .select(Contract::as_select())
        .for_update()
        .first(conn)
        .await
}

diesel::define_sql_function! {
    /// PostgreSQL's `lower(text)`.
    fn lower(x: diesel::sql_types::Text) -> diesel::sql_types::Text;
}

/// Whether a contract other than `except` is recorded under this number, its
/// letters' case aside (QA-0001 and qa-0001 are one number): the unique index
/// on `lower(contract_no)` answers it, and refuses a number recorded meanwhile.
pub async fn number_taken(
    conn: &mut AsyncPgConnection,
    no: &str,
    except: Option<i64>,
) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(
        sales_contracts::table
            .filter(lower(sales_contracts::contract_no).eq(no.to_lowercase()))
            .filter(sales_contracts::id.ne(except.unwrap_or(0))),
    ))
    .get_result(conn)
    .await
}

/// The contract's steps, in the order they were taken, with who took them.
/// The day of the contract's latest step, which no later step may be dated
/// before: its columns' days and those of every step in its history (some,
/// such as the mortgage agent's, the loan's and the survey's, are kept there
/// only); a correction of its particulars is no step.
pub async fn last_step_on(conn: &mut AsyncPgConnection, c: &Contract) -> QueryResult<NaiveDate> {
    let history: Option<NaiveDate> = sales_contract_events::table
        .filter(sales_contract_events::contract_id.eq(c.id))
        .filter(sales_contract_events::step.ne("corrected"))
        .select(diesel::dsl::max(sales_contract_events::on_date))
        .first(conn)
        .await?;
    Ok(history.map_or(c.last_step_on(), |d| d.max(c.last_step_on())))
}

pub async fn events(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<Vec<EventLine>> {
    sales_contract_events::table
        .inner_join(users::table)
        .filter(sales_contract_events::contract_id.eq(id))
        .order(sales_contract_events::id)
        .select((
            sales_contract_events::step,
            sales_contract_events::on_date,
            sales_contract_events::note,
            sales_contract_events::at,
            users::display_name,
        ))
        .load(conn)
        .await
}

/// Records a contract and its first step (signed); returns its id.
pub async fn create(conn: &mut AsyncPgConnection, new: &NewContract<'_>) -> QueryResult<i64> {
    let id = diesel::insert_into(sales_contracts::table)
        .values(new)
        .returning(sales_contracts::id)
        .get_result(conn)
        .await?;
    add_event(
        conn,
        id,
        "signed",
        new.signed_on,
        "",
        new.recorded_by,
        new.recorded_at,
    )
    .await?;
    Ok(id)
}

async fn add_event(
    conn: &mut AsyncPgConnection,
    id: i64,
    step: &str,
    on_date: NaiveDate,
    note: &str,
    actor: i64,
    at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(sales_contract_events::table)
        .values((
            sales_contract_events::contract_id.eq(id),
            sales_contract_events::step.eq(step),
            sales_contract_events::on_date.eq(on_date),
            sales_contract_events::note.eq(note),
            sales_contract_events::actor_id.eq(actor),
            sales_contract_events::at.eq(at),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// A step of a contract: its stage and date change, its version goes up, its
/// history gains the step.
pub struct Step<'a> {
    pub id: i64,
    pub step: &'static str,
    pub on_date: NaiveDate,
    pub note: &'a str,
    pub deed_tax_due: Option<NaiveDate>,
    /// With `surveyed`: the area, and the refund or top-up it makes.
    pub surveyed: Option<(i32, i64)>,
    pub cert_no: Option<&'a str>,
    /// With `cert_issued`: the buyer's signature.
    pub signature: Option<&'a crate::web::signature::Signature>,
    pub by: i64,
    pub at: DateTime<Utc>,
}

#[derive(AsChangeset)]
#[diesel(table_name = sales_contracts)]
struct StepChange<'a> {
    stage: Option<&'a str>,
    filed_on: Option<NaiveDate>,
    notified_on: Option<NaiveDate>,
    deed_tax_due: Option<NaiveDate>,
    collected_on: Option<NaiveDate>,
    voided_on: Option<NaiveDate>,
    surveyed_centi: Option<i32>,
    adjust_fen: Option<i64>,
    settled_on: Option<NaiveDate>,
    cert_no: Option<&'a str>,
    cert_received_on: Option<NaiveDate>,
    cert_notified_on: Option<NaiveDate>,
    cert_issued_on: Option<NaiveDate>,
    cert_signed_by: Option<&'a str>,
    cert_signature_png: Option<&'a [u8]>,
}

/// Takes the step on a contract the caller locked and checked.
pub async fn take_step(conn: &mut AsyncPgConnection, s: &Step<'_>) -> QueryResult<()> {
    let on = |step: &str| (s.step == step).then_some(s.on_date);
    // The certificate's steps leave the contract's stage (collected) as it is.
    let certificate = matches!(
        s.step,
        "surveyed" | "settled" | "cert_received" | "cert_notified" | "cert_issued"
    );
    let change = StepChange {
        stage: (!certificate).then_some(s.step),
        filed_on: on("filed"),
        notified_on: on("notified"),
        deed_tax_due: s.deed_tax_due,
        collected_on: on("collected"),
        voided_on: on("voided"),
        surveyed_centi: s.surveyed.map(|(area, _)| area),
        adjust_fen: s.surveyed.map(|(_, fen)| fen),
        settled_on: on("settled"),
        cert_no: s.cert_no,
        cert_received_on: on("cert_received"),
        cert_notified_on: on("cert_notified"),
        cert_issued_on: on("cert_issued"),
        cert_signed_by: s.signature.map(|sig| sig.name.as_str()),
        cert_signature_png: s.signature.and_then(|sig| sig.drawing_png.as_deref()),
    };
    diesel::update(sales_contracts::table.find(s.id))
        .set((
            &change,
            sales_contracts::version.eq(sales_contracts::version + 1),
        ))
        .execute(conn)
        .await?;
    add_event(conn, s.id, s.step, s.on_date, s.note, s.by, s.at).await
}

/// The contracts that have waited for the department's next step longer than
/// [`super::days_allowed`] as of `today`, longest first: a signed one not filed,
/// a filed one whose customer (or agent) was not told, a mortgage whose loan
/// has not come, a loan in whose customer was not told, a certificate received
/// whose buyer was not told (the steps as [`super::next_step`] orders them). One
/// statement; it reads the contracts at those stages (the stage index and the
/// certificates' partial index), a department's few hundred, and for the
/// agent's and the loan's dates each one's latest step of its stage, which only
/// the history holds. `search` keeps those whose number, buyer, unit or project
/// holds it, as [`page`] does.
pub async fn waiting(
    conn: &mut impl crate::db::Read,
    (today, tz): (NaiveDate, chrono_tz::Tz),
    search: Option<&str>,
    limit: i64,
) -> QueryResult<Vec<WaitingLine>> {
    let allowed = |step| i32::try_from(super::days_allowed(step)).unwrap_or(i32::MAX);
    diesel::sql_query(format!(
        "SELECT id, contract_no, project, unit, buyer, step, since, ($1 - since) AS days \
         FROM (SELECT c.id, c.contract_no, c.project, c.unit, c.buyer, \
                CASE WHEN c.stage = 'signed' THEN 'filed' \
                     WHEN c.stage = 'filed' AND c.payment = 'mortgage' THEN 'agent' \
                     WHEN c.stage IN ('filed', 'loan') THEN 'notified' \
                     WHEN c.stage = 'agent' THEN 'loan' \
                     ELSE 'cert_notified' END AS step, \
                CASE c.stage WHEN 'signed' \
                     THEN greatest(c.signed_on, (c.recorded_at AT TIME ZONE $8)::date) \
                     WHEN 'filed' THEN c.filed_on \
                     WHEN 'collected' THEN c.cert_received_on \
                     ELSE (SELECT max(e.on_date) FROM sales_contract_events e \
                           WHERE e.contract_id = c.id AND e.step = c.stage) END AS since \
               FROM sales_contracts c \
               WHERE (c.stage IN ('signed', 'filed', 'agent', 'loan') \
                  OR (c.stage = 'collected' AND c.cert_issued_on IS NULL \
                      AND c.cert_received_on IS NOT NULL AND c.cert_notified_on IS NULL)) \
                 AND ($9::text IS NULL OR {searched} ILIKE $9)) w \
         WHERE since <= $1 - CASE step WHEN 'filed' THEN $2 WHEN 'agent' THEN $3 \
                WHEN 'notified' THEN $4 WHEN 'loan' THEN $5 ELSE $6 END \
         ORDER BY since, id LIMIT $7",
        searched = searched("c")
    ))
    .bind::<Date, _>(today)
    .bind::<Integer, _>(allowed("filed"))
    .bind::<Integer, _>(allowed("agent"))
    .bind::<Integer, _>(allowed("notified"))
    .bind::<Integer, _>(allowed("loan"))
    .bind::<Integer, _>(allowed("cert_notified"))
    .bind::<BigInt, _>(limit)
    .bind::<diesel::sql_types::Text, _>(tz.name())
    .bind::<diesel::sql_types::Nullable<diesel::sql_types::Text>, _>(
        search.map(crate::db::contains_pattern),
    )
    .load(conn)
    .await
}

/// The month's report to finance, by project: contracts signed (how many, their
/// area and price, of which on mortgage), filed, collected, voided (and their
/// price), area differences settled (and their net amount: positive, the buyers
/// paid), certificates issued, each counted by the day of its step in [from, until). One statement,
/// over the steps' index.
pub async fn report(
    conn: &mut AsyncPgConnection,
    from: NaiveDate,
    until: NaiveDate,
) -> QueryResult<Vec<ReportLine>> {
    diesel::sql_query(
        "SELECT c.project, \
            count(*) FILTER (WHERE e.step = 'signed') AS signed, \
            coalesce(sum(c.area_centi) FILTER (WHERE e.step = 'signed'), 0)::int8 AS signed_area_centi, \
            coalesce(sum(c.price_fen) FILTER (WHERE e.step = 'signed'), 0)::int8 AS signed_fen, \
            count(*) FILTER (WHERE e.step = 'signed' AND c.payment = 'mortgage') AS mortgages, \
            count(*) FILTER (WHERE e.step = 'filed') AS filed, \
            count(*) FILTER (WHERE e.step = 'collected') AS collected, \
            count(*) FILTER (WHERE e.step = 'voided') AS voided, \
            coalesce(sum(c.price_fen) FILTER (WHERE e.step = 'voided'), 0)::int8 AS voided_fen, \
            count(*) FILTER (WHERE e.step = 'settled') AS settled, \
            coalesce(sum(c.adjust_fen) FILTER (WHERE e.step = 'settled'), 0)::int8 AS settled_fen, \
            count(*) FILTER (WHERE e.step = 'cert_issued') AS certificates \
         FROM sales_contract_events e JOIN sales_contracts c ON c.id = e.contract_id \
         WHERE e.step IN ('signed', 'filed', 'collected', 'voided', 'settled', 'cert_issued') \
            AND e.on_date >= $1 AND e.on_date < $2 \
         GROUP BY c.project ORDER BY c.project",
    )
    .bind::<Date, _>(from)
    .bind::<Date, _>(until)
    .load(conn)
    .await
}

/// A correction of a contract's recorded facts: written only if the contract is
/// still at `version`; its history gains a `corrected` step naming the fields.
pub struct Correction<'a> {
    pub id: i64,
    pub version: i32,
    pub fix: &'a NewContract<'a>,
    /// The surveyed area and the refund or top-up it sets, when a correction
    /// changes either (the surveyed area, or the pre-sale area or price it is
    /// settled against).
    pub surveyed: Option<(i32, i64)>,
    pub changed: &'a str,
    pub on_date: NaiveDate,
    pub by: i64,
    pub at: DateTime<Utc>,
}

#[derive(AsChangeset)]
#[diesel(table_name = sales_contracts)]
struct Fix<'a> {
    contract_no: &'a str,
    project: &'a str,
    unit: &'a str,
    buyer: &'a str,
    buyer_phone: &'a str,
    signed_on: NaiveDate,
    area_centi: i32,
    price_fen: i64,
    payment: &'a str,
    agent: &'a str,
    // None: left as they are.
    surveyed_centi: Option<i32>,
    adjust_fen: Option<i64>,
}

/// False when the contract changed since `version` (nothing is written).
pub async fn correct(conn: &mut AsyncPgConnection, c: &Correction<'_>) -> QueryResult<bool> {
    let f = c.fix;
    let fix = Fix {
        contract_no: f.contract_no,
        project: f.project,
        unit: f.unit,
        buyer: f.buyer,
        buyer_phone: f.buyer_phone,
        signed_on: f.signed_on,
        area_centi: f.area_centi,
        price_fen: f.price_fen,
        payment: f.payment,
        agent: f.agent,
        surveyed_centi: c.surveyed.map(|(area, _)| area),
        adjust_fen: c.surveyed.map(|(_, fen)| fen),
    };
    let n = diesel::update(
        sales_contracts::table
            .find(c.id)
            .filter(sales_contracts::version.eq(c.version)),
    )
    .set((
        &fix,
        sales_contracts::version.eq(sales_contracts::version + 1),
    ))
    .execute(conn)
    .await?;
    if n == 0 {
        return Ok(false);
    }
    // The signing step carries the signing day: the report and the order of
    // later steps read it there.
    diesel::update(
        sales_contract_events::table
            .filter(sales_contract_events::contract_id.eq(c.id))
            .filter(sales_contract_events::step.eq("signed")),
    )
    .set(sales_contract_events::on_date.eq(f.signed_on))
    .execute(conn)
    .await?;
    add_event(conn, c.id, "corrected", c.on_date, c.changed, c.by, c.at).await?;
    Ok(true)
}

/// The projects on record, for the form's suggestions.
pub async fn project_names(conn: &mut AsyncPgConnection) -> QueryResult<Vec<String>> {
    projects::table
        .order(projects::name)
        .select(projects::name)
        .load(conn)
        .await
}
