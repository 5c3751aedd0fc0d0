//! The month's statistics: each kind by channel, how many resolved and how fast.
use super::forms::{CHANNELS, KINDS};
use super::models::StatCell;

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
}

#[derive(Debug, PartialEq)]
pub struct Stats {
    pub rows: Vec<StatRow>,
    /// The last line: every kind.
    pub all: StatRow,
}

fn row(kind: &'static str, cells: &[&StatCell]) -> StatRow {
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
    }
}

/// The table from the month's cells (every kind, even those with none).
pub fn tally(cells: &[StatCell]) -> Stats {
    let rows = KINDS
        .iter()
        .map(|k| {
            let mine: Vec<&StatCell> = cells.iter().filter(|c| c.kind == *k).collect();
            row(k, &mine)
        })
        .collect();
    let every: Vec<&StatCell> = cells.iter().collect();
    Stats {
        rows,
        all: row("all", &every),
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

    #[test]
    fn kinds_are_counted_by_channel_with_the_mean_time_to_resolve() {
        let s = tally(&[
            cell("complaint", "phone", 3, 2, 10.0),
            cell("complaint", "visit", 1, 0, 0.0),
            cell("inquiry", "online", 4, 4, 2.0),
        ]);
        let complaint = s.rows.iter().find(|r| r.kind == "complaint").unwrap();
        assert_eq!(complaint.by_channel, [1, 3, 0, 0, 0]);
        assert_eq!((complaint.total, complaint.resolved), (4, 2));
        assert_eq!(complaint.mean_hours, Some(5.0));
        let opinion = s.rows.iter().find(|r| r.kind == "opinion").unwrap();
        assert_eq!((opinion.total, opinion.mean_hours), (0, None));
        assert_eq!(s.all.by_channel, [1, 3, 4, 0, 0]);
        assert_eq!((s.all.total, s.all.resolved), (8, 6));
        assert_eq!(s.all.mean_hours, Some(2.0));
    }
}
