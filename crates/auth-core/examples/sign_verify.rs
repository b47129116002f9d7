//! Sign a token and verify it, then show the exact rejection of a tampered
//! and an expired copy.
//!
//! ```text
//! cargo run -p auth-core --example sign_verify
//! ```

use auth_core::{Algorithm, Claims, Clock, Error, SigningKey, SystemClock, Validation};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
struct AppClaims {
    name: String,
    roles: Vec<String>,
}

fn main() -> Result<(), Error> {
    let now = SystemClock.now();
    let key = SigningKey::generate(Algorithm::Es256)?;
    println!("signing key: {key:?}");
    println!("public JWK:  {}", key.verifying_key().to_public_jwk()?);

    let claims = Claims::new(AppClaims {
        name: "Ada Lovelace".into(),
        roles: vec!["admin".into(), "ops".into()],
    })
    .issuer("https://auth.example")
    .subject("user-42")
    .audience("api")
    .valid_for(now, 15 * 60);
    let token = key.sign(&claims)?;
    println!("\ntoken: {token}");

    let validation = Validation::new()
        .issuer("https://auth.example")
        .audience("api");
    let verifier = key.verifying_key();
    let verified: Claims<AppClaims> = verifier.verify(&token, &validation, now)?;
    println!(
        "\nverified: sub={:?} name={:?} roles={:?}",
        verified.sub, verified.custom.name, verified.custom.roles
    );

    let mut tampered = token.clone().into_bytes();
    let i = token.find('.').unwrap_or(0) + 5;
    tampered[i] = if tampered[i] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8_lossy(&tampered);
    match verifier.verify::<AppClaims>(&tampered, &validation, now) {
        Err(e) => println!("tampered:  rejected: {}: {e}", e.code()),
        Ok(_) => println!("tampered:  ACCEPTED (this is a bug)"),
    }
    match verifier.verify::<AppClaims>(&token, &validation, now + 16 * 60) {
        Err(e) => println!("16 min on: rejected: {}: {e}", e.code()),
        Ok(_) => println!("16 min on: ACCEPTED (this is a bug)"),
    }
    Ok(())
}
