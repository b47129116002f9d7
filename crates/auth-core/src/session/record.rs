//! The session record and its compact, versioned serialization.

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::error::Error;

/// The longest user agent or address kept in a record, in bytes; longer
/// values are cut at a character boundary (they are for display only).
pub const MAX_META_LEN: usize = 256;

/// Request metadata the adapter supplies at login, for "your sessions" lists.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionMeta {
    /// The client's `User-Agent`.
    #[serde(rename = "ua", default, skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    /// The client's address as the adapter sees it.
    #[serde(rename = "ip", default, skip_serializing_if = "Option::is_none")]
    pub ip: Option<String>,
}

impl SessionMeta {
    /// Metadata with both values cut to [`MAX_META_LEN`].
    #[must_use]
    pub fn new(user_agent: Option<&str>, ip: Option<&str>) -> Self {
        Self {
            user_agent: user_agent.map(truncate),
            ip: ip.map(truncate),
        }
    }
}

fn truncate(s: &str) -> String {
    let mut end = s.len().min(MAX_META_LEN);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].into()
}

/// One session as a store keeps it. Times are seconds since the Unix epoch.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct SessionRecord {
    /// Format version; [`SessionRecord::decode`] refuses others.
    #[serde(rename = "v")]
    version: u8,
    /// Whose session this is.
    #[serde(rename = "u")]
    pub user_id: String,
    /// When it was created.
    #[serde(rename = "c")]
    pub created: u64,
    /// When it was last seen (written back at most once per touch interval).
    #[serde(rename = "l")]
    pub last_seen: u64,
    /// It expires if unused until then.
    #[serde(rename = "i")]
    pub idle_deadline: u64,
    /// It expires then whatever happens.
    #[serde(rename = "a")]
    pub absolute_deadline: u64,
    /// When the user last authenticated (for step-up checks).
    #[serde(rename = "t")]
    pub auth_time: u64,
    /// Application data.
    #[serde(rename = "d", default, skip_serializing_if = "Map::is_empty")]
    pub data: Map<String, Value>,
    /// Request metadata from login.
    #[serde(rename = "m", default)]
    pub meta: SessionMeta,
}

/// The record format written by this version.
const VERSION: u8 = 1;

impl SessionRecord {
    /// A fresh record for `user_id` created at `now`.
    #[must_use]
    pub fn new(user_id: &str, now: u64, idle: u64, absolute: u64, meta: SessionMeta) -> Self {
        let absolute_deadline = now.saturating_add(absolute);
        Self {
            version: VERSION,
            user_id: user_id.into(),
            created: now,
            last_seen: now,
            idle_deadline: now.saturating_add(idle).min(absolute_deadline),
            absolute_deadline,
            auth_time: now,
            data: Map::new(),
            meta,
        }
    }

    /// The nearer of the two deadlines: when a store may forget the record.
    #[must_use]
    pub fn expires_at(&self) -> u64 {
        self.idle_deadline.min(self.absolute_deadline)
    }

    /// Whether the session has expired at `now`.
    #[must_use]
    pub fn is_expired(&self, now: u64) -> bool {
        now >= self.expires_at()
    }

    /// Records use at `now`: moves the idle deadline, never past the
    /// absolute one.
    pub fn touch(&mut self, now: u64, idle: u64) {
        self.last_seen = now;
        self.idle_deadline = now.saturating_add(idle).min(self.absolute_deadline);
    }

    /// The compact, versioned byte form stores keep.
    pub fn encode(&self) -> Result<Vec<u8>, Error> {
        serde_json::to_vec(self)
            .map_err(|_| Error::StoreCorrupt("session record cannot be encoded"))
    }

    /// Reads what [`SessionRecord::encode`] wrote.
    pub fn decode(bytes: &[u8]) -> Result<Self, Error> {
        let record: Self = serde_json::from_slice(bytes)
            .map_err(|_| Error::StoreCorrupt("session record does not parse"))?;
        if record.version != VERSION {
            return Err(Error::StoreCorrupt("session record has an unknown version"));
        }
        Ok(record)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn deadlines_and_touch() {
        let mut r = SessionRecord::new("u", 1000, 60, 100, SessionMeta::default());
        assert_eq!(
            (r.idle_deadline, r.absolute_deadline, r.expires_at()),
            (1060, 1100, 1060)
        );
        assert!(!r.is_expired(1059));
        assert!(r.is_expired(1060));
        r.touch(1050, 60);
        assert_eq!(r.idle_deadline, 1100, "capped by the absolute deadline");
        assert_eq!(r.last_seen, 1050);
        let short = SessionRecord::new("u", 0, 500, 100, SessionMeta::default());
        assert_eq!(short.expires_at(), 100);
    }

    #[test]
    fn encoding_is_compact_versioned_and_strict() {
        let mut r = SessionRecord::new("alice", 1, 2, 3, SessionMeta::new(Some("curl"), None));
        r.data.insert("k".into(), Value::from(1));
        let bytes = r.encode().unwrap();
        let text = core::str::from_utf8(&bytes).unwrap();
        assert!(text.starts_with(r#"{"v":1,"u":"alice""#), "{text}");
        assert_eq!(SessionRecord::decode(&bytes).unwrap(), r);
        let v2 = text.replace(r#""v":1"#, r#""v":2"#);
        assert_eq!(
            SessionRecord::decode(v2.as_bytes()),
            Err(Error::StoreCorrupt("session record has an unknown version"))
        );
        assert_eq!(
            SessionRecord::decode(b"garbage"),
            Err(Error::StoreCorrupt("session record does not parse"))
        );
    }

    #[test]
    fn metadata_is_bounded() {
        let long = "é".repeat(300);
        let meta = SessionMeta::new(Some(&long), Some("10.0.0.1"));
        let ua = meta.user_agent.unwrap();
        assert!(ua.len() <= MAX_META_LEN && ua.len() >= MAX_META_LEN - 1);
        assert_eq!(meta.ip.as_deref(), Some("10.0.0.1"));
        assert_eq!(truncate("abc"), "abc".to_string());
    }
}
