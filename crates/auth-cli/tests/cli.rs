//! The `authtool` contract, run against the built binary: every subcommand,
//! every exit code, and the exact `rejected: CODE:` lines.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use auth_core::{Algorithm, SigningKey};
use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::{Value, json};

const NOW: &str = "1700000000";

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

fn run_with_stdin(args: &[&str], stdin: Option<&str>) -> Run {
    let mut child = Command::new(env!("CARGO_BIN_EXE_authtool"))
        .args(args)
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
    }
    let out: Output = child.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap(),
        stdout: String::from_utf8(out.stdout).unwrap(),
        stderr: String::from_utf8(out.stderr).unwrap(),
    }
}

fn run(args: &[&str]) -> Run {
    run_with_stdin(args, None)
}

fn ok(args: &[&str]) -> String {
    let r = run(args);
    assert_eq!(r.code, 0, "{args:?}\nstderr: {}", r.stderr);
    r.stdout.trim_end().to_owned()
}

/// Runs and expects exit 1 with `rejected: CODE: ...` and nothing on stdout.
fn rejected(args: &[&str], code: &str) {
    let r = run(args);
    assert_eq!(r.code, 1, "{args:?}\nstderr: {}", r.stderr);
    assert_eq!(r.stdout, "", "{args:?}");
    assert!(
        r.stderr.starts_with(&format!("rejected: {code}: ")),
        "{args:?}: {}",
        r.stderr
    );
    assert_eq!(r.stderr.lines().count(), 1, "{}", r.stderr);
}

/// Runs and expects exit 2 with `error: ...`.
fn usage_error(args: &[&str]) -> String {
    let r = run(args);
    assert_eq!(
        r.code, 2,
        "{args:?}\nstdout: {}\nstderr: {}",
        r.stdout, r.stderr
    );
    assert_eq!(r.stdout, "", "{args:?}");
    assert!(r.stderr.starts_with("error: "), "{args:?}: {}", r.stderr);
    r.stderr
}

struct Dir(tempfile::TempDir);

impl Dir {
    fn new() -> Self {
        Self(tempfile::tempdir().unwrap())
    }
    fn file(&self, name: &str, contents: &str) -> String {
        let path: PathBuf = self.0.path().join(name);
        std::fs::write(&path, contents).unwrap();
        path.to_str().unwrap().to_owned()
    }
    fn keygen(&self, name: &str, args: &[&str]) -> String {
        let jwk = ok(&[&["keygen"], args].concat());
        self.file(name, &jwk)
    }
}

fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

fn jwk(path: &str) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}

fn thumbprint(public: &Value) -> String {
    let vk = auth_core::VerifyingKey::from_jwk(&public.to_string(), None).unwrap();
    vk.thumbprint().unwrap()
}

#[test]
fn keygen_prints_private_jwks_with_alg_and_default_kid() {
    let dir = Dir::new();
    for (alg, secret_len) in [("HS256", 32), ("HS384", 48), ("HS512", 64)] {
        let key = jwk(&dir.keygen(alg, &["--alg", alg]));
        assert_eq!(key["alg"], alg);
        assert_eq!(key["kty"], "oct");
        let k = Base64UrlUnpadded::decode_vec(key["k"].as_str().unwrap()).unwrap();
        assert_eq!(k.len(), secret_len, "{alg}");
        // auth-core's keyed id for the secret (22 characters), not a 43
        // character SHA-256 thumbprint of it.
        let vk = auth_core::VerifyingKey::from_hmac_secret(Algorithm::from_name(alg).unwrap(), &k)
            .unwrap();
        assert_eq!(key["kid"].as_str().unwrap(), vk.kid(), "{alg}");
        assert_eq!(vk.kid().len(), 22);
    }
    for alg in ["ES256", "ES384", "RS256", "PS512"] {
        let path = dir.keygen(alg, &["--alg", alg]);
        let key = jwk(&path);
        assert_eq!(key["alg"], alg);
        assert!(key.get("d").is_some());
        let public: Value = serde_json::from_str(&ok(&["public", "--key", &path])).unwrap();
        assert_eq!(key["kid"].as_str().unwrap(), thumbprint(&public), "{alg}");
    }
    let rsa = jwk(&dir.keygen("rsa", &["--alg", "RS256"]));
    assert_eq!(
        Base64UrlUnpadded::decode_vec(rsa["n"].as_str().unwrap())
            .unwrap()
            .len(),
        256
    );
    let rsa = jwk(&dir.keygen("rsa3072", &["--alg", "RS384", "--bits", "3072"]));
    assert_eq!(
        Base64UrlUnpadded::decode_vec(rsa["n"].as_str().unwrap())
            .unwrap()
            .len(),
        384
    );
    let named = jwk(&dir.keygen("named", &["--alg", "ES256", "--kid", "2026-11"]));
    assert_eq!(named["kid"], "2026-11");

    let pem = ok(&["keygen", "--alg", "ES384", "--pem"]);
    assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"), "{pem}");
    let pem_path = dir.file("k.pem", &pem);
    let token = ok(&["sign", "--key", &pem_path, "--ttl", "1m"]);
    ok(&["verify", "--key", &pem_path, &token]);
    let rsa_pem = dir.file("r.pem", &ok(&["keygen", "--alg", "PS256", "--pem"]));
    usage_error(&["sign", "--key", &rsa_pem, "--ttl", "1m"]);
    let token = ok(&["sign", "--key", &rsa_pem, "--alg", "PS256", "--ttl", "1m"]);
    ok(&["verify", "--key", &rsa_pem, "--alg", "PS256", &token]);

    usage_error(&["keygen", "--alg", "HS256", "--pem"]);
    usage_error(&["keygen", "--alg", "ES256", "--bits", "2048"]);
    usage_error(&["keygen", "--alg", "ES256", "--pem", "--kid", "x"]);
    usage_error(&["keygen", "--alg", "RS256", "--bits", "1024"]);
    usage_error(&["keygen", "--alg", "none"]);
    usage_error(&["keygen"]);
}

