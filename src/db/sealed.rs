//! Personal data and secrets sealed at rest (SPEC §4.2: ID numbers stored
//! encrypted; likewise each user's second-factor secret). A
//! column of SQL type [`SealedText`] holds `s1:` and the base64 of its value
//! encrypted with AES-256-SIV under the key derived from `KEFU_DATA_KEY`; the
//! Rust side reads and writes [`Sealed`], the value as typed, so no page or
//! query sees the difference. An uploaded file holding such data (a room list
//! waiting for its commit) is sealed whole ([`seal_bytes`]).
//!
//! SIV is deterministic: the same value seals to the same text, so a unique
//! index over a sealed column still holds, and one value matches itself. That
//! tells who has the same ID number as whom, never the number.
//!
//! Without `KEFU_DATA_KEY` values are written as typed (a warning says so at
//! start); values written so are read as they are, and sealed by the next
//! start with a key ([`seal_stored`]).
use aes_siv::siv::Aes256Siv;
use aes_siv::KeyInit;
use base64::Engine;
use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sha2::Digest;
use std::io::Write;
use std::sync::OnceLock;

/// Text that is sealed in the database (PostgreSQL `text`).
#[derive(diesel::sql_types::SqlType, diesel::query_builder::QueryId, Clone, Copy, Debug)]
#[diesel(postgres_type(oid = 25, array_oid = 1009))]
pub struct SealedText;

/// A value of a [`SealedText`] column, as typed. Its `Debug` shows no more
/// than its length, so no log line carries it.
#[derive(Clone, Default, PartialEq, Eq, Hash, AsExpression, FromSqlRow)]
#[diesel(sql_type = SealedText)]
pub struct Sealed(pub String);

impl std::fmt::Debug for Sealed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Sealed({} chars)", self.0.chars().count())
    }
}

impl Sealed {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl From<&str> for Sealed {
    fn from(s: &str) -> Sealed {
        Sealed(s.to_owned())
    }
}

impl std::ops::Deref for Sealed {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

const PREFIX: &str = "s1:";
/// Marks a value stored as typed whose text starts like a stored form (a
/// passport number typed as "s1:…" without a key): read back without it.
const PLAIN: &str = "p1:";
/// Authenticated with every sealed value: names the format, so a later one can
/// tell its values apart. All sealed columns share it: an ID number seals to
/// the same text in the residents and the key loans.
const HEADER: &[u8] = b"kefu personal data v1";

static KEY: OnceLock<Option<[u8; 64]>> = OnceLock::new();

/// Sets the process's data key from `KEFU_DATA_KEY` (any text of 32 characters
/// or more; its SHA-512 is the AES-256-SIV key). The first call wins: every
/// connection of the process seals with one key.
pub fn install(secret: Option<&str>) {
    let key = secret.map(|s| {
        let mut k = [0u8; 64];
        k.copy_from_slice(&sha2::Sha512::digest(s.as_bytes()));
        k
    });
    let _ = KEY.set(key);
}

/// Whether values are sealed when written (a key is installed).
pub fn active() -> bool {
    matches!(KEY.get(), Some(Some(_)))
}

fn cipher() -> Option<Aes256Siv> {
    KEY.get()
        .copied()
        .flatten()
        .map(|k| Aes256Siv::new(&k.into()))
}

/// The stored text of `value`: sealed when a key is installed, else as typed.
/// An empty value stays empty (nothing to hide, and "none given" stays visible).
pub fn seal(value: &str) -> String {
    match cipher() {
        Some(mut c) if !value.is_empty() => match c.encrypt([HEADER], value.as_bytes()) {
            Ok(bytes) => format!(
                "{PREFIX}{}",
                base64::engine::general_purpose::STANDARD_NO_PAD.encode(bytes)
            ),
            // Encryption of a short text under a valid key does not fail.
            Err(_) => unreachable!("AES-SIV refused to seal"),
        },
        _ => typed_form(value),
    }
}

/// The stored text of `value` without a key: as typed, unless it starts like a
/// stored form, then marked so that it reads back as typed.
fn typed_form(value: &str) -> String {
    if value.starts_with(PREFIX) || value.starts_with(PLAIN) {
        format!("{PLAIN}{value}")
    } else {
        value.to_owned()
    }
}

/// The value of stored text: opened when sealed, else as it is.
pub fn open(stored: &str) -> Result<String, OpenError> {
    if let Some(typed) = stored.strip_prefix(PLAIN) {
        return Ok(typed.to_owned());
    }
    let Some(body) = stored.strip_prefix(PREFIX) else {
        return Ok(stored.to_owned());
    };
    let mut c = cipher().ok_or(OpenError::NoKey)?;
    let bytes = base64::engine::general_purpose::STANDARD_NO_PAD
        .decode(body)
        .map_err(|_| OpenError::WrongKey)?;
    let plain = c
        .decrypt([HEADER], &bytes)
        .map_err(|_| OpenError::WrongKey)?;
    String::from_utf8(plain).map_err(|_| OpenError::WrongKey)
}

/// Starts a file sealed by [`seal_bytes`].
const FILE_PREFIX: &[u8] = b"kefu sealed file v1\0";
/// Authenticated with every sealed file, apart from the values' header: a
/// file's bytes never pass for a value, nor a value's for a file.
const FILE_HEADER: &[u8] = b"kefu personal data file v1";

/// The stored bytes of an uploaded file that holds personal data (a room list
/// between its preview and its commit): sealed when a key is installed, else
/// as uploaded.
pub fn seal_bytes(file: &[u8]) -> Vec<u8> {
    match cipher() {
        Some(mut c) => match c.encrypt([FILE_HEADER], file) {
            Ok(bytes) => [FILE_PREFIX, &bytes].concat(),
            // Encryption under a valid key does not fail.
            Err(_) => unreachable!("AES-SIV refused to seal"),
        },
        None => file.to_vec(),
    }
}

/// The file of stored bytes: opened when sealed, else as they are (stored
/// without a key). A file sealed under another key, or with none installed
/// now, does not open: its uploader sends it again.
pub fn open_bytes(stored: &[u8]) -> Result<Vec<u8>, OpenError> {
    let Some(body) = stored.strip_prefix(FILE_PREFIX) else {
        return Ok(stored.to_vec());
    };
    let mut c = cipher().ok_or(OpenError::NoKey)?;
    c.decrypt([FILE_HEADER], body)
        .map_err(|_| OpenError::WrongKey)
}

#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("a sealed value was read but KEFU_DATA_KEY is not set")]
    NoKey,
    #[error("a sealed value does not open with this KEFU_DATA_KEY (another key, or damaged)")]
    WrongKey,
}

impl FromSql<SealedText, Pg> for Sealed {
    fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
        let stored = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
        Ok(Sealed(open(&stored)?))
    }
}

