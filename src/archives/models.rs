use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use crate::i18n::Locale;
use crate::schema::{
    archive_borrows, archive_destructions, archive_doc_types, archive_documents, archive_history,
    archives,
};

/// A document type of the checklists, with its retention schedule.
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = archive_doc_types)]
pub struct DocType {
    pub id: i64,
    pub code: String,
    pub archive_kind: String,
    pub name_zh: String,
    pub name_en: String,
    pub position: i32,
    pub required: bool,
    pub personal: bool,
    pub retention_event: String,
    pub retention_years: Option<i32>,
    pub created_at: DateTime<Utc>,
}

impl DocType {
    pub fn name(&self, loc: Locale) -> &str {
        match loc {
            Locale::En => &self.name_en,
            _ => &self.name_zh,
        }
    }

    /// A paper of this type as a reader names it: its title and, in brackets,
    /// the type in the reader's language ("2号楼购房合同 (Purchase contract)",
    /// "2号楼购房合同（购房合同）");
    /// a title that only repeats the type's name, in either language, is that
    /// name in the reader's language.
    pub fn with_title(&self, title: &str, loc: Locale) -> String {
        let title = title.trim();
        if title == self.name_zh || title == self.name_en {
            self.name(loc).to_owned()
        } else {
            format!("{title}{}", loc.note(self.name(loc)))
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = archive_doc_types)]
pub struct NewDocType<'a> {
    pub code: &'a str,
    pub archive_kind: &'a str,
    pub name_zh: &'a str,
    pub name_en: &'a str,
    pub position: i32,
    pub required: bool,
    pub personal: bool,
    pub retention_event: &'a str,
    pub retention_years: Option<i32>,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = archives)]
pub struct Archive {
    pub id: i64,
    pub resident_id: i64,
    pub room_id: i64,
    pub kind: String,
    pub project_id: i64,
    pub building_id: i64,
    pub building_code: String,
    pub floor: i32,
    pub unit: String,
    pub number: String,
    pub resident_name: String,
    pub lease_ended_on: Option<NaiveDate>,
    pub contract_ended_on: Option<NaiveDate>,
    pub legal_hold: bool,
    pub present_required: i32,
    pub created_at: DateTime<Utc>,
}

impl Archive {
    /// The label on the archive bag: 栋号-(单元-)楼层号-房号.
    pub fn label(&self) -> String {
        label(&self.building_code, &self.unit, self.floor, &self.number)
    }
}

/// An archive as the lists show it: the columns the order index carries, so a
/// page is read from the index alone (migration `…_archive_list`).
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = archives)]
pub struct ArchiveBrief {
    pub id: i64,
    pub kind: String,
    pub building_id: i64,
    pub building_code: String,
    pub floor: i32,
    pub unit: String,
    pub number: String,
    pub resident_name: String,
    pub legal_hold: bool,
    pub present_required: i32,
}

impl ArchiveBrief {
    /// The label on the archive bag: 栋号-(单元-)楼层号-房号.
    pub fn label(&self) -> String {
        label(&self.building_code, &self.unit, self.floor, &self.number)
    }
}

pub fn label(building: &str, unit: &str, floor: i32, number: &str) -> String {
    if unit.is_empty() {
        format!("{building}-{floor}-{number}")
    } else {
        format!("{building}-{unit}-{floor}-{number}")
    }
}

#[derive(Insertable)]
#[diesel(table_name = archives)]
pub struct NewArchive<'a> {
    pub resident_id: i64,
    pub room_id: i64,
    pub kind: &'a str,
    pub project_id: i64,
    pub building_id: i64,
    pub building_code: &'a str,
    pub floor: i32,
    pub unit: &'a str,
    pub number: &'a str,
    pub resident_name: &'a str,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = archive_documents)]
