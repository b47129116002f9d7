//! Where auth-core's HS256 time goes: the public pieces of `sign` and
//! `verify`, timed in one group (`hs256-breakdown`) so their differences are
//! meaningful. See "Where the HS256 time goes" in `docs/performance.md`.
//!
//! - `verify`: the whole of `VerifyingKey::verify::<AppClaims>`.
//! - `verify/ignored-custom`: the same, deserializing the custom claims into
//!   `serde::de::IgnoredAny` (serde still walks the payload, builds nothing).
//! - `verify_signature_only`: steps 1 to 4 only (split, header, `kid`/`alg`, MAC,
//!   payload base64url), no claim read.
//! - `verify_raw`: the MAC check alone, through auth-core.
//! - `serde_json/app-claims`: `serde_json::from_str::<AppClaims>` of the
//!   decoded payload, which `verify` runs after its own claim scan.
//! - `sign`, `sign/no-kid`: `SigningKey::sign` with and without the key's
//!   default `kid` (22 characters for an HMAC secret) in the header.
//! - `sign_raw`: the MAC alone, through auth-core.
//! - `serde_json/to_string`: serializing `AppClaims`, the first step of
//!   building the payload.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use core::hint::black_box;

use auth_benches::{AUDIENCE, AppClaims, ISSUER, auth_core_claims};
use auth_core::{Algorithm, SignOptions, SigningKey};
use base64ct::{Base64UrlUnpadded, Encoding};
use criterion::{Criterion, criterion_group, criterion_main};

/// The 32-byte HS256 secret.
const HS256_SECRET: &[u8; 32] = b"bench-secret-0123456789-abcdefgh";
/// `iat` of the token; verification happens a minute later.
const IAT: u64 = 1_700_000_000;

fn hs256_breakdown(c: &mut Criterion) {
    let key = SigningKey::from_hmac_secret(Algorithm::Hs256, HS256_SECRET).expect("key");
    let verifying = key.verifying_key();
    let validation = auth_core::Validation::new()
        .issuer(ISSUER)
        .audience(AUDIENCE);
    let claims = auth_core_claims(IAT);
    let token = key.sign(&claims).expect("sign");
    let (signing_input, signature) = token.rsplit_once('.').expect("three parts");
    let signature = Base64UrlUnpadded::decode_vec(signature).expect("signature");
    let payload = signing_input.split_once('.').expect("two parts").1;
    let payload = String::from_utf8(Base64UrlUnpadded::decode_vec(payload).expect("payload"))
        .expect("UTF-8 payload");
    let no_kid = SignOptions::default().without_kid();

    let mut g = c.benchmark_group("hs256-breakdown");
    g.bench_function("verify", |b| {
        b.iter(|| {
            verifying
                .verify::<AppClaims>(black_box(&token), &validation, IAT + 60)
                .expect("verify")
        });
    });
    g.bench_function("verify/ignored-custom", |b| {
        b.iter(|| {
            verifying
                .verify::<serde::de::IgnoredAny>(black_box(&token), &validation, IAT + 60)
                .expect("verify")
        });
    });
    g.bench_function("verify_signature_only", |b| {
        b.iter(|| {
            verifying
                .verify_signature_only(black_box(&token), 8192)
                .expect("verify_signature_only")
        });
    });
    g.bench_function("verify_raw", |b| {
        b.iter(|| {
            auth_core::hazmat::verify_raw(
                &verifying,
                black_box(signing_input.as_bytes()),
                black_box(&signature),
            )
            .expect("verify_raw");
        });
    });
    g.bench_function("serde_json/app-claims", |b| {
        b.iter(|| serde_json::from_str::<AppClaims>(black_box(&payload)).expect("parse"));
    });
    g.bench_function("sign", |b| {
        b.iter(|| key.sign(black_box(&claims)).expect("sign"));
    });
    g.bench_function("sign/no-kid", |b| {
        b.iter(|| key.sign_with(black_box(&claims), &no_kid).expect("sign"));
    });
    g.bench_function("sign_raw", |b| {
        b.iter(|| {
            auth_core::hazmat::sign_raw(&key, black_box(signing_input.as_bytes()))
                .expect("sign_raw")
        });
    });
    g.bench_function("serde_json/to_string", |b| {
        b.iter(|| serde_json::to_string(black_box(&claims.custom)).expect("serialize"));
    });
    g.finish();
}

criterion_group!(benches, hs256_breakdown);
criterion_main!(benches);
