//! Template structs of the key cabinet's pages.
use askama::Template;
use chrono::{DateTime, Utc};

use super::forms::{CopyInput, CountInput, IssueInput, LoanInput, SetInput, StorageInput};
use super::models::{
    Cabinet, CopyRequest, Count, Issue, Key, KeyBrief, KeyEvent, KeyRow, Loan, LoanBrief, LoanLine,
    LoanRow, Stored,
};
use crate::i18n::Locale;
use crate::properties::models::Resident;
use crate::web::cite::Cite;
use crate::web::ByBuilding;
use crate::web::{FieldErrors, PageCtx};

/// Whether a form's or filter's text names the record `id` (compared as numbers,
/// so a page of choices formats no id to compare).
fn is_id(text: &str, id: i64) -> bool {
    text.parse::<i64>() == Ok(id)
}

/// Codes shown as words in the page's language.
#[derive(Clone, Copy)]
pub struct Txt(pub Locale);

impl Txt {
    pub fn category(&self, c: &str) -> &'static str {
        self.0.t_in("keys.category", c)
    }
    pub fn status(&self, s: &str) -> &'static str {
        self.0.t_in("keys.status", s)
    }
    pub fn loan_status(&self, s: &str) -> &'static str {
        self.0.t_in("keys.loan_status", s)
    }
    pub fn custodian(&self, c: &str) -> &'static str {
        self.0.t_in("keys.custodian", c)
    }
    pub fn door<'a>(&self, d: &'a str) -> &'a str {
        super::door_label(self.0, d)
    }
    /// A loan's key: its label and door, `3-1-101 Security door`.
    pub fn key(&self, k: &super::models::KeyLabel) -> String {
        let mut out = String::new();
        self.push_key(&mut out, k);
        out
    }
    fn push_key(&self, out: &mut String, k: &super::models::KeyLabel) {
        out.push_str(&k.label);
        if !k.door.is_empty() {
            out.push(' ');
            out.push_str(self.door(&k.door));
        }
    }
    /// A loan's keys in one text, joined as the page's language lists things
    /// (written into one string: the loan register shows 50 loans a page).
    pub fn keys(&self, keys: &[super::models::KeyLabel]) -> String {
        let mut out = String::with_capacity(32 * keys.len());
        for (i, k) in keys.iter().enumerate() {
            if i > 0 {
                out.push_str(self.0.t("paper.list_separator"));
            }
            self.push_key(&mut out, k);
        }
        out
    }
    pub fn event(&self, a: &str) -> &'static str {
        self.0.t_in("keys.event", a)
    }
    pub fn copy_status(&self, s: &str) -> &'static str {
        self.0.t_in("keys.copy_status", s)
    }
    /// Cabinet and hook as one text: `A柜 · 12`.
    pub fn storage(&self, k: &impl Stored) -> String {
        match k.hook() {
            Some(h) if !k.cabinet().is_empty() => format!("{} · {h}", k.cabinet()),
            Some(h) => h.to_string(),
            None => k.cabinet().to_owned(),
        }
    }
}

/// The clauses the cabinet's pages enforce.
pub const CITE_LABELS: &[Cite] = &[Cite {
    doc: "钥匙管理规定",
    clause: "2(2)②",
    quote: "",
}];
pub const CITE_LOAN: &[Cite] = &[
    Cite {
        doc: "钥匙管理规定",
        clause: "2(1)①",
        quote: "",
    },
    Cite {
        doc: "钥匙管理规定",
        clause: "2(1)②",
        quote: "",
    },
    Cite {
        doc: "钥匙管理规定",
        clause: "3(2)③",
        quote: "",
    },
];
pub const CITE_ISSUE: &[Cite] = &[Cite {
    doc: "钥匙管理规定",
    clause: "3(1)",
    quote: "",
}];
pub const CITE_COPY: &[Cite] = &[Cite {
    doc: "钥匙管理规定",
    clause: "3(2)②",
    quote: "",
}];
pub const CITE_SETS: &[Cite] = &[
    Cite {
        doc: "钥匙管理规定",
        clause: "2(2)①",
        quote: "",
    },
    Cite {
        doc: "钥匙管理规定",
        clause: "2(2)③",
        quote: "",
    },
];
pub const CITE_COUNT: &[Cite] = &[Cite {
    doc: "钥匙管理规定",
    clause: "2(1)",
    quote: "",
}];

