//! `tower-sessions-app`: a bench-only axum 0.8 server that serves the
//! demo's session routes with [`tower-sessions`](https://docs.rs/tower-sessions)
//! instead of auth-axum, so that `benches/http/run.sh` can load
//! `GET /session/me` on both under the same conditions. It exists only for
//! that comparison (docs/performance.md, "HTTP: the demo under load"); it
//! is not an example of how to do sessions, and it is never published.
//!
//! Routes, with the demo's shapes:
//!
//! - `GET /healthz`: `{"status":"ok"}`, no store work;
//! - `POST /session/login`: JSON `{"username","password"}` against the
//!   demo's two users (plain comparison: the login is not measured), a new
//!   session ID (`cycle_id`) holding `{"id","name","roles"}` under `user`;
//! - `GET /session/me`: loads the session (one store read) and answers
//!   `{"user":{"id","name","roles"}}` from it, or 401 without one;
//! - `GET /work/500`, `/work/1000`, `/work/2000`: `/healthz` after that
//!   many nanoseconds of CPU work (a dependent multiply chain, calibrated
//!   at start-up, touching no memory): what any route's own work costs in
//!   requests per second on this server stack, whatever the work is
//!   (docs/performance.md, "What a route may spend").
//!
//! Session cookie: `__Host-session`, `HttpOnly`, `Secure`,
//! `SameSite=Lax`, `Path=/`, 30 minutes of inactivity (the demo's idle
//! timeout); no write on a request that changes nothing (tower-sessions'
//! default, `always_save` off).
//!
//! ```text
//! tower-sessions-app --addr 127.0.0.1:0 --store memory
//! tower-sessions-app --addr 127.0.0.1:0 --store redis://127.0.0.1:6379/
//! ```

#![forbid(unsafe_code)]

use std::hint::black_box;
use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::OnceLock;
use std::time::Instant;

use axum::Router;
use axum::http::StatusCode;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use clap::Parser;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use tower_sessions::cookie::SameSite;
use tower_sessions::cookie::time::Duration;
use tower_sessions::{Expiry, MemoryStore, Session, SessionManagerLayer, SessionStore};
use tower_sessions_redis_store::RedisStore;
use tower_sessions_redis_store::fred::prelude::{Client, ClientLike, Config};

/// The session key the user is stored under.
const USER_KEY: &str = "user";

/// The demo's users: name, password, roles.
const USERS: [(&str, &str, &[&str]); 2] = [
    ("alice", "correct horse battery staple", &["admin", "user"]),
    ("bob", "hunter2 hunter2", &["user"]),
];

#[derive(Parser)]
#[command(
    name = "tower-sessions-app",
    about = "Bench-only: the demo's session routes on tower-sessions, for benches/http/run.sh."
)]
struct Cli {
    /// Address to listen on (port 0: any free port; the URL is printed).
    #[arg(long, default_value = "127.0.0.1:3100")]
    addr: SocketAddr,
    /// `memory`, or a Redis URL (`redis://host:port/`).
    #[arg(long, default_value = "memory")]
    store: String,
}

/// The user as the session holds it and the API shows it.
#[derive(Serialize, Deserialize)]
struct SessionUser {
    id: String,
    name: String,
    roles: Vec<String>,
}

/// A login form's body.
#[derive(Deserialize)]
struct Credentials {
    username: String,
    password: String,
}

/// A JSON answer that must not be cached (as the demo's).
fn private_json(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [
            (CACHE_CONTROL, "no-store"),
            (CONTENT_TYPE, "application/json"),
        ],
        value.to_string(),
    )
        .into_response()
}

/// `{"error": code}` with `status`.
fn error(status: StatusCode, code: &str) -> Response {
    private_json(status, &json!({ "error": code }))
}

async fn healthz() -> Response {
    private_json(StatusCode::OK, &json!({"status": "ok"}))
}

/// Iterations of [`busy`] per nanosecond on this machine, measured once
/// at start-up ([`calibrate`]).
static ITERATIONS_PER_NS: OnceLock<f64> = OnceLock::new();

/// `n` steps of a dependent multiply chain: pure CPU work, no memory.
fn busy(n: u64) -> u64 {
    let mut x = 1u64;
    for _ in 0..n {
        x = black_box(x)
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
    }
    x
}

