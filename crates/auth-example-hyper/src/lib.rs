//! # auth-example-hyper
//!
//! `auth-core` and `auth-store` in an app on plain hyper, with no adapter:
//! the example of `docs/embedding.md`, tested over real HTTP by
//! `tests/http.rs`. Everything that decides (what a cookie or a token is
//! worth, the CSRF check, every refusal's status, headers and JSON body) is
//! the core's; this file only moves bytes between hyper and the core.
//!
//! | route | what it does |
//! |---|---|
//! | `GET /session/csrf` | a pre-session CSRF token, in a cookie and in the body, for the login |
//! | `POST /session/login` | `{"username","password"}`, CSRF-checked: the session and CSRF cookies |
//! | `GET /session/me` | the session's user and roles, or 401 |
//! | `POST /session/logout` | ends the session (CSRF-checked) and clears its cookies |
//! | `POST /token` | `{"username","password"}`: an HS256 access token and a refresh token |
//! | `POST /token/refresh` | `{"refresh_token"}`: the next pair (the presented token is consumed) |
//! | `GET /api/me` | the Bearer token's user and roles, or 401 with the RFC 6750 challenge |
//!
//! Run it with `cargo run -p auth-example-hyper` (it listens on
//! `127.0.0.1:3001`; the user is `alice` / `correct horse battery staple`).

#![forbid(unsafe_code)]

/// The guide (`docs/embedding.md`), whose examples run as doc tests here.
#[cfg(doctest)]
#[doc = include_str!("../../../docs/embedding.md")]
pub struct GuideDoctests;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use auth_core::http::{
    CookieConfig, CookieSession, CsrfHeaders, HttpConfig, Rejection, Via, authenticate_cookie,
    bearer, csrf,
};
use auth_core::password::{PasswordHasher, PasswordLogin, PasswordParams};
use auth_core::session::{ActiveSession, SessionConfig, SessionManager, SessionMeta};
use auth_core::throttle::ThrottleConfig;
use auth_core::tokens::{Access, TokenConfig, TokenPair, TokenService};
use auth_core::{Error, KeySet, SigningKey, SystemClock};
use auth_store::MemoryStore;
use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{AUTHORIZATION, COOKIE, HOST, HeaderMap, HeaderValue, ORIGIN, USER_AGENT};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Method, Request, Response, StatusCode};
use hyper_util::rt::TokioIo;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use tokio::net::TcpListener;
use zeroize::{Zeroize, Zeroizing};

/// The store behind every service: one [`MemoryStore`] keeps the sessions,
/// the token families and the failed-login counts.
pub type Store = Arc<MemoryStore>;

/// The issuer of the access tokens, and the one they are verified against.
pub const ISSUER: &str = "https://auth.example";
/// The audience of the access tokens.
pub const AUDIENCE: &str = "api";
/// The realm of the Bearer challenges.
pub const REALM: &str = "example";

/// The largest request body read; more is refused.
const MAX_BODY: usize = 4096;

/// A response, as hyper writes it.
type Reply = Response<Full<Bytes>>;

/// One account: the name, the Argon2id PHC string of its password, and its
/// roles.
struct Account {
    name: String,
    phc: String,
    roles: Vec<String>,
}

/// The app: configured once, shared by every connection (behind an `Arc`).
/// Each service reads the time from the clock it was given once
/// (`with_clock(SystemClock)`), so no handler carries a clock.
pub struct App {
    http: HttpConfig,
    sessions: SessionManager<Store, SystemClock>,
    tokens: TokenService<Store, SystemClock>,
    logins: PasswordLogin<Store>,
    accounts: Vec<Account>,
}

/// A login request's body. The password is wiped when it is dropped, and
/// the type has no `Debug`.
#[derive(Deserialize)]
struct LoginForm {
    username: String,
    password: String,
}

impl Drop for LoginForm {
    fn drop(&mut self) {
        self.password.zeroize();
    }
}

/// A refresh request's body.
#[derive(Deserialize)]
struct RefreshForm {
    refresh_token: String,
}

impl Drop for RefreshForm {
    fn drop(&mut self) {
        self.refresh_token.zeroize();
    }
}

/// The application's own claims in an access token.
#[derive(Deserialize)]
struct Roles {
    roles: Vec<String>,
}

