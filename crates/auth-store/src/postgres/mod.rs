//! The PostgreSQL store: tokio-postgres behind a bounded deadpool pool, a
//! schema created by embedded, versioned migrations, rows that carry their
//! deadline, and a sweeper that removes expired rows in bounded batches.
//!
//! ## Tables
//!
//! See `migrations/0001_init.sql`: `auth_sessions`, `auth_users` (session
//! generations), `auth_token_users` (token generations), `auth_families`,
//! `auth_refresh_tokens`, `auth_denied`, `auth_throttles`, the sequence
//! `auth_generation`, and `auth_migrations`, the applied versions. Keys are
//! the core's SHA-256 store keys (`bytea`), never a session ID or token.
//!
//! ## Concurrency
//!
//! Every operation is one statement, or one transaction, that is correct
//! at PostgreSQL's default isolation (READ COMMITTED), without advisory
//! locks:
//!
//! - a per-user write (create, rotate, "log out everywhere", creating a
//!   token family) first upserts the user's generation row
//!   (`INSERT .. ON CONFLICT DO UPDATE .. RETURNING generation`), which
//!   locks it until the transaction ends: one user's writes are serialised,
//!   the generation it returns is the one committed last, and "log out
//!   everywhere" sees every session a create or rotate committed before it;
//! - inserts are `INSERT .. ON CONFLICT DO NOTHING` (a taken key is never
//!   overwritten); updates carry `expires_at > now` in their `WHERE` (an
//!   expired or deleted row is never revived);
//! - a refresh locks its family row (`SELECT .. FOR UPDATE`) and then the
//!   presented token's row: of two refreshes with one token, the second
//!   waits and then finds the token used. Locks are always taken in the
//!   order user row, family row, token row, so two transactions cannot
//!   wait for each other.
//!
//! On CockroachDB and YugabyteDB (SERIALIZABLE by default) a transaction
//! may fail with SQLSTATE 40001 (serialization failure); on PostgreSQL a
//! deadlock is 40P01. Both mean the transaction was rolled back, so it is
//! retried, up to [`MAX_RETRIES`] times. Nothing else is retried: a write
//! whose connection broke may have been applied, and a repeated refresh
//! would read as reuse. Statements that would differ there: the sweeper
//! deletes by primary key (no `ctid`); the statement timeout is set through
//! the connection's `options` (`-c statement_timeout=..`, which CockroachDB
//! accepts as a session variable); the eviction order of families that
//! expire in the same second follows the column's collation.

use std::fmt;
use std::str::FromStr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use auth_core::session::{LOGIN_TICKET_TTL, SessionRecord, StoreKey};
use auth_core::store::{Created, MAX_SESSIONS_PER_USER, SessionStore, ThrottleStore};
use auth_core::throttle::{Attempt, Limit, ThrottleKey, ThrottleState};
use auth_core::{Clock, Error};
use deadpool_postgres::GenericClient;
use deadpool_postgres::{
    Manager, ManagerConfig, Object, Pool, PoolError, RecyclingMethod, Runtime,
};
use tokio_postgres::NoTls;
use tokio_postgres::config::SslMode;
use tokio_postgres::error::SqlState;

mod tokens;

/// How often a transaction rolled back by a serialization failure (40001)
/// or a deadlock (40P01) is run again before the call fails with
/// `store_unavailable`.
pub const MAX_RETRIES: u32 = 5;

/// The schema a store uses unless told otherwise.
pub const DEFAULT_SCHEMA: &str = "auth";

/// The embedded migrations, in order: (version, name, SQL).
const MIGRATIONS: &[(i32, &str, &str)] = &[(1, "init", include_str!("migrations/0001_init.sql"))];

const MIGRATIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS auth_migrations (
    version    integer     PRIMARY KEY,
    name       text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
)";

/// Why a [`PostgresConfig`] was refused. Never repeats the URL (it may
/// hold a password).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum PostgresConfigError {
    /// The connection string is not a `postgres://`/`postgresql://` URL or
    /// a `key=value` string tokio-postgres reads.
    InvalidUrl,
    /// A schema name must be 1 to 63 characters of `a-z`, `0-9` and `_`,
    /// not starting with a digit (it is written into SQL unquoted).
    InvalidSchema,
    /// The URL asks for TLS (`sslmode=require`); this store speaks plain
    /// TCP only (see the module's documentation).
    TlsNotSupported,
    /// A pool size of zero, or a zero timeout.
    InvalidLimit,
}

