//! The bulk runner (`console::bulk::run`) headless, against the real
//! raven-server and against a stand-in without ETags: each PATCH guarded by
//! the version read, a concurrent change reported as a conflict and left
//! alone, refusals by key, Esc mid-run, and a retry.

mod common;
mod standin;

use common::{Db, TestServer};
use raven_console::api::client::{Client, ListQuery};
use raven_console::console::bulk::run::{self, read};
use raven_console::console::bulk::{Change, MAX_MARKED, Outcome, Progress, Stop, Target, collect};
use raven_console::console::view::Dialects;
use raven_console::model::{Role, Status};
use serde_json::json;
use standin::{Dialect, KEY, Standin, Switches};
use tokio::sync::mpsc::unbounded_channel;

/// Runs `change` over `targets` and gathers every outcome.
async fn run_all(
    client: &Client,
    dialects: Dialects,
    targets: Vec<Target>,
    change: &Change,
) -> Vec<Progress> {
    let (tx, mut rx) = unbounded_channel();
    run::run(client, dialects, targets, change, tx, &Stop::default()).await;
    let mut out = Vec::new();
    while let Ok(p) = rx.try_recv() {
        out.push(p);
    }
    out
}

/// Every user of the tenant, read as a mark reads it.
async fn marked(client: &Client, d: Dialects) -> Vec<Target> {
    let all = collect(client, d, &ListQuery::default(), MAX_MARKED)
        .await
        .expect("collect");
    let mut out = Vec::new();
    for row in all.rows {
        let seen = read(client, d, &row.id).await.expect("read");
        out.push(Target {
            id: row.id,
            seen: Some(seen),
        });
    }
    out
}

/// Every user's status, through the API.
async fn statuses(s: &TestServer, key: &str) -> std::collections::HashMap<String, String> {
    let mut out = std::collections::HashMap::new();
    loop {
        let path = format!("/api/eai/v3/users?limit=100&offset={}", out.len());
        let (_, list) = s.get(&path, key).await;
        let rows = list["data"].as_array().cloned().unwrap_or_default();
        if rows.is_empty() {
            return out;
        }
        for u in rows {
            out.insert(
                u["id"].as_str().unwrap_or_default().to_string(),
                u["status"].as_str().unwrap_or_default().to_string(),
            );
        }
    }
}

async fn status_of(s: &TestServer, key: &str, id: &str) -> String {
    statuses(s, key).await.remove(id).unwrap_or_default()
}

#[tokio::test]
async fn a_user_changed_meanwhile_is_a_conflict_left_alone_and_a_retry_takes() {
    let s = TestServer::start(Db::Sqlite).await;
    s.tenant("Acme", "acme");
    let admin = s.key("acme", "users:read,users:write");
    s.seed("acme", 30);
    let client = Client::new(&s.base, Some(admin.clone())).unwrap();
    let before = statuses(&s, &admin).await;
    let targets = marked(&client, Dialects::BOTH).await;
    assert_eq!(targets.len(), 30);
    // Another admin changes one of them after it was marked.
    let theirs = targets[7].id.clone();
    let (code, _) = s
        .patch(
            &format!("/api/eai/v3/users/{theirs}"),
            &admin,
            json!({"name": "Renamed"}),
        )
        .await;
    assert_eq!(code, 200);

    let change = Change::Status(Status::Inactive);
    let out = run_all(&client, Dialects::BOTH, targets, &change).await;
    assert_eq!(out.len(), 30);
    let conflict: Vec<&Progress> = out
        .iter()
        .filter(|p| matches!(p.outcome, Outcome::Conflict(_)))
        .collect();
    assert_eq!(conflict.len(), 1, "{out:?}");
    assert_eq!(conflict[0].id, theirs);
    assert_eq!(
        out.iter().filter(|p| p.outcome == Outcome::Done).count(),
        29
    );
    let after = statuses(&s, &admin).await;
    for p in &out {
        let want = if p.id == theirs {
            before[&p.id].as_str()
        } else {
            "inactive"
        };
        assert_eq!(after[&p.id], want, "{}", p.id);
    }
    // The conflict came back with the version there now: a retry takes.
    let now = conflict[0].seen.clone();
    assert!(now.as_ref().is_some_and(|n| n.eai_etag.is_some()));
    let retry = vec![Target {
        id: theirs.clone(),
        seen: now,
    }];
    let out = run_all(&client, Dialects::BOTH, retry, &change).await;
    assert_eq!(out[0].outcome, Outcome::Done, "{out:?}");
    assert_eq!(status_of(&s, &admin, &theirs).await, "inactive");
}

#[tokio::test]
async fn metadata_and_preferences_change_one_key_and_keep_the_rest() {
    let s = TestServer::start(Db::Sqlite).await;
    s.tenant("Acme", "acme");
    let admin = s.key("acme", "users:read,users:write");
    let (_, u) = s
        .post(
            "/api/v1/users",
            &admin,
            json!({"display_name": "Mo", "metadata": {"team": "ops"}}),
        )
        .await;
    let id = u["user_id"].as_str().unwrap().to_string();
    s.patch(
        &format!("/api/eai/v3/users/{id}"),
        &admin,
        json!({"preferences": {"theme": "dark", "lang": "de"}}),
    )
    .await;
    let client = Client::new(&s.base, Some(admin.clone())).unwrap();
    for change in [
        Change::SetMetadata("plan".into(), json!("pro")),
        Change::RemovePreference("theme".into()),
        Change::Role(Role::Viewer),
    ] {
        let targets = marked(&client, Dialects::BOTH).await;
        let out = run_all(&client, Dialects::BOTH, targets, &change).await;
        assert_eq!(out[0].outcome, Outcome::Done, "{change:?}: {out:?}");
    }
    let (_, raven) = s.get(&format!("/api/v1/users/{id}"), &admin).await;
    assert_eq!(raven["metadata"], json!({"team": "ops", "plan": "pro"}));
    let (_, eai) = s.get(&format!("/api/eai/v3/users/{id}"), &admin).await;
    assert_eq!(eai["preferences"], json!({"lang": "de"}));
    assert_eq!(eai["role"], "viewer");
}

