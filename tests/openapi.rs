//! The OpenAPI document at `/openapi.json`: it describes both dialects, its
//! examples (the specs') validate against its schemas, and so do the server's
//! real answers to the specs' requests.

mod common;

use common::{Db, TestServer};
use serde_json::{Value, json};

async fn document(s: &TestServer) -> Value {
    let (status, doc) = common::send(s.http.get(format!("{}/openapi.json", s.base))).await;
    assert_eq!(status, 200);
    doc
}

/// A validator for `schema`, resolving `#/components/...` against the document.
fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let root = json!({"components": doc["components"], "allOf": [schema]});
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .build(&root)
        .unwrap_or_else(|e| panic!("schema does not compile: {e}: {schema}"))
}

fn assert_valid(doc: &Value, schema: &Value, instance: &Value, what: &str) {
    let v = validator(doc, schema);
    let errors: Vec<String> = v
        .iter_errors(instance)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{what}: {errors:?}\n{instance}");
}

/// The schema of an operation's JSON response for a status.
fn response_schema<'a>(doc: &'a Value, method: &str, path: &str, status: u16) -> &'a Value {
    &doc["paths"][path][method]["responses"][status.to_string()]["content"]["application/json"]["schema"]
}

#[tokio::test]
async fn the_document_covers_both_dialects_and_its_examples_validate() {
    let s = TestServer::start(Db::Sqlite).await;
    let doc = document(&s).await;
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );
    let expected = [
        ("/api/v1/users", ["get", "post"].as_slice()),
        ("/api/v1/users/{user_id}", &["get", "patch"]),
        ("/api/eai/v3/users", &["get"]),
        ("/api/eai/v3/users/me", &["get", "patch"]),
        ("/api/eai/v3/users/{id}", &["get", "patch"]),
    ];
    let mut examples = 0;
    for (path, methods) in expected {
        for method in methods {
            let op = &doc["paths"][path][method];
            assert!(op.is_object(), "{method} {path} is missing");
            if let Some(content) = op["requestBody"]["content"]["application/json"].as_object() {
                if let Some(example) = content.get("example") {
                    assert_valid(
                        &doc,
                        &content["schema"],
                        example,
                        &format!("{method} {path} request example"),
                    );
                    examples += 1;
                }
            }
            for (status, response) in op["responses"].as_object().unwrap() {
                let content = &response["content"]["application/json"];
                if let Some(example) = content.get("example") {
                    assert_valid(
                        &doc,
                        &content["schema"],
                        example,
                        &format!("{method} {path} {status} example"),
                    );
                    examples += 1;
                }
            }
        }
    }
    assert!(examples >= 10, "only {examples} examples in the document");
    // The schemas do bite: a wrong type, a missing field, an unknown field.
    let user = response_schema(&doc, "get", "/api/v1/users/{user_id}", 200);
    let v = validator(&doc, user);
    assert!(!v.is_valid(&json!({"user_id": 5, "tenant_id": "t", "created_at": "x"})));
    assert!(!v.is_valid(&json!({"tenant_id": "t", "created_at": "x"})));
    let create = &doc["paths"]["/api/v1/users"]["post"]["requestBody"]["content"]["application/json"]
        ["schema"];
    assert!(!validator(&doc, create).is_valid(&json!({"displayName": "x"})));
}

