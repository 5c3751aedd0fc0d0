//! The page context every template gets, and the extractors that build it.
use actix_session::SessionExt;
use actix_web::{dev::Payload, web, FromRequest, HttpMessage, HttpRequest};
use rand::RngCore;
use std::future::{ready, Ready};
use std::ops::Deref;
use std::sync::Arc;

use crate::auth::{CurrentUser, Right};
use crate::config::Config;
use crate::error::AppError;
use crate::i18n::Locale;
use crate::web::middleware::Identity;

const CSRF_KEY: &str = "csrf";

pub use super::flash::{flash, Flash, Tone};

/// A link in the module navigation.
pub struct NavItem {
    pub href: &'static str,
    pub label: &'static str,
    pub current: bool,
    /// A count shown beside the label (the inbox); 0 shows nothing.
    pub count: i64,
}

/// Everything the layout needs: language, user, CSRF token, flash messages, where we are.
pub struct PageCtx {
    pub locale: Locale,
    pub user: Option<Arc<CurrentUser>>,
    pub csrf_token: String,
    pub flash: Vec<Flash>,
    /// Path of this page (no query), for the language switch and the nav.
    pub path: String,
    /// This page's query string, kept by the language switch.
    pub query: String,
    pub request_id: String,
    /// Client address, as audited.
    pub ip: String,
    pub tz: chrono_tz::Tz,
}

pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// Replaces the CSRF token (at sign-in, with the new session id).
pub fn rotate_csrf(session: &actix_session::Session) {
    let _ = session.insert(CSRF_KEY, new_token());
}

/// The token the session expects, if it has one.
pub fn expected_csrf(req: &actix_web::dev::ServiceRequest) -> Option<String> {
    req.get_session().get::<String>(CSRF_KEY).ok().flatten()
}

/// The Referer, when it is one of this site's pages (the same host).
pub fn own_referer(req: &HttpRequest) -> Option<url::Url> {
    let referer = req
        .headers()
        .get(actix_web::http::header::REFERER)?
        .to_str()
        .ok()?;
    let url = url::Url::parse(referer).ok()?;
    let info = req.connection_info();
    (url.host_str()? == info.host().split(':').next()?).then_some(url)
}

/// Where the page the user sees lives: the request's own address for a GET,
/// and for a form sent back with its messages, the address of the page the
/// form was on (the Referer, which the site's `same-origin` policy sends, when
/// it is one of this site's; its path and query only). That is what the
/// language switch reloads, the tabs mark and the address bar shows
/// (static/js/app.js): the form's action answers only POST.
fn page_address(req: &HttpRequest) -> (String, String) {
    use actix_web::http::Method;
    let own = || (req.path().to_owned(), req.query_string().to_owned());
    if matches!(*req.method(), Method::GET | Method::HEAD) {
        return own();
    }
    own_referer(req)
        .map(|u| {
            (
                u.path().to_owned(),
                u.query().unwrap_or_default().to_owned(),
            )
        })
        .unwrap_or_else(own)
}

pub fn request_id(req: &HttpRequest) -> String {
    req.extensions()
        .get::<tracing_actix_web::RequestId>()
        .map(|id| id.to_string())
        .unwrap_or_default()
}

impl PageCtx {
    /// Builds the context without touching the session's CSRF token or flash
    /// (error pages use this: they must not change the session).
    pub fn peek(req: &HttpRequest) -> PageCtx {
        let identity = req.extensions().get::<Identity>().cloned();
        let (user, locale) = match identity {
            Some(id) => (id.user, id.locale),
            None => (None, crate::web::middleware::negotiate_anonymous(req)),
        };
        let config = req.app_data::<web::Data<Config>>();
        let trust_proxy = config.is_some_and(|c| c.trust_proxy);
        let (path, query) = page_address(req);
        PageCtx {
            locale,
            user,
            csrf_token: req
                .get_session()
                .get::<String>(CSRF_KEY)
                .ok()
                .flatten()
                .unwrap_or_default(),
            flash: Vec::new(),
            path,
            query,
            request_id: request_id(req),
            ip: client_ip(req, trust_proxy),
            tz: config.map_or(chrono_tz::Asia::Shanghai, |c| c.tz),
        }
    }

