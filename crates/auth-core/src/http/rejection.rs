//! What every refusal means over HTTP: one [`Rejection`] per outcome,
//! decided here so that every adapter renders the same status, headers and
//! body.

use alloc::borrow::Cow;
use alloc::boxed::Box;
use alloc::format;
use alloc::string::String;
use alloc::vec::Vec;

use super::{HttpConfig, is_quotable};
use crate::encoding::json::push_string;
use crate::error::Error;

/// How the credential that failed reached the server. The same error means
/// a different answer for each: a bad Bearer token gets an RFC 6750
/// challenge, a bad session cookie is cleared, a bad login body is the
/// client's request at fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Via {
    /// An `Authorization: Bearer` header (RFC 6750).
    Bearer,
    /// The session cookie.
    Cookie,
    /// The request body of a login, refresh or logout call.
    Body,
}

/// The RFC 6750 `error` of a Bearer challenge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum BearerError {
    InvalidRequest,
    InvalidToken,
    InsufficientScope,
}

impl BearerError {
    const fn name(self) -> &'static str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
        }
    }
}

/// The `WWW-Authenticate: Bearer` challenge of a rejection.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Challenge {
    /// `None`: a bare challenge (no credentials were sent, RFC 6750 §3.1).
    error: Option<BearerError>,
    /// The scope (role) that was missing, for `insufficient_scope`.
    scope: Option<String>,
}

/// A refusal, decided by the core: the status, the stable code and the
/// client-safe message of the JSON body, the `WWW-Authenticate` challenge,
/// a `Retry-After`, and whether the session cookies must be cleared.
/// Adapters render it with [`Rejection::render`] and add nothing.
///
/// Built from an [`Error`] with [`Rejection::from_error`] (an exhaustive
/// match: a new error variant does not compile without its HTTP meaning),
/// or for outcomes that are not errors of the core: no credentials
/// ([`Rejection::unauthenticated`]), a missing role
/// ([`Rejection::insufficient_scope`]), a malformed request
/// ([`Rejection::invalid_request`]), a refused cross-site request
/// ([`Rejection::csrf`]), nothing at that address ([`Rejection::not_found`]).
///
/// The message never carries what the error holds (a store's own error
/// text, a user id, a time): those are for the server's log, where the
/// adapter sends the [`Error`] itself.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rejection {
    status: u16,
    code: &'static str,
    message: Cow<'static, str>,
    challenge: Option<Challenge>,
    retry_after: Option<u64>,
    clear_session: bool,
    /// The server-side error behind a 5xx, for the server's log (boxed:
    /// a refusal travels in `Err`, and most have none).
    cause: Option<Box<Error>>,
}

/// A rendered response: what an adapter writes, byte for byte.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rendered {
    /// The HTTP status code.
    pub status: u16,
    /// Header names (lower case) and values, in order; `set-cookie` may
    /// appear more than once.
    pub headers: Vec<(&'static str, String)>,
    /// The JSON body, `{"error":CODE,"message":TEXT}`.
    pub body: String,
}

/// The status, code and message of the server's own failures: the client
/// learns only that it was not its fault.
const INTERNAL: (u16, &str, &str) = (500, "internal_error", "the server failed; try again later");

impl Rejection {
    fn new(status: u16, code: &'static str, message: &'static str) -> Self {
        Self {
            status,
            code,
            message: Cow::Borrowed(message),
            challenge: None,
            retry_after: None,
            clear_session: false,
            cause: None,
        }
    }

