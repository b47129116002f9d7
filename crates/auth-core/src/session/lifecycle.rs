//! The session lifecycle: login (with fixation protection and a generation
//! check against "log out everywhere"), authenticate (with sliding renewal
//! written back at most once per interval), rotate, logout, "log out
//! everywhere", listing and revoking by handle.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde_json::{Map, Value};

use super::{SessionId, SessionMeta, SessionRecord, StoreKey};
use crate::error::Error;
use crate::store::{Created, MAX_SESSIONS_PER_USER, SessionStore};
use crate::time::Clock;

/// The default for [`SessionConfig::max_per_user`].
pub const DEFAULT_MAX_PER_USER: usize = 32;

/// How long a [`LoginTicket`] stays usable, in seconds: the credentials
/// check it stands for must lead to a session within this time.
pub const LOGIN_TICKET_TTL: u64 = 600;

/// Timeouts and limits. Both timeouts are enforced by the server, together.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionConfig {
    /// A session unused this long (seconds) expires. Default 30 minutes.
    pub idle_timeout: u64,
    /// A session expires this long (seconds) after login, used or not.
    /// Default 8 hours.
    pub absolute_timeout: u64,
    /// The idle deadline is written back at most once per this many seconds
    /// (so a busy user does not cost a store write per request). Default 60,
    /// and never more than half the idle timeout.
    pub touch_interval: u64,
    /// At most this many sessions per user (default
    /// [`DEFAULT_MAX_PER_USER`], never more than
    /// [`MAX_SESSIONS_PER_USER`]); at the limit, a login removes the user's
    /// sessions closest to expiry first (the least recently used, as a rule).
    pub max_per_user: usize,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_timeout: 30 * 60,
            absolute_timeout: 8 * 60 * 60,
            touch_interval: 60,
            max_per_user: DEFAULT_MAX_PER_USER,
        }
    }
}

impl SessionConfig {
    /// The defaults.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the idle timeout in seconds (at least 1).
    #[must_use]
    pub fn idle_timeout(mut self, seconds: u64) -> Self {
        self.idle_timeout = seconds.max(1);
        self
    }

    /// Sets the absolute timeout in seconds (at least 1).
    #[must_use]
    pub fn absolute_timeout(mut self, seconds: u64) -> Self {
        self.absolute_timeout = seconds.max(1);
        self
    }

    /// Sets the touch interval in seconds.
    #[must_use]
    pub fn touch_interval(mut self, seconds: u64) -> Self {
        self.touch_interval = seconds;
        self
    }

    /// Limits the sessions per user (at least 1, at most
    /// [`MAX_SESSIONS_PER_USER`]).
    #[must_use]
    pub fn max_per_user(mut self, max: usize) -> Self {
        self.max_per_user = max.clamp(1, MAX_SESSIONS_PER_USER);
        self
    }

    /// The interval actually used: at most half the idle timeout, so an
    /// active user's session never lapses between write-backs.
    #[must_use]
    pub fn effective_touch_interval(&self) -> u64 {
        self.touch_interval.min(self.idle_timeout / 2)
    }
}

/// Proof that a login began before the credentials were checked: the user
/// and the generation of their sessions at that moment.
///
/// Get one with [`SessionManager::begin_login`] **before** checking the
/// password (or other credentials), and pass it to
/// [`SessionManager::login`] after. If "log out everywhere" runs in between
/// (a password change, say), the login is refused with
/// [`Error::StaleLogin`] instead of creating a session the change should
/// have ended. A ticket stands for one credentials check and makes at most
/// one session: it cannot be cloned, and `login` consumes it.
#[derive(Debug)]
pub struct LoginTicket {
    user_id: String,
    generation: u64,
    issued: u64,
}

impl LoginTicket {
    /// The user the login is for.
    #[must_use]
    pub fn user_id(&self) -> &str {
        &self.user_id
    }
}

/// A session just created: send `id` to the client (as a cookie).
#[derive(Debug)]
#[non_exhaustive]
pub struct NewSession {
    /// The new session ID. A secret: `Debug` does not show it.
    pub id: SessionId,
    /// What the store now holds.
    pub record: SessionRecord,
}

/// A session a request authenticated with.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct ActiveSession {
    /// The key the store files it under (not a secret; not the ID).
    pub key: StoreKey,
    /// The record, after any touch.
    pub record: SessionRecord,
}

