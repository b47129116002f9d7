//! JSON request bodies and the roles of a credential: what every adapter
//! accepts, and how it refuses the rest.

use alloc::string::String;
use alloc::vec::Vec;

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::Rejection;

/// The most bytes of a JSON request body an adapter reads; a longer body
/// is refused ([`body_too_large`]) without being read further.
pub const MAX_BODY_LEN: usize = 16 * 1024;

/// Whether a `Content-Type` value (`None`: absent) is `application/json`
/// (parameters such as `charset` after `;` allowed, ASCII case ignored).
#[must_use]
pub fn is_json_content_type(content_type: Option<&[u8]>) -> bool {
    content_type
        .and_then(|v| v.split(|&b| b == b';').next())
        .is_some_and(|mime| mime.trim_ascii().eq_ignore_ascii_case(b"application/json"))
}

/// The refusal of a JSON body's `Content-Type` (`None`: absent) unless it
/// is `application/json`: 400 `invalid_request`.
pub fn check_json_content_type(content_type: Option<&[u8]>) -> Result<(), Rejection> {
    if is_json_content_type(content_type) {
        Ok(())
    } else {
        Err(Rejection::invalid_request(
            "the request body must be JSON (Content-Type: application/json)",
            false,
        ))
    }
}

/// A body over [`MAX_BODY_LEN`] bytes, or one the client cut short: 400
/// `invalid_request`.
#[must_use]
pub fn body_too_large() -> Rejection {
    Rejection::invalid_request("the request body is too large or was cut short", false)
}

/// A JSON body read in full, as `T`: 400 `invalid_request` when it is not
/// JSON of that shape.
pub fn parse_json_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, Rejection> {
    serde_json::from_slice(body)
        .map_err(|_| Rejection::invalid_request("the request body is not the expected JSON", false))
}

/// The roles in a credential's `roles` member (a session's data, an access
/// token's claims): the strings of its array. Anything else, and the
/// non-strings in the array, are no roles.
#[must_use]
pub fn roles(member: Option<&Value>) -> Vec<String> {
    match member {
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(|v| v.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}
