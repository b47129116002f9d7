//! The example server: `cargo run -p auth-example-hyper`, then see
//! `docs/embedding.md` for the requests to send it.

use std::sync::Arc;
use std::time::Duration;

use auth_core::password::PasswordParams;
use auth_core::{Algorithm, SigningKey, SystemClock};
use auth_example_hyper::{App, serve};
use auth_store::MemoryStore;
use tokio::net::TcpListener;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let store = Arc::new(MemoryStore::new());
    // Expired sessions, token families and login counts are removed once
    // a minute; the task holds a weak reference and ends with the store.
    store.spawn_sweeper(Duration::from_secs(60), SystemClock)?;
    let key = SigningKey::generate(Algorithm::Hs256)?;
    let mut app = App::new(store, key, PasswordParams::default())?;
    app.add_user("alice", b"correct horse battery staple", &["admin"])?;

    let listener = TcpListener::bind("127.0.0.1:3001").await?;
    println!("listening on http://{}", listener.local_addr()?);
    serve(Arc::new(app), listener).await;
    Ok(())
}
