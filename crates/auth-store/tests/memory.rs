//! The shared behaviour suite on `MemoryStore`, plus what only the
//! in-memory store has: the capacity bound, the background sweeper and the
//! generations it forgets.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use auth_core::session::{
    LOGIN_TICKET_TTL, SessionConfig, SessionManager, SessionMeta, SessionRecord,
};
use auth_core::store::{Created, SessionStore, ThrottleStore};
use auth_core::throttle::{Limit, ThrottleConfig, ThrottleKey};
use auth_core::{Error, FixedClock};
use auth_store::MemoryStore;
use common::login;

store_suite!(async { MemoryStore::new() });
token_suite!(async { MemoryStore::new() });

/// A denied access token is remembered until its `exp`, then the sweep
/// forgets it; families and their token records go the same way.
#[tokio::test]
async fn token_entries_are_forgotten_when_they_expire() {
    use common::tokens::{config, issue, service};
    let t = common::t0();
    let store = MemoryStore::new();
    let s = service(&store, config());
    let pair = issue(&s, "u", t).await.unwrap();
    assert_eq!(store.token_entries(), 2, "a family and its first token");
    s.revoke_access(&pair.access_token, t).await.unwrap();
    assert_eq!(store.token_entries(), 3);
    assert_eq!(store.sweep(t + 899), 0);
    assert_eq!(
        store.sweep(t + 900),
        1,
        "the denylist entry, at the token's exp"
    );
    assert_eq!(store.token_entries(), 2);
    s.refresh(&pair.refresh_token.expose(), t + 1)
        .await
        .unwrap();
    assert_eq!(store.token_entries(), 3, "the used token is kept");
    // The family ends by inactivity at t + 1 + 3600; its records by its
    // absolute deadline.
    assert_eq!(store.sweep(t + 3601), 2, "the family and its current token");
    assert_eq!(store.sweep(t + 86_400), 1, "the used token");
    assert_eq!(store.token_entries(), 0);
}

#[tokio::test]
async fn token_capacity_bounds_memory_and_fails_closed() {
    use common::tokens::{config, issue, service};
    let t = common::t0();
    let store = MemoryStore::new().with_token_capacity(5);
    let s = service(&store, config());
    let a = issue(&s, "a", t).await.unwrap();
    issue(&s, "b", t).await.unwrap();
    assert_eq!(store.token_entries(), 4);
    let err = issue(&s, "c", t).await.unwrap_err();
    assert!(matches!(err, Error::StoreUnavailable(_)), "{err:?}");
    // One more entry fits: a refresh; then a revocation cannot be recorded,
    // and says so rather than pretend.
    let a = s.refresh(&a.refresh_token.expose(), t + 1).await.unwrap();
    assert!(matches!(
        s.revoke_access(&a.access_token, t + 1).await,
        Err(Error::StoreUnavailable(_))
    ));
    assert!(matches!(
        s.refresh(&a.refresh_token.expose(), t + 2).await,
        Err(Error::StoreUnavailable(_))
    ));
    // Nothing was consumed by the refused refresh.
    assert!(
        s.authenticate::<serde_json::Value>(&a.access_token, t + 2)
            .await
            .is_ok()
    );
    // Once the families have ended, a login sweeps them and succeeds.
    issue(&s, "c", t + 3700).await.unwrap();
}

/// The token bound is exact: a table exactly full is not over full (no
/// sweep is needed, and none is done), and when a sweep is needed, room
/// for exactly the new entry is enough.
#[tokio::test]
async fn token_capacity_is_exact() {
    use auth_core::store::TokenStore;
    use auth_core::tokens::RefreshToken;
    let t = common::t0();
    let store = MemoryStore::new().with_token_capacity(3);
    let key = || RefreshToken::generate(None).unwrap().store_key();
    let (k1, k2, k3, k4, k5) = (key(), key(), key(), key(), key());
    store.deny("u", &k1, t + 10, t).await.unwrap();
    store.deny("u", &k2, t + 100, t).await.unwrap();
    // At t + 10, k1 has expired but is still in the table.
    store.deny("u", &k3, t + 100, t + 10).await.unwrap();
    assert_eq!(store.token_entries(), 3);
    store.deny("u", &k4, t + 100, t + 10).await.unwrap();
    assert_eq!(store.token_entries(), 3);
    let err = store.deny("u", &k5, t + 100, t + 10).await.unwrap_err();
    assert!(matches!(err, Error::StoreUnavailable(_)), "{err:?}");
}

