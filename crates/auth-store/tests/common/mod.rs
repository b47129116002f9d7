//! The behaviour every `SessionStore` must show, as one suite that each
//! store's test file instantiates with `store_suite!`.
//!
//! Times are real seconds (`SystemClock`) plus offsets, so stores with real
//! TTLs (Redis) and the injected clock agree about "now".

#![allow(
    dead_code,
    unreachable_pub,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic
)]

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use auth_core::session::{
    SessionConfig, SessionId, SessionManager, SessionMeta, SessionRecord, StoreKey,
};
use auth_core::store::SessionStore;
use auth_core::{Clock, Error, SystemClock};

/// The suite's notion of "now" at the start of a test.
pub fn t0() -> u64 {
    SystemClock.now()
}

pub fn config() -> SessionConfig {
    SessionConfig::new()
        .idle_timeout(600)
        .absolute_timeout(3600)
        .touch_interval(60)
}

pub fn meta(ua: &str) -> SessionMeta {
    SessionMeta::new(Some(ua), Some("127.0.0.1"))
}

/// Counts the calls that reach the store.
pub struct Counting<S> {
    pub inner: S,
    pub calls: AtomicUsize,
    pub updates: AtomicUsize,
}

impl<S> Counting<S> {
    pub fn new(inner: S) -> Self {
        Self {
            inner,
            calls: AtomicUsize::new(0),
            updates: AtomicUsize::new(0),
        }
    }
    fn hit(&self) {
        self.calls.fetch_add(1, Ordering::SeqCst);
    }
}

impl<S: SessionStore> SessionStore for Counting<S> {
    async fn create(
        &self,
        key: &StoreKey,
        record: &SessionRecord,
        max: Option<usize>,
    ) -> Result<bool, Error> {
        self.hit();
        self.inner.create(key, record, max).await
    }
    async fn load(&self, key: &StoreKey, now: u64) -> Result<Option<SessionRecord>, Error> {
        self.hit();
        self.inner.load(key, now).await
    }
    async fn update(&self, key: &StoreKey, record: &SessionRecord) -> Result<bool, Error> {
        self.hit();
        self.updates.fetch_add(1, Ordering::SeqCst);
        self.inner.update(key, record).await
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
    ) -> Result<bool, Error> {
        self.hit();
        self.inner.rotate(old, new, record).await
    }
    async fn list(&self, user: &str, now: u64) -> Result<Vec<(StoreKey, SessionRecord)>, Error> {
        self.hit();
        self.inner.list(user, now).await
    }
    async fn delete_user(&self, user: &str, keep: Option<&StoreKey>) -> Result<usize, Error> {
        self.hit();
        self.inner.delete_user(user, keep).await
    }
    fn id_bucket(&self, user: &str) -> Option<u8> {
        self.inner.id_bucket(user)
    }
}

/// A unique user name per test run, so suites can share one Redis.
pub fn user(name: &str) -> String {
    static N: AtomicUsize = AtomicUsize::new(0);
    format!(
        "{name}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::SeqCst)
    )
}

