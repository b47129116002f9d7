//! The example over real HTTP: the server is started on a free port and
//! spoken to through a TCP socket, as curl would. Every refusal must be the
//! core's own rendering, byte for byte.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::net::SocketAddr;
use std::sync::Arc;

use auth_core::http::{CookieConfig, HttpConfig, Rejection, Via};
use auth_core::password::PasswordParams;
use auth_core::session::SessionConfig;
use auth_core::{Algorithm, Error, SigningKey};
use auth_example_hyper::{App, REALM, serve};
use auth_store::MemoryStore;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

const PASSWORD: &str = "correct horse battery staple";

/// A response as it came over the wire.
#[derive(Debug)]
struct Reply {
    status: u16,
    /// Lower-case names, in order.
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap()
    }

    /// The value a `Set-Cookie` header gives the cookie `name`.
    fn cookie(&self, name: &str) -> Option<String> {
        self.all("set-cookie").into_iter().find_map(|c| {
            let pair = c.split(';').next()?;
            let (n, v) = pair.split_once('=')?;
            (n == name).then(|| v.to_owned())
        })
    }

    /// The response must be exactly `rejection` as the core renders it.
    fn assert_is(&self, rejection: &Rejection) {
        let rendered = rejection.render(&http_config());
        assert_eq!(self.status, rendered.status, "{self:?}");
        let expected: Vec<(String, String)> = rendered
            .headers
            .into_iter()
            .map(|(n, v)| (n.to_owned(), v))
            .collect();
        // What the core decided, in its order; hyper adds only its own
        // framing (content-length, and connection: close as asked) and
        // the date.
        let ours: Vec<(String, String)> = self
            .headers
            .iter()
            .filter(|(n, _)| !["content-length", "connection", "date"].contains(&n.as_str()))
            .cloned()
            .collect();
        assert_eq!(ours, expected, "{self:?}");
        assert_eq!(self.body, rendered.body);
    }
}

fn http_config() -> HttpConfig {
    HttpConfig::new(
        REALM,
        CookieConfig::new(SessionConfig::new().absolute_timeout),
    )
    .unwrap()
}

/// One request on its own connection (`Connection: close`), read to the
/// end.
async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&Value>,
) -> Reply {
    let body = body.map(Value::to_string).unwrap_or_default();
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    if !body.is_empty() {
        request.push_str("content-type: application/json\r\n");
    }
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(&body);
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).await.unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .map(|line| {
            let (name, value) = line.split_once(':').unwrap();
            (name.to_ascii_lowercase(), value.trim().to_owned())
        })
        .collect();
    Reply {
        status,
        headers,
        body: body.to_owned(),
    }
}

/// The example app on a free port, with alice (admin) and cheap password
/// hashing (the real parameters would make every login take a while).
async fn start() -> SocketAddr {
    let key = SigningKey::generate(Algorithm::Hs256).unwrap();
    let params = PasswordParams::new(1024, 1, 1).unwrap();
    let mut app = App::new(Arc::new(MemoryStore::new()), key, params).unwrap();
    app.add_user("alice", PASSWORD.as_bytes(), &["admin"])
        .unwrap();
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(serve(Arc::new(app), listener));
    addr
}