/// One entry of a user's session list: nothing in it can be used to take
/// over the session.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct SessionInfo {
    /// Pass this to [`SessionManager::destroy_by_handle`].
    pub handle: String,
    /// When the session was created.
    pub created: u64,
    /// When it was last seen.
    pub last_seen: u64,
    /// When it expires (the nearer deadline).
    pub expires_at: u64,
    /// Login metadata.
    pub meta: SessionMeta,
}

/// The lifecycle rules over a [`SessionStore`].
///
/// Every call takes the time, `now` (seconds since the Unix epoch), so
/// tests are exact and `no_std` needs no clock. An app gives the manager
/// its clock once with [`SessionManager::with_clock`] and passes
/// [`SessionManager::now`]; `T` is that clock's type (`()`, the default,
/// without one):
///
/// ```
/// # #[cfg(feature = "std")] {
/// use auth_core::SystemClock;
/// use auth_core::session::{SessionConfig, SessionManager};
/// # let store = ();
/// let sessions = SessionManager::new(store, SessionConfig::new()).with_clock(SystemClock);
/// // In a handler: sessions.authenticate(cookie, sessions.now()).await?
/// assert!(sessions.now() > 1_700_000_000);
/// # }
/// ```
///
/// A manager given no clock has no `now()`: asking it for the time does
/// not compile, rather than give a wrong one.
///
/// ```compile_fail,E0599
/// use auth_core::session::{SessionConfig, SessionManager};
/// let sessions = SessionManager::new((), SessionConfig::new());
/// let _ = sessions.now();
/// ```
///
/// `Debug` shows the configuration only.
#[derive(Clone)]
pub struct SessionManager<S, T = ()> {
    store: S,
    config: SessionConfig,
    clock: T,
}

impl<S, T> fmt::Debug for SessionManager<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionManager")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

/// How many fresh IDs to try when the store reports a collision. With
/// 256-bit IDs a single collision already means a broken RNG.
const CREATE_ATTEMPTS: usize = 3;

impl<S> SessionManager<S> {
    /// A manager over `store` with `config`, without a clock: pass the
    /// time to each call, or give it one with
    /// [`SessionManager::with_clock`].
    pub fn new(store: S, config: SessionConfig) -> Self {
        Self {
            store,
            config,
            clock: (),
        }
    }
}

impl<S, T: Clock> SessionManager<S, T> {
    /// The time by the manager's clock, to pass as `now`.
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// The manager's clock.
    pub fn clock(&self) -> &T {
        &self.clock
    }
}

impl<S, T> SessionManager<S, T> {
    /// The same manager with `clock` as its clock ([`SessionManager::now`]):
    /// [`SystemClock`](crate::SystemClock) in an app, a
    /// [`FixedClock`](crate::FixedClock) or a clock of the test's own in
    /// tests. Replaces any clock it had.
    pub fn with_clock<C: Clock>(self, clock: C) -> SessionManager<S, C> {
        SessionManager {
            store: self.store,
            config: self.config,
            clock,
        }
    }
}

impl<S: SessionStore, T> SessionManager<S, T> {
    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The configuration.
    pub fn config(&self) -> &SessionConfig {
        &self.config
    }

    /// Starts a login for `user_id`: reads the user's session generation.
    /// Call it **before** checking the credentials; see [`LoginTicket`].
    pub async fn begin_login(&self, user_id: &str, now: u64) -> Result<LoginTicket, Error> {
        let generation = self.store.generation(user_id).await?;
        Ok(LoginTicket {
            user_id: user_id.into(),
            generation,
            issued: now,
        })
    }

    /// Completes a login whose credentials were checked after `ticket` was
    /// taken: destroys the session the request came with, if any (so an ID
    /// planted before login is never adopted), and creates a fresh one
    /// with insert-if-absent, provided the user's generation has not moved
    /// since the ticket ([`Error::StaleLogin`] otherwise, as for a ticket
    /// older than [`LOGIN_TICKET_TTL`]).
    pub async fn login(
        &self,
        ticket: LoginTicket,
        presented: Option<&str>,
        meta: SessionMeta,
        now: u64,
    ) -> Result<NewSession, Error> {
        self.login_with_data(ticket, presented, meta, Map::new(), now)
            .await
    }

