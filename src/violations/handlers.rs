use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Months, NaiveDate, Utc};
use diesel_async::AsyncConnection;
use serde::Deserialize;
use serde_json::json;

use super::forms::{Decision, DecisionInput, ViolationInput};
use super::mail::{Confirmed, Dismissal};
use super::models::{NewViolation, ViolationLine};
use super::queries::{self, Filter};
use super::schedule::{self, yuan};
use super::views::{
    choices, offence, penalty, Preview, ViolationForm, ViolationList, ViolationPrint, ViolationShow,
};
use crate::audit;
use crate::auth::{Right, Role};
use crate::config::Config;
use crate::db::DbConn;
use crate::error::AppError;
use crate::handbook::current::KeptCurrent;
use crate::i18n::Locale;
use crate::web::context::{flash, Tone};
use crate::web::export::{self, Cell, ExportFormat, Sheet, SHEET_MAX};
use crate::web::{html, once, see_other, FieldErrors, Form, Query, UserPage};

const PAGE: i64 = 50;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    /// `YYYY-MM`, or empty for every month.
    #[serde(default)]
    month: String,
    #[serde(default)]
    show: String,
    #[serde(default)]
    before: String,
}

impl ListQuery {
    fn month(&self) -> Option<NaiveDate> {
        crate::web::form::date(&format!("{}-01", self.month.trim()))
    }

    /// The filter asked; those who see only their own record see their
    /// confirmed breaches, whatever they ask.
    fn show(&self, everyone: bool) -> &'static str {
        if !everyone {
            return "confirmed";
        }
        super::SHOWS
            .iter()
            .find(|s| **s == self.show)
            .copied()
            .unwrap_or("all")
    }

    fn cursor(&self) -> Option<(NaiveDate, i64)> {
        let (d, id) = self.before.split_once('.')?;
        Some((crate::web::form::date(d)?, id.parse().ok()?))
    }

    fn filter(&self, page: &UserPage) -> Filter {
        let everyone = page.may(Right::ManageViolations);
        let first = self.month();
        let show = self.show(everyone);
        Filter {
            from: first,
            until: first.and_then(|d| d.checked_add_months(Months::new(1))),
            status: (show != "all").then_some(show),
            employee: (!everyone).then(|| page.user().id),
        }
    }

    fn month_text(&self) -> String {
        self.month()
            .map(|d| d.format("%Y-%m").to_string())
            .unwrap_or_default()
    }

    /// `month=…&show=…` as the page keeps them.
    fn query(&self, everyone: bool) -> String {
        format!("month={}&show={}", self.month_text(), self.show(everyone))
    }
}

