use askama::Template;
use chrono::{DateTime, Utc};
use std::collections::HashMap;

use super::models::{Deputy, Event, Request, Task};
use super::queries::InboxRow;
use crate::web::{FieldErrors, PageCtx};

/// Status badge text of a request or task.
pub fn status_label(ctx: &PageCtx, status: &str) -> &'static str {
    match status {
        "approved" => ctx.t("approvals.status.approved"),
        "rejected" => ctx.t("approvals.status.rejected"),
        "withdrawn" => ctx.t("approvals.status.withdrawn"),
        "escalated" => ctx.t("approvals.status.escalated"),
        "handed_over" => ctx.t("approvals.status.handed_over"),
        _ => ctx.t("approvals.status.pending"),
    }
}

/// A request's title in the page's language (see [`super::title`]).
pub fn title(ctx: &PageCtx, kind: &str, subject: &str) -> String {
    super::title(kind, subject, ctx.locale)
}

#[derive(Template)]
#[template(path = "approvals/inbox.html")]
pub struct Inbox<'a> {
    pub ctx: &'a PageCtx,
    pub rows: &'a [InboxRow],
    /// More tasks wait than the inbox lists.
    pub more: bool,
}

impl Inbox<'_> {
    /// The badge of a task the user decides as someone's deputy.
    pub fn behalf(&self, r: &InboxRow) -> String {
        match &r.on_behalf_of {
            None => String::new(),
            Some(name) => self.ctx.tf("approvals.on_behalf_of", &[("name", name)]),
        }
    }
}

#[derive(Template)]
#[template(path = "approvals/mine.html")]
pub struct Mine<'a> {
    pub ctx: &'a PageCtx,
    pub rows: Vec<Request>,
    pub next: Option<i64>,
}

impl Mine<'_> {
    pub fn status(&self, s: &str) -> &'static str {
        status_label(self.ctx, s)
    }
}

/// A decision refused to someone who may no longer read the request (their
/// deputyship ended while the page was open): why, and the comment they typed,
/// without the request itself.
#[derive(Template)]
#[template(path = "approvals/refused.html")]
pub struct Refused<'a> {
    pub ctx: &'a PageCtx,
    pub comment: String,
    pub errors: &'a FieldErrors,
}

#[derive(Template)]
#[template(path = "approvals/show.html")]
pub struct Show<'a> {
    pub ctx: &'a PageCtx,
    pub req: Request,
    pub requester: String,
    pub details: Vec<(String, String)>,
    pub trail: Vec<Event>,
    pub names: HashMap<i64, String>,
    pub pending: Option<Task>,
    pub may_decide: bool,
    pub may_withdraw: bool,
    pub subject_url: String,
    /// The decision form's comment as sent, kept when the form comes back.
    pub comment: String,
    /// Why the decision form came back, if it did: `decision` for the form,
    /// `comment` for its comment.
    pub errors: &'a FieldErrors,
}

impl Show<'_> {
    pub fn status(&self, s: &str) -> &'static str {
        status_label(self.ctx, s)
    }
    pub fn name(&self, id: &Option<i64>) -> String {
        id.and_then(|i| self.names.get(&i).cloned())
            .unwrap_or_default()
    }
    /// A line's comment: the approver's words, or what an edit changed.
    pub fn comment(&self, e: &Event) -> String {
        if e.action == "edited" {
            super::edited_text(&self.req.kind, &e.comment, self.ctx.locale)
        } else {
            e.comment.clone()
        }
    }
    pub fn action(&self, e: &Event) -> &'static str {
        match e.action.as_str() {
            "submitted" => self.ctx.t("approvals.action.submitted"),
            "assigned" => self.ctx.t("approvals.action.assigned"),
            "escalated_to" => self.ctx.t("approvals.action.escalated_to"),
            "handed_over_to" => self.ctx.t("approvals.action.handed_over_to"),
            "skipped_requester" => self.ctx.t("approvals.action.skipped_requester"),
            "skipped_party" => self.ctx.t("approvals.action.skipped_party"),
            "approved" => self.ctx.t("approvals.action.approved"),
            "rejected" => self.ctx.t("approvals.action.rejected"),
            "withdrawn" => self.ctx.t("approvals.action.withdrawn"),
            "cancelled" => self.ctx.t("approvals.action.cancelled"),
            "called_off" => self.ctx.t("approvals.action.called_off"),
            "edited" => self.ctx.t("approvals.action.edited"),
            "reminded" => self.ctx.t("approvals.action.reminded"),
            "overdue" => self.ctx.t("approvals.action.overdue"),
            "late_told" => self.ctx.t("approvals.action.late_told"),
            _ => self.ctx.t("approvals.action.other"),
        }
    }
    pub fn via(&self, e: &Event) -> &'static str {
        match e.via.as_deref() {
            Some("email") => self.ctx.t("approvals.via.email"),
            Some("web") => self.ctx.t("approvals.via.web"),
            _ => "",
        }
    }
    pub fn behalf(&self, e: &Event) -> String {
        match e.on_behalf_of {
            Some(_) => self.ctx.tf(
                "approvals.on_behalf_of",
                &[("name", &self.name(&e.on_behalf_of))],
            ),
            None => String::new(),
        }
    }
}

/// The page an email link opens.
#[derive(Template)]
#[template(path = "approvals/link.html")]
pub struct LinkPage<'a> {
    pub ctx: &'a PageCtx,
    pub token: &'a str,
    /// `valid`, or why not: `unknown`, `used`, `closed`, `outdated`, `expired`, `wrong_user`.
    pub state: &'static str,
    /// What happened, in a sentence (empty when valid).
    pub message: String,
    pub req: Option<Request>,
    pub requester: String,
    pub details: Vec<(String, String)>,
    pub due: Option<DateTime<Utc>>,
    pub on_behalf_of: String,
    pub comment: &'a str,
    pub errors: &'a FieldErrors,
}

#[derive(Template)]
#[template(path = "approvals/deputies.html")]
pub struct Deputies<'a> {
    pub ctx: &'a PageCtx,
    pub rows: Vec<Deputy>,
    pub names: HashMap<i64, String>,
    pub input: &'a super::handlers::DeputyInput,
    pub errors: &'a FieldErrors,
    pub candidates: Vec<(String, String)>,
    /// Deputies whose accounts are deactivated: named still, deciding nothing.
    pub inactive: Vec<i64>,
}

impl Deputies<'_> {
    pub fn is_inactive(&self, id: &i64) -> bool {
        self.inactive.contains(id)
    }

    pub fn name(&self, id: &i64) -> String {
        self.names.get(id).cloned().unwrap_or_default()
    }
}
