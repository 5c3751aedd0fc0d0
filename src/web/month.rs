//! A register shown a month at a time, newest first, a page at a time: its query
//! (`?month=YYYY-MM&show=…&before=…`) as the visitor and complaint registers
//! keep it, for the page, its print and its exports alike.
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Deserialize;

#[derive(Deserialize, Default, Debug)]
pub struct MonthQuery {
    #[serde(default)]
    pub month: String,
    #[serde(default)]
    pub show: String,
    #[serde(default)]
    pub before: String,
}

impl MonthQuery {
    /// The first day of the month shown: the site's current month unless a
    /// valid `YYYY-MM` is asked.
    pub fn month(&self, today: NaiveDate) -> NaiveDate {
        self.asked()
            .unwrap_or_else(|| today.with_day(1).unwrap_or(today))
    }

    /// The first day of the month asked, if a valid `YYYY-MM` is.
    pub fn asked(&self) -> Option<NaiveDate> {
        super::form::date(&format!("{}-01", self.month.trim()))
    }

    /// The filter asked, if it is one of `shows`; else the first of them.
    pub fn show(&self, shows: &[&'static str]) -> &'static str {
        shows
            .iter()
            .find(|s| **s == self.show)
            .or(shows.first())
            .copied()
            .unwrap_or("")
    }

    /// Where the next page starts: after this (instant, id), from [`cursor_of`].
    pub fn cursor(&self) -> Option<(DateTime<Utc>, i64)> {
        parse_cursor(&self.before)
    }

    /// `month=…&show=…` as the page keeps them (and hands to print and exports).
    pub fn query(&self, month: NaiveDate, shows: &[&'static str]) -> String {
        self.query_of(Some(month), shows)
    }

    /// [`MonthQuery::query`] of a register that lists every month when none
    /// is asked (`month=` empty).
    pub fn query_of(&self, month: Option<NaiveDate>, shows: &[&'static str]) -> String {
        format!("month={}&show={}", text(month), self.show(shows))
    }
}

/// `YYYY-MM`, or empty for every month.
pub fn text(month: Option<NaiveDate>) -> String {
    month
        .map(|m| m.format("%Y-%m").to_string())
        .unwrap_or_default()
}

/// The month a print names: `YYYY-MM`, or "every month" in `loc`.
pub fn label(month: Option<NaiveDate>, loc: crate::i18n::Locale) -> String {
    month.map_or_else(
        || loc.t("form.every_month").to_owned(),
        |m| m.format("%Y-%m").to_string(),
    )
}

/// The `before=` value of a page whose last line is (`at`, `id`).
pub fn cursor_of(at: DateTime<Utc>, id: i64) -> String {
    format!("{}.{id}", at.timestamp_micros())
}

/// The (instant, id) of a `before=` value from [`cursor_of`]. Anything else, or
/// an instant outside the years a form accepts ([`super::form::YEARS`]; the
/// database refuses years before 4713 BC), is no cursor: the first page.
pub fn parse_cursor(before: &str) -> Option<(DateTime<Utc>, i64)> {
    let (t, id) = before.split_once('.')?;
    let t = DateTime::from_timestamp_micros(t.parse().ok()?)?;
    super::form::YEARS.contains(&t.year()).then_some(())?;
    Some((t, id.parse().ok()?))
}

/// The instants the site's month starting `first` begins and ends at.
pub fn span(first: NaiveDate, tz: chrono_tz::Tz) -> (Option<DateTime<Utc>>, Option<DateTime<Utc>>) {
    let next = first
        .checked_add_months(chrono::Months::new(1))
        .unwrap_or(first);
    (
        crate::i18n::day_start(first, tz),
        crate::i18n::day_start(next, tz),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_month_query_falls_back_to_this_month_and_the_first_filter() {
        let today = NaiveDate::from_ymd_opt(2026, 11, 29).unwrap();
        let q = MonthQuery {
            month: "2026-02".into(),
            show: "late".into(),
            before: cursor_of(DateTime::from_timestamp(1_000, 0).unwrap(), 7),
        };
        let shows = ["all", "late"];
        assert_eq!(q.month(today).to_string(), "2026-02-01");
        assert_eq!(q.query(q.month(today), &shows), "month=2026-02&show=late");
        assert_eq!(
            q.cursor(),
            Some((DateTime::from_timestamp(1_000, 0).unwrap(), 7))
        );
        let bad = MonthQuery {
            month: "soon".into(),
            show: "x".into(),
            before: "a.b".into(),
        };
        assert_eq!(bad.month(today).to_string(), "2026-11-01");
        assert_eq!(bad.show(&shows), "all");
        assert_eq!(bad.cursor(), None);
        // Instants the database would refuse are no cursor either.
        assert_eq!(parse_cursor("-1000000000000000000.1"), None);
        assert_eq!(parse_cursor("9000000000000000000.1"), None);
        assert_eq!(parse_cursor("1000000000.x"), None);
    }
}
