//! Borrowing and consulting (借阅): a request names documents, a purpose and a due
//! date; the service-centre manager approves a loan or copy (approvals kind
//! `archive_borrow`), while consulting on site for work needs no approval;
//! the keeper hands it over against the borrower's signature in the 文件借阅登记表
//! and records its return; overdue loans are reminded by a daily job.
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{DateTime, NaiveDate, Utc};
use diesel::QueryResult;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::json;
use std::collections::HashMap;

use super::forms::{BorrowInput, SignInput};
use super::models::{Archive, Borrow, BorrowRow};
use super::queries;
use super::views::{BorrowForm, BorrowShow, Pick, Register, RegisterPrint};
use crate::approvals::{self, engine};
use crate::audit;
use crate::auth::Right;
use crate::config::Config;
use crate::db::DbConn;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::properties::personal::mask_name;
use crate::web::context::{flash, Tone};
use crate::web::export::{self, Cell, ExportFormat, Sheet, SHEET_MAX};
use crate::web::once;
use crate::web::{html, see_other, FieldErrors, Form, Query, UserPage};

/// Documents that may be asked for: kept, in this archive, on no open
/// destruction list (`listed`), with their confidentiality.
fn available(docs: &[super::models::Document], listed: &[i64]) -> Vec<(i64, bool)> {
    docs.iter()
        .filter(|d| d.status == "kept" && !listed.contains(&d.id))
        .map(|d| (d.id, d.confidential))
        .collect()
}

/// The archive's documents on an open destruction list.
async fn listed_of(
    conn: &mut DbConn,
    docs: &[super::models::Document],
) -> Result<Vec<i64>, AppError> {
    let ids: Vec<i64> = docs.iter().map(|d| d.id).collect();
    Ok(queries::on_open_list(conn, &ids).await?)
}

async fn form(
    page: &UserPage,
    conn: &mut DbConn,
    archive: Archive,
    input: &BorrowInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let docs: Vec<_> = queries::documents_of(conn, archive.id)
        .await?
        .into_iter()
        .filter(|d| d.status == "kept")
        .collect();
    let listed = listed_of(conn, &docs).await?;
    let types = queries::doc_types(conn).await?;
    let waiting = queries::pending_borrow(conn, archive.id, page.user().id).await?;
    // The form names the papers to choose from, the confidential ones too: on
    // record as on the archive's own page.
    super::handlers::confidential_listed(conn, page, archive.id, &docs).await?;
    let body = BorrowForm {
        ctx: page.ctx(),
        archive,
        docs,
        types,
        listed,
        waiting,
        input,
        errors,
        cites: super::BORROW_CITES,
    }
    .render()?;
    Ok(html(status, body))
}

#[derive(Deserialize)]
pub struct BuildingQuery {
    #[serde(default, deserialize_with = "crate::web::form::number_or_none")]
    pub(super) building: Option<i64>,
    /// The page after this archive (a building with more than a page).
    #[serde(default, deserialize_with = "crate::web::form::number_or_none")]
    after: Option<i64>,
}

/// GET /archives/request: anyone asks to consult or borrow an archive for their
/// work (住户档案管理规定 3(1)). A building, then its archives by label only:
/// who lives there stays with those who keep the archives.
pub async fn pick(
    page: UserPage,
    mut conn: DbConn,
    choices: web::Data<crate::keys::queries::BuildingChoices>,
    q: Query<BuildingQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RequestArchiveBorrow)?;
    let buildings = crate::keys::queries::building_choices(&mut conn, &choices).await?;
    let page_size = super::handlers::BUILDING_PAGE;
    let mut rows = match q.building {
        Some(b) => queries::page(&mut conn, Some(b), q.after, page_size + 1).await?,
        None => Vec::new(),
    };
    let next = crate::web::trim_page(&mut rows, page_size as usize).map(|r| r.id);
    let body = Pick {
        ctx: page.ctx(),
        buildings,
        building: q.building,
        rows,
        next,
        cites: super::BORROW_CITES,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /archives/{id}/borrow
pub async fn new_form(
    page: UserPage,
    mut conn: DbConn,
    config: web::Data<Config>,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RequestArchiveBorrow)?;
    let archive = queries::get(&mut conn, path.into_inner()).await?;
    let input = BorrowInput {
        form_token: once::new_token(),
        mode: "consult".into(),
        due_on: (config.today() + chrono::Duration::days(7)).to_string(),
        ..Default::default()
    };
    let errors = FieldErrors::new(page.locale);
    form(&page, &mut conn, archive, &input, &errors, StatusCode::OK).await
}

