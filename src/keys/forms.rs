//! The key cabinet's forms: raw input and its checks.
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};
use serde::Deserialize;

use crate::properties::personal;
use crate::web::FieldErrors;

const TEXT_MAX: usize = 500;
/// The most copies one key is kept with (the database holds to it too).
pub const COPIES_MAX: i32 = 99;
/// The highest hook number of a cabinet (the database holds to it too).
pub const HOOK_MAX: i32 = 100_000;

fn trimmed(s: &str) -> String {
    s.trim().to_owned()
}

/// Ids from repeated checkbox values; anything that is not a number is dropped.
pub fn ids(raw: &[String]) -> Vec<i64> {
    let mut v: Vec<i64> = raw.iter().filter_map(|s| s.trim().parse().ok()).collect();
    v.sort_unstable();
    v.dedup();
    v
}

/// Words that say the loan is for oneself: 钥匙管理规定 2(1)① allows work only.
const PRIVATE_WORDS: [&str; 6] = ["私用", "私人", "自用", "个人用", "private", "personal"];

#[derive(Deserialize, Default, Debug, Clone)]
pub struct LoanInput {
    /// The one-time token of the creating form (`crate::web::once`).
    #[serde(default)]
    pub form_token: String,
    #[serde(default)]
    pub building: String,
    /// What the list of the building's keys is narrowed to: part of a label
    /// (a room number, 3-1-1502).
    #[serde(default)]
    pub room: String,
    #[serde(default)]
    pub key: Vec<String>,
    /// `staff` or `outside`.
    #[serde(default)]
    pub borrower_kind: String,
    /// A staff borrower's user id.
    #[serde(default)]
    pub borrower: String,
    #[serde(default)]
    pub borrower_name: String,
    #[serde(default)]
    pub borrower_company: String,
    #[serde(default)]
    pub borrower_id_number: String,
    #[serde(default)]
    pub work_order: String,
    #[serde(default)]
    pub purpose: String,
    /// `YYYY-MM-DDTHH:MM` in the site's time zone.
    #[serde(default)]
    pub due: String,
}

pub struct ValidLoan {
    pub key_ids: Vec<i64>,
    pub outside: bool,
    pub borrower_id: Option<i64>,
    pub borrower_name: String,
    pub borrower_company: String,
    pub borrower_id_number: String,
    pub work_order: String,
    pub purpose: String,
    pub due_at: DateTime<Utc>,
}

/// The furthest a key loan may be due back, in days from its filing: the
/// overdue job leans on it to read only the last weeks' loans.
pub const DUE_MAX_DAYS: i64 = 31;

