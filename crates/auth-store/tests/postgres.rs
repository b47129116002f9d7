//! The shared behaviour suites on `PostgresStore`, plus what only
//! PostgreSQL has: migrations, the batched sweeper, a refresh race on
//! separate connections, rows that hold no raw ID, and an outage (the
//! server stopped and started again on the same port) with recovery.
//!
//! Where the server comes from, in order: `AUTH_TEST_POSTGRES_URL`; else a
//! temporary cluster the tests start themselves (`initdb` and `postgres`
//! from `/usr/local/bin` or `/usr/lib/postgresql/*/bin`, a temporary
//! directory, a free loopback port; as root they run as the `postgres`
//! user, since initdb refuses root), stopped when the test process exits;
//! else the server on 127.0.0.1:5432 (trust auth). Each store gets a
//! schema of its own, so tests and runs never share rows. When no server
//! can be had, tests print `SKIPPED: ...` and pass, except with `CI=true`,
//! where they fail. The outage test always starts a cluster of its own.

#![cfg(feature = "postgres")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

extern crate alloc;

mod common;
mod pg_server;

use alloc::sync::Arc;
use core::time::Duration;
use std::time::Instant;

use auth_core::Error;
use auth_core::session::{SessionId, SessionManager, StoreKey};
use auth_core::store::{Created, RefreshRules, Refreshed, SessionStore, TokenStore};
use auth_core::tokens::{FamilyRecord, RefreshToken};
use auth_store::{PostgresConfig, PostgresConfigError, PostgresStore};
use common::{login, meta, record, t0, user};
use pg_server::{Cluster, server_url, skip, unique};

fn config_at(url: &str, schema: &str) -> PostgresConfig {
    PostgresConfig::new(url).unwrap().schema(schema).unwrap()
}

/// A store in a fresh schema of its own, migrated.
async fn fresh(url: &str, config: impl FnOnce(PostgresConfig) -> PostgresConfig) -> PostgresStore {
    let schema = unique("t");
    let store = PostgresStore::new(config(config_at(url, &schema))).unwrap();
    assert_eq!(store.migrate().await.unwrap(), 1);
    store
}

/// A migrated store in a fresh schema, or `None` (skipped) without a
/// server.
fn pg() -> Option<impl Future<Output = PostgresStore>> {
    let url = server_url()?;
    Some(async move { fresh(&url, |c| c).await })
}

// Without a server, each suite test prints SKIPPED and returns (or fails
// under CI) before the suite body runs.
store_suite!(match pg() {
    Some(store) => store,
    None => return,
});
token_suite!(match pg() {
    Some(store) => store,
    None => return,
});

/// The throttling suite.
mod throttling {
    use super::{common, pg};

    crate::throttle_suite!(match pg() {
        Some(store) => store,
        None => return,
    });
}

/// A direct connection to `url` with `search_path` set to `schema`, for
/// looking at the tables.
async fn raw(url: &str, schema: &str) -> tokio_postgres::Client {
    let (client, conn) = tokio_postgres::connect(url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(conn);
    client
        .batch_execute(&format!("SET search_path TO {schema}"))
        .await
        .unwrap();
    client
}

#[tokio::test]
async fn migrations_are_versioned_idempotent_and_printable() {
    let Some(url) = server_url() else { return };
    let schema = unique("mig");
    let store = PostgresStore::new(config_at(&url, &schema)).unwrap();
    assert_eq!(store.migrate().await.unwrap(), 1);
    // Again: nothing to do.
    assert_eq!(store.migrate().await.unwrap(), 0);
    let db = raw(&url, &schema).await;
    let rows = db
        .query("SELECT version, name FROM auth_migrations", &[])
        .await
        .unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].get::<_, i32>(0), PostgresStore::schema_version());
    assert_eq!(rows[0].get::<_, &str>(1), "init");

    // The printed SQL, applied by hand to another schema, gives a schema
    // the store accepts as up to date.
    let manual = unique("manual");
    let db = raw(&url, &manual).await;
    db.batch_execute(&format!("CREATE SCHEMA {manual}"))
        .await
        .unwrap();
    let sql = PostgresStore::migrations_sql();
    assert!(sql.contains("CREATE TABLE auth_sessions"));
    db.batch_execute(&sql).await.unwrap();
    let by_hand = PostgresStore::new(config_at(&url, &manual)).unwrap();
    assert_eq!(by_hand.migrate().await.unwrap(), 0);
    let r = record("manual", t0(), "ua");
    let key = SessionId::generate().unwrap().store_key();
    assert_eq!(
        by_hand.create(&key, &r, 0, 8).await.unwrap(),
        Created::Stored
    );
    assert!(by_hand.load(&key, t0()).await.unwrap().is_some());
}

