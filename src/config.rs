//! Settings from environment variables, each with a default that suits `make run`.
use actix_web::cookie::Key;
use anyhow::{bail, Context};
use sha2::{Digest, Sha512};
use std::time::Duration;

#[derive(Clone)]
pub struct Config {
    pub database_url: String,
    /// Address the HTTP server listens on.
    pub bind: String,
    /// Public address of the site, used for links in mail and for the Origin check.
    pub base_url: url::Url,
    pub smtp_url: Option<String>,
    /// Certificate authorities (PEM) the relay's certificate may be signed by,
    /// beyond the system's (`SMTP_CA_FILE`).
    pub smtp_ca_file: Option<std::path::PathBuf>,
    /// Key that signs and encrypts the session cookie.
    pub session_key: Key,
    /// True when no SESSION_KEY was given: sessions then end when the process stops.
    pub session_key_is_ephemeral: bool,
    /// The secret personal data is sealed with at rest (`KEFU_DATA_KEY`, see
    /// [`crate::db::sealed`]); without it, it is stored as typed.
    pub data_key: Option<String>,
    pub tz: chrono_tz::Tz,
    pub session_idle: Duration,
    pub session_absolute: Duration,
    /// Take the client address from the last X-Forwarded-For entry, appended by
    /// the site's own reverse proxy (`web::context::client_ip`).
    pub trust_proxy: bool,
    pub db_pool_size: usize,
    pub workers: usize,
    /// Sender of every mail (`MAIL_FROM`).
    pub mail_from: String,
    /// How long an approval link in a mail stays valid (`APPROVAL_LINK_HOURS`).
    pub approval_link_hours: i64,
    /// When a pending approver is reminded (`APPROVAL_REMIND_HOURS`).
    pub approval_remind_hours: i64,
    /// How long an assigned customer matter may go without a note from its
    /// assignee before they are reminded (`COMPLAINT_FOLLOW_UP_HOURS`).
    pub complaint_follow_up_hours: i64,
    /// How many days ahead the archive keeper is warned of a retention date
    /// (`ARCHIVE_NOTICE_DAYS`).
    pub archive_notice_days: i64,
    /// The days a morning meeting is held (`MORNING_MEETING_DAYS`): the rule book
    /// says every day, and lets each service centre set its own time.
    pub morning_meeting_days: chrono::WeekdaySet,
    /// From when, site time, a supervisor is reminded that today's morning meeting
    /// has no record (`MORNING_MEETING_REMIND_AT`; 10:00 unless set, an hour and
    /// a half after the book's 8:30 end).
    pub morning_remind_at: chrono::NaiveTime,
    /// From when, site time, the people expected at a meeting called by notice
    /// for later today are reminded of it (`MEETING_DAY_REMIND_AT`; 07:30
    /// unless set, before the book's 8:05 morning meeting).
    pub meeting_day_remind_at: chrono::NaiveTime,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.trim().is_empty())
}

/// A setting that is a time of day, `HH:MM` on the site's clock, or `default`
/// (hour, minute) when unset.
fn time_of_day(name: &str, default: (u32, u32)) -> anyhow::Result<chrono::NaiveTime> {
    match var(name) {
        None => Ok(chrono::NaiveTime::from_hms_opt(default.0, default.1, 0).unwrap_or_default()),
        Some(v) => parse_time(name, &v),
    }
}

fn parse_time(name: &str, v: &str) -> anyhow::Result<chrono::NaiveTime> {
    chrono::NaiveTime::parse_from_str(v.trim(), "%H:%M")
        .with_context(|| format!("{name}={v} is not a time such as 10:00"))
}

/// Longest setting in hours: a year (longer ones would overflow the clock's
/// arithmetic and stop the jobs that use them).
pub const MAX_HOURS: i64 = 366 * 24;

fn hours(name: &str, default: i64) -> anyhow::Result<i64> {
    var(name).map_or(Ok(default), |v| parse_hours(name, &v))
}

/// `v` as a whole number of hours, 1 to [`MAX_HOURS`].
pub fn parse_hours(name: &str, v: &str) -> anyhow::Result<i64> {
    match v.trim().parse::<i64>() {
        Ok(n) if (1..=MAX_HOURS).contains(&n) => Ok(n),
        _ => bail!("{name} must be a whole number of hours, 1 to {MAX_HOURS}"),
    }
}

fn minutes(name: &str, default: u64) -> anyhow::Result<Duration> {
    match var(name) {
        None => Ok(Duration::from_secs(default * 60)),
        Some(v) => parse_minutes(name, &v),
    }
}

/// `v` as a whole number of minutes, 1 to a year's.
pub fn parse_minutes(name: &str, v: &str) -> anyhow::Result<Duration> {
    let max = MAX_HOURS as u64 * 60;
    match v.trim().parse::<u64>() {
        Ok(n) if (1..=max).contains(&n) => Ok(Duration::from_secs(n * 60)),
        _ => bail!("{name} must be a whole number of minutes, 1 to {max}"),
    }
}

