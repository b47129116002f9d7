//! Failed-login throttling: the policy, the keys stores file it under, and
//! the state they keep.
//!
//! Every failed login counts against two keys: the **account** name tried
//! (whether or not such an account exists) and the client's **address**.
//! Each key has a [`Limit`]: a number of free failures, then a block that
//! doubles with each further failure up to a cap. A key remembers its
//! failures until it has gone a whole window without a failure and without
//! a block; nothing is locked forever (OWASP Authentication Cheat Sheet,
//! "Login Throttling": throttle, do not lock out).
//!
//! The rules are pure: time is passed in, and the state lives in a
//! [`ThrottleStore`](crate::store::ThrottleStore), which applies
//! [`Limit::attempt`] atomically. Stores never see an account name or an
//! address, only a [`ThrottleKey`], a domain-separated SHA-256 of it.
//!
//! An attempt is **counted as a failure before the password is checked**,
//! in the same atomic step that checks the block, so attempts that arrive
//! together cannot all slip past the check: once a key's free failures are
//! used up, the next attempt blocks it, and every attempt after that is
//! refused until the block ends. A success then gives its count back
//! ([`Limit::refund`]).
//!
//! The password login helper
//! (`auth_core::password::PasswordLogin`, feature `password`) puts this
//! together: count the attempt against both keys in one store call, verify
//! the password, and on success forget the account's failures and refund
//! the address's count.

use alloc::string::String;
use core::fmt;

use sha2::{Digest, Sha256};

use crate::encoding::base64url;
use crate::error::Error;

/// The longest window or back-off a [`Limit`] takes, in seconds (one day):
/// throttling slows guessing down, it never locks anyone out for good.
pub const MAX_THROTTLE_SECONDS: u64 = 24 * 60 * 60;

/// What a throttle key stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum ThrottleKind {
    /// An account name, as tried (known or not).
    Account,
    /// A client address.
    Address,
}

impl ThrottleKind {
    /// The label hashed into the key.
    const fn label(self) -> &'static [u8] {
        match self {
            Self::Account => b"account",
            Self::Address => b"address",
        }
    }
}

/// What a store files throttle state under: a domain-separated SHA-256 of
/// an account name or an address,
/// `SHA-256("auth-core throttle v1\0" || kind || 0 || value)`, so the store
/// holds neither.
///
/// This hides names from a casual look at the store, not from a determined
/// one: an unkeyed hash of a guessable value (an IPv4 address, a known
/// e-mail address) can be confirmed by hashing the guess.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ThrottleKey {
    kind: ThrottleKind,
    hash: [u8; 32],
}

impl ThrottleKey {
    /// The key of an account name. Pass the name in the form the
    /// application looks accounts up by (after its own case folding or
    /// trimming): `Alice` and `alice` are different keys, so a name the
    /// lookup treats as one account must reach here as one string.
    #[must_use]
    pub fn account(name: &str) -> Self {
        Self::new(ThrottleKind::Account, name.as_bytes())
    }

    /// The key of a client address. For IPv6, pass the /64 prefix a client
    /// is usually given rather than the full address, or every client can
    /// step through 2^64 keys of its own.
    #[must_use]
    pub fn address(address: &str) -> Self {
        Self::new(ThrottleKind::Address, address.as_bytes())
    }

    fn new(kind: ThrottleKind, value: &[u8]) -> Self {
        let mut h = Sha256::new();
        h.update(b"auth-core throttle v1\0");
        h.update(kind.label());
        h.update([0]);
        h.update(value);
        Self {
            kind,
            hash: h.finalize().into(),
        }
    }

    /// What the key stands for.
    #[must_use]
    pub const fn kind(&self) -> ThrottleKind {
        self.kind
    }

    /// The hash as text (43 characters of base64url), for store key names.
    /// The kind is hashed in, so keys of different kinds never collide.
    #[must_use]
    pub fn to_text(&self) -> String {
        base64url::encode(&self.hash)
    }
}

impl fmt::Debug for ThrottleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ThrottleKey({:?}, ", self.kind)?;
        for b in &self.hash[..4] {
            write!(f, "{b:02x}")?;
        }
        f.write_str("..)")
    }
}

