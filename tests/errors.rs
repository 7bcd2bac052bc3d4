//! Every error status, each with the JSON error shape and a stable code, and
//! none of them writing anything.

mod common;

use common::{Db, TestServer, assert_error};
use reqwest::Method;
use serde_json::{Value, json};

struct Fixture {
    s: TestServer,
    key: String,
    id: String,
}

async fn fixture(db: Db) -> Fixture {
    let s = TestServer::start(db).await;
    s.tenant("Acme", "acme");
    let key = s.key("acme", "users:read,users:write");
    let (status, user) = s
        .post(
            "/api/v1/users",
            &key,
            json!({"external_ref": "user-1", "display_name": "One", "metadata": {"plan": "pro"}}),
        )
        .await;
    assert_eq!(status, 201);
    let id = user["user_id"].as_str().unwrap().to_string();
    Fixture { s, key, id }
}

impl Fixture {
    /// The user as both dialects show it, to prove a refused request changed nothing.
    async fn snapshot(&self) -> (Value, Value) {
        let raven = self
            .s
            .get(&format!("/api/v1/users/{}", self.id), &self.key)
            .await
            .1;
        let eai = self
            .s
            .get(&format!("/api/eai/v3/users/{}", self.id), &self.key)
            .await
            .1;
        (raven, eai)
    }

    async fn raw(
        &self,
        method: Method,
        path: &str,
        body: &'static str,
    ) -> (reqwest::StatusCode, Value) {
        common::send(
            self.s
                .req(method, path, &self.key)
                .header("Content-Type", "application/json")
                .body(body),
        )
        .await
    }
}

on_both_stores! {
    async fn bad_bodies_are_400_with_the_field_named_and_write_nothing(db) {
        let f = fixture(db).await;
        let before = f.snapshot().await;
        let raven = format!("/api/v1/users/{}", f.id);
        let eai = format!("/api/eai/v3/users/{}", f.id);
        let long = "x".repeat(201);
        let cases: Vec<(&str, Value, &str, &str)> = vec![
            (
                &raven,
                json!({"displayName": "x"}),
                "unknown_field",
                "displayName",
            ),
            (
                &eai,
                json!({"display_name": "x"}),
                "unknown_field",
                "display_name",
            ),
            (
                &raven,
                json!({"display_name": 5}),
                "invalid_request",
                "display_name",
            ),
            (
                &raven,
                json!({"display_name": long}),
                "invalid_request",
                "display_name",
            ),
            (
                &raven,
                json!({"metadata": [1, 2]}),
                "invalid_request",
                "metadata",
            ),
            (
                &raven,
                json!({"metadata": {"blob": "y".repeat(70_000)}}),
                "invalid_request",
                "metadata",
            ),
            (
                &eai,
                json!({"email": "not-an-email"}),
                "invalid_request",
                "email",
            ),
            (&eai, json!({"role": "owner"}), "invalid_request", "role"),
            (
                &eai,
                json!({"status": "deleted"}),
                "invalid_request",
                "status",
            ),
            (
                &eai,
                json!({"preferences": "dark"}),
                "invalid_request",
                "preferences",
            ),
            (
                &eai,
                json!({"name": "a\u{0007}b"}),
                "invalid_request",
                "name",
            ),
        ];
        for (path, body, code, field) in cases {
            let got = f.s.patch(path, &f.key, body.clone()).await;
            assert_error(&got, 400, code);
            assert_eq!(got.1["error"]["field"], field, "{body}: {}", got.1);
            assert!(
                got.1["error"]["message"].as_str().unwrap().contains(field),
                "{}",
                got.1
            );
        }
        for body in [
            "",
            "{",
            "[1]",
            "null",
            "\"x\"",
            "{\"display_name\": \"a\",}",
        ] {
            let got = f.raw(Method::PATCH, &raven, body).await;
            assert_eq!(got.0, 400, "{body:?}: {}", got.1);
            assert!(got.1["error"]["code"].is_string());
        }
        assert_eq!(f.snapshot().await, before);
    }
}

