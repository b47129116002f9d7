//! The session record and its compact, versioned serialization.
//!
//! A record is bounded when it is built, not by the goodwill of callers: the
//! user id, the login metadata and the application data each have a limit,
//! enforced by the only functions that set them.

use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::fmt;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use zeroize::Zeroizing;

use crate::encoding::base64url;
use crate::error::Error;

/// The length of a session's CSRF token: 32 random bytes in base64url.
pub const CSRF_TOKEN_LEN: usize = 43;

/// The longest user agent or address kept in a record, in bytes; longer
/// values are cut at a character boundary (they are for display only).
pub const MAX_META_LEN: usize = 256;
/// The longest user id a record accepts, in bytes.
pub const MAX_USER_ID_LEN: usize = 256;
/// The largest application data a record accepts, in bytes of its JSON form.
pub const MAX_DATA_LEN: usize = 4096;

/// Request metadata the adapter supplies at login, for "your sessions" lists.
///
/// Built only by [`SessionMeta::new`], which bounds both values. `Debug`
/// says only which values are present: an address and a user agent are
/// personal data and stay out of logs.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionMeta {
    #[serde(rename = "ua", default, skip_serializing_if = "Option::is_none")]
    user_agent: Option<String>,
    #[serde(rename = "ip", default, skip_serializing_if = "Option::is_none")]
    ip: Option<String>,
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

    /// The client's `User-Agent` at login.
    #[must_use]
    pub fn user_agent(&self) -> Option<&str> {
        self.user_agent.as_deref()
    }

    /// The client's address at login, as the adapter saw it.
    #[must_use]
    pub fn ip(&self) -> Option<&str> {
        self.ip.as_deref()
    }
}

impl fmt::Debug for SessionMeta {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionMeta")
            .field("user_agent", &self.user_agent.as_ref().map(|_| ".."))
            .field("ip", &self.ip.as_ref().map(|_| ".."))
            .finish()
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
///
/// `Debug` shows the user and the times; the data and metadata only as
/// counts and presence.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
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
    /// Application data (at most [`MAX_DATA_LEN`] bytes as JSON). Shared
    /// between copies of the record and replaced whole by
    /// [`SessionRecord::set_data`]: a store that hands out a copy of a
    /// record per request (the memory store) does not copy the map.
    #[serde(
        rename = "d",
        default,
        skip_serializing_if = "no_data",
        serialize_with = "shared::serialize",
        deserialize_with = "shared::deserialize"
    )]
    data: Arc<Map<String, Value>>,
    /// Request metadata from login.
    #[serde(rename = "m", default)]
    pub meta: SessionMeta,
    /// The session's CSRF token: 256 random bits in base64url, drawn at
    /// login (empty in a record written before this field existed: such a
    /// session passes no CSRF check until the user logs in again).
    #[serde(rename = "k", default)]
    csrf_token: String,
}

impl fmt::Debug for SessionRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SessionRecord")
            .field("user_id", &self.user_id)
            .field("created", &self.created)
            .field("last_seen", &self.last_seen)
            .field("idle_deadline", &self.idle_deadline)
            .field("absolute_deadline", &self.absolute_deadline)
            .field("auth_time", &self.auth_time)
            .field("data_members", &self.data.len())
            .field("meta", &self.meta)
            .finish_non_exhaustive()
    }
}

/// The record format written by this version.
const VERSION: u8 = 1;

/// The user id rule every stored record shares: non-empty (else
/// [`Error::Misuse`] with `empty`, a programming error) and at most
/// [`MAX_USER_ID_LEN`] bytes ([`Error::RecordTooLarge`]).
pub(crate) fn check_user_id(user_id: &str, empty: &'static str) -> Result<(), Error> {
    if user_id.is_empty() {
        return Err(Error::Misuse(empty));
    }
    if user_id.len() > MAX_USER_ID_LEN {
        return Err(Error::RecordTooLarge {
            limit: MAX_USER_ID_LEN,
            actual: user_id.len(),
        });
    }
    Ok(())
}

