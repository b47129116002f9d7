//! The demo's HTTP contract on Rocket: the same routes and answers as
//! `routes.rs` on Axum, through auth-rocket's guards. The handlers only
//! call the core and the shared bodies ([`crate::bodies`]).

use std::io::Cursor;
use std::net::SocketAddr;

use auth_core::Error;
use auth_core::http::Via;
use auth_core::tokens::TokenPair;
use auth_rocket::{
    Auth, AuthRejection, Bearer, ClearSession, CookieChange, JsonBody, LoginRequest, RequireRole,
    Role, Session, WithCookies,
};
use rocket::fairing::AdHoc;
use rocket::http::Status;
use rocket::http::uri::Origin;
use rocket::request::{FromRequest, Outcome, Request};
use rocket::response::{self, Responder, Response};
use rocket::{Build, Rocket, State, delete, get, post, routes};
use serde_json::Value;

use crate::bodies::{self, Credentials, DemoClaims, PAGE_HEADERS, RefreshBody};
use crate::{DemoUser, Health, Users};

/// The demo's own state next to the adapter's [`Auth`].
pub(crate) struct DemoState {
    pub(crate) users: Users,
    pub(crate) jwks: String,
    pub(crate) health: Health,
}

/// The app: routes, the adapter's fairing (its state, catchers and the
/// check on the way out), and the demo's state.
pub(crate) fn rocket(auth: &Auth, state: DemoState) -> Rocket<Build> {
    rocket::custom(rocket::Config::default())
        // Rocket's Shield adds headers the contract does not name; the
        // page sets its own.
        .attach(rocket::shield::Shield::new())
        .attach(auth.fairing())
        .attach(AdHoc::on_request("one path per route", |request, _| {
            Box::pin(async move { no_trailing_slash(request) })
        }))
        .manage(state)
        .mount(
            "/",
            routes![
                page,
                script,
                healthz,
                session_login,
                session_me,
                session_list,
                session_delete,
                session_logout,
                session_logout_all,
                jwt_login,
                jwt_me,
                jwt_refresh,
                jwt_logout,
                jwt_logout_all,
                jwks,
                admin_only,
            ],
        )
}

/// Rocket 0.5 routes `/healthz/` to `/healthz`; the contract has one path
/// per route (Axum: anything else is 404), so such a request is sent to a
/// path no route has.
fn no_trailing_slash(request: &mut Request<'_>) {
    let path = request.uri().path();
    if path.as_str().len() > 1 && path.as_str().ends_with('/') {
        request.set_uri(Origin::const_new("/-/no-route", None));
    }
}

/// A response of status, headers and body, written as given.
struct Raw {
    status: Status,
    headers: Vec<(&'static str, &'static str)>,
    body: Vec<u8>,
}

impl<'r> Responder<'r, 'static> for Raw {
    fn respond_to(self, _: &'r Request<'_>) -> response::Result<'static> {
        let mut response = Response::new();
        response.set_status(self.status);
        for (name, value) in self.headers {
            response.set_raw_header(name, value);
        }
        if self.status != Status::NoContent {
            response.set_sized_body(self.body.len(), Cursor::new(self.body));
        }
        Ok(response)
    }
}

/// A JSON answer that must not be cached (it shows a credential's user).
fn private_body(body: Vec<u8>) -> Raw {
    Raw {
        status: Status::Ok,
        headers: vec![
            ("cache-control", "no-store"),
            ("content-type", "application/json"),
        ],
        body,
    }
}

fn private_json(value: &Value) -> Raw {
    private_body(value.to_string().into_bytes())
}

fn no_content() -> Raw {
    Raw {
        status: Status::NoContent,
        headers: Vec::new(),
        body: Vec::new(),
    }
}

type Answer = Result<Raw, AuthRejection>;

/// The user behind an authenticated id; a user removed since login is a
/// server-side inconsistency (500), never a made-up identity.
fn known<'a>(auth: &Auth, state: &'a DemoState, id: &str) -> Result<&'a DemoUser, AuthRejection> {
    state.users.by_id(id).ok_or_else(|| {
        auth.error(
            &Error::Misuse("an authenticated user is not in the users table"),
            Via::Body,
        )
    })
}

