//! Raven Users API v1 handlers: `/api/v1/users`.

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
use super::users::{self, Changes, RAVEN_NAMES};
use crate::api::raven::{CreateUser, PatchUser, User, UserList, UserSummary, View};
use crate::keys::Scope;
use crate::model::NewUser;

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
        users: found.users.iter().map(UserSummary::from).collect(),
        total: found.total,
        limit: page.limit,
        offset: page.offset,
    })
    .into_response())
}

pub async fn create(
    State(state): State<AppState>,
    principal: Principal,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    principal.require(Scope::UsersWrite)?;
    principal.require_manage()?;
    let input: CreateUser = json_body(body, CreateUser::FIELDS)?;
    let changes = Changes {
        external_ref: input.external_ref.map(Some),
        display_name: input.display_name.map(Some),
        metadata: input.metadata,
        ..Changes::default()
    }
    .validated(&RAVEN_NAMES)?;
    let new = NewUser {
        external_ref: changes.external_ref.flatten(),
        display_name: changes.display_name.flatten(),
        metadata: changes.metadata.unwrap_or_default(),
        ..NewUser::default()
    };
    let user = users::create(&state.store, &principal.tenant.id, new).await?;
    Ok(with_etag(
        StatusCode::CREATED,
        &user,
        User::view(&user, View::Created),
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
        User::view(&user, View::Fetched),
    ))
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
    let if_match = IfMatch::from_headers(&headers)?;
    let input: PatchUser = json_body(body, PatchUser::FIELDS)?;
    let changes = Changes {
        external_ref: input.external_ref,
        display_name: input.display_name,
        metadata: input.metadata,
        ..Changes::default()
    }
    .validated(&RAVEN_NAMES)?;
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
        User::view(&user, View::Updated),
    ))
}
