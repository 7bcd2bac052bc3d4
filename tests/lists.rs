//! Lists: newest first with the id as tiebreak, pages that never repeat or
//! skip, and `total` under the same filters.

mod common;

use std::collections::HashSet;

use common::TestServer;
use serde_json::{Value, json};

async fn walk(
    s: &TestServer,
    key: &str,
    base: &str,
    items: &str,
    query: &str,
    limit: u32,
) -> Vec<Value> {
    let mut all = Vec::new();
    let mut offset = 0;
    loop {
        let (status, page) = s
            .get(
                &format!("{base}?{query}&limit={limit}&offset={offset}"),
                key,
            )
            .await;
        assert_eq!(status, 200, "{page}");
        let got = page[items].as_array().unwrap().clone();
        if got.is_empty() {
            assert!(offset as u64 >= page["total"].as_u64().unwrap());
            break;
        }
        offset += got.len();
        all.extend(got);
    }
    all
}

on_both_stores! {
    async fn pages_cover_every_user_once_in_a_stable_order(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        s.seed("acme", 137);
        // Users created in the same millisecond still sort by id.
        for i in 0..5 {
            let (status, body) = s
                .post(
                    "/api/v1/users",
                    &key,
                    json!({"display_name": format!("Burst {i}")}),
                )
                .await;
            assert_eq!(status, 201, "{body}");
        }
        let pages = walk(&s, &key, "/api/v1/users", "users", "", 10).await;
        assert_eq!(pages.len(), 142);
        let ids: HashSet<&str> = pages
            .iter()
            .map(|u| u["user_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids.len(), 142, "a user repeated across pages");
        let order: Vec<(&str, &str)> = pages
            .iter()
            .map(|u| {
                (
                    u["created_at"].as_str().unwrap(),
                    u["user_id"].as_str().unwrap(),
                )
            })
            .collect();
        assert!(
            order.windows(2).all(|w| w[0] > w[1]),
            "not newest first, id descending"
        );
        // One page of 100 gives the same order as pages of 10.
        let (_, big) = s.get("/api/v1/users?limit=100", &key).await;
        let first: Vec<&Value> = pages.iter().take(100).collect();
        assert_eq!(
            big["users"].as_array().unwrap().iter().collect::<Vec<_>>(),
            first
        );
        // Past the end: an empty page with the total.
        let (_, past) = s.get("/api/v1/users?offset=1000", &key).await;
        assert_eq!(past["users"], json!([]));
        assert_eq!(past["total"], 142);
    }
}

on_both_stores! {
    async fn total_counts_under_the_same_filters_in_both_dialects(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read");
        s.seed("acme", 250);
        for query in [
            "role=member",
            "status=inactive",
            "role=viewer&status=active",
            "search=son",
            "search=an&role=member",
        ] {
            let eai = walk(&s, &key, "/api/eai/v3/users", "data", query, 37).await;
            let (_, first) = s.get(&format!("/api/eai/v3/users?{query}"), &key).await;
            assert_eq!(
                first["total"].as_u64().unwrap(),
                eai.len() as u64,
                "{query}"
            );
            let (_, raven) = s.get(&format!("/api/v1/users?{query}"), &key).await;
            assert_eq!(raven["total"], first["total"], "{query}");
            for u in &eai {
                for part in query.split('&') {
                    let (k, v) = part.split_once('=').unwrap();
                    match k {
                        "search" => {
                            let hay = format!(
                                "{} {}",
                                u["name"].as_str().unwrap_or(""),
                                u["email"].as_str().unwrap_or("")
                            )
                            .to_lowercase();
                            assert!(hay.contains(v), "{query}: {u}");
                        }
                        field => assert_eq!(u[field], v, "{query}: {u}"),
                    }
                }
            }
        }
        let (_, all) = s.get("/api/eai/v3/users", &key).await;
        assert_eq!(all["total"], 250);
    }
}