/// The approval's title: the archive, the mode, who asks, and for an outsider
/// whom they bring. The resident is masked, as the page the borrower picked the
/// archive from shows them: the title is seen by the borrower, in the inbox and
/// in mail, and those who may see the name open the archive.
pub(super) fn subject(archive: &Archive, v: &super::forms::ValidBorrow, borrower: &str) -> String {
    let mut who = approvals::typed(borrower);
    if v.grounds == "outsider" {
        who = format!(
            "{}{}{who}{}",
            approvals::typed(&v.visitor_name),
            approvals::term("paper.open_paren"),
            approvals::term("paper.close_paren")
        );
    }
    format!(
        "{} {} · {} · {who}",
        approvals::typed(&archive.label()),
        approvals::typed(&mask_name(&archive.resident_name)),
        approvals::term(&format!("archives.mode.{}", v.mode)),
    )
}

/// What filing a borrow request came to.
enum Filed {
    /// Filed, where it is; `None` when a concurrent submit of the same form
    /// holds its token (see [`once`]).
    New(Option<String>),
    /// Refused: a loan or copy of theirs for this archive already waits (one at
    /// a time).
    Waiting,
}

/// POST /archives/{id}/borrow: a loan or copy of a confidential document is
/// refused with the rule, and nothing is stored; another loan or copy waits for
/// the service-centre manager; a consultation on site waits for the keeper.
/// The form's one-time token files each request once, whatever the clicks.
pub async fn create(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    path: web::Path<i64>,
    Form(mut input): Form<BorrowInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RequestArchiveBorrow)?;
    let archive = queries::get(&mut conn, path.into_inner()).await?;
    let mut errors = FieldErrors::new(page.locale);
    let token = once::check(
        &mut conn,
        &session,
        &page,
        &mut input.form_token,
        &mut errors,
    )
    .await?;
    let docs = queries::documents_of(&mut conn, archive.id).await?;
    let listed = listed_of(&mut conn, &docs).await?;
    let available = available(&docs, &listed);
    // A paper of this archive chosen on a form read before it was lent, listed
    // for destruction or taken out: say why it cannot be asked for.
    let gone = input.documents.iter().any(|d| {
        d.trim().parse::<i64>().is_ok_and(|id| {
            docs.iter().any(|doc| doc.id == id) && !available.iter().any(|(a, _)| *a == id)
        })
    });
    if gone {
        errors.add("documents", "archives.error.documents_unavailable");
    }
    let valid = input.validate(&available, config.today(), &mut errors);
    let (Some(v), Some(token)) = (valid, token) else {
        return form(
            &page,
            &mut conn,
            archive,
            &input,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let me = page.user().clone();
    let meta = page.meta();
    let now = Utc::now();
    // A colleague consulting papers on site for their work needs no approval
    // (住户档案管理规定 3(2): only outsiders, or a reason other than work, need
    // the manager's); lending and copying do (3(4)).
    let approved_already = !Borrow::needs_approval(v.mode, v.grounds);
    let filed = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me.id).await? {
                return Ok(Filed::New(None));
            }
            let Some(id) = queries::create_borrow(conn, archive.id, me.id, &v).await? else {
                // Nothing filed: the form, sent again as a consultation say,
                // files anew.
                token.release(conn).await?;
                return Ok(Filed::Waiting);
            };
            let request = if approved_already {
                None
            } else {
                let request = engine::submit(
                    conn,
                    &approvals::ARCHIVE_BORROW,
                    id,
                    &subject(&archive, &v, &me.display_name),
                    me.id,
                    &config,
                    now,
                )
                .await?;
                Some(request)
            };
            queries::add_history(
                conn,
                archive.id,
                None,
                "borrow_requested",
                &v.purpose,
                Some(me.id),
            )
            .await?;
            audit::record(
                conn,
                &meta,
                "archives.borrow_requested",
                Some(("archive_borrow", id.to_string())),
                json!({ "archive": archive.id, "mode": v.mode, "documents": v.documents,
                        "due_on": v.due_on, "grounds": v.grounds,
                        "approval_request": request }),
            )
            .await?;
            Ok(Filed::New(
                token.filed(conn, format!("/archives/borrows/{id}")).await?,
            ))
        })
        .await?;
    match filed {
        Filed::New(filed) => {
            let ok = if approved_already {
                "archives.consult_filed"
            } else {
                "archives.borrow_filed"
            };
            once::answer(&mut conn, &session, &page, &token, filed, ok).await
        }
        // One loan or copy per person and archive waits at a time: the form
        // comes back as sent, linking to theirs (a consultation on site may
        // still be filed, or the waiting request withdrawn first).
        Filed::Waiting => {
            errors.add("mode", "archives.borrow_pending");
            let status = StatusCode::CONFLICT;
            form(&page, &mut conn, archive, &input, &errors, status).await
        }
    }
}

