//! The conformance suite: the demo's HTTP contract, over real HTTP against
//! a running `auth-demo` process, for every framework and every store
//! ({axum, rocket} x {memory, Redis, PostgreSQL}: a `redis-server` of the
//! test's own, or `AUTH_TEST_REDIS_URL`; PostgreSQL as auth-store's tests
//! find it (`AUTH_TEST_POSTGRES_URL`, a temporary cluster, 127.0.0.1:5432),
//! each demo in a schema of its own; under `CI=true` a missing server
//! fails). Every scenario runs six times; `both_frameworks_answer_alike` then sends one
//! sequence of requests to an Axum and a Rocket process and compares every
//! status, header and body.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
#[path = "../../auth-store/tests/pg_server/mod.rs"]
mod pg_server;

use common::{
    ALICE_PASSWORD, BOB_PASSWORD, Browser, CSRF, Demo, Framework, RedisServer, Response, SESSION,
    path_arg, users_file,
};
use serde_json::{Value, json};

/// Where a test's demo keeps its state.
enum Backend {
    Memory,
    Redis {
        url: String,
        _server: Option<RedisServer>,
    },
    Postgres {
        url: String,
        schema: String,
    },
}

impl Backend {
    fn memory() -> Option<Self> {
        Some(Self::Memory)
    }

    fn redis() -> Option<Self> {
        if let Ok(url) = std::env::var("AUTH_TEST_REDIS_URL")
            && !url.is_empty()
        {
            return Some(Self::Redis { url, _server: None });
        }
        let server = RedisServer::start()?;
        Some(Self::Redis {
            url: server.url(),
            _server: Some(server),
        })
    }

    /// A PostgreSQL store in a fresh schema (the demo migrates it).
    fn postgres() -> Option<Self> {
        Some(Self::Postgres {
            url: pg_server::server_url()?,
            schema: pg_server::unique("demo"),
        })
    }

    /// The demo's options for this store.
    fn store_args(&self) -> Vec<String> {
        match self {
            Self::Memory => vec!["--store".into(), "memory".into()],
            Self::Redis { url, .. } => vec!["--store".into(), url.clone()],
            Self::Postgres { url, schema } => vec![
                "--store".into(),
                url.clone(),
                "--pg-schema".into(),
                schema.clone(),
            ],
        }
    }
}

/// A scenario's demo: the framework and where it keeps its state.
struct Target {
    framework: Framework,
    backend: Backend,
}

/// A demo with users of its own (alice and bob under unique names).
struct Env {
    demo: Demo,
    alice: String,
    bob: String,
    _users: tempfile::NamedTempFile,
    _backend: Backend,
}

fn start(target: Target, extra: &[&str]) -> Env {
    let Target { framework, backend } = target;
    let (users, alice, bob) = users_file();
    let store = backend.store_args();
    let users_path = path_arg(users.path());
    let mut args: Vec<&str> = store.iter().map(String::as_str).collect();
    args.extend_from_slice(&["--users", &users_path]);
    args.extend_from_slice(extra);
    Env {
        demo: Demo::start_on(framework, &args),
        alice,
        bob,
        _users: users,
        _backend: backend,
    }
}

fn creds(user: &str, password: &str) -> Value {
    json!({"username": user, "password": password})
}

/// Logs `user` in with tokens; the `(access, refresh)` pair.
fn jwt_login(demo: &Demo, user: &str, password: &str) -> (String, String) {
    let r = demo.post("/jwt/login").json(&creds(user, password)).send();
    assert_eq!(r.status, 200, "{r:?}");
    let body = r.json();
    (
        body["access_token"].as_str().unwrap().to_owned(),
        body["refresh_token"].as_str().unwrap().to_owned(),
    )
}

fn me(demo: &Demo, browser: &mut Browser) -> Response {
    browser.send(demo.get("/session/me"))
}

macro_rules! contract {
    ($($name:ident),* $(,)?) => {
        contract!(@one axum_memory, Axum, memory; $($name),*);
        contract!(@one axum_redis, Axum, redis; $($name),*);
        contract!(@one rocket_memory, Rocket, memory; $($name),*);
        contract!(@one rocket_redis, Rocket, redis; $($name),*);
        contract!(@one axum_postgres, Axum, postgres; $($name),*);
        contract!(@one rocket_postgres, Rocket, postgres; $($name),*);
    };
    (@one $module:ident, $framework:ident, $backend:ident; $($name:ident),*) => {
        mod $module {
            $(
                #[test]
                fn $name() {
                    if let Some(backend) = super::Backend::$backend() {
                        let framework = super::Framework::$framework;
                        super::$name(super::Target { framework, backend });
                    }
                }
            )*
        }
    };
}

contract!(
    health_page_jwks_and_not_found,
    session_login_me_list_and_logout,
    wrong_password_and_unknown_user_look_the_same,
    a_planted_cookie_is_never_adopted_and_relogin_rotates,
    csrf_refusals_change_nothing,
    sessions_end_by_handle,
    logout_all_ends_every_session,
    jwt_login_me_refresh_and_reuse,
    jwt_logout_and_logout_all,
    rfc6750_challenges,
    admin_needs_the_role_with_either_credential,
    failed_logins_are_throttled,
    bad_input_is_refused_and_the_server_stays_up,
    header_values_that_are_not_utf8_count_as_absent,
);

