//! Template structs of the archive pages.
use askama::Template;
use chrono::NaiveDate;

use super::forms::{ArchiveInput, DocInput, EventsInput, SideInput, TypeInput};
use super::models::{Archive, ArchiveBrief, DocType, Document, HistoryEntry};
use crate::i18n::Locale;
use crate::properties::models::Building;
use crate::web::ByBuilding;
use crate::web::{FieldErrors, PageCtx};

/// One line of an archive's checklist: the type, how many documents of it the
/// archive keeps, and how many it destroyed (at the end of their retention, or
/// appraised as worthless: accounted for, not missing).
pub struct CheckLine {
    pub doc_type: DocType,
    pub count: usize,
    pub destroyed: usize,
}

impl CheckLine {
    pub fn missing(&self) -> bool {
        self.doc_type.required && self.count == 0 && self.destroyed == 0
    }
}

pub fn checklist(types: &[DocType], docs: &[Document]) -> Vec<CheckLine> {
    let of_type = |t: &DocType, kept: bool| {
        docs.iter()
            .filter(|d| d.type_id == t.id)
            .filter(|d| {
                if kept {
                    d.in_archive()
                } else {
                    d.status == "destroyed"
                }
            })
            .count()
    };
    types
        .iter()
        .map(|t| CheckLine {
            doc_type: t.clone(),
            count: of_type(t, true),
            destroyed: of_type(t, false),
        })
        .collect()
}

/// The retention of a type as a phrase: "10 年（自迁出起）" or "永久".
pub fn period_text(loc: Locale, t: &DocType) -> String {
    match t.retention_years {
        None => loc.t("archives.event.permanent").to_owned(),
        Some(y) => loc.tf(
            "archives.period",
            &[
                ("years", &y),
                ("event", &loc.t(&super::event_key(&t.retention_event))),
            ],
        ),
    }
}

fn required_of(required: &[(String, i64)], kind: &str) -> i64 {
    required
        .iter()
        .find(|(k, _)| k == kind)
        .map_or(0, |(_, n)| *n)
}

/// Shared helpers of the pages that show archives, documents and types.
pub trait ArchiveText {
    fn loc(&self) -> Locale;
    fn kind_label(&self, kind: &str) -> &'static str {
        self.loc().t_in("archives.kind", kind)
    }
    fn type_name<'t>(&self, t: &'t DocType) -> &'t str {
        t.name(self.loc())
    }
    fn period(&self, t: &DocType) -> String {
        period_text(self.loc(), t)
    }
    fn doc_status(&self, s: &str) -> &'static str {
        self.loc().t_in("archives.doc_status", s)
    }
    fn retain(&self, d: &Option<NaiveDate>) -> String {
        match d {
            Some(d) => d.to_string(),
            None => self.loc().t("archives.no_date").to_owned(),
        }
    }
    fn mode_label(&self, m: &str) -> &'static str {
        self.loc().t_in("archives.mode", m)
    }
    fn destruction_status(&self, s: &str) -> &'static str {
        self.loc().t_in("archives.destruction_status", s)
    }
}

macro_rules! archive_text {
    ($($t:ident),*) => {
        $(impl ArchiveText for $t<'_> {
            fn loc(&self) -> Locale {
                self.ctx.locale
            }
        })*
    };
}

archive_text!(
    ArchiveList,
    ArchiveListPrint,
    BuildingView,
    ArchiveShow,
    DocumentShow,
    Inventory,
    TypesPage
);

#[derive(Template)]
#[template(path = "archives/list.html")]
pub struct ArchiveList<'a> {
    pub ctx: &'a PageCtx,
    pub rows: &'a [ArchiveBrief],
    pub required: std::sync::Arc<Vec<(String, i64)>>,
    pub next: Option<i64>,
    pub building: Option<i64>,
    /// Every building, for the filter.
    pub buildings: std::sync::Arc<Vec<(i64, String)>>,
}

impl ArchiveList<'_> {
    pub fn required_of(&self, kind: &str) -> i64 {
        required_of(&self.required, kind)
    }
}

