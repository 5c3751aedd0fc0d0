//! How a line's details read on the log page and in its export: each field by
//! its name in the reader's language, codes by what the catalog calls them,
//! people and document types by their names.
use std::collections::HashMap;

use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use serde_json::Value;

use super::queries::AuditRow;
use crate::i18n::Locale;
use crate::schema::{archive_doc_types, users};

/// What the value of a details field stands for, beyond its text.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Reading {
    /// A code the catalog names at this prefix followed by the code.
    Code(&'static str),
    /// A catalog key, as it is.
    Key,
    /// A person: an id of `users`.
    Person,
    /// A kind of archive document: an id of `archive_doc_types`.
    DocType,
    /// A moment, stored in UTC (RFC 3339): shown to the minute in the site's
    /// time zone, as every page shows times.
    Time,
}

use Reading::{Code, DocType, Key, Person, Time};

/// The fields that hold codes or ids, by the actions that log them. The same
/// key means different things in different actions (`kind`, `type`, `from`),
/// so each line names its actions. A nested field is found by its own key.
const READINGS: &[(&[&str], &str, Reading)] = &[
    (
        &["approval.approved", "approval.rejected"],
        "via",
        Code("approvals.via."),
    ),
    (&["approval.deputies_ended"], "reason", Code("audit.code.")),
    (&["approval.deputy_named"], "deputy", Person),
    (&["complaint.unassigned"], "assigned_at", Time),
    (
        &["archives.borrow_requested"],
        "mode",
        Code("archives.mode."),
    ),
    (
        &["archives.borrow_requested"],
        "grounds",
        Code("archives.grounds."),
    ),
    (&["archives.destroyed"], "witnesses", Person),
    (
        &["archives.destruction_listed"],
        "basis",
        Code("archives.basis_"),
    ),
    (
        &["archives.document_added", "archives.document_changed"],
        "type",
        DocType,
    ),
    (
        &["archives.opened", "archives.type_added"],
        "kind",
        Code("archives.kind."),
    ),
    (
        &["archives.schedule_changed"],
        "event",
        Code("archives.event."),
    ),
    (&["audit.exported"], "format", Code("export.")),
    (
        &["complaint.assigned", "complaint.recorded"],
        "assignee",
        Person,
    ),
    (
        &["complaint.recorded"],
        "channel",
        Code("complaints.channel."),
    ),
    (&["complaint.recorded"], "kind", Code("complaints.kind.")),
    (
        &["complaint.unassigned", "complaint.reopened"],
        "was",
        Person,
    ),
    (&["contract.corrected"], "fields", Key),
    (
        &["contract.corrected", "contract.recorded"],
        "payment",
        Code("contracts.payment."),
    ),
    (&["handbook.draft_edited"], "how", Code("audit.code.")),
    (
        &["handbook.published", "user.created"],
        "source",
        Code("audit.code."),
    ),
    (&["keys.status_changed"], "from", Code("keys.status.")),
    (&["keys.status_changed"], "to", Code("keys.status.")),
    (
        &["leave.edited", "leave.filed"],
        "type",
        Code("leave.type."),
    ),
    (&["keys.loan_requested"], "due", Time),
    (&["leave.recorded_after_the_fact"], "employee", Person),
    (&["meeting.corrected"], "chair", Person),
    (&["meeting.corrected"], "ended_at", Time),
    (&["meeting.corrected"], "started_at", Time),
    (&["meeting.corrected"], "status", Code("meetings.att.")),
    (&["meeting.corrected"], "user", Person),
    (
        &[
            "meeting.corrected",
            "meeting.recorded",
            "meeting_notice.called",
            "meeting_notice.changed",
        ],
        "kind",
        Code("meetings.kind."),
    ),
    (&["meeting_notice.changed"], "ends_at", Time),
    (
        &["meeting_notice.called", "meeting_notice.changed"],
        "starts_at",
        Time,
    ),
    (
        &["resident.created"],
        "kind",
        Code("properties.resident_kind."),
    ),
    (
        &["user.deactivated", "user.updated"],
        "locale",
        Code("audit.code."),
    ),
    (
        &[
            "violation.confirmed",
            "violation.dismissed",
            "violation.proposed",
        ],
        "employee",
        Person,
    ),
    (
        &["visit.followed_up", "visit.recorded"],
        "reported_to",
        Person,
    ),
];