fn health_page_jwks_and_not_found(backend: Target) {
    let env = start(backend, &[]);
    let demo = &env.demo;

    let r = demo.get("/healthz").send();
    assert_eq!((r.status, r.json()), (200, json!({"status": "ok"})));

    // The page: a CSP that allows no inline script, the script a file of
    // its own, and a pre-session CSRF cookie for the login form.
    let r = demo.get("/").send();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type"), Some("text/html; charset=utf-8"));
    let csp = r.header("content-security-policy").unwrap();
    assert!(csp.starts_with("default-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert!(r.body.contains(r#"<script src="/app.js" defer></script>"#));
    assert_eq!(r.body.matches("<script").count(), 1, "no inline script");
    assert!(!r.body.contains(" on"), "no inline event handlers");
    assert_eq!(r.header("x-frame-options"), Some("DENY"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let csrf = r.set_cookie(CSRF).unwrap();
    assert!(r.set_cookie(SESSION).is_none());
    assert_cookie_attributes(csrf, false);
    // A visitor who has a CSRF cookie keeps it.
    let token = r.cookie_value(CSRF).unwrap();
    let again = demo.get("/").cookie(CSRF, &token).send();
    assert_eq!(again.status, 200);
    assert!(again.set_cookie(CSRF).is_none());

    let r = demo.get("/app.js").send();
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("text/javascript; charset=utf-8")
    );
    assert!(r.body.contains("X-CSRF-Token"));

    // The public key, under the kid the demo announced.
    let r = demo.get("/.well-known/jwks.json").send();
    assert_eq!(r.status, 200);
    let keys = r.json()["keys"].as_array().unwrap().clone();
    assert_eq!(keys.len(), 1);
    assert_eq!(
        (keys[0]["kty"].as_str(), keys[0]["alg"].as_str()),
        (Some("EC"), Some("ES256"))
    );
    assert!(keys[0].get("d").is_none(), "no private part");
    let kid = keys[0]["kid"].as_str().unwrap();
    assert!(demo.banner.contains(kid), "{}", demo.banner);

    let r = demo.get("/no/such/page").send();
    r.refused(404, "not_found");
}

/// The attributes the contract names: `__Host-` cookies are Secure,
/// `Path=/`, no `Domain`; the session one `HttpOnly`; `SameSite=Lax`; `Max-Age` the
/// absolute timeout (8 hours by default).
fn assert_cookie_attributes(cookie: &str, http_only: bool) {
    let attrs: Vec<&str> = cookie.split("; ").skip(1).collect();
    assert!(attrs.contains(&"Secure"), "{cookie}");
    assert!(attrs.contains(&"Path=/"), "{cookie}");
    assert!(attrs.contains(&"SameSite=Lax"), "{cookie}");
    assert!(attrs.contains(&"Max-Age=28800"), "{cookie}");
    assert!(!cookie.contains("Domain"), "{cookie}");
    assert_eq!(attrs.contains(&"HttpOnly"), http_only, "{cookie}");
}

fn session_login_me_list_and_logout(backend: Target) {
    let env = start(backend, &[]);
    let demo = &env.demo;
    let (mut browser, r) = Browser::login(demo, &env.alice, ALICE_PASSWORD);
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(
        r.json(),
        json!({"user": {"id": env.alice, "name": env.alice, "roles": ["admin", "user"]}})
    );
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert_cookie_attributes(r.set_cookie(SESSION).unwrap(), true);
    assert_cookie_attributes(r.set_cookie(CSRF).unwrap(), false);
    let session = browser.session.clone().unwrap();
    assert_eq!(session.len(), 43);

    let r = me(demo, &mut browser);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["user"]["id"], json!(env.alice));
    assert_eq!(r.header("cache-control"), Some("no-store"));

    let r = browser.send(
        demo.get("/session/sessions")
            .header("User-Agent", "ignored: only the login's agent is kept"),
    );
    assert_eq!(r.status, 200);
    let list = r.json();
    let list = list.as_array().unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["current"], json!(true));
    assert_eq!(list[0]["user_agent"], Value::Null, "the login sent none");
    assert!(list[0]["created_at"].as_u64().unwrap() > 1_700_000_000);
    assert!(list[0]["last_seen_at"].as_u64() >= list[0]["created_at"].as_u64());
    assert_eq!(list[0]["handle"].as_str().unwrap().len(), 22);
    assert!(!r.body.contains(&session), "the list never shows the ID");

    let r = browser.send(demo.post("/session/logout"));
    assert_eq!(r.status, 204, "{r:?}");
    r.clears_cookies();
    assert_eq!(r.header("cache-control"), Some("no-store"));

    // The old cookie now gets 401 (and is cleared again).
    let r = demo.get("/session/me").cookie(SESSION, &session).send();
    r.refused(401, "unauthenticated");
    r.clears_cookies();
    assert_eq!(r.header("www-authenticate"), None, "a cookie-only route");
}

fn wrong_password_and_unknown_user_look_the_same(backend: Target) {
    let env = start(backend, &[]);
    let demo = &env.demo;
    let mut bodies = Vec::new();
    for (user, password) in [(env.alice.as_str(), "wrong"), ("nobody-at-all", "wrong")] {
        let (_, r) = Browser::login(demo, user, password);
        r.refused(401, "invalid_credentials");
        assert!(r.set_cookie(SESSION).is_none());
        let jwt = demo.post("/jwt/login").json(&creds(user, password)).send();
        jwt.refused(401, "invalid_credentials");
        bodies.push((r.body, jwt.body));
    }
    assert_eq!(bodies[0], bodies[1]);
}

fn a_planted_cookie_is_never_adopted_and_relogin_rotates(backend: Target) {
    let env = start(backend, &[]);
    let demo = &env.demo;
    // An attacker plants a well-formed ID before the victim logs in.
    let planted = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned();
    let mut browser = Browser::default();
    browser.send(demo.get("/"));
    browser.session = Some(planted.clone());
    let r = browser.send(
        demo.post("/session/login")
            .json(&creds(&env.alice, ALICE_PASSWORD)),
    );
    assert_eq!(r.status, 200);
    let first = browser.session.clone().unwrap();
    assert_ne!(first, planted);
    demo.get("/session/me")
        .cookie(SESSION, &planted)
        .send()
        .refused(401, "unauthenticated");

    // Logging in again over a live session replaces it: the old ID is dead.
    let r = browser.send(
        demo.post("/session/login")
            .json(&creds(&env.alice, ALICE_PASSWORD)),
    );
    assert_eq!(r.status, 200);
    let second = browser.session.clone().unwrap();
    assert_ne!(second, first);
    demo.get("/session/me")
        .cookie(SESSION, &first)
        .send()
        .refused(401, "unauthenticated");
    assert_eq!(me(demo, &mut browser).status, 200);
    let list = browser.send(demo.get("/session/sessions")).json();
    assert_eq!(list.as_array().unwrap().len(), 1, "the old session ended");
}

fn csrf_refusals_change_nothing(backend: Target) {
    let env = start(backend, &[]);
    let demo = &env.demo;
    let page = demo.get("/").send();
    let pre = page.cookie_value(CSRF).unwrap();
    let login = || {
        demo.post("/session/login")
            .json(&creds(&env.alice, ALICE_PASSWORD))
    };

    // Login CSRF: the pre-session cookie must be echoed, from this site.
    let r = login().header("X-CSRF-Token", &pre).send();
    r.refused(403, "csrf");
    assert_eq!(r.json()["message"], json!("the CSRF cookie is missing"));
    let r = login().cookie(CSRF, &pre).send();
    assert_eq!(
        r.json()["message"],
        json!("the X-CSRF-Token header is missing")
    );
    r.refused(403, "csrf");
    let r = login()
        .cookie(CSRF, &pre)
        .header("X-CSRF-Token", "x".repeat(43))
        .send();
    r.refused(403, "csrf");
    let r = login()
        .cookie(CSRF, &pre)
        .header("X-CSRF-Token", &pre)
        .header("Sec-Fetch-Site", "cross-site")
        .send();
    r.refused(403, "csrf");
    assert_eq!(
        r.json()["message"],
        json!("cross-site requests are refused")
    );
    assert!(r.set_cookie(SESSION).is_none());

    let (mut browser, r) = Browser::login(demo, &env.alice, ALICE_PASSWORD);
    assert_eq!(r.status, 200);
    let session = browser.session.clone().unwrap();
    let csrf = browser.csrf.clone().unwrap();
    assert_ne!(csrf, pre, "the session has a token of its own");
    let logout = || {
        demo.post("/session/logout")
            .header("Cookie", format!("{SESSION}={session}; {CSRF}={csrf}"))
    };
    let refusals = [
        (
            logout()
                .header("Sec-Fetch-Site", "cross-site")
                .header("X-CSRF-Token", &csrf),
            "cross-site requests are refused",
        ),
        (
            logout()
                .header("Sec-Fetch-Site", "same-site")
                .header("X-CSRF-Token", &csrf),
            "cross-site requests are refused",
        ),
        (
            logout()
                .header("Origin", "https://evil.example")
                .header("X-CSRF-Token", &csrf),
            "the request's origin is not this site",
        ),
        (
            logout()
                .header("Origin", "null")
                .header("X-CSRF-Token", &csrf),
            "the request's origin is not this site",
        ),
        (logout(), "the X-CSRF-Token header is missing"),
        (
            logout().header("X-CSRF-Token", &pre),
            "the X-CSRF-Token header does not match",
        ),
    ];
    for (request, message) in refusals {
        let r = request.send();
        r.refused(403, "csrf");
        assert_eq!(r.json()["message"], json!(message));
        assert!(r.set_cookie(SESSION).is_none(), "a refusal clears nothing");
        assert_eq!(me(demo, &mut browser).status, 200, "still logged in");
    }
    // From this site's own origin, with the token: through.
    let origin = format!("http://{}", demo.addr);
    let r = logout()
        .header("Origin", &origin)
        .header("X-CSRF-Token", &csrf)
        .send();
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(me(demo, &mut browser).status, 401);
}

fn sessions_end_by_handle(backend: Target) {
    let env = start(backend, &[]);
    let demo = &env.demo;
    let (mut laptop, _) = Browser::login(demo, &env.alice, ALICE_PASSWORD);
    let (mut phone, _) = Browser::login(demo, &env.alice, ALICE_PASSWORD);
    let list = laptop.send(demo.get("/session/sessions")).json();
    let list = list.as_array().unwrap().clone();
    assert_eq!(list.len(), 2);
    let other = list.iter().find(|s| s["current"] == json!(false)).unwrap();
    let handle = other["handle"].as_str().unwrap();

    // Bob cannot end alice's session by its handle.
    let (mut bob, _) = Browser::login(demo, &env.bob, BOB_PASSWORD);
    bob.send(demo.req("DELETE", &format!("/session/sessions/{handle}")))
        .refused(404, "not_found");
    assert_eq!(me(demo, &mut phone).status, 200);

    let r = laptop.send(demo.req("DELETE", &format!("/session/sessions/{handle}")));
    assert_eq!(r.status, 204, "{r:?}");
    assert_eq!(me(demo, &mut phone).status, 401);
    assert_eq!(me(demo, &mut laptop).status, 200);
    laptop
        .send(demo.req("DELETE", &format!("/session/sessions/{handle}")))
        .refused(404, "not_found");
}

fn logout_all_ends_every_session(backend: Target) {
    let env = start(backend, &[]);
    let demo = &env.demo;
    let (mut a, _) = Browser::login(demo, &env.alice, ALICE_PASSWORD);
    let (mut b, _) = Browser::login(demo, &env.alice, ALICE_PASSWORD);
    let (mut bob, _) = Browser::login(demo, &env.bob, BOB_PASSWORD);
    let r = a.send(demo.post("/session/logout-all"));
    assert_eq!(r.status, 204);
    r.clears_cookies();
    assert_eq!(me(demo, &mut a).status, 401);
    assert_eq!(me(demo, &mut b).status, 401);
    assert_eq!(me(demo, &mut bob).status, 200, "other users keep theirs");
}

fn jwt_login_me_refresh_and_reuse(backend: Target) {
    let env = start(backend, &[]);
    let demo = &env.demo;
    let r = demo
        .post("/jwt/login")
        .json(&creds(&env.alice, ALICE_PASSWORD))
        .send();
    assert_eq!(r.status, 200);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert!(r.set_cookie(SESSION).is_none(), "tokens set no cookie");
    let pair = r.json();
    assert_eq!(pair["token_type"], json!("Bearer"));
    assert_eq!(pair["expires_in"], json!(900));
    let access = pair["access_token"].as_str().unwrap().to_owned();
    let refresh = pair["refresh_token"].as_str().unwrap().to_owned();
    assert_eq!(access.split('.').count(), 3);
    assert_eq!(refresh.len(), 43);

    let r = demo.get("/jwt/me").bearer(&access).send();
    assert_eq!(r.status, 200, "{r:?}");
    let body = r.json();
    assert_eq!(body["user"]["roles"], json!(["admin", "user"]));
    let claims = &body["claims"];
    assert_eq!(claims["sub"], json!(env.alice));
    assert_eq!(claims["roles"], json!(["admin", "user"]));
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        900
    );
    for member in ["sid", "jti", "iss", "aud"] {
        assert!(claims[member].is_string(), "{member}");
    }

    let r = demo
        .post("/jwt/refresh")
        .json(&json!({"refresh_token": refresh}))
        .send();
    assert_eq!(r.status, 200);
    let next = r.json();
    let next_access = next["access_token"].as_str().unwrap().to_owned();
    let next_refresh = next["refresh_token"].as_str().unwrap().to_owned();
    assert_ne!(next_refresh, refresh);
    assert_eq!(demo.get("/jwt/me").bearer(&next_access).send().status, 200);

    // The old refresh token again: reuse, and the whole login is revoked.
    let r = demo
        .post("/jwt/refresh")
        .json(&json!({"refresh_token": refresh}))
        .send();
    r.refused(401, "refresh_reused");
    let r = demo
        .post("/jwt/refresh")
        .json(&json!({"refresh_token": next_refresh}))
        .send();
    r.refused(401, "unknown_refresh");
    for token in [&access, &next_access] {
        let r = demo.get("/jwt/me").bearer(token).send();
        r.refused(401, "revoked");
        assert_eq!(
            r.header("www-authenticate"),
            Some(
                r#"Bearer realm="auth-demo", error="invalid_token", error_description="the token was revoked""#
            )
        );
    }
}

