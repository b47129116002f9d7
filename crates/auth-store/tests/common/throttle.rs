//! The behaviour every `ThrottleStore` must show under the password login
//! check, as one suite that each store's test file instantiates with
//! `throttle_suite!`.
//!
//! Times are real seconds plus offsets (see `t0`), so a store with real
//! TTLs agrees with the injected `now`; the back-off arithmetic is checked
//! to the second. Passwords are hashed with cheap Argon2 parameters: the
//! suite is about the throttle, `auth-core` tests the defaults.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use auth_core::Error;
use auth_core::password::{PasswordHasher, PasswordLogin, PasswordParams};
use auth_core::store::ThrottleStore;
use auth_core::throttle::{Attempt, Limit, ThrottleConfig, ThrottleKey, ThrottleState};
use tokio::sync::Barrier;

use super::{Counting, t0, user};

/// Holds the first `n` checks at the barrier right after their first store
/// call (the look or the count) has been answered, so all of them have
/// asked before any of them goes on to hash: the worst case of attempts
/// that arrive together.
struct Gate<S> {
    inner: S,
    barrier: Barrier,
    held: AtomicUsize,
    n: usize,
}

impl<S> Gate<S> {
    async fn hold(&self) {
        if self.held.fetch_add(1, Ordering::SeqCst) < self.n {
            self.barrier.wait().await;
        }
    }
}

impl<S: ThrottleStore> ThrottleStore for Gate<S> {
    async fn load_throttles(
        &self,
        keys: [&ThrottleKey; 2],
        now: u64,
    ) -> Result<[Option<ThrottleState>; 2], Error> {
        let states = self.inner.load_throttles(keys, now).await;
        self.hold().await;
        states
    }
    async fn count_attempts(
        &self,
        attempts: [(&ThrottleKey, &Limit); 2],
        now: u64,
    ) -> Result<[Attempt; 2], Error> {
        let counted = self.inner.count_attempts(attempts, now).await;
        self.hold().await;
        counted
    }
    async fn refund_attempt(
        &self,
        key: &ThrottleKey,
        limit: &Limit,
        now: u64,
    ) -> Result<Option<ThrottleState>, Error> {
        self.inner.refund_attempt(key, limit, now).await
    }
    async fn clear_throttle(&self, key: &ThrottleKey) -> Result<bool, Error> {
        self.inner.clear_throttle(key).await
    }
}

pub const RIGHT: &[u8] = b"correct horse battery staple";
pub const WRONG: &[u8] = b"Tr0ub4dor&3";

const INVALID: Result<(), Error> = Err(Error::InvalidCredentials);

fn limited(retry_after: u64) -> Result<(), Error> {
    Err(Error::RateLimited { retry_after })
}

/// A hasher with cheap parameters.
pub fn hasher() -> PasswordHasher {
    PasswordHasher::new(PasswordParams::new(64, 1, 1).unwrap()).unwrap()
}

pub fn checker<S: ThrottleStore>(store: S, config: ThrottleConfig) -> PasswordLogin<S> {
    PasswordLogin::new(store, hasher(), config)
}

/// The live state of an account name (as the store holds it).
pub async fn account_state<S: ThrottleStore>(
    l: &PasswordLogin<S>,
    account: &str,
    now: u64,
) -> Option<ThrottleState> {
    let (a, b) = (ThrottleKey::account(account), ThrottleKey::address("-"));
    l.store().load_throttles([&a, &b], now).await.unwrap()[0]
}

/// The live state of an address.
pub async fn address_state<S: ThrottleStore>(
    l: &PasswordLogin<S>,
    address: &str,
    now: u64,
) -> Option<ThrottleState> {
    let (a, b) = (ThrottleKey::account("-"), ThrottleKey::address(address));
    l.store().load_throttles([&a, &b], now).await.unwrap()[1]
}

