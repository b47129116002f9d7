//! JWS compact serialization (RFC 7515): the protected header, and splitting
//! a token into its three parts.

use crate::alg::Algorithm;
use crate::encoding::json;
use crate::error::Error;
use alloc::borrow::Cow;
use alloc::string::String;

/// The longest protected header accepted, in base64url characters (768
/// bytes of JSON). Checked before the header is decoded: a longer one is
/// [`Error::TooLarge`] whatever it holds.
///
/// Real headers are far shorter: the ones auth-core writes (`alg`, `typ`
/// and a 43-character `kid`) are under 100 characters, and the registered
/// members RFC 7515 defines, even a `jwk` holding an RSA-2048 public key,
/// fit in a few hundred. Only an `x5c` certificate chain is longer, and
/// auth-core never uses one. A key's own header, recognised byte for byte,
/// is not parsed and not measured.
pub const MAX_HEADER_LEN: usize = 1024;

/// The most members a protected header may have, counting those of nested
/// objects (such as a `jwk`) too. The parse stops at the first member past
/// the limit with `Error::Malformed("token header has too many members")`.
///
/// RFC 7515 registers eleven header parameters and a JWK has about ten
/// members; a header has no use for more than that.
pub const MAX_HEADER_MEMBERS: usize = 32;

impl core::str::FromStr for Algorithm {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        Self::from_name(s).ok_or(Error::UnsupportedAlg)
    }
}

/// The protected header of a token that has been parsed but not yet verified.
///
/// Only the members this library acts on are kept. `jku`, `x5u`, `jwk` and
/// `x5c` are read past and never used: a token cannot choose the key that
/// verifies it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Header {
    /// The `alg` member.
    pub alg: Algorithm,
    /// The `kid` member, if any.
    pub kid: Option<String>,
    /// The `typ` member, if any.
    pub typ: Option<String>,
    /// The `cty` member, if any.
    pub cty: Option<String>,
}

impl Header {
    /// Parses a decoded header (JSON text). Strict: one object, no repeated
    /// members, at most [`MAX_HEADER_MEMBERS`] members, `alg` present and
    /// supported, no `crit`, no `b64: false`.
    #[cfg(any(test, feature = "fuzzing"))]
    pub(crate) fn parse(json_text: &str) -> Result<Self, Error> {
        HeaderRef::parse(json_text).map(HeaderRef::into_owned)
    }
}

/// A parsed header borrowing from the decoded header text: what the
/// verification hot path uses (no copies of `kid` or `typ`).
#[derive(Clone, Debug)]
pub(crate) struct HeaderRef<'a> {
    pub(crate) alg: Algorithm,
    pub(crate) kid: Option<Cow<'a, str>>,
    pub(crate) typ: Option<Cow<'a, str>>,
    pub(crate) cty: Option<Cow<'a, str>>,
}

impl<'a> HeaderRef<'a> {
    pub(crate) fn parse(json_text: &'a str) -> Result<Self, Error> {
        let mut alg = None;
        let mut kid = None;
        let mut typ = None;
        let mut cty = None;
        let mut crit = false;
        let mut unencoded = false;
        json::for_each_member_limited(
            json_text,
            json::DEFAULT_MAX_DEPTH,
            MAX_HEADER_MEMBERS,
            "token header has too many members",
            |name, value| {
                let text = |value: json::Value<'a>, why| match value {
                    json::Value::Str(s) => Ok(s.value()),
                    _ => Err(Error::Malformed(why)),
                };
                // The guard has unescaped every name once already: an
                // escaped one is compared without unescaping it again.
                let known = ["alg", "kid", "typ", "cty", "crit", "b64"];
                let name = name
                    .plain()
                    .or_else(|| known.into_iter().find(|k| name.eq_str(k)));
                match name.unwrap_or_default() {
                    "alg" => alg = Some(text(value, "header `alg` is not a string")?),
                    "kid" => kid = Some(text(value, "header `kid` is not a string")?),
                    "typ" => typ = Some(text(value, "header `typ` is not a string")?),
                    "cty" => cty = Some(text(value, "header `cty` is not a string")?),
                    "crit" => {
                        check_crit(value)?;
                        crit = true;
                    }
                    "b64" => match value {
                        json::Value::Bool(true) => {}
                        json::Value::Bool(false) => unencoded = true,
                        _ => return Err(Error::Malformed("header `b64` is not a boolean")),
                    },
                    _ => {}
                }
                Ok(())
            },
        )?;
        let alg = alg.ok_or(Error::Malformed("header has no `alg`"))?;
        // `none` and unknown names land here, before anything else is looked at.
        let alg: Algorithm = alg.parse()?;
        if crit || unencoded {
            return Err(Error::UnsupportedCrit);
        }
        Ok(Self { alg, kid, typ, cty })
    }

    pub(crate) fn into_owned(self) -> Header {
        Header {
            alg: self.alg,
            kid: self.kid.map(Cow::into_owned),
            typ: self.typ.map(Cow::into_owned),
            cty: self.cty.map(Cow::into_owned),
        }
    }
}

