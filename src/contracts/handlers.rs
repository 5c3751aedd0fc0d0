use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Datelike, Months, NaiveDate, Utc};
use diesel::result::Error as DbError;
use diesel_async::AsyncConnection;
use serde::Deserialize;
use serde_json::json;

use super::forms::{ContractInput, StepInput};
use super::models::{Contract, NewContract, ReportLine};
use super::queries::{self, Step};
use super::views::{
    ContractForm, ContractList, ContractPrint, ContractReport, ContractReportPrint, ContractShow,
    StepForm,
};
use crate::audit;
use crate::auth::Right;
use crate::config::Config;
use crate::db::DbConn;
use crate::error::AppError;
use crate::web::export::{self, Cell, ExportFormat, Sheet, SHEET_MAX};
use crate::web::{html, once, FieldErrors, Form, PageCtx, Query, UserPage};

const PAGE: i64 = 50;

#[derive(Deserialize, Default, Debug)]
pub struct ListQuery {
    #[serde(default)]
    show: String,
    /// `YYYY-MM-DD.id` of the last line of the page before.
    #[serde(default)]
    before: String,
    /// Part of a contract's number, buyer, unit or project.
    #[serde(default)]
    q: String,
}

impl ListQuery {
    fn show(&self) -> &'static str {
        super::SHOWS
            .iter()
            .find(|s| **s == self.show)
            .copied()
            .unwrap_or(super::SHOWS[0])
    }

    /// What the register is searched for (at most [`SEARCH_MAX`] characters).
    fn search(&self) -> Option<String> {
        let q: String = self.q.trim().chars().take(SEARCH_MAX).collect();
        (!q.is_empty()).then_some(q)
    }

    /// The filter as a query string, for the links that keep it.
    fn query(&self, show: &str) -> String {
        let mut query = url::form_urlencoded::Serializer::new(String::new());
        query.append_pair("show", show);
        if let Some(q) = self.search() {
            query.append_pair("q", &q);
        }
        query.finish()
    }

    fn cursor(&self) -> Option<(NaiveDate, i64)> {
        let (day, id) = self.before.split_once('.')?;
        Some((crate::web::form::date(day)?, id.parse().ok()?))
    }
}

/// The longest search the register takes.
const SEARCH_MAX: usize = 40;

/// How many contracts `?show=waiting` lists, on one page: the longest waiting.
const WAITING_SHOWN: i64 = 200;

/// The register's rows as `show` filters them, those whose number, buyer, unit
/// or project holds `search`, any case. "waiting" is the contracts waiting too long for the
/// department's next step on `today`, longest first, at most `limit` of them
/// on one page; the others page by signing day.
async fn rows_of(
    conn: &mut DbConn,
    (show, search): (&str, Option<&str>),
    before: Option<(NaiveDate, i64)>,
    limit: i64,
    day: (NaiveDate, chrono_tz::Tz),
) -> Result<Vec<Contract>, AppError> {
    if show == "waiting" {
        let waiting = queries::waiting(&mut **conn, day, search, limit).await?;
        let ids: Vec<i64> = waiting.iter().map(|w| w.id).collect();
        return Ok(queries::by_ids(conn, &ids).await?);
    }
    Ok(queries::page(conn, (show, search), before, limit).await?)
}

