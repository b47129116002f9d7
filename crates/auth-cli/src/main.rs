//! `authtool`: the command-line face of auth-core.
//!
//! Exit codes: 0 success; 1 a token was rejected (`rejected: CODE: MESSAGE`
//! on stderr, CODE being auth-core's stable error code); 2 a usage or key
//! problem (`error: MESSAGE`).

#![forbid(unsafe_code)]

mod claims;
mod keyfile;

use std::io::Write;
use std::process::ExitCode;

use auth_core::session::SessionId;
use auth_core::{
    Algorithm, Claims, Clock, DEFAULT_MAX_TOKEN_LEN, KeySet, SignOptions, SigningKey, SystemClock,
    Validation, insecure,
};
use clap::{Args, Parser, Subcommand};
use serde_json::Value;

use crate::keyfile::{KeyFile, key_set, read_text};

/// Why `authtool` stopped.
pub(crate) enum Failure {
    /// A token was rejected: exit 1.
    Rejected(auth_core::Error),
    /// A usage or key problem: exit 2.
    Usage(String),
}

impl Failure {
    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::Usage(message.into())
    }
}

#[derive(Parser)]
#[command(
    name = "authtool",
    version,
    about = "Generate keys, sign, verify and decode JWTs, publish JWKS, mint session IDs.",
    after_help = "Exit status: 0 success, 1 token rejected (stderr: `rejected: CODE: MESSAGE`), \
                  2 usage or key error (stderr: `error: MESSAGE`).\n\n\
                  Example session:\n  \
                  authtool keygen --alg ES256 > key.jwk\n  \
                  authtool sign --key key.jwk --sub alice --iss me --aud api --ttl 15m > token\n  \
                  authtool verify --key key.jwk --iss me --aud api < token\n  \
                  authtool decode < token"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Print a new private key as a JWK (or PKCS#8 PEM).
    #[command(after_help = "Examples:\n  authtool keygen --alg HS256\n  \
                            authtool keygen --alg RS256 --bits 3072 --kid 2026-11\n  \
                            authtool keygen --alg ES256 --pem > key.pem")]
    Keygen {
        /// Algorithm the key is for (HS256 ... ES384).
        #[arg(long)]
        alg: Algorithm,
        /// Key id (default: the RFC 7638 thumbprint of an RSA or EC key; for
        /// an HMAC secret a keyed id that reveals nothing about it). May
        /// start with `-` (base64url ids do, one time in 64).
        #[arg(long, allow_hyphen_values = true)]
        kid: Option<String>,
        /// RSA modulus size; RSA algorithms only.
        #[arg(long, value_parser = ["2048", "3072", "4096"])]
        bits: Option<String>,
        /// Print PKCS#8 PEM instead of a JWK (RSA and EC keys only).
        #[arg(long)]
        pem: bool,
    },
    /// Print the public JWK of a private key.
    #[command(after_help = "Example:\n  authtool public --key key.jwk")]
    Public {
        #[command(flatten)]
        key: KeyArgs,
    },
    /// Print a JWKS of the public keys in one or more key files.
    #[command(after_help = "Example:\n  authtool jwks --key old.jwk --key new.jwk > jwks.json")]
    Jwks {
        /// Key files (JWK, JWKS or PEM); repeat for several.
        #[arg(long = "key", value_name = "FILE", required = true)]
        keys: Vec<String>,
        /// Algorithm for keys that do not name one (RSA, oct).
        #[arg(long)]
        alg: Option<Algorithm>,
    },
    /// Sign claims and print a compact JWS.
    #[command(after_help = "Examples:\n  \
        authtool sign --key key.jwk --sub alice --aud api --ttl 15m\n  \
        authtool sign --key jwks.json --kid 2026-11 --claims @claims.json --ttl 1h\n  \
        authtool sign --key key.pem --alg PS256 --claims '{\"roles\":[\"admin\"]}' --now 1700000000 --ttl 90s")]
    Sign(SignArgs),
    /// Verify a token; print its payload on success.
    #[command(after_help = "Examples:\n  \
        authtool verify --key key.jwk --iss me --aud api TOKEN\n  \
        authtool verify --key jwks.json --aud api --leeway 30 --require jti - < token\n  \
        authtool verify --key key.jwk --any-aud TOKEN   # accept whatever `aud` says")]
    Verify(VerifyArgs),
    /// Print a token's header and payload WITHOUT verifying it.
    #[command(after_help = "Example:\n  authtool decode eyJhbGciOi...")]
    Decode {
        /// The token, or `-` (the default) for standard input.
        token: Option<String>,
    },
    /// Print fresh session IDs (256 bits, base64url), one per line.
    #[command(
        name = "session-id",
        after_help = "Example:\n  authtool session-id --count 3"
    )]
    SessionId {
        /// How many to print.
        #[arg(long, default_value_t = 1)]
        count: u32,
    },
}

