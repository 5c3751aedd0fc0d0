//! Room and resident lists from CSV or .xlsx: reading, then checking row by row.
//! Nothing is written here; the handler commits all rows or none.
use std::collections::HashMap;

use super::personal;
use crate::i18n::Locale;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Column {
    Building,
    Unit,
    Floor,
    Number,
    Kind,
    Name,
    ResidentKind,
    ResidentName,
    Phone,
    IdType,
    IdNumber,
}

/// Column headers: Chinese, then English; a file may use either (the
/// template is written in its reader's language).
const HEADERS: [(Column, &str, &str); 11] = [
    (Column::Building, "栋号", "building"),
    (Column::Unit, "单元", "unit"),
    (Column::Floor, "楼层", "floor"),
    (Column::Number, "房号", "room"),
    (Column::Kind, "类型", "kind"),
    (Column::Name, "名称", "name"),
    (Column::ResidentKind, "住户类型", "resident_kind"),
    (Column::ResidentName, "住户姓名", "resident_name"),
    (Column::Phone, "电话", "phone"),
    (Column::IdType, "证件类型", "id_type"),
    (Column::IdNumber, "证件号码", "id_number"),
];

/// The template offered for download, in the reader's language: the headers
/// and two example rows (either language's headers and words read back).
pub fn template_csv(loc: Locale) -> Vec<u8> {
    let mut out = vec![0xEF, 0xBB, 0xBF];
    let (header, examples): (Vec<&str>, &str) = match loc {
        Locale::ZhCn => (
            HEADERS.iter().map(|(_, zh, _)| *zh).collect(),
            "1,1,3,301,住宅,,业主,王小明,13812345678,身份证,11010519491231002X\n\
             1,,-1,B101,设施设备房,配电房,,,,,\n",
        ),
        Locale::En => (
            HEADERS.iter().map(|(_, _, en)| *en).collect(),
            "1,1,3,301,home,,owner,Wang Xiaoming,13812345678,resident_id,11010519491231002X\n\
             1,,-1,B101,facility,Power room,,,,,\n",
        ),
    };
    out.extend_from_slice(header.join(",").as_bytes());
    out.push(b'\n');
    out.extend_from_slice(examples.as_bytes());
    out
}

#[derive(Debug)]
pub enum ReadError {
    /// Neither CSV nor a readable workbook.
    Unreadable,
    /// Required columns missing from the first row.
    /// The required columns not found: (Chinese header, English header).
    MissingColumns(Vec<(&'static str, &'static str)>),
    Empty,
    TooManyRows,
}

pub const MAX_ROWS: usize = 20_000;
/// Longest line a CSV list may have, in bytes.
const MAX_LINE: usize = 64 * 1024;

/// The cells of an upload as stored ([`super::queries::create_import`]):
/// opened, then read. One sealed under another key (or none now) reads as
/// unreadable, so its uploader sends it again.
pub fn read_stored(filename: &str, stored: &[u8]) -> Result<Vec<Vec<String>>, ReadError> {
    let file = crate::db::sealed::open_bytes(stored).map_err(|_| ReadError::Unreadable)?;
    read_cells(filename, &file)
}

