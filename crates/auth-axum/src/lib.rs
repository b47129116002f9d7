//! # auth-axum
//!
//! The [Axum](https://docs.rs/axum) adapter of [`auth_core`]: sessions,
//! access tokens, CSRF and roles in an Axum app. It reads credentials from
//! requests, calls the core, and renders what the core decided
//! ([`auth_core::http`]): every status, header and JSON body of a refusal
//! comes from there, so this crate adds no decisions of its own.
//!
//! - [`Auth`]: the configuration and services, built once
//!   ([`Auth::builder`]) and kept in the router's state. The stores behind
//!   it are erased ([`auth_store::AnyStore`]): no handler names a store type.
//! - Extractors: [`Session`] (a session cookie, CSRF-checked on unsafe
//!   methods), [`Bearer`] (an access token, checked against the store for
//!   revocation), [`User`] (either, whichever the request carries), each
//!   also as `Option<...>`; [`LoginRequest`] for a session login form
//!   (CSRF-checked with the pre-session token); [`JsonBody`] for request
//!   bodies refused as the core says.
//! - [`RequireRole`]: a layer that refuses requests whose user lacks a role
//!   (401 without credentials, 403 `insufficient_scope` without the role),
//!   per route or per router.
//! - Responses that set or clear cookies: [`SessionCookies`],
//!   [`ClearSession`], [`LoginCsrfCookie`]; refusals: [`AuthRejection`].
//!
//! Roles are the JSON array `roles` in the session's data (set at login
//! with [`Auth::login_session`]) and in the access token's claims (issued
//! by the app through [`TokenService::issue`](auth_core::tokens::TokenService::issue)).
//!
//! ```
//! use auth_axum::{Auth, RequireRole, User};
//! use auth_core::http::{CookieConfig, HttpConfig};
//! use auth_core::session::SessionConfig;
//! use auth_store::{AnyStore, MemoryStore};
//! use axum::{Router, routing::get};
//!
//! async fn me(user: User) -> String {
//!     format!("hello {}", user.id)
//! }
//!
//! # fn main() -> Result<(), auth_core::Error> {
//! let store = AnyStore::new(MemoryStore::new());
//! let sessions = SessionConfig::new();
//! let http = HttpConfig::new("demo", CookieConfig::new(sessions.absolute_timeout))?;
//! let auth = Auth::builder(http).sessions(store, sessions).build();
//!
//! let app: Router = Router::new()
//!     .route("/admin", get(me).route_layer(RequireRole::new(&auth, "admin")))
//!     .route("/me", get(me))
//!     .with_state(auth);
//! # let _ = app;
//! # Ok(()) }
//! ```
//!
//! The guide with a complete app is `docs/axum.md` in the repository.

#![forbid(unsafe_code)]

mod body;
mod cookies;
mod extract;
mod layer;
mod rejection;

use std::fmt;
use std::sync::Arc;

use auth_core::http::{HttpConfig, Rejection, Via};
#[cfg(feature = "password")]
use auth_core::password::PasswordLogin;
use auth_core::session::{LoginTicket, SessionConfig, SessionManager, SessionMeta};
use auth_core::tokens::TokenService;
use auth_core::{Clock, Error, SystemClock};
use auth_store::AnyStore;
use serde_json::{Map, Value};

pub use body::{JsonBody, MAX_BODY_LEN};
pub use cookies::{ClearSession, LoginCsrfCookie, SessionCookies};
pub use extract::{Bearer, Credential, LoginRequest, Session, User};
pub use layer::{RequireRole, RequireRoleService};
pub use rejection::AuthRejection;

/// The guide (`docs/axum.md`), whose app is compiled as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/axum.md")]
pub struct GuideDoctests;

/// The session data member that holds a user's roles (a JSON array of
/// strings), and the access-token claim of the same name.
pub const ROLES: &str = "roles";

/// Everything the extractors need, configured once and shared by the
/// router (cloning is cheap). Put it in the router's state, or in a state
/// struct with `impl FromRef<AppState> for Auth`.
///
/// `Debug` shows the configuration, never a secret.
#[derive(Clone)]
pub struct Auth {
    inner: Arc<Inner>,
}

struct Inner {
    http: HttpConfig,
    sessions: Option<SessionManager<AnyStore>>,
    tokens: Option<TokenService<AnyStore>>,
    #[cfg(feature = "password")]
    logins: Option<PasswordLogin<AnyStore>>,
    clock: Box<dyn Clock + Send + Sync>,
}

