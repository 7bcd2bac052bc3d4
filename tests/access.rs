//! Who may do what: tenant isolation, scopes, bound keys, inactive users.

mod common;

use common::{TestServer, assert_error};
use serde_json::json;

async fn user(s: &TestServer, key: &str, name: &str) -> String {
    let (status, u) = s
        .post("/api/v1/users", key, json!({"display_name": name}))
        .await;
    assert_eq!(status, 201, "{u}");
    u["user_id"].as_str().unwrap().to_string()
}

on_both_stores! {
    async fn another_tenants_user_is_404_never_403_and_lists_never_cross(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        s.tenant("Globex", "globex");
        let acme = s.key("acme", "users:read,users:write");
        let globex = s.key("globex", "users:read,users:write");
        let theirs = user(&s, &globex, "Hank Scorpio").await;
        user(&s, &acme, "Wile E.").await;

        for path in [
            format!("/api/v1/users/{theirs}"),
            format!("/api/eai/v3/users/{theirs}"),
        ] {
            assert_error(&s.get(&path, &acme).await, 404, "not_found");
            assert_error(&s.patch(&path, &acme, json!({})).await, 404, "not_found");
        }
        let (_, list) = s.get("/api/v1/users", &acme).await;
        assert_eq!(list["total"], 1);
        assert_eq!(list["users"][0]["display_name"], "Wile E.");
        let (_, list) = s.get("/api/eai/v3/users?search=Scorpio", &acme).await;
        assert_eq!(list["total"], 0);
        // Unchanged for its owner.
        let (_, u) = s.get(&format!("/api/v1/users/{theirs}"), &globex).await;
        assert_eq!(u["display_name"], "Hank Scorpio");
    }
}

on_both_stores! {
    async fn a_read_only_key_reads_but_never_writes(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let rw = s.key("acme", "users:read,users:write");
        let ro = s.key("acme", "users:read");
        let wo = s.key("acme", "users:write");
        let id = user(&s, &rw, "Road Runner").await;
        assert_eq!(s.get("/api/v1/users", &ro).await.0, 200);
        assert_eq!(s.get("/api/eai/v3/users", &ro).await.0, 200);
        assert_eq!(s.get(&format!("/api/eai/v3/users/{id}"), &ro).await.0, 200);
        assert_error(
            &s.post("/api/v1/users", &ro, json!({})).await,
            403,
            "insufficient_scope",
        );
        assert_error(
            &s.patch(
                &format!("/api/v1/users/{id}"),
                &ro,
                json!({"display_name": "x"}),
            )
            .await,
            403,
            "insufficient_scope",
        );
        assert_error(
            &s.get("/api/v1/users", &wo).await,
            403,
            "insufficient_scope",
        );
        assert_eq!(
            s.get("/api/v1/users", &rw).await.1["users"][0]["display_name"],
            "Road Runner"
        );
    }
}