impl App {
    /// The app over `store`, signing access tokens with `key` (HS256 in
    /// `main`) and hashing passwords with `params`
    /// ([`PasswordParams::default`], OWASP's minimum, in production).
    pub fn new(store: Store, key: SigningKey, params: PasswordParams) -> Result<Self, Error> {
        let session_config = SessionConfig::new();
        let cookies = CookieConfig::new(session_config.absolute_timeout);
        let mut keys = KeySet::new();
        keys.set_signing_key(key)?;
        Ok(Self {
            http: HttpConfig::new(REALM, cookies)?,
            sessions: SessionManager::new(Arc::clone(&store), session_config)
                .with_clock(SystemClock),
            tokens: TokenService::new(
                keys,
                TokenConfig::new(ISSUER, AUDIENCE),
                Arc::clone(&store),
            )?
            .with_clock(SystemClock),
            logins: PasswordLogin::new(store, PasswordHasher::new(params)?, ThrottleConfig::new()),
            accounts: Vec::new(),
        })
    }

    /// Adds an account with its password (hashed here) and roles.
    pub fn add_user(&mut self, name: &str, password: &[u8], roles: &[&str]) -> Result<(), Error> {
        self.accounts.push(Account {
            name: name.into(),
            phc: self.logins.hasher().hash(password)?,
            roles: roles.iter().map(|&r| r.into()).collect(),
        });
        Ok(())
    }

    /// Answers one request. `peer` is the client's address (for login
    /// throttling and the session's metadata).
    pub async fn handle(&self, request: Request<Incoming>, peer: SocketAddr) -> Reply {
        let (parts, body) = request.into_parts();
        let headers = &parts.headers;
        let method = parts.method.as_str();
        let result = match (&parts.method, parts.uri.path()) {
            (&Method::GET, "/session/csrf") => self.login_csrf(),
            (&Method::POST, "/session/login") => {
                self.session_login(method, headers, body, peer).await
            }
            (&Method::GET, "/session/me") => self.session_me(headers).await,
            (&Method::POST, "/session/logout") => self.session_logout(method, headers).await,
            (&Method::POST, "/token") => self.token(body, peer).await,
            (&Method::POST, "/token/refresh") => self.token_refresh(body).await,
            (&Method::GET, "/api/me") => self.api_me(headers, parts.uri.query()).await,
            _ => Err(Rejection::not_found()),
        };
        result.unwrap_or_else(|rejection| self.reject(&rejection))
    }

