//! `decode_verify`: arbitrary bytes as a whole token, verified with one key
//! per algorithm.

use std::collections::BTreeSet;
use std::sync::LazyLock;

use auth_core::fuzzing::verify_signature;
use auth_core::{
    Algorithm, Claims, DEFAULT_MAX_TOKEN_LEN, Empty, Family, KeySet, SignOptions, SigningKey,
    Validation, VerifyingKey, insecure,
};
use base64ct::{Base64UrlUnpadded, Encoding};

use crate::keys::{private_jwk, sign_parts, signing_input};

/// The fixed time every verification uses (2023-11-14T22:13:20Z).
pub const NOW: u64 = 1_700_000_000;
const ISS: &str = "https://issuer.fuzz";
const AUD: &str = "fuzz-api";

/// Whether the same key and input always give the same signature (so the
/// whole token, not only its signing input, must be one we produced).
fn deterministic(alg: Algorithm) -> bool {
    matches!(alg.family(), Family::Hmac)
        || matches!(alg, Algorithm::Rs256 | Algorithm::Rs384 | Algorithm::Rs512)
}

/// The keys `decode_verify` verifies with, and every token signed with them.
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
    /// The seed tokens, per algorithm, in a fixed order.
    seeds: Vec<(Algorithm, Vec<String>)>,
    strict: Validation,
    lenient: Validation,
}

impl std::fmt::Debug for FuzzKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FuzzKeys")
            .field("keys", &self.keys)
            .field("signed", &self.signed.len())
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

/// What every key signs through auth-core's token writer: the first passes
/// the strict validation, the others fail one claim check each, after their
/// signature has verified.
fn claim_variants() -> Vec<(SignOptions, Claims<Empty>)> {
    let full = full_claims;
    let default = SignOptions::default;
    vec![
        (default(), full()),
        (default().without_kid(), full()),
        (default().without_typ(), full()),
        (
            default().typ("at+jwt"),
            full().jwt_id("id-1").audience("other"),
        ),
        (default(), full().expires_at(NOW - 1)),
        (default(), full().not_before(NOW + 600)),
        (default(), full().issued_at(NOW + 600)),
        (default(), Claims::new(Empty {}).subject("no-exp")),
        (default(), full().issuer("https://other.fuzz")),
    ]
}

/// A payload no `Claims` value is written as: fractional and exponent
/// times, an audience list, nesting and every string escape.
const RAW_PAYLOAD: &str = concat!(
    r#"{"iss":"https://issuer.fuzz","aud":["x","fuzz-api"],"sub":"user-2","#,
    r#""exp":1700003600.5,"iat":1.7e9,"nested":{"a":[1,-2.5e3,true,null,{}]},"#,
    r#""text":"caf\u00e9 \ud83d\ude00 \"q\" \\ \/ \b\f\n\r\t"}"#,
);

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