/// Cells of every row, first row included. CSV may be UTF-8 (with or without BOM)
/// or GB18030, as Excel on Chinese Windows saves it.
pub fn read_cells(filename: &str, bytes: &[u8]) -> Result<Vec<Vec<String>>, ReadError> {
    let lower = filename.to_lowercase();
    if lower.ends_with(".xlsx") || bytes.starts_with(b"PK") {
        return read_xlsx(bytes);
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.trim_start_matches('\u{feff}').to_owned(),
        Err(_) => {
            let (t, _, bad) = encoding_rs::GB18030.decode(bytes);
            if bad {
                return Err(ReadError::Unreadable);
            }
            t.into_owned()
        }
    };
    // A line of a room list is a few hundred bytes; one of megabytes (a
    // file of commas) would be split into millions of cells before any
    // check could refuse them.
    if text.split(['\n', '\r']).any(|line| line.len() > MAX_LINE) {
        return Err(ReadError::Unreadable);
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows: Vec<Vec<String>> = Vec::new();
    // Where the last record began, and on which line (counted as the file
    // goes, once).
    let (mut counted_to, mut line_at) = (0usize, 1usize);
    for rec in reader.records() {
        let rec = rec.map_err(|_| ReadError::Unreadable)?;
        // The reader skips empty lines (and counts no line for them): kept as
        // empty rows, so that a row's number is its line's, as a spreadsheet
        // opening the file shows it. Its position is where the reader began,
        // before the empty lines it skipped.
        let bytes = text.as_bytes();
        let from = rec.position().map_or(counted_to, |p| p.byte() as usize);
        let skipped = bytes[from..]
            .iter()
            .take_while(|b| matches!(b, b'\n' | b'\r'))
            .count();
        let start = (from + skipped).max(counted_to);
        line_at += bytes[counted_to..start]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        counted_to = start;
        let line = line_at;
        if line > MAX_ROWS + 2 {
            return Err(ReadError::TooManyRows);
        }
        while rows.len() + 1 < line {
            rows.push(Vec::new());
        }
        // As many columns as a workbook's are read (see MAX_COLUMNS).
        rows.push(rec.iter().take(MAX_COLUMNS as usize).map(cell).collect());
        if rows.len() > MAX_ROWS + 1 {
            return Err(ReadError::TooManyRows);
        }
    }
    Ok(rows)
}

/// A cell as the file gives it, trimmed and without NULs (PostgreSQL cannot
/// store one in text; a spreadsheet never means one), and read as ASCII when
/// it is typed in full-width digits and letters alone, as a form's field is.
fn cell(c: &str) -> String {
    let c = c.trim().replace('\0', "");
    crate::web::form::half_width(&c)
        .map(|a| a.trim().to_owned())
        .unwrap_or(c)
}

/// Most a workbook may hold once unpacked. A room list of 20,000 rows unpacks to
/// a few MB, and an upload is at most 20 MB of mostly incompressible parts;
/// anything more is a file made to fill the server's memory (a zip bomb).
const MAX_UNPACKED: u64 = 128 * 1024 * 1024;
/// Rows a sheet has (Excel's and the format's limit).
const SHEET_ROWS: u32 = 1 << 20;
/// Columns read of each row: the template's eleven, and room for a few more
/// beside them. Cells further right (a stray note in column XFD) are not read.
const MAX_COLUMNS: u32 = 64;

/// The cells of a workbook's first sheet, row 1 of the sheet first (so a
/// message's line number is the sheet's). Read cell by cell: a sheet whose used
/// area is declared or spread wide (a cell in A1 and one in XFD1048576) is
/// never laid out whole in memory.
fn read_xlsx(bytes: &[u8]) -> Result<Vec<Vec<String>>, ReadError> {
    use calamine::{Data, Reader, Xlsx};
    unpacked_within_bounds(bytes)?;
    let mut book: Xlsx<_> =
        Xlsx::new(std::io::Cursor::new(bytes)).map_err(|_| ReadError::Unreadable)?;
    let first = book
        .sheet_names()
        .into_iter()
        .next()
        .ok_or(ReadError::Empty)?;
    let mut cells = book
        .worksheet_cells_reader(&first)
        .map_err(|_| ReadError::Unreadable)?;
    let mut rows: Vec<Vec<String>> = Vec::new();
    let mut top: Option<usize> = None;
    while let Some(c) = cells.next_cell().map_err(|_| ReadError::Unreadable)? {
        let (row, col) = c.get_position();
        // Past a sheet's last row: no spreadsheet wrote it, and the rows up
        // to it (laid out below, so lines keep the sheet's numbers) would
        // take more memory than the server has.
        if row >= SHEET_ROWS {
            return Err(ReadError::Unreadable);
        }
        if col >= MAX_COLUMNS {
            continue;
        }
        let text = match Data::from(c.get_value().clone()) {
            Data::Empty => continue,
            // Excel keeps 15 significant digits: a longer number (an ID number
            // typed into a cell not formatted as text) has lost its last ones.
            // Written as Excel shows it, so that the row's check names it.
            Data::Float(f) if f.abs() >= 1e15 => format!("{f:E}"),
            Data::Float(f) if f.fract() == 0.0 => format!("{}", f as i64),
            other => cell(&other.to_string()),
        };
        if text.is_empty() {
            continue;
        }
        let (row, col) = (row as usize, col as usize);
        // As many rows as a CSV may have, counted from the first one used.
        let first = top.map_or(row, |t| t.min(row));
        top = Some(first);
        if row - first > MAX_ROWS {
            return Err(ReadError::TooManyRows);
        }
        if rows.len() <= row {
            rows.resize_with(row + 1, Vec::new);
        }
        let line = &mut rows[row];
        if line.len() <= col {
            line.resize_with(col + 1, String::new);
        }
        line[col] = text;
    }
    Ok(rows)
}

/// Whether a cell holds a number too long for a spreadsheet to keep, in the
/// ways Excel writes one: `1.10105E+17` (in a CSV it saved too), or, from a
/// column formatted as a number, all its digits with the sixteenth on turned
/// to zeros (`110105198001011000`). Either way its last digits are gone. (A
/// real ID number ends in 000 about once in eleven thousand: that resident is
/// added on the room's page, as the message says.)
fn lost_digits(cell: &str) -> bool {
    let cell = cell.trim();
    let scientific =
        cell.contains(['E', 'e']) && cell.parse::<f64>().is_ok_and(|f| f.abs() >= 1e15);
    let zeroed =
        cell.len() >= 16 && cell.bytes().all(|b| b.is_ascii_digit()) && cell.ends_with("000");
    scientific || zeroed
}

/// Unpacks every part of the workbook without keeping it, refusing one that
/// unpacks to more than [`MAX_UNPACKED`] in all. The sizes a zip file declares
/// are not trusted: the bytes are counted.
fn unpacked_within_bounds(bytes: &[u8]) -> Result<(), ReadError> {
    use std::io::Read;
    let mut zip =
        zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| ReadError::Unreadable)?;
    let mut left = MAX_UNPACKED;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(|_| ReadError::Unreadable)?;
        let n = std::io::copy(&mut (&mut part).take(left + 1), &mut std::io::sink())
            .map_err(|_| ReadError::Unreadable)?;
        left = left.checked_sub(n).ok_or(ReadError::Unreadable)?;
    }
    Ok(())
}

