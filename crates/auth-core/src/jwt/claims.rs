//! Registered claims (RFC 7519 section 4.1) and the user's own claims.

use alloc::string::String;
use alloc::vec::Vec;

use serde::{Deserialize, Serialize};

use crate::encoding::json;
use crate::error::Error;

/// The claims of a token: the registered ones as fields, the application's
/// own as `custom` (any serde type that is a JSON object).
///
/// `aud` is always a list here; it is written as a plain string when it has
/// one value and read from either form.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Claims<T = Empty> {
    /// `iss`: who issued the token.
    pub iss: Option<String>,
    /// `sub`: whom the token is about.
    pub sub: Option<String>,
    /// `aud`: who the token is for (empty: absent).
    pub aud: Vec<String>,
    /// `exp`: expiry, seconds since the Unix epoch.
    pub exp: Option<u64>,
    /// `nbf`: not valid before, seconds since the Unix epoch.
    pub nbf: Option<u64>,
    /// `iat`: issued at, seconds since the Unix epoch.
    pub iat: Option<u64>,
    /// `jti`: a unique token id.
    pub jti: Option<String>,
    /// The application's own claims.
    pub custom: T,
}

/// Custom claims for tokens that carry none: reads any object, writes `{}`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Empty {}

impl Claims<Empty> {
    /// Claims for a token that carries only registered claims (`iss`,
    /// `sub`, `aud`, `exp`, ...): `Claims::empty().subject("alice")`, the
    /// same as `Claims::new(Empty {})`. Verify such a token as `Claims`
    /// (the default custom type is [`Empty`]).
    #[must_use]
    pub fn empty() -> Self {
        Self::new(Empty {})
    }
}

impl<T> Claims<T> {
    /// Claims with no registered members set.
    pub fn new(custom: T) -> Self {
        Self {
            iss: None,
            sub: None,
            aud: Vec::new(),
            exp: None,
            nbf: None,
            iat: None,
            jti: None,
            custom,
        }
    }

    /// Sets `iss`.
    #[must_use]
    pub fn issuer(mut self, iss: impl Into<String>) -> Self {
        self.iss = Some(iss.into());
        self
    }

    /// Sets `sub`.
    #[must_use]
    pub fn subject(mut self, sub: impl Into<String>) -> Self {
        self.sub = Some(sub.into());
        self
    }

    /// Adds one `aud` value.
    #[must_use]
    pub fn audience(mut self, aud: impl Into<String>) -> Self {
        self.aud.push(aud.into());
        self
    }

    /// Sets `jti`.
    #[must_use]
    pub fn jwt_id(mut self, jti: impl Into<String>) -> Self {
        self.jti = Some(jti.into());
        self
    }

    /// Sets `iat = now` and `exp = now + ttl` (seconds).
    #[must_use]
    pub fn valid_for(mut self, now: u64, ttl: u64) -> Self {
        self.iat = Some(now);
        self.exp = Some(now.saturating_add(ttl));
        self
    }

    /// Sets `exp`.
    #[must_use]
    pub fn expires_at(mut self, exp: u64) -> Self {
        self.exp = Some(exp);
        self
    }

    /// Sets `nbf`.
    #[must_use]
    pub fn not_before(mut self, nbf: u64) -> Self {
        self.nbf = Some(nbf);
        self
    }

    /// Sets `iat`.
    #[must_use]
    pub fn issued_at(mut self, iat: u64) -> Self {
        self.iat = Some(iat);
        self
    }
}

const REGISTERED: [&str; 7] = ["iss", "sub", "aud", "exp", "nbf", "iat", "jti"];

impl<T: Serialize> Claims<T> {
    /// The payload JSON: registered claims first, then the custom ones.
    /// A custom member that repeats a registered claim that is set is an
    /// error (the token would be ambiguous).
    pub(crate) fn to_json(&self) -> Result<String, Error> {
        let custom_err = |reason| Error::InvalidClaim {
            claim: "(custom claims)".into(),
            reason,
        };
        let custom =
            serde_json::to_string(&self.custom).map_err(|_| custom_err("cannot be serialized"))?;
        let mut out = String::with_capacity(custom.len() + 128);
        out.push('{');
        let mut first = true;
        let mut key = |out: &mut String, name: &str| {
            if !first {
                out.push(',');
            }
            first = false;
            out.push('"');
            out.push_str(name);
            out.push_str("\":");
        };
        let mut set = [false; 7];
        let strings = [("iss", &self.iss), ("sub", &self.sub)];
        for (i, (name, value)) in strings.into_iter().enumerate() {
            if let Some(v) = value {
                key(&mut out, name);
                json::push_string(&mut out, v);
                set[i] = true;
            }
        }
        match self.aud.as_slice() {
            [] => {}
            [one] => {
                key(&mut out, "aud");
                json::push_string(&mut out, one);
                set[2] = true;
            }
            many => {
                key(&mut out, "aud");
                out.push('[');
                for (i, a) in many.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    json::push_string(&mut out, a);
                }
                out.push(']');
                set[2] = true;
            }
        }
        let times = [("exp", self.exp), ("nbf", self.nbf), ("iat", self.iat)];
        for (i, (name, value)) in times.into_iter().enumerate() {
            if let Some(v) = value {
                key(&mut out, name);
                push_u64(&mut out, v);
                set[3 + i] = true;
            }
        }
        if let Some(jti) = &self.jti {
            key(&mut out, "jti");
            json::push_string(&mut out, jti);
            set[6] = true;
        }
        let mut members = false;
        json::for_each_member(&custom, json::DEFAULT_MAX_DEPTH, |name, _| {
            members = true;
            match REGISTERED.iter().position(|r| name.eq_str(r)) {
                Some(i) if set[i] => {
                    Err(custom_err("repeat a registered claim that is already set"))
                }
                _ => Ok(()),
            }
        })
        .map_err(|e| match e {
            Error::Malformed(_) => {
                custom_err("must serialize to a JSON object no deeper than 16 levels")
            }
            other => other,
        })?;
        if members {
            if !first {
                out.push(',');
            }
            // `custom` is a JSON object: drop its braces and splice it in.
            out.push_str(
                custom
                    .trim()
                    .get(1..custom.trim().len() - 1)
                    .unwrap_or_default(),
            );
        }
        out.push('}');
        Ok(out)
    }
}