    fn build(req: &HttpRequest) -> PageCtx {
        let mut ctx = PageCtx::peek(req);
        let session = req.get_session();
        // The session's CSRF token, created on first need.
        if ctx.csrf_token.is_empty() {
            ctx.csrf_token = new_token();
            // Insert only fails to serialise, which a String cannot.
            let _ = session.insert(CSRF_KEY, &ctx.csrf_token);
        }
        ctx.flash = super::flash::take(req, &session);
        ctx
    }

    /// Handbook versions this user must still acknowledge (签收): a banner on every page.
    pub fn pending_acks(&self) -> &[crate::handbook::queries::PendingAck] {
        self.user.as_deref().map_or(&[], |u| &u.pending_acks)
    }

    /// Catalog text in the page's language.
    pub fn t(&self, key: &str) -> &'static str {
        self.locale.t(key)
    }

    /// The text for `prefix.code` (see [`Locale::t_in`]).
    pub fn t_in(&self, prefix: &str, code: &str) -> &'static str {
        self.locale.t_in(prefix, code)
    }

    pub fn tf(&self, key: &str, args: &[(&str, &dyn std::fmt::Display)]) -> String {
        self.locale.tf(key, args)
    }

    /// [`PageCtx::tf`] with one placeholder, for templates.
    pub fn t1(&self, key: &str, name: &str, value: impl std::fmt::Display) -> String {
        self.locale.tf(key, &[(name, &value)])
    }

    /// [`PageCtx::tf`] with two placeholders, for templates.
    pub fn t2(
        &self,
        key: &str,
        n1: &str,
        v1: impl std::fmt::Display,
        n2: &str,
        v2: impl std::fmt::Display,
    ) -> String {
        self.locale.tf(key, &[(n1, &v1), (n2, &v2)])
    }

    /// A note in brackets after a text (see [`Locale::note`]).
    pub fn note(&self, note: impl std::fmt::Display) -> String {
        self.locale.note(note)
    }

    /// A count in brackets after a heading: "（3）", or "（50+）" when there
    /// were more than the `n` shown.
    pub fn count_note(&self, n: usize, more: &bool) -> String {
        if *more {
            self.locale.note(format_args!("{n}+"))
        } else {
            self.locale.note(n)
        }
    }

    pub fn html_lang(&self) -> &'static str {
        self.locale.code()
    }

    pub fn other_locale(&self) -> Locale {
        self.locale.other()
    }

    /// Link that switches the language and stays on this page, with its query
    /// (a sign-in page's `next`, a list's filter), on this site only.
    pub fn lang_href(&self) -> String {
        let mut href = crate::web::safe_next(Some(&self.path));
        href.push('?');
        for part in self.query_without_lang() {
            href.push_str(part);
            href.push('&');
        }
        href.push_str("lang=");
        href.push_str(self.locale.other().code());
        href
    }

    /// The page's query parameters but its `lang` switch.
    fn query_without_lang(&self) -> impl Iterator<Item = &str> {
        self.query
            .split('&')
            .filter(|p| !p.is_empty() && *p != "lang" && !p.starts_with("lang="))
    }

    /// Where a paper page leads back to on screen: the page it was printed
    /// from, which is its own address less the last step (`/keys/loans/print`
    /// → `/keys/loans`, `/archives/7/inventory` → `/archives/7`), with the
    /// same filters.
    pub fn paper_back(&self) -> String {
        let path = self.path.trim_end_matches('/');
        let parent = match path.rfind('/') {
            Some(0) | None => "/",
            Some(i) => &path[..i],
        };
        let mut href = crate::web::safe_next(Some(parent));
        let kept: Vec<&str> = self.query_without_lang().collect();
        if !kept.is_empty() {
            href.push('?');
            href.push_str(&kept.join("&"));
        }
        href
    }

    pub fn may(&self, right: Right) -> bool {
        self.user.as_ref().is_some_and(|u| u.may(right))
    }

    /// The module navigation for this user; features add their entries here.
    pub fn nav(&self) -> Vec<NavItem> {
        let Some(user) = &self.user else {
            return Vec::new();
        };
        let mut items = vec![("/", "nav.home", true), ("/handbook", "handbook.nav", true)];
        items.push(("/approvals", "approvals.nav_label", true));
        items.push(("/leave", "leave.nav_label", user.may(Right::FileLeave)));
        items.push((
            "/visits",
            "visits.nav_label",
            user.may(Right::RecordVisits) || user.may(Right::ViewVisits),
        ));
        items.push((
            "/complaints",
            "complaints.nav_label",
            user.may(Right::RecordComplaints) || user.may(Right::ManageComplaints),
        ));
        items.push((
            "/violations",
            "violations.nav_label",
            user.may(Right::ViewOwnViolations),
        ));
        // The meeting records; the morning sheet is one link further.
        items.push((
            "/meetings",
            "meetings.nav_label",
            user.may(Right::ViewMeetings),
        ));
        items.push((
            "/contracts",
            "contracts.nav_label",
            user.may(Right::ViewContracts),
        ));
        // Key staff open the inventory; everyone else their own loans.
        items.push((
            if user.may(Right::ViewKeys) {
                "/keys"
            } else {
                "/keys/loans"
            },
            "keys.nav_label",
            user.may(Right::RequestKeyLoan),
        ));
        items.push((
            "/properties",
            "nav.properties",
            user.may(Right::ViewProperties),
        ));
        // Archive staff open the list, an admin the document types, everyone
        // else the page that asks to borrow.
        items.push((
            if user.may(Right::ViewArchives) {
                "/archives"
            } else if user.may(Right::ManageDocTypes) {
                "/archives/types"
            } else {
                "/archives/request"
            },
            "archives.nav",
            user.may(Right::ViewArchives)
                || user.may(Right::ManageDocTypes)
                || user.may(Right::RequestArchiveBorrow),
        ));
        items.push(("/admin/users", "nav.users", user.may(Right::ManageUsers)));
        items.push(("/admin/audit", "nav.audit", user.may(Right::ViewAudit)));
        items.push(("/admin/mail", "mail.nav_label", user.may(Right::ViewMail)));
        items.push(("/admin/jobs", "jobs.nav_label", user.may(Right::ViewJobs)));
        items
            .into_iter()
            .filter(|(_, _, shown)| *shown)
            .map(|(href, key, _)| NavItem {
                href,
                label: self.t(key),
                count: if href == "/approvals" {
                    user.inbox_count
                } else {
                    0
                },
                current: if href == "/" {
                    self.path == "/"
                } else {
                    self.path.starts_with(href)
                },
            })
            .collect()
    }

    /// Today in the site's time zone.
    pub fn today(&self) -> chrono::NaiveDate {
        chrono::Utc::now().with_timezone(&self.tz).date_naive()
    }

    /// A UTC time shown in the site's time zone, `YYYY-MM-DD HH:MM`.
    pub fn datetime(&self, at: &chrono::DateTime<chrono::Utc>) -> String {
        crate::i18n::minute(*at, self.tz)
    }

    /// Audit metadata of this request.
    pub fn meta(&self) -> crate::audit::Meta {
        crate::audit::Meta {
            actor_id: self.user.as_ref().map(|u| u.id),
            ip: self.ip.clone(),
            request_id: self.request_id.clone(),
        }
    }
}

