//! Loans (借出/归还) and the loan register, the 房屋钥匙管理记录表.
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use diesel::QueryResult;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::json;

use super::forms::{CloseInput, LoanInput};
use super::models::{Key, Loan, LoanRow, NewLoan};
use super::queries::{self, LoanFilter, NewEvent};
use super::views::{self, Txt};
use crate::approvals::{self, engine};
use crate::audit;
use crate::auth::{Right, Role};
use crate::config::Config;
use crate::db::{is_unique_violation, DbConn};
use crate::error::AppError;
use crate::i18n::Locale;
use crate::properties::personal;
use crate::web::context::{flash, Tone};
use crate::web::export::{self, Cell, ExportFormat, Sheet, SHEET_MAX};
use crate::web::once;
use crate::web::{html, see_other, FieldErrors, Form, Query, UserPage};

const PAGE: i64 = 50;

/// The register's filters as they come in the URL.
#[derive(Deserialize, Default, Debug)]
pub struct LoanQuery {
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    category: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    building: String,
    /// Cursor: `<created_at in µs>.<id>` of the last row shown.
    #[serde(default)]
    before: String,
}

impl LoanQuery {
    fn day(s: &str) -> Option<NaiveDate> {
        crate::web::form::date(s)
    }

    fn filter(&self, page: &UserPage, now: DateTime<Utc>) -> LoanFilter {
        let tz = page.tz;
        let overdue = self.status == "overdue";
        LoanFilter {
            from: Self::day(&self.from).and_then(|d| crate::i18n::day_start(d, tz)),
            until: Self::day(&self.to)
                .and_then(|d| d.succ_opt())
                .and_then(|d| crate::i18n::day_start(d, tz)),
            category: super::CATEGORIES
                .contains(&self.category.as_str())
                .then(|| self.category.clone()),
            status: if overdue {
                Some("out".into())
            } else {
                super::LOAN_STATUSES
                    .contains(&self.status.as_str())
                    .then(|| self.status.clone())
            },
            due_before: overdue.then_some(now),
            building: self.building.trim().parse().ok(),
            person: (!page.may(Right::ViewKeys)).then(|| page.user().id),
            handed_out: false,
        }
    }

    fn query(&self) -> String {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in [
            ("from", &self.from),
            ("to", &self.to),
            ("category", &self.category),
            ("status", &self.status),
            ("building", &self.building),
        ] {
            if !v.trim().is_empty() {
                s.append_pair(k, v.trim());
            }
        }
        s.finish()
    }

    fn cursor(&self) -> Option<(DateTime<Utc>, i64)> {
        crate::web::month::parse_cursor(&self.before)
    }
}

