//! The SCIM handlers: thin, like the other dialects' — the principal's rules,
//! the compare-and-set write and the store are `server::users`'.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::error::ScimError;
use super::{
    CORE_USER, EXTENSION, LIST_RESPONSE, MAX_COUNT, base_url, discovery, filter, patch, query,
    resource, respond,
};
use crate::keys::Scope;
use crate::model::{NewUser, User, validate_object};
use crate::server::ApiError;
use crate::server::AppState;
use crate::server::auth::Principal;
use crate::server::extract::{IfMatch, Query, json_value};
use crate::server::users::{self, Changes, Names};
use crate::store::PageRequest;

type Caller = Result<Principal, ApiError>;

/// Field names as SCIM spells them, for messages.
const SCIM_NAMES: Names = Names {
    external_ref: "externalId",
    display_name: "displayName",
};

const LIST_PARAMS: &[&str] = &[
    "filter",
    "startIndex",
    "count",
    "sortBy",
    "sortOrder",
    "attributes",
    "excludedAttributes",
];
const ONE_PARAMS: &[&str] = &["attributes", "excludedAttributes"];

/// A comma-separated attribute list.
fn names(q: &Query, name: &str) -> Vec<String> {
    q.non_empty(name)
        .map(|v| {
            v.split(',')
                .map(|a| a.trim().to_string())
                .filter(|a| !a.is_empty())
                .collect()
        })
        .unwrap_or_default()
}

/// A request body's JSON: `application/scim+json` or `application/json`.
fn body_json(headers: &HeaderMap, body: Result<Bytes, BytesRejection>) -> Result<Value, ScimError> {
    if let Some(ct) = headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or_default();
        let media = ct.split(';').next().unwrap_or_default().trim();
        if !media.eq_ignore_ascii_case(super::CONTENT_TYPE)
            && !media.eq_ignore_ascii_case("application/json")
        {
            return Err(ScimError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                None,
                format!(
                    "send {} or application/json, not {media:?}",
                    super::CONTENT_TYPE
                ),
            ));
        }
    }
    Ok(json_value(body)?)
}

fn one(user: &User, headers: &HeaderMap, q: Option<&Query>, status: StatusCode) -> Response {
    let base = base_url(headers);
    let mut r = resource::to_json(user, &base);
    if let Some(q) = q {
        resource::project(
            &mut r,
            &names(q, "attributes"),
            &names(q, "excludedAttributes"),
        );
    }
    let location = format!("{base}/Users/{}", user.id);
    respond(status, &r, Some(&user.etag()), Some(&location))
}

pub async fn service_provider_config(headers: HeaderMap) -> Response {
    respond(
        StatusCode::OK,
        &discovery::service_provider_config(&base_url(&headers)),
        None,
        None,
    )
}

pub async fn resource_types(headers: HeaderMap) -> Response {
    let all = vec![discovery::user_resource_type(&base_url(&headers))];
    respond(StatusCode::OK, &discovery::list(all), None, None)
}

pub async fn resource_type(
    headers: HeaderMap,
    Path(name): Path<String>,
) -> Result<Response, ScimError> {
    if name != "User" {
        return Err(ScimError::not_found(format!(
            "no resource type {name:?}; there is User"
        )));
    }
    Ok(respond(
        StatusCode::OK,
        &discovery::user_resource_type(&base_url(&headers)),
        None,
        None,
    ))
}

pub async fn schemas(headers: HeaderMap) -> Response {
    let base = base_url(&headers);
    let all = vec![
        discovery::user_schema(&base),
        discovery::extension_schema(&base),
    ];
    respond(StatusCode::OK, &discovery::list(all), None, None)
}

pub async fn schema(headers: HeaderMap, Path(id): Path<String>) -> Result<Response, ScimError> {
    let base = base_url(&headers);
    let s = if id == CORE_USER {
        discovery::user_schema(&base)
    } else if id == EXTENSION {
        discovery::extension_schema(&base)
    } else {
        return Err(ScimError::not_found(format!("no schema {id:?}")));
    };
    Ok(respond(StatusCode::OK, &s, None, None))
}

fn number(q: &Query, name: &str) -> Result<Option<i64>, ScimError> {
    q.non_empty(name)
        .map(|v| {
            v.trim()
                .parse::<i64>()
                .map_err(|_| ScimError::invalid_value(format!("{name} must be an integer")))
        })
        .transpose()
}

/// A list's parameters, from the query string (GET) or a SearchRequest (POST `.search`).
#[derive(Debug, Default)]
struct ListArgs {
    filter: Option<String>,
    sort_by: Option<String>,
    sort_order: Option<String>,
    start_index: Option<i64>,
    count: Option<i64>,
    attributes: Vec<String>,
    excluded: Vec<String>,
}

