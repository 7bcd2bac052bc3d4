//! The audit trail's requests as the worker makes them: `update` asks with a
//! [`HistoryRequest`] (inside `Effect::History`), the worker answers with a
//! [`HistoryAnswer`] (inside `Action::History`), tagged with the request's id
//! so the state drops an answer it no longer wants.

use crate::api::audit::AuditEvents;
use crate::api::client::{AuditQuery, Client, ClientError};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HistoryCall {
    /// Does the server keep an audit trail?
    Probe,
    /// A page of one user's history.
    User {
        user_id: String,
        limit: u32,
        offset: u64,
    },
    /// A page of the tenant's feed.
    Tenant(AuditQuery),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryRequest {
    pub id: u64,
    pub call: HistoryCall,
}

#[derive(Debug, Clone, PartialEq)]
pub enum HistoryAnswer {
    Probed {
        id: u64,
        result: Result<bool, ClientError>,
    },
    Events {
        id: u64,
        result: Result<AuditEvents, ClientError>,
    },
}

/// Makes the request; the answer goes back to the loop.
pub async fn run(client: &Client, req: HistoryRequest) -> HistoryAnswer {
    let id = req.id;
    match req.call {
        HistoryCall::Probe => HistoryAnswer::Probed {
            id,
            result: client.has_audit().await,
        },
        HistoryCall::User {
            user_id,
            limit,
            offset,
        } => HistoryAnswer::Events {
            id,
            result: client.history(&user_id, limit, offset).await,
        },
        HistoryCall::Tenant(q) => HistoryAnswer::Events {
            id,
            result: client.audit(&q).await,
        },
    }
}
