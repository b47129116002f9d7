//! What a verified token must also satisfy.

use alloc::string::String;
use alloc::vec::Vec;

use super::claims::Registered;
use crate::error::Error;

/// The default limit on a token's length in bytes.
pub const DEFAULT_MAX_TOKEN_LEN: usize = 8 * 1024;
/// The largest leeway [`Validation::leeway`] accepts, in seconds.
pub const MAX_LEEWAY: u64 = 300;

/// The checks applied after the signature verifies.
///
/// Defaults: `exp` required, leeway 0, no `iss`/`sub`/`typ` expectations,
/// no maximum age, tokens up to 8 KiB. Setting an expected issuer, audience
/// or subject makes that claim required.
///
/// A token that carries `aud` is rejected (`invalid_audience`) unless an
/// audience is configured with [`Validation::audience`] and one of its values
/// matches: RFC 7519 section 4.1.3 says a recipient that does not identify
/// itself with a value in `aud` must reject the token. A token without `aud`
/// passes when no audience is configured. [`Validation::any_audience`] is the
/// explicit opt-out.
#[derive(Clone, Debug)]
pub struct Validation {
    pub(crate) max_token_len: usize,
    pub(crate) leeway: u64,
    pub(crate) require_exp: bool,
    pub(crate) max_age: Option<u64>,
    pub(crate) issuer: Option<String>,
    pub(crate) audiences: Vec<String>,
    pub(crate) any_audience: bool,
    pub(crate) subject: Option<String>,
    pub(crate) required: Vec<String>,
    pub(crate) typ: Option<String>,
}

impl Default for Validation {
    fn default() -> Self {
        Self {
            max_token_len: DEFAULT_MAX_TOKEN_LEN,
            leeway: 0,
            require_exp: true,
            max_age: None,
            issuer: None,
            audiences: Vec::new(),
            any_audience: false,
            subject: None,
            required: Vec::new(),
            typ: None,
        }
    }
}

impl Validation {
    /// The defaults described on the type.
    #[must_use]
    pub fn new() -> Self {
        Self::default()
    }

    /// Requires `iss` to equal `iss`.
    #[must_use]
    pub fn issuer(mut self, iss: impl Into<String>) -> Self {
        self.issuer = Some(iss.into());
        self
    }

    /// Adds an accepted audience; `aud` must contain at least one accepted
    /// value.
    #[must_use]
    pub fn audience(mut self, aud: impl Into<String>) -> Self {
        self.audiences.push(aud.into());
        self
    }

    /// Accepts a token whatever its `aud` says, when no audience is
    /// configured. Only for a recipient that really serves every audience
    /// (a gateway that forwards the token, a debugging tool): any token this
    /// key set verifies, minted for any service, then passes.
    ///
    /// Audiences set with [`Validation::audience`] are checked all the same:
    /// this never weakens an expectation that was stated.
    #[must_use]
    pub fn any_audience(mut self) -> Self {
        self.any_audience = true;
        self
    }

    /// Requires `sub` to equal `sub`.
    #[must_use]
    pub fn subject(mut self, sub: impl Into<String>) -> Self {
        self.subject = Some(sub.into());
        self
    }

    /// Requires the header's `typ` to be `typ` (compared case-insensitively,
    /// with an `application/` prefix ignored, per RFC 7515 section 4.1.9).
    #[must_use]
    pub fn typ(mut self, typ: impl Into<String>) -> Self {
        self.typ = Some(typ.into());
        self
    }

    /// Requires a claim to be present (any value).
    #[must_use]
    pub fn require(mut self, claim: impl Into<String>) -> Self {
        self.required.push(claim.into());
        self
    }

    /// Clock skew tolerated on `exp`, `nbf` and `iat`, in seconds. Values
    /// above [`MAX_LEEWAY`] are lowered to it.
    #[must_use]
    pub fn leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds.min(MAX_LEEWAY);
        self
    }

    /// Rejects tokens whose `iat` is more than `seconds` ago (and makes `iat`
    /// required).
    #[must_use]
    pub fn max_age(mut self, seconds: u64) -> Self {
        self.max_age = Some(seconds);
        self
    }

    /// Accepts tokens without `exp`. Such tokens never expire; use this only
    /// with another bound (`max_age`, revocation).
    #[must_use]
    pub fn allow_missing_exp(mut self) -> Self {
        self.require_exp = false;
        self
    }

    /// The largest token accepted, in bytes; checked before any decoding.
    #[must_use]
    pub fn max_token_len(mut self, bytes: usize) -> Self {
        self.max_token_len = bytes;
        self
    }

    /// Checks `typ` from the header.
    pub(crate) fn check_typ(&self, typ: Option<&str>) -> Result<(), Error> {
        let Some(expected) = &self.typ else {
            return Ok(());
        };
        // RFC 7515 4.1.9: compared without regard to case, and
        // `application/` may be left out. No copies: this runs on every
        // verification of a validation that names a type.
        fn strip(s: &str) -> &str {
            const PREFIX: &str = "application/";
            match s.get(..PREFIX.len()) {
                Some(head) if head.eq_ignore_ascii_case(PREFIX) => &s[PREFIX.len()..],
                _ => s,
            }
        }
        match typ {
            Some(found) if strip(found).eq_ignore_ascii_case(strip(expected)) => Ok(()),
            _ => Err(Error::InvalidType),
        }
    }

    /// Checks the registered claims at time `now`.
    pub(crate) fn check_claims(&self, r: &Registered, now: u64) -> Result<(), Error> {
        let leeway = self.leeway;
        match r.exp {
            Some(exp) if now >= exp.saturating_add(leeway) => {
                return Err(Error::Expired { exp, now });
            }
            None if self.require_exp => return Err(Error::MissingClaim("exp".into())),
            _ => {}
        }
        if let Some(nbf) = r.nbf
            && now.saturating_add(leeway) < nbf
        {
            return Err(Error::NotYetValid { nbf, now });
        }
        if let Some(iat) = r.iat
            && iat > now.saturating_add(leeway)
        {
            return Err(Error::IssuedInFuture { iat, now });
        }
        if let Some(max_age) = self.max_age {
            let iat = r.iat.ok_or_else(|| Error::MissingClaim("iat".into()))?;
            if now.saturating_sub(iat) > max_age.saturating_add(leeway) {
                return Err(Error::TooOld { iat, max_age });
            }
        }
        if let Some(expected) = &self.issuer {
            match &r.iss {
                None => return Err(Error::MissingClaim("iss".into())),
                Some(iss) if iss != expected => return Err(Error::InvalidIssuer),
                Some(_) => {}
            }
        }
        if self.audiences.is_empty() {
            // RFC 7519 section 4.1.3: a token meant for someone must not be
            // accepted by a recipient that never said who it is.
            if !r.aud.is_empty() && !self.any_audience {
                return Err(Error::InvalidAudience);
            }
        } else {
            if r.aud.is_empty() {
                return Err(Error::MissingClaim("aud".into()));
            }
            if !r.aud.iter().any(|a| self.audiences.contains(a)) {
                return Err(Error::InvalidAudience);
            }
        }
        if let Some(expected) = &self.subject {
            match &r.sub {
                None => return Err(Error::MissingClaim("sub".into())),
                Some(sub) if sub != expected => return Err(Error::InvalidSubject),
                Some(_) => {}
            }
        }
        Ok(())
    }
}
