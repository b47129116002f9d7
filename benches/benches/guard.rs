//! What it costs to reject a token whose header the JSON guard has to read
//! in full: group `guard`. See "The header guard" in
//! `docs/performance.md`.
//!
//! Every function goes through the public `VerifyingKey::verify` of an
//! HS256 key, and every header but the normal token's differs from the
//! key's own, so the full parser runs; their signatures are wrong, so what
//! is timed is the cost of a rejection.
//!
//! - `normal-verify`: a normal token verified (the key's own header,
//!   recognised byte for byte): the yardstick.
//! - `normal-header`: the same header members in another order, so the
//!   header is decoded and parsed; rejected at the MAC.
//! - `worst-case-header`: the most expensive header the limits accept
//!   ([`MAX_HEADER_LEN`] characters, [`MAX_HEADER_MEMBERS`] members, names
//!   of escaped surrogate pairs, see [`worst_case_header`]); rejected at
//!   the MAC.
//! - `worst-case-token`: that header with a payload that fills the token
//!   to [`DEFAULT_MAX_TOKEN_LEN`], so the MAC runs over 8 KiB.
//! - `floor/mac-of-worst-case-token`: that MAC alone (`hazmat::verify_raw`
//!   of the same signing input), which no verifier can skip.
//! - `candidate/*`: other shapes of header at both limits, timed to choose
//!   the worst case (see [`candidates`]).
//! - `quadratic-header`: the attack that motivated the limits, an 8 KiB
//!   token whose header has hundreds of escaped member names; rejected
//!   for the header's length.
//! - `quadratic-header/decode-unverified`: the same token through
//!   `insecure::decode_unverified`, which runs the guard over the whole
//!   header without the header limits: the guard's own cost on it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use core::hint::black_box;

use auth_benches::{AUDIENCE, AppClaims, ISSUER, auth_core_claims};
use auth_core::{
    Algorithm, DEFAULT_MAX_TOKEN_LEN, Error, MAX_HEADER_LEN, MAX_HEADER_MEMBERS, SigningKey,
    Validation,
};
use base64ct::{Base64UrlUnpadded, Encoding};
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, criterion_group, criterion_main};

/// The 32-byte HS256 secret, as in the other groups.
const HS256_SECRET: &[u8; 32] = b"bench-secret-0123456789-abcdefgh";
/// `iat` of the claims; verification happens a minute later.
const IAT: u64 = 1_700_000_000;
/// The most bytes of JSON a header within [`MAX_HEADER_LEN`] holds.
const HEADER_JSON: usize = MAX_HEADER_LEN / 4 * 3;