    /// What `error` means when the credential came `via` there.
    ///
    /// | error | status | code |
    /// |---|---|---|
    /// | a token or session that does not verify, has expired, was revoked, is of the wrong kind, or is not known | 401 | the error's code (`expired`, `revoked`, ...) |
    /// | `malformed`, `too_large` in a request body | 400 | the error's code |
    /// | `invalid_credentials`, `stale_login` | 401 | the error's code |
    /// | `rate_limited` | 429, with `Retry-After` | `rate_limited` |
    /// | `store_unavailable` | 503 | `store_unavailable` |
    /// | the server's own failures (`store_corrupt`, `random_failure`, `id_collision`, `record_too_large`, `invalid_key`, `misuse`) | 500 | `internal_error` |
    ///
    /// A 401 `via` [`Via::Bearer`] carries the RFC 6750 challenge
    /// `error="invalid_token"` with the message as `error_description`;
    /// `via` [`Via::Cookie`] it clears the session cookies.
    #[must_use]
    pub fn from_error(error: &Error, via: Via) -> Self {
        // Every variant by name: a new one must be placed here.
        let (status, code, message) = match error {
            Error::Malformed(_) => (401, "malformed", "the credential is malformed"),
            Error::TooLarge { .. } => (401, "too_large", "the credential is too large"),
            Error::UnsupportedAlg => (
                401,
                "unsupported_alg",
                "the token's algorithm is not accepted",
            ),
            Error::AlgMismatch { .. } => {
                (401, "alg_mismatch", "the token's algorithm is not accepted")
            }
            Error::UnknownKid => (401, "unknown_kid", "no key matches the token's key id"),
            Error::BadSignature => (
                401,
                "bad_signature",
                "the token's signature does not verify",
            ),
            Error::Expired { .. } => (401, "expired", "the token has expired"),
            Error::NotYetValid { .. } => (401, "not_yet_valid", "the token is not valid yet"),
            Error::IssuedInFuture { .. } => (
                401,
                "issued_in_future",
                "the token was issued in the future",
            ),
            Error::TooOld { .. } => (401, "too_old", "the token is too old"),
            Error::InvalidIssuer => (401, "invalid_issuer", "the token's issuer is not accepted"),
            Error::InvalidAudience => (
                401,
                "invalid_audience",
                "the token is not meant for this service",
            ),
            Error::InvalidSubject => (
                401,
                "invalid_subject",
                "the token's subject is not accepted",
            ),
            Error::MissingClaim(_) => (401, "missing_claim", "the token lacks a required claim"),
            Error::InvalidClaim { .. } => {
                (401, "invalid_claim", "a claim of the token is not valid")
            }
            Error::InvalidType => (401, "invalid_type", "the token is not of the expected type"),
            Error::UnsupportedCrit => (
                401,
                "unsupported_crit",
                "the token requires an unsupported extension",
            ),
            Error::RefreshReused { .. } => (
                401,
                "refresh_reused",
                "the refresh token was already used; its login is revoked",
            ),
            Error::UnknownRefresh => (
                401,
                "unknown_refresh",
                "the refresh token is not known or has ended",
            ),
            Error::Revoked => (401, "revoked", "the token was revoked"),
            Error::NotAccessToken => (
                401,
                "not_access_token",
                "a refresh token is not an access token",
            ),
            Error::NotRefreshToken => (
                401,
                "not_refresh_token",
                "an access token is not a refresh token",
            ),
            Error::InvalidCredentials => {
                (401, "invalid_credentials", "invalid username or password")
            }
            Error::StaleLogin => (
                401,
                "stale_login",
                "the login was overtaken by a logout; log in again",
            ),
            Error::RateLimited { .. } => (
                429,
                "rate_limited",
                "too many failed logins; try again later",
            ),
            Error::StoreUnavailable(_) => (
                503,
                "store_unavailable",
                "the session store is unavailable; try again later",
            ),
            Error::StoreCorrupt(_)
            | Error::Random
            | Error::IdCollision
            | Error::RecordTooLarge { .. }
            | Error::InvalidKey(_)
            | Error::Misuse(_) => INTERNAL,
        };
        let mut rejection = Self::new(status, code, message);
        if status >= 500 {
            rejection.cause = Some(Box::new(error.clone()));
        }
        if let Error::RateLimited { retry_after } = error {
            rejection.retry_after = Some(*retry_after);
        }
        if status == 401 {
            match via {
                Via::Bearer => {
                    rejection.challenge = Some(Challenge {
                        error: Some(BearerError::InvalidToken),
                        scope: None,
                    });
                }
                Via::Cookie => rejection.clear_session = true,
                Via::Body => {
                    // A body that is not even a credential is the request's
                    // fault, not a failed authentication.
                    if matches!(error, Error::Malformed(_) | Error::TooLarge { .. }) {
                        rejection.status = 400;
                    }
                }
            }
        }
        rejection
    }

    /// No credentials were sent (or the session cookie names no live
    /// session): 401 `unauthenticated`. With `bearer` (the route accepts a
    /// Bearer token) it carries the bare challenge
    /// `Bearer realm="..."` (RFC 6750 §3.1: no `error` when no credentials
    /// were sent); with `clear_session` it clears the session cookies (a
    /// cookie was sent, but its session has ended).
    #[must_use]
    pub fn unauthenticated(bearer: bool, clear_session: bool) -> Self {
        let mut rejection = Self::new(401, "unauthenticated", "authentication is required");
        if bearer {
            rejection.challenge = Some(Challenge {
                error: None,
                scope: None,
            });
        }
        rejection.clear_session = clear_session;
        rejection
    }

    /// The user is authenticated but lacks `role` (a role or a scope): 403
    /// `insufficient_scope`, and via a Bearer token the challenge
    /// `error="insufficient_scope"` with `scope="role"` (RFC 6750 §3.1).
    /// A role that is not a valid scope token (RFC 6749 §3.3: printable
    /// ASCII without space, `"` or `\`) is left out of the challenge.
    #[must_use]
    pub fn insufficient_scope(role: &str, via: Via) -> Self {
        let mut rejection = Self::new(
            403,
            "insufficient_scope",
            "the credential lacks a required role",
        );
        if via == Via::Bearer {
            let valid = !role.is_empty()
                && role
                    .bytes()
                    .all(|b| matches!(b, 0x21 | 0x23..=0x5b | 0x5d..=0x7e));
            rejection.challenge = Some(Challenge {
                error: Some(BearerError::InsufficientScope),
                scope: valid.then(|| role.into()),
            });
        }
        rejection
    }