#[derive(Template)]
#[template(path = "keys/index.html")]
pub struct Inventory<'a> {
    pub ctx: &'a PageCtx,
    pub txt: Txt,
    pub rows: &'a [KeyBrief],
    pub next: Option<String>,
    /// The filters as a query string (for export, print and labels links).
    pub query: String,
    pub category: String,
    pub status: String,
    pub building: String,
    pub buildings: std::sync::Arc<Vec<(i64, String)>>,
    /// Loans overdue now, as shown ("3", "99+").
    pub overdue: String,
    /// The clerk's link to the creation forms.
    pub manage: bool,
}

impl Inventory<'_> {
    pub fn categories(&self) -> [&'static str; 3] {
        super::CATEGORIES
    }
    pub fn statuses(&self) -> [&'static str; 5] {
        super::STATUSES
    }
    pub fn is_building(&self, id: &i64) -> bool {
        is_id(&self.building, *id)
    }
}

/// The clerk's forms that create keys: a building's key sets, a common-area key.
#[derive(Template)]
#[template(path = "keys/new.html")]
pub struct NewKeys<'a> {
    pub ctx: &'a PageCtx,
    pub cites: &'static [Cite],
    pub buildings: std::sync::Arc<Vec<(i64, String)>>,
    pub errors: &'a FieldErrors,
    pub set: &'a SetInput,
    /// Which form was sent back: the common-area key's, or the key sets'.
    pub common_sent: bool,
    /// The messages of the form that was not sent: none.
    pub none: FieldErrors,
}

/// Both forms have a building and a cabinet: the one that was sent shows its
/// messages and what was typed, under the ids the error summary links to.
impl NewKeys<'_> {
    fn sent(&self, common: bool) -> bool {
        common == self.common_sent
    }

    /// The messages of the common-area form (`common`) or the sets form.
    pub fn errors_of(&self, common: bool) -> &FieldErrors {
        if self.sent(common) {
            self.errors
        } else {
            &self.none
        }
    }

    /// The id of field `name` of one of the forms (`f-…` on the form sent).
    pub fn id(&self, common: bool, name: &str) -> String {
        match (self.sent(common), common) {
            (true, _) => format!("f-{name}"),
            (false, true) => format!("c-{name}"),
            (false, false) => format!("s-{name}"),
        }
    }

    /// The id of field `name`'s message (`e-…` on the form sent).
    pub fn error_id(&self, common: bool, name: &str) -> String {
        format!("e-{}", self.id(common, name).trim_start_matches("f-"))
    }

    /// The id of field `name`'s hint.
    pub fn hint_id(&self, common: bool, name: &str) -> String {
        format!("h-{}", self.id(common, name).trim_start_matches("f-"))
    }

    /// The building chosen in the form sent back.
    pub fn is_building(&self, common: bool, id: &i64) -> bool {
        self.sent(common) && is_id(&self.set.building, *id)
    }

    /// The cabinet typed in the form sent back.
    pub fn cabinet(&self, common: bool) -> &str {
        if self.sent(common) {
            &self.set.cabinet
        } else {
            ""
        }
    }
}

#[derive(Template)]
#[template(path = "keys/register_print.html")]
pub struct InventoryPrint<'a> {
    pub ctx: &'a PageCtx,
    pub txt: Txt,
    pub rows: Vec<KeyRow>,
    pub printed_at: String,
    /// More keys than a sheet holds: only the first are printed.
    pub truncated: bool,
}

#[derive(Template)]
#[template(path = "keys/labels.html")]
pub struct Labels<'a> {
    pub ctx: &'a PageCtx,
    pub cites: &'static [Cite],
    pub txt: Txt,
    pub rows: Vec<KeyRow>,
    /// More keys than a sheet holds: only the first get tags.
    pub truncated: bool,
}