/// GET /keys/loans: the register (everyone's for key staff, one's own for others).
pub async fn register(
    page: UserPage,
    conn: crate::db::ReadConn,
    choices: web::Data<queries::BuildingChoices>,
    kept: web::Data<queries::KeptLoanPages>,
    q: Query<LoanQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RequestKeyLoan)?;
    let mut conn = conn.get();
    let now = Utc::now();
    let filter = q.filter(&page, now);
    let cursor = q.cursor();
    let load = queries::list_loans(&mut conn, &filter, cursor, PAGE + 1);
    // The overdue filter compares with the time now: such a page is read afresh.
    let rows = if filter.due_before.is_some() {
        std::sync::Arc::new(load.await?)
    } else {
        kept.get((filter.clone(), cursor), load).await?
    };
    let (rows, last) = crate::web::page_of(&rows, PAGE as usize);
    let next = last.map(|r| {
        let cursor = (r.loan.created_at.timestamp_micros(), r.loan.id);
        crate::web::and_param(q.query(), format_args!("before={}.{}", cursor.0, cursor.1))
    });
    let buildings = queries::building_choices(&mut conn, &choices).await?;
    let body = views::Register {
        ctx: page.ctx(),
        cites: views::CITE_LOAN,
        txt: Txt(page.locale),
        rows,
        next,
        query: q.query(),
        from: q.from.clone(),
        to: q.to.clone(),
        category: q.category.clone(),
        status: q.status.clone(),
        building: q.building.clone(),
        buildings,
        all: page.may(Right::ViewKeys),
        now,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

async fn sheet_rows(
    conn: &mut AsyncPgConnection,
    filter: &LoanFilter,
) -> QueryResult<Vec<LoanRow>> {
    queries::sheet_loans(conn, filter, SHEET_MAX + 1).await
}

/// Who approved each loan and when, as the register writes it: "name · time",
/// by loan (the steps of one loan one after another). A loan filed before its
/// approval, or one that needed none, has no entry.
async fn approvers(
    conn: &mut AsyncPgConnection,
    rows: &[LoanRow],
    (tz, loc): (chrono_tz::Tz, Locale),
) -> QueryResult<std::collections::HashMap<i64, String>> {
    let ids: Vec<i64> = rows.iter().map(|r| r.loan.id).collect();
    let mut by_loan = std::collections::HashMap::<i64, String>::new();
    for (id, _, name, at) in
        approvals::queries::approvals_of(conn, super::KEY_LOAN.code, &ids, loc).await?
    {
        let at = at.map(|t| crate::i18n::minute(t, tz)).unwrap_or_default();
        let entry = by_loan.entry(id).or_default();
        if !entry.is_empty() {
            entry.push_str(loc.t("paper.list_separator"));
        }
        entry.push_str(&format!("{name} · {at}"));
    }
    Ok(by_loan)
}

fn fmt(t: Option<DateTime<Utc>>, tz: chrono_tz::Tz) -> String {
    t.map(|t| crate::i18n::minute(t, tz)).unwrap_or_default()
}

/// The borrower as the register writes it: name, and company for outside workers.
fn borrower(l: &Loan, loc: Locale) -> String {
    if l.borrower_company.is_empty() {
        l.borrower_name.clone()
    } else {
        format!("{}{}", l.borrower_name, loc.note(&l.borrower_company))
    }
}

/// The purpose with its work order, as the register writes it.
fn purpose(l: &Loan, loc: Locale) -> String {
    if l.work_order.is_empty() {
        l.purpose.clone()
    } else {
        let no = loc.tf("keys.work_order_no", &[("no", &l.work_order)]);
        format!("{}{}", l.purpose, loc.note(no))
    }
}

/// GET /keys/loans.csv and .xlsx: the rows the list's filters select.
pub async fn register_export(
    page: UserPage,
    mut conn: DbConn,
    q: Query<LoanQuery>,
    format: ExportFormat,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RequestKeyLoan)?;
    let filter = q.filter(&page, Utc::now());
    let mut rows = sheet_rows(&mut conn, &filter).await?;
    rows.truncate(SHEET_MAX as usize);
    let loc = page.locale;
    let txt = Txt(loc);
    let tz = page.tz;
    let approved = approvers(&mut conn, &rows, (tz, loc)).await?;
    let headers = [
        "keys.loan_no",
        "keys.filed_at",
        "keys.keys_col",
        "keys.category_col",
        "keys.borrower",
        "keys.purpose",
        "keys.approved_by",
        "keys.handed_out_at",
        "keys.handed_out_by",
        "keys.due",
        "keys.returned_at",
        "keys.returned_to",
        "keys.loan_status_col",
        "keys.lost_col",
    ];
    let now = Utc::now();
    let rows = rows
        .iter()
        .map(|r| {
            let l = &r.loan;
            // As the list marks it: out, and overdue.
            let mut status = txt.loan_status(&l.status).to_owned();
            if l.overdue(now) {
                status = format!("{status} {}", txt.loan_status("overdue"));
            }
            vec![
                Cell::from(l.id),
                fmt(Some(l.created_at), tz).into(),
                txt.keys(&r.keys).into(),
                txt.category(&l.category).into(),
                borrower(l, loc).into(),
                purpose(l, loc).into(),
                approved.get(&l.id).cloned().unwrap_or_default().into(),
                fmt(l.handed_out_at, tz).into(),
                r.handed_out_by.clone().into(),
                fmt(Some(l.due_at), tz).into(),
                fmt(l.returned_at, tz).into(),
                r.returned_to.clone().into(),
                status.into(),
                txt.keys(&r.lost).into(),
            ]
        })
        .collect();
    let sheet = Sheet::new(loc, "keys.loan_register", &headers, rows);
    export::respond(&sheet, format, "key-loans")
}