/// A resident as the file gives one.
#[derive(Debug, Clone)]
pub struct ImportResident {
    pub kind: &'static str,
    pub name: String,
    pub phone: String,
    pub id_type: &'static str,
    pub id_number: String,
}

/// A row that passed its checks.
#[derive(Debug, Clone)]
pub struct ImportRow {
    pub building: String,
    pub unit: String,
    pub floor: i32,
    pub number: String,
    pub kind: &'static str,
    pub name: String,
    pub resident: Option<ImportResident>,
}

/// One data row of the file: its line number, the row if valid, else its errors.
pub struct Checked {
    pub line: usize,
    pub row: Option<ImportRow>,
    pub errors: Vec<String>,
    /// What the row says, for the preview (personal data masked).
    pub shown: Vec<String>,
    /// Not a problem, but worth knowing before committing (set by the handler).
    pub notes: Vec<String>,
}

/// The types of room a list may name, in either language (English in any case).
fn room_kind(s: &str) -> Option<&'static str> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" | "住宅" | "home" => Some("home"),
        "设施设备房" | "设施" | "facility" | "facility room" => Some("facility"),
        _ => None,
    }
}

fn resident_kind(s: &str) -> Option<&'static str> {
    match s.trim().to_ascii_lowercase().as_str() {
        "业主" | "owner" => Some("owner"),
        "租户" | "承租人" | "tenant" => Some("tenant"),
        _ => None,
    }
}

/// An ID document type by its Chinese name or its code (any case).
pub fn id_type(s: &str) -> Option<&'static str> {
    match s.trim().to_ascii_lowercase().as_str() {
        "" | "身份证" | "居民身份证" | "resident_id" => Some("resident_id"),
        "护照" | "passport" => Some("passport"),
        "港澳通行证" | "港澳居民来往内地通行证" | "hk_macao" => Some("hk_macao"),
        "台胞证" | "台湾居民来往大陆通行证" | "taiwan" => Some("taiwan"),
        "其他" | "other" => Some("other"),
        _ => None,
    }
}

/// Maps the header row to columns; building, floor and room are required.
pub fn columns(header: &[String]) -> Result<HashMap<Column, usize>, ReadError> {
    let mut map = HashMap::new();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}');
        if let Some((c, _, _)) = HEADERS
            .iter()
            .find(|(_, zh, en)| h == *zh || h.eq_ignore_ascii_case(en))
        {
            map.insert(*c, i);
        }
    }
    let missing: Vec<(&'static str, &'static str)> = HEADERS
        .iter()
        .filter(|(c, _, _)| matches!(c, Column::Building | Column::Floor | Column::Number))
        .filter(|(c, _, _)| !map.contains_key(c))
        .map(|(_, zh, en)| (*zh, *en))
        .collect();
    if missing.is_empty() {
        Ok(map)
    } else {
        Err(ReadError::MissingColumns(missing))
    }
}

