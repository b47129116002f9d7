//! The in-memory store: one process, no dependencies, expiry enforced on
//! read and swept in the background.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::sync::{
    Arc, Mutex, MutexGuard, PoisonError, RwLock, RwLockReadGuard, RwLockWriteGuard, Weak,
};
use std::time::Duration;

use auth_core::session::{LOGIN_TICKET_TTL, SessionRecord, StoreKey};
use auth_core::store::{Created, MAX_SESSIONS_PER_USER, SessionStore, ThrottleStore};
use auth_core::throttle::{Attempt, Limit, ThrottleKey, ThrottleState};
use auth_core::{Clock, Error};

use crate::memory_tokens::{DEFAULT_TOKEN_CAPACITY, Tokens};

/// The default bound on stored sessions.
pub const DEFAULT_CAPACITY: usize = 100_000;

/// The default bound on failed-login throttle entries (one per account
/// name and one per address with recent failures).
pub const DEFAULT_THROTTLE_CAPACITY: usize = 100_000;

/// Sessions in a `HashMap` behind one `RwLock`, with a per-user index and
/// an expiry index.
///
/// **Memory is bounded**: at most `capacity` sessions are kept (default
/// [`DEFAULT_CAPACITY`]), and one user at most
/// [`MAX_SESSIONS_PER_USER`](auth_core::store::MAX_SESSIONS_PER_USER) of
/// them (the session manager's own limit, 32 by default, is usually
/// lower), so one account cannot fill the store. When a login finds the
/// store full, expired sessions are removed first (each costs one step of
/// the expiry index, whatever the store's size); if it is still full, the
/// login fails with `store_unavailable` rather than evicting someone's live
/// session. Records themselves are bounded by `auth-core` (user id, data,
/// metadata).
///
/// It is also a [`ThrottleStore`] for failed-login counts, kept apart from
/// the sessions (own lock, own bound): at most `throttle_capacity` entries
/// (default [`DEFAULT_THROTTLE_CAPACITY`]), each removed once it expires
/// (on the next sweep, or when the table is full). When the table is full
/// of live entries, an attempt that would need a new entry **fails closed**
/// with `store_unavailable` at the throttle check, before any password is
/// hashed; accounts and addresses already in the table go on as usual.
/// Evicting live entries instead would let an attacker erase the count of
/// the account they are guessing by flooding the table with other names;
/// refusing costs availability for new names until entries expire (at
/// most a window after their block), never throttling.
///
/// `Debug` shows the counts, never a record.
pub struct MemoryStore {
    inner: RwLock<Inner>,
    capacity: usize,
    tokens: RwLock<Tokens>,
    pub(crate) token_capacity: usize,
    throttles: Mutex<Throttles>,
    throttle_capacity: usize,
}

/// A user's generation, and when it last moved (to forget it once no login
/// ticket from before can still be used).
#[derive(Clone, Copy)]
pub(crate) struct Generation {
    pub(crate) value: u64,
    pub(crate) moved_at: u64,
}

#[derive(Default)]
struct Inner {
    sessions: HashMap<StoreKey, SessionRecord>,
    /// Every session by expiry: the sweep takes expired ones off the front.
    by_expiry: BTreeSet<(u64, StoreKey)>,
    /// Each user's sessions by expiry.
    users: HashMap<String, BTreeSet<(u64, StoreKey)>>,
    generations: HashMap<String, Generation>,
    /// The last generation value handed out, to any user. Values are never
    /// reused, so a generation forgotten by the sweep and moved again later
    /// cannot come back to a value an old ticket holds.
    last_generation: u64,
}

impl Inner {
    fn insert(&mut self, key: StoreKey, record: SessionRecord) {
        let entry = (record.expires_at(), key);
        self.by_expiry.insert(entry);
        self.users
            .entry(record.user_id.clone())
            .or_default()
            .insert(entry);
        self.sessions.insert(key, record);
    }

    fn remove(&mut self, key: &StoreKey) -> Option<SessionRecord> {
        let record = self.sessions.remove(key)?;
        let entry = (record.expires_at(), *key);
        self.by_expiry.remove(&entry);
        if let Some(set) = self.users.get_mut(&record.user_id) {
            set.remove(&entry);
            if set.is_empty() {
                self.users.remove(&record.user_id);
            }
        }
        Some(record)
    }

    /// The record under `key` if it is live at `now`.
    fn live(&self, key: &StoreKey, now: u64) -> Option<&SessionRecord> {
        self.sessions.get(key).filter(|r| !r.is_expired(now))
    }

    /// Removes the sessions expired at `now`, soonest first; the cost is
    /// one index step per session removed.
    fn sweep_expired(&mut self, now: u64) -> usize {
        let mut removed = 0;
        while let Some(&(expires_at, key)) = self.by_expiry.first() {
            if now < expires_at {
                break;
            }
            self.remove(&key);
            removed += 1;
        }
        removed
    }

    fn generation(&self, user_id: &str) -> u64 {
        self.generations.get(user_id).map_or(0, |g| g.value)
    }
}

