//! The token lifecycle on each store, with HS256 access tokens (the
//! cheapest verification, so the store's share of each call shows; the
//! `jwt` group has every algorithm's verify):
//!
//! - `issue`: `begin_login` then `issue` on the memory store: a family, its
//!   first refresh token (256 random bits, SHA-256), a signed access token.
//! - `refresh/memory`, `refresh/redis`: one refresh of a chain (each
//!   iteration presents the token the previous one returned): the atomic
//!   store step, a fresh refresh token, a signed access token. On Redis,
//!   one script (one round trip) over loopback.
//! - `verify`: `TokenService::verify` of an access token: signature and
//!   claims, no store.
//! - `verify/typed`: the same with the application's claims read as a
//!   struct (`{roles}`) instead of a `serde_json::Value` map, as an
//!   adapter's `Bearer<C>` reads them.
//! - `authenticate/memory`, `authenticate/redis`: `verify` plus the
//!   revocation check (family live, `jti` not denied): one `MGET` on
//!   Redis. Beside `verify` in the same run, the ratio is the cost of
//!   revocation.
//!   `authenticate/NAME/typed`: the same, claims as the struct.
//! - `refresh/postgres`, `authenticate/postgres`: the same on
//!   `PostgresStore` (`AUTH_BENCH_POSTGRES_URL`, else 127.0.0.1:5432; a
//!   schema of the run's own, dropped at the end): a refresh is one
//!   transaction (family and token rows locked, the next token inserted,
//!   both updated) and its commit; the access check one `SELECT` of two
//!   `EXISTS`.

use std::sync::Arc;
use std::time::Instant;

use auth_benches::redis_url;
use auth_core::store::TokenStore;
use auth_core::tokens::{TokenConfig, TokenService};
use auth_core::{Algorithm, Clock, KeySet, SigningKey, SystemClock};
use auth_store::{MemoryStore, RedisConfig, RedisStore};
use criterion::BenchmarkGroup;
use criterion::measurement::WallTime;
use serde_json::{Value, json};

fn service<S: TokenStore>(store: S) -> TokenService<S> {
    let mut keys = KeySet::new();
    keys.set_signing_key(SigningKey::generate(Algorithm::Hs256).unwrap())
        .unwrap();
    // One chain is refreshed for the whole run: lift the refresh budget
    // (10,000 by default) that would end it.
    TokenService::new(
        keys,
        TokenConfig::new("https://auth.example.com", "https://api.example.com")
            .max_refreshes(u32::MAX),
        store,
    )
    .unwrap()
}

fn claims() -> Value {
    json!({"roles": ["admin", "billing"]})
}

/// The same claims as a type: what an adapter's `Bearer<C>` reads them
/// into.
#[derive(serde::Deserialize)]
struct Roles {
    #[allow(dead_code)]
    roles: Vec<String>,
}

/// `refresh/NAME` and `authenticate/NAME` on one store.
fn store_benches<S: TokenStore + 'static>(
    group: &mut BenchmarkGroup<'_, WallTime>,
    rt: &tokio::runtime::Runtime,
    name: &str,
    tokens: &Arc<TokenService<S>>,
) {
    let now = SystemClock.now();
    let first = rt
        .block_on(async {
            let ticket = tokens.begin_login("bench-refresh", now).await?;
            tokens.issue(ticket, &claims(), now).await
        })
        .unwrap();
    let mut current = first.refresh_token.expose().to_string();
    group.bench_function(format!("refresh/{name}"), |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for _ in 0..iters {
                    let pair = tokens.refresh(&current, now + 1).await.unwrap();
                    current = pair.refresh_token.expose().to_string();
                }
                start.elapsed()
            })
        });
    });

    let pair = rt
        .block_on(async {
            let ticket = tokens.begin_login("bench-authenticate", now).await?;
            tokens.issue(ticket, &claims(), now).await
        })
        .unwrap();
    group.bench_function(format!("authenticate/{name}"), |b| {
        b.to_async(rt).iter(|| async {
            tokens
                .authenticate::<Value>(&pair.access_token, now + 1)
                .await
                .unwrap()
        });
    });
    group.bench_function(format!("authenticate/{name}/typed"), |b| {
        b.to_async(rt).iter(|| async {
            tokens
                .authenticate::<Roles>(&pair.access_token, now + 1)
                .await
                .unwrap()
        });
    });
}

pub(crate) fn benches(group: &mut BenchmarkGroup<'_, WallTime>) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let now = SystemClock.now();

    // Roomy: a criterion batch issues many families before the sample ends.
    let memory = Arc::new(service(MemoryStore::new().with_token_capacity(50_000_000)));
    group.bench_function("issue", |b| {
        b.iter_custom(|iters| {
            rt.block_on(async {
                let start = Instant::now();
                for i in 0..iters {
                    let user = format!("bench-user-{}", i % 64);
                    let ticket = memory.begin_login(&user, now).await.unwrap();
                    memory.issue(ticket, &claims(), now).await.unwrap();
                }
                start.elapsed()
            })
        });
    });

    let pair = rt
        .block_on(async {
            let ticket = memory.begin_login("bench-verify", now).await?;
            memory.issue(ticket, &claims(), now).await
        })
        .unwrap();
    group.bench_function("verify", |b| {
        b.iter(|| memory.verify::<Value>(&pair.access_token, now + 1).unwrap());
    });
    group.bench_function("verify/typed", |b| {
        b.iter(|| memory.verify::<Roles>(&pair.access_token, now + 1).unwrap());
    });
    store_benches(group, &rt, "memory", &memory);

    let (url, _server) = redis_url();
    let prefix = format!("benchtok{}", std::process::id());
    let redis = Arc::new(service(
        RedisStore::new(RedisConfig::standalone(&url).prefix(&prefix)).unwrap(),
    ));
    store_benches(group, &rt, "redis", &redis);

    let (url, schema) = (
        crate::pg::postgres_url(),
        crate::pg::postgres_schema("bench_tokens"),
    );
    let postgres = Arc::new(service(
        rt.block_on(crate::pg::postgres_store(&url, &schema)),
    ));
    store_benches(group, &rt, "postgres", &postgres);
    rt.block_on(crate::pg::drop_postgres_schema(&url, &schema));
}
