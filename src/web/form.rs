//! Form bodies, query strings and per-field validation messages.
//!
//! A NUL character, and any other control character but a text's tabs and line
//! breaks, is dropped from everything a user sends (form fields, query
//! parameters, uploaded fields and file names): no keyboard types one, PostgreSQL
//! cannot store a NUL in text, a pasted terminal escape would reach prints and
//! exports, and a refusal would lose the rest of the input.
//!
//! A form field typed with a Chinese input method's full-width characters
//! (１２３，Ａ－１) is read as its ASCII text when that is all it holds:
//! numbers, dates, phones and codes then mean what they say. Text with any
//! other character (Chinese prose and its punctuation) is kept as typed.
use actix_web::{dev::Payload, web, FromRequest, HttpRequest};
use futures_util::future::{ready, LocalBoxFuture, Ready};
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::collections::BTreeMap;

use crate::error::AppError;
use crate::i18n::Locale;

/// A url-encoded form body. Unlike `web::Form`, repeated fields (checkboxes)
/// fill a `Vec`. A body that does not fit `T` is a 400 page, never a 500.
/// Fields typed in full-width ASCII alone are read as ASCII (see the module's
/// note); [`Verbatim`] keeps every field as typed (passwords).
pub struct Form<T>(pub T);

/// [`Form`] without the full-width reading: for passwords, which are checked
/// exactly as typed.
pub struct Verbatim<T>(pub T);

impl<T: DeserializeOwned + 'static> FromRequest for Form<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = form_body(req, payload);
        Box::pin(async move { Ok(Form(read_form(&body.await?, true)?)) })
    }
}

impl<T: DeserializeOwned + 'static> FromRequest for Verbatim<T> {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let body = form_body(req, payload);
        Box::pin(async move { Ok(Verbatim(read_form(&body.await?, false)?)) })
    }
}

/// The body of a url-encoded form; anything else is a 400.
fn form_body(
    req: &HttpRequest,
    payload: &mut Payload,
) -> impl std::future::Future<Output = Result<web::Bytes, AppError>> {
    let is_form = req
        .headers()
        .get(actix_web::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let bytes = web::Bytes::from_request(req, payload);
    async move {
        if !is_form {
            return Err(AppError::BadRequest);
        }
        bytes.await.map_err(|_| AppError::BadRequest)
    }
}

/// `bytes` read as `T`, without stray controls and, with `half`, with full-width fields
/// read as ASCII.
fn read_form<T: DeserializeOwned>(bytes: &[u8], half: bool) -> Result<T, AppError> {
    let body = without_controls(bytes);
    let body = if half {
        match half_width_fields(&body) {
            Cow::Borrowed(_) => body,
            Cow::Owned(b) => Cow::Owned(b),
        }
    } else {
        body
    };
    serde_html_form::from_bytes::<T>(&body).map_err(|e| {
        tracing::info!(error = %e, "form body refused");
        AppError::BadRequest
    })
}

/// Whether `s` may be a phone number someone gave at the counter (a visitor's,
/// a customer's): digits, with spaces, `+` and `-` between them, 5 to 15
/// digits in all (an extension, a hotline, a landline with its area code, a
/// mobile with its country code). Empty is for the caller to allow or not.
pub fn loose_phone(s: &str) -> bool {
    let digits = s.chars().filter(char::is_ascii_digit).count();
    s.chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | '-' | ' '))
        && (5..=15).contains(&digits)
        && s.trim_start()
            .chars()
            .next()
            .is_some_and(|c| c == '+' || c.is_ascii_digit())
}

/// The years a typed date may fall in: anything outside is a typing error, and
/// would only overflow date arithmetic or the database (chrono reads years that
/// PostgreSQL cannot store, such as -9999).
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// A `HH:MM` time as a form sends it.
/// A short fingerprint of what a form showed (a hidden `seen` field): the same
/// text gives the same 16 hex digits, so a save can tell whether the record
/// changed since the form was read without carrying the record itself.
pub fn seen_of(text: &str) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(&Sha256::digest(text.as_bytes())[..8])
}

pub fn time(s: &str) -> Option<chrono::NaiveTime> {
    chrono::NaiveTime::parse_from_str(s.trim(), "%H:%M").ok()
}

