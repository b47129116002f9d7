//! Refresh tokens and the family record a store keeps for each login.

use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::encoding::base64url;
use crate::error::Error;
use crate::session::{BucketKey, SessionId, StoreKey, check_user_id};

/// The largest set of application claims a family carries into its access
/// tokens, in bytes of its JSON form.
pub const MAX_CLAIMS_LEN: usize = 4096;

/// The claim names the token service writes itself; application claims may
/// not use them.
pub const RESERVED_CLAIMS: [&str; 9] = [
    "iss",
    "sub",
    "aud",
    "exp",
    "nbf",
    "iat",
    "jti",
    "sid",
    "client_id",
];

/// A refresh token: 256 bits from the operating system's CSPRNG, written as
/// 43 characters of unpadded base64url. Opaque (never a JWT), a bearer
/// secret (`Debug` never shows it, wiped on drop), and stored only as its
/// SHA-256 ([`RefreshToken::store_key`]).
///
/// It has the same form as a [`SessionId`], and the same machinery draws
/// it; stores keep the two in separate namespaces, so one never passes for
/// the other.
#[derive(Clone, PartialEq, Eq)]
pub struct RefreshToken(SessionId);

impl RefreshToken {
    /// A fresh token, in `bucket` when the store groups by user (see
    /// [`BucketKey`]).
    pub fn generate(buckets: Option<(&BucketKey, u8)>) -> Result<Self, Error> {
        match buckets {
            Some((key, bucket)) => SessionId::generate_in_bucket(key, bucket).map(Self),
            None => SessionId::generate().map(Self),
        }
    }

    /// Parses a token as it came from a client: exactly 43 base64url
    /// characters, canonical; anything else is `None`.
    #[must_use]
    pub fn parse(text: &str) -> Option<Self> {
        SessionId::parse(text).map(Self)
    }

    /// The token as sent to the client. Handle it as a secret.
    #[must_use]
    pub fn expose(&self) -> Zeroizing<String> {
        self.0.expose()
    }

    /// The key a store files this token under: its SHA-256.
    #[must_use]
    pub fn store_key(&self) -> StoreKey {
        self.0.store_key()
    }
}

impl fmt::Debug for RefreshToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RefreshToken(..)")
    }
}

/// A fresh random identifier of 128 bits as 22 characters of base64url
/// (family ids and `jti` values). Not a secret.
pub(crate) fn random_id() -> Result<String, Error> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|_| Error::Random)?;
    Ok(base64url::encode(&bytes))
}

/// One login's chain of refresh tokens, as a store keeps it. Times are
/// seconds since the Unix epoch.
///
/// A family starts at login with one refresh token; each refresh replaces
/// its current token with a new one. It ends at the nearer of its two
/// deadlines (inactivity and absolute), when it is revoked, or when one of
/// its used tokens is presented again.
///
/// `Debug` shows the ids and times, and the claims only as a size.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FamilyRecord {
    /// Format version; [`FamilyRecord::decode`] refuses others.
    #[serde(rename = "v")]
    version: u8,
    /// The family's id: the `sid` claim of its access tokens, and the
    /// handle a "your devices" list shows.
    #[serde(rename = "f")]
    pub family_id: String,
    /// Whose login this is.
    #[serde(rename = "u")]
    pub user_id: String,
    /// When the user logged in.
    #[serde(rename = "c")]
    pub created: u64,
    /// When it was last refreshed (`created` before the first refresh).
    #[serde(rename = "r")]
    pub refreshed: u64,
    /// It ends if not refreshed until then.
    #[serde(rename = "i")]
    pub idle_deadline: u64,
    /// It ends then whatever happens.
    #[serde(rename = "a")]
    pub absolute_deadline: u64,
    /// How many refreshes it has had.
    #[serde(rename = "n")]
    pub refreshes: u32,
    /// The store key of its current (unused) refresh token, as text.
    #[serde(rename = "k")]
    current: String,
    /// The application's claims for every access token of the family: a
    /// JSON object, as text (stores never re-encode it).
    #[serde(rename = "d")]
    claims: String,
}

impl fmt::Debug for FamilyRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FamilyRecord")
            .field("family_id", &self.family_id)
            .field("user_id", &self.user_id)
            .field("created", &self.created)
            .field("refreshed", &self.refreshed)
            .field("idle_deadline", &self.idle_deadline)
            .field("absolute_deadline", &self.absolute_deadline)
            .field("refreshes", &self.refreshes)
            .field("claims_len", &self.claims.len())
            .finish_non_exhaustive()
    }
}