/// `v` as a count of at least one (connections, worker threads).
pub fn parse_count(name: &str, v: &str) -> anyhow::Result<usize> {
    match v.trim().parse::<usize>() {
        Ok(n) if (1..=1024).contains(&n) => Ok(n),
        _ => bail!("{name} must be a whole number, 1 to 1024"),
    }
}

impl Config {
    /// The site's calendar day at `now`, in `TZ`: deputy ranges, leave dates,
    /// deadlines and retention dates are days there, not in the database's zone.
    pub fn day(&self, now: chrono::DateTime<chrono::Utc>) -> chrono::NaiveDate {
        now.with_timezone(&self.tz).date_naive()
    }

    /// The site's calendar day now.
    pub fn today(&self) -> chrono::NaiveDate {
        self.day(chrono::Utc::now())
    }

    pub fn from_env() -> anyhow::Result<Self> {
        let database_url = var("DATABASE_URL").context(
            "DATABASE_URL is not set (make run starts a private PostgreSQL and sets it)",
        )?;
        let bind = var("BIND").unwrap_or_else(|| "127.0.0.1:8080".into());
        let base_url = var("BASE_URL").unwrap_or_else(|| format!("http://{bind}"));
        let (session_key, session_key_is_ephemeral) = match var("SESSION_KEY") {
            Some(k) => (session_key_from(&k)?, false),
            None => (Key::generate(), true),
        };
        let data_key = match var("KEFU_DATA_KEY") {
            Some(k) if k.chars().count() < 32 => {
                bail!("KEFU_DATA_KEY must be at least 32 characters")
            }
            k => k,
        };
        let tz = var("TZ").unwrap_or_else(|| "Asia/Shanghai".into());
        let tz =
            tz_named(&tz).map_err(|e| anyhow::anyhow!("TZ={tz} is not a known time zone: {e}"))?;
        let db_pool_size = match var("KEFU_DB_POOL") {
            Some(v) => parse_count("KEFU_DB_POOL", &v)?,
            None => 16,
        };
        let workers = match var("KEFU_WORKERS") {
            Some(v) => parse_count("KEFU_WORKERS", &v)?,
            None => std::thread::available_parallelism().map_or(2, |n| n.get()),
        };
        Ok(Config {
            database_url,
            base_url: url::Url::parse(&base_url).with_context(|| format!("BASE_URL={base_url}"))?,
            bind,
            smtp_url: var("SMTP_URL"),
            smtp_ca_file: var("SMTP_CA_FILE").map(Into::into),
            session_key,
            session_key_is_ephemeral,
            data_key,
            tz,
            session_idle: minutes("KEFU_SESSION_IDLE_MINUTES", 30)?,
            session_absolute: minutes("KEFU_SESSION_ABSOLUTE_MINUTES", 12 * 60)?,
            trust_proxy: var("KEFU_TRUST_PROXY").is_some_and(|v| v == "1" || v == "true"),
            db_pool_size,
            workers,
            mail_from: var("MAIL_FROM").unwrap_or_else(|| "kefu@kefu.localhost".into()),
            approval_link_hours: hours("APPROVAL_LINK_HOURS", 72)?,
            approval_remind_hours: hours("APPROVAL_REMIND_HOURS", 8)?,
            complaint_follow_up_hours: hours("COMPLAINT_FOLLOW_UP_HOURS", 24)?,
            archive_notice_days: match var("ARCHIVE_NOTICE_DAYS") {
                None => 30,
                Some(v) => match v.parse::<i64>() {
                    Ok(n) if (1..=366).contains(&n) => n,
                    _ => bail!("ARCHIVE_NOTICE_DAYS must be a whole number of days, 1 to 366"),
                },
            },
            morning_meeting_days: match var("MORNING_MEETING_DAYS") {
                None => chrono::WeekdaySet::ALL,
                Some(v) => weekdays(&v).context("MORNING_MEETING_DAYS")?,
            },
            morning_remind_at: time_of_day("MORNING_MEETING_REMIND_AT", (10, 0))?,
            meeting_day_remind_at: time_of_day("MEETING_DAY_REMIND_AT", (7, 30))?,
        })
    }

    /// Whether a morning meeting is held on `day`.
    pub fn morning_meeting_on(&self, day: chrono::NaiveDate) -> bool {
        use chrono::Datelike;
        self.morning_meeting_days.contains(day.weekday())
    }

    /// Cookies get `Secure` and the `__Host-` prefix when the site is served over https.
    pub fn https(&self) -> bool {
        self.base_url.scheme() == "https"
    }

    /// `scheme://host[:port]` of BASE_URL, as browsers send it in `Origin`.
    pub fn origin(&self) -> String {
        self.base_url.origin().ascii_serialization()
    }
}

