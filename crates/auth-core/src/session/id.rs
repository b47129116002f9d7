//! Session identifiers and the keys stores file them under.
//!
//! An ID is 256 bits from the operating system's CSPRNG, written as 43
//! characters of unpadded base64url. An incoming ID is untrusted input:
//! [`SessionId::parse`] accepts only that exact form, so garbage never reaches
//! a store. Stores are keyed by [`SessionId::store_key`], the SHA-256 of the
//! ID, so a dump of the store yields no usable cookie.

use core::fmt;

use sha2::{Digest, Sha256};
use zeroize::{Zeroize, Zeroizing};

use crate::ct;
use crate::encoding::base64url;
use crate::error::Error;

/// The length of an encoded session ID.
pub const SESSION_ID_LEN: usize = 43;

/// A session identifier: a bearer secret. `Debug` never shows it, equality
/// is constant time, and it is wiped on drop.
#[derive(Clone)]
pub struct SessionId([u8; 32]);

/// What a store keys a session by: SHA-256 of the ID. Not a secret that
/// grants access (it cannot be turned back into the ID).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct StoreKey(pub [u8; 32]);

impl SessionId {
    /// A fresh ID from the operating system's random number generator.
    pub fn generate() -> Result<Self, Error> {
        let mut bytes = [0u8; 32];
        getrandom::fill(&mut bytes).map_err(|_| Error::Random)?;
        Ok(Self(bytes))
    }

    /// A fresh ID whose [`StoreKey`] falls in `bucket` (its first byte), so
    /// a store can keep all of one user's keys together (one Redis Cluster
    /// hash slot). Each candidate is a full 256-bit draw from the OS RNG;
    /// candidates outside the bucket are discarded (about 256 draws on
    /// average). The bucket is public, so an ID chosen this way keeps 248
    /// bits that nobody can predict.
    pub fn generate_in_bucket(bucket: Option<u8>) -> Result<Self, Error> {
        let Some(bucket) = bucket else {
            return Self::generate();
        };
        // Candidates come 64 at a time from one RNG call (a syscall costs
        // more than the hash that tests a candidate). Every candidate is an
        // independent 256-bit draw; the buffer is wiped afterwards.
        let mut batch = Zeroizing::new([0u8; 32 * 64]);
        // (255/256)^16384 is about 1e-28: a miss here means a broken RNG.
        for _ in 0..256 {
            getrandom::fill(batch.as_mut_slice()).map_err(|_| Error::Random)?;
            for candidate in batch.chunks_exact(32) {
                let mut bytes = [0u8; 32];
                bytes.copy_from_slice(candidate);
                let id = Self(bytes);
                if id.store_key().bucket() == bucket {
                    return Ok(id);
                }
            }
        }
        Err(Error::Random)
    }

    /// Parses an ID as it came from a client: exactly 43 base64url
    /// characters, canonical. Anything else is `None`, to be treated as "no
    /// session" without touching the store.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        if text.len() != SESSION_ID_LEN {
            return None;
        }
        let decoded = Zeroizing::new(base64url::decode(text.as_bytes()).ok()?);
        let bytes: [u8; 32] = decoded.as_slice().try_into().ok()?;
        Some(Self(bytes))
    }

    /// The ID as sent to the client (43 characters). Handle it as a secret.
    #[must_use]
    pub fn expose(&self) -> Zeroizing<alloc::string::String> {
        Zeroizing::new(base64url::encode(&self.0))
    }

    /// The key a store files this session under.
    #[must_use]
    pub fn store_key(&self) -> StoreKey {
        StoreKey(Sha256::digest(self.0).into())
    }
}

impl StoreKey {
    /// The key as text (43 characters of base64url), for store key names.
    #[must_use]
    pub fn to_text(&self) -> alloc::string::String {
        base64url::encode(&self.0)
    }

    /// Reads [`StoreKey::to_text`] back.
    #[must_use]
    pub fn from_text(text: &str) -> Option<Self> {
        if text.len() != SESSION_ID_LEN {
            return None;
        }
        let bytes = base64url::decode(text.as_bytes()).ok()?;
        Some(Self(bytes.as_slice().try_into().ok()?))
    }

