//! A signature on a paper-replacing form (签领、签字): the signer types their name
//! and ticks a confirmation; where JavaScript runs they may also draw it
//! (static/js/signature.js fills `sign_drawing` with a PNG). The typed name must
//! match the person the record names, so a clerk cannot sign for the wrong owner.
use base64::Engine as _;

use super::FieldErrors;

/// A drawn signature larger than this is refused (a 480×160 PNG is a few KiB).
pub const MAX_DRAWING_BYTES: usize = 200 * 1024;
const PNG_MAGIC: &[u8] = b"\x89PNG\r\n\x1a\n";
const DATA_URL_PREFIX: &str = "data:image/png;base64,";

/// A validated signature, ready to store next to the record it signs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Signature {
    pub name: String,
    pub drawing_png: Option<Vec<u8>>,
}

/// Names compare without spaces and case: "张 三" signs for "张三".
fn normalise(name: &str) -> String {
    name.chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Reads the form's `sign_name`, `sign_confirm` and `sign_drawing`. With
/// `expected`, the typed name must be that person's. Messages go to `errors`
/// under those field names; `None` when anything is wrong.
pub fn parse(
    name: &str,
    confirm: Option<&str>,
    drawing: &str,
    expected: Option<&str>,
    errors: &mut FieldErrors,
) -> Option<Signature> {
    let name = name.trim();
    let before = errors.all().len();
    if name.is_empty() {
        errors.add("sign_name", "signature.error.name_missing");
    } else if name.chars().count() > 64 {
        errors.add("sign_name", "signature.error.name_too_long");
    } else if let Some(expected) = expected {
        // An account's name may carry the post before the person's own
        // ("客服主任 王芳"): the signer types either.
        let own = expected.split_whitespace().last().unwrap_or(expected);
        let typed = normalise(name);
        if typed != normalise(expected) && typed != normalise(own) {
            // Say both where both pass, the person's own name first: it is
            // what the field's hint asks for.
            let loc = errors.locale();
            let text = if own == expected {
                loc.tf("signature.error.name_mismatch", &[("name", &expected)])
            } else {
                loc.tf(
                    "signature.error.name_mismatch_either",
                    &[("own", &own), ("full", &expected)],
                )
            };
            errors.add_text("sign_name", text);
        }
    }
    if !matches!(confirm, Some("1" | "on" | "yes" | "true")) {
        errors.add("sign_confirm", "signature.error.confirm");
    }
    let drawing_png = match drawing.trim() {
        "" => None,
        d => match decode_drawing(d) {
            Some(png) => Some(png),
            None => {
                errors.add("sign_drawing", "signature.error.drawing");
                None
            }
        },
    };
    (errors.all().len() == before).then(|| Signature {
        name: name.to_owned(),
        drawing_png,
    })
}

fn decode_drawing(data_url: &str) -> Option<Vec<u8>> {
    let b64 = data_url.strip_prefix(DATA_URL_PREFIX)?;
    if b64.len() > MAX_DRAWING_BYTES * 4 / 3 + 4 {
        return None;
    }
    let png = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    (png.len() <= MAX_DRAWING_BYTES && png.starts_with(PNG_MAGIC)).then_some(png)
}

/// A stored drawing as an `<img src>` (the CSP allows `data:` images), for
/// receipts and print views.
pub fn data_url(png: &[u8]) -> String {
    format!(
        "{DATA_URL_PREFIX}{}",
        base64::engine::general_purpose::STANDARD.encode(png)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    fn png() -> String {
        data_url(b"\x89PNG\r\n\x1a\n rest of a picture")
    }

    #[test]
    fn a_typed_name_and_a_tick_sign_for_the_expected_person() {
        let mut errors = FieldErrors::new(Locale::ZhCn);
        let s = parse(" 张 三 ", Some("1"), "", Some("张三"), &mut errors);
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            s,
            Some(Signature {
                name: "张 三".into(),
                drawing_png: None
            })
        );
    }

    #[test]
    fn a_colleague_signs_with_their_own_name_without_the_post() {
        for typed in ["王芳", "客服主任 王芳"] {
            let mut errors = FieldErrors::new(Locale::ZhCn);
            assert!(parse(typed, Some("1"), "", Some("客服主任 王芳"), &mut errors).is_some());
        }
        let mut errors = FieldErrors::new(Locale::ZhCn);
        assert_eq!(
            parse(
                "客服主任",
                Some("1"),
                "",
                Some("客服主任 王芳"),
                &mut errors
            ),
            None
        );
        // The message names what the hint asks for first: the name alone.
        assert_eq!(
            errors.get("sign_name"),
            "签字人姓名须与登记的姓名一致：请输入“王芳”（或“客服主任 王芳”）。"
        );
    }

    #[test]
    fn someone_else_s_name_or_no_tick_is_refused_with_a_message_each() {
        let mut errors = FieldErrors::new(Locale::En);
        assert_eq!(parse("李四", None, "", Some("张三"), &mut errors), None);
        assert!(errors.get("sign_name").contains("张三"), "{errors:?}");
        assert!(errors.has("sign_confirm"));
    }

    #[test]
    fn a_drawing_must_be_a_png_data_url() {
        let mut errors = FieldErrors::new(Locale::En);
        let s = parse("Ann", Some("on"), &png(), None, &mut errors).expect("valid");
        assert!(s.drawing_png.expect("drawing").starts_with(PNG_MAGIC));

        let mut errors = FieldErrors::new(Locale::En);
        let gif = format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(b"GIF89a")
        );
        assert_eq!(parse("Ann", Some("on"), &gif, None, &mut errors), None);
        assert!(errors.has("sign_drawing"));
        let mut errors = FieldErrors::new(Locale::En);
        assert_eq!(
            parse("Ann", Some("on"), "javascript:alert(1)", None, &mut errors),
            None
        );
        assert!(errors.has("sign_drawing"));
    }
}