/// A loan's approval title, as every inbox shows it: the borrower and the keys
/// (label and door, each door in the reader's language).
pub fn approval_subject<'k>(
    borrower: &str,
    keys: impl Iterator<Item = (&'k str, &'k str)>,
) -> String {
    let labels: Vec<String> = keys
        .map(|(label, door)| format!("{} {}", approvals::typed(label), super::door_term(door)))
        .collect();
    format!(
        "{} · {}",
        approvals::typed(borrower),
        labels.join(&approvals::term("paper.list_separator"))
    )
}

/// GET /keys/loans/print: the 房屋钥匙管理记录表 on paper, signature columns blank.
pub async fn register_print(
    page: UserPage,
    mut conn: DbConn,
    q: Query<LoanQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RequestKeyLoan)?;
    // The paper record is of keys that changed hands: without a chosen status,
    // requests never handed over (waiting, refused, withdrawn) stay off it.
    let mut filter = q.filter(&page, Utc::now());
    let handed_only = filter.status.is_none();
    filter.handed_out = handed_only;
    let mut rows = sheet_rows(&mut conn, &filter).await?;
    let truncated = rows.len() as i64 > SHEET_MAX;
    rows.truncate(SHEET_MAX as usize);
    let approved = approvers(&mut conn, &rows, (page.tz, page.locale)).await?;
    let range = match (q.from.trim(), q.to.trim()) {
        ("", "") => String::new(),
        (f, t) => format!("{f} – {t}"),
    };
    let body = views::RegisterPrint {
        ctx: page.ctx(),
        txt: Txt(page.locale),
        rows,
        approved,
        range,
        truncated,
        handed_only,
        status: (!handed_only).then(|| q.status.clone()),
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    #[serde(default)]
    building: String,
    #[serde(default)]
    room: String,
    #[serde(default)]
    key: String,
}

/// Most keys the loan form lists at once; the rest are found by room.
pub(super) const LOAN_FORM_KEYS: usize = 500;

/// The keys of building `b` in the cabinet the loan form offers: those whose
/// label holds what `input.room` narrows to, at most [`LOAN_FORM_KEYS`]
/// (true when there are more), and always the keys already chosen (from a
/// key's page, or ticked before a mistake), wherever they come in the list.
async fn offered_keys(
    conn: &mut AsyncPgConnection,
    b: i64,
    input: &LoanInput,
) -> Result<(Vec<Key>, bool), AppError> {
    let room = input.room.trim();
    let filter = queries::KeyFilter {
        building: Some(b),
        status: Some("in".into()),
        label: (!room.is_empty()).then(|| room.to_owned()),
        ..Default::default()
    };
    let mut keys: Vec<Key> = queries::list_keys(conn, &filter, None, LOAN_FORM_KEYS as i64 + 1)
        .await?
        .into_iter()
        .map(|r| r.key)
        .collect();
    let capped = keys.len() > LOAN_FORM_KEYS;
    keys.truncate(LOAN_FORM_KEYS);
    let chosen: Vec<i64> = input
        .key
        .iter()
        .filter_map(|k| k.trim().parse().ok())
        .filter(|id| !keys.iter().any(|k| k.id == *id))
        .collect();
    if !chosen.is_empty() {
        let more = queries::keys_by_ids(conn, &chosen).await?;
        keys.extend(
            more.into_iter()
                .map(|r| r.key)
                .filter(|k| k.building_id == b && k.status == "in"),
        );
        keys.sort_by_key(|k| k.id);
    }
    Ok((keys, capped))
}

