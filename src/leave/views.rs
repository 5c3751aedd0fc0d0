use askama::Template;
use chrono::{Datelike, NaiveDate};

use super::forms::LeaveInput;
use super::models::{Leave, LeaveWithName};
use crate::i18n::Locale;
use crate::web::{FieldErrors, PageCtx};

pub fn type_label(loc: Locale, code: &str) -> &'static str {
    loc.t(&super::type_key(code))
}

/// `l`'s [`Leave::shown_status`] in the reader's language.
pub fn status_label(loc: Locale, l: &Leave) -> &'static str {
    match l.shown_status() {
        "approved" => loc.t("approvals.status.approved"),
        "rejected" => loc.t("approvals.status.rejected"),
        "withdrawn" => loc.t("approvals.status.withdrawn"),
        "cancelled" => loc.t("leave.status_cancelled"),
        _ => loc.t("approvals.status.pending"),
    }
}

pub fn start_text(l: &Leave, loc: Locale) -> String {
    let half = if l.start_pm {
        loc.t("leave.half.from_pm")
    } else {
        loc.t("leave.half.from_am")
    };
    format!("{} {half}", l.start_date)
}

pub fn end_text(l: &Leave, loc: Locale) -> String {
    day_half_text(l.end_date, l.end_am, loc)
}

/// A last day as written: "2026-12-04 全天" or "2026-12-04 上午止".
pub fn day_half_text(day: chrono::NaiveDate, until_noon: bool, loc: Locale) -> String {
    let half = if until_noon {
        loc.t("leave.half.until_am")
    } else {
        loc.t("leave.half.until_pm")
    };
    format!("{day} {half}")
}

/// What a leave said before a change, kept in the approval's trail as data
/// (JSON), to be written in each reader's language by [`was_text`].
pub fn was_record(l: &Leave) -> String {
    serde_json::json!({
        "type": l.leave_type,
        "start": l.start_date,
        "start_pm": l.start_pm,
        "end": l.end_date,
        "end_am": l.end_am,
        "half_days": l.half_days,
        "reason": l.reason,
    })
    .to_string()
}

/// A [`was_record`] in `loc`: "改前：事假，2026-12-01 上午起 至 2026-12-02 至下班，
/// 2 天；事由：家中有事". `None` for anything else.
pub fn was_text(record: &str, loc: Locale) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Was {
        r#type: String,
        start: NaiveDate,
        start_pm: bool,
        end: NaiveDate,
        end_am: bool,
        half_days: i32,
        reason: String,
    }
    let w: Was = serde_json::from_str(record).ok()?;
    let from = if w.start_pm {
        "leave.half.from_pm"
    } else {
        "leave.half.from_am"
    };
    let until = if w.end_am {
        "leave.half.until_am"
    } else {
        "leave.half.until_pm"
    };
    Some(loc.tf(
        "leave.was",
        &[
            ("type", &type_label(loc, &w.r#type)),
            ("start", &format!("{} {}", w.start, loc.t(from))),
            ("end", &format!("{} {}", w.end, loc.t(until))),
            ("days", &super::days_text(w.half_days)),
            ("reason", &w.reason),
        ],
    ))
}

/// The leave as label/value lines (approval mail and pages).
pub fn detail_lines(l: &Leave, loc: Locale) -> Vec<(String, String)> {
    let mut lines = vec![
        (
            loc.t("leave.leave_type").to_owned(),
            type_label(loc, &l.leave_type).to_owned(),
        ),
        (loc.t("leave.start").to_owned(), start_text(l, loc)),
        (loc.t("leave.end").to_owned(), end_text(l, loc)),
        (
            loc.t("leave.days").to_owned(),
            super::days_text(l.half_days),
        ),
        (loc.t("leave.reason").to_owned(), l.reason.clone()),
    ];
    if l.after_the_fact {
        lines.push((
            loc.t("leave.after_the_fact").to_owned(),
            loc.t("leave.after_the_fact_yes").to_owned(),
        ));
    }
    lines
}

#[derive(Template)]
#[template(path = "leave/mine.html")]
pub struct MyLeave<'a> {
    pub ctx: &'a PageCtx,
    pub rows: Vec<Leave>,
    pub next: Option<i64>,
}

