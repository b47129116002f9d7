//! One pass over a token's payload: the strict scan of the parent module
//! and the application claims type's `Deserialize`, together.
//!
//! The general path scans the payload with the guard (strict RFC 8259,
//! repeated names at any depth, nesting, surrogates), reading the
//! registered claims as it goes, then hands the same text to `serde_json`
//! for the application's type: two passes. This module does both in one:
//! a serde [`Deserializer`] whose every step is the guard's own (the same
//! [`Scanner`] methods, the same name stack), which reads the registered
//! claims as they pass and feeds every member, registered or not, to the
//! application's type as `serde_json` would.
//!
//! It only ever says yes when the general path says the same yes. Anything
//! it is not sure to treat exactly as `serde_json` does (a number that is
//! not an integer `serde_json` reads as `u64` or `i64`, an enum, bytes, a
//! raw value, a map key read as anything but a string) and every error,
//! its own or the type's, makes it decline with [`Declined`]; the caller
//! then runs the general path, which gives the one true answer, error
//! precedence included. Tests compare the two paths on generated payloads.

use alloc::collections::BTreeSet;
use core::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{Name, Scanner, Value, unescape};

/// The one pass gave up; the general path decides.
#[derive(Debug)]
pub(crate) struct Declined;

impl fmt::Display for Declined {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("declined")
    }
}

impl core::error::Error for Declined {}

impl de::Error for Declined {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Self
    }
}

type Result<T> = core::result::Result<T, Declined>;

/// A reader of the top-level object's members beside the application's
/// type (the registered claims): it is told every member's name, in order,
/// and reads the values of the members it asks for, as the guard's
/// `for_each_member` would give them.
pub(crate) trait Members<'a> {
    /// A top-level member's name (unescaped).
    fn name(&mut self, name: &str);
    /// Whether the reader reads the value of member `name` itself; it is
    /// then scanned as a [`Value`] and given to [`Members::value`] before
    /// the application's type reads it.
    fn reads(&self, name: &str) -> bool;
    /// The value of a member the reader reads; `Err` makes the pass
    /// decline.
    fn value(&mut self, name: &str, value: Value<'a>) -> core::result::Result<(), ()>;
}

/// Deserializes `T` from `doc`, a JSON object, in one strict pass,
/// giving every top-level member's name to `members` (and the value of
/// those it [reads](Members::reads)). `None`: declined.
pub(crate) fn from_str<'a, T, M>(doc: &'a str, max_depth: usize, members: &mut M) -> Option<T>
where
    T: de::Deserialize<'a>,
    M: Members<'a>,
{
    let mut s = Scanner::new(doc, max_depth);
    let value = T::deserialize(Top { s: &mut s, members }).ok()?;
    s.skip_ws();
    (s.pos == s.bytes.len()).then_some(value)
}

/// Where a map or sequence stands between calls.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Step {
    /// Just after the opening bracket.
    First,
    /// After an element or a member's value.
    Next,
    /// The closing bracket has been read.
    Done,
}

/// The next `,` or closing `close`, after a value (`Next`), or the closing
/// bracket at once (`First`). True when the container goes on.
fn more(s: &mut Scanner<'_>, step: &mut Step, close: u8) -> Result<bool> {
    s.skip_ws();
    match (*step, s.peek()) {
        (Step::Done, _) => Ok(false),
        (_, Some(b)) if b == close => {
            s.pos += 1;
            *step = Step::Done;
            Ok(false)
        }
        (Step::First, Some(_)) => {
            *step = Step::Next;
            Ok(true)
        }
        (Step::Next, Some(b',')) => {
            s.pos += 1;
            Ok(true)
        }
        _ => Err(Declined),
    }
}

/// After the application's type is done with a container: the closing
/// `close` must come next, whether or not the type asked for an element
/// past its last one (`serde_json` checks the same; anything left unread
/// is refused there too).
fn finish(s: &mut Scanner<'_>, step: Step, close: u8) -> Result<()> {
    if step == Step::Done {
        return Ok(());
    }
    s.skip_ws();
    if s.peek() == Some(close) {
        s.pos += 1;
        Ok(())
    } else {
        Err(Declined)
    }
}

/// An object's members, for the application's type; the top level's also
/// for the registered-claim reader.
struct Map<'a, 's, 'm, M> {
    s: &'s mut Scanner<'a>,
    /// The depth of the object itself (the top level is 1).
    depth: usize,
    /// Where this object's names start on the scanner's name stack.
    first_key: usize,
    /// This object's names once there are too many to scan one by one.
    many: Option<BTreeSet<Name<'a>>>,
    step: Step,
    /// The top level's reader; `None` inside.
    members: Option<&'m mut M>,
    /// The text of a value the reader has already scanned, for the
    /// application's type to read next.
    pending: Option<(usize, usize)>,
}

