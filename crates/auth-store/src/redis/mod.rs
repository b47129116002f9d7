//! The Redis store: standalone (through a reconnecting `ConnectionManager`)
//! or Redis Cluster, with every multi-key step in one Lua script (the
//! `.lua` files beside this one, each opening with what it touches).
//!
//! ## Keys
//!
//! ```text
//! {base}:s:{store key}   the encoded SessionRecord              expires at the record's nearer deadline
//! {base}:u:{user}        sorted set: member = store key,        expires with its latest member
//!                        score = that session's expiry (ms)
//! {base}:g:{user}        the user's generation (an integer)     never expires
//! {prefix}:t:{throttle}  a failed-login throttle state          expires with the state
//!                        (`failures:blocked_until:expires_at`)
//! ```
//!
//! Token families, refresh-token records, the access-token denylist and the
//! token generations live beside them (`tf`, `tr`, `tu`, `tg`, `td`; see
//! the `tokens` module).
//!
//! `{base}` is the prefix, and, when the store has a [`BucketKey`] (always in
//! a Cluster), a hash tag `{b:XX}` naming the user's bucket: [`RedisStore`]
//! asks the session manager (through [`SessionStore::buckets`]) to draw IDs
//! whose store key falls in the user's bucket, so one user's session keys,
//! index and generation share one Cluster slot and one script may touch
//! them all. The bucket is keyed (HMAC under the server's secret), so a
//! cookie does not reveal whose it is. The session key is found from the
//! cookie alone, so a load is one `GET`. The user part is
//! [`encode_user_id`] (base64url), so no user id can forge separators or
//! braces.
//!
//! A throttle key is a [`ThrottleKey`] as text (a hash of an account name
//! or an address: Redis never holds either). Each stands alone, so it
//! carries no hash tag: every script touches one throttle key. A login
//! counts its two keys with two `count_attempt.lua` calls sent at once (to
//! their own nodes in a Cluster) and gives a count back with
//! `refund_attempt.lua`; a look (`load_throttles`) is one pipelined `GET`
//! pair, or two `GET`s at once in a Cluster. Its TTL is the state's
//! remaining life, counted on Redis's clock (`PX`).
//!
//! ## Expiry, on one clock
//!
//! A session key is written with `PXAT` at its record's
//! [`SessionRecord::expires_at`]; its index member is scored with the same
//! number; the scripts prune the index with Redis's own `TIME` and let it
//! expire with its latest member. Every comparison happens on Redis's
//! clock, so a skewed application clock can shorten or lengthen a session
//! but never separate a session from its index entry (which would let "log
//! out everywhere" miss it). Each user's index holds at most
//! [`MAX_SESSIONS_PER_USER`] members, so every script does bounded work.
//!
//! ## Eviction
//!
//! Under a `maxmemory-policy` other than `noeviction`, Redis may evict an
//! index or a generation while the sessions survive, and "log out
//! everywhere" would then miss them. On first use the store reads the
//! policy (`INFO memory`) and, unless told to accept the risk, refuses to
//! work (`store_unavailable`, naming the policy) until it is `noeviction`.
//!
//! ## TLS
//!
//! `rediss://` addresses connect over TLS (rustls, with ring's
//! cryptography). The server's certificate is always verified, chain and
//! name, against the system's roots or against the CAs given to
//! [`RedisConfig::tls_root_certificates`]; there is no way to turn that off
//! (an address ending in `#insecure` is refused).

use core::fmt;
use core::future::Future;
use core::time::Duration;

use auth_core::Error;
use auth_core::session::{BucketKey, SessionRecord, StoreKey};
use auth_core::store::{
    Created, MAX_SESSIONS_PER_USER, SessionStore, ThrottleStore, encode_user_id,
};
use auth_core::throttle::{Attempt, Limit, ThrottleKey, ThrottleState};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::{ClusterClient, ClusterClientBuilder};
use redis::cluster_async::ClusterConnection;
use redis::{
    Client, ClientTlsConfig, ConnectionAddr, IntoConnectionInfo, RedisError, Script,
    TlsCertificates, Value,
};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::sync::OnceCell;

mod tokens;

/// The default key prefix.
pub const DEFAULT_PREFIX: &str = "auth";

/// Latest expiry the store writes (9999-12-31T23:59:59Z, in milliseconds):
/// Redis refuses times that overflow its own clock arithmetic.
const MAX_EXPIRY_MS: u64 = 253_402_300_799_000;

/// How to reach Redis: the address(es), the key prefix, the bucket key,
/// the timeouts and the TLS trust.
///
/// `Debug` shows no addresses (a URL can carry a password), no secret and
/// no certificate or key.
#[derive(Clone)]
#[non_exhaustive]
pub struct RedisConfig {
    nodes: Vec<String>,
    cluster: bool,
    prefix: String,
    buckets: Option<BucketKey>,
    accept_eviction: bool,
    connection_timeout: Duration,
    response_timeout: Duration,
    tls_roots: Option<Vec<u8>>,
    tls_identity: Option<TlsIdentity>,
}

