//! # auth-demo
//!
//! The demo server of the auth toolkit: session and JWT logins, CSRF,
//! roles, refresh with reuse detection and revocation, over one HTTP
//! contract (docs/axum.md lists it) that every framework adapter serves
//! the same way. `cargo run -p auth-demo` starts it on the in-memory store
//! at <http://127.0.0.1:3000/>.
//!
//! The library half builds the app ([`build`] on Axum, [`build_rocket`]
//! on Rocket) so that tests and benches can run it; the binary parses the
//! command line and serves it.
//!
//! ```no_run
//! # #[tokio::main] async fn main() -> Result<(), String> {
//! let demo = auth_demo::build(auth_demo::Options::default()).await?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:3000").await.map_err(|e| e.to_string())?;
//! auth_demo::serve(listener, demo).await.map_err(|e| e.to_string())
//! # }
//! ```

#![forbid(unsafe_code)]

mod bodies;
mod rocket_routes;
mod routes;
mod users;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use auth_axum::Auth;
use auth_core::http::{CookieConfig, HttpConfig};
use auth_core::password::{PasswordHasher, PasswordLogin, PasswordParams};
use auth_core::session::SessionConfig;
use auth_core::throttle::{Limit, ThrottleConfig};
use auth_core::tokens::{TokenConfig, TokenService};
use auth_core::{Algorithm, Error, Family, KeySet, SigningKey, SystemClock};
use auth_store::{AnyStore, MemoryStore, PostgresConfig, PostgresStore, RedisStore};
use axum::Router;

pub use users::{DemoUser, Users};

/// The issuer and audience of the demo's access tokens.
pub const ISSUER: &str = "auth-demo";

/// How the demo is set up (the command line's options).
#[derive(Clone, Debug)]
pub struct Options {
    /// `memory`, a `redis://` / `rediss://` URL, or a `postgres://` /
    /// `postgresql://` URL.
    pub store: String,
    /// The schema of a PostgreSQL store (default
    /// [`auth_store::DEFAULT_SCHEMA`]).
    pub pg_schema: String,
    /// The access tokens' algorithm.
    pub alg: Algorithm,
    /// A private key file (JWK or PEM, as `authtool keygen` writes it);
    /// `None`: a key generated at start-up.
    pub key: Option<PathBuf>,
    /// A users file (JSON; see [`Users::from_json`]); `None`: alice and bob.
    pub users: Option<PathBuf>,
    /// Cookies without `Secure` and the `__Host-` prefix, for a plain-HTTP
    /// host that is not localhost. Development only; logged loudly.
    pub insecure_http: bool,
    /// Argon2id parameters (the default: OWASP's).
    pub password_params: PasswordParams,
    /// The first back-off, in seconds, of an account name past its free
    /// failed logins (default 1, doubling to 15 minutes; see
    /// [`auth_core::throttle::Limit::ACCOUNT`]).
    pub login_backoff: u64,
}

impl Default for Options {
    fn default() -> Self {
        Self {
            store: "memory".into(),
            pg_schema: auth_store::DEFAULT_SCHEMA.into(),
            alg: Algorithm::Es256,
            key: None,
            users: None,
            insecure_http: false,
            password_params: PasswordParams::default(),
            login_backoff: Limit::ACCOUNT.first_backoff(),
        }
    }
}

/// Which store the demo runs on, kept typed for the health check.
#[derive(Clone)]
pub(crate) enum Health {
    Memory,
    Redis(Arc<RedisStore>),
    Postgres(Arc<PostgresStore>),
}

impl Health {
    /// Whether the store answers (memory always does).
    pub(crate) async fn check(&self) -> Result<(), Error> {
        match self {
            Self::Memory => Ok(()),
            Self::Redis(redis) => redis.ping().await,
            Self::Postgres(pg) => pg.ping().await,
        }
    }
}

/// The built demo: the router and what it runs on.
#[derive(Debug)]
pub struct Demo {
    /// The app.
    pub router: Router,
    /// `memory`, `redis` or `postgres`.
    pub store_kind: &'static str,
    /// The access tokens' key id.
    pub kid: String,
}

/// The state every handler shares.
#[derive(Clone)]
pub(crate) struct AppState {
    pub(crate) auth: Auth,
    pub(crate) users: Arc<Users>,
    pub(crate) jwks: Arc<str>,
    pub(crate) health: Health,
}

