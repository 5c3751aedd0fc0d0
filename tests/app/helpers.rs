//! The test harness: a real server on a free port, against its own PostgreSQL
//! database cloned from a migrated and seeded template.
use diesel::prelude::*;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use kefu::auth::Role;
use reqwest::{header, redirect, Response, StatusCode};
use std::net::TcpListener;
use tokio::sync::OnceCell;

pub const PASSWORD: &str = "kefu-demo";

/// Test databases are named `{prefix}_…`; two checkouts testing against one server
/// at once give each other room with `KEFU_TEST_DB_PREFIX`.
fn prefix() -> String {
    std::env::var("KEFU_TEST_DB_PREFIX").unwrap_or_else(|_| "kefu_test".into())
}

fn template_name() -> String {
    format!("{}_template", prefix())
}

static TEMPLATE_READY: OnceCell<()> = OnceCell::const_new();

fn server_url() -> String {
    std::env::var("DATABASE_URL").expect(
        "DATABASE_URL must point at a PostgreSQL server the tests may create databases on \
         (make test sets it up)",
    )
}

/// The same server, another database.
fn with_db(url: &str, db: &str) -> String {
    let mut u = url::Url::parse(url).expect("DATABASE_URL is a URL");
    u.set_path(&format!("/{db}"));
    u.to_string()
}

pub async fn admin_conn() -> AsyncPgConnection {
    AsyncPgConnection::establish(&server_url())
        .await
        .expect("connect to DATABASE_URL")
}

/// Builds the template once per test run: migrated, demo users seeded.
async fn template() {
    TEMPLATE_READY
        .get_or_init(|| async {
            let mut conn = admin_conn().await;
            // Databases left by earlier runs.
            #[derive(diesel::QueryableByName)]
            struct Db {
                #[diesel(sql_type = diesel::sql_types::Text)]
                datname: String,
            }
            let old: Vec<Db> = diesel::sql_query(
                "SELECT datname::text AS datname FROM pg_database WHERE datname LIKE $1",
            )
            .bind::<diesel::sql_types::Text, _>(format!("{}\\_%", prefix()))
            .load(&mut conn)
            .await
            .unwrap();
            for db in old {
                diesel::sql_query(format!(
                    "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
                    db.datname
                ))
                .execute(&mut conn)
                .await
                .unwrap();
            }
            diesel::sql_query(format!("CREATE DATABASE {}", template_name()))
                .execute(&mut conn)
                .await
                .unwrap();
            let url = with_db(&server_url(), &template_name());
            // The tests' site day (their configuration's zone is Asia/Shanghai).
            let today = chrono::Utc::now()
                .with_timezone(&chrono_tz::Asia::Shanghai)
                .date_naive();
            kefu::db::migrate(&url, today)
                .await
                .expect("migrate the template");
            let mut t = AsyncPgConnection::establish(&url).await.unwrap();
            kefu::demo::seed(&mut t, PASSWORD)
                .await
                .expect("seed the template");
        })
        .await;
}

/// A new, empty database on the test server (no migrations, no data); its URL.
/// Dropped with the others at the next run.
pub async fn empty_database() -> String {
    template().await;
    let name = format!("{}_{}", prefix(), uuid::Uuid::new_v4().simple());
    diesel::sql_query(format!("CREATE DATABASE {name}"))
        .execute(&mut admin_conn().await)
        .await
        .expect("create an empty database");
    with_db(&server_url(), &name)
}

/// The text of the first handbook clause link to the register at `href`, as
/// `reader` sees the current handbook (`None`: no clause links there for them).
pub async fn clause_link_to(app: &TestApp, reader: &Browser, href: &str) -> Option<String> {
    use kefu::schema::handbook_documents as documents;
    let ids: Vec<i64> = documents::table
        .select(documents::id)
        .order(documents::position)
        .load(&mut app.db().await)
        .await
        .unwrap();
    for id in ids {
        let (_, page) = reader.page(&format!("/handbook/{id}")).await;
        if let Some(text) = text_of(&page, &format!(".hb-reg[href=\"{href}\"]")) {
            return Some(text);
        }
    }
    None
}

