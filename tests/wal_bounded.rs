//! The SQLite log stays bounded under a steady write load. The server turns off
//! SQLite's checkpoint-in-the-commit and checkpoints on a thread of its own; if
//! that thread stopped keeping up (or stopped), the log would grow by every
//! write, which this test would see within seconds.

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use common::TestServer;
use serde_json::{Value, json};

/// Three times the checkpointer's hard limit (16 MiB of 4 KiB pages): the log
/// grows on while a checkpoint waits its turn behind the queued writes and
/// then for its readers (on 2 loaded cores it peaked at 36 MB once).
const BOUND: u64 = 48 * 1024 * 1024;
/// Bytes of metadata each write stores: four overflow pages in the user's row
/// and eight in its audit event (the value before and after).
const PAD: usize = 16 * 1024;

#[tokio::test]
async fn the_log_stays_bounded_under_steady_writes_and_reads() {
    let s = TestServer::start(common::Db::Sqlite).await;
    s.tenant("Acme", "acme");
    let key = s.key("acme", "users:read,users:write");
    s.seed("acme", 2_000);
    let wal = format!("{}-wal", s.database.trim_start_matches("sqlite://"));

    let (_, page) = s.get("/api/v1/users?limit=100", &key).await;
    let ids: Vec<String> = page["users"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["user_id"].as_str().unwrap().to_string())
        .collect();

    let stop = Arc::new(AtomicBool::new(false));
    let writes = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::new();
    for w in 0..4 {
        let (base, key, ids) = (s.base.clone(), key.clone(), ids.clone());
        let (stop, writes) = (stop.clone(), writes.clone());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            let mut i = 0usize;
            while !stop.load(Ordering::Relaxed) {
                let id = &ids[(w * 25 + i) % ids.len()];
                let resp = http
                    .patch(format!("{base}/api/v1/users/{id}"))
                    .bearer_auth(&key)
                    // A metadata blob of 16 KiB, so each write adds pages to the log.
                    .json(&json!({"display_name": format!("w{w} {i}"), "metadata": {"pad": "x".repeat(PAD), "i": i}}))
                    .send()
                    .await
                    .expect("patch");
                assert_eq!(resp.status(), 200, "{:?}", resp.text().await);
                writes.fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        }));
    }
    for _ in 0..2 {
        let (base, key, stop) = (s.base.clone(), key.clone(), stop.clone());
        tasks.push(tokio::spawn(async move {
            let http = reqwest::Client::new();
            while !stop.load(Ordering::Relaxed) {
                let page: Value = http
                    .get(format!("{base}/api/v1/users?limit=50&search=son"))
                    .bearer_auth(&key)
                    .send()
                    .await
                    .expect("list")
                    .json()
                    .await
                    .expect("json");
                assert!(page["users"].is_array(), "{page}");
            }
        }));
    }

    // Runs until the writes are enough to have grown an unchecked log past
    // three times the bound (by their overflow pages alone).
    let needed = 3 * BOUND / (12 * 4096);
    let started = Instant::now();
    let mut largest = 0u64;
    while writes.load(Ordering::Relaxed) < needed && started.elapsed() < Duration::from_secs(120) {
        let size = std::fs::metadata(&wal).map(|m| m.len()).unwrap_or(0);
        largest = largest.max(size);
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    stop.store(true, Ordering::Relaxed);
    for t in tasks {
        t.await.expect("load task");
    }

    let writes = writes.load(Ordering::Relaxed);
    assert!(
        writes >= needed,
        "too few writes to test the bound: {writes}"
    );
    assert!(
        largest < BOUND,
        "the log grew to {largest} bytes over {writes} writes"
    );
    eprintln!("{writes} writes; the log peaked at {largest} bytes");
}
