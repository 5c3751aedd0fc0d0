//! Meeting notices (会议通知): a meeting called ahead, mailed to those it
//! expects, changed or called off until it begins, and recorded from.
use chrono::{Duration, Utc};
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::schema::{audit_log, meeting_notices};
use reqwest::StatusCode;

use crate::approvals::{day, mail_of, set_locale, user_id};
use crate::helpers::*;

/// The notice form's fields for a meeting tomorrow afternoon, asking `invite`.
fn notice(invite: &[String], changes: &[(&'static str, &str)]) -> Vec<(&'static str, String)> {
    let mut fields: Vec<(&'static str, String)> = vec![
        ("kind", "training".into()),
        ("day", day(1)),
        ("start", "14:00".into()),
        ("end", "15:30".into()),
        ("place", "服务中心会议室".into()),
        ("topic", "消防器材使用培训".into()),
        ("agenda", "请带笔记本。".into()),
    ];
    for (k, v) in changes {
        fields.retain(|(f, _)| f != k);
        fields.push((k, (*v).to_owned()));
    }
    for id in invite {
        fields.push(("invite", id.clone()));
    }
    fields
}

/// The one mail to `addr` whose subject starts with `prefix` (the server keeps
/// them in no order).
fn mail(smtp: &crate::smtp::SmtpServer, addr: &str, prefix: &str) -> crate::smtp::Received {
    let mut found: Vec<_> = smtp
        .to(addr)
        .into_iter()
        .filter(|m| m.subject.starts_with(prefix))
        .collect();
    assert_eq!(found.len(), 1, "{addr}: one mail \"{prefix}…\"");
    found.remove(0)
}

fn as_pairs<'a>(fields: &'a [(&'a str, String)]) -> Vec<(&'a str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

#[tokio::test]
async fn a_meeting_is_called_changed_and_called_off_and_those_concerned_are_mailed_each_time() {
    let smtp = crate::smtp::SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    set_locale(&app, "keeper", "en").await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let id_of = |name: &'static str| user_id(&app, name);
    let (specialist, employee, keeper) = (
        id_of("specialist").await.to_string(),
        id_of("employee").await.to_string(),
        id_of("keeper").await.to_string(),
    );

    // The blank form asks the department, not the administrator.
    let (status, blank) = supervisor.page("/meetings/notices/new").await;
    assert_eq!(status, StatusCode::OK);
    let ticked = |html: &str| {
        let doc = scraper::Html::parse_document(html);
        let sel = scraper::Selector::parse("#invitees input[checked]").unwrap();
        doc.select(&sel)
            .filter_map(|e| e.value().attr("value").map(str::to_owned))
            .collect::<Vec<_>>()
    };
    let asked = ticked(&blank);
    assert!(
        asked.contains(&specialist) && asked.contains(&keeper),
        "{asked:?}"
    );
    let admin = id_of("admin").await.to_string();
    assert!(
        !asked.contains(&admin),
        "the administrator is not of the department"
    );

    // Called, for the specialist and the employee; sent twice, filed once.
    let token = value_of(&blank, "input[name=form_token]").unwrap();
    let mut fields = notice(&[specialist.clone(), employee.clone()], &[]);
    fields.push(("form_token", token));
    let res = supervisor
        .post("/meetings/notices/new", &as_pairs(&fields))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let path = location(&res);
    assert!(path.starts_with("/meetings/notices/"), "{path}");
    let again = supervisor
        .post("/meetings/notices/new", &as_pairs(&fields))
        .await;
    assert_eq!(location(&again), path);
    let mut conn = app.db().await;
    let filed: i64 = meeting_notices::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(filed, 1);

    crate::mail::worker(&app).drain().await.unwrap();
    assert_eq!(smtp.to(&mail_of(Role::CsSpecialist)).len(), 1);
    let called = mail(
        &smtp,
        &mail_of(Role::CsSpecialist),
        "会议通知：消防器材使用培训",
    );
    assert!(
        called.subject.contains(&format!("{} 14:00–15:30", day(1))),
        "{}",
        called.subject
    );
    assert!(called.text.contains("服务中心会议室") && called.text.contains("请带笔记本。"));
    assert!(called.text.contains(&path), "the link to the notice");
    assert!(called.text.contains("培训会议"), "the kind in Chinese");
    assert_eq!(smtp.to(&mail_of(Role::Employee)).len(), 1);
    assert!(
        smtp.to(&mail_of(Role::ArchiveKeeper)).is_empty(),
        "not asked"
    );

    // Everyone reads it; the employee sees who is expected.
    let reader = app.login_as(Role::Employee).await;
    let (status, page) = reader.page(&path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(text_of(&page, "#notice-status").unwrap(), "待召开");
    assert_eq!(texts_of(&page, "#notice-invited li").len(), 2);
    assert!(
        attr_of(&page, "#notice-change", "href").is_none(),
        "not theirs to change"
    );
    let (_, list) = reader.page("/meetings/notices").await;
    assert!(text_of(&list, "#notices-coming")
        .unwrap()
        .contains("消防器材使用培训"));

    // Moved to another room, the employee taken off and the keeper added.
    let (_, edit) = supervisor.page(&format!("{path}/edit")).await;
    assert_eq!(value_of(&edit, "#f-place").unwrap(), "服务中心会议室");
    let version = value_of(&edit, "input[name=version]").unwrap();
    let token = value_of(&edit, "input[name=form_token]").unwrap();
    let mut fields = notice(
        &[specialist.clone(), keeper.clone()],
        &[("place", "二楼培训室")],
    );
    fields.push(("version", version.clone()));
    fields.push(("form_token", token));
    let res = supervisor
        .post(&format!("{path}/edit"), &as_pairs(&fields))
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    crate::mail::worker(&app).drain().await.unwrap();
    assert_eq!(smtp.to(&mail_of(Role::CsSpecialist)).len(), 2);
    let changed = mail(&smtp, &mail_of(Role::CsSpecialist), "会议变更：");
    assert!(changed.text.contains("二楼培训室"));
    assert_eq!(smtp.to(&mail_of(Role::Employee)).len(), 2);
    mail(&smtp, &mail_of(Role::Employee), "无需参加：");
    assert_eq!(smtp.to(&mail_of(Role::ArchiveKeeper)).len(), 1);
    let english = mail(
        &smtp,
        &mail_of(Role::ArchiveKeeper),
        "Meeting notice: 消防器材使用培训",
    );
    assert!(
        english.text.contains("Training meeting"),
        "the kind in English"
    );

    // A change from a form read before that one: refused, the input kept.
    let edit_token = supervisor.form_token(&format!("{path}/edit")).await;
    let mut stale = notice(
        std::slice::from_ref(&specialist),
        &[("topic", "改过的议题")],
    );
    stale.push(("version", version));
    stale.push(("form_token", edit_token));
    let res = supervisor
        .post(&format!("{path}/edit"), &as_pairs(&stale))
        .await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#f-version")
        .unwrap()
        .contains("已被他人更改"));
    assert_eq!(value_of(&body, "#f-topic").unwrap(), "改过的议题");

    // Called off: a reason is required, and those expected are told it.
    let res = supervisor
        .post(&format!("{path}/cancel"), &[("reason", " ")])
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-reason").unwrap().contains("取消原因"));
    let res = supervisor
        .post(&format!("{path}/cancel"), &[("reason", "消防队改期")])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let twice = supervisor
        .post(&format!("{path}/cancel"), &[("reason", "消防队改期")])
        .await;
    assert_eq!(twice.status(), StatusCode::SEE_OTHER);
    crate::mail::worker(&app).drain().await.unwrap();
    assert_eq!(smtp.to(&mail_of(Role::CsSpecialist)).len(), 3);
    let off = mail(&smtp, &mail_of(Role::CsSpecialist), "会议取消：");
    assert!(off.text.contains("消防队改期"));
    mail(&smtp, &mail_of(Role::ArchiveKeeper), "Meeting called off: ");
    assert_eq!(
        smtp.to(&mail_of(Role::Employee)).len(),
        2,
        "no longer expected"
    );

    let (_, page) = supervisor.page(&path).await;
    assert_eq!(text_of(&page, "#notice-status").unwrap(), "已取消");
    assert_eq!(text_of(&page, "#notice-reason").unwrap(), "消防队改期");
    assert!(attr_of(&page, "#notice-change", "href").is_none());
    let res = supervisor.get(&format!("{path}/edit")).await;
    assert_eq!(location(&res), path, "no longer to change");

    let actions: Vec<String> = audit_log::table
        .filter(audit_log::entity.eq("meeting_notice"))
        .order(audit_log::id)
        .select(audit_log::action)
        .load(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        actions,
        [
            "meeting_notice.called",
            "meeting_notice.changed",
            "meeting_notice.cancelled"
        ]
    );
}

#[tokio::test]
async fn a_wrong_notice_is_refused_with_a_message_per_field_and_keeps_the_input() {
    let app = TestApp::spawn().await;
    let manager = app.login_as(Role::CenterManager).await;
    let token = manager.form_token("/meetings/notices/new").await;
    let mut fields = notice(
        &[],
        &[
            ("day", &day(-1)),
            ("place", ""),
            ("topic", "季度服务质量分析"),
        ],
    );
    fields.push(("form_token", token));
    let res = manager
        .post("/meetings/notices/new", &as_pairs(&fields))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(text_of(&body, "#e-start").unwrap().contains("会议开始前"));
    assert!(text_of(&body, "#e-place").unwrap().contains("地点"));
    assert!(text_of(&body, "#e-invite").unwrap().contains("至少"));
    assert_eq!(value_of(&body, "#f-topic").unwrap(), "季度服务质量分析");
    assert_eq!(value_of(&body, "#f-day").unwrap(), day(-1));
    // Someone who is not staff cannot be asked.
    let token = manager.form_token("/meetings/notices/new").await;
    let mut fields = notice(&["999999".into()], &[]);
    fields.push(("form_token", token));
    let res = manager
        .post("/meetings/notices/new", &as_pairs(&fields))
        .await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let mut conn = app.db().await;
    let filed: i64 = meeting_notices::table
        .count()
        .get_result(&mut conn)
        .await
        .unwrap();
    assert_eq!(filed, 0);
}

#[tokio::test]
async fn only_supervisors_and_the_centre_manager_call_meetings_and_everyone_reads_them() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    let (status, list) = employee.page("/meetings/notices").await;
    assert_eq!(status, StatusCode::OK);
    assert!(attr_of(&list, "#notice-new", "href").is_none());
    assert_eq!(
        employee.get("/meetings/notices/new").await.status(),
        StatusCode::FORBIDDEN
    );
    let id = user_id(&app, "employee").await.to_string();
    let fields = notice(std::slice::from_ref(&id), &[]);
    let res = employee
        .post("/meetings/notices/new", &as_pairs(&fields))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (_, meetings) = supervisor.page("/meetings").await;
    assert_eq!(
        attr_of(&meetings, "#notices-link", "href").unwrap(),
        "/meetings/notices"
    );
    let res = supervisor
        .submit(
            "/meetings/notices/new",
            "/meetings/notices/new",
            &as_pairs(&fields),
        )
        .await;
    let path = location(&res);
    let res = employee
        .post(&format!("{path}/cancel"), &[("reason", "不开了")])
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    // In English.
    let (_, page) = employee.page(&format!("{path}?lang=en")).await;
    assert_eq!(text_of(&page, "#notice-status").unwrap(), "To come");
    assert_eq!(text_of(&page, "#notice-count").unwrap(), "1 person");
}

/// More meetings called than the list holds: the soonest are listed, and the
/// list says so rather than passing the others over in silence.
#[tokio::test]
async fn the_list_of_meetings_to_come_says_when_it_holds_only_the_soonest() {
    let app = TestApp::spawn().await;
    let me = user_id(&app, "supervisor").await;
    let reader = app.login_as(Role::Employee).await;
    let call = async |n: i32| {
        diesel::sql_query(
            "INSERT INTO meeting_notices (kind, starts_at, ends_at, place, topic, called_by) \
             SELECT 'training', now() + i * interval '1 day', \
                    now() + i * interval '1 day' + interval '1 hour', \
                    '会议室', '培训第' || i || '期', $1 \
             FROM generate_series(1, $2) AS i",
        )
        .bind::<diesel::sql_types::BigInt, _>(me)
        .bind::<diesel::sql_types::Integer, _>(n)
        .execute(&mut app.db().await)
        .await
        .unwrap();
    };
    call(100).await;
    let (_, page) = reader.page("/meetings/notices").await;
    assert_eq!(texts_of(&page, "#notices-coming tbody tr").len(), 100);
    assert_eq!(text_of(&page, "#notices-more-coming"), None);
    call(1).await;
    let (_, page) = reader.page("/meetings/notices").await;
    let rows = texts_of(&page, "#notices-coming tbody tr");
    assert_eq!(rows.len(), 100);
    assert!(rows[0].contains("培训第1期"), "soonest first: {}", rows[0]);
    assert_eq!(
        text_of(&page, "#notices-more-coming").as_deref(),
        Some("只列出最近的 100 次会议，之后还有已通知的会议。")
    );
}

#[tokio::test]
async fn a_meeting_held_is_recorded_from_its_notice_once() {
    let app = TestApp::spawn().await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (specialist, employee) = (
        user_id(&app, "specialist").await,
        user_id(&app, "employee").await,
    );
    let me = user_id(&app, "supervisor").await;
    // A topic meeting called for an hour ago (a notice is filed before its
    // meeting; here it is written as it stands once the hour has come).
    let starts_at = Utc::now() - Duration::hours(1);
    let mut conn = app.db().await;
    let id = kefu::meetings::notices::queries::create(
        &mut conn,
        &kefu::meetings::notices::models::NewNotice {
            kind: "topic",
            starts_at,
            ends_at: starts_at + Duration::minutes(40),
            place: "三楼会议室",
            topic: "钥匙借用逾期专题会",
            agenda: "",
            called_by: me,
            called_at: starts_at - Duration::days(1),
        },
        &[me, specialist],
    )
    .await
    .unwrap();
    let path = format!("/meetings/notices/{id}");
    let (_, page) = supervisor.page(&path).await;
    assert_eq!(
        text_of(&page, "#notice-status").unwrap(),
        "已召开，待登记记录"
    );
    let form_path = attr_of(&page, "#notice-record", "href").unwrap();

    let (status, form) = supervisor.page(&form_path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(value_of(&form, "#f-topic").unwrap(), "钥匙借用逾期专题会");
    assert_eq!(value_of(&form, "#f-place").unwrap(), "三楼会议室");
    assert_eq!(
        value_of(&form, "#f-kind option[selected]").unwrap(),
        "topic"
    );
    let doc = scraper::Html::parse_document(&form);
    let row = scraper::Selector::parse("#attendance tbody tr").unwrap();
    let who = scraper::Selector::parse("input[name=who]").unwrap();
    let chosen = scraper::Selector::parse("select[name=att] option[selected]").unwrap();
    let people: Vec<(String, String)> = doc
        .select(&row)
        .map(|r| {
            let id = r
                .select(&who)
                .next()
                .unwrap()
                .value()
                .attr("value")
                .unwrap();
            let att = r
                .select(&chosen)
                .next()
                .unwrap()
                .value()
                .attr("value")
                .unwrap();
            (id.to_owned(), att.to_owned())
        })
        .collect();
    let att_of = |id: i64| {
        people
            .iter()
            .find(|(w, _)| *w == id.to_string())
            .map(|(_, a)| a.clone())
    };
    assert_eq!(att_of(specialist).as_deref(), Some("present"), "asked");
    assert_eq!(att_of(employee).as_deref(), Some("none"), "not asked");

    let people = &people;
    let send = |form: String| {
        let supervisor = &supervisor;
        async move {
            let keep = |name: &str| value_of(&form, &format!("[name={name}]")).unwrap_or_default();
            let mut fields: Vec<(&str, String)> = [
                "kind",
                "day",
                "start",
                "end",
                "place",
                "topic",
                "notice",
                "form_token",
            ]
            .iter()
            .map(|k| (*k, keep(k)))
            .collect();
            fields.retain(|(k, _)| *k != "kind");
            let kind = value_of(&form, "#f-kind option[selected]").unwrap();
            fields.push(("kind", kind));
            fields.push(("chair", me.to_string()));
            fields.push(("minutes", "逾期钥匙由当班客服专员当日追回。".into()));
            for (w, a) in people {
                fields.push(("who", w.clone()));
                fields.push(("att", a.clone()));
            }
            supervisor.post("/meetings/new", &as_pairs(&fields)).await
        }
    };
    // A second form read before the first was saved.
    let (_, second) = supervisor.page(&form_path).await;
    // The form kept open naming another notice: one not begun, or of
    // another kind, is refused with its message and the input kept.
    let tomorrow = kefu::meetings::notices::queries::create(
        &mut conn,
        &kefu::meetings::notices::models::NewNotice {
            kind: "topic",
            starts_at: starts_at + Duration::days(1),
            ends_at: starts_at + Duration::days(1) + Duration::hours(1),
            place: "三楼会议室",
            topic: "明天的专题会",
            agenda: "",
            called_by: me,
            called_at: starts_at,
        },
        &[me],
    )
    .await
    .unwrap();
    let other_notice = form.replace(
        &format!("name=\"notice\" value=\"{id}\""),
        &format!("name=\"notice\" value=\"{tomorrow}\""),
    );
    let other_kind = form
        .replace("value=\"topic\" selected", "value=\"topic\"")
        .replace("value=\"training\"", "value=\"training\" selected");
    for (altered, to) in [(other_notice, "notice"), (other_kind, "kind")] {
        assert_ne!(altered, form);
        let res = send(altered).await;
        assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "{to}");
        let body = res.text().await.unwrap();
        assert!(text_of(&body, "#f-notice")
            .unwrap()
            .contains("不能用来登记"));
        assert_eq!(value_of(&body, "#f-topic").unwrap(), "钥匙借用逾期专题会");
    }
    let res = send(form).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    let record = location(&res);
    let (_, page) = supervisor.page(&path).await;
    assert_eq!(
        text_of(&page, "#notice-status").unwrap(),
        "已登记记录 · HY-".to_owned() + record.trim_start_matches("/meetings/")
    );
    assert!(attr_of(&page, "#notice-record", "href").is_none());
    assert_eq!(location(&supervisor.get(&form_path).await), record);

    // The second form, sent with its time moved a minute: refused, not a
    // second record of the same meeting.
    let moved = second.replace(
        &format!("value=\"{}\"", value_of(&second, "#f-start").unwrap()),
        "value=\"00:00\"",
    );
    let res = send(moved).await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = res.text().await.unwrap();
    assert!(
        text_of(&body, "#e-day").unwrap().contains("已按通知登记过"),
        "{body}"
    );
}

#[tokio::test]
async fn the_morning_sheet_lists_the_meetings_called_for_today() {
    let app = TestApp::spawn().await;
    let me = user_id(&app, "supervisor").await;
    let mut conn = app.db().await;
    let at = |days: i64, hour: u32| {
        (crate::approvals::today() + Duration::days(days))
            .and_hms_opt(hour, 0, 0)
            .unwrap()
            .and_local_timezone(chrono_tz::Asia::Shanghai)
            .unwrap()
            .with_timezone(&Utc)
    };
    let mut call = async |topic: &str, starts_at: chrono::DateTime<Utc>| {
        kefu::meetings::notices::queries::create(
            &mut conn,
            &kefu::meetings::notices::models::NewNotice {
                kind: "training",
                starts_at,
                ends_at: starts_at + Duration::hours(1),
                place: "服务中心会议室",
                topic,
                agenda: "",
                called_by: me,
                called_at: starts_at - Duration::days(1),
            },
            &[me],
        )
        .await
        .unwrap()
    };
    call("今天下午的培训", at(0, 14)).await;
    let off = call("今天取消的培训", at(0, 16)).await;
    call("明天的培训", at(1, 10)).await;
    diesel::update(meeting_notices::table.find(off))
        .set((
            meeting_notices::cancelled_at.eq(Utc::now()),
            meeting_notices::cancelled_by.eq(me),
            meeting_notices::cancel_reason.eq("讲师有事"),
        ))
        .execute(&mut app.db().await)
        .await
        .unwrap();
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (_, sheet) = supervisor.page("/meetings/morning").await;
    let called = texts_of(&sheet, "#sheet-called li");
    assert_eq!(called.len(), 1, "{called:?}");
    assert!(called[0].starts_with("14:00–15:00") && called[0].contains("今天下午的培训"));
}

/// A topic meeting on `topic`, an hour long from `starts_at`, called by `by`
/// at `called_at`, expecting `invite`: its notice's id.
async fn called(
    app: &TestApp,
    topic: &str,
    by: i64,
    (starts_at, called_at): (chrono::DateTime<Utc>, chrono::DateTime<Utc>),
    invite: &[i64],
) -> i64 {
    kefu::meetings::notices::queries::create(
        &mut app.db().await,
        &kefu::meetings::notices::models::NewNotice {
            kind: "topic",
            starts_at,
            ends_at: starts_at + Duration::hours(1),
            place: "服务中心会议室",
            topic,
            agenda: "",
            called_by: by,
            called_at,
        },
        invite,
    )
    .await
    .unwrap()
}

/// A topic meeting on `topic` called by `by` a day ahead, that ended `ended`
/// ago, expecting `invite`: its notice's id.
async fn called_and_ended(
    app: &TestApp,
    topic: &str,
    by: i64,
    ended: Duration,
    invite: &[i64],
) -> i64 {
    let starts_at = Utc::now() - ended - Duration::hours(1);
    called(
        app,
        topic,
        by,
        (starts_at, starts_at - Duration::days(1)),
        invite,
    )
    .await
}

/// What the job asking for called meetings' records says when run at `now`.
async fn ask_for_records(app: &TestApp, now: chrono::DateTime<Utc>) -> String {
    kefu::jobs::run_now(&mut app.db().await, "meetings.noticed", now, &app.config)
        .await
        .unwrap()
}

/// A called meeting that ended without a record: whoever called it is asked
/// for it once, with the link to the form filled from the notice; not for one
/// called off, recorded, or just ended.
#[tokio::test]
async fn whoever_called_a_meeting_is_asked_once_for_its_record() {
    let smtp = crate::smtp::SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    let (supervisor, manager) = (
        user_id(&app, "supervisor").await,
        user_id(&app, "manager").await,
    );
    let now = Utc::now();
    let invite = [supervisor, manager];
    let owed = called_and_ended(
        &app,
        "投诉处理专题会",
        supervisor,
        Duration::hours(2),
        &invite,
    )
    .await;
    called_and_ended(
        &app,
        "刚结束的专题会",
        manager,
        Duration::minutes(20),
        &invite,
    )
    .await;
    let off = called_and_ended(&app, "取消了的专题会", manager, Duration::hours(3), &invite).await;
    called_and_ended(&app, "上个月的专题会", manager, Duration::days(30), &invite).await;
    diesel::update(meeting_notices::table.find(off))
        .set((
            meeting_notices::cancelled_at.eq(now - Duration::days(2)),
            meeting_notices::cancelled_by.eq(manager),
            meeting_notices::cancel_reason.eq("改期"),
        ))
        .execute(&mut app.db().await)
        .await
        .unwrap();
    assert_eq!(
        ask_for_records(&app, now).await,
        "1 meeting not on record; 1 reminder"
    );
    crate::mail::worker(&app).drain().await.unwrap();
    let mails = smtp.to(&mail_of(Role::CsSupervisor));
    assert_eq!(mails.len(), 1);
    assert!(
        mails[0].subject.starts_with("会议尚无记录：投诉处理专题会"),
        "{}",
        mails[0].subject
    );
    assert!(mails[0]
        .text
        .contains(&format!("/meetings/new?notice={owed}")));
    assert!(smtp.to(&mail_of(Role::CenterManager)).is_empty());
    // An hour later: asked once.
    assert_eq!(
        ask_for_records(&app, now + Duration::hours(1)).await,
        "2 meetings not on record; 1 reminder",
        "the one just ended is owed now, the other was asked for already"
    );
}

/// A called meeting whose caller has left since: its record is asked of the
/// supervisors instead, once each, saying why it comes to them.
#[tokio::test]
async fn a_meeting_whose_caller_has_left_is_asked_of_the_supervisors() {
    let smtp = crate::smtp::SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| c.smtp_url = Some(url)).await;
    let (supervisor, manager) = (
        user_id(&app, "supervisor").await,
        user_id(&app, "manager").await,
    );
    let now = Utc::now();
    let owed = called_and_ended(
        &app,
        "新员工培训",
        manager,
        Duration::hours(2),
        &[supervisor],
    )
    .await;
    app.deactivate("manager").await;
    assert_eq!(
        ask_for_records(&app, now).await,
        "1 meeting not on record; 1 reminder"
    );
    crate::mail::worker(&app).drain().await.unwrap();
    assert!(smtp.to(&mail_of(Role::CenterManager)).is_empty());
    let asked = mail(
        &smtp,
        &mail_of(Role::CsSupervisor),
        "会议尚无记录：新员工培训",
    );
    assert!(
        asked.text.contains("通知人已不在本系统中"),
        "{}",
        asked.text
    );
    assert!(asked.text.contains(&format!("/meetings/new?notice={owed}")));
    assert_eq!(
        ask_for_records(&app, now + Duration::hours(1)).await,
        "1 meeting not on record; 0 reminders",
        "asked once"
    );
    // The link opens the record form filled from the notice for them.
    let s = app.login_as(Role::CsSupervisor).await;
    let (status, form) = s.page(&format!("/meetings/new?notice={owed}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(value_of(&form, "#f-topic").as_deref(), Some("新员工培训"));
}

/// On the day of a meeting called ahead, from `MEETING_DAY_REMIND_AT` (set to
/// 06:45 here), each person a meeting expects is reminded of it once; not of one called that
/// day (its notice just came), called off, begun already or held another day.
#[tokio::test]
async fn those_expected_are_reminded_on_the_day_of_a_meeting_called_ahead() {
    let smtp = crate::smtp::SmtpServer::start();
    let url = smtp.url();
    let app = TestApp::spawn_with(|c| {
        c.smtp_url = Some(url);
        c.meeting_day_remind_at = chrono::NaiveTime::from_hms_opt(6, 45, 0).unwrap();
    })
    .await;
    let tz = app.config.tz;
    let at = |days: i64, h, m| {
        (crate::approvals::today() + Duration::days(days))
            .and_hms_opt(h, m, 0)
            .unwrap()
            .and_local_timezone(tz)
            .unwrap()
            .with_timezone(&Utc)
    };
    let (supervisor, specialist, manager) = (
        user_id(&app, "supervisor").await,
        user_id(&app, "specialist").await,
        user_id(&app, "manager").await,
    );
    let invite = [supervisor, specialist];
    let ahead = at(-2, 16, 0);
    called(
        &app,
        "消防器材使用培训",
        manager,
        (at(0, 14, 0), ahead),
        &invite,
    )
    .await;
    called(
        &app,
        "今天才通知的会",
        manager,
        (at(0, 15, 0), at(0, 8, 0)),
        &invite,
    )
    .await;
    called(&app, "早上的会", manager, (at(0, 8, 0), ahead), &invite).await;
    called(
        &app,
        "经理的会",
        supervisor,
        (at(0, 17, 0), ahead),
        &[manager],
    )
    .await;
    called(&app, "明天的会", manager, (at(1, 10, 0), ahead), &invite).await;
    let off = called(&app, "取消了的会", manager, (at(0, 16, 0), ahead), &invite).await;
    diesel::update(meeting_notices::table.find(off))
        .set((
            meeting_notices::cancelled_at.eq(at(-1, 9, 0)),
            meeting_notices::cancelled_by.eq(manager),
            meeting_notices::cancel_reason.eq("改期"),
        ))
        .execute(&mut app.db().await)
        .await
        .unwrap();
    let job = async |now| {
        kefu::jobs::run_now(&mut app.db().await, "meetings.today", now, &app.config)
            .await
            .unwrap()
    };
    assert_eq!(job(at(0, 6, 30)).await, "before 06:45");
    assert_eq!(
        job(at(0, 9, 0)).await,
        "2 called meetings later today; 3 reminders"
    );
    crate::mail::worker(&app).drain().await.unwrap();
    let reminded = mail(
        &smtp,
        &mail_of(Role::CsSupervisor),
        "今日会议提醒：消防器材使用培训",
    );
    assert!(
        reminded.subject.contains("14:00–15:00"),
        "{}",
        reminded.subject
    );
    assert!(
        reminded.text.contains("服务中心会议室"),
        "{}",
        reminded.text
    );
    assert_eq!(smtp.to(&mail_of(Role::CsSpecialist)).len(), 1);
    let managers = smtp.to(&mail_of(Role::CenterManager));
    assert_eq!(managers.len(), 1);
    assert!(
        managers[0].subject.contains("经理的会"),
        "{}",
        managers[0].subject
    );
    assert_eq!(
        job(at(0, 9, 15)).await,
        "2 called meetings later today; 0 reminders",
        "once"
    );
}