impl MyLeave<'_> {
    pub fn type_label(&self, code: &str) -> &'static str {
        type_label(self.ctx.locale, code)
    }
    pub fn status(&self, l: &Leave) -> &'static str {
        status_label(self.ctx.locale, l)
    }
    pub fn days(&self, h: &i32) -> String {
        super::days_text(*h)
    }
    /// The first day and its half, in the reader's language.
    pub fn start(&self, l: &Leave) -> String {
        start_text(l, self.ctx.locale)
    }
    /// The last day and its half, in the reader's language.
    pub fn end(&self, l: &Leave) -> String {
        end_text(l, self.ctx.locale)
    }
}

#[derive(Template)]
#[template(path = "leave/form.html")]
pub struct LeaveForm<'a> {
    pub ctx: &'a PageCtx,
    pub input: &'a LeaveInput,
    pub errors: &'a FieldErrors,
    /// `new`, `edit` or `record`.
    pub mode: &'static str,
    pub action: String,
    /// Employees, for the supervisor's after-the-fact form: (username, name).
    pub employees: Vec<(String, String)>,
    pub cites: &'static [crate::web::cite::Cite],
}

impl LeaveForm<'_> {
    pub fn types(&self) -> Vec<(&'static str, &'static str)> {
        super::TYPES
            .iter()
            .map(|(c, _)| (*c, type_label(self.ctx.locale, c)))
            .collect()
    }
    pub fn type_selected(&self, code: &str) -> bool {
        super::parse_type(&self.input.leave_type) == Some(code)
    }
    /// Leave asked for starts tomorrow at the earliest; leave recorded after
    /// the fact has begun.
    pub fn start_hint(&self) -> &'static str {
        match self.mode {
            "record" => self.ctx.t("leave.record_start_hint"),
            _ => self.ctx.t("leave.start_hint"),
        }
    }
}

#[derive(Template)]
#[template(path = "leave/show.html")]
pub struct LeaveShow<'a> {
    pub ctx: &'a PageCtx,
    pub leave: LeaveWithName,
    pub lines: Vec<(String, String)>,
    pub approval_id: Option<i64>,
    /// The viewer's own leave (else they keep the register, or decided it).
    pub own: bool,
    pub may_edit: bool,
    /// A record after the fact the viewer may withdraw as a mistake, or leave
    /// beginning today they may call off.
    pub may_withdraw: bool,
    /// The requester's approved leave, not begun: they may cancel it.
    pub may_cancel: bool,
    /// Someone else's approved leave, begun: the viewer may end it early.
    pub may_end: bool,
    /// The early end's form, as sent or fresh.
    pub end: super::forms::EndInput,
    pub input: &'a super::forms::WithdrawInput,
    pub errors: &'a FieldErrors,
}

impl LeaveShow<'_> {
    pub fn status(&self, l: &Leave) -> &'static str {
        status_label(self.ctx.locale, l)
    }

    /// The form that ends this leave, the viewer's own cancellation, the
    /// withdrawal of a record or the calling off of leave on its first day: its
    /// path's last part, then the catalog keys of
    /// its title, its note's label and its hint.
    pub fn end_form(&self) -> (&'static str, &'static str, &'static str, &'static str) {
        if self.may_cancel {
            (
                "cancel",
                "leave.cancel",
                "leave.cancel_note",
                "leave.cancel_hint",
            )
        } else if self.leave.leave.after_the_fact {
            let w = "leave.withdraw_record";
            ("withdraw", w, "leave.withdraw_note", "leave.withdraw_hint")
        } else {
            let c = "leave.call_off";
            ("withdraw", c, "leave.call_off_note", "leave.call_off_hint")
        }
    }
}

#[derive(Template)]
#[template(path = "leave/print.html")]
pub struct LeaveSlip<'a> {
    pub ctx: &'a PageCtx,
    pub leave: LeaveWithName,
    pub lines: Vec<(String, String)>,
    pub approver: String,
}

