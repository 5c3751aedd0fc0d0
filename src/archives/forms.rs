//! The archive forms: raw input and its checks.
use chrono::NaiveDate;
use serde::Deserialize;
use std::collections::HashMap;

use crate::web::form::date;
use crate::web::FieldErrors;

pub const EVENTS: [&str; 5] = [
    "received",
    "moved_out",
    "lease_ended",
    "contract_ended",
    "permanent",
];

/// An optional `YYYY-MM-DD`: empty is None, anything else must be a date.
fn optional_date(
    s: &str,
    field: &'static str,
    errors: &mut FieldErrors,
) -> Option<Option<NaiveDate>> {
    if s.trim().is_empty() {
        return Some(None);
    }
    match date(s) {
        Some(d) => Some(Some(d)),
        None => {
            errors.add(field, "archives.error.date");
            None
        }
    }
}

#[derive(Deserialize, Default, Debug, Clone)]
pub struct ArchiveInput {
    /// The building whose residents the form lists.
    #[serde(default, deserialize_with = "crate::web::form::number_or_none")]
    pub building: Option<i64>,
    #[serde(default)]
    pub resident: String,
    #[serde(default)]
    pub via_centre: Option<String>,
}

/// A document as typed (from the multipart form, which may carry a scan).
#[derive(Default, Debug, Clone)]
pub struct DocInput {
    pub type_id: String,
    pub title: String,
    pub received_on: String,
    pub pages: String,
    pub cabinet: String,
    pub box_: String,
    pub confidential: bool,
    /// The correction form only: [`particulars_seen`] of the document as the
    /// form showed it (empty: not checked).
    pub seen: String,
    /// The filing form only: its one-time token (`web::once`).
    pub form_token: String,
}

/// A short fingerprint of a document's particulars (what its correction form
/// shows), so a correction read before someone else's is not saved over it.
pub fn particulars_seen(d: &super::models::Document) -> String {
    crate::web::form::seen_of(&format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
        d.type_id, d.title, d.received_on, d.pages, d.cabinet, d.box_, d.confidential
    ))
}

pub struct ValidDoc {
    pub type_id: i64,
    pub title: String,
    pub received_on: NaiveDate,
    pub pages: i32,
    pub cabinet: String,
    pub box_: String,
    pub confidential: bool,
}

impl DocInput {
    pub fn from_fields(f: &HashMap<String, String>) -> DocInput {
        let get = |k: &str| f.get(k).cloned().unwrap_or_default();
        DocInput {
            type_id: get("type_id"),
            title: get("title"),
            received_on: get("received_on"),
            pages: get("pages"),
            cabinet: get("cabinet"),
            box_: get("box"),
            confidential: f.contains_key("confidential"),
            seen: get("seen"),
            form_token: get("form_token"),
        }
    }

    /// The edit form of a filed document, as it stands.
    pub fn of(d: &super::models::Document) -> DocInput {
        DocInput {
            type_id: d.type_id.to_string(),
            title: d.title.clone(),
            received_on: d.received_on.to_string(),
            pages: d.pages.to_string(),
            cabinet: d.cabinet.clone(),
            box_: d.box_.clone(),
            confidential: d.confidential,
            seen: particulars_seen(d),
            form_token: String::new(),
        }
    }

    /// `types`: the ids of the types this archive may hold.
    pub fn validate(
        &self,
        types: &[i64],
        today: NaiveDate,
        errors: &mut FieldErrors,
    ) -> Option<ValidDoc> {
        let type_id = self
            .type_id
            .trim()
            .parse::<i64>()
            .ok()
            .filter(|t| types.contains(t));
        if type_id.is_none() {
            errors.add("type_id", "archives.error.type");
        }
        let title = errors.text("archives", "title", &self.title, 200, true);
        let received_on = date(&self.received_on);
        match received_on {
            None => errors.add("received_on", "archives.error.date"),
            Some(d) if d > today => errors.add("received_on", "archives.error.future"),
            _ => {}
        }
        let pages = self
            .pages
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|p| (1..=10000).contains(p));
        if pages.is_none() {
            errors.add("pages", "archives.error.pages");
        }
        let cabinet = errors.text("archives", "cabinet", &self.cabinet, 40, false);
        let box_ = errors.text("archives", "box", &self.box_, 40, false);
        if !errors.is_empty() {
            return None;
        }
        Some(ValidDoc {
            type_id: type_id?,
            title,
            received_on: received_on?,
            pages: pages?,
            cabinet,
            box_,
            confidential: self.confidential,
        })
    }
}