/// `crit` must be a non-empty array of strings (RFC 7515 section 4.1.11). We
/// implement no extensions, so a well-formed `crit` is then unsupported.
fn check_crit(value: json::Value<'_>) -> Result<(), Error> {
    let json::Value::Array(items) = value else {
        return Err(Error::Malformed("header `crit` is not an array"));
    };
    let mut count = 0usize;
    json::for_each_element(items, |item| match item {
        json::Value::Str(_) => {
            count += 1;
            Ok(())
        }
        _ => Err(Error::Malformed("header `crit` has a non-string entry")),
    })?;
    if count == 0 {
        return Err(Error::Malformed("header `crit` is empty"));
    }
    Ok(())
}

/// The three parts of a compact JWS, still encoded.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Compact<'a> {
    /// `BASE64URL(header) || '.' || BASE64URL(payload)`: what was signed.
    pub(crate) signing_input: &'a [u8],
    pub(crate) header: &'a [u8],
    pub(crate) payload: &'a [u8],
    pub(crate) signature: &'a [u8],
}

impl<'a> Compact<'a> {
    /// Splits `token` into exactly three non-empty-header parts. Checks the
    /// size limit before anything else.
    pub(crate) fn split(token: &'a [u8], max_len: usize) -> Result<Self, Error> {
        if token.len() > max_len {
            return Err(Error::TooLarge {
                limit: max_len,
                actual: token.len(),
            });
        }
        let mut dots = memchr::memchr_iter(b'.', token);
        let (Some(first), Some(second), None) = (dots.next(), dots.next(), dots.next()) else {
            return Err(Error::Malformed("token does not have exactly three parts"));
        };
        let header = &token[..first];
        if header.is_empty() {
            return Err(Error::Malformed("token header is empty"));
        }
        Ok(Self {
            signing_input: &token[..second],
            header,
            payload: &token[first + 1..second],
            signature: &token[second + 1..],
        })
    }
}

