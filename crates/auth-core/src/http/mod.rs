//! What every outcome means over HTTP, decided once for every adapter.
//!
//! The framework adapters (auth-axum, auth-rocket) read headers and write
//! responses; everything that decides lives here and is tested here, so
//! two adapters answer the same request with the same status, headers and
//! body. An app on a framework without an adapter calls the same functions
//! with its request's header values (as byte slices, as sent) and writes
//! what they return: `docs/embedding.md` in the repository shows it end to
//! end, on plain hyper.
//!
//! - [`Rejection`]: the status, JSON body (`{"error":CODE,"message":TEXT}`),
//!   RFC 6750 `WWW-Authenticate` challenge, `Retry-After` and cookie
//!   clearing of every refusal, built from every [`Error`]
//!   by an exhaustive match, and rendered by [`Rejection::render`].
//! - [`bearer`]: the Bearer token of a request (RFC 6750 §2.1), refusing
//!   malformed headers and tokens in the URI.
//! - [`CookieConfig`] and [`find_cookie`]: `Set-Cookie` values (`__Host-`
//!   prefix, `HttpOnly`, `Secure`, `SameSite`, `Max-Age`; a session ID's
//!   written straight into a wiped buffer by [`CookieConfig::set_session`])
//!   and reading the `Cookie` header, refusing oversized and repeated
//!   cookies.
//! - [`csrf`]: the CSRF decision for cookie-authenticated requests
//!   (`Sec-Fetch-Site`, `Origin`, and a token header), and for the login
//!   form before any session exists.
//! - [`authenticate_cookie`]: a request's session cookie, authenticated
//!   with one store read, as a [`CookieSession`]: a live session's handle,
//!   or why not and whether to clear the cookie.
//! - [`parse_json_body`] and its companions: which JSON request bodies are
//!   accepted and how the rest are refused; [`roles`]: a credential's roles.
//!
//! ## Header values that are not UTF-8
//!
//! HTTP allows any byte but control bytes in a header value; no browser
//! or HTTP client sends a credential that is not UTF-8. Rocket 0.5 drops
//! such a value before any app code sees it. So that every adapter answers
//! the same request the same way, every function here does the same: a
//! value that is not UTF-8 counts as absent (an `Authorization` or
//! `Cookie` header skipped, `Origin` or `X-CSRF-Token` missing). An
//! adapter that reads one value of a header passes the first one that is
//! UTF-8, as Rocket would.
//!
//! ```
//! use auth_core::Error;
//! use auth_core::http::{CookieConfig, HttpConfig, Rejection, Via, bearer};
//!
//! # fn main() -> Result<(), Error> {
//! let config = HttpConfig::new("api", CookieConfig::new(86_400))?;
//!
//! // No credentials on a route that takes Bearer tokens: 401 and a bare
//! // challenge.
//! assert_eq!(bearer(&[], None).unwrap(), None);
//! let r = Rejection::unauthenticated(true, false).render(&config);
//! assert_eq!(r.status, 401);
//! assert!(r.headers.contains(&("www-authenticate", r#"Bearer realm="api""#.into())));
//!
//! // An expired token: 401 invalid_token, and the body says why.
//! let r = Rejection::from_error(&Error::Expired { exp: 10, now: 20 }, Via::Bearer).render(&config);
//! assert_eq!(r.status, 401);
//! assert_eq!(r.body, r#"{"error":"expired","message":"the token has expired"}"#);
//! # Ok(()) }
//! ```

mod bearer;
mod body;
mod cookie;
pub mod csrf;
mod rejection;
mod session;

use alloc::string::String;
use alloc::vec::Vec;

pub use bearer::{MAX_AUTHORIZATION_LEN, bearer};
pub use body::{
    MAX_BODY_LEN, body_too_large, check_json_content_type, is_json_content_type, parse_json_body,
    roles,
};
pub use cookie::{CookieConfig, MAX_COOKIE_HEADER_LEN, SameSite, find_cookie};
pub use rejection::{Rejection, Rendered, Via};
pub use session::{CookieSession, authenticate_cookie};

use crate::error::Error;

/// A header value as this module reads it: `None` when it is not UTF-8
/// (the module docs say why: such a value counts as absent).
fn readable(value: &[u8]) -> Option<&str> {
    core::str::from_utf8(value).ok()
}

/// Whether `text` may stand inside an HTTP quoted string without escapes,
/// and as an RFC 6750 `error_description` (printable ASCII and space,
/// without `"` or `\`).
fn is_quotable(text: &str) -> bool {
    text.bytes()
        .all(|b| matches!(b, 0x20 | 0x21 | 0x23..=0x5b | 0x5d..=0x7e))
}

