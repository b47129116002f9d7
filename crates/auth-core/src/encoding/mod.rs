//! Strict decoders for untrusted input: base64url and JSON guards.
//!
//! Both are written to reject rather than repair: there is exactly one
//! accepted spelling of every token segment, and a JSON document with a
//! repeated member name or excessive nesting never reaches serde.

pub(crate) mod base64url;
pub(crate) mod json;