impl fmt::Display for PostgresConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidUrl => "the postgres connection string does not parse",
            Self::InvalidSchema => {
                "a schema name must be 1 to 63 characters of a-z, 0-9 and _, not starting with a digit"
            }
            Self::TlsNotSupported => {
                "the postgres store does not speak TLS: use a loopback or private network, or a TLS-terminating proxy"
            }
            Self::InvalidLimit => "pool size and timeouts must be positive",
        })
    }
}

impl std::error::Error for PostgresConfigError {}

/// How to reach PostgreSQL and how much to wait for it.
///
/// `Debug` never shows the connection string or password.
#[derive(Clone)]
#[non_exhaustive]
pub struct PostgresConfig {
    pg: tokio_postgres::Config,
    schema: String,
    pool_size: usize,
    connect_timeout: Duration,
    statement_timeout: Duration,
    wait_timeout: Duration,
    timeout: Duration,
    sweep_batch: u32,
}

impl fmt::Debug for PostgresConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PostgresConfig")
            .field("hosts", &self.pg.get_hosts().len())
            .field("schema", &self.schema)
            .field("pool_size", &self.pool_size)
            .field("connect_timeout", &self.connect_timeout)
            .field("statement_timeout", &self.statement_timeout)
            .field("wait_timeout", &self.wait_timeout)
            .field("timeout", &self.timeout)
            .field("sweep_batch", &self.sweep_batch)
            .finish_non_exhaustive()
    }
}

impl PostgresConfig {
    /// A configuration for `url` (`postgres://user:password@host:port/db`,
    /// `postgresql://..`, or tokio-postgres's `key=value` form), with
    /// schema [`DEFAULT_SCHEMA`], a pool of 16 connections, 1 s to connect,
    /// 2 s per statement, 2 s to wait for a free connection and 5 s per
    /// call, and sweeps of 1000 rows per statement.
    pub fn new(url: &str) -> Result<Self, PostgresConfigError> {
        let mut pg =
            tokio_postgres::Config::from_str(url).map_err(|_| PostgresConfigError::InvalidUrl)?;
        if pg.get_ssl_mode() == SslMode::Require {
            return Err(PostgresConfigError::TlsNotSupported);
        }
        // `prefer` would try TLS first and fall back; without TLS support
        // the client would only ever fall back, so say so.
        pg.ssl_mode(SslMode::Disable);
        if pg.get_application_name().is_none() {
            pg.application_name("auth-store");
        }
        Ok(Self {
            pg,
            schema: DEFAULT_SCHEMA.into(),
            pool_size: 16,
            connect_timeout: Duration::from_secs(1),
            statement_timeout: Duration::from_secs(2),
            wait_timeout: Duration::from_secs(2),
            timeout: Duration::from_secs(5),
            sweep_batch: 1000,
        })
    }

    /// The schema the store's tables live in (created by
    /// [`PostgresStore::migrate`]); each connection's `search_path` is set
    /// to it alone. Separate schemas keep apps, or test runs, apart.
    pub fn schema(mut self, schema: &str) -> Result<Self, PostgresConfigError> {
        let ok = (1..=63).contains(&schema.len())
            && !schema.as_bytes()[0].is_ascii_digit()
            && schema
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok {
            return Err(PostgresConfigError::InvalidSchema);
        }
        schema.clone_into(&mut self.schema);
        Ok(self)
    }

    /// The most connections the pool opens (default 16).
    #[must_use]
    pub fn pool_size(mut self, size: usize) -> Self {
        self.pool_size = size;
        self
    }

    /// How long opening one connection may take (default 1 s).
    #[must_use]
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// The server's `statement_timeout` on every connection (default 2 s;
    /// whole milliseconds): a statement past it is cancelled and the call
    /// fails with `store_unavailable`.
    #[must_use]
    pub fn statement_timeout(mut self, timeout: Duration) -> Self {
        self.statement_timeout = timeout;
        self
    }

    /// How long a call waits for a free connection when all are busy
    /// (default 2 s).
    #[must_use]
    pub fn wait_timeout(mut self, timeout: Duration) -> Self {
        self.wait_timeout = timeout;
        self
    }

    /// The deadline of one whole call, retries included (default 5 s).
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// How many expired rows one sweeper statement deletes (default 1000,
    /// at least 1): each batch is its own short transaction.
    #[must_use]
    pub fn sweep_batch(mut self, rows: u32) -> Self {
        self.sweep_batch = rows.max(1);
        self
    }
}