#[derive(Deserialize, Default, Debug, Clone)]
pub struct EventsInput {
    #[serde(default)]
    pub moved_out: String,
    #[serde(default)]
    pub lease_ended_on: String,
    #[serde(default)]
    pub contract_ended_on: String,
    /// [`events_seen`] of the dates as the form showed them (empty: not
    /// checked, as from a page opened before the field existed).
    #[serde(default)]
    pub seen: String,
}

/// A short fingerprint of the three dates the events form shows (move-out,
/// lease end, contract end), so a form read before a colleague's change is
/// not saved over it.
pub fn events_seen(dates: [Option<NaiveDate>; 3]) -> String {
    let text = dates
        .map(|d| d.map(|d| d.to_string()).unwrap_or_default())
        .join("\u{1f}");
    crate::web::form::seen_of(&text)
}

pub struct ValidEvents {
    pub moved_out: Option<NaiveDate>,
    pub lease_ended_on: Option<NaiveDate>,
    pub contract_ended_on: Option<NaiveDate>,
}

impl ValidEvents {
    /// The history line's detail: each date set, after its name in the reader's
    /// language (catalog terms, see [`crate::approvals::term`]), and "—" for one
    /// `before` had and this clears.
    pub fn history_detail(&self, before: [Option<NaiveDate>; 3]) -> String {
        use crate::approvals::term;
        let now = [self.moved_out, self.lease_ended_on, self.contract_ended_on];
        [
            "archives.event.moved_out",
            "archives.event.lease_ended",
            "archives.event.contract_ended",
        ]
        .into_iter()
        .zip(now.into_iter().zip(before))
        .filter_map(|(key, (day, was))| match (day, was) {
            (Some(day), _) => Some(format!("{} {day}", term(key))),
            (None, Some(_)) => Some(format!("{} —", term(key))),
            (None, None) => None,
        })
        .collect::<Vec<_>>()
        .join(&term("paper.item_separator"))
    }
}

impl EventsInput {
    /// The form as the dates stand.
    pub fn of(dates: [Option<NaiveDate>; 3]) -> EventsInput {
        let shown = |d: Option<NaiveDate>| d.map(|d| d.to_string()).unwrap_or_default();
        EventsInput {
            moved_out: shown(dates[0]),
            lease_ended_on: shown(dates[1]),
            contract_ended_on: shown(dates[2]),
            seen: events_seen(dates),
        }
    }

    pub fn validate(
        &self,
        moved_in: Option<NaiveDate>,
        today: NaiveDate,
        errors: &mut FieldErrors,
    ) -> Option<ValidEvents> {
        let moved_out = optional_date(&self.moved_out, "moved_out", errors);
        if let (Some(Some(out)), Some(inn)) = (moved_out, moved_in) {
            if out < inn {
                errors.add("moved_out", "archives.error.before_move_in");
            }
        }
        // A move-out is registered once it happened (a lease's or a contract's
        // end may be known ahead).
        if let Some(Some(out)) = moved_out {
            if out > today {
                errors.add("moved_out", "archives.error.moved_out_future");
            }
        }
        let lease = optional_date(&self.lease_ended_on, "lease_ended_on", errors);
        let contract = optional_date(&self.contract_ended_on, "contract_ended_on", errors);
        if !errors.is_empty() {
            return None;
        }
        Some(ValidEvents {
            moved_out: moved_out?,
            lease_ended_on: lease?,
            contract_ended_on: contract?,
        })
    }
}

/// Putting an archive or a paper on legal hold (冻结), or releasing it.
#[derive(Deserialize, Default, Debug, Clone)]
pub struct HoldInput {
    /// `on` to hold, anything else to release.
    #[serde(default)]
    pub hold: String,
    /// (`reason` in pages opened before the field took this name.)
    #[serde(default, alias = "reason")]
    pub hold_reason: String,
}

/// How long a hold's reason may be.
pub const HOLD_REASON_MAX: usize = 200;

impl HoldInput {
    /// Whether to hold (else release), and why: a hold needs a reason, a
    /// release may give one. Messages under `hold_reason`.
    pub fn validate(&self, errors: &mut FieldErrors) -> Option<(bool, String)> {
        let hold = self.hold == "on";
        let reason = errors.text(
            "archives",
            "hold_reason",
            &self.hold_reason,
            HOLD_REASON_MAX,
            hold,
        );
        errors.is_empty().then_some((hold, reason))
    }
}