async fn render_form(
    page: &UserPage,
    conn: &mut AsyncPgConnection,
    choices: &queries::BuildingChoices,
    input: &LoanInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let buildings = queries::building_choices(conn, choices).await?;
    let (keys, capped) = match input.building.trim().parse::<i64>() {
        Ok(b) => offered_keys(conn, b, input).await?,
        Err(_) => (Vec::new(), false),
    };
    // Keys the last count of their cabinet did not find are marked, so that
    // nobody promises a key that may not be there.
    let ids: Vec<i64> = keys.iter().map(|k: &Key| k.id).collect();
    let unseen = queries::unseen_at_count(conn, &ids).await?;
    let clerk = page.may(Right::ManageKeys);
    let staff = if clerk {
        queries::staff(conn).await?
    } else {
        Vec::new()
    };
    let body = views::LoanForm {
        ctx: page.ctx(),
        cites: views::CITE_LOAN,
        txt: Txt(page.locale),
        input,
        errors,
        buildings,
        unseen,
        keys,
        capped,
        staff,
        clerk,
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /keys/loans/new?building=…&key=…: the loan form (a building first, then its keys).
pub async fn new_form(
    page: UserPage,
    mut conn: DbConn,
    choices: web::Data<queries::BuildingChoices>,
    q: Query<NewQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RequestKeyLoan)?;
    let mut input = LoanInput {
        form_token: once::new_token(),
        building: q.building.clone(),
        room: q.room.trim().to_owned(),
        borrower_kind: "staff".into(),
        borrower: page.user().id.to_string(),
        ..Default::default()
    };
    if let Ok(id) = q.key.trim().parse::<i64>() {
        if let Ok(row) = queries::key_row(&mut conn, id).await {
            input.building = row.key.building_id.to_string();
            input.key = vec![id.to_string()];
        }
    }
    let due = (Utc::now() + Duration::hours(4)).with_timezone(&page.tz);
    input.due = due.format("%Y-%m-%dT%H:00").to_string();
    let errors = FieldErrors::new(page.locale);
    render_form(&page, &mut conn, &choices, &input, &errors, StatusCode::OK).await
}

/// POST /keys/loans/new: files the loan and asks the category's approver, in one
/// transaction. Keys must be in the cabinet, of one building and one category.
pub async fn create(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    choices: web::Data<queries::BuildingChoices>,
    config: web::Data<Config>,
    Form(mut input): Form<LoanInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RequestKeyLoan)?;
    let clerk = page.may(Right::ManageKeys);
    let me = page.user().clone();
    if !clerk {
        // Everyone else borrows for their own work only.
        input.borrower_kind = "staff".into();
        input.borrower = me.id.to_string();
    }
    let now = Utc::now();
    let mut errors = FieldErrors::new(page.locale);
    // Before the checks: a second submit would find its keys already asked for.
    let form_token = &mut input.form_token;
    let token = once::check(&mut conn, &session, &page, form_token, &mut errors).await?;
    let valid = input.validate(&mut errors, now, config.tz);
    let keys = match &valid {
        Some(v) => queries::keys_by_ids(&mut conn, &v.key_ids).await?,
        None => Vec::new(),
    };
    if let Some(v) = &valid {
        let first = keys.first().map(|r| &r.key);
        if keys.len() != v.key_ids.len() || keys.iter().any(|r| r.key.status != "in") {
            errors.add("key", "keys.error.not_in");
        } else if keys.iter().any(|r| {
            Some(r.key.building_id) != first.map(|k| k.building_id)
                || Some(&r.key.category) != first.map(|k| &k.category)
        }) {
            errors.add("key", "keys.error.mixed");
        }
    }
    let borrower_person = match valid.as_ref().and_then(|v| v.borrower_id) {
        Some(id) => approvals::queries::person(&mut conn, id).await.ok(),
        None => None,
    };
    if valid.as_ref().is_some_and(|v| !v.outside) && borrower_person.is_none() {
        errors.add("borrower", "keys.error.borrower");
    }
    let (Some(v), Some(first), Some(token)) =
        (valid.filter(|_| errors.is_empty()), keys.first(), token)
    else {
        return render_form(
            &page,
            &mut conn,
            &choices,
            &input,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let category = queries::category(&mut conn, &first.key.category).await?;
    let approver = Role::from_code(&category.loan_approver)
        .ok_or_else(|| AppError::other("unknown approver role of a key category"))?;
    let name = borrower_person
        .map(|p| p.display_name)
        .unwrap_or_else(|| v.borrower_name.clone());
    let subject = approval_subject(&name, keys.iter().map(|r| (&*r.key.label, &*r.key.door)));
    let meta = page.meta();
    let building_id = first.key.building_id;
    let filed = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me.id).await? {
                return Ok(None);
            }
            let id = queries::create_loan(
                conn,
                &NewLoan {
                    category: &category.code,
                    building_id,
                    borrower_kind: if v.outside { "outside" } else { "staff" },
                    borrower_id: v.borrower_id,
                    borrower_name: &name,
                    borrower_company: &v.borrower_company,
                    borrower_id_number: v.borrower_id_number.as_str().into(),
                    work_order: &v.work_order,
                    purpose: &v.purpose,
                    due_at: v.due_at,
                    status: "pending",
                    requested_by: me.id,
                    created_at: now,
                },
            )
            .await?;
            queries::add_loan_lines(conn, id, &v.key_ids).await?;
            let roles = [vec![approver, Role::CenterManager]];
            let request = engine::submit_with_roles(
                conn,
                &super::KEY_LOAN,
                Some(&roles),
                id,
                &subject,
                me.id,
                &config,
                now,
            )
            .await?;
            audit::record(
                conn,
                &meta,
                "keys.loan_requested",
                Some(("key_loan", id.to_string())),
                json!({ "keys": v.key_ids, "borrower": name, "due": v.due_at,
                        "approval_request": request }),
            )
            .await?;
            Ok(token.filed(conn, format!("/keys/loans/{id}")).await?)
        })
        .await?;
    once::answer(&mut conn, &session, &page, &token, filed, "keys.loan_filed").await
}

