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

pub mod tokens;

use std::collections::HashSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use auth_core::session::{
    LOGIN_TICKET_TTL, MAX_DATA_LEN, NewSession, SessionConfig, SessionId, SessionManager,
    SessionMeta, SessionRecord, StoreKey,
};
use auth_core::store::{Created, MAX_SESSIONS_PER_USER, SessionStore};
use auth_core::{Clock, Error, SystemClock};

pub mod throttle;

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

/// A login as an app does it: the ticket first, then (credentials checked)
/// the session.
pub async fn login<S: SessionStore>(
    m: &SessionManager<S>,
    user: &str,
    presented: Option<&str>,
    meta: SessionMeta,
    now: u64,
) -> Result<NewSession, Error> {
    let ticket = m.begin_login(user, now).await?;
    m.login(ticket, presented, meta, now).await
}

/// A record for `user` at `t`, for store-level tests.
pub fn record(user: &str, t: u64, ua: &str) -> SessionRecord {
    SessionRecord::new(user, t, 600, 3600, meta(ua)).unwrap()
}

/// A fresh key that the store will accept for `user` (in the user's
/// bucket when the store has buckets).
pub fn key_for<S: SessionStore>(store: &S, user: &str) -> StoreKey {
    match store.buckets() {
        Some(b) => SessionId::generate_in_bucket(b, b.of_user(user)),
        None => SessionId::generate(),
    }
    .unwrap()
    .store_key()
}

pub use auth_store::testing::Counting;

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
    let s = login(&m, &alice, None, meta("ua-1"), t).await.unwrap();
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
    let s = login(&m, &user("bob"), None, meta("ua"), t).await.unwrap();
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
    // Store level: a record past its deadline is neither loaded nor listed,
    // whatever the backend still holds (a Redis key expires by Redis's own
    // clock, later than this injected one).
    let lister = user("lister");
    let key = key_for(&store, &lister);
    let rec = record(&lister, t, "ua");
    assert_eq!(
        store.create(&key, &rec, 0, 8).await.unwrap(),
        Created::Stored
    );
    assert_eq!(store.list(&lister, t + 599).await.unwrap().len(), 1);
    assert!(store.list(&lister, t + 600).await.unwrap().is_empty());
    assert!(store.load(&key, t + 600).await.unwrap().is_none());
    // Idle: unused for the idle timeout.
    let idle = login(&m, &user("idle"), None, meta("ua"), t)
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
    let busy = login(&m, &user("busy"), None, meta("ua"), t)
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
    let direct = login(&m, &user("direct"), None, meta("ua"), t)
        .await
        .unwrap();
    assert!(
        store
            .load(&direct.id.store_key(), t + 600)
            .await
            .unwrap()
            .is_none()
    );
}

