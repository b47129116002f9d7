//! Reading a token **without verifying it**. For debugging and tooling only.
//!
//! Nothing returned here is authenticated: anyone can write any header and
//! payload. Never base a decision on it.

use alloc::string::String;

use crate::encoding::{base64url, json};
use crate::error::Error;
use crate::jws::Compact;

/// The decoded header and payload JSON of an unverified token.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Unverified {
    /// The header JSON, as sent.
    pub header: String,
    /// The payload JSON, as sent.
    pub payload: String,
}

/// Splits and decodes `token` with the same strictness as verification
/// (size limit, three parts, base64url, UTF-8, JSON objects without repeated
/// members or deep nesting), but checks no signature and no claims.
pub fn decode_unverified(token: &str, max_len: usize) -> Result<Unverified, Error> {
    let parts = Compact::split(token.as_bytes(), max_len)?;
    let text = |segment: &[u8], what: &'static str| -> Result<String, Error> {
        let bytes = base64url::decode(segment)?;
        let text = String::from_utf8(bytes).map_err(|_| Error::Malformed(what))?;
        json::for_each_member(&text, json::DEFAULT_MAX_DEPTH, |_, _| Ok(()))?;
        Ok(text)
    };
    let header = text(parts.header, "token header is not UTF-8")?;
    let payload = text(parts.payload, "token payload is not UTF-8")?;
    base64url::decode(parts.signature)?;
    Ok(Unverified { header, payload })
}
