//! Register exports: the same rows a list shows (filters applied) as CSV or .xlsx.
use actix_web::http::header::{
    Charset, ContentDisposition, DispositionParam, DispositionType, ExtendedValue,
};
use actix_web::HttpResponse;
use rust_xlsxwriter::{Format, Workbook};

use crate::error::AppError;

/// One cell of an exported row.
pub enum Cell {
    Text(String),
    Int(i64),
    /// A number with two decimals kept in hundredths (yuan in fen, m² in
    /// hundredths): a number a spreadsheet can add up, shown as 1234.50.
    Hundredths(i64),
}

impl Cell {
    /// [`Cell::Hundredths`], or an empty cell for none.
    pub fn hundredths(n: Option<i64>) -> Cell {
        n.map_or_else(|| Cell::Text(String::new()), Cell::Hundredths)
    }
}

/// `n` hundredths as text with two decimals: -183488.16.
fn two_decimals(n: i64) -> String {
    let sign = if n < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:02}",
        n.unsigned_abs() / 100,
        n.unsigned_abs() % 100
    )
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

/// Most rows a register puts in one export, print view or label sheet.
pub const SHEET_MAX: i64 = 5000;

/// A sheet: a title (the file and sheet name), column headers, rows.
pub struct Sheet {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
}

impl Sheet {
    /// A sheet whose title and column headers are catalog keys, in `loc`.
    pub fn new(
        loc: crate::i18n::Locale,
        title: &str,
        headers: &[&str],
        rows: Vec<Vec<Cell>>,
    ) -> Sheet {
        Sheet {
            title: loc.t(title).to_owned(),
            headers: headers.iter().map(|k| loc.t(k).to_owned()).collect(),
            rows,
        }
        .capped(loc, SHEET_MAX as usize)
    }

    /// The sheet with what it is of after its title ("来访客户登记表 2026-12"): the
    /// file is named by its title too.
    pub fn named(mut self, of: impl std::fmt::Display) -> Sheet {
        use std::fmt::Write;
        // Writing to a String cannot fail.
        let _ = write!(self.title, " {of}");
        self
    }

    /// The sheet, with a last line saying so when its rows reached `limit` (the
    /// query's cap): more may be left out, and the reader is told to narrow the
    /// filter rather than trust a silently short sheet.
    pub fn capped(mut self, loc: crate::i18n::Locale, limit: usize) -> Sheet {
        if self.rows.len() >= limit {
            let note = loc.tf("export.capped", &[("n", &self.rows.len())]);
            let mut line = vec![Cell::Text(note)];
            line.resize_with(self.headers.len().max(1), || Cell::Text(String::new()));
            self.rows.push(line);
        }
        self
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

/// A register's export is `{stem}.csv` and `{stem}.xlsx` (`/keys/loans.csv`): the
/// handler takes the format as an extractor, read from a `{format}` segment of
/// the route or else from the path's ending; any ending but csv or xlsx is a 404.
impl actix_web::FromRequest for ExportFormat {
    type Error = AppError;
    type Future = std::future::Ready<Result<Self, AppError>>;

    fn from_request(req: &actix_web::HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        let ending = req
            .match_info()
            .get("format")
            .or_else(|| req.path().rsplit_once('.').map(|(_, ending)| ending));
        std::future::ready(
            ending
                .and_then(ExportFormat::parse)
                .ok_or(AppError::NotFound),
        )
    }
}

/// The two routes of an export: `GET {stem}.csv` and `GET {stem}.xlsx`, to add
/// with `.service(..)` to a scope or the app. They are two fixed paths rather
/// than one `{stem}.{format}` pattern on purpose: a pattern is a regular
/// expression the router runs (and allocates its captures for) on every request
/// that reaches it, while a fixed path is a string compare. At the top level
/// every page listed after an export paid for it (bench/RESULTS.md).
pub fn routes<F, Args>(stem: &str, handler: F) -> (actix_web::Resource, actix_web::Resource)
where
    F: actix_web::Handler<Args> + Clone,
    Args: actix_web::FromRequest + 'static,
    F::Output: actix_web::Responder + 'static,
{
    let route = |ext: &str, handler: F| {
        actix_web::web::resource(format!("{stem}.{ext}")).route(actix_web::web::get().to(handler))
    };
    (route("csv", handler.clone()), route("xlsx", handler))
}

impl ExportFormat {
    pub fn parse(s: &str) -> Option<ExportFormat> {
        match s {
            "csv" => Some(ExportFormat::Csv),
            "xlsx" => Some(ExportFormat::Xlsx),
            _ => None,
        }
    }
}

/// Text a spreadsheet would run as a formula is prefixed with `'` (CSV injection).
fn defuse(s: &str) -> String {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}")
    } else {
        s.to_owned()
    }
}

