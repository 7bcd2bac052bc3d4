//! Reading requests without ever letting a framework rejection through: the
//! body, the query string and If-Match each become an `ApiError` with our shape.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::duplicate_keys::first_duplicate_key;
use super::error::ApiError;
use crate::api::{DEFAULT_LIMIT, MAX_LIMIT};
use crate::model::{MAX_EXTERNAL_REF_CHARS, Role, Status};

/// Longest search needle: a name (200) or an email (254) is never longer.
const MAX_SEARCH_CHARS: usize = 254;
use crate::store::{PageRequest, Sort, SortKey, UserFilter};

/// Parses a JSON object body into `T`, after checking every key is one of
/// `fields` (so a typo like `displayName` is named, not ignored).
pub fn json_body<T: DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
    fields: &[&str],
) -> Result<T, ApiError> {
    let value = json_value(body)?;
    let Value::Object(object) = &value else {
        return Err(ApiError::invalid("the request body must be a JSON object"));
    };
    if let Some(unknown) = object.keys().find(|k| !fields.contains(&k.as_str())) {
        return Err(ApiError::unknown_field(unknown, fields));
    }
    serde_path_to_error::deserialize(value).map_err(|e| {
        let field = e.path().to_string();
        let inner = e.into_inner().to_string();
        ApiError::invalid_field(&field, format!("{field}: {inner}"))
    })
}

/// A JSON body as a value: read within the limit, valid JSON, no key twice.
pub fn json_value(body: Result<Bytes, BytesRejection>) -> Result<Value, ApiError> {
    let bytes = body.map_err(|e| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ApiError::PayloadTooLarge
        } else {
            ApiError::invalid(format!("could not read the request body: {e}"))
        }
    })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::invalid("the request body must be a JSON object"));
    }
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| ApiError::BadRequest {
        code: "invalid_json",
        message: format!("the request body is not valid JSON: {e}"),
        field: None,
    })?;
    if let Ok(Some(path)) = first_duplicate_key(&bytes) {
        return Err(ApiError::BadRequest {
            code: "invalid_json",
            message: format!("the request body has the key {path:?} more than once"),
            field: Some(path),
        });
    }
    Ok(value)
}

/// Parsed query parameters, each at most once.
#[derive(Debug)]
pub struct Query(Vec<(String, String)>);

impl Query {
    /// Parses `raw`, refusing parameters not in `known` and repeated ones.
    pub fn parse(raw: Option<&str>, known: &[&str]) -> Result<Self, ApiError> {
        let pairs: Vec<(String, String)> =
            url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
        for (i, (k, _)) in pairs.iter().enumerate() {
            if !known.contains(&k.as_str()) {
                return Err(ApiError::BadRequest {
                    code: "unknown_field",
                    message: format!(
                        "unknown query parameter {k:?}; this endpoint takes {}",
                        known.join(", ")
                    ),
                    field: Some(k.clone()),
                });
            }
            if pairs[..i].iter().any(|(seen, _)| seen == k) {
                return Err(ApiError::invalid_field(
                    k,
                    format!("{k} is given more than once"),
                ));
            }
        }
        Ok(Query(pairs))
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// A parameter; an empty value counts as absent (as HTML forms send it).
    pub fn non_empty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|v| !v.is_empty())
    }

    pub fn page(&self) -> Result<PageRequest, ApiError> {
        let limit = match self.non_empty("limit") {
            None => DEFAULT_LIMIT,
            Some(v) => v
                .parse::<u32>()
                .ok()
                .filter(|l| (1..=MAX_LIMIT).contains(l))
                .ok_or_else(|| {
                    ApiError::invalid_field(
                        "limit",
                        format!("limit must be between 1 and {MAX_LIMIT} (got {v:?})"),
                    )
                })?,
        };
        let offset = match self.non_empty("offset") {
            None => 0,
            Some(v) => v
                .parse::<u64>()
                .ok()
                .filter(|o| i64::try_from(*o).is_ok())
                .ok_or_else(|| {
                    ApiError::invalid_field(
                        "offset",
                        format!("offset must be a whole number, 0 or more (got {v:?})"),
                    )
                })?,
        };
        Ok(PageRequest { limit, offset })
    }

    pub fn filter(&self) -> Result<UserFilter, ApiError> {
        // Text filters follow the rules of the fields they match; a control
        // character can match nothing, and PostgreSQL refuses NUL outright.
        let text = |name: &str, max: usize| -> Result<Option<String>, ApiError> {
            match self.non_empty(name) {
                Some(v) if v.chars().any(char::is_control) => Err(ApiError::invalid_field(
                    name,
                    format!("{name} must not contain control characters"),
                )),
                // Longer than any stored value can be: a mistake, not a filter.
                Some(v) if v.chars().count() > max => Err(ApiError::invalid_field(
                    name,
                    format!("{name} is at most {max} characters"),
                )),
                v => Ok(v.map(str::to_string)),
            }
        };
        Ok(UserFilter {
            external_ref: text("external_ref", MAX_EXTERNAL_REF_CHARS)?,
            role: self
                .non_empty("role")
                .map(|r| {
                    r.parse::<Role>()
                        .map_err(|m| ApiError::invalid_field("role", m))
                })
                .transpose()?,
            status: self
                .non_empty("status")
                .map(|s| {
                    s.parse::<Status>()
                        .map_err(|m| ApiError::invalid_field("status", m))
                })
                .transpose()?,
            search: text("search", MAX_SEARCH_CHARS)?
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            sort: None,
            ..UserFilter::default()
        })
    }

    /// `sort=FIELD` or `sort=-FIELD` (descending), `FIELD` spelled as in
    /// `fields`, the dialect's table. The default order (newest first) is
    /// `None`, whichever way it is asked for, so that it keeps its fast path.
    pub fn sort(&self, fields: &[(&str, SortKey)]) -> Result<Option<Sort>, ApiError> {
        let Some(v) = self.non_empty("sort") else {
            return Ok(None);
        };
        let (descending, name) = match v.strip_prefix('-') {
            Some(name) => (true, name),
            None => (false, v),
        };
        let key = fields
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, k)| *k)
            .ok_or_else(|| {
                let names: Vec<&str> = fields.iter().map(|(n, _)| *n).collect();
                ApiError::invalid_field(
                    "sort",
                    format!(
                        "sort must be one of {}, each optionally prefixed with - for \
                         descending (got {v:?})",
                        names.join(", ")
                    ),
                )
            })?;
        let sort = Sort { key, descending };
        Ok((sort != DEFAULT_ORDER).then_some(sort))
    }
}

