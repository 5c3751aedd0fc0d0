//! Meeting notices (会议通知): a topic or training meeting (培训会议
//! "时间另定以通知时间为准": its time is the one its notice gives), or a monthly
//! analysis meeting moved off its Saturday, is called ahead by a supervisor or
//! the centre manager. Each person it expects gets the notice by mail, in their
//! language; a change or a calling off mails them again (those added get the
//! notice, those taken off are told they are no longer expected) until the
//! meeting begins. Every member of staff reads the notices; after the meeting,
//! its record is made from the notice (the form comes filled with its time,
//! place, topic and those expected), and the notice links to it.
mod forms;
mod mail;
pub mod models;
pub mod queries;
pub(super) mod views;

use std::collections::{HashMap, HashSet};

use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use diesel_async::{AsyncConnection, AsyncPgConnection};
use serde::Deserialize;
use serde_json::json;

use self::forms::{NoticeInput, ValidNotice};
use self::mail::NoticeMail;
use self::models::{NewNotice, Notice};
use self::views::{NoticeForm, NoticeList, NoticeShow};
use crate::approvals::models::Person;
use crate::audit;
use crate::auth::Right;
use crate::config::Config;
use crate::db::DbConn;
use crate::error::AppError;
use crate::web::flash::{flash, Tone};
use crate::web::{html, once, see_other, FieldErrors, Form, Query, UserPage};

/// Notices to come the list shows at most (it says when there are more);
/// earlier ones a page at a time.
const COMING: i64 = 100;
const PAGE: i64 = 30;

pub fn routes(scope: actix_web::Scope) -> actix_web::Scope {
    scope
        .route("/notices", web::get().to(list))
        .route("/notices/new", web::get().to(new_form))
        .route("/notices/new", web::post().to(create))
        .route("/notices/{id}", web::get().to(show))
        .route("/notices/{id}/edit", web::get().to(edit_form))
        .route("/notices/{id}/edit", web::post().to(update))
        .route("/notices/{id}/cancel", web::post().to(cancel))
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    #[serde(default)]
    before: String,
}