/// A client certificate chain and its private key, both PEM.
#[derive(Clone)]
struct TlsIdentity {
    cert_chain: Vec<u8>,
    // Not wiped on drop: redis-rs and rustls keep their own parsed copies
    // for as long as the store lives, so wiping this one would protect
    // nothing.
    key: Vec<u8>,
}

impl RedisConfig {
    /// One Redis server, e.g. `redis://127.0.0.1:6379/0` (or `rediss://`
    /// for TLS).
    #[must_use]
    pub fn standalone(url: &str) -> Self {
        Self {
            nodes: vec![url.into()],
            cluster: false,
            prefix: DEFAULT_PREFIX.into(),
            buckets: None,
            accept_eviction: false,
            connection_timeout: Duration::from_secs(1),
            response_timeout: Duration::from_secs(1),
            tls_roots: None,
            tls_identity: None,
        }
    }

    /// A Redis Cluster, given one or more of its nodes (the client discovers
    /// the rest). A Cluster needs [`RedisConfig::buckets`].
    #[must_use]
    pub fn cluster<I, S>(nodes: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            nodes: nodes.into_iter().map(Into::into).collect(),
            cluster: true,
            ..Self::standalone("")
        }
    }

    /// The prefix of every key name (default [`DEFAULT_PREFIX`]). It must be
    /// non-empty and hold no `{` or `}` (they would change the hash tag).
    #[must_use]
    pub fn prefix(mut self, prefix: &str) -> Self {
        prefix.clone_into(&mut self.prefix);
        self
    }

    /// Groups each user's keys in a bucket under this key (required for a
    /// Cluster, where a user's keys must share a slot; optional
    /// standalone, where it makes the key names a Cluster would use). Every
    /// process sharing the store must use the same secret.
    #[must_use]
    pub fn buckets(mut self, key: BucketKey) -> Self {
        self.buckets = Some(key);
        self
    }

    /// Works even when Redis's `maxmemory-policy` is not `noeviction`.
    /// **Dangerous**: Redis may then evict a user's index or generation
    /// while sessions survive, and "log out everywhere" would miss them.
    /// Only for deployments that accept that (see `docs/sessions.md`).
    #[must_use]
    pub fn accept_eviction_risk(mut self) -> Self {
        self.accept_eviction = true;
        self
    }

    /// How long one connection attempt may take (default 1 s).
    #[must_use]
    pub fn connection_timeout(mut self, timeout: Duration) -> Self {
        self.connection_timeout = timeout;
        self
    }

    /// How long Redis may take to answer one command (default 1 s). A whole
    /// store call is bounded by the connection timeout plus four response
    /// timeouts (a call makes at most three round trips).
    #[must_use]
    pub fn response_timeout(mut self, timeout: Duration) -> Self {
        self.response_timeout = timeout;
        self
    }

    /// Verifies the servers' certificates against the CA certificate(s) in
    /// `pem` (one or more `CERTIFICATE` blocks) **instead of** the system's
    /// roots: for a Redis whose certificate comes from a private CA. The
    /// addresses must be `rediss://`. Without it, `rediss://` verifies
    /// against the system's roots.
    ///
    /// ```no_run
    /// use auth_store::{RedisConfig, RedisStore};
    ///
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let ca = std::fs::read("/etc/myapp/redis-ca.pem")?;
    /// let store = RedisStore::new(
    ///     RedisConfig::standalone("rediss://redis.internal:6380/").tls_root_certificates(&ca),
    /// )?;
    /// # let _ = store;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn tls_root_certificates(mut self, pem: &[u8]) -> Self {
        self.tls_roots = Some(pem.to_vec());
        self
    }

    /// Presents this client certificate (`cert_chain_pem`: the certificate,
    /// then any intermediates) with its private key (`key_pem`: PKCS#8,
    /// PKCS#1 or SEC1) to a Redis that requires mutual TLS
    /// (`tls-auth-clients yes`). The addresses must be `rediss://`.
    #[must_use]
    pub fn tls_client_identity(mut self, cert_chain_pem: &[u8], key_pem: &[u8]) -> Self {
        self.tls_identity = Some(TlsIdentity {
            cert_chain: cert_chain_pem.to_vec(),
            key: key_pem.to_vec(),
        });
        self
    }

    /// Whether TLS options were given.
    fn has_tls_options(&self) -> bool {
        self.tls_roots.is_some() || self.tls_identity.is_some()
    }

    /// The TLS options in redis-rs's form, checked with the same parsers
    /// (and the same crypto provider) that will use them, so bad material is
    /// a configuration error now rather than an outage later.
    fn tls_certificates(&self) -> Result<TlsCertificates, RedisConfigError> {
        let provider = rustls::crypto::ring::default_provider();
        let root_cert = match &self.tls_roots {
            Some(pem) => {
                let mut roots = rustls::RootCertStore::empty();
                for cert in CertificateDer::pem_slice_iter(pem) {
                    let cert = cert.map_err(|_| RedisConfigError::InvalidTlsCertificate)?;
                    roots
                        .add(cert)
                        .map_err(|_| RedisConfigError::InvalidTlsCertificate)?;
                }
                // An empty store would trust nothing: every connection would
                // fail, far from the mistake that caused it.
                if roots.is_empty() {
                    return Err(RedisConfigError::InvalidTlsCertificate);
                }
                Some(pem.clone())
            }
            None => None,
        };
        let client_tls = match &self.tls_identity {
            Some(identity) => {
                let chain = CertificateDer::pem_slice_iter(&identity.cert_chain)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|_| RedisConfigError::InvalidTlsCertificate)?;
                let key = PrivateKeyDer::from_pem_slice(&identity.key)
                    .map_err(|_| RedisConfigError::InvalidTlsCertificate)?;
                // Refuses an empty chain, an unsupported key and a key that
                // does not belong to the certificate.
                rustls::sign::CertifiedKey::from_der(chain, key, &provider)
                    .map_err(|_| RedisConfigError::InvalidTlsCertificate)?;
                Some(ClientTlsConfig {
                    client_cert: identity.cert_chain.clone(),
                    client_key: identity.key.clone(),
                })
            }
            None => None,
        };
        Ok(TlsCertificates {
            client_tls,
            root_cert,
        })
    }
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig")
            .field("nodes", &self.nodes.len())
            .field("cluster", &self.cluster)
            .field("prefix", &self.prefix)
            .field("buckets", &self.buckets.is_some())
            .field("accept_eviction", &self.accept_eviction)
            .field("connection_timeout", &self.connection_timeout)
            .field("response_timeout", &self.response_timeout)
            .field("tls_root_certificates", &self.tls_roots.is_some())
            .field("tls_client_identity", &self.tls_identity.is_some())
            .finish()
    }
}

