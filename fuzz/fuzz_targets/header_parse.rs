//! Arbitrary bytes as the protected header of a correctly signed token: the
//! verdict must follow from the header alone. See `auth_core::fuzzing`.

#![no_main]

use auth_core::fuzzing::header_parse;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| header_parse(data));
