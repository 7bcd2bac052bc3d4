//! The audit trail over HTTP: `GET /api/v1/users/{user_id}/history` and
//! `GET /api/v1/audit`. Read-only: events are written by the stores with the
//! change they record, and never changed through the API.

use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::auth::Principal;
use super::error::ApiError;
use super::extract::{Query, UserId};
use super::openapi_parts::{AccessErrors, AuditParams, HistoryParams};
use crate::api::ErrorBody;
use crate::api::audit::{AuditEvent, AuditEvents};
use crate::keys::Scope;
use crate::model::Timestamp;
use crate::store::{AuditFilter, AuditPage};

pub const HISTORY_PARAMS: &[&str] = &["limit", "offset"];
pub const AUDIT_PARAMS: &[&str] = &["limit", "offset", "user_id", "actor", "since", "until"];

/// Longest id or key prefix a filter may name; no stored one is longer.
const MAX_ID_CHARS: usize = 255;

fn events(page: AuditPage, with_user: bool) -> Response {
    axum::Json(AuditEvents {
        events: page
            .events
            .iter()
            .map(|e| AuditEvent::from_model(e, with_user))
            .collect(),
        total: page.total,
    })
    .into_response()
}

/// A user's changes, newest first.
#[utoipa::path(
    get, path = "/api/v1/users/{user_id}/history", tag = "Audit (raven-server extension)",
    operation_id = "user_history",
    params(("user_id" = String, Path, description = "usr_..."), HistoryParams),
    responses(
        (status = 200, description = "The user's events, newest first", body = AuditEvents),
        AccessErrors,
        (status = 404, description = "No such user in this tenant, nor events of one deleted", body = ErrorBody),
    ),
)]
pub async fn user_history(
    State(state): State<AppState>,
    principal: Principal,
    UserId(id): UserId,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    principal.require(Scope::UsersRead)?;
    principal.require_access_to(&id)?;
    let query = Query::parse(query.as_deref(), HISTORY_PARAMS)?;
    let page = query.page()?;
    let tenant = &principal.tenant.id;
    let filter = AuditFilter {
        user_id: Some(id.clone()),
        ..AuditFilter::default()
    };
    let found = state.store.list_audit(tenant, &filter, page).await?;
    // A deleted user's events outlive it, its `delete` event newest: the
    // history still answers them. No user and no event is no such user.
    if found.total == 0 && state.store.get_user(tenant, &id).await?.is_none() {
        return Err(ApiError::user_not_found(&id));
    }
    Ok(events(found, false))
}

/// The tenant's changes, newest first.
#[utoipa::path(
    get, path = "/api/v1/audit", tag = "Audit (raven-server extension)",
    operation_id = "audit_list",
    params(AuditParams),
    responses(
        (status = 200, description = "The tenant's events, newest first, each with its user_id",
         body = AuditEvents),
        AccessErrors,
    ),
)]
pub async fn audit(
    State(state): State<AppState>,
    principal: Principal,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    principal.require(Scope::UsersRead)?;
    principal.require_manage()?;
    let query = Query::parse(query.as_deref(), AUDIT_PARAMS)?;
    let page = query.page()?;
    let filter = AuditFilter {
        user_id: id_param(&query, "user_id")?,
        actor: id_param(&query, "actor")?,
        since: time_param(&query, "since")?,
        until: time_param(&query, "until")?,
    };
    let found = state
        .store
        .list_audit(&principal.tenant.id, &filter, page)
        .await?;
    Ok(events(found, true))
}

/// An id filter: no control characters (PostgreSQL refuses NUL outright) and
/// no longer than an id can be.
fn id_param(query: &Query, name: &str) -> Result<Option<String>, ApiError> {
    match query.non_empty(name) {
        Some(v) if v.chars().any(char::is_control) => Err(ApiError::invalid_field(
            name,
            format!("{name} must not contain control characters"),
        )),
        Some(v) if v.chars().count() > MAX_ID_CHARS => Err(ApiError::invalid_field(
            name,
            format!("{name} is at most {MAX_ID_CHARS} characters"),
        )),
        v => Ok(v.map(str::to_string)),
    }
}

fn time_param(query: &Query, name: &str) -> Result<Option<Timestamp>, ApiError> {
    query
        .non_empty(name)
        .map(|v| {
            Timestamp::parse_rfc3339(v).ok_or_else(|| {
                ApiError::invalid_field(
                    name,
                    format!(
                        "{name} must be an RFC 3339 time such as 2026-03-11T09:30:00Z (got {v:?})"
                    ),
                )
            })
        })
        .transpose()
}
