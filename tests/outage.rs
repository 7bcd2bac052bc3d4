//! The server survives a PostgreSQL restart: requests during the outage get 503
//! in the JSON error shape, and it recovers by itself once the database is back.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::{Db, TestServer, fresh_postgres_database};
use serde_json::json;

/// A PostgreSQL cluster of this test's own, so stopping it disturbs no other test.
struct Cluster {
    dir: String,
}

impl Cluster {
    /// Starts the cluster on a port that was free a moment ago; its URL and
    /// port. A fixed port could be any client socket's (the range is the
    /// kernel's ephemeral one), so a port taken in between is tried again
    /// with another.
    fn start(dir: &str) -> (String, u16) {
        let mut failures = Vec::new();
        for _ in 0..3 {
            let port = std::net::TcpListener::bind("127.0.0.1:0")
                .and_then(|l| l.local_addr())
                .expect("a free loopback port")
                .port();
            match Cluster::start_on(dir, port) {
                Ok(url) => return (url, port),
                Err(why) => failures.push(why),
            }
        }
        panic!("the cluster did not start:\n{}", failures.join("\n"));
    }

    fn start_on(dir: &str, port: u16) -> Result<String, String> {
        let out = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pg-cluster"))
            .args(["start", dir, &port.to_string()])
            .output()
            .expect("run scripts/pg-cluster");
        if out.status.success() {
            return Ok(String::from_utf8_lossy(&out.stdout).trim().to_string());
        }
        let log = std::fs::read_to_string(format!("{dir}/server.log")).unwrap_or_default();
        Err(format!(
            "port {port}: {}{log}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }

    fn stop(dir: &str) {
        let _ = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pg-cluster"))
            .args(["stop", dir])
            .output();
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        Cluster::stop(&self.dir);
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[tokio::test]
async fn requests_during_a_database_outage_get_503_and_the_server_recovers() {
    // Needs PostgreSQL's binaries, which a set RAVEN_TEST_POSTGRES_URL promises.
    let Some(Db::Postgres(_)) = Db::postgres() else {
        return;
    };
    let dir = format!("/tmp/raven-outage-{}", raven_console::model::base62(8));
    let (admin, port) = Cluster::start(&dir);
    let cluster = Cluster { dir: dir.clone() };

    let s = TestServer::on_database(&fresh_postgres_database(&admin).await);
    s.tenant("Acme", "acme");
    let key = s.key("acme", "users:read,users:write");
    let (status, _) = s
        .post("/api/v1/users", &key, json!({"display_name": "Before"}))
        .await;
    assert_eq!(status, 201);

    Cluster::stop(&cluster.dir);
    let started = Instant::now();
    let (status, body) = s.get("/api/v1/users", &key).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "a request hung during the outage"
    );
    let (status, body) = s
        .post("/api/v1/users", &key, json!({"display_name": "During"}))
        .await;
    assert_eq!(status, 503, "{body}");
    // Not ready (take it out of the load balancer), but alive (do not restart it).
    let (status, body) = common::send(s.http.get(format!("{}/readyz", s.base))).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["error"]["code"], "unavailable");
    let (status, _) = common::send(s.http.get(format!("{}/healthz", s.base))).await;
    assert_eq!(status, 200);

    // The same port: the server's URL names it.
    if let Err(why) = Cluster::start_on(&dir, port) {
        panic!("the cluster did not start again: {why}");
    }
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let (status, body) = s.get("/api/v1/users", &key).await;
        if status == 200 {
            assert_eq!(body["total"], 1, "{body}");
            assert_eq!(body["users"][0]["display_name"], "Before");
            break;
        }
        assert_eq!(status, 503, "{body}");
        assert!(
            Instant::now() < deadline,
            "no recovery after the database came back"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let (status, _) = s
        .post("/api/v1/users", &key, json!({"display_name": "After"}))
        .await;
    assert_eq!(status, 201);
    let (status, body) = common::send(s.http.get(format!("{}/readyz", s.base))).await;
    assert_eq!((status.as_u16(), body), (200, json!({"status": "ready"})));
}