#[derive(Deserialize, Default, Debug, Clone)]
pub struct BorrowInput {
    #[serde(default)]
    pub form_token: String,
    #[serde(default)]
    pub documents: Vec<String>,
    #[serde(default)]
    pub mode: String,
    #[serde(default)]
    pub purpose: String,
    #[serde(default)]
    pub due_on: String,
    /// [`GROUNDS`]; a form without one (opened before the choice existed) asks
    /// for the borrower's work.
    #[serde(default)]
    pub grounds: String,
    /// The person outside the company who consults, for `outsider` grounds.
    #[serde(default)]
    pub visitor_name: String,
}

pub struct ValidBorrow {
    pub documents: Vec<i64>,
    pub mode: &'static str,
    pub purpose: String,
    pub due_on: NaiveDate,
    pub grounds: &'static str,
    /// Empty unless `grounds` is `outsider`.
    pub visitor_name: String,
}

pub const MODES: [&str; 3] = ["consult", "loan", "copy"];

/// Why an archive is asked for (住户档案管理规定 3(1), 3(2)): the borrower's own
/// work, something else, or a person outside the company.
pub const GROUNDS: [&str; 3] = ["work", "other", "outsider"];

impl BorrowInput {
    pub fn chosen(&self, id: &i64) -> bool {
        self.documents.iter().any(|d| d.trim() == id.to_string())
    }

    /// The grounds the form shows chosen: as sent, else the borrower's work.
    pub fn grounds_shown(&self) -> &str {
        match self.grounds.trim() {
            "" => "work",
            g => g,
        }
    }

    /// Whether the form shows grounds `g` chosen.
    pub fn is_grounds(&self, g: &str) -> bool {
        self.grounds_shown() == g
    }

    /// `available`: the archive's documents that may be asked for, with their
    /// confidentiality. A loan or copy of a confidential one quotes the rule.
    pub fn validate(
        &self,
        available: &[(i64, bool)],
        today: NaiveDate,
        errors: &mut FieldErrors,
    ) -> Option<ValidBorrow> {
        let mode = MODES.into_iter().find(|m| *m == self.mode.trim());
        if mode.is_none() {
            errors.add("mode", "archives.error.mode");
        }
        let mut documents: Vec<i64> = Vec::new();
        for d in &self.documents {
            match d
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|id| available.iter().any(|(a, _)| a == id))
            {
                Some(id) if !documents.contains(&id) => documents.push(id),
                Some(_) => {}
                None => errors.add("documents", "archives.error.documents"),
            }
        }
        if documents.is_empty() {
            errors.add("documents", "archives.error.documents");
        }
        let confidential = documents
            .iter()
            .any(|id| available.iter().any(|(a, c)| a == id && *c));
        if confidential && matches!(mode, Some("loan" | "copy")) {
            // The rule a loan or copy of a confidential document breaks, quoted.
            errors.add("mode", "archives.confidential_rule");
        }
        let purpose = errors.text("archives", "purpose", &self.purpose, 500, true);
        let grounds = GROUNDS.into_iter().find(|g| *g == self.grounds_shown());
        if grounds.is_none() {
            errors.add("grounds", "archives.error.grounds");
        }
        let visitor_name = if grounds == Some("outsider") {
            errors.text("archives", "visitor_name", &self.visitor_name, 64, true)
        } else {
            // Typed, then another ground chosen: not kept.
            String::new()
        };
        // Papers consulted on site come back the same day: no date to ask for.
        let due_on = if mode == Some("consult") {
            Some(today)
        } else {
            date(&self.due_on)
        };
        match due_on {
            None => errors.add("due_on", "archives.error.date"),
            Some(d) if d < today => errors.add("due_on", "archives.error.past"),
            Some(d) if (d - today).num_days() > 90 => {
                errors.add("due_on", "archives.error.too_far")
            }
            _ => {}
        }
        if !errors.is_empty() {
            return None;
        }
        // In one order, so that two clicks of one request compare equal.
        documents.sort_unstable();
        Some(ValidBorrow {
            documents,
            mode: mode?,
            purpose,
            due_on: due_on?,
            grounds: grounds?,
            visitor_name,
        })
    }
}

