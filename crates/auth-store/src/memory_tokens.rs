//! `TokenStore` for `MemoryStore`: refresh families, their token records,
//! the access-token denylist and the token generations, behind their own
//! lock (token traffic never waits for session traffic).

use std::collections::{BTreeSet, HashMap};

use auth_core::Error;
use auth_core::session::{LOGIN_TICKET_TTL, StoreKey};
use auth_core::store::{
    AccessState, Created, MAX_FAMILIES_PER_USER, RefreshRules, Refreshed, TokenStore,
};
use auth_core::tokens::FamilyRecord;

use crate::memory::{Generation, MemoryStore};

/// The default bound on stored token entries (families, refresh-token
/// records and denylist entries together).
pub const DEFAULT_TOKEN_CAPACITY: usize = 500_000;

/// One refresh token, by its store key.
#[derive(Clone)]
struct RefreshEntry {
    family_id: String,
    /// The family's absolute deadline: kept that long, used or not, so a
    /// reused token is recognised as long as its family could live.
    expires_at: u64,
    /// When it was used, and the token that replaced it.
    used: Option<(u64, StoreKey)>,
}

/// What the expiry index points at.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Item {
    Family(String),
    Refresh(StoreKey),
    Denied(StoreKey),
}

#[derive(Default)]
pub(crate) struct Tokens {
    families: HashMap<String, FamilyRecord>,
    /// Each user's families by expiry.
    users: HashMap<String, BTreeSet<(u64, String)>>,
    refresh: HashMap<StoreKey, RefreshEntry>,
    /// Denied access tokens, until their `exp`.
    denied: HashMap<StoreKey, u64>,
    /// Every entry by expiry: the sweep takes expired ones off the front.
    by_expiry: BTreeSet<(u64, Item)>,
    generations: HashMap<String, Generation>,
    /// The last token generation handed out, to any user (never reused).
    last_generation: u64,
}

impl Tokens {
    fn len(&self) -> usize {
        self.families.len() + self.refresh.len() + self.denied.len()
    }

    fn generation(&self, user_id: &str) -> u64 {
        self.generations.get(user_id).map_or(0, |g| g.value)
    }

    fn insert_family(&mut self, family: FamilyRecord) {
        let at = family.expires_at();
        self.by_expiry
            .insert((at, Item::Family(family.family_id.clone())));
        self.users
            .entry(family.user_id.clone())
            .or_default()
            .insert((at, family.family_id.clone()));
        self.families.insert(family.family_id.clone(), family);
    }

    /// Takes a family out of every index (its token records stay).
    fn take_family(&mut self, family_id: &str) -> Option<FamilyRecord> {
        let family = self.families.remove(family_id)?;
        let at = family.expires_at();
        self.by_expiry.remove(&(at, Item::Family(family_id.into())));
        if let Some(set) = self.users.get_mut(&family.user_id) {
            set.remove(&(at, family_id.into()));
            if set.is_empty() {
                self.users.remove(&family.user_id);
            }
        }
        Some(family)
    }

    /// Revokes a family: removes it and its current token. Its used
    /// tokens stay until they expire (they now name a family that is
    /// gone, which reads as "unknown").
    fn revoke_family(&mut self, family_id: &str) -> Option<FamilyRecord> {
        let family = self.take_family(family_id)?;
        if let Some(current) = family.current() {
            self.remove_refresh(&current);
        }
        Some(family)
    }

    fn insert_refresh(&mut self, key: StoreKey, entry: RefreshEntry) {
        self.by_expiry
            .insert((entry.expires_at, Item::Refresh(key)));
        self.refresh.insert(key, entry);
    }

    fn remove_refresh(&mut self, key: &StoreKey) {
        if let Some(entry) = self.refresh.remove(key) {
            self.by_expiry
                .remove(&(entry.expires_at, Item::Refresh(*key)));
        }
    }

    /// The family `family_id` if it is live at `now`.
    fn live_family(&self, family_id: &str, now: u64) -> Option<&FamilyRecord> {
        self.families.get(family_id).filter(|f| !f.is_expired(now))
    }

    /// Removes what has expired at `now`, soonest first (one index step
    /// per entry removed); returns how many entries went.
    fn sweep_expired(&mut self, now: u64) -> usize {
        let before = self.len();
        while let Some((at, item)) = self.by_expiry.first().cloned() {
            if now < at {
                break;
            }
            match item {
                Item::Family(id) => {
                    self.revoke_family(&id);
                }
                Item::Refresh(key) => self.remove_refresh(&key),
                Item::Denied(key) => {
                    self.by_expiry.remove(&(at, Item::Denied(key)));
                    self.denied.remove(&key);
                }
            }
        }
        before - self.len()
    }

