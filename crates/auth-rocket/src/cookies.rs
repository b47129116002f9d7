//! Responses that set and clear the session and CSRF cookies.

use std::fmt;

use auth_core::http::CookieConfig;
use rocket::request::Request;
use rocket::response::{self, Responder};

/// Cookies to set or clear with a response (sealed: [`SessionCookies`],
/// [`ClearSession`], [`LoginCsrfCookie`]). Attach them to any responder
/// with [`CookieChange::to`].
pub trait CookieChange: sealed::Sealed + Sized {
    /// The `Set-Cookie` values, as the core formats them.
    #[doc(hidden)]
    fn set_cookie_values(&self) -> &[String];

    /// `inner`'s response with these cookies (raw `Set-Cookie` headers,
    /// exactly as the core formats them: Rocket's cookie jar is not used,
    /// so no attribute depends on Rocket's TLS or its private cookies) and
    /// `Cache-Control: no-store`.
    fn to<R>(self, inner: R) -> WithCookies<R> {
        WithCookies {
            cookies: self.set_cookie_values().to_vec(),
            inner,
        }
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::SessionCookies {}
    impl Sealed for super::ClearSession {}
    impl Sealed for super::LoginCsrfCookie {}
}

/// A response with cookies set or cleared, and `Cache-Control: no-store`
/// (a response that sets or clears a credential must not be cached).
/// Built by [`CookieChange::to`]. `Debug` shows no cookie value.
#[must_use = "return it from the handler, or the cookies are never sent"]
pub struct WithCookies<R> {
    cookies: Vec<String>,
    inner: R,
}

impl<R> fmt::Debug for WithCookies<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WithCookies").finish_non_exhaustive()
    }
}

impl<'r, 'o: 'r, R: Responder<'r, 'o>> Responder<'r, 'o> for WithCookies<R> {
    fn respond_to(self, request: &'r Request<'_>) -> response::Result<'o> {
        let mut response = self.inner.respond_to(request)?;
        for cookie in self.cookies {
            response.adjoin_raw_header("set-cookie", cookie);
        }
        response.set_raw_header("cache-control", "no-store");
        Ok(response)
    }
}

/// The cookies of a new session (the session ID, `HttpOnly`, and its
/// readable CSRF token). Return it with the login response
/// ([`CookieChange::to`]). `Debug` does not show the session ID.
#[must_use = "return it in the response, or the client never gets its session"]
pub struct SessionCookies {
    cookies: [String; 2],
    csrf_token: String,
}

impl SessionCookies {
    pub(crate) fn new(config: &CookieConfig, id: &str, csrf_token: &str) -> Self {
        Self {
            cookies: [config.session_cookie(id), config.csrf_cookie(csrf_token)],
            csrf_token: csrf_token.into(),
        }
    }

    /// The session's CSRF token (also in the readable CSRF cookie), for an
    /// app that hands it to its page another way.
    #[must_use]
    pub fn csrf_token(&self) -> &str {
        &self.csrf_token
    }
}

impl fmt::Debug for SessionCookies {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionCookies").finish_non_exhaustive()
    }
}

impl CookieChange for SessionCookies {
    fn set_cookie_values(&self) -> &[String] {
        &self.cookies
    }
}

/// Clears the session and CSRF cookies (same attributes, `Max-Age=0`).
/// Return it with the logout response ([`CookieChange::to`]).
#[derive(Debug)]
#[must_use = "return it in the response, or the browser keeps the dead cookies"]
pub struct ClearSession {
    cookies: [String; 2],
}

impl ClearSession {
    /// The clearing cookies under `config`.
    pub fn new(config: &CookieConfig) -> Self {
        Self {
            cookies: config.clear(),
        }
    }
}

impl CookieChange for ClearSession {
    fn set_cookie_values(&self) -> &[String] {
        &self.cookies
    }
}

/// A pre-session CSRF cookie for a login form (from
/// [`Auth::login_csrf_cookie`](crate::Auth::login_csrf_cookie)).
/// `Debug` does not show the token.
#[must_use = "return it in the response, or the login form cannot pass the CSRF check"]
pub struct LoginCsrfCookie {
    cookie: [String; 1],
    token: String,
}

impl LoginCsrfCookie {
    pub(crate) fn new(config: &CookieConfig, token: String) -> Self {
        Self {
            cookie: [config.csrf_cookie(&token)],
            token,
        }
    }

    /// The token (the page may also read it from the cookie).
    #[must_use]
    pub fn token(&self) -> &str {
        &self.token
    }
}

impl fmt::Debug for LoginCsrfCookie {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginCsrfCookie").finish_non_exhaustive()
    }
}

impl CookieChange for LoginCsrfCookie {
    fn set_cookie_values(&self) -> &[String] {
        &self.cookie
    }
}