/// Five free failures, then a block of 1 s, doubling with each failure
/// after a block, to the second; the right password gets in only once the
/// block is over.
pub async fn free_failures_then_doubling_back_off<S: ThrottleStore>(store: S) {
    let l = checker(store, ThrottleConfig::new());
    let phc = l.hasher().hash(RIGHT).unwrap();
    let (account, address) = (user("acct"), user("addr"));
    let check = async |password, now| l.check(&account, &address, Some(&phc), password, now).await;
    let t = t0();
    for n in 1..=5 {
        assert_eq!(check(WRONG, t).await, INVALID, "free failure {n}");
    }
    assert_eq!(
        account_state(&l, &account, t).await,
        Some(ThrottleState {
            failures: 5,
            blocked_until: 0,
            expires_at: t + 900
        })
    );
    // The sixth is checked (it is still free to try) and blocks for 1 s.
    assert_eq!(check(WRONG, t).await, INVALID);
    let mut now = t;
    for backoff in [1, 2, 4, 8, 16] {
        assert_eq!(check(RIGHT, now).await, limited(backoff), "at +{}", now - t);
        assert_eq!(check(RIGHT, now + backoff - 1).await, limited(1));
        now += backoff;
        // The block is over: a wrong password counts and doubles it.
        assert_eq!(check(WRONG, now).await, INVALID);
    }
    assert_eq!(
        account_state(&l, &account, now).await,
        Some(ThrottleState {
            failures: 11,
            blocked_until: now + 32,
            expires_at: now + 32 + 900
        })
    );
    assert_eq!(check(RIGHT, now + 31).await, limited(1));
    assert_eq!(check(RIGHT, now + 32).await, Ok(()));
    // The success cleared the account.
    assert_eq!(account_state(&l, &account, now + 32).await, None);
}

/// The back-off stops doubling at its cap (15 minutes by default), and the
/// wait is exact at the cap too.
pub async fn back_off_is_capped<S: ThrottleStore>(store: S) {
    let l = checker(store, ThrottleConfig::new());
    let (account, address) = (
        ThrottleKey::account(&user("cap")),
        ThrottleKey::address(&user("a")),
    );
    let t = t0();
    let mut now = t;
    let mut blocks = Vec::new();
    for _ in 0..18 {
        let [Attempt::Counted(a), Attempt::Counted(_)] = l
            .store()
            .count_attempts(
                [(&account, &Limit::ACCOUNT), (&address, &Limit::ADDRESS)],
                now,
            )
            .await
            .unwrap()
        else {
            panic!("an attempt after the block is counted");
        };
        assert_eq!(a.expires_at, now.max(a.blocked_until) + 900);
        if a.blocked_until > 0 {
            blocks.push(a.blocked_until - now);
            now = a.blocked_until;
        }
    }
    assert_eq!(
        blocks,
        [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900]
    );
    // Checked through the login: a stranger's state, exact waits.
    let l2 = checker(l.store(), ThrottleConfig::new());
    let name = user("capped");
    let cap_addr = user("cap-addr");
    let phc = l2.hasher().hash(RIGHT).unwrap();
    let mut now = t;
    loop {
        assert_eq!(
            l2.check(&name, &cap_addr, Some(&phc), WRONG, now).await,
            INVALID
        );
        let s = account_state(&l2, &name, now).await.unwrap();
        if s.blocked_until == now + 900 {
            break;
        }
        now = now.max(s.blocked_until);
    }
    assert_eq!(
        l2.check(&name, &cap_addr, Some(&phc), RIGHT, now).await,
        limited(900)
    );
    assert_eq!(
        l2.check(&name, &cap_addr, Some(&phc), RIGHT, now + 899)
            .await,
        limited(1)
    );
    assert_eq!(
        l2.check(&name, &cap_addr, Some(&phc), RIGHT, now + 900)
            .await,
        Ok(())
    );
}