/// GET /contracts?show=open: the register, latest signing first.
pub async fn list(
    page: UserPage,
    mut conn: DbConn,
    q: Query<ListQuery>,
    config: web::Data<Config>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewContracts)?;
    let show = q.show();
    let search = q.search();
    let filter = (show, search.as_deref());
    let query = q.query(show);
    let mut more_waiting = false;
    let (rows, next) = if show == "waiting" {
        let mut rows = rows_of(
            &mut conn,
            filter,
            None,
            WAITING_SHOWN + 1,
            (config.today(), config.tz),
        )
        .await?;
        more_waiting = crate::web::trim_page(&mut rows, WAITING_SHOWN as usize).is_some();
        (rows, None)
    } else {
        let mut rows = rows_of(
            &mut conn,
            filter,
            q.cursor(),
            PAGE + 1,
            (config.today(), config.tz),
        )
        .await?;
        let next = crate::web::trim_page(&mut rows, PAGE as usize)
            .map(|c| format!("{query}&before={}.{}", c.signed_on, c.id));
        (rows, next)
    };
    let body = ContractList {
        ctx: page.ctx(),
        rows,
        next,
        more_waiting,
        show,
        q: search.unwrap_or_default(),
        query,
        cites: super::CITES,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// The contract's form: a new one (`of` none) or a correction of contract `of`.
async fn form(
    page: &UserPage,
    conn: &mut DbConn,
    of: Option<&Contract>,
    input: &ContractInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let projects = queries::project_names(conn).await?;
    let body = ContractForm {
        ctx: page.ctx(),
        action: of.map_or("/contracts/new".into(), |c| {
            format!("/contracts/{}/edit", c.id)
        }),
        heading: if of.is_some() {
            "contracts.correct"
        } else {
            "contracts.new"
        },
        phone_kept: of
            .filter(|c| !c.buyer_phone.is_empty())
            .map(Contract::phone_masked),
        filed_locked: of.is_some_and(|c| c.filed_on.is_some())
            && !page.may(Right::CorrectFiledContracts),
        surveyed_of: of
            .filter(|c| c.may_correct_surveyed())
            .map(|c| input.presale_of(c)),
        input,
        errors,
        projects,
        cites: super::CITES,
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /contracts/new: a blank contract signed today.
pub async fn new_form(page: UserPage, mut conn: DbConn) -> Result<HttpResponse, AppError> {
    page.require(Right::RecordContracts)?;
    let input = ContractInput::fresh(page.ctx().today());
    let errors = FieldErrors::new(page.locale);
    form(&page, &mut conn, None, &input, &errors, StatusCode::OK).await
}

/// POST /contracts/new: a contract signed and handed back to customer service.
pub async fn create(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    Form(mut input): Form<ContractInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RecordContracts)?;
    let mut errors = FieldErrors::new(page.locale);
    let token = once::check(
        &mut conn,
        &session,
        &page,
        &mut input.form_token,
        &mut errors,
    )
    .await?;
    let valid = input.validate(&mut errors, page.ctx().today());
    if let Some(v) = &valid {
        if queries::number_taken(&mut conn, &v.contract_no, None).await? {
            // This very form's, sent twice, whose first submit ended meanwhile:
            // it leads to that contract.
            once::sent_before(&mut conn, &session, &page, &input.form_token).await?;
            errors.add("contract_no", "contracts.error.number_taken");
        }
    }
    let (Some(v), Some(token), true) = (valid, token, errors.is_empty()) else {
        return form(
            &page,
            &mut conn,
            None,
            &input,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let me = page.user().id;
    let meta = page.meta();
    let filed = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me).await? {
                return Ok(None);
            }
            let id = queries::create(
                conn,
                &NewContract {
                    contract_no: &v.contract_no,
                    project: &v.project,
                    unit: &v.unit,
                    buyer: &v.buyer,
                    buyer_phone: &v.buyer_phone,
                    signed_on: v.signed_on,
                    area_centi: v.area_centi,
                    price_fen: v.price_fen,
                    payment: v.payment,
                    agent: &v.agent,
                    recorded_by: me,
                    recorded_at: Utc::now(),
                },
            )
            .await?;
            audit::record(
                conn,
                &meta,
                "contract.recorded",
                Some(("contract", id.to_string())),
                json!({ "number": v.contract_no, "payment": v.payment }),
            )
            .await?;
            Ok(token.filed(conn, format!("/contracts/{id}")).await?)
        })
        .await;
    let filed = match filed {
        // Recorded by someone else since the check: the number's message.
        Err(AppError::Db(e)) if crate::db::is_unique_violation(&e) => {
            once::sent_before(&mut conn, &session, &page, &input.form_token).await?;
            errors.add("contract_no", "contracts.error.number_taken");
            input.form_token = once::new_token();
            return form(
                &page,
                &mut conn,
                None,
                &input,
                &errors,
                StatusCode::CONFLICT,
            )
            .await;
        }
        other => other?,
    };
    once::answer(
        &mut conn,
        &session,
        &page,
        &token,
        filed,
        "contracts.recorded",
    )
    .await
}

/// GET /contracts/{id}/edit: the contract's recorded facts, to correct.
pub async fn edit_form(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RecordContracts)?;
    let c = queries::get(&mut conn, path.into_inner()).await?;
    let input = ContractInput::of(&c);
    let errors = FieldErrors::new(page.locale);
    form(&page, &mut conn, Some(&c), &input, &errors, StatusCode::OK).await
}

