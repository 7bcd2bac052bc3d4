//! Who is calling: the `Principal` a bearer key resolves to, and the rules of
//! what it may do (DESIGN.md, "Who a key acts for").

use axum::extract::FromRequestParts;
use axum::http::header;
use axum::http::request::Parts;

use super::AppState;
use super::error::ApiError;
use crate::keys::{self, Scope, StoredKey};
use crate::model::{Actor, Status, Tenant, User};

/// The caller: a tenant, the key's scopes and, for a bound key, its user.
#[derive(Debug, Clone)]
pub struct Principal {
    pub tenant: Tenant,
    pub key: StoredKey,
    /// The user a bound key acts as, fresh from the store.
    pub user: Option<User>,
}

impl Principal {
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.key.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ApiError::Forbidden {
                code: "insufficient_scope",
                message: format!("this API key lacks the {scope} scope"),
            })
        }
    }

    /// Whether the key may act on every user of the tenant: an unbound key, or
    /// one bound to a user with users.manage.
    pub fn manages_users(&self) -> bool {
        self.user.as_ref().is_none_or(|u| u.role.can_manage_users())
    }

    /// Lists and creates need the whole tenant.
    pub fn require_manage(&self) -> Result<(), ApiError> {
        if self.manages_users() {
            Ok(())
        } else {
            Err(ApiError::forbidden(
                "this API key is bound to a user without the users.manage permission",
            ))
        }
    }

    /// A bound key without users.manage may only reach its own user. Checked
    /// before looking the user up, so it tells nothing about other ids.
    pub fn require_access_to(&self, user_id: &str) -> Result<(), ApiError> {
        match &self.user {
            Some(me) if !me.role.can_manage_users() && me.id != user_id => Err(
                ApiError::forbidden("this API key may only reach the user it is bound to"),
            ),
            _ => Ok(()),
        }
    }

    /// Who the audit trail says made this principal's writes.
    pub fn actor(&self) -> Actor {
        Actor {
            key: Some(self.key.prefix.clone()),
            user_id: self.key.user_id.clone(),
        }
    }

    /// The user `me` names.
    pub fn me(&self) -> Result<&User, ApiError> {
        self.user.as_ref().ok_or_else(|| ApiError::NotFound {
            code: "no_current_user",
            message: "this API key is not bound to a user, so there is no current user; \
                      use /api/eai/v3/users/:id"
                .into(),
        })
    }
}

fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    // Proxies and servers disagree on which of two keys counts; refuse to guess.
    if parts
        .headers
        .get_all(header::AUTHORIZATION)
        .iter()
        .nth(1)
        .is_some()
    {
        return Err(ApiError::invalid_field(
            "Authorization",
            "send one Authorization header, not several",
        ));
    }
    let value = parts
        .headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| {
            ApiError::Unauthorized(
                "missing API key: send it as `Authorization: Bearer rk_live_...`".into(),
            )
        })?
        .to_str()
        .map_err(|_| ApiError::Unauthorized("the Authorization header is not ASCII".into()))?;
    let (scheme, token) = value.trim().split_once(' ').ok_or_else(|| {
        ApiError::Unauthorized("the Authorization header must be `Bearer rk_live_...`".into())
    })?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(ApiError::Unauthorized(
            "the Authorization header must use the Bearer scheme".into(),
        ));
    }
    Ok(token.trim())
}

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let secret = bearer(parts)?;
        let refused = || ApiError::Unauthorized("unknown or revoked API key".into());
        let prefix = keys::prefix_of(secret).ok_or_else(refused)?;
        let (key, tenant) = state.store.find_key(prefix).await?.ok_or_else(refused)?;
        if key.revoked_at.is_some() || !keys::matches(&key, secret) {
            return Err(refused());
        }
        let user = match &key.user_id {
            None => None,
            Some(id) => {
                let user = state.store.get_user(&tenant.id, id).await?.ok_or_else(|| {
                    ApiError::forbidden("the user this API key is bound to no longer exists")
                })?;
                if user.status == Status::Inactive {
                    return Err(ApiError::Forbidden {
                        code: "user_inactive",
                        message: format!("the user this API key is bound to ({id}) is inactive"),
                    });
                }
                Some(user)
            }
        };
        Ok(Principal { tenant, key, user })
    }
}
