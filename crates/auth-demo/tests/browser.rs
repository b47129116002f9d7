//! The demo page in a real browser: Debian's Chromium, headless, driven by
//! playwright-core (`tests/browser/run.mjs`, which prints each step). The
//! demo runs at `http://localhost:PORT`; a second server of this test
//! serves an attacker's page (`tests/browser/attacker/`) on another port,
//! reached both as `localhost` (same-site, another origin) and as
//! `127.0.0.1` (another site).
//!
//! Needs `node`, `/usr/bin/chromium` and `npm ci` run in `tests/browser`
//! (`.ci/run` does both); without them the test prints `SKIPPED: ...` and
//! passes, except under `CI=true`, where it fails.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{Demo, Framework, in_ci};

const CHROMIUM: &str = "/usr/bin/chromium";
/// Longer than run.mjs's own limit (150 s): it reports before this.
const DEADLINE: Duration = Duration::from_secs(240);

const ATTACK_HTML: &str = include_str!("browser/attacker/attack.html");
const ATTACK_JS: &str = include_str!("browser/attacker/attack.js");

/// What the browser test needs and this machine lacks, if anything.
fn missing(dir: &Path) -> Option<String> {
    let node = Command::new("node")
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .is_ok_and(|o| o.status.success());
    if !node {
        return Some("node is not installed".into());
    }
    if !Path::new(CHROMIUM).exists() {
        return Some(format!(
            "{CHROMIUM} is not installed (apt-get install chromium)"
        ));
    }
    let playwright = dir.join("tests/browser/node_modules/playwright-core/package.json");
    if !playwright.exists() {
        return Some("playwright-core is not installed (npm ci in tests/browser)".into());
    }
    None
}

/// Answers one request of the attacker's server.
fn answer(mut stream: TcpStream) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let mut request = Vec::new();
    let mut buf = [0u8; 4096];
    while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 65536 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => request.extend_from_slice(&buf[..n]),
        }
    }
    let head = String::from_utf8_lossy(&request);
    let target = head.split(' ').nth(1).unwrap_or("");
    let path = target.split('?').next().unwrap_or("");
    let (status, content_type, body) = match path {
        "/attack.html" => ("200 OK", "text/html; charset=utf-8", ATTACK_HTML),
        "/attack.js" => ("200 OK", "text/javascript; charset=utf-8", ATTACK_JS),
        _ => ("404 Not Found", "text/plain; charset=utf-8", "not found\n"),
    };
    let response = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
         Cache-Control: no-store\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
}

/// Starts the attacker's server on a free port of 127.0.0.1 (a thread
/// per connection: the browser may open one it never uses); returns the
/// port.
fn attacker_server() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || answer(stream));
        }
    });
    port
}

/// What a child prints, read on a thread.
struct Output {
    text: Arc<Mutex<String>>,
    reader: std::thread::JoinHandle<()>,
}

impl Output {
    fn collect(mut from: impl Read + Send + 'static) -> Self {
        let text = Arc::new(Mutex::new(String::new()));
        let sink = Arc::clone(&text);
        let reader = std::thread::spawn(move || {
            let mut bytes = Vec::new();
            let _ = from.read_to_end(&mut bytes);
            sink.lock()
                .unwrap()
                .push_str(&String::from_utf8_lossy(&bytes));
        });
        Self { text, reader }
    }

    /// All of it, once the pipe has closed (or what came within 5 s, if
    /// something the child left behind holds the pipe open).
    fn take(self) -> String {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !self.reader.is_finished() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        self.text.lock().unwrap().clone()
    }
}

#[test]
fn the_page_in_chromium_logs_in_keeps_the_session_and_refuses_csrf_on_axum() {
    the_page_in_chromium(Framework::Axum);
}

#[test]
fn the_page_in_chromium_logs_in_keeps_the_session_and_refuses_csrf_on_rocket() {
    the_page_in_chromium(Framework::Rocket);
}

fn the_page_in_chromium(framework: Framework) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    if let Some(why) = missing(dir) {
        assert!(!in_ci(), "CI=true but the browser test cannot run: {why}");
        eprintln!("SKIPPED: {why}");
        return;
    }
    let demo = Demo::start_on(framework, &[]);
    let other = attacker_server();
    let started = Instant::now();
    let mut child = Command::new("node")
        .arg("tests/browser/run.mjs")
        .current_dir(dir)
        .env(
            "AUTH_DEMO_URL",
            format!("http://localhost:{}", demo.addr.port()),
        )
        .env(
            "AUTH_DEMO_OTHER_ORIGINS",
            format!("http://localhost:{other} http://127.0.0.1:{other}"),
        )
        .env("CHROMIUM", CHROMIUM)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = Output::collect(child.stdout.take().unwrap());
    let stderr = Output::collect(child.stderr.take().unwrap());
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > DEADLINE {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let output = format!(
        "--- run.mjs stdout\n{}\n--- run.mjs stderr\n{}",
        stdout.take(),
        stderr.take()
    );
    let elapsed = started.elapsed().as_secs_f32();
    match status {
        Some(status) if status.success() => {
            println!("{output}\n--- passed in {elapsed:.1} s");
        }
        Some(status) => panic!("the browser test failed ({status}) after {elapsed:.1} s\n{output}"),
        None => panic!(
            "the browser test did not end within {} s (killed)\n{output}",
            DEADLINE.as_secs()
        ),
    }
}