/// Writes the canonical header: `alg`, then `typ` and `kid` when set.
pub(crate) fn encode_header(alg: Algorithm, typ: Option<&str>, kid: Option<&str>) -> String {
    let mut out = String::with_capacity(48);
    out.push_str(r#"{"alg":""#);
    out.push_str(alg.name());
    out.push('"');
    if let Some(typ) = typ {
        out.push_str(r#","typ":"#);
        json::push_string(&mut out, typ);
    }
    if let Some(kid) = kid {
        out.push_str(r#","kid":"#);
        json::push_string(&mut out, kid);
    }
    out.push('}');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_none_is_unsupported() {
        for alg in Algorithm::ALL {
            assert_eq!(alg.name().parse(), Ok(alg));
        }
        for bad in [
            "none", "None", "NONE", "nOnE", "hs256", "HS256 ", "", "EdDSA",
        ] {
            assert_eq!(
                bad.parse::<Algorithm>(),
                Err(Error::UnsupportedAlg),
                "{bad}"
            );
        }
    }

    #[test]
    fn header_rules() {
        let h = Header::parse(
            r#"{"alg":"ES256","kid":"k1","typ":"JWT","jku":"https://evil","jwk":{"kty":"EC"}}"#,
        )
        .unwrap();
        assert_eq!(h.alg, Algorithm::Es256);
        assert_eq!(h.kid.as_deref(), Some("k1"));
        assert_eq!(h.typ.as_deref(), Some("JWT"));
        assert_eq!(
            Header::parse(r#"{"typ":"JWT"}"#),
            Err(Error::Malformed("header has no `alg`"))
        );
        assert_eq!(
            Header::parse(r#"{"alg":"none"}"#),
            Err(Error::UnsupportedAlg)
        );
        assert_eq!(
            Header::parse(r#"{"alg":1}"#),
            Err(Error::Malformed("header `alg` is not a string"))
        );
        assert_eq!(
            Header::parse(r#"{"alg":"HS256","crit":["exp"],"exp":1}"#),
            Err(Error::UnsupportedCrit)
        );
        assert_eq!(
            Header::parse(r#"{"alg":"HS256","crit":[]}"#),
            Err(Error::Malformed("header `crit` is empty"))
        );
        assert_eq!(
            Header::parse(r#"{"alg":"HS256","crit":"b64"}"#),
            Err(Error::Malformed("header `crit` is not an array"))
        );
        assert_eq!(
            Header::parse(r#"{"alg":"HS256","b64":false}"#),
            Err(Error::UnsupportedCrit)
        );
        assert!(Header::parse(r#"{"alg":"HS256","b64":true}"#).is_ok());
        // Names count by their unescaped value.
        let h = Header::parse(
            r#"{"\u0061lg":"HS256","k\u0069d":"k\u0031","\u0074yp":"JWT","ct\u0079":"x"}"#,
        )
        .unwrap();
        assert_eq!(
            (h.alg, h.kid.as_deref(), h.typ.as_deref(), h.cty.as_deref()),
            (Algorithm::Hs256, Some("k1"), Some("JWT"), Some("x"))
        );
        assert_eq!(
            Header::parse(r#"{"alg":"HS256","\u0063rit":["x"],"x":1}"#),
            Err(Error::UnsupportedCrit)
        );
        assert_eq!(
            Header::parse(r#"{"alg":"HS256","b\u0036\u0034":false}"#),
            Err(Error::UnsupportedCrit)
        );
        // A name that only starts like a known one is not it.
        assert_eq!(
            Header::parse(r#"{"\u0061lgx":"HS256"}"#),
            Err(Error::Malformed("header has no `alg`"))
        );
        assert_eq!(
            Header::parse(r#"{"alg":"HS256","alg":"HS256"}"#),
            Err(Error::Malformed("JSON object has a duplicate member name"))
        );
    }

    #[test]
    fn header_members_are_counted_at_every_depth() {
        use alloc::format;
        use alloc::vec::Vec;

        // `alg`, `jwk` and its `kty`, then `extra` members `p0`, `p1`, ...,
        // the first half at the top, the rest inside `jwk`.
        let header = |extra: usize| {
            let pad: Vec<_> = (0..extra).map(|i| format!(r#","p{i}":{i}"#)).collect();
            let (top, nested) = pad.split_at(extra / 2);
            format!(
                r#"{{"alg":"HS256"{},"jwk":{{"kty":"oct"{}}}}}"#,
                top.concat(),
                nested.concat()
            )
        };
        let too_many = Err(Error::Malformed("token header has too many members"));
        let at_limit = MAX_HEADER_MEMBERS - 3;
        for extra in [0, at_limit - 1, at_limit] {
            assert_eq!(
                Header::parse(&header(extra)).map(|h| h.alg),
                Ok(Algorithm::Hs256),
                "{extra}"
            );
        }
        assert_eq!(Header::parse(&header(at_limit + 1)), too_many);
        assert_eq!(Header::parse(&header(at_limit + 20)), too_many);
        // The parse stops at the name of the first member over the limit.
        let over = header(at_limit + 1);
        let last = format!(r#""p{at_limit}""#);
        let cut = &over[..over.find(&last).unwrap() + last.len()];
        assert_eq!(Header::parse(cut), too_many);
        assert_eq!(
            Header::parse(&header(at_limit).replace("HS256", "none")),
            Err(Error::UnsupportedAlg)
        );
    }

    #[test]
    fn header_names_are_unescaped_once() {
        use crate::encoding::json::cost;
        use alloc::format;
        use alloc::vec::Vec;

        let names: Vec<_> = (0..20).map(|i| format!(r#","\u006b{i}":0"#)).collect();
        let header = format!(r#"{{"\u0061lg":"HS256"{}}}"#, names.concat());
        cost::take();
        assert_eq!(Header::parse(&header).map(|h| h.alg), Ok(Algorithm::Hs256));
        // By the guard; the header's reader compares without unescaping.
        assert_eq!(cost::take().unescapes, 21);
    }

    #[test]
    fn split_counts_parts() {
        assert!(Compact::split(b"a.b.c", 100).is_ok());
        assert!(Compact::split(b"a..", 100).is_ok());
        for bad in [&b"a.b"[..], b"a.b.c.d", b"abc", b"", b"a.b.c.d.e"] {
            assert_eq!(
                Compact::split(bad, 100).err(),
                Some(Error::Malformed("token does not have exactly three parts"))
            );
        }
        assert_eq!(
            Compact::split(b".b.c", 100).err(),
            Some(Error::Malformed("token header is empty"))
        );
        assert_eq!(
            Compact::split(b"a.b.c", 4).err(),
            Some(Error::TooLarge {
                limit: 4,
                actual: 5
            })
        );
    }

    #[test]
    fn header_encoding_is_canonical_and_escaped() {
        assert_eq!(
            encode_header(Algorithm::Hs256, Some("JWT"), None),
            r#"{"alg":"HS256","typ":"JWT"}"#
        );
        assert_eq!(
            encode_header(Algorithm::Es384, None, Some("a\"b\\\u{1}")),
            r#"{"alg":"ES384","kid":"a\"b\\\u0001"}"#
        );
        let parsed = Header::parse(&encode_header(
            Algorithm::Es384,
            Some("at+jwt"),
            Some("a\"b\\\u{1}"),
        ))
        .unwrap();
        assert_eq!(parsed.kid.as_deref(), Some("a\"b\\\u{1}"));
    }
}
