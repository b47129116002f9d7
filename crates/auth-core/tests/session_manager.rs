//! The session manager on its own, against a deliberately naive store that
//! filters nothing: it returns expired records and other users' records,
//! and accepts every write. Whatever the manager promises must then come
//! from the manager's own checks, not from a well-behaved store.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::future::Future;
use std::pin::pin;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::task::{Context, Poll, Waker};

use auth_core::session::{
    SessionConfig, SessionId, SessionManager, SessionMeta, SessionRecord, StoreKey,
};
use auth_core::store::{Created, SessionStore};
use auth_core::{Clock, Error, FixedClock};

/// Runs a future that never waits (the naive store answers at once).
fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the naive store never waits"),
    }
}

#[derive(Default)]
struct Naive {
    records: Mutex<Vec<(StoreKey, SessionRecord)>>,
    updates: AtomicUsize,
    deletes: AtomicUsize,
    /// Every key is "taken": a store (or an RNG) gone wrong.
    collide: bool,
    /// Reads fail as if the backend were unreachable.
    down: bool,
}

impl Naive {
    fn put(&self, key: StoreKey, record: SessionRecord) {
        self.records.lock().unwrap().push((key, record));
    }
}

impl SessionStore for Naive {
    async fn generation(&self, _: &str) -> Result<u64, Error> {
        Ok(0)
    }
    async fn create(
        &self,
        key: &StoreKey,
        record: &SessionRecord,
        _: u64,
        _: usize,
    ) -> Result<Created, Error> {
        if self.collide {
            return Ok(Created::KeyTaken);
        }
        self.put(*key, record.clone());
        Ok(Created::Stored)
    }
    // No expiry filter: the manager must look at the deadlines itself.
    async fn load(&self, key: &StoreKey, _: u64) -> Result<Option<SessionRecord>, Error> {
        if self.down {
            return Err(Error::StoreUnavailable("naive store is down".into()));
        }
        let records = self.records.lock().unwrap();
        Ok(records
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, r)| r.clone()))
    }
    async fn update(&self, key: &StoreKey, record: &SessionRecord, _: u64) -> Result<bool, Error> {
        self.updates.fetch_add(1, Ordering::SeqCst);
        let mut records = self.records.lock().unwrap();
        match records.iter_mut().find(|(k, _)| k == key) {
            Some(slot) => {
                slot.1 = record.clone();
                Ok(true)
            }
            None => Ok(false),
        }
    }
    async fn delete(&self, key: &StoreKey) -> Result<bool, Error> {
        self.deletes.fetch_add(1, Ordering::SeqCst);
        let mut records = self.records.lock().unwrap();
        let before = records.len();
        records.retain(|(k, _)| k != key);
        Ok(records.len() != before)
    }
    async fn rotate(
        &self,
        _: &StoreKey,
        _: &StoreKey,
        _: &SessionRecord,
        _: u64,
    ) -> Result<bool, Error> {
        Ok(false)
    }
    // Everything, whoever's and however old.
    async fn list(&self, _: &str, _: u64) -> Result<Vec<(StoreKey, SessionRecord)>, Error> {
        Ok(self.records.lock().unwrap().clone())
    }
    async fn delete_user(&self, _: &str, _: Option<&StoreKey>, _: u64) -> Result<usize, Error> {
        Ok(0)
    }
}

const T: u64 = 1_700_000_000;

fn record(user: &str, created: u64, idle: u64) -> SessionRecord {
    SessionRecord::new(user, created, idle, 3600, SessionMeta::default()).unwrap()
}

/// A cookie whose session the naive store holds.
fn planted(store: &Naive, record: SessionRecord) -> String {
    let id = SessionId::generate().unwrap();
    store.put(id.store_key(), record);
    id.expose().to_string()
}

#[test]
fn list_shows_only_the_users_live_sessions() {
    let store = Naive::default();
    let m = SessionManager::new(&store, SessionConfig::new());
    planted(&store, record("ann", T, 600));
    planted(&store, record("ann", T - 1000, 600)); // expired at T - 400
    planted(&store, record("bob", T, 600)); // live, but someone else's
    let listed = block_on(m.list("ann", T)).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].created, T);
    // At the deadline exactly, the live one is gone too.
    assert!(block_on(m.list("ann", T + 600)).unwrap().is_empty());
}

