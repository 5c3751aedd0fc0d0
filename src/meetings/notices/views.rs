//! The notices' pages.
use askama::Template;
use chrono::{DateTime, Utc};

use super::forms::NoticeInput;
use super::models::{Notice, NoticeLine};
use crate::approvals::models::Person;
use crate::web::{FieldErrors, PageCtx};

/// When the meeting is held: "2026-12-10 14:00–15:00".
pub fn when(n: &Notice, ctx: &PageCtx) -> String {
    super::super::views::span_text(&n.starts_at, &n.ends_at, |t| ctx.datetime(t))
}

/// Its hours only, for a list of the day's meetings: "14:00–15:00".
pub fn hours(n: &Notice, ctx: &PageCtx) -> String {
    let when = when(n, ctx);
    match when.split_once(' ') {
        Some((_, hours)) if !hours.contains(' ') => hours.to_owned(),
        _ => when,
    }
}

#[derive(Template)]
#[template(path = "meetings/notices/list.html")]
pub struct NoticeList<'a> {
    pub ctx: &'a PageCtx,
    pub coming: Vec<NoticeLine>,
    /// Whether more meetings are called than `coming` holds (the soonest).
    pub more_coming: bool,
    pub earlier: Vec<NoticeLine>,
    /// The next page of earlier notices, when more follow.
    pub next: Option<String>,
    /// Whether this is a page of earlier notices only (`before=`).
    pub paged: bool,
    pub now: DateTime<Utc>,
}

impl NoticeList<'_> {
    /// The list's tables: (heading, id, lines, what an empty one says). A page
    /// of earlier notices (`before=`) has only those.
    pub fn sections(&self) -> Vec<(&'static str, &'static str, &[NoticeLine], &'static str)> {
        let coming = (
            "meetings.notice.coming",
            "notices-coming",
            self.coming.as_slice(),
            "meetings.notice.none_coming",
        );
        let earlier = (
            "meetings.notice.earlier",
            "notices-earlier",
            self.earlier.as_slice(),
            "meetings.notice.none_earlier",
        );
        if self.paged {
            vec![earlier]
        } else {
            vec![coming, earlier]
        }
    }
    pub fn when(&self, n: &Notice) -> String {
        when(n, self.ctx)
    }
    pub fn status(&self, n: &Notice) -> &'static str {
        self.ctx.t_in("meetings.notice.status", n.status(self.now))
    }
}

#[derive(Template)]
#[template(path = "meetings/notices/form.html")]
pub struct NoticeForm<'a> {
    pub ctx: &'a PageCtx,
    /// Where the form posts, and its heading's catalog key (new or change).
    pub action: String,
    pub heading: &'static str,
    pub input: &'a NoticeInput,
    pub errors: &'a FieldErrors,
    pub staff: &'a [(i64, String)],
    pub back: String,
}

impl NoticeForm<'_> {
    pub fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        super::forms::KINDS
            .iter()
            .map(|k| (*k, self.ctx.t_in("meetings.kind", k)))
            .collect()
    }
}

#[derive(Template)]
#[template(path = "meetings/notices/show.html")]
pub struct NoticeShow<'a> {
    pub ctx: &'a PageCtx,
    pub notice: Notice,
    pub caller: String,
    pub invited: Vec<Person>,
    pub now: DateTime<Utc>,
    /// The calling off's form: the reason as sent and its message.
    pub reason: &'a str,
    pub errors: &'a FieldErrors,
}

impl NoticeShow<'_> {
    pub fn when(&self) -> String {
        when(&self.notice, self.ctx)
    }
    pub fn status(&self) -> &'static str {
        self.ctx
            .t_in("meetings.notice.status", self.notice.status(self.now))
    }
    pub fn open(&self) -> bool {
        self.notice.open(self.now)
    }
    pub fn recordable(&self) -> bool {
        self.notice.recordable(self.now)
    }
}
