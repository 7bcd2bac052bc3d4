//! Raven Users API v1 handlers: `/api/v1/users`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::auth::Principal;
use super::error::ApiError;
use super::extract::{IfMatch, ListParams, UserId, json_body, sort_schema};
use super::openapi_parts::AccessErrors;
use super::openapi_parts::examples;
use super::pages::Dialect;
use super::respond::with_etag;
use super::users::{self, Changes, RAVEN_NAMES};
use crate::api::ErrorBody;
use crate::api::raven::{CreateUser, PatchUser, User, UserList, UserSummary, View};
use crate::keys::Scope;
use crate::model::NewUser;

/// The fields `sort` takes here, as this dialect spells them.
pub use crate::api::sort::RAVEN_SORTS;

/// `sort`, for the OpenAPI document (parsed by `extract::Query::sort`).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct RavenSort {
    /// A field to sort by, ascending, or with `-` descending; missing values
    /// last, ties by id in the same direction. Default: newest first.
    #[param(schema_with = ravensort_schema)]
    sort: Option<String>,
}

fn ravensort_schema() -> utoipa::openapi::Schema {
    sort_schema(RAVEN_SORTS)
}

/// List all users for your tenant.
#[utoipa::path(
    get, path = "/api/v1/users", tag = "Raven Users API v1", operation_id = "raven_list",
    params(ListParams, RavenSort),
    responses(
        (status = 200, description = "A page of users, newest first unless `sort` says otherwise", body = UserList,
         example = json!(examples::raven_list())),
        AccessErrors,
    ),
)]
pub async fn list(
    State(state): State<AppState>,
    principal: Principal,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    users::list(
        &state,
        &principal,
        query.as_deref(),
        RAVEN_SORTS,
        Dialect::Raven,
        |found, page| {
            serde_json::to_vec(&UserList {
                users: found.users.into_iter().map(UserSummary::from).collect(),
                total: found.total,
                limit: page.limit,
                offset: page.offset,
            })
        },
    )
    .await
}

/// Create a new user for your tenant.
#[utoipa::path(
    post, path = "/api/v1/users", tag = "Raven Users API v1", operation_id = "raven_create",
    request_body(content = CreateUser, example = json!(examples::raven_create_request())),
    responses(
        (status = 201, description = "Created", body = User, headers(("ETag" = String)),
         example = json!(examples::raven_created())),
        AccessErrors,
        (status = 409, description = "The external_ref is taken; `user_id` names its holder", body = ErrorBody),
        (status = 413, description = "Body over 1 MiB", body = ErrorBody),
    ),
)]
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
    let user = users::create(&state.store, &principal, new).await?;
    Ok(with_etag(
        StatusCode::CREATED,
        &user,
        User::view(&user, View::Created),
    ))
}

/// Get a specific user by ID.
#[utoipa::path(
    get, path = "/api/v1/users/{user_id}", tag = "Raven Users API v1", operation_id = "raven_get",
    params(("user_id" = String, Path, description = "usr_...")),
    responses(
        (status = 200, description = "The user", body = User, headers(("ETag" = String)),
         example = json!(examples::raven_fetched())),
        AccessErrors,
        (status = 404, description = "No such user in this tenant", body = ErrorBody),
    ),
)]
pub async fn get(
    State(state): State<AppState>,
    principal: Principal,
    UserId(id): UserId,
) -> Result<Response, ApiError> {
    let user = users::get(&state.store, &principal, &id).await?;
    Ok(with_etag(
        StatusCode::OK,
        &user,
        User::view(&user, View::Fetched),
    ))
}

/// Delete a user (a raven-server extension): gone from every dialect, its
/// history kept in the audit trail.
#[utoipa::path(
    delete, path = "/api/v1/users/{user_id}", tag = "Raven Users API v1", operation_id = "raven_delete",
    params(
        ("user_id" = String, Path, description = "usr_..."),
        ("If-Match" = Option<String>, Header, description = "ETag the delete is based on; 412 when stale"),
    ),
    responses(
        (status = 204, description = "Deleted"),
        AccessErrors,
        (status = 404, description = "No such user in this tenant", body = ErrorBody),
        (status = 412, description = "If-Match no longer matches; nothing was deleted", body = ErrorBody),
    ),
)]
pub async fn delete(
    State(state): State<AppState>,
    principal: Principal,
    UserId(id): UserId,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let if_match = IfMatch::from_headers(&headers)?;
    users::delete(&state.store, &principal, &id, if_match.as_ref()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// Update user details: each field given replaces the stored one.
#[utoipa::path(
    patch, path = "/api/v1/users/{user_id}", tag = "Raven Users API v1", operation_id = "raven_patch",
    params(
        ("user_id" = String, Path, description = "usr_..."),
        ("If-Match" = Option<String>, Header, description = "ETag the change is based on; 412 when stale"),
    ),
    request_body(content = PatchUser, example = json!(examples::raven_patch_request())),
    responses(
        (status = 200, description = "Updated", body = User, headers(("ETag" = String)),
         example = json!(examples::raven_updated())),
        AccessErrors,
        (status = 404, description = "No such user in this tenant", body = ErrorBody),
        (status = 409, description = "The external_ref is taken", body = ErrorBody),
        (status = 412, description = "If-Match no longer matches; nothing was written", body = ErrorBody),
    ),
)]
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
    changes.require_allowed_for(&principal, &RAVEN_NAMES)?;
    let user = users::patch(&state.store, &principal, &id, &changes, if_match.as_ref()).await?;
    Ok(with_etag(
        StatusCode::OK,
        &user,
        User::view(&user, View::Updated),
    ))
}
