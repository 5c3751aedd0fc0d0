//! Every migration is reversible: on a database with the handbook and the demo
//! data in it, all of them revert in order and run again.
use diesel::{Connection, RunQueryDsl};
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use diesel_migrations::MigrationHarness;

use crate::approvals::today;
use crate::helpers::{empty_database, TestApp, PASSWORD};

type SyncConn = AsyncConnectionWrapper<AsyncPgConnection>;

#[derive(diesel::QueryableByName)]
struct Count {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// The tables of the public schema, the migrations' own bookkeeping aside.
fn tables(conn: &mut SyncConn) -> i64 {
    diesel::sql_query(
        "SELECT count(*) AS n FROM pg_tables WHERE schemaname = 'public' \
         AND tablename <> '__diesel_schema_migrations'",
    )
    .get_result::<Count>(conn)
    .unwrap()
    .n
}

#[tokio::test]
async fn every_migration_reverts_with_data_in_it_and_runs_again() {
    // The demo data `make run` loads, as a site in use has rows in every table.
    let config = TestApp::spawn().await.config.clone();
    let url = empty_database().await;
    kefu::db::migrate(&url, today()).await.unwrap();
    let mut conn = AsyncPgConnection::establish(&url).await.unwrap();
    kefu::demo::seed(&mut conn, PASSWORD).await.unwrap();
    kefu::demo::seed_properties(&mut conn).await.unwrap();
    kefu::archives::seed_demo(&mut conn, &config).await.unwrap();
    kefu::keys::seed_demo(&mut conn, &config).await.unwrap();
    kefu::violations::seed_demo(&mut conn, &config)
        .await
        .unwrap();
    kefu::complaints::seed_demo(&mut conn).await.unwrap();
    drop(conn);

    tokio::task::spawn_blocking(move || {
        let mut conn = <SyncConn as Connection>::establish(&url).unwrap();
        let created = tables(&mut conn);
        assert!(created > 20, "the schema is there ({created} tables)");
        for table in [
            "archive_documents",
            "archive_destructions",
            "keys",
            "handbook_versions",
            "violations",
            "complaints",
        ] {
            let rows = diesel::sql_query(format!("SELECT count(*) AS n FROM {table}"))
                .get_result::<Count>(&mut conn)
                .unwrap()
                .n;
            assert!(rows > 0, "{table} has rows");
        }
        let reverted = conn
            .revert_all_migrations(kefu::db::MIGRATIONS)
            .unwrap_or_else(|e| panic!("reverting: {e}"))
            .len();
        assert!(reverted > 0);
        assert_eq!(tables(&mut conn), 0, "nothing left behind");
        let ran = conn
            .run_pending_migrations(kefu::db::MIGRATIONS)
            .unwrap_or_else(|e| panic!("running again: {e}"))
            .len();
        assert_eq!(ran, reverted);
        assert_eq!(tables(&mut conn), created);
    })
    .await
    .unwrap();
}

/// (clause, offence number) of the confirmed breaches, in the order confirmed.
fn offences(conn: &mut SyncConn) -> Vec<(String, i32)> {
    #[derive(diesel::QueryableByName)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::Text)]
        clause: String,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        offence_no: i32,
    }
    diesel::sql_query(
        "SELECT clause, offence_no FROM violations WHERE status = 'confirmed' ORDER BY decided_at",
    )
    .load::<Line>(conn)
    .unwrap()
    .into_iter()
    .map(|l| (l.clause, l.offence_no))
    .collect()
}

/// Reverts the migrations down to and including `version` (its date and
/// number, as the folder's name starts).
fn revert_through(conn: &mut SyncConn, version: &str) {
    let wanted = version.replace('-', "");
    loop {
        let v = conn
            .revert_last_migration(kefu::db::MIGRATIONS)
            .unwrap_or_else(|e| panic!("reverting: {e}"));
        if v.to_string().replace('-', "") == wanted {
            return;
        }
    }
}

