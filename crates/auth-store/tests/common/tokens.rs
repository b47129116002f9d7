//! The behaviour every `TokenStore` must show, through the `TokenService`
//! apps call: one suite that each store's test file instantiates with
//! `token_suite!`.

use std::sync::Arc;

use auth_core::session::{BucketKey, StoreKey};
use auth_core::store::{AccessState, Created, RefreshRules, Refreshed, TokenStore};
use auth_core::tokens::{Access, FamilyRecord, RefreshToken, TokenConfig, TokenPair, TokenService};
use auth_core::{Algorithm, Error, KeySet, SigningKey};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use super::{t0, user};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Roles {
    pub roles: Vec<String>,
}

pub fn keys() -> KeySet {
    let mut keys = KeySet::new();
    keys.set_signing_key(SigningKey::from_hmac_secret(Algorithm::Hs256, &[7; 32]).unwrap())
        .unwrap();
    keys
}

/// Access tokens for 15 minutes, families idle after one hour, ended after
/// a day.
pub fn config() -> TokenConfig {
    TokenConfig::new("https://auth.test", "api")
        .access_ttl(900)
        .refresh_idle(3600)
        .refresh_absolute(86_400)
}

pub fn service<S: TokenStore>(store: S, config: TokenConfig) -> TokenService<S> {
    TokenService::new(keys(), config, store).unwrap()
}

pub fn admin() -> Roles {
    Roles {
        roles: vec!["admin".into()],
    }
}

/// A login as an app does it: the ticket, then (credentials checked) the
/// pair.
pub async fn issue<S: TokenStore>(
    s: &TokenService<S>,
    user: &str,
    now: u64,
) -> Result<TokenPair, Error> {
    let ticket = s.begin_login(user, now).await?;
    assert_eq!(ticket.user_id(), user);
    s.issue(ticket, &admin(), now).await
}

fn refresh_text(pair: &TokenPair) -> String {
    pair.refresh_token.expose().to_string()
}

pub async fn issue_refresh_and_authenticate<S: TokenStore>(store: S) {
    let t = t0();
    let s = service(store, config());
    let u = user("alice");
    let pair = issue(&s, &u, t).await.unwrap();
    assert_eq!(pair.expires_in, 900);
    // Debug shows neither token, and of the service only its settings.
    let shown = format!("{pair:?}");
    assert!(
        shown.starts_with("TokenPair { access_token: \"..\", refresh_token: "),
        "{shown}"
    );
    assert!(shown.contains(&pair.family_id), "{shown}");
    assert!(
        !shown.contains(&refresh_text(&pair)) && !shown.contains(&pair.access_token),
        "{shown}"
    );
    assert_eq!(
        format!("{s:?}"),
        format!("TokenService {{ config: {:?}, .. }}", s.config())
    );
    let access: Access<Roles> = s.authenticate(&pair.access_token, t + 1).await.unwrap();
    assert_eq!(access.user_id, u);
    assert_eq!(access.family_id, pair.family_id);
    assert_eq!(access.claims, admin());
    assert_eq!((access.issued_at, access.expires_at), (t, t + 900));
    // Verification alone gives the same answer without the store.
    assert_eq!(
        s.verify::<Roles>(&pair.access_token, t + 1).unwrap(),
        access
    );

    let next = s.refresh(&refresh_text(&pair), t + 60).await.unwrap();
    assert_eq!(next.family_id, pair.family_id);
    assert_ne!(next.access_token, pair.access_token);
    assert_ne!(refresh_text(&next), refresh_text(&pair));
    let renewed: Access<Roles> = s.authenticate(&next.access_token, t + 61).await.unwrap();
    assert_eq!(
        renewed.claims,
        admin(),
        "claims carry over to every refresh"
    );
    assert_eq!(renewed.issued_at, t + 60);
    assert_ne!(renewed.jti, access.jti);
    // Access tokens expire by themselves: `expired`, not a store question.
    assert!(matches!(
        s.authenticate::<Roles>(&pair.access_token, t + 900).await,
        Err(Error::Expired { .. })
    ));
    // Garbage never reaches the store, and says what it is.
    assert_eq!(
        s.refresh("not-a-token", t).await.unwrap_err(),
        Error::UnknownRefresh
    );
    let unknown = RefreshToken::generate(None).unwrap();
    assert_eq!(
        s.refresh(&unknown.expose(), t).await.unwrap_err(),
        Error::UnknownRefresh
    );
}