/// The header auth-core writes for `options`: `alg`, then `typ` and `kid`
/// when set. Written here independently, to hold the library's writer to it.
fn canonical_header(alg: Algorithm, options: &SignOptions, kid: &str) -> String {
    let string = |s: &str| serde_json::to_string(s).expect("strings serialize");
    let mut out = format!(r#"{{"alg":"{}""#, alg.name());
    if let Some(typ) = &options.typ {
        out.push_str(&format!(r#","typ":{}"#, string(typ)));
    }
    if options.include_kid {
        out.push_str(&format!(r#","kid":{}"#, string(kid)));
    }
    out.push('}');
    out
}

/// The decoded payload of a token auth-core wrote.
fn payload_of(token: &str) -> Vec<u8> {
    let segment = token.split('.').nth(1).expect("a token has a payload");
    Base64UrlUnpadded::decode_vec(segment).expect("auth-core writes canonical base64url")
}

impl FuzzKeys {
    /// The keys every `decode_verify` call shares (built once: the RSA
    /// signatures take a while).
    pub fn shared() -> &'static Self {
        static KEYS: LazyLock<FuzzKeys> = LazyLock::new(FuzzKeys::new);
        &KEYS
    }

    /// Loads the fixed keys and signs the seed tokens.
    ///
    /// # Panics
    ///
    /// When auth-core's token writer (the default header's pre-encoded fast
    /// path included) differs from a token built here from scratch.
    #[must_use]
    pub fn new() -> Self {
        let strict = Validation::new()
            .issuer(ISS)
            .audience(AUD)
            .subject("user-1")
            .typ("JWT")
            .max_age(3600)
            .require("iat");
        let lenient = Validation::new()
            .allow_missing_exp()
            .leeway(30)
            .any_audience();
        let mut this = Self {
            keys: Vec::new(),
            set: KeySet::new(),
            signed: BTreeSet::new(),
            exact: BTreeSet::new(),
            seeds: Vec::new(),
            strict,
            lenient,
        };
        for alg in Algorithm::ALL {
            let key = SigningKey::from_jwk(private_jwk(alg), Some(alg))
                .expect("fixed fuzzing key")
                .with_kid(alg.name());
            let mut seeds = Vec::new();
            for (options, claims) in claim_variants() {
                // The default options take the writer's fast path (the key's
                // pre-encoded header and, for HMAC, its pre-absorbed state);
                // the others go through the general one. Both must give
                // what a from-scratch construction gives.
                let token = key.sign_with(&claims, &options).expect("fixed keys sign");
                let header = canonical_header(alg, &options, key.kid());
                let scratch = sign_parts(&key, header.as_bytes(), &payload_of(&token));
                assert_eq!(
                    signing_input(token.as_bytes()),
                    signing_input(scratch.as_bytes()),
                    "auth-core's token writer differs from a from-scratch token"
                );
                if deterministic(alg) {
                    assert_eq!(token, scratch, "the same signing input, another MAC");
                } else {
                    this.record(&key, &scratch);
                }
                this.record(&key, &token);
                seeds.push(token);
            }
            let default_header = canonical_header(alg, &SignOptions::default(), key.kid());
            let default_payload = payload_of(&seeds[0]);
            let raw = [(default_header, RAW_PAYLOAD.as_bytes())]
                .into_iter()
                .chain(
                    RAW_HEADERS
                        .iter()
                        .map(|h| (h.replace("{alg}", alg.name()), default_payload.as_slice())),
                );
            for (header, payload) in raw {
                let token = sign_parts(&key, header.as_bytes(), payload);
                this.record(&key, &token);
                seeds.push(token);
            }
            let verifying = key.verifying_key();
            this.set.add(verifying.clone()).expect("kids are unique");
            this.keys.push(verifying);
            this.seeds.push((alg, seeds));
        }
        this
    }

    fn record(&mut self, key: &SigningKey, token: &str) {
        let input = signing_input(token.as_bytes());
        self.signed.insert((key.kid().into(), input.to_vec()));
        if deterministic(key.alg()) {
            self.exact.insert(token.into());
        }
    }

    /// Every seed token, per algorithm: the claim variants signed by
    /// auth-core, then the raw payload and the raw headers.
    #[must_use]
    pub fn seed_tokens(&self) -> &[(Algorithm, Vec<String>)] {
        &self.seeds
    }

    /// The oracle: `key` accepted `token`, so this harness must have signed
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
            let text = std::str::from_utf8(token).expect("signed tokens are ASCII");
            assert!(
                self.exact.contains(text),
                "key {} accepted a second spelling of a token: {text:?}",
                key.kid()
            );
        }
    }
}

/// [`decode_verify_with`] on the [shared](FuzzKeys::shared) keys.
pub fn decode_verify(data: &[u8]) -> usize {
    decode_verify_with(FuzzKeys::shared(), data)
}

/// Verifies `data` as a token with every key, both validations and the key
/// set, through the byte and the string paths. Returns how many of those
/// verifications accepted it.
///
/// # Panics
///
/// When anything is accepted that [`FuzzKeys`] did not sign with that key,
/// or the paths disagree.
pub fn decode_verify_with(keys: &FuzzKeys, data: &[u8]) -> usize {
    let text = std::str::from_utf8(data).ok();
    let unverified = text.map(|t| insecure::decode_unverified(t, DEFAULT_MAX_TOKEN_LEN));
    let mut accepted = 0;
    let mut strict_results = Vec::new();
    for key in &keys.keys {
        // The full parser, with the known-header shortcut turned off...
        let by_bytes = verify_signature(key, data, DEFAULT_MAX_TOKEN_LEN, false);
        if by_bytes.is_ok() {
            keys.assert_signed(key, data);
            accepted += 1;
        }
        // ...and with it on: skipping the parse must change no answer.
        let fast = verify_signature(key, data, DEFAULT_MAX_TOKEN_LEN, true);
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

#[cfg(test)]
mod tests {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use super::*;

    fn objects(keys: &FuzzKeys, key: &VerifyingKey, token: &str) -> bool {
        catch_unwind(AssertUnwindSafe(|| {
            keys.assert_signed(key, token.as_bytes());
        }))
        .is_err()
    }

    /// The oracle is what turns "the library accepted a forgery" into a
    /// crash; it must object to anything the harness did not sign.
    #[test]
    fn the_oracle_objects_to_tokens_it_did_not_sign() {
        let keys = FuzzKeys::shared();
        let (alg, seeds) = &keys.seed_tokens()[0];
        assert_eq!(*alg, Algorithm::Hs256);
        let hs256 = &keys.keys[0];
        assert!(!objects(keys, hs256, &seeds[0]));

        // Same signing input, another signature: HS256 is deterministic.
        let input = std::str::from_utf8(signing_input(seeds[0].as_bytes())).unwrap();
        assert!(objects(keys, hs256, &format!("{input}.AAAA")));

        // A signing input the harness never signed, under the right kid.
        let foreign = SigningKey::from_hmac_secret(Algorithm::Hs256, &[9; 32])
            .unwrap()
            .with_kid("HS256");
        let token = sign_parts(&foreign, br#"{"alg":"HS256","kid":"HS256"}"#, b"{}");
        assert!(objects(keys, hs256, &token));

        // A token signed for one key is not one signed for another.
        let es256 = keys
            .keys
            .iter()
            .find(|k| k.alg() == Algorithm::Es256)
            .unwrap();
        assert!(objects(keys, es256, &seeds[0]));
    }
}
