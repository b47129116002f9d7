//! The one service apps call for tokens: issue a pair at login, refresh,
//! verify or authenticate an access token, log out, revoke.

use alloc::borrow::Cow;
use alloc::string::String;
use alloc::vec::Vec;
use core::fmt;
use core::marker::PhantomData;

use serde::de::value::{BorrowedStrDeserializer, MapAccessDeserializer, StringDeserializer};
use serde::de::{self, DeserializeOwned, DeserializeSeed, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use super::family::{FamilyRecord, RESERVED_CLAIMS, RefreshToken, random_id};
use crate::error::Error;
use crate::jwt::{Claims, SignOptions, Validation};
use crate::keys::KeySet;
use crate::session::{LOGIN_TICKET_TTL, StoreKey};
use crate::store::{
    AccessState, Created, MAX_FAMILIES_PER_USER, RefreshRules, Refreshed, TokenStore,
};
use crate::time::Clock;

/// The `typ` header of access tokens (RFC 9068 section 2.1).
pub const ACCESS_TOKEN_TYP: &str = "at+jwt";
/// The default access-token lifetime: 15 minutes.
pub const DEFAULT_ACCESS_TTL: u64 = 15 * 60;
/// The default inactivity limit of a refresh family: 14 days.
pub const DEFAULT_REFRESH_IDLE: u64 = 14 * 24 * 60 * 60;
/// The default absolute limit of a refresh family: 30 days.
pub const DEFAULT_REFRESH_ABSOLUTE: u64 = 30 * 24 * 60 * 60;
/// The default for [`TokenConfig::max_families_per_user`].
pub const DEFAULT_MAX_FAMILIES_PER_USER: usize = 32;
/// The longest lifetime any token setting accepts: ten years (stores
/// write deadlines as times they must be able to represent).
pub const MAX_REFRESH_LIFETIME: u64 = 10 * 365 * 24 * 60 * 60;
/// The default for [`TokenConfig::max_refreshes`].
pub const DEFAULT_MAX_REFRESHES: u32 = 10_000;

/// Issuer, audience, lifetimes and limits of a [`TokenService`].
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct TokenConfig {
    /// `iss` of every access token, and the issuer verification expects.
    pub issuer: String,
    /// `aud` of every access token, and the audience verification expects.
    pub audience: String,
    /// Access-token lifetime in seconds (default 15 minutes).
    pub access_ttl: u64,
    /// A family not refreshed for this long (seconds) ends (default 14
    /// days).
    pub refresh_idle: u64,
    /// A family ends this long (seconds) after login (default 30 days).
    pub refresh_absolute: u64,
    /// Seconds during which a just-used refresh token may be presented once
    /// more without counting as reuse (default 0). See
    /// [`TokenConfig::grace`].
    pub grace: u64,
    /// At most this many families (logins) per user (default 32, never
    /// more than [`MAX_FAMILIES_PER_USER`]); at the limit a login revokes
    /// the families closest to their end.
    pub max_families_per_user: usize,
    /// A family ends after this many refreshes (default 10,000): it bounds
    /// the used tokens a store keeps for reuse detection.
    pub max_refreshes: u32,
    /// Clock leeway for access-token verification, in seconds (default 0,
    /// at most [`MAX_LEEWAY`](crate::MAX_LEEWAY)).
    pub leeway: u64,
}

impl TokenConfig {
    /// The defaults, for tokens issued by `issuer` for `audience`.
    #[must_use]
    pub fn new(issuer: impl Into<String>, audience: impl Into<String>) -> Self {
        Self {
            issuer: issuer.into(),
            audience: audience.into(),
            access_ttl: DEFAULT_ACCESS_TTL,
            refresh_idle: DEFAULT_REFRESH_IDLE,
            refresh_absolute: DEFAULT_REFRESH_ABSOLUTE,
            grace: 0,
            max_families_per_user: DEFAULT_MAX_FAMILIES_PER_USER,
            max_refreshes: DEFAULT_MAX_REFRESHES,
            leeway: 0,
        }
    }

    /// Sets the access-token lifetime in seconds (at least 1, at most
    /// [`MAX_REFRESH_LIFETIME`]).
    #[must_use]
    pub fn access_ttl(mut self, seconds: u64) -> Self {
        self.access_ttl = seconds.clamp(1, MAX_REFRESH_LIFETIME);
        self
    }

    /// Sets the refresh family's inactivity limit in seconds (at least 1,
    /// at most [`MAX_REFRESH_LIFETIME`]).
    #[must_use]
    pub fn refresh_idle(mut self, seconds: u64) -> Self {
        self.refresh_idle = seconds.clamp(1, MAX_REFRESH_LIFETIME);
        self
    }

    /// Sets the refresh family's absolute limit in seconds (at least 1,
    /// at most [`MAX_REFRESH_LIFETIME`]).
    #[must_use]
    pub fn refresh_absolute(mut self, seconds: u64) -> Self {
        self.refresh_absolute = seconds.clamp(1, MAX_REFRESH_LIFETIME);
        self
    }

    /// Sets the retry grace in seconds.
    ///
    /// With 0 (the default), presenting a used refresh token is always
    /// reuse: the family is revoked. A client whose refresh response was
    /// lost (a dropped connection) then has to log in again. With a grace
    /// of `g`, a token used less than `g` seconds ago may be presented once
    /// more while its successor is still unused: the successor is dropped
    /// and a new one issued. The price: within those `g` seconds a thief
    /// replaying a stolen token gets a working one and the legitimate
    /// client is the one left with a dead token, with no reuse detected.
    /// Keep it short (a few seconds) if you set it at all.
    #[must_use]
    pub fn grace(mut self, seconds: u64) -> Self {
        self.grace = seconds;
        self
    }

    /// Limits the families per user (at least 1, at most
    /// [`MAX_FAMILIES_PER_USER`]).
    #[must_use]
    pub fn max_families_per_user(mut self, max: usize) -> Self {
        self.max_families_per_user = max.clamp(1, MAX_FAMILIES_PER_USER);
        self
    }

    /// Sets the refreshes a family may have (at least 1).
    #[must_use]
    pub fn max_refreshes(mut self, max: u32) -> Self {
        self.max_refreshes = max.max(1);
        self
    }

    /// Sets the verification leeway in seconds (at most
    /// [`MAX_LEEWAY`](crate::MAX_LEEWAY)).
    #[must_use]
    pub fn leeway(mut self, seconds: u64) -> Self {
        self.leeway = seconds.min(crate::MAX_LEEWAY);
        self
    }

    fn rules(&self) -> RefreshRules {
        RefreshRules {
            idle: self.refresh_idle,
            grace: self.grace,
            max_refreshes: self.max_refreshes,
        }
    }
}

/// Proof that a token login began before the credentials were checked: the
/// user and their token generation at that moment. Like the session
/// [`LoginTicket`](crate::session::LoginTicket), and for the same reason:
/// "revoke everything" between the password check and the issue wins.
/// Cannot be cloned; [`TokenService::issue`] consumes it.
#[derive(Debug)]
pub struct TokenTicket {
    user_id: String,
    generation: u64,
    issued: u64,
}

impl TokenTicket {
    /// The user the login is for.
    #[must_use]
    pub fn user_id(&self) -> &str {
        &self.user_id
    }
}

/// What a login or a refresh hands the client.
///
/// `Debug` shows neither token.
#[non_exhaustive]
pub struct TokenPair {
    /// The access token (a JWT, `typ: at+jwt`): a bearer credential.
    pub access_token: String,
    /// The refresh token: a bearer secret, to be sent only to the refresh
    /// endpoint.
    pub refresh_token: RefreshToken,
    /// Seconds until the access token expires.
    pub expires_in: u64,
    /// The family (login) both belong to.
    pub family_id: String,
}

impl fmt::Debug for TokenPair {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenPair")
            .field("access_token", &"..")
            .field("refresh_token", &self.refresh_token)
            .field("expires_in", &self.expires_in)
            .field("family_id", &self.family_id)
            .finish()
    }
}

