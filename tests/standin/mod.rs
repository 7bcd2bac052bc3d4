//! STAND-IN THIRD-PARTY SERVERS, for the console's interoperability tests only.
//!
//! Each is a small Users API written from `spec/raven-users-api-v1.txt` or
//! `spec/eai-users-api-v3.txt` alone, the way another vendor would write one:
//! one dialect, its own ids, its own error bodies, none of raven-server's
//! extensions. Switches make it behave as real servers do where the specs
//! leave room: a page cap, no `total`, no ETag, fields accepted and ignored,
//! offsets in timestamps, fields the specs do not name. This is the one place
//! in the tests where a server other than raven-server belongs.
#![allow(dead_code)]
// each test crate uses its own part of the stand-ins
// A refusal is the response itself; these handlers are too small to box it.
#![allow(clippy::result_large_err)]

pub mod scim;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use serde_json::{Map, Value, json};

/// The read-write key every stand-in accepts.
pub const KEY: &str = "standin-rw";
/// A key that may read but not write.
pub const READ_ONLY_KEY: &str = "standin-ro";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialect {
    Raven,
    Eai,
}

/// How a vendor words its failures (also `examples/standin.rs`'s `--errors`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Errors {
    /// `{"statusCode":403,"error":"Forbidden","message":"…"}` (NestJS and friends).
    #[default]
    Nest,
    /// `{"message":"…"}`.
    Bare,
    /// RFC 7807: `{"type","title","status","detail"}`.
    Problem,
}

#[derive(Debug, Clone, Default)]
pub struct Switches {
    /// At most this many rows a page, whatever `limit` asked for. Raven says
    /// so in its `limit`; EAI, which has no `limit` in its answer, just sends fewer.
    pub page_cap: Option<usize>,
    /// Raven's `limit` echoes what was asked even when capped (a sloppy vendor).
    pub echo_asked_limit: bool,
    pub no_total: bool,
    pub no_etag: bool,
    pub errors: Errors,
    /// PATCH fields taken without complaint and not stored (`role`, `email`, …).
    pub ignored: Vec<String>,
    /// Timestamps written in +02:00 instead of UTC.
    pub offset_times: bool,
    /// Top-level fields beyond the spec on every user.
    pub extra_fields: bool,
    /// `sort` (not in either spec) refused with a 400 that names it, as a
    /// server that checks its query strictly does. Without it `sort` is
    /// ignored like any parameter the spec does not name: newest first.
    pub refuse_sort: bool,
}

#[derive(Debug, Clone)]
pub struct StandinUser {
    pub id: String,
    pub external_ref: Option<String>,
    pub name: Option<String>,
    pub email: Option<String>,
    pub role: String,
    pub status: String,
    pub metadata: Map<String, Value>,
    pub preferences: Map<String, Value>,
    /// Seconds after 2026-03-11T00:00:00Z.
    pub created: u64,
    pub version: u64,
}

impl StandinUser {
    pub fn numbered(i: usize) -> StandinUser {
        StandinUser {
            id: format!("user_{i:03}"),
            external_ref: Some(format!("crm-{i:03}")),
            name: Some(format!("Person {i:03}")),
            email: Some(format!("person{i:03}@vendor.example")),
            role: "member".into(),
            status: "active".into(),
            metadata: Map::new(),
            preferences: Map::new(),
            created: i as u64 * 60,
            version: 1,
        }
    }
}

struct Inner {
    dialect: Dialect,
    sw: Switches,
    users: Mutex<Vec<StandinUser>>,
    next: Mutex<usize>,
    /// The If-Match of every PATCH received, in order (`None`: none was sent).
    if_matches: Mutex<Vec<Option<String>>>,
}

type Shared = Arc<Inner>;

/// A running stand-in; stops when dropped with the test.
pub struct Standin {
    pub url: String,
    inner: Shared,
    _stop: Stop,
}

impl Standin {
    /// Starts a stand-in with `n` users (`user_001` the oldest) on its own
    /// thread and runtime, so both async tests and pty tests can use it.
    pub fn start(dialect: Dialect, sw: Switches, n: usize) -> Standin {
        Self::with_users(dialect, sw, (1..=n).map(StandinUser::numbered).collect())
    }

    pub fn with_users(dialect: Dialect, sw: Switches, users: Vec<StandinUser>) -> Standin {
        Self::on("127.0.0.1:0", dialect, sw, users).expect("a loopback port")
    }

    /// As `with_users`, listening on `addr` (`examples/standin.rs` takes a port).
    pub fn on(
        addr: &str,
        dialect: Dialect,
        sw: Switches,
        users: Vec<StandinUser>,
    ) -> std::io::Result<Standin> {
        let next = users.len() + 1;
        let inner = Arc::new(Inner {
            dialect,
            sw,
            users: Mutex::new(users),
            next: Mutex::new(next),
            if_matches: Mutex::new(Vec::new()),
        });
        let (url, stop) = serve(addr, router(inner.clone()))?;
        Ok(Standin {
            url,
            inner,
            _stop: stop,
        })
    }