pub async fn rotation_chains_hold_for_many_refreshes<S: TokenStore>(store: S) {
    let t = t0();
    let s = service(store, config());
    let u = user("chain");
    let mut pair = issue(&s, &u, t).await.unwrap();
    for i in 1..=40 {
        pair = s.refresh(&refresh_text(&pair), t + i * 60).await.unwrap();
        let access: Access<Roles> = s
            .authenticate(&pair.access_token, t + i * 60)
            .await
            .unwrap();
        assert_eq!(access.user_id, u);
    }
    let listed = s.list(&u, t + 2400).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].family_id, pair.family_id);
    assert_eq!((listed[0].created, listed[0].refreshed), (t, t + 2400));
    assert_eq!(listed[0].expires_at, t + 2400 + 3600);
}

/// Presenting any earlier token of a chain revokes the family: the thief's
/// and the user's tokens alike, access tokens included.
pub async fn reuse_of_any_earlier_token_revokes_the_family<S: TokenStore>(store: S) {
    let t = t0();
    let s = service(store, config());
    for reused in 0..5 {
        let u = user("reuse");
        let mut chain = vec![issue(&s, &u, t).await.unwrap()];
        for i in 1..=5 {
            let last = refresh_text(chain.last().unwrap());
            chain.push(s.refresh(&last, t + i).await.unwrap());
        }
        let family = chain[0].family_id.clone();
        let err = s
            .refresh(&refresh_text(&chain[reused]), t + 10)
            .await
            .unwrap_err();
        assert_eq!(
            err,
            Error::RefreshReused {
                user_id: u.clone(),
                family_id: family.clone()
            },
            "token {reused} of the chain"
        );
        // The live token died with the family, and so did every access
        // token of it.
        assert_eq!(
            s.refresh(&refresh_text(&chain[5]), t + 11)
                .await
                .unwrap_err(),
            Error::UnknownRefresh
        );
        for pair in &chain {
            assert_eq!(
                s.authenticate::<Roles>(&pair.access_token, t + 11)
                    .await
                    .unwrap_err(),
                Error::Revoked
            );
        }
        assert!(s.list(&u, t + 11).await.unwrap().is_empty());
    }
}

/// Two refreshes with the same token at once: exactly one wins. The loser
/// is a reuse (the family is revoked): without a grace interval, that is
/// what RFC 9700 asks for.
pub async fn concurrent_refreshes_have_exactly_one_winner<S: TokenStore + 'static>(store: Arc<S>) {
    let t = t0();
    let s = Arc::new(service(store, config()));
    for trial in 0..25 {
        let u = user("race");
        let pair = issue(&s, &u, t).await.unwrap();
        let token = refresh_text(&pair);
        let racers: Vec<_> = (0..4)
            .map(|_| {
                let s = s.clone();
                let token = token.clone();
                tokio::spawn(async move { s.refresh(&token, t + 1).await })
            })
            .collect();
        let mut wins = 0;
        for racer in racers {
            match racer.await.unwrap() {
                Ok(_) => wins += 1,
                Err(Error::RefreshReused { user_id, .. }) => assert_eq!(user_id, u),
                // A racer that comes after the family was revoked.
                Err(Error::UnknownRefresh) => {}
                Err(other) => panic!("trial {trial}: {other:?}"),
            }
        }
        assert_eq!(wins, 1, "trial {trial}");
    }
}

pub async fn families_end_by_inactivity_and_age<S: TokenStore>(store: S) {
    let t = t0();
    let s = service(store, config());
    // Inactivity: one hour without a refresh.
    let u = user("idle");
    let pair = issue(&s, &u, t).await.unwrap();
    assert_eq!(
        s.refresh(&refresh_text(&pair), t + 3600).await.unwrap_err(),
        Error::UnknownRefresh
    );
    // Just before, it works, and moves the deadline.
    let pair = issue(&s, &u, t).await.unwrap();
    let pair = s.refresh(&refresh_text(&pair), t + 3599).await.unwrap();
    let pair = s
        .refresh(&refresh_text(&pair), t + 3599 + 3599)
        .await
        .unwrap();
    // Age: a day after login, however active.
    let mut now = t + 7198;
    let mut pair = pair;
    while now + 3000 < t + 86_400 {
        now += 3000;
        pair = s.refresh(&refresh_text(&pair), now).await.unwrap();
    }
    // The last access token stops at the family's end, not 15 minutes on.
    let access: Access<Roles> = s.verify(&pair.access_token, now).unwrap();
    assert!(access.expires_at <= t + 86_400);
    assert_eq!(
        s.refresh(&refresh_text(&pair), t + 86_400)
            .await
            .unwrap_err(),
        Error::UnknownRefresh
    );
    assert!(s.list(&u, t + 86_400).await.unwrap().is_empty());
}

