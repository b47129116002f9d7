//! Known attack classes against JWT verifiers, each asserting the exact
//! error code auth-core answers with.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::std_instead_of_core
)]

use auth_core::{
    Algorithm, Claims, DEFAULT_MAX_TOKEN_LEN, Error, KeySet, MAX_HEADER_LEN, MAX_HEADER_MEMBERS,
    SignOptions, SigningKey, Validation, VerifyingKey,
};
use base64ct::{Base64UrlUnpadded, Encoding};
use serde_json::Value;

const NOW: u64 = 1_700_000_000;

fn b64(bytes: &[u8]) -> String {
    Base64UrlUnpadded::encode_string(bytes)
}

/// A token with exactly this header and payload JSON, correctly signed.
fn forge(key: &SigningKey, header: &str, payload: &str) -> String {
    let input = format!("{}.{}", b64(header.as_bytes()), b64(payload.as_bytes()));
    let sig = auth_core::hazmat::sign_raw(key, input.as_bytes()).unwrap();
    format!("{input}.{}", b64(&sig))
}

fn payload() -> String {
    format!(
        r#"{{"sub":"u","iss":"iss","aud":"api","iat":{NOW},"exp":{}}}"#,
        NOW + 60
    )
}

fn hs256() -> SigningKey {
    SigningKey::from_hmac_secret(Algorithm::Hs256, &[7u8; 32]).unwrap()
}

fn es256() -> SigningKey {
    SigningKey::generate(Algorithm::Es256).unwrap()
}

/// The validation every forged [`payload`] passes: it names the audience
/// the payload's `aud` is for.
fn api() -> Validation {
    Validation::new().audience("api")
}

fn check(key: &VerifyingKey, token: &str) -> Result<Claims<Value>, Error> {
    key.verify(token, &api(), NOW)
}

fn code(key: &VerifyingKey, token: &str) -> &'static str {
    check(key, token)
        .expect_err("token must be rejected")
        .code()
}

