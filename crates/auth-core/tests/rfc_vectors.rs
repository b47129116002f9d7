//! The official JWS examples: RFC 7515 Appendix A and RFC 7520 section 4.
//!
//! Each example is a data file under `tests/vectors/` whose `source` member
//! names the RFC section it was copied from. Every test asserts the exact
//! outcome: the payload or claims on success, the exact error code otherwise.

// The vectors span every algorithm family.
#![cfg(all(feature = "hmac", feature = "rsa", feature = "ecdsa"))]
// Test code: a panic is how a test reports a failure.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use auth_core::{
    Algorithm, Claims, DEFAULT_MAX_TOKEN_LEN, Error, SigningKey, Validation, VerifyingKey,
};
use base64ct::{Base64UrlUnpadded as B64, Encoding};
use serde::Deserialize;
use serde_json::Value;

/// One example, as stored under `tests/vectors/`.
#[derive(Deserialize)]
struct Vector {
    source: String,
    alg: String,
    /// The key exactly as the RFC gives it (private members included).
    jwk: Option<Value>,
    /// The decoded protected header (RFC 7515 examples, which spell out its
    /// exact octets, CR LF included).
    header: Option<String>,
    /// The decoded payload.
    payload: String,
    compact: String,
}

impl Vector {
    fn load(text: &str) -> Self {
        let vector: Self = serde_json::from_str(text).expect("vector file parses");
        assert!(vector.source.starts_with("RFC 75"), "{}", vector.source);
        vector
    }

    fn jwk(&self) -> String {
        serde_json::to_string(self.jwk.as_ref().expect("vector has a key")).expect("JSON")
    }

    /// The JWK with only its public members (`kty` and the key parameters).
    fn public_jwk(&self) -> String {
        let Some(Value::Object(members)) = &self.jwk else {
            panic!("vector has no key object");
        };
        let public: serde_json::Map<String, Value> = members
            .iter()
            .filter(|(name, _)| {
                matches!(name.as_str(), "kty" | "kid" | "crv" | "x" | "y" | "n" | "e")
            })
            .map(|(name, value)| (name.clone(), value.clone()))
            .collect();
        serde_json::to_string(&public).expect("JSON")
    }

    fn parts(&self) -> (&str, &str, &str) {
        let mut parts = self.compact.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            panic!("{}: not three parts", self.source);
        };
        (header, payload, signature)
    }

    /// `BASE64URL(header) || '.' || BASE64URL(payload)`: what was signed.
    fn signing_input(&self) -> &str {
        let (header, payload, _) = self.parts();
        &self.compact[..header.len() + 1 + payload.len()]
    }

    fn signature(&self) -> Vec<u8> {
        B64::decode_vec(self.parts().2).expect("canonical base64url")
    }

    /// The token with signature octet `index` changed by `mask`.
    fn with_flipped_signature_byte(&self, index: usize, mask: u8) -> String {
        let mut signature = self.signature();
        signature[index] ^= mask;
        format!(
            "{}.{}",
            self.signing_input(),
            B64::encode_string(&signature)
        )
    }
}

const A1: &str = include_str!("vectors/rfc7515_a1_hs256.json");
const A2: &str = include_str!("vectors/rfc7515_a2_rs256.json");
const A3: &str = include_str!("vectors/rfc7515_a3_es256.json");
const A4: &str = include_str!("vectors/rfc7515_a4_es512.json");
const A5: &str = include_str!("vectors/rfc7515_a5_unsecured.json");
const S4_1: &str = include_str!("vectors/rfc7520_4_1_rs256.json");
const S4_2: &str = include_str!("vectors/rfc7520_4_2_ps384.json");
const S4_3: &str = include_str!("vectors/rfc7520_4_3_es512.json");
const S4_4: &str = include_str!("vectors/rfc7520_4_4_hs256.json");

/// The `exp` of the RFC 7515 examples (2011-03-22T18:43:00Z).
const EXP: u64 = 1_300_819_380;

/// The one private claim of the RFC 7515 example payload.
#[derive(Debug, Deserialize, PartialEq)]
struct Joe {
    #[serde(rename = "http://example.com/is_root")]
    is_root: bool,
}

