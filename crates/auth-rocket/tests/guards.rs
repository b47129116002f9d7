//! auth-rocket's guards, catchers and fairing through Rocket's local
//! client: exact statuses, codes, challenges and cookies, the `Option`
//! forms failing closed, and nothing secret in `Debug`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::sync::atomic::Ordering;

use auth_core::http::{CookieConfig, HttpConfig};
use auth_core::session::SessionConfig;
use auth_core::tokens::{TokenConfig, TokenService};
use auth_core::{Algorithm, KeySet, SigningKey};
use auth_rocket::{
    Auth, AuthRejection, Bearer, CookieChange, JsonBody, LoginRequest, RequireRole, Role, Session,
    User, WithCookies,
};
use auth_store::testing::Counting;
use auth_store::{AnyStore, MemoryStore};
use rocket::http::{ContentType, Header, Status};
use rocket::local::asynchronous::{Client, LocalResponse};
use rocket::{State, get, post, routes};
use serde_json::{Map, Value, json};

struct Admin;
impl Role for Admin {
    const NAME: &'static str = "admin";
}

#[get("/csrf")]
fn csrf(auth: &State<Auth>) -> Result<WithCookies<&'static str>, AuthRejection> {
    Ok(auth.login_csrf_cookie()?.to("ok"))
}

#[post("/login/<user>")]
async fn login(
    auth: &State<Auth>,
    request: LoginRequest,
    user: &str,
) -> Result<WithCookies<&'static str>, AuthRejection> {
    let ticket = auth.begin_session_login(user).await?;
    let mut data = Map::new();
    let roles = if user == "alice" {
        json!(["admin"])
    } else {
        json!([])
    };
    data.insert("roles".into(), roles);
    Ok(auth.login_session(&request, ticket, data).await?.to("in"))
}

#[get("/session")]
fn session(session: Session) -> String {
    session.user_id().to_owned()
}

#[post("/session")]
fn session_post(session: Session) -> String {
    session.user_id().to_owned()
}

#[post("/maybe")]
fn maybe(session: Option<Session>) -> &'static str {
    if session.is_some() { "some" } else { "none" }
}

#[get("/maybe-bearer")]
fn maybe_bearer(bearer: Option<Bearer>) -> &'static str {
    if bearer.is_some() { "some" } else { "none" }
}

#[get("/user")]
fn user(user: User) -> String {
    user.id
}

#[get("/admin")]
fn admin(user: RequireRole<Admin>) -> String {
    user.id.clone()
}

#[derive(serde::Deserialize)]
struct Claims {
    roles: Vec<String>,
}

#[get("/claims")]
fn claims(bearer: Bearer<Claims>) -> String {
    format!(
        "{} {}",
        bearer.access.user_id,
        bearer.access.claims.roles.join(",")
    )
}

#[derive(serde::Deserialize)]
struct Strict {
    #[allow(dead_code)]
    level: u32,
}

#[get("/strict")]
fn strict(bearer: Option<Bearer<Strict>>) -> &'static str {
    if bearer.is_some() { "some" } else { "none" }
}

// A typed guard first: it reads the token straight as its type; the
// others verify it again without the store.
#[get("/typed-first")]
fn typed_first(b: Bearer<Claims>, again: Bearer<Claims>, user: User, json: Bearer) -> String {
    assert_eq!(b.access.user_id, user.id);
    assert_eq!(again.access.jti, b.access.jti);
    assert_eq!(json.access.claims["roles"], json!(b.access.claims.roles));
    format!("{} {}", user.id, again.access.claims.roles.join(","))
}

// The user first: the typed guard reads the claims it kept.
#[get("/user-first")]
fn user_first(user: User, b: Bearer<Claims>) -> String {
    format!("{} {}", user.id, b.access.claims.roles.join(","))
}

#[get("/typed-then-strict")]
fn typed_then_strict(_b: Bearer<Claims>, _s: Bearer<Strict>) -> &'static str {
    "never"
}

// Both as Options: the second guard runs after the first one's refusal.
#[get("/maybe-typed-then-user")]
fn maybe_typed_then_user(b: Option<Bearer<Claims>>, u: Option<User>) -> String {
    format!("{} {}", b.is_some(), u.is_some())
}

