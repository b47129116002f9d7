//! The demo under test: a real `auth-demo` process on a free port, a
//! minimal HTTP/1.1 client that can send anything (repeated headers,
//! garbage bytes), and `redis-server`s of the tests' own.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    dead_code,
    unreachable_pub
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;

pub const REDIS_SERVER: &str = "/usr/bin/redis-server";
pub const ALICE_PASSWORD: &str = "correct horse battery staple";
pub const BOB_PASSWORD: &str = "hunter2 hunter2";

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// A name no other test of this run uses.
pub fn unique(name: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

/// A `redis-server` of the test's own (no persistence), killed on drop.
pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl RedisServer {
    /// Starts one on a free port; `None` (a failure under `CI=true`) when
    /// it cannot.
    pub fn start() -> Option<Self> {
        for _ in 0..5 {
            let mut server = Self {
                child: None,
                port: free_port(),
                dir: tempfile::tempdir().unwrap(),
            };
            if server.spawn() {
                return Some(server);
            }
        }
        assert!(!in_ci(), "CI=true and {REDIS_SERVER} did not start");
        eprintln!("SKIPPED: {REDIS_SERVER} did not start");
        None
    }

    fn spawn(&mut self) -> bool {
        let Ok(child) = Command::new(REDIS_SERVER)
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1"])
            .args(["--save", "", "--appendonly", "no", "--loglevel", "warning"])
            .arg("--dir")
            .arg(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
        else {
            return false;
        };
        self.child = Some(child);
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if redis_ping(self.port) {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        self.stop();
        false
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Kills the server (the port stays ours to restart on).
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port.
    pub fn restart(&mut self) -> bool {
        self.stop();
        self.spawn()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn redis_ping(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    let mut buf = [0u8; 7];
    s.write_all(b"PING\r\n").is_ok() && s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
}

/// The web framework a demo process serves the contract with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framework {
    Axum,
    Rocket,
}

impl Framework {
    pub const ALL: [Self; 2] = [Self::Axum, Self::Rocket];

    pub fn name(self) -> &'static str {
        match self {
            Self::Axum => "axum",
            Self::Rocket => "rocket",
        }
    }
}

/// A running `auth-demo`, killed on drop.
pub struct Demo {
    child: Child,
    pub addr: SocketAddr,
    /// The banner it printed.
    pub banner: String,
    _stdout: BufReader<ChildStdout>,
}

impl Demo {
    /// Starts the demo on Axum (the default framework) with `args`.
    pub fn start(args: &[&str]) -> Self {
        Self::start_on(Framework::Axum, args)
    }

    /// Starts the demo on `framework` with `args` (plus `--addr
    /// 127.0.0.1:0`) and waits for the URL it prints.
    pub fn start_on(framework: Framework, args: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_auth-demo"))
            .args(["--addr", "127.0.0.1:0", "--framework", framework.name()])
            .args(args)
            .env_remove("AUTH_DEMO_STORE")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut banner = String::new();
        stdout.read_line(&mut banner).unwrap();
        let Some(url) = banner.split("listening on http://").nth(1) else {
            let _ = child.kill();
            panic!("auth-demo did not start: {banner:?}");
        };
        let addr = url.trim().trim_end_matches('/').parse().unwrap();
        assert!(
            banner.starts_with(&format!("auth-demo ({},", framework.name())),
            "{banner}"
        );
        Self {
            child,
            addr,
            banner,
            _stdout: stdout,
        }
    }

    /// A request to this demo.
    pub fn req(&self, method: &str, path: &str) -> Request {
        Request {
            addr: self.addr,
            method: method.into(),
            path: path.into(),
            headers: vec![("Host".into(), self.addr.to_string().into_bytes())],
            body: Vec::new(),
        }
    }

    pub fn get(&self, path: &str) -> Request {
        self.req("GET", path)
    }

    pub fn post(&self, path: &str) -> Request {
        self.req("POST", path)
    }
}

impl Drop for Demo {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A request being built: anything goes, including bytes no client
/// library would send.
#[derive(Clone)]
pub struct Request {
    addr: SocketAddr,
    method: String,
    path: String,
    headers: Vec<(String, Vec<u8>)>,
    body: Vec<u8>,
}

impl Request {
    pub fn header(mut self, name: &str, value: impl AsRef<[u8]>) -> Self {
        self.headers.push((name.into(), value.as_ref().to_vec()));
        self
    }

    /// Replaces (or removes) the `Host` header.
    pub fn host(mut self, host: Option<&str>) -> Self {
        self.headers.retain(|(n, _)| n != "Host");
        if let Some(host) = host {
            self.headers.push(("Host".into(), host.as_bytes().to_vec()));
        }
        self
    }

    pub fn json(self, body: &Value) -> Self {
        self.raw_body("application/json", body.to_string().as_bytes())
    }

    pub fn raw_body(mut self, content_type: &str, body: &[u8]) -> Self {
        self.headers
            .push(("Content-Type".into(), content_type.as_bytes().to_vec()));
        self.body = body.to_vec();
        self
    }

    pub fn cookie(self, name: &str, value: &str) -> Self {
        self.header("Cookie", format!("{name}={value}"))
    }

    pub fn bearer(self, token: &str) -> Self {
        self.header("Authorization", format!("Bearer {token}"))
    }

    /// A same-origin browser request's headers plus the CSRF token.
    pub fn same_origin(self, csrf: &str) -> Self {
        self.header("Sec-Fetch-Site", "same-origin")
            .header("X-CSRF-Token", csrf)
    }

    pub fn send(self) -> Response {
        let mut stream = TcpStream::connect(self.addr).unwrap();
        stream
            .set_read_timeout(Some(Duration::from_secs(30)))
            .unwrap();
        let mut raw = format!("{} {} HTTP/1.1\r\n", self.method, self.path).into_bytes();
        for (name, value) in &self.headers {
            raw.extend_from_slice(name.as_bytes());
            raw.extend_from_slice(b": ");
            raw.extend_from_slice(value);
            raw.extend_from_slice(b"\r\n");
        }
        raw.extend_from_slice(
            format!(
                "Content-Length: {}\r\nConnection: close\r\n\r\n",
                self.body.len()
            )
            .as_bytes(),
        );
        raw.extend_from_slice(&self.body);
        stream.write_all(&raw).unwrap();
        let mut bytes = Vec::new();
        stream.read_to_end(&mut bytes).unwrap();
        Response::parse(&bytes)
    }
}

/// A response, parsed.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    /// Names in lower case, in order.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Response {
    fn parse(bytes: &[u8]) -> Self {
        let text = String::from_utf8_lossy(bytes);
        let (head, body) = text
            .split_once("\r\n\r\n")
            .unwrap_or_else(|| panic!("no header end in {text:?}"));
        let mut lines = head.split("\r\n");
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("no status in {head:?}"));
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
            .collect();
        assert!(
            !headers
                .iter()
                .any(|(n, v)| n == "transfer-encoding" && v.contains("chunked")),
            "chunked bodies are not expected"
        );
        Self {
            status,
            headers,
            body: body.to_owned(),
        }
    }

    /// The only value of header `name`.
    pub fn header<'a>(&'a self, name: &'a str) -> Option<&'a str> {
        let mut all = self.all(name);
        let first = all.next();
        assert!(all.next().is_none(), "{name} appears more than once");
        first
    }

    /// Every value of header `name`.
    pub fn all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    /// The `error` code of a JSON refusal.
    pub fn code(&self) -> String {
        self.json()["error"].as_str().unwrap_or_default().to_owned()
    }

    /// The `Set-Cookie` header that sets or clears cookie `name`.
    pub fn set_cookie(&self, name: &str) -> Option<&str> {
        let prefix = format!("{name}=");
        let mut found = self.all("set-cookie").filter(|c| c.starts_with(&prefix));
        let first = found.next();
        assert!(found.next().is_none(), "{name} is set twice");
        first
    }

    /// The value a `Set-Cookie` gives cookie `name`.
    pub fn cookie_value(&self, name: &str) -> Option<String> {
        let cookie = self.set_cookie(name)?;
        let value = cookie.split(';').next()?.split_once('=')?.1;
        Some(value.to_owned())
    }

    /// Asserts a JSON refusal: status, code, `Cache-Control: no-store`.
    #[track_caller]
    pub fn refused(&self, status: u16, code: &str) {
        assert_eq!(
            (self.status, self.code().as_str()),
            (status, code),
            "{self:?}"
        );
        assert_eq!(self.header("content-type"), Some("application/json"));
        assert_eq!(self.header("cache-control"), Some("no-store"));
    }

    /// Asserts that the session and CSRF cookies are cleared.
    #[track_caller]
    pub fn clears_cookies(&self) {
        for name in [SESSION, CSRF] {
            let cookie = self.set_cookie(name).unwrap_or_else(|| panic!("{self:?}"));
            assert!(cookie.starts_with(&format!("{name}=;")), "{cookie}");
            assert!(cookie.contains("Max-Age=0"), "{cookie}");
        }
    }
}

pub const SESSION: &str = "__Host-session";
pub const CSRF: &str = "__Host-csrf";

/// A browser-like client of a demo: the session and CSRF cookies it holds.
#[derive(Clone, Debug, Default)]
pub struct Browser {
    pub session: Option<String>,
    pub csrf: Option<String>,
}

impl Browser {
    /// Keeps what a response sets or clears.
    pub fn absorb(&mut self, response: &Response) {
        for (name, slot) in [(SESSION, &mut self.session), (CSRF, &mut self.csrf)] {
            if let Some(value) = response.cookie_value(name) {
                *slot = (!value.is_empty()).then_some(value);
            }
        }
    }

    /// The `Cookie` header it would send.
    pub fn cookie_header(&self) -> Option<String> {
        let parts: Vec<String> = [(SESSION, &self.session), (CSRF, &self.csrf)]
            .into_iter()
            .filter_map(|(n, v)| v.as_ref().map(|v| format!("{n}={v}")))
            .collect();
        (!parts.is_empty()).then(|| parts.join("; "))
    }

    /// `request` with this browser's cookies and, for an unsafe method,
    /// its same-origin headers and CSRF token.
    pub fn send(&mut self, request: Request) -> Response {
        let unsafe_method = !matches!(request.method.as_str(), "GET" | "HEAD");
        let mut request = request;
        if let Some(cookies) = self.cookie_header() {
            request = request.header("Cookie", cookies);
        }
        if unsafe_method {
            let csrf = self.csrf.clone().unwrap_or_default();
            request = request.same_origin(&csrf);
        }
        let response = request.send();
        self.absorb(&response);
        response
    }

    /// Visits the page (gets a pre-session CSRF cookie) and logs in.
    pub fn login(demo: &Demo, user: &str, password: &str) -> (Self, Response) {
        let mut browser = Self::default();
        let page = browser.send(demo.get("/"));
        assert_eq!(page.status, 200);
        let response = browser.send(
            demo.post("/session/login")
                .json(&serde_json::json!({"username": user, "password": password})),
        );
        (browser, response)
    }
}

/// A users file with alice and bob under names unique to this test (so
/// tests sharing one Redis do not share accounts); returns the file and
/// the two names.
pub fn users_file() -> (tempfile::NamedTempFile, String, String) {
    let alice = unique("alice");
    let bob = unique("bob");
    let mut file = tempfile::NamedTempFile::new().unwrap();
    let users = serde_json::json!([
        {"name": alice, "password": ALICE_PASSWORD, "roles": ["admin", "user"]},
        {"name": bob, "password": BOB_PASSWORD, "roles": ["user"]},
    ]);
    file.write_all(users.to_string().as_bytes()).unwrap();
    (file, alice, bob)
}

pub fn path_arg(path: &Path) -> String {
    path.to_str().unwrap().to_owned()
}

/// Waits (up to 10 s) until `check` holds.
pub fn eventually(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while Instant::now() < deadline {
        if check() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{what}: not within 10 s");
}

/// A scratch directory path for key files and the like.
pub fn scratch() -> PathBuf {
    std::env::temp_dir()
}

/// A private key file (ES256, JWK) that several processes load.
pub fn key_file() -> tempfile::NamedTempFile {
    let key = auth_core::SigningKey::generate(auth_core::Algorithm::Es256).unwrap();
    let mut file = tempfile::NamedTempFile::new().unwrap();
    file.write_all(key.to_private_jwk().as_bytes()).unwrap();
    file
}