impl<'a, 's, 'm, M: Members<'a>> Map<'a, 's, 'm, M> {
    /// Opens the object at the scanner's position (which is `{`) at `depth`.
    fn open(s: &'s mut Scanner<'a>, depth: usize, members: Option<&'m mut M>) -> Result<Self> {
        if depth > s.max_depth {
            return Err(Declined);
        }
        s.pos += 1;
        let first_key = s.keys.len();
        Ok(Self {
            s,
            depth,
            first_key,
            many: None,
            step: Step::First,
            members,
            pending: None,
        })
    }

    /// After the application's type is done with the object.
    fn close(self) -> Result<()> {
        finish(self.s, self.step, b'}')?;
        self.s.keys.truncate(self.first_key);
        Ok(())
    }

    /// Every member left, for a type that ignores the object: each is
    /// scanned and given to the reader as the general path would.
    fn drain(&mut self) -> Result<()> {
        while self.next_key::<de::IgnoredAny>()?.is_some() {
            self.next_value::<de::IgnoredAny>()?;
        }
        Ok(())
    }
}

impl<'de, 'm, M: Members<'de>> MapAccess<'de> for Map<'de, '_, 'm, M> {
    type Error = Declined;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if !more(self.s, &mut self.step, b'}')? {
            self.s.keys.truncate(self.first_key);
            return Ok(None);
        }
        self.s.skip_ws();
        if self.s.peek() != Some(b'"') {
            return Err(Declined);
        }
        let key = self.s.string_inline().map_err(|_| Declined)?;
        if !self.s.remember(&key, self.first_key, &mut self.many) {
            return Err(Declined);
        }
        self.s.expect(b':', "").map_err(|_| Declined)?;
        if let Some(members) = self.members.as_deref_mut() {
            let name = key.value();
            members.name(&name);
            if members.reads(&name) {
                self.s.skip_ws();
                let start = self.s.pos;
                let value = self.s.value(self.depth).map_err(|_| Declined)?;
                members.value(&name, value).map_err(|()| Declined)?;
                self.pending = Some((start, self.s.pos));
            }
        }
        seed.deserialize(Key(key)).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        match self.pending.take() {
            // Read again, from its start, for the application's type: a
            // string, a number or an array of strings, already validated.
            Some((start, end)) => {
                self.s.pos = start;
                let value = seed.deserialize(De {
                    s: &mut *self.s,
                    depth: self.depth,
                    scanned: Some(end),
                })?;
                if self.s.pos == end {
                    Ok(value)
                } else {
                    Err(Declined)
                }
            }
            None => seed.deserialize(De {
                s: &mut *self.s,
                depth: self.depth,
                scanned: None,
            }),
        }
    }
}

/// An array's elements, for the application's type.
struct Seq<'a, 's> {
    s: &'s mut Scanner<'a>,
    /// The depth of the array itself.
    depth: usize,
    step: Step,
}

impl<'de> SeqAccess<'de> for Seq<'de, '_> {
    type Error = Declined;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if !more(self.s, &mut self.step, b']')? {
            return Ok(None);
        }
        seed.deserialize(De {
            s: &mut *self.s,
            depth: self.depth,
            scanned: None,
        })
        .map(Some)
    }
}

/// `deserialize_*` methods that decline whatever is asked.
macro_rules! decline {
    ($($method:ident)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
                Err(Declined)
            }
        )*
    };
}

/// The methods the top-level value and every other value share: a
/// newtype is read through (but `serde_json`'s raw value declines), and
/// enums and bytes decline; the rest is `deserialize_any`.
macro_rules! value_methods {
    () => {
        fn deserialize_newtype_struct<V: Visitor<'de>>(
            self,
            name: &'static str,
            visitor: V,
        ) -> Result<V::Value> {
            if name == RAW_VALUE {
                return Err(Declined);
            }
            visitor.visit_newtype_struct(self)
        }

        fn deserialize_enum<V: Visitor<'de>>(
            self,
            _: &'static str,
            _: &'static [&'static str],
            _: V,
        ) -> Result<V::Value> {
            Err(Declined)
        }

        decline! { deserialize_bytes deserialize_byte_buf }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
            unit unit_struct seq tuple tuple_struct map struct identifier
        }
    };
}

/// The top-level value: an object, whose members the registered-claim
/// reader sees too.
struct Top<'a, 's, 'm, M> {
    s: &'s mut Scanner<'a>,
    members: &'m mut M,
}

impl<'a, 's, 'm, M: Members<'a>> Top<'a, 's, 'm, M> {
    fn open(self) -> Result<Map<'a, 's, 'm, M>> {
        self.s.skip_ws();
        if self.s.peek() != Some(b'{') {
            return Err(Declined);
        }
        Map::open(self.s, 1, Some(self.members))
    }
}