/// Why a [`RedisConfig`] was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RedisConfigError {
    /// The prefix is empty or holds `{` or `}`.
    InvalidPrefix,
    /// No node address was given.
    NoNodes,
    /// An address does not parse as a Redis URL, or a Cluster's addresses
    /// mix `redis://` and `rediss://`.
    InvalidUrl,
    /// A Cluster needs a bucket key ([`RedisConfig::buckets`]).
    MissingBuckets,
    /// An address asks to skip verifying the server's certificate
    /// (`rediss://...#insecure`), which this store never does.
    InsecureTls,
    /// TLS options were given but an address is not `rediss://`.
    TlsWithoutRediss,
    /// A TLS certificate or key does not parse, a root PEM holds no
    /// certificate, or the client key does not match its certificate.
    InvalidTlsCertificate,
}

impl fmt::Display for RedisConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidPrefix => "the redis key prefix must be non-empty and hold no braces",
            Self::NoNodes => "no redis address was given",
            Self::InvalidUrl => "a redis address does not parse",
            Self::MissingBuckets => "a redis cluster store needs a bucket key",
            Self::InsecureTls => "redis TLS without certificate verification is refused",
            Self::TlsWithoutRediss => "redis TLS options need rediss:// addresses",
            Self::InvalidTlsCertificate => "a redis TLS certificate or key is not usable",
        })
    }
}

impl core::error::Error for RedisConfigError {}

/// Where the connection comes from; built on first use, so the app starts
/// while Redis is down.
enum Target {
    Standalone(Box<Client>),
    Cluster(Box<ClusterClient>),
}

#[derive(Clone)]
enum Conn {
    Standalone(ConnectionManager),
    Cluster(ClusterConnection),
}

/// Sessions in Redis (standalone or Cluster).
///
/// Construction does no I/O; the connection is made on first use and
/// remade by itself after a failure. While Redis cannot be reached every
/// call fails with [`Error::StoreUnavailable`] within the configured
/// timeouts, never with "absent"; once Redis is back the same store works
/// again. Data Redis returns that does not decode is
/// [`Error::StoreCorrupt`]. Anyone who can write to this Redis can mint a
/// session: see `docs/sessions.md` for the trust boundary.
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use auth_core::session::{BucketKey, SessionConfig, SessionManager};
/// use auth_store::{RedisConfig, RedisStore};
///
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// // No I/O here: the app starts even while Redis is down.
/// let store = RedisStore::new(
///     RedisConfig::standalone("redis://127.0.0.1:6379/")
///         .prefix("myapp")
///         .response_timeout(Duration::from_millis(500)),
/// )?;
/// let sessions = SessionManager::new(Arc::new(store), SessionConfig::new());
///
/// // A Cluster: list some of its nodes, and give the bucket secret (the
/// // same 32+ random bytes in every process of the app).
/// let secret = [7u8; 32]; // from your secret store, not a literal
/// let cluster = RedisStore::new(
///     RedisConfig::cluster(["redis://10.0.0.1:6379/", "redis://10.0.0.2:6379/"])
///         .buckets(BucketKey::new(&secret)?),
/// )?;
/// # let _ = (sessions, cluster);
/// # Ok(()) }
/// ```
pub struct RedisStore {
    target: Target,
    conn: OnceCell<Conn>,
    policy_checked: OnceCell<()>,
    prefix: String,
    cluster: bool,
    buckets: Option<BucketKey>,
    accept_eviction: bool,
    connection_timeout: Duration,
    response_timeout: Duration,
    call_timeout: Duration,
    scripts: Scripts,
    token_scripts: tokens::TokenScripts,
}

