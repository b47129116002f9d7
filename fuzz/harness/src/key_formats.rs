//! `jwk_parse` and `pem_parse`: every key that builds from arbitrary input
//! must keep the algorithm it was asked for, round-trip, and work.

use std::borrow::Cow;

use auth_core::{Algorithm, Family, Jwk, KeySet, SigningKey, VerifyingKey, hazmat, parse_jwks};

const MESSAGE: &[u8] = b"fuzzing message";

fn lossy(data: &[u8]) -> Cow<'_, str> {
    match std::str::from_utf8(data) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(data),
    }
}

/// Parses `data` as a JWK and as a JWKS, and puts every key that parses
/// through every algorithm and its round trips. Returns how many keys
/// built.
///
/// # Panics
///
/// When a key that builds is bound to another algorithm than asked, fails a
/// round trip through its JWK or PEM, or cannot verify its own signature;
/// or when a published JWKS does not load again.
pub fn jwk_parse(data: &[u8]) -> usize {
    let text = lossy(data);
    let mut built = 0;
    if let Ok(jwk) = Jwk::parse(&text) {
        built += exercise_jwk(&jwk);
    }
    let parsed = parse_jwks(&text);
    if let Ok(list) = &parsed {
        for jwk in list {
            built += exercise_jwk(jwk);
        }
    }
    if let Ok(set) = KeySet::from_jwks(&text) {
        let list = parsed
            .as_ref()
            .expect("a set builds only from a JWKS that parses");
        assert_eq!(set.keys().len(), list.len());
        if let Ok(published) = set.to_jwks() {
            let again = KeySet::from_jwks(&published).expect("a published JWKS loads again");
            assert_eq!(again.keys().len(), set.keys().len());
            for (a, b) in set.keys().iter().zip(again.keys()) {
                assert_eq!(
                    (a.alg(), a.kid(), a.thumbprint()),
                    (b.alg(), b.kid(), b.thumbprint())
                );
            }
        }
    }
    built
}

/// Builds every key `jwk` allows (without an algorithm and with each one),
/// checking each. Returns how many built.
fn exercise_jwk(jwk: &Jwk) -> usize {
    let _ = (jwk.kid(), jwk.alg(), jwk.is_private(), format!("{jwk:?}"));
    let mut built = 0;
    let asks = std::iter::once(None).chain(Algorithm::ALL.into_iter().map(Some));
    for asked in asks {
        if let Ok(key) = jwk.verifying_key(asked) {
            check_verifying(jwk, &key, asked.or(jwk.alg()));
            built += 1;
        }
        if let Ok(key) = jwk.signing_key(asked) {
            check_signing(jwk, &key, asked.or(jwk.alg()));
            built += 1;
        }
    }
    built
}

fn check_verifying(jwk: &Jwk, key: &VerifyingKey, asked: Option<Algorithm>) {
    if let Some(alg) = asked {
        assert_eq!(
            key.alg(),
            alg,
            "a key is bound to an algorithm nobody asked for"
        );
    }
    if let Some(kid) = jwk.kid() {
        assert_eq!(key.kid(), kid);
    }
    check_public(key);
}

fn check_signing(jwk: &Jwk, key: &SigningKey, asked: Option<Algorithm>) {
    assert!(jwk.is_private(), "a public JWK built a signing key");
    if let Some(alg) = asked {
        assert_eq!(
            key.alg(),
            alg,
            "a key is bound to an algorithm nobody asked for"
        );
    }
    let signature = check_private(key);
    if let Ok(from_jwk) = jwk.verifying_key(Some(key.alg())) {
        assert_eq!(from_jwk.thumbprint(), key.verifying_key().thumbprint());
        assert_eq!(from_jwk.kid(), key.kid());
        // A secret's thumbprint would publish a hash of the secret.
        assert_eq!(
            from_jwk.thumbprint().is_none(),
            key.alg().family() == Family::Hmac
        );
        hazmat::verify_raw(&from_jwk, MESSAGE, &signature)
            .expect("the JWK's public half verifies its private half");
    }
}

