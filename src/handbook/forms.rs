//! Handbook forms: raw input kept for re-rendering, validated values out.
use chrono::NaiveDate;
use serde::Deserialize;

use crate::auth::Role;
use crate::web::FieldErrors;

/// Longest text the import and whole-text forms take: 100,000 Chinese characters
/// are 900,000 bytes percent-encoded (9 each), within the 1 MiB form body limit
/// (`web::middleware`), so a text over it gets this message, not a 413 page.
pub const MAX_TEXT_CHARS: usize = 100_000;
pub const MAX_CLAUSE_CHARS: usize = 4_000;

#[derive(Deserialize, Default)]
pub struct ImportInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub text: String,
}

impl ImportInput {
    /// The parsed documents, or messages per field.
    pub fn validate(&self, errors: &mut FieldErrors) -> Option<Vec<super::import::Document>> {
        let text = self.text.trim();
        let title = self.title.trim();
        if title.chars().count() > 200 {
            errors.add("title", "handbook.error.title_long");
        }
        if text.is_empty() {
            errors.add("text", "handbook.error.text_required");
            return None;
        }
        if text.chars().count() > MAX_TEXT_CHARS {
            errors.add("text", "handbook.error.text_long");
            return None;
        }
        let docs = super::import::parse(text, title);
        if docs.is_empty() || docs.iter().all(|d| d.clause_count() == 0) {
            errors.add("text", "handbook.error.no_clauses");
        } else if docs.iter().any(|d| d.title.is_empty()) {
            errors.add("title", "handbook.error.title_required");
        } else if docs.iter().any(|d| d.title.chars().count() > 200) {
            errors.add("title", "handbook.error.title_long");
        } else if docs.iter().any(|d| d.source_key.chars().count() > 200) {
            // A document's name as the text gives it ("客服规章制度N" with a
            // very long number, or a fragment named by a long title).
            errors.add("text", "handbook.error.name_long");
        } else if let Some(name) = repeated_name(&docs) {
            // Saved one after the other, the second would replace the first.
            let text = errors
                .locale()
                .tf("handbook.error.name_twice", &[("name", &name)]);
            errors.add_text("text", text);
        }
        if errors.is_empty() {
            Some(docs)
        } else {
            None
        }
    }
}

/// The first document name the text gives twice.
fn repeated_name(docs: &[super::import::Document]) -> Option<String> {
    let mut seen = std::collections::HashSet::new();
    docs.iter()
        .find(|d| !seen.insert(d.source_key.as_str()))
        .map(|d| d.source_key.clone())
}

#[derive(Deserialize, Default)]
pub struct TextInput {
    #[serde(default)]
    pub title: String,
    #[serde(default)]
    pub text: String,
    /// The draft's content hash as the form read it (empty: not checked).
    #[serde(default)]
    pub seen: String,
}

#[derive(Deserialize, Default)]
pub struct ClauseInput {
    #[serde(default)]
    pub body: String,
    /// [`body_seen`] of the clause as the form showed it (empty: not checked).
    #[serde(default)]
    pub was: String,
    /// The clause's anchor: where its text goes when a whole-text save has
    /// rewritten the draft since the form was read.
    #[serde(default)]
    pub anchor: String,
}

/// A short fingerprint of a clause's text as its form shows it.
pub fn body_seen(body: &str) -> String {
    crate::web::form::seen_of(body)
}

impl ClauseInput {
    pub fn validate(&self, errors: &mut FieldErrors) -> Option<String> {
        let body = super::import::clean(&self.body);
        let body = body.trim();
        if body.is_empty() {
            errors.add("body", "handbook.error.body_required");
        } else if body.chars().count() > MAX_CLAUSE_CHARS {
            errors.add("body", "handbook.error.body_long");
        } else if body.contains('\n') {
            errors.add("body", "handbook.error.body_one_line");
        }
        errors.is_empty().then(|| body.to_owned())
    }
}

#[derive(Deserialize, Default, Clone)]
pub struct PublishInput {
    #[serde(default)]
    pub effective_on: String,
    #[serde(default)]
    pub change_note: String,
    pub requires_ack: Option<String>,
    #[serde(default)]
    pub roles: Vec<String>,
}

pub struct ValidPublish {
    pub effective_on: NaiveDate,
    pub change_note: String,
    pub requires_ack: bool,
    pub roles: Vec<String>,
}

impl PublishInput {
    pub fn wants_ack(&self) -> bool {
        self.requires_ack.is_some()
    }

    pub fn has_role(&self, code: &str) -> bool {
        self.roles.iter().any(|r| r == code)
    }

    /// Checks the request to publish, made on the site's day `today`: the
    /// version takes effect today or later (never on record as in force
    /// before it could be read).
    pub fn validate(&self, errors: &mut FieldErrors, today: NaiveDate) -> Option<ValidPublish> {
        let date = crate::web::form::date(&self.effective_on);
        match date {
            None => errors.add("effective_on", "handbook.error.date"),
            Some(d) if d < today => errors.add("effective_on", "handbook.error.date_past"),
            Some(_) => {}
        }
        let note = super::import::clean(&self.change_note);
        let note = note.trim();
        if note.is_empty() {
            errors.add("change_note", "handbook.error.note_required");
        } else if note.chars().count() > 1000 {
            errors.add("change_note", "handbook.error.note_long");
        }
        let mut roles: Vec<String> = Vec::new();
        for r in &self.roles {
            match Role::from_code(r) {
                Some(role) if !roles.iter().any(|x| x == role.code()) => {
                    roles.push(role.code().to_owned())
                }
                Some(_) => {}
                None => errors.add("roles", "handbook.error.role_unknown"),
            }
        }
        if self.wants_ack() && roles.is_empty() {
            errors.add("roles", "handbook.error.roles_required");
        }
        match (date, errors.is_empty()) {
            (Some(effective_on), true) => Some(ValidPublish {
                effective_on,
                change_note: note.to_owned(),
                requires_ack: self.wants_ack(),
                roles: if self.wants_ack() { roles } else { Vec::new() },
            }),
            _ => None,
        }
    }
}
