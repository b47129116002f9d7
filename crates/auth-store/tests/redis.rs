//! The shared behaviour suite on `RedisStore`, plus what only Redis has:
//! real TTLs, key names and hash tags, failing closed while the server is
//! down (and recovering after), Redis Cluster, and TLS (standalone, mutual,
//! Cluster) with certificates the tests make with the `openssl` command.
//!
//! Each test starts its own `redis-server` (no persistence, a temporary
//! directory, a free loopback port) and kills it when done. With
//! `AUTH_TEST_REDIS_URL` set, the tests that need no server of their own
//! use that Redis instead (each store under its own key prefix). When no
//! Redis can be had, tests print `SKIPPED: ...` and pass, except with
//! `CI=true`, where they fail.

#![cfg(feature = "redis")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

extern crate alloc;

mod common;

use alloc::sync::Arc;
use core::sync::atomic::{AtomicUsize, Ordering};
use core::time::Duration;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Instant;

use auth_core::session::{
    BucketKey, SessionConfig, SessionId, SessionManager, SessionRecord, StoreKey,
};
use auth_core::store::{
    AccessState, Created, RefreshRules, Refreshed, SessionStore, ThrottleStore, TokenStore,
};
use auth_core::throttle::{Attempt, Limit, ThrottleConfig, ThrottleKey, ThrottleState};
use auth_core::tokens::FamilyRecord;
use auth_core::{Clock, Error, SystemClock};
use auth_store::{RedisConfig, RedisConfigError, RedisStore};
use common::login;

const REDIS_SERVER: &str = "/usr/bin/redis-server";

fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Says why a test cannot run: a failure under CI, a clear skip elsewhere.
fn skip(why: &str) {
    assert!(!in_ci(), "CI=true and {why}");
    eprintln!("SKIPPED: {why}");
}

