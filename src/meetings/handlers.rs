use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{Duration, Utc};

use super::views::{Morning, Section};
use super::LINES;
use crate::auth::Right;
use crate::complaints::queries::WaitingOrder;
use crate::config::Config;
use crate::db::DbConn;
use crate::error::AppError;
use crate::keys::queries::LoanFilter;
use crate::web::cite::{shown_count, COUNT_CAP};
use crate::web::{html, UserPage};

/// GET /meetings/morning: the morning meeting sheet, as of now.
pub async fn morning(
    page: UserPage,
    mut conn: DbConn,
    config: web::Data<Config>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewMorningSheet)?;
    let now = Utc::now();
    let today = config.day(now);
    let day = |d| crate::i18n::day_start(d, config.tz).unwrap_or(now);
    // Late registers since the last meeting day's sheet: from yesterday, or
    // from the last day a meeting was held, when none is held on the days
    // between (a Sunday with MORNING_MEETING_DAYS=mon-sat).
    let yesterday = today.pred_opt().unwrap_or(today);
    let since = std::iter::successors(Some(yesterday), |d| d.pred_opt())
        .take(7)
        .find(|d| config.morning_meeting_on(*d))
        .unwrap_or(yesterday);
    let more = LINES + 1;
    let tomorrow = today.succ_opt().unwrap_or(today);
    let called =
        super::notices::queries::called_between(&mut conn, (day(today), day(tomorrow)), more)
            .await?;
    let mut away = crate::leave::queries::approved_between(&mut conn, today, today).await?;
    away.truncate(more as usize);
    let overdue_keys = LoanFilter {
        status: Some("out".into()),
        due_before: Some(now),
        ..Default::default()
    };
    let keys = crate::keys::queries::list_loans(&mut conn, &overdue_keys, None, more).await?;
    let missing_keys = crate::keys::queries::missing_at_last_count(&mut conn, more).await?;
    let borrows = crate::archives::queries::overdue(&mut conn, today, 0, more).await?;
    let due = crate::archives::queries::due_count(&mut conn, today, COUNT_CAP + 1).await?;
    let late =
        crate::visits::queries::late_between(&mut conn, day(since), day(today), more).await?;
    let stale_days = crate::visits::jobs::STALE_DAYS;
    let waiting =
        crate::visits::queries::stale(&mut conn, now - Duration::days(stale_days), more).await?;
    // Breaches waiting for a decision: personnel matters, for those who decide.
    let breaches = if page.may(Right::ManageViolations) {
        let proposed = crate::violations::queries::Filter {
            status: Some("proposed"),
            ..Default::default()
        };
        let rows = crate::violations::queries::page(&mut conn, &proposed, None, more).await?;
        Some(Section::of(rows))
    } else {
        None
    };
    // Customers' matters nobody has been given yet, for those who assign them.
    let unassigned = if page.may(Right::ManageComplaints) {
        let waiting = crate::complaints::queries::Filter {
            show: Some("unassigned"),
            ..Default::default()
        };
        let rows = crate::complaints::queries::page(&mut conn, &waiting, None, more).await?;
        Some(Section::of(rows))
    } else {
        None
    };
    // Assigned matters their colleague has not written on for a while.
    let unfollowed = if page.may(Right::ManageComplaints) {
        let before = now - Duration::hours(config.complaint_follow_up_hours);
        let rows = crate::complaints::queries::waiting_follow_up(
            &mut conn,
            before,
            WaitingOrder::Longest,
            more,
        )
        .await?;
        Some(Section::of(rows))
    } else {
        None
    };
    // Sales contracts the department owes a step, for those who follow them.
    let contracts = if page.may(Right::ViewContracts) {
        let rows =
            crate::contracts::queries::waiting(&mut conn, (today, page.tz), None, more).await?;
        Some(Section::of(rows))
    } else {
        None
    };
    // Rules some of their readers have not confirmed yet, for those who follow it.
    let acks = if page.may(Right::ViewAckReport) {
        let rows = crate::handbook::queries::ack_missing(&mut conn, more).await?;
        Some(Section::of(rows))
    } else {
        None
    };
    let body = Morning {
        ctx: page.ctx(),
        today: today.to_string(),
        called: Section::of(called),
        away: Section::of(away),
        keys: Section::of(keys),
        missing_keys: Section::of(missing_keys),
        borrows: Section::of(borrows),
        due_papers: shown_count(due),
        late_visits: Section::of(late),
        waiting_visits: Section::of(waiting),
        stale_days,
        breaches,
        unassigned,
        unfollowed,
        follow_up_hours: config.complaint_follow_up_hours,
        contracts,
        acks,
        cites: super::CITES,
        keys_open: page.may(Right::ViewKeys),
        archives_open: page.may(Right::ViewArchives),
        visits_open: page.may(Right::ViewVisits),
        leave_open: page.may(Right::ViewLeaveRegister),
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}