/// RFC 7515 A.1 to A.3: the JWT verifies just before `exp`, its claims are
/// the RFC's, and from `exp` on it is `expired`.
fn check_rfc7515_jwt(vector: &Vector, key: &VerifyingKey) {
    let source = &vector.source;
    let validation = Validation::new();
    let claims: Claims<Joe> = key
        .verify(&vector.compact, &validation, EXP - 1)
        .expect(source);
    assert_eq!(claims.iss.as_deref(), Some("joe"), "{source}");
    assert_eq!(claims.exp, Some(EXP), "{source}");
    assert_eq!(
        (claims.sub, claims.nbf, claims.iat, claims.jti),
        (None, None, None, None)
    );
    assert!(claims.aud.is_empty());
    assert_eq!(claims.custom, Joe { is_root: true }, "{source}");

    // The payload as a generic JSON value: exactly the RFC's three members.
    let generic: Claims<Value> = key
        .verify(&vector.compact, &validation, EXP - 1)
        .expect(source);
    assert_eq!(
        generic.custom,
        serde_json::json!({"iss": "joe", "exp": EXP, "http://example.com/is_root": true}),
        "{source}"
    );

    for now in [EXP, EXP + 1, 1_700_000_000] {
        let err = key
            .verify::<Joe>(&vector.compact, &validation, now)
            .unwrap_err();
        assert_eq!(err, Error::Expired { exp: EXP, now }, "{source}");
        assert_eq!(err.code(), "expired");
    }

    // Signature only: the header and payload octets are the RFC's.
    let (header, payload) = key
        .verify_signature_only(&vector.compact, DEFAULT_MAX_TOKEN_LEN)
        .expect(source);
    assert_eq!(header.alg.name(), vector.alg);
    assert_eq!(header.kid, None);
    assert_eq!(payload, vector.payload.as_bytes(), "{source}");
    let (encoded_header, _, _) = vector.parts();
    assert_eq!(
        B64::decode_vec(encoded_header).expect("canonical base64url"),
        vector.header.as_deref().expect("header").as_bytes()
    );

    // The bare primitive agrees.
    auth_core::hazmat::verify_raw(key, vector.signing_input().as_bytes(), &vector.signature())
        .expect(source);
}

/// Changing any one octet of the signature is `bad_signature`, through the
/// token path and through the bare primitive.
fn check_tampering(vector: &Vector, key: &VerifyingKey, validation: &Validation, now: u64) {
    let signature = vector.signature();
    for index in 0..signature.len() {
        for mask in [0x01, 0x80] {
            let token = vector.with_flipped_signature_byte(index, mask);
            let err = key
                .verify_signature_only(&token, DEFAULT_MAX_TOKEN_LEN)
                .unwrap_err();
            assert_eq!(
                err.code(),
                "bad_signature",
                "{}: octet {index}",
                vector.source
            );
            if vector.payload.starts_with('{') {
                let err = key.verify::<Value>(&token, validation, now).unwrap_err();
                assert_eq!(err, Error::BadSignature, "{}: octet {index}", vector.source);
            }
            let mut raw = signature.clone();
            raw[index] ^= mask;
            let err = auth_core::hazmat::verify_raw(key, vector.signing_input().as_bytes(), &raw)
                .unwrap_err();
            assert_eq!(err, Error::BadSignature);
        }
    }
    // A signature one octet short or long, and an empty one.
    for bad in [
        &signature[..signature.len() - 1],
        &[signature.as_slice(), &[0]].concat(),
        &[],
    ] {
        let token = format!("{}.{}", vector.signing_input(), B64::encode_string(bad));
        let err = key
            .verify_signature_only(&token, DEFAULT_MAX_TOKEN_LEN)
            .unwrap_err();
        assert_eq!(
            err,
            Error::BadSignature,
            "{}: length {}",
            vector.source,
            bad.len()
        );
    }
    // The signing input changed: one payload character replaced.
    let (header, payload, sig) = vector.parts();
    let mut altered = payload.to_owned().into_bytes();
    altered[3] = if altered[3] == b'A' { b'B' } else { b'A' };
    let altered = String::from_utf8(altered).expect("ASCII");
    let token = format!("{header}.{altered}.{sig}");
    assert_eq!(
        key.verify_signature_only(&token, DEFAULT_MAX_TOKEN_LEN)
            .unwrap_err(),
        Error::BadSignature
    );
}

