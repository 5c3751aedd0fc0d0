//! Personal data of residents: checking Chinese resident ID numbers and phone
//! numbers, and masking both for display.

const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const CHECK: [char; 11] = ['1', '0', 'X', '9', '8', '7', '6', '5', '4', '3', '2'];
/// First two digits of the region codes in use: the provinces, Taiwan (71), and
/// the residence permits of Hong Kong, Macao and Taiwan residents (81, 82, 83:
/// 港澳台居民居住证 numbers are checked like ID numbers).
const PROVINCES: [u32; 35] = [
    11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34, 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
    53, 54, 61, 62, 63, 64, 65, 71, 81, 82, 83,
];

#[derive(Debug, PartialEq, Eq, Clone, Copy)]
pub enum IdError {
    Length,
    Characters,
    Region,
    BirthDate,
    CheckDigit,
}

impl IdError {
    /// Catalog key of the message.
    pub fn key(self) -> &'static str {
        match self {
            IdError::Length => "properties.error.id_length",
            IdError::Characters => "properties.error.id_characters",
            IdError::Region => "properties.error.id_region",
            IdError::BirthDate => "properties.error.id_birth_date",
            IdError::CheckDigit => "properties.error.id_check_digit",
        }
    }
}

/// Normalises (trims, upper-case X) and checks an 18-digit resident ID number
/// (GB 11643-1999): length, region, birth date, check digit.
pub fn check_resident_id(raw: &str, today: chrono::NaiveDate) -> Result<String, IdError> {
    let id: String = raw.trim().to_uppercase();
    let chars: Vec<char> = id.chars().collect();
    if chars.len() != 18 {
        return Err(IdError::Length);
    }
    if !chars[..17].iter().all(char::is_ascii_digit)
        || !(chars[17].is_ascii_digit() || chars[17] == 'X')
    {
        return Err(IdError::Characters);
    }
    let digit = |i: usize| chars[i].to_digit(10).unwrap_or(0);
    if !PROVINCES.contains(&(digit(0) * 10 + digit(1))) {
        return Err(IdError::Region);
    }
    let birth =
        chrono::NaiveDate::parse_from_str(&id[6..14], "%Y%m%d").map_err(|_| IdError::BirthDate)?;
    if birth > today || chrono::Datelike::year(&birth) < 1900 {
        return Err(IdError::BirthDate);
    }
    let sum: u32 = (0..17).map(|i| digit(i) * WEIGHTS[i]).sum();
    if CHECK[(sum % 11) as usize] != chars[17] {
        return Err(IdError::CheckDigit);
    }
    Ok(id)
}

/// Normalises and checks a phone number: a mobile (1[3-9] and 9 digits, optional
/// +86) or a landline with area code (010-12345678, 0755 1234567).
pub fn check_phone(raw: &str) -> Option<String> {
    let s: String = raw
        .trim()
        .chars()
        .filter(|c| !matches!(c, ' ' | '-'))
        .collect();
    let s = s.strip_prefix("+86").unwrap_or(&s).to_owned();
    let digits = s.chars().all(|c| c.is_ascii_digit());
    let mobile = digits
        && s.len() == 11
        && s.starts_with('1')
        && matches!(&s[1..2], "3" | "4" | "5" | "6" | "7" | "8" | "9");
    let landline = digits && s.starts_with('0') && (10..=12).contains(&s.len());
    (mobile || landline).then_some(s)
}

/// Keeps the first `head` and last `tail` characters, stars the rest.
fn mask(s: &str, head: usize, tail: usize) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= head + tail {
        return "*".repeat(chars.len());
    }
    let stars = "*".repeat(chars.len() - head - tail);
    format!(
        "{}{stars}{}",
        chars[..head].iter().collect::<String>(),
        chars[chars.len() - tail..].iter().collect::<String>()
    )
}

/// 110105199003071234 → 110***********1234, E12345678 → *******78.
///
/// The ends show only as far as most of the number stays hidden: a resident ID
/// number (18 characters, the old 15) its first three and last four, a passport
/// or travel permit (8 to 14) its last two, anything shorter nothing.
pub fn mask_id(id: &str) -> String {
    let (head, tail) = match id.chars().count() {
        15.. => (3, 4),
        8..=14 => (0, 2),
        _ => (0, 0),
    };
    mask(id, head, tail)
}

