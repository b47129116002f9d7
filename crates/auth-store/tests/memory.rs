//! The shared behaviour suite on `MemoryStore`, plus what only the
//! in-memory store has: the capacity bound and the background sweeper.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use auth_core::session::{SessionManager, SessionRecord};
use auth_core::store::SessionStore;
use auth_core::{Error, FixedClock};
use auth_store::MemoryStore;

store_suite!(async { MemoryStore::new() });

#[tokio::test]
async fn capacity_bounds_memory_and_fails_closed() {
    let t = common::t0();
    let store = MemoryStore::with_capacity(3);
    let m = SessionManager::new(&store, common::config());
    for i in 0..3 {
        m.login(&format!("u{i}"), None, common::meta("ua"), t)
            .await
            .unwrap();
    }
    let err = m
        .login("flood", None, common::meta("ua"), t)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "store_unavailable");
    assert!(matches!(err, Error::StoreUnavailable(_)));
    assert_eq!(store.len(), 3);
    // Once the old sessions have expired, a login sweeps them and succeeds.
    m.login("later", None, common::meta("ua"), t + 601)
        .await
        .unwrap();
    assert_eq!(store.len(), 1);
}

/// Stores one session for user `u` created at `t`: idle 10 s, absolute 100 s.
async fn one_session(store: &MemoryStore, t: u64) -> auth_core::session::StoreKey {
    let key = auth_core::session::SessionId::generate()
        .unwrap()
        .store_key();
    let record = SessionRecord::new("u", t, 10, 100, common::meta("ua"));
    assert!(store.create(&key, &record, None).await.unwrap());
    key
}

#[tokio::test(start_paused = true)]
async fn sweeper_removes_expired_sessions_until_the_store_is_dropped() {
    let t = common::t0();
    let store = Arc::new(MemoryStore::new());
    one_session(&store, t).await;
    // The clock the sweeper reads says the session has expired.
    let sweeper = store.spawn_sweeper(Duration::from_secs(30), FixedClock(t + 11));
    tokio::time::sleep(Duration::from_secs(31)).await;
    assert_eq!(store.len(), 0);
    drop(store);
    tokio::time::sleep(Duration::from_secs(61)).await;
    assert!(sweeper.is_finished(), "the sweeper stops with its store");
}

/// A clock that panics the first time it is read.
struct FlakyClock {
    reads: std::sync::atomic::AtomicUsize,
    now: u64,
}

impl auth_core::Clock for FlakyClock {
    fn now(&self) -> u64 {
        if self.reads.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            panic!("injected failure in the first sweep");
        }
        self.now
    }
}

#[tokio::test(start_paused = true)]
async fn sweeper_survives_a_failing_sweep() {
    let t = common::t0();
    let store = Arc::new(MemoryStore::new());
    one_session(&store, t).await;
    let clock = FlakyClock {
        reads: std::sync::atomic::AtomicUsize::new(0),
        now: t + 11,
    };
    let sweeper = store.spawn_sweeper(Duration::from_secs(30), clock);
    // First tick (immediately): the clock panics, nothing is swept.
    tokio::time::sleep(Duration::from_secs(1)).await;
    assert_eq!(store.len(), 1);
    assert!(
        !sweeper.is_finished(),
        "the sweeper is still running after a panic"
    );
    // Next tick: swept.
    tokio::time::sleep(Duration::from_secs(30)).await;
    assert_eq!(store.len(), 0);
}

#[tokio::test]
async fn expired_entries_are_invisible_before_the_sweep() {
    let t = common::t0();
    let store = MemoryStore::new();
    let key = one_session(&store, t).await;
    assert!(store.load(&key, t + 10).await.unwrap().is_none());
    assert!(store.list("u", t + 10).await.unwrap().is_empty());
    assert_eq!(store.len(), 1);
    assert_eq!(store.sweep(t + 10), 1);
    assert!(store.is_empty());
}
