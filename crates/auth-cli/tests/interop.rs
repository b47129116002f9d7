//! Tokens minted by `authtool sign` verify in PyJWT (with `cryptography`),
//! and PyJWT's tokens verify in `authtool verify`, for every algorithm.
//!
//! Needs `python3` with PyJWT and cryptography (`.ci/run` installs them).
//! Under `CI=true` their absence fails the test; elsewhere it is reported
//! as skipped.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;
use std::process::{Command, Output};

const ALGS: [&str; 11] = [
    "HS256", "HS384", "HS512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256",
    "ES384",
];

fn authtool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_authtool"))
        .args(args)
        .output()
        .unwrap()
}

fn python(args: &[&str]) -> Output {
    let helper = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/pyjwt_helper.py");
    Command::new("python3")
        .arg(helper)
        .args(args)
        .output()
        .unwrap()
}

fn stdout(out: &Output) -> String {
    assert!(
        out.status.success(),
        "failed: {:?}\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .trim_end()
        .to_owned()
}

fn pyjwt_available() -> bool {
    let ok = Command::new("python3")
        .args(["-c", "import jwt, cryptography"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but python3 with PyJWT and cryptography is not available"
        );
        eprintln!("SKIPPED: python3 with PyJWT and cryptography is not installed");
    }
    ok
}

#[test]
fn authtool_and_pyjwt_accept_each_others_tokens() {
    if !pyjwt_available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    for alg in ALGS {
        let private = dir.path().join(format!("{alg}.jwk"));
        let public = dir.path().join(format!("{alg}.pub.jwk"));
        let jwk = stdout(&authtool(&["keygen", "--alg", alg]));
        std::fs::write(&private, &jwk).unwrap();
        let private = private.to_str().unwrap();
        // PyJWT verifies with the public key (the secret for HMAC).
        let verify_key = if alg.starts_with("HS") {
            private.to_owned()
        } else {
            std::fs::write(&public, stdout(&authtool(&["public", "--key", private]))).unwrap();
            public.to_str().unwrap().to_owned()
        };

        // authtool -> PyJWT
        let token = stdout(&authtool(&[
            "sign",
            "--key",
            private,
            "--sub",
            "alice",
            "--iss",
            "me",
            "--aud",
            "api",
            "--ttl",
            "10m",
            "--claims",
            r#"{"roles":["admin","ops"]}"#,
        ]));
        let payload: serde_json::Value = serde_json::from_str(&stdout(&python(&[
            "verify",
            alg,
            &verify_key,
            &token,
            "me",
            "api",
        ])))
        .unwrap();
        assert_eq!(payload["sub"], "alice", "{alg}");
        assert_eq!(
            payload["roles"],
            serde_json::json!(["admin", "ops"]),
            "{alg}"
        );

        // PyJWT -> authtool
        let claims = serde_json::json!({
            "sub": "bob", "iss": "py", "aud": ["x", "api"], "iat": now, "exp": now + 600,
            "name": "Bob \u{e9}\u{1f600}",
        });
        let token = stdout(&python(&["sign", alg, private, &claims.to_string()]));
        let out = stdout(&authtool(&[
            "verify", "--key", private, "--iss", "py", "--aud", "api", &token,
        ]));
        let payload: serde_json::Value = serde_json::from_str(&out).unwrap();
        assert_eq!(payload, claims, "{alg}");

        // A PyJWT token with its payload swapped is rejected by authtool.
        let parts: Vec<&str> = token.split('.').collect();
        let other = stdout(&authtool(&[
            "sign", "--key", private, "--sub", "mallory", "--iss", "py", "--aud", "api", "--ttl",
            "1m",
        ]));
        let forged = format!(
            "{}.{}.{}",
            parts[0],
            other.split('.').nth(1).unwrap(),
            parts[2]
        );
        let out = authtool(&["verify", "--key", private, &forged]);
        assert_eq!(out.status.code(), Some(1), "{alg}");
        assert!(
            String::from_utf8_lossy(&out.stderr).starts_with("rejected: bad_signature: "),
            "{alg}"
        );
    }
}