/// The record format written by this version.
const VERSION: u8 = 1;

impl FamilyRecord {
    /// A fresh family for `user_id` at `now`, whose first refresh token is
    /// `first`, carrying `claims` (at most [`MAX_CLAIMS_LEN`] bytes as JSON,
    /// none of the [`RESERVED_CLAIMS`]).
    pub fn new(
        user_id: &str,
        first: &StoreKey,
        claims: &Map<String, Value>,
        now: u64,
        idle: u64,
        absolute: u64,
    ) -> Result<Self, Error> {
        check_user_id(user_id, "a token family needs a non-empty user id")?;
        if let Some(name) = claims
            .keys()
            .find(|name| RESERVED_CLAIMS.contains(&name.as_str()))
        {
            return Err(Error::InvalidClaim {
                claim: name.clone(),
                reason: "is set by the token service, not by the application",
            });
        }
        let claims = serde_json::to_string(claims)
            .map_err(|_| Error::StoreCorrupt("token claims cannot be encoded"))?;
        if claims.len() > MAX_CLAIMS_LEN {
            return Err(Error::RecordTooLarge {
                limit: MAX_CLAIMS_LEN,
                actual: claims.len(),
            });
        }
        let absolute_deadline = now.saturating_add(absolute);
        Ok(Self {
            version: VERSION,
            family_id: random_id()?,
            user_id: user_id.into(),
            created: now,
            refreshed: now,
            idle_deadline: now.saturating_add(idle).min(absolute_deadline),
            absolute_deadline,
            refreshes: 0,
            current: first.to_text(),
            claims,
        })
    }

    /// The store key of the family's current refresh token.
    #[must_use]
    pub fn current(&self) -> Option<StoreKey> {
        StoreKey::from_text(&self.current)
    }

    /// The application's claims, as the JSON object text stored.
    #[must_use]
    pub fn claims_json(&self) -> &str {
        &self.claims
    }

    /// The nearer of the two deadlines: when a store may forget the family.
    #[must_use]
    pub fn expires_at(&self) -> u64 {
        self.idle_deadline.min(self.absolute_deadline)
    }

    /// Whether the family has ended at `now`.
    #[must_use]
    pub fn is_expired(&self, now: u64) -> bool {
        now >= self.expires_at()
    }

    /// The refresh step's change to the family: `next` is its current
    /// token, refreshed at `now`, the idle deadline moved (never past the
    /// absolute one).
    pub fn advance(&mut self, next: &StoreKey, now: u64, idle: u64) {
        self.current = next.to_text();
        self.refreshed = now;
        self.refreshes = self.refreshes.saturating_add(1);
        self.idle_deadline = now.saturating_add(idle).min(self.absolute_deadline);
    }