/// The fields a correction changes, as catalog keys (the history names them in
/// each reader's language).
/// What a correction changes: each changed field's catalog key (the history
/// names them) and, by column, what it was (the audit log keeps it; the phone
/// masked).
fn changed_fields(
    c: &Contract,
    v: &NewContract<'_>,
    surveyed: Option<i32>,
) -> (
    Vec<&'static str>,
    serde_json::Map<String, serde_json::Value>,
) {
    let pairs = [
        (
            c.contract_no != v.contract_no,
            "contracts.number",
            "contract_no",
            json!(c.contract_no),
        ),
        (
            c.project != v.project,
            "contracts.project",
            "project",
            json!(c.project),
        ),
        (c.unit != v.unit, "contracts.unit", "unit", json!(c.unit)),
        (
            c.buyer != v.buyer,
            "contracts.buyer",
            "buyer",
            json!(c.buyer),
        ),
        (
            c.buyer_phone != v.buyer_phone,
            "contracts.phone",
            "buyer_phone",
            json!(c.phone_masked()),
        ),
        (
            c.signed_on != v.signed_on,
            "contracts.signed_on",
            "signed_on",
            json!(c.signed_on),
        ),
        (
            c.area_centi != v.area_centi,
            "contracts.area",
            "area_centi",
            json!(c.area_centi),
        ),
        (
            c.price_fen != v.price_fen,
            "contracts.price",
            "price_fen",
            json!(c.price_fen),
        ),
        (
            c.payment != v.payment,
            "contracts.payment_label",
            "payment",
            json!(c.payment),
        ),
        (
            c.agent != v.agent,
            "contracts.agent",
            "agent",
            json!(c.agent),
        ),
        (
            // Only ever the surveyed area a correction changes.
            surveyed.is_some(),
            "contracts.surveyed",
            "surveyed_centi",
            json!(c.surveyed_centi),
        ),
    ];
    let mut keys = Vec::new();
    let mut before = serde_json::Map::new();
    for (changed, key, column, was) in pairs {
        if changed {
            keys.push(key);
            before.insert(column.to_owned(), was);
        }
    }
    (keys, before)
}

/// A form sent to contract `id` by someone who records contracts: the contract,
/// the form's errors so far, and its one-time token when usable.
async fn sent_to(
    page: &UserPage,
    session: &Session,
    conn: &mut DbConn,
    id: i64,
    form_token: &mut String,
) -> Result<(Contract, FieldErrors, Option<once::Token>), AppError> {
    page.require(Right::RecordContracts)?;
    let c = queries::get(conn, id).await?;
    let mut errors = FieldErrors::new(page.locale);
    let token = once::check(conn, session, page, form_token, &mut errors).await?;
    Ok((c, errors, token))
}

