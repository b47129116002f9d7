//! The storage the session lifecycle and the login throttle need, as async
//! traits that need no runtime and no macro crate (`impl Future + Send`).
//!
//! Implementations live elsewhere (`auth-store` has an in-memory and a Redis
//! store); the behaviour every implementation must show is specified here
//! and checked by one shared test suite.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::future::Future;

use crate::error::Error;
use crate::session::{BucketKey, SessionRecord, StoreKey};
use crate::throttle::{Attempt, Limit, ThrottleKey, ThrottleState};
use crate::tokens::FamilyRecord;

/// The most sessions one user may hold in any store, whatever a caller
/// asks for: it bounds the work of every per-user operation.
pub const MAX_SESSIONS_PER_USER: usize = 1024;

/// The most token families (logins) one user may hold in any store,
/// whatever a caller asks for.
pub const MAX_FAMILIES_PER_USER: usize = 1024;

/// What [`SessionStore::create`] or [`TokenStore::create_family`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Created {
    /// The record is stored.
    Stored,
    /// The key is already taken: nothing was written.
    KeyTaken,
    /// The user's generation is no longer the one the caller read (a "log
    /// out everywhere" ran in between): nothing was written.
    GenerationMoved,
}

/// Where sessions live.
///
/// Every method fails with [`Error::StoreUnavailable`] when the backend
/// cannot be reached, never with a made-up "absent".
///
/// Each user has a **generation**: a number that only "log out everywhere"
/// ([`SessionStore::delete_user`]) changes. A login reads it before the
/// credentials are checked and creates the session only if it has not
/// moved, atomically with the insert, so a login racing a password change
/// cannot leave a session behind.
pub trait SessionStore: Send + Sync {
    /// The user's current generation (0 when it never moved).
    fn generation(&self, user_id: &str) -> impl Future<Output = Result<u64, Error>> + Send;

    /// Inserts `record` under `key`, indexed under `record.user_id`,
    /// expiring at [`SessionRecord::expires_at`], **only if** the key is
    /// absent (a collision never overwrites) and the user's generation is
    /// still `generation`; both are checked atomically with the insert.
    /// When the user already has `max_per_user` sessions (capped at
    /// [`MAX_SESSIONS_PER_USER`]), those closest to expiry are removed
    /// first, so that at most that many remain, this one included.
    fn create(
        &self,
        key: &StoreKey,
        record: &SessionRecord,
        generation: u64,
        max_per_user: usize,
    ) -> impl Future<Output = Result<Created, Error>> + Send;

    /// The record under `key`, or `None` if absent or expired at `now`.
    fn load(
        &self,
        key: &StoreKey,
        now: u64,
    ) -> impl Future<Output = Result<Option<SessionRecord>, Error>> + Send;

    /// Replaces the record under `key` **only if it still exists and has
    /// not expired at `now`** (so a slow request cannot bring back a session
    /// that was logged out or timed out), and moves its expiry to the new
    /// [`SessionRecord::expires_at`]. Returns whether it applied.
    fn update(
        &self,
        key: &StoreKey,
        record: &SessionRecord,
        now: u64,
    ) -> impl Future<Output = Result<bool, Error>> + Send;

    /// Removes the session under `key`. Returns whether it existed.
    fn delete(&self, key: &StoreKey) -> impl Future<Output = Result<bool, Error>> + Send;

    /// Atomically moves a session to a new key: if `old` exists and is live
    /// at `now` and `new` does not exist, removes `old` and inserts `record`
    /// under `new`. Returns whether it did.
    fn rotate(
        &self,
        old: &StoreKey,
        new: &StoreKey,
        record: &SessionRecord,
        now: u64,
    ) -> impl Future<Output = Result<bool, Error>> + Send;

    /// The user's sessions that are live at `now`, in any order.
    fn list(
        &self,
        user_id: &str,
        now: u64,
    ) -> impl Future<Output = Result<Vec<(StoreKey, SessionRecord)>, Error>> + Send;

    /// "Log out everywhere": moves the user's generation and removes all of
    /// the user's sessions except `keep`, atomically. Returns how many were
    /// removed. `now` is the caller's time (stores that forget old
    /// generations use it).
    fn delete_user(
        &self,
        user_id: &str,
        keep: Option<&StoreKey>,
        now: u64,
    ) -> impl Future<Output = Result<usize, Error>> + Send;

