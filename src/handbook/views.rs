//! One template struct per handbook page.
use askama::Template;
use std::collections::HashMap;

use super::current::Hit;
use super::diff::ClauseDiff;
use super::forms::{ImportInput, PublishInput};
use super::models::{ClauseLink, ClauseRow, DocumentRow, SectionView, Version};
use super::queries::{AckRound, AckRow, AckTally};
use crate::auth::Role;
use crate::i18n::Locale;
use crate::web::{FieldErrors, PageCtx};

/// A document with the content of one of its versions.
pub struct DocView {
    pub document: DocumentRow,
    pub version: Version,
    /// Shared: a published version's content is kept in memory ([`super::queries::PublishedContent`]).
    pub content: std::sync::Arc<Vec<SectionView>>,
}

impl DocView {
    pub fn href(&self) -> String {
        format!("/handbook/{}", self.document.id)
    }

    /// A document without section headings has no table of contents.
    pub fn has_toc(&self) -> bool {
        self.content.iter().any(|s| !s.heading().is_empty())
    }
}

/// Indentation class of a clause (levels beyond four read as four).
pub fn depth_class(c: &ClauseRow) -> String {
    format!("d{}", c.depth.clamp(0, 4))
}

#[derive(Template)]
#[template(path = "handbook/index.html")]
pub struct IndexPage<'a> {
    pub ctx: &'a PageCtx,
    pub docs: Vec<DocView>,
    pub drafts: Vec<Version>,
    pub may_edit: bool,
    pub may_report: bool,
}

#[derive(Template)]
#[template(path = "handbook/show.html")]
pub struct ShowPage<'a> {
    pub ctx: &'a PageCtx,
    pub doc: DocView,
    /// Newest published number: an older version says it is superseded.
    pub latest: i32,
    pub versions: &'a [Version],
    /// The rendered [`Article`].
    pub article: std::sync::Arc<str>,
    pub has_draft: bool,
    pub may_edit: bool,
    pub may_report: bool,
}

impl ShowPage<'_> {
    /// A version's change note in the reader's language (an import's is a term).
    pub fn change_note(&self, note: &str) -> String {
        crate::approvals::localize(note, self.ctx.locale)
    }

    /// An earlier version than the one in force (`latest`).
    pub fn superseded(&self) -> bool {
        self.doc.version.number_or_zero() < self.latest
    }

    /// On the version in force: the newer one published to take effect later,
    /// with its date.
    pub fn upcoming(&self) -> Option<(i32, String)> {
        let number = self.doc.version.number_or_zero();
        if number != self.latest {
            return None;
        }
        let today = self.ctx.today();
        // The next to take effect (the oldest of those still to come).
        self.versions
            .iter()
            .filter(|v| v.number_or_zero() > number)
            .filter_map(|v| {
                let d = v.effective_on.filter(|d| *d > today)?;
                Some((v.number_or_zero(), d))
            })
            .min_by_key(|(n, d)| (*d, *n))
            .map(|(n, d)| (n, d.format("%Y-%m-%d").to_string()))
    }

    /// When this version takes effect after today: its date, and the version
    /// in force until then (the newest earlier one already in effect), if any.
    pub fn not_yet(&self) -> Option<(String, Option<i32>)> {
        let today = self.ctx.today();
        let starts = self.doc.version.effective_on.filter(|d| *d > today)?;
        let number = self.doc.version.number_or_zero();
        let before = self
            .versions
            .iter()
            .filter(|v| v.number_or_zero() < number)
            .find(|v| v.effective_on.is_none_or(|d| d <= today))
            .map(|v| v.number_or_zero());
        Some((starts.format("%Y-%m-%d").to_string(), before))
    }
}

/// The table of contents and text of a version with its clauses' links: most
/// of a document page, the same for every reader of one language.
#[derive(Template)]
#[template(path = "handbook/article.html")]
pub struct Article<'a> {
    pub loc: Locale,
    pub doc: &'a DocView,
    pub links: &'a HashMap<String, Vec<ClauseLink>>,
    /// This site's address, for the copyable clause links.
    pub base_url: &'a str,
}

impl Article<'_> {
    pub fn t(&self, key: &str) -> &'static str {
        self.loc.t(key)
    }

    pub fn depth_class(&self, c: &ClauseRow) -> String {
        depth_class(c)
    }

    pub fn clause_links(&self, anchor: &str) -> &[ClauseLink] {
        self.links.get(anchor).map_or(&[], |v| v.as_slice())
    }

    pub fn permalink(&self, anchor: &str) -> String {
        format!(
            "{}/handbook/{}#c{}",
            self.base_url.trim_end_matches('/'),
            self.doc.document.id,
            anchor
        )
    }
}

