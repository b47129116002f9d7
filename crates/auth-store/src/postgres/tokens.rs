//! `TokenStore` for `PostgresStore`: families, refresh tokens, the denylist
//! and token generations (tables `auth_families`, `auth_refresh_tokens`,
//! `auth_denied`, `auth_token_users`).
//!
//! The refresh step is one transaction that locks the family row first and
//! the presented token's row second (every statement that touches both
//! does so in that order): of two refreshes with one token, exactly one
//! finds it unused; the other waits for its commit and then sees a reuse.

use auth_core::Error;
use auth_core::session::StoreKey;
use auth_core::store::{
    AccessState, Created, MAX_FAMILIES_PER_USER, RefreshRules, Refreshed, TokenStore,
};
use auth_core::tokens::FamilyRecord;
use deadpool_postgres::GenericClient;

use super::{Failure, MAX_RETRIES, PostgresStore, attempt, lock_user, secs, unsecs};

pub(super) const SWEEP_FAMILIES: &str = "DELETE FROM auth_families WHERE family_id IN
    (SELECT family_id FROM auth_families WHERE expires_at <= $1 LIMIT $2) AND expires_at <= $1";
pub(super) const SWEEP_REFRESH: &str = "DELETE FROM auth_refresh_tokens WHERE key IN
    (SELECT key FROM auth_refresh_tokens WHERE expires_at <= $1 LIMIT $2) AND expires_at <= $1";
pub(super) const SWEEP_DENIED: &str = "DELETE FROM auth_denied WHERE key IN
    (SELECT key FROM auth_denied WHERE expires_at <= $1 LIMIT $2) AND expires_at <= $1";
pub(super) const SWEEP_TOKEN_USERS: &str = "DELETE FROM auth_token_users WHERE user_id IN
    (SELECT user_id FROM auth_token_users WHERE moved_at < $1 LIMIT $2) AND moved_at < $1";

const GENERATION: &str = "SELECT generation FROM auth_token_users WHERE user_id = $1";
const LOCK_USER: &str = "INSERT INTO auth_token_users (user_id) VALUES ($1)
    ON CONFLICT (user_id) DO UPDATE SET generation = auth_token_users.generation
    RETURNING generation";
const MOVE_GENERATION: &str = "INSERT INTO auth_token_users (user_id, generation, moved_at)
    VALUES ($1, nextval('auth_generation'), $2)
    ON CONFLICT (user_id) DO UPDATE SET generation = EXCLUDED.generation, moved_at = EXCLUDED.moved_at";
const DELETE_EXPIRED_TOKEN: &str =
    "DELETE FROM auth_refresh_tokens WHERE key = $1 AND expires_at <= $2";
const INSERT_TOKEN: &str = "INSERT INTO auth_refresh_tokens (key, family_id, expires_at)
    VALUES ($1, $2, $3) ON CONFLICT (key) DO NOTHING";
const COUNT_FAMILIES: &str = "SELECT count(*) FROM auth_families WHERE user_id = $1";
/// Revokes the `$2` families of user `$1` nearest their end, with their
/// current tokens.
const EVICT_FAMILIES: &str = "WITH gone AS (
        DELETE FROM auth_families WHERE family_id IN
            (SELECT family_id FROM auth_families WHERE user_id = $1
             ORDER BY expires_at, family_id LIMIT $2)
        RETURNING current_key)
    DELETE FROM auth_refresh_tokens WHERE key IN (SELECT current_key FROM gone)";
const INSERT_FAMILY: &str =
    "INSERT INTO auth_families (family_id, user_id, expires_at, current_key, record)
    VALUES ($1, $2, $3, $4, $5) ON CONFLICT (family_id) DO NOTHING";
const TOKEN_FAMILY: &str =
    "SELECT family_id FROM auth_refresh_tokens WHERE key = $1 AND expires_at > $2";
const LOCK_FAMILY: &str = "SELECT record FROM auth_families WHERE family_id = $1 FOR UPDATE";
const LOCK_TOKEN: &str = "SELECT family_id, used_at, successor FROM auth_refresh_tokens
    WHERE key = $1 AND expires_at > $2 FOR UPDATE";
