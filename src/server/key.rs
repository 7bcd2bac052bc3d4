//! `GET /api/v1/key`: lets a client show what its key may do before it tries.

use axum::response::{IntoResponse, Response};

use super::auth::Principal;
use super::error::ApiError;
use super::openapi::AccessErrors;
use crate::api::key::KeyInfo;

/// The calling key: its public prefix, tenant, scopes and bound user.
#[utoipa::path(
    get, path = "/api/v1/key", tag = "Extensions",
    responses(
        (status = 200, description = "The calling key (its public prefix only)", body = KeyInfo,
         example = json!({"key": "rk_live_AbCd1234…", "tenant_id": "ten_xxxxxxxx",
                          "scopes": ["users:read"], "user_id": null})),
        AccessErrors,
    ),
)]
pub async fn get(principal: Principal) -> Result<Response, ApiError> {
    let k = &principal.key;
    Ok(axum::Json(KeyInfo {
        key: format!("{}…", k.prefix),
        tenant_id: k.tenant_id.clone(),
        scopes: k.scopes.iter().map(|s| s.as_str().to_string()).collect(),
        user_id: k.user_id.clone(),
    })
    .into_response())
}
