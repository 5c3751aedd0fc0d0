use askama::Template;
use chrono::{DateTime, Utc};

use super::forms::MeetingInput;
use super::models::{Counts, Meeting, MeetingLine, MeetingRecord};
use crate::archives::models::BorrowRow;
use crate::complaints::models::ComplaintLine;
use crate::contracts::models::WaitingLine;
use crate::keys::models::LoanLine;
use crate::leave::models::LeaveWithName;
use crate::violations::models::ViolationLine;
use crate::visits::models::VisitLine;
use crate::web::cite::Cite;
use crate::web::{FieldErrors, PageCtx};

/// A section's lines, and whether the register holds more than the sheet lists.
pub struct Section<T> {
    pub rows: Vec<T>,
    pub more: bool,
}

impl<T> Section<T> {
    pub fn of(mut rows: Vec<T>) -> Section<T> {
        let more = crate::web::trim_page(&mut rows, super::LINES as usize).is_some();
        Section { rows, more }
    }
}

#[derive(Template)]
#[template(path = "meetings/morning.html")]
pub struct Morning<'a> {
    pub ctx: &'a PageCtx,
    pub today: String,
    /// The meetings called for today (会议通知), but those called off.
    pub called: Section<super::notices::models::Notice>,
    pub away: Section<LeaveWithName>,
    pub keys: Section<LoanLine>,
    /// Keys the last shift count of their cabinet did not find, not yet
    /// reported lost or found.
    pub missing_keys: Section<crate::keys::queries::Missing>,
    pub borrows: Section<BorrowRow>,
    /// Papers past retention, as counted ("99+").
    pub due_papers: String,
    pub late_visits: Section<VisitLine>,
    pub waiting_visits: Section<VisitLine>,
    pub stale_days: i64,
    /// Proposed breaches, for readers who decide them.
    pub breaches: Option<Section<ViolationLine>>,
    /// Customers' matters not yet assigned, for readers who assign them.
    pub unassigned: Option<Section<ComplaintLine>>,
    /// Assigned matters with no note from their assignee for
    /// `follow_up_hours`, for readers who assign them.
    pub unfollowed: Option<Section<crate::complaints::queries::Waiting>>,
    pub follow_up_hours: i64,
    /// Sales contracts waiting too long for the department's next step, for
    /// readers of the contracts register.
    pub contracts: Option<Section<WaitingLine>>,
    /// Current rules not yet confirmed by all they concern, for readers of the
    /// acknowledgement report.
    pub acks: Option<Section<crate::handbook::queries::AckRound>>,
    pub cites: &'static [Cite],
    /// Which registers this reader may open: the sheet links only to those.
    pub keys_open: bool,
    pub archives_open: bool,
    pub visits_open: bool,
    /// Whether the reader sees what kind of leave a colleague is on (sick
    /// leave is theirs and the leave register's readers'): others read "on
    /// leave".
    pub leave_open: bool,
}

impl Morning<'_> {
    /// When a meeting called for today is held: its hours.
    pub fn hours(&self, n: &super::notices::models::Notice) -> String {
        super::notices::views::hours(n, self.ctx)
    }
    pub fn leave_type(&self, code: &str) -> &'static str {
        self.ctx.locale.t(&crate::leave::type_key(code))
    }
    /// The leave's span with its halves: "2026-12-03 下午起 – 2026-12-04 上午止".
    pub fn leave_span(&self, l: &crate::leave::models::Leave) -> String {
        let loc = self.ctx.locale;
        let (start, end) = (
            crate::leave::views::start_text(l, loc),
            crate::leave::views::end_text(l, loc),
        );
        format!("{start} – {end}")
    }
    pub fn contract_step(&self, code: &str) -> &'static str {
        self.ctx.locale.t_in("contracts.step", code)
    }
    pub fn contracts_hint(&self) -> String {
        crate::contracts::waiting_hint(self.ctx.locale)
    }
    pub fn complaint_kind(&self, code: &str) -> &'static str {
        self.ctx.locale.t_in("complaints.kind", code)
    }
    /// A missing key as its page names it: label and door.
    pub fn missing_key(&self, k: &crate::keys::queries::Missing) -> String {
        match k.door.as_str() {
            "" => k.label.clone(),
            d => format!(
                "{} {}",
                k.label,
                crate::keys::door_label(self.ctx.locale, d)
            ),
        }
    }

    pub fn keys_of(&self, l: &LoanLine) -> String {
        l.keys
            .iter()
            .map(|k| k.label.as_str())
            .collect::<Vec<_>>()
            .join(self.ctx.t("paper.list_separator"))
    }
}