#[test]
fn a_correct_token_verifies() {
    let key = hs256();
    let token = forge(&key, r#"{"alg":"HS256"}"#, &payload());
    assert_eq!(
        check(&key.verifying_key(), &token).unwrap().sub.as_deref(),
        Some("u")
    );
}

#[test]
fn alg_none_in_any_case_is_unsupported() {
    let key = hs256().verifying_key();
    for alg in ["none", "None", "NONE", "nOnE"] {
        let unsigned = format!(
            "{}.{}.",
            b64(format!(r#"{{"alg":"{alg}"}}"#).as_bytes()),
            b64(payload().as_bytes())
        );
        assert_eq!(code(&key, &unsigned), "unsupported_alg", "{alg}");
        // Even with a signature attached.
        let signed = format!("{unsigned}{}", b64(&[0; 32]));
        assert_eq!(code(&key, &signed), "unsupported_alg", "{alg}");
    }
}

#[test]
fn hs256_signed_with_a_public_key_is_an_alg_mismatch() {
    for alg in [Algorithm::Rs256, Algorithm::Es256] {
        let victim = SigningKey::generate(alg).unwrap().verifying_key();
        // The classic attack: use the public key's published bytes as an
        // HMAC secret and claim HS256.
        let public_bytes = victim.to_public_jwk().unwrap();
        let attacker =
            SigningKey::from_hmac_secret(Algorithm::Hs256, public_bytes.as_bytes()).unwrap();
        let token = forge(&attacker, r#"{"alg":"HS256"}"#, &payload());
        assert_eq!(
            check(&victim, &token).unwrap_err(),
            Error::AlgMismatch {
                expected: alg,
                found: Algorithm::Hs256
            }
        );
    }
}

#[test]
fn ecdsa_zero_and_out_of_range_scalars_are_bad_signatures() {
    let key = es256();
    let good = forge(&key, r#"{"alg":"ES256"}"#, &payload());
    let input = &good[..good.rfind('.').unwrap()];
    // The P-256 group order n.
    let n = hex("ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551");
    let sig = Base64UrlUnpadded::decode_vec(&good[good.rfind('.').unwrap() + 1..]).unwrap();
    let (r, s) = sig.split_at(32);
    let zero = [0u8; 32];
    for (r, s, what) in [
        (&zero[..], &zero[..], "r = s = 0"),
        (&n[..], s, "r = n"),
        (r, &n[..], "s = n"),
        (&zero[..], s, "r = 0"),
        (r, &zero[..], "s = 0"),
    ] {
        let token = format!("{input}.{}", b64(&[r, s].concat()));
        assert_eq!(
            code(&key.verifying_key(), &token),
            "bad_signature",
            "{what}"
        );
    }
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn der_encoded_ecdsa_signature_is_rejected() {
    let key = es256();
    let good = forge(&key, r#"{"alg":"ES256"}"#, &payload());
    let dot = good.rfind('.').unwrap();
    let sig = Base64UrlUnpadded::decode_vec(&good[dot + 1..]).unwrap();
    let der = der_signature(&sig[..32], &sig[32..]);
    let token = format!("{}.{}", &good[..dot], b64(&der));
    assert_eq!(code(&key.verifying_key(), &token), "bad_signature");
}

/// ASN.1 DER `SEQUENCE { INTEGER r, INTEGER s }`.
fn der_signature(r: &[u8], s: &[u8]) -> Vec<u8> {
    let int = |v: &[u8]| {
        let v: Vec<u8> = v.iter().copied().skip_while(|&b| b == 0).collect();
        let mut body = if v.first().is_some_and(|&b| b & 0x80 != 0) {
            vec![0]
        } else {
            vec![]
        };
        body.extend(v);
        let mut out = vec![0x02, u8::try_from(body.len()).unwrap()];
        out.extend(body);
        out
    };
    let body = [int(r), int(s)].concat();
    let mut out = vec![0x30, u8::try_from(body.len()).unwrap()];
    out.extend(body);
    out
}

#[test]
fn signatures_of_the_wrong_length_are_bad_signatures() {
    for alg in [
        Algorithm::Hs256,
        Algorithm::Es256,
        Algorithm::Rs256,
        Algorithm::Ps256,
    ] {
        let key = SigningKey::generate(alg).unwrap();
        let good = forge(&key, &format!(r#"{{"alg":"{alg}"}}"#), &payload());
        let dot = good.rfind('.').unwrap();
        let sig = Base64UrlUnpadded::decode_vec(&good[dot + 1..]).unwrap();
        for bad in [
            &sig[..sig.len() - 1],
            &[sig.as_slice(), &[0]].concat(),
            &[][..],
        ] {
            let token = format!("{}.{}", &good[..dot], b64(bad));
            assert_eq!(
                code(&key.verifying_key(), &token),
                "bad_signature",
                "{alg} len {}",
                bad.len()
            );
        }
    }
}

#[test]
fn tampering_with_any_part_is_detected() {
    let key = hs256();
    let good = forge(&key, r#"{"alg":"HS256"}"#, &payload());
    let other_payload = payload().replace("\"u\"", "\"admin\"");
    let parts: Vec<&str> = good.split('.').collect();
    let swapped = format!(
        "{}.{}.{}",
        parts[0],
        b64(other_payload.as_bytes()),
        parts[2]
    );
    assert_eq!(code(&key.verifying_key(), &swapped), "bad_signature");
}

#[test]
fn wrong_number_of_segments_and_truncation() {
    let key = hs256();
    let vk = key.verifying_key();
    let good = forge(&key, r#"{"alg":"HS256"}"#, &payload());
    let parts: Vec<&str> = good.split('.').collect();
    assert_eq!(
        code(&vk, &format!("{}.{}", parts[0], parts[1])),
        "malformed"
    );
    assert_eq!(code(&vk, &format!("{good}.{}", parts[2])), "malformed");
    assert_eq!(code(&vk, parts[0]), "malformed");
    assert_eq!(code(&vk, ""), "malformed");
    // Signature segment removed entirely, or cut short.
    assert_eq!(
        code(&vk, &format!("{}.{}.", parts[0], parts[1])),
        "bad_signature"
    );
    // 43 - 3 = 40 characters: a canonical encoding of 30 bytes.
    assert_eq!(code(&vk, &good[..good.len() - 3]), "bad_signature");
    // 43 - 2 = 41 characters is 1 mod 4: no base64url string has that length.
    assert_eq!(code(&vk, &good[..good.len() - 2]), "malformed");
    // Every prefix is rejected, none panics.
    for cut in 0..good.len() {
        assert!(check(&vk, &good[..cut]).is_err(), "prefix of {cut}");
    }
}

#[test]
fn non_canonical_base64url_is_malformed() {
    let key = hs256();
    let vk = key.verifying_key();
    let good = forge(&key, r#"{"alg":"HS256"}"#, &payload());
    let parts: Vec<&str> = good.split('.').collect();
    let with = |h: &str, p: &str, s: &str| format!("{h}.{p}.{s}");
    // Padding.
    assert_eq!(
        code(&vk, &with(parts[0], parts[1], &format!("{}=", parts[2]))),
        "malformed"
    );
    assert_eq!(
        code(&vk, &with(&format!("{}==", parts[0]), parts[1], parts[2])),
        "malformed"
    );
    // Standard-alphabet characters and whitespace.
    for c in ["+", "/", " ", "\n", "\t"] {
        let mut sig = parts[2].to_string();
        sig.replace_range(5..6, c);
        assert_eq!(
            code(&vk, &with(parts[0], parts[1], &sig)),
            "malformed",
            "{c:?}"
        );
    }
    // A final character with non-zero unused bits decodes to the same bytes
    // in lax decoders; here it is malformed. A 32-byte MAC is 43 characters,
    // the last carrying 2 unused bits.
    let mut sig = parts[2].as_bytes().to_vec();
    let last = sig.len() - 1;
    let alphabet = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let v = alphabet.iter().position(|&c| c == sig[last]).unwrap();
    sig[last] = alphabet[v | 1];
    assert_ne!(sig[last], parts[2].as_bytes()[last]);
    assert_eq!(
        code(
            &vk,
            &with(parts[0], parts[1], std::str::from_utf8(&sig).unwrap())
        ),
        "malformed"
    );
}

#[test]
fn invalid_utf8_is_malformed() {
    let key = hs256();
    let vk = key.verifying_key();
    let header = format!(
        "{}.{}.{}",
        b64(b"{\"alg\":\"HS256\xff\"}"),
        b64(payload().as_bytes()),
        b64(&[0; 32])
    );
    assert_eq!(
        check(&vk, &header).unwrap_err(),
        Error::Malformed("token header is not UTF-8")
    );
    // A correctly signed payload that is not UTF-8.
    let input = format!(
        "{}.{}",
        b64(br#"{"alg":"HS256"}"#),
        b64(b"{\"sub\":\"\xc0\"}")
    );
    let sig = auth_core::hazmat::sign_raw(&key, input.as_bytes()).unwrap();
    let token = format!("{input}.{}", b64(&sig));
    assert_eq!(
        check(&vk, &token).unwrap_err(),
        Error::Malformed("token payload is not UTF-8")
    );
}

#[test]
fn duplicate_members_are_malformed_in_header_and_payload() {
    let key = hs256();
    let vk = key.verifying_key();
    let dup = Error::Malformed("JSON object has a duplicate member name");
    let token = forge(&key, r#"{"alg":"HS256","alg":"HS256"}"#, &payload());
    assert_eq!(check(&vk, &token).unwrap_err(), dup);
    let token = forge(
        &key,
        r#"{"alg":"HS256"}"#,
        &format!(r#"{{"sub":"a","sub":"admin","exp":{}}}"#, NOW + 9),
    );
    assert_eq!(check(&vk, &token).unwrap_err(), dup);
    let token = forge(
        &key,
        r#"{"alg":"HS256"}"#,
        &format!(r#"{{"exp":{},"exp":{}}}"#, NOW - 9, NOW + 9),
    );
    assert_eq!(check(&vk, &token).unwrap_err(), dup);
}

#[test]
fn deeply_nested_json_is_malformed() {
    let key = hs256();
    let deep = format!(
        r#"{{"exp":{},"x":{}1{}}}"#,
        NOW + 9,
        "[".repeat(100),
        "]".repeat(100)
    );
    let token = forge(&key, r#"{"alg":"HS256"}"#, &deep);
    assert_eq!(
        check(&key.verifying_key(), &token).unwrap_err(),
        Error::Malformed("JSON is nested too deeply")
    );
    // Objects count as arrays do, at every depth around the limit (the
    // application's claims are read as a JSON value, in the one pass).
    let mut outcomes = Vec::new();
    for n in 10..=20 {
        let claims = |open: &str, close: &str| {
            format!(
                r#"{{"aud":"api","exp":{},"x":{}1{}}}"#,
                NOW + 9,
                open.repeat(n),
                close.repeat(n)
            )
        };
        let arrays = forge(&key, r#"{"alg":"HS256"}"#, &claims("[", "]"));
        let objects = forge(&key, r#"{"alg":"HS256"}"#, &claims(r#"{"a":"#, "}"));
        let vk = key.verifying_key();
        let (a, o) = (check(&vk, &arrays), check(&vk, &objects));
        assert_eq!(a.as_ref().err(), o.as_ref().err(), "{n}");
        outcomes.push(o.err());
    }
    assert!(outcomes.first().unwrap().is_none());
    assert_eq!(
        outcomes.last().unwrap(),
        &Some(Error::Malformed("JSON is nested too deeply"))
    );
    let header = format!(
        r#"{{"alg":"HS256","x":{}{}}}"#,
        "{\"a\":".repeat(40),
        "}".repeat(40)
    );
    let token = forge(&key, &header, &payload());
    assert_eq!(
        check(&key.verifying_key(), &token).unwrap_err(),
        Error::Malformed("JSON is nested too deeply")
    );
}

#[test]
fn oversize_tokens_are_rejected_before_decoding() {
    let key = hs256();
    let vk = key.verifying_key();
    let big = format!(r#"{{"exp":{},"pad":"{}"}}"#, NOW + 9, "x".repeat(9000));
    let token = forge(&key, r#"{"alg":"HS256"}"#, &big);
    assert_eq!(
        check(&vk, &token).unwrap_err(),
        Error::TooLarge {
            limit: 8192,
            actual: token.len()
        }
    );
    // Garbage of the same size is rejected for its size, not its content.
    let garbage = "!".repeat(10_000);
    assert_eq!(code(&vk, &garbage), "too_large");
    // The limit is configurable.
    let roomy = Validation::new().max_token_len(16 * 1024);
    assert!(vk.verify::<Value>(&token, &roomy, NOW).is_ok());
    let tight = Validation::new().max_token_len(64);
    let small = forge(&key, r#"{"alg":"HS256"}"#, &payload());
    assert_eq!(
        vk.verify::<Value>(&small, &tight, NOW).unwrap_err().code(),
        "too_large"
    );
    // The limit is inclusive: a token of exactly the limit verifies, one
    // byte more does not.
    let exact = Validation::new().audience("api").max_token_len(small.len());
    assert!(vk.verify::<Value>(&small, &exact, NOW).is_ok());
    let under = Validation::new()
        .audience("api")
        .max_token_len(small.len() - 1);
    assert_eq!(
        vk.verify::<Value>(&small, &under, NOW).unwrap_err(),
        Error::TooLarge {
            limit: small.len() - 1,
            actual: small.len()
        }
    );
}

/// A signature longer than any supported key can make (RSA-8192: 1024
/// bytes) cannot verify: `bad_signature`, at every length past the bound,
/// decided before it is decoded.
#[test]
fn signatures_longer_than_any_key_makes_are_bad_signatures() {
    let key = hs256();
    let vk = key.verifying_key();
    let good = forge(&key, r#"{"alg":"HS256"}"#, &payload());
    let input = &good[..good.rfind('.').unwrap()];
    for len in [1024, 1025, 1026, 1027, 4000] {
        let token = format!("{input}.{}", b64(&vec![0x5a; len]));
        assert_eq!(
            check(&vk, &token).unwrap_err(),
            Error::BadSignature,
            "{len}"
        );
    }
}

#[test]
fn oversize_headers_are_rejected_before_decoding() {
    let key = hs256();
    let vk = key.verifying_key();
    let mut set = KeySet::new();
    set.add(vk.clone()).unwrap();
    // A valid HS256 header of exactly `len` bytes of JSON.
    let header = |len: usize| {
        let pad = len - r#"{"alg":"HS256","x":""}"#.len();
        format!(r#"{{"alg":"HS256","x":"{}"}}"#, "x".repeat(pad))
    };
    // 767 and 768 bytes encode to 1023 and 1024 characters: accepted.
    let at_limit = MAX_HEADER_LEN / 4 * 3;
    for len in [at_limit - 1, at_limit] {
        let token = forge(&key, &header(len), &payload());
        assert!(token.find('.').unwrap() <= MAX_HEADER_LEN);
        assert_eq!(check(&vk, &token).unwrap().sub.as_deref(), Some("u"));
        let (verified, _) = vk
            .verify_signature_only(&token, DEFAULT_MAX_TOKEN_LEN)
            .unwrap();
        assert_eq!(verified.alg, Algorithm::Hs256);
    }
    // 769 bytes encode to 1026 characters: too large, signature and all
    // correct, through every verifying entry point.
    let too_large = Error::TooLarge {
        limit: MAX_HEADER_LEN,
        actual: MAX_HEADER_LEN + 2,
    };
    let token = forge(&key, &header(at_limit + 1), &payload());
    assert_eq!(check(&vk, &token).unwrap_err(), too_large);
    assert_eq!(
        vk.verify_signature_only(&token, DEFAULT_MAX_TOKEN_LEN)
            .unwrap_err(),
        too_large
    );
    assert_eq!(
        set.verify::<Value>(&token, &Validation::new(), NOW)
            .unwrap_err(),
        too_large
    );
    // 1025 characters, which no base64url text has, and garbage: rejected
    // for their size, not their content.
    let payload = b64(payload().as_bytes());
    for header in [
        "A".repeat(MAX_HEADER_LEN + 1),
        "!".repeat(MAX_HEADER_LEN + 1),
    ] {
        let token = format!("{header}.{payload}.{}", b64(&[0; 32]));
        assert_eq!(
            check(&vk, &token).unwrap_err(),
            Error::TooLarge {
                limit: MAX_HEADER_LEN,
                actual: MAX_HEADER_LEN + 1
            }
        );
    }
    // The token limit comes first.
    let tight = Validation::new().max_token_len(MAX_HEADER_LEN + 100);
    let token = forge(&key, &header(at_limit + 1), &"{}".repeat(100));
    assert_eq!(
        vk.verify::<Value>(&token, &tight, NOW).unwrap_err(),
        Error::TooLarge {
            limit: MAX_HEADER_LEN + 100,
            actual: token.len()
        }
    );
}

#[test]
fn a_keys_own_header_is_recognised_before_the_header_limit() {
    // A `kid` this long makes the key's own header longer than the limit:
    // the header is recognised byte for byte and never parsed, so the
    // key's own tokens verify...
    let key = hs256().with_kid("k".repeat(MAX_HEADER_LEN));
    let vk = key.verifying_key();
    let claims = Claims::new(serde_json::json!({}))
        .audience("api")
        .valid_for(NOW, 60);
    let token = key.sign(&claims).unwrap();
    assert!(token.find('.').unwrap() > MAX_HEADER_LEN);
    assert_eq!(check(&vk, &token).unwrap().exp, Some(NOW + 60));
    // (its access-token header too)...
    let access = key
        .sign_with(&claims, &SignOptions::default().typ("at+jwt"))
        .unwrap();
    assert!(access.find('.').unwrap() > MAX_HEADER_LEN);
    assert_eq!(check(&vk, &access).unwrap().exp, Some(NOW + 60));
    // ...but the same key with another header goes through the parser.
    let other = key
        .sign_with(&claims, &SignOptions::default().typ("JOSE"))
        .unwrap();
    assert_eq!(
        check(&vk, &other).unwrap_err(),
        Error::TooLarge {
            limit: MAX_HEADER_LEN,
            actual: other.find('.').unwrap()
        }
    );
}

#[test]
fn headers_with_too_many_members_are_malformed() {
    let key = hs256();
    let vk = key.verifying_key();
    // `alg`, `jwk`, its `kty`, and `extra` more, half of them inside `jwk`.
    let header = |extra: usize| {
        let pad: Vec<String> = (0..extra).map(|i| format!(r#","m{i}":true"#)).collect();
        let (top, nested) = pad.split_at(extra / 2);
        format!(
            r#"{{"alg":"HS256"{},"jwk":{{"kty":"oct"{}}}}}"#,
            top.concat(),
            nested.concat()
        )
    };
    let at_limit = MAX_HEADER_MEMBERS - 3;
    for extra in [at_limit - 1, at_limit] {
        let token = forge(&key, &header(extra), &payload());
        assert_eq!(check(&vk, &token).unwrap().sub.as_deref(), Some("u"));
    }
    let token = forge(&key, &header(at_limit + 1), &payload());
    assert_eq!(
        check(&vk, &token).unwrap_err(),
        Error::Malformed("token header has too many members")
    );
}

#[test]
fn crit_and_unencoded_payload_are_unsupported() {
    let key = hs256();
    let vk = key.verifying_key();
    for header in [
        r#"{"alg":"HS256","crit":["exp"],"exp":1}"#,
        r#"{"alg":"HS256","crit":["b64"],"b64":false}"#,
        r#"{"alg":"HS256","b64":false}"#,
        r#"{"alg":"HS256","crit":["http://example.com/ext"],"http://example.com/ext":true}"#,
    ] {
        assert_eq!(
            code(&vk, &forge(&key, header, &payload())),
            "unsupported_crit",
            "{header}"
        );
    }
    assert_eq!(
        code(
            &vk,
            &forge(&key, r#"{"alg":"HS256","crit":[]}"#, &payload())
        ),
        "malformed"
    );
}

#[test]
fn time_claims_of_the_wrong_type_or_range_are_invalid() {
    let key = hs256();
    let vk = key.verifying_key();
    for (claim, value, reason) in [
        ("exp", r#""1700000100""#, "is not a number"),
        ("exp", "null", "is not a number"),
        ("exp", "true", "is not a number"),
        ("exp", "-1", "must not be negative"),
        ("exp", "1e300", "is out of range"),
        ("exp", "18446744073709551616", "is out of range"),
        ("exp", "253402300800", "is out of range"),
        ("nbf", r#""0""#, "is not a number"),
        ("nbf", "-5", "must not be negative"),
        ("nbf", "1.5e20", "is out of range"),
        ("iat", "[1]", "is not a number"),
        ("iat", "99999999999999999999", "is out of range"),
    ] {
        let body = if claim == "exp" {
            format!(r#"{{"exp":{value}}}"#)
        } else {
            format!(r#"{{"exp":{},"{claim}":{value}}}"#, NOW + 60)
        };
        let err = check(&vk, &forge(&key, r#"{"alg":"HS256"}"#, &body)).unwrap_err();
        assert_eq!(
            err,
            Error::InvalidClaim {
                claim: claim.into(),
                reason
            },
            "{claim}={value}"
        );
    }
    // Fractional seconds are a valid NumericDate.
    let body = format!(r#"{{"exp":{}.75}}"#, NOW + 1);
    assert_eq!(
        vk.verify::<Value>(
            &forge(&key, r#"{"alg":"HS256"}"#, &body),
            &Validation::new(),
            NOW
        )
        .unwrap()
        .exp,
        Some(NOW + 1)
    );
}

#[test]
fn string_claims_of_the_wrong_type_are_invalid() {
    let key = hs256();
    let vk = key.verifying_key();
    for (claim, value) in [
        ("iss", "1"),
        ("sub", "{}"),
        ("jti", "[]"),
        ("aud", "3"),
        ("aud", "[\"a\",1]"),
    ] {
        let body = format!(r#"{{"exp":{},"{claim}":{value}}}"#, NOW + 60);
        let err = check(&vk, &forge(&key, r#"{"alg":"HS256"}"#, &body)).unwrap_err();
        assert_eq!(err.code(), "invalid_claim", "{claim}={value}");
        assert!(
            matches!(&err, Error::InvalidClaim { claim: c, .. } if c == claim),
            "{err:?}"
        );
    }
}

#[test]
fn missing_exp_is_rejected_unless_allowed() {
    let key = hs256();
    let vk = key.verifying_key();
    let token = forge(&key, r#"{"alg":"HS256"}"#, r#"{"sub":"u"}"#);
    assert_eq!(
        check(&vk, &token).unwrap_err(),
        Error::MissingClaim("exp".into())
    );
    let lax = Validation::new().allow_missing_exp();
    assert!(vk.verify::<Value>(&token, &lax, NOW).is_ok());
}

#[test]
fn time_boundaries_and_leeway() {
    let key = hs256();
    let vk = key.verifying_key();
    let exp = NOW + 60;
    let token = forge(&key, r#"{"alg":"HS256"}"#, &format!(r#"{{"exp":{exp}}}"#));
    let v = Validation::new();
    assert!(vk.verify::<Value>(&token, &v, exp - 1).is_ok());
    assert_eq!(
        vk.verify::<Value>(&token, &v, exp).unwrap_err(),
        Error::Expired { exp, now: exp }
    );
    let lenient = Validation::new().leeway(30);
    assert!(vk.verify::<Value>(&token, &lenient, exp + 29).is_ok());
    assert_eq!(
        vk.verify::<Value>(&token, &lenient, exp + 30)
            .unwrap_err()
            .code(),
        "expired"
    );
    // Leeway is bounded.
    let huge = Validation::new().leeway(10_000);
    assert_eq!(
        vk.verify::<Value>(&token, &huge, exp + 300)
            .unwrap_err()
            .code(),
        "expired"
    );
    assert!(vk.verify::<Value>(&token, &huge, exp + 299).is_ok());

    let nbf = NOW + 100;
    let token = forge(
        &key,
        r#"{"alg":"HS256"}"#,
        &format!(r#"{{"exp":{},"nbf":{nbf}}}"#, NOW + 1000),
    );
    assert_eq!(
        vk.verify::<Value>(&token, &v, nbf - 1).unwrap_err(),
        Error::NotYetValid { nbf, now: nbf - 1 }
    );
    assert!(vk.verify::<Value>(&token, &v, nbf).is_ok());
    assert!(vk.verify::<Value>(&token, &lenient, nbf - 30).is_ok());

    let iat = NOW + 100;
    let token = forge(
        &key,
        r#"{"alg":"HS256"}"#,
        &format!(r#"{{"exp":{},"iat":{iat}}}"#, NOW + 1000),
    );
    assert_eq!(
        vk.verify::<Value>(&token, &v, NOW).unwrap_err(),
        Error::IssuedInFuture { iat, now: NOW }
    );
    assert!(vk.verify::<Value>(&token, &v, iat).is_ok());

    let aged = Validation::new().max_age(300);
    let token = forge(
        &key,
        r#"{"alg":"HS256"}"#,
        &format!(r#"{{"exp":{},"iat":{NOW}}}"#, NOW + 1000),
    );
    assert!(vk.verify::<Value>(&token, &aged, NOW + 300).is_ok());
    assert_eq!(
        vk.verify::<Value>(&token, &aged, NOW + 301).unwrap_err(),
        Error::TooOld {
            iat: NOW,
            max_age: 300
        }
    );
    let no_iat = forge(
        &key,
        r#"{"alg":"HS256"}"#,
        &format!(r#"{{"exp":{}}}"#, NOW + 1000),
    );
    assert_eq!(
        vk.verify::<Value>(&no_iat, &aged, NOW).unwrap_err(),
        Error::MissingClaim("iat".into())
    );
}

#[test]
fn issuer_audience_subject_and_required_claims() {
    let key = hs256();
    let vk = key.verifying_key();
    let token = forge(&key, r#"{"alg":"HS256"}"#, &payload());
    let v = |v: Validation| vk.verify::<Value>(&token, &v, NOW);
    assert!(v(Validation::new().issuer("iss").audience("api").subject("u")).is_ok());
    assert_eq!(
        v(Validation::new().issuer("other")).unwrap_err(),
        Error::InvalidIssuer
    );
    assert_eq!(
        v(Validation::new().audience("web")).unwrap_err(),
        Error::InvalidAudience
    );
    assert!(v(Validation::new().audience("web").audience("api")).is_ok());
    assert_eq!(
        v(api().subject("admin")).unwrap_err(),
        Error::InvalidSubject
    );
    assert_eq!(
        v(api().require("jti")).unwrap_err(),
        Error::MissingClaim("jti".into())
    );
    assert!(v(api().require("sub").require("iat")).is_ok());

    // aud as an array: any match is enough; none is invalid_audience.
    let many = format!(r#"{{"aud":["a","b","api"],"exp":{}}}"#, NOW + 9);
    let token = forge(&key, r#"{"alg":"HS256"}"#, &many);
    assert!(
        vk.verify::<Value>(&token, &Validation::new().audience("api"), NOW)
            .is_ok()
    );
    assert_eq!(
        vk.verify::<Value>(&token, &Validation::new().audience("c"), NOW)
            .unwrap_err(),
        Error::InvalidAudience
    );
    // An expected issuer or audience makes the claim required.
    let bare = forge(
        &key,
        r#"{"alg":"HS256"}"#,
        &format!(r#"{{"exp":{}}}"#, NOW + 9),
    );
    for (validation, claim) in [
        (Validation::new().issuer("iss"), "iss"),
        (Validation::new().audience("api"), "aud"),
        (Validation::new().subject("u"), "sub"),
    ] {
        assert_eq!(
            vk.verify::<Value>(&bare, &validation, NOW).unwrap_err(),
            Error::MissingClaim(claim.into())
        );
    }
}

/// Required claims are tracked on the stack for up to 16 names and on the
/// heap beyond: both sides find every present claim and name the first
/// missing one, whichever pass reads the payload.
#[test]
fn many_required_claims_are_all_checked() {
    let key = hs256();
    let vk = key.verifying_key();
    for count in [15, 16, 17, 40] {
        let names: Vec<String> = (0..count).map(|i| format!("c{i}")).collect();
        let validation = names
            .iter()
            .fold(Validation::new(), |v, name| v.require(name.as_str()));
        let members = |skip: Option<usize>| {
            let mut json = format!(r#"{{"exp":{}"#, NOW + 9);
            for (i, name) in names.iter().enumerate() {
                if Some(i) != skip {
                    json.push_str(&format!(r#","{name}":{i}"#));
                }
            }
            json.push('}');
            json
        };
        let all = forge(&key, r#"{"alg":"HS256"}"#, &members(None));
        assert!(
            vk.verify::<Value>(&all, &validation, NOW).is_ok(),
            "{count}"
        );
        // Missing the last, or the first: named exactly.
        for skip in [count - 1, 0] {
            let token = forge(&key, r#"{"alg":"HS256"}"#, &members(Some(skip)));
            assert_eq!(
                vk.verify::<Value>(&token, &validation, NOW).unwrap_err(),
                Error::MissingClaim(names[skip].clone()),
                "{count} claims, #{skip} missing"
            );
            // The typed one-pass reader says the same.
            assert_eq!(
                vk.verify::<auth_core::Empty>(&token, &validation, NOW)
                    .unwrap_err(),
                Error::MissingClaim(names[skip].clone()),
                "{count} claims, #{skip} missing, typed"
            );
        }
    }
}

/// RFC 7519 section 4.1.3: a recipient that does not identify itself with a
/// value in `aud` must reject the token. A verifier that names no audience
/// identifies itself with none, so a token minted for any service is refused.
#[test]
fn a_token_with_aud_is_rejected_when_no_audience_is_configured() {
    let key = hs256();
    let vk = key.verifying_key();
    let mut set = KeySet::new();
    set.add(vk.clone()).unwrap();
    let single = forge(&key, r#"{"alg":"HS256"}"#, &payload());
    let many = forge(
        &key,
        r#"{"alg":"HS256"}"#,
        &format!(r#"{{"aud":["billing","api"],"exp":{}}}"#, NOW + 9),
    );
    let fast = key
        .sign(
            &Claims::new(auth_core::Empty {})
                .audience("billing")
                .valid_for(NOW, 9),
        )
        .unwrap();
    for token in [&single, &many, &fast] {
        assert_eq!(
            vk.verify::<Value>(token, &Validation::new(), NOW),
            Err(Error::InvalidAudience)
        );
        assert_eq!(
            set.verify::<Value>(token, &Validation::new(), NOW),
            Err(Error::InvalidAudience)
        );
        // Other settings do not stand in for an audience.
        let lenient = Validation::new().allow_missing_exp().leeway(300);
        assert_eq!(
            vk.verify::<Value>(token, &lenient, NOW),
            Err(Error::InvalidAudience)
        );
        // The explicit opt-out accepts any audience...
        let claims = vk
            .verify::<Value>(token, &Validation::new().any_audience(), NOW)
            .unwrap();
        assert!(!claims.aud.is_empty());
        // ...but never overrides an audience that was configured.
        assert_eq!(
            vk.verify::<Value>(
                token,
                &Validation::new().any_audience().audience("web"),
                NOW
            ),
            Err(Error::InvalidAudience)
        );
        assert_eq!(
            vk.verify::<Value>(
                token,
                &Validation::new().audience("web").any_audience(),
                NOW
            ),
            Err(Error::InvalidAudience)
        );
    }
    assert!(
        vk.verify::<Value>(
            &many,
            &Validation::new().any_audience().audience("api"),
            NOW
        )
        .is_ok()
    );
    // Without `aud` there is nobody to be: accepted with or without the opt-out.
    let bare = forge(
        &key,
        r#"{"alg":"HS256"}"#,
        &format!(r#"{{"sub":"u","exp":{}}}"#, NOW + 9),
    );
    for validation in [Validation::new(), Validation::new().any_audience()] {
        assert_eq!(
            vk.verify::<Value>(&bare, &validation, NOW)
                .unwrap()
                .sub
                .as_deref(),
            Some("u")
        );
    }
    // An empty `aud` array names nobody either.
    let empty = forge(
        &key,
        r#"{"alg":"HS256"}"#,
        &format!(r#"{{"aud":[],"exp":{}}}"#, NOW + 9),
    );
    assert!(vk.verify::<Value>(&empty, &Validation::new(), NOW).is_ok());
}

#[test]
fn typ_is_checked_case_insensitively() {
    let key = hs256();
    let vk = key.verifying_key();
    let v = api().typ("at+jwt");
    // The expected type may carry the prefix too: the same rule applies.
    let prefixed = api().typ("Application/AT+JWT");
    for typ in [
        "at+jwt",
        "AT+JWT",
        "application/at+jwt",
        "APPLICATION/at+JWT",
        "Application/At+Jwt",
    ] {
        let token = forge(
            &key,
            &format!(r#"{{"alg":"HS256","typ":"{typ}"}}"#),
            &payload(),
        );
        assert!(vk.verify::<Value>(&token, &v, NOW).is_ok(), "{typ}");
        assert!(vk.verify::<Value>(&token, &prefixed, NOW).is_ok(), "{typ}");
    }
    let refused = |header: &str| {
        let token = forge(&key, header, &payload());
        for v in [&v, &prefixed] {
            assert_eq!(
                vk.verify::<Value>(&token, v, NOW).unwrap_err(),
                Error::InvalidType,
                "{header}"
            );
        }
    };
    refused(r#"{"alg":"HS256"}"#);
    for typ in [
        "JWT",
        "",
        "application/",
        "at+jwt ",
        " at+jwt",
        "at+jwtx",
        "t+jwt",
        "xapplication/at+jwt",
        "application/application/at+jwt",
        "applicatio/at+jwt",
        "application at+jwt",
        "àt+jwt",
        "applicationé/at+jwt",
        "applicatioé/at+jwt",
        "text/at+jwt",
    ] {
        refused(&format!(r#"{{"alg":"HS256","typ":"{typ}"}}"#));
    }
}

#[test]
fn embedded_keys_and_key_urls_in_the_header_are_ignored() {
    let ours = es256();
    let attacker = es256();
    let attacker_jwk = attacker.verifying_key().to_public_jwk().unwrap();
    for header in [
        format!(r#"{{"alg":"ES256","jwk":{attacker_jwk}}}"#),
        r#"{"alg":"ES256","jku":"https://attacker.example/jwks.json"}"#.to_string(),
        r#"{"alg":"ES256","x5u":"https://attacker.example/cert.pem"}"#.to_string(),
        r#"{"alg":"ES256","x5c":["MIIBIjANBgkq"]}"#.to_string(),
    ] {
        let token = forge(&attacker, &header, &payload());
        assert_eq!(
            code(&ours.verifying_key(), &token),
            "bad_signature",
            "{header}"
        );
    }
}

#[test]
fn unknown_kid_is_rejected() {
    let a = hs256().with_kid("a");
    let mut set = KeySet::new();
    set.add(a.verifying_key()).unwrap();
    set.add(
        SigningKey::generate(Algorithm::Es256)
            .unwrap()
            .with_kid("b")
            .verifying_key(),
    )
    .unwrap();
    let token = forge(&a, r#"{"alg":"HS256","kid":"zzz"}"#, &payload());
    assert_eq!(
        set.verify::<Value>(&token, &api(), NOW).unwrap_err(),
        Error::UnknownKid
    );
    assert_eq!(code(&a.verifying_key(), &token), "unknown_kid");
    // Without a kid, a set of two keys cannot choose.
    let token = forge(&a, r#"{"alg":"HS256"}"#, &payload());
    assert_eq!(
        set.verify::<Value>(&token, &api(), NOW).unwrap_err(),
        Error::UnknownKid
    );
    // With the right kid it verifies.
    let token = forge(&a, r#"{"alg":"HS256","kid":"a"}"#, &payload());
    assert!(set.verify::<Value>(&token, &api(), NOW).is_ok());
    // A kid that names a key of another algorithm is an alg mismatch.
    let token = forge(&a, r#"{"alg":"HS256","kid":"b"}"#, &payload());
    assert_eq!(
        set.verify::<Value>(&token, &api(), NOW).unwrap_err().code(),
        "alg_mismatch"
    );
}

#[test]
fn payload_that_is_not_an_object_is_malformed() {
    let key = hs256();
    for body in ["[]", "\"x\"", "1", "null", ""] {
        let token = forge(&key, r#"{"alg":"HS256"}"#, body);
        assert_eq!(code(&key.verifying_key(), &token), "malformed", "{body:?}");
    }
}

#[test]
fn custom_claims_that_do_not_fit_the_type_are_invalid() {
    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct Needs {
        roles: Vec<String>,
    }
    let key = hs256();
    let token = forge(&key, r#"{"alg":"HS256"}"#, &payload());
    let err = key
        .verifying_key()
        .verify::<Needs>(&token, &api(), NOW)
        .unwrap_err();
    assert_eq!(err.code(), "invalid_claim");
}
