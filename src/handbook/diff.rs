//! What changed between two versions, clause by clause, with the changed
//! characters marked (Chinese has no spaces, so words are compared by character).
use super::models::SectionView;
use std::time::Duration;

use similar::{ChangeTag, TextDiff};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Added,
    Removed,
    Changed,
}

/// One clause that differs; `html` is escaped text with `<del>`/`<ins>` marks.
#[derive(Debug, Clone)]
pub struct ClauseDiff {
    pub anchor: String,
    pub citation: String,
    pub change: Change,
    pub html: String,
}

impl ClauseDiff {
    pub fn kind(&self) -> &'static str {
        match self.change {
            Change::Added => "added",
            Change::Removed => "removed",
            Change::Changed => "changed",
        }
    }
}

pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// (anchor, citation, numbered text, text) of every clause in reading order.
fn flat(content: &[SectionView]) -> Vec<(String, String, String, String)> {
    let mut out = Vec::new();
    for s in content {
        for c in &s.clauses {
            out.push((
                c.anchor.clone(),
                c.citation.clone(),
                format!("{}{}", c.number, c.body),
                c.body.clone(),
            ));
        }
    }
    out
}

/// Marks the characters that differ between `old` and `new`.
pub fn inline(old: &str, new: &str) -> String {
    let diff = chars_diff(old, new);
    let mut html = String::new();
    for op in diff.ops() {
        for change in diff.iter_changes(op) {
            let text = escape(change.value());
            match change.tag() {
                ChangeTag::Equal => html.push_str(&text),
                ChangeTag::Delete => {
                    html.push_str("<del>");
                    html.push_str(&text);
                    html.push_str("</del>");
                }
                ChangeTag::Insert => {
                    html.push_str("<ins>");
                    html.push_str(&text);
                    html.push_str("</ins>");
                }
            }
        }
    }
    // Adjacent marks of one kind read better as one.
    html.replace("</del><del>", "").replace("</ins><ins>", "")
}

/// New clauses an old one of a replaced run may be paired with: the next ones
/// in reading order, so that a rewritten document costs a bounded number of
/// comparisons per clause, whatever its length.
const PAIR_WINDOW: usize = 32;
/// Of those, how many are compared character by character: the likeliest by the
/// characters they share.
const PAIR_TRIES: usize = 3;
/// Longest one character diff may take: past it the marks are coarser (whole
/// runs deleted and inserted), never slower.
const DIFF_TIMEOUT: Duration = Duration::from_millis(50);

fn chars_diff<'a>(old: &'a str, new: &'a str) -> TextDiff<'a, 'a, 'a, str> {
    TextDiff::configure()
        .timeout(DIFF_TIMEOUT)
        .diff_chars(old, new)
}

/// A clause's characters and how often each occurs, for a quick bound on how
/// alike two clauses can be.
struct Bag {
    counts: Vec<(char, u32)>,
    len: usize,
}

impl Bag {
    fn of(text: &str) -> Bag {
        let mut chars: Vec<char> = text.chars().collect();
        let len = chars.len();
        chars.sort_unstable();
        let mut counts: Vec<(char, u32)> = Vec::new();
        for c in chars {
            match counts.last_mut() {
                Some((last, n)) if *last == c => *n += 1,
                _ => counts.push((c, 1)),
            }
        }
        Bag { counts, len }
    }

    /// At least the ratio a character diff would find (difflib's quick ratio):
    /// twice the characters the two share over their total length.
    fn alike(&self, other: &Bag) -> f32 {
        let total = self.len + other.len;
        if total == 0 {
            return 1.0;
        }
        let (mut a, mut b) = (
            self.counts.iter().peekable(),
            other.counts.iter().peekable(),
        );
        let mut shared = 0u64;
        while let (Some((ca, na)), Some((cb, nb))) = (a.peek(), b.peek()) {
            match ca.cmp(cb) {
                std::cmp::Ordering::Less => {
                    a.next();
                }
                std::cmp::Ordering::Greater => {
                    b.next();
                }
                std::cmp::Ordering::Equal => {
                    shared += u64::from(*na.min(nb));
                    a.next();
                    b.next();
                }
            }
        }
        (2 * shared) as f32 / total as f32
    }
}

/// Pairs the clauses of a replaced run: each old clause goes with the most similar
/// later new clause (at least half the characters alike), keeping reading order.
/// Returns (old index, new index) pairs in order; None on one side is a removal
/// or an addition.
pub fn pair_replaced(olds: &[&str], news: &[&str]) -> Vec<(Option<usize>, Option<usize>)> {
    pair_by(olds, news, |o, n| chars_diff(o, n).ratio())
}

