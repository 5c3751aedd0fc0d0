//! Several instances on one database: what one instance changes shows on the
//! others at their next page (each keeps signed-in sessions in memory and drops
//! them on PostgreSQL's change notices, see `kefu::db::changes`).
use diesel::prelude::*;
use diesel_async::RunQueryDsl;
use kefu::auth::Role;
use kefu::schema::{approval_requests, approval_tasks};
use reqwest::StatusCode;

use crate::approvals::{file_leave, reschedule_leave, user_id};
use crate::helpers::*;

#[tokio::test]
async fn a_user_deactivated_on_one_instance_is_signed_out_on_another() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let employee = app.login_as(Role::Employee).await.at(&other);
    // Twice: the second page comes from the other instance's memory.
    assert_eq!(employee.get("/").await.status(), StatusCode::OK);
    assert_eq!(employee.get("/").await.status(), StatusCode::OK);
    let admin = app.login_as(Role::Admin).await;

    save_employee(&app, &admin, "员工 赵磊", false).await;
    other.settle().await;

    assert_eq!(location(&employee.get("/").await), "/login");
}

/// The administrator saves the demo employee's account form with `name`, active or not.
async fn save_employee(app: &TestApp, admin: &Browser, name: &str, active: bool) {
    let id = user_id(app, "employee").await;
    let mut fields = vec![
        ("display_name", name),
        ("email", "employee@kefu.example.com"),
        ("locale", "zh-CN"),
        ("roles", "employee"),
    ];
    if active {
        fields.push(("active", "on"));
    }
    let res = admin.post(&format!("/admin/users/{id}"), &fields).await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_request_filed_on_one_instance_counts_in_the_approvers_inbox_on_another() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let supervisor = app.login_as(Role::CsSupervisor).await.at(&other);
    let (_, before) = supervisor.page("/").await;
    assert_eq!(
        text_of(&before, ".modules .count"),
        None,
        "nothing to approve"
    );
    let employee = app.login_as(Role::Employee).await;

    file_leave(&employee).await;
    other.settle().await;

    let (_, after) = supervisor.page("/").await;
    assert_eq!(text_of(&after, ".modules .count").as_deref(), Some("1"));
}

#[tokio::test]
async fn a_decision_shows_at_once_on_the_instance_that_took_it() {
    let app = TestApp::spawn().await;
    let employee = app.login_as(Role::Employee).await;
    file_leave(&employee).await;
    let supervisor = app.login_as(Role::CsSupervisor).await;
    let (_, home) = supervisor.page("/").await;
    assert_eq!(text_of(&home, ".modules .count").as_deref(), Some("1"));

    // Withdrawn by the employee on this same instance: no waiting for a notice.
    let mut conn = app.db().await;
    let id: i64 = approval_requests::table
        .select(approval_requests::id)
        .first(&mut conn)
        .await
        .unwrap();
    let res = employee
        .post(&format!("/approvals/{id}/withdraw"), &[])
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);

    let (_, home) = supervisor.page("/").await;
    assert_eq!(text_of(&home, ".modules .count"), None);
}

#[tokio::test]
async fn a_write_has_seen_its_own_notices_before_its_answer_leaves() {
    let app = TestApp::spawn().await;
    app.settle().await;
    let reader = kefu::db::Reader::new(&app.db_url);
    let id = user_id(&app, "employee").await;
    let mut conn = app.db().await;
    for round in 0..20 {
        let loaded = app.changes.begin().expect("the listener is live");
        // Any change to the user's row notifies `u:<id>` (migration `…_changes`).
        diesel::sql_query("UPDATE users SET locale = locale WHERE id = $1")
            .bind::<diesel::sql_types::BigInt, _>(id)
            .execute(&mut conn)
            .await
            .unwrap();

        app.changes.wrote(&reader).await;

        assert!(
            !app.changes.current(loaded, id),
            "round {round}: the notice of the write had not arrived"
        );
        assert!(
            app.changes.current(app.changes.begin().unwrap(), id),
            "loaded after it: current"
        );
    }
}

#[tokio::test]
async fn an_inbox_kept_on_another_instance_follows_filing_editing_renaming_and_deciding() {
    let app = TestApp::spawn().await;
    let other = app.another_instance().await;
    let supervisor = app.login_as(Role::CsSupervisor).await.at(&other);
    let inbox = async || supervisor.page("/approvals").await.1;
    assert_eq!(
        text_of(&inbox().await, "table.inbox td.muted").as_deref(),
        Some("没有等待您审批的申请。")
    );
    let employee = app.login_as(Role::Employee).await;
    let admin = app.login_as(Role::Admin).await;

    let leave = file_leave(&employee).await;
    other.settle().await;
    let filed = inbox().await;
    assert_eq!(
        texts_of(&filed, "table.inbox tbody td:nth-child(2)"),
        ["员工 赵磊"]
    );
    let start = reschedule_leave(&employee, leave, 5).await;
    other.settle().await;
    let edited = inbox().await;
    let title = text_of(&edited, "table.inbox tbody td a").unwrap();
    assert!(title.contains(&start) && title.contains("年假"), "{title}");
    save_employee(&app, &admin, "员工 赵磊磊", true).await;
    other.settle().await;
    let renamed = inbox().await;
    assert_eq!(
        texts_of(&renamed, "table.inbox tbody td:nth-child(2)"),
        ["员工 赵磊磊"]
    );

    let (request, task): (i64, i64) = {
        let mut conn = app.db().await;
        approval_tasks::table
            .filter(approval_tasks::status.eq("pending"))
            .select((approval_tasks::request_id, approval_tasks::id))
            .first(&mut conn)
            .await
            .unwrap()
    };
    let task = task.to_string();
    let res = supervisor
        .at(&app)
        .post(
            &format!("/approvals/{request}/decide"),
            &[("task_id", &task), ("decision", "approve"), ("comment", "")],
        )
        .await;
    assert_eq!(res.status(), StatusCode::SEE_OTHER);
    other.settle().await;
    assert_eq!(
        text_of(&inbox().await, "table.inbox td.muted").as_deref(),
        Some("没有等待您审批的申请。")
    );
}

