//! The storage the session lifecycle needs, as async traits that need no
//! runtime and no macro crate (`impl Future + Send`).
//!
//! Implementations live elsewhere (`auth-store` has an in-memory and a Redis
//! store); the behaviour every implementation must show is specified here
//! and checked by one shared test suite.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::Future;

use crate::error::Error;
use crate::session::{SessionRecord, StoreKey};

/// Where sessions live.
///
/// Every method fails with [`Error::StoreUnavailable`] when the backend
/// cannot be reached, never with a made-up "absent".
pub trait SessionStore: Send + Sync {
    /// Inserts `record` under `key` **only if the key is absent** (a
    /// collision never overwrites), indexes it under `record.user_id`, and
    /// lets it expire at [`SessionRecord::expires_at`]. With `max_per_user`,
    /// the user's oldest sessions are removed first so that at most that
    /// many remain, this one included. Returns `false` on a collision.
    fn create(
        &self,
        key: &StoreKey,
        record: &SessionRecord,
        max_per_user: Option<usize>,
    ) -> impl Future<Output = Result<bool, Error>> + Send;

    /// The record under `key`, or `None` if absent or expired at `now`.
    fn load(
        &self,
        key: &StoreKey,
        now: u64,
    ) -> impl Future<Output = Result<Option<SessionRecord>, Error>> + Send;

    /// Replaces the record under `key` **only if it still exists** (so a
    /// slow request cannot bring back a session that was logged out), and
    /// moves its expiry to the new [`SessionRecord::expires_at`]. Returns
    /// whether it existed.
    fn update(
        &self,
        key: &StoreKey,
        record: &SessionRecord,
    ) -> impl Future<Output = Result<bool, Error>> + Send;

    /// Removes the session under `key`. Returns whether it existed.
    fn delete(&self, key: &StoreKey) -> impl Future<Output = Result<bool, Error>> + Send;

    /// Atomically moves a session to a new key: if `old` exists and `new`
    /// does not, removes `old` and inserts `record` under `new`. Returns
    /// whether it did.
    fn rotate(
        &self,
        old: &StoreKey,
        new: &StoreKey,
        record: &SessionRecord,
    ) -> impl Future<Output = Result<bool, Error>> + Send;

    /// The user's sessions that are live at `now`, oldest first.
    fn list(
        &self,
        user_id: &str,
        now: u64,
    ) -> impl Future<Output = Result<Vec<(StoreKey, SessionRecord)>, Error>> + Send;

    /// Removes all of the user's sessions except `keep`. Returns how many
    /// were removed.
    fn delete_user(
        &self,
        user_id: &str,
        keep: Option<&StoreKey>,
    ) -> impl Future<Output = Result<usize, Error>> + Send;

    /// The bucket new session IDs for this user should fall in, for stores
    /// that keep one user's keys together (see
    /// [`SessionId::generate_in_bucket`](crate::session::SessionId::generate_in_bucket)).
    fn id_bucket(&self, user_id: &str) -> Option<u8> {
        let _ = user_id;
        None
    }
}

/// Forwards every method to the store behind a reference or an `Arc`, so
/// one store can serve several managers, a sweeper and tests.
macro_rules! forward {
    ($($ty:ty),*) => {$(
        impl<S: SessionStore> SessionStore for $ty {
            fn create(
                &self,
                key: &StoreKey,
                record: &SessionRecord,
                max_per_user: Option<usize>,
            ) -> impl Future<Output = Result<bool, Error>> + Send {
                (**self).create(key, record, max_per_user)
            }
            fn load(
                &self,
                key: &StoreKey,
                now: u64,
            ) -> impl Future<Output = Result<Option<SessionRecord>, Error>> + Send {
                (**self).load(key, now)
            }
            fn update(
                &self,
                key: &StoreKey,
                record: &SessionRecord,
            ) -> impl Future<Output = Result<bool, Error>> + Send {
                (**self).update(key, record)
            }
            fn delete(&self, key: &StoreKey) -> impl Future<Output = Result<bool, Error>> + Send {
                (**self).delete(key)
            }
            fn rotate(
                &self,
                old: &StoreKey,
                new: &StoreKey,
                record: &SessionRecord,
            ) -> impl Future<Output = Result<bool, Error>> + Send {
                (**self).rotate(old, new, record)
            }
            fn list(
                &self,
                user_id: &str,
                now: u64,
            ) -> impl Future<Output = Result<Vec<(StoreKey, SessionRecord)>, Error>> + Send {
                (**self).list(user_id, now)
            }
            fn delete_user(
                &self,
                user_id: &str,
                keep: Option<&StoreKey>,
            ) -> impl Future<Output = Result<usize, Error>> + Send {
                (**self).delete_user(user_id, keep)
            }
            fn id_bucket(&self, user_id: &str) -> Option<u8> {
                (**self).id_bucket(user_id)
            }
        }
    )*};
}

forward!(&S, Arc<S>);

/// A user id encoded for use inside a store's key names: unpadded base64url
/// of its UTF-8 bytes, so no user id can inject separators or hash-tag
/// braces.
#[must_use]
pub fn encode_user_id(user_id: &str) -> String {
    crate::encoding::base64url::encode(user_id.as_bytes())
}