impl ListArgs {
    fn from_query(raw: Option<&str>) -> Result<Self, ScimError> {
        let q = Query::parse(raw, LIST_PARAMS)?;
        let text = |n: &str| q.non_empty(n).map(str::to_string);
        Ok(ListArgs {
            filter: text("filter"),
            sort_by: text("sortBy"),
            sort_order: text("sortOrder"),
            start_index: number(&q, "startIndex")?,
            count: number(&q, "count")?,
            attributes: names(&q, "attributes"),
            excluded: names(&q, "excludedAttributes"),
        })
    }

    /// RFC 7644 §3.4.3: the same parameters as members of the body.
    fn from_search(body: &Value) -> Result<Self, ScimError> {
        let Value::Object(o) = body else {
            return Err(ScimError::invalid_syntax(
                "a SearchRequest must be a JSON object",
            ));
        };
        let text = |n: &str| match resource::member(o, n) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(s)) => Ok(Some(s.clone())),
            Some(other) => Err(ScimError::invalid_value(format!(
                "{n} must be a string, not {other}"
            ))),
        };
        let int = |n: &str| match resource::member(o, n) {
            None | Some(Value::Null) => Ok(None),
            Some(v) => v
                .as_i64()
                .map(Some)
                .ok_or_else(|| ScimError::invalid_value(format!("{n} must be an integer"))),
        };
        let list = |n: &str| match resource::member(o, n) {
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(Value::Array(items)) => items
                .iter()
                .map(|i| {
                    i.as_str().map(str::to_string).ok_or_else(|| {
                        ScimError::invalid_value(format!("{n} must be an array of strings"))
                    })
                })
                .collect(),
            Some(Value::String(s)) => Ok(s.split(',').map(|a| a.trim().to_string()).collect()),
            Some(_) => Err(ScimError::invalid_value(format!(
                "{n} must be an array of strings"
            ))),
        };
        Ok(ListArgs {
            filter: text("filter")?,
            sort_by: text("sortBy")?,
            sort_order: text("sortOrder")?,
            start_index: int("startIndex")?,
            count: int("count")?,
            attributes: list("attributes")?,
            excluded: list("excludedAttributes")?,
        })
    }
}

