use askama::Template;

use super::forms::{ContractInput, StepInput};
use super::models::{centi, Contract, EventLine, ReportLine};
use crate::web::cite::Cite;
use crate::web::{FieldErrors, PageCtx};

/// The report's columns, catalog keys.
pub const REPORT_HEADERS: [&str; 12] = [
    "contracts.project",
    "contracts.r.signed",
    "contracts.r.area",
    "contracts.r.amount",
    "contracts.r.mortgages",
    "contracts.r.filed",
    "contracts.r.collected",
    "contracts.r.voided",
    "contracts.r.voided_amount",
    "contracts.r.settled",
    "contracts.r.settled_amount",
    "contracts.r.certificates",
];

/// Texts the contract pages share.
pub trait ContractText {
    fn loc(&self) -> crate::i18n::Locale;
    fn payment_label(&self, code: &str) -> &'static str {
        self.loc().t_in("contracts.payment", code)
    }
    /// Where a contract stands: "已备案".
    fn stage_label(&self, code: &str) -> &'static str {
        self.loc().t_in("contracts.stage_of", code)
    }
    /// A step as an action: "备案".
    fn step_label(&self, code: &str) -> &'static str {
        self.loc().t_in("contracts.step", code)
    }
    fn money(&self, fen: &i64) -> String {
        self.loc().tf("contracts.yuan", &[("n", &centi(*fen))])
    }
}

#[derive(Template)]
#[template(path = "contracts/list.html")]
pub struct ContractList<'a> {
    pub ctx: &'a PageCtx,
    pub rows: Vec<Contract>,
    pub next: Option<String>,
    /// `?show=waiting` lists the longest waiting only, and more wait.
    pub more_waiting: bool,
    pub show: &'static str,
    /// What the register is searched for (empty: everything).
    pub q: String,
    /// The filter as a query string, for the print and export links.
    pub query: String,
    pub cites: &'static [Cite],
}

impl ContractText for ContractList<'_> {
    fn loc(&self) -> crate::i18n::Locale {
        self.ctx.locale
    }
}

impl ContractList<'_> {
    /// The register's `?show=` choices, with their names.
    pub fn waiting_hint(&self) -> String {
        super::waiting_hint(self.ctx.locale)
    }
    pub fn filters(&self) -> Vec<(&'static str, &'static str)> {
        super::SHOWS
            .iter()
            .map(|s| (*s, self.ctx.t_in("contracts.show", s)))
            .collect()
    }
}

/// The register on paper: the contracts of one `?show=` choice and their steps.
#[derive(Template)]
#[template(path = "contracts/print.html")]
pub struct ContractPrint<'a> {
    pub ctx: &'a PageCtx,
    pub rows: Vec<Contract>,
    pub show: &'static str,
    /// What the register was searched for (empty: everything).
    pub q: String,
    /// More rows matched than a sheet holds.
    pub truncated: bool,
}

impl ContractText for ContractPrint<'_> {
    fn loc(&self) -> crate::i18n::Locale {
        self.ctx.locale
    }
}

impl ContractPrint<'_> {
    pub fn day(&self, d: &Option<chrono::NaiveDate>) -> String {
        d.map(|d| d.to_string()).unwrap_or_default()
    }
}

#[derive(Template)]
#[template(path = "contracts/form.html")]
pub struct ContractForm<'a> {
    pub ctx: &'a PageCtx,
    pub action: String,
    /// Catalog key of the heading: a new contract, or a correction.
    pub heading: &'static str,
    /// When correcting: the phone on record, masked, kept if none is typed.
    pub phone_kept: Option<String>,
    /// When correcting a filed contract without the right to change what it
    /// says of the sale: the form says so beforehand.
    pub filed_locked: bool,
    /// When correcting a contract whose surveyed area may still be corrected:
    /// its pre-sale area (as the form corrects it), to ask for confirmation
    /// of a surveyed figure far from it.
    pub surveyed_of: Option<i32>,
    pub input: &'a ContractInput,
    pub errors: &'a FieldErrors,
    /// The projects on record, suggested for the project field.
    pub projects: Vec<String>,
    pub cites: &'static [Cite],
}

impl ContractText for ContractForm<'_> {
    fn loc(&self) -> crate::i18n::Locale {
        self.ctx.locale
    }
}

impl ContractForm<'_> {
    pub fn payments(&self) -> Vec<(&'static str, &'static str)> {
        super::PAYMENTS
            .iter()
            .map(|p| (*p, self.payment_label(p)))
            .collect()
    }
}

