//! The demo's command line: the defaults the README promises, `--alg`,
//! `--key`, `--users`, `--store`, and clear refusals of bad options.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::Write;
use std::process::Command;

use auth_core::{Algorithm, SigningKey};
use common::{ALICE_PASSWORD, BOB_PASSWORD, Browser, Demo, path_arg};
use serde_json::json;

fn login_roles(demo: &Demo, user: &str, password: &str) -> serde_json::Value {
    let (_, r) = Browser::login(demo, user, password);
    assert_eq!(r.status, 200, "{r:?}");
    r.json()["user"]["roles"].clone()
}

#[test]
fn defaults_are_alice_and_bob_on_memory_with_es256() {
    let demo = Demo::start(&[]);
    assert!(
        demo.banner.contains("(axum, memory store, ES256 key "),
        "{}",
        demo.banner
    );
    assert_eq!(
        login_roles(&demo, "alice", ALICE_PASSWORD),
        json!(["admin", "user"])
    );
    assert_eq!(login_roles(&demo, "bob", BOB_PASSWORD), json!(["user"]));
    let r = demo
        .post("/jwt/login")
        .json(&json!({"username": "alice", "password": ALICE_PASSWORD}))
        .send();
    let token = r.json()["access_token"].as_str().unwrap().to_owned();
    let header = token.split('.').next().unwrap();
    assert!(
        header.starts_with("eyJhbGciOiJFUzI1NiIs"),
        "ES256: {header}"
    );
}

#[test]
fn hs256_publishes_no_key_and_verifies_its_tokens() {
    let demo = Demo::start(&["--alg", "HS256"]);
    let r = demo.get("/.well-known/jwks.json").send();
    assert_eq!(r.json(), json!({"keys": []}));
    let r = demo
        .post("/jwt/login")
        .json(&json!({"username": "bob", "password": BOB_PASSWORD}))
        .send();
    let token = r.json()["access_token"].as_str().unwrap().to_owned();
    assert_eq!(demo.get("/jwt/me").bearer(&token).send().status, 200);
}

#[test]
fn a_key_file_in_either_format_is_shared() {
    let key = SigningKey::generate(Algorithm::Es256).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let jwk = dir.path().join("key.jwk");
    let pem = dir.path().join("key.pem");
    std::fs::write(&jwk, key.to_private_jwk().as_bytes()).unwrap();
    std::fs::write(&pem, key.to_pkcs8_pem().unwrap().as_bytes()).unwrap();
    let a = Demo::start(&["--key", &path_arg(&jwk)]);
    let b = Demo::start(&["--key", &path_arg(&pem)]);
    // Tokens signed by one verify on the other (their stores differ, so
    // the login is unknown there: revoked, not bad_signature).
    let r = a
        .post("/jwt/login")
        .json(&json!({"username": "bob", "password": BOB_PASSWORD}))
        .send();
    let token = r.json()["access_token"].as_str().unwrap().to_owned();
    b.get("/jwt/me")
        .bearer(&token)
        .send()
        .refused(401, "revoked");
    assert_eq!(
        a.get("/.well-known/jwks.json").send().body,
        b.get("/.well-known/jwks.json").send().body
    );
    // A process with a key of its own does not accept them.
    let c = Demo::start(&[]);
    c.get("/jwt/me")
        .bearer(&token)
        .send()
        .refused(401, "unknown_kid");
}

/// Runs the demo with `args` (and `--addr 127.0.0.1:0` unless they name
/// one), expecting it to refuse to start.
fn refuses(args: &[&str], env: Option<(&str, &str)>) -> String {
    let mut command = Command::new(env!("CARGO_BIN_EXE_auth-demo"));
    if !args.contains(&"--addr") {
        command.args(["--addr", "127.0.0.1:0"]);
    }
    command.args(args);
    command.env_remove("AUTH_DEMO_STORE");
    if let Some((k, v)) = env {
        command.env(k, v);
    }
    let out = command.output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(out.stdout.is_empty(), "it never said it was listening");
    String::from_utf8(out.stderr).unwrap()
}

