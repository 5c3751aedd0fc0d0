//! The home page: what the signed-in user's posts ask of them, and where to go.
use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use crate::auth::{Right, Role};
use crate::error::AppError;
use crate::web::{html, PageCtx, UserPage};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.route("/", web::get().to(home));
}

/// A shortcut on the home page.
pub struct Card {
    pub href: &'static str,
    pub title: &'static str,
    pub text: &'static str,
}

/// One of the user's posts and what it involves.
pub struct Duty {
    pub role: &'static str,
    pub text: &'static str,
}

#[derive(Template)]
#[template(path = "home/index.html")]
struct HomePage<'a> {
    ctx: &'a PageCtx,
    greeting: String,
    duties: Vec<Duty>,
    cards: Vec<Card>,
}

async fn home(page: UserPage) -> Result<HttpResponse, AppError> {
    let user = page.user();
    let duties = user
        .roles()
        .map(|r: Role| Duty {
            role: page.t(&r.name_key()),
            text: page.t(&r.duties_key()),
        })
        .collect();
    let mut cards = vec![Card {
        href: "/handbook",
        title: page.t("handbook.nav"),
        text: page.t("handbook.home_card"),
    }];
    if user.may(Right::ViewProperties) {
        cards.push(Card {
            href: "/properties",
            title: page.t("nav.properties"),
            text: page.t("home.card.properties"),
        });
    }
    cards.push(Card {
        href: "/approvals",
        title: page.t("approvals.nav_label"),
        text: page.t("approvals.home_card"),
    });
    // What each post does most days, one step from home.
    if user.may(Right::ViewMorningSheet) {
        cards.push(Card {
            href: "/meetings/morning",
            title: page.t("meetings.morning"),
            text: page.t("home.card.morning"),
        });
    }
    if user.may(Right::KeepArchives) {
        cards.push(Card {
            href: "/archives/due",
            title: page.t("archives.due"),
            text: page.t("home.card.archives_due"),
        });
        cards.push(Card {
            href: "/archives/borrows",
            title: page.t("archives.borrows"),
            text: page.t("home.card.archives_borrows"),
        });
    }
    if user.may(Right::RequestKeyLoan) && !user.may(Right::ManageKeys) {
        cards.push(Card {
            href: "/keys/loans/new",
            title: page.t("keys.new_loan"),
            text: page.t("home.card.key_loan"),
        });
    }
    if user.may(Right::RequestArchiveBorrow) && !user.may(Right::KeepArchives) {
        cards.push(Card {
            href: "/archives/request",
            title: page.t("archives.request_title"),
            text: page.t("home.card.archive_request"),
        });
    }
    cards.push(Card {
        href: "/forms",
        title: page.t("forms.title"),
        text: page.t("forms.home_card"),
    });
    if user.may(Right::FileLeave) {
        cards.push(Card {
            href: "/leave/new",
            title: page.t("leave.new"),
            text: page.t("leave.home_card"),
        });
    }
    if user.may(Right::ViewLeaveRegister) {
        cards.push(Card {
            href: "/leave/calendar",
            title: page.t("leave.calendar"),
            text: page.t("leave.home_card_calendar"),
        });
    }
    if user.may(Right::ManageUsers) {
        cards.push(Card {
            href: "/admin/users",
            title: page.t("nav.users"),
            text: page.t("home.card.users"),
        });
    }
    if user.may(Right::ViewAudit) {
        cards.push(Card {
            href: "/admin/audit",
            title: page.t("nav.audit"),
            text: page.t("home.card.audit"),
        });
    }
    if user.may(Right::ViewMail) {
        cards.push(Card {
            href: "/admin/mail",
            title: page.t("mail.nav_label"),
            text: page.t("mail.home_card"),
        });
    }
    if user.may(Right::ViewJobs) {
        cards.push(Card {
            href: "/admin/jobs",
            title: page.t("jobs.nav_label"),
            text: page.t("jobs.home_card"),
        });
    }
    cards.push(Card {
        href: "/account/password",
        title: page.t("nav.password"),
        text: page.t("home.card.password"),
    });
    let body = HomePage {
        ctx: page.ctx(),
        greeting: page.tf("home.greeting", &[("name", &user.display_name)]),
        duties,
        cards,
    }
    .render()?;
    Ok(html(StatusCode::OK, body))
}
