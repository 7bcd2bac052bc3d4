//! What both dialects do to a user, once their wire form is turned into
//! `Changes`: validate, apply, and write with compare-and-set.

use std::sync::Arc;

use serde_json::Value;

use axum::body::Bytes;
use axum::response::Response;

use super::AppState;
use super::auth::Principal;
use super::error::ApiError;
use super::extract::{IfMatch, LIST_PARAMS, Query};
use super::pages::{Dialect, Shape};
use super::respond::encoded_json;
use crate::keys::Scope;
use crate::model::{
    self, MAX_EXTERNAL_REF_CHARS, MAX_NAME_CHARS, NewUser, Object, Role, Status, User, merge_patch,
    validate_email, validate_object, validate_text,
};
use crate::store::{PageRequest, SortKey, Store, StoreError, UserFilter, UserPage};

/// Field changes of a PATCH, dialect-neutral. `None` leaves a field alone;
/// `Some(None)` clears it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Changes {
    /// SCIM's userName; it cannot be cleared.
    pub username: Option<String>,
    pub external_ref: Option<Option<String>>,
    pub display_name: Option<Option<String>>,
    pub email: Option<Option<String>>,
    pub avatar: Option<Option<String>>,
    pub role: Option<Role>,
    pub status: Option<Status>,
    /// Replaces the whole object (Raven).
    pub metadata: Option<Object>,
    /// Merged as RFC 7396 (EAI).
    pub preferences_patch: Option<Value>,
}

/// Longest userName, in characters (as long as an external_ref).
pub const MAX_USERNAME_CHARS: usize = MAX_EXTERNAL_REF_CHARS;

/// Validates a clearable text field; `field` is the name the client used.
fn text(
    field: &str,
    v: &Option<Option<String>>,
    max: usize,
) -> Result<Option<Option<String>>, ApiError> {
    Ok(match v {
        None => None,
        Some(None) => Some(None),
        Some(Some(s)) => Some(validate_text(field, s, max)?),
    })
}

/// Field names as each dialect calls them, for messages.
pub struct Names {
    pub external_ref: &'static str,
    pub display_name: &'static str,
}

/// The fields a key bound to a user without users.manage may change on that
/// user: the rest identify the user to others or decide what it may do.
pub const SELF_SERVICE_FIELDS: &str = "name, avatar and preferences";

pub const RAVEN_NAMES: Names = Names {
    external_ref: "external_ref",
    display_name: "display_name",
};
pub const EAI_NAMES: Names = Names {
    external_ref: "external_ref",
    display_name: "name",
};

impl Changes {
    /// Checks each field on its own and normalises it (trim, lower-case email).
    pub fn validated(mut self, names: &Names) -> Result<Self, ApiError> {
        self.external_ref = text(
            names.external_ref,
            &self.external_ref,
            MAX_EXTERNAL_REF_CHARS,
        )?;
        self.display_name = text(names.display_name, &self.display_name, MAX_NAME_CHARS)?;
        self.avatar = text("avatar", &self.avatar, 2048)?;
        if let Some(u) = &self.username {
            self.username = Some(
                validate_text("userName", u, MAX_USERNAME_CHARS)?.ok_or_else(|| {
                    ApiError::invalid_field("userName", "userName must not be empty")
                })?,
            );
        }
        if let Some(Some(email)) = &self.email {
            self.email = Some(validate_email(email)?);
        }
        if let Some(m) = &self.metadata {
            validate_object("metadata", m)?;
        }
        match &self.preferences_patch {
            None | Some(Value::Object(_)) | Some(Value::Null) => {}
            Some(_) => {
                return Err(ApiError::invalid_field(
                    "preferences",
                    "preferences must be a JSON object (merged into the stored preferences)",
                ));
            }
        }
        Ok(self)
    }

    /// A key that does not manage users may only change its own user's name,
    /// avatar and preferences; the first other field it names is refused.
    pub fn require_allowed_for(
        &self,
        principal: &Principal,
        names: &Names,
    ) -> Result<(), ApiError> {
        if principal.manages_users() {
            return Ok(());
        }
        let guarded = [
            (self.username.is_some(), "userName"),
            (self.external_ref.is_some(), names.external_ref),
            (self.email.is_some(), "email"),
            (self.metadata.is_some(), "metadata"),
            (self.role.is_some(), "role"),
            (self.status.is_some(), "status"),
        ];
        match guarded.into_iter().find(|(touched, _)| *touched) {
            None => Ok(()),
            Some((_, field)) => Err(ApiError::ForbiddenField {
                field,
                message: format!(
                    "changing {field} needs the users.manage permission; this API key is bound \
                     to a user without it and may change only its {SELF_SERVICE_FIELDS}"
                ),
            }),
        }
    }

    /// The user with these changes applied.
    pub fn apply(&self, user: &User) -> Result<User, ApiError> {
        let mut next = user.clone();
        if let Some(v) = &self.username {
            next.username.clone_from(v);
        }
        if let Some(v) = &self.external_ref {
            next.external_ref.clone_from(v);
        }
        if let Some(v) = &self.display_name {
            next.display_name.clone_from(v);
        }
        if let Some(v) = &self.email {
            next.email.clone_from(v);
        }
        if let Some(v) = &self.avatar {
            next.avatar.clone_from(v);
        }
        if let Some(r) = self.role {
            next.role = r;
        }
        if let Some(s) = self.status {
            next.status = s;
        }
        if let Some(m) = &self.metadata {
            next.metadata.clone_from(m);
        }
        if let Some(patch) = &self.preferences_patch {
            let mut prefs = Value::Object(std::mem::take(&mut next.preferences));
            merge_patch(&mut prefs, patch);
            next.preferences = match prefs {
                Value::Object(o) => o,
                _ => Object::new(),
            };
            validate_object("preferences", &next.preferences)?;
        }
        Ok(next)
    }
}