    /// Makes room for `extra` entries, sweeping expired ones first; fails
    /// closed (nothing written) when the store is full of live entries.
    fn reserve(&mut self, extra: usize, capacity: usize, now: u64) -> Result<(), Error> {
        if self.len() + extra > capacity {
            self.sweep_expired(now);
            if self.len() + extra > capacity {
                return Err(Error::StoreUnavailable(
                    "the in-memory token store is at capacity".into(),
                ));
            }
        }
        Ok(())
    }

    /// Makes `next` the family's current token and records the use of
    /// `used` (which keeps its first use time).
    fn advance(
        &mut self,
        family_id: &str,
        used: &StoreKey,
        used_at: u64,
        next: &StoreKey,
        now: u64,
        idle: u64,
    ) -> Option<FamilyRecord> {
        let mut family = self.take_family(family_id)?;
        family.advance(next, now, idle);
        if let Some(entry) = self.refresh.get_mut(used) {
            entry.used = Some((used_at, *next));
        }
        self.insert_refresh(
            *next,
            RefreshEntry {
                family_id: family_id.into(),
                expires_at: family.absolute_deadline,
                used: None,
            },
        );
        self.insert_family(family.clone());
        Some(family)
    }

    fn refresh(
        &mut self,
        presented: &StoreKey,
        next: &StoreKey,
        now: u64,
        rules: RefreshRules,
        capacity: usize,
    ) -> Result<Refreshed, Error> {
        let Some(entry) = self.refresh.get(presented).filter(|e| now < e.expires_at) else {
            return Ok(Refreshed::Unknown);
        };
        let entry = entry.clone();
        let Some(family) = self.live_family(&entry.family_id, now) else {
            return Ok(Refreshed::Unknown);
        };
        let current = family.current();
        let refreshes = family.refreshes;
        match entry.used {
            Some((used_at, successor)) => {
                let retry = now < used_at.saturating_add(rules.grace)
                    && current == Some(successor)
                    && self
                        .refresh
                        .get(&successor)
                        .is_some_and(|s| s.used.is_none());
                if !retry {
                    let family = self.revoke_family(&entry.family_id);
                    return Ok(family.map_or(Refreshed::Unknown, |f| Refreshed::Reused {
                        user_id: f.user_id,
                        family_id: f.family_id,
                    }));
                }
                if self.refresh.contains_key(next) {
                    return Ok(Refreshed::KeyTaken);
                }
                // The lost response's token is dropped, not marked used: a
                // client that did receive it gets "unknown", not a revoked
                // family. One entry out, one in: no room needed.
                self.remove_refresh(&successor);
                let family =
                    self.advance(&entry.family_id, presented, used_at, next, now, rules.idle);
                Ok(family.map_or(Refreshed::Unknown, Refreshed::Rotated))
            }
            None => {
                if current != Some(*presented) {
                    return Ok(Refreshed::Unknown);
                }
                if refreshes >= rules.max_refreshes {
                    self.revoke_family(&entry.family_id);
                    return Ok(Refreshed::Unknown);
                }
                if self.refresh.contains_key(next) {
                    return Ok(Refreshed::KeyTaken);
                }
                self.reserve(1, capacity, now)?;
                let family = self.advance(&entry.family_id, presented, now, next, now, rules.idle);
                Ok(family.map_or(Refreshed::Unknown, Refreshed::Rotated))
            }
        }
    }
}

impl MemoryStore {
    /// How many token entries are stored (families, refresh-token records
    /// and denylist entries; expired ones not yet swept included).
    #[must_use]
    pub fn token_entries(&self) -> usize {
        self.tokens().len()
    }

    /// Removes the token entries expired at `now` and forgets token
    /// generations no usable ticket can predate (see
    /// [`MemoryStore::sweep`], which calls it).
    pub(crate) fn sweep_tokens(&self, now: u64) -> usize {
        let mut tokens = self.tokens_mut();
        tokens
            .generations
            .retain(|_, g| now <= g.moved_at.saturating_add(LOGIN_TICKET_TTL));
        tokens.sweep_expired(now)
    }
}