on_both_stores! {
    async fn bad_query_parameters_are_400(db) {
        let f = fixture(db).await;
        for q in [
            "limit=0",
            "limit=101",
            "limit=x",
            "offset=-1",
            "role=owner",
            "status=gone",
            "externalRef=1",
            "limit=1&limit=2",
        ] {
            for base in ["/api/v1/users", "/api/eai/v3/users"] {
                let got = f.s.get(&format!("{base}?{q}"), &f.key).await;
                assert_eq!(got.0, 400, "{base}?{q}: {}", got.1);
                assert!(got.1["error"]["message"].is_string());
            }
        }
        let got = f.s.get("/api/v1/users?limit=500", &f.key).await;
        assert_eq!(
            got.1,
            json!({"error": {"code": "invalid_request", "message": "limit must be between 1 and 100 (got \"500\")", "field": "limit"}})
        );
    }
}

on_both_stores! {
    async fn missing_unknown_and_revoked_keys_are_401(db) {
        let f = fixture(db).await;
        let url = format!("{}/api/v1/users", f.s.base);
        let got = common::send(f.s.http.get(&url)).await;
        assert_error(&got, 401, "unauthorized");
        let got = common::send(f.s.http.get(&url).header("Authorization", "Basic abc")).await;
        assert_error(&got, 401, "unauthorized");
        let fake = format!("rk_live_{}", "A".repeat(32));
        assert_error(&f.s.get("/api/v1/users", &fake).await, 401, "unauthorized");
        assert_error(
            &f.s.get("/api/v1/users", "garbage").await,
            401,
            "unauthorized",
        );

        let doomed = f.s.key("acme", "users:read");
        // Twice: the second is answered from what the first read (SQLite),
        // which the revocation by another process must still end at once.
        for _ in 0..2 {
            assert_eq!(f.s.get("/api/v1/users", &doomed).await.0, 200);
        }
        let prefix = &doomed[..16];
        let listed = f.s.cli(&["key", "list", "--tenant", "acme"]);
        assert!(
            listed.contains(prefix) && !listed.contains(&doomed),
            "{listed}"
        );
        f.s.cli(&["key", "revoke", prefix]);
        assert_error(
            &f.s.get("/api/v1/users", &doomed).await,
            401,
            "unauthorized",
        );
        assert!(
            f.s.cli(&["key", "list", "--tenant", "acme"])
                .contains("revoked")
        );
    }
}

on_both_stores! {
    async fn unknown_users_paths_and_methods_are_json_404_and_405(db) {
        let f = fixture(db).await;
        assert_error(
            &f.s.get("/api/v1/users/usr_nope", &f.key).await,
            404,
            "not_found",
        );
        assert_error(
            &f.s.get("/api/eai/v3/users/usr_nope", &f.key).await,
            404,
            "not_found",
        );
        let got =
            f.s.patch(
                "/api/v1/users/usr_nope",
                &f.key,
                json!({"display_name": "x"}),
            )
            .await;
        assert_error(&got, 404, "not_found");
        assert_error(&f.s.get("/api/v2/users", &f.key).await, 404, "not_found");
        let got =
            common::send(f.s.req(Method::PUT, &format!("/api/v1/users/{}", f.id), &f.key)).await;
        assert_error(&got, 405, "method_not_allowed");
        let got = f.s.get("/api/eai/v3/users/me", &f.key).await;
        assert_error(&got, 404, "no_current_user");
    }
}

on_both_stores! {
    async fn duplicates_are_409_naming_the_holder_and_write_nothing(db) {
        let f = fixture(db).await;
        let got =
            f.s.post("/api/v1/users", &f.key, json!({"external_ref": "user-1"}))
                .await;
        assert_error(&got, 409, "conflict");
        assert_eq!(got.1["error"]["field"], "external_ref");
        assert_eq!(got.1["error"]["user_id"], f.id.as_str());
        assert_eq!(f.s.get("/api/v1/users", &f.key).await.1["total"], 1);

        let (_, other) =
            f.s.post("/api/v1/users", &f.key, json!({"display_name": "Two"}))
                .await;
        let other = other["user_id"].as_str().unwrap();
        let ok =
            f.s.patch(
                &format!("/api/eai/v3/users/{}", f.id),
                &f.key,
                json!({"email": "one@example.com"}),
            )
            .await;
        assert_eq!(ok.0, 200);
        let got =
            f.s.patch(
                &format!("/api/eai/v3/users/{other}"),
                &f.key,
                json!({"email": "ONE@example.com", "name": "Changed"}),
            )
            .await;
        assert_error(&got, 409, "conflict");
        assert_eq!(got.1["error"]["user_id"], f.id.as_str());
        let (_, still) = f.s.get(&format!("/api/eai/v3/users/{other}"), &f.key).await;
        assert_eq!(still["name"], "Two");
        assert_eq!(still["email"], Value::Null);
    }
}

