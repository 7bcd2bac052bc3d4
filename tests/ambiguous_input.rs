//! Input that two parsers could read two ways is refused, not guessed at,
//! and what is kept comes back exactly as it was sent.

mod common;

use common::{TestServer, assert_error, send};
use reqwest::Method;
use serde_json::json;

on_both_stores! {
    async fn two_authorization_headers_are_refused(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read");
        let req = s
            .req(Method::GET, "/api/v1/users", &key)
            .header("Authorization", "Bearer rk_live_00000000000000000000000000000000");
        let got = send(req).await;
        assert_error(&got, 400, "invalid_request");
        assert_eq!(got.1["error"]["field"], "Authorization");
        // The same key twice is still two headers.
        let req = s.req(Method::GET, "/api/v1/users", &key).bearer_auth(&key);
        assert_error(&send(req).await, 400, "invalid_request");
    }
}

on_both_stores! {
    async fn a_key_given_twice_in_a_body_is_refused_and_named(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        let raw = |method: Method, path: &str, body: &'static str| {
            s.req(method, path, &key)
                .header("Content-Type", "application/json")
                .body(body)
        };
        let got = send(raw(Method::POST, "/api/v1/users", r#"{"display_name":"A","display_name":"B"}"#)).await;
        assert_error(&got, 400, "invalid_json");
        assert_eq!(got.1["error"]["field"], "display_name");
        let got = send(raw(
            Method::POST,
            "/api/v1/users",
            r#"{"display_name":"A","metadata":{"plan":"pro","plan":"free"}}"#,
        ))
        .await;
        assert_error(&got, 400, "invalid_json");
        assert_eq!(got.1["error"]["field"], "metadata.plan");
        let (_, list) = s.get("/api/v1/users", &key).await;
        assert_eq!(list["total"], 0, "a refused create wrote a user");

        let (_, u) = s.post("/api/v1/users", &key, json!({"display_name": "A"})).await;
        let id = u["user_id"].as_str().unwrap();
        let got = send(raw(
            Method::PATCH,
            &format!("/api/eai/v3/users/{id}"),
            r#"{"role":"viewer","role":"admin"}"#,
        ))
        .await;
        assert_error(&got, 400, "invalid_json");
        assert_eq!(got.1["error"]["field"], "role");
    }
}

on_both_stores! {
    async fn numbers_in_metadata_and_preferences_come_back_exactly(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        let numbers = r#"{"big":12345678901234567890123,"neg":-98765432109876543210,"exact":0.1000000000000000055511151231257827,"small":1e-400,"max":18446744073709551616}"#;
        let body = format!(r#"{{"display_name":"N","metadata":{numbers}}}"#);
        let created = s
            .req(Method::POST, "/api/v1/users", &key)
            .header("Content-Type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(created.status(), 201);
        let text = created.text().await.unwrap();
        assert!(text.contains(numbers), "{text}");
        let id = serde_json::from_str::<serde_json::Value>(&text).unwrap()["user_id"]
            .as_str()
            .unwrap()
            .to_string();
        let fetched = s
            .req(Method::GET, &format!("/api/v1/users/{id}"), &key)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(fetched.contains(numbers), "{fetched}");

        let patched = s
            .req(Method::PATCH, &format!("/api/eai/v3/users/{id}"), &key)
            .header("Content-Type", "application/json")
            .body(r#"{"preferences":{"seen":12345678901234567890123}}"#)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(patched.contains(r#""seen":12345678901234567890123"#), "{patched}");
    }
}
