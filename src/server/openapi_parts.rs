//! The pieces of the OpenAPI document that the handlers name in their own
//! `#[utoipa::path]` annotations: the refusals they share and the specs'
//! examples. A leaf: `openapi.rs`, which assembles the document, imports the
//! handlers, and the handlers import only this.

use crate::api::ErrorBody;

/// The refusals every endpoint may answer with.
#[derive(utoipa::IntoResponses)]
#[allow(dead_code)]
pub enum AccessErrors {
    /// Bad input; `field` names it
    #[response(status = 400)]
    BadRequest(ErrorBody),
    /// No key, or an unknown or revoked one
    #[response(status = 401)]
    Unauthorized(ErrorBody),
    /// Missing scope or permission
    #[response(status = 403)]
    Forbidden(ErrorBody),
}

/// The examples of the two specifications, as they print them.
pub mod examples {
    use serde_json::{Value, json};

    pub fn raven_create_request() -> Value {
        json!({"external_ref": "user-123", "display_name": "John Doe", "metadata": {"plan": "pro", "source": "web"}})
    }

    pub fn raven_created() -> Value {
        json!({
            "user_id": "usr_abc123xyz", "tenant_id": "ten_xxxxxxxx", "external_ref": "user-123",
            "display_name": "John Doe", "metadata": {"plan": "pro", "source": "web"},
            "created_at": "2024-01-15T10:30:00Z"
        })
    }

    pub fn raven_list() -> Value {
        json!({
            "users": [
                {"user_id": "usr_abc123xyz", "tenant_id": "ten_xxxxxxxx", "external_ref": "user-123",
                 "display_name": "John Doe", "created_at": "2024-01-15T10:30:00Z"},
                {"user_id": "usr_def456uvw", "tenant_id": "ten_xxxxxxxx", "external_ref": "user-456",
                 "display_name": "Jane Smith", "created_at": "2024-01-14T09:15:00Z"}
            ],
            "total": 42, "limit": 20, "offset": 0
        })
    }

    pub fn raven_fetched() -> Value {
        json!({
            "user_id": "usr_abc123xyz", "tenant_id": "ten_xxxxxxxx", "external_ref": "user-123",
            "display_name": "John Doe", "metadata": {"plan": "pro", "source": "web"},
            "conversation_count": 5, "created_at": "2024-01-15T10:30:00Z"
        })
    }

    pub fn raven_patch_request() -> Value {
        json!({"display_name": "John D.", "metadata": {"plan": "enterprise"}})
    }

    pub fn raven_updated() -> Value {
        json!({
            "user_id": "usr_abc123xyz", "tenant_id": "ten_xxxxxxxx", "external_ref": "user-123",
            "display_name": "John D.", "metadata": {"plan": "enterprise"},
            "created_at": "2024-01-15T10:30:00Z", "updated_at": "2024-01-16T14:20:00Z"
        })
    }

    pub fn eai_user() -> Value {
        json!({
            "id": "user_123", "email": "jane.smith@example.com", "name": "Jane Smith",
            "avatar": "https://avatars.example.com/user_123.jpg", "role": "admin",
            "permissions": ["resources.read", "resources.create", "resources.update",
                            "documents.upload", "chat.access", "users.manage"],
            "tenantId": "acme-corp",
            "preferences": {"theme": "dark", "language": "en", "timezone": "America/New_York",
                            "notifications": {"email": true, "push": false}},
            "createdAt": "2025-01-15T10:00:00Z", "lastLoginAt": "2026-03-11T09:30:00Z"
        })
    }

    pub fn eai_list() -> Value {
        json!({
            "data": [{"id": "user_123", "email": "jane.smith@example.com", "name": "Jane Smith",
                      "role": "admin", "status": "active", "lastLoginAt": "2026-03-11T09:30:00Z"}],
            "total": 12
        })
    }

    pub fn eai_patch_request() -> Value {
        json!({"preferences": {"theme": "dark", "timezone": "Europe/London"}})
    }

    pub fn eai_patch_me_request() -> Value {
        json!({"preferences": {"theme": "light", "notifications": {"email": false}}})
    }
}
