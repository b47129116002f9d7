//! Arbitrary bytes as a JWK and a JWKS; every key that builds must work and
//! round-trip. See `auth_core_fuzz_harness`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    auth_core_fuzz_harness::jwk_parse(data);
});