/// Failures are forgotten a window after the last failure (or the end of
/// the last block), and not a second before.
pub async fn a_quiet_window_forgets_failures<S: ThrottleStore>(store: S) {
    let l = checker(store, ThrottleConfig::new());
    let t = t0();
    // Remembered through the window: the sixth failure at +899 blocks.
    let early = user("early");
    for _ in 0..5 {
        assert_eq!(l.check(&early, &user("x"), None, WRONG, t).await, INVALID);
    }
    assert!(account_state(&l, &early, t + 899).await.is_some());
    assert_eq!(
        l.check(&early, &user("x"), None, WRONG, t + 899).await,
        INVALID
    );
    assert_eq!(
        l.check(&early, &user("x"), None, WRONG, t + 899).await,
        limited(1)
    );

    // Forgotten at +900: five more free failures.
    let late = user("late");
    for _ in 0..5 {
        assert_eq!(l.check(&late, &user("x"), None, WRONG, t).await, INVALID);
    }
    assert_eq!(account_state(&l, &late, t + 900).await, None);
    for _ in 0..5 {
        assert_eq!(
            l.check(&late, &user("x"), None, WRONG, t + 900).await,
            INVALID
        );
    }
    assert_eq!(
        account_state(&l, &late, t + 900).await.map(|s| s.failures),
        Some(5)
    );

    // After a block, the window counts from the block's end.
    let blocked = user("blocked");
    for _ in 0..6 {
        assert_eq!(l.check(&blocked, &user("x"), None, WRONG, t).await, INVALID);
    }
    let s = account_state(&l, &blocked, t).await.unwrap();
    assert_eq!((s.blocked_until, s.expires_at), (t + 1, t + 901));
    assert!(account_state(&l, &blocked, t + 900).await.is_some());
    assert_eq!(account_state(&l, &blocked, t + 901).await, None);
}

/// A success clears the account's failures but not the address's: with
/// one valid account of their own, an attacker could otherwise reset the
/// address between guesses at other accounts.
pub async fn success_resets_the_account_not_the_address<S: ThrottleStore>(store: S) {
    let config = ThrottleConfig::new().address(Limit::new(3, 900, 1, 900));
    let l = checker(store, config);
    let t = t0();
    let (mine, victim) = (user("mine"), user("victim"));
    let (my_phc, victim_phc) = (
        l.hasher().hash(b"mine").unwrap(),
        l.hasher().hash(RIGHT).unwrap(),
    );
    let attacker = user("attacker");
    let guess = async |now| {
        l.check(&victim, &attacker, Some(&victim_phc), WRONG, now)
            .await
    };
    let own = async |now| l.check(&mine, &attacker, Some(&my_phc), b"mine", now).await;
    assert_eq!(guess(t).await, INVALID);
    assert_eq!(guess(t).await, INVALID);
    assert_eq!(own(t).await, Ok(()));
    assert_eq!(
        address_state(&l, &attacker, t).await.map(|s| s.failures),
        Some(2)
    );
    assert_eq!(guess(t).await, INVALID);
    assert_eq!(own(t).await, Ok(()));
    assert_eq!(guess(t).await, INVALID);
    // Four failures from the address: blocked, for every account.
    assert_eq!(
        address_state(&l, &attacker, t).await.map(|s| s.failures),
        Some(4)
    );
    assert_eq!(own(t).await, limited(1));
    assert_eq!(guess(t).await, limited(1));

    // The victim, from home, logs in: their account's count is cleared...
    assert_eq!(
        account_state(&l, &victim, t).await.map(|s| s.failures),
        Some(4)
    );
    let home = user("home");
    assert_eq!(
        l.check(&victim, &home, Some(&victim_phc), RIGHT, t).await,
        Ok(())
    );
    assert_eq!(account_state(&l, &victim, t).await, None);
    // ...so five more wrong passwords are free again,
    for _ in 0..5 {
        assert_eq!(
            l.check(&victim, &user("elsewhere"), Some(&victim_phc), WRONG, t + 1)
                .await,
            INVALID
        );
    }
    assert_eq!(
        l.check(&victim, &user("elsewhere"), Some(&victim_phc), WRONG, t + 1)
            .await,
        INVALID
    );
    assert_eq!(
        l.check(&victim, &home, Some(&victim_phc), RIGHT, t + 1)
            .await,
        limited(1)
    );
    // ...and the attacker's address is still where it was.
    assert_eq!(
        address_state(&l, &attacker, t + 1)
            .await
            .map(|s| s.failures),
        Some(4)
    );
}

