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
