//! Arbitrary bytes as a token, verified with every algorithm's key: nothing
//! the harness did not sign may be accepted. See `auth_core::fuzzing`.

#![no_main]

use std::sync::LazyLock;

use auth_core::fuzzing::{FuzzKeys, decode_verify};
use libfuzzer_sys::fuzz_target;

static KEYS: LazyLock<FuzzKeys> = LazyLock::new(FuzzKeys::new);

fuzz_target!(|data: &[u8]| {
    decode_verify(&KEYS, data);
});