impl fmt::Debug for Auth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut d = f.debug_struct("Auth");
        d.field("http", &self.inner.http)
            .field("sessions", &self.inner.sessions)
            .field("tokens", &self.inner.tokens);
        #[cfg(feature = "password")]
        d.field("logins", &self.inner.logins);
        d.finish_non_exhaustive()
    }
}

/// Builds an [`Auth`]: the HTTP configuration, then whichever of
/// sessions, tokens and password logins the app uses.
#[must_use = "call build() to get the Auth"]
pub struct AuthBuilder {
    inner: Inner,
}

impl fmt::Debug for AuthBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuthBuilder").finish_non_exhaustive()
    }
}

impl AuthBuilder {
    /// Server-side sessions in `store` under `config`.
    pub fn sessions(mut self, store: AnyStore, config: SessionConfig) -> Self {
        self.inner.sessions = Some(SessionManager::new(store, config));
        self
    }

    /// Access and refresh tokens: the service, built by the app with its
    /// keys, its configuration and an [`AnyStore`].
    pub fn tokens(mut self, service: TokenService<AnyStore>) -> Self {
        self.inner.tokens = Some(service);
        self
    }

    /// Throttled password logins ([`Auth::check_password`]).
    #[cfg(feature = "password")]
    pub fn passwords(mut self, logins: PasswordLogin<AnyStore>) -> Self {
        self.inner.logins = Some(logins);
        self
    }

    /// The clock (default: [`SystemClock`]); tests pass a fixed one.
    pub fn clock(mut self, clock: impl Clock + Send + Sync + 'static) -> Self {
        self.inner.clock = Box::new(clock);
        self
    }

    /// The finished configuration. Warns in the log when the cookies are
    /// set for plain HTTP ([`CookieConfig::insecure_http`](auth_core::http::CookieConfig::insecure_http)).
    pub fn build(self) -> Auth {
        if self.inner.http.cookies().is_insecure() {
            tracing::warn!(
                "auth-axum: cookies are set WITHOUT Secure and without the __Host- prefix \
                 (CookieConfig::insecure_http); never do this outside development"
            );
        }
        Auth {
            inner: Arc::new(self.inner),
        }
    }
}

impl Auth {
    /// Starts a configuration with the app's HTTP settings (realm, cookies,
    /// origins).
    pub fn builder(http: HttpConfig) -> AuthBuilder {
        AuthBuilder {
            inner: Inner {
                http,
                sessions: None,
                tokens: None,
                #[cfg(feature = "password")]
                logins: None,
                clock: Box::new(SystemClock),
            },
        }
    }

    /// The HTTP configuration.
    #[must_use]
    pub fn http(&self) -> &HttpConfig {
        &self.inner.http
    }

    /// The current time from the configured clock.
    #[must_use]
    pub fn now(&self) -> u64 {
        self.inner.clock.now()
    }

    /// The session manager; a 500 refusal when the app configured none
    /// (a programming error, logged).
    pub fn sessions(&self) -> Result<&SessionManager<AnyStore>, AuthRejection> {
        self.inner.sessions.as_ref().ok_or_else(|| {
            self.error(
                &Error::Misuse("auth-axum: no session store is configured"),
                Via::Cookie,
            )
        })
    }

    /// The token service; a 500 refusal when the app configured none.
    pub fn tokens(&self) -> Result<&TokenService<AnyStore>, AuthRejection> {
        self.inner.tokens.as_ref().ok_or_else(|| {
            self.error(
                &Error::Misuse("auth-axum: no token service is configured"),
                Via::Bearer,
            )
        })
    }

    /// Renders `rejection` under this configuration. A refusal that is
    /// the server's fault is logged with its cause ([`Rejection::cause`]);
    /// the client gets only the generic message.
    #[must_use]
    pub fn refuse(&self, rejection: &Rejection) -> AuthRejection {
        if let Some(cause) = rejection.cause() {
            tracing::error!(code = rejection.code(), error = %cause, "auth-axum: request failed");
        }
        AuthRejection::new(rejection, &self.inner.http)
    }

    /// The refusal for `error` when the credential came `via` there
    /// ([`Rejection::from_error`]), logged when it is the server's fault.
    #[must_use]
    pub fn error(&self, error: &Error, via: Via) -> AuthRejection {
        self.refuse(&Rejection::from_error(error, via))
    }

