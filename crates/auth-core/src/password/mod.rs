//! Passwords (feature `password`): Argon2id hashes in PHC strings, and a
//! throttled login check that does not reveal which accounts exist.
//!
//! [`PasswordHasher`] hashes with Argon2id (RFC 9106) at OWASP's minimum
//! parameters by default: 19 MiB of memory, 2 iterations, 1 lane (OWASP
//! Password Storage Cheat Sheet, "Argon2id"). The hash is a PHC string
//! (`$argon2id$v=19$m=19456,t=2,p=1$salt$hash`) that carries its own
//! parameters, so hashes made under older settings still verify and
//! [`PasswordHasher::needs_rehash`] says when to replace one.
//!
//! ```
//! use auth_core::password::{PasswordHasher, PasswordParams};
//!
//! # fn main() -> Result<(), auth_core::Error> {
//! // PasswordParams::default() (OWASP's) in production; cheaper here.
//! let hasher = PasswordHasher::new(PasswordParams::new(1024, 1, 1)?)?;
//! let phc = hasher.hash(b"correct horse battery staple")?;
//! assert!(phc.starts_with("$argon2id$v=19$m=1024,t=1,p=1$"));
//! assert!(hasher.verify(b"correct horse battery staple", &phc)?);
//! assert!(!hasher.verify(b"Tr0ub4dor&3", &phc)?);
//! assert!(!hasher.needs_rehash(&phc));
//!
//! // Raised parameters: the old hash still verifies, and says it is due.
//! let stronger = PasswordHasher::new(PasswordParams::new(2048, 1, 1)?)?;
//! assert!(stronger.verify(b"correct horse battery staple", &phc)?);
//! assert!(stronger.needs_rehash(&phc));
//! # Ok(()) }
//! ```
//!
//! [`PasswordLogin`] is the whole check of a login form: throttling per
//! account name and per client address (see [`crate::throttle`]) around
//! the password verification, with the same answer and the same cost for
//! an unknown account as for a wrong password.

mod hasher;
mod login;

pub use hasher::{
    MAX_ITERATIONS, MAX_MEMORY_KIB, MAX_PARALLELISM, MAX_PASSWORD_LEN, PasswordHasher,
    PasswordParams,
};
pub use login::PasswordLogin;
