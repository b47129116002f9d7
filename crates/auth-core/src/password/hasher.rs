//! Argon2id hashing and verification with PHC strings, on a work area of
//! our own that is wiped after use.

use alloc::string::{String, ToString};
use alloc::vec::Vec;
use core::fmt;

use argon2::password_hash::phc::{Output, ParamsString, PasswordHash, Salt};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use zeroize::Zeroizing;

use crate::ct;
use crate::error::Error;

/// The longest password accepted, in bytes. Argon2 itself takes up to
/// 4 GiB; the bound keeps what a client can make the server read and hash
/// small. Longer passwords are refused with [`Error::TooLarge`] before any
/// work is done.
pub const MAX_PASSWORD_LEN: usize = 4096;

/// The most memory (KiB) a hash may ask for, to be made or verified (2 GiB,
/// RFC 9106's first recommended option). A stored hash that asks for more
/// is refused rather than allowed to exhaust the server.
pub const MAX_MEMORY_KIB: u32 = 2 * 1024 * 1024;

/// The most iterations a hash may ask for.
pub const MAX_ITERATIONS: u32 = 64;

/// The most lanes a hash may ask for.
pub const MAX_PARALLELISM: u32 = 64;

/// Salt length of the hashes made here, in bytes (RFC 9106: 128 bits).
const SALT_LEN: usize = 16;

/// Output length of the hashes made here, in bytes.
const OUTPUT_LEN: usize = 32;

/// The longest output a PHC string can hold.
const MAX_OUTPUT_LEN: usize = Output::MAX_LENGTH;

/// Argon2id cost parameters.
///
/// The default is OWASP's minimum for Argon2id (Password Storage Cheat
/// Sheet): 19 MiB (19 456 KiB) of memory, 2 iterations, 1 lane. Raise the
/// memory first if the server can afford it; existing hashes keep
/// verifying and report [`PasswordHasher::needs_rehash`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PasswordParams {
    memory_kib: u32,
    iterations: u32,
    parallelism: u32,
}

impl Default for PasswordParams {
    fn default() -> Self {
        Self::OWASP
    }
}

impl PasswordParams {
    /// OWASP's minimum Argon2id parameters: m = 19 456 KiB, t = 2, p = 1.
    pub const OWASP: Self = Self {
        memory_kib: 19_456,
        iterations: 2,
        parallelism: 1,
    };

    /// Parameters of `memory_kib` KiB, `iterations` passes and
    /// `parallelism` lanes. [`Error::Misuse`] unless 1 ≤ parallelism ≤
    /// [`MAX_PARALLELISM`], 1 ≤ iterations ≤ [`MAX_ITERATIONS`] and
    /// 8 × parallelism ≤ memory ≤ [`MAX_MEMORY_KIB`].
    pub fn new(memory_kib: u32, iterations: u32, parallelism: u32) -> Result<Self, Error> {
        if !(1..=MAX_PARALLELISM).contains(&parallelism) {
            return Err(Error::Misuse("Argon2 parallelism must be 1 to 64 lanes"));
        }
        if !(1..=MAX_ITERATIONS).contains(&iterations) {
            return Err(Error::Misuse("Argon2 iterations must be 1 to 64"));
        }
        if !(8 * parallelism..=MAX_MEMORY_KIB).contains(&memory_kib) {
            return Err(Error::Misuse(
                "Argon2 memory must be 8 KiB per lane to 2 GiB",
            ));
        }
        Ok(Self {
            memory_kib,
            iterations,
            parallelism,
        })
    }

    /// Memory in KiB.
    #[must_use]
    pub const fn memory_kib(&self) -> u32 {
        self.memory_kib
    }

    /// Iterations (passes over the memory).
    #[must_use]
    pub const fn iterations(&self) -> u32 {
        self.iterations
    }

    /// Lanes.
    #[must_use]
    pub const fn parallelism(&self) -> u32 {
        self.parallelism
    }

    fn argon2(&self) -> Result<Params, Error> {
        Params::new(
            self.memory_kib,
            self.iterations,
            self.parallelism,
            Some(OUTPUT_LEN),
        )
        .map_err(|_| Error::Misuse("Argon2 parameters out of range"))
    }
}