/// What a store keeps for one key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThrottleState {
    /// Failures counted since the key was last forgotten.
    pub failures: u32,
    /// No attempt is let through before this time (0: never blocked).
    pub blocked_until: u64,
    /// The state is forgotten at this time: the key's window after its
    /// last failure or the end of its block, whichever is later.
    pub expires_at: u64,
}

impl ThrottleState {
    /// Whether the state still counts at `now`.
    #[must_use]
    pub const fn is_live(&self, now: u64) -> bool {
        now < self.expires_at
    }

    /// The state as stores write it: `failures:blocked_until:expires_at`
    /// in decimal (the Redis scripts read and write the same form).
    #[must_use]
    pub fn encode(&self) -> String {
        alloc::format!(
            "{}:{}:{}",
            self.failures,
            self.blocked_until,
            self.expires_at
        )
    }

    /// Reads [`ThrottleState::encode`] back: exactly three decimal numbers
    /// without signs or spaces; anything else is [`Error::StoreCorrupt`].
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        const CORRUPT: Error = Error::StoreCorrupt("a throttle state is not readable");
        let text = core::str::from_utf8(bytes).map_err(|_| CORRUPT)?;
        let mut parts = text.split(':');
        let mut number = || -> Result<u64, Error> {
            let part = parts.next().ok_or(CORRUPT)?;
            if part.is_empty() || part.len() > 20 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(CORRUPT);
            }
            part.parse().map_err(|_| CORRUPT)
        };
        let failures = u32::try_from(number()?).map_err(|_| CORRUPT)?;
        let blocked_until = number()?;
        let expires_at = number()?;
        if parts.next().is_some() {
            return Err(CORRUPT);
        }
        Ok(Self {
            failures,
            blocked_until,
            expires_at,
        })
    }
}

/// What a store did with one attempt against one key ([`Limit::attempt`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attempt {
    /// The key was not blocked: the attempt is counted as a failure (a
    /// success refunds it later). The key's new state.
    Counted(ThrottleState),
    /// The key is blocked: nothing was written. The key's stored state.
    Refused(ThrottleState),
}

impl Attempt {
    /// The key's state after the attempt.
    #[must_use]
    pub const fn state(&self) -> ThrottleState {
        match *self {
            Self::Counted(s) | Self::Refused(s) => s,
        }
    }

    /// Whether the attempt was refused.
    #[must_use]
    pub const fn is_refused(&self) -> bool {
        matches!(self, Self::Refused(_))
    }
}

/// The throttle of one kind of key: `free_failures` failures are free;
/// each further one blocks the key for a back-off that starts at
/// `first_backoff` seconds and doubles up to `max_backoff`. A key is
/// forgotten `window` seconds after its last failure or the end of its
/// block, whichever is later.
///
/// So a client that keeps failing at the cap gets one guess per
/// `max_backoff`, and someone who stops gets a clean slate after the block
/// and one quiet window.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limit {
    free_failures: u32,
    window: u64,
    first_backoff: u64,
    max_backoff: u64,
}

impl Limit {
    /// The default for account names: 5 free failures, a 15-minute window,
    /// back-off from 1 s doubling to at most 15 minutes.
    pub const ACCOUNT: Self = Self {
        free_failures: 5,
        window: 15 * 60,
        first_backoff: 1,
        max_backoff: 15 * 60,
    };

    /// The default for client addresses: like [`Limit::ACCOUNT`] but with
    /// 100 free failures, since many users can share one address (NAT, a
    /// company proxy, a mobile carrier).
    pub const ADDRESS: Self = Self {
        free_failures: 100,
        ..Self::ACCOUNT
    };

    /// A limit of `free_failures` free failures, a `window` in seconds, and
    /// a back-off from `first_backoff` doubling to `max_backoff` seconds.
    /// Times are clamped to 1 to [`MAX_THROTTLE_SECONDS`], and the cap to
    /// at least the first back-off.
    #[must_use]
    pub fn new(free_failures: u32, window: u64, first_backoff: u64, max_backoff: u64) -> Self {
        let first_backoff = first_backoff.clamp(1, MAX_THROTTLE_SECONDS);
        Self {
            free_failures,
            window: window.clamp(1, MAX_THROTTLE_SECONDS),
            first_backoff,
            max_backoff: max_backoff.clamp(first_backoff, MAX_THROTTLE_SECONDS),
        }
    }

