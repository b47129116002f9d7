//! The adapter in-process: the `Option` forms, typed claims, the role
//! layer's single store read, the clock, configuration mistakes, request
//! bodies, and that a refusal is rendered exactly as the core decided.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

use auth_axum::{Auth, AuthRejection, Bearer, JsonBody, RequireRole, Session, User};
use auth_core::http::{CookieConfig, HttpConfig, Rejection, Via};
use auth_core::session::{SessionConfig, SessionMeta};
use auth_core::tokens::{TokenConfig, TokenService};
use auth_core::{Algorithm, Clock, Error, KeySet, SigningKey};
use auth_store::{AnyStore, MemoryStore};
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tower::ServiceExt;

/// A memory store that counts the reads a request makes.
type Counting = auth_store::testing::Counting<MemoryStore>;

/// A clock the test moves.
#[derive(Clone, Default)]
struct TestClock(Arc<AtomicU64>);

impl Clock for TestClock {
    fn now(&self) -> u64 {
        self.0.load(Ordering::SeqCst)
    }
}

const T0: u64 = 1_800_000_000;

struct Fixture {
    auth: Auth,
    store: Arc<Counting>,
    clock: TestClock,
}

fn http() -> HttpConfig {
    HttpConfig::new("test", CookieConfig::new(3600)).unwrap()
}

fn fixture(tokens: bool) -> Fixture {
    let store = Arc::new(Counting::default());
    let any = AnyStore::new(store.clone());
    let clock = TestClock::default();
    clock.0.store(T0, Ordering::SeqCst);
    let mut builder = Auth::builder(http())
        .sessions(any.clone(), SessionConfig::new().idle_timeout(600))
        .clock(clock.clone());
    if tokens {
        let mut keys = KeySet::new();
        keys.set_signing_key(SigningKey::generate(Algorithm::Hs256).unwrap())
            .unwrap();
        let service = TokenService::new(keys, TokenConfig::new("iss", "aud"), any).unwrap();
        builder = builder.tokens(service);
    }
    Fixture {
        auth: builder.build(),
        store,
        clock,
    }
}

fn roles(list: &[&str]) -> Map<String, Value> {
    let mut data = Map::new();
    data.insert("roles".into(), json!(list));
    data
}

impl Fixture {
    /// A session for `user` with `roles`: its cookie header.
    async fn session(&self, user: &str, list: &[&str]) -> String {
        let m = self.auth.sessions().unwrap();
        let ticket = m.begin_login(user, T0).await.unwrap();
        let new = m
            .login_with_data(ticket, None, SessionMeta::default(), roles(list), T0)
            .await
            .unwrap();
        format!("__Host-session={}", *new.id.expose())
    }

    async fn token(&self, user: &str, list: &[&str]) -> String {
        let t = self.auth.tokens().unwrap();
        let ticket = t.begin_login(user, T0).await.unwrap();
        t.issue(ticket, &roles(list), T0)
            .await
            .unwrap()
            .access_token
    }

    async fn call(
        &self,
        app: &Router,
        request: Request<Body>,
    ) -> (StatusCode, String, Vec<(String, String)>) {
        let response = app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response
            .headers()
            .iter()
            .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
            .collect();
        let body = axum::body::to_bytes(response.into_body(), 1 << 20)
            .await
            .unwrap();
        (status, String::from_utf8(body.to_vec()).unwrap(), headers)
    }
}

fn get_with(path: &str, header: Option<(&str, &str)>) -> Request<Body> {
    let mut r = Request::get(path);
    if let Some((n, v)) = header {
        r = r.header(n, v);
    }
    r.body(Body::empty()).unwrap()
}