impl ByBuilding for ArchiveList<'_> {
    fn building(&self) -> Option<i64> {
        self.building
    }
}

/// The archive list on paper: the catalogue to find a room's archive by.
#[derive(Template)]
#[template(path = "archives/list_print.html")]
pub struct ArchiveListPrint<'a> {
    pub ctx: &'a PageCtx,
    pub rows: Vec<ArchiveBrief>,
    pub required: std::sync::Arc<Vec<(String, i64)>>,
    /// The building filtered on, by name.
    pub building: Option<String>,
    /// More archives than a sheet holds: only the first are printed.
    pub truncated: bool,
}

impl ArchiveListPrint<'_> {
    pub fn required_of(&self, kind: &str) -> i64 {
        required_of(&self.required, kind)
    }
}

#[derive(Template)]
#[template(path = "archives/building.html")]
pub struct BuildingView<'a> {
    pub ctx: &'a PageCtx,
    pub building: Building,
    /// One page of the building's archives.
    pub rows: Vec<ArchiveBrief>,
    pub required: std::sync::Arc<Vec<(String, i64)>>,
    /// Over every archive of the building, not only this page's.
    pub totals: super::queries::BuildingTotals,
    /// The last archive of this page, when more follow.
    pub next: Option<i64>,
}

impl BuildingView<'_> {
    pub fn required_of(&self, kind: &str) -> i64 {
        required_of(&self.required, kind)
    }
}

#[derive(Template)]
#[template(path = "archives/new.html")]
pub struct NewArchivePage<'a> {
    pub ctx: &'a PageCtx,
    pub buildings: std::sync::Arc<Vec<(i64, String)>>,
    pub input: &'a ArchiveInput,
    pub errors: &'a FieldErrors,
    /// The chosen building's residents without an archive; more than the
    /// form lists when `capped`.
    pub residents: Vec<(i64, String)>,
    pub capped: bool,
    pub cites: &'static [crate::web::cite::Cite],
}

impl NewArchivePage<'_> {
    pub fn is_building(&self, id: &i64) -> bool {
        self.input.building == Some(*id)
    }
}

#[derive(Template)]
#[template(path = "archives/show.html")]
pub struct ArchiveShow<'a> {
    pub ctx: &'a PageCtx,
    pub archive: Archive,
    pub types: Vec<DocType>,
    pub checklist: Vec<CheckLine>,
    pub docs: Vec<Document>,
    /// Each line with who did it and the paper it is about.
    pub history: Vec<(HistoryEntry, Option<String>, Option<String>)>,
    /// The last line shown, when earlier ones follow on the history's pages.
    pub older: Option<i64>,
    pub moved_in: Option<NaiveDate>,
    pub doc: DocInput,
    pub events: EventsInput,
    /// The hold form's reason, as sent.
    pub hold_reason: String,
    pub errors: FieldErrors,
    pub cites: &'static [crate::web::cite::Cite],
}

impl ArchiveShow<'_> {
    pub fn type_of(&self, id: &i64) -> &str {
        self.types
            .iter()
            .find(|t| t.id == *id)
            .map_or("", |t| t.name(self.ctx.locale))
    }
    pub fn history_line(&self, h: &HistoryEntry, paper: &Option<String>) -> String {
        history_line(self.ctx, h, paper)
    }
    pub fn missing_count(&self) -> usize {
        self.checklist.iter().filter(|c| c.missing()).count()
    }
    pub fn type_selected(&self, id: &i64) -> bool {
        self.doc.type_id.trim() == id.to_string()
    }
}

/// What a line of an archive's history says: its action, the paper it is about
/// (unless its detail names it already), then the detail in the reader's
/// language.
pub fn history_line(ctx: &PageCtx, h: &HistoryEntry, paper: &Option<String>) -> String {
    // Only the details the code writes in catalog terms are read as such:
    // others hold what someone typed (a reason, a title), shown as typed.
    let detail = match h.action.as_str() {
        "events" => crate::approvals::localize(&h.detail, ctx.locale),
        _ => h.detail.clone(),
    };
    let paper = paper.as_deref().filter(|t| !detail.starts_with(t));
    [
        Some(ctx.t_in("archives.history", &h.action)),
        paper,
        Some(detail.as_str()),
    ]
    .into_iter()
    .flatten()
    .filter(|s| !s.is_empty())
    .collect::<Vec<_>>()
    .join(" · ")
}