/// What `table` says of field `key` in a line of `action`, if anything.
fn for_field<T: Copy>(table: &[(&[&str], &str, T)], action: &str, key: &str) -> Option<T> {
    table
        .iter()
        .find(|(actions, k, _)| *k == key && actions.contains(&action))
        .map(|(_, _, said)| *said)
}

fn reading(action: &str, key: &str) -> Option<Reading> {
    for_field(READINGS, action, key)
}

/// The names of the people and document types the details of some lines
/// refer to by id: two queries at most, however many lines.
#[derive(Default, Debug)]
pub struct Names {
    /// A person's name and, in brackets, their username.
    people: HashMap<i64, String>,
    /// A document type's name in each language.
    doc_types: HashMap<i64, (String, String)>,
}

impl Names {
    pub async fn load(
        conn: &mut AsyncPgConnection,
        rows: &[AuditRow],
        loc: Locale,
    ) -> QueryResult<Names> {
        let (mut people, mut types) = (Vec::new(), Vec::new());
        for row in rows {
            each_id(
                &row.action,
                "",
                &row.details,
                &mut |reading, id| match reading {
                    Person => people.push(id),
                    DocType => types.push(id),
                    _ => {}
                },
            );
        }
        let mut names = Names::default();
        if !people.is_empty() {
            people.sort_unstable();
            people.dedup();
            let found: Vec<(i64, String, String)> = users::table
                .filter(users::id.eq_any(&people))
                .select((users::id, users::display_name, users::username))
                .load(conn)
                .await?;
            names.people = found
                .into_iter()
                .map(|(id, name, username)| (id, format!("{name}{}", loc.note(username))))
                .collect();
        }
        if !types.is_empty() {
            types.sort_unstable();
            types.dedup();
            let found: Vec<(i64, String, String)> = archive_doc_types::table
                .filter(archive_doc_types::id.eq_any(&types))
                .select((
                    archive_doc_types::id,
                    archive_doc_types::name_zh,
                    archive_doc_types::name_en,
                ))
                .load(conn)
                .await?;
            names.doc_types = found
                .into_iter()
                .map(|(id, zh, en)| (id, (zh, en)))
                .collect();
        }
        Ok(names)
    }
}

/// Calls `found` with each id in `value` (a field `key` of a line of
/// `action`) that names a person or a document type.
fn each_id(action: &str, key: &str, value: &Value, found: &mut impl FnMut(Reading, i64)) {
    match value {
        Value::Object(fields) => {
            for (k, v) in fields {
                each_id(action, k, v, found);
            }
        }
        Value::Array(items) => {
            for v in items {
                each_id(action, key, v, found);
            }
        }
        Value::Number(n) => {
            if let (Some(r @ (Person | DocType)), Some(id)) = (reading(action, key), n.as_i64()) {
                found(r, id);
            }
        }
        _ => {}
    }
}

/// The details of lines as a reader in `loc` reads them, times in `tz`.
pub struct Reader<'a> {
    pub loc: Locale,
    pub tz: chrono_tz::Tz,
    pub names: &'a Names,
}

