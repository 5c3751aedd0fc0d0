//! The audit log: who did what to which record, when and from where.
//! Rows are written in the same transaction as the change they describe; the
//! table refuses UPDATE and DELETE (see the foundation migration).
mod handlers;
pub mod queries;
mod views;

use actix_web::web;

pub use queries::{record, record_in};

/// The name of the action logged as `code` in `loc` (the catalog's
/// `audit.act.{code}`); the code itself for one the catalog does not name.
pub fn action_label(loc: crate::i18n::Locale, code: &str) -> &str {
    loc.lookup(&format!("audit.act.{code}")).unwrap_or(code)
}

/// The name of the kind of record `code` names in the log (the catalog's
/// `audit.entities.{code}`); the code itself for one the catalog does not name.
pub fn entity_label(loc: crate::i18n::Locale, code: &str) -> &str {
    loc.lookup(&format!("audit.entities.{code}"))
        .unwrap_or(code)
}

/// Where an action came from: an address, or a channel the code names (`cli`,
/// `start-up`, `approval`) in `loc`.
pub fn address_label(loc: crate::i18n::Locale, ip: &str) -> &str {
    loc.lookup(&format!("audit.channel.{ip}")).unwrap_or(ip)
}

/// The kinds of record the log names (the catalog's `audit.entities`), by code.
pub fn entities() -> Vec<&'static str> {
    crate::i18n::keys(crate::i18n::Locale::ZhCn)
        .into_iter()
        .filter_map(|k| k.strip_prefix("audit.entities."))
        .collect()
}

/// The details of a line as the log page and its export show them: each
/// field's name in `loc` (the catalog's `audit.field.{key}`, the key itself for
/// one it does not name) and its value as text.
pub fn detail_lines(
    loc: crate::i18n::Locale,
    details: &serde_json::Value,
) -> Vec<(String, String)> {
    match details {
        serde_json::Value::Object(fields) => fields
            .iter()
            .map(|(k, v)| (field_label(loc, k).to_owned(), value_text(loc, k, v)))
            .collect(),
        serde_json::Value::Null => Vec::new(),
        other => vec![(
            loc.t("audit.details").to_owned(),
            value_text(loc, "", other),
        )],
    }
}

/// The details as one line of text: `名称：值；名称：值`, for the export.
pub fn details_text(loc: crate::i18n::Locale, details: &serde_json::Value) -> String {
    detail_lines(loc, details)
        .into_iter()
        .map(|(k, v)| format!("{k}{}{v}", loc.t("paper.colon")))
        .collect::<Vec<_>>()
        .join(loc.t("paper.item_separator"))
}

fn field_label(loc: crate::i18n::Locale, key: &str) -> &str {
    loc.lookup(&format!("audit.field.{key}")).unwrap_or(key)
}

/// The value of field `key` as text: yes or no in `loc`, a list with the
/// language's separator (a list in a list in brackets: a change's before and
/// after), a nested object as its named fields in brackets, roles by their
/// names, other text and numbers as they are.
fn value_text(loc: crate::i18n::Locale, key: &str, value: &serde_json::Value) -> String {
    use serde_json::Value;
    let bracketed = |text: String| loc.note(text).trim_start().to_owned();
    match value {
        Value::Null => "—".to_owned(),
        Value::Bool(b) => loc.t(if *b { "audit.yes" } else { "audit.no" }).to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(code) if key == "roles" => crate::auth::Role::from_code(code)
            .map_or_else(|| code.clone(), |role| loc.t(&role.name_key()).to_owned()),
        Value::String(s) => s.clone(),
        Value::Array(items) => items
            .iter()
            .map(|v| match v {
                Value::Array(_) => bracketed(value_text(loc, key, v)),
                _ => value_text(loc, key, v),
            })
            .collect::<Vec<_>>()
            .join(loc.t("paper.list_separator")),
        Value::Object(_) => bracketed(details_text(loc, value)),
    }
}

/// The keys of every object in `value`, nested ones and those in lists included.
fn field_keys(value: &serde_json::Value) -> Vec<&str> {
    match value {
        serde_json::Value::Object(fields) => fields
            .iter()
            .flat_map(|(k, v)| std::iter::once(k.as_str()).chain(field_keys(v)))
            .collect(),
        serde_json::Value::Array(items) => items.iter().flat_map(field_keys).collect(),
        _ => Vec::new(),
    }
}

