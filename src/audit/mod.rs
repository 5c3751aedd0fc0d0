//! The audit log: who did what to which record, when and from where.
//! Rows are written in the same transaction as the change they describe; the
//! table refuses UPDATE and DELETE (see the foundation migration).
mod details;
mod handlers;
pub mod queries;
mod views;

use actix_web::web;

pub use details::{Names, Reader};
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

/// Every action and kind of record the code logs is named in both catalogs,
/// and every field of its details and every code they hold: the test suite's
/// debug builds stop at one that is not.
fn debug_check_named(action: &str, entity: Option<&str>, details: &serde_json::Value) {
    details::debug_check_codes(action, details);
    if cfg!(debug_assertions) {
        for loc in [crate::i18n::Locale::ZhCn, crate::i18n::Locale::En] {
            for key in details::field_keys(details) {
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
