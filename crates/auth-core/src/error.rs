//! The one error type of auth-core.
//!
//! Every rejection has a variant that says why, and every variant has a stable
//! short code ([`Error::code`]) that adapters, the CLI and logs can rely on.
//! A failed signature or MAC check is the single detail-free
//! [`Error::BadSignature`]: it never says how close the signature came.
//!
//! Messages may quote values from the token (they came from the client that sent
//! it) but never key material.

use alloc::string::String;
use core::fmt;

use crate::alg::Algorithm;

/// Why a token, key or claim was rejected.
///
/// Match on the variant, or compare [`Error::code`] with a stable code string.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Error {
    /// The input is not a well-formed token, header, JSON document or key
    /// encoding. The text says which rule was broken.
    Malformed(&'static str),
    /// The input is larger than the configured limit.
    TooLarge {
        /// The limit in bytes.
        limit: usize,
        /// The size that was presented.
        actual: usize,
    },
    /// The header names an algorithm this library does not implement
    /// (`none` among them).
    UnsupportedAlg,
    /// The header's algorithm differs from the one the key is bound to.
    AlgMismatch {
        /// The algorithm the key is bound to.
        expected: Algorithm,
        /// The algorithm the header names.
        found: Algorithm,
    },
    /// No key in the set has the token's `kid` (or the token has none and the
    /// set cannot choose).
    UnknownKid,
    /// The signature or MAC does not verify. Deliberately says nothing more.
    BadSignature,
    /// `exp` has passed (`now >= exp + leeway`).
    Expired {
        /// The token's `exp`.
        exp: u64,
        /// The time used for the check.
        now: u64,
    },
    /// `nbf` is still in the future (`now + leeway < nbf`).
    NotYetValid {
        /// The token's `nbf`.
        nbf: u64,
        /// The time used for the check.
        now: u64,
    },
    /// `iat` is in the future beyond the leeway.
    IssuedInFuture {
        /// The token's `iat`.
        iat: u64,
        /// The time used for the check.
        now: u64,
    },
    /// The token is older than the configured maximum age (`now - iat`).
    TooOld {
        /// The token's `iat`.
        iat: u64,
        /// The configured maximum age in seconds.
        max_age: u64,
    },
    /// `iss` is not the expected issuer.
    InvalidIssuer,
    /// No `aud` value matches an expected audience.
    InvalidAudience,
    /// The subject does not match the expected one.
    InvalidSubject,
    /// A required claim is absent.
    MissingClaim(String),
    /// A claim is present but has the wrong type or an out-of-range value.
    InvalidClaim {
        /// The claim's name.
        claim: String,
        /// What is wrong with it.
        reason: &'static str,
    },
    /// The header's `typ` is not the expected type.
    InvalidType,
    /// The key cannot be used: wrong type for the algorithm, too short, a
    /// contradicting JWK member, or an unparsable encoding.
    InvalidKey(&'static str),
    /// The header lists a critical extension (`crit`) this library does not
    /// implement, or uses the unencoded payload option (`b64: false`).
    UnsupportedCrit,
    /// The operating system's random number generator failed.
    Random,
    /// The session or token store could not be reached or did not answer.
    /// Requests fail closed on this: never anonymous, never logged in.
    StoreUnavailable(String),
    /// The store answered with data this library cannot read.
    StoreCorrupt(&'static str),
    /// A login was refused because the user's sessions were revoked ("log
    /// out everywhere") after the credentials were checked, or the check is
    /// older than [`LOGIN_TICKET_TTL`](crate::session::LOGIN_TICKET_TTL).
    /// Check the credentials again.
    StaleLogin,
    /// Fresh session IDs kept colliding with stored ones: the random number
    /// generator or the store is broken (with 256-bit IDs a single
    /// collision is already beyond chance).
    IdCollision,
    /// A session record would exceed a size limit (user id or data).
    RecordTooLarge {
        /// The limit in bytes.
        limit: usize,
        /// The size that was presented.
        actual: usize,
    },
    /// The library was called in a way its contract rules out (a
    /// programming error in the caller, not bad input from a client).
    Misuse(&'static str),
    /// A refresh token that had already been used was presented again: a
    /// sign that it was stolen. Its whole family (the live token too) is
    /// revoked. Apps should log or alert on this.
    RefreshReused {
        /// Whose family was revoked.
        user_id: String,
        /// The family that was revoked (the `sid` of its access tokens).
        family_id: String,
    },
    /// The refresh token is not known: it expired, its family was revoked
    /// or ended, or it was never issued. Log in again.
    UnknownRefresh,
    /// The access token was revoked: its `jti` is on the denylist, or its
    /// login (refresh family) was logged out, revoked or has ended.
    Revoked,
    /// A refresh token was presented where an access token is expected.
    NotAccessToken,
    /// An access token (a JWT) was presented where a refresh token is
    /// expected.
    NotRefreshToken,
    /// A login was refused: the account is unknown or the password is
    /// wrong. Deliberately the same for both, so a client cannot tell
    /// which accounts exist.
    InvalidCredentials,
    /// Too many failed logins for the account or from the client's
    /// address: no password was checked. Try again in `retry_after`
    /// seconds.
    RateLimited {
        /// Whole seconds until an attempt can be let through again
        /// (rounded up, at least 1).
        retry_after: u64,
    },
}

impl Error {
    /// The stable short code of this error, e.g. `"expired"`.
    ///
    /// Codes never change once published; new variants get new codes.
    #[must_use]
    pub const fn code(&self) -> &'static str {
        match self {
            Self::Malformed(_) => "malformed",
            Self::TooLarge { .. } => "too_large",
            Self::UnsupportedAlg => "unsupported_alg",
            Self::AlgMismatch { .. } => "alg_mismatch",
            Self::UnknownKid => "unknown_kid",
            Self::BadSignature => "bad_signature",
            Self::Expired { .. } => "expired",
            Self::NotYetValid { .. } => "not_yet_valid",
            Self::IssuedInFuture { .. } => "issued_in_future",
            Self::TooOld { .. } => "too_old",
            Self::InvalidIssuer => "invalid_issuer",
            Self::InvalidAudience => "invalid_audience",
            Self::InvalidSubject => "invalid_subject",
            Self::MissingClaim(_) => "missing_claim",
            Self::InvalidClaim { .. } => "invalid_claim",
            Self::InvalidType => "invalid_type",
            Self::InvalidKey(_) => "invalid_key",
            Self::UnsupportedCrit => "unsupported_crit",
            Self::Random => "random_failure",
            Self::StoreUnavailable(_) => "store_unavailable",
            Self::StoreCorrupt(_) => "store_corrupt",
            Self::StaleLogin => "stale_login",
            Self::IdCollision => "id_collision",
            Self::RecordTooLarge { .. } => "record_too_large",
            Self::Misuse(_) => "misuse",
            Self::RefreshReused { .. } => "refresh_reused",
            Self::UnknownRefresh => "unknown_refresh",
            Self::Revoked => "revoked",
            Self::NotAccessToken => "not_access_token",
            Self::NotRefreshToken => "not_refresh_token",
            Self::InvalidCredentials => "invalid_credentials",
            Self::RateLimited { .. } => "rate_limited",
        }
    }

    pub(crate) fn invalid_claim(claim: &str, reason: &'static str) -> Self {
        Self::InvalidClaim {
            claim: claim.into(),
            reason,
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Malformed(why) => f.write_str(why),
            Self::TooLarge { limit, actual } => {
                write!(f, "input is {actual} bytes, over the limit of {limit}")
            }
            Self::UnsupportedAlg => f.write_str("unsupported algorithm"),
            Self::AlgMismatch { expected, found } => write!(
                f,
                "the key is bound to {} but the header says {}",
                expected.name(),
                found.name()
            ),
            Self::UnknownKid => f.write_str("no key matches the token's key id"),
            Self::BadSignature => f.write_str("signature verification failed"),
            Self::Expired { exp, now } => write!(f, "token expired at {exp} (now {now})"),
            Self::NotYetValid { nbf, now } => {
                write!(f, "token not valid before {nbf} (now {now})")
            }
            Self::IssuedInFuture { iat, now } => {
                write!(f, "token issued in the future at {iat} (now {now})")
            }
            Self::TooOld { iat, max_age } => {
                write!(f, "token issued at {iat} is older than {max_age} s")
            }
            Self::InvalidIssuer => f.write_str("issuer is not the expected one"),
            Self::InvalidAudience => f.write_str("no audience matches the expected ones"),
            Self::InvalidSubject => f.write_str("subject is not the expected one"),
            Self::MissingClaim(claim) => write!(f, "required claim `{claim}` is missing"),
            Self::InvalidClaim { claim, reason } => write!(f, "claim `{claim}` {reason}"),
            Self::InvalidType => f.write_str("header `typ` is not the expected type"),
            Self::InvalidKey(why) => write!(f, "invalid key: {why}"),
            Self::UnsupportedCrit => {
                f.write_str("the header requires an extension this library does not implement")
            }
            Self::Random => f.write_str("the system random number generator failed"),
            Self::StoreUnavailable(why) => write!(f, "the store is unavailable: {why}"),
            Self::StoreCorrupt(why) => write!(f, "the store returned unreadable data: {why}"),
            Self::StaleLogin => f.write_str(
                "the user's sessions were revoked after the credentials were checked; check them again",
            ),
            Self::IdCollision => f.write_str("fresh session ids kept colliding with stored ones"),
            Self::RecordTooLarge { limit, actual } => {
                write!(f, "session record field is {actual} bytes, over the limit of {limit}")
            }
            Self::Misuse(why) => write!(f, "misuse: {why}"),
            Self::RefreshReused { user_id, family_id } => write!(
                f,
                "a used refresh token was presented again: family {family_id} of user {user_id} is revoked"
            ),
            Self::UnknownRefresh => f.write_str("the refresh token is not known or has ended"),
            Self::Revoked => f.write_str("the token was revoked"),
            Self::NotAccessToken => {
                f.write_str("a refresh token was presented where an access token is expected")
            }
            Self::NotRefreshToken => {
                f.write_str("an access token was presented where a refresh token is expected")
            }
            Self::InvalidCredentials => f.write_str("invalid credentials"),
            Self::RateLimited { retry_after } => {
                write!(f, "too many failed logins; retry in {retry_after} s")
            }
        }
    }
}

impl core::error::Error for Error {}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::collections::BTreeSet;
    use alloc::string::ToString;
    use alloc::vec;

    /// Codes are a published contract: pinned here, one per variant, and
    /// never shared.
    #[test]
    fn codes_are_pinned_and_unique() {
        let pinned = vec![
            (Error::Malformed("x"), "malformed"),
            (
                Error::TooLarge {
                    limit: 1,
                    actual: 2,
                },
                "too_large",
            ),
            (Error::UnsupportedAlg, "unsupported_alg"),
            (
                Error::AlgMismatch {
                    expected: Algorithm::Hs256,
                    found: Algorithm::Es256,
                },
                "alg_mismatch",
            ),
            (Error::UnknownKid, "unknown_kid"),
            (Error::BadSignature, "bad_signature"),
            (Error::Expired { exp: 1, now: 2 }, "expired"),
            (Error::NotYetValid { nbf: 2, now: 1 }, "not_yet_valid"),
            (Error::IssuedInFuture { iat: 2, now: 1 }, "issued_in_future"),
            (Error::TooOld { iat: 1, max_age: 0 }, "too_old"),
            (Error::InvalidIssuer, "invalid_issuer"),
            (Error::InvalidAudience, "invalid_audience"),
            (Error::InvalidSubject, "invalid_subject"),
            (Error::MissingClaim("exp".into()), "missing_claim"),
            (
                Error::invalid_claim("exp", "is not a number"),
                "invalid_claim",
            ),
            (Error::InvalidType, "invalid_type"),
            (Error::InvalidKey("x"), "invalid_key"),
            (Error::UnsupportedCrit, "unsupported_crit"),
            (Error::Random, "random_failure"),
            (Error::StoreUnavailable("x".into()), "store_unavailable"),
            (Error::StoreCorrupt("x"), "store_corrupt"),
            (Error::StaleLogin, "stale_login"),
            (Error::IdCollision, "id_collision"),
            (
                Error::RecordTooLarge {
                    limit: 1,
                    actual: 2,
                },
                "record_too_large",
            ),
            (Error::Misuse("x"), "misuse"),
            (
                Error::RefreshReused {
                    user_id: "u".into(),
                    family_id: "f".into(),
                },
                "refresh_reused",
            ),
            (Error::UnknownRefresh, "unknown_refresh"),
            (Error::Revoked, "revoked"),
            (Error::NotAccessToken, "not_access_token"),
            (Error::NotRefreshToken, "not_refresh_token"),
            (Error::InvalidCredentials, "invalid_credentials"),
            (Error::RateLimited { retry_after: 1 }, "rate_limited"),
        ];
        let mut seen = BTreeSet::new();
        for (error, code) in &pinned {
            assert_eq!(error.code(), *code);
            assert!(seen.insert(*code), "{code} is used twice");
            assert!(!error.to_string().is_empty());
        }
        assert_eq!(
            Error::RecordTooLarge {
                limit: 4096,
                actual: 5000
            }
            .to_string(),
            "session record field is 5000 bytes, over the limit of 4096"
        );
        assert_eq!(
            Error::RefreshReused {
                user_id: "alice".into(),
                family_id: "f1".into()
            }
            .to_string(),
            "a used refresh token was presented again: family f1 of user alice is revoked"
        );
        assert_eq!(
            Error::Misuse("a session needs a non-empty user id").to_string(),
            "misuse: a session needs a non-empty user id"
        );
        assert_eq!(Error::InvalidCredentials.to_string(), "invalid credentials");
        assert_eq!(
            Error::RateLimited { retry_after: 4 }.to_string(),
            "too many failed logins; retry in 4 s"
        );
    }
}
