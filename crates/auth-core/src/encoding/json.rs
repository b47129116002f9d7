//! A strict JSON scanner that guards everything before serde sees it.
//!
//! It validates a whole document against RFC 8259, and additionally rejects
//! repeated member names in any object (RFC 7515 section 5.2 asks JWS parsers
//! to reject or use the last; we reject), nesting deeper than a limit, and
//! lone UTF-16 surrogates in `\u` escapes. It reports the top-level members of
//! an object as borrowed slices, so the header and the registered claims are
//! read without building a tree or copying strings that carry no escapes.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;

use crate::error::Error;

/// The deepest nesting of arrays and objects accepted by default.
pub(crate) const DEFAULT_MAX_DEPTH: usize = 16;

/// A JSON string as it appears in the document, quotes removed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct JsonStr<'a> {
    raw: &'a str,
    escaped: bool,
}

impl<'a> JsonStr<'a> {
    /// The string's value, unescaped. Borrows when there was nothing to unescape.
    pub(crate) fn value(&self) -> Cow<'a, str> {
        if self.escaped {
            Cow::Owned(unescape(self.raw))
        } else {
            Cow::Borrowed(self.raw)
        }
    }

    /// Whether the unescaped value equals `s`.
    pub(crate) fn eq_str(&self, s: &str) -> bool {
        if self.escaped {
            unescape(self.raw) == s
        } else {
            self.raw == s
        }
    }

    fn same_as(&self, other: &JsonStr<'_>) -> bool {
        if !self.escaped && !other.escaped {
            self.raw == other.raw
        } else {
            self.value() == other.value()
        }
    }
}

/// One JSON value as the scanner saw it. Containers are given as their raw
/// text, already validated.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Value<'a> {
    Str(JsonStr<'a>),
    Num(&'a str),
    Bool(bool),
    Null,
    Array(&'a str),
    Object(&'a str),
}

/// Validates `doc` as one JSON object and calls `member` for each of its
/// top-level members in order.
pub(crate) fn for_each_member<'a>(
    doc: &'a str,
    max_depth: usize,
    mut member: impl FnMut(JsonStr<'a>, Value<'a>) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut s = Scanner {
        src: doc,
        bytes: doc.as_bytes(),
        pos: 0,
        max_depth,
        keys: KeyStack::new(),
    };
    s.skip_ws();
    if s.peek() != Some(b'{') {
        return Err(Error::Malformed("JSON document is not an object"));
    }
    s.object(1, &mut member)?;
    s.skip_ws();
    if s.pos != s.bytes.len() {
        return Err(Error::Malformed("JSON document has trailing data"));
    }
    Ok(())
}

/// Calls `element` for each element of an array previously returned by the
/// scanner as [`Value::Array`].
pub(crate) fn for_each_element<'a>(
    array: &'a str,
    mut element: impl FnMut(Value<'a>) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut s = Scanner {
        src: array,
        bytes: array.as_bytes(),
        pos: 0,
        // Already validated, including its depth; no limit needed again.
        max_depth: usize::MAX,
        keys: KeyStack::new(),
    };
    s.array_elements(1, &mut element)
}

/// The member names of every open object, innermost last. The first few
/// live on the stack, so a typical header or payload allocates nothing here.
struct KeyStack<'a> {
    inline: [JsonStr<'a>; INLINE_KEYS],
    len: usize,
    /// Once more names are open than fit inline, all of them move here.
    heap: Vec<JsonStr<'a>>,
}

const INLINE_KEYS: usize = 12;

impl<'a> KeyStack<'a> {
    fn new() -> Self {
        Self {
            inline: [JsonStr {
                raw: "",
                escaped: false,
            }; INLINE_KEYS],
            len: 0,
            heap: Vec::new(),
        }
    }

    fn len(&self) -> usize {
        if self.heap.is_empty() {
            self.len
        } else {
            self.heap.len()
        }
    }

    fn push(&mut self, key: JsonStr<'a>) {
        if self.heap.is_empty() && self.len < INLINE_KEYS {
            self.inline[self.len] = key;
            self.len += 1;
        } else {
            if self.heap.is_empty() {
                self.heap.extend_from_slice(&self.inline[..self.len]);
            }
            self.heap.push(key);
        }
    }

    fn since(&self, from: usize) -> &[JsonStr<'a>] {
        if self.heap.is_empty() {
            self.inline.get(from..self.len).unwrap_or_default()
        } else {
            self.heap.get(from..).unwrap_or_default()
        }
    }

    fn truncate(&mut self, to: usize) {
        if self.heap.is_empty() {
            self.len = self.len.min(to);
        } else {
            self.heap.truncate(to);
            if to == 0 {
                self.len = 0;
            }
        }
    }
}

struct Scanner<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    max_depth: usize,
    /// Member names of every object currently open, innermost last.
    keys: KeyStack<'a>,
}