fn jwt_logout_and_logout_all(backend: Target) {
    let env = start(backend, &[]);
    let demo = &env.demo;
    let (access, refresh) = jwt_login(demo, &env.alice, ALICE_PASSWORD);
    let (kept, _) = jwt_login(demo, &env.alice, ALICE_PASSWORD);
    let r = demo
        .post("/jwt/logout")
        .bearer(&access)
        .json(&json!({"refresh_token": refresh}))
        .send();
    assert_eq!(r.status, 204, "{r:?}");
    demo.get("/jwt/me")
        .bearer(&access)
        .send()
        .refused(401, "revoked");
    demo.post("/jwt/refresh")
        .json(&json!({"refresh_token": refresh}))
        .send()
        .refused(401, "unknown_refresh");
    assert_eq!(demo.get("/jwt/me").bearer(&kept).send().status, 200);
    // Logging out needs the access token.
    demo.post("/jwt/logout")
        .json(&json!({"refresh_token": refresh}))
        .send()
        .refused(401, "unauthenticated");

    let (other, other_refresh) = jwt_login(demo, &env.alice, ALICE_PASSWORD);
    let (bobs, _) = jwt_login(demo, &env.bob, BOB_PASSWORD);
    let r = demo.post("/jwt/logout-all").bearer(&kept).send();
    assert_eq!(r.status, 204);
    for token in [&kept, &other] {
        demo.get("/jwt/me")
            .bearer(token)
            .send()
            .refused(401, "revoked");
    }
    demo.post("/jwt/refresh")
        .json(&json!({"refresh_token": other_refresh}))
        .send()
        .refused(401, "unknown_refresh");
    assert_eq!(demo.get("/jwt/me").bearer(&bobs).send().status, 200);
}

