//! # auth-core
//!
//! Strict, fast JSON Web Tokens (JWS compact form) for Rust, with typed keys
//! that know their algorithm. `no_std` + `alloc`; the only crate of the
//! toolkit that touches cryptography.
//!
//! ```
//! use auth_core::{Algorithm, Claims, SigningKey, Validation, Error};
//! use serde::{Deserialize, Serialize};
//!
//! #[derive(Debug, Serialize, Deserialize)]
//! struct Roles { roles: Vec<String> }
//!
//! # fn main() -> Result<(), Error> {
//! let now = 1_700_000_000; // seconds since the epoch; pass your clock's time
//! let key = SigningKey::generate(Algorithm::Es256)?;
//! let claims = Claims::new(Roles { roles: vec!["admin".into()] })
//!     .issuer("https://auth.example")
//!     .subject("user-42")
//!     .audience("api")
//!     .valid_for(now, 900);
//! let token = key.sign(&claims)?;
//!
//! let validation = Validation::new().issuer("https://auth.example").audience("api");
//! let verified: Claims<Roles> = key.verifying_key().verify(&token, &validation, now + 60)?;
//! assert_eq!(verified.sub.as_deref(), Some("user-42"));
//! assert_eq!(verified.custom.roles, ["admin"]);
//!
//! // Fifteen minutes later it has expired, and the error says so exactly.
//! let err = key.verifying_key().verify::<Roles>(&token, &validation, now + 900).unwrap_err();
//! assert_eq!(err.code(), "expired");
//! # Ok(()) }
//! ```
//!
//! ## Design
//!
//! - **A key knows its algorithm.** [`SigningKey`] and [`VerifyingKey`] are
//!   bound to one [`Algorithm`] when built; a token whose header names
//!   another is rejected with `alg_mismatch`. There is no `none`, and no way
//!   to ask for "whatever the header says".
//! - **Parse, don't validate.** An untrusted token becomes [`Claims`] only
//!   through a verifying key, and the signature is checked before any claim
//!   is read.
//! - **Strict input.** One spelling of every token: exact base64url, JSON
//!   objects without repeated members or deep nesting, a size limit checked
//!   first. `crit`, `b64: false`, `jku`/`x5u`/`jwk`/`x5c` never widen what is
//!   accepted.
//! - **Errors say why.** One [`Error`] enum with a stable [`Error::code`] per
//!   variant; a failed signature is the single detail-free `bad_signature`.
//! - **Time is passed in.** Verification takes `now`; [`Clock`] abstracts it,
//!   and `std` adds [`SystemClock`]. The session manager and the token
//!   service can be given a clock once (`with_clock`) and read it with
//!   `now()`.
//! - **Secrets stay secret.** Key material is wiped on drop, never shown by
//!   `Debug`, and MACs are compared in constant time ([`ct`]).
//!
//! ## Features
//!
//! | feature | default | what it adds |
//! |---|---|---|
//! | `hmac` | yes | HS256, HS384, HS512 |
//! | `rsa` | yes | RS256/384/512, PS256/384/512; PKCS#1 and PKCS#8 PEM |
//! | `ecdsa` | yes | ES256 (P-256), ES384 (P-384); SEC1 and PKCS#8 PEM |
//! | `std` | yes | [`SystemClock`], `std` support in dependencies |
//! | `password` | no | Argon2id password hashing (PHC strings) and a throttled login check that does not reveal which accounts exist (`password` module; the throttle policy in [`throttle`] is always built) |
//!
//! ## `no_std`
//!
//! The crate is `#![no_std]` and needs only `alloc` and a `getrandom`
//! backend (for key generation and RSA blinding). Build it with
//! `default-features = false` and the algorithm families you need; the
//! `ci/no-std-check` crate in the repository proves that this links without
//! `std`.

#![no_std]
#![forbid(unsafe_code)]
// no_std discipline: reach for `core` and `alloc` first.
#![warn(
    clippy::std_instead_of_core,
    clippy::std_instead_of_alloc,
    clippy::alloc_instead_of_core
)]
#![cfg_attr(docsrs, feature(doc_cfg))]

// `vec!` and `format!` in scope crate-wide, as in a std crate: mutation
// testing substitutes `vec![]` into functions that return a `Vec`, and
// those mutants must compile to be tested.
#[allow(unused_imports)]
#[macro_use]
extern crate alloc;
#[cfg(feature = "std")]
extern crate std;

mod alg;
pub mod ct;
mod encoding;
mod error;
pub mod hazmat;
pub mod http;
pub mod insecure;
mod jws;
mod jwt;
mod keys;
pub mod session;
pub mod store;
pub mod throttle;
mod time;
pub mod tokens;

#[cfg(feature = "fuzzing")]
#[doc(hidden)]
pub mod fuzzing;
#[cfg(feature = "password")]
pub mod password;

// Errors.
pub use error::Error;
// Algorithms and headers.
pub use alg::{Algorithm, Family};
pub use jws::Header;
// Tokens: claims, validation, signing options, limits.
pub use jws::{MAX_HEADER_LEN, MAX_HEADER_MEMBERS};
pub use jwt::{
    Claims, DEFAULT_MAX_TOKEN_LEN, Empty, MAX_LEEWAY, SignOptions, Validation, Verified,
};
// Keys, JWK and key sets.
pub use keys::{Jwk, KeySet, SigningKey, VerifyingKey, parse_jwks};
// Time.
#[cfg(feature = "std")]
pub use time::SystemClock;
pub use time::{Clock, FixedClock};
