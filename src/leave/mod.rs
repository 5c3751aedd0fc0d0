//! Leave requests (请假条): filed at least one day ahead ("可提前一天向服务中心递交
//! 请假条"), approved by the customer-service supervisor through the approvals
//! engine; approved leave in a month calendar, a list with CSV export, and a
//! printable slip.
pub mod forms;
mod handlers;
mod mail;
pub mod models;
pub mod queries;
pub(crate) mod views;

use actix_web::web;
use diesel::QueryResult;
use diesel_async::AsyncPgConnection;

use crate::i18n::Locale;
use crate::web::export;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/leave")
            .route("", web::get().to(handlers::mine))
            .route("/new", web::get().to(handlers::new_form))
            .route("/new", web::post().to(handlers::create))
            .route("", web::post().to(handlers::create))
            .route("/record", web::get().to(handlers::record_form))
            .route("/record", web::post().to(handlers::record))
            .route("/calendar", web::get().to(handlers::calendar))
            .route("/approved", web::get().to(handlers::approved))
            .route("/approved/print", web::get().to(handlers::approved_print))
            .service(export::routes("/approved", handlers::approved_export))
            .route("/{id}", web::get().to(handlers::show))
            .route("/{id}/edit", web::get().to(handlers::edit_form))
            .route("/{id}/edit", web::post().to(handlers::update))
            .route("/{id}/withdraw", web::post().to(handlers::withdraw_record))
            .route("/{id}/cancel", web::post().to(handlers::cancel))
            .route("/{id}/end", web::post().to(handlers::end_early))
            .route("/{id}/print", web::get().to(handlers::print)),
    );
}

/// The kinds of leave of the rule book, by code.
/// The rule a leave slip implements: 提前一天向服务中心递交请假条.
pub const CITES: &[crate::web::cite::Cite] = &[crate::web::cite::Cite {
    doc: "办公环境管理规定",
    clause: "1",
    quote: "",
}];
/// The leave form enforces that clause.
pub const ENFORCERS: &[crate::web::cite::Enforcer] = &[crate::web::cite::Enforcer {
    cites: CITES,
    href: "/leave/new",
    title: "leave.new",
    right: crate::auth::Right::FileLeave,
    gauge: None,
}];

/// The longest leave, in days counted both ends in: the form refuses more, the
/// database too (`leave_requests_at_most_a_year`), and the month's register
/// looks for a month's leave no further back than this before its first day.
pub const MAX_DAYS: i64 = 366;

/// What the month's register shows (`?show=`): approved leave first (what the
/// attendance sheet needs), then each other state, then all.
pub const SHOWS: [&str; 5] = ["approved", "pending", "rejected", "withdrawn", "all"];

/// The states a `show` of [`SHOWS`] lists.
pub fn statuses(show: &str) -> &'static [&'static str] {
    match show {
        "pending" => &["pending"],
        "rejected" => &["rejected"],
        "withdrawn" => &["withdrawn"],
        "all" => &["pending", "approved", "rejected", "withdrawn"],
        _ => &["approved"],
    }
}

pub const TYPES: [(&str, &str); 7] = [
    ("personal", "事假"),
    ("sick", "病假"),
    ("annual", "年假"),
    ("compensatory", "调休"),
    ("marriage", "婚假"),
    ("bereavement", "丧假"),
    ("maternity", "产假"),
];

/// Accepts a code (`sick`), the Chinese name (`病假`) or the English label.
pub fn parse_type(s: &str) -> Option<&'static str> {
    let s = s.trim();
    TYPES.iter().find_map(|(code, zh)| {
        (s == *code || s == *zh || s.eq_ignore_ascii_case(Locale::En.t(&type_key(code))))
            .then_some(*code)
    })
}

pub fn type_key(code: &str) -> String {
    format!("leave.type.{code}")
}

pub fn type_zh(code: &str) -> &'static str {
    TYPES
        .iter()
        .find(|(c, _)| *c == code)
        .map_or("", |(_, zh)| zh)
}

/// Days as shown: `1.5`, `2`.
pub fn days_text(half_days: i32) -> String {
    if half_days % 2 == 0 {
        (half_days / 2).to_string()
    } else {
        format!("{}.5", half_days / 2)
    }
}

/// A change's "before" as the approval trail keeps it, in `loc` (see
/// `views::was_record`).
pub fn was_text(record: &str, loc: Locale) -> Option<String> {
    views::was_text(record, loc)
}

/// The leave as lines for the approval mail and page, in `loc`.
pub async fn approval_details(
    conn: &mut AsyncPgConnection,
    id: i64,
    loc: Locale,
) -> QueryResult<Vec<(String, String)>> {
    let l = queries::get(conn, id).await?;
    Ok(views::detail_lines(&l, loc))
}
