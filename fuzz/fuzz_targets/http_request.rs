//! Arbitrary bytes as a request's credential and CSRF headers: what the
//! readers accept is what they promise, and every refusal renders into a
//! well-formed response. See `auth_core_fuzz_harness`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    auth_core_fuzz_harness::http_request(data);
});
