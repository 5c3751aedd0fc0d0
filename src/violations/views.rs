use askama::Template;

use super::forms::{DecisionInput, ViolationInput};
use super::models::{Violation, ViolationLine};
use super::schedule::{yuan, Outcome, SCHEDULES};
use crate::i18n::Locale;
use crate::web::cite::Cite;
use crate::web::{FieldErrors, PageCtx};

/// What a confirmed breach costs, as one line: "罚款 20 元；停岗 1 天".
pub fn penalty(loc: Locale, o: &Outcome, charge_fen: Option<i64>) -> String {
    let mut parts = Vec::new();
    if let Some(c) = charge_fen {
        parts.push(loc.tf("violations.repay", &[("n", &yuan(c))]));
    }
    if o.fine_fen > 0 {
        parts.push(loc.tf("violations.fine_yuan", &[("n", &yuan(o.fine_fen))]));
    }
    if o.suspension_days > 0 {
        parts.push(loc.tf("violations.suspension", &[("n", &o.suspension_days)]));
    }
    if o.dismissal {
        parts.push(loc.t("violations.dismissal").to_owned());
    }
    if o.reprimand {
        parts.push(loc.t("violations.reprimand").to_owned());
    }
    if parts.is_empty() {
        return loc.t("violations.no_fine").to_owned();
    }
    parts.join(loc.t("violations.and"))
}

/// The outcome recorded on a confirmed breach.
pub fn recorded(v: &Violation) -> Option<Outcome> {
    let offence_no = v.offence_no?;
    Some(Outcome {
        offence_no,
        fine_fen: v.fine_fen?,
        suspension_days: v.suspension_days.unwrap_or(0),
        dismissal: v.dismissal.unwrap_or(false),
        reprimand: super::schedule::by_code(&v.schedule)
            .is_some_and(|s| s.tier(offence_no).reprimand),
    })
}

/// "第 2 次" / "time 2" under its schedule.
pub fn offence(loc: Locale, n: i32) -> String {
    loc.tf("violations.offence_no", &[("n", &n)])
}

/// Where a proposal came from, as a link: the register line it was read from.
pub fn source_href(v: &Violation) -> Option<String> {
    let id = v.source_id?;
    match v.source.as_str() {
        "visit" => Some(format!("/visits/{id}")),
        "key_loan" => Some(format!("/keys/loans/{id}")),
        "leave" => Some(format!("/leave/{id}")),
        _ => None,
    }
}

/// Texts the breach pages share.
pub trait ViolationText {
    fn loc(&self) -> Locale;
    fn status_label(&self, code: &str) -> &'static str {
        self.loc().t_in("violations.status", code)
    }
    fn source_label(&self, code: &str) -> &'static str {
        self.loc().t_in("violations.source", code)
    }
    fn penalty_of(&self, v: &Violation) -> String {
        match recorded(v) {
            Some(o) => penalty(self.loc(), &o, v.charge_fen),
            None => String::new(),
        }
    }
    fn offence_of(&self, v: &Violation) -> String {
        v.offence_no
            .map(|n| offence(self.loc(), n))
            .unwrap_or_default()
    }
    fn href(&self, v: &Violation) -> Option<String> {
        source_href(v)
    }
    fn cite_href(&self, label: &str) -> String {
        match super::schedule::for_clause(label) {
            Some((_, c)) => c.href(),
            None => format!(
                "/handbook/cite?c={}",
                url::form_urlencoded::byte_serialize(label.as_bytes()).collect::<String>()
            ),
        }
    }
}

macro_rules! violation_text {
    ($($t:ident),*) => {
        $(impl ViolationText for $t<'_> {
            fn loc(&self) -> Locale {
                self.ctx.locale
            }
        })*
    };
}

/// A clause one may cite, with what it says.
pub struct ClauseChoice {
    pub label: String,
    pub text: String,
}

/// The clauses of one schedule, for the form's option group.
pub struct ScheduleChoice {
    pub title: &'static str,
    pub clauses: Vec<ClauseChoice>,
}

/// Every clause a breach may cite, by schedule, with its current text (`text_of`).
pub fn choices(loc: Locale, text_of: impl Fn(&str) -> Option<String>) -> Vec<ScheduleChoice> {
    SCHEDULES
        .iter()
        .map(|s| ScheduleChoice {
            title: loc.t_in("violations.schedule", s.code),
            clauses: s
                .covers
                .iter()
                .map(|c| {
                    let label = c.label();
                    let text = text_of(&label).unwrap_or_default();
                    ClauseChoice { label, text }
                })
                .collect(),
        })
        .collect()
}