/// Checks every data row. Rows naming the same room twice are fine (one room, two
/// residents); the same room with different kinds is not.
pub fn check(
    cells: &[Vec<String>],
    locale: Locale,
    today: chrono::NaiveDate,
) -> Result<Vec<Checked>, ReadError> {
    // The header is the first row used: a sheet may leave rows above it empty.
    let above = cells
        .iter()
        .take_while(|r| r.iter().all(String::is_empty))
        .count();
    let Some((header, data)) = cells[above..].split_first() else {
        return Err(ReadError::Empty);
    };
    let cols = columns(header)?;
    if data.iter().all(|r| r.iter().all(String::is_empty)) {
        return Err(ReadError::Empty);
    }
    // Each room's kind and floor as its first row gives them.
    let mut seen: HashMap<(String, String, String), (&'static str, Option<i32>)> = HashMap::new();
    let mut out = Vec::new();
    for (i, raw) in data.iter().enumerate() {
        if raw.iter().all(String::is_empty) {
            continue;
        }
        let get = |c: Column| -> String {
            cols.get(&c)
                .and_then(|&i| raw.get(i))
                .cloned()
                .unwrap_or_default()
        };
        let mut errors = Vec::new();
        let mut err = |key: &str| errors.push(locale.t(key).to_owned());
        let building = get(Column::Building);
        if building.is_empty() || building.chars().count() > 20 {
            err("properties.import.bad_building");
        }
        let unit = get(Column::Unit);
        if unit.chars().count() > 20 {
            err("properties.import.bad_unit");
        }
        let floor = get(Column::Floor)
            .parse::<i32>()
            .ok()
            // No floor 0, as for generated rooms: the first below ground is -1.
            .filter(|f| (-10..=200).contains(f) && *f != 0);
        if floor.is_none() {
            err("properties.import.bad_floor");
        }
        let number = get(Column::Number);
        if number.is_empty() || number.chars().count() > 20 {
            err("properties.import.bad_number");
        }
        let kind = room_kind(&get(Column::Kind));
        if kind.is_none() {
            err("properties.import.bad_kind");
        }
        let name = get(Column::Name);
        if kind == Some("facility") && name.is_empty() {
            err("properties.import.facility_needs_name");
        }
        if let Some(k) = kind {
            let key = (building.clone(), unit.clone(), number.clone());
            match seen.get(&key) {
                Some((prev, _)) if *prev != k => err("properties.import.conflicting_kind"),
                Some((_, prev)) if floor.is_some() && *prev != floor => {
                    err("properties.import.conflicting_floor")
                }
                Some(_) => {}
                None => {
                    seen.insert(key, (k, floor));
                }
            }
        }
        let resident_name = get(Column::ResidentName);
        let mut resident = None;
        let mut shown_phone = String::new();
        let mut shown_id = String::new();
        if !resident_name.is_empty() {
            let rk = resident_kind(&get(Column::ResidentKind));
            if rk.is_none() {
                err("properties.import.bad_resident_kind");
            }
            if resident_name.chars().count() > 64 {
                err("properties.import.bad_resident_name");
            }
            let phone_raw = get(Column::Phone);
            let phone = if phone_raw.is_empty() {
                Some(String::new())
            } else {
                personal::check_phone(&phone_raw)
            };
            if phone.is_none() {
                err("properties.error.phone_invalid");
            }
            let it = id_type(&get(Column::IdType));
            if it.is_none() {
                err("properties.import.bad_id_type");
            }
            let id_raw = get(Column::IdNumber);
            let id_number = match (it, id_raw.is_empty()) {
                (_, true) => Some(String::new()),
                _ if lost_digits(&id_raw) => {
                    err("properties.import.id_as_number");
                    None
                }
                (Some("resident_id"), false) => match personal::check_resident_id(&id_raw, today) {
                    Ok(id) => Some(id),
                    Err(e) => {
                        err(e.key());
                        None
                    }
                },
                // As the resident form: other documents' numbers up to 40.
                (_, false) if id_raw.trim().chars().count() > 40 => {
                    err("properties.error.id_too_long");
                    None
                }
                (_, false) => Some(id_raw.trim().to_owned()),
            };
            shown_phone = phone
                .as_deref()
                .map(personal::mask_phone)
                .unwrap_or_default();
            shown_id = id_number
                .as_deref()
                .map(personal::mask_id)
                .unwrap_or_default();
            if let (Some(kind), Some(phone), Some(id_type), Some(id_number)) =
                (rk, phone, it, id_number)
            {
                resident = Some(ImportResident {
                    kind,
                    name: resident_name.clone(),
                    phone,
                    id_type,
                    id_number,
                });
            }
        } else if !get(Column::IdNumber).is_empty() || !get(Column::Phone).is_empty() {
            err("properties.import.resident_needs_name");
        }
        let shown = vec![
            building.clone(),
            unit.clone(),
            get(Column::Floor),
            number.clone(),
            name.clone(),
            resident_name,
            shown_phone,
            shown_id,
        ];
        let row = match (errors.is_empty(), floor, kind) {
            (true, Some(floor), Some(kind)) => Some(ImportRow {
                building,
                unit,
                floor,
                number,
                kind,
                name,
                resident,
            }),
            _ => None,
        };
        // Line numbers as a spreadsheet shows them: the header's is `above + 1`.
        out.push(Checked {
            line: above + i + 2,
            row,
            errors,
            shown,
            notes: Vec::new(),
        });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    #[test]
    fn a_csv_rows_number_is_its_lines_after_blank_lines_too() {
        let file = "\n栋号,单元,楼层,房号,房间类型\n1,1,3,301,住宅\n\n\n1,1,3,,住宅\n";
        let cells = read_cells("rooms.csv", file.as_bytes()).unwrap();
        let rows = check(&cells, Locale::ZhCn, today()).unwrap();
        let lines: Vec<(usize, bool)> =
            rows.iter().map(|r| (r.line, r.errors.is_empty())).collect();
        assert_eq!(lines, [(3, true), (6, false)]);
    }

    #[test]
    fn the_template_reads_back_clean_in_either_language() {
        let english = read_cells("t.csv", &template_csv(Locale::En)).unwrap();
        assert_eq!(english[0][0], "building");
        let rows = check(&english, Locale::En, today()).unwrap();
        assert!(rows.iter().all(|r| r.errors.is_empty()));
        assert_eq!(rows[0].row.as_ref().unwrap().kind, "home");
        assert_eq!(rows[1].row.as_ref().unwrap().kind, "facility");

        let cells = read_cells("t.csv", &template_csv(Locale::ZhCn)).unwrap();
        assert_eq!(cells[0][0], "栋号");
        let rows = check(&cells, Locale::ZhCn, today()).unwrap();
        assert_eq!(rows.len(), 2);
        assert!(
            rows.iter().all(|r| r.errors.is_empty()),
            "{:?}",
            rows[0].errors
        );
        let owner = rows[0].row.as_ref().unwrap().resident.as_ref().unwrap();
        assert_eq!(owner.id_number, "11010519491231002X");
        assert_eq!(rows[0].shown[7], "110***********002X", "the preview masks");
        assert_eq!(rows[1].row.as_ref().unwrap().kind, "facility");
    }

    #[test]
    fn a_bad_row_is_named_with_its_line_and_reasons() {
        let csv = "栋号,单元,楼层,房号,住户类型,住户姓名,证件号码\n1,1,3,301,业主,王,11010519491231002X\n1,1,x,302,业主,李,110105194912310021\n";
        let cells = read_cells("t.csv", csv.as_bytes()).unwrap();
        let rows = check(&cells, Locale::ZhCn, today()).unwrap();
        assert!(rows[0].row.is_some());
        assert_eq!(rows[1].line, 3);
        assert_eq!(rows[1].errors.len(), 2, "{:?}", rows[1].errors);
    }

    #[test]
    fn there_is_no_floor_zero_in_a_list_either() {
        let csv = "栋号,单元,楼层,房号\n1,1,0,001\n1,1,-0,002\n1,1,-1,B101\n";
        let cells = read_cells("t.csv", csv.as_bytes()).unwrap();
        let rows = check(&cells, Locale::ZhCn, today()).unwrap();
        let refused: Vec<bool> = rows.iter().map(|r| r.row.is_none()).collect();
        assert_eq!(refused, [true, true, false]);
    }

    #[test]
    fn full_width_digits_read_as_ascii_and_names_as_typed() {
        let csv = "栋号,单元,楼层,房号,住户类型,住户姓名,证件号码\n１,１,３,３０１,业主,王小明,１１０１０５１９４９１２３１００２Ｘ\n";
        let cells = read_cells("t.csv", csv.as_bytes()).unwrap();
        assert_eq!(cells[1][..4], ["1", "1", "3", "301"]);
        assert_eq!(cells[1][5], "王小明");
        assert_eq!(cells[1][6], "11010519491231002X");
    }

    #[test]
    fn gbk_csv_from_excel_is_read() {
        let (bytes, _, _) = encoding_rs::GBK.encode("栋号,单元,楼层,房号\n2,1,5,502\n");
        let cells = read_cells("rooms.csv", &bytes).unwrap();
        assert_eq!(cells[0][0], "栋号");
        assert_eq!(
            check(&cells, Locale::ZhCn, today()).unwrap()[0]
                .row
                .as_ref()
                .unwrap()
                .number,
            "502"
        );
    }

    /// A workbook saved by a spreadsheet with one cell, its sheet's XML
    /// then changed by `edit`: as a hand-made file could be.
    fn edited_workbook(edit: impl Fn(String) -> String) -> Vec<u8> {
        use std::io::{Read, Write};
        let mut book = rust_xlsxwriter::Workbook::new();
        book.add_worksheet().write_string(0, 0, "栋号").unwrap();
        let saved = book.save_to_buffer().unwrap();
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(saved)).unwrap();
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for i in 0..zip.len() {
            let mut part = zip.by_index(i).unwrap();
            let name = part.name().unwrap().to_string();
            let mut text = Vec::new();
            part.read_to_end(&mut text).unwrap();
            if name == "xl/worksheets/sheet1.xml" {
                text = edit(String::from_utf8(text).unwrap()).into_bytes();
            }
            out.start_file(name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(&text).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    #[test]
    fn a_cell_past_a_sheets_last_row_is_refused_not_laid_out() {
        let at = |row: &str| {
            let row = row.to_owned();
            edited_workbook(move |xml| {
                assert!(
                    xml.contains(r#"<row r="1""#) && xml.contains(r#"r="A1""#),
                    "{xml}"
                );
                xml.replace(r#"<row r="1""#, &format!(r#"<row r="{row}""#))
                    .replace(r#"r="A1""#, &format!(r#"r="A{row}""#))
            })
        };
        // The sheet's last row is read (as a list too long, here)…
        assert!(matches!(read_cells("r.xlsx", &at("1048576")), Ok(rows) if rows.len() == 1 << 20));
        // …one past it, up to the largest row a file can name, is refused
        // before any row is laid out (4,294,967,295 rows would take 100 GB).
        for row in ["1048577", "4294967295"] {
            assert!(
                matches!(read_cells("r.xlsx", &at(row)), Err(ReadError::Unreadable)),
                "{row}"
            );
        }
    }

    #[test]
    fn a_csv_line_longer_than_any_list_has_is_refused_unread() {
        let mut csv = "栋号,单元,楼层,房号\n".to_owned();
        csv.push_str(&",".repeat(MAX_LINE + 1));
        assert!(matches!(
            read_cells("r.csv", csv.as_bytes()),
            Err(ReadError::Unreadable)
        ));
        let fits = format!("栋号,单元,楼层,房号\n1,1,3,{}\n", "1".repeat(1000));
        assert_eq!(read_cells("r.csv", fits.as_bytes()).unwrap().len(), 2);
        // Lines ended by CR alone (Excel for Mac) are lines too.
        let mac = "栋号,单元,楼层,房号\r1,1,3,301\r".repeat(3000);
        assert_eq!(read_cells("r.csv", mac.as_bytes()).unwrap().len(), 6000);
        // Many wide lines, each within bounds, keep no more columns than a
        // workbook's: a file of commas does not become millions of cells.
        let wide = format!("{}\n", ",".repeat(MAX_LINE - 1)).repeat(50);
        let rows = read_cells("r.csv", wide.as_bytes()).unwrap();
        assert!(rows.iter().all(|r| r.len() == MAX_COLUMNS as usize));
    }

    #[test]
    fn missing_columns_are_named() {
        let cells = read_cells("t.csv", "栋号,房号\n1,101\n".as_bytes()).unwrap();
        match check(&cells, Locale::ZhCn, today()) {
            Err(ReadError::MissingColumns(m)) => assert_eq!(m, vec![("楼层", "floor")]),
            other => panic!("{:?}", other.map(|_| ())),
        }
    }
}