impl SessionRecord {
    /// A fresh record for `user_id` created at `now`, with a fresh CSRF
    /// token. The user id must be non-empty (a programming error:
    /// [`Error::Misuse`]) and at most [`MAX_USER_ID_LEN`] bytes
    /// ([`Error::RecordTooLarge`]); [`Error::Random`] if the system's
    /// random number generator fails.
    pub fn new(
        user_id: &str,
        now: u64,
        idle: u64,
        absolute: u64,
        meta: SessionMeta,
    ) -> Result<Self, Error> {
        check_user_id(user_id, "a session needs a non-empty user id")?;
        let mut secret = Zeroizing::new([0u8; 32]);
        getrandom::fill(secret.as_mut_slice()).map_err(|_| Error::Random)?;
        let absolute_deadline = now.saturating_add(absolute);
        Ok(Self {
            version: VERSION,
            user_id: user_id.into(),
            created: now,
            last_seen: now,
            idle_deadline: now.saturating_add(idle).min(absolute_deadline),
            absolute_deadline,
            auth_time: now,
            data: Arc::default(),
            meta,
            csrf_token: base64url::encode(secret.as_slice()),
        })
    }

    /// The session's CSRF token, to send in the readable CSRF cookie and
    /// to expect in the `X-CSRF-Token` header of a state-changing request
    /// ([`HttpConfig::check_csrf`](crate::http::HttpConfig::check_csrf)).
    /// `Debug` does not show it.
    #[must_use]
    pub fn csrf_token(&self) -> &str {
        &self.csrf_token
    }

    /// The application data.
    #[must_use]
    pub fn data(&self) -> &Map<String, Value> {
        &self.data
    }

    /// Replaces the application data. Refused with
    /// [`Error::RecordTooLarge`] (and the record unchanged) when its JSON
    /// form is over [`MAX_DATA_LEN`] bytes.
    pub fn set_data(&mut self, data: Map<String, Value>) -> Result<(), Error> {
        let actual = serde_json::to_vec(&data)
            .map_err(|_| Error::StoreCorrupt("session data cannot be encoded"))?
            .len();
        if actual > MAX_DATA_LEN {
            return Err(Error::RecordTooLarge {
                limit: MAX_DATA_LEN,
                actual,
            });
        }
        self.data = Arc::new(data);
        Ok(())
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
        let token = record.csrf_token.as_bytes();
        let mut secret = Zeroizing::new([0u8; 32]);
        let readable = token.len() == CSRF_TOKEN_LEN
            && base64url::decode_to_slice(token, secret.as_mut_slice()) == Ok(32);
        if !token.is_empty() && !readable {
            return Err(Error::StoreCorrupt(
                "session record has an unreadable CSRF token",
            ));
        }
        Ok(record)
    }
}

/// Whether a record has no application data (then `d` is not written).
fn no_data(data: &Arc<Map<String, Value>>) -> bool {
    data.is_empty()
}

/// The shared data map, written and read as the map itself.
mod shared {
    use alloc::string::String;
    use alloc::sync::Arc;

    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use serde_json::{Map, Value};