/// The borrow, if this user may see it: the borrower, anyone who keeps or reads
/// archives, or an approver of it.
async fn visible(
    conn: &mut AsyncPgConnection,
    page: &UserPage,
    id: i64,
) -> Result<(super::models::Borrow, Option<approvals::models::Request>), AppError> {
    let b = queries::borrow(conn, id).await?;
    let req = approvals::queries::request_for(conn, super::BORROW_KIND, id).await?;
    let me = page.user().id;
    let allowed = b.borrower_id == me
        || page.may(Right::ViewArchives)
        || match &req {
            Some(r) => {
                approvals::queries::was_approver(conn, r.id, me, (page.today(), page.tz)).await?
            }
            None => false,
        };
    if !allowed {
        return Err(AppError::Forbidden);
    }
    Ok((b, req))
}

async fn render_show(
    page: &UserPage,
    conn: &mut DbConn,
    id: i64,
    sign: &SignInput,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let (borrow, req) = visible(conn, page, id).await?;
    let archive = queries::get(conn, borrow.archive_id).await?;
    let docs = queries::borrow_documents(conn, id).await?;
    let borrower = approvals::queries::person(conn, borrow.borrower_id).await?;
    let approval_id =
        crate::approvals::link_for(conn, req, page.user(), (page.today(), page.tz)).await?;
    let may_cancel = cancellable(&borrow)
        && (borrow.borrower_id == page.user().id || page.may(Right::KeepArchives));
    let body = BorrowShow {
        ctx: page.ctx(),
        may_cancel,
        who: borrow.who(&borrower.display_name, page.locale),
        signer: borrow.signer(&borrower.display_name).to_owned(),
        borrow,
        archive,
        docs,
        approval_id,
        sign_name: sign.sign_name.clone(),
        sign_confirmed: sign.sign_confirm.is_some(),
        sign_drawing: sign.sign_drawing.clone(),
        errors,
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /archives/borrows/{id}
pub async fn show(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let errors = FieldErrors::new(page.locale);
    render_show(
        &page,
        &mut conn,
        path.into_inner(),
        &SignInput::default(),
        &errors,
        StatusCode::OK,
    )
    .await
}

/// POST /archives/borrows/{id}/lend: the keeper hands the approved documents
/// over; the borrower signs the register (借阅人签字).
pub async fn lend(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
    Form(input): Form<SignInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::KeepArchives)?;
    let id = path.into_inner();
    let borrow = queries::borrow(&mut conn, id).await?;
    let borrower = approvals::queries::person(&mut conn, borrow.borrower_id).await?;
    let mut errors = FieldErrors::new(page.locale);
    // The one who takes the papers signs: the visitor, when it is one.
    let sig = input.signature(borrow.signer(&borrower.display_name), &mut errors);
    let Some(sig) = sig else {
        return render_show(
            &page,
            &mut conn,
            id,
            &input,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let me = page.user().id;
    let meta = page.meta();
    let today = page.today();
    if borrow.lapsed(today) {
        flash(&session, Tone::Error, page.t("archives.error.due_lapsed"));
        return Ok(see_other(&format!("/archives/borrows/{id}")));
    }
    let mut listed = false;
    let mut confidential = false;
    let handed = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !queries::lend(conn, id, me, &sig.name, sig.drawing_png.as_deref()).await? {
                return Ok(Handed::NotApproved);
            }
            // A paper lent on another borrow, taken out or destroyed since the
            // approval cannot be handed over: undo the hand-over.
            if !queries::borrowed_all_kept(conn, id).await? {
                return Err(diesel::result::Error::RollbackTransaction.into());
            }
            // Papers put on a destruction list since the approval stay for it.
            if queries::borrowed_on_open_list(conn, id).await? {
                listed = true;
                return Err(diesel::result::Error::RollbackTransaction.into());
            }
            // Marked confidential since the approval: consulted on site only
            // (住户档案管理规定 3(3)), never lent or copied.
            if borrow.mode != "consult" && queries::borrowed_confidential(conn, id).await? {
                confidential = true;
                return Err(diesel::result::Error::RollbackTransaction.into());
            }
            // Lent, copied or consulted, the papers are out of the cabinet
            // until they come back: not for another borrower, a removal or a
            // destruction meanwhile.
            queries::set_borrowed_status(conn, id, "kept", "on_loan").await?;
            // Consulted on site: back the day it is handed over, whichever day
            // it was asked for.
            if borrow.mode == "consult" {
                queries::set_due_on(conn, id, today).await?;
            }
            queries::add_history(conn, borrow.archive_id, None, "lent", &sig.name, Some(me))
                .await?;
            audit::record(
                conn,
                &meta,
                "archives.lent",
                Some(("archive_borrow", id.to_string())),
                json!({ "signed_name": sig.name, "drawn": sig.drawing_png.is_some() }),
            )
            .await?;
            Ok(Handed::Lent)
        })
        .await;
    let handed = match handed {
        Err(AppError::Db(diesel::result::Error::RollbackTransaction)) if listed => Handed::Listed,
        Err(AppError::Db(diesel::result::Error::RollbackTransaction)) if confidential => {
            Handed::Confidential
        }
        Err(AppError::Db(diesel::result::Error::RollbackTransaction)) => Handed::Away,
        other => other?,
    };
    // A paper gone or listed meanwhile: the page again, saying which and keeping
    // the signature for when it is back. Lent already (a double click) or no
    // longer approved: the page as it stands now, saying so.
    let (level, key) = match handed {
        Handed::Lent => (Tone::Ok, "archives.lent"),
        Handed::NotApproved => (Tone::Error, "archives.borrow_not_approved"),
        Handed::Away | Handed::Listed | Handed::Confidential => {
            let key = match handed {
                Handed::Away => "archives.error.not_in_cabinet",
                Handed::Listed => "archives.error.borrow_on_list",
                _ => "archives.confidential_rule",
            };
            errors.add("documents", key);
            let status = StatusCode::CONFLICT;
            return render_show(&page, &mut conn, id, &input, &errors, status).await;
        }
    };
    flash(&session, level, page.t(key));
    Ok(see_other(&format!("/archives/borrows/{id}")))
}

/// How a hand-over ended.
enum Handed {
    Lent,
    /// Not (or no longer) approved: refused, or lent already.
    NotApproved,
    /// A paper of the borrow is not in the cabinet now.
    Away,
    /// A paper of the borrow is on an open destruction list.
    Listed,
    /// A paper of a loan or copy is confidential now.
    Confidential,
}

/// POST /archives/borrows/{id}/return
pub async fn give_back(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::KeepArchives)?;
    let id = path.into_inner();
    let borrow = queries::borrow(&mut conn, id).await?;
    let me = page.user().id;
    let meta = page.meta();
    let done = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !queries::give_back(conn, id, me).await? {
                return Ok(false);
            }
            queries::set_borrowed_status(conn, id, "on_loan", "kept").await?;
            noted(conn, &meta, (borrow.archive_id, id), "returned").await?;
            Ok(true)
        })
        .await?;
    if done {
        flash(&session, Tone::Ok, page.t("archives.returned"));
    } else {
        // Returned already (the form sent again), or never lent.
        let key = if borrow.status == "returned" {
            "archives.error.returned_already"
        } else {
            "archives.error.not_lent"
        };
        flash(&session, Tone::Error, page.t(key));
    }
    Ok(see_other(&format!("/archives/borrows/{id}")))
}

