//! Criterion group `session`: what a session costs on each store.
//!
//! - `id/generate`: a fresh 256-bit session ID from the OS RNG.
//! - `id/hash`: the store key (SHA-256) of an ID.
//! - `memory/create`, `redis/create`: a whole login, `begin_login` (the
//!   user's generation) then `login` (ID, record, insert-if-absent with the
//!   generation check and the per-user index): two round trips on Redis.
//! - `memory/lookup`, `redis/lookup`: `SessionManager::authenticate` of a live
//!   session whose touch is not due: the per-request cost. On Redis that is
//!   one round trip (one GET) over loopback.
//!
//! - `memory/refused-when-full/{10000,100000}`: a login refused by a
//!   `MemoryStore` that is full of live sessions: the worst case an outsider
//!   can cause once the store is full. Expired sessions come off the front of an
//!   expiry index, so this must not grow with the store.
//!
//! Redis: `AUTH_BENCH_REDIS_URL` if set, else a `redis-server` started here
//! on a free loopback port (and stopped at the end).
//!
//! - `postgres/create`, `postgres/lookup`: the same on `PostgresStore`
//!   (`AUTH_BENCH_POSTGRES_URL`, else the server on 127.0.0.1:5432), in a
//!   schema of the run's own, dropped at the end. A lookup is one prepared
//!   `SELECT` by primary key; a login one read of the generation and one
//!   transaction (the user's row locked, insert-if-absent, the per-user
//!   count) with its commit.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Instant;

use auth_benches::redis_url;
use auth_core::session::{SessionConfig, SessionId, SessionManager, SessionMeta};
use auth_core::store::SessionStore;
use auth_core::{Clock, SystemClock};
use auth_store::{MemoryStore, RedisConfig, RedisStore};

#[path = "pg/mod.rs"]
mod pg;
use criterion::{Criterion, criterion_group, criterion_main};

fn config() -> SessionConfig {
    SessionConfig::new()
        .idle_timeout(3600)
        .absolute_timeout(8 * 3600)
        .touch_interval(600)
}

/// `create` and `lookup` for one store.
fn store_benches<S: SessionStore + 'static>(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    name: &str,
    store: Arc<S>,
) {
    let manager = Arc::new(SessionManager::new(store, config()));
    let now = SystemClock.now();
    let mut group = c.benchmark_group("session");

    // Sessions are logged out again outside the timed region, so the store
    // does not grow with the iteration count.
    group.bench_function(format!("{name}/create"), |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let mut cookies = Vec::with_capacity(usize::try_from(iters).unwrap());
                let start = Instant::now();
                for i in 0..iters {
                    let user = format!("bench-user-{}", i % 64);
                    // A login is two steps: the ticket before the
                    // credentials check, the session after.
                    let ticket = manager.begin_login(&user, now).await.unwrap();
                    let s = manager
                        .login(ticket, None, SessionMeta::default(), now)
                        .await
                        .unwrap();
                    cookies.push(s.id);
                }
                let elapsed = start.elapsed();
                for id in cookies {
                    manager.logout(&id.expose()).await.unwrap();
                }
                elapsed
            })
        });
    });

    let cookie = rt
        .block_on(async {
            let ticket = manager.begin_login("bench-lookup", now).await?;
            manager
                .login(ticket, None, SessionMeta::default(), now)
                .await
        })
        .unwrap()
        .id
        .expose();
    group.bench_function(format!("{name}/lookup"), |b| {
        b.to_async(rt).iter(|| {
            let manager = manager.clone();
            let cookie = cookie.clone();
            async move {
                let active = manager.authenticate(&cookie, now + 1).await.unwrap();
                assert!(active.is_some());
                active
            }
        });
    });
    group.finish();
}

fn session(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let mut group = c.benchmark_group("session");
    group.bench_function("id/generate", |b| b.iter(|| SessionId::generate().unwrap()));
    let id = SessionId::generate().unwrap();
    group.bench_function("id/hash", |b| {
        b.iter(|| std::hint::black_box(&id).store_key());
    });
    group.finish();

    // Roomy: a criterion batch creates many sessions before they are logged out.
    store_benches(
        c,
        &rt,
        "memory",
        Arc::new(MemoryStore::with_capacity(50_000_000)),
    );

    // A full store: every login is refused after looking for expired
    // sessions, of which there are none. Two sizes: the cost must not grow
    // with the store.
    let mut group = c.benchmark_group("session");
    for size in [10_000u32, 100_000] {
        let full = Arc::new(MemoryStore::with_capacity(usize::try_from(size).unwrap()));
        let manager = SessionManager::new(full.clone(), config());
        let now = SystemClock.now();
        rt.block_on(async {
            for i in 0..size {
                let ticket = manager.begin_login(&format!("u{i}"), now).await.unwrap();
                manager
                    .login(ticket, None, SessionMeta::default(), now)
                    .await
                    .unwrap();
            }
        });
        assert_eq!(full.len(), usize::try_from(size).unwrap());
        group.bench_function(format!("memory/refused-when-full/{size}"), |b| {
            b.to_async(&rt).iter(|| async {
                let ticket = manager.begin_login("flood", now).await.unwrap();
                let refused = manager
                    .login(ticket, None, SessionMeta::default(), now + 1)
                    .await;
                assert!(matches!(
                    refused,
                    Err(auth_core::Error::StoreUnavailable(_))
                ));
            });
        });
    }
    group.finish();

    let (url, _server) = redis_url();
    let prefix = format!("bench{}", std::process::id());
    let config = RedisConfig::standalone(&url).prefix(&prefix);
    let store = Arc::new(RedisStore::new(config).unwrap());
    store_benches(c, &rt, "redis", store);

    let (url, schema) = (pg::postgres_url(), pg::postgres_schema("bench_session"));
    let store = rt.block_on(pg::postgres_store(&url, &schema));
    store_benches(c, &rt, "postgres", store);
    rt.block_on(pg::drop_postgres_schema(&url, &schema));
}

criterion_group!(benches, session);
criterion_main!(benches);