/// Appends the decimal digits of `v`.
fn push_u64(out: &mut String, mut v: u64) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    loop {
        i -= 1;
        buf[i] = b'0' + (v % 10).to_le_bytes()[0];
        v /= 10;
        if v == 0 {
            break;
        }
    }
    out.push_str(core::str::from_utf8(&buf[i..]).unwrap_or_default());
}

/// Registered claims read straight from the payload by the JSON guard,
/// with their types checked. Present-but-wrong is an error, never "absent".
#[derive(Default)]
pub(crate) struct Registered {
    pub(crate) iss: Option<String>,
    pub(crate) sub: Option<String>,
    pub(crate) aud: Vec<String>,
    pub(crate) exp: Option<u64>,
    pub(crate) nbf: Option<u64>,
    pub(crate) iat: Option<u64>,
    pub(crate) jti: Option<String>,
}

impl Registered {
    /// Scans `payload`, reading registered claims and calling `seen` with
    /// every top-level member name.
    pub(crate) fn scan(payload: &str, mut seen: impl FnMut(&str)) -> Result<Self, Error> {
        let mut r = Self::default();
        json::for_each_member(payload, json::DEFAULT_MAX_DEPTH, |name, value| {
            let name = name.value();
            let name = name.as_ref();
            seen(name);
            match name {
                "iss" => r.iss = Some(text(name, value)?),
                "sub" => r.sub = Some(text(name, value)?),
                "jti" => r.jti = Some(text(name, value)?),
                "aud" => r.aud = audience(value)?,
                "exp" => r.exp = Some(date(name, value)?),
                "nbf" => r.nbf = Some(date(name, value)?),
                "iat" => r.iat = Some(date(name, value)?),
                _ => {}
            }
            Ok(())
        })?;
        Ok(r)
    }
}

fn text(name: &str, value: json::Value<'_>) -> Result<String, Error> {
    match value {
        json::Value::Str(s) => Ok(s.value().into_owned()),
        _ => Err(Error::invalid_claim(name, "is not a string")),
    }
}

fn date(name: &str, value: json::Value<'_>) -> Result<u64, Error> {
    match value {
        json::Value::Num(raw) => {
            super::numeric_date::numeric_date(raw).map_err(|why| Error::invalid_claim(name, why))
        }
        _ => Err(Error::invalid_claim(name, "is not a number")),
    }
}

fn audience(value: json::Value<'_>) -> Result<Vec<String>, Error> {
    match value {
        json::Value::Str(s) => Ok(alloc::vec![s.value().into_owned()]),
        json::Value::Array(items) => {
            let mut out = Vec::new();
            json::for_each_element(items, |item| match item {
                json::Value::Str(s) => {
                    out.push(s.value().into_owned());
                    Ok(())
                }
                _ => Err(Error::invalid_claim(
                    "aud",
                    "has an entry that is not a string",
                )),
            })?;
            Ok(out)
        }
        _ => Err(Error::invalid_claim(
            "aud",
            "is not a string or an array of strings",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{Map, Value, json};

    fn all_set() -> Claims<Map<String, Value>> {
        Claims::new(Map::new())
            .issuer("i")
            .subject("s")
            .audience("a")
            .expires_at(3)
            .not_before(1)
            .issued_at(2)
            .jwt_id("j")
    }

    /// A custom member may not repeat a registered claim that is set (the
    /// token would carry it twice): each of the seven, alone.
    #[test]
    fn custom_claims_may_not_repeat_a_set_registered_claim() {
        for name in REGISTERED {
            let mut claims = all_set();
            claims.custom.insert(name.into(), json!(7));
            assert_eq!(
                claims.to_json(),
                Err(Error::InvalidClaim {
                    claim: "(custom claims)".into(),
                    reason: "repeat a registered claim that is already set",
                }),
                "{name}"
            );
        }
    }

    /// ... but may carry one that is not set, which is then written once.
    #[test]
    fn custom_claims_may_carry_an_unset_registered_claim() {
        for name in REGISTERED {
            let mut claims = Claims::new(Map::new());
            claims.custom.insert(name.into(), json!(7));
            let json = claims.to_json().unwrap();
            assert_eq!(json, format!("{{\"{name}\":7}}"));
        }
        // With every other claim set, each one left unset is still free.
        for (i, name) in REGISTERED.iter().enumerate() {
            let mut claims = all_set();
            match i {
                0 => claims.iss = None,
                1 => claims.sub = None,
                2 => claims.aud.clear(),
                3 => claims.exp = None,
                4 => claims.nbf = None,
                5 => claims.iat = None,
                _ => claims.jti = None,
            }
            claims.custom.insert((*name).into(), json!(7));
            let json = claims.to_json().unwrap();
            assert_eq!(json.matches(&format!("\"{name}\":")).count(), 1, "{json}");
        }
    }
}
