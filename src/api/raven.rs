//! Raven Users API v1: `/api/v1/users`. Field names are snake_case. Which fields a
//! response carries follows the spec's examples: the list leaves out `metadata`,
//! only GET one has `conversation_count`, `updated_at` appears once a user has
//! been updated.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::model::Object;

/// A user in a list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = RavenUserSummary)]
pub struct UserSummary {
    pub user_id: String,
    pub tenant_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// One user, as create, GET one and PATCH return it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = RavenUser)]
pub struct User {
    pub user_id: String,
    pub tenant_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    #[serde(default)]
    #[schema(value_type = Object)]
    pub metadata: Object,
    /// Only on GET one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversation_count: Option<i64>,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// `GET /api/v1/users`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[schema(as = RavenUserList)]
pub struct UserList {
    pub users: Vec<UserSummary>,
    pub total: u64,
    pub limit: u32,
    pub offset: u64,
}

/// `POST /api/v1/users`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = RavenCreateUser)]
pub struct CreateUser {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 255, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    pub external_ref: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    pub display_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Object>,
}

/// `PATCH /api/v1/users/:user_id`: each named field is replaced; `null` clears
/// `external_ref` or `display_name`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = RavenPatchUser)]
pub struct PatchUser {
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::double_option"
    )]
    #[schema(value_type = Option<String>, nullable, max_length = 255, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    pub external_ref: Option<Option<String>>,
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "super::double_option"
    )]
    #[schema(value_type = Option<String>, nullable, max_length = 200, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    pub display_name: Option<Option<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Object>,
}

impl CreateUser {
    pub const FIELDS: &'static [&'static str] = &["external_ref", "display_name", "metadata"];
}

impl PatchUser {
    pub const FIELDS: &'static [&'static str] = &["external_ref", "display_name", "metadata"];

    pub fn is_empty(&self) -> bool {
        self == &PatchUser::default()
    }
}

/// Which of the optional fields a response carries, as the spec's examples show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum View {
    /// Create: no `conversation_count`.
    Created,
    /// GET one: with `conversation_count`.
    Fetched,
    /// PATCH: with `updated_at`.
    Updated,
}

impl User {
    pub fn view(u: &crate::model::User, view: View) -> Self {
        User {
            user_id: u.id.clone(),
            tenant_id: u.tenant_id.clone(),
            external_ref: u.external_ref.clone(),
            display_name: u.display_name.clone(),
            metadata: u.metadata.clone(),
            conversation_count: (view == View::Fetched).then_some(u.conversation_count),
            created_at: u.created_at.to_rfc3339(),
            updated_at: match view {
                View::Created => None,
                _ => u.updated_at.map(|t| t.to_rfc3339()),
            },
        }
    }
}

// By value: a list page moves its users' strings instead of copying them.
impl From<crate::model::ListedUser> for UserSummary {
    fn from(u: crate::model::ListedUser) -> Self {
        UserSummary {
            user_id: u.id,
            tenant_id: u.tenant_id,
            external_ref: u.external_ref,
            display_name: u.display_name,
            created_at: u.created_at.to_rfc3339(),
            updated_at: u.updated_at.map(|t| t.to_rfc3339()),
        }
    }
}