on_both_stores! {
    async fn a_stale_if_match_is_412_and_changes_nothing(db) {
        let f = fixture(db).await;
        let path = format!("/api/v1/users/{}", f.id);
        let (_, headers, _) = common::send_full(f.s.req(Method::GET, &path, &f.key)).await;
        let etag = headers["etag"].to_str().unwrap().to_string();
        assert_eq!(etag, "\"v1\"");

        let ok = common::send_full(
            f.s.req(Method::PATCH, &path, &f.key)
                .header("If-Match", &etag)
                .json(&json!({"display_name": "First"})),
        )
        .await;
        assert_eq!(ok.0, 200);
        let new_etag = ok.1["etag"].to_str().unwrap().to_string();
        assert_ne!(new_etag, etag);

        let before = f.snapshot().await;
        let stale = common::send_full(
            f.s.req(Method::PATCH, &path, &f.key)
                .header("If-Match", &etag)
                .json(&json!({"display_name": "Second"})),
        )
        .await;
        assert_eq!(stale.0, 412, "{}", stale.2);
        assert_eq!(stale.2["error"]["code"], "precondition_failed");
        assert_eq!(stale.1["etag"].to_str().unwrap(), new_etag);
        assert_eq!(f.snapshot().await, before);

        // Through the other dialect, the same version check holds.
        let eai = format!("/api/eai/v3/users/{}", f.id);
        let stale = common::send(
            f.s.req(Method::PATCH, &eai, &f.key)
                .header("If-Match", &etag)
                .json(&json!({"name": "Third"})),
        )
        .await;
        assert_eq!(stale.0, 412);
        let fresh = common::send(
            f.s.req(Method::PATCH, &eai, &f.key)
                .header("If-Match", &new_etag)
                .json(&json!({"name": "Third"})),
        )
        .await;
        assert_eq!(fresh.0, 200, "{}", fresh.1);
    }
}

on_both_stores! {
    async fn a_body_over_one_mib_is_413(db) {
        let f = fixture(db).await;
        let body = format!(
            "{{\"metadata\": {{\"blob\": \"{}\"}}}}",
            "z".repeat(1_100_000)
        );
        let got = common::send(
            f.s.req(Method::POST, "/api/v1/users", &f.key)
                .header("Content-Type", "application/json")
                .body(body),
        )
        .await;
        assert_error(&got, 413, "payload_too_large");
        assert_eq!(f.s.get("/api/v1/users", &f.key).await.1["total"], 1);
    }
}

on_both_stores! {
    async fn healthz_answers(db) {
        let f = fixture(db).await;
        let got = common::send(f.s.http.get(format!("{}/healthz", f.s.base))).await;
        assert_eq!(got, (reqwest::StatusCode::OK, json!({"status": "ok"})));
    }
}

on_both_stores! {
    async fn a_malformed_path_segment_is_a_json_400(db) {
        let f = fixture(db).await;
        for path in ["/api/v1/users/%FF%FE", "/api/eai/v3/users/%C3%28"] {
            let got = f.s.get(path, &f.key).await;
            assert_error(&got, 400, "invalid_request");
        }
    }
}

on_both_stores! {
    async fn control_characters_in_filters_are_400_on_every_store(db) {
        let f = fixture(db).await;
        for q in ["search=%00", "search=ab%00c", "external_ref=a%00b", "search=a%07bc"] {
            for base in ["/api/v1/users", "/api/eai/v3/users"] {
                let got = f.s.get(&format!("{base}?{q}"), &f.key).await;
                assert_error(&got, 400, "invalid_request");
            }
        }
    }
}