/// The sweep forgets a user's token generation only once no login ticket
/// can predate its move: a login in flight across a sweep is still
/// refused.
#[tokio::test]
async fn the_sweep_keeps_token_generations_a_ticket_could_predate() {
    use common::tokens::{admin, config, service};
    let t = common::t0();
    let store = MemoryStore::new();
    let s = service(&store, config());
    let ticket = s.begin_login("u", t).await.unwrap();
    s.revoke_all("u", t).await.unwrap();
    store.sweep(t + LOGIN_TICKET_TTL);
    assert_eq!(
        s.issue(ticket, &admin(), t + LOGIN_TICKET_TTL)
            .await
            .unwrap_err(),
        Error::StaleLogin
    );
}

/// A refresh-token entry past its time is no entry: a family may start
/// with that key again (keys are random, so this only matters for a store
/// that must never answer from stale data).
#[tokio::test]
async fn an_expired_refresh_entry_does_not_block_its_key() {
    use auth_core::store::TokenStore;
    use auth_core::tokens::{FamilyRecord, RefreshToken};
    let t = common::t0();
    let store = MemoryStore::new();
    let first = RefreshToken::generate(None).unwrap().store_key();
    let map = serde_json::Map::new();
    let family = FamilyRecord::new("u", &first, &map, t, 100, 1000).unwrap();
    assert_eq!(
        store.create_family(&family, 0, 8).await.unwrap(),
        Created::Stored
    );
    let early = FamilyRecord::new("u", &first, &map, t + 999, 100, 1000).unwrap();
    assert_eq!(
        store.create_family(&early, 0, 8).await.unwrap(),
        Created::KeyTaken
    );
    let again = FamilyRecord::new("u", &first, &map, t + 1000, 100, 1000).unwrap();
    assert_eq!(
        store.create_family(&again, 0, 8).await.unwrap(),
        Created::Stored
    );
}

/// A login refused for a full store changes nothing: not even the
/// eviction of the user's oldest login that would have made room for it.
#[tokio::test]
async fn a_refused_login_evicts_nothing() {
    use common::tokens::{Roles, config, issue, service};
    let t = common::t0();
    let store = MemoryStore::new().with_token_capacity(4);
    let s = service(&store, config().max_families_per_user(1));
    let first = issue(&s, "a", t).await.unwrap();
    issue(&s, "b", t).await.unwrap();
    let err = issue(&s, "a", t + 1).await.unwrap_err();
    assert!(matches!(err, Error::StoreUnavailable(_)), "{err:?}");
    assert_eq!(store.token_entries(), 4);
    assert!(
        s.authenticate::<Roles>(&first.access_token, t + 2)
            .await
            .is_ok()
    );
}

/// The shared throttling suite.
mod throttling {
    use super::{MemoryStore, common};

    crate::throttle_suite!(async { MemoryStore::new() });
}

#[tokio::test]
async fn capacity_bounds_memory_and_fails_closed() {
    let t = common::t0();
    let store = MemoryStore::with_capacity(3);
    let m = SessionManager::new(&store, common::config());
    for i in 0..3 {
        login(&m, &format!("u{i}"), None, common::meta("ua"), t)
            .await
            .unwrap();
    }
    let err = login(&m, "flood", None, common::meta("ua"), t)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "store_unavailable");
    assert!(matches!(err, Error::StoreUnavailable(_)));
    assert_eq!(store.len(), 3);
    // Once the old sessions have expired, a login sweeps them and succeeds.
    login(&m, "later", None, common::meta("ua"), t + 601)
        .await
        .unwrap();
    assert_eq!(store.len(), 1);
}

