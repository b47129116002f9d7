//! Extractors: who the request is from, as the core decides.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use auth_core::Error;
use auth_core::http::{CookieSession, CsrfHeaders, Rejection, Via, authenticate_cookie, bearer};
use auth_core::session::{ActiveSession, SessionRecord};
use auth_core::tokens::{Access, TokenService};
use auth_store::AnyStore;
use axum::extract::{ConnectInfo, FromRef, FromRequestParts, OptionalFromRequestParts};
use axum::http::header::{AUTHORIZATION, COOKIE, HOST, ORIGIN, USER_AGENT};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName};
use serde::de::DeserializeOwned;
use serde_json::Value;
use zeroize::Zeroizing;

use crate::{Auth, AuthRejection, ROLES};

const SEC_FETCH_SITE: HeaderName = HeaderName::from_static("sec-fetch-site");
const CSRF_HEADER: HeaderName = HeaderName::from_static(auth_core::http::csrf::CSRF_HEADER);

/// Every value of header `name`, as sent.
fn values<'a>(parts: &'a Parts, name: &HeaderName) -> Vec<&'a [u8]> {
    parts
        .headers
        .get_all(name)
        .iter()
        .map(axum::http::HeaderValue::as_bytes)
        .collect()
}

/// The first value of header `name` that is UTF-8: the core counts a
/// value that is not as absent, and Rocket drops it, so the next one is
/// what both adapters read (`auth_core::http`'s module docs).
pub(crate) fn one<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a [u8]> {
    headers
        .get_all(name)
        .iter()
        .map(axum::http::HeaderValue::as_bytes)
        .find(|v| core::str::from_utf8(v).is_ok())
}

/// The headers the CSRF check reads.
fn csrf_headers(parts: &Parts) -> CsrfHeaders<'_> {
    let one = |name: &HeaderName| one(&parts.headers, name);
    CsrfHeaders {
        sec_fetch_site: one(&SEC_FETCH_SITE),
        origin: one(&ORIGIN),
        host: one(&HOST).or_else(|| parts.uri.authority().map(|a| a.as_str().as_bytes())),
        csrf_token: one(&CSRF_HEADER),
    }
}

impl<S> FromRequestParts<S> for Auth
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(_: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::from_ref(state))
    }
}

/// The live session a request's cookie names, after the CSRF check of an
/// unsafe method (`Sec-Fetch-Site`/`Origin`, and the `X-CSRF-Token` header
/// against the session's token).
///
/// Authenticating costs one store read, and a write only when the idle
/// deadline is due to move. Refusals: 401 `unauthenticated` without a live
/// session (clearing a cookie that named none), 403 `csrf`, 400 for a
/// malformed `Cookie` header, 503 when the store is down. As
/// `Option<Session>`, a request without a live session is `None`; the
/// other refusals stand.
#[derive(Clone, Debug)]
pub struct Session {
    /// The session handle: act on it ([`Auth::logout_session`],
    /// [`Auth::rotate_session`], the manager's `*_session` methods), never
    /// by reading the cookie again. Shared (an `Arc`): the extractors of
    /// one request hand it on without copying the record.
    pub active: Arc<ActiveSession>,
}

impl Session {
    /// The session's user.
    #[must_use]
    pub fn user_id(&self) -> &str {
        &self.active.record.user_id
    }

    /// The session's record (times, data, login metadata).
    #[must_use]
    pub fn record(&self) -> &SessionRecord {
        &self.active.record
    }

    /// The session's non-secret handle, as in the session list.
    #[must_use]
    pub fn handle(&self) -> String {
        self.active.key.handle()
    }
}

/// The request's session, if its cookie names a live one: `Ok(None)` for
/// no cookie or a dead one (with the refusal that would clear it).
async fn find_session(
    auth: &Auth,
    parts: &mut Parts,
) -> Result<Option<Session>, (Rejection, bool)> {
    if let Some(session) = parts.extensions.get::<Session>() {
        return Ok(Some(session.clone()));
    }
    let sessions = auth
        .inner
        .sessions
        .as_ref()
        .ok_or_else(|| misuse("auth-axum: no session store is configured", Via::Cookie))?;
    let cookies = values(parts, &COOKIE);
    let found = authenticate_cookie(sessions, auth.http().cookies(), &cookies, auth.now())
        .await
        .map_err(|r| (r, true))?;
    let active = match found {
        CookieSession::Active(active) => active,
        CookieSession::Ended => return Err((Rejection::unauthenticated(false, true), false)),
        _ => return Ok(None),
    };
    let method = parts.method.as_str();
    auth.http()
        .check_csrf(
            method,
            CsrfHeaders::for_method(method, || csrf_headers(parts)),
            active.record.csrf_token(),
        )
        .map_err(|r| (r, true))?;
    let session = Session {
        active: Arc::new(active),
    };
    parts.extensions.insert(session.clone());
    Ok(Some(session))
}