    /// The request is malformed (`why` says how, for the client): 400
    /// `invalid_request`, and with `bearer` the challenge
    /// `error="invalid_request"` (RFC 6750 §3.1: a malformed
    /// `Authorization` header, or a token sent in more than one way).
    /// `why` must be printable ASCII without `"` or `\`.
    #[must_use]
    pub fn invalid_request(why: &'static str, bearer: bool) -> Self {
        let mut rejection = Self::new(400, "invalid_request", why);
        if bearer {
            rejection.challenge = Some(Challenge {
                error: Some(BearerError::InvalidRequest),
                scope: None,
            });
        }
        rejection
    }

    /// A state-changing request failed the CSRF check (`why` says which
    /// part): 403 `csrf`.
    #[must_use]
    pub fn csrf(why: &'static str) -> Self {
        Self::new(403, "csrf", why)
    }

    /// No such resource (an unknown route, or a session handle the user
    /// does not have): 404 `not_found`, so that every adapter's "not
    /// here" is the same JSON.
    #[must_use]
    pub fn not_found() -> Self {
        Self::new(404, "not_found", "there is nothing here")
    }

    /// The HTTP status code.
    #[must_use]
    pub const fn status(&self) -> u16 {
        self.status
    }

    /// The stable code of the JSON body (`"expired"`, `"csrf"`, ...).
    #[must_use]
    pub const fn code(&self) -> &'static str {
        self.code
    }

    /// The client-safe message of the JSON body.
    #[must_use]
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The `Retry-After` value in seconds, if any.
    #[must_use]
    pub const fn retry_after(&self) -> Option<u64> {
        self.retry_after
    }

    /// The error behind a refusal that is the server's fault (5xx), for
    /// the server's log: the client gets only the generic message, and the
    /// adapter logs this (an [`Error`]'s text never holds a secret).
    /// `None` for every refusal that is the client's.
    #[must_use]
    pub fn cause(&self) -> Option<&Error> {
        self.cause.as_deref()
    }

    /// Whether the response clears the session cookies.
    #[must_use]
    pub const fn clears_session(&self) -> bool {
        self.clear_session
    }

    /// The `WWW-Authenticate` value under `realm`, if the rejection has a
    /// challenge: `Bearer realm="..."` and, where RFC 6750 asks for them,
    /// `error`, `error_description` and `scope`.
    #[must_use]
    pub fn www_authenticate(&self, realm: &str) -> Option<String> {
        let challenge = self.challenge.as_ref()?;
        let mut value = format!("Bearer realm=\"{realm}\"");
        if let Some(error) = challenge.error {
            value.push_str(", error=\"");
            value.push_str(error.name());
            value.push('"');
            // A message an adapter passed that cannot stand in a quoted
            // string is left out rather than let it break the header.
            if is_quotable(&self.message) {
                value.push_str(", error_description=\"");
                value.push_str(&self.message);
                value.push('"');
            }
        }
        if let Some(scope) = &challenge.scope {
            value.push_str(", scope=\"");
            value.push_str(scope);
            value.push('"');
        }
        Some(value)
    }

    /// The JSON body, `{"error":CODE,"message":TEXT}`.
    #[must_use]
    pub fn body(&self) -> String {
        let mut body = String::with_capacity(32 + self.code.len() + self.message.len());
        body.push_str("{\"error\":");
        push_string(&mut body, self.code);
        body.push_str(",\"message\":");
        push_string(&mut body, &self.message);
        body.push('}');
        body
    }

    /// The whole response under `config`: the status; `content-type:
    /// application/json`; `cache-control: no-store` (a refusal is about one
    /// credential at one moment: no cache may keep it); the challenge, the
    /// `Retry-After`, and the `Set-Cookie` headers that clear the session
    /// and CSRF cookies, where the rejection has them; and the body.
    #[must_use]
    pub fn render(&self, config: &HttpConfig) -> Rendered {
        let mut headers = Vec::with_capacity(6);
        headers.push(("content-type", String::from("application/json")));
        headers.push(("cache-control", String::from("no-store")));
        if let Some(challenge) = self.www_authenticate(config.realm()) {
            headers.push(("www-authenticate", challenge));
        }
        if let Some(seconds) = self.retry_after {
            headers.push(("retry-after", format!("{seconds}")));
        }
        if self.clear_session {
            for cookie in config.cookies().clear() {
                headers.push(("set-cookie", cookie));
            }
        }
        Rendered {
            status: self.status,
            headers,
            body: self.body(),
        }
    }
}
