//! Arbitrary bytes as the protected header of a correctly signed token: the
//! verdict must follow from the header alone. See `auth_core_fuzz_harness`.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    auth_core_fuzz_harness::header_parse(data);
});
