//! Operations an operator runs from the command line (and the console runs on
//! its first start): tenants, keys, demo users.

pub use crate::keys::Scope;
use crate::keys::{self, StoredKey};
use crate::model::{Tenant, Timestamp, new_tenant_id};
use crate::seed;
use crate::store::{Store, StoreError};

#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    #[error("no tenant {0:?} (give its id, ten_..., or its slug)")]
    TenantNotFound(String),
    #[error("no user {user:?} in tenant {tenant}")]
    UserNotFound { user: String, tenant: String },
    #[error("no key with prefix {0:?} (see `raven-server key list --tenant ...`)")]
    KeyNotFound(String),
    #[error("a tenant with slug {0:?} already exists")]
    SlugTaken(String),
    #[error("{0}")]
    Invalid(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A URL-safe slug from a name: `Acme Corp` becomes `acme-corp`.
pub fn slugify(name: &str) -> String {
    let mut slug = String::new();
    for c in name.trim().to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').chars().take(63).collect()
}

fn check_slug(slug: &str) -> Result<(), AdminError> {
    let ok = !slug.is_empty()
        && slug.len() <= 63
        && slug
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !slug.starts_with('-')
        && !slug.ends_with('-')
        && !slug.starts_with("ten_");
    if ok {
        Ok(())
    } else {
        Err(AdminError::Invalid(format!(
            "slug {slug:?} must be 1 to 63 lowercase letters, digits and inner dashes"
        )))
    }
}

pub async fn create_tenant(
    store: &dyn Store,
    name: &str,
    slug: Option<&str>,
) -> Result<Tenant, AdminError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        return Err(AdminError::Invalid(
            "the tenant name must be 1 to 200 characters".into(),
        ));
    }
    let slug = slug.map(str::to_string).unwrap_or_else(|| slugify(name));
    check_slug(&slug)?;
    let tenant = Tenant {
        id: new_tenant_id(),
        slug: slug.clone(),
        name: name.to_string(),
        created_at: Timestamp::now(),
    };
    match store.insert_tenant(&tenant).await {
        Err(StoreError::Conflict { .. }) => Err(AdminError::SlugTaken(slug)),
        other => other.map(|()| tenant).map_err(Into::into),
    }
}

pub async fn find_tenant(store: &dyn Store, tenant_ref: &str) -> Result<Tenant, AdminError> {
    store
        .find_tenant(tenant_ref)
        .await?
        .ok_or_else(|| AdminError::TenantNotFound(tenant_ref.to_string()))
}

/// Makes a key and returns it; only its hash is stored, so this is the one
/// time it can be shown.
pub async fn create_key(
    store: &dyn Store,
    tenant_ref: &str,
    scopes: &[Scope],
    user: Option<&str>,
) -> Result<String, AdminError> {
    let tenant = find_tenant(store, tenant_ref).await?;
    if scopes.is_empty() {
        return Err(AdminError::Invalid("give at least one scope".into()));
    }
    if let Some(user) = user
        && store.get_user(&tenant.id, user).await?.is_none()
    {
        return Err(AdminError::UserNotFound {
            user: user.to_string(),
            tenant: tenant.id,
        });
    }
    let mut scopes = scopes.to_vec();
    scopes.sort();
    scopes.dedup();
    let key = keys::generate(&tenant.id, scopes, user.map(str::to_string));
    store.insert_key(&key.stored).await?;
    Ok(key.secret)
}

pub async fn list_keys(store: &dyn Store, tenant_ref: &str) -> Result<Vec<StoredKey>, AdminError> {
    let tenant = find_tenant(store, tenant_ref).await?;
    Ok(store.list_keys(&tenant.id).await?)
}

/// Revokes the key with this public prefix (as `key list` shows it; a whole key works too).
pub async fn revoke_key(store: &dyn Store, prefix: &str) -> Result<(), AdminError> {
    let prefix = keys::prefix_of(prefix).unwrap_or(prefix);
    if store.revoke_key(prefix).await? {
        Ok(())
    } else {
        Err(AdminError::KeyNotFound(prefix.to_string()))
    }
}

/// Adds `count` realistic demo users to the tenant; returns how many went in.
pub async fn seed(store: &dyn Store, tenant_ref: &str, count: u64) -> Result<u64, AdminError> {
    let tenant = find_tenant(store, tenant_ref).await?;
    Ok(seed::users(store, &tenant.id, count).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_are_url_safe() {
        assert_eq!(slugify("  Acme Corp, Inc. "), "acme-corp-inc");
        assert_eq!(slugify("Ünïcode & Co"), "n-code-co");
        assert!(check_slug("acme-corp").is_ok());
        assert!(check_slug("Acme").is_err());
        assert!(check_slug("ten_x").is_err());
        assert!(check_slug("").is_err());
    }
}