impl fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisStore")
            .field("cluster", &self.cluster)
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// A store for `config`. Checks the configuration; connects on first use.
    pub fn new(config: RedisConfig) -> Result<Self, RedisConfigError> {
        if config.prefix.is_empty() || config.prefix.contains(['{', '}']) {
            return Err(RedisConfigError::InvalidPrefix);
        }
        if config.nodes.is_empty() {
            return Err(RedisConfigError::NoNodes);
        }
        if config.cluster && config.buckets.is_none() {
            return Err(RedisConfigError::MissingBuckets);
        }
        let tls = tls_of(&config.nodes)?;
        if config.has_tls_options() && !tls {
            return Err(RedisConfigError::TlsWithoutRediss);
        }
        let certs = if config.has_tls_options() {
            Some(config.tls_certificates()?)
        } else {
            None
        };
        if tls {
            install_crypto_provider();
        }
        let target = if config.cluster {
            // Parses the addresses; the connection is made on first use.
            let mut builder = ClusterClientBuilder::new(config.nodes.iter().map(String::as_str))
                .connection_timeout(config.connection_timeout)
                .response_timeout(config.response_timeout)
                .retries(1);
            if let Some(certs) = certs {
                builder = builder.certs(certs);
            }
            Target::Cluster(Box::new(
                builder.build().map_err(|_| RedisConfigError::InvalidUrl)?,
            ))
        } else {
            let url = config.nodes.first().ok_or(RedisConfigError::NoNodes)?;
            let client = match certs {
                Some(certs) => Client::build_with_tls(url.as_str(), certs),
                None => Client::open(url.as_str()),
            };
            Target::Standalone(Box::new(client.map_err(|_| RedisConfigError::InvalidUrl)?))
        };
        let call_timeout = config
            .connection_timeout
            .saturating_add(config.response_timeout.saturating_mul(4));
        Ok(Self {
            target,
            conn: OnceCell::new(),
            policy_checked: OnceCell::new(),
            prefix: config.prefix,
            cluster: config.cluster,
            buckets: config.buckets,
            accept_eviction: config.accept_eviction,
            connection_timeout: config.connection_timeout,
            response_timeout: config.response_timeout,
            call_timeout,
            scripts: Scripts::new(),
            token_scripts: tokens::TokenScripts::new(),
        })
    }

    /// A standalone store at `url` with the default prefix and timeouts.
    pub fn open(url: &str) -> Result<Self, RedisConfigError> {
        Self::new(RedisConfig::standalone(url))
    }

    /// Connects and checks Redis's eviction policy now, rather than on the
    /// first request: call it at start-up to refuse to start on a Redis
    /// that may evict (`store_unavailable` naming the policy) or that
    /// cannot be reached.
    pub async fn check(&self) -> Result<(), Error> {
        self.bounded(self.conn_checked()).await.map(drop)
    }

    /// Asks Redis whether it answers now (`PING`, under the same time
    /// bound as every call): a health check. `store_unavailable` when it
    /// does not; a store that recovered answers again without a restart.
    pub async fn ping(&self) -> Result<(), Error> {
        self.bounded(async {
            let pong: String = self.query(&redis::cmd("PING")).await?;
            if pong == "PONG" {
                Ok(())
            } else {
                Err(Error::StoreUnavailable("redis answered PING oddly".into()))
            }
        })
        .await
    }

    /// The prefix and, with buckets, the hash tag of a bucket.
    fn base(&self, bucket: Option<u8>) -> String {
        match bucket {
            Some(b) => format!("{}:{{b:{b:02x}}}", self.prefix),
            None => self.prefix.clone(),
        }
    }

    /// The base of `user_id`'s keys.
    fn user_base(&self, user_id: &str) -> String {
        self.base(self.buckets.as_ref().map(|b| b.of_user(user_id)))
    }

    /// The name of the key holding the session under `key`.
    #[must_use]
    pub fn session_key(&self, key: &StoreKey) -> String {
        let base = self.base(self.buckets.as_ref().map(|b| b.of_key(key)));
        format!("{base}:s:{}", key.to_text())
    }

    /// The name of the sorted set indexing `user_id`'s sessions.
    #[must_use]
    pub fn user_key(&self, user_id: &str) -> String {
        format!("{}:u:{}", self.user_base(user_id), encode_user_id(user_id))
    }

    /// The name of the key holding `user_id`'s generation.
    #[must_use]
    pub fn generation_key(&self, user_id: &str) -> String {
        format!("{}:g:{}", self.user_base(user_id), encode_user_id(user_id))
    }

    /// The name of the key holding a failed-login throttle state.
    #[must_use]
    pub fn throttle_key(&self, key: &ThrottleKey) -> String {
        format!("{}:t:{}", self.prefix, key.to_text())
    }

    async fn conn(&self) -> Result<Conn, Error> {
        self.conn
            .get_or_try_init(|| async {
                match &self.target {
                    Target::Standalone(client) => {
                        let config = ConnectionManagerConfig::new()
                            .set_connection_timeout(Some(self.connection_timeout))
                            .set_response_timeout(Some(self.response_timeout))
                            .set_number_of_retries(1)
                            .set_max_delay(Duration::from_millis(500));
                        ConnectionManager::new_lazy_with_config(Client::clone(client), config)
                            .map(Conn::Standalone)
                            .map_err(unavailable)
                    }
                    Target::Cluster(client) => client
                        .get_async_connection()
                        .await
                        .map(Conn::Cluster)
                        .map_err(unavailable),
                }
            })
            .await
            .cloned()
    }

    /// The connection, once the eviction policy has been seen to be safe
    /// (checked on first success, then remembered).
    async fn conn_checked(&self) -> Result<Conn, Error> {
        let mut conn = self.conn().await?;
        if !self.accept_eviction {
            self.policy_checked
                .get_or_try_init(|| check_policy(&mut conn))
                .await?;
        }
        Ok(conn)
    }

    /// Runs one store call under the overall time bound.
    async fn bounded<T>(&self, call: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
        tokio::time::timeout(self.call_timeout, call)
            .await
            .unwrap_or_else(|_| Err(Error::StoreUnavailable("redis timed out".into())))
    }

    /// With buckets, a script may only touch the user's bucket: refuse keys
    /// that were not drawn in it (a caller's mistake, not an outage).
    fn check_bucket(&self, key: &StoreKey, user_id: &str) -> Result<(), Error> {
        match &self.buckets {
            Some(b) if b.of_key(key) != b.of_user(user_id) => Err(Error::Misuse(
                "with buckets, session keys must be drawn in the user's bucket",
            )),
            _ => Ok(()),
        }
    }

    async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, Error> {
        let mut conn = self.conn_checked().await?;
        match &mut conn {
            Conn::Standalone(c) => cmd.query_async(c).await,
            Conn::Cluster(c) => cmd.query_async(c).await,
        }
        .map_err(unavailable)
    }

    async fn get(&self, name: &str) -> Result<Option<Vec<u8>>, Error> {
        let mut cmd = redis::cmd("GET");
        cmd.arg(name);
        self.query(&cmd).await
    }

    /// Two `GET`s in one round trip: one pipeline standalone; in a Cluster,
    /// where the keys may live on different nodes, both sent at once.
    async fn get_two(&self, a: &str, b: &str) -> Result<[Option<Vec<u8>>; 2], Error> {
        let mut conn = self.conn_checked().await?;
        let get = |name: &str| {
            let mut cmd = redis::cmd("GET");
            cmd.arg(name);
            cmd
        };
        let (first, second): (Option<Vec<u8>>, Option<Vec<u8>>) = match &mut conn {
            Conn::Standalone(c) => {
                let mut pipe = redis::pipe();
                pipe.add_command(get(a)).add_command(get(b));
                pipe.query_async(c).await.map_err(unavailable)?
            }
            Conn::Cluster(c) => {
                let (mut c2, ga, gb) = (c.clone(), get(a), get(b));
                let (first, second) = tokio::join!(ga.query_async(c), gb.query_async(&mut c2));
                (first.map_err(unavailable)?, second.map_err(unavailable)?)
            }
        };
        Ok([first, second])
    }

    async fn run<T: redis::FromRedisValue>(
        &self,
        invocation: &redis::ScriptInvocation<'_>,
    ) -> Result<T, Error> {
        let mut conn = self.conn_checked().await?;
        match &mut conn {
            Conn::Standalone(c) => invocation.invoke_async(c).await,
            Conn::Cluster(c) => invocation.invoke_async(c).await,
        }
        .map_err(unavailable)
    }
}

