//! Entry points for the fuzz targets in `fuzz/` and for the corpus replay
//! test (`tests/fuzz_corpus.rs`). Not part of the public API.
//!
//! Each entry takes arbitrary bytes and must not panic on its own account.
//! It panics only when the library breaks a property it promises, and that
//! panic is what the fuzzer looks for:
//!
//! - [`decode_verify`]: nothing is accepted unless this module signed its
//!   signing input with that very key (and, for deterministic algorithms,
//!   produced that very token); the known-header fast path and the full
//!   parser, the byte and string paths, `verify`, `verify_signature_only`, the key set
//!   and `decode_unverified` agree with each other.
//! - [`jwk_parse`]: a key that builds keeps its algorithm, round-trips through
//!   its JWK with the same thumbprint, and (for private keys) signs what its
//!   public half verifies.
//! - [`pem_parse`]: the same for PEM keys, and a private PEM's public half is
//!   its signing key's.
//! - [`header_parse`]: every header is signed validly, so only the header
//!   decides; the pipeline's answer follows from its length and
//!   `Header::parse` exactly, and whatever is accepted is also a JSON object
//!   to `serde_json`, with the same `alg`, `kid`, `typ` and `cty`.

// Panicking is this module's way to report a broken property, and its fixed
// key material cannot fail to load unless this file is wrong.
#![allow(clippy::expect_used, clippy::panic)]

use alloc::borrow::Cow;
use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;

use serde::Deserialize;
use serde::de::IgnoredAny;

use crate::alg::{Algorithm, Family};
use crate::encoding::base64url;
use crate::jws::Header;
use crate::jwt::{self, Claims, DEFAULT_MAX_TOKEN_LEN, Empty, SignOptions, Validation};
use crate::keys::{Jwk, KeySet, SigningKey, VerifyingKey, parse_jwks};
use crate::{Error, MAX_HEADER_LEN, insecure};

/// The fixed time every verification uses (2023-11-14T22:13:20Z).
pub const NOW: u64 = 1_700_000_000;
const ISS: &str = "https://issuer.fuzz";
const AUD: &str = "fuzz-api";

// Fixed key material, generated once with `SigningKey::generate(..)
// .to_private_jwk()` and trimmed of `alg`, `kid` and `use`: the RSA key serves
// all six RSA algorithms. These keys protect nothing.
const HS256_JWK: &str = r#"{"kty":"oct","k":"6-mh6UKqwFpDN-x-rCOjwQgvz2pwii9G6AvXYIG6nv0"}"#;
const HS384_JWK: &str = concat!(
    r#"{"kty":"oct","k":"3wUcvkf5qn39btBj41lRAMjtQ9WbKS7HQC46sF4XgkNKAj_y-2WoWIBZYb7y6m"#,
    r#"4i"}"#,
);

const HS512_JWK: &str = concat!(
    r#"{"kty":"oct","k":"XxMTRGwoZlwJNOMQgPXXkw9acbCkj4dIDsrx_Mqho_2GjT_d6vXFi8on41qADz"#,
    r#"YPUUiRiErxONwQkDU_4VnIfQ"}"#,
);