impl TokenStore for MemoryStore {
    async fn token_generation(&self, user_id: &str) -> Result<u64, Error> {
        Ok(self.tokens().generation(user_id))
    }

    async fn create_family(
        &self,
        family: &FamilyRecord,
        generation: u64,
        max_per_user: usize,
    ) -> Result<Created, Error> {
        let now = family.created;
        let Some(first) = family.current() else {
            return Err(Error::Misuse("the family names no refresh token"));
        };
        let mut tokens = self.tokens_mut();
        if tokens.generation(&family.user_id) != generation {
            return Ok(Created::GenerationMoved);
        }
        if let Some(entry) = tokens.refresh.get(&first) {
            if now < entry.expires_at {
                return Ok(Created::KeyTaken);
            }
            tokens.remove_refresh(&first);
        }
        // Room first, so that a refusal changes nothing (not even the
        // evictions below).
        tokens.reserve(2, self.token_capacity, now)?;
        let max = max_per_user.clamp(1, MAX_FAMILIES_PER_USER);
        let evict: Vec<String> = match tokens.users.get(&family.user_id) {
            Some(set) if set.len() >= max => set
                .iter()
                .take(set.len() + 1 - max)
                .map(|(_, id)| id.clone())
                .collect(),
            _ => Vec::new(),
        };
        for id in &evict {
            tokens.revoke_family(id);
        }
        tokens.insert_refresh(
            first,
            RefreshEntry {
                family_id: family.family_id.clone(),
                expires_at: family.absolute_deadline,
                used: None,
            },
        );
        tokens.insert_family(family.clone());
        Ok(Created::Stored)
    }

    async fn refresh(
        &self,
        presented: &StoreKey,
        next: &StoreKey,
        now: u64,
        rules: RefreshRules,
    ) -> Result<Refreshed, Error> {
        self.tokens_mut()
            .refresh(presented, next, now, rules, self.token_capacity)
    }

    async fn access_state(
        &self,
        user_id: &str,
        family_id: &str,
        denied: &StoreKey,
        now: u64,
    ) -> Result<AccessState, Error> {
        let tokens = self.tokens();
        if tokens.denied.get(denied).is_some_and(|&until| now < until) {
            return Ok(AccessState::Denied);
        }
        let live = tokens
            .live_family(family_id, now)
            .is_some_and(|f| f.user_id == user_id);
        Ok(if live {
            AccessState::Live
        } else {
            AccessState::FamilyEnded
        })
    }

    async fn deny(
        &self,
        _user_id: &str,
        key: &StoreKey,
        until: u64,
        now: u64,
    ) -> Result<(), Error> {
        let mut tokens = self.tokens_mut();
        let old = tokens.denied.get(key).copied();
        if old.is_some_and(|old| old >= until) {
            return Ok(());
        }
        match old {
            Some(old) => {
                tokens.by_expiry.remove(&(old, Item::Denied(*key)));
            }
            None => tokens.reserve(1, self.token_capacity, now)?,
        }
        tokens.by_expiry.insert((until, Item::Denied(*key)));
        tokens.denied.insert(*key, until);
        Ok(())
    }

    async fn delete_family(&self, user_id: &str, family_id: &str) -> Result<bool, Error> {
        let mut tokens = self.tokens_mut();
        if tokens
            .families
            .get(family_id)
            .is_none_or(|f| f.user_id != user_id)
        {
            return Ok(false);
        }
        Ok(tokens.revoke_family(family_id).is_some())
    }

    async fn list_families(&self, user_id: &str, now: u64) -> Result<Vec<FamilyRecord>, Error> {
        let tokens = self.tokens();
        let Some(set) = tokens.users.get(user_id) else {
            return Ok(Vec::new());
        };
        Ok(set
            .iter()
            .filter_map(|(_, id)| tokens.live_family(id, now).cloned())
            .collect())
    }

    async fn delete_user_families(&self, user_id: &str, now: u64) -> Result<usize, Error> {
        let mut tokens = self.tokens_mut();
        tokens.last_generation += 1;
        let value = tokens.last_generation;
        tokens.generations.insert(
            user_id.into(),
            Generation {
                value,
                moved_at: now,
            },
        );
        let ids: Vec<String> = tokens
            .users
            .get(user_id)
            .map(|set| set.iter().map(|(_, id)| id.clone()).collect())
            .unwrap_or_default();
        for id in &ids {
            tokens.revoke_family(id);
        }
        Ok(ids.len())
    }
}
