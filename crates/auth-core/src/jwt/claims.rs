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
#[derive(Debug, Default, PartialEq, Eq)]
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
            seen(&name);
            r.read(&name, value)
        })?;
        Ok(r)
    }

    /// Reads member `name` if it is a registered claim, checking its type.
    fn read(&mut self, name: &str, value: json::Value<'_>) -> Result<(), Error> {
        match name {
            "iss" => self.iss = Some(text(name, value)?),
            "sub" => self.sub = Some(text(name, value)?),
            "jti" => self.jti = Some(text(name, value)?),
            "aud" => self.aud = audience(value)?,
            "exp" => self.exp = Some(date(name, value)?),
            "nbf" => self.nbf = Some(date(name, value)?),
            "iat" => self.iat = Some(date(name, value)?),
            _ => {}
        }
        Ok(())
    }

    /// The payload read in one pass ([`json::de`]): the registered claims
    /// as [`Registered::scan`] reads them (with `seen` called the same
    /// way) and the application's claims as `serde_json::from_str` reads
    /// them, or `None` when the pass declines; the two-pass path then
    /// decides. Never `Some` where the two-pass path fails.
    pub(crate) fn one_pass<'a, T: serde::Deserialize<'a>>(
        payload: &'a str,
        seen: impl FnMut(&str),
    ) -> Option<(Self, T)> {
        let mut reader = Reader {
            registered: Self::default(),
            seen,
        };
        let custom = json::de::from_str(payload, json::DEFAULT_MAX_DEPTH, &mut reader)?;
        Some((reader.registered, custom))
    }
}

/// [`Registered`] as the one pass fills it in.
struct Reader<F> {
    registered: Registered,
    seen: F,
}

impl<'a, F: FnMut(&str)> json::de::Members<'a> for Reader<F> {
    fn name(&mut self, name: &str) {
        (self.seen)(name);
    }

    fn reads(&self, name: &str) -> bool {
        REGISTERED.contains(&name)
    }

