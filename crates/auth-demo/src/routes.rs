//! The demo's HTTP contract (docs/axum.md): every route and its answers.

use std::net::SocketAddr;

use auth_axum::{
    Auth, AuthRejection, Bearer, ClearSession, JsonBody, LoginRequest, RequireRole, Session, User,
};
use auth_core::Error;
use auth_core::http::Via;
use auth_core::tokens::TokenPair;
use axum::Router;
use axum::body::Bytes;
use axum::extract::rejection::PathRejection;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE, COOKIE};
use axum::http::{HeaderMap, HeaderName, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::Value;

use crate::bodies::{self, Credentials, DemoClaims, PAGE_HEADERS, RefreshBody};
use crate::{AppState, DemoUser};

/// The page's security headers ([`bodies::PAGE_HEADERS`]).
fn page_headers() -> [(HeaderName, &'static str); 4] {
    PAGE_HEADERS.map(|(name, value)| (HeaderName::from_static(name), value))
}

pub(crate) fn router(state: AppState) -> Router {
    let admin = RequireRole::new(&state.auth, "admin");
    let routes = Router::new()
        .route("/", get(page))
        .route("/app.js", get(script))
        .route("/healthz", get(healthz))
        .route("/session/login", post(session_login))
        .route("/session/me", get(session_me))
        .route("/session/sessions", get(session_list))
        .route("/session/sessions/{handle}", delete(session_delete))
        .route("/session/logout", post(session_logout))
        .route("/session/logout-all", post(session_logout_all))
        .route("/jwt/login", post(jwt_login))
        .route("/jwt/me", get(jwt_me))
        .route("/jwt/refresh", post(jwt_refresh))
        .route("/jwt/logout", post(jwt_logout))
        .route("/jwt/logout-all", post(jwt_logout_all))
        .route("/.well-known/jwks.json", get(jwks))
        .route("/admin", get(admin_only).route_layer(admin))
        .fallback(not_found)
        // A known path with another method is "anything else" too: 404
        // as JSON (Axum's own 405 has no body), as on Rocket.
        .method_not_allowed_fallback(not_found)
        .with_state(state);
    // Axum adds `Allow` to that 404 after every layer of the router, so
    // it is taken off outside.
    Router::new()
        .fallback_service(routes)
        .layer(axum::middleware::map_response(no_allow_on_404))
}

type Answer = Result<Response, AuthRejection>;

/// A JSON answer that must not be cached (it shows a credential's user).
fn private_json(value: &Value) -> Response {
    private_body(value.to_string().into())
}

/// [`private_json`] for a body already serialized.
fn private_body(body: Bytes) -> Response {
    (
        [
            (CACHE_CONTROL, "no-store"),
            (CONTENT_TYPE, "application/json"),
        ],
        body,
    )
        .into_response()
}

/// The user behind an authenticated id; a user removed since login is a
/// server-side inconsistency (500), never a made-up identity.
fn known<'a>(state: &'a AppState, id: &str) -> Result<&'a DemoUser, AuthRejection> {
    state.users.by_id(id).ok_or_else(|| {
        state.auth.error(
            &Error::Misuse("an authenticated user is not in the users table"),
            Via::Body,
        )
    })
}

/// The throttled password check for `credentials` from `address`: the
/// user on success; 401 `invalid_credentials` alike for an unknown user
/// and a wrong password.
async fn check_password<'a>(
    state: &'a AppState,
    address: &str,
    credentials: &Credentials,
) -> Result<Option<&'a DemoUser>, AuthRejection> {
    let user = state.users.by_name(&credentials.username);
    state
        .auth
        .check_password(
            &credentials.username,
            address,
            user.map(|u| u.hash.as_str()),
            credentials.password.as_bytes(),
        )
        .await?;
    Ok(user)
}

async fn page(State(state): State<AppState>, headers: HeaderMap) -> Answer {
    let auth = &state.auth;
    let cookies: Vec<&[u8]> = headers
        .get_all(COOKIE)
        .iter()
        .map(axum::http::HeaderValue::as_bytes)
        .collect();
    let has_csrf = auth
        .http()
        .cookies()
        .find_csrf(&cookies)
        .map_err(|r| auth.refuse(&r))?
        .is_some();
    let html = (
        page_headers(),
        [(CONTENT_TYPE, bodies::HTML)],
        bodies::page(auth.http().cookies().csrf_name()),
    );
    if has_csrf {
        Ok(html.into_response())
    } else {
        // A visitor without a CSRF cookie gets a pre-session one, for the
        // login form to echo.
        Ok((auth.login_csrf_cookie()?, html).into_response())
    }
}

async fn script() -> Response {
    (
        page_headers(),
        [(CONTENT_TYPE, bodies::JAVASCRIPT)],
        bodies::SCRIPT,
    )
        .into_response()
}

async fn healthz(State(state): State<AppState>) -> Answer {
    state
        .health
        .check()
        .await
        .map_err(|e| state.auth.error(&e, Via::Body))?;
    Ok(private_json(&bodies::health()))
}

async fn session_login(
    State(state): State<AppState>,
    login: LoginRequest,
    JsonBody(credentials): JsonBody<Credentials>,
) -> Answer {
    // The ticket before the password check: a "log out everywhere" in
    // between defeats this login. Taken for unknown names too, so that
    // both cost the same.
    let ticket = state
        .auth
        .begin_session_login(&credentials.username)
        .await?;
    let user = check_password(&state, &login.address, &credentials).await?;
    let Some(user) = user else {
        // check_password refuses unknown users; this cannot be reached.
        return Err(state.auth.error(&Error::InvalidCredentials, Via::Body));
    };
    let cookies = state
        .auth
        .login_session(&login, ticket, user.claims())
        .await?;
    Ok((cookies, private_json(&bodies::logged_in(user))).into_response())
}

