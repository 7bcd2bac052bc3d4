//! `raven-server backup`: a consistent copy of a live SQLite database, taken
//! while writes go on, holding every write acknowledged before it began.

mod common;

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use common::{BIN, Db, TestServer};
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_during_writes_is_whole_and_holds_every_acknowledged_write() {
    let s = Arc::new(TestServer::start(Db::Sqlite).await);
    s.tenant("Acme", "acme");
    s.seed("acme", 20_000);
    let key = s.key("acme", "users:read,users:write");
    let acked: Arc<Mutex<Vec<String>>> = Arc::default();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let writers: Vec<_> = (0..3)
        .map(|w| {
            let (s, key, acked, stop) = (s.clone(), key.clone(), acked.clone(), stop.clone());
            tokio::spawn(async move {
                let mut i = 0;
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let (status, u) = s
                        .post(
                            "/api/v1/users",
                            &key,
                            json!({"display_name": format!("W{w}-{i}")}),
                        )
                        .await;
                    assert_eq!(status, 201, "{u}");
                    acked
                        .lock()
                        .unwrap()
                        .push(u["user_id"].as_str().unwrap().to_string());
                    i += 1;
                }
            })
        })
        .collect();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("backup.db");
    let before: Vec<String> = acked.lock().unwrap().clone();
    let out = std::process::Command::new(BIN)
        .args([
            "backup",
            "--to",
            file.to_str().unwrap(),
            "--database",
            &s.database,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for w in writers {
        w.await.unwrap();
    }
    let after = acked.lock().unwrap().len();
    assert!(after > before.len(), "the writes stopped during the backup");

    let copy = rusqlite::Connection::open(&file).unwrap();
    let check: String = copy
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .unwrap();
    assert_eq!(check, "ok");
    let mut ids = copy.prepare("SELECT id FROM users").unwrap();
    let stored: HashSet<String> = ids
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let missing: Vec<&String> = before.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(
        missing.is_empty(),
        "{} acknowledged writes missing",
        missing.len()
    );
    assert!(stored.len() >= 20_000 + before.len());
    // No partial file is left beside it.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);

    // A second backup to the same name is refused, and the first is untouched.
    let again = std::process::Command::new(BIN)
        .args([
            "backup",
            "--to",
            file.to_str().unwrap(),
            "--database",
            &s.database,
        ])
        .output()
        .unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));
}

#[tokio::test]
async fn against_postgres_backup_says_to_use_pg_dump() {
    let Some(Db::Postgres(admin)) = Db::postgres() else {
        eprintln!("skipped: RAVEN_TEST_POSTGRES_URL is not set");
        return;
    };
    let database = common::fresh_postgres_database(&admin).await;
    let out = std::process::Command::new(BIN)
        .args([
            "backup",
            "--to",
            "/tmp/never-written.dump",
            "--database",
            &database,
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("pg_dump --format=custom --file=/tmp/never-written.dump"),
        "{err}"
    );
    assert!(!std::path::Path::new("/tmp/never-written.dump").exists());
}