#[derive(Template)]
#[template(path = "keys/show.html")]
pub struct KeyShow<'a> {
    pub ctx: &'a PageCtx,
    /// Safekeeping (2(1)): what the status and storage forms record.
    pub cites: &'static [Cite],
    pub txt: Txt,
    pub row: KeyRow,
    pub events: Vec<(KeyEvent, Option<String>)>,
    /// The last step shown, when earlier ones follow on the history's pages.
    pub older: Option<i64>,
    /// The last count of its cabinet did not find it (and it is still 在柜).
    pub unseen: bool,
    pub manage: bool,
    pub errors: &'a FieldErrors,
    pub storage: &'a StorageInput,
    /// The status form as sent, when it comes back to be corrected.
    pub moved: super::forms::StatusInput,
}

/// A key's earlier history, a page at a time.
#[derive(Template)]
#[template(path = "keys/history.html")]
pub struct KeyHistory<'a> {
    pub ctx: &'a PageCtx,
    pub txt: Txt,
    pub row: KeyRow,
    pub events: Vec<(KeyEvent, Option<String>)>,
    pub older: Option<i64>,
}

impl KeyShow<'_> {
    /// The statuses a clerk may set by hand from this one.
    pub fn next_statuses(&self) -> Vec<&'static str> {
        super::handlers::manual_transitions(&self.row.key.status).to_vec()
    }
}

#[derive(Template)]
#[template(path = "keys/room.html")]
pub struct RoomKeys<'a> {
    pub ctx: &'a PageCtx,
    pub cites: &'static [Cite],
    pub txt: Txt,
    pub room_id: i64,
    pub room_label: String,
    pub home: bool,
    pub rows: Vec<KeyRow>,
    pub issues: Vec<Issue>,
    pub manage: bool,
    /// The set form's cabinet as sent, and what is wrong with it.
    pub cabinet: &'a str,
    pub errors: &'a FieldErrors,
}

#[derive(Template)]
#[template(path = "keys/issue.html")]
pub struct IssueForm<'a> {
    pub ctx: &'a PageCtx,
    pub cites: &'static [Cite],
    pub txt: Txt,
    pub room_id: i64,
    pub room_label: String,
    pub keys: Vec<Key>,
    /// Owners of the room: (resident, masked ID number).
    pub owners: Vec<(Resident, String)>,
    pub input: &'a IssueInput,
    pub errors: &'a FieldErrors,
}

impl IssueForm<'_> {
    /// Ticked as sent (the form starts with every key ticked): a form sent
    /// back with none ticked comes back with none, not with all of them.
    pub fn checked(&self, id: &i64) -> bool {
        self.input.key.contains(&id.to_string())
    }
    pub fn sign_name_value(&self) -> &str {
        &self.input.sign_name
    }
}

#[derive(Template)]
#[template(path = "keys/receipt.html")]
pub struct Receipt<'a> {
    pub ctx: &'a PageCtx,
    pub txt: Txt,
    pub issue: Issue,
    pub room_label: String,
    pub owner: String,
    pub id_masked: String,
    pub clerk: String,
    pub keys: Vec<Key>,
    pub signature: Option<String>,
}

#[derive(Template)]
#[template(path = "keys/loans.html")]
pub struct Register<'a> {
    pub ctx: &'a PageCtx,
    pub cites: &'static [Cite],
    pub txt: Txt,
    pub rows: &'a [LoanLine],
    pub next: Option<String>,
    pub query: String,
    pub from: String,
    pub to: String,
    pub category: String,
    pub status: String,
    pub building: String,
    pub buildings: std::sync::Arc<Vec<(i64, String)>>,
    pub all: bool,
    pub now: DateTime<Utc>,
}

impl Register<'_> {
    pub fn categories(&self) -> [&'static str; 3] {
        super::CATEGORIES
    }
    pub fn statuses(&self) -> Vec<&'static str> {
        let mut v = super::LOAN_STATUSES.to_vec();
        v.push("overdue");
        v
    }
    pub fn is_building(&self, id: &i64) -> bool {
        is_id(&self.building, *id)
    }
    pub fn overdue(&self, l: &LoanBrief) -> bool {
        l.overdue(self.now)
    }
}