/// An attachment named by `title` (the sheet's, in the reader's language) for
/// browsers that read `filename*`, and by `stem` (ASCII) for those that do not;
/// both end in `.{ext}`.
pub fn attachment(title: &str, stem: &str, ext: &str) -> ContentDisposition {
    // No character a file system refuses or a path would read as a folder.
    let title: String = title
        .chars()
        .filter(|c| !c.is_control() && !"/\\:*?\"<>|".contains(*c))
        .collect();
    let named = match title.trim() {
        "" => format!("{stem}.{ext}"),
        title => format!("{title}.{ext}"),
    };
    let ascii: String = format!("{stem}.{ext}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    ContentDisposition {
        disposition: DispositionType::Attachment,
        parameters: vec![
            DispositionParam::Filename(ascii),
            DispositionParam::FilenameExt(ExtendedValue {
                charset: Charset::Ext("UTF-8".into()),
                language_tag: None,
                value: named.into_bytes(),
            }),
        ],
    }
}

/// CSV with a UTF-8 byte-order mark, so that Excel opens Chinese text correctly;
/// every field quoted, lines ended with CRLF (RFC 4180).
pub fn csv(sheet: &Sheet) -> Result<Vec<u8>, AppError> {
    let mut out = vec![0xEF, 0xBB, 0xBF];
    {
        let mut w = csv::WriterBuilder::new()
            .quote_style(csv::QuoteStyle::Always)
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        w.write_record(&sheet.headers)
            .map_err(anyhow::Error::from)?;
        for row in &sheet.rows {
            let rec: Vec<String> = row
                .iter()
                .map(|c| match c {
                    Cell::Text(s) => defuse(s),
                    Cell::Int(n) => n.to_string(),
                    Cell::Hundredths(n) => two_decimals(*n),
                })
                .collect();
            w.write_record(&rec).map_err(anyhow::Error::from)?;
        }
        w.flush().map_err(anyhow::Error::from)?;
    }
    Ok(out)
}

/// An .xlsx workbook with one sheet, bold headers and a frozen header row.
pub fn xlsx(sheet: &Sheet) -> Result<Vec<u8>, AppError> {
    let fail = |e: rust_xlsxwriter::XlsxError| AppError::Other(anyhow::anyhow!("xlsx: {e}"));
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    // Sheet names: at most 31 UTF-16 units (a character beyond the BMP, such
    // as 𠮷 or an emoji, takes two), none of []:*?/\, no apostrophe at either
    // end (a title can end in what a user typed: a document's title).
    let mut units = 0;
    let name: String = sheet
        .title
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take_while(|c| {
            units += c.len_utf16();
            units <= 31
        })
        .collect();
    let name = name.trim_matches('\'');
    ws.set_name(if name.is_empty() { "Sheet1" } else { name })
        .map_err(fail)?;
    let bold = Format::new().set_bold();
    let decimals = Format::new().set_num_format("0.00");
    for (c, h) in sheet.headers.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, h, &bold)
            .map_err(fail)?;
    }
    for (r, row) in sheet.rows.iter().enumerate() {
        for (c, cell) in row.iter().enumerate() {
            let (r, c) = (r as u32 + 1, c as u16);
            match cell {
                Cell::Text(s) => ws.write_string(r, c, fit_cell(s)).map_err(fail)?,
                Cell::Int(n) => ws.write_number(r, c, *n as f64).map_err(fail)?,
                Cell::Hundredths(n) => ws
                    .write_number_with_format(r, c, *n as f64 / 100.0, &decimals)
                    .map_err(fail)?,
            };
        }
    }
    ws.set_freeze_panes(1, 0).map_err(fail)?;
    ws.autofit();
    book.save_to_buffer().map_err(fail)
}

