//! The `visits.digest` job (daily): each customer-service supervisor gets one
//! mail with the registers made late the day before (rule 4) and the visits
//! still open with no follow-up for [`STALE_DAYS`] days (rule 5: 因跟进不足或未及时
//! 反馈造成的影响…), so that neither waits for someone to look.
use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncPgConnection;

use super::mail::{Digest, DigestLine};
use super::models::VisitLine;
use super::queries;
use crate::auth::Role;
use crate::config::Config;

/// An open visit with no note for this many days is listed to the supervisors.
pub const STALE_DAYS: i64 = 2;
/// Lines a digest lists at most of each kind; the register has the rest.
const MAX_LINES: i64 = 100;

pub async fn digest(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    config: &Config,
) -> anyhow::Result<String> {
    let today = config.day(now);
    let yesterday = today.pred_opt().unwrap_or(today);
    let day = |d| crate::i18n::day_start(d, config.tz).unwrap_or(now);
    let late = queries::late_between(conn, day(yesterday), day(today), MAX_LINES).await?;
    let stale = queries::stale(conn, now - Duration::days(STALE_DAYS), MAX_LINES).await?;
    if late.is_empty() && stale.is_empty() {
        return Ok(crate::jobs::said("nothing_late"));
    }
    let mut url = config.base_url.clone();
    url.set_path("/visits");
    let mut sent = 0;
    for s in crate::users::queries::holders(conn, Role::CsSupervisor.code()).await? {
        let loc = s.locale();
        let lines = |rows: &[VisitLine]| -> Vec<DigestLine> {
            rows.iter()
                .map(|r| DigestLine {
                    number: format!("LF-{}", r.visit.id),
                    reception: crate::i18n::minute(r.visit.started_at, config.tz),
                    visitor: r.visit.visitor_name.clone(),
                    receiver: r.receiver.clone(),
                })
                .collect()
        };
        let mail = Digest {
            loc,
            to_name: s.display_name.clone(),
            day: yesterday.to_string(),
            stale_days: STALE_DAYS,
            late: lines(&late),
            stale: lines(&stale),
            url: url.to_string(),
        }
        .render()?;
        let key = format!("visit_digest:{}:{today}", s.id);
        if crate::mail::enqueue(conn, &key, "visit_digest", &s.recipient(), &mail).await? {
            sent += 1;
        }
    }
    Ok(crate::jobs::joined(&[
        crate::jobs::counted("visits_late", late.len()),
        crate::jobs::counted("visits_waiting", stale.len()),
        crate::jobs::counted("digests", sent),
    ]))
}
