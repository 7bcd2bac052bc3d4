//! The one user record every dialect is a view of, and the rules that belong to it.

mod audit;
mod fold;
mod ids;
mod merge;
mod role;
mod time;
mod validate;

pub use audit::{Actor, AuditAction, AuditEvent, FieldChange, FieldChanges, changes, deleted};
pub use fold::fold;
pub use ids::{base62, new_tenant_id, new_user_id};
pub use merge::merge_patch;
pub use role::{Permission, Role, Status};
pub use time::Timestamp;
pub use validate::{Invalid, validate_email, validate_object, validate_text};

use serde_json::{Map, Value};

/// A JSON object, as stored in `metadata` and `preferences`.
pub type Object = Map<String, Value>;

/// Longest display name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Longest external reference, in characters.
pub const MAX_EXTERNAL_REF_CHARS: usize = 255;
/// Largest `metadata` or `preferences` object, serialized, in bytes.
pub const MAX_OBJECT_BYTES: usize = 64 * 1024;

/// A tenant: the unit of isolation. Users, keys and lists never cross it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    /// `ten_` followed by random characters; Raven's `tenant_id`.
    pub id: String,
    /// URL-safe short name; EAI's `tenantId`.
    pub slug: String,
    pub name: String,
    pub created_at: Timestamp,
}

/// One user of a tenant, as the store keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: String,
    pub tenant_id: String,
    /// SCIM's `userName`: unique within the tenant ignoring case; the email,
    /// or the id, unless one was given.
    pub username: String,
    pub external_ref: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub avatar: Option<String>,
    pub role: Role,
    pub status: Status,
    pub metadata: Object,
    pub preferences: Object,
    pub conversation_count: i64,
    /// Bumped by every write; the ETag is derived from it.
    pub version: i64,
    pub created_at: Timestamp,
    pub updated_at: Option<Timestamp>,
    pub last_login_at: Option<Timestamp>,
}

impl User {
    /// The strong entity tag of this version of the user.
    pub fn etag(&self) -> String {
        etag_for(self.version)
    }
}

/// A user as a list carries it: every field a list view of either dialect
/// shows, and not the `metadata` and `preferences` objects, which none shows and
/// whose parsing was about a fifth of the CPU of a list request.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedUser {
    pub id: String,
    pub tenant_id: String,
    pub username: String,
    pub external_ref: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub role: Role,
    pub status: Status,
    pub created_at: Timestamp,
    pub updated_at: Option<Timestamp>,
    pub last_login_at: Option<Timestamp>,
}

/// The entity tag for a version number: `"v7"`.
pub fn etag_for(version: i64) -> String {
    format!("\"v{version}\"")
}

/// Everything a new user may be created with; the rest takes defaults.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct NewUser {
    /// `None`: the email, or without one the new id.
    pub username: Option<String>,
    pub external_ref: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub avatar: Option<String>,
    pub role: Role,
    pub status: Status,
    pub metadata: Object,
    pub preferences: Object,
    pub conversation_count: i64,
    /// Set by the seeder to spread demo users over time; `None` means now.
    pub created_at: Option<Timestamp>,
    pub last_login_at: Option<Timestamp>,
}

/// A new user record from `NewUser`, with a fresh id and version 1.
pub fn build_user(tenant_id: &str, new: NewUser) -> User {
    let id = new_user_id();
    User {
        username: new
            .username
            .or_else(|| new.email.clone())
            .unwrap_or_else(|| id.clone()),
        id,
        tenant_id: tenant_id.to_string(),
        external_ref: new.external_ref,
        display_name: new.display_name,
        email: new.email,
        avatar: new.avatar,
        role: new.role,
        status: new.status,
        metadata: new.metadata,
        preferences: new.preferences,
        conversation_count: new.conversation_count,
        version: 1,
        created_at: new.created_at.unwrap_or_else(Timestamp::now),
        updated_at: None,
        last_login_at: new.last_login_at,
    }
}