#[derive(Deserialize, Default, Debug, Clone)]
pub struct ScheduleInput {
    #[serde(default)]
    pub event: String,
    #[serde(default)]
    pub years: String,
    /// Set by the preview: the schedule it showed ([`ScheduleInput::previewed`]).
    /// Saved only when the form still says the same; edited after the
    /// preview, it is previewed again.
    #[serde(default)]
    pub confirm: String,
    /// Not sent: the form was edited after an earlier preview, and this
    /// preview is of the new schedule.
    #[serde(skip)]
    pub previewed_again: bool,
}

impl ScheduleInput {
    /// What a preview of this schedule puts in `confirm`.
    pub fn previewed(event: &str, years: Option<i32>) -> String {
        format!(
            "{event}:{}",
            years.map(|y| y.to_string()).unwrap_or_default()
        )
    }

    pub fn validate(&self, errors: &mut FieldErrors) -> Option<(&'static str, Option<i32>)> {
        let event = EVENTS.into_iter().find(|e| *e == self.event.trim());
        let Some(event) = event else {
            errors.add("event", "archives.error.event");
            return None;
        };
        if event == "permanent" {
            return Some((event, None));
        }
        match self
            .years
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|y| (1..=100).contains(y))
        {
            Some(y) => Some((event, Some(y))),
            None => {
                errors.add("years", "archives.error.years");
                None
            }
        }
    }
}

#[derive(Deserialize, Default, Debug, Clone)]
pub struct TypeInput {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub archive_kind: String,
    #[serde(default)]
    pub name_zh: String,
    #[serde(default)]
    pub name_en: String,
    #[serde(default)]
    pub required: Option<String>,
    #[serde(default)]
    pub personal: Option<String>,
    #[serde(default)]
    pub event: String,
    #[serde(default)]
    pub years: String,
    /// One-time token (`web::once`): a second click lands on the type added.
    #[serde(default)]
    pub form_token: String,
}

pub struct ValidType {
    pub code: String,
    pub archive_kind: &'static str,
    pub name_zh: String,
    pub name_en: String,
    pub required: bool,
    pub personal: bool,
    pub event: &'static str,
    pub years: Option<i32>,
}

impl TypeInput {
    pub fn validate(&self, errors: &mut FieldErrors) -> Option<ValidType> {
        let code = self.code.trim().to_owned();
        if code.is_empty()
            || code.len() > 40
            || !code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            errors.add("code", "archives.error.code");
        }
        let kind = ["owner", "tenant"]
            .into_iter()
            .find(|k| *k == self.archive_kind.trim());
        if kind.is_none() {
            errors.add("archive_kind", "archives.error.kind");
        }
        let name_zh = errors.text("archives", "name_zh", &self.name_zh, 100, true);
        let name_en = errors.text("archives", "name_en", &self.name_en, 100, true);
        let schedule = ScheduleInput {
            event: self.event.clone(),
            years: self.years.clone(),
            ..Default::default()
        }
        .validate(errors);
        if !errors.is_empty() {
            return None;
        }
        let (event, years) = schedule?;
        Some(ValidType {
            code,
            archive_kind: kind?,
            name_zh,
            name_en,
            required: self.required.is_some(),
            personal: self.personal.is_some(),
            event,
            years,
        })
    }
}

#[derive(Deserialize, Default, Debug, Clone)]
pub struct DestructionInput {
    #[serde(default)]
    pub documents: Vec<String>,
    #[serde(default)]
    pub note: String,
    /// The one-time token of the creating form (`crate::web::once`).
    #[serde(default)]
    pub form_token: String,
    /// The due list's page the form was on (its cursor, empty for the first):
    /// a refused list shows that page again, its papers still ticked.
    #[serde(default)]
    pub after: String,
}

/// The keeper's appraisal of one paper (经鉴定确认无保存价值, 住户档案管理规定
/// 6(1)): why it is worth keeping no longer, the note of its destruction list.
#[derive(Deserialize, Default, Debug, Clone)]
pub struct AppraiseInput {
    #[serde(default)]
    pub appraisal: String,
    /// The one-time token of the creating form (`crate::web::once`).
    #[serde(default)]
    pub form_token: String,
}

impl AppraiseInput {
    /// An empty form with a fresh token, for a page shown anew.
    pub fn fresh() -> Self {
        Self {
            appraisal: String::new(),
            form_token: crate::web::once::new_token(),
        }
    }
}

/// The document page's smaller forms as sent: the appraisal and the reason for
/// taking the paper out of its archive.
#[derive(Default, Debug, Clone)]
pub struct SideInput {
    pub appraisal: AppraiseInput,
    pub remove_reason: String,
    pub hold_reason: String,
}