#[derive(Args)]
struct KeyArgs {
    /// Key file: JWK, JWKS or PEM; `-` for standard input.
    #[arg(long = "key", value_name = "FILE")]
    path: String,
    /// Algorithm, when the key does not name one (RSA, oct) or to check it.
    #[arg(long)]
    alg: Option<Algorithm>,
}

#[derive(Args)]
struct SignArgs {
    #[command(flatten)]
    key: KeyArgs,
    /// For a JWKS: the key to sign with. For a single key: the `kid` to write.
    /// May start with `-`.
    #[arg(long, allow_hyphen_values = true)]
    kid: Option<String>,
    /// Claims as a JSON object, or @FILE to read them from a file.
    #[arg(long)]
    claims: Option<String>,
    /// `sub` claim.
    #[arg(long)]
    sub: Option<String>,
    /// `iss` claim.
    #[arg(long)]
    iss: Option<String>,
    /// `aud` claim; repeat for several.
    #[arg(long)]
    aud: Vec<String>,
    /// Lifetime: sets `exp` = `iat` + TTL (e.g. 90s, 15m, 1h, 7d).
    #[arg(long, value_parser = claims::parse_duration)]
    ttl: Option<u64>,
    /// The time to use as `iat`, in seconds since the epoch (default: now).
    #[arg(long)]
    now: Option<u64>,
    /// The `typ` header (default JWT).
    #[arg(long)]
    typ: Option<String>,
}

#[derive(Args)]
struct VerifyArgs {
    #[command(flatten)]
    key: KeyArgs,
    /// Expected `iss`.
    #[arg(long)]
    iss: Option<String>,
    /// Accepted `aud`; repeat for several (any one must match). Without it,
    /// a token that has an `aud` is rejected (`invalid_audience`).
    #[arg(long)]
    aud: Vec<String>,
    /// Accept a token whatever its `aud` says (instead of naming the
    /// audience with --aud).
    #[arg(long, conflicts_with = "aud")]
    any_aud: bool,
    /// Tolerated clock skew in seconds (at most 300).
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=300))]
    leeway: Option<u64>,
    /// The time to verify at, in seconds since the epoch (default: now).
    #[arg(long)]
    now: Option<u64>,
    /// A claim that must be present; repeat for several.
    #[arg(long = "require", value_name = "CLAIM")]
    required: Vec<String>,
    /// Expected `typ` header.
    #[arg(long)]
    typ: Option<String>,
    /// Reject tokens whose `iat` is older than this many seconds.
    #[arg(long)]
    max_age: Option<u64>,
    /// Accept tokens without `exp` (they never expire).
    #[arg(long)]
    no_exp: bool,
    /// The token, or `-` (the default) for standard input.
    token: Option<String>,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Rejected(e)) => {
            eprintln!("rejected: {}: {e}", e.code());
            ExitCode::from(1)
        }
        Err(Failure::Usage(message)) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<(), Failure> {
    match cli.command {
        Command::Keygen {
            alg,
            kid,
            bits,
            pem,
        } => keygen(alg, kid, bits.as_deref(), pem),
        Command::Public { key } => {
            let keys = KeyFile::load(&key.path)?.verifying_keys(&key.path, key.alg)?;
            let [only] = keys.as_slice() else {
                return Err(Failure::usage(format!(
                    "{}: holds {} keys; `public` takes one (use `jwks` for a set)",
                    key.path,
                    keys.len()
                )));
            };
            let jwk = only
                .to_public_jwk()
                .map_err(|e| Failure::usage(format!("{}: {e}", key.path)))?;
            print_line(&jwk)
        }
        Command::Jwks { keys, alg } => {
            check_one_stdin(keys.iter().map(String::as_str))?;
            let mut set = KeySet::new();
            for path in &keys {
                for key in KeyFile::load(path)?.verifying_keys(path, alg)? {
                    set.add(key)
                        .map_err(|e| Failure::usage(format!("{path}: {e}")))?;
                }
            }
            let jwks = set.to_jwks().map_err(|e| Failure::usage(e.to_string()))?;
            print_line(&jwks)
        }
        Command::Sign(args) => sign(args),
        Command::Verify(args) => verify(args),
        Command::Decode { token } => decode(token.as_deref()),
        Command::SessionId { count } => {
            for _ in 0..count {
                let id = SessionId::generate().map_err(|e| Failure::usage(e.to_string()))?;
                print_secret(&id.expose(), "\n")?;
            }
            Ok(())
        }
    }
}