/// Longest span [`day_span`] reads across midnight: a reception or a meeting
/// runs for hours, never half a day.
pub const OVERNIGHT_MAX_HOURS: i64 = 12;

/// A span on the site's clock that starts on `day`, from the fields `day`,
/// `start` and `end`: the instants it starts and ends at, or the messages
/// `<section>.error.day`, `.time` and `.order` on the fields that are wrong.
/// An end earlier on the clock than the start is on the next day, when that
/// makes the span at most [`OVERNIGHT_MAX_HOURS`] long (a reception from 23:40
/// to 00:15); otherwise it is a mistake (09:00 to 08:00). A time a clock change
/// skips is refused on its own field.
pub fn day_span(
    errors: &mut FieldErrors,
    section: &str,
    (day, start, end): (&str, &str, &str),
    tz: chrono_tz::Tz,
) -> Option<(chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>)> {
    use chrono::TimeZone;
    let day = date(day);
    if day.is_none() {
        errors.add("day", &format!("{section}.error.day"));
    }
    let (start, end) = (time(start), time(end));
    if start.is_none() {
        errors.add("start", &format!("{section}.error.time"));
    }
    if end.is_none() {
        errors.add("end", &format!("{section}.error.time"));
    }
    let (day, start, end) = (day?, start?, end?);
    // The first instant the wall-clock time names (a time skipped by a clock
    // change names none).
    let at = |day: chrono::NaiveDate, t| {
        tz.from_local_datetime(&day.and_time(t))
            .earliest()
            .map(|d| d.with_timezone(&chrono::Utc))
    };
    // An end before the start on the clock is on the next day.
    let overnight = end < start;
    let end_day = if overnight { day.succ_opt() } else { Some(day) };
    let (s, e) = (at(day, start), end_day.and_then(|d| at(d, end)));
    if s.is_none() {
        errors.add("start", &format!("{section}.error.time"));
    }
    if e.is_none() {
        errors.add("end", &format!("{section}.error.time"));
    }
    let (s, e) = (s?, e?);
    if e < s || (overnight && e - s > chrono::Duration::hours(OVERNIGHT_MAX_HOURS)) {
        errors.add("end", &format!("{section}.error.order"));
        return None;
    }
    Some((s, e))
}

