//! The benchmark's smoke test, without timings: the reference endpoints answer
//! the Fortunes page, and every page of bench/pages.tsv stays within its SQL
//! statement budget (counted with pg_stat_statements in the test's database),
//! the same with a larger data set: an N+1 query fails here, not only in
//! `make bench`. Also: the writes of a filing stay prepared statements.
use diesel::sql_types::Text;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use kefu::auth::Role;
use reqwest::{header, StatusCode};

use crate::helpers::*;

const PAGES: &str = include_str!("../../bench/pages.tsv");
/// Statements per request of a page, the session's included. A POST files its
/// record, approval, trail, mail, audit line and one-time form token in one
/// statement (`db::With`), after one read of who approves it, and the instance
/// sends its sync notice (`db::changes`); its message for the next page travels
/// in a cookie, so the session is not written.
const STATEMENT_BUDGET: f64 = 5.0;
/// Rows per bench/sql/data file for the "larger" data set of this test.
const LARGER_ROWS: usize = 300;
const REQUESTS: usize = 4;

struct Page {
    name: String,
    role: Role,
    method: String,
    path: String,
    body: Option<String>,
    setup: Option<String>,
}

fn pages() -> Vec<Page> {
    PAGES
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            assert!(f.len() >= 5, "bench/pages.tsv: too few fields in {l:?}");
            let role = kefu::demo::DEMO_USERS
                .iter()
                .find(|(u, _, _)| *u == f[2])
                .map(|(_, _, r)| *r)
                .unwrap_or_else(|| panic!("bench/pages.tsv: no demo user {:?}", f[2]));
            let opt = |i: usize| {
                f.get(i)
                    .map(|s| s.trim())
                    .filter(|s| !s.is_empty() && *s != "-")
                    .map(str::to_owned)
            };
            Page {
                name: f[0].into(),
                role,
                method: f[3].into(),
                path: f[4].into(),
                body: opt(5),
                setup: opt(6),
            }
        })
        .collect()
}

#[derive(diesel::QueryableByName)]
struct Value {
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    v: Option<String>,
}

async fn value(conn: &mut AsyncPgConnection, sql: &str) -> Option<String> {
    diesel::sql_query(format!("SELECT ({sql})::text AS v"))
        .get_result::<Value>(conn)
        .await
        .unwrap()
        .v
}

/// Statements the app ran in this test's database since the last call.
async fn statements_since_last(conn: &mut AsyncPgConnection) -> i64 {
    #[derive(diesel::QueryableByName)]
    struct Calls {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        calls: i64,
    }
    let n = diesel::sql_query(
        "SELECT coalesce(sum(calls), 0)::bigint AS calls FROM pg_stat_statements \
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) \
           AND query NOT LIKE '%pg_stat_statements%'",
    )
    .get_result::<Calls>(conn)
    .await
    .unwrap()
    .calls;
    diesel::sql_query(
        "SELECT pg_stat_statements_reset(0, \
             (SELECT oid FROM pg_database WHERE datname = current_database()), 0)",
    )
    .execute(conn)
    .await
    .unwrap();
    n
}

/// Loads bench/sql/data/*.sql with `rows` rows each, as `make bench` does.
async fn load_bench_data(conn: &mut AsyncPgConnection, rows: usize) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/bench/sql/data");
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "sql"))
        .collect();
    files.sort();
    conn.batch_execute(&format!("SET kefu.bench_rows = '{rows}'"))
        .await
        .unwrap();
    for f in files {
        let sql = std::fs::read_to_string(&f).unwrap();
        conn.batch_execute(&sql)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", f.display()));
    }
}

/// A day of its own for each POST of the test (`{day}` of bench/pages.tsv): one
/// person's leave may not overlap.
fn next_day() -> chrono::NaiveDate {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let first = chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
    first + chrono::Days::new(NEXT.fetch_add(1, Ordering::Relaxed))
}

/// Statements per request of each page that exists (`None`: it answered 404).
async fn statements_per_page(app: &TestApp, pages: &[Page]) -> Vec<Option<f64>> {
    let mut conn = app.db().await;
    let mut out = Vec::new();
    for page in pages {
        let b = app.login_as(page.role).await;
        let path = match &page.setup {
            Some(sql) => page
                .path
                .replace("{}", &value(&mut conn, sql).await.unwrap()),
            None => page.path.clone(),
        };
        let token = b.csrf().await;
        let send = |n: usize| {
            let req = if page.method == "POST" {
                let body = page
                    .body
                    .clone()
                    .unwrap_or_default()
                    .replace("{n}", &n.to_string())
                    .replace("{token}", &kefu::web::context::new_token())
                    .replace("{day}", &next_day().to_string())
                    .replace("{half}", "am");
                b.client
                    .post(b.url(&path))
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(format!("{body}&csrf_token={token}"))
            } else {
                b.client.get(b.url(&path))
            };
            req.send()
        };
        // Warm up: the connections' first statements (type lookups) are not the page's.
        let first = send(0).await.unwrap();
        if first.status() == StatusCode::NOT_FOUND {
            out.push(None);
            continue;
        }
        assert!(
            first.status().is_success() || first.status().is_redirection(),
            "{}: {} {path} answered {}",
            page.name,
            page.method,
            first.status()
        );
        send(1).await.unwrap();
        statements_since_last(&mut conn).await;
        for n in 0..REQUESTS {
            let res = send(n + 2).await.unwrap();
            assert!(res.status().is_success() || res.status().is_redirection());
        }
        let n = statements_since_last(&mut conn).await;
        out.push(Some(n as f64 / REQUESTS as f64));
    }
    out
}

