//! Registers cite the handbook clause they enforce ("依据：钥匙管理规定 2(1)②"). A page
//! names its clauses statically; the link resolves to the clause of the current
//! handbook version only when followed, so citing costs the page no query.
use serde::Deserialize;

/// A clause by its citation as the handbook prints it: the rule document's heading
/// and the clause number within it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cite {
    pub doc: &'static str,
    pub clause: &'static str,
    /// Words of the clause's text, where the book gives two clauses the same
    /// number ("人员构架、职责分工 5" is a duty of the supervisor's and of the
    /// specialists'): the link and the handbook's register links go to the clause
    /// saying them. Empty where the number alone is one clause.
    pub quote: &'static str,
}

impl Cite {
    /// The citation as the handbook shows it next to the clause.
    pub fn label(&self) -> String {
        if self.clause.is_empty() {
            self.doc.to_owned()
        } else if self.doc.is_empty() {
            // A clause of a part whose heading the source lost ("B4").
            self.clause.to_owned()
        } else {
            format!("{} {}", self.doc, self.clause)
        }
    }

    /// `/handbook/cite?c=…[&q=…]`: answered by a redirect to the clause.
    pub fn href(&self) -> String {
        let mut href = String::from("/handbook/cite?c=");
        href.extend(url::form_urlencoded::byte_serialize(
            self.label().as_bytes(),
        ));
        if !self.quote.is_empty() {
            href.push_str("&q=");
            href.extend(url::form_urlencoded::byte_serialize(self.quote.as_bytes()));
        }
        href
    }
}

/// A register page and the clauses it enforces. The handbook links each of those
/// clauses back to the page, for readers who may open it
/// (`handbook::registers`); each feature lists its own.
pub struct Enforcer {
    pub cites: &'static [Cite],
    pub href: &'static str,
    /// Catalog key of the page's title.
    pub title: &'static str,
    /// The right the page requires.
    pub right: crate::auth::Right,
    /// The register's live state the clause shows next to the link, if any.
    pub gauge: Option<Gauge>,
}

/// A register's live state, a count shown on the clauses it enforces ("逾期未还
/// 2"): every clause shows how its rule is kept right now. Each is kept in memory
/// by the feature that owns the register until its tables change or time moves it
/// (`handbook::registers::gauges`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Gauge {
    /// Key loans out past their due time (钥匙借用登记).
    KeyLoansOverdue,
    /// Papers in the archives past their retention date and not on hold, waiting
    /// for a destruction list (过期文件处理).
    ArchivesDue,
    /// Archive loans still out the day after their due date (文件借阅登记表).
    ArchiveLoansOverdue,
    /// Visits still being followed up (来访客户登记表).
    VisitsOpen,
    /// Proposed breaches waiting for a decision (违规处罚).
    ViolationsWaiting,
    /// Customers' matters not yet resolved (客户意见、要求、投诉).
    ComplaintsOpen,
    /// Sales contracts waiting too long for the department's next step
    /// (合同的备案及作废, 按揭贷款的后续服务, 房屋产权证的办理).
    ContractsWaiting,
}

impl Gauge {
    /// Catalog key of its phrase, with `{n}` for the count.
    pub fn label(self) -> &'static str {
        match self {
            Gauge::KeyLoansOverdue => "keys.gauge_overdue",
            Gauge::ArchivesDue => "archives.gauge_due",
            Gauge::ArchiveLoansOverdue => "archives.gauge_overdue",
            Gauge::VisitsOpen => "visits.gauge_open",
            Gauge::ViolationsWaiting => "violations.gauge_waiting",
            Gauge::ComplaintsOpen => "complaints.gauge_open",
            Gauge::ContractsWaiting => "contracts.gauge_waiting",
        }
    }

    /// Who may read the count: it counts the whole department's records, so
    /// only those who see all of that register (not those who see their own
    /// lines of it, as an employee sees their own key loans).
    pub fn right(self) -> crate::auth::Right {
        use crate::auth::Right;
        match self {
            Gauge::KeyLoansOverdue => Right::ViewKeys,
            Gauge::ArchivesDue | Gauge::ArchiveLoansOverdue => Right::ViewArchives,
            Gauge::VisitsOpen => Right::ViewVisits,
            Gauge::ViolationsWaiting => Right::ManageViolations,
            Gauge::ComplaintsOpen => Right::ManageComplaints,
            Gauge::ContractsWaiting => Right::ViewContracts,
        }
    }
}

/// A live count stops here: a page counts at most one more, and shows "99+".
pub const COUNT_CAP: i64 = 99;

/// A live count as pages show it: "99+" beyond [`COUNT_CAP`].
pub fn shown_count(n: i64) -> String {
    if n > COUNT_CAP {
        format!("{COUNT_CAP}+")
    } else {
        n.to_string()
    }
}

/// A count by the site's day as pages show it ("99+" beyond [`COUNT_CAP`]), from
/// `kept` until its topic changes or the site's day ends; `count` counts on a
/// given day up to one past the cap.
pub async fn shown_by_day<K, F>(
    kept: &crate::db::changes::KeptOn<K, i64>,
    key: K,
    now: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
    count: impl FnOnce(chrono::NaiveDate) -> F,
) -> diesel::QueryResult<String>
where
    K: std::hash::Hash + Eq + Send + Sync + 'static,
    F: std::future::Future<Output = diesel::QueryResult<i64>>,
{
    let today = now.with_timezone(&tz).date_naive();
    // When the site's next day begins: a count by the day changes then.
    let next_day = today.succ_opt().and_then(|d| crate::i18n::day_start(d, tz));
    let n = kept
        .get_until(key, now, async {
            Ok::<_, diesel::result::Error>((count(today).await?, next_day))
        })
        .await?;
    Ok(shown_count(*n))
}

/// The query of `/handbook/cite`.
#[derive(Deserialize)]
pub struct CiteQuery {
    #[serde(default)]
    pub c: String,
    /// The clause's words, among clauses printed with the same citation.
    #[serde(default)]
    pub q: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_citation_links_by_its_printed_form_and_quote() {
        let c = Cite {
            doc: "钥匙管理规定",
            clause: "2(1)②",
            quote: "",
        };
        assert_eq!(c.label(), "钥匙管理规定 2(1)②");
        assert_eq!(
            c.href(),
            "/handbook/cite?c=%E9%92%A5%E5%8C%99%E7%AE%A1%E7%90%86%E8%A7%84%E5%AE%9A+2%281%29%E2%91%A1"
        );
        // Two clauses printed alike: the quote goes along to pick one.
        let alike = Cite {
            clause: "5",
            doc: "人员构架、职责分工",
            quote: "投诉",
        };
        assert_eq!(alike.label(), "人员构架、职责分工 5");
        assert!(alike.href().ends_with("+5&q=%E6%8A%95%E8%AF%89"));
    }
}