/// Failed-login states, with an expiry index for the sweep.
#[derive(Default)]
struct Throttles {
    states: HashMap<ThrottleKey, ThrottleState>,
    by_expiry: BTreeSet<(u64, ThrottleKey)>,
}

impl Throttles {
    fn put(&mut self, key: ThrottleKey, state: ThrottleState) {
        if let Some(old) = self.states.insert(key, state) {
            self.by_expiry.remove(&(old.expires_at, key));
        }
        self.by_expiry.insert((state.expires_at, key));
    }

    fn remove(&mut self, key: &ThrottleKey) -> bool {
        match self.states.remove(key) {
            Some(old) => {
                self.by_expiry.remove(&(old.expires_at, *key));
                true
            }
            None => false,
        }
    }

    /// Removes the states expired at `now`, soonest first.
    fn sweep(&mut self, now: u64) {
        while let Some(&(expires_at, key)) = self.by_expiry.first() {
            if now < expires_at {
                break;
            }
            self.remove(&key);
        }
    }

    /// Whether `keys` fit, new ones included, sweeping expired states
    /// first if they would not; [`Error::StoreUnavailable`] if they still
    /// do not.
    fn make_room(&mut self, keys: &[&ThrottleKey], now: u64, capacity: usize) -> Result<(), Error> {
        let new = |states: &HashMap<ThrottleKey, ThrottleState>| {
            keys.iter().filter(|k| !states.contains_key(**k)).count()
        };
        if self.states.len() + new(&self.states) > capacity {
            self.sweep(now);
            if self.states.len() + new(&self.states) > capacity {
                return Err(Error::StoreUnavailable(
                    "the in-memory throttle store is at capacity".into(),
                ));
            }
        }
        Ok(())
    }
}

impl Default for MemoryStore {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for MemoryStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MemoryStore")
            .field("sessions", &self.len())
            .field("capacity", &self.capacity)
            .field("token_entries", &self.token_entries())
            .field("token_capacity", &self.token_capacity)
            .field("throttle_entries", &self.throttle_len())
            .finish()
    }
}

impl MemoryStore {
    /// An empty store holding at most [`DEFAULT_CAPACITY`] sessions.
    #[must_use]
    pub fn new() -> Self {
        Self::with_capacity(DEFAULT_CAPACITY)
    }

    /// An empty store holding at most `capacity` sessions (and
    /// [`DEFAULT_TOKEN_CAPACITY`] token entries).
    #[must_use]
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            inner: RwLock::new(Inner::default()),
            capacity: capacity.max(1),
            tokens: RwLock::new(Tokens::default()),
            token_capacity: DEFAULT_TOKEN_CAPACITY,
            throttles: Mutex::new(Throttles::default()),
            throttle_capacity: DEFAULT_THROTTLE_CAPACITY,
        }
    }

    /// Bounds the token entries (refresh families, refresh-token records
    /// and denylist entries together) at `capacity`. When full of live
    /// entries, a login or refresh fails with `store_unavailable` rather
    /// than forget someone's login or a revocation.
    #[must_use]
    pub fn with_token_capacity(mut self, capacity: usize) -> Self {
        self.token_capacity = capacity.max(2);
        self
    }

    pub(crate) fn tokens(&self) -> RwLockReadGuard<'_, Tokens> {
        self.tokens.read().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn tokens_mut(&self) -> RwLockWriteGuard<'_, Tokens> {
        self.tokens.write().unwrap_or_else(PoisonError::into_inner)
    }

    /// Holds at most `capacity` failed-login throttle entries (at least 2:
    /// one attempt's account and address).
    #[must_use]
    pub fn with_throttle_capacity(mut self, capacity: usize) -> Self {
        self.throttle_capacity = capacity.max(2);
        self
    }

    // A panic while holding the lock cannot leave the maps half-updated in a
    // way that matters more than losing the store, so poisoning is ignored.
    fn read(&self) -> RwLockReadGuard<'_, Inner> {
        self.inner.read().unwrap_or_else(PoisonError::into_inner)
    }

    fn write(&self) -> RwLockWriteGuard<'_, Inner> {
        self.inner.write().unwrap_or_else(PoisonError::into_inner)
    }

    fn throttles(&self) -> MutexGuard<'_, Throttles> {
        self.throttles
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Removes every session and token entry expired at `now`, and forgets
    /// generations that no usable login ticket can predate; returns how
    /// many sessions and token entries went. Throttle states expired at
    /// `now` go too (not counted).
    ///
    /// A forgotten generation reads as 0 again. That is safe: a ticket that
    /// read the generation before it moved is, by then, older than
    /// [`LOGIN_TICKET_TTL`] and refused for its age.
    pub fn sweep(&self, now: u64) -> usize {
        let sessions = {
            let mut inner = self.write();
            inner
                .generations
                .retain(|_, g| now <= g.moved_at.saturating_add(LOGIN_TICKET_TTL));
            inner.sweep_expired(now)
        };
        self.throttles().sweep(now);
        sessions + self.sweep_tokens(now)
    }

    /// How many throttle entries are stored (expired ones not yet swept
    /// included).
    #[must_use]
    pub fn throttle_len(&self) -> usize {
        self.throttles().states.len()
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
    /// A zero interval is refused with [`Error::Misuse`] (the timer would
    /// panic and the sweeper stop for good).
    pub fn spawn_sweeper<C: Clock + Send + Sync + 'static>(
        self: &Arc<Self>,
        every: Duration,
        clock: C,
    ) -> Result<tokio::task::JoinHandle<()>, Error> {
        if every.is_zero() {
            return Err(Error::Misuse("the sweep interval must be positive"));
        }
        let store: Weak<Self> = Arc::downgrade(self);
        Ok(tokio::spawn(async move {
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
        }))
    }
}

