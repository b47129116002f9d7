//! The PostgreSQL fixture of the store benches (`session`, `tokens`),
//! included by both with `#[path]`.

use std::sync::Arc;

use auth_store::{PostgresConfig, PostgresStore};

/// The PostgreSQL server the store benches use: `AUTH_BENCH_POSTGRES_URL`
/// if set, else the machine's server on 127.0.0.1:5432 (trust auth, as on
/// the project's machines). A real server with its default durability
/// (`fsync` on), so a write's cost includes its commit.
#[must_use]
pub(crate) fn postgres_url() -> String {
    std::env::var("AUTH_BENCH_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

/// A fresh schema name for one bench run (`{prefix}_{pid}`).
#[must_use]
pub(crate) fn postgres_schema(prefix: &str) -> String {
    format!("{prefix}_{}", std::process::id())
}

/// Drops `schema` (and everything in it) on the server at `url`.
///
/// # Panics
///
/// When the server cannot be reached.
// A bench fixture: failing loudly is the point.
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
pub(crate) async fn drop_postgres_schema(url: &str, schema: &str) {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .expect("the bench PostgreSQL server");
    let task = tokio::spawn(conn);
    client
        .batch_execute(&format!("DROP SCHEMA IF EXISTS {schema} CASCADE"))
        .await
        .unwrap();
    drop(client);
    let _ = task.await;
}

/// A migrated store in schema `schema` on the server at `url`.
///
/// # Panics
///
/// When the server cannot be reached.
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
pub(crate) async fn postgres_store(url: &str, schema: &str) -> Arc<PostgresStore> {
    let config = PostgresConfig::new(url).unwrap().schema(schema).unwrap();
    let store = PostgresStore::new(config).unwrap();
    store
        .migrate()
        .await
        .expect("a PostgreSQL server (AUTH_BENCH_POSTGRES_URL, else 127.0.0.1:5432)");
    Arc::new(store)
}
