//! The isolation matrix: every endpoint of both dialects, probed with every kind
//! of key that must not reach a user. Nothing leaks, and each answer has the
//! right status (404 for another tenant, never 403).

mod common;

use common::TestServer;
use reqwest::Method;
use serde_json::{Value, json};

/// Every endpoint; `{id}` is the target user, a member of tenant `acme`.
const ENDPOINTS: [(&str, &str); 18] = [
    ("GET", "/api/v1/users"),
    ("POST", "/api/v1/users"),
    ("GET", "/api/v1/users/{id}"),
    ("PATCH", "/api/v1/users/{id}"),
    ("GET", "/api/eai/v3/users"),
    ("GET", "/api/eai/v3/users/me"),
    ("PATCH", "/api/eai/v3/users/me"),
    ("GET", "/api/eai/v3/users/{id}"),
    ("PATCH", "/api/eai/v3/users/{id}"),
    ("GET", "/api/v1/users/{id}/history"),
    ("GET", "/api/v1/audit"),
    ("DELETE", "/api/v1/users/{id}"),
    ("GET", "/scim/v2/Users"),
    ("POST", "/scim/v2/Users"),
    ("GET", "/scim/v2/Users/{id}"),
    ("PUT", "/scim/v2/Users/{id}"),
    ("PATCH", "/scim/v2/Users/{id}"),
    ("DELETE", "/scim/v2/Users/{id}"),
];

