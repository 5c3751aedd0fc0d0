use askama::Template;

use super::forms::{ComplaintInput, NoteInput, CHANNELS, KINDS};
use super::models::{ComplaintLine, Note};
use super::queries::Handover;
use super::stats::Stats;
use crate::i18n::Locale;
use crate::web::cite::Cite;
use crate::web::{FieldErrors, PageCtx};

/// Texts the complaint pages share.
pub trait ComplaintText {
    fn loc(&self) -> Locale;
    fn kind_label(&self, code: &str) -> &'static str {
        self.loc().t_in("complaints.kind", code)
    }
    fn channel_label(&self, code: &str) -> &'static str {
        self.loc().t_in("complaints.channel", code)
    }
    fn status_label(&self, code: &str) -> &'static str {
        self.loc().t_in("complaints.status", code)
    }
}

macro_rules! complaint_text {
    ($($t:ident),*) => {
        $(impl ComplaintText for $t<'_> {
            fn loc(&self) -> Locale {
                self.ctx.locale
            }
        })*
    };
}

pub(super) fn labelled(
    loc: Locale,
    prefix: &str,
    codes: &[&'static str],
) -> Vec<(&'static str, &'static str)> {
    codes.iter().map(|c| (*c, loc.t_in(prefix, c))).collect()
}

#[derive(Template)]
#[template(path = "complaints/form.html")]
pub struct ComplaintForm<'a> {
    pub ctx: &'a PageCtx,
    pub input: &'a ComplaintInput,
    pub errors: &'a FieldErrors,
    /// Whom it may be assigned to; empty for those who may not assign.
    pub staff: Vec<(i64, String)>,
    pub cites: &'static [Cite],
}

impl ComplaintForm<'_> {
    pub fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        labelled(self.ctx.locale, "complaints.kind", &KINDS)
    }
    pub fn channels(&self) -> Vec<(&'static str, &'static str)> {
        labelled(self.ctx.locale, "complaints.channel", &CHANNELS)
    }
    pub fn chosen(&self, id: &i64) -> bool {
        self.input.assignee.trim() == id.to_string()
    }
}

#[derive(Template)]
#[template(path = "complaints/list.html")]
pub struct ComplaintList<'a> {
    pub ctx: &'a PageCtx,
    pub rows: Vec<ComplaintLine>,
    pub next: Option<String>,
    pub month: String,
    pub show: &'static str,
    pub query: String,
    /// Everyone's matters, or only those the reader recorded or follows up.
    pub everyone: bool,
    pub cites: &'static [Cite],
}

impl ComplaintList<'_> {
    pub fn filters(&self) -> Vec<(&'static str, &'static str)> {
        labelled(self.ctx.locale, "complaints.show", &super::SHOWS)
    }
}

#[derive(Template)]
#[template(path = "complaints/show.html")]
pub struct ComplaintShow<'a> {
    pub ctx: &'a PageCtx,
    pub line: ComplaintLine,
    /// Its follow-up notes and handovers, oldest first.
    pub history: Vec<Entry>,
    /// The phone in full (after an audited reveal), else masked.
    pub phone: String,
    pub may_reveal: bool,
    pub may_follow: bool,
    /// Whether this reader may close it with a resolution.
    pub may_resolve: bool,
    /// Whether this reader may open it again, once resolved.
    pub may_reopen: bool,
    /// Whom it may be assigned to, for those who assign an open matter.
    pub staff: Vec<(i64, String)>,
    pub input: &'a NoteInput,
    pub errors: &'a FieldErrors,
}

impl ComplaintShow<'_> {
    pub fn assigned_to(&self, id: &i64) -> bool {
        self.line.c.assignee_id == Some(*id)
    }

    /// A handover as its line says it: "张三 交给 李四 跟进".
    pub fn handover(&self, h: &Handover) -> String {
        let key = match h.action.as_str() {
            "complaint.unassigned" => "complaints.handover.taken_off",
            "complaint.reopened" if !h.person.is_empty() => {
                "complaints.handover.reopened_unassigned"
            }
            "complaint.reopened" => "complaints.handover.reopened",
            _ => "complaints.handover.given",
        };
        self.ctx.locale.tf(
            key,
            &[
                ("by", &h.by_name),
                ("person", &h.person),
                ("reason", &h.reason),
            ],
        )
    }
}

/// A line of a matter's history: a follow-up note, or who was given it (or
/// reopened it).
pub enum Entry {
    Note(Note),
    Handover(Handover),
}

impl Entry {
    fn at(&self) -> chrono::DateTime<chrono::Utc> {
        match self {
            Entry::Note(n) => n.at,
            Entry::Handover(h) => h.at,
        }
    }

    /// The notes and handovers as one history, oldest first (a handover
    /// before a note of the same instant: the note is the one given it).
    pub fn history(notes: Vec<Note>, handovers: Vec<Handover>) -> Vec<Entry> {
        let mut all: Vec<Entry> = handovers
            .into_iter()
            .map(Entry::Handover)
            .chain(notes.into_iter().map(Entry::Note))
            .collect();
        all.sort_by_key(Entry::at);
        all
    }
}

#[derive(Template)]
#[template(path = "complaints/stats.html")]
pub struct ComplaintStats<'a> {
    pub ctx: &'a PageCtx,
    pub month: String,
    pub stats: Stats,
    pub cites: &'static [Cite],
}

impl ComplaintStats<'_> {
    pub fn channels(&self) -> Vec<(&'static str, &'static str)> {
        labelled(self.ctx.locale, "complaints.channel", &CHANNELS)
    }
    pub fn row_label(&self, kind: &str) -> &'static str {
        if kind == "all" {
            self.ctx.t("complaints.stats_all")
        } else {
            self.kind_label(kind)
        }
    }
    pub fn hours(&self, h: &Option<f64>) -> String {
        h.map(|h| format!("{h:.1}")).unwrap_or_else(|| "—".into())
    }
}

#[derive(Template)]
#[template(path = "complaints/print.html")]
pub struct ComplaintPrint<'a> {
    pub ctx: &'a PageCtx,
    pub rows: Vec<ComplaintLine>,
    pub month: String,
    pub truncated: bool,
}

complaint_text!(
    ComplaintForm,
    ComplaintList,
    ComplaintShow,
    ComplaintStats,
    ComplaintPrint
);

/// A note sent for a matter given to a colleague since its page was read, by
/// someone who may no longer see it: nothing of the matter, the note's text
/// to copy.
#[derive(Template)]
#[template(path = "complaints/given_away.html")]
pub struct GivenAway<'a> {
    pub ctx: &'a PageCtx,
    pub errors: &'a FieldErrors,
    pub body: &'a str,
}