impl<'a> Scanner<'a> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.peek() {
            self.pos += 1;
        }
    }

    fn expect(&mut self, byte: u8, what: &'static str) -> Result<(), Error> {
        self.skip_ws();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(Error::Malformed(what))
        }
    }

    fn value(&mut self, depth: usize) -> Result<Value<'a>, Error> {
        self.skip_ws();
        match self.peek() {
            Some(b'{') => {
                let start = self.pos;
                self.object(depth + 1, &mut |_, _| Ok(()))?;
                Ok(Value::Object(&self.src[start..self.pos]))
            }
            Some(b'[') => {
                let start = self.pos;
                self.array_elements(depth + 1, &mut |_| Ok(()))?;
                Ok(Value::Array(&self.src[start..self.pos]))
            }
            Some(b'"') => self.string().map(Value::Str),
            Some(b't') => self.literal(b"true", Value::Bool(true)),
            Some(b'f') => self.literal(b"false", Value::Bool(false)),
            Some(b'n') => self.literal(b"null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(_) => Err(Error::Malformed("JSON has an unexpected character")),
            None => Err(Error::Malformed("JSON ends early")),
        }
    }

    fn literal(&mut self, word: &'static [u8], value: Value<'a>) -> Result<Value<'a>, Error> {
        if self.bytes[self.pos..].starts_with(word) {
            self.pos += word.len();
            Ok(value)
        } else {
            Err(Error::Malformed("JSON has an unexpected character"))
        }
    }

    /// Scans an object at `self.pos` (which is `{`), calling `member` for each.
    fn object(
        &mut self,
        depth: usize,
        member: &mut dyn FnMut(JsonStr<'a>, Value<'a>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if depth > self.max_depth {
            return Err(Error::Malformed("JSON is nested too deeply"));
        }
        self.pos += 1;
        let first_key = self.keys.len();
        self.skip_ws();
        if self.peek() == Some(b'}') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            self.skip_ws();
            if self.peek() != Some(b'"') {
                return Err(Error::Malformed("JSON object member name is not a string"));
            }
            let key = self.string()?;
            if self.keys.since(first_key).iter().any(|k| k.same_as(&key)) {
                return Err(Error::Malformed("JSON object has a duplicate member name"));
            }
            self.keys.push(key);
            self.expect(b':', "JSON object member lacks ':'")?;
            let value = self.value(depth)?;
            member(key, value)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    self.keys.truncate(first_key);
                    return Ok(());
                }
                _ => return Err(Error::Malformed("JSON object lacks ',' or '}'")),
            }
        }
    }

    fn array_elements(
        &mut self,
        depth: usize,
        element: &mut dyn FnMut(Value<'a>) -> Result<(), Error>,
    ) -> Result<(), Error> {
        if depth > self.max_depth {
            return Err(Error::Malformed("JSON is nested too deeply"));
        }
        self.expect(b'[', "JSON array expected")?;
        self.skip_ws();
        if self.peek() == Some(b']') {
            self.pos += 1;
            return Ok(());
        }
        loop {
            let value = self.value(depth)?;
            element(value)?;
            self.skip_ws();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    return Ok(());
                }
                _ => return Err(Error::Malformed("JSON array lacks ',' or ']'")),
            }
        }
    }

    /// Scans a string at `self.pos` (which is `"`).
    fn string(&mut self) -> Result<JsonStr<'a>, Error> {
        self.pos += 1;
        let start = self.pos;
        let mut escaped = false;
        loop {
            // Jump to the next quote or backslash; the run before it may
            // hold no raw control character.
            let rest = self.bytes.get(self.pos..).unwrap_or_default();
            let Some(run) = memchr::memchr2(b'"', b'\\', rest) else {
                return Err(Error::Malformed("JSON string is not terminated"));
            };
            if rest[..run].iter().fold(false, |bad, &b| bad | (b < 0x20)) {
                return Err(Error::Malformed("JSON string has a raw control character"));
            }
            self.pos += run;
            if self.bytes[self.pos] == b'"' {
                let raw = &self.src[start..self.pos];
                self.pos += 1;
                return Ok(JsonStr { raw, escaped });
            }
            escaped = true;
            self.escape()?;
        }
    }

    /// Validates one escape sequence at `self.pos` (which is `\`).
    fn escape(&mut self) -> Result<(), Error> {
        match self.bytes.get(self.pos + 1) {
            Some(b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't') => {
                self.pos += 2;
                Ok(())
            }
            Some(b'u') => {
                let unit = self.hex4(self.pos + 2)?;
                self.pos += 6;
                match unit {
                    0xd800..=0xdbff => {
                        // A high surrogate must be followed by an escaped low one.
                        if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                            return Err(lone_surrogate());
                        }
                        let low = self.hex4(self.pos + 2)?;
                        if !(0xdc00..=0xdfff).contains(&low) {
                            return Err(lone_surrogate());
                        }
                        self.pos += 6;
                        Ok(())
                    }
                    0xdc00..=0xdfff => Err(lone_surrogate()),
                    _ => Ok(()),
                }
            }
            _ => Err(Error::Malformed("JSON string has an invalid escape")),
        }
    }

    fn hex4(&self, at: usize) -> Result<u16, Error> {
        let Some(digits) = self.bytes.get(at..at + 4) else {
            return Err(Error::Malformed("JSON string has an invalid escape"));
        };
        let mut unit: u16 = 0;
        for &d in digits {
            let v = char::from(d)
                .to_digit(16)
                .ok_or(Error::Malformed("JSON string has an invalid escape"))?;
            // Four hex digits fit in 16 bits.
            unit = unit << 4 | u16::try_from(v).unwrap_or(0);
        }
        Ok(unit)
    }

    /// Scans a number per the RFC 8259 grammar.
    fn number(&mut self) -> Result<Value<'a>, Error> {
        let start = self.pos;
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(bad_number()),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(bad_number());
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.pos += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(bad_number());
            }
            self.digits();
        }
        Ok(Value::Num(&self.src[start..self.pos]))
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.pos += 1;
        }
    }
}