fn keygen(
    alg: Algorithm,
    kid: Option<String>,
    bits: Option<&str>,
    pem: bool,
) -> Result<(), Failure> {
    let bits = match bits {
        None => 2048,
        Some(_) if alg.family() != auth_core::Family::Rsa => {
            return Err(Failure::usage("--bits applies to RSA algorithms only"));
        }
        Some(b) => b
            .parse()
            .map_err(|_| Failure::usage("--bits must be 2048, 3072 or 4096"))?,
    };
    let key =
        SigningKey::generate_with_rsa_bits(alg, bits).map_err(|e| Failure::usage(e.to_string()))?;
    if pem {
        if kid.is_some() {
            return Err(Failure::usage("--kid cannot be stored in PEM; use a JWK"));
        }
        let pem = key
            .to_pkcs8_pem()
            .map_err(|e| Failure::usage(e.to_string()))?;
        return print_secret(&pem, "");
    }
    let key = match kid {
        Some(kid) => key.with_kid(kid),
        None => key,
    };
    print_secret(&key.to_private_jwk(), "\n")
}

fn sign(args: SignArgs) -> Result<(), Failure> {
    let path = &args.key.path;
    let key = KeyFile::load(path)?.signing_key(path, args.key.alg, args.kid.as_deref())?;
    let base = match &args.claims {
        None => serde_json::Map::new(),
        Some(text) => {
            check_one_stdin([path.as_str(), text.strip_prefix('@').unwrap_or("")])?;
            let json = match text.strip_prefix('@') {
                Some(file) => read_text(file)?.to_string(),
                None => text.clone(),
            };
            match serde_json::from_str::<Value>(&json) {
                Ok(Value::Object(map)) => map,
                _ => return Err(Failure::usage("--claims must be a JSON object")),
            }
        }
    };
    let mut claims: Claims<serde_json::Map<String, Value>> = claims::from_json(base)?;
    if let Some(sub) = args.sub {
        claims.sub = Some(sub);
    }
    if let Some(iss) = args.iss {
        claims.iss = Some(iss);
    }
    if !args.aud.is_empty() {
        claims.aud = args.aud;
    }
    let now = args.now.unwrap_or_else(|| SystemClock.now());
    claims.iat = Some(now);
    if let Some(ttl) = args.ttl {
        claims.exp = Some(
            now.checked_add(ttl)
                .ok_or_else(|| Failure::usage("--ttl is too large"))?,
        );
    }
    let mut options = SignOptions::default();
    if let Some(typ) = args.typ {
        options = options.typ(typ);
    }
    let token = key
        .sign_with(&claims, &options)
        .map_err(|e| Failure::usage(e.to_string()))?;
    print_line(&token)
}

