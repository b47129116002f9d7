//! The HTTP decisions every adapter renders: rejections for every error,
//! Bearer parsing, cookies, CSRF.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use auth_core::http::{
    CookieConfig, CsrfHeaders, HttpConfig, MAX_AUTHORIZATION_LEN, MAX_COOKIE_HEADER_LEN, Rejection,
    SameSite, Via, bearer, csrf, find_cookie,
};
use auth_core::{Algorithm, Error};

fn config() -> HttpConfig {
    HttpConfig::new("example", CookieConfig::new(3600)).unwrap()
}

/// Every error, with the status and code it must have.
fn every_error() -> Vec<(Error, u16, &'static str)> {
    vec![
        (Error::Malformed("x"), 401, "malformed"),
        (
            Error::TooLarge {
                limit: 1,
                actual: 2,
            },
            401,
            "too_large",
        ),
        (Error::UnsupportedAlg, 401, "unsupported_alg"),
        (
            Error::AlgMismatch {
                expected: Algorithm::Hs256,
                found: Algorithm::Rs256,
            },
            401,
            "alg_mismatch",
        ),
        (Error::UnknownKid, 401, "unknown_kid"),
        (Error::BadSignature, 401, "bad_signature"),
        (Error::Expired { exp: 1, now: 2 }, 401, "expired"),
        (Error::NotYetValid { nbf: 2, now: 1 }, 401, "not_yet_valid"),
        (
            Error::IssuedInFuture { iat: 2, now: 1 },
            401,
            "issued_in_future",
        ),
        (Error::TooOld { iat: 1, max_age: 1 }, 401, "too_old"),
        (Error::InvalidIssuer, 401, "invalid_issuer"),
        (Error::InvalidAudience, 401, "invalid_audience"),
        (Error::InvalidSubject, 401, "invalid_subject"),
        (Error::MissingClaim("exp".into()), 401, "missing_claim"),
        (
            Error::InvalidClaim {
                claim: "exp".into(),
                reason: "is not a number",
            },
            401,
            "invalid_claim",
        ),
        (Error::InvalidType, 401, "invalid_type"),
        (Error::InvalidKey("short"), 500, "internal_error"),
        (Error::UnsupportedCrit, 401, "unsupported_crit"),
        (Error::Random, 500, "internal_error"),
        (
            Error::StoreUnavailable("redis at 10.0.0.5:6379 refused".into()),
            503,
            "store_unavailable",
        ),
        (Error::StoreCorrupt("x"), 500, "internal_error"),
        (Error::StaleLogin, 401, "stale_login"),
        (Error::IdCollision, 500, "internal_error"),
        (
            Error::RecordTooLarge {
                limit: 1,
                actual: 2,
            },
            500,
            "internal_error",
        ),
        (Error::Misuse("x"), 500, "internal_error"),
        (
            Error::RefreshReused {
                user_id: "alice@example.com".into(),
                family_id: "fam-secret".into(),
            },
            401,
            "refresh_reused",
        ),
        (Error::UnknownRefresh, 401, "unknown_refresh"),
        (Error::Revoked, 401, "revoked"),
        (Error::NotAccessToken, 401, "not_access_token"),
        (Error::NotRefreshToken, 401, "not_refresh_token"),
        (Error::InvalidCredentials, 401, "invalid_credentials"),
        (Error::RateLimited { retry_after: 7 }, 429, "rate_limited"),
    ]
}

/// Every error has its status and code; a 401 via Bearer is the
/// `invalid_token` challenge with the message as description, via the
/// cookie it clears the session, via a body it is neither; the server's
/// own failures say nothing about themselves; no message carries what the
/// error holds.
#[test]
fn every_error_has_its_http_meaning() {
    let errors = every_error();
    // One row per variant: the codes of the core's errors, once each
    // (auth-core pins that list), all here.
    assert_eq!(errors.len(), 32);
    for (error, status, code) in &errors {
        for via in [Via::Bearer, Via::Cookie, Via::Body] {
            let r = Rejection::from_error(error, via);
            let body_fault =
                via == Via::Body && matches!(error, Error::Malformed(_) | Error::TooLarge { .. });
            let expected_status = if body_fault { 400 } else { *status };
            assert_eq!(r.status(), expected_status, "{error:?} via {via:?}");
            assert_eq!(r.code(), *code, "{error:?}");
            if *status != 500 && *code != "store_unavailable" {
                assert_eq!(r.code(), error.code(), "the error's own code");
            }
            let challenge = r.www_authenticate("example");
            if *status == 401 && via == Via::Bearer {
                assert_eq!(
                    challenge.as_deref(),
                    Some(
                        format!(
                            "Bearer realm=\"example\", error=\"invalid_token\", error_description=\"{}\"",
                            r.message()
                        )
                        .as_str()
                    )
                );
            } else {
                assert_eq!(challenge, None, "{error:?} via {via:?}");
            }
            assert_eq!(
                r.clears_session(),
                *status == 401 && via == Via::Cookie,
                "{error:?} via {via:?}"
            );
            assert_eq!(
                r.retry_after(),
                matches!(error, Error::RateLimited { .. }).then_some(7)
            );
            let message = r.message();
            assert!(!message.is_empty());
            assert!(
                message
                    .bytes()
                    .all(|b| matches!(b, 0x20 | 0x21 | 0x23..=0x5b | 0x5d..=0x7e)),
                "{message:?} must fit a quoted error_description"
            );
            for secret in [
                "alice",
                "fam-secret",
                "10.0.0.5",
                "short",
                "is not a number",
            ] {
                assert!(!message.contains(secret), "{message:?} leaks {secret:?}");
            }
            if *status == 500 {
                assert_eq!(message, "the server failed; try again later");
            }
        }
    }
}

