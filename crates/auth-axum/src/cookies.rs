//! Response parts that set and clear the session and CSRF cookies.

use std::convert::Infallible;
use std::fmt;

use auth_core::http::CookieConfig;
use auth_core::session::SessionId;
use axum::http::HeaderValue;
use axum::http::header::{CACHE_CONTROL, SET_COOKIE};
use axum::response::{IntoResponseParts, ResponseParts};
use zeroize::Zeroizing;

/// Appends `cookies` as `Set-Cookie` headers and `Cache-Control: no-store`
/// (a response that sets or clears a credential must not be cached).
fn set(mut res: ResponseParts, cookies: &[&str]) -> ResponseParts {
    let headers = res.headers_mut();
    for &cookie in cookies {
        // The core builds cookies from a base64url value, a token name and
        // fixed attributes: always a valid header value.
        if let Ok(value) = HeaderValue::try_from(cookie) {
            headers.append(SET_COOKIE, value);
        }
    }
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// The cookies of a new session (the session ID, `HttpOnly`, and its
/// readable CSRF token), with `Cache-Control: no-store`. Return it with
/// the login response. `Debug` does not show the session ID.
#[must_use = "return it in the response, or the client never gets its session"]
pub struct SessionCookies {
    /// The session cookie, written from the ID into a buffer wiped on drop.
    session: Zeroizing<String>,
    csrf: String,
    csrf_token: String,
}

impl SessionCookies {
    pub(crate) fn new(config: &CookieConfig, id: &SessionId, csrf_token: &str) -> Self {
        Self {
            session: config.set_session(id),
            csrf: config.csrf_cookie(csrf_token),
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

impl IntoResponseParts for SessionCookies {
    type Error = Infallible;
    fn into_response_parts(self, res: ResponseParts) -> Result<ResponseParts, Infallible> {
        Ok(set(res, &[self.session.as_str(), self.csrf.as_str()]))
    }
}

/// Clears the session and CSRF cookies (same attributes, `Max-Age=0`),
/// with `Cache-Control: no-store`. Return it with the logout response.
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

impl IntoResponseParts for ClearSession {
    type Error = Infallible;
    fn into_response_parts(self, res: ResponseParts) -> Result<ResponseParts, Infallible> {
        let [session, csrf] = &self.cookies;
        Ok(set(res, &[session, csrf]))
    }
}

/// A pre-session CSRF cookie for a login form, with `Cache-Control:
/// no-store` (from [`Auth::login_csrf_cookie`](crate::Auth::login_csrf_cookie)).
/// `Debug` does not show the token.
#[must_use = "return it in the response, or the login form cannot pass the CSRF check"]
pub struct LoginCsrfCookie {
    cookie: String,
    token: String,
}

impl LoginCsrfCookie {
    pub(crate) fn new(config: &CookieConfig, token: String) -> Self {
        Self {
            cookie: config.csrf_cookie(&token),
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

impl IntoResponseParts for LoginCsrfCookie {
    type Error = Infallible;
    fn into_response_parts(self, res: ResponseParts) -> Result<ResponseParts, Infallible> {
        Ok(set(res, &[&self.cookie]))
    }
}
