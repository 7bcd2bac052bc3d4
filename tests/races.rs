//! Races inside one server: conditional PATCHes from two writers lose no update,
//! and concurrent creates with one external_ref have exactly one winner.

mod common;

use common::{TestServer, send_full};
use reqwest::Method;
use serde_json::json;

/// One writer: 1,000 read-modify-write rounds with If-Match on `metadata.count`.
/// Returns how many of its PATCHes were accepted.
async fn writer(s: &TestServer, path: &str, key: &str) -> u64 {
    let mut accepted = 0;
    for _ in 0..1000 {
        let (_, headers, body) = send_full(s.req(Method::GET, path, key)).await;
        let count = body["metadata"]["count"].as_i64().expect("count");
        let etag = headers["etag"].to_str().expect("etag").to_string();
        let (status, _, body) = send_full(
            s.req(Method::PATCH, path, key)
                .header("If-Match", etag)
                .json(&json!({"metadata": {"count": count + 1}})),
        )
        .await;
        match status.as_u16() {
            200 => accepted += 1,
            412 => {}
            other => panic!("unexpected {other}: {body}"),
        }
    }
    accepted
}

on_both_stores! {
    async fn two_writers_of_a_thousand_conditional_patches_lose_no_update(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        let (_, user) = s.post("/api/v1/users", &key, json!({"metadata": {"count": 0}})).await;
        let path = format!("/api/v1/users/{}", user["user_id"].as_str().unwrap());
        let (a, b) = tokio::join!(writer(&s, &path, &key), writer(&s, &path, &key));
        let (_, end) = s.get(&path, &key).await;
        assert_eq!(end["metadata"]["count"].as_u64(), Some(a + b), "accepted {a} + {b}");
        assert!(a > 0 && b > 0, "a writer never won: {a} / {b}");
    }

    async fn concurrent_creates_with_one_external_ref_have_exactly_one_winner(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        let attempts = (0..24).map(|i| {
            s.post("/api/v1/users", &key, json!({"external_ref": "same", "display_name": format!("try {i}")}))
        });
        let results = futures::future::join_all(attempts).await;
        let winners: Vec<_> = results.iter().filter(|(st, _)| *st == 201).collect();
        assert_eq!(winners.len(), 1, "{results:?}");
        let winner = winners[0].1["user_id"].as_str().unwrap();
        for (status, body) in results.iter().filter(|(st, _)| *st != 201) {
            assert_eq!(*status, 409, "{body}");
            assert_eq!(body["error"]["user_id"], winner, "{body}");
        }
        let (_, list) = s.get("/api/v1/users?external_ref=same", &key).await;
        assert_eq!(list["total"], 1);
        let (_, all) = s.get("/api/v1/users", &key).await;
        assert_eq!(all["total"], 1, "a losing create left a user behind");
    }
}

on_both_stores! {
    async fn if_match_star_never_loses_a_race(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        let (_, user) = s.post("/api/v1/users", &key, json!({"display_name": "Star"})).await;
        let path = format!("/api/v1/users/{}", user["user_id"].as_str().unwrap());
        let star = |i: usize| {
            send_full(
                s.req(Method::PATCH, &path, &key)
                    .header("If-Match", "*")
                    .json(&json!({"display_name": format!("star {i}")})),
            )
        };
        for round in 0..50 {
            let (a, b) = tokio::join!(star(2 * round), star(2 * round + 1));
            assert_eq!((a.0.as_u16(), b.0.as_u16()), (200, 200), "{} / {}", a.2, b.2);
        }
    }
}