/// One address may fail far more often than one account (many users share
/// an address behind NAT): with the defaults, 100 failures across accounts
/// are free, the 101st blocks the address; an account blocks at its sixth
/// failure whatever the addresses.
pub async fn the_address_limit_is_looser_than_the_account_limit<S: ThrottleStore>(store: S) {
    let l = checker(store, ThrottleConfig::new());
    let t = t0();
    let office = user("office");
    let accounts: Vec<String> = (0..21).map(|i| user(&format!("colleague{i}"))).collect();
    for account in &accounts[..20] {
        for _ in 0..5 {
            assert_eq!(l.check(account, &office, None, WRONG, t).await, INVALID);
        }
    }
    assert_eq!(
        address_state(&l, &office, t).await.map(|s| s.failures),
        Some(100)
    );
    assert_eq!(
        address_state(&l, &office, t).await.map(|s| s.blocked_until),
        Some(0)
    );
    // The 101st failure from the office blocks it, for a fresh account too.
    assert_eq!(
        l.check(&accounts[20], &office, None, WRONG, t).await,
        INVALID
    );
    assert_eq!(
        l.check(&user("newcomer"), &office, None, RIGHT, t).await,
        limited(1)
    );
    assert_eq!(
        address_state(&l, &office, t)
            .await
            .map(|s| (s.failures, s.blocked_until)),
        Some((101, t + 1))
    );

    // One account from six addresses: blocked at its sixth failure.
    let target = user("target");
    for i in 0..6 {
        assert_eq!(
            l.check(&target, &user(&format!("bot{i}")), None, WRONG, t)
                .await,
            INVALID
        );
    }
    assert_eq!(
        l.check(&target, &user("bot6"), None, WRONG, t).await,
        limited(1)
    );
}

/// An account name nobody has is throttled exactly like a known account
/// with a wrong password: same answers, same waits, same stored state.
pub async fn unknown_accounts_are_throttled_like_known_ones<S: ThrottleStore>(store: S) {
    let l = checker(store, ThrottleConfig::new());
    let t = t0();
    let phc = l.hasher().hash(RIGHT).unwrap();
    let (known, unknown) = (user("known"), user("unknown"));
    let mut answers = [Vec::new(), Vec::new()];
    for (i, (account, stored)) in [(&known, Some(phc.as_str())), (&unknown, None)]
        .into_iter()
        .enumerate()
    {
        let address = user("from");
        for dt in [0, 0, 0, 0, 0, 0, 0, 1, 1, 2, 3, 3, 5] {
            answers[i].push(l.check(account, &address, stored, WRONG, t + dt).await);
        }
        answers[i].push(Ok(()));
    }
    assert_eq!(answers[0], answers[1]);
    let limited = answers[0]
        .iter()
        .filter(|a| matches!(a, Err(Error::RateLimited { .. })))
        .count();
    assert!(limited >= 3, "{:?}", answers[0]);
    assert_eq!(
        account_state(&l, &known, t + 5).await,
        account_state(&l, &unknown, t + 5).await
    );
    assert!(account_state(&l, &known, t + 5).await.is_some());
}

