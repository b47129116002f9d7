//! Key input: PEM in every supported form, and the JWK rules that refuse a
//! key whose members contradict the algorithm it is asked to serve.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::std_instead_of_core
)]

use auth_core::{
    Algorithm, Claims, Error, Jwk, KeySet, SigningKey, Validation, VerifyingKey, parse_jwks,
};
use serde_json::{Value, json};

const NOW: u64 = 1_700_000_000;

macro_rules! key {
    ($name:literal) => {
        include_str!(concat!("keys/", $name))
    };
}

fn sign_verify(sk: &SigningKey, vk: &VerifyingKey) {
    let token = sk
        .sign(&Claims::new(auth_core::Empty {}).valid_for(NOW, 60))
        .unwrap();
    let vk = vk.clone().with_kid(sk.kid());
    vk.verify::<Value>(&token, &Validation::new(), NOW).unwrap();
}

#[test]
fn pem_private_and_public_forms() {
    for (private, publics, alg) in [
        (
            &[key!("rsa2048-pkcs1.pem"), key!("rsa2048-pkcs8.pem")][..],
            &[key!("rsa2048-spki.pem"), key!("rsa2048-pkcs1-public.pem")][..],
            Some(Algorithm::Ps256),
        ),
        (
            &[key!("p256-sec1.pem"), key!("p256-pkcs8.pem")][..],
            &[key!("p256-spki.pem")][..],
            None,
        ),
        (
            &[key!("p384-sec1.pem"), key!("p384-pkcs8.pem")][..],
            &[key!("p384-spki.pem")][..],
            None,
        ),
    ] {
        for pem in private {
            let sk = SigningKey::from_pem(pem, alg).unwrap();
            for public in publics {
                let vk = VerifyingKey::from_pem(public, alg).unwrap();
                assert_eq!(vk.alg(), sk.alg());
                assert_eq!(vk.thumbprint(), sk.verifying_key().thumbprint());
                sign_verify(&sk, &vk);
            }
            // A private PEM also gives a verifying key.
            assert_eq!(
                VerifyingKey::from_pem(pem, alg).unwrap().thumbprint(),
                sk.verifying_key().thumbprint()
            );
        }
    }
    assert_eq!(
        SigningKey::from_pem(key!("p256-sec1.pem"), None)
            .unwrap()
            .alg(),
        Algorithm::Es256
    );
    assert_eq!(
        SigningKey::from_pem(key!("p384-pkcs8.pem"), None)
            .unwrap()
            .alg(),
        Algorithm::Es384
    );
}

#[test]
fn pem_refusals() {
    let refuse = |r: Result<SigningKey, Error>| r.unwrap_err();
    assert_eq!(
        refuse(SigningKey::from_pem(key!("rsa2048-pkcs8.pem"), None)),
        Error::InvalidKey("an RSA key needs the algorithm to be named")
    );
    assert_eq!(
        refuse(SigningKey::from_pem(
            key!("rsa2048-pkcs1.pem"),
            Some(Algorithm::Es256)
        )),
        Error::InvalidKey("PEM key type does not fit the algorithm")
    );
    assert_eq!(
        refuse(SigningKey::from_pem(
            key!("p256-pkcs8.pem"),
            Some(Algorithm::Es384)
        )),
        Error::InvalidKey("EC key's curve does not fit the algorithm")
    );
    assert_eq!(
        refuse(SigningKey::from_pem(
            key!("p256-pkcs8.pem"),
            Some(Algorithm::Hs256)
        )),
        Error::InvalidKey("EC key's curve does not fit the algorithm")
    );
    assert_eq!(
        refuse(SigningKey::from_pem(
            key!("rsa1024-pkcs1.pem"),
            Some(Algorithm::Rs256)
        )),
        Error::InvalidKey("RSA modulus is shorter than 2048 bits")
    );
    assert_eq!(
        refuse(SigningKey::from_pem(key!("p521-sec1.pem"), None)).code(),
        "invalid_key"
    );
    assert_eq!(
        refuse(SigningKey::from_pem("not a pem", None)),
        Error::InvalidKey("not a PEM document")
    );
    assert_eq!(
        refuse(SigningKey::from_pem(key!("p256-spki.pem"), None)).code(),
        "invalid_key"
    );
    // Error messages never echo key material.
    let err = refuse(SigningKey::from_pem(
        key!("rsa1024-pkcs1.pem"),
        Some(Algorithm::Rs256),
    ));
    assert!(!err.to_string().contains("MII"), "{err}");
}