/// A step of borrow `id` of archive `archive` taken by whoever acts: in the
/// archive's history as `step`, and in the audit log as `archives.{step}`.
async fn noted(
    conn: &mut AsyncPgConnection,
    meta: &audit::Meta,
    (archive, id): (i64, i64),
    step: &str,
) -> Result<(), AppError> {
    queries::add_history(conn, archive, None, step, "", meta.actor_id).await?;
    audit::record(
        conn,
        meta,
        &format!("archives.{step}"),
        Some(("archive_borrow", id.to_string())),
        json!({}),
    )
    .await?;
    Ok(())
}

/// Whether a borrow may be called off by its borrower or the keeper: approved
/// and not handed over yet. A consultation, a loan no longer needed, a copy
/// whose papers can no longer be handed over (taken out, put on a destruction
/// list, made confidential since), or one whose return date passed first: none
/// of these need wait for its date to leave the list of what is to hand over.
fn cancellable(borrow: &Borrow) -> bool {
    borrow.status == "approved"
}

/// POST /archives/borrows/{id}/cancel: a borrow approved and not handed over
/// yet ([`cancellable`]) is called off by its borrower or the keeper; it stays
/// in the register as withdrawn.
pub async fn cancel(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    let id = path.into_inner();
    let borrow = queries::borrow(&mut conn, id).await?;
    if borrow.borrower_id != page.user().id && !page.may(Right::KeepArchives) {
        return Err(AppError::Forbidden);
    }
    let meta = page.meta();
    let (step, said) = if borrow.mode == "consult" {
        ("consultation_cancelled", "archives.consultation_cancelled")
    } else {
        ("borrow_cancelled", "archives.borrow_cancelled")
    };
    let done = cancellable(&borrow)
        && conn
            .transaction::<_, AppError, _>(async |conn| {
                if !queries::borrow_status(conn, id, "approved", "withdrawn").await? {
                    return Ok(false);
                }
                noted(conn, &meta, (borrow.archive_id, id), step).await?;
                Ok(true)
            })
            .await?;
    if done {
        flash(&session, Tone::Ok, page.t(said));
    } else {
        // Handed over meanwhile, or called off already (the form sent again).
        flash(
            &session,
            Tone::Error,
            page.t("archives.error.not_cancellable"),
        );
    }
    Ok(see_other(&format!("/archives/borrows/{id}")))
}