/// POST /contracts/{id}/edit: a correction of the contract's recorded facts,
/// unless it changed since the form was read (then the form comes back, kept,
/// at the current version, with a message).
pub async fn update(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(mut input): Form<ContractInput>,
) -> Result<HttpResponse, AppError> {
    let (c, mut errors, token) = sent_to(
        &page,
        &session,
        &mut conn,
        path.into_inner(),
        &mut input.form_token,
    )
    .await?;
    let id = c.id;
    let today = page.ctx().today();
    let version = input.version.trim().parse::<i32>().ok();
    if version != Some(c.version) {
        // Changed since the form was read: nothing written, the input kept,
        // the form now at the current version.
        errors.add("version", "contracts.error.changed_record");
        input.version = c.version.to_string();
        return form(
            &page,
            &mut conn,
            Some(&c),
            &input,
            &errors,
            StatusCode::CONFLICT,
        )
        .await;
    }
    let valid = input.validate_correction(
        &mut errors,
        today,
        &c,
        page.may(Right::CorrectFiledContracts),
    );
    if let Some(v) = &valid {
        if v.contract_no != c.contract_no
            && queries::number_taken(&mut conn, &v.contract_no, Some(c.id)).await?
        {
            errors.add("contract_no", "contracts.error.number_taken");
        }
    }
    let (Some(v), Some(token), Some(version), true) = (valid, token, version, errors.is_empty())
    else {
        return form(
            &page,
            &mut conn,
            Some(&c),
            &input,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let fix = NewContract {
        contract_no: &v.contract_no,
        project: &v.project,
        unit: &v.unit,
        buyer: &v.buyer,
        buyer_phone: &v.buyer_phone,
        signed_on: v.signed_on,
        area_centi: v.area_centi,
        price_fen: v.price_fen,
        payment: v.payment,
        agent: &v.agent,
        recorded_by: c.recorded_by,
        recorded_at: c.recorded_at,
    };
    let (changed, before) = changed_fields(&c, &fix, v.surveyed_centi);
    // A surveyed area, pre-sale area or price corrected before the
    // difference is settled sets the refund or top-up again.
    let resettled = fix.area_centi != c.area_centi || fix.price_fen != c.price_fen;
    let surveyed = v
        .surveyed_centi
        .or(c.surveyed_centi.filter(|_| resettled))
        .map(|area| {
            let s = super::area::settle(i64::from(fix.area_centi), i64::from(area), fix.price_fen);
            (area, s.adjust_fen)
        });
    if changed.is_empty() {
        return Ok(crate::web::see_other(&format!("/contracts/{id}")));
    }
    let me = page.user().id;
    let meta = page.meta();
    let note = changed.join(",");
    let corrected = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me).await? {
                return Ok(None);
            }
            let correction = queries::Correction {
                id,
                version,
                fix: &fix,
                surveyed,
                changed: &note,
                on_date: today,
                by: me,
                at: Utc::now(),
            };
            if !queries::correct(conn, &correction).await? {
                return Err(AppError::Db(DbError::RollbackTransaction));
            }
            audit::record(
                conn,
                &meta,
                "contract.corrected",
                Some(("contract", id.to_string())),
                json!({
                    "fields": changed,
                    "before": before,
                    "version": version.saturating_add(1),
                }),
            )
            .await?;
            Ok(token.filed(conn, format!("/contracts/{id}")).await?)
        })
        .await;
    let filed = match corrected {
        Err(AppError::Db(DbError::RollbackTransaction)) => {
            let c = queries::get(&mut conn, id).await?;
            let mut errors = FieldErrors::new(page.locale);
            errors.add("version", "contracts.error.changed_record");
            input.version = c.version.to_string();
            input.form_token = once::new_token();
            return form(
                &page,
                &mut conn,
                Some(&c),
                &input,
                &errors,
                StatusCode::CONFLICT,
            )
            .await;
        }
        Err(AppError::Db(e)) if crate::db::is_unique_violation(&e) => {
            errors.add("contract_no", "contracts.error.number_taken");
            input.form_token = once::new_token();
            return form(
                &page,
                &mut conn,
                Some(&c),
                &input,
                &errors,
                StatusCode::CONFLICT,
            )
            .await;
        }
        other => other?,
    };
    once::answer(
        &mut conn,
        &session,
        &page,
        &token,
        filed,
        "contracts.corrected_done",
    )
    .await
}

fn may_reveal(page: &UserPage, c: &Contract) -> bool {
    c.recorded_by == page.user().id || page.may(Right::RevealPersonalData)
}

