//! Prints, as JSON, the size in bytes of what a client carries with each
//! approach: a session cookie, and an access token (per algorithm) with its
//! refresh token. Read by `docs/charts/charts.py`.
//!
//! ```text
//! cargo run -q -p auth-benches --example credential_sizes
//! ```
//!
//! The access token is the one `TokenService` issues: header `alg`, `typ:
//! at+jwt`, `kid`; claims `iss`, `sub`, `aud`, `exp`, `iat`, `jti`, `sid`
//! and two roles. RSA keys are 2048 bits.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use auth_core::session::SessionId;
use auth_core::tokens::{TokenConfig, TokenService};
use auth_core::{Algorithm, KeySet, SigningKey};
use auth_store::MemoryStore;

/// The cookie a session login sets: the `__Host-` name the adapters use and
/// the 43-character ID.
const SESSION_COOKIE_NAME: &str = "__Host-session";

fn main() {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
        .block_on(sizes());
}

async fn sizes() {
    let now = 1_700_000_000;
    let id = SessionId::generate().unwrap();
    let cookie = format!("{SESSION_COOKIE_NAME}={}", id.expose().as_str());
    let mut rows = vec![format!(
        r#"{{"credential":"session cookie","bytes":{}}}"#,
        cookie.len()
    )];
    let mut refresh_len = 0;
    for alg in [
        Algorithm::Hs256,
        Algorithm::Es256,
        Algorithm::Es384,
        Algorithm::Rs256,
        Algorithm::Ps256,
    ] {
        let mut keys = KeySet::new();
        keys.set_signing_key(SigningKey::generate(alg).unwrap())
            .unwrap();
        let service = TokenService::new(
            keys,
            TokenConfig::new("https://auth.example.com", "https://api.example.com"),
            MemoryStore::new(),
        )
        .unwrap();
        let ticket = service.begin_login("user-1234567890", now).await.unwrap();
        let pair = service
            .issue(
                ticket,
                &serde_json::json!({"roles": ["admin", "billing"]}),
                now,
            )
            .await
            .unwrap();
        rows.push(format!(
            r#"{{"credential":"access token {}","bytes":{}}}"#,
            alg.name(),
            pair.access_token.len()
        ));
        refresh_len = pair.refresh_token.expose().len();
    }
    // Sent to the refresh endpoint only, not with every request.
    rows.push(format!(
        r#"{{"credential":"refresh token (refresh endpoint only)","bytes":{refresh_len}}}"#
    ));
    println!("[{}]", rows.join(",\n "));
}
