//! The audit trail's two requests (a raven-server extension, DESIGN.md
//! "Extensions"): one user's history and the tenant's feed, and the probe that
//! tells a server with them from one without.

use super::{Client, ClientError, encode_segment};
use crate::api::audit::{AUDIT_PATH, AuditEvents, history_path};

/// One page of the tenant's feed and its filters (`GET /api/v1/audit`).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct AuditQuery {
    pub offset: u64,
    pub limit: u32,
    /// Only this user's events.
    pub user_id: Option<String>,
    /// Only this actor's: a key prefix, or a `usr_` id for the key's bound user.
    pub actor: Option<String>,
}

impl AuditQuery {
    fn params(&self) -> Vec<(&'static str, String)> {
        let mut out = vec![
            ("limit", self.limit.to_string()),
            ("offset", self.offset.to_string()),
        ];
        out.extend(self.user_id.clone().map(|v| ("user_id", v)));
        // `GET /api/v1/key` shows a prefix as "rk_live_AbCd…": pasted from there it still matches.
        out.extend(
            self.actor
                .as_deref()
                .map(|v| ("actor", v.trim_end_matches('…').to_string())),
        );
        out
    }
}

impl Client {
    /// `GET /api/v1/users/{id}/history`: a page of one user's events, newest first.
    pub async fn history(
        &self,
        user_id: &str,
        limit: u32,
        offset: u64,
    ) -> Result<AuditEvents, ClientError> {
        let path = history_path(&encode_segment(user_id));
        let query = [("limit", limit.to_string()), ("offset", offset.to_string())];
        Ok(self.get_json::<AuditEvents>(&path, &query).await?.0)
    }

    /// `GET /api/v1/audit`: a page of the tenant's events, newest first.
    pub async fn audit(&self, q: &AuditQuery) -> Result<AuditEvents, ClientError> {
        Ok(self
            .get_json::<AuditEvents>(AUDIT_PATH, &q.params())
            .await?
            .0)
    }

    /// Whether the server keeps an audit trail: a 404 (or anything that is not
    /// this API) on the feed's path means it does not. A 403 means it does,
    /// for keys other than this one (a key bound to a non-admin).
    pub async fn has_audit(&self) -> Result<bool, ClientError> {
        let probe = [("limit", "1".to_string())];
        match self.get_json::<serde_json::Value>(AUDIT_PATH, &probe).await {
            Ok(_) | Err(ClientError::Forbidden { .. }) => Ok(true),
            Err(e @ (ClientError::Unauthorized { .. } | ClientError::PlainHttp { .. })) => Err(e),
            Err(e) if e.is_transient() => Err(e),
            // 404, 405, an HTML page, a shape of its own: not this extension.
            Err(_) => Ok(false),
        }
    }
}