const RSA_JWK: &str = concat!(
    r#"{"kty":"RSA","n":"9TFG5n-el4o7kvV2LuOUt5y_b9pbBYElTd9On0L1pUt-p1euG1NG_3A2gQyBZq"#,
    r#"3-D3kiJAydhxuvbKwT116FHrAOEdwC62Vpi63sNGfPVIfKjXricUXCdsjh8sVsRgNC7iPCKHoZNHz9rK"#,
    r#"65CcGR8ZbCmX1vyyROvc-rE259RNiBoiEuecrtVz-8R7H_wazlnkJphzplQQVPgKDV5MNVVB-GvqX9uY"#,
    r#"xpffx7D4ZbqoJiEpHZMXHUmZ9obhe9OxItGvqC2FuORZbROHQW0j4nL7VzaFfu6ePaPYGlQ6cw8JvpdQ"#,
    r#"Iz4H-OVfiYCspp9RfYHLWBScEU6bJsZY0x5I_L9w","e":"AQAB","d":"c0EEiNi4XZdWxY-oTAYiI-"#,
    r#"UEf7luS7oXJPGw7V_2RAqmsFaguqt8lhnTJPoR4YgsAm34RGXBrn6vCTAh63y8ql4rXu3CWZBD-qp4e3"#,
    r#"HInX1vEu4OfxxBesCWpR1z9b0WuwYIACrUqj2OqJtA03sv9RXex3OVFzIr6UEys2GedLs9NYQbzkRast"#,
    r#"tbEf_JHD5uREOJHv0Gu7aUgNRO6xzGgse9mTQ9NLZC0cd2QILK1SE3uof5j-P8h0XwnJQy0WtZNUcqMV"#,
    r#"v6t846R16GW62ZQoacAhfYky9n1OUHdU_2pHPMCit_6Xj-J-FvwfdBJ9nnGMPgLuw2H_KBQP6HRxXa0Q"#,
    r#"","p":"9zkxuOHMW45MW29y8NkwCd1FaoMd4qJys2KJ9zeTtOoI-_xnuVOszUZgda_2J8uv4f1eGBrzo"#,
    r#"ee911t7eO766IWaS9UrClt1Lve9-XS6qxDroxtBgjJVKL8lc950dVmMwVBc3hpBHxQSB1LEw1OCwvsG7"#,
    r#"sIjU-5SRN79l75EM-M","q":"_eWgFlLvuDvg5bYiep9-8sRY4J0MdR4jUdBVZZqGL_ucpZNotivoKCi"#,
    r#"Q3l21s_7mElvXGKCTqvKc1-dGZUIVjQJElHrR4SwFula1s5OQCrhThhHayTuWg1ICrIf0qCyexHBwABb"#,
    r#"pF-DK5VH_ztN73KaaCeOSegd8iBfBnCFuy90","dp":"8BnzCWz6jTzhObg-uF0mw53Lygs3XiGJJmEg"#,
    r#"PyIR6RWWziwwDJSQcfjUu9e-SJ4Q3nm1BdI_JdIs1Ng7TZNDycnftaB9IZz7bTccoQZWOMfBInLZJ3p8"#,
    r#"rIsf861sC4CCLElBOE_lSSqz67rd8BnOGFG2RPH1X5FJAyxSvCoEkSM","dq":"NQxON3vapFa2dahpa"#,
    r#"c97WcPWgg-uM6Y5YPWzcggoM0xR_XJgNXfVCNb49c0EkvgWIA3aUkXytIv-Y0nqNmvpTs4DgDZtNavaA"#,
    r#"oXtbvjM5sB-iwud99-gYg23i07Yum6gOZD4hbxDtX59Rg6s8QzU21Rf6OMIjsCTr2evRyzhFm0","qi""#,
    r#":"scitsQLv2N2mwMuTb_zPa5BzvDxNn2WMf-wInBWky7pzqDxrhmVbhXccVMfK3Z8n2QfBEfRGJuvxnG"#,
    r#"_y0_Nay5g1e7ip-7jF8Zn9hb5ScCgNqmSf80g0WTsT-PzGs3dDm8xM1Wt_3SJvykS4_U4l8liy6MtuS3"#,
    r#"Bt4F6WBirxyY0"}"#,
);

const ES256_JWK: &str = concat!(
    r#"{"kty":"EC","crv":"P-256","x":"sPwfRb5j1LH2VzqA5akgQgqADW-cjb-HR612NLeCBY8","y":"#,
    r#""ibBJ0zewknBg2fBpxn3e4O13aPsW-upA-AD8IoqjG4A","d":"221-2kwxEdg8ZHSl8sEeRKBbr5VZW"#,
    r#"YDcH9aaLTAeELM"}"#,
);

const ES384_JWK: &str = concat!(
    r#"{"kty":"EC","crv":"P-384","x":"I-44S0Elq5siuJfCJqRIBOCuf2pSGxgHDhmJCidbbjAW8AJMU"#,
    r#"irFKBx8OVi8JRz3","y":"Jtvgr5a69MTFa4wkZkSpFo6ADYldE5Chsgx3ssC2rcHxVVtNZFthVpNF5W"#,
    r#"WMQEKe","d":"EBaEM7VU2ep1fHrf-2U7XglvESEl-DUDZnscY96uHw-gO7k_mT8GKbrTsE59QPPU"}"#,
);

