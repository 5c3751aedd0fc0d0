//! The month's statistics: each kind by channel, how many resolved and how fast;
//! and what the month did whenever a matter was received: how many it
//! resolved, how many were left open at its end.
use super::forms::{CHANNELS, KINDS};
use super::models::{FlowCell, StatCell};

/// A kind's line of the table.
#[derive(Debug, PartialEq)]
pub struct StatRow {
    pub kind: &'static str,
    /// Counts in the order of [`CHANNELS`].
    pub by_channel: Vec<i64>,
    pub total: i64,
    pub resolved: i64,
    /// Mean hours from receipt to resolution, of those resolved.
    pub mean_hours: Option<f64>,
    /// Resolved in the month, whenever received.
    pub resolved_in_month: i64,
    /// Received by the month's end and not resolved by then.
    pub open_at_end: i64,
}

#[derive(Debug, PartialEq)]
pub struct Stats {
    pub rows: Vec<StatRow>,
    /// The last line: every kind.
    pub all: StatRow,
}

fn row(kind: &'static str, cells: &[&StatCell], flow: &[&FlowCell]) -> StatRow {
    let by_channel = CHANNELS
        .iter()
        .map(|ch| {
            cells
                .iter()
                .filter(|c| c.channel == *ch)
                .map(|c| c.total)
                .sum()
        })
        .collect();
    let total = cells.iter().map(|c| c.total).sum();
    let resolved: i64 = cells.iter().map(|c| c.resolved).sum();
    let hours: f64 = cells.iter().map(|c| c.hours_to_resolve).sum();
    StatRow {
        kind,
        by_channel,
        total,
        resolved,
        mean_hours: (resolved > 0).then(|| hours / resolved as f64),
        resolved_in_month: flow.iter().map(|f| f.resolved_in_month).sum(),
        open_at_end: flow.iter().map(|f| f.open_at_end).sum(),
    }
}

/// The table from the month's cells and flow (every kind, even those with none).
pub fn tally(cells: &[StatCell], flow: &[FlowCell]) -> Stats {
    let rows = KINDS
        .iter()
        .map(|k| {
            let mine: Vec<&StatCell> = cells.iter().filter(|c| c.kind == *k).collect();
            let moved: Vec<&FlowCell> = flow.iter().filter(|f| f.kind == *k).collect();
            row(k, &mine, &moved)
        })
        .collect();
    let every: Vec<&StatCell> = cells.iter().collect();
    let all_moved: Vec<&FlowCell> = flow.iter().collect();
    Stats {
        rows,
        all: row("all", &every, &all_moved),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cell(kind: &str, channel: &str, total: i64, resolved: i64, hours: f64) -> StatCell {
        StatCell {
            kind: kind.into(),
            channel: channel.into(),
            total,
            resolved,
            hours_to_resolve: hours,
        }
    }

    fn flow(kind: &str, resolved_in_month: i64, open_at_end: i64) -> FlowCell {
        FlowCell {
            kind: kind.into(),
            resolved_in_month,
            open_at_end,
        }
    }

    #[test]
    fn kinds_are_counted_by_channel_with_the_mean_time_to_resolve() {
        let s = tally(
            &[
                cell("complaint", "phone", 3, 2, 10.0),
                cell("complaint", "visit", 1, 0, 0.0),
                cell("inquiry", "online", 4, 4, 2.0),
            ],
            &[flow("complaint", 3, 5), flow("inquiry", 4, 0)],
        );
        let complaint = s.rows.iter().find(|r| r.kind == "complaint").unwrap();
        assert_eq!(complaint.by_channel, [1, 3, 0, 0, 0]);
        assert_eq!((complaint.total, complaint.resolved), (4, 2));
        assert_eq!(complaint.mean_hours, Some(5.0));
        let opinion = s.rows.iter().find(|r| r.kind == "opinion").unwrap();
        assert_eq!((opinion.total, opinion.mean_hours), (0, None));
        assert_eq!(s.all.by_channel, [1, 3, 4, 0, 0]);
        assert_eq!((s.all.total, s.all.resolved), (8, 6));
        assert_eq!(s.all.mean_hours, Some(2.0));
        assert_eq!((complaint.resolved_in_month, complaint.open_at_end), (3, 5));
        assert_eq!((opinion.resolved_in_month, opinion.open_at_end), (0, 0));
        assert_eq!((s.all.resolved_in_month, s.all.open_at_end), (7, 5));
    }
}
