//! A strict JSON scanner that guards everything before serde sees it.
//!
//! It validates a whole document against RFC 8259, and additionally rejects
//! repeated member names in any object (RFC 7515 section 5.2 asks JWS parsers
//! to reject or use the last; we reject), nesting deeper than a limit, and
//! lone UTF-16 surrogates in `\u` escapes. It reports the top-level members of
//! an object as borrowed slices, so the header and the registered claims are
//! read without building a tree or copying strings that carry no escapes.
//!
//! Its cost is O(n log n) in the document's length whatever the document:
//! the input is untrusted and read before any signature is checked. Each
//! member name is unescaped once; an object's first `SMALL_OBJECT` names
//! are compared one by one, and past that its names go into a `BTreeSet`
//! (no hashing, so no hash-flooding worst case, and no `std` needed).

use alloc::borrow::Cow;
use alloc::collections::BTreeSet;
use alloc::string::String;
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::mem;

use crate::error::Error;

pub(crate) mod de;

/// The deepest nesting of arrays and objects accepted by default.
pub(crate) const DEFAULT_MAX_DEPTH: usize = 16;

/// Names an object may have before its duplicate check moves from a scan of
/// the earlier names to a sorted set. Below this a scan of a few borrowed
/// strings is cheaper than a tree and allocates nothing; above it a scan
/// would make the object's cost quadratic in its member count.
const SMALL_OBJECT: usize = 12;

/// How many bytes of a string [`Scanner::plain_run`] looks at one by one
/// before it searches the rest with `memchr2`.
const SHORT_RUN: usize = 32;

/// The position of the first quote, backslash or control character in
/// `bytes`: eight bytes at a time, then one by one.
fn first_stop(bytes: &[u8]) -> Option<usize> {
    let mut words = bytes.chunks_exact(8);
    let mut at = 0;
    for word in words.by_ref() {
        let mut w = [0u8; 8];
        w.copy_from_slice(word);
        let found = stops(u64::from_le_bytes(w));
        if found != 0 {
            // The lowest flagged byte is exact (only bytes above a true
            // match can be flagged falsely), and it comes first.
            return Some(at + (found.trailing_zeros() / 8) as usize);
        }
        at += 8;
    }
    words
        .remainder()
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)
        .map(|i| at + i)
}

/// The high bit of each byte of `w` that is a quote, a backslash or below
/// 0x20 (with possible false flags only above the lowest true one).
fn stops(w: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    // Below `n` (at most 0x80): the byte minus `n` borrows into its high
    // bit, which the byte itself does not have.
    let below = |x: u64, n: u64| x.wrapping_sub(ONES * n) & !x;
    let quote = w ^ (ONES * u64::from(b'"'));
    let backslash = w ^ (ONES * u64::from(b'\\'));
    (below(quote, 1) | below(backslash, 1) | below(w, 0x20)) & HIGH
}

/// A JSON string as it appears in the document, quotes removed.
#[derive(Clone, Copy, Debug)]
pub(crate) struct JsonStr<'a> {
    raw: &'a str,
    escaped: bool,
}

impl<'a> JsonStr<'a> {
    /// The string's value, unescaped. Borrows when there was nothing to unescape.
    #[inline]
    pub(crate) fn value(&self) -> Cow<'a, str> {
        if self.escaped {
            Cow::Owned(unescape(self.raw))
        } else {
            Cow::Borrowed(self.raw)
        }
    }

    /// The string as written, if that is its value (it has no escapes).
    pub(crate) fn plain(&self) -> Option<&'a str> {
        (!self.escaped).then_some(self.raw)
    }

    /// Whether the unescaped value equals `s`. Allocates nothing.
    pub(crate) fn eq_str(&self, s: &str) -> bool {
        if self.escaped {
            Unescaped(self.raw.chars()).eq(s.chars())
        } else {
            self.raw == s
        }
    }
}

/// A member name, unescaped once when it is read, and compared as such (so
/// `"a"` and `"\u0061"` are the same name).
struct Name<'a>(Cow<'a, str>);

