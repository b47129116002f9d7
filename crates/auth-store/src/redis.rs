//! The Redis store: standalone (through a reconnecting `ConnectionManager`)
//! or Redis Cluster, with every multi-key step in one Lua script.
//!
//! ## Keys
//!
//! ```text
//! {prefix}:{b:XX}:s:{store key}   the encoded SessionRecord   TTL: the record's nearer deadline
//! {prefix}:{b:XX}:u:{user}        sorted set: score = created, member = store key
//! ```
//!
//! `XX` is a bucket in hex: for a session key the first byte of its store
//! key, for an index key [`user_bucket`] of the user. [`RedisStore`] asks the
//! session manager (through [`SessionStore::id_bucket`]) to draw IDs whose
//! store key falls in the user's bucket, so one user's session keys and
//! index share the hash tag `{b:XX}`, hence one Cluster slot, and a script
//! may touch all of them. The session key is found from the cookie alone,
//! so a load is one `GET`. The user part is [`encode_user_id`] (base64url),
//! so no user name can forge separators or braces.
//!
//! ## Expiry
//!
//! A session key expires at its record's [`SessionRecord::expires_at`]
//! (`PEXPIREAT`, absolute; moved on every update). The index never expires
//! before its latest member: each write extends it to at least that
//! member's deadline. An index member whose session key is gone (or now
//! holds another user's record) is dangling: it is never reported, and the
//! scripts that meet one remove it.

use core::fmt;
use core::future::Future;
use core::time::Duration;
use std::time::{SystemTime, UNIX_EPOCH};

use auth_core::Error;
use auth_core::session::{SessionRecord, StoreKey, user_bucket};
use auth_core::store::{SessionStore, encode_user_id};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::cluster::{ClusterClient, ClusterClientBuilder};
use redis::cluster_async::ClusterConnection;
use redis::{Client, RedisError, Script, Value};
use tokio::sync::OnceCell;

/// The default key prefix.
pub const DEFAULT_PREFIX: &str = "auth";

/// Latest expiry the store writes (9999-12-31T23:59:59Z, in milliseconds):
/// Redis refuses times that overflow its own clock arithmetic.
const MAX_EXPIRY_MS: u64 = 253_402_300_799_000;

/// How to reach Redis: the address(es), the key prefix and the timeouts.
///
/// `Debug` shows no addresses (a URL can carry a password).
#[derive(Clone)]
#[non_exhaustive]
pub struct RedisConfig {
    nodes: Vec<String>,
    cluster: bool,
    prefix: String,
    connection_timeout: Duration,
    response_timeout: Duration,
}

impl RedisConfig {
    /// One Redis server, e.g. `redis://127.0.0.1:6379/0`.
    #[must_use]
    pub fn standalone(url: &str) -> Self {
        Self {
            nodes: vec![url.into()],
            cluster: false,
            prefix: DEFAULT_PREFIX.into(),
            connection_timeout: Duration::from_secs(1),
            response_timeout: Duration::from_secs(1),
        }
    }

    /// A Redis Cluster, given one or more of its nodes (the client discovers
    /// the rest).
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
}

impl fmt::Debug for RedisConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisConfig")
            .field("nodes", &self.nodes.len())
            .field("cluster", &self.cluster)
            .field("prefix", &self.prefix)
            .field("connection_timeout", &self.connection_timeout)
            .field("response_timeout", &self.response_timeout)
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
    /// An address does not parse as a Redis URL.
    InvalidUrl,
}

impl fmt::Display for RedisConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::InvalidPrefix => "the redis key prefix must be non-empty and hold no braces",
            Self::NoNodes => "no redis address was given",
            Self::InvalidUrl => "a redis address does not parse",
        })
    }
}

impl core::error::Error for RedisConfigError {}

