//! `session_record_decode` and `session_id_parse`: what a store hands back
//! (a session record or a token family) and what a client sends as its
//! session cookie or refresh token.

use auth_core::session::{SessionId, SessionRecord, StoreKey};
use auth_core::tokens::{FamilyRecord, RefreshToken};

/// The length of a session cookie value and of a store key's text: 256 bits
/// as unpadded base64url.
const ENCODED_LEN: usize = 43;

/// Decodes `data` as a stored session record and as a stored token
/// family. Returns how many of the two accepted it.
///
/// # Panics
///
/// When a record that decoded does not encode, or its encoding does not
/// decode to an equal record.
pub fn session_record_decode(data: &[u8]) -> usize {
    let mut accepted = 0;
    if let Ok(record) = SessionRecord::decode(data) {
        let encoded = record
            .encode()
            .expect("a record that decoded encodes again");
        let again = SessionRecord::decode(&encoded).expect("a record's own encoding decodes");
        assert_eq!(
            again,
            record,
            "a record changed through encode and decode: {:?}",
            String::from_utf8_lossy(&encoded)
        );
        accepted += 1;
    }
    if let Ok(family) = FamilyRecord::decode(data) {
        let encoded = family
            .encode()
            .expect("a family that decoded encodes again");
        let again = FamilyRecord::decode(&encoded).expect("a family's own encoding decodes");
        assert_eq!(
            again,
            family,
            "a family changed through encode and decode: {:?}",
            String::from_utf8_lossy(&encoded)
        );
        assert!(
            family.current().is_some(),
            "a family decoded without a token key"
        );
        accepted += 1;
    }
    accepted
}

/// Parses `data`, if it is UTF-8, as a session cookie value
/// ([`SessionId::parse`]), as a refresh token ([`RefreshToken::parse`]) and
/// as a store key's text ([`StoreKey::from_text`]). Returns how many of the
/// three accepted it.
///
/// # Panics
///
/// When either accepts anything but exactly 43 characters, or what it
/// accepted does not come back as the same text.
pub fn session_id_parse(data: &[u8]) -> usize {
    let Ok(text) = std::str::from_utf8(data) else {
        return 0;
    };
    let mut accepted = 0;
    if let Some(id) = SessionId::parse(text) {
        assert_eq!(text.chars().count(), ENCODED_LEN, "an ID of another length");
        // An ID is a secret: the message names the length, not the text.
        assert!(
            *id.expose() == *text,
            "a parsed ID ({} bytes) is not written back as it came",
            text.len()
        );
        accepted += 1;
    }
    if let Some(token) = RefreshToken::parse(text) {
        assert_eq!(
            text.chars().count(),
            ENCODED_LEN,
            "a token of another length"
        );
        assert!(
            *token.expose() == *text,
            "a parsed refresh token ({} bytes) is not written back as it came",
            text.len()
        );
        accepted += 1;
    }
    if let Some(key) = StoreKey::from_text(text) {
        assert_eq!(text.chars().count(), ENCODED_LEN, "a key of another length");
        assert_eq!(
            key.to_text(),
            text,
            "a store key is not written back as it came"
        );
        accepted += 1;
    }
    accepted
}