    /// The key of the buckets this store groups each user's sessions in,
    /// if it does (a Redis Cluster keeps one user's keys in one slot). The
    /// session manager then draws IDs whose key falls in the user's bucket
    /// (see [`SessionId::generate_in_bucket`](crate::session::SessionId::generate_in_bucket)).
    fn buckets(&self) -> Option<&BucketKey> {
        None
    }
}

/// Forwards every method to the store behind a reference or an `Arc`, so
/// one store can serve several managers, a sweeper and tests.
macro_rules! forward {
    ($($ty:ty),*) => {$(
        impl<S: SessionStore> SessionStore for $ty {
            fn generation(&self, user_id: &str) -> impl Future<Output = Result<u64, Error>> + Send {
                (**self).generation(user_id)
            }
            fn create(
                &self,
                key: &StoreKey,
                record: &SessionRecord,
                generation: u64,
                max_per_user: usize,
            ) -> impl Future<Output = Result<Created, Error>> + Send {
                (**self).create(key, record, generation, max_per_user)
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
                now: u64,
            ) -> impl Future<Output = Result<bool, Error>> + Send {
                (**self).update(key, record, now)
            }
            fn delete(&self, key: &StoreKey) -> impl Future<Output = Result<bool, Error>> + Send {
                (**self).delete(key)
            }
            fn rotate(
                &self,
                old: &StoreKey,
                new: &StoreKey,
                record: &SessionRecord,
                now: u64,
            ) -> impl Future<Output = Result<bool, Error>> + Send {
                (**self).rotate(old, new, record, now)
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
                now: u64,
            ) -> impl Future<Output = Result<usize, Error>> + Send {
                (**self).delete_user(user_id, keep, now)
            }
            fn buckets(&self) -> Option<&BucketKey> {
                (**self).buckets()
            }
        }
    )*};
}

forward!(&S, Arc<S>);

/// The rules of one refresh step, from the token service's configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RefreshRules {
    /// The family's new idle deadline is `now + idle` (never past its
    /// absolute deadline).
    pub idle: u64,
    /// A token used less than this many seconds ago may be presented once
    /// more, while its successor is still unused, instead of counting as
    /// reuse (0: never). See the token service's documentation for the
    /// trade-off.
    pub grace: u64,
    /// A family that has had this many refreshes ends (bounds the used
    /// tokens a store keeps for reuse detection).
    pub max_refreshes: u32,
}

/// What [`TokenStore::refresh`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refreshed {
    /// The presented token was the family's current one: it is now used,
    /// `next` is current, and this is the family as stored now.
    Rotated(FamilyRecord),
    /// The presented token had been used before: the whole family is
    /// revoked (its current token with it).
    Reused {
        /// Whose family it was.
        user_id: String,
        /// The family that was revoked.
        family_id: String,
    },
    /// No such token, or its family has ended (expired, revoked, or out of
    /// refreshes): nothing was written.
    Unknown,
    /// `next` is already taken: nothing was written (try another).
    KeyTaken,
}

/// What [`TokenStore::access_state`] found for an access token.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum AccessState {
    /// Its family is live and its `jti` is not denied.
    Live,
    /// Its family has ended (logged out, revoked, expired, reused).
    FamilyEnded,
    /// Its `jti` is on the denylist.
    Denied,
}

/// Where refresh-token families, the access-token denylist and each
/// user's token generation live.
///
/// Every method fails with [`Error::StoreUnavailable`] when the backend
/// cannot be reached, never with a made-up answer. Every entry a store
/// writes has an expiry, and no store ever holds a raw refresh token: only
/// its [`StoreKey`] (SHA-256).
///
/// A refresh token's record names its family and, once used, when and by
/// which token it was replaced; used records are kept until their family's
/// absolute deadline, so presenting any earlier token of a chain is seen
/// as reuse.
pub trait TokenStore: Send + Sync {
    /// The user's token generation (0 when it never moved): only
    /// [`TokenStore::delete_user_families`] moves it.
    fn token_generation(&self, user_id: &str) -> impl Future<Output = Result<u64, Error>> + Send;

    /// Stores `family` and its first refresh token (`family.current()`),
    /// **only if** that key is free and the user's token generation is
    /// still `generation`, atomically. When the user already has
    /// `max_per_user` families (capped at [`MAX_FAMILIES_PER_USER`]), those
    /// closest to their end are revoked first.
    fn create_family(
        &self,
        family: &FamilyRecord,
        generation: u64,
        max_per_user: usize,
    ) -> impl Future<Output = Result<Created, Error>> + Send;