#[tokio::test]
async fn several_instances_migrating_at_once_apply_each_version_once() {
    let Some(url) = server_url() else { return };
    let schema = unique("race");
    let stores: Vec<_> = (0..4)
        .map(|_| Arc::new(PostgresStore::new(config_at(&url, &schema)).unwrap()))
        .collect();
    let runs: Vec<_> = stores
        .iter()
        .map(|s| {
            let s = s.clone();
            tokio::spawn(async move { s.migrate().await })
        })
        .collect();
    let mut applied = 0;
    for run in runs {
        applied += run.await.unwrap().unwrap_or_else(|e| panic!("{e:?}"));
    }
    assert_eq!(applied, 1);
}

#[test]
fn config_refuses_what_it_cannot_honour_and_hides_the_password() {
    assert_eq!(
        PostgresConfig::new("postgres://u:pw@host/db?sslmode=require").unwrap_err(),
        PostgresConfigError::TlsNotSupported
    );
    assert_eq!(
        PostgresConfig::new("postgres://u:pw@host:notaport/db").unwrap_err(),
        PostgresConfigError::InvalidUrl
    );
    let config = PostgresConfig::new("postgresql://user:s3cret-pw@db.internal:5432/app").unwrap();
    for bad in ["", "1abc", "Auth", "a-b", "a;drop", &"a".repeat(64)] {
        assert_eq!(
            config.clone().schema(bad).unwrap_err(),
            PostgresConfigError::InvalidSchema,
            "{bad:?}"
        );
    }
    assert!(config.clone().schema(&"a".repeat(63)).is_ok());
    assert_eq!(
        PostgresStore::new(config.clone().pool_size(0)).unwrap_err(),
        PostgresConfigError::InvalidLimit
    );
    assert_eq!(
        PostgresStore::new(config.clone().statement_timeout(Duration::ZERO)).unwrap_err(),
        PostgresConfigError::InvalidLimit
    );
    let shown = format!("{config:?}");
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(!shown.contains("db.internal"), "{shown}");
    assert!(
        shown.starts_with(r#"PostgresConfig { hosts: 1, schema: "auth", pool_size: 16, "#),
        "{shown}"
    );
    // Each refusal says what is wrong, never repeating the URL.
    for (e, text) in [
        (
            PostgresConfigError::InvalidUrl,
            "the postgres connection string does not parse",
        ),
        (
            PostgresConfigError::InvalidSchema,
            "a schema name must be 1 to 63 characters of a-z, 0-9 and _, not starting with a digit",
        ),
        (
            PostgresConfigError::TlsNotSupported,
            "the postgres store does not speak TLS: use a loopback or private network, or a TLS-terminating proxy",
        ),
        (
            PostgresConfigError::InvalidLimit,
            "pool size and timeouts must be positive",
        ),
    ] {
        assert_eq!(e.to_string(), text);
    }
    let store = PostgresStore::new(config).unwrap();
    let shown = format!("{store:?}");
    assert!(!shown.contains("s3cret"), "{shown}");
    assert!(shown.contains("schema: \"auth\""), "{shown}");
}

fn family_for(u: &str, t: u64) -> (StoreKey, FamilyRecord) {
    let first = RefreshToken::generate(None).unwrap().store_key();
    let family = FamilyRecord::new(u, &first, &serde_json::Map::new(), t, 600, 3600).unwrap();
    (first, family)
}

/// Eight refreshes of one token at once, each on its own pooled
/// connection, in many trials: exactly one rotates; the rest see a reuse
/// (the family is revoked) or, once it is, an unknown token.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refresh_on_separate_connections_has_one_winner() {
    let Some(url) = server_url() else { return };
    let store = Arc::new(fresh(&url, |c| c.pool_size(8)).await);
    let t = t0();
    let rules = RefreshRules {
        idle: 600,
        grace: 0,
        max_refreshes: 100,
    };
    for trial in 0..60 {
        let u = user("race");
        let (first, family) = family_for(&u, t);
        assert_eq!(
            store.create_family(&family, 0, 8).await.unwrap(),
            Created::Stored
        );
        let racers: Vec<_> = (0..8)
            .map(|_| {
                let store = store.clone();
                let next = RefreshToken::generate(None).unwrap().store_key();
                tokio::spawn(
                    async move { (next, store.refresh(&first, &next, t + 1, rules).await) },
                )
            })
            .collect();
        let mut winners = Vec::new();
        let mut reused = 0;
        for racer in racers {
            match racer.await.unwrap() {
                (next, Ok(Refreshed::Rotated(f))) => {
                    assert_eq!(f.current(), Some(next));
                    winners.push(next);
                }
                (_, Ok(Refreshed::Reused { user_id, family_id })) => {
                    assert_eq!(
                        (user_id.as_str(), family_id.as_str()),
                        (u.as_str(), family.family_id.as_str())
                    );
                    reused += 1;
                }
                (_, Ok(Refreshed::Unknown)) => {}
                (_, other) => panic!("trial {trial}: {other:?}"),
            }
        }
        assert_eq!(winners.len(), 1, "trial {trial}");
        // Seven losers: the first to come after the winner revoked the
        // family, so the winner's token is dead too.
        assert!(reused >= 1, "trial {trial}");
        assert_eq!(
            store
                .refresh(
                    &winners[0],
                    &RefreshToken::generate(None).unwrap().store_key(),
                    t + 2,
                    rules
                )
                .await
                .unwrap(),
            Refreshed::Unknown,
            "trial {trial}"
        );
    }
}