/// GET /meetings/notices: the meetings called from today on, soonest first,
/// then the earlier ones, latest first.
pub async fn list(
    page: UserPage,
    mut conn: DbConn,
    q: Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewMeetings)?;
    let now = Utc::now();
    let today = crate::i18n::day_start(page.ctx().today(), page.tz).unwrap_or(now);
    let cursor = crate::web::month::parse_cursor(&q.before);
    let mut coming = match cursor {
        Some(_) => Vec::new(),
        None => queries::coming(&mut conn, today, COMING + 1).await?,
    };
    let more_coming = crate::web::trim_page(&mut coming, COMING as usize).is_some();
    let mut earlier = queries::earlier(&mut conn, today, cursor, PAGE + 1).await?;
    let next = crate::web::trim_page(&mut earlier, PAGE as usize).map(|l| {
        format!(
            "before={}",
            crate::web::month::cursor_of(l.notice.starts_at, l.notice.id)
        )
    });
    let body = NoticeList {
        ctx: page.ctx(),
        coming,
        more_coming,
        earlier,
        next,
        paged: cursor.is_some(),
        now,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// The notice's form: a new one (`of` none) or a change of notice `of`.
fn form(
    page: &UserPage,
    of: Option<i64>,
    input: &NoticeInput,
    errors: &FieldErrors,
    staff: &[(i64, String)],
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let body = NoticeForm {
        ctx: page.ctx(),
        action: of.map_or("/meetings/notices/new".into(), |id| {
            format!("/meetings/notices/{id}/edit")
        }),
        heading: if of.is_some() {
            "meetings.notice.change"
        } else {
            "meetings.notice.new"
        },
        input,
        errors,
        staff,
        back: of.map_or("/meetings/notices".into(), |id| {
            format!("/meetings/notices/{id}")
        }),
    }
    .render()?;
    Ok(html(status, body))
}

/// GET /meetings/notices/new: a blank notice of a training meeting tomorrow,
/// to everyone of the department.
pub async fn new_form(page: UserPage, mut conn: DbConn) -> Result<HttpResponse, AppError> {
    page.require(Right::RecordMeetings)?;
    let staff = queries::staff(&mut conn).await?;
    let outside = super::queries::outside_department(&mut conn).await?;
    let expected: Vec<i64> = staff
        .iter()
        .map(|(id, _)| *id)
        .filter(|id| !outside.contains(id))
        .collect();
    let today = page.ctx().today();
    let day = today.succ_opt().unwrap_or(today);
    let topic = page.locale.t_in("meetings.kind", forms::KINDS[0]);
    let input = NoticeInput::fresh(day, &expected, topic);
    form(
        &page,
        None,
        &input,
        &FieldErrors::new(page.locale),
        &staff,
        StatusCode::OK,
    )
}

/// A sent notice form, read: its one-time token, the staff it may ask, the
/// instant it was read at, and the notice when valid (else `errors` says why).
struct Sent {
    errors: FieldErrors,
    token: Option<once::Token>,
    staff: Vec<(i64, String)>,
    now: DateTime<Utc>,
    valid: Option<ValidNotice>,
}

async fn read(
    page: &UserPage,
    session: &Session,
    conn: &mut DbConn,
    input: &mut NoticeInput,
) -> Result<Sent, AppError> {
    let mut errors = FieldErrors::new(page.locale);
    let token = once::check(conn, session, page, &mut input.form_token, &mut errors).await?;
    let staff = queries::staff(conn).await?;
    let now = Utc::now();
    let valid = input.validate(&mut errors, now, page.tz, &staff);
    Ok(Sent {
        errors,
        token,
        staff,
        now,
        valid,
    })
}

/// POST /meetings/notices/new: the notice filed and mailed to each person it
/// expects.
pub async fn create(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    Form(mut input): Form<NoticeInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RecordMeetings)?;
    let Sent {
        errors,
        token,
        staff,
        now,
        valid,
    } = read(&page, &session, &mut conn, &mut input).await?;
    let (Some(v), Some(token)) = (valid, token) else {
        return form(
            &page,
            None,
            &input,
            &errors,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let me = page.user();
    let meta = page.meta();
    let filed = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me.id).await? {
                return Ok(None);
            }
            let id = queries::create(conn, &new_notice(&v, me.id, now), &v.invited).await?;
            audit::record(
                conn,
                &meta,
                "meeting_notice.called",
                Some(("meeting_notice", id.to_string())),
                json!({
                    "kind": v.kind,
                    "starts_at": v.starts_at,
                    "invited": v.invited.len(),
                }),
            )
            .await?;
            let notice = queries::lock(conn, id).await?;
            let invited = queries::invited(conn, id).await?;
            let told = Told::new(&config, &notice, &me.display_name, "");
            told.tell(conn, &invited, "called").await?;
            Ok(token.filed(conn, format!("/meetings/notices/{id}")).await?)
        })
        .await?;
    once::answer(
        &mut conn,
        &session,
        &page,
        &token,
        filed,
        "meetings.notice.called",
    )
    .await
}

fn new_notice(v: &ValidNotice, by: i64, at: DateTime<Utc>) -> NewNotice<'_> {
    NewNotice {
        kind: v.kind,
        starts_at: v.starts_at,
        ends_at: v.ends_at,
        place: &v.place,
        topic: &v.topic,
        agenda: &v.agenda,
        called_by: by,
        called_at: at,
    }
}

/// The mails of one notice as it now stands, to whoever they concern.
struct Told<'a> {
    config: &'a Config,
    notice: &'a Notice,
    caller: &'a str,
    reason: &'a str,
}