const NO_NAME: Name<'static> = Name(Cow::Borrowed(""));

impl PartialEq for Name<'_> {
    fn eq(&self, other: &Self) -> bool {
        cost::compared();
        let (a, b) = (self.0.as_bytes(), other.0.as_bytes());
        // Names in a token are short and often of one length (`iss`,
        // `sub`, `aud`, `exp`...): their last bytes tell most apart
        // without a call to `memcmp`.
        a.len() == b.len() && a.last() == b.last() && a == b
    }
}

impl Eq for Name<'_> {}

impl Ord for Name<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        cost::compared();
        self.0.cmp(&other.0)
    }
}

impl PartialOrd for Name<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
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
    member: impl FnMut(JsonStr<'a>, Value<'a>) -> Result<(), Error>,
) -> Result<(), Error> {
    for_each_member_limited(doc, max_depth, usize::MAX, "", member)
}

/// Like [`for_each_member`], and fails with `Error::Malformed(too_many)` as
/// soon as the document has more than `max_members` members, counting
/// those of nested objects too: nothing past the limit is scanned.
pub(crate) fn for_each_member_limited<'a>(
    doc: &'a str,
    max_depth: usize,
    max_members: usize,
    too_many: &'static str,
    mut member: impl FnMut(JsonStr<'a>, Value<'a>) -> Result<(), Error>,
) -> Result<(), Error> {
    let mut s = Scanner::new(doc, max_depth);
    s.members_left = max_members;
    s.too_many = too_many;
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
    // Already validated, including its depth; no limit needed again.
    let mut s = Scanner::new(array, usize::MAX);
    s.array_elements(1, &mut element)
}

/// The member names of every open object that is still small, innermost
/// last. The first few live on the stack, so a typical header or payload
/// allocates nothing here.
struct KeyStack<'a> {
    inline: [Name<'a>; INLINE_KEYS],
    len: usize,
    /// Once more names are open than fit inline, all of them move here.
    heap: Vec<Name<'a>>,
}

const INLINE_KEYS: usize = 12;

impl<'a> KeyStack<'a> {
    fn new() -> Self {
        Self {
            inline: [NO_NAME; INLINE_KEYS],
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

    fn push(&mut self, name: Name<'a>) {
        if !self.heap.is_empty() {
            self.heap.push(name);
        } else if let Some(slot) = self.inline.get_mut(self.len) {
            *slot = name;
            self.len += 1;
        } else {
            self.heap.reserve(2 * INLINE_KEYS);
            self.heap
                .extend(self.inline.iter_mut().map(|n| mem::replace(n, NO_NAME)));
            // Inline again, from empty, once the heap is emptied.
            self.len = 0;
            self.heap.push(name);
        }
    }

    fn since(&self, from: usize) -> &[Name<'a>] {
        if self.heap.is_empty() {
            self.inline.get(from..self.len).unwrap_or_default()
        } else {
            self.heap.get(from..).unwrap_or_default()
        }
    }

    /// Moves the names from `from` on into `set`.
    fn move_since(&mut self, from: usize, set: &mut BTreeSet<Name<'a>>) {
        if self.heap.is_empty() {
            let open = self.inline.get_mut(from..self.len).unwrap_or_default();
            set.extend(open.iter_mut().map(|n| mem::replace(n, NO_NAME)));
            self.len = self.len.min(from);
        } else {
            let from = from.min(self.heap.len());
            set.extend(self.heap.drain(from..));
        }
    }

    fn truncate(&mut self, to: usize) {
        if self.heap.is_empty() {
            // Closed names stay in their slots until reused or the scan
            // ends: at most `INLINE_KEYS` of them.
            self.len = self.len.min(to);
        } else {
            self.heap.truncate(to);
        }
    }
}

struct Scanner<'a> {
    src: &'a str,
    bytes: &'a [u8],
    pos: usize,
    max_depth: usize,
    /// How many more member names the document may have, at any depth.
    members_left: usize,
    /// The error text once `members_left` runs out.
    too_many: &'static str,
    /// Member names of every small object currently open, innermost last.
    keys: KeyStack<'a>,
}

impl<'a> Scanner<'a> {
    fn new(src: &'a str, max_depth: usize) -> Self {
        Self {
            src,
            bytes: src.as_bytes(),
            pos: 0,
            max_depth,
            members_left: usize::MAX,
            too_many: "",
            keys: KeyStack::new(),
        }
    }

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
        // This object's names once there are too many to scan: see `remember`.
        let mut many = None;
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
            self.members_left = self
                .members_left
                .checked_sub(1)
                .ok_or(Error::Malformed(self.too_many))?;
            if !self.remember(&key, first_key, &mut many) {
                return Err(Error::Malformed("JSON object has a duplicate member name"));
            }
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

