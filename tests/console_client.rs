//! The console's client against a real in-process server: dialect detection,
//! who a key acts as, joined lists, combined detail, and error mapping.

use std::sync::Arc;

use raven_console::admin::{self, Scope};
use raven_console::api::client::{Client, ClientError, ListQuery};
use raven_console::console::view::{ActingAs, BothViews, Dialects};
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
    assert_eq!(c.me().await.unwrap(), ActingAs::Tenant);

    let q = ListQuery {
        limit: 7,
        offset: 7,
        ..ListQuery::default()
    };
    let page = c.list(Dialects::BOTH, &q).await.unwrap();
    assert_eq!((page.rows.len(), page.total), (7, Some(30)));
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
    assert_eq!(Some(page.rows.len() as u64), page.total);

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
    // An active one: every key of an inactive user is refused (403 user_inactive).
    let members = ListQuery {
        limit: 1,
        role: Some(Role::Member),
        status: Some(raven_console::model::Status::Active),
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
        ActingAs::User(u) => assert_eq!(u.id, member.id),
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
async fn the_key_endpoint_tells_a_key_its_powers_and_never_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let (url, store) = serve(dir.path()).await;
    let read = admin::create_key(&*store, "acme", &[Scope::UsersRead], None)
        .await
        .unwrap();
    let c = Client::new(&url, Some(read.clone())).unwrap();
    let info = c
        .key_info()
        .await
        .unwrap()
        .expect("raven-server has /api/v1/key");
    assert_eq!(info.scopes, ["users:read"]);
    assert!(!info.may_write());
    assert_eq!(info.user_id, None);
    assert!(info.tenant_id.starts_with("ten_"), "{info:?}");
    // The public prefix only, as `key list` shows it: never enough to use the key.
    assert!(
        info.key.starts_with(&read[..16]) && info.key.ends_with('…'),
        "{info:?}"
    );
    assert!(!info.key.contains(&read), "{info:?}");

    let member = Client::new(&url, Some(read))
        .unwrap()
        .list(
            Dialects::BOTH,
            &ListQuery {
                limit: 1,
                status: Some(raven_console::model::Status::Active),
                ..ListQuery::default()
            },
        )
        .await
        .unwrap()
        .rows
        .remove(0);
    let bound = admin::create_key(
        &*store,
        "acme",
        &[Scope::UsersRead, Scope::UsersWrite],
        Some(&member.id),
    )
    .await
    .unwrap();
    let info = Client::new(&url, Some(bound))
        .unwrap()
        .key_info()
        .await
        .unwrap()
        .unwrap();
    assert!(info.may_write());
    assert_eq!(info.user_id.as_deref(), Some(member.id.as_str()));

    let err = Client::new(&url, Some("rk_live_nope".into()))
        .unwrap()
        .key_info()
        .await;
    assert!(
        matches!(err, Err(ClientError::Unauthorized { .. })),
        "{err:?}"
    );
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

mod save {
    use super::*;
    use raven_console::api::raven::{CreateUser, PatchUser};
    use raven_console::api::{eai, raven};
    use raven_console::console::edit::patch::Patches;
    use raven_console::console::edit::save::save;
    use serde_json::json;

    async fn writer(dir: &std::path::Path) -> (Client, String) {
        let (url, store) = serve(dir).await;
        let key = admin::create_key(
            &*store,
            "acme",
            &[Scope::UsersRead, Scope::UsersWrite],
            None,
        )
        .await
        .unwrap();
        let c = Client::new(&url, Some(key)).unwrap();
        let user = CreateUser {
            external_ref: Some("crm-save".into()),
            display_name: Some("Sam".into()),
            metadata: json!({"plan": "pro", "seats": 3}).as_object().cloned(),
        };
        let id = c.create(&user).await.unwrap().0.user_id;
        (c, id)
    }

    fn both() -> Patches {
        Patches {
            raven: Some(raven::PatchUser {
                display_name: Some(Some("Sam Stone".into())),
                metadata: json!({"plan": "team"}).as_object().cloned(),
                ..Default::default()
            }),
            eai: Some(eai::PatchUser {
                preferences: Some(json!({"theme": "light", "n": {"push": true}})),
                role: Some(Role::Admin),
                ..Default::default()
            }),
        }
    }

    #[tokio::test]
    async fn one_save_chains_raven_then_eai_on_the_etag_it_got() {
        let dir = tempfile::tempdir().unwrap();
        let (c, id) = writer(dir.path()).await;
        let before = c.get(Dialects::BOTH, &id).await.unwrap();
        let saved = save(&c, Dialects::BOTH, &id, &both(), before.etag.as_deref())
            .await
            .unwrap();
        assert_eq!(
            saved.raven.unwrap().display_name.as_deref(),
            Some("Sam Stone")
        );
        let e = saved.eai.unwrap();
        assert_eq!(
            (e.role, e.name.as_deref()),
            (Role::Admin, Some("Sam Stone"))
        );
        let after = c.get(Dialects::BOTH, &id).await.unwrap();
        assert_eq!(after.etag, saved.etag, "the ETag of the last write");
        assert_ne!(after.etag, before.etag);
        assert_eq!(
            serde_json::Value::Object(after.raven.unwrap().metadata),
            json!({"plan": "team"}),
            "Raven replaced metadata"
        );
        assert_eq!(
            serde_json::Value::Object(after.eai.unwrap().preferences),
            json!({"theme": "light", "n": {"push": true}})
        );
    }

    #[tokio::test]
    async fn a_stale_version_writes_nothing_and_brings_theirs() {
        let dir = tempfile::tempdir().unwrap();
        let (c, id) = writer(dir.path()).await;
        let loaded = c.get(Dialects::BOTH, &id).await.unwrap();
        // Someone else saves first.
        let theirs = PatchUser {
            display_name: Some(Some("Samantha".into())),
            ..Default::default()
        };
        c.patch_raven(&id, &theirs, None).await.unwrap();

        let failed = save(&c, Dialects::BOTH, &id, &both(), loaded.etag.as_deref())
            .await
            .unwrap_err();
        assert!(failed.error.is_precondition_failed(), "{:?}", failed.error);
        assert!(failed.written.is_empty());
        let theirs = failed.theirs.expect("their version, for the conflict view");
        assert_eq!(
            theirs.raven.as_ref().unwrap().display_name.as_deref(),
            Some("Samantha")
        );
        let now = c.get(Dialects::BOTH, &id).await.unwrap();
        assert_eq!(now.etag, theirs.etag);
        assert_eq!(
            now.eai.unwrap().role,
            Role::Member,
            "nothing of mine was written"
        );
    }

    #[tokio::test]
    async fn a_refused_second_half_reports_the_written_first() {
        let dir = tempfile::tempdir().unwrap();
        let (c, id) = writer(dir.path()).await;
        let loaded = c.get(Dialects::BOTH, &id).await.unwrap();
        let mut p = both();
        if let Some(e) = p.eai.as_mut() {
            e.email = Some(Some("not an email".into()));
        }
        let failed = save(&c, Dialects::BOTH, &id, &p, loaded.etag.as_deref())
            .await
            .unwrap_err();
        assert!(
            matches!(&failed.error, ClientError::Api { status: 400, field: Some(f), .. } if f == "email"),
            "{:?}",
            failed.error
        );
        let written = failed.written.raven.expect("the Raven half went through");
        assert_eq!(written.display_name.as_deref(), Some("Sam Stone"));
        let now = c.get(Dialects::BOTH, &id).await.unwrap();
        assert_eq!(
            now.etag, failed.written.etag,
            "its ETag is the one to retry with"
        );
    }

    #[tokio::test]
    async fn a_duplicate_external_ref_names_its_holder() {
        let dir = tempfile::tempdir().unwrap();
        let (c, id) = writer(dir.path()).await;
        let again = CreateUser {
            external_ref: Some("crm-save".into()),
            ..Default::default()
        };
        match c.create(&again).await {
            Err(ClientError::Api {
                status: 409,
                field,
                user_id,
                ..
            }) => {
                assert_eq!(field.as_deref(), Some("external_ref"));
                assert_eq!(user_id.as_deref(), Some(id.as_str()));
            }
            other => panic!("{other:?}"),
        }
    }
}

#[tokio::test]
async fn a_create_sets_what_only_eai_carries_in_a_second_request() {
    use raven_console::api::{eai, raven};
    use raven_console::console::edit::save;
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
    let user = raven::CreateUser {
        display_name: Some("Nia Okoro".into()),
        ..raven::CreateUser::default()
    };
    let rest = eai::PatchUser {
        email: Some(Some("nia@example.com".into())),
        role: Some(Role::Admin),
        ..eai::PatchUser::default()
    };
    let made = save::create(&c, &user, Some(&rest)).await.unwrap();
    assert_eq!(made.rest_failed, None);
    let d = c.get(Dialects::BOTH, &made.user.user_id).await.unwrap();
    let e = d.eai.unwrap();
    assert_eq!(e.role, Role::Admin);
    assert_eq!(e.email.as_deref(), Some("nia@example.com"));
    assert_eq!(
        d.status,
        Some(raven_console::model::Status::Active),
        "found by email"
    );

    // A taken email: the user is made, and the failed half is said.
    let again = save::create(&c, &user, Some(&rest)).await.unwrap();
    assert!(
        matches!(
            again.rest_failed,
            Some(ClientError::Api { status: 409, .. })
        ),
        "{:?}",
        again.rest_failed
    );
}