    /// The failures that are free before the first block.
    #[must_use]
    pub const fn free_failures(&self) -> u32 {
        self.free_failures
    }

    /// The window in seconds.
    #[must_use]
    pub const fn window(&self) -> u64 {
        self.window
    }

    /// The first back-off in seconds.
    #[must_use]
    pub const fn first_backoff(&self) -> u64 {
        self.first_backoff
    }

    /// The back-off cap in seconds.
    #[must_use]
    pub const fn max_backoff(&self) -> u64 {
        self.max_backoff
    }

    /// The block after the `failures`-th failure, in seconds (0 while
    /// failures are free).
    #[must_use]
    pub const fn backoff_after(&self, failures: u32) -> u64 {
        if failures <= self.free_failures {
            return 0;
        }
        let doublings = failures - self.free_failures - 1;
        if doublings >= 32 {
            return self.max_backoff;
        }
        // first_backoff < 2^17, so this cannot overflow.
        let backoff = self.first_backoff << doublings;
        if backoff < self.max_backoff {
            backoff
        } else {
            self.max_backoff
        }
    }

    /// An attempt at `now` against a key whose stored state is `previous`
    /// (`None` when there is none): [`Attempt::Refused`] while the key is
    /// blocked (`now` before its live state's `blocked_until`), otherwise
    /// [`Attempt::Counted`] with [`Limit::fail`] applied. This is the
    /// transition every store applies atomically per key; the Redis store's
    /// script mirrors it line for line, and the shared store suite checks
    /// both give the same numbers.
    #[must_use]
    pub fn attempt(&self, previous: Option<ThrottleState>, now: u64) -> Attempt {
        match previous {
            Some(s) if s.is_live(now) && now < s.blocked_until => Attempt::Refused(s),
            _ => Attempt::Counted(self.fail(previous, now)),
        }
    }

    /// The state after an attempt this limit counted is given back at
    /// `now` (a success, or an attempt the other key refused), given the
    /// stored state: one failure fewer, and no block once the failures left
    /// are all free (so the block was there only because of the attempt
    /// given back: a success never leaves a block behind). A block the
    /// remaining failures earned stays as it is, and the expiry never
    /// moves. `None` when nothing is left to keep: no state, a state past
    /// its expiry, or no failures.
    #[must_use]
    pub fn refund(&self, stored: Option<ThrottleState>, now: u64) -> Option<ThrottleState> {
        let s = stored.filter(|s| s.is_live(now))?;
        let failures = s.failures.saturating_sub(1);
        let blocked_until = if failures <= self.free_failures {
            0
        } else {
            s.blocked_until
        };
        if failures == 0 {
            return None;
        }
        Some(ThrottleState {
            failures,
            blocked_until,
            expires_at: s.expires_at,
        })
    }

    /// The state after one more failure at `now`, given the stored state
    /// (`None` when there is none).
    ///
    /// Neither the block nor the expiry ever moves earlier, so a failure
    /// reported by a server whose clock is behind cannot shorten either.
    #[must_use]
    pub fn fail(&self, previous: Option<ThrottleState>, now: u64) -> ThrottleState {
        let (failures, blocked_until, expires_at) = match previous {
            Some(s) if s.is_live(now) => {
                (s.failures.saturating_add(1), s.blocked_until, s.expires_at)
            }
            _ => (1, 0, 0),
        };
        let backoff = self.backoff_after(failures);
        let blocked_until = if backoff > 0 {
            blocked_until.max(now.saturating_add(backoff))
        } else {
            blocked_until
        };
        ThrottleState {
            failures,
            blocked_until,
            expires_at: expires_at.max(now.max(blocked_until).saturating_add(self.window)),
        }
    }
}

/// The two limits of a login: per account name and per client address.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ThrottleConfig {
    /// The limit on each account name (default [`Limit::ACCOUNT`]).
    pub account: Limit,
    /// The limit on each client address (default [`Limit::ADDRESS`]).
    pub address: Limit,
}