fn login(password: &str) -> Value {
    json!({ "username": "alice", "password": password })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn session_login_me_logout_then_me_refused() {
    let addr = start().await;
    let cookies = http_config().cookies().clone();
    let (session_name, csrf_name) = (cookies.session_name(), cookies.csrf_name());

    // Nobody logged in: 401 unauthenticated, nothing to clear.
    let r = send(addr, "GET", "/session/me", &[], None).await;
    r.assert_is(&Rejection::unauthenticated(false, false));

    // The login form's CSRF token, as a cookie and in the body.
    let r = send(addr, "GET", "/session/csrf", &[], None).await;
    assert_eq!(r.status, 200);
    let pre = r.json()["csrf_token"].as_str().unwrap().to_owned();
    assert_eq!(r.cookie(csrf_name).as_deref(), Some(pre.as_str()));
    let pre_cookie = format!("{csrf_name}={pre}");

    // A login without the token echoed is refused by the CSRF check.
    let r = send(
        addr,
        "POST",
        "/session/login",
        &[("cookie", pre_cookie.as_str())],
        Some(&login(PASSWORD)),
    )
    .await;
    r.assert_is(&Rejection::csrf("the X-CSRF-Token header is missing"));
    // A wrong password: 401 invalid_credentials.
    let echoed = [
        ("cookie", pre_cookie.as_str()),
        ("x-csrf-token", pre.as_str()),
    ];
    let r = send(
        addr,
        "POST",
        "/session/login",
        &echoed,
        Some(&login("guess")),
    )
    .await;
    r.assert_is(&Rejection::from_error(
        &Error::InvalidCredentials,
        Via::Body,
    ));

    // The right one: the session cookie and the session's CSRF token.
    let r = send(
        addr,
        "POST",
        "/session/login",
        &echoed,
        Some(&login(PASSWORD)),
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    let id = r.cookie(session_name).unwrap();
    assert_eq!(id.len(), 43);
    let csrf = r.json()["csrf_token"].as_str().unwrap().to_owned();
    assert_ne!(csrf, pre);
    assert_eq!(r.json()["user"], "alice");
    assert_eq!(
        r.all("set-cookie"),
        [
            format!("{session_name}={id}; Path=/; Max-Age=28800; HttpOnly; Secure; SameSite=Lax"),
            format!("{csrf_name}={csrf}; Path=/; Max-Age=28800; Secure; SameSite=Lax"),
        ]
    );
    let session_cookie = format!("{session_name}={id}; {csrf_name}={csrf}");

    // Who am I: alice, with the roles stored at login.
    let r = send(
        addr,
        "GET",
        "/session/me",
        &[("cookie", session_cookie.as_str())],
        None,
    )
    .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.json(), json!({ "user": "alice", "roles": ["admin"] }));
    assert_eq!(r.header("cache-control"), Some("no-store"));

    // Logout needs the session's CSRF token: the pre-session one is not it.
    let wrong = [
        ("cookie", session_cookie.as_str()),
        ("x-csrf-token", pre.as_str()),
    ];
    let r = send(addr, "POST", "/session/logout", &wrong, None).await;
    r.assert_is(&Rejection::csrf("the X-CSRF-Token header does not match"));
    // A cross-site request is refused whatever token it carries.
    let cross = [
        ("cookie", session_cookie.as_str()),
        ("x-csrf-token", csrf.as_str()),
        ("sec-fetch-site", "cross-site"),
    ];
    let r = send(addr, "POST", "/session/logout", &cross, None).await;
    r.assert_is(&Rejection::csrf("cross-site requests are refused"));

    let right = [
        ("cookie", session_cookie.as_str()),
        ("x-csrf-token", csrf.as_str()),
    ];
    let r = send(addr, "POST", "/session/logout", &right, None).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.all("set-cookie"), cookies.clear());

    // The old cookie is refused, and the response clears it.
    let r = send(
        addr,
        "GET",
        "/session/me",
        &[("cookie", session_cookie.as_str())],
        None,
    )
    .await;
    r.assert_is(&Rejection::unauthenticated(false, true));
    assert_eq!(r.status, 401);
    assert_eq!(
        r.body,
        r#"{"error":"unauthenticated","message":"authentication is required"}"#
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn token_api_call_then_tampered_token_refused() {
    let addr = start().await;

    let r = send(addr, "POST", "/token", &[], Some(&login("guess"))).await;
    r.assert_is(&Rejection::from_error(
        &Error::InvalidCredentials,
        Via::Body,
    ));

    let r = send(addr, "POST", "/token", &[], Some(&login(PASSWORD))).await;
    assert_eq!(r.status, 200, "{r:?}");
    let pair = r.json();
    assert_eq!(pair["token_type"], "Bearer");
    assert_eq!(pair["expires_in"], 900);
    let access = pair["access_token"].as_str().unwrap().to_owned();

    let bearer = format!("Bearer {access}");
    let r = send(
        addr,
        "GET",
        "/api/me",
        &[("authorization", bearer.as_str())],
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{r:?}");
    assert_eq!(r.json(), json!({ "user": "alice", "roles": ["admin"] }));

    // One character of the signature changed: 401 bad_signature with the
    // RFC 6750 challenge, exactly as the core renders it.
    let mut tampered = access.clone().into_bytes();
    let last = tampered.len() - 2;
    tampered[last] = if tampered[last] == b'A' { b'B' } else { b'A' };
    let tampered = format!("Bearer {}", String::from_utf8(tampered).unwrap());
    let r = send(
        addr,
        "GET",
        "/api/me",
        &[("authorization", tampered.as_str())],
        None,
    )
    .await;
    r.assert_is(&Rejection::from_error(&Error::BadSignature, Via::Bearer));
    assert_eq!(r.status, 401);
    assert_eq!(
        r.header("www-authenticate"),
        Some(
            r#"Bearer realm="example", error="invalid_token", error_description="the token's signature does not verify""#
        )
    );
    assert_eq!(
        r.body,
        r#"{"error":"bad_signature","message":"the token's signature does not verify"}"#
    );

    // No token: the bare challenge. A token in the URI: 400.
    let r = send(addr, "GET", "/api/me", &[], None).await;
    r.assert_is(&Rejection::unauthenticated(true, false));
    assert_eq!(
        r.header("www-authenticate"),
        Some(r#"Bearer realm="example""#)
    );
    let r = send(
        addr,
        "GET",
        &format!("/api/me?access_token={access}"),
        &[],
        None,
    )
    .await;
    r.assert_is(&Rejection::invalid_request(
        "access tokens are not accepted in the URI; use the Authorization header",
        true,
    ));

    // A refresh consumes the refresh token; presenting it again is reuse,
    // which revokes the login: the access token stops working at once.
    let refresh = json!({ "refresh_token": pair["refresh_token"] });
    let r = send(addr, "POST", "/token/refresh", &[], Some(&refresh)).await;
    assert_eq!(r.status, 200, "{r:?}");
    let next = r.json()["access_token"].as_str().unwrap().to_owned();
    assert_ne!(next, access);
    let r = send(addr, "POST", "/token/refresh", &[], Some(&refresh)).await;
    assert_eq!(
        (r.status, r.json()["error"].as_str()),
        (401, Some("refresh_reused"))
    );
    let r = send(
        addr,
        "GET",
        "/api/me",
        &[("authorization", format!("Bearer {next}").as_str())],
        None,
    )
    .await;
    r.assert_is(&Rejection::from_error(&Error::Revoked, Via::Bearer));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_and_routes_the_app_does_not_know_are_refused_as_the_core_says() {
    let addr = start().await;
    let r = send(addr, "GET", "/nowhere", &[], None).await;
    r.assert_is(&Rejection::not_found());
    let r = send(
        addr,
        "POST",
        "/token",
        &[],
        Some(&json!({ "user": "alice" })),
    )
    .await;
    r.assert_is(&Rejection::invalid_request(
        "the body is not the expected JSON",
        false,
    ));
    let big = json!({ "username": "alice", "password": "x".repeat(5000) });
    let r = send(addr, "POST", "/token", &[], Some(&big)).await;
    r.assert_is(&Rejection::invalid_request(
        "the body is too large or unreadable",
        false,
    ));
    // A Cookie header sending the session cookie twice: 400.
    let twice = "__Host-session=a; __Host-session=b";
    let r = send(addr, "GET", "/session/me", &[("cookie", twice)], None).await;
    r.assert_is(&Rejection::invalid_request(
        "a cookie is sent more than once",
        false,
    ));
}