/// An archive's earlier history, a page at a time.
#[derive(Template)]
#[template(path = "archives/history.html")]
pub struct ArchiveHistory<'a> {
    pub ctx: &'a PageCtx,
    pub archive: Archive,
    pub history: Vec<(HistoryEntry, Option<String>, Option<String>)>,
    pub older: Option<i64>,
}

impl ArchiveHistory<'_> {
    pub fn history_line(&self, h: &HistoryEntry, paper: &Option<String>) -> String {
        history_line(self.ctx, h, paper)
    }
}

#[derive(Template)]
#[template(path = "archives/document.html")]
pub struct DocumentShow<'a> {
    pub ctx: &'a PageCtx,
    pub cites: &'static [crate::web::cite::Cite],
    pub doc: Document,
    pub doc_type: DocType,
    pub archive: Archive,
    pub errors: &'a FieldErrors,
    /// The edit form's fields.
    pub input: DocInput,
    /// The appraisal and removal forms' fields (for the keeper).
    pub side: SideInput,
    /// The types the archive may hold (for the edit form; empty without the right).
    pub types: Vec<DocType>,
    /// The open destruction list the document is on: it is not corrected meanwhile.
    pub listed: Option<i64>,
}

impl DocumentShow<'_> {
    pub fn type_selected(&self, id: &i64) -> bool {
        self.input.type_id == id.to_string()
    }
}

#[derive(Template)]
#[template(path = "archives/inventory.html")]
pub struct Inventory<'a> {
    pub ctx: &'a PageCtx,
    pub archive: Archive,
    pub types: Vec<DocType>,
    pub checklist: Vec<CheckLine>,
    pub docs: Vec<Document>,
}

impl Inventory<'_> {
    /// The required papers the archive lacks, as one list.
    pub fn missing_list(&self) -> String {
        let names: Vec<&str> = self
            .checklist
            .iter()
            .filter(|c| c.missing())
            .map(|c| c.doc_type.name(self.ctx.locale))
            .collect();
        if names.is_empty() {
            return self.ctx.t("archives.missing_none").to_owned();
        }
        names.join(self.ctx.t("paper.item_separator"))
    }
    pub fn type_of(&self, id: &i64) -> &str {
        self.types
            .iter()
            .find(|t| t.id == *id)
            .map_or("", |t| t.name(self.ctx.locale))
    }
}

#[derive(Template)]
#[template(path = "archives/types.html")]
pub struct TypesPage<'a> {
    pub ctx: &'a PageCtx,
    pub types: Vec<DocType>,
    pub input: &'a TypeInput,
    pub errors: &'a FieldErrors,
}

impl TypesPage<'_> {
    pub fn events(&self) -> Vec<(&'static str, &'static str)> {
        super::forms::EVENTS
            .iter()
            .map(|e| (*e, self.ctx.t(&super::event_key(e))))
            .collect()
    }
}

// ---- Borrowing ----

use super::forms::{BorrowInput, ScheduleInput};
use super::models::{Borrow, BorrowRow, Destruction, DocumentRow, Witness};
use super::queries::Moved;

archive_text!(
    Pick,
    BorrowForm,
    BorrowShow,
    DueList,
    DestructionShow,
    DestructionPrint,
    Schedule,
    ScheduleEdit,
    Register,
    RegisterPrint,
    DestructionLists,
    DestructionListsPrint
);

#[derive(Template)]
#[template(path = "archives/borrow_form.html")]
pub struct BorrowForm<'a> {
    pub ctx: &'a PageCtx,
    pub archive: Archive,
    pub docs: Vec<Document>,
    /// Every document type, to name each of `docs`.
    pub types: Vec<DocType>,
    /// Those of `docs` on an open destruction list: shown, not offered.
    pub listed: Vec<i64>,
    /// The reader's loan or copy of this archive waiting for approval, if any
    /// (one at a time): the form links to it.
    pub waiting: Option<i64>,
    pub input: &'a BorrowInput,
    pub errors: &'a FieldErrors,
    pub cites: &'static [crate::web::cite::Cite],
}