/// Thousands of expired sessions go in batches of 100 while loads of a
/// live session go on and always find it; the sweep deletes exactly the
/// expired rows, and expired rows were never readable.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sweeper_removes_expired_rows_in_batches_while_reads_go_on() {
    let Some(url) = server_url() else { return };
    let store = Arc::new(fresh(&url, |c| c.sweep_batch(100)).await);
    let t = t0();
    let live = record("live", t, "ua");
    let live_key = SessionId::generate().unwrap().store_key();
    assert_eq!(
        store.create(&live_key, &live, 0, 8).await.unwrap(),
        Created::Stored
    );
    // 2,500 sessions past their deadline (1,000 s ago), written directly.
    let expired = record("gone", t - 5000, "ua");
    let bytes = expired.encode().unwrap();
    let db = raw(&url, store.schema_name()).await;
    let at = i64::try_from(expired.expires_at()).unwrap();
    db.execute(
        "INSERT INTO auth_sessions (key, user_id, expires_at, record)
         SELECT sha256(int4send(i)), 'gone', $1, $2 FROM generate_series(1, 2500) AS i",
        &[&at, &bytes],
    )
    .await
    .unwrap();
    let one_expired = {
        let row = db
            .query_one(
                "SELECT key FROM auth_sessions WHERE user_id = 'gone' LIMIT 1",
                &[],
            )
            .await
            .unwrap();
        StoreKey(row.get::<_, &[u8]>(0).try_into().unwrap())
    };
    assert_eq!(store.load(&one_expired, t).await.unwrap(), None);
    assert!(store.list("gone", t).await.unwrap().is_empty());

    let reader = {
        let store = store.clone();
        tokio::spawn(async move {
            let mut reads = 0;
            let start = Instant::now();
            while start.elapsed() < Duration::from_millis(300) || reads < 20 {
                assert!(store.load(&live_key, t + 1).await.unwrap().is_some());
                reads += 1;
            }
            reads
        })
    };
    let removed = store.sweep(t + 1).await.unwrap();
    assert!(reader.await.unwrap() >= 20);
    assert_eq!(removed, 2500);
    let count: i64 = db
        .query_one("SELECT count(*) FROM auth_sessions", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(count, 1);
    assert!(store.load(&live_key, t + 1).await.unwrap().is_some());
    // Nothing left to sweep.
    assert_eq!(store.sweep(t + 1).await.unwrap(), 0);
}

