//! /admin/jobs: the latest runs of every job and what they did.
use actix_web::http::StatusCode;
use actix_web::HttpResponse;
use askama::Template;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;

use crate::auth::Right;
use crate::db::DbConn;
use crate::error::AppError;
use crate::schema::job_runs;
use crate::web::{html, PageCtx, Query, UserPage};

const PAGE: i64 = 50;

#[derive(Queryable, Selectable)]
#[diesel(table_name = job_runs)]
pub struct Run {
    pub id: i64,
    pub job: String,
    pub period: String,
    pub started_at: DateTime<Utc>,
    pub ok: Option<bool>,
    pub result: String,
}

#[derive(Template)]
#[template(path = "jobs/list.html")]
struct RunList<'a> {
    ctx: &'a PageCtx,
    jobs: Vec<(&'static str, i64)>,
    runs: Vec<Run>,
    next: Option<i64>,
}

impl RunList<'_> {
    /// How often a job runs: "every day", "every hour", "every 15 minutes".
    fn every(&self, minutes: &i64) -> String {
        match *minutes {
            1440 => self.ctx.t("jobs.every_day").to_owned(),
            60 => self.ctx.t("jobs.every_hour").to_owned(),
            m => self.ctx.tf("jobs.every", &[("minutes", &m)]),
        }
    }
    /// What a job does, in the reader's language (`jobs.names.<name>`); the
    /// name itself stays beside it for `kefu run-job`.
    fn label<'j>(&self, job: &'j str) -> &'j str {
        self.ctx
            .locale
            .lookup(&format!("jobs.names.{job}"))
            .unwrap_or(job)
    }
    /// The period a run is for, as its start on the site's clock; a manual run
    /// says so.
    fn period(&self, r: &Run) -> String {
        if let Some(at) = r.period.strip_prefix("manual ") {
            let at = chrono::DateTime::parse_from_rfc3339(at)
                .map(|t| self.ctx.datetime(&t.with_timezone(&chrono::Utc)))
                .unwrap_or_else(|_| at.to_owned());
            return format!("{} · {at}", self.ctx.t("jobs.manual"));
        }
        chrono::NaiveDateTime::parse_from_str(&r.period, "%Y-%m-%dT%H:%M")
            .map(|t| self.ctx.datetime(&t.and_utc()))
            .unwrap_or_else(|_| r.period.clone())
    }
    /// What a failed run's reader may expect: tried again while its period
    /// lasts (a failed run is taken again after a while, see
    /// [`super::run_for_period`]), not once the period is over or when it was
    /// run by hand.
    fn failed_note(&self, r: &Run) -> &'static str {
        if r.period.starts_with("manual ") {
            return self.ctx.t("jobs.failed_manual");
        }
        let current = super::find(&r.job)
            .is_some_and(|j| super::period(j, Utc::now(), self.ctx.tz) == r.period);
        self.ctx.t(if current {
            "jobs.failed_retry"
        } else {
            "jobs.failed_past"
        })
    }
    fn result(&self, r: &Run) -> String {
        super::result_in(&r.result, self.ctx.locale)
    }
}

pub async fn list(
    page: UserPage,
    mut conn: DbConn,
    q: Query<crate::web::Before>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewJobs)?;
    let mut query = job_runs::table
        .select(Run::as_select())
        .order(job_runs::id.desc())
        .limit(PAGE + 1)
        .into_boxed();
    if let Some(b) = q.before {
        query = query.filter(job_runs::id.lt(b));
    }
    let mut runs: Vec<Run> = query.load(&mut conn).await?;
    let next = crate::web::trim_page(&mut runs, PAGE as usize).map(|r| r.id);
    let body = RunList {
        ctx: page.ctx(),
        jobs: super::JOBS
            .iter()
            .map(|j| (j.name, j.every_minutes))
            .collect(),
        runs,
        next,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}
