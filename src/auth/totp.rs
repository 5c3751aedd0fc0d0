//! The optional second factor at sign-in (SPEC §5): a time-based one-time code
//! (TOTP, RFC 6238: six digits, a new one every 30 seconds, HMAC-SHA-1, one step
//! of clock drift either side) from an authenticator app on the user's phone.
//!
//! A user turns it on from their account page by scanning a QR code and typing
//! the first code; from then on sign-in asks for a code after the password
//! (`auth::second_factor`). A code is accepted once: the time step it matched
//! is recorded, and no code of that step or an earlier one is accepted again.
//! An admin turns it off for someone who lost their phone.
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use totp_rs::{Builder, Secret, Totp};

use crate::schema::users;

/// The name the authenticator app shows above the account.
pub const ISSUER: &str = "kefu";

/// What a code a user types must look like, once spaces are taken out.
pub const DIGITS: usize = 6;

/// A new random secret (20 bytes, as RFC 4226 recommends), in base32.
pub fn new_secret() -> String {
    Secret::generate().to_base32()
}

fn totp(secret: &str, account: &str) -> Option<Totp> {
    let bytes = Secret::try_from_base32(secret).ok()?;
    Builder::new()
        .with_secret(bytes)
        .with_account_name(account)
        .with_issuer(Some(ISSUER))
        .build()
        .ok()
}

/// The code as typed, without spaces, if it is six digits.
pub fn well_formed(code: &str) -> Option<String> {
    let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    (code.len() == DIGITS && code.bytes().all(|b| b.is_ascii_digit())).then_some(code)
}

/// The time step (seconds ÷ 30) that `code` is right for at `now`, one step of
/// drift either side, if it is right at all. Recording the step is the caller's
/// part ([`use_step`]), so that a code is never accepted twice.
pub fn matched_step(secret: &str, code: &str, now: DateTime<Utc>) -> Option<i64> {
    let code = well_formed(code)?;
    let at = u64::try_from(now.timestamp()).ok()?;
    let step = totp(secret, "-")?.check(&code, at)?;
    i64::try_from(step).ok()
}

/// The `otpauth://` address an authenticator app reads from the QR code, and that
/// QR code as an SVG image in a `data:` URL (the page's CSP allows those).
pub fn qr_code(secret: &str, account: &str) -> Option<String> {
    use base64::Engine;
    let url = totp(secret, account)?.to_url().ok()?;
    let svg = qrcode::QrCode::new(url.as_bytes())
        .ok()?
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .build();
    Some(format!(
        "data:image/svg+xml;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(svg)
    ))
}

/// The secret in groups of four, as a person types it into an app.
pub fn grouped(secret: &str) -> String {
    secret
        .as_bytes()
        .chunks(4)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

use crate::db::sealed::Sealed;

/// A user's second factor, when it is on.
#[derive(Debug, Clone)]
pub struct SecondFactor {
    pub secret: String,
    pub enabled_at: DateTime<Utc>,
}

pub async fn of(conn: &mut AsyncPgConnection, user: i64) -> QueryResult<Option<SecondFactor>> {
    let row: Option<(Option<Sealed>, Option<DateTime<Utc>>)> = users::table
        .find(user)
        .select((users::totp_secret, users::totp_enabled_at))
        .first(conn)
        .await
        .optional()?;
    Ok(match row {
        Some((Some(secret), Some(enabled_at))) => Some(SecondFactor {
            secret: secret.0,
            enabled_at,
        }),
        _ => None,
    })
}

/// Turns the second factor on with `secret`, whose first code matched `step`.
/// False when it was already on (a second click).
pub async fn enable(
    conn: &mut AsyncPgConnection,
    user: i64,
    secret: &str,
    step: i64,
) -> QueryResult<bool> {
    let n = diesel::update(users::table.find(user).filter(users::totp_secret.is_null()))
        .set((
            users::totp_secret.eq(Sealed::from(secret)),
            users::totp_enabled_at.eq(diesel::dsl::now),
            users::totp_last_step.eq(step),
        ))
        .execute(conn)
        .await?;
    Ok(n == 1)
}

/// Records that a code of `step` was used. False when a code of that step or a
/// later one was used already: the code is spent.
pub async fn use_step(conn: &mut AsyncPgConnection, user: i64, step: i64) -> QueryResult<bool> {
    let n = diesel::update(
        users::table
            .find(user)
            .filter(users::totp_secret.is_not_null())
            .filter(
                users::totp_last_step
                    .is_null()
                    .or(users::totp_last_step.lt(step)),
            ),
    )
    .set(users::totp_last_step.eq(step))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

/// Turns the second factor off. False when it was not on.
pub async fn disable(conn: &mut AsyncPgConnection, user: i64) -> QueryResult<bool> {
    let n = diesel::update(
        users::table
            .find(user)
            .filter(users::totp_secret.is_not_null()),
    )
    .set((
        users::totp_secret.eq(None::<Sealed>),
        users::totp_enabled_at.eq(None::<DateTime<Utc>>),
        users::totp_last_step.eq(None::<i64>),
    ))
    .execute(conn)
    .await?;
    Ok(n == 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_code_matches_its_own_step_and_one_either_side_only() {
        let secret = new_secret();
        let t = Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 15).unwrap();
        let at = |t: DateTime<Utc>| {
            totp(&secret, "x")
                .unwrap()
                .generate(t.timestamp() as u64)
                .to_string()
        };
        let code = at(t);
        let step = t.timestamp() / 30;
        assert_eq!(matched_step(&secret, &code, t), Some(step));
        let spaced = format!("{} {}", &code[..3], &code[3..]);
        assert_eq!(matched_step(&secret, &spaced, t), Some(step));
        let late = t + chrono::Duration::seconds(30);
        assert_eq!(matched_step(&secret, &code, late), Some(step));
        let too_late = t + chrono::Duration::seconds(90);
        assert_eq!(matched_step(&secret, &code, too_late), None);
        assert_eq!(matched_step(&secret, "12345", t), None);
        assert_eq!(matched_step(&secret, "12345a", t), None);
        assert_eq!(matched_step("not base32!", &code, t), None);
    }

    #[test]
    fn the_secret_is_shown_in_groups_and_as_a_qr_code() {
        assert_eq!(grouped("ABCDEFGHIJ"), "ABCD EFGH IJ");
        let qr = qr_code(&new_secret(), "manager").unwrap();
        assert!(qr.starts_with("data:image/svg+xml;base64,"));
    }
}