/// The JSON escapes two bytes long: the most escapes a string can hold.
const SHORT_ESCAPES: [&str; 8] = [r#"\""#, r"\\", r"\/", r"\b", r"\f", r"\n", r"\r", r"\t"];

/// `count` two-byte escapes spelling `i` in base 8, last digit last, so
/// that strings of the same length differ only at their end (every
/// comparison reads them to the end).
fn escapes(count: usize, mut i: usize) -> String {
    let mut digits: Vec<&str> = (0..count)
        .map(|_| {
            let digit = SHORT_ESCAPES[i % 8];
            i /= 8;
            digit
        })
        .collect();
    digits.reverse();
    digits.concat()
}

/// `total` split into `parts` near-equal whole numbers.
fn spread(total: usize, parts: usize) -> impl Iterator<Item = usize> {
    (0..parts).map(move |i| total / parts + usize::from(i < total % parts))
}

/// The most expensive header [`MAX_HEADER_LEN`] and [`MAX_HEADER_MEMBERS`]
/// allow, found by timing the shapes in [`candidates`]: `alg` and as many
/// top-level members as the count allows, whose names fill every remaining
/// byte with UTF-16 surrogate pairs (`\ud83d\ude00`). Per byte these are
/// the most work: two escapes, eight hex digits and a surrogate check when
/// scanned, the same again and a 4-byte character when unescaped. The
/// guard unescapes (and allocates) each name, the object has more than the
/// 12 names the guard compares one by one, so they go into its sorted set,
/// names of one length differ only in their last character, and the
/// header reader compares each with the six names it knows.
fn worst_case_header() -> String {
    escaped_names(r"\ud83d\ude00")
}

/// `{"alg":"HS256"` and `MAX_HEADER_MEMBERS - 1` top-level members whose
/// names repeat `unit` (an escape) to fill the header, each ending in its
/// own `\u01xx`.
fn escaped_names(unit: &str) -> String {
    let names = MAX_HEADER_MEMBERS - 1;
    // `{"alg":"HS256"` and `}`, and `,"":0` around each name.
    let fixed = r#"{"alg":"HS256"}"#.len() + names * r#","":0"#.len();
    let mut out = String::from(r#"{"alg":"HS256""#);
    for (i, bytes) in spread(HEADER_JSON - fixed, names).enumerate() {
        let mut name = unit.repeat((bytes - 6) / unit.len());
        name.push_str(&format!(r"\u{:04x}", 0x100 + i));
        out.push_str(&format!(r#","{name}":0"#));
    }
    out.push('}');
    pad(out)
}

/// `json` with spaces before its closing brace, to [`HEADER_JSON`] bytes.
fn pad(mut json: String) -> String {
    json.pop();
    json.push_str(&" ".repeat(HEADER_JSON - json.len() - 1));
    json.push('}');
    json
}

/// Other shapes of header at the limits, timed against
/// [`worst_case_header`] when it was chosen, with the error each ends in.
fn candidates() -> Vec<(&'static str, String, Error)> {
    let fixed = r#"{"alg":"HS256","typ":"","cty":""}"#.len();
    let half = (HEADER_JSON - fixed) / 2;
    let values = format!(
        r#"{{"alg":"HS256","typ":"{}","cty":"{}"}}"#,
        escapes(half / 2, 0),
        escapes((HEADER_JSON - fixed - half) / 2, 1)
    );
    // A chain of objects as deep as the guard allows, two escaped names each.
    let levels = 15;
    let names = 2 * levels;
    // Each level's first member has no comma before it, but the first's.
    let fixed = r#"{"alg":"HS256"}"#.len() + levels * r#","":0,"":{}"#.len() - (levels - 1);
    let sizes: Vec<usize> = spread(HEADER_JSON - fixed, names).collect();
    let mut nested = String::from(r#"{"alg":"HS256""#);
    for level in 0..levels {
        let (a, b) = (sizes[2 * level], sizes[2 * level + 1]);
        if level == 0 {
            nested.push(',');
        }
        nested.push_str(&format!(
            r#""{}":0,"{}":{{"#,
            escapes(a / 2, 2 * level),
            escapes(b / 2, 2 * level + 1)
        ));
    }
    nested.push_str(&"}".repeat(levels + 1));
    // An array of escaped strings, scanned once; as `crit`, scanned twice
    // (the header reader checks its entries) and then refused.
    let array = |name: &str| {
        let fixed = format!(r#"{{"alg":"HS256","{name}":[]}}"#).len();
        let strings: Vec<String> = spread(HEADER_JSON - fixed, 40)
            .enumerate()
            .map(|(i, bytes)| format!(r#""{}""#, escapes((bytes - 3) / 2, i)))
            .collect();
        format!(r#"{{"alg":"HS256","{name}":[{}]}}"#, strings.join(","))
    };
    let bad_signature = Error::BadSignature;
    vec![
        ("escaped-values", pad(values), bad_signature.clone()),
        ("nested-names", pad(nested), bad_signature.clone()),
        (
            "short-escape-names",
            escaped_names(r"\n"),
            bad_signature.clone(),
        ),
        (
            "unicode-names",
            escaped_names(r"\u0100"),
            bad_signature.clone(),
        ),
        ("escaped-array", pad(array("x")), bad_signature),
        ("escaped-crit", pad(array("crit")), Error::UnsupportedCrit),
    ]
}

/// A token with this header and payload JSON and a wrong signature.
fn unsigned(header: &str, payload: &str) -> String {
    format!(
        "{}.{}.{}",
        Base64UrlUnpadded::encode_string(header.as_bytes()),
        Base64UrlUnpadded::encode_string(payload.as_bytes()),
        Base64UrlUnpadded::encode_string(&[0; 32])
    )
}

/// `payload` (a JSON object) with a `pad` member that makes `header`'s
/// unsigned token as long as [`DEFAULT_MAX_TOKEN_LEN`] allows.
fn fill_token(header: &str, payload: &str) -> String {
    let room = DEFAULT_MAX_TOKEN_LEN - unsigned(header, "").len();
    // Unpadded base64url writes 4 characters per 3 bytes, rounded up.
    let len = (0..)
        .take_while(|&n: &usize| (4 * n).div_ceil(3) <= room)
        .last()
        .expect("room for a payload");
    let open = payload.strip_suffix('}').expect("an object");
    let pad = len - open.len() - r#","pad":""}"#.len();
    format!(r#"{open},"pad":"{}"}}"#, "x".repeat(pad))
}

/// Times `reject` of `token` as `name`.
fn rejection(
    g: &mut BenchmarkGroup<'_, WallTime>,
    name: &str,
    reject: impl Fn(&str) -> Error,
    token: &str,
) {
    g.bench_function(name, |b| b.iter(|| reject(black_box(token))));
}

fn guard(c: &mut Criterion) {
    let key = SigningKey::from_hmac_secret(Algorithm::Hs256, HS256_SECRET).expect("key");
    let verifying = key.verifying_key();
    let validation = Validation::new().issuer(ISSUER).audience(AUDIENCE);
    let token = key.sign(&auth_core_claims(IAT)).expect("sign");
    let payload = token.split('.').nth(1).expect("three parts");
    let payload = String::from_utf8(Base64UrlUnpadded::decode_vec(payload).expect("base64url"))
        .expect("UTF-8");
    let verify = |token: &str| verifying.verify::<AppClaims>(token, &validation, IAT + 60);
    let reject = |token: &str| verify(token).expect_err("rejected");

    let normal = unsigned(
        &format!(r#"{{"typ":"JWT","alg":"HS256","kid":"{}"}}"#, key.kid()),
        &payload,
    );
    let header = worst_case_header();
    let worst = unsigned(&header, &payload);
    let worst_token = unsigned(&header, &fill_token(&header, &payload));
    assert_eq!(worst.find('.'), Some(MAX_HEADER_LEN));
    assert_eq!(worst_token.len(), DEFAULT_MAX_TOKEN_LEN);

    // The review's attack: as many escaped one-character member names as
    // an 8 KiB token holds (553).
    let attack = |n: usize| {
        let names: Vec<String> = (0..n)
            .map(|i| format!(r#""\u{:04x}":0"#, 0x100 + i))
            .collect();
        unsigned(&format!(r#"{{"alg":"HS256",{}}}"#, names.join(",")), "{}")
    };
    let n = (1..)
        .take_while(|&n| attack(n).len() <= DEFAULT_MAX_TOKEN_LEN)
        .last()
        .expect("fits");
    assert_eq!(n, 553);
    let quadratic = attack(n);

    // Each token is rejected where the bench says it is.
    assert_eq!(
        verify(&token).expect("verifies").sub.as_deref(),
        Some(auth_benches::SUBJECT)
    );
    for t in [&normal, &worst, &worst_token] {
        assert_eq!(reject(t), Error::BadSignature);
    }
    assert_eq!(
        reject(&quadratic),
        Error::TooLarge {
            limit: MAX_HEADER_LEN,
            actual: quadratic.find('.').expect("three parts")
        }
    );
    assert!(auth_core::insecure::decode_unverified(&quadratic, DEFAULT_MAX_TOKEN_LEN).is_ok());

    let mut g = c.benchmark_group("guard");
    g.bench_function("normal-verify", |b| {
        b.iter(|| verify(black_box(&token)).expect("verify"));
    });
    rejection(&mut g, "normal-header", reject, &normal);
    rejection(&mut g, "worst-case-header", reject, &worst);
    rejection(&mut g, "worst-case-token", reject, &worst_token);
    for (name, header, error) in candidates() {
        let t = unsigned(&header, &payload);
        assert_eq!(t.find('.'), Some(MAX_HEADER_LEN), "{name}");
        assert_eq!(reject(&t), error, "{name}");
        rejection(&mut g, &format!("candidate/{name}"), reject, &t);
    }
    let (input, signature) = worst_token.rsplit_once('.').expect("three parts");
    let signature = Base64UrlUnpadded::decode_vec(signature).expect("base64url");
    g.bench_function("floor/mac-of-worst-case-token", |b| {
        b.iter(|| {
            auth_core::hazmat::verify_raw(&verifying, black_box(input.as_bytes()), &signature)
                .expect_err("wrong MAC")
        });
    });
    rejection(&mut g, "quadratic-header", reject, &quadratic);
    g.bench_function("quadratic-header/decode-unverified", |b| {
        b.iter(|| {
            auth_core::insecure::decode_unverified(black_box(&quadratic), DEFAULT_MAX_TOKEN_LEN)
                .expect("decodes")
        });
    });
    g.finish();
}

criterion_group!(benches, guard);
criterion_main!(benches);
