//! Every example of the Raven Users API v1 spec, sent as the spec shows it (with
//! a real host and key), gets the status and the response shape the spec shows.

mod common;

use common::{TestServer, keys, sorted};
use reqwest::Method;
use serde_json::json;

/// The spec's create example body, verbatim.
const CREATE_BODY: &str = r#"{
"external_ref": "user-123",
"display_name": "John Doe",
"metadata": {
"plan": "pro",
"source": "web"
}
}"#;

const PATCH_BODY: &str = r#"{
"display_name": "John D.",
"metadata": {
"plan": "enterprise"
}
}"#;

async fn create_example(s: &TestServer, key: &str) -> serde_json::Value {
    let (status, body) = common::send(
        s.req(Method::POST, "/api/v1/users", key)
            .header("Content-Type", "application/json")
            .body(CREATE_BODY),
    )
    .await;
    assert_eq!(status, 201, "{body}");
    body
}

on_both_stores! {
    async fn create_user_example(db) {
        let s = TestServer::start(db).await;
        let tenant = s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        let user = create_example(&s, &key).await;
        assert_eq!(
            keys(&user),
            sorted(vec![
                "user_id",
                "tenant_id",
                "external_ref",
                "display_name",
                "metadata",
                "created_at"
            ])
        );
        assert!(user["user_id"].as_str().unwrap().starts_with("usr_"));
        assert_eq!(user["tenant_id"], tenant.as_str());
        assert!(tenant.starts_with("ten_"));
        assert_eq!(user["external_ref"], "user-123");
        assert_eq!(user["display_name"], "John Doe");
        assert_eq!(user["metadata"], json!({"plan": "pro", "source": "web"}));
        let created = user["created_at"].as_str().unwrap();
        assert!(created.ends_with('Z') && created.len() == 24, "{created}");
    }
}

on_both_stores! {
    async fn list_users_example(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        create_example(&s, &key).await;
        s.seed("acme", 41);
        let (status, list) = s.get("/api/v1/users?limit=20&offset=0", &key).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(
            keys(&list),
            sorted(vec!["users", "total", "limit", "offset"])
        );
        assert_eq!(list["total"], 42);
        assert_eq!(list["limit"], 20);
        assert_eq!(list["offset"], 0);
        let users = list["users"].as_array().unwrap();
        assert_eq!(users.len(), 20);
        for u in users {
            assert_eq!(
                keys(u),
                sorted(vec![
                    "user_id",
                    "tenant_id",
                    "external_ref",
                    "display_name",
                    "created_at"
                ]),
                "{u}"
            );
        }
        // The spec's example shows newest first.
        let times: Vec<&str> = users
            .iter()
            .map(|u| u["created_at"].as_str().unwrap())
            .collect();
        assert!(times.windows(2).all(|w| w[0] >= w[1]), "{times:?}");
    }
}

on_both_stores! {
    async fn get_user_example_has_conversation_count(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        let created = create_example(&s, &key).await;
        let id = created["user_id"].as_str().unwrap();
        let (status, user) = s.get(&format!("/api/v1/users/{id}"), &key).await;
        assert_eq!(status, 200, "{user}");
        assert_eq!(
            keys(&user),
            sorted(vec![
                "user_id",
                "tenant_id",
                "external_ref",
                "display_name",
                "metadata",
                "conversation_count",
                "created_at"
            ])
        );
        assert_eq!(user["conversation_count"], 0);
        assert_eq!(user["metadata"], created["metadata"]);
    }
}

on_both_stores! {
    async fn update_user_example_replaces_metadata(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        let created = create_example(&s, &key).await;
        let id = created["user_id"].as_str().unwrap();
        let (status, user) = common::send(
            s.req(Method::PATCH, &format!("/api/v1/users/{id}"), &key)
                .header("Content-Type", "application/json")
                .body(PATCH_BODY),
        )
        .await;
        assert_eq!(status, 200, "{user}");
        assert_eq!(
            keys(&user),
            sorted(vec![
                "user_id",
                "tenant_id",
                "external_ref",
                "display_name",
                "metadata",
                "created_at",
                "updated_at"
            ])
        );
        assert_eq!(user["display_name"], "John D.");
        assert_eq!(user["metadata"], json!({"plan": "enterprise"}));
        assert_eq!(user["external_ref"], "user-123");
        assert_eq!(user["created_at"], created["created_at"]);
        assert!(user["updated_at"].as_str().unwrap() >= created["created_at"].as_str().unwrap());
        // And it stuck.
        let (_, again) = s.get(&format!("/api/v1/users/{id}"), &key).await;
        assert_eq!(again["metadata"], json!({"plan": "enterprise"}));
        assert_eq!(again["display_name"], "John D.");
    }
}

on_both_stores! {
    async fn list_filters_by_external_ref(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        create_example(&s, &key).await;
        s.seed("acme", 10);
        let (status, list) = s.get("/api/v1/users?external_ref=user-123", &key).await;
        assert_eq!(status, 200);
        assert_eq!(list["total"], 1);
        assert_eq!(list["users"][0]["external_ref"], "user-123");
    }
}

on_both_stores! {
    async fn a_patch_can_clear_display_name_and_external_ref(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        let created = create_example(&s, &key).await;
        let id = created["user_id"].as_str().unwrap();
        let (status, user) = s
            .patch(
                &format!("/api/v1/users/{id}"),
                &key,
                json!({"display_name": null, "external_ref": null}),
            )
            .await;
        assert_eq!(status, 200, "{user}");
        assert!(
            user.get("display_name").is_none() && user.get("external_ref").is_none(),
            "{user}"
        );
        // The external_ref is free again.
        let (status, _) = s
            .post("/api/v1/users", &key, json!({"external_ref": "user-123"}))
            .await;
        assert_eq!(status, 201);
    }
}