#[derive(Deserialize)]
pub struct PageQuery {
    #[serde(default, deserialize_with = "crate::web::form::number_or_none")]
    before: Option<i64>,
    #[serde(default)]
    status: String,
}

/// A borrow's statuses, in the order it passes through them.
pub const STATUSES: [&str; 6] = [
    "pending",
    "approved",
    "rejected",
    "withdrawn",
    "lent",
    "returned",
];
/// `?status=handed`: the borrows handed over (on loan or returned), what the
/// paper register holds.
pub const HANDED: &str = "handed";
/// `?status=overdue`: the borrows still on loan after their due date.
pub const OVERDUE: &str = "overdue";

/// The register's filter from `?status=`: its code as the page keeps it (empty:
/// every borrow), the statuses it shows, and for [`OVERDUE`] the site's today
/// (due dates before it). An unknown code shows every borrow.
struct Shown {
    code: &'static str,
    statuses: Option<&'static [&'static str]>,
    due_before: Option<NaiveDate>,
}

fn shown(code: &str, today: NaiveDate) -> Shown {
    let only = |code, statuses| Shown {
        code,
        statuses: Some(statuses),
        due_before: None,
    };
    match code {
        HANDED => only(HANDED, &STATUSES[4..]),
        OVERDUE => Shown {
            due_before: Some(today),
            ..only(OVERDUE, &STATUSES[4..=4])
        },
        _ => match STATUSES.iter().position(|s| *s == code) {
            Some(i) => only(STATUSES[i], &STATUSES[i..=i]),
            None => Shown {
                code: "",
                statuses: None,
                due_before: None,
            },
        },
    }
}

const PAGE: i64 = 50;

/// A page of the register and the documents of its lines.
async fn register_rows(
    conn: &mut DbConn,
    shown: &Shown,
    (borrower, before): (Option<i64>, Option<i64>),
    limit: i64,
) -> Result<(Vec<BorrowRow>, Vec<(i64, String)>, Option<i64>), AppError> {
    let filter = queries::RegisterFilter {
        statuses: shown.statuses,
        due_before: shown.due_before,
        borrower,
    };
    let mut rows = queries::register(conn, &filter, before, limit + 1).await?;
    let next = crate::web::trim_page(&mut rows, limit as usize).map(|r| r.borrow.id);
    let ids: Vec<i64> = rows.iter().map(|r| r.borrow.id).collect();
    let titles = queries::borrow_titles(conn, &ids).await?;
    Ok((rows, titles, next))
}

/// Who approved each line and who handed it over, for paper and exports.
pub struct Signers {
    /// By borrow: the last approving decision (a borrow has one step).
    approvers: HashMap<i64, String>,
    keepers: HashMap<i64, String>,
}

