//! The OpenAPI 3.1 document of both dialects, generated from the handlers and
//! the wire types, with the specs' examples; served at `GET /openapi.json`.

use std::sync::OnceLock;

use axum::response::Response;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::{eai, history, raven};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "raven-server Users API",
        description = "The Raven Users API v1 and the EAI Users REST API v3 over one store. \
                       Every error is `{\"error\":{\"code\",\"message\"}}` with a stable code; \
                       every user response carries an ETag, and PATCH with If-Match is \
                       compare-and-set."
    ),
    paths(
        raven::list, raven::create, raven::get, raven::patch, raven::delete,
        eai::list, eai::get_me, eai::patch_me, eai::get, eai::patch,
        super::key::get,
        history::user_history, history::audit,
    ),
    modifiers(&BearerKey, &IfMatchShape, &Links, &SharedRefusals),
    security(("api_key" = [])),
)]
pub struct ApiDoc;

struct BearerKey;

impl Modify for BearerKey {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        let components = doc.components.get_or_insert_with(Default::default);
        let mut scheme = Http::new(HttpAuthScheme::Bearer);
        scheme.description = Some(
            "An API key, rk_live_ and 32 characters, made by `raven-server key create`".into(),
        );
        components.add_security_scheme("api_key", SecurityScheme::Http(scheme));
    }
}

/// `If-Match` as the server reads it (`extract::IfMatch`): `*`, or entity tags
/// separated by commas, at least one of them not empty; a tag that is not the
/// user's current ETag (`"v3"`) is a 412, a header with no tag at all a 400.
struct IfMatchShape;

/// What `extract::IfMatch::from_headers` accepts: printable ASCII with at
/// least one character that is neither a space nor a comma.
pub const IF_MATCH_PATTERN: &str = r"^[\t\x20-\x7E]*[\x21-\x2B\x2D-\x7E][\t\x20-\x7E]*$";

impl Modify for IfMatchShape {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::path::ParameterBuilder;
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        for item in doc.paths.paths.values_mut() {
            for op in [
                &mut item.patch,
                &mut item.get,
                &mut item.post,
                &mut item.delete,
            ]
            .into_iter()
            .flatten()
            {
                for param in op.parameters.iter_mut().flatten() {
                    if param.name == "If-Match" {
                        let schema = ObjectBuilder::new()
                            .schema_type(Type::String)
                            .pattern(Some(IF_MATCH_PATTERN))
                            .examples(["\"v1\""]);
                        *param = ParameterBuilder::from(param.clone())
                            .schema(Some(schema))
                            .example(Some(serde_json::json!("\"v1\"")))
                            .build();
                    }
                }
            }
        }
    }
}

/// Where a created or fetched user can be read and changed next, by its id
/// and with its ETag: the links schemathesis' stateful phase follows, and a
/// reader's map of the API.
struct Links;

impl Modify for Links {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::RefOr;
        use utoipa::openapi::link::LinkBuilder;
        let to = |operation: &str, param: &str, id: &str, with_etag: bool| {
            let mut link = LinkBuilder::new()
                .operation_id(operation)
                .parameter(param, format!("$response.body#/{id}"));
            if with_etag {
                link = link.parameter("header.If-Match", "$response.header.ETag");
            }
            link.build()
        };
        // (path, method, status, the id's name in that response)
        let sources = [
            ("/api/v1/users", "post", "201", "user_id"),
            ("/api/v1/users/{user_id}", "get", "200", "user_id"),
            ("/api/eai/v3/users/{id}", "get", "200", "id"),
        ];
        for (path, method, status, id) in sources {
            let Some(item) = doc.paths.paths.get_mut(path) else {
                continue;
            };
            let op = match method {
                "post" => item.post.as_mut(),
                _ => item.get.as_mut(),
            };
            let Some(RefOr::T(response)) = op.and_then(|op| op.responses.responses.get_mut(status))
            else {
                continue;
            };
            for (name, link) in [
                ("RavenGet", to("raven_get", "user_id", id, false)),
                ("RavenPatch", to("raven_patch", "user_id", id, true)),
                ("EaiGet", to("eai_get", "id", id, false)),
                ("EaiPatch", to("eai_patch", "id", id, true)),
                ("UserHistory", to("user_history", "user_id", id, false)),
                ("RavenDelete", to("raven_delete", "user_id", id, true)),
            ] {
                response.links.insert(name.to_string(), RefOr::T(link));
            }
        }
    }
}

