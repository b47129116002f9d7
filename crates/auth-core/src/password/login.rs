//! The credentials check of a login form: throttle, verify, count.

use core::fmt;

use super::hasher::{PasswordHasher, check_len};
use crate::error::Error;
use crate::store::ThrottleStore;
use crate::throttle::{ThrottleConfig, ThrottleKey};

/// Checks an account name and password, throttled per account name and
/// per client address, without revealing whether the account exists.
///
/// [`PasswordLogin::check`] does, in this order:
///
/// 1. A password over [`MAX_PASSWORD_LEN`](super::MAX_PASSWORD_LEN) is
///    [`Error::TooLarge`], before anything else.
/// 2. One store call checks both keys and, atomically per key, counts the
///    attempt as a failure in advance
///    ([`ThrottleStore::count_attempts`]). While either key is blocked the
///    answer is [`Error::RateLimited`] and **no password is hashed** (a
///    throttled client costs the server a store call or two: a key that
///    did count the attempt gets it back). Because the count comes first,
///    attempts that arrive together cannot all pass: once they use up a
///    key's free failures, the next one blocks it and the rest are refused.
/// 3. Argon2 verification against the account's stored hash or, when the
///    application found no account, against the hasher's dummy hash of the
///    same parameters, so both cost the same.
/// 4. A wrong password or an unknown account stays counted against both
///    keys and is [`Error::InvalidCredentials`] either way. A right password
///    clears the account's failures and gives the address its count back,
///    so successful logins never count; it does not clear the address's
///    other failures (an attacker with one valid account must not be able
///    to wipe the address's count between guesses at others).
///
/// Then the application creates the session
/// ([`SessionManager`](crate::session::SessionManager)). The verification
/// is CPU work of tens of milliseconds at the default parameters, done
/// inline: an async server may prefer to run `check` where blocking is
/// acceptable.
///
/// Known limits: a refused attempt that the other key counted and gave
/// back may have moved that key's expiry later (by at most the time since
/// its last failure); an account whose stored hash was
/// made with other parameters than the dummy's costs differently (rehash
/// on login, see [`PasswordHasher::needs_rehash`]).
///
/// `Debug` shows the configuration only.
#[derive(Clone)]
pub struct PasswordLogin<S> {
    store: S,
    hasher: PasswordHasher,
    throttle: ThrottleConfig,
}

impl<S> fmt::Debug for PasswordLogin<S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordLogin")
            .field("hasher", &self.hasher)
            .field("throttle", &self.throttle)
            .finish_non_exhaustive()
    }
}