/// A `YYYY-MM-DD` date as a form or a filter sends it, within [`YEARS`].
pub fn date(s: &str) -> Option<chrono::NaiveDate> {
    use chrono::Datelike;
    let s = s.trim();
    if s.len() != 10 {
        return None;
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .filter(|d| YEARS.contains(&d.year()))
}

/// A control character no form field means: C0 controls but tab, line feed
/// and carriage return (a text area's lines), and DEL. A terminal's escape
/// sequence pasted into a field, a NUL (which PostgreSQL refuses in text), and
/// the like are dropped; so are C1 controls (see [`control_at`], [`is_c1`]).
fn is_stray_control(c: u8) -> bool {
    (c < 0x20 && !matches!(c, b'\t' | b'\n' | b'\r')) || c == 0x7F
}

/// A C1 control character (U+0080 to U+009F): pasted from old documents, it
/// shows as nothing or as a box, and no field means it.
fn is_c1(c: char) -> bool {
    ('\u{80}'..='\u{9f}').contains(&c)
}

/// How many bytes at `i` spell a stray control character, raw or escaped
/// (`%1B`), or the carriage return of a line end; none otherwise. A text area
/// sends each line end as CR LF (HTML's form encoding) while the browser's
/// `maxlength` counts it as one character, as the server's limits do: the CR
/// before an LF is dropped, so 500 characters typed are 500 read, and text is
/// stored with LF line ends whatever sent it.
fn control_at(bytes: &[u8], i: usize) -> Option<usize> {
    let escaped = |at: usize| -> Option<u8> {
        let hex = |b: u8| (b as char).to_digit(16);
        match bytes.get(at..at + 3) {
            Some([b'%', h, l]) => Some((hex(*h)? * 16 + hex(*l)?) as u8),
            _ => None,
        }
    };
    let lf_at = |at: usize| bytes.get(at) == Some(&b'\n') || escaped(at) == Some(b'\n');
    if is_stray_control(bytes[i]) || (bytes[i] == b'\r' && lf_at(i + 1)) {
        return Some(1);
    }
    // A C1 control (U+0080 to U+009F, UTF-8 C2 80 to C2 9F), raw or escaped:
    // 0xC2 only ever leads a character, so this never splits another one.
    let unit = |at: usize| match escaped(at) {
        Some(b) => Some((b, 3)),
        None => bytes.get(at).map(|b| (*b, 1)),
    };
    if let Some((0xC2, n)) = unit(i) {
        if let Some((0x80..=0x9F, m)) = unit(i + n) {
            return Some(n + m);
        }
    }
    match escaped(i)? {
        c if is_stray_control(c) => Some(3),
        b'\r' if lf_at(i + 3) => Some(3),
        _ => None,
    }
}

/// A url-encoded text without stray control characters (see
/// [`is_stray_control`]): their escapes (`%00`, `%1B`) and raw bytes. In a
/// well-formed encoding every `%` starts an escape, so `%00` is never part of
/// another one (`%2500` is the text "%00", and stays).
fn without_controls(bytes: &[u8]) -> Cow<'_, [u8]> {
    if !(0..bytes.len()).any(|i| control_at(bytes, i).is_some()) {
        return Cow::Borrowed(bytes);
    }
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match control_at(bytes, i) {
            Some(n) => i += n,
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    Cow::Owned(out)
}

/// The body with each field that is typed in full-width ASCII (and spaces)
/// alone rewritten in ASCII. A body with no such field is returned as it is.
fn half_width_fields(body: &[u8]) -> Cow<'_, [u8]> {
    // U+3000 and U+FF01..U+FF5E are E3 80 80 and EF BC xx / EF BD xx, raw or
    // escaped: a body without a byte E3 or EF, or an escape %E, has none.
    let may = body.iter().enumerate().any(|(i, b)| {
        matches!(b, 0xE3 | 0xEF)
            || (*b == b'%' && body.get(i + 1).is_some_and(|c| matches!(c, b'E' | b'e')))
    });
    if !may {
        return Cow::Borrowed(body);
    }
    let fields: Vec<(Cow<str>, Cow<str>)> = url::form_urlencoded::parse(body).collect();
    let plain: Vec<Option<String>> = fields.iter().map(|(_, v)| half_width(v)).collect();
    if plain.iter().all(Option::is_none) {
        return Cow::Borrowed(body);
    }
    let mut out = url::form_urlencoded::Serializer::new(String::new());
    for ((name, value), plain) in fields.iter().zip(&plain) {
        out.append_pair(name, plain.as_deref().unwrap_or(value));
    }
    Cow::Owned(out.finish().into_bytes())
}

/// `value` in ASCII when it is typed in full-width ASCII and spaces alone
/// (mixed with ASCII or not): "１，２" is "1,2". `None` when it holds any other
/// character, or no full-width one.
pub fn half_width(value: &str) -> Option<String> {
    let full = |c: char| matches!(c, '\u{3000}' | '\u{FF01}'..='\u{FF5E}');
    if !value.chars().any(full) || !value.chars().all(|c| c.is_ascii() || full(c)) {
        return None;
    }
    Some(
        value
            .chars()
            .map(|c| match c {
                '\u{3000}' => ' ',
                c if full(c) => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
                c => c,
            })
            .collect(),
    )
}

/// A decoded text without stray control characters (see [`is_stray_control`]),
/// its line ends LF (see [`control_at`]).
fn text_without_controls(s: String) -> String {
    let s = if s.contains("\r\n") {
        s.replace("\r\n", "\n")
    } else {
        s
    };
    let stray = |c: &char| (c.is_ascii() && is_stray_control(*c as u8)) || is_c1(*c);
    if s.chars().any(|c| stray(&c)) {
        s.chars().filter(|c| !stray(c)).collect()
    } else {
        s
    }
}