/// GET /violations: everyone's breaches for those who decide them, one's own
/// confirmed breaches for everyone else; newest first.
pub async fn list(
    page: UserPage,
    mut conn: DbConn,
    q: Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewOwnViolations)?;
    let filter = q.filter(&page);
    let everyone = filter.employee.is_none();
    let mut rows = queries::page(&mut conn, &filter, q.cursor(), PAGE + 1).await?;
    let query = q.query(everyone);
    let next = crate::web::trim_page(&mut rows, PAGE as usize)
        .map(|r| format!("{query}&before={}.{}", r.v.occurred_on, r.v.id));
    let body = ViolationList {
        ctx: page.ctx(),
        rows,
        next,
        month: q.month_text(),
        show: q.show(everyone),
        query,
        everyone,
        cites: super::CITES,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

async fn form(
    page: &UserPage,
    conn: &mut DbConn,
    kept: &KeptCurrent,
    staff: Vec<(i64, String)>,
    input: &ViolationInput,
    (errors, same): (&FieldErrors, Option<i64>),
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let handbook = crate::handbook::current::get(conn, kept, page.tz).await?;
    let body = ViolationForm {
        ctx: page.ctx(),
        input,
        errors,
        staff,
        choices: choices(page.locale, |c| handbook.clause_text(c).map(str::to_owned)),
        cites: super::CITES,
        same,
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /violations/new
pub async fn new_form(
    page: UserPage,
    mut conn: DbConn,
    kept: web::Data<KeptCurrent>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageViolations)?;
    let staff = crate::keys::queries::staff(&mut conn).await?;
    let input = ViolationInput::fresh(page.ctx().today());
    let errors = FieldErrors::new(page.locale);
    form(
        &page,
        &mut conn,
        &kept,
        staff,
        &input,
        (&errors, None),
        StatusCode::OK,
    )
    .await
}

/// POST /violations/new: a breach a supervisor saw, proposed for the decision
/// its page then asks (with what it would cost).
pub async fn create(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    kept: web::Data<KeptCurrent>,
    Form(mut input): Form<ViolationInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ManageViolations)?;
    let mut errors = FieldErrors::new(page.locale);
    let token = once::check(
        &mut conn,
        &session,
        &page,
        &mut input.form_token,
        &mut errors,
    )
    .await?;
    let staff = crate::keys::queries::staff(&mut conn).await?;
    let valid = input.validate(&mut errors, page.ctx().today(), &staff);
    let (Some(v), Some(token)) = (valid, token) else {
        return form(
            &page,
            &mut conn,
            &kept,
            staff,
            &input,
            (&errors, None),
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let me = page.user().id;
    let meta = page.meta();
    let clause = v.clause.label();
    let again = input.again == "1";
    let filed = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me).await? {
                return Ok(Ok(None));
            }
            // The same incident recorded twice (by hand after kefu proposed it,
            // or by two supervisors at once) would be fined and counted twice:
            // the form asks first whether this is another one. Under the
            // person's record lock, as confirmations are.
            queries::lock_record(conn, v.employee).await?;
            if !again {
                let same = queries::same_day(conn, v.employee, &clause, v.occurred_on).await?;
                if let Some(same) = same {
                    token.release(conn).await?;
                    return Ok(Err(same));
                }
            }
            let id = queries::create(
                conn,
                &NewViolation {
                    employee_id: v.employee,
                    clause: &clause,
                    schedule: v.schedule.code,
                    occurred_on: v.occurred_on,
                    details: &v.details,
                    charge_fen: v.charge_fen,
                    source: "manual",
                    source_id: None,
                    proposed_by: Some(me),
                    proposed_at: Utc::now(),
                },
            )
            .await?;
            audit::record(
                conn,
                &meta,
                "violation.proposed",
                Some(("violation", id.to_string())),
                json!({ "employee": v.employee, "clause": clause }),
            )
            .await?;
            Ok(Ok(token.filed(conn, format!("/violations/{id}")).await?))
        })
        .await?;
    let filed = match filed {
        Ok(filed) => filed,
        Err(same) => {
            errors.add("occurred_on", "violations.error.same_day");
            let status = StatusCode::CONFLICT;
            let same = Some(same);
            return form(
                &page,
                &mut conn,
                &kept,
                staff,
                &input,
                (&errors, same),
                status,
            )
            .await;
        }
    };
    once::answer(
        &mut conn,
        &session,
        &page,
        &token,
        filed,
        "violations.recorded",
    )
    .await
}