/// Hashes and verifies passwords with Argon2id at one set of
/// [`PasswordParams`].
///
/// Passwords are borrowed from the caller and never copied; the Argon2
/// work area (the parameters' memory, filled from the password) is
/// allocated here and wiped before it is freed, as is every computed hash.
/// Comparison with a stored hash is constant time ([`crate::ct`]).
///
/// It also holds a **dummy hash**, made once with the same parameters, for
/// [`PasswordLogin`](super::PasswordLogin) to verify against when no
/// account has the name tried, so that an unknown name costs the same as
/// a wrong password. Its salt and output are random: no password matches
/// it, and computing one costs nothing (verification costs the same
/// whatever the output it is compared with).
///
/// `Debug` shows the parameters only.
#[derive(Clone)]
pub struct PasswordHasher {
    params: PasswordParams,
    dummy: String,
}

impl fmt::Debug for PasswordHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PasswordHasher")
            .field("params", &self.params)
            .finish_non_exhaustive()
    }
}

impl PasswordHasher {
    /// A hasher at `params`. Draws the dummy hash's salt and output from
    /// the operating system ([`Error::Random`] if that fails).
    pub fn new(params: PasswordParams) -> Result<Self, Error> {
        let mut salt = [0u8; SALT_LEN];
        let mut output = [0u8; OUTPUT_LEN];
        getrandom::fill(&mut salt).map_err(|_| Error::Random)?;
        getrandom::fill(&mut output).map_err(|_| Error::Random)?;
        Ok(Self {
            params,
            dummy: phc_string(&params, &salt, &output)?,
        })
    }

    /// The parameters new hashes are made with.
    #[must_use]
    pub const fn params(&self) -> PasswordParams {
        self.params
    }

    /// The dummy hash (see the type's documentation).
    pub(crate) fn dummy(&self) -> &str {
        &self.dummy
    }

    /// Hashes `password` with a fresh 16-byte salt from the operating
    /// system: a PHC string such as
    /// `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`, ready to store.
    ///
    /// [`Error::TooLarge`] for a password over [`MAX_PASSWORD_LEN`] bytes,
    /// [`Error::Random`] if the random number generator fails.
    pub fn hash(&self, password: &[u8]) -> Result<String, Error> {
        check_len(password)?;
        let mut salt = [0u8; SALT_LEN];
        getrandom::fill(&mut salt).map_err(|_| Error::Random)?;
        let mut output = Zeroizing::new([0u8; OUTPUT_LEN]);
        compute(
            Algorithm::Argon2id,
            Version::V0x13,
            self.params.argon2()?,
            password,
            &salt,
            output.as_mut_slice(),
        )?;
        phc_string(&self.params, &salt, output.as_slice())
    }

    /// Whether `password` matches the stored hash `phc`, which may have
    /// been made with any Argon2 variant, version and parameters up to the
    /// limits ([`MAX_MEMORY_KIB`], [`MAX_ITERATIONS`], [`MAX_PARALLELISM`]).
    ///
    /// `Ok(false)` is a wrong password. Errors: [`Error::TooLarge`] for a
    /// password over [`MAX_PASSWORD_LEN`] bytes; [`Error::Malformed`] for a
    /// hash that cannot be verified, saying why: not a PHC string, not
    /// Argon2, an unknown version, no salt or output, invalid parameters,
    /// or parameters beyond the limits.
    pub fn verify(&self, password: &[u8], phc: &str) -> Result<bool, Error> {
        check_len(password)?;
        let stored = Stored::parse(phc)?;
        let expected = stored.output.as_bytes();
        let mut computed = Zeroizing::new([0u8; MAX_OUTPUT_LEN]);
        let computed = computed.get_mut(..expected.len()).ok_or(Error::Malformed(
            "password hash has invalid Argon2 parameters",
        ))?;
        compute(
            stored.algorithm,
            stored.version,
            stored.params,
            password,
            stored.salt.as_ref(),
            computed,
        )?;
        Ok(ct::ct_eq_bool(computed, expected))
    }

