//! The console's client against a real in-process server: dialect detection,
//! who a key acts as, joined lists, combined detail, and error mapping.

use std::sync::Arc;

use raven_console::admin::{self, Scope};
use raven_console::api::client::{Client, ClientError, Dialects, ListQuery, Principal};
use raven_console::model::Role;
use raven_console::{server, store};

async fn serve(dir: &std::path::Path) -> (String, Arc<dyn store::Store>) {
    let store = store::open(&format!("sqlite://{}", dir.join("raven.db").display()))
        .await
        .unwrap();
    admin::create_tenant(&*store, "Acme", Some("acme"))
        .await
        .unwrap();
    admin::seed(&*store, "acme", 30).await.unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(server::serve(
        listener,
        store.clone(),
        std::future::pending(),
    ));
    (url, store)
}

#[tokio::test]
async fn a_tenant_key_sees_both_dialects_joined() {
    let dir = tempfile::tempdir().unwrap();
    let (url, store) = serve(dir.path()).await;
    let key = admin::create_key(&*store, "acme", &[Scope::UsersRead], None)
        .await
        .unwrap();
    let c = Client::new(&url, Some(key)).unwrap();

    assert_eq!(c.detect().await.unwrap(), Dialects::BOTH);
    assert_eq!(c.me().await.unwrap(), Principal::Tenant);

    let q = ListQuery {
        limit: 7,
        offset: 7,
        ..ListQuery::default()
    };
    let page = c.list(Dialects::BOTH, &q).await.unwrap();
    assert_eq!((page.rows.len(), page.total), (7, 30));
    assert!(
        page.rows
            .iter()
            .all(|r| r.role.is_some() && r.created_at.is_some())
    );

    let admins = ListQuery {
        limit: 100,
        role: Some(Role::Admin),
        ..ListQuery::default()
    };
    let page = c.list(Dialects::BOTH, &admins).await.unwrap();
    assert!(page.rows.iter().all(|r| r.role == Some(Role::Admin)));
    assert_eq!(page.rows.len() as u64, page.total);

    let id = page.rows.first().map(|r| r.id.clone()).unwrap_or_default();
    if !id.is_empty() {
        let d = c.get(Dialects::BOTH, &id).await.unwrap();
        assert!(d.raven.is_some() && d.eai.is_some());
        assert!(d.etag.unwrap().starts_with("\"v"));
    }

    let err = c
        .get(Dialects::BOTH, "usr_doesnotexist00")
        .await
        .unwrap_err();
    assert!(matches!(err, ClientError::NotFound { .. }), "{err:?}");
}

#[tokio::test]
async fn a_key_bound_to_a_member_acts_as_that_user() {
    let dir = tempfile::tempdir().unwrap();
    let (url, store) = serve(dir.path()).await;
    let tenant_key = admin::create_key(&*store, "acme", &[Scope::UsersRead], None)
        .await
        .unwrap();
    let members = ListQuery {
        limit: 1,
        role: Some(Role::Member),
        ..ListQuery::default()
    };
    let member = Client::new(&url, Some(tenant_key))
        .unwrap()
        .list(Dialects::BOTH, &members)
        .await
        .unwrap()
        .rows
        .remove(0);
    let key = admin::create_key(&*store, "acme", &[Scope::UsersRead], Some(&member.id))
        .await
        .unwrap();
    let c = Client::new(&url, Some(key)).unwrap();

    // The lists refuse a member's key, but both dialects are there.
    assert_eq!(c.detect().await.unwrap(), Dialects::BOTH);
    match c.me().await.unwrap() {
        Principal::User(u) => assert_eq!(u.id, member.id),
        other => panic!("{other:?}"),
    }
    let err = c
        .list(
            Dialects::BOTH,
            &ListQuery {
                limit: 5,
                ..ListQuery::default()
            },
        )
        .await;
    assert!(matches!(err, Err(ClientError::Forbidden { .. })), "{err:?}");
}

#[tokio::test]
async fn an_unknown_key_is_unauthorized_and_not_transient() {
    let dir = tempfile::tempdir().unwrap();
    let (url, _store) = serve(dir.path()).await;
    let c = Client::new(&url, Some("rk_live_nope".into())).unwrap();
    let err = c.detect().await.unwrap_err();
    assert!(matches!(err, ClientError::Unauthorized { .. }), "{err:?}");
    assert!(!err.is_transient());
}