impl SessionStore for MemoryStore {
    async fn generation(&self, user_id: &str) -> Result<u64, Error> {
        Ok(self.read().generation(user_id))
    }

    async fn create(
        &self,
        key: &StoreKey,
        record: &SessionRecord,
        generation: u64,
        max_per_user: usize,
    ) -> Result<Created, Error> {
        let now = record.last_seen;
        let mut inner = self.write();
        if inner.generation(&record.user_id) != generation {
            return Ok(Created::GenerationMoved);
        }
        if inner.sessions.contains_key(key) {
            if inner.live(key, now).is_some() {
                return Ok(Created::KeyTaken);
            }
            inner.remove(key);
        }
        let max = max_per_user.clamp(1, MAX_SESSIONS_PER_USER);
        let evict: Vec<StoreKey> = match inner.users.get(&record.user_id) {
            Some(set) if set.len() >= max => set
                .iter()
                .take(set.len() + 1 - max)
                .map(|(_, k)| *k)
                .collect(),
            _ => Vec::new(),
        };
        for k in &evict {
            inner.remove(k);
        }
        if inner.sessions.len() >= self.capacity {
            inner.sweep_expired(now);
            if inner.sessions.len() >= self.capacity {
                return Err(Error::StoreUnavailable(
                    "the in-memory session store is at capacity".into(),
                ));
            }
        }
        inner.insert(*key, record.clone());
        Ok(Created::Stored)
    }

    async fn load(&self, key: &StoreKey, now: u64) -> Result<Option<SessionRecord>, Error> {
        Ok(self.read().live(key, now).cloned())
    }

    async fn update(
        &self,
        key: &StoreKey,
        record: &SessionRecord,
        now: u64,
    ) -> Result<bool, Error> {
        let mut inner = self.write();
        if inner.live(key, now).is_none() {
            return Ok(false);
        }
        // The index entries carry the expiry, which may have moved.
        inner.remove(key);
        inner.insert(*key, record.clone());
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
        now: u64,
    ) -> Result<bool, Error> {
        let mut inner = self.write();
        if inner.live(old, now).is_none() || inner.sessions.contains_key(new) {
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
            .filter_map(|(_, k)| inner.live(k, now).map(|r| (*k, r.clone())))
            .collect())
    }

    async fn delete_user(
        &self,
        user_id: &str,
        keep: Option<&StoreKey>,
        now: u64,
    ) -> Result<usize, Error> {
        let mut inner = self.write();
        inner.last_generation += 1;
        let value = inner.last_generation;
        inner.generations.insert(
            user_id.into(),
            Generation {
                value,
                moved_at: now,
            },
        );
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

impl ThrottleStore for MemoryStore {
    async fn load_throttles(
        &self,
        keys: [&ThrottleKey; 2],
        now: u64,
    ) -> Result<[Option<ThrottleState>; 2], Error> {
        let throttles = self.throttles();
        Ok(keys.map(|k| throttles.states.get(k).copied().filter(|s| s.is_live(now))))
    }

    async fn count_attempts(
        &self,
        attempts: [(&ThrottleKey, &Limit); 2],
        now: u64,
    ) -> Result<[Attempt; 2], Error> {
        let mut throttles = self.throttles();
        // Refuse now an attempt whose failure could not be counted.
        throttles.make_room(&attempts.map(|(k, _)| k), now, self.throttle_capacity)?;
        Ok(attempts.map(|(key, limit)| {
            let attempt = limit.attempt(throttles.states.get(key).copied(), now);
            if let Attempt::Counted(next) = attempt {
                throttles.put(*key, next);
            }
            attempt
        }))
    }

    async fn refund_attempt(
        &self,
        key: &ThrottleKey,
        limit: &Limit,
        now: u64,
    ) -> Result<Option<ThrottleState>, Error> {
        let mut throttles = self.throttles();
        let Some(&state) = throttles.states.get(key) else {
            return Ok(None);
        };
        let left = limit.refund(Some(state), now);
        match left {
            Some(next) => throttles.put(*key, next),
            None => {
                throttles.remove(key);
            }
        }
        Ok(left)
    }

    async fn clear_throttle(&self, key: &ThrottleKey) -> Result<bool, Error> {
        Ok(self.throttles().remove(key))
    }
}
