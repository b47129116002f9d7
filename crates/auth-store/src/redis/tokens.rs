//! `TokenStore` for `RedisStore`: refresh families, refresh-token records,
//! the access-token denylist and the token generations, with every
//! multi-key step in one Lua script (`token_*.lua`).
//!
//! ```text
//! {base}:tf:{family id}   the FamilyRecord (JSON)            expires at its nearer deadline
//! {base}:tr:{token key}   hash: f family, x index name,       expires at its family's absolute deadline
//!                         and once used: t when, s successor
//! {base}:tu:{user}        sorted set: member = family id,     expires with its latest member
//!                         score = that family's expiry (ms)
//! {base}:tg:{user}        the user's token generation         expires once no login ticket can predate it
//! {base}:td:{deny key}    a denied access token (its exp)     expires after its exp
//! ```
//!
//! `{base}` is the user's, as for sessions: refresh tokens are drawn in the
//! user's bucket, so a token's record, its family and the user's index
//! share one Cluster slot and one script may touch them all. Deadlines are
//! compared with the caller's `now` (the frame they were written in); keys
//! expire on Redis's clock, later than any comparison needs them, so no
//! key outlives its use by more than the clocks' skew and none is dropped
//! while it still matters (denylist entries get an extra margin).

use auth_core::Error;
use auth_core::session::{BucketKey, LOGIN_TICKET_TTL, StoreKey};
use auth_core::store::{
    AccessState, Created, MAX_FAMILIES_PER_USER, RefreshRules, Refreshed, TokenStore,
    encode_user_id,
};
use auth_core::tokens::FamilyRecord;
use redis::Script;

use super::{MAX_EXPIRY_MS, RedisStore};

/// How long past its `exp` a denylist entry is kept: a margin for clock
/// skew between the processes and Redis (an entry that vanished early
/// would let a revoked token back in).
const DENY_MARGIN: u64 = 600;

/// How long a moved token generation is kept (ms): well past the age at
/// which a login ticket is refused, so reading 0 again afterwards is safe.
const GENERATION_TTL_MS: u64 = (LOGIN_TICKET_TTL + 3600) * 1000;

pub(super) struct TokenScripts {
    create: Script,
    refresh: Script,
    delete: Script,
    list: Script,
    delete_user: Script,
    deny: Script,
}

impl TokenScripts {
    pub(super) fn new() -> Self {
        const PRELUDE: &str = concat!(
            include_str!("prelude.lua"),
            "\n",
            include_str!("token_prelude.lua")
        );
        let with_prelude = |body: &str| Script::new(&format!("{PRELUDE}\n{body}"));
        Self {
            create: with_prelude(include_str!("token_create.lua")),
            refresh: with_prelude(include_str!("token_refresh.lua")),
            delete: with_prelude(include_str!("token_delete.lua")),
            list: with_prelude(include_str!("token_list.lua")),
            delete_user: with_prelude(include_str!("token_delete_user.lua")),
            deny: Script::new(include_str!("token_deny.lua")),
        }
    }
}

/// Seconds as Redis milliseconds (1 at the earliest, never past what Redis
/// accepts).
fn ms(seconds: u64) -> u64 {
    seconds.saturating_mul(1000).clamp(1, MAX_EXPIRY_MS)
}

fn unexpected() -> Error {
    Error::StoreCorrupt("redis returned an unexpected reply")
}

impl RedisStore {
    /// The base of the keys in `key`'s bucket.
    fn key_base(&self, key: &StoreKey) -> String {
        self.base(self.buckets.as_ref().map(|b| b.of_key(key)))
    }

    /// The name of the key holding the family `family_id` of `user_id`.
    #[must_use]
    pub fn family_key(&self, user_id: &str, family_id: &str) -> String {
        format!("{}:tf:{family_id}", self.user_base(user_id))
    }

