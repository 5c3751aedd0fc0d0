//! The rule book's fines (日常管理 2 违规处罚, and the one fine 接待来访客户管理规定 3
//! names), as data: which clauses each schedule covers and what the n-th
//! confirmed breach under it costs. Clauses the book names no fine for fall under
//! [`UNSCHEDULED`]: the one who confirms sets the fine, none by default.
use std::collections::HashMap;
use std::sync::LazyLock;

use crate::web::cite::Cite;

/// The section of the book with the conduct rules and their fines.
pub const CONDUCT: &str = "日常管理";
/// Where the reception rules are.
pub const RECEPTION: &str = "接待来访客户管理规定";

/// From the n-th confirmed breach under a schedule (1 for the first), this.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tier {
    pub from: i32,
    /// Fine in fen (分); a multiple of the call's cost for [`Fine::CallCost`].
    pub fine: Fine,
    pub suspension_days: i32,
    pub dismissal: bool,
    /// 通报批评: the breach is made known to the department.
    pub reprimand: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fine {
    /// A fixed amount in fen.
    Fen(i64),
    /// This many times the private call's cost (日常管理 2(4)).
    CallCost(i64),
    /// Set by the one who confirms (the book names no fine).
    Decided,
}

/// A fine schedule: the clauses it covers, the clause that sets it, its tiers.
#[derive(Debug)]
pub struct Schedule {
    pub code: &'static str,
    pub covers: &'static [Cite],
    /// The clause that names the fine; none for [`UNSCHEDULED`].
    pub rule: Option<Cite>,
    pub tiers: &'static [Tier],
}

const fn c(doc: &'static str, clause: &'static str) -> Cite {
    Cite {
        doc,
        clause,
        quote: "",
    }
}

const fn tier(from: i32, fine: Fine, suspension_days: i32, dismissal: bool) -> Tier {
    Tier {
        from,
        fine,
        suspension_days,
        dismissal,
        reprimand: false,
    }
}

impl Tier {
    /// The same tier, with a 通报批评 besides.
    const fn reprimanded(self) -> Tier {
        Tier {
            reprimand: true,
            ..self
        }
    }
}

/// 日常管理 2(1): rules 1–11, 20元/次; 三次以上 (from the fourth, as SPEC reads
/// "以上": more than three) 50元/次.
const CONDUCT_RULES: &[Cite] = &[
    c(CONDUCT, "1(1)"),
    c(CONDUCT, "1(2)"),
    c(CONDUCT, "1(3)"),
    c(CONDUCT, "1(4)"),
    c(CONDUCT, "1(5)"),
    c(CONDUCT, "1(6)"),
    c(CONDUCT, "1(7)"),
    c(CONDUCT, "1(8)"),
    c(CONDUCT, "1(9)"),
    c(CONDUCT, "1(10)"),
    c(CONDUCT, "1(11)"),
];

/// Clauses the book names no fine for, that kefu proposes breaches of or that a
/// supervisor may cite: the office rules, the reception rules, the key register.
const OTHER_RULES: &[Cite] = &[
    c("办公环境管理规定", "1"),
    c("办公环境管理规定", "2"),
    c("办公环境管理规定", "3"),
    c("办公环境管理规定", "4"),
    c("办公环境管理规定", "5"),
    c("办公环境管理规定", "6"),
    c("办公环境管理规定", "7"),
    c("办公环境管理规定", "8"),
    c("办公环境管理规定", "9"),
    c("办公环境管理规定", "10"),
    c("办公环境管理规定", "11"),
    c("办公环境管理规定", "12"),
    c(RECEPTION, "1"),
    c(RECEPTION, "2"),
    c(RECEPTION, "4"),
    c(RECEPTION, "5"),
    c(RECEPTION, "6"),
    c(RECEPTION, "7"),
    c(RECEPTION, "8"),
    c(RECEPTION, "9"),
    c("钥匙管理规定", "2(1)①"),
    c("钥匙管理规定", "2(1)②"),
    c("钥匙管理规定", "3(1)"),
    c("钥匙管理规定", "3(2)②"),
    c("钥匙管理规定", "3(2)③"),
];

/// The clause a late visitor register breaches.
pub const LATE_VISIT: Cite = c(RECEPTION, "4");
/// The clause leave recorded after the fact breaches: 请假条 a day ahead.
pub const LATE_LEAVE: Cite = c("办公环境管理规定", "1");
/// The clause a key kept past its due time breaches: the loan's registration.
pub const KEY_OVERDUE: Cite = c("钥匙管理规定", "2(1)②");

pub const UNSCHEDULED: &str = "unscheduled";

