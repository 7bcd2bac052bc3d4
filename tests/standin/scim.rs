//! A stand-in SCIM 2.0 server, written from RFC 7643 and RFC 7644 alone the
//! way a small identity vendor would: `/Users` with a 1-based `startIndex`
//! and a page cap, a filter subset (`eq`, `co`, `and`; anything else is 400
//! `invalidFilter`), PATCH operations on a few paths, no ETags, no sorting,
//! error `detail`s in its own words. Users are kept as the JSON resources
//! the RFC shows, with the enterprise extension on some of them.
#![allow(clippy::result_large_err)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};

use super::{KEY, READ_ONLY_KEY};

const USER: &str = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE: &str = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const LIST: &str = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
const ERROR: &str = "urn:ietf:params:scim:api:messages:2.0:Error";
const BASE: &str = "/scim/v2";

#[derive(Debug, Clone)]
pub struct ScimSwitches {
    /// At most this many resources a page, whatever `count` asks.
    pub page_cap: usize,
    /// The User schema has `roles` (RFC 7643 makes them optional).
    pub roles: bool,
}

impl Default for ScimSwitches {
    fn default() -> Self {
        ScimSwitches {
            page_cap: 5,
            roles: true,
        }
    }
}

struct Inner {
    sw: ScimSwitches,
    users: Mutex<Vec<Value>>,
    next: Mutex<usize>,
}

type Shared = Arc<Inner>;

/// A running SCIM stand-in; stops when dropped.
pub struct ScimStandin {
    /// The server's root; the SCIM base is `{url}/scim/v2`.
    pub url: String,
    inner: Shared,
    _stop: super::Stop,
}

/// User `i` as the RFC's examples write one; every third has the enterprise extension.
pub fn numbered(i: usize) -> Value {
    let mut u = json!({
        "schemas": [USER],
        "id": format!("2819c223-{i:04}"),
        "externalId": format!("hr-{i:03}"),
        "userName": format!("person{i:03}"),
        "name": {"formatted": format!("Person {i:03}"), "familyName": "Person", "givenName": format!("{i:03}")},
        "displayName": format!("Person {i:03}"),
        "emails": [{"value": format!("person{i:03}@idp.example"), "type": "work", "primary": true}],
        "active": true,
        "roles": [{"value": "member"}],
        "meta": {"resourceType": "User", "created": format!("2026-03-11T{:02}:{:02}:00Z", i / 60, i % 60),
                 "lastModified": format!("2026-03-11T{:02}:{:02}:00Z", i / 60, i % 60)}
    });
    if i % 3 == 0
        && let Some(o) = u.as_object_mut()
    {
        o.insert("schemas".into(), json!([USER, ENTERPRISE]));
        o.insert(
            ENTERPRISE.into(),
            json!({"employeeNumber": format!("E{i:03}"), "department": "Operations"}),
        );
    }
    u
}

impl ScimStandin {
    /// A SCIM server with users 1..=n (`2819c223-0001` the first).
    pub fn start(sw: ScimSwitches, n: usize) -> ScimStandin {
        Self::on("127.0.0.1:0", sw, n).expect("a loopback port")
    }

    /// As `start`, listening on `addr` (`examples/standin.rs` takes a port).
    pub fn on(addr: &str, sw: ScimSwitches, n: usize) -> std::io::Result<ScimStandin> {
        let users: Vec<Value> = (1..=n).map(numbered).collect();
        let inner = Arc::new(Inner {
            sw,
            users: Mutex::new(users),
            next: Mutex::new(n + 1),
        });
        let (url, stop) = super::serve(addr, router(inner.clone()))?;
        Ok(ScimStandin {
            url,
            inner,
            _stop: stop,
        })
    }

    /// The stored resource, to check what a write did.
    pub fn user(&self, id: &str) -> Option<Value> {
        let users = self.inner.users.lock().expect("lock");
        users.iter().find(|u| u["id"] == id).cloned()
    }

    pub fn count(&self) -> usize {
        self.inner.users.lock().expect("lock").len()
    }
}

fn router(inner: Shared) -> Router {
    Router::new()
        .route(&format!("{BASE}/ServiceProviderConfig"), get(config))
        .route(&format!("{BASE}/Schemas"), get(schemas))
        .route(&format!("{BASE}/Users"), get(list).post(create))
        .route(
            &format!("{BASE}/Users/{{id}}"),
            get(get_one).patch(patch).delete(delete),
        )
        .fallback(|| async {
            fail(
                StatusCode::NOT_FOUND,
                None,
                "No such endpoint on this server",
            )
        })
        .with_state(inner)
}