    /// The If-Match header of each PATCH received so far.
    pub fn if_matches(&self) -> Vec<Option<String>> {
        self.inner.if_matches.lock().expect("lock").clone()
    }

    /// The stored user, to check what a write really did.
    pub fn user(&self, id: &str) -> Option<StandinUser> {
        let users = self.inner.users.lock().expect("lock");
        users.iter().find(|u| u.id == id).cloned()
    }
}

type Stop = tokio::sync::oneshot::Sender<()>;

/// Serves `app` on `addr` from a thread and runtime of its own until the
/// sender is dropped; returns its URL.
pub fn serve(addr: &str, app: Router) -> std::io::Result<(String, Stop)> {
    let listener = std::net::TcpListener::bind(addr)?;
    listener.set_nonblocking(true)?;
    let url = format!("http://{}", listener.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("runtime");
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).expect("listener");
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await;
        });
    });
    Ok((url, stop))
}

fn router(inner: Shared) -> Router {
    let r = Router::new();
    let r = match inner.dialect {
        Dialect::Raven => r
            .route("/api/v1/users", get(raven_list).post(raven_create))
            .route("/api/v1/users/{id}", get(raven_get).patch(raven_patch)),
        Dialect::Eai => r
            .route("/api/eai/v3/users", get(eai_list))
            .route("/api/eai/v3/users/me", get(eai_me).patch(eai_me))
            .route("/api/eai/v3/users/{id}", get(eai_get).patch(eai_patch)),
    };
    r.fallback(not_found).with_state(inner)
}

fn fail(inner: &Inner, status: StatusCode, message: &str) -> Response {
    let reason = status.canonical_reason().unwrap_or("Error");
    let body = match inner.sw.errors {
        Errors::Nest => json!({"statusCode": status.as_u16(), "error": reason, "message": message}),
        Errors::Bare => json!({"message": message}),
        Errors::Problem => json!({"type": "about:blank", "title": reason,
                                  "status": status.as_u16(), "detail": message}),
    };
    let ct = match inner.sw.errors {
        Errors::Problem => "application/problem+json",
        _ => "application/json",
    };
    (status, [(header::CONTENT_TYPE, ct)], body.to_string()).into_response()
}

async fn not_found(State(inner): State<Shared>, uri: Uri) -> Response {
    fail(
        &inner,
        StatusCode::NOT_FOUND,
        &format!("Cannot GET {}", uri.path()),
    )
}

/// `Ok(true)` for the read-write key, `Ok(false)` for the read-only one.
fn auth(inner: &Inner, headers: &HeaderMap) -> Result<bool, Response> {
    let key = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match key {
        Some(KEY) => Ok(true),
        Some(READ_ONLY_KEY) => Ok(false),
        _ => Err(fail(inner, StatusCode::UNAUTHORIZED, "Invalid API key")),
    }
}

fn may_write(inner: &Inner, headers: &HeaderMap) -> Result<(), Response> {
    match auth(inner, headers)? {
        true => Ok(()),
        false => Err(fail(
            inner,
            StatusCode::FORBIDDEN,
            "Missing permission: users.manage",
        )),
    }
}

fn time(inner: &Inner, secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs / 60 % 60, secs % 60);
    if inner.sw.offset_times {
        // The same instant, two hours ahead.
        format!("2026-03-11T{:02}:{m:02}:{s:02}+02:00", h + 2)
    } else {
        format!("2026-03-11T{h:02}:{m:02}:{s:02}Z")
    }
}

fn with_extras(inner: &Inner, u: &StandinUser, mut v: Value) -> Value {
    if inner.sw.extra_fields
        && let Some(o) = v.as_object_mut()
    {
        o.insert("department".into(), json!("Operations"));
        o.insert("x_vendor_id".into(), json!(format!("v-{}", u.id)));
    }
    v
}

fn raven_summary(inner: &Inner, u: &StandinUser) -> Value {
    let v = json!({"user_id": u.id, "tenant_id": "ten_vendor", "external_ref": u.external_ref,
                   "display_name": u.name, "created_at": time(inner, u.created)});
    with_extras(inner, u, v)
}

fn raven_user(inner: &Inner, u: &StandinUser) -> Value {
    let v = json!({"user_id": u.id, "tenant_id": "ten_vendor", "external_ref": u.external_ref,
                   "display_name": u.name, "metadata": u.metadata, "conversation_count": 0,
                   "created_at": time(inner, u.created)});
    with_extras(inner, u, v)
}