#[test]
fn rfc7515_a1_hs256() {
    let v = Vector::load(A1);
    assert_eq!(v.alg, "HS256");
    let key = VerifyingKey::from_jwk(&v.jwk(), Some(Algorithm::Hs256)).unwrap();
    check_rfc7515_jwt(&v, &key);
    check_tampering(&v, &key, &Validation::new(), EXP - 1);

    // The JWK has no `alg`, and an `oct` key could serve any HS*: it must be named.
    assert_eq!(
        VerifyingKey::from_jwk(&v.jwk(), None).unwrap_err().code(),
        "invalid_key"
    );
    // HMAC is deterministic: signing the RFC's input gives the RFC's MAC.
    let signer = SigningKey::from_jwk(&v.jwk(), Some(Algorithm::Hs256)).unwrap();
    assert_eq!(
        auth_core::hazmat::sign_raw(&signer, v.signing_input().as_bytes()).unwrap(),
        v.signature()
    );
    // The same secret bound to HS512 is refused by the header's `alg`.
    let hs512 = VerifyingKey::from_jwk(&v.jwk(), Some(Algorithm::Hs512)).unwrap();
    assert_eq!(
        hs512
            .verify_signature_only(&v.compact, DEFAULT_MAX_TOKEN_LEN)
            .unwrap_err(),
        Error::AlgMismatch {
            expected: Algorithm::Hs512,
            found: Algorithm::Hs256
        }
    );
}

#[test]
fn rfc7515_a2_rs256() {
    let v = Vector::load(A2);
    assert_eq!(v.alg, "RS256");
    // The RFC's private JWK yields its public half; the public members alone
    // give the same key.
    let key = VerifyingKey::from_jwk(&v.jwk(), Some(Algorithm::Rs256)).unwrap();
    let public = VerifyingKey::from_jwk(&v.public_jwk(), Some(Algorithm::Rs256)).unwrap();
    assert_eq!(key.thumbprint(), public.thumbprint());
    check_rfc7515_jwt(&v, &key);
    check_rfc7515_jwt(&v, &public);
    check_tampering(&v, &key, &Validation::new(), EXP - 1);

    // PKCS#1 v1.5 is deterministic: the private JWK (with its CRT members
    // checked against its primes) reproduces the RFC's signature.
    let signer = SigningKey::from_jwk(&v.jwk(), Some(Algorithm::Rs256)).unwrap();
    assert_eq!(
        auth_core::hazmat::sign_raw(&signer, v.signing_input().as_bytes()).unwrap(),
        v.signature()
    );
    // The same RSA key bound to PS256 refuses an RS256 token.
    let ps256 = VerifyingKey::from_jwk(&v.public_jwk(), Some(Algorithm::Ps256)).unwrap();
    assert_eq!(
        ps256
            .verify_signature_only(&v.compact, DEFAULT_MAX_TOKEN_LEN)
            .unwrap_err(),
        Error::AlgMismatch {
            expected: Algorithm::Ps256,
            found: Algorithm::Rs256
        }
    );
}

#[test]
fn rfc7515_a3_es256() {
    let v = Vector::load(A3);
    assert_eq!(v.alg, "ES256");
    // An EC key's curve names its algorithm.
    let key = VerifyingKey::from_jwk(&v.jwk(), None).unwrap();
    assert_eq!(key.alg(), Algorithm::Es256);
    let public = VerifyingKey::from_jwk(&v.public_jwk(), Some(Algorithm::Es256)).unwrap();
    assert_eq!(key.thumbprint(), public.thumbprint());
    check_rfc7515_jwt(&v, &key);
    check_tampering(&v, &key, &Validation::new(), EXP - 1);

    // The RFC's `d` matches its `x` and `y` (checked when the signing key is
    // built); ECDSA signatures are randomised, so ours differs but verifies.
    let signer = SigningKey::from_jwk(&v.jwk(), None).unwrap();
    let ours = auth_core::hazmat::sign_raw(&signer, v.signing_input().as_bytes()).unwrap();
    assert_eq!(ours.len(), 64);
    auth_core::hazmat::verify_raw(&key, v.signing_input().as_bytes(), &ours).unwrap();
    // The same curve point cannot be bound to ES384.
    assert_eq!(
        VerifyingKey::from_jwk(&v.jwk(), Some(Algorithm::Es384))
            .unwrap_err()
            .code(),
        "invalid_key"
    );
}