#[tokio::test]
async fn refusals_by_key_are_reported_and_write_nothing() {
    let s = TestServer::start(Db::Sqlite).await;
    s.tenant("Acme", "acme");
    let admin = s.key("acme", "users:read,users:write");
    s.seed("acme", 3);
    let admin_client = Client::new(&s.base, Some(admin.clone())).unwrap();
    let targets = marked(&admin_client, Dialects::BOTH).await;
    let me = targets[0].id.clone();
    // A member bound to one user may not change status, its own or another's.
    s.patch(
        &format!("/api/eai/v3/users/{me}"),
        &admin,
        json!({"role": "member"}),
    )
    .await;
    let bound = s.bound_key("acme", "users:read,users:write", &me);
    let reader = s.key("acme", "users:read");
    let before = statuses(&s, &admin).await;
    let change = Change::Status(Status::Inactive);
    for key in [bound, reader] {
        let client = Client::new(&s.base, Some(key)).unwrap();
        let fresh = marked(&admin_client, Dialects::BOTH).await;
        let out = run_all(&client, Dialects::BOTH, fresh, &change).await;
        assert_eq!(out.len(), 3);
        for p in &out {
            assert!(matches!(p.outcome, Outcome::Refused(_)), "{p:?}");
        }
    }
    // The console's --read-only refuses before sending.
    let ro = Client::new(&s.base, Some(admin.clone()))
        .unwrap()
        .read_only(true);
    let out = run_all(&ro, Dialects::BOTH, targets.clone(), &change).await;
    assert!(out.iter().all(|p| matches!(p.outcome, Outcome::Refused(_))));
    assert_eq!(statuses(&s, &admin).await, before, "nothing was written");
}

#[tokio::test]
async fn stop_sends_no_more_and_what_was_done_stays_done() {
    let s = TestServer::start(Db::Sqlite).await;
    s.tenant("Acme", "acme");
    let admin = s.key("acme", "users:read,users:write");
    s.seed("acme", 200);
    let client = Client::new(&s.base, Some(admin.clone())).unwrap();
    let before = statuses(&s, &admin).await;
    let all = collect(&client, Dialects::BOTH, &ListQuery::default(), MAX_MARKED)
        .await
        .unwrap();
    assert_eq!(all.rows.len(), 200);
    let targets: Vec<Target> = all
        .rows
        .iter()
        .map(|r| Target {
            id: r.id.clone(),
            seen: None,
        })
        .collect();
    let (tx, mut rx) = unbounded_channel();
    let stop = Stop::default();
    let runner = {
        let (client, stop) = (client.clone(), stop.clone());
        tokio::spawn(async move {
            let change = Change::Status(Status::Inactive);
            run::run(&client, Dialects::BOTH, targets, &change, tx, &stop).await;
        })
    };
    let first = rx.recv().await.expect("a first outcome");
    stop.stop();
    runner.await.unwrap();
    let mut out = vec![first];
    while let Ok(p) = rx.try_recv() {
        out.push(p);
    }
    assert_eq!(out.len(), 200);
    let done: Vec<&Progress> = out.iter().filter(|p| p.outcome == Outcome::Done).collect();
    let not_sent = out.iter().filter(|p| p.outcome == Outcome::NotSent).count();
    assert!(
        !done.is_empty() && not_sent > 100,
        "{} done, {not_sent} not sent",
        done.len()
    );
    assert_eq!(done.len() + not_sent, 200);
    let after = statuses(&s, &admin).await;
    for p in &out {
        let want = match p.outcome {
            Outcome::Done => "inactive",
            _ => before[&p.id].as_str(),
        };
        assert_eq!(after[&p.id], want, "{p:?}");
    }
}

#[tokio::test]
async fn a_server_without_etags_gets_no_if_match_and_the_run_still_works() {
    let bare = Standin::start(
        Dialect::Eai,
        Switches {
            no_etag: true,
            ..Switches::default()
        },
        5,
    );
    let client = Client::new(&bare.url, Some(KEY.into())).unwrap();
    let targets = marked(&client, Dialects::EAI).await;
    assert!(
        targets
            .iter()
            .all(|t| t.seen.as_ref().is_some_and(|s| s.eai_etag.is_none()))
    );
    let out = run_all(
        &client,
        Dialects::EAI,
        targets,
        &Change::Status(Status::Inactive),
    )
    .await;
    assert!(out.iter().all(|p| p.outcome == Outcome::Done), "{out:?}");
    for i in 1..=5 {
        assert_eq!(
            bare.user(&format!("user_{i:03}")).unwrap().status,
            "inactive"
        );
    }
    assert_eq!(bare.if_matches(), vec![None; 5]);

    // With ETags, each PATCH carries the one read.
    let tagged = Standin::start(Dialect::Eai, Switches::default(), 2);
    let client = Client::new(&tagged.url, Some(KEY.into())).unwrap();
    let targets = marked(&client, Dialects::EAI).await;
    let out = run_all(&client, Dialects::EAI, targets, &Change::Role(Role::Viewer)).await;
    assert!(out.iter().all(|p| p.outcome == Outcome::Done), "{out:?}");
    let mut sent = tagged.if_matches();
    sent.sort();
    assert_eq!(
        sent,
        vec![
            Some("W/\"user_001-1\"".to_string()),
            Some("W/\"user_002-1\"".to_string())
        ]
    );
}