    /// Whether `phc` should be replaced by a fresh [`PasswordHasher::hash`]
    /// of the same password (after it verified, the only time the password
    /// is at hand): true when its algorithm, version, parameters, salt or
    /// output length differ from this hasher's, or when it does not parse.
    #[must_use]
    pub fn needs_rehash(&self, phc: &str) -> bool {
        let Ok(stored) = Stored::parse(phc) else {
            return true;
        };
        let p = &stored.params;
        stored.algorithm != Algorithm::Argon2id
            || stored.version != Version::V0x13
            || p.m_cost() != self.params.memory_kib
            || p.t_cost() != self.params.iterations
            || p.p_cost() != self.params.parallelism
            || !p.keyid().is_empty()
            || !p.data().is_empty()
            || stored.salt.len() != SALT_LEN
            || stored.output.len() != OUTPUT_LEN
    }
}

/// [`Error::TooLarge`] for a password over [`MAX_PASSWORD_LEN`].
pub(crate) fn check_len(password: &[u8]) -> Result<(), Error> {
    if password.len() > MAX_PASSWORD_LEN {
        return Err(Error::TooLarge {
            limit: MAX_PASSWORD_LEN,
            actual: password.len(),
        });
    }
    Ok(())
}

/// A stored hash, parsed and checked against the limits.
struct Stored {
    algorithm: Algorithm,
    version: Version,
    params: Params,
    salt: Salt,
    output: Output,
}

impl Stored {
    fn parse(phc: &str) -> Result<Self, Error> {
        let hash = PasswordHash::new(phc)
            .map_err(|_| Error::Malformed("password hash is not a PHC string"))?;
        let algorithm = Algorithm::new(hash.algorithm.as_str())
            .map_err(|_| Error::Malformed("password hash is not an Argon2 hash"))?;
        // As in the reference implementation, a hash without `v=` is
        // version 1.0 (0x10), from before the field existed.
        let version = match hash.version {
            None => Version::V0x10,
            Some(v) => Version::try_from(v)
                .map_err(|_| Error::Malformed("password hash names an unknown Argon2 version"))?,
        };
        let params = Params::try_from(&hash)
            .map_err(|_| Error::Malformed("password hash has invalid Argon2 parameters"))?;
        let (Some(salt), Some(output)) = (hash.salt, hash.hash) else {
            return Err(Error::Malformed("password hash has no salt or no output"));
        };
        if params.m_cost() > MAX_MEMORY_KIB
            || params.t_cost() > MAX_ITERATIONS
            || params.p_cost() > MAX_PARALLELISM
        {
            return Err(Error::Malformed(
                "password hash parameters exceed the verification limits",
            ));
        }
        Ok(Self {
            algorithm,
            version,
            params,
            salt,
            output,
        })
    }
}

/// Argon2 of `password` into `out`, on a work area allocated here (so a
/// failed allocation is an error, not an abort) and wiped before it is
/// freed: the blocks are derived from the password, and whoever read them
/// could test guesses without paying Argon2's memory cost. (argon2 0.6's
/// own `hash_password_into` frees its work area unwiped.)
fn compute(
    algorithm: Algorithm,
    version: Version,
    params: Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), Error> {
    let blocks = params.block_count();
    let mut memory: Zeroizing<Vec<Block>> = Zeroizing::new(Vec::new());
    memory
        .try_reserve_exact(blocks)
        .map_err(|_| Error::Misuse("not enough memory for the Argon2 parameters"))?;
    memory.resize(blocks, Block::new());
    Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password, salt, out, memory.as_mut_slice())
        .map_err(|_| Error::Malformed("password hash has invalid Argon2 parameters"))
}