/// The client's address. Behind the site's own proxy (`trust_proxy`), the
/// address that proxy appended to `X-Forwarded-For` (its last entry: whatever
/// the client put before it is the client's own say, which a throttle must not
/// take), when it is an address at all; otherwise the connection's.
pub fn client_ip(req: &HttpRequest, trust_proxy: bool) -> String {
    if trust_proxy {
        if let Some(ip) = forwarded_by_proxy(req) {
            return ip.to_string();
        }
    }
    req.peer_addr()
        .map(|a| a.ip().to_string())
        .unwrap_or_else(|| "unknown".into())
}

/// The last `X-Forwarded-For` entry, if it parses as an address: bare, with a
/// port (`203.0.113.5:4711`, `[2001:db8::1]:4711`), or bracketed (some proxies
/// write those).
fn forwarded_by_proxy(req: &HttpRequest) -> Option<std::net::IpAddr> {
    let last = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .last()?
        .trim();
    last.parse()
        .ok()
        .or_else(|| last.parse::<std::net::SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| last.strip_prefix('[')?.strip_suffix(']')?.parse().ok())
}

impl FromRequest for PageCtx {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        ready(Ok(PageCtx::build(req)))
    }
}

/// A page behind sign-in. Extracting it is the sign-in check: anonymous visitors
/// go to the sign-in page, and users holding a one-time password go to the
/// password page, whatever they asked for.
pub struct UserPage(PageCtx);