    /// The refresh step, atomically: consumes `presented` and makes `next`
    /// the family's current token, or revokes the family when `presented`
    /// was used before. Deadlines are compared with `now`. `next` must lie
    /// in the same bucket as `presented` (see [`TokenStore::token_buckets`]).
    fn refresh(
        &self,
        presented: &StoreKey,
        next: &StoreKey,
        now: u64,
        rules: RefreshRules,
    ) -> impl Future<Output = Result<Refreshed, Error>> + Send;

    /// In one round trip: whether `family_id` of `user_id` is live at
    /// `now`, and whether `denied` (an access token's denylist key) is on
    /// the denylist.
    fn access_state(
        &self,
        user_id: &str,
        family_id: &str,
        denied: &StoreKey,
        now: u64,
    ) -> impl Future<Output = Result<AccessState, Error>> + Send;

    /// Puts `key` on the denylist of `user_id` until `until` (the access
    /// token's `exp`); the entry then disappears by itself. An entry that
    /// already runs later is kept: a revocation is never shortened. `now`
    /// is the caller's time.
    fn deny(
        &self,
        user_id: &str,
        key: &StoreKey,
        until: u64,
        now: u64,
    ) -> impl Future<Output = Result<(), Error>> + Send;

    /// Revokes one family of `user_id` (with its current token). Returns
    /// whether it existed.
    fn delete_family(
        &self,
        user_id: &str,
        family_id: &str,
    ) -> impl Future<Output = Result<bool, Error>> + Send;

    /// The user's families that are live at `now`, in any order.
    fn list_families(
        &self,
        user_id: &str,
        now: u64,
    ) -> impl Future<Output = Result<Vec<FamilyRecord>, Error>> + Send;

    /// "Log out everywhere" for tokens: moves the user's token generation
    /// and revokes all of the user's families, atomically. Returns how
    /// many were revoked.
    fn delete_user_families(
        &self,
        user_id: &str,
        now: u64,
    ) -> impl Future<Output = Result<usize, Error>> + Send;

    /// Like [`SessionStore::buckets`]: the key of the buckets this store
    /// groups each user's entries in, if it does. The token service then
    /// draws refresh tokens in the user's bucket.
    fn token_buckets(&self) -> Option<&BucketKey> {
        None
    }
}

/// Forwards every [`TokenStore`] method to the store behind a reference or
/// an `Arc`.
macro_rules! forward_tokens {
    ($($ty:ty),*) => {$(
        impl<S: TokenStore> TokenStore for $ty {
            fn token_generation(&self, user_id: &str) -> impl Future<Output = Result<u64, Error>> + Send {
                (**self).token_generation(user_id)
            }
            fn create_family(
                &self,
                family: &FamilyRecord,
                generation: u64,
                max_per_user: usize,
            ) -> impl Future<Output = Result<Created, Error>> + Send {
                (**self).create_family(family, generation, max_per_user)
            }
            fn refresh(
                &self,
                presented: &StoreKey,
                next: &StoreKey,
                now: u64,
                rules: RefreshRules,
            ) -> impl Future<Output = Result<Refreshed, Error>> + Send {
                (**self).refresh(presented, next, now, rules)
            }
            fn access_state(
                &self,
                user_id: &str,
                family_id: &str,
                denied: &StoreKey,
                now: u64,
            ) -> impl Future<Output = Result<AccessState, Error>> + Send {
                (**self).access_state(user_id, family_id, denied, now)
            }
            fn deny(
                &self,
                user_id: &str,
                key: &StoreKey,
                until: u64,
                now: u64,
            ) -> impl Future<Output = Result<(), Error>> + Send {
                (**self).deny(user_id, key, until, now)
            }
            fn delete_family(
                &self,
                user_id: &str,
                family_id: &str,
            ) -> impl Future<Output = Result<bool, Error>> + Send {
                (**self).delete_family(user_id, family_id)
            }
            fn list_families(
                &self,
                user_id: &str,
                now: u64,
            ) -> impl Future<Output = Result<Vec<FamilyRecord>, Error>> + Send {
                (**self).list_families(user_id, now)
            }
            fn delete_user_families(
                &self,
                user_id: &str,
                now: u64,
            ) -> impl Future<Output = Result<usize, Error>> + Send {
                (**self).delete_user_families(user_id, now)
            }
            fn token_buckets(&self) -> Option<&BucketKey> {
                (**self).token_buckets()
            }
        }
    )*};
}