#[test]
fn a_rejection_renders_status_headers_and_body() {
    let c = config();
    let r = Rejection::from_error(&Error::Expired { exp: 1, now: 2 }, Via::Bearer).render(&c);
    assert_eq!(r.status, 401);
    assert_eq!(
        r.headers,
        vec![
            ("content-type", "application/json".to_owned()),
            ("cache-control", "no-store".to_owned()),
            (
                "www-authenticate",
                "Bearer realm=\"example\", error=\"invalid_token\", error_description=\"the token has expired\""
                    .to_owned()
            ),
        ]
    );
    assert_eq!(
        r.body,
        r#"{"error":"expired","message":"the token has expired"}"#
    );

    // A bad session cookie is cleared, both cookies, with their attributes.
    let r = Rejection::from_error(&Error::Malformed("x"), Via::Cookie).render(&c);
    assert_eq!(r.status, 401);
    assert_eq!(
        r.headers[2..],
        [
            (
                "set-cookie",
                "__Host-session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Lax".to_owned()
            ),
            (
                "set-cookie",
                "__Host-csrf=; Path=/; Max-Age=0; Secure; SameSite=Lax".to_owned()
            ),
        ]
    );

    let r = Rejection::from_error(&Error::RateLimited { retry_after: 30 }, Via::Body).render(&c);
    assert_eq!(r.status, 429);
    assert_eq!(r.headers[2], ("retry-after", "30".to_owned()));
    assert_eq!(r.headers.len(), 3);

    let r = Rejection::from_error(&Error::StoreUnavailable("down".into()), Via::Cookie).render(&c);
    assert_eq!(r.status, 503);
    assert_eq!(r.headers.len(), 2, "no challenge, and the cookie stays");
    assert_eq!(
        r.body,
        r#"{"error":"store_unavailable","message":"the session store is unavailable; try again later"}"#
    );

    // The realm is configured once.
    let c = HttpConfig::new("my app", CookieConfig::new(60)).unwrap();
    let r = Rejection::unauthenticated(true, false).render(&c);
    assert_eq!(
        r.headers[2],
        ("www-authenticate", "Bearer realm=\"my app\"".to_owned())
    );
}