/// The contract's page; `sent` is a step form sent back with its messages.
async fn render_show(
    page: &UserPage,
    conn: &mut DbConn,
    c: Contract,
    revealed: bool,
    sent: Option<(&StepInput, &FieldErrors)>,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let events = queries::events(conn, c.id).await?;
    let today = page.ctx().today();
    let blank = FieldErrors::new(page.locale);
    let recording = page.may(Right::RecordContracts);
    // The next steps' forms and the voiding form, one of them as sent: kept as
    // typed, but at the contract's current version, so that sending it again
    // after reading what changed takes the step.
    let step_form = |step: &'static str| {
        let (input, errors) = match sent {
            Some((input, errors)) if input.step == step => (
                StepInput {
                    version: c.version.to_string(),
                    ..input.clone()
                },
                errors,
            ),
            _ => (StepInput::fresh(&c, step, today), &blank),
        };
        StepForm {
            step,
            input,
            errors,
        }
    };
    let next = c.next_step().filter(|_| recording).map(&step_form);
    let cert = c.next_cert_step().filter(|_| recording).map(&step_form);
    let void = (recording && c.may_void()).then(|| step_form("voided"));
    // A step refused because the page was stale: said above both forms.
    let stale = sent.is_some_and(|(_, e)| e.has("step"));
    let phone = if revealed {
        c.buyer_phone.clone()
    } else {
        c.phone_masked()
    };
    let cert_drawing = match c.cert_issued_on {
        Some(_) => queries::cert_signature(conn, c.id)
            .await?
            .map(|png| crate::web::signature::data_url(&png)),
        None => None,
    };
    let body = ContractShow {
        ctx: page.ctx(),
        may_reveal: !revealed && !c.buyer_phone.is_empty() && may_reveal(page, &c),
        phone,
        c,
        events,
        next,
        cert,
        cert_drawing,
        void,
        stale,
        cites: super::CITES,
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /contracts/{id}: the contract, its steps, and the forms of what comes next.
pub async fn show(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewContracts)?;
    let c = queries::get(&mut conn, path.into_inner()).await?;
    render_show(&page, &mut conn, c, false, None, StatusCode::OK).await
}

/// POST /contracts/{id}/reveal: the page with the buyer's phone in full; the
/// view is audited before it is shown.
pub async fn reveal(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewContracts)?;
    let c = queries::get(&mut conn, path.into_inner()).await?;
    if !may_reveal(&page, &c) {
        return Err(AppError::Forbidden);
    }
    audit::record(
        &mut conn,
        &page.meta(),
        "contract.phone_viewed",
        Some(("contract", c.id.to_string())),
        json!({}),
    )
    .await?;
    render_show(&page, &mut conn, c, true, None, StatusCode::OK).await
}

