//! Writing a user response: the JSON body with the user's ETag beside it, the
//! one shape every GET, POST and PATCH of a user answers with.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::model::User;

/// A JSON user response with the user's ETag.
pub fn with_etag(status: StatusCode, user: &User, body: impl Serialize) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    if let Ok(v) = HeaderValue::from_str(&user.etag()) {
        response.headers_mut().insert(header::ETAG, v);
    }
    response
}
