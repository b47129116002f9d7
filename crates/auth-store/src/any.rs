//! [`AnyStore`]: any store behind one type, so that the store's type does
//! not have to appear in every handler and every piece of shared state.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use auth_core::Error;
use auth_core::session::{BucketKey, SessionRecord, StoreKey};
use auth_core::store::{
    AccessState, Created, RefreshRules, Refreshed, SessionStore, ThrottleStore, TokenStore,
};
use auth_core::throttle::{Attempt, Limit, ThrottleKey, ThrottleState};
use auth_core::tokens::FamilyRecord;

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, Error>> + Send + 'a>>;

/// The store traits with boxed futures, so that they can stand behind a
/// `dyn`: one allocation per store call, next to a network round trip or a
/// lock.
trait Erased: Send + Sync {
    fn generation<'a>(&'a self, user_id: &'a str) -> BoxFuture<'a, u64>;
    fn create<'a>(
        &'a self,
        key: &'a StoreKey,
        record: &'a SessionRecord,
        generation: u64,
        max_per_user: usize,
    ) -> BoxFuture<'a, Created>;
    fn load<'a>(&'a self, key: &'a StoreKey, now: u64) -> BoxFuture<'a, Option<SessionRecord>>;
    fn update<'a>(
        &'a self,
        key: &'a StoreKey,
        record: &'a SessionRecord,
        now: u64,
    ) -> BoxFuture<'a, bool>;
    fn delete<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, bool>;
    fn rotate<'a>(
        &'a self,
        old: &'a StoreKey,
        new: &'a StoreKey,
        record: &'a SessionRecord,
        now: u64,
    ) -> BoxFuture<'a, bool>;
    fn list<'a>(
        &'a self,
        user_id: &'a str,
        now: u64,
    ) -> BoxFuture<'a, Vec<(StoreKey, SessionRecord)>>;
    fn delete_user<'a>(
        &'a self,
        user_id: &'a str,
        keep: Option<&'a StoreKey>,
        now: u64,
    ) -> BoxFuture<'a, usize>;
    fn buckets(&self) -> Option<&BucketKey>;

    fn token_generation<'a>(&'a self, user_id: &'a str) -> BoxFuture<'a, u64>;
    fn create_family<'a>(
        &'a self,
        family: &'a FamilyRecord,
        generation: u64,
        max_per_user: usize,
    ) -> BoxFuture<'a, Created>;
    fn refresh<'a>(
        &'a self,
        presented: &'a StoreKey,
        next: &'a StoreKey,
        now: u64,
        rules: RefreshRules,
    ) -> BoxFuture<'a, Refreshed>;
    fn access_state<'a>(
        &'a self,
        user_id: &'a str,
        family_id: &'a str,
        denied: &'a StoreKey,
        now: u64,
    ) -> BoxFuture<'a, AccessState>;
    fn deny<'a>(
        &'a self,
        user_id: &'a str,
        key: &'a StoreKey,
        until: u64,
        now: u64,
    ) -> BoxFuture<'a, ()>;
    fn delete_family<'a>(&'a self, user_id: &'a str, family_id: &'a str) -> BoxFuture<'a, bool>;
    fn list_families<'a>(&'a self, user_id: &'a str, now: u64) -> BoxFuture<'a, Vec<FamilyRecord>>;
    fn delete_user_families<'a>(&'a self, user_id: &'a str, now: u64) -> BoxFuture<'a, usize>;
    fn token_buckets(&self) -> Option<&BucketKey>;

    fn load_throttles<'a>(
        &'a self,
        keys: [&'a ThrottleKey; 2],
        now: u64,
    ) -> BoxFuture<'a, [Option<ThrottleState>; 2]>;
    fn count_attempts<'a>(
        &'a self,
        attempts: [(&'a ThrottleKey, &'a Limit); 2],
        now: u64,
    ) -> BoxFuture<'a, [Attempt; 2]>;
    fn refund_attempt<'a>(
        &'a self,
        key: &'a ThrottleKey,
        limit: &'a Limit,
        now: u64,
    ) -> BoxFuture<'a, Option<ThrottleState>>;
    fn clear_throttle<'a>(&'a self, key: &'a ThrottleKey) -> BoxFuture<'a, bool>;
}

