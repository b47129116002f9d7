//! The in-memory store: one process, no dependencies, expiry enforced on
//! read and swept in the background.

use std::collections::{BTreeSet, HashMap};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak};
use std::time::Duration;

use auth_core::session::{SessionRecord, StoreKey};
use auth_core::store::SessionStore;
use auth_core::{Clock, Error};

/// The default bound on stored sessions.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// Sessions in a `HashMap` behind one `RwLock`, with a per-user index.
///
/// **Memory is bounded**: at most `capacity` sessions are kept (default
/// [`DEFAULT_CAPACITY`]). When a login finds the store full, expired
/// sessions are swept first; if it is still full, the login fails with
/// `store_unavailable` rather than evicting someone's live session. A flood
/// of logins therefore costs at most `capacity` records (each the size of
/// its user id, metadata and data, plus about 200 bytes).
#[derive(Debug)]
pub struct MemoryStore {
    inner: RwLock<Inner>,
    capacity: usize,
}

#[derive(Debug, Default)]
struct Inner {
    sessions: HashMap<StoreKey, SessionRecord>,
    /// Each user's sessions, ordered by creation time.
    users: HashMap<String, BTreeSet<(u64, StoreKey)>>,
}

impl Inner {
    fn insert(&mut self, key: StoreKey, record: SessionRecord) {
        self.users
            .entry(record.user_id.clone())
            .or_default()
            .insert((record.created, key));
        self.sessions.insert(key, record);
    }

    fn remove(&mut self, key: &StoreKey) -> Option<SessionRecord> {
        let record = self.sessions.remove(key)?;
        if let Some(set) = self.users.get_mut(&record.user_id) {
            set.remove(&(record.created, *key));
            if set.is_empty() {
                self.users.remove(&record.user_id);
            }
        }
        Some(record)
    }

    fn sweep(&mut self, now: u64) -> usize {
        let expired: Vec<StoreKey> = self
            .sessions
            .iter()
            .filter(|(_, r)| r.is_expired(now))
            .map(|(k, _)| *k)
            .collect();
        for key in &expired {
            self.remove(key);
        }
        expired.len()
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl MemoryStore {
    /// An empty store holding at most [`DEFAULT_CAPACITY`] sessions.
    #[must_use]
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }

    /// An empty store holding at most `capacity` sessions.
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            inner: RwLock::new(Inner::default()),
            capacity: capacity.max(1),
        }
    }

    // A panic while holding the lock cannot leave the maps half-updated in a
    // way that matters more than losing the store, so poisoning is ignored.
    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Removes every session expired at `now`; returns how many.
    pub fn sweep(&self, now: u64) -> usize {
        self.write().sweep(now)
    }

    /// How many sessions are stored (expired ones not yet swept included).
    #[must_use]
    pub fn len(&self) -> usize {
        self.read().sessions.len()
    }

    /// Whether the store is empty.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Sweeps expired sessions every `every` on the current tokio runtime,
    /// reading the time from `clock`. The task ends when the store is
    /// dropped; a panic inside one sweep is caught and the next sweep runs.
    pub fn spawn_sweeper<C: Clock + Send + Sync + 'static>(
        self: &Arc<Self>,
        every: Duration,
        clock: C,
    ) -> tokio::task::JoinHandle<()> {
        let store: Weak<Self> = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(every);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                ticks.tick().await;
                let Some(store) = store.upgrade() else {
                    return;
                };
                // Survive a bug in one sweep (or in the clock) rather than
                // stop sweeping for good.
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                    store.sweep(clock.now())
                }));
            }
        })
    }
}

impl SessionStore for MemoryStore {
    async fn create(
        &self,
        key: &StoreKey,
        record: &SessionRecord,
        max_per_user: Option<usize>,
    ) -> Result<bool, Error> {
        let now = record.last_seen;
        let mut inner = self.write();
        if let Some(existing) = inner.sessions.get(key) {
            if !existing.is_expired(now) {
                return Ok(false);
            }
            inner.remove(key);
        }
        if inner.sessions.len() >= self.capacity {
            inner.sweep(now);
            if inner.sessions.len() >= self.capacity {
                return Err(Error::StoreUnavailable(
                    "the in-memory session store is at capacity".into(),
                ));
            }
        }
        if let Some(max) = max_per_user {
            let oldest: Vec<StoreKey> = match inner.users.get(&record.user_id) {
                Some(set) if set.len() >= max => set
                    .iter()
                    .take(set.len() + 1 - max)
                    .map(|(_, k)| *k)
                    .collect(),
                _ => Vec::new(),
            };
            for k in &oldest {
                inner.remove(k);
            }
        }
        inner.insert(*key, record.clone());
        Ok(true)
    }

    async fn load(&self, key: &StoreKey, now: u64) -> Result<Option<SessionRecord>, Error> {
        Ok(self
            .read()
            .sessions
            .get(key)
            .filter(|r| !r.is_expired(now))
            .cloned())
    }

    async fn update(&self, key: &StoreKey, record: &SessionRecord) -> Result<bool, Error> {
        let mut inner = self.write();
        let Some(existing) = inner.sessions.get(key) else {
            return Ok(false);
        };
        if existing.user_id != record.user_id || existing.created != record.created {
            // Not the same session: replace the index entry too.
            inner.remove(key);
            inner.insert(*key, record.clone());
        } else if let Some(slot) = inner.sessions.get_mut(key) {
            *slot = record.clone();
        }
        Ok(true)
    }

    async fn delete(&self, key: &StoreKey) -> Result<bool, Error> {
        Ok(self.write().remove(key).is_some())
    }

    async fn rotate(
        &self,
        old: &StoreKey,
        new: &StoreKey,
        record: &SessionRecord,
    ) -> Result<bool, Error> {
        let mut inner = self.write();
        if !inner.sessions.contains_key(old) || inner.sessions.contains_key(new) {
            return Ok(false);
        }
        inner.remove(old);
        inner.insert(*new, record.clone());
        Ok(true)
    }

    async fn list(&self, user_id: &str, now: u64) -> Result<Vec<(StoreKey, SessionRecord)>, Error> {
        let inner = self.read();
        let Some(set) = inner.users.get(user_id) else {
            return Ok(Vec::new());
        };
        Ok(set
            .iter()
            .filter_map(|(_, k)| inner.sessions.get(k).map(|r| (*k, r)))
            .filter(|(_, r)| !r.is_expired(now))
            .map(|(k, r)| (k, r.clone()))
            .collect())
    }

    async fn delete_user(&self, user_id: &str, keep: Option<&StoreKey>) -> Result<usize, Error> {
        let mut inner = self.write();
        let keys: Vec<StoreKey> = inner
            .users
            .get(user_id)
            .map(|set| {
                set.iter()
                    .map(|(_, k)| *k)
                    .filter(|k| Some(k) != keep)
                    .collect()
            })
            .unwrap_or_default();
        for key in &keys {
            inner.remove(key);
        }
        Ok(keys.len())
    }
}