/// The site's time zone as `Config` reads it, for the approval engine's
/// `details` hook, which gets no configuration.
fn site_tz() -> chrono_tz::Tz {
    std::env::var("TZ")
        .ok()
        .and_then(|s| crate::config::tz_named(&s).ok())
        .unwrap_or(chrono_tz::Asia::Shanghai)
}

/// The loan as label/value lines (approval mail and page).
pub async fn detail_lines(
    conn: &mut AsyncPgConnection,
    id: i64,
    loc: Locale,
) -> QueryResult<Vec<(String, String)>> {
    let l = queries::loan(conn, id).await?;
    let keys = queries::loan_keys(conn, id).await?;
    let txt = Txt(loc);
    let tz = site_tz();
    let labels: Vec<String> = keys
        .iter()
        .map(|(k, _, _)| format!("{} {}", k.label, txt.door(&k.door)))
        .collect();
    let mut lines = vec![
        (
            loc.t("keys.keys_col").to_owned(),
            labels.join(loc.t("paper.list_separator")),
        ),
        (
            loc.t("keys.category_col").to_owned(),
            txt.category(&l.category).to_owned(),
        ),
        (loc.t("keys.borrower").to_owned(), borrower(&l, loc)),
    ];
    if !l.borrower_id_number.is_empty() {
        lines.push((
            loc.t("keys.borrower_id_number").to_owned(),
            personal::mask_id(&l.borrower_id_number),
        ));
    }
    lines.push((loc.t("keys.purpose").to_owned(), l.purpose.clone()));
    if !l.work_order.is_empty() {
        lines.push((loc.t("keys.work_order").to_owned(), l.work_order.clone()));
    }
    lines.push((loc.t("keys.due").to_owned(), fmt(Some(l.due_at), tz)));
    Ok(lines)
}