impl ToSql<SealedText, Pg> for Sealed {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
        out.write_all(seal(&self.0).as_bytes())?;
        Ok(serialize::IsNull::No)
    }
}

/// The sealed columns: (table, key column, column).
const COLUMNS: [(&str, &str, &str); 3] = [
    ("residents", "id", "id_number"),
    ("key_loans", "id", "borrower_id_number"),
    ("users", "id", "totp_secret"),
];

#[derive(diesel::QueryableByName)]
struct Plain {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    value: String,
}

/// At an instance's start: with a key, seals what was stored without one;
/// without a key, refuses to start over sealed values, else warns.
pub async fn at_start(conn: &mut AsyncPgConnection) -> anyhow::Result<()> {
    if active() {
        let n = seal_stored(conn).await?;
        if n > 0 {
            tracing::info!(
                values = n,
                "personal data written before KEFU_DATA_KEY sealed"
            );
        }
    } else {
        check_openable(conn).await?;
        tracing::warn!("KEFU_DATA_KEY is not set: ID numbers are stored as typed, not sealed");
    }
    Ok(())
}

/// Refuses to go on without a key when sealed values are stored: they could
/// not be read, and values written now would not be sealed.
pub async fn check_openable(conn: &mut AsyncPgConnection) -> anyhow::Result<()> {
    if active() {
        return Ok(());
    }
    for (table, _, column) in COLUMNS {
        #[derive(diesel::QueryableByName)]
        struct Found {
            #[diesel(sql_type = diesel::sql_types::Bool)]
            found: bool,
        }
        let f: Found = diesel::sql_query(format!(
            "SELECT EXISTS (SELECT 1 FROM {table} WHERE {column} LIKE '{PREFIX}%') AS found"
        ))
        .get_result(conn)
        .await?;
        if f.found {
            anyhow::bail!(
                "{table}.{column} holds values sealed with KEFU_DATA_KEY, which is not set: \
                 set it as on the other instances"
            );
        }
    }
    Ok(())
}

/// Seals the values written without a key (before `KEFU_DATA_KEY` was set),
/// a thousand at a time; returns how many. Run at start; instances starting
/// together seal the same values to the same text.
pub async fn seal_stored(conn: &mut AsyncPgConnection) -> anyhow::Result<usize> {
    if !active() {
        return Ok(0);
    }
    let mut sealed = 0;
    for (table, key, column) in COLUMNS {
        loop {
            let plain: Vec<Plain> = diesel::sql_query(format!(
                "SELECT {key} AS id, {column} AS value FROM {table} \
                 WHERE {column} <> '' AND {column} NOT LIKE '{PREFIX}%' LIMIT 1000"
            ))
            .load(conn)
            .await?;
            if plain.is_empty() {
                break;
            }
            let ids: Vec<i64> = plain.iter().map(|p| p.id).collect();
            let values = plain
                .iter()
                .map(|p| open(&p.value).map(|typed| seal(&typed)))
                .collect::<Result<Vec<String>, OpenError>>()?;
            sealed += diesel::sql_query(format!(
                "UPDATE {table} t SET {column} = v.value \
                 FROM unnest($1::bigint[], $2::text[]) AS v(id, value) \
                 WHERE t.{key} = v.id AND t.{column} NOT LIKE '{PREFIX}%'"
            ))
            .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(&ids)
            .bind::<diesel::sql_types::Array<Text>, _>(&values)
            .execute(conn)
            .await?;
        }
    }
    Ok(sealed)
}