fn code(body: &str) -> String {
    serde_json::from_str::<Value>(body).unwrap()["error"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn option_forms_are_none_without_a_credential_and_refuse_bad_ones() {
    let f = fixture(true);
    let app = Router::new()
        .route(
            "/session",
            get(|s: Option<Session>| async move { s.map_or("none".into(), |s| s.user_id().to_owned()) }),
        )
        .route(
            "/bearer",
            get(|b: Option<Bearer>| async move { b.map_or("none".into(), |b| b.access.user_id) }),
        )
        .route(
            "/user",
            get(|u: Option<User>| async move { u.map_or("none".into(), |u| u.id) }),
        )
        .with_state(f.auth.clone());
    let cookie = f.session("ann", &[]).await;
    let token = f.token("tom", &[]).await;
    let dead = "__Host-session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    let bearer = format!("Bearer {token}");

    for path in ["/session", "/bearer", "/user"] {
        let (s, body, _) = f.call(&app, get_with(path, None)).await;
        assert_eq!((s, body.as_str()), (StatusCode::OK, "none"), "{path}");
    }
    // A cookie that names no session is no session.
    for path in ["/session", "/user"] {
        let (s, body, _) = f.call(&app, get_with(path, Some(("cookie", dead)))).await;
        assert_eq!((s, body.as_str()), (StatusCode::OK, "none"), "{path}");
    }
    let (_, body, _) = f
        .call(&app, get_with("/session", Some(("cookie", &cookie))))
        .await;
    assert_eq!(body, "ann");
    let (_, body, _) = f
        .call(&app, get_with("/user", Some(("cookie", &cookie))))
        .await;
    assert_eq!(body, "ann");
    let (_, body, _) = f
        .call(&app, get_with("/bearer", Some(("authorization", &bearer))))
        .await;
    assert_eq!(body, "tom");
    // The token wins over the cookie when a request has both.
    let both = Request::get("/user")
        .header("cookie", &cookie)
        .header("authorization", &bearer)
        .body(Body::empty())
        .unwrap();
    assert_eq!(f.call(&app, both).await.1, "tom");

    // A bad credential is refused, optional or not.
    let (s, body, _) = f
        .call(
            &app,
            get_with("/bearer", Some(("authorization", "Bearer a.b.c"))),
        )
        .await;
    assert_eq!(
        (s, code(&body).as_str()),
        (StatusCode::UNAUTHORIZED, "malformed")
    );
    let (s, body, _) = f
        .call(&app, get_with("/user", Some(("authorization", "Bearer"))))
        .await;
    assert_eq!(
        (s, code(&body).as_str()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );
    let twice = format!("{cookie}; {cookie}");
    let (s, body, _) = f
        .call(&app, get_with("/session", Some(("cookie", &twice))))
        .await;
    assert_eq!(
        (s, code(&body).as_str()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );
}

#[tokio::test]
async fn the_role_layer_reads_the_store_once_and_hands_the_user_on() {
    let f = fixture(true);
    let app = Router::new()
        .route(
            "/admin",
            get(|user: User, again: User| async move {
                assert_eq!(user.id, again.id);
                format!("{} {:?}", user.id, user.roles)
            }),
        )
        .route_layer(RequireRole::new(&f.auth, "admin"))
        .with_state(f.auth.clone());
    let admin = f.session("ada", &["admin"]).await;
    let plain = f.session("pat", &["user"]).await;

    let loads = f.store.loads.load(Ordering::SeqCst);
    let (s, body, _) = f
        .call(&app, get_with("/admin", Some(("cookie", &admin))))
        .await;
    assert_eq!((s, body.as_str()), (StatusCode::OK, "ada [\"admin\"]"));
    assert_eq!(f.store.loads.load(Ordering::SeqCst) - loads, 1, "one read");

    let (s, body, headers) = f
        .call(&app, get_with("/admin", Some(("cookie", &plain))))
        .await;
    assert_eq!(
        (s, code(&body).as_str()),
        (StatusCode::FORBIDDEN, "insufficient_scope")
    );
    assert!(!headers.iter().any(|(n, _)| n == "www-authenticate"));

    let token = f.token("tia", &["admin"]).await;
    let checks = f.store.access_checks.load(Ordering::SeqCst);
    let (s, _, _) = f
        .call(
            &app,
            get_with(
                "/admin",
                Some(("authorization", &format!("Bearer {token}"))),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        f.store.access_checks.load(Ordering::SeqCst) - checks,
        1,
        "one read"
    );

    let (s, body, headers) = f.call(&app, get_with("/admin", None)).await;
    assert_eq!(
        (s, code(&body).as_str()),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    assert!(headers.contains(&("www-authenticate".into(), "Bearer realm=\"test\"".into())));
}

#[tokio::test]
async fn bearer_extractors_of_one_request_share_one_store_read() {
    let f = fixture(true);
    let app = Router::new()
        // A typed extractor first: it reads the token straight as its
        // type; the others verify it again without the store.
        .route(
            "/typed-first",
            get(
                |b: Bearer<Roles>, again: Bearer<Roles>, user: User, json: Bearer| async move {
                    assert_eq!(b.access.user_id, user.id);
                    assert_eq!(again.access.jti, b.access.jti);
                    assert_eq!(json.access.claims["roles"], json!(b.access.claims.roles));
                    format!("{} {}", user.id, again.access.claims.roles.join(","))
                },
            ),
        )
        // The user first: the typed extractor reads the claims it kept.
        .route(
            "/user-first",
            get(|user: User, b: Bearer<Roles>| async move {
                format!("{} {}", user.id, b.access.claims.roles.join(","))
            }),
        )
        .route(
            "/typed-then-strict",
            get(|_: Bearer<Roles>, _: Bearer<Strict>| async { "never" }),
        )
        .route("/strict", get(|_: Bearer<Strict>| async { "never" }))
        .with_state(f.auth.clone());
    let token = format!("Bearer {}", f.token("uma", &["a", "b"]).await);
    for (path, want) in [("/typed-first", "uma a,b"), ("/user-first", "uma a,b")] {
        let checks = f.store.access_checks.load(Ordering::SeqCst);
        let (s, body, _) = f
            .call(&app, get_with(path, Some(("authorization", &token))))
            .await;
        assert_eq!((s, body.as_str()), (StatusCode::OK, want), "{path}");
        let read = f.store.access_checks.load(Ordering::SeqCst) - checks;
        assert_eq!(read, 1, "{path}: one store read");
    }
    // Claims that do not fit the second type: invalid_claim, still one read.
    let checks = f.store.access_checks.load(Ordering::SeqCst);
    let (s, body, _) = f
        .call(
            &app,
            get_with("/typed-then-strict", Some(("authorization", &token))),
        )
        .await;
    assert_eq!(
        (s, code(&body).as_str()),
        (StatusCode::UNAUTHORIZED, "invalid_claim")
    );
    assert_eq!(f.store.access_checks.load(Ordering::SeqCst) - checks, 1);

    // A revoked token is `revoked`, whether or not its claims fit: the
    // store's verdict comes before the claims' type, on every path.
    let revoked = f.token("vic", &["a"]).await;
    f.auth
        .tokens()
        .unwrap()
        .revoke_access(&revoked, T0)
        .await
        .unwrap();
    let revoked = format!("Bearer {revoked}");
    for path in ["/typed-first", "/user-first", "/strict"] {
        let (s, body, _) = f
            .call(&app, get_with(path, Some(("authorization", &revoked))))
            .await;
        assert_eq!(
            (s, code(&body).as_str()),
            (StatusCode::UNAUTHORIZED, "revoked"),
            "{path}"
        );
    }
}

#[derive(Deserialize)]
struct Roles {
    roles: Vec<String>,
}

#[derive(Deserialize)]
#[allow(dead_code)]
struct Strict {
    tenant: u32,
}

#[tokio::test]
async fn bearer_claims_are_typed_and_refused_when_they_do_not_fit() {
    let f = fixture(true);
    let app = Router::new()
        .route(
            "/roles",
            get(|b: Bearer<Roles>| async move { b.access.claims.roles.join(",") }),
        )
        .route("/strict", get(|_: Bearer<Strict>| async { "never" }))
        .with_state(f.auth.clone());
    let token = format!("Bearer {}", f.token("uma", &["a", "b"]).await);
    let (_, body, _) = f
        .call(&app, get_with("/roles", Some(("authorization", &token))))
        .await;
    assert_eq!(body, "a,b");
    let (s, body, headers) = f
        .call(&app, get_with("/strict", Some(("authorization", &token))))
        .await;
    assert_eq!(
        (s, code(&body).as_str()),
        (StatusCode::UNAUTHORIZED, "invalid_claim")
    );
    assert!(
        headers
            .iter()
            .any(|(n, v)| n == "www-authenticate" && v.contains("invalid_token"))
    );
}

#[tokio::test]
async fn the_configured_clock_decides_expiry() {
    let f = fixture(false);
    let app = Router::new()
        .route(
            "/me",
            get(|s: Session| async move { s.user_id().to_owned() }),
        )
        .with_state(f.auth.clone());
    let cookie = f.session("eve", &[]).await;
    let me = || get_with("/me", Some(("cookie", &cookie)));
    // Just before the idle deadline: live, and the touch moves it on.
    f.clock.0.store(T0 + 599, Ordering::SeqCst);
    assert_eq!(f.call(&app, me()).await.0, StatusCode::OK);
    f.clock.0.store(T0 + 1100, Ordering::SeqCst);
    let (s, _, _) = f.call(&app, me()).await;
    assert_eq!(s, StatusCode::OK, "kept alive by the touch at T0 + 599");
    // Idle for the whole timeout since the last touch (T0 + 1100).
    f.clock.0.store(T0 + 1700, Ordering::SeqCst);
    let (s, body, headers) = f
        .call(&app, get_with("/me", Some(("cookie", &cookie))))
        .await;
    assert_eq!(
        (s, code(&body).as_str()),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    let cleared: Vec<&String> = headers
        .iter()
        .filter(|(n, _)| n == "set-cookie")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(cleared.len(), 2, "{headers:?}");
    assert!(cleared.iter().all(|c| c.contains("Max-Age=0")));
}

#[tokio::test]
async fn a_missing_service_is_a_500_and_no_challenge_without_tokens() {
    let f = fixture(false);
    let app = Router::new()
        .route("/bearer", get(|_: Bearer| async { "never" }))
        .route("/user", get(|u: User| async move { u.id }))
        .with_state(f.auth.clone());
    let (s, body, _) = f
        .call(
            &app,
            get_with("/bearer", Some(("authorization", "Bearer abc"))),
        )
        .await;
    assert_eq!(
        (s, code(&body).as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, "internal_error")
    );
    // Sessions only: no credential is 401 without a Bearer challenge.
    let (s, body, headers) = f.call(&app, get_with("/user", None)).await;
    assert_eq!(
        (s, code(&body).as_str()),
        (StatusCode::UNAUTHORIZED, "unauthenticated")
    );
    assert!(!headers.iter().any(|(n, _)| n == "www-authenticate"));
    assert!(matches!(f.auth.tokens(), Err(r) if r.status() == 500));
    // Without tokens, an Authorization header does not get in the way of
    // the cookie (nor turn into a 500).
    let cookie = f.session("sam", &[]).await;
    for authorization in ["Bearer abc", "Bearer", "Basic YTpi"] {
        let request = Request::get("/user")
            .header("cookie", &cookie)
            .header("authorization", authorization)
            .body(Body::empty())
            .unwrap();
        let (s, body, _) = f.call(&app, request).await;
        assert_eq!(
            (s, body.as_str()),
            (StatusCode::OK, "sam"),
            "{authorization}"
        );
    }

    let none = Auth::builder(http()).build();
    assert!(matches!(none.sessions(), Err(r) if r.status() == 500));
    #[cfg(feature = "password")]
    assert_eq!(
        none.check_password("a", "b", None, b"c")
            .await
            .unwrap_err()
            .status(),
        500
    );
}

#[tokio::test]
async fn json_bodies_need_json_and_refuse_as_the_core_says() {
    #[derive(Deserialize)]
    struct Body1 {
        n: u32,
    }
    let f = fixture(false);
    let app = Router::new()
        .route(
            "/",
            post(|JsonBody(b): JsonBody<Body1>| async move { b.n.to_string() }),
        )
        .with_state(f.auth.clone());
    let send = |ct: Option<&str>, body: &str| {
        let mut r = Request::post("/");
        if let Some(ct) = ct {
            r = r.header("content-type", ct);
        }
        r.body(Body::from(body.to_owned())).unwrap()
    };
    for ct in [
        "application/json",
        "application/json; charset=utf-8",
        "Application/JSON",
    ] {
        let (s, body, _) = f.call(&app, send(Some(ct), r#"{"n":7}"#)).await;
        assert_eq!((s, body.as_str()), (StatusCode::OK, "7"), "{ct}");
    }
    let cases = [
        (
            None,
            r#"{"n":7}"#,
            "the request body must be JSON (Content-Type: application/json)",
        ),
        (
            Some("text/plain"),
            r#"{"n":7}"#,
            "the request body must be JSON (Content-Type: application/json)",
        ),
        (
            Some("application/jsonx"),
            r#"{"n":7}"#,
            "the request body must be JSON (Content-Type: application/json)",
        ),
        (
            Some("application/json"),
            r#"{"n":-1}"#,
            "the request body is not the expected JSON",
        ),
        (
            Some("application/json"),
            "",
            "the request body is not the expected JSON",
        ),
    ];
    for (ct, body, message) in cases {
        let (s, out, headers) = f.call(&app, send(ct, body)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let out: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(out, json!({"error": "invalid_request", "message": message}));
        assert!(headers.contains(&("cache-control".into(), "no-store".into())));
    }
    let big = format!(
        r#"{{"n":7,"pad":"{}"}}"#,
        "x".repeat(auth_axum::MAX_BODY_LEN)
    );
    let (s, out, _) = f.call(&app, send(Some("application/json"), &big)).await;
    assert_eq!(
        (s, code(&out).as_str()),
        (StatusCode::BAD_REQUEST, "invalid_request")
    );
}

#[tokio::test]
async fn debug_shows_no_secret() {
    let f = fixture(true);
    let csrf = f.auth.login_csrf_cookie().unwrap();
    let token = csrf.token().to_owned();
    assert_eq!(token.len(), 43);
    assert!(!format!("{csrf:?}").contains(&token));
    let request = Request::get("/").body(Body::empty()).unwrap();
    let (mut parts, _) = request.into_parts();
    let cookie = f.session("dee", &[]).await;
    parts.headers.insert("cookie", cookie.parse().unwrap());
    let session =
        <Session as axum::extract::FromRequestParts<Auth>>::from_request_parts(&mut parts, &f.auth)
            .await
            .unwrap();
    let id = cookie.trim_start_matches("__Host-session=");
    let shown = format!("{session:?} {:?}", f.auth);
    assert!(!shown.contains(id), "{shown}");
    assert!(!shown.contains(session.record().csrf_token()), "{shown}");
}

#[test]
fn a_rejection_is_rendered_exactly() {
    let config = http();
    let rejection = Rejection::from_error(&Error::RateLimited { retry_after: 7 }, Via::Body);
    let rendered = rejection.render(&config);
    let response = AuthRejection::new(&rejection, &config).into_response();
    assert_eq!(response.status().as_u16(), rendered.status);
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap().to_owned()))
        .collect();
    let expected: Vec<(String, String)> = rendered
        .headers
        .iter()
        .map(|(n, v)| ((*n).to_owned(), v.clone()))
        .collect();
    assert_eq!(headers[..expected.len()], expected[..]);
    // Cookies are cleared with both Set-Cookie headers, and one
    // Content-Type (the JSON one) only.
    let cleared =
        AuthRejection::new(&Rejection::unauthenticated(false, true), &config).into_response();
    assert_eq!(cleared.headers().get_all("set-cookie").iter().count(), 2);
    assert_eq!(cleared.headers().get_all("content-type").iter().count(), 1);
    assert_eq!(cleared.headers()["content-type"], "application/json");
}

/// A log sink for one test.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Self;
    fn make_writer(&'a self) -> Self {
        self.clone()
    }
}

#[test]
fn server_failures_are_logged_and_client_failures_are_not() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    let f = fixture(true);
    let app = Router::new()
        .route("/me", get(|u: User| async move { u.id }))
        .with_state(f.auth.clone());
    let cookie = runtime.block_on(f.session("lou", &[]));
    let token = runtime.block_on(f.token("lou", &[]));
    let log = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(log.clone())
        .with_ansi(false)
        .finish();
    let call = |request| runtime.block_on(f.call(&app, request));
    tracing::subscriber::with_default(subscriber, || {
        // The client's failures (a bad token, no credentials): no log.
        let (s, _, _) = call(get_with("/me", Some(("authorization", "Bearer a.b.c"))));
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        let (s, _, _) = call(get_with("/me", None));
        assert_eq!(s, StatusCode::UNAUTHORIZED);
        assert!(log.0.lock().unwrap().is_empty());
        // The server's: a 503 whose cause is logged, with no credential in
        // the line.
        f.store.down.store(true, Ordering::SeqCst);
        let (s, body, _) = call(get_with("/me", Some(("cookie", &cookie))));
        assert_eq!(
            (s, code(&body).as_str()),
            (StatusCode::SERVICE_UNAVAILABLE, "store_unavailable")
        );
        assert!(
            !body.contains("test store is down"),
            "the cause stays in the log"
        );
        let (s, _, _) = call(get_with(
            "/me",
            Some(("authorization", &format!("Bearer {token}"))),
        ));
        assert_eq!(s, StatusCode::OK, "tokens do not read sessions");
        // And through Auth::error, which handlers use.
        let refused = f
            .auth
            .error(&Error::StoreCorrupt("test corruption"), Via::Body);
        assert_eq!(refused.status(), 500);
        let quiet = f.auth.error(&Error::Expired { exp: 1, now: 2 }, Via::Body);
        assert_eq!(quiet.status(), 401);
    });
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].contains("store_unavailable") && lines[0].contains("test store is down"),
        "{text}"
    );
    assert!(
        lines[1].contains("internal_error") && lines[1].contains("test corruption"),
        "{text}"
    );
    let id = cookie.trim_start_matches("__Host-session=");
    assert!(!text.contains(id) && !text.contains(&token), "{text}");
}

#[tokio::test]
async fn session_cookies_from_login_rotate_and_logout() {
    let f = fixture(false);
    // A login request, as a browser sends it: the pre-session token in the
    // cookie and the header, and the old session's cookie.
    let old = f.session("val", &[]).await;
    let csrf = f.auth.login_csrf_cookie().unwrap();
    let request = Request::post("/login")
        .header("cookie", format!("{old}; __Host-csrf={}", csrf.token()))
        .header("x-csrf-token", csrf.token())
        .header("user-agent", "test-agent")
        .body(Body::empty())
        .unwrap();
    let (mut parts, _) = request.into_parts();
    let login =
        <auth_axum::LoginRequest as axum::extract::FromRequestParts<Auth>>::from_request_parts(
            &mut parts, &f.auth,
        )
        .await
        .unwrap();
    assert_eq!(login.address, "unknown", "no ConnectInfo here");
    assert_eq!(login.user_agent.as_deref(), Some("test-agent"));
    let shown = format!("{login:?}");
    assert!(
        shown.contains("test-agent") && !shown.contains(old.trim_start_matches("__Host-session=")),
        "{shown}"
    );

    let ticket = f.auth.begin_session_login("val").await.unwrap();
    let cookies = f
        .auth
        .login_session(&login, ticket, roles(&["user"]))
        .await
        .unwrap();
    assert!(format!("{cookies:?}").starts_with("SessionCookies"));
    let response = (cookies, "ok").into_response();
    let set: Vec<String> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .collect();
    assert_eq!(set.len(), 2);
    assert_eq!(response.headers()["cache-control"], "no-store");
    let value = |name: &str| {
        set.iter()
            .find_map(|c| c.strip_prefix(&format!("{name}=")))
            .and_then(|c| c.split(';').next())
            .unwrap()
            .to_owned()
    };
    let id = value("__Host-session");
    assert!(!format!("{:?}", set.len()).contains(&id));
    let app = Router::new()
        .route(
            "/me",
            get(|s: Session| async move { s.record().csrf_token().to_owned() }),
        )
        .with_state(f.auth.clone());
    let cookie = format!("__Host-session={id}");
    let (s, token, _) = f
        .call(&app, get_with("/me", Some(("cookie", &cookie))))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        value("__Host-csrf"),
        token,
        "the CSRF cookie is the session's token"
    );
    // The old session ended at login (no fixation).
    let (s, _, _) = f.call(&app, get_with("/me", Some(("cookie", &old)))).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // The roles went into the session in the one write.
    let m = f.auth.sessions().unwrap();
    let active = m.authenticate(&id, T0).await.unwrap().unwrap();
    assert_eq!(active.record.data().get("roles"), Some(&json!(["user"])));

    // Rotation: a new ID and token, the old ID dead at once.
    let session = Session {
        active: Arc::new(active),
    };
    let rotated = f.auth.rotate_session(&session).await.unwrap();
    let new_token = rotated.csrf_token().to_owned();
    assert_eq!(new_token, token, "rotation keeps the record, and its token");
    let response = (rotated, "ok").into_response();
    let new_id = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .find_map(|v| {
            v.to_str()
                .unwrap()
                .strip_prefix("__Host-session=")
                .map(|c| c.split(';').next().unwrap().to_owned())
        })
        .unwrap();
    assert_ne!(new_id, id);
    let (s, _, _) = f
        .call(&app, get_with("/me", Some(("cookie", &cookie))))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    // Rotating a session that has ended: 401, clearing the cookies.
    let refused = f.auth.rotate_session(&session).await.unwrap_err();
    assert_eq!(refused.status(), 401);
    assert!(
        refused
            .rendered()
            .headers
            .iter()
            .any(|(n, v)| *n == "set-cookie" && v.contains("Max-Age=0"))
    );

    // Logout clears both cookies and ends the session.
    let new_cookie = format!("__Host-session={new_id}");
    let active = m.authenticate(&new_id, T0).await.unwrap().unwrap();
    let cleared = f
        .auth
        .logout_session(&Session {
            active: Arc::new(active),
        })
        .await
        .unwrap();
    let response = (cleared, "bye").into_response();
    let set: Vec<&str> = response
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    assert_eq!(set.len(), 2);
    assert!(set.iter().all(|c| c.contains("Max-Age=0")));
    let (s, _, _) = f
        .call(&app, get_with("/me", Some(("cookie", &new_cookie))))
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
}

#[test]
fn debug_of_the_configuration() {
    let f = fixture(true);
    let shown = format!("{:?}", f.auth);
    assert!(
        shown.starts_with("Auth {") && shown.contains("realm: \"test\""),
        "{shown}"
    );
    let builder = Auth::builder(http());
    assert_eq!(format!("{builder:?}"), "AuthBuilder { .. }");
}

/// A service that is never ready.
#[derive(Clone)]
struct NeverReady;

impl tower::Service<Request<Body>> for NeverReady {
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future = std::future::Ready<Result<Self::Response, Self::Error>>;
    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::Poll::Pending
    }
    fn call(&mut self, _: Request<Body>) -> Self::Future {
        std::future::ready(Ok("called".into_response()))
    }
}

#[test]
fn the_role_layer_waits_for_its_service() {
    use tower::{Layer, Service};
    let f = fixture(false);
    let mut service = RequireRole::new(&f.auth, "admin").layer(NeverReady);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    assert!(service.poll_ready(&mut cx).is_pending());
}