impl<'a> Told<'a> {
    fn new(config: &'a Config, notice: &'a Notice, caller: &'a str, reason: &'a str) -> Told<'a> {
        Told {
            config,
            notice,
            caller,
            reason,
        }
    }

    /// Queues the mail `what` (called, changed, cancelled, dropped) to each
    /// of `people`, once per version of the notice; the day's reminder
    /// (`today`) once whatever the version (a change had its own mail).
    /// Gives how many were queued now.
    async fn tell(
        &self,
        conn: &mut AsyncPgConnection,
        people: &[Person],
        what: &'static str,
    ) -> Result<usize, AppError> {
        let n = self.notice;
        let mut sent = 0;
        let mut url = self.config.base_url.clone();
        url.set_path(&format!("/meetings/notices/{}", n.id));
        let tz = self.config.tz;
        let when =
            super::views::span_text(&n.starts_at, &n.ends_at, |t| crate::i18n::minute(*t, tz));
        let message = format!("meeting_notice_{what}");
        for p in people {
            let loc = p.locale();
            let mail = NoticeMail {
                loc,
                to_name: p.display_name.clone(),
                what,
                number: n.number(),
                kind: loc.t_in("meetings.kind", &n.kind),
                topic: n.topic.clone(),
                when: when.clone(),
                place: n.place.clone(),
                agenda: n.agenda.clone(),
                caller: self.caller.to_owned(),
                reason: self.reason.to_owned(),
                url: url.to_string(),
            }
            .render()?;
            let version = if what == "today" { 0 } else { n.version };
            let key = format!("{message}:{}:{version}:{}", n.id, p.id);
            if crate::mail::enqueue(conn, &key, &message, &p.recipient(), &mail).await? {
                sent += 1;
            }
        }
        Ok(sent)
    }
}

/// `meetings.today` (every 15 minutes): from `MEETING_DAY_REMIND_AT`
/// ([`Config::meeting_day_remind_at`], site time), each person
/// expected at a meeting called for later today gets one reminder, with its
/// time, place and what to prepare; not for a meeting called today (its
/// notice just came) nor one called off.
pub async fn remind_today(
    conn: &mut AsyncPgConnection,
    now: chrono::DateTime<Utc>,
    config: &Config,
) -> anyhow::Result<String> {
    let local = now.with_timezone(&config.tz);
    let from = config.meeting_day_remind_at;
    if local.time() < from {
        return Ok(format!(
            "{} {}",
            crate::jobs::said("before"),
            from.format("%H:%M")
        ));
    }
    let today = local.date_naive();
    let day = |d| crate::i18n::day_start(d, config.tz).unwrap_or(now);
    let tomorrow = day(today.succ_opt().unwrap_or(today));
    let meetings = queries::to_remind(conn, (now, tomorrow), day(today)).await?;
    let ids: Vec<i64> = meetings.iter().map(|(n, _)| n.id).collect();
    let mut expected: HashMap<i64, Vec<Person>> = HashMap::new();
    for (id, p) in queries::invited_to(conn, &ids).await? {
        expected.entry(id).or_default().push(p);
    }
    let mut sent = 0;
    for (n, caller) in &meetings {
        let people = expected.remove(&n.id).unwrap_or_default();
        sent += Told::new(config, n, caller, "")
            .tell(conn, &people, "today")
            .await?;
    }
    Ok(crate::jobs::joined(&[
        crate::jobs::counted("meetings_today", meetings.len()),
        crate::jobs::counted("reminders", sent),
    ]))
}

/// GET /meetings/notices/{id}: the notice, those it expects, and what may be
/// done with it.
pub async fn show(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewMeetings)?;
    let (notice, caller) = queries::get(&mut conn, path.into_inner()).await?;
    show_page(
        &page,
        &mut conn,
        notice,
        caller,
        "",
        &FieldErrors::new(page.locale),
        StatusCode::OK,
    )
    .await
}

async fn show_page(
    page: &UserPage,
    conn: &mut AsyncPgConnection,
    notice: Notice,
    caller: String,
    reason: &str,
    errors: &FieldErrors,
    status: StatusCode,
) -> Result<HttpResponse, AppError> {
    let invited = queries::invited(conn, notice.id).await?;
    let body = NoticeShow {
        ctx: page.ctx(),
        notice,
        caller,
        invited,
        now: Utc::now(),
        reason,
        errors,
    }
    .render()?;
    Ok(html(status, body))
}