pub async fn create_load_and_garbage<S: SessionStore>(store: S) {
    let t = t0();
    let store = Counting::new(store);
    let m = SessionManager::new(&store, config());
    let alice = user("alice");
    let s = m.login(&alice, None, meta("ua-1"), t).await.unwrap();
    let cookie = s.id.expose();
    let active = m.authenticate(&cookie, t + 1).await.unwrap().unwrap();
    assert_eq!(active.record.user_id, alice);
    assert_eq!(active.record.created, t);
    assert_eq!(active.record.meta, meta("ua-1"));
    assert_eq!(active.key, s.id.store_key());

    // Garbage never reaches the store.
    let before = store.calls.load(Ordering::SeqCst);
    for garbage in [
        "",
        "x",
        "not a session id",
        &"A".repeat(44),
        &"=".repeat(43),
        &format!("{}.", &cookie[..42]),
    ] {
        assert!(
            m.authenticate(garbage, t + 1).await.unwrap().is_none(),
            "{garbage:?}"
        );
        assert!(!m.logout(garbage).await.unwrap());
    }
    assert_eq!(store.calls.load(Ordering::SeqCst), before);
    // A well-formed ID the server never issued is simply unknown.
    let stranger = SessionId::generate().unwrap();
    assert!(
        m.authenticate(&stranger.expose(), t + 1)
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn touch_is_rate_limited<S: SessionStore>(store: S) {
    let t = t0();
    let store = Counting::new(store);
    let m = SessionManager::new(&store, config());
    let s = m.login(&user("bob"), None, meta("ua"), t).await.unwrap();
    let cookie = s.id.expose();
    for dt in [1, 10, 59] {
        let a = m.authenticate(&cookie, t + dt).await.unwrap().unwrap();
        assert_eq!(a.record.last_seen, t, "no write-back before the interval");
    }
    assert_eq!(store.updates.load(Ordering::SeqCst), 0);
    let a = m.authenticate(&cookie, t + 60).await.unwrap().unwrap();
    assert_eq!(a.record.last_seen, t + 60);
    assert_eq!(a.record.idle_deadline, t + 660);
    assert_eq!(store.updates.load(Ordering::SeqCst), 1);
    // The write-back is what the store now holds.
    let stored = store.load(&a.key, t + 61).await.unwrap().unwrap();
    assert_eq!(stored.idle_deadline, t + 660);
}

pub async fn idle_and_absolute_expiry<S: SessionStore>(store: S) {
    let t = t0();
    let m = SessionManager::new(&store, config());
    // Idle: unused for the idle timeout.
    let idle = m
        .login(&user("idle"), None, meta("ua"), t)
        .await
        .unwrap()
        .id
        .expose();
    assert!(m.authenticate(&idle, t + 599).await.unwrap().is_some());
    // That use moved the idle deadline to t + 1199.
    assert!(m.authenticate(&idle, t + 1198).await.unwrap().is_some());
    assert!(
        m.authenticate(&idle, t + 1198 + 600)
            .await
            .unwrap()
            .is_none()
    );

    // Absolute: used every 5 minutes, still ends after an hour.
    let busy = m
        .login(&user("busy"), None, meta("ua"), t)
        .await
        .unwrap()
        .id
        .expose();
    let mut now = t;
    while now + 300 < t + 3600 {
        now += 300;
        assert!(
            m.authenticate(&busy, now).await.unwrap().is_some(),
            "alive at +{}",
            now - t
        );
    }
    assert!(m.authenticate(&busy, t + 3600).await.unwrap().is_none());
    // The store itself refuses expired records on read.
    let direct = m.login(&user("direct"), None, meta("ua"), t).await.unwrap();
    assert!(
        store
            .load(&direct.id.store_key(), t + 600)
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn rotate_issues_a_new_id<S: SessionStore>(store: S) {
    let t = t0();
    let m = SessionManager::new(&store, config());
    let carol = user("carol");
    let old = m
        .login(&carol, None, meta("ua"), t)
        .await
        .unwrap()
        .id
        .expose();
    let new = m.rotate(&old, t + 5).await.unwrap().unwrap();
    let new_cookie = new.id.expose();
    assert_ne!(*new_cookie, *old);
    assert!(m.authenticate(&old, t + 6).await.unwrap().is_none());
    let a = m.authenticate(&new_cookie, t + 6).await.unwrap().unwrap();
    assert_eq!(a.record.user_id, carol);
    assert_eq!(a.record.created, t);
    assert_eq!(m.list(&carol, t + 6).await.unwrap().len(), 1);
    // Rotating a dead session does nothing.
    assert!(m.rotate(&old, t + 7).await.unwrap().is_none());
    // Store level: rotate needs the old key present and the new one absent.
    let other = m.login(&carol, None, meta("ua"), t).await.unwrap();
    let rec = store.load(&other.id.store_key(), t).await.unwrap().unwrap();
    assert!(
        !store
            .rotate(&other.id.store_key(), &new.id.store_key(), &rec)
            .await
            .unwrap()
    );
    let ghost = SessionId::generate().unwrap().store_key();
    let fresh = SessionId::generate().unwrap().store_key();
    assert!(!store.rotate(&ghost, &fresh, &rec).await.unwrap());
    assert!(store.load(&fresh, t).await.unwrap().is_none());
}

pub async fn login_prevents_fixation<S: SessionStore>(store: S) {
    let t = t0();
    let m = SessionManager::new(&store, config());
    let victim = user("victim");
    // An attacker's own valid session, planted in the victim's browser.
    let planted = m
        .login(&user("attacker"), None, meta("evil"), t)
        .await
        .unwrap()
        .id
        .expose();
    let s = m
        .login(&victim, Some(&planted), meta("ua"), t + 1)
        .await
        .unwrap();
    assert_ne!(*s.id.expose(), *planted);
    assert!(
        m.authenticate(&planted, t + 2).await.unwrap().is_none(),
        "the presented session is destroyed"
    );
    // An ID the server never issued is never adopted.
    let invented = SessionId::generate().unwrap().expose();
    let s2 = m
        .login(&victim, Some(&invented), meta("ua"), t + 1)
        .await
        .unwrap();
    assert_ne!(*s2.id.expose(), *invented);
    assert!(m.authenticate(&invented, t + 2).await.unwrap().is_none());
}

pub async fn logout_and_destroy_all<S: SessionStore>(store: S) {
    let t = t0();
    let m = SessionManager::new(&store, config());
    let dave = user("dave");
    let erin = user("erin");
    let mut cookies = Vec::new();
    for i in 0..3 {
        cookies.push(
            m.login(&dave, None, meta(&format!("ua-{i}")), t + i)
                .await
                .unwrap()
                .id
                .expose(),
        );
    }
    let erins = m
        .login(&erin, None, meta("ua"), t)
        .await
        .unwrap()
        .id
        .expose();
    assert!(m.logout(&cookies[0]).await.unwrap());
    assert!(!m.logout(&cookies[0]).await.unwrap());
    assert!(m.authenticate(&cookies[0], t + 5).await.unwrap().is_none());

    // Everywhere but here.
    cookies.push(
        m.login(&dave, None, meta("ua-3"), t + 3)
            .await
            .unwrap()
            .id
            .expose(),
    );
    assert_eq!(m.destroy_all_except(&dave, &cookies[3]).await.unwrap(), 2);
    assert!(m.authenticate(&cookies[1], t + 5).await.unwrap().is_none());
    assert!(m.authenticate(&cookies[2], t + 5).await.unwrap().is_none());
    assert!(m.authenticate(&cookies[3], t + 5).await.unwrap().is_some());
    // Everywhere.
    assert_eq!(m.destroy_all(&dave).await.unwrap(), 1);
    assert!(m.authenticate(&cookies[3], t + 5).await.unwrap().is_none());
    assert!(m.list(&dave, t + 5).await.unwrap().is_empty());
    // Other users are untouched.
    assert!(m.authenticate(&erins, t + 5).await.unwrap().is_some());
    assert_eq!(m.destroy_all(&dave).await.unwrap(), 0);
}

pub async fn list_and_destroy_by_handle<S: SessionStore>(store: S) {
    let t = t0();
    let m = SessionManager::new(&store, config().max_per_user(10));
    let frank = user("frank");
    let a = m.login(&frank, None, meta("laptop"), t).await.unwrap();
    let b = m.login(&frank, None, meta("phone"), t + 1).await.unwrap();
    let list = m.list(&frank, t + 2).await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(
        list[0].meta.user_agent.as_deref(),
        Some("laptop"),
        "oldest first"
    );
    assert_eq!(list[1].meta.user_agent.as_deref(), Some("phone"));
    assert_eq!(list[0].created, t);
    assert_eq!(list[0].handle, a.id.store_key().handle());
    // Handles reveal neither the ID nor the store key.
    for info in &list {
        assert!(!a.id.expose().contains(&info.handle) && !b.id.expose().contains(&info.handle));
        assert_ne!(info.handle, a.id.store_key().to_text());
    }
    // Another user cannot end Frank's session by its handle.
    assert!(
        !m.destroy_by_handle(&user("grace"), &list[1].handle, t + 2)
            .await
            .unwrap()
    );
    assert!(
        m.destroy_by_handle(&frank, &list[1].handle, t + 2)
            .await
            .unwrap()
    );
    assert!(
        m.authenticate(&b.id.expose(), t + 3)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        m.authenticate(&a.id.expose(), t + 3)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        !m.destroy_by_handle(&frank, "no-such-handle", t + 3)
            .await
            .unwrap()
    );
    // Expired sessions are not listed.
    assert!(m.list(&frank, t + 4000).await.unwrap().is_empty());
}

pub async fn max_sessions_evicts_the_oldest<S: SessionStore>(store: S) {
    let t = t0();
    let m = SessionManager::new(&store, config().max_per_user(2));
    let heidi = user("heidi");
    let first = m
        .login(&heidi, None, meta("1"), t)
        .await
        .unwrap()
        .id
        .expose();
    let second = m
        .login(&heidi, None, meta("2"), t + 1)
        .await
        .unwrap()
        .id
        .expose();
    let third = m
        .login(&heidi, None, meta("3"), t + 2)
        .await
        .unwrap()
        .id
        .expose();
    assert!(
        m.authenticate(&first, t + 3).await.unwrap().is_none(),
        "oldest evicted"
    );
    assert!(m.authenticate(&second, t + 3).await.unwrap().is_some());
    assert!(m.authenticate(&third, t + 3).await.unwrap().is_some());
    let list = m.list(&heidi, t + 3).await.unwrap();
    assert_eq!(
        list.iter()
            .map(|i| i.meta.user_agent.clone().unwrap())
            .collect::<Vec<_>>(),
        ["2", "3"]
    );
}

pub async fn logout_is_not_undone_by_a_slow_write<S: SessionStore>(store: S) {
    let t = t0();
    let m = SessionManager::new(&store, config());
    let ivan = user("ivan");
    let s = m.login(&ivan, None, meta("ua"), t).await.unwrap();
    let cookie = s.id.expose();
    // A slow request loaded the session...
    let slow = m.authenticate(&cookie, t + 1).await.unwrap().unwrap();
    // ...the user logged out meanwhile...
    assert!(m.logout(&cookie).await.unwrap());
    // ...and the slow request now writes back.
    let mut record = slow.record.clone();
    record.touch(t + 120, 600);
    assert!(!store.update(&slow.key, &record).await.unwrap());
    let mut data = serde_json::Map::new();
    data.insert("cart".into(), serde_json::json!([1, 2]));
    assert!(!m.set_data(&cookie, data.clone(), t + 2).await.unwrap());
    assert!(store.load(&slow.key, t + 3).await.unwrap().is_none());
    assert!(m.authenticate(&cookie, t + 200).await.unwrap().is_none());
    assert!(m.list(&ivan, t + 3).await.unwrap().is_empty());

    // While the session lives, data writes apply (last write wins).
    let live = m
        .login(&ivan, None, meta("ua"), t)
        .await
        .unwrap()
        .id
        .expose();
    assert!(m.set_data(&live, data.clone(), t + 1).await.unwrap());
    data.insert("cart".into(), serde_json::json!([3]));
    assert!(m.set_data(&live, data.clone(), t + 2).await.unwrap());
    let a = m.authenticate(&live, t + 3).await.unwrap().unwrap();
    assert_eq!(a.record.data, data);
}

pub async fn create_is_insert_if_absent<S: SessionStore>(store: S) {
    let t = t0();
    let judy = user("judy");
    let key = SessionId::generate().unwrap().store_key();
    let first = SessionRecord::new(&judy, t, 600, 3600, meta("first"));
    let second = SessionRecord::new(&judy, t + 1, 600, 3600, meta("second"));
    assert!(store.create(&key, &first, None).await.unwrap());
    assert!(
        !store.create(&key, &second, None).await.unwrap(),
        "a collision never overwrites"
    );
    assert_eq!(
        store.load(&key, t + 2).await.unwrap().unwrap().meta,
        meta("first")
    );
    assert_eq!(store.list(&judy, t + 2).await.unwrap().len(), 1);
    assert!(store.delete(&key).await.unwrap());
    assert!(!store.delete(&key).await.unwrap());
    assert!(
        !store.update(&key, &first).await.unwrap(),
        "update never creates"
    );
    assert!(store.load(&key, t + 2).await.unwrap().is_none());
}

/// Many tasks log in, touch and log out for the same few users at once; at
/// the end the per-user index and the sessions agree, and nothing that was
/// destroyed can be read.
pub async fn concurrent_use_keeps_index_and_sessions_consistent<S: SessionStore + 'static>(
    store: Arc<S>,
) {
    let t = t0();
    let users: Vec<String> = (0..4).map(|i| user(&format!("crowd{i}"))).collect();
    let mut tasks = Vec::new();
    for task in 0..16u64 {
        let store = store.clone();
        let users = users.clone();
        tasks.push(tokio::spawn(async move {
            let m = SessionManager::new(store, config());
            let mut live = Vec::new();
            let mut dead = Vec::new();
            for round in 0..25u64 {
                let u = &users[usize::try_from((task + round) % 4).unwrap()];
                let s = m.login(u, None, meta("crowd"), t).await.unwrap();
                let cookie = s.id.expose().to_string();
                assert!(
                    m.authenticate(&cookie, t + 60 + round)
                        .await
                        .unwrap()
                        .is_some()
                );
                if round % 3 == 0 {
                    assert!(m.logout(&cookie).await.unwrap());
                    dead.push(cookie);
                } else {
                    live.push((u.clone(), cookie));
                }
            }
            (live, dead)
        }));
    }
    let mut live = Vec::new();
    let mut dead = Vec::new();
    for task in tasks {
        let (l, d) = task.await.unwrap();
        live.extend(l);
        dead.extend(d);
    }
    let m = SessionManager::new(store.clone(), config());
    for cookie in &dead {
        assert!(m.authenticate(cookie, t + 100).await.unwrap().is_none());
    }
    for user in &users {
        let listed: HashSet<String> = store
            .list(user, t + 100)
            .await
            .unwrap()
            .into_iter()
            .map(|(k, r)| {
                assert_eq!(&r.user_id, user);
                k.to_text()
            })
            .collect();
        let expected: HashSet<String> = live
            .iter()
            .filter(|(u, _)| u == user)
            .map(|(_, c)| SessionId::parse(c).unwrap().store_key().to_text())
            .collect();
        assert_eq!(listed, expected, "index and sessions agree for {user}");
        for key in &expected {
            let key = StoreKey::from_text(key).unwrap();
            assert!(store.load(&key, t + 100).await.unwrap().is_some());
        }
    }
    // Log everyone out everywhere, concurrently with nothing: all gone.
    for user in &users {
        m.destroy_all(user).await.unwrap();
        assert!(store.list(user, t + 100).await.unwrap().is_empty());
    }
    for (_, cookie) in &live {
        assert!(m.authenticate(cookie, t + 100).await.unwrap().is_none());
    }
}

/// Instantiates the suite for one store: `store_suite!(async { make_store() })`.
#[macro_export]
macro_rules! store_suite {
    ($make:expr) => {
        $crate::store_suite!(@tests $make;
            create_load_and_garbage,
            touch_is_rate_limited,
            idle_and_absolute_expiry,
            rotate_issues_a_new_id,
            login_prevents_fixation,
            logout_and_destroy_all,
            list_and_destroy_by_handle,
            max_sessions_evicts_the_oldest,
            logout_is_not_undone_by_a_slow_write,
            create_is_insert_if_absent,
        );
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn concurrent_use_keeps_index_and_sessions_consistent() {
            let store = ::std::sync::Arc::new($make.await);
            common::concurrent_use_keeps_index_and_sessions_consistent(store).await;
        }
    };
    (@tests $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                common::$name($make.await).await;
            }
        )*
    };
}