/// Most UTF-16 units a workbook cell holds (Excel's limit; rust_xlsxwriter
/// refuses a longer string).
const XLSX_CELL_MAX: usize = 32_767;

/// `s` as a workbook cell can hold it: whole when it fits, else cut at a
/// character and ended with "…". Meeting minutes of 20,000 characters outside
/// the basic plane, or an audit line quoting them, are longer; the CSV export
/// keeps the whole text.
fn fit_cell(s: &str) -> std::borrow::Cow<'_, str> {
    // A UTF-8 string has at least as many bytes as UTF-16 units.
    if s.len() <= XLSX_CELL_MAX || s.encode_utf16().count() <= XLSX_CELL_MAX {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut units = 0;
    let mut end = 0;
    for (i, ch) in s.char_indices() {
        // One unit stays free for the ellipsis.
        if units + ch.len_utf16() >= XLSX_CELL_MAX {
            break;
        }
        units += ch.len_utf16();
        end = i + ch.len_utf8();
    }
    std::borrow::Cow::Owned(format!("{}…", &s[..end]))
}

/// [`respond`] for a register's month, when one is chosen: the sheet's title
/// and the file's stem end in it (`来访客户登记表 2026-12`, `visits-2026-12`).
pub fn respond_month(
    sheet: Sheet,
    format: ExportFormat,
    stem: &str,
    month: Option<chrono::NaiveDate>,
) -> Result<HttpResponse, AppError> {
    match month {
        Some(m) => {
            let m = m.format("%Y-%m").to_string();
            respond(&sheet.named(&m), format, &format!("{stem}-{m}"))
        }
        None => respond(&sheet, format, stem),
    }
}

