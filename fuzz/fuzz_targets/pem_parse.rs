//! Arbitrary bytes as a PEM key for every algorithm; every key that builds
//! must work and round-trip. See `auth_core::fuzzing`.

#![no_main]

use auth_core::fuzzing::pem_parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| pem_parse(data));
