//! `GET /api/v1/key`: the calling key about itself, an extension of raven-server
//! beyond the two specs (DESIGN.md, "Extensions"). Only the public prefix is
//! ever sent back, as `raven-server key list` shows it.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Path of the key endpoint, beside the Raven dialect it extends.
pub const KEY_PATH: &str = "/api/v1/key";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct KeyInfo {
    /// The key's public prefix and an ellipsis, e.g. `rk_live_AbCd1234…`; never the key.
    pub key: String,
    pub tenant_id: String,
    /// `users:read`, `users:write`.
    pub scopes: Vec<String>,
    /// The user a bound key acts as; `null` for a key of the whole tenant.
    pub user_id: Option<String>,
}

impl KeyInfo {
    pub fn may_write(&self) -> bool {
        self.scopes.iter().any(|s| s == "users:write")
    }
}