    /// The name of the key holding the refresh token record under `key`.
    #[must_use]
    pub fn refresh_key(&self, key: &StoreKey) -> String {
        format!("{}:tr:{}", self.key_base(key), key.to_text())
    }

    /// The name of the sorted set indexing `user_id`'s families.
    #[must_use]
    pub fn families_key(&self, user_id: &str) -> String {
        format!("{}:tu:{}", self.user_base(user_id), encode_user_id(user_id))
    }

    /// The name of the key holding `user_id`'s token generation.
    #[must_use]
    pub fn token_generation_key(&self, user_id: &str) -> String {
        format!("{}:tg:{}", self.user_base(user_id), encode_user_id(user_id))
    }

    /// The name of the denylist entry `key` of `user_id`.
    #[must_use]
    pub fn deny_key(&self, user_id: &str, key: &StoreKey) -> String {
        format!("{}:td:{}", self.user_base(user_id), key.to_text())
    }

    /// With buckets, a family's tokens must lie in its user's bucket.
    fn check_token_bucket(&self, key: &StoreKey, user_id: &str) -> Result<(), Error> {
        match &self.buckets {
            Some(b) if b.of_key(key) != b.of_user(user_id) => Err(Error::Misuse(
                "with buckets, refresh tokens must be drawn in the user's bucket",
            )),
            _ => Ok(()),
        }
    }
}

impl TokenStore for RedisStore {
    async fn token_generation(&self, user_id: &str) -> Result<u64, Error> {
        let name = self.token_generation_key(user_id);
        let Some(bytes) = self.bounded(self.get(&name)).await? else {
            return Ok(0);
        };
        core::str::from_utf8(&bytes)
            .ok()
            .and_then(|text| text.parse().ok())
            .ok_or(Error::StoreCorrupt(
                "a user's token generation is not a number",
            ))
    }

    async fn create_family(
        &self,
        family: &FamilyRecord,
        generation: u64,
        max_per_user: usize,
    ) -> Result<Created, Error> {
        let first = family
            .current()
            .ok_or(Error::Misuse("the family names no refresh token"))?;
        self.check_token_bucket(&first, &family.user_id)?;
        let user = &family.user_id;
        let mut call = self.token_scripts.create.prepare_invoke();
        call.key(self.family_key(user, &family.family_id))
            .key(self.refresh_key(&first))
            .key(self.families_key(user))
            .key(self.token_generation_key(user))
            .arg(self.user_base(user))
            .arg(family.encode()?)
            .arg(&family.family_id)
            .arg(ms(family.expires_at()))
            .arg(ms(family.absolute_deadline))
            .arg(max_per_user.clamp(1, MAX_FAMILIES_PER_USER))
            .arg(generation)
            .arg(user);
        match self.bounded(self.run::<i64>(&call)).await? {
            1 => Ok(Created::Stored),
            0 => Ok(Created::KeyTaken),
            2 => Ok(Created::GenerationMoved),
            _ => Err(unexpected()),
        }
    }

    async fn refresh(
        &self,
        presented: &StoreKey,
        next: &StoreKey,
        now: u64,
        rules: RefreshRules,
    ) -> Result<Refreshed, Error> {
        if let Some(b) = &self.buckets
            && b.of_key(presented) != b.of_key(next)
        {
            return Err(Error::Misuse(
                "with buckets, the next refresh token must be drawn in the presented one's bucket",
            ));
        }
        let mut call = self.token_scripts.refresh.prepare_invoke();
        call.key(self.refresh_key(presented))
            .key(self.refresh_key(next))
            .arg(self.key_base(presented))
            .arg(now)
            .arg(rules.idle)
            .arg(rules.grace)
            .arg(rules.max_refreshes)
            .arg(next.to_text())
            .arg(presented.to_text());
        let reply: Vec<Vec<u8>> = self.bounded(self.run(&call)).await?;
        let text = |i: usize| {
            reply
                .get(i)
                .and_then(|b| String::from_utf8(b.clone()).ok())
                .ok_or_else(unexpected)
        };
        match reply.first().map(Vec::as_slice) {
            Some(b"rotated") => {
                let bytes = reply.get(1).ok_or_else(unexpected)?;
                Ok(Refreshed::Rotated(FamilyRecord::decode(bytes)?))
            }
            Some(b"reused") => Ok(Refreshed::Reused {
                user_id: text(1)?,
                family_id: text(2)?,
            }),
            Some(b"unknown") => Ok(Refreshed::Unknown),
            Some(b"taken") => Ok(Refreshed::KeyTaken),
            Some(b"corrupt") => Err(Error::StoreCorrupt("token family does not parse")),
            _ => Err(unexpected()),
        }
    }

