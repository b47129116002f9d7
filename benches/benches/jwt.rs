//! auth-core against jsonwebtoken and jwt-simple, and against the bare primitives, in one
//! criterion run.
//!
//! Each algorithm is one group (`hs256`, `es256`, `es384`, `rs256`) with six
//! functions (eight with jwt-simple), so every ratio in `docs/performance.md` compares numbers taken
//! in the same run on the same machine:
//!
//! - `auth-core/sign`, `auth-core/verify`: the library under test.
//! - `jsonwebtoken/sign`, `jsonwebtoken/verify`: the baseline, with the same
//!   key material, the same header members (`alg`, `typ`, `kid`), the same
//!   claims, and verification that checks `exp`, `iss` and `aud` and
//!   deserializes into an equivalent typed struct.
//! - `jwt-simple/sign`, `jwt-simple/verify`: the second peer, jwt-simple's
//!   pure-Rust build, with the same keys, `kid`, claims and checks (`exp`,
//!   `iss`, `aud`), decoding into the same application struct.
//! - `floor/primitive-verify`, `floor/primitive-sign`: the bare MAC or
//!   signature over the same signing input (`header.payload` of auth-core's
//!   token) with the same `RustCrypto` crates auth-core uses, keys built
//!   outside the timed loop. No JWT library can be faster than this.
//!
//! Every `verify` function checks the same token (the one auth-core signed).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use core::hint::black_box;
use std::time::{SystemTime, UNIX_EPOCH};

use auth_benches::{
    AUDIENCE, AppClaims, FullClaims, ISSUER, SUBJECT, auth_core_claims, full_claims, same_claims,
};
use auth_core::{Algorithm, Claims, SigningKey, VerifyingKey};
use base64ct::{Base64UrlUnpadded, Encoding};
use criterion::{BatchSize, Criterion, criterion_group, criterion_main};
use hmac::{Hmac, KeyInit, Mac};
use jsonwebtoken::{DecodingKey, EncodingKey, Header};
use jwt_simple::prelude::{JWTClaims, VerificationOptions};
use sha2::Sha256;

/// The 32-byte HS256 secret both libraries and the floor key with.
const HS256_SECRET: &[u8; 32] = b"bench-secret-0123456789-abcdefgh";

/// Everything one group needs besides its floor closures.
struct Fixture {
    group: &'static str,
    ours: SigningKey,
    ours_verify: VerifyingKey,
    ours_validation: auth_core::Validation,
    theirs_alg: jsonwebtoken::Algorithm,
    theirs_enc: EncodingKey,
    theirs_dec: DecodingKey,
    theirs_validation: jsonwebtoken::Validation,
    /// auth-core's token: what both `verify` functions check.
    token: String,
    /// `header.payload` of `token`, what the floors sign and verify.
    signing_input: Vec<u8>,
    /// The decoded third part of `token`.
    signature: Vec<u8>,
    /// `iat` of the claims; auth-core verifies at `iat + 60`.
    iat: u64,
    /// jwt-simple's key pair (or HMAC key) and public key, behind closures.
    simple: Simple,
}

/// jwt-simple's sign and verify for one algorithm, written as its users
/// write them: the key carries the same `kid`, verification requires the
/// issuer and the audience (and checks `exp` against the system clock).
struct Simple {
    sign: Box<dyn Fn(JWTClaims<AppClaims>) -> String>,
    verify: Box<SimpleVerify>,
}

/// jwt-simple's `verify_token`, for one key.
type SimpleVerify = dyn Fn(&str, &VerificationOptions) -> JWTClaims<AppClaims>;

impl Simple {
    fn new<S, V>(sign: S, verify: V) -> Self
    where
        S: Fn(JWTClaims<AppClaims>) -> Result<String, jwt_simple::Error> + 'static,
        V: Fn(&str, Option<VerificationOptions>) -> Result<JWTClaims<AppClaims>, jwt_simple::Error>
            + 'static,
    {
        Self {
            sign: Box::new(move |claims| sign(claims).expect("jwt-simple signs")),
            verify: Box::new(move |token, options| {
                verify(token, Some(options.clone())).expect("jwt-simple verifies")
            }),
        }
    }

    /// The options every jwt-simple verification here uses.
    fn options() -> VerificationOptions {
        VerificationOptions {
            allowed_issuers: Some([ISSUER.to_owned()].into()),
            allowed_audiences: Some([AUDIENCE.to_owned()].into()),
            ..VerificationOptions::default()
        }
    }

