//! Prints every migration of the PostgreSQL store as one SQL script, for
//! teams that apply migrations themselves:
//!
//! ```text
//! cargo run -q -p auth-store --features postgres --example postgres_migrations > auth.sql
//! psql "$DATABASE_URL" -c 'CREATE SCHEMA IF NOT EXISTS auth'
//! PGOPTIONS='-csearch_path=auth' psql "$DATABASE_URL" -f auth.sql
//! ```

fn main() {
    print!("{}", auth_store::PostgresStore::migrations_sql());
}