/// Times [`busy`] (the fastest of several runs, so that a preempted run
/// does not count) and records its rate.
fn calibrate() -> f64 {
    const STEPS: u64 = 1 << 22;
    let fastest = (0..7)
        .map(|_| {
            let start = Instant::now();
            black_box(busy(STEPS));
            start.elapsed().as_nanos().max(1)
        })
        .min()
        .unwrap_or(1);
    // Both are far below 2^52: exact as f64.
    #[allow(clippy::cast_precision_loss)]
    let rate = STEPS as f64 / fastest as f64;
    *ITERATIONS_PER_NS.get_or_init(|| rate)
}

/// `/healthz` after `NS` nanoseconds of CPU work.
async fn work<const NS: u64>() -> Response {
    let rate = ITERATIONS_PER_NS.get().copied().unwrap_or(1.0);
    // A few thousand steps: in range, rounding is immaterial.
    #[allow(
        clippy::cast_possible_truncation,
        clippy::cast_sign_loss,
        clippy::cast_precision_loss
    )]
    let steps = (NS as f64 * rate) as u64;
    black_box(busy(steps));
    healthz().await
}

async fn session_login(session: Session, body: axum::Json<Credentials>) -> Response {
    let Some((name, _, roles)) = USERS
        .iter()
        .find(|(name, password, _)| *name == body.username && *password == body.password)
    else {
        return error(StatusCode::UNAUTHORIZED, "invalid_credentials");
    };
    let user = SessionUser {
        id: (*name).into(),
        name: (*name).into(),
        roles: roles.iter().map(|r| (*r).into()).collect(),
    };
    // A new ID at login (no session fixation), then the user.
    if session.cycle_id().await.is_err() || session.insert(USER_KEY, &user).await.is_err() {
        return error(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable");
    }
    private_json(StatusCode::OK, &json!({ "user": user }))
}

async fn session_me(session: Session) -> Response {
    match session.get::<SessionUser>(USER_KEY).await {
        Ok(Some(user)) => private_json(StatusCode::OK, &json!({ "user": user })),
        Ok(None) => error(StatusCode::UNAUTHORIZED, "unauthenticated"),
        Err(_) => error(StatusCode::SERVICE_UNAVAILABLE, "store_unavailable"),
    }
}

/// The routes behind a session layer on `store`.
fn app<S: SessionStore + Clone>(store: S) -> Router {
    let layer = SessionManagerLayer::new(store)
        .with_name("__Host-session")
        .with_secure(true)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(Duration::minutes(30)));
    Router::new()
        .route("/healthz", get(healthz))
        .route("/session/login", post(session_login))
        .route("/session/me", get(session_me))
        .route("/work/500", get(work::<500>))
        .route("/work/1000", get(work::<1000>))
        .route("/work/2000", get(work::<2000>))
        .layer(layer)
}

/// A Redis store on one multiplexed fred connection (as auth-store's
/// `RedisStore` has one `ConnectionManager`).
async fn redis_app(url: &str) -> Result<Router, String> {
    let config = Config::from_url(url).map_err(|e| format!("{url}: {e}"))?;
    let client = Client::new(config, None, None, None);
    client
        .init()
        .await
        .map_err(|e| format!("redis at {url}: {e}"))?;
    Ok(app(RedisStore::new(client)))
}

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    let rate = calibrate();
    let (router, kind) = if cli.store == "memory" {
        (app(MemoryStore::default()), "memory")
    } else if cli.store.starts_with("redis://") {
        match redis_app(&cli.store).await {
            Ok(router) => (router, "redis"),
            Err(e) => {
                eprintln!("error: {e}");
                return ExitCode::from(2);
            }
        }
    } else {
        eprintln!(
            "error: --store must be `memory` or a redis:// URL, not {:?}",
            cli.store
        );
        return ExitCode::from(2);
    };
    let listener = match tokio::net::TcpListener::bind(cli.addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("error: cannot listen on {}: {e}", cli.addr);
            return ExitCode::from(2);
        }
    };
    let addr = listener.local_addr().map_or(cli.addr, |a| a);
    println!(
        "tower-sessions-app ({kind} store) listening on http://{addr}/ ({rate:.3} work steps per ns)"
    );
    let served = axum::serve(listener, router)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await;
    if let Err(e) = served {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}
