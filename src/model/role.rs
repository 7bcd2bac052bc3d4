use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// What a user may do in the tenant's application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    #[default]
    Member,
    Viewer,
}

/// Whether a user may use the application (and its keys) at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    #[default]
    Active,
    Inactive,
}

/// The permissions EAI derives from a role, in the order the spec lists them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
pub enum Permission {
    #[serde(rename = "resources.read")]
    ResourcesRead,
    #[serde(rename = "resources.create")]
    ResourcesCreate,
    #[serde(rename = "resources.update")]
    ResourcesUpdate,
    #[serde(rename = "documents.upload")]
    DocumentsUpload,
    #[serde(rename = "chat.access")]
    ChatAccess,
    #[serde(rename = "users.manage")]
    UsersManage,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::Admin, Role::Member, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Member => "member",
            Role::Viewer => "viewer",
        }
    }

    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            Role::Admin => &[
                ResourcesRead,
                ResourcesCreate,
                ResourcesUpdate,
                DocumentsUpload,
                ChatAccess,
                UsersManage,
            ],
            Role::Member => &[
                ResourcesRead,
                ResourcesCreate,
                ResourcesUpdate,
                DocumentsUpload,
                ChatAccess,
            ],
            Role::Viewer => &[ResourcesRead, ChatAccess],
        }
    }

    pub fn can_manage_users(self) -> bool {
        self.permissions().contains(&Permission::UsersManage)
    }
}

impl Status {
    pub const ALL: [Status; 2] = [Status::Active, Status::Inactive];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Inactive => "inactive",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| "role must be one of admin, member, viewer".to_string())
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Status::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| "status must be active or inactive".to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permissions_follow_the_design_table() {
        let names = |r: Role| serde_json::to_value(r.permissions()).unwrap();
        assert_eq!(
            names(Role::Admin),
            serde_json::json!([
                "resources.read",
                "resources.create",
                "resources.update",
                "documents.upload",
                "chat.access",
                "users.manage"
            ])
        );
        assert_eq!(
            names(Role::Viewer),
            serde_json::json!(["resources.read", "chat.access"])
        );
        assert!(!Role::Member.can_manage_users());
        assert!(Role::Admin.can_manage_users());
    }

    #[test]
    fn roles_and_statuses_parse_only_known_names() {
        assert_eq!("viewer".parse::<Role>(), Ok(Role::Viewer));
        assert!("Admin".parse::<Role>().is_err());
        assert_eq!("inactive".parse::<Status>(), Ok(Status::Inactive));
        assert!("deleted".parse::<Status>().is_err());
    }
}