/// A verified access token.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Access<C> {
    /// `sub`: the user.
    pub user_id: String,
    /// `sid`: the family (login) it belongs to.
    pub family_id: String,
    /// `jti`: its unique id.
    pub jti: String,
    /// `iat`.
    pub issued_at: u64,
    /// `exp`.
    pub expires_at: u64,
    /// The application's claims (roles, scope, ...).
    pub claims: C,
}

impl Access<Value> {
    /// The same token with its application claims read as `C` (an
    /// adapter authenticates once with [`Value`] claims, and each handler
    /// reads them as its own type): [`Error::InvalidClaim`] if they do not
    /// fit.
    pub fn into_claims<C: DeserializeOwned>(self) -> Result<Access<C>, Error> {
        let claims = C::deserialize(self.claims).map_err(|_| Error::InvalidClaim {
            claim: "(custom claims)".into(),
            reason: "do not match the expected claims type",
        })?;
        Ok(Access {
            user_id: self.user_id,
            family_id: self.family_id,
            jti: self.jti,
            issued_at: self.issued_at,
            expires_at: self.expires_at,
            claims,
        })
    }

    /// [`Access::into_claims`] by reference: the same token with its
    /// application claims read as `C`, leaving `self` as it is (an adapter
    /// keeps the token it authenticated for the request's other
    /// extractors, and reads each one's type straight from it, without
    /// copying the claims first).
    pub fn claims_as<C: DeserializeOwned>(&self) -> Result<Access<C>, Error> {
        let claims = C::deserialize(&self.claims).map_err(|_| Error::InvalidClaim {
            claim: "(custom claims)".into(),
            reason: "do not match the expected claims type",
        })?;
        Ok(Access {
            user_id: self.user_id.clone(),
            family_id: self.family_id.clone(),
            jti: self.jti.clone(),
            issued_at: self.issued_at,
            expires_at: self.expires_at,
            claims,
        })
    }
}

