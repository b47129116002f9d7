//! Time is passed in: every check takes `now` as seconds since the Unix
//! epoch, so the core needs no clock of its own and tests are exact.

/// A source of the current time, in whole seconds since the Unix epoch.
pub trait Clock {
    /// The current time.
    fn now(&self) -> u64;
}

/// A clock lent out: one clock (a test's, say) read by several services.
impl<C: Clock + ?Sized> Clock for &C {
    fn now(&self) -> u64 {
        (**self).now()
    }
}

/// A boxed clock (`Box<dyn Clock + Send + Sync>`): one type whichever clock
/// the app chose when it started.
impl<C: Clock + ?Sized> Clock for alloc::boxed::Box<C> {
    fn now(&self) -> u64 {
        (**self).now()
    }
}

/// A shared clock: one clock behind every service of an app.
#[cfg(target_has_atomic = "ptr")]
impl<C: Clock + ?Sized> Clock for alloc::sync::Arc<C> {
    fn now(&self) -> u64 {
        (**self).now()
    }
}

/// A clock stopped at one instant: for tests, replays and vectors.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FixedClock(pub u64);

impl Clock for FixedClock {
    fn now(&self) -> u64 {
        self.0
    }
}

/// The operating system's clock (feature `std`).
#[cfg(feature = "std")]
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

#[cfg(feature = "std")]
impl Clock for SystemClock {
    fn now(&self) -> u64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            // A clock set before 1970 reads as the epoch: every `exp` is then
            // in the future, but `nbf`/`iat` checks still hold.
            .map_or(0, |d| d.as_secs())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_clock_reads_its_instant() {
        assert_eq!(FixedClock(0).now(), 0);
        assert_eq!(FixedClock(1_700_000_123).now(), 1_700_000_123);
    }

    /// A clock a test moves: what a borrowed, boxed or shared clock reads
    /// must follow it.
    struct Moving(core::sync::atomic::AtomicU64);

    impl Clock for Moving {
        fn now(&self) -> u64 {
            self.0.load(core::sync::atomic::Ordering::Relaxed)
        }
    }

    #[test]
    fn borrowed_boxed_and_shared_clocks_read_the_clock_behind_them() {
        use alloc::boxed::Box;
        use alloc::sync::Arc;
        use core::sync::atomic::Ordering;

        let moving = Arc::new(Moving(5.into()));
        let boxed: Box<dyn Clock + Send + Sync> = Box::new(FixedClock(7));
        let lent: &FixedClock = &FixedClock(3);
        assert_eq!(Clock::now(&lent), 3);
        assert_eq!(boxed.now(), 7);
        assert_eq!(Clock::now(&boxed), 7);
        assert_eq!(Clock::now(&moving), 5);
        let shared = Arc::clone(&moving);
        moving.0.store(9, Ordering::Relaxed);
        assert_eq!(Clock::now(&shared), 9);
        let lent: &Moving = &moving;
        assert_eq!(Clock::now(&lent), 9);
    }

    #[cfg(feature = "std")]
    #[test]
    fn system_clock_reads_seconds_since_the_epoch() {
        let now = SystemClock.now();
        let expected = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        // 2023-11-14 or later, and within a second of the system's time.
        assert!(now >= 1_700_000_000, "{now}");
        assert!(expected.abs_diff(now) <= 1, "{now} vs {expected}");
    }
}