#[derive(serde::Deserialize)]
struct Form {
    name: String,
}

#[post("/json", data = "<form>")]
fn body(form: JsonBody<Form>) -> String {
    form.0.name
}

async fn client(tokens: bool) -> Client {
    client_on(AnyStore::new(MemoryStore::new()), tokens).await
}

async fn client_on(store: AnyStore, tokens: bool) -> Client {
    let sessions = SessionConfig::new();
    let http = HttpConfig::new("test", CookieConfig::new(sessions.absolute_timeout)).unwrap();
    let mut builder = Auth::builder(http).sessions(store.clone(), sessions);
    if tokens {
        let mut keys = KeySet::new();
        keys.set_signing_key(SigningKey::generate(Algorithm::Hs256).unwrap())
            .unwrap();
        let service = TokenService::new(keys, TokenConfig::new("test", "test"), store).unwrap();
        builder = builder.tokens(service);
    }
    let auth = builder.build();
    let rocket = rocket::custom(rocket::Config {
        log_level: rocket::config::LogLevel::Off,
        ..rocket::Config::debug_default()
    })
    .attach(auth.fairing())
    .mount(
        "/",
        routes![
            csrf,
            login,
            session,
            session_post,
            maybe,
            maybe_bearer,
            user,
            admin,
            body,
            claims,
            strict,
            typed_first,
            user_first,
            typed_then_strict,
            maybe_typed_then_user
        ],
    );
    Client::untracked(rocket).await.unwrap()
}

/// The JSON refusal's status and code, with `Cache-Control: no-store`.
async fn refused(response: LocalResponse<'_>, status: u16, code: &str) -> Vec<String> {
    assert_eq!(response.status().code, status);
    assert_eq!(
        response.headers().get_one("cache-control"),
        Some("no-store")
    );
    assert_eq!(
        response.headers().get_one("content-type"),
        Some("application/json")
    );
    let cookies: Vec<String> = response
        .headers()
        .get("set-cookie")
        .map(String::from)
        .collect();
    let body: Value = serde_json::from_str(&response.into_string().await.unwrap()).unwrap();
    assert_eq!(body["error"], json!(code), "{body}");
    cookies
}

/// Logs `user` in: the session cookie and its CSRF token.
async fn log_in(client: &Client, user: &str) -> (String, String) {
    let r = client.get("/csrf").dispatch().await;
    let pre = value(r.headers().get_one("set-cookie").unwrap());
    let r = client
        .post(format!("/login/{user}"))
        .header(Header::new("cookie", format!("__Host-csrf={pre}")))
        .header(Header::new("x-csrf-token", pre))
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Ok);
    let cookies: Vec<&str> = r.headers().get("set-cookie").collect();
    assert_eq!(cookies.len(), 2);
    let session = cookies[0];
    // The core's attributes, without TLS: Secure, HttpOnly, the prefix.
    assert!(session.starts_with("__Host-session="), "{session}");
    for attribute in [
        "; HttpOnly",
        "; Secure",
        "; Path=/",
        "; SameSite=Lax",
        "; Max-Age=28800",
    ] {
        assert!(session.contains(attribute), "{session}");
    }
    assert!(!cookies[1].contains("HttpOnly"), "{}", cookies[1]);
    assert_eq!(r.headers().get_one("cache-control"), Some("no-store"));
    (value(session), value(cookies[1]))
}

fn value(cookie: &str) -> String {
    cookie
        .split(';')
        .next()
        .unwrap()
        .split_once('=')
        .unwrap()
        .1
        .to_owned()
}

fn with_session(session: &str, csrf: &str) -> Header<'static> {
    Header::new(
        "cookie",
        format!("__Host-session={session}; __Host-csrf={csrf}"),
    )
}