/// A revoked access token is refused until it expires; its family goes on.
pub async fn denied_access_tokens_are_refused_until_they_expire<S: TokenStore>(store: S) {
    let t = t0();
    let s = service(store, config());
    let u = user("deny");
    let pair = issue(&s, &u, t).await.unwrap();
    let other = s.refresh(&refresh_text(&pair), t + 1).await.unwrap();
    s.revoke_access(&pair.access_token, t + 2).await.unwrap();
    assert_eq!(
        s.authenticate::<Roles>(&pair.access_token, t + 3)
            .await
            .unwrap_err(),
        Error::Revoked
    );
    assert_eq!(
        s.authenticate::<Roles>(&pair.access_token, t + 899)
            .await
            .unwrap_err(),
        Error::Revoked
    );
    // Verification alone does not know: that is the difference.
    assert!(s.verify::<Roles>(&pair.access_token, t + 3).is_ok());
    // The family and its other access tokens are untouched.
    assert!(
        s.authenticate::<Roles>(&other.access_token, t + 3)
            .await
            .is_ok()
    );
    assert!(s.refresh(&refresh_text(&other), t + 4).await.is_ok());
}

/// Revoking everything of a user ends every token issued before, in the
/// same second too, and a login right after (same second) works.
pub async fn revoke_all_has_no_same_second_window<S: TokenStore>(store: S) {
    let t = t0();
    let s = service(store, config());
    let u = user("everywhere");
    let a = issue(&s, &u, t).await.unwrap();
    let b = issue(&s, &u, t).await.unwrap();
    let bystander = issue(&s, &user("other"), t).await.unwrap();
    assert_eq!(s.revoke_all(&u, t).await.unwrap(), 2);
    for pair in [&a, &b] {
        assert_eq!(
            s.authenticate::<Roles>(&pair.access_token, t)
                .await
                .unwrap_err(),
            Error::Revoked
        );
        assert_eq!(
            s.refresh(&refresh_text(pair), t).await.unwrap_err(),
            Error::UnknownRefresh
        );
    }
    let after = issue(&s, &u, t).await.unwrap();
    assert!(
        s.authenticate::<Roles>(&after.access_token, t)
            .await
            .is_ok()
    );
    assert!(
        s.authenticate::<Roles>(&bystander.access_token, t)
            .await
            .is_ok()
    );
}

/// "Revoke everything" between the password check and the issue wins.
pub async fn revoke_all_defeats_a_login_in_flight<S: TokenStore>(store: S) {
    let t = t0();
    let s = service(store, config());
    let u = user("inflight");
    let ticket = s.begin_login(&u, t).await.unwrap();
    s.revoke_all(&u, t).await.unwrap();
    assert_eq!(
        s.issue(ticket, &admin(), t).await.unwrap_err(),
        Error::StaleLogin
    );
    let ticket = s.begin_login(&u, t).await.unwrap();
    assert!(s.issue(ticket, &admin(), t).await.is_ok());
    // A ticket too old to stand for a fresh password check; one exactly
    // LOGIN_TICKET_TTL old still does.
    let ticket = s.begin_login(&u, t).await.unwrap();
    assert_eq!(
        s.issue(ticket, &admin(), t + 601).await.unwrap_err(),
        Error::StaleLogin
    );
    let ticket = s.begin_login(&u, t).await.unwrap();
    assert!(s.issue(ticket, &admin(), t + 600).await.is_ok());
}