pub async fn list(
    State(state): State<AppState>,
    principal: Caller,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Result<Response, ScimError> {
    let principal = principal?;
    principal.require(Scope::UsersRead)?;
    principal.require_manage()?;
    let args = ListArgs::from_query(raw.as_deref())?;
    list_page(&state, &principal, &headers, args).await
}

/// `POST /Users/.search`.
pub async fn search(
    State(state): State<AppState>,
    principal: Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ScimError> {
    let principal = principal?;
    principal.require(Scope::UsersRead)?;
    principal.require_manage()?;
    let args = ListArgs::from_search(&body_json(&headers, body)?)?;
    list_page(&state, &principal, &headers, args).await
}

async fn list_page(
    state: &AppState,
    principal: &Principal,
    headers: &HeaderMap,
    args: ListArgs,
) -> Result<Response, ScimError> {
    let mut store_filter = match &args.filter {
        Some(f) if !f.trim().is_empty() => {
            let parsed = filter::parse(f).map_err(|e| ScimError::invalid_filter(e.0))?;
            query::to_store(&parsed)?
        }
        _ => Default::default(),
    };
    let order = args.sort_order.as_deref();
    if let Some(by) = &args.sort_by {
        store_filter.sort = Some(query::sort(query::sort_key(by)?, order)?);
    } else if order.is_some() {
        query::sort(crate::store::SortKey::CreatedAt, order)?;
    }
    // 1-based; below 1 is 1 (RFC 7644 §3.4.2.4). count below 0 is 0, over the cap the cap.
    let start = args.start_index.unwrap_or(1).max(1);
    let count = args
        .count
        .unwrap_or(i64::from(MAX_COUNT))
        .clamp(0, i64::from(MAX_COUNT));
    let page = PageRequest {
        // A count of 0 asks for the total alone; the store reads one row.
        limit: u32::try_from(count.max(1)).unwrap_or(MAX_COUNT),
        offset: u64::try_from(start - 1).unwrap_or(0),
    };
    let tenant = &principal.tenant.id;
    let found = state.store.list_users(tenant, &store_filter, page).await?;
    let base = base_url(headers);
    let mut resources = Vec::new();
    // A list item lacks the version and the extension: each user of the page
    // is read whole (one indexed read each). One deleted meanwhile is left out.
    for listed in found.users.iter().take(usize::try_from(count).unwrap_or(0)) {
        if let Some(user) = state.store.get_user(tenant, &listed.id).await? {
            let mut r = resource::to_json(&user, &base);
            resource::project(&mut r, &args.attributes, &args.excluded);
            resources.push(r);
        }
    }
    let body = json!({
        "schemas": [LIST_RESPONSE],
        "totalResults": found.total,
        "startIndex": start,
        "itemsPerPage": resources.len(),
        "Resources": resources,
    });
    Ok(respond(StatusCode::OK, &body, None, None))
}

pub async fn get(
    State(state): State<AppState>,
    principal: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, ScimError> {
    let principal = principal?;
    let q = Query::parse(raw.as_deref(), ONE_PARAMS)?;
    let user = users::get(&state.store, &principal, &id).await?;
    Ok(one(&user, &headers, Some(&q), StatusCode::OK))
}

pub async fn create(
    State(state): State<AppState>,
    principal: Caller,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ScimError> {
    let principal = principal?;
    principal.require(Scope::UsersWrite)?;
    principal.require_manage()?;
    let desired = resource::from_json(&body_json(&headers, body)?)?;
    let changes = Changes {
        username: Some(desired.username.clone()),
        external_ref: desired.external_ref.clone().map(Some),
        display_name: desired.display_name.clone().map(Some),
        email: desired.email.clone().map(Some),
        avatar: desired.avatar.clone().flatten().map(Some),
        metadata: desired.metadata.clone(),
        ..Changes::default()
    }
    .validated(&SCIM_NAMES)?;
    let preferences = desired.preferences.clone().unwrap_or_default();
    validate_object("preferences", &preferences).map_err(ApiError::from)?;
    let new = NewUser {
        username: changes.username,
        external_ref: changes.external_ref.flatten(),
        display_name: changes.display_name.flatten(),
        email: changes.email.flatten(),
        avatar: changes.avatar.flatten(),
        role: desired.role.unwrap_or_default(),
        status: desired.status.unwrap_or_default(),
        metadata: changes.metadata.unwrap_or_default(),
        preferences,
        ..NewUser::default()
    };
    let user = users::create(&state.store, &principal, new).await?;
    Ok(one(&user, &headers, None, StatusCode::CREATED))
}

/// Writes `changes` (already relative to the user as read) with the usual rules.
async fn write(
    state: &AppState,
    principal: &Principal,
    id: &str,
    changes: Changes,
    if_match: Option<&IfMatch>,
) -> Result<User, ScimError> {
    let changes = changes.validated(&SCIM_NAMES)?;
    changes.require_allowed_for(principal, &SCIM_NAMES)?;
    Ok(users::patch(&state.store, principal, id, &changes, if_match).await?)
}

/// The user a write starts from, after the scope, access and If-Match checks.
async fn current(
    state: &AppState,
    principal: &Principal,
    id: &str,
    if_match: Option<&IfMatch>,
) -> Result<User, ScimError> {
    principal.require(Scope::UsersWrite)?;
    let user = users::get(&state.store, principal, id).await?;
    if let Some(m) = if_match
        && !m.matches(&user.etag())
    {
        return Err(ApiError::PreconditionFailed { etag: user.etag() }.into());
    }
    Ok(user)
}

pub async fn replace(
    State(state): State<AppState>,
    principal: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ScimError> {
    let principal = principal?;
    principal.require(Scope::UsersWrite)?;
    principal.require_access_to(&id)?;
    let if_match = IfMatch::from_headers(&headers)?;
    let body = body_json(&headers, body)?;
    let user = current(&state, &principal, &id, if_match.as_ref()).await?;
    let changes = resource::from_json(&body)?.changes_from(&user);
    let saved = write(&state, &principal, &id, changes, if_match.as_ref()).await?;
    Ok(one(&saved, &headers, None, StatusCode::OK))
}

pub async fn patch(
    State(state): State<AppState>,
    principal: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ScimError> {
    let principal = principal?;
    principal.require(Scope::UsersWrite)?;
    principal.require_access_to(&id)?;
    let if_match = IfMatch::from_headers(&headers)?;
    let body = body_json(&headers, body)?;
    let user = current(&state, &principal, &id, if_match.as_ref()).await?;
    let mut before = resource::to_json(&user, "");
    // The extension is there, if empty, so that a result without one of its
    // attributes reads as that attribute removed.
    if let Value::Object(o) = &mut before {
        o.entry(EXTENSION).or_insert_with(|| json!({}));
    }
    let mut after = patch::apply(&before, &body)?;
    patch::sync_name(&before, &mut after);
    let changes = resource::from_json(&after)?.changes_from(&user);
    let saved = write(&state, &principal, &id, changes, if_match.as_ref()).await?;
    Ok(one(&saved, &headers, None, StatusCode::OK))
}

pub async fn delete(
    State(state): State<AppState>,
    principal: Caller,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, ScimError> {
    let principal = principal?;
    let if_match = IfMatch::from_headers(&headers)?;
    users::delete(&state.store, &principal, &id, if_match.as_ref()).await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