/// The SCIM Error schema (RFC 7644 §3.12), in this vendor's words.
fn fail(status: StatusCode, scim_type: Option<&str>, detail: &str) -> Response {
    let mut body =
        json!({"schemas": [ERROR], "status": status.as_u16().to_string(), "detail": detail});
    if let (Some(t), Some(o)) = (scim_type, body.as_object_mut()) {
        o.insert("scimType".into(), json!(t));
    }
    scim(status, body)
}

fn scim(status: StatusCode, body: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/scim+json")],
        body.to_string(),
    )
        .into_response()
}

/// `Ok(true)` for the read-write key, `Ok(false)` for the read-only one.
fn auth(headers: &HeaderMap) -> Result<bool, Response> {
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match key {
        Some(KEY) => Ok(true),
        Some(READ_ONLY_KEY) => Ok(false),
        _ => Err(fail(
            StatusCode::UNAUTHORIZED,
            None,
            "Authorization failure",
        )),
    }
}

fn may_write(headers: &HeaderMap) -> Result<(), Response> {
    match auth(headers)? {
        true => Ok(()),
        false => Err(fail(
            StatusCode::FORBIDDEN,
            None,
            "This token may only read",
        )),
    }
}

async fn config(State(_): State<Shared>) -> Response {
    scim(
        StatusCode::OK,
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
            "patch": {"supported": true},
            "bulk": {"supported": false, "maxOperations": 0, "maxPayloadSize": 0},
            "filter": {"supported": true, "maxResults": 5},
            "changePassword": {"supported": false},
            "sort": {"supported": false},
            "etag": {"supported": false},
            "authenticationSchemes": [{"type": "oauthbearertoken", "name": "Bearer", "description": "A bearer token"}]
        }),
    )
}

async fn schemas(State(inner): State<Shared>) -> Response {
    let mut attrs = vec![
        json!({"name": "userName", "type": "string", "required": true, "uniqueness": "server"}),
        json!({"name": "displayName", "type": "string"}),
        json!({"name": "name", "type": "complex"}),
        json!({"name": "emails", "type": "complex", "multiValued": true}),
        json!({"name": "active", "type": "boolean"}),
    ];
    if inner.sw.roles {
        attrs.push(json!({"name": "roles", "type": "complex", "multiValued": true}));
    }
    scim(
        StatusCode::OK,
        json!({"schemas": [LIST], "totalResults": 2, "Resources": [
            {"id": USER, "name": "User", "attributes": attrs},
            {"id": ENTERPRISE, "name": "EnterpriseUser", "attributes": [
                {"name": "employeeNumber", "type": "string"}, {"name": "department", "type": "string"}]}
        ]}),
    )
}

/// One comparison of the filter subset: `attr op value`.
struct Clause {
    attr: String,
    op: String,
    value: Value,
}

/// Parses `a eq "x" and b co "y"`. Anything else is refused, naming what.
fn parse_filter(f: &str) -> Result<Vec<Clause>, String> {
    let mut tokens = Vec::new();
    let mut chars = f.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            // A JSON string: up to the unescaped closing quote.
            let mut s = String::from('"');
            chars.next();
            let mut escaped = false;
            for c in chars.by_ref() {
                s.push(c);
                if escaped {
                    escaped = false;
                } else if c == '\\' {
                    escaped = true;
                } else if c == '"' {
                    break;
                }
            }
            tokens.push(s);
        } else if c == '(' || c == ')' || c == '[' || c == ']' {
            return Err("grouping is not supported by this server".into());
        } else {
            let mut s = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() {
                    break;
                }
                s.push(c);
                chars.next();
            }
            tokens.push(s);
        }
    }
    let mut out = Vec::new();
    let mut it = tokens.into_iter();
    loop {
        let (Some(attr), Some(op), Some(value)) = (it.next(), it.next(), it.next()) else {
            return Err("incomplete filter expression".into());
        };
        let op = op.to_ascii_lowercase();
        if op != "eq" && op != "co" {
            return Err(format!("operator '{op}' is not supported by this server"));
        }
        let value: Value =
            serde_json::from_str(&value).map_err(|_| format!("'{value}' is not a filter value"))?;
        out.push(Clause { attr, op, value });
        match it.next() {
            None => return Ok(out),
            Some(j) if j.eq_ignore_ascii_case("and") => {}
            Some(j) => return Err(format!("operator '{j}' is not supported by this server")),
        }
    }
}

