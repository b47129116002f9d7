//! Any bytes in the headers the adapter reads (`Cookie`, `Authorization`,
//! `Sec-Fetch-Site`, `Origin`, `Host`, `X-CSRF-Token`), on any method, to
//! routes with every extractor: never a panic, never a 5xx, and never a
//! user who was not logged in.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use auth_axum::{Auth, Bearer, RequireRole, Session, User};
use auth_core::http::{CookieConfig, HttpConfig};
use auth_core::session::SessionConfig;
use auth_core::tokens::{TokenConfig, TokenService};
use auth_core::{Algorithm, KeySet, SigningKey};
use auth_store::{AnyStore, MemoryStore};
use axum::Router;
use axum::body::Body;
use axum::http::{HeaderValue, Method, Request};
use axum::routing::{any, get};
use proptest::prelude::*;
use tower::ServiceExt;

fn app() -> Router {
    let store = AnyStore::new(MemoryStore::new());
    let mut keys = KeySet::new();
    keys.set_signing_key(SigningKey::generate(Algorithm::Hs256).unwrap())
        .unwrap();
    let tokens = TokenService::new(keys, TokenConfig::new("i", "a"), store.clone()).unwrap();
    let auth = Auth::builder(HttpConfig::new("t", CookieConfig::new(60)).unwrap())
        .sessions(store, SessionConfig::new())
        .tokens(tokens)
        .build();
    Router::new()
        .route(
            "/session",
            any(|s: Option<Session>| async move { s.is_some().to_string() }),
        )
        .route(
            "/bearer",
            any(|b: Option<Bearer>| async move { b.is_some().to_string() }),
        )
        .route("/user", any(|u: User| async move { u.id }))
        .route(
            "/admin",
            get(admin)
                .post(admin)
                .delete(admin)
                .route_layer(RequireRole::new(&auth, "admin")),
        )
        .with_state(auth)
}

async fn admin(user: User) -> String {
    user.id
}

/// Header values: mostly printable (so that they reach the parsers rather
/// than being refused by `HeaderValue`), with the bytes that matter.
fn value() -> impl Strategy<Value = Vec<u8>> {
    let interesting = prop_oneof![
        Just(b"Bearer ".to_vec()),
        Just(b"__Host-session=".to_vec()),
        Just(b"__Host-csrf=".to_vec()),
        Just(b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA".to_vec()),
        Just(b"; ".to_vec()),
        Just(b"same-origin".to_vec()),
        Just(b"cross-site".to_vec()),
        Just(b"http://".to_vec()),
        Just(b"eyJhbGciOiJIUzI1NiJ9.e30.".to_vec()),
        proptest::collection::vec(0x20u8..0x7f, 0..40),
        proptest::collection::vec(0x80u8..=0xff, 0..4),
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
        method in prop::sample::select(vec![Method::GET, Method::POST, Method::DELETE]),
        headers in proptest::collection::vec((0..HEADERS.len(), value()), 0..8),
        query in prop::option::of("[a-z_=&]{0,20}"),
    ) {
        let runtime = tokio::runtime::Builder::new_current_thread().build().unwrap();
        let path = match &query {
            Some(q) => format!("{route}?{q}"),
            None => route.to_owned(),
        };
        let mut request = Request::builder().method(method).uri(path).body(Body::empty()).unwrap();
        for (which, bytes) in &headers {
            if let Ok(v) = HeaderValue::from_bytes(bytes) {
                request.headers_mut().append(HEADERS[*which], v);
            }
        }
        let response = runtime.block_on(app().oneshot(request)).unwrap();
        let status = response.status().as_u16();
        let body = runtime
            .block_on(axum::body::to_bytes(response.into_body(), 1 << 16))
            .unwrap();
        // Nobody is logged in: the optional routes say so, the others
        // refuse with a 4xx and a JSON body.
        match status {
            200 => prop_assert_eq!(&body[..], b"false"),
            400 | 401 | 403 => {
                let json: serde_json::Value = serde_json::from_slice(&body).unwrap();
                prop_assert!(json["error"].is_string());
            }
            other => prop_assert!(false, "status {other}: {body:?}"),
        }
    }
}