fn unique(name: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{name}{}x{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

/// A `redis-server` of our own, killed (and its directory removed) on drop.
struct RedisServer {
    child: Option<Child>,
    port: u16,
    dir: PathBuf,
    extra: Vec<String>,
    /// Serves TLS only, on `port` (the plain port is off).
    tls: bool,
}

impl RedisServer {
    /// Starts a server on a free loopback port.
    fn start() -> Option<Self> {
        Self::start_with(&[])
    }

    fn start_with(extra: &[&str]) -> Option<Self> {
        Self::start_any(extra, false)
    }

    /// Starts a server that speaks only TLS, with `pki`'s server
    /// certificate `cert` (`server` or `misnamed`); with `auth_clients`, it
    /// requires a client certificate from the test CA.
    fn start_tls(pki: &Pki, cert: &str, auth_clients: bool, extra: &[&str]) -> Option<Self> {
        let mut args = pki.server_args(cert, auth_clients);
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        Self::start_any(&args, true)
    }

    fn start_any(extra: &[&str], tls: bool) -> Option<Self> {
        for _ in 0..5 {
            let port = free_port()?;
            if let Some(server) = Self::launch(port, extra, tls) {
                return Some(server);
            }
        }
        None
    }

    /// Starts a server on `port` (which must be free).
    fn start_on(port: u16, extra: &[&str]) -> Option<Self> {
        Self::launch(port, extra, false)
    }

    fn launch(port: u16, extra: &[&str], tls: bool) -> Option<Self> {
        let dir = std::env::temp_dir().join(unique("auth-store-redis-"));
        std::fs::create_dir_all(&dir).ok()?;
        let mut server = Self {
            child: None,
            port,
            dir,
            extra: extra.iter().map(|s| (*s).to_owned()).collect(),
            tls,
        };
        server.spawn().then_some(server)
    }

    fn spawn(&mut self) -> bool {
        let port = self.port.to_string();
        let ports: &[&str] = if self.tls {
            &["--port", "0", "--tls-port", &port]
        } else {
            &["--port", &port]
        };
        let child = Command::new(REDIS_SERVER)
            .args(ports)
            .args(["--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no"])
            .args(["--daemonize", "no", "--loglevel", "warning"])
            .arg("--dir")
            .arg(&self.dir)
            .args(&self.extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let Ok(child) = child else {
            return false;
        };
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(child) = self.child.as_mut()
                && child.try_wait().ok().flatten().is_some()
            {
                self.child = None;
                return false;
            }
            if self.ready() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stop();
        false
    }

    fn ready(&self) -> bool {
        if self.tls {
            // A TLS server cannot be pinged in plain text; that it listens
            // is enough (connections wait in the backlog until its event
            // loop runs).
            TcpStream::connect(("127.0.0.1", self.port)).is_ok()
        } else {
            ping(self.port)
        }
    }

    fn url(&self) -> String {
        let scheme = if self.tls { "rediss" } else { "redis" };
        format!("{scheme}://127.0.0.1:{}/", self.port)
    }

    /// Kills the server (SIGKILL: no goodbye to the clients).
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Sends a signal (`STOP`, `CONT`) to the server process.
    fn signal(&self, signal: &str) -> bool {
        let Some(child) = &self.child else {
            return false;
        };
        Command::new("kill")
            .arg(format!("-{signal}"))
            .arg(child.id().to_string())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Starts it again on the same port.
    fn restart(&mut self) -> bool {
        self.stop();
        // The port is ours again once the old process is gone; allow the
        // kernel a moment if the bind races.
        for _ in 0..50 {
            if self.spawn() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        false
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A test CA and certificates it signed, made with the `openssl` command
/// line (P-256 keys, valid for two days) in a directory of their own,
/// removed on drop: `server` (for 127.0.0.1), `misnamed` (for another name
/// only) and `client` (for mutual TLS).
struct Pki {
    dir: PathBuf,
}

impl Pki {
    fn new() -> Option<Self> {
        let dir = std::env::temp_dir().join(unique("auth-store-pki-"));
        std::fs::create_dir_all(&dir).ok()?;
        let pki = Self { dir };
        let made = pki.openssl(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-256",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.crt",
            "-subj",
            "/CN=auth-store test CA",
            "-days",
            "2",
        ]) && pki.issue(
            "server",
            "subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n",
        ) && pki.issue(
            "misnamed",
            "subjectAltName=DNS:elsewhere.invalid\nextendedKeyUsage=serverAuth\n",
        ) && pki.issue("client", "extendedKeyUsage=clientAuth\n");
        made.then_some(pki)
    }

    /// `NAME.key` and `NAME.crt`, signed by the CA, with extensions `ext`.
    fn issue(&self, name: &str, ext: &str) -> bool {
        let ext_file = format!("{name}.ext");
        let (key, csr, crt) = (
            format!("{name}.key"),
            format!("{name}.csr"),
            format!("{name}.crt"),
        );
        std::fs::write(self.dir.join(&ext_file), ext).is_ok()
            && self.openssl(&[
                "req",
                "-new",
                "-newkey",
                "ec",
                "-pkeyopt",
                "ec_paramgen_curve:P-256",
                "-nodes",
                "-keyout",
                &key,
                "-out",
                &csr,
                "-subj",
                &format!("/CN={name}"),
            ])
            && self.openssl(&[
                "x509",
                "-req",
                "-in",
                &csr,
                "-CA",
                "ca.crt",
                "-CAkey",
                "ca.key",
                "-CAcreateserial",
                "-days",
                "2",
                "-extfile",
                &ext_file,
                "-out",
                &crt,
            ])
    }

    fn openssl(&self, args: &[&str]) -> bool {
        Command::new("openssl")
            .args(args)
            .current_dir(&self.dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    fn path(&self, file: &str) -> String {
        self.dir.join(file).to_string_lossy().into_owned()
    }

    fn read(&self, file: &str) -> Vec<u8> {
        std::fs::read(self.dir.join(file)).unwrap()
    }

    /// `redis-server` arguments serving `cert` (and presenting it to the
    /// other nodes of a Cluster).
    fn server_args(&self, cert: &str, auth_clients: bool) -> Vec<String> {
        vec![
            "--tls-cert-file".into(),
            self.path(&format!("{cert}.crt")),
            "--tls-key-file".into(),
            self.path(&format!("{cert}.key")),
            "--tls-ca-cert-file".into(),
            self.path("ca.crt"),
            "--tls-auth-clients".into(),
            if auth_clients { "yes" } else { "no" }.into(),
        ]
    }

    /// `redis-cli` arguments to reach a TLS server of this CA.
    fn cli_args(&self) -> Vec<String> {
        vec!["--tls".into(), "--cacert".into(), self.path("ca.crt")]
    }
}

impl Drop for Pki {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// A test CA, or a skip (a failure under CI) saying why not.
fn pki() -> Option<Pki> {
    let pki = Pki::new();
    if pki.is_none() {
        skip("the openssl command line did not make test certificates");
    }
    pki
}

fn free_port() -> Option<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").ok()?;
    Some(listener.local_addr().ok()?.port())
}

fn ping(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    if s.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 7];
    s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
}

/// A Redis to test against: `AUTH_TEST_REDIS_URL`, or a server of our own.
fn redis() -> Option<(String, Option<RedisServer>)> {
    if let Ok(url) = std::env::var("AUTH_TEST_REDIS_URL")
        && !url.is_empty()
    {
        return Some((url, None));
    }
    match RedisServer::start() {
        Some(server) => Some((server.url(), Some(server))),
        None => {
            skip(&format!(
                "no Redis: AUTH_TEST_REDIS_URL is unset and {REDIS_SERVER} did not start"
            ));
            None
        }
    }
}

/// The bucket key every test store shares (a real app reads its secret
/// from its secret store).
fn bucket_key() -> BucketKey {
    BucketKey::new(&[42; 32]).unwrap()
}

/// A store with buckets, as a Cluster needs (and the key names a Cluster
/// uses).
fn store_at(url: &str) -> RedisStore {
    RedisStore::new(
        RedisConfig::standalone(url)
            .prefix(&unique("authtest"))
            .buckets(bucket_key()),
    )
    .unwrap()
}

/// A store without buckets: plain key names.
fn plain_store_at(url: &str) -> RedisStore {
    RedisStore::new(RedisConfig::standalone(url).prefix(&unique("plain"))).unwrap()
}

/// A store with the server it talks to, so the server lives as long as
/// the store.
struct Served {
    store: RedisStore,
    _server: Option<RedisServer>,
}

fn served_with(make: fn(&str) -> RedisStore) -> Option<Served> {
    let (url, server) = redis()?;
    Some(Served {
        store: make(&url),
        _server: server,
    })
}

impl SessionStore for Served {
    async fn generation(&self, user: &str) -> Result<u64, Error> {
        self.store.generation(user).await
    }
    async fn create(
        &self,
        key: &StoreKey,
        record: &SessionRecord,
        generation: u64,
        max: usize,
    ) -> Result<Created, Error> {
        self.store.create(key, record, generation, max).await
    }
    async fn load(&self, key: &StoreKey, now: u64) -> Result<Option<SessionRecord>, Error> {
        self.store.load(key, now).await
    }
    async fn update(
        &self,
        key: &StoreKey,
        record: &SessionRecord,
        now: u64,
    ) -> Result<bool, Error> {
        self.store.update(key, record, now).await
    }
    async fn delete(&self, key: &StoreKey) -> Result<bool, Error> {
        self.store.delete(key).await
    }
    async fn rotate(
        &self,
        old: &StoreKey,
        new: &StoreKey,
        record: &SessionRecord,
        now: u64,
    ) -> Result<bool, Error> {
        self.store.rotate(old, new, record, now).await
    }
    async fn list(&self, user: &str, now: u64) -> Result<Vec<(StoreKey, SessionRecord)>, Error> {
        self.store.list(user, now).await
    }
    async fn delete_user(
        &self,
        user: &str,
        keep: Option<&StoreKey>,
        now: u64,
    ) -> Result<usize, Error> {
        self.store.delete_user(user, keep, now).await
    }
    fn buckets(&self) -> Option<&BucketKey> {
        self.store.buckets()
    }
}

impl TokenStore for Served {
    async fn token_generation(&self, user: &str) -> Result<u64, Error> {
        self.store.token_generation(user).await
    }
    async fn create_family(
        &self,
        family: &FamilyRecord,
        generation: u64,
        max: usize,
    ) -> Result<Created, Error> {
        self.store.create_family(family, generation, max).await
    }
    async fn refresh(
        &self,
        presented: &StoreKey,
        next: &StoreKey,
        now: u64,
        rules: RefreshRules,
    ) -> Result<Refreshed, Error> {
        self.store.refresh(presented, next, now, rules).await
    }
    async fn access_state(
        &self,
        user: &str,
        family: &str,
        denied: &StoreKey,
        now: u64,
    ) -> Result<AccessState, Error> {
        self.store.access_state(user, family, denied, now).await
    }
    async fn deny(&self, user: &str, key: &StoreKey, until: u64, now: u64) -> Result<(), Error> {
        self.store.deny(user, key, until, now).await
    }
    async fn delete_family(&self, user: &str, family: &str) -> Result<bool, Error> {
        self.store.delete_family(user, family).await
    }
    async fn list_families(&self, user: &str, now: u64) -> Result<Vec<FamilyRecord>, Error> {
        self.store.list_families(user, now).await
    }
    async fn delete_user_families(&self, user: &str, now: u64) -> Result<usize, Error> {
        self.store.delete_user_families(user, now).await
    }
    fn token_buckets(&self) -> Option<&BucketKey> {
        self.store.token_buckets()
    }
}

impl ThrottleStore for Served {
    async fn load_throttles(
        &self,
        keys: [&ThrottleKey; 2],
        now: u64,
    ) -> Result<[Option<ThrottleState>; 2], Error> {
        self.store.load_throttles(keys, now).await
    }
    async fn count_attempts(
        &self,
        attempts: [(&ThrottleKey, &Limit); 2],
        now: u64,
    ) -> Result<[Attempt; 2], Error> {
        self.store.count_attempts(attempts, now).await
    }
    async fn refund_attempt(
        &self,
        key: &ThrottleKey,
        limit: &Limit,
        now: u64,
    ) -> Result<Option<ThrottleState>, Error> {
        self.store.refund_attempt(key, limit, now).await
    }
    async fn clear_throttle(&self, key: &ThrottleKey) -> Result<bool, Error> {
        self.store.clear_throttle(key).await
    }
}

// Without a Redis, each suite test prints SKIPPED and returns (or fails
// under CI) before the suite body runs.
store_suite!(match served_with(store_at) {
    Some(served) => ::core::future::ready(served),
    None => return,
});
token_suite!(match served_with(store_at) {
    Some(served) => ::core::future::ready(served),
    None => return,
});

/// The throttling suite (throttle keys carry no bucket: one store shape is
/// enough).
mod throttling {
    use super::{common, served_with, store_at};

    crate::throttle_suite!(match served_with(store_at) {
        Some(served) => ::core::future::ready(served),
        None => return,
    });
}

/// The same suites on a store without buckets (plain key names).
mod plain {
    use super::{common, plain_store_at, served_with};

    crate::store_suite!(match served_with(plain_store_at) {
        Some(served) => ::core::future::ready(served),
        None => return,
    });
    crate::token_suite!(match served_with(plain_store_at) {
        Some(served) => ::core::future::ready(served),
        None => return,
    });
}

/// No key or value in Redis holds a raw refresh token or a raw `jti`; every
/// token key carries a TTL; a user's token keys share one hash tag.
#[tokio::test]
async fn token_keys_hold_no_raw_token_and_all_expire() {
    use common::tokens::{config, issue, service};
    let Some((url, _server)) = redis() else {
        return;
    };
    let store = store_at(&url);
    let t = common::t0();
    let user = unique("rawtok");
    let s = service(&store, config());
    let first = issue(&s, &user, t).await.unwrap();
    let second = s
        .refresh(&first.refresh_token.expose(), t + 1)
        .await
        .unwrap();
    s.revoke_access(&second.access_token, t + 1).await.unwrap();
    let access: auth_core::tokens::Access<serde_json::Value> =
        s.verify(&second.access_token, t + 1).unwrap();

    let mut conn = raw(&url).await;
    let names = [
        store.family_key(&user, &first.family_id),
        store.refresh_key(&first.refresh_token.store_key()),
        store.refresh_key(&second.refresh_token.store_key()),
        store.families_key(&user),
    ];
    let tag = hash_tag(&names[0]).to_owned();
    for name in &names {
        assert!(exists(&mut conn, name).await, "{name}");
        assert!(pttl(&mut conn, name).await > 0, "{name} has a TTL");
        assert_eq!(hash_tag(name), tag, "{name}");
    }
    let prefix = names[0].split(":{").next().unwrap().to_owned();
    let keys: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    // A family, two token records, the index and a denylist entry (the
    // generation key appears only once it has moved).
    assert_eq!(keys.len(), 5, "{keys:?}");
    let mut dump = String::new();
    for key in &keys {
        assert!(pttl(&mut conn, key).await > 0, "{key} has a TTL");
        let kind: String = redis::cmd("TYPE")
            .arg(key)
            .query_async(&mut conn)
            .await
            .unwrap();
        let value: String = match kind.as_str() {
            "string" => redis::cmd("GET")
                .arg(key)
                .query_async(&mut conn)
                .await
                .unwrap(),
            "hash" => {
                let v: Vec<String> = redis::cmd("HGETALL")
                    .arg(key)
                    .query_async(&mut conn)
                    .await
                    .unwrap();
                v.join(" ")
            }
            _ => {
                let v: Vec<String> = redis::cmd("ZRANGE")
                    .arg(key)
                    .arg(0)
                    .arg(-1)
                    .query_async(&mut conn)
                    .await
                    .unwrap();
                v.join(" ")
            }
        };
        dump.push_str(key);
        dump.push(' ');
        dump.push_str(&value);
        dump.push('\n');
    }
    for secret in [
        first.refresh_token.expose().to_string(),
        second.refresh_token.expose().to_string(),
        access.jti.clone(),
    ] {
        assert!(!dump.contains(&secret), "{secret} in {dump}");
    }
    // "Revoke everything" moves the generation, kept well past the age at
    // which a login ticket is refused (LOGIN_TICKET_TTL + an hour).
    s.revoke_all(&user, t + 2).await.unwrap();
    let generation = pttl(&mut conn, &store.token_generation_key(&user)).await;
    assert!(
        (4_190_000..=4_200_000).contains(&generation),
        "generation TTL {generation} ms"
    );
    // A family Redis holds that does not parse is store_corrupt, never a
    // made-up "unknown" or a rotation.
    let third = issue(&s, &user, t + 3).await.unwrap();
    let _: () = redis::cmd("SET")
        .arg(store.family_key(&user, &third.family_id))
        .arg("garbage")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(
        s.refresh(&third.refresh_token.expose(), t + 4)
            .await
            .unwrap_err(),
        Error::StoreCorrupt("token family does not parse")
    );
}

#[tokio::test]
async fn tokens_fail_closed_while_redis_is_down() {
    use common::tokens::{config, issue, service};
    let Some(port) = free_port() else {
        skip("no free loopback port");
        return;
    };
    let store = RedisStore::new(
        RedisConfig::standalone(&format!("redis://127.0.0.1:{port}/"))
            .connection_timeout(Duration::from_millis(500))
            .response_timeout(Duration::from_millis(500)),
    )
    .unwrap();
    let s = service(&store, config());
    let t = common::t0();
    let user = unique("tokfault");
    fails_closed("issue before start", issue(&s, &user, t)).await;
    let Some(mut server) = RedisServer::start_on(port, &[]) else {
        skip(&format!("{REDIS_SERVER} did not start"));
        return;
    };
    let pair = eventually("issue after start", async || issue(&s, &user, t).await).await;
    server.stop();
    let refresh = pair.refresh_token.expose().to_string();
    fails_closed(
        "authenticate",
        s.authenticate::<serde_json::Value>(&pair.access_token, t + 1),
    )
    .await;
    fails_closed("refresh", s.refresh(&refresh, t + 1)).await;
    fails_closed("revoke_access", s.revoke_access(&pair.access_token, t + 1)).await;
    fails_closed("logout", s.logout(&pair.access_token, t + 1)).await;
    fails_closed("revoke_all", s.revoke_all(&user, t + 1)).await;
    fails_closed("list", s.list(&user, t + 1)).await;
    fails_closed("begin_login", s.begin_login(&user, t + 1)).await;
    // Verification alone needs no store, and still works.
    assert!(
        s.verify::<serde_json::Value>(&pair.access_token, t + 1)
            .is_ok()
    );
}

async fn raw(url: &str) -> redis::aio::MultiplexedConnection {
    redis::Client::open(url)
        .unwrap()
        .get_multiplexed_async_connection()
        .await
        .unwrap()
}

async fn exists(conn: &mut redis::aio::MultiplexedConnection, key: &str) -> bool {
    redis::cmd("EXISTS")
        .arg(key)
        .query_async::<i64>(conn)
        .await
        .unwrap()
        == 1
}

async fn pttl(conn: &mut redis::aio::MultiplexedConnection, key: &str) -> i64 {
    redis::cmd("PTTL").arg(key).query_async(conn).await.unwrap()
}

fn hash_tag(key: &str) -> &str {
    let open = key.find('{').unwrap();
    let close = open + key[open..].find('}').unwrap();
    &key[open..=close]
}

#[tokio::test]
async fn keys_carry_ttls_and_really_expire() {
    let Some((url, _server)) = redis() else {
        return;
    };
    let store = store_at(&url);
    let mut conn = raw(&url).await;
    let m = SessionManager::new(
        &store,
        SessionConfig::new().idle_timeout(2).absolute_timeout(60),
    );
    let user = unique("ttl");
    let s = login(&m, &user, None, common::meta("ua"), SystemClock.now())
        .await
        .unwrap();
    let session_key = store.session_key(&s.id.store_key());
    let user_key = store.user_key(&user);
    for key in [&session_key, &user_key] {
        assert!(exists(&mut conn, key).await, "{key} written");
        let ttl = pttl(&mut conn, key).await;
        assert!(ttl > 0 && ttl <= 2000, "{key} has a TTL ({ttl} ms)");
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    for key in [&session_key, &user_key] {
        assert!(
            !exists(&mut conn, key).await,
            "{key} gone after its deadline"
        );
    }
    assert!(
        m.authenticate(&s.id.expose(), SystemClock.now())
            .await
            .unwrap()
            .is_none()
    );

    // An update moves the TTL with the record; the index follows the
    // latest member.
    let m = SessionManager::new(
        &store,
        SessionConfig::new()
            .idle_timeout(100)
            .absolute_timeout(1000)
            .touch_interval(10),
    );
    let t = SystemClock.now();
    let s = login(&m, &user, None, common::meta("ua"), t).await.unwrap();
    let key = store.session_key(&s.id.store_key());
    let before = pttl(&mut conn, &key).await;
    assert!(before > 0 && before <= 100_000, "{before}");
    m.authenticate(&s.id.expose(), t + 50)
        .await
        .unwrap()
        .unwrap();
    let after = pttl(&mut conn, &key).await;
    assert!(after > 100_000 && after <= 150_000, "{after}");
    assert!(pttl(&mut conn, &user_key).await >= after - 1000);
}

#[tokio::test]
async fn key_names_share_a_hash_tag_and_never_hold_the_id() {
    let Some((url, _server)) = redis() else {
        return;
    };
    let prefix = unique("shape");
    let store = RedisStore::new(
        RedisConfig::standalone(&url)
            .prefix(&prefix)
            .buckets(bucket_key()),
    )
    .unwrap();
    let mut conn = raw(&url).await;
    let m = SessionManager::new(&store, common::config());
    let user = format!("{}{{evil}}:u:x", unique("shape"));
    let s = login(&m, &user, None, common::meta("ua"), common::t0())
        .await
        .unwrap();
    let key = s.id.store_key();
    let session_key = store.session_key(&key);
    let user_key = store.user_key(&user);
    let buckets = bucket_key();
    assert_eq!(
        session_key,
        format!(
            "{prefix}:{{b:{:02x}}}:s:{}",
            buckets.of_key(&key),
            key.to_text()
        )
    );
    assert!(user_key.starts_with(&format!("{prefix}:{{b:")));
    assert_eq!(hash_tag(&session_key), hash_tag(&user_key));
    assert_eq!(
        hash_tag(&session_key),
        hash_tag(&store.generation_key(&user))
    );
    assert_eq!(
        hash_tag(&user_key),
        format!("{{b:{:02x}}}", buckets.of_user(&user))
    );
    assert!(
        !user_key.contains("evil"),
        "user ids are encoded: {user_key}"
    );

    let cookie = s.id.expose();
    let names: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(names.len(), 2, "{names:?}");
    for name in &names {
        assert!(!name.contains(cookie.as_str()));
        let value: Vec<u8> = if name == &user_key {
            let members: Vec<String> = redis::cmd("ZRANGE")
                .arg(name)
                .arg(0)
                .arg(-1)
                .query_async(&mut conn)
                .await
                .unwrap();
            assert_eq!(members, [key.to_text()]);
            members.concat().into_bytes()
        } else {
            redis::cmd("GET")
                .arg(name)
                .query_async(&mut conn)
                .await
                .unwrap()
        };
        let text = String::from_utf8(value).unwrap();
        assert!(!text.contains(cookie.as_str()), "{name} holds the ID");
    }
    let value: Vec<u8> = redis::cmd("GET")
        .arg(&session_key)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(SessionRecord::decode(&value).unwrap(), s.record);
}

#[tokio::test]
async fn dangling_index_entries_are_skipped_and_removed() {
    let Some((url, _server)) = redis() else {
        return;
    };
    // Without buckets: a record moved to another user (below) stays where
    // its key is.
    let store = plain_store_at(&url);
    let mut conn = raw(&url).await;
    let m = SessionManager::new(&store, common::config());
    let t = common::t0();
    let user = unique("dangle");
    let a = login(&m, &user, None, common::meta("a"), t).await.unwrap();
    let b = login(&m, &user, None, common::meta("b"), t + 1)
        .await
        .unwrap();
    // Redis dropped one session on its own (eviction, say).
    let _: i64 = redis::cmd("DEL")
        .arg(store.session_key(&a.id.store_key()))
        .query_async(&mut conn)
        .await
        .unwrap();
    let listed = store.list(&user, t + 2).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].0, b.id.store_key());
    let card: i64 = redis::cmd("ZCARD")
        .arg(store.user_key(&user))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(card, 1, "the dangling entry was removed");
    assert_eq!(store.delete_user(&user, None, t + 2).await.unwrap(), 1);
    assert!(!exists(&mut conn, &store.user_key(&user)).await);

    // A record moved to another user by an update leaves the old index.
    let key = login(&m, &user, None, common::meta("c"), t)
        .await
        .unwrap()
        .id
        .store_key();
    let other = unique("other");
    let moved = common::record(&other, t, "moved");
    assert!(store.update(&key, &moved, t + 1).await.unwrap());
    assert!(store.list(&user, t + 1).await.unwrap().is_empty());
    assert_eq!(store.list(&other, t + 1).await.unwrap().len(), 1);
    assert_eq!(store.delete_user(&user, None, t + 1).await.unwrap(), 0);
    assert!(store.load(&key, t + 1).await.unwrap().is_some());
    assert_eq!(store.delete_user(&other, None, t + 1).await.unwrap(), 1);
}

#[tokio::test]
async fn unreadable_data_is_store_corrupt() {
    let Some((url, _server)) = redis() else {
        return;
    };
    let store = store_at(&url);
    let mut conn = raw(&url).await;
    let key = SessionId::generate().unwrap().store_key();
    let _: () = redis::cmd("SET")
        .arg(store.session_key(&key))
        .arg("not a record")
        .query_async(&mut conn)
        .await
        .unwrap();
    let err = store.load(&key, common::t0()).await.unwrap_err();
    assert!(matches!(err, Error::StoreCorrupt(_)), "{err:?}");
    assert_eq!(err.code(), "store_corrupt");
    // A logout still removes it.
    assert!(store.delete(&key).await.unwrap());
    assert!(store.load(&key, common::t0()).await.unwrap().is_none());
}

#[test]
fn configuration_is_checked_without_connecting() {
    for bad in ["", "a{b", "a}b", "{auth}"] {
        assert_eq!(
            RedisStore::new(RedisConfig::standalone("redis://127.0.0.1/").prefix(bad)).unwrap_err(),
            RedisConfigError::InvalidPrefix,
            "{bad:?}"
        );
    }
    assert_eq!(
        RedisStore::open("not a url").unwrap_err(),
        RedisConfigError::InvalidUrl
    );
    assert_eq!(
        RedisStore::new(RedisConfig::cluster(Vec::<String>::new())).unwrap_err(),
        RedisConfigError::NoNodes
    );
    assert_eq!(
        RedisStore::new(RedisConfig::cluster(["redis://127.0.0.1:1/"])).unwrap_err(),
        RedisConfigError::MissingBuckets
    );
    assert!(
        RedisStore::new(RedisConfig::cluster(["redis://127.0.0.1:1/"]).buckets(bucket_key()))
            .is_ok()
    );
    // Nothing listens there: construction still succeeds (no I/O), and
    // `Debug` shows no address (URLs can carry passwords).
    let store = RedisStore::open("redis://:hunter2@127.0.0.1:1/").unwrap();
    let shown = format!("{store:?}");
    assert!(!shown.contains("hunter2"));
    assert!(
        shown.starts_with("RedisStore { cluster: false, prefix: "),
        "{shown}"
    );
    let config = RedisConfig::standalone("redis://:hunter2@127.0.0.1:1/").buckets(bucket_key());
    let shown = format!("{config:?}");
    assert!(!shown.contains("hunter2"));
    assert!(!shown.contains("42"), "{shown}");
    assert!(
        shown.starts_with("RedisConfig { nodes: 1, cluster: false, prefix: ")
            && shown.contains("buckets: true"),
        "{shown}"
    );
    // Configuration errors say what is wrong.
    assert_eq!(
        RedisConfigError::NoNodes.to_string(),
        "no redis address was given"
    );
    assert_eq!(
        RedisConfigError::InvalidPrefix.to_string(),
        "the redis key prefix must be non-empty and hold no braces"
    );
}

/// Asserts the call failed closed, exactly `store_unavailable`, in time.
async fn fails_closed<T: core::fmt::Debug>(
    what: &str,
    call: impl core::future::Future<Output = Result<T, Error>>,
) {
    let started = Instant::now();
    let result = tokio::time::timeout(Duration::from_secs(10), call)
        .await
        .unwrap_or_else(|_| panic!("{what} hung"));
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{what} took {:?}",
        started.elapsed()
    );
    match result {
        Err(err @ Error::StoreUnavailable(_)) => assert_eq!(err.code(), "store_unavailable"),
        other => panic!("{what}: expected store_unavailable, got {other:?}"),
    }
}

/// Retries `call` until it succeeds (the reconnect runs in the background).
async fn eventually<T>(what: &str, mut call: impl AsyncFnMut() -> Result<T, Error>) -> T {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        match call().await {
            Ok(value) => return value,
            Err(Error::StoreUnavailable(_)) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(err) => panic!("{what} did not recover: {err:?}"),
        }
    }
}

#[tokio::test]
async fn fails_closed_while_redis_is_down_and_recovers_by_itself() {
    // This test stops and starts its own server.
    let Some(port) = free_port() else {
        skip("no free loopback port");
        return;
    };
    let store = RedisStore::new(
        RedisConfig::standalone(&format!("redis://127.0.0.1:{port}/"))
            .connection_timeout(Duration::from_millis(500))
            .response_timeout(Duration::from_millis(500)),
    )
    .unwrap();
    let m = SessionManager::new(&store, common::config());
    let t = common::t0();
    let user = unique("fault");
    let stranger = SessionId::generate().unwrap().expose();

    // The app starts while Redis is down: calls fail closed.
    fails_closed(
        "login before start",
        login(&m, &user, None, common::meta("ua"), t),
    )
    .await;
    fails_closed("check before start", store.check()).await;
    fails_closed("authenticate before start", m.authenticate(&stranger, t)).await;

    let Some(mut server) = RedisServer::start_on(port, &[]) else {
        skip(&format!("{REDIS_SERVER} did not start"));
        return;
    };
    let s = eventually("login after start", async || {
        login(&m, &user, None, common::meta("ua"), t).await
    })
    .await;
    let cookie = s.id.expose();
    assert!(m.authenticate(&cookie, t + 1).await.unwrap().is_some());
    store.ping().await.unwrap();

    // Redis dies mid-run.
    server.stop();
    fails_closed("ping", store.ping()).await;
    for _ in 0..2 {
        fails_closed("authenticate", m.authenticate(&cookie, t + 2)).await;
        fails_closed("login", login(&m, &user, None, common::meta("ua"), t + 2)).await;
        fails_closed("logout", m.logout(&cookie)).await;
        fails_closed("list", m.list(&user, t + 2)).await;
        fails_closed("destroy_all", m.destroy_all(&user, t + 2)).await;
        fails_closed("rotate", m.rotate(&cookie, t + 2)).await;
    }

    // Back on the same port: the same store object recovers.
    assert!(server.restart(), "redis-server restarts on port {port}");
    eventually("ping after restart", async || store.ping().await).await;
    let again = eventually("login after restart", async || {
        login(&m, &user, None, common::meta("ua"), t + 3).await
    })
    .await;
    let active = m
        .authenticate(&again.id.expose(), t + 4)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(active.record.user_id, user);
    // Nothing persisted across the restart: the old session is simply gone
    // (an answer, not an error).
    assert!(m.authenticate(&cookie, t + 4).await.unwrap().is_none());
    assert_eq!(m.list(&user, t + 4).await.unwrap().len(), 1);

    // A server that hangs (stopped, socket open) is bounded by the
    // timeouts too, and the store carries on once it answers again.
    let live = again.id.expose();
    assert!(server.signal("STOP"));
    fails_closed(
        "authenticate on a hung server",
        m.authenticate(&live, t + 5),
    )
    .await;
    fails_closed("logout on a hung server", m.logout(&live)).await;
    assert!(server.signal("CONT"));
    let back = eventually("authenticate after the hang", async || {
        m.authenticate(&live, t + 6).await
    })
    .await;
    assert!(back.is_some(), "the logout never reached the hung server");
}

#[tokio::test]
async fn an_authenticate_without_renewal_is_one_get() {
    // Counts commands on a server of its own.
    let Some(server) = RedisServer::start() else {
        skip(&format!("{REDIS_SERVER} did not start"));
        return;
    };
    let store = store_at(&server.url());
    let m = SessionManager::new(&store, common::config());
    let t = common::t0();
    let cookie = login(&m, &unique("one"), None, common::meta("ua"), t)
        .await
        .unwrap()
        .id
        .expose();
    let mut conn = raw(&server.url()).await;
    let _: () = redis::cmd("CONFIG")
        .arg("RESETSTAT")
        .query_async(&mut conn)
        .await
        .unwrap();
    assert!(m.authenticate(&cookie, t + 1).await.unwrap().is_some());
    let stats: String = redis::cmd("INFO")
        .arg("commandstats")
        .query_async(&mut conn)
        .await
        .unwrap();
    let calls: Vec<&str> = stats
        .lines()
        .filter(|l| l.starts_with("cmdstat_") && !l.starts_with("cmdstat_config"))
        .collect();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(calls[0].starts_with("cmdstat_get:calls=1,"), "{calls:?}");
}

/// A local three-master Redis Cluster.
struct Cluster {
    nodes: Vec<RedisServer>,
}

impl Cluster {
    fn start() -> Option<Self> {
        Self::start_with(None)
    }

    /// With `pki`, every node speaks only TLS, on the Cluster bus too.
    fn start_with(pki: Option<&Pki>) -> Option<Self> {
        let mut nodes = Vec::new();
        for _ in 0..3 {
            let conf = format!("nodes-{}.conf", unique("c"));
            let args = [
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                &conf,
                "--cluster-node-timeout",
                "5000",
            ];
            nodes.push(match pki {
                Some(pki) => RedisServer::start_tls(
                    pki,
                    "server",
                    false,
                    &[&args[..], &["--tls-cluster", "yes"]].concat(),
                )?,
                None => RedisServer::start_with(&args)?,
            });
        }
        let addrs: Vec<String> = nodes
            .iter()
            .map(|n| format!("127.0.0.1:{}", n.port))
            .collect();
        let cli_tls = pki.map(Pki::cli_args).unwrap_or_default();
        let status = Command::new("redis-cli")
            .args(&cli_tls)
            .arg("--cluster")
            .arg("create")
            .args(&addrs)
            .args(["--cluster-replicas", "0", "--cluster-yes"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .ok()?;
        if !status.success() {
            return None;
        }
        let cluster = Self { nodes };
        let deadline = Instant::now() + Duration::from_secs(20);
        while Instant::now() < deadline {
            if cluster.nodes.iter().all(|n| cluster_ok(n.port, &cli_tls)) {
                return Some(cluster);
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        None
    }

    fn urls(&self) -> Vec<String> {
        self.nodes.iter().map(RedisServer::url).collect()
    }
}

fn cluster_ok(port: u16, cli_tls: &[String]) -> bool {
    Command::new("redis-cli")
        .args(cli_tls)
        .args(["-p", &port.to_string(), "cluster", "info"])
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("cluster_state:ok"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_cluster() {
    let Some(cluster) = Cluster::start() else {
        skip("a local Redis Cluster did not form");
        return;
    };
    let make = || {
        RedisStore::new(
            RedisConfig::cluster(cluster.urls())
                .prefix(&unique("cl"))
                .buckets(bucket_key()),
        )
        .unwrap()
    };
    // The whole suite.
    common::create_load_and_garbage(make()).await;
    common::touch_is_rate_limited(make()).await;
    common::idle_and_absolute_expiry(make()).await;
    common::login_prevents_fixation(make()).await;
    common::logout_and_destroy_all(make()).await;
    common::list_and_destroy_by_handle(make()).await;
    common::max_sessions_evicts_the_oldest(make()).await;
    common::logout_is_not_undone_by_a_slow_write(make()).await;
    common::rotate_issues_a_new_id(make()).await;
    common::session_handles_act_without_a_second_read(make()).await;
    common::create_is_insert_if_absent(make()).await;
    common::log_out_everywhere_defeats_a_login_in_flight(make()).await;
    common::writes_never_revive_an_expired_session(make()).await;
    common::sessions_per_user_are_bounded(make()).await;
    common::records_are_bounded(make()).await;
    // The throttling suite: a login's account and address keys usually
    // hash to different slots, on different masters.
    common::throttle::free_failures_then_doubling_back_off(make()).await;
    common::throttle::back_off_is_capped(make()).await;
    common::throttle::a_quiet_window_forgets_failures(make()).await;
    common::throttle::success_resets_the_account_not_the_address(make()).await;
    common::throttle::the_address_limit_is_looser_than_the_account_limit(make()).await;
    common::throttle::unknown_accounts_are_throttled_like_known_ones(make()).await;
    common::throttle::throttled_attempts_hash_nothing(make()).await;
    common::throttle::concurrent_attempts_cannot_outrun_the_block(make()).await;
    common::throttle::store_level_contract(make()).await;
    common::concurrent_use_keeps_index_and_sessions_consistent(Arc::new(make())).await;
    make().check().await.unwrap();
    // The token suite.
    common::tokens::issue_refresh_and_authenticate(make()).await;
    common::tokens::rotation_chains_hold_for_many_refreshes(make()).await;
    common::tokens::reuse_of_any_earlier_token_revokes_the_family(make()).await;
    common::tokens::families_end_by_inactivity_and_age(make()).await;
    common::tokens::denied_access_tokens_are_refused_until_they_expire(make()).await;
    common::tokens::revoke_all_has_no_same_second_window(make()).await;
    common::tokens::revoke_all_defeats_a_login_in_flight(make()).await;
    common::tokens::tokens_of_one_kind_never_pass_as_the_other(make()).await;
    common::tokens::logout_ends_access_and_refresh(make()).await;
    common::tokens::families_are_listed_revoked_and_bounded(make()).await;
    common::tokens::grace_lets_a_lost_response_be_retried(make()).await;
    common::tokens::families_end_after_their_refresh_budget(make()).await;
    common::tokens::claims_are_bounded_and_reserved_names_refused(make()).await;
    common::tokens::list_shows_only_the_users_live_families(make()).await;
    common::tokens::store_contract(make()).await;
    common::tokens::concurrent_refreshes_have_exactly_one_winner(Arc::new(make())).await;

    let store = make();
    let m = SessionManager::new(&store, common::config());
    let t = common::t0();
    // Users whose keys land on different masters all work.
    let users: Vec<String> = (0..12).map(|i| unique(&format!("cu{i}"))).collect();
    for user in &users {
        let s = login(&m, user, None, common::meta("a"), t).await.unwrap();
        login(&m, user, None, common::meta("b"), t + 1)
            .await
            .unwrap();
        let a = m
            .authenticate(&s.id.expose(), t + 2)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(&a.record.user_id, user);
        let rotated = m.rotate(&s.id.expose(), t + 3).await.unwrap().unwrap();
        assert!(
            m.authenticate(&s.id.expose(), t + 4)
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            m.authenticate(&rotated.id.expose(), t + 4)
                .await
                .unwrap()
                .is_some()
        );
        assert_eq!(m.list(user, t + 4).await.unwrap().len(), 2);
        assert_eq!(
            m.destroy_all_except(user, &rotated.id.expose(), t + 4)
                .await
                .unwrap(),
            1
        );
        assert_eq!(m.destroy_all(user, t + 4).await.unwrap(), 1);
        assert!(m.list(user, t + 5).await.unwrap().is_empty());
    }
    let buckets = bucket_key();
    let slots: std::collections::HashSet<u8> = users.iter().map(|u| buckets.of_user(u)).collect();
    assert!(slots.len() > 1);

    // A key outside the user's bucket cannot share its slot: refused,
    // loudly (a caller's mistake), instead of a half-done write.
    let user = unique("cx");
    let stray = loop {
        let key = SessionId::generate().unwrap().store_key();
        if buckets.of_key(&key) != buckets.of_user(&user) {
            break key;
        }
    };
    let record = common::record(&user, t, "x");
    assert_eq!(
        store.create(&stray, &record, 0, 32).await.unwrap_err(),
        Error::Misuse("with buckets, session keys must be drawn in the user's bucket")
    );
    assert!(store.list(&user, t).await.unwrap().is_empty());
    // The same for a token family's first refresh token.
    let family =
        auth_core::tokens::FamilyRecord::new(&user, &stray, &serde_json::Map::new(), t, 60, 600)
            .unwrap();
    assert_eq!(
        store.create_family(&family, 0, 8).await.unwrap_err(),
        Error::Misuse("with buckets, refresh tokens must be drawn in the user's bucket")
    );
    assert!(store.list_families(&user, t).await.unwrap().is_empty());
}

async fn pexpiretime(conn: &mut redis::aio::MultiplexedConnection, key: &str) -> i64 {
    redis::cmd("PEXPIRETIME")
        .arg(key)
        .query_async(conn)
        .await
        .unwrap()
}

/// Index members are scored with their session's expiry, and the index
/// expires exactly with its latest member, all on Redis's clock: an
/// application clock ahead or behind cannot make the index vanish before a
/// session it lists (which would let "log out everywhere" miss it).
#[tokio::test]
async fn index_expiry_is_on_one_clock_whatever_the_app_clock_says() {
    let Some((url, _server)) = redis() else {
        return;
    };
    let store = store_at(&url);
    let mut conn = raw(&url).await;
    let m = SessionManager::new(&store, common::config());
    let user = unique("skew");
    let t = common::t0();
    // Three app servers: one 5 s ahead, one on time, one 5 s behind.
    let mut sessions = Vec::new();
    for now in [t + 5, t, t - 5] {
        sessions.push(
            login(&m, &user, None, common::meta("ua"), now)
                .await
                .unwrap(),
        );
    }
    let index = store.user_key(&user);
    for s in &sessions {
        let member = s.id.store_key().to_text();
        let score: f64 = redis::cmd("ZSCORE")
            .arg(&index)
            .arg(&member)
            .query_async(&mut conn)
            .await
            .unwrap();
        let expiry = i64::try_from(s.record.expires_at() * 1000).unwrap();
        assert_eq!(score, expiry as f64);
        let session_key = store.session_key(&s.id.store_key());
        assert_eq!(pexpiretime(&mut conn, &session_key).await, expiry);
    }
    // The index lives exactly as long as its latest member: the one written
    // by the server whose clock is ahead.
    let latest = i64::try_from(sessions[0].record.expires_at() * 1000).unwrap();
    assert_eq!(pexpiretime(&mut conn, &index).await, latest);
    // Log out everywhere, from the server whose clock is behind: all three.
    assert_eq!(m.destroy_all(&user, t - 5).await.unwrap(), 3);
    for s in &sessions {
        assert!(!exists(&mut conn, &store.session_key(&s.id.store_key())).await);
    }
    // The generation is a plain counter that never expires.
    let generation = store.generation_key(&user);
    assert_eq!(pttl(&mut conn, &generation).await, -1);
    assert_eq!(store.generation(&user).await.unwrap(), 1);
}

/// Expired members leave the index on every write, so the index holds at
/// most the per-user cap of live sessions and no script walks a graveyard.
#[tokio::test]
async fn expired_members_are_pruned_on_every_write() {
    let Some((url, _server)) = redis() else {
        return;
    };
    let store = store_at(&url);
    let mut conn = raw(&url).await;
    let user = unique("prune");
    let t = common::t0();
    // Fifty sessions that expired long ago (an app clock far behind, say).
    for i in 0..50 {
        let key = common::key_for(&store, &user);
        let old = common::record(&user, t - 10_000, &i.to_string());
        assert_eq!(
            store.create(&key, &old, 0, 1024).await.unwrap(),
            Created::Stored
        );
    }
    let index = store.user_key(&user);
    assert!(
        !exists(&mut conn, &index).await,
        "an index of only the dead is removed"
    );
    let live = common::key_for(&store, &user);
    store
        .create(&live, &common::record(&user, t, "live"), 0, 1024)
        .await
        .unwrap();
    let card: i64 = redis::cmd("ZCARD")
        .arg(&index)
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(card, 1);
    assert_eq!(store.list(&user, t).await.unwrap().len(), 1);
}

/// Under an eviction policy Redis may drop an index or a generation while
/// sessions survive: the store refuses to work on such a Redis unless told
/// to accept the risk, and works once the policy is fixed.
#[tokio::test]
async fn an_evicting_redis_is_refused() {
    let Some(server) = RedisServer::start_with(&["--maxmemory-policy", "allkeys-lru"]) else {
        skip(&format!("{REDIS_SERVER} did not start"));
        return;
    };
    let url = server.url();
    let store = store_at(&url);
    let refused = |err: Error| match err {
        Error::StoreUnavailable(why) => {
            assert!(
                why.contains("allkeys-lru") && why.contains("noeviction"),
                "{why}"
            );
        }
        other => panic!("expected store_unavailable, got {other:?}"),
    };
    refused(store.check().await.unwrap_err());
    let m = SessionManager::new(&store, common::config());
    let t = common::t0();
    refused(
        login(&m, "eve", None, common::meta("ua"), t)
            .await
            .unwrap_err(),
    );
    let stranger = SessionId::generate().unwrap().expose();
    refused(m.authenticate(&stranger, t).await.unwrap_err());
    // Told to accept the risk, a store works.
    let risky = RedisStore::new(
        RedisConfig::standalone(&url)
            .prefix(&unique("risky"))
            .accept_eviction_risk(),
    )
    .unwrap();
    risky.check().await.unwrap();
    let m2 = SessionManager::new(&risky, common::config());
    assert!(login(&m2, "eve", None, common::meta("ua"), t).await.is_ok());
    // Fixed on the server: the refusing store recovers by itself.
    let mut conn = raw(&url).await;
    let _: () = redis::cmd("CONFIG")
        .arg("SET")
        .arg("maxmemory-policy")
        .arg("noeviction")
        .query_async(&mut conn)
        .await
        .unwrap();
    store.check().await.unwrap();
    assert!(login(&m, "eve", None, common::meta("ua"), t).await.is_ok());
}

/// A Redis that will not say its eviction policy (`INFO` refused, as a
/// restricted account or a managed service may do) cannot be checked, and
/// is accepted rather than locked out.
#[tokio::test]
async fn a_redis_that_hides_its_policy_is_accepted() {
    let Some(server) = RedisServer::start_with(&["--rename-command", "INFO", ""]) else {
        skip(&format!("{REDIS_SERVER} did not start"));
        return;
    };
    let store = store_at(&server.url());
    store.check().await.unwrap();
    let m = SessionManager::new(&store, common::config());
    let t = common::t0();
    let cookie = login(&m, "hidden", None, common::meta("ua"), t)
        .await
        .unwrap()
        .id
        .expose();
    assert!(m.authenticate(&cookie, t).await.unwrap().is_some());
}

/// A test CA and a TLS-only server with its certificate `cert`.
fn tls_server(cert: &str, auth_clients: bool) -> Option<(Pki, RedisServer)> {
    let pki = pki()?;
    let Some(server) = RedisServer::start_tls(&pki, cert, auth_clients, &[]) else {
        skip(&format!("{REDIS_SERVER} did not start with TLS"));
        return None;
    };
    Some((pki, server))
}

/// A store for `url` with short timeouts (failures here are immediate; a
/// hang would be a bug).
fn tls_config(url: &str) -> RedisConfig {
    RedisConfig::standalone(url)
        .prefix(&unique("tls"))
        .buckets(bucket_key())
        .connection_timeout(Duration::from_millis(500))
        .response_timeout(Duration::from_millis(500))
}

/// A login, an authenticate and a logout, through `store`.
async fn round_trip(store: &RedisStore) {
    round_trip_as(store, &unique("tls")).await;
}

/// The reason a store gives when it refuses the server's certificate.
const CERTIFICATE_REFUSED: &str = "redis TLS failed: the server's certificate was refused";

/// Every kind of call fails closed on `store`; with `reason`, that is the
/// reason given.
async fn all_fail_closed(store: &RedisStore, reason: Option<&str>) {
    let m = SessionManager::new(store, common::config());
    let t = common::t0();
    let stranger = SessionId::generate().unwrap().expose();
    fails_closed("check", store.check()).await;
    fails_closed("login", login(&m, "tls", None, common::meta("ua"), t)).await;
    fails_closed("authenticate", m.authenticate(&stranger, t)).await;
    fails_closed("logout", m.logout(&stranger)).await;
    fails_closed("list", m.list("tls", t)).await;
    if let Some(reason) = reason {
        assert_eq!(
            store.check().await.unwrap_err(),
            Error::StoreUnavailable(reason.into())
        );
    }
}

/// A server whose certificate comes from a private CA, and a store given
/// that CA: sessions work over TLS (a `rediss://` URL to a TLS-only port).
#[tokio::test]
async fn tls_with_a_private_ca() {
    let Some((pki, server)) = tls_server("server", false) else {
        return;
    };
    let ca = pki.read("ca.crt");
    let store = RedisStore::new(tls_config(&server.url()).tls_root_certificates(&ca)).unwrap();
    store.check().await.unwrap();
    round_trip(&store).await;
    let trusting =
        || RedisStore::new(tls_config(&server.url()).tls_root_certificates(&ca)).unwrap();
    common::rotate_issues_a_new_id(trusting()).await;
    common::logout_and_destroy_all(trusting()).await;
    common::list_and_destroy_by_handle(trusting()).await;
}

/// The same server, but the store trusts only the system's roots: the
/// certificate is not trusted, and every call fails closed.
#[tokio::test]
async fn tls_without_the_ca_fails_closed() {
    let Some((_pki, server)) = tls_server("server", false) else {
        return;
    };
    let store = RedisStore::new(tls_config(&server.url())).unwrap();
    all_fail_closed(&store, Some(CERTIFICATE_REFUSED)).await;
}

/// A certificate from the trusted CA but for another name is refused too:
/// the name is verified, not only the chain.
#[tokio::test]
async fn tls_verifies_the_server_name() {
    let Some((pki, server)) = tls_server("misnamed", false) else {
        return;
    };
    let store =
        RedisStore::new(tls_config(&server.url()).tls_root_certificates(&pki.read("ca.crt")))
            .unwrap();
    all_fail_closed(&store, Some(CERTIFICATE_REFUSED)).await;
}

/// A plain `redis://` client at a TLS port gets no session answers: it
/// fails closed.
#[tokio::test]
async fn plain_redis_at_a_tls_port_fails_closed() {
    let Some((_pki, server)) = tls_server("server", false) else {
        return;
    };
    let url = format!("redis://127.0.0.1:{}/", server.port);
    let store = RedisStore::new(tls_config(&url)).unwrap();
    all_fail_closed(&store, None).await;
}

/// A server that requires client certificates: a store without one fails
/// closed, a store with one signed by the server's CA works.
#[tokio::test]
async fn mutual_tls() {
    let Some((pki, server)) = tls_server("server", true) else {
        return;
    };
    let ca = pki.read("ca.crt");
    let anonymous = RedisStore::new(tls_config(&server.url()).tls_root_certificates(&ca)).unwrap();
    all_fail_closed(
        &anonymous,
        Some("redis TLS failed: the server refused the handshake"),
    )
    .await;
    let identified = RedisStore::new(
        tls_config(&server.url())
            .tls_root_certificates(&ca)
            .tls_client_identity(&pki.read("client.crt"), &pki.read("client.key")),
    )
    .unwrap();
    identified.check().await.unwrap();
    round_trip(&identified).await;
}

#[test]
fn tls_configuration_is_checked_without_connecting() {
    let refused = |config: RedisConfig| RedisStore::new(config).unwrap_err();
    // Verification cannot be turned off, standalone or on any Cluster node.
    assert_eq!(
        refused(RedisConfig::standalone("rediss://127.0.0.1:1/#insecure")),
        RedisConfigError::InsecureTls
    );
    assert_eq!(
        refused(
            RedisConfig::cluster(["rediss://127.0.0.1:1/", "rediss://127.0.0.1:2/#insecure"])
                .buckets(bucket_key())
        ),
        RedisConfigError::InsecureTls
    );
    // A Cluster's nodes share one mode.
    assert_eq!(
        refused(
            RedisConfig::cluster(["rediss://127.0.0.1:1/", "redis://127.0.0.1:2/"])
                .buckets(bucket_key())
        ),
        RedisConfigError::InvalidUrl
    );
    // TLS options on a plain address would silently do nothing.
    let fake = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    assert_eq!(
        refused(RedisConfig::standalone("redis://127.0.0.1:1/").tls_root_certificates(fake)),
        RedisConfigError::TlsWithoutRediss
    );
    assert_eq!(
        refused(
            RedisConfig::cluster(["redis://127.0.0.1:1/"])
                .buckets(bucket_key())
                .tls_client_identity(fake, fake)
        ),
        RedisConfigError::TlsWithoutRediss
    );
    // Material that does not parse is refused now, not at the first call.
    for roots in [&b"not a pem"[..], b"", fake] {
        assert_eq!(
            refused(RedisConfig::standalone("rediss://127.0.0.1:1/").tls_root_certificates(roots)),
            RedisConfigError::InvalidTlsCertificate,
            "{roots:?}"
        );
    }
    assert_eq!(
        refused(RedisConfig::standalone("rediss://127.0.0.1:1/").tls_client_identity(fake, fake)),
        RedisConfigError::InvalidTlsCertificate
    );
    // `rediss://` alone (system roots) needs nothing more.
    assert!(RedisStore::open("rediss://127.0.0.1:1/").is_ok());
    assert!(
        RedisStore::new(RedisConfig::cluster(["rediss://127.0.0.1:1/"]).buckets(bucket_key()))
            .is_ok()
    );
}

#[test]
fn tls_material_is_checked_and_never_shown() {
    let Some(pki) = pki() else {
        return;
    };
    let ca = pki.read("ca.crt");
    let (cert, key) = (pki.read("client.crt"), pki.read("client.key"));
    let url = "rediss://127.0.0.1:1/";
    // A root PEM with no certificate in it (a key, say) would trust nothing.
    assert_eq!(
        RedisStore::new(RedisConfig::standalone(url).tls_root_certificates(&key)).unwrap_err(),
        RedisConfigError::InvalidTlsCertificate
    );
    // A client key that is not the certificate's.
    assert_eq!(
        RedisStore::new(
            RedisConfig::standalone(url).tls_client_identity(&cert, &pki.read("server.key"))
        )
        .unwrap_err(),
        RedisConfigError::InvalidTlsCertificate
    );
    // No certificate at all for the key.
    assert_eq!(
        RedisStore::new(RedisConfig::standalone(url).tls_client_identity(b"", &key)).unwrap_err(),
        RedisConfigError::InvalidTlsCertificate
    );
    let config = RedisConfig::cluster([url])
        .buckets(bucket_key())
        .tls_root_certificates(&ca)
        .tls_client_identity(&cert, &key);
    let store = RedisStore::new(config.clone()).unwrap();
    for shown in [format!("{config:?}"), format!("{store:?}")] {
        assert!(!shown.contains("BEGIN"), "{shown}");
        for pem in [&ca, &cert, &key] {
            for line in String::from_utf8_lossy(pem).lines().filter(|l| l.len() > 8) {
                assert!(!shown.contains(line), "{shown}");
            }
        }
    }
}

/// redis-rs builds its rustls configuration with the process's default
/// crypto provider; a TLS store installs ring's when there is none (so no
/// connection ever panics for want of one) and keeps the application's own.
/// Each case runs in a child process: the provider is process-wide, and
/// other tests here install it.
#[test]
fn a_tls_store_installs_a_crypto_provider_unless_there_is_one() {
    use rustls::crypto::{CryptoProvider, ring};
    const CHILD: &str = "AUTH_TEST_CRYPTO_PROVIDER_CASE";
    match std::env::var(CHILD).as_deref() {
        Ok("none") => {
            assert!(CryptoProvider::get_default().is_none());
            RedisStore::open("redis://127.0.0.1:1/").unwrap();
            assert!(
                CryptoProvider::get_default().is_none(),
                "a plain store leaves the process alone"
            );
            RedisStore::open("rediss://127.0.0.1:1/").unwrap();
            assert!(CryptoProvider::get_default().is_some());
        }
        Ok("own") => {
            // The application's choice: ring with one cipher suite only.
            let mut own = ring::default_provider();
            own.cipher_suites.truncate(1);
            own.install_default().unwrap();
            RedisStore::open("rediss://127.0.0.1:1/").unwrap();
            assert_eq!(
                CryptoProvider::get_default().unwrap().cipher_suites.len(),
                1
            );
        }
        _ => {
            for case in ["none", "own"] {
                let out = Command::new(std::env::current_exe().unwrap())
                    .args([
                        "--exact",
                        "a_tls_store_installs_a_crypto_provider_unless_there_is_one",
                        "--test-threads=1",
                    ])
                    .env(CHILD, case)
                    .output()
                    .unwrap();
                let stdout = String::from_utf8_lossy(&out.stdout);
                assert!(
                    out.status.success() && stdout.contains("1 passed"),
                    "case {case}:\n{stdout}\n{}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn redis_cluster_over_tls() {
    let Some(pki) = pki() else {
        return;
    };
    let Some(cluster) = Cluster::start_with(Some(&pki)) else {
        skip("a local Redis Cluster over TLS did not form");
        return;
    };
    assert!(cluster.urls().iter().all(|u| u.starts_with("rediss://")));
    let ca = pki.read("ca.crt");
    let make = |trusted: bool| {
        let config = RedisConfig::cluster(cluster.urls())
            .prefix(&unique("cltls"))
            .buckets(bucket_key())
            .connection_timeout(Duration::from_millis(500))
            .response_timeout(Duration::from_millis(500));
        RedisStore::new(if trusted {
            config.tls_root_certificates(&ca)
        } else {
            config
        })
        .unwrap()
    };
    let store = make(true);
    store.check().await.unwrap();
    common::create_load_and_garbage(make(true)).await;
    common::logout_and_destroy_all(make(true)).await;
    common::rotate_issues_a_new_id(make(true)).await;
    // Users whose keys land on different masters: every node is reached
    // over TLS (the nodes the client discovers, not only the ones given).
    let users: Vec<String> = (0..12).map(|i| unique(&format!("ct{i}"))).collect();
    for user in &users {
        round_trip_as(&store, user).await;
    }
    let buckets = bucket_key();
    let slots: std::collections::HashSet<u8> = users.iter().map(|u| buckets.of_user(u)).collect();
    assert!(slots.len() > 1);

    all_fail_closed(&make(false), Some(CERTIFICATE_REFUSED)).await;
}

/// A login, an authenticate and a logout of `user`, through `store`.
async fn round_trip_as(store: &RedisStore, user: &str) {
    let m = SessionManager::new(store, common::config());
    let t = common::t0();
    let s = login(&m, user, None, common::meta("ua"), t).await.unwrap();
    let cookie = s.id.expose();
    let active = m.authenticate(&cookie, t + 1).await.unwrap().unwrap();
    assert_eq!(active.record.user_id, user);
    assert!(m.logout(&cookie).await.unwrap());
    assert!(m.authenticate(&cookie, t + 2).await.unwrap().is_none());
}

/// Throttle keys are hashes (no account name or address in any key name
/// or value), carry a TTL of the state's remaining life, and really expire.
#[tokio::test]
async fn throttle_keys_are_hashed_and_expire_by_themselves() {
    let Some((url, _server)) = redis() else {
        return;
    };
    let prefix = unique("thr");
    let store = RedisStore::new(RedisConfig::standalone(&url).prefix(&prefix)).unwrap();
    let mut conn = raw(&url).await;
    let l = common::throttle::checker(&store, ThrottleConfig::new());
    let t = common::t0();
    let (account, address) = (unique("alice@example.com"), "198.51.100.23");
    for _ in 0..6 {
        assert_eq!(
            l.check(&account, address, None, b"guess", t).await,
            Err(Error::InvalidCredentials)
        );
    }
    let names: Vec<String> = redis::cmd("KEYS")
        .arg(format!("{prefix}:*"))
        .query_async(&mut conn)
        .await
        .unwrap();
    let account_key = store.throttle_key(&ThrottleKey::account(&account));
    let address_key = store.throttle_key(&ThrottleKey::address(address));
    let mut sorted = names.clone();
    sorted.sort();
    let mut expected = vec![account_key.clone(), address_key.clone()];
    expected.sort();
    assert_eq!(sorted, expected);
    for name in &names {
        assert!(name.starts_with(&format!("{prefix}:t:")), "{name}");
        let value: String = redis::cmd("GET")
            .arg(name)
            .query_async(&mut conn)
            .await
            .unwrap();
        for plain in [account.as_str(), address, "alice", "198.51"] {
            assert!(
                !name.contains(plain) && !value.contains(plain),
                "{name} {value}"
            );
        }
    }
    // The account is blocked for 1 s, then forgotten 900 s later; the
    // address is not blocked. TTLs follow, on Redis's clock.
    let account_ttl = pttl(&mut conn, &account_key).await;
    assert!(
        account_ttl > 900_000 && account_ttl <= 901_000,
        "{account_ttl}"
    );
    let address_ttl = pttl(&mut conn, &address_key).await;
    assert!(
        address_ttl > 899_000 && address_ttl <= 900_000,
        "{address_ttl}"
    );

    // A one-second window: the keys are gone a moment later.
    let brief = Limit::new(10, 1, 1, 1);
    let l = common::throttle::checker(&store, ThrottleConfig::new().account(brief).address(brief));
    let account = unique("brief");
    assert_eq!(
        l.check(&account, "203.0.113.9", None, b"guess", SystemClock.now())
            .await,
        Err(Error::InvalidCredentials)
    );
    let keys = [
        store.throttle_key(&ThrottleKey::account(&account)),
        store.throttle_key(&ThrottleKey::address("203.0.113.9")),
    ];
    for key in &keys {
        assert!(exists(&mut conn, key).await);
        let ttl = pttl(&mut conn, key).await;
        assert!(ttl > 0 && ttl <= 1000, "{ttl}");
    }
    tokio::time::sleep(Duration::from_millis(1500)).await;
    for key in &keys {
        assert!(!exists(&mut conn, key).await, "{key} expired");
    }
}

/// A throttle state Redis returns that does not decode is `store_corrupt`,
/// on the check and on a failure (which leaves it as it is).
#[tokio::test]
async fn unreadable_throttle_state_is_store_corrupt() {
    let Some((url, _server)) = redis() else {
        return;
    };
    let store = store_at(&url);
    let mut conn = raw(&url).await;
    let key = ThrottleKey::account(&unique("corrupt"));
    let other = ThrottleKey::address(&unique("addr"));
    let _: () = redis::cmd("SET")
        .arg(store.throttle_key(&key))
        .arg("5:x:9")
        .query_async(&mut conn)
        .await
        .unwrap();
    let corrupt = Error::StoreCorrupt("a throttle state is not readable");
    let t = common::t0();
    assert_eq!(
        store.load_throttles([&key, &other], t).await.unwrap_err(),
        corrupt
    );
    assert_eq!(
        store
            .count_attempts([(&key, &Limit::ACCOUNT), (&other, &Limit::ADDRESS)], t)
            .await
            .unwrap_err(),
        corrupt
    );
    assert_eq!(
        store
            .refund_attempt(&key, &Limit::ACCOUNT, t)
            .await
            .unwrap_err(),
        corrupt
    );
    let value: String = redis::cmd("GET")
        .arg(store.throttle_key(&key))
        .query_async(&mut conn)
        .await
        .unwrap();
    assert_eq!(value, "5:x:9");
    // Clearing it is always possible.
    assert!(store.clear_throttle(&key).await.unwrap());
}

/// While Redis is down, every throttle call and the login check fail closed
/// with `store_unavailable` (never "no failures"); they work again once it
/// is back, and fail closed again when it dies.
#[tokio::test]
async fn throttling_fails_closed_while_redis_is_down() {
    let Some(port) = free_port() else {
        skip("no free loopback port");
        return;
    };
    let store = RedisStore::new(
        RedisConfig::standalone(&format!("redis://127.0.0.1:{port}/"))
            .connection_timeout(Duration::from_millis(500))
            .response_timeout(Duration::from_millis(500)),
    )
    .unwrap();
    let l = common::throttle::checker(&store, ThrottleConfig::new());
    let phc = l.hasher().hash(b"right").unwrap();
    let t = common::t0();
    let (a, b) = (ThrottleKey::account("down"), ThrottleKey::address("down"));
    let all_fail = async || {
        fails_closed("load_throttles", store.load_throttles([&a, &b], t)).await;
        fails_closed(
            "count_attempts",
            store.count_attempts([(&a, &Limit::ACCOUNT), (&b, &Limit::ADDRESS)], t),
        )
        .await;
        fails_closed(
            "refund_attempt",
            store.refund_attempt(&a, &Limit::ACCOUNT, t),
        )
        .await;
        fails_closed("clear_throttle", store.clear_throttle(&a)).await;
        fails_closed(
            "check, right password",
            l.check("down", "down", Some(&phc), b"right", t),
        )
        .await;
        fails_closed("check, unknown", l.check("down", "down", None, b"x", t)).await;
    };
    all_fail().await;
    let Some(mut server) = RedisServer::start_on(port, &[]) else {
        skip(&format!("{REDIS_SERVER} did not start"));
        return;
    };
    eventually("check after start", async || {
        match l.check("down", "down", Some(&phc), b"wrong", t).await {
            Err(Error::InvalidCredentials) => Ok(()),
            other => other,
        }
    })
    .await;
    assert_eq!(
        l.check("down", "down", Some(&phc), b"right", t).await,
        Ok(())
    );
    server.stop();
    all_fail().await;
}
