//! Clause → register links. Each register names the clauses it enforces
//! ([`Enforcer`]); a clause shows a link to every register that cites it, to the
//! readers who may open that register. The registers cite by the clause's printed
//! citation, so the links hold across versions as the citations do. A register
//! with a live state ([`Gauge`]) shows it on the link: "到期待销毁 · 现有 3 份".
use std::collections::HashMap;
use std::sync::LazyLock;

use super::models::{ClauseLink, ClauseRow, SectionView};
use crate::auth::Right;
use crate::db::Read;
use crate::i18n::Locale;
use crate::web::cite::{Cite, Enforcer, Gauge};

/// Every feature's registers: a feature with a register adds its list here.
const FEATURES: [&[Enforcer]; 8] = [
    crate::keys::ENFORCERS,
    crate::archives::ENFORCERS,
    crate::leave::ENFORCERS,
    crate::visits::ENFORCERS,
    crate::meetings::ENFORCERS,
    crate::violations::ENFORCERS,
    crate::complaints::ENFORCERS,
    crate::contracts::ENFORCERS,
];

/// The registers citing each clause, by its citation ("钥匙管理规定 2(1)②", as
/// the book's first version printed it: a clause's `cited_as`), with the
/// citation (its quote tells apart clauses printed alike).
static BY_CITATION: LazyLock<HashMap<String, Vec<(&'static Enforcer, &'static Cite)>>> =
    LazyLock::new(|| {
        let mut map: HashMap<String, Vec<(&'static Enforcer, &'static Cite)>> = HashMap::new();
        for e in FEATURES.iter().flat_map(|f| f.iter()) {
            for c in e.cites {
                map.entry(c.label()).or_default().push((e, c));
            }
        }
        map
    });

/// The registers enforcing `clause`, one per page.
fn enforcers(clause: &ClauseRow) -> Vec<&'static Enforcer> {
    let mut pages: Vec<&'static Enforcer> = Vec::new();
    for (e, c) in BY_CITATION.get(&clause.cited_as).into_iter().flatten() {
        // The map's key is the clause's citation: only the quote is left to check.
        if clause.body.contains(c.quote) && !pages.iter().any(|p| p.href == e.href) {
            pages.push(e);
        }
    }
    pages
}

/// The rights of the registers enforcing `clause`: the posts holding one use it.
pub fn rights_enforcing(clause: &ClauseRow) -> Vec<Right> {
    enforcers(clause).into_iter().map(|e| e.right).collect()
}

/// Where each register's live state is kept: the feature's own memory of it,
/// shared with the register's page.
pub struct Gauges {
    pub overdue_loans: actix_web::web::Data<crate::keys::queries::KeptOverdue>,
    pub due_papers: actix_web::web::Data<crate::archives::queries::KeptDue>,
    pub overdue_borrows: actix_web::web::Data<crate::archives::queries::KeptOverdueBorrows>,
    pub open_visits: actix_web::web::Data<crate::visits::queries::KeptOpen>,
    pub waiting_violations: actix_web::web::Data<crate::violations::queries::KeptWaiting>,
    pub open_complaints: actix_web::web::Data<crate::complaints::queries::KeptOpen>,
    pub waiting_contracts: actix_web::web::Data<crate::contracts::queries::KeptWaiting>,
}

/// What the code links from a version's clauses: the registers enforcing each
/// clause and the clause naming the fine for breaking it. It depends only on the
/// clauses (the registers and fine schedules are compiled in), so a published
/// version's plan is made once and kept beside its content
/// (`PublishedContent::plan`); a reader's links are then a filter of it.
#[derive(Default)]
pub struct Plan {
    clauses: Vec<Planned>,
    /// The rights of every register in the plan, each once: what a reader's
    /// links depend on besides the live states.
    rights: Vec<Right>,
}

struct Planned {
    anchor: String,
    registers: Vec<&'static Enforcer>,
    /// The link to the clause naming the fine (日常管理 2(1) for rules 1(1) to
    /// 1(11)), shown to every reader: the book is everyone's.
    penalty: Option<ClauseLink>,
}

