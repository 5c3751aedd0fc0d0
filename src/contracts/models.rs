use chrono::{DateTime, NaiveDate, Utc};
use diesel::prelude::*;

use crate::schema::sales_contracts;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = sales_contracts)]
pub struct Contract {
    pub id: i64,
    pub contract_no: String,
    pub project: String,
    pub unit: String,
    pub buyer: String,
    pub buyer_phone: String,
    pub signed_on: NaiveDate,
    pub area_centi: i32,
    pub price_fen: i64,
    pub payment: String,
    pub agent: String,
    pub stage: String,
    pub filed_on: Option<NaiveDate>,
    pub notified_on: Option<NaiveDate>,
    pub deed_tax_due: Option<NaiveDate>,
    pub collected_on: Option<NaiveDate>,
    pub voided_on: Option<NaiveDate>,
    pub recorded_by: i64,
    pub recorded_at: DateTime<Utc>,
    pub version: i32,
    pub surveyed_centi: Option<i32>,
    pub adjust_fen: Option<i64>,
    pub settled_on: Option<NaiveDate>,
    pub cert_no: String,
    pub cert_received_on: Option<NaiveDate>,
    pub cert_issued_on: Option<NaiveDate>,
    pub cert_signed_by: String,
    pub cert_notified_on: Option<NaiveDate>,
}

impl Contract {
    /// The buyer's phone as pages show it: 138****5678.
    pub fn phone_masked(&self) -> String {
        crate::properties::personal::mask_phone(&self.buyer_phone)
    }

    /// The step that comes next, if the contract is still followed.
    pub fn next_step(&self) -> Option<&'static str> {
        super::next_step(&self.stage, &self.payment)
    }

    /// The next step of the certificate's part, once the contract is collected:
    /// the surveyed area, the refund or top-up settled (when there is one), the
    /// certificate received, the buyer told to come for it, then issued. (A
    /// certificate issued before the telling was a step of its own has none.)
    pub fn next_cert_step(&self) -> Option<&'static str> {
        if self.stage != "collected" {
            None
        } else if self.surveyed_centi.is_none() {
            Some("surveyed")
        } else if self.adjust_fen.unwrap_or(0) != 0 && self.settled_on.is_none() {
            Some("settled")
        } else if self.cert_received_on.is_none() {
            Some("cert_received")
        } else if self.cert_issued_on.is_some() {
            None
        } else if self.cert_notified_on.is_none() {
            Some("cert_notified")
        } else {
            Some("cert_issued")
        }
    }

    /// The area difference's settlement, once the area is surveyed.
    pub fn settlement(&self) -> Option<super::area::Settlement> {
        self.surveyed_centi
            .map(|s| super::area::settle(i64::from(self.area_centi), i64::from(s), self.price_fen))
    }

    /// Whether it may be voided: until collected ([`super::may_void`]); after,
    /// only when the surveyed area is more than 3% off the one sold, the buyer
    /// withdrawing from the purchase (退房), until the certificate is issued.
    pub fn may_void(&self) -> bool {
        super::may_void(&self.stage)
            || (self.stage == "collected"
                && self.cert_issued_on.is_none()
                && self.settlement().is_some_and(|s| s.beyond_three_percent))
    }

    /// The day of its latest step kept in a column (its signing, if none yet).
    /// Some steps' days (the agent's, the loan's, the survey's) live in its
    /// history only: [`super::queries::last_step_on`] adds them.
    pub fn last_step_on(&self) -> NaiveDate {
        [
            self.filed_on,
            self.notified_on,
            self.collected_on,
            self.voided_on,
            self.settled_on,
            self.cert_received_on,
            self.cert_notified_on,
            self.cert_issued_on,
        ]
        .into_iter()
        .flatten()
        .fold(self.signed_on, NaiveDate::max)
    }

    /// Whether its surveyed area may still be corrected (a figure mistyped
    /// when it was registered): until the refund or top-up it sets is
    /// settled, and until the certificate is issued.
    pub fn may_correct_surveyed(&self) -> bool {
        self.surveyed_centi.is_some() && self.settled_on.is_none() && self.cert_issued_on.is_none()
    }

    /// The surveyed area as written, once registered.
    pub fn surveyed(&self) -> Option<String> {
        self.surveyed_centi.map(|a| centi(i64::from(a)))
    }

    /// The pre-sale area as written: "89.56".
    pub fn area(&self) -> String {
        centi(i64::from(self.area_centi))
    }

    /// The price in 元 as written: "1234567.89".
    pub fn price(&self) -> String {
        centi(self.price_fen)
    }
}

/// Hundredths (of a yuan, of a square metre) as written: 8956 → "89.56", 500 →
/// "5", -17 → "-0.17".
pub use crate::violations::schedule::yuan as centi;

#[derive(Insertable)]
#[diesel(table_name = sales_contracts)]
pub struct NewContract<'a> {
    pub contract_no: &'a str,
    pub project: &'a str,
    pub unit: &'a str,
    pub buyer: &'a str,
    pub buyer_phone: &'a str,
    pub signed_on: NaiveDate,
    pub area_centi: i32,
    pub price_fen: i64,
    pub payment: &'a str,
    pub agent: &'a str,
    pub recorded_by: i64,
    pub recorded_at: DateTime<Utc>,
}

/// A step of a contract's history, with who recorded it.
#[derive(Queryable, Debug, Clone)]
pub struct EventLine {
    pub step: String,
    pub on_date: NaiveDate,
    pub note: String,
    pub at: DateTime<Utc>,
    pub actor: String,
}

/// A contract waiting longer than it should for the department's next step
/// (the morning sheet's lines).
#[derive(QueryableByName, Debug, Clone)]
pub struct WaitingLine {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub id: i64,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub contract_no: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub project: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub unit: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub buyer: String,
    /// The step it waits for, under `contracts.step.`.
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub step: String,
    /// The day of the step it waits after.
    #[diesel(sql_type = diesel::sql_types::Date)]
    pub since: NaiveDate,
    /// Days since then, as of the sheet's day.
    #[diesel(sql_type = diesel::sql_types::Integer)]
    pub days: i32,
}

/// A project's line of the month's report to finance.
#[derive(QueryableByName, Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportLine {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub project: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub signed: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub signed_area_centi: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub signed_fen: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub mortgages: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub filed: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub collected: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub voided: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub voided_fen: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub settled: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub settled_fen: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    pub certificates: i64,
}

impl ReportLine {
    /// The total of several lines, for the report's last line.
    pub fn total(lines: &[ReportLine]) -> ReportLine {
        let mut t = ReportLine::default();
        for l in lines {
            t.signed += l.signed;
            t.signed_area_centi += l.signed_area_centi;
            t.signed_fen += l.signed_fen;
            t.mortgages += l.mortgages;
            t.filed += l.filed;
            t.collected += l.collected;
            t.voided += l.voided;
            t.voided_fen += l.voided_fen;
            t.settled += l.settled;
            t.settled_fen += l.settled_fen;
            t.certificates += l.certificates;
        }
        t
    }
}