/// Writes the sealed values back as typed (`kefu unseal`): before rolling the
/// database back past the migration that made room for sealed values, or to
/// leave a key behind (unseal with the old key, then start with the new one).
/// Returns how many.
pub async fn unseal_stored(conn: &mut AsyncPgConnection) -> anyhow::Result<usize> {
    if !active() {
        anyhow::bail!("KEFU_DATA_KEY is not set: nothing can be unsealed");
    }
    let mut opened = 0;
    for (table, key, column) in COLUMNS {
        loop {
            let stored: Vec<Plain> = diesel::sql_query(format!(
                "SELECT {key} AS id, {column} AS value FROM {table} \
                 WHERE {column} LIKE '{PREFIX}%' LIMIT 1000"
            ))
            .load(conn)
            .await?;
            if stored.is_empty() {
                break;
            }
            let ids: Vec<i64> = stored.iter().map(|p| p.id).collect();
            let values = stored
                .iter()
                .map(|p| open(&p.value).map(|typed| typed_form(&typed)))
                .collect::<Result<Vec<String>, OpenError>>()?;
            opened += diesel::sql_query(format!(
                "UPDATE {table} t SET {column} = v.value \
                 FROM unnest($1::bigint[], $2::text[]) AS v(id, value) \
                 WHERE t.{key} = v.id AND t.{column} LIKE '{PREFIX}%'"
            ))
            .bind::<diesel::sql_types::Array<diesel::sql_types::BigInt>, _>(&ids)
            .bind::<diesel::sql_types::Array<Text>, _>(&values)
            .execute(conn)
            .await?;
        }
    }
    Ok(opened)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_that_looks_stored_reads_back_as_typed_without_a_key() {
        for typed in ["s1:abc", "p1:x", "E1234567"] {
            assert_eq!(open(&typed_form(typed)).unwrap(), typed);
        }
        assert_eq!(typed_form("E1234567"), "E1234567", "as typed");
    }

    #[test]
    fn a_value_seals_to_the_same_text_and_opens_again() {
        install(Some("unit-test-data-key-0123456789abcdef"));
        let a = seal("11010519491231002X");
        assert!(a.starts_with(PREFIX), "{a}");
        assert!(!a.contains("1101051949"));
        assert_eq!(a, seal("11010519491231002X"), "deterministic");
        assert_ne!(a, seal("110105194912310021"));
        assert_eq!(open(&a).unwrap(), "11010519491231002X");
        assert_eq!(seal(""), "", "nothing to hide");
        assert_eq!(
            open("旧数据 123").unwrap(),
            "旧数据 123",
            "written before a key"
        );
        assert_eq!(open(&seal("s1:abc")).unwrap(), "s1:abc");
        // One character of the sealed text changed.
        let at = PREFIX.len() + 4;
        let was = &a[at..at + 1];
        let damaged = format!(
            "{}{}{}",
            &a[..at],
            if was == "A" { "B" } else { "A" },
            &a[at + 1..]
        );
        assert!(matches!(open(&damaged), Err(OpenError::WrongKey)));
    }

    #[test]
    fn a_file_seals_and_opens_again_and_no_value_passes_for_it() {
        install(Some("unit-test-data-key-0123456789abcdef"));
        let file = "栋号,单元,楼层,房号,身份证号\n1,1,1,101,11010519491231002X\n".as_bytes();
        let stored = seal_bytes(file);
        assert!(stored.starts_with(FILE_PREFIX));
        assert!(!String::from_utf8_lossy(&stored).contains("1101051949"));
        assert_eq!(open_bytes(&stored).unwrap(), file);
        assert_eq!(
            open_bytes(b"PK\x03\x04 old").unwrap(),
            b"PK\x03\x04 old",
            "stored before a key"
        );
        let mut damaged = stored.clone();
        *damaged.last_mut().unwrap() ^= 1;
        assert!(matches!(open_bytes(&damaged), Err(OpenError::WrongKey)));
        // A sealed value's bytes under the file prefix do not open as a file.
        let value = seal("11010519491231002X");
        let body = base64::engine::general_purpose::STANDARD_NO_PAD
            .decode(&value[PREFIX.len()..])
            .unwrap();
        let forged = [FILE_PREFIX, &body].concat();
        assert!(matches!(open_bytes(&forged), Err(OpenError::WrongKey)));
    }

    #[test]
    fn a_sealed_value_is_not_written_to_logs() {
        let shown = format!("{:?}", Sealed("11010519491231002X".into()));
        assert_eq!(shown, "Sealed(18 chars)");
    }
}
