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
