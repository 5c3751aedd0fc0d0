//! The two interface languages and their catalogs (`zh-CN.toml`, `en.toml` here).
//!
//! Catalogs are TOML tables flattened to dotted keys (`[nav] home = "首页"` is
//! `nav.home`). Placeholders are written `{name}` and filled by [`Locale::tf`].
use std::sync::LazyLock;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Locale {
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    #[serde(rename = "en")]
    En,
}

pub const ALL: [Locale; 2] = [Locale::ZhCn, Locale::En];

/// Fx hashing: a page looks up dozens of keys, all of them ours (no untrusted input),
/// and SipHash was a few per cent of a list page's time.
type Catalog = rustc_hash::FxHashMap<String, String>;

const ZH_CN_SOURCE: &str = include_str!("zh-CN.toml");
const EN_SOURCE: &str = include_str!("en.toml");

static CATALOGS: LazyLock<[Catalog; 2]> = LazyLock::new(|| {
    [
        parse(ZH_CN_SOURCE).expect("zh-CN catalog"),
        parse(EN_SOURCE).expect("en catalog"),
    ]
});

/// Flattens a TOML catalog into `dotted.key → text`.
pub fn parse(source: &str) -> Result<Catalog, toml::de::Error> {
    fn walk(prefix: &str, table: &toml::Table, out: &mut Catalog) {
        for (k, v) in table {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                toml::Value::Table(t) => walk(&key, t, out),
                toml::Value::String(s) => {
                    out.insert(key, s.clone());
                }
                other => {
                    out.insert(key, other.to_string());
                }
            }
        }
    }
    let table: toml::Table = source.parse()?;
    let mut out = Catalog::default();
    walk("", &table, &mut out);
    Ok(out)
}