/// The breach, if this reader may see it: any, for those who decide; else only
/// their own confirmed ones (proposals and dismissals are the deciders' business).
async fn visible(conn: &mut DbConn, page: &UserPage, id: i64) -> Result<ViolationLine, AppError> {
    page.require(Right::ViewOwnViolations)?;
    let line = queries::get(conn, id).await?;
    if page.may(Right::ManageViolations)
        || (line.v.employee_id == page.user().id && line.v.status == "confirmed")
    {
        Ok(line)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Whether this reader decides this proposal: a decider, not about themself.
fn may_decide(page: &UserPage, line: &ViolationLine) -> bool {
    line.v.status == "proposed"
        && page.may(Right::ManageViolations)
        && line.v.employee_id != page.user().id
}

async fn render_show(
    page: &UserPage,
    conn: &mut DbConn,
    kept: &KeptCurrent,
    line: ViolationLine,
    input: &DecisionInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let sched = line.v.schedule();
    let preview = match sched {
        Some(s) if may_decide(page, &line) => {
            let prior = queries::prior(conn, line.v.employee_id, s, &line.v.clause).await?;
            let decided = schedule::parse_yuan(&input.fine).unwrap_or(0);
            Some(Preview {
                prior,
                outcome: s.outcome(prior, line.v.charge_fen, decided),
                decided: s.decided(),
                by_clause: s.counted_by_clause(),
            })
        }
        _ => None,
    };
    let rule = sched.and_then(|s| s.rule);
    let handbook = crate::handbook::current::get(conn, kept, page.tz).await?;
    let text = |c: &str| handbook.clause_text(c).unwrap_or_default().to_owned();
    let body = ViolationShow {
        ctx: page.ctx(),
        clause_text: text(&line.v.clause),
        rule_text: rule.map(|r| text(&r.label())).unwrap_or_default(),
        rule,
        preview,
        own_proposal: line.v.status == "proposed" && line.v.employee_id == page.user().id,
        line,
        input,
        errors,
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /violations/{id}
pub async fn show(
    page: UserPage,
    mut conn: DbConn,
    kept: web::Data<KeptCurrent>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let line = visible(&mut conn, &page, path.into_inner()).await?;
    let input = DecisionInput::fresh();
    let errors = FieldErrors::new(page.locale);
    render_show(
        &page,
        &mut conn,
        &kept,
        line,
        &input,
        &errors,
        StatusCode::OK,
    )
    .await
}

/// What a decision came to.
enum Decided {
    Now,
    /// Decided by someone else meanwhile, or by this same form sent twice.
    Already,
    /// Not confirmed: the person's record changed since the page showed the
    /// offence and penalty.
    Recounted,
}

/// What a decision sent for a breach decided already says: the same decision
/// by the same supervisor (a double click, a form sent again) stands and is
/// confirmed as done; anything else changed nothing.
fn already(v: &super::models::Violation, me: i64, input: &DecisionInput) -> (Tone, &'static str) {
    match (
        v.decided_by == Some(me),
        input.decision.as_str(),
        v.status.as_str(),
    ) {
        (true, "confirm", "confirmed") => (Tone::Ok, "violations.confirmed_done"),
        (true, "dismiss", "dismissed") => (Tone::Ok, "violations.dismissed_done"),
        _ => (Tone::Error, "violations.already_decided"),
    }
}

/// The answer to a decision on a proposal decided already: back to its page,
/// saying whether it was this decision (a second click) or another. A note
/// typed for another decision comes back with the page, to copy.
async fn decided_already(
    page: &UserPage,
    session: &Session,
    conn: &mut DbConn,
    kept: &KeptCurrent,
    line: ViolationLine,
    input: &DecisionInput,
) -> Result<HttpResponse, AppError> {
    let (tone, message) = already(&line.v, page.user().id, input);
    if tone == Tone::Error && !input.note.trim().is_empty() {
        let mut errors = FieldErrors::new(page.locale);
        errors.add("body", message);
        let status = StatusCode::CONFLICT;
        return render_show(page, conn, kept, line, input, &errors, status).await;
    }
    flash(session, tone, page.t(message));
    Ok(see_other(&format!("/violations/{}", line.v.id)))
}

/// POST /violations/{id}/decide: confirm (the fine from the schedule and the
/// person's record, as the page showed them: a record changed meanwhile sends
/// the page back; the employee is told by mail) or dismiss
/// with a reason. A proposal is decided once: a second submit, or a colleague's
/// decision meanwhile, changes nothing.
pub async fn decide(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    kept: web::Data<KeptCurrent>,
    path: web::Path<i64>,
    Form(input): Form<DecisionInput>,
) -> Result<HttpResponse, AppError> {
    let line = visible(&mut conn, &page, path.into_inner()).await?;
    let id = line.v.id;
    let here = format!("/violations/{id}");
    if line.v.status != "proposed" {
        return decided_already(&page, &session, &mut conn, &kept, line, &input).await;
    }
    if !may_decide(&page, &line) {
        return Err(AppError::Forbidden);
    }
    let sched = line.v.schedule().ok_or(AppError::NotFound)?;
    let mut errors = FieldErrors::new(page.locale);
    let Some(decision) = input.validate(&mut errors, sched.decided()) else {
        return render_show(
            &page,
            &mut conn,
            &kept,
            line,
            &input,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let me = page.user().id;
    let meta = page.meta();
    let now = Utc::now();
    let mut url = config.base_url.clone();
    url.set_path(&here);
    let shown_prior = input.prior.trim().parse::<i64>().ok();
    let done = conn
        .transaction::<_, AppError, _>(async |conn| {
            queries::lock_record(conn, line.v.employee_id).await?;
            let v = queries::lock(conn, id).await?;
            if v.status != "proposed" {
                return Ok(Decided::Already);
            }
            match &decision {
                Decision::Dismiss { note } => {
                    queries::dismiss(conn, id, me, now, note).await?;
                    audit::record(
                        conn,
                        &meta,
                        "violation.dismissed",
                        Some(("violation", id.to_string())),
                        json!({ "employee": v.employee_id }),
                    )
                    .await?;
                }
                Decision::Confirm { fine_fen, note } => {
                    let prior = queries::prior(conn, v.employee_id, sched, &v.clause).await?;
                    if shown_prior != Some(prior) {
                        // Another breach of theirs was confirmed since the page
                        // was shown: this one counts differently now.
                        return Ok(Decided::Recounted);
                    }
                    let o = sched.outcome(prior, v.charge_fen, *fine_fen);
                    queries::confirm(conn, id, me, now, note, &o).await?;
                    let to = queries::person(conn, v.employee_id).await?;
                    let loc = to.locale();
                    let mail = Confirmed {
                        loc,
                        to_name: to.display_name.clone(),
                        number: v.number(),
                        clause: v.clause.clone(),
                        occurred_on: v.occurred_on.to_string(),
                        details: v.described_in(loc),
                        offence: offence(loc, o.offence_no),
                        penalty: penalty(loc, &o, v.charge_fen),
                        note: note.clone(),
                        url: url.to_string(),
                    }
                    .render()
                    .map_err(AppError::Template)?;
                    let key = format!("violation_confirmed:{id}");
                    crate::mail::enqueue(conn, &key, "violation_confirmed", &to.recipient(), &mail)
                        .await?;
                    if o.dismissal {
                        let mut account = config.base_url.clone();
                        account.set_path(&format!("/admin/users/{}", v.employee_id));
                        for admin in
                            crate::users::queries::holders(conn, Role::Admin.code()).await?
                        {
                            let mail = Dismissal {
                                loc: admin.locale(),
                                to_name: admin.display_name.clone(),
                                employee: to.display_name.clone(),
                                number: v.number(),
                                clause: v.clause.clone(),
                                url: account.to_string(),
                            }
                            .render()
                            .map_err(AppError::Template)?;
                            let key = format!("violation_dismissal:{id}:{}", admin.id);
                            crate::mail::enqueue(
                                conn,
                                &key,
                                "violation_dismissal",
                                &admin.recipient(),
                                &mail,
                            )
                            .await?;
                        }
                    }
                    audit::record(
                        conn,
                        &meta,
                        "violation.confirmed",
                        Some(("violation", id.to_string())),
                        json!({
                            "employee": v.employee_id,
                            "offence_no": o.offence_no,
                            "fine": yuan(o.fine_fen),
                            "suspension_days": o.suspension_days,
                            "dismissal": o.dismissal,
                        }),
                    )
                    .await?;
                }
            }
            Ok(Decided::Now)
        })
        .await?;
    let message = match (done, &decision) {
        (Decided::Already, _) => {
            let line = queries::get(&mut conn, id).await?;
            return decided_already(&page, &session, &mut conn, &kept, line, &input).await;
        }
        (Decided::Recounted, _) => {
            let line = queries::get(&mut conn, id).await?;
            errors.add("decision", "violations.error.recounted");
            return render_show(
                &page,
                &mut conn,
                &kept,
                line,
                &input,
                &errors,
                StatusCode::CONFLICT,
            )
            .await;
        }
        (Decided::Now, Decision::Confirm { .. }) => "violations.confirmed_done",
        (Decided::Now, Decision::Dismiss { .. }) => "violations.dismissed_done",
    };
    flash(&session, Tone::Ok, page.t(message));
    Ok(see_other(&here))
}

/// The lines for print and export (at most a sheet's worth).
async fn sheet_rows(
    page: &UserPage,
    conn: &mut DbConn,
    q: &ListQuery,
) -> Result<(Vec<ViolationLine>, bool), AppError> {
    page.require(Right::ViewOwnViolations)?;
    let filter = q.filter(page);
    let mut rows = queries::page(conn, &filter, None, SHEET_MAX + 1).await?;
    let truncated = crate::web::trim_page(&mut rows, SHEET_MAX as usize).is_some();
    Ok((rows, truncated))
}

/// GET /violations/print: the register like the paper form (违规处罚登记).
pub async fn print(
    page: UserPage,
    mut conn: DbConn,
    q: Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    let (rows, truncated) = sheet_rows(&page, &mut conn, &q).await?;
    let body = ViolationPrint {
        ctx: page.ctx(),
        rows,
        month: q.month_text(),
        truncated,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// The register's sheet; with `whole` (not cut at the sheet's cap), a last line
/// totals the confirmed fines.
fn export_sheet(lines: &[ViolationLine], loc: Locale, whole: bool) -> Sheet {
    let headers = [
        "violations.number",
        "violations.occurred_on",
        "violations.employee",
        "violations.clause",
        "violations.details",
        "violations.state",
        "violations.offence",
        "violations.fine",
        "violations.penalty",
        "violations.decided_by",
        "violations.note",
    ];
    let rows = lines
        .iter()
        .map(|r| {
            let v = &r.v;
            let outcome = super::views::recorded(v);
            vec![
                Cell::from(v.number()),
                v.occurred_on.to_string().into(),
                r.employee.clone().into(),
                v.clause.clone().into(),
                v.described_in(loc).into(),
                loc.t_in("violations.status", &v.status).into(),
                v.offence_no
                    .map(|n| n.to_string())
                    .unwrap_or_default()
                    .into(),
                Cell::hundredths(v.fine_fen),
                outcome
                    .map(|o| penalty(loc, &o, v.charge_fen))
                    .unwrap_or_default()
                    .into(),
                r.decider.clone().unwrap_or_default().into(),
                v.decision_note.clone().into(),
            ]
        })
        .collect::<Vec<_>>();
    let mut rows = rows;
    if whole && !rows.is_empty() {
        // The fines of the confirmed breaches, under their column.
        let mut total = vec![Cell::from(loc.t("violations.fines_total"))];
        total.resize_with(7, || Cell::from(""));
        total.push(Cell::Hundredths(super::views::fines_total(lines)));
        total.resize_with(headers.len(), || Cell::from(""));
        rows.push(total);
    }
    Sheet::new(loc, "violations.title", &headers, rows)
}

/// GET /violations.csv and .xlsx: the register with the page's filter.
pub async fn export(
    page: UserPage,
    mut conn: DbConn,
    q: Query<ListQuery>,
    format: ExportFormat,
) -> Result<HttpResponse, AppError> {
    let (rows, truncated) = sheet_rows(&page, &mut conn, &q).await?;
    let sheet = export_sheet(&rows, page.locale, !truncated);
    export::respond_month(sheet, format, "violations", q.month())
}
