//! Two raven-server processes on one database behave as one server: conditional
//! PATCHes racing through both never both win, and no update is lost.

mod common;

use common::{TestServer, send_full};
use reqwest::Method;
use serde_json::json;

on_both_stores! {
    async fn racing_conditional_patches_through_two_replicas_have_one_winner_each_round(db) {
        let a = TestServer::start(db).await;
        let b = a.replica();
        a.tenant("Acme", "acme");
        let key = a.key("acme", "users:read,users:write");
        let (status, user) = a.post("/api/v1/users", &key, json!({"display_name": "Contested"})).await;
        assert_eq!(status, 201);
        let path = format!("/api/v1/users/{}", user["user_id"].as_str().unwrap());

        for round in 0..40 {
            let (_, headers, _) = send_full(a.req(Method::GET, &path, &key)).await;
            let etag = headers["etag"].to_str().unwrap().to_string();
            let patch = |s: &TestServer, name: String| {
                s.req(Method::PATCH, &path, &key)
                    .header("If-Match", etag.clone())
                    .json(&json!({"display_name": name}))
            };
            let (ra, rb) = tokio::join!(
                send_full(patch(&a, format!("a{round}"))),
                send_full(patch(&b, format!("b{round}")))
            );
            let mut statuses = [ra.0.as_u16(), rb.0.as_u16()];
            statuses.sort_unstable();
            assert_eq!(statuses, [200, 412], "round {round}: {} / {}", ra.2, rb.2);
            let winner = if ra.0 == 200 { &ra.2 } else { &rb.2 };
            let (_, now) = b.get(&path, &key).await;
            assert_eq!(now["display_name"], winner["display_name"], "round {round}");
        }
    }

    async fn read_modify_write_through_two_replicas_loses_no_update(db) {
        let a = TestServer::start(db).await;
        let b = a.replica();
        a.tenant("Acme", "acme");
        let key = a.key("acme", "users:read,users:write");
        let (_, user) = a.post("/api/v1/users", &key, json!({"metadata": {"count": 0}})).await;
        let path = format!("/api/v1/users/{}", user["user_id"].as_str().unwrap());

        let (ca, cb) = tokio::join!(increment(&a, &path, &key), increment(&b, &path, &key));
        let (_, end) = a.get(&path, &key).await;
        assert_eq!(end["metadata"]["count"], 120, "{ca} + {cb} conflicts");
    }
}

/// Adds one to `metadata.count` 60 times, reading first and writing with
/// If-Match, retrying on 412; returns how many conflicts it met.
async fn increment(s: &TestServer, path: &str, key: &str) -> u32 {
    let mut conflicts = 0;
    for _ in 0..60 {
        loop {
            let (_, headers, body) = send_full(s.req(Method::GET, path, key)).await;
            let count = body["metadata"]["count"].as_i64().unwrap();
            let etag = headers["etag"].to_str().unwrap().to_string();
            let (status, _, _) = send_full(
                s.req(Method::PATCH, path, key)
                    .header("If-Match", etag)
                    .json(&json!({"metadata": {"count": count + 1}})),
            )
            .await;
            match status.as_u16() {
                200 => break,
                412 => conflicts += 1,
                other => panic!("unexpected {other}"),
            }
        }
    }
    conflicts
}
