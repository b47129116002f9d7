//! Property tests: random claims round-trip through sign and verify, and
//! random input never panics and never verifies.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::std_instead_of_core
)]

use auth_core::{Algorithm, Claims, SigningKey, Validation, VerifyingKey, insecure};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::sync::LazyLock;

const NOW: u64 = 1_700_000_000;

static KEYS: LazyLock<Vec<SigningKey>> = LazyLock::new(|| {
    [Algorithm::Hs256, Algorithm::Es256, Algorithm::Rs256]
        .into_iter()
        .map(|alg| SigningKey::generate(alg).unwrap())
        .collect()
});

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Custom {
    name: String,
    roles: Vec<String>,
    level: i64,
    flag: bool,
}

prop_compose! {
    fn claims()(
        iss in proptest::option::of(".{0,20}"),
        sub in proptest::option::of("\\PC{0,20}"),
        aud in proptest::collection::vec("[a-z\"\\\\\u{0}-\u{1f}é😀]{0,8}", 0..4),
        ttl in 1u64..1_000_000,
        nbf in proptest::option::of(0u64..NOW),
        jti in proptest::option::of("[ -~]{0,16}"),
        name in "\\PC{0,30}",
        roles in proptest::collection::vec("[a-z]{1,8}", 0..4),
        level in any::<i64>(),
        flag in any::<bool>(),
    ) -> Claims<Custom> {
        let mut c = Claims::new(Custom { name, roles, level, flag }).valid_for(NOW, ttl);
        c.iss = iss;
        c.sub = sub;
        c.aud = aud;
        c.nbf = nbf;
        c.jti = jti;
        c
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn random_claims_round_trip(claims in claims(), which in 0usize..3) {
        let key = &KEYS[which];
        let token = key.sign(&claims).unwrap();
        let validation = match claims.aud.first() {
            Some(aud) => Validation::new().audience(aud.clone()),
            None => Validation::new(),
        };
        let back: Claims<Custom> = key.verifying_key().verify(&token, &validation, NOW).unwrap();
        prop_assert_eq!(back, claims);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn random_bytes_never_verify(data in proptest::collection::vec(any::<u8>(), 0..600)) {
        let text = String::from_utf8_lossy(&data);
        for key in KEYS.iter() {
            let vk: VerifyingKey = key.verifying_key();
            prop_assert!(vk.verify::<Value>(&text, &Validation::new(), NOW).is_err());
            prop_assert!(vk.verify_signature_only(&text, 8192).is_err());
        }
        let _ = insecure::decode_unverified(&text, 8192);
        let _ = auth_core::Jwk::parse(&text);
    }

    #[test]
    fn random_three_part_tokens_never_verify(
        h in "[A-Za-z0-9_-]{0,60}", p in "[A-Za-z0-9_-]{0,80}", s in "[A-Za-z0-9_-]{0,120}",
    ) {
        let token = format!("{h}.{p}.{s}");
        for key in KEYS.iter() {
            prop_assert!(key.verifying_key().verify::<Value>(&token, &Validation::new(), NOW).is_err());
        }
    }

    #[test]
    fn mutated_valid_tokens_never_verify(claims in claims(), which in 0usize..3, pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let key = &KEYS[which];
        let token = key.sign(&claims).unwrap();
        let mut bytes = token.clone().into_bytes();
        let i = pos.index(bytes.len());
        prop_assume!(bytes[i] != byte);
        bytes[i] = byte;
        let mutated = String::from_utf8_lossy(&bytes).into_owned();
        prop_assume!(mutated != token);
        prop_assert!(key.verifying_key().verify::<Value>(&mutated, &Validation::new(), NOW).is_err());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Whatever a store hands back as a token family decodes to a record or
    /// to `store_corrupt`, never a panic; a record survives its own
    /// encoding, whatever its claims.
    #[test]
    fn token_families_decode_or_are_store_corrupt(
        data in proptest::collection::vec(any::<u8>(), 0..300),
        user in "\\PC{1,40}",
        claim in "\\PC{0,40}",
        now in 0u64..4_000_000_000,
    ) {
        use auth_core::tokens::{FamilyRecord, RefreshToken};
        if let Err(err) = FamilyRecord::decode(&data) {
            prop_assert_eq!(err.code(), "store_corrupt");
        }
        let key = RefreshToken::generate(None).unwrap().store_key();
        let mut claims = serde_json::Map::new();
        claims.insert("c".into(), Value::String(claim));
        let family = FamilyRecord::new(&user, &key, &claims, now, 60, 3600).unwrap();
        let bytes = family.encode().unwrap();
        prop_assert_eq!(FamilyRecord::decode(&bytes).unwrap(), family);
    }

    /// A refresh token parses only in its exact form; anything else is
    /// `None`, never a panic.
    #[test]
    fn refresh_tokens_parse_only_in_their_exact_form(
        text in prop_oneof!["\\PC{0,60}", "[A-Za-z0-9_=+/.-]{42,44}"],
    ) {
        use auth_core::tokens::RefreshToken;
        if let Some(token) = RefreshToken::parse(&text) {
            let exposed = token.expose();
            prop_assert_eq!(exposed.as_str(), text.as_str());
        }
    }
}

prop_compose! {
    fn throttle_state()(
        failures in prop_oneof![0u32..8, any::<u32>()],
        blocked_until in prop_oneof![Just(0u64), NOW - 50..NOW + 2000, any::<u64>()],
        expires_at in prop_oneof![NOW - 50..NOW + 2000, any::<u64>()],
    ) -> auth_core::throttle::ThrottleState {
        auth_core::throttle::ThrottleState { failures, blocked_until, expires_at }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// The throttle's transitions, on any stored state, any limit and any
    /// clock (overflow included), never panic and keep their promises: a
    /// refused attempt changes nothing and happens only while blocked; a
    /// counted one adds exactly one failure and never moves a block or an
    /// expiry earlier; a refund takes exactly one failure back, keeps the
    /// expiry, and keeps a block only while the failures left exceed the
    /// free ones. Whatever state results survives its own encoding.
    #[test]
    fn throttle_transitions_keep_their_promises(
        previous in proptest::option::of(throttle_state()),
        free in prop_oneof![0u32..8, any::<u32>()],
        window in any::<u64>(),
        first in any::<u64>(),
        cap in any::<u64>(),
        now in prop_oneof![NOW - 50..NOW + 2000, any::<u64>()],
    ) {
        use auth_core::throttle::{Attempt, Limit, ThrottleState};
        let limit = Limit::new(free, window, first, cap);
        let live = previous.filter(|s| s.is_live(now));
        let after = match limit.attempt(previous, now) {
            Attempt::Refused(s) => {
                prop_assert_eq!(Some(s), live);
                prop_assert!(now < s.blocked_until);
                s
            }
            Attempt::Counted(s) => {
                let before = live.map_or(0, |p| p.failures);
                prop_assert_eq!(s.failures, before.saturating_add(1));
                prop_assert!(now >= live.map_or(0, |p| p.blocked_until));
                prop_assert!(s.blocked_until >= live.map_or(0, |p| p.blocked_until));
                prop_assert!(s.expires_at >= live.map_or(0, |p| p.expires_at));
                prop_assert!(s.expires_at >= s.blocked_until);
                prop_assert!(s.is_live(now) || now == u64::MAX);
                if s.failures > limit.free_failures() && now < u64::MAX {
                    prop_assert!(s.blocked_until > now, "a failure past the free ones blocks");
                }
                s
            }
        };
        prop_assert_eq!(ThrottleState::decode(after.encode().as_bytes()), Ok(after));
        match limit.refund(previous, now) {
            None => prop_assert!(live.is_none_or(|p| p.failures <= 1)),
            Some(r) => {
                let p = live.unwrap();
                prop_assert_eq!(r.failures, p.failures - 1);
                prop_assert_eq!(r.expires_at, p.expires_at);
                if r.failures > limit.free_failures() {
                    prop_assert_eq!(r.blocked_until, p.blocked_until);
                } else {
                    prop_assert_eq!(r.blocked_until, 0);
                }
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Request headers from anyone: the Bearer, cookie and CSRF readers
    /// never panic; what they accept is what they promise (a Bearer token
    /// is a `b64token` taken from the header; a cookie value is the one
    /// named cookie's); whatever they refuse is a 400 or a 403.
    #[test]
    fn header_readers_take_any_bytes(
        authorization in proptest::collection::vec(
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..80),
                "(?i:bearer)( {1,3})[A-Za-z0-9._~+/=\t,-]{0,40}".prop_map(String::into_bytes),
            ],
            0..3,
        ),
        query in proptest::option::of("[a-z_=&]{0,30}"),
        cookies in proptest::collection::vec(
            prop_oneof![
                proptest::collection::vec(any::<u8>(), 0..80),
                "((__Host-session|a|__Host-csrf) ?= ?[ -~]{0,12}; ?){0,4}".prop_map(String::into_bytes),
            ],
            0..3,
        ),
        site in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..20)),
        origin in proptest::option::of(prop_oneof![
            proptest::collection::vec(any::<u8>(), 0..40),
            "https?://[a-z.:0-9@/]{0,20}".prop_map(String::into_bytes),
        ]),
        host in proptest::option::of("[a-z.:0-9]{0,20}"),
        method in prop_oneof![Just("GET".to_owned()), Just("POST".to_owned()), "[A-Za-z]{0,8}"],
    ) {
        use auth_core::http::{bearer, csrf, find_cookie};
        // A value that is not UTF-8 counts as absent: the answer is the
        // one for the readable values alone.
        let readable = |all: &[Vec<u8>]| -> Vec<Vec<u8>> {
            all.iter().filter(|h| std::str::from_utf8(h).is_ok()).cloned().collect()
        };
        let all: Vec<&[u8]> = authorization.iter().map(Vec::as_slice).collect();
        let kept = readable(&authorization);
        let headers: Vec<&[u8]> = kept.iter().map(Vec::as_slice).collect();
        prop_assert_eq!(bearer(&all, query.as_deref()), bearer(&headers, query.as_deref()));
        let all: Vec<&[u8]> = cookies.iter().map(Vec::as_slice).collect();
        let kept = readable(&cookies);
        let cookie_headers: Vec<&[u8]> = kept.iter().map(Vec::as_slice).collect();
        prop_assert_eq!(
            find_cookie(&all, "__Host-session"),
            find_cookie(&cookie_headers, "__Host-session")
        );
        match bearer(&headers, query.as_deref()) {
            Ok(Some(token)) => {
                prop_assert_eq!(headers.len(), 1);
                prop_assert!(!token.is_empty());
                let body = token.trim_end_matches('=');
                prop_assert!(!body.is_empty());
                prop_assert!(body.bytes().all(|b| b.is_ascii_alphanumeric() || b"-._~+/".contains(&b)));
                let text = String::from_utf8_lossy(headers[0]);
                prop_assert!(text.trim_end().ends_with(token));
            }
            Ok(None) => {}
            Err(r) => prop_assert_eq!((r.status(), r.code()), (400, "invalid_request")),
        }
        match find_cookie(&cookie_headers, "__Host-session") {
            Ok(Some(value)) => {
                let joined = cookie_headers.concat();
                let needle = [b"__Host-session".as_slice()].concat();
                prop_assert!(joined.windows(needle.len()).any(|w| w == needle.as_slice()));
                prop_assert!(!value.contains(';'));
            }
            Ok(None) => {}
            Err(r) => prop_assert_eq!((r.status(), r.code()), (400, "invalid_request")),
        }
        let checked = csrf::check_origin(
            &method,
            site.as_deref(),
            origin.as_deref(),
            host.as_deref().map(str::as_bytes),
            &[],
        );
        fn text(v: &Option<Vec<u8>>) -> Option<&[u8]> {
            v.as_deref().filter(|v| std::str::from_utf8(v).is_ok())
        }
        prop_assert_eq!(
            &checked,
            &csrf::check_origin(
                &method,
                text(&site),
                text(&origin),
                host.as_deref().map(str::as_bytes),
                &[],
            )
        );
        if let Err(r) = checked {
            prop_assert_eq!((r.status(), r.code()), (403, "csrf"));
            prop_assert!(!csrf::is_safe_method(&method));
        }
    }
}