pub struct Document {
    pub id: i64,
    pub archive_id: i64,
    pub type_id: i64,
    pub title: String,
    pub received_on: NaiveDate,
    pub pages: i32,
    pub cabinet: String,
    pub box_: String,
    pub confidential: bool,
    pub retain_until: Option<NaiveDate>,
    pub legal_hold: bool,
    pub status: String,
    pub has_scan: bool,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Why it was taken out of the archive (档案变更), when it was.
    pub removed_reason: String,
    pub removed_by: Option<i64>,
    pub removed_at: Option<DateTime<Utc>>,
}

impl Document {
    /// The paper is in the archive room or out on loan: neither destroyed nor
    /// taken out. Only such papers count (completeness, retention, duplicates);
    /// SQL says it as [`super::queries::IN_ARCHIVE`].
    pub fn in_archive(&self) -> bool {
        matches!(self.status.as_str(), "kept" | "on_loan")
    }

    /// Where the paper is: cabinet and box.
    pub fn place(&self) -> String {
        match (self.cabinet.is_empty(), self.box_.is_empty()) {
            (true, true) => String::new(),
            (false, true) => self.cabinet.clone(),
            (true, false) => self.box_.clone(),
            (false, false) => format!("{} / {}", self.cabinet, self.box_),
        }
    }
}

#[derive(Insertable)]
#[diesel(table_name = archive_documents)]
pub struct NewDocument<'a> {
    pub archive_id: i64,
    pub type_id: i64,
    pub title: &'a str,
    pub received_on: NaiveDate,
    pub pages: i32,
    pub cabinet: &'a str,
    #[diesel(column_name = box_)]
    pub box_: &'a str,
    pub confidential: bool,
    pub created_by: i64,
}

/// A document with its archive's label and type, for lists across archives.
#[derive(Queryable, Debug, Clone)]
pub struct DocumentRow {
    #[diesel(embed)]
    pub doc: Document,
    #[diesel(embed)]
    pub doc_type: DocType,
    pub building_code: String,
    pub unit: String,
    pub floor: i32,
    pub number: String,
    pub resident_name: String,
    pub archive_hold: bool,
}

impl DocumentRow {
    pub fn label(&self) -> String {
        label(&self.building_code, &self.unit, self.floor, &self.number)
    }
    pub fn held(&self) -> bool {
        self.doc.legal_hold || self.archive_hold
    }
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = archive_history)]
pub struct HistoryEntry {
    pub id: i64,
    pub archive_id: i64,
    pub document_id: Option<i64>,
    pub action: String,
    pub detail: String,
    pub actor_id: Option<i64>,
    pub at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = archive_borrows)]
pub struct Borrow {
    pub id: i64,
    pub archive_id: i64,
    pub borrower_id: i64,
    pub mode: String,
    pub purpose: String,
    pub due_on: NaiveDate,
    pub status: String,
    pub lent_at: Option<DateTime<Utc>>,
    pub lent_by: Option<i64>,
    pub signed_name: Option<String>,
    pub signature_png: Option<Vec<u8>>,
    pub signed_at: Option<DateTime<Utc>>,
    pub returned_at: Option<DateTime<Utc>>,
    pub returned_to: Option<i64>,
    pub created_at: DateTime<Utc>,
    /// `work` (the borrower's own work), `other` (not for work) or `outsider`
    /// (for `visitor_name`, who is not on the staff): 住户档案管理规定 3(1), 3(2).
    pub grounds: String,
    pub visitor_name: String,
}

impl Borrow {
    /// Whether the manager must approve it first: every loan and copy (3(4)),
    /// and a consultation on site unless it is for the borrower's work (3(2)).
    pub fn needs_approval(mode: &str, grounds: &str) -> bool {
        mode != "consult" || grounds != "work"
    }

    /// Who consults or borrows, as the register writes it: the borrower, or the
    /// visitor with the colleague who brings them (`staff`, the borrower).
    pub fn who(&self, staff: &str, loc: crate::i18n::Locale) -> String {
        if self.grounds == "outsider" {
            loc.tf(
                "archives.visitor_with",
                &[("visitor", &self.visitor_name), ("staff", &staff)],
            )
        } else {
            staff.to_owned()
        }
    }

