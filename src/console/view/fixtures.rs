//! Both views of one user, for the unit tests of the modules that read them.

use serde_json::json;

use super::UserViews;
use crate::api::{eai, raven};
use crate::model::Role;

/// Jane (`usr_1`), a member, at version 3, in both dialects.
pub fn jane_views() -> UserViews {
    UserViews {
        raven: Some(raven::User {
            user_id: "usr_1".into(),
            tenant_id: "ten_1".into(),
            external_ref: Some("crm-1".into()),
            display_name: Some("Jane".into()),
            metadata: json!({"plan": "pro"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            conversation_count: None,
            created_at: "2026-01-01T00:00:00.000Z".into(),
            updated_at: None,
        }),
        eai: Some(eai::User {
            id: "usr_1".into(),
            email: Some("jane@example.com".into()),
            name: Some("Jane".into()),
            avatar: None,
            role: Role::Member,
            permissions: vec![],
            tenant_id: "demo".into(),
            preferences: json!({"theme": "dark"})
                .as_object()
                .cloned()
                .unwrap_or_default(),
            created_at: "2026-01-01T00:00:00.000Z".into(),
            last_login_at: None,
        }),
        etag: Some("\"v3\"".into()),
        extra: Default::default(),
        status: None,
    }
}