    /// The bucket this key falls in (see [`SessionId::generate_in_bucket`]).
    #[must_use]
    pub fn bucket(&self) -> u8 {
        self.0[0]
    }

    /// A short, non-secret handle for this session, safe to show the user
    /// in a "your sessions" list and to accept back for
    /// [`SessionManager::destroy_by_handle`](super::SessionManager::destroy_by_handle).
    /// It cannot be turned back into the key or the ID.
    #[must_use]
    pub fn handle(&self) -> alloc::string::String {
        let mut h = Sha256::new();
        h.update(b"auth-core session handle v1\0");
        h.update(self.0);
        base64url::encode(&h.finalize()[..16])
    }
}

/// The bucket a user's sessions go in, for stores that group by user.
#[must_use]
pub fn user_bucket(user_id: &str) -> u8 {
    let mut h = Sha256::new();
    h.update(b"auth-core user bucket v1\0");
    h.update(user_id.as_bytes());
    h.finalize()[0]
}

impl PartialEq for SessionId {
    fn eq(&self, other: &Self) -> bool {
        ct::ct_eq_bool(&self.0, &other.0)
    }
}

impl Eq for SessionId {}

impl Drop for SessionId {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl fmt::Debug for SessionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionId(..)")
    }
}

impl fmt::Debug for StoreKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut hex = [0u8; 16];
        for (i, b) in self.0[..8].iter().enumerate() {
            hex[2 * i] = b"0123456789abcdef"[usize::from(b >> 4)];
            hex[2 * i + 1] = b"0123456789abcdef"[usize::from(b & 0xf)];
        }
        write!(
            f,
            "StoreKey({}..)",
            core::str::from_utf8(&hex).unwrap_or("?")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    #[test]
    fn generate_parse_round_trip() {
        let id = SessionId::generate().unwrap();
        let text = id.expose();
        assert_eq!(text.len(), SESSION_ID_LEN);
        let back = SessionId::parse(&text).unwrap();
        assert_eq!(back, id);
        assert_eq!(back.store_key(), id.store_key());
        assert_ne!(SessionId::generate().unwrap(), id);
        assert_eq!(format!("{id:?}"), "SessionId(..)");
        assert!(!format!("{:?}", id.store_key()).contains(text.as_str()));
    }

    #[test]
    fn parse_refuses_anything_but_the_exact_form() {
        let good = SessionId::generate().unwrap().expose();
        assert!(SessionId::parse(&good[..42]).is_none());
        assert!(SessionId::parse(&format!("{}A", good.as_str())).is_none());
        assert!(SessionId::parse(&format!("{}=", &good[..42])).is_none());
        assert!(SessionId::parse(&"+".repeat(43)).is_none());
        assert!(SessionId::parse(&" ".repeat(43)).is_none());
        assert!(SessionId::parse("").is_none());
        // 43 characters carry 258 bits: the last character's 2 spare bits
        // must be zero.
        let mut odd = good.as_bytes().to_vec();
        odd[42] = if odd[42] == b'B' { b'C' } else { b'B' };
        assert!(SessionId::parse(core::str::from_utf8(&odd).unwrap()).is_none());
    }

    #[test]
    fn bucketed_ids_land_in_their_bucket() {
        for user in ["alice", "bob", ""] {
            let bucket = user_bucket(user);
            let id = SessionId::generate_in_bucket(Some(bucket)).unwrap();
            assert_eq!(id.store_key().bucket(), bucket);
        }
        let key = SessionId::generate().unwrap().store_key();
        assert_eq!(StoreKey::from_text(&key.to_text()), Some(key));
        assert_eq!(key.handle().len(), 22);
        assert_ne!(
            key.handle(),
            SessionId::generate().unwrap().store_key().handle()
        );
        assert!(StoreKey::from_text("short").is_none());
    }

    #[test]
    fn store_key_is_sha256_of_the_id() {
        let id = SessionId::parse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
        let expected: [u8; 32] = Sha256::digest([0u8; 32]).into();
        assert_eq!(id.store_key(), StoreKey(expected));
    }
}
