//! `raven-server import`: every line checked first, each bad one named by
//! line and field, nothing written unless all are good (or --skip-invalid),
//! and a tenant's users round-trip into an empty one.

mod common;

use std::process::Command;

use common::{BIN, TestServer};
use serde_json::{Value, json};

fn import(s: &TestServer, args: &[&str]) -> (bool, String) {
    let out = Command::new(BIN)
        .arg("import")
        .args(args)
        .args(["--database", &s.database])
        .output()
        .expect("run raven-server import");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &tempfile::TempDir, name: &str, text: &str) -> String {
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

async fn total(s: &TestServer, key: &str) -> u64 {
    s.get("/api/v1/users", key).await.1["total"]
        .as_u64()
        .unwrap()
}

on_both_stores! {
    async fn a_good_csv_goes_in_whole_with_every_field(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read");
        let dir = tempfile::tempdir().unwrap();
        let file = write(&dir, "users.csv", "\
id,name,email,external_ref,role,status,metadata,preferences,created_at,last_login_at
usr_old1,Ada Lovelace,ADA@example.com,cus_1,admin,active,\"{\"\"plan\"\":\"\"pro\"\"}\",\"{\"\"theme\"\":\"\"dark\"\"}\",2024-01-15T10:30:00.000Z,2026-03-11T09:30:00.000Z
usr_old2,Bo Diddley,,cus_2,viewer,inactive,,,2024-01-16T10:30:00.000Z,
");
        let (ok, err) = import(&s, &["--tenant", "acme", &file]);
        assert!(ok, "{err}");
        assert!(err.contains("imported 2 users"), "{err}");
        let (_, list) = s.get("/api/eai/v3/users?search=ada", &key).await;
        let ada = &list["data"][0];
        assert_eq!(ada["email"], "ada@example.com");
        assert_eq!(ada["role"], "admin");
        assert_eq!(ada["lastLoginAt"], "2026-03-11T09:30:00.000Z");
        let id = ada["id"].as_str().unwrap();
        assert_ne!(id, "usr_old1", "ids are new in the tenant");
        let (_, raven) = s.get(&format!("/api/v1/users/{id}"), &key).await;
        assert_eq!(raven["metadata"], json!({"plan": "pro"}));
        assert_eq!(raven["external_ref"], "cus_1");
        assert_eq!(raven["created_at"], "2024-01-15T10:30:00.000Z");
        let (_, eai) = s.get(&format!("/api/eai/v3/users/{id}"), &key).await;
        assert_eq!(eai["preferences"], json!({"theme": "dark"}));
        let (_, bo) = s.get("/api/eai/v3/users?status=inactive", &key).await;
        assert_eq!(bo["data"][0]["name"], "Bo Diddley");
        assert_eq!(bo["data"][0]["role"], "viewer");
    }
}

on_both_stores! {
    async fn bad_lines_are_named_and_nothing_is_written_unless_skipped(db) {
        let s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        s.post("/api/v1/users", &key, json!({"external_ref": "cus_taken"})).await;
        let dir = tempfile::tempdir().unwrap();
        let file = write(&dir, "users.ndjson", &[
            json!({"name": "Good One", "email": "one@x.test", "external_ref": "cus_a"}),
            json!({"name": "Bad Role", "role": "owner"}),
            json!({"name": "Twice", "email": "ONE@x.test"}),
            json!({"name": "Taken", "external_ref": "cus_taken"}),
            json!({"name": "Bad Meta", "metadata": [1, 2], "created_at": "last week"}),
            json!({"name": "Good Two", "preferences": {"n": 12345678901234567890123_u128}}),
        ].iter().map(Value::to_string).collect::<Vec<_>>().join("\n"));
        let (ok, err) = import(&s, &["--tenant", "acme", &file]);
        assert!(!ok);
        for expected in [
            "line 2: role:",
            "line 3: email: \"one@x.test\" is also on line 1",
            "line 4: external_ref: \"cus_taken\" already belongs to a user of this tenant",
            "line 5: metadata:",
            "line 5: created_at:",
            "nothing was written",
        ] {
            assert!(err.contains(expected), "{expected:?} missing in:\n{err}");
        }
        assert_eq!(total(&s, &key).await, 1, "a refused import wrote users");

        let (ok, err) = import(&s, &["--tenant", "acme", "--skip-invalid", &file]);
        assert!(ok, "{err}");
        assert!(err.contains("imported 2 users into acme; skipped 4 lines"), "{err}");
        assert_eq!(total(&s, &key).await, 3);
    }
}

on_both_stores! {
    async fn a_tenant_round_trips_into_an_empty_one(db) {
        let s = TestServer::start(db).await;
        s.tenant("Source", "source");
        s.tenant("Copy", "copy");
        s.seed("source", 120);
        let from = s.key("source", "users:read");
        let to = s.key("copy", "users:read");
        // What an export writes: every page of both views, joined by id.
        let mut lines = Vec::new();
        let mut exported = Vec::new();
        for offset in (0..120).step_by(100) {
            let (_, eai) = s.get(&format!("/api/eai/v3/users?limit=100&offset={offset}"), &from).await;
            for u in eai["data"].as_array().unwrap() {
                let id = u["id"].as_str().unwrap();
                let (_, r) = s.get(&format!("/api/v1/users/{id}"), &from).await;
                let (_, e) = s.get(&format!("/api/eai/v3/users/{id}"), &from).await;
                let row = json!({
                    "id": id, "name": e["name"], "email": e["email"], "external_ref": r["external_ref"],
                    "role": e["role"], "status": u["status"], "metadata": r["metadata"],
                    "preferences": e["preferences"], "avatar": e["avatar"],
                    "created_at": r["created_at"], "last_login_at": e["lastLoginAt"],
                });
                lines.push(row.to_string());
                exported.push(row);
            }
        }
        assert_eq!(exported.len(), 120);
        let dir = tempfile::tempdir().unwrap();
        let file = write(&dir, "source.ndjson", &lines.join("\n"));
        let (ok, err) = import(&s, &["--tenant", "copy", &file]);
        assert!(ok, "{err}");

        let (_, list) = s.get("/api/eai/v3/users?limit=100", &to).await;
        assert_eq!(list["total"], 120);
        for want in &exported {
            let q: String = url::form_urlencoded::byte_serialize(
                want["external_ref"].as_str().unwrap().as_bytes(),
            )
            .collect();
            let (_, found) = s.get(&format!("/api/v1/users?external_ref={q}"), &to).await;
            assert_eq!(found["total"], 1, "{want}");
            let id = found["users"][0]["user_id"].as_str().unwrap();
            let (_, r) = s.get(&format!("/api/v1/users/{id}"), &to).await;
            let (_, e) = s.get(&format!("/api/eai/v3/users/{id}"), &to).await;
            for (got, field) in [
                (&e["name"], "name"), (&e["email"], "email"), (&e["role"], "role"),
                (&r["metadata"], "metadata"), (&e["preferences"], "preferences"),
                (&e["avatar"], "avatar"), (&r["created_at"], "created_at"),
                (&e["lastLoginAt"], "last_login_at"),
            ] {
                assert_eq!(got, &want[field], "{field} of {want}");
            }
            let (_, st) = s.get(&format!("/api/eai/v3/users?external_ref={q}"), &to).await;
            assert_eq!(st["data"][0]["status"], want["status"]);
        }
    }
}

#[test]
fn an_unknown_column_or_a_missing_file_is_one_clear_line() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let s = rt.block_on(TestServer::start(common::Db::Sqlite));
    s.tenant("Acme", "acme");
    let dir = tempfile::tempdir().unwrap();
    let file = write(&dir, "users.csv", "name,nickname\nAda,A\n");
    let (ok, err) = import(&s, &["--tenant", "acme", &file]);
    assert!(!ok);
    assert!(err.contains("line 1: unknown column \"nickname\""), "{err}");
    let (ok, err) = import(&s, &["--tenant", "acme", "/nonexistent/users.csv"]);
    assert!(!ok);
    assert!(err.contains("reading /nonexistent/users.csv"), "{err}");
    let (ok, err) = import(&s, &["--tenant", "nope", &file]);
    assert!(!ok);
    assert!(err.contains("no tenant \"nope\""), "{err}");
}
