//! SCIM 2.0 (RFC 7643 schemas, RFC 7644 protocol) at `/scim/v2`: a third
//! dialect over the same store, keys and rules as the other two. The mapping
//! of a user onto the User resource is in docs/ARCHITECTURE.md, "SCIM".

mod discovery;
mod error;
pub mod filter;
mod patch;
mod query;
mod resource;
mod users;

use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::Value;

pub use error::ScimError;

use super::AppState;

/// Where SCIM is served.
pub const SCIM_BASE: &str = "/scim/v2";
/// The media type of every SCIM answer (RFC 7644 §3.1).
pub const CONTENT_TYPE: &str = "application/scim+json";
pub const CORE_USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
/// Our extension: metadata, preferences and avatar.
pub const EXTENSION: &str = "urn:raven:params:scim:schemas:extension:2.0:User";
pub const ERROR_SCHEMA: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
pub const LIST_RESPONSE: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
pub const PATCH_OP: &str = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
/// Largest page (`count`), as in the other dialects.
pub const MAX_COUNT: u32 = 100;

/// The SCIM routes, answering unknown paths and methods in SCIM's shape.
pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/ServiceProviderConfig",
            get(users::service_provider_config),
        )
        .route("/ResourceTypes", get(users::resource_types))
        .route("/ResourceTypes/{name}", get(users::resource_type))
        .route("/Schemas", get(users::schemas))
        .route("/Schemas/{id}", get(users::schema))
        .route("/Users", get(users::list).post(users::create))
        .route("/Users/.search", axum::routing::post(users::search))
        .route(
            "/Users/{id}",
            get(users::get)
                .put(users::replace)
                .patch(users::patch)
                .delete(users::delete),
        )
        .route("/.search", axum::routing::post(search_everything))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
}

async fn not_found() -> ScimError {
    ScimError::not_found(format!(
        "no such SCIM endpoint; {SCIM_BASE} has /Users, /ServiceProviderConfig, /ResourceTypes \
         and /Schemas"
    ))
}

/// A search across resource types (RFC 7644 §3.4.3): there is one type, and
/// its search is `/Users/.search`.
async fn search_everything() -> ScimError {
    ScimError::new(
        StatusCode::NOT_IMPLEMENTED,
        None,
        "this server searches one resource type at a time: POST /Users/.search",
    )
}

async fn method_not_allowed() -> ScimError {
    ScimError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        None,
        "this SCIM endpoint does not take that method",
    )
}

/// The absolute URL of the SCIM base as the client reached it, for
/// `meta.location`: the Host it sent, https when a proxy says so.
fn base_url(headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let https = headers
        .get("x-forwarded-proto")
        .and_then(|h| h.to_str().ok())
        .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    let scheme = if https { "https" } else { "http" };
    format!("{scheme}://{host}{SCIM_BASE}")
}

/// A SCIM answer: the JSON as `application/scim+json`, with the ETag and
/// Location when given.
fn respond(
    status: StatusCode,
    body: &Value,
    etag: Option<&str>,
    location: Option<&str>,
) -> Response {
    let mut response = (status, body.to_string()).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
    for (name, value) in [(header::ETAG, etag), (header::LOCATION, location)] {
        if let Some(v) = value.and_then(|v| HeaderValue::from_str(v).ok()) {
            headers.insert(name, v);
        }
    }
    response
}