/// A secret for [`header_parse`]'s tokens, and a second one that must never
/// verify them.
const HEADER_SECRET: &[u8; 32] = b"header-parse fuzzing secret, 32B";
const OTHER_SECRET: &[u8; 48] = b"header-parse fuzzing secret for HS384, 48 bytes!";
const HEADER_KID: &str = "hdr";
/// The payload of [`header_parse`]'s tokens: valid at [`NOW`].
const HEADER_PAYLOAD: &[u8] = br#"{"sub":"fuzz","iat":1700000000,"exp":1700003600}"#;

fn private_jwk(alg: Algorithm) -> &'static str {
    match (alg.family(), alg) {
        (_, Algorithm::Hs256) => HS256_JWK,
        (_, Algorithm::Hs384) => HS384_JWK,
        (_, Algorithm::Hs512) => HS512_JWK,
        (Family::Rsa, _) => RSA_JWK,
        (_, Algorithm::Es256) => ES256_JWK,
        _ => ES384_JWK,
    }
}

/// Whether the same key and input always give the same signature (so the
/// whole token, not only its signing input, must be one we produced).
fn deterministic(alg: Algorithm) -> bool {
    matches!(alg.family(), Family::Hmac)
        || matches!(alg, Algorithm::Rs256 | Algorithm::Rs384 | Algorithm::Rs512)
}

/// The keys the fuzz targets verify with, and every token signed with them.
///
/// Each algorithm has one key whose `kid` is the algorithm's name, so a key
/// set can hold them all and the RSA algorithms can share key material.
pub struct FuzzKeys {
    keys: Vec<VerifyingKey>,
    set: KeySet,
    /// `(kid, signing input)` of every token signed here.
    signed: BTreeSet<(String, Vec<u8>)>,
    /// Every token signed here with a deterministic algorithm.
    exact: BTreeSet<String>,
    tokens: Vec<String>,
    strict: Validation,
    lenient: Validation,
}

impl core::fmt::Debug for FuzzKeys {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FuzzKeys")
            .field("keys", &self.keys)
            .field("tokens", &self.tokens.len())
            .finish_non_exhaustive()
    }
}

impl Default for FuzzKeys {
    fn default() -> Self {
        Self::new()
    }
}

/// Claims that pass the strict validation at [`NOW`].
fn full_claims() -> Claims<Empty> {
    Claims::new(Empty {})
        .issuer(ISS)
        .subject("user-1")
        .audience(AUD)
        .valid_for(NOW - 60, 3600)
}

/// The payloads signed with every key: some pass the strict validation, the
/// others fail one claim check each, after their signature has verified.
fn payloads() -> Vec<(SignOptions, String)> {
    let full = full_claims;
    let json = |claims: Claims<Empty>| claims.to_json().expect("fixed claims serialize");
    let default = SignOptions::default;
    let mut out = alloc::vec![
        (default(), json(full())),
        (default().without_kid(), json(full())),
        (default().without_typ(), json(full())),
        (
            default().typ("at+jwt"),
            json(full().jwt_id("id-1").audience("other"))
        ),
        (default(), json(full().expires_at(NOW - 1))),
        (default(), json(full().not_before(NOW + 600))),
        (default(), json(full().issued_at(NOW + 600))),
        (default(), json(Claims::new(Empty {}).subject("no-exp"))),
        (default(), json(full().issuer("https://other.fuzz"))),
    ];
    out.push((
        default(),
        String::from(concat!(
            r#"{"iss":"https://issuer.fuzz","aud":["x","fuzz-api"],"sub":"user-2","#,
            r#""exp":1700003600.5,"iat":1.7e9,"nested":{"a":[1,-2.5e3,true,null,{}]},"#,
            r#""text":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t"}"#,
        )),
    ));
    out
}

