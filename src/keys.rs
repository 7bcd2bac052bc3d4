//! API keys: `rk_live_` and 32 random base62 characters. The store keeps a
//! public prefix (to find the key and to name it in `key list`) and a SHA-256
//! hash; the key itself is shown once, when it is made, and never kept.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use crate::model::{Timestamp, base62};

pub const KEY_PREFIX: &str = "rk_live_";
const SECRET_LEN: usize = 32;
/// How much of a key is kept in the clear: `rk_live_` and 8 characters.
pub const PUBLIC_PREFIX_LEN: usize = KEY_PREFIX.len() + 8;

/// What a key may do with the tenant's users.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Scope {
    UsersRead,
    UsersWrite,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::UsersRead => "users:read",
            Scope::UsersWrite => "users:write",
        }
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scope {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "users:read" => Ok(Scope::UsersRead),
            "users:write" => Ok(Scope::UsersWrite),
            other => Err(format!(
                "unknown scope {other:?}: scopes are users:read and users:write"
            )),
        }
    }
}

/// Parses `users:read,users:write`; at least one scope, no unknown ones.
pub fn parse_scopes(list: &str) -> Result<Vec<Scope>, String> {
    let mut scopes = list
        .split(',')
        .filter(|s| !s.trim().is_empty())
        .map(Scope::from_str)
        .collect::<Result<Vec<_>, _>>()?;
    scopes.sort();
    scopes.dedup();
    if scopes.is_empty() {
        return Err("give at least one scope: users:read, users:write".into());
    }
    Ok(scopes)
}

pub fn format_scopes(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

/// A key as the store keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredKey {
    pub prefix: String,
    pub tenant_id: String,
    pub hash: Vec<u8>,
    pub scopes: Vec<Scope>,
    pub user_id: Option<String>,
    pub created_at: Timestamp,
    pub revoked_at: Option<Timestamp>,
}

/// A freshly made key: the secret to show once, and what to store.
pub struct NewKey {
    pub secret: String,
    pub stored: StoredKey,
}

pub fn generate(tenant_id: &str, scopes: Vec<Scope>, user_id: Option<String>) -> NewKey {
    let secret = format!("{KEY_PREFIX}{}", base62(SECRET_LEN));
    NewKey {
        stored: StoredKey {
            prefix: secret[..PUBLIC_PREFIX_LEN].to_string(),
            tenant_id: tenant_id.to_string(),
            hash: hash(&secret),
            scopes,
            user_id,
            created_at: Timestamp::now(),
            revoked_at: None,
        },
        secret,
    }
}

pub fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

/// The public prefix of something that looks like a key, or `None` when it
/// cannot be one (so that lookups never run on garbage).
pub fn prefix_of(secret: &str) -> Option<&str> {
    let well_formed = secret.len() == KEY_PREFIX.len() + SECRET_LEN
        && secret.starts_with(KEY_PREFIX)
        && secret[KEY_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric());
    well_formed.then(|| &secret[..PUBLIC_PREFIX_LEN])
}

/// Whether `secret` is the key behind `stored`, compared in constant time.
pub fn matches(stored: &StoredKey, secret: &str) -> bool {
    bool::from(hash(secret).ct_eq(&stored.hash))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_has_the_documented_shape_and_matches_only_itself() {
        let key = generate("ten_1", vec![Scope::UsersRead], None);
        assert!(key.secret.starts_with("rk_live_"));
        assert_eq!(key.secret.len(), 40);
        assert_eq!(prefix_of(&key.secret), Some(key.stored.prefix.as_str()));
        assert!(matches(&key.stored, &key.secret));
        let other = generate("ten_1", vec![Scope::UsersRead], None);
        assert!(!matches(&key.stored, &other.secret));
        assert!(!key.stored.hash.is_empty() && key.stored.hash != key.secret.as_bytes());
    }

    #[test]
    fn malformed_keys_have_no_prefix() {
        assert_eq!(prefix_of("rk_live_short"), None);
        assert_eq!(prefix_of(&format!("rk_test_{}", "a".repeat(32))), None);
        assert_eq!(prefix_of(&format!("rk_live_{}!", "a".repeat(31))), None);
    }

    #[test]
    fn scopes_parse_strictly() {
        assert_eq!(
            parse_scopes("users:write, users:read"),
            Ok(vec![Scope::UsersRead, Scope::UsersWrite])
        );
        assert!(parse_scopes("users:admin").is_err());
        assert!(parse_scopes("").is_err());
    }
}