/// A key of every family, to show that a rejection depends on the token
/// alone and not on the key it meets.
fn one_key_per_family() -> Vec<VerifyingKey> {
    let a1 = Vector::load(A1);
    let a2 = Vector::load(A2);
    let a3 = Vector::load(A3);
    vec![
        VerifyingKey::from_jwk(&a1.jwk(), Some(Algorithm::Hs256)).unwrap(),
        VerifyingKey::from_jwk(&a2.jwk(), Some(Algorithm::Rs256)).unwrap(),
        VerifyingKey::from_jwk(&a3.jwk(), None).unwrap(),
    ]
}

#[test]
fn rfc7515_a4_es512_is_unsupported() {
    let v = Vector::load(A4);
    assert_eq!(v.alg, "ES512");
    // P-521 keys are not implemented: the key itself is refused.
    for alg in [None, Some(Algorithm::Es256), Some(Algorithm::Es384)] {
        let err = VerifyingKey::from_jwk(&v.jwk(), alg).unwrap_err();
        assert_eq!(err.code(), "invalid_key", "{alg:?}");
    }
    // The token is refused by its header, whatever key it meets.
    for key in one_key_per_family() {
        let err = key
            .verify::<Value>(&v.compact, &Validation::new(), EXP - 1)
            .unwrap_err();
        assert_eq!(err, Error::UnsupportedAlg, "{key:?}");
        let err = key
            .verify_signature_only(&v.compact, DEFAULT_MAX_TOKEN_LEN)
            .unwrap_err();
        assert_eq!(err.code(), "unsupported_alg", "{key:?}");
    }
}

#[test]
fn rfc7515_a5_unsecured_is_unsupported() {
    let v = Vector::load(A5);
    assert_eq!(v.alg, "none");
    assert!(
        v.compact.ends_with('.'),
        "an unsecured JWS has an empty signature"
    );
    for key in one_key_per_family() {
        let err = key
            .verify::<Value>(&v.compact, &Validation::new(), EXP - 1)
            .unwrap_err();
        assert_eq!(err, Error::UnsupportedAlg, "{key:?}");
        let err = key
            .verify_signature_only(&v.compact, DEFAULT_MAX_TOKEN_LEN)
            .unwrap_err();
        assert_eq!(err.code(), "unsupported_alg", "{key:?}");
    }
}

/// RFC 7520 section 4: the payload is text, not JWT claims, so these go
/// through `verify_signature_only`. The header carries the key's `kid`.
fn check_rfc7520(v: &Vector, key: &VerifyingKey, alg: Algorithm) {
    let (header, payload) = key
        .verify_signature_only(&v.compact, DEFAULT_MAX_TOKEN_LEN)
        .expect(&v.source);
    assert_eq!(header.alg, alg);
    assert_eq!(header.alg.name(), v.alg);
    assert_eq!(header.kid.as_deref(), Some(key.kid()));
    assert_eq!((header.typ, header.cty), (None, None));
    assert_eq!(payload, v.payload.as_bytes(), "{}", v.source);
    assert_eq!(
        String::from_utf8(payload).unwrap(),
        "It\u{2019}s a dangerous business, Frodo, going out your door. You step onto the road, \
         and if you don't keep your feet, there\u{2019}s no knowing where you might be swept off to."
    );
    auth_core::hazmat::verify_raw(key, v.signing_input().as_bytes(), &v.signature())
        .expect(&v.source);
    check_tampering(v, key, &Validation::new(), 0);

    // A key with another `kid` is not chosen for this token.
    let other = key.clone().with_kid("someone.else@hobbiton.example");
    assert_eq!(
        other
            .verify_signature_only(&v.compact, DEFAULT_MAX_TOKEN_LEN)
            .unwrap_err(),
        Error::UnknownKid
    );
    // The signature is good, but the payload is not a JSON object of claims.
    let err = key
        .verify::<Value>(&v.compact, &Validation::new(), 0)
        .unwrap_err();
    assert_eq!(err.code(), "malformed", "{}: {err}", v.source);
}