/// One running app with its own database.
pub struct TestApp {
    pub addr: String,
    pub db_url: String,
    /// The configuration the app runs with (for workers and jobs a test drives).
    pub config: kefu::config::Config,
    handle: actix_web::dev::ServerHandle,
    pub changes: kefu::db::changes::Changes,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Sends the stop command at once; the process ends the rest.
        drop(self.handle.stop(false));
    }
}

/// The session key of every test app, as `SESSION_KEY` would give it.
pub const SESSION_KEY: &str = "kefu test apps' session key, the same in every one";
/// The tests' `KEFU_DATA_KEY`: personal data is sealed as in production.
pub const DATA_KEY: &str = "integration-tests-data-key-0123456789";

pub fn username(role: Role) -> &'static str {
    kefu::demo::DEMO_USERS
        .iter()
        .find(|(_, _, r)| *r == role)
        .map(|(u, _, _)| *u)
        .expect("a demo user per role")
}

impl TestApp {
    pub async fn spawn() -> TestApp {
        TestApp::spawn_with(|_| {}).await
    }

    /// As [`TestApp::spawn`], with the configuration adjusted first.
    pub async fn spawn_with(adjust: impl FnOnce(&mut kefu::config::Config)) -> TestApp {
        kefu::telemetry::init_with_default("warn");
        kefu::db::sealed::install(Some(DATA_KEY));
        template().await;
        let name = format!("{}_{}", prefix(), uuid::Uuid::new_v4().simple());
        let mut conn = admin_conn().await;
        diesel::sql_query(format!(
            "CREATE DATABASE {name} TEMPLATE {}",
            template_name()
        ))
        .execute(&mut conn)
        .await
        .expect("clone the template database");
        let db_url = with_db(&server_url(), &name);
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        let mut config = kefu::config::Config {
            database_url: db_url.clone(),
            bind: "127.0.0.1:0".into(),
            base_url: url::Url::parse(&addr).unwrap(),
            smtp_url: None,
            smtp_ca_file: None,
            session_key: kefu::config::session_key_from(SESSION_KEY).unwrap(),
            session_key_is_ephemeral: false,
            data_key: Some(DATA_KEY.into()),
            tz: chrono_tz::Asia::Shanghai,
            session_idle: std::time::Duration::from_secs(30 * 60),
            session_absolute: std::time::Duration::from_secs(12 * 3600),
            trust_proxy: false,
            db_pool_size: 4,
            workers: 1,
            mail_from: "kefu@kefu.localhost".into(),
            approval_link_hours: 72,
            approval_remind_hours: 8,
            complaint_follow_up_hours: 24,
            archive_notice_days: 30,
            morning_meeting_days: chrono::WeekdaySet::ALL,
            morning_remind_at: chrono::NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
            meeting_day_remind_at: chrono::NaiveTime::from_hms_opt(7, 30, 0).unwrap(),
        };
        adjust(&mut config);
        // As `kefu serve` does; `kefu reset-user` run with the same
        // SESSION_KEY finds the same sign-in locks.
        kefu::auth::throttle::install(config.session_key.master());
        let app_config = config.clone();
        let pool = kefu::db::pool(&db_url, 4).unwrap();
        let changes = kefu::db::changes::Changes::default();
        let server =
            kefu::startup::build_with_changes(config, pool, listener, changes.clone()).unwrap();
        let handle = server.handle();
        tokio::spawn(server);
        let app = TestApp {
            addr,
            db_url,
            config: app_config,
            handle,
            changes,
        };
        app.settle().await;
        app
    }

    /// A second instance of the app on the same database and session key (as
    /// behind a load balancer), on its own port. Stops when dropped.
    pub async fn another_instance(&self) -> TestApp {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = format!("http://{}", listener.local_addr().unwrap());
        let pool = kefu::db::pool(&self.db_url, 4).unwrap();
        let changes = kefu::db::changes::Changes::default();
        let server =
            kefu::startup::build_with_changes(self.config.clone(), pool, listener, changes.clone())
                .unwrap();
        let handle = server.handle();
        tokio::spawn(server);
        let app = TestApp {
            addr,
            db_url: self.db_url.clone(),
            config: self.config.clone(),
            handle,
            changes,
        };
        app.settle().await;
        app
    }