impl Plan {
    pub fn new(content: &[SectionView]) -> Plan {
        let mut plan = Plan::default();
        for clause in content.iter().flat_map(|s| &s.clauses) {
            let registers = enforcers(clause);
            let penalty = crate::violations::schedule::for_clause(&clause.cited_as)
                .and_then(|(s, _)| s.rule.as_ref())
                .map(|rule| (rule.label(), rule))
                .filter(|(label, _)| *label != clause.cited_as)
                .map(|(label, rule)| ClauseLink {
                    anchor: clause.anchor.clone(),
                    kind: "penalty".into(),
                    label,
                    href: rule.href(),
                });
            if registers.is_empty() && penalty.is_none() {
                continue;
            }
            for right in registers
                .iter()
                .flat_map(|e| [Some(e.right), e.gauge.map(Gauge::right)])
                .flatten()
            {
                if !plan.rights.contains(&right) {
                    plan.rights.push(right);
                }
            }
            plan.clauses.push(Planned {
                anchor: clause.anchor.clone(),
                registers,
                penalty,
            });
        }
        plan
    }

    /// Which of the plan's rights this reader holds, one bit each in the order
    /// of `rights`: asked once a request, not once a link.
    pub fn allowed(&self, may: impl Fn(Right) -> bool) -> Allowed {
        let mut bits = 0u64;
        for (i, r) in self.rights.iter().enumerate() {
            if may(*r) {
                bits |= 1 << i;
            }
        }
        Allowed(bits)
    }

    fn may(&self, allowed: Allowed, right: Right) -> bool {
        let i = self.rights.iter().position(|r| *r == right);
        i.is_some_and(|i| allowed.0 & (1 << i) != 0)
    }

    /// The live states the reader's registers show, each once.
    pub fn gauges(&self, allowed: Allowed) -> Vec<Gauge> {
        let mut needed: Vec<Gauge> = self
            .clauses
            .iter()
            .flat_map(|c| &c.registers)
            .filter(|e| self.may(allowed, e.right))
            .filter_map(|e| e.gauge)
            .filter(|g| self.may(allowed, g.right()))
            .collect();
        needed.sort_unstable_by_key(|g| *g as u8);
        needed.dedup();
        needed
    }

    /// The links of the version's clauses for this reader: the `stored` ones
    /// (`handbook_clause_links`), one to each register enforcing the clause
    /// that the reader may open, with its live state from `shown`, and the one
    /// to the clause naming the fine.
    pub fn links(
        &self,
        stored: &HashMap<String, Vec<ClauseLink>>,
        loc: Locale,
        allowed: Allowed,
        shown: &HashMap<Gauge, String>,
    ) -> HashMap<String, Vec<ClauseLink>> {
        let mut links = stored.clone();
        for clause in &self.clauses {
            let mine = links.entry(clause.anchor.clone()).or_default();
            for e in clause
                .registers
                .iter()
                .filter(|e| self.may(allowed, e.right))
            {
                mine.push(ClauseLink {
                    anchor: clause.anchor.clone(),
                    kind: "register".into(),
                    label: match e
                        .gauge
                        .filter(|g| self.may(allowed, g.right()))
                        .and_then(|g| Some((g, shown.get(&g)?)))
                    {
                        Some((g, n)) => {
                            let n: &dyn std::fmt::Display = n;
                            format!("{} · {}", loc.t(e.title), loc.tf(g.label(), &[("n", n)]))
                        }
                        None => loc.t(e.title).into(),
                    },
                    href: e.href.into(),
                });
            }
            mine.extend(clause.penalty.clone());
        }
        links
    }

    /// What tells apart the links [`Plan::links`] makes for one version: the
    /// stored links, the reader's rights and the live states. A rendered
    /// version is kept under it, so a request that finds it builds no link.
    pub fn key(
        &self,
        stored: &HashMap<String, Vec<ClauseLink>>,
        allowed: Allowed,
        shown: &HashMap<Gauge, String>,
    ) -> u64 {
        use std::hash::{Hash, Hasher};
        let mut h = std::hash::DefaultHasher::new();
        let mut stored: Vec<&ClauseLink> = stored.values().flatten().collect();
        stored.sort_unstable_by(|a, b| (&a.anchor, &a.href).cmp(&(&b.anchor, &b.href)));
        for l in stored {
            (&l.anchor, &l.kind, &l.label, &l.href).hash(&mut h);
        }
        allowed.hash(&mut h);
        let mut shown: Vec<(&Gauge, &String)> = shown.iter().collect();
        shown.sort_unstable_by_key(|(g, _)| **g as u8);
        shown.hash(&mut h);
        h.finish()
    }
}