#[tokio::test]
async fn one_account_cannot_fill_the_store() {
    let t = common::t0();
    let store = MemoryStore::with_capacity(100);
    // An app that asks for a generous limit still stops one account at it.
    let m = SessionManager::new(&store, common::config().max_per_user(40));
    for i in 0..500 {
        login(&m, "mallory", None, common::meta("ua"), t + i)
            .await
            .unwrap();
    }
    assert_eq!(store.len(), 40);
    for i in 0..60 {
        login(&m, &format!("user{i}"), None, common::meta("ua"), t)
            .await
            .unwrap();
    }
    assert_eq!(store.len(), 100);
}

#[tokio::test]
async fn a_full_store_sweeps_only_what_expired() {
    let t = common::t0();
    let store = MemoryStore::with_capacity(4);
    let short = SessionManager::new(&store, SessionConfig::new().idle_timeout(10));
    let long = SessionManager::new(&store, common::config());
    login(&short, "a", None, common::meta("ua"), t)
        .await
        .unwrap();
    login(&short, "b", None, common::meta("ua"), t + 5)
        .await
        .unwrap();
    login(&long, "c", None, common::meta("ua"), t)
        .await
        .unwrap();
    login(&long, "d", None, common::meta("ua"), t)
        .await
        .unwrap();
    // At t + 10 only "a" has expired: one login fits, the next does not.
    login(&long, "e", None, common::meta("ua"), t + 10)
        .await
        .unwrap();
    assert_eq!(store.len(), 4);
    assert!(matches!(
        login(&long, "f", None, common::meta("ua"), t + 10).await,
        Err(Error::StoreUnavailable(_))
    ));
    assert_eq!(store.list("b", t + 10).await.unwrap().len(), 1);
    assert_eq!(store.list("a", t).await.unwrap().len(), 0);
}

#[tokio::test]
async fn a_zero_sweep_interval_is_refused() {
    let store = Arc::new(MemoryStore::new());
    assert_eq!(
        store
            .spawn_sweeper(Duration::ZERO, FixedClock(0))
            .unwrap_err(),
        Error::Misuse("the sweep interval must be positive")
    );
}

#[tokio::test]
async fn forgotten_generations_never_let_a_stale_ticket_through() {
    let t = common::t0();
    let store = MemoryStore::new();
    let m = SessionManager::new(&store, common::config());
    let before = m.begin_login("quinn", t).await.unwrap();
    m.destroy_all("quinn", t).await.unwrap();
    assert_eq!(store.generation("quinn").await.unwrap(), 1);
    // Kept while a ticket from before could still be used...
    store.sweep(t + LOGIN_TICKET_TTL);
    assert_eq!(store.generation("quinn").await.unwrap(), 1);
    // ...and forgotten after.
    store.sweep(t + LOGIN_TICKET_TTL + 1);
    assert_eq!(store.generation("quinn").await.unwrap(), 0);
    // The ticket from before the change is too old by then.
    assert_eq!(
        m.login(before, None, common::meta("ua"), t + LOGIN_TICKET_TTL + 1)
            .await
            .unwrap_err(),
        Error::StaleLogin
    );
    // A ticket taken after the first change, and a second change after the
    // sweep: generation values are never reused, so it stays stale.
    let store = MemoryStore::new();
    let m = SessionManager::new(&store, common::config());
    m.destroy_all("rex", t).await.unwrap();
    let between = m.begin_login("rex", t + 1).await.unwrap();
    store.sweep(t + LOGIN_TICKET_TTL + 1);
    m.destroy_all("rex", t + LOGIN_TICKET_TTL + 1)
        .await
        .unwrap();
    assert_eq!(
        m.login(between, None, common::meta("ua"), t + LOGIN_TICKET_TTL + 1)
            .await
            .unwrap_err(),
        Error::StaleLogin
    );
}

