use askama::Template;

use crate::archives::models::BorrowRow;
use crate::complaints::models::ComplaintLine;
use crate::keys::models::LoanLine;
use crate::leave::models::LeaveWithName;
use crate::violations::models::ViolationLine;
use crate::visits::models::VisitLine;
use crate::web::cite::Cite;
use crate::web::PageCtx;

/// A section's lines, and whether the register holds more than the sheet lists.
pub struct Section<T> {
    pub rows: Vec<T>,
    pub more: bool,
}

impl<T> Section<T> {
    pub fn of(mut rows: Vec<T>) -> Section<T> {
        let more = crate::web::trim_page(&mut rows, super::LINES as usize).is_some();
        Section { rows, more }
    }
}

#[derive(Template)]
#[template(path = "meetings/morning.html")]
pub struct Morning<'a> {
    pub ctx: &'a PageCtx,
    pub today: String,
    pub away: Section<LeaveWithName>,
    pub keys: Section<LoanLine>,
    pub borrows: Section<BorrowRow>,
    /// Papers past retention, as counted ("99+").
    pub due_papers: String,
    pub late_visits: Section<VisitLine>,
    pub waiting_visits: Section<VisitLine>,
    pub stale_days: i64,
    /// Proposed breaches, for readers who decide them.
    pub breaches: Option<Section<ViolationLine>>,
    /// Customers' matters not yet assigned, for readers who assign them.
    pub unassigned: Option<Section<ComplaintLine>>,
    pub cites: &'static [Cite],
    /// Which registers this reader may open: the sheet links only to those.
    pub keys_open: bool,
    pub archives_open: bool,
    pub visits_open: bool,
}

impl Morning<'_> {
    pub fn leave_type(&self, code: &str) -> &'static str {
        self.ctx.locale.t(&crate::leave::type_key(code))
    }
    pub fn complaint_kind(&self, code: &str) -> &'static str {
        self.ctx.locale.t_in("complaints.kind", code)
    }
    pub fn keys_of(&self, l: &LoanLine) -> String {
        l.keys
            .iter()
            .map(|k| k.label.as_str())
            .collect::<Vec<_>>()
            .join(self.ctx.t("paper.list_separator"))
    }
}