#[test]
fn list_is_oldest_first_whatever_order_the_store_returns() {
    let store = Naive::default();
    let m = SessionManager::new(&store, SessionConfig::new());
    for created in [T - 5, T - 20, T - 10] {
        planted(&store, record("ann", created, 600));
    }
    let created: Vec<u64> = block_on(m.list("ann", T))
        .unwrap()
        .iter()
        .map(|i| i.created)
        .collect();
    assert_eq!(created, [T - 20, T - 10, T - 5]);
}

#[test]
fn an_expired_record_is_no_session_and_is_removed() {
    let store = Naive::default();
    let m = SessionManager::new(&store, SessionConfig::new());
    let cookie = planted(&store, record("ann", T, 600));
    assert!(block_on(m.authenticate(&cookie, T + 30)).unwrap().is_some());
    assert_eq!(store.deletes.load(Ordering::SeqCst), 0);
    assert!(
        block_on(m.authenticate(&cookie, T + 600))
            .unwrap()
            .is_none()
    );
    assert_eq!(store.deletes.load(Ordering::SeqCst), 1, "removed on sight");
    assert!(store.records.lock().unwrap().is_empty());
    // set_data and rotate refuse it too.
    let cookie = planted(&store, record("ann", T, 600));
    assert!(!block_on(m.set_data(&cookie, serde_json::Map::new(), T + 600)).unwrap());
    let cookie = planted(&store, record("ann", T, 600));
    assert!(block_on(m.rotate(&cookie, T + 600)).unwrap().is_none());
}

#[test]
fn the_touch_interval_is_capped_at_half_the_idle_timeout() {
    let store = Naive::default();
    // A touch interval longer than the idle timeout would let an active
    // user's session lapse between write-backs: it is capped at idle / 2.
    let config = SessionConfig::new().idle_timeout(100).touch_interval(1000);
    assert_eq!(config.effective_touch_interval(), 50);
    let m = SessionManager::new(&store, config);
    let cookie = planted(&store, record("ann", T, 100));
    let a = block_on(m.authenticate(&cookie, T + 49)).unwrap().unwrap();
    assert_eq!(a.record.last_seen, T);
    assert_eq!(store.updates.load(Ordering::SeqCst), 0);
    let a = block_on(m.authenticate(&cookie, T + 50)).unwrap().unwrap();
    assert_eq!(a.record.last_seen, T + 50);
    assert_eq!(a.record.idle_deadline, T + 150);
    assert_eq!(store.updates.load(Ordering::SeqCst), 1);
    // With a short interval the configured one is used as is.
    assert_eq!(
        SessionConfig::new()
            .idle_timeout(100)
            .touch_interval(10)
            .effective_touch_interval(),
        10
    );
}

#[test]
fn another_users_handle_ends_nothing_even_if_the_store_lists_it() {
    let store = Naive::default();
    let m = SessionManager::new(&store, SessionConfig::new());
    planted(&store, record("bob", T, 600));
    let bobs = block_on(m.list("bob", T)).unwrap();
    assert_eq!(bobs.len(), 1);
    assert!(!block_on(m.destroy_by_handle("ann", &bobs[0].handle, T)).unwrap());
    assert_eq!(store.records.lock().unwrap().len(), 1);
    assert!(block_on(m.destroy_by_handle("bob", &bobs[0].handle, T)).unwrap());
    assert!(store.records.lock().unwrap().is_empty());
}

#[test]
fn endless_collisions_are_id_collision_not_random_failure() {
    let store = Naive {
        collide: true,
        ..Naive::default()
    };
    let m = SessionManager::new(&store, SessionConfig::new());
    let ticket = block_on(m.begin_login("ann", T)).unwrap();
    assert_eq!(
        block_on(m.login(ticket, None, SessionMeta::default(), T)).unwrap_err(),
        Error::IdCollision
    );
    assert!(store.records.lock().unwrap().is_empty());
    // A rotation whose new keys are never free while the old session lives.
    let cookie = planted(&store, record("ann", T, 600));
    assert_eq!(
        block_on(m.rotate(&cookie, T + 1)).unwrap_err(),
        Error::IdCollision
    );
    assert_eq!(Error::IdCollision.code(), "id_collision");
}

