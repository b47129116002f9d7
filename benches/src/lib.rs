//! Shared fixtures for the criterion benches in `benches/jwt.rs`.
//!
//! Both libraries sign and verify the same claims set,
//! `{sub, name, iat, exp, iss, aud, roles: [2 strings]}`, and both
//! deserialize it into a typed struct: [`FullClaims`] for jsonwebtoken, and
//! [`auth_core::Claims`]`<`[`AppClaims`]`>` for auth-core (whose registered
//! claims are fields of `Claims` itself). The benches are in
//! `benches/jwt.rs`; results and the command that reproduces them are in
//! `docs/performance.md`.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use auth_core::Claims;
use serde::{Deserialize, Serialize};

/// The `iss` both libraries write and require.
pub const ISSUER: &str = "https://auth.example.com";
/// The `aud` both libraries write and require.
pub const AUDIENCE: &str = "https://api.example.com";
/// The `sub` of the benchmark token.
pub const SUBJECT: &str = "user-1234567890";
/// The application claim `name`.
pub const NAME: &str = "Ada Lovelace";
/// The application claim `roles` (two strings).
pub const ROLES: [&str; 2] = ["admin", "billing"];
/// Lifetime of the benchmark token in seconds.
///
/// jsonwebtoken checks `exp` against the system clock, so the token must
/// stay valid in real time for the whole run.
pub const TTL: u64 = 24 * 3600;

/// The whole claims set as one struct: what a jsonwebtoken user decodes into.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FullClaims {
    /// Subject.
    pub sub: String,
    /// Display name (application claim).
    pub name: String,
    /// Issued at, seconds since the epoch.
    pub iat: u64,
    /// Expiry, seconds since the epoch.
    pub exp: u64,
    /// Issuer.
    pub iss: String,
    /// Audience.
    pub aud: String,
    /// Roles (application claim).
    pub roles: Vec<String>,
}

/// The application's own claims; auth-core carries the registered ones in
/// [`Claims`] itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppClaims {
    /// Display name.
    pub name: String,
    /// Roles.
    pub roles: Vec<String>,
}

/// The benchmark claims as jsonwebtoken takes them, issued at `iat`.
#[must_use]
pub fn full_claims(iat: u64) -> FullClaims {
    FullClaims {
        sub: SUBJECT.into(),
        name: NAME.into(),
        iat,
        exp: iat + TTL,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        roles: ROLES.iter().map(|r| (*r).into()).collect(),
    }
}

/// The same claims as auth-core takes them, issued at `iat`.
#[must_use]
pub fn auth_core_claims(iat: u64) -> Claims<AppClaims> {
    Claims::new(AppClaims {
        name: NAME.into(),
        roles: ROLES.iter().map(|r| (*r).into()).collect(),
    })
    .subject(SUBJECT)
    .issuer(ISSUER)
    .audience(AUDIENCE)
    .valid_for(iat, TTL)
}

/// Whether auth-core's verified claims say exactly what [`FullClaims`] says.
#[must_use]
pub fn same_claims(ours: &Claims<AppClaims>, theirs: &FullClaims) -> bool {
    ours.sub.as_deref() == Some(theirs.sub.as_str())
        && ours.iss.as_deref() == Some(theirs.iss.as_str())
        && ours.aud == [theirs.aud.as_str()]
        && ours.iat == Some(theirs.iat)
        && ours.exp == Some(theirs.exp)
        && ours.custom.name == theirs.name
        && ours.custom.roles == theirs.roles
}

/// A redis-server of the benches' own, killed on drop.
pub struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The Redis the store benches use: `AUTH_BENCH_REDIS_URL` if set, else a
/// `redis-server` started on a free loopback port (stopped when the
/// returned [`Server`] drops).
///
/// # Panics
///
/// When no `redis-server` can be started.
// A bench fixture: failing loudly is the point.
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
pub fn redis_url() -> (String, Option<Server>) {
    if let Ok(url) = std::env::var("AUTH_BENCH_REDIS_URL") {
        return (url, None);
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("redis-server")
        .args([
            "--port",
            &port.to_string(),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("redis-server must be installed to run the session benches");
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "redis-server did not start");
        std::thread::sleep(Duration::from_millis(20));
    }
    (format!("redis://127.0.0.1:{port}/"), Some(Server(child)))
}