/// Where failed-login counts live (see [`crate::throttle`]).
///
/// Every method fails with [`Error::StoreUnavailable`] when the backend
/// cannot be reached (never with a made-up "no failures"), and with
/// [`Error::StoreCorrupt`] when a stored state does not decode. Keys are
/// [`ThrottleKey`]s, hashes computed by the core: a store never sees an
/// account name or an address. Every state expires by itself at its
/// [`ThrottleState::expires_at`]; a state past it reads as absent.
pub trait ThrottleStore: Send + Sync {
    /// The states of `keys` that are live at `now` (`None` for a key with
    /// none), in one round trip, changing nothing: for an application that
    /// wants to look (to show a CAPTCHA once an address has failures, for
    /// example). A login counts with [`ThrottleStore::count_attempts`].
    fn load_throttles(
        &self,
        keys: [&ThrottleKey; 2],
        now: u64,
    ) -> impl Future<Output = Result<[Option<ThrottleState>; 2], Error>> + Send;

    /// Checks and counts one login attempt at `now` against each key under
    /// its limit, in one round trip: applies [`Limit::attempt`] to the
    /// key's live state **atomically per key**: a key blocked at `now` is
    /// left as it is ([`Attempt::Refused`]); any other key counts the
    /// attempt as a failure and stores the result until its `expires_at`
    /// ([`Attempt::Counted`]). Concurrent attempts are therefore all
    /// counted, and once one of them blocks a key the rest are refused.
    ///
    /// The two keys are independent (in Redis they may live on different
    /// nodes): when one refuses and the other counts, the caller gives the
    /// count back with [`ThrottleStore::refund_attempt`].
    fn count_attempts(
        &self,
        attempts: [(&ThrottleKey, &Limit); 2],
        now: u64,
    ) -> impl Future<Output = Result<[Attempt; 2], Error>> + Send;

    /// Gives back one attempt `limit` counted against `key` (a successful
    /// login's, or one the other key refused): applies [`Limit::refund`] to
    /// the key's state atomically, removing the state when nothing is left
    /// of it. Returns the state left (`None`: no state, also when there was
    /// none).
    fn refund_attempt(
        &self,
        key: &ThrottleKey,
        limit: &Limit,
        now: u64,
    ) -> impl Future<Output = Result<Option<ThrottleState>, Error>> + Send;

    /// Forgets `key`'s failures (a successful login clears its account's).
    /// Returns whether there was a state.
    fn clear_throttle(&self, key: &ThrottleKey)
    -> impl Future<Output = Result<bool, Error>> + Send;
}

/// Forwards every method to the store behind a reference or an `Arc`.
macro_rules! forward_throttle {
    ($($ty:ty),*) => {$(
        impl<S: ThrottleStore> ThrottleStore for $ty {
            fn load_throttles(
                &self,
                keys: [&ThrottleKey; 2],
                now: u64,
            ) -> impl Future<Output = Result<[Option<ThrottleState>; 2], Error>> + Send {
                (**self).load_throttles(keys, now)
            }
            fn count_attempts(
                &self,
                attempts: [(&ThrottleKey, &Limit); 2],
                now: u64,
            ) -> impl Future<Output = Result<[Attempt; 2], Error>> + Send {
                (**self).count_attempts(attempts, now)
            }
            fn refund_attempt(
                &self,
                key: &ThrottleKey,
                limit: &Limit,
                now: u64,
            ) -> impl Future<Output = Result<Option<ThrottleState>, Error>> + Send {
                (**self).refund_attempt(key, limit, now)
            }
            fn clear_throttle(
                &self,
                key: &ThrottleKey,
            ) -> impl Future<Output = Result<bool, Error>> + Send {
                (**self).clear_throttle(key)
            }
        }
    )*};
}

forward_tokens!(&S, Arc<S>);
forward_throttle!(&S, Arc<S>);

/// A user id encoded for use inside a store's key names: unpadded base64url
/// of its UTF-8 bytes, so no user id can inject separators or hash-tag
/// braces.
#[must_use]
pub fn encode_user_id(user_id: &str) -> String {
    crate::encoding::base64url::encode(user_id.as_bytes())
}
