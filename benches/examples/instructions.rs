//! One operation of the `jwt` bench, repeated, for counting instructions
//! with valgrind's callgrind: a count does not depend on what else the
//! machine is doing, unlike criterion's timings. `benches/callgrind.sh`
//! runs it and prints the table and the ratios.
//!
//! ```text
//! instructions OP ALG N
//! ```
//!
//! `ALG` is `hs256`, `es256`, `es384` or `rs256`; `OP` is one of
//! `auth-core/verify`, `auth-core/sign`, `jsonwebtoken/verify`,
//! `jsonwebtoken/sign`, `jwt-simple/verify`, `jwt-simple/sign`,
//! `floor/verify`, `floor/sign` (the bare MAC or signature of the same
//! signing input, with the crate auth-core uses). The keys are the fixed
//! test keys of `crates/auth-core/tests/keys`, the claims those of the
//! criterion bench with a fixed `iat`, so two runs do the same work. The
//! operation runs once before the `N` counted ones (that first call makes
//! whatever a key builds on first use, such as auth-core's EC tables); the
//! per-call cost is `(count(N) - count(0)) / N`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use std::hint::black_box;

use auth_benches::{AUDIENCE, AppClaims, FullClaims, ISSUER, SUBJECT, auth_core_claims};
use auth_core::{Algorithm, Claims, SigningKey, Validation, VerifyingKey};
use base64ct::{Base64UrlUnpadded, Encoding};
use jwt_simple::prelude::JWTClaims;

/// Issued at (2023-11-14); valid until 2096, so the peers, which read the
/// system clock, accept it.
const IAT: u64 = 1_700_000_000;
const EXP: u64 = 4_000_000_000;
const SECRET: &[u8; 32] = b"bench-secret-0123456789-abcdefgh";

const P256: &str = include_str!("../../crates/auth-core/tests/keys/p256-pkcs8.pem");
const P384: &str = include_str!("../../crates/auth-core/tests/keys/p384-pkcs8.pem");
const RSA: &str = include_str!("../../crates/auth-core/tests/keys/rsa2048-pkcs8.pem");

type Op = Box<dyn FnMut()>;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, op, alg, n] = args.as_slice() else {
        panic!("usage: instructions OP ALG N");
    };
    let n: usize = n.parse().expect("N is a count");
    let mut run = operation(op, alg);
    run();
    for _ in 0..n {
        run();
    }
}

fn operation(op: &str, alg: &str) -> Op {
    let (ours, pem) = match alg {
        "hs256" => (
            SigningKey::from_hmac_secret(Algorithm::Hs256, SECRET).unwrap(),
            "",
        ),
        "es256" => (SigningKey::from_pem(P256, None).unwrap(), P256),
        "es384" => (SigningKey::from_pem(P384, None).unwrap(), P384),
        "rs256" => (
            SigningKey::from_pem(RSA, Some(Algorithm::Rs256)).unwrap(),
            RSA,
        ),
        _ => panic!("unknown algorithm {alg}"),
    };
    let claims = auth_core_claims(IAT).expires_at(EXP);
    let token = ours.sign(&claims).unwrap();
    let (input, signature) = token.rsplit_once('.').unwrap();
    let input = input.as_bytes().to_vec();
    let signature = Base64UrlUnpadded::decode_vec(signature).unwrap();
    let kid = ours.kid().to_owned();
    match op {
        "auth-core/verify" => {
            let key: VerifyingKey = ours.verifying_key();
            let validation = Validation::new().issuer(ISSUER).audience(AUDIENCE);
            Box::new(move || {
                let c: Claims<AppClaims> = key
                    .verify(black_box(&token), &validation, IAT + 60)
                    .unwrap();
                black_box(c);
            })
        }
        "auth-core/sign" => Box::new(move || {
            black_box(ours.sign(black_box(&claims)).unwrap());
        }),
        "jsonwebtoken/verify" | "jsonwebtoken/sign" => jsonwebtoken_op(op, alg, pem, &kid, token),
        "jwt-simple/verify" | "jwt-simple/sign" => jwt_simple_op(op, alg, pem, &kid, token),
        "floor/verify" => floor_verify(alg, pem, input, signature),
        "floor/sign" => floor_sign(alg, pem, input),
        _ => panic!("unknown operation {op}"),
    }
}

