//! `NumericDate` (RFC 7519 section 2): how `exp`, `nbf` and `iat` are read.

/// Parses a JSON number as a `NumericDate` (RFC 7519 section 2): non-negative
/// seconds since the epoch, fractional seconds truncated, no later than
/// 9999-12-31T23:59:59Z.
pub(crate) fn numeric_date(raw: &str) -> Result<u64, &'static str> {
    /// 9999-12-31T23:59:59Z: anything later is a mistake or an attack.
    const MAX: u64 = 253_402_300_799;
    if raw.starts_with('-') {
        return Err("must not be negative");
    }
    // An integer, read digit by digit. Up to 19 digits cannot overflow
    // `u64`, so the usual case needs no overflow check (whose dependency
    // chain made this a few percent of a verification); past that it
    // saturates, and is then out of range below.
    let digit = |b: u8| b.is_ascii_digit().then(|| u64::from(b - b'0'));
    let integer = if raw.len() <= 19 {
        raw.bytes()
            .try_fold(0u64, |secs, b| Some(secs * 10 + digit(b)?))
    } else {
        raw.bytes().try_fold(0u64, |secs, b| {
            Some(secs.saturating_mul(10).saturating_add(digit(b)?))
        })
    };
    let secs = if let Some(secs) = integer {
        secs
    } else {
        let f: f64 = raw.parse().map_err(|_| "is not a number")?;
        #[allow(clippy::cast_precision_loss)]
        let max = MAX as f64;
        if !f.is_finite() || !(0.0..=max).contains(&f) {
            return Err("is out of range");
        }
        // In range and finite, so the truncating conversion is exact in its
        // integer part.
        #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
        let secs = f as u64;
        secs
    };
    if secs > MAX {
        return Err("is out of range");
    }
    Ok(secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numeric_dates() {
        assert_eq!(numeric_date("0"), Ok(0));
        assert_eq!(numeric_date("1300819380"), Ok(1_300_819_380));
        assert_eq!(numeric_date("1300819380.9"), Ok(1_300_819_380));
        assert_eq!(numeric_date("1.3e9"), Ok(1_300_000_000));
        assert_eq!(numeric_date("253402300799"), Ok(253_402_300_799));
        assert_eq!(numeric_date("253402300800"), Err("is out of range"));
        assert_eq!(numeric_date("18446744073709551616"), Err("is out of range"));
        // 19 digits (the most read without overflow checks) and 20.
        assert_eq!(numeric_date("9999999999999999999"), Err("is out of range"));
        assert_eq!(numeric_date("0000000000253402300"), Ok(253_402_300));
        assert_eq!(numeric_date("00000000000253402300"), Ok(253_402_300));
        assert_eq!(numeric_date("99999999999999999999"), Err("is out of range"));
        assert_eq!(numeric_date("1234567890123456789x"), Err("is not a number"));
        assert_eq!(numeric_date("123456789012345678x"), Err("is not a number"));
        assert_eq!(numeric_date("1e300"), Err("is out of range"));
        assert_eq!(numeric_date("1e400"), Err("is out of range"));
        assert_eq!(numeric_date("-1"), Err("must not be negative"));
        assert_eq!(numeric_date("-0"), Err("must not be negative"));
    }
}