pub async fn tokens_of_one_kind_never_pass_as_the_other<S: TokenStore>(store: S) {
    let t = t0();
    let s = service(store, config());
    let pair = issue(&s, &user("kinds"), t).await.unwrap();
    assert_eq!(
        s.authenticate::<Roles>(&refresh_text(&pair), t)
            .await
            .unwrap_err(),
        Error::NotAccessToken
    );
    assert_eq!(
        s.verify::<Roles>(&refresh_text(&pair), t).unwrap_err(),
        Error::NotAccessToken
    );
    assert_eq!(
        s.refresh(&pair.access_token, t).await.unwrap_err(),
        Error::NotRefreshToken
    );
    // Neither attempt consumed anything.
    assert!(s.refresh(&refresh_text(&pair), t + 1).await.is_ok());
    // A JWT of the same key and issuer that is not an access token (no
    // `typ: at+jwt`) is refused for its type.
    let id_token = keys()
        .sign(
            &auth_core::Claims::new(auth_core::Empty {})
                .issuer("https://auth.test")
                .audience("api")
                .subject("x")
                .jwt_id("j")
                .valid_for(t, 60),
        )
        .unwrap();
    assert_eq!(
        s.authenticate::<Roles>(&id_token, t).await.unwrap_err(),
        Error::InvalidType
    );
}

pub async fn logout_ends_access_and_refresh<S: TokenStore>(store: S) {
    let t = t0();
    let s = service(store, config());
    let u = user("logout");
    let pair = issue(&s, &u, t).await.unwrap();
    let kept = issue(&s, &u, t).await.unwrap();
    assert!(s.logout(&pair.access_token, t + 1).await.unwrap());
    assert_eq!(
        s.authenticate::<Roles>(&pair.access_token, t + 2)
            .await
            .unwrap_err(),
        Error::Revoked
    );
    assert_eq!(
        s.refresh(&refresh_text(&pair), t + 2).await.unwrap_err(),
        Error::UnknownRefresh
    );
    assert!(
        s.authenticate::<Roles>(&kept.access_token, t + 2)
            .await
            .is_ok()
    );
    // Logging out with the refresh token alone.
    s.logout_refresh(&refresh_text(&kept), t + 3).await.unwrap();
    assert_eq!(
        s.authenticate::<Roles>(&kept.access_token, t + 4)
            .await
            .unwrap_err(),
        Error::Revoked
    );
    assert_eq!(
        s.logout_refresh(&refresh_text(&kept), t + 4)
            .await
            .unwrap_err(),
        Error::UnknownRefresh
    );
    assert!(s.list(&u, t + 4).await.unwrap().is_empty());

    // Logging out with an access token already authenticated: its family
    // ends (refresh token too); a second time finds nothing live.
    let third = issue(&s, &u, t + 5).await.unwrap();
    let access = s
        .authenticate::<Roles>(&third.access_token, t + 5)
        .await
        .unwrap();
    assert!(s.logout_access(&access, t + 6).await.unwrap());
    assert_eq!(
        s.authenticate::<Roles>(&third.access_token, t + 7)
            .await
            .unwrap_err(),
        Error::Revoked
    );
    assert_eq!(
        s.refresh(&refresh_text(&third), t + 7).await.unwrap_err(),
        Error::UnknownRefresh
    );
    assert!(!s.logout_access(&access, t + 8).await.unwrap());
}

pub async fn families_are_listed_revoked_and_bounded<S: TokenStore>(store: S) {
    let t = t0();
    let s = service(store, config().max_families_per_user(3));
    let u = user("devices");
    let mut pairs = Vec::new();
    for i in 0..3 {
        pairs.push(issue(&s, &u, t + i).await.unwrap());
    }
    let listed = s.list(&u, t + 3).await.unwrap();
    let ids: Vec<_> = listed.iter().map(|f| f.family_id.clone()).collect();
    let expected: Vec<_> = pairs.iter().map(|p| p.family_id.clone()).collect();
    assert_eq!(ids, expected, "oldest first");
    // Another user cannot revoke them by id.
    assert!(
        !s.revoke_family(&user("mallory"), &pairs[1].family_id)
            .await
            .unwrap()
    );
    assert!(s.revoke_family(&u, &pairs[1].family_id).await.unwrap());
    assert!(!s.revoke_family(&u, &pairs[1].family_id).await.unwrap());
    assert_eq!(
        s.authenticate::<Roles>(&pairs[1].access_token, t + 4)
            .await
            .unwrap_err(),
        Error::Revoked
    );
    // At the limit, a login ends the family closest to its end.
    pairs.push(issue(&s, &u, t + 5).await.unwrap());
    pairs.push(issue(&s, &u, t + 6).await.unwrap());
    let ids: Vec<_> = s
        .list(&u, t + 7)
        .await
        .unwrap()
        .into_iter()
        .map(|f| f.family_id)
        .collect();
    assert_eq!(
        ids,
        [
            pairs[2].family_id.clone(),
            pairs[3].family_id.clone(),
            pairs[4].family_id.clone()
        ]
    );
    assert_eq!(
        s.refresh(&refresh_text(&pairs[0]), t + 7)
            .await
            .unwrap_err(),
        Error::UnknownRefresh
    );
}

