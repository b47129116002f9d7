-- Migration 1: every table of PostgresStore.
--
-- Touches: creates the tables below and the sequence auth_generation, in
-- the schema first on the search_path (PostgresStore sets it to its
-- configured schema). Applied in one transaction, recorded in
-- auth_migrations (version 1).
--
-- No table holds a session ID, a refresh token or an access token: every
-- key is the SHA-256 the core computes (StoreKey, 32 bytes). Deadlines are
-- Unix seconds on the application's clock (the caller's `now`); a row at or
-- past its expires_at reads as absent and is removed by the sweeper.

-- Sessions: the encoded SessionRecord under its store key.
CREATE TABLE auth_sessions (
    key        bytea  PRIMARY KEY CHECK (length(key) = 32),
    user_id    text   NOT NULL,
    expires_at bigint NOT NULL,
    record     bytea  NOT NULL
);
CREATE INDEX auth_sessions_user ON auth_sessions (user_id, expires_at);
CREATE INDEX auth_sessions_expiry ON auth_sessions (expires_at);

-- Each user's session generation (moved only by "log out everywhere"). The
-- row is also the lock every per-user write takes, so creating, rotating
-- and "log out everywhere" for one user are serialised. moved_at lets the
-- sweeper forget generations no login ticket can predate.
CREATE TABLE auth_users (
    user_id    text   PRIMARY KEY,
    generation bigint NOT NULL DEFAULT 0,
    moved_at   bigint NOT NULL DEFAULT 0
);
CREATE INDEX auth_users_moved ON auth_users (moved_at);

-- The same for token generations.
CREATE TABLE auth_token_users (
    user_id    text   PRIMARY KEY,
    generation bigint NOT NULL DEFAULT 0,
    moved_at   bigint NOT NULL DEFAULT 0
);
CREATE INDEX auth_token_users_moved ON auth_token_users (moved_at);

-- Generation values, shared by both tables and never reused: a generation
-- the sweeper forgot and that moves again later cannot come back to a value
-- an old ticket holds.
CREATE SEQUENCE auth_generation;

-- Refresh-token families: the encoded FamilyRecord, its nearer deadline
-- and its current token's store key.
CREATE TABLE auth_families (
    family_id   text   PRIMARY KEY,
    user_id     text   NOT NULL,
    expires_at  bigint NOT NULL,
    current_key bytea  NOT NULL CHECK (length(current_key) = 32),
    record      bytea  NOT NULL
);
CREATE INDEX auth_families_user ON auth_families (user_id, expires_at);
CREATE INDEX auth_families_expiry ON auth_families (expires_at);

-- Refresh tokens by store key, kept until their family's absolute deadline
-- so that any earlier token of a chain is recognised as reuse. Once used:
-- when (used_at) and which token replaced it (successor).
CREATE TABLE auth_refresh_tokens (
    key        bytea  PRIMARY KEY CHECK (length(key) = 32),
    family_id  text   NOT NULL,
    expires_at bigint NOT NULL,
    used_at    bigint,
    successor  bytea
);
CREATE INDEX auth_refresh_tokens_expiry ON auth_refresh_tokens (expires_at);

-- Denied access tokens (the store key of their jti), until their exp.
CREATE TABLE auth_denied (
    key        bytea  PRIMARY KEY CHECK (length(key) = 32),
    expires_at bigint NOT NULL
);
CREATE INDEX auth_denied_expiry ON auth_denied (expires_at);

-- Failed-login throttle states by ThrottleKey (a hash of an account name or
-- an address), as ThrottleState::encode writes them.
CREATE TABLE auth_throttles (
    key        text   PRIMARY KEY,
    state      text   NOT NULL,
    expires_at bigint NOT NULL
);
CREATE INDEX auth_throttles_expiry ON auth_throttles (expires_at);
