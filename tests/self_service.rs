//! What a key bound to a user without users.manage may change on its own
//! user: name, avatar and preferences, nothing that identifies it to others
//! or decides what it may do; and no answer to it names another user.

mod common;

use common::{TestServer, assert_error};
use serde_json::json;

on_both_stores! {
    async fn a_member_key_changes_only_its_name_avatar_and_preferences(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let admin = s.key("acme", "users:read,users:write");
        let (_, me) = s.post("/api/v1/users", &admin, json!({"display_name": "Mo", "external_ref": "ext-mo"})).await;
        let me = me["user_id"].as_str().unwrap().to_string();
        let (_, other) = s.post("/api/v1/users", &admin, json!({"display_name": "Olga", "external_ref": "ext-olga"})).await;
        let other = other["user_id"].as_str().unwrap().to_string();
        s.patch(&format!("/api/eai/v3/users/{other}"), &admin, json!({"email": "olga@acme.test"})).await;
        let key = s.bound_key("acme", "users:read,users:write", &me);
        let (_, before) = s.get(&format!("/api/v1/users/{me}"), &key).await;

        let refused = [
            (format!("/api/eai/v3/users/{me}"), json!({"email": "olga@acme.test"}), "email"),
            ("/api/eai/v3/users/me".to_string(), json!({"email": "mo@acme.test"}), "email"),
            ("/api/eai/v3/users/me".to_string(), json!({"role": "admin"}), "role"),
            ("/api/eai/v3/users/me".to_string(), json!({"status": "inactive"}), "status"),
            (format!("/api/v1/users/{me}"), json!({"external_ref": "ext-olga"}), "external_ref"),
            (format!("/api/v1/users/{me}"), json!({"metadata": {"plan": "pro"}}), "metadata"),
            // A refused field is refused beside allowed ones, and nothing is written.
            (format!("/api/v1/users/{me}"), json!({"display_name": "X", "external_ref": null}), "external_ref"),
        ];
        for (path, body, field) in refused {
            let got = s.patch(&path, &key, body.clone()).await;
            assert_error(&got, 403, "forbidden");
            assert_eq!(got.1["error"]["field"], field, "{body}: {}", got.1);
            let text = got.1.to_string();
            assert!(!text.contains(&other) && !text.contains("olga"), "{text}");
        }
        let (_, after) = s.get(&format!("/api/v1/users/{me}"), &key).await;
        assert_eq!(after, before, "a refused PATCH wrote something");

        let (status, mine) = s
            .patch(
                "/api/eai/v3/users/me",
                &key,
                json!({"name": "Mo B.", "avatar": "https://a.test/mo.png", "preferences": {"theme": "dark"}}),
            )
            .await;
        assert_eq!(status, 200, "{mine}");
        let (status, raven) = s.patch(&format!("/api/v1/users/{me}"), &key, json!({"display_name": "Mo C."})).await;
        assert_eq!(status, 200, "{raven}");
        assert_eq!(raven["external_ref"], "ext-mo");
    }
}

on_both_stores! {
    async fn an_admin_key_still_learns_who_holds_a_taken_value(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let unbound = s.key("acme", "users:read,users:write");
        let (_, boss) = s.post("/api/v1/users", &unbound, json!({"display_name": "Boss"})).await;
        let boss = boss["user_id"].as_str().unwrap().to_string();
        s.patch(&format!("/api/eai/v3/users/{boss}"), &unbound, json!({"role": "admin"})).await;
        let (_, olga) = s.post("/api/v1/users", &unbound, json!({"external_ref": "ext-olga"})).await;
        let olga = olga["user_id"].as_str().unwrap().to_string();
        let key = s.bound_key("acme", "users:read,users:write", &boss);
        let got = s.patch(&format!("/api/v1/users/{boss}"), &key, json!({"external_ref": "ext-olga"})).await;
        assert_error(&got, 409, "conflict");
        assert_eq!(got.1["error"]["user_id"], olga.as_str());
    }
}