const SUCCESSOR_UNUSED: &str =
    "SELECT used_at IS NULL FROM auth_refresh_tokens WHERE key = $1 FOR UPDATE";
const DELETE_TOKEN: &str = "DELETE FROM auth_refresh_tokens WHERE key = $1";
const MARK_USED: &str =
    "UPDATE auth_refresh_tokens SET used_at = $2, successor = $3 WHERE key = $1";
const UPDATE_FAMILY: &str =
    "UPDATE auth_families SET record = $2, expires_at = $3, current_key = $4
    WHERE family_id = $1";
/// Revokes family `$2` if it is user `$1`'s (`$1` NULL: whoever's), with
/// its current token; returns how many families went (0 or 1).
const REVOKE_FAMILY: &str = "WITH gone AS (
        DELETE FROM auth_families WHERE family_id = $2 AND ($1::text IS NULL OR user_id = $1)
        RETURNING current_key),
    tokens AS (DELETE FROM auth_refresh_tokens WHERE key IN (SELECT current_key FROM gone))
    SELECT count(*) FROM gone";
const REVOKE_USER: &str = "WITH gone AS (
        DELETE FROM auth_families WHERE user_id = $1 RETURNING current_key),
    tokens AS (DELETE FROM auth_refresh_tokens WHERE key IN (SELECT current_key FROM gone))
    SELECT count(*) FROM gone";
const ACCESS_STATE: &str = "SELECT
    EXISTS (SELECT 1 FROM auth_denied WHERE key = $1 AND expires_at > $2),
    EXISTS (SELECT 1 FROM auth_families
            WHERE family_id = $3 AND user_id = $4 AND expires_at > $2)";
const DENY: &str = "INSERT INTO auth_denied (key, expires_at) VALUES ($1, $2)
    ON CONFLICT (key) DO UPDATE SET expires_at = GREATEST(auth_denied.expires_at, EXCLUDED.expires_at)";
const LIST_FAMILIES: &str = "SELECT record FROM auth_families
    WHERE user_id = $1 AND expires_at > $2 ORDER BY expires_at, family_id";

/// Revokes one family (and its current token) inside `tx`.
async fn revoke<C: GenericClient>(tx: &C, family_id: &str) -> Result<(), Failure> {
    let stmt = tx.prepare_cached(REVOKE_FAMILY).await?;
    tx.query_one(&stmt, &[&None::<&str>, &family_id]).await?;
    Ok(())
}

/// Makes `next` the family's current token (already inserted), marks
/// `presented` used at `used_at` with `next` as its successor, and writes
/// the family back.
async fn advance<C: GenericClient>(
    tx: &C,
    family: &mut FamilyRecord,
    presented: &StoreKey,
    used_at: u64,
    next: &StoreKey,
    now: u64,
    idle: u64,
) -> Result<(), Failure> {
    family.advance(next, now, idle);
    let stmt = tx.prepare_cached(MARK_USED).await?;
    tx.execute(&stmt, &[&&presented.0[..], &secs(used_at), &&next.0[..]])
        .await?;
    let stmt = tx.prepare_cached(UPDATE_FAMILY).await?;
    tx.execute(
        &stmt,
        &[
            &family.family_id,
            &family.encode()?,
            &secs(family.expires_at()),
            &&next.0[..],
        ],
    )
    .await?;
    Ok(())
}

impl TokenStore for PostgresStore {
    async fn token_generation(&self, user_id: &str) -> Result<u64, Error> {
        attempt!(self, client => async {
            let stmt = client.prepare_cached(GENERATION).await?;
            let row = client.query_opt(&stmt, &[&user_id]).await?;
            Ok(row.map_or(0, |r| unsecs(r.get(0))))
        })
    }

