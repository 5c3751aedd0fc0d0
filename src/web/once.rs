//! One-time form tokens: every form that creates a record carries a random token
//! (the `once` macro of `partials/form.html`), and the handler claims it in the
//! transaction that creates the record. A double click, the back button or a
//! retry after a slow answer sends the same token again: nothing more is
//! created, and the browser goes to what the first submit filed.
//!
//! A handler, in order:
//! 1. [`check`] before validating: a token this user already filed is answered
//!    with [`AppError::FormAlreadySent`] (303 to what it filed, with a message); a
//!    missing, malformed or someone else's token is a field error (a fresh token
//!    goes into the form, the input stays).
//! 2. In the creating transaction, first [`Token::claim`] (false: a concurrent
//!    submit has it, create nothing), last [`Token::filed`] with the new record's path;
//!    or [`Token::release`] when the filing is refused for what is on record (the
//!    form, changed, may be sent again).
//! 3. [`answer`] with what the transaction returned.
//!
//! A record filed in one statement ([`crate::db::With`]) instead: [`check_valid`]
//! after validating, [`Token::claim_in`] as the statement's first part, then
//! [`answer`] when it filed, [`taken`] when the claim found the token used.
use actix_session::Session;
use actix_web::HttpResponse;
use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};

use crate::error::AppError;
use crate::schema::form_submissions;
use crate::web::context::{flash, Tone};
use crate::web::{see_other, FieldErrors, UserPage};

/// The hidden field's name (and the field errors are recorded under).
pub const FIELD: &str = "form_token";

/// How long a used token is kept: a form sent again later than this files anew.
pub const KEEP_DAYS: i64 = 30;

/// A fresh token for a form about to be shown.
pub fn new_token() -> String {
    crate::web::context::new_token()
}

