//! What only a shared store has: two demo processes on one Redis (the way
//! apps scale out: two Axum, two Rocket, and one of each serving the same
//! users), and a Redis outage (503, then recovery without a restart), on
//! both frameworks. Each test starts its own `redis-server`; under
//! `CI=true` a missing one fails.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::{
    ALICE_PASSWORD, Browser, CSRF, Demo, Framework, RedisServer, SESSION, eventually, key_file,
    path_arg, users_file,
};
use serde_json::json;

#[test]
fn two_axum_processes_share_sessions_tokens_and_revocation() {
    two_processes_share_sessions_tokens_and_revocation(Framework::Axum, Framework::Axum);
}

#[test]
fn two_rocket_processes_share_sessions_tokens_and_revocation() {
    two_processes_share_sessions_tokens_and_revocation(Framework::Rocket, Framework::Rocket);
}

/// Log in on one framework, use, refresh and log out on the other (and
/// the other way round: each step below crosses between the two).
#[test]
fn an_axum_and_a_rocket_process_serve_the_same_users() {
    two_processes_share_sessions_tokens_and_revocation(Framework::Axum, Framework::Rocket);
    two_processes_share_sessions_tokens_and_revocation(Framework::Rocket, Framework::Axum);
}

fn two_processes_share_sessions_tokens_and_revocation(on_a: Framework, on_b: Framework) {
    let Some(redis) = RedisServer::start() else {
        return;
    };
    let (users, alice, _) = users_file();
    let key = key_file();
    let (url, users_path, key_path) = (redis.url(), path_arg(users.path()), path_arg(key.path()));
    let args = ["--store", &url, "--users", &users_path, "--key", &key_path];
    let a = Demo::start_on(on_a, &args);
    let b = Demo::start_on(on_b, &args);
    assert_ne!(a.addr, b.addr);

    // Both publish the same key.
    let jwks = a.get("/.well-known/jwks.json").send().body;
    assert_eq!(jwks, b.get("/.well-known/jwks.json").send().body);

    // A session made on A works on B; logged out on B, it is dead on A at
    // once.
    let (browser, r) = Browser::login(&a, &alice, ALICE_PASSWORD);
    assert_eq!(r.status, 200);
    let session = browser.session.clone().unwrap();
    let on = |demo: &Demo| demo.get("/session/me").cookie(SESSION, &session).send();
    assert_eq!(on(&b).status, 200);
    let csrf = browser.csrf.clone().unwrap();
    let r = b
        .post("/session/logout")
        .header("Cookie", format!("{SESSION}={session}; {CSRF}={csrf}"))
        .same_origin(&csrf)
        .send();
    assert_eq!(r.status, 204);
    on(&a).refused(401, "unauthenticated");

    // Tokens from A work on B; refreshed on B, the old refresh token
    // replayed on A is reuse, and the login is dead on both.
    let r = a
        .post("/jwt/login")
        .json(&json!({"username": alice, "password": ALICE_PASSWORD}))
        .send();
    let pair = r.json();
    let access = pair["access_token"].as_str().unwrap().to_owned();
    let refresh = pair["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(b.get("/jwt/me").bearer(&access).send().status, 200);
    let r = b
        .post("/jwt/refresh")
        .json(&json!({"refresh_token": refresh}))
        .send();
    assert_eq!(r.status, 200);
    let next = r.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(a.get("/jwt/me").bearer(&next).send().status, 200);
    a.post("/jwt/refresh")
        .json(&json!({"refresh_token": refresh}))
        .send()
        .refused(401, "refresh_reused");
    for demo in [&a, &b] {
        demo.get("/jwt/me")
            .bearer(&next)
            .send()
            .refused(401, "revoked");
    }

    // Logging out everywhere on B ends the tokens A issued.
    let r = a
        .post("/jwt/login")
        .json(&json!({"username": alice, "password": ALICE_PASSWORD}))
        .send();
    let token = r.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(b.post("/jwt/logout-all").bearer(&token).send().status, 204);
    a.get("/jwt/me")
        .bearer(&token)
        .send()
        .refused(401, "revoked");
}

#[test]
fn a_redis_outage_is_503_and_recovers_without_a_restart_on_axum() {
    a_redis_outage_is_503_and_recovers_without_a_restart(Framework::Axum);
}

#[test]
fn a_redis_outage_is_503_and_recovers_without_a_restart_on_rocket() {
    a_redis_outage_is_503_and_recovers_without_a_restart(Framework::Rocket);
}

fn a_redis_outage_is_503_and_recovers_without_a_restart(framework: Framework) {
    let Some(mut redis) = RedisServer::start() else {
        return;
    };
    let (users, alice, _) = users_file();
    let (url, users_path) = (redis.url(), path_arg(users.path()));
    let demo = Demo::start_on(framework, &["--store", &url, "--users", &users_path]);
    let (browser, r) = Browser::login(&demo, &alice, ALICE_PASSWORD);
    assert_eq!(r.status, 200);
    let session = browser.session.clone().unwrap();
    let r = demo
        .post("/jwt/login")
        .json(&json!({"username": alice, "password": ALICE_PASSWORD}))
        .send();
    let access = r.json()["access_token"].as_str().unwrap().to_owned();

    redis.stop();
    // Never 401 (as if logged out), never 200 (as if it could tell).
    demo.get("/healthz")
        .send()
        .refused(503, "store_unavailable");
    let r = demo.get("/session/me").cookie(SESSION, &session).send();
    r.refused(503, "store_unavailable");
    assert!(r.set_cookie(SESSION).is_none(), "an outage clears nothing");
    demo.get("/jwt/me")
        .bearer(&access)
        .send()
        .refused(503, "store_unavailable");
    demo.get("/admin")
        .bearer(&access)
        .send()
        .refused(503, "store_unavailable");
    demo.post("/jwt/login")
        .json(&json!({"username": alice, "password": ALICE_PASSWORD}))
        .send()
        .refused(503, "store_unavailable");
    let (_, r) = Browser::login(&demo, &alice, ALICE_PASSWORD);
    r.refused(503, "store_unavailable");

    // Back on the same port: the same process recovers. (The old session
    // and tokens are gone with the memory of a Redis without persistence;
    // a new login works.)
    assert!(redis.restart());
    eventually("healthz after restart", || {
        demo.get("/healthz").send().status == 200
    });
    let (_, r) = Browser::login(&demo, &alice, ALICE_PASSWORD);
    assert_eq!(r.status, 200, "{r:?}");
    demo.get("/session/me")
        .cookie(SESSION, &session)
        .send()
        .refused(401, "unauthenticated");
}