    /// The compact, versioned byte form stores keep.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        serde_json::to_vec(self).map_err(|_| Error::StoreCorrupt("token family cannot be encoded"))
    }

    /// Reads what [`FamilyRecord::encode`] wrote (or a store script
    /// rewrote: member order and escaping may differ).
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let record: Self = serde_json::from_slice(bytes)
            .map_err(|_| Error::StoreCorrupt("token family does not parse"))?;
        if record.version != VERSION {
            return Err(Error::StoreCorrupt("token family has an unknown version"));
        }
        if StoreKey::from_text(&record.current).is_none() {
            return Err(Error::StoreCorrupt(
                "token family has an unreadable token key",
            ));
        }
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::MAX_USER_ID_LEN;
    use alloc::format;
    use alloc::string::ToString;
    use serde_json::json;

    fn key(b: u8) -> StoreKey {
        StoreKey([b; 32])
    }

    fn claims(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            _ => Map::new(),
        }
    }

    #[test]
    fn deadlines_and_advance() {
        let mut f = FamilyRecord::new("u", &key(1), &Map::new(), 1000, 60, 100).unwrap();
        assert_eq!((f.idle_deadline, f.absolute_deadline), (1060, 1100));
        assert_eq!(f.expires_at(), 1060);
        assert!(!f.is_expired(1059));
        assert!(f.is_expired(1060));
        assert_eq!(f.current(), Some(key(1)));
        f.advance(&key(2), 1050, 60);
        assert_eq!(f.current(), Some(key(2)));
        assert_eq!((f.refreshed, f.refreshes), (1050, 1));
        assert_eq!(f.idle_deadline, 1100, "capped by the absolute deadline");
        assert_eq!(f.expires_at(), 1100);
        f.advance(&key(3), 1010, 20);
        assert_eq!((f.idle_deadline, f.refreshes), (1030, 2));
        assert_eq!(f.expires_at(), 1030);
        assert_eq!(f.family_id.len(), 22);
        let other = FamilyRecord::new("u", &key(1), &Map::new(), 1000, 60, 100).unwrap();
        assert_ne!(f.family_id, other.family_id);
    }

    #[test]
    fn encode_decode_round_trip_and_refusals() {
        let c = claims(json!({"roles": ["admin"], "n": 1.5}));
        let f = FamilyRecord::new("u\u{e9}", &key(7), &c, 5, 10, 20).unwrap();
        let bytes = f.encode().unwrap();
        assert_eq!(FamilyRecord::decode(&bytes).unwrap(), f);
        assert_eq!(f.claims_json(), r#"{"n":1.5,"roles":["admin"]}"#);
        let text = String::from_utf8(bytes).unwrap();
        let bad_version = text.replace("\"v\":1", "\"v\":2");
        assert_eq!(
            FamilyRecord::decode(bad_version.as_bytes()),
            Err(Error::StoreCorrupt("token family has an unknown version"))
        );
        let bad_key = text.replace(&key(7).to_text(), "short");
        assert_eq!(
            FamilyRecord::decode(bad_key.as_bytes()),
            Err(Error::StoreCorrupt(
                "token family has an unreadable token key"
            ))
        );
        assert_eq!(
            FamilyRecord::decode(b"{"),
            Err(Error::StoreCorrupt("token family does not parse"))
        );
    }

    #[test]
    fn claims_and_user_ids_are_bounded() {
        assert_eq!(
            FamilyRecord::new("", &key(1), &Map::new(), 0, 1, 1),
            Err(Error::Misuse("a token family needs a non-empty user id"))
        );
        let long = "x".repeat(MAX_USER_ID_LEN + 1);
        assert_eq!(
            FamilyRecord::new(&long, &key(1), &Map::new(), 0, 1, 1),
            Err(Error::RecordTooLarge {
                limit: MAX_USER_ID_LEN,
                actual: MAX_USER_ID_LEN + 1
            })
        );
        assert!(FamilyRecord::new(&long[1..], &key(1), &Map::new(), 0, 1, 1).is_ok());
        // {"b":"..."} is 8 bytes around the string.
        let at = claims(json!({ "b": "y".repeat(MAX_CLAIMS_LEN - 8) }));
        assert!(FamilyRecord::new("u", &key(1), &at, 0, 1, 1).is_ok());
        let over = claims(json!({ "b": "y".repeat(MAX_CLAIMS_LEN - 7) }));
        assert_eq!(
            FamilyRecord::new("u", &key(1), &over, 0, 1, 1),
            Err(Error::RecordTooLarge {
                limit: MAX_CLAIMS_LEN,
                actual: MAX_CLAIMS_LEN + 1
            })
        );
        for name in RESERVED_CLAIMS {
            let c = claims(json!({ name: "x" }));
            assert_eq!(
                FamilyRecord::new("u", &key(1), &c, 0, 1, 1),
                Err(Error::InvalidClaim {
                    claim: name.to_string(),
                    reason: "is set by the token service, not by the application",
                })
            );
        }
    }

    #[test]
    fn secrets_stay_out_of_debug() {
        let t = RefreshToken::generate(None).unwrap();
        assert_eq!(format!("{t:?}"), "RefreshToken(..)");
        let exposed = t.expose();
        assert_eq!(exposed.len(), 43);
        assert_eq!(RefreshToken::parse(&exposed), Some(t.clone()));
        assert_eq!(
            RefreshToken::parse(&exposed).unwrap().store_key(),
            t.store_key()
        );
        assert_eq!(RefreshToken::parse("x"), None);
        let c = claims(json!({"secret-ish": "value"}));
        let f = FamilyRecord::new("u", &key(1), &c, 0, 1, 1).unwrap();
        let shown = format!("{f:?}");
        assert!(
            !shown.contains("value") && shown.contains("claims_len: 22"),
            "{shown}"
        );
        assert!(!shown.contains(&key(1).to_text()), "{shown}");
    }

    #[test]
    fn tokens_can_be_drawn_in_a_bucket() {
        let buckets = BucketKey::new(&[9; 32]).unwrap();
        for bucket in [0, 77, 255] {
            let t = RefreshToken::generate(Some((&buckets, bucket))).unwrap();
            assert_eq!(buckets.of_key(&t.store_key()), bucket);
        }
    }
}