/// The spawned sweeper removes expired rows by itself and refuses a zero
/// interval with `misuse`.
#[tokio::test]
async fn spawned_sweeper_runs_and_refuses_a_zero_interval() {
    let Some(url) = server_url() else { return };
    let store = Arc::new(fresh(&url, |c| c).await);
    let t = t0();
    let old = record("old", t - 5000, "ua");
    let key = SessionId::generate().unwrap().store_key();
    // Stored while live at its own time, expired by the clock's.
    assert_eq!(
        store.create(&key, &old, 0, 8).await.unwrap(),
        Created::Stored
    );
    assert_eq!(
        store
            .spawn_sweeper(Duration::ZERO, auth_core::SystemClock)
            .unwrap_err(),
        Error::Misuse("the sweep interval must be positive")
    );
    let task = store
        .spawn_sweeper(Duration::from_millis(20), auth_core::SystemClock)
        .unwrap();
    let db = raw(&url, store.schema_name()).await;
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let n: i64 = db
            .query_one("SELECT count(*) FROM auth_sessions", &[])
            .await
            .unwrap()
            .get(0);
        if n == 0 {
            break;
        }
        assert!(Instant::now() < deadline, "the sweeper never ran");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    task.abort();
}

/// No row of any table holds a session ID, a refresh token, an access
/// token or its `jti`, in any form the store could have written them.
#[tokio::test]
async fn no_row_holds_a_raw_id_or_token() {
    use common::tokens::{config, issue, service};
    let Some(url) = server_url() else { return };
    let store = fresh(&url, |c| c).await;
    let t = t0();
    let u = user("raw");
    let m = SessionManager::new(&store, common::config());
    let s = login(&m, &u, None, meta("ua"), t).await.unwrap();
    let cookie = s.id.expose().to_string();
    let tokens = service(&store, config());
    let first = issue(&tokens, &u, t).await.unwrap();
    let second = tokens
        .refresh(&first.refresh_token.expose(), t + 1)
        .await
        .unwrap();
    tokens
        .revoke_access(&second.access_token, t + 1)
        .await
        .unwrap();
    let access: auth_core::tokens::Access<serde_json::Value> =
        tokens.verify(&second.access_token, t + 1).unwrap();
    let jti = access.jti.clone();
    let secrets = [
        cookie,
        first.refresh_token.expose().to_string(),
        second.refresh_token.expose().to_string(),
        second.access_token.clone(),
        jti,
    ];

    let db = raw(&url, store.schema_name()).await;
    let mut dump = String::new();
    let mut rows = 0;
    for table in [
        "auth_sessions",
        "auth_users",
        "auth_token_users",
        "auth_families",
        "auth_refresh_tokens",
        "auth_denied",
        "auth_throttles",
    ] {
        // Each row as text (bytea as hex) and each bytea column decoded as
        // text too, in case a value had been stored as its UTF-8.
        for row in db
            .query(&format!("SELECT t::text FROM {table} AS t"), &[])
            .await
            .unwrap()
        {
            dump.push_str(row.get::<_, &str>(0));
            dump.push('\n');
            rows += 1;
        }
    }
    for row in db
        .query(
            "SELECT convert_from(record, 'UTF8') FROM auth_sessions
             UNION ALL SELECT convert_from(record, 'UTF8') FROM auth_families",
            &[],
        )
        .await
        .unwrap()
    {
        dump.push_str(row.get::<_, &str>(0));
    }
    // A session, a family, two refresh tokens, a denial, two users.
    assert!(rows >= 6, "{rows} rows");
    for secret in &secrets {
        assert!(!dump.contains(secret.as_str()), "a raw secret is stored");
        let hex: String = secret.bytes().map(|b| format!("{b:02x}")).collect();
        assert!(!dump.contains(&hex), "a raw secret is stored as bytes");
    }
    // What is there is the SHA-256 store key.
    let key = SessionId::parse(&secrets[0]).unwrap().store_key();
    let hex: String = key.0.iter().map(|b| format!("{b:02x}")).collect();
    assert!(dump.contains(&hex));
}

