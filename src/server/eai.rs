//! EAI Users REST API v3 handlers: `/api/eai/v3/users`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::auth::Principal;
use super::error::ApiError;
use super::extract::{IfMatch, LIST_PARAMS, Query, UserId, json_body};
use super::respond::with_etag;
use super::users::{self, Changes, EAI_NAMES};
use crate::api::eai::{PatchUser, User, UserList, UserSummary};
use crate::keys::Scope;

pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    principal.require(Scope::UsersRead)?;
    principal.require_manage()?;
    let query = Query::parse(query.as_deref(), LIST_PARAMS)?;
    let page = query.page()?;
    let filter = query.filter()?;
    let found = state
        .store
        .list_users(&principal.tenant.id, &filter, page)
        .await?;
    Ok(axum::Json(UserList {
        data: found.users.iter().map(UserSummary::from).collect(),
        total: found.total,
    })
    .into_response())
}

pub async fn get_me(principal: Principal) -> Result<Response, ApiError> {
    principal.require(Scope::UsersRead)?;
    let me = principal.me()?;
    Ok(with_etag(
        StatusCode::OK,
        me,
        User::view(me, &principal.tenant.slug),
    ))
}

pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    UserId(id): UserId,
) -> Result<Response, ApiError> {
    principal.require(Scope::UsersRead)?;
    principal.require_access_to(&id)?;
    let user = state
        .store
        .get_user(&principal.tenant.id, &id)
        .await?
        .ok_or_else(|| ApiError::user_not_found(&id))?;
    Ok(with_etag(
        StatusCode::OK,
        &user,
        User::view(&user, &principal.tenant.slug),
    ))
}

pub async fn patch_me(
    State(state): State<AppState>,
    principal: Principal,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    principal.require(Scope::UsersWrite)?;
    let id = principal.me()?.id.clone();
    patch_user(state, principal, id, headers, body).await
}

pub async fn patch(
    State(state): State<AppState>,
    principal: Principal,
    UserId(id): UserId,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    principal.require(Scope::UsersWrite)?;
    principal.require_access_to(&id)?;
    patch_user(state, principal, id, headers, body).await
}

async fn patch_user(
    state: AppState,
    principal: Principal,
    id: String,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let if_match = IfMatch::from_headers(&headers)?;
    let input: PatchUser = json_body(body, PatchUser::FIELDS)?;
    let changes = Changes {
        display_name: input.name,
        email: input.email,
        avatar: input.avatar,
        role: input.role,
        status: input.status,
        preferences_patch: input.preferences,
        ..Changes::default()
    }
    .validated(&EAI_NAMES)?;
    if changes.touches_role_or_status() && !principal.manages_users() {
        let field = if changes.role.is_some() {
            "role"
        } else {
            "status"
        };
        return Err(ApiError::Forbidden {
            code: "forbidden",
            message: format!("changing {field} needs the users.manage permission"),
        });
    }
    let user = users::patch(
        &state.store,
        &principal.tenant.id,
        &id,
        &changes,
        if_match.as_ref(),
    )
    .await?;
    Ok(with_etag(
        StatusCode::OK,
        &user,
        User::view(&user, &principal.tenant.slug),
    ))
}
