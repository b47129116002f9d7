//! Criterion group `tokens`: the token lifecycle's costs. Each part of the
//! lifecycle adds its functions in a module of its own beside this file
//! and one call below.
//!
//! - [`lifecycle`]: `issue`, `refresh/memory`, `refresh/redis`,
//!   `refresh/postgres`, `verify`, `authenticate/memory`,
//!   `authenticate/redis`, `authenticate/postgres`.
//! - [`password`]: `password/verify`, `login/known-user`,
//!   `login/unknown-user`, `login/known-user-success`.

#![allow(missing_docs, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use criterion::{Criterion, criterion_group, criterion_main};

mod lifecycle;
mod password;
#[path = "../pg/mod.rs"]
mod pg;

fn tokens(c: &mut Criterion) {
    let mut group = c.benchmark_group("tokens");
    lifecycle::benches(&mut group);
    password::benches(&mut group);
    group.finish();
}

criterion_group!(benches, tokens);
criterion_main!(benches);