/// The values of `attr` (`emails.value` is every email's) in a resource.
fn values(u: &Value, attr: &str) -> Vec<Value> {
    let (head, sub) = match attr.split_once('.') {
        Some((h, s)) => (h, Some(s)),
        None => (attr, None),
    };
    let Some(v) = u
        .as_object()
        .and_then(|o| o.iter().find(|(k, _)| k.eq_ignore_ascii_case(head)))
        .map(|(_, v)| v)
    else {
        return vec![];
    };
    match (v, sub) {
        (Value::Array(items), Some(s)) => items.iter().filter_map(|i| i.get(s).cloned()).collect(),
        (v, Some(s)) => v.get(s).cloned().into_iter().collect(),
        (v, None) => vec![v.clone()],
    }
}

fn matches(u: &Value, c: &Clause) -> bool {
    values(u, &c.attr).iter().any(|v| match (v, &c.value) {
        (Value::String(a), Value::String(b)) => {
            let (a, b) = (a.to_lowercase(), b.to_lowercase());
            if c.op == "eq" { a == b } else { a.contains(&b) }
        }
        (a, b) => c.op == "eq" && a == b,
    })
}

fn num(q: &BTreeMap<String, String>, k: &str, d: usize) -> Result<usize, Response> {
    match q.get(k) {
        None => Ok(d),
        Some(v) => v.parse::<usize>().map_err(|_| {
            fail(
                StatusCode::BAD_REQUEST,
                Some("invalidValue"),
                &format!("Parameter {k} is not a whole number"),
            )
        }),
    }
}

async fn list(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    if let Err(r) = auth(&headers) {
        return r;
    }
    let clauses = match q.get("filter").map(|f| parse_filter(f)) {
        None => vec![],
        Some(Ok(c)) => c,
        Some(Err(why)) => {
            return fail(
                StatusCode::BAD_REQUEST,
                Some("invalidFilter"),
                &format!("Filter rejected: {why}"),
            );
        }
    };
    let (start, count) = match (
        num(&q, "startIndex", 1),
        num(&q, "count", inner.sw.page_cap),
    ) {
        (Ok(s), Ok(c)) => (s.max(1), c.min(inner.sw.page_cap)),
        (Err(r), _) | (_, Err(r)) => return r,
    };
    let users = inner.users.lock().expect("lock");
    let all: Vec<&Value> = users
        .iter()
        .filter(|u| clauses.iter().all(|c| matches(u, c)))
        .collect();
    let page: Vec<Value> = all
        .iter()
        .skip(start - 1)
        .take(count)
        .map(|u| (*u).clone())
        .collect();
    scim(
        StatusCode::OK,
        json!({"schemas": [LIST], "totalResults": all.len(), "startIndex": start,
               "itemsPerPage": page.len(), "Resources": page}),
    )
}

fn find(inner: &Inner, id: &str) -> Result<Value, Response> {
    let users = inner.users.lock().expect("lock");
    users
        .iter()
        .find(|u| u["id"] == id)
        .cloned()
        .ok_or_else(|| {
            fail(
                StatusCode::NOT_FOUND,
                None,
                &format!("Resource {id} not found"),
            )
        })
}

async fn get_one(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = auth(&headers) {
        return r;
    }
    match find(&inner, &id) {
        Ok(u) => scim(StatusCode::OK, u),
        Err(r) => r,
    }
}

fn body_json(body: &Bytes) -> Result<Value, Response> {
    serde_json::from_slice(body).map_err(|_| {
        fail(
            StatusCode::BAD_REQUEST,
            Some("invalidSyntax"),
            "Request body is not valid JSON",
        )
    })
}

fn user_name_taken(users: &[Value], name: &str, except: Option<&str>) -> bool {
    users.iter().any(|u| {
        u["userName"]
            .as_str()
            .is_some_and(|n| n.eq_ignore_ascii_case(name))
            && except.is_none_or(|id| u["id"] != id)
    })
}