/// [`pair_replaced`] with `ratio` as the character diff: each old clause is
/// compared with at most [`PAIR_TRIES`] of the [`PAIR_WINDOW`] new clauses
/// after the last one paired, those whose characters could be half alike.
fn pair_by(
    olds: &[&str],
    news: &[&str],
    mut ratio: impl FnMut(&str, &str) -> f32,
) -> Vec<(Option<usize>, Option<usize>)> {
    let new_bags: Vec<Bag> = news.iter().map(|n| Bag::of(n)).collect();
    let mut out = Vec::new();
    let mut next_new = 0;
    for (i, o) in olds.iter().enumerate() {
        let bag = Bag::of(o);
        let end = news.len().min(next_new + PAIR_WINDOW);
        let mut likely: Vec<(usize, f32)> = (next_new..end)
            .map(|j| (j, bag.alike(&new_bags[j])))
            .filter(|(_, r)| *r >= 0.5)
            .collect();
        likely.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        likely.truncate(PAIR_TRIES);
        // The most alike; the nearest of equals.
        let best = likely
            .into_iter()
            .map(|(j, _)| (j, ratio(o, news[j])))
            .filter(|(_, r)| *r >= 0.5)
            .max_by(|a, b| a.1.total_cmp(&b.1).then(b.0.cmp(&a.0)));
        match best {
            Some((j, _)) => {
                out.extend((next_new..j).map(|k| (None, Some(k))));
                out.push((Some(i), Some(j)));
                next_new = j + 1;
            }
            None => out.push((Some(i), None)),
        }
    }
    out.extend((next_new..news.len()).map(|k| (None, Some(k))));
    out
}

/// The clauses that differ, in reading order, and how many stayed the same.
/// Clauses are aligned by their text (longest common subsequence), so inserting
/// one clause shows one addition, not every later clause as changed; a clause
/// replaced in place shows its changed characters.
pub fn compare(old: &[SectionView], new: &[SectionView]) -> (Vec<ClauseDiff>, usize) {
    let old = flat(old);
    let new = flat(new);
    // Aligned on the text without its number: renumbering alone is no change.
    let old_texts: Vec<&str> = old.iter().map(|c| c.3.as_str()).collect();
    let new_texts: Vec<&str> = new.iter().map(|c| c.3.as_str()).collect();
    let ops = similar::capture_diff_slices(similar::Algorithm::Myers, &old_texts, &new_texts);
    let mut out = Vec::new();
    let mut same = 0;
    let removed = |o: &(String, String, String, String)| ClauseDiff {
        anchor: o.0.clone(),
        citation: o.1.clone(),
        change: Change::Removed,
        html: format!("<del>{}</del>", escape(&o.2)),
    };
    let added = |n: &(String, String, String, String)| ClauseDiff {
        anchor: n.0.clone(),
        citation: n.1.clone(),
        change: Change::Added,
        html: format!("<ins>{}</ins>", escape(&n.2)),
    };
    for op in ops {
        match op {
            similar::DiffOp::Equal { len, .. } => same += len,
            similar::DiffOp::Delete {
                old_index, old_len, ..
            } => out.extend(old[old_index..old_index + old_len].iter().map(removed)),
            similar::DiffOp::Insert {
                new_index, new_len, ..
            } => out.extend(new[new_index..new_index + new_len].iter().map(added)),
            similar::DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                let olds = &old[old_index..old_index + old_len];
                let news = &new[new_index..new_index + new_len];
                let pairs = pair_replaced(
                    &old_texts[old_index..old_index + old_len],
                    &new_texts[new_index..new_index + new_len],
                );
                for (i, j) in pairs {
                    match (i.map(|i| &olds[i]), j.map(|j| &news[j])) {
                        (Some(o), Some(n)) => out.push(ClauseDiff {
                            anchor: n.0.clone(),
                            citation: n.1.clone(),
                            change: Change::Changed,
                            html: inline(&o.2, &n.2),
                        }),
                        (Some(o), None) => out.push(removed(o)),
                        (None, Some(n)) => out.push(added(n)),
                        (None, None) => {}
                    }
                }
            }
        }
    }
    (out, same)
}