/// A throttled attempt is refused after one store call and before any
/// password work: a stored hash that would be `malformed` if anything
/// looked at it comes back `rate_limited`, the right password too, and no
/// failure is counted. An over-long password never reaches the store.
pub async fn throttled_attempts_hash_nothing<S: ThrottleStore>(store: S) {
    let store = Counting::new(store);
    let l = checker(&store, ThrottleConfig::new());
    let t = t0();
    let (account, address) = (user("hammered"), user("from"));
    let phc = l.hasher().hash(RIGHT).unwrap();
    for _ in 0..6 {
        assert_eq!(
            l.check(&account, &address, Some(&phc), WRONG, t).await,
            INVALID
        );
    }
    let before = account_state(&l, &account, t).await;
    let address_before = address_state(&l, &address, t).await;
    assert_eq!(address_before.map(|s| s.failures), Some(6));
    let calls = store.calls.load(Ordering::SeqCst);
    for stored in [Some("not a PHC string"), Some(phc.as_str()), None] {
        assert_eq!(
            l.check(&account, &address, stored, RIGHT, t).await,
            limited(1)
        );
        assert_eq!(
            l.check(&account, &address, stored, WRONG, t).await,
            limited(1)
        );
    }
    assert_eq!(
        store.calls.load(Ordering::SeqCst),
        calls + 12,
        "two calls each: the count, and the address's refund"
    );
    assert_eq!(
        account_state(&l, &account, t).await,
        before,
        "nothing counted"
    );
    assert_eq!(
        address_state(&l, &address, t).await,
        address_before,
        "the address got its counts back"
    );
    // Unthrottled, the broken hash is looked at, and said to be broken.
    assert_eq!(
        l.check(
            &user("broken"),
            &user("x"),
            Some("not a PHC string"),
            RIGHT,
            t
        )
        .await,
        Err(Error::Malformed("password hash is not a PHC string"))
    );
    let calls = store.calls.load(Ordering::SeqCst);
    assert_eq!(
        l.check(&account, &address, Some(&phc), &[b'x'; 4097], t)
            .await,
        Err(Error::TooLarge {
            limit: 4096,
            actual: 4097
        })
    );
    assert_eq!(store.calls.load(Ordering::SeqCst), calls);
    // A success is three calls (count, clear the account, refund the
    // address) and leaves nothing behind; a failure is one.
    let (fresh, y) = (user("fresh"), user("y"));
    assert_eq!(l.check(&fresh, &y, Some(&phc), RIGHT, t).await, Ok(()));
    assert_eq!(store.calls.load(Ordering::SeqCst), calls + 3);
    assert_eq!(l.check(&fresh, &y, Some(&phc), WRONG, t).await, INVALID);
    assert_eq!(store.calls.load(Ordering::SeqCst), calls + 4);
    assert_eq!(
        account_state(&l, &fresh, t).await.map(|s| s.failures),
        Some(1)
    );
    assert_eq!(address_state(&l, &y, t).await.map(|s| s.failures), Some(1));
    let (other, z) = (user("other"), user("z"));
    assert_eq!(l.check(&other, &z, Some(&phc), RIGHT, t).await, Ok(()));
    assert_eq!(account_state(&l, &other, t).await, None, "nothing left");
    assert_eq!(address_state(&l, &z, t).await, None, "nothing left");
}

