//! Time is passed in: every check takes `now` as seconds since the Unix
//! epoch, so the core needs no clock of its own and tests are exact.

/// A source of the current time, in whole seconds since the Unix epoch.
pub trait Clock {
    /// The current time.
    fn now(&self) -> u64;
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
