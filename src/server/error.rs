//! `ApiError`: the only place that picks a status and writes the JSON error shape.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use crate::api::{ErrorBody, ErrorDetail};
use crate::model::Invalid;
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    /// 400: the request is malformed or breaks a rule; names the field when it can.
    #[error("{message}")]
    BadRequest {
        code: &'static str,
        message: String,
        field: Option<String>,
    },
    /// 401: no key, or a key that is unknown or revoked.
    #[error("{0}")]
    Unauthorized(String),
    /// 403: the key is known but may not do this.
    #[error("{message}")]
    Forbidden { code: &'static str, message: String },
    /// 403: the key may not change this field (a bound key without users.manage).
    #[error("{message}")]
    ForbiddenField {
        field: &'static str,
        message: String,
    },
    /// 404: no such user in this tenant (also a user of another tenant).
    #[error("{message}")]
    NotFound { code: &'static str, message: String },
    #[error("method not allowed")]
    MethodNotAllowed,
    /// 409: a unique value is taken.
    #[error("{message}")]
    Conflict {
        message: String,
        field: String,
        user_id: Option<String>,
    },
    /// 412: If-Match no longer matches; carries the current ETag.
    #[error("the user was changed since it was read")]
    PreconditionFailed { etag: String },
    /// 413: the body is over the limit.
    #[error("request body too large")]
    PayloadTooLarge,
    /// 400 from the connection layer: the bytes are not an HTTP/1.1 request.
    #[error("malformed request")]
    Malformed,
    /// 414: the request target is over the limit.
    #[error("request URI too long")]
    UriTooLong,
    /// 431: too many header fields, or too many bytes of them.
    #[error("{0}")]
    HeadersTooLarge(String),
    /// 429: the key is over its rate limit; it may try again after this many seconds.
    #[error("rate limited")]
    RateLimited { retry_after_secs: u64 },
    /// 503: the database cannot be reached.
    #[error("{0}")]
    Unavailable(String),
    /// 503: the request took too long (the database is stuck or overloaded).
    #[error("request timed out")]
    Timeout,
    /// 500: a bug; the details go to the log, not to the client.
    #[error("{0}")]
    Internal(String),
}

impl ApiError {
    pub fn invalid(message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code: "invalid_request",
            message: message.into(),
            field: None,
        }
    }

    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        ApiError::BadRequest {
            code: "invalid_request",
            message: message.into(),
            field: Some(field.to_string()),
        }
    }

    pub fn unknown_field(field: &str, known: &[&str]) -> Self {
        ApiError::BadRequest {
            code: "unknown_field",
            message: format!(
                "unknown field {field:?}; this endpoint takes {}",
                known.join(", ")
            ),
            field: Some(field.to_string()),
        }
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        ApiError::Forbidden {
            code: "forbidden",
            message: message.into(),
        }
    }

    pub fn user_not_found(id: &str) -> Self {
        ApiError::NotFound {
            code: "not_found",
            message: format!("no user {id:?} in this tenant"),
        }
    }

    pub(crate) fn status(&self) -> StatusCode {
        match self {
            ApiError::BadRequest { .. } => StatusCode::BAD_REQUEST,
            ApiError::Unauthorized(_) => StatusCode::UNAUTHORIZED,
            ApiError::Forbidden { .. } | ApiError::ForbiddenField { .. } => StatusCode::FORBIDDEN,
            ApiError::NotFound { .. } => StatusCode::NOT_FOUND,
            ApiError::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ApiError::Conflict { .. } => StatusCode::CONFLICT,
            ApiError::PreconditionFailed { .. } => StatusCode::PRECONDITION_FAILED,
            ApiError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ApiError::Malformed => StatusCode::BAD_REQUEST,
            ApiError::UriTooLong => StatusCode::URI_TOO_LONG,
            ApiError::HeadersTooLarge(_) => StatusCode::REQUEST_HEADER_FIELDS_TOO_LARGE,
            ApiError::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            ApiError::Unavailable(_) | ApiError::Timeout => StatusCode::SERVICE_UNAVAILABLE,
            ApiError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    fn detail(&self) -> ErrorDetail {
        let (code, message, field, user_id) = match self {
            ApiError::BadRequest {
                code,
                message,
                field,
            } => (*code, message.clone(), field.clone(), None),
            ApiError::Unauthorized(m) => ("unauthorized", m.clone(), None, None),
            ApiError::Forbidden { code, message } | ApiError::NotFound { code, message } => {
                (*code, message.clone(), None, None)
            }
            ApiError::ForbiddenField { field, message } => {
                ("forbidden", message.clone(), Some(field.to_string()), None)
            }
            ApiError::MethodNotAllowed => (
                "method_not_allowed",
                "this path does not take that method".into(),
                None,
                None,
            ),
            ApiError::Conflict {
                message,
                field,
                user_id,
            } => (
                "conflict",
                message.clone(),
                Some(field.clone()),
                user_id.clone(),
            ),
            ApiError::PreconditionFailed { .. } => (
                "precondition_failed",
                "the user was changed since you read it (If-Match does not match its ETag); \
                 read it again and re-apply your change"
                    .into(),
                None,
                None,
            ),
            ApiError::PayloadTooLarge => (
                "payload_too_large",
                "the request body is over the 1 MiB limit".into(),
                None,
                None,
            ),
            ApiError::Malformed => (
                "malformed_request",
                "the request is not valid HTTP/1.1 (its request line, a header or its framing); \
                 the connection is closed"
                    .into(),
                None,
                None,
            ),
            ApiError::UriTooLong => (
                "uri_too_long",
                format!(
                    "the request URI is over the {} KiB limit",
                    crate::server::limits::MAX_URI_BYTES / 1024
                ),
                None,
                None,
            ),
            ApiError::HeadersTooLarge(m) => ("headers_too_large", m.clone(), None, None),
            ApiError::RateLimited { retry_after_secs } => (
                "rate_limited",
                format!(
                    "this key is over its rate limit; retry after {retry_after_secs} s \
                     (Retry-After)"
                ),
                None,
                None,
            ),
            ApiError::Unavailable(_) => (
                "unavailable",
                "the database is unavailable right now; try again shortly".into(),
                None,
                None,
            ),
            ApiError::Timeout => (
                "timeout",
                "the server took too long to answer; try again".into(),
                None,
                None,
            ),
            ApiError::Internal(_) => (
                "internal",
                "the server failed to handle this request; it has been logged".into(),
                None,
                None,
            ),
        };
        ErrorDetail {
            code: code.to_string(),
            message,
            field,
            user_id,
        }
    }

    /// The JSON body alone, for the connection layer, which writes its own bytes.
    pub(crate) fn body_bytes(&self) -> Vec<u8> {
        let body = ErrorBody {
            error: self.detail(),
        };
        // Serialising plain strings into a Vec cannot fail.
        serde_json::to_vec(&body).unwrap_or_default()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Internal(e) => tracing::error!(error = %e, "internal error"),
            ApiError::Unavailable(e) => tracing::warn!(error = %e, "database unavailable"),
            _ => {}
        }
        let body = ErrorBody {
            error: self.detail(),
        };
        let mut response = (self.status(), axum::Json(body)).into_response();
        match &self {
            ApiError::PreconditionFailed { etag } => {
                if let Ok(v) = HeaderValue::from_str(etag) {
                    response.headers_mut().insert(header::ETAG, v);
                }
            }
            ApiError::Unauthorized(_) => {
                response
                    .headers_mut()
                    .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            }
            ApiError::Unavailable(_) => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            ApiError::RateLimited { retry_after_secs } => {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(*retry_after_secs));
            }
            _ => {}
        }
        response
    }
}

impl From<Invalid> for ApiError {
    fn from(e: Invalid) -> Self {
        ApiError::invalid_field(&e.field, e.message)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Conflict {
                field,
                value,
                existing_user_id,
            } => ApiError::Conflict {
                message: match &existing_user_id {
                    Some(id) => format!("{field} {value:?} already belongs to user {id}"),
                    None => format!("{field} {value:?} is already taken"),
                },
                field: field.to_string(),
                user_id: existing_user_id,
            },
            StoreError::NotFound(what) => ApiError::NotFound {
                code: "not_found",
                message: format!("not found: {what}"),
            },
            StoreError::Unavailable(m) => ApiError::Unavailable(m),
            other => ApiError::Internal(other.to_string()),
        }
    }
}