impl LeaveSlip<'_> {
    pub fn status(&self, l: &Leave) -> &'static str {
        status_label(self.ctx.locale, l)
    }
}

/// One day of the calendar and who is away.
pub struct Day {
    pub date: NaiveDate,
    pub in_month: bool,
    /// Who is away, by leave: (leave id, "name · type").
    pub away: Vec<(i64, String)>,
}

#[derive(Template)]
#[template(path = "leave/calendar.html")]
pub struct Calendar<'a> {
    pub ctx: &'a PageCtx,
    pub month: String,
    pub prev: String,
    pub next: String,
    pub weeks: Vec<Vec<Day>>,
}

impl Calendar<'_> {
    pub fn weekday(&self, i: &usize) -> &'static str {
        self.ctx.t(&format!("leave.weekday.{i}"))
    }
    pub fn day_no(&self, d: &NaiveDate) -> u32 {
        d.day()
    }
}

#[derive(Template)]
#[template(path = "leave/approved.html")]
pub struct Approved<'a> {
    pub ctx: &'a PageCtx,
    pub month: String,
    /// The month's first and last day.
    pub bounds: (NaiveDate, NaiveDate),
    /// One of [`super::SHOWS`].
    pub show: &'static str,
    pub rows: Vec<LeaveWithName>,
}

impl Approved<'_> {
    pub fn shows(&self) -> [&'static str; 5] {
        super::SHOWS
    }
}

/// The list's title for a `show`: "已批准请假", else the register's.
pub fn list_title(loc: Locale, show: &str) -> &'static str {
    loc.t(if show == "approved" {
        "leave.approved_list"
    } else {
        "leave.register"
    })
}

/// The month's approved leave on paper (请假登记), for the supervisor to sign.
#[derive(Template)]
#[template(path = "leave/approved_print.html")]
pub struct ApprovedPrint<'a> {
    pub ctx: &'a PageCtx,
    pub month: String,
    /// The month's first and last day.
    pub bounds: (NaiveDate, NaiveDate),
    pub show: &'static str,
    pub rows: Vec<LeaveWithName>,
}

/// How the approved list, on screen and on paper, writes a leave.
pub trait ApprovedText {
    fn loc(&self) -> Locale;
    /// The month's first and last day.
    fn bounds(&self) -> (NaiveDate, NaiveDate);
    /// The leave's days in the month, and, for one that runs into another
    /// month, its whole length beside them: "3（共 6 天）".
    fn month_days(&self, l: &Leave) -> String {
        let (first, last) = self.bounds();
        month_days_text(l, first, last, self.loc())
    }
    fn type_label(&self, code: &str) -> &'static str {
        type_label(self.loc(), code)
    }
    /// The first day and its half, in the reader's language.
    fn start(&self, l: &Leave) -> String {
        start_text(l, self.loc())
    }
    /// The last day and its half, in the reader's language.
    fn end(&self, l: &Leave) -> String {
        end_text(l, self.loc())
    }
    fn status(&self, l: &Leave) -> &'static str {
        status_label(self.loc(), l)
    }
    fn show_label(&self, show: &str) -> &'static str {
        self.loc().t_in("leave.show", show)
    }
    fn title(&self, show: &str) -> &'static str {
        list_title(self.loc(), show)
    }
}

impl ApprovedText for Approved<'_> {
    fn loc(&self) -> Locale {
        self.ctx.locale
    }
    fn bounds(&self) -> (NaiveDate, NaiveDate) {
        self.bounds
    }
}

impl ApprovedText for ApprovedPrint<'_> {
    fn loc(&self) -> Locale {
        self.ctx.locale
    }
    fn bounds(&self) -> (NaiveDate, NaiveDate) {
        self.bounds
    }
}

/// See [`ApprovedText::month_days`].
pub fn month_days_text(l: &Leave, first: NaiveDate, last: NaiveDate, loc: Locale) -> String {
    let within = l.half_days_in(first, last);
    let text = super::days_text(within);
    if within == l.half_days {
        return text;
    }
    let all = loc.tf(
        "leave.days_in_all",
        &[("days", &super::days_text(l.half_days))],
    );
    format!("{text}{}", loc.note(all))
}