fn bad_number() -> Error {
    Error::Malformed("JSON has an invalid number")
}

fn lone_surrogate() -> Error {
    Error::Malformed("JSON string has a lone UTF-16 surrogate")
}

/// Unescapes the body of a string the scanner has already validated.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => {
                let hi = hex_unit(&mut chars);
                let code = if (0xd800..0xdc00).contains(&hi) {
                    // The scanner guaranteed a `\uXXXX` low surrogate follows.
                    chars.next();
                    chars.next();
                    let lo = hex_unit(&mut chars);
                    0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                } else {
                    hi
                };
                out.push(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER));
            }
            Some(other) => out.push(other),
            None => {}
        }
    }
    out
}

fn hex_unit(chars: &mut core::str::Chars<'_>) -> u32 {
    (0..4).fold(0, |acc, _| {
        acc << 4 | chars.next().and_then(|c| c.to_digit(16)).unwrap_or(0)
    })
}

/// Appends `s` as a JSON string literal.
pub(crate) fn push_string(out: &mut String, s: &str) {
    out.push('"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        let escape = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x00..=0x1f => "",
            _ => continue,
        };
        // Runs between escapes are whole UTF-8 sequences: escapes are ASCII.
        out.push_str(&s[start..i]);
        if escape.is_empty() {
            out.push_str("\\u00");
            for nibble in [b >> 4, b & 0xf] {
                out.push(char::from(b"0123456789abcdef"[usize::from(nibble)]));
            }
        } else {
            out.push_str(escape);
        }
        start = i + 1;
    }
    out.push_str(&s[start..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;
    use alloc::vec;

    fn members(doc: &str) -> Result<Vec<(String, String)>, Error> {
        let mut out = vec![];
        for_each_member(doc, DEFAULT_MAX_DEPTH, |k, v| {
            let v = match v {
                Value::Str(s) => s.value().into_owned(),
                Value::Num(n) | Value::Array(n) | Value::Object(n) => n.into(),
                Value::Bool(b) => if b { "true" } else { "false" }.into(),
                Value::Null => "null".into(),
            };
            out.push((k.value().into_owned(), v));
            Ok(())
        })?;
        Ok(out)
    }

    #[test]
    fn reads_top_level_members() {
        let m = members(r#" {"a":"x\u00e9\ud83d\ude00","b":[1,{"c":null}],"d":-1.5e3,"e":true} "#)
            .unwrap();
        assert_eq!(m[0], ("a".into(), "xé😀".into()));
        assert_eq!(m[1], ("b".into(), r#"[1,{"c":null}]"#.into()));
        assert_eq!(m[2], ("d".into(), "-1.5e3".into()));
        assert_eq!(m[3], ("e".into(), "true".into()));
    }

    #[test]
    fn rejects_duplicates_at_any_depth_even_when_escaped() {
        let dup = Err(Error::Malformed("JSON object has a duplicate member name"));
        assert_eq!(members(r#"{"a":1,"a":2}"#), dup);
        assert_eq!(members(r#"{"a":1,"\u0061":2}"#), dup);
        assert_eq!(members(r#"{"x":{"b":1,"b":1}}"#), dup);
        assert_eq!(members(r#"{"x":[{"b":1,"b":1}]}"#), dup);
        // The same name in sibling objects is fine.
        assert!(members(r#"{"x":{"b":1},"y":{"b":1}}"#).is_ok());
    }

    #[test]
    fn duplicates_are_found_past_the_inline_key_stack() {
        let many: Vec<String> = (0..30).map(|i| format!("\"k{i}\":{i}")).collect();
        let doc = format!("{{{}}}", many.join(","));
        assert_eq!(members(&doc).unwrap().len(), 30);
        let dup = format!("{{{},\"k3\":0}}", many.join(","));
        assert_eq!(
            members(&dup),
            Err(Error::Malformed("JSON object has a duplicate member name"))
        );
        // Nested objects that each stay small, inside one that spills.
        let inner: Vec<String> = (0..10)
            .map(|i| format!("\"n{i}\":{{\"a\":1,\"b\":2}}"))
            .collect();
        let doc = format!("{{{},{}}}", many.join(","), inner.join(","));
        assert_eq!(members(&doc).unwrap().len(), 40);
        let bad_inner = format!("{{{},\"x\":{{\"a\":1,\"a\":2}}}}", many.join(","));
        assert_eq!(
            members(&bad_inner),
            Err(Error::Malformed("JSON object has a duplicate member name"))
        );
        // A later sibling may reuse a name from an earlier, closed object.
        let doc = format!("{{\"x\":{{{}}},\"k0\":1}}", many.join(","));
        assert_eq!(members(&doc).unwrap().len(), 2);
    }

    #[test]
    fn rejects_deep_nesting() {
        let deep = format!("{{\"a\":{}1{}}}", "[".repeat(16), "]".repeat(16));
        assert_eq!(
            members(&deep),
            Err(Error::Malformed("JSON is nested too deeply"))
        );
        let ok = format!("{{\"a\":{}1{}}}", "[".repeat(15), "]".repeat(15));
        assert!(members(&ok).is_ok());
    }

    #[test]
    fn rejects_invalid_json() {
        for (doc, why) in [
            ("[]", "JSON document is not an object"),
            ("", "JSON document is not an object"),
            ("{", "JSON object member name is not a string"),
            ("{\"a\":1", "JSON object lacks ',' or '}'"),
            ("{\"a\":1,}", "JSON object member name is not a string"),
            ("{\"a\" 1}", "JSON object member lacks ':'"),
            ("{\"a\":01}", "JSON object lacks ',' or '}'"),
            ("{\"a\":1.}", "JSON has an invalid number"),
            ("{\"a\":-}", "JSON has an invalid number"),
            ("{\"a\":1e}", "JSON has an invalid number"),
            ("{\"a\":tru}", "JSON has an unexpected character"),
            (
                "{\"a\":\"\x01\"}",
                "JSON string has a raw control character",
            ),
            ("{\"a\":\"\\x\"}", "JSON string has an invalid escape"),
            ("{\"a\":\"\\u12\"}", "JSON string has an invalid escape"),
            (
                "{\"a\":\"\\ud800\"}",
                "JSON string has a lone UTF-16 surrogate",
            ),
            (
                "{\"a\":\"\\udc00\"}",
                "JSON string has a lone UTF-16 surrogate",
            ),
            (
                "{\"a\":\"\\ud800\\u0041\"}",
                "JSON string has a lone UTF-16 surrogate",
            ),
            ("{\"a\":[1,]}", "JSON has an unexpected character"),
            ("{\"a\":1} x", "JSON document has trailing data"),
            ("{\"a\":\"x}", "JSON string is not terminated"),
        ] {
            assert_eq!(members(doc), Err(Error::Malformed(why)), "{doc:?}");
        }
    }

    #[test]
    fn agrees_with_serde_json_on_validity() {
        for doc in [
            r#"{"a":[1,2,{"b":"c"}],"d":{"e":null}}"#,
            r#"{"a":"\"\\\/\b\f\n\r\t"}"#,
            "{\"a\":\"\u{7f}\u{10ffff}\"}",
        ] {
            assert!(members(doc).is_ok(), "{doc}");
            assert!(
                serde_json::from_str::<serde_json::Value>(doc).is_ok(),
                "{doc}"
            );
        }
        // Numbers are checked for grammar only; range is the caller's concern.
        assert!(members(r#"{"a":1e400}"#).is_ok());
        assert_eq!(
            members(r#"{"a":"\"\\\/\b\f\n\r\t"}"#).unwrap()[0].1,
            "\"\\/\u{8}\u{c}\n\r\t"
        );
    }
}