/// Headers signed as they are, to seed the header checks with tokens whose
/// signature is valid.
const RAW_HEADERS: [&str; 6] = [
    r#"{"alg":"{alg}","kid":"{alg}","b64":true}"#,
    r#"{"alg":"{alg}","kid":"{alg}","jku":"https://evil.example/jwks","jwk":{"kty":"oct","k":"AAAA"},"x5u":"https://evil.example/x5u","x5c":["AAAA"]}"#,
    r#"{"alg":"{alg}","kid":"{alg}","crit":["exp"],"exp":1}"#,
    r#"{"alg":"{alg}","kid":"{alg}","b64":false,"crit":["b64"]}"#,
    r#"{"alg":"none","kid":"{alg}"}"#,
    r#" { "alg" : "{alg}" , "kid" : "{alg}" , "cty" : "JWT" } "#,
];

impl FuzzKeys {
    /// Loads the fixed keys and signs the seed tokens.
    #[must_use]
    pub fn new() -> Self {
        let strict = Validation::new()
            .issuer(ISS)
            .audience(AUD)
            .subject("user-1")
            .typ("JWT")
            .max_age(3600)
            .require("iat");
        let lenient = Validation::new().allow_missing_exp().leeway(30);
        let mut this = Self {
            keys: Vec::new(),
            set: KeySet::new(),
            signed: BTreeSet::new(),
            exact: BTreeSet::new(),
            tokens: Vec::new(),
            strict,
            lenient,
        };
        let payloads = payloads();
        for alg in Algorithm::ALL {
            let first = this.tokens.len();
            let key = SigningKey::from_jwk(private_jwk(alg), Some(alg))
                .expect("fixed fuzzing key")
                .with_kid(alg.name());
            for (options, payload) in &payloads {
                let header = jwt_header(&key, options);
                this.record(&key, header.as_bytes(), payload.as_bytes());
            }
            for header in RAW_HEADERS {
                let header = header.replace("{alg}", alg.name());
                this.record(&key, header.as_bytes(), payloads[0].1.as_bytes());
            }
            // The default header is signed from the key's pre-encoded prefix
            // (and, for HMAC, its pre-absorbed state): same bytes, same MAC.
            let fast = key.sign(&full_claims()).expect("fixed keys sign");
            assert_eq!(
                signing_input(fast.as_bytes()),
                signing_input(this.tokens[first].as_bytes())
            );
            if deterministic(alg) {
                assert_eq!(fast, this.tokens[first], "the signing fast path differs");
            } else {
                this.record_token(&key, fast);
            }
            let verifying = key.verifying_key();
            this.set.add(verifying.clone()).expect("kids are unique");
            this.keys.push(verifying);
        }
        this
    }

    fn record(&mut self, key: &SigningKey, header: &[u8], payload: &[u8]) {
        let token = key.sign_parts(header, payload).expect("fixed keys sign");
        self.record_token(key, token);
    }

    fn record_token(&mut self, key: &SigningKey, token: String) {
        let input = signing_input(token.as_bytes());
        self.signed.insert((key.kid().into(), input.to_vec()));
        if deterministic(key.alg()) {
            self.exact.insert(token.clone());
        }
        self.tokens.push(token);
    }

    /// The oracle: `key` accepted `token`, so this module must have signed
    /// its signing input with `key` (and, where signatures are
    /// deterministic, made exactly this token).
    fn assert_signed(&self, key: &VerifyingKey, token: &[u8]) {
        let input = signing_input(token);
        assert!(
            self.signed.contains(&(key.kid().into(), input.to_vec())),
            "key {} accepted a signing input it never signed: {:?}",
            key.kid(),
            String::from_utf8_lossy(token)
        );
        if deterministic(key.alg()) {
            let text = core::str::from_utf8(token).expect("signed tokens are ASCII");
            assert!(
                self.exact.contains(text),
                "key {} accepted a second spelling of a token: {text:?}",
                key.kid()
            );
        }
    }
}

fn jwt_header(key: &SigningKey, options: &SignOptions) -> String {
    crate::jws::encode_header(
        key.alg(),
        options.typ.as_deref(),
        options.include_kid.then(|| key.kid()),
    )
}

/// The bytes before the last `.`: what the signature covers.
fn signing_input(token: &[u8]) -> &[u8] {
    let end = token.iter().rposition(|&b| b == b'.').unwrap_or(0);
    &token[..end]
}