impl axum::extract::FromRef<AppState> for Auth {
    fn from_ref(state: &AppState) -> Self {
        state.auth.clone()
    }
}

/// Reads the signing key from `path` (a JWK, or PEM) for `alg`.
fn load_key(path: &std::path::Path, alg: Algorithm) -> Result<SigningKey, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let key = if text.trim_start().starts_with('{') {
        SigningKey::from_jwk(&text, Some(alg))
    } else {
        SigningKey::from_pem(&text, Some(alg))
    };
    key.map_err(|e| format!("{}: {e}", path.display()))
}

/// What every framework's demo is made of: the store, keys, users and
/// services, built once from the options.
struct Parts {
    http: HttpConfig,
    store: AnyStore,
    sessions: SessionConfig,
    tokens: TokenService<AnyStore>,
    logins: PasswordLogin<AnyStore>,
    users: Users,
    jwks: String,
    health: Health,
    store_kind: &'static str,
    kid: String,
}

/// Builds the demo's parts from `options`: the store (a Redis store must
/// answer now), the key, the users (their passwords hashed with Argon2id
/// now), the session, token and login services.
async fn prepare(options: Options) -> Result<Parts, String> {
    let (store, health, store_kind) = if options.store == "memory" {
        let memory = Arc::new(MemoryStore::new());
        memory
            .spawn_sweeper(Duration::from_secs(60), SystemClock)
            .map_err(|e| e.to_string())?;
        (AnyStore::new(memory), Health::Memory, "memory")
    } else if options.store.starts_with("redis://") || options.store.starts_with("rediss://") {
        let redis = Arc::new(RedisStore::open(&options.store).map_err(|e| e.to_string())?);
        redis
            .check()
            .await
            .map_err(|e| format!("redis at {}: {e}", options.store))?;
        (AnyStore::new(redis.clone()), Health::Redis(redis), "redis")
    } else if options.store.starts_with("postgres://") || options.store.starts_with("postgresql://")
    {
        // Errors name the schema, never the URL (it may hold a password).
        let config = PostgresConfig::new(&options.store)
            .and_then(|c| c.schema(&options.pg_schema))
            .map_err(|e| format!("--store postgres: {e}"))?;
        let pg =
            Arc::new(PostgresStore::new(config).map_err(|e| format!("--store postgres: {e}"))?);
        pg.migrate()
            .await
            .map_err(|e| format!("postgres (schema {}): {e}", options.pg_schema))?;
        pg.spawn_sweeper(Duration::from_secs(60), SystemClock)
            .map_err(|e| e.to_string())?;
        (AnyStore::new(pg.clone()), Health::Postgres(pg), "postgres")
    } else {
        // Only the scheme of something URL-like: it may hold a password.
        let shown = match options.store.split_once("://") {
            Some((scheme, _)) => format!("{scheme}://..."),
            None => options.store.clone(),
        };
        return Err(format!(
            "--store must be `memory`, a redis:// or rediss:// URL, or a postgres:// URL, not {shown:?}"
        ));
    };

    let signing = match &options.key {
        Some(path) => load_key(path, options.alg)?,
        None => SigningKey::generate(options.alg).map_err(|e| e.to_string())?,
    };
    let kid = signing.kid().to_owned();
    let mut keys = KeySet::new();
    keys.set_signing_key(signing).map_err(|e| e.to_string())?;
    // An HMAC secret has nothing public to publish.
    let jwks = if options.alg.family() == Family::Hmac {
        String::from(r#"{"keys":[]}"#)
    } else {
        keys.to_jwks().map_err(|e| e.to_string())?
    };

    let hasher = PasswordHasher::new(options.password_params).map_err(|e| e.to_string())?;
    let users = match &options.users {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
            Users::from_json(&text, &hasher).map_err(|e| format!("{}: {e}", path.display()))?
        }
        None => Users::defaults(&hasher).map_err(|e: Error| e.to_string())?,
    };

    let sessions = SessionConfig::new();
    let mut cookies = CookieConfig::new(sessions.absolute_timeout);
    if options.insecure_http {
        cookies = cookies.insecure_http();
    }
    let http = HttpConfig::new(ISSUER, cookies).map_err(|e| e.to_string())?;
    let tokens = TokenService::new(keys, TokenConfig::new(ISSUER, ISSUER), store.clone())
        .map_err(|e| e.to_string())?;
    let account = Limit::ACCOUNT;
    let account = Limit::new(
        account.free_failures(),
        account.window(),
        options.login_backoff,
        account.max_backoff(),
    );
    let throttle = ThrottleConfig::new().account(account);
    let logins = PasswordLogin::new(store.clone(), hasher, throttle);
    Ok(Parts {
        http,
        store,
        sessions,
        tokens,
        logins,
        users,
        jwks,
        health,
        store_kind,
        kid,
    })
}