/// The session a request authenticated with is acted on through its
/// handle (`ActiveSession`), never by parsing the cookie again: one read
/// to authenticate, no write while the touch is not due, one write to set
/// data, and rotate, "log out the others" and logout by the handle.
pub async fn session_handles_act_without_a_second_read<S: SessionStore>(store: S) {
    let store = Counting::new(store);
    let t = t0();
    let m = SessionManager::new(&store, config());
    let dan = user("dan");
    let cookie = login(&m, &dan, None, meta("ua"), t)
        .await
        .unwrap()
        .id
        .expose();
    let other = login(&m, &dan, None, meta("ua2"), t)
        .await
        .unwrap()
        .id
        .expose();
    let (calls, updates) = (
        store.calls.load(Ordering::SeqCst),
        store.updates.load(Ordering::SeqCst),
    );
    let mut active = m.authenticate(&cookie, t + 10).await.unwrap().unwrap();
    assert_eq!(store.calls.load(Ordering::SeqCst), calls + 1, "one read");
    assert_eq!(active.record.csrf_token().len(), 43);
    let mut data = serde_json::Map::new();
    data.insert("cart".into(), serde_json::Value::from(3));
    assert!(
        m.set_session_data(&mut active, data.clone(), t + 11)
            .await
            .unwrap()
    );
    assert_eq!(store.calls.load(Ordering::SeqCst), calls + 2, "one write");
    assert_eq!(store.updates.load(Ordering::SeqCst), updates + 1);
    assert_eq!(active.record.data(), &data);
    let stored = store.load(&active.key, t + 11).await.unwrap().unwrap();
    assert_eq!(stored.data(), &data);
    assert_eq!(stored.csrf_token(), active.record.csrf_token());

    // Rotate by the handle: the record (data, CSRF token) moves to the new
    // ID, the old one is dead.
    let calls = store.calls.load(Ordering::SeqCst);
    let rotated = m.rotate_session(&active, t + 12).await.unwrap().unwrap();
    assert_eq!(store.calls.load(Ordering::SeqCst), calls + 1, "one rotate");
    assert_eq!(rotated.record.data(), &data);
    assert_eq!(rotated.record.csrf_token(), active.record.csrf_token());
    assert_eq!(rotated.record.last_seen, t + 12);
    assert!(m.authenticate(&cookie, t + 12).await.unwrap().is_none());
    let new_cookie = rotated.id.expose();
    let active = m.authenticate(&new_cookie, t + 12).await.unwrap().unwrap();
    // A handle of a session that has ended rotates into nothing, and sets
    // nothing.
    let mut stale = m.authenticate(&other, t + 12).await.unwrap().unwrap();
    assert!(m.logout(&other).await.unwrap());
    assert!(m.rotate_session(&stale, t + 13).await.unwrap().is_none());
    assert!(
        !m.set_session_data(&mut stale, data.clone(), t + 13)
            .await
            .unwrap()
    );
    assert_eq!(stale.record.data(), &serde_json::Map::new(), "unchanged");
    assert!(!m.logout_session(&stale).await.unwrap());

    // "Log out the others" keeps this one.
    let third = login(&m, &dan, None, meta("ua3"), t + 13)
        .await
        .unwrap()
        .id
        .expose();
    assert_eq!(m.destroy_others(&active, t + 14).await.unwrap(), 1);
    assert!(m.authenticate(&third, t + 14).await.unwrap().is_none());
    assert_eq!(m.list(&dan, t + 14).await.unwrap().len(), 1);
    // Logout by the handle.
    assert!(m.logout_session(&active).await.unwrap());
    assert!(m.authenticate(&new_cookie, t + 15).await.unwrap().is_none());
    assert!(m.list(&dan, t + 15).await.unwrap().is_empty());
}

pub async fn rotate_issues_a_new_id<S: SessionStore>(store: S) {
    let t = t0();
    let m = SessionManager::new(&store, config());
    let carol = user("carol");
    let old = login(&m, &carol, None, meta("ua"), t)
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
    let other = login(&m, &carol, None, meta("ua"), t).await.unwrap();
    let rec = store.load(&other.id.store_key(), t).await.unwrap().unwrap();
    assert!(
        !store
            .rotate(&other.id.store_key(), &new.id.store_key(), &rec, t)
            .await
            .unwrap()
    );
    let ghost = key_for(&store, &carol);
    let fresh = key_for(&store, &carol);
    assert!(!store.rotate(&ghost, &fresh, &rec, t).await.unwrap());
    assert!(store.load(&fresh, t).await.unwrap().is_none());
}

pub async fn login_prevents_fixation<S: SessionStore>(store: S) {
    let t = t0();
    let m = SessionManager::new(&store, config());
    let victim = user("victim");
    // An attacker's own valid session, planted in the victim's browser.
    let planted = login(&m, &user("attacker"), None, meta("evil"), t)
        .await
        .unwrap()
        .id
        .expose();
    let s = login(&m, &victim, Some(&planted), meta("ua"), t + 1)
        .await
        .unwrap();
    assert_ne!(*s.id.expose(), *planted);
    assert!(
        m.authenticate(&planted, t + 2).await.unwrap().is_none(),
        "the presented session is destroyed"
    );
    // An ID the server never issued is never adopted.
    let invented = SessionId::generate().unwrap().expose();
    let s2 = login(&m, &victim, Some(&invented), meta("ua"), t + 1)
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
            login(&m, &dave, None, meta(&format!("ua-{i}")), t + i)
                .await
                .unwrap()
                .id
                .expose(),
        );
    }
    let erins = login(&m, &erin, None, meta("ua"), t)
        .await
        .unwrap()
        .id
        .expose();
    assert!(m.logout(&cookies[0]).await.unwrap());
    assert!(!m.logout(&cookies[0]).await.unwrap());
    assert!(m.authenticate(&cookies[0], t + 5).await.unwrap().is_none());

    // Everywhere but here.
    cookies.push(
        login(&m, &dave, None, meta("ua-3"), t + 3)
            .await
            .unwrap()
            .id
            .expose(),
    );
    assert_eq!(
        m.destroy_all_except(&dave, &cookies[3], t + 5)
            .await
            .unwrap(),
        2
    );
    assert!(m.authenticate(&cookies[1], t + 5).await.unwrap().is_none());
    assert!(m.authenticate(&cookies[2], t + 5).await.unwrap().is_none());
    assert!(m.authenticate(&cookies[3], t + 5).await.unwrap().is_some());
    // Everywhere.
    assert_eq!(m.destroy_all(&dave, t + 5).await.unwrap(), 1);
    assert!(m.authenticate(&cookies[3], t + 5).await.unwrap().is_none());
    assert!(m.list(&dave, t + 5).await.unwrap().is_empty());
    // Other users are untouched.
    assert!(m.authenticate(&erins, t + 5).await.unwrap().is_some());
    assert_eq!(m.destroy_all(&dave, t + 5).await.unwrap(), 0);
}