    async fn create_family(
        &self,
        family: &FamilyRecord,
        generation: u64,
        max_per_user: usize,
    ) -> Result<Created, Error> {
        let Some(first) = family.current() else {
            return Err(Error::Misuse("the family names no refresh token"));
        };
        let now = secs(family.created);
        let bytes = family.encode()?;
        let max = i64::try_from(max_per_user.clamp(1, MAX_FAMILIES_PER_USER)).unwrap_or(1);
        let user = family.user_id.as_str();
        let id = family.family_id.as_str();
        let absolute = secs(family.absolute_deadline);
        let expires = secs(family.expires_at());
        attempt!(self, client => async {
            let tx = client.transaction().await?;
            if lock_user(&tx, LOCK_USER, user).await? != generation {
                tx.rollback().await?;
                return Ok(Created::GenerationMoved);
            }
            let stmt = tx.prepare_cached(DELETE_EXPIRED_TOKEN).await?;
            tx.execute(&stmt, &[&&first.0[..], &now]).await?;
            let stmt = tx.prepare_cached(INSERT_TOKEN).await?;
            if tx.execute(&stmt, &[&&first.0[..], &id, &absolute]).await? == 0 {
                tx.rollback().await?;
                return Ok(Created::KeyTaken);
            }
            let stmt = tx.prepare_cached(COUNT_FAMILIES).await?;
            let count: i64 = tx.query_one(&stmt, &[&user]).await?.get(0);
            if count >= max {
                let stmt = tx.prepare_cached(EVICT_FAMILIES).await?;
                tx.execute(&stmt, &[&user, &(count + 1 - max)]).await?;
            }
            let stmt = tx.prepare_cached(INSERT_FAMILY).await?;
            if tx.execute(&stmt, &[&id, &user, &expires, &&first.0[..], &bytes]).await? == 0 {
                tx.rollback().await?;
                return Ok(Created::KeyTaken);
            }
            tx.commit().await?;
            Ok(Created::Stored)
        })
    }

    async fn refresh(
        &self,
        presented: &StoreKey,
        next: &StoreKey,
        now: u64,
        rules: RefreshRules,
    ) -> Result<Refreshed, Error> {
        let now_s = secs(now);
        attempt!(self, client => async {
            let tx = client.transaction().await?;
            // Which family, read without a lock; the family's lock comes
            // first, then the token's, read again under it.
            let stmt = tx.prepare_cached(TOKEN_FAMILY).await?;
            let Some(row) = tx.query_opt(&stmt, &[&&presented.0[..], &now_s]).await? else {
                tx.rollback().await?;
                return Ok(Refreshed::Unknown);
            };
            let family_id: String = row.get(0);
            let stmt = tx.prepare_cached(LOCK_FAMILY).await?;
            let Some(row) = tx.query_opt(&stmt, &[&family_id]).await? else {
                tx.rollback().await?;
                return Ok(Refreshed::Unknown);
            };
            let mut family = FamilyRecord::decode(row.get(0))?;
            if family.is_expired(now) {
                tx.rollback().await?;
                return Ok(Refreshed::Unknown);
            }
            let stmt = tx.prepare_cached(LOCK_TOKEN).await?;
            let Some(row) = tx.query_opt(&stmt, &[&&presented.0[..], &now_s]).await? else {
                tx.rollback().await?;
                return Ok(Refreshed::Unknown);
            };
            if row.get::<_, &str>(0) != family_id {
                tx.rollback().await?;
                return Ok(Refreshed::Unknown);
            }
            let used_at: Option<i64> = row.get(1);
            let successor: Option<&[u8]> = row.get(2);
            let current = family.current();
            let insert = tx.prepare_cached(INSERT_TOKEN).await?;
            let absolute = secs(family.absolute_deadline);
            if let Some(used_at) = used_at {
                let used_at = unsecs(used_at);
                let successor = successor.and_then(|s| <[u8; 32]>::try_from(s).ok()).map(StoreKey);
                let mut retry = now < used_at.saturating_add(rules.grace)
                    && successor.is_some()
                    && current == successor;
                if let (true, Some(s)) = (retry, successor) {
                    let stmt = tx.prepare_cached(SUCCESSOR_UNUSED).await?;
                    retry = tx
                        .query_opt(&stmt, &[&&s.0[..]])
                        .await?
                        .is_some_and(|r| r.get::<_, bool>(0));
                }
                let Some(successor) = successor.filter(|_| retry) else {
                    revoke(&tx, &family_id).await?;
                    tx.commit().await?;
                    return Ok(Refreshed::Reused {
                        user_id: family.user_id,
                        family_id: family.family_id,
                    });
                };
                if tx.execute(&insert, &[&&next.0[..], &family_id, &absolute]).await? == 0 {
                    tx.rollback().await?;
                    return Ok(Refreshed::KeyTaken);
                }
                // The lost response's token is dropped, not marked used: a
                // client that did receive it gets "unknown", not a revoked
                // family.
                let stmt = tx.prepare_cached(DELETE_TOKEN).await?;
                tx.execute(&stmt, &[&&successor.0[..]]).await?;
                advance(&tx, &mut family, presented, used_at, next, now, rules.idle).await?;
                tx.commit().await?;
                return Ok(Refreshed::Rotated(family));
            }
            if current != Some(*presented) {
                tx.rollback().await?;
                return Ok(Refreshed::Unknown);
            }
            if family.refreshes >= rules.max_refreshes {
                revoke(&tx, &family_id).await?;
                tx.commit().await?;
                return Ok(Refreshed::Unknown);
            }
            if tx.execute(&insert, &[&&next.0[..], &family_id, &absolute]).await? == 0 {
                tx.rollback().await?;
                return Ok(Refreshed::KeyTaken);
            }
            advance(&tx, &mut family, presented, now, next, now, rules.idle).await?;
            tx.commit().await?;
            Ok(Refreshed::Rotated(family))
        })
    }