/// The loan, if this user may see it: key staff see every loan, others their own
/// (filed or borrowed) and the ones they were asked to approve.
async fn visible(
    conn: &mut AsyncPgConnection,
    page: &UserPage,
    id: i64,
) -> Result<(Loan, Option<approvals::models::Request>), AppError> {
    let loan = queries::loan(conn, id).await?;
    let req = approvals::queries::request_for(conn, "key_loan", id).await?;
    let me = page.user().id;
    let allowed = page.may(Right::ViewKeys)
        || loan.requested_by == me
        || loan.borrower_id == Some(me)
        || match &req {
            Some(r) => {
                approvals::queries::was_approver(conn, r.id, me, (page.today(), page.tz)).await?
            }
            None => false,
        };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    Ok((loan, req))
}

/// GET /keys/loans/{id}
pub async fn show(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let errors = FieldErrors::new(page.locale);
    let close = CloseInput::default();
    let id = path.into_inner();
    render_show(&page, &mut conn, id, close, &errors, StatusCode::OK).await
}

/// The loan's page, its return form filled with `close` and `errors` about it.
async fn render_show(
    page: &UserPage,
    conn: &mut DbConn,
    id: i64,
    close: CloseInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (loan, req) = visible(conn, page, id).await?;
    let mut lines = detail_lines(conn, loan.id, page.locale).await?;
    let ids: Vec<i64> = [
        Some(loan.requested_by),
        loan.handed_out_by,
        loan.returned_to,
    ]
    .into_iter()
    .flatten()
    .collect();
    let names = approvals::queries::names(conn, &ids).await?;
    let name = |id: Option<i64>| id.and_then(|i| names.get(&i).cloned()).unwrap_or_default();
    let t = |k: &str| page.t(k).to_owned();
    lines.push((t("keys.requested_by"), name(Some(loan.requested_by))));
    lines.push((t("keys.filed_at"), fmt(Some(loan.created_at), page.tz)));
    if loan.handed_out_at.is_some() {
        lines.push((t("keys.handed_out_by"), name(loan.handed_out_by)));
        lines.push((t("keys.handed_out_at"), fmt(loan.handed_out_at, page.tz)));
    }
    if loan.returned_at.is_some() {
        lines.push((t("keys.returned_to"), name(loan.returned_to)));
        lines.push((t("keys.returned_at"), fmt(loan.returned_at, page.tz)));
    }
    if !loan.lost_account.is_empty() {
        lines.push((t("keys.lost_account"), loan.lost_account.clone()));
    }
    let keys = queries::loan_keys(conn, loan.id).await?;
    let manage = may_hand(page, keys.iter().map(|(k, _, _)| k));
    let withdraw = may_withdraw(page, &loan, manage);
    let approval_id = approvals::link_for(conn, req, page.user(), (page.today(), page.tz)).await?;
    let body = views::LoanShow {
        ctx: page.ctx(),
        cites: views::CITE_LOAN,
        txt: Txt(page.locale),
        overdue: loan.overdue(Utc::now()),
        lapsed: loan.lapsed(Utc::now()),
        lines,
        keys,
        approval_id,
        manage,
        withdraw,
        loan,
        close,
        errors,
    }
    .render()?;
    Ok(html(status, body))
}

/// Whether this user gives out and takes back these keys: the key clerks every
/// key; the engineering department a loan whose keys it all keeps (钥匙管理规定
/// 3(2)①).
fn may_hand<'k>(page: &UserPage, mut keys: impl Iterator<Item = &'k Key>) -> bool {
    page.may(Right::ManageKeys)
        || (page.may(Right::HandEngineeringKeys) && keys.all(|k| k.custodian == "engineering"))
}