    /// The benchmark claims as jwt-simple takes them (issued now).
    fn claims() -> JWTClaims<AppClaims> {
        jwt_simple::prelude::Claims::with_custom_claims(
            auth_core_claims(0).custom,
            jwt_simple::prelude::Duration::from_secs(auth_benches::TTL),
        )
        .with_subject(SUBJECT)
        .with_issuer(ISSUER)
        .with_audience(AUDIENCE)
    }
}

/// Whether jwt-simple's claims say what auth-core's say.
fn same_as_simple(ours: &Claims<AppClaims>, theirs: &JWTClaims<AppClaims>) -> bool {
    ours.sub == theirs.subject
        && ours.iss == theirs.issuer
        && theirs
            .audiences
            .clone()
            .is_some_and(|a| a.into_set().into_iter().eq(ours.aud.iter().cloned()))
        && ours.iat == theirs.issued_at.map(|t| t.as_secs())
        && ours.exp == theirs.expires_at.map(|t| t.as_secs())
        && ours.custom == theirs.custom
}

impl Fixture {
    fn new(
        group: &'static str,
        ours: SigningKey,
        theirs_alg: jsonwebtoken::Algorithm,
        theirs_enc: EncodingKey,
        theirs_dec: DecodingKey,
        simple: Simple,
    ) -> Self {
        // jsonwebtoken reads the system clock for `exp`; auth-core is told the time.
        let iat = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs();
        let token = ours.sign(&auth_core_claims(iat)).expect("auth-core signs");
        let (signing_input, signature) = token.rsplit_once('.').expect("three parts");
        let signature = Base64UrlUnpadded::decode_vec(signature).expect("base64url signature");

        let mut theirs_validation = jsonwebtoken::Validation::new(theirs_alg);
        theirs_validation.set_issuer(&[ISSUER]);
        theirs_validation.set_audience(&[AUDIENCE]);

        let fixture = Self {
            group,
            ours_verify: ours.verifying_key(),
            ours,
            ours_validation: auth_core::Validation::new()
                .issuer(ISSUER)
                .audience(AUDIENCE),
            theirs_alg,
            theirs_enc,
            theirs_dec,
            theirs_validation,
            signing_input: signing_input.as_bytes().to_vec(),
            signature,
            token,
            iat,
            simple,
        };
        fixture.check_interop();
        fixture
    }

    fn theirs_header(&self) -> Header {
        let mut header = Header::new(self.theirs_alg);
        header.kid = Some(self.ours.kid().into());
        header
    }

    fn ours_verify(&self) -> Claims<AppClaims> {
        self.ours_verify
            .verify(&self.token, &self.ours_validation, self.iat + 60)
            .expect("auth-core verifies its token")
    }

    fn theirs_verify(&self, token: &str) -> FullClaims {
        jsonwebtoken::decode::<FullClaims>(token, &self.theirs_dec, &self.theirs_validation)
            .expect("jsonwebtoken verifies the token")
            .claims
    }

    /// Both libraries accept each other's tokens and read the same claims,
    /// so the two `verify` functions do the same work.
    fn check_interop(&self) {
        let ours = self.ours_verify();
        let theirs = self.theirs_verify(&self.token);
        assert!(same_claims(&ours, &theirs), "{}: claims differ", self.group);
        assert_eq!(theirs, full_claims(self.iat));

        let their_token = jsonwebtoken::encode(
            &self.theirs_header(),
            &full_claims(self.iat),
            &self.theirs_enc,
        )
        .expect("jsonwebtoken signs");
        let back: Claims<AppClaims> = self
            .ours_verify
            .verify(&their_token, &self.ours_validation, self.iat + 60)
            .expect("auth-core verifies jsonwebtoken's token");
        assert!(same_claims(&back, &theirs), "{}: claims differ", self.group);

        // jwt-simple reads auth-core's token, and auth-core reads jwt-simple's.
        let options = Simple::options();
        let simple = (self.simple.verify)(&self.token, &options);
        assert!(same_as_simple(&ours, &simple), "{}: jwt-simple", self.group);
        let simple_token = (self.simple.sign)(Simple::claims());
        let back: Claims<AppClaims> = self
            .ours_verify
            .verify(&simple_token, &self.ours_validation, self.iat + 60)
            .expect("auth-core verifies jwt-simple's token");
        assert_eq!(
            back.custom, ours.custom,
            "{}: jwt-simple's token",
            self.group
        );
        assert_eq!(back.sub, ours.sub, "{}: jwt-simple's token", self.group);
    }
}