/// Days of the week from a list such as `mon-fri`, `mon-sat` or `mon,wed,fri`
/// (English names, short or long, any case; a range may wrap past Sunday, as
/// `sat-mon`; empty items are skipped).
pub fn weekdays(spec: &str) -> anyhow::Result<chrono::WeekdaySet> {
    let day = |name: &str| {
        name.trim().parse::<chrono::Weekday>().map_err(|_| {
            anyhow::anyhow!(
                "{:?} is not a day of the week (mon, tue, … sun)",
                name.trim()
            )
        })
    };
    let mut set = chrono::WeekdaySet::EMPTY;
    for part in spec.split(',').filter(|p| !p.trim().is_empty()) {
        match part.split_once('-') {
            Some((from, to)) => {
                let (mut d, to) = (day(from)?, day(to)?);
                set.insert(d);
                while d != to {
                    d = d.succ();
                    set.insert(d);
                }
            }
            None => {
                set.insert(day(part)?);
            }
        }
    }
    if set.is_empty() {
        bail!("{spec:?} names no day of the week");
    }
    Ok(set)
}

/// Any secret of 32 characters or more; stretched to the 64 bytes the cookie key needs.
/// The key `SESSION_KEY` names: its SHA-512 (32 characters at least).
pub fn session_key_from(secret: &str) -> anyhow::Result<Key> {
    if secret.len() < 32 {
        bail!("SESSION_KEY must be at least 32 characters (e.g. `openssl rand -hex 32`)");
    }
    let digest = Sha512::digest(secret.as_bytes());
    Ok(Key::from(digest.as_slice()))
}

/// The time zone `TZ` names, as POSIX writes it too (`:Asia/Urumqi`).
pub fn tz_named(name: &str) -> Result<chrono_tz::Tz, chrono_tz::ParseError> {
    name.trim().trim_start_matches(':').parse()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday::*;

    #[test]
    fn a_time_zone_reads_as_posix_writes_it_too() {
        assert_eq!(tz_named(":Asia/Urumqi"), Ok(chrono_tz::Asia::Urumqi));
        assert_eq!(tz_named("Asia/Shanghai"), Ok(chrono_tz::Asia::Shanghai));
        assert!(tz_named("Mars/Olympus").is_err());
    }

    #[test]
    fn weekday_lists_read_names_lists_and_ranges() {
        let set = |days: &[chrono::Weekday]| {
            let mut s = chrono::WeekdaySet::EMPTY;
            for d in days {
                s.insert(*d);
            }
            s
        };
        assert_eq!(
            weekdays("mon-fri").unwrap(),
            set(&[Mon, Tue, Wed, Thu, Fri])
        );
        assert_eq!(
            weekdays(" Monday - SAT ").unwrap(),
            set(&[Mon, Tue, Wed, Thu, Fri, Sat])
        );
        assert_eq!(weekdays("mon,wed,fri").unwrap(), set(&[Mon, Wed, Fri]));
        assert_eq!(weekdays("sat-mon").unwrap(), set(&[Sat, Sun, Mon]));
        assert_eq!(weekdays("sun").unwrap(), set(&[Sun]));
        let err = weekdays("mon-fry").unwrap_err().to_string();
        assert!(err.contains("\"fry\""), "{err}");
        assert!(weekdays("").is_err());
        assert!(weekdays(" , ").is_err());
        assert_eq!(weekdays("mon,fri,").unwrap(), set(&[Mon, Fri]));
        assert_eq!(weekdays("mon-mon").unwrap(), set(&[Mon]));
    }

    #[test]
    fn durations_and_counts_are_refused_outside_their_range() {
        assert_eq!(parse_hours("H", " 8 ").unwrap(), 8);
        assert_eq!(parse_hours("H", "8784").unwrap(), MAX_HOURS);
        for bad in ["0", "-3", "8785", "99999999999999", "eight", ""] {
            let e = parse_hours("APPROVAL_REMIND_HOURS", bad).unwrap_err();
            assert!(e.to_string().contains("APPROVAL_REMIND_HOURS"), "{e}");
        }
        assert_eq!(parse_minutes("M", "30").unwrap(), Duration::from_secs(1800));
        assert!(parse_minutes("M", "0").is_err());
        assert!(parse_minutes("M", "18446744073709551615").is_err());
        assert_eq!(parse_count("N", "4").unwrap(), 4);
        assert!(parse_count("KEFU_WORKERS", "0").is_err());
    }

    #[test]
    fn times_of_day_read_hours_and_minutes() {
        let t = |h, m| chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap();
        assert_eq!(parse_time("T", " 7:05 ").unwrap(), t(7, 5));
        assert_eq!(parse_time("T", "23:59").unwrap(), t(23, 59));
        for bad in ["24:00", "7", "7.30", "07:60", "", "noon"] {
            let e = parse_time("MEETING_DAY_REMIND_AT", bad).unwrap_err();
            assert!(e.to_string().contains("MEETING_DAY_REMIND_AT"), "{e}");
        }
    }

    #[test]
    fn short_session_keys_are_refused() {
        assert!(session_key_from("short").is_err());
        assert!(session_key_from(&"x".repeat(32)).is_ok());
    }
}