/// A local `YYYY-MM-DDTHH:MM` (or with a space) as a UTC time.
pub fn local_datetime(s: &str, tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    let s = s.trim().replace(' ', "T");
    let naive = NaiveDateTime::parse_from_str(&s, "%Y-%m-%dT%H:%M")
        .ok()
        .filter(|n| crate::web::form::YEARS.contains(&chrono::Datelike::year(n)))?;
    tz.from_local_datetime(&naive)
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

impl LoanInput {
    pub fn validate(
        &self,
        errors: &mut FieldErrors,
        now: DateTime<Utc>,
        tz: chrono_tz::Tz,
    ) -> Option<ValidLoan> {
        let key_ids = ids(&self.key);
        if key_ids.is_empty() {
            errors.add("key", "keys.error.no_keys");
        }
        let outside = self.borrower_kind == "outside";
        let mut borrower_id = None;
        // An outside worker's name, company and ID number; a colleague's form
        // may still carry what was typed before switching, which is dropped.
        let (mut borrower_name, mut borrower_company) = (String::new(), String::new());
        let mut borrower_id_number = String::new();
        if outside {
            borrower_name = trimmed(&self.borrower_name);
            borrower_company = trimmed(&self.borrower_company);
            if borrower_name.is_empty() || borrower_name.chars().count() > 64 {
                errors.add("borrower_name", "keys.error.borrower_name");
            }
            if borrower_company.is_empty() || borrower_company.chars().count() > 100 {
                errors.add("borrower_company", "keys.error.company");
            }
            match personal::check_resident_id(
                &self.borrower_id_number,
                now.with_timezone(&tz).date_naive(),
            ) {
                Ok(id) => borrower_id_number = id,
                Err(e) => errors.add("borrower_id_number", e.key()),
            }
        } else {
            borrower_id = self.borrower.trim().parse().ok();
            if borrower_id.is_none() {
                errors.add("borrower", "keys.error.borrower");
            }
        }
        let work_order = trimmed(&self.work_order);
        if work_order.chars().count() > 40 {
            errors.add("work_order", "keys.error.work_order");
        }
        let purpose = trimmed(&self.purpose);
        let lower = purpose.to_lowercase();
        if purpose.is_empty() {
            errors.add("purpose", "keys.error.purpose");
        } else if purpose.chars().count() > TEXT_MAX {
            errors.add("purpose", "keys.error.too_long");
        } else if PRIVATE_WORDS.iter().any(|w| lower.contains(w)) {
            errors.add("purpose", "keys.error.private");
        }
        let due_at = local_datetime(&self.due, tz);
        match due_at {
            None => errors.add("due", "keys.error.due"),
            Some(t) if t <= now => errors.add("due", "keys.error.due_past"),
            Some(t) if t > now + chrono::Duration::days(DUE_MAX_DAYS) => {
                errors.add("due", "keys.error.due_far")
            }
            _ => {}
        }
        if !errors.is_empty() {
            return None;
        }
        Some(ValidLoan {
            key_ids,
            outside,
            borrower_id,
            borrower_name,
            borrower_company,
            borrower_id_number,
            work_order,
            purpose,
            due_at: due_at?,
        })
    }
}

/// Creating keys: a room's owner set, a building's sets, or a common-area key.
#[derive(Deserialize, Default, Debug, Clone)]
pub struct SetInput {
    #[serde(default)]
    pub building: String,
    #[serde(default)]
    pub cabinet: String,
    /// Common-area keys only.
    #[serde(default)]
    pub floor: String,
    #[serde(default)]
    pub door: String,
}

impl SetInput {
    pub fn cabinet(&self, errors: &mut FieldErrors) -> String {
        let c = trimmed(&self.cabinet);
        if c.chars().count() > 40 {
            errors.add("cabinet", "keys.error.cabinet");
        }
        c
    }

    /// The floor and door of a common-area key.
    pub fn common(&self, errors: &mut FieldErrors) -> Option<(i32, String)> {
        let floor = self
            .floor
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|f| (-10..=200).contains(f));
        if floor.is_none() {
            errors.add("floor", "keys.error.floor");
        }
        let door = trimmed(&self.door);
        if door.is_empty() || door.chars().count() > 40 {
            errors.add("door", "keys.error.door");
        }
        Some((floor?, door))
    }
}

#[derive(Deserialize, Default, Debug, Clone)]
pub struct StorageInput {
    #[serde(default)]
    pub cabinet: String,
    #[serde(default)]
    pub hook: String,
    #[serde(default)]
    pub copies: String,
    /// The storage as the page showed it (`storage_seen`): copies recorded or a
    /// move made since are not undone unseen.
    #[serde(default)]
    pub seen: String,
}

impl StorageInput {
    pub fn validate(&self, errors: &mut FieldErrors) -> Option<(String, Option<i32>, i32)> {
        let cabinet = trimmed(&self.cabinet);
        if cabinet.chars().count() > 40 {
            errors.add("cabinet", "keys.error.cabinet");
        }
        let hook = match self.hook.trim() {
            "" => Ok(None),
            h => h
                .parse::<i32>()
                .ok()
                .filter(|n| (1..=HOOK_MAX).contains(n))
                .map(Some)
                .ok_or(()),
        };
        if hook.is_err() {
            errors.add("hook", "keys.error.hook");
        }
        let copies = self
            .copies
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|n| (0..=COPIES_MAX).contains(n));
        if copies.is_none() {
            errors.add("copies", "keys.error.copies");
        }
        Some((cabinet, hook.ok()?, copies?)).filter(|_| errors.is_empty())
    }
}

/// A key's status changed by hand: found again (在柜) or retired (停用).
#[derive(Deserialize, Default, Debug, Clone)]
pub struct StatusInput {
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub note: String,
    /// The status the page showed: a key found or lent meanwhile is not moved
    /// on from a status it no longer has.
    pub from: Option<String>,
}

/// Issue to an owner: which keys, to whom, checked against which document, signed.
#[derive(Deserialize, Default, Debug, Clone)]
pub struct IssueInput {
    #[serde(default)]
    pub key: Vec<String>,
    #[serde(default)]
    pub resident: String,
    /// The ID number on the document the owner shows, typed by the clerk.
    #[serde(default)]
    pub id_number: String,
    #[serde(default)]
    pub sign_name: String,
    #[serde(default)]
    pub sign_confirm: Option<String>,
    #[serde(default)]
    pub sign_drawing: String,
    /// One-time token (`web::once`).
    #[serde(default)]
    pub form_token: String,
}

/// Returning keys, or reporting them lost (遗失) with a written account.
#[derive(Deserialize, Default, Debug, Clone)]
pub struct CloseInput {
    #[serde(default)]
    pub lost: Vec<String>,
    #[serde(default)]
    pub account: String,
}

