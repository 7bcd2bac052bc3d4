//! EAI Users REST API v3 handlers: `/api/eai/v3/users`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;

use super::AppState;
use super::auth::Principal;
use super::error::ApiError;
use super::extract::{IfMatch, ListParams, UserId, json_body, sort_schema};
use super::openapi_parts::AccessErrors;
use super::openapi_parts::examples;
use super::pages::Dialect;
use super::respond::with_etag;
use super::users::{self, Changes, EAI_NAMES};
use crate::api::ErrorBody;
use crate::api::eai::{PatchUser, User, UserList, UserSummary};
use crate::keys::Scope;

/// The fields `sort` takes here, as this dialect spells them.
pub use crate::api::sort::EAI_SORTS;

/// `sort`, for the OpenAPI document (parsed by `extract::Query::sort`).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct EaiSort {
    /// A field to sort by, ascending, or with `-` descending; missing values
    /// last, ties by id in the same direction. Default: newest first.
    #[param(schema_with = eaisort_schema)]
    sort: Option<String>,
}

fn eaisort_schema() -> utoipa::openapi::Schema {
    sort_schema(EAI_SORTS)
}

/// List users in the tenant (requires users.manage).
#[utoipa::path(
    get, path = "/api/eai/v3/users", tag = "EAI Users REST API v3", operation_id = "eai_list",
    params(ListParams, EaiSort),
    responses(
        (status = 200, description = "A page of users, newest first unless `sort` says otherwise", body = UserList,
         example = json!(examples::eai_list())),
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
        EAI_SORTS,
        Dialect::Eai,
        |found, _| {
            serde_json::to_vec(&UserList {
                data: found.users.into_iter().map(UserSummary::from).collect(),
                total: found.total,
            })
        },
    )
    .await
}

/// Get the authenticated user's profile (a key bound to a user).
#[utoipa::path(
    get, path = "/api/eai/v3/users/me", tag = "EAI Users REST API v3", operation_id = "eai_get_me",
    responses(
        (status = 200, description = "The key's user", body = User, headers(("ETag" = String)),
         example = json!(examples::eai_user())),
        AccessErrors,
        (status = 404, description = "`no_current_user`: the key is not bound to a user", body = ErrorBody),
    ),
)]
pub async fn get_me(principal: Principal) -> Result<Response, ApiError> {
    principal.require(Scope::UsersRead)?;
    let me = principal.me()?;
    Ok(with_etag(
        StatusCode::OK,
        me,
        User::view(me, &principal.tenant.slug),
    ))
}

/// Get a user by id.
#[utoipa::path(
    get, path = "/api/eai/v3/users/{id}", tag = "EAI Users REST API v3", operation_id = "eai_get",
    params(("id" = String, Path, description = "usr_...")),
    responses(
        (status = 200, description = "The user", body = User, headers(("ETag" = String)),
         example = json!(examples::eai_user())),
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
        User::view(&user, &principal.tenant.slug),
    ))
}

/// Update the current user: profile, preferences (a JSON Merge Patch).
#[utoipa::path(
    patch, path = "/api/eai/v3/users/me", tag = "EAI Users REST API v3", operation_id = "eai_patch_me",
    params(("If-Match" = Option<String>, Header, description = "ETag the change is based on; 412 when stale")),
    request_body(content = PatchUser, example = json!(examples::eai_patch_me_request())),
    responses(
        (status = 200, description = "Updated", body = User, headers(("ETag" = String))),
        AccessErrors,
        (status = 404, description = "`no_current_user`: the key is not bound to a user", body = ErrorBody),
        (status = 412, description = "If-Match no longer matches; nothing was written", body = ErrorBody),
    ),
)]
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

/// Update a user: profile, preferences (a JSON Merge Patch: nested objects
/// merge, null removes), and with users.manage role and status.
#[utoipa::path(
    patch, path = "/api/eai/v3/users/{id}", tag = "EAI Users REST API v3", operation_id = "eai_patch",
    params(
        ("id" = String, Path, description = "usr_..."),
        ("If-Match" = Option<String>, Header, description = "ETag the change is based on; 412 when stale"),
    ),
    request_body(content = PatchUser, example = json!(examples::eai_patch_request())),
    responses(
        (status = 200, description = "Updated", body = User, headers(("ETag" = String))),
        AccessErrors,
        (status = 404, description = "No such user in this tenant", body = ErrorBody),
        (status = 409, description = "The email is taken", body = ErrorBody),
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
    changes.require_allowed_for(&principal, &EAI_NAMES)?;
    let user = users::patch(&state.store, &principal, &id, &changes, if_match.as_ref()).await?;
    Ok(with_etag(
        StatusCode::OK,
        &user,
        User::view(&user, &principal.tenant.slug),
    ))
}