impl BorrowForm<'_> {
    /// A document as [`DocType::with_title`] names it.
    pub fn doc_name(&self, d: &Document) -> String {
        match self.types.iter().find(|t| t.id == d.type_id) {
            Some(t) => t.with_title(&d.title, self.ctx.locale),
            None => d.title.clone(),
        }
    }

    pub fn is_listed(&self, id: &i64) -> bool {
        self.listed.contains(id)
    }

    pub fn modes(&self) -> [&'static str; 3] {
        super::forms::MODES
    }
    pub fn grounds(&self) -> [&'static str; 3] {
        super::forms::GROUNDS
    }
}

#[derive(Template)]
#[template(path = "archives/borrow_show.html")]
pub struct BorrowShow<'a> {
    pub ctx: &'a PageCtx,
    pub borrow: Borrow,
    pub archive: Archive,
    pub docs: Vec<DocumentRow>,
    /// Who consults or borrows ([`Borrow::who`]).
    pub who: String,
    /// Whose name the hand-over's signature carries ([`Borrow::signer`]).
    pub signer: String,
    pub approval_id: Option<i64>,
    /// A consultation not handed over yet, and the viewer its borrower or the keeper.
    pub may_cancel: bool,
    pub sign_name: String,
    /// The signer's confirmation was ticked when the form was sent.
    pub sign_confirmed: bool,
    pub sign_drawing: String,
    pub errors: &'a FieldErrors,
}

/// Titles of one borrow's documents, joined for a register line.
fn titles_of(titles: &[(i64, String)], id: i64, loc: crate::i18n::Locale) -> String {
    titles
        .iter()
        .filter(|(b, _)| *b == id)
        .map(|(_, t)| t.as_str())
        .collect::<Vec<_>>()
        .join(loc.t("paper.item_separator"))
}

#[derive(Template)]
#[template(path = "archives/request.html")]
pub struct Pick<'a> {
    pub ctx: &'a PageCtx,
    pub buildings: std::sync::Arc<Vec<(i64, String)>>,
    pub building: Option<i64>,
    pub rows: Vec<ArchiveBrief>,
    /// The last archive of this page, when more follow.
    pub next: Option<i64>,
    pub cites: &'static [crate::web::cite::Cite],
}

impl Pick<'_> {
    pub fn is_building(&self, id: &i64) -> bool {
        self.building == Some(*id)
    }
    /// The resident, masked: a room may have a former and a present owner's
    /// archive, told apart by this without naming either.
    pub fn resident(&self, a: &ArchiveBrief) -> String {
        crate::properties::personal::mask_name(&a.resident_name)
    }
}

#[derive(Template)]
#[template(path = "archives/register.html")]
pub struct Register<'a> {
    pub ctx: &'a PageCtx,
    pub rows: Vec<BorrowRow>,
    pub titles: Vec<(i64, String)>,
    pub next: Option<i64>,
    /// The filter (`?status=`): empty for every borrow.
    pub status: &'static str,
    /// The site's today: a loan still out after its due date is overdue.
    pub today: NaiveDate,
    /// How many loans are overdue, as shown ("99+").
    pub overdue: String,
    /// The reader's own requests only (they do not keep the archives).
    pub own: bool,
}

impl Register<'_> {
    pub fn titles(&self, id: &i64) -> String {
        titles_of(&self.titles, *id, self.ctx.locale)
    }
    pub fn overdue(&self, b: &Borrow) -> bool {
        b.overdue(self.today)
    }
    /// The filter's choices: every borrow, those handed over, each status.
    pub fn filters(&self) -> Vec<(&'static str, &'static str)> {
        register_filters(self.ctx.locale)
    }
    /// `?status=…` for the print and export links (empty without a filter).
    pub fn query(&self) -> String {
        if self.status.is_empty() {
            String::new()
        } else {
            format!("?status={}", self.status)
        }
    }
    /// `&status=…` after the next page's cursor.
    pub fn and_status(&self) -> String {
        self.query().replacen('?', "&", 1)
    }
}

