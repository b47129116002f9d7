//! # auth-store
//!
//! Session stores for [`auth_core`]: [`MemoryStore`], the embedded default
//! for a single process, `RedisStore` (feature `redis`) for apps that run
//! on more than one machine, standalone or Redis Cluster, and
//! `PostgresStore` (feature `postgres`) for apps that keep their state in
//! PostgreSQL. All implement [`auth_core::store::SessionStore`],
//! [`auth_core::store::TokenStore`] and [`auth_core::store::ThrottleStore`]
//! and pass the same behaviour suites, so moving from one to another
//! changes nothing but construction (`docs/sessions.md` compares them).
//!
//! ```
//! use std::sync::Arc;
//! use auth_core::session::{SessionConfig, SessionManager, SessionMeta};
//! use auth_store::MemoryStore;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), auth_core::Error> {
//! let store = Arc::new(MemoryStore::new());
//! let sessions = SessionManager::new(store.clone(), SessionConfig::new());
//! let now = 1_700_000_000;
//!
//! // The ticket before the password check, the session after: a "log out
//! // everywhere" in between makes the login fail with `stale_login`.
//! let ticket = sessions.begin_login("alice", now).await?;
//! // ... check alice's password here ...
//! let login = sessions.login(ticket, None, SessionMeta::default(), now).await?;
//! let cookie = login.id.expose();
//! let active = sessions.authenticate(&cookie, now + 5).await?.expect("live session");
//! assert_eq!(active.record.user_id, "alice");
//!
//! sessions.logout(&cookie).await?;
//! assert!(sessions.authenticate(&cookie, now + 6).await?.is_none());
//! # Ok(()) }
//! ```
//!
//! ## Design
//!
//! - Stores are keyed by [`auth_core::session::StoreKey`] (SHA-256 of the
//!   session ID): a dump of a store holds no usable cookie.
//! - Creation is insert-if-absent and checks the user's generation;
//!   updates apply only to sessions that still exist and are live, so a
//!   logout sticks and an expiry is never undone.
//! - Bounded: at most a configured number of sessions in memory, and at
//!   most [`auth_core::store::MAX_SESSIONS_PER_USER`] per user in any store.
//! - Expiry is enforced on every read; memory and PostgreSQL remove expired
//!   entries with a sweeper task (`spawn_sweeper`), Redis by its own TTLs.
//! - A store that cannot answer returns `store_unavailable`; callers fail
//!   closed.
//! - All are also [`auth_core::store::ThrottleStore`]s: failed-login
//!   counts per account name and per client address, keyed by hashes,
//!   expiring by themselves, for `auth_core`'s password login check
//!   (feature `password` of auth-core):
//!
//! ```
//! use auth_core::Error;
//! use auth_core::password::{PasswordHasher, PasswordLogin, PasswordParams};
//! use auth_core::throttle::ThrottleConfig;
//! use auth_store::MemoryStore;
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Error> {
//! // PasswordParams::default() (OWASP's minimum) in production.
//! let hasher = PasswordHasher::new(PasswordParams::new(1024, 1, 1)?)?;
//! let stored = hasher.hash(b"correct horse battery staple")?;
//! let logins = PasswordLogin::new(MemoryStore::new(), hasher, ThrottleConfig::new());
//! let now = 1_700_000_000;
//!
//! // The app looks the account up; None when there is no such account.
//! let lookup = |name: &str| (name == "alice").then_some(stored.as_str());
//! logins.check("alice", "192.0.2.7", lookup("alice"), b"correct horse battery staple", now).await?;
//! // A wrong password and an unknown account get the same answer...
//! for name in ["alice", "mallory"] {
//!     let err = logins.check(name, "192.0.2.7", lookup(name), b"guess", now).await;
//!     assert_eq!(err, Err(Error::InvalidCredentials));
//! }
//! // ...and after five failures an account is throttled, hash unchecked.
//! for _ in 0..4 {
//!     let _ = logins.check("mallory", "198.51.100.1", None, b"guess", now).await;
//! }
//! let err = logins.check("mallory", "198.51.100.2", None, b"guess", now).await;
//! assert_eq!(err, Err(Error::InvalidCredentials));
//! let err = logins.check("mallory", "198.51.100.3", None, b"guess", now).await;
//! assert_eq!(err, Err(Error::RateLimited { retry_after: 1 }));
//! # Ok(()) }
//! ```
//!
//! ## Features
//!
//! | feature | adds |
//! |---|---|
//! | `redis` | `RedisStore` and `RedisConfig`: Redis standalone (reconnecting connection manager) or Redis Cluster (keyed buckets), key TTLs on Redis's clock, atomic Lua scripts, a refusal to run on an evicting Redis |
//! | `postgres` | `PostgresStore` and `PostgresConfig`: tokio-postgres behind a bounded deadpool pool (connect, statement, pool-wait and per-call timeouts), embedded versioned migrations (`migrate`, `migrations_sql`), a batched sweeper, statements correct at READ COMMITTED (and retried on serialization failures, for CockroachDB/YugabyteDB); no TLS |
//! | `testing` | `testing::Counting`: for tests, a wrapper that counts the calls reaching the store behind it (all, loads, updates, access-token checks) and can play a store that is down |

#![forbid(unsafe_code)]

/// The examples of `docs/tokens.md` run as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/tokens.md")]
pub struct TokensDoctests;

/// The README's examples run as doc tests here, where both auth-core and
/// the stores are at hand (its session example needs a store).
#[cfg(doctest)]
#[doc = include_str!("../../../README.md")]
pub struct ReadmeDoctests;

mod any;
mod memory;
mod memory_tokens;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "redis")]
mod redis;
#[cfg(feature = "testing")]
pub mod testing;

// The embedded default.
pub use any::AnyStore;
pub use memory::{DEFAULT_CAPACITY, DEFAULT_THROTTLE_CAPACITY, MemoryStore};
pub use memory_tokens::DEFAULT_TOKEN_CAPACITY;
// PostgreSQL.
#[cfg(feature = "postgres")]
pub use self::postgres::{
    DEFAULT_SCHEMA, MAX_RETRIES, PostgresConfig, PostgresConfigError, PostgresStore,
};
// Redis, standalone or Cluster.
#[cfg(feature = "redis")]
pub use self::redis::{DEFAULT_PREFIX, RedisConfig, RedisConfigError, RedisStore};
