//! `complaints.follow_up` (daily): a matter assigned to a colleague is theirs to
//! follow up until it is resolved (人员构架、职责分工 5: 客户各类意见、要求、投诉的记录
//! 及归整). Each morning, whoever has open matters on which they have written
//! nothing for `COMPLAINT_FOLLOW_UP_HOURS` (24 unless set) since they were
//! assigned or last wrote gets one mail listing them, at most once a day.
use chrono::{DateTime, Duration, Utc};
use diesel_async::AsyncPgConnection;

use super::mail::{FollowUp, FollowUpLine};
use super::queries;
use crate::config::Config;

pub async fn follow_up(
    conn: &mut AsyncPgConnection,
    now: DateTime<Utc>,
    config: &Config,
) -> anyhow::Result<String> {
    let hours = config.complaint_follow_up_hours;
    // A digest, not an archive: at most a sheet's worth.
    let before = now - Duration::hours(hours);
    let by_person = queries::WaitingOrder::ByAssignee;
    let waiting =
        queries::waiting_follow_up(conn, before, by_person, crate::web::export::SHEET_MAX).await?;
    let today = now.with_timezone(&config.tz).date_naive();
    let mut sent = 0;
    for group in waiting.chunk_by(|a, b| a.assignee.id == b.assignee.id) {
        let person = group[0].assignee.person();
        let loc = person.locale();
        let url = |path: &str| {
            let mut u = config.base_url.clone();
            u.set_path(path);
            u.to_string()
        };
        let lines = group
            .iter()
            .map(|w| FollowUpLine {
                number: w.number(),
                kind: loc.t_in("complaints.kind", &w.kind).to_owned(),
                customer: w.customer_name.clone(),
                received: crate::i18n::minute(w.received_at, config.tz),
                since: crate::i18n::minute(w.since, config.tz),
                url: url(&format!("/complaints/{}", w.id)),
            })
            .collect();
        let mail = FollowUp {
            loc,
            to_name: person.display_name.clone(),
            subject: loc.tf("complaints.mail.follow_up_subject", &[("n", &group.len())]),
            intro: loc.tf("complaints.mail.follow_up_body", &[("hours", &hours)]),
            lines,
        }
        .render()?;
        let key = format!("complaint_follow_up:{}:{today}", person.id);
        if crate::mail::enqueue(
            conn,
            &key,
            "complaint_follow_up",
            &person.recipient(),
            &mail,
        )
        .await?
        {
            sent += 1;
        }
    }
    Ok(crate::jobs::joined(&[
        crate::jobs::counted("matters_waiting", waiting.len()),
        crate::jobs::counted("reminders", sent),
    ]))
}