/// With a grace interval a client may retry a refresh whose answer it
/// lost; the answer it lost stops working, without revoking anything.
pub async fn grace_lets_a_lost_response_be_retried<S: TokenStore>(store: S) {
    let t = t0();
    let s = service(store, config().grace(5));
    let u = user("grace");
    let pair = issue(&s, &u, t).await.unwrap();
    let lost = s.refresh(&refresh_text(&pair), t + 10).await.unwrap();
    let retried = s.refresh(&refresh_text(&pair), t + 14).await.unwrap();
    assert_eq!(retried.family_id, pair.family_id);
    assert_eq!(
        s.refresh(&refresh_text(&lost), t + 15).await.unwrap_err(),
        Error::UnknownRefresh
    );
    let next = s.refresh(&refresh_text(&retried), t + 16).await.unwrap();
    let after = s.refresh(&refresh_text(&next), t + 17).await.unwrap();
    // Once the successor is used, or the grace has passed, it is reuse.
    assert!(matches!(
        s.refresh(&refresh_text(&retried), t + 18).await,
        Err(Error::RefreshReused { .. })
    ));
    assert_eq!(
        s.refresh(&refresh_text(&after), t + 19).await.unwrap_err(),
        Error::UnknownRefresh
    );
    let pair = issue(&s, &u, t).await.unwrap();
    s.refresh(&refresh_text(&pair), t + 10).await.unwrap();
    assert!(matches!(
        s.refresh(&refresh_text(&pair), t + 15).await,
        Err(Error::RefreshReused { .. })
    ));
    // Without a grace (the default) the first retry is already reuse.
    let strict = service(s.store(), config());
    let pair = issue(&strict, &u, t).await.unwrap();
    strict.refresh(&refresh_text(&pair), t + 10).await.unwrap();
    assert!(matches!(
        strict.refresh(&refresh_text(&pair), t + 10).await,
        Err(Error::RefreshReused { .. })
    ));
}

pub async fn families_end_after_their_refresh_budget<S: TokenStore>(store: S) {
    let t = t0();
    let s = service(store, config().max_refreshes(3));
    let mut pair = issue(&s, &user("budget"), t).await.unwrap();
    for i in 1..=3 {
        pair = s.refresh(&refresh_text(&pair), t + i).await.unwrap();
    }
    assert_eq!(
        s.refresh(&refresh_text(&pair), t + 4).await.unwrap_err(),
        Error::UnknownRefresh
    );
    assert_eq!(
        s.authenticate::<Roles>(&pair.access_token, t + 4)
            .await
            .unwrap_err(),
        Error::Revoked
    );
}

pub async fn claims_are_bounded_and_reserved_names_refused<S: TokenStore>(store: S) {
    let t = t0();
    let s = service(store, config());
    let u = user("claims");
    let ticket = s.begin_login(&u, t).await.unwrap();
    assert_eq!(
        s.issue(ticket, &json!({"sid": "forged"}), t)
            .await
            .unwrap_err(),
        Error::InvalidClaim {
            claim: "sid".into(),
            reason: "is set by the token service, not by the application"
        }
    );
    let ticket = s.begin_login(&u, t).await.unwrap();
    assert_eq!(
        s.issue(ticket, &json!(["not", "an", "object"]), t)
            .await
            .unwrap_err(),
        Error::InvalidClaim {
            claim: "(custom claims)".into(),
            reason: "must serialize to a JSON object"
        }
    );
    let ticket = s.begin_login(&u, t).await.unwrap();
    let big = json!({ "blob": "x".repeat(5000) });
    assert!(matches!(
        s.issue(ticket, &big, t).await.unwrap_err(),
        Error::RecordTooLarge { limit: 4096, .. }
    ));
    // Nothing was stored by the refusals.
    assert!(s.list(&u, t).await.unwrap().is_empty());
    // Untyped claims read back as they went in.
    let ticket = s.begin_login(&u, t).await.unwrap();
    let claims = json!({"scope": "read write", "n": 1.5, "nested": {"a": [1, 2]}});
    let pair = s.issue(ticket, &claims, t).await.unwrap();
    let pair = s.refresh(&refresh_text(&pair), t + 1).await.unwrap();
    let access: Access<Map<String, Value>> =
        s.authenticate(&pair.access_token, t + 1).await.unwrap();
    assert_eq!(Value::Object(access.claims), claims);
}

