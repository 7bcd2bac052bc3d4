//! The audit trail: every write of either dialect has its event with the
//! values before and after, refused writes have none, and the history and the
//! tenant's feed page, filter and stay within the tenant.

mod common;

use common::{TestServer, assert_error};
use reqwest::Method;
use serde_json::{Value, json};

async fn history(s: &TestServer, id: &str, key: &str) -> Value {
    let (status, body) = s
        .get(&format!("/api/v1/users/{id}/history?limit=100"), key)
        .await;
    assert_eq!(status, 200, "{body}");
    body
}

on_both_stores! {
    async fn each_write_of_both_dialects_records_its_changes(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let admin = s.key("acme", "users:read,users:write");
        let (_, created) = s.post("/api/v1/users", &admin,
            json!({"display_name": "John Doe", "external_ref": "j-1", "metadata": {"plan": "pro"}})).await;
        let id = created["user_id"].as_str().unwrap().to_string();
        s.patch(&format!("/api/v1/users/{id}"), &admin, json!({"display_name": "John D.", "metadata": {"plan": "enterprise"}})).await;
        s.patch(&format!("/api/eai/v3/users/{id}"), &admin, json!({"email": "john@acme.io", "role": "admin", "preferences": {"theme": "dark"}})).await;
        let bound = s.bound_key("acme", "users:read,users:write", &id);
        s.patch("/api/eai/v3/users/me", &bound, json!({"preferences": {"theme": null, "lang": "en"}})).await;
        // A PATCH that changes nothing writes nothing.
        s.patch(&format!("/api/v1/users/{id}"), &admin, json!({"display_name": "John D."})).await;

        let h = history(&s, &id, &admin).await;
        assert_eq!(h["total"], 4, "{h}");
        let e = h["events"].as_array().unwrap();
        let versions: Vec<i64> = e.iter().map(|e| e["version"].as_i64().unwrap()).collect();
        assert_eq!(versions, [4, 3, 2, 1], "newest first: {h}");
        assert!(e.iter().all(|e| e.get("user_id").is_none()), "{h}");
        assert!(e[0]["at"].as_str().unwrap().ends_with('Z'));

        assert_eq!(e[3]["action"], "create");
        assert_eq!(e[3]["actor"], json!({"key": &admin[..16], "user_id": null}));
        assert_eq!(e[3]["changes"]["display_name"], json!({"from": null, "to": "John Doe"}));
        assert_eq!(e[3]["changes"]["external_ref"], json!({"from": null, "to": "j-1"}));

        assert_eq!(e[2]["action"], "update");
        assert_eq!(e[2]["changes"], json!({
            "display_name": {"from": "John Doe", "to": "John D."},
            "metadata": {"from": {"plan": "pro"}, "to": {"plan": "enterprise"}},
        }));
        assert_eq!(e[1]["changes"], json!({
            "email": {"from": null, "to": "john@acme.io"},
            "role": {"from": "member", "to": "admin"},
            "preferences": {"from": {}, "to": {"theme": "dark"}},
        }));
        assert_eq!(e[0]["actor"], json!({"key": &bound[..16], "user_id": id}));
        assert_eq!(e[0]["changes"], json!({
            "preferences": {"from": {"theme": "dark"}, "to": {"lang": "en"}},
        }));
    }

    async fn a_delete_is_an_event_and_the_history_outlives_the_user(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let admin = s.key("acme", "users:read,users:write");
        let reader = s.key("acme", "users:read");
        let (_, created) = s.post("/api/v1/users", &admin,
            json!({"display_name": "Gone Soon", "external_ref": "g-1", "metadata": {"plan": "pro"}})).await;
        let id = created["user_id"].as_str().unwrap().to_string();
        s.patch(&format!("/api/eai/v3/users/{id}"), &admin, json!({"email": "gone@acme.io"})).await;
        let (_, member) = s.post("/api/v1/users", &admin, json!({"display_name": "Member"})).await;
        let bound = s.bound_key("acme", "users:read,users:write", member["user_id"].as_str().unwrap());
        let delete = |key: &str, if_match: Option<&str>| {
            let mut req = s.req(Method::DELETE, &format!("/api/v1/users/{id}"), key);
            if let Some(tag) = if_match {
                req = req.header("If-Match", tag);
            }
            common::send(req)
        };
        // Refused deletes write nothing.
        assert_eq!(delete(&admin, Some("\"v1\"")).await.0, 412);
        assert_error(&delete(&reader, None).await, 403, "insufficient_scope");
        assert_error(&delete(&bound, None).await, 403, "forbidden");
        assert_eq!(history(&s, &id, &admin).await["total"], 2);

        let (status, body) = delete(&admin, Some("\"v2\"")).await;
        assert_eq!((status.as_u16(), body), (204, Value::Null));
        assert_error(&s.get(&format!("/api/v1/users/{id}"), &admin).await, 404, "not_found");
        assert_error(&delete(&admin, None).await, 404, "not_found");

        // The history still answers, its `delete` event newest, each held field to null.
        let h = history(&s, &id, &admin).await;
        assert_eq!(h["total"], 3, "{h}");
        let e = &h["events"][0];
        assert_eq!(e["action"], "delete");
        assert_eq!(e["version"], 3);
        assert_eq!(e["actor"], json!({"key": &admin[..16], "user_id": null}));
        assert_eq!(e["changes"], json!({
            "display_name": {"from": "Gone Soon", "to": null},
            "external_ref": {"from": "g-1", "to": null},
            "email": {"from": "gone@acme.io", "to": null},
            "metadata": {"from": {"plan": "pro"}, "to": null},
            "role": {"from": "member", "to": null},
            "status": {"from": "active", "to": null},
            "username": {"from": id, "to": null},
        }));
        let (_, feed) = s.get(&format!("/api/v1/audit?user_id={id}"), &admin).await;
        assert_eq!(feed["total"], 3);
        assert_eq!(feed["events"][0]["user_id"], id.as_str());
        // Another tenant sees neither the user nor its events.
        s.tenant("Globex", "globex");
        let globex = s.key("globex", "users:read,users:write");
        assert_error(&s.get(&format!("/api/v1/users/{id}/history"), &globex).await, 404, "not_found");
    }

    async fn refused_writes_record_nothing(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let admin = s.key("acme", "users:read,users:write");
        let reader = s.key("acme", "users:read");
        let (_, a) = s.post("/api/v1/users", &admin, json!({"display_name": "A", "external_ref": "a"})).await;
        let a = a["user_id"].as_str().unwrap().to_string();
        let (_, b) = s.post("/api/v1/users", &admin, json!({"display_name": "B", "external_ref": "b"})).await;
        let b = b["user_id"].as_str().unwrap().to_string();
        let member = s.bound_key("acme", "users:read,users:write", &b);

        assert_error(&s.post("/api/v1/users", &admin, json!({"display_name": 5})).await, 400, "invalid_request");
        assert_error(&s.post("/api/v1/users", &admin, json!({"display_name": "Dup", "external_ref": "a"})).await, 409, "conflict");
        assert_error(&s.post("/api/v1/users", &reader, json!({"display_name": "R"})).await, 403, "insufficient_scope");
        assert_error(&s.patch(&format!("/api/v1/users/{a}"), &admin, json!({"external_ref": "b"})).await, 409, "conflict");
        assert_error(&s.patch(&format!("/api/eai/v3/users/{a}"), &admin, json!({"role": "owner"})).await, 400, "invalid_request");
        assert_error(&s.patch(&format!("/api/eai/v3/users/{a}"), &member, json!({"name": "X"})).await, 403, "forbidden");
        let stale = s.req(Method::PATCH, &format!("/api/v1/users/{a}"), &admin)
            .header("If-Match", "\"v7\"").json(&json!({"display_name": "Late"}));
        assert_eq!(common::send(stale).await.0, 412);

        let (_, feed) = s.get("/api/v1/audit", &admin).await;
        assert_eq!(feed["total"], 2, "only the two creates: {feed}");
        assert_eq!(history(&s, &a, &admin).await["total"], 1);
    }

    async fn the_feed_pages_filters_and_the_history_is_scoped(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        s.tenant("Globex", "globex");
        let admin = s.key("acme", "users:read,users:write");
        let other = s.key("acme", "users:read,users:write");
        let globex = s.key("globex", "users:read,users:write");
        let (_, u) = s.post("/api/v1/users", &admin, json!({"display_name": "U"})).await;
        let u = u["user_id"].as_str().unwrap().to_string();
        for i in 0..5 {
            s.patch(&format!("/api/v1/users/{u}"), &other, json!({"display_name": format!("U{i}")})).await;
        }
        let (_, v) = s.post("/api/v1/users", &admin, json!({"display_name": "V"})).await;
        let v = v["user_id"].as_str().unwrap().to_string();
        s.post("/api/v1/users", &globex, json!({"display_name": "G"})).await;

        let (_, page) = s.get(&format!("/api/v1/users/{u}/history?limit=2&offset=1"), &admin).await;
        assert_eq!(page["total"], 6, "{page}");
        let versions: Vec<i64> = page["events"].as_array().unwrap().iter().map(|e| e["version"].as_i64().unwrap()).collect();
        assert_eq!(versions, [5, 4]);

        let (_, feed) = s.get("/api/v1/audit?limit=3", &admin).await;
        assert_eq!(feed["total"], 7, "globex's event is not acme's: {feed}");
        assert_eq!(feed["events"][0]["user_id"], v.as_str());
        assert_eq!(feed["events"].as_array().unwrap().len(), 3);
        let (_, by_actor) = s.get(&format!("/api/v1/audit?actor={}", &other[..16]), &admin).await;
        assert_eq!(by_actor["total"], 5, "{by_actor}");
        let (_, by_user) = s.get(&format!("/api/v1/audit?user_id={v}"), &admin).await;
        assert_eq!(by_user["total"], 1);
        let (_, future) = s.get("/api/v1/audit?since=2999-01-01T00:00:00Z", &admin).await;
        assert_eq!(future["total"], 0);
        let (_, past) = s.get("/api/v1/audit?until=2999-01-01T00:00:00Z&since=2000-01-01T00:00:00%2B02:00", &admin).await;
        assert_eq!(past["total"], 7);

        assert_error(&s.get(&format!("/api/v1/users/{u}/history"), &globex).await, 404, "not_found");
        assert_error(&s.get("/api/v1/users/usr_nobody/history", &admin).await, 404, "not_found");
        assert_error(&s.get(&format!("/api/v1/users/{u}/history?limit=0"), &admin).await, 400, "invalid_request");
        assert_error(&s.get(&format!("/api/v1/users/{u}/history?limit=101"), &admin).await, 400, "invalid_request");
        assert_error(&s.get(&format!("/api/v1/users/{u}/history?sort=at"), &admin).await, 400, "unknown_field");
        assert_error(&s.get("/api/v1/audit?since=yesterday", &admin).await, 400, "invalid_request");
        assert_error(&s.get("/api/v1/audit?limit=1&limit=2", &admin).await, 400, "invalid_request");

        // A bound member reads its own history only, and not the feed.
        let member = s.bound_key("acme", "users:read", &v);
        assert_eq!(s.get(&format!("/api/v1/users/{v}/history"), &member).await.0, 200);
        assert_error(&s.get(&format!("/api/v1/users/{u}/history"), &member).await, 403, "forbidden");
        assert_error(&s.get("/api/v1/users/usr_nobody/history", &member).await, 403, "forbidden");
        assert_error(&s.get("/api/v1/audit", &member).await, 403, "forbidden");
    }

    async fn the_command_line_prints_and_prunes_events(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        s.tenant("Globex", "globex");
        let admin = s.key("acme", "users:read,users:write");
        let globex = s.key("globex", "users:read,users:write");
        let (_, u) = s.post("/api/v1/users", &admin, json!({"display_name": "U"})).await;
        let u = u["user_id"].as_str().unwrap().to_string();
        s.patch(&format!("/api/v1/users/{u}"), &admin, json!({"display_name": "U2"})).await;
        s.post("/api/v1/users", &admin, json!({"display_name": "V"})).await;
        s.post("/api/v1/users", &globex, json!({"display_name": "G"})).await;

        let lines: Vec<Value> = s.cli(&["audit", "--tenant", "acme"]).lines()
            .map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(lines.len(), 3, "{lines:?}");
        assert_eq!(lines[1]["user_id"], u.as_str());
        assert_eq!(lines[1]["changes"]["display_name"]["to"], "U2");
        let mine = s.cli(&["audit", "--tenant", "acme", "--user", &u]);
        assert_eq!(mine.lines().count(), 2);
        assert_eq!(s.cli(&["audit", "--tenant", "acme", "--since", "2999-01-01T00:00:00Z"]), "");

        s.cli(&["audit", "prune", "--tenant", "acme", "--before", "2999-01-01T00:00:00Z"]);
        assert_eq!(s.cli(&["audit", "--tenant", "acme"]), "");
        let (_, feed) = s.get("/api/v1/audit", &globex).await;
        assert_eq!(feed["total"], 1, "another tenant's events stay: {feed}");
    }
}
