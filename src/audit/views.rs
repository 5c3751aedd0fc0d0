use askama::Template;

use super::queries::AuditRow;
use crate::web::PageCtx;

#[derive(Template)]
#[template(path = "audit/list.html")]
pub struct AuditList<'a> {
    pub ctx: &'a PageCtx,
    pub rows: Vec<AuditRow>,
    /// The people and document types the rows' details name by id.
    pub names: super::Names,
    pub actions: Vec<String>,
    /// The kinds of record the log names, for the filter's choice list.
    pub entities: Vec<&'static str>,
    pub q: &'a super::handlers::AuditQuery,
    /// Query string of the next (older) page, when there is one.
    pub older: Option<String>,
    pub date_error: bool,
    /// The filters as a query string, for the export links.
    pub filters: String,
}

impl AuditList<'_> {
    pub fn action<'c>(&self, code: &'c str) -> &'c str {
        super::action_label(self.ctx.locale, code)
    }

    pub fn address<'c>(&self, ip: &'c str) -> &'c str {
        super::address_label(self.ctx.locale, ip)
    }

    pub fn entity<'c>(&self, code: &'c str) -> &'c str {
        super::entity_label(self.ctx.locale, code)
    }

    /// Each field of the line's details, named in the reader's language.
    pub fn details(&self, row: &AuditRow) -> Vec<(String, String)> {
        super::Reader {
            loc: self.ctx.locale,
            tz: self.ctx.tz,
            names: &self.names,
        }
        .lines(&row.action, &row.details)
    }
}