    /// Waits until the app has seen every change committed so far, as it learns of
    /// changes made elsewhere (another instance, a job, a test's own SQL) by
    /// notice from PostgreSQL a moment after their commit.
    pub async fn settle(&self) {
        self.changes.settle(&self.db_url).await.unwrap();
    }

    /// A browser with an empty cookie jar.
    pub fn browser(&self) -> Browser {
        Browser {
            base: self.addr.clone(),
            client: reqwest::Client::builder()
                .cookie_store(true)
                .redirect(redirect::Policy::none())
                .build()
                .unwrap(),
        }
    }

    /// A browser signed in as the demo user holding `role`.
    pub async fn login_as(&self, role: Role) -> Browser {
        let b = self.browser();
        let res = b.login(username(role), PASSWORD).await;
        assert_eq!(res.status(), StatusCode::SEE_OTHER, "sign-in as {role:?}");
        b
    }

    pub async fn db(&self) -> AsyncPgConnection {
        AsyncPgConnection::establish(&self.db_url).await.unwrap()
    }

    /// Shared buffers the app's statements touched while `reader` fetched `path`
    /// (pg_stat_statements, this test's database only): how much a page reads,
    /// to show that a deep page reads no more than the first, without timing it.
    pub async fn blocks_read_for(&self, reader: &Browser, path: &str) -> i64 {
        use diesel_async::SimpleAsyncConnection;
        #[derive(diesel::QueryableByName)]
        struct Blocks {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            blocks: i64,
        }
        let mut conn = self.db().await;
        conn.batch_execute(
            "CREATE EXTENSION IF NOT EXISTS pg_stat_statements; \
             SELECT pg_stat_statements_reset(0, \
                 (SELECT oid FROM pg_database WHERE datname = current_database()), 0)",
        )
        .await
        .expect("pg_stat_statements (preloaded by .ci/pg.sh)");
        let (status, _) = reader.page(path).await;
        assert_eq!(status, StatusCode::OK, "{path}");
        diesel::sql_query(
            "SELECT coalesce(sum(shared_blks_hit + shared_blks_read), 0)::bigint AS blocks \
             FROM pg_stat_statements \
             WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) \
               AND query NOT LIKE '%pg_stat_statements%'",
        )
        .get_result::<Blocks>(&mut conn)
        .await
        .unwrap()
        .blocks
    }

    /// Gives user `id` the post `role` too, straight in the table.
    pub async fn grant(&self, id: i64, role: Role) {
        use kefu::schema::user_roles;
        diesel::insert_into(user_roles::table)
            .values((
                user_roles::user_id.eq(id),
                user_roles::role_code.eq(role.code()),
            ))
            .execute(&mut self.db().await)
            .await
            .unwrap();
    }

    /// Deactivates the account `username`, straight in the table.
    pub async fn deactivate(&self, username: &str) {
        use kefu::schema::users;
        diesel::update(users::table.filter(users::username.eq(username)))
            .set(users::active.eq(false))
            .execute(&mut self.db().await)
            .await
            .unwrap();
    }

    /// Waits until at least `n` sessions of this test's database wait on a lock
    /// (requests held behind a lock the test took, to release them together),
    /// for ten seconds at most: code that takes no such lock lets the test go on
    /// and fail on what it asserts, rather than hang.
    pub async fn await_lock_waiters(&self, n: i64) {
        let wait = self.lock_waiters(n);
        let _ = tokio::time::timeout(std::time::Duration::from_secs(10), wait).await;
    }