/// Sessions, token families, the denylist and throttle states in
/// PostgreSQL.
///
/// Build it with [`PostgresStore::new`] (nothing is connected yet: the app
/// can start while the database is down), create or upgrade the schema
/// with [`PostgresStore::migrate`] (or apply [`PostgresStore::migrations_sql`]
/// yourself), and sweep expired rows with [`PostgresStore::spawn_sweeper`]
/// or [`PostgresStore::sweep`]: the database has no TTL, so every read
/// ignores rows past their deadline, and only the sweeper deletes them.
///
/// Every failure to reach the server (refused, restarting, a statement or
/// pool timeout) is `store_unavailable`; broken connections are checked
/// before reuse (`RecyclingMethod::Verified`) and replaced, so the store
/// recovers by itself when the server returns.
///
/// No TLS: connect over loopback, a private network or a sidecar, or
/// through a TLS-terminating proxy. A URL with `sslmode=require` is
/// refused.
///
/// `Debug` shows the schema, never the connection string.
pub struct PostgresStore {
    pool: Pool,
    schema: String,
    timeout: Duration,
    sweep_batch: i64,
}

impl fmt::Debug for PostgresStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let status = self.pool.status();
        f.debug_struct("PostgresStore")
            .field("schema", &self.schema)
            .field("pool_size", &status.max_size)
            .field("connections", &status.size)
            .finish_non_exhaustive()
    }
}

/// What went wrong inside one attempt at a call.
pub(crate) enum Failure {
    /// From the driver: maybe retried (40001, 40P01), else unavailable.
    Pg(tokio_postgres::Error),
    /// Already the caller's answer (corrupt data, misuse).
    Store(Error),
}

impl From<tokio_postgres::Error> for Failure {
    fn from(e: tokio_postgres::Error) -> Self {
        Self::Pg(e)
    }
}

impl From<Error> for Failure {
    fn from(e: Error) -> Self {
        Self::Store(e)
    }
}

/// Whether the transaction was rolled back by the server and may simply
/// run again.
pub(crate) fn retryable(e: &tokio_postgres::Error) -> bool {
    matches!(
        e.code(),
        Some(c) if *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED
    )
}

/// `store_unavailable` for a driver error. A server error is named by its
/// SQLSTATE only (its message may quote row values); other errors (I/O,
/// a closed connection) by the driver's text, which never holds the
/// password.
pub(crate) fn unavailable(e: &tokio_postgres::Error) -> Error {
    match e.code() {
        Some(c) if *c == SqlState::QUERY_CANCELED => {
            Error::StoreUnavailable("postgres cancelled the statement (statement timeout)".into())
        }
        Some(c) => Error::StoreUnavailable(format!("postgres error, SQLSTATE {}", c.code())),
        None => Error::StoreUnavailable(format!("postgres: {e}")),
    }
}

/// Whether a `CREATE .. IF NOT EXISTS` failed only because another
/// session created the same object at the same moment.
fn created_concurrently(e: &tokio_postgres::Error) -> bool {
    [
        SqlState::UNIQUE_VIOLATION,
        SqlState::DUPLICATE_SCHEMA,
        SqlState::DUPLICATE_TABLE,
        SqlState::DUPLICATE_OBJECT,
    ]
    .iter()
    .any(|c| e.code() == Some(c))
}

fn pool_unavailable(e: &PoolError) -> Error {
    match e {
        PoolError::Backend(e) => unavailable(e),
        PoolError::Timeout(_) => {
            Error::StoreUnavailable("postgres: no connection within the timeout".into())
        }
        _ => Error::StoreUnavailable("postgres: the connection pool failed".into()),
    }
}

