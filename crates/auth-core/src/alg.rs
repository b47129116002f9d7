//! The algorithm names: a leaf that every other module may use and that
//! uses nothing of the crate itself.

use core::fmt;

/// A JWS signature algorithm this library implements (RFC 7518 section 3).
///
/// There is no `none`: an unsigned token cannot be described, so it cannot be
/// accepted. Every key is bound to exactly one of these.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Algorithm {
    /// HMAC with SHA-256.
    Hs256,
    /// HMAC with SHA-384.
    Hs384,
    /// HMAC with SHA-512.
    Hs512,
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    Rs256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    Rs384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    Rs512,
    /// RSASSA-PSS with SHA-256 and MGF1 with SHA-256.
    Ps256,
    /// RSASSA-PSS with SHA-384 and MGF1 with SHA-384.
    Ps384,
    /// RSASSA-PSS with SHA-512 and MGF1 with SHA-512.
    Ps512,
    /// ECDSA on P-256 with SHA-256.
    Es256,
    /// ECDSA on P-384 with SHA-384.
    Es384,
}

/// The key family an [`Algorithm`] belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Family {
    /// HS*: a shared secret (JWK `kty: oct`).
    Hmac,
    /// RS* and PS*: an RSA key pair (JWK `kty: RSA`).
    Rsa,
    /// ES*: an elliptic-curve key pair (JWK `kty: EC`).
    Ecdsa,
}

impl Algorithm {
    /// Every algorithm, in a fixed order.
    pub const ALL: [Algorithm; 11] = [
        Self::Hs256,
        Self::Hs384,
        Self::Hs512,
        Self::Rs256,
        Self::Rs384,
        Self::Rs512,
        Self::Ps256,
        Self::Ps384,
        Self::Ps512,
        Self::Es256,
        Self::Es384,
    ];

    /// The registered name, as it appears in the `alg` header.
    #[must_use]
    pub const fn name(self) -> &'static str {
        match self {
            Self::Hs256 => "HS256",
            Self::Hs384 => "HS384",
            Self::Hs512 => "HS512",
            Self::Rs256 => "RS256",
            Self::Rs384 => "RS384",
            Self::Rs512 => "RS512",
            Self::Ps256 => "PS256",
            Self::Ps384 => "PS384",
            Self::Ps512 => "PS512",
            Self::Es256 => "ES256",
            Self::Es384 => "ES384",
        }
    }

    /// Looks an algorithm up by its registered name (case-sensitive, as RFC
    /// 7515 requires). `none` and unknown names are `None`; parsing with
    /// [`str::parse`] gives [`Error::UnsupportedAlg`](crate::Error::UnsupportedAlg)
    /// for them instead.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|alg| alg.name() == name)
    }

    /// The key family this algorithm needs.
    #[must_use]
    pub const fn family(self) -> Family {
        match self {
            Self::Hs256 | Self::Hs384 | Self::Hs512 => Family::Hmac,
            Self::Rs256 | Self::Rs384 | Self::Rs512 | Self::Ps256 | Self::Ps384 | Self::Ps512 => {
                Family::Rsa
            }
            Self::Es256 | Self::Es384 => Family::Ecdsa,
        }
    }

    /// The output size in bytes of the algorithm's hash function.
    #[must_use]
    pub const fn hash_len(self) -> usize {
        match self {
            Self::Hs256 | Self::Rs256 | Self::Ps256 | Self::Es256 => 32,
            Self::Hs384 | Self::Rs384 | Self::Ps384 | Self::Es384 => 48,
            Self::Hs512 | Self::Rs512 | Self::Ps512 => 64,
        }
    }
}

impl fmt::Display for Algorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn names_round_trip_and_none_is_unknown() {
        for alg in Algorithm::ALL {
            assert_eq!(Algorithm::from_name(alg.name()), Some(alg));
            assert_eq!(alg.to_string(), alg.name());
        }
        for bad in [
            "none", "None", "NONE", "nOnE", "hs256", "HS256 ", "", "EdDSA",
        ] {
            assert_eq!(Algorithm::from_name(bad), None, "{bad}");
        }
    }
}