/// `Debug` shows the configuration and nothing of the store (which holds
/// session records).
#[test]
fn debug_shows_the_configuration_only() {
    let store = Naive::default();
    let config = SessionConfig::new().idle_timeout(1234);
    let m = SessionManager::new(&store, config.clone());
    let shown = format!("{m:?}");
    assert_eq!(
        shown,
        format!("SessionManager {{ config: {config:?}, .. }}")
    );
    assert!(shown.contains("1234"));
}

/// A clock that a test moves.
struct Moving(AtomicU64);

impl Clock for Moving {
    fn now(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// The clock given once: `now` reads it (a moved clock moves every call
/// that passes `now()`), the rest of the manager is unchanged, and another
/// clock replaces it.
#[test]
fn a_manager_given_a_clock_reads_the_time_from_it() {
    let store = Naive::default();
    let clock = Moving(AtomicU64::new(T));
    let config = SessionConfig::new().idle_timeout(600);
    let m = SessionManager::new(&store, config.clone()).with_clock(&clock);
    assert_eq!(m.now(), T);
    assert_eq!(m.config(), &config);
    assert_eq!(
        format!("{m:?}"),
        format!("SessionManager {{ config: {config:?}, .. }}")
    );
    let cookie = planted(&store, record("alice", T, 600));
    assert!(
        block_on(m.authenticate(&cookie, m.now()))
            .unwrap()
            .is_some()
    );
    clock.0.store(T + 601, Ordering::Relaxed);
    assert_eq!(m.now(), T + 601);
    assert!(
        block_on(m.authenticate(&cookie, m.now()))
            .unwrap()
            .is_none()
    );

    let fixed = m.with_clock(FixedClock(T + 5));
    assert_eq!(fixed.now(), T + 5);
    assert_eq!(fixed.clock(), &FixedClock(T + 5));
    assert_eq!(fixed.config(), &config);
}

/// A request's session cookie, authenticated once: no cookie, a cookie
/// that names no live session (to be cleared), a live session, or a store
/// that cannot answer (503, never "no session").
#[test]
fn a_session_cookie_comes_to_one_of_four_answers() {
    use auth_core::http::{CookieConfig, CookieSession, Rejection, authenticate_cookie};
    let store = Naive::default();
    let m = SessionManager::new(&store, SessionConfig::new());
    let cookies = CookieConfig::new(3600);
    let auth = |headers: &[&[u8]]| block_on(authenticate_cookie(&m, &cookies, headers, T + 1));
    let cookie = planted(&store, record("ann", T, 600));
    let live = format!("a=1; __Host-session={cookie}");
    match auth(&[live.as_bytes()]).unwrap() {
        CookieSession::Active(session) => {
            assert_eq!(session.record.user_id, "ann");
            assert_eq!(session.key, SessionId::parse(&cookie).unwrap().store_key());
        }
        other => panic!("{other:?}"),
    }
    assert!(auth(&[live.as_bytes()]).unwrap().active().is_some());
    assert_eq!(auth(&[live.as_bytes()]).unwrap().rejection(true), None);

    let absent = auth(&[b"a=1"]).unwrap();
    assert!(matches!(absent, CookieSession::Absent));
    assert!(absent.active().is_none());
    assert_eq!(
        absent.rejection(false),
        Some(Rejection::unauthenticated(false, false))
    );
    assert!(matches!(auth(&[]).unwrap(), CookieSession::Absent));

    let unknown = format!(
        "__Host-session={}",
        SessionId::generate().unwrap().expose().as_str()
    );
    for ended in [
        unknown.as_bytes(),
        b"__Host-session=garbage",
        b"__Host-session=",
    ] {
        let answer = auth(&[ended]).unwrap();
        assert!(matches!(answer, CookieSession::Ended), "{answer:?}");
        assert!(answer.active().is_none());
        assert_eq!(
            answer.rejection(true),
            Some(Rejection::unauthenticated(true, true))
        );
    }
    assert_eq!(
        auth(&[live.as_bytes(), live.as_bytes()]).unwrap_err(),
        Rejection::invalid_request("a cookie is sent more than once", false)
    );

    let down = Naive {
        down: true,
        ..Naive::default()
    };
    let m = SessionManager::new(&down, SessionConfig::new());
    let err = block_on(authenticate_cookie(&m, &cookies, &[live.as_bytes()], T)).unwrap_err();
    assert_eq!((err.status(), err.code()), (503, "store_unavailable"));
    assert!(!err.clears_session());
}