/// How long the account of a loss may be.
const ACCOUNT_MAX: usize = 1000;

impl CloseInput {
    /// The keys ticked as lost and the account: one is needed when any is ticked.
    pub fn validate(&self, errors: &mut FieldErrors) -> Option<(Vec<i64>, String)> {
        let lost = ids(&self.lost);
        if self.lost.iter().any(|s| s.trim().parse::<i64>().is_err()) {
            errors.add("lost", "keys.error.lost_unknown");
        }
        let account = self.account.trim().to_owned();
        if !lost.is_empty() && account.is_empty() {
            errors.add("account", "keys.error.account");
        } else if account.chars().count() > ACCOUNT_MAX {
            errors.add("account", "keys.error.account_too_long");
        }
        errors.is_empty().then_some((lost, account))
    }

    /// Whether the form ticked key `id` as lost.
    pub fn ticked(&self, id: &i64) -> bool {
        self.lost.iter().any(|s| s.trim() == id.to_string())
    }
}

#[derive(Deserialize, Default, Debug, Clone)]
pub struct CopyInput {
    #[serde(default)]
    pub key: String,
    #[serde(default)]
    pub copies: String,
    #[serde(default)]
    pub reason: String,
    /// The one-time token of the creating form (`crate::web::once`).
    #[serde(default)]
    pub form_token: String,
}

impl CopyInput {
    pub fn validate(&self, errors: &mut FieldErrors) -> Option<(i64, i32, String)> {
        let key = self.key.trim().parse::<i64>().ok();
        if key.is_none() {
            errors.add("key", "keys.error.no_keys");
        }
        let copies = self
            .copies
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|n| (1..=20).contains(n));
        if copies.is_none() {
            errors.add("copies", "keys.error.copies_requested");
        }
        let reason = trimmed(&self.reason);
        if reason.is_empty() {
            errors.add("reason", "keys.error.reason");
        } else if reason.chars().count() > TEXT_MAX {
            errors.add("reason", "keys.error.too_long");
        }
        Some((key?, copies?, reason)).filter(|_| errors.is_empty())
    }
}

#[derive(Deserialize, Default, Debug, Clone)]
pub struct MadeInput {
    #[serde(default)]
    pub copies_made: String,
}

#[derive(Deserialize, Default, Debug, Clone)]
pub struct CountInput {
    #[serde(default)]
    pub cabinet: String,
    /// The keys the clerk found on their hooks.
    #[serde(default)]
    pub present: Vec<String>,
    /// The keys the page listed as expected (ids, comma-separated): a key lent
    /// or returned while the clerk counted sends the page back.
    pub listed: Option<String>,
    #[serde(default)]
    pub note: String,
    /// The one-time token of the creating form (`crate::web::once`).
    #[serde(default)]
    pub form_token: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-28T02:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn loan(purpose: &str, due: &str) -> LoanInput {
        LoanInput {
            key: vec!["3".into(), "x".into(), "3".into()],
            borrower_kind: "staff".into(),
            borrower: "7".into(),
            purpose: purpose.into(),
            due: due.into(),
            ..Default::default()
        }
    }

    #[test]
    fn a_work_loan_passes_with_a_local_due_time() {
        let mut e = FieldErrors::new(Locale::ZhCn);
        let v = loan("更换配电柜保险丝", "2026-11-28T18:00")
            .validate(&mut e, now(), chrono_tz::Asia::Shanghai)
            .expect("valid");
        assert_eq!(v.key_ids, vec![3]);
        assert_eq!(v.due_at.to_rfc3339(), "2026-11-28T10:00:00+00:00");
    }

    #[test]
    fn private_use_and_past_due_times_are_refused() {
        let mut e = FieldErrors::new(Locale::ZhCn);
        assert!(loan("私用", "2026-11-28T09:00")
            .validate(&mut e, now(), chrono_tz::Asia::Shanghai)
            .is_none());
        assert!(e.has("purpose"));
        assert!(e.has("due"));
    }

    #[test]
    fn outside_workers_need_a_company_and_a_valid_id() {
        let mut e = FieldErrors::new(Locale::ZhCn);
        let mut i = loan("维修电梯", "2026-11-29T09:00");
        i.borrower_kind = "outside".into();
        i.borrower_name = "张师傅".into();
        i.borrower_id_number = "110105194912310021".into();
        assert!(i
            .validate(&mut e, now(), chrono_tz::Asia::Shanghai)
            .is_none());
        assert!(e.has("borrower_company"));
        assert!(e.has("borrower_id_number"));
    }
}