impl Default for ThrottleConfig {
    fn default() -> Self {
        Self {
            account: Limit::ACCOUNT,
            address: Limit::ADDRESS,
        }
    }
}

impl ThrottleConfig {
    /// The defaults.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the limit on account names.
    #[must_use]
    pub const fn account(mut self, limit: Limit) -> Self {
        self.account = limit;
        self
    }

    /// Sets the limit on client addresses.
    #[must_use]
    pub const fn address(mut self, limit: Limit) -> Self {
        self.address = limit;
        self
    }

    /// Whether an attempt may go ahead, given what the store did with it
    /// at `now` for each of its keys: [`Error::RateLimited`] when any key
    /// refused it, with the wait until every key is free (a key that
    /// counted the attempt may have been blocked by it).
    pub fn check(&self, attempts: &[Attempt], now: u64) -> Result<(), Error> {
        if !attempts.iter().any(Attempt::is_refused) {
            return Ok(());
        }
        let wait = attempts
            .iter()
            .map(|a| a.state().blocked_until.saturating_sub(now))
            .max()
            .unwrap_or(0);
        Err(Error::RateLimited {
            retry_after: wait.max(1),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::vec::Vec;

    #[test]
    fn keys_are_domain_separated_sha256() {
        let mut h = Sha256::new();
        h.update(b"auth-core throttle v1\x00account\x00alice");
        let expected: [u8; 32] = h.finalize().into();
        let key = ThrottleKey::account("alice");
        assert_eq!(key.hash, expected);
        assert_eq!(key.kind(), ThrottleKind::Account);
        assert_eq!(key.to_text(), base64url::encode(&expected));
        assert_eq!(key.to_text().len(), 43);
        // The same text as an address is another key.
        assert_ne!(ThrottleKey::address("alice").to_text(), key.to_text());
        assert_ne!(ThrottleKey::account("alice\0"), key);
        // Pinned (computed independently): a change of the derivation must
        // come with a new label.
        assert_eq!(key.to_text(), "dVvsU1tv2B44FMR3hdP3kYa4jS-wMdP8Luaib9F7idg");
        assert_eq!(
            ThrottleKey::address("192.0.2.1").to_text(),
            "0SZiSQLeH44GDeisupe61evX0DIM2OeJMM2QKT91rOg"
        );
    }

    #[test]
    fn debug_shows_neither_name_nor_whole_hash() {
        let key = ThrottleKey::account("alice@example.com");
        let shown = format!("{key:?}");
        assert!(shown.starts_with("ThrottleKey(Account, "), "{shown}");
        assert!(shown.ends_with("..)"), "{shown}");
        assert!(!shown.contains("alice"));
        assert_eq!(shown.len(), "ThrottleKey(Account, 01234567..)".len());
    }

    #[test]
    fn free_failures_then_doubling_up_to_the_cap() {
        let limit = Limit::ACCOUNT;
        let t = 1_000_000;
        let mut state = None;
        for n in 1..=5 {
            let s = limit.fail(state, t);
            assert_eq!(s.failures, n);
            assert_eq!(s.blocked_until, 0);
            assert_eq!(s.expires_at, t + 900);
            state = Some(s);
        }
        let mut now = t;
        let mut blocks = Vec::new();
        for _ in 0..14 {
            let s = limit.fail(state, now);
            blocks.push(s.blocked_until - now);
            assert_eq!(s.expires_at, s.blocked_until + 900);
            now = s.blocked_until;
            state = Some(s);
        }
        assert_eq!(
            blocks,
            [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 900, 900, 900, 900]
        );
        assert_eq!(limit.backoff_after(u32::MAX), 900);
        assert_eq!(limit.backoff_after(5 + 33), 900);
    }

    #[test]
    fn a_quiet_window_forgets_and_a_block_is_never_shortened() {
        let limit = Limit::new(1, 900, 1, 900);
        let t = 5_000;
        let one = limit.fail(None, t);
        // Just before the window ends it still counts...
        let two = limit.fail(Some(one), t + 899);
        assert_eq!(two.failures, 2);
        assert_eq!(two.blocked_until, t + 900);
        // ...and a failure counted late (it passed the check before the
        // block) never moves the block earlier.
        let late = limit.fail(Some(two), t + 899);
        assert_eq!(late.failures, 3);
        assert_eq!(late.blocked_until, t + 899 + 2);
        let stale = ThrottleState {
            failures: 9,
            blocked_until: t + 10_000,
            expires_at: t + 10_900,
        };
        assert_eq!(limit.fail(Some(stale), t).blocked_until, t + 10_000);
        assert_eq!(limit.fail(Some(stale), t).expires_at, t + 10_900);
        // A server whose clock is 100 s behind reports a failure: the
        // expiry stays where the later clock put it.
        let ahead = limit.fail(None, t + 100);
        let behind = limit.fail(Some(ahead), t);
        assert_eq!(behind.failures, 2);
        assert_eq!(behind.expires_at, t + 1000);
        // After the window, a fresh start.
        let fresh = limit.fail(Some(one), t + 900);
        assert_eq!(fresh.failures, 1);
        assert_eq!(fresh.blocked_until, 0);
    }

    #[test]
    fn limits_are_clamped() {
        let l = Limit::new(0, 0, 0, 0);
        assert_eq!((l.window(), l.first_backoff(), l.max_backoff()), (1, 1, 1));
        let l = Limit::new(u32::MAX, u64::MAX, u64::MAX, u64::MAX);
        assert_eq!(l.free_failures(), u32::MAX);
        assert_eq!(l.window(), MAX_THROTTLE_SECONDS);
        assert_eq!(l.first_backoff(), MAX_THROTTLE_SECONDS);
        assert_eq!(l.max_backoff(), MAX_THROTTLE_SECONDS);
        let l = Limit::new(3, 60, 10, 5);
        assert_eq!((l.first_backoff(), l.max_backoff()), (10, 10));
        // The cap is one day, to the second.
        let day = Limit::new(1, 86_400, 86_400, 86_401);
        assert_eq!(
            (day.window(), day.first_backoff(), day.max_backoff()),
            (86_400, 86_400, 86_400)
        );
        let over = Limit::new(1, 86_401, 86_401, 86_401);
        assert_eq!((over.window(), over.first_backoff()), (86_400, 86_400));
        assert_eq!(Limit::ACCOUNT, Limit::new(5, 900, 1, 900));
        assert_eq!(Limit::ADDRESS, Limit::new(100, 900, 1, 900));
        let c = ThrottleConfig::new();
        assert_eq!((c.account, c.address), (Limit::ACCOUNT, Limit::ADDRESS));
        let c = c.account(l).address(Limit::ACCOUNT);
        assert_eq!((c.account, c.address), (l, Limit::ACCOUNT));
    }

    fn state(failures: u32, blocked_until: u64, expires_at: u64) -> ThrottleState {
        ThrottleState {
            failures,
            blocked_until,
            expires_at,
        }
    }

    #[test]
    fn an_attempt_is_refused_only_while_blocked_and_counted_otherwise() {
        let limit = Limit::new(1, 900, 4, 900);
        let t = 10_000;
        // Nothing stored, or a state past its expiry: counted from scratch.
        assert_eq!(
            limit.attempt(None, t),
            Attempt::Counted(state(1, 0, t + 900))
        );
        let dead = state(9, t + 50, t);
        assert_eq!(
            limit.attempt(Some(dead), t),
            Attempt::Counted(state(1, 0, t + 900))
        );
        // The attempt that uses up the free failures is counted, and blocks.
        let one = state(1, 0, t + 900);
        let two = state(2, t + 4, t + 904);
        assert_eq!(limit.attempt(Some(one), t), Attempt::Counted(two));
        // Blocked: refused, the state as it was, to the last second.
        assert_eq!(limit.attempt(Some(two), t), Attempt::Refused(two));
        assert_eq!(limit.attempt(Some(two), t + 3), Attempt::Refused(two));
        // The block is over: counted, doubling.
        assert_eq!(
            limit.attempt(Some(two), t + 4),
            Attempt::Counted(state(3, t + 12, t + 912))
        );
        assert!(Attempt::Refused(two).is_refused());
        assert!(!Attempt::Counted(two).is_refused());
        assert_eq!(Attempt::Refused(two).state(), two);
        assert_eq!(Attempt::Counted(one).state(), one);
    }

    #[test]
    fn a_refund_gives_one_failure_back_and_the_block_it_caused() {
        let limit = Limit::new(2, 900, 1, 900);
        let t = 10_000;
        let refund = |s| limit.refund(Some(s), t);
        assert_eq!(refund(state(2, 0, t + 900)), Some(state(1, 0, t + 900)));
        // The third failure blocked the key; given back, the two left are
        // free, so the block goes (the expiry stays).
        assert_eq!(refund(state(3, t + 1, t + 901)), Some(state(2, 0, t + 901)));
        // A block the failures left have earned stays.
        assert_eq!(
            refund(state(4, t + 2, t + 902)),
            Some(state(3, t + 2, t + 902))
        );
        assert_eq!(
            refund(state(9, t + 64, t + 964)),
            Some(state(8, t + 64, t + 964))
        );
        // Nothing left to keep.
        assert_eq!(refund(state(1, 0, t + 900)), None);
        assert_eq!(refund(state(0, 0, t + 900)), None);
        assert_eq!(limit.refund(None, t), None);
        // A state past its expiry is gone whatever it says.
        assert_eq!(refund(state(7, t + 5, t)), None);
        assert_eq!(refund(state(7, t + 5, t + 1)), Some(state(6, t + 5, t + 1)));
        // With no free failures, the one failure left still earns the
        // block; with none left, nothing is kept.
        let strict = Limit::new(0, 900, 1, 900);
        assert_eq!(
            strict.refund(Some(state(2, t + 2, t + 902)), t),
            Some(state(1, t + 2, t + 902))
        );
        assert_eq!(strict.refund(Some(state(1, t + 1, t + 901)), t), None);
    }

    #[test]
    fn check_waits_for_the_later_block() {
        let c = ThrottleConfig::new();
        let counted = |failures, blocked_until| {
            Attempt::Counted(state(failures, blocked_until, blocked_until + 900))
        };
        let refused =
            |blocked_until| Attempt::Refused(state(6, blocked_until, blocked_until + 900));
        assert_eq!(c.check(&[counted(1, 0), counted(1, 0)], 10), Ok(()));
        // An attempt both keys counted goes ahead, even the one that
        // blocks a key for the next.
        assert_eq!(c.check(&[counted(6, 11), counted(101, 40)], 10), Ok(()));
        assert_eq!(
            c.check(&[refused(11), counted(1, 0)], 10),
            Err(Error::RateLimited { retry_after: 1 })
        );
        assert_eq!(
            c.check(&[counted(1, 0), refused(12)], 10),
            Err(Error::RateLimited { retry_after: 2 })
        );
        // The wait is until every key is free, the counting one too.
        assert_eq!(
            c.check(&[refused(12), counted(101, 40)], 10),
            Err(Error::RateLimited { retry_after: 30 })
        );
        assert_eq!(
            c.check(&[refused(40), refused(12)], 10),
            Err(Error::RateLimited { retry_after: 30 })
        );
    }

    #[test]
    fn state_encoding_round_trips_and_is_strict() {
        let s = ThrottleState {
            failures: 7,
            blocked_until: 1_700_000_004,
            expires_at: 1_700_000_904,
        };
        assert_eq!(s.encode(), "7:1700000004:1700000904");
        assert_eq!(ThrottleState::decode(s.encode().as_bytes()), Ok(s));
        for bad in [
            "",
            "7",
            "7:1",
            "7:1:2:3",
            "-7:1:2",
            "+7:1:2",
            " 7:1:2",
            "7::2",
            "4294967296:1:2",
            "1:18446744073709551616:2",
            // At most 20 digits, even when the value would fit.
            "000000000000000000001:1:2",
            "1:000000000000000000001:2",
            "a:b:c",
        ] {
            assert_eq!(
                ThrottleState::decode(bad.as_bytes()),
                Err(Error::StoreCorrupt("a throttle state is not readable")),
                "{bad:?}"
            );
        }
        assert!(ThrottleState::decode(&[0xff, b':', b'1', b':', b'2']).is_err());
    }
}
