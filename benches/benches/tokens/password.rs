//! Passwords, at the default (OWASP) Argon2id parameters, on the memory
//! store:
//!
//! - `password/verify`: `PasswordHasher::verify` of the right password.
//! - `login/known-user`: `PasswordLogin::check` of a known account with a
//!   wrong password: the throttle check, Argon2 against the account's hash,
//!   a failure counted on both keys.
//! - `login/unknown-user`: the same for a name no account has: Argon2
//!   against the dummy hash. Its cost must match `login/known-user`, or
//!   the time of an answer tells which accounts exist.
//! - `login/known-user-success`: the right password (the throttle check,
//!   Argon2, nothing to clear).
//!
//! The failing logins run under limits that never block (every failure
//! free), so each iteration does the whole work rather than meet a
//! `rate_limited` after the fifth.

use std::hint::black_box;

use auth_core::password::{PasswordHasher, PasswordLogin, PasswordParams};
use auth_core::throttle::{Limit, ThrottleConfig};
use auth_core::{Clock, Error, SystemClock};
use auth_store::MemoryStore;
use criterion::BenchmarkGroup;
use criterion::measurement::WallTime;

const RIGHT: &[u8] = b"correct horse battery staple";
const WRONG: &[u8] = b"correct horse battery stapler";

pub(crate) fn benches(group: &mut BenchmarkGroup<'_, WallTime>) {
    let hasher = PasswordHasher::new(PasswordParams::default()).unwrap();
    let phc = hasher.hash(RIGHT).unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"));

    group.bench_function("password/verify", |b| {
        b.iter(|| assert!(hasher.verify(black_box(RIGHT), black_box(&phc)).unwrap()));
    });

    let never = Limit::new(u32::MAX, 900, 1, 900);
    let config = ThrottleConfig::new().account(never).address(never);
    let login = PasswordLogin::new(MemoryStore::new(), hasher, config);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let now = SystemClock.now();
    group.bench_function("login/known-user", |b| {
        b.to_async(&rt).iter(|| async {
            let answer = login
                .check("ada", "192.0.2.1", Some(&phc), black_box(WRONG), now)
                .await;
            assert_eq!(answer, Err(Error::InvalidCredentials));
        });
    });
    group.bench_function("login/unknown-user", |b| {
        b.to_async(&rt).iter(|| async {
            let answer = login
                .check("nobody", "192.0.2.1", None, black_box(WRONG), now)
                .await;
            assert_eq!(answer, Err(Error::InvalidCredentials));
        });
    });
    group.bench_function("login/known-user-success", |b| {
        b.to_async(&rt).iter(|| async {
            let answer = login
                .check("grace", "192.0.2.2", Some(&phc), black_box(RIGHT), now)
                .await;
            assert_eq!(answer, Ok(()));
        });
    });
}