#[derive(Template)]
#[template(path = "keys/loans_print.html")]
pub struct RegisterPrint<'a> {
    pub ctx: &'a PageCtx,
    pub txt: Txt,
    pub rows: Vec<LoanRow>,
    /// Who approved each loan and when, by loan.
    pub approved: std::collections::HashMap<i64, String>,
    pub range: String,
    pub truncated: bool,
    /// No status chosen: only loans whose keys were handed over are printed.
    pub handed_only: bool,
    /// The status chosen in the register's filter, printed in the heading.
    pub status: Option<String>,
}

impl RegisterPrint<'_> {
    pub fn approver(&self, id: &i64) -> &str {
        self.approved.get(id).map_or("", String::as_str)
    }
}

#[derive(Template)]
#[template(path = "keys/loan_form.html")]
pub struct LoanForm<'a> {
    pub ctx: &'a PageCtx,
    pub cites: &'static [Cite],
    pub txt: Txt,
    pub input: &'a LoanInput,
    pub errors: &'a FieldErrors,
    pub buildings: std::sync::Arc<Vec<(i64, String)>>,
    /// Keys in the cabinet of the chosen building (those the room typed narrows to).
    pub keys: Vec<Key>,
    /// More keys are in the cabinet than the form lists: the room narrows them.
    pub capped: bool,
    /// Keys the last count of their cabinet did not find.
    pub unseen: Vec<i64>,
    /// Staff to choose the borrower from (clerks only; others borrow themselves).
    pub staff: Vec<(i64, String)>,
    pub clerk: bool,
}

impl LoanForm<'_> {
    pub fn is_building(&self, id: &i64) -> bool {
        is_id(&self.input.building, *id)
    }
    pub fn checked(&self, id: &i64) -> bool {
        self.input.key.contains(&id.to_string())
    }
    pub fn is_borrower(&self, id: &i64) -> bool {
        self.input.borrower == id.to_string()
    }
    /// How many keys the form lists at most.
    pub fn listed(&self) -> usize {
        super::loans::LOAN_FORM_KEYS
    }
}

#[derive(Template)]
#[template(path = "keys/loan.html")]
pub struct LoanShow<'a> {
    pub ctx: &'a PageCtx,
    pub cites: &'static [Cite],
    pub txt: Txt,
    pub loan: Loan,
    pub lines: Vec<(String, String)>,
    pub keys: Vec<(Key, bool, bool)>,
    pub approval_id: Option<i64>,
    pub manage: bool,
    /// The reader may withdraw it (approved, not handed over).
    pub withdraw: bool,
    pub overdue: bool,
    /// Approved, but due back already: not to be handed over.
    pub lapsed: bool,
    /// The return form as sent (empty when first shown), and what is wrong with it.
    pub close: super::forms::CloseInput,
    pub errors: &'a FieldErrors,
}

/// The register of keys issued to owners.
#[derive(Template)]
#[template(path = "keys/issues.html")]
pub struct Issues<'a> {
    pub ctx: &'a PageCtx,
    pub buildings: std::sync::Arc<Vec<(i64, String)>>,
    pub building: Option<i64>,
    pub issued: super::issues::Issued,
    pub next: Option<i64>,
}

impl ByBuilding for Issues<'_> {
    fn building(&self) -> Option<i64> {
        self.building
    }
}

/// The register of keys issued to owners on paper.
#[derive(Template)]
#[template(path = "keys/issues_print.html")]
pub struct IssuesPrint<'a> {
    pub ctx: &'a PageCtx,
    /// The building filtered on, by name.
    pub building: Option<String>,
    pub issued: super::issues::Issued,
    /// More receipts than a sheet holds: only the newest are printed.
    pub truncated: bool,
}

#[derive(Template)]
#[template(path = "keys/copies.html")]
pub struct Copies<'a> {
    pub ctx: &'a PageCtx,
    pub cites: &'static [Cite],
    pub txt: Txt,
    pub rows: Vec<(CopyRequest, super::models::KeyLabel, String)>,
    pub next: Option<i64>,
    pub manage: bool,
    /// The state listed, or "" for all.
    pub status: &'static str,
}

