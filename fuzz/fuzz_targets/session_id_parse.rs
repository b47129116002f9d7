//! Arbitrary bytes as a session cookie value and a store key's text:
//! whatever parses is 43 characters and is written back as it came. See
//! `auth_core_fuzz_harness`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    auth_core_fuzz_harness::session_id_parse(data);
});