/// Pages a user with a one-time password may still open.
const ALLOWED_BEFORE_PASSWORD_CHANGE: [&str; 2] = ["/account/password", "/logout"];

impl UserPage {
    pub fn user(&self) -> &CurrentUser {
        self.0.user.as_deref().expect("UserPage always has a user")
    }

    /// Refuses with 403 unless the user holds `right`.
    pub fn require(&self, right: Right) -> Result<(), AppError> {
        if self.user().may(right) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    pub fn ctx(&self) -> &PageCtx {
        &self.0
    }
}

impl Deref for UserPage {
    type Target = PageCtx;
    fn deref(&self) -> &PageCtx {
        &self.0
    }
}

impl FromRequest for UserPage {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        // Look before building: an anonymous visitor is redirected without a session.
        let signed_in = req
            .extensions()
            .get::<Identity>()
            .is_some_and(|id| id.user.is_some());
        let ctx = if signed_in {
            PageCtx::build(req)
        } else {
            PageCtx::peek(req)
        };
        let result = match &ctx.user {
            None => {
                let next = match req.query_string() {
                    "" => req.path().to_owned(),
                    q => format!("{}?{q}", req.path()),
                };
                Err(AppError::SignInRequired { next })
            }
            Some(u)
                if u.must_change_password
                    && !ALLOWED_BEFORE_PASSWORD_CHANGE.contains(&req.path()) =>
            {
                Err(AppError::PasswordChangeRequired)
            }
            Some(_) => Ok(UserPage(ctx)),
        };
        ready(result)
    }
}

#[cfg(test)]
mod tests {
    use super::client_ip;
    use actix_web::test::TestRequest;

    fn peer() -> std::net::SocketAddr {
        "192.0.2.7:40000".parse().unwrap()
    }

    #[test]
    fn behind_the_proxy_the_address_it_appended_counts_and_nothing_the_client_wrote() {
        let req = TestRequest::default()
            .peer_addr(peer())
            .insert_header(("X-Forwarded-For", "10.9.9.9, 203.0.113.5"))
            .insert_header(("Forwarded", "for=10.0.0.1"))
            .to_http_request();
        assert_eq!(client_ip(&req, true), "203.0.113.5");
        assert_eq!(client_ip(&req, false), "192.0.2.7", "no proxy trusted");
        // Only what the client wrote: `Forwarded` is never taken.
        let forged = TestRequest::default()
            .peer_addr(peer())
            .insert_header(("Forwarded", "for=10.0.0.1"))
            .to_http_request();
        assert_eq!(client_ip(&forged, true), "192.0.2.7");
        // Something that is not an address (or a very long one) is not an address.
        let junk = TestRequest::default()
            .peer_addr(peer())
            .insert_header(("X-Forwarded-For", "x".repeat(10_000)))
            .to_http_request();
        assert_eq!(client_ip(&junk, true), "192.0.2.7");
        let v6 = TestRequest::default()
            .peer_addr(peer())
            .insert_header(("X-Forwarded-For", "2001:db8::1"))
            .to_http_request();
        assert_eq!(client_ip(&v6, true), "2001:db8::1");
        // With a port, or bracketed, as some proxies write them.
        for (written, ip) in [
            ("203.0.113.5:4711", "203.0.113.5"),
            ("[2001:db8::1]:4711", "2001:db8::1"),
            ("[2001:db8::1]", "2001:db8::1"),
            ("10.9.9.9, 203.0.113.5:80", "203.0.113.5"),
        ] {
            let req = TestRequest::default()
                .peer_addr(peer())
                .insert_header(("X-Forwarded-For", written))
                .to_http_request();
            assert_eq!(client_ip(&req, true), ip, "{written}");
        }
        let half = TestRequest::default()
            .peer_addr(peer())
            .insert_header(("X-Forwarded-For", "[2001:db8::1"))
            .to_http_request();
        assert_eq!(client_ip(&half, true), "192.0.2.7");
    }
}