fn verify(args: VerifyArgs) -> Result<(), Failure> {
    let path = &args.key.path;
    check_one_stdin([path.as_str(), args.token.as_deref().unwrap_or("-")])?;
    let set = key_set(path, args.key.alg)?;
    let mut validation = Validation::new();
    if let Some(iss) = args.iss {
        validation = validation.issuer(iss);
    }
    for aud in args.aud {
        validation = validation.audience(aud);
    }
    if args.any_aud {
        validation = validation.any_audience();
    }
    if let Some(leeway) = args.leeway {
        validation = validation.leeway(leeway);
    }
    for claim in args.required {
        validation = validation.require(claim);
    }
    if let Some(typ) = args.typ {
        validation = validation.typ(typ);
    }
    if let Some(max_age) = args.max_age {
        validation = validation.max_age(max_age);
    }
    if args.no_exp {
        validation = validation.allow_missing_exp();
    }
    let token = read_token(args.token.as_deref())?;
    let now = args.now.unwrap_or_else(|| SystemClock.now());
    let claims: Claims<Value> = set
        .verify(&token, &validation, now)
        .map_err(Failure::Rejected)?;
    print_line(&claims.custom.to_string())
}

fn decode(token: Option<&str>) -> Result<(), Failure> {
    let token = read_token(token)?;
    let parts =
        insecure::decode_unverified(&token, DEFAULT_MAX_TOKEN_LEN).map_err(Failure::Rejected)?;
    let parse = |text: &str| {
        serde_json::from_str::<Value>(text)
            .map_err(|_| Failure::Rejected(auth_core::Error::Malformed("token part is not JSON")))
    };
    let out =
        serde_json::json!({"header": parse(&parts.header)?, "payload": parse(&parts.payload)?});
    eprintln!("warning: decoded WITHOUT verifying the signature; do not trust these contents");
    print_line(&out.to_string())
}

/// The token from the argument, or from standard input for `-` or none
/// (one trailing newline removed).
fn read_token(arg: Option<&str>) -> Result<String, Failure> {
    match arg {
        Some(token) if token != "-" => Ok(token.to_owned()),
        _ => {
            let text = read_text("-")?;
            Ok(text.trim_end_matches(['\n', '\r']).to_owned())
        }
    }
}

/// Standard input can be read once: refuse two arguments that both want it.
fn check_one_stdin<'a>(paths: impl IntoIterator<Item = &'a str>) -> Result<(), Failure> {
    if paths.into_iter().filter(|p| *p == "-").count() > 1 {
        return Err(Failure::usage(
            "only one input can come from standard input (`-`)",
        ));
    }
    Ok(())
}

fn print_line(text: &str) -> Result<(), Failure> {
    let mut out = std::io::stdout().lock();
    writeln!(out, "{text}")
        .map_err(|e| Failure::usage(format!("cannot write output: {}", e.kind())))
}

/// Prints a secret (key material, a session ID) followed by `end`. On unix
/// it goes straight to the standard output descriptor: std's stdout buffer
/// keeps a copy of whatever passes through it, and is never wiped.
fn print_secret(secret: &str, end: &str) -> Result<(), Failure> {
    let failed = |e: std::io::Error| Failure::usage(format!("cannot write output: {}", e.kind()));
    let stdout = std::io::stdout();
    let mut buffered = stdout.lock();
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        buffered.flush().map_err(failed)?;
        let mut raw = std::fs::File::from(stdout.as_fd().try_clone_to_owned().map_err(failed)?);
        raw.write_all(secret.as_bytes()).map_err(failed)?;
        raw.write_all(end.as_bytes()).map_err(failed)
    }
    #[cfg(not(unix))]
    {
        buffered.write_all(secret.as_bytes()).map_err(failed)?;
        buffered.write_all(end.as_bytes()).map_err(failed)?;
        buffered.flush().map_err(failed)
    }
}
