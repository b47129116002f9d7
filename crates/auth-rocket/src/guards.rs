//! Request guards: who the request is from, as the core decides.

use std::fmt;
use std::marker::PhantomData;
use std::ops::Deref;
use std::sync::{Arc, OnceLock};

use auth_core::Error;
use auth_core::http::{CookieSession, CsrfHeaders, Rejection, Via, authenticate_cookie, bearer};
use auth_core::session::{ActiveSession, SessionRecord};
use auth_core::tokens::{Access, TokenService};
use auth_store::AnyStore;
use rocket::http::Status;
use rocket::outcome::Outcome;
use rocket::request::{self, FromRequest, Request};
use serde::de::DeserializeOwned;
use serde_json::Value;
use zeroize::Zeroizing;

use crate::rejection::record;
use crate::{Auth, AuthRejection, ROLES};

/// Every value of header `name`, as sent.
fn values<'a>(request: &'a Request<'_>, name: &str) -> Vec<&'a [u8]> {
    request.headers().get(name).map(str::as_bytes).collect()
}

/// The first value of header `name`.
fn one<'a>(request: &'a Request<'_>, name: &str) -> Option<&'a [u8]> {
    request.headers().get_one(name).map(str::as_bytes)
}

/// The headers the CSRF check reads.
fn csrf_headers<'a>(request: &'a Request<'_>) -> CsrfHeaders<'a> {
    CsrfHeaders {
        sec_fetch_site: one(request, "sec-fetch-site"),
        origin: one(request, "origin"),
        host: one(request, "host"),
        csrf_token: one(request, auth_core::http::csrf::CSRF_HEADER),
    }
}

/// The app's [`Auth`] (managed by its fairing); a logged 500 when the app
/// did not attach it.
pub(crate) fn auth_of<'r>(request: &'r Request<'_>) -> Result<&'r Auth, AuthRejection> {
    request.rocket().state::<Auth>().ok_or_else(|| {
        let rejection = Rejection::from_error(
            &Error::Misuse("auth-rocket: Auth::fairing() is not attached"),
            Via::Body,
        );
        tracing::error!("auth-rocket: a guard ran without Auth (attach Auth::fairing())");
        let rendered = AuthRejection::new(
            &rejection,
            &auth_core::http::HttpConfig::new("", auth_core::http::CookieConfig::new(0))
                .unwrap_or_else(|_| unreachable!("an empty realm is quotable")),
        );
        record(request, rendered.clone(), true);
        rendered
    })
}

/// The refusal of a guard: rendered (and logged if it is the server's
/// fault), kept for the catcher or the fairing, and returned to Rocket.
/// `stands`: not a "no credentials" case (see [`Auth::fairing`]).
pub(crate) fn refuse<T, F>(
    request: &Request<'_>,
    auth: &Auth,
    rejection: &Rejection,
    stands: bool,
) -> Outcome<T, (Status, AuthRejection), F> {
    let rendered = auth.refuse(rejection);
    record(request, rendered.clone(), stands);
    Outcome::Error((Status::new(rendered.status()), rendered))
}

/// A refusal for a programming error of the app (logged when rendered).
fn misuse(what: &'static str, via: Via) -> (Rejection, bool) {
    (Rejection::from_error(&Error::Misuse(what), via), true)
}

macro_rules! try_auth {
    ($request:expr) => {
        match auth_of($request) {
            Ok(auth) => auth,
            Err(rendered) => {
                return Outcome::Error((Status::new(rendered.status()), rendered));
            }
        }
    };
}

