//! A store wrapper for tests (feature `testing`): it counts the calls
//! that reach the store behind it, so a test can pin "one store read per
//! request", and can play a store that is down.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use auth_core::Error;
use auth_core::session::{BucketKey, SessionRecord, StoreKey};
use auth_core::store::{
    AccessState, Created, RefreshRules, Refreshed, SessionStore, ThrottleStore, TokenStore,
};
use auth_core::throttle::{Attempt, Limit, ThrottleKey, ThrottleState};
use auth_core::tokens::FamilyRecord;

/// `inner` with counters: every method forwards to it and counts the
/// call. Put it behind an [`AnyStore`](crate::AnyStore) as an `Arc` to
/// keep a handle for reading the counters.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::Ordering;
///
/// use auth_core::store::SessionStore;
/// use auth_store::MemoryStore;
/// use auth_store::testing::Counting;
///
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// let store = Arc::new(Counting::new(MemoryStore::new()));
/// let key = auth_core::session::SessionId::generate().unwrap().store_key();
/// assert_eq!(store.load(&key, 0).await, Ok(None));
/// assert_eq!(store.loads.load(Ordering::SeqCst), 1);
/// store.down.store(true, Ordering::SeqCst);
/// assert!(store.load(&key, 0).await.is_err());
/// # });
/// ```
#[derive(Debug, Default)]
pub struct Counting<S> {
    /// The store the calls go to.
    pub inner: S,
    /// Every call, of any of the three traits.
    pub calls: AtomicUsize,
    /// [`SessionStore::load`] calls.
    pub loads: AtomicUsize,
    /// [`SessionStore::update`] calls.
    pub updates: AtomicUsize,
    /// [`TokenStore::access_state`] calls (an access token's store check).
    pub access_checks: AtomicUsize,
    /// Set: [`SessionStore::load`] fails with
    /// [`Error::StoreUnavailable`], as from a store that is down (the call
    /// is still counted).
    pub down: AtomicBool,
}

impl<S> Counting<S> {
    /// `inner`, every counter at zero, up.
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            calls: AtomicUsize::new(0),
            loads: AtomicUsize::new(0),
            updates: AtomicUsize::new(0),
            access_checks: AtomicUsize::new(0),
            down: AtomicBool::new(false),
        }
    }

    fn hit(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }
}

impl<S: SessionStore> SessionStore for Counting<S> {
    async fn generation(&self, user_id: &str) -> Result<u64, Error> {
        self.hit();
        self.inner.generation(user_id).await
    }
    async fn create(
        &self,
        key: &StoreKey,
        record: &SessionRecord,
        generation: u64,
        max: usize,
    ) -> Result<Created, Error> {
        self.hit();
        self.inner.create(key, record, generation, max).await
    }
    async fn load(&self, key: &StoreKey, now: u64) -> Result<Option<SessionRecord>, Error> {
        self.hit();
        self.loads.fetch_add(1, Ordering::SeqCst);
        if self.down.load(Ordering::SeqCst) {
            return Err(Error::StoreUnavailable("test store is down".into()));
        }
        self.inner.load(key, now).await
    }
    async fn update(
        &self,
        key: &StoreKey,
        record: &SessionRecord,
        now: u64,
    ) -> Result<bool, Error> {
        self.hit();
        self.updates.fetch_add(1, Ordering::SeqCst);
        self.inner.update(key, record, now).await
    }
    async fn delete(&self, key: &StoreKey) -> Result<bool, Error> {
        self.hit();
        self.inner.delete(key).await
    }
    async fn rotate(
        &self,
        old: &StoreKey,
        new: &StoreKey,
        record: &SessionRecord,
        now: u64,
    ) -> Result<bool, Error> {
        self.hit();
        self.inner.rotate(old, new, record, now).await
    }
    async fn list(&self, user_id: &str, now: u64) -> Result<Vec<(StoreKey, SessionRecord)>, Error> {
        self.hit();
        self.inner.list(user_id, now).await
    }
    async fn delete_user(
        &self,
        user_id: &str,
        keep: Option<&StoreKey>,
        now: u64,
    ) -> Result<usize, Error> {
        self.hit();
        self.inner.delete_user(user_id, keep, now).await
    }
    fn buckets(&self) -> Option<&BucketKey> {
        self.inner.buckets()
    }
}

impl<S: TokenStore> TokenStore for Counting<S> {
    async fn token_generation(&self, user_id: &str) -> Result<u64, Error> {
        self.hit();
        self.inner.token_generation(user_id).await
    }
    async fn create_family(
        &self,
        family: &FamilyRecord,
        generation: u64,
        max: usize,
    ) -> Result<Created, Error> {
        self.hit();
        self.inner.create_family(family, generation, max).await
    }
    async fn refresh(
        &self,
        presented: &StoreKey,
        next: &StoreKey,
        now: u64,
        rules: RefreshRules,
    ) -> Result<Refreshed, Error> {
        self.hit();
        self.inner.refresh(presented, next, now, rules).await
    }
    async fn access_state(
        &self,
        user_id: &str,
        family_id: &str,
        denied: &StoreKey,
        now: u64,
    ) -> Result<AccessState, Error> {
        self.hit();
        self.access_checks.fetch_add(1, Ordering::SeqCst);
        self.inner
            .access_state(user_id, family_id, denied, now)
            .await
    }
    async fn deny(&self, user_id: &str, key: &StoreKey, until: u64, now: u64) -> Result<(), Error> {
        self.hit();
        self.inner.deny(user_id, key, until, now).await
    }
    async fn delete_family(&self, user_id: &str, family_id: &str) -> Result<bool, Error> {
        self.hit();
        self.inner.delete_family(user_id, family_id).await
    }
    async fn list_families(&self, user_id: &str, now: u64) -> Result<Vec<FamilyRecord>, Error> {
        self.hit();
        self.inner.list_families(user_id, now).await
    }
    async fn delete_user_families(&self, user_id: &str, now: u64) -> Result<usize, Error> {
        self.hit();
        self.inner.delete_user_families(user_id, now).await
    }
}

impl<S: ThrottleStore> ThrottleStore for Counting<S> {
    async fn load_throttles(
        &self,
        keys: [&ThrottleKey; 2],
        now: u64,
    ) -> Result<[Option<ThrottleState>; 2], Error> {
        self.hit();
        self.inner.load_throttles(keys, now).await
    }
    async fn count_attempts(
        &self,
        attempts: [(&ThrottleKey, &Limit); 2],
        now: u64,
    ) -> Result<[Attempt; 2], Error> {
        self.hit();
        self.inner.count_attempts(attempts, now).await
    }
    async fn refund_attempt(
        &self,
        key: &ThrottleKey,
        limit: &Limit,
        now: u64,
    ) -> Result<Option<ThrottleState>, Error> {
        self.hit();
        self.inner.refund_attempt(key, limit, now).await
    }
    async fn clear_throttle(&self, key: &ThrottleKey) -> Result<bool, Error> {
        self.hit();
        self.inner.clear_throttle(key).await
    }
}