/// A number of a query string (a list's cursor, a building's id, a version) for
/// `#[serde(default, deserialize_with = "crate::web::form::number_or_none")]`:
/// anything that is no number reads as none, so an address edited by hand or
/// cut short shows the list unfiltered, or its first page, not an error page.
pub fn number_or_none<'de, D, N>(d: D) -> Result<Option<N>, D::Error>
where
    D: serde::Deserializer<'de>,
    N: std::str::FromStr,
{
    let text: Option<String> = serde::Deserialize::deserialize(d)?;
    Ok(text.and_then(|t| t.trim().parse().ok()))
}

/// The query string, as `web::Query` reads it but with stray controls dropped (see the
/// module). A query that does not fit `T` is a 400 page: its numbers take
/// [`number_or_none`], so only a malformed string (bad percent-encoding) is.
pub struct Query<T>(pub T);

impl<T> Query<T> {
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> std::ops::Deref for Query<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: DeserializeOwned> FromRequest for Query<T> {
    type Error = AppError;
    type Future = Ready<Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let raw = without_controls(req.query_string().as_bytes());
        let parsed = std::str::from_utf8(&raw)
            .ok()
            .and_then(|q| web::Query::<T>::from_query(q).ok());
        ready(match parsed {
            Some(q) => Ok(Query(q.into_inner())),
            None => Err(AppError::BadRequest),
        })
    }
}

/// Validation messages by field name, already in the user's language.
#[derive(Default, Debug)]
pub struct FieldErrors {
    locale: Locale,
    errors: BTreeMap<&'static str, String>,
}

impl FieldErrors {
    pub fn new(locale: Locale) -> Self {
        FieldErrors {
            locale,
            errors: BTreeMap::new(),
        }
    }

    /// Records the catalog message `key` for `field` (the first message per field wins).
    pub fn add(&mut self, field: &'static str, key: &str) {
        let text = self.locale.t(key).to_owned();
        self.errors.entry(field).or_insert(text);
    }

    /// A text field trimmed, with its message when it is required and empty
    /// (`<section>.error.<field>`, or the section's `<section>.error.required`
    /// where the catalog has no message of the field's own) or longer than `max`
    /// characters (`form.too_long`, with the limit).
    pub fn text(
        &mut self,
        section: &str,
        field: &'static str,
        value: &str,
        max: usize,
        required: bool,
    ) -> String {
        let v = value.trim();
        if required && v.is_empty() {
            let own = format!("{section}.error.{field}");
            if self.locale.lookup(&own).is_some() {
                self.add(field, &own);
            } else {
                self.add(field, &format!("{section}.error.required"));
            }
        } else if v.chars().count() > max {
            // The limit, and how far over it the text is, for every form alike.
            let count = v.chars().count();
            let text = self
                .locale
                .tf("form.too_long", &[("max", &max), ("count", &count)]);
            self.add_text(field, text);
        }
        v.to_owned()
    }

    /// The language the messages are written in.
    pub fn locale(&self) -> Locale {
        self.locale
    }

    pub fn add_text(&mut self, field: &'static str, text: String) {
        self.errors.entry(field).or_insert(text);
    }

    pub fn is_empty(&self) -> bool {
        self.errors.is_empty()
    }

    /// The message for `field`, or "" (templates test `!= ""`).
    pub fn get(&self, field: &str) -> &str {
        self.errors.get(field).map_or("", |s| s.as_str())
    }

    pub fn has(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }

    /// All messages in field order, for the summary at the top of the form.
    pub fn all(&self) -> Vec<(&'static str, &str)> {
        self.errors.iter().map(|(k, v)| (*k, v.as_str())).collect()
    }
}

/// One uploaded file.
pub struct UploadedFile {
    pub field: String,
    pub filename: String,
    pub content: web::Bytes,
}

/// A multipart form: its text fields and its files, read whole (the CSRF check has
/// already bounded the size). Anything that is not multipart is a 400.
pub struct Upload {
    pub fields: std::collections::HashMap<String, String>,
    pub files: Vec<UploadedFile>,
}

impl Upload {
    /// The first non-empty file sent as `field`.
    pub fn file(&self, field: &str) -> Option<&UploadedFile> {
        self.files
            .iter()
            .find(|f| f.field == field && !f.content.is_empty())
    }
}