#[tokio::test]
async fn debug_shows_counts_only() {
    let t = common::t0();
    let store = MemoryStore::new();
    let m = SessionManager::new(&store, common::config());
    let meta = SessionMeta::new(Some("Secret-Agent/2"), Some("198.51.100.7"));
    let s = login(&m, "sam", None, meta, t).await.unwrap();
    let active = m
        .authenticate(&s.id.expose(), t + 1)
        .await
        .unwrap()
        .unwrap();
    for shown in [
        format!("{store:?}"),
        format!("{m:?}"),
        format!("{active:?}"),
        format!("{s:?}"),
    ] {
        for secret in ["Secret-Agent", "198.51.100.7", s.id.expose().as_str()] {
            assert!(!shown.contains(secret), "{shown}");
        }
    }
    assert_eq!(
        format!("{store:?}"),
        "MemoryStore { sessions: 1, capacity: 100000, token_entries: 0, token_capacity: 500000, throttle_entries: 0 }"
    );
}

/// Stores one session for user `u` created at `t`: idle 10 s, absolute 100 s.
async fn one_session(store: &MemoryStore, t: u64) -> auth_core::session::StoreKey {
    let key = auth_core::session::SessionId::generate()
        .unwrap()
        .store_key();
    let record = SessionRecord::new("u", t, 10, 100, common::meta("ua")).unwrap();
    assert_eq!(
        store.create(&key, &record, 0, 32).await.unwrap(),
        Created::Stored
    );
    key
}

#[tokio::test(start_paused = true)]
async fn sweeper_removes_expired_sessions_until_the_store_is_dropped() {
    let t = common::t0();
    let store = Arc::new(MemoryStore::new());
    one_session(&store, t).await;
    // The clock the sweeper reads says the session has expired.
    let sweeper = store
        .spawn_sweeper(Duration::from_secs(30), FixedClock(t + 11))
        .unwrap();
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
    let sweeper = store.spawn_sweeper(Duration::from_secs(30), clock).unwrap();
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
    assert!(!store.is_empty());
    assert_eq!(store.sweep(t + 10), 1);
    assert!(store.is_empty());
}

/// A full throttle table refuses attempts it could not count, at the check
/// (before any hash), instead of evicting someone's live count; names and
/// addresses already in it go on, and expired entries make room.
#[tokio::test]
async fn a_full_throttle_table_fails_closed() {
    use common::throttle::{RIGHT, WRONG, checker};
    let t = common::t0();
    let store = MemoryStore::new().with_throttle_capacity(4);
    let l = checker(&store, ThrottleConfig::new());
    let phc = l.hasher().hash(RIGHT).unwrap();
    let invalid = Err(Error::InvalidCredentials);
    assert_eq!(l.check("a", "10.0.0.1", None, WRONG, t).await, invalid);
    assert_eq!(l.check("b", "10.0.0.2", None, WRONG, t + 10).await, invalid);
    assert_eq!(store.throttle_len(), 4);
    let full = Err(Error::StoreUnavailable(
        "the in-memory throttle store is at capacity".into(),
    ));
    // A new account, a new address, or both: refused, right password or
    // not, and a stored hash nobody looked at.
    for (account, address) in [("c", "10.0.0.1"), ("a", "10.0.0.3"), ("c", "10.0.0.3")] {
        assert_eq!(l.check(account, address, Some(&phc), RIGHT, t).await, full);
        assert_eq!(
            l.check(account, address, Some("not a hash"), WRONG, t)
                .await,
            full
        );
    }
    assert_eq!(store.throttle_len(), 4);
    // Known keys are counted as usual, and a success clears its account.
    assert_eq!(l.check("a", "10.0.0.2", None, WRONG, t).await, invalid);
    assert_eq!(l.check("b", "10.0.0.1", Some(&phc), RIGHT, t).await, Ok(()));
    assert_eq!(store.throttle_len(), 3);
    assert_eq!(l.check("c", "10.0.0.1", Some(&phc), RIGHT, t).await, Ok(()));
    // Once "a" and "10.0.0.1" have expired (900 s after their last
    // failure), their room is reused.
    assert_eq!(l.check("d", "10.0.0.4", None, WRONG, t + 899).await, full);
    assert_eq!(
        l.check("d", "10.0.0.4", None, WRONG, t + 900).await,
        invalid
    );
    assert_eq!(store.throttle_len(), 3);
    // The store-level contract fails closed the same way; a look needs
    // no room.
    let (x, y) = (ThrottleKey::account("x"), ThrottleKey::address("y"));
    assert_eq!(
        store.load_throttles([&x, &y], t + 900).await.unwrap(),
        [None, None]
    );
    assert_eq!(
        store
            .count_attempts([(&x, &Limit::ACCOUNT), (&y, &Limit::ADDRESS)], t + 900)
            .await
            .unwrap_err()
            .code(),
        "store_unavailable"
    );
    assert_eq!(store.throttle_len(), 3);
    // Exactly full is not over full: no sweep is needed, and none is done
    // (at t + 910 "10.0.0.2" has expired but is still in the table)...
    assert_eq!(
        l.check("d", "10.0.0.5", None, WRONG, t + 910).await,
        invalid
    );
    assert_eq!(store.throttle_len(), 4);
    // ...and when a sweep is needed, room for exactly the new key is
    // enough.
    assert_eq!(
        l.check("e", "10.0.0.5", None, WRONG, t + 910).await,
        invalid
    );
    assert_eq!(store.throttle_len(), 4);
}