async fn create(State(inner): State<Shared>, headers: HeaderMap, body: Bytes) -> Response {
    if let Err(r) = may_write(&headers) {
        return r;
    }
    let mut v = match body_json(&body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(name) = v["userName"]
        .as_str()
        .map(str::to_string)
        .filter(|n| !n.is_empty())
    else {
        return fail(
            StatusCode::BAD_REQUEST,
            Some("invalidValue"),
            "Attribute userName is mandatory",
        );
    };
    let mut users = inner.users.lock().expect("lock");
    if user_name_taken(&users, &name, None) {
        return fail(
            StatusCode::CONFLICT,
            Some("uniqueness"),
            &format!("userName {name} is already in use"),
        );
    }
    let mut next = inner.next.lock().expect("lock");
    let id = format!("2819c223-{:04}", *next);
    *next += 1;
    if let Some(o) = v.as_object_mut() {
        o.insert("id".into(), json!(id));
        o.insert(
            "meta".into(),
            json!({"resourceType": "User", "created": "2026-03-12T08:00:00Z", "lastModified": "2026-03-12T08:00:00Z"}),
        );
    }
    users.push(v.clone());
    scim(StatusCode::CREATED, v)
}

/// One operation of RFC 7644 §3.5.2 on the paths this server knows.
fn apply(u: &mut Map<String, Value>, op: &Value) -> Result<(), String> {
    let kind = op["op"].as_str().unwrap_or_default().to_ascii_lowercase();
    let path = op["path"].as_str();
    let value = op.get("value").cloned();
    const PATHS: &[&str] = &[
        "userName",
        "displayName",
        "externalId",
        "active",
        "emails",
        "roles",
        "name.formatted",
    ];
    match (kind.as_str(), path) {
        ("add" | "replace", None) => {
            let Some(Value::Object(fields)) = value else {
                return Err("an operation without a path needs an object value".into());
            };
            for (k, v) in fields {
                u.insert(k, v);
            }
            Ok(())
        }
        (_, Some(p)) if !PATHS.contains(&p) => Err(format!("path {p} is not supported")),
        ("add" | "replace", Some("name.formatted")) => {
            let name = u.entry("name").or_insert_with(|| json!({}));
            if let (Some(n), Some(v)) = (name.as_object_mut(), value) {
                n.insert("formatted".into(), v);
            }
            Ok(())
        }
        ("add" | "replace", Some(p)) => {
            let v = value.ok_or_else(|| format!("{kind} of {p} needs a value"))?;
            u.insert(p.to_string(), v);
            Ok(())
        }
        ("remove", Some("userName")) => Err("userName cannot be removed".into()),
        ("remove", Some(p)) => {
            u.remove(p);
            Ok(())
        }
        (other, _) => Err(format!(
            "operation {other} is not one of add, remove, replace"
        )),
    }
}

async fn patch(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    if let Err(r) = may_write(&headers) {
        return r;
    }
    let v = match body_json(&body) {
        Ok(v) => v,
        Err(r) => return r,
    };
    let Some(ops) = v["Operations"].as_array() else {
        return fail(
            StatusCode::BAD_REQUEST,
            Some("invalidSyntax"),
            "PatchOp without Operations",
        );
    };
    let mut users = inner.users.lock().expect("lock");
    let Some(at) = users.iter().position(|u| u["id"] == id) else {
        return fail(
            StatusCode::NOT_FOUND,
            None,
            &format!("Resource {id} not found"),
        );
    };
    // All or nothing: the operations apply to a copy.
    let mut copy = users[at].as_object().cloned().unwrap_or_default();
    for op in ops {
        if let Err(why) = apply(&mut copy, op) {
            return fail(
                StatusCode::BAD_REQUEST,
                Some("invalidPath"),
                &format!("Cannot patch: {why}"),
            );
        }
    }
    let name = copy
        .get("userName")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();
    if user_name_taken(&users, &name, Some(&id)) {
        return fail(
            StatusCode::CONFLICT,
            Some("uniqueness"),
            &format!("userName {name} is already in use"),
        );
    }
    if let Some(meta) = copy.get_mut("meta").and_then(Value::as_object_mut) {
        meta.insert("lastModified".into(), json!("2026-03-12T09:00:00Z"));
    }
    users[at] = Value::Object(copy);
    scim(StatusCode::OK, users[at].clone())
}

async fn delete(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = may_write(&headers) {
        return r;
    }
    let mut users = inner.users.lock().expect("lock");
    let Some(at) = users.iter().position(|u| u["id"] == id) else {
        return fail(
            StatusCode::NOT_FOUND,
            None,
            &format!("Resource {id} not found"),
        );
    };
    users.remove(at);
    StatusCode::NO_CONTENT.into_response()
}