/// Runs `check` on a database with the demo users whose migrations stand
/// just before `version` (reverted down to and including it): to put rows
/// there as they were, then run the migration and see what it does with them.
async fn before_migration(version: &'static str, check: impl FnOnce(SyncConn) + Send + 'static) {
    let url = empty_database().await;
    kefu::db::migrate(&url, today()).await.unwrap();
    let mut conn = AsyncPgConnection::establish(&url).await.unwrap();
    kefu::demo::seed(&mut conn, PASSWORD).await.unwrap();
    drop(conn);
    tokio::task::spawn_blocking(move || {
        let mut conn = <SyncConn as Connection>::establish(&url).unwrap();
        revert_through(&mut conn, version);
        check(conn);
    })
    .await
    .unwrap();
}

#[tokio::test]
async fn breaches_without_a_fine_confirmed_before_are_renumbered_clause_by_clause() {
    before_migration("2026-12-03-000020", |mut conn| {
        // As the register numbered them: every breach without a fine counted
        // together, the conduct one on its own.
        diesel::sql_query(
            "INSERT INTO violations (employee_id, clause, schedule, occurred_on, details, \
             proposed_by, status, decided_by, decided_at, offence_no, fine_fen) \
             SELECT e.id, c.clause, c.schedule, DATE '2026-11-02', 'x', s.id, 'confirmed', s.id, \
                    TIMESTAMPTZ '2026-11-02 10:00+08' + c.n * interval '1 hour', c.no, 0 \
             FROM users e, users s, (VALUES \
                 (1, '接待来访客户管理规定 4', 'unscheduled', 1), \
                 (2, '办公环境管理规定 1', 'unscheduled', 2), \
                 (3, '日常管理 1(2)', 'conduct', 1), \
                 (4, '接待来访客户管理规定 4', 'unscheduled', 3)) AS c (n, clause, schedule, no) \
             WHERE e.username = 'employee' AND s.username = 'supervisor'",
        )
        .execute(&mut conn)
        .unwrap();
        let before = offences(&mut conn);
        assert_eq!(before.iter().map(|l| l.1).collect::<Vec<_>>(), [1, 2, 1, 3]);

        conn.run_pending_migrations(kefu::db::MIGRATIONS).unwrap();
        let numbers =
            |conn: &mut SyncConn| offences(conn).into_iter().map(|l| l.1).collect::<Vec<_>>();
        assert_eq!(numbers(&mut conn), [1, 1, 1, 2]);

        revert_through(&mut conn, "2026-12-03-000020");
        assert_eq!(offences(&mut conn), before);
    })
    .await;
}

/// (content, assignee's username, assigned at) of every matter, by content.
fn assignments(conn: &mut SyncConn) -> Vec<(String, Option<String>, Option<String>)> {
    #[derive(diesel::QueryableByName)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::Text)]
        content: String,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        assignee: Option<String>,
        #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
        assigned_at: Option<String>,
    }
    diesel::sql_query(
        "SELECT c.content, u.username AS assignee, c.assigned_at::text AS assigned_at \
         FROM complaints c LEFT JOIN users u ON u.id = c.assignee_id ORDER BY c.content",
    )
    .load::<Line>(conn)
    .unwrap()
    .into_iter()
    .map(|l| (l.content, l.assignee, l.assigned_at))
    .collect()
}

