//! Rows of the handbook tables.
use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use crate::schema::{handbook_clauses, handbook_documents, handbook_sections, handbook_versions};

pub const DRAFT: &str = "draft";
pub const PUBLISHED: &str = "published";

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = handbook_documents)]
pub struct DocumentRow {
    pub id: i64,
    pub source_key: String,
    pub position: i32,
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = handbook_versions)]
pub struct Version {
    pub id: i64,
    pub document_id: i64,
    pub number: Option<i32>,
    pub status: String,
    pub title: String,
    pub content_hash: String,
    pub effective_on: Option<NaiveDate>,
    pub change_note: String,
    pub requires_ack: bool,
    pub ack_roles: Vec<Option<String>>,
    pub created_at: DateTime<Utc>,
    pub published_at: Option<DateTime<Utc>>,
}

impl Version {
    pub fn is_draft(&self) -> bool {
        self.status == DRAFT
    }

    /// "第 2 版", or the draft label's key when unpublished (templates pick the text).
    pub fn number_or_zero(&self) -> i32 {
        self.number.unwrap_or(0)
    }

    pub fn effective(&self) -> String {
        self.effective_on
            .map(|d| d.format("%Y-%m-%d").to_string())
            .unwrap_or_default()
    }

    pub fn roles(&self) -> Vec<String> {
        self.ack_roles.iter().flatten().cloned().collect()
    }
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = handbook_sections)]
pub struct SectionRow {
    pub id: i64,
    pub version_id: i64,
    pub position: i32,
    pub number: String,
    pub title: String,
}

#[derive(Queryable, Selectable, Clone, Debug)]
#[diesel(table_name = handbook_clauses)]
pub struct ClauseRow {
    pub id: i64,
    pub version_id: i64,
    pub section_id: i64,
    pub position: i32,
    pub depth: i32,
    pub number: String,
    pub anchor: String,
    pub citation: String,
    pub body: String,
    pub gap: bool,
    /// Its citation in its document's first version (see
    /// [`super::import::Clause::cited_as`]), empty for a clause added since:
    /// what the code's citations of the book find it by.
    pub cited_as: String,
}

#[derive(Insertable)]
#[diesel(table_name = handbook_versions)]
pub struct NewVersion<'a> {
    pub document_id: i64,
    pub status: &'a str,
    pub title: &'a str,
    pub content_hash: &'a str,
    pub created_by: Option<i64>,
}

/// A section of one version with its clauses, as pages show it.
#[derive(Clone, Debug)]
pub struct SectionView {
    pub section: SectionRow,
    pub clauses: Vec<ClauseRow>,
}

impl SectionView {
    pub fn heading(&self) -> String {
        format!("{}{}", self.section.number, self.section.title)
    }

    /// The section's own anchor on the page.
    pub fn anchor(&self) -> String {
        format!("s{}", self.section.position)
    }
}

/// A link from a clause to a register or the penalty schedule.
#[derive(Queryable, Clone, Debug)]
pub struct ClauseLink {
    pub anchor: String,
    pub kind: String,
    pub label: String,
    pub href: String,
}