/// POST /contracts/{id}/step: the contract's next step, or its voiding, unless
/// the contract moved on since the page was read (then the page comes back,
/// with the input kept and a message).
pub async fn step(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(mut input): Form<StepInput>,
) -> Result<HttpResponse, AppError> {
    let (c, mut errors, token) = sent_to(
        &page,
        &session,
        &mut conn,
        path.into_inner(),
        &mut input.form_token,
    )
    .await?;
    let id = c.id;
    let today = page.ctx().today();
    let last_on = queries::last_step_on(&mut conn, &c).await?;
    let valid = input.validate(&mut errors, &c, last_on, today);
    let (Some(v), Some(token)) = (valid, token) else {
        let status = if errors.has("step") {
            StatusCode::CONFLICT
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        return render_show(&page, &mut conn, c, false, Some((&input, &errors)), status).await;
    };
    let me = page.user().id;
    let meta = page.meta();
    let taken = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me).await? {
                return Ok(None);
            }
            // Checked again under the lock: another tab or a colleague may
            // have taken a step since.
            let locked = queries::lock(conn, id).await?;
            let mut errors = FieldErrors::new(page.locale);
            // (A step since changed the version, which fails this check.)
            if input
                .validate(&mut errors, &locked, last_on, today)
                .is_none()
            {
                return Err(AppError::Db(DbError::RollbackTransaction));
            }
            queries::take_step(
                conn,
                &Step {
                    id,
                    step: v.step,
                    on_date: v.on_date,
                    note: &v.note,
                    deed_tax_due: v.deed_tax_due,
                    surveyed: v.surveyed_centi.map(|area| {
                        let s = super::area::settle(
                            i64::from(locked.area_centi),
                            i64::from(area),
                            locked.price_fen,
                        );
                        (area, s.adjust_fen)
                    }),
                    cert_no: v.cert_no.as_deref(),
                    signature: v.signature.as_ref(),
                    by: me,
                    at: Utc::now(),
                },
            )
            .await?;
            audit::record(
                conn,
                &meta,
                &format!("contract.{}", v.step),
                Some(("contract", id.to_string())),
                json!({ "on": v.on_date, "version": v.version.saturating_add(1) }),
            )
            .await?;
            Ok(token.filed(conn, format!("/contracts/{id}")).await?)
        })
        .await;
    let filed = match taken {
        Err(AppError::Db(DbError::RollbackTransaction)) => {
            let c = queries::get(&mut conn, id).await?;
            let mut errors = FieldErrors::new(page.locale);
            errors.add("step", "contracts.error.changed");
            input.form_token = once::new_token();
            return render_show(
                &page,
                &mut conn,
                c,
                false,
                Some((&input, &errors)),
                StatusCode::CONFLICT,
            )
            .await;
        }
        other => other?,
    };
    let done = if v.step == "voided" {
        "contracts.voided_done"
    } else {
        "contracts.step_done"
    };
    once::answer(&mut conn, &session, &page, &token, filed, done).await
}

/// GET /contracts.csv and .xlsx: the register with the page's filter (at most a
/// sheet's worth).
pub async fn export(
    page: UserPage,
    mut conn: DbConn,
    q: Query<ListQuery>,
    format: ExportFormat,
    config: web::Data<Config>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewContracts)?;
    let show = q.show();
    let search = q.search();
    let rows = rows_of(
        &mut conn,
        (show, search.as_deref()),
        None,
        SHEET_MAX,
        (config.today(), config.tz),
    )
    .await?;
    let loc = page.locale;
    let headers = [
        "contracts.number",
        "contracts.project",
        "contracts.unit",
        "contracts.buyer",
        "contracts.signed_on",
        "contracts.area",
        "contracts.price",
        "contracts.payment_label",
        "contracts.agent",
        "contracts.stage",
        "contracts.step.filed",
        "contracts.step.notified",
        "contracts.deed_tax_due",
        "contracts.step.collected",
        "contracts.step.voided",
        "contracts.surveyed",
        "contracts.r.settled_amount",
        "contracts.cert_no",
        "contracts.step.cert_issued",
    ];
    let day = |d: Option<NaiveDate>| Cell::from(d.map(|d| d.to_string()).unwrap_or_default());
    let rows = rows
        .into_iter()
        .map(|c| {
            vec![
                Cell::from(c.contract_no.clone()),
                c.project.clone().into(),
                c.unit.clone().into(),
                c.buyer.clone().into(),
                c.signed_on.to_string().into(),
                Cell::Hundredths(c.area_centi.into()),
                Cell::Hundredths(c.price_fen),
                loc.t_in("contracts.payment", &c.payment).into(),
                c.agent.clone().into(),
                loc.t_in("contracts.stage_of", &c.stage).into(),
                day(c.filed_on),
                day(c.notified_on),
                day(c.deed_tax_due),
                day(c.collected_on),
                day(c.voided_on),
                Cell::hundredths(c.surveyed_centi.map(i64::from)),
                Cell::hundredths(c.adjust_fen),
                c.cert_no.clone().into(),
                day(c.cert_issued_on),
            ]
        })
        .collect();
    let sheet =
        Sheet::new(loc, "contracts.title", &headers, rows).named(loc.t_in("contracts.show", show));
    export::respond(&sheet, format, &format!("contracts-{show}"))
}

