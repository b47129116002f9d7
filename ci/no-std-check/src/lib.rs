//! A `no_std` consumer of auth-core: signs and verifies with every family,
//! and hashes and verifies a password.

#![no_std]
#![deny(unsafe_code)]

extern crate alloc;

use alloc::string::String;
use alloc::vec::Vec;
use core::alloc::{GlobalAlloc, Layout};
use core::sync::atomic::{AtomicU8, AtomicUsize, Ordering};

use auth_core::password::{PasswordHasher, PasswordParams};
use auth_core::{Algorithm, Claims, Error, FixedClock, SigningKey, Validation, Clock};
use serde::{Deserialize, Serialize};

/// Custom claims, as an application would define them.
#[derive(Serialize, Deserialize)]
pub struct Roles {
    /// Role names.
    pub roles: Vec<String>,
}

/// Signs and verifies a token with one key of every algorithm family.
pub fn sign_and_verify() -> Result<(), Error> {
    let clock = FixedClock(1_700_000_000);
    for alg in [Algorithm::Hs256, Algorithm::Rs256, Algorithm::Ps256, Algorithm::Es256, Algorithm::Es384] {
        let key = SigningKey::generate(alg)?;
        let claims = Claims::new(Roles { roles: Vec::new() })
            .subject("user")
            .valid_for(clock.now(), 60);
        let token = key.sign(&claims)?;
        let verified: Claims<Roles> = key.verifying_key().verify(&token, &Validation::new(), clock.now())?;
        if verified.sub.as_deref() != Some("user") {
            return Err(Error::BadSignature);
        }
    }
    Ok(())
}

/// Hashes a password with Argon2id and verifies it (64 KiB of memory, to
/// fit the arena below).
pub fn hash_and_verify() -> Result<(), Error> {
    let hasher = PasswordHasher::new(PasswordParams::new(64, 1, 1)?)?;
    let phc = hasher.hash(b"password")?;
    if !hasher.verify(b"password", &phc)? || hasher.needs_rehash(&phc) {
        return Err(Error::BadSignature);
    }
    Ok(())
}

/// C entry point so the linker keeps the code above.
pub extern "C" fn no_std_check() -> i32 {
    i32::from(sign_and_verify().is_err() || hash_and_verify().is_err())
}

#[panic_handler]
fn panic(_: &core::panic::PanicInfo<'_>) -> ! {
    loop {
        core::hint::spin_loop();
    }
}

const HEAP_SIZE: usize = 1 << 20;
static HEAP: [AtomicU8; HEAP_SIZE] = [const { AtomicU8::new(0) }; HEAP_SIZE];
static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A bump allocator over a static arena; memory is never reused.
struct Bump;

#[allow(unsafe_code)]
// SAFETY: `alloc` hands out disjoint, suitably aligned ranges of `HEAP`
// (reserved with an atomic bump of `NEXT`) or null when the arena is full;
// `dealloc` releases nothing, which GlobalAlloc permits.
unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let base = HEAP.as_ptr().cast::<u8>().cast_mut();
        let mut start = 0;
        let reserved = NEXT.fetch_update(Ordering::Relaxed, Ordering::Relaxed, |next| {
            let addr = (base as usize).checked_add(next)?;
            let pad = addr.wrapping_neg() & (layout.align() - 1);
            start = next.checked_add(pad)?;
            let end = start.checked_add(layout.size())?;
            (end <= HEAP_SIZE).then_some(end)
        });
        match reserved {
            Ok(_) => base.wrapping_add(start),
            Err(_) => core::ptr::null_mut(),
        }
    }

    unsafe fn dealloc(&self, _: *mut u8, _: Layout) {}
}

#[global_allocator]
static ALLOCATOR: Bump = Bump;