#[test]
fn public_and_jwks() {
    let dir = Dir::new();
    let ec = dir.keygen("ec", &["--alg", "ES256", "--kid", "a"]);
    let rsa = dir.keygen("rsa", &["--alg", "RS256", "--kid", "b"]);
    let hs = dir.keygen("hs", &["--alg", "HS256"]);
    let public: Value = serde_json::from_str(&ok(&["public", "--key", &ec])).unwrap();
    assert!(public.get("d").is_none());
    assert_eq!(public["kid"], "a");
    let err = usage_error(&["public", "--key", &hs]);
    assert!(err.contains("an HMAC secret has no public JWK"), "{err}");
    let secret = jwk(&hs)["k"].as_str().unwrap().to_owned();
    assert!(!err.contains(&secret));

    let jwks = ok(&["jwks", "--key", &ec, "--key", &rsa]);
    let set: Value = serde_json::from_str(&jwks).unwrap();
    assert_eq!(set["keys"].as_array().unwrap().len(), 2);
    assert!(!jwks.contains("\"d\""));
    let jwks_path = dir.file("jwks.json", &jwks);
    // verify picks the key by the token's kid.
    for key in [&ec, &rsa] {
        let token = ok(&["sign", "--key", key, "--ttl", "5m"]);
        ok(&["verify", "--key", &jwks_path, &token]);
    }
    usage_error(&["jwks", "--key", &ec, "--key", &hs]);
    usage_error(&["jwks", "--key", &ec, "--key", &ec]);
    usage_error(&["jwks"]);
}

/// A key file may be a JWKS of HMAC secrets: `verify` loads it as the
/// secret it is (auth-core's `KeySet::from_secret_jwks`; `from_jwks` is for
/// published sets and refuses `oct` keys) and picks the key by `kid`.
#[test]
fn a_jwks_key_file_of_hmac_secrets_signs_and_verifies_by_kid() {
    let dir = Dir::new();
    let a = dir.keygen("a", &["--alg", "HS256", "--kid", "a"]);
    let b = dir.keygen("b", &["--alg", "HS512"]);
    let b_kid = jwk(&b)["kid"].as_str().unwrap().to_owned();
    let contents = format!(
        r#"{{"keys":[{},{}]}}"#,
        std::fs::read_to_string(&a).unwrap(),
        std::fs::read_to_string(&b).unwrap()
    );
    let set = dir.file("secrets.json", &contents);
    for kid in ["a", b_kid.as_str()] {
        let token = ok(&["sign", "--key", &set, "--kid", kid, "--ttl", "1m"]);
        let decoded: Value = serde_json::from_str(&ok(&["decode", &token])).unwrap();
        assert_eq!(decoded["header"]["kid"], kid);
        let verified: Value =
            serde_json::from_str(&ok(&["verify", "--key", &set, &token])).unwrap();
        assert_eq!(verified, decoded["payload"]);
        // The same set from standard input.
        let r = run_with_stdin(&["verify", "--key", "-", &token], Some(&contents));
        assert_eq!(r.code, 0, "{}", r.stderr);
    }
    // A token by a key outside the file names a kid the file does not have.
    let stranger = dir.keygen("c", &["--alg", "HS256", "--kid", "c"]);
    let token = ok(&["sign", "--key", &stranger, "--ttl", "1m"]);
    rejected(&["verify", "--key", &set, &token], "unknown_kid");
    // Secrets are never published.
    let err = usage_error(&["jwks", "--key", &set]);
    assert!(err.contains("an HMAC secret has no public JWK"), "{err}");
}