pub async fn list_and_destroy_by_handle<S: SessionStore>(store: S) {
    let t = t0();
    let m = SessionManager::new(&store, config().max_per_user(10));
    let frank = user("frank");
    let a = login(&m, &frank, None, meta("laptop"), t).await.unwrap();
    let b = login(&m, &frank, None, meta("phone"), t + 1).await.unwrap();
    let list = m.list(&frank, t + 2).await.unwrap();
    assert_eq!(list.len(), 2);
    assert_eq!(list[0].meta.user_agent(), Some("laptop"), "oldest first");
    assert_eq!(list[1].meta.user_agent(), Some("phone"));
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
    let first = login(&m, &heidi, None, meta("1"), t)
        .await
        .unwrap()
        .id
        .expose();
    let second = login(&m, &heidi, None, meta("2"), t + 1)
        .await
        .unwrap()
        .id
        .expose();
    let third = login(&m, &heidi, None, meta("3"), t + 2)
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
            .map(|i| i.meta.user_agent().unwrap().to_owned())
            .collect::<Vec<_>>(),
        ["2", "3"]
    );
}

pub async fn logout_is_not_undone_by_a_slow_write<S: SessionStore>(store: S) {
    let t = t0();
    let m = SessionManager::new(&store, config());
    let ivan = user("ivan");
    let s = login(&m, &ivan, None, meta("ua"), t).await.unwrap();
    let cookie = s.id.expose();
    // A slow request loaded the session...
    let slow = m.authenticate(&cookie, t + 1).await.unwrap().unwrap();
    // ...the user logged out meanwhile...
    assert!(m.logout(&cookie).await.unwrap());
    // ...and the slow request now writes back.
    let mut record = slow.record.clone();
    record.touch(t + 120, 600);
    assert!(!store.update(&slow.key, &record, t + 120).await.unwrap());
    let mut data = serde_json::Map::new();
    data.insert("cart".into(), serde_json::json!([1, 2]));
    assert!(!m.set_data(&cookie, data.clone(), t + 2).await.unwrap());
    assert!(store.load(&slow.key, t + 3).await.unwrap().is_none());
    assert!(m.authenticate(&cookie, t + 200).await.unwrap().is_none());
    assert!(m.list(&ivan, t + 3).await.unwrap().is_empty());

    // While the session lives, data writes apply (last write wins).
    let live = login(&m, &ivan, None, meta("ua"), t)
        .await
        .unwrap()
        .id
        .expose();
    assert!(m.set_data(&live, data.clone(), t + 1).await.unwrap());
    data.insert("cart".into(), serde_json::json!([3]));
    assert!(m.set_data(&live, data.clone(), t + 2).await.unwrap());
    let a = m.authenticate(&live, t + 3).await.unwrap().unwrap();
    assert_eq!(a.record.data(), &data);
}

pub async fn create_is_insert_if_absent<S: SessionStore>(store: S) {
    let t = t0();
    let judy = user("judy");
    let key = key_for(&store, &judy);
    let first = record(&judy, t, "first");
    let second = record(&judy, t + 1, "second");
    assert_eq!(
        store.create(&key, &first, 0, 32).await.unwrap(),
        Created::Stored
    );
    assert_eq!(
        store.create(&key, &second, 0, 32).await.unwrap(),
        Created::KeyTaken,
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
        !store.update(&key, &first, t + 2).await.unwrap(),
        "update never creates"
    );
    assert!(store.load(&key, t + 2).await.unwrap().is_none());
}

