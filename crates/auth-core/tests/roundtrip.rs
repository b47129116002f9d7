//! Sign-then-verify for every algorithm, and the key round trips (JWK, PEM,
//! thumbprints) that every other test relies on.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::std_instead_of_core
)]

use auth_core::{
    Algorithm, Claims, Empty, Error, Jwk, KeySet, SignOptions, SigningKey, Validation, Verified,
    VerifyingKey,
};
use serde::{Deserialize, Serialize};

const NOW: u64 = 1_700_000_000;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct App {
    name: String,
    roles: Vec<String>,
}

fn claims() -> Claims<App> {
    Claims::new(App {
        name: "Ada".into(),
        roles: vec!["admin".into(), "ops".into()],
    })
    .issuer("https://issuer.example")
    .subject("user-1")
    .audience("api")
    .valid_for(NOW, 600)
}

fn validation() -> Validation {
    Validation::new()
        .issuer("https://issuer.example")
        .audience("api")
}

#[test]
fn every_algorithm_signs_and_verifies() {
    for alg in Algorithm::ALL {
        let key = SigningKey::generate(alg).unwrap();
        assert_eq!(key.alg(), alg);
        let token = key.sign(&claims()).unwrap();
        let verified: Claims<App> = key
            .verifying_key()
            .verify(&token, &validation(), NOW + 1)
            .unwrap();
        assert_eq!(verified, claims(), "{alg}");

        // Any other key of the same algorithm rejects it.
        let other = SigningKey::generate(alg)
            .unwrap()
            .verifying_key()
            .with_kid(key.kid());
        assert_eq!(
            other
                .verify::<App>(&token, &validation(), NOW + 1)
                .unwrap_err(),
            Error::BadSignature,
            "{alg}"
        );
    }
}

#[test]
fn private_jwk_round_trips_and_public_jwk_verifies() {
    for alg in Algorithm::ALL {
        let key = SigningKey::generate(alg).unwrap();
        let jwk = key.to_private_jwk();
        let again = SigningKey::from_jwk(&jwk, None).unwrap();
        assert_eq!(again.kid(), key.kid(), "{alg}");
        assert_eq!(again.alg(), alg);
        let token = again.sign(&claims()).unwrap();
        key.verifying_key()
            .verify::<App>(&token, &validation(), NOW)
            .unwrap();

        match key.verifying_key().to_public_jwk() {
            Ok(public) => {
                assert_ne!(alg.family(), auth_core::Family::Hmac);
                let parsed = Jwk::parse(&public).unwrap();
                assert!(!parsed.is_private());
                assert!(!public.contains("\"d\""), "{public}");
                let vk = VerifyingKey::from_jwk(&public, None).unwrap();
                assert_eq!(vk.thumbprint(), key.verifying_key().thumbprint());
                vk.verify::<App>(&token, &validation(), NOW).unwrap();
            }
            Err(e) => {
                assert_eq!(alg.family(), auth_core::Family::Hmac);
                assert_eq!(e.code(), "invalid_key");
            }
        }
    }
}