/// Whether the addresses are all `rediss://` (true) or all plain (false).
/// Refuses a mix (a Cluster's nodes share one mode; redis-rs would not
/// notice once TLS options are given) and `#insecure`.
fn tls_of(nodes: &[String]) -> Result<bool, RedisConfigError> {
    let mut tls = None;
    for node in nodes {
        let info = node
            .as_str()
            .into_connection_info()
            .map_err(|_| RedisConfigError::InvalidUrl)?;
        let this = match info.addr() {
            ConnectionAddr::TcpTls { insecure: true, .. } => {
                return Err(RedisConfigError::InsecureTls);
            }
            ConnectionAddr::TcpTls { .. } => true,
            _ => false,
        };
        if tls.replace(this).is_some_and(|seen| seen != this) {
            return Err(RedisConfigError::InvalidUrl);
        }
    }
    Ok(tls.unwrap_or(false))
}

/// redis-rs builds its rustls configuration with the process's default
/// crypto provider, and rustls panics at the first connection when it has
/// none and cannot pick one from its features alone (an application whose
/// dependencies also enable aws-lc-rs). So ring's is installed, unless the
/// application installed one of its own first, which is then kept.
fn install_crypto_provider() {
    if CryptoProvider::get_default().is_none() {
        // Fails only when another thread installed one in between: fine.
        let _ = rustls::crypto::ring::default_provider().install_default();
    }
}

