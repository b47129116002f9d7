//! A request's session cookie, authenticated once.

use super::{CookieConfig, Rejection, Via};
use crate::session::{ActiveSession, SessionManager};
use crate::store::SessionStore;

/// What a request's session cookie came to.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum CookieSession {
    /// A live session: act on it through the handle
    /// ([`SessionManager::logout_session`], [`SessionManager::rotate_session`],
    /// ...), never by reading the cookie again.
    Active(ActiveSession),
    /// No session cookie was sent.
    Absent,
    /// A session cookie was sent, but it names no live session (expired,
    /// logged out, or not a session ID at all): the response should clear
    /// it.
    Ended,
}

impl CookieSession {
    /// The live session, if any.
    #[must_use]
    pub const fn active(&self) -> Option<&ActiveSession> {
        match self {
            Self::Active(session) => Some(session),
            Self::Absent | Self::Ended => None,
        }
    }

    /// The refusal for a route that requires a session and got none
    /// (`None` for an active session): 401 `unauthenticated`, clearing a
    /// cookie that named no live session; with `bearer` (the route also
    /// accepts Bearer tokens) the bare Bearer challenge.
    #[must_use]
    pub fn rejection(&self, bearer: bool) -> Option<Rejection> {
        match self {
            Self::Active(_) => None,
            Self::Absent => Some(Rejection::unauthenticated(bearer, false)),
            Self::Ended => Some(Rejection::unauthenticated(bearer, true)),
        }
    }
}

/// Authenticates a request by its session cookie: finds the cookie in the
/// request's `Cookie` headers ([`CookieConfig::find_session`]) and asks the
/// manager, one store read (and a write only when the touch is due).
///
/// Refused: a malformed `Cookie` header (400, see
/// [`find_cookie`](super::find_cookie)); a store that fails (503
/// `store_unavailable`, or 500: never a made-up "no session").
pub async fn authenticate_cookie<S: SessionStore, T>(
    manager: &SessionManager<S, T>,
    cookies: &CookieConfig,
    cookie_headers: &[&[u8]],
    now: u64,
) -> Result<CookieSession, Rejection> {
    let Some(presented) = cookies.find_session(cookie_headers)? else {
        return Ok(CookieSession::Absent);
    };
    match manager.authenticate(presented, now).await {
        Ok(Some(session)) => Ok(CookieSession::Active(session)),
        Ok(None) => Ok(CookieSession::Ended),
        Err(error) => Err(Rejection::from_error(&error, Via::Cookie)),
    }
}