impl FromRequest for Upload {
    type Error = AppError;
    type Future = LocalBoxFuture<'static, Result<Self, AppError>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let content_type = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let mut payload = payload.take();
        Box::pin(async move {
            let boundary =
                multer::parse_boundary(&content_type).map_err(|_| AppError::BadRequest)?;
            let mut body = web::BytesMut::new();
            while let Some(chunk) = futures_util::StreamExt::next(&mut payload).await {
                let chunk = chunk.map_err(|_| AppError::BadRequest)?;
                if body.len() + chunk.len() > crate::web::middleware::UPLOAD_LIMIT {
                    return Err(AppError::BadRequest);
                }
                body.extend_from_slice(&chunk);
            }
            let body = body.freeze();
            let stream = futures_util::stream::once(async move { Ok::<_, std::io::Error>(body) });
            let mut parts = multer::Multipart::new(stream, boundary);
            let mut upload = Upload {
                fields: Default::default(),
                files: Vec::new(),
            };
            while let Some(field) = parts.next_field().await.map_err(|_| AppError::BadRequest)? {
                let name = field.name().unwrap_or("").to_owned();
                match field.file_name().map(str::to_owned) {
                    Some(filename) => {
                        let content = field.bytes().await.map_err(|_| AppError::BadRequest)?;
                        upload.files.push(UploadedFile {
                            field: name,
                            filename: text_without_controls(filename),
                            content,
                        });
                    }
                    None => {
                        // As a url-encoded form's fields (see `read_form`).
                        let text = field.text().await.map_err(|_| AppError::BadRequest)?;
                        let text = text_without_controls(text);
                        let text = half_width(&text).unwrap_or(text);
                        upload.fields.insert(name, text);
                    }
                }
            }
            Ok(upload)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The opening tags of `element` in a template: from `<element` to the
    /// `>` that closes it, askama's `{{ … }}` and `{% … %}` skipped.
    fn opening_tags<'a>(html: &'a str, element: &str) -> Vec<&'a str> {
        let open = format!("<{element} ");
        let mut tags = Vec::new();
        for (at, _) in html.match_indices(&open) {
            let rest = &html[at..];
            let (mut i, bytes) = (0, rest.as_bytes());
            while i < bytes.len() && bytes[i] != b'>' {
                if bytes[i] == b'{' && matches!(bytes.get(i + 1), Some(b'{' | b'%')) {
                    let close = if bytes[i + 1] == b'{' { "}}" } else { "%}" };
                    i += rest[i..].find(close).map_or(bytes.len(), |c| c + 2);
                } else {
                    i += 1;
                }
            }
            tags.push(&rest[..i.min(bytes.len())]);
        }
        tags
    }