/// Attempts that arrive together cannot outrun the block: twenty checks
/// of one account all reach the store before any of them hashes, yet only
/// the five free failures and the one that blocks get to hash; the other
/// fourteen are refused, the address gets their counts back, and the
/// account's state is exactly six failures. (Were the check a look before
/// the count, all twenty would hash.)
pub async fn concurrent_attempts_cannot_outrun_the_block<S: ThrottleStore + 'static>(store: S) {
    const N: usize = 20;
    let store = Gate {
        inner: store,
        barrier: Barrier::new(N),
        held: AtomicUsize::new(0),
        n: N,
    };
    let l = Arc::new(checker(store, ThrottleConfig::new()));
    let t = t0();
    let (account, address) = (user("burst"), user("burst-from"));
    let phc = l.hasher().hash(RIGHT).unwrap();
    let racers: Vec<_> = (0..N)
        .map(|_| {
            let (l, account, address, phc) =
                (l.clone(), account.clone(), address.clone(), phc.clone());
            tokio::spawn(async move { l.check(&account, &address, Some(&phc), WRONG, t).await })
        })
        .collect();
    let (mut hashed, mut refused) = (0, 0);
    for racer in racers {
        match racer.await.unwrap() {
            Err(Error::InvalidCredentials) => hashed += 1,
            Err(Error::RateLimited { retry_after: 1 }) => refused += 1,
            other => panic!("{other:?}"),
        }
    }
    assert_eq!((hashed, refused), (6, 14));
    assert_eq!(
        account_state(&l, &account, t).await,
        Some(ThrottleState {
            failures: 6,
            blocked_until: t + 1,
            expires_at: t + 901
        })
    );
    assert_eq!(
        address_state(&l, &address, t).await,
        Some(ThrottleState {
            failures: 6,
            blocked_until: 0,
            expires_at: t + 900
        })
    );
}

