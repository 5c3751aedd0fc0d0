//! The user form: raw input, and the checks it must pass.
use serde::Deserialize;

use crate::i18n::Locale;
use crate::web::FieldErrors;

/// What the browser sent. Kept as typed so a re-shown form loses nothing.
#[derive(Deserialize, Default, Debug, Clone)]
pub struct UserInput {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub display_name: String,
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub locale: String,
    #[serde(default)]
    pub roles: Vec<String>,
    /// The projects the person serves (ticked ids); none: every project.
    #[serde(default)]
    pub projects: Vec<String>,
    /// A checkbox: present when ticked.
    #[serde(default)]
    pub active: Option<String>,
    /// When the account was last changed, as the edit form read it (microseconds):
    /// a change made since is not overwritten unseen.
    #[serde(default)]
    pub seen: String,
    /// The new-user form only: its one-time token (`web::once`).
    #[serde(default)]
    pub form_token: String,
}

/// The same input once it has passed the checks.
pub struct ValidUser {
    pub username: String,
    pub display_name: String,
    pub email: String,
    pub locale: Locale,
    pub roles: Vec<String>,
    pub projects: Vec<i64>,
    pub active: bool,
}

pub fn valid_username(s: &str) -> bool {
    let b = s.as_bytes();
    (2..=32).contains(&b.len())
        && b[0].is_ascii_lowercase() | b[0].is_ascii_digit()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || b"._-".contains(c))
}

/// A plain check of the address's shape; delivery is what really proves it.
pub fn valid_email(s: &str) -> bool {
    let Some((local, domain)) = s.rsplit_once('@') else {
        return false;
    };
    s.len() <= 254
        && !local.is_empty()
        && local.len() <= 64
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>')
        && !local.contains('@')
}

impl UserInput {
    /// Checks the input. `known_roles` are the role codes that exist,
    /// `known_projects` the ids of the projects.
    pub fn validate(
        &self,
        errors: &mut FieldErrors,
        known_roles: &[String],
        known_projects: &[i64],
    ) -> Option<ValidUser> {
        let username = self.username.trim().to_lowercase();
        if username.is_empty() {
            errors.add("username", "users.error.username_required");
        } else if !valid_username(&username) {
            errors.add("username", "users.error.username_invalid");
        }
        let display_name = self.display_name.trim().to_owned();
        if display_name.is_empty() {
            errors.add("display_name", "users.error.display_name_required");
        } else if display_name.chars().count() > 64 {
            errors.add("display_name", "users.error.display_name_too_long");
        }
        let email = self.email.trim().to_owned();
        if email.is_empty() {
            errors.add("email", "users.error.email_required");
        } else if !valid_email(&email) {
            errors.add("email", "users.error.email_invalid");
        }
        let locale = Locale::parse(&self.locale).unwrap_or_default();
        let mut roles: Vec<String> = Vec::new();
        for r in &self.roles {
            if !known_roles.contains(r) {
                errors.add("roles", "users.error.role_unknown");
            } else if !roles.contains(r) {
                roles.push(r.clone());
            }
        }
        if roles.is_empty() {
            errors.add("roles", "users.error.roles_required");
        }
        let mut projects: Vec<i64> = Vec::new();
        for p in &self.projects {
            match p.trim().parse::<i64>() {
                Ok(id) if known_projects.contains(&id) => {
                    if !projects.contains(&id) {
                        projects.push(id);
                    }
                }
                _ => errors.add("projects", "users.error.project_unknown"),
            }
        }
        if !errors.is_empty() {
            return None;
        }
        Some(ValidUser {
            username,
            display_name,
            email,
            locale,
            roles,
            projects,
            active: self.active.is_some(),
        })
    }

    pub fn has_role(&self, code: &str) -> bool {
        self.roles.iter().any(|r| r == code)
    }

    pub fn serves(&self, project: &i64) -> bool {
        let id = project.to_string();
        self.projects.iter().any(|p| p.trim() == id)
    }

    pub fn is_active(&self) -> bool {
        self.active.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn roles() -> Vec<String> {
        vec!["employee".into(), "admin".into()]
    }

    fn input() -> UserInput {
        UserInput {
            username: " Wang.Fang ".into(),
            display_name: "王芳".into(),
            email: "wang@example.com".into(),
            locale: "en".into(),
            roles: vec!["employee".into()],
            projects: vec!["7".into()],
            active: Some("on".into()),
            seen: String::new(),
            form_token: String::new(),
        }
    }

    #[test]
    fn a_good_user_passes_and_is_normalised() {
        let mut e = FieldErrors::new(Locale::En);
        let v = input().validate(&mut e, &roles(), &[7]).expect("valid");
        assert_eq!(v.username, "wang.fang");
        assert_eq!(v.projects, vec![7]);
        assert_eq!(v.locale, Locale::En);
        assert!(v.active);
    }

    #[test]
    fn each_bad_field_gets_its_own_message() {
        let mut e = FieldErrors::new(Locale::En);
        let bad = UserInput {
            username: "王".into(),
            display_name: " ".into(),
            email: "nobody".into(),
            roles: vec!["pope".into()],
            projects: vec!["8".into(), "x".into()],
            ..input()
        };
        assert!(bad.validate(&mut e, &roles(), &[7]).is_none());
        for f in ["username", "display_name", "email", "roles", "projects"] {
            assert!(e.has(f), "{f}: {e:?}");
        }
    }

    #[test]
    fn email_shapes() {
        assert!(valid_email("a.b@c.example"));
        assert!(!valid_email("a b@c.example"));
        assert!(!valid_email("a@localhost"));
        assert!(!valid_email("a@b.c\r\nBcc: x@y.z"));
    }
}