fn register_filters(loc: Locale) -> Vec<(&'static str, &'static str)> {
    let mut v = vec![
        ("", loc.t("archives.all_borrows")),
        (super::borrow::HANDED, loc.t("archives.handed")),
        (super::borrow::OVERDUE, loc.t("archives.overdue_filter")),
    ];
    // Named for loans and consultations alike: "approved" holds the loans
    // waiting to be handed over and the consultations ready to be read.
    v.extend(
        super::borrow::STATUSES
            .iter()
            .map(|s| (*s, loc.t_in("archives.borrow_filter", s))),
    );
    v
}

#[derive(Template)]
#[template(path = "archives/register_print.html")]
pub struct RegisterPrint<'a> {
    pub ctx: &'a PageCtx,
    pub rows: Vec<BorrowRow>,
    pub titles: Vec<(i64, String)>,
    pub signers: super::borrow::Signers,
    pub status: &'static str,
    /// More lines than a sheet holds: only the newest are printed.
    pub truncated: bool,
}

impl RegisterPrint<'_> {
    pub fn titles(&self, id: &i64) -> String {
        titles_of(&self.titles, *id, self.ctx.locale)
    }
    pub fn overdue(&self, b: &Borrow) -> bool {
        b.overdue(self.ctx.today())
    }
    pub fn when(&self, t: &Option<chrono::DateTime<chrono::Utc>>) -> String {
        t.as_ref().map(|t| self.ctx.datetime(t)).unwrap_or_default()
    }
    /// What the sheet holds, when filtered: "已借出或已归还".
    pub fn filter_label(&self) -> &'static str {
        register_filters(self.ctx.locale)
            .into_iter()
            .find(|(code, _)| *code == self.status)
            .map_or("", |(_, label)| label)
    }
}

// ---- Retention ----

#[derive(Template)]
#[template(path = "archives/retention.html")]
pub struct Schedule<'a> {
    pub ctx: &'a PageCtx,
    pub types: Vec<DocType>,
    pub cites: &'static [crate::web::cite::Cite],
}

#[derive(Template)]
#[template(path = "archives/retention_edit.html")]
pub struct ScheduleEdit<'a> {
    pub ctx: &'a PageCtx,
    pub doc_type: DocType,
    pub input: &'a ScheduleInput,
    pub errors: &'a FieldErrors,
    pub moved: Option<Vec<Moved>>,
    pub preview_max: usize,
}

impl ScheduleEdit<'_> {
    pub fn events(&self) -> Vec<(&'static str, &'static str)> {
        super::forms::EVENTS
            .iter()
            .map(|e| (*e, self.ctx.t(&super::event_key(e))))
            .collect()
    }
}

#[derive(Template)]
#[template(path = "archives/due.html")]
pub struct DueList<'a> {
    pub ctx: &'a PageCtx,
    pub cites: &'static [crate::web::cite::Cite],
    pub rows: Vec<DocumentRow>,
    pub today: NaiveDate,
    pub next: Option<String>,
    pub notice_days: i64,
    pub errors: &'a FieldErrors,
    /// What the keeper sent (kept when the list is refused), with the form's token.
    pub input: &'a super::forms::DestructionInput,
    /// The open destruction list each listed paper of the page is on.
    pub listed: std::collections::HashMap<i64, i64>,
}

impl DueList<'_> {
    /// The open destruction list the paper is on already, if any.
    pub fn list_of(&self, id: &i64) -> Option<i64> {
        self.listed.get(id).copied()
    }

    /// Ticked when the form comes back refused.
    pub fn checked(&self, id: &i64) -> bool {
        self.input
            .documents
            .iter()
            .any(|d| d.trim() == id.to_string())
    }

    /// May go on a destruction list: past retention, kept, not on hold, not on
    /// an open list already.
    pub fn destroyable(&self, r: &DocumentRow) -> bool {
        r.doc.status == "kept"
            && !r.held()
            && !self.listed.contains_key(&r.doc.id)
            && super::retention::is_past(r.doc.retain_until, self.today)
    }
}