/// Runs the six functions of one group. The floors are generic closures so
/// they inline into the timed loop.
fn run_group<V, S, VO, SO>(c: &mut Criterion, f: &Fixture, floor_verify: V, floor_sign: S)
where
    V: Fn(&[u8], &[u8]) -> VO,
    S: Fn(&[u8]) -> SO,
{
    let ours_claims = auth_core_claims(f.iat);
    let theirs_claims = full_claims(f.iat);
    let theirs_header = f.theirs_header();

    let mut g = c.benchmark_group(f.group);
    g.bench_function("auth-core/sign", |b| {
        b.iter(|| f.ours.sign(black_box(&ours_claims)).expect("sign"));
    });
    g.bench_function("auth-core/verify", |b| {
        b.iter(|| {
            f.ours_verify
                .verify::<AppClaims>(black_box(&f.token), &f.ours_validation, f.iat + 60)
                .expect("verify")
        });
    });
    g.bench_function("jsonwebtoken/sign", |b| {
        b.iter(|| {
            jsonwebtoken::encode(&theirs_header, black_box(&theirs_claims), &f.theirs_enc)
                .expect("sign")
        });
    });
    g.bench_function("jsonwebtoken/verify", |b| {
        b.iter(|| {
            jsonwebtoken::decode::<FullClaims>(
                black_box(&f.token),
                &f.theirs_dec,
                &f.theirs_validation,
            )
            .expect("verify")
        });
    });
    let simple_claims = Simple::claims();
    let simple_options = Simple::options();
    g.bench_function("jwt-simple/sign", |b| {
        // jwt-simple takes the claims by value: the copy is made outside
        // the timed part.
        b.iter_batched(
            || simple_claims.clone(),
            |claims| (f.simple.sign)(black_box(claims)),
            BatchSize::SmallInput,
        );
    });
    g.bench_function("jwt-simple/verify", |b| {
        b.iter(|| (f.simple.verify)(black_box(&f.token), &simple_options));
    });
    g.bench_function("floor/primitive-verify", |b| {
        b.iter(|| floor_verify(black_box(&f.signing_input), black_box(&f.signature)));
    });
    g.bench_function("floor/primitive-sign", |b| {
        b.iter(|| floor_sign(black_box(&f.signing_input)));
    });
    g.finish();
}

/// A member of a JWK (JSON text) as a string.
fn member(jwk: &serde_json::Value, name: &str) -> String {
    jwk[name].as_str().expect("JWK member").to_owned()
}

/// A member of a JWK, base64url-decoded.
fn member_bytes(jwk: &serde_json::Value, name: &str) -> Vec<u8> {
    Base64UrlUnpadded::decode_vec(&member(jwk, name)).expect("base64url JWK member")
}

fn hs256(c: &mut Criterion) {
    let ours = SigningKey::from_hmac_secret(Algorithm::Hs256, HS256_SECRET).expect("key");
    let kid = ours.kid().to_owned();
    let f = Fixture::new(
        "hs256",
        ours,
        jsonwebtoken::Algorithm::HS256,
        EncodingKey::from_secret(HS256_SECRET),
        DecodingKey::from_secret(HS256_SECRET),
        {
            use jwt_simple::prelude::MACLike as _;
            let key = jwt_simple::prelude::HS256Key::from_bytes(HS256_SECRET).with_key_id(&kid);
            let verifier = key.clone();
            Simple::new(
                move |claims| key.authenticate(claims),
                move |token, options| verifier.verify_token(token, options),
            )
        },
    );
    let keyed = <Hmac<Sha256> as KeyInit>::new_from_slice(HS256_SECRET).expect("HMAC key");
    assert!(
        keyed
            .clone()
            .chain_update(&f.signing_input)
            .verify_slice(&f.signature)
            .is_ok()
    );
    run_group(
        c,
        &f,
        |input, tag| {
            let mut mac = keyed.clone();
            mac.update(input);
            mac.verify_slice(tag).is_ok()
        },
        |input| {
            let mut mac = keyed.clone();
            mac.update(input);
            mac.finalize().into_bytes()
        },
    );
}