/// "Log out everywhere" defeats a login whose credentials were checked
/// before it and whose session is created after (the password-change race),
/// and so does a ticket that is too old.
pub async fn log_out_everywhere_defeats_a_login_in_flight<S: SessionStore>(store: S) {
    let t = t0();
    let m = SessionManager::new(&store, config());
    let kim = user("kim");
    let keep = login(&m, &kim, None, meta("keep"), t).await.unwrap();
    // The attacker's login checked the old password...
    let racing = m.begin_login(&kim, t).await.unwrap();
    assert_eq!(racing.user_id(), kim);
    // ...the owner changes it and logs out everywhere else...
    assert_eq!(
        m.destroy_all_except(&kim, &keep.id.expose(), t + 1)
            .await
            .unwrap(),
        0
    );
    // ...and the racing login creates nothing.
    assert_eq!(
        m.login(racing, None, meta("evil"), t + 2)
            .await
            .unwrap_err(),
        Error::StaleLogin
    );
    let listed = m.list(&kim, t + 3).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].meta.user_agent(), Some("keep"));
    // A login that starts after the change works, and stays unaffected by
    // a later one only until that one runs.
    let fresh = m.begin_login(&kim, t + 3).await.unwrap();
    let second = m.begin_login(&kim, t + 3).await.unwrap();
    assert!(m.login(fresh, None, meta("new"), t + 4).await.is_ok());
    assert_eq!(m.destroy_all(&kim, t + 5).await.unwrap(), 2);
    assert_eq!(
        m.login(second, None, meta("late"), t + 6)
            .await
            .unwrap_err(),
        Error::StaleLogin
    );
    assert!(m.list(&kim, t + 7).await.unwrap().is_empty());
    // A ticket is good for LOGIN_TICKET_TTL seconds, not one more.
    let old = m.begin_login(&kim, t + 10).await.unwrap();
    let same_age = m.begin_login(&kim, t + 10).await.unwrap();
    assert_eq!(
        m.login(old, None, meta("old"), t + 11 + LOGIN_TICKET_TTL)
            .await
            .unwrap_err(),
        Error::StaleLogin
    );
    assert!(
        m.login(same_age, None, meta("ok"), t + 10 + LOGIN_TICKET_TTL)
            .await
            .is_ok()
    );
    // Another user's generation is untouched.
    let lee = user("lee");
    let other = m.begin_login(&lee, t).await.unwrap();
    m.destroy_all(&kim, t + 20).await.unwrap();
    assert!(m.login(other, None, meta("lee"), t + 21).await.is_ok());
}

/// Neither a touch nor a rotation brings back a session whose deadline
/// passed between the read and the write.
pub async fn writes_never_revive_an_expired_session<S: SessionStore>(store: S) {
    let t = t0();
    let m = SessionManager::new(&store, config());
    let s = login(&m, &user("mia"), None, meta("ua"), t).await.unwrap();
    let key = s.id.store_key();
    let mut late = s.record.clone();
    late.touch(t + 600, 600);
    assert!(!store.update(&key, &late, t + 600).await.unwrap());
    let new = key_for(&store, &s.record.user_id);
    assert!(!store.rotate(&key, &new, &late, t + 600).await.unwrap());
    assert!(store.load(&new, t + 1).await.unwrap().is_none());
    // One second earlier both still apply.
    let stored = store.load(&key, t + 599).await.unwrap().unwrap();
    assert_eq!(
        stored.idle_deadline,
        t + 600,
        "the refused writes changed nothing"
    );
    let mut fine = s.record.clone();
    fine.touch(t + 599, 600);
    assert!(store.update(&key, &fine, t + 599).await.unwrap());
    assert!(store.rotate(&key, &new, &fine, t + 599).await.unwrap());
    assert_eq!(
        store
            .load(&new, t + 600)
            .await
            .unwrap()
            .unwrap()
            .idle_deadline,
        t + 1199
    );
}

/// Without any configuration a user holds at most the default number of
/// sessions, and no caller can make a store keep more than the hard cap.
pub async fn sessions_per_user_are_bounded<S: SessionStore>(store: S) {
    let t = t0();
    let m = SessionManager::new(&store, config());
    let noah = user("noah");
    let default = auth_core::session::DEFAULT_MAX_PER_USER;
    for i in 0..default + 5 {
        login(
            &m,
            &noah,
            None,
            meta(&i.to_string()),
            t + u64::try_from(i).unwrap(),
        )
        .await
        .unwrap();
    }
    let listed = m.list(&noah, t + 100).await.unwrap();
    assert_eq!(listed.len(), default);
    assert_eq!(
        listed[0].meta.user_agent(),
        Some("5"),
        "the first five went"
    );
    // Store level: asking for more than the cap gets the cap.
    let olga = user("olga");
    for i in 0..MAX_SESSIONS_PER_USER + 3 {
        let key = key_for(&store, &olga);
        let created = store
            .create(&key, &record(&olga, t, &i.to_string()), 0, usize::MAX)
            .await
            .unwrap();
        assert_eq!(created, Created::Stored);
    }
    assert_eq!(
        store.list(&olga, t + 1).await.unwrap().len(),
        MAX_SESSIONS_PER_USER
    );
    assert_eq!(
        store.delete_user(&olga, None, t + 1).await.unwrap(),
        MAX_SESSIONS_PER_USER
    );
}