impl<S: SessionStore + TokenStore + ThrottleStore> Erased for S {
    fn generation<'a>(&'a self, user_id: &'a str) -> BoxFuture<'a, u64> {
        Box::pin(SessionStore::generation(self, user_id))
    }
    fn create<'a>(
        &'a self,
        key: &'a StoreKey,
        record: &'a SessionRecord,
        generation: u64,
        max_per_user: usize,
    ) -> BoxFuture<'a, Created> {
        Box::pin(SessionStore::create(
            self,
            key,
            record,
            generation,
            max_per_user,
        ))
    }
    fn load<'a>(&'a self, key: &'a StoreKey, now: u64) -> BoxFuture<'a, Option<SessionRecord>> {
        Box::pin(SessionStore::load(self, key, now))
    }
    fn update<'a>(
        &'a self,
        key: &'a StoreKey,
        record: &'a SessionRecord,
        now: u64,
    ) -> BoxFuture<'a, bool> {
        Box::pin(SessionStore::update(self, key, record, now))
    }
    fn delete<'a>(&'a self, key: &'a StoreKey) -> BoxFuture<'a, bool> {
        Box::pin(SessionStore::delete(self, key))
    }
    fn rotate<'a>(
        &'a self,
        old: &'a StoreKey,
        new: &'a StoreKey,
        record: &'a SessionRecord,
        now: u64,
    ) -> BoxFuture<'a, bool> {
        Box::pin(SessionStore::rotate(self, old, new, record, now))
    }
    fn list<'a>(
        &'a self,
        user_id: &'a str,
        now: u64,
    ) -> BoxFuture<'a, Vec<(StoreKey, SessionRecord)>> {
        Box::pin(SessionStore::list(self, user_id, now))
    }
    fn delete_user<'a>(
        &'a self,
        user_id: &'a str,
        keep: Option<&'a StoreKey>,
        now: u64,
    ) -> BoxFuture<'a, usize> {
        Box::pin(SessionStore::delete_user(self, user_id, keep, now))
    }
    fn buckets(&self) -> Option<&BucketKey> {
        SessionStore::buckets(self)
    }

    fn token_generation<'a>(&'a self, user_id: &'a str) -> BoxFuture<'a, u64> {
        Box::pin(TokenStore::token_generation(self, user_id))
    }
    fn create_family<'a>(
        &'a self,
        family: &'a FamilyRecord,
        generation: u64,
        max_per_user: usize,
    ) -> BoxFuture<'a, Created> {
        Box::pin(TokenStore::create_family(
            self,
            family,
            generation,
            max_per_user,
        ))
    }
    fn refresh<'a>(
        &'a self,
        presented: &'a StoreKey,
        next: &'a StoreKey,
        now: u64,
        rules: RefreshRules,
    ) -> BoxFuture<'a, Refreshed> {
        Box::pin(TokenStore::refresh(self, presented, next, now, rules))
    }
    fn access_state<'a>(
        &'a self,
        user_id: &'a str,
        family_id: &'a str,
        denied: &'a StoreKey,
        now: u64,
    ) -> BoxFuture<'a, AccessState> {
        Box::pin(TokenStore::access_state(
            self, user_id, family_id, denied, now,
        ))
    }
    fn deny<'a>(
        &'a self,
        user_id: &'a str,
        key: &'a StoreKey,
        until: u64,
        now: u64,
    ) -> BoxFuture<'a, ()> {
        Box::pin(TokenStore::deny(self, user_id, key, until, now))
    }
    fn delete_family<'a>(&'a self, user_id: &'a str, family_id: &'a str) -> BoxFuture<'a, bool> {
        Box::pin(TokenStore::delete_family(self, user_id, family_id))
    }
    fn list_families<'a>(&'a self, user_id: &'a str, now: u64) -> BoxFuture<'a, Vec<FamilyRecord>> {
        Box::pin(TokenStore::list_families(self, user_id, now))
    }
    fn delete_user_families<'a>(&'a self, user_id: &'a str, now: u64) -> BoxFuture<'a, usize> {
        Box::pin(TokenStore::delete_user_families(self, user_id, now))
    }
    fn token_buckets(&self) -> Option<&BucketKey> {
        TokenStore::token_buckets(self)
    }

    fn load_throttles<'a>(
        &'a self,
        keys: [&'a ThrottleKey; 2],
        now: u64,
    ) -> BoxFuture<'a, [Option<ThrottleState>; 2]> {
        Box::pin(ThrottleStore::load_throttles(self, keys, now))
    }
    fn count_attempts<'a>(
        &'a self,
        attempts: [(&'a ThrottleKey, &'a Limit); 2],
        now: u64,
    ) -> BoxFuture<'a, [Attempt; 2]> {
        Box::pin(ThrottleStore::count_attempts(self, attempts, now))
    }
    fn refund_attempt<'a>(
        &'a self,
        key: &'a ThrottleKey,
        limit: &'a Limit,
        now: u64,
    ) -> BoxFuture<'a, Option<ThrottleState>> {
        Box::pin(ThrottleStore::refund_attempt(self, key, limit, now))
    }
    fn clear_throttle<'a>(&'a self, key: &'a ThrottleKey) -> BoxFuture<'a, bool> {
        Box::pin(ThrottleStore::clear_throttle(self, key))
    }
}