/// The PHC string of an Argon2id v19 hash at `params`.
fn phc_string(params: &PasswordParams, salt: &[u8], output: &[u8]) -> Result<String, Error> {
    const ENCODING: Error = Error::Misuse("an Argon2 hash could not be written as a PHC string");
    let hash = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params.argon2()?).map_err(|_| ENCODING)?,
        salt: Some(Salt::new(salt).map_err(|_| ENCODING)?),
        hash: Some(Output::new(output).map_err(|_| ENCODING)?),
    };
    Ok(hash.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::format;

    /// Cheap parameters for the tests that are about behaviour, not cost.
    fn cheap() -> PasswordHasher {
        PasswordHasher::new(PasswordParams::new(64, 1, 1).unwrap()).unwrap()
    }

    #[test]
    fn round_trip_and_wrong_password() {
        let h = cheap();
        let phc = h.hash(b"hunter2").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=64,t=1,p=1$"), "{phc}");
        // 16-byte salt, 32-byte output, unpadded B64.
        let parts: Vec<&str> = phc.split('$').collect();
        assert_eq!(parts.len(), 6);
        assert_eq!(parts[4].len(), 22);
        assert_eq!(parts[5].len(), 43);
        assert!(h.verify(b"hunter2", &phc).unwrap());
        assert!(!h.verify(b"hunter3", &phc).unwrap());
        assert!(!h.verify(b"", &phc).unwrap());
        assert!(!h.verify(b"hunter2\0", &phc).unwrap());
        // A fresh salt every time.
        assert_ne!(h.hash(b"hunter2").unwrap(), phc);
        // An empty password is the caller's policy, not ours.
        let empty = h.hash(b"").unwrap();
        assert!(h.verify(b"", &empty).unwrap());
    }

    /// The defaults are OWASP's, and a hash made with them verifies.
    #[test]
    fn defaults_are_owasp_and_work() {
        assert_eq!(PasswordParams::default(), PasswordParams::OWASP);
        let p = PasswordParams::OWASP;
        assert_eq!(
            (p.memory_kib(), p.iterations(), p.parallelism()),
            (19_456, 2, 1)
        );
        let h = PasswordHasher::new(PasswordParams::default()).unwrap();
        let phc = h.hash(b"correct horse battery staple").unwrap();
        assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
        assert!(h.verify(b"correct horse battery staple", &phc).unwrap());
        assert!(!h.verify(b"correct horse battery stapler", &phc).unwrap());
        assert!(!h.needs_rehash(&phc));
    }

    /// Hashes made by the reference implementation's command line
    /// (`echo -n password | argon2 somesalt -id -t 2 -m 16 -p 1 -e`, and
    /// the variants named) verify: the PHC reading, the parameters, the
    /// variants and both versions are the standard ones.
    #[test]
    fn reference_vectors_verify() {
        let h = cheap();
        for phc in [
            // -id -t 2 -m 16 -p 1
            "$argon2id$v=19$m=65536,t=2,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
            // -id -t 1 -m 10 -p 2
            "$argon2id$v=19$m=1024,t=1,p=2$c29tZXNhbHQ$RIMRxRPpcNAWhVpYNTPhJes8er3zBPSthtuH9vKcjoM",
            // -d -t 1 -m 10 -p 1
            "$argon2d$v=19$m=1024,t=1,p=1$c29tZXNhbHQ$Li5eBf5XrCz0cuzQRe9oflYqmA/VAzmzichw4ZYrvEU",
            // -i -v 10 -t 1 -m 10 -p 1
            "$argon2i$v=16$m=1024,t=1,p=1$c29tZXNhbHQ$Qh2omU0WuMSeq6EB1r4iKHNEQiz5CoCibgaw7urjOnQ",
            // The same without `v=`: version 1.0, as the reference reads it.
            "$argon2i$m=1024,t=1,p=1$c29tZXNhbHQ$Qh2omU0WuMSeq6EB1r4iKHNEQiz5CoCibgaw7urjOnQ",
        ] {
            assert!(h.verify(b"password", phc).unwrap(), "{phc}");
            assert!(!h.verify(b"passwore", phc).unwrap(), "{phc}");
            assert!(h.needs_rehash(phc), "{phc}");
        }
    }

    #[test]
    fn needs_rehash_when_anything_differs() {
        let h = cheap();
        let phc = h.hash(b"pw").unwrap();
        assert!(!h.needs_rehash(&phc));
        for params in [(128, 1, 1), (64, 2, 1), (64, 1, 2)] {
            let other =
                PasswordHasher::new(PasswordParams::new(params.0, params.1, params.2).unwrap())
                    .unwrap();
            assert!(other.needs_rehash(&phc), "{params:?}");
            assert!(h.needs_rehash(&other.hash(b"pw").unwrap()), "{params:?}");
            // It still verifies under the other parameters.
            assert!(other.verify(b"pw", &phc).unwrap());
        }
        // Another variant or version, same parameters.
        let salt = [7u8; SALT_LEN];
        let argon = PasswordParams::new(64, 1, 1).unwrap().argon2().unwrap();
        for (alg, version, prefix) in [
            (Algorithm::Argon2i, Version::V0x13, "$argon2i$v=19$"),
            (Algorithm::Argon2d, Version::V0x13, "$argon2d$v=19$"),
            (Algorithm::Argon2id, Version::V0x10, "$argon2id$v=16$"),
        ] {
            let mut out = [0u8; OUTPUT_LEN];
            compute(alg, version, argon.clone(), b"pw", &salt, &mut out).unwrap();
            let other = PasswordHash {
                algorithm: alg.ident(),
                version: Some(version.into()),
                params: ParamsString::try_from(&argon).unwrap(),
                salt: Some(Salt::new(&salt).unwrap()),
                hash: Some(Output::new(&out).unwrap()),
            }
            .to_string();
            assert!(other.starts_with(prefix), "{other}");
            assert!(h.verify(b"pw", &other).unwrap(), "{other}");
            assert!(!h.verify(b"pv", &other).unwrap(), "{other}");
            assert!(h.needs_rehash(&other), "{other}");
        }
        // A shorter output or salt than ours.
        let parts: Vec<&str> = phc.split('$').collect();
        let short_out = format!(
            "${}${}${}${}${}",
            parts[1],
            parts[2],
            parts[3],
            parts[4],
            &parts[5][..22]
        );
        assert!(h.needs_rehash(&short_out));
        assert!(h.needs_rehash("not a hash"));
        // Each difference alone, in a hash that parses: a key id, associated
        // data, another salt length, another output length.
        let (params, salt, out) = (parts[3], parts[4], parts[5]);
        let salt8 = "c2FsdHNhbHQ"; // 8 bytes
        let out16 = "AAAAAAAAAAAAAAAAAAAAAA"; // 16 bytes
        for other in [
            format!("$argon2id$v=19${params},keyid=AAAAAA${salt}${out}"),
            format!("$argon2id$v=19${params},data=AAAAAA${salt}${out}"),
            format!("$argon2id$v=19${params}${salt8}${out}"),
            format!("$argon2id$v=19${params}${salt}${out16}"),
        ] {
            assert!(Stored::parse(&other).is_ok(), "{other}");
            assert!(h.needs_rehash(&other), "{other}");
        }
        assert!(!h.needs_rehash(&format!("$argon2id$v=19${params}${salt}${out}")));
        // A stored hash at every verification limit is read (and one past
        // any of them refused, see malformed_hashes_say_why).
        for limits in ["m=2097152,t=1,p=1", "m=512,t=64,p=1", "m=512,t=1,p=64"] {
            let at = format!("$argon2id$v=19${limits}${salt}${out}");
            assert!(Stored::parse(&at).is_ok(), "{at}");
        }
    }

    #[test]
    fn malformed_hashes_say_why() {
        let h = cheap();
        let good = h.hash(b"pw").unwrap();
        let parts: Vec<&str> = good.split('$').collect();
        let (salt, out) = (parts[4], parts[5]);
        let cases = [
            ("", "password hash is not a PHC string"),
            (
                "argon2id$v=19$m=64,t=1,p=1",
                "password hash is not a PHC string",
            ),
            (
                "$argon2id$v=19$m=64,t=1,p=1$!!!$x",
                "password hash is not a PHC string",
            ),
            (
                "$bcrypt$v=19$m=64,t=1,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
                "password hash is not an Argon2 hash",
            ),
            (
                "$scrypt$ln=15,r=8,p=1$c29tZXNhbHQ$CTFhFdXPJO1aFaMaO6Mm5c8y7cJHAph8ArZWb2GRPPc",
                "password hash is not an Argon2 hash",
            ),
            (
                &format!("$argon2id$v=18$m=64,t=1,p=1${salt}${out}"),
                "password hash names an unknown Argon2 version",
            ),
            (
                &format!("$argon2id$v=19$m=64,t=0,p=1${salt}${out}"),
                "password hash has invalid Argon2 parameters",
            ),
            (
                &format!("$argon2id$v=19$m=4,t=1,p=1${salt}${out}"),
                "password hash has invalid Argon2 parameters",
            ),
            (
                &format!("$argon2id$v=19$m=64,t=1,p=1,x=2${salt}${out}"),
                "password hash has invalid Argon2 parameters",
            ),
            (
                "$argon2id$v=19$m=64,t=1,p=1",
                "password hash has no salt or no output",
            ),
            (
                &format!("$argon2id$v=19$m=64,t=1,p=1${salt}"),
                "password hash has no salt or no output",
            ),
            (
                &format!("$argon2id$v=19$m=4194304,t=1,p=1${salt}${out}"),
                "password hash parameters exceed the verification limits",
            ),
            (
                &format!("$argon2id$v=19$m=64,t=65,p=1${salt}${out}"),
                "password hash parameters exceed the verification limits",
            ),
            (
                &format!("$argon2id$v=19$m=1024,t=1,p=65${salt}${out}"),
                "password hash parameters exceed the verification limits",
            ),
        ];
        for (phc, why) in cases {
            assert_eq!(h.verify(b"pw", phc), Err(Error::Malformed(why)), "{phc}");
            assert!(h.needs_rehash(phc), "{phc}");
        }
        // The error never quotes the hash.
        let err = h.verify(b"pw", "$argon2id$v=18$x").unwrap_err();
        assert!(!format!("{err} {err:?}").contains("argon2id"));
    }

    #[test]
    fn over_long_passwords_are_refused_before_any_work() {
        let h = cheap();
        let phc = h.hash(&[b'a'; MAX_PASSWORD_LEN]).unwrap();
        assert!(h.verify(&[b'a'; MAX_PASSWORD_LEN], &phc).unwrap());
        let long = [b'a'; MAX_PASSWORD_LEN + 1];
        let too_large = Error::TooLarge {
            limit: 4096,
            actual: 4097,
        };
        assert_eq!(h.hash(&long), Err(too_large.clone()));
        assert_eq!(h.verify(&long, &phc), Err(too_large.clone()));
        // Refused before the hash is even parsed.
        assert_eq!(h.verify(&long, "garbage"), Err(too_large));
    }

    #[test]
    fn params_are_checked() {
        assert_eq!(
            PasswordParams::new(64, 1, 0),
            Err(Error::Misuse("Argon2 parallelism must be 1 to 64 lanes"))
        );
        assert_eq!(
            PasswordParams::new(1024, 1, 65),
            Err(Error::Misuse("Argon2 parallelism must be 1 to 64 lanes"))
        );
        assert_eq!(
            PasswordParams::new(64, 0, 1),
            Err(Error::Misuse("Argon2 iterations must be 1 to 64"))
        );
        assert_eq!(
            PasswordParams::new(64, 65, 1),
            Err(Error::Misuse("Argon2 iterations must be 1 to 64"))
        );
        assert_eq!(
            PasswordParams::new(15, 1, 2),
            Err(Error::Misuse(
                "Argon2 memory must be 8 KiB per lane to 2 GiB"
            ))
        );
        assert_eq!(
            PasswordParams::new(MAX_MEMORY_KIB + 1, 1, 1),
            Err(Error::Misuse(
                "Argon2 memory must be 8 KiB per lane to 2 GiB"
            ))
        );
        assert!(PasswordParams::new(16, 1, 2).is_ok());
        assert!(PasswordParams::new(MAX_MEMORY_KIB, MAX_ITERATIONS, MAX_PARALLELISM).is_ok());
        // 2 GiB, RFC 9106's first recommended option, is allowed; a byte
        // of a KiB more is not.
        let most = PasswordParams::new(2_097_152, 64, 64).unwrap();
        assert_eq!(
            (most.memory_kib(), most.iterations(), most.parallelism()),
            (2_097_152, 64, 64)
        );
        assert!(PasswordParams::new(2_097_153, 1, 1).is_err());
    }

    #[test]
    fn dummy_matches_the_parameters_and_no_password() {
        let h = cheap();
        assert!(h.dummy().starts_with("$argon2id$v=19$m=64,t=1,p=1$"));
        assert!(!h.needs_rehash(h.dummy()));
        assert!(!h.verify(b"", h.dummy()).unwrap());
        assert!(!h.verify(b"password", h.dummy()).unwrap());
        // Each hasher draws its own.
        assert_ne!(cheap().dummy(), h.dummy());
        // Debug shows the parameters, not the dummy.
        let shown = format!("{h:?}");
        assert!(shown.contains("memory_kib: 64"), "{shown}");
        assert!(!shown.contains('$'), "{shown}");
    }
}