    fn value(&mut self, name: &str, value: json::Value<'a>) -> Result<(), ()> {
        self.registered.read(name, value).map_err(|_| ())
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

/// The one pass ([`Registered::one_pass`]) against the two passes it
/// replaces ([`Registered::scan`], then `serde_json::from_str`): whenever
/// it says yes, the two passes say the same yes (registered claims, names
/// seen, application claims), on generated payloads valid and broken, for
/// application types of every shape serde derives.
#[cfg(test)]
mod one_pass {
    use super::*;
    use alloc::boxed::Box;
    use alloc::collections::BTreeMap;
    use alloc::format;
    use alloc::string::ToString;
    use alloc::vec;
    use core::fmt::Debug;
    use proptest::prelude::*;
    use serde::Deserialize;
    use serde::de::{DeserializeOwned, IgnoredAny};
    use serde_json::Value;

    #[derive(Debug, PartialEq, Deserialize)]
    struct App {
        name: String,
        roles: Vec<String>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Loose {
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        roles: Vec<String>,
        #[serde(default)]
        a: Option<Value>,
        #[serde(default)]
        exp: Option<u64>,
        #[serde(default)]
        b: Option<i64>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        #[serde(default)]
        iss: Option<String>,
        #[serde(default)]
        a: Option<Vec<u8>>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Floats {
        #[serde(default)]
        a: Option<f64>,
        #[serde(default)]
        b: Option<f32>,
        #[serde(default)]
        exp: Option<i128>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Flat {
        #[serde(default)]
        name: Option<String>,
        #[serde(flatten)]
        rest: BTreeMap<String, Value>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "lowercase")]
    enum Kind {
        Admin,
        User(String),
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(untagged)]
    enum Either {
        Num(u64),
        Text(String),
        List(Vec<Value>),
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Enums {
        #[serde(default)]
        a: Option<Kind>,
        #[serde(default)]
        b: Option<Either>,
        #[serde(default)]
        c: Option<char>,
        #[serde(default)]
        d: Option<(u8, bool)>,
        #[serde(default)]
        e: Option<()>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Nested {
        #[serde(default)]
        a: Option<BTreeMap<String, Nested>>,
        #[serde(default)]
        b: Option<Box<Nested>>,
        #[serde(default)]
        name: Option<Wrapper>,
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Wrapper(String);

    /// One payload and one type: the implication, and what the one pass
    /// said (so callers can count its yeses).
    fn agrees<T: DeserializeOwned + PartialEq + Debug>(payload: &str) -> bool {
        let mut fast_seen = vec![];
        let Some((registered, custom)) =
            Registered::one_pass::<T>(payload, |n| fast_seen.push(n.to_string()))
        else {
            return false;
        };
        let mut seen = vec![];
        let general = Registered::scan(payload, |n| seen.push(n.to_string()));
        assert_eq!(general, Ok(registered), "{payload}");
        assert_eq!(seen, fast_seen, "{payload}");
        let theirs = serde_json::from_str::<T>(payload);
        assert_eq!(theirs.ok(), Some(custom), "{payload}");
        true
    }

    /// The same for types without `PartialEq`: the general path succeeds.
    fn agrees_ignored(payload: &str) -> bool {
        let Some((registered, IgnoredAny)) = Registered::one_pass::<IgnoredAny>(payload, |_| {})
        else {
            return false;
        };
        assert_eq!(
            Registered::scan(payload, |_| {}),
            Ok(registered),
            "{payload}"
        );
        assert!(
            serde_json::from_str::<IgnoredAny>(payload).is_ok(),
            "{payload}"
        );
        true
    }

    fn all(payload: &str) -> [bool; 11] {
        [
            agrees::<App>(payload),
            agrees::<Loose>(payload),
            agrees::<Strict>(payload),
            agrees::<Floats>(payload),
            agrees::<Flat>(payload),
            agrees::<Enums>(payload),
            agrees::<Nested>(payload),
            agrees::<Value>(payload),
            agrees::<BTreeMap<String, Value>>(payload),
            agrees::<Empty>(payload),
            agrees_ignored(payload),
        ]
    }

    const NUMBERS: [&str; 16] = [
        "0",
        "-0",
        "7",
        "-7",
        "1700000000",
        "18446744073709551615",
        "18446744073709551616",
        "-9223372036854775808",
        "-9223372036854775809",
        "1.5",
        "-0.0",
        "1e3",
        "1E+2",
        "255",
        "256",
        "0.1",
    ];

    const NAMES: [&str; 12] = [
        "iss", "sub", "aud", "exp", "nbf", "iat", "jti", "name", "roles", "a", "b", "c",
    ];

    fn string() -> impl Strategy<Value = String> {
        prop_oneof![
            "[a-z]{0,6}".prop_map(|s| format!("\"{s}\"")),
            any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap()),
            prop::sample::select(vec![
                r#""\u00e9\ud83d\ude00""#,
                r#""a\"b\\c\n\/""#,
                r#""\ud800""#,
                r#""\udc00x""#,
                "\"raw\u{1}\"",
                r#""admin""#,
                r#""user""#,
                r#""x""#,
            ])
            .prop_map(String::from),
        ]
    }

    /// A member name: a usual one, sometimes with its first letter escaped.
    fn name() -> impl Strategy<Value = String> {
        (prop::sample::select(NAMES.to_vec()), any::<bool>()).prop_map(|(n, escape)| {
            if escape {
                let (first, rest) = n.split_at(1);
                format!("\"\\u{:04x}{rest}\"", first.as_bytes()[0])
            } else {
                format!("\"{n}\"")
            }
        })
    }

    fn value() -> impl Strategy<Value = String> {
        let leaf = prop_oneof![
            prop::sample::select(vec!["null", "true", "false"]).prop_map(String::from),
            prop::sample::select(NUMBERS.to_vec()).prop_map(String::from),
            any::<u64>().prop_map(|n| n.to_string()),
            any::<i64>().prop_map(|n| n.to_string()),
            string(),
        ];
        leaf.prop_recursive(4, 32, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4)
                    .prop_map(|v| format!("[{}]", v.join(","))),
                prop::collection::vec(string(), 0..3).prop_map(|v| format!("[{}]", v.join(", "))),
                members(inner),
            ]
        })
    }

    fn members(value: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
        (prop::collection::vec((name(), value), 0..6), any::<bool>()).prop_map(|(m, spaced)| {
            let sep = if spaced { " , " } else { "," };
            let body: Vec<String> = m.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
            format!("{{{}}}", body.join(sep))
        })
    }

    /// A value of the type a registered claim must have, most of the time.
    fn typed(name: &str) -> BoxedStrategy<String> {
        match name {
            "iss" | "sub" | "jti" | "name" => string().boxed(),
            "aud" | "roles" => prop_oneof![
                string(),
                prop::collection::vec(string(), 0..3).prop_map(|v| format!("[{}]", v.join(","))),
            ]
            .boxed(),
            "exp" | "nbf" | "iat" => prop_oneof![
                prop::sample::select(NUMBERS.to_vec()).prop_map(String::from),
                (0..4_000_000_000u64).prop_map(|n| n.to_string()),
            ]
            .boxed(),
            _ => value().boxed(),
        }
    }

    /// The top-level object: registered claims mostly of their types.
    fn top() -> impl Strategy<Value = String> {
        let member = (name(), any::<bool>()).prop_flat_map(|(name, wild)| {
            let plain: String = name.trim_matches('"').into();
            let value = if wild { value().boxed() } else { typed(&plain) };
            (Just(name), value)
        });
        (prop::collection::vec(member, 0..7), any::<bool>()).prop_map(|(m, spaced)| {
            let sep = if spaced { " , " } else { "," };
            let body: Vec<String> = m.into_iter().map(|(k, v)| format!("{k}:{v}")).collect();
            format!("{{{}}}", body.join(sep))
        })
    }

    /// A payload, sometimes with one byte changed, inserted or removed.
    fn payload() -> impl Strategy<Value = String> {
        (top(), any::<u8>(), any::<usize>(), 0..8u8).prop_map(|(text, b, at, edit)| {
            let mut bytes = text.into_bytes();
            let at = at % (bytes.len() + 1);
            match edit {
                0 if at < bytes.len() => bytes[at] = b,
                1 => bytes.insert(at, b),
                2 if at < bytes.len() => {
                    bytes.remove(at);
                }
                _ => {}
            }
            String::from_utf8_lossy(&bytes).into_owned()
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn one_pass_never_says_yes_where_two_passes_say_otherwise(payload in payload()) {
            all(&payload);
        }
    }

    /// The property above is only worth something if the one pass says yes
    /// often on what it generates: count, per type.
    #[test]
    fn the_generated_payloads_reach_the_one_pass() {
        use proptest::strategy::ValueTree;
        let mut runner = proptest::test_runner::TestRunner::deterministic();
        let strategy = payload();
        let mut taken = [0u32; 11];
        for _ in 0..1000 {
            let payload = strategy.new_tree(&mut runner).unwrap().current();
            for (count, yes) in taken.iter_mut().zip(all(&payload)) {
                *count += u32::from(yes);
            }
        }
        // App and Strict need members the generator rarely writes right;
        // every other type is taken on a good share of the payloads.
        for (i, count) in taken.iter().enumerate() {
            let floor = if i == 0 || i == 2 { 1 } else { 100 };
            assert!(*count >= floor, "type {i}: {taken:?}");
        }
    }

    /// The cases the one pass must take (else the fast path is dead), and
    /// the ones it must leave to the general path.
    #[test]
    fn one_pass_takes_the_usual_payloads_and_declines_the_rest() {
        let usual = r#"{"sub":"u1","name":"Ada","iat":1700000000,"exp":1700000600,"iss":"https://i","aud":"https://a","roles":["admin","billing"]}"#;
        // Every type but the one that refuses unknown members.
        let mut every = [true; 11];
        every[2] = false;
        assert_eq!(all(usual), every);
        let (registered, app) = Registered::one_pass::<App>(usual, |_| {}).unwrap();
        assert_eq!(registered.aud, ["https://a"]);
        assert_eq!(app.roles, ["admin", "billing"]);
        // Whitespace, escapes, nesting, an array audience.
        let spaced = " {\n \"\\u0073ub\" : \"\\u00e9\" , \"aud\":[ \"a\" , \"b\" ], \"a\":{\"x\":[1,-2,{}]} }\t";
        assert_eq!(
            all(spaced),
            [
                false, true, false, false, true, false, false, true, true, true, true
            ]
        );
        // A registered claim of the wrong type, a repeated name at any
        // depth, a float, `-0`, a big integer, trailing data, an enum:
        // each declines for every type (or, for the number and enum
        // cases, for the types that read them).
        for bad in [
            r#"{"exp":"soon"}"#,
            r#"{"aud":[1]}"#,
            r#"{"a":1,"a":2}"#,
            r#"{"a":1,"\u0061":2}"#,
            r#"{"a":{"x":1,"x":1}}"#,
            r#"{"a":[{"x":1,"x":1}]}"#,
            r#"{} {}"#,
            r#"{"a":"\ud800"}"#,
            r#"[]"#,
        ] {
            assert_eq!(all(bad), [false; 11], "{bad}");
        }
        for number in [
            "1.5",
            "-0",
            "18446744073709551616",
            "-9223372036854775809",
            "1e3",
        ] {
            let payload = format!("{{\"b\":{number}}}");
            let taken = all(&payload);
            assert!(!taken[1] && !taken[7] && !taken[8], "{payload}: {taken:?}");
            assert!(
                taken[9] && taken[10],
                "ignored members are only scanned: {payload}"
            );
        }
        assert!(!agrees::<Enums>(r#"{"a":"admin"}"#));
        assert!(
            !agrees::<Enums>(r#"{"d":[1,true,3]}"#),
            "serde_json refuses it"
        );
        for ok in [
            r#"{"b":"x"}"#,
            r#"{"c":"y"}"#,
            r#"{"d":[1,true]}"#,
            r#"{"e":null}"#,
            r#"{"b":[1]}"#,
            r#"{"b":7}"#,
            r#"{"b":"x","c":"y","d":[1,true],"e":null}"#,
        ] {
            assert!(agrees::<Enums>(ok), "{ok}");
        }
        assert!(agrees::<Nested>(r#"{"a":{"k":{"name":"n"}},"b":{"b":{}}}"#));
        // Integers at the edges serde_json reads as u64 and i64.
        assert!(agrees::<Value>(
            r#"{"b":18446744073709551615,"c":-9223372036854775808}"#
        ));
        // Nesting past the limit.
        let deep = format!("{{\"a\":{}{}}}", "[".repeat(16), "]".repeat(16));
        assert_eq!(all(&deep), [false; 11]);
        let limit = format!("{{\"a\":{}{}}}", "[".repeat(15), "]".repeat(15));
        assert!(agrees::<Value>(&limit));
    }
}
