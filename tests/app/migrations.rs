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

#[tokio::test]
async fn breaches_without_a_fine_confirmed_before_are_renumbered_clause_by_clause() {
    let url = empty_database().await;
    kefu::db::migrate(&url, today()).await.unwrap();
    let mut conn = AsyncPgConnection::establish(&url).await.unwrap();
    kefu::demo::seed(&mut conn, PASSWORD).await.unwrap();
    drop(conn);

    tokio::task::spawn_blocking(move || {
        let mut conn = <SyncConn as Connection>::establish(&url).unwrap();
        revert_through(&mut conn, "2026-12-03-000020");
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
    .await
    .unwrap();
}