/// The live session a request's cookie names, after the CSRF check of an
/// unsafe method (`Sec-Fetch-Site`/`Origin`, and the `X-CSRF-Token` header
/// against the session's token).
///
/// Authenticating costs one store read, and a write only when the idle
/// deadline is due to move; every guard of one request shares it.
/// Refusals: 401 `unauthenticated` without a live session (clearing a
/// cookie that named none), 403 `csrf`, 400 for a malformed `Cookie`
/// header, 503 when the store is down. As `Option<Session>`, a request
/// without a live session is `None`; the other refusals stand (the
/// fairing sends them instead of the handler's answer).
#[derive(Clone, Debug)]
pub struct Session {
    /// The session handle: act on it ([`Auth::logout_session`],
    /// [`Auth::rotate_session`], the manager's `*_session` methods), never
    /// by reading the cookie again.
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

/// The request's session lookup, done once per request.
struct FoundSession(Result<Option<Session>, (Rejection, bool)>);

/// The request's session, if its cookie names a live one: `Ok(None)` for
/// no cookie; a dead one is `Err` with `false` (the refusal that would
/// clear it; an `Option` guard makes it `None`).
async fn find_session(
    auth: &Auth,
    request: &Request<'_>,
) -> Result<Option<Session>, (Rejection, bool)> {
    let found = request
        .local_cache_async(async { FoundSession(find_session_uncached(auth, request).await) })
        .await;
    found.0.clone()
}

async fn find_session_uncached(
    auth: &Auth,
    request: &Request<'_>,
) -> Result<Option<Session>, (Rejection, bool)> {
    let sessions = auth
        .inner
        .sessions
        .as_ref()
        .ok_or_else(|| misuse("auth-rocket: no session store is configured", Via::Cookie))?;
    let cookies = values(request, "cookie");
    let found = authenticate_cookie(sessions, auth.http().cookies(), &cookies, auth.now())
        .await
        .map_err(|r| (r, true))?;
    let active = match found {
        CookieSession::Active(active) => active,
        CookieSession::Ended => return Err((Rejection::unauthenticated(false, true), false)),
        _ => return Ok(None),
    };
    let method = request.method().as_str();
    auth.http()
        .check_csrf(
            method,
            CsrfHeaders::for_method(method, || csrf_headers(request)),
            active.record.csrf_token(),
        )
        .map_err(|r| (r, true))?;
    Ok(Some(Session {
        active: Arc::new(active),
    }))
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for Session {
    type Error = AuthRejection;

    async fn from_request(request: &'r Request<'_>) -> request::Outcome<Self, AuthRejection> {
        let auth = try_auth!(request);
        match find_session(auth, request).await {
            Ok(Some(session)) => Outcome::Success(session),
            Ok(None) => refuse(
                request,
                auth,
                &Rejection::unauthenticated(false, false),
                false,
            ),
            Err((rejection, stands)) => refuse(request, auth, &rejection, stands),
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
/// down, 401 `invalid_claim` when the claims are not a `C`. As
/// `Option<Bearer<C>>`, a request without a token is `None`; the other
/// refusals stand. No CSRF check: a browser never attaches a Bearer token
/// by itself.
#[derive(Clone, Debug)]
pub struct Bearer<C = Value> {
    /// The verified token: user, login (family), `jti`, times, claims.
    pub access: Access<C>,
}

/// The request's token verification, done once per request: its claims
/// as JSON (or its refusal), kept for every guard that asks; and, when a
/// [`Bearer`] guard read the token straight as its own claims type, the
/// time the store check passed (its login live, its `jti` not denied), so
/// that another guard verifies the token again for its own type, at the
/// same time, without a second store read.
#[derive(Default)]
struct FoundBearer {
    json: OnceLock<Result<Option<Arc<Access<Value>>>, Rejection>>,
    store_checked: OnceLock<u64>,
}

/// The request's token, if it has one, and the token service.
fn presented<'a>(
    auth: &'a Auth,
    request: &'a Request<'_>,
) -> Result<Option<(&'a str, &'a TokenService<AnyStore>)>, Rejection> {
    let headers = values(request, "authorization");
    let query = request.uri().query().map(|q| q.as_str());
    let Some(token) = bearer(&headers, query)? else {
        return Ok(None);
    };
    let tokens = auth
        .inner
        .tokens
        .as_ref()
        .ok_or_else(|| misuse("auth-rocket: no token service is configured", Via::Bearer).0)?;
    Ok(Some((token, tokens)))
}

/// The request's access token, if it has one, with its claims as JSON.
async fn find_bearer(
    auth: &Auth,
    request: &Request<'_>,
) -> Result<Option<Arc<Access<Value>>>, Rejection> {
    let found = request.local_cache(FoundBearer::default);
    if let Some(json) = found.json.get() {
        return json.clone();
    }
    let json = find_bearer_uncached(auth, request, found.store_checked.get().copied()).await;
    // Guards run one at a time: nothing has set it since the look above.
    let _ = found.json.set(json.clone());
    json
}

async fn find_bearer_uncached(
    auth: &Auth,
    request: &Request<'_>,
    store_checked: Option<u64>,
) -> Result<Option<Arc<Access<Value>>>, Rejection> {
    let Some((token, tokens)) = presented(auth, request)? else {
        return Ok(None);
    };
    let access = match store_checked {
        Some(now) => tokens.verify::<Value>(token, now),
        None => tokens.authenticate::<Value>(token, auth.now()).await,
    }
    .map_err(|e| Rejection::from_error(&e, Via::Bearer))?;
    Ok(Some(Arc::new(access)))
}

/// The request's access token, if it has one, with its claims read as
/// `C`: from the JSON another guard kept, or straight from the token (one
/// pass, no JSON map in between) on the first look. A token whose claims
/// do not fit `C` takes the JSON path, so its refusal is the one the
/// store's verdict and the claims decide together, as for any other
/// guard; any other refusal is kept for the request's other guards.
async fn find_typed<C: DeserializeOwned>(
    auth: &Auth,
    request: &Request<'_>,
) -> Result<Option<Access<C>>, Rejection> {
    let found = request.local_cache(FoundBearer::default);
    if found.json.get().is_none() {
        let Some((token, tokens)) = presented(auth, request)? else {
            return Ok(None);
        };
        let read = match found.store_checked.get() {
            Some(&now) => tokens.verify::<C>(token, now).map(|a| (a, now)),
            None => {
                let now = auth.now();
                tokens.authenticate::<C>(token, now).await.map(|a| (a, now))
            }
        };
        match read {
            Ok((access, now)) => {
                let _ = found.store_checked.set(now);
                return Ok(Some(access));
            }
            Err(Error::InvalidClaim { .. }) => {}
            Err(e) => {
                let rejection = Rejection::from_error(&e, Via::Bearer);
                let _ = found.json.set(Err(rejection.clone()));
                return Err(rejection);
            }
        }
    }
    match find_bearer(auth, request).await? {
        Some(access) => access
            .claims_as()
            .map(Some)
            .map_err(|e| Rejection::from_error(&e, Via::Bearer)),
        None => Ok(None),
    }
}

#[rocket::async_trait]
impl<'r, C: DeserializeOwned + Send> FromRequest<'r> for Bearer<C> {
    type Error = AuthRejection;

    async fn from_request(request: &'r Request<'_>) -> request::Outcome<Self, AuthRejection> {
        let auth = try_auth!(request);
        match find_typed(auth, request).await {
            Ok(Some(access)) => Outcome::Success(Bearer { access }),
            Ok(None) => refuse(
                request,
                auth,
                &Rejection::unauthenticated(true, false),
                false,
            ),
            Err(rejection) => refuse(request, auth, &rejection, true),
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
/// carries an `Authorization` header (and the app issues tokens) and by
/// the session cookie otherwise, with the user's roles (the `roles` array
/// of the token's claims or of the session's data).
///
/// Refusals are those of [`Bearer`] and [`Session`]; without either
/// credential, 401 `unauthenticated` with a bare Bearer challenge when the
/// app issues tokens. As `Option<User>`, a request with neither (or with a
/// dead session's cookie) is `None`; the other refusals stand. A
/// [`RequireRole`] guard of the same request shares its lookup: no second
/// store read.
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
        self.role_rejection(role)
            .map_or(Ok(()), |r| Err(auth.refuse(&r)))
    }

    fn role_rejection(&self, role: &str) -> Option<Rejection> {
        if self.has_role(role) {
            return None;
        }
        let via = match self.credential {
            Credential::Bearer(_) => Via::Bearer,
            Credential::Session(_) => Via::Cookie,
        };
        Some(Rejection::insufficient_scope(role, via))
    }
}

/// The request's user lookup, done once per request.
struct FoundUser(Result<Option<User>, (Rejection, bool)>);

/// The request's user, if it carries a credential; the refusal otherwise
/// says what the request lacks, and whether it stands (`false`: a "no
/// credentials" case, `None` for an `Option<User>`).
async fn find_user(auth: &Auth, request: &Request<'_>) -> Result<Option<User>, (Rejection, bool)> {
    let found = request
        .local_cache_async(async { FoundUser(find_user_uncached(auth, request).await) })
        .await;
    found.0.clone()
}

async fn find_user_uncached(
    auth: &Auth,
    request: &Request<'_>,
) -> Result<Option<User>, (Rejection, bool)> {
    // An app without tokens takes no Bearer credentials: its users are
    // found by cookie whatever `Authorization` says.
    let access = if auth.inner.tokens.is_some() {
        find_bearer(auth, request).await.map_err(|r| (r, true))?
    } else {
        None
    };
    if let Some(access) = access {
        return Ok(Some(User {
            id: access.user_id.clone(),
            roles: auth_core::http::roles(access.claims.get(ROLES)),
            credential: Credential::Bearer(access),
        }));
    }
    let bearer_too = auth.inner.tokens.is_some();
    match find_session(auth, request).await {
        Ok(Some(session)) => Ok(Some(User {
            id: session.user_id().into(),
            roles: auth_core::http::roles(session.record().data().get(ROLES)),
            credential: Credential::Session(session),
        })),
        Ok(None) => Ok(None),
        Err((_, false)) => Err((Rejection::unauthenticated(bearer_too, true), false)),
        Err(refused) => Err(refused),
    }
}

#[rocket::async_trait]
impl<'r> FromRequest<'r> for User {
    type Error = AuthRejection;

    async fn from_request(request: &'r Request<'_>) -> request::Outcome<Self, AuthRejection> {
        let auth = try_auth!(request);
        match find_user(auth, request).await {
            Ok(Some(user)) => Outcome::Success(user),
            Ok(None) => refuse(
                request,
                auth,
                &Rejection::unauthenticated(auth.inner.tokens.is_some(), false),
                false,
            ),
            Err((rejection, stands)) => refuse(request, auth, &rejection, stands),
        }
    }
}

/// A role, named at compile time for [`RequireRole`].
///
/// ```
/// struct Admin;
/// impl auth_rocket::Role for Admin {
///     const NAME: &'static str = "admin";
/// }
/// ```
pub trait Role: Send + Sync + 'static {
    /// The role's name, as in the `roles` array.
    const NAME: &'static str;
}

/// A guard that lets a request through only when its [`User`] (by Bearer
/// token or session cookie, CSRF-checked) has the role `R`: 401 without
/// credentials (and for a dead session's cookie, which it clears), 403
/// `insufficient_scope` without the role, and [`User`]'s own refusals for
/// bad credentials. It dereferences to the [`User`]; a `User` guard of the
/// same request costs no second store read.
///
/// ```
/// # use auth_rocket::{RequireRole, Role};
/// struct Admin;
/// impl Role for Admin {
///     const NAME: &'static str = "admin";
/// }
///
/// #[rocket::get("/admin")]
/// fn admin(user: RequireRole<Admin>) -> String {
///     format!("hello {}", user.id)
/// }
/// ```
pub struct RequireRole<R: Role> {
    user: User,
    role: PhantomData<R>,
}

impl<R: Role> RequireRole<R> {
    /// The user who has the role.
    #[must_use]
    pub fn into_user(self) -> User {
        self.user
    }
}

impl<R: Role> Deref for RequireRole<R> {
    type Target = User;
    fn deref(&self) -> &User {
        &self.user
    }
}

impl<R: Role> fmt::Debug for RequireRole<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RequireRole")
            .field("role", &R::NAME)
            .field("user", &self.user)
            .finish()
    }
}

#[rocket::async_trait]
impl<'r, R: Role> FromRequest<'r> for RequireRole<R> {
    type Error = AuthRejection;

    async fn from_request(request: &'r Request<'_>) -> request::Outcome<Self, AuthRejection> {
        let auth = try_auth!(request);
        let user = match find_user(auth, request).await {
            Ok(Some(user)) => user,
            Ok(None) => {
                let refused = Rejection::unauthenticated(auth.inner.tokens.is_some(), false);
                return refuse(request, auth, &refused, false);
            }
            Err((rejection, stands)) => return refuse(request, auth, &rejection, stands),
        };
        match user.role_rejection(R::NAME) {
            None => Outcome::Success(Self {
                user,
                role: PhantomData,
            }),
            Some(rejection) => refuse(request, auth, &rejection, true),
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
/// The address is the peer's IP (never a header a client can write; an
/// app behind a proxy sets [`LoginRequest::address`] from the header its
/// proxy writes), or `unknown`. Refusals: 403 `csrf`, 400 for a malformed
/// `Cookie` header. `Debug` does not show the old session cookie.
pub struct LoginRequest {
    /// The client's address (for throttling per address).
    pub address: String,
    /// The client's `User-Agent`, if it sent one.
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

#[rocket::async_trait]
impl<'r> FromRequest<'r> for LoginRequest {
    type Error = AuthRejection;

    async fn from_request(request: &'r Request<'_>) -> request::Outcome<Self, AuthRejection> {
        let auth = try_auth!(request);
        let cookies = values(request, "cookie");
        if let Err(r) =
            auth.http()
                .check_login_csrf(request.method().as_str(), csrf_headers(request), &cookies)
        {
            return refuse(request, auth, &r, true);
        }
        let presented = match auth.http().cookies().find_session(&cookies) {
            Ok(presented) => presented.map(|p| Zeroizing::new(p.to_owned())),
            Err(r) => return refuse(request, auth, &r, true),
        };
        Outcome::Success(Self {
            address: request
                .remote()
                .map_or_else(|| "unknown".into(), |peer| peer.ip().to_string()),
            // Rocket keeps the first value that is UTF-8, as auth-axum reads
            // it (`auth_core::http`'s rule for header values).
            user_agent: request.headers().get_one("user-agent").map(String::from),
            presented,
        })
    }
}