    /// The name the hand-over's signature must carry: the visitor's for an
    /// outsider, else the borrower's (`staff`).
    pub fn signer<'a>(&'a self, staff: &'a str) -> &'a str {
        if self.grounds == "outsider" {
            &self.visitor_name
        } else {
            staff
        }
    }

    /// Its state in words. A consultation on site reads as such: ready to be
    /// consulted (approved, or needing no approval), being consulted, called off.
    pub fn state_label(&self, loc: crate::i18n::Locale) -> &'static str {
        let key = match (self.mode.as_str(), self.status.as_str()) {
            ("consult", "approved") => "ready",
            ("consult", "lent") => "consulting",
            ("consult", "withdrawn") => "called_off",
            (_, s) => s,
        };
        loc.t_in("archives.borrow_status", key)
    }

    /// The slip's number as the register writes it (借阅 JY-n).
    pub fn number(&self) -> String {
        format!("JY-{}", self.id)
    }

    /// Approved for a loan or copy whose return date has passed before the
    /// papers were handed over (`today`, the site's): handing them over now
    /// would be overdue at once, so it is refused and the borrow may be called
    /// off. A consultation is due back the day it is handed over instead.
    pub fn lapsed(&self, today: NaiveDate) -> bool {
        self.status == "approved" && self.mode != "consult" && self.due_on < today
    }

    /// On loan past its due date on the site's `today`: the day after the due
    /// date, as the overdue reminder counts it.
    pub fn overdue(&self, today: NaiveDate) -> bool {
        self.status == "lent" && self.due_on < today
    }
}

/// A line of the 文件借阅登记表: the borrow, its archive's label and the borrower.
#[derive(Queryable, Debug, Clone)]
pub struct BorrowRow {
    #[diesel(embed)]
    pub borrow: Borrow,
    pub building_code: String,
    pub unit: String,
    pub floor: i32,
    pub number: String,
    pub borrower: String,
}

impl BorrowRow {
    pub fn label(&self) -> String {
        label(&self.building_code, &self.unit, self.floor, &self.number)
    }
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = archive_destructions)]
pub struct Destruction {
    pub id: i64,
    pub status: String,
    pub note: String,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub rechecked_by: Option<i64>,
    pub rechecked_at: Option<DateTime<Utc>>,
    pub destroyed_by: Option<i64>,
    pub destroyed_at: Option<DateTime<Utc>>,
    /// Why its papers go: `expired` (past retention) or `appraised` (鉴定).
    pub basis: String,
    /// Who called the approved list off, when and why (status `called_off`).
    pub called_off_by: Option<i64>,
    pub called_off_at: Option<DateTime<Utc>>,
    pub called_off_reason: String,
}

impl Destruction {
    /// Its papers go on an appraisal (经鉴定无保存价值), not for being past retention.
    pub fn appraised(&self) -> bool {
        self.basis == "appraised"
    }
}

/// A witness of a destruction, as signed.
#[derive(Queryable, Debug, Clone)]
pub struct Witness {
    pub user_id: i64,
    pub signed_name: String,
    pub signature_png: Option<Vec<u8>>,
    pub signed_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paper_is_named_by_its_title_and_type_and_a_bare_type_name_once() {
        let t = DocType {
            id: 1,
            code: "purchase_contract".into(),
            archive_kind: "owner".into(),
            name_zh: "购房合同".into(),
            name_en: "Purchase contract".into(),
            position: 1,
            required: true,
            personal: false,
            retention_event: "none".into(),
            retention_years: None,
            created_at: Utc::now(),
        };
        assert_eq!(
            t.with_title("2号楼购房合同", Locale::En),
            "2号楼购房合同 (Purchase contract)"
        );
        assert_eq!(
            t.with_title("2号楼购房合同", Locale::ZhCn),
            "2号楼购房合同（购房合同）"
        );
        assert_eq!(t.with_title("购房合同", Locale::En), "Purchase contract");
        assert_eq!(t.with_title(" 购房合同 ", Locale::ZhCn), "购房合同");
        assert_eq!(t.with_title("Purchase contract", Locale::ZhCn), "购房合同");
    }
}