    /// Adds `key` to the names of the object being scanned, whose names are
    /// `self.keys` from `first` on while it is small and `many` after.
    /// Returns false if the object already has that name.
    fn remember(
        &mut self,
        key: &JsonStr<'a>,
        first: usize,
        many: &mut Option<BTreeSet<Name<'a>>>,
    ) -> bool {
        let name = Name(key.value());
        if let Some(names) = many {
            return names.insert(name);
        }
        let seen = self.keys.since(first);
        if seen.contains(&name) {
            return false;
        }
        if seen.len() < SMALL_OBJECT {
            self.keys.push(name);
            return true;
        }
        cost::set_built();
        let mut names = BTreeSet::new();
        self.keys.move_since(first, &mut names);
        names.insert(name);
        *many = Some(names);
        true
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
        self.string_inline()
    }

    /// [`Scanner::string`], inlined where a member name is read on the hot
    /// path: returned through memory, the string's fields were copied by
    /// loads wider than the stores that wrote them, a store-forwarding
    /// stall that cost about 4 % of a verification.
    #[inline(always)]
    fn string_inline(&mut self) -> Result<JsonStr<'a>, Error> {
        self.pos += 1;
        let start = self.pos;
        let mut escaped = false;
        loop {
            match self.peek() {
                Some(b'"') => {
                    let raw = &self.src[start..self.pos];
                    self.pos += 1;
                    return Ok(JsonStr { raw, escaped });
                }
                // Escapes often follow one another: no search between them.
                Some(b'\\') => {
                    escaped = true;
                    self.escape()?;
                }
                _ => self.pos += self.plain_run()?,
            }
        }
    }

    /// The length of the run of plain characters at `self.pos`, up to the
    /// next quote or backslash; the run may hold no raw control character.
    fn plain_run(&self) -> Result<usize, Error> {
        let rest = self.bytes.get(self.pos..).unwrap_or_default();
        // Most strings in a token are short: eight bytes at a time over the
        // first few finds their end sooner than a vector search can start.
        let head = rest.get(..SHORT_RUN).unwrap_or(rest);
        if let Some(run) = first_stop(head)
            && matches!(head[run], b'"' | b'\\')
        {
            return Ok(run);
        }
        // A long run, or a control character (which is an error, but the
        // error says "not terminated" when no end follows it).
        let Some(run) = memchr::memchr2(b'"', b'\\', rest) else {
            return Err(Error::Malformed("JSON string is not terminated"));
        };
        if rest[..run].iter().fold(false, |bad, &b| bad | (b < 0x20)) {
            return Err(Error::Malformed("JSON string has a raw control character"));
        }
        Ok(run)
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
    cost::unescaped();
    let mut out = String::with_capacity(raw.len());
    out.extend(Unescaped(raw.chars()));
    out
}

/// The characters of the body of a string the scanner has already
/// validated, unescaped one by one: comparing through it allocates nothing.
struct Unescaped<'a>(core::str::Chars<'a>);