/// A page of the tenant's users under the filters of a list query string, in
/// the order its `sort` names from the dialect's `sorts`, as `encode` writes
/// the dialect's body. An unfiltered page is answered from `pages` while the
/// store's `users_tag` is the one it was encoded under.
pub async fn list(
    state: &AppState,
    principal: &Principal,
    raw_query: Option<&str>,
    sorts: &[(&str, SortKey)],
    dialect: Dialect,
    encode: impl FnOnce(UserPage, PageRequest) -> serde_json::Result<Vec<u8>>,
) -> Result<Response, ApiError> {
    principal.require(Scope::UsersRead)?;
    principal.require_manage()?;
    let query = Query::parse(raw_query, LIST_PARAMS)?;
    let page = query.page()?;
    let mut filter = query.filter()?;
    filter.sort = query.sort(sorts)?;
    let tenant = &principal.tenant.id;
    let unfiltered = UserFilter {
        sort: filter.sort,
        ..UserFilter::default()
    } == filter;
    let tag = if unfiltered {
        state.store.users_tag(tenant)
    } else {
        None
    };
    let shape = Shape {
        dialect,
        sort: filter.sort,
        page,
    };
    if let Some(body) = tag.and_then(|tag| state.pages.get(tenant, &shape, tag)) {
        return Ok(encoded_json(body));
    }
    let found = state.store.list_users(tenant, &filter, page).await?;
    let body = Bytes::from(encode(found, page).map_err(|e| ApiError::Internal(e.to_string()))?);
    if let Some(tag) = tag {
        state.pages.put(tenant, shape, tag, body.clone());
    }
    Ok(encoded_json(body))
}

/// One user the principal may read.
pub async fn get(
    store: &Arc<dyn Store>,
    principal: &Principal,
    id: &str,
) -> Result<User, ApiError> {
    principal.require(Scope::UsersRead)?;
    principal.require_access_to(id)?;
    store
        .get_user(&principal.tenant.id, id)
        .await?
        .ok_or_else(|| ApiError::user_not_found(id))
}

/// Creates a user in `tenant_id`; a taken external_ref or email is a 409 that
/// names the user holding it.
pub async fn create(
    store: &Arc<dyn Store>,
    principal: &Principal,
    new: NewUser,
) -> Result<User, ApiError> {
    let user = model::build_user(&principal.tenant.id, new);
    store.insert_user(&user, &principal.actor()).await?;
    Ok(user)
}

/// Deletes a user: unbound keys and keys of a user with users.manage only.
/// With If-Match, a version other than the one named is 412 and nothing is
/// deleted; the check and the delete are one transaction in the store.
pub async fn delete(
    store: &Arc<dyn Store>,
    principal: &Principal,
    id: &str,
    if_match: Option<&IfMatch>,
) -> Result<(), ApiError> {
    principal.require(Scope::UsersWrite)?;
    principal.require_manage()?;
    let tenant_id = principal.tenant.id.as_str();
    let expected = match if_match {
        None | Some(IfMatch::Any) => None,
        Some(m) => {
            let current = store
                .get_user(tenant_id, id)
                .await?
                .ok_or_else(|| ApiError::user_not_found(id))?;
            if !m.matches(&current.etag()) {
                return Err(ApiError::PreconditionFailed {
                    etag: current.etag(),
                });
            }
            Some(current.version)
        }
    };
    match store
        .delete_user(tenant_id, id, expected, &principal.actor())
        .await
    {
        Ok(_) => Ok(()),
        Err(StoreError::NotFound(_)) => Err(ApiError::user_not_found(id)),
        // Changed between the read and the delete: stale all the same.
        Err(StoreError::VersionMismatch) => {
            let etag = store
                .get_user(tenant_id, id)
                .await?
                .map(|u| u.etag())
                .unwrap_or_default();
            Err(ApiError::PreconditionFailed { etag })
        }
        Err(e) => Err(e.into()),
    }
}

/// How often a PATCH without If-Match re-reads and retries after losing a race.
const RETRIES: usize = 16;

/// Applies `changes` to the user, as compare-and-set on its version. With
/// If-Match, a version other than the one named is 412 and nothing is written;
/// without, a lost race re-reads and re-applies (last write wins, but merges
/// always apply to the latest preferences).
pub async fn patch(
    store: &Arc<dyn Store>,
    principal: &Principal,
    id: &str,
    changes: &Changes,
    if_match: Option<&IfMatch>,
) -> Result<User, ApiError> {
    let tenant_id = principal.tenant.id.as_str();
    let actor = principal.actor();
    for _ in 0..RETRIES {
        let current = store
            .get_user(tenant_id, id)
            .await?
            .ok_or_else(|| ApiError::user_not_found(id))?;
        if let Some(m) = if_match
            && !m.matches(&current.etag())
        {
            return Err(ApiError::PreconditionFailed {
                etag: current.etag(),
            });
        }
        let next = changes.apply(&current)?;
        if next == current {
            return Ok(current);
        }
        match store.update_user(&next, current.version, &actor).await {
            Ok(saved) => return Ok(saved),
            // `*` matches whatever version is current, so a lost race retries like no If-Match.
            Err(StoreError::VersionMismatch) if if_match.is_some_and(|m| *m != IfMatch::Any) => {
                let etag = store
                    .get_user(tenant_id, id)
                    .await?
                    .map(|u| u.etag())
                    .unwrap_or_default();
                return Err(ApiError::PreconditionFailed { etag });
            }
            Err(StoreError::VersionMismatch) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(ApiError::Unavailable(format!(
        "user {id} is being changed too often to apply this PATCH; try again"
    )))
}