impl Signers {
    async fn of(conn: &mut DbConn, rows: &[BorrowRow], loc: Locale) -> Result<Signers, AppError> {
        let ids: Vec<i64> = rows.iter().map(|r| r.borrow.id).collect();
        let keepers: Vec<i64> = rows.iter().filter_map(|r| r.borrow.lent_by).collect();
        Ok(Signers {
            approvers: approvals::queries::approvals_of(conn, super::BORROW_KIND, &ids, loc)
                .await?
                .into_iter()
                .map(|(borrow, _, name, _)| (borrow, name))
                .collect(),
            keepers: approvals::queries::names(conn, &keepers).await?,
        })
    }

    /// Who approved it; for a consultation on site, that none was needed.
    pub fn approver(&self, b: &super::models::Borrow, loc: Locale) -> &str {
        // Handed over (or about to be) with no decision: consulted for work.
        let handed = matches!(b.status.as_str(), "approved" | "lent" | "returned");
        if b.mode == "consult" && handed && !self.approvers.contains_key(&b.id) {
            return loc.t("archives.consult_no_approval");
        }
        self.approvers.get(&b.id).map_or("", String::as_str)
    }

    pub fn keeper(&self, r: &BorrowRow) -> &str {
        r.borrow
            .lent_by
            .and_then(|id| self.keepers.get(&id))
            .map_or("", String::as_str)
    }
}