    pub(super) fn serialize<S: Serializer>(
        data: &Arc<Map<String, Value>>,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        data.as_ref().serialize(serializer)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Arc<Map<String, Value>>, D::Error> {
        Map::deserialize(deserializer).map(Arc::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::string::ToString;

    fn record(user: &str) -> SessionRecord {
        SessionRecord::new(user, 1000, 60, 100, SessionMeta::default()).unwrap()
    }

    #[test]
    fn deadlines_and_touch() {
        let mut r = record("u");
        assert_eq!(
            (r.idle_deadline, r.absolute_deadline, r.expires_at()),
            (1060, 1100, 1060)
        );
        assert!(!r.is_expired(1059));
        assert!(r.is_expired(1060));
        r.touch(1050, 60);
        assert_eq!(r.idle_deadline, 1100, "capped by the absolute deadline");
        assert_eq!(r.last_seen, 1050);
        let short = SessionRecord::new("u", 0, 500, 100, SessionMeta::default()).unwrap();
        assert_eq!(short.expires_at(), 100);
    }

    #[test]
    fn encoding_is_compact_versioned_and_strict() {
        let mut r =
            SessionRecord::new("alice", 1, 2, 3, SessionMeta::new(Some("curl"), None)).unwrap();
        let mut data = Map::new();
        data.insert("k".into(), Value::from(1));
        r.set_data(data).unwrap();
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

    /// The data map is written as itself (`d`, left out when empty), read
    /// back as it was, shared by copies of a record, and replaced in one
    /// copy only.
    #[test]
    fn data_is_encoded_as_a_map_and_shared_between_copies() {
        let mut r = SessionRecord::new("u", 1, 2, 3, SessionMeta::default()).unwrap();
        let token = r.csrf_token().to_string();
        let plain =
            format!(r#"{{"v":1,"u":"u","c":1,"l":1,"i":3,"a":4,"t":1,"m":{{}},"k":"{token}"}}"#);
        assert_eq!(String::from_utf8(r.encode().unwrap()).unwrap(), plain);
        let mut data = Map::new();
        data.insert("roles".into(), serde_json::json!(["admin"]));
        r.set_data(data.clone()).unwrap();
        let with = format!(
            r#"{{"v":1,"u":"u","c":1,"l":1,"i":3,"a":4,"t":1,"d":{{"roles":["admin"]}},"m":{{}},"k":"{token}"}}"#
        );
        assert_eq!(String::from_utf8(r.encode().unwrap()).unwrap(), with);
        let read = SessionRecord::decode(with.as_bytes()).unwrap();
        assert_eq!(read.data(), &data);
        assert_eq!(read, r);

        let mut copy = r.clone();
        assert!(Arc::ptr_eq(&copy.data, &r.data), "a copy shares the map");
        copy.set_data(Map::new()).unwrap();
        assert_eq!(r.data(), &data, "the original keeps its data");
        assert!(copy.data().is_empty());
        assert_ne!(copy, r);
    }

    #[test]
    fn each_record_has_its_own_csrf_token_and_keeps_it() {
        let (a, b) = (record("u"), record("u"));
        assert_eq!(a.csrf_token().len(), CSRF_TOKEN_LEN);
        assert_ne!(a.csrf_token(), b.csrf_token());
        let mut buf = [0u8; 32];
        assert_eq!(
            base64url::decode_to_slice(a.csrf_token().as_bytes(), &mut buf),
            Ok(32)
        );
        let bytes = a.encode().unwrap();
        let decoded = SessionRecord::decode(&bytes).unwrap();
        assert_eq!(decoded.csrf_token(), a.csrf_token());
        let mut touched = decoded.clone();
        touched.touch(1030, 60);
        assert_eq!(touched.csrf_token(), a.csrf_token());
        // A record from before the field: readable, with no token.
        let text = core::str::from_utf8(&bytes).unwrap();
        let old = text.replace(&format!(r#","k":"{}""#, a.csrf_token()), "");
        assert_ne!(old, text);
        assert_eq!(
            SessionRecord::decode(old.as_bytes()).unwrap().csrf_token(),
            ""
        );
        // Anything else in its place is corrupt.
        let corrupt = Err(Error::StoreCorrupt(
            "session record has an unreadable CSRF token",
        ));
        let last = a.csrf_token().len() - 1;
        for bad in [
            "x".to_string(),
            format!("{}A", a.csrf_token()),
            a.csrf_token()[..last].to_string(),
            format!("{}+", &a.csrf_token()[..last]),
            // 43 characters whose last one has bits past the 32 bytes.
            format!("{}B", "A".repeat(42)),
        ] {
            let edited = text.replace(a.csrf_token(), &bad);
            assert_eq!(SessionRecord::decode(edited.as_bytes()), corrupt, "{bad:?}");
        }
        let fine = text.replace(a.csrf_token(), &format!("{}A", "A".repeat(42)));
        assert!(SessionRecord::decode(fine.as_bytes()).is_ok());
    }

    #[test]
    fn metadata_is_bounded_at_a_character_boundary() {
        // 3-byte characters: 256 is not a multiple of 3, so the cut must back
        // off to 255.
        let long = "€".repeat(100);
        let meta = SessionMeta::new(Some(&long), Some("10.0.0.1"));
        assert_eq!(meta.user_agent(), Some("€".repeat(85).as_str()));
        assert_eq!(meta.ip(), Some("10.0.0.1"));
        // ASCII is cut at exactly the limit.
        let ascii = "a".repeat(MAX_META_LEN + 10);
        let meta = SessionMeta::new(None, Some(&ascii));
        assert_eq!(meta.ip().map(str::len), Some(MAX_META_LEN));
        assert_eq!(meta.user_agent(), None);
        assert_eq!(truncate("abc"), "abc".to_string());
    }

    #[test]
    fn user_id_is_bounded() {
        assert_eq!(
            SessionRecord::new("", 0, 1, 1, SessionMeta::default()),
            Err(Error::Misuse("a session needs a non-empty user id"))
        );
        let at_limit = "u".repeat(MAX_USER_ID_LEN);
        assert!(SessionRecord::new(&at_limit, 0, 1, 1, SessionMeta::default()).is_ok());
        let over = "u".repeat(MAX_USER_ID_LEN + 1);
        assert_eq!(
            SessionRecord::new(&over, 0, 1, 1, SessionMeta::default()),
            Err(Error::RecordTooLarge {
                limit: MAX_USER_ID_LEN,
                actual: MAX_USER_ID_LEN + 1
            })
        );
    }

    #[test]
    fn data_is_bounded_and_a_refusal_changes_nothing() {
        let mut r = record("u");
        let mut first = Map::new();
        first.insert("a".into(), Value::from(1));
        r.set_data(first.clone()).unwrap();
        // {"k":"xxx..."} is 8 bytes of framing plus the string.
        let fits = |n: usize| {
            let mut m = Map::new();
            m.insert("k".into(), Value::from("x".repeat(n)));
            m
        };
        r.set_data(fits(MAX_DATA_LEN - 8)).unwrap();
        assert_eq!(serde_json::to_vec(r.data()).unwrap().len(), MAX_DATA_LEN);
        r.set_data(first.clone()).unwrap();
        assert_eq!(
            r.set_data(fits(MAX_DATA_LEN - 7)),
            Err(Error::RecordTooLarge {
                limit: MAX_DATA_LEN,
                actual: MAX_DATA_LEN + 1
            })
        );
        assert_eq!(r.data(), &first);
    }

    #[test]
    fn debug_shows_no_data_address_or_user_agent() {
        let mut r = SessionRecord::new(
            "alice",
            1,
            2,
            3,
            SessionMeta::new(Some("Secret-Agent/1.0"), Some("203.0.113.9")),
        )
        .unwrap();
        let mut data = Map::new();
        data.insert("cart".into(), Value::from("hidden-value"));
        r.set_data(data).unwrap();
        let shown = format!("{r:?}");
        let token = r.csrf_token().to_string();
        for secret in [
            "Secret-Agent",
            "203.0.113.9",
            "hidden-value",
            "cart",
            &token,
        ] {
            assert!(!shown.contains(secret), "{shown}");
        }
        assert!(
            shown.contains("alice") && shown.contains("data_members: 1"),
            "{shown}"
        );
        assert_eq!(
            format!("{:?}", r.meta),
            r#"SessionMeta { user_agent: Some(".."), ip: Some("..") }"#
        );
        assert_eq!(
            format!("{:?}", SessionMeta::new(None, Some("10.0.0.1"))),
            r#"SessionMeta { user_agent: None, ip: Some("..") }"#
        );
    }
}