/// Reads `maxmemory_policy` from `INFO memory` (every node's, in a
/// Cluster) and refuses anything but `noeviction`. A Redis that will not
/// say (a restricted `INFO`) cannot be checked and is accepted.
async fn check_policy(conn: &mut Conn) -> Result<(), Error> {
    let mut cmd = redis::cmd("INFO");
    cmd.arg("memory");
    let reply: Result<Value, RedisError> = match conn {
        Conn::Standalone(c) => cmd.query_async(c).await,
        Conn::Cluster(c) => cmd.query_async(c).await,
    };
    let reply = match reply {
        Ok(reply) => reply,
        Err(err) if err.code().is_some() => return Ok(()),
        Err(err) => return Err(unavailable(err)),
    };
    let mut policies = Vec::new();
    collect_policies(&reply, &mut policies);
    match policies.into_iter().find(|p| p != "noeviction") {
        Some(policy) => Err(Error::StoreUnavailable(format!(
            "redis maxmemory-policy is {policy}; sessions need noeviction (or RedisConfig::accept_eviction_risk)"
        ))),
        None => Ok(()),
    }
}

/// Every `maxmemory_policy:` value in an `INFO` reply, however the client
/// shaped it (one text, or one text per node).
fn collect_policies(value: &Value, out: &mut Vec<String>) {
    let text = match value {
        Value::BulkString(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        Value::SimpleString(s) => s.clone(),
        Value::VerbatimString { text, .. } => text.clone(),
        Value::Array(items) | Value::Set(items) => {
            for item in items {
                collect_policies(item, out);
            }
            return;
        }
        Value::Map(pairs) => {
            for (_, item) in pairs {
                collect_policies(item, out);
            }
            return;
        }
        _ => return,
    };
    for line in text.lines() {
        if let Some(policy) = line.trim().strip_prefix("maxmemory_policy:") {
            // Policy names are short ASCII words; anything else is cut.
            out.push(policy.chars().take(32).collect());
        }
    }
}

/// The record's deadline in milliseconds, as Redis accepts it (1 ms at the
/// earliest: a past time makes Redis drop the key at once, which is what an
/// expired record deserves).
fn expiry_ms(record: &SessionRecord) -> u64 {
    record
        .expires_at()
        .saturating_mul(1000)
        .clamp(1, MAX_EXPIRY_MS)
}

/// Maps a Redis failure to `store_unavailable`, with a message that names
/// the kind of failure only (never a key, a value or an address).
fn unavailable(err: RedisError) -> Error {
    let why = if let Some(why) = tls_failure(&err) {
        why.into()
    } else if err.is_timeout() {
        "redis timed out".into()
    } else if err.is_connection_refusal() {
        "redis refused the connection".into()
    } else if err.is_connection_dropped() {
        "the redis connection dropped".into()
    } else if err.is_io_error() {
        "redis i/o failed".into()
    } else if let Some(code) = err.code() {
        format!("redis answered with an error ({code})")
    } else {
        format!("redis failed ({:?})", err.kind())
    };
    Error::StoreUnavailable(why)
}

/// What went wrong in a failed TLS handshake, if that is what `err` is.
/// redis-rs passes rustls's error on only as text (inside an I/O error, or
/// in the message of a Cluster's first connection), so the text is read,
/// for rustls's two commonest failures, and never repeated.
fn tls_failure(err: &RedisError) -> Option<&'static str> {
    if err.kind() != redis::ErrorKind::Io {
        return None;
    }
    let text = err.to_string();
    if text.contains("invalid peer certificate") {
        Some("redis TLS failed: the server's certificate was refused")
    } else if text.contains("received fatal alert") {
        Some("redis TLS failed: the server refused the handshake")
    } else {
        None
    }
}

struct Scripts {
    create: Script,
    update: Script,
    delete: Script,
    rotate: Script,
    list: Script,
    delete_user: Script,
    count_attempt: Script,
    refund_attempt: Script,
}

impl Scripts {
    fn new() -> Self {
        const PRELUDE: &str = include_str!("prelude.lua");
        let with_prelude = |body: &str| Script::new(&format!("{PRELUDE}\n{body}"));
        Self {
            create: with_prelude(include_str!("create.lua")),
            update: with_prelude(include_str!("update.lua")),
            delete: with_prelude(include_str!("delete.lua")),
            rotate: with_prelude(include_str!("rotate.lua")),
            list: with_prelude(include_str!("list.lua")),
            delete_user: with_prelude(include_str!("delete_user.lua")),
            // Stands alone: it needs none of the session helpers.
            count_attempt: Script::new(include_str!("count_attempt.lua")),
            refund_attempt: Script::new(include_str!("refund_attempt.lua")),
        }
    }
}

impl SessionStore for RedisStore {
    async fn generation(&self, user_id: &str) -> Result<u64, Error> {
        let name = self.generation_key(user_id);
        let Some(bytes) = self.bounded(self.get(&name)).await? else {
            return Ok(0);
        };
        core::str::from_utf8(&bytes)
            .ok()
            .and_then(|text| text.parse().ok())
            .ok_or(Error::StoreCorrupt("a user's generation is not a number"))
    }