impl<'de, M: Members<'de>> Deserializer<'de> for Top<'de, '_, '_, M> {
    type Error = Declined;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let mut map = self.open()?;
        let value = visitor.visit_map(&mut map)?;
        map.close()?;
        Ok(value)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let mut map = self.open()?;
        map.drain()?;
        visitor.visit_unit()
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // An object is not `null`: `serde_json` gives `Some`.
        visitor.visit_some(self)
    }

    value_methods!();
}

/// The name `serde_json` gives its `RawValue` newtype: a type that asks for
/// it wants the raw text, which only the general path hands out.
const RAW_VALUE: &str = "$serde_json::private::RawValue";

/// Any value inside the top-level object.
struct De<'a, 's> {
    s: &'s mut Scanner<'a>,
    /// The depth of the container holding this value.
    depth: usize,
    /// Where the value ends, when it has been scanned (validated) already.
    scanned: Option<usize>,
}

impl<'de> Deserializer<'de> for De<'de, '_> {
    type Error = Declined;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        let s = self.s;
        s.skip_ws();
        match s.peek() {
            Some(b'{') => {
                let mut map = Map::<NoMembers>::open(s, self.depth + 1, None)?;
                let value = visitor.visit_map(&mut map)?;
                map.close()?;
                Ok(value)
            }
            Some(b'[') => {
                let depth = self.depth + 1;
                if depth > s.max_depth {
                    return Err(Declined);
                }
                s.pos += 1;
                let mut seq = Seq {
                    s,
                    depth,
                    step: Step::First,
                };
                let value = visitor.visit_seq(&mut seq)?;
                finish(seq.s, seq.step, b']')?;
                Ok(value)
            }
            Some(b'"') => {
                let string = s.string().map_err(|_| Declined)?;
                match string.plain() {
                    Some(raw) => visitor.visit_borrowed_str(raw),
                    None => visitor.visit_str(&unescape(string.raw)),
                }
            }
            _ => match s.value(self.depth).map_err(|_| Declined)? {
                Value::Bool(b) => visitor.visit_bool(b),
                Value::Null => visitor.visit_unit(),
                Value::Num(text) => number(text, visitor),
                // Containers and strings were matched above.
                Value::Str(_) | Value::Array(_) | Value::Object(_) => Err(Declined),
            },
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        // Scanned (validated, names checked) as the guard does, not built;
        // once is enough.
        match self.scanned {
            Some(end) => self.s.pos = end,
            None => {
                self.s.value(self.depth).map_err(|_| Declined)?;
            }
        }
        visitor.visit_unit()
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.s.skip_ws();
        if self.s.peek() == Some(b'n') {
            self.s.literal(b"null", Value::Null).map_err(|_| Declined)?;
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    value_methods!();
}

/// A number as `serde_json` gives it to a visitor, for the integers it
/// reads as `u64` or `i64`; every other number declines. (`serde_json`
/// reads `-0` and integers past 64 bits as `f64`.)
fn number<'de, V: Visitor<'de>>(text: &str, visitor: V) -> Result<V::Value> {
    if let Some(magnitude) = text.strip_prefix('-') {
        match text.parse::<i64>() {
            Ok(n) if n != 0 && !magnitude.contains(['.', 'e', 'E']) => visitor.visit_i64(n),
            _ => Err(Declined),
        }
    } else {
        match text.parse::<u64>() {
            Ok(n) => visitor.visit_u64(n),
            Err(_) => Err(Declined),
        }
    }
}

/// A member name, for the application's type: a string, as `serde_json`'s
/// map keys are for every type that reads them as one. A key read as
/// anything else (an integer or a `bool` map key) declines.
struct Key<'a>(super::JsonStr<'a>);

impl<'de> Deserializer<'de> for Key<'de> {
    type Error = Declined;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.0.plain() {
            Some(raw) => visitor.visit_borrowed_str(raw),
            None => visitor.visit_str(&unescape(self.0.raw)),
        }
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        visitor.visit_unit()
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_any(visitor)
    }

    decline! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_bytes
        deserialize_byte_buf deserialize_option deserialize_unit deserialize_seq
        deserialize_map
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(self, _: &'static str, _: V) -> Result<V::Value> {
        Err(Declined)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: V,
    ) -> Result<V::Value> {
        Err(Declined)
    }

    fn deserialize_tuple<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value> {
        Err(Declined)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        _: V,
    ) -> Result<V::Value> {
        Err(Declined)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value> {
        Err(Declined)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value> {
        Err(Declined)
    }
}

/// The reader of a nested object: none.
enum NoMembers {}

impl<'a> Members<'a> for NoMembers {
    fn name(&mut self, _: &str) {}

    fn reads(&self, _: &str) -> bool {
        false
    }

    fn value(&mut self, _: &str, _: Value<'a>) -> core::result::Result<(), ()> {
        Ok(())
    }
}