    /// Checks `password` for `account` with throttling per account and per
    /// client address ([`PasswordLogin::check`]); `stored` is the account's
    /// PHC hash as the app looked it up (`None`: no such account, which
    /// gets the same answer and the same cost as a wrong password).
    /// Refusals: 401 `invalid_credentials`, 429 `rate_limited` with
    /// `Retry-After`, 400 `too_large` for an oversized password, 503 when
    /// the store is down.
    ///
    /// The Argon2id verification is CPU work (tens of milliseconds at the
    /// default parameters); it runs on the async worker, as `check` does.
    #[cfg(feature = "password")]
    pub async fn check_password(
        &self,
        account: &str,
        address: &str,
        stored: Option<&str>,
        password: &[u8],
    ) -> Result<(), AuthRejection> {
        let logins = self.inner.logins.as_ref().ok_or_else(|| {
            self.error(
                &Error::Misuse("auth-axum: no password login is configured"),
                Via::Body,
            )
        })?;
        logins
            .check(account, address, stored, password, self.now())
            .await
            .map_err(|e| self.error(&e, Via::Body))
    }

    /// Starts a session login for `user_id` (reads the user's session
    /// generation): call it **before** checking the password, so that a
    /// "log out everywhere" in between defeats the login
    /// ([`LoginTicket`]).
    pub async fn begin_session_login(&self, user_id: &str) -> Result<LoginTicket, AuthRejection> {
        self.sessions()?
            .begin_login(user_id, self.now())
            .await
            .map_err(|e| self.error(&e, Via::Body))
    }

    /// Completes a session login whose credentials the app has checked
    /// after taking `ticket`: ends the session the request came with (no
    /// planted cookie is ever adopted), creates a fresh session holding
    /// `data` (the user's [`ROLES`], say) in one write, and returns the
    /// cookies to set. A "log out everywhere" since the ticket: 401
    /// `stale_login`.
    pub async fn login_session(
        &self,
        request: &LoginRequest,
        ticket: LoginTicket,
        data: Map<String, Value>,
    ) -> Result<SessionCookies, AuthRejection> {
        let meta = SessionMeta::new(request.user_agent.as_deref(), Some(&request.address));
        let new = self
            .sessions()?
            .login_with_data(ticket, request.presented(), meta, data, self.now())
            .await
            .map_err(|e| self.error(&e, Via::Body))?;
        Ok(SessionCookies::new(
            self.http().cookies(),
            &new.id,
            new.record.csrf_token(),
        ))
    }

    /// Gives the request's session a new ID (after a privilege change),
    /// keeping its record; the old ID stops working at once. Returns the
    /// new cookies; 401 if the session ended meanwhile.
    pub async fn rotate_session(&self, session: &Session) -> Result<SessionCookies, AuthRejection> {
        let sessions = self.sessions()?;
        match sessions.rotate_session(&session.active, self.now()).await {
            Ok(Some(new)) => Ok(SessionCookies::new(
                self.http().cookies(),
                &new.id,
                new.record.csrf_token(),
            )),
            Ok(None) => Err(self.refuse(&Rejection::unauthenticated(false, true))),
            Err(e) => Err(self.error(&e, Via::Cookie)),
        }
    }

    /// Logs the request's session out and returns the response part that
    /// clears its cookies.
    pub async fn logout_session(&self, session: &Session) -> Result<ClearSession, AuthRejection> {
        self.sessions()?
            .logout_session(&session.active)
            .await
            .map_err(|e| self.error(&e, Via::Cookie))?;
        Ok(ClearSession::new(self.http().cookies()))
    }

    /// A fresh pre-session CSRF cookie for a visitor without a session
    /// (set it on the page with the login form; [`LoginRequest`] checks
    /// it). The same token is returned for the page to use.
    pub fn login_csrf_cookie(&self) -> Result<LoginCsrfCookie, AuthRejection> {
        let token = auth_core::http::csrf::new_token().map_err(|e| self.error(&e, Via::Body))?;
        Ok(LoginCsrfCookie::new(self.http().cookies(), token))
    }

    /// 404 `not_found`, as JSON: use it as the router's fallback so that
    /// unknown paths answer like every other refusal.
    #[must_use]
    pub fn not_found(&self) -> AuthRejection {
        self.refuse(&Rejection::not_found())
    }
}