/// The HTTP side of an app, configured once: the realm of its Bearer
/// challenges, its cookies, and the origins its own pages are served from
/// (for the CSRF check).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HttpConfig {
    realm: String,
    cookies: CookieConfig,
    origins: Vec<String>,
}

impl HttpConfig {
    /// A configuration with Bearer challenges in `realm` and `cookies`.
    /// The realm must be printable ASCII without `"` or `\` (it is sent in
    /// a quoted string); otherwise [`Error::Misuse`].
    pub fn new(realm: &str, cookies: CookieConfig) -> Result<Self, Error> {
        if !is_quotable(realm) {
            return Err(Error::Misuse(
                "a realm must be printable ASCII without quotes or backslashes",
            ));
        }
        Ok(Self {
            realm: realm.into(),
            cookies,
            origins: Vec::new(),
        })
    }

    /// Adds an origin the app's pages are served from
    /// (`https://app.example`, or with a port), for the CSRF check's
    /// `Origin` fallback. Without any, an `Origin` passes when its host is
    /// the request's `Host`. An origin is `scheme://host[:port]` with no
    /// path; otherwise [`Error::Misuse`].
    pub fn allow_origin(mut self, origin: &str) -> Result<Self, Error> {
        let valid = origin.split_once("://").is_some_and(|(scheme, host)| {
            !scheme.is_empty()
                && !host.is_empty()
                && host
                    .bytes()
                    .all(|b| b.is_ascii_graphic() && !b"/?#@".contains(&b))
        });
        if !valid {
            return Err(Error::Misuse(
                "an origin is scheme://host[:port] and nothing else",
            ));
        }
        self.origins.push(origin.into());
        Ok(self)
    }

    /// The realm of the Bearer challenges.
    #[must_use]
    pub fn realm(&self) -> &str {
        &self.realm
    }

    /// The cookie configuration.
    #[must_use]
    pub const fn cookies(&self) -> &CookieConfig {
        &self.cookies
    }

    /// The configured origins.
    #[must_use]
    pub fn origins(&self) -> &[String] {
        &self.origins
    }

    /// The CSRF check of a cookie-authenticated request: where it comes
    /// from ([`csrf::check_origin`] against this configuration's origins),
    /// then its `X-CSRF-Token` against the session's `token`
    /// ([`csrf::check_token`]). `headers` are the request's
    /// `Sec-Fetch-Site`, `Origin`, `Host` and `X-CSRF-Token` values, `None`
    /// when absent.
    pub fn check_csrf(
        &self,
        method: &str,
        headers: CsrfHeaders<'_>,
        token: &str,
    ) -> Result<(), Rejection> {
        self.check_origin(method, headers)?;
        csrf::check_token(method, token, headers.csrf_token)
    }

    fn check_origin(&self, method: &str, headers: CsrfHeaders<'_>) -> Result<(), Rejection> {
        csrf::check_origin(
            method,
            headers.sec_fetch_site,
            headers.origin,
            headers.host,
            &self.origins,
        )
    }

    /// The CSRF check of a request made before a session exists (a login
    /// form): where it comes from, as for [`HttpConfig::check_csrf`], then
    /// its `X-CSRF-Token` against the CSRF cookie in its `Cookie` headers
    /// ([`csrf::check_login_token`]).
    pub fn check_login_csrf(
        &self,
        method: &str,
        headers: CsrfHeaders<'_>,
        cookie_headers: &[&[u8]],
    ) -> Result<(), Rejection> {
        self.check_origin(method, headers)?;
        let cookie = self.cookies.find_csrf(cookie_headers)?;
        csrf::check_login_token(method, cookie, headers.csrf_token)
    }
}

/// The request headers the CSRF check reads (`None`: absent).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CsrfHeaders<'a> {
    /// `Sec-Fetch-Site`.
    pub sec_fetch_site: Option<&'a [u8]>,
    /// `Origin`.
    pub origin: Option<&'a [u8]>,
    /// `Host`.
    pub host: Option<&'a [u8]>,
    /// `X-CSRF-Token`.
    pub csrf_token: Option<&'a [u8]>,
}

impl<'a> CsrfHeaders<'a> {
    /// The headers a CSRF check of a `method` request needs: `read()` for
    /// an unsafe method, none for a safe one ([`csrf::is_safe_method`]),
    /// which no check reads. An adapter passes its header lookups as
    /// `read`, so a `GET` does not pay for four header lookups.
    pub fn for_method(method: &str, read: impl FnOnce() -> Self) -> Self {
        if csrf::is_safe_method(method) {
            Self::default()
        } else {
            read()
        }
    }
}