#[test]
fn default_kid_of_a_public_key_is_the_rfc7638_thumbprint() {
    // RFC 7638 section 3.1: the example RSA key and its thumbprint.
    let jwk = r#"{"kty":"RSA","n":"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw","e":"AQAB","alg":"RS256"}"#;
    let key = VerifyingKey::from_jwk(jwk, None).unwrap();
    assert_eq!(
        key.thumbprint().as_deref(),
        Some("NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs")
    );
    assert_eq!(key.kid(), "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
}

/// `to_private_jwk` allocates its output once, at its final length: a
/// string grown by pushes would leave each outgrown buffer, with the secret
/// members written so far, freed without being wiped.
#[test]
fn private_jwk_is_written_into_one_buffer_of_its_exact_length() {
    for alg in Algorithm::ALL {
        for kid in [None, Some("with \"escapes\"\n and \u{1}"), Some("x")] {
            let key = SigningKey::generate(alg).unwrap();
            let key = match kid {
                Some(kid) => key.with_kid(kid),
                None => key,
            };
            let jwk = key.to_private_jwk();
            assert_eq!(jwk.capacity(), jwk.len(), "{alg} {kid:?}");
            let again = SigningKey::from_jwk(&jwk, None).unwrap();
            assert_eq!(again.kid(), key.kid());
        }
    }
}

#[test]
fn key_set_selects_by_kid_and_publishes_jwks() {
    let old = SigningKey::generate(Algorithm::Es256)
        .unwrap()
        .with_kid("old");
    let new = SigningKey::generate(Algorithm::Rs256)
        .unwrap()
        .with_kid("new");
    let mut set = KeySet::new();
    set.add(old.verifying_key()).unwrap();
    set.set_signing_key(new.clone()).unwrap();
    let by_old = old.sign(&claims()).unwrap();
    let by_new = set.sign(&claims()).unwrap();
    set.verify::<App>(&by_old, &validation(), NOW).unwrap();
    set.verify::<App>(&by_new, &validation(), NOW).unwrap();

    let jwks = set.to_jwks().unwrap();
    let public = KeySet::from_jwks(&jwks).unwrap();
    assert_eq!(public.keys().len(), 2);
    public.verify::<App>(&by_old, &validation(), NOW).unwrap();
    public.verify::<App>(&by_new, &validation(), NOW).unwrap();

    let stranger = SigningKey::generate(Algorithm::Es256)
        .unwrap()
        .with_kid("stranger");
    let token = stranger.sign(&claims()).unwrap();
    assert_eq!(
        set.verify::<App>(&token, &validation(), NOW).unwrap_err(),
        Error::UnknownKid
    );

    assert!(set.remove("old"));
    assert_eq!(
        set.verify::<App>(&by_old, &validation(), NOW).unwrap_err(),
        Error::UnknownKid
    );
    // Removing another kid leaves the signing key; removing its own kid
    // takes it too.
    assert!(!set.remove("stranger"));
    assert_eq!(set.signing_key().map(SigningKey::kid), Some("new"));
    set.sign(&claims()).unwrap();
    assert!(set.remove("new"));
    assert!(set.signing_key().is_none());
    assert!(!set.remove("new"));
    assert_eq!(
        set.sign(&claims()).unwrap_err(),
        Error::InvalidKey("the key set has no signing key")
    );
}

#[test]
fn claims_empty_is_a_token_of_registered_claims_only() {
    assert_eq!(Claims::empty(), Claims::new(Empty {}));
    let key = SigningKey::generate(Algorithm::Hs256).unwrap();
    let token = key
        .sign(&Claims::empty().subject("alice").valid_for(NOW, 60))
        .unwrap();
    // The payload holds the registered claims and nothing else.
    use base64ct::Encoding as _;
    let payload = token.split('.').nth(1).unwrap();
    let payload = base64ct::Base64UrlUnpadded::decode_vec(payload).unwrap();
    assert_eq!(
        String::from_utf8(payload).unwrap(),
        format!(r#"{{"sub":"alice","exp":{},"iat":{NOW}}}"#, NOW + 60)
    );
    let c: Claims = key
        .verifying_key()
        .verify(&token, &Validation::new(), NOW)
        .unwrap();
    assert_eq!(c.sub.as_deref(), Some("alice"));
    assert_eq!(c, Claims::empty().subject("alice").valid_for(NOW, 60));
}

#[test]
fn empty_custom_claims_and_no_kid() {
    let key = SigningKey::generate(Algorithm::Hs256).unwrap();
    let opts = auth_core::SignOptions::default().without_kid();
    let token = key
        .sign_with(&Claims::new(Empty {}).valid_for(NOW, 10), &opts)
        .unwrap();
    let c: Claims = key
        .verifying_key()
        .verify(&token, &Validation::new(), NOW)
        .unwrap();
    assert_eq!(c.exp, Some(NOW + 10));
    let header = |opts: &auth_core::SignOptions| {
        let token = key
            .sign_with(&Claims::new(Empty {}).valid_for(NOW, 10), opts)
            .unwrap();
        let verified = key
            .verifying_key()
            .verify_with_header::<Empty>(&token, &Validation::new(), NOW)
            .unwrap();
        (verified.header.typ, verified.header.kid)
    };
    let kid = Some(key.kid().to_owned());
    assert_eq!(header(&opts), (Some("JWT".into()), None));
    let no_typ = auth_core::SignOptions::default().without_typ();
    assert_eq!(header(&no_typ), (None, kid.clone()));
    let custom = auth_core::SignOptions::default().typ("at+jwt");
    assert_eq!(header(&custom), (Some("at+jwt".into()), kid.clone()));
    assert_eq!(
        header(&auth_core::SignOptions::default()),
        (Some("JWT".into()), kid)
    );
}

#[test]
fn debug_never_prints_key_material() {
    let key = SigningKey::from_hmac_secret(Algorithm::Hs256, b"super-secret-super-secret-32byte")
        .unwrap();
    let shown = format!("{key:?} {:?}", key.verifying_key());
    assert!(!shown.contains("super-secret"), "{shown}");
    let jwk = Jwk::parse(&key.to_private_jwk()).unwrap();
    let shown = format!("{jwk:?}");
    assert!(!shown.contains("c3VwZXIt"), "{shown}");
    assert!(shown.contains("private: true"), "{shown}");
}

/// Signing and verifying take a shortcut when the header is one of the
/// key's own (`typ` `JWT` or `at+jwt`; pre-encoded, and for HMAC
/// pre-hashed). The shortcut must give exactly what the general path gives.
#[test]
fn known_header_shortcut_agrees_with_the_general_path() {
    use base64ct::{Base64UrlUnpadded as B64, Encoding};
    let algs = [
        Algorithm::Hs256,
        Algorithm::Hs384,
        Algorithm::Hs512,
        Algorithm::Es256,
        Algorithm::Rs256,
    ];
    for (alg, typ) in algs.into_iter().flat_map(|a| [(a, "JWT"), (a, "at+jwt")]) {
        let key = SigningKey::generate(alg).unwrap().with_kid("k-1");
        let fast = key
            .sign_with(&claims(), &SignOptions::default().typ(typ))
            .unwrap();
        // The same header and payload through the general path.
        let header = format!(r#"{{"alg":"{alg}","typ":"{typ}","kid":"k-1"}}"#);
        let parts: Vec<&str> = fast.split('.').collect();
        assert_eq!(
            B64::decode_vec(parts[0]).unwrap(),
            header.as_bytes(),
            "{alg}"
        );
        let input = format!("{}.{}", B64::encode_string(header.as_bytes()), parts[1]);
        let slow = format!(
            "{input}.{}",
            B64::encode_string(&auth_core::hazmat::sign_raw(&key, input.as_bytes()).unwrap())
        );
        assert_eq!(fast, slow, "{alg}: deterministic signatures must match");
        let opts = auth_core::SignOptions::default().typ("jwt");
        let general = key.sign_with(&claims(), &opts).unwrap();
        let vk = key.verifying_key();
        let mut set = KeySet::new();
        set.add(vk.clone()).unwrap();
        for token in [&fast, &general] {
            assert_eq!(
                vk.verify::<App>(token, &validation(), NOW).unwrap(),
                claims()
            );
            assert_eq!(
                set.verify::<App>(token, &validation(), NOW).unwrap(),
                claims()
            );
        }
        // Same header, other payload: the shortcut still checks the signature.
        let other = format!(
            "{}.{}.{}",
            parts[0],
            B64::encode_string(b"{\"exp\":9999999999}"),
            parts[2]
        );
        assert_eq!(
            vk.verify::<App>(&other, &validation(), NOW).unwrap_err(),
            Error::BadSignature
        );
        // Same header from another key with the same kid: rejected.
        let impostor = SigningKey::generate(alg)
            .unwrap()
            .with_kid("k-1")
            .sign(&claims())
            .unwrap();
        assert_eq!(
            vk.verify::<App>(&impostor, &validation(), NOW).unwrap_err(),
            Error::BadSignature
        );
        // Renaming the key moves its known header with it.
        let renamed = key.clone().with_kid("k-2");
        let token = renamed.sign(&claims()).unwrap();
        assert!(token.starts_with(&B64::encode_string(
            format!(r#"{{"alg":"{alg}","typ":"JWT","kid":"k-2"}}"#).as_bytes()
        )));
        assert_eq!(
            vk.verify::<App>(&token, &validation(), NOW).unwrap_err(),
            Error::UnknownKid
        );
        renamed
            .verifying_key()
            .verify::<App>(&token, &validation(), NOW)
            .unwrap();
    }
}

#[test]
fn verify_with_header_returns_the_verified_header() {
    let key = SigningKey::generate(Algorithm::Es256).unwrap();
    let public = key.verifying_key();
    // The key's own headers (the fast path) and a custom one (the parser).
    let default = key.sign(&claims()).unwrap();
    let access = key
        .sign_with(&claims(), &SignOptions::default().typ("at+jwt"))
        .unwrap();
    let custom = key
        .sign_with(&claims(), &SignOptions::default().typ("JOSE"))
        .unwrap();
    for (token, typ) in [(&default, "JWT"), (&access, "at+jwt"), (&custom, "JOSE")] {
        let verified: Verified<App> = public
            .verify_with_header(token, &validation(), NOW)
            .unwrap();
        assert_eq!(verified.header.alg, Algorithm::Es256);
        assert_eq!(verified.header.kid.as_deref(), Some(key.kid()));
        assert_eq!(verified.header.typ.as_deref(), Some(typ));
        assert_eq!(
            verified.claims,
            public.verify(token, &validation(), NOW).unwrap()
        );
        let mut set = KeySet::new();
        set.add(public.clone()).unwrap();
        let from_set: Verified<App> = set.verify_with_header(token, &validation(), NOW).unwrap();
        assert_eq!(from_set, verified);
    }
    // It rejects exactly as `verify` does.
    assert_eq!(
        public
            .verify_with_header::<App>(&default, &validation(), NOW + 600)
            .unwrap_err(),
        Error::Expired {
            exp: NOW + 600,
            now: NOW + 600
        }
    );
}

/// Payloads of up to 384 bytes are decoded into a small stack buffer, up
/// to 1 KiB into a larger one, larger ones on the heap: every side of both
/// lines verifies alike.
#[test]
fn payloads_on_both_sides_of_the_stack_buffer_verify_alike() {
    use base64ct::{Base64UrlUnpadded as B64, Encoding};
    let key = SigningKey::generate(Algorithm::Hs256).unwrap();
    let vk = key.verifying_key();
    let mut sizes = Vec::new();
    for pad in (150..400).chain(800..1000).chain([4000]) {
        let mut c = claims();
        c.custom.name = "n".repeat(pad);
        let token = key.sign(&c).unwrap();
        sizes.push(
            B64::decode_vec(token.split('.').nth(1).unwrap())
                .unwrap()
                .len(),
        );
        assert_eq!(vk.verify::<App>(&token, &validation(), NOW).unwrap(), c);
        // The payload less its first byte: refused on both sides.
        let mut parts: Vec<String> = token.split('.').map(String::from).collect();
        parts[1] = B64::encode_string(&B64::decode_vec(&parts[1]).unwrap()[1..]);
        assert_eq!(
            vk.verify::<App>(&parts.join("."), &validation(), NOW)
                .unwrap_err(),
            Error::BadSignature
        );
    }
    // Both buffers on the stack (384 and 1024 bytes), each at its edge.
    assert!(sizes.iter().any(|&n| n < 384) && sizes.contains(&384));
    assert!(sizes.contains(&385) && sizes.contains(&1024));
    assert!(sizes.contains(&1025) && sizes.iter().any(|&n| n > 2048));
}