/// A refusal for a programming error of the app (logged when rendered).
fn misuse(what: &'static str, via: Via) -> (Rejection, bool) {
    (Rejection::from_error(&Error::Misuse(what), via), true)
}

impl<S> FromRequestParts<S> for Session
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_ref(state);
        match find_session(&auth, parts).await {
            Ok(Some(session)) => Ok(session),
            Ok(None) => Err(auth.refuse(&Rejection::unauthenticated(false, false))),
            Err((rejection, _)) => Err(auth.refuse(&rejection)),
        }
    }
}

impl<S> OptionalFromRequestParts<S> for Session
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let auth = Auth::from_ref(state);
        match find_session(&auth, parts).await {
            Ok(found) => Ok(found),
            // A dead session's cookie is no session; the refusals that
            // are not "no session" stand.
            Err((_, false)) => Ok(None),
            Err((rejection, true)) => Err(auth.refuse(&rejection)),
        }
    }
}

/// An access token from `Authorization: Bearer`, verified (signature,
/// `typ`, issuer, audience, expiry) and checked against the store (its
/// login still live, its `jti` not denied), with the app's claims as `C`.
///
/// Refusals follow RFC 6750: 401 with a bare challenge without a token,
/// 401 `invalid_token` (code: why) for a bad one, 400 `invalid_request`
/// for a malformed header or a token in the query, 503 when the store is
/// down. As `Option<Bearer<C>>`, a request without a token is `None`.
/// No CSRF check: a browser never attaches a Bearer token by itself.
#[derive(Clone, Debug)]
pub struct Bearer<C = Value> {
    /// The verified token: user, login (family), `jti`, times, claims.
    pub access: Access<C>,
}

/// This request's token has passed the store check (its login live, its
/// `jti` not denied) at this time, for a [`Bearer`] extractor that read
/// it straight as its own claims type: another extractor of the request
/// verifies the token again for its own type, at the same time, without
/// a second store read.
#[derive(Clone, Copy)]
struct StoreChecked(u64);

/// The request's token, if it has one, and the token service.
fn presented<'a>(
    auth: &'a Auth,
    parts: &'a Parts,
) -> Result<Option<(&'a str, &'a TokenService<AnyStore>)>, Rejection> {
    let headers = values(parts, &AUTHORIZATION);
    let Some(token) = bearer(&headers, parts.uri.query())? else {
        return Ok(None);
    };
    let tokens = auth
        .inner
        .tokens
        .as_ref()
        .ok_or_else(|| misuse("auth-axum: no token service is configured", Via::Bearer).0)?;
    Ok(Some((token, tokens)))
}

/// The request's access token, if it has one, with its claims as JSON
/// (kept for the request's other extractors).
async fn find_bearer(
    auth: &Auth,
    parts: &mut Parts,
) -> Result<Option<Arc<Access<Value>>>, Rejection> {
    if let Some(access) = parts.extensions.get::<Arc<Access<Value>>>() {
        return Ok(Some(access.clone()));
    }
    let Some((token, tokens)) = presented(auth, parts)? else {
        return Ok(None);
    };
    let access = match parts.extensions.get::<StoreChecked>() {
        Some(&StoreChecked(now)) => tokens.verify::<Value>(token, now),
        None => tokens.authenticate::<Value>(token, auth.now()).await,
    }
    .map_err(|e| Rejection::from_error(&e, Via::Bearer))?;
    let access = Arc::new(access);
    parts.extensions.insert(access.clone());
    Ok(Some(access))
}