// ---- Destruction ----

#[derive(Template)]
#[template(path = "archives/destructions.html")]
pub struct DestructionLists<'a> {
    pub ctx: &'a PageCtx,
    pub rows: Vec<(Destruction, String, i64)>,
    pub next: Option<i64>,
    /// The state listed, or "" for all.
    pub status: &'static str,
}

impl DestructionLists<'_> {
    pub fn statuses(&self) -> [&'static str; 6] {
        super::destruction::STATUSES
    }
}

/// The register of destruction lists on paper (过期文件处理台账).
#[derive(Template)]
#[template(path = "archives/destructions_print.html")]
pub struct DestructionListsPrint<'a> {
    pub ctx: &'a PageCtx,
    pub rows: Vec<(Destruction, String, i64)>,
    /// More lists than a sheet holds: only the newest are printed.
    pub truncated: bool,
    /// The state listed, or "" for all.
    pub status: &'static str,
}

impl DestructionListsPrint<'_> {
    pub fn basis(&self, d: &Destruction) -> &'static str {
        self.ctx.t(if d.appraised() {
            "archives.basis_appraised"
        } else {
            "archives.basis_expired"
        })
    }
}

#[derive(Template)]
#[template(path = "archives/destruction.html")]
pub struct DestructionShow<'a> {
    pub ctx: &'a PageCtx,
    pub d: Destruction,
    pub docs: Vec<DocumentRow>,
    pub witnesses: Vec<Witness>,
    pub creator: String,
    pub rechecker: String,
    pub i_witnessed: bool,
    /// The reader made this list: someone else re-checks it.
    pub i_listed: bool,
    pub approval_id: Option<i64>,
    pub sign_name: String,
    /// The signer's confirmation was ticked when the form was sent.
    pub sign_confirmed: bool,
    pub sign_drawing: String,
    /// The call-off form's reason, as typed.
    pub call_off_reason: String,
    /// Who called the list off (empty unless it was).
    pub caller: String,
    pub errors: &'a FieldErrors,
    pub cites: &'static [crate::web::cite::Cite],
}

impl DestructionShow<'_> {
    pub fn blocker(&self) -> Option<&'static str> {
        super::destruction::blocker(
            &self.d,
            self.witnesses.len(),
            self.docs.iter().any(|r| r.held()),
        )
        .map(|k| self.ctx.t(k))
    }
}

#[derive(Template)]
#[template(path = "archives/destruction_print.html")]
pub struct DestructionPrint<'a> {
    pub ctx: &'a PageCtx,
    pub d: Destruction,
    pub docs: Vec<DocumentRow>,
    pub witnesses: Vec<Witness>,
    pub creator: String,
    /// Who called the list off (empty unless it was).
    pub caller: String,
    pub rechecker: String,
    /// The approval's decisions: (step, who, when); step 0 reviews, 1 approves.
    pub decisions: Vec<(i32, String, Option<chrono::DateTime<chrono::Utc>>)>,
}

impl DestructionPrint<'_> {
    /// Who decided `step` and when, blank lines when not yet.
    pub fn decided(&self, step: i32) -> (String, String) {
        match self.decisions.iter().rev().find(|(s, _, _)| *s == step) {
            Some((_, name, at)) => (
                name.clone(),
                at.as_ref()
                    .map(|t| self.ctx.datetime(t))
                    .unwrap_or_default(),
            ),
            None => (String::new(), "________".into()),
        }
    }
    /// Blank lines for the witnesses the rule still asks for (两人以上在场).
    pub fn blank_witnesses(&self) -> std::ops::Range<usize> {
        if !matches!(self.d.status.as_str(), "in_review" | "approved") {
            return 0..0;
        }
        self.witnesses.len().min(super::destruction::WITNESSES)..super::destruction::WITNESSES
    }

    pub fn drawing(&self, png: &Option<Vec<u8>>) -> Option<String> {
        png.as_ref().map(|p| crate::web::signature::data_url(p))
    }
}
