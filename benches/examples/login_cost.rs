//! One failed login for a known or an unknown account, for counting
//! instructions with valgrind (load-independent, unlike the criterion
//! timings):
//!
//! ```text
//! cargo build --release -p auth-benches --example login_cost
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/login_cost known
//! valgrind --tool=callgrind --callgrind-out-file=/dev/null target/release/examples/login_cost unknown
//! ```
//!
//! Each run does the setup (one hash of the account's password at the
//! OWASP parameters) and then `N` checks; `none` does the setup only, so
//! `(known - none) / N` and `(unknown - none) / N` are the per-login
//! costs.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::print_stdout
)]

use auth_core::Error;
use auth_core::password::{PasswordHasher, PasswordLogin, PasswordParams};
use auth_core::throttle::{Limit, ThrottleConfig};
use auth_store::MemoryStore;

const N: usize = 3;

fn main() {
    let which = std::env::args().nth(1).unwrap_or_default();
    let hasher = PasswordHasher::new(PasswordParams::default()).unwrap();
    let phc = hasher.hash(b"correct horse battery staple").unwrap();
    let never = Limit::new(u32::MAX, 900, 1, 900);
    let login = PasswordLogin::new(
        MemoryStore::new(),
        hasher,
        ThrottleConfig::new().account(never).address(never),
    );
    let stored = match which.as_str() {
        "known" => Some(phc.as_str()),
        "unknown" => None,
        _ => return,
    };
    let rt = tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap();
    for _ in 0..N {
        let answer = rt.block_on(login.check("ada", "192.0.2.1", stored, b"wrong", 1_700_000_000));
        assert_eq!(answer, Err(Error::InvalidCredentials));
    }
    println!("{which}: {N} checks");
}
