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