/// Texts the meeting record pages share.
pub trait MeetingText {
    fn loc(&self) -> crate::i18n::Locale;
    fn kind_label(&self, code: &str) -> &'static str {
        self.loc().t_in("meetings.kind", code)
    }
    /// The meeting's kind, with the month a monthly one stands for:
    /// "月分析例会（2026-11）".
    fn kind_of(&self, m: &Meeting) -> String {
        let kind = self.kind_label(&m.kind);
        match m.month_text() {
            Some(month) => self.loc().tf(
                "meetings.kind_for_month",
                &[("kind", &kind), ("month", &month)],
            ),
            None => kind.to_owned(),
        }
    }
    fn att_label(&self, code: &str) -> &'static str {
        self.loc().t_in("meetings.att", code)
    }
    /// The kinds of meeting, with their names.
    fn kinds(&self) -> Vec<(&'static str, &'static str)> {
        super::KINDS
            .iter()
            .map(|k| (*k, self.kind_label(k)))
            .collect()
    }
    /// The register's `?show=` choices, with their names.
    fn filters(&self) -> Vec<(&'static str, &'static str)> {
        super::SHOWS
            .iter()
            .map(|s| (*s, self.loc().t_in("meetings.show", s)))
            .collect()
    }
    /// "出席 5，迟到 1，缺席 0，请假 1".
    fn counts_text(&self, c: &Counts) -> String {
        self.loc().tf(
            "meetings.counts",
            &[
                ("present", &c.present),
                ("late", &c.late),
                ("absent", &c.absent),
                ("leave", &c.leave),
            ],
        )
    }
}

macro_rules! meeting_text {
    ($($t:ident),*) => {
        $(impl MeetingText for $t<'_> {
            fn loc(&self) -> crate::i18n::Locale {
                self.ctx.locale
            }
        })*
    };
}

/// When the meeting was held, as the register writes it: 2026-11-30 08:05–08:30.
pub fn held(m: &Meeting, ctx: &PageCtx) -> String {
    held_between(&m.started_at, &m.ended_at, ctx)
}

/// "2026-11-30 09:00–09:30", or both days when it ran past midnight.
fn held_between(start: &DateTime<Utc>, end: &DateTime<Utc>, ctx: &PageCtx) -> String {
    span_text(start, end, |t| ctx.datetime(t))
}

/// From `start` to `end` as [`held_between`] writes it, with `datetime`
/// writing an instant ("2026-11-30 09:00"): on a page, or in a mail.
pub fn span_text(
    start: &DateTime<Utc>,
    end: &DateTime<Utc>,
    datetime: impl Fn(&DateTime<Utc>) -> String,
) -> String {
    let (start, end) = (datetime(start), datetime(end));
    match (start.split_once(' '), end.split_once(' ')) {
        (Some((d1, t1)), Some((d2, t2))) if d1 == d2 => format!("{d1} {t1}–{t2}"),
        _ => format!("{start} – {end}"),
    }
}

#[derive(Template)]
#[template(path = "meetings/list.html")]
pub struct MeetingList<'a> {
    pub ctx: &'a PageCtx,
    pub rows: Vec<MeetingLine>,
    /// The next page's query, when more follow.
    pub next: Option<String>,
    /// The filters as the page keeps them, and as a query for the exports.
    pub month: String,
    pub show: &'static str,
    pub query: String,
    pub cites: &'static [Cite],
}

impl MeetingList<'_> {
    pub fn held(&self, m: &Meeting) -> String {
        held(m, self.ctx)
    }
}

/// One line of the form's attendance table.
pub struct AttendanceRow<'a> {
    pub id: i64,
    pub name: &'a str,
    pub status: &'a str,
}

impl AttendanceRow<'_> {
    pub fn is(&self, code: &str) -> bool {
        self.status == code
    }
}

#[derive(Template)]
#[template(path = "meetings/form.html")]
pub struct MeetingForm<'a> {
    pub ctx: &'a PageCtx,
    /// Where the form posts, and its heading's catalog key (new or correction).
    pub action: String,
    pub heading: &'static str,
    pub input: &'a MeetingInput,
    pub errors: &'a FieldErrors,
    pub staff: &'a [(i64, String)],
    pub cites: &'static [Cite],
}

impl MeetingForm<'_> {
    pub fn statuses(&self) -> Vec<(&'static str, &'static str)> {
        super::ATTENDANCE
            .iter()
            .chain([&super::NOT_LISTED])
            .map(|a| (*a, self.att_label(a)))
            .collect()
    }
    pub fn chair_is(&self, id: &i64) -> bool {
        self.input.chair.trim() == id.to_string()
    }
    /// Everyone who may be listed, with the attendance the form holds for them.
    pub fn rows(&self) -> Vec<AttendanceRow<'_>> {
        self.staff
            .iter()
            .map(|(id, name)| AttendanceRow {
                id: *id,
                name,
                status: self.input.attendance_of(*id),
            })
            .collect()
    }
}

#[derive(Template)]
#[template(path = "meetings/show.html")]
pub struct MeetingShow<'a> {
    pub ctx: &'a PageCtx,
    /// The record, with its chair's, recorder's and corrector's names.
    pub record: MeetingRecord,
    /// Who was listed, by name, and their attendance.
    pub attendance: Vec<(i64, String, String)>,
    pub counts: Counts,
    /// What each correction replaced, oldest first.
    pub corrections: Vec<super::queries::Replaced>,
}

