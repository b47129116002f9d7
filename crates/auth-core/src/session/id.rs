//! Session identifiers and the keys stores file them under.
//!
//! An ID is 256 bits from the operating system's CSPRNG, written as 43
//! characters of unpadded base64url. An incoming ID is untrusted input:
//! [`SessionId::parse`] accepts only that exact form, so garbage never reaches
//! a store. Stores are keyed by [`SessionId::store_key`], the SHA-256 of the
//! ID, so a dump of the store yields no usable cookie.
//!
//! Stores that must keep one user's keys together (a Redis Cluster hash
//! slot) group them in 256 buckets with a [`BucketKey`]: a keyed function of
//! the store key on one side and of the user id on the other, so nobody
//! without the server's secret can tell from a cookie whose it is, or link
//! two cookies of one user.

use core::fmt;

use hmac::{Hmac, KeyInit, Mac};
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

    /// A fresh ID whose [`StoreKey`] falls in `bucket` under `buckets`
    /// (see [`BucketKey`]), so a store can keep all of one user's keys
    /// together. Each candidate is a full 256-bit draw from the OS RNG;
    /// candidates outside the bucket are discarded (about 256 draws on
    /// average). Which bucket a key is in is known only to holders of the
    /// bucket secret, and even to them the ID keeps 248 unpredictable bits.
    pub fn generate_in_bucket(buckets: &BucketKey, bucket: u8) -> Result<Self, Error> {
        // Candidates come 64 at a time from one RNG call (a syscall costs
        // more than the hashes that test a candidate). Every candidate is an
        // independent 256-bit draw; the buffer is wiped afterwards.
        let mut batch = Zeroizing::new([0u8; 32 * 64]);
        // (255/256)^16384 is about 1e-28: a miss here means a broken RNG.
        for _ in 0..256 {
            getrandom::fill(batch.as_mut_slice()).map_err(|_| Error::Random)?;
            for candidate in batch.chunks_exact(32) {
                let mut bytes = [0u8; 32];
                bytes.copy_from_slice(candidate);
                let id = Self(bytes);
                if buckets.of_key(&id.store_key()) == bucket {
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

/// The secret behind a store's buckets: HMAC-SHA256 under a server secret,
/// mapping store keys and user ids to one of 256 buckets.
///
/// A store that must keep one user's keys together (one Redis Cluster slot)
/// asks for IDs whose key falls in the user's bucket. Were the bucket an
/// unkeyed hash, anyone holding a cookie could compute it and narrow its
/// owner to 1/256 of all users, and link every cookie of one user; keyed,
/// the bucket says nothing to anyone without the secret. Every process that
/// shares a store must use the same secret. Wiped on drop; `Debug` never
/// shows it.
#[derive(Clone)]
pub struct BucketKey(Hmac<Sha256>);

/// The shortest secret [`BucketKey::new`] accepts, in bytes.
pub const MIN_BUCKET_SECRET_LEN: usize = 32;

impl BucketKey {
    /// A bucket key from a server secret of at least
    /// [`MIN_BUCKET_SECRET_LEN`] bytes (shared by every process of the app).
    pub fn new(secret: &[u8]) -> Result<Self, Error> {
        if secret.len() < MIN_BUCKET_SECRET_LEN {
            return Err(Error::InvalidKey(
                "the bucket secret is shorter than 32 bytes",
            ));
        }
        Hmac::new_from_slice(secret)
            .map(Self)
            .map_err(|_| Error::InvalidKey("the bucket secret was refused"))
    }

    fn bucket(&self, domain: &[u8], data: &[u8]) -> u8 {
        let mut mac = self.0.clone();
        mac.update(domain);
        mac.update(data);
        mac.finalize().into_bytes()[0]
    }

    /// The bucket a store key falls in.
    #[must_use]
    pub fn of_key(&self, key: &StoreKey) -> u8 {
        self.bucket(b"auth-core bucket key v1\0", &key.0)
    }

    /// The bucket a user's sessions go in.
    #[must_use]
    pub fn of_user(&self, user_id: &str) -> u8 {
        self.bucket(b"auth-core bucket user v1\0", user_id.as_bytes())
    }
}

impl fmt::Debug for BucketKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BucketKey(..)")
    }
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
        let buckets = BucketKey::new(&[7; 32]).unwrap();
        for user in ["alice", "bob", ""] {
            let bucket = buckets.of_user(user);
            let id = SessionId::generate_in_bucket(&buckets, bucket).unwrap();
            assert_eq!(buckets.of_key(&id.store_key()), bucket);
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

    // HMAC-SHA256 computed independently (Python hmac).
    const PINNED_KEY: u8 = 187;
    const PINNED_USER: u8 = 35;

    #[test]
    fn buckets_are_keyed() {
        let one = BucketKey::new(&[1; 32]).unwrap();
        let two = BucketKey::new(&[2; 32]).unwrap();
        assert_eq!(
            BucketKey::new(&[1; 31]).unwrap_err(),
            Error::InvalidKey("the bucket secret is shorter than 32 bytes")
        );
        assert_eq!(format!("{one:?}"), "BucketKey(..)");
        // Pinned: a change of the derivation would strand every stored key.
        let key = StoreKey([0; 32]);
        assert_eq!(
            (one.of_key(&key), one.of_user("alice")),
            (PINNED_KEY, PINNED_USER)
        );
        // Another secret gives other buckets: over many users and keys, the
        // two mappings must disagree almost everywhere (1/256 by chance).
        let users: alloc::vec::Vec<alloc::string::String> =
            (0..512).map(|i| format!("user-{i}")).collect();
        let same_users = users
            .iter()
            .filter(|u| one.of_user(u) == two.of_user(u))
            .count();
        assert!(same_users < 16, "{same_users}");
        // And the bucket is not the unkeyed SHA-256 of the key (the old,
        // public mapping).
        let keys: alloc::vec::Vec<StoreKey> = (0..512u32)
            .map(|i| {
                let mut k = [0u8; 32];
                k[..4].copy_from_slice(&i.to_le_bytes());
                StoreKey(k)
            })
            .collect();
        let public = keys.iter().filter(|k| one.of_key(k) == k.0[0]).count();
        assert!(public < 16, "{public}");
    }

    #[test]
    fn bucketed_generation_finds_its_bucket_every_time() {
        // About 256 candidates per ID, 16,384 drawn at most: a miss would be
        // a 1e-28 event, so 200 IDs in a row must all land. (Drawing fewer
        // candidates per RNG call would miss a few percent of the time.)
        let buckets = BucketKey::new(&[9; 32]).unwrap();
        for bucket in 0..200u8 {
            let id = SessionId::generate_in_bucket(&buckets, bucket).unwrap();
            assert_eq!(buckets.of_key(&id.store_key()), bucket);
        }
    }

    #[test]
    fn store_key_debug_shows_a_short_hex_prefix_only() {
        let mut bytes = [0u8; 32];
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = u8::try_from(i * 17 % 256).unwrap();
        }
        // The first 8 of 32 bytes: enough to tell keys apart in a log.
        assert_eq!(
            format!("{:?}", StoreKey(bytes)),
            "StoreKey(0011223344556677..)"
        );
    }

    #[test]
    fn store_key_is_sha256_of_the_id() {
        let id = SessionId::parse("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").unwrap();
        let expected: [u8; 32] = Sha256::digest([0u8; 32]).into();
        assert_eq!(id.store_key(), StoreKey(expected));
    }
}