#[tokio::test]
async fn open_matters_of_colleagues_deactivated_before_go_back_among_the_unassigned() {
    before_migration("2026-12-05-000040", |mut conn| {
        // Before the fix, the archive keeper left (deactivated, their matters
        // kept) and the engineering manager lost the one post of theirs that
        // follows matters up (employee).
        diesel::sql_query("UPDATE users SET active = false WHERE username = 'keeper'")
            .execute(&mut conn)
            .unwrap();
        diesel::sql_query(
            "DELETE FROM user_roles WHERE role_code = 'employee' \
             AND user_id = (SELECT id FROM users WHERE username = 'engineer')",
        )
        .execute(&mut conn)
        .unwrap();
        diesel::sql_query(
            "INSERT INTO complaints (received_at, channel, kind, customer_name, content, \
             recorded_by, assignee_id, assigned_at, status, resolved_at, resolution) \
             SELECT TIMESTAMPTZ '2026-11-20 09:00+08', 'phone', 'request', '王先生', m.content, \
                    s.id, a.id, TIMESTAMPTZ '2026-11-20 10:00+08' + m.n * interval '1 hour', \
                    m.status, CASE WHEN m.status = 'resolved' THEN now() END, '' \
             FROM users s, (VALUES \
                 (1, 'a 离职者的未办结事项', 'keeper', 'open'), \
                 (2, 'b 工程部经理的未办结事项', 'engineer', 'open'), \
                 (3, 'c 在职员工的未办结事项', 'employee', 'open'), \
                 (4, 'd 离职者已办结的事项', 'keeper', 'resolved')) AS m (n, content, who, status) \
             JOIN users a ON a.username = m.who \
             WHERE s.username = 'supervisor'",
        )
        .execute(&mut conn)
        .unwrap();
        let before = assignments(&mut conn);
        assert_eq!(before.len(), 4);

        conn.run_pending_migrations(kefu::db::MIGRATIONS).unwrap();
        let after = assignments(&mut conn);
        let assignees: Vec<Option<&str>> = after.iter().map(|l| l.1.as_deref()).collect();
        assert_eq!(
            assignees,
            [None, None, Some("employee"), Some("keeper")],
            "{after:?}"
        );
        assert!(after[0].2.is_none() && after[1].2.is_none());
        let logged = diesel::sql_query(
            "SELECT count(*) AS n FROM audit_log \
             WHERE action = 'complaint.unassigned' AND ip = 'migration'",
        )
        .get_result::<Count>(&mut conn)
        .unwrap()
        .n;
        assert_eq!(logged, 2, "one audit line per matter put back");

        revert_through(&mut conn, "2026-12-05-000040");
        assert_eq!(assignments(&mut conn), before);
    })
    .await;
}

/// The one text column `sql` selects (named `text`), row by row.
fn texts(conn: &mut SyncConn, sql: &str) -> Vec<String> {
    #[derive(diesel::QueryableByName)]
    struct Line {
        #[diesel(sql_type = diesel::sql_types::Text)]
        text: String,
    }
    diesel::sql_query(sql)
        .load::<Line>(conn)
        .unwrap()
        .into_iter()
        .map(|l| l.text)
        .collect()
}

/// The details of every breach, by id.
fn breach_details(conn: &mut SyncConn) -> Vec<String> {
    texts(conn, "SELECT details AS text FROM violations ORDER BY id")
}

#[tokio::test]
async fn breaches_proposed_from_key_loans_before_name_their_doors_in_each_language() {
    before_migration("2026-12-05-000060", |mut conn| {
        // As proposed before: Chinese door names; a typed breach untouched.
        diesel::sql_query(
            "INSERT INTO violations (employee_id, clause, schedule, occurred_on, details, \
             source, source_id, proposed_by) \
             SELECT e.id, '钥匙管理规定 2(1)②', 'key_overdue', DATE '2026-11-02', c.details, \
                    c.source, c.source_id, CASE WHEN c.source = 'manual' THEN e.id END \
             FROM users e, (VALUES \
                 (1, '1-1-3-301 信报箱、1-1-3-301 防盗铁门、{B}-配电房', 'key_loan', 7), \
                 (2, '丢失钥匙 信报箱、单元门', 'manual', NULL::bigint)) \
                 AS c (n, details, source, source_id) \
             WHERE e.username = 'employee' ORDER BY c.n",
        )
        .execute(&mut conn)
        .unwrap();
        let before = breach_details(&mut conn);

        conn.run_pending_migrations(kefu::db::MIGRATIONS).unwrap();
        let after = breach_details(&mut conn);
        assert_eq!(after[1], before[1], "typed text is left as typed");
        for (loc, shown) in [
            (
                kefu::i18n::Locale::ZhCn,
                "1-1-3-301 信报箱、1-1-3-301 防盗铁门、{B}-配电房",
            ),
            (
                kefu::i18n::Locale::En,
                "1-1-3-301 Mailbox, 1-1-3-301 Security door, {B}-配电房",
            ),
        ] {
            assert_eq!(kefu::approvals::localize(&after[0], loc), shown);
        }

        revert_through(&mut conn, "2026-12-05-000060");
        assert_eq!(breach_details(&mut conn), before);
    })
    .await;
}