#[tokio::test]
async fn the_sweep_forgets_expired_throttle_states() {
    let t = common::t0();
    let store = MemoryStore::new();
    let l = common::throttle::checker(&store, ThrottleConfig::new());
    for _ in 0..6 {
        l.check("sam", "192.0.2.1", None, b"x", t)
            .await
            .unwrap_err();
    }
    assert_eq!(store.throttle_len(), 2);
    // The address expires 900 s after its last failure, the account 900 s
    // after its 1 s block.
    assert_eq!(store.sweep(t + 899), 0);
    assert_eq!(store.throttle_len(), 2);
    store.sweep(t + 900);
    assert_eq!(store.throttle_len(), 1);
    store.sweep(t + 901);
    assert_eq!(store.throttle_len(), 0);
    // Debug shows counts only.
    assert_eq!(
        format!("{store:?}"),
        "MemoryStore { sessions: 0, capacity: 100000, token_entries: 0, token_capacity: 500000, throttle_entries: 0 }"
    );
}

/// Every suite again through [`AnyStore`]: the erased store forwards every
/// call (a method that forwarded to the wrong one would fail these).
mod any_store {
    use super::{MemoryStore, common};
    use auth_store::AnyStore;

    crate::store_suite!(async { AnyStore::new(MemoryStore::new()) });
    crate::token_suite!(async { AnyStore::new(MemoryStore::new()) });
    crate::throttle_suite!(async { AnyStore::new(MemoryStore::new()) });

    #[test]
    fn debug_names_only_the_wrapper() {
        assert_eq!(
            format!("{:?}", AnyStore::new(MemoryStore::new())),
            "AnyStore"
        );
    }

    /// A store that groups a user's keys in buckets (Redis Cluster) keeps
    /// them behind the erased type: without, IDs would be drawn outside
    /// the user's bucket and refused. (No server is needed to ask.)
    #[cfg(feature = "redis")]
    #[test]
    fn buckets_pass_through() {
        use auth_core::session::BucketKey;
        use auth_core::store::{SessionStore, TokenStore};
        use auth_store::{RedisConfig, RedisStore};

        let key = || BucketKey::new(&[7; 32]).unwrap();
        let redis = RedisStore::new(RedisConfig::standalone("redis://127.0.0.1:1/").buckets(key()))
            .unwrap();
        let any = AnyStore::new(redis);
        let expected = Some(key().of_user("ann"));
        assert_eq!(
            SessionStore::buckets(&any).map(|b| b.of_user("ann")),
            expected
        );
        assert_eq!(
            TokenStore::token_buckets(&any).map(|b| b.of_user("ann")),
            expected
        );
        let plain = AnyStore::new(MemoryStore::new());
        assert!(SessionStore::buckets(&plain).is_none());
        assert!(TokenStore::token_buckets(&plain).is_none());
    }
}