/// A TCP relay between the app and PostgreSQL whose connections so far can be
/// made to go silent (nothing passes, nothing closes), as when a firewall drops
/// an idle connection; connections made later pass again.
struct Relay {
    url: String,
    open: std::sync::Arc<std::sync::Mutex<Vec<std::sync::Arc<std::sync::atomic::AtomicBool>>>>,
}

impl Relay {
    async fn start(db_url: &str) -> Relay {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let mut url = url::Url::parse(db_url).unwrap();
        let target = format!(
            "{}:{}",
            url.host_str().expect("DATABASE_URL names a TCP host"),
            url.port().unwrap_or(5432)
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        url.set_port(Some(listener.local_addr().unwrap().port()))
            .unwrap();
        let open = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
        let conns = open.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let server = tokio::net::TcpStream::connect(&target).await.unwrap();
                let silent = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
                conns.lock().unwrap().push(silent.clone());
                let (client_in, client_out) = client.into_split();
                let (server_in, server_out) = server.into_split();
                for (mut from, mut to) in [(client_in, server_out), (server_in, client_out)] {
                    let silent = silent.clone();
                    tokio::spawn(async move {
                        let mut buf = vec![0u8; 16 * 1024];
                        loop {
                            let n = match from.read(&mut buf).await {
                                Ok(0) | Err(_) => return,
                                Ok(n) => n,
                            };
                            if std::sync::atomic::AtomicBool::load(
                                &silent,
                                std::sync::atomic::Ordering::SeqCst,
                            ) {
                                // Holds both ends open and passes nothing on.
                                std::future::pending::<()>().await;
                            }
                            if to.write_all(&buf[..n]).await.is_err() {
                                return;
                            }
                        }
                    });
                }
            }
        });
        Relay {
            url: url.to_string(),
            open,
        }
    }

    /// Every connection made so far passes nothing from now on.
    fn silence(&self) {
        for silent in self.open.lock().unwrap().iter() {
            silent.store(true, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

/// Waits up to `within` for `changes` to stop counting anything as current.
async fn stops_keeping(changes: &kefu::db::changes::Changes, within: std::time::Duration) -> bool {
    tokio::time::timeout(within, async {
        while changes.begin().is_some() {
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    })
    .await
    .is_ok()
}

#[tokio::test]
async fn a_listener_whose_connection_went_silent_connects_again_at_its_next_heartbeat() {
    let app = TestApp::spawn().await;
    let relay = Relay::start(&app.db_url).await;
    let changes = kefu::db::changes::Changes::default();
    let heartbeat = kefu::db::changes::Heartbeat {
        every: std::time::Duration::from_millis(200),
        within: std::time::Duration::from_secs(2),
    };
    kefu::db::changes::spawn_listener_with(relay.url.clone(), changes.clone(), heartbeat);
    changes.settle(&app.db_url).await.unwrap();

    relay.silence();

    assert!(
        stops_keeping(&changes, std::time::Duration::from_secs(8)).await,
        "the silent connection still counts as live"
    );
    // Connected again through the relay: notices arrive once more.
    changes.settle(&app.db_url).await.unwrap();
}

#[tokio::test]
async fn a_write_whose_notice_did_not_come_back_has_the_listener_check_its_connection() {
    let app = TestApp::spawn().await;
    let relay = Relay::start(&app.db_url).await;
    let changes = kefu::db::changes::Changes::default();
    // No heartbeat while the test runs: only the write makes the listener ask.
    let heartbeat = kefu::db::changes::Heartbeat {
        every: std::time::Duration::from_secs(3600),
        within: std::time::Duration::from_secs(2),
    };
    kefu::db::changes::spawn_listener_with(relay.url.clone(), changes.clone(), heartbeat);
    changes.settle(&app.db_url).await.unwrap();
    relay.silence();
    let loaded = changes.begin().expect("live before the write");

    changes.wrote(&kefu::db::Reader::new(&app.db_url)).await;

    assert!(!changes.current(loaded, 1), "kept values count as stale");
    assert!(
        stops_keeping(&changes, std::time::Duration::from_secs(8)).await,
        "the listener did not notice its silent connection"
    );
    changes.settle(&app.db_url).await.unwrap();
}