#[tokio::test]
async fn the_servers_answers_to_the_specs_requests_match_the_document() {
    let s = TestServer::start(Db::Sqlite).await;
    let doc = document(&s).await;
    s.tenant("Acme Corp", "acme-corp");
    let key = s.key("acme-corp", "users:read,users:write");

    let (status, created) = s
        .post("/api/v1/users", &key, json!({"external_ref": "user-123", "display_name": "John Doe", "metadata": {"plan": "pro", "source": "web"}}))
        .await;
    assert_eq!(status, 201);
    assert_valid(
        &doc,
        response_schema(&doc, "post", "/api/v1/users", 201),
        &created,
        "create",
    );
    let id = created["user_id"].as_str().unwrap();
    let me = s.bound_key("acme-corp", "users:read,users:write", id);
    s.patch(
        &format!("/api/eai/v3/users/{id}"),
        &key,
        json!({"role": "admin", "email": "john@example.com"}),
    )
    .await;

    let checks: Vec<(&str, String, &str, Option<Value>, u16)> = vec![
        (
            "get",
            "/api/v1/users?limit=20&offset=0".into(),
            "/api/v1/users",
            None,
            200,
        ),
        (
            "get",
            format!("/api/v1/users/{id}"),
            "/api/v1/users/{user_id}",
            None,
            200,
        ),
        (
            "patch",
            format!("/api/v1/users/{id}"),
            "/api/v1/users/{user_id}",
            Some(json!({"display_name": "John D.", "metadata": {"plan": "enterprise"}})),
            200,
        ),
        (
            "get",
            "/api/eai/v3/users?role=admin&status=active&limit=50".into(),
            "/api/eai/v3/users",
            None,
            200,
        ),
        (
            "get",
            "/api/eai/v3/users/me".into(),
            "/api/eai/v3/users/me",
            None,
            200,
        ),
        (
            "patch",
            "/api/eai/v3/users/me".into(),
            "/api/eai/v3/users/me",
            Some(json!({"preferences": {"theme": "light", "notifications": {"email": false}}})),
            200,
        ),
        (
            "get",
            format!("/api/eai/v3/users/{id}"),
            "/api/eai/v3/users/{id}",
            None,
            200,
        ),
        (
            "patch",
            format!("/api/eai/v3/users/{id}"),
            "/api/eai/v3/users/{id}",
            Some(json!({"preferences": {"theme": "dark", "timezone": "Europe/London"}})),
            200,
        ),
        (
            "get",
            "/api/v1/users?limit=500".into(),
            "/api/v1/users",
            None,
            400,
        ),
        (
            "get",
            "/api/eai/v3/users/usr_nope".into(),
            "/api/eai/v3/users/{id}",
            None,
            404,
        ),
    ];
    for (method, url, template, body, want) in checks {
        let req = s.req(
            reqwest::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap(),
            &url,
            &me,
        );
        let req = match &body {
            Some(b) => req.json(b),
            None => req,
        };
        let (status, answer) = common::send(req).await;
        assert_eq!(status.as_u16(), want, "{method} {url}: {answer}");
        let schema = response_schema(&doc, method, template, want);
        assert!(
            schema.is_object(),
            "{method} {template} documents no {want}"
        );
        assert_valid(&doc, schema, &answer, &format!("{method} {url}"));
    }
}

#[tokio::test]
async fn the_document_declares_the_refusals_bounds_and_links_the_server_has() {
    let s = TestServer::start(Db::Sqlite).await;
    let doc = document(&s).await;
    let ops = [
        ("/api/v1/users", "get"),
        ("/api/v1/users", "post"),
        ("/api/v1/users/{user_id}", "patch"),
        ("/api/eai/v3/users/me", "patch"),
        ("/api/eai/v3/users/{id}", "get"),
    ];
    for (path, method) in ops {
        let responses = &doc["paths"][path][method]["responses"];
        for status in ["400", "401", "403", "414", "429", "431", "503"] {
            assert!(
                responses[status].is_object(),
                "{method} {path}: no {status}"
            );
        }
        assert!(responses["429"]["headers"]["Retry-After"].is_object());
        if method != "get" {
            assert!(responses["413"].is_object(), "{method} {path}: no 413");
        }
    }
    let raven = &doc["components"]["schemas"]["RavenPatchUser"]["properties"];
    assert_eq!(raven["display_name"]["maxLength"], 200);
    assert_eq!(raven["external_ref"]["maxLength"], 255);
    assert!(raven["external_ref"]["pattern"].is_string());
    let eai = &doc["components"]["schemas"]["EaiPatchUser"]["properties"];
    assert!(eai["email"]["pattern"].is_string());
    assert_eq!(eai["avatar"]["maxLength"], 2048);
    let if_match = doc["paths"]["/api/v1/users/{user_id}"]["patch"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "If-Match")
        .unwrap();
    assert!(if_match["schema"]["pattern"].is_string());
    // Links name their target by operationId (camel case, as OpenAPI spells it).
    let links = &doc["paths"]["/api/v1/users"]["post"]["responses"]["201"]["links"];
    assert_eq!(links["RavenPatch"]["operationId"], "raven_patch");
    assert_eq!(
        links["EaiGet"]["parameters"]["id"],
        "$response.body#/user_id"
    );
    let ids: Vec<&str> = doc["paths"]
        .as_object()
        .unwrap()
        .values()
        .flat_map(|item| item.as_object().unwrap().values())
        .filter_map(|op| op["operationId"].as_str())
        .collect();
    let unique: std::collections::HashSet<&&str> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len(), "operationIds repeat: {ids:?}");
    assert!(ids.contains(&"raven_patch") && ids.contains(&"eai_get"));
}