/// A reader's rights among a plan's registers ([`Plan::allowed`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Allowed(u64);

/// The live states `needed` (from [`Plan::gauges`]), as the links show each count.
pub async fn gauges(
    conn: &mut impl Read,
    kept: &Gauges,
    needed: &[Gauge],
    tz: chrono_tz::Tz,
) -> diesel::QueryResult<HashMap<Gauge, String>> {
    let now = chrono::Utc::now();
    let mut shown = HashMap::new();
    for &g in needed {
        let n = match g {
            Gauge::KeyLoansOverdue => {
                crate::keys::queries::overdue_shown(conn, &kept.overdue_loans, now).await?
            }
            Gauge::ArchivesDue => {
                crate::archives::queries::due_shown(conn, &kept.due_papers, now, tz).await?
            }
            Gauge::ArchiveLoansOverdue => {
                crate::archives::queries::overdue_shown(conn, &kept.overdue_borrows, now, tz)
                    .await?
            }
            Gauge::VisitsOpen => {
                crate::visits::queries::open_shown(conn, &kept.open_visits).await?
            }
            Gauge::ViolationsWaiting => {
                crate::violations::queries::waiting_shown(conn, &kept.waiting_violations).await?
            }
            Gauge::ComplaintsOpen => {
                crate::complaints::queries::open_shown(conn, &kept.open_complaints).await?
            }
            Gauge::ContractsWaiting => {
                crate::contracts::queries::waiting_shown(conn, &kept.waiting_contracts, now, tz)
                    .await?
            }
        };
        shown.insert(g, n);
    }
    Ok(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_register_cites_a_clause_and_names_a_page_in_both_languages() {
        let all: Vec<&Enforcer> = FEATURES.iter().flat_map(|f| f.iter()).collect();
        assert!(all.len() >= 10);
        for e in all {
            assert!(!e.cites.is_empty(), "{}", e.href);
            assert!(e.href.starts_with('/'), "{}", e.href);
            for loc in [Locale::ZhCn, Locale::En] {
                assert_ne!(
                    loc.t(e.title),
                    "\u{2047}",
                    "{} has a title in {loc:?}",
                    e.href
                );
            }
        }
        // Each cited clause is in the seed handbook; where a quote tells apart
        // clauses printed alike, it names exactly one.
        let docs = super::super::import::parse(super::super::SEED_TEXT, "规章制度");
        let clauses: Vec<_> = docs
            .iter()
            .flat_map(|d| &d.sections)
            .flat_map(|s| &s.clauses)
            .collect();
        for c in FEATURES.iter().flat_map(|f| f.iter()).flat_map(|e| e.cites) {
            let named = clauses
                .iter()
                .filter(|k| k.citation == c.label() && k.body.contains(c.quote))
                .count();
            if c.quote.is_empty() {
                assert!(named >= 1, "{} is in the seed handbook", c.label());
            } else {
                assert_eq!(named, 1, "{} «{}»", c.label(), c.quote);
            }
        }
        // A plan keeps a reader's rights among its registers in one u64.
        let mut rights: Vec<Right> = Vec::new();
        for e in FEATURES.iter().flat_map(|f| f.iter()) {
            if !rights.contains(&e.right) {
                rights.push(e.right);
            }
        }
        assert!(rights.len() <= 64, "{} rights", rights.len());
        let mut pages: Vec<&str> = BY_CITATION["钥匙管理规定 2(1)②"]
            .iter()
            .map(|(e, _)| e.href)
            .collect();
        pages.dedup();
        assert_eq!(pages, vec!["/keys/loans"]);
    }
}