/// 13812345678 → 138****5678, 010-12345678 → 010-****5678, 8888 6666 → **** **66.
///
/// Counts digits, not characters, as typed numbers keep their spaces and
/// dashes: the prefix shows only on a number with an area or mobile prefix (11
/// digits or more), the last four only when at least five stay hidden; a short
/// local number shows its last two.
pub fn mask_phone(phone: &str) -> String {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    let (head, tail) = match digits {
        11.. => (3, 4),
        9..=10 => (0, 4),
        6..=8 => (0, 2),
        _ => (0, 0),
    };
    let mut seen = 0;
    phone
        .chars()
        .map(|c| {
            if !c.is_ascii_digit() {
                return c;
            }
            seen += 1;
            if seen <= head || seen > digits - tail {
                c
            } else {
                '*'
            }
        })
        .collect()
}

/// 王小明 → 王**: enough to tell two residents of one room apart, not to name them.
pub fn mask_name(name: &str) -> String {
    mask(name.trim(), 1, 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> chrono::NaiveDate {
        chrono::NaiveDate::from_ymd_opt(2026, 11, 28).unwrap()
    }

    #[test]
    fn a_phone_shows_at_most_its_prefix_and_last_four_digits() {
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("+86 138 1234 5678"), "+86 1** **** 5678");
        assert_eq!(mask_phone("010-12345678"), "010-****5678");
        assert_eq!(mask_phone("07551234567"), "075****4567");
        // A local number typed without its area code hides all but two digits.
        assert_eq!(mask_phone("88886666"), "******66");
        assert_eq!(mask_phone("8888 6666"), "**** **66");
        assert_eq!(mask_phone("123456789"), "*****6789");
        assert_eq!(mask_phone("12345"), "*****");
        assert_eq!(mask_phone(""), "");
    }

    #[test]
    fn a_name_keeps_its_first_character_only() {
        assert_eq!(mask_name("王小明"), "王**");
        assert_eq!(mask_name(" 李强 "), "李*");
        assert_eq!(mask_name("欧阳"), "欧*");
        assert_eq!(mask_name("张"), "*");
    }

    #[test]
    fn a_valid_id_passes_and_is_normalised() {
        // The standard's own example.
        assert_eq!(
            check_resident_id("11010519491231002x", today()),
            Ok("11010519491231002X".into())
        );
        assert_eq!(
            check_resident_id(" 440305199003071236 ", today()),
            Ok("440305199003071236".into())
        );
        // A Taiwan resident's residence permit (港澳台居民居住证, region 83).
        assert_eq!(
            check_resident_id("830000199001011234", today()),
            Ok("830000199001011234".into())
        );
        assert_eq!(
            check_resident_id("440524188001010014", today()),
            Err(IdError::BirthDate),
            "born before 1900"
        );
    }

    #[test]
    fn each_kind_of_bad_id_is_named() {
        assert_eq!(
            check_resident_id("1101051949123100", today()),
            Err(IdError::Length)
        );
        assert_eq!(
            check_resident_id("11010519491231002Y", today()),
            Err(IdError::Characters)
        );
        assert_eq!(
            check_resident_id("99010519491231002X", today()),
            Err(IdError::Region)
        );
        assert_eq!(
            check_resident_id("110105194902300021", today()),
            Err(IdError::BirthDate)
        );
        assert_eq!(
            check_resident_id("110105203012310029", today()),
            Err(IdError::BirthDate)
        );
        assert_eq!(
            check_resident_id("110105194912310021", today()),
            Err(IdError::CheckDigit)
        );
    }

    #[test]
    fn every_id_message_is_in_both_catalogs() {
        use IdError::*;
        for e in [Length, Characters, Region, BirthDate, CheckDigit] {
            for loc in crate::i18n::ALL {
                assert!(
                    crate::i18n::keys(loc).contains(&e.key()),
                    "{} lacks {}",
                    loc.code(),
                    e.key()
                );
            }
        }
    }

    #[test]
    fn phones() {
        assert_eq!(check_phone("138 1234 5678").as_deref(), Some("13812345678"));
        assert_eq!(
            check_phone("+86 13812345678").as_deref(),
            Some("13812345678")
        );
        assert_eq!(
            check_phone("0755-12345678").as_deref(),
            Some("075512345678")
        );
        assert_eq!(check_phone("12812345678"), None);
        assert_eq!(check_phone("1381234567"), None);
        assert_eq!(check_phone("phone"), None);
    }

    #[test]
    fn masking_keeps_only_the_ends() {
        assert_eq!(mask_id("11010519491231002X"), "110***********002X");
        assert_eq!(mask_id("E12345678"), "*******78", "a passport");
        assert_eq!(mask_id("12345678"), "******78", "a Taiwan permit");
        assert_eq!(
            mask_id("H1234567890"),
            "*********90",
            "a home-return permit"
        );
        assert_eq!(mask_id("A12345"), "******");
        assert_eq!(mask_phone("13812345678"), "138****5678");
        assert_eq!(mask_phone("123"), "***");
    }
}
