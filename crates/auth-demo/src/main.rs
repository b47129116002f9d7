//! `auth-demo`: serves the demo app (see the library's documentation and
//! docs/axum.md for the HTTP contract).

#![forbid(unsafe_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use auth_core::Algorithm;
use clap::{Parser, ValueEnum};

/// The web framework that serves the contract.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum Framework {
    /// Axum 0.8, through auth-axum.
    Axum,
    /// Rocket 0.5, through auth-rocket.
    Rocket,
}

#[derive(Parser)]
#[command(
    name = "auth-demo",
    version,
    about = "The auth toolkit's demo: session and JWT logins, CSRF, roles, refresh and revocation.",
    after_help = "Users: alice / `correct horse battery staple` (admin, user) and \
                  bob / `hunter2 hunter2` (user), unless --users names a file.\n\n\
                  Examples:\n  auth-demo\n  \
                  auth-demo --store redis://127.0.0.1:6379/ --key key.jwk --addr 127.0.0.1:3001\n  \
                  auth-demo --store postgres://app@127.0.0.1:5432/app --pg-schema auth"
)]
struct Cli {
    /// Address to listen on (port 0: any free port; the URL is printed).
    #[arg(long, default_value = "127.0.0.1:3000")]
    addr: SocketAddr,
    /// `memory`, a Redis URL (redis://host:port/ or rediss:// for TLS), or
    /// a PostgreSQL URL (postgres:// or postgresql://; migrated at start-up).
    #[arg(long, env = "AUTH_DEMO_STORE", default_value = "memory")]
    store: String,
    /// With a PostgreSQL store: the schema its tables live in.
    #[arg(long, env = "AUTH_DEMO_PG_SCHEMA", default_value = auth_store::DEFAULT_SCHEMA)]
    pg_schema: String,
    /// Algorithm of the access tokens (HS256 ... ES384).
    #[arg(long, default_value = "ES256", value_parser = parse_alg)]
    alg: Algorithm,
    /// Private key file (JWK or PEM, as `authtool keygen` writes it), so
    /// that several processes sign and verify with one key. Default: a key
    /// generated at start-up.
    #[arg(long)]
    key: Option<PathBuf>,
    /// Users file: a JSON array of objects with a name, a password (or an
    /// Argon2id hash in its place) and roles; see the docs for the format.
    #[arg(long)]
    users: Option<PathBuf>,
    /// The web framework.
    #[arg(long, value_enum, default_value = "axum")]
    framework: Framework,
    /// DEVELOPMENT ONLY: cookies without Secure and the __Host- prefix, for
    /// a plain-HTTP host that is not localhost.
    #[arg(long)]
    insecure_http: bool,
    /// Seconds an account is refused after its five free failed logins,
    /// doubling with each further failure up to 15 minutes.
    #[arg(long, env = "AUTH_DEMO_LOGIN_BACKOFF", default_value_t = 1,
          value_parser = clap::value_parser!(u64).range(1..=900))]
    login_backoff: u64,
}

fn parse_alg(name: &str) -> Result<Algorithm, String> {
    Algorithm::from_name(name).ok_or_else(|| format!("unknown algorithm {name:?}"))
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(tracing::Level::WARN)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
    let cli = Cli::parse();
    let options = auth_demo::Options {
        store: cli.store,
        pg_schema: cli.pg_schema,
        alg: cli.alg,
        key: cli.key,
        users: cli.users,
        insecure_http: cli.insecure_http,
        login_backoff: cli.login_backoff,
        ..auth_demo::Options::default()
    };
    if options.insecure_http {
        eprintln!("WARNING: --insecure-http: cookies are not Secure; development only");
    }
    match cli.framework {
        Framework::Axum => serve_axum(options, cli.addr, cli.alg).await,
        Framework::Rocket => serve_rocket(options, cli.addr, cli.alg).await,
    }
}

async fn serve_axum(options: auth_demo::Options, addr: SocketAddr, alg: Algorithm) -> ExitCode {
    let demo = match auth_demo::build(options).await {
        Ok(demo) => demo,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(e) => {
            eprintln!("error: cannot listen on {addr}: {e}");
            return ExitCode::from(2);
        }
    };
    let addr = listener.local_addr().map_or(addr, |a| a);
    println!(
        "auth-demo (axum, {} store, {} key {}) listening on http://{addr}/",
        demo.store_kind,
        alg.name(),
        demo.kid
    );
    if let Err(e) = auth_demo::serve(listener, demo).await {
        eprintln!("error: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::SUCCESS
}

async fn serve_rocket(options: auth_demo::Options, addr: SocketAddr, alg: Algorithm) -> ExitCode {
    let demo = match auth_demo::build_rocket(options).await {
        Ok(demo) => demo,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let banner = format!(
        "auth-demo (rocket, {} store, {} key {})",
        demo.store_kind,
        alg.name(),
        demo.kid
    );
    let ready = move |addr: SocketAddr| {
        println!("{banner} listening on http://{addr}/");
    };
    if let Err(e) = auth_demo::serve_rocket(demo, addr, ready).await {
        // Rocket reports a port it cannot bind here too.
        eprintln!("error: cannot serve on {addr}: {e}");
        return ExitCode::from(2);
    }
    ExitCode::SUCCESS
}
