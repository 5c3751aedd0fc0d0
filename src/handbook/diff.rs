//! What changed between two versions, clause by clause, with the changed
//! characters marked (Chinese has no spaces, so words are compared by character).
use super::models::SectionView;
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
    let diff = TextDiff::from_chars(old, new);
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

/// Pairs the clauses of a replaced run: each old clause goes with the most similar
/// later new clause (at least half the characters alike), keeping reading order.
/// Returns (old index, new index) pairs in order; None on one side is a removal
/// or an addition.
pub fn pair_replaced(olds: &[&str], news: &[&str]) -> Vec<(Option<usize>, Option<usize>)> {
    let mut out = Vec::new();
    let mut next_new = 0;
    for (i, o) in olds.iter().enumerate() {
        let best = (next_new..news.len())
            .map(|j| (j, TextDiff::from_chars(*o, news[j]).ratio()))
            .filter(|(_, r)| *r >= 0.5)
            .max_by(|a, b| a.1.total_cmp(&b.1));
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
}