on_both_stores! {
    async fn a_key_bound_to_a_member_reaches_only_that_member(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let admin = s.key("acme", "users:read,users:write");
        let me = user(&s, &admin, "Member Mo").await;
        let other = user(&s, &admin, "Other Olga").await;
        let key = s.bound_key("acme", "users:read,users:write", &me);

        let (status, profile) = s.get("/api/eai/v3/users/me", &key).await;
        assert_eq!(status, 200);
        assert_eq!(profile["id"], me.as_str());
        assert_eq!(profile["role"], "member");
        assert!(
            !profile["permissions"]
                .as_array()
                .unwrap()
                .contains(&json!("users.manage"))
        );

        assert_error(&s.get("/api/eai/v3/users", &key).await, 403, "forbidden");
        assert_error(&s.get("/api/v1/users", &key).await, 403, "forbidden");
        assert_error(
            &s.post("/api/v1/users", &key, json!({})).await,
            403,
            "forbidden",
        );
        for path in [
            format!("/api/eai/v3/users/{other}"),
            format!("/api/v1/users/{other}"),
        ] {
            assert_error(&s.get(&path, &key).await, 403, "forbidden");
            assert_error(&s.patch(&path, &key, json!({})).await, 403, "forbidden");
        }
        let got = s
            .patch("/api/eai/v3/users/me", &key, json!({"role": "admin"}))
            .await;
        assert_error(&got, 403, "forbidden");
        assert!(got.1["error"]["message"].as_str().unwrap().contains("role"));
        let got = s
            .patch("/api/eai/v3/users/me", &key, json!({"status": "inactive"}))
            .await;
        assert_error(&got, 403, "forbidden");

        let (status, mine) = s
            .patch(
                "/api/eai/v3/users/me",
                &key,
                json!({"name": "Mo B.", "preferences": {"theme": "dark"}}),
            )
            .await;
        assert_eq!(status, 200, "{mine}");
        assert_eq!(mine["role"], "member");
        let (status, raven) = s.get(&format!("/api/v1/users/{me}"), &key).await;
        assert_eq!(status, 200);
        assert_eq!(raven["display_name"], "Mo B.");
    }
}

on_both_stores! {
    async fn a_key_bound_to_an_admin_manages_the_tenant_and_an_unbound_key_has_no_me(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let unbound = s.key("acme", "users:read,users:write");
        let boss = user(&s, &unbound, "Boss").await;
        let other = user(&s, &unbound, "Staff").await;
        assert_eq!(
            s.patch(
                &format!("/api/eai/v3/users/{boss}"),
                &unbound,
                json!({"role": "admin"})
            )
            .await
            .0,
            200
        );
        let key = s.bound_key("acme", "users:read,users:write", &boss);
        assert_eq!(s.get("/api/eai/v3/users", &key).await.1["total"], 2);
        let (status, u) = s
            .patch(
                &format!("/api/eai/v3/users/{other}"),
                &key,
                json!({"role": "viewer"}),
            )
            .await;
        assert_eq!(status, 200, "{u}");
        assert_error(
            &s.get("/api/eai/v3/users/me", &unbound).await,
            404,
            "no_current_user",
        );
    }
}

on_both_stores! {
    async fn every_key_of_an_inactive_user_is_refused(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let admin = s.key("acme", "users:read,users:write");
        let id = user(&s, &admin, "Leaver").await;
        let key = s.bound_key("acme", "users:read", &id);
        assert_eq!(s.get("/api/eai/v3/users/me", &key).await.0, 200);
        assert_eq!(
            s.patch(
                &format!("/api/eai/v3/users/{id}"),
                &admin,
                json!({"status": "inactive"})
            )
            .await
            .0,
            200
        );
        assert_error(
            &s.get("/api/eai/v3/users/me", &key).await,
            403,
            "user_inactive",
        );
        assert_error(
            &s.get(&format!("/api/v1/users/{id}"), &key).await,
            403,
            "user_inactive",
        );
        assert_eq!(
            s.patch(
                &format!("/api/eai/v3/users/{id}"),
                &admin,
                json!({"status": "active"})
            )
            .await
            .0,
            200
        );
        assert_eq!(s.get("/api/eai/v3/users/me", &key).await.0, 200);
    }
}

on_both_stores! {
    async fn binding_a_key_to_an_unknown_user_fails_clearly(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let out = std::process::Command::new(common::BIN)
            .args([
                "key",
                "create",
                "--tenant",
                "acme",
                "--scopes",
                "users:read",
                "--user",
                "usr_nobody",
            ])
            .args(["--database", &s.database])
            .output()
            .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("usr_nobody"), "{err}");
        let out = std::process::Command::new(common::BIN)
            .args([
                "key",
                "create",
                "--tenant",
                "acme",
                "--scopes",
                "users:admin",
            ])
            .args(["--database", &s.database])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "clap usage errors exit 2");
        assert!(String::from_utf8_lossy(&out.stderr).contains("users:read"));
    }
}