    async fn create(
        &self,
        key: &StoreKey,
        record: &SessionRecord,
        generation: u64,
        max_per_user: usize,
    ) -> Result<Created, Error> {
        self.check_bucket(key, &record.user_id)?;
        let value = record.encode()?;
        let mut call = self.scripts.create.prepare_invoke();
        call.key(self.session_key(key))
            .key(self.user_key(&record.user_id))
            .key(self.generation_key(&record.user_id))
            .arg(self.user_base(&record.user_id))
            .arg(value)
            .arg(expiry_ms(record))
            .arg(key.to_text())
            .arg(max_per_user.clamp(1, MAX_SESSIONS_PER_USER))
            .arg(generation)
            .arg(&record.user_id);
        match self.bounded(self.run::<i64>(&call)).await? {
            1 => Ok(Created::Stored),
            0 => Ok(Created::KeyTaken),
            2 => Ok(Created::GenerationMoved),
            _ => Err(Error::StoreCorrupt("redis returned an unexpected reply")),
        }
    }

    async fn load(&self, key: &StoreKey, now: u64) -> Result<Option<SessionRecord>, Error> {
        let name = self.session_key(key);
        let Some(bytes) = self.bounded(self.get(&name)).await? else {
            return Ok(None);
        };
        let record = SessionRecord::decode(&bytes)?;
        Ok((!record.is_expired(now)).then_some(record))
    }

    async fn update(
        &self,
        key: &StoreKey,
        record: &SessionRecord,
        now: u64,
    ) -> Result<bool, Error> {
        self.check_bucket(key, &record.user_id)?;
        let value = record.encode()?;
        let mut call = self.scripts.update.prepare_invoke();
        call.key(self.session_key(key))
            .key(self.user_key(&record.user_id))
            .arg(value)
            .arg(expiry_ms(record))
            .arg(key.to_text())
            .arg(now);
        self.bounded(async { Ok(self.run::<i64>(&call).await? == 1) })
            .await
    }

    async fn delete(&self, key: &StoreKey) -> Result<bool, Error> {
        let name = self.session_key(key);
        self.bounded(async {
            let Some(bytes) = self.get(&name).await? else {
                return Ok(false);
            };
            let n: i64 = if let Ok(record) = SessionRecord::decode(&bytes) {
                let mut call = self.scripts.delete.prepare_invoke();
                call.key(&name)
                    .key(self.user_key(&record.user_id))
                    .arg(key.to_text());
                self.run(&call).await?
            } else {
                // Unreadable: its owner is unknown, so its index entry stays
                // behind as a dangling member (removed when next met, and
                // by its score when the session would have expired).
                let mut cmd = redis::cmd("DEL");
                cmd.arg(&name);
                self.query(&cmd).await?
            };
            // 0: deleted by someone else between the read and the script.
            Ok(n == 1)
        })
        .await
    }

    async fn rotate(
        &self,
        old: &StoreKey,
        new: &StoreKey,
        record: &SessionRecord,
        now: u64,
    ) -> Result<bool, Error> {
        self.check_bucket(old, &record.user_id)?;
        self.check_bucket(new, &record.user_id)?;
        let value = record.encode()?;
        let mut call = self.scripts.rotate.prepare_invoke();
        call.key(self.session_key(old))
            .key(self.session_key(new))
            .key(self.user_key(&record.user_id))
            .arg(value)
            .arg(expiry_ms(record))
            .arg(new.to_text())
            .arg(old.to_text())
            .arg(now);
        self.bounded(async { Ok(self.run::<i64>(&call).await? == 1) })
            .await
    }

    async fn list(&self, user_id: &str, now: u64) -> Result<Vec<(StoreKey, SessionRecord)>, Error> {
        let mut call = self.scripts.list.prepare_invoke();
        call.key(self.user_key(user_id))
            .arg(self.user_base(user_id))
            .arg(user_id);
        let flat: Vec<Value> = self.bounded(self.run(&call)).await?;
        let mut out = Vec::with_capacity(flat.len() / 2);
        for pair in flat.chunks(2) {
            let [Value::BulkString(member), Value::BulkString(bytes)] = pair else {
                return Err(Error::StoreCorrupt("redis returned an unexpected reply"));
            };
            let key = core::str::from_utf8(member)
                .ok()
                .and_then(StoreKey::from_text)
                .ok_or(Error::StoreCorrupt("a session index holds a malformed key"))?;
            let record = SessionRecord::decode(bytes)?;
            if record.user_id == user_id && !record.is_expired(now) {
                out.push((key, record));
            }
        }
        Ok(out)
    }

    async fn delete_user(
        &self,
        user_id: &str,
        keep: Option<&StoreKey>,
        _now: u64,
    ) -> Result<usize, Error> {
        let mut call = self.scripts.delete_user.prepare_invoke();
        call.key(self.user_key(user_id))
            .key(self.generation_key(user_id))
            .arg(self.user_base(user_id))
            .arg(user_id)
            .arg(keep.map(StoreKey::to_text).unwrap_or_default());
        let n: u64 = self.bounded(self.run(&call)).await?;
        usize::try_from(n).map_err(|_| Error::StoreCorrupt("redis returned an unexpected reply"))
    }

