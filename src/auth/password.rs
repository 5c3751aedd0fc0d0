//! Password hashing (argon2id) and one-time passwords.
use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher, PasswordVerifier, SaltString,
};
use argon2::Argon2;
use rand::Rng;

use crate::web::FieldErrors;

pub const MIN_LEN: usize = 10;

/// Hashes on a blocking thread: argon2 is deliberately slow.
pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || hash_now(&password)).await?
}

pub fn hash_now(password: &str) -> anyhow::Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| anyhow::anyhow!("hashing a password: {e}"))
}

/// A valid hash of nothing anyone knows, checked when the username is unknown so
/// the answer takes as long as for a real account.
static DUMMY: std::sync::LazyLock<String> =
    std::sync::LazyLock::new(|| hash_now("kefu-no-such-user").unwrap_or_default());

/// Checks `password` against `stored` (or against a dummy when there is no account).
pub async fn verify(password: String, stored: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let stored = stored.unwrap_or_else(|| DUMMY.clone());
        let ok = PasswordHash::new(&stored)
            .map(|h| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &h)
                    .is_ok()
            })
            .unwrap_or(false);
        ok && known
    })
    .await
    .unwrap_or(false)
}

/// A one-time password an admin reads out to a user: 12 characters without the
/// look-alikes (0/O, 1/l/I).
pub fn one_time() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut rng = rand::rngs::OsRng;
    (0..12)
        .map(|_| ALPHABET[rng.gen_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The rules for a new password; messages go under `field`.
pub fn check_new(
    errors: &mut FieldErrors,
    field: &'static str,
    new: &str,
    confirm: &str,
    username: &str,
) {
    if new.chars().count() < MIN_LEN {
        errors.add(field, "password.too_short");
    } else if new.to_lowercase().contains(&username.to_lowercase()) {
        errors.add(field, "password.contains_username");
    } else if new.chars().all(|c| c == new.chars().next().unwrap_or(' ')) {
        errors.add(field, "password.too_simple");
    }
    if new != confirm {
        errors.add("confirm", "password.mismatch");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hash_verifies_only_its_password() {
        let h = hash("correct horse".into()).await.unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify("correct horse".into(), Some(h.clone())).await);
        assert!(!verify("wrong horse".into(), Some(h)).await);
        assert!(!verify("kefu-no-such-user".into(), None).await);
    }

    #[test]
    fn one_time_passwords_differ_and_avoid_look_alikes() {
        let a = one_time();
        assert_eq!(a.len(), 12);
        assert_ne!(a, one_time());
        assert!(!a.contains(['0', 'O', '1', 'l', 'I']));
    }

    #[test]
    fn new_password_rules() {
        let mut e = FieldErrors::new(crate::i18n::Locale::En);
        check_new(&mut e, "new", "short", "short", "wang");
        assert!(e.has("new"));
        let mut e = FieldErrors::new(crate::i18n::Locale::En);
        check_new(&mut e, "new", "wang-secret-1", "wang-secret-1", "wang");
        assert!(e.has("new"));
        let mut e = FieldErrors::new(crate::i18n::Locale::En);
        check_new(&mut e, "new", "a long secret", "a long secreT", "wang");
        assert!(e.has("confirm") && !e.has("new"));
        let mut e = FieldErrors::new(crate::i18n::Locale::En);
        check_new(&mut e, "new", "a long secret", "a long secret", "wang");
        assert!(e.is_empty());
    }
}
