//! What every page shares: the page context and its extractors, middleware
//! (identity and language, CSRF, headers), error pages and form parsing.
pub mod cite;
pub mod context;
pub mod errors;
pub mod export;
pub mod flash;
pub mod form;
pub mod middleware;
pub mod month;
pub mod once;
pub mod signature;

pub use context::{Flash, PageCtx, UserPage};
pub use form::{FieldErrors, Form, Query, Upload};

use actix_web::{http::header, HttpResponse};

/// 303 See Other: the answer to every successful POST.
pub fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther()
        .insert_header((header::LOCATION, header_safe(location).as_ref()))
        .finish()
}

/// What a header cannot carry as written, percent-encoded: characters beyond
/// ASCII (a search for 钥匙 kept in `next`), controls, spaces and quotes. What
/// is already encoded, and the query's `?`, `&`, `=` and `#`, stay as they are.
fn header_safe(location: &str) -> std::borrow::Cow<'_, str> {
    use percent_encoding::{utf8_percent_encode, AsciiSet, CONTROLS};
    const UNSAFE: &AsciiSet = &CONTROLS.add(b' ').add(b'"').add(b'<').add(b'>').add(b'`');
    utf8_percent_encode(location, UNSAFE).into()
}

/// A page filtered by one building (or none): which option its filter selects
/// and the query its print and export links keep.
pub trait ByBuilding {
    fn building(&self) -> Option<i64>;
    fn is_building(&self, id: &i64) -> bool {
        self.building() == Some(*id)
    }
    /// `?building=…` for the links that keep the filter (empty without one).
    fn query(&self) -> String {
        self.building()
            .map(|b| format!("?building={b}"))
            .unwrap_or_default()
    }
}

/// A keyset-paged list read with one row more than a page: drops that row, and
/// gives the last row shown when more follow (the next page's cursor).
pub fn trim_page<T>(rows: &mut Vec<T>, size: usize) -> Option<&T> {
    if rows.len() > size {
        rows.truncate(size);
        rows.last()
    } else {
        None
    }
}

/// The cursor of a list read newest first: the rows older than `before`.
#[derive(serde::Deserialize)]
pub struct Before {
    #[serde(default, deserialize_with = "form::number_or_none")]
    pub before: Option<i64>,
}

/// [`trim_page`] for rows shared with others (a kept page): the rows shown, and
/// the last of them when more follow.
pub fn page_of<T>(rows: &[T], size: usize) -> (&[T], Option<&T>) {
    match rows.split_at_checked(size) {
        Some((shown, more)) if !more.is_empty() => (shown, shown.last()),
        _ => (rows, None),
    }
}

/// A list's filters as a query string with one more parameter (the next page's
/// cursor) after them.
pub fn and_param(query: String, param: std::fmt::Arguments) -> String {
    if query.is_empty() {
        param.to_string()
    } else {
        format!("{query}&{param}")
    }
}

/// An HTML page with the given status.
pub fn html(status: actix_web::http::StatusCode, body: String) -> HttpResponse {
    HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .body(body)
}

/// A path inside this site, safe to redirect to after sign-in (no `//host`, no scheme).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.starts_with("/\\")
                && !n.chars().any(|c| c.is_control()) =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::{and_param, header_safe, page_of, safe_next, trim_page};

    #[test]
    fn a_location_beyond_ascii_is_percent_encoded_and_an_encoded_one_kept() {
        assert_eq!(
            header_safe("/handbook/search?q=钥匙 规定"),
            "/handbook/search?q=%E9%92%A5%E5%8C%99%20%E8%A7%84%E5%AE%9A"
        );
        assert_eq!(
            header_safe("/login?next=%2Fleave%3Fa%3D1&x=2#k3"),
            "/login?next=%2Fleave%3Fa%3D1&x=2#k3"
        );
    }

    #[test]
    fn a_page_read_with_one_row_more_says_where_the_next_begins() {
        let mut more = vec![1, 2, 3];
        assert_eq!(trim_page(&mut more, 2), Some(&2));
        assert_eq!(more, [1, 2]);
        let mut last = vec![1, 2];
        assert_eq!(trim_page(&mut last, 2), None);
        assert_eq!(last, [1, 2]);
        assert_eq!(page_of(&[1, 2, 3], 2), (&[1, 2][..], Some(&2)));
        assert_eq!(page_of(&[1], 2), (&[1][..], None));
        assert_eq!(
            and_param(String::new(), format_args!("after={}", 7)),
            "after=7"
        );
        assert_eq!(
            and_param("q=a".into(), format_args!("after={}", 7)),
            "q=a&after=7"
        );
    }

    #[test]
    fn only_local_paths_are_followed_after_sign_in() {
        assert_eq!(safe_next(Some("/admin/users?x=1")), "/admin/users?x=1");
        assert_eq!(safe_next(Some("//evil.example/")), "/");
        assert_eq!(safe_next(Some("https://evil.example/")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
    }
}
