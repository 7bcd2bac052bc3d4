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

/// The parameters of a user's history, as the OpenAPI document shows them (the
/// handler parses them with `extract::Query`). An empty value is taken as
/// absent, so each schema admits "".
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct HistoryParams {
    /// 1 to 100, default 20
    #[param(schema_with = params::limit)]
    limit: Option<u32>,
    /// Events to skip, default 0
    #[param(schema_with = params::offset)]
    offset: Option<u64>,
}

/// The parameters of the tenant's audit feed.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AuditParams {
    /// 1 to 100, default 20
    #[param(schema_with = params::limit)]
    limit: Option<u32>,
    /// Events to skip, default 0
    #[param(schema_with = params::offset)]
    offset: Option<u64>,
    /// Only this user's events (usr_...)
    #[param(max_length = 255, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    user_id: Option<String>,
    /// A key's public prefix (rk_live_...), or the user a key is bound to (usr_...)
    #[param(max_length = 255, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    actor: Option<String>,
    /// Events at or after this RFC 3339 time
    #[param(schema_with = params::time)]
    since: Option<String>,
    /// Events strictly before this RFC 3339 time
    #[param(schema_with = params::time)]
    until: Option<String>,
}

/// Parameter schemas, each admitting the empty string that stands for "not given".
mod params {
    use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Schema, SchemaFormat, Type};

    use crate::api::MAX_LIMIT;

    fn or_empty(schema: ObjectBuilder) -> Schema {
        AnyOfBuilder::new()
            .item(schema)
            .item(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .max_length(Some(0)),
            )
            .into()
    }

    pub fn limit() -> Schema {
        or_empty(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(1))
                .maximum(Some(MAX_LIMIT)),
        )
    }

    pub fn offset() -> Schema {
        or_empty(
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0))
                .maximum(Some(i64::MAX as f64)),
        )
    }

    pub fn time() -> Schema {
        or_empty(ObjectBuilder::new().schema_type(Type::String).format(Some(
            SchemaFormat::KnownFormat(utoipa::openapi::KnownFormat::DateTime),
        )))
    }
}