/// The server stops under a running app: every call fails with
/// `store_unavailable` (never "absent"), within the timeouts; it starts
/// again on the same port and the same store recovers by itself.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn outage_fails_closed_and_recovers_without_a_restart() {
    let mut cluster = match Cluster::create(false) {
        Ok(c) => c,
        Err(why) => return skip(&format!("no temporary cluster for the outage test: {why}")),
    };
    let url = cluster.url();
    let store = fresh(&url, |c| {
        c.connect_timeout(Duration::from_millis(500))
            .wait_timeout(Duration::from_millis(500))
            .timeout(Duration::from_secs(2))
            .pool_size(4)
    })
    .await;
    let t = t0();
    let m = SessionManager::new(&store, common::config());
    let s = login(&m, "outage", None, meta("ua"), t).await.unwrap();
    let cookie = s.id.expose().to_string();
    let key = s.id.store_key();
    assert!(m.authenticate(&cookie, t + 1).await.unwrap().is_some());

    cluster.stop();
    let started = Instant::now();
    let unavailable = |r: Result<_, Error>| match r {
        Err(Error::StoreUnavailable(why)) => {
            assert!(!why.contains("postgres://"), "{why}");
            assert_eq!(Error::StoreUnavailable(why).code(), "store_unavailable");
        }
        other => panic!("expected store_unavailable, got {:?}", other.map(|_| ())),
    };
    unavailable(store.load(&key, t + 2).await.map(|_| ()));
    unavailable(m.authenticate(&cookie, t + 2).await.map(|_| ()));
    unavailable(store.generation("outage").await.map(|_| ()));
    unavailable(store.ping().await);
    unavailable(store.sweep(t + 2).await.map(|_| ()));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "failing took {:?}",
        started.elapsed()
    );

    cluster.start().unwrap();
    // The pool drops the connections the restart broke and opens new ones.
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match store.ping().await {
            Ok(()) => break,
            Err(Error::StoreUnavailable(_)) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(e) => panic!("no recovery: {e:?}"),
        }
    }
    // Every pooled connection works again, not only the first.
    for _ in 0..8 {
        assert!(m.authenticate(&cookie, t + 3).await.unwrap().is_some());
    }
    assert_eq!(
        store.load(&key, t + 3).await.unwrap().unwrap().user_id,
        "outage"
    );
}

/// A statement past the statement timeout is cancelled by the server and
/// reported as `store_unavailable`, never as an answer.
#[tokio::test]
async fn a_statement_timeout_is_store_unavailable() {
    let Some(url) = server_url() else { return };
    let store = fresh(&url, |c| c.statement_timeout(Duration::from_millis(200))).await;
    let t = t0();
    let r = record("slow", t, "ua");
    let key = SessionId::generate().unwrap().store_key();
    assert_eq!(store.create(&key, &r, 0, 8).await.unwrap(), Created::Stored);
    // Another connection holds the row's lock longer than the timeout.
    let mut db = raw(&url, store.schema_name()).await;
    let tx = db.transaction().await.unwrap();
    tx.execute(
        "SELECT 1 FROM auth_sessions WHERE key = $1 FOR UPDATE",
        &[&&key.0[..]],
    )
    .await
    .unwrap();
    let err = store.update(&key, &r, t + 1).await.unwrap_err();
    assert_eq!(
        err,
        Error::StoreUnavailable("postgres cancelled the statement (statement timeout)".into())
    );
    tx.rollback().await.unwrap();
    assert!(store.update(&key, &r, t + 1).await.unwrap());
}