/// Every token [`FuzzKeys::new`] signed, to seed the `decode_verify` corpus.
#[must_use]
pub fn seed_tokens(keys: &FuzzKeys) -> Vec<String> {
    keys.tokens.clone()
}

fn select<'k>(key: &'k VerifyingKey, kid: Option<&str>) -> Result<&'k VerifyingKey, Error> {
    match kid {
        Some(kid) if kid != key.kid() => Err(Error::UnknownKid),
        _ => Ok(key),
    }
}

/// Verifies `data` as a token with every key, both validations and the key
/// set, through the byte and the string paths. Returns how many of those
/// verifications accepted it.
///
/// # Panics
///
/// When anything is accepted that [`FuzzKeys`] did not sign with that key,
/// or the paths disagree.
pub fn decode_verify(keys: &FuzzKeys, data: &[u8]) -> usize {
    let text = core::str::from_utf8(data).ok();
    let unverified = text.map(|t| insecure::decode_unverified(t, DEFAULT_MAX_TOKEN_LEN));
    let mut accepted = 0;
    let mut strict_results = Vec::new();
    for key in &keys.keys {
        // The full parser, with the known-header fast path turned off...
        let by_bytes = jwt::verify_signature(
            data,
            DEFAULT_MAX_TOKEN_LEN,
            |_| None,
            |kid| select(key, kid),
        );
        if by_bytes.is_ok() {
            keys.assert_signed(key, data);
            accepted += 1;
        }
        // ...and with it on: skipping the parse must change no answer.
        let fast = jwt::verify_signature(
            data,
            DEFAULT_MAX_TOKEN_LEN,
            |segment| (segment == key.known_header().segment()).then_some(key),
            |kid| select(key, kid),
        );
        assert_eq!(
            fast, by_bytes,
            "the known-header fast path and the parser disagree"
        );
        let (Some(token), Some(unverified)) = (text, &unverified) else {
            continue;
        };
        let jws = key.verify_signature_only(token, DEFAULT_MAX_TOKEN_LEN);
        assert_eq!(
            jws, by_bytes,
            "verify_signature_only and the byte path disagree"
        );
        if let Ok((_, payload)) = &jws {
            // Whatever verifies is well-formed; whether the payload is
            // JSON is for the claims layer to say.
            if let Ok(u) = unverified {
                assert_eq!(u.payload.as_bytes(), payload.as_slice());
            }
        }
        for (validation, strict) in [(&keys.strict, true), (&keys.lenient, false)] {
            let result = key.verify::<serde_json::Value>(token, validation, NOW);
            match (&result, &jws) {
                // The claims are looked at only once the signature verified.
                (Err(e), Err(first)) => {
                    assert_eq!(e, first, "claims were read before the signature");
                }
                (Ok(claims), Ok(_)) => {
                    accepted += 1;
                    assert!(unverified.is_ok(), "a verified JWT is not decodable");
                    assert!(claims.custom.is_object());
                    if strict {
                        assert_eq!(claims.iss.as_deref(), Some(ISS));
                        assert!(claims.aud.iter().any(|a| a == AUD));
                        let exp = claims.exp.expect("strict validation requires exp");
                        assert!(NOW < exp, "an expired token was accepted");
                    }
                }
                (Err(_), Ok(_)) => {}
                (Ok(_), Err(e)) => {
                    panic!("verify accepted what verify_signature_only refused: {e}")
                }
            }
            if strict {
                strict_results.push(result);
            }
        }
    }
    if let Some(token) = text {
        // The set picks the key by `kid`: its answer is one key's answer.
        let by_set = keys
            .set
            .verify::<serde_json::Value>(token, &keys.strict, NOW);
        if let Ok(claims) = &by_set {
            accepted += 1;
            assert!(
                strict_results
                    .iter()
                    .any(|r| r.as_ref().ok() == Some(claims)),
                "the key set accepted what no single key did"
            );
        }
    }
    accepted
}

