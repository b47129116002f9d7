//! The session and CSRF cookies: `Set-Cookie` values to set and clear
//! them, and finding one in the request's `Cookie` headers.

use alloc::format;
use alloc::string::String;

use zeroize::Zeroizing;

use super::{Rejection, readable};
use crate::error::Error;
use crate::session::SessionId;

/// The most bytes of `Cookie` headers a request may carry (all of them
/// together); more is refused with 400 `invalid_request` before any is
/// read. Browsers send at most about 4 KB per cookie.
pub const MAX_COOKIE_HEADER_LEN: usize = 8 * 1024;

/// The `SameSite` attribute of the cookies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum SameSite {
    /// Sent on top-level navigations from other sites, not on their
    /// sub-requests or form posts (the default: links into the app keep
    /// the user logged in).
    #[default]
    Lax,
    /// Never sent on a request another site started.
    Strict,
}

impl SameSite {
    const fn name(self) -> &'static str {
        match self {
            Self::Lax => "Lax",
            Self::Strict => "Strict",
        }
    }
}

/// How the session and CSRF cookies are named and set.
///
/// The defaults: `__Host-session` (`HttpOnly`) and `__Host-csrf` (readable
/// by the page's script, which echoes it in `X-CSRF-Token`), both `Secure;
/// Path=/` with no `Domain`, which is what the `__Host-` prefix makes the
/// browser enforce (no subdomain can set or shadow them), `SameSite=Lax`,
/// and a `Max-Age` of the session's absolute timeout. Clearing uses the
/// same attributes with `Max-Age=0`.
///
/// [`CookieConfig::insecure_http`] drops `Secure` and the prefix for a
/// development server on plain HTTP that is not `localhost` (browsers
/// treat `http://localhost` as secure already); it is off by default, and
/// `Debug` and [`CookieConfig::is_insecure`] say when it is on, so an
/// adapter can warn loudly.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CookieConfig {
    session: String,
    csrf: String,
    same_site: SameSite,
    max_age: u64,
    insecure: bool,
}