#[rocket::async_test]
async fn session_guard_refuses_and_accepts_as_the_core_says() {
    let client = client(false).await;
    let cookies = refused(
        client.get("/session").dispatch().await,
        401,
        "unauthenticated",
    )
    .await;
    assert!(cookies.is_empty());
    let r = client.get("/session").dispatch().await;
    assert_eq!(r.headers().get_one("www-authenticate"), None);

    let (session, csrf) = log_in(&client, "bob").await;
    let r = client
        .get("/session")
        .header(with_session(&session, &csrf))
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Ok);
    assert_eq!(r.into_string().await.unwrap(), "bob");

    // An unsafe method without the token: 403 csrf; with it: through.
    let r = client
        .post("/session")
        .header(with_session(&session, &csrf))
        .dispatch()
        .await;
    refused(r, 403, "csrf").await;
    let r = client
        .post("/session")
        .header(with_session(&session, &csrf))
        .header(Header::new("x-csrf-token", csrf.clone()))
        .header(Header::new("sec-fetch-site", "cross-site"))
        .dispatch()
        .await;
    refused(r, 403, "csrf").await;
    let r = client
        .post("/session")
        .header(with_session(&session, &csrf))
        .header(Header::new("x-csrf-token", csrf.clone()))
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Ok);

    // A cookie that names no session: 401, and both cookies cleared.
    let r = client
        .get("/session")
        .header(with_session(&"A".repeat(43), &csrf))
        .dispatch()
        .await;
    let cookies = refused(r, 401, "unauthenticated").await;
    assert_eq!(cookies.len(), 2);
    assert!(
        cookies.iter().all(|c| c.contains("Max-Age=0")),
        "{cookies:?}"
    );
    // A repeated cookie: 400.
    let r = client
        .get("/session")
        .header(Header::new(
            "cookie",
            format!("__Host-session={session}; __Host-session={session}"),
        ))
        .dispatch()
        .await;
    refused(r, 400, "invalid_request").await;
}

#[rocket::async_test]
async fn option_forms_are_none_only_without_credentials() {
    let client = client(true).await;
    let r = client.post("/maybe").dispatch().await;
    assert_eq!(r.into_string().await.unwrap(), "none");
    let r = client
        .post("/maybe")
        .header(Header::new(
            "cookie",
            format!("__Host-session={}", "A".repeat(43)),
        ))
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Ok);
    assert_eq!(r.into_string().await.unwrap(), "none");

    // A failed CSRF check is not "no session": the refusal stands,
    // whatever the handler answered.
    let (session, csrf) = log_in(&client, "bob").await;
    let r = client
        .post("/maybe")
        .header(with_session(&session, &csrf))
        .dispatch()
        .await;
    refused(r, 403, "csrf").await;

    let r = client.get("/maybe-bearer").dispatch().await;
    assert_eq!(r.into_string().await.unwrap(), "none");
    let r = client
        .get("/maybe-bearer")
        .header(Header::new("authorization", "Bearer a b"))
        .dispatch()
        .await;
    refused(r, 400, "invalid_request").await;
    let r = client
        .get("/maybe-bearer")
        .header(Header::new("authorization", "Bearer a.b.c"))
        .dispatch()
        .await;
    refused(r, 401, "malformed").await;
}