pub const SCHEDULES: &[Schedule] = &[
    Schedule {
        code: "conduct",
        covers: CONDUCT_RULES,
        rule: Some(c(CONDUCT, "2(1)")),
        tiers: &[
            tier(1, Fine::Fen(2000), 0, false),
            tier(4, Fine::Fen(5000), 0, false),
        ],
    },
    // 2(2): rule 12, 停岗一天 and 100元/次; 二次以上 (from the third) 辞退.
    Schedule {
        code: "drinking",
        covers: &[c(CONDUCT, "1(12)")],
        rule: Some(c(CONDUCT, "2(2)")),
        tiers: &[
            tier(1, Fine::Fen(10000), 1, false),
            tier(3, Fine::Fen(0), 0, true),
        ],
    },
    // 2(3): rule 13, 辞退.
    Schedule {
        code: "discord",
        covers: &[c(CONDUCT, "1(13)")],
        rule: Some(c(CONDUCT, "2(3)")),
        tiers: &[tier(1, Fine::Fen(0), 0, true)],
    },
    // 2(4): rule 14, the call repaid and twice its cost as the fine.
    Schedule {
        code: "calls",
        covers: &[c(CONDUCT, "1(14)")],
        rule: Some(c(CONDUCT, "2(4)")),
        tiers: &[tier(1, Fine::CallCost(2), 0, false)],
    },
    // 2(5): rule 15, 100元/次; 二次以上 (from the third) 辞退.
    Schedule {
        code: "quarrel",
        covers: &[c(CONDUCT, "1(15)")],
        rule: Some(c(CONDUCT, "2(5)")),
        tiers: &[
            tier(1, Fine::Fen(10000), 0, false),
            tier(3, Fine::Fen(0), 0, true),
        ],
    },
    // 接待来访客户管理规定 3: 罚款10元并通报批评一次.
    Schedule {
        code: "reception",
        covers: &[c(RECEPTION, "3")],
        rule: Some(c(RECEPTION, "3")),
        tiers: &[tier(1, Fine::Fen(1000), 0, false).reprimanded()],
    },
    Schedule {
        code: UNSCHEDULED,
        covers: OTHER_RULES,
        rule: None,
        tiers: &[tier(1, Fine::Decided, 0, false)],
    },
];

/// Each covered clause's schedule, by the clause's printed citation: a document
/// page asks for every clause it shows.
static BY_CITATION: LazyLock<HashMap<String, (&'static Schedule, Cite)>> = LazyLock::new(|| {
    let mut map = HashMap::new();
    for s in SCHEDULES {
        for c in s.covers {
            // The first schedule covering a clause is the one that counts.
            map.entry(c.label()).or_insert((s, *c));
        }
    }
    map
});

/// The schedule that covers a clause, by its printed citation.
pub fn for_clause(label: &str) -> Option<(&'static Schedule, Cite)> {
    BY_CITATION.get(label).copied()
}

pub fn by_code(code: &str) -> Option<&'static Schedule> {
    SCHEDULES.iter().find(|s| s.code == code)
}

/// What a confirmed breach costs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub offence_no: i32,
    pub fine_fen: i64,
    pub suspension_days: i32,
    pub dismissal: bool,
    /// Made known to the department (通报批评); not stored: the schedule's tier
    /// says it.
    pub reprimand: bool,
}

impl Schedule {
    /// The tier the `offence_no`-th breach falls in.
    pub fn tier(&self, offence_no: i32) -> Tier {
        self.tiers
            .iter()
            .rev()
            .find(|t| offence_no >= t.from)
            .or(self.tiers.first())
            .copied()
            .unwrap_or(tier(1, Fine::Decided, 0, false))
    }

    /// Whether confirming needs the call's cost.
    pub fn needs_charge(&self) -> bool {
        self.tiers
            .iter()
            .any(|t| matches!(t.fine, Fine::CallCost(_)))
    }

    /// Whether breaches are counted clause by clause rather than across the
    /// schedule: the clauses of [`UNSCHEDULED`] share nothing but a lack of
    /// fine, so a late visitor register is not a second late leave record.
    pub fn counted_by_clause(&self) -> bool {
        self.code == UNSCHEDULED
    }

    /// Whether the one who confirms sets the fine.
    pub fn decided(&self) -> bool {
        self.tiers.iter().any(|t| t.fine == Fine::Decided)
    }

    /// The breach after `prior` confirmed ones, with the call's cost (for
    /// [`Fine::CallCost`]) and the fine set by whoever confirms (for
    /// [`Fine::Decided`]).
    pub fn outcome(&self, prior: i64, charge_fen: Option<i64>, decided_fen: i64) -> Outcome {
        let offence_no = i32::try_from(prior.saturating_add(1)).unwrap_or(i32::MAX);
        let t = self.tier(offence_no);
        let fine_fen = match t.fine {
            Fine::Fen(f) => f,
            Fine::CallCost(m) => charge_fen.unwrap_or(0).saturating_mul(m),
            Fine::Decided => decided_fen,
        };
        Outcome {
            offence_no,
            fine_fen,
            suspension_days: t.suspension_days,
            dismissal: t.dismissal,
            reprimand: t.reprimand,
        }
    }
}

