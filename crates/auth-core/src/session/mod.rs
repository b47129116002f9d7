//! Server-side sessions: identifiers, the record a store keeps, and the
//! lifecycle rules (create, authenticate and touch, rotate, destroy).
//!
//! The rules here are pure: time is passed in and storage is the
//! [`SessionStore`](crate::store::SessionStore) trait, so the same code runs on
//! the in-memory store, Redis, or anything else.
//!
//! What a store holds never includes a usable session ID: it is keyed by
//! [`StoreKey`], the SHA-256 of the ID.
//!
//! A login is two steps around the credentials check:
//! [`SessionManager::begin_login`] before it, [`SessionManager::login`]
//! after, so that "log out everywhere" in between wins.

mod id;
mod lifecycle;
mod record;

pub use id::{BucketKey, MIN_BUCKET_SECRET_LEN, SESSION_ID_LEN, SessionId, StoreKey};
pub use lifecycle::{
    ActiveSession, DEFAULT_MAX_PER_USER, LOGIN_TICKET_TTL, LoginTicket, NewSession, SessionConfig,
    SessionInfo, SessionManager,
};
pub(crate) use record::check_user_id;
pub use record::{
    CSRF_TOKEN_LEN, MAX_DATA_LEN, MAX_META_LEN, MAX_USER_ID_LEN, SessionMeta, SessionRecord,
};