/// Every table is swept: sessions, families, refresh tokens, denylist
/// entries and throttle states past their deadline, and generations no
/// login ticket can predate; live rows stay.
#[tokio::test]
async fn the_sweep_covers_every_table_and_spares_live_rows() {
    use auth_core::session::LOGIN_TICKET_TTL;
    use auth_core::store::ThrottleStore;
    use auth_core::throttle::{Limit, ThrottleKey};
    use common::tokens::{config, issue, service};
    let Some(url) = server_url() else { return };
    let store = fresh(&url, |c| c.sweep_batch(2)).await;
    let t = t0();
    let u = user("sweep");
    let m = SessionManager::new(&store, common::config());
    login(&m, &u, None, meta("ua"), t).await.unwrap();
    let tokens = service(&store, config());
    let pair = issue(&tokens, &u, t).await.unwrap();
    tokens
        .refresh(&pair.refresh_token.expose(), t + 1)
        .await
        .unwrap();
    tokens
        .revoke_access(&pair.access_token, t + 1)
        .await
        .unwrap();
    let (account, address) = (ThrottleKey::account(&u), ThrottleKey::address("192.0.2.1"));
    let limit = Limit::new(5, 900, 1, 60);
    store
        .count_attempts([(&account, &limit), (&address, &limit)], t)
        .await
        .unwrap();
    // Generations that moved, and a live session of another user.
    store.delete_user(&u, None, t).await.unwrap();
    store.delete_user_families(&u, t).await.unwrap();
    let other = user("stays");
    let live = login(&m, &other, None, meta("ua"), t).await.unwrap();

    let db = raw(&url, store.schema_name()).await;
    let count = |table: &'static str| {
        let db = &db;
        async move {
            db.query_one(&format!("SELECT count(*) FROM {table}"), &[])
                .await
                .unwrap()
                .get::<_, i64>(0)
        }
    };
    // A session (the other user's), a family with two tokens, a denial,
    // two throttle states, and both users' generation rows.
    assert_eq!(count("auth_sessions").await, 1);
    assert_eq!(
        count("auth_families").await,
        0,
        "revoked by log out everywhere"
    );
    assert_eq!(count("auth_denied").await, 1);
    assert_eq!(count("auth_throttles").await, 2);
    assert!(count("auth_refresh_tokens").await >= 1);

    // Nothing live goes.
    assert_eq!(store.sweep(t + 2).await.unwrap(), 0);
    assert!(
        m.authenticate(&live.id.expose(), t + 2)
            .await
            .unwrap()
            .is_some()
    );
    // Past every deadline (the tokens' absolute one is the longest) and
    // past the login-ticket lifetime: everything goes, in batches of two.
    let later = t + 10 * 24 * 3600 + LOGIN_TICKET_TTL;
    assert!(store.sweep(later).await.unwrap() >= 3);
    for table in [
        "auth_sessions",
        "auth_families",
        "auth_refresh_tokens",
        "auth_denied",
        "auth_throttles",
        "auth_users",
        "auth_token_users",
    ] {
        assert_eq!(count(table).await, 0, "{table}");
    }
    // Forgotten generations read as 0 again.
    assert_eq!(store.generation(&u).await.unwrap(), 0);
    assert_eq!(store.token_generation(&u).await.unwrap(), 0);
}