/// To the notice's page, saying it may no longer be changed (it has begun, or
/// was called off or recorded meanwhile).
fn closed(session: &Session, page: &UserPage, id: i64) -> HttpResponse {
    flash(session, Tone::Error, page.t("meetings.notice.error.closed"));
    see_other(&format!("/meetings/notices/{id}"))
}

/// GET /meetings/notices/{id}/edit: the notice as it stands, to change.
pub async fn edit_form(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RecordMeetings)?;
    let (notice, _) = queries::get(&mut conn, path.into_inner()).await?;
    if !notice.open(Utc::now()) {
        return Ok(closed(&session, &page, notice.id));
    }
    let invited: Vec<(i64, String)> = queries::invited(&mut conn, notice.id)
        .await?
        .into_iter()
        .map(|p| (p.id, p.display_name))
        .collect();
    let staff = queries::staff(&mut conn).await?;
    let input = NoticeInput::of_notice(&notice, &invited, page.tz);
    form(
        &page,
        Some(notice.id),
        &input,
        &FieldErrors::new(page.locale),
        &staff,
        StatusCode::OK,
    )
}

/// Why a change or a calling off was not made.
enum Stop {
    /// Changed by someone else since the form was read.
    Changed,
    /// Begun, called off or recorded meanwhile.
    Closed,
}

/// POST /meetings/notices/{id}/edit: the notice changed, and those it concerns
/// told: those added get the notice, those kept the change (when the meeting's
/// time, place, topic or kind changed), those taken off that they are no
/// longer expected.
pub async fn update(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    path: web::Path<i64>,
    Form(mut input): Form<NoticeInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RecordMeetings)?;
    let (notice, caller) = queries::get(&mut conn, path.into_inner()).await?;
    let id = notice.id;
    let Sent {
        mut errors,
        token,
        staff,
        now,
        valid,
    } = read(&page, &session, &mut conn, &mut input).await?;
    let version = input.version.trim().parse::<i32>().ok();
    if version.is_none() {
        errors.add("version", "meetings.notice.error.changed");
    }
    let (Some(v), Some(token), Some(version)) = (valid, token, version) else {
        return form(
            &page,
            Some(id),
            &input,
            &errors,
            &staff,
            StatusCode::UNPROCESSABLE_ENTITY,
        );
    };
    let me = page.user().id;
    let meta = page.meta();
    let mut stop = None;
    let changed = conn
        .transaction::<_, AppError, _>(async |conn| {
            if !token.claim(conn, me).await? {
                return Ok(None);
            }
            let before = queries::lock(conn, id).await?;
            stop = if !before.open(now) {
                Some(Stop::Closed)
            } else if before.version != version {
                Some(Stop::Changed)
            } else {
                None
            };
            if stop.is_some() {
                return Err(AppError::Db(diesel::result::Error::RollbackTransaction));
            }
            let was = queries::invited(conn, id).await?;
            queries::change(
                conn,
                id,
                &new_notice(&v, before.called_by, before.called_at),
                &v.invited,
            )
            .await?;
            let after = queries::lock(conn, id).await?;
            let now_invited = queries::invited(conn, id).await?;
            let was_ids: HashSet<i64> = was.iter().map(|p| p.id).collect();
            let (kept, added): (Vec<Person>, Vec<Person>) = now_invited
                .into_iter()
                .partition(|p| was_ids.contains(&p.id));
            let dropped: Vec<Person> = was
                .into_iter()
                .filter(|p| !v.invited.contains(&p.id))
                .collect();
            let moved = (before.kind.as_str(), before.starts_at, before.ends_at)
                != (v.kind, v.starts_at, v.ends_at)
                || (
                    before.place.as_str(),
                    before.topic.as_str(),
                    before.agenda.as_str(),
                ) != (v.place.as_str(), v.topic.as_str(), v.agenda.as_str());
            audit::record(
                conn,
                &meta,
                "meeting_notice.changed",
                Some(("meeting_notice", id.to_string())),
                json!({
                    "version": after.version,
                    "before": {
                        "kind": before.kind,
                        "starts_at": before.starts_at,
                        "ends_at": before.ends_at,
                        "place": before.place,
                        "topic": before.topic,
                        "agenda": before.agenda,
                    },
                    "added": added.len(),
                    "dropped": dropped.len(),
                }),
            )
            .await?;
            let told = Told::new(&config, &after, &caller, "");
            told.tell(conn, &added, "called").await?;
            if moved {
                told.tell(conn, &kept, "changed").await?;
            }
            told.tell(conn, &dropped, "dropped").await?;
            Ok(token.filed(conn, format!("/meetings/notices/{id}")).await?)
        })
        .await;
    let filed = match (changed, stop) {
        (Err(AppError::Db(diesel::result::Error::RollbackTransaction)), Some(Stop::Closed)) => {
            return Ok(closed(&session, &page, id));
        }
        (Err(AppError::Db(diesel::result::Error::RollbackTransaction)), Some(Stop::Changed)) => {
            // The input comes back as sent, with a fresh token and the
            // notice's current version: sending it again overwrites knowingly.
            let mut errors = FieldErrors::new(page.locale);
            errors.add("version", "meetings.notice.error.changed");
            let (current, _) = queries::get(&mut conn, id).await?;
            input.version = current.version.to_string();
            input.form_token = once::new_token();
            return form(
                &page,
                Some(id),
                &input,
                &errors,
                &staff,
                StatusCode::CONFLICT,
            );
        }
        (other, _) => other?,
    };
    once::answer(
        &mut conn,
        &session,
        &page,
        &token,
        filed,
        "meetings.notice.changed",
    )
    .await
}