/// Store level: `count_attempts` refuses a blocked key without writing and
/// counts any other; `refund_attempt` gives one failure back, drops a
/// block only when the failures left are all free, never moves an expiry,
/// and removes a state with nothing left; `clear_throttle` says whether
/// there was a state; `load_throttles` reads states only while they live.
pub async fn store_level_contract<S: ThrottleStore>(store: S) {
    let t = t0();
    let keys = |name: &str| {
        (
            ThrottleKey::account(&user(name)),
            ThrottleKey::address(&user(name)),
        )
    };
    let state = |failures, blocked_until, expires_at| ThrottleState {
        failures,
        blocked_until,
        expires_at,
    };
    let count = async |a: &ThrottleKey, la: &Limit, b: &ThrottleKey, now| {
        store
            .count_attempts([(a, la), (b, &Limit::ADDRESS)], now)
            .await
            .unwrap()
    };
    let tight = Limit::new(0, 10, 3, 5);

    // Counted, then refused while blocked (to the last second) with the
    // state as stored; the other key counts independently, and a refund
    // gives it one failure back without moving its expiry.
    let (a, b) = keys("contract");
    assert_eq!(
        store.load_throttles([&a, &b], t).await.unwrap(),
        [None, None]
    );
    let (sa, sb) = (state(1, t + 3, t + 13), state(1, 0, t + 900));
    assert_eq!(
        count(&a, &tight, &b, t).await,
        [Attempt::Counted(sa), Attempt::Counted(sb)]
    );
    assert_eq!(
        store.load_throttles([&a, &b], t + 12).await.unwrap(),
        [Some(sa), Some(sb)]
    );
    assert_eq!(
        count(&a, &tight, &b, t + 2).await,
        [Attempt::Refused(sa), Attempt::Counted(state(2, 0, t + 902))]
    );
    assert_eq!(
        store.load_throttles([&a, &b], t + 2).await.unwrap(),
        [Some(sa), Some(state(2, 0, t + 902))]
    );
    let sb1 = state(1, 0, t + 902);
    assert_eq!(
        store
            .refund_attempt(&b, &Limit::ADDRESS, t + 2)
            .await
            .unwrap(),
        Some(sb1)
    );
    assert_eq!(
        store.load_throttles([&a, &b], t + 2).await.unwrap(),
        [Some(sa), Some(sb1)]
    );

    // Failures left beyond the free ones keep the block they earned; once
    // none is left beyond them, the block goes, and with nothing left the
    // state goes too.
    let (c, d) = keys("refund-block");
    assert_eq!(
        count(&c, &tight, &d, t).await[0],
        Attempt::Counted(state(1, t + 3, t + 13))
    );
    // (The second back-off would be 6 s; the cap is 5.)
    let sc = state(2, t + 8, t + 18);
    assert_eq!(count(&c, &tight, &d, t + 3).await[0], Attempt::Counted(sc));
    let sc1 = state(1, t + 8, t + 18);
    assert_eq!(
        store.refund_attempt(&c, &tight, t + 3).await.unwrap(),
        Some(sc1)
    );
    assert_eq!(count(&c, &tight, &d, t + 7).await[0], Attempt::Refused(sc1));
    assert_eq!(store.refund_attempt(&c, &tight, t + 7).await.unwrap(), None);
    assert_eq!(
        store.load_throttles([&c, &d], t + 7).await.unwrap()[0],
        None
    );
    assert!(!store.clear_throttle(&c).await.unwrap(), "removed");
    assert_eq!(store.refund_attempt(&c, &tight, t + 7).await.unwrap(), None);
    // One free failure: the second blocks; given back, the block goes and
    // the first failure stays.
    let one_free = Limit::new(1, 10, 3, 5);
    let (e, f) = keys("refund-free");
    assert_eq!(
        count(&e, &one_free, &f, t).await[0],
        Attempt::Counted(state(1, 0, t + 10))
    );
    assert_eq!(
        count(&e, &one_free, &f, t).await[0],
        Attempt::Counted(state(2, t + 3, t + 13))
    );
    assert_eq!(
        store.refund_attempt(&e, &one_free, t).await.unwrap(),
        Some(state(1, 0, t + 13))
    );
    assert_eq!(
        count(&e, &one_free, &f, t).await[0],
        Attempt::Counted(state(2, t + 3, t + 13))
    );

    // Past its expiry a state reads as absent, counts from scratch, and a
    // refund of it leaves nothing, whatever is still there.
    assert_eq!(
        store.load_throttles([&a, &b], t + 13).await.unwrap(),
        [None, Some(sb1)]
    );
    assert_eq!(
        count(&a, &tight, &b, t + 13).await[0],
        Attempt::Counted(state(1, t + 16, t + 26))
    );
    assert_eq!(
        store.refund_attempt(&a, &tight, t + 26).await.unwrap(),
        None
    );
    assert!(!store.clear_throttle(&a).await.unwrap(), "removed");
    let _ = count(&a, &tight, &b, t + 26).await;
    assert!(store.clear_throttle(&a).await.unwrap());
    assert!(!store.clear_throttle(&a).await.unwrap());

    // A server whose clock is behind sees a block another one set as it
    // is, and its count never moves an expiry earlier.
    let ahead = state(1, t + 103, t + 113);
    let [first, address] = count(&a, &tight, &b, t + 100).await;
    assert_eq!(first, Attempt::Counted(ahead));
    assert_eq!(address.state().expires_at, t + 1000);
    let [behind, address] = count(&a, &tight, &b, t + 95).await;
    assert_eq!(behind, Attempt::Refused(ahead));
    assert_eq!(
        address.state().expires_at,
        t + 1000,
        "the address's expiry stays with its latest failure"
    );
    assert!(store.clear_throttle(&a).await.unwrap());
    assert_eq!(
        store.load_throttles([&a, &b], t + 13).await.unwrap()[0],
        None
    );
}

/// Instantiates the suite for one store:
/// `throttle_suite!(async { make_store() })`.
#[macro_export]
macro_rules! throttle_suite {
    ($make:expr) => {
        $crate::throttle_suite!(@tests $make;
            free_failures_then_doubling_back_off,
            back_off_is_capped,
            a_quiet_window_forgets_failures,
            success_resets_the_account_not_the_address,
            the_address_limit_is_looser_than_the_account_limit,
            unknown_accounts_are_throttled_like_known_ones,
            throttled_attempts_hash_nothing,
            concurrent_attempts_cannot_outrun_the_block,
            store_level_contract,
        );
    };
    (@tests $make:expr; $($name:ident),* $(,)?) => {
        $(
            #[tokio::test]
            async fn $name() {
                common::throttle::$name($make.await).await;
            }
        )*
    };
}
