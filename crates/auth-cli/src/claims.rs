//! Turning `--claims` JSON and `--ttl` into auth-core claims.

use auth_core::Claims;
use serde_json::{Map, Value};

use crate::Failure;

/// Moves the registered claims out of `map` into `Claims` fields (checking
/// their types) and keeps the rest as custom claims.
pub(crate) fn from_json(
    mut map: Map<String, Value>,
) -> Result<Claims<Map<String, Value>>, Failure> {
    let text = |map: &mut Map<String, Value>, name: &str| match map.remove(name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(Failure::usage(format!(
            "--claims: `{name}` must be a string"
        ))),
    };
    let date = |map: &mut Map<String, Value>, name: &str| match map.remove(name) {
        None => Ok(None),
        Some(Value::Number(n)) if n.as_u64().is_some() => Ok(n.as_u64()),
        Some(_) => Err(Failure::usage(format!(
            "--claims: `{name}` must be a non-negative integer (seconds since the epoch)"
        ))),
    };
    let iss = text(&mut map, "iss")?;
    let sub = text(&mut map, "sub")?;
    let jti = text(&mut map, "jti")?;
    let exp = date(&mut map, "exp")?;
    let nbf = date(&mut map, "nbf")?;
    let iat = date(&mut map, "iat")?;
    let aud = match map.remove("aud") {
        None => Vec::new(),
        Some(Value::String(s)) => vec![s],
        Some(Value::Array(items)) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                _ => Err(Failure::usage(
                    "--claims: `aud` must be a string or an array of strings",
                )),
            })
            .collect::<Result<_, _>>()?,
        Some(_) => {
            return Err(Failure::usage(
                "--claims: `aud` must be a string or an array of strings",
            ));
        }
    };
    let mut claims = Claims::new(map);
    claims.iss = iss;
    claims.sub = sub;
    claims.jti = jti;
    claims.exp = exp;
    claims.nbf = nbf;
    claims.iat = iat;
    claims.aud = aud;
    Ok(claims)
}

/// `90s`, `15m`, `1h`, `7d` (or plain seconds) to seconds.
pub(crate) fn parse_duration(text: &str) -> Result<u64, String> {
    let (digits, unit) = match text.find(|c: char| !c.is_ascii_digit()) {
        Some(i) => text.split_at(i),
        None => (text, "s"),
    };
    let value: u64 = digits
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like 90s, 15m, 1h or 7d"))?;
    let scale = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "`{text}` is not a duration like 90s, 15m, 1h or 7d"
            ));
        }
    };
    value
        .checked_mul(scale)
        .ok_or_else(|| format!("`{text}` is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(90));
        assert_eq!(parse_duration("15m"), Ok(900));
        assert_eq!(parse_duration("1h"), Ok(3600));
        assert_eq!(parse_duration("7d"), Ok(604_800));
        assert_eq!(parse_duration("42"), Ok(42));
        assert!(parse_duration("1w").is_err());
        assert!(parse_duration("h").is_err());
        assert!(parse_duration("-5s").is_err());
        assert!(parse_duration("99999999999999999999d").is_err());
        assert!(parse_duration("999999999999999999d").is_err());
    }
}