/// Where the connection comes from; built on first use, so the app starts
/// while Redis is down.
enum Target {
    Standalone(Client),
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
/// [`Error::StoreCorrupt`].
///
/// ```
/// use std::sync::Arc;
/// use std::time::Duration;
/// use auth_core::session::{SessionConfig, SessionManager};
/// use auth_store::{RedisConfig, RedisStore};
///
/// # fn main() -> Result<(), auth_store::RedisConfigError> {
/// // No I/O here: the app starts even while Redis is down.
/// let store = RedisStore::new(
///     RedisConfig::standalone("redis://127.0.0.1:6379/")
///         .prefix("myapp")
///         .response_timeout(Duration::from_millis(500)),
/// )?;
/// let sessions = SessionManager::new(Arc::new(store), SessionConfig::new());
///
/// // A Cluster: list some of its nodes.
/// let cluster = RedisStore::new(RedisConfig::cluster([
///     "redis://10.0.0.1:6379/",
///     "redis://10.0.0.2:6379/",
/// ]))?;
/// # let _ = (sessions, cluster);
/// # Ok(()) }
/// ```
pub struct RedisStore {
    target: Target,
    conn: OnceCell<Conn>,
    prefix: String,
    cluster: bool,
    connection_timeout: Duration,
    response_timeout: Duration,
    call_timeout: Duration,
    scripts: Scripts,
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
        let target = if config.cluster {
            // Parses the addresses; the connection is made on first use.
            let client = ClusterClientBuilder::new(config.nodes.iter().map(String::as_str))
                .connection_timeout(config.connection_timeout)
                .response_timeout(config.response_timeout)
                .retries(1)
                .build()
                .map_err(|_| RedisConfigError::InvalidUrl)?;
            Target::Cluster(Box::new(client))
        } else {
            let url = config.nodes.first().ok_or(RedisConfigError::NoNodes)?;
            Target::Standalone(
                Client::open(url.as_str()).map_err(|_| RedisConfigError::InvalidUrl)?,
            )
        };
        let call_timeout = config
            .connection_timeout
            .saturating_add(config.response_timeout.saturating_mul(4));
        Ok(Self {
            target,
            conn: OnceCell::new(),
            prefix: config.prefix,
            cluster: config.cluster,
            connection_timeout: config.connection_timeout,
            response_timeout: config.response_timeout,
            call_timeout,
            scripts: Scripts::new(),
        })
    }

    /// A standalone store at `url` with the default prefix and timeouts.
    pub fn open(url: &str) -> Result<Self, RedisConfigError> {
        Self::new(RedisConfig::standalone(url))
    }

    /// The name of the key holding the session under `key`.
    #[must_use]
    pub fn session_key(&self, key: &StoreKey) -> String {
        format!(
            "{}:{{b:{:02x}}}:s:{}",
            self.prefix,
            key.bucket(),
            key.to_text()
        )
    }