#[rocket::async_test]
async fn bearer_user_and_role_refusals() {
    let client = client(true).await;
    let r = client.get("/user").dispatch().await;
    assert_eq!(
        r.headers().get_one("www-authenticate"),
        Some(r#"Bearer realm="test""#)
    );
    refused(r, 401, "unauthenticated").await;
    let r = client
        .get("/user")
        .header(Header::new("authorization", "Bearer abc.def.ghi"))
        .dispatch()
        .await;
    let challenge = r.headers().get_one("www-authenticate").unwrap().to_owned();
    assert!(
        challenge.starts_with(r#"Bearer realm="test", error="invalid_token""#),
        "{challenge}"
    );
    refused(r, 401, "malformed").await;

    let r = client.get("/admin").dispatch().await;
    refused(r, 401, "unauthenticated").await;
    let (bob, bob_csrf) = log_in(&client, "bob").await;
    let r = client
        .get("/admin")
        .header(with_session(&bob, &bob_csrf))
        .dispatch()
        .await;
    assert_eq!(r.headers().get_one("www-authenticate"), None);
    refused(r, 403, "insufficient_scope").await;
    let (alice, alice_csrf) = log_in(&client, "alice").await;
    let r = client
        .get("/admin")
        .header(with_session(&alice, &alice_csrf))
        .dispatch()
        .await;
    assert_eq!(r.status(), Status::Ok);
    assert_eq!(r.into_string().await.unwrap(), "alice");
}

#[rocket::async_test]
async fn an_app_without_tokens_finds_users_by_cookie_and_misuse_is_500() {
    let client = client(false).await;
    let (session, csrf) = log_in(&client, "bob").await;
    let r = client
        .get("/user")
        .header(with_session(&session, &csrf))
        .header(Header::new("authorization", "Bearer x"))
        .dispatch()
        .await;
    assert_eq!(r.into_string().await.unwrap(), "bob");
    // A Bearer guard without a token service: the app's mistake, 500.
    let r = client
        .get("/maybe-bearer")
        .header(Header::new("authorization", "Bearer a.b.c"))
        .dispatch()
        .await;
    refused(r, 500, "internal_error").await;
}

#[rocket::async_test]
async fn bodies_and_unknown_paths_are_refused_as_json() {
    let client = client(false).await;
    let r = client
        .post("/json")
        .header(ContentType::JSON)
        .body(r#"{"name":"x"}"#)
        .dispatch()
        .await;
    assert_eq!(r.into_string().await.unwrap(), "x");
    for (content_type, body) in [
        (ContentType::Plain, r#"{"name":"x"}"#.to_owned()),
        (ContentType::JSON, "{".to_owned()),
        (ContentType::JSON, " ".repeat(auth_rocket::MAX_BODY_LEN + 1)),
    ] {
        let r = client
            .post("/json")
            .header(content_type)
            .body(body)
            .dispatch()
            .await;
        refused(r, 400, "invalid_request").await;
    }
    refused(
        client.get("/nothing/here").dispatch().await,
        404,
        "not_found",
    )
    .await;
}

#[rocket::async_test]
async fn debug_shows_no_secret() {
    let client = client(true).await;
    let (session, csrf) = log_in(&client, "bob").await;
    let auth = client.rocket().state::<Auth>().unwrap();
    let cookies = auth.login_csrf_cookie().unwrap();
    let token = cookies.token().to_owned();
    for shown in [format!("{auth:?}"), format!("{cookies:?}")] {
        assert!(!shown.contains(&session) && !shown.contains(&csrf) && !shown.contains(&token));
    }
}

/// A log sink for one test.
#[derive(Clone, Default)]
struct Captured(std::sync::Arc<std::sync::Mutex<Vec<u8>>>);

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

#[rocket::async_test]
async fn server_failures_are_logged_and_client_failures_are_not() {
    use auth_core::Error;
    use auth_core::http::Via;

    let log = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(log.clone())
        .with_ansi(false)
        .finish();
    let _default = tracing::subscriber::set_default(subscriber);
    let client = client(false).await;
    let (session, csrf) = log_in(&client, "bob").await;
    // The client's failures: no log.
    refused(
        client.get("/session").dispatch().await,
        401,
        "unauthenticated",
    )
    .await;
    let r = client
        .post("/session")
        .header(with_session(&session, &csrf))
        .dispatch()
        .await;
    refused(r, 403, "csrf").await;
    assert!(log.0.lock().unwrap().is_empty());
    // The server's: a guard's 500 (no token service), and Auth::error.
    let r = client
        .get("/maybe-bearer")
        .header(Header::new("authorization", format!("Bearer {session}")))
        .dispatch()
        .await;
    let body = {
        assert_eq!(r.status(), Status::InternalServerError);
        r.into_string().await.unwrap()
    };
    assert!(
        !body.contains("token service"),
        "the cause stays in the log"
    );
    let auth = client.rocket().state::<Auth>().unwrap();
    assert_eq!(
        auth.error(&Error::StoreCorrupt("test corruption"), Via::Body)
            .status(),
        500
    );
    assert_eq!(
        auth.error(&Error::Expired { exp: 1, now: 2 }, Via::Body)
            .status(),
        401
    );
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(
        lines[0].contains("internal_error") && lines[0].contains("no token service"),
        "{text}"
    );
    assert!(lines[1].contains("test corruption"), "{text}");
    assert!(!text.contains(&session) && !text.contains(&csrf), "{text}");
}

#[rocket::async_test]
async fn bearer_guards_of_one_request_share_one_store_read() {
    let store = Arc::new(Counting::new(MemoryStore::new()));
    let checks_now = || store.access_checks.load(Ordering::SeqCst);
    let client = client_on(AnyStore::new(store.clone()), true).await;
    let auth = client.rocket().state::<Auth>().unwrap();
    let tokens = auth.tokens().unwrap();
    let token = |user: &'static str| async move {
        let ticket = tokens.begin_login(user, auth.now()).await.unwrap();
        let mut claims = Map::new();
        claims.insert("roles".into(), json!(["a", "b"]));
        tokens
            .issue(ticket, &claims, auth.now())
            .await
            .unwrap()
            .access_token
    };
    let bearer = |t: &str| Header::new("authorization", format!("Bearer {t}"));
    let uma = token("uma").await;
    for (path, want) in [
        ("/typed-first", "uma a,b"),
        ("/user-first", "uma a,b"),
        ("/maybe-typed-then-user", "true true"),
    ] {
        let checks = checks_now();
        let r = client.get(path).header(bearer(&uma)).dispatch().await;
        assert_eq!(r.status(), Status::Ok, "{path}");
        assert_eq!(r.into_string().await.unwrap(), want, "{path}");
        assert_eq!(checks_now() - checks, 1, "{path}: one store read");
    }
    // Claims that do not fit the second type: invalid_claim, one read.
    let checks = checks_now();
    let r = client
        .get("/typed-then-strict")
        .header(bearer(&uma))
        .dispatch()
        .await;
    refused(r, 401, "invalid_claim").await;
    assert_eq!(checks_now() - checks, 1);

    // A revoked token is `revoked`, whether or not its claims fit: the
    // store's verdict comes before the claims' type, on every path; and
    // the refusal is kept for the request's other guards.
    let vic = token("vic").await;
    tokens.revoke_access(&vic, auth.now()).await.unwrap();
    for path in [
        "/typed-first",
        "/user-first",
        "/typed-then-strict",
        "/maybe-typed-then-user",
    ] {
        let checks = checks_now();
        let r = client.get(path).header(bearer(&vic)).dispatch().await;
        refused(r, 401, "revoked").await;
        assert_eq!(checks_now() - checks, 1, "{path}: one store read");
    }
    // As an Option: a token was sent, so the refusal stands.
    let r = client.get("/strict").header(bearer(&vic)).dispatch().await;
    refused(r, 401, "revoked").await;
}

#[rocket::async_test]
async fn typed_claims_fit_or_are_invalid_claim() {
    let client = client(true).await;
    let auth = client.rocket().state::<Auth>().unwrap();
    let tokens = auth.tokens().unwrap();
    let ticket = tokens.begin_login("carol", auth.now()).await.unwrap();
    let mut claims = Map::new();
    claims.insert("roles".into(), json!(["admin", "user"]));
    let pair = tokens.issue(ticket, &claims, auth.now()).await.unwrap();
    let bearer = || Header::new("authorization", format!("Bearer {}", pair.access_token));

    let r = client.get("/claims").header(bearer()).dispatch().await;
    assert_eq!(r.status(), Status::Ok);
    assert_eq!(r.into_string().await.unwrap(), "carol admin,user");
    // The same token through RequireRole: the roles of its claims.
    let r = client.get("/admin").header(bearer()).dispatch().await;
    assert_eq!(r.into_string().await.unwrap(), "carol");
    // Claims that are not the handler's type: 401 invalid_claim, even as
    // an Option (a token was sent).
    let r = client.get("/strict").header(bearer()).dispatch().await;
    let challenge = r.headers().get_one("www-authenticate").unwrap().to_owned();
    assert!(
        challenge.contains(r#"error="invalid_token""#),
        "{challenge}"
    );
    refused(r, 401, "invalid_claim").await;
    let r = client.get("/strict").dispatch().await;
    assert_eq!(r.into_string().await.unwrap(), "none");
}