impl<S: ThrottleStore> PasswordLogin<S> {
    /// Checks logins against `store`, hashing with `hasher`, throttled by
    /// `throttle`.
    pub fn new(store: S, hasher: PasswordHasher, throttle: ThrottleConfig) -> Self {
        Self {
            store,
            hasher,
            throttle,
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The hasher (to hash new passwords and to rehash on login).
    pub fn hasher(&self) -> &PasswordHasher {
        &self.hasher
    }

    /// The throttle configuration.
    pub fn throttle(&self) -> &ThrottleConfig {
        &self.throttle
    }

    /// Checks `password` for `account` from `address` at `now`, where
    /// `stored` is the account's PHC hash as the application looked it up
    /// (`None`: no such account). `account` is the name as the application
    /// looks accounts up; see [`ThrottleKey::account`] and
    /// [`ThrottleKey::address`] for what to pass.
    ///
    /// `Ok(())` means the password is right. Errors: [`Error::TooLarge`],
    /// [`Error::RateLimited`], [`Error::InvalidCredentials`] as described on
    /// the type; [`Error::StoreUnavailable`] or [`Error::StoreCorrupt`] when
    /// the store fails (the login must then fail too);
    /// [`Error::Malformed`] when `stored` is not a hash that can be
    /// verified (a broken account record, reported rather than hidden).
    pub async fn check(
        &self,
        account: &str,
        address: &str,
        stored: Option<&str>,
        password: &[u8],
        now: u64,
    ) -> Result<(), Error> {
        check_len(password)?;
        let account_key = ThrottleKey::account(account);
        let address_key = ThrottleKey::address(address);
        let attempts = self
            .store
            .count_attempts(
                [
                    (&account_key, &self.throttle.account),
                    (&address_key, &self.throttle.address),
                ],
                now,
            )
            .await?;
        if let Err(limited) = self.throttle.check(&attempts, now) {
            // A key that counted the attempt gets it back: nothing was
            // tried.
            let keys = [
                (&account_key, &self.throttle.account),
                (&address_key, &self.throttle.address),
            ];
            for (attempt, (key, limit)) in attempts.iter().zip(keys) {
                if !attempt.is_refused() {
                    self.store.refund_attempt(key, limit, now).await?;
                }
            }
            return Err(limited);
        }
        // The attempt is counted: whatever happens from here on (a broken
        // stored hash included) is not a success.
        let verified = match stored {
            Some(phc) => self.hasher.verify(password, phc)?,
            None => {
                // Same work as a real account, and never a match.
                let _ = self.hasher.verify(password, self.hasher.dummy())?;
                false
            }
        };
        if !verified {
            return Err(Error::InvalidCredentials);
        }
        self.store.clear_throttle(&account_key).await?;
        self.store
            .refund_attempt(&address_key, &self.throttle.address, now)
            .await?;
        Ok(())
    }
}

// The toy store below locks a std mutex.
#[cfg(test)]
#[cfg(feature = "std")]
mod tests {
    use super::*;
    use crate::password::PasswordParams;
    use crate::throttle::{Attempt, Limit, ThrottleState};
    use alloc::collections::BTreeMap;
    use alloc::format;
    use core::future::Future;
    use core::sync::atomic::{AtomicUsize, Ordering};
    use core::task::{Context, Poll, Waker};
    use std::sync::Mutex;

    /// The reference behaviour in a map, counting its calls. Its futures
    /// are ready at once, so the tests need no runtime.
    #[derive(Default)]
    struct Toy {
        states: Mutex<BTreeMap<ThrottleKey, ThrottleState>>,
        calls: AtomicUsize,
    }

    impl ThrottleStore for Toy {
        async fn load_throttles(
            &self,
            keys: [&ThrottleKey; 2],
            now: u64,
        ) -> Result<[Option<ThrottleState>; 2], Error> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let states = self.states.lock().unwrap();
            Ok(keys.map(|k| states.get(k).copied().filter(|s| s.is_live(now))))
        }
        async fn count_attempts(
            &self,
            attempts: [(&ThrottleKey, &Limit); 2],
            now: u64,
        ) -> Result<[Attempt; 2], Error> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            let mut states = self.states.lock().unwrap();
            Ok(attempts.map(|(k, limit)| {
                let attempt = limit.attempt(states.get(k).copied(), now);
                if let Attempt::Counted(next) = attempt {
                    states.insert(*k, next);
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
            self.calls.fetch_add(1, Ordering::SeqCst);
            let mut states = self.states.lock().unwrap();
            let left = limit.refund(states.remove(key), now);
            if let Some(s) = left {
                states.insert(*key, s);
            }
            Ok(left)
        }
        async fn clear_throttle(&self, key: &ThrottleKey) -> Result<bool, Error> {
            self.calls.fetch_add(1, Ordering::SeqCst);
            Ok(self.states.lock().unwrap().remove(key).is_some())
        }
    }

    fn ready<T>(future: impl Future<Output = T>) -> T {
        let mut future = core::pin::pin!(future);
        match future
            .as_mut()
            .poll(&mut Context::from_waker(Waker::noop()))
        {
            Poll::Ready(value) => value,
            Poll::Pending => panic!("the toy store never waits"),
        }
    }

    fn login() -> PasswordLogin<Toy> {
        let hasher = PasswordHasher::new(PasswordParams::new(64, 1, 1).unwrap()).unwrap();
        PasswordLogin::new(Toy::default(), hasher, ThrottleConfig::new())
    }

    #[test]
    fn right_wrong_unknown_and_throttled() {
        let l = login();
        let phc = l.hasher().hash(b"pw").unwrap();
        let t = 1_000;
        let check = |account, stored, password: &[u8], now| {
            ready(l.check(account, "192.0.2.1", stored, password, now))
        };
        assert_eq!(check("ann", Some(phc.as_str()), b"pw", t), Ok(()));
        assert_eq!(
            l.store().calls.load(Ordering::SeqCst),
            3,
            "a success: count, clear the account, refund the address"
        );
        assert_eq!(l.store().states.lock().unwrap().len(), 0, "nothing kept");
        for _ in 0..5 {
            assert_eq!(
                check("ann", Some(phc.as_str()), b"no", t),
                Err(Error::InvalidCredentials)
            );
            assert_eq!(
                check("nobody", None, b"no", t),
                Err(Error::InvalidCredentials)
            );
        }
        // The sixth failure blocks each account for 1 s.
        assert_eq!(
            check("ann", Some(phc.as_str()), b"no", t),
            Err(Error::InvalidCredentials)
        );
        assert_eq!(
            check("nobody", None, b"no", t),
            Err(Error::InvalidCredentials)
        );
        let before = l.store().calls.load(Ordering::SeqCst);
        let kept = l.store().states.lock().unwrap().clone();
        // Throttled: even the right password, and a stored hash that would
        // be `malformed` if anything looked at it. Two store calls each
        // (the address counted the attempt and gets it back).
        for stored in [Some(phc.as_str()), Some("not a hash"), None] {
            assert_eq!(
                check("ann", stored, b"pw", t),
                Err(Error::RateLimited { retry_after: 1 })
            );
            assert_eq!(
                check("nobody", stored, b"pw", t),
                Err(Error::RateLimited { retry_after: 1 })
            );
        }
        assert_eq!(l.store().calls.load(Ordering::SeqCst), before + 12);
        assert_eq!(*l.store().states.lock().unwrap(), kept, "nothing changed");
        // After the block the right password gets in and clears the
        // account; the address keeps its twelve failures.
        assert_eq!(check("ann", Some(phc.as_str()), b"pw", t + 1), Ok(()));
        let address = ThrottleKey::address("192.0.2.1");
        let states = l.store().states.lock().unwrap().clone();
        assert!(!states.contains_key(&ThrottleKey::account("ann")));
        assert_eq!(states[&address].failures, 12);
        assert_eq!(
            check("ann", Some(phc.as_str()), b"no", t + 1),
            Err(Error::InvalidCredentials)
        );
        assert_eq!(check("ann", Some(phc.as_str()), b"pw", t + 1), Ok(()));
        // A broken record is reported, not hidden, and counted: it is not a
        // success.
        assert_eq!(
            check("bob", Some("not a hash"), b"pw", t + 1),
            Err(Error::Malformed("password hash is not a PHC string"))
        );
        let states = l.store().states.lock().unwrap().clone();
        assert_eq!(states[&ThrottleKey::account("bob")].failures, 1);
        assert_eq!(states[&address].failures, 14);
        assert!(format!("{l:?}").starts_with("PasswordLogin { hasher: PasswordHasher"));
    }

    #[test]
    fn over_long_passwords_never_reach_the_store() {
        let l = login();
        let long = [0u8; 4097];
        assert_eq!(
            ready(l.check("ann", "192.0.2.1", None, &long, 1)),
            Err(Error::TooLarge {
                limit: 4096,
                actual: 4097
            })
        );
        assert_eq!(l.store().calls.load(Ordering::SeqCst), 0);
    }
}