#[test]
fn outcomes_that_are_not_errors() {
    // No credentials: a bare challenge where Bearer is accepted (RFC 6750
    // §3.1), nothing where only the cookie is; a dead session's cookie is
    // cleared.
    let r = Rejection::unauthenticated(true, false);
    assert_eq!((r.status(), r.code()), (401, "unauthenticated"));
    assert_eq!(
        r.www_authenticate("x").as_deref(),
        Some("Bearer realm=\"x\"")
    );
    assert!(!r.clears_session());
    let r = Rejection::unauthenticated(false, true);
    assert_eq!(r.www_authenticate("x"), None);
    assert!(r.clears_session());
    assert_eq!(r.message(), "authentication is required");

    // A missing role: 403, with the scope in the challenge when it is a
    // valid scope token.
    let r = Rejection::insufficient_scope("admin", Via::Bearer);
    assert_eq!((r.status(), r.code()), (403, "insufficient_scope"));
    assert_eq!(
        r.www_authenticate("x").as_deref(),
        Some(
            "Bearer realm=\"x\", error=\"insufficient_scope\", error_description=\"the credential lacks a required role\", scope=\"admin\""
        )
    );
    for odd in ["two words", "quo\"te", "back\\slash", "", "é"] {
        let r = Rejection::insufficient_scope(odd, Via::Bearer);
        let challenge = r.www_authenticate("x").unwrap();
        assert!(!challenge.contains("scope="), "{challenge}");
    }
    // The edges of the scope-token characters.
    for ok in ["!", "#", "[", "]", "~", "a:b/c"] {
        let challenge = Rejection::insufficient_scope(ok, Via::Bearer)
            .www_authenticate("x")
            .unwrap();
        assert!(
            challenge.ends_with(&format!(", scope=\"{ok}\"")),
            "{challenge}"
        );
    }
    let r = Rejection::insufficient_scope("admin", Via::Cookie);
    assert_eq!(r.status(), 403);
    assert_eq!(r.www_authenticate("x"), None);
    assert!(!r.clears_session());

    let r = Rejection::invalid_request("why", true);
    assert_eq!(
        (r.status(), r.code(), r.message()),
        (400, "invalid_request", "why")
    );
    assert_eq!(
        r.www_authenticate("x").as_deref(),
        Some("Bearer realm=\"x\", error=\"invalid_request\", error_description=\"why\"")
    );
    assert_eq!(
        Rejection::invalid_request("why", false).www_authenticate("x"),
        None
    );
    // A message that cannot stand in a quoted string stays out of the
    // header (and in the body).
    for odd in ["say \"no\"", "back\\slash", "line\nbreak", "caf\u{e9}"] {
        let r = Rejection::invalid_request(odd, true);
        assert_eq!(
            r.www_authenticate("x").as_deref(),
            Some("Bearer realm=\"x\", error=\"invalid_request\""),
            "{odd:?}"
        );
        assert_eq!(r.message(), odd);
    }

    let r = Rejection::csrf("no");
    assert_eq!((r.status(), r.code(), r.message()), (403, "csrf", "no"));
    assert_eq!(r.www_authenticate("x"), None);
    assert_eq!(r.body(), r#"{"error":"csrf","message":"no"}"#);

    // The cause of a server-side refusal is kept for the log, and only
    // then; it changes nothing that is sent.
    let down = Error::StoreUnavailable("redis refused the connection".into());
    let r = Rejection::from_error(&down, Via::Cookie);
    assert_eq!((r.status(), r.cause()), (503, Some(&down)));
    assert!(!r.body().contains("redis"));
    let r = Rejection::from_error(&Error::Misuse("x"), Via::Body);
    assert_eq!((r.status(), r.cause()), (500, Some(&Error::Misuse("x"))));
    for client in [
        Error::Expired { exp: 1, now: 2 },
        Error::RateLimited { retry_after: 3 },
    ] {
        assert_eq!(Rejection::from_error(&client, Via::Bearer).cause(), None);
    }
    assert_eq!(Rejection::csrf("no").cause(), None);

    let r = Rejection::not_found();
    assert_eq!(
        (r.status(), r.code(), r.message()),
        (404, "not_found", "there is nothing here")
    );
    assert_eq!(r.www_authenticate("x"), None);
    assert!(!r.clears_session());
}

#[test]
fn bearer_tokens_are_read_strictly() {
    fn ok(h: &str) -> Result<Option<&str>, Rejection> {
        bearer(&[h.as_bytes()], None)
    }
    assert_eq!(bearer(&[], None), Ok(None));
    assert_eq!(bearer(&[], Some("a=1&b=2")), Ok(None));
    assert_eq!(ok("Bearer abc.DEF-_~+/9"), Ok(Some("abc.DEF-_~+/9")));
    assert_eq!(ok("bearer abc"), Ok(Some("abc")));
    assert_eq!(ok("BEARER   abc=="), Ok(Some("abc==")));
    assert_eq!(ok("  Bearer abc  "), Ok(Some("abc")));
    // Another scheme is not a Bearer credential: the route's 401 applies.
    assert_eq!(ok("Basic YWxpY2U6cHc="), Ok(None));
    assert_eq!(ok("Bearerabc"), Ok(None));
    assert_eq!(ok("Bearer\tabc"), Ok(None));
    let malformed = Err(Rejection::invalid_request(
        "the Authorization header is not a valid Bearer credential",
        true,
    ));
    for bad in [
        "Bearer",
        "Bearer ",
        "Bearer a b",
        "Bearer =abc",
        "Bearer abc=d",
        "Bearer a\tb",
        "Bearer a,b",
        "Bearer \tabc",
        "Bearer é",
    ] {
        assert_eq!(ok(bad), malformed, "{bad:?}");
    }
    // Every ASCII byte, inside a token and at its end: exactly RFC 6750's
    // b64token characters pass (and `=` only as trailing padding).
    for b in 0u8..0x80 {
        let c = char::from(b);
        let allowed = b.is_ascii_alphanumeric() || "-._~+/".contains(c);
        for token in [format!("a{c}b"), format!("ab{c}")] {
            let header = format!("Bearer {token}");
            let got = ok(&header);
            // `=` passes only as trailing padding.
            if allowed || (c == '=' && token.ends_with('=')) {
                assert_eq!(got, Ok(Some(token.as_str())), "{b:#04x}");
            } else if b.is_ascii_whitespace() && token.ends_with(c) {
                // Whitespace that ends the header value is not the token's.
                assert_eq!(got, Ok(Some("ab")), "{b:#04x}");
            } else {
                assert_eq!(got, malformed, "{b:#04x}");
            }
        }
    }
    for multibyte in ["é", "\u{2028}", "\u{1f600}"] {
        assert_eq!(
            ok(&format!("Bearer a{multibyte}b")),
            malformed,
            "{multibyte}"
        );
    }
    // A value that is not UTF-8 counts as absent (Rocket drops it before
    // any app code runs; every adapter answers alike), here and beside a
    // readable one; but it still refuses a token in the URI.
    assert_eq!(bearer(&[b"Bearer \xff"], None), Ok(None));
    assert_eq!(bearer(&[b"Basic \xff\xfe"], None), Ok(None));
    assert_eq!(
        bearer(&[b"Bearer \xff", b"Bearer abc"], None),
        Ok(Some("abc"))
    );
    assert_eq!(bearer(&[b"Bearer abc", b"\xff"], None), Ok(Some("abc")));
    assert_eq!(
        bearer(&[b"Bearer \xff"], Some("access_token=abc")),
        Err(Rejection::invalid_request(
            "access tokens are not accepted in the URI; use the Authorization header",
            true
        ))
    );
    assert_eq!(
        bearer(&[b"Bearer a", b"Bearer b"], None),
        Err(Rejection::invalid_request(
            "more than one Authorization header",
            true
        ))
    );
    // A token too large for the verifier is still read, so that the
    // verifier answers (401 too_large) rather than the header parser.
    let over_verifier = "a".repeat(auth_core::DEFAULT_MAX_TOKEN_LEN + 1);
    assert_eq!(
        ok(&format!("Bearer {over_verifier}")),
        Ok(Some(over_verifier.as_str()))
    );
    let long = format!("Bearer {}", "a".repeat(MAX_AUTHORIZATION_LEN - 7));
    assert_eq!(long.len(), MAX_AUTHORIZATION_LEN);
    assert!(ok(&long).unwrap().is_some());
    let longer = format!("{long}a");
    assert_eq!(
        ok(&longer),
        Err(Rejection::invalid_request(
            "the Authorization header is too large",
            true
        ))
    );
    // Tokens in the URI are refused, alone or beside the header.
    assert_eq!(
        bearer(&[], Some("x=1&access_token=abc")),
        Err(Rejection::invalid_request(
            "access tokens are not accepted in the URI; use the Authorization header",
            true
        ))
    );
    assert_eq!(
        bearer(&[b"Bearer abc"], Some("access_token")),
        Err(Rejection::invalid_request(
            "the access token is sent in more than one way",
            true
        ))
    );
    assert_eq!(
        bearer(&[b"Bearer abc"], Some("my_access_token=1&access_tokens=2")),
        Ok(Some("abc"))
    );
}

#[test]
fn cookies_are_set_and_cleared_with_the_same_attributes() {
    let c = CookieConfig::new(3600);
    assert_eq!(c.session_name(), "__Host-session");
    assert_eq!(c.csrf_name(), "__Host-csrf");
    assert_eq!(c.max_age(), 3600);
    assert!(!c.is_insecure());
    assert_eq!(
        c.session_cookie("abc"),
        "__Host-session=abc; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax"
    );
    assert_eq!(
        c.csrf_cookie("tok"),
        "__Host-csrf=tok; Path=/; Max-Age=3600; Secure; SameSite=Lax"
    );
    let strict = c.clone().same_site(SameSite::Strict);
    assert_eq!(
        strict.clear(),
        [
            "__Host-session=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict".to_owned(),
            "__Host-csrf=; Path=/; Max-Age=0; Secure; SameSite=Strict".to_owned(),
        ]
    );
    let named = c.clone().names("sid", "xsrf").unwrap();
    assert_eq!(
        (named.session_name(), named.csrf_name()),
        ("__Host-sid", "__Host-xsrf")
    );
    for (s, x) in [
        ("", "x"),
        ("a b", "x"),
        ("a;b", "x"),
        ("a=b", "x"),
        ("x", "x"),
        ("s", "é"),
    ] {
        assert_eq!(
            c.clone().names(s, x),
            Err(Error::Misuse("cookie names must be two different tokens")),
            "{s:?} {x:?}"
        );
    }
    // Development on plain HTTP: no Secure, no prefix, whichever comes
    // first; and it shows.
    let dev = c.clone().insecure_http();
    assert!(dev.is_insecure());
    assert_eq!(
        dev.session_cookie("abc"),
        "session=abc; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax"
    );
    assert_eq!(dev.clear()[1], "csrf=; Path=/; Max-Age=0; SameSite=Lax");
    assert!(format!("{dev:?}").contains("insecure: true"));
    let dev_named = c.clone().insecure_http().names("sid", "xsrf").unwrap();
    assert_eq!(dev_named.session_name(), "sid");
    let named_dev = c
        .names("sid", "xsrf")
        .unwrap()
        .insecure_http()
        .insecure_http();
    assert_eq!(
        (named_dev.session_name(), named_dev.csrf_name()),
        ("sid", "xsrf")
    );
}

#[test]
fn a_session_cookie_is_written_from_the_id_into_one_exact_buffer() {
    use auth_core::session::SessionId;

    let id = SessionId::generate().unwrap();
    let expected_text = format!(
        "__Host-session={}; Path=/; Max-Age=3600; HttpOnly; Secure; SameSite=Lax",
        &*id.expose()
    );
    let c = CookieConfig::new(3600);
    // A `Zeroizing<String>`: wiped when dropped.
    let value: zeroize::Zeroizing<String> = c.set_session(&id);
    assert_eq!(*value, expected_text);
    assert_eq!(*value, c.session_cookie(&id.expose()));
    // Allocated once at its exact length: it never grew, so no partial
    // copy of the ID was left in freed memory.
    assert_eq!(value.capacity(), value.len());
    // The same for every attribute set: another name, SameSite, Max-Age,
    // plain HTTP.
    let other = CookieConfig::new(7)
        .same_site(SameSite::Strict)
        .names("sid", "xsrf")
        .unwrap()
        .insecure_http();
    let value = other.set_session(&id);
    assert_eq!(
        *value,
        format!(
            "sid={}; Path=/; Max-Age=7; HttpOnly; SameSite=Strict",
            &*id.expose()
        )
    );
    assert_eq!(value.capacity(), value.len());
    // The plain setters are sized exactly too.
    let csrf = c.csrf_cookie("tok");
    assert_eq!(csrf.capacity(), csrf.len());
}

#[test]
fn cookies_are_found_once_or_refused() {
    let name = "__Host-session";
    let find = |headers: &[&str]| {
        let bytes: Vec<&[u8]> = headers.iter().map(|h| h.as_bytes()).collect();
        find_cookie(&bytes, name).map(|v| v.map(str::to_owned))
    };
    assert_eq!(find(&[]), Ok(None));
    assert_eq!(find(&["a=1; b=2"]), Ok(None));
    assert_eq!(find(&["__Host-session=abc"]), Ok(Some("abc".into())));
    assert_eq!(
        find(&["a=1;__Host-session = abc ; b"]),
        Ok(Some("abc".into()))
    );
    assert_eq!(find(&["a=1", "__Host-session=abc"]), Ok(Some("abc".into())));
    assert_eq!(find(&["__Host-session="]), Ok(Some(String::new())));
    // Only the exact name.
    assert_eq!(
        find(&["__Host-sessionX=1; X__Host-session=2; __host-session=3"]),
        Ok(None)
    );
    // Other cookies may be garbage, as long as the header is text.
    assert_eq!(
        find(&["junk; ;;=; =x; __Host-session=ok"]),
        Ok(Some("ok".into()))
    );
    // A header value that is not UTF-8 counts as absent (Rocket drops it
    // before any app code runs; every adapter answers alike), with every
    // cookie in it; the others are still read.
    let garbage: &[&[u8]] = &[b"junk\xff=\xfe; __Host-session=ok"];
    assert_eq!(find_cookie(garbage, name), Ok(None));
    let beside: &[&[u8]] = &[b"junk\xff=\xfe; __Host-session=no", b"__Host-session=ok"];
    assert_eq!(find_cookie(beside, name), Ok(Some("ok")));
    let repeated = Err(Rejection::invalid_request(
        "a cookie is sent more than once",
        false,
    ));
    assert_eq!(find(&["__Host-session=a; __Host-session=a"]), repeated);
    assert_eq!(find(&["__Host-session=a", "__Host-session=b"]), repeated);
    assert_eq!(find_cookie(&[b"__Host-session=\xff"], name), Ok(None));
    // Room for a browser's largest cookie (about 4 KB) beside ours.
    let big = format!("big={}; __Host-session=abc", "x".repeat(4096));
    assert_eq!(find(&[&big]), Ok(Some("abc".into())));
    let at_limit = format!("a={}", "x".repeat(MAX_COOKIE_HEADER_LEN - 2));
    assert_eq!(find(&[&at_limit]), Ok(None));
    let half = "x".repeat(MAX_COOKIE_HEADER_LEN / 2);
    let too_large = Err(Rejection::invalid_request(
        "the Cookie header is too large",
        false,
    ));
    assert_eq!(find(&[&format!("{at_limit}y")]), too_large);
    assert_eq!(find(&[&half, &half, "z"]), too_large, "all headers count");
    let unreadable = format!("{half}\u{80}").into_bytes();
    let mut unreadable = unreadable;
    unreadable.push(0xff);
    assert_eq!(
        find_cookie(&[&unreadable, half.as_bytes(), b"z"], name),
        Ok(None),
        "all readable headers count; a value that is not UTF-8 is absent"
    );
    // Through the configuration.
    let c = CookieConfig::new(60);
    let headers: &[&[u8]] = &[b"__Host-csrf=t; __Host-session=s"];
    assert_eq!(c.find_session(headers), Ok(Some("s")));
    assert_eq!(c.find_csrf(headers), Ok(Some("t")));
}

#[test]
fn csrf_checks_where_a_request_comes_from() {
    let none: &[String] = &[];
    let check = |method,
                 site: Option<&str>,
                 origin: Option<&str>,
                 host: Option<&str>,
                 origins: &[String]| {
        csrf::check_origin(
            method,
            site.map(str::as_bytes),
            origin.map(str::as_bytes),
            host.map(str::as_bytes),
            origins,
        )
    };
    let cross = Err(Rejection::csrf("cross-site requests are refused"));
    let foreign = Err(Rejection::csrf("the request's origin is not this site"));
    // Safe methods are not checked.
    for method in ["GET", "HEAD", "OPTIONS", "TRACE"] {
        assert!(csrf::is_safe_method(method));
        assert_eq!(
            check(method, Some("cross-site"), Some("https://evil"), None, none),
            Ok(())
        );
    }
    for method in ["POST", "PUT", "PATCH", "DELETE", "get", "CONNECT"] {
        assert!(!csrf::is_safe_method(method), "{method}");
    }
    // Sec-Fetch-Site decides when present.
    assert_eq!(
        check(
            "POST",
            Some("same-origin"),
            Some("https://evil"),
            None,
            none
        ),
        Ok(())
    );
    assert_eq!(check("POST", Some("none"), None, None, none), Ok(()));
    assert_eq!(check("POST", Some("same-site"), None, None, none), cross);
    assert_eq!(check("DELETE", Some("cross-site"), None, None, none), cross);
    assert_eq!(
        check("POST", Some("sideways"), None, None, none),
        Err(Rejection::csrf(
            "the Sec-Fetch-Site header is not recognised"
        ))
    );
    // Otherwise Origin: the request's own host...
    let host = Some("app.example:8443");
    assert_eq!(
        check("POST", None, Some("https://app.example:8443"), host, none),
        Ok(())
    );
    assert_eq!(
        check("POST", None, Some("https://APP.example:8443"), host, none),
        Ok(())
    );
    assert_eq!(
        check("POST", None, Some("https://app.example"), host, none),
        foreign
    );
    assert_eq!(
        check("POST", None, Some("https://evil.example"), host, none),
        foreign
    );
    assert_eq!(check("POST", None, Some("null"), host, none), foreign);
    assert_eq!(
        check("POST", None, Some("https://app.example:8443/x"), host, none),
        foreign
    );
    assert_eq!(
        check("POST", None, Some("https://u@app.example:8443"), host, none),
        foreign
    );
    assert_eq!(
        check("POST", None, Some("https://"), Some(""), none),
        foreign
    );
    assert_eq!(
        check("POST", None, Some("https://app.example:8443"), None, none),
        foreign
    );
    // ...or the configured origins, exactly.
    let mine = ["https://app.example".to_owned()];
    assert_eq!(
        check(
            "POST",
            None,
            Some("https://app.example"),
            Some("internal:8080"),
            &mine
        ),
        Ok(())
    );
    assert_eq!(
        check(
            "POST",
            None,
            Some("http://app.example"),
            Some("app.example"),
            &mine
        ),
        foreign
    );
    // Neither header: not a current browser's page; the token decides.
    assert_eq!(check("POST", None, None, None, none), Ok(()));
    // A value that is not UTF-8 counts as absent (Rocket drops it before
    // any app code runs; every adapter answers alike).
    let raw =
        |site: Option<&'static [u8]>,
         origin: Option<&'static [u8]>,
         host: Option<&'static [u8]>,
         origins: &[String]| { csrf::check_origin("POST", site, origin, host, origins) };
    let (bad, origin, app): (&[u8], &[u8], &[u8]) =
        (b"cross-site\xff", b"https://evil\xff", b"app.example");
    assert_eq!(raw(Some(bad), None, None, none), Ok(()), "site absent");
    assert_eq!(
        raw(Some(bad), Some(b"https://evil"), Some(app), none),
        foreign,
        "site absent: Origin decides"
    );
    assert_eq!(
        raw(None, Some(origin), Some(app), none),
        Ok(()),
        "origin absent"
    );
    assert_eq!(raw(None, Some(origin), Some(app), &mine), Ok(()));
    assert_eq!(
        raw(
            None,
            Some(b"https://app.example"),
            Some(b"app.example\xff"),
            none
        ),
        foreign,
        "host absent"
    );
}

#[test]
fn csrf_tokens_must_match_the_session() {
    let wrong = Err(Rejection::csrf("the X-CSRF-Token header does not match"));
    assert_eq!(csrf::check_token("POST", "tok", Some(b"tok")), Ok(()));
    assert_eq!(csrf::check_token("POST", "tok", Some(b" tok ")), Ok(()));
    assert_eq!(csrf::check_token("POST", "tok", Some(b"tok2")), wrong);
    assert_eq!(csrf::check_token("POST", "tok", Some(b"")), wrong);
    assert_eq!(
        csrf::check_token("POST", "", Some(b"")),
        wrong,
        "no token is no token"
    );
    assert_eq!(
        csrf::check_token("POST", "tok", None),
        Err(Rejection::csrf("the X-CSRF-Token header is missing"))
    );
    assert_eq!(csrf::check_token("GET", "tok", None), Ok(()));
    // A value that is not UTF-8 counts as absent.
    assert_eq!(
        csrf::check_token("POST", "tok", Some(b"tok\xff")),
        Err(Rejection::csrf("the X-CSRF-Token header is missing"))
    );
    assert_eq!(
        csrf::check_login_token("POST", Some("tok"), Some(b"\xfftok")),
        Err(Rejection::csrf("the X-CSRF-Token header is missing"))
    );
    assert_eq!(csrf::CSRF_HEADER, "x-csrf-token");

    // Both checks through the configuration.
    let c = config().allow_origin("https://app.example").unwrap();
    assert_eq!(c.origins(), ["https://app.example".to_owned()]);
    let headers = CsrfHeaders {
        origin: Some(b"https://app.example"),
        csrf_token: Some(b"tok"),
        ..CsrfHeaders::default()
    };
    assert_eq!(c.check_csrf("POST", headers, "tok"), Ok(()));
    assert_eq!(c.check_csrf("POST", headers, "other"), wrong);
    let cross = CsrfHeaders {
        sec_fetch_site: Some(b"cross-site"),
        ..headers
    };
    assert_eq!(
        c.check_csrf("POST", cross, "tok"),
        Err(Rejection::csrf("cross-site requests are refused"))
    );
    assert_eq!(c.check_csrf("GET", cross, "other"), Ok(()));
}

/// `CsrfHeaders::for_method` reads the headers for an unsafe method only,
/// and a safe method passes both checks whatever its headers say, so an
/// adapter that skips reading them for `GET` answers exactly as one that
/// reads them.
#[test]
fn csrf_headers_are_read_only_for_unsafe_methods() {
    let c = config();
    let hostile = CsrfHeaders {
        sec_fetch_site: Some(b"cross-site"),
        origin: Some(b"https://evil.example"),
        host: Some(b"app.example"),
        csrf_token: Some(b"wrong"),
    };
    for method in ["GET", "HEAD", "OPTIONS", "TRACE"] {
        let read = core::cell::Cell::new(false);
        let headers = CsrfHeaders::for_method(method, || {
            read.set(true);
            hostile
        });
        assert!(!read.get(), "{method}");
        assert_eq!(headers, CsrfHeaders::default(), "{method}");
        for headers in [headers, hostile] {
            assert_eq!(c.check_csrf(method, headers, "tok"), Ok(()), "{method}");
            assert_eq!(c.check_login_csrf(method, headers, &[]), Ok(()), "{method}");
        }
    }
    for method in ["POST", "PUT", "PATCH", "DELETE", "get", "CONNECT", "X"] {
        let headers = CsrfHeaders::for_method(method, || hostile);
        assert_eq!(headers, hostile, "{method}");
        assert_eq!(
            c.check_csrf(method, headers, "tok"),
            Err(Rejection::csrf("cross-site requests are refused")),
            "{method}"
        );
    }
}

#[test]
fn configuration_is_checked() {
    let misuse_realm = Err(Error::Misuse(
        "a realm must be printable ASCII without quotes or backslashes",
    ));
    for bad in ["a\"b", "a\\b", "a\nb", "é"] {
        assert_eq!(
            HttpConfig::new(bad, CookieConfig::new(1)),
            misuse_realm,
            "{bad:?}"
        );
    }
    let c = HttpConfig::new("Example API ~!#[]", CookieConfig::new(1)).unwrap();
    assert_eq!(c.realm(), "Example API ~!#[]");
    assert_eq!(c.cookies(), &CookieConfig::new(1));
    assert!(c.origins().is_empty());
    let misuse_origin = Err(Error::Misuse(
        "an origin is scheme://host[:port] and nothing else",
    ));
    for bad in [
        "app.example",
        "://app.example",
        "https://",
        "https://app.example/",
        "https://a b",
        "https://u@app.example",
        "https://app.example?x",
        "https://app.example#x",
    ] {
        assert_eq!(c.clone().allow_origin(bad), misuse_origin, "{bad:?}");
    }
    let c = c.allow_origin("http://127.0.0.1:3000").unwrap();
    assert_eq!(c.origins(), ["http://127.0.0.1:3000".to_owned()]);
}

#[test]
fn the_login_form_is_protected_by_a_pre_session_token() {
    let a = csrf::new_token().unwrap();
    let b = csrf::new_token().unwrap();
    assert_eq!(a.len(), 43);
    assert_ne!(a, b);
    assert!(
        a.bytes()
            .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
    );

    assert_eq!(
        csrf::check_login_token("POST", Some("tok"), Some(b"tok")),
        Ok(())
    );
    assert_eq!(
        csrf::check_login_token("POST", None, Some(b"tok")),
        Err(Rejection::csrf("the CSRF cookie is missing"))
    );
    assert_eq!(
        csrf::check_login_token("POST", Some("tok"), Some(b"other")),
        Err(Rejection::csrf("the X-CSRF-Token header does not match"))
    );
    assert_eq!(
        csrf::check_login_token("POST", Some("tok"), None),
        Err(Rejection::csrf("the X-CSRF-Token header is missing"))
    );
    assert_eq!(csrf::check_login_token("GET", None, None), Ok(()));

    // Through the configuration: the cookie from the Cookie headers.
    let c = config();
    let headers = CsrfHeaders {
        sec_fetch_site: Some(b"same-origin"),
        csrf_token: Some(b"tok"),
        ..CsrfHeaders::default()
    };
    assert_eq!(
        c.check_login_csrf("POST", headers, &[b"__Host-csrf=tok"]),
        Ok(())
    );
    assert_eq!(
        c.check_login_csrf("POST", headers, &[b"__Host-csrf=bad"]),
        Err(Rejection::csrf("the X-CSRF-Token header does not match"))
    );
    assert_eq!(
        c.check_login_csrf("POST", headers, &[b"__Host-csrf=tok; __Host-csrf=tok"]),
        Err(Rejection::invalid_request(
            "a cookie is sent more than once",
            false
        ))
    );
    let cross = CsrfHeaders {
        sec_fetch_site: Some(b"cross-site"),
        ..headers
    };
    assert_eq!(
        c.check_login_csrf("POST", cross, &[b"__Host-csrf=tok"]),
        Err(Rejection::csrf("cross-site requests are refused"))
    );
}

#[test]
fn json_bodies_are_accepted_or_refused_as_decided() {
    use auth_core::http::{
        MAX_BODY_LEN, body_too_large, check_json_content_type, is_json_content_type,
        parse_json_body,
    };
    for accepted in [
        &b"application/json"[..],
        b"Application/JSON",
        b" application/json ; charset=utf-8",
        b"application/json;",
    ] {
        assert!(is_json_content_type(Some(accepted)), "{accepted:?}");
        assert_eq!(check_json_content_type(Some(accepted)), Ok(()));
    }
    let wrong = Err(Rejection::invalid_request(
        "the request body must be JSON (Content-Type: application/json)",
        false,
    ));
    for refused in [
        &b"text/plain"[..],
        b"application/jsonx",
        b"application/json-seq",
        b"",
        b"; application/json",
        b"\xffapplication/json",
    ] {
        assert!(!is_json_content_type(Some(refused)), "{refused:?}");
        assert_eq!(check_json_content_type(Some(refused)), wrong);
    }
    assert!(!is_json_content_type(None));
    assert_eq!(check_json_content_type(None), wrong);

    assert_eq!(MAX_BODY_LEN, 16 * 1024);
    let big = body_too_large();
    assert_eq!((big.status(), big.code()), (400, "invalid_request"));
    assert_eq!(
        big.message(),
        "the request body is too large or was cut short"
    );

    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Form {
        name: String,
    }
    assert_eq!(
        parse_json_body::<Form>(br#"{"name":"a"}"#),
        Ok(Form { name: "a".into() })
    );
    let shape = Err(Rejection::invalid_request(
        "the request body is not the expected JSON",
        false,
    ));
    for bad in [&b"{"[..], b"[]", br#"{"name":1}"#, b"", b"{}"] {
        assert_eq!(parse_json_body::<Form>(bad), shape, "{bad:?}");
    }
}

#[test]
fn roles_are_the_strings_of_the_array() {
    use auth_core::http::roles;
    use serde_json::json;
    assert_eq!(
        roles(Some(&json!(["admin", 1, null, "user", ["x"]]))),
        vec!["admin".to_owned(), "user".to_owned()]
    );
    assert!(roles(Some(&json!("admin"))).is_empty());
    assert!(roles(Some(&json!({"admin": true}))).is_empty());
    assert!(roles(Some(&json!([]))).is_empty());
    assert!(roles(None).is_empty());
}
