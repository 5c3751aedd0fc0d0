//! The handbook as every reader sees it (its documents, their published versions,
//! the clause links, and the current clauses for search), kept in memory by each
//! instance until a handbook table changes: triggers on them notice everyone
//! (migration `…_handbook_kept`), see `db::changes::Kept`. The handbook is a rule
//! book of a few hundred clauses that changes when a new version is published, so
//! a reader's page costs no statement, and search runs over the kept clauses.
use chrono::{NaiveDate, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use std::collections::HashMap;
use std::sync::Arc;

use super::models::{ClauseLink, DocumentRow, Version, DRAFT, PUBLISHED};
use crate::db::Read;
use crate::schema::{
    handbook_clause_links as links, handbook_clauses as clauses, handbook_documents as documents,
    handbook_sections as sections, handbook_versions as versions,
};

/// Kept per instance (see the module's documentation).
pub type KeptCurrent = crate::db::changes::Kept<Current>;

/// Guards against a runaway table; a handbook has far fewer rows.
const MOST_ROWS: i64 = 100_000;

/// One document as its page shows it.
pub struct Entry {
    pub document: DocumentRow,
    /// Published versions, newest first.
    pub versions: Vec<Version>,
    pub has_draft: bool,
    /// The clause links of the document, by anchor.
    pub links: HashMap<String, Vec<ClauseLink>>,
}

/// A clause found by search, in the current version of its document.
#[derive(Debug, Clone)]
pub struct Hit {
    pub document_id: i64,
    pub title: String,
    /// The title of the section it stands in.
    pub section: String,
    pub anchor: String,
    pub citation: String,
    /// Its citation in its document's first version, if it was in it (see
    /// [`super::import::Clause::cited_as`]).
    pub cited_as: String,
    pub number: String,
    pub body: String,
}

/// A clause of a current version with what search needs of it.
struct Indexed {
    hit: Hit,
    lower: String,
    /// Its document's and section's titles, lower-cased: a search for a
    /// section's name (会议制度) finds its clauses, after those saying it.
    context: String,
    trigrams: Vec<u64>,
}

pub struct Current {
    /// The day it was read for (see [`Entry::in_force`]).
    day: NaiveDate,
    entries: HashMap<i64, Entry>,
    /// Documents in reading order.
    order: Vec<i64>,
    /// In reading order (document, then clause).
    clauses: Vec<Indexed>,
}

/// Of published `versions` (newest first), the one in force on `day`: the
/// newest already in effect, or while none is, the first one published (the
/// only text there is).
pub fn in_force(versions: &[Version], day: NaiveDate) -> Option<&Version> {
    versions
        .iter()
        .find(|v| v.effective_on.is_none_or(|d| d <= day))
        .or(versions.last())
}

impl Entry {
    /// Its version in force on `day` (see [`in_force`]).
    pub fn in_force(&self, day: NaiveDate) -> Option<&Version> {
        in_force(&self.versions, day)
    }
}

impl Current {
    /// A document with something published.
    pub fn entry(&self, id: i64) -> Option<&Entry> {
        self.entries.get(&id).filter(|e| !e.versions.is_empty())
    }

    /// The clause in force first cited as `citation` whose text holds
    /// `quote` (a register's citation, written for the book's first version,
    /// however a revision renumbered it), or else printed so now (a clause a
    /// reader cites): its document and anchor.
    pub fn find(&self, citation: &str, quote: &str) -> Option<(i64, &str)> {
        self.cited(citation, quote)
            .map(|h| (h.document_id, h.anchor.as_str()))
    }

    fn cited(&self, citation: &str, quote: &str) -> Option<&Hit> {
        let hits = || self.clauses.iter().map(|c| &c.hit);
        hits()
            .find(|h| h.cited_as == citation && h.body.contains(quote))
            .or_else(|| hits().find(|h| h.citation == citation && h.body.contains(quote)))
    }

    /// The day the handbook was read for: what is in force then is current.
    pub fn day(&self) -> NaiveDate {
        self.day
    }

    /// Each document with something published and its version in force, in
    /// reading order.
    pub fn published(&self) -> impl Iterator<Item = (&DocumentRow, &Version)> {
        self.order.iter().filter_map(|id| {
            let entry = &self.entries[id];
            entry.in_force(self.day).map(|v| (&entry.document, v))
        })
    }

    /// The text of the current clause cited as `citation` (as [`Self::find`]
    /// finds it), if there is one (forms that cite a clause show what it says).
    pub fn clause_text(&self, citation: &str) -> Option<&str> {
        self.cited(citation, "").map(|h| h.body.as_str())
    }

    /// Clauses of the current handbook containing `q` (case ignored), best
    /// first: by trigram similarity to `q` (as PostgreSQL's pg_trgm counts it),
    /// then by how early the match sits, then in reading order.
    /// The clauses matching `q`, best first, at most `limit` of them; and
    /// whether more match.
    pub fn search(&self, q: &str, limit: usize) -> (Vec<&Hit>, bool) {
        let needle = fold(q);
        // Words apart ("钥匙 借用") are each looked for: a clause holds them all,
        // in its text or its document's and section's titles.
        let terms = search_terms(&needle);
        if terms.is_empty() {
            return (Vec::new(), false);
        }
        let wanted = trigrams(q);
        let mut found: Vec<(bool, f32, usize, usize)> = self
            .clauses
            .iter()
            .enumerate()
            .filter_map(|(i, c)| {
                if !terms
                    .iter()
                    .all(|t| c.lower.contains(t) || c.context.contains(t))
                {
                    return None;
                }
                let in_text = terms.iter().all(|t| c.lower.contains(t));
                let chars_before = c
                    .lower
                    .find(terms[0])
                    .map_or(0, |at| c.lower[..at].chars().count());
                Some((in_text, similarity(&wanted, &c.trigrams), chars_before, i))
            })
            .collect();
        // Clauses that say it first, then those under a title that does (in
        // reading order: a section's clauses as they stand).
        found.sort_by(|a, b| {
            b.0.cmp(&a.0).then(if a.0 {
                b.1.total_cmp(&a.1).then(a.2.cmp(&b.2)).then(a.3.cmp(&b.3))
            } else {
                a.3.cmp(&b.3)
            })
        });
        let more = found.len() > limit;
        let hits = found
            .into_iter()
            .take(limit)
            .map(|(_, _, _, i)| &self.clauses[i].hit)
            .collect();
        (hits, more)
    }
}

/// The words of a search, apart at spaces (an ideographic one too).
/// Text as search compares it: lower case, and the full-width forms a Chinese
/// input method types (：（，１Ａ and the ideographic space) as their ASCII
/// counterparts, which the rule book's text mostly uses: "8：00" finds
/// "8:00".
pub fn fold(s: &str) -> String {
    fold_mapped(s).0
}

/// [`fold`], and for each byte of the folded text, and its end, the offset in
/// `s` of the character it came from: a match in the folded text is marked in
/// the text as written.
pub fn fold_mapped(s: &str) -> (String, Vec<usize>) {
    let mut out = String::with_capacity(s.len());
    let mut map = Vec::with_capacity(s.len() + 1);
    for (at, c) in s.char_indices() {
        let c = match c {
            '\u{3000}' => ' ',
            '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            c => c,
        };
        for lower in c.to_lowercase() {
            let before = out.len();
            out.push(lower);
            map.resize(out.len(), at);
            debug_assert!(out.len() > before);
        }
    }
    map.push(s.len());
    (out, map)
}

pub fn search_terms(q: &str) -> Vec<&str> {
    q.split(|c: char| c.is_whitespace())
        .filter(|t| !t.is_empty())
        .collect()
}

/// Reads the whole handbook as in force on `day`: three statements.
pub async fn load(conn: &mut impl Read, day: NaiveDate) -> QueryResult<Current> {
    let rows: Vec<(DocumentRow, Version)> = documents::table
        .inner_join(versions::table)
        .filter(versions::status.eq_any([PUBLISHED, DRAFT]))
        .order((
            documents::position,
            documents::id,
            versions::number.desc().nulls_first(),
        ))
        .select((DocumentRow::as_select(), Version::as_select()))
        .limit(MOST_ROWS)
        .load(conn)
        .await?;
    let mut order = Vec::new();
    let mut entries: HashMap<i64, Entry> = HashMap::new();
    for (document, version) in rows {
        let entry = entries.entry(document.id).or_insert_with(|| {
            order.push(document.id);
            Entry {
                document,
                versions: Vec::new(),
                has_draft: false,
                links: HashMap::new(),
            }
        });
        if version.is_draft() {
            entry.has_draft = true;
        } else {
            entry.versions.push(version);
        }
    }
    let link_rows: Vec<(i64, ClauseLink)> = links::table
        .order(links::id)
        .select((
            links::document_id,
            (links::anchor, links::kind, links::label, links::href),
        ))
        .limit(MOST_ROWS)
        .load(conn)
        .await?;
    for (document_id, link) in link_rows {
        if let Some(entry) = entries.get_mut(&document_id) {
            entry
                .links
                .entry(link.anchor.clone())
                .or_default()
                .push(link);
        }
    }
    // The version in force of each document, in reading order.
    let current: Vec<(i64, &Version)> = order
        .iter()
        .filter_map(|id| entries[id].in_force(day).map(|v| (*id, v)))
        .collect();
    let ids: Vec<i64> = current.iter().map(|(_, v)| v.id).collect();
    type Row = (String, String, String, String, String, String);
    let rows: Vec<(i64, Row)> = clauses::table
        .inner_join(sections::table)
        .filter(clauses::version_id.eq_any(&ids))
        .filter(clauses::gap.eq(false))
        .order((clauses::version_id, clauses::position))
        .select((
            clauses::version_id,
            (
                clauses::anchor,
                clauses::citation,
                clauses::cited_as,
                clauses::number,
                clauses::body,
                sections::title,
            ),
        ))
        .limit(MOST_ROWS)
        .load(conn)
        .await?;
    let mut by_version: HashMap<i64, Vec<Row>> = HashMap::new();
    for (version_id, row) in rows {
        by_version.entry(version_id).or_default().push(row);
    }
    let mut indexed = Vec::new();
    for (document_id, version) in current {
        let rows = by_version.remove(&version.id).unwrap_or_default();
        for (anchor, citation, cited_as, number, body, section) in rows {
            indexed.push(Indexed {
                lower: fold(&body),
                // A clause is found by its citation too (钥匙管理规定 3(2)②).
                context: fold(&format!("{}\n{section}\n{citation}", version.title)),
                trigrams: trigrams(&body),
                hit: Hit {
                    document_id,
                    title: version.title.clone(),
                    section,
                    anchor,
                    citation,
                    cited_as,
                    number,
                    body,
                },
            });
        }
    }
    Ok(Current {
        day,
        entries,
        order,
        clauses: indexed,
    })
}

/// The kept handbook, read afresh when a notice made it stale, and each day
/// at midnight in `tz` (a version dated for the day takes effect then).
pub async fn get(
    conn: &mut impl Read,
    kept: &KeptCurrent,
    tz: chrono_tz::Tz,
) -> QueryResult<Arc<Current>> {
    let today = Utc::now().with_timezone(&tz).date_naive();
    // (A midnight a clock change skips: read again within the hour.)
    let tomorrow = today
        .succ_opt()
        .and_then(|d| crate::i18n::day_start(d, tz))
        .or_else(|| Some(Utc::now() + chrono::Duration::hours(1)));
    kept.get_until(async { Ok((load(conn, today).await?, tomorrow)) })
        .await
}

/// The distinct trigrams of `text` as pg_trgm forms them: lower-cased words
/// (runs of letters and digits), each padded with two spaces in front and one
/// behind. Each trigram is its three characters packed into one number.
fn trigrams(text: &str) -> Vec<u64> {
    let lower = fold(text);
    let mut out = Vec::new();
    for word in lower.split(|c: char| !c.is_alphanumeric()) {
        if word.is_empty() {
            continue;
        }
        let padded: Vec<char> = ['\0', '\0']
            .into_iter()
            .chain(word.chars())
            .chain(['\0'])
            .collect();
        out.extend(
            padded
                .windows(3)
                .map(|w| (u64::from(w[0]) << 42) | (u64::from(w[1]) << 21) | u64::from(w[2])),
        );
    }
    out.sort_unstable();
    out.dedup();
    out
}

/// pg_trgm's `similarity`: trigrams shared ÷ trigrams in either.
fn similarity(a: &[u64], b: &[u64]) -> f32 {
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    let union = a.len() + b.len() - shared;
    if union == 0 {
        0.0
    } else {
        shared as f32 / union as f32
    }
}

#[cfg(test)]
mod tests {
    use super::{similarity, trigrams};

    #[test]
    fn search_folds_case_and_full_width_forms_and_marks_the_text_as_written() {
        assert_eq!(super::fold("８：００（１）Ａ\u{3000}QQ"), "8:00(1)a qq");
        let marked =
            crate::handbook::views::highlight("每天早上8:00上班，（1）QQ咨询", "8：00 (1) qq");
        assert_eq!(
            marked,
            "每天早上<mark>8:00</mark>上班，<mark>（1）</mark><mark>QQ</mark>咨询"
        );
        // Nothing to mark: the text as it is, escaped.
        assert_eq!(crate::handbook::views::highlight("a<b", "zz"), "a&lt;b");
    }

    #[test]
    fn trigrams_are_formed_per_word_with_padding() {
        // pg_trgm: show_trgm('ab c') = {"  a","  c"," ab","ab "," c "}
        assert_eq!(trigrams("ab c").len(), 5);
        assert_eq!(trigrams("AB, c"), trigrams("ab c"));
        assert!(trigrams("，。").is_empty());
        // Repeated trigrams count once.
        assert_eq!(trigrams("aaaa"), trigrams("aaa"));
    }

    #[test]
    fn similarity_is_shared_over_union() {
        // pg_trgm: similarity('word', 'two words') = 0.36363637
        let s = similarity(&trigrams("word"), &trigrams("two words"));
        assert!((s - 4.0 / 11.0).abs() < 1e-6, "{s}");
        assert_eq!(similarity(&trigrams("钥匙"), &trigrams("钥匙")), 1.0);
        assert_eq!(similarity(&[], &[]), 0.0);
    }
}