/// What [`crate::web::context::new_token`] makes: 64 lowercase hex digits.
fn well_formed(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// A well-formed token no submit had claimed when it was checked.
pub struct Token(String);

async fn lookup(
    conn: &mut AsyncPgConnection,
    token: &str,
) -> QueryResult<Option<(i64, Option<String>)>> {
    form_submissions::table
        .find(token)
        .select((form_submissions::user_id, form_submissions::result_path))
        .first(conn)
        .await
        .optional()
}

/// The redirect to what the first submit filed, saying so in the user's language.
fn already(session: &Session, page: &UserPage, path: String) -> AppError {
    flash(session, Tone::Ok, page.t("once.already_sent"));
    AppError::FormAlreadySent { path }
}

/// Looks at the form's token before anything else. `field` is the token the form
/// sent. `None` when it cannot be used: `errors` says so, and `field` holds a
/// fresh token for the form shown again.
pub async fn check(
    conn: &mut AsyncPgConnection,
    session: &Session,
    page: &UserPage,
    field: &mut String,
    errors: &mut FieldErrors,
) -> Result<Option<Token>, AppError> {
    if well_formed(field) {
        match lookup(conn, field).await? {
            None => return Ok(Some(Token(field.clone()))),
            Some((user, Some(path))) if user == page.user().id => {
                return Err(already(session, page, path))
            }
            // Someone else's token: never show where it led.
            Some(_) => {}
        }
    }
    errors.add(FIELD, "once.error.invalid");
    *field = new_token();
    Ok(None)
}

/// As [`check`], for a form already validated whose record is filed in one
/// statement ([`Token::claim_in`]): there a good form's well-formed token needs
/// no lookup, since the claim tells whether it was used ([`taken`] says the
/// rest). A form with errors is checked as [`check`] does.
pub async fn check_valid(
    conn: &mut AsyncPgConnection,
    session: &Session,
    page: &UserPage,
    field: &mut String,
    errors: &mut FieldErrors,
    valid: bool,
) -> Result<Option<Token>, AppError> {
    if valid && well_formed(field) {
        return Ok(Some(Token(field.clone())));
    }
    check(conn, session, page, field, errors).await
}

/// After a one-statement filing whose claim found the token used: this user's
/// own first submit is answered as [`check`] answers it (303 to what it filed);
/// someone else's token is a field error, with a fresh token in `field`.
pub async fn taken(
    conn: &mut AsyncPgConnection,
    session: &Session,
    page: &UserPage,
    field: &mut String,
    errors: &mut FieldErrors,
) -> Result<(), AppError> {
    sent_before(conn, session, page, field).await?;
    errors.add(FIELD, "once.error.invalid");
    *field = new_token();
    Ok(())
}

/// When a filing was refused for what is already on record (the same person's
/// leave at the same time, say), that record may be this very form's, sent
/// twice: then [`AppError::FormAlreadySent`], as [`check`] would have answered
/// had the first submit ended before. Otherwise nothing.
pub async fn sent_before(
    conn: &mut AsyncPgConnection,
    session: &Session,
    page: &UserPage,
    field: &str,
) -> Result<(), AppError> {
    if let Some((user, Some(path))) = lookup(conn, field).await? {
        if user == page.user().id {
            return Err(already(session, page, path));
        }
    }
    Ok(())
}

impl Token {
    /// Claims the token for `user_id`, first thing in the creating transaction.
    /// False when another submit holds it: create nothing and return `None` to
    /// [`answer`]. A concurrent submit waits here until the first one commits.
    pub async fn claim(&self, conn: &mut AsyncPgConnection, user_id: i64) -> QueryResult<bool> {
        let n = diesel::insert_into(form_submissions::table)
            .values((
                form_submissions::token.eq(&self.0),
                form_submissions::user_id.eq(user_id),
            ))
            .on_conflict_do_nothing()
            .execute(conn)
            .await?;
        Ok(n == 1)
    }

    /// As [`Token::claim`] and [`Token::filed`] at once, as the first part
    /// `claim` of a one-statement filing ([`crate::db::With`]): the record's
    /// path is the SQL expression `path` over the rows of `from` (its id drawn
    /// beforehand). The parts that read `claim` create nothing when a submit
    /// already holds the token; the statement then waits until that one ends.
    pub fn claim_in(&self, w: &mut crate::db::With, user_id: i64, path: &str, from: &str) {
        use diesel::sql_types::{BigInt, Text};
        let (token, user) = (
            w.bind::<Text, _>(self.0.clone()),
            w.bind::<BigInt, _>(user_id),
        );
        w.part(
            "claim",
            &format!(
                "INSERT INTO form_submissions (token, user_id, result_path) \
                 SELECT {token}, {user}, {path} FROM {from} \
                 ON CONFLICT DO NOTHING RETURNING result_path"
            ),
        );
    }

    /// Gives the token back, in the transaction that claimed it, when the
    /// filing was refused for what is already on record: the form, changed,
    /// may then be sent again rather than lead to what refused it.
    pub async fn release(&self, conn: &mut AsyncPgConnection) -> QueryResult<()> {
        diesel::delete(form_submissions::table.find(&self.0))
            .execute(conn)
            .await
            .map(|_| ())
    }

    /// Records where the created record is, last thing in the transaction.
    pub async fn filed(
        &self,
        conn: &mut AsyncPgConnection,
        path: String,
    ) -> QueryResult<Option<String>> {
        crate::db::cached(
            diesel::update(form_submissions::table.find(&self.0))
                .set(form_submissions::result_path.eq(&path)),
        )
        .execute(conn)
        .await?;
        Ok(Some(path))
    }
}

/// The answer once the creating transaction committed: `filed` is the path it
/// returned (flash the catalog message `ok_key`, go there), or `None` when a concurrent submit had
/// claimed the token (go where that one led). A token another user claimed at
/// the very same moment is refused with 400, showing nothing of theirs.
pub async fn answer(
    conn: &mut AsyncPgConnection,
    session: &Session,
    page: &UserPage,
    token: &Token,
    filed: Option<String>,
    ok_key: &str,
) -> Result<HttpResponse, AppError> {
    let ok = page.t(ok_key).to_owned();
    answer_saying(conn, session, page, token, filed, ok).await
}

/// As [`answer`], with the confirmation `ok` already written.
pub async fn answer_saying(
    conn: &mut AsyncPgConnection,
    session: &Session,
    page: &UserPage,
    token: &Token,
    filed: Option<String>,
    ok: String,
) -> Result<HttpResponse, AppError> {
    if let Some(path) = filed {
        flash(session, Tone::Ok, ok);
        return Ok(see_other(&path));
    }
    match lookup(conn, &token.0).await? {
        Some((user, Some(path))) if user == page.user().id => Err(already(session, page, path)),
        _ => Err(AppError::BadRequest),
    }
}

/// The `forms.cleanup` job: forgets tokens older than [`KEEP_DAYS`], room
/// imports never committed after a day (their files hold personal data), and
/// sign-in failures and locks that no longer count
/// ([`crate::auth::throttle::forget_old`]).
pub async fn cleanup(conn: &mut AsyncPgConnection, now: DateTime<Utc>) -> anyhow::Result<String> {
    let before = now - chrono::Duration::days(KEEP_DAYS);
    let n = diesel::delete(form_submissions::table.filter(form_submissions::created_at.lt(before)))
        .execute(conn)
        .await?;
    let imports = crate::properties::queries::forget_stale_imports(conn, now).await?;
    let sign_ins = crate::auth::throttle::forget_old(conn, now).await?;
    Ok(crate::jobs::joined(&[
        crate::jobs::counted("tokens_deleted", n),
        crate::jobs::counted("imports_deleted", imports),
        crate::jobs::counted("sign_ins_deleted", sign_ins),
    ]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_generated_tokens_are_well_formed() {
        assert!(well_formed(&new_token()));
        assert!(!well_formed(""));
        assert!(!well_formed(&"A".repeat(64)));
        assert!(!well_formed(&"a".repeat(63)));
        assert!(!well_formed(&format!("{}é", "a".repeat(62))));
    }
}
