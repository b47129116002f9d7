//! Arbitrary bytes as a token, verified with every algorithm's key: nothing
//! the harness did not sign may be accepted. See `auth_core_fuzz_harness`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    auth_core_fuzz_harness::decode_verify(data);
});
