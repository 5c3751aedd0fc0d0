//! Publishing through approval: the editor asks, the service-centre manager
//! approves (approvals engine, kind `handbook_publish`), and the approval publishes
//! the draft with what the editor asked for.
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use super::forms::ValidPublish;
use super::models::Version;
use super::queries::{self, Publication};
use crate::approvals::{self, engine};
use crate::config::Config;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::schema::{approval_requests, handbook_publications as pubs, handbook_versions};

pub const KIND: &str = "handbook_publish";

/// The approval request waiting for this draft, if any.
pub async fn pending_request(
    conn: &mut AsyncPgConnection,
    version_id: i64,
) -> QueryResult<Option<i64>> {
    pubs::table
        .inner_join(
            approval_requests::table.on(approval_requests::subject_id
                .eq(pubs::id)
                .and(approval_requests::kind.eq(KIND))),
        )
        .filter(pubs::version_id.eq(version_id))
        .filter(pubs::status.eq("pending"))
        .select(approval_requests::id)
        .first(conn)
        .await
        .optional()
}

/// Locks the draft `draft_id` for a change to it (`None` once it is no longer
/// a draft), and before it the request to publish it, if one waits: in the
/// order a decision on that request takes them (the request, then the version
/// it publishes), so that an edit and a decision made at the same moment wait
/// for each other in turn, never both at once.
pub async fn lock_for_edit(
    conn: &mut AsyncPgConnection,
    draft_id: i64,
) -> QueryResult<Option<Version>> {
    if let Some(request) = pending_request(conn, draft_id).await? {
        crate::approvals::queries::lock_request(conn, request).await?;
    }
    super::queries::lock_draft(conn, draft_id).await
}

/// Files the request to publish `draft`; returns the approval request's id, or
/// None when one is already waiting (a second click).
pub async fn request(
    conn: &mut AsyncPgConnection,
    draft: &Version,
    v: &ValidPublish,
    requester: i64,
    config: &Config,
    now: DateTime<Utc>,
) -> Result<Option<i64>, AppError> {
    let roles: Vec<String> = v.roles.clone();
    let id: Option<i64> = diesel::insert_into(pubs::table)
        .values((
            pubs::version_id.eq(draft.id),
            pubs::effective_on.eq(v.effective_on),
            pubs::change_note.eq(&v.change_note),
            pubs::requires_ack.eq(v.requires_ack),
            pubs::ack_roles.eq(roles),
            pubs::requested_by.eq(requester),
        ))
        .on_conflict_do_nothing()
        .returning(pubs::id)
        .get_result(conn)
        .await
        .optional()?;
    let Some(id) = id else {
        return Ok(None);
    };
    let request = engine::submit(
        conn,
        &approvals::HANDBOOK_PUBLISH,
        id,
        &approvals::typed(&draft.title),
        requester,
        config,
        now,
    )
    .await?;
    Ok(Some(request))
}

/// The draft `draft_id` changed while its publication waits: the approver is
/// told, the request takes the draft's `title` as it is now, and links already
/// mailed stop working (they were for the text as it was).
pub async fn draft_edited(
    conn: &mut AsyncPgConnection,
    draft_id: i64,
    title: &str,
    actor: i64,
    config: &Config,
) -> Result<(), AppError> {
    if let Some(request) = pending_request(conn, draft_id).await? {
        // An already-decided request needs nothing here.
        let _ = engine::edited(
            conn,
            request,
            &approvals::typed(title),
            "",
            actor,
            config,
            Utc::now(),
        )
        .await?;
    }
    Ok(())
}

#[derive(Queryable)]
struct Row {
    version_id: i64,
    effective_on: NaiveDate,
    change_note: String,
    requires_ack: bool,
    ack_roles: Vec<Option<String>>,
    requested_by: i64,
}

fn row(
    conn: &mut AsyncPgConnection,
    id: i64,
) -> impl std::future::Future<Output = QueryResult<Row>> + '_ {
    pubs::table
        .find(id)
        .select((
            pubs::version_id,
            pubs::effective_on,
            pubs::change_note,
            pubs::requires_ack,
            pubs::ack_roles,
            pubs::requested_by,
        ))
        .first(conn)
}