impl MeetingShow<'_> {
    /// The attendance a correction replaced, as one line: "赵磊 迟到、陈静 缺席".
    pub fn replaced(&self, c: &super::queries::Replaced) -> String {
        c.attendance
            .iter()
            .map(|(name, status)| format!("{name} {}", self.att_label(status)))
            .collect::<Vec<_>>()
            .join(self.ctx.t("paper.list_separator"))
    }
    /// What correction `i` changed besides the topic, minutes and attendance,
    /// as it stood before ("时间：…", "地点：…", "主持人：…"): each field that
    /// differs from what the next correction replaced, or from the record as
    /// it stands after the last one.
    pub fn changed(&self, i: &usize) -> Vec<String> {
        let i = *i;
        let Some(c) = self.corrections.get(i) else {
            return Vec::new();
        };
        let m = &self.record.meeting;
        let (kind, month, held, place, chair) = match self.corrections.get(i + 1) {
            Some(n) => (
                n.kind.as_str(),
                n.for_month.clone(),
                n.held,
                n.place.as_str(),
                n.chair_id,
            ),
            None => (
                m.kind.as_str(),
                m.month_text(),
                Some((m.started_at, m.ended_at)),
                m.place.as_str(),
                Some(m.chair_id),
            ),
        };
        let field = |key: &str, value: &str| {
            format!("{}{}{value}", self.ctx.t(key), self.ctx.t("paper.colon"))
        };
        let mut changed = Vec::new();
        if !c.kind.is_empty() && c.kind != kind {
            changed.push(field("meetings.kind_label", self.kind_label(&c.kind)));
        }
        // Logs from before records kept their month say nothing of it.
        if c.for_month.is_some() && c.for_month != month {
            changed.push(field(
                "meetings.for_month",
                c.for_month.as_deref().unwrap_or_default(),
            ));
        }
        if let Some((start, end)) = c.held.filter(|h| Some(*h) != held) {
            changed.push(field(
                "meetings.time",
                &held_between(&start, &end, self.ctx),
            ));
        }
        if c.place != place {
            let none = self.ctx.t("meetings.no_place");
            changed.push(field(
                "meetings.place",
                if c.place.is_empty() { none } else { &c.place },
            ));
        }
        if c.chair_id.is_some() && c.chair_id != chair {
            changed.push(field(
                "meetings.chair",
                c.chair.as_deref().unwrap_or_default(),
            ));
        }
        changed
    }
    pub fn held(&self) -> String {
        held(&self.record.meeting, self.ctx)
    }
    /// The rule's day, for a monthly meeting held on another.
    pub fn off_schedule(&self) -> Option<String> {
        let m = &self.record.meeting;
        let day = m.started_at.with_timezone(&self.ctx.tz).date_naive();
        let saturday = super::forms::off_schedule(m.for_month, day)?;
        Some(self.ctx.t1("meetings.off_schedule", "day", saturday))
    }
    /// "王芳 · 2026-11-30 09:00", when the record was corrected.
    pub fn corrected(&self) -> Option<String> {
        let who = self.record.corrector.as_ref()?;
        let at = self.record.meeting.corrected_at.as_ref()?;
        Some(format!("{who} · {}", self.ctx.datetime(at)))
    }
}

#[derive(Template)]
#[template(path = "meetings/attendance.html")]
pub struct AttendancePage<'a> {
    pub ctx: &'a PageCtx,
    /// (user id, name, their attendance) for each person the records list.
    pub people: Vec<(i64, String, Counts)>,
    pub month: String,
    pub show: &'static str,
    pub query: String,
}

/// The paper 会议记录 of one meeting: the record, and the attendance with a
/// column for each person's signature.
#[derive(Template)]
#[template(path = "meetings/print.html")]
pub struct MeetingPrint<'a> {
    pub ctx: &'a PageCtx,
    pub record: MeetingRecord,
    pub attendance: Vec<(i64, String, String)>,
    pub counts: Counts,
}

impl MeetingPrint<'_> {
    pub fn held(&self) -> String {
        held(&self.record.meeting, self.ctx)
    }
}

/// The month's attendance by person on paper (出勤统计), to sign.
#[derive(Template)]
#[template(path = "meetings/attendance_print.html")]
pub struct AttendancePrint<'a> {
    pub ctx: &'a PageCtx,
    pub people: Vec<(i64, String, Counts)>,
    pub month: String,
    pub show: &'static str,
}

/// The month's records on paper (会议记录登记), with the list's filters; up to a
/// sheet's worth (`truncated` says when more were held).
#[derive(Template)]
#[template(path = "meetings/list_print.html")]
pub struct MeetingListPrint<'a> {
    pub ctx: &'a PageCtx,
    pub rows: Vec<MeetingLine>,
    pub month: String,
    pub show: &'static str,
    pub truncated: bool,
}

impl MeetingListPrint<'_> {
    pub fn held(&self, m: &Meeting) -> String {
        held(m, self.ctx)
    }
}

meeting_text!(
    MeetingListPrint,
    MeetingList,
    MeetingForm,
    MeetingShow,
    MeetingPrint,
    AttendancePage
);