/// Expected status and error code per endpoint, in `ENDPOINTS` order (SCIM's
/// errors have no code: their status is checked, and their shape).
type Row = [(u16, &'static str); 18];

const OTHER_TENANT: Row = [
    (200, ""),
    (201, ""),
    (404, "not_found"),
    (404, "not_found"),
    (200, ""),
    (404, "no_current_user"),
    (404, "no_current_user"),
    (404, "not_found"),
    (404, "not_found"),
    (404, "not_found"),
    // Its own tenant's feed, which holds nothing of acme's.
    (200, ""),
    (404, "not_found"),
    // Its own tenant's SCIM list, and a user created there.
    (200, ""),
    (201, ""),
    (404, ""),
    (404, ""),
    (404, ""),
    (404, ""),
];
const REVOKED: Row = [
    (401, "unauthorized"),
    (401, "unauthorized"),
    (401, "unauthorized"),
    (401, "unauthorized"),
    (401, "unauthorized"),
    (401, "unauthorized"),
    (401, "unauthorized"),
    (401, "unauthorized"),
    (401, "unauthorized"),
    (401, "unauthorized"),
    (401, "unauthorized"),
    (401, "unauthorized"),
    (401, ""),
    (401, ""),
    (401, ""),
    (401, ""),
    (401, ""),
    (401, ""),
];
const READ_ONLY: Row = [
    (200, ""),
    (403, "insufficient_scope"),
    (200, ""),
    (403, "insufficient_scope"),
    (200, ""),
    (404, "no_current_user"),
    (403, "insufficient_scope"),
    (200, ""),
    (403, "insufficient_scope"),
    (200, ""),
    (200, ""),
    (403, "insufficient_scope"),
    (200, ""),
    (403, ""),
    (200, ""),
    (403, ""),
    (403, ""),
    (403, ""),
];
const BOUND_MEMBER: Row = [
    (403, "forbidden"),
    (403, "forbidden"),
    (403, "forbidden"),
    (403, "forbidden"),
    (403, "forbidden"),
    (200, ""),
    // Its own profile, but the probe also asks to change its role.
    (403, "forbidden"),
    (403, "forbidden"),
    (403, "forbidden"),
    (403, "forbidden"),
    (403, "forbidden"),
    (403, "forbidden"),
    (403, ""),
    (403, ""),
    (403, ""),
    (403, ""),
    (403, ""),
    (403, ""),
];
const INACTIVE_USER: Row = [
    (403, "user_inactive"),
    (403, "user_inactive"),
    (403, "user_inactive"),
    (403, "user_inactive"),
    (403, "user_inactive"),
    (403, "user_inactive"),
    (403, "user_inactive"),
    (403, "user_inactive"),
    (403, "user_inactive"),
    (403, "user_inactive"),
    (403, "user_inactive"),
    (403, "user_inactive"),
    (403, ""),
    (403, ""),
    (403, ""),
    (403, ""),
    (403, ""),
    (403, ""),
];

fn body_for(method: &str, path: &str) -> Option<Value> {
    if path.starts_with("/scim") {
        let user = json!({"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "probe", "displayName": "Probe"});
        return match method {
            "POST" | "PUT" => Some(user),
            "PATCH" => Some(json!({
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
                "Operations": [{"op": "replace", "value": {"displayName": "Probed", "active": false}}],
            })),
            _ => None,
        };
    }
    match (method, path.starts_with("/api/v1")) {
        ("POST", _) => Some(json!({"display_name": "Probe"})),
        ("PATCH", true) => Some(json!({"display_name": "Probed", "metadata": {"probed": true}})),
        ("PATCH", false) => Some(json!({"name": "Probed", "role": "viewer"})),
        _ => None,
    }
}

on_both_stores! {
    async fn no_key_reaches_a_user_it_must_not(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        s.tenant("Globex", "globex");
        let admin = s.key("acme", "users:read,users:write");
        let (_, target) = s
            .post("/api/v1/users", &admin, json!({"display_name": "Target Tess", "external_ref": "tess-1", "metadata": {"secret": "s3cr3t"}}))
            .await;
        let target_id = target["user_id"].as_str().unwrap().to_string();
        s.patch(&format!("/api/eai/v3/users/{target_id}"), &admin, json!({"email": "tess@acme.io"})).await;
        let (_, member) = s.post("/api/v1/users", &admin, json!({"display_name": "Member Mo"})).await;
        let member_id = member["user_id"].as_str().unwrap();
        let (_, leaver) = s.post("/api/v1/users", &admin, json!({"display_name": "Leaver Lu"})).await;
        let leaver_id = leaver["user_id"].as_str().unwrap();

        let revoked = s.key("acme", "users:read,users:write");
        s.cli(&["key", "revoke", &revoked[..16]]);
        let inactive = s.bound_key("acme", "users:read,users:write", leaver_id);
        s.patch(&format!("/api/eai/v3/users/{leaver_id}"), &admin, json!({"status": "inactive"})).await;
        // (kind, key, expected answers, whether it may read the target)
        let kinds: [(&str, String, Row, bool); 5] = [
            ("other tenant", s.key("globex", "users:read,users:write"), OTHER_TENANT, false),
            ("revoked", revoked, REVOKED, false),
            ("read-only", s.key("acme", "users:read"), READ_ONLY, true),
            ("bound member", s.bound_key("acme", "users:read,users:write", member_id), BOUND_MEMBER, false),
            ("inactive user", inactive, INACTIVE_USER, false),
        ];
        let (_, before) = s.get(&format!("/api/v1/users/{target_id}"), &admin).await;

        let mut leaks = Vec::new();
        let mut wrong = Vec::new();
        for (kind, key, row, may_read) in &kinds {
            for ((method, path), (status, code)) in ENDPOINTS.iter().zip(row.iter()) {
                let path = path.replace("{id}", &target_id);
                let mut req = s.req(Method::from_bytes(method.as_bytes()).unwrap(), &path, key);
                if let Some(body) = body_for(method, &path) {
                    req = req.json(&body);
                }
                let (got, body) = common::send(req).await;
                let scim_shape = !path.starts_with("/scim") || *status < 400
                    || body["status"].as_str().and_then(|v| v.parse::<u16>().ok()) == Some(*status);
                if got.as_u16() != *status || (!code.is_empty() && body["error"]["code"] != *code) || !scim_shape {
                    wrong.push(format!("{kind}: {method} {path} -> {got} {body}, want {status} {code}"));
                }
                // The target never shows. An error may echo the id the caller sent.
                let text = body.to_string();
                if *may_read {
                    continue;
                }
                let is_error = body.get("error").is_some() || body.get("scimType").is_some() || body["status"].is_string();
                let id = if is_error { "" } else { target_id.as_str() };
                for secret in [id, "Target Tess", "tess@acme.io", "s3cr3t", "tess-1"] {
                    if secret.is_empty() {
                        continue;
                    }
                    if text.contains(secret) {
                        leaks.push(format!("{kind}: {method} {path} shows {secret:?}: {text}"));
                    }
                }
            }
        }
        assert!(leaks.is_empty(), "{} leaks:\n{}", leaks.len(), leaks.join("\n"));
        // Another tenant's user is answered exactly like an id that does not exist.
        let other = &kinds[0].1;
        let (_, theirs) = s.get(&format!("/api/v1/users/{target_id}"), other).await;
        let (_, nobody) = s.get("/api/v1/users/usr_doesnotexist00", other).await;
        assert_eq!(theirs.to_string().replace(&target_id, "ID"), nobody.to_string().replace("usr_doesnotexist00", "ID"));
        assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));
        let (_, after) = s.get(&format!("/api/v1/users/{target_id}"), &admin).await;
        assert_eq!(after, before, "a refused request changed the target");
    }

    async fn no_key_appears_in_a_log_line(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        let revoked = s.key("acme", "users:read");
        s.cli(&["key", "revoke", &revoked[..16]]);
        s.get("/api/v1/users", &key).await;
        s.get("/api/v1/users?search=rk_live_", &key).await;
        s.get("/api/v1/users", &revoked).await;
        s.get("/api/v1/users", &format!("rk_live_{}", "Z".repeat(32))).await;
        s.post("/api/v1/users", &key, json!({"display_name": key.clone()})).await;
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        let log = s.log.lock().unwrap().join("\n");
        assert!(log.contains("GET /api/v1/users 200"), "the log has no request lines:\n{log}");
        assert!(!log.contains("rk_live_"), "a key appears in the log:\n{log}");
    }
}