fn permissions(role: &str) -> Vec<&'static str> {
    let all = [
        "resources.read",
        "resources.create",
        "resources.update",
        "documents.upload",
        "chat.access",
        "users.manage",
    ];
    match role {
        "admin" => all.to_vec(),
        "viewer" => vec!["resources.read", "chat.access"],
        _ => all[..5].to_vec(),
    }
}

fn eai_profile(inner: &Inner, u: &StandinUser) -> Value {
    let v = json!({"id": u.id, "email": u.email, "name": u.name, "avatar": null,
                   "role": u.role, "permissions": permissions(&u.role), "tenantId": "vendor-corp",
                   "preferences": u.preferences, "createdAt": time(inner, u.created),
                   "lastLoginAt": time(inner, u.created + 30)});
    with_extras(inner, u, v)
}

fn eai_summary(inner: &Inner, u: &StandinUser) -> Value {
    let v = json!({"id": u.id, "email": u.email, "name": u.name, "role": u.role,
                   "status": u.status, "lastLoginAt": time(inner, u.created + 30)});
    with_extras(inner, u, v)
}

fn one(inner: &Inner, u: &StandinUser, body: Value, status: StatusCode) -> Response {
    let mut resp = (status, axum::Json(body)).into_response();
    if !inner.sw.no_etag
        && let Ok(tag) = format!("W/\"{}-{}\"", u.id, u.version).parse()
    {
        resp.headers_mut().insert(header::ETAG, tag);
    }
    resp
}

/// The page: newest first, `offset` and `limit` as asked, capped by the switch.
fn page(
    inner: &Inner,
    q: &BTreeMap<String, String>,
    keep: impl Fn(&StandinUser) -> bool,
) -> Result<(Vec<StandinUser>, usize, usize, usize), Response> {
    let num = |k: &str, d: usize| match q.get(k) {
        None => Ok(d),
        Some(v) => v.parse::<usize>().map_err(|_| {
            fail(
                inner,
                StatusCode::BAD_REQUEST,
                &format!("{k} must be a number"),
            )
        }),
    };
    if inner.sw.refuse_sort && q.contains_key("sort") {
        return Err(fail(
            inner,
            StatusCode::BAD_REQUEST,
            "property sort should not exist",
        ));
    }
    let asked = num("limit", 20)?;
    let offset = num("offset", 0)?;
    let limit = inner.sw.page_cap.map_or(asked, |c| asked.min(c));
    let users = inner.users.lock().expect("lock");
    let mut all: Vec<StandinUser> = users.iter().filter(|u| keep(u)).cloned().collect();
    all.sort_by_key(|u| std::cmp::Reverse(u.created));
    let total = all.len();
    let rows = all.into_iter().skip(offset).take(limit).collect();
    Ok((rows, total, limit, asked))
}

async fn raven_list(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    if let Err(r) = auth(&inner, &headers) {
        return r;
    }
    let ext = q.get("external_ref").cloned();
    let (rows, total, limit, asked) =
        match page(&inner, &q, |u| ext.is_none() || u.external_ref == ext) {
            Ok(p) => p,
            Err(r) => return r,
        };
    let mut body = json!({
        "users": rows.iter().map(|u| raven_summary(&inner, u)).collect::<Vec<_>>(),
        "limit": if inner.sw.echo_asked_limit { asked } else { limit },
        "offset": q.get("offset").and_then(|o| o.parse::<u64>().ok()).unwrap_or(0),
    });
    if !inner.sw.no_total {
        body["total"] = json!(total);
    }
    axum::Json(body).into_response()
}

fn record_if_match(inner: &Inner, headers: &HeaderMap) {
    let tag = headers
        .get(header::IF_MATCH)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    inner.if_matches.lock().expect("lock").push(tag);
}

fn find(inner: &Inner, id: &str) -> Result<StandinUser, Response> {
    let users = inner.users.lock().expect("lock");
    users.iter().find(|u| u.id == id).cloned().ok_or_else(|| {
        fail(
            inner,
            StatusCode::NOT_FOUND,
            &format!("User {id} not found"),
        )
    })
}

async fn raven_get(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = auth(&inner, &headers) {
        return r;
    }
    match find(&inner, &id) {
        Ok(u) => one(&inner, &u, raven_user(&inner, &u), StatusCode::OK),
        Err(r) => r,
    }
}

fn text_field(v: &Value) -> Option<String> {
    v.as_str().map(str::to_string).filter(|s| !s.is_empty())
}

