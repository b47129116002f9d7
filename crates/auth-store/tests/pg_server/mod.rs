//! A PostgreSQL server for tests, shared by auth-store's and auth-demo's
//! tests (`#[path]`-included): `AUTH_TEST_POSTGRES_URL`; else a temporary
//! cluster of the test process's own (`initdb` and `postgres` from
//! `/usr/local/bin` or `/usr/lib/postgresql/*/bin`, a temporary directory,
//! a free loopback port; as root they run as the `postgres` user, since
//! initdb refuses root), stopped and removed when the process exits; else
//! the server on 127.0.0.1:5432 (trust auth). Without any, [`server_url`]
//! says `SKIPPED` (a failure under `CI=true`).

#![allow(dead_code, unreachable_pub)]

use core::sync::atomic::{AtomicUsize, Ordering};
use core::time::Duration;
use std::io::Write;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::time::Instant;

pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Says why a test cannot run: a failure under CI, a clear skip elsewhere.
pub fn skip(why: &str) {
    assert!(!in_ci(), "CI=true and {why}");
    eprintln!("SKIPPED: {why}");
}

pub fn unique(name: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{name}_{}x{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

pub fn free_port() -> Option<u16> {
    TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()
        .map(|a| a.port())
}

pub fn bin(name: &str) -> Option<PathBuf> {
    let local = Path::new("/usr/local/bin").join(name);
    if local.exists() {
        return Some(local);
    }
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok().map(|e| e.path().join("bin").join(name)))
        .filter(|p| p.exists())
        .collect();
    versions.sort();
    versions.pop()
}

pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

/// `cmd` with `args`, as the `postgres` user when we are root.
pub fn as_postgres(cmd: &Path, args: &[&str]) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(cmd).args(args);
        c
    } else {
        let mut c = Command::new(cmd);
        c.args(args);
        c
    }
}

/// A PostgreSQL cluster of our own in a temporary directory. The server
/// runs under a shell that stops it (fast shutdown) when its standard
/// input closes: when [`Cluster::stop`] drops it, or when the test process
/// exits, however it exits.
pub struct Cluster {
    dir: PathBuf,
    port: u16,
    server: Option<Child>,
    /// The watchdog removes the directory once the server has stopped
    /// (for the shared cluster, which is never dropped).
    remove_on_exit: bool,
}

const WATCHDOG: &str = r#"
"$0" -D "$1/data" -p "$2" -k "$1" -c listen_addresses=127.0.0.1 \
  -c fsync=off -c synchronous_commit=off -c full_page_writes=off \
  -c shared_buffers=16MB -c max_connections=100 >"$1/log" 2>&1 &
pid=$!
read _ignored
kill -INT "$pid"
wait "$pid"
if [ "$3" = remove ]; then rm -rf "$1"; fi
"#;

impl Cluster {
    /// Creates and starts a cluster; with `remove_on_exit`, its watchdog
    /// removes the directory once the server has stopped.
    pub fn create(remove_on_exit: bool) -> Result<Self, String> {
        let initdb = bin("initdb").ok_or("no initdb")?;
        let dir = std::env::temp_dir().join(unique("auth-store-pg"));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        if is_root() {
            let ok = Command::new("chown")
                .arg("postgres:")
                .arg(&dir)
                .status()
                .is_ok_and(|s| s.success());
            if !ok {
                return Err("cannot chown the cluster directory to postgres".into());
            }
        }
        let data = dir.join("data");
        let out = as_postgres(
            &initdb,
            &[
                "-D",
                data.to_str().ok_or("path")?,
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
                "--no-locale",
            ],
        )
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("initdb: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr)
            ));
        }
        let port = free_port().ok_or("no free port")?;
        let mut cluster = Self {
            dir,
            port,
            server: None,
            remove_on_exit,
        };
        cluster.start()?;
        Ok(cluster)
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    pub fn start(&mut self) -> Result<(), String> {
        let postgres = bin("postgres").ok_or("no postgres binary")?;
        let sh = Path::new("/bin/sh");
        let child = as_postgres(
            sh,
            &[
                "-c",
                WATCHDOG,
                postgres.to_str().ok_or("path")?,
                self.dir.to_str().ok_or("path")?,
                &self.port.to_string(),
                if self.remove_on_exit {
                    "remove"
                } else {
                    "keep"
                },
            ],
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .map_err(|e| format!("cannot start postgres: {e}"))?;
        self.server = Some(child);
        let deadline = Instant::now() + Duration::from_secs(30);
        while Instant::now() < deadline {
            if TcpStream::connect(("127.0.0.1", self.port)).is_ok() && self.accepts() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let log = std::fs::read_to_string(self.dir.join("log")).unwrap_or_default();
        Err(format!("postgres did not start: {log}"))
    }

    /// Whether the server takes queries (not just connections: it refuses
    /// them while starting up).
    fn accepts(&self) -> bool {
        let Some(psql) = bin("psql").or_else(|| Some(PathBuf::from("psql"))) else {
            return false;
        };
        Command::new(psql)
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .args(["-U", "postgres", "-d", "postgres", "-Atc", "SELECT 1"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    /// Stops the server (fast shutdown) and waits until it has exited.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.server.take() {
            if let Some(mut stdin) = child.stdin.take() {
                let _ = stdin.write_all(b"\n");
            }
            let _ = child.wait();
        }
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The URL of the server the suites use, found once per test process.
pub fn server_url() -> Option<String> {
    static SERVER: OnceLock<Result<String, String>> = OnceLock::new();
    // The shared cluster lives as long as the process; its watchdog stops
    // the server when the process exits and closes the pipe.
    static SHARED: Mutex<Option<Cluster>> = Mutex::new(None);
    let found = SERVER.get_or_init(|| {
        if let Ok(url) = std::env::var("AUTH_TEST_POSTGRES_URL") {
            return Ok(url);
        }
        // Kept running, never dropped: its watchdog stops the server and
        // removes the directory when the process exits.
        let why = match Cluster::create(true) {
            Ok(cluster) => {
                let url = cluster.url();
                *SHARED.lock().unwrap() = Some(cluster);
                return Ok(url);
            }
            Err(why) => why,
        };
        if TcpStream::connect("127.0.0.1:5432").is_ok() {
            eprintln!("no temporary cluster ({why}); using 127.0.0.1:5432");
            return Ok("postgres://postgres@127.0.0.1:5432/postgres".into());
        }
        Err(why)
    });
    match found {
        Ok(url) => Some(url.clone()),
        Err(why) => {
            skip(&format!("no PostgreSQL server: {why}"));
            None
        }
    }
}