async fn session_me(State(state): State<AppState>, session: Session) -> Answer {
    let user = known(&state, session.user_id())?;
    Ok(private_body(user.me_body()))
}

async fn session_list(State(state): State<AppState>, session: Session) -> Answer {
    let auth = &state.auth;
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

async fn session_delete(
    State(state): State<AppState>,
    session: Session,
    handle: Result<Path<String>, PathRejection>,
) -> Answer {
    let auth = &state.auth;
    // A path that does not decode (not UTF-8) names no session either.
    let Ok(Path(handle)) = handle else {
        return Err(auth.not_found());
    };
    let ended = auth
        .sessions()?
        .destroy_by_handle(session.user_id(), &handle, auth.now())
        .await
        .map_err(|e| auth.error(&e, Via::Cookie))?;
    if ended {
        Ok(StatusCode::NO_CONTENT.into_response())
    } else {
        Err(auth.not_found())
    }
}

async fn session_logout(State(state): State<AppState>, session: Session) -> Answer {
    let cleared = state.auth.logout_session(&session).await?;
    Ok((StatusCode::NO_CONTENT, cleared, ()).into_response())
}

async fn session_logout_all(State(state): State<AppState>, session: Session) -> Answer {
    let auth = &state.auth;
    auth.sessions()?
        .destroy_all(session.user_id(), auth.now())
        .await
        .map_err(|e| auth.error(&e, Via::Cookie))?;
    let cleared = ClearSession::new(auth.http().cookies());
    Ok((StatusCode::NO_CONTENT, cleared, ()).into_response())
}

fn pair_json(pair: &TokenPair) -> Response {
    private_json(&bodies::pair(pair))
}

async fn jwt_login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    JsonBody(credentials): JsonBody<Credentials>,
) -> Answer {
    let auth = &state.auth;
    let tokens = auth.tokens()?;
    let ticket = tokens
        .begin_login(&credentials.username, auth.now())
        .await
        .map_err(|e| auth.error(&e, Via::Body))?;
    let user = check_password(&state, &peer.ip().to_string(), &credentials).await?;
    let Some(user) = user else {
        return Err(auth.error(&Error::InvalidCredentials, Via::Body));
    };
    let pair = tokens
        .issue(ticket, &user.claims(), auth.now())
        .await
        .map_err(|e| auth.error(&e, Via::Body))?;
    Ok(pair_json(&pair))
}

async fn jwt_me(State(state): State<AppState>, bearer: Bearer<DemoClaims>) -> Answer {
    let access = &bearer.access;
    let user = known(&state, &access.user_id)?;
    let body = bodies::jwt_me(user, access).map_err(|_| {
        state.auth.error(
            &Error::Misuse("the /jwt/me body does not serialize"),
            Via::Bearer,
        )
    })?;
    Ok(private_body(body.into()))
}

async fn jwt_refresh(
    State(state): State<AppState>,
    JsonBody(body): JsonBody<RefreshBody>,
) -> Answer {
    let auth = &state.auth;
    let pair = auth
        .tokens()?
        .refresh(&body.refresh_token, auth.now())
        .await
        .map_err(|e| auth.error(&e, Via::Body))?;
    Ok(pair_json(&pair))
}

async fn jwt_logout(
    State(state): State<AppState>,
    bearer: Bearer,
    JsonBody(body): JsonBody<RefreshBody>,
) -> Answer {
    let auth = &state.auth;
    let tokens = auth.tokens()?;
    let now = auth.now();
    tokens
        .logout_access(&bearer.access, now)
        .await
        .map_err(|e| auth.error(&e, Via::Bearer))?;
    // The refresh token of the same login ended with it; one of another
    // login ends too. A token that was already dead (or is not a refresh
    // token at all) leaves nothing to do.
    match tokens.logout_refresh(&body.refresh_token, now).await {
        Ok(())
        | Err(Error::UnknownRefresh | Error::RefreshReused { .. } | Error::NotRefreshToken) => {
            Ok(StatusCode::NO_CONTENT.into_response())
        }
        Err(e) => Err(auth.error(&e, Via::Body)),
    }
}

async fn jwt_logout_all(State(state): State<AppState>, bearer: Bearer) -> Answer {
    let auth = &state.auth;
    auth.tokens()?
        .revoke_all(&bearer.access.user_id, auth.now())
        .await
        .map_err(|e| auth.error(&e, Via::Bearer))?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

async fn jwks(State(state): State<AppState>) -> Response {
    (
        [
            (CONTENT_TYPE, "application/json"),
            (CACHE_CONTROL, "public, max-age=300"),
        ],
        state.jwks.to_string(),
    )
        .into_response()
}

async fn admin_only(State(state): State<AppState>, user: User) -> Answer {
    let known = known(&state, &user.id)?;
    Ok(private_json(&bodies::admin(known)))
}

async fn no_allow_on_404(mut response: Response) -> Response {
    if response.status() == StatusCode::NOT_FOUND {
        response.headers_mut().remove(axum::http::header::ALLOW);
    }
    response
}

async fn not_found(auth: Auth) -> AuthRejection {
    auth.not_found()
}
