//! Server-side sessions: identifiers, the record a store keeps, and the
//! lifecycle rules (create, authenticate and touch, rotate, destroy).
//!
//! The rules here are pure: time is passed in and storage is the
//! [`SessionStore`](crate::store::SessionStore) trait, so the same code runs on
//! the in-memory store, Redis, or anything else.
//!
//! What a store holds never includes a usable session ID: it is keyed by
//! [`StoreKey`], the SHA-256 of the ID.

mod id;
mod lifecycle;
mod record;

pub use id::{SESSION_ID_LEN, SessionId, StoreKey, user_bucket};
pub use lifecycle::{ActiveSession, NewSession, SessionConfig, SessionInfo, SessionManager};
pub use record::{MAX_META_LEN, SessionMeta, SessionRecord};
