//! Crash safety: writes in flight when the server is killed with SIGKILL. After
//! a restart every write that was answered 2xx is there, and no user is half
//! written.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::TestServer;
use serde_json::{Value, json};

/// What the writers were told succeeded.
#[derive(Default)]
struct Acked {
    /// (user id, display name) of each acknowledged create.
    created: Vec<(String, String)>,
    /// (user id, counter) of the last acknowledged PATCH of each writer's own user.
    patched: Vec<(String, i64)>,
}

/// Alternates creates and PATCHes of its own user until the server goes away.
/// Each write keeps `display_name` equal to `metadata.check`, so a half-written
/// user would show as a mismatch.
async fn writer(base: String, key: String, n: usize, acked: Arc<Mutex<Acked>>) {
    let http = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let url = format!("{base}/api/v1/users");
    let create = |name: String| {
        http.post(&url)
            .bearer_auth(&key)
            .json(&json!({"display_name": name, "metadata": {"check": name}}))
            .send()
    };
    let Ok(resp) = create(format!("w{n}-own")).await else {
        return;
    };
    let Ok(own) = resp.json::<Value>().await else {
        return;
    };
    let own = own["user_id"].as_str().unwrap_or_default().to_string();
    for i in 1.. {
        let name = format!("w{n}-{i}");
        let Ok(resp) = create(name.clone()).await else {
            return;
        };
        if resp.status() != 201 {
            return;
        }
        let Ok(body) = resp.json::<Value>().await else {
            return;
        };
        let id = body["user_id"].as_str().unwrap_or_default().to_string();
        acked.lock().unwrap().created.push((id, name.clone()));

        let patched = http
            .patch(format!("{url}/{own}"))
            .bearer_auth(&key)
            .json(&json!({"display_name": format!("own-{i}"), "metadata": {"check": format!("own-{i}"), "counter": i}}))
            .send()
            .await;
        match patched {
            Ok(r) if r.status() == 200 => acked.lock().unwrap().patched.push((own.clone(), i)),
            _ => return,
        }
    }
}

on_both_stores! {
    async fn every_acknowledged_write_survives_a_sigkill_and_none_is_half_written(db) {
        let mut s = TestServer::start(db).await;
        s.tenant("Acme", "acme");
        let key = s.key("acme", "users:read,users:write");
        let acked = Arc::new(Mutex::new(Acked::default()));
        let writers: Vec<_> = (0..4)
            .map(|n| tokio::spawn(writer(s.base.clone(), key.clone(), n, acked.clone())))
            .collect();
        tokio::time::sleep(Duration::from_millis(700)).await;
        s.kill();
        for w in writers {
            let _ = w.await;
        }
        let s = s.restart();

        let acked = std::mem::take(&mut *acked.lock().unwrap());
        assert!(acked.created.len() > 20, "too few writes before the kill: {}", acked.created.len());
        for (id, name) in &acked.created {
            let (status, user) = s.get(&format!("/api/v1/users/{id}"), &key).await;
            assert_eq!(status, 200, "acknowledged create of {name} lost");
            assert_eq!(user["display_name"], name.as_str());
            let (_, history) = s.get(&format!("/api/v1/users/{id}/history"), &key).await;
            let first = history["events"].as_array().unwrap().last().cloned().unwrap_or_default();
            assert_eq!(first["action"], "create", "acknowledged create of {name} has no event: {history}");
            assert_eq!(first["changes"]["display_name"]["to"], name.as_str(), "{history}");
        }
        let mut last = std::collections::HashMap::new();
        for (id, i) in &acked.patched {
            last.insert(id.clone(), *i);
        }
        for (id, i) in &last {
            let (_, user) = s.get(&format!("/api/v1/users/{id}"), &key).await;
            // The PATCH after the last acknowledged one may have committed unanswered.
            let counter = user["metadata"]["counter"].as_i64().unwrap();
            assert!(counter == *i || counter == i + 1, "acknowledged PATCH {i} lost: {user}");
            let (_, history) = s.get(&format!("/api/v1/users/{id}/history?limit=100"), &key).await;
            let events = history["events"].as_array().unwrap();
            assert!(
                events.iter().any(|e| e["changes"]["metadata"]["to"]["counter"] == *i),
                "acknowledged PATCH {i} of {id} has no audit event: {history}"
            );
        }
        // No user anywhere is half written.
        let mut offset = 0;
        loop {
            let (_, page) = s.get(&format!("/api/v1/users?limit=100&offset={offset}"), &key).await;
            let users = page["users"].as_array().unwrap().clone();
            if users.is_empty() {
                break;
            }
            for u in &users {
                let (_, full) = s.get(&format!("/api/v1/users/{}", u["user_id"].as_str().unwrap()), &key).await;
                assert_eq!(full["display_name"], full["metadata"]["check"], "half-written: {full}");
                // One event per version, newest first: every write has its
                // event, and no event outlived its write.
                let id = full["user_id"].as_str().unwrap();
                let etag = s.req(reqwest::Method::GET, &format!("/api/v1/users/{id}"), &key)
                    .send().await.unwrap().headers()["etag"].to_str().unwrap().to_string();
                let version: i64 = etag.trim_matches('"').trim_start_matches('v').parse().unwrap();
                let (_, history) = s.get(&format!("/api/v1/users/{id}/history?limit=1"), &key).await;
                assert_eq!(history["total"], version, "{id} at version {version}: {history}");
                assert_eq!(history["events"][0]["version"], version, "{history}");
                assert_eq!(history["events"][0]["changes"]["display_name"]["to"], full["display_name"], "{history}");
            }
            offset += users.len();
        }
    }
}