#[derive(Deserialize, Default)]
pub struct CancelInput {
    #[serde(default)]
    reason: String,
}

/// POST /meetings/notices/{id}/cancel: the meeting called off, with why, and
/// each person it expected told. Sent again (a double click), it is called
/// off once.
pub async fn cancel(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    config: web::Data<Config>,
    path: web::Path<i64>,
    Form(input): Form<CancelInput>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::RecordMeetings)?;
    let (notice, caller) = queries::get(&mut conn, path.into_inner()).await?;
    let id = notice.id;
    if notice.cancelled_at.is_some() {
        return Ok(see_other(&format!("/meetings/notices/{id}")));
    }
    let mut errors = FieldErrors::new(page.locale);
    let reason = forms::reason(&mut errors, &input.reason);
    if !errors.is_empty() {
        return show_page(
            &page,
            &mut conn,
            notice,
            caller,
            &input.reason,
            &errors,
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    }
    let me = page.user().id;
    let meta = page.meta();
    let now = Utc::now();
    let done = conn
        .transaction::<_, AppError, _>(async |conn| {
            let before = queries::lock(conn, id).await?;
            if before.cancelled_at.is_some() {
                return Ok(true);
            }
            if !before.open(now) {
                return Ok(false);
            }
            queries::cancel(conn, id, me, now, &reason).await?;
            let after = queries::lock(conn, id).await?;
            audit::record(
                conn,
                &meta,
                "meeting_notice.cancelled",
                Some(("meeting_notice", id.to_string())),
                json!({ "reason": reason }),
            )
            .await?;
            let invited = queries::invited(conn, id).await?;
            Told::new(&config, &after, &caller, &reason)
                .tell(conn, &invited, "cancelled")
                .await?;
            Ok(true)
        })
        .await?;
    if !done {
        return Ok(closed(&session, &page, id));
    }
    flash(&session, Tone::Ok, page.t("meetings.notice.cancelled"));
    Ok(see_other(&format!("/meetings/notices/{id}")))
}