/// The request's access token, if it has one, with its claims read as
/// `C`: from the JSON another extractor kept, or straight from the token
/// (one pass, no JSON map in between) on the first look. A token whose
/// claims do not fit `C` takes the JSON path, so its refusal is the one
/// the store's verdict and the claims decide together, as for any other
/// extractor.
async fn find_typed<C: DeserializeOwned>(
    auth: &Auth,
    parts: &mut Parts,
) -> Result<Option<Access<C>>, Rejection> {
    if parts.extensions.get::<Arc<Access<Value>>>().is_none() {
        let Some((token, tokens)) = presented(auth, parts)? else {
            return Ok(None);
        };
        let read = match parts.extensions.get::<StoreChecked>() {
            Some(&StoreChecked(now)) => tokens.verify::<C>(token, now).map(|a| (a, now)),
            None => {
                let now = auth.now();
                tokens.authenticate::<C>(token, now).await.map(|a| (a, now))
            }
        };
        match read {
            Ok((access, now)) => {
                parts.extensions.insert(StoreChecked(now));
                return Ok(Some(access));
            }
            Err(Error::InvalidClaim { .. }) => {}
            Err(e) => return Err(Rejection::from_error(&e, Via::Bearer)),
        }
    }
    match find_bearer(auth, parts).await? {
        Some(access) => access
            .claims_as()
            .map(Some)
            .map_err(|e| Rejection::from_error(&e, Via::Bearer)),
        None => Ok(None),
    }
}

impl<S, C> FromRequestParts<S> for Bearer<C>
where
    Auth: FromRef<S>,
    S: Send + Sync,
    C: DeserializeOwned + Send,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_ref(state);
        match find_typed(&auth, parts).await {
            Ok(Some(access)) => Ok(Bearer { access }),
            Ok(None) => Err(auth.refuse(&Rejection::unauthenticated(true, false))),
            Err(rejection) => Err(auth.refuse(&rejection)),
        }
    }
}

impl<S, C> OptionalFromRequestParts<S> for Bearer<C>
where
    Auth: FromRef<S>,
    S: Send + Sync,
    C: DeserializeOwned + Send,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let auth = Auth::from_ref(state);
        match find_typed(&auth, parts).await {
            Ok(Some(access)) => Ok(Some(Bearer { access })),
            Ok(None) => Ok(None),
            Err(rejection) => Err(auth.refuse(&rejection)),
        }
    }
}

/// How a [`User`] authenticated.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum Credential {
    /// A session cookie (CSRF-checked).
    Session(Session),
    /// A Bearer access token.
    Bearer(Arc<Access<Value>>),
}

/// The authenticated user of a request, by a Bearer token when the request
/// carries an `Authorization` header and by the session cookie otherwise,
/// with the user's roles (the `roles` array of the token's claims or of
/// the session's data).
///
/// Refusals are those of [`Bearer`] and [`Session`]; without either
/// credential, 401 `unauthenticated` with a bare Bearer challenge when the
/// app issues tokens. As `Option<User>`, a request with neither is `None`.
/// A [`RequireRole`](crate::RequireRole) layer in front has already
/// extracted it: the handler gets it without a second store read.
#[derive(Clone, Debug)]
pub struct User {
    /// The user's id.
    pub id: String,
    /// The user's roles.
    pub roles: Vec<String>,
    /// How the request authenticated.
    pub credential: Credential,
}

impl User {
    /// Whether the user has `role`.
    #[must_use]
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// 403 `insufficient_scope` (with the RFC 6750 challenge naming the
    /// role, for a Bearer token) unless the user has `role`.
    pub fn require_role(&self, auth: &Auth, role: &str) -> Result<(), AuthRejection> {
        if self.has_role(role) {
            return Ok(());
        }
        let via = match self.credential {
            Credential::Bearer(_) => Via::Bearer,
            Credential::Session(_) => Via::Cookie,
        };
        Err(auth.refuse(&Rejection::insufficient_scope(role, via)))
    }
}