    fn buckets(&self) -> Option<&BucketKey> {
        self.buckets.as_ref()
    }
}

impl RedisStore {
    /// Runs `count_attempt.lua` for one key.
    async fn count_attempt(
        &self,
        key: &ThrottleKey,
        limit: &Limit,
        now: u64,
    ) -> Result<Attempt, Error> {
        const CORRUPT: Error = Error::StoreCorrupt("a throttle state is not readable");
        let mut call = self.scripts.count_attempt.prepare_invoke();
        call.key(self.throttle_key(key))
            .arg(now)
            .arg(limit.free_failures())
            .arg(limit.window())
            .arg(limit.first_backoff())
            .arg(limit.max_backoff());
        let Value::Array(reply) = self.run::<Value>(&call).await? else {
            return Err(CORRUPT);
        };
        match reply.as_slice() {
            [Value::BulkString(what), Value::BulkString(state)] => {
                let state = ThrottleState::decode(state)?;
                match what.as_slice() {
                    b"counted" => Ok(Attempt::Counted(state)),
                    b"refused" => Ok(Attempt::Refused(state)),
                    _ => Err(CORRUPT),
                }
            }
            _ => Err(CORRUPT),
        }
    }
}

impl ThrottleStore for RedisStore {
    async fn load_throttles(
        &self,
        keys: [&ThrottleKey; 2],
        now: u64,
    ) -> Result<[Option<ThrottleState>; 2], Error> {
        let (a, b) = (self.throttle_key(keys[0]), self.throttle_key(keys[1]));
        let values = self.bounded(self.get_two(&a, &b)).await?;
        let mut states = [None, None];
        for (state, value) in states.iter_mut().zip(values) {
            if let Some(bytes) = value {
                *state = Some(ThrottleState::decode(&bytes)?).filter(|s| s.is_live(now));
            }
        }
        Ok(states)
    }

    async fn count_attempts(
        &self,
        attempts: [(&ThrottleKey, &Limit); 2],
        now: u64,
    ) -> Result<[Attempt; 2], Error> {
        let [(k1, l1), (k2, l2)] = attempts;
        // One script per key (they may live in different slots), both at
        // once.
        self.bounded(async {
            let (first, second) = tokio::join!(
                self.count_attempt(k1, l1, now),
                self.count_attempt(k2, l2, now)
            );
            Ok([first?, second?])
        })
        .await
    }

    async fn refund_attempt(
        &self,
        key: &ThrottleKey,
        limit: &Limit,
        now: u64,
    ) -> Result<Option<ThrottleState>, Error> {
        let mut call = self.scripts.refund_attempt.prepare_invoke();
        call.key(self.throttle_key(key))
            .arg(now)
            .arg(limit.free_failures());
        match self.bounded(self.run::<Value>(&call)).await? {
            Value::BulkString(bytes) if bytes.is_empty() => Ok(None),
            Value::BulkString(bytes) => ThrottleState::decode(&bytes).map(Some),
            _ => Err(Error::StoreCorrupt("a throttle state is not readable")),
        }
    }

    async fn clear_throttle(&self, key: &ThrottleKey) -> Result<bool, Error> {
        let mut cmd = redis::cmd("DEL");
        cmd.arg(self.throttle_key(key));
        let n: i64 = self.bounded(self.query(&cmd)).await?;
        Ok(n == 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(policy: &str) -> String {
        format!("# Memory\r\nused_memory:1\r\nmaxmemory_policy:{policy}\r\n")
    }

    /// Every shape a client gives an `INFO` reply (one text in RESP2 or
    /// RESP3, one per node in a Cluster) yields every node's policy.
    #[test]
    fn policies_are_found_in_every_reply_shape() {
        let bulk = |p: &str| Value::BulkString(info(p).into_bytes());
        let policies = |value: &Value| {
            let mut out = Vec::new();
            collect_policies(value, &mut out);
            out
        };
        assert_eq!(policies(&bulk("noeviction")), ["noeviction"]);
        assert_eq!(
            policies(&Value::SimpleString(info("allkeys-lru"))),
            ["allkeys-lru"]
        );
        assert_eq!(
            policies(&Value::VerbatimString {
                format: redis::VerbatimFormat::Text,
                text: info("volatile-lru"),
            }),
            ["volatile-lru"]
        );
        assert_eq!(
            policies(&Value::Array(vec![bulk("noeviction"), bulk("allkeys-lfu")])),
            ["noeviction", "allkeys-lfu"]
        );
        assert_eq!(
            policies(&Value::Set(vec![bulk("allkeys-random")])),
            ["allkeys-random"]
        );
        assert_eq!(
            policies(&Value::Map(vec![
                (
                    Value::SimpleString("127.0.0.1:7000".into()),
                    bulk("noeviction")
                ),
                (
                    Value::SimpleString("127.0.0.1:7001".into()),
                    bulk("volatile-ttl")
                ),
            ])),
            ["noeviction", "volatile-ttl"]
        );
        assert!(policies(&Value::Int(1)).is_empty());
        assert!(policies(&Value::Nil).is_empty());
    }
}