impl SideInput {
    /// Empty forms with a fresh token, for a page shown anew.
    pub fn fresh() -> Self {
        Self {
            appraisal: AppraiseInput::fresh(),
            remove_reason: String::new(),
            hold_reason: String::new(),
        }
    }
}

/// Taking a paper out of its archive (档案变更): why.
#[derive(Deserialize, Default, Debug, Clone)]
pub struct RemoveInput {
    #[serde(default)]
    pub remove_reason: String,
}

/// A signature on a paper-replacing form (hand-over, witness).
#[derive(Deserialize, Default, Debug, Clone)]
pub struct SignInput {
    #[serde(default)]
    pub sign_name: String,
    #[serde(default)]
    pub sign_confirm: Option<String>,
    #[serde(default)]
    pub sign_drawing: String,
}

impl SignInput {
    /// The signature, when the typed name is `expected`'s and it is confirmed.
    pub fn signature(
        &self,
        expected: &str,
        errors: &mut FieldErrors,
    ) -> Option<crate::web::signature::Signature> {
        crate::web::signature::parse(
            &self.sign_name,
            self.sign_confirm.as_deref(),
            &self.sign_drawing,
            Some(expected),
            errors,
        )
        .filter(|_| errors.is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    #[test]
    fn a_loan_of_a_confidential_document_quotes_the_rule() {
        let mut e = FieldErrors::new(Locale::ZhCn);
        let input = BorrowInput {
            documents: vec!["7".into()],
            mode: "loan".into(),
            purpose: "核对".into(),
            due_on: "2026-12-01".into(),
            ..Default::default()
        };
        assert!(input.validate(&[(7, true)], today(), &mut e).is_none());
        assert!(e.get("mode").contains("不可复印或借出"));
        let mut e = FieldErrors::new(Locale::ZhCn);
        let consult = BorrowInput {
            mode: "consult".into(),
            ..input
        };
        assert!(consult.validate(&[(7, true)], today(), &mut e).is_some());
    }

    #[test]
    fn an_outsider_is_named_and_a_consultation_asks_no_date() {
        let base = BorrowInput {
            documents: vec!["7".into()],
            mode: "consult".into(),
            purpose: "业主本人查看".into(),
            due_on: "not a date".into(),
            ..Default::default()
        };
        // For work by default; on site, the day itself whatever was typed.
        let mut e = FieldErrors::new(Locale::ZhCn);
        let v = base.validate(&[(7, false)], today(), &mut e).unwrap();
        assert_eq!((v.grounds, v.due_on), ("work", today()));
        // An outsider must be named; the name is kept to 64 characters.
        let outsider = BorrowInput {
            grounds: "outsider".into(),
            ..base
        };
        let mut e = FieldErrors::new(Locale::ZhCn);
        assert!(outsider.validate(&[(7, false)], today(), &mut e).is_none());
        assert!(e.has("visitor_name"));
        let named = BorrowInput {
            visitor_name: " 王小明 ".into(),
            ..outsider
        };
        let mut e = FieldErrors::new(Locale::ZhCn);
        let v = named.validate(&[(7, false)], today(), &mut e).unwrap();
        assert_eq!((v.grounds, v.visitor_name.as_str()), ("outsider", "王小明"));
        // A name typed, then other grounds chosen: not kept.
        let other = BorrowInput {
            grounds: "other".into(),
            ..named
        };
        let mut e = FieldErrors::new(Locale::ZhCn);
        let v = other.validate(&[(7, false)], today(), &mut e).unwrap();
        assert_eq!((v.grounds, v.visitor_name.as_str()), ("other", ""));
        // Unknown grounds are refused; a loan still needs its date.
        let bad = BorrowInput {
            grounds: "whim".into(),
            mode: "loan".into(),
            ..other
        };
        let mut e = FieldErrors::new(Locale::ZhCn);
        assert!(bad.validate(&[(7, false)], today(), &mut e).is_none());
        assert!(e.has("grounds") && e.has("due_on"));
    }

    #[test]
    fn a_permanent_period_has_no_years() {
        let mut e = FieldErrors::new(Locale::ZhCn);
        let s = ScheduleInput {
            event: "permanent".into(),
            years: "5".into(),
            ..Default::default()
        };
        assert_eq!(s.validate(&mut e), Some(("permanent", None)));
        let s = ScheduleInput {
            event: "moved_out".into(),
            years: "0".into(),
            ..Default::default()
        };
        assert_eq!(s.validate(&mut e), None);
        assert!(e.has("years"));
    }
}
