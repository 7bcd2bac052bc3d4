//! The server process: it shuts down cleanly on SIGTERM and keeps its data.

mod common;

use std::process::Command;
use std::time::{Duration, Instant};

use common::TestServer;
use serde_json::json;

on_both_stores! {
    async fn sigterm_stops_the_server_cleanly_and_the_data_survives_a_restart(db) {
        let mut s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        let (status, _) = s
            .post("/api/v1/users", &key, json!({"display_name": "Kept"}))
            .await;
        assert_eq!(status, 201);

        let pid = s.pid().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let started = Instant::now();
        let code = loop {
            if let Some(status) = s.try_wait() {
                break status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "still running after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(20));
        };
        assert!(code.success(), "exit status {code:?}");

        let again = s.restart();
        let (_, list) = again.get("/api/v1/users", &key).await;
        assert_eq!(list["total"], 1);
        assert_eq!(list["users"][0]["display_name"], "Kept");
    }
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let s = TestServer::start(common::Db::Sqlite).await;
    let addr = s.base.trim_start_matches("http://").to_string();
    let mut slow = tokio::net::TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(30), slow.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the half-sent request was held open for 30 s");
    assert!(
        started.elapsed() >= Duration::from_secs(5),
        "cut off too early"
    );
    // Others were served meanwhile.
    let (status, _) = common::send(s.http.get(format!("{}/healthz", s.base))).await;
    assert_eq!(status, 200);
}