#[test]
fn bad_options_are_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let es = dir.path().join("es.jwk");
    std::fs::write(
        &es,
        SigningKey::generate(Algorithm::Es256)
            .unwrap()
            .to_private_jwk()
            .as_bytes(),
    )
    .unwrap();
    let err = refuses(&["--alg", "HS256", "--key", &path_arg(&es)], None);
    assert!(err.contains("es.jwk"), "{err}");
    let err = refuses(&["--key", "/no/such/key"], None);
    assert!(err.contains("/no/such/key"), "{err}");
    let err = refuses(&["--store", "mysql://user:s3cret@db/x"], None);
    assert!(
        err.contains(
            "--store must be `memory`, a redis:// or rediss:// URL, or a postgres:// URL, not \"mysql://...\""
        ),
        "{err}"
    );
    assert!(!err.contains("s3cret"), "{err}");
    let err = refuses(&[], Some(("AUTH_DEMO_STORE", "bogus")));
    assert!(
        err.contains("\"bogus\""),
        "the environment names the store: {err}"
    );

    let users = dir.path().join("users.json");
    for (text, says) in [
        (
            "[{\"name\":\"x\"}]",
            "exactly one of password and password_hash",
        ),
        (
            "[{\"name\":\"x\",\"password_hash\":\"nope\"}]",
            "password_hash",
        ),
        ("[{\"name\":\"\",\"password\":\"p\"}]", "empty or repeated"),
        ("{}", "not a users file"),
    ] {
        let mut f = std::fs::File::create(&users).unwrap();
        f.write_all(text.as_bytes()).unwrap();
        let err = refuses(&["--users", &path_arg(&users)], None);
        assert!(err.contains(says), "{text}: {err}");
    }
    // A login back-off outside 1 to 900 seconds.
    for bad in ["0", "901", "x"] {
        let err = refuses(&["--login-backoff", bad], None);
        assert!(err.contains("--login-backoff"), "{bad}: {err}");
    }
    // A Redis that is not there: refused at start-up, not at the first
    // request.
    let err = refuses(&["--store", "redis://127.0.0.1:1/"], None);
    assert!(err.contains("redis at redis://127.0.0.1:1/"), "{err}");
    // Nor a PostgreSQL: the migration at start-up fails, naming the
    // schema, never the URL's password.
    let err = refuses(&["--store", "postgres://app:s3cret@127.0.0.1:1/app"], None);
    assert!(
        err.contains("postgres (schema auth): the store is unavailable"),
        "{err}"
    );
    assert!(!err.contains("s3cret"), "{err}");
    let err = refuses(
        &[
            "--store",
            "postgresql://app:s3cret@127.0.0.1:1/app",
            "--pg-schema",
            "No-Such",
        ],
        None,
    );
    assert!(
        err.contains("--store postgres: a schema name must be"),
        "{err}"
    );
    assert!(!err.contains("s3cret"), "{err}");
    let err = refuses(
        &["--store", "postgres://app:s3cret@db/app?sslmode=require"],
        None,
    );
    assert!(err.contains("does not speak TLS"), "{err}");
    assert!(!err.contains("s3cret"), "{err}");
}

#[test]
fn rocket_refuses_what_axum_refuses() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    for framework in ["axum", "rocket"] {
        let err = refuses(&["--framework", framework, "--store", "mysql://x"], None);
        assert!(
            err.contains("--store must be `memory`, a redis:// or rediss:// URL"),
            "{framework}: {err}"
        );
        let err = refuses(&["--framework", framework, "--key", "/no/such/key"], None);
        assert!(err.contains("/no/such/key"), "{framework}: {err}");
        // A port in use: refused, exit 2, nothing said on stdout.
        let err = refuses(&["--framework", framework, "--addr", &addr], None);
        assert!(
            err.contains(&addr) && err.contains("in use"),
            "{framework}: {err}"
        );
    }
    let err = refuses(&["--framework", "actix"], None);
    assert!(err.contains("actix"), "{err}");
}