/// Section headings that differ between two versions, marked like clauses.
pub fn headings(old: &[SectionView], new: &[SectionView]) -> Vec<String> {
    let old: Vec<String> = old.iter().map(|s| s.heading()).collect();
    let new: Vec<String> = new.iter().map(|s| s.heading()).collect();
    let old_refs: Vec<&str> = old.iter().map(String::as_str).collect();
    let new_refs: Vec<&str> = new.iter().map(String::as_str).collect();
    let mut out = Vec::new();
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, &old_refs, &new_refs) {
        let (o, n) = match op {
            similar::DiffOp::Equal { .. } => continue,
            similar::DiffOp::Delete {
                old_index, old_len, ..
            } => (&old_refs[old_index..old_index + old_len], &new_refs[0..0]),
            similar::DiffOp::Insert {
                new_index, new_len, ..
            } => (&old_refs[0..0], &new_refs[new_index..new_index + new_len]),
            similar::DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => (
                &old_refs[old_index..old_index + old_len],
                &new_refs[new_index..new_index + new_len],
            ),
        };
        for (i, j) in pair_replaced(o, n) {
            out.push(match (i.map(|i| o[i]), j.map(|j| n[j])) {
                (Some(a), Some(b)) => inline(a, b),
                (Some(a), None) => format!("<del>{}</del>", escape(a)),
                (None, Some(b)) => format!("<ins>{}</ins>", escape(b)),
                (None, None) => continue,
            });
        }
    }
    out.retain(|h| h != "<del></del>" && h != "<ins></ins>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changed_characters_are_marked_and_escaped() {
        assert_eq!(
            inline("罚款10元<", "罚款20元<"),
            "罚款<del>1</del><ins>2</ins>0元&lt;"
        );
    }

    #[test]
    fn a_quick_bound_is_never_below_the_diff() {
        let pairs = [
            ("罚款10元", "罚款20元"),
            ("上班时间不得吃东西", "下班后可以吃东西"),
            ("", "新增"),
            ("钥匙借出须登记", "借出钥匙须登记"),
        ];
        for (a, b) in pairs {
            let quick = Bag::of(a).alike(&Bag::of(b));
            let exact = chars_diff(a, b).ratio();
            assert!(quick >= exact, "{a} / {b}: {quick} < {exact}");
        }
        assert_eq!(Bag::of("钥匙借出").alike(&Bag::of("借出钥匙")), 1.0);
        assert_eq!(Bag::of("甲乙").alike(&Bag::of("丙丁")), 0.0);
    }

    #[test]
    fn edited_clauses_pair_with_their_new_text_in_reading_order() {
        let olds = [
            "员工上班时间不得吃东西",
            "钥匙借出须登记",
            "会议迟到罚款十元",
        ];
        let news = [
            "新增条款甲乙丙丁",
            "员工上班时间不得吃零食",
            "会议迟到罚款二十元",
        ];
        assert_eq!(
            pair_replaced(&olds, &news),
            [
                (None, Some(0)),
                (Some(0), Some(1)),
                (Some(1), None),
                (Some(2), Some(2)),
            ]
        );
    }

    #[test]
    fn a_rewritten_document_costs_a_few_comparisons_per_clause() {
        // Two thousand clauses, each alike in its characters to every new one:
        // every old clause could be compared with every new one.
        let olds: Vec<String> = (0..2000)
            .map(|i| format!("第{i}条 员工须遵守规定"))
            .collect();
        let news: Vec<String> = (0..2000)
            .map(|i| format!("员工须遵守规定 第{i}条"))
            .collect();
        let olds: Vec<&str> = olds.iter().map(String::as_str).collect();
        let news: Vec<&str> = news.iter().map(String::as_str).collect();
        let mut compared = 0;
        let pairs = pair_by(&olds, &news, |_, _| {
            compared += 1;
            0.0
        });
        assert!(
            compared <= PAIR_TRIES * olds.len(),
            "{compared} comparisons"
        );
        assert_eq!(
            pairs.len(),
            olds.len() + news.len(),
            "all removed and added"
        );

        // A clause matching one past the window ahead stays unpaired.
        let far: Vec<String> = (0..=PAIR_WINDOW)
            .map(|i| {
                if i == PAIR_WINDOW {
                    "钥匙借出须登记。".into()
                } else {
                    format!("无关{i}")
                }
            })
            .collect();
        let far: Vec<&str> = far.iter().map(String::as_str).collect();
        let pairs = pair_replaced(&["钥匙借出须登记"], &far);
        assert_eq!(pairs[0], (Some(0), None));
        assert_eq!(pairs.len(), 1 + far.len());
    }
}