/// The download response for `sheet` in `format`: named by the sheet's title
/// (`来访客户登记表 2026-12.xlsx`), or `{file_stem}.{csv|xlsx}` where the browser
/// reads only ASCII names.
pub fn respond(
    sheet: &Sheet,
    format: ExportFormat,
    file_stem: &str,
) -> Result<HttpResponse, AppError> {
    let (body, ext, mime) = match format {
        ExportFormat::Csv => (csv(sheet)?, "csv", "text/csv; charset=utf-8"),
        ExportFormat::Xlsx => (
            xlsx(sheet)?,
            "xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
    };
    Ok(HttpResponse::Ok()
        .content_type(mime)
        .insert_header(attachment(&sheet.title, file_stem, ext))
        .body(body))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sheet() -> Sheet {
        Sheet {
            title: "审计日志".into(),
            headers: vec!["时间".into(), "操作".into(), "编号".into()],
            rows: vec![vec![
                "2026-11-28 08:00".into(),
                "=HYPERLINK(\"x\")".into(),
                7.into(),
            ]],
        }
    }

    #[test]
    fn csv_has_a_bom_and_defuses_formulas() {
        let bytes = csv(&sheet()).unwrap();
        assert_eq!(&bytes[..3], &[0xEF, 0xBB, 0xBF]);
        let text = String::from_utf8(bytes[3..].to_vec()).unwrap();
        assert!(text.starts_with("\"时间\",\"操作\",\"编号\"\r\n"), "{text}");
        assert!(text.contains("\"'=HYPERLINK(\"\"x\"\")\""), "{text}");
    }

    #[test]
    fn amounts_are_numbers_with_two_decimals_not_defused_text() {
        let sheet = Sheet {
            title: "t".into(),
            headers: vec!["a".into(), "b".into(), "c".into()],
            rows: vec![vec![
                Cell::Hundredths(-18_348_816),
                Cell::Hundredths(5),
                Cell::hundredths(None),
            ]],
        };
        let text = String::from_utf8(csv(&sheet).unwrap()[3..].to_vec()).unwrap();
        assert!(text.ends_with("\"-183488.16\",\"0.05\",\"\"\r\n"), "{text}");
    }

    #[test]
    fn a_cell_longer_than_excel_takes_is_cut_with_an_ellipsis() {
        // 20,000 characters of two UTF-16 units each: 40,000 units.
        let long = "𠮷".repeat(20_000);
        let cut = fit_cell(&long);
        assert_eq!(cut.encode_utf16().count(), XLSX_CELL_MAX);
        assert!(cut.ends_with('…'), "{}", &cut[cut.len() - 8..]);
        assert!(long.starts_with(cut.trim_end_matches('…')));
        assert_eq!(cut.chars().filter(|c| *c == '𠮷').count(), 16_383);
        // Text that fits is left alone, even when its bytes do not.
        let fits = "钥".repeat(30_000);
        assert_eq!(fit_cell(&fits), fits.as_str());
        let sheet = Sheet {
            title: "会议记录".into(),
            headers: vec!["纪要".into()],
            rows: vec![vec![long.into()]],
        };
        assert_eq!(&xlsx(&sheet).unwrap()[..2], b"PK");
    }

    #[test]
    fn xlsx_is_a_zip_workbook() {
        let bytes = xlsx(&sheet()).unwrap();
        assert_eq!(&bytes[..2], b"PK");
    }

    /// The UTF-8 name (`filename*`, decoded) of a Content-Disposition header.
    fn utf8_name(header: &str) -> String {
        let utf8 = header.split("filename*=UTF-8''").nth(1).unwrap();
        percent_encoding::percent_decode_str(utf8)
            .decode_utf8()
            .unwrap()
            .into_owned()
    }

    fn disposition(res: &HttpResponse) -> String {
        let header = res.headers().get("content-disposition").unwrap();
        header.to_str().unwrap().to_owned()
    }

    #[test]
    fn a_download_is_named_by_its_title_with_an_ascii_name_beside() {
        let named = sheet().named("2026-12 / 11:30");
        let header = attachment(&named.title, "audit-log", "csv").to_string();
        assert!(header.contains("filename=\"audit-log.csv\""), "{header}");
        // The slash and colon left out.
        assert_eq!(utf8_name(&header), "审计日志 2026-12  1130.csv", "{header}");
        let blank = attachment(" / ", "keys", "xlsx").to_string();
        assert!(blank.ends_with("''keys.xlsx"), "{blank}");
    }

    #[test]
    fn a_months_export_is_named_by_its_month() {
        let month = chrono::NaiveDate::from_ymd_opt(2026, 12, 1);
        let res = respond_month(sheet(), ExportFormat::Xlsx, "audit-log", month).unwrap();
        let header = disposition(&res);
        assert!(
            header.contains("filename=\"audit-log-2026-12.xlsx\""),
            "{header}"
        );
        assert_eq!(utf8_name(&header), "审计日志 2026-12.xlsx");
        let all = respond_month(sheet(), ExportFormat::Csv, "audit-log", None).unwrap();
        let header = disposition(&all);
        assert!(header.contains("filename=\"audit-log.csv\""), "{header}");
    }

    /// A title (a document's title as typed) that, once cut to a sheet name's
    /// 31 units, ends in an apostrophe or holds characters beyond the BMP still
    /// makes a workbook.
    #[test]
    fn a_title_cut_to_a_sheet_name_still_makes_a_workbook() {
        for title in [
            "'引号'",
            &format!("{}'后面", "签".repeat(30)),
            // Characters beyond the BMP count twice towards the 31.
            &format!("📌{}", "签".repeat(30)),
            &"𠮷".repeat(20),
        ] {
            let sheet = Sheet {
                title: title.to_owned(),
                ..sheet()
            };
            assert_eq!(&xlsx(&sheet).unwrap()[..2], b"PK", "{title}");
        }
    }
}
