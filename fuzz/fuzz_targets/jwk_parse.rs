//! Arbitrary bytes as a JWK and a JWKS; every key that builds must work and
//! round-trip. See `auth_core::fuzzing`.

#![no_main]

use auth_core::fuzzing::jwk_parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| jwk_parse(data));