#[test]
fn sign_contract() {
    let dir = Dir::new();
    let key = dir.keygen("k", &["--alg", "HS256", "--kid", "main"]);
    let args = [
        "sign",
        "--key",
        &key,
        "--sub",
        "alice",
        "--iss",
        "me",
        "--aud",
        "a",
        "--aud",
        "b",
        "--ttl",
        "90s",
        "--now",
        NOW,
        "--typ",
        "at+jwt",
        "--claims",
        r#"{"roles":["x"],"sub":"overridden"}"#,
    ];
    let token = ok(&args);
    let decoded: Value = serde_json::from_str(&ok(&["decode", &token])).unwrap();
    assert_eq!(
        decoded["header"],
        json!({"alg": "HS256", "typ": "at+jwt", "kid": "main"})
    );
    assert_eq!(
        decoded["payload"],
        json!({"sub": "alice", "iss": "me", "aud": ["a", "b"], "iat": 1_700_000_000u64,
               "exp": 1_700_000_090u64, "roles": ["x"]})
    );
    // Reproducible with --now: HMAC signing is deterministic.
    let again = ok(&args);
    assert_eq!(token, again);

    // Claims from a file, durations in every unit.
    let claims = dir.file("claims.json", r#"{"jti":"id-1","nbf":1699999999}"#);
    for (ttl, secs) in [("15m", 900u64), ("1h", 3600), ("7d", 604_800)] {
        let t = ok(&[
            "sign",
            "--key",
            &key,
            "--claims",
            &format!("@{claims}"),
            "--now",
            NOW,
            "--ttl",
            ttl,
        ]);
        let d: Value = serde_json::from_str(&ok(&["decode", &t])).unwrap();
        assert_eq!(d["payload"]["exp"], 1_700_000_000 + secs);
        assert_eq!(d["payload"]["jti"], "id-1");
    }
    // The key from standard input.
    let r = run_with_stdin(
        &["sign", "--key", "-", "--ttl", "1m"],
        Some(&std::fs::read_to_string(&key).unwrap()),
    );
    assert_eq!(r.code, 0, "{}", r.stderr);

    // --alg agrees with the key or is an error.
    ok(&["sign", "--key", &key, "--alg", "HS256", "--ttl", "1m"]);
    usage_error(&["sign", "--key", &key, "--alg", "HS384", "--ttl", "1m"]);
    usage_error(&["sign", "--key", &key, "--claims", "[1]"]);
    usage_error(&["sign", "--key", &key, "--claims", "{nope"]);
    usage_error(&["sign", "--key", &key, "--claims", r#"{"exp":"soon"}"#]);
    usage_error(&["sign", "--key", &key, "--claims", r#"{"aud":[1]}"#]);
    usage_error(&["sign", "--key", &key, "--claims", "@/nonexistent.json"]);
    usage_error(&["sign", "--key", &key, "--ttl", "1 week"]);
    usage_error(&["sign", "--key", "-", "--claims", "@-"]);

    // A JWKS: --kid selects; with several keys it is required.
    let a = dir.keygen("a", &["--alg", "ES256", "--kid", "a"]);
    let b = dir.keygen("b", &["--alg", "ES256", "--kid", "b"]);
    let set = format!(
        r#"{{"keys":[{},{}]}}"#,
        std::fs::read_to_string(&a).unwrap(),
        std::fs::read_to_string(&b).unwrap()
    );
    let set = dir.file("private-set.json", &set);
    let t = ok(&["sign", "--key", &set, "--kid", "b", "--ttl", "1m"]);
    let d: Value = serde_json::from_str(&ok(&["decode", &t])).unwrap();
    assert_eq!(d["header"]["kid"], "b");
    ok(&["verify", "--key", &b, &t]);
    let err = usage_error(&["sign", "--key", &set, "--ttl", "1m"]);
    assert!(err.contains("choose one with --kid"), "{err}");
    usage_error(&["sign", "--key", &set, "--kid", "zzz", "--ttl", "1m"]);
}

#[test]
fn verify_success_prints_the_payload_on_one_line() {
    let dir = Dir::new();
    let key = dir.keygen("k", &["--alg", "ES256"]);
    let token = ok(&[
        "sign", "--key", &key, "--sub", "alice", "--iss", "me", "--aud", "api", "--ttl", "10m",
    ]);
    let r = run(&[
        "verify", "--key", &key, "--iss", "me", "--aud", "api", &token,
    ]);
    assert_eq!(r.code, 0);
    assert_eq!(r.stderr, "");
    assert_eq!(r.stdout.lines().count(), 1);
    let payload: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(payload["sub"], "alice");
    // From standard input, with `-` or with no argument, trailing newline ok.
    for args in [
        &["verify", "--key", key.as_str(), "--aud", "api", "-"][..],
        &["verify", "--key", key.as_str(), "--aud", "api"],
    ] {
        let r = run_with_stdin(args, Some(&format!("{token}\n")));
        assert_eq!(r.code, 0, "{}", r.stderr);
        assert_eq!(r.stdout, format!("{payload}\n"));
    }
}

/// A token with exactly this header and payload, signed by `key`.
fn forge(key: &SigningKey, header: &Value, payload: &Value) -> String {
    let input = format!(
        "{}.{}",
        b64(header.to_string().as_bytes()),
        b64(payload.to_string().as_bytes())
    );
    format!(
        "{input}.{}",
        b64(&auth_core::hazmat::sign_raw(key, input.as_bytes()).unwrap())
    )
}

fn refs(a: &[String]) -> Vec<&str> {
    a.iter().map(String::as_str).collect()
}

#[test]
fn verify_rejections_carry_the_exact_code() {
    let dir = Dir::new();
    let sk = SigningKey::from_hmac_secret(Algorithm::Hs256, &[9; 32])
        .unwrap()
        .with_kid("k1");
    let key = dir.file("k.jwk", &sk.to_private_jwk());
    let now: u64 = NOW.parse().unwrap();
    let good = json!({"sub": "u", "iss": "me", "aud": "api", "iat": now, "exp": now + 60});
    let hs = json!({"alg": "HS256", "kid": "k1", "typ": "JWT"});
    let token = forge(&sk, &hs, &good);
    let v = |extra: &[&str], token: &str| -> Vec<String> {
        let mut args = vec![
            "verify".to_owned(),
            "--key".into(),
            key.clone(),
            "--now".into(),
            NOW.into(),
        ];
        args.extend(extra.iter().map(|s| (*s).to_owned()));
        args.push(token.to_owned());
        args
    };
    ok(&refs(&v(
        &[
            "--iss",
            "me",
            "--aud",
            "api",
            "--typ",
            "JWT",
            "--require",
            "sub",
        ],
        &token,
    )));

    let cases: Vec<(Vec<&str>, String, &str)> = vec![
        (vec![], "abc.def".into(), "malformed"),
        (vec![], format!("{token}="), "malformed"),
        (vec![], "a".repeat(9000), "too_large"),
        (
            vec![],
            forge(&sk, &json!({"alg": "none"}), &good),
            "unsupported_alg",
        ),
        (
            vec![],
            forge(&sk, &json!({"alg": "HS384", "kid": "k1"}), &good),
            "alg_mismatch",
        ),
        (
            vec![],
            forge(&sk, &json!({"alg": "HS256", "kid": "other"}), &good),
            "unknown_kid",
        ),
        (
            vec![],
            forge(&sk, &json!({"alg": "HS256", "crit": ["x"], "x": 1}), &good),
            "unsupported_crit",
        ),
        (vec!["--iss", "them"], token.clone(), "invalid_issuer"),
        (vec!["--aud", "web"], token.clone(), "invalid_audience"),
        (
            vec!["--aud", "api", "--require", "jti"],
            token.clone(),
            "missing_claim",
        ),
        (vec!["--typ", "at+jwt"], token.clone(), "invalid_type"),
        (
            vec![],
            forge(&sk, &hs, &json!({"exp": "tomorrow"})),
            "invalid_claim",
        ),
        (vec![], forge(&sk, &hs, &json!({"exp": now - 1})), "expired"),
        (
            vec![],
            forge(&sk, &hs, &json!({"exp": now + 99, "nbf": now + 50})),
            "not_yet_valid",
        ),
        (
            vec![],
            forge(&sk, &hs, &json!({"exp": now + 99, "iat": now + 50})),
            "issued_in_future",
        ),
        (
            vec!["--max-age", "10"],
            forge(&sk, &hs, &json!({"exp": now + 99, "iat": now - 11})),
            "too_old",
        ),
        (
            vec![],
            forge(&sk, &hs, &json!({"sub": "u"})),
            "missing_claim",
        ),
    ];
    for (extra, token, code) in &cases {
        rejected(&refs(&v(extra, token)), code);
    }
    // Tampered signature, precisely.
    let mut sig = token.clone().into_bytes();
    let i = sig.len() - 5;
    sig[i] = if sig[i] == b'A' { b'B' } else { b'A' };
    rejected(
        &refs(&v(&[], &String::from_utf8(sig).unwrap())),
        "bad_signature",
    );
    // Leeway rescues a token just past exp; --no-exp accepts one without exp.
    let late = forge(&sk, &hs, &json!({"exp": now - 5}));
    ok(&refs(&v(&["--leeway", "10"], &late)));
    let eternal = forge(&sk, &hs, &json!({"sub": "u"}));
    ok(&refs(&v(&["--no-exp"], &eternal)));
    usage_error(&refs(&v(&["--leeway", "301"], &token)));
}

/// RFC 7519 section 4.1.3: without `--aud`, a token that names an audience
/// is for someone else. `--any-aud` is the explicit opt-out.
#[test]
fn verify_without_aud_rejects_a_token_that_has_one() {
    let dir = Dir::new();
    let key = dir.keygen("k", &["--alg", "ES256"]);
    let now: u64 = NOW.parse().unwrap();
    let for_api = ok(&[
        "sign", "--key", &key, "--aud", "api", "--ttl", "1m", "--now", NOW,
    ]);
    let for_none = ok(&["sign", "--key", &key, "--ttl", "1m", "--now", NOW]);
    let verify = |extra: &[&str], token: &str| {
        let mut args = vec!["verify", "--key", &key, "--now", NOW];
        args.extend(extra);
        args.push(token);
        run(&args)
    };
    let r = verify(&[], &for_api);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert_eq!(r.stdout, "");
    assert_eq!(
        r.stderr,
        "rejected: invalid_audience: no audience matches the expected ones\n"
    );
    // Options that do not name an audience do not change that.
    let r = verify(&["--leeway", "300", "--no-exp"], &for_api);
    assert_eq!(r.code, 1, "{}", r.stderr);
    assert!(r.stderr.starts_with("rejected: invalid_audience: "));

    let payload = |r: Run| -> Value {
        assert_eq!(r.code, 0, "{}", r.stderr);
        serde_json::from_str(&r.stdout).unwrap()
    };
    assert_eq!(payload(verify(&["--aud", "api"], &for_api))["aud"], "api");
    assert_eq!(payload(verify(&["--any-aud"], &for_api))["aud"], "api");
    // A token without `aud` needs neither.
    assert_eq!(payload(verify(&[], &for_none))["exp"], now + 60);
    assert_eq!(payload(verify(&["--any-aud"], &for_none))["exp"], now + 60);
    // --any-aud never stands beside an audience it would seem to weaken.
    let mut args = vec!["verify", "--key", key.as_str(), "--aud", "web"];
    args.extend(["--any-aud", for_api.as_str()]);
    usage_error(&args);
}

#[test]
fn key_problems_exit_2_without_leaking_secrets() {
    let dir = Dir::new();
    let token = "a.b.c";
    let short = json!({"kty": "oct", "alg": "HS256", "k": b64(b"only-sixteen-byt")});
    let short_path = dir.file("short.jwk", &short.to_string());
    let err = usage_error(&["verify", "--key", &short_path, token]);
    assert!(
        err.contains("HMAC secret is shorter than the hash output"),
        "{err}"
    );
    assert!(!err.contains(short["k"].as_str().unwrap()), "{err}");

    let small_rsa =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../auth-core/tests/keys/rsa1024-pkcs1.pem");
    let err = usage_error(&[
        "sign",
        "--key",
        small_rsa.to_str().unwrap(),
        "--alg",
        "RS256",
    ]);
    assert!(
        err.contains("RSA modulus is shorter than 2048 bits"),
        "{err}"
    );
    assert!(!err.contains("MII"), "{err}");

    for (name, contents) in [
        ("bad.json", "{\"kty\":"),
        ("text.txt", "hello"),
        ("ec-as-hs.jwk", &ok(&["keygen", "--alg", "ES256"])),
    ] {
        let path = dir.file(name, contents);
        usage_error(&["verify", "--key", &path, "--alg", "HS256", token]);
    }
    let wrong_type = dir.keygen("ec", &["--alg", "ES256"]);
    let err = usage_error(&["sign", "--key", &wrong_type, "--alg", "RS256"]);
    let d = jwk(&wrong_type)["d"].as_str().unwrap().to_owned();
    assert!(!err.contains(&d), "{err}");
    usage_error(&["verify", "--key", "/nonexistent/key.jwk", token]);
    usage_error(&["verify", "--key", "-", "-"]);
    // A private EC JWK with a mismatched `d` is a key problem, not a crash.
    let mut bad = jwk(&wrong_type);
    bad["d"] = jwk(&dir.keygen("ec2", &["--alg", "ES256"]))["d"].clone();
    let bad_path = dir.file("bad-ec.jwk", &bad.to_string());
    usage_error(&["sign", "--key", &bad_path]);
}

#[test]
fn decode_shows_header_and_payload_without_verifying() {
    let dir = Dir::new();
    let key = dir.keygen("k", &["--alg", "HS256"]);
    let token = ok(&[
        "sign", "--key", &key, "--sub", "x", "--now", NOW, "--ttl", "1m",
    ]);
    let r = run(&["decode", &token]);
    assert_eq!(r.code, 0);
    assert!(r.stderr.contains("WITHOUT verifying"), "{}", r.stderr);
    let out: Value = serde_json::from_str(&r.stdout).unwrap();
    assert_eq!(out["header"]["alg"], "HS256");
    assert_eq!(out["payload"]["sub"], "x");
    // Signature garbage still decodes (nothing is verified) if well-formed.
    let other = format!("{}AAAA", &token[..token.rfind('.').unwrap() + 1]);
    assert_eq!(run(&["decode", &other]).code, 0);
    let r = run_with_stdin(&["decode"], Some(&format!("{token}\n")));
    assert_eq!(r.code, 0);
    rejected(&["decode", "not-a-token"], "malformed");
    rejected(&["decode", "e30.e30.!!"], "malformed");
    rejected(&["decode", &format!("{}.e30.", b64(b"[1]"))], "malformed");
}

#[test]
fn session_ids_are_fresh_and_well_formed() {
    let out = ok(&["session-id", "--count", "5"]);
    let ids: Vec<&str> = out.lines().collect();
    assert_eq!(ids.len(), 5);
    for id in &ids {
        assert_eq!(id.len(), 43);
        assert!(auth_core::session::SessionId::parse(id).is_some(), "{id}");
    }
    let unique: std::collections::HashSet<_> = ids.iter().collect();
    assert_eq!(unique.len(), 5);
    assert_eq!(ok(&["session-id"]).lines().count(), 1);
    usage_error(&["session-id", "--count", "x"]);
}

#[test]
fn every_subcommand_has_help_with_examples() {
    for sub in [
        "keygen",
        "public",
        "jwks",
        "sign",
        "verify",
        "decode",
        "session-id",
    ] {
        let help = ok(&[sub, "--help"]);
        assert!(help.contains("Example"), "{sub}: {help}");
    }
    assert!(ok(&["--help"]).contains("rejected: CODE: MESSAGE"));
}

/// A `kid` may start with `-` (a base64url id does one time in 64): it is
/// taken as the value, not as an option, by `keygen` and by `sign`.
#[test]
fn kids_that_start_with_a_dash_are_values() {
    let dir = Dir::new();
    let path = dir.keygen("dash", &["--alg", "HS256", "--kid", "-87TwK03lyzzl"]);
    assert_eq!(jwk(&path)["kid"], "-87TwK03lyzzl");
    let token = ok(&[
        "sign",
        "--key",
        &path,
        "--kid",
        "-87TwK03lyzzl",
        "--ttl",
        "1m",
    ]);
    assert_eq!(token.trim().split('.').count(), 3);
}