/// A step's form on the contract's page: blank, or as sent with its messages.
pub struct StepForm<'a> {
    pub step: &'static str,
    pub input: StepInput,
    pub errors: &'a FieldErrors,
}

#[derive(Template)]
#[template(path = "contracts/show.html")]
pub struct ContractShow<'a> {
    pub ctx: &'a PageCtx,
    pub c: Contract,
    /// The buyer's phone: masked, or in full after an audited reveal.
    pub phone: String,
    pub may_reveal: bool,
    pub events: Vec<EventLine>,
    /// The next step's form, for those who record steps.
    pub next: Option<StepForm<'a>>,
    /// The certificate's next step's form, once the contract is collected.
    pub cert: Option<StepForm<'a>>,
    /// The buyer's drawn signature for the certificate (an `<img src>`).
    pub cert_drawing: Option<String>,
    /// The voiding form, while the contract may be voided.
    pub void: Option<StepForm<'a>>,
    /// A step was refused: the contract moved on since the page was read.
    pub stale: bool,
    pub cites: &'static [Cite],
}

impl ContractText for ContractShow<'_> {
    fn loc(&self) -> crate::i18n::Locale {
        self.ctx.locale
    }
}

impl ContractShow<'_> {
    /// A history line's note; a correction's is the fields it changed, named in
    /// this reader's language.
    pub fn event_note(&self, e: &EventLine) -> String {
        if e.step == "corrected" {
            e.note
                .split(',')
                .filter(|k| k.starts_with("contracts."))
                .map(|k| self.ctx.t(k))
                .collect::<Vec<_>>()
                .join(self.ctx.t("paper.list_separator"))
        } else {
            e.note.clone()
        }
    }

    /// The surveyed area and its difference, as the page says it:
    /// "89.73（面积差 +0.17 ㎡，客户补交 2515.07 元）".
    pub fn settlement_text(&self) -> Option<String> {
        let s = self.c.settlement()?;
        let area = centi(i64::from(self.c.surveyed_centi?));
        let sign = if s.diff_centi > 0 { "+" } else { "" };
        let key = match s.adjust_fen {
            0 => "contracts.settle_none",
            f if f > 0 => "contracts.settle_pay",
            _ => "contracts.settle_refund",
        };
        Some(self.ctx.tf(
            key,
            &[
                ("area", &area),
                ("diff", &format!("{sign}{}", centi(s.diff_centi))),
                ("amount", &centi(s.adjust_fen.abs())),
            ],
        ))
    }

    /// The difference is beyond 3%: the buyer may withdraw.
    pub fn beyond_three_percent(&self) -> bool {
        self.c.settlement().is_some_and(|s| s.beyond_three_percent)
    }

    /// What the next step's form asks, as a hint.
    pub fn step_hint(&self, step: &str) -> &'static str {
        self.ctx.t_in("contracts.hint", step)
    }
}

#[derive(Template)]
#[template(path = "contracts/report.html")]
pub struct ContractReport<'a> {
    pub ctx: &'a PageCtx,
    pub month: String,
    pub lines: Vec<ReportLine>,
    pub total: ReportLine,
    pub cites: &'static [Cite],
}

impl ContractText for ContractReport<'_> {
    fn loc(&self) -> crate::i18n::Locale {
        self.ctx.locale
    }
}

/// What the report's table (`contracts/report_table.html`) asks of its page.
pub trait ReportTable: ContractText {
    fn headers(&self) -> Vec<&'static str> {
        REPORT_HEADERS.iter().map(|k| self.loc().t(k)).collect()
    }
    /// An area or an amount of the report, from its hundredths.
    fn hundredths(&self, n: &i64) -> String {
        centi(*n)
    }
}

impl ReportTable for ContractReport<'_> {}

/// The monthly report on paper, to sign and hand to finance (每月初将上月销售情况制成
/// 月报表交于财务).
#[derive(Template)]
#[template(path = "contracts/report_print.html")]
pub struct ContractReportPrint<'a> {
    pub ctx: &'a PageCtx,
    pub month: String,
    pub lines: Vec<ReportLine>,
    pub total: ReportLine,
}

impl ContractText for ContractReportPrint<'_> {
    fn loc(&self) -> crate::i18n::Locale {
        self.ctx.locale
    }
}

impl ReportTable for ContractReportPrint<'_> {}