/// Fen as the pages write money: "20" or "12.50" (元 added by the catalog).
pub fn yuan(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "" };
    let (whole, part) = (fen.unsigned_abs() / 100, fen.unsigned_abs() % 100);
    if part == 0 {
        format!("{sign}{whole}")
    } else {
        format!("{sign}{whole}.{part:02}")
    }
}

/// An amount in 元 as typed ("20", "12.5", "12.50"), in fen; None when it is
/// not a non-negative amount with at most two decimals.
pub fn parse_yuan(s: &str) -> Option<i64> {
    let s = s.trim().trim_end_matches('元').trim();
    let (whole, part) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() && part.is_empty()
        || !whole.chars().all(|c| c.is_ascii_digit())
        || !part.chars().all(|c| c.is_ascii_digit())
        || part.len() > 2
        || whole.len() > 9
    {
        return None;
    }
    let whole: i64 = if whole.is_empty() {
        0
    } else {
        whole.parse().ok()?
    };
    let part: i64 = match part.len() {
        0 => 0,
        1 => part.parse::<i64>().ok()? * 10,
        _ => part.parse().ok()?,
    };
    Some(whole * 100 + part)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sched(code: &str) -> &'static Schedule {
        by_code(code).unwrap()
    }

    #[test]
    fn conduct_costs_twenty_then_fifty_from_the_fourth_time() {
        let s = sched("conduct");
        let fines: Vec<i64> = (0..5).map(|p| s.outcome(p, None, 0).fine_fen).collect();
        assert_eq!(fines, [2000, 2000, 2000, 5000, 5000]);
        assert_eq!(s.outcome(3, None, 0).offence_no, 4);
    }

    #[test]
    fn drinking_suspends_then_dismisses_from_the_third_time() {
        let s = sched("drinking");
        let first = s.outcome(0, None, 0);
        assert_eq!(
            (first.fine_fen, first.suspension_days, first.dismissal),
            (10000, 1, false)
        );
        assert!(!s.outcome(1, None, 0).dismissal);
        assert!(s.outcome(2, None, 0).dismissal);
    }

    #[test]
    fn a_reception_breach_costs_ten_yuan_and_a_reprimand() {
        let o = sched("reception").outcome(0, None, 0);
        assert_eq!((o.fine_fen, o.reprimand), (1000, true));
        assert!(!sched("conduct").outcome(0, None, 0).reprimand);
        let text = crate::violations::views::penalty(crate::i18n::Locale::ZhCn, &o, None);
        assert_eq!(text, "罚款 10 元；通报批评一次");
    }

    #[test]
    fn a_private_call_costs_twice_its_charge() {
        let s = sched("calls");
        assert!(s.needs_charge());
        assert_eq!(s.outcome(5, Some(1234), 0).fine_fen, 2468);
    }

    #[test]
    fn clauses_find_their_schedule() {
        assert_eq!(for_clause("日常管理 1(7)").unwrap().0.code, "conduct");
        assert_eq!(for_clause("日常管理 1(12)").unwrap().0.code, "drinking");
        assert_eq!(
            for_clause("接待来访客户管理规定 4").unwrap().0.code,
            UNSCHEDULED
        );
        assert!(for_clause("日常管理 2(1)").is_none());
        assert!(sched(UNSCHEDULED).decided());
        assert_eq!(sched(UNSCHEDULED).outcome(9, None, 1500).fine_fen, 1500);
    }

    #[test]
    fn every_clause_is_in_one_schedule() {
        let mut seen = std::collections::HashSet::new();
        for s in SCHEDULES {
            for c in s.covers {
                assert!(seen.insert(c.label()), "{} twice", c.label());
            }
        }
        assert!(seen.contains(&LATE_VISIT.label()) && seen.contains(&KEY_OVERDUE.label()));
    }

    #[test]
    fn money_reads_and_writes_in_yuan() {
        assert_eq!(yuan(-17), "-0.17");
        assert_eq!(yuan(-1250), "-12.50");
        assert_eq!(parse_yuan("20"), Some(2000));
        assert_eq!(parse_yuan(" 12.5 元"), Some(1250));
        assert_eq!(parse_yuan("0.05"), Some(5));
        assert_eq!(parse_yuan("-1"), None);
        assert_eq!(parse_yuan("1.234"), None);
        assert_eq!(parse_yuan("abc"), None);
        assert_eq!(parse_yuan(""), None);
        assert_eq!(parse_yuan("."), None);
        assert_eq!(yuan(2000), "20");
        assert_eq!(yuan(1250), "12.50");
    }
}