/// Makes the next `times` inserts into `table` (of `schema`) fail with
/// SQLSTATE `code`, raised by a trigger: a server error on demand. Returns
/// how to read how many inserts the trigger saw (each retry is one).
async fn inject(db: &tokio_postgres::Client, schema: &str, table: &str, code: &str, times: i32) {
    db.batch_execute(&format!(
        "CREATE TABLE IF NOT EXISTS {schema}.inject (code text, times int);
         CREATE SEQUENCE IF NOT EXISTS {schema}.inject_seen;
         CREATE OR REPLACE FUNCTION {schema}.inject() RETURNS trigger LANGUAGE plpgsql AS $$
         DECLARE c text; n int;
         BEGIN
             SELECT code, times INTO c, n FROM {schema}.inject;
             IF nextval('{schema}.inject_seen') <= n THEN
                 RAISE EXCEPTION USING ERRCODE = c;
             END IF;
             RETURN NEW;
         END $$;
         DROP TRIGGER IF EXISTS inject ON {schema}.{table};
         CREATE TRIGGER inject BEFORE INSERT ON {schema}.{table}
             FOR EACH ROW EXECUTE FUNCTION {schema}.inject();
         TRUNCATE {schema}.inject;
         INSERT INTO {schema}.inject VALUES ('{code}', {times});
         SELECT setval('{schema}.inject_seen', 1, false);"
    ))
    .await
    .unwrap();
}

/// How many times the injecting trigger ran since [`inject`].
async fn injected_runs(db: &tokio_postgres::Client, schema: &str) -> i64 {
    let row = db
        .query_one(
            &format!(
                "SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM {schema}.inject_seen"
            ),
            &[],
        )
        .await
        .unwrap();
    row.get(0)
}

/// A rolled-back transaction (serialization failure, deadlock) runs again;
/// any other server error is `store_unavailable` at once, named by its
/// SQLSTATE, with nothing stored.
#[tokio::test]
async fn only_serialization_failures_and_deadlocks_are_retried() {
    let Some(url) = server_url() else { return };
    let store = fresh(&url, |c| c).await;
    let schema = store.schema_name().to_string();
    let db = raw(&url, &schema).await;
    let t = t0();
    let r = record("retry", t, "ua");
    let create = |code: &'static str, times: i32| {
        let (store, db, schema, r) = (&store, &db, &schema, &r);
        async move {
            inject(db, schema, "auth_sessions", code, times).await;
            let key = SessionId::generate().unwrap().store_key();
            let result = store.create(&key, r, 0, 8).await;
            let stored = store.load(&key, t).await.unwrap().is_some();
            (result, stored, injected_runs(db, schema).await)
        }
    };
    // Rolled back once, then through.
    for code in ["40001", "40P01"] {
        assert_eq!(
            create(code, 1).await,
            (Ok(Created::Stored), true, 2),
            "{code}"
        );
    }
    // Rolled back every time: given up after MAX_RETRIES more tries.
    let runs = i64::from(auth_store::MAX_RETRIES) + 1;
    assert_eq!(
        create("40001", 1000).await,
        (
            Err(Error::StoreUnavailable(
                "postgres error, SQLSTATE 40001".into()
            )),
            false,
            runs
        )
    );
    // Anything else: no second try, even though it would have succeeded.
    assert_eq!(
        create("22012", 1).await,
        (
            Err(Error::StoreUnavailable(
                "postgres error, SQLSTATE 22012".into()
            )),
            false,
            1
        )
    );
    assert_eq!(
        create("57014", 1).await,
        (
            Err(Error::StoreUnavailable(
                "postgres cancelled the statement (statement timeout)".into()
            )),
            false,
            1
        )
    );
}

