//! What only the PostgreSQL store shows at the HTTP level: an outage (the
//! server stopped under a running demo: 503 `store_unavailable`, never
//! "logged out"), then recovery without a restart, and sessions and tokens
//! that survive the database's restart (they are on disk). On both
//! frameworks, each on a temporary cluster of the test's own; under
//! `CI=true` a missing PostgreSQL fails.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../../auth-store/tests/pg_server/mod.rs"]
mod pg_server;

use common::{ALICE_PASSWORD, Browser, Demo, Framework, SESSION, eventually, path_arg, users_file};
use serde_json::json;

#[test]
fn a_postgres_outage_is_503_and_recovers_without_a_restart_on_axum() {
    a_postgres_outage_is_503_and_recovers_without_a_restart(Framework::Axum);
}

#[test]
fn a_postgres_outage_is_503_and_recovers_without_a_restart_on_rocket() {
    a_postgres_outage_is_503_and_recovers_without_a_restart(Framework::Rocket);
}

fn a_postgres_outage_is_503_and_recovers_without_a_restart(framework: Framework) {
    let mut cluster = match pg_server::Cluster::create(false) {
        Ok(cluster) => cluster,
        Err(why) => return pg_server::skip(&format!("no temporary PostgreSQL cluster: {why}")),
    };
    let (users, alice, _) = users_file();
    let (url, users_path) = (cluster.url(), path_arg(users.path()));
    let demo = Demo::start_on(
        framework,
        &[
            "--store",
            &url,
            "--pg-schema",
            "demo",
            "--users",
            &users_path,
        ],
    );
    assert_eq!(demo.get("/healthz").send().status, 200);
    let (browser, r) = Browser::login(&demo, &alice, ALICE_PASSWORD);
    assert_eq!(r.status, 200);
    let session = browser.session.clone().unwrap();
    let r = demo
        .post("/jwt/login")
        .json(&json!({"username": alice, "password": ALICE_PASSWORD}))
        .send();
    let access = r.json()["access_token"].as_str().unwrap().to_owned();

    cluster.stop();
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
    demo.post("/jwt/login")
        .json(&json!({"username": alice, "password": ALICE_PASSWORD}))
        .send()
        .refused(503, "store_unavailable");
    let (_, r) = Browser::login(&demo, &alice, ALICE_PASSWORD);
    r.refused(503, "store_unavailable");

    // Back on the same port: the same process recovers, and what was
    // stored before the outage is still there.
    cluster.start().unwrap();
    eventually("healthz after restart", || {
        demo.get("/healthz").send().status == 200
    });
    let r = demo.get("/session/me").cookie(SESSION, &session).send();
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()["user"]["id"], json!(alice), "{r:?}");
    let r = demo.get("/jwt/me").bearer(&access).send();
    assert_eq!(r.status, 200, "{r:?}");
    let (_, r) = Browser::login(&demo, &alice, ALICE_PASSWORD);
    assert_eq!(r.status, 200, "{r:?}");
}