/// Whether `name` is a cookie name (an RFC 9110 token).
fn is_token(name: &str) -> bool {
    !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

impl CookieConfig {
    /// The defaults, with cookies that live `max_age` seconds (pass the
    /// session's absolute timeout).
    #[must_use]
    pub fn new(max_age: u64) -> Self {
        Self {
            session: "__Host-session".into(),
            csrf: "__Host-csrf".into(),
            same_site: SameSite::Lax,
            max_age,
            insecure: false,
        }
    }

    /// Sets the `SameSite` attribute.
    #[must_use]
    pub const fn same_site(mut self, same_site: SameSite) -> Self {
        self.same_site = same_site;
        self
    }

    /// Names the cookies `__Host-{session}` and `__Host-{csrf}` (or without
    /// the prefix under [`CookieConfig::insecure_http`]). The names must be
    /// different tokens (letters, digits and ``!#$%&'*+-.^_`|~``);
    /// otherwise [`Error::Misuse`].
    pub fn names(mut self, session: &str, csrf: &str) -> Result<Self, Error> {
        if !is_token(session) || !is_token(csrf) || session == csrf {
            return Err(Error::Misuse("cookie names must be two different tokens"));
        }
        let prefix = if self.insecure { "" } else { "__Host-" };
        self.session = format!("{prefix}{session}");
        self.csrf = format!("{prefix}{csrf}");
        Ok(self)
    }

    /// **Development only**: cookies without `Secure` and without the
    /// `__Host-` prefix (which requires `Secure`), for a server on plain
    /// HTTP at an address other than `localhost`. Anyone on the network
    /// path can then read and replay the session cookie.
    #[must_use]
    pub fn insecure_http(mut self) -> Self {
        if !self.insecure {
            self.insecure = true;
            for name in [&mut self.session, &mut self.csrf] {
                if let Some(bare) = name.strip_prefix("__Host-") {
                    *name = bare.into();
                }
            }
        }
        self
    }

    /// Whether [`CookieConfig::insecure_http`] is on.
    #[must_use]
    pub const fn is_insecure(&self) -> bool {
        self.insecure
    }

    /// The session cookie's name.
    #[must_use]
    pub fn session_name(&self) -> &str {
        &self.session
    }

    /// The CSRF cookie's name.
    #[must_use]
    pub fn csrf_name(&self) -> &str {
        &self.csrf
    }

    /// `Max-Age` in seconds.
    #[must_use]
    pub const fn max_age(&self) -> u64 {
        self.max_age
    }

    /// Writes a `Set-Cookie` value into one buffer of exactly its length,
    /// so that the buffer never grows (growing leaves a copy of what was
    /// written so far in freed memory, and a session ID is a secret).
    fn write(&self, out: &mut String, name: &str, value: &str, max_age: u64, http_only: bool) {
        let max_age = format!("{max_age}");
        let parts = [
            name,
            "=",
            value,
            "; Path=/; Max-Age=",
            &max_age,
            if http_only { "; HttpOnly" } else { "" },
            if self.insecure { "" } else { "; Secure" },
            "; SameSite=",
            self.same_site.name(),
        ];
        out.reserve_exact(parts.iter().map(|p| p.len()).sum());
        for part in parts {
            out.push_str(part);
        }
    }

    fn set(&self, name: &str, value: &str, max_age: u64, http_only: bool) -> String {
        let mut out = String::new();
        self.write(&mut out, name, value, max_age, http_only);
        out
    }

    /// The `Set-Cookie` value that stores a session ID (`HttpOnly`). The
    /// value must be cookie-safe, as session IDs (base64url) are.
    ///
    /// For a [`SessionId`] prefer [`CookieConfig::set_session`], which
    /// writes it without an unwiped copy.
    #[must_use]
    pub fn session_cookie(&self, id: &str) -> String {
        self.set(&self.session, id, self.max_age, true)
    }

    /// The `Set-Cookie` value that stores the session `id` (`HttpOnly`),
    /// written from the ID straight into one buffer of exactly its length
    /// that is wiped on drop: no unwiped copy of the secret is left behind.
    /// Hand `&*value` to the framework's header type (which keeps its own
    /// copy until the response is written) and drop `value`.
    #[must_use]
    pub fn set_session(&self, id: &SessionId) -> Zeroizing<String> {
        let mut out = Zeroizing::new(String::new());
        self.write(&mut out, &self.session, &id.expose(), self.max_age, true);
        out
    }

    /// The `Set-Cookie` value of the CSRF token (readable by script).
    #[must_use]
    pub fn csrf_cookie(&self, token: &str) -> String {
        self.set(&self.csrf, token, self.max_age, false)
    }

    /// The two `Set-Cookie` values that clear the session and CSRF cookies:
    /// empty values, `Max-Age=0`, the same attributes as when set.
    #[must_use]
    pub fn clear(&self) -> [String; 2] {
        [
            self.set(&self.session, "", 0, true),
            self.set(&self.csrf, "", 0, false),
        ]
    }

    /// The session cookie's value in the request's `Cookie` headers; see
    /// [`find_cookie`].
    pub fn find_session<'a>(&self, headers: &[&'a [u8]]) -> Result<Option<&'a str>, Rejection> {
        find_cookie(headers, &self.session)
    }

    /// The CSRF cookie's value in the request's `Cookie` headers; see
    /// [`find_cookie`].
    pub fn find_csrf<'a>(&self, headers: &[&'a [u8]]) -> Result<Option<&'a str>, Rejection> {
        find_cookie(headers, &self.csrf)
    }
}

/// The value of the cookie `name` in a request's `Cookie` headers (all of
/// them, as sent), `None` when it is not there.
///
/// Refused with 400 `invalid_request`: headers over
/// [`MAX_COOKIE_HEADER_LEN`] bytes together, or the cookie sent more than
/// once (a planted copy beside the real one: the server cannot tell which
/// is which). A header value that is not UTF-8 counts as absent (see the
/// [module docs](super#header-values-that-are-not-utf-8)). Other cookies
/// are not looked at beyond their names. The value is returned as sent;
/// what it must look like is for its reader (a session ID parser) to
/// decide.
pub fn find_cookie<'a>(headers: &[&'a [u8]], name: &str) -> Result<Option<&'a str>, Rejection> {
    let readable_headers = || headers.iter().filter_map(|h| readable(h));
    let total = readable_headers()
        .map(str::len)
        .fold(0usize, usize::saturating_add);
    if total > MAX_COOKIE_HEADER_LEN {
        return Err(Rejection::invalid_request(
            "the Cookie header is too large",
            false,
        ));
    }
    let mut found = None;
    for header in readable_headers() {
        for pair in header.split(';') {
            let Some((key, value)) = pair.split_once('=') else {
                continue;
            };
            if key.trim_ascii() != name {
                continue;
            }
            if found.is_some() {
                return Err(Rejection::invalid_request(
                    "a cookie is sent more than once",
                    false,
                ));
            }
            found = Some(value.trim_ascii());
        }
    }
    Ok(found)
}