/// The request's user, if it carries a credential (a Bearer token only
/// when the app issues tokens); the refusal otherwise
/// says what the request lacks, and whether it is a "no credentials" case
/// (`false` in the pair: an `Option<User>` is then `None`).
pub(crate) async fn find_user(
    auth: &Auth,
    parts: &mut Parts,
) -> Result<Option<User>, (Rejection, bool)> {
    if let Some(user) = parts.extensions.get::<User>() {
        return Ok(Some(user.clone()));
    }
    // An app without tokens takes no Bearer credentials: its users are
    // found by cookie whatever `Authorization` says.
    let access = if auth.inner.tokens.is_some() {
        find_bearer(auth, parts).await.map_err(|r| (r, true))?
    } else {
        None
    };
    let user = if let Some(access) = access {
        User {
            id: access.user_id.clone(),
            roles: auth_core::http::roles(access.claims.get(ROLES)),
            credential: Credential::Bearer(access),
        }
    } else {
        let bearer_too = auth.inner.tokens.is_some();
        match find_session(auth, parts).await {
            Ok(Some(session)) => User {
                id: session.user_id().into(),
                roles: auth_core::http::roles(session.record().data().get(ROLES)),
                credential: Credential::Session(session),
            },
            Ok(None) => return Ok(None),
            Err((_, false)) => {
                return Err((Rejection::unauthenticated(bearer_too, true), false));
            }
            Err(refused) => return Err(refused),
        }
    };
    parts.extensions.insert(user.clone());
    Ok(Some(user))
}

impl<S> FromRequestParts<S> for User
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_ref(state);
        match find_user(&auth, parts).await {
            Ok(Some(user)) => Ok(user),
            Ok(None) => Err(auth.refuse(&Rejection::unauthenticated(
                auth.inner.tokens.is_some(),
                false,
            ))),
            Err((rejection, _)) => Err(auth.refuse(&rejection)),
        }
    }
}

impl<S> OptionalFromRequestParts<S> for User
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &S,
    ) -> Result<Option<Self>, Self::Rejection> {
        let auth = Auth::from_ref(state);
        match find_user(&auth, parts).await {
            Ok(found) => Ok(found),
            Err((_, false)) => Ok(None),
            Err((rejection, true)) => Err(auth.refuse(&rejection)),
        }
    }
}

/// A session login request, checked against login CSRF: where it comes
/// from (`Sec-Fetch-Site`/`Origin`) and its `X-CSRF-Token` against the
/// pre-session CSRF cookie ([`Auth::login_csrf_cookie`] sets it on the
/// page with the form). It remembers the session cookie the request came
/// with, so that the login ends that session instead of adopting it, and
/// the client's address and user agent, for throttling and the session
/// list.
///
/// The address is the peer's IP when the app serves with
/// `into_make_service_with_connect_info::<SocketAddr>()`, else `unknown`
/// (an app behind a proxy sets [`LoginRequest::address`] from the header
/// its proxy writes). Refusals: 403 `csrf`, 400 for a malformed `Cookie`
/// header. `Debug` does not show the old session cookie.
pub struct LoginRequest {
    /// The client's address (for throttling per address).
    pub address: String,
    /// The client's `User-Agent`, if it sent a readable one.
    pub user_agent: Option<String>,
    presented: Option<Zeroizing<String>>,
}

impl LoginRequest {
    /// The session cookie the request came with, if any.
    pub(crate) fn presented(&self) -> Option<&str> {
        self.presented.as_ref().map(|p| p.as_str())
    }
}

impl fmt::Debug for LoginRequest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LoginRequest")
            .field("address", &self.address)
            .field("user_agent", &self.user_agent)
            .field("presented", &self.presented.as_ref().map(|_| ".."))
            .finish()
    }
}

impl<S> FromRequestParts<S> for LoginRequest
where
    Auth: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AuthRejection;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let auth = Auth::from_ref(state);
        let cookies = values(parts, &COOKIE);
        auth.http()
            .check_login_csrf(parts.method.as_str(), csrf_headers(parts), &cookies)
            .map_err(|r| auth.refuse(&r))?;
        let presented = auth
            .http()
            .cookies()
            .find_session(&cookies)
            .map_err(|r| auth.refuse(&r))?
            .map(|p| Zeroizing::new(p.to_owned()));
        let address = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or_else(
                || "unknown".into(),
                |ConnectInfo(peer)| peer.ip().to_string(),
            );
        let user_agent = one(&parts.headers, &USER_AGENT)
            .and_then(|v| core::str::from_utf8(v).ok())
            .map(String::from);
        Ok(Self {
            address,
            user_agent,
            presented,
        })
    }
}
