//! Email links that mail scanners cannot use to decide.
//!
//! A link carries a random 256-bit token; only its SHA-256 is stored, bound to
//! one task (one approver, one step), the recipient, and the request's version,
//! with an expiry. Opening it (GET/HEAD) only shows; deciding is a POST from a
//! signed-in session of that recipient with its CSRF token, and the token is
//! consumed in the same transaction as the decision.
use std::borrow::Cow;

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use diesel_async::{AsyncPgConnection, RunQueryDsl};
use sha2::{Digest, Sha256};

use super::models::{Request, Task};
use super::queries;
use crate::schema::approval_links;

#[derive(Queryable, Selectable, Debug, Clone)]
#[diesel(table_name = approval_links)]
pub struct Link {
    pub token_hash: Vec<u8>,
    pub task_id: i64,
    pub user_id: i64,
    pub request_version: i32,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

/// What a link is worth now.
pub enum State {
    /// No such link: mistyped, cut off by a mail client, or made up.
    Unknown,
    /// Already used to decide.
    Used {
        link: Link,
        task: Task,
    },
    /// The request was decided (or withdrawn, or moved on) by other means.
    Closed {
        link: Link,
        task: Task,
        req: Request,
    },
    /// The request was changed after this link was mailed.
    Outdated {
        link: Link,
        req: Request,
    },
    Expired {
        link: Link,
    },
    Valid {
        link: Link,
        task: Task,
        req: Request,
    },
}

impl State {
    /// The link looked at, when there is one.
    pub fn link(&self) -> Option<&Link> {
        match self {
            State::Unknown => None,
            State::Used { link, .. }
            | State::Closed { link, .. }
            | State::Outdated { link, .. }
            | State::Expired { link }
            | State::Valid { link, .. } => Some(link),
        }
    }
}

/// Stores the link of `token` (a [`crate::web::context::new_token`], in clear only
/// in the mail that carries it; its hash is what is kept) for `user_id` to decide
/// `task_id`.
pub async fn create(
    conn: &mut impl crate::db::Read,
    token: &str,
    task_id: i64,
    user_id: i64,
    version: i32,
    expires_at: DateTime<Utc>,
) -> QueryResult<()> {
    diesel::insert_into(approval_links::table)
        .values((
            approval_links::token_hash.eq(hash(token)),
            approval_links::task_id.eq(task_id),
            approval_links::user_id.eq(user_id),
            approval_links::request_version.eq(version),
            approval_links::expires_at.eq(expires_at),
        ))
        .execute(conn)
        .await?;
    Ok(())
}

pub fn hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// Tokens are 64 lowercase hex digits; anything else is not looked up.
pub fn well_formed(token: &str) -> bool {
    token.len() == 64
        && token
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// `text` with the token of every approval link in it hidden
/// ("/approvals/link/…"): a mail as anyone but its recipient may read it. The
/// outbox keeps the token in clear only so that the mail can be sent.
pub fn hide_tokens(text: &str) -> Cow<'_, str> {
    const AT: &str = "/approvals/link/";
    if !text.contains(AT) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find(AT) {
        let (head, tail) = rest.split_at(i + AT.len());
        out.push_str(head);
        let len = tail
            .bytes()
            .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-' || *b == b'_')
            .count();
        if len > 0 {
            out.push('…');
        }
        rest = &tail[len..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Looks the link up and judges it at `now`. With `lock`, the link row stays
/// locked until the transaction ends, so only one POST can use it.
pub async fn inspect(
    conn: &mut AsyncPgConnection,
    token: &str,
    now: DateTime<Utc>,
    lock: bool,
) -> QueryResult<State> {
    if !well_formed(token) {
        return Ok(State::Unknown);
    }
    let q = approval_links::table
        .find(hash(token))
        .select(Link::as_select());
    let link = if lock {
        q.for_update().first(conn).await.optional()?
    } else {
        q.first(conn).await.optional()?
    };
    let Some(link) = link else {
        return Ok(State::Unknown);
    };
    let task = queries::get_task(conn, link.task_id).await?;
    if link.used_at.is_some() {
        return Ok(State::Used { link, task });
    }
    let req = queries::get_request(conn, task.request_id).await?;
    if task.status != "pending" || req.status != "pending" {
        return Ok(State::Closed { link, task, req });
    }
    if req.version != link.request_version {
        return Ok(State::Outdated { link, req });
    }
    if link.expires_at <= now {
        return Ok(State::Expired { link });
    }
    Ok(State::Valid { link, task, req })
}

#[cfg(test)]
mod tests {
    use super::{hide_tokens, well_formed};

    #[test]
    fn a_mails_approval_tokens_are_hidden_and_the_rest_kept() {
        let t = "ab".repeat(32);
        let text = format!(
            "打开 http://x/approvals/link/{t} 审批。\n<a href=\"http://x/approvals/link/{t}\">审批</a>"
        );
        assert_eq!(
            hide_tokens(&text),
            "打开 http://x/approvals/link/… 审批。\n<a href=\"http://x/approvals/link/…\">审批</a>"
        );
        assert_eq!(hide_tokens("第 0 封"), "第 0 封");
        assert_eq!(hide_tokens("/approvals/link/"), "/approvals/link/");
    }

    #[test]
    fn only_real_looking_tokens_are_looked_up() {
        assert!(well_formed(&"ab".repeat(32)));
        assert!(!well_formed("ab"));
        assert!(!well_formed(&"AB".repeat(32)));
        assert!(!well_formed(&"zz".repeat(32)));
    }
}
