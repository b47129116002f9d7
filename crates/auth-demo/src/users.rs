//! The demo's user table.

use std::collections::HashMap;
use std::fmt;

use auth_core::Error;
use auth_core::password::PasswordHasher;
use axum::body::Bytes;
use serde::Deserialize;
use serde_json::{Map, Value, json};

/// One user: id, name, roles and Argon2id hash (never shown by `Debug`).
#[derive(Clone)]
pub struct DemoUser {
    /// The id (the demo uses the name).
    pub id: String,
    /// The login name.
    pub name: String,
    /// The roles.
    pub roles: Vec<String>,
    /// The PHC string of the password.
    pub hash: String,
    /// `{"user":{...}}`, serialized once: the body of `/session/me`.
    me: Bytes,
}

impl fmt::Debug for DemoUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DemoUser")
            .field("id", &self.id)
            .field("roles", &self.roles)
            .finish_non_exhaustive()
    }
}

impl DemoUser {
    fn new(name: String, roles: Vec<String>, hash: String) -> Self {
        let me = json!({"user": {"id": name, "name": name, "roles": roles}});
        Self {
            id: name.clone(),
            name,
            roles,
            hash,
            me: Bytes::from(me.to_string()),
        }
    }

    /// `{"user":{"id","name","roles"}}`, made once at start-up.
    #[must_use]
    pub fn me_body(&self) -> Bytes {
        self.me.clone()
    }

    /// `{"id","name","roles"}`, as the API shows a user.
    #[must_use]
    pub fn json(&self) -> Value {
        json!({"id": self.id, "name": self.name, "roles": self.roles})
    }

    /// The session data and token claims that carry the roles.
    #[must_use]
    pub fn claims(&self) -> Map<String, Value> {
        let mut claims = Map::new();
        claims.insert(auth_axum::ROLES.into(), json!(self.roles));
        claims.insert("name".into(), json!(self.name));
        claims
    }
}

/// An entry of a users file: a password in the clear (hashed at start-up)
/// or an Argon2id PHC string.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    name: String,
    #[serde(default)]
    password: Option<String>,
    #[serde(default)]
    password_hash: Option<String>,
    #[serde(default)]
    roles: Vec<String>,
}

/// The users, by name.
#[derive(Debug, Default)]
pub struct Users {
    by_name: HashMap<String, DemoUser>,
}

impl Users {
    /// alice (`correct horse battery staple`, roles admin and user) and bob
    /// (`hunter2 hunter2`, role user), hashed now.
    pub fn defaults(hasher: &PasswordHasher) -> Result<Self, Error> {
        let mut users = Self::default();
        for (name, password, roles) in [
            (
                "alice",
                "correct horse battery staple",
                &["admin", "user"][..],
            ),
            ("bob", "hunter2 hunter2", &["user"][..]),
        ] {
            users.insert(DemoUser::new(
                name.into(),
                roles.iter().map(|r| (*r).into()).collect(),
                hasher.hash(password.as_bytes())?,
            ));
        }
        Ok(users)
    }

    /// Users from a JSON array of `{"name", "password" | "password_hash",
    /// "roles"}`. Clear passwords are hashed now; a hash must be one the
    /// hasher can verify.
    pub fn from_json(text: &str, hasher: &PasswordHasher) -> Result<Self, String> {
        let entries: Vec<Entry> =
            serde_json::from_str(text).map_err(|e| format!("not a users file: {e}"))?;
        let mut users = Self::default();
        for entry in entries {
            if entry.name.is_empty() || users.by_name.contains_key(&entry.name) {
                return Err(format!("user name {:?} is empty or repeated", entry.name));
            }
            let hash = match (entry.password, entry.password_hash) {
                (Some(password), None) => hasher
                    .hash(password.as_bytes())
                    .map_err(|e| format!("{}: {e}", entry.name))?,
                (None, Some(hash)) => {
                    // Verifying a dummy password proves the hash parses.
                    hasher
                        .verify(b"", &hash)
                        .map_err(|e| format!("{}: password_hash: {e}", entry.name))?;
                    hash
                }
                _ => {
                    return Err(format!(
                        "{}: give exactly one of password and password_hash",
                        entry.name
                    ));
                }
            };
            users.insert(DemoUser::new(entry.name, entry.roles, hash));
        }
        Ok(users)
    }

    fn insert(&mut self, user: DemoUser) {
        self.by_name.insert(user.name.clone(), user);
    }

    /// The user called `name`.
    #[must_use]
    pub fn by_name(&self, name: &str) -> Option<&DemoUser> {
        self.by_name.get(name)
    }

    /// The user with id `id` (the demo's ids are names).
    #[must_use]
    pub fn by_id(&self, id: &str) -> Option<&DemoUser> {
        self.by_name.get(id)
    }
}
