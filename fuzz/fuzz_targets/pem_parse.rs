//! Arbitrary bytes as a PEM key for every algorithm; every key that builds
//! must work and round-trip. See `auth_core_fuzz_harness`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    auth_core_fuzz_harness::pem_parse(data);
});