/// The throttled password check, as on Axum.
async fn check_password<'a>(
    auth: &Auth,
    state: &'a DemoState,
    address: &str,
    credentials: &Credentials,
) -> Result<Option<&'a DemoUser>, AuthRejection> {
    let user = state.users.by_name(&credentials.username);
    auth.check_password(
        &credentials.username,
        address,
        user.map(|u| u.hash.as_str()),
        credentials.password.as_bytes(),
    )
    .await?;
    Ok(user)
}

/// Whether the request already has a CSRF cookie (a malformed `Cookie`
/// header is refused as everywhere else).
struct HasCsrfCookie(bool);

#[rocket::async_trait]
impl<'r> FromRequest<'r> for HasCsrfCookie {
    type Error = AuthRejection;

    async fn from_request(request: &'r Request<'_>) -> Outcome<Self, AuthRejection> {
        let Some(auth) = request.rocket().state::<Auth>() else {
            return Outcome::Forward(Status::InternalServerError);
        };
        let cookies: Vec<&[u8]> = request.headers().get("cookie").map(str::as_bytes).collect();
        match auth.http().cookies().find_csrf(&cookies) {
            Ok(found) => Outcome::Success(Self(found.is_some())),
            Err(rejection) => {
                let refused = auth.refuse(&rejection);
                Outcome::Error((Status::new(refused.status()), refused))
            }
        }
    }
}

fn page_answer(body: String, content_type: &'static str) -> Raw {
    let mut headers = PAGE_HEADERS.to_vec();
    headers.push(("content-type", content_type));
    Raw {
        status: Status::Ok,
        headers,
        body: body.into_bytes(),
    }
}

#[get("/")]
fn page(
    auth: &State<Auth>,
    has_csrf: Result<HasCsrfCookie, AuthRejection>,
) -> Result<Result<WithCookies<Raw>, Raw>, AuthRejection> {
    let HasCsrfCookie(has_csrf) = has_csrf?;
    let html = page_answer(
        bodies::page(auth.http().cookies().csrf_name()),
        bodies::HTML,
    );
    if has_csrf {
        Ok(Err(html))
    } else {
        // A visitor without a CSRF cookie gets a pre-session one, for the
        // login form to echo.
        Ok(Ok(auth.login_csrf_cookie()?.to(html)))
    }
}

#[get("/app.js")]
fn script() -> Raw {
    page_answer(bodies::SCRIPT.into(), bodies::JAVASCRIPT)
}

#[get("/healthz")]
async fn healthz(auth: &State<Auth>, state: &State<DemoState>) -> Answer {
    state
        .health
        .check()
        .await
        .map_err(|e| auth.error(&e, Via::Body))?;
    Ok(private_json(&bodies::health()))
}

#[post("/session/login", data = "<credentials>")]
async fn session_login(
    auth: &State<Auth>,
    state: &State<DemoState>,
    login: LoginRequest,
    credentials: JsonBody<Credentials>,
) -> Result<WithCookies<Raw>, AuthRejection> {
    let JsonBody(credentials) = credentials;
    // The ticket before the password check, as on Axum.
    let ticket = auth.begin_session_login(&credentials.username).await?;
    let user = check_password(auth, state, &login.address, &credentials).await?;
    let Some(user) = user else {
        return Err(auth.error(&Error::InvalidCredentials, Via::Body));
    };
    let cookies = auth.login_session(&login, ticket, user.claims()).await?;
    Ok(cookies.to(private_json(&bodies::logged_in(user))))
}

#[get("/session/me")]
fn session_me(auth: &State<Auth>, state: &State<DemoState>, session: Session) -> Answer {
    let user = known(auth, state, session.user_id())?;
    Ok(private_body(user.me_body().to_vec()))
}

#[get("/session/sessions")]
async fn session_list(auth: &State<Auth>, session: Session) -> Answer {
    let list = auth
        .sessions()?
        .list(session.user_id(), auth.now())
        .await
        .map_err(|e| auth.error(&e, Via::Cookie))?;
    Ok(private_json(&bodies::session_list(
        &list,
        &session.handle(),
    )))
}

#[delete("/session/sessions/<handle>")]
async fn session_delete(auth: &State<Auth>, session: Session, handle: &str) -> Answer {
    let ended = auth
        .sessions()?
        .destroy_by_handle(session.user_id(), handle, auth.now())
        .await
        .map_err(|e| auth.error(&e, Via::Cookie))?;
    if ended {
        Ok(no_content())
    } else {
        Err(auth.not_found())
    }
}