    /// A refusal, written exactly as the core rendered it: status, headers
    /// (`WWW-Authenticate`, `Retry-After`, cookies to clear) and the JSON
    /// body. The server's own failures (5xx) name their cause for the log;
    /// the client gets only the generic message.
    fn reject(&self, rejection: &Rejection) -> Reply {
        if let Some(cause) = rejection.cause() {
            eprintln!("refused with {}: {cause}", rejection.status());
        }
        let rendered = rejection.render(&self.http);
        let mut response = Response::new(Full::from(rendered.body));
        *response.status_mut() =
            StatusCode::from_u16(rendered.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        for (name, value) in rendered.headers {
            if let Ok(value) = HeaderValue::try_from(value) {
                response.headers_mut().append(name, value);
            }
        }
        response
    }

    /// `GET /session/csrf`: a pre-session CSRF token in the readable CSRF
    /// cookie, and in the body for the page that will echo it.
    fn login_csrf(&self) -> Result<Reply, Rejection> {
        let token = csrf::new_token().map_err(|e| Rejection::from_error(&e, Via::Body))?;
        let cookie = self.http.cookies().csrf_cookie(&token);
        Ok(reply(
            StatusCode::OK,
            &json!({ "csrf_token": token }),
            &[cookie.as_str()],
        ))
    }

    /// `POST /session/login`.
    async fn session_login(
        &self,
        method: &str,
        headers: &HeaderMap,
        body: Incoming,
        peer: SocketAddr,
    ) -> Result<Reply, Rejection> {
        let cookies = all(headers, COOKIE);
        self.http
            .check_login_csrf(method, csrf_headers(headers), &cookies)?;
        let form: LoginForm = read_json(body).await?;
        let now = self.sessions.now();
        // The ticket before the password check: a "log out everywhere"
        // in between makes the login fail with `stale_login`.
        let ticket = self
            .sessions
            .begin_login(&form.username, now)
            .await
            .map_err(via_body)?;
        let account = self.check_password(&form, peer, now).await?;
        let mut data = Map::new();
        data.insert("roles".into(), json!(account.roles));
        let meta = SessionMeta::new(
            one(headers, USER_AGENT.as_str()).and_then(|v| std::str::from_utf8(v).ok()),
            Some(&peer.ip().to_string()),
        );
        // The session the request came with, if any, is ended (fixation).
        let presented = self.http.cookies().find_session(&cookies)?;
        let new = self
            .sessions
            .login_with_data(ticket, presented, meta, data, now)
            .await
            .map_err(via_body)?;
        // Written straight from the ID into a buffer that is wiped on drop.
        let session_cookie = self.http.cookies().set_session(&new.id);
        let csrf_cookie = self.http.cookies().csrf_cookie(new.record.csrf_token());
        Ok(reply(
            StatusCode::OK,
            &json!({ "user": account.name, "csrf_token": new.record.csrf_token() }),
            &[session_cookie.as_str(), csrf_cookie.as_str()],
        ))
    }

    /// The request's session, or the core's refusal (401, clearing a
    /// cookie that names no live session; 400 for a malformed `Cookie`
    /// header; 503 when the store is down).
    async fn session(&self, headers: &HeaderMap) -> Result<ActiveSession, Rejection> {
        let cookies = all(headers, COOKIE);
        let now = self.sessions.now();
        match authenticate_cookie(&self.sessions, self.http.cookies(), &cookies, now).await? {
            CookieSession::Active(session) => Ok(session),
            none => Err(none
                .rejection(false)
                .unwrap_or_else(|| Rejection::unauthenticated(false, false))),
        }
    }

    /// `GET /session/me`.
    async fn session_me(&self, headers: &HeaderMap) -> Result<Reply, Rejection> {
        let session = self.session(headers).await?;
        let roles = session.record.data().get("roles").cloned();
        Ok(reply(
            StatusCode::OK,
            &json!({ "user": session.record.user_id, "roles": roles }),
            &[],
        ))
    }

    /// `POST /session/logout`: CSRF-checked against the session's own
    /// token, then the session ends and both cookies are cleared.
    async fn session_logout(&self, method: &str, headers: &HeaderMap) -> Result<Reply, Rejection> {
        let session = self.session(headers).await?;
        self.http
            .check_csrf(method, csrf_headers(headers), session.record.csrf_token())?;
        self.sessions
            .logout_session(&session)
            .await
            .map_err(|e| Rejection::from_error(&e, Via::Cookie))?;
        let [clear_session, clear_csrf] = self.http.cookies().clear();
        Ok(reply(
            StatusCode::OK,
            &json!({ "logged_out": true }),
            &[clear_session.as_str(), clear_csrf.as_str()],
        ))
    }

    /// `POST /token`: a password login that gives a token pair.
    async fn token(&self, body: Incoming, peer: SocketAddr) -> Result<Reply, Rejection> {
        let form: LoginForm = read_json(body).await?;
        let now = self.tokens.now();
        let ticket = self
            .tokens
            .begin_login(&form.username, now)
            .await
            .map_err(via_body)?;
        let account = self.check_password(&form, peer, now).await?;
        let pair = self
            .tokens
            .issue(ticket, &json!({ "roles": account.roles }), now)
            .await
            .map_err(via_body)?;
        Ok(pair_reply(&pair))
    }

    /// `POST /token/refresh`.
    async fn token_refresh(&self, body: Incoming) -> Result<Reply, Rejection> {
        let form: RefreshForm = read_json(body).await?;
        let pair = self
            .tokens
            .refresh(&form.refresh_token, self.tokens.now())
            .await
            .map_err(via_body)?;
        Ok(pair_reply(&pair))
    }

    /// `GET /api/me`: the Bearer token, verified and checked against the
    /// store for revocation.
    async fn api_me(&self, headers: &HeaderMap, query: Option<&str>) -> Result<Reply, Rejection> {
        let token = bearer(&all(headers, AUTHORIZATION), query)?
            .ok_or_else(|| Rejection::unauthenticated(true, false))?;
        let access: Access<Roles> = self
            .tokens
            .authenticate(token, self.tokens.now())
            .await
            .map_err(|e| Rejection::from_error(&e, Via::Bearer))?;
        Ok(reply(
            StatusCode::OK,
            &json!({ "user": access.user_id, "roles": access.claims.roles }),
            &[],
        ))
    }

    /// The throttled password check: the same answer, and the same cost,
    /// for a wrong password and an unknown account.
    async fn check_password(
        &self,
        form: &LoginForm,
        peer: SocketAddr,
        now: u64,
    ) -> Result<&Account, Rejection> {
        let account = self.accounts.iter().find(|a| a.name == form.username);
        self.logins
            .check(
                &form.username,
                &peer.ip().to_string(),
                account.map(|a| a.phc.as_str()),
                form.password.as_bytes(),
                now,
            )
            .await
            .map_err(via_body)?;
        account.ok_or_else(|| via_body(Error::InvalidCredentials))
    }
}

/// Serves `app` on `listener` until the process ends, one task per
/// connection (HTTP/1.1).
pub async fn serve(app: Arc<App>, listener: TcpListener) {
    loop {
        let (stream, peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(e) => {
                // Out of file descriptors, say: wait, and keep serving.
                eprintln!("accept failed: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let app = Arc::clone(&app);
        tokio::spawn(async move {
            let service = service_fn(move |request| {
                let app = Arc::clone(&app);
                async move { Ok::<_, Infallible>(app.handle(request, peer).await) }
            });
            if let Err(e) = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await
            {
                eprintln!("connection from {peer}: {e}");
            }
        });
    }
}

/// An error in a login, refresh or logout call's body (`Via::Body`: a
/// malformed body is 400, a failed login 401 without a challenge).
fn via_body(error: Error) -> Rejection {
    Rejection::from_error(&error, Via::Body)
}

/// Every value of the header `name`, as sent.
fn all(headers: &HeaderMap, name: impl hyper::header::AsHeaderName) -> Vec<&[u8]> {
    headers
        .get_all(name)
        .iter()
        .map(HeaderValue::as_bytes)
        .collect()
}

/// The value of the header `name`, if the request has one.
fn one<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a [u8]> {
    headers.get(name).map(HeaderValue::as_bytes)
}

/// What the CSRF check reads.
fn csrf_headers(headers: &HeaderMap) -> CsrfHeaders<'_> {
    CsrfHeaders {
        sec_fetch_site: one(headers, "sec-fetch-site"),
        origin: one(headers, ORIGIN.as_str()),
        host: one(headers, HOST.as_str()),
        csrf_token: one(headers, csrf::CSRF_HEADER),
    }
}

/// A JSON request body of at most [`MAX_BODY`] bytes, read into a buffer
/// that is wiped afterwards (it may hold a password); anything else is
/// 400 `invalid_request`.
async fn read_json<T: serde::de::DeserializeOwned>(body: Incoming) -> Result<T, Rejection> {
    let bytes = Limited::new(body, MAX_BODY)
        .collect()
        .await
        .map_err(|_| Rejection::invalid_request("the body is too large or unreadable", false))?
        .to_bytes();
    let bytes = Zeroizing::new(Vec::from(bytes));
    serde_json::from_slice(&bytes)
        .map_err(|_| Rejection::invalid_request("the body is not the expected JSON", false))
}

/// A JSON reply that no cache keeps, with `set_cookies` as `Set-Cookie`
/// headers.
fn reply(status: StatusCode, body: &Value, set_cookies: &[&str]) -> Reply {
    let mut response = Response::new(Full::from(body.to_string()));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("cache-control", HeaderValue::from_static("no-store"));
    for cookie in set_cookies {
        if let Ok(value) = HeaderValue::from_str(cookie) {
            headers.append("set-cookie", value);
        }
    }
    response
}

/// A token pair as the OAuth 2.0 token response (RFC 6749 section 5.1).
fn pair_reply(pair: &TokenPair) -> Reply {
    reply(
        StatusCode::OK,
        &json!({
            "access_token": pair.access_token,
            "token_type": "Bearer",
            "expires_in": pair.expires_in,
            "refresh_token": &*pair.refresh_token.expose(),
        }),
        &[],
    )
}
