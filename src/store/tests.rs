//! The store's own contract, on an in-memory SQLite database.

use std::sync::Arc;

use super::{PageRequest, Store, StoreError, UserFilter, open};
use crate::model::{NewUser, Tenant, Timestamp};
use crate::server::users::build;

async fn store_with_tenant() -> (Arc<dyn Store>, Tenant) {
    let store = open("sqlite::memory:").await.unwrap();
    let tenant = Tenant {
        id: "ten_test0001".into(),
        slug: "test".into(),
        name: "Test".into(),
        created_at: Timestamp::now(),
    };
    store.insert_tenant(&tenant).await.unwrap();
    (store, tenant)
}

fn named(name: &str, external_ref: Option<&str>) -> NewUser {
    NewUser {
        display_name: Some(name.into()),
        external_ref: external_ref.map(Into::into),
        ..NewUser::default()
    }
}

#[tokio::test]
async fn update_is_a_compare_and_set_on_the_version() {
    let (store, t) = store_with_tenant().await;
    let user = build(&t.id, named("Ada", None));
    store.insert_user(&user).await.unwrap();
    let mut next = user.clone();
    next.display_name = Some("Ada L.".into());
    let saved = store.update_user(&next, 1).await.unwrap();
    assert_eq!(saved.version, 2);
    assert!(saved.updated_at.is_some());
    next.display_name = Some("Lost".into());
    assert!(matches!(
        store.update_user(&next, 1).await,
        Err(StoreError::VersionMismatch)
    ));
    let stored = store.get_user(&t.id, &user.id).await.unwrap().unwrap();
    assert_eq!(stored.display_name.as_deref(), Some("Ada L."));
}

#[tokio::test]
async fn a_taken_external_ref_names_its_holder() {
    let (store, t) = store_with_tenant().await;
    let first = build(&t.id, named("One", Some("ext-1")));
    store.insert_user(&first).await.unwrap();
    let second = build(&t.id, named("Two", Some("ext-1")));
    match store.insert_user(&second).await {
        Err(StoreError::Conflict {
            field,
            existing_user_id,
            ..
        }) => {
            assert_eq!(field, "external_ref");
            assert_eq!(existing_user_id.as_deref(), Some(first.id.as_str()));
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert!(store.get_user(&t.id, &second.id).await.unwrap().is_none());
}

#[tokio::test]
async fn bulk_insert_skips_duplicates_and_search_finds_substrings_in_one_tenant() {
    let (store, t) = store_with_tenant().await;
    let users = vec![
        build(&t.id, named("Grace Hopper", Some("a"))),
        build(&t.id, named("Dup", Some("a"))),
        build(&t.id, named("Hopper Jr", Some("b"))),
    ];
    assert_eq!(store.insert_users(&users).await.unwrap(), 2);
    let filter = UserFilter {
        search: Some("HOPP".into()),
        ..UserFilter::default()
    };
    let page = PageRequest {
        limit: 10,
        offset: 0,
    };
    let found = store.list_users(&t.id, &filter, page).await.unwrap();
    assert_eq!(found.total, 2);
    let other_tenant = store.list_users("ten_other", &filter, page).await.unwrap();
    assert_eq!(other_tenant.total, 0);
}

#[tokio::test]
async fn search_is_answered_by_the_trigram_index_not_a_scan() {
    let store = super::SqliteStore::open("sqlite::memory:").await.unwrap();
    let filter = UserFilter {
        search: Some("hop".into()),
        role: Some(crate::model::Role::Admin),
        ..UserFilter::default()
    };
    let page = PageRequest {
        limit: 20,
        offset: 0,
    };
    let plan: Vec<(i64, i64, i64, String)> =
        super::sqlite::page_query("EXPLAIN QUERY PLAN ", "ten_x", &filter, page)
            .build_query_as()
            .fetch_all(store.pool())
            .await
            .unwrap();
    let plan: Vec<&str> = plan.iter().map(|r| r.3.as_str()).collect();
    assert!(
        plan[0].contains("users_search VIRTUAL TABLE INDEX"),
        "search does not start from the index: {plan:?}"
    );
    assert!(
        plan.iter()
            .any(|d| d.contains("SEARCH users USING INTEGER PRIMARY KEY")),
        "{plan:?}"
    );
    assert!(
        !plan.iter().any(|d| d.starts_with("SCAN users ")),
        "{plan:?}"
    );
}