/// The store-level contract the service relies on, checked directly.
pub async fn store_contract<S: TokenStore>(store: S) {
    let t = t0();
    let u = user("contract");
    // Keys in the user's bucket, as the service draws them.
    let draw = || {
        RefreshToken::generate(store.token_buckets().map(|b| (b, b.of_user(&u))))
            .unwrap()
            .store_key()
    };
    let first = draw();
    let family = FamilyRecord::new(&u, &first, &Map::new(), t, 100, 1000).unwrap();
    let g = store.token_generation(&u).await.unwrap();
    assert_eq!(
        store.create_family(&family, g + 1, 8).await.unwrap(),
        Created::GenerationMoved
    );
    assert_eq!(
        store.create_family(&family, g, 8).await.unwrap(),
        Created::Stored
    );
    // The same first token again is refused, never overwritten.
    let again = FamilyRecord::new(&u, &first, &Map::new(), t, 100, 1000).unwrap();
    assert_eq!(
        store.create_family(&again, g, 8).await.unwrap(),
        Created::KeyTaken
    );
    let rules = RefreshRules {
        idle: 100,
        grace: 0,
        max_refreshes: 10,
    };
    // A `next` that is taken writes nothing.
    assert_eq!(
        store.refresh(&first, &first, t + 1, rules).await.unwrap(),
        Refreshed::KeyTaken
    );
    let next = draw();
    let Refreshed::Rotated(moved) = store.refresh(&first, &next, t + 1, rules).await.unwrap()
    else {
        panic!("the first token is current");
    };
    assert_eq!(moved.current(), Some(next));
    assert_eq!((moved.refreshed, moved.refreshes), (t + 1, 1));
    assert_eq!(moved.idle_deadline, t + 101);
    let deny = RefreshToken::generate(None).unwrap().store_key();
    assert_eq!(
        store
            .access_state(&u, &family.family_id, &deny, t + 2)
            .await
            .unwrap(),
        AccessState::Live
    );
    // Another user's name does not reach this family.
    assert_eq!(
        store
            .access_state(&user("x"), &family.family_id, &deny, t + 2)
            .await
            .unwrap(),
        AccessState::FamilyEnded
    );
    store.deny(&u, &deny, t + 50, t + 2).await.unwrap();
    assert_eq!(
        store
            .access_state(&u, &family.family_id, &deny, t + 49)
            .await
            .unwrap(),
        AccessState::Denied
    );
    assert_eq!(
        store
            .access_state(&u, &family.family_id, &deny, t + 50)
            .await
            .unwrap(),
        AccessState::Live
    );
    // A revocation is never shortened: an earlier time keeps the later
    // entry, a later one extends it.
    let twice = RefreshToken::generate(None).unwrap().store_key();
    store.deny(&u, &twice, t + 60, t + 2).await.unwrap();
    store.deny(&u, &twice, t + 40, t + 2).await.unwrap();
    let state = async |now| {
        store
            .access_state(&u, &family.family_id, &twice, now)
            .await
            .unwrap()
    };
    assert_eq!(state(t + 59).await, AccessState::Denied);
    store.deny(&u, &twice, t + 70, t + 3).await.unwrap();
    assert_eq!(state(t + 69).await, AccessState::Denied);
    assert_eq!(state(t + 70).await, AccessState::Live);
    // The idle deadline moved with the refresh, and ends the family.
    assert_eq!(
        store
            .access_state(&u, &family.family_id, &deny, t + 101)
            .await
            .unwrap(),
        AccessState::FamilyEnded
    );
    let after = draw();
    assert_eq!(
        store.refresh(&next, &after, t + 101, rules).await.unwrap(),
        Refreshed::Unknown
    );
    assert_eq!(store.list_families(&u, t + 101).await.unwrap(), vec![]);
    assert_eq!(store.list_families(&u, t + 2).await.unwrap(), vec![moved]);
}