/// Unix seconds as the `bigint` the tables hold (saturating: a deadline
/// past year 292 billion is still "never").
pub(crate) fn secs(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

/// A stored `bigint` back to seconds (negative ones, which the store never
/// writes, read as 0).
pub(crate) fn unsecs(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

pub(crate) fn store_key(bytes: &[u8]) -> Result<StoreKey, Error> {
    <[u8; 32]>::try_from(bytes)
        .map(StoreKey)
        .map_err(|_| Error::StoreCorrupt("a postgres row holds a key that is not 32 bytes"))
}

/// Runs `$body` (an async block using `$client`, a pooled connection) until
/// it succeeds, fails for good, or has been rolled back [`MAX_RETRIES`]
/// times, all within the store's call timeout.
macro_rules! attempt {
    ($self:ident, $client:ident => $body:expr) => {
        $self
            .run(async {
                let mut tries = 0;
                loop {
                    #[allow(unused_mut)]
                    let mut $client = $self.client().await?;
                    let result: Result<_, $crate::postgres::Failure> = $body.await;
                    match result {
                        Ok(value) => break Ok(value),
                        Err($crate::postgres::Failure::Store(e)) => break Err(e),
                        Err($crate::postgres::Failure::Pg(e))
                            if $crate::postgres::retryable(&e) && tries < MAX_RETRIES =>
                        {
                            tries += 1;
                        }
                        Err($crate::postgres::Failure::Pg(e)) => {
                            break Err($crate::postgres::unavailable(&e));
                        }
                    }
                }
            })
            .await
    };
}
pub(crate) use attempt;

/// Upserts `user_id`'s row in `table` (`auth_users` or `auth_token_users`)
/// and returns its generation; the row stays locked until the transaction
/// ends.
pub(crate) async fn lock_user<C: GenericClient>(
    tx: &C,
    sql: &str,
    user_id: &str,
) -> Result<u64, Failure> {
    let stmt = tx.prepare_cached(sql).await?;
    let row = tx.query_one(&stmt, &[&user_id]).await?;
    Ok(unsecs(row.get(0)))
}

const LOCK_USER: &str = "INSERT INTO auth_users (user_id) VALUES ($1)
    ON CONFLICT (user_id) DO UPDATE SET generation = auth_users.generation
    RETURNING generation";

impl PostgresStore {
    /// A store for `config`. Connects lazily: nothing is reached until the
    /// first call (or [`PostgresStore::migrate`], or
    /// [`PostgresStore::ping`]).
    pub fn new(config: PostgresConfig) -> Result<Self, PostgresConfigError> {
        if config.pool_size == 0
            || config.connect_timeout.is_zero()
            || config.statement_timeout.is_zero()
            || config.wait_timeout.is_zero()
            || config.timeout.is_zero()
        {
            return Err(PostgresConfigError::InvalidLimit);
        }
        let mut pg = config.pg;
        pg.connect_timeout(config.connect_timeout);
        pg.keepalives(true);
        pg.keepalives_idle(Duration::from_secs(30));
        // The schema name was checked to need no quoting.
        pg.options(format!(
            "-c search_path={} -c statement_timeout={}",
            config.schema,
            config.statement_timeout.as_millis().max(1)
        ));
        let manager = Manager::from_config(
            pg,
            NoTls,
            ManagerConfig {
                // A connection is checked with an empty query before it is
                // handed out again: one broken by a server restart is
                // dropped and replaced, never reused.
                recycling_method: RecyclingMethod::Verified,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(config.pool_size)
            .wait_timeout(Some(config.wait_timeout))
            .create_timeout(Some(config.connect_timeout))
            .recycle_timeout(Some(config.connect_timeout))
            .runtime(Runtime::Tokio1)
            .build()
            .map_err(|_| PostgresConfigError::InvalidLimit)?;
        Ok(Self {
            pool,
            schema: config.schema,
            timeout: config.timeout,
            sweep_batch: i64::from(config.sweep_batch),
        })
    }

    /// The schema this store's tables live in.
    #[must_use]
    pub fn schema_name(&self) -> &str {
        &self.schema
    }

    pub(crate) async fn client(&self) -> Result<Object, Error> {
        self.pool.get().await.map_err(|e| pool_unavailable(&e))
    }

    pub(crate) async fn run<T>(
        &self,
        call: impl Future<Output = Result<T, Error>> + Send,
    ) -> Result<T, Error> {
        tokio::time::timeout(self.timeout, call)
            .await
            .unwrap_or_else(|_| Err(Error::StoreUnavailable("postgres timed out".into())))
    }

    /// One round trip (`SELECT 1`): whether the database answers, for
    /// health checks.
    pub async fn ping(&self) -> Result<(), Error> {
        attempt!(self, client => async {
            client.simple_query("SELECT 1").await?;
            Ok(())
        })
    }

    /// Every migration as one SQL script, for teams that apply migrations
    /// themselves: it creates `auth_migrations` (if absent), then applies
    /// and records each version, in one transaction. Run it with the
    /// target schema first on the `search_path` (and the schema created),
    /// e.g. `SET search_path TO auth;` before it, or
    /// `psql "options=-csearch_path=auth"`.
    #[must_use]
    pub fn migrations_sql() -> String {
        let mut sql = String::from("BEGIN;\n\n");
        sql.push_str(MIGRATIONS_TABLE);
        sql.push_str(";\n");
        for (version, name, body) in MIGRATIONS {
            sql.push_str(&format!("\n-- version {version}: {name}\n{body}\n"));
            sql.push_str(&format!(
                "INSERT INTO auth_migrations (version, name) VALUES ({version}, '{name}');\n"
            ));
        }
        sql.push_str("\nCOMMIT;\n");
        sql
    }

    /// The highest migration version this build knows.
    #[must_use]
    pub fn schema_version() -> i32 {
        MIGRATIONS.last().map_or(0, |m| m.0)
    }

    /// Creates the schema if absent and applies every migration not yet
    /// recorded in its `auth_migrations` table, each in its own transaction
    /// with its record (so several instances starting at once apply each
    /// version once: the second waits on the first's record and then skips
    /// it). Returns how many were applied.
    pub async fn migrate(&self) -> Result<usize, Error> {
        let schema = self.schema.clone();
        attempt!(self, client => async {
            // Concurrent `IF NOT EXISTS` creations can still collide in the
            // catalogue (a unique or duplicate-object error); the loser runs
            // its statement again and then finds the object there.
            for sql in [format!("CREATE SCHEMA IF NOT EXISTS {schema}"), MIGRATIONS_TABLE.into()] {
                let mut tries = 0;
                loop {
                    match client.batch_execute(&sql).await {
                        Ok(()) => break,
                        Err(e) if created_concurrently(&e) && tries < MAX_RETRIES => tries += 1,
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            let mut applied = 0;
            for (version, name, body) in MIGRATIONS {
                let tx = client.transaction().await?;
                let claimed = tx
                    .execute(
                        "INSERT INTO auth_migrations (version, name) VALUES ($1, $2)
                         ON CONFLICT (version) DO NOTHING",
                        &[version, name],
                    )
                    .await?;
                if claimed == 1 {
                    tx.batch_execute(body).await?;
                    applied += 1;
                }
                tx.commit().await?;
            }
            Ok(applied)
        })
    }

    /// Deletes every row expired at `now` (sessions, families, refresh
    /// tokens, denylist entries, throttle states) and forgets generations
    /// no usable login ticket can predate, in batches of the configured
    /// size, each batch one short statement by primary key (so no lock is
    /// held for long and reads go on). Returns how many sessions and token
    /// entries went (throttle states and generations are not counted), as
    /// [`MemoryStore::sweep`](crate::MemoryStore::sweep) does.
    pub async fn sweep(&self, now: u64) -> Result<usize, Error> {
        let now = secs(now);
        let forget = now.saturating_sub(secs(LOGIN_TICKET_TTL));
        let mut total = 0;
        // (statement, deadline, whether its rows count in the total)
        for (sql, at, counted) in [
            (SWEEP_SESSIONS, now, true),
            (tokens::SWEEP_FAMILIES, now, true),
            (tokens::SWEEP_REFRESH, now, true),
            (tokens::SWEEP_DENIED, now, true),
            (SWEEP_THROTTLES, now, false),
            (SWEEP_USERS, forget, false),
            (tokens::SWEEP_TOKEN_USERS, forget, false),
        ] {
            loop {
                let batch = self.sweep_batch;
                let removed = attempt!(self, client => async {
                    let stmt = client.prepare_cached(sql).await?;
                    Ok(client.execute(&stmt, &[&at, &batch]).await?)
                })?;
                if counted {
                    total += usize::try_from(removed).unwrap_or(usize::MAX);
                }
                if removed < u64::try_from(batch).unwrap_or(0) {
                    break;
                }
            }
        }
        Ok(total)
    }

    /// Sweeps every `every` on the current tokio runtime, reading the time
    /// from `clock`, as [`MemoryStore::spawn_sweeper`](crate::MemoryStore::spawn_sweeper)
    /// does. A sweep that fails (the database is down) is simply tried
    /// again at the next tick. The task ends when the store is dropped. A
    /// zero interval is refused with [`Error::Misuse`].
    pub fn spawn_sweeper<C: Clock + Send + Sync + 'static>(
        self: &Arc<Self>,
        every: Duration,
        clock: C,
    ) -> Result<tokio::task::JoinHandle<()>, Error> {
        if every.is_zero() {
            return Err(Error::Misuse("the sweep interval must be positive"));
        }
        let store: Weak<Self> = Arc::downgrade(self);
        Ok(tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let Some(store) = store.upgrade() else {
                    return;
                };
                let _ = store.sweep(clock.now()).await;
            }
        }))
    }
}

// The sweeper's statements: $1 the deadline, $2 the batch size. The
// expiry is checked again in the outer WHERE, so a row that a concurrent
// write made live again between the inner SELECT and the DELETE is
// skipped (READ COMMITTED re-checks the outer condition on the new row).
const SWEEP_SESSIONS: &str = "DELETE FROM auth_sessions WHERE key IN
    (SELECT key FROM auth_sessions WHERE expires_at <= $1 LIMIT $2) AND expires_at <= $1";
const SWEEP_THROTTLES: &str = "DELETE FROM auth_throttles WHERE key IN
    (SELECT key FROM auth_throttles WHERE expires_at <= $1 LIMIT $2) AND expires_at <= $1";
const SWEEP_USERS: &str = "DELETE FROM auth_users WHERE user_id IN
    (SELECT user_id FROM auth_users WHERE moved_at < $1 LIMIT $2) AND moved_at < $1";

const LOAD: &str = "SELECT record FROM auth_sessions WHERE key = $1 AND expires_at > $2";
const GENERATION: &str = "SELECT generation FROM auth_users WHERE user_id = $1";
const DELETE_EXPIRED: &str = "DELETE FROM auth_sessions WHERE key = $1 AND expires_at <= $2";
const INSERT: &str = "INSERT INTO auth_sessions (key, user_id, expires_at, record)
    VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING";
const COUNT_USER: &str = "SELECT count(*) FROM auth_sessions WHERE user_id = $1";
const EVICT: &str = "DELETE FROM auth_sessions WHERE key IN
    (SELECT key FROM auth_sessions WHERE user_id = $1 AND key <> $2
     ORDER BY expires_at, key LIMIT $3)";
const UPDATE: &str = "UPDATE auth_sessions SET record = $2, expires_at = $3
    WHERE key = $1 AND expires_at > $4";
const DELETE: &str = "DELETE FROM auth_sessions WHERE key = $1";
const DELETE_LIVE: &str = "DELETE FROM auth_sessions WHERE key = $1 AND expires_at > $2";
const LIST: &str = "SELECT key, record FROM auth_sessions
    WHERE user_id = $1 AND expires_at > $2 ORDER BY expires_at, key";
const MOVE_GENERATION: &str = "INSERT INTO auth_users (user_id, generation, moved_at)
    VALUES ($1, nextval('auth_generation'), $2)
    ON CONFLICT (user_id) DO UPDATE SET generation = EXCLUDED.generation, moved_at = EXCLUDED.moved_at";
const DELETE_USER: &str = "DELETE FROM auth_sessions WHERE user_id = $1 AND key <> $2";

impl SessionStore for PostgresStore {
    async fn generation(&self, user_id: &str) -> Result<u64, Error> {
        attempt!(self, client => async {
            let stmt = client.prepare_cached(GENERATION).await?;
            let row = client.query_opt(&stmt, &[&user_id]).await?;
            Ok(row.map_or(0, |r| unsecs(r.get(0))))
        })
    }

    async fn create(
        &self,
        key: &StoreKey,
        record: &SessionRecord,
        generation: u64,
        max_per_user: usize,
    ) -> Result<Created, Error> {
        let now = secs(record.last_seen);
        let bytes = record.encode()?;
        let expires = secs(record.expires_at());
        let max = i64::try_from(max_per_user.clamp(1, MAX_SESSIONS_PER_USER)).unwrap_or(1);
        let user = record.user_id.as_str();
        attempt!(self, client => async {
            let tx = client.transaction().await?;
            if lock_user(&tx, LOCK_USER, user).await? != generation {
                tx.rollback().await?;
                return Ok(Created::GenerationMoved);
            }
            let stmt = tx.prepare_cached(DELETE_EXPIRED).await?;
            tx.execute(&stmt, &[&&key.0[..], &now]).await?;
            let stmt = tx.prepare_cached(INSERT).await?;
            if tx.execute(&stmt, &[&&key.0[..], &user, &expires, &bytes]).await? == 0 {
                tx.rollback().await?;
                return Ok(Created::KeyTaken);
            }
            let stmt = tx.prepare_cached(COUNT_USER).await?;
            let count: i64 = tx.query_one(&stmt, &[&user]).await?.get(0);
            if count > max {
                let stmt = tx.prepare_cached(EVICT).await?;
                tx.execute(&stmt, &[&user, &&key.0[..], &(count - max)]).await?;
            }
            tx.commit().await?;
            Ok(Created::Stored)
        })
    }

    async fn load(&self, key: &StoreKey, now: u64) -> Result<Option<SessionRecord>, Error> {
        let now = secs(now);
        attempt!(self, client => async {
            let stmt = client.prepare_cached(LOAD).await?;
            match client.query_opt(&stmt, &[&&key.0[..], &now]).await? {
                Some(row) => Ok(Some(SessionRecord::decode(row.get(0))?)),
                None => Ok(None),
            }
        })
    }

    async fn update(
        &self,
        key: &StoreKey,
        record: &SessionRecord,
        now: u64,
    ) -> Result<bool, Error> {
        let now = secs(now);
        let bytes = record.encode()?;
        let expires = secs(record.expires_at());
        attempt!(self, client => async {
            let stmt = client.prepare_cached(UPDATE).await?;
            Ok(client.execute(&stmt, &[&&key.0[..], &bytes, &expires, &now]).await? == 1)
        })
    }

    async fn delete(&self, key: &StoreKey) -> Result<bool, Error> {
        attempt!(self, client => async {
            let stmt = client.prepare_cached(DELETE).await?;
            Ok(client.execute(&stmt, &[&&key.0[..]]).await? == 1)
        })
    }

    async fn rotate(
        &self,
        old: &StoreKey,
        new: &StoreKey,
        record: &SessionRecord,
        now: u64,
    ) -> Result<bool, Error> {
        let now = secs(now);
        let bytes = record.encode()?;
        let expires = secs(record.expires_at());
        let user = record.user_id.as_str();
        attempt!(self, client => async {
            let tx = client.transaction().await?;
            // The user's lock: a "log out everywhere" either sees the new
            // row or runs after this commits and removes it.
            lock_user(&tx, LOCK_USER, user).await?;
            let stmt = tx.prepare_cached(INSERT).await?;
            if tx.execute(&stmt, &[&&new.0[..], &user, &expires, &bytes]).await? == 0 {
                tx.rollback().await?;
                return Ok(false);
            }
            let stmt = tx.prepare_cached(DELETE_LIVE).await?;
            if tx.execute(&stmt, &[&&old.0[..], &now]).await? == 0 {
                tx.rollback().await?;
                return Ok(false);
            }
            tx.commit().await?;
            Ok(true)
        })
    }

    async fn list(&self, user_id: &str, now: u64) -> Result<Vec<(StoreKey, SessionRecord)>, Error> {
        let now = secs(now);
        attempt!(self, client => async {
            let stmt = client.prepare_cached(LIST).await?;
            let rows = client.query(&stmt, &[&user_id, &now]).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                out.push((store_key(row.get(0))?, SessionRecord::decode(row.get(1))?));
            }
            Ok(out)
        })
    }

    async fn delete_user(
        &self,
        user_id: &str,
        keep: Option<&StoreKey>,
        now: u64,
    ) -> Result<usize, Error> {
        let now = secs(now);
        // No key is empty, so an empty `keep` keeps nothing.
        let keep: &[u8] = keep.map_or(&[], |k| &k.0[..]);
        attempt!(self, client => async {
            let tx = client.transaction().await?;
            let stmt = tx.prepare_cached(MOVE_GENERATION).await?;
            tx.execute(&stmt, &[&user_id, &now]).await?;
            let stmt = tx.prepare_cached(DELETE_USER).await?;
            let removed = tx.execute(&stmt, &[&user_id, &keep]).await?;
            tx.commit().await?;
            Ok(usize::try_from(removed).unwrap_or(usize::MAX))
        })
    }
}

const LOAD_THROTTLES: &str = "SELECT key, state FROM auth_throttles
    WHERE key = ANY($1) AND expires_at > $2";
const LOCK_THROTTLE: &str = "INSERT INTO auth_throttles (key, state, expires_at) VALUES ($1, '', 0)
    ON CONFLICT (key) DO UPDATE SET state = auth_throttles.state
    RETURNING state";
const SELECT_THROTTLE: &str = "SELECT state FROM auth_throttles WHERE key = $1 FOR UPDATE";
const PUT_THROTTLE: &str = "UPDATE auth_throttles SET state = $2, expires_at = $3 WHERE key = $1";
const DELETE_THROTTLE: &str = "DELETE FROM auth_throttles WHERE key = $1";

/// A stored throttle state; `''` is the placeholder a count's lock row
/// holds before its first state is written (never committed as such).
fn throttle_state(text: &str) -> Result<Option<ThrottleState>, Error> {
    if text.is_empty() {
        return Ok(None);
    }
    ThrottleState::decode(text.as_bytes()).map(Some)
}

impl ThrottleStore for PostgresStore {
    async fn load_throttles(
        &self,
        keys: [&ThrottleKey; 2],
        now: u64,
    ) -> Result<[Option<ThrottleState>; 2], Error> {
        let texts = keys.map(ThrottleKey::to_text);
        let now_s = secs(now);
        attempt!(self, client => async {
            let stmt = client.prepare_cached(LOAD_THROTTLES).await?;
            let list: Vec<&str> = texts.iter().map(String::as_str).collect();
            let rows = client.query(&stmt, &[&list, &now_s]).await?;
            let mut out = [None, None];
            for row in rows {
                let key: &str = row.get(0);
                let state = throttle_state(row.get(1))?.filter(|s| s.is_live(now));
                for (slot, text) in out.iter_mut().zip(&texts) {
                    if key == text {
                        *slot = state;
                    }
                }
            }
            Ok(out)
        })
    }

    async fn count_attempts(
        &self,
        attempts: [(&ThrottleKey, &Limit); 2],
        now: u64,
    ) -> Result<[Attempt; 2], Error> {
        let texts = attempts.map(|(k, _)| k.to_text());
        // Locks in key order, so two logins sharing both keys cannot wait
        // for each other.
        let order: [usize; 2] = if texts[0] <= texts[1] { [0, 1] } else { [1, 0] };
        attempt!(self, client => async {
            let tx = client.transaction().await?;
            let lock = tx.prepare_cached(LOCK_THROTTLE).await?;
            let put = tx.prepare_cached(PUT_THROTTLE).await?;
            let mut out = [None, None];
            for i in order {
                let text = &texts[i];
                let row = tx.query_one(&lock, &[text]).await?;
                let stored = throttle_state(row.get(0))?;
                let attempt = attempts[i].1.attempt(stored, now);
                match attempt {
                    Attempt::Counted(next) => {
                        tx.execute(&put, &[text, &next.encode(), &secs(next.expires_at)])
                            .await?;
                    }
                    _ if stored.is_none() => {
                        // Nothing to keep: drop the lock row again.
                        let stmt = tx.prepare_cached(DELETE_THROTTLE).await?;
                        tx.execute(&stmt, &[text]).await?;
                    }
                    _ => {}
                }
                out[i] = Some(attempt);
            }
            tx.commit().await?;
            match out {
                [Some(a), Some(b)] => Ok([a, b]),
                _ => Err(Error::StoreCorrupt("a throttle attempt went uncounted").into()),
            }
        })
    }

    async fn refund_attempt(
        &self,
        key: &ThrottleKey,
        limit: &Limit,
        now: u64,
    ) -> Result<Option<ThrottleState>, Error> {
        let text = key.to_text();
        attempt!(self, client => async {
            let tx = client.transaction().await?;
            let stmt = tx.prepare_cached(SELECT_THROTTLE).await?;
            let Some(row) = tx.query_opt(&stmt, &[&text]).await? else {
                tx.rollback().await?;
                return Ok(None);
            };
            let Some(state) = throttle_state(row.get(0))? else {
                tx.rollback().await?;
                return Ok(None);
            };
            let left = limit.refund(Some(state), now);
            match left {
                Some(next) => {
                    let stmt = tx.prepare_cached(PUT_THROTTLE).await?;
                    tx.execute(&stmt, &[&text, &next.encode(), &secs(next.expires_at)])
                        .await?;
                }
                None => {
                    let stmt = tx.prepare_cached(DELETE_THROTTLE).await?;
                    tx.execute(&stmt, &[&text]).await?;
                }
            }
            tx.commit().await?;
            Ok(left)
        })
    }

    async fn clear_throttle(&self, key: &ThrottleKey) -> Result<bool, Error> {
        let text = key.to_text();
        attempt!(self, client => async {
            let stmt = client.prepare_cached(DELETE_THROTTLE).await?;
            Ok(client.execute(&stmt, &[&text]).await? == 1)
        })
    }
}