/// The order of a list without `sort`: newest first, ties by id descending.
const DEFAULT_ORDER: Sort = Sort {
    key: SortKey::CreatedAt,
    descending: true,
};

/// The values of `sort` for a dialect's `fields`, ascending and descending,
/// as the OpenAPI document lists them.
pub fn sort_schema(fields: &[(&str, SortKey)]) -> utoipa::openapi::Schema {
    let values: Vec<String> = fields
        .iter()
        .flat_map(|(n, _)| [n.to_string(), format!("-{n}")])
        .collect();
    let values: Vec<&str> = values.iter().map(String::as_str).collect();
    words(&values)
}

/// The list parameters both dialects take, as the OpenAPI document shows them
/// (the handlers parse them with [`Query`], for errors in our shape). An empty
/// value is taken as absent, as HTML forms send it, so each schema admits "".
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ListParams {
    /// 1 to 100, default 20
    #[param(schema_with = limit_schema)]
    limit: Option<u32>,
    /// Users to skip, default 0
    #[param(schema_with = offset_schema)]
    offset: Option<u64>,
    /// Exact external reference
    #[param(max_length = 255, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    external_ref: Option<String>,
    /// admin, member or viewer
    #[param(schema_with = role_schema)]
    role: Option<Role>,
    /// active or inactive
    #[param(schema_with = status_schema)]
    status: Option<Status>,
    /// Case-insensitive substring of name or email
    #[param(max_length = 254, pattern = r"^[^\x00-\x1F\x7F-\x9F]*$")]
    search: Option<String>,
}

/// `schema`, or the empty string that stands for "not given".
fn or_empty(schema: utoipa::openapi::schema::ObjectBuilder) -> utoipa::openapi::Schema {
    use utoipa::openapi::schema::{AnyOfBuilder, ObjectBuilder, Type};
    AnyOfBuilder::new()
        .item(schema)
        .item(
            ObjectBuilder::new()
                .schema_type(Type::String)
                .max_length(Some(0)),
        )
        .into()
}

fn limit_schema() -> utoipa::openapi::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    or_empty(
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(1))
            .maximum(Some(MAX_LIMIT)),
    )
}

fn offset_schema() -> utoipa::openapi::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    or_empty(
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0))
            .maximum(Some(i64::MAX as f64)),
    )
}

fn words(values: &[&str]) -> utoipa::openapi::Schema {
    use utoipa::openapi::schema::{ObjectBuilder, Type};
    or_empty(
        ObjectBuilder::new()
            .schema_type(Type::String)
            .enum_values(Some(values.iter().copied())),
    )
}

fn role_schema() -> utoipa::openapi::Schema {
    words(&["admin", "member", "viewer"])
}

