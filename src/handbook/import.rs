//! Rule text → documents → sections → clauses.
//!
//! The parser is pure (no database) so it can be tested line by line. It keeps the
//! numbering as written (一、 / 1、 / (1) / ① / A、 / 第X章 / 第X条) and nests by the
//! order in which numbering styles appear, as a reader of the paper would.
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Shown to readers where the source text was cut.
pub const GAP_TEXT: &str = "原文此处缺失";
/// How a gap is written back in the whole-text editor, and read again.
pub const GAP_LINE: &str = "【原文此处缺失】";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Style {
    Chapter,
    Article,
    Han,
    Decimal,
    Paren,
    Circled,
    Letter,
    Plain,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Clause {
    pub depth: i32,
    pub number: String,
    pub body: String,
    pub gap: bool,
    /// Place in the outline when first written, e.g. "1-3-2-3": section 1, 3rd
    /// item, its 2nd, its 3rd. Later versions keep a clause's anchor (see
    /// [`carry_anchors`]), so links to it survive revisions. Not part of the content hash.
    #[serde(skip)]
    pub anchor: String,
    /// How a person cites it, e.g. "钥匙管理规定 3(2)③".
    #[serde(skip)]
    pub citation: String,
    /// Its citation in its document's first version, carried with its
    /// anchor: what the registers and fines that cite the book (written for
    /// that version) look it up by, however later versions renumber it.
    /// Empty for a clause added since: no such citation means it.
    #[serde(skip)]
    pub cited_as: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Section {
    pub number: String,
    pub title: String,
    pub clauses: Vec<Clause>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Document {
    /// Where the document came from ("客服规章制度1"); finds it again on re-import.
    pub source_key: String,
    pub title: String,
    pub sections: Vec<Section>,
}

impl Document {
    /// Fingerprint of the content: equal texts give equal hashes.
    pub fn content_hash(&self) -> String {
        let json = serde_json::json!({ "title": self.title, "sections": self.sections });
        hex::encode(Sha256::digest(json.to_string().as_bytes()))
    }

    pub fn clause_count(&self) -> usize {
        self.sections.iter().map(|s| s.clauses.len()).sum()
    }
}

const CIRCLED: &str = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳";
const HAN_DIGITS: &str = "一二三四五六七八九十百零〇两";

fn is_han(c: char) -> bool {
    ('\u{4e00}'..='\u{9fff}').contains(&c) || ('\u{3400}'..='\u{4dbf}').contains(&c)
}

/// Splits a line into its numbering (as written) and the rest.
pub fn split_number(line: &str) -> Option<(Style, String, String)> {
    let chars: Vec<char> = line.chars().collect();
    let rest = |i: usize| chars[i..].iter().collect::<String>().trim().to_owned();
    let first = *chars.first()?;
    // 第X章 / 第X条
    if first == '第' {
        let mut i = 1;
        while i < chars.len() && (HAN_DIGITS.contains(chars[i]) || chars[i].is_ascii_digit()) {
            i += 1;
        }
        if i > 1 && i < chars.len() && (chars[i] == '章' || chars[i] == '条') {
            let style = if chars[i] == '章' {
                Style::Chapter
            } else {
                Style::Article
            };
            let num: String = chars[..=i].iter().collect();
            return Some((style, num, rest(i + 1)));
        }
        return None;
    }
    if CIRCLED.contains(first) {
        return Some((Style::Circled, first.to_string(), rest(1)));
    }
    if first == '(' || first == '（' {
        let mut i = 1;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if i > 1 && i < chars.len() && (chars[i] == ')' || chars[i] == '）') && i <= 3 {
            let digits: String = chars[1..i].iter().collect();
            return Some((Style::Paren, format!("({digits})"), rest(i + 1)));
        }
        return None;
    }
    if HAN_DIGITS.contains(first) {
        let mut i = 0;
        while i < chars.len() && HAN_DIGITS.contains(chars[i]) {
            i += 1;
        }
        if i <= 3 && i < chars.len() && chars[i] == '、' {
            let num: String = chars[..=i].iter().collect();
            return Some((Style::Han, num, rest(i + 1)));
        }
        return None;
    }
    if first.is_ascii_digit() {
        let mut i = 0;
        while i < chars.len() && chars[i].is_ascii_digit() {
            i += 1;
        }
        if i <= 2 && i < chars.len() {
            let sep = chars[i];
            let next_is_digit = chars.get(i + 1).is_some_and(|c| c.is_ascii_digit());
            if sep == '、' || ((sep == '.' || sep == '．') && !next_is_digit && i + 1 < chars.len())
            {
                let digits: String = chars[..i].iter().collect();
                return Some((Style::Decimal, format!("{digits}、"), rest(i + 1)));
            }
        }
        return None;
    }
    if first.is_ascii_uppercase() && chars.len() > 2 {
        let sep = chars[1];
        if (sep == '、' || sep == '．' || sep == '.') && is_han(chars[2]) {
            return Some((Style::Letter, format!("{first}、"), rest(2)));
        }
    }
    None
}

/// Whether `line`, alone on a line of the whole text, reads as a clause's
/// numbering, a heading or a gap: the text of an unnumbered clause must not,
/// or the next whole-text save would make it one.
pub fn reads_as_structure(line: &str) -> bool {
    split_number(line).is_some() || line.starts_with('#') || line == GAP_LINE
}

/// A named sub-rule standing alone on its line, e.g. 住户档案管理规定.
fn is_rule_heading(line: &str) -> bool {
    let n = line.chars().count();
    (4..=16).contains(&n)
        && line.chars().all(is_han)
        && ["规定", "制度", "办法", "细则", "守则", "规范", "规程"]
            .iter()
            .any(|s| line.ends_with(s))
}

/// Removes the marks a web page leaves inside words (的`档案袋, 详细的'记录, 专科的.业务).
pub fn strip_stray_marks(line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::with_capacity(line.len());
    for (i, &c) in chars.iter().enumerate() {
        let stray = matches!(c, '`' | '\'' | '.' | '´' | '‘' | '’')
            && i > 0
            && is_han(chars[i - 1])
            && chars.get(i + 1).is_some_and(|n| is_han(*n));
        if !stray {
            out.push(c);
        }
    }
    out
}

/// Drops Markdown images and links' targets, keeping link text.
fn strip_images(line: &str) -> String {
    let mut out = line.to_owned();
    while let Some(start) = out.find("![") {
        let Some(close) = out[start..].find("](") else {
            break;
        };
        let Some(end) = out[start + close..].find(')') else {
            break;
        };
        out.replace_range(start..start + close + end + 1, "");
    }
    out
}

/// A web page's title like "客服规章制度[精品15篇]".
fn is_page_title(line: &str) -> bool {
    let Some(open) = line.find('[') else {
        return false;
    };
    line.ends_with(']') && line[open..].contains('篇')
}

/// Finds "…此处隐藏21590个字…" and returns (before, hidden count, after).
fn split_gap(line: &str) -> Option<(String, u32, String)> {
    let at = line.find("此处隐藏")?;
    let after_marker = &line[at + "此处隐藏".len()..];
    let digits: String = after_marker
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    let tail = after_marker[digits.len()..].strip_prefix("个字")?;
    let n = digits.parse().unwrap_or(0);
    let before = line[..at]
        .trim_end_matches(['…', '.', ' '])
        .trim()
        .to_owned();
    let after = tail.trim_start_matches(['…', '.', ' ']).trim().to_owned();
    Some((before, n, after))
}

/// "客服规章制度151、在主任…" → ("客服规章制度15", "1、在主任…").
fn split_set_marker(line: &str) -> Option<(String, String)> {
    let at = line.find("规章制度")?;
    let prefix = &line[..at];
    if prefix.chars().count() > 8 || !prefix.chars().all(is_han) {
        return None;
    }
    let after = &line[at + "规章制度".len()..];
    let digits: String = after.chars().take_while(|c| c.is_ascii_digit()).collect();
    if digits.is_empty() {
        return None;
    }
    let rest = &after[digits.len()..];
    let (set, lead) = if rest.starts_with('、') && digits.len() > 1 {
        // The set number runs into the first clause's "1、".
        match digits.rfind('1') {
            Some(i) if i > 0 && &digits[i..] == "1" => (&digits[..i], "1"),
            _ => (&digits[..digits.len() - 1], &digits[digits.len() - 1..]),
        }
    } else {
        (digits.as_str(), "")
    };
    Some((
        format!("{prefix}规章制度{set}"),
        format!("{lead}{rest}").trim().to_owned(),
    ))
}

fn paren_balance(line: &str) -> i32 {
    line.chars()
        .map(|c| match c {
            '(' | '（' => 1,
            ')' | '）' => -1,
            _ => 0,
        })
        .sum()
}

/// One cleaned line of a document body.
#[derive(Debug, Clone, PartialEq)]
enum Line {
    Text(String),
    Heading(String),
    Gap,
}

struct RawDoc {
    key: String,
    title: String,
    lines: Vec<Line>,
}

/// Hidden text longer than this crosses document boundaries: what follows the cut
/// is a fragment of some later document, not the rest of this one.
const GAP_ENDS_DOCUMENT: u32 = 2000;

/// Parses a whole rule text. `fallback_title` names a text that has neither a
/// "…规章制度N" marker nor a `#` heading.
pub fn parse(text: &str, fallback_title: &str) -> Vec<Document> {
    let text = clean(&text.replace("\r\n", "\n").replace('\r', "\n"));
    let fallback_title = clean(fallback_title);
    let mut cleaned: Vec<String> = Vec::new();
    for raw in text.lines() {
        let line = strip_images(raw.trim_start_matches('\u{feff}'));
        let line = strip_stray_marks(line.trim()).replace("**", "");
        let line = line.trim().to_owned();
        if line.is_empty() || is_page_title(&line) {
            continue;
        }
        // A line cut in the middle of a bracket continues on the next line.
        if let Some(prev) = cleaned.last_mut() {
            if paren_balance(prev) > 0 && split_number(&line).is_none() && !line.starts_with('#') {
                prev.push_str(&line);
                continue;
            }
        }
        cleaned.push(line);
    }
    let has_markers = cleaned.iter().any(|l| split_set_marker(l).is_some());
    let mut docs: Vec<RawDoc> = Vec::new();
    let mut current: Option<RawDoc> = None;
    let mut fragments = 0;
    for line in cleaned {
        if let Some((key, rest)) = split_set_marker(&line) {
            // A short bare line just before the marker is the next document's title.
            let mut orphan = None;
            if let Some(doc) = current.as_mut() {
                if let Some(Line::Text(last)) = doc.lines.last() {
                    if last.chars().count() <= 12
                        && last.chars().all(is_han)
                        && !is_rule_heading(last)
                    {
                        orphan = Some(last.clone());
                        doc.lines.pop();
                    }
                }
            }
            if let Some(d) = current.take() {
                docs.push(d);
            }
            let mut doc = RawDoc {
                key: key.clone(),
                title: orphan.unwrap_or_default(),
                lines: Vec::new(),
            };
            if !rest.is_empty() {
                if split_number(&rest).is_some() {
                    doc.lines.push(Line::Text(rest));
                } else {
                    let parts: Vec<&str> = rest.split([',', '，']).collect();
                    if doc.title.is_empty() {
                        doc.title = parts[0].trim().to_owned();
                    }
                    if parts.len() > 1 {
                        let last = parts[parts.len() - 1];
                        if let Some(i) = last.rfind("规章制度") {
                            let name = &last[i + "规章制度".len()..];
                            if is_rule_heading(name) {
                                doc.lines.push(Line::Heading(name.to_owned()));
                            }
                        }
                    }
                }
            }
            if doc.title.is_empty() {
                doc.title = key;
            }
            current = Some(doc);
            continue;
        }
        if has_markers && current.is_none() {
            // The page's introduction before the first rule set.
            continue;
        }
        let doc = current.get_or_insert_with(|| RawDoc {
            key: String::new(),
            title: String::new(),
            lines: Vec::new(),
        });
        if let Some(h) = line.strip_prefix('#') {
            let level = 1 + h.chars().take_while(|c| *c == '#').count();
            let h = h.trim_start_matches('#').trim().to_owned();
            if level == 1 && doc.title.is_empty() && doc.lines.is_empty() {
                doc.title = h;
            } else {
                doc.lines.push(Line::Heading(h));
            }
            continue;
        }
        if line == GAP_LINE {
            doc.lines.push(Line::Gap);
            continue;
        }
        if let Some((before, hidden, after)) = split_gap(&line) {
            if !before.is_empty() {
                doc.lines.push(Line::Text(before));
            }
            doc.lines.push(Line::Gap);
            if hidden > GAP_ENDS_DOCUMENT {
                fragments += 1;
                let base = doc.key.clone();
                if let Some(d) = current.take() {
                    docs.push(d);
                }
                let mut frag = RawDoc {
                    key: format!("{base}（缺失部分之后·{fragments}）"),
                    title: "客服规章制度（残篇，编号不详）".into(),
                    lines: vec![Line::Gap],
                };
                if !after.is_empty() {
                    frag.lines.push(Line::Text(after));
                }
                current = Some(frag);
            } else if !after.is_empty() {
                doc.lines.push(Line::Text(after));
            }
            continue;
        }
        if is_rule_heading(&line) {
            doc.lines.push(Line::Heading(line));
        } else {
            doc.lines.push(Line::Text(line));
        }
    }
    if let Some(d) = current.take() {
        docs.push(d);
    }
    docs.into_iter()
        .filter(|d| !d.lines.is_empty())
        .map(|mut d| {
            if d.title.is_empty() {
                d.title = fallback_title.trim().to_owned();
            }
            if d.key.is_empty() {
                d.key = d.title.clone();
            }
            build(d)
        })
        .collect()
}

/// Turns a document's lines into sections and nested clauses.
fn build(raw: RawDoc) -> Document {
    let has_headings = raw.lines.iter().any(|l| matches!(l, Line::Heading(_)));
    let numbered = |style: Style| {
        raw.lines.iter().any(|l| match l {
            Line::Text(t) => split_number(t).is_some_and(|(s, _, _)| s == style),
            _ => false,
        })
    };
    // Which numbering opens a section when no named sub-rules do.
    let section_style = if has_headings {
        None
    } else if numbered(Style::Chapter) {
        Some(Style::Chapter)
    } else if numbered(Style::Han) {
        Some(Style::Han)
    } else {
        None
    };
    let mut sections: Vec<Section> = Vec::new();
    let mut stack: Vec<Style> = Vec::new();
    for line in raw.lines {
        match line {
            Line::Heading(h) => {
                let (number, title) = match split_number(&h) {
                    Some((_, n, t)) => (n, t),
                    None => (String::new(), h),
                };
                sections.push(Section {
                    number,
                    title,
                    clauses: Vec::new(),
                });
                stack.clear();
            }
            Line::Gap => {
                if sections.is_empty() {
                    sections.push(empty_section());
                }
                let depth = stack.len() as i32;
                push_clause(&mut sections, depth, String::new(), GAP_TEXT.into(), true);
            }
            Line::Text(t) => {
                let parsed = split_number(&t);
                if let (Some(ss), Some((s, n, body))) = (section_style, &parsed) {
                    if *s == ss {
                        sections.push(Section {
                            number: n.clone(),
                            title: body.clone(),
                            clauses: Vec::new(),
                        });
                        stack.clear();
                        continue;
                    }
                }
                if sections.is_empty() {
                    sections.push(empty_section());
                }
                match parsed {
                    Some((style, number, body)) => {
                        if let Some(i) = stack.iter().position(|s| *s == style) {
                            stack.truncate(i);
                        }
                        let depth = stack.len() as i32;
                        stack.push(style);
                        push_clause(&mut sections, depth, number, body, false);
                    }
                    None => {
                        let depth = stack.len() as i32;
                        push_clause(&mut sections, depth, String::new(), t, false);
                    }
                }
            }
        }
    }
    for (si, s) in sections.iter_mut().enumerate() {
        number_outline(si + 1, s);
    }
    Document {
        source_key: raw.key,
        title: raw.title,
        sections,
    }
}

fn empty_section() -> Section {
    Section {
        number: String::new(),
        title: String::new(),
        clauses: Vec::new(),
    }
}

fn push_clause(sections: &mut [Section], depth: i32, number: String, body: String, gap: bool) {
    if let Some(s) = sections.last_mut() {
        // An unnumbered line can only sit one level below the last clause.
        let max = s.clauses.last().map_or(0, |c| c.depth + 1);
        s.clauses.push(Clause {
            depth: depth.min(max),
            number,
            body,
            gap,
            anchor: String::new(),
            citation: String::new(),
            cited_as: String::new(),
        });
    }
}

/// Gives each clause its outline anchor and citation from its ancestors.
pub fn number_outline(section_pos: usize, s: &mut Section) {
    let mut ordinals: Vec<usize> = Vec::new();
    let mut labels: Vec<String> = Vec::new();
    let name = if s.title.is_empty() {
        s.number.trim_end_matches('、').to_owned()
    } else {
        s.title.clone()
    };
    for c in s.clauses.iter_mut() {
        let d = c.depth.max(0) as usize;
        if ordinals.len() > d + 1 {
            ordinals.truncate(d + 1);
            labels.truncate(d + 1);
        }
        while ordinals.len() < d + 1 {
            ordinals.push(0);
            labels.push(String::new());
        }
        ordinals[d] += 1;
        labels[d] = if c.number.is_empty() {
            format!("¶{}", ordinals[d])
        } else {
            c.number.trim_end_matches('、').to_owned()
        };
        let path: Vec<String> = ordinals.iter().map(|o| o.to_string()).collect();
        c.anchor = format!("{section_pos}-{}", path.join("-"));
        c.citation = format!("{name} {}", labels.concat()).trim().to_owned();
    }
}

/// Gives the clauses of a new version the anchors they had in the previous one
/// (`old`: anchor, text and first citation in reading order), and with each
/// anchor the citation it was first given. Clauses are matched by text, or by
/// position where text was edited in place; new clauses keep their outline anchor
/// unless an older clause holds it or any version ever gave it (`issued`: a
/// link to a removed clause must not open another rule), then get a suffix
/// ("1-2-n2").
pub fn carry_anchors(
    old: &[(String, String, String)],
    issued: &std::collections::HashSet<String>,
    doc: &mut Document,
) {
    let old_bodies: Vec<&str> = old.iter().map(|o| o.1.as_str()).collect();
    let new_bodies: Vec<String> = doc
        .sections
        .iter()
        .flat_map(|s| s.clauses.iter().map(|c| c.body.clone()))
        .collect();
    let new_refs: Vec<&str> = new_bodies.iter().map(String::as_str).collect();
    let mut carried: Vec<Option<usize>> = vec![None; new_refs.len()];
    for op in similar::capture_diff_slices(similar::Algorithm::Myers, &old_bodies, &new_refs) {
        match op {
            similar::DiffOp::Equal {
                old_index,
                new_index,
                len,
            } => {
                for i in 0..len {
                    carried[new_index + i] = Some(old_index + i);
                }
            }
            similar::DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                let pairs = super::diff::pair_replaced(
                    &old_bodies[old_index..old_index + old_len],
                    &new_refs[new_index..new_index + new_len],
                );
                for (i, j) in pairs {
                    if let (Some(i), Some(j)) = (i, j) {
                        carried[new_index + j] = Some(old_index + i);
                    }
                }
            }
            _ => {}
        }
    }
    let mut used: std::collections::HashSet<String> = carried
        .iter()
        .flatten()
        .map(|&i| old[i].0.clone())
        .chain(issued.iter().cloned())
        .collect();
    let mut k = 0;
    for s in doc.sections.iter_mut() {
        for c in s.clauses.iter_mut() {
            match carried[k].take() {
                Some(i) => {
                    c.anchor = old[i].0.clone();
                    c.cited_as = old[i].2.clone();
                }
                None => {
                    // New in this version: no citation of the first one
                    // means it, whatever number it is printed with.
                    c.cited_as.clear();
                    let mut a = c.anchor.clone();
                    let mut n = 1;
                    while used.contains(&a) {
                        n += 1;
                        a = format!("{}-n{n}", c.anchor);
                    }
                    used.insert(a.clone());
                    c.anchor = a;
                }
            }
            k += 1;
        }
    }
}

/// Writes a document back as text the parser reads the same way (the whole-text editor).
pub fn to_text(doc: &Document) -> String {
    let mut out = String::new();
    for (i, s) in doc.sections.iter().enumerate() {
        if !(i == 0 && s.title.is_empty() && s.number.is_empty()) {
            out.push_str(&format!("## {}{}\n", s.number, s.title));
        }
        for c in &s.clauses {
            if c.gap {
                out.push_str(GAP_LINE);
            } else {
                out.push_str(&c.number);
                out.push_str(&c.body);
            }
            out.push('\n');
        }
    }
    out
}

/// Drops control characters other than line breaks and tabs (PostgreSQL refuses NUL).
pub fn clean(s: &str) -> String {
    s.chars()
        .filter(|c| !c.is_control() || *c == '\n' || *c == '\t')
        .collect()
}

/// Parses one document's text from the whole-text editor.
pub fn parse_one(text: &str, source_key: &str, title: &str) -> Document {
    let mut lines = Vec::new();
    let title = clean(title);
    let title = title.trim();
    for raw in clean(&text.replace('\r', "")).lines() {
        let line = raw.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(h) = line.strip_prefix('#') {
            lines.push(Line::Heading(h.trim_start_matches('#').trim().to_owned()));
        } else if line == GAP_LINE {
            lines.push(Line::Gap);
        } else {
            lines.push(Line::Text(line.to_owned()));
        }
    }
    build(RawDoc {
        key: source_key.to_owned(),
        title: title.to_owned(),
        lines,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SEED: &str = include_str!("../../data/handbook/seed.txt");

    fn seed() -> Vec<Document> {
        parse(SEED, "规章制度")
    }

    #[test]
    fn numbering_styles_are_recognised() {
        assert_eq!(split_number("一、总则").unwrap().1, "一、");
        assert_eq!(split_number("12、办公电话").unwrap().1, "12、");
        assert_eq!(split_number("(2)标识").unwrap().0, Style::Paren);
        assert_eq!(split_number("（3）档案").unwrap().1, "(3)");
        assert_eq!(split_number("③客户的钥匙").unwrap().0, Style::Circled);
        assert_eq!(split_number("E、房地产相关信息").unwrap().0, Style::Letter);
        assert_eq!(split_number("第十二条 保管").unwrap().1, "第十二条");
        assert_eq!(split_number("第三章 档案").unwrap().0, Style::Chapter);
        assert!(split_number("8:00上班").is_none());
        assert!(split_number("身份证复印件").is_none());
    }

    #[test]
    fn the_seed_has_three_documents_and_named_sections() {
        let docs = seed();
        assert_eq!(
            docs.len(),
            3,
            "{:#?}",
            docs.iter().map(|d| &d.title).collect::<Vec<_>>()
        );
        assert_eq!(docs[0].source_key, "客服规章制度1");
        assert_eq!(docs[0].title, "物业中心客服部规章制度之相关制度和职责");
        let names: Vec<&str> = docs[0].sections.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(
            names,
            [
                "钥匙管理规定",
                "住户档案管理规定",
                "办公环境管理规定",
                "接待来访客户管理规定",
                "会议制度管理规定"
            ]
        );
        assert_eq!(docs[2].source_key, "客服规章制度15");
        assert_eq!(docs[2].title, "营销部客服");
        assert_eq!(docs[2].sections[0].clauses.len(), 7);
    }

    #[test]
    fn key_clauses_nest_as_written() {
        let docs = seed();
        let keys = &docs[0].sections[0];
        let c = keys.clauses.iter().find(|c| c.anchor == "1-2-2-3").unwrap();
        assert_eq!(c.number, "③");
        assert_eq!(c.depth, 2);
        assert!(c.body.starts_with("客户的钥匙一般分为"));
        assert_eq!(c.citation, "钥匙管理规定 2(2)③");
        let parent = keys.clauses.iter().find(|c| c.anchor == "1-2-2").unwrap();
        assert_eq!(
            (parent.number.as_str(), parent.body.as_str()),
            ("(2)", "标识")
        );
    }

    #[test]
    fn debris_is_cleaned_and_the_gap_is_kept() {
        let docs = seed();
        let all: String = docs
            .iter()
            .flat_map(|d| d.sections.iter())
            .flat_map(|s| s.clauses.iter())
            .map(|c| format!("{}{}\n", c.number, c.body))
            .collect();
        assert!(all.contains("将各业主的档案袋"));
        assert!(all.contains("详细的记录工作"));
        assert!(all.contains("专科的业务知识"));
        assert!(all.contains("专题会议(会议日期视项目而定)"));
        assert!(!all.contains("jihtu"));
        assert!(!all.contains("精品15篇"));
        assert!(!all.contains("此处隐藏"));
        assert!(!all.contains("小编"));
        assert!(all.contains(GAP_TEXT));
        let gaps = docs[0].sections[4].clauses.iter().filter(|c| c.gap).count();
        assert_eq!(gaps, 1);
    }

    #[test]
    fn the_whole_text_round_trips() {
        for d in seed() {
            let again = parse_one(&to_text(&d), &d.source_key, &d.title);
            assert_eq!(again.content_hash(), d.content_hash(), "{}", d.title);
        }
    }

    /// The citation a clause is looked up by: the one carried with it, or for
    /// a clause new in its version, its own.
    fn first_citation(c: &Clause) -> String {
        if c.cited_as.is_empty() {
            c.citation.clone()
        } else {
            c.cited_as.clone()
        }
    }

    /// A clause removed in one version, and a new one later numbered where it
    /// stood: the new one gets an anchor of its own, so an old link to the
    /// removed clause opens nothing rather than another rule.
    #[test]
    fn a_removed_clauses_anchor_is_never_given_again() {
        let body = |d: &Document| -> Vec<(String, String, String)> {
            d.sections[0]
                .clauses
                .iter()
                .map(|c| (c.anchor.clone(), c.body.clone(), first_citation(c)))
                .collect()
        };
        let v1 = parse("# 守则\n1、按时上班。\n2、不早退。\n3、不喧哗。", "x").remove(0);
        let mut issued: std::collections::HashSet<String> =
            body(&v1).into_iter().map(|(a, _, _)| a).collect();
        let mut v2 = parse("# 守则\n1、按时上班。\n2、不喧哗。", "x").remove(0);
        carry_anchors(&body(&v1), &issued, &mut v2);
        let anchors: Vec<String> = body(&v2).into_iter().map(|(a, _, _)| a).collect();
        assert_eq!(anchors, ["1-1", "1-3"]);
        // Renumbered 2, it is still found as the 3 it was first cited as.
        let cited: Vec<String> = body(&v2).into_iter().map(|(_, _, c)| c).collect();
        assert_eq!(cited, ["1", "3"]);
        assert_eq!(v2.sections[0].clauses[1].citation, "2");
        issued.extend(anchors);
        let mut v3 = parse("# 守则\n1、按时上班。\n2、穿工装。\n3、不喧哗。", "x").remove(0);
        carry_anchors(&body(&v2), &issued, &mut v3);
        let anchors: Vec<String> = body(&v3).into_iter().map(|(a, _, _)| a).collect();
        assert_eq!(anchors, ["1-1", "1-2-n2", "1-3"]);
        // The new clause is cited as nothing of the first version.
        let cited: Vec<&str> = v3.sections[0]
            .clauses
            .iter()
            .map(|c| c.cited_as.as_str())
            .collect();
        assert_eq!(cited, ["1", "", "3"]);
    }

    #[test]
    fn anchors_follow_their_clauses_into_the_next_version() {
        let v1 = parse("# 守则\n1、按时上班。\n2、不早退。\n3、不喧哗。", "x").remove(0);
        let old: Vec<(String, String, String)> = v1.sections[0]
            .clauses
            .iter()
            .map(|c| (c.anchor.clone(), c.body.clone(), first_citation(c)))
            .collect();
        let mut v2 = parse(
            "# 守则\n1、按时上班。\n2、穿工装。\n3、不早退!\n4、不喧哗。",
            "x",
        )
        .remove(0);
        carry_anchors(&old, &Default::default(), &mut v2);
        let anchors: Vec<&str> = v2.sections[0]
            .clauses
            .iter()
            .map(|c| c.anchor.as_str())
            .collect();
        assert_eq!(anchors, ["1-1", "1-2-n2", "1-2", "1-3"]);
        assert_eq!(
            v2.content_hash(),
            parse(
                "# 守则\n1、按时上班。\n2、穿工装。\n3、不早退!\n4、不喧哗。",
                "x"
            )[0]
            .content_hash()
        );
    }

    #[test]
    fn odd_input_never_panics() {
        let alphabet: Vec<char> =
            "第一二十章条、.．(（)）①⑳AZ19 \n#规章制度定客服此处隐藏个字…`'![]篇钥匙\u{0}\r,，"
                .chars()
                .collect();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..3000 {
            let len = (seed % 40) as usize;
            let text: String = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    alphabet[(seed % alphabet.len() as u64) as usize]
                })
                .collect();
            // Whatever is pasted, parsing and writing back never panics.
            for d in parse(&text, "t") {
                parse_one(&to_text(&d), &d.source_key, &d.title);
            }
        }
    }

    #[test]
    fn control_characters_are_dropped() {
        let docs = parse("1、按时\0上班。", "考\u{7}勤");
        assert_eq!(docs[0].title, "考勤");
        assert_eq!(docs[0].sections[0].clauses[0].body, "按时上班。");
    }

    #[test]
    fn markdown_with_chapters_and_articles() {
        let docs = parse(
            "# 员工守则\n第一章 总则\n第一条 为规范管理。\n第二条 适用于全体员工。\n第二章 考勤\n第三条 按时上班。\n(1)不迟到\n",
            "x",
        );
        assert_eq!(docs.len(), 1);
        assert_eq!(docs[0].title, "员工守则");
        assert_eq!(docs[0].sections.len(), 2);
        assert_eq!(docs[0].sections[1].title, "考勤");
        assert_eq!(docs[0].sections[1].clauses[1].depth, 1);
        assert_eq!(docs[0].sections[1].clauses[1].citation, "考勤 第三条(1)");
    }
}