impl Reader<'_> {
    /// Each field of the details of a line of `action`: its name in the
    /// reader's language (the catalog's `audit.field.{key}`, the key itself
    /// for one it does not name) and its value as text.
    pub fn lines(&self, action: &str, details: &Value) -> Vec<(String, String)> {
        match details {
            Value::Object(fields) => fields
                .iter()
                .map(|(k, v)| {
                    (
                        field_label(self.loc, action, k).to_owned(),
                        self.value(action, k, v),
                    )
                })
                .collect(),
            Value::Null => Vec::new(),
            other => vec![(
                self.loc.t("audit.details").to_owned(),
                self.value(action, "", other),
            )],
        }
    }

    /// The details as one line of text: `名称：值；名称：值`, for the export.
    pub fn text(&self, action: &str, details: &Value) -> String {
        let loc = self.loc;
        self.lines(action, details)
            .into_iter()
            .map(|(k, v)| format!("{k}{}{v}", loc.t("paper.colon")))
            .collect::<Vec<_>>()
            .join(loc.t("paper.item_separator"))
    }

    /// The value of field `key` as text: yes or no in the reader's language,
    /// a list with the language's separator (a list in a list in brackets: a
    /// change's before and after), a nested object as its named fields in
    /// brackets, roles, codes, people and document types by their names,
    /// other text and numbers as they are.
    fn value(&self, action: &str, key: &str, value: &Value) -> String {
        let loc = self.loc;
        let bracketed = |text: String| loc.note(text).trim_start().to_owned();
        match (value, reading(action, key)) {
            (Value::Null, _) => "—".to_owned(),
            (Value::Bool(b), _) => loc.t(if *b { "audit.yes" } else { "audit.no" }).to_owned(),
            (Value::Number(n), Some(Person)) => n
                .as_i64()
                .and_then(|id| self.names.people.get(&id).cloned())
                .unwrap_or_else(|| format!("#{n}")),
            (Value::Number(n), Some(DocType)) => n
                .as_i64()
                .and_then(|id| self.names.doc_types.get(&id))
                .map(|(zh, en)| match loc {
                    Locale::En => en.clone(),
                    _ => zh.clone(),
                })
                .unwrap_or_else(|| format!("#{n}")),
            (Value::Number(n), _) => n.to_string(),
            (Value::String(code), _) if key == "roles" => crate::auth::Role::from_code(code)
                .map_or_else(|| code.clone(), |role| loc.t(&role.name_key()).to_owned()),
            (Value::String(code), Some(Code(prefix))) => loc
                .lookup(&format!("{prefix}{code}"))
                .map_or_else(|| code.clone(), str::to_owned),
            (Value::String(code), Some(Key)) => {
                loc.lookup(code).map_or_else(|| code.clone(), str::to_owned)
            }
            (Value::String(at), Some(Time)) => chrono::DateTime::parse_from_rfc3339(at)
                .map_or_else(|_| at.clone(), |t| crate::i18n::minute(t.to_utc(), self.tz)),
            (Value::String(s), _) => s.clone(),
            (Value::Array(items), _) => items
                .iter()
                .map(|v| match v {
                    Value::Array(_) => bracketed(self.value(action, key, v)),
                    _ => self.value(action, key, v),
                })
                .collect::<Vec<_>>()
                .join(loc.t("paper.list_separator")),
            (Value::Object(_), _) => bracketed(self.text(action, value)),
        }
    }
}

/// Fields whose key means something else in these actions than its usual
/// name says: named by the catalog key given instead.
const LABELS: &[(&[&str], &str, &str)] = &[
    (&["contract.recorded"], "number", "audit.field.contract_no"),
    (
        &["handbook.acknowledged", "handbook.published"],
        "number",
        "audit.field.version",
    ),
    (
        &["keys.set_created", "keys.sets_created"],
        "keys",
        "audit.field.key_count",
    ),
    (&["meeting.recorded"], "late", "audit.field.late_count"),
    (
        &["rooms.imported"],
        "residents",
        "audit.field.resident_count",
    ),
    (&["visit.recorded"], "late", "audit.field.late_registered"),
];

/// The name of field `key` of a line of `action` in `loc` (the catalog's
/// `audit.field.{key}`, the key itself for one it does not name).
fn field_label<'k>(loc: Locale, action: &str, key: &'k str) -> &'k str {
    let named =
        for_field(LABELS, action, key).map_or_else(|| format!("audit.field.{key}"), str::to_owned);
    loc.lookup(&named).unwrap_or(key)
}

/// The keys of every object in `value`, nested ones and those in lists included.
pub(super) fn field_keys(value: &Value) -> Vec<&str> {
    match value {
        Value::Object(fields) => fields
            .iter()
            .flat_map(|(k, v)| std::iter::once(k.as_str()).chain(field_keys(v)))
            .collect(),
        Value::Array(items) => items.iter().flat_map(field_keys).collect(),
        _ => Vec::new(),
    }
}

/// Every code value a line of `action` holds in its details has a name in
/// both catalogs: the test suite's debug builds stop at one that has none.
pub(super) fn debug_check_codes(action: &str, details: &Value) {
    fn walk(action: &str, key: &str, value: &Value) {
        match value {
            Value::Object(fields) => fields.iter().for_each(|(k, v)| walk(action, k, v)),
            Value::Array(items) => items.iter().for_each(|v| walk(action, key, v)),
            Value::String(code) => {
                let wanted = match reading(action, key) {
                    Some(Code(prefix)) => format!("{prefix}{code}"),
                    Some(Key) => code.clone(),
                    _ => return,
                };
                for loc in [Locale::ZhCn, Locale::En] {
                    assert!(
                        loc.lookup(&wanted).is_some(),
                        "audit detail {key} = {code} (of {action}) has no name ({wanted}) in the {} catalog",
                        loc.code()
                    );
                }
            }
            _ => {}
        }
    }
    if cfg!(debug_assertions) {
        walk(action, "", details);
    }
}

