//! The server answers a list page again from the bytes it encoded while the
//! tenant's users are unchanged (`server::pages`). Whatever writes a user (the
//! API, another `raven-server` process on the file, a shell on the file
//! itself), the next page shows it.

mod common;

use common::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

const RAVEN: &str = "/api/v1/users?limit=5";
const EAI: &str = "/api/eai/v3/users?limit=5";

async fn page(s: &TestServer, path: &str, key: &str) -> Value {
    let (status, body) = s.get(path, key).await;
    assert_eq!(status, 200, "{path}: {body}");
    body
}

/// The newest user's name and the total, in both dialects, each read twice:
/// once to fill the kept page and once to answer from it.
async fn newest(s: &TestServer, key: &str) -> (String, u64) {
    let raven = page(s, RAVEN, key).await;
    assert_eq!(page(s, RAVEN, key).await, raven);
    let eai = page(s, EAI, key).await;
    assert_eq!(page(s, EAI, key).await, eai);
    let name = raven["users"][0]["display_name"]
        .as_str()
        .unwrap_or("")
        .to_string();
    assert_eq!(eai["data"][0]["name"].as_str().unwrap_or(""), name);
    assert_eq!(eai["total"], raven["total"]);
    (name, raven["total"].as_u64().unwrap())
}

on_both_stores! {
    async fn a_kept_page_never_hides_a_write(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        s.tenant("Other", "other");
        let key = s.key("acme", "users:read,users:write");
        let other = s.key("other", "users:read,users:write");
        s.seed("acme", 12);
        let (_, total) = newest(&s, &key).await;
        assert_eq!(total, 12);

        let (status, made) = s.post("/api/v1/users", &key, json!({"display_name": "Made"})).await;
        assert_eq!(status, 201, "{made}");
        assert_eq!(newest(&s, &key).await, ("Made".into(), 13));
        let id = made["user_id"].as_str().unwrap().to_string();

        let (status, body) = s
            .patch(&format!("/api/v1/users/{id}"), &key, json!({"display_name": "Renamed"}))
            .await;
        assert_eq!(status, 200, "{body}");
        assert_eq!(newest(&s, &key).await, ("Renamed".into(), 13));

        // Another tenant's writes leave this tenant's pages as they are, and
        // its own pages are its own.
        s.post("/api/v1/users", &other, json!({"display_name": "Elsewhere"})).await;
        assert_eq!(newest(&s, &key).await, ("Renamed".into(), 13));
        assert_eq!(newest(&s, &other).await, ("Elsewhere".into(), 1));

        // Another process on the same database.
        s.seed("acme", 3);
        let (_, total) = newest(&s, &key).await;
        assert_eq!(total, 16);

        let (status, _) = common::send(s.req(Method::DELETE, &format!("/api/v1/users/{id}"), &key)).await;
        assert_eq!(status, 204);
        let (name, total) = newest(&s, &key).await;
        assert_eq!(total, 15);
        assert_ne!(name, "Renamed");

        // A shell on the file: the triggers that keep the tag are in the file.
        if let Some(path) = s.database.strip_prefix("sqlite://") {
            use sqlx::Connection;
            let newest_id = page(&s, RAVEN, &key).await["users"][0]["user_id"]
                .as_str()
                .unwrap()
                .to_string();
            let mut shell = sqlx::SqliteConnection::connect(&format!("sqlite://{path}")).await.unwrap();
            sqlx::query("UPDATE users SET display_name = 'From a shell' WHERE id = ?")
                .bind(&newest_id)
                .execute(&mut shell)
                .await
                .unwrap();
            shell.close().await.unwrap();
            assert_eq!(newest(&s, &key).await, ("From a shell".into(), 15));
        }
    }
}
