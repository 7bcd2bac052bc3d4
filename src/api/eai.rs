//! EAI Users REST API v3: `/api/eai/v3/users`. Field names are camelCase; the
//! shapes are the spec's: the full profile (GET/PATCH one, `me`) and the list
//! item, which carries `status` where the profile carries `permissions`.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::{Object, Permission, Role, Status};

/// The full profile: `GET /me`, `GET /:id`, and what PATCH returns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = EaiUser)]
pub struct User {
    pub id: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub avatar: Option<String>,
    pub role: Role,
    pub permissions: Vec<Permission>,
    pub tenant_id: String,
    #[schema(value_type = Object)]
    pub preferences: Object,
    pub created_at: String,
    pub last_login_at: Option<String>,
}

/// A user in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = EaiUserSummary)]
pub struct UserSummary {
    pub id: String,
    pub email: Option<String>,
    pub name: Option<String>,
    pub role: Role,
    pub status: Status,
    pub last_login_at: Option<String>,
}

/// `GET /api/eai/v3/users`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = EaiUserList)]
pub struct UserList {
    pub data: Vec<UserSummary>,
    pub total: u64,
}

/// `PATCH /api/eai/v3/users/:id` and `/me`. `preferences` is a JSON Merge Patch
/// (RFC 7396) onto the stored preferences; `role` and `status` need users.manage.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = EaiPatchUser)]
pub struct PatchUser {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::double_option"
    )]
    #[schema(value_type = Option<String>, nullable, max_length = 200, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    pub name: Option<Option<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::double_option"
    )]
    #[schema(value_type = Option<String>, nullable, max_length = 254, pattern = r"^$|^[^@\s\x00-\x1F\x7F-\x9F]+@[^@\s.\x00-\x1F\x7F-\x9F]+(\.[^@\s.\x00-\x1F\x7F-\x9F]+)+$")]
    pub email: Option<Option<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::double_option"
    )]
    #[schema(value_type = Option<String>, nullable, max_length = 2048, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    pub avatar: Option<Option<String>>,
    /// A merge patch: nested objects merge, `null` removes a key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub preferences: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Role>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Status>,
}

impl PatchUser {
    pub const FIELDS: &'static [&'static str] =
        &["name", "email", "avatar", "preferences", "role", "status"];

    pub fn is_empty(&self) -> bool {
        self == &PatchUser::default()
    }
}

impl User {
    /// The profile of `u`; `tenant_slug` is EAI's `tenantId`.
    pub fn view(u: &crate::model::User, tenant_slug: &str) -> Self {
        User {
            id: u.id.clone(),
            email: u.email.clone(),
            name: u.display_name.clone(),
            avatar: u.avatar.clone(),
            role: u.role,
            permissions: u.role.permissions().to_vec(),
            tenant_id: tenant_slug.to_string(),
            preferences: u.preferences.clone(),
            created_at: u.created_at.to_rfc3339(),
            last_login_at: u.last_login_at.map(|t| t.to_rfc3339()),
        }
    }
}

// By value: a list page moves its users' strings instead of copying them.
impl From<crate::model::ListedUser> for UserSummary {
    fn from(u: crate::model::ListedUser) -> Self {
        UserSummary {
            id: u.id,
            email: u.email,
            name: u.display_name,
            role: u.role,
            status: u.status,
            last_login_at: u.last_login_at.map(|t| t.to_rfc3339()),
        }
    }
}