#[test]
fn hmac_secret_must_be_as_long_as_the_hash() {
    for (alg, len) in [
        (Algorithm::Hs256, 32),
        (Algorithm::Hs384, 48),
        (Algorithm::Hs512, 64),
    ] {
        assert_eq!(
            SigningKey::from_hmac_secret(alg, &vec![1; len - 1]).unwrap_err(),
            Error::InvalidKey("HMAC secret is shorter than the hash output")
        );
        assert!(SigningKey::from_hmac_secret(alg, &vec![1; len]).is_ok());
    }
    assert_eq!(
        SigningKey::from_hmac_secret(Algorithm::Rs256, &[1; 64]).unwrap_err(),
        Error::InvalidKey("algorithm is not an HMAC algorithm")
    );
}

fn es256_jwk() -> Value {
    let sk = SigningKey::generate(Algorithm::Es256).unwrap();
    serde_json::from_str(&sk.to_private_jwk()).unwrap()
}

fn with(mut jwk: Value, member: &str, value: Value) -> String {
    jwk[member] = value;
    jwk.to_string()
}

fn without(mut jwk: Value, member: &str) -> String {
    jwk.as_object_mut().unwrap().remove(member);
    jwk.to_string()
}

#[test]
fn jwk_members_that_contradict_the_algorithm_are_refused() {
    let ec = es256_jwk();
    let invalid =
        |json: &str, alg: Option<Algorithm>| VerifyingKey::from_jwk(json, alg).unwrap_err();
    assert_eq!(
        invalid(&ec.to_string(), Some(Algorithm::Es384)),
        Error::InvalidKey("JWK `alg` contradicts the requested algorithm")
    );
    assert_eq!(
        invalid(&with(ec.clone(), "use", json!("enc")), None),
        Error::InvalidKey("JWK `use` is not `sig`")
    );
    assert_eq!(
        invalid(&with(ec.clone(), "key_ops", json!(["sign"])), None),
        Error::InvalidKey("JWK `key_ops` does not allow this operation")
    );
    assert_eq!(
        SigningKey::from_jwk(&with(ec.clone(), "key_ops", json!(["verify"])), None).unwrap_err(),
        Error::InvalidKey("JWK `key_ops` does not allow this operation")
    );
    assert_eq!(
        invalid(
            &with(ec.clone(), "key_ops", json!(["verify", "verify"])),
            None
        ),
        Error::InvalidKey("JWK `key_ops` repeats an operation")
    );
    assert!(
        VerifyingKey::from_jwk(
            &with(ec.clone(), "key_ops", json!(["sign", "verify"])),
            None
        )
        .is_ok()
    );
    assert_eq!(
        invalid(&with(ec.clone(), "crv", json!("P-384")), None),
        Error::InvalidKey("JWK `crv` does not fit the algorithm")
    );
    assert_eq!(
        invalid(&with(ec.clone(), "crv", json!("P-521")), None),
        Error::InvalidKey("JWK `crv` is not P-256 or P-384")
    );
    assert_eq!(
        invalid(&with(ec.clone(), "alg", json!("RS256")), None),
        Error::InvalidKey("JWK `kty` does not fit the algorithm")
    );
    assert_eq!(
        invalid(&with(ec.clone(), "alg", json!("none")), None),
        Error::InvalidKey("JWK `alg` is not a supported signature algorithm")
    );
    assert_eq!(
        invalid(&with(ec.clone(), "alg", json!("ES512")), None),
        Error::InvalidKey("JWK `alg` is not a supported signature algorithm")
    );
    assert_eq!(
        invalid(&with(ec.clone(), "kty", json!("OKP")), None),
        Error::InvalidKey("JWK `kty` is not oct, RSA or EC")
    );
    assert_eq!(
        invalid(&without(ec.clone(), "kty"), None),
        Error::InvalidKey("JWK has no `kty`")
    );
    assert_eq!(
        invalid(&without(ec.clone(), "y"), None),
        Error::InvalidKey("EC JWK needs `x` and `y`")
    );
    // A coordinate that is not on the curve, and one of the wrong length.
    let x = ec["x"].as_str().unwrap().to_string();
    let mut bad_x = x.clone().into_bytes();
    bad_x[3] = if bad_x[3] == b'A' { b'B' } else { b'A' };
    assert_eq!(
        invalid(
            &with(ec.clone(), "x", json!(String::from_utf8(bad_x).unwrap())),
            None
        ),
        Error::InvalidKey("EC public key is not a valid point on the curve")
    );
    assert_eq!(
        invalid(&with(ec.clone(), "x", json!(&x[..40])), None),
        Error::InvalidKey("EC coordinate has the wrong length")
    );
    // A private JWK whose `d` does not match its public point.
    let other = es256_jwk();
    assert_eq!(
        SigningKey::from_jwk(&with(ec.clone(), "d", other["d"].clone()), None).unwrap_err(),
        Error::InvalidKey("EC JWK `d` does not match `x` and `y`")
    );
    // Non-canonical base64url in a key member.
    assert_eq!(
        invalid(&with(ec.clone(), "x", json!(format!("{x}="))), None),
        Error::InvalidKey("JWK key member is not canonical base64url")
    );
    // Repeated members.
    let dup = ec.to_string().replacen('{', r#"{"kty":"EC","#, 1);
    assert_eq!(
        invalid(&dup, None),
        Error::InvalidKey("JSON object has a duplicate member name")
    );
}

#[test]
fn jwk_oct_and_rsa_rules() {
    let hs = SigningKey::generate(Algorithm::Hs384).unwrap();
    let oct: Value = serde_json::from_str(&hs.to_private_jwk()).unwrap();
    assert_eq!(
        VerifyingKey::from_jwk(&without(oct.clone(), "alg"), None).unwrap_err(),
        Error::InvalidKey("JWK has no `alg`; the algorithm must be named")
    );
    assert!(VerifyingKey::from_jwk(&without(oct.clone(), "alg"), Some(Algorithm::Hs384)).is_ok());
    // A 48-byte secret is too short for HS512.
    assert_eq!(
        VerifyingKey::from_jwk(&without(oct.clone(), "alg"), Some(Algorithm::Hs512)).unwrap_err(),
        Error::InvalidKey("HMAC secret is shorter than the hash output")
    );

    let rs = SigningKey::from_pem(key!("rsa2048-pkcs8.pem"), Some(Algorithm::Rs256)).unwrap();
    let rsa: Value = serde_json::from_str(&rs.to_private_jwk()).unwrap();
    assert!(SigningKey::from_jwk(&rsa.to_string(), None).is_ok());
    assert_eq!(
        SigningKey::from_jwk(&without(rsa.clone(), "q"), None).unwrap_err(),
        Error::InvalidKey("private RSA JWK needs `d`, `p` and `q`")
    );
    assert_eq!(
        SigningKey::from_jwk(&without(rsa.clone(), "qi"), None).unwrap_err(),
        Error::InvalidKey("private RSA JWK has only some of `dp`, `dq`, `qi`")
    );
    assert_eq!(
        SigningKey::from_jwk(&with(rsa.clone(), "dp", rsa["dq"].clone()), None).unwrap_err(),
        Error::InvalidKey("RSA private key CRT parameters do not match its primes")
    );
    assert_eq!(
        SigningKey::from_jwk(&with(rsa.clone(), "oth", json!([])), None).unwrap_err(),
        Error::InvalidKey("multi-prime RSA keys are not supported")
    );
    // Without `alg`, an RSA key cannot say whether it is RS* or PS*.
    assert_eq!(
        VerifyingKey::from_jwk(&without(rsa.clone(), "alg"), None).unwrap_err(),
        Error::InvalidKey("JWK has no `alg`; the algorithm must be named")
    );
    // A 1024-bit modulus is refused.
    let small = SigningKey::from_pem(key!("rsa1024-pkcs1.pem"), Some(Algorithm::Rs256));
    assert_eq!(
        small.unwrap_err(),
        Error::InvalidKey("RSA modulus is shorter than 2048 bits")
    );
    let n = rsa["n"].as_str().unwrap();
    let short = json!({"kty": "RSA", "alg": "RS256", "n": &n[..168], "e": "AQAB"});
    assert_eq!(
        VerifyingKey::from_jwk(&short.to_string(), None).unwrap_err(),
        Error::InvalidKey("RSA modulus is shorter than 2048 bits")
    );
    // Leading zero octets are not the minimal encoding RFC 7518 requires.
    let mut padded = vec![0u8];
    padded.extend(base64ct::Base64UrlUnpadded::decode_vec(n).unwrap());
    let padded_n = base64ct::Base64UrlUnpadded::encode_string(&padded);
    let bad = json!({"kty": "RSA", "alg": "RS256", "n": padded_n, "e": "AQAB"});
    assert_eq!(
        VerifyingKey::from_jwk(&bad.to_string(), None).unwrap_err(),
        Error::InvalidKey("RSA parameter has leading zero octets")
    );
}

use base64ct::Encoding;

#[test]
fn jwks_parse_and_set_rules() {
    let a = SigningKey::generate(Algorithm::Es256).unwrap();
    let b = SigningKey::generate(Algorithm::Es384).unwrap();
    let jwks = format!(
        r#"{{"keys":[{},{}],"extra":1}}"#,
        a.verifying_key().to_public_jwk().unwrap(),
        b.verifying_key().to_public_jwk().unwrap()
    );
    let keys = parse_jwks(&jwks).unwrap();
    assert_eq!(keys.len(), 2);
    assert_eq!(keys[0].kid(), Some(a.kid()));
    assert_eq!(keys[1].alg(), Some(Algorithm::Es384));
    assert!(!keys[0].is_private());
    let set = KeySet::from_jwks(&jwks).unwrap();
    assert_eq!(set.keys().len(), 2);

    assert_eq!(
        parse_jwks("{}").unwrap_err(),
        Error::InvalidKey("JWKS has no `keys`")
    );
    assert_eq!(
        parse_jwks(r#"{"keys":{}}"#).unwrap_err(),
        Error::InvalidKey("JWKS `keys` is not an array")
    );
    assert_eq!(
        parse_jwks(r#"{"keys":[1]}"#).unwrap_err(),
        Error::InvalidKey("JWKS `keys` has an entry that is not an object")
    );
    let twice = format!(
        r#"{{"keys":[{0},{0}]}}"#,
        a.verifying_key().to_public_jwk().unwrap()
    );
    assert_eq!(
        KeySet::from_jwks(&twice).unwrap_err(),
        Error::InvalidKey("the set already holds a key with this kid")
    );
    // A set with an HMAC key has nothing public to publish.
    let mut secret = KeySet::new();
    secret
        .set_signing_key(SigningKey::generate(Algorithm::Hs256).unwrap())
        .unwrap();
    assert_eq!(
        secret.to_jwks().unwrap_err(),
        Error::InvalidKey("an HMAC secret has no public JWK")
    );
    assert_eq!(
        KeySet::new()
            .sign(&Claims::new(auth_core::Empty {}))
            .unwrap_err(),
        Error::InvalidKey("the key set has no signing key")
    );
    assert!(Jwk::parse("[]").is_err());
}

/// A 32-byte secret whose derived key id is pinned below.
const PINNED_SECRET: &[u8; 32] = b"auth-core pinned kid test secret";
/// `base64url(HMAC-SHA256(key = PINNED_SECRET, "auth-core oct kid v1")[..16])`,
/// computed independently (Python's `hmac`). A change of the derivation must
/// change this test, deliberately: deployed tokens carry the old ids.
const PINNED_KID: &str = "ozAdFfROFtD0nOr2NuIa-Q";
/// The RFC 7638 thumbprint of the same secret, which used to be its kid:
/// SHA-256 of `{"k":"...","kty":"oct"}`.
const PINNED_THUMBPRINT: &str = "F-B8-e61optBz2y1993kLikbq8B7kYdIgVMXwfzvjFw";

/// The RFC 7638 thumbprint an `oct` JWK of `secret` would have.
fn oct_thumbprint(secret: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    let k = base64ct::Base64UrlUnpadded::encode_string(secret);
    base64ct::Base64UrlUnpadded::encode_string(&Sha256::digest(format!(
        r#"{{"k":"{k}","kty":"oct"}}"#
    )))
}

#[test]
fn hmac_default_kid_is_a_pinned_keyed_derivation_not_the_thumbprint() {
    assert_eq!(oct_thumbprint(PINNED_SECRET), PINNED_THUMBPRINT);
    for alg in [Algorithm::Hs256, Algorithm::Hs384, Algorithm::Hs512] {
        let secret = [PINNED_SECRET.as_slice(); 2].concat();
        let secret = &secret[..alg.hash_len()];
        let sk = SigningKey::from_hmac_secret(alg, secret).unwrap();
        assert_ne!(sk.kid(), oct_thumbprint(secret), "{alg}");
        assert_eq!(sk.kid().len(), 22, "{alg}");
        // The same secret under every algorithm has the same id.
        assert_eq!(
            sk.kid(),
            SigningKey::from_hmac_secret(Algorithm::Hs256, secret)
                .unwrap()
                .kid()
        );
    }
    let sk = SigningKey::from_hmac_secret(Algorithm::Hs256, PINNED_SECRET).unwrap();
    assert_eq!(sk.kid(), PINNED_KID);
    assert_eq!(sk.verifying_key().kid(), PINNED_KID);

    // Neither the token header nor the private JWK carries the thumbprint.
    let token = sk
        .sign(&Claims::new(auth_core::Empty {}).valid_for(NOW, 60))
        .unwrap();
    let header = base64ct::Base64UrlUnpadded::decode_vec(token.split('.').next().unwrap()).unwrap();
    assert_eq!(
        String::from_utf8(header).unwrap(),
        format!(r#"{{"alg":"HS256","typ":"JWT","kid":"{PINNED_KID}"}}"#)
    );
    let jwk = sk.to_private_jwk();
    assert!(jwk.contains(PINNED_KID), "{}", *jwk);
    assert!(!jwk.contains(PINNED_THUMBPRINT), "{}", *jwk);
    // And nothing computes it: a secret has no thumbprint.
    assert_eq!(sk.verifying_key().thumbprint(), None);
    assert_eq!(
        VerifyingKey::from_hmac_secret(Algorithm::Hs256, PINNED_SECRET)
            .unwrap()
            .thumbprint(),
        None
    );
}

#[test]
fn hmac_default_kid_is_stable_across_loads_and_differs_between_secrets() {
    let secret = SigningKey::generate(Algorithm::Hs256).unwrap();
    let jwk: Value = serde_json::from_str(&secret.to_private_jwk()).unwrap();
    let raw = base64ct::Base64UrlUnpadded::decode_vec(jwk["k"].as_str().unwrap()).unwrap();
    let mut without_kid = jwk.clone();
    without_kid.as_object_mut().unwrap().remove("kid");
    // Two independent loads (as two processes of one deployment would do),
    // through every way in: they agree, so a token one signs the other
    // finds by its kid.
    let loads = [
        SigningKey::from_hmac_secret(Algorithm::Hs256, &raw)
            .unwrap()
            .verifying_key(),
        VerifyingKey::from_hmac_secret(Algorithm::Hs256, &raw).unwrap(),
        VerifyingKey::from_jwk(&without_kid.to_string(), None).unwrap(),
        VerifyingKey::from_jwk(&secret.to_private_jwk(), None).unwrap(),
    ];
    for key in &loads {
        assert_eq!(key.kid(), secret.kid());
    }
    let token = secret
        .sign(&Claims::new(auth_core::Empty {}).valid_for(NOW, 60))
        .unwrap();
    let mut set = KeySet::new();
    set.add(loads[1].clone()).unwrap();
    set.add(
        SigningKey::generate(Algorithm::Hs256)
            .unwrap()
            .verifying_key(),
    )
    .unwrap();
    set.verify::<Value>(&token, &Validation::new(), NOW)
        .unwrap();

    // Different secrets, different ids (including secrets one bit apart).
    let mut kids = std::collections::HashSet::new();
    for i in 0..32 {
        let mut s = [0x5a_u8; 32];
        s[i / 8] ^= 1 << (i % 8);
        let kid = SigningKey::from_hmac_secret(Algorithm::Hs256, &s)
            .unwrap()
            .kid()
            .to_owned();
        assert_ne!(kid, oct_thumbprint(&s));
        assert!(kids.insert(kid));
    }
    // RSA and EC keys keep the RFC 7638 thumbprint.
    let ec = SigningKey::generate(Algorithm::Es256).unwrap();
    assert_eq!(Some(ec.kid().to_owned()), ec.verifying_key().thumbprint());
}

#[test]
fn published_jwks_refuses_secrets_and_key_files_load_them_explicitly() {
    let a = SigningKey::generate(Algorithm::Hs256)
        .unwrap()
        .with_kid("a");
    let b = SigningKey::generate(Algorithm::Hs512)
        .unwrap()
        .with_kid("b");
    let hmac_file = format!(
        r#"{{"keys":[{},{}]}}"#,
        *a.to_private_jwk(),
        *b.to_private_jwk()
    );
    assert_eq!(
        KeySet::from_jwks(&hmac_file).unwrap_err(),
        Error::InvalidKey("a published JWKS must not hold a secret (`oct`) key")
    );
    // One `oct` key among public ones is enough, whatever its position.
    let ec = SigningKey::generate(Algorithm::Es256).unwrap();
    let mixed = format!(
        r#"{{"keys":[{},{}]}}"#,
        ec.verifying_key().to_public_jwk().unwrap(),
        *a.to_private_jwk()
    );
    assert_eq!(
        KeySet::from_jwks(&mixed).unwrap_err(),
        Error::InvalidKey("a published JWKS must not hold a secret (`oct`) key")
    );
    // A private RSA or EC member is a leaked signing key, too.
    for key in [&ec, &SigningKey::generate(Algorithm::Ps256).unwrap()] {
        let private = format!(r#"{{"keys":[{}]}}"#, *key.to_private_jwk());
        assert_eq!(
            KeySet::from_jwks(&private).unwrap_err(),
            Error::InvalidKey("a published JWKS must not hold private key members")
        );
        let set = KeySet::from_secret_jwks(&private).unwrap();
        assert_eq!(
            set.keys()[0].to_public_jwk(),
            key.verifying_key().to_public_jwk()
        );
    }

    // The explicit call loads the key file; both keys verify their tokens.
    let set = KeySet::from_secret_jwks(&hmac_file).unwrap();
    assert_eq!(set.keys().len(), 2);
    for key in [&a, &b] {
        let token = key
            .sign(&Claims::new(auth_core::Empty {}).valid_for(NOW, 60))
            .unwrap();
        set.verify::<Value>(&token, &Validation::new(), NOW)
            .unwrap();
    }
    assert_eq!(KeySet::from_secret_jwks(&mixed).unwrap().keys().len(), 2);
    // Everything else about the JWKS stays as strict.
    assert_eq!(
        KeySet::from_secret_jwks("{}").unwrap_err(),
        Error::InvalidKey("JWKS has no `keys`")
    );
    let twice = format!(r#"{{"keys":[{0},{0}]}}"#, *a.to_private_jwk());
    assert_eq!(
        KeySet::from_secret_jwks(&twice).unwrap_err(),
        Error::InvalidKey("the set already holds a key with this kid")
    );
}

#[test]
fn set_signing_key_refuses_a_different_key_under_a_taken_kid() {
    let taken = Err(Error::InvalidKey(
        "the set already holds a different key with this kid",
    ));
    let claims = || Claims::new(auth_core::Empty {}).valid_for(NOW, 60);
    for alg in [Algorithm::Hs256, Algorithm::Es256, Algorithm::Rs256] {
        let old = SigningKey::generate(alg).unwrap().with_kid("k");
        let new = SigningKey::generate(alg).unwrap().with_kid("k");
        let mut set = KeySet::new();
        set.add(old.verifying_key()).unwrap();
        assert_eq!(set.set_signing_key(new.clone()), taken, "{alg}");
        // Nothing changed: no signing key, and the old key still verifies.
        assert!(set.signing_key().is_none());
        assert_eq!(set.keys().len(), 1);
        set.verify::<Value>(&old.sign(&claims()).unwrap(), &Validation::new(), NOW)
            .unwrap();

        // The same key again (a clone, or loaded anew) is fine.
        assert_eq!(set.set_signing_key(old.clone()), Ok(()));
        let reloaded = SigningKey::from_jwk(&old.to_private_jwk(), None).unwrap();
        assert_eq!(set.set_signing_key(reloaded), Ok(()));
        assert_eq!(set.keys().len(), 1);
        set.verify::<Value>(&set.sign(&claims()).unwrap(), &Validation::new(), NOW)
            .unwrap();
        // A signing key in place is not replaced by a different one either.
        assert_eq!(set.set_signing_key(new), taken, "{alg}");
        assert_eq!(set.signing_key().unwrap().kid(), "k");
        set.verify::<Value>(&set.sign(&claims()).unwrap(), &Validation::new(), NOW)
            .unwrap();
    }
    // Same secret bytes under another algorithm is another key.
    let secret = [3u8; 64];
    let mut set = KeySet::new();
    set.set_signing_key(SigningKey::from_hmac_secret(Algorithm::Hs256, &secret).unwrap())
        .unwrap();
    assert_eq!(
        set.set_signing_key(SigningKey::from_hmac_secret(Algorithm::Hs512, &secret).unwrap()),
        taken
    );
    // A secret that differs in its last byte only.
    let mut other = secret;
    other[63] ^= 1;
    assert_eq!(
        set.set_signing_key(
            SigningKey::from_hmac_secret(Algorithm::Hs256, &other)
                .unwrap()
                .with_kid(set.keys()[0].kid())
        ),
        taken
    );
    // Same material, same kid, same algorithm: accepted.
    assert_eq!(
        set.set_signing_key(SigningKey::from_hmac_secret(Algorithm::Hs256, &secret).unwrap()),
        Ok(())
    );
}

/// `Debug` names the algorithm and the `kid`, and nothing else.
#[test]
fn debug_shows_alg_and_kid_only() {
    let sk = SigningKey::from_hmac_secret(Algorithm::Hs256, &[7; 32])
        .unwrap()
        .with_kid("k1");
    assert_eq!(
        format!("{sk:?}"),
        r#"SigningKey { alg: Hs256, kid: "k1", .. }"#
    );
    assert_eq!(
        format!("{:?}", sk.verifying_key()),
        r#"VerifyingKey { alg: Hs256, kid: "k1", .. }"#
    );
}

/// `to_pkcs8_pem` writes a `PRIVATE KEY` that loads back as the same key;
/// an HMAC secret has no PEM form.
#[test]
fn pkcs8_pem_round_trips() {
    for alg in [Algorithm::Es256, Algorithm::Es384, Algorithm::Rs256] {
        let sk = SigningKey::generate(alg).unwrap();
        let pem = sk.to_pkcs8_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----\n"), "{alg}");
        let back = SigningKey::from_pem(&pem, Some(alg)).unwrap();
        assert_eq!(back.kid(), sk.kid(), "{alg}");
        sign_verify(&back, &sk.verifying_key());
    }
    let hmac = SigningKey::from_hmac_secret(Algorithm::Hs256, &[7; 32]).unwrap();
    assert_eq!(
        hmac.to_pkcs8_pem().unwrap_err(),
        Error::InvalidKey("an HMAC secret has no PEM form")
    );
}

/// Without `alg`, an EC key's curve decides: P-256 is ES256, P-384 is
/// ES384, for public and private JWKs alike.
#[test]
fn jwk_ec_curve_decides_the_algorithm() {
    for alg in [Algorithm::Es256, Algorithm::Es384] {
        let sk = SigningKey::generate(alg).unwrap();
        let private: Value = serde_json::from_str(&sk.to_private_jwk()).unwrap();
        let public: Value =
            serde_json::from_str(&sk.verifying_key().to_public_jwk().unwrap()).unwrap();
        let vk = VerifyingKey::from_jwk(&without(public, "alg"), None).unwrap();
        assert_eq!(vk.alg(), alg);
        let sk2 = SigningKey::from_jwk(&without(private, "alg"), None).unwrap();
        assert_eq!(sk2.alg(), alg);
        sign_verify(&sk2, &vk);
    }
}