#[cfg(test)]
mod tests {
    use super::{Names, Reader};
    use crate::i18n::Locale;

    fn names() -> Names {
        let mut names = Names::default();
        names.people.insert(7, "王芳（wangf）".to_owned());
        names
            .doc_types
            .insert(3, ("购房合同".to_owned(), "Purchase contract".to_owned()));
        names
    }

    /// A reader in Chinese and one in English.
    fn readers(names: &Names) -> [Reader<'_>; 2] {
        [Locale::ZhCn, Locale::En].map(|loc| Reader {
            loc,
            tz: chrono_tz::Asia::Shanghai,
            names,
        })
    }

    #[test]
    fn details_read_as_named_fields_in_each_language() {
        let details = serde_json::json!({
            "locked": true,
            "keys": [3, 4],
            "before": { "pages": 2, "confidential": false },
            "username": null,
            "changed": { "roles": [["employee"], ["employee", "cs_supervisor"]] },
        });
        let names = Names::default();
        let [zh, en] = readers(&names);
        assert_eq!(
            zh.text("user.updated", &details),
            "修改前：（保密：否；页数：2）；变更内容：（岗位：（员工）、（员工、客服主管））；钥匙：3、4；已锁定：是；用户名：—"
        );
        assert_eq!(
            en.text("user.updated", &details),
            "Before: (Confidential: No; Pages: 2); Changes: (Roles: (Employee), (Employee, Customer service supervisor)); Keys: 3, 4; Locked: Yes; Username: —"
        );
        assert!(en.lines("user.updated", &serde_json::json!({})).is_empty());
        // A key the catalog does not name shows as it is.
        assert_eq!(
            en.lines("user.updated", &serde_json::json!({ "zz_new": 1 })),
            [("zz_new".to_owned(), "1".to_owned())]
        );
    }

    #[test]
    fn times_read_in_the_site_zone_to_the_minute() {
        let names = Names::default();
        let [zh, en] = readers(&names);
        // As serde writes a `DateTime<Utc>`: the loan is due at 07:00 in
        // Shanghai, the day after its UTC date.
        let due = chrono::DateTime::parse_from_rfc3339("2026-11-28T23:00:00Z")
            .unwrap()
            .to_utc();
        let loan = serde_json::json!({ "due": due });
        assert_eq!(
            zh.text("keys.loan_requested", &loan),
            "应还时间：2026-11-29 07:00"
        );
        let berlin = Reader {
            loc: Locale::En,
            tz: chrono_tz::Europe::Berlin,
            names: &names,
        };
        assert_eq!(
            berlin.text("keys.loan_requested", &loan),
            "Due: 2026-11-29 00:00"
        );
        // As PostgreSQL's jsonb writes a timestamptz, in a nested field.
        let corrected = serde_json::json!({ "before": {
            "started_at": "2026-12-01T00:05:00.123456+00:00",
            "ended_at": "2026-12-01T00:30:00+00:00",
        } });
        assert_eq!(
            en.text("meeting.corrected", &corrected),
            format!(
                "{}: ({}: 2026-12-01 08:30; {}: 2026-12-01 08:05)",
                Locale::En.t("audit.field.before"),
                Locale::En.t("audit.field.ended_at"),
                Locale::En.t("audit.field.started_at"),
            )
        );
        // Not a time after all: shown as it is.
        assert_eq!(
            en.text(
                "complaint.unassigned",
                &serde_json::json!({ "assigned_at": "soon" })
            ),
            format!("{}: soon", Locale::En.t("audit.field.assigned_at"))
        );
        // The same key in an action that logs no time is left alone.
        assert_eq!(
            en.text(
                "user.updated",
                &serde_json::json!({ "due": "2026-11-28T23:00:00Z" })
            ),
            format!("{}: 2026-11-28T23:00:00Z", Locale::En.t("audit.field.due"))
        );
    }