#[post("/session/logout")]
async fn session_logout(
    auth: &State<Auth>,
    session: Session,
) -> Result<WithCookies<Raw>, AuthRejection> {
    let cleared = auth.logout_session(&session).await?;
    Ok(cleared.to(no_content()))
}

#[post("/session/logout-all")]
async fn session_logout_all(
    auth: &State<Auth>,
    session: Session,
) -> Result<WithCookies<Raw>, AuthRejection> {
    auth.sessions()?
        .destroy_all(session.user_id(), auth.now())
        .await
        .map_err(|e| auth.error(&e, Via::Cookie))?;
    Ok(ClearSession::new(auth.http().cookies()).to(no_content()))
}

fn pair_json(pair: &TokenPair) -> Raw {
    private_json(&bodies::pair(pair))
}

#[post("/jwt/login", data = "<credentials>")]
async fn jwt_login(
    auth: &State<Auth>,
    state: &State<DemoState>,
    peer: SocketAddr,
    credentials: JsonBody<Credentials>,
) -> Answer {
    let JsonBody(credentials) = credentials;
    let tokens = auth.tokens()?;
    let ticket = tokens
        .begin_login(&credentials.username, auth.now())
        .await
        .map_err(|e| auth.error(&e, Via::Body))?;
    let user = check_password(auth, state, &peer.ip().to_string(), &credentials).await?;
    let Some(user) = user else {
        return Err(auth.error(&Error::InvalidCredentials, Via::Body));
    };
    let pair = tokens
        .issue(ticket, &user.claims(), auth.now())
        .await
        .map_err(|e| auth.error(&e, Via::Body))?;
    Ok(pair_json(&pair))
}

#[get("/jwt/me")]
fn jwt_me(auth: &State<Auth>, state: &State<DemoState>, bearer: Bearer<DemoClaims>) -> Answer {
    let access = &bearer.access;
    let user = known(auth, state, &access.user_id)?;
    let body = bodies::jwt_me(user, access).map_err(|_| {
        auth.error(
            &Error::Misuse("the /jwt/me body does not serialize"),
            Via::Bearer,
        )
    })?;
    Ok(private_body(body))
}

#[post("/jwt/refresh", data = "<body>")]
async fn jwt_refresh(auth: &State<Auth>, body: JsonBody<RefreshBody>) -> Answer {
    let pair = auth
        .tokens()?
        .refresh(&body.0.refresh_token, auth.now())
        .await
        .map_err(|e| auth.error(&e, Via::Body))?;
    Ok(pair_json(&pair))
}

#[post("/jwt/logout", data = "<body>")]
async fn jwt_logout(auth: &State<Auth>, bearer: Bearer, body: JsonBody<RefreshBody>) -> Answer {
    let tokens = auth.tokens()?;
    let now = auth.now();
    tokens
        .logout_access(&bearer.access, now)
        .await
        .map_err(|e| auth.error(&e, Via::Bearer))?;
    // As on Axum: a refresh token that was already dead leaves nothing to
    // do.
    match tokens.logout_refresh(&body.0.refresh_token, now).await {
        Ok(())
        | Err(Error::UnknownRefresh | Error::RefreshReused { .. } | Error::NotRefreshToken) => {
            Ok(no_content())
        }
        Err(e) => Err(auth.error(&e, Via::Body)),
    }
}

#[post("/jwt/logout-all")]
async fn jwt_logout_all(auth: &State<Auth>, bearer: Bearer) -> Answer {
    auth.tokens()?
        .revoke_all(&bearer.access.user_id, auth.now())
        .await
        .map_err(|e| auth.error(&e, Via::Bearer))?;
    Ok(no_content())
}

#[get("/.well-known/jwks.json")]
fn jwks(state: &State<DemoState>) -> Raw {
    Raw {
        status: Status::Ok,
        headers: vec![
            ("content-type", "application/json"),
            ("cache-control", "public, max-age=300"),
        ],
        body: state.jwks.clone().into_bytes(),
    }
}

/// The role `/admin` requires.
struct Admin;

impl Role for Admin {
    const NAME: &'static str = "admin";
}

#[get("/admin")]
fn admin_only(auth: &State<Auth>, state: &State<DemoState>, user: RequireRole<Admin>) -> Answer {
    let known = known(auth, state, &user.id)?;
    Ok(private_json(&bodies::admin(known)))
}