#[tokio::test]
async fn every_measured_page_keeps_its_statement_budget_whatever_the_data_size() {
    let app = TestApp::spawn().await;
    let mut conn = app.db().await;
    conn.batch_execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .await
        .expect("pg_stat_statements (preloaded by .ci/pg.sh)");
    let pages = pages();
    assert!(pages.len() >= 5, "bench/pages.tsv lists the measured pages");

    let demo = statements_per_page(&app, &pages).await;
    load_bench_data(&mut conn, LARGER_ROWS).await;
    let larger = statements_per_page(&app, &pages).await;

    for ((page, d), l) in pages.iter().zip(&demo).zip(&larger) {
        eprintln!("{}: {d:?} → {l:?} statements per request", page.name);
        let (Some(d), Some(l)) = (d, l) else {
            assert_eq!(d, l, "{}: answers 404 with one data set only", page.name);
            continue;
        };
        assert!(
            *d <= STATEMENT_BUDGET,
            "{}: {d} SQL statements per request (budget {STATEMENT_BUDGET})",
            page.name
        );
        assert_eq!(
            d, l,
            "{}: SQL statements per request grow with the data",
            page.name
        );
    }
    let counted = demo.iter().filter(|d| d.is_some()).count();
    assert!(
        counted >= 5,
        "the pages of today's features are all measured"
    );
}

/// Needs the reference endpoints: `make test` builds with `--features bench`.
#[cfg(feature = "bench")]
#[tokio::test]
async fn the_reference_endpoints_serve_the_same_fortunes_page() {
    let app = TestApp::spawn().await;
    app.db()
        .await
        .batch_execute(kefu::bench::FORTUNES_SQL)
        .await
        .unwrap();

    let anonymous = app.browser();
    let (status, limit) = anonymous.page("/bench/limit").await;
    assert_eq!(status, StatusCode::OK);
    let res = anonymous.get("/bench/baseline").await;
    assert!(
        res.status().is_redirection(),
        "the baseline needs a session"
    );
    assert!(location(&res).starts_with("/login"));
    let employee = app.login_as(Role::Employee).await;
    let (status, baseline) = employee.page("/bench/baseline").await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(baseline, limit, "both endpoints do the same work");
    assert_eq!(
        limit.matches("<tr><td>").count(),
        13,
        "12 rows and one added"
    );
    let messages: Vec<&str> = limit
        .split("<tr><td>")
        .skip(1)
        .map(|row| {
            row.split("</td><td>")
                .nth(1)
                .unwrap()
                .split("</td>")
                .next()
                .unwrap()
        })
        .collect();
    let mut sorted = messages.clone();
    sorted.sort();
    assert_eq!(messages, sorted, "sorted by message");
    assert!(limit.contains("<td>0</td><td>Additional fortune added at request time.</td>"));
    assert!(limit.contains("&#60;script&#62;") || limit.contains("&lt;script&gt;"));
    assert!(!limit.contains("<script>"));
    assert!(limit.contains("フレームワークのベンチマーク"));
}

/// diesel never prepares an UPDATE, a many-row insert or an insert with an
/// optional field: each is parsed and planned again on every call, unless it is
/// wrapped in `db::cached`. Filing a leave and withdrawing it runs all three
/// kinds, and the engine's one statement of CTEs (`db::With`); on one
/// connection, each statement must stay prepared for the next filing (a
/// statement diesel does not keep is closed as soon as it has run).
#[tokio::test]
async fn filing_a_leave_keeps_its_writes_prepared_on_the_connection() {
    let app = TestApp::spawn().await;
    let mut conn = app.db().await;
    conn.begin_test_transaction().await.unwrap();
    let user: i64 = value(
        &mut conn,
        &format!(
            "SELECT id FROM users WHERE username = '{}'",
            username(Role::Employee)
        ),
    )
    .await
    .unwrap()
    .parse()
    .unwrap();
    let now = chrono::Utc::now();
    let day = chrono::NaiveDate::from_ymd_opt(2031, 3, 4).unwrap();
    for _ in 0..2 {
        let id = kefu::leave::queries::create(
            &mut conn,
            &kefu::leave::models::NewLeave {
                user_id: user,
                leave_type: "personal",
                start_date: day,
                start_pm: false,
                end_date: day,
                end_am: false,
                half_days: 2,
                reason: "prepared",
                status: "pending",
                after_the_fact: false,
                recorded_by: None,
            },
        )
        .await
        .unwrap();
        let request = kefu::approvals::engine::submit(
            &mut conn,
            &kefu::approvals::LEAVE,
            id,
            "prepared",
            user,
            &app.config,
            now,
        )
        .await
        .unwrap();
        let today = app.config.day(now);
        kefu::approvals::engine::withdraw(&mut conn, request, user, (now, today))
            .await
            .unwrap()
            .unwrap();
    }

    #[derive(diesel::QueryableByName)]
    struct Prepared {
        #[diesel(sql_type = Text)]
        statement: String,
    }
    let prepared: Vec<String> = diesel::sql_query("SELECT statement FROM pg_prepared_statements")
        .load::<Prepared>(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.statement)
        .collect();
    for start in [
        "INSERT INTO \"leave_requests\"",
        "INSERT INTO \"approval_events\"",
        "WITH subject AS",
        "UPDATE \"approval_tasks\"",
        "UPDATE \"approval_requests\"",
    ] {
        assert!(
            prepared.iter().any(|s| s.starts_with(start)),
            "{start} … is prepared once and kept; kept: {prepared:#?}"
        );
    }
}