/// Parses `data` as a JWK and as a JWKS, and puts every key that parses
/// through every algorithm and its round trips.
///
/// # Panics
///
/// When a key that builds breaks one of the properties listed in the module
/// documentation.
pub fn jwk_parse(data: &[u8]) {
    let text = match core::str::from_utf8(data) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(data),
    };
    if let Ok(jwk) = Jwk::parse(&text) {
        exercise_jwk(&jwk);
    }
    let parsed = parse_jwks(&text);
    if let Ok(list) = &parsed {
        for jwk in list {
            exercise_jwk(jwk);
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
}

fn exercise_jwk(jwk: &Jwk) {
    let _ = (
        jwk.kid(),
        jwk.alg(),
        jwk.is_private(),
        alloc::format!("{jwk:?}"),
    );
    let _ = jwk
        .verifying_key(None)
        .map(|k| check_verifying(jwk, &k, jwk.alg()));
    let _ = jwk
        .signing_key(None)
        .map(|k| check_signing(jwk, &k, jwk.alg()));
    for alg in Algorithm::ALL {
        let _ = jwk
            .verifying_key(Some(alg))
            .map(|k| check_verifying(jwk, &k, Some(alg)));
        let _ = jwk
            .signing_key(Some(alg))
            .map(|k| check_signing(jwk, &k, Some(alg)));
    }
}

fn check_verifying(jwk: &Jwk, key: &VerifyingKey, asked: Option<Algorithm>) {
    if let Some(alg) = asked.or(jwk.alg()) {
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
    if let Some(alg) = asked.or(jwk.alg()) {
        assert_eq!(
            key.alg(),
            alg,
            "a key is bound to an algorithm nobody asked for"
        );
    }
    let signature = check_private(key);
    if let Ok(from_jwk) = jwk.verifying_key(Some(key.alg())) {
        assert_eq!(from_jwk.thumbprint(), key.verifying_key().thumbprint());
        crate::hazmat::verify_raw(&from_jwk, MESSAGE, &signature)
            .expect("the JWK's public half verifies its private half");
    }
}

const MESSAGE: &[u8] = b"fuzzing message";

/// A verifying key that built round-trips through its public JWK.
fn check_public(key: &VerifyingKey) {
    let _ = alloc::format!("{key:?}");
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
    let _ = alloc::format!("{key:?}");
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
    let signature = crate::hazmat::sign_raw(key, MESSAGE).expect("a built key signs");
    crate::hazmat::verify_raw(&public, MESSAGE, &signature)
        .expect("a key's own signature verifies");
    signature
}

/// Parses `data` as a PEM key (PKCS#8, SPKI, PKCS#1, SEC1) for every
/// algorithm, as a signing and as a verifying key, and puts every key that
/// builds through its round trips.
///
/// # Panics
///
/// When a key that builds is bound to another algorithm than asked, fails a
/// round trip, or cannot verify its own signature.
pub fn pem_parse(data: &[u8]) {
    let text = match core::str::from_utf8(data) {
        Ok(text) => Cow::Borrowed(text),
        Err(_) => String::from_utf8_lossy(data),
    };
    let asks = core::iter::once(None).chain(Algorithm::ALL.into_iter().map(Some));
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
        }
    }
}

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
/// header alone.
///
/// # Panics
///
/// When the pipeline's answer differs from what `Header::parse` implies, or
/// an accepted header is not the same JSON object to `serde_json`.
pub fn header_parse(data: &[u8]) {
    let key = SigningKey::from_hmac_secret(Algorithm::Hs256, HEADER_SECRET)
        .expect("fixed fuzzing key")
        .with_kid(HEADER_KID);
    let token = key.sign_parts(data, HEADER_PAYLOAD).expect("HMAC signs");
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
        return;
    }
    let header = core::str::from_utf8(data)
        .map_err(|_| Error::Malformed("token header is not UTF-8"))
        .and_then(Header::parse);
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
    let encoded = base64url::encoded_len(data.len());
    if data.is_empty() {
        assert_eq!(jws, Err(Error::Malformed("token header is empty")));
    } else if encoded > MAX_HEADER_LEN {
        let limit = MAX_HEADER_LEN;
        assert_eq!(
            jws,
            Err(Error::TooLarge {
                limit,
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
        let text = core::str::from_utf8(data).expect("parsed headers are UTF-8");
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
    let _ = base64url::encode(data);
}
