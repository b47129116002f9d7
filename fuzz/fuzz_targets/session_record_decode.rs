//! Arbitrary bytes as a stored session record: whatever decodes must
//! re-encode and decode to an equal record. See `auth_core_fuzz_harness`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    auth_core_fuzz_harness::session_record_decode(data);
});
