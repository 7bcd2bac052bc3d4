//! Every example of the EAI Users REST API v3 spec, sent as its fetch calls
//! send it (with a host and a key added), gets the shape the spec shows.

mod common;

use common::{Db, TestServer, keys, sorted};
use reqwest::Method;
use serde_json::{Value, json};

const PROFILE_KEYS: [&str; 10] = [
    "id",
    "email",
    "name",
    "avatar",
    "role",
    "permissions",
    "tenantId",
    "preferences",
    "createdAt",
    "lastLoginAt",
];

/// A tenant `acme-corp` with Jane Smith, an admin with the spec's preferences,
/// and keys: unbound read-write, and bound to Jane.
struct Fixture {
    s: TestServer,
    admin_key: String,
    jane: String,
    jane_key: String,
}

async fn fixture(db: Db) -> Fixture {
    let s = TestServer::start(db).await;
    s.tenant("Acme Corp", "acme-corp");
    let admin_key = s.key("acme-corp", "users:read,users:write");
    let (status, created) = s
        .post(
            "/api/v1/users",
            &admin_key,
            json!({"display_name": "Jane Smith"}),
        )
        .await;
    assert_eq!(status, 201, "{created}");
    let jane = created["user_id"].as_str().unwrap().to_string();
    let (status, body) = s
        .patch(
            &format!("/api/eai/v3/users/{jane}"),
            &admin_key,
            json!({
                "email": "jane.smith@example.com",
                "avatar": "https://avatars.example.com/user_123.jpg",
                "role": "admin",
                "status": "active",
                "preferences": {
                    "theme": "dark",
                    "language": "en",
                    "timezone": "America/New_York",
                    "notifications": {"email": true, "push": false}
                }
            }),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let jane_key = s.bound_key("acme-corp", "users:read,users:write", &jane);
    Fixture {
        s,
        admin_key,
        jane,
        jane_key,
    }
}

/// `fetch(url, {method, headers: {'Content-Type': 'application/json'}, body})`.
async fn fetch(
    f: &Fixture,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (reqwest::StatusCode, Value) {
    let mut req = f.s.req(method, path, &f.jane_key);
    if let Some(body) = body {
        req = req
            .header("Content-Type", "application/json")
            .body(body.to_string());
    }
    common::send(req).await
}

on_both_stores! {
    async fn get_current_user_example(db) {
        let f = fixture(db).await;
        let (status, me) = fetch(&f, Method::GET, "/api/eai/v3/users/me", None).await;
        assert_eq!(status, 200, "{me}");
        assert_eq!(keys(&me), sorted(PROFILE_KEYS.to_vec()));
        assert_eq!(me["id"], f.jane.as_str());
        assert_eq!(me["email"], "jane.smith@example.com");
        assert_eq!(me["name"], "Jane Smith");
        assert_eq!(me["avatar"], "https://avatars.example.com/user_123.jpg");
        assert_eq!(me["role"], "admin");
        assert_eq!(
            me["permissions"],
            json!([
                "resources.read",
                "resources.create",
                "resources.update",
                "documents.upload",
                "chat.access",
                "users.manage"
            ])
        );
        assert_eq!(me["tenantId"], "acme-corp");
        assert_eq!(
            me["preferences"],
            json!({"theme":"dark","language":"en","timezone":"America/New_York","notifications":{"email":true,"push":false}})
        );
        assert!(me["createdAt"].as_str().unwrap().ends_with('Z'));
        // The "User Permissions" example.
        let perms: Vec<&str> = me["permissions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(Value::as_str)
            .collect();
        assert!(perms.contains(&"users.manage") && perms.contains(&"documents.upload"));
    }
}

on_both_stores! {
    async fn get_user_by_id_has_the_same_structure(db) {
        let f = fixture(db).await;
        let (_, me) = fetch(&f, Method::GET, "/api/eai/v3/users/me", None).await;
        let (status, by_id) = fetch(
            &f,
            Method::GET,
            &format!("/api/eai/v3/users/{}", f.jane),
            None,
        )
        .await;
        assert_eq!(status, 200);
        assert_eq!(by_id, me);
    }
}

on_both_stores! {
    async fn list_users_example(db) {
        let f = fixture(db).await;
        f.s.seed("acme-corp", 200);
        let query = "role=admin&status=active&limit=50";
        let (status, list) = fetch(&f, Method::GET, &format!("/api/eai/v3/users?{query}"), None).await;
        assert_eq!(status, 200, "{list}");
        assert_eq!(keys(&list), sorted(vec!["data", "total"]));
        let data = list["data"].as_array().unwrap();
        assert!(!data.is_empty());
        assert!(data.iter().any(|u| u["id"] == f.jane.as_str()));
        for u in data {
            assert_eq!(
                keys(u),
                sorted(vec!["id", "email", "name", "role", "status", "lastLoginAt"]),
                "{u}"
            );
            assert_eq!(u["role"], "admin");
            assert_eq!(u["status"], "active");
        }
        assert_eq!(list["total"].as_u64().unwrap(), data.len() as u64);
    }
}

on_both_stores! {
    async fn update_user_request_body_example(db) {
        let f = fixture(db).await;
        let body = json!({
            "name": "Jane Doe",
            "preferences": {
                "theme": "dark",
                "language": "es",
                "notifications": {"email": true, "push": true}
            }
        });
        let (status, user) = fetch(
            &f,
            Method::PATCH,
            &format!("/api/eai/v3/users/{}", f.jane),
            Some(body),
        )
        .await;
        assert_eq!(status, 200, "{user}");
        assert_eq!(keys(&user), sorted(PROFILE_KEYS.to_vec()));
        assert_eq!(user["name"], "Jane Doe");
        assert_eq!(
            user["preferences"],
            json!({"theme":"dark","language":"es","timezone":"America/New_York","notifications":{"email":true,"push":true}})
        );
    }
}

on_both_stores! {
    async fn update_user_example_merges_preferences(db) {
        let f = fixture(db).await;
        let body = json!({"preferences": {"theme": "dark", "timezone": "Europe/London"}});
        let (status, updated) = fetch(
            &f,
            Method::PATCH,
            &format!("/api/eai/v3/users/{}", f.jane),
            Some(body),
        )
        .await;
        assert_eq!(status, 200, "{updated}");
        assert_eq!(
            updated["preferences"],
            json!({"theme":"dark","language":"en","timezone":"Europe/London","notifications":{"email":true,"push":false}})
        );
    }
}

on_both_stores! {
    async fn update_current_user_example_merges_nested_objects(db) {
        let f = fixture(db).await;
        let body = json!({"preferences": {"theme": "light", "notifications": {"email": false}}});
        let (status, _) = fetch(&f, Method::PATCH, "/api/eai/v3/users/me", Some(body)).await;
        assert_eq!(status, 200);
        let (_, me) = fetch(&f, Method::GET, "/api/eai/v3/users/me", None).await;
        assert_eq!(
            me["preferences"],
            json!({"theme":"light","language":"en","timezone":"America/New_York","notifications":{"email":false,"push":false}})
        );
    }
}

on_both_stores! {
    async fn null_removes_a_preference_and_admins_change_role_and_status(db) {
        let f = fixture(db).await;
        let (status, created) =
            f.s.post(
                "/api/v1/users",
                &f.admin_key,
                json!({"display_name": "Max"}),
            )
            .await;
        assert_eq!(status, 201);
        let max = created["user_id"].as_str().unwrap();
        let path = format!("/api/eai/v3/users/{max}");
        let (status, user) = fetch(
            &f,
            Method::PATCH,
            &path,
            Some(json!({"preferences": {"theme": "dark", "notifications": {"push": true}}})),
        )
        .await;
        assert_eq!(status, 200, "{user}");
        let (status, user) = fetch(
            &f,
            Method::PATCH,
            &path,
            Some(json!({"role": "viewer", "status": "inactive", "preferences": {"theme": null, "notifications": {"push": null}}})),
        )
        .await;
        assert_eq!(status, 200, "{user}");
        assert_eq!(user["preferences"], json!({"notifications": {}}));
        assert_eq!(user["role"], "viewer");
        assert_eq!(
            user["permissions"],
            json!(["resources.read", "chat.access"])
        );
        let (_, list) = fetch(&f, Method::GET, "/api/eai/v3/users?status=inactive", None).await;
        assert_eq!(list["total"], 1);
        assert_eq!(list["data"][0]["id"], max);
    }
}

on_both_stores! {
    async fn search_is_a_case_insensitive_substring_of_name_or_email(db) {
        let f = fixture(db).await;
        f.s.seed("acme-corp", 300);
        for (needle, expect_jane) in [
            ("SMITH", true),
            ("ne smi", true),
            ("@EXAMPLE.c", true),
            ("jan", true),
            ("zzzq", false),
        ] {
            let (status, list) = fetch(
                &f,
                Method::GET,
                &format!("/api/eai/v3/users?search={}&limit=100", urlencode(needle)),
                None,
            )
            .await;
            assert_eq!(status, 200, "{list}");
            let data = list["data"].as_array().unwrap();
            assert_eq!(
                data.iter().any(|u| u["id"] == f.jane.as_str()),
                expect_jane,
                "{needle}"
            );
            let lower = needle.to_lowercase();
            for u in data {
                let name = u["name"].as_str().unwrap_or("").to_lowercase();
                let email = u["email"].as_str().unwrap_or("").to_lowercase();
                assert!(
                    name.contains(&lower) || email.contains(&lower),
                    "{needle} ~ {u}"
                );
            }
        }
        // Two characters still search (without the trigram index).
        let (_, list) = fetch(
            &f,
            Method::GET,
            "/api/eai/v3/users?search=Ja&limit=100",
            None,
        )
        .await;
        assert!(
            list["data"]
                .as_array()
                .unwrap()
                .iter()
                .any(|u| u["id"] == f.jane.as_str())
        );
    }
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}