fn full_claims() -> FullClaims {
    let mut claims = auth_benches::full_claims(IAT);
    claims.exp = EXP;
    claims
}

fn jsonwebtoken_op(op: &str, alg: &str, pem: &str, kid: &str, token: String) -> Op {
    use jsonwebtoken::{Algorithm as A, DecodingKey, EncodingKey, Header, Validation};
    use p256::elliptic_curve::sec1::ToSec1Point;
    use p256::pkcs8::{DecodePrivateKey, EncodePrivateKey};
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::traits::PublicKeyParts;
    let b64 = |bytes: &[u8]| Base64UrlUnpadded::encode_string(bytes);
    let (a, enc, dec) = match alg {
        "hs256" => (
            A::HS256,
            EncodingKey::from_secret(SECRET),
            DecodingKey::from_secret(SECRET),
        ),
        "es256" => {
            let key = p256::SecretKey::from_pkcs8_pem(pem).unwrap();
            let point = key.public_key().to_sec1_point(false);
            (
                A::ES256,
                EncodingKey::from_ec_der(key.to_pkcs8_der().unwrap().as_bytes()),
                DecodingKey::from_ec_components(&b64(point.x().unwrap()), &b64(point.y().unwrap()))
                    .unwrap(),
            )
        }
        "es384" => {
            let key = p384::SecretKey::from_pkcs8_pem(pem).unwrap();
            let point = key.public_key().to_sec1_point(false);
            (
                A::ES384,
                EncodingKey::from_ec_der(key.to_pkcs8_der().unwrap().as_bytes()),
                DecodingKey::from_ec_components(&b64(point.x().unwrap()), &b64(point.y().unwrap()))
                    .unwrap(),
            )
        }
        _ => {
            let key = rsa::RsaPrivateKey::from_pkcs8_pem(pem).unwrap();
            (
                A::RS256,
                EncodingKey::from_rsa_der(key.to_pkcs1_der().unwrap().as_bytes()),
                DecodingKey::from_rsa_components(
                    &b64(&key.n().to_be_bytes()),
                    &b64(&key.e().to_be_bytes()),
                )
                .unwrap(),
            )
        }
    };
    if op.ends_with("verify") {
        let mut validation = Validation::new(a);
        validation.set_issuer(&[ISSUER]);
        validation.set_audience(&[AUDIENCE]);
        Box::new(move || {
            let c = jsonwebtoken::decode::<FullClaims>(black_box(&token), &dec, &validation);
            black_box(c.unwrap());
        })
    } else {
        let mut header = Header::new(a);
        header.kid = Some(kid.into());
        let claims = full_claims();
        Box::new(move || {
            black_box(jsonwebtoken::encode(&header, black_box(&claims), &enc).unwrap());
        })
    }
}

fn simple_claims() -> JWTClaims<AppClaims> {
    let mut claims = jwt_simple::prelude::Claims::with_custom_claims(
        auth_core_claims(IAT).custom,
        jwt_simple::prelude::Duration::from_secs(60),
    )
    .with_subject(SUBJECT)
    .with_issuer(ISSUER)
    .with_audience(AUDIENCE);
    claims.issued_at = Some(jwt_simple::prelude::UnixTimeStamp::from_secs(IAT));
    claims.expires_at = Some(jwt_simple::prelude::UnixTimeStamp::from_secs(EXP));
    claims.invalid_before = None;
    claims
}

