use chrono::{DateTime, Utc};
use diesel::dsl::sql;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Timestamptz};
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::Meta;
use crate::schema::{audit_log, users};

/// Appends one audit row.
pub async fn record(
    conn: &mut AsyncPgConnection,
    meta: &Meta,
    action: &str,
    entity: Option<(&str, String)>,
    details: serde_json::Value,
) -> QueryResult<()> {
    super::debug_check_named(action, entity.as_ref().map(|e| e.0), &details);
    let (entity, entity_id) = match entity {
        Some((e, id)) => (Some(e), Some(id)),
        None => (None, None),
    };
    diesel::insert_into(audit_log::table)
        .values((
            audit_log::actor_id.eq(meta.actor_id),
            audit_log::action.eq(action),
            audit_log::entity.eq(entity),
            audit_log::entity_id.eq(entity_id),
            audit_log::ip.eq(&meta.ip),
            audit_log::request_id.eq(&meta.request_id),
            audit_log::details.eq(details),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

/// As [`record`], as the part `audit` of a one-statement filing
/// ([`crate::db::With`]): one line for each row of `from`, about the record
/// whose id the SQL expression `entity_id` gives, with `details` and the
/// object the SQL expression `more` builds over those rows.
pub fn record_in(
    w: &mut crate::db::With,
    meta: &Meta,
    action: &'static str,
    (entity, entity_id): (&'static str, &str),
    details: serde_json::Value,
    (more, from): (&str, &str),
) {
    super::debug_check_named(action, Some(entity), &details);
    use diesel::sql_types::{BigInt, Jsonb, Nullable, Text};
    let (actor, action, entity) = (
        w.bind::<Nullable<BigInt>, _>(meta.actor_id),
        w.bind::<Text, _>(action),
        w.bind::<Text, _>(entity),
    );
    let (ip, request_id, details) = (
        w.bind::<Text, _>(meta.ip.clone()),
        w.bind::<Text, _>(meta.request_id.clone()),
        w.bind::<Jsonb, _>(details),
    );
    w.part(
        "audit",
        &format!(
            "INSERT INTO audit_log (actor_id, action, entity, entity_id, ip, request_id, details) \
             SELECT {actor}, {action}, {entity}, {entity_id}, {ip}, {request_id}, \
             {details} || {more} FROM {from}"
        ),
    );
}

#[derive(Queryable, Debug)]
pub struct AuditRow {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: Option<String>,
    pub action: String,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub ip: Option<String>,
    pub request_id: Option<String>,
    pub details: serde_json::Value,
}

#[derive(Default, Debug, Clone)]
pub struct Filter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Keyset cursor: rows strictly older than (at, id).
    pub before: Option<(DateTime<Utc>, i64)>,
}

/// One page of the log, newest first, by keyset (no OFFSET).
pub async fn page(
    conn: &mut AsyncPgConnection,
    f: &Filter,
    limit: i64,
) -> QueryResult<Vec<AuditRow>> {
    let mut q = audit_log::table
        .left_join(users::table)
        .select((
            audit_log::id,
            audit_log::at,
            users::username.nullable(),
            audit_log::action,
            audit_log::entity,
            audit_log::entity_id,
            audit_log::ip,
            audit_log::request_id,
            audit_log::details,
        ))
        .order((audit_log::at.desc(), audit_log::id.desc()))
        .limit(limit)
        .into_boxed();
    if let Some(a) = &f.actor {
        q = q.filter(users::username.eq(a.clone()));
    }
    if let Some(a) = &f.action {
        q = q.filter(audit_log::action.eq(a.clone()));
    }
    if let Some(e) = &f.entity {
        q = q.filter(audit_log::entity.eq(e.clone()));
    }
    if let Some(id) = &f.entity_id {
        q = q.filter(audit_log::entity_id.eq(id.clone()));
        if f.entity.is_none() {
            // A record number of any kind: among every kind the log names,
            // so the index on (entity, entity_id) finds its lines instead of
            // a walk through the whole log.
            q = q.filter(audit_log::entity.eq_any(super::entities()));
        }
    }
    if let Some(from) = f.from {
        q = q.filter(audit_log::at.ge(from));
    }
    if let Some(until) = f.until {
        q = q.filter(audit_log::at.lt(until));
    }
    if let Some((at, id)) = f.before {
        // A row comparison, so the index range starts right at the cursor.
        q = q.filter(
            sql::<Bool>("(audit_log.at, audit_log.id) < (")
                .bind::<Timestamptz, _>(at)
                .sql(", ")
                .bind::<BigInt, _>(id)
                .sql(")"),
        );
    }
    q.load(conn).await
}

/// The actions that occur in the log, for the filter's choice list.
pub async fn actions(conn: &mut AsyncPgConnection) -> QueryResult<Vec<String>> {
    // A recursive skip-scan over the action index: fast however long the log is.
    #[derive(QueryableByName)]
    struct A {
        #[diesel(sql_type = diesel::sql_types::Text)]
        action: String,
    }
    let rows: Vec<A> = diesel::sql_query(
        "WITH RECURSIVE t(action) AS ( \
           (SELECT action FROM audit_log ORDER BY action LIMIT 1) \
           UNION ALL \
           SELECT (SELECT action FROM audit_log WHERE action > t.action ORDER BY action LIMIT 1) \
           FROM t WHERE t.action IS NOT NULL) \
         SELECT action FROM t WHERE action IS NOT NULL",
    )
    .load(conn)
    .await?;
    Ok(rows.into_iter().map(|a| a.action).collect())
}

/// How many lines of `action` since `since` were written by `actor` or are
/// about the record `(entity, entity_id)`: for limits on attempts the log
/// already counts (one read of the action's index).
pub async fn count_since(
    conn: &mut AsyncPgConnection,
    action: &str,
    actor: i64,
    (entity, entity_id): (&str, &str),
    since: DateTime<Utc>,
) -> QueryResult<i64> {
    audit_log::table
        .filter(audit_log::action.eq(action))
        .filter(audit_log::at.gt(since))
        .filter(
            audit_log::actor_id.eq(actor).or(audit_log::entity
                .eq(entity)
                .and(audit_log::entity_id.eq(entity_id))),
        )
        .count()
        .get_result(conn)
        .await
}