    fn templates(dir: &std::path::Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                templates(&path, out);
            } else {
                let text = std::fs::read_to_string(&path).unwrap();
                out.push((path.display().to_string(), text));
            }
        }
    }

    /// A choice list or text box whose field has a message says so to a
    /// screen reader (`aria-invalid`), as `form::input` does for the others.
    #[test]
    fn every_select_and_text_box_with_a_message_is_marked_invalid_with_it() {
        let mut files = Vec::new();
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        templates(&root, &mut files);
        let mut unmarked = Vec::new();
        let mut seen = 0;
        for (path, html) in &files {
            for tag in ["select", "textarea"]
                .iter()
                .flat_map(|e| opening_tags(html, e))
            {
                let Some(name) = tag
                    .split("id=\"f-")
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                else {
                    continue;
                };
                if !html.contains(&format!("errors.get(\"{name}\")")) {
                    continue;
                }
                seen += 1;
                // Marked when it has its own message (or always, a late note's:
                // never on another field's message).
                let own =
                    tag.contains(&format!("errors.has(\"{name}\") %}} aria-invalid=\"true\""));
                let always =
                    !tag.contains("%} aria-invalid") && tag.contains(" aria-invalid=\"true\"");
                if !own && !always {
                    unmarked.push(format!("{path}: {name}"));
                }
            }
        }
        assert!(seen > 20, "{seen} fields with messages found");
        assert!(unmarked.is_empty(), "without aria-invalid: {unmarked:#?}");
    }

    /// The span's length in minutes, or the fields refused.
    fn span(start: &str, end: &str, day: &str, tz: chrono_tz::Tz) -> Result<i64, Vec<String>> {
        let mut errors = FieldErrors::new(Default::default());
        match day_span(&mut errors, "visits", (day, start, end), tz) {
            Some((s, e)) => Ok((e - s).num_minutes()),
            None => Err(["day", "start", "end"]
                .into_iter()
                .filter(|f| errors.has(f))
                .map(str::to_owned)
                .collect()),
        }
    }

    #[test]
    fn a_span_past_midnight_lasts_at_most_twelve_hours() {
        let tz = chrono_tz::Asia::Shanghai;
        assert_eq!(span("23:40", "00:15", "2026-11-29", tz), Ok(35));
        assert_eq!(span("20:00", "08:00", "2026-11-29", tz), Ok(720));
        assert_eq!(
            span("20:00", "08:01", "2026-11-29", tz),
            Err(vec!["end".into()])
        );
        assert_eq!(
            span("09:00", "08:00", "2026-11-29", tz),
            Err(vec!["end".into()])
        );
        assert_eq!(span("09:00", "09:00", "2026-11-29", tz), Ok(0));
    }

    #[test]
    fn a_time_a_clock_change_skips_is_refused_on_its_own_field() {
        // Berlin's clocks go from 02:00 to 03:00 on 29 March 2026.
        let tz = chrono_tz::Europe::Berlin;
        assert_eq!(
            span("23:00", "02:30", "2026-03-28", tz),
            Err(vec!["end".into()])
        );
        assert_eq!(
            span("02:30", "04:00", "2026-03-29", tz),
            Err(vec!["start".into()])
        );
        // Across the change: 23:00 to 03:30 is three and a half hours.
        assert_eq!(span("23:00", "03:30", "2026-03-28", tz), Ok(210));
    }

    #[test]
    fn full_width_ascii_alone_is_read_as_ascii_and_prose_is_kept() {
        assert_eq!(half_width("１，２").as_deref(), Some("1,2"));
        assert_eq!(
            half_width("１３８　１２３４ 5678").as_deref(),
            Some("138 1234 5678")
        );
        assert_eq!(
            half_width("２０２６－１２－０１").as_deref(),
            Some("2026-12-01")
        );
        assert_eq!(half_width("12"), None, "nothing to change");
        assert_eq!(half_width("钥匙，２把"), None, "prose stays as typed");
        let body = "units=%EF%BC%91%EF%BC%8C%EF%BC%92&note=%E9%92%A5%EF%BC%8C&password=%EF%BD%90";
        let read: Vec<(String, String)> = read_form(body.as_bytes(), true).unwrap();
        assert_eq!(
            read,
            [
                ("units".to_owned(), "1,2".to_owned()),
                ("note".to_owned(), "钥，".to_owned()),
                ("password".to_owned(), "p".to_owned()),
            ]
        );
        // A password form reads every field as typed.
        let typed: Vec<(String, String)> = read_form(body.as_bytes(), false).unwrap();
        assert_eq!(typed[0].1, "１，２");
        assert_eq!(typed[2].1, "ｐ");
        // Prose alone: the body is read as it came.
        assert!(matches!(
            half_width_fields(b"a=1&b=%E9%92%A5"),
            Cow::Borrowed(_)
        ));
        assert!(matches!(
            half_width_fields("b=钥，".as_bytes()),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn a_phone_given_at_the_counter_has_five_to_fifteen_digits() {
        for ok in [
            "138 1234 5678",
            "+86 138-1234-5678",
            "0571-8888 6666",
            "95511",
            "400-800-1234",
        ] {
            assert!(loose_phone(ok), "{ok}");
        }
        for bad in [
            "-1",
            "12",
            "99999999999999999999",
            "call me",
            "-138 1234 5678",
            "+",
        ] {
            assert!(!loose_phone(bad), "{bad}");
        }
    }

    #[test]
    fn stray_controls_are_dropped_and_lines_kept() {
        assert_eq!(
            &*without_controls(b"a=%1B%5B31mx%07%7F&b=l1%0D%0Al2%09t"),
            b"a=%5B31mx&b=l1%0Al2%09t"
        );
        assert!(matches!(without_controls(b"a=l1%0Al2"), Cow::Borrowed(_)));
        assert_eq!(&*without_controls(b"a=\x01x\ny"), b"a=x\ny");
        assert_eq!(text_without_controls("a\u{1b}[0m\nb".into()), "a[0m\nb");
    }

    #[test]
    fn a_line_end_is_one_character_as_the_browser_counts_it() {
        // CR LF as a text area sends it, escaped either way or raw: LF.
        assert_eq!(&*without_controls(b"a=x%0d%0Ay%0D%0a"), b"a=x%0Ay%0a");
        assert_eq!(&*without_controls(b"a=x\r\ny"), b"a=x\ny");
        assert_eq!(&*without_controls(b"a=x%0D\ny"), b"a=x\ny");
        // A CR alone is a line end of its own (old Macs): it stays.
        assert_eq!(&*without_controls(b"a=x%0Dy%0D"), b"a=x%0Dy%0D");
        assert_eq!(text_without_controls("x\r\ny\rz".into()), "x\ny\rz");
        let read: Vec<(String, String)> =
            read_form(b"c=%E5%90%8C%E6%84%8F%0D%0A%E5%90%8C%E6%84%8F", false).unwrap();
        let text = &read[0].1;
        assert_eq!(text.chars().count(), 5, "{text:?}");
    }

    #[test]
    fn c1_controls_are_dropped_raw_or_escaped_and_other_text_kept() {
        // U+0085 (NEL) and U+009B (CSI), escaped either case, and raw.
        assert_eq!(
            &*without_controls(b"a=x%C2%85y%c2%9bz&b=\xC2\x80w"),
            b"a=xyz&b=w"
        );
        // U+00A0 and U+00E9 (C2 A0, C3 A9) and a CJK character stay.
        let kept: &[u8] = b"a=%C2%A0%C3%A9%E4%B8%AD";
        assert!(matches!(without_controls(kept), Cow::Borrowed(_)));
        let read: Vec<(String, String)> = read_form(b"t=%E5%A4%87%C2%8D%E6%B3%A8", false).unwrap();
        assert_eq!(read[0].1, "备注");
        assert_eq!(
            text_without_controls("备\u{85}注\u{a0}".into()),
            "备注\u{a0}"
        );
    }

    #[test]
    fn nuls_are_dropped_and_nothing_else() {
        assert_eq!(&*without_controls(b"a=1&b=%E4%B8%AD"), b"a=1&b=%E4%B8%AD");
        assert!(matches!(without_controls(b"a=1"), Cow::Borrowed(_)));
        assert_eq!(&*without_controls(b"a=x%00y&%00b=\0z"), b"a=xy&b=z");
        // "%2500" is the text "%00": it stays.
        assert_eq!(&*without_controls(b"q=%2500"), b"q=%2500");
        assert_eq!(&*without_controls(b"q=%00%00%0"), b"q=%0");
        assert_eq!(text_without_controls("备\0注.pdf".into()), "备注.pdf");
    }

    #[test]
    fn an_empty_required_text_says_the_fields_own_message_or_the_sections() {
        use crate::i18n::Locale;
        let mut errors = FieldErrors::new(Locale::ZhCn);
        assert_eq!(errors.text("meetings", "topic", "  ", 10, true), "");
        assert_eq!(errors.get("topic"), "请填写议题。");
        assert_eq!(errors.text("contracts", "unit", "", 10, true), "");
        assert_eq!(errors.get("unit"), "此项必填。");
        assert_eq!(errors.text("contracts", "buyer", " 王芳 ", 2, true), "王芳");
        assert!(!errors.has("buyer"));
        errors.text("contracts", "agent", "安居房产中介", 2, false);
        assert_eq!(errors.get("agent"), "最多 2 个字，现在是 6 个字。");
    }

    #[test]
    fn only_dates_within_reason_are_read() {
        assert!(date(" 2026-12-01 ").is_some());
        assert!(date("-9999-01-01").is_none());
        assert!(date("-262144-01-01").is_none());
        assert!(date("+20000-01-01").is_none());
        assert!(date("2026-02-30").is_none());
        assert!(date("1899-12-31").is_none());
    }
}
