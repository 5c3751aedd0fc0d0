//! The contract's forms: a new contract, and a step of one. Raw input, and
//! its checks.
use chrono::{Duration, NaiveDate};
use serde::Deserialize;

use super::models::Contract;
use super::PAYMENTS;
use crate::properties::personal::check_phone;
use crate::violations::schedule::parse_yuan;
use crate::web::form::date;
use crate::web::signature::{self, Signature};
use crate::web::FieldErrors;

const SHORT_MAX: usize = 50;
const PROJECT_MAX: usize = 100;
const NOTE_MAX: usize = 500;
/// 100,000.00 m²: more than any one unit.
const AREA_MAX_CENTI: i64 = 10_000_000;
/// How far back a contract's signing may be recorded.
const YEARS_BACK: i64 = 20;

#[derive(Deserialize, Default, Debug, Clone)]
pub struct ContractInput {
    #[serde(default)]
    pub contract_no: String,
    #[serde(default)]
    pub project: String,
    #[serde(default)]
    pub unit: String,
    #[serde(default)]
    pub buyer: String,
    #[serde(default)]
    pub buyer_phone: String,
    #[serde(default)]
    pub signed_on: String,
    #[serde(default)]
    pub area: String,
    #[serde(default)]
    pub price: String,
    #[serde(default)]
    pub payment: String,
    #[serde(default)]
    pub agent: String,
    /// The contract's version the form was read at, when correcting one.
    #[serde(default)]
    pub version: String,
    /// A correction removes the phone on record (ticked).
    #[serde(default)]
    pub clear_phone: Option<String>,
    /// A correction of the surveyed area (产权面积), while it may be corrected
    /// ([`Contract::may_correct_surveyed`]); None when the form has no such
    /// field.
    #[serde(default)]
    pub surveyed: Option<String>,
    /// A surveyed area far from the pre-sale one is confirmed (ticked).
    #[serde(default)]
    pub confirm_surveyed: Option<String>,
    #[serde(default)]
    pub form_token: String,
}

pub struct ValidContract {
    pub contract_no: String,
    pub project: String,
    pub unit: String,
    pub buyer: String,
    pub buyer_phone: String,
    pub signed_on: NaiveDate,
    pub area_centi: i32,
    pub price_fen: i64,
    pub payment: &'static str,
    pub agent: String,
    /// A correction's new surveyed area, when it changes.
    pub surveyed_centi: Option<i32>,
}