/// Builds the demo app on Axum from `options`: the store (a Redis store
/// must answer now), the key, the users (their passwords hashed with
/// Argon2id now), the session, token and login services, and the routes.
pub async fn build(options: Options) -> Result<Demo, String> {
    let parts = prepare(options).await?;
    let auth = Auth::builder(parts.http)
        .sessions(parts.store, parts.sessions)
        .tokens(parts.tokens)
        .passwords(parts.logins)
        .build();
    let state = AppState {
        auth,
        users: Arc::new(parts.users),
        jwks: parts.jwks.into(),
        health: parts.health,
    };
    Ok(Demo {
        router: routes::router(state),
        store_kind: parts.store_kind,
        kid: parts.kid,
    })
}

/// The demo built on Rocket: the app (not yet launched) and what it runs
/// on.
#[derive(Debug)]
pub struct RocketDemo {
    /// The app, with its routes, the adapter's fairing and the demo's
    /// state; configure its address and launch it ([`serve_rocket`]).
    pub rocket: rocket::Rocket<rocket::Build>,
    /// `memory`, `redis` or `postgres`.
    pub store_kind: &'static str,
    /// The access tokens' key id.
    pub kid: String,
}

/// Builds the demo app on Rocket from `options`: the same parts, the
/// same contract as [`build`].
pub async fn build_rocket(options: Options) -> Result<RocketDemo, String> {
    let parts = prepare(options).await?;
    let auth = auth_rocket::Auth::builder(parts.http)
        .sessions(parts.store, parts.sessions)
        .tokens(parts.tokens)
        .passwords(parts.logins)
        .build();
    let state = rocket_routes::DemoState {
        users: parts.users,
        jwks: parts.jwks,
        health: parts.health,
    };
    Ok(RocketDemo {
        rocket: rocket_routes::rocket(&auth, state),
        store_kind: parts.store_kind,
        kid: parts.kid,
    })
}

/// Serves the Rocket demo on `addr` until Ctrl-C; `ready` is called with
/// the address it listens on (port 0 becomes the port it got) once it
/// does.
pub async fn serve_rocket(
    demo: RocketDemo,
    addr: std::net::SocketAddr,
    ready: impl FnOnce(std::net::SocketAddr) + Send + Sync + 'static,
) -> Result<(), String> {
    let config = rocket::Config {
        address: addr.ip(),
        port: addr.port(),
        // The contract's headers only: no `Server`, and no client-written
        // address header stands in for the peer's.
        ident: rocket::config::Ident::none(),
        ip_header: None,
        log_level: rocket::config::LogLevel::Off,
        cli_colors: false,
        ..rocket::Config::default()
    };
    let ready = std::sync::Mutex::new(Some(ready));
    demo.rocket
        .configure(config)
        .attach(rocket::fairing::AdHoc::on_liftoff(
            "banner",
            move |rocket| {
                Box::pin(async move {
                    let config = rocket.config();
                    let ready = ready
                        .lock()
                        .unwrap_or_else(std::sync::PoisonError::into_inner)
                        .take();
                    if let Some(ready) = ready {
                        ready(std::net::SocketAddr::new(config.address, config.port));
                    }
                })
            },
        ))
        .launch()
        .await
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// Serves `demo` on `listener` until Ctrl-C (with each client's address,
/// for login throttling per address).
pub async fn serve(listener: tokio::net::TcpListener, demo: Demo) -> std::io::Result<()> {
    axum::serve(
        listener,
        demo.router
            .into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(async {
        let _ = tokio::signal::ctrl_c().await;
    })
    .await
}
