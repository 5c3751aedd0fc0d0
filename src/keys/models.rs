use chrono::{DateTime, Utc};
use diesel::prelude::*;

use crate::schema::{
    key_categories, key_copy_requests, key_counts, key_events, key_issues, key_loans, keys,
};

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = key_categories)]
pub struct Category {
    pub code: String,
    pub position: i32,
    pub loan_approver: String,
    pub custodian: String,
    pub custodian_role: String,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = keys)]
pub struct Key {
    pub id: i64,
    pub category: String,
    pub building_id: i64,
    pub room_id: Option<i64>,
    pub floor: Option<i32>,
    pub door: String,
    pub label: String,
    pub cabinet: String,
    pub hook: Option<i32>,
    pub copies: i32,
    pub custodian: String,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A common area's key label: building and floor, as lifts and floor plans
/// write it in either language (`A-3F`, a basement `A-B1`).
pub fn common_label(building_code: &str, floor: i32) -> String {
    if floor < 0 {
        format!("{building_code}-B{}", -floor)
    } else {
        format!("{building_code}-{floor}F")
    }
}

#[derive(Insertable, Debug)]
#[diesel(table_name = keys)]
pub struct NewKey {
    pub category: &'static str,
    pub building_id: i64,
    pub room_id: Option<i64>,
    pub floor: Option<i32>,
    pub door: String,
    pub label: String,
    pub cabinet: String,
    pub hook: Option<i32>,
    pub copies: i32,
    pub custodian: String,
}

/// A key as the inventory's page lists it: only the columns its table shows, so
/// a page of fifty reads and decodes no more (no join, no timestamps).
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = keys)]
pub struct KeyBrief {
    pub id: i64,
    pub category: String,
    pub door: String,
    pub label: String,
    pub cabinet: String,
    pub hook: Option<i32>,
    pub copies: i32,
    pub custodian: String,
    pub status: String,
}

/// Where a key hangs: its cabinet and hook.
pub trait Stored {
    fn cabinet(&self) -> &str;
    fn hook(&self) -> Option<i32>;
}

/// Templates hand over their loop's references.
impl<T: Stored> Stored for &T {
    fn cabinet(&self) -> &str {
        (**self).cabinet()
    }
    fn hook(&self) -> Option<i32> {
        (**self).hook()
    }
}

impl Stored for Key {
    fn cabinet(&self) -> &str {
        &self.cabinet
    }
    fn hook(&self) -> Option<i32> {
        self.hook
    }
}

impl Stored for KeyBrief {
    fn cabinet(&self) -> &str {
        &self.cabinet
    }
    fn hook(&self) -> Option<i32> {
        self.hook
    }
}

/// A key with its building's code and project, as lists show it.
#[derive(Queryable, Debug, Clone)]
pub struct KeyRow {
    #[diesel(embed)]
    pub key: Key,
    pub building_code: String,
    pub project: String,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = key_events)]
pub struct KeyEvent {
    pub id: i64,
    pub key_id: i64,
    pub at: DateTime<Utc>,
    pub action: String,
    pub actor_id: Option<i64>,
    pub loan_id: Option<i64>,
    pub note: String,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = key_issues)]
pub struct Issue {
    pub id: i64,
    pub room_id: i64,
    pub resident_id: i64,
    pub signed_name: String,
    pub signature_png: Option<Vec<u8>>,
    pub signed_at: DateTime<Utc>,
    pub issued_by: i64,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = key_loans)]
pub struct Loan {
    pub id: i64,
    pub category: String,
    pub building_id: i64,
    pub borrower_kind: String,
    pub borrower_id: Option<i64>,
    pub borrower_name: String,
    pub borrower_company: String,
    /// Sealed at rest (see [`crate::db::sealed`]).
    pub borrower_id_number: crate::db::sealed::Sealed,
    pub work_order: String,
    pub purpose: String,
    pub due_at: DateTime<Utc>,
    pub status: String,
    pub requested_by: i64,
    pub created_at: DateTime<Utc>,
    pub handed_out_by: Option<i64>,
    pub handed_out_at: Option<DateTime<Utc>>,
    pub returned_to: Option<i64>,
    pub returned_at: Option<DateTime<Utc>>,
    pub lost_account: String,
    pub lost_at: Option<DateTime<Utc>>,
    pub key_labels: Vec<Option<String>>,
    pub key_doors: Vec<Option<String>>,
}

/// A loan is overdue while its keys are out past the time they were due.
fn overdue(status: &str, due_at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    status == "out" && due_at <= now
}

impl Loan {
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        overdue(&self.status, self.due_at, now)
    }

    /// Approved, but its keys were due back before they were handed over:
    /// handing them over now would be overdue at once (and propose a breach
    /// against the borrower for the wait), so it is refused.
    pub fn lapsed(&self, now: DateTime<Utc>) -> bool {
        self.status == "approved" && self.due_at <= now
    }
}