/// Any store (sessions, tokens and login throttling) behind one type.
///
/// Framework adapters and applications keep an `AnyStore` in their shared
/// state, so that moving from [`MemoryStore`](crate::MemoryStore) to
/// `RedisStore` changes one line of set-up and no handler signature.
/// Cloning shares the store. Each call costs one small allocation for its
/// boxed future, beside the store's own work.
///
/// ```
/// use auth_core::session::{SessionConfig, SessionManager};
/// use auth_store::{AnyStore, MemoryStore};
///
/// let store = AnyStore::new(MemoryStore::new());
/// let sessions: SessionManager<AnyStore> = SessionManager::new(store, SessionConfig::new());
/// # let _ = sessions;
/// ```
#[derive(Clone)]
pub struct AnyStore(Arc<dyn Erased>);

impl AnyStore {
    /// Puts `store` behind the common type. An `Arc<S>` works too, to
    /// keep a typed handle to the same store (a sweeper, a health check).
    pub fn new<S>(store: S) -> Self
    where
        S: SessionStore + TokenStore + ThrottleStore + 'static,
    {
        Self(Arc::new(store))
    }
}

impl fmt::Debug for AnyStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AnyStore")
    }
}

impl SessionStore for AnyStore {
    async fn generation(&self, user_id: &str) -> Result<u64, Error> {
        self.0.generation(user_id).await
    }
    async fn create(
        &self,
        key: &StoreKey,
        record: &SessionRecord,
        generation: u64,
        max_per_user: usize,
    ) -> Result<Created, Error> {
        self.0.create(key, record, generation, max_per_user).await
    }
    async fn load(&self, key: &StoreKey, now: u64) -> Result<Option<SessionRecord>, Error> {
        self.0.load(key, now).await
    }
    async fn update(
        &self,
        key: &StoreKey,
        record: &SessionRecord,
        now: u64,
    ) -> Result<bool, Error> {
        self.0.update(key, record, now).await
    }
    async fn delete(&self, key: &StoreKey) -> Result<bool, Error> {
        self.0.delete(key).await
    }
    async fn rotate(
        &self,
        old: &StoreKey,
        new: &StoreKey,
        record: &SessionRecord,
        now: u64,
    ) -> Result<bool, Error> {
        self.0.rotate(old, new, record, now).await
    }
    async fn list(&self, user_id: &str, now: u64) -> Result<Vec<(StoreKey, SessionRecord)>, Error> {
        self.0.list(user_id, now).await
    }
    async fn delete_user(
        &self,
        user_id: &str,
        keep: Option<&StoreKey>,
        now: u64,
    ) -> Result<usize, Error> {
        self.0.delete_user(user_id, keep, now).await
    }
    fn buckets(&self) -> Option<&BucketKey> {
        self.0.buckets()
    }
}

impl TokenStore for AnyStore {
    async fn token_generation(&self, user_id: &str) -> Result<u64, Error> {
        self.0.token_generation(user_id).await
    }
    async fn create_family(
        &self,
        family: &FamilyRecord,
        generation: u64,
        max_per_user: usize,
    ) -> Result<Created, Error> {
        self.0.create_family(family, generation, max_per_user).await
    }
    async fn refresh(
        &self,
        presented: &StoreKey,
        next: &StoreKey,
        now: u64,
        rules: RefreshRules,
    ) -> Result<Refreshed, Error> {
        self.0.refresh(presented, next, now, rules).await
    }
    async fn access_state(
        &self,
        user_id: &str,
        family_id: &str,
        denied: &StoreKey,
        now: u64,
    ) -> Result<AccessState, Error> {
        self.0.access_state(user_id, family_id, denied, now).await
    }
    async fn deny(&self, user_id: &str, key: &StoreKey, until: u64, now: u64) -> Result<(), Error> {
        self.0.deny(user_id, key, until, now).await
    }
    async fn delete_family(&self, user_id: &str, family_id: &str) -> Result<bool, Error> {
        self.0.delete_family(user_id, family_id).await
    }
    async fn list_families(&self, user_id: &str, now: u64) -> Result<Vec<FamilyRecord>, Error> {
        self.0.list_families(user_id, now).await
    }
    async fn delete_user_families(&self, user_id: &str, now: u64) -> Result<usize, Error> {
        self.0.delete_user_families(user_id, now).await
    }
    fn token_buckets(&self) -> Option<&BucketKey> {
        self.0.token_buckets()
    }
}

impl ThrottleStore for AnyStore {
    async fn load_throttles(
        &self,
        keys: [&ThrottleKey; 2],
        now: u64,
    ) -> Result<[Option<ThrottleState>; 2], Error> {
        self.0.load_throttles(keys, now).await
    }
    async fn count_attempts(
        &self,
        attempts: [(&ThrottleKey, &Limit); 2],
        now: u64,
    ) -> Result<[Attempt; 2], Error> {
        self.0.count_attempts(attempts, now).await
    }
    async fn refund_attempt(
        &self,
        key: &ThrottleKey,
        limit: &Limit,
        now: u64,
    ) -> Result<Option<ThrottleState>, Error> {
        self.0.refund_attempt(key, limit, now).await
    }
    async fn clear_throttle(&self, key: &ThrottleKey) -> Result<bool, Error> {
        self.0.clear_throttle(key).await
    }
}