    async fn lock_waiters(&self, n: i64) {
        let mut watch = self.db().await;
        loop {
            let waiting: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
                "(SELECT count(*) FROM pg_stat_activity \
                  WHERE wait_event_type = 'Lock' AND datname = current_database())",
            ))
            .get_result(&mut watch)
            .await
            .unwrap();
            if waiting >= n {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}

/// One browser: a cookie jar, no automatic redirects. A clone is another tab
/// of it (the same cookies), for a request sent while the test does more.
#[derive(Clone)]
pub struct Browser {
    pub base: String,
    pub client: reqwest::Client,
}

/// The value of the first `name="csrf_token"` field in a page.
pub fn csrf_in(html: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(r#"input[name="csrf_token"]"#).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr("value"))
        .map(str::to_owned)
}

/// Form fields held as owned values, as `post` and `submit` take them.
pub fn pairs<'a>(fields: &'a [(&'static str, String)]) -> Vec<(&'static str, &'a str)> {
    fields.iter().map(|(k, v)| (*k, v.as_str())).collect()
}

/// Text of the first element matching `selector`, trimmed.
pub fn text_of(html: &str, selector: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector).unwrap();
    doc.select(&sel)
        .next()
        .map(|e| e.text().collect::<String>().trim().to_owned())
}

/// Texts of all elements matching `selector`, trimmed.
pub fn texts_of(html: &str, selector: &str) -> Vec<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector).unwrap();
    doc.select(&sel)
        .map(|e| e.text().collect::<String>().trim().to_owned())
        .collect()
}

/// The `value` attribute of the element matching `selector`.
pub fn value_of(html: &str, selector: &str) -> Option<String> {
    attr_of(html, selector, "value")
}

/// Attribute `attr` of the first element matching `selector`.
pub fn attr_of(html: &str, selector: &str, attr: &str) -> Option<String> {
    let doc = scraper::Html::parse_document(html);
    let sel = scraper::Selector::parse(selector).unwrap();
    doc.select(&sel)
        .next()
        .and_then(|e| e.value().attr(attr))
        .map(str::to_owned)
}

/// The names a download is saved under: the one in the reader's language
/// (`filename*`, decoded) and the ASCII one (`filename`) for browsers that read
/// only that.
pub fn saved_as(res: &Response) -> (String, String) {
    let disposition = res.headers()[header::CONTENT_DISPOSITION].to_str().unwrap();
    let named = disposition.split("filename*=UTF-8''").nth(1).unwrap();
    let named = percent_encoding::percent_decode_str(named.split(';').next().unwrap())
        .decode_utf8()
        .unwrap()
        .into_owned();
    let ascii = disposition.split("filename=\"").nth(1).unwrap();
    (named, ascii.split('"').next().unwrap().to_owned())
}

pub fn location(res: &Response) -> String {
    res.headers()
        .get(header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

impl Browser {
    /// The same browser (cookie jar and all) talking to another instance.
    pub fn at(&self, app: &TestApp) -> Browser {
        Browser {
            base: app.addr.clone(),
            client: self.client.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    /// GET, expecting a page; returns status and body.
    pub async fn page(&self, path: &str) -> (StatusCode, String) {
        let res = self.get(path).await;
        let status = res.status();
        (status, res.text().await.unwrap())
    }

    /// A CSRF token of this browser's session, read from a form as a person's
    /// browser would (the sign-in page when anonymous, else the password page).
    pub async fn csrf(&self) -> String {
        for path in ["/account/password", "/login"] {
            let (_, body) = self.page(path).await;
            if let Some(t) = csrf_in(&body) {
                return t;
            }
        }
        panic!("no page with a CSRF token");
    }

    /// Submits a form with this session's CSRF token added.
    pub async fn post(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.csrf().await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("csrf_token", &token));
        self.post_raw(path, &all).await
    }

    /// The one-time token of the creating form shown at `path`.
    pub async fn form_token(&self, path: &str) -> String {
        let (_, body) = self.page(path).await;
        value_of(&body, r#"input[name="form_token"]"#)
            .unwrap_or_else(|| panic!("no form_token on {path}"))
    }

    /// Fills the creating form shown at `form` and sends it to `action` with the
    /// page's CSRF and one-time tokens, as a browser does.
    pub async fn submit(&self, form: &str, action: &str, fields: &[(&str, &str)]) -> Response {
        let token = self.form_token(form).await;
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        all.push(("form_token", &token));
        self.post(action, &all).await
    }

    /// Submits exactly these fields.
    pub async fn post_raw(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .unwrap()
    }

    pub async fn login(&self, username: &str, password: &str) -> Response {
        self.post(
            "/login",
            &[
                ("username", username),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    }
}