#[derive(Template)]
#[template(path = "violations/form.html")]
pub struct ViolationForm<'a> {
    pub ctx: &'a PageCtx,
    pub input: &'a ViolationInput,
    pub errors: &'a FieldErrors,
    pub staff: Vec<(i64, String)>,
    pub choices: Vec<ScheduleChoice>,
    pub cites: &'static [Cite],
    /// The breach of the same clause, employee and day already on record, when
    /// the form came back to ask whether this is another one.
    pub same: Option<i64>,
}

impl ViolationForm<'_> {
    pub fn chosen_employee(&self, id: &i64) -> bool {
        self.input.employee.trim() == id.to_string()
    }
    pub fn short(&self, text: &str) -> String {
        let mut s: String = text.chars().take(40).collect();
        if text.chars().count() > 40 {
            s.push('…');
        }
        s
    }
}

#[derive(Template)]
#[template(path = "violations/list.html")]
pub struct ViolationList<'a> {
    pub ctx: &'a PageCtx,
    pub rows: Vec<ViolationLine>,
    pub next: Option<String>,
    pub month: String,
    pub show: &'static str,
    pub query: String,
    /// Everyone's register, or only the reader's own record.
    pub everyone: bool,
    pub cites: &'static [Cite],
}

impl ViolationList<'_> {
    pub fn shown(&self, code: &str) -> bool {
        self.show == code
    }
    pub fn filters(&self) -> Vec<(&'static str, &'static str)> {
        super::SHOWS
            .iter()
            .map(|s| (*s, self.ctx.t_in("violations.show", s)))
            .collect()
    }
}

/// The decision a supervisor is about to make: what confirming would cost.
pub struct Preview {
    pub prior: i64,
    pub outcome: Outcome,
    /// The one who confirms sets the fine (the book names none).
    pub decided: bool,
    /// `prior` counts breaches of the clause, not of the schedule.
    pub by_clause: bool,
}

#[derive(Template)]
#[template(path = "violations/show.html")]
pub struct ViolationShow<'a> {
    pub ctx: &'a PageCtx,
    pub line: ViolationLine,
    /// The clause that names the fine, if the book names one.
    pub rule: Option<Cite>,
    /// What the breached clause and the fine's clause say.
    pub clause_text: String,
    pub rule_text: String,
    /// Set when this reader may decide the proposal.
    pub preview: Option<Preview>,
    /// A proposal about the reader themself, which someone else decides.
    pub own_proposal: bool,
    pub input: &'a DecisionInput,
    pub errors: &'a FieldErrors,
}

impl ViolationShow<'_> {
    pub fn charge_text(&self) -> String {
        let n = yuan(self.line.v.charge_fen.unwrap_or(0));
        self.ctx.t1("violations.yuan", "n", n)
    }
    pub fn preview_penalty(&self, p: &Preview) -> String {
        penalty(self.ctx.locale, &p.outcome, self.line.v.charge_fen)
    }
    /// The person's earlier breaches and this one's number.
    pub fn preview_count(&self, p: &Preview) -> String {
        let key = if p.by_clause {
            "violations.preview_clause"
        } else {
            "violations.preview"
        };
        let this = offence(self.ctx.locale, p.outcome.offence_no);
        self.ctx.t2(key, "n", p.prior, "offence", this)
    }
}

#[derive(Template)]
#[template(path = "violations/print.html")]
pub struct ViolationPrint<'a> {
    pub ctx: &'a PageCtx,
    pub rows: Vec<ViolationLine>,
    pub month: String,
    pub truncated: bool,
}

impl ViolationPrint<'_> {
    /// The fines of the confirmed breaches listed, in 元: what the sheet
    /// hands on to be collected.
    pub fn fines_total(&self) -> String {
        yuan(fines_total(&self.rows))
    }
}

/// The fines of the confirmed breaches among `rows`, in fen.
pub fn fines_total(rows: &[ViolationLine]) -> i64 {
    rows.iter()
        .filter(|r| r.v.status == "confirmed")
        .filter_map(|r| r.v.fine_fen)
        .sum()
}

violation_text!(ViolationForm, ViolationList, ViolationShow, ViolationPrint);