/// One of a user's logins, for a "your devices" list.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct FamilyInfo {
    /// The family's id: pass it to [`TokenService::revoke_family`].
    pub family_id: String,
    /// When the user logged in.
    pub created: u64,
    /// When it was last refreshed.
    pub refreshed: u64,
    /// When it ends unless refreshed (never after its absolute deadline).
    pub expires_at: u64,
}

/// The access token's own members beside the registered claims.
#[derive(Serialize)]
struct AccessOut<'a> {
    sid: &'a str,
    #[serde(flatten)]
    app: &'a Map<String, Value>,
}

/// An access token's members beside the registered claims, as read: `sid`,
/// and the application's claims `C`, read in the same pass from the
/// members that remain once the service's own ([`RESERVED_CLAIMS`]) are
/// taken out: `C` never sees `sub`, `jti`, `sid` and the rest.
struct AccessIn<C> {
    sid: String,
    app: C,
}

impl<'de, C: Deserialize<'de>> Deserialize<'de> for AccessIn<C> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(AccessVisitor(PhantomData))
    }
}

struct AccessVisitor<C>(PhantomData<C>);

impl<'de, C: Deserialize<'de>> Visitor<'de> for AccessVisitor<C> {
    type Value = AccessIn<C>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an access token's claims")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        let mut members = AppMembers { map, sid: None };
        let app = C::deserialize(MapAccessDeserializer::new(&mut members))?;
        // `C` may stop reading early (a type that ignores everything): the
        // rest is still read, for `sid` and for the guard's checks.
        while members.next_key::<IgnoredAny>()?.is_some() {
            members.next_value::<IgnoredAny>()?;
        }
        let sid = members.sid.ok_or_else(|| de::Error::missing_field("sid"))?;
        Ok(AccessIn { sid, app })
    }
}

/// The token's members as the application's claims type sees them: the
/// reserved names are skipped (`sid` is kept aside).
struct AppMembers<A> {
    map: A,
    sid: Option<String>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for AppMembers<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        while let Some(name) = self.map.next_key::<Name<'de>>()? {
            let name = name.0;
            if name == "sid" {
                self.sid = Some(self.map.next_value()?);
            } else if RESERVED_CLAIMS.contains(&&*name) {
                self.map.next_value::<IgnoredAny>()?;
            } else {
                return match name {
                    Cow::Borrowed(name) => seed
                        .deserialize(BorrowedStrDeserializer::new(name))
                        .map(Some),
                    Cow::Owned(name) => seed.deserialize(StringDeserializer::new(name)).map(Some),
                };
            }
        }
        Ok(None)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.map.next_value_seed(seed)
    }
}

/// A member name, borrowed from the payload when it has no escapes.
struct Name<'de>(Cow<'de, str>);

impl<'de> Deserialize<'de> for Name<'de> {
    fn deserialize<D: de::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_str(NameVisitor)
    }
}

struct NameVisitor;

impl<'de> Visitor<'de> for NameVisitor {
    type Value = Name<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a member name")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
        Ok(Name(Cow::Borrowed(v)))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
        Ok(Name(Cow::Owned(v.into())))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Self::Value, E> {
        Ok(Name(Cow::Owned(v)))
    }
}

/// How many fresh refresh tokens to try when the store reports a taken
/// key. With 256-bit tokens a single collision already means a broken RNG.
const CREATE_ATTEMPTS: usize = 3;

/// Access and refresh tokens over a [`KeySet`] and a [`TokenStore`].
///
/// - **Verifying** an access token ([`TokenService::verify`]) is pure: the
///   signature, `typ: at+jwt`, issuer, audience, expiry.
/// - **Authenticating** ([`TokenService::authenticate`]) is verify plus
///   one store round trip: the token's login (its refresh family, named by
///   `sid`) must still be live and its `jti` not denied. Revoking a family
///   or all of a user's families therefore takes effect on the next
///   request, with no window.
/// - **Refreshing** rotates: the presented refresh token is consumed and a
///   new one of the same family returned; presenting a consumed token
///   again revokes the family ([`Error::RefreshReused`]).
///
/// Every call takes the time, `now` (seconds since the Unix epoch), so
/// tests are exact and `no_std` needs no clock. An app gives the service
/// its clock once with [`TokenService::with_clock`] and passes
/// [`TokenService::now`]; `T` is that clock's type (`()`, the default,
/// without one). A service given no clock has no `now()`:
///
/// ```compile_fail,E0599
/// use auth_core::KeySet;
/// use auth_core::tokens::{TokenConfig, TokenService};
/// # fn main() -> Result<(), auth_core::Error> {
/// let tokens = TokenService::new(KeySet::new(), TokenConfig::new("iss", "aud"), ())?;
/// let _ = tokens.now();
/// # Ok(()) }
/// ```
///
/// `Debug` shows the configuration only.
pub struct TokenService<S, T = ()> {
    keys: KeySet,
    validation: Validation,
    config: TokenConfig,
    store: S,
    clock: T,
}

