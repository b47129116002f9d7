//! The contract's response bodies and page, shared by every framework's
//! routes: what each answer says is made here once.

use auth_core::session::SessionInfo;
use auth_core::tokens::{Access, TokenPair};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::DemoUser;

/// The page's security headers: no script but the app's own file, no
/// framing, no sniffing, no referrer.
pub(crate) const PAGE_HEADERS: [(&str, &str); 4] = [
    (
        "content-security-policy",
        "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
    ),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "no-referrer"),
];

pub(crate) const PAGE: &str = include_str!("../assets/index.html");
pub(crate) const SCRIPT: &str = include_str!("../assets/app.js");
pub(crate) const HTML: &str = "text/html; charset=utf-8";
pub(crate) const JAVASCRIPT: &str = "text/javascript; charset=utf-8";

/// The page, naming the app's CSRF cookie.
pub(crate) fn page(csrf_cookie: &str) -> String {
    PAGE.replace("{{CSRF_COOKIE}}", csrf_cookie)
}

/// A login form's body.
#[derive(Deserialize)]
pub(crate) struct Credentials {
    pub(crate) username: String,
    pub(crate) password: String,
}

/// A body carrying a refresh token.
#[derive(Deserialize)]
pub(crate) struct RefreshBody {
    pub(crate) refresh_token: String,
}

/// `{"status":"ok"}`.
pub(crate) fn health() -> Value {
    json!({"status": "ok"})
}

/// The session login's answer.
pub(crate) fn logged_in(user: &DemoUser) -> Value {
    json!({"user": user.json()})
}

/// `/admin`'s answer.
pub(crate) fn admin(user: &DemoUser) -> Value {
    json!({"user": user.json(), "admin": true})
}

/// The session list, marking the request's own session.
pub(crate) fn session_list(list: &[SessionInfo], current: &str) -> Value {
    let entries: Vec<Value> = list
        .iter()
        .map(|s| {
            json!({
                "handle": s.handle,
                "created_at": s.created,
                "last_seen_at": s.last_seen,
                "user_agent": s.meta.user_agent(),
                "current": s.handle == current,
            })
        })
        .collect();
    Value::Array(entries)
}

/// `{"access_token","token_type","expires_in","refresh_token"}`.
pub(crate) fn pair(pair: &TokenPair) -> Value {
    json!({
        "access_token": pair.access_token,
        "token_type": "Bearer",
        "expires_in": pair.expires_in,
        "refresh_token": *pair.refresh_token.expose(),
    })
}

/// The body of `/jwt/me`, serialized straight from the verified token.
#[derive(Serialize)]
struct JwtMe<'a> {
    user: UserOut<'a>,
    claims: ClaimsOut<'a>,
}

#[derive(Serialize)]
struct UserOut<'a> {
    id: &'a str,
    name: &'a str,
    roles: &'a [String],
}

/// The application claims the demo puts in every access token (see
/// `DemoUser::claims`), read as a type: cheaper than a JSON value, and a
/// token without them is refused (401 `invalid_claim`).
#[derive(Debug, Deserialize)]
pub(crate) struct DemoClaims {
    name: String,
    roles: Vec<String>,
}

/// The token's claims: the app's own (name, roles), then the registered
/// ones.
#[derive(Serialize)]
struct ClaimsOut<'a> {
    name: &'a str,
    roles: &'a [String],
    sub: &'a str,
    sid: &'a str,
    jti: &'a str,
    iat: u64,
    exp: u64,
    iss: &'a str,
    aud: &'a str,
}

/// `/jwt/me`'s body for `user` and their verified token.
pub(crate) fn jwt_me(user: &DemoUser, access: &Access<DemoClaims>) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&JwtMe {
        user: UserOut {
            id: &user.id,
            name: &user.name,
            roles: &user.roles,
        },
        claims: ClaimsOut {
            name: &access.claims.name,
            roles: &access.claims.roles,
            sub: &access.user_id,
            sid: &access.family_id,
            jti: &access.jti,
            iat: access.issued_at,
            exp: access.expires_at,
            iss: crate::ISSUER,
            aud: crate::ISSUER,
        },
    })
}