/// GET /contracts/print?show=…: the register as filtered, on paper (landscape).
pub async fn print(
    page: UserPage,
    mut conn: DbConn,
    q: Query<ListQuery>,
    config: web::Data<Config>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewContracts)?;
    let show = q.show();
    let search = q.search();
    let mut rows = rows_of(
        &mut conn,
        (show, search.as_deref()),
        None,
        SHEET_MAX + 1,
        (config.today(), config.tz),
    )
    .await?;
    let truncated = rows.len() > SHEET_MAX as usize;
    rows.truncate(SHEET_MAX as usize);
    let body = ContractPrint {
        ctx: page.ctx(),
        rows,
        show,
        q: search.unwrap_or_default(),
        truncated,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

#[derive(Deserialize, Default, Debug)]
pub struct ReportQuery {
    #[serde(default)]
    month: String,
}

/// The report's month: as asked (`YYYY-MM`), else last month (the report is
/// made at the start of a month for the month before).
fn report_month(q: &ReportQuery, today: NaiveDate) -> NaiveDate {
    crate::web::form::date(&format!("{}-01", q.month.trim())).unwrap_or_else(|| {
        let first = today.with_day(1).unwrap_or(today);
        first.checked_sub_months(Months::new(1)).unwrap_or(first)
    })
}

async fn report_lines(
    page: &UserPage,
    conn: &mut DbConn,
    q: &ReportQuery,
) -> Result<(NaiveDate, Vec<ReportLine>), AppError> {
    page.require(Right::ViewContracts)?;
    let first = report_month(q, page.ctx().today());
    let next = first.checked_add_months(Months::new(1)).unwrap_or(first);
    let lines = queries::report(conn, first, next).await?;
    Ok((first, lines))
}

/// GET /contracts/report?month=YYYY-MM: the month's report to finance.
pub async fn report(
    page: UserPage,
    mut conn: DbConn,
    q: Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let (first, lines) = report_lines(&page, &mut conn, &q).await?;
    let body = ContractReport {
        ctx: page.ctx(),
        month: first.format("%Y-%m").to_string(),
        total: ReportLine::total(&lines),
        lines,
        cites: super::REPORT_CITES,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /contracts/report/print?month=YYYY-MM: the report on paper, with the
/// lines where it is signed and received.
pub async fn report_print(
    page: UserPage,
    mut conn: DbConn,
    q: Query<ReportQuery>,
) -> Result<HttpResponse, AppError> {
    let (first, lines) = report_lines(&page, &mut conn, &q).await?;
    let body = ContractReportPrint {
        ctx: page.ctx(),
        month: first.format("%Y-%m").to_string(),
        total: ReportLine::total(&lines),
        lines,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

fn report_row(l: &ReportLine, name: String) -> Vec<Cell> {
    vec![
        Cell::from(name),
        Cell::from(l.signed),
        Cell::Hundredths(l.signed_area_centi),
        Cell::Hundredths(l.signed_fen),
        Cell::from(l.mortgages),
        Cell::from(l.filed),
        Cell::from(l.collected),
        Cell::from(l.voided),
        Cell::Hundredths(l.voided_fen),
        Cell::from(l.settled),
        Cell::Hundredths(l.settled_fen),
        Cell::from(l.certificates),
    ]
}

/// GET /contracts/report.csv and .xlsx: the same table, with its total line.
pub async fn report_export(
    page: UserPage,
    mut conn: DbConn,
    q: Query<ReportQuery>,
    format: ExportFormat,
) -> Result<HttpResponse, AppError> {
    let (first, lines) = report_lines(&page, &mut conn, &q).await?;
    let ctx: &PageCtx = page.ctx();
    let mut rows: Vec<Vec<Cell>> = lines
        .iter()
        .map(|l| report_row(l, l.project.clone()))
        .collect();
    rows.push(report_row(
        &ReportLine::total(&lines),
        ctx.t("contracts.total").to_owned(),
    ));
    let sheet = Sheet::new(
        page.locale,
        "contracts.report",
        &super::views::REPORT_HEADERS,
        rows,
    );
    export::respond_month(sheet, format, "contracts-report", Some(first))
}
