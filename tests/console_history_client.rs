//! The console's audit-trail requests against a real in-process raven-server:
//! a user's history paged, the tenant's feed filtered by user and actor, the
//! probe, and the refusals a bound key meets.

use std::sync::Arc;

use raven_console::admin::{self, Scope};
use raven_console::api::client::{AuditQuery, Client, ClientError};
use raven_console::api::raven::{CreateUser, PatchUser};
use raven_console::{server, store};
use serde_json::json;

async fn serve(dir: &std::path::Path) -> (String, Arc<dyn store::Store>) {
    let store = store::open(&format!("sqlite://{}", dir.join("raven.db").display()))
        .await
        .unwrap();
    admin::create_tenant(&*store, "Acme", Some("acme"))
        .await
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(server::serve(
        listener,
        store.clone(),
        std::future::pending(),
    ));
    (url, store)
}

async fn create(c: &Client, name: &str) -> String {
    let user = CreateUser {
        display_name: Some(name.into()),
        ..CreateUser::default()
    };
    c.create(&user).await.unwrap().0.user_id
}

async fn rename(c: &Client, id: &str, name: &str) {
    let patch = PatchUser {
        display_name: Some(Some(name.into())),
        ..PatchUser::default()
    };
    c.patch_raven(id, &patch, None).await.unwrap();
}

#[tokio::test]
async fn history_pages_newest_first_and_the_feed_filters_by_user_and_actor() {
    let dir = tempfile::tempdir().unwrap();
    let (url, store) = serve(dir.path()).await;
    let key = admin::create_key(
        &*store,
        "acme",
        &[Scope::UsersRead, Scope::UsersWrite],
        None,
    )
    .await
    .unwrap();
    let c = Client::new(&url, Some(key)).unwrap();
    assert!(c.has_audit().await.unwrap());

    let ada = create(&c, "Ada").await;
    let bob = create(&c, "Bob").await;
    rename(&c, &ada, "Ada L.").await;
    rename(&c, &ada, "Ada Lovelace").await;

    let first = c.history(&ada, 2, 0).await.unwrap();
    assert_eq!(first.total, 3);
    let versions: Vec<i64> = first.events.iter().map(|e| e.version).collect();
    assert_eq!(versions, [3, 2], "newest first");
    assert_eq!(
        first.events[0].changes["display_name"].from,
        json!("Ada L.")
    );
    let rest = c.history(&ada, 2, 2).await.unwrap();
    assert_eq!(rest.events.len(), 1);
    assert_eq!(rest.events[0].action, "create");

    let all = c
        .audit(&AuditQuery {
            limit: 10,
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(all.total, 4);
    assert_eq!(all.events[0].user_id.as_deref(), Some(ada.as_str()));
    let only_bob = c
        .audit(&AuditQuery {
            limit: 10,
            user_id: Some(bob.clone()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(only_bob.total, 1);
    let prefix = c.key_info().await.unwrap().unwrap().key;
    let by_key = c
        .audit(&AuditQuery {
            limit: 10,
            actor: Some(prefix.clone()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    // The prefix as the key endpoint shows it, with its ellipsis, matches the events' key.
    assert!(prefix.ends_with('…'), "{prefix}");
    assert_eq!(by_key.total, 4);
    let bare = prefix.trim_end_matches('…');
    assert!(
        by_key
            .events
            .iter()
            .all(|e| e.actor.key.as_deref() == Some(bare))
    );
}

#[tokio::test]
async fn a_key_bound_to_a_member_sees_its_own_history_only() {
    let dir = tempfile::tempdir().unwrap();
    let (url, store) = serve(dir.path()).await;
    let key = admin::create_key(
        &*store,
        "acme",
        &[Scope::UsersRead, Scope::UsersWrite],
        None,
    )
    .await
    .unwrap();
    let admin_client = Client::new(&url, Some(key)).unwrap();
    let me = create(&admin_client, "Me").await;
    let other = create(&admin_client, "Other").await;
    let bound = admin::create_key(&*store, "acme", &[Scope::UsersRead], Some(&me))
        .await
        .unwrap();
    let c = Client::new(&url, Some(bound)).unwrap();
    // The feed is refused to it, which still says the server has one.
    assert!(c.has_audit().await.unwrap());
    assert_eq!(c.history(&me, 10, 0).await.unwrap().total, 1);
    assert!(matches!(
        c.history(&other, 10, 0).await,
        Err(ClientError::Forbidden { .. })
    ));
    assert!(matches!(
        c.audit(&AuditQuery {
            limit: 10,
            ..AuditQuery::default()
        })
        .await,
        Err(ClientError::Forbidden { .. })
    ));
}