impl<S, T> fmt::Debug for TokenService<S, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenService")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<S> TokenService<S> {
    /// A service signing with `keys`' signing key (required:
    /// [`Error::InvalidKey`] otherwise) and verifying with all of its keys.
    pub fn new(keys: KeySet, config: TokenConfig, store: S) -> Result<Self, Error> {
        if keys.signing_key().is_none() {
            return Err(Error::InvalidKey("the key set has no signing key"));
        }
        let validation = Validation::new()
            .issuer(config.issuer.clone())
            .audience(config.audience.clone())
            .typ(ACCESS_TOKEN_TYP)
            .require("sub")
            .require("iat")
            .require("jti")
            .leeway(config.leeway);
        Ok(Self {
            keys,
            validation,
            config,
            store,
            clock: (),
        })
    }
}

impl<S, T: Clock> TokenService<S, T> {
    /// The time by the service's clock, to pass as `now`.
    pub fn now(&self) -> u64 {
        self.clock.now()
    }

    /// The service's clock.
    pub fn clock(&self) -> &T {
        &self.clock
    }
}

impl<S, T> TokenService<S, T> {
    /// The same service with `clock` as its clock ([`TokenService::now`]):
    /// [`SystemClock`](crate::SystemClock) in an app, a
    /// [`FixedClock`](crate::FixedClock) or a clock of the test's own in
    /// tests. Replaces any clock it had.
    pub fn with_clock<C: Clock>(self, clock: C) -> TokenService<S, C> {
        TokenService {
            keys: self.keys,
            validation: self.validation,
            config: self.config,
            store: self.store,
            clock,
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The configuration.
    pub fn config(&self) -> &TokenConfig {
        &self.config
    }

    /// The key set.
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// Verifies an access token without the store: signature, `typ:
    /// at+jwt`, issuer, audience, expiry, and the claims the service
    /// writes. Fast and pure, but blind to revocation: see
    /// [`TokenService::authenticate`]. [`Error::NotAccessToken`] for a
    /// refresh token.
    pub fn verify<C: DeserializeOwned>(&self, token: &str, now: u64) -> Result<Access<C>, Error> {
        if RefreshToken::parse(token).is_some() {
            return Err(Error::NotAccessToken);
        }
        let claims: Claims<AccessIn<C>> = self.keys.verify(token, &self.validation, now)?;
        let missing = |claim: &str| Error::MissingClaim(claim.into());
        Ok(Access {
            user_id: claims.sub.ok_or_else(|| missing("sub"))?,
            family_id: claims.custom.sid,
            jti: claims.jti.ok_or_else(|| missing("jti"))?,
            issued_at: claims.iat.ok_or_else(|| missing("iat"))?,
            expires_at: claims.exp.ok_or_else(|| missing("exp"))?,
            claims: claims.custom.app,
        })
    }

    /// The denylist key of an access token: a hash of the issuer and the
    /// `jti`, so a store never holds the token's ids in the clear.
    fn deny_key(&self, jti: &str) -> StoreKey {
        let mut h = Sha256::new();
        h.update(b"auth-core jti v1\0");
        h.update(self.config.issuer.as_bytes());
        h.update([0]);
        h.update(jti.as_bytes());
        StoreKey(h.finalize().into())
    }
}

impl<S: TokenStore, T> TokenService<S, T> {
    /// Starts a login for `user_id`: reads the user's token generation.
    /// Call it **before** checking the credentials; see [`TokenTicket`].
    pub async fn begin_login(&self, user_id: &str, now: u64) -> Result<TokenTicket, Error> {
        let generation = self.store.token_generation(user_id).await?;
        Ok(TokenTicket {
            user_id: user_id.into(),
            generation,
            issued: now,
        })
    }

    /// Completes a login whose credentials were checked after `ticket` was
    /// taken: starts a family and returns its first pair. `claims` are the
    /// application's (roles, scope, ...): a JSON object of at most
    /// [`MAX_CLAIMS_LEN`](super::MAX_CLAIMS_LEN) bytes without the
    /// [`RESERVED_CLAIMS`](super::RESERVED_CLAIMS), copied into every
    /// access token of the family. [`Error::StaleLogin`] when the user's
    /// tokens were revoked after the ticket was taken, or the ticket is
    /// older than [`LOGIN_TICKET_TTL`].
    pub async fn issue<C: Serialize>(
        &self,
        ticket: TokenTicket,
        claims: &C,
        now: u64,
    ) -> Result<TokenPair, Error> {
        if now.saturating_sub(ticket.issued) > LOGIN_TICKET_TTL {
            return Err(Error::StaleLogin);
        }
        let Ok(Value::Object(claims)) = serde_json::to_value(claims) else {
            return Err(Error::InvalidClaim {
                claim: "(custom claims)".into(),
                reason: "must serialize to a JSON object",
            });
        };
        let buckets = self
            .store
            .token_buckets()
            .map(|b| (b, b.of_user(&ticket.user_id)));
        for _ in 0..CREATE_ATTEMPTS {
            let first = RefreshToken::generate(buckets)?;
            let family = FamilyRecord::new(
                &ticket.user_id,
                &first.store_key(),
                &claims,
                now,
                self.config.refresh_idle,
                self.config.refresh_absolute,
            )?;
            match self
                .store
                .create_family(
                    &family,
                    ticket.generation,
                    self.config.max_families_per_user,
                )
                .await?
            {
                Created::Stored => return self.pair(&family, &claims, first, now),
                Created::GenerationMoved => return Err(Error::StaleLogin),
                Created::KeyTaken => {}
            }
        }
        Err(Error::IdCollision)
    }

    /// Exchanges a refresh token for a new pair of the same family. The
    /// presented token is consumed. [`Error::RefreshReused`] when it had
    /// been consumed before (the family is then revoked),
    /// [`Error::UnknownRefresh`] when it is not known or its family has
    /// ended, [`Error::NotRefreshToken`] for an access token.
    pub async fn refresh(&self, presented: &str, now: u64) -> Result<TokenPair, Error> {
        let key = parse_refresh(presented)?.store_key();
        let buckets = self.store.token_buckets().map(|b| (b, b.of_key(&key)));
        for _ in 0..CREATE_ATTEMPTS {
            let next = RefreshToken::generate(buckets)?;
            match self
                .store
                .refresh(&key, &next.store_key(), now, self.config.rules())
                .await?
            {
                Refreshed::Rotated(family) => {
                    let claims = serde_json::from_str(family.claims_json())
                        .map_err(|_| Error::StoreCorrupt("token claims do not parse"))?;
                    return self.pair(&family, &claims, next, now);
                }
                Refreshed::Reused { user_id, family_id } => {
                    return Err(Error::RefreshReused { user_id, family_id });
                }
                Refreshed::Unknown => return Err(Error::UnknownRefresh),
                Refreshed::KeyTaken => {}
            }
        }
        Err(Error::IdCollision)
    }

    /// Verifies an access token and checks, in one store round trip, that
    /// it is not revoked: its family is live and its `jti` not denied
    /// ([`Error::Revoked`] otherwise).
    pub async fn authenticate<C: DeserializeOwned>(
        &self,
        token: &str,
        now: u64,
    ) -> Result<Access<C>, Error> {
        let access = self.verify(token, now)?;
        let denied = self.deny_key(&access.jti);
        match self
            .store
            .access_state(&access.user_id, &access.family_id, &denied, now)
            .await?
        {
            AccessState::Live => Ok(access),
            AccessState::FamilyEnded | AccessState::Denied => Err(Error::Revoked),
        }
    }

    /// Revokes one access token until it expires (its `jti` goes on the
    /// denylist until `exp` plus the leeway, as long as verification
    /// could accept it); its family stays. Returns the verified token.
    pub async fn revoke_access(&self, token: &str, now: u64) -> Result<Access<Value>, Error> {
        let access: Access<Value> = self.verify(token, now)?;
        self.store
            .deny(
                &access.user_id,
                &self.deny_key(&access.jti),
                access.expires_at.saturating_add(self.config.leeway),
                now,
            )
            .await?;
        Ok(access)
    }

    /// Logs out one login: the access token's `jti` is denied until it
    /// expires and its family is revoked, so the refresh token stops
    /// working too. Returns whether the family was still live. The access
    /// token must verify (an expired one is `expired`): a client whose
    /// access token has expired logs out with
    /// [`TokenService::logout_refresh`].
    pub async fn logout(&self, access_token: &str, now: u64) -> Result<bool, Error> {
        let access: Access<Value> = self.verify(access_token, now)?;
        self.logout_access(&access, now).await
    }

    /// [`TokenService::logout`] for an access token the request already
    /// authenticated ([`TokenService::authenticate`]): no second
    /// verification. Denies its `jti` until it expires and revokes its
    /// family; returns whether the family was still live.
    pub async fn logout_access<C>(&self, access: &Access<C>, now: u64) -> Result<bool, Error> {
        self.store
            .deny(
                &access.user_id,
                &self.deny_key(&access.jti),
                access.expires_at.saturating_add(self.config.leeway),
                now,
            )
            .await?;
        self.store
            .delete_family(&access.user_id, &access.family_id)
            .await
    }

    /// Logs out the login a refresh token belongs to (for a client whose
    /// access token has already expired). The token is consumed, so
    /// presenting a used one revokes its family and says so
    /// ([`Error::RefreshReused`]).
    pub async fn logout_refresh(&self, refresh_token: &str, now: u64) -> Result<(), Error> {
        let key = parse_refresh(refresh_token)?.store_key();
        let next = RefreshToken::generate(self.store.token_buckets().map(|b| (b, b.of_key(&key))))?;
        match self
            .store
            .refresh(&key, &next.store_key(), now, self.config.rules())
            .await?
        {
            Refreshed::Rotated(family) => {
                self.store
                    .delete_family(&family.user_id, &family.family_id)
                    .await?;
                Ok(())
            }
            Refreshed::Reused { user_id, family_id } => {
                Err(Error::RefreshReused { user_id, family_id })
            }
            Refreshed::Unknown | Refreshed::KeyTaken => Err(Error::UnknownRefresh),
        }
    }

    /// "Log out everywhere" for tokens: revokes every family of the user,
    /// so every access and refresh token of theirs stops working at once,
    /// and refuses every login whose [`TokenTicket`] was taken before.
    /// Returns how many families ended.
    pub async fn revoke_all(&self, user_id: &str, now: u64) -> Result<usize, Error> {
        self.store.delete_user_families(user_id, now).await
    }

    /// The user's live logins, oldest first.
    pub async fn list(&self, user_id: &str, now: u64) -> Result<Vec<FamilyInfo>, Error> {
        let mut families: Vec<FamilyInfo> = self
            .store
            .list_families(user_id, now)
            .await?
            .into_iter()
            .filter(|f| f.user_id == user_id && !f.is_expired(now))
            .map(|f| FamilyInfo {
                expires_at: f.expires_at(),
                family_id: f.family_id,
                created: f.created,
                refreshed: f.refreshed,
            })
            .collect();
        families.sort_by(|a, b| (a.created, &a.family_id).cmp(&(b.created, &b.family_id)));
        Ok(families)
    }

    /// Revokes one login of the user (from a "your devices" list).
    /// Returns whether it was live.
    pub async fn revoke_family(&self, user_id: &str, family_id: &str) -> Result<bool, Error> {
        self.store.delete_family(user_id, family_id).await
    }

    fn pair(
        &self,
        family: &FamilyRecord,
        claims: &Map<String, Value>,
        refresh_token: RefreshToken,
        now: u64,
    ) -> Result<TokenPair, Error> {
        // An access token never outlives its family.
        let exp = now
            .saturating_add(self.config.access_ttl)
            .min(family.absolute_deadline);
        let access = Claims::new(AccessOut {
            sid: &family.family_id,
            app: claims,
        })
        .issuer(self.config.issuer.clone())
        .subject(family.user_id.clone())
        .audience(self.config.audience.clone())
        .issued_at(now)
        .expires_at(exp)
        .jwt_id(random_id()?);
        let key = self
            .keys
            .signing_key()
            .ok_or(Error::InvalidKey("the key set has no signing key"))?;
        let access_token = key.sign_with(&access, &SignOptions::default().typ(ACCESS_TOKEN_TYP))?;
        Ok(TokenPair {
            access_token,
            refresh_token,
            expires_in: exp.saturating_sub(now),
            family_id: family.family_id.clone(),
        })
    }
}

/// A refresh token as presented: a JWT is [`Error::NotRefreshToken`],
/// anything else that is not a well-formed refresh token is
/// [`Error::UnknownRefresh`] (without touching the store).
fn parse_refresh(presented: &str) -> Result<RefreshToken, Error> {
    if presented.bytes().filter(|&b| b == b'.').count() == 2 {
        return Err(Error::NotRefreshToken);
    }
    RefreshToken::parse(presented).ok_or(Error::UnknownRefresh)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Algorithm, SigningKey};

    #[test]
    fn config_defaults_and_bounds() {
        let c = TokenConfig::new("iss", "aud");
        assert_eq!(
            (c.access_ttl, c.refresh_idle, c.refresh_absolute, c.grace),
            (900, 14 * 86_400, 30 * 86_400, 0)
        );
        assert_eq!(
            (c.max_families_per_user, c.max_refreshes, c.leeway),
            (32, 10_000, 0)
        );
        let low = c
            .clone()
            .access_ttl(0)
            .refresh_idle(0)
            .refresh_absolute(0)
            .max_families_per_user(0)
            .max_refreshes(0);
        assert_eq!(
            (low.access_ttl, low.refresh_idle, low.refresh_absolute),
            (1, 1, 1)
        );
        assert_eq!((low.max_families_per_user, low.max_refreshes), (1, 1));
        let high = c
            .clone()
            .access_ttl(u64::MAX)
            .refresh_idle(u64::MAX)
            .refresh_absolute(u64::MAX)
            .max_families_per_user(usize::MAX)
            .leeway(u64::MAX)
            .grace(7);
        assert_eq!(
            (high.access_ttl, high.refresh_idle, high.refresh_absolute),
            (
                MAX_REFRESH_LIFETIME,
                MAX_REFRESH_LIFETIME,
                MAX_REFRESH_LIFETIME
            )
        );
        // Ten years of 365 days, to the second.
        assert_eq!(
            c.clone().refresh_absolute(315_360_000).refresh_absolute,
            315_360_000
        );
        assert_eq!(high.refresh_absolute, 315_360_000);
        assert_eq!(high.max_families_per_user, MAX_FAMILIES_PER_USER);
        assert_eq!((high.leeway, high.grace), (crate::MAX_LEEWAY, 7));
        let mid = c
            .access_ttl(60)
            .refresh_idle(600)
            .refresh_absolute(6000)
            .max_refreshes(5);
        assert_eq!(
            mid.rules(),
            RefreshRules {
                idle: 600,
                grace: 0,
                max_refreshes: 5
            }
        );
        assert_eq!(mid.access_ttl, 60);
        assert_eq!(mid.refresh_absolute, 6000);
    }

    #[test]
    fn a_service_given_a_clock_reads_the_time_from_it() {
        use crate::FixedClock;

        const T: u64 = 1_700_000_000;
        let key = SigningKey::from_hmac_secret(Algorithm::Hs256, &[1; 32]).unwrap();
        let token = key
            .sign_with(
                &Claims::new(serde_json::json!({ "sid": "f" }))
                    .issuer("iss")
                    .audience("aud")
                    .subject("alice")
                    .issued_at(T)
                    .expires_at(T + 60)
                    .jwt_id("j"),
                &SignOptions::default().typ(ACCESS_TOKEN_TYP),
            )
            .unwrap();
        let mut keys = KeySet::new();
        keys.set_signing_key(key).unwrap();
        let config = TokenConfig::new("iss", "aud");
        let s = TokenService::new(keys, config.clone(), ())
            .unwrap()
            .with_clock(FixedClock(T + 10));
        assert_eq!(s.now(), T + 10);
        assert_eq!(s.clock(), &FixedClock(T + 10));
        assert_eq!(s.config(), &config);
        assert_eq!(
            alloc::format!("{s:?}"),
            alloc::format!("TokenService {{ config: {config:?}, .. }}")
        );
        let access: Access<Value> = s.verify(&token, s.now()).unwrap();
        assert_eq!(access.user_id, "alice");
        // Another clock replaces it: a minute later the token has expired.
        let later = s.with_clock(FixedClock(T + 61));
        assert_eq!(
            later.verify::<Value>(&token, later.now()).unwrap_err(),
            Error::Expired {
                exp: T + 60,
                now: T + 61
            }
        );
    }

    /// A service over an HS256 key, and an access token of it whose
    /// payload is `payload` as written.
    fn service_and_token(payload: &str) -> (TokenService<()>, String) {
        let key = SigningKey::from_hmac_secret(Algorithm::Hs256, &[1; 32]).unwrap();
        let header = alloc::format!(
            r#"{{"alg":"HS256","typ":"{ACCESS_TOKEN_TYP}","kid":"{}"}}"#,
            key.kid()
        );
        let token = key
            .sign_parts(header.as_bytes(), payload.as_bytes())
            .unwrap();
        let mut keys = KeySet::new();
        keys.set_signing_key(key).unwrap();
        let s = TokenService::new(keys, TokenConfig::new("iss", "aud"), ()).unwrap();
        (s, token)
    }

    const T: u64 = 1_700_000_000;

    /// The registered members of a valid access token, then `rest`.
    fn payload(rest: &str) -> String {
        alloc::format!(
            r#"{{"iss":"iss","sub":"alice","aud":"aud","exp":{},"iat":{T},"jti":"j"{rest}}}"#,
            T + 60
        )
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct App {
        name: String,
        roles: Vec<String>,
    }

    #[test]
    fn the_application_claims_never_see_the_reserved_members() {
        let (s, token) = service_and_token(&payload(
            r#","sid":"f","client_id":"c","nbf":1,"name":"Al","roles":["admin"]"#,
        ));
        // A type that refuses unknown members reads only its own.
        let access: Access<App> = s.verify(&token, T).unwrap();
        let app = App {
            name: "Al".into(),
            roles: alloc::vec!["admin".into()],
        };
        assert_eq!(access.claims, app);
        assert_eq!(
            (access.user_id.as_str(), access.family_id.as_str()),
            ("alice", "f")
        );
        assert_eq!((access.jti.as_str(), access.issued_at), ("j", T));
        assert_eq!(access.expires_at, T + 60);
        let access: Access<Value> = s.verify(&token, T).unwrap();
        assert_eq!(
            access.claims,
            serde_json::json!({"name": "Al", "roles": ["admin"]})
        );
        // The general path (a fraction makes the one pass decline) the same.
        let (s, token) = service_and_token(&payload(r#","sid":"f","name":"Al","score":0.5"#));
        let access: Access<Value> = s.verify(&token, T).unwrap();
        assert_eq!(
            access.claims,
            serde_json::json!({"name": "Al", "score": 0.5})
        );
        assert_eq!(access.family_id, "f");
    }

    #[test]
    fn claims_as_reads_the_claims_by_reference_as_into_claims_does() {
        let (s, token) = service_and_token(&payload(r#","sid":"f","name":"Al","roles":["admin"]"#));
        let access: Access<Value> = s.verify(&token, T).unwrap();
        let typed: Access<App> = access.claims_as().unwrap();
        assert_eq!(typed, access.clone().into_claims::<App>().unwrap());
        assert_eq!(typed, s.verify::<App>(&token, T).unwrap());
        // Claims that do not fit: the same refusal, and `access` unchanged.
        let refused = Error::InvalidClaim {
            claim: "(custom claims)".into(),
            reason: "do not match the expected claims type",
        };
        assert_eq!(access.claims_as::<Vec<u8>>().unwrap_err(), refused);
        assert_eq!(
            access.clone().into_claims::<Vec<u8>>().unwrap_err(),
            refused
        );
        assert_eq!(access, s.verify::<Value>(&token, T).unwrap());
    }

    #[test]
    fn escaped_member_names_are_read_as_their_text() {
        // `s\u0069d` is `sid`, `cl\u0069ent_id` reserved, `n\u0061me` the
        // application's `name`.
        let (s, token) = service_and_token(&payload(
            r#","s\u0069d":"f","cl\u0069ent_id":"c","n\u0061me":"Al","roles":[]"#,
        ));
        let access: Access<App> = s.verify(&token, T).unwrap();
        assert_eq!(access.family_id, "f");
        assert_eq!(access.claims.name, "Al");
        assert!(access.claims.roles.is_empty());
    }

    /// Application claims that read only the first member and stop.
    #[derive(Debug, PartialEq)]
    struct FirstOnly(String);

    impl<'de> Deserialize<'de> for FirstOnly {
        fn deserialize<D: de::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = FirstOnly;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a map")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<FirstOnly, A::Error> {
                    let name: String = map.next_key()?.unwrap_or_default();
                    map.next_value::<IgnoredAny>()?;
                    Ok(FirstOnly(name))
                }
            }
            d.deserialize_map(V)
        }
    }

    #[test]
    fn sid_is_found_after_the_application_claims_stop_reading() {
        let (s, token) = service_and_token(&payload(r#","name":"Al","roles":[],"sid":"f""#));
        let access: Access<FirstOnly> = s.verify(&token, T).unwrap();
        assert_eq!(access.claims, FirstOnly("name".into()));
        assert_eq!(access.family_id, "f");
    }

    #[test]
    fn an_access_token_without_a_string_sid_is_refused() {
        let refused = Error::InvalidClaim {
            claim: "(custom claims)".into(),
            reason: "do not match the expected claims type",
        };
        for rest in [r#","name":"Al""#, r#","sid":7"#, r#","sid":null"#] {
            let (s, token) = service_and_token(&payload(rest));
            assert_eq!(s.verify::<Value>(&token, T).unwrap_err(), refused, "{rest}");
        }
    }

    #[test]
    fn presented_refresh_tokens_are_classified_without_a_store() {
        assert_eq!(parse_refresh("a.b.c").unwrap_err(), Error::NotRefreshToken);
        assert_eq!(parse_refresh("a.b").unwrap_err(), Error::UnknownRefresh);
        assert_eq!(parse_refresh("").unwrap_err(), Error::UnknownRefresh);
        let token = RefreshToken::generate(None).unwrap();
        assert_eq!(parse_refresh(&token.expose()).unwrap(), token);
    }

    #[test]
    fn a_service_needs_a_signing_key_and_deny_keys_are_separated() {
        let config = TokenConfig::new("iss", "aud");
        assert_eq!(
            TokenService::new(KeySet::new(), config.clone(), ()).unwrap_err(),
            Error::InvalidKey("the key set has no signing key")
        );
        let mut keys = KeySet::new();
        keys.set_signing_key(SigningKey::from_hmac_secret(Algorithm::Hs256, &[1; 32]).unwrap())
            .unwrap();
        let s = TokenService::new(keys.clone(), config, ()).unwrap();
        assert_eq!(s.deny_key("j1"), s.deny_key("j1"));
        assert_ne!(s.deny_key("j1"), s.deny_key("j2"));
        // The issuer is part of the key, with a separator: ("is", "sj")
        // and ("iss", "j") differ.
        let other = TokenService::new(keys, TokenConfig::new("is", "aud"), ()).unwrap();
        assert_ne!(other.deny_key("sj"), s.deny_key("j"));
        assert_eq!(s.config().issuer, "iss");
        assert!(s.keys().signing_key().is_some());
    }
}