impl Locale {
    pub fn code(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::En => "en",
        }
    }

    /// Accepts the codes we use and the usual spellings of them (`zh`, `zh-cn`, `en-US`).
    pub fn parse(s: &str) -> Option<Locale> {
        let s = s.trim().to_ascii_lowercase();
        if s == "zh" || s.starts_with("zh-") || s.starts_with("zh_") {
            Some(Locale::ZhCn)
        } else if s == "en" || s.starts_with("en-") || s.starts_with("en_") {
            Some(Locale::En)
        } else {
            None
        }
    }

    /// Picks the best of our languages from an `Accept-Language` header.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(f32, usize, Locale)> = None;
        for (pos, part) in header.split(',').enumerate() {
            let mut bits = part.split(';');
            let tag = bits.next().unwrap_or("").trim();
            let q = bits
                .filter_map(|b| b.trim().strip_prefix("q="))
                .find_map(|v| v.trim().parse::<f32>().ok())
                .unwrap_or(1.0);
            if let Some(loc) = Locale::parse(tag) {
                if q > 0.0 && best.is_none_or(|(bq, _, _)| q > bq) {
                    best = Some((q, pos, loc));
                }
            }
        }
        best.map(|(_, _, l)| l)
    }

    fn index(self) -> usize {
        match self {
            Locale::ZhCn => 0,
            Locale::En => 1,
        }
    }

    /// The text for `key`; falls back to Chinese, then to the key itself (and logs it).
    pub fn t(self, key: &str) -> &'static str {
        let catalogs: &'static [Catalog; 2] = &CATALOGS;
        if let Some(s) = catalogs[self.index()].get(key) {
            return s.as_str();
        }
        tracing::warn!(key, locale = self.code(), "missing catalog key");
        match catalogs[0].get(key) {
            Some(s) => s.as_str(),
            None => "\u{2047}",
        }
    }

    /// The text for `prefix.code` (a code stored in a row: a status, a kind), as
    /// [`Locale::t`], without building the key on the heap: list pages look up
    /// several per row.
    pub fn t_in(self, prefix: &str, code: &str) -> &'static str {
        let mut buf = [0u8; 96];
        let n = prefix.len() + 1 + code.len();
        if n > buf.len() {
            return self.t(&format!("{prefix}.{code}"));
        }
        buf[..prefix.len()].copy_from_slice(prefix.as_bytes());
        buf[prefix.len()] = b'.';
        buf[prefix.len() + 1..n].copy_from_slice(code.as_bytes());
        match std::str::from_utf8(&buf[..n]) {
            Ok(key) => self.t(key),
            // Unreachable: two strings and a dot are UTF-8.
            Err(_) => self.t(&format!("{prefix}.{code}")),
        }
    }

    /// The text for `key` if the catalog has it, without the fallbacks of [`Locale::t`]
    /// (for keys that come from stored data rather than from the code).
    pub fn lookup(self, key: &str) -> Option<&'static str> {
        let catalogs: &'static [Catalog; 2] = &CATALOGS;
        catalogs[self.index()].get(key).map(|s| s.as_str())
    }

    /// The text for `key` with `{name}` placeholders filled (in one pass: a
    /// value that itself holds `{…}` is never filled again).
    ///
    /// English says "1 document", not "1 documents": when an argument named as in
    /// [`COUNT_ARGS`] is 1 and the catalog has `{key}_one`, that text is used.
    pub fn tf(self, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        use std::fmt::Write;
        let text = self.singular(key, args).unwrap_or_else(|| self.t(key));
        let mut out = String::with_capacity(text.len() + 16 * args.len());
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            out.push_str(&rest[..open]);
            let after = &rest[open + 1..];
            let value = after.find('}').and_then(|close| {
                let name = &after[..close];
                args.iter()
                    .find(|(n, _)| *n == name)
                    .map(|(_, v)| (v, close))
            });
            match value {
                Some((v, close)) => {
                    // Writing to a String cannot fail.
                    let _ = write!(out, "{v}");
                    rest = &after[close + 1..];
                }
                None => {
                    out.push('{');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    /// The singular text of `key` (`{key}_one`) when its count argument is 1
    /// and the language has one.
    fn singular(self, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> Option<&'static str> {
        if self != Locale::En {
            return None;
        }
        let (_, n) = args.iter().find(|(name, _)| COUNT_ARGS.contains(name))?;
        if n.to_string() != "1" {
            return None;
        }
        self.lookup(&format!("{key}_one"))
    }

    /// `note` in brackets, to follow a text: "（保密）" in Chinese, " (confidential)"
    /// in English.
    pub fn note(self, note: impl std::fmt::Display) -> String {
        format!(
            "{}{note}{}",
            self.t("paper.open_paren"),
            self.t("paper.close_paren")
        )
    }

    /// The other language, for the switch in the top bar.
    pub fn other(self) -> Locale {
        match self {
            Locale::ZhCn => Locale::En,
            Locale::En => Locale::ZhCn,
        }
    }
}

/// The instant the site's calendar day `day` begins in `tz`: the earlier one when
/// a clock change repeats midnight, `None` when one skips it (or the date is out
/// of range).
pub fn day_start(
    day: chrono::NaiveDate,
    tz: chrono_tz::Tz,
) -> Option<chrono::DateTime<chrono::Utc>> {
    use chrono::TimeZone;
    tz.from_local_datetime(&day.and_hms_opt(0, 0, 0)?)
        .earliest()
        .map(|t| t.with_timezone(&chrono::Utc))
}

/// A UTC time in the zone `tz` to the minute, `YYYY-MM-DD HH:MM`, as every page,
/// export and mail shows times (digits written directly: list pages show two
/// times per row, and `format!` machinery or a `strftime` pattern cost more than
/// the rest of the cell).
pub fn minute(at: chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz) -> String {
    use chrono::{Datelike, Timelike};
    let t = at.with_timezone(&tz);
    let year = t.year();
    if !(0..=9999).contains(&year) {
        return t.format("%Y-%m-%d %H:%M").to_string();
    }
    fn two(out: &mut String, n: u32) {
        out.push(char::from(b'0' + (n / 10) as u8));
        out.push(char::from(b'0' + (n % 10) as u8));
    }
    let mut out = String::with_capacity(16);
    two(&mut out, year as u32 / 100);
    two(&mut out, year as u32 % 100);
    for (sep, n) in [
        ('-', t.month()),
        ('-', t.day()),
        (' ', t.hour()),
        (':', t.minute()),
    ] {
        out.push(sep);
        two(&mut out, n);
    }
    out
}

/// Names of the arguments that count something: a text with one of them may have
/// a singular form (see [`Locale::tf`]).
pub const COUNT_ARGS: [&str; 5] = ["n", "years", "minutes", "days", "hours"];

/// Every key of a catalog, for the tests that compare catalogs and templates.
pub fn keys(locale: Locale) -> Vec<&'static str> {
    let catalogs: &'static [Catalog; 2] = &CATALOGS;
    let mut keys: Vec<&str> = catalogs[locale.index()]
        .keys()
        .map(|k| k.as_str())
        .collect();
    keys.sort_unstable();
    keys
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_note_in_brackets_follows_each_languages_typography() {
        assert_eq!(Locale::ZhCn.note("保密"), "（保密）");
        assert_eq!(Locale::En.note("confidential"), " (confidential)");
    }

    #[test]
    fn a_code_is_looked_up_under_its_prefix() {
        assert_eq!(Locale::En.t_in("keys.door", "mailbox"), "Mailbox");
        assert_eq!(Locale::ZhCn.t_in("keys.door", "mailbox"), "信报箱");
        let long = "x".repeat(120);
        assert_eq!(
            Locale::En.t_in("keys.door", &long),
            Locale::En.t(&format!("keys.door.{long}")),
            "a key too long for the buffer falls back to the heap"
        );
    }

    #[test]
    fn placeholders_are_filled_once_and_unknown_ones_kept() {
        let filled = Locale::En.tf(
            "approvals.kind_and_subject",
            &[("kind", &"Leave"), ("subject", &"{kind} {x")],
        );
        assert_eq!(filled, "Leave · {kind} {x", "a value is never filled again");
        let missing = Locale::En.tf("approvals.kind_and_subject", &[("kind", &"Leave")]);
        assert_eq!(missing, "Leave · {subject}");
    }

    #[test]
    fn a_time_is_shown_to_the_minute_in_the_site_zone() {
        let at = chrono::DateTime::parse_from_rfc3339("2026-12-31T16:05:59Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(minute(at, chrono_tz::Asia::Shanghai), "2027-01-01 00:05");
        assert_eq!(minute(at, chrono_tz::UTC), "2026-12-31 16:05");
        // Written digit by digit: the same as chrono's own pattern, padded.
        for s in [
            "0987-03-04T05:06:00Z",
            "2030-10-10T23:59:59Z",
            "2000-02-29T00:00:00Z",
        ] {
            let at = chrono::DateTime::parse_from_rfc3339(s)
                .unwrap()
                .with_timezone(&chrono::Utc);
            let tz = chrono_tz::Asia::Shanghai;
            let expected = at.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string();
            assert_eq!(minute(at, tz), expected);
        }
    }

    #[test]
    fn both_catalogs_have_the_same_keys() {
        let zh = keys(Locale::ZhCn);
        let en = keys(Locale::En);
        let only_zh: Vec<_> = zh.iter().filter(|k| !en.contains(k)).collect();
        // English singulars (`…_one`) stand beside a key both catalogs have.
        let only_en: Vec<_> = en
            .iter()
            .filter(|k| !zh.contains(k))
            .filter(|k| {
                !k.strip_suffix("_one")
                    .is_some_and(|base| zh.contains(&base))
            })
            .collect();
        assert!(
            only_zh.is_empty() && only_en.is_empty(),
            "only in zh-CN: {only_zh:?}; only in en: {only_en:?}"
        );
    }

    /// The `{name}`s of a text, sorted.
    fn placeholders(text: &str) -> Vec<&str> {
        let mut names: Vec<&str> = text
            .split('{')
            .skip(1)
            .filter_map(|s| s.split_once('}').map(|(name, _)| name))
            .collect();
        names.sort_unstable();
        names.dedup();
        names
    }

    #[test]
    fn both_languages_fill_the_same_placeholders() {
        for k in keys(Locale::ZhCn) {
            let (zh, en) = (Locale::ZhCn.t(k), Locale::En.t(k));
            assert_eq!(placeholders(zh), placeholders(en), "{k}");
            // A singular may say "one" instead of its number, nothing more.
            if let Some(one) = Locale::En.lookup(&format!("{k}_one")) {
                let base = placeholders(en);
                assert!(
                    placeholders(one).iter().all(|p| base.contains(p)),
                    "{k}_one"
                );
            }
        }
    }

    /// "{n} records" read "1 records" on the meetings' printed list: every
    /// English count followed by a plural noun has its singular, but for
    /// counts that are never 1 (a cap).
    #[test]
    fn english_counts_of_plural_nouns_have_a_singular() {
        const NEVER_ONE: [&str; 1] = ["export.capped"];
        let missing: Vec<&str> = keys(Locale::En)
            .into_iter()
            .filter(|k| !k.ends_with("_one") && !NEVER_ONE.contains(k))
            .filter(|k| {
                let text = Locale::En.t(k);
                COUNT_ARGS.iter().any(|arg| {
                    text.split(&format!("{{{arg}}} ")).skip(1).any(|after| {
                        let word: String = after
                            .chars()
                            .take_while(char::is_ascii_alphabetic)
                            .collect();
                        word.len() > 2 && word.ends_with('s') && !word.ends_with("ss")
                    })
                })
            })
            .filter(|k| Locale::En.lookup(&format!("{k}_one")).is_none())
            .collect();
        assert!(missing.is_empty(), "no singular for {missing:?}");
    }

    #[test]
    fn english_says_one_thing_in_the_singular() {
        let one = Locale::En.tf("handbook.search.count", &[("n", &1)]);
        let two = Locale::En.tf("handbook.search.count", &[("n", &2)]);
        assert_eq!(
            (one.as_str(), two.as_str()),
            ("1 matching clause.", "2 matching clauses.")
        );
        let hour = Locale::En.tf("meetings.unfollowed", &[("hours", &1)]);
        assert_eq!(hour, "Customer matters with no follow-up for over an hour");
        let zh = Locale::ZhCn.tf("handbook.search.count", &[("n", &1)]);
        assert!(zh.contains('1'), "{zh}");
    }

    #[test]
    fn no_catalog_text_is_empty() {
        for loc in ALL {
            // A gap is a space by design.
            for k in keys(loc).into_iter().filter(|k| !k.ends_with(".gap")) {
                assert!(!loc.t(k).trim().is_empty(), "{} {k} is empty", loc.code());
            }
        }
    }

    #[test]
    fn accept_language_prefers_the_highest_quality() {
        assert_eq!(
            Locale::from_accept_language("en-US,en;q=0.9"),
            Some(Locale::En)
        );
        assert_eq!(
            Locale::from_accept_language("fr;q=1, en;q=0.5, zh-CN;q=0.8"),
            Some(Locale::ZhCn)
        );
        assert_eq!(Locale::from_accept_language("de, fr"), None);
        assert_eq!(
            Locale::from_accept_language("en;q=0, zh"),
            Some(Locale::ZhCn)
        );
    }

    #[test]
    fn placeholders_are_filled() {
        let s = Locale::En.tf("auth.locked_account", &[("minutes", &15)]);
        assert!(s.contains("15"), "{s}");
    }
}
