//! SCIM's error shape (RFC 7644 §3.12): `{"schemas":[Error],"status":"400",
//! "scimType":"invalidFilter","detail":"..."}`, as `application/scim+json`.
//! Every refusal of the other dialects (`ApiError`) maps onto it, so a SCIM
//! client meets the same rules in its own words.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use super::{CONTENT_TYPE, ERROR_SCHEMA};
use crate::server::ApiError;

#[derive(Debug)]
pub struct ScimError {
    pub status: StatusCode,
    /// RFC 7644 Table 9's keyword, where one applies.
    pub scim_type: Option<&'static str>,
    pub detail: String,
    /// The current ETag of a 412, and the seconds of a 429.
    headers: Vec<(header::HeaderName, String)>,
}

impl ScimError {
    pub fn new(
        status: StatusCode,
        scim_type: Option<&'static str>,
        detail: impl Into<String>,
    ) -> Self {
        ScimError {
            status,
            scim_type,
            detail: detail.into(),
            headers: Vec::new(),
        }
    }

    pub fn bad(scim_type: &'static str, detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, Some(scim_type), detail)
    }

    pub fn invalid_filter(detail: impl Into<String>) -> Self {
        Self::bad("invalidFilter", detail)
    }

    pub fn invalid_value(detail: impl Into<String>) -> Self {
        Self::bad("invalidValue", detail)
    }

    pub fn invalid_syntax(detail: impl Into<String>) -> Self {
        Self::bad("invalidSyntax", detail)
    }

    pub fn invalid_path(detail: impl Into<String>) -> Self {
        Self::bad("invalidPath", detail)
    }

    pub fn no_target(detail: impl Into<String>) -> Self {
        Self::bad("noTarget", detail)
    }

    pub fn mutability(detail: impl Into<String>) -> Self {
        Self::bad("mutability", detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, None, detail)
    }
}

impl From<ApiError> for ScimError {
    fn from(e: ApiError) -> Self {
        let status = e.status();
        let scim_type = match &e {
            ApiError::BadRequest { code, .. } if code.contains("json") => Some("invalidSyntax"),
            ApiError::BadRequest { .. } => Some("invalidValue"),
            ApiError::Conflict { .. } => Some("uniqueness"),
            _ => None,
        };
        let mut headers = Vec::new();
        match &e {
            ApiError::PreconditionFailed { etag } => {
                headers.push((header::ETAG, etag.clone()));
            }
            ApiError::RateLimited { retry_after_secs } => {
                headers.push((header::RETRY_AFTER, retry_after_secs.to_string()));
            }
            _ => {}
        }
        let detail = match &e {
            ApiError::PreconditionFailed { etag } => {
                format!("the user was changed since it was read; its version is now {etag}")
            }
            // A bug's details go to the log, not to the client.
            ApiError::Internal(m) => {
                tracing::error!("SCIM request failed: {m}");
                "internal error".to_string()
            }
            other => other.to_string(),
        };
        ScimError {
            status,
            scim_type,
            detail,
            headers,
        }
    }
}

impl From<crate::store::StoreError> for ScimError {
    fn from(e: crate::store::StoreError) -> Self {
        ApiError::from(e).into()
    }
}

impl IntoResponse for ScimError {
    fn into_response(self) -> Response {
        let mut body = json!({
            "schemas": [ERROR_SCHEMA],
            "status": self.status.as_u16().to_string(),
            "detail": self.detail,
        });
        if let Some(t) = self.scim_type {
            body["scimType"] = json!(t);
        }
        let mut response = (self.status, body.to_string()).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE));
        for (name, value) in self.headers {
            if let Ok(v) = HeaderValue::from_str(&value) {
                headers.insert(name, v);
            }
        }
        response
    }
}
