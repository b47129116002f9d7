//! The fuzzing harness for auth-core: the properties the cargo-fuzz targets
//! in `fuzz/fuzz_targets/` check, the fixed keys they sign with, and the seed
//! writer. The committed corpora (`fuzz/corpus/<target>/`) are replayed
//! through the same entry points by `tests/corpus.rs`, on stable.
//!
//! Each entry point takes arbitrary bytes and must not panic on its own
//! account. It panics only when auth-core breaks a property it promises, and
//! that panic is what the fuzzer looks for. It returns how many of its checks
//! accepted the input, so the replay can tell a corpus that reaches the
//! properties from one that is refused wholesale.
//!
//! - [`decode_verify`]: nothing is accepted unless this harness signed its
//!   signing input with that very key (and, for deterministic algorithms,
//!   produced that very token); the known-header fast path and the full
//!   parser, the byte and string paths, `verify`, `verify_signature_only`,
//!   the key set and `decode_unverified` agree with each other.
//! - [`jwk_parse`]: a key that builds keeps its algorithm, round-trips
//!   through its JWK with the same thumbprint, and (for private keys) signs
//!   what its public half verifies.
//! - [`pem_parse`]: the same for PEM keys, and a private PEM's public half is
//!   its signing key's.
//! - [`header_parse`]: every header is signed validly, so only the header
//!   decides; the pipeline's answer follows from the header parser exactly,
//!   and whatever is accepted is also a JSON object to `serde_json`, with the
//!   same `alg`, `kid`, `typ` and `cty`.
//! - [`session_record_decode`]: a stored session record or token family that decodes
//!   encodes again, and that encoding decodes to an equal record.
//! - [`session_id_parse`]: a session cookie value (or a store key's text)
//!   that parses is exactly 43 characters and is written back as it came.
//! - [`http_request`]: the request headers a client controls (Bearer,
//!   cookies, CSRF): what a reader accepts is what it promises, what it
//!   refuses gets its promised status, and every refusal renders into
//!   sendable headers and a JSON body of exactly `error` and `message`.
//!
//! Only two hooks of auth-core's (feature `fuzzing`, hidden) are used:
//! `auth_core::fuzzing::parse_header` and `auth_core::fuzzing::verify_signature`;
//! everything else goes through the public API. The harness builds its own
//! tokens from `auth_core::hazmat::sign_raw` and `base64ct`.

// Panicking is this crate's way to report a broken property, and its fixed
// key material cannot fail to load unless this crate is wrong.
#![allow(clippy::expect_used, clippy::panic)]

mod decode_verify;
mod header;
mod http;
mod key_formats;
mod keys;
mod session;

pub use decode_verify::{FuzzKeys, NOW, decode_verify, decode_verify_with};
pub use header::header_parse;
pub use http::http_request;
pub use key_formats::{jwk_parse, pem_parse};
pub use keys::sign_parts;
pub use session::{session_id_parse, session_record_decode};

/// An entry point: arbitrary bytes in, how many checks accepted them out.
pub type Target = fn(&[u8]) -> usize;

/// Every fuzz target by name: the name is its file in `fuzz/fuzz_targets/`
/// and its corpus directory in `fuzz/corpus/`.
pub const TARGETS: [(&str, Target); 7] = [
    ("decode_verify", decode_verify),
    ("jwk_parse", jwk_parse),
    ("header_parse", header_parse),
    ("pem_parse", pem_parse),
    ("session_record_decode", session_record_decode),
    ("session_id_parse", session_id_parse),
    ("http_request", http_request),
];