/// The refusals any request may meet before or beside its handler: the HTTP
/// layer's limits, the per-key rate limit, an unavailable database, and for a
/// body its size. (A method a path does not take is 405 with `Allow`; it
/// cannot be declared on the operations a path does take.)
struct SharedRefusals;

impl Modify for SharedRefusals {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::header::HeaderBuilder;
        use utoipa::openapi::response::ResponseBuilder;
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        use utoipa::openapi::{ContentBuilder, Ref, RefOr};
        let refusal = |description: &str, retry_after: bool| {
            let content = ContentBuilder::new()
                .schema(Some(Ref::from_schema_name("ErrorBody")))
                .build();
            let mut response = ResponseBuilder::new()
                .description(description)
                .content("application/json", content);
            if retry_after {
                let seconds = HeaderBuilder::new()
                    .schema(
                        ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .minimum(Some(0)),
                    )
                    .description(Some("Seconds to wait before trying again"))
                    .build();
                response = response.header("Retry-After", seconds);
            }
            RefOr::T(response.build())
        };
        for item in doc.paths.paths.values_mut() {
            let ops = [
                &mut item.get,
                &mut item.post,
                &mut item.patch,
                &mut item.delete,
            ];
            for op in ops.into_iter().flatten() {
                let has_body = op.request_body.is_some();
                let responses = &mut op.responses.responses;
                let mut add = |status: &str, description: &str, retry_after: bool| {
                    responses
                        .entry(status.to_string())
                        .or_insert_with(|| refusal(description, retry_after));
                };
                if has_body {
                    add("413", "`payload_too_large`: the body is over 1 MiB", false);
                }
                add(
                    "414",
                    "`uri_too_long`: the request target is over the limit",
                    false,
                );
                add(
                    "429",
                    "`rate_limited`: this API key is over its rate limit",
                    true,
                );
                add(
                    "431",
                    "`headers_too_large`: too many or too large request headers",
                    false,
                );
                add(
                    "503",
                    "`unavailable` (the database; with Retry-After) or `timeout`",
                    true,
                );
            }
        }
    }
}

/// The document as JSON, built once.
pub fn json() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        let mut doc = serde_json::to_value(ApiDoc::openapi()).unwrap_or_default();
        camel_case_links(&mut doc);
        serde_json::to_string_pretty(&doc).unwrap_or_default()
    })
}

/// utoipa 5 writes a link's `operationId` and `requestBody` in snake case,
/// which no OpenAPI reader knows; renamed here until it spells them right.
fn camel_case_links(doc: &mut serde_json::Value) {
    use serde_json::Value;
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    let links = paths
        .values_mut()
        .filter_map(Value::as_object_mut)
        .flat_map(|item| item.values_mut())
        .filter_map(|op| op.get_mut("responses").and_then(Value::as_object_mut))
        .flat_map(|responses| responses.values_mut())
        .filter_map(|r| r.get_mut("links").and_then(Value::as_object_mut))
        .flat_map(|links| links.values_mut())
        .filter_map(Value::as_object_mut);
    for link in links {
        for (from, to) in [
            ("operation_id", "operationId"),
            ("request_body", "requestBody"),
        ] {
            if let Some(v) = link.remove(from) {
                link.insert(to.to_string(), v);
            }
        }
    }
}

pub async fn serve() -> Response {
    super::respond::encoded_json(json())
}