    /// The name of the sorted set indexing `user_id`'s sessions.
    #[must_use]
    pub fn user_key(&self, user_id: &str) -> String {
        format!(
            "{}:{{b:{:02x}}}:u:{}",
            self.prefix,
            user_bucket(user_id),
            encode_user_id(user_id)
        )
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
                        ConnectionManager::new_lazy_with_config(client.clone(), config)
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

    /// Runs one store call under the overall time bound.
    async fn bounded<T>(&self, call: impl Future<Output = Result<T, Error>>) -> Result<T, Error> {
        tokio::time::timeout(self.call_timeout, call)
            .await
            .unwrap_or_else(|_| Err(Error::StoreUnavailable("redis timed out".into())))
    }

    /// In a Cluster, a script may only touch one slot: refuse keys that
    /// were not drawn in the user's bucket rather than fail inside Redis.
    fn check_slot(&self, key: &StoreKey, user_id: &str) -> Result<(), Error> {
        if self.cluster && key.bucket() != user_bucket(user_id) {
            return Err(Error::StoreUnavailable(
                "in a redis cluster, session keys must be drawn in the user's bucket".into(),
            ));
        }
        Ok(())
    }

    async fn query<T: redis::FromRedisValue>(&self, cmd: &redis::Cmd) -> Result<T, Error> {
        let mut conn = self.conn().await?;
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

    async fn run<T: redis::FromRedisValue>(
        &self,
        invocation: &redis::ScriptInvocation<'_>,
    ) -> Result<T, Error> {
        let mut conn = self.conn().await?;
        match &mut conn {
            Conn::Standalone(c) => invocation.invoke_async(c).await,
            Conn::Cluster(c) => invocation.invoke_async(c).await,
        }
        .map_err(unavailable)
    }
}

/// The record's deadline in milliseconds, kept at least a millisecond in
/// the future (a past `PEXPIREAT` would delete at once, and an index must
/// never be given a past expiry) and within what Redis accepts.
fn expiry_ms(record: &SessionRecord, now_ms: u64) -> u64 {
    record
        .expires_at()
        .saturating_mul(1000)
        .max(now_ms.saturating_add(1))
        .min(MAX_EXPIRY_MS)
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or(0)
}

/// Maps a Redis failure to `store_unavailable`, with a message that names
/// the kind of failure only (never a key, a value or an address).
fn unavailable(err: RedisError) -> Error {
    let why = if err.is_timeout() {
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

/// The Lua the scripts share: finding a member's session key, the owner
/// check, and extending the index's expiry.
const PRELUDE: &str = r"
local B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
local function skey(prefix, m)
  if #m ~= 43 then return nil end
  local hi = string.find(B64, string.sub(m, 1, 1), 1, true)
  local lo = string.find(B64, string.sub(m, 2, 2), 1, true)
  if not hi or not lo then return nil end
  local b = (hi - 1) * 4 + math.floor((lo - 1) / 16)
  return prefix .. ':{b:' .. string.format('%02x', b) .. '}:s:' .. m
end
-- The record under sk if it belongs to user (an unreadable record counts
-- as the user's, so it is reported as corrupt, and deleted with the rest).
local function owned(sk, user)
  local v = redis.call('GET', sk)
  if not v then return nil end
  local ok, rec = pcall(cjson.decode, v)
  if ok and type(rec) == 'table' and type(rec.u) == 'string' and rec.u ~= user then
    return nil
  end
  return v
end
local function extend(idx, at, now)
  local pttl = redis.call('PTTL', idx)
  if pttl == -1 or (pttl >= 0 and tonumber(now) + pttl < tonumber(at)) then
    redis.call('PEXPIREAT', idx, at)
  end
end
";

/// KEYS: session, index. ARGV: prefix, value, expiry ms, created, member,
/// max per user (0: none), now ms, user.
const CREATE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
local max = tonumber(ARGV[6])
if max > 0 then
  local live = {}
  for _, m in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do
    local sk = skey(ARGV[1], m)
    if sk and owned(sk, ARGV[8]) then
      live[#live + 1] = {m, sk}
    else
      redis.call('ZREM', KEYS[2], m)
    end
  end
  for i = 1, #live + 1 - max do
    redis.call('DEL', live[i][2])
    redis.call('ZREM', KEYS[2], live[i][1])
  end
end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('PEXPIREAT', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], ARGV[4], ARGV[5])
extend(KEYS[2], ARGV[3], ARGV[7])
return 1
";

/// KEYS: session, index. ARGV: value, expiry ms, created, member, now ms.
const UPDATE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 then return 0 end
redis.call('SET', KEYS[1], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[4])
extend(KEYS[2], ARGV[2], ARGV[5])
return 1
";

/// KEYS: session, index (of the record's owner). ARGV: member.
const DELETE: &str = r"
local n = redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return n
";

/// KEYS: old session, new session, index. ARGV: value, expiry ms, created,
/// new member, old member, now ms.
const ROTATE: &str = r"
if redis.call('EXISTS', KEYS[1]) == 0 or redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('DEL', KEYS[1])
redis.call('ZREM', KEYS[3], ARGV[5])
redis.call('SET', KEYS[2], ARGV[1])
redis.call('PEXPIREAT', KEYS[2], ARGV[2])
redis.call('ZADD', KEYS[3], ARGV[3], ARGV[4])
extend(KEYS[3], ARGV[2], ARGV[6])
return 1
";

/// KEYS: index. ARGV: prefix, user. Returns member, value, member, value...
const LIST: &str = r"
local out = {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  local sk = skey(ARGV[1], m)
  local v = sk and owned(sk, ARGV[2])
  if v then
    out[#out + 1] = m
    out[#out + 1] = v
  else
    redis.call('ZREM', KEYS[1], m)
  end
end
return out
";

/// KEYS: index. ARGV: prefix, user, member to keep ('' for none).
const DELETE_USER: &str = r"
local n = 0
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if m ~= ARGV[3] then
    local sk = skey(ARGV[1], m)
    if sk and owned(sk, ARGV[2]) then
      redis.call('DEL', sk)
      n = n + 1
    end
    redis.call('ZREM', KEYS[1], m)
  end
end
return n
";

struct Scripts {
    create: Script,
    update: Script,
    delete: Script,
    rotate: Script,
    list: Script,
    delete_user: Script,
}

impl Scripts {
    fn new() -> Self {
        let with_prelude = |body: &str| Script::new(&format!("{PRELUDE}{body}"));
        Self {
            create: with_prelude(CREATE),
            update: with_prelude(UPDATE),
            delete: with_prelude(DELETE),
            rotate: with_prelude(ROTATE),
            list: with_prelude(LIST),
            delete_user: with_prelude(DELETE_USER),
        }
    }
}

impl SessionStore for RedisStore {
    async fn create(
        &self,
        key: &StoreKey,
        record: &SessionRecord,
        max_per_user: Option<usize>,
    ) -> Result<bool, Error> {
        self.check_slot(key, &record.user_id)?;
        let value = record.encode()?;
        let now = now_ms();
        let mut call = self.scripts.create.prepare_invoke();
        call.key(self.session_key(key))
            .key(self.user_key(&record.user_id))
            .arg(&self.prefix)
            .arg(value)
            .arg(expiry_ms(record, now))
            .arg(record.created)
            .arg(key.to_text())
            .arg(max_per_user.unwrap_or(0))
            .arg(now)
            .arg(&record.user_id);
        self.bounded(async { Ok(self.run::<i64>(&call).await? == 1) })
            .await
    }

    async fn load(&self, key: &StoreKey, now: u64) -> Result<Option<SessionRecord>, Error> {
        let name = self.session_key(key);
        let Some(bytes) = self.bounded(self.get(&name)).await? else {
            return Ok(None);
        };
        let record = SessionRecord::decode(&bytes)?;
        Ok((!record.is_expired(now)).then_some(record))
    }

    async fn update(&self, key: &StoreKey, record: &SessionRecord) -> Result<bool, Error> {
        self.check_slot(key, &record.user_id)?;
        let value = record.encode()?;
        let now = now_ms();
        let mut call = self.scripts.update.prepare_invoke();
        call.key(self.session_key(key))
            .key(self.user_key(&record.user_id))
            .arg(value)
            .arg(expiry_ms(record, now))
            .arg(record.created)
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
                // behind as a dangling member (removed when next met).
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
    ) -> Result<bool, Error> {
        self.check_slot(old, &record.user_id)?;
        self.check_slot(new, &record.user_id)?;
        let value = record.encode()?;
        let now = now_ms();
        let mut call = self.scripts.rotate.prepare_invoke();
        call.key(self.session_key(old))
            .key(self.session_key(new))
            .key(self.user_key(&record.user_id))
            .arg(value)
            .arg(expiry_ms(record, now))
            .arg(record.created)
            .arg(new.to_text())
            .arg(old.to_text())
            .arg(now);
        self.bounded(async { Ok(self.run::<i64>(&call).await? == 1) })
            .await
    }

    async fn list(&self, user_id: &str, now: u64) -> Result<Vec<(StoreKey, SessionRecord)>, Error> {
        let mut call = self.scripts.list.prepare_invoke();
        call.key(self.user_key(user_id))
            .arg(&self.prefix)
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
        // Oldest first; equal creation times in key order, as in memory.
        out.sort_by(|(ka, ra), (kb, rb)| (ra.created, ka).cmp(&(rb.created, kb)));
        Ok(out)
    }

    async fn delete_user(&self, user_id: &str, keep: Option<&StoreKey>) -> Result<usize, Error> {
        let mut call = self.scripts.delete_user.prepare_invoke();
        call.key(self.user_key(user_id))
            .arg(&self.prefix)
            .arg(user_id)
            .arg(keep.map(StoreKey::to_text).unwrap_or_default());
        let n: u64 = self.bounded(self.run(&call)).await?;
        usize::try_from(n).map_err(|_| Error::StoreCorrupt("redis returned an unexpected reply"))
    }

    fn id_bucket(&self, user_id: &str) -> Option<u8> {
        Some(user_bucket(user_id))
    }
}