    /// [`Self::login`] with the session's application data (the user's
    /// roles, say) in the record from the start: one write, where `login`
    /// then [`Self::set_session_data`] would be two. Data over
    /// [`MAX_DATA_LEN`](super::MAX_DATA_LEN) is refused with
    /// [`Error::RecordTooLarge`] before anything is written.
    pub async fn login_with_data(
        &self,
        ticket: LoginTicket,
        presented: Option<&str>,
        meta: SessionMeta,
        data: Map<String, Value>,
        now: u64,
    ) -> Result<NewSession, Error> {
        if now.saturating_sub(ticket.issued) > LOGIN_TICKET_TTL {
            return Err(Error::StaleLogin);
        }
        let mut record = SessionRecord::new(
            &ticket.user_id,
            now,
            self.config.idle_timeout,
            self.config.absolute_timeout,
            meta,
        )?;
        record.set_data(data)?;
        if let Some(old) = presented.and_then(SessionId::parse) {
            self.store.delete(&old.store_key()).await?;
        }
        for _ in 0..CREATE_ATTEMPTS {
            let id = self.new_id(&ticket.user_id)?;
            match self
                .store
                .create(
                    &id.store_key(),
                    &record,
                    ticket.generation,
                    self.config.max_per_user,
                )
                .await?
            {
                Created::Stored => return Ok(NewSession { id, record }),
                Created::GenerationMoved => return Err(Error::StaleLogin),
                Created::KeyTaken => {}
            }
        }
        Err(Error::IdCollision)
    }

    /// A fresh ID, in the user's bucket when the store groups by user.
    fn new_id(&self, user_id: &str) -> Result<SessionId, Error> {
        match self.store.buckets() {
            Some(buckets) => SessionId::generate_in_bucket(buckets, buckets.of_user(user_id)),
            None => SessionId::generate(),
        }
    }

    /// The session a request presents, if it is live. Garbage (anything
    /// that is not a well-formed ID) is `None` without touching the store.
    /// When the touch interval has passed, the idle deadline is moved and
    /// written back (update-if-exists).
    pub async fn authenticate(
        &self,
        presented: &str,
        now: u64,
    ) -> Result<Option<ActiveSession>, Error> {
        let Some(id) = SessionId::parse(presented) else {
            return Ok(None);
        };
        let key = id.store_key();
        let Some(mut record) = self.live(&key, now).await? else {
            return Ok(None);
        };
        if now
            >= record
                .last_seen
                .saturating_add(self.config.effective_touch_interval())
        {
            record.touch(now, self.config.idle_timeout);
            if !self.store.update(&key, &record, now).await? {
                return Ok(None);
            }
        }
        Ok(Some(ActiveSession { key, record }))
    }

    /// Issues a new ID for the presented session (on privilege change),
    /// keeping its record; the old ID stops working at once. `None` if the
    /// presented session is not live.
    pub async fn rotate(&self, presented: &str, now: u64) -> Result<Option<NewSession>, Error> {
        let Some(old) = SessionId::parse(presented) else {
            return Ok(None);
        };
        let old_key = old.store_key();
        let Some(record) = self.live(&old_key, now).await? else {
            return Ok(None);
        };
        self.rotate_key(&old_key, record, now).await
    }

    /// [`Self::rotate`] for the session a request already authenticated
    /// with: no second parse and no second read. `None` if it ended in the
    /// meantime.
    pub async fn rotate_session(
        &self,
        session: &ActiveSession,
        now: u64,
    ) -> Result<Option<NewSession>, Error> {
        self.rotate_key(&session.key, session.record.clone(), now)
            .await
    }

    async fn rotate_key(
        &self,
        old_key: &StoreKey,
        mut record: SessionRecord,
        now: u64,
    ) -> Result<Option<NewSession>, Error> {
        record.touch(now, self.config.idle_timeout);
        for _ in 0..CREATE_ATTEMPTS {
            let id = self.new_id(&record.user_id)?;
            if self
                .store
                .rotate(old_key, &id.store_key(), &record, now)
                .await?
            {
                return Ok(Some(NewSession { id, record }));
            }
            // Either the old session vanished meanwhile, or the new key
            // collided: only the second is worth another try.
            if self.store.load(old_key, now).await?.is_none() {
                return Ok(None);
            }
        }
        Err(Error::IdCollision)
    }