fn status_schema() -> utoipa::openapi::Schema {
    words(&["active", "inactive"])
}

/// The list parameters both dialects take.
pub const LIST_PARAMS: &[&str] = &[
    "limit",
    "offset",
    "external_ref",
    "role",
    "status",
    "search",
    "sort",
];

/// What an `If-Match` header asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// `*`: any current version.
    Any,
    /// One or more entity tags, as sent.
    Tags(Vec<String>),
}

impl IfMatch {
    pub fn from_headers(headers: &HeaderMap) -> Result<Option<Self>, ApiError> {
        let Some(value) = headers.get(header::IF_MATCH) else {
            return Ok(None);
        };
        let value = value
            .to_str()
            .map_err(|_| ApiError::invalid_field("If-Match", "If-Match must be ASCII"))?
            .trim();
        if value == "*" {
            return Ok(Some(IfMatch::Any));
        }
        let tags: Vec<String> = value
            .split(',')
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty())
            .collect();
        if tags.is_empty() {
            return Err(ApiError::invalid_field(
                "If-Match",
                "If-Match must be * or an ETag such as \"v3\"",
            ));
        }
        Ok(Some(IfMatch::Tags(tags)))
    }

    /// Strong comparison (RFC 9110): a weak tag never matches.
    pub fn matches(&self, etag: &str) -> bool {
        match self {
            IfMatch::Any => true,
            IfMatch::Tags(tags) => tags.iter().any(|t| t == etag),
        }
    }
}

/// The `:user_id` / `:id` path segment. A segment that is not valid UTF-8 after
/// percent-decoding is a 400 in our shape, not the framework's plain text.
pub struct UserId(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for UserId {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, ApiError> {
        axum::extract::Path::<String>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(id)| UserId(id))
            .map_err(|e| ApiError::invalid(format!("the user id in the path is malformed: {e}")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_outside_one_to_a_hundred_are_refused_with_the_documented_message() {
        for bad in ["0", "101", "-1", "ten", "1.5"] {
            let q = Query::parse(Some(&format!("limit={bad}")), LIST_PARAMS).unwrap();
            let err = q.page().unwrap_err();
            assert!(
                err.to_string().contains("limit must be between 1 and 100"),
                "{err}"
            );
        }
        let q = Query::parse(Some("limit=100&offset=5"), LIST_PARAMS).unwrap();
        assert_eq!(
            q.page().unwrap(),
            PageRequest {
                limit: 100,
                offset: 5
            }
        );
        assert_eq!(
            Query::parse(None, LIST_PARAMS).unwrap().page().unwrap(),
            PageRequest {
                limit: 20,
                offset: 0
            }
        );
    }

    #[test]
    fn unknown_and_repeated_parameters_are_named() {
        assert!(
            Query::parse(Some("externalRef=x"), LIST_PARAMS)
                .unwrap_err()
                .to_string()
                .contains("externalRef")
        );
        assert!(Query::parse(Some("role=admin&role=viewer"), LIST_PARAMS).is_err());
    }

    #[test]
    fn sort_takes_the_dialects_fields_and_names_sort_when_refused() {
        let fields = crate::server::raven::RAVEN_SORTS;
        let sort = |raw: &str| Query::parse(Some(raw), LIST_PARAMS).unwrap().sort(fields);
        assert_eq!(sort("sort=").unwrap(), None);
        // The default order, asked for, keeps the default's paths.
        assert_eq!(sort("sort=-created_at").unwrap(), None);
        assert_eq!(
            sort("sort=-display_name").unwrap(),
            Some(Sort {
                key: SortKey::DisplayName,
                descending: true
            })
        );
        for bad in ["sort=name", "sort=--created_at", "sort=createdAt"] {
            let err = sort(bad).unwrap_err();
            let text = err.to_string();
            assert!(
                text.contains("display_name, external_ref, created_at, updated_at"),
                "{text}"
            );
            assert!(
                matches!(err, ApiError::BadRequest { code: "invalid_request", field: Some(ref f), .. } if f == "sort")
            );
        }
    }

    #[test]
    fn if_match_compares_strongly() {
        let mut h = HeaderMap::new();
        h.insert(header::IF_MATCH, "\"v1\", \"v2\"".parse().unwrap());
        let m = IfMatch::from_headers(&h).unwrap().unwrap();
        assert!(m.matches("\"v2\""));
        assert!(!m.matches("\"v3\""));
        h.insert(header::IF_MATCH, "W/\"v2\"".parse().unwrap());
        assert!(
            !IfMatch::from_headers(&h)
                .unwrap()
                .unwrap()
                .matches("\"v2\"")
        );
    }
}