/// Every action and kind of record the code logs is named in both catalogs,
/// and every field of its details: the test suite's debug builds stop at one
/// that is not.
fn debug_check_named(action: &str, entity: Option<&str>, details: &serde_json::Value) {
    if cfg!(debug_assertions) {
        for loc in [crate::i18n::Locale::ZhCn, crate::i18n::Locale::En] {
            for key in field_keys(details) {
                assert!(
                    loc.lookup(&format!("audit.field.{key}")).is_some(),
                    "audit detail {key} (of {action}) has no name in audit.field of the {} catalog",
                    loc.code()
                );
            }
            assert!(
                loc.lookup(&format!("audit.act.{action}")).is_some(),
                "audit action {action} has no name in audit.act of the {} catalog",
                loc.code()
            );
            if let Some(e) = entity {
                assert!(
                    loc.lookup(&format!("audit.entities.{e}")).is_some(),
                    "audit record kind {e} has no name in audit.entities of the {} catalog",
                    loc.code()
                );
            }
        }
    }
}

/// Who is acting and from where, taken from the request.
#[derive(Clone, Debug, Default)]
pub struct Meta {
    pub actor_id: Option<i64>,
    pub ip: String,
    pub request_id: String,
}

/// Mounted under `/admin` (see `startup::routes`).
pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/audit")
            .route("", web::get().to(handlers::list))
            .route("/export", web::get().to(handlers::export)),
    );
}

#[cfg(test)]
mod tests {
    use crate::i18n::Locale;

    #[test]
    fn details_read_as_named_fields_in_each_language() {
        let details = serde_json::json!({
            "locked": true,
            "keys": [3, 4],
            "before": { "pages": 2, "confidential": false },
            "username": null,
            "changed": { "roles": [["employee"], ["employee", "cs_supervisor"]] },
        });
        assert_eq!(
            super::details_text(Locale::ZhCn, &details),
            "修改前：（保密：否；页数：2）；变更内容：（岗位：（员工）、（员工、客服主管））；钥匙：3、4；已锁定：是；用户名：—"
        );
        assert_eq!(
            super::details_text(Locale::En, &details),
            "Before: (Confidential: No; Pages: 2); Changes: (Roles: (Employee), (Employee, Customer service supervisor)); Keys: 3, 4; Locked: Yes; Username: —"
        );
        assert!(super::detail_lines(Locale::En, &serde_json::json!({})).is_empty());
        // A key the catalog does not name shows as it is.
        assert_eq!(
            super::detail_lines(Locale::En, &serde_json::json!({ "zz_new": 1 })),
            [("zz_new".to_owned(), "1".to_owned())]
        );
    }

    /// The action codes written out at the audit calls of one source file: the
    /// `"area.verb"` literals between each call and its record's kind.
    fn codes_in(source: &str) -> Vec<String> {
        let mut codes = Vec::new();
        for call in ["audit::record(", "record_in("] {
            for (at, _) in source.match_indices(call) {
                let rest = &source[at + call.len()..];
                let end = ["Some((", "None", "(\""]
                    .iter()
                    .filter_map(|m| rest.find(m))
                    .min()
                    .unwrap_or(rest.len().min(300));
                let is_code = |s: &&str| {
                    let parts: Vec<&str> = s.split('.').collect();
                    parts.len() == 2
                        && parts.iter().all(|p| {
                            !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                        })
                };
                codes.extend(
                    rest[..end]
                        .split('"')
                        .skip(1)
                        .step_by(2)
                        .filter(is_code)
                        .map(str::to_owned),
                );
            }
        }
        codes
    }

    fn sources(dir: &std::path::Path, out: &mut Vec<String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                sources(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(std::fs::read_to_string(&path).unwrap());
            }
        }
    }

    /// Every action the code logs by a written-out code has its name in both
    /// catalogs (codes built at run time are checked as they are logged, in
    /// debug builds: see `debug_check_named`).
    #[test]
    fn every_logged_action_is_named_in_both_catalogs() {
        let mut files = Vec::new();
        sources(
            &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src"),
            &mut files,
        );
        let mut codes: Vec<String> = files.iter().flat_map(|f| codes_in(f)).collect();
        codes.sort();
        codes.dedup();
        assert!(codes.contains(&"leave.filed".to_owned()), "{codes:?}");
        assert!(codes.contains(&"approval.rejected".to_owned()), "{codes:?}");
        let unnamed: Vec<String> = codes
            .iter()
            .flat_map(|c| {
                [Locale::ZhCn, Locale::En]
                    .into_iter()
                    .filter(move |l| l.lookup(&format!("audit.act.{c}")).is_none())
                    .map(move |l| format!("{c} ({})", l.code()))
            })
            .collect();
        assert!(unnamed.is_empty(), "unnamed audit actions: {unnamed:?}");
    }

    #[test]
    fn an_action_reads_by_its_name_and_an_unknown_one_by_its_code() {
        assert_eq!(
            super::action_label(Locale::ZhCn, "leave.filed"),
            "提交请假单"
        );
        assert_eq!(
            super::action_label(Locale::En, "leave.filed"),
            "Filed a leave slip"
        );
        assert_eq!(super::action_label(Locale::En, "old.gone"), "old.gone");
        assert_eq!(super::entity_label(Locale::En, "key_loan"), "Key loan");
    }
}
