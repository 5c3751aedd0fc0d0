//! Messages for the next page ("Saved", "Leave request filed"), carried in a
//! signed cookie rather than in the server-side session.
//!
//! A handler queues a message with [`flash`]; during the request it waits in the
//! session's state, and [`carry`] (in the identity middleware) moves it into the
//! `kefu_flash` cookie of the answer. The session's state is then as it was
//! loaded, so the session store writes nothing: a form that only says "done"
//! costs no session write, and the next page can still use the cached session.
//! The page that shows the messages takes them ([`take`]) and the answer clears
//! the cookie; a redirect or an error page in between leaves them waiting.
use actix_session::Session;
use actix_web::body::MessageBody;
use actix_web::cookie::{Cookie, CookieJar, Key, SameSite};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::{web, HttpMessage, HttpRequest};
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::config::Config;

pub const FLASH_COOKIE: &str = "kefu_flash";
/// Session-state key of messages queued by this request (never stored).
const FLASH_KEY: &str = "flash";
/// Most messages kept for the next page: a client that posts again and again
/// without reading the answer (a script, a benchmark) must not grow its cookie.
const MAX: usize = 5;
/// Browsers drop cookies over 4 KB; the oldest messages go first.
const MAX_COOKIE: usize = 3500;
/// Marks our cookie's value (inside the signature), so that no other signed
/// value could pass for a list of messages.
const PREFIX: &str = "f1.";

/// What a message says of the action before it; picks the style (`flash-ok`,
/// `flash-warn`, `flash-error`). A page with an `ok` or `warn` message confirms a
/// save, and the browser then drops the form drafts it kept (`static/js/app.js`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tone {
    /// Done.
    Ok,
    /// Done, with something to heed (a register filed late).
    Warn,
    /// Not done, or not as asked: the form's draft stays.
    Error,
}