/// The labels of common-area keys, by id.
fn key_labels(conn: &mut SyncConn) -> Vec<String> {
    texts(
        conn,
        "SELECT label AS text FROM keys WHERE category = 'common' ORDER BY id",
    )
}

#[tokio::test]
async fn common_area_keys_labelled_with_a_chinese_floor_before_read_in_both_languages() {
    before_migration("2026-12-06-000010", |mut conn| {
        // As labelled before, beside one whose label was typed otherwise.
        diesel::sql_query(
            "WITH p AS (INSERT INTO projects (name, address) VALUES ('锦绣花园', '') \
                        RETURNING id), \
                  b AS (INSERT INTO buildings (project_id, code, name) \
                        SELECT id, 'A', 'A 栋' FROM p RETURNING id) \
             INSERT INTO keys (category, building_id, floor, door, label, custodian) \
             SELECT 'common', b.id, f.floor, '天台门', f.label, 'engineering' \
             FROM b, (VALUES (9, 'A-9层', 1), (-1, 'A--1层', 2), (2, '机房二层', 3)) \
                  AS f (floor, label, n) \
             ORDER BY f.n",
        )
        .execute(&mut conn)
        .unwrap();
        let before = key_labels(&mut conn);
        assert_eq!(before, ["A-9层", "A--1层", "机房二层"]);

        conn.run_pending_migrations(kefu::db::MIGRATIONS).unwrap();
        assert_eq!(
            key_labels(&mut conn),
            ["A-9F", "A-B1", "机房二层"],
            "typed labels stay"
        );

        revert_through(&mut conn, "2026-12-06-000010");
        assert_eq!(key_labels(&mut conn), before);
    })
    .await;
}

/// Each count's project, by count note.
fn count_projects(conn: &mut SyncConn) -> Vec<String> {
    texts(
        conn,
        "SELECT c.note || '=' || coalesce(p.name, '-') AS text FROM key_counts c \
         LEFT JOIN projects p ON p.id = c.project_id ORDER BY c.id",
    )
}

#[tokio::test]
async fn past_key_counts_are_placed_in_the_project_of_their_cabinet() {
    before_migration("2026-12-08-000010", |mut conn| {
        // Two projects, each with a cabinet X柜; a Y柜 in the second only.
        diesel::sql_query(
            "WITH p AS (INSERT INTO projects (name, address) \
                        VALUES ('锦绣花园', ''), ('翠湖苑', '') RETURNING id, name), \
                  b AS (INSERT INTO buildings (project_id, code, name) \
                        SELECT id, 'A', name FROM p RETURNING id, name) \
             INSERT INTO keys (category, building_id, floor, door, label, cabinet, custodian) \
             SELECT 'common', b.id, 1, k.door, b.name || k.door, k.cabinet, 'cs' \
             FROM b, (VALUES ('天台门', 'X柜'), ('楼道门', 'X柜'), ('机房门', 'Y柜')) \
                  AS k (door, cabinet) \
             WHERE k.cabinet = 'X柜' OR b.name = '翠湖苑'",
        )
        .execute(&mut conn)
        .unwrap();
        // A count that listed keys (one of them lent away from the other
        // project's cabinet before the fix), an empty count of a cabinet only
        // one project has, and one of a name both have.
        diesel::sql_query(
            "WITH u AS (SELECT id FROM users WHERE username = 'specialist'), \
                  c AS (INSERT INTO key_counts (cabinet, counted_by, expected, missing, note) \
                        SELECT v.cabinet, u.id, 0, 0, v.note FROM u, \
                        (VALUES ('X柜', 'listed'), ('Y柜', 'only'), ('X柜', 'both')) \
                        AS v (cabinet, note) RETURNING id, note) \
             INSERT INTO key_count_lines (count_id, key_id, present) \
             SELECT c.id, k.id, true FROM c, keys k \
             WHERE c.note = 'listed' AND k.cabinet = 'X柜' \
               AND (k.label LIKE '翠湖苑%' OR k.door = '天台门')",
        )
        .execute(&mut conn)
        .unwrap();

        conn.run_pending_migrations(kefu::db::MIGRATIONS).unwrap();
        assert_eq!(
            count_projects(&mut conn),
            ["listed=翠湖苑", "only=翠湖苑", "both=-"]
        );

        revert_through(&mut conn, "2026-12-08-000010");
        let kept: i64 = texts(&mut conn, "SELECT count(*)::text AS text FROM key_counts")[0]
            .parse()
            .unwrap();
        assert_eq!(kept, 3);
    })
    .await;
}