#[derive(Template)]
#[template(path = "handbook/search.html")]
pub struct SearchPage<'a> {
    pub ctx: &'a PageCtx,
    pub q: String,
    pub hits: Vec<&'a Hit>,
    /// More clauses match than are shown.
    pub more: bool,
    pub error: String,
    pub searched: bool,
}

impl SearchPage<'_> {
    /// The clause text escaped, with every occurrence of the query in `<mark>`.
    pub fn highlight(&self, text: &str) -> String {
        highlight(text, &self.q)
    }
}

/// Escapes `text` and marks every occurrence of each word of `q`, compared as
/// search compares them ([`super::current::fold`]: case and full-width forms
/// aside).
pub fn highlight(text: &str, q: &str) -> String {
    use super::current::{fold, fold_mapped, search_terms};
    use super::diff::escape;
    let folded_q = fold(q);
    let terms = search_terms(&folded_q);
    if terms.is_empty() {
        return escape(text);
    }
    let (folded, at_text) = fold_mapped(text);
    let mut out = String::new();
    let mut at = 0;
    // The next occurrence of any word, the longest where two start together,
    // as offsets in `text`.
    let next = |from: usize| {
        terms
            .iter()
            .filter_map(|t| {
                folded[from..]
                    .find(t)
                    .map(|i| (from + i, from + i + t.len()))
            })
            .min_by_key(|&(start, end)| (start, std::cmp::Reverse(end)))
    };
    let mut from = 0;
    while let Some((start, end)) = next(from) {
        let (s, e) = (at_text[start], at_text[end]);
        if s < at || e <= s {
            break;
        }
        out.push_str(&escape(&text[at..s]));
        out.push_str("<mark>");
        out.push_str(&escape(&text[s..e]));
        out.push_str("</mark>");
        at = e;
        from = end;
    }
    out.push_str(&escape(&text[at..]));
    out
}

#[derive(Template)]
#[template(path = "handbook/import.html")]
pub struct ImportPage<'a> {
    pub ctx: &'a PageCtx,
    pub input: &'a ImportInput,
    pub errors: &'a FieldErrors,
}

#[derive(Template)]
#[template(path = "handbook/draft.html")]
pub struct DraftPage<'a> {
    pub ctx: &'a PageCtx,
    pub doc: DocView,
    pub whole_text: String,
    pub title: String,
    /// The draft's content hash the whole-text form was read at.
    pub seen: String,
    pub errors: &'a FieldErrors,
    /// The clause whose form failed, with the text the user typed.
    pub failed_clause: Option<(i64, String)>,
    /// A clause's text sent after the draft was rewritten without that clause:
    /// shown so it is not lost.
    pub unsaved_clause: Option<String>,
    pub publish: PublishInput,
    /// The approval request its publication waits on, if sent.
    pub waiting: Option<i64>,
    /// The posts the changed clauses concern, with those clauses' citations.
    pub concerns: Vec<(Role, Vec<String>)>,
}

impl DraftPage<'_> {
    pub fn depth_class(&self, c: &ClauseRow) -> String {
        depth_class(c)
    }

    pub fn roles(&self) -> Vec<(&'static str, &'static str)> {
        Role::ALL
            .iter()
            .map(|r| (r.code(), self.ctx.t(&r.name_key())))
            .collect()
    }

    /// "客服主任（住户档案管理规定 5(1)）；…": why each post is proposed.
    pub fn concerns_text(&self) -> String {
        self.concerns
            .iter()
            .map(|(r, cites)| {
                format!(
                    "{}{}",
                    self.ctx.t(&r.name_key()),
                    self.ctx.t1(
                        "handbook.publish.because",
                        "cites",
                        cites.join(self.ctx.t("paper.list_separator"))
                    )
                )
            })
            .collect::<Vec<_>>()
            .join(self.ctx.t("paper.item_separator"))
    }

    pub fn clause_failed(&self, id: &i64) -> bool {
        self.failed_clause.as_ref().is_some_and(|(f, _)| f == id)
    }

    /// The clause's text as shown, for its form's staleness check.
    pub fn clause_seen(&self, c: &ClauseRow) -> String {
        super::forms::body_seen(&c.body)
    }

    /// The text to show in a clause's box: what the user typed if it failed.
    pub fn clause_value(&self, c: &ClauseRow) -> String {
        match &self.failed_clause {
            Some((id, text)) if *id == c.id => text.clone(),
            _ => c.body.clone(),
        }
    }
}