    async fn access_state(
        &self,
        user_id: &str,
        family_id: &str,
        denied: &StoreKey,
        now: u64,
    ) -> Result<AccessState, Error> {
        let now = secs(now);
        attempt!(self, client => async {
            let stmt = client.prepare_cached(ACCESS_STATE).await?;
            let row = client
                .query_one(&stmt, &[&&denied.0[..], &now, &family_id, &user_id])
                .await?;
            Ok(if row.get::<_, bool>(0) {
                AccessState::Denied
            } else if row.get::<_, bool>(1) {
                AccessState::Live
            } else {
                AccessState::FamilyEnded
            })
        })
    }

    async fn deny(
        &self,
        _user_id: &str,
        key: &StoreKey,
        until: u64,
        _now: u64,
    ) -> Result<(), Error> {
        let until = secs(until);
        attempt!(self, client => async {
            let stmt = client.prepare_cached(DENY).await?;
            client.execute(&stmt, &[&&key.0[..], &until]).await?;
            Ok(())
        })
    }

    async fn delete_family(&self, user_id: &str, family_id: &str) -> Result<bool, Error> {
        attempt!(self, client => async {
            let stmt = client.prepare_cached(REVOKE_FAMILY).await?;
            let row = client.query_one(&stmt, &[&Some(user_id), &family_id]).await?;
            Ok(row.get::<_, i64>(0) > 0)
        })
    }

    async fn list_families(&self, user_id: &str, now: u64) -> Result<Vec<FamilyRecord>, Error> {
        let now = secs(now);
        attempt!(self, client => async {
            let stmt = client.prepare_cached(LIST_FAMILIES).await?;
            let rows = client.query(&stmt, &[&user_id, &now]).await?;
            let mut out = Vec::with_capacity(rows.len());
            for row in rows {
                out.push(FamilyRecord::decode(row.get(0))?);
            }
            Ok(out)
        })
    }

    async fn delete_user_families(&self, user_id: &str, now: u64) -> Result<usize, Error> {
        let now = secs(now);
        attempt!(self, client => async {
            let tx = client.transaction().await?;
            let stmt = tx.prepare_cached(MOVE_GENERATION).await?;
            tx.execute(&stmt, &[&user_id, &now]).await?;
            let stmt = tx.prepare_cached(REVOKE_USER).await?;
            let removed: i64 = tx.query_one(&stmt, &[&user_id]).await?.get(0);
            tx.commit().await?;
            Ok(usize::try_from(removed).unwrap_or(usize::MAX))
        })
    }
}
