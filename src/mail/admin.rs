//! /admin/mail: every mail, sent or not, with both parts; a dead one can be retried.
use actix_session::Session;
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncConnection, RunQueryDsl};
use serde::Deserialize;
use serde_json::json;

use crate::approvals::links::hide_tokens;
use crate::auth::Right;
use crate::db::DbConn;
use crate::error::AppError;
use crate::schema::mail_outbox;
use crate::web::context::{flash, Tone};
use crate::web::{html, see_other, PageCtx, Query, UserPage};

const PAGE: i64 = 50;

#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = mail_outbox)]
pub struct MailRow {
    pub id: i64,
    pub to_addr: String,
    pub to_name: String,
    pub subject: String,
    pub status: String,
    pub attempts: i32,
    pub created_at: DateTime<Utc>,
}

#[derive(Queryable, Selectable, Debug)]
#[diesel(table_name = mail_outbox)]
pub struct Mail {
    pub id: i64,
    pub idempotency_key: String,
    pub message: String,
    pub to_addr: String,
    pub to_name: String,
    pub locale: String,
    pub subject: String,
    pub body_text: String,
    pub body_html: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub sent_at: Option<DateTime<Utc>>,
}

#[derive(Template)]
#[template(path = "mail/admin_list.html")]
struct MailList<'a> {
    ctx: &'a PageCtx,
    rows: Vec<MailRow>,
    status: &'a str,
    next: Option<String>,
}

#[derive(Template)]
#[template(path = "mail/admin_show.html")]
struct MailShow<'a> {
    ctx: &'a PageCtx,
    mail: Mail,
    /// The mail carries approval links, shown here without their tokens.
    links_hidden: bool,
}

fn status_key(status: &str) -> &'static str {
    match status {
        "sent" => "mail.status.sent",
        "dead" => "mail.status.dead",
        _ => "mail.status.pending",
    }
}

impl MailList<'_> {
    fn status_label(&self, s: &str) -> &'static str {
        self.ctx.t(status_key(s))
    }
}

impl MailShow<'_> {
    fn status_label(&self, s: &str) -> &'static str {
        self.ctx.t(status_key(s))
    }
    /// The kind of mail in the reader's language (the code itself for a kind
    /// the catalog does not name).
    fn kind_label<'c>(&self, code: &'c str) -> &'c str {
        self.ctx
            .locale
            .lookup(&format!("mail.kinds.{code}"))
            .unwrap_or(code)
    }
    /// The last error in the reader's language: the worker's own words are
    /// catalog terms, an SMTP server's reply stays as it said it.
    fn last_error(&self, e: &str) -> String {
        crate::approvals::localize(e, self.ctx.locale)
    }
    /// The language the mail was written in, by its own name.
    fn language(&self) -> &'static str {
        match self.mail.locale.as_str() {
            "en" => "English",
            _ => "简体中文",
        }
    }
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    status: String,
    #[serde(default, deserialize_with = "crate::web::form::number_or_none")]
    before: Option<i64>,
}

/// GET /admin/mail: newest first, keyset pages.
pub async fn list(
    page: UserPage,
    mut conn: DbConn,
    q: Query<ListQuery>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewMail)?;
    let status = match q.status.as_str() {
        s @ ("pending" | "sent" | "dead") => s,
        _ => "",
    };
    let mut query = mail_outbox::table
        .select(MailRow::as_select())
        .order(mail_outbox::id.desc())
        .limit(PAGE + 1)
        .into_boxed();
    if !status.is_empty() {
        query = query.filter(mail_outbox::status.eq(status));
    }
    if let Some(b) = q.before {
        query = query.filter(mail_outbox::id.lt(b));
    }
    let mut rows: Vec<MailRow> = query.load(&mut conn).await?;
    let next = crate::web::trim_page(&mut rows, PAGE as usize)
        .map(|r| format!("status={status}&before={}", r.id));
    let body = MailList {
        ctx: page.ctx(),
        rows,
        status,
        next,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /admin/mail/{id}: recipients, subject, the text part and the HTML part.
pub async fn show(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewMail)?;
    let mut mail = mail_outbox::table
        .find(path.into_inner())
        .select(Mail::as_select())
        .first(&mut conn)
        .await?;
    // An approval link works for its recipient only: the outbox shows it
    // without its token.
    let text = hide_tokens(&mail.body_text).into_owned();
    let links_hidden = text != mail.body_text;
    mail.body_text = text;
    mail.body_html = hide_tokens(&mail.body_html).into_owned();
    let body = MailShow {
        ctx: page.ctx(),
        mail,
        links_hidden,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}

/// GET /admin/mail/{id}/html: the HTML part alone, for the preview frame. Mail
/// HTML carries inline styles, which the site's CSP forbids (and a `srcdoc`
/// frame inherits that CSP): this response has its own policy, which allows
/// inline styles only, no script, and runs sandboxed.
pub async fn html_part(
    page: UserPage,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewMail)?;
    let body: String = mail_outbox::table
        .find(path.into_inner())
        .select(mail_outbox::body_html)
        .first(&mut conn)
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((
            actix_web::http::header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
             frame-ancestors 'self'; sandbox",
        ))
        .insert_header((actix_web::http::header::X_FRAME_OPTIONS, "SAMEORIGIN"))
        .body(hide_tokens(&body).into_owned()))
}

/// POST /admin/mail/{id}/retry: a dead mail goes back in the queue.
pub async fn retry(
    page: UserPage,
    session: Session,
    mut conn: DbConn,
    path: web::Path<i64>,
) -> Result<HttpResponse, AppError> {
    page.require(Right::ViewMail)?;
    let id = path.into_inner();
    let meta = page.meta();
    let n = conn
        .transaction::<_, AppError, _>(async |conn| {
            let n = diesel::update(
                mail_outbox::table
                    .find(id)
                    .filter(mail_outbox::status.eq("dead")),
            )
            .set((
                mail_outbox::status.eq("pending"),
                mail_outbox::attempts.eq(0),
                mail_outbox::next_attempt_at.eq(diesel::dsl::now),
                mail_outbox::locked_until.eq(None::<DateTime<Utc>>),
            ))
            .execute(conn)
            .await?;
            if n == 1 {
                crate::audit::record(
                    conn,
                    &meta,
                    "mail.retried",
                    Some(("mail", id.to_string())),
                    json!({}),
                )
                .await?;
            }
            Ok(n)
        })
        .await?;
    let msg = if n == 1 {
        "mail.retried"
    } else {
        "mail.not_dead"
    };
    flash(
        &session,
        if n == 1 { Tone::Ok } else { Tone::Error },
        page.t(msg),
    );
    Ok(see_other(&format!("/admin/mail/{id}")))
}
