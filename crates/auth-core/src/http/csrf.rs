//! The CSRF decision for cookie-authenticated requests.
//!
//! Two independent checks, both required for a state-changing method:
//!
//! 1. **Where the request comes from.** Browsers say so in
//!    `Sec-Fetch-Site` (which page script cannot set): `same-origin` and
//!    `none` (the user typed the URL or used a bookmark) pass; `same-site`
//!    (a sibling subdomain) and `cross-site` are refused. Without it (an
//!    older browser), `Origin` must be the app's own: one of the configured
//!    origins or, with none configured, one whose host is the request's
//!    `Host`; `Origin: null` (sandboxed frames, some redirects) is refused.
//!    A request with neither header is not from a current browser's page
//!    and passes to the second check.
//! 2. **A token only the app's own pages can read.** The `X-CSRF-Token`
//!    header must equal the session's CSRF token (constant-time
//!    comparison). The token is also in the readable CSRF cookie, which
//!    another site's page cannot read, so it cannot echo it.
//!
//! Safe methods (`GET`, `HEAD`, `OPTIONS`, `TRACE`) change nothing and are
//! not checked; Bearer-authenticated requests need no CSRF check at all
//! (a browser never attaches a Bearer token by itself).

use super::{Rejection, readable};
use crate::ct::ct_eq_bool;

/// The header that carries the CSRF token.
pub const CSRF_HEADER: &str = "x-csrf-token";

/// Whether `method` is safe (RFC 9110 §9.2.1): such requests are not
/// checked, so they must not change state.
#[must_use]
pub fn is_safe_method(method: &str) -> bool {
    matches!(method, "GET" | "HEAD" | "OPTIONS" | "TRACE")
}

/// The host (and port) of an origin `scheme://host[:port]`, or `None` if
/// it is not of that form.
fn origin_host(origin: &[u8]) -> Option<&[u8]> {
    let at = origin.windows(3).position(|w| w == b"://")?;
    let host = &origin[at + 3..];
    let valid = !host.is_empty() && !host.iter().any(|&b| matches!(b, b'/' | b'?' | b'#' | b'@'));
    valid.then_some(host)
}

/// Check 1: where the request comes from, for a request of `method` with
/// its `Sec-Fetch-Site`, `Origin` and `Host` header values (`None` when
/// absent; a value that is not UTF-8 counts as absent), against the app's
/// own `origins` (exact, compared without regard to ASCII case; empty:
/// compare the origin's host with `Host`).
/// Refusals are 403 `csrf`.
pub fn check_origin(
    method: &str,
    sec_fetch_site: Option<&[u8]>,
    origin: Option<&[u8]>,
    host: Option<&[u8]>,
    origins: &[alloc::string::String],
) -> Result<(), Rejection> {
    if is_safe_method(method) {
        return Ok(());
    }
    let [sec_fetch_site, origin, host] =
        [sec_fetch_site, origin, host].map(|v| v.and_then(readable).map(str::as_bytes));
    if let Some(site) = sec_fetch_site {
        return match site.trim_ascii() {
            b"same-origin" | b"none" => Ok(()),
            b"same-site" | b"cross-site" => Err(Rejection::csrf("cross-site requests are refused")),
            _ => Err(Rejection::csrf(
                "the Sec-Fetch-Site header is not recognised",
            )),
        };
    }
    let Some(origin) = origin.map(<[u8]>::trim_ascii) else {
        return Ok(());
    };
    let own = if origins.is_empty() {
        match (origin_host(origin), host) {
            (Some(from), Some(host)) => from.eq_ignore_ascii_case(host.trim_ascii()),
            _ => false,
        }
    } else {
        origins
            .iter()
            .any(|allowed| allowed.as_bytes().eq_ignore_ascii_case(origin))
    };
    if own {
        Ok(())
    } else {
        Err(Rejection::csrf("the request's origin is not this site"))
    }
}

/// Check 2: the `X-CSRF-Token` header value (`None` when absent; a value
/// that is not UTF-8 counts as absent) against
/// the session's token `expected`, in constant time, for a request of
/// `method`. Refusals are 403 `csrf`.
pub fn check_token(
    method: &str,
    expected: &str,
    presented: Option<&[u8]>,
) -> Result<(), Rejection> {
    if is_safe_method(method) {
        return Ok(());
    }
    let Some(presented) = presented.and_then(readable) else {
        return Err(Rejection::csrf("the X-CSRF-Token header is missing"));
    };
    if expected.is_empty() || !ct_eq_bool(expected.as_bytes(), presented.trim_ascii().as_bytes()) {
        return Err(Rejection::csrf("the X-CSRF-Token header does not match"));
    }
    Ok(())
}

/// A fresh pre-session CSRF token (256 random bits, base64url), for the
/// readable CSRF cookie of a visitor who has no session yet: the login
/// form echoes it ([`check_login_token`]). A login then replaces it with
/// the session's own ([`SessionRecord::csrf_token`]).
///
/// [`SessionRecord::csrf_token`]: crate::session::SessionRecord::csrf_token
pub fn new_token() -> Result<alloc::string::String, crate::Error> {
    let mut secret = zeroize::Zeroizing::new([0u8; 32]);
    getrandom::fill(secret.as_mut_slice()).map_err(|_| crate::Error::Random)?;
    Ok(crate::encoding::base64url::encode(secret.as_slice()))
}

/// Check 2 before a session exists (a login): the `X-CSRF-Token` header
/// must equal the CSRF cookie the server set earlier (`cookie`, `None`
/// when the request has none), in constant time. Another site can neither
/// read that cookie nor, with the `__Host-` prefix, plant one. Refusals
/// are 403 `csrf`.
pub fn check_login_token(
    method: &str,
    cookie: Option<&str>,
    presented: Option<&[u8]>,
) -> Result<(), Rejection> {
    if is_safe_method(method) {
        return Ok(());
    }
    let Some(cookie) = cookie else {
        return Err(Rejection::csrf("the CSRF cookie is missing"));
    };
    check_token(method, cookie, presented)
}