    async fn access_state(
        &self,
        user_id: &str,
        family_id: &str,
        denied: &StoreKey,
        now: u64,
    ) -> Result<AccessState, Error> {
        // Both keys share the user's hash tag: one MGET, one round trip.
        let mut cmd = redis::cmd("MGET");
        cmd.arg(self.deny_key(user_id, denied))
            .arg(self.family_key(user_id, family_id));
        let reply: Vec<Option<Vec<u8>>> = self.bounded(self.query(&cmd)).await?;
        let [deny, family] = reply.as_slice() else {
            return Err(unexpected());
        };
        if let Some(until) = deny {
            let until: u64 = core::str::from_utf8(until)
                .ok()
                .and_then(|t| t.parse().ok())
                .ok_or(Error::StoreCorrupt("a denylist entry is not a number"))?;
            if now < until {
                return Ok(AccessState::Denied);
            }
        }
        let live = match family {
            Some(bytes) => {
                let family = FamilyRecord::decode(bytes)?;
                family.user_id == user_id && !family.is_expired(now)
            }
            None => false,
        };
        Ok(if live {
            AccessState::Live
        } else {
            AccessState::FamilyEnded
        })
    }

    async fn deny(
        &self,
        user_id: &str,
        key: &StoreKey,
        until: u64,
        _now: u64,
    ) -> Result<(), Error> {
        let mut call = self.token_scripts.deny.prepare_invoke();
        call.key(self.deny_key(user_id, key))
            .arg(until)
            .arg(ms(until.saturating_add(DENY_MARGIN)));
        self.bounded(self.run::<i64>(&call)).await.map(|_| ())
    }

    async fn delete_family(&self, user_id: &str, family_id: &str) -> Result<bool, Error> {
        let mut call = self.token_scripts.delete.prepare_invoke();
        call.key(self.families_key(user_id))
            .arg(self.user_base(user_id))
            .arg(family_id)
            .arg(user_id);
        Ok(self.bounded(self.run::<i64>(&call)).await? == 1)
    }

    async fn list_families(&self, user_id: &str, now: u64) -> Result<Vec<FamilyRecord>, Error> {
        let mut call = self.token_scripts.list.prepare_invoke();
        call.key(self.families_key(user_id))
            .arg(self.user_base(user_id));
        let reply: Vec<Vec<u8>> = self.bounded(self.run(&call)).await?;
        let mut out = Vec::with_capacity(reply.len());
        for bytes in &reply {
            let family = FamilyRecord::decode(bytes)?;
            if family.user_id == user_id && !family.is_expired(now) {
                out.push(family);
            }
        }
        Ok(out)
    }

    async fn delete_user_families(&self, user_id: &str, _now: u64) -> Result<usize, Error> {
        let mut call = self.token_scripts.delete_user.prepare_invoke();
        call.key(self.families_key(user_id))
            .key(self.token_generation_key(user_id))
            .arg(self.user_base(user_id))
            .arg(user_id)
            .arg(GENERATION_TTL_MS);
        let n: u64 = self.bounded(self.run(&call)).await?;
        usize::try_from(n).map_err(|_| unexpected())
    }

    fn token_buckets(&self) -> Option<&BucketKey> {
        self.buckets.as_ref()
    }
}
