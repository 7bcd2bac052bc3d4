//! Writing a user response: the JSON body with the user's ETag beside it, the
//! one shape every GET, POST and PATCH of a user answers with; and a JSON body
//! encoded earlier (a kept list page, the OpenAPI document).

use axum::body::Bytes;
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

/// A JSON body already encoded, with the header `axum::Json` would send.
pub fn encoded_json(body: impl Into<Bytes>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body.into()).into_response()
}