#[test]
fn rfc7520_4_1_rs256() {
    let v = Vector::load(S4_1);
    let key = VerifyingKey::from_jwk(&v.jwk(), Some(Algorithm::Rs256)).unwrap();
    assert_eq!(key.kid(), "bilbo.baggins@hobbiton.example");
    check_rfc7520(&v, &key, Algorithm::Rs256);
    let public = VerifyingKey::from_jwk(&v.public_jwk(), Some(Algorithm::Rs256)).unwrap();
    check_rfc7520(&v, &public, Algorithm::Rs256);

    // Deterministic: the private key of RFC 7520 section 3.4 reproduces the
    // signature.
    let signer = SigningKey::from_jwk(&v.jwk(), Some(Algorithm::Rs256)).unwrap();
    assert_eq!(
        auth_core::hazmat::sign_raw(&signer, v.signing_input().as_bytes()).unwrap(),
        v.signature()
    );
}

#[test]
fn rfc7520_4_2_ps384() {
    let v = Vector::load(S4_2);
    let key = VerifyingKey::from_jwk(&v.jwk(), Some(Algorithm::Ps384)).unwrap();
    check_rfc7520(&v, &key, Algorithm::Ps384);

    // PSS is randomised: a fresh signature differs from the RFC's and verifies.
    let signer = SigningKey::from_jwk(&v.jwk(), Some(Algorithm::Ps384)).unwrap();
    let ours = auth_core::hazmat::sign_raw(&signer, v.signing_input().as_bytes()).unwrap();
    assert_ne!(ours, v.signature());
    auth_core::hazmat::verify_raw(&key, v.signing_input().as_bytes(), &ours).unwrap();
    // The RS256 example's key is the same RSA key; bound to PS384 it refuses
    // the RS256 token by `alg`, and the PS384 signature under RS384 is bad.
    let rs256_token = Vector::load(S4_1).compact;
    assert_eq!(
        key.verify_signature_only(&rs256_token, DEFAULT_MAX_TOKEN_LEN)
            .unwrap_err(),
        Error::AlgMismatch {
            expected: Algorithm::Ps384,
            found: Algorithm::Rs256
        }
    );
    let rs384 = VerifyingKey::from_jwk(&v.jwk(), Some(Algorithm::Rs384)).unwrap();
    assert_eq!(
        auth_core::hazmat::verify_raw(&rs384, v.signing_input().as_bytes(), &v.signature())
            .unwrap_err(),
        Error::BadSignature
    );
}

#[test]
fn rfc7520_4_3_es512_is_unsupported() {
    let v = Vector::load(S4_3);
    assert_eq!(v.alg, "ES512");
    let err = VerifyingKey::from_jwk(&v.jwk(), None).unwrap_err();
    assert_eq!(err.code(), "invalid_key");
    let bilbo = VerifyingKey::from_jwk(&Vector::load(S4_1).jwk(), Some(Algorithm::Rs256)).unwrap();
    let mut keys = one_key_per_family();
    keys.push(bilbo);
    for key in keys {
        let err = key
            .verify_signature_only(&v.compact, DEFAULT_MAX_TOKEN_LEN)
            .unwrap_err();
        assert_eq!(err, Error::UnsupportedAlg, "{key:?}");
        assert_eq!(err.code(), "unsupported_alg");
    }
}

#[test]
fn rfc7520_4_4_hs256() {
    let v = Vector::load(S4_4);
    // This JWK names its `alg`, so none need be requested.
    let key = VerifyingKey::from_jwk(&v.jwk(), None).unwrap();
    assert_eq!(key.alg(), Algorithm::Hs256);
    assert_eq!(key.kid(), "018c0ae5-4d9b-471b-bfd6-eef314bc7037");
    check_rfc7520(&v, &key, Algorithm::Hs256);
    let signer = SigningKey::from_jwk(&v.jwk(), None).unwrap();
    assert_eq!(
        auth_core::hazmat::sign_raw(&signer, v.signing_input().as_bytes()).unwrap(),
        v.signature()
    );

    // The JWK's `alg` contradicts any other request.
    let err = VerifyingKey::from_jwk(&v.jwk(), Some(Algorithm::Hs384)).unwrap_err();
    assert_eq!(err.code(), "invalid_key");
    // Another HS256 secret (RFC 7515 A.1's) fails the MAC.
    let a1 = Vector::load(A1);
    let stranger = VerifyingKey::from_jwk(&a1.jwk(), Some(Algorithm::Hs256))
        .unwrap()
        .with_kid(key.kid());
    assert_eq!(
        stranger
            .verify_signature_only(&v.compact, DEFAULT_MAX_TOKEN_LEN)
            .unwrap_err(),
        Error::BadSignature
    );
}