/// `fn $name`: the group of one ECDSA algorithm, on curve crate `$curve`,
/// with jwt-simple's key pair `$pair` (and its two traits).
macro_rules! ec_group {
    ($name:ident, $curve:ident, $alg:ident, $theirs:ident, $pair:ident, $pair_like:ident, $public_like:ident) => {
        fn $name(c: &mut Criterion) {
            use $curve::ecdsa::signature::{Signer, Verifier};
            use $curve::pkcs8::EncodePrivateKey;

            let ours = SigningKey::generate(Algorithm::$alg).expect("key");
            let kid = ours.kid().to_owned();
            let jwk: serde_json::Value = serde_json::from_str(&ours.to_private_jwk()).expect("JWK");
            let d = member_bytes(&jwk, "d");
            let floor_key = $curve::ecdsa::SigningKey::from_slice(&d).expect("scalar");
            let pkcs8 = floor_key.to_pkcs8_der().expect("PKCS#8");
            let f = Fixture::new(
                stringify!($name),
                ours,
                jsonwebtoken::Algorithm::$theirs,
                EncodingKey::from_ec_der(pkcs8.as_bytes()),
                DecodingKey::from_ec_components(&member(&jwk, "x"), &member(&jwk, "y"))
                    .expect("EC key"),
                {
                    use jwt_simple::prelude::{$pair_like as _, $public_like as _};
                    let pair = jwt_simple::prelude::$pair::from_bytes(&d)
                        .expect("jwt-simple EC key")
                        .with_key_id(&kid);
                    let public = pair.public_key().with_key_id(&kid);
                    Simple::new(
                        move |claims| pair.sign(claims),
                        move |token, options| public.verify_token(token, options),
                    )
                },
            );
            let floor_verifying = *floor_key.verifying_key();
            let signature = $curve::ecdsa::Signature::from_slice(&f.signature).expect("r || s");
            assert!(floor_verifying.verify(&f.signing_input, &signature).is_ok());
            run_group(
                c,
                &f,
                |input, _| floor_verifying.verify(input, &signature).is_ok(),
                |input| -> $curve::ecdsa::Signature { floor_key.sign(input) },
            );
        }
    };
}

ec_group!(
    es256,
    p256,
    Es256,
    ES256,
    ES256KeyPair,
    ECDSAP256KeyPairLike,
    ECDSAP256PublicKeyLike
);
ec_group!(
    es384,
    p384,
    Es384,
    ES384,
    ES384KeyPair,
    ECDSAP384KeyPairLike,
    ECDSAP384PublicKeyLike
);

fn rs256(c: &mut Criterion) {
    use rsa::pkcs1::EncodeRsaPrivateKey;
    use rsa::signature::{RandomizedSigner, Verifier};
    use rsa::{BoxedUint, RsaPrivateKey, pkcs1v15};

    let ours = SigningKey::generate(Algorithm::Rs256).expect("key");
    let kid = ours.kid().to_owned();
    let jwk: serde_json::Value = serde_json::from_str(&ours.to_private_jwk()).expect("JWK");
    let uint = |name: &str| {
        let bytes = member_bytes(&jwk, name);
        let bits = u32::try_from(bytes.len() * 8).expect("small");
        BoxedUint::from_be_slice(&bytes, bits).expect("integer")
    };
    let private = RsaPrivateKey::from_p_q(uint("p"), uint("q"), uint("e")).expect("RSA key");
    let pkcs1 = private.to_pkcs1_der().expect("PKCS#1");
    let f = Fixture::new(
        "rs256",
        ours,
        jsonwebtoken::Algorithm::RS256,
        EncodingKey::from_rsa_der(pkcs1.as_bytes()),
        DecodingKey::from_rsa_components(&member(&jwk, "n"), &member(&jwk, "e")).expect("RSA key"),
        {
            use jwt_simple::prelude::{RSAKeyPairLike as _, RSAPublicKeyLike as _};
            let pair = jwt_simple::prelude::RS256KeyPair::from_der(pkcs1.as_bytes())
                .expect("jwt-simple RSA key")
                .with_key_id(&kid);
            let public = pair.public_key().with_key_id(&kid);
            Simple::new(
                move |claims| pair.sign(claims),
                move |token, options| public.verify_token(token, options),
            )
        },
    );
    let floor_verifying = pkcs1v15::VerifyingKey::<Sha256>::new(private.to_public_key());
    let floor_signing = pkcs1v15::SigningKey::<Sha256>::new(private);
    let signature = pkcs1v15::Signature::try_from(f.signature.as_slice()).expect("signature");
    assert!(floor_verifying.verify(&f.signing_input, &signature).is_ok());
    run_group(
        c,
        &f,
        |input, _| floor_verifying.verify(input, &signature).is_ok(),
        |input| {
            floor_signing
                .try_sign_with_rng(&mut getrandom::SysRng, input)
                .expect("RSA signs")
        },
    );
}

criterion_group!(benches, hs256, es256, es384, rs256);
criterion_main!(benches);