/// Refuses at once who may hand over no key at all.
fn require_hands(page: &UserPage) -> Result<(), AppError> {
    if page.may(Right::ManageKeys) || page.may(Right::HandEngineeringKeys) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// Why a hand-over was refused.
enum Refused {
    NotApproved,
    /// Rejected, or withdrawn by its borrower.
    Ended,
    /// Due back before it was handed over.
    Lapsed,
    /// Handed over already, or since returned (a second click, the back button).
    HandedOver,
    KeyOut,
}

/// POST /keys/loans/{id}/hand-over: the clerk gives the keys out. Refused until
/// the loan's approval request is approved, and for a key already out: the keys
/// are locked, their status checked, and the partial unique index on open loan
/// lines stops whatever slips past.
pub async fn hand_over(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    require_hands(&page)?;
    let id = path.into_inner();
    let me = page.user().id;
    let meta = page.meta();
    let result = conn
        .transaction::<_, AppError, _>(async |conn| {
            let loan = queries::lock_loan(conn, id).await?;
            let ids: Vec<i64> = queries::loan_keys(conn, id)
                .await?
                .iter()
                .map(|(k, _, _)| k.id)
                .collect();
            let keys = queries::lock_keys(conn, &ids).await?;
            if !may_hand(&page, keys.iter()) {
                return Err(AppError::Forbidden);
            }
            if matches!(loan.status.as_str(), "out" | "returned" | "lost") {
                return Ok(Err(Refused::HandedOver));
            }
            if matches!(loan.status.as_str(), "rejected" | "withdrawn") {
                return Ok(Err(Refused::Ended));
            }
            if loan.status != "approved" {
                return Ok(Err(Refused::NotApproved));
            }
            let now = Utc::now();
            if loan.lapsed(now) {
                return Ok(Err(Refused::Lapsed));
            }
            if keys.iter().any(|k| k.status != "in") {
                return Ok(Err(Refused::KeyOut));
            }
            queries::mark_out(conn, id, me, now).await?;
            queries::set_status(conn, &ids, "lent", now).await?;
            queries::add_events(
                conn,
                &ids,
                &NewEvent {
                    action: "lent",
                    actor_id: Some(me),
                    loan_id: Some(id),
                    note: &loan.borrower_name,
                    at: now,
                },
            )
            .await?;
            audit::record(
                conn,
                &meta,
                "keys.handed_over",
                Some(("key_loan", id.to_string())),
                json!({ "keys": ids }),
            )
            .await?;
            Ok(Ok(()))
        })
        .await;
    let message = match result {
        Ok(Ok(())) => {
            flash(&session, Tone::Ok, page.t("keys.handed_over"));
            return Ok(see_other(&format!("/keys/loans/{id}")));
        }
        Ok(Err(Refused::NotApproved)) => "keys.error.not_approved",
        Ok(Err(Refused::Ended)) => "keys.error.loan_ended",
        Ok(Err(Refused::Lapsed)) => "keys.error.due_passed",
        Ok(Err(Refused::HandedOver)) => "keys.error.handed_over",
        Ok(Err(Refused::KeyOut)) => "keys.error.key_out",
        Err(AppError::Db(e)) if is_unique_violation(&e) => "keys.error.key_out",
        Err(e) => return Err(e),
    };
    flash(&session, Tone::Error, page.t(message));
    Ok(see_other(&format!("/keys/loans/{id}")))
}

/// Whether this user may withdraw the loan: approved and not handed over yet
/// (no longer needed, or its date passed first), by whoever filed it, its
/// borrower, or a clerk who hands its keys.
fn may_withdraw(page: &UserPage, loan: &Loan, manage: bool) -> bool {
    let me = page.user().id;
    loan.status == "approved" && (manage || loan.requested_by == me || loan.borrower_id == Some(me))
}

/// POST /keys/loans/{id}/withdraw: an approved loan whose keys were never handed
/// over is withdrawn (it stays in the register as such), instead of waiting as
/// "approved" for ever.
pub async fn withdraw(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    visible(&mut conn, &page, id).await?;
    let meta = page.meta();
    let here = format!("/keys/loans/{id}");
    let done = conn
        .transaction::<_, AppError, _>(async |conn| {
            let loan = queries::lock_loan(conn, id).await?;
            let keys = queries::loan_keys(conn, id).await?;
            let manage = may_hand(&page, keys.iter().map(|(k, _, _)| k));
            let me = page.user().id;
            if !manage && loan.requested_by != me && loan.borrower_id != Some(me) {
                return Err(AppError::Forbidden);
            }
            // Sent twice (a double click, the back button): the first did it.
            if loan.status == "withdrawn" && loan.handed_out_at.is_none() {
                return Ok(true);
            }
            if !may_withdraw(&page, &loan, manage) {
                return Ok(false);
            }
            queries::set_loan_status(conn, id, "withdrawn").await?;
            audit::record(
                conn,
                &meta,
                "keys.loan_withdrawn",
                Some(("key_loan", id.to_string())),
                json!({}),
            )
            .await?;
            Ok(true)
        })
        .await?;
    if done {
        flash(&session, Tone::Ok, page.t("keys.loan_withdrawn"));
    } else {
        flash(&session, Tone::Error, page.t("keys.error.not_withdrawable"));
    }
    Ok(see_other(&here))
}

/// POST /keys/loans/{id}/return: the keys come back and the clerk receiving them
/// is recorded; keys ticked as lost become 遗失, with the written account.
pub async fn give_back(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(input): Form<CloseInput>,
) -> Result<HttpResponse, AppError> {
    require_hands(&page)?;
    let id = path.into_inner();
    let mut errors = FieldErrors::new(page.locale);
    let Some((lost, account)) = input.validate(&mut errors) else {
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_show(&page, &mut conn, id, input, &errors, status).await;
    };
    let me = page.user().id;
    let meta = page.meta();
    let done = conn
        .transaction::<_, AppError, _>(async |conn| {
            let loan = queries::lock_loan(conn, id).await?;
            let ids: Vec<i64> = queries::loan_keys(conn, id)
                .await?
                .iter()
                .map(|(k, _, _)| k.id)
                .collect();
            let keys = queries::lock_keys(conn, &ids).await?;
            if !may_hand(&page, keys.iter()) {
                return Err(AppError::Forbidden);
            }
            if loan.status != "out" {
                return Ok(Some(false));
            }
            // Only a key of this loan can be lost on it (the form offers no
            // other: a tampered form).
            if lost.iter().any(|k| !ids.contains(k)) {
                return Ok(None);
            }
            let back: Vec<i64> = ids.iter().copied().filter(|k| !lost.contains(k)).collect();
            let now = Utc::now();
            queries::close_lines(conn, id, &lost, now).await?;
            queries::set_status(conn, &back, "in", now).await?;
            queries::add_events(
                conn,
                &back,
                &NewEvent {
                    action: "returned",
                    actor_id: Some(me),
                    loan_id: Some(id),
                    note: "",
                    at: now,
                },
            )
            .await?;
            if lost.is_empty() {
                queries::mark_returned(conn, id, me, now).await?;
            } else {
                queries::set_status(conn, &lost, "lost", now).await?;
                queries::add_events(
                    conn,
                    &lost,
                    &NewEvent {
                        action: "lost",
                        actor_id: Some(me),
                        loan_id: Some(id),
                        note: &account,
                        at: now,
                    },
                )
                .await?;
                queries::mark_lost(conn, id, me, &account, now).await?;
            }
            audit::record(
                conn,
                &meta,
                if lost.is_empty() {
                    "keys.returned"
                } else {
                    "keys.lost"
                },
                Some(("key_loan", id.to_string())),
                json!({ "returned": back, "lost": lost, "account": account }),
            )
            .await?;
            Ok(Some(true))
        })
        .await?;
    let Some(done) = done else {
        errors.add("lost", "keys.error.lost_unknown");
        let status = StatusCode::UNPROCESSABLE_ENTITY;
        return render_show(&page, &mut conn, id, input, &errors, status).await;
    };
    if done {
        flash(
            &session,
            Tone::Ok,
            page.t(if lost.is_empty() {
                "keys.returned"
            } else {
                "keys.lost_recorded"
            }),
        );
    } else {
        flash(&session, Tone::Error, page.t("keys.error.not_out"));
    }
    Ok(see_other(&format!("/keys/loans/{id}")))
}