fn jwt_simple_op(op: &str, alg: &str, pem: &str, kid: &str, token: String) -> Op {
    use jwt_simple::prelude::*;
    let options = VerificationOptions {
        allowed_issuers: Some([ISSUER.to_owned()].into()),
        allowed_audiences: Some([AUDIENCE.to_owned()].into()),
        ..VerificationOptions::default()
    };
    let claims = simple_claims();
    let verify = op.ends_with("verify");
    macro_rules! pair {
        ($pair:ty) => {{
            let pair = <$pair>::from_pem(pem).unwrap().with_key_id(kid);
            if verify {
                let public = pair.public_key().with_key_id(kid);
                Box::new(move || {
                    let c =
                        public.verify_token::<AppClaims>(black_box(&token), Some(options.clone()));
                    black_box(c.unwrap());
                }) as Op
            } else {
                Box::new(move || {
                    black_box(pair.sign(black_box(claims.clone())).unwrap());
                }) as Op
            }
        }};
    }
    match alg {
        "hs256" => {
            let key = HS256Key::from_bytes(SECRET).with_key_id(kid);
            if verify {
                Box::new(move || {
                    let c = key.verify_token::<AppClaims>(black_box(&token), Some(options.clone()));
                    black_box(c.unwrap());
                })
            } else {
                Box::new(move || {
                    black_box(key.authenticate(black_box(claims.clone())).unwrap());
                })
            }
        }
        "es256" => pair!(ES256KeyPair),
        "es384" => pair!(ES384KeyPair),
        _ => pair!(RS256KeyPair),
    }
}

fn floor_verify(alg: &str, pem: &str, input: Vec<u8>, sig: Vec<u8>) -> Op {
    use p256::pkcs8::DecodePrivateKey;
    match alg {
        "hs256" => {
            use hmac::{KeyInit, Mac};
            let keyed = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET).unwrap();
            Box::new(move || {
                let mut mac = keyed.clone();
                mac.update(black_box(&input));
                mac.verify_slice(&sig).unwrap();
            })
        }
        "es256" => {
            use p256::ecdsa::signature::Verifier;
            let key = *p256::ecdsa::SigningKey::from_pkcs8_pem(pem)
                .unwrap()
                .verifying_key();
            let sig = p256::ecdsa::Signature::from_slice(&sig).unwrap();
            Box::new(move || key.verify(black_box(&input), &sig).unwrap())
        }
        "es384" => {
            use p384::ecdsa::signature::Verifier;
            let key = *p384::ecdsa::SigningKey::from_pkcs8_pem(pem)
                .unwrap()
                .verifying_key();
            let sig = p384::ecdsa::Signature::from_slice(&sig).unwrap();
            Box::new(move || key.verify(black_box(&input), &sig).unwrap())
        }
        _ => {
            use rsa::signature::Verifier;
            let private = rsa::RsaPrivateKey::from_pkcs8_pem(pem).unwrap();
            let key = rsa::pkcs1v15::VerifyingKey::<sha2::Sha256>::new(private.to_public_key());
            let sig = rsa::pkcs1v15::Signature::try_from(sig.as_slice()).unwrap();
            Box::new(move || key.verify(black_box(&input), &sig).unwrap())
        }
    }
}

fn floor_sign(alg: &str, pem: &str, input: Vec<u8>) -> Op {
    use p256::pkcs8::DecodePrivateKey;
    match alg {
        "hs256" => {
            use hmac::{KeyInit, Mac};
            let keyed = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET).unwrap();
            Box::new(move || {
                let mut mac = keyed.clone();
                mac.update(black_box(&input));
                black_box(mac.finalize().into_bytes());
            })
        }
        "es256" => {
            use p256::ecdsa::signature::Signer;
            let key = p256::ecdsa::SigningKey::from_pkcs8_pem(pem).unwrap();
            Box::new(move || {
                let sig: p256::ecdsa::Signature = key.sign(black_box(&input));
                black_box(sig);
            })
        }
        "es384" => {
            use p384::ecdsa::signature::Signer;
            let key = p384::ecdsa::SigningKey::from_pkcs8_pem(pem).unwrap();
            Box::new(move || {
                let sig: p384::ecdsa::Signature = key.sign(black_box(&input));
                black_box(sig);
            })
        }
        _ => {
            use rsa::signature::RandomizedSigner;
            let private = rsa::RsaPrivateKey::from_pkcs8_pem(pem).unwrap();
            let key = rsa::pkcs1v15::SigningKey::<sha2::Sha256>::new(private);
            Box::new(move || {
                black_box(
                    key.try_sign_with_rng(&mut getrandom::SysRng, black_box(&input))
                        .unwrap(),
                );
            })
        }
    }
}