/// A day of the site's calendar typed into `field`, not after `today` nor before
/// `earliest` (else the message `too_early`, a catalog key).
fn day(
    errors: &mut FieldErrors,
    field: &'static str,
    value: &str,
    (earliest, too_early): (NaiveDate, &'static str),
    today: NaiveDate,
) -> Option<NaiveDate> {
    match date(value) {
        None => errors.add(field, "contracts.error.date"),
        Some(d) if d > today => errors.add(field, "contracts.error.future"),
        Some(d) if d < earliest => errors.add(field, too_early),
        Some(d) => return Some(d),
    }
    None
}

/// An area as typed ("89.56", "89.56㎡"), in hundredths of a square metre.
/// Whether a surveyed area differs from the pre-sale one by more than a tenth
/// (the law's 3% already shares the cost; a tenth is rather a typing error).
pub fn surveyed_far(presale_centi: i32, surveyed_centi: i32) -> bool {
    (i64::from(surveyed_centi) - i64::from(presale_centi)).abs() * 10 > i64::from(presale_centi)
}

fn area_centi(value: &str) -> Option<i32> {
    parse_yuan(&value.replace("㎡", "").replace("m²", ""))
        .filter(|a| (1..=AREA_MAX_CENTI).contains(a))
        .and_then(|a| i32::try_from(a).ok())
}

impl ContractInput {
    /// The form for correcting a recorded contract, as it stands. The phone is
    /// left empty (kept unless one is typed): the form shows no personal data.
    pub fn of(c: &Contract) -> ContractInput {
        ContractInput {
            contract_no: c.contract_no.clone(),
            project: c.project.clone(),
            unit: c.unit.clone(),
            buyer: c.buyer.clone(),
            buyer_phone: String::new(),
            signed_on: c.signed_on.to_string(),
            area: c.area(),
            price: c.price(),
            payment: c.payment.clone(),
            agent: c.agent.clone(),
            version: c.version.to_string(),
            clear_phone: None,
            surveyed: c.surveyed(),
            confirm_surveyed: None,
            form_token: crate::web::once::new_token(),
        }
    }

    /// The pre-sale area a correction of `c` gives it: the one typed, when it
    /// reads as an area, else the one on record.
    pub fn presale_of(&self, c: &Contract) -> i32 {
        area_centi(&self.area).unwrap_or(c.area_centi)
    }

    /// Whether the surveyed area typed is far from the pre-sale area
    /// `presale_centi`: the form then asks to confirm it.
    pub fn surveyed_far_from(&self, presale_centi: &i32) -> bool {
        self.surveyed
            .as_deref()
            .and_then(area_centi)
            .is_some_and(|a| surveyed_far(*presale_centi, a))
    }

    /// The surveyed area typed into a correction of `c`, when it changes it.
    /// Left as it was, or not in the form (it is not, once it may no longer be
    /// corrected), it is None; a change once settled or issued is refused, and
    /// a figure far from the pre-sale area needs its confirmation, as when it
    /// was registered.
    fn surveyed_correction(&self, errors: &mut FieldErrors, c: &Contract) -> Option<i32> {
        let presale = self.presale_of(c);
        let was = c.surveyed_centi?;
        let typed = self.surveyed.as_deref()?;
        let area = area_centi(typed);
        if area == Some(was) {
            return None;
        }
        if !c.may_correct_surveyed() {
            if !typed.trim().is_empty() {
                errors.add("surveyed", "contracts.error.surveyed_fixed");
            }
            return None;
        }
        let Some(a) = area else {
            errors.add("surveyed", "contracts.error.area");
            return None;
        };
        if surveyed_far(presale, a) && self.confirm_surveyed.is_none() {
            let text = errors.locale().tf(
                "contracts.error.surveyed_far",
                &[
                    ("surveyed", &super::models::centi(a.into())),
                    ("area", &super::models::centi(presale.into())),
                ],
            );
            errors.add_text("surveyed", text);
            return None;
        }
        Some(a)
    }

    /// A correction of `c`, checked as a new contract is, and against what has
    /// happened to it since: the signing date stays before its first step, the
    /// payment is fixed once it is filed, the area and price once the area
    /// difference was settled against them (or the certificate issued), the
    /// buyer once the certificate was issued to them; and once filed, what it
    /// says of the sale is corrected by a supervisor only
    /// (`may_correct_filed`). An empty phone keeps the one on record, unless
    /// the form asks to remove it.
    pub fn validate_correction(
        &self,
        errors: &mut FieldErrors,
        today: NaiveDate,
        c: &Contract,
        may_correct_filed: bool,
    ) -> Option<ValidContract> {
        let mut v = self.validate(errors, today);
        let surveyed = self.surveyed_correction(errors, c);
        if let Some(v) = v.as_mut() {
            v.surveyed_centi = surveyed;
            match (
                self.clear_phone.is_some(),
                self.buyer_phone.trim().is_empty(),
            ) {
                (true, true) => v.buyer_phone = String::new(),
                (true, false) => errors.add("buyer_phone", "contracts.error.phone_and_clear"),
                (false, true) => v.buyer_phone = c.buyer_phone.clone(),
                (false, false) => {}
            }
            let first_step = [c.filed_on, c.voided_on].into_iter().flatten().min();
            if first_step.is_some_and(|d| v.signed_on > d) {
                errors.add("signed_on", "contracts.error.after_steps");
            }
            if v.payment != c.payment && c.stage != "signed" {
                // Filed (its payment is on the record at the housing bureau),
                // or voided before filing (nothing left to pay).
                let why = if c.filed_on.is_some() {
                    "contracts.error.payment_fixed"
                } else {
                    "contracts.error.payment_voided"
                };
                errors.add("payment", why);
            }
            if c.filed_on.is_some() && !may_correct_filed {
                let changed = [
                    ("contract_no", v.contract_no != c.contract_no),
                    ("project", v.project != c.project),
                    ("unit", v.unit != c.unit),
                    ("buyer", v.buyer != c.buyer),
                    ("signed_on", v.signed_on != c.signed_on),
                    ("area", v.area_centi != c.area_centi),
                    ("price", v.price_fen != c.price_fen),
                ];
                for (field, _) in changed.into_iter().filter(|(_, changed)| *changed) {
                    errors.add(field, "contracts.error.filed_supervisor");
                }
            }
            if c.cert_issued_on.is_some() && v.buyer != c.buyer {
                errors.add("buyer", "contracts.error.cert_issued");
            }
            // The difference is settled on them (or the certificate issued).
            if c.surveyed_centi.is_some() && !c.may_correct_surveyed() {
                if v.area_centi != c.area_centi {
                    errors.add("area", "contracts.error.surveyed");
                }
                if v.price_fen != c.price_fen {
                    errors.add("price", "contracts.error.surveyed");
                }
            }
        }
        if errors.is_empty() {
            v
        } else {
            None
        }
    }

    pub fn fresh(today: NaiveDate) -> ContractInput {
        ContractInput {
            signed_on: today.to_string(),
            payment: PAYMENTS[0].into(),
            form_token: crate::web::once::new_token(),
            ..Default::default()
        }
    }

    pub fn validate(&self, errors: &mut FieldErrors, today: NaiveDate) -> Option<ValidContract> {
        let contract_no = errors.text(
            "contracts",
            "contract_no",
            &self.contract_no,
            SHORT_MAX,
            true,
        );
        let project = errors.text("contracts", "project", &self.project, PROJECT_MAX, true);
        let unit = errors.text("contracts", "unit", &self.unit, SHORT_MAX, true);
        let buyer = errors.text("contracts", "buyer", &self.buyer, SHORT_MAX, true);
        let buyer_phone = if self.buyer_phone.trim().is_empty() {
            Some(String::new())
        } else {
            let phone = check_phone(&self.buyer_phone);
            if phone.is_none() {
                errors.add("buyer_phone", "contracts.error.phone");
            }
            phone
        };
        let earliest = today - Duration::days(365 * YEARS_BACK);
        let signed_on = day(
            errors,
            "signed_on",
            &self.signed_on,
            (earliest, "contracts.error.too_early"),
            today,
        );
        let area = area_centi(&self.area);
        if area.is_none() {
            errors.add("area", "contracts.error.area");
        }
        let price = parse_yuan(&self.price.replace([',', '，'], "")).filter(|p| *p > 0);
        if price.is_none() {
            errors.add("price", "contracts.error.price");
        }
        let payment = PAYMENTS.iter().find(|p| **p == self.payment).copied();
        if payment.is_none() {
            errors.add("payment", "contracts.error.payment");
        }
        // The agent who handles a mortgage's formalities: a contract paid in
        // full has none, whatever was typed before the payment was switched.
        let agent = match payment {
            Some("mortgage") => self.agent.trim().to_owned(),
            _ => String::new(),
        };
        if agent.chars().count() > PROJECT_MAX {
            errors.add("agent", "contracts.error.too_long");
        }
        if !errors.is_empty() {
            return None;
        }
        Some(ValidContract {
            contract_no,
            project,
            unit,
            buyer,
            buyer_phone: buyer_phone?,
            signed_on: signed_on?,
            area_centi: area?,
            price_fen: price?,
            payment: payment?,
            agent,
            surveyed_centi: None,
        })
    }
}

/// A step of a contract, as the contract's page sends it.
#[derive(Deserialize, Default, Debug, Clone)]
pub struct StepInput {
    #[serde(default)]
    pub step: String,
    #[serde(default)]
    pub on_date: String,
    #[serde(default)]
    pub note: String,
    /// The deed tax deadline the customer is told (契税), with `notified`.
    #[serde(default)]
    pub deed_tax_due: String,
    /// "1" when the customer's identity was checked and they signed for the
    /// contract, with `collected`.
    #[serde(default)]
    pub confirm: String,
    /// The surveyed area (产权面积), with `surveyed`.
    #[serde(default)]
    pub surveyed: String,
    /// The certificate's number, with `cert_received`.
    #[serde(default)]
    pub cert_no: String,
    /// The buyer's signature on collecting the certificate, with `cert_issued`
    /// (`web::signature`: the typed name, its confirmation, a drawing).
    #[serde(default)]
    pub sign_name: String,
    #[serde(default)]
    pub sign_confirm: Option<String>,
    #[serde(default)]
    pub sign_drawing: String,
    /// The contract's version the page was read at.
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub form_token: String,
}

pub struct ValidStep {
    pub step: &'static str,
    pub on_date: NaiveDate,
    pub note: String,
    pub deed_tax_due: Option<NaiveDate>,
    pub surveyed_centi: Option<i32>,
    pub cert_no: Option<String>,
    pub signature: Option<Signature>,
    pub version: i32,
}

impl StepInput {
    /// Whether the surveyed area typed is far from `c`'s pre-sale area: the
    /// form then asks to confirm it.
    pub fn surveyed_far_of(&self, c: &Contract) -> bool {
        area_centi(&self.surveyed).is_some_and(|a| surveyed_far(c.area_centi, a))
    }

    /// A blank form for the contract's next step (or its voiding), dated today.
    pub fn fresh(c: &Contract, step: &str, today: NaiveDate) -> StepInput {
        StepInput {
            step: step.into(),
            on_date: today.to_string(),
            version: c.version.to_string(),
            form_token: crate::web::once::new_token(),
            ..Default::default()
        }
    }

    /// Checks the step against the contract as it stands: only its next step
    /// (of the contract, or of its certificate once collected), or voiding while
    /// it may be voided, from the version the page showed, dated no earlier
    /// than `last_on` (its latest step: [`super::queries::last_step_on`]).
    pub fn validate(
        &self,
        errors: &mut FieldErrors,
        c: &Contract,
        last_on: NaiveDate,
        today: NaiveDate,
    ) -> Option<ValidStep> {
        let step = if let Some(next) = [c.next_step(), c.next_cert_step()]
            .into_iter()
            .flatten()
            .find(|s| *s == self.step)
        {
            Some(next)
        } else if self.step == "voided" && c.may_void() {
            Some("voided")
        } else {
            None
        };
        let version = self
            .version
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|v| *v == c.version);
        if step.is_none() || version.is_none() {
            errors.add("step", "contracts.error.changed");
            return None;
        }
        // A step follows the one before it (and the signing).
        let on_date = day(
            errors,
            "on_date",
            &self.on_date,
            (last_on, "contracts.error.before_last_step"),
            today,
        );
        let note = self.note.trim().to_owned();
        if note.chars().count() > NOTE_MAX {
            errors.add("note", "contracts.error.too_long");
        }
        if step == Some("voided") && note.is_empty() {
            errors.add("note", "contracts.error.void_reason");
        }
        let mut deed_tax_due = None;
        if step == Some("notified") {
            match date(&self.deed_tax_due) {
                None => errors.add("deed_tax_due", "contracts.error.date"),
                Some(d) if on_date.is_some_and(|o| d < o) => {
                    errors.add("deed_tax_due", "contracts.error.deed_tax_before")
                }
                Some(d) => deed_tax_due = Some(d),
            }
        }
        if step == Some("collected") && self.confirm != "1" {
            errors.add("confirm", "contracts.error.confirm");
        }
        let surveyed_centi = if step == Some("surveyed") {
            let a = area_centi(&self.surveyed);
            match a {
                None => errors.add("surveyed", "contracts.error.area"),
                // Far from the pre-sale area, the figure is more likely
                // mistyped (8973 for 89.73) than measured: it is kept only
                // when confirmed, as the refund or top-up follows from it.
                Some(a) if surveyed_far(c.area_centi, a) && self.confirm != "1" => {
                    let text = errors.locale().tf(
                        "contracts.error.surveyed_far",
                        &[
                            ("surveyed", &super::models::centi(a.into())),
                            ("area", &super::models::centi(c.area_centi.into())),
                        ],
                    );
                    errors.add_text("surveyed", text);
                }
                Some(_) => {}
            }
            a
        } else {
            None
        };
        let cert_no = (step == Some("cert_received"))
            .then(|| errors.text("contracts", "cert_no", &self.cert_no, SHORT_MAX, true));
        let signature = if step == Some("cert_issued") {
            // 立即通知客户本人领取, 领取时严格验明身份并让其签字领取: the staff
            // confirm the identity check, and the buyer signs with their own name.
            if self.confirm != "1" {
                errors.add("confirm", "contracts.error.confirm_cert");
            }
            signature::parse(
                &self.sign_name,
                self.sign_confirm.as_deref(),
                &self.sign_drawing,
                Some(&c.buyer),
                errors,
            )
        } else {
            None
        };
        if !errors.is_empty() {
            return None;
        }
        Some(ValidStep {
            step: step?,
            on_date: on_date?,
            note,
            deed_tax_due,
            surveyed_centi,
            cert_no,
            signature,
            version: version?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 30).unwrap()
    }

    fn input() -> ContractInput {
        ContractInput {
            contract_no: " BS-2026-0001 ".into(),
            project: "碧水花园".into(),
            unit: "1栋-1单元-12-1202".into(),
            buyer: "王芳".into(),
            buyer_phone: "138 1234 5678".into(),
            signed_on: "2026-11-28".into(),
            area: "89.56㎡".into(),
            price: "1,234,567.8".into(),
            payment: "mortgage".into(),
            agent: "链家".into(),
            form_token: "t".into(),
            version: String::new(),
            ..Default::default()
        }
    }

    #[test]
    fn a_surveyed_area_beyond_a_tenth_of_the_sold_one_is_far() {
        assert!(!surveyed_far(8956, 8973));
        assert!(!surveyed_far(8956, 9851), "within a tenth");
        assert!(surveyed_far(8956, 9852));
        assert!(surveyed_far(8956, 897_300), "a decimal point missed");
        assert!(surveyed_far(8956, 895));
    }

    #[test]
    fn a_contract_reads_its_area_price_and_phone_as_typed() {
        let mut errors = FieldErrors::new(Locale::ZhCn);
        let v = input().validate(&mut errors, today()).unwrap();
        assert!(errors.is_empty());
        assert_eq!(v.contract_no, "BS-2026-0001");
        assert_eq!(v.area_centi, 8956);
        assert_eq!(v.price_fen, 123_456_780);
        assert_eq!(v.buyer_phone, "13812345678");
        assert_eq!(v.payment, "mortgage");
    }

    #[test]
    fn each_bad_field_of_a_contract_gets_its_own_message() {
        let bad = ContractInput {
            contract_no: " ".into(),
            buyer_phone: "12345".into(),
            signed_on: "2026-12-01".into(),
            area: "0".into(),
            price: "abc".into(),
            payment: "cash".into(),
            ..input()
        };
        let mut errors = FieldErrors::new(Locale::ZhCn);
        assert!(bad.validate(&mut errors, today()).is_none());
        for field in [
            "contract_no",
            "buyer_phone",
            "signed_on",
            "area",
            "price",
            "payment",
        ] {
            assert!(errors.has(field), "{field}");
        }
        assert!(!errors.has("project"));
    }

    fn contract(stage: &str, payment: &str) -> Contract {
        Contract {
            id: 1,
            contract_no: "BS-1".into(),
            project: "碧水花园".into(),
            unit: "1-1-1-101".into(),
            buyer: "王芳".into(),
            buyer_phone: String::new(),
            signed_on: NaiveDate::from_ymd_opt(2026, 11, 2).unwrap(),
            area_centi: 8956,
            price_fen: 100,
            payment: payment.into(),
            agent: String::new(),
            stage: stage.into(),
            filed_on: None,
            notified_on: None,
            deed_tax_due: None,
            collected_on: None,
            voided_on: None,
            recorded_by: 1,
            recorded_at: chrono::Utc::now(),
            version: 3,
            surveyed_centi: None,
            adjust_fen: None,
            settled_on: None,
            cert_no: String::new(),
            cert_received_on: None,
            cert_issued_on: None,
            cert_signed_by: String::new(),
            cert_notified_on: None,
        }
    }

    fn step(step: &str) -> StepInput {
        StepInput {
            step: step.into(),
            on_date: "2026-11-20".into(),
            version: "3".into(),
            ..Default::default()
        }
    }

    #[test]
    fn only_the_next_step_or_voiding_is_taken_and_from_the_page_read_last() {
        let mut errors = FieldErrors::new(Locale::ZhCn);
        let c = contract("filed", "mortgage");
        assert_eq!(
            step("agent")
                .validate(&mut errors, &c, c.last_step_on(), today())
                .unwrap()
                .step,
            "agent"
        );
        // Skipping the loan, or a page read before the last step: refused.
        for s in [
            step("notified"),
            StepInput {
                version: "2".into(),
                ..step("agent")
            },
        ] {
            let mut errors = FieldErrors::new(Locale::ZhCn);
            assert!(s
                .validate(&mut errors, &c, c.last_step_on(), today())
                .is_none());
            assert!(errors.has("step"));
        }
        // Voiding needs its reason; a collected contract is not voided.
        let mut errors = FieldErrors::new(Locale::ZhCn);
        assert!(step("voided")
            .validate(&mut errors, &c, c.last_step_on(), today())
            .is_none());
        assert!(errors.has("note"));
        let mut errors = FieldErrors::new(Locale::ZhCn);
        let done = contract("collected", "full");
        assert!(StepInput {
            note: "客户退房".into(),
            ..step("voided")
        }
        .validate(&mut errors, &done, done.last_step_on(), today())
        .is_none());
        assert!(errors.has("step"));
    }

    #[test]
    fn telling_the_customer_needs_the_deed_tax_deadline_and_collecting_their_signature() {
        let c = contract("filed", "full");
        let mut errors = FieldErrors::new(Locale::ZhCn);
        let early = StepInput {
            deed_tax_due: "2026-11-19".into(),
            ..step("notified")
        };
        assert!(early
            .validate(&mut errors, &c, c.last_step_on(), today())
            .is_none());
        assert!(errors.has("deed_tax_due"));
        let mut errors = FieldErrors::new(Locale::ZhCn);
        let told = StepInput {
            deed_tax_due: "2027-02-20".into(),
            ..step("notified")
        };
        let v = told
            .validate(&mut errors, &c, c.last_step_on(), today())
            .unwrap();
        assert_eq!(v.deed_tax_due, NaiveDate::from_ymd_opt(2027, 2, 20));

        let c = contract("notified", "full");
        let mut errors = FieldErrors::new(Locale::ZhCn);
        assert!(step("collected")
            .validate(&mut errors, &c, c.last_step_on(), today())
            .is_none());
        assert!(errors.has("confirm"));
        let mut errors = FieldErrors::new(Locale::ZhCn);
        let before_signing = StepInput {
            on_date: "2026-11-01".into(),
            confirm: "1".into(),
            ..step("collected")
        };
        assert!(before_signing
            .validate(&mut errors, &c, c.last_step_on(), today())
            .is_none());
        assert!(errors.has("on_date"));
        // Nor before the step it follows.
        let mut errors = FieldErrors::new(Locale::ZhCn);
        let told = Contract {
            notified_on: NaiveDate::from_ymd_opt(2026, 11, 21),
            ..c.clone()
        };
        let before_telling = StepInput {
            confirm: "1".into(),
            ..step("collected")
        };
        assert!(before_telling
            .validate(&mut errors, &told, told.last_step_on(), today())
            .is_none());
        assert!(errors.get("on_date").contains("上一步"));
        let mut errors = FieldErrors::new(Locale::ZhCn);
        assert!(before_telling
            .validate(&mut errors, &c, c.last_step_on(), today())
            .is_some());
    }

    #[test]
    fn the_certificate_follows_collection_and_goes_to_the_buyer_in_person() {
        let c = contract("notified", "full");
        let mut errors = FieldErrors::new(Locale::ZhCn);
        let early = StepInput {
            surveyed: "90".into(),
            ..step("surveyed")
        };
        assert!(early
            .validate(&mut errors, &c, c.last_step_on(), today())
            .is_none());
        assert!(errors.has("step"), "not before collection");

        let c = contract("collected", "full");
        let mut errors = FieldErrors::new(Locale::ZhCn);
        let v = early
            .validate(&mut errors, &c, c.last_step_on(), today())
            .unwrap();
        assert_eq!(v.surveyed_centi, Some(9000));
        let received = Contract {
            surveyed_centi: Some(8956),
            adjust_fen: Some(0),
            cert_received_on: NaiveDate::from_ymd_opt(2026, 11, 20),
            cert_no: "粤(2026)深圳市不动产权第0001号".into(),
            ..c
        };
        // The buyer is told first: the certificate is not handed over before.
        assert_eq!(received.next_cert_step(), Some("cert_notified"));
        let mut errors = FieldErrors::new(Locale::ZhCn);
        assert!(step("cert_issued")
            .validate(&mut errors, &received, received.last_step_on(), today())
            .is_none());
        assert!(errors.has("step"), "not before the buyer is told");
        let received = Contract {
            cert_notified_on: NaiveDate::from_ymd_opt(2026, 11, 20),
            ..received
        };
        assert_eq!(received.next_cert_step(), Some("cert_issued"));
        let mut errors = FieldErrors::new(Locale::ZhCn);
        let someone_else = StepInput {
            sign_name: "李四".into(),
            sign_confirm: Some("1".into()),
            confirm: "1".into(),
            ..step("cert_issued")
        };
        assert!(someone_else
            .validate(&mut errors, &received, received.last_step_on(), today())
            .is_none());
        assert!(errors.has("sign_name"));
        let mut errors = FieldErrors::new(Locale::ZhCn);
        let unchecked = StepInput {
            sign_name: "王芳".into(),
            confirm: String::new(),
            ..someone_else.clone()
        };
        assert!(unchecked
            .validate(&mut errors, &received, received.last_step_on(), today())
            .is_none());
        assert!(errors.has("confirm"), "the identity check is confirmed");
        let mut errors = FieldErrors::new(Locale::ZhCn);
        let buyer = StepInput {
            sign_name: " 王 芳 ".into(),
            ..someone_else
        };
        let v = buyer
            .validate(&mut errors, &received, received.last_step_on(), today())
            .unwrap();
        assert_eq!(v.signature.map(|s| s.name).as_deref(), Some("王 芳"));
    }
}