/// Applies what `body` names to the stored user, except the ignored fields.
fn apply(
    inner: &Inner,
    id: &str,
    body: &Value,
    map: &[(&str, &str)],
) -> Result<StandinUser, Response> {
    let Some(obj) = body.as_object() else {
        return Err(fail(
            inner,
            StatusCode::BAD_REQUEST,
            "body must be an object",
        ));
    };
    let mut users = inner.users.lock().expect("lock");
    let Some(u) = users.iter_mut().find(|u| u.id == id) else {
        return Err(fail(
            inner,
            StatusCode::NOT_FOUND,
            &format!("User {id} not found"),
        ));
    };
    for (wire, v) in obj {
        let Some((_, field)) = map.iter().find(|(w, _)| w == wire) else {
            continue; // a vendor that ignores what it does not know
        };
        if inner.sw.ignored.iter().any(|f| f == field) {
            continue;
        }
        match *field {
            "name" => u.name = text_field(v),
            "external_ref" => u.external_ref = text_field(v),
            "email" => u.email = text_field(v),
            "role" => u.role = v.as_str().unwrap_or("member").to_string(),
            "status" => u.status = v.as_str().unwrap_or("active").to_string(),
            "metadata" => u.metadata = v.as_object().cloned().unwrap_or_default(),
            "preferences" => {
                if let Some(p) = v.as_object() {
                    for (k, x) in p {
                        if x.is_null() {
                            u.preferences.remove(k);
                        } else {
                            u.preferences.insert(k.clone(), x.clone());
                        }
                    }
                }
            }
            _ => {}
        }
    }
    u.version += 1;
    Ok(u.clone())
}

const RAVEN_FIELDS: &[(&str, &str)] = &[
    ("display_name", "name"),
    ("external_ref", "external_ref"),
    ("metadata", "metadata"),
];
const EAI_FIELDS: &[(&str, &str)] = &[
    ("name", "name"),
    ("email", "email"),
    ("role", "role"),
    ("status", "status"),
    ("preferences", "preferences"),
];

async fn raven_patch(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    record_if_match(&inner, &headers);
    if let Err(r) = may_write(&inner, &headers) {
        return r;
    }
    match apply(&inner, &id, &body, RAVEN_FIELDS) {
        Ok(u) => one(&inner, &u, raven_user(&inner, &u), StatusCode::OK),
        Err(r) => r,
    }
}

async fn raven_create(
    State(inner): State<Shared>,
    headers: HeaderMap,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    if let Err(r) = may_write(&inner, &headers) {
        return r;
    }
    let id = {
        let mut next = inner.next.lock().expect("lock");
        let n = *next;
        *next += 1;
        let mut u = StandinUser::numbered(n);
        u.external_ref = None;
        u.name = None;
        u.email = None;
        inner.users.lock().expect("lock").push(u.clone());
        u.id
    };
    match apply(&inner, &id, &body, RAVEN_FIELDS) {
        Ok(u) => one(&inner, &u, raven_user(&inner, &u), StatusCode::CREATED),
        Err(r) => r,
    }
}

async fn eai_list(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Query(q): Query<BTreeMap<String, String>>,
) -> Response {
    if let Err(r) = auth(&inner, &headers) {
        return r;
    }
    let (role, status) = (q.get("role").cloned(), q.get("status").cloned());
    let search = q.get("search").map(|s| s.to_lowercase());
    let (rows, total, _, _) = match page(&inner, &q, |u| {
        role.as_ref().is_none_or(|r| *r == u.role)
            && status.as_ref().is_none_or(|s| *s == u.status)
            && search.as_ref().is_none_or(|s| {
                u.name.as_deref().unwrap_or("").to_lowercase().contains(s)
                    || u.email.as_deref().unwrap_or("").to_lowercase().contains(s)
            })
    }) {
        Ok(p) => p,
        Err(r) => return r,
    };
    let mut body = json!({"data": rows.iter().map(|u| eai_summary(&inner, u)).collect::<Vec<_>>()});
    if !inner.sw.no_total {
        body["total"] = json!(total);
    }
    axum::Json(body).into_response()
}

async fn eai_me(State(inner): State<Shared>, headers: HeaderMap) -> Response {
    if let Err(r) = auth(&inner, &headers) {
        return r;
    }
    // Stand-in keys belong to no user.
    fail(
        &inner,
        StatusCode::NOT_FOUND,
        "No current user for this key",
    )
}

async fn eai_get(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    if let Err(r) = auth(&inner, &headers) {
        return r;
    }
    match find(&inner, &id) {
        Ok(u) => one(&inner, &u, eai_profile(&inner, &u), StatusCode::OK),
        Err(r) => r,
    }
}

async fn eai_patch(
    State(inner): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::Json(body): axum::Json<Value>,
) -> Response {
    record_if_match(&inner, &headers);
    if let Err(r) = may_write(&inner, &headers) {
        return r;
    }
    match apply(&inner, &id, &body, EAI_FIELDS) {
        Ok(u) => one(&inner, &u, eai_profile(&inner, &u), StatusCode::OK),
        Err(r) => r,
    }
}
