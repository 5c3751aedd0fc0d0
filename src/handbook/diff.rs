//! What changed between two versions, clause by clause, with the changed
//! characters marked (Chinese has no spaces, so words are compared by character).
use similar::{ChangeTag, TextDiff};
use std::collections::HashMap;

use super::models::SectionView;

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

fn flat(content: &[SectionView]) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for s in content {
        for c in &s.clauses {
            out.push((
                c.anchor.clone(),
                c.citation.clone(),
                format!("{}{}", c.number, c.body),
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

/// The clauses that differ, in the newer version's order (removed ones where they were).
pub fn compare(old: &[SectionView], new: &[SectionView]) -> (Vec<ClauseDiff>, usize) {
    let old = flat(old);
    let new = flat(new);
    let old_by_anchor: HashMap<&str, &(String, String, String)> =
        old.iter().map(|c| (c.0.as_str(), c)).collect();
    let new_anchors: std::collections::HashSet<&str> = new.iter().map(|c| c.0.as_str()).collect();
    let mut out = Vec::new();
    let mut same = 0;
    let mut old_iter = old.iter().peekable();
    for (anchor, citation, text) in &new {
        // Removed clauses that came before this one in the old version.
        while let Some(o) = old_iter.peek() {
            if o.0 == *anchor {
                old_iter.next();
                break;
            }
            if new_anchors.contains(o.0.as_str()) {
                break;
            }
            out.push(ClauseDiff {
                anchor: o.0.clone(),
                citation: o.1.clone(),
                change: Change::Removed,
                html: format!("<del>{}</del>", escape(&o.2)),
            });
            old_iter.next();
        }
        match old_by_anchor.get(anchor.as_str()) {
            Some(o) if o.2 == *text => same += 1,
            Some(o) => out.push(ClauseDiff {
                anchor: anchor.clone(),
                citation: citation.clone(),
                change: Change::Changed,
                html: inline(&o.2, text),
            }),
            None => out.push(ClauseDiff {
                anchor: anchor.clone(),
                citation: citation.clone(),
                change: Change::Added,
                html: format!("<ins>{}</ins>", escape(text)),
            }),
        }
    }
    for o in old_iter {
        if !new_anchors.contains(o.0.as_str()) {
            out.push(ClauseDiff {
                anchor: o.0.clone(),
                citation: o.1.clone(),
                change: Change::Removed,
                html: format!("<del>{}</del>", escape(&o.2)),
            });
        }
    }
    (out, same)
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