fn rfc6750_challenges(backend: Target) {
    let env = start(backend, &[]);
    let demo = &env.demo;
    // No credentials: 401 and a bare challenge.
    let r = demo.get("/jwt/me").send();
    r.refused(401, "unauthenticated");
    assert_eq!(
        r.header("www-authenticate"),
        Some(r#"Bearer realm="auth-demo""#)
    );
    // Another scheme is no Bearer credential.
    let r = demo
        .get("/jwt/me")
        .header("Authorization", "Basic YTpi")
        .send();
    r.refused(401, "unauthenticated");

    // An invalid token: 401 invalid_token with a description.
    let r = demo.get("/jwt/me").bearer("abc.def.ghi").send();
    assert_eq!(r.status, 401);
    let challenge = r.header("www-authenticate").unwrap();
    assert!(
        challenge
            .starts_with(r#"Bearer realm="auth-demo", error="invalid_token", error_description=""#),
        "{challenge}"
    );
    // A refresh token where an access token belongs.
    let (_, refresh) = jwt_login(demo, &env.bob, BOB_PASSWORD);
    demo.get("/jwt/me")
        .bearer(&refresh)
        .send()
        .refused(401, "not_access_token");

    // Malformed: 400 invalid_request, with its challenge.
    let (access, _) = jwt_login(demo, &env.bob, BOB_PASSWORD);
    let malformed = [
        demo.get("/jwt/me").header("Authorization", "Bearer"),
        demo.get("/jwt/me").header("Authorization", "Bearer a b"),
        demo.get("/jwt/me").bearer(&access).bearer(&access),
        demo.get(&format!("/jwt/me?access_token={access}")),
        demo.get("/jwt/me?access_token=x").bearer(&access),
    ];
    for request in malformed {
        let r = request.send();
        r.refused(400, "invalid_request");
        let challenge = r.header("www-authenticate").unwrap();
        assert!(
            challenge.starts_with(r#"Bearer realm="auth-demo", error="invalid_request""#),
            "{challenge}"
        );
    }

    // Valid but without the role: 403 insufficient_scope naming it.
    let r = demo.get("/admin").bearer(&access).send();
    r.refused(403, "insufficient_scope");
    assert_eq!(
        r.header("www-authenticate"),
        Some(
            r#"Bearer realm="auth-demo", error="insufficient_scope", error_description="the credential lacks a required role", scope="admin""#
        )
    );
}

fn admin_needs_the_role_with_either_credential(backend: Target) {
    let env = start(backend, &[]);
    let demo = &env.demo;
    let r = demo.get("/admin").send();
    r.refused(401, "unauthenticated");
    assert_eq!(
        r.header("www-authenticate"),
        Some(r#"Bearer realm="auth-demo""#)
    );

    let (mut alice, _) = Browser::login(demo, &env.alice, ALICE_PASSWORD);
    let r = alice.send(demo.get("/admin"));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["user"]["id"], json!(env.alice));
    let (token, _) = jwt_login(demo, &env.alice, ALICE_PASSWORD);
    assert_eq!(demo.get("/admin").bearer(&token).send().status, 200);

    let (mut bob, _) = Browser::login(demo, &env.bob, BOB_PASSWORD);
    let r = bob.send(demo.get("/admin"));
    r.refused(403, "insufficient_scope");
    assert_eq!(
        r.header("www-authenticate"),
        None,
        "no challenge for a cookie"
    );
    let (token, _) = jwt_login(demo, &env.bob, BOB_PASSWORD);
    demo.get("/admin")
        .bearer(&token)
        .send()
        .refused(403, "insufficient_scope");
    // A dead session's cookie: 401, and the cookie is cleared.
    let old = alice.session.clone().unwrap();
    alice.send(demo.post("/session/logout"));
    let r = demo.get("/admin").cookie(SESSION, &old).send();
    r.refused(401, "unauthenticated");
    r.clears_cookies();
}

fn failed_logins_are_throttled(backend: Target) {
    // A first back-off long enough to outlast the checks below on a busy
    // machine (the default, 1 s on a clock of whole seconds, can end
    // between two requests).
    let env = start(backend, &["--login-backoff", "60"]);
    let demo = &env.demo;
    let wrong = creds(&env.bob, "not the password");
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(demo.post("/jwt/login").json(&wrong).send().status);
    }
    let first_429 = statuses.iter().position(|&s| s == 429).unwrap();
    assert!(
        statuses[..first_429].iter().all(|&s| s == 401) && first_429 >= 5,
        "{statuses:?}"
    );
    // Blocked: even the right password is refused, on both kinds of login,
    // with the wait in Retry-After.
    let r = demo
        .post("/jwt/login")
        .json(&creds(&env.bob, BOB_PASSWORD))
        .send();
    r.refused(429, "rate_limited");
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    // --login-backoff 60 (the default would say 1).
    assert!((2..=60).contains(&wait), "{wait}");
    let (_, r) = Browser::login(demo, &env.bob, BOB_PASSWORD);
    r.refused(429, "rate_limited");
    assert!(r.header("retry-after").is_some());
    // Another account from the same address is not blocked by bob's.
    let (_, r) = Browser::login(demo, &env.alice, ALICE_PASSWORD);
    assert_eq!(r.status, 200);
}

/// A header value that is not UTF-8 counts as absent on both frameworks
/// (`auth_core::http`'s rule; Rocket drops such a value before any guard
/// runs): a credential in one is no credential, one beside it is read, a
/// CSRF header in one is missing. A user agent that is UTF-8 is kept.
fn header_values_that_are_not_utf8_count_as_absent(backend: Target) {
    let env = start(backend, &[]);
    let demo = &env.demo;
    let page = demo.get("/").send();
    let pre = page.cookie_value(CSRF).unwrap();
    let agent = "Mözilla/5.0 (☃; x86_64)";
    let r = demo
        .post("/session/login")
        .json(&creds(&env.alice, ALICE_PASSWORD))
        .cookie(CSRF, &pre)
        .header("X-CSRF-Token", &pre)
        .header("User-Agent", b"\xffnot this one")
        .header("User-Agent", agent)
        .send();
    assert_eq!(r.status, 200, "{r:?}");
    let session = r.cookie_value(SESSION).unwrap();
    let csrf = r.cookie_value(CSRF).unwrap();
    let cookies = format!("{SESSION}={session}; {CSRF}={csrf}");
    let r = demo
        .get("/session/sessions")
        .header("Cookie", &cookies)
        .send();
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json()[0]["user_agent"], json!(agent));

    // Cookies: the whole header is absent; another one is still read.
    let mut unreadable = cookies.clone().into_bytes();
    unreadable.extend_from_slice(b"; x=\xff");
    let r = demo.get("/session/me").header("Cookie", &unreadable).send();
    r.refused(401, "unauthenticated");
    let r = demo
        .get("/session/me")
        .header("Cookie", b"x=\xff")
        .header("Cookie", &cookies)
        .send();
    assert_eq!(r.status, 200, "{r:?}");

    // Authorization: the same.
    let (access, _) = jwt_login(demo, &env.alice, ALICE_PASSWORD);
    let mut unreadable = format!("Bearer {access}").into_bytes();
    unreadable.push(0xff);
    let r = demo
        .get("/jwt/me")
        .header("Authorization", &unreadable)
        .send();
    r.refused(401, "unauthenticated");
    assert_eq!(
        r.header("www-authenticate"),
        Some(r#"Bearer realm="auth-demo""#),
        "a bare challenge: no credentials, not a malformed one"
    );
    let r = demo
        .get("/jwt/me")
        .header("Authorization", &unreadable)
        .bearer(&access)
        .send();
    assert_eq!(r.status, 200, "{r:?}");

    // CSRF: an unreadable token is missing...
    let logout = || demo.post("/session/logout").header("Cookie", &cookies);
    let r = logout().header("X-CSRF-Token", b"\xff").send();
    r.refused(403, "csrf");
    assert_eq!(
        r.json()["message"],
        json!("the X-CSRF-Token header is missing")
    );
    // ...and an unreadable Sec-Fetch-Site or Origin leaves the token to
    // decide, as when neither is sent.
    let r = logout()
        .header("Sec-Fetch-Site", b"cross-site\xff")
        .header("Origin", b"https://evil.example\xff")
        .header("X-CSRF-Token", &csrf)
        .send();
    assert_eq!(r.status, 204, "{r:?}");
    let r = demo.get("/session/me").header("Cookie", &cookies).send();
    r.refused(401, "unauthenticated");
}

fn bad_input_is_refused_and_the_server_stays_up(backend: Target) {
    let env = start(backend, &[]);
    let demo = &env.demo;
    let (browser, _) = Browser::login(demo, &env.alice, ALICE_PASSWORD);
    let session = browser.session.clone().unwrap();
    let csrf = browser.csrf.clone().unwrap();
    let with_session = |r: common::Request| {
        r.header("Cookie", format!("{SESSION}={session}; {CSRF}={csrf}"))
            .same_origin(&csrf)
    };

    let cases: Vec<(common::Request, u16, &str)> = vec![
        // Cookies: garbage values name no session; malformed or repeated
        // headers and oversized ones are 400.
        (
            demo.get("/session/me").cookie(SESSION, "%%%garbage%%%"),
            401,
            "unauthenticated",
        ),
        (
            demo.get("/session/me").cookie(SESSION, ""),
            401,
            "unauthenticated",
        ),
        (
            demo.get("/session/me").cookie(SESSION, &"A".repeat(5000)),
            401,
            "unauthenticated",
        ),
        (
            demo.get("/session/me").header(
                "Cookie",
                format!("{SESSION}={session}; {SESSION}={session}"),
            ),
            400,
            "invalid_request",
        ),
        (
            demo.get("/session/me")
                .header("Cookie", format!("a={}", "b".repeat(9000))),
            400,
            "invalid_request",
        ),
        (
            demo.get("/session/me").header("Cookie", b"\xff\xfe=\xfd"),
            401,
            "unauthenticated",
        ),
        // Authorization headers.
        (
            demo.get("/jwt/me").header("Authorization", "Bearer a\"b"),
            400,
            "invalid_request",
        ),
        // A header value that is not UTF-8 counts as absent (Rocket drops
        // it; the core and auth-axum do the same): no credentials.
        (
            demo.get("/jwt/me")
                .header("Authorization", b"Bearer \xff\xff"),
            401,
            "unauthenticated",
        ),
        (
            demo.get("/jwt/me").bearer(&"a".repeat(20_000)),
            400,
            "invalid_request",
        ),
        (demo.get("/jwt/me").bearer("a.b.c.d"), 401, "malformed"),
        (demo.get("/jwt/me").bearer("e30.e30.e30"), 401, "malformed"),
        // Bodies: not JSON, the wrong shape, the wrong type, too large.
        (
            demo.post("/jwt/login").raw_body("application/json", b"{"),
            400,
            "invalid_request",
        ),
        (
            demo.post("/jwt/login").raw_body("application/json", b"[]"),
            400,
            "invalid_request",
        ),
        (
            demo.post("/jwt/login")
                .json(&json!({"username": 1, "password": "x"})),
            400,
            "invalid_request",
        ),
        (
            demo.post("/jwt/login").raw_body("text/plain", b"{}"),
            400,
            "invalid_request",
        ),
        (demo.post("/jwt/login"), 400, "invalid_request"),
        (
            demo.post("/jwt/login")
                .raw_body("application/json", &vec![b' '; 17 * 1024]),
            400,
            "invalid_request",
        ),
        (
            demo.post("/jwt/login").json(&creds("x", &"p".repeat(5000))),
            400,
            "too_large",
        ),
        (
            demo.post("/jwt/refresh")
                .json(&json!({"refresh_token": "garbage"})),
            401,
            "unknown_refresh",
        ),
        (
            demo.post("/jwt/refresh")
                .json(&json!({"refresh_token": "a.b.c"})),
            401,
            "not_refresh_token",
        ),
        (
            demo.post("/jwt/refresh").json(&json!({})),
            400,
            "invalid_request",
        ),
        (
            with_session(demo.req("DELETE", "/session/sessions/%ff%00")),
            404,
            "not_found",
        ),
    ];
    for (i, (request, status, code)) in cases.into_iter().enumerate() {
        let r = request.send();
        assert!(
            r.body.starts_with('{'),
            "case {i}: expected {status} {code}, got {r:?}"
        );
        r.refused(status, code);
    }
    // Control bytes in a header never reach the app: the HTTP parser
    // refuses the request (400, no body).
    let r = demo.get("/session/me").header("Cookie", b"a=\x01").send();
    assert_eq!((r.status, r.body.as_str()), (400, ""));

    // Still up, and alice's session untouched.
    assert_eq!(demo.get("/healthz").send().status, 200);
    let r = demo.get("/session/me").cookie(SESSION, &session).send();
    assert_eq!(r.status, 200);
}

/// Every value that differs from run to run (tokens, IDs, handles,
/// times): replaced, so that two runs compare.
fn redact(value: &mut Value) {
    const RANDOM: [&str; 9] = [
        "access_token",
        "refresh_token",
        "handle",
        "created_at",
        "last_seen_at",
        "iat",
        "exp",
        "jti",
        "sid",
    ];
    match value {
        Value::Object(members) => {
            for (name, member) in members.iter_mut() {
                if RANDOM.contains(&name.as_str()) {
                    *member = json!("<random>");
                } else {
                    redact(member);
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(redact),
        _ => {}
    }
}

/// A response as compared between frameworks: status, every header but
/// `date`, `content-length` (the bodies are compared) and `connection`
/// (hop-by-hop: hyper 1 under Axum echoes the client's `close`, hyper
/// 0.14 under Rocket closes without saying so), sorted, with cookie
/// values and `Retry-After` redacted; and the body (JSON redacted).
fn comparable(r: &Response) -> (u16, Vec<(String, String)>, String) {
    let mut headers: Vec<(String, String)> = r
        .headers
        .iter()
        .filter(|(n, _)| !matches!(n.as_str(), "date" | "content-length" | "connection"))
        .map(|(n, v)| {
            let v = match n.as_str() {
                "set-cookie" => match v.split_once('=') {
                    Some((name, rest)) if !rest.starts_with(';') => {
                        let attrs = rest.split_once(';').map_or("", |(_, a)| a);
                        format!("{name}=<random>;{attrs}")
                    }
                    _ => v.clone(),
                },
                "retry-after" => "<seconds>".into(),
                _ => v.clone(),
            };
            (n.clone(), v)
        })
        .collect();
    headers.sort();
    let body = match serde_json::from_str::<Value>(&r.body) {
        Ok(mut json) => {
            redact(&mut json);
            json.to_string()
        }
        Err(_) => r.body.clone(),
    };
    (r.status, headers, body)
}

/// One sequence of requests over the whole contract (every route, its
/// successes and its refusals), with each answer labelled.
fn script(demo: &Demo, alice: &str, bob: &str) -> Vec<(String, Response)> {
    let mut out: Vec<(String, Response)> = Vec::new();
    let mut note = |label: &str, r: Response| out.push((label.to_owned(), r));

    note("healthz", demo.get("/healthz").send());
    let page = demo.get("/").send();
    let pre = page.cookie_value(CSRF).unwrap();
    note("page", page);
    note("page, CSRF cookie", demo.get("/").cookie(CSRF, &pre).send());
    note("script", demo.get("/app.js").send());
    note("jwks", demo.get("/.well-known/jwks.json").send());
    note("unknown path", demo.get("/no/such/page").send());
    note("HEAD healthz", demo.req("HEAD", "/healthz").send());
    note("wrong method", demo.get("/session/login").send());
    note("PATCH", demo.req("PATCH", "/session/me").send());
    note(
        "page, repeated CSRF cookie",
        demo.get("/")
            .header("Cookie", format!("{CSRF}={pre}; {CSRF}={pre}"))
            .send(),
    );
    note("trailing slash", demo.get("/healthz/").send());

    let login =
        |user: &str, password: &str| demo.post("/session/login").json(&creds(user, password));
    note(
        "login, no CSRF cookie",
        login(alice, ALICE_PASSWORD)
            .header("X-CSRF-Token", &pre)
            .send(),
    );
    note(
        "login, cross-site",
        login(alice, ALICE_PASSWORD)
            .cookie(CSRF, &pre)
            .header("X-CSRF-Token", &pre)
            .header("Sec-Fetch-Site", "cross-site")
            .send(),
    );
    note(
        "login, wrong password",
        login(alice, "wrong")
            .cookie(CSRF, &pre)
            .header("X-CSRF-Token", &pre)
            .send(),
    );
    let (mut browser, r) = Browser::login(demo, alice, ALICE_PASSWORD);
    note("login", r);
    note("session/me", browser.send(demo.get("/session/me")));
    note("sessions", browser.send(demo.get("/session/sessions")));
    note(
        "delete unknown handle",
        browser.send(demo.req("DELETE", "/session/sessions/AAAAAAAAAAAAAAAAAAAAAA")),
    );
    note(
        "delete undecodable handle",
        browser.send(demo.req("DELETE", "/session/sessions/%ff%00")),
    );
    note("admin by cookie", browser.send(demo.get("/admin")));
    let session = browser.session.clone().unwrap();
    let csrf = browser.csrf.clone().unwrap();
    note(
        "session/me, beside a Cookie header that is not UTF-8",
        demo.get("/session/me")
            .header("Cookie", b"x=\xff")
            .header("Cookie", format!("{SESSION}={session}"))
            .send(),
    );
    note(
        "session/me, in a Cookie header that is not UTF-8",
        demo.get("/session/me")
            .header(
                "Cookie",
                [format!("{SESSION}={session}; x=").as_bytes(), b"\xff"].concat(),
            )
            .send(),
    );
    let logout = || {
        demo.post("/session/logout")
            .header("Cookie", format!("{SESSION}={session}; {CSRF}={csrf}"))
    };
    note("logout, no token", logout().send());
    note(
        "logout, wrong token",
        logout().header("X-CSRF-Token", &pre).send(),
    );
    note(
        "logout, other origin",
        logout()
            .header("Origin", "https://evil.example")
            .header("X-CSRF-Token", &csrf)
            .send(),
    );
    note(
        "logout, same-site",
        logout()
            .header("Sec-Fetch-Site", "same-site")
            .header("X-CSRF-Token", &csrf)
            .send(),
    );
    note("logout", browser.send(demo.post("/session/logout")));
    note(
        "session/me, dead cookie",
        demo.get("/session/me").cookie(SESSION, &session).send(),
    );
    note(
        "admin, dead cookie",
        demo.get("/admin").cookie(SESSION, &session).send(),
    );
    note(
        "session/me, repeated cookie",
        demo.get("/session/me")
            .header(
                "Cookie",
                format!("{SESSION}={session}; {SESSION}={session}"),
            )
            .send(),
    );
    note(
        "session/me, oversized cookie header",
        demo.get("/session/me")
            .header("Cookie", format!("a={}", "b".repeat(9000)))
            .send(),
    );
    let (mut bobs, r) = Browser::login(demo, bob, BOB_PASSWORD);
    note("bob's login", r);
    note("admin by bob's cookie", bobs.send(demo.get("/admin")));
    note("logout-all", bobs.send(demo.post("/session/logout-all")));

    let jwt =
        |user: &str, password: &str| demo.post("/jwt/login").json(&creds(user, password)).send();
    note("jwt login, wrong password", jwt(alice, "wrong"));
    note("jwt login, unknown user", jwt("nobody-at-all", "wrong"));
    let r = jwt(bob, BOB_PASSWORD);
    let pair = r.json();
    note("jwt login", r);
    let access = pair["access_token"].as_str().unwrap().to_owned();
    let refresh = pair["refresh_token"].as_str().unwrap().to_owned();
    note("jwt/me", demo.get("/jwt/me").bearer(&access).send());
    note("jwt/me, no token", demo.get("/jwt/me").send());
    note(
        "jwt/me, Basic",
        demo.get("/jwt/me")
            .header("Authorization", "Basic YTpi")
            .send(),
    );
    note(
        "jwt/me, bad token",
        demo.get("/jwt/me").bearer("abc.def.ghi").send(),
    );
    note(
        "jwt/me, four parts",
        demo.get("/jwt/me").bearer("a.b.c.d").send(),
    );
    note(
        "jwt/me, refresh token",
        demo.get("/jwt/me").bearer(&refresh).send(),
    );
    note(
        "jwt/me, bare Bearer",
        demo.get("/jwt/me").header("Authorization", "Bearer").send(),
    );
    note(
        "jwt/me, two tokens",
        demo.get("/jwt/me").bearer(&access).bearer(&access).send(),
    );
    note(
        "jwt/me, token in the query",
        demo.get(&format!("/jwt/me?access_token={access}")).send(),
    );
    note(
        "jwt/me, oversized",
        demo.get("/jwt/me").bearer(&"a".repeat(20_000)).send(),
    );
    note(
        "admin, bob's token",
        demo.get("/admin").bearer(&access).send(),
    );
    note("admin, no credentials", demo.get("/admin").send());
    let r = demo
        .post("/jwt/refresh")
        .json(&json!({"refresh_token": refresh}))
        .send();
    let next = r.json()["refresh_token"].as_str().unwrap_or("").to_owned();
    note("refresh", r);
    note(
        "refresh reused",
        demo.post("/jwt/refresh")
            .json(&json!({"refresh_token": refresh}))
            .send(),
    );
    note(
        "refresh, revoked login",
        demo.post("/jwt/refresh")
            .json(&json!({"refresh_token": next}))
            .send(),
    );
    note(
        "jwt/me, revoked",
        demo.get("/jwt/me").bearer(&access).send(),
    );
    let r = jwt(alice, ALICE_PASSWORD);
    let pair = r.json();
    let access = pair["access_token"].as_str().unwrap().to_owned();
    let refresh = pair["refresh_token"].as_str().unwrap().to_owned();
    note(
        "admin, alice's token",
        demo.get("/admin").bearer(&access).send(),
    );
    note(
        "jwt logout, no token",
        demo.post("/jwt/logout")
            .json(&json!({"refresh_token": refresh}))
            .send(),
    );
    note(
        "jwt logout, bad body",
        demo.post("/jwt/logout")
            .bearer(&access)
            .raw_body("application/json", b"{")
            .send(),
    );
    note(
        "jwt logout",
        demo.post("/jwt/logout")
            .bearer(&access)
            .json(&json!({"refresh_token": refresh}))
            .send(),
    );
    let (other, _) = jwt_login(demo, alice, ALICE_PASSWORD);
    note(
        "jwt logout-all",
        demo.post("/jwt/logout-all").bearer(&other).send(),
    );
    note(
        "jwt/me after logout-all",
        demo.get("/jwt/me").bearer(&other).send(),
    );

    for (label, request) in [
        (
            "body, not JSON",
            demo.post("/jwt/login").raw_body("application/json", b"{"),
        ),
        (
            "body, wrong shape",
            demo.post("/jwt/login").raw_body("application/json", b"[]"),
        ),
        (
            "body, text/plain",
            demo.post("/jwt/login").raw_body("text/plain", b"{}"),
        ),
        ("body, none", demo.post("/jwt/login")),
        (
            "body, too large",
            demo.post("/jwt/login")
                .raw_body("application/json", &vec![b' '; 17 * 1024]),
        ),
        (
            "body, password too long",
            demo.post("/jwt/login").json(&creds("x", &"p".repeat(5000))),
        ),
        (
            "refresh, not a token",
            demo.post("/jwt/refresh")
                .json(&json!({"refresh_token": "a.b.c"})),
        ),
        (
            "header, control byte",
            demo.get("/session/me").header("Cookie", b"a=\x01"),
        ),
        (
            "header, Bearer not UTF-8",
            demo.get("/jwt/me")
                .header("Authorization", b"Bearer \xff\xfe"),
        ),
        (
            "header, Cookie not UTF-8",
            demo.get("/session/me")
                .header("Cookie", b"__Host-session=\xff"),
        ),
    ] {
        note(label, request.send());
    }
    // Throttling: bob's account from this address. (When it starts
    // depends on the clock: the first 429 is compared.)
    let throttled = (0..10)
        .map(|_| jwt(bob, "not the password"))
        .find(|r| r.status != 401)
        .unwrap();
    note("throttled", throttled);
    note("throttled, right password", jwt(bob, BOB_PASSWORD));
    out
}

/// Every status, header and body of the contract is the same on Axum and
/// on Rocket: one sequence of requests against one process of each (same
/// users, same key, each on its own store), answers compared after
/// redacting what is random.
fn both_frameworks_answer_alike(backends: [Backend; 2]) {
    let (users, alice, bob) = users_file();
    let key = common::key_file();
    let (users_path, key_path) = (path_arg(users.path()), path_arg(key.path()));
    let stores = backends.each_ref().map(Backend::store_args);
    let [axum, rocket] = [0, 1].map(|i| {
        // The throttling at the end of the script must last through it.
        let mut args = vec![
            "--users",
            &users_path,
            "--key",
            &key_path,
            "--login-backoff",
            "60",
        ];
        args.extend(stores[i].iter().map(String::as_str));
        Demo::start_on(Framework::ALL[i], &args)
    });
    let (on_axum, on_rocket) = std::thread::scope(|s| {
        let a = s.spawn(|| script(&axum, &alice, &bob));
        let r = script(&rocket, &alice, &bob);
        (a.join().unwrap(), r)
    });
    assert_eq!(on_axum.len(), on_rocket.len());
    let mut differences = Vec::new();
    for ((label, a), (_, r)) in on_axum.iter().zip(&on_rocket) {
        let (a, r) = (comparable(a), comparable(r));
        if a != r {
            differences.push(format!("{label}:\n  axum:   {a:?}\n  rocket: {r:?}"));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {} answers differ:\n{}",
        differences.len(),
        on_axum.len(),
        differences.join("\n")
    );
}

#[test]
fn both_frameworks_answer_alike_on_memory() {
    both_frameworks_answer_alike([Backend::Memory, Backend::Memory]);
}

/// Each process on a `redis-server` of its own, even with
/// `AUTH_TEST_REDIS_URL` (the two runs' throttling and sessions must not
/// meet).
#[test]
fn both_frameworks_answer_alike_on_redis() {
    let own = || {
        RedisServer::start().map(|server| Backend::Redis {
            url: server.url(),
            _server: Some(server),
        })
    };
    if let (Some(a), Some(b)) = (own(), own()) {
        both_frameworks_answer_alike([a, b]);
    }
}

/// Each process in a schema of its own.
#[test]
fn both_frameworks_answer_alike_on_postgres() {
    if let (Some(a), Some(b)) = (Backend::postgres(), Backend::postgres()) {
        both_frameworks_answer_alike([a, b]);
    }
}
