//! `header_parse`: arbitrary bytes as the protected header of a correctly
//! signed token, so that only the header decides.

use auth_core::fuzzing::parse_header;
use auth_core::{
    Algorithm, DEFAULT_MAX_TOKEN_LEN, Error, MAX_HEADER_LEN, SigningKey, Validation, VerifyingKey,
    insecure,
};
use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::NOW;
use crate::keys::sign_parts;

/// The secret of the tokens, and a second one that must never verify them.
const HEADER_SECRET: &[u8; 32] = b"header-parse fuzzing secret, 32B";
const OTHER_SECRET: &[u8; 48] = b"header-parse fuzzing secret for HS384, 48 bytes!";
const HEADER_KID: &str = "hdr";
/// The payload of the tokens: valid at [`NOW`].
const HEADER_PAYLOAD: &[u8] = br#"{"sub":"fuzz","iat":1700000000,"exp":1700003600}"#;

/// The members of a header as `serde_json` reads them, for comparison.
#[derive(Deserialize)]
struct SerdeHeader {
    alg: String,
    kid: Option<String>,
    typ: Option<String>,
    cty: Option<String>,
    crit: Option<IgnoredAny>,
    b64: Option<bool>,
}

/// Uses `data` as the raw header of a token whose payload is valid and whose
/// signature (HS256) is correct, and checks that the answer follows from the
/// header alone. Returns 1 if the token verified, else 0.
///
/// # Panics
///
/// When the pipeline's answer differs from what the header parser implies,
/// the wrong key or a tampered signature verifies, or an accepted header is
/// not the same JSON object to `serde_json`.
pub fn header_parse(data: &[u8]) -> usize {
    let key = SigningKey::from_hmac_secret(Algorithm::Hs256, HEADER_SECRET)
        .expect("fixed fuzzing key")
        .with_kid(HEADER_KID);
    let token = sign_parts(&key, data, HEADER_PAYLOAD);
    let public = key.verifying_key();
    let jws = public.verify_signature_only(&token, DEFAULT_MAX_TOKEN_LEN);
    let claims = public.verify::<serde_json::Value>(&token, &Validation::new(), NOW);
    let unverified = insecure::decode_unverified(&token, DEFAULT_MAX_TOKEN_LEN);

    let other = VerifyingKey::from_hmac_secret(Algorithm::Hs384, OTHER_SECRET)
        .expect("fixed fuzzing key")
        .with_kid(HEADER_KID);
    assert!(
        other
            .verify_signature_only(&token, DEFAULT_MAX_TOKEN_LEN)
            .is_err(),
        "the wrong key verified"
    );

    // With a tampered signature nothing may pass, whatever the header says.
    // Changing a character in the middle of the signature keeps it canonical.
    let at = token.len() - 5;
    let swap = if token.as_bytes()[at] == b'A' {
        "B"
    } else {
        "A"
    };
    let mut tampered = token.clone();
    tampered.replace_range(at..=at, swap);
    assert!(
        public
            .verify_signature_only(&tampered, DEFAULT_MAX_TOKEN_LEN)
            .is_err()
    );

    // verify differs from verify_signature_only only after the signature.
    match (&jws, &claims) {
        (Ok(_), Ok(_)) => {}
        (Err(a), Err(b)) => assert_eq!(a, b),
        _ => panic!("verify and verify_signature_only disagree on {token:?}: {jws:?} / {claims:?}"),
    }

    if token.len() > DEFAULT_MAX_TOKEN_LEN {
        assert!(matches!(jws, Err(Error::TooLarge { .. })));
        return 0;
    }
    let header = std::str::from_utf8(data)
        .map_err(|_| Error::Malformed("token header is not UTF-8"))
        .and_then(parse_header);
    let expected = header.clone().and_then(|h| {
        match &h.kid {
            Some(kid) if kid != HEADER_KID => return Err(Error::UnknownKid),
            _ => {}
        }
        if h.alg != Algorithm::Hs256 {
            return Err(Error::AlgMismatch {
                expected: Algorithm::Hs256,
                found: h.alg,
            });
        }
        Ok((h, HEADER_PAYLOAD.to_vec()))
    });
    // Unpadded base64url: four characters per three bytes, rounded up.
    let encoded = (data.len() * 4).div_ceil(3);
    if data.is_empty() {
        assert_eq!(jws, Err(Error::Malformed("token header is empty")));
    } else if encoded > MAX_HEADER_LEN {
        assert_eq!(
            jws,
            Err(Error::TooLarge {
                limit: MAX_HEADER_LEN,
                actual: encoded
            })
        );
    } else {
        assert_eq!(
            jws, expected,
            "the pipeline does not follow from the header"
        );
    }

    // What the strict scanner accepts, serde_json accepts too.
    if let Ok(u) = &unverified {
        assert_eq!(u.header.as_bytes(), data);
        assert!(u.header.trim_start().starts_with('{'));
        serde_json::from_str::<IgnoredAny>(&u.header).expect("serde_json accepts the header");
    }
    if let Ok(h) = &header {
        assert!(unverified.is_ok(), "a header that parses does not decode");
        let text = std::str::from_utf8(data).expect("parsed headers are UTF-8");
        let theirs: SerdeHeader = serde_json::from_str(text).expect("serde_json reads the header");
        assert_eq!(theirs.alg, h.alg.name());
        assert_eq!(theirs.kid, h.kid);
        assert_eq!(theirs.typ, h.typ);
        assert_eq!(theirs.cty, h.cty);
        assert!(theirs.crit.is_none(), "a header with `crit` was accepted");
        assert_ne!(
            theirs.b64,
            Some(false),
            "a header with `b64: false` was accepted"
        );
    }
    usize::from(jws.is_ok())
}