impl Copies<'_> {
    pub fn statuses(&self) -> [&'static str; 5] {
        super::copies::COPY_STATUSES
    }
}

/// The copy requests on paper, newest first, up to a sheet's worth.
#[derive(Template)]
#[template(path = "keys/copies_print.html")]
pub struct CopiesPrint<'a> {
    pub ctx: &'a PageCtx,
    pub txt: Txt,
    pub rows: Vec<(CopyRequest, super::models::KeyLabel, String)>,
    /// Who approved each request, and when (by request).
    pub approved: std::collections::HashMap<i64, String>,
    pub truncated: bool,
    /// The state listed, or "" for all.
    pub status: &'static str,
}

impl CopiesPrint<'_> {
    pub fn approver(&self, id: &i64) -> &str {
        self.approved.get(id).map_or("", String::as_str)
    }
}

#[derive(Template)]
#[template(path = "keys/copy_form.html")]
pub struct CopyForm<'a> {
    pub ctx: &'a PageCtx,
    pub cites: &'static [Cite],
    pub key_label: String,
    pub input: &'a CopyInput,
    pub errors: &'a FieldErrors,
}

#[derive(Template)]
#[template(path = "keys/copy.html")]
pub struct CopyShow<'a> {
    pub ctx: &'a PageCtx,
    pub cites: &'static [Cite],
    pub txt: Txt,
    pub copy: CopyRequest,
    pub lines: Vec<(String, String)>,
    pub approval_id: Option<i64>,
    pub manage: bool,
    pub errors: &'a FieldErrors,
    pub made: String,
}

#[derive(Template)]
#[template(path = "keys/counts.html")]
pub struct Counts<'a> {
    pub ctx: &'a PageCtx,
    pub cites: &'static [Cite],
    pub txt: Txt,
    pub cabinets: Vec<Cabinet>,
    pub cabinet: Option<Cabinet>,
    pub expected: Vec<Key>,
    /// The cabinet holds more keys than one count lists.
    pub more: bool,
    pub counts: Vec<super::queries::CountRow>,
    /// The next page of past counts.
    pub next: Option<i64>,
    pub manage: bool,
    /// The count form: what was ticked when it comes back refused, and its token.
    pub input: &'a CountInput,
    pub errors: &'a FieldErrors,
}

impl Counts<'_> {
    pub fn is_cabinet(&self, c: &Cabinet) -> bool {
        self.cabinet.as_ref() == Some(c)
    }

    /// The cabinets, one group per project (they come ordered by project).
    pub fn by_project(&self) -> Vec<&[Cabinet]> {
        self.cabinets
            .chunk_by(|a, b| a.project_id == b.project_id)
            .collect()
    }

    /// The expected keys' ids, as the form sends them back (`listed`).
    pub fn listed(&self) -> String {
        let ids: Vec<String> = self.expected.iter().map(|k| k.id.to_string()).collect();
        ids.join(",")
    }

    pub fn present(&self, id: &i64) -> bool {
        self.input
            .present
            .iter()
            .any(|p| p.trim() == id.to_string())
    }
}

#[derive(Template)]
#[template(path = "keys/count.html")]
pub struct CountShow<'a> {
    pub ctx: &'a PageCtx,
    pub txt: Txt,
    pub count: Count,
    pub by: String,
    /// The cabinet's project (none for an old count that could not be placed).
    pub project: Option<String>,
    pub missing: Vec<Key>,
}

/// A count on paper (交接班清点记录), for the clerks handing over and taking over
/// to sign.
#[derive(Template)]
#[template(path = "keys/count_print.html")]
pub struct CountPrint<'a> {
    pub ctx: &'a PageCtx,
    pub txt: Txt,
    pub count: Count,
    pub by: String,
    /// The cabinet's project (none for an old count that could not be placed).
    pub project: Option<String>,
    pub missing: Vec<Key>,
}
