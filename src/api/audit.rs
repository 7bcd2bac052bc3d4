//! The audit trail on the wire, an extension of raven-server beyond the two
//! specs (DESIGN.md, "Extensions"): a user's history and the tenant's feed.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

/// Path of the tenant's feed, beside the Raven dialect it extends.
pub const AUDIT_PATH: &str = "/api/v1/audit";

/// The path of a user's history.
pub fn history_path(user_id: &str) -> String {
    format!("{}/{user_id}/history", super::RAVEN_BASE)
}

/// Who made a write.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
pub struct AuditActor {
    /// The key's public prefix, as `raven-server key list` shows it; `null`
    /// for the command line.
    pub key: Option<String>,
    /// The user the key is bound to; `null` for a key of the whole tenant.
    pub user_id: Option<String>,
}

/// A field's value before and after (JSON `null` when it had none).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct FieldChange {
    /// The field's value before: text, an object (metadata, preferences) or null.
    pub from: Value,
    /// The field's value after, of the same kinds.
    pub to: Value,
}

/// One write of a user.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEvent {
    /// The user's id; in the tenant's feed only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// The user's version this write produced (its ETag is `"<version>"`).
    pub version: i64,
    /// RFC 3339, UTC.
    pub at: String,
    /// `create` or `update`.
    pub action: String,
    pub actor: AuditActor,
    /// Every stored field the write changed, by its stored name
    /// (display_name, external_ref, email, avatar, role, status, metadata,
    /// preferences).
    pub changes: BTreeMap<String, FieldChange>,
}

/// A page of events, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct AuditEvents {
    pub events: Vec<AuditEvent>,
    /// How many events match in all.
    pub total: u64,
}

impl AuditEvent {
    /// The wire form of a stored event; `with_user` for the tenant's feed.
    pub fn from_model(e: &crate::model::AuditEvent, with_user: bool) -> Self {
        AuditEvent {
            user_id: with_user.then(|| e.user_id.clone()),
            version: e.version,
            at: e.at.to_rfc3339(),
            action: e.action.as_str().to_string(),
            actor: AuditActor {
                key: e.actor.key.clone(),
                user_id: e.actor.user_id.clone(),
            },
            changes: e
                .changes
                .iter()
                .map(|(k, c)| {
                    (
                        k.clone(),
                        FieldChange {
                            from: c.from.clone(),
                            to: c.to.clone(),
                        },
                    )
                })
                .collect(),
        }
    }
}
