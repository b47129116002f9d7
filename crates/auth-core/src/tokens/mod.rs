//! Access and refresh tokens: the JWT flow the way apps need it.
//!
//! - **Access tokens** are short-lived JWTs (RFC 9068 profile: `typ:
//!   at+jwt`, `iss`, `sub`, `aud`, `exp`, `iat`, `jti`, plus `sid`, the
//!   login they belong to, and the application's own claims).
//! - **Refresh tokens** are opaque: 256 random bits, stored only as their
//!   SHA-256, never a JWT. Each login starts a *family*; a refresh
//!   consumes the presented token and returns a new pair of the same
//!   family. Presenting a consumed token again revokes the whole family
//!   (RFC 9700 section 4.14.2: refresh token rotation with reuse
//!   detection).
//! - **Revocation**: an access token is checked against the store when
//!   [`TokenService::authenticate`] is used (one round trip): its family
//!   must be live and its `jti` not on the denylist. Logging out, revoking
//!   a login and "log out everywhere" end a family, so every access token
//!   of it stops working at once, including one issued in the same second.
//!
//! Storage is the [`TokenStore`](crate::store::TokenStore) trait; time is
//! passed in.

mod family;
mod service;

pub use family::{FamilyRecord, MAX_CLAIMS_LEN, RESERVED_CLAIMS, RefreshToken};
pub use service::{
    ACCESS_TOKEN_TYP, Access, DEFAULT_ACCESS_TTL, DEFAULT_MAX_FAMILIES_PER_USER,
    DEFAULT_MAX_REFRESHES, DEFAULT_REFRESH_ABSOLUTE, DEFAULT_REFRESH_IDLE, FamilyInfo,
    MAX_REFRESH_LIFETIME, TokenConfig, TokenPair, TokenService, TokenTicket,
};