#[derive(Insertable, Debug)]
#[diesel(table_name = key_loans)]
pub struct NewLoan<'a> {
    pub category: &'a str,
    pub building_id: i64,
    pub borrower_kind: &'a str,
    pub borrower_id: Option<i64>,
    pub borrower_name: &'a str,
    pub borrower_company: &'a str,
    pub borrower_id_number: crate::db::sealed::Sealed,
    pub work_order: &'a str,
    pub purpose: &'a str,
    pub due_at: DateTime<Utc>,
    pub status: &'a str,
    pub requested_by: i64,
    pub created_at: DateTime<Utc>,
}

/// A key as a loan's line names it: its label and door (the door is shown in
/// the reader's language, see `Txt::key`).
#[derive(Queryable, Debug, Clone)]
pub struct KeyLabel {
    pub label: String,
    pub door: String,
}

/// What the register page shows of a loan (no identity numbers, no work order:
/// the page reads only what it shows).
#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = key_loans)]
pub struct LoanBrief {
    pub id: i64,
    pub borrower_name: String,
    pub borrower_company: String,
    pub purpose: String,
    pub due_at: DateTime<Utc>,
    pub status: String,
    pub created_at: DateTime<Utc>,
    pub key_labels: Vec<Option<String>>,
    pub key_doors: Vec<Option<String>>,
}

/// A loan's keys as the loan carries them (labels and doors in key order, filled
/// from its lines by a trigger, migration `…_loan_key_labels`).
pub fn key_labels(
    labels: &mut Vec<Option<String>>,
    doors: &mut Vec<Option<String>>,
) -> Vec<KeyLabel> {
    std::mem::take(labels)
        .into_iter()
        .zip(std::mem::take(doors))
        .map(|(label, door)| KeyLabel {
            label: label.unwrap_or_default(),
            door: door.unwrap_or_default(),
        })
        .collect()
}

impl LoanBrief {
    pub fn overdue(&self, now: DateTime<Utc>) -> bool {
        overdue(&self.status, self.due_at, now)
    }
}

/// A line of the register page: the loan, its building code, its keys' labels.
#[derive(Debug, Clone)]
pub struct LoanLine {
    pub loan: LoanBrief,
    pub building_code: String,
    pub keys: Vec<KeyLabel>,
}

/// A loan line of the register as exported and printed: the loan, its building
/// code, its keys' labels and the names of who handed it over and took it back.
#[derive(Debug, Clone)]
pub struct LoanRow {
    pub loan: Loan,
    pub building_code: String,
    pub keys: Vec<KeyLabel>,
    /// The keys it came back without (遗失).
    pub lost: Vec<KeyLabel>,
    pub handed_out_by: String,
    pub returned_to: String,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = key_copy_requests)]
pub struct CopyRequest {
    pub id: i64,
    pub key_id: i64,
    pub copies_requested: i32,
    pub reason: String,
    pub status: String,
    pub requested_by: i64,
    pub created_at: DateTime<Utc>,
    pub copies_made: Option<i32>,
    pub made_by: Option<i64>,
    pub made_at: Option<DateTime<Utc>>,
}

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = key_counts)]
pub struct Count {
    pub id: i64,
    pub cabinet: String,
    pub counted_by: i64,
    pub counted_at: DateTime<Utc>,
    pub expected: i32,
    pub missing: i32,
    pub note: String,
    pub project_id: Option<i64>,
}

/// A key cabinet: a name within a project (two service centres may each have
/// a "1号柜").
#[derive(QueryableByName, Debug, Clone, PartialEq, Eq)]
pub struct Cabinet {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub project_id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub project: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub name: String,
}

impl Cabinet {
    /// How a link or a form names the cabinet: "project id:name".
    pub fn key(&self) -> String {
        format!("{}:{}", self.project_id, self.name)
    }

    /// The (project id, name) a [`Cabinet::key`] names, if it is one.
    pub fn parse_key(key: &str) -> Option<(i64, &str)> {
        let (project, name) = key.split_once(':')?;
        Some((project.parse().ok()?, name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_common_keys_label_reads_as_a_lift_writes_its_floor() {
        assert_eq!(common_label("A", 3), "A-3F");
        assert_eq!(common_label("A", -1), "A-B1");
    }

    #[test]
    fn a_cabinet_is_named_by_its_project_and_its_name_whatever_it_holds() {
        let c = Cabinet {
            project_id: 7,
            project: "翠湖苑".into(),
            name: "1:号柜".into(),
        };
        assert_eq!(c.key(), "7:1:号柜");
        assert_eq!(Cabinet::parse_key(&c.key()), Some((7, "1:号柜")));
        assert_eq!(Cabinet::parse_key("7:"), Some((7, "")));
        assert_eq!(Cabinet::parse_key("1号柜"), None);
        assert_eq!(Cabinet::parse_key("x:1号柜"), None);
    }
}