/// What a record may hold is bounded by the core, whatever the store.
pub async fn records_are_bounded<S: SessionStore>(store: S) {
    let t = t0();
    let m = SessionManager::new(&store, config());
    let s = login(&m, &user("pia"), None, meta("ua"), t).await.unwrap();
    let cookie = s.id.expose();
    let mut big = serde_json::Map::new();
    big.insert("k".into(), serde_json::json!("x".repeat(MAX_DATA_LEN)));
    assert_eq!(
        m.set_data(&cookie, big, t + 1).await.unwrap_err(),
        Error::RecordTooLarge {
            limit: MAX_DATA_LEN,
            actual: MAX_DATA_LEN + 8
        }
    );
    let a = m.authenticate(&cookie, t + 2).await.unwrap().unwrap();
    assert!(
        a.record.data().is_empty(),
        "a refused write changes nothing"
    );
    assert_eq!(
        login(&m, "", None, meta("ua"), t).await.unwrap_err(),
        Error::Misuse("a session needs a non-empty user id")
    );
    let long = "u".repeat(auth_core::session::MAX_USER_ID_LEN + 1);
    assert_eq!(
        login(&m, &long, None, meta("ua"), t).await.unwrap_err(),
        Error::RecordTooLarge {
            limit: auth_core::session::MAX_USER_ID_LEN,
            actual: auth_core::session::MAX_USER_ID_LEN + 1
        }
    );
}

/// A login with data stores it in the one write that creates the session;
/// data over the limit is refused and creates nothing (the login's ticket
/// is spent, and the user still has no session).
pub async fn login_with_data_writes_once<S: SessionStore>(store: S) {
    let store = Counting::new(store);
    let t = t0();
    let m = SessionManager::new(&store, config());
    let ann = user("ann");
    let mut data = serde_json::Map::new();
    data.insert("roles".into(), serde_json::json!(["admin", "user"]));
    let ticket = m.begin_login(&ann, t).await.unwrap();
    let calls = store.calls.load(Ordering::SeqCst);
    let s = m
        .login_with_data(ticket, None, meta("ua"), data.clone(), t)
        .await
        .unwrap();
    assert_eq!(store.calls.load(Ordering::SeqCst) - calls, 1, "one create");
    assert_eq!(store.updates.load(Ordering::SeqCst), 0, "no update");
    assert_eq!(s.record.data(), &data);
    let a = m
        .authenticate(&s.id.expose(), t + 1)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.record.data(), &data);

    let mut big = serde_json::Map::new();
    big.insert("k".into(), serde_json::json!("x".repeat(MAX_DATA_LEN)));
    let ticket = m.begin_login(&ann, t).await.unwrap();
    assert_eq!(
        m.login_with_data(ticket, None, meta("ua"), big, t + 2)
            .await
            .unwrap_err(),
        Error::RecordTooLarge {
            limit: MAX_DATA_LEN,
            actual: MAX_DATA_LEN + 8
        }
    );
    assert_eq!(m.list(&ann, t + 2).await.unwrap().len(), 1);
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
            // About 70 live sessions per user: no eviction in this test.
            let m = SessionManager::new(store, config().max_per_user(MAX_SESSIONS_PER_USER));
            let mut live = Vec::new();
            let mut dead = Vec::new();
            for round in 0..25u64 {
                let u = &users[usize::try_from((task + round) % 4).unwrap()];
                let s = login(&m, u, None, meta("crowd"), t).await.unwrap();
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
        m.destroy_all(user, t + 100).await.unwrap();
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
            session_handles_act_without_a_second_read,
            login_prevents_fixation,
            logout_and_destroy_all,
            list_and_destroy_by_handle,
            max_sessions_evicts_the_oldest,
            logout_is_not_undone_by_a_slow_write,
            create_is_insert_if_absent,
            log_out_everywhere_defeats_a_login_in_flight,
            writes_never_revive_an_expired_session,
            sessions_per_user_are_bounded,
            records_are_bounded,
            login_with_data_writes_once,
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
