use askama::Template;

use super::forms::{NoteInput, ReopenInput, VisitInput, KINDS};
use super::models::{Correction, Note, Visit, VisitLine};
use crate::i18n::Locale;
use crate::web::cite::Cite;
use crate::web::{FieldErrors, PageCtx};

/// Texts the visit pages share.
pub trait VisitText {
    fn loc(&self) -> Locale;
    fn kind_label(&self, code: &str) -> &'static str {
        self.loc().t_in("visits.kind", code)
    }
    fn status_label(&self, code: &str) -> &'static str {
        self.loc().t_in("visits.status", code)
    }
}

macro_rules! visit_text {
    ($($t:ident),*) => {
        $(impl VisitText for $t<'_> {
            fn loc(&self) -> Locale {
                self.ctx.locale
            }
        })*
    };
}

/// The reception as the register writes it: 2026-11-29 09:00–09:40.
pub fn reception(v: &Visit, ctx: &PageCtx) -> String {
    let start = ctx.datetime(&v.started_at);
    let end = ctx.datetime(&v.ended_at);
    match (start.split_once(' '), end.split_once(' ')) {
        (Some((d1, t1)), Some((d2, t2))) if d1 == d2 => format!("{d1} {t1}–{t2}"),
        _ => format!("{start} – {end}"),
    }
}

#[derive(Template)]
#[template(path = "visits/form.html")]
pub struct VisitForm<'a> {
    pub ctx: &'a PageCtx,
    pub input: &'a VisitInput,
    pub errors: &'a FieldErrors,
    pub cites: &'static [Cite],
    /// The visit corrected, when the form corrects one (else it registers one).
    pub correcting: Option<i64>,
    /// The reception's times are shown, not offered (the receiver's correction).
    pub times_locked: bool,
}

impl VisitForm<'_> {
    pub fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        KINDS.iter().map(|k| (*k, self.kind_label(k))).collect()
    }
}

#[derive(Template)]
#[template(path = "visits/list.html")]
pub struct VisitList<'a> {
    pub ctx: &'a PageCtx,
    pub rows: Vec<VisitLine>,
    /// The next page's query, when more follow.
    pub next: Option<String>,
    /// The filters as the page keeps them, and as a query for print and exports.
    pub month: String,
    pub show: &'static str,
    pub query: String,
    /// Everyone's register, or only the reader's own visits.
    pub everyone: bool,
    pub cites: &'static [Cite],
}

impl VisitList<'_> {
    pub fn reception(&self, v: &Visit) -> String {
        reception(v, self.ctx)
    }
    pub fn filters(&self) -> Vec<(&'static str, &'static str)> {
        super::SHOWS
            .iter()
            .map(|s| (*s, self.ctx.t_in("visits.show", s)))
            .collect()
    }
}

#[derive(Template)]
#[template(path = "visits/show.html")]
pub struct VisitShow<'a> {
    pub ctx: &'a PageCtx,
    pub line: VisitLine,
    pub notes: Vec<Note>,
    /// The phone in full (after an audited reveal), else masked.
    pub phone: String,
    pub may_reveal: bool,
    /// The receiver or a supervisor may follow an open visit up.
    pub may_follow: bool,
    /// The reader may correct the register (see `corrections`).
    pub may_correct: bool,
    pub corrections: Vec<Correction>,
    pub input: &'a NoteInput,
    /// The form that opens it again, once closed.
    pub reopen: &'a ReopenInput,
    pub errors: &'a FieldErrors,
}

impl VisitShow<'_> {
    pub fn reception(&self) -> String {
        reception(&self.line.visit, self.ctx)
    }
    /// What a correction changed, as the form names its fields.
    pub fn changed(&self, c: &Correction) -> String {
        c.fields()
            .iter()
            .map(|f| self.ctx.t_in("visits.field", f))
            .collect::<Vec<_>>()
            .join(self.ctx.t("visits.fields_sep"))
    }
}

#[derive(Template)]
#[template(path = "visits/print.html")]
pub struct VisitPrint<'a> {
    pub ctx: &'a PageCtx,
    pub rows: Vec<VisitLine>,
    pub month: String,
    /// More lines than a sheet holds: only the newest are printed.
    pub truncated: bool,
}

impl VisitPrint<'_> {
    pub fn reception(&self, v: &Visit) -> String {
        reception(v, self.ctx)
    }
}

visit_text!(VisitForm, VisitList, VisitShow, VisitPrint);