impl Iterator for Unescaped<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let chars = &mut self.0;
        let c = chars.next()?;
        if c != '\\' {
            return Some(c);
        }
        Some(match chars.next()? {
            'b' => '\u{8}',
            'f' => '\u{c}',
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'u' => {
                let hi = hex_unit(chars);
                let code = if (0xd800..0xdc00).contains(&hi) {
                    // The scanner guaranteed a `\uXXXX` low surrogate follows.
                    chars.next();
                    chars.next();
                    let lo = hex_unit(chars);
                    0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00)
                } else {
                    hi
                };
                char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER)
            }
            other => other,
        })
    }
}

fn hex_unit(chars: &mut core::str::Chars<'_>) -> u32 {
    (0..4).fold(0, |acc, _| {
        acc << 4 | chars.next().and_then(|c| c.to_digit(16)).unwrap_or(0)
    })
}

/// Counts of the guard's per-name work, so tests can pin its complexity
/// without timing anything. Outside tests they compile to nothing.
#[cfg(test)]
pub(crate) mod cost {
    extern crate std;

    use core::cell::Cell;

    /// What the guard did since the last [`take`].
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
    pub(crate) struct Cost {
        /// Comparisons of two member names, in a scan or in a set.
        pub(crate) comparisons: u64,
        /// Escaped strings unescaped (each one allocates).
        pub(crate) unescapes: u64,
        /// Objects whose names moved into a set (which allocates).
        pub(crate) sets: u64,
    }

    // Per thread: tests run in parallel.
    std::thread_local! {
        static COST: Cell<Cost> = const {
            Cell::new(Cost { comparisons: 0, unescapes: 0, sets: 0 })
        };
    }

    fn add(f: impl FnOnce(&mut Cost)) {
        COST.with(|c| {
            let mut cost = c.get();
            f(&mut cost);
            c.set(cost);
        });
    }

    pub(super) fn compared() {
        add(|c| c.comparisons += 1);
    }

    pub(super) fn unescaped() {
        add(|c| c.unescapes += 1);
    }

    pub(super) fn set_built() {
        add(|c| c.sets += 1);
    }

    pub(crate) fn take() -> Cost {
        COST.with(Cell::take)
    }
}

#[cfg(not(test))]
mod cost {
    pub(super) fn compared() {}
    pub(super) fn unescaped() {}
    pub(super) fn set_built() {}
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

/// The eight-at-a-time search against the plain one, on bytes drawn to
/// hold stops, near-stops (0x01, 0x1f, 0x20, 0x21, 0x23, 0x5b, 0x5d,
/// 0x7f) and bytes past ASCII at every position.
#[cfg(test)]
mod first_stop_tests {
    use super::first_stop;
    use alloc::vec::Vec;
    use proptest::prelude::*;

    fn byte() -> impl Strategy<Value = u8> {
        prop_oneof![
            prop::sample::select(vec![
                b'"', b'\\', 0x00, 0x01, 0x1f, 0x20, 0x21, 0x23, 0x5b, 0x5d, 0x7f, 0x80, 0xa2,
                0xdc, 0xff, b'a',
            ]),
            any::<u8>(),
            0x20u8..0x7f,
        ]
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(4000))]