/// Label/value lines for the approver: which document, from when, why.
pub async fn approval_details(
    conn: &mut AsyncPgConnection,
    id: i64,
    loc: Locale,
) -> QueryResult<Vec<(String, String)>> {
    let r = row(conn, id).await?;
    let (document_id, title, number): (i64, String, Option<i32>) = handbook_versions::table
        .find(r.version_id)
        .select((
            handbook_versions::document_id,
            handbook_versions::title,
            handbook_versions::number,
        ))
        .first(conn)
        .await?;
    // The version it replaces: the newest published before it (once approved
    // it is published itself, and later versions may follow it), named as the
    // handbook pages name it (a mail has no page to link it to).
    let current = queries::published_versions(conn, document_id).await?;
    let replaced: Option<&Version> = current
        .iter()
        .find(|v| v.id != r.version_id && number.is_none_or(|n| v.number_or_zero() < n));
    let in_force = match replaced {
        Some(v) => {
            let (number, effective_on) = (v.number_or_zero(), v.effective_on);
            let version = loc.tf("handbook.version_n", &[("number", &number)]);
            match effective_on {
                Some(d) => format!(
                    "{version} · {}",
                    loc.tf("handbook.effective", &[("date", &d.format("%Y-%m-%d"))])
                ),
                None => version,
            }
        }
        None => loc.t("handbook.approval.none_in_force").to_owned(),
    };
    let mut lines = vec![
        (loc.t("handbook.approval.document").to_owned(), title),
        (
            loc.t("handbook.approval.effective_on").to_owned(),
            r.effective_on.format("%Y-%m-%d").to_string(),
        ),
        (
            loc.t("handbook.approval.change_note").to_owned(),
            r.change_note,
        ),
        // The version it replaces; the changes follow in full below.
        (loc.t("handbook.approval.in_force").to_owned(), in_force),
    ];
    if r.requires_ack {
        let roles: Vec<String> = r
            .ack_roles
            .into_iter()
            .flatten()
            .map(|code| match crate::auth::Role::from_code(&code) {
                Some(role) => loc.t(&role.name_key()).to_owned(),
                None => code,
            })
            .collect();
        let roles = roles.join(loc.t("paper.list_separator"));
        lines.push((loc.t("handbook.approval.ack").to_owned(), roles));
    }
    // What the approver is asked to put in force: each changed clause as it would
    // read, against the version it replaces (once approved, the draft is itself
    // published: the record still shows what was approved).
    let in_force = replaced;
    let mut ids = vec![r.version_id];
    if let Some(c) = in_force {
        ids.push(c.id);
    }
    let mut contents = queries::contents(conn, &ids).await?;
    let new = contents.remove(&r.version_id).unwrap_or_default();
    let old = in_force
        .and_then(|c| contents.remove(&c.id))
        .unwrap_or_default();
    // Every change, however many: the approver may not open the draft itself
    // (only editors may), so what is not listed here would be approved unseen.
    let (changes, _) = super::diff::compare(&old, &new);
    for c in &changes {
        let kind = loc.t_in("handbook.approval.change", c.kind());
        lines.push((format!("{} {kind}", c.citation), plain(&c.html, c.change)));
    }
    Ok(lines)
}

/// The text a diff's HTML stands for: the new wording (the removed wording for a
/// removed clause), without marks or escapes.
fn plain(html: &str, change: super::diff::Change) -> String {
    let mut text = html.to_owned();
    if change != super::diff::Change::Removed {
        while let Some(start) = text.find("<del>") {
            let end = text[start..]
                .find("</del>")
                .map_or(text.len(), |e| start + e + 6);
            text.replace_range(start..end, "");
        }
    }
    for tag in ["<ins>", "</ins>", "<del>", "</del>"] {
        text = text.replace(tag, "");
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Where the request's subject lives: the draft being published.
pub async fn document_of(conn: &mut AsyncPgConnection, id: i64) -> QueryResult<i64> {
    pubs::table
        .inner_join(handbook_versions::table)
        .filter(pubs::id.eq(id))
        .select(handbook_versions::document_id)
        .first(conn)
        .await
}

/// The approval's outcome. Approved (on the site's day `on`): the draft is
/// published as asked, effective on the date the editor gave, or on the day
/// it was approved when that date has passed meanwhile (no version is on
/// record as in force before it could be read). Otherwise the draft stays a
/// draft.
pub async fn finished(
    conn: &mut AsyncPgConnection,
    id: i64,
    status: &str,
    on: chrono::NaiveDate,
) -> QueryResult<()> {
    diesel::update(pubs::table.find(id).filter(pubs::status.eq("pending")))
        .set(pubs::status.eq(status))
        .execute(conn)
        .await?;
    if status != "approved" {
        return Ok(());
    }
    let r = row(conn, id).await?;
    let draft: Version = handbook_versions::table
        .find(r.version_id)
        .select(Version::as_select())
        .first(conn)
        .await?;
    let roles: Vec<String> = r.ack_roles.into_iter().flatten().collect();
    let effective_on = r.effective_on.max(on);
    let number = queries::publish(
        conn,
        &draft,
        &Publication {
            effective_on,
            change_note: &r.change_note,
            requires_ack: r.requires_ack,
            ack_roles: &roles,
            by: Some(r.requested_by),
        },
    )
    .await?;
    crate::audit::record(
        conn,
        &crate::audit::Meta {
            actor_id: Some(r.requested_by),
            ip: "approval".into(),
            request_id: String::new(),
        },
        "handbook.published",
        Some(("handbook_version", draft.id.to_string())),
        serde_json::json!({ "document_id": draft.document_id, "number": number, "publication": id,
                            "effective_on": effective_on }),
    )
    .await?;
    Ok(())
}