/// A store that filters nothing when it lists: it ignores the time (so
/// ended families come back) and adds the families of `other`. Whatever
/// `TokenService::list` promises must then come from its own checks.
pub struct Unfiltered<S> {
    inner: S,
    other: String,
}

impl<S: TokenStore> TokenStore for Unfiltered<S> {
    async fn token_generation(&self, user: &str) -> Result<u64, Error> {
        self.inner.token_generation(user).await
    }
    async fn create_family(
        &self,
        family: &FamilyRecord,
        generation: u64,
        max: usize,
    ) -> Result<Created, Error> {
        self.inner.create_family(family, generation, max).await
    }
    async fn refresh(
        &self,
        presented: &StoreKey,
        next: &StoreKey,
        now: u64,
        rules: RefreshRules,
    ) -> Result<Refreshed, Error> {
        self.inner.refresh(presented, next, now, rules).await
    }
    async fn access_state(
        &self,
        user: &str,
        family: &str,
        denied: &StoreKey,
        now: u64,
    ) -> Result<AccessState, Error> {
        self.inner.access_state(user, family, denied, now).await
    }
    async fn deny(&self, user: &str, key: &StoreKey, until: u64, now: u64) -> Result<(), Error> {
        self.inner.deny(user, key, until, now).await
    }
    async fn delete_family(&self, user: &str, family: &str) -> Result<bool, Error> {
        self.inner.delete_family(user, family).await
    }
    async fn list_families(&self, user: &str, _now: u64) -> Result<Vec<FamilyRecord>, Error> {
        // Listed as of long ago, when every family was live.
        let mut all = self.inner.list_families(user, 0).await?;
        all.extend(self.inner.list_families(&self.other, 0).await?);
        Ok(all)
    }
    async fn delete_user_families(&self, user: &str, now: u64) -> Result<usize, Error> {
        self.inner.delete_user_families(user, now).await
    }
    fn token_buckets(&self) -> Option<&BucketKey> {
        self.inner.token_buckets()
    }
}

/// The list of a user's logins is the user's live ones, whatever the
/// store hands back.
pub async fn list_shows_only_the_users_live_families<S: TokenStore>(store: S) {
    let t = t0();
    let (u, other) = (user("lister"), user("neighbour"));
    let s = service(
        Unfiltered {
            inner: store,
            other: other.clone(),
        },
        config(),
    );
    // Ended an hour of inactivity before t (idle limit: one hour).
    issue(&s, &u, t - 7200).await.unwrap();
    let live = issue(&s, &u, t).await.unwrap();
    issue(&s, &other, t).await.unwrap();
    let listed = s.list(&u, t).await.unwrap();
    assert_eq!(listed.len(), 1, "{listed:?}");
    assert_eq!(listed[0].family_id, live.family_id);
}

/// Instantiates the token suite for the store that `$make` (an async
/// expression) builds.
#[macro_export]
macro_rules! token_suite {
    ($make:expr) => {
        $crate::token_suite!(@tests $make;
            issue_refresh_and_authenticate,
            rotation_chains_hold_for_many_refreshes,
            reuse_of_any_earlier_token_revokes_the_family,
            families_end_by_inactivity_and_age,
            denied_access_tokens_are_refused_until_they_expire,
            revoke_all_has_no_same_second_window,
            revoke_all_defeats_a_login_in_flight,
            tokens_of_one_kind_never_pass_as_the_other,
            logout_ends_access_and_refresh,
            families_are_listed_revoked_and_bounded,
            grace_lets_a_lost_response_be_retried,
            families_end_after_their_refresh_budget,
            claims_are_bounded_and_reserved_names_refused,
            list_shows_only_the_users_live_families,
            store_contract,
        );
        #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
        async fn concurrent_refreshes_have_exactly_one_winner() {
            let store = ::std::sync::Arc::new($make.await);
            common::tokens::concurrent_refreshes_have_exactly_one_winner(store).await;
        }
    };
    (@tests $make:expr; $($name:ident),* $(,)?) => {
        mod tokens {
            use super::*;
            $(
                #[tokio::test]
                async fn $name() {
                    common::tokens::$name($make.await).await;
                }
            )*
        }
    };
}
