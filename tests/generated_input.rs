//! Generated bad input: 1,000 requests made up by proptest (methods, paths, query
//! strings, headers and bodies, mostly wrong, some right) against the real
//! server. None gets a 5xx, every error has the JSON error shape, and a refused
//! write leaves the store exactly as it was.

mod common;

use common::TestServer;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use reqwest::Method;
use serde_json::{Value, json};

#[derive(Debug, Clone)]
struct Probe {
    method: &'static str,
    path: String,
    query: Vec<(String, String)>,
    body: Option<Vec<u8>>,
    if_match: Option<String>,
    key: usize,
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        "[a-z]{1,12}",
        "[0-9]{1,25}",
        "-[0-9]{1,5}",
        "\\PC{0,40}",
        "[\"'%_\\\\*:(){}\\[\\]^$ ]{1,8}",
        ".{0,300}",
        Just("\u{0}".to_string()),
        Just("admin".to_string()),
        Just("inactive".to_string()),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(Value::from),
        text().prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::from),
            prop::collection::btree_map(field(), inner, 0..6)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// Field names: the dialects' own, near misses, and junk.
fn field() -> impl Strategy<Value = String> {
    prop_oneof![
        prop::sample::select(vec![
            "external_ref",
            "display_name",
            "metadata",
            "name",
            "email",
            "avatar",
            "preferences",
            "role",
            "status",
            "displayName",
            "externalRef",
            "id",
            "user_id",
            "version",
            "tenant_id",
            "limit",
            "offset",
            "search",
            "theme",
        ])
        .prop_map(str::to_string),
        "[a-zA-Z_]{1,10}",
    ]
}

fn body() -> impl Strategy<Value = Option<Vec<u8>>> {
    prop_oneof![
        Just(None),
        prop::collection::btree_map(field(), json_value(), 0..5).prop_map(|m| Some(
            Value::Object(m.into_iter().collect())
                .to_string()
                .into_bytes()
        )),
        json_value().prop_map(|v| Some(v.to_string().into_bytes())),
        prop::collection::vec(any::<u8>(), 0..64).prop_map(Some),
        text().prop_map(|t| Some(t.into_bytes())),
    ]
}

fn probe(ids: Vec<String>) -> impl Strategy<Value = Probe> {
    let path = prop_oneof![
        Just("/api/v1/users".to_string()),
        Just("/api/eai/v3/users".to_string()),
        Just("/api/eai/v3/users/me".to_string()),
        prop::sample::select(ids.clone()).prop_map(|id| format!("/api/v1/users/{id}")),
        prop::sample::select(ids).prop_map(|id| format!("/api/eai/v3/users/{id}")),
        "[a-zA-Z0-9%._~-]{0,30}".prop_map(|s| format!("/api/v1/users/{s}")),
        "[a-zA-Z0-9%._~/-]{0,30}".prop_map(|s| format!("/api/eai/v3/users/{s}")),
        "/[a-z/]{0,20}",
    ];
    let param = prop_oneof![
        3 => prop::sample::select(vec!["limit", "offset", "external_ref", "role", "status", "search"])
            .prop_map(str::to_string),
        1 => field(),
    ];
    let query = prop::collection::vec((param, text()), 0..4);
    (
        prop::sample::select(vec!["GET", "POST", "PATCH", "PUT", "DELETE"]),
        path,
        query,
        body(),
        prop::option::of(prop_oneof![
            Just("\"v1\"".to_string()),
            Just("*".to_string()),
            text()
        ]),
        0..4usize,
    )
        .prop_map(|(method, path, query, body, if_match, key)| Probe {
            method,
            path,
            query,
            body,
            if_match,
            key,
        })
}

/// Everything the tenant's users are, through both dialects.
async fn snapshot(s: &TestServer, key: &str) -> Vec<Value> {
    let (_, list) = s.get("/api/v1/users?limit=100", key).await;
    let mut all = vec![list.clone()];
    for u in list["users"].as_array().into_iter().flatten() {
        let id = u["user_id"].as_str().unwrap_or_default();
        all.push(s.get(&format!("/api/v1/users/{id}"), key).await.1);
        all.push(s.get(&format!("/api/eai/v3/users/{id}"), key).await.1);
    }
    all
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_generated_requests_on_sqlite() {
    a_thousand_generated_requests_get_no_5xx_and_refused_writes_change_nothing(common::Db::Sqlite)
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_generated_requests_on_postgres() {
    if let Some(db) = common::Db::postgres() {
        a_thousand_generated_requests_get_no_5xx_and_refused_writes_change_nothing(db).await;
    }
}

async fn a_thousand_generated_requests_get_no_5xx_and_refused_writes_change_nothing(
    db: common::Db,
) {
    let s = TestServer::start(db).await;
    s.tenant("Acme", "acme");
    let admin = s.key("acme", "users:read,users:write");
    let mut ids = Vec::new();
    for i in 0..4 {
        let (_, u) = s
            .post("/api/v1/users", &admin, json!({"external_ref": format!("ref-{i}"), "display_name": format!("User {i}"), "metadata": {"i": i}}))
            .await;
        ids.push(u["user_id"].as_str().unwrap().to_string());
    }
    let member = s.bound_key("acme", "users:read,users:write", &ids[0]);
    let keys = [
        admin.clone(),
        s.key("acme", "users:read"),
        member,
        "rk_live_garbage".to_string(),
    ];

    let mut runner = TestRunner::new(Config {
        cases: 1000,
        failure_persistence: None,
        ..Config::default()
    });
    let handle = tokio::runtime::Handle::current();
    let before = std::sync::Mutex::new(snapshot(&s, &admin).await);
    let result = runner.run(&probe(ids), |p| {
        tokio::task::block_in_place(|| {
            handle.block_on(async {
                let mut url = url::Url::parse(&format!("{}{}", s.base, p.path)).expect("url");
                if !p.query.is_empty() {
                    url.query_pairs_mut().extend_pairs(&p.query);
                }
                let mut req = s
                    .http
                    .request(Method::from_bytes(p.method.as_bytes()).unwrap(), url)
                    .bearer_auth(&keys[p.key]);
                if let Some(tag) = &p.if_match {
                    if let Ok(v) = reqwest::header::HeaderValue::from_str(tag) {
                        req = req.header("If-Match", v);
                    }
                }
                if let Some(b) = &p.body {
                    req = req
                        .header("Content-Type", "application/json")
                        .body(b.clone());
                }
                let resp = req.send().await.expect("the server answers");
                let status = resp.status();
                let text = resp.text().await.expect("body");
                prop_assert!(status.as_u16() < 500, "{status} for {p:?}: {text}");
                // A delete (204) answers nothing.
                let text = if status == 204 {
                    "null".to_string()
                } else {
                    text
                };
                let body: Value = serde_json::from_str(&text).map_err(|e| {
                    TestCaseError::fail(format!("not JSON ({e}) for {p:?}: {text}"))
                })?;
                let writes = matches!(p.method, "POST" | "PATCH" | "DELETE");
                if status.is_client_error() {
                    prop_assert!(body["error"]["code"].is_string(), "{p:?}: {text}");
                    prop_assert!(body["error"]["message"].is_string(), "{p:?}: {text}");
                    if writes {
                        let now = snapshot(&s, &admin).await;
                        prop_assert!(
                            *before.lock().unwrap() == now,
                            "refused {p:?} wrote: {text}"
                        );
                    }
                } else if writes {
                    *before.lock().unwrap() = snapshot(&s, &admin).await;
                }
                Ok(())
            })
        })
    });
    if let Err(e) = result {
        panic!("{e}");
    }
}