    #[test]
    fn codes_people_and_document_types_read_by_their_names() {
        let names = names();
        let [zh, en] = readers(&names);
        let status = serde_json::json!({ "from": "in", "to": "lost", "note": "in" });
        assert_eq!(
            zh.text("keys.status_changed", &status),
            "原值：在柜；备注：in；新值：遗失"
        );
        assert_eq!(
            en.text("keys.status_changed", &status),
            "From: In cabinet; Note: in; To: Lost"
        );
        // The same key under another action is not read as a key's status.
        assert_eq!(
            en.text(
                "archives.schedule_changed",
                &serde_json::json!({ "from": { "event": "moved_out", "years": 5 } })
            ),
            "From: (Retention event: Moved out; Years kept: 5)"
        );
        let destroyed = serde_json::json!({ "witnesses": [7, 99] });
        assert_eq!(
            zh.text("archives.destroyed", &destroyed),
            "在场人员：王芳（wangf）、#99"
        );
        let added = serde_json::json!({ "type": 3 });
        assert_eq!(
            en.text("archives.document_added", &added),
            "Type: Purchase contract"
        );
        assert_eq!(zh.text("archives.document_added", &added), "类型：购房合同");
        // A leave's type is a code, not a document type.
        assert_eq!(
            en.text("leave.filed", &serde_json::json!({ "type": "sick" })),
            "Type: Sick leave (病假)"
        );
        // A code the catalog does not name shows as it is.
        assert_eq!(
            en.text("keys.status_changed", &serde_json::json!({ "to": "zz" })),
            "To: zz"
        );
        // The corrected fields of a contract are catalog keys.
        assert_eq!(
            en.text(
                "contract.corrected",
                &serde_json::json!({ "fields": ["contracts.buyer", "contracts.price"] })
            ),
            format!(
                "{}: {}, {}",
                Locale::En.t("audit.field.fields"),
                Locale::En.t("contracts.buyer"),
                Locale::En.t("contracts.price")
            )
        );
    }

    #[test]
    fn the_ids_to_name_are_the_people_and_types_of_the_actions_that_log_them() {
        let mut found = Vec::new();
        let details = serde_json::json!({
            "before": { "chair": 5, "attendance": [{ "user": 6, "status": "late" }] },
            "keys": [3, 4],
        });
        super::each_id("meeting.corrected", "", &details, &mut |r, id| {
            found.push((r, id))
        });
        assert_eq!(found, [(super::Person, 6), (super::Person, 5)]);
        found.clear();
        super::each_id(
            "leave.recorded_after_the_fact",
            "",
            &serde_json::json!({ "employee": 8 }),
            &mut |r, id| found.push((r, id)),
        );
        super::each_id(
            "archives.document_changed",
            "",
            &serde_json::json!({ "after": { "type": 2 } }),
            &mut |r, id| found.push((r, id)),
        );
        super::each_id(
            "archives.opened",
            "",
            &serde_json::json!({ "resident": 9 }),
            &mut |r, id| found.push((r, id)),
        );
        assert_eq!(found, [(super::Person, 8), (super::DocType, 2)]);
    }

    #[test]
    fn a_key_that_means_another_thing_in_an_action_is_named_for_it() {
        let names = Names::default();
        let [zh, en] = readers(&names);
        assert_eq!(
            zh.text("visit.recorded", &serde_json::json!({ "late": true })),
            "迟登记：是"
        );
        assert_eq!(
            zh.text("meeting.recorded", &serde_json::json!({ "late": 2 })),
            "迟到人数：2"
        );
        assert_eq!(
            en.text(
                "contract.recorded",
                &serde_json::json!({ "number": "HT-7" })
            ),
            "Contract number: HT-7"
        );
        assert_eq!(
            en.text("handbook.published", &serde_json::json!({ "number": 3 })),
            "Version: 3"
        );
        for (actions, _, label) in super::LABELS {
            for loc in [Locale::ZhCn, Locale::En] {
                assert!(loc.lookup(label).is_some(), "{label}");
                assert!(actions
                    .iter()
                    .all(|a| loc.lookup(&format!("audit.act.{a}")).is_some()));
            }
        }
    }

    /// Every code section a reading names exists in both catalogs, and every
    /// action it names is one the catalog names.
    #[test]
    fn every_reading_points_at_named_actions_and_sections() {
        for (actions, key, reading) in super::READINGS {
            for loc in [Locale::ZhCn, Locale::En] {
                for action in *actions {
                    assert!(
                        loc.lookup(&format!("audit.act.{action}")).is_some(),
                        "{action} is not an action"
                    );
                }
                assert!(loc.lookup(&format!("audit.field.{key}")).is_some(), "{key}");
                if let super::Code(prefix) = reading {
                    assert!(
                        crate::i18n::keys(loc).iter().any(|k| k.starts_with(prefix)),
                        "{prefix} names nothing in the {} catalog",
                        loc.code()
                    );
                }
            }
        }
    }
}