#[derive(Template)]
#[template(path = "handbook/diff.html")]
pub struct DiffPage<'a> {
    pub ctx: &'a PageCtx,
    pub document: DocumentRow,
    pub title: String,
    pub versions: Vec<Version>,
    pub from: i32,
    pub to: i32,
    pub changes: Vec<ClauseDiff>,
    pub unchanged: usize,
    pub title_change: Option<String>,
    /// Section headings added, removed or reworded (marked HTML).
    pub heading_changes: Vec<String>,
}

#[derive(Template)]
#[template(path = "handbook/acks.html")]
pub struct AckRoundsPage<'a> {
    pub ctx: &'a PageCtx,
    pub rounds: Vec<AckRound>,
}

#[derive(Template)]
#[template(path = "handbook/ack_report.html")]
pub struct AckReportPage<'a> {
    pub ctx: &'a PageCtx,
    pub version: Version,
    pub rows: Vec<AckRow>,
    pub tally: AckTally,
}

impl AckReportPage<'_> {
    pub fn role_names(&self) -> String {
        role_names(self.ctx, &self.version)
    }
}

/// The posts a version asks to confirm it, named in the page's language.
fn role_names(ctx: &PageCtx, version: &Version) -> String {
    version
        .roles()
        .iter()
        .map(|c| match Role::from_code(c) {
            Some(r) => ctx.t(&r.name_key()).to_owned(),
            None => c.clone(),
        })
        .collect::<Vec<_>>()
        .join(ctx.t("paper.list_separator"))
}

/// The acknowledgements on paper (规章制度签收表): everyone concerned, when they
/// confirmed on the site, and a column to sign by hand.
#[derive(Template)]
#[template(path = "handbook/ack_print.html")]
pub struct AckPrintPage<'a> {
    pub ctx: &'a PageCtx,
    pub version: Version,
    pub rows: Vec<AckRow>,
    pub tally: AckTally,
}

impl AckPrintPage<'_> {
    pub fn role_names(&self) -> String {
        role_names(self.ctx, &self.version)
    }
}

/// The paper edition: cover, contents, one document per page run.
#[derive(Template)]
#[template(path = "handbook/print.html")]
pub struct PrintPage<'a> {
    pub ctx: &'a PageCtx,
    pub heading: String,
    /// Version line of the cover ("第 1 版 · 2026-11-28 起施行", or for the book, the date).
    pub cover_version: String,
    pub docs: Vec<DocView>,
    pub printed_by: String,
    pub printed_at: String,
}

impl PrintPage<'_> {
    /// Whether `v` takes effect after today (printed as not in force yet).
    pub fn not_yet(&self, v: &Version) -> bool {
        v.effective_on.is_some_and(|d| d > self.ctx.today())
    }

    pub fn depth_class(&self, c: &ClauseRow) -> String {
        depth_class(c)
    }

    pub fn running_head(&self, d: &DocView) -> String {
        self.ctx.tf(
            "handbook.print.running_head",
            &[
                ("title", &d.version.title),
                ("number", &d.version.number_or_zero()),
                ("date", &d.version.effective()),
            ],
        )
    }

    pub fn controlled_copy(&self) -> String {
        self.ctx.tf(
            "handbook.print.controlled_copy",
            &[("name", &self.printed_by), ("at", &self.printed_at)],
        )
    }
}

/// Catalog texts with one number or date, as handbook templates need them.
pub trait HbText {
    fn hb_version<N: std::borrow::Borrow<i32>>(&self, number: N) -> String;
    fn hb_effective(&self, date: String) -> String;
    fn hb_count(&self, n: usize) -> String;
}

impl HbText for PageCtx {
    fn hb_version<N: std::borrow::Borrow<i32>>(&self, number: N) -> String {
        let number = *number.borrow();
        if number == 0 {
            return self.t("handbook.draft.badge").to_owned();
        }
        self.tf("handbook.version_n", &[("number", &number)])
    }

    fn hb_effective(&self, date: String) -> String {
        self.tf("handbook.effective", &[("date", &date)])
    }

    fn hb_count(&self, n: usize) -> String {
        self.tf("handbook.search.count", &[("n", &n)])
    }
}

/// A save sent to a draft that is no more (published, or its revision ended,
/// while the form was open): what was typed, to copy into a new revision.
#[derive(Template)]
#[template(path = "handbook/draft_gone.html")]
pub struct DraftGone<'a> {
    pub ctx: &'a PageCtx,
    pub id: i64,
    pub text: &'a str,
}