/// A verifying key that built round-trips through its public JWK.
fn check_public(key: &VerifyingKey) {
    let _ = format!("{key:?}");
    match key.to_public_jwk() {
        Ok(public) => {
            let again = Jwk::parse(&public).expect("a public JWK parses again");
            assert!(!again.is_private(), "a public JWK holds private members");
            let again = again
                .verifying_key(None)
                .expect("a public JWK builds again");
            assert_eq!(again.alg(), key.alg());
            assert_eq!(again.kid(), key.kid());
            assert_eq!(again.thumbprint(), key.thumbprint());
        }
        Err(e) => {
            assert_eq!(
                key.alg().family(),
                Family::Hmac,
                "only HMAC keys have no public JWK: {e}"
            );
        }
    }
}

/// A signing key that built round-trips through its private JWK and PKCS#8
/// PEM, and signs what its public half verifies. Returns a signature over
/// [`MESSAGE`].
fn check_private(key: &SigningKey) -> Vec<u8> {
    let _ = format!("{key:?}");
    let public = key.verifying_key();
    assert_eq!(public.alg(), key.alg());
    assert_eq!(public.kid(), key.kid());
    check_public(&public);

    let private = key.to_private_jwk();
    let again = SigningKey::from_jwk(&private, None).expect("a private JWK builds again");
    assert_eq!(again.alg(), key.alg());
    assert_eq!(again.kid(), key.kid());
    assert_eq!(again.verifying_key().thumbprint(), public.thumbprint());

    match key.to_pkcs8_pem() {
        Ok(pem) => {
            let again =
                SigningKey::from_pem(&pem, Some(key.alg())).expect("PKCS#8 PEM loads again");
            assert_eq!(again.verifying_key().thumbprint(), public.thumbprint());
            let half = VerifyingKey::from_pem(&pem, Some(key.alg()))
                .expect("a private PEM has a public half");
            assert_eq!(half.thumbprint(), public.thumbprint());
        }
        Err(e) => {
            assert_eq!(
                key.alg().family(),
                Family::Hmac,
                "only HMAC keys have no PEM: {e}"
            );
        }
    }

    // A key that builds must work: what it signs, its public half verifies.
    let signature = hazmat::sign_raw(key, MESSAGE).expect("a built key signs");
    hazmat::verify_raw(&public, MESSAGE, &signature).expect("a key's own signature verifies");
    signature
}

/// Parses `data` as a PEM key (PKCS#8, SPKI, PKCS#1, SEC1) for every
/// algorithm, as a signing and as a verifying key, and puts every key that
/// builds through its round trips. Returns how many keys built.
///
/// # Panics
///
/// When a key that builds is bound to another algorithm than asked, fails a
/// round trip, or cannot verify its own signature; or when a private PEM's
/// public half is not its signing key's.
pub fn pem_parse(data: &[u8]) -> usize {
    let text = lossy(data);
    let mut built = 0;
    let asks = std::iter::once(None).chain(Algorithm::ALL.into_iter().map(Some));
    for asked in asks {
        if let Ok(key) = VerifyingKey::from_pem(&text, asked) {
            if let Some(alg) = asked {
                assert_eq!(
                    key.alg(),
                    alg,
                    "a key is bound to an algorithm nobody asked for"
                );
            }
            assert_ne!(key.alg().family(), Family::Hmac, "PEM built an HMAC key");
            check_public(&key);
            built += 1;
        }
        if let Ok(key) = SigningKey::from_pem(&text, asked) {
            if let Some(alg) = asked {
                assert_eq!(
                    key.alg(),
                    alg,
                    "a key is bound to an algorithm nobody asked for"
                );
            }
            check_private(&key);
            let half = VerifyingKey::from_pem(&text, Some(key.alg()))
                .expect("a private PEM has a public half");
            assert_eq!(half.thumbprint(), key.verifying_key().thumbprint());
            built += 1;
        }
    }
    built
}