impl Tone {
    pub fn class(self) -> &'static str {
        match self {
            Tone::Ok => "flash-ok",
            Tone::Warn => "flash-warn",
            Tone::Error => "flash-error",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Flash {
    pub kind: Tone,
    pub text: String,
}

/// Queues a message for the next page this browser shows.
pub fn flash(session: &Session, kind: Tone, text: impl Into<String>) {
    let mut list: Vec<Flash> = session.get(FLASH_KEY).ok().flatten().unwrap_or_default();
    list.push(Flash {
        kind,
        text: text.into(),
    });
    cap(&mut list);
    let _ = session.insert(FLASH_KEY, list);
}

fn cap(list: &mut Vec<Flash>) {
    if list.len() > MAX {
        list.drain(..list.len() - MAX);
    }
}

/// Messages that arrived with the request's cookie, until a page shows them.
struct Waiting(Vec<Flash>);

/// The messages a page shows: those the cookie brought, then those this very
/// request queued. They are gone once taken.
pub fn take(req: &HttpRequest, session: &Session) -> Vec<Flash> {
    let mut list = req
        .extensions_mut()
        .remove::<Waiting>()
        .map(|w| w.0)
        .unwrap_or_default();
    if let Ok(Some(queued)) = session.get::<Vec<Flash>>(FLASH_KEY) {
        session.remove(FLASH_KEY);
        list.extend(queued);
    }
    list
}

fn key(req: &HttpRequest) -> Option<&Key> {
    req.app_data::<web::Data<Config>>().map(|c| &c.session_key)
}

/// Reads the request's cookie (before the handler).
pub fn arrive(req: &ServiceRequest) {
    let Some(cookie) = req.cookie(FLASH_COOKIE) else {
        return;
    };
    let list = key(req.request())
        .and_then(|key| decode(key, cookie))
        .unwrap_or_default();
    // An empty list still marks the cookie as present, so the answer clears it.
    req.extensions_mut().insert(Waiting(list));
}

/// Moves what is waiting or queued into the answer's cookie, or clears the
/// cookie once its messages were shown (after the handler).
pub fn carry<B: MessageBody>(
    session: &Session,
    res: &mut ServiceResponse<B>,
) -> Result<(), actix_web::Error> {
    let arrived = res.request().cookie(FLASH_COOKIE).is_some();
    let waiting = res.request().extensions_mut().remove::<Waiting>();
    let mut list = waiting.map(|w| w.0).unwrap_or_default();
    let still_waiting = !list.is_empty();
    if let Ok(Some(queued)) = session.get::<Vec<Flash>>(FLASH_KEY) {
        session.remove(FLASH_KEY);
        list.extend(queued);
        cap(&mut list);
    } else if still_waiting || !arrived {
        // Nothing new: the cookie stays as the browser has it (or there is none).
        return Ok(());
    }
    let secure = crate::web::middleware::secure_cookies(res.request());
    let Some(key) = key(res.request()).cloned() else {
        return Ok(());
    };
    let cookie = if list.is_empty() {
        let mut c = Cookie::build(FLASH_COOKIE, "").path("/").finish();
        c.make_removal();
        c
    } else {
        encode(&key, &mut list, secure)
    };
    res.response_mut().add_cookie(&cookie)?;
    Ok(())
}

fn encode(key: &Key, list: &mut Vec<Flash>, secure: bool) -> Cookie<'static> {
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    loop {
        let json = serde_json::to_vec(&list).unwrap_or_default();
        let value = format!("{PREFIX}{}", b64.encode(json));
        if value.len() <= MAX_COOKIE || list.len() <= 1 {
            let mut jar = CookieJar::new();
            jar.signed_mut(key).add(
                Cookie::build(FLASH_COOKIE, value)
                    .path("/")
                    .http_only(true)
                    .secure(secure)
                    .same_site(SameSite::Lax)
                    .finish(),
            );
            return jar
                .get(FLASH_COOKIE)
                .cloned()
                .expect("the jar holds the cookie just added");
        }
        list.remove(0);
    }
}

fn decode(key: &Key, cookie: Cookie<'static>) -> Option<Vec<Flash>> {
    let jar = CookieJar::new();
    let verified = jar.signed(key).verify(cookie)?;
    let data = verified.value().strip_prefix(PREFIX)?;
    let json = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(data)
        .ok()?;
    serde_json::from_slice(&json).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(text: &str) -> Flash {
        Flash {
            kind: Tone::Ok,
            text: text.into(),
        }
    }

    #[test]
    fn a_signed_list_reads_back_and_a_forged_one_does_not() {
        let key = Key::generate();
        let mut list = vec![msg("已保存"), msg("Saved")];
        let cookie = encode(&key, &mut list, false);
        assert_eq!(decode(&key, cookie.clone()), Some(list));
        // Another key (another site, or a value made up by hand) does not verify.
        assert_eq!(decode(&Key::generate(), cookie.clone()), None);
        let mut forged = cookie;
        let v = forged.value().replace("f1.", "f1.A");
        forged.set_value(v);
        assert_eq!(decode(&key, forged), None);
    }

    #[test]
    fn an_oversized_list_drops_its_oldest_messages() {
        let key = Key::generate();
        let long = "长".repeat(400);
        let mut list: Vec<Flash> = (0..5).map(|i| msg(&format!("{i}{long}"))).collect();
        let cookie = encode(&key, &mut list, true);
        assert!(cookie.value().len() < 4000, "{}", cookie.value().len());
        let back = decode(&key, cookie).unwrap();
        assert!(back.len() < 5);
        assert!(back.last().unwrap().text.starts_with('4'));
    }

    #[test]
    fn at_most_five_messages_wait() {
        let mut list: Vec<Flash> = (0..7).map(|i| msg(&i.to_string())).collect();
        cap(&mut list);
        let texts: Vec<&str> = list.iter().map(|f| f.text.as_str()).collect();
        assert_eq!(texts, ["2", "3", "4", "5", "6"]);
    }
}