    /// Replaces the session's application data (last write wins). Applies
    /// only to a session that still exists: a slow request finishing after
    /// logout does not bring it back. Returns whether it applied. Data over
    /// [`MAX_DATA_LEN`](super::MAX_DATA_LEN) is refused with
    /// [`Error::RecordTooLarge`] and nothing is written.
    pub async fn set_data(
        &self,
        presented: &str,
        data: Map<String, Value>,
        now: u64,
    ) -> Result<bool, Error> {
        let Some(id) = SessionId::parse(presented) else {
            return Ok(false);
        };
        let key = id.store_key();
        let Some(mut record) = self.live(&key, now).await? else {
            return Ok(false);
        };
        record.set_data(data)?;
        self.store.update(&key, &record, now).await
    }

    /// [`Self::set_data`] for the session a request already authenticated
    /// with: one write, and `session.record` holds the new data when it
    /// applied. Returns whether it applied (`false`: the session ended in
    /// the meantime).
    pub async fn set_session_data(
        &self,
        session: &mut ActiveSession,
        data: Map<String, Value>,
        now: u64,
    ) -> Result<bool, Error> {
        let mut record = session.record.clone();
        record.set_data(data)?;
        let applied = self.store.update(&session.key, &record, now).await?;
        if applied {
            session.record = record;
        }
        Ok(applied)
    }

    /// Logs the presented session out. Returns whether it existed.
    pub async fn logout(&self, presented: &str) -> Result<bool, Error> {
        match SessionId::parse(presented) {
            Some(id) => self.store.delete(&id.store_key()).await,
            None => Ok(false),
        }
    }

    /// Logs out the session a request authenticated with (no second
    /// parse). Returns whether it still existed.
    pub async fn logout_session(&self, session: &ActiveSession) -> Result<bool, Error> {
        self.store.delete(&session.key).await
    }

    /// Logs the session's user out everywhere else: every other session
    /// ends, and logins whose [`LoginTicket`] was taken before are
    /// refused. Returns how many ended.
    pub async fn destroy_others(&self, session: &ActiveSession, now: u64) -> Result<usize, Error> {
        self.store
            .delete_user(&session.record.user_id, Some(&session.key), now)
            .await
    }

    /// Logs the user out everywhere, and refuses every login whose
    /// [`LoginTicket`] was taken before. Returns how many sessions ended.
    pub async fn destroy_all(&self, user_id: &str, now: u64) -> Result<usize, Error> {
        self.store.delete_user(user_id, None, now).await
    }

    /// Logs the user out everywhere but the presented session (after a
    /// password change, say), and refuses every login whose
    /// [`LoginTicket`] was taken before.
    pub async fn destroy_all_except(
        &self,
        user_id: &str,
        presented: &str,
        now: u64,
    ) -> Result<usize, Error> {
        let keep = SessionId::parse(presented).map(|id| id.store_key());
        self.store.delete_user(user_id, keep.as_ref(), now).await
    }

    /// The user's live sessions, oldest first (equal creation times in key
    /// order).
    pub async fn list(&self, user_id: &str, now: u64) -> Result<Vec<SessionInfo>, Error> {
        let mut sessions = self.store.list(user_id, now).await?;
        sessions.retain(|(_, r)| !r.is_expired(now) && r.user_id == user_id);
        sessions.sort_by(|(ka, ra), (kb, rb)| (ra.created, ka).cmp(&(rb.created, kb)));
        Ok(sessions
            .into_iter()
            .map(|(key, r)| SessionInfo {
                handle: key.handle(),
                created: r.created,
                last_seen: r.last_seen,
                expires_at: r.expires_at(),
                meta: r.meta,
            })
            .collect())
    }

    /// Ends the user's session with this handle (from [`Self::list`]).
    /// Another user's handle ends nothing. Returns whether one ended.
    pub async fn destroy_by_handle(
        &self,
        user_id: &str,
        handle: &str,
        now: u64,
    ) -> Result<bool, Error> {
        for (key, record) in self.store.list(user_id, now).await? {
            if record.user_id == user_id
                && crate::ct::ct_eq_bool(key.handle().as_bytes(), handle.as_bytes())
            {
                return self.store.delete(&key).await;
            }
        }
        Ok(false)
    }

    /// Loads a record that is live at `now`; an expired one is removed.
    async fn live(&self, key: &StoreKey, now: u64) -> Result<Option<SessionRecord>, Error> {
        match self.store.load(key, now).await? {
            Some(record) if record.is_expired(now) => {
                self.store.delete(key).await?;
                Ok(None)
            }
            other => Ok(other),
        }
    }
}