/// GET /archives/borrows: the 文件借阅登记表, with how many loans are overdue.
pub async fn register(
    page: UserPage,
    mut conn: DbConn,
    q: Query<PageQuery>,
    kept_overdue: web::Data<queries::KeptOverdueBorrows>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RequestArchiveBorrow)?;
    // Archive staff read the whole register; anyone else their own requests.
    let own = (!page.may(Right::ViewArchives)).then(|| page.user().id);
    let today = page.ctx().today();
    let shown = shown(&q.status, today);
    let (rows, titles, next) = register_rows(&mut conn, &shown, (own, q.before), PAGE).await?;
    let overdue = match own {
        None => queries::overdue_shown(&mut conn, &kept_overdue, Utc::now(), page.tz).await?,
        Some(_) => String::new(),
    };
    let body = Register {
        ctx: page.ctx(),
        rows,
        titles,
        next,
        status: shown.code,
        today,
        overdue,
        own: own.is_some(),
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /archives/borrows/print: the register like the paper form, with the
/// list's filter.
pub async fn register_print(
    page: UserPage,
    mut conn: DbConn,
    q: Query<PageQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewArchives)?;
    let shown = shown(&q.status, page.ctx().today());
    let (rows, titles, next) =
        register_rows(&mut conn, &shown, (None, q.before), SHEET_MAX).await?;
    let signers = Signers::of(&mut conn, &rows, page.locale).await?;
    let body = RegisterPrint {
        ctx: page.ctx(),
        rows,
        titles,
        signers,
        status: shown.code,
        truncated: next.is_some(),
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

fn fmt_time(t: &Option<DateTime<Utc>>, tz: chrono_tz::Tz) -> String {
    t.map(|t| crate::i18n::minute(t, tz)).unwrap_or_default()
}

fn export_sheet(
    rows: &[BorrowRow],
    titles: &[(i64, String)],
    signers: &Signers,
    loc: Locale,
    tz: chrono_tz::Tz,
) -> Sheet {
    let headers = [
        "archives.register_no",
        "archives.label",
        "archives.documents",
        "archives.borrower",
        "archives.mode_label",
        "archives.purpose",
        "archives.due_on",
        "archives.state",
        "archives.approver",
        "archives.lent_at",
        "archives.lent_by",
        "archives.signed_name",
        "archives.returned_at",
    ];
    let rows = rows
        .iter()
        .map(|r| {
            let b = &r.borrow;
            let docs: Vec<&str> = titles
                .iter()
                .filter(|(id, _)| *id == b.id)
                .map(|(_, t)| t.as_str())
                .collect();
            vec![
                Cell::from(b.number()),
                r.label().into(),
                docs.join(loc.t("paper.item_separator")).into(),
                b.who(&r.borrower, loc).into(),
                loc.t_in("archives.mode", &b.mode).into(),
                b.purpose.clone().into(),
                b.due_on.to_string().into(),
                b.state_label(loc).into(),
                signers.approver(b, loc).to_owned().into(),
                fmt_time(&b.lent_at, tz).into(),
                signers.keeper(r).to_owned().into(),
                b.signed_name.clone().unwrap_or_default().into(),
                fmt_time(&b.returned_at, tz).into(),
            ]
        })
        .collect();
    Sheet::new(loc, "archives.register", &headers, rows)
}

/// GET /archives/borrows.csv and .xlsx: the register with the list's filter.
pub async fn register_export(
    page: UserPage,
    mut conn: DbConn,
    q: Query<PageQuery>,
    format: ExportFormat,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewArchives)?;
    let shown = shown(&q.status, page.ctx().today());
    let (rows, titles, _) = register_rows(&mut conn, &shown, (None, None), SHEET_MAX).await?;
    let signers = Signers::of(&mut conn, &rows, page.locale).await?;
    let sheet = export_sheet(&rows, &titles, &signers, page.locale, page.tz);
    export::respond(&sheet, format, "archive-borrows")
}

/// The borrow as lines for the approver's mail and page.
pub async fn approval_details(
    conn: &mut AsyncPgConnection,
    id: i64,
    loc: Locale,
) -> QueryResult<Vec<(String, String)>> {
    let b = queries::borrow(conn, id).await?;
    let a = queries::get(conn, b.archive_id).await?;
    let docs = queries::borrow_documents(conn, id).await?;
    let titles: Vec<String> = docs
        .iter()
        .map(|d| d.doc_type.with_title(&d.doc.title, loc))
        .collect();
    let mut lines = vec![
        (
            loc.t("archives.archive").to_owned(),
            format!("{} · {}", a.label(), mask_name(&a.resident_name)),
        ),
        (
            loc.t("archives.documents").to_owned(),
            titles.join(loc.t("paper.item_separator")),
        ),
        (
            loc.t("archives.mode_label").to_owned(),
            loc.t_in("archives.mode", &b.mode).to_owned(),
        ),
        (
            loc.t("archives.grounds_label").to_owned(),
            loc.t_in("archives.grounds", &b.grounds).to_owned(),
        ),
        (loc.t("archives.purpose").to_owned(), b.purpose.clone()),
        (loc.t("archives.due_on").to_owned(), b.due_on.to_string()),
    ];
    if b.grounds == "outsider" {
        lines.insert(
            3,
            (loc.t("archives.visitor_name").to_owned(), b.visitor_name),
        );
    }
    Ok(lines)
}

/// The manager decided: the borrow may be handed over, or not.
pub async fn finished(conn: &mut AsyncPgConnection, id: i64, status: &str) -> QueryResult<()> {
    queries::borrow_status(conn, id, "pending", status).await?;
    Ok(())
}

/// Daily: mails each borrower whose loan is past due, once a day until returned.
pub async fn remind_overdue(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    config: &Config,
) -> anyhow::Result<String> {
    const PAGE: i64 = 500;
    let today = config.day(now);
    let (mut sent, mut after) = (0, 0);
    // Every overdue loan, a page at a time: however many there are, none is
    // left out (a day's reminder is queued once, whatever the runs).
    loop {
        let rows = queries::overdue(conn, today, after, PAGE).await?;
        let Some(last) = rows.last() else { break };
        after = last.borrow.id;
        let borrowers: Vec<i64> = rows.iter().map(|r| r.borrow.borrower_id).collect();
        // Someone who has left is not written to; the register shows the loan
        // as overdue to the keeper.
        let people = approvals::queries::active_persons(conn, &borrowers).await?;
        for r in &rows {
            let Some(person) = people.get(&r.borrow.borrower_id) else {
                continue;
            };
            let loc = person.locale();
            let mut url = config.base_url.clone();
            url.set_path(&format!("/archives/borrows/{}", r.borrow.id));
            let mail = super::mail::Overdue {
                loc,
                to_name: person.display_name.clone(),
                label: r.label(),
                due_on: r.borrow.due_on.to_string(),
                url: url.to_string(),
            }
            .render()?;
            let key = format!("archive_borrow_overdue:{}:{today}", r.borrow.id);
            if crate::mail::enqueue(conn, &key, "archive_overdue", &person.recipient(), &mail)
                .await?
            {
                sent += 1;
            }
        }
        if (rows.len() as i64) < PAGE {
            break;
        }
    }
    Ok(crate::jobs::counted("reminded", sent))
}
