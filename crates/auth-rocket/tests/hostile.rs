//! Any text in the headers the adapter reads (`Cookie`, `Authorization`,
//! `Sec-Fetch-Site`, `Origin`, `Host`, `X-CSRF-Token`; Rocket hands guards
//! only UTF-8 values), on any method, to routes with every guard and its
//! `Option` form: never a panic, never a 5xx, and never a user who was not
//! logged in.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use auth_core::http::{CookieConfig, HttpConfig};
use auth_core::session::SessionConfig;
use auth_core::tokens::{TokenConfig, TokenService};
use auth_core::{Algorithm, KeySet, SigningKey};
use auth_rocket::{Auth, Bearer, RequireRole, Role, Session, User};
use auth_store::{AnyStore, MemoryStore};
use proptest::prelude::*;
use rocket::http::{Header, Method};
use rocket::local::blocking::Client;
use rocket::route;

struct Admin;
impl Role for Admin {
    const NAME: &'static str = "admin";
}

#[route(GET, uri = "/session")]
fn session_get(s: Option<Session>) -> String {
    s.is_some().to_string()
}
#[route(POST, uri = "/session")]
fn session_post(s: Option<Session>) -> String {
    s.is_some().to_string()
}
#[route(DELETE, uri = "/session")]
fn session_delete(s: Option<Session>) -> String {
    s.is_some().to_string()
}
#[route(GET, uri = "/bearer")]
fn bearer_get(b: Option<Bearer>) -> String {
    b.is_some().to_string()
}
#[route(POST, uri = "/bearer")]
fn bearer_post(b: Option<Bearer>) -> String {
    b.is_some().to_string()
}
#[route(DELETE, uri = "/bearer")]
fn bearer_delete(b: Option<Bearer>) -> String {
    b.is_some().to_string()
}
#[route(GET, uri = "/user")]
fn user_get(u: User) -> String {
    u.id
}
#[route(POST, uri = "/user")]
fn user_post(u: User) -> String {
    u.id
}
#[route(DELETE, uri = "/user")]
fn user_delete(u: User) -> String {
    u.id
}
#[route(GET, uri = "/admin")]
fn admin_get(u: RequireRole<Admin>) -> String {
    u.id.clone()
}
#[route(POST, uri = "/admin")]
fn admin_post(u: RequireRole<Admin>) -> String {
    u.id.clone()
}
#[route(DELETE, uri = "/admin")]
fn admin_delete(u: RequireRole<Admin>) -> String {
    u.id.clone()
}

fn client() -> Client {
    let store = AnyStore::new(MemoryStore::new());
    let mut keys = KeySet::new();
    keys.set_signing_key(SigningKey::generate(Algorithm::Hs256).unwrap())
        .unwrap();
    let tokens = TokenService::new(keys, TokenConfig::new("i", "a"), store.clone()).unwrap();
    let auth = Auth::builder(HttpConfig::new("t", CookieConfig::new(60)).unwrap())
        .sessions(store, SessionConfig::new())
        .tokens(tokens)
        .build();
    let rocket = rocket::custom(rocket::Config {
        log_level: rocket::config::LogLevel::Off,
        ..rocket::Config::debug_default()
    })
    .attach(auth.fairing())
    .mount(
        "/",
        rocket::routes![
            session_get,
            session_post,
            session_delete,
            bearer_get,
            bearer_post,
            bearer_delete,
            user_get,
            user_post,
            user_delete,
            admin_get,
            admin_post,
            admin_delete
        ],
    );
    Client::untracked(rocket).unwrap()
}

/// Header values: mostly printable, with the pieces that matter and some
/// text outside ASCII (Rocket passes on any UTF-8).
fn value() -> impl Strategy<Value = String> {
    let interesting = prop_oneof![
        Just("Bearer ".to_owned()),
        Just("__Host-session=".to_owned()),
        Just("__Host-csrf=".to_owned()),
        Just("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_owned()),
        Just("; ".to_owned()),
        Just("same-origin".to_owned()),
        Just("cross-site".to_owned()),
        Just("http://".to_owned()),
        Just("eyJhbGciOiJIUzI1NiJ9.e30.".to_owned()),
        "[ -~]{0,40}",
        "[\u{80}-\u{10ffff}]{0,3}",
    ];
    proptest::collection::vec(interesting, 0..6).prop_map(|parts| parts.concat())
}

const HEADERS: [&str; 6] = [
    "cookie",
    "authorization",
    "sec-fetch-site",
    "origin",
    "host",
    "x-csrf-token",
];

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn hostile_headers_are_refused_cleanly(
        route in prop::sample::select(vec!["/session", "/bearer", "/user", "/admin"]),
        method in prop::sample::select(vec![Method::Get, Method::Post, Method::Delete]),
        headers in proptest::collection::vec((0..HEADERS.len(), value()), 0..8),
        query in prop::option::of("[a-z_=&]{0,20}"),
    ) {
        let client = client();
        let path = match &query {
            Some(q) => format!("{route}?{q}"),
            None => route.to_owned(),
        };
        let mut request = client.req(method, path);
        for (which, text) in &headers {
            request.add_header(Header::new(HEADERS[*which], text.clone()));
        }
        let response = request.dispatch();
        let status = response.status().code;
        let body = response.into_string().unwrap_or_default();
        // Nobody is logged in: the optional routes say so, the others
        // refuse with a 4xx and a JSON body.
        match status {
            200 => prop_assert_eq!(body.as_str(), "false"),
            400 | 401 | 403 => {
                let json: serde_json::Value = serde_json::from_str(&body).unwrap();
                prop_assert!(json["error"].is_string());
            }
            other => prop_assert!(false, "status {other}: {body:?}"),
        }
    }
}