#[tokio::test]
async fn clauses_revised_before_keep_the_citation_of_their_first_version() {
    before_migration("2026-12-08-000040", |mut conn| {
        // A second version renumbered the cited clause 2(1)② to ③ and put a
        // new clause where it was printed (its section rows reused: the
        // migration reads versions and anchors only).
        diesel::sql_query(
            "WITH old AS (SELECT c.version_id, c.anchor FROM handbook_clauses c \
                          WHERE c.citation = '钥匙管理规定 2(1)②'), \
                  v2 AS (INSERT INTO handbook_versions \
                           (document_id, number, status, title, content_hash, effective_on) \
                         SELECT v.document_id, 2, 'published', v.title, 'v2', v.effective_on \
                         FROM handbook_versions v JOIN old ON old.version_id = v.id \
                         RETURNING id), \
                  copied AS (INSERT INTO handbook_clauses \
                               (version_id, section_id, position, depth, number, anchor, citation, body, gap) \
                             SELECT v2.id, c.section_id, c.position, c.depth, c.number, c.anchor, \
                                    CASE WHEN c.anchor = old.anchor THEN '钥匙管理规定 2(1)③' \
                                         ELSE c.citation END, c.body, c.gap \
                             FROM v2, old, handbook_clauses c WHERE c.version_id = old.version_id) \
             INSERT INTO handbook_clauses \
               (version_id, section_id, position, depth, number, anchor, citation, body, gap) \
             SELECT v2.id, c.section_id, 999, c.depth, '②', 'new-1', '钥匙管理规定 2(1)②', \
                    '新插入的条款。', false \
             FROM v2, old, handbook_clauses c \
             WHERE c.version_id = old.version_id AND c.anchor = old.anchor",
        )
        .execute(&mut conn)
        .unwrap();

        conn.run_pending_migrations(kefu::db::MIGRATIONS).unwrap();
        let mut cited = |sql: &str| texts(&mut conn, sql);
        assert_eq!(
            cited(
                "SELECT c.citation || '=' || c.cited_as AS text FROM handbook_clauses c \
                 JOIN handbook_versions v ON v.id = c.version_id \
                 WHERE v.number = 2 AND (c.body LIKE '借出时必须%' OR c.anchor = 'new-1') \
                 ORDER BY c.position"
            ),
            ["钥匙管理规定 2(1)③=钥匙管理规定 2(1)②", "钥匙管理规定 2(1)②="]
        );
        let unlike = cited(
            "SELECT count(*)::text AS text FROM handbook_clauses c \
             JOIN handbook_versions v ON v.id = c.version_id \
             WHERE v.number = 1 AND c.cited_as <> c.citation",
        );
        assert_eq!(unlike, ["0"], "the first versions are cited as printed");

        revert_through(&mut conn, "2026-12-08-000040");
    })
    .await;
}
