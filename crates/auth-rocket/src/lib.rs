//! # auth-rocket
//!
//! The [Rocket](https://rocket.rs) 0.5 adapter of [`auth_core`]: sessions,
//! access tokens, CSRF and roles in a Rocket app. It reads credentials
//! from requests, calls the core, and renders what the core decided
//! ([`auth_core::http`]): every status, header and JSON body of a refusal
//! comes from there, so an app answers exactly as it would on auth-axum.
//!
//! - [`Auth`]: the configuration and services, built once
//!   ([`Auth::builder`]) and installed by its fairing ([`Auth::fairing`]):
//!   managed state, the catchers that render refusals, and the check on
//!   the way out that a refusal which must stand is never replaced by a
//!   handler's answer. The stores behind it are erased
//!   ([`auth_store::AnyStore`]).
//! - Request guards: [`Session`] (a session cookie, CSRF-checked on unsafe
//!   methods), [`Bearer`] (an access token with typed claims, checked
//!   against the store for revocation), [`User`] (either, whichever the
//!   request carries), each also as `Option<...>`; [`RequireRole`] (a user
//!   with a role, named by a [`Role`] type); [`LoginRequest`] for a
//!   session login form (CSRF-checked with the pre-session token); the data
//!   guard [`JsonBody`] for request bodies refused as the core says.
//! - Responses that set or clear cookies ([`SessionCookies`],
//!   [`ClearSession`], [`LoginCsrfCookie`], attached to any responder with
//!   [`CookieChange::to`]) as raw `Set-Cookie` headers from the core's
//!   helpers; refusals: [`AuthRejection`].
//!
//! ## Design
//!
//! A guard's refusal is an `Outcome::Error((status, AuthRejection))`, and
//! is also kept in the request: Rocket hands catchers only the status, so
//! the fairing's catcher sends the kept refusal as rendered. Rocket's
//! `Option<T>` guard turns *every* refusal into `None`; the fairing sends a
//! refusal that is not "no credentials" (a store outage, a failed CSRF
//! check, a malformed header) in place of the handler's answer, so
//! `Option<Session>` fails closed as it does on auth-axum.
//!
//! Cookies never go through Rocket's cookie jar: no private (encrypted)
//! cookies (the value is a session ID, the state is in the store), and
//! `Secure` never depends on whether Rocket itself serves TLS.
//!
//! ## Features
//!
//! - `password` (default): throttled password logins
//!   ([`Auth::check_password`]).
//!
//! ```
//! use auth_core::http::{CookieConfig, HttpConfig};
//! use auth_core::session::SessionConfig;
//! use auth_rocket::{Auth, RequireRole, Role, User};
//! use auth_store::{AnyStore, MemoryStore};
//!
//! struct Admin;
//! impl Role for Admin {
//!     const NAME: &'static str = "admin";
//! }
//!
//! #[rocket::get("/me")]
//! fn me(user: User) -> String {
//!     format!("hello {}", user.id)
//! }
//!
//! #[rocket::get("/admin")]
//! fn admin(user: RequireRole<Admin>) -> String {
//!     format!("hello admin {}", user.id)
//! }
//!
//! # fn main() -> Result<(), auth_core::Error> {
//! let store = AnyStore::new(MemoryStore::new());
//! let sessions = SessionConfig::new();
//! let http = HttpConfig::new("demo", CookieConfig::new(sessions.absolute_timeout))?;
//! let auth = Auth::builder(http).sessions(store, sessions).build();
//!
//! let app = rocket::build()
//!     .attach(auth.fairing())
//!     .mount("/", rocket::routes![me, admin]);
//! # let _ = app;
//! # Ok(()) }
//! ```
//!
//! The guide with a complete app is `docs/rocket.md` in the repository.

#![forbid(unsafe_code)]

mod body;
mod cookies;
mod guards;
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
use rocket::fairing::{self, Fairing, Info, Kind};
use rocket::request::Request;
use rocket::response::Response;
use rocket::{Build, Rocket};
use serde_json::{Map, Value};

pub use body::{JsonBody, MAX_BODY_LEN};
pub use cookies::{ClearSession, CookieChange, LoginCsrfCookie, SessionCookies, WithCookies};
pub use guards::{Bearer, Credential, LoginRequest, RequireRole, Role, Session, User};
pub use rejection::{AuthRejection, catchers};

/// The guide (`docs/rocket.md`), whose app is compiled as a doc test.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/rocket.md")]
pub struct GuideDoctests;

/// The session data member that holds a user's roles (a JSON array of
/// strings), and the access-token claim of the same name.
pub const ROLES: &str = "roles";

/// Everything the guards need, configured once (cloning is cheap) and
/// installed with [`Auth::fairing`]; handlers take it as `&State<Auth>`.
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
                "auth-rocket: cookies are set WITHOUT Secure and without the __Host- prefix \
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

    /// The fairing that installs this configuration: managed state (for
    /// the guards and `&State<Auth>`), the default catcher at `/`
    /// ([`catchers`]: every refusal, and Rocket's own 404 and others, as
    /// the core renders them), and, on the way out, a refusal that stands
    /// in place of the handler's answer (an `Option<...>` guard whose
    /// refusal is not "no credentials").
    #[must_use]
    pub fn fairing(&self) -> AuthFairing {
        AuthFairing { auth: self.clone() }
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
                &Error::Misuse("auth-rocket: no session store is configured"),
                Via::Cookie,
            )
        })
    }

    /// The token service; a 500 refusal when the app configured none.
    pub fn tokens(&self) -> Result<&TokenService<AnyStore>, AuthRejection> {
        self.inner.tokens.as_ref().ok_or_else(|| {
            self.error(
                &Error::Misuse("auth-rocket: no token service is configured"),
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
            tracing::error!(code = rejection.code(), error = %cause, "auth-rocket: request failed");
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
                &Error::Misuse("auth-rocket: no password login is configured"),
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
            &new.id.expose(),
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
                &new.id.expose(),
                new.record.csrf_token(),
            )),
            Ok(None) => Err(self.refuse(&Rejection::unauthenticated(false, true))),
            Err(e) => Err(self.error(&e, Via::Cookie)),
        }
    }

    /// Logs the request's session out and returns the cookies that clear
    /// it.
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

    /// 404 `not_found`, as JSON (the catcher sends it for unknown paths).
    #[must_use]
    pub fn not_found(&self) -> AuthRejection {
        self.refuse(&Rejection::not_found())
    }
}

/// The fairing of an [`Auth`] ([`Auth::fairing`]).
#[derive(Debug)]
pub struct AuthFairing {
    auth: Auth,
}

#[rocket::async_trait]
impl Fairing for AuthFairing {
    fn info(&self) -> Info {
        Info {
            name: "auth-rocket",
            kind: Kind::Ignite | Kind::Response | Kind::Singleton,
        }
    }

    async fn on_ignite(&self, rocket: Rocket<Build>) -> fairing::Result {
        Ok(rocket.manage(self.auth.clone()).register("/", catchers()))
    }

    async fn on_response<'r>(&self, request: &'r Request<'_>, response: &mut Response<'r>) {
        if let Some(refusal) = rejection::standing(request) {
            *response = refusal.response();
        }
    }
}