        #[test]
        fn finds_the_first_quote_backslash_or_control(bytes in proptest::collection::vec(byte(), 0..40)) {
            let plain = bytes.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20);
            prop_assert_eq!(first_stop(&bytes), plain);
        }
    }

    #[test]
    fn every_byte_at_every_position() {
        for at in 0..17 {
            for b in 0..=255u8 {
                let mut bytes: Vec<u8> = vec![b'a'; 17];
                bytes[at] = b;
                let stop = b == b'"' || b == b'\\' || b < 0x20;
                assert_eq!(first_stop(&bytes), stop.then_some(at), "{b:#x} at {at}");
                // With a stop after it, which must not hide it or be hidden.
                bytes.push(b'"');
                assert_eq!(
                    first_stop(&bytes),
                    Some(if stop { at } else { 17 }),
                    "{b:#x} at {at}"
                );
            }
        }
    }
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
            // Two (or three) in one run: none may cancel another out.
            (
                "{\"a\":\"x\x01\x1fy\"}",
                "JSON string has a raw control character",
            ),
            (
                "{\"a\":\"\n\t\r\"}",
                "JSON string has a raw control character",
            ),
            (
                "{\"a\\u0041\x00\x00\":1}",
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
            r#"{"a":[0,-1,1.5,-0.25,1e5,1E5,1e+5,1e-5,1E+05,-2.5E-3]}"#,
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

    /// The string writer: the short escapes for `"`, `\`, newline, return
    /// and tab, `\u00XX` for the other control characters, everything else
    /// as it is; and whatever it writes reads back as the same string.
    #[test]
    fn push_string_writes_the_short_escapes() {
        let mut out = String::new();
        push_string(&mut out, "a\"b\\c\nd\re\tf\u{1}\u{8}\u{1f}g\u{7f}é😀");
        assert_eq!(
            out,
            "\"a\\\"b\\\\c\\nd\\re\\tf\\u0001\\u0008\\u001fg\u{7f}é😀\""
        );
        for c in (0u32..0x80).filter_map(char::from_u32) {
            let text = format!("x{c}y");
            let mut out = String::new();
            push_string(&mut out, &text);
            assert_eq!(serde_json::from_str::<String>(&out).unwrap(), text);
        }
    }

    #[test]
    fn eq_str_compares_unescaped_values_without_allocating() {
        let doc = r#"{"alg":0,"\u0061lg2":0,"\ud83d\ude00\n":0,"a\"b":0}"#;
        let mut seen = vec![];
        cost::take();
        for_each_member(doc, DEFAULT_MAX_DEPTH, |k, _| {
            seen.push(["alg", "alg2", "😀\n", "a\"b", "al", "", "\\u0061lg2"].map(|s| k.eq_str(s)));
            Ok(())
        })
        .unwrap();
        let f = false;
        assert_eq!(
            seen,
            [
                [true, f, f, f, f, f, f],
                [f, true, f, f, f, f, f],
                [f, f, true, f, f, f, f],
                [f, f, f, true, f, f, f],
            ]
        );
        // The guard unescaped each of the three escaped names once.
        assert_eq!(cost::take().unescapes, 3);
    }

    /// The guard's work on `doc` with nothing to do per member.
    fn cost_of(doc: &str) -> (Result<(), Error>, cost::Cost) {
        cost::take();
        let result = for_each_member(doc, DEFAULT_MAX_DEPTH, |_, _| Ok(()));
        (result, cost::take())
    }

    /// `n` distinct member names as they appear in a document, every other
    /// one written with escapes (`\u006b` is `k`, the surrogate pair is 😀).
    fn names(n: usize, width: usize) -> Vec<String> {
        (0..n)
            .map(|i| match i % 4 {
                0 | 2 => format!("k{i:0width$}"),
                1 => format!("\\u006b{i:0width$}"),
                _ => format!("\\ud83d\\ude00{i:0width$}"),
            })
            .collect()
    }

    fn object(names: &[String], value: &str) -> String {
        let members: Vec<String> = names.iter().map(|n| format!("\"{n}\":{value}")).collect();
        format!("{{{}}}", members.join(","))
    }

    /// What an O(n log n) guard may spend on `n` names. A B-tree node holds
    /// up to 11 names and, but for the root, at least 5, so an insert
    /// compares with at most 11 * (log6(n) + 1) <= 6 * (log2(n) + 1) of
    /// them. A scan of all earlier names would make n / 2 on average.
    fn n_log_n(n: usize) -> u64 {
        let n = u64::try_from(n).unwrap();
        6 * n * u64::from(n.ilog2() + 1)
    }

    #[test]
    fn cost_is_n_log_n_in_the_number_of_names() {
        for n in [1024, 4096] {
            let escaped =
                u64::try_from(names(n, 0).iter().filter(|k| k.contains('\\')).count()).unwrap();
            // One object, names in arbitrary, ascending and descending
            // order (sorted insertion is a B-tree's worst case).
            let mut descending = names(n, 5);
            descending.reverse();
            for (order, list) in [
                ("arbitrary", names(n, 0)),
                ("ascending", names(n, 5)),
                ("descending", descending),
            ] {
                let (result, cost) = cost_of(&object(&list, "0"));
                assert_eq!(result, Ok(()), "{order}");
                assert!(
                    cost.comparisons <= n_log_n(n),
                    "{n} names, {order}: {} comparisons",
                    cost.comparisons
                );
                // Each name is unescaped once, never per comparison.
                assert_eq!(cost.unescapes, escaped, "{order}");
                assert_eq!(cost.sets, 1, "{order}");
            }
            // The same names in every object of a chain 16 deep.
            let per_level = names(n / 15, 0);
            let mut doc = object(&per_level, "0");
            for _ in 0..15 {
                doc = format!(
                    "{{{},\"o\":{doc}}}",
                    &object(&per_level, "0")[1..].trim_end_matches('}')
                );
            }
            let (result, cost) = cost_of(&doc);
            assert_eq!(result, Ok(()));
            assert!(
                cost.comparisons <= n_log_n(n),
                "chain: {}",
                cost.comparisons
            );
            // Many small sibling objects reusing names, inside one large one.
            let small = object(&names(SMALL_OBJECT, 0), "0");
            let siblings: Vec<String> = (0..n / SMALL_OBJECT).map(|_| small.clone()).collect();
            let doc = format!(
                "{{\"x\":[{}],{}",
                siblings.join(","),
                &object(&names(n, 0), "0")[1..]
            );
            let (result, cost) = cost_of(&doc);
            assert_eq!(result, Ok(()));
            assert!(
                cost.comparisons <= 2 * n_log_n(n),
                "siblings: {}",
                cost.comparisons
            );
            // A late escaped twin is still found, at the same cost.
            let mut twin = names(n, 0);
            twin.push("\\u006b0".into());
            let (result, cost) = cost_of(&object(&twin, "0"));
            assert_eq!(
                result,
                Err(Error::Malformed("JSON object has a duplicate member name"))
            );
            assert!(
                cost.comparisons <= n_log_n(n + 1),
                "twin: {}",
                cost.comparisons
            );
        }
    }

    #[test]
    fn small_objects_of_plain_names_neither_unescape_nor_build_sets() {
        let doc = object(
            &names(SMALL_OBJECT, 0)
                .into_iter()
                .filter(|n| !n.contains('\\'))
                .collect::<Vec<_>>(),
            r#"{"a":1,"b":[{"a":1,"c":2}]}"#,
        );
        let (result, cost) = cost_of(&doc);
        assert_eq!(result, Ok(()));
        assert_eq!((cost.unescapes, cost.sets), (0, 0));
        // One name more than a scan handles moves the object into a set.
        let (result, cost) = cost_of(&object(&names(SMALL_OBJECT + 1, 0), "0"));
        assert_eq!(result, Ok(()));
        assert_eq!(cost.sets, 1);
    }

    #[test]
    fn member_limit_counts_every_depth() {
        let too_many = Err(Error::Malformed("too many"));
        let limited = |doc: &str, max| {
            for_each_member_limited(doc, DEFAULT_MAX_DEPTH, max, "too many", |_, _| Ok(()))
        };
        let flat = object(&names(5, 0), "0");
        assert_eq!(limited(&flat, 6), Ok(()));
        assert_eq!(limited(&flat, 5), Ok(()));
        assert_eq!(limited(&flat, 4), too_many);
        // Two top-level members, five in all.
        let nested = r#"{"a":{"b":[{"c":1}]},"d":{"e":2}}"#;
        assert_eq!(limited(nested, 5), Ok(()));
        assert_eq!(limited(nested, 4), too_many);
        // The limit is hit before anything after it is looked at.
        assert_eq!(limited(r#"{"a":1,"b":2,"c":"#, 2), too_many);
        assert_eq!(limited(r#"{"a":1,"a":2}"#, 1), too_many);
    }
}