/// `migrate` runs a `CREATE .. IF NOT EXISTS` again only when it lost a
/// race to create the same object (a duplicate-object error), and reports
/// any other error. The errors are raised by an event trigger on the
/// schema's creation (event triggers need a superuser).
#[tokio::test]
async fn migrate_retries_a_lost_creation_race_and_nothing_else() {
    let Some(url) = server_url() else { return };
    let ctl = unique("ctl");
    let db = raw(&url, "public").await;
    let superuser: bool = db
        .query_one(
            "SELECT rolsuper FROM pg_roles WHERE rolname = current_user",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    if !superuser {
        return skip("the migration race test needs a superuser (event triggers)");
    }
    db.batch_execute(&format!(
        "CREATE SCHEMA {ctl};
         CREATE TABLE {ctl}.inject (schema_name text, code text, times int);
         CREATE SEQUENCE {ctl}.seen;
         CREATE FUNCTION {ctl}.inject() RETURNS event_trigger LANGUAGE plpgsql AS $$
         DECLARE s text; c text; n int;
         BEGIN
             SELECT schema_name, code, times INTO s, c, n FROM {ctl}.inject;
             IF s IS NOT NULL AND current_query() LIKE '%CREATE SCHEMA IF NOT EXISTS ' || s || '%'
                 AND nextval('{ctl}.seen') <= n THEN
                 RAISE EXCEPTION USING ERRCODE = c;
             END IF;
         END $$;
         CREATE EVENT TRIGGER {ctl} ON ddl_command_start WHEN TAG IN ('CREATE SCHEMA')
             EXECUTE FUNCTION {ctl}.inject();"
    ))
    .await
    .unwrap();
    let migrate = |code: &'static str| {
        let (db, ctl, url) = (&db, &ctl, &url);
        async move {
            let schema = unique("race");
            db.batch_execute(&format!(
                "TRUNCATE {ctl}.inject; INSERT INTO {ctl}.inject VALUES ('{schema}', '{code}', 1);
                 SELECT setval('{ctl}.seen', 1, false);"
            ))
            .await
            .unwrap();
            let store = PostgresStore::new(config_at(url, &schema)).unwrap();
            let result = store.migrate().await;
            let seen: i64 = db
                .query_one(&format!("SELECT last_value FROM {ctl}.seen"), &[])
                .await
                .unwrap()
                .get(0);
            (result, seen)
        }
    };
    let lost_race = migrate("42P06").await;
    let refused = migrate("42501").await;
    db.batch_execute(&format!(
        "DROP EVENT TRIGGER {ctl}; DROP SCHEMA {ctl} CASCADE"
    ))
    .await
    .unwrap();
    // duplicate_schema: the other session made it; once more, and done.
    assert_eq!(lost_race, (Ok(1), 2));
    // insufficient_privilege: reported, not retried.
    assert_eq!(
        refused,
        (
            Err(Error::StoreUnavailable(
                "postgres error, SQLSTATE 42501".into()
            )),
            1
        )
    );
}

/// What the pool says when it has no connection to give: the driver's
/// reason when connecting fails, and the wait when every connection is
/// busy for longer than `wait_timeout`.
#[tokio::test]
async fn pool_failures_say_why() {
    let Some(url) = server_url() else { return };
    let port = pg_server::free_port().unwrap();
    let nowhere = PostgresStore::new(
        PostgresConfig::new(&format!("postgres://postgres@127.0.0.1:{port}/postgres"))
            .unwrap()
            .connect_timeout(Duration::from_millis(500)),
    )
    .unwrap();
    match nowhere.ping().await {
        Err(Error::StoreUnavailable(why)) => {
            assert!(
                why.starts_with("postgres: error connecting to server"),
                "{why}"
            );
        }
        other => panic!("expected store_unavailable, got {other:?}"),
    }

    // One connection, held by an insert a trigger makes last a second.
    let store = Arc::new(
        fresh(&url, |c| {
            c.pool_size(1)
                .wait_timeout(Duration::from_millis(200))
                .timeout(Duration::from_secs(5))
        })
        .await,
    );
    let schema = store.schema_name().to_string();
    let db = raw(&url, &schema).await;
    db.batch_execute(&format!(
        "CREATE FUNCTION {schema}.slow() RETURNS trigger LANGUAGE plpgsql AS $$
         BEGIN PERFORM pg_sleep(1); RETURN NEW; END $$;
         CREATE TRIGGER slow BEFORE INSERT ON {schema}.auth_sessions
             FOR EACH ROW EXECUTE FUNCTION {schema}.slow();"
    ))
    .await
    .unwrap();
    let busy = {
        let store = store.clone();
        tokio::spawn(async move {
            let key = SessionId::generate().unwrap().store_key();
            store.create(&key, &record("slow", t0(), "ua"), 0, 8).await
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        store.ping().await,
        Err(Error::StoreUnavailable(
            "postgres: no connection within the timeout".into()
        ))
    );
    assert_eq!(busy.await.unwrap(), Ok(Created::Stored));
    store.ping().await.unwrap();
}
