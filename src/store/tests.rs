//! The store's own contract, on an in-memory SQLite database.

use std::sync::Arc;

use super::{PageRequest, Store, StoreError, UserFilter, open};
use crate::model::{Actor, build_user};
use crate::model::{NewUser, Tenant, Timestamp};

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

/// How many of the tenant's users a list finds, with or without a search.
async fn total(store: &dyn Store, tenant_id: &str, search: Option<&str>) -> u64 {
    let filter = UserFilter {
        search: search.map(Into::into),
        ..UserFilter::default()
    };
    let page = PageRequest {
        limit: 10,
        offset: 0,
    };
    store
        .list_users(tenant_id, &filter, page)
        .await
        .unwrap()
        .total
}

/// A tenant of its own for a test that shares a database with others, stored.
async fn new_tenant(store: &dyn Store, slug: &str, name: &str, created_at: Timestamp) -> Tenant {
    let unique = || crate::model::base62(8).to_lowercase();
    let t = Tenant {
        id: format!("ten_{}", unique()),
        slug: format!("{slug}-{}", unique()),
        name: name.into(),
        created_at,
    };
    store.insert_tenant(&t).await.unwrap();
    t
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
    let user = build_user(&t.id, named("Ada", None));
    store
        .insert_user(&user, &Actor::command_line())
        .await
        .unwrap();
    let mut next = user.clone();
    next.display_name = Some("Ada L.".into());
    let saved = store
        .update_user(&next, 1, &Actor::command_line())
        .await
        .unwrap();
    assert_eq!(saved.version, 2);
    assert!(saved.updated_at.is_some());
    next.display_name = Some("Lost".into());
    assert!(matches!(
        store.update_user(&next, 1, &Actor::command_line()).await,
        Err(StoreError::VersionMismatch)
    ));
    let stored = store.get_user(&t.id, &user.id).await.unwrap().unwrap();
    assert_eq!(stored.display_name.as_deref(), Some("Ada L."));
}

#[tokio::test]
async fn a_taken_external_ref_names_its_holder() {
    let (store, t) = store_with_tenant().await;
    let first = build_user(&t.id, named("One", Some("ext-1")));
    store
        .insert_user(&first, &Actor::command_line())
        .await
        .unwrap();
    let second = build_user(&t.id, named("Two", Some("ext-1")));
    match store.insert_user(&second, &Actor::command_line()).await {
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
        build_user(&t.id, named("Grace Hopper", Some("a"))),
        build_user(&t.id, named("Dup", Some("a"))),
        build_user(&t.id, named("Hopper Jr", Some("b"))),
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
    // The page walked newest first, and the plain sort it falls back to.
    let search = super::sqlite::indexed_search(&filter).unwrap();
    for query in [
        super::sqlite::page_query("EXPLAIN QUERY PLAN ", "ten_x", &filter, page),
        super::sqlite::sorted_matches_query(
            "EXPLAIN QUERY PLAN ",
            "ten_x",
            &filter,
            &search,
            None,
            page,
        ),
    ] {
        let mut query = query;
        let plan: Vec<(i64, i64, i64, String)> = query
            .build_query_as()
            .fetch_all(store.pool())
            .await
            .unwrap();
        let plan: Vec<&str> = plan.iter().map(|r| r.3.as_str()).collect();
        assert!(
            plan.iter()
                .find(|d| d.contains("users_search"))
                .is_some_and(|d| d.contains("users_search VIRTUAL TABLE INDEX")),
            "search does not start from the index: {plan:?}"
        );
        assert!(
            plan.iter()
                .any(|d| d.contains("SEARCH users USING COVERING INDEX users_search_cover")),
            "the matches are not checked through the small index: {plan:?}"
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
}

/// SCIM's filters: a substring, prefix or suffix of the name or the email
/// starts from the trigram index, whatever else the filter asks; equality on
/// the email and the username reads their indexes of the folded values.
#[tokio::test]
async fn conditions_start_from_the_trigram_index_or_an_index_of_the_value() {
    use super::{Condition, SearchIn, TextField, TextOp};
    let store = super::SqliteStore::open("sqlite::memory:").await.unwrap();
    let page = PageRequest {
        limit: 20,
        offset: 0,
    };
    let text = |field, op, v: &str| Condition::Text {
        field,
        op,
        value: v.into(),
    };
    let plan_of = |filter: UserFilter| {
        let pool = store.pool().clone();
        async move {
            let mut q =
                super::sqlite::filtered_query("EXPLAIN QUERY PLAN ", "ten_x", &filter, page);
            let plan: Vec<(i64, i64, i64, String)> =
                q.build_query_as().fetch_all(&pool).await.unwrap();
            plan.into_iter().map(|r| r.3).collect::<Vec<String>>()
        }
    };
    for filter in [
        UserFilter {
            search: Some("son".into()),
            search_in: SearchIn::Name,
            conditions: vec![text(TextField::Email, TextOp::Sw, "ann")],
            ..UserFilter::default()
        },
        UserFilter {
            conditions: vec![
                text(TextField::DisplayName, TextOp::Ew, "sson"),
                Condition::RoleIn(vec![crate::model::Role::Admin]),
            ],
            ..UserFilter::default()
        },
    ] {
        let plan = plan_of(filter).await;
        assert!(
            plan.iter()
                .any(|d| d.contains("users_search VIRTUAL TABLE INDEX")),
            "not from the trigram index: {plan:?}"
        );
        assert!(
            !plan.iter().any(|d| d.starts_with("SCAN users ")),
            "{plan:?}"
        );
    }
    for (field, index) in [
        (TextField::Email, "users_sort_email"),
        (TextField::Username, "users_username"),
    ] {
        let plan = plan_of(UserFilter {
            conditions: vec![text(field, TextOp::Eq, "a@b.c")],
            ..UserFilter::default()
        })
        .await;
        assert!(
            plan.iter().any(|d| d.contains(index)),
            "{field:?} eq does not read {index}: {plan:?}"
        );
    }
}

/// On SQLite (whose plan it checks) and on PostgreSQL when
/// `RAVEN_TEST_POSTGRES_URL` names one.
#[tokio::test]
async fn a_total_without_search_is_a_sum_of_kept_counts_and_stays_exact() {
    let store = super::SqliteStore::open("sqlite::memory:").await.unwrap();
    let t = kept_counts_stay_exact(&store).await;
    let page = PageRequest {
        limit: 2,
        offset: 0,
    };
    let plan: Vec<(i64, i64, i64, String)> =
        super::sqlite::page_query("EXPLAIN QUERY PLAN ", &t.id, &UserFilter::default(), page)
            .build_query_as()
            .fetch_all(store.pool())
            .await
            .unwrap();
    assert!(
        plan.iter().any(|r| r.3.contains("user_counts")),
        "the total is not read from the kept counts: {plan:?}"
    );
    assert!(
        !plan.iter().any(|r| r.3.starts_with("SCAN users")),
        "{plan:?}"
    );
    if let Ok(url) = std::env::var("RAVEN_TEST_POSTGRES_URL") {
        kept_counts_stay_exact(&*open(&url).await.unwrap()).await;
    }
}

/// Totals by role through creates, a refused duplicate and a role change.
async fn kept_counts_stay_exact(store: &dyn Store) -> Tenant {
    use crate::model::Role;
    let t = new_tenant(store, "counts", "Test", Timestamp::now()).await;
    let mut users: Vec<_> = (0..7)
        .map(|i| build_user(&t.id, named(&format!("User {i}"), Some(&format!("e{i}")))))
        .collect();
    users[0].role = Role::Admin;
    users[1].role = Role::Admin;
    store.insert_users(&users).await.unwrap();
    // A duplicate external_ref goes nowhere and counts nothing.
    let dup = build_user(&t.id, named("Dup", Some("e3")));
    assert_eq!(store.insert_users(&[dup]).await.unwrap(), 0);

    let page = PageRequest {
        limit: 2,
        offset: 0,
    };
    let total = |role: Option<Role>| {
        let store = &store;
        let tenant = t.id.clone();
        async move {
            let f = UserFilter {
                role,
                ..UserFilter::default()
            };
            store.list_users(&tenant, &f, page).await.unwrap().total
        }
    };
    assert_eq!(total(None).await, 7);
    assert_eq!(total(Some(Role::Admin)).await, 2);
    let mut promoted = users[2].clone();
    promoted.role = Role::Admin;
    store
        .update_user(&promoted, 1, &Actor::command_line())
        .await
        .unwrap();
    assert_eq!(total(Some(Role::Admin)).await, 3);
    assert_eq!(total(Some(Role::Member)).await, 4);
    assert_eq!(total(None).await, 7);
    // A page past the end still says how many there are.
    let past = PageRequest {
        limit: 5,
        offset: 50,
    };
    let empty = store
        .list_users(&t.id, &UserFilter::default(), past)
        .await
        .unwrap();
    assert_eq!((empty.users.len(), empty.total), (0, 7));
    t
}

#[tokio::test]
async fn a_bulk_load_into_an_empty_file_builds_what_it_put_off_and_skips_duplicates() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bulk.db").display());
    let store = open(&url).await.unwrap();
    let t = Tenant {
        id: "ten_bulk0001".into(),
        slug: "bulk".into(),
        name: "Bulk".into(),
        created_at: Timestamp::now(),
    };
    store.insert_tenant(&t).await.unwrap();
    let schema = || async {
        let s = super::SqliteStore::open(&url).await.unwrap();
        let mut names: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM sqlite_master WHERE tbl_name = 'users' AND sql IS NOT NULL ORDER BY name",
        )
        .fetch_all(s.pool())
        .await
        .unwrap();
        names.sort();
        names
    };
    let before = schema().await;

    let mut load = store.bulk_load(4).await.unwrap();
    let first = vec![
        build_user(&t.id, named("Grace Hopper", Some("a"))),
        build_user(&t.id, named("Dup of a", Some("a"))),
        build_user(&t.id, named("Alan Turing", Some("b"))),
    ];
    assert_eq!(load.insert(&first).await.unwrap(), 2);
    let mut again = build_user(&t.id, named("Dup of b", Some("b")));
    again.email = Some("x@example.com".into());
    let mut other = build_user(&t.id, named("Ada Lovelace", Some("c")));
    other.email = Some("x@example.com".into());
    // b is taken by the first batch; the email by `again`... which did not go in.
    assert_eq!(load.insert(&[again, other]).await.unwrap(), 1);
    load.finish().await.unwrap();
    assert_eq!(schema().await, before, "indexes and triggers are all back");

    assert_eq!(total(&*store, &t.id, None).await, 3);
    assert_eq!(
        total(&*store, &t.id, Some("lovel")).await,
        1,
        "the trigram index was built"
    );

    // Into a table that has users: the plain path, the unique indexes decide.
    let mut load = store.bulk_load(2).await.unwrap();
    let dup = build_user(&t.id, named("Another a", Some("a")));
    let new = build_user(&t.id, named("Barbara Liskov", Some("d")));
    assert_eq!(load.insert(&[dup, new]).await.unwrap(), 1);
    load.finish().await.unwrap();
    assert_eq!(total(&*store, &t.id, Some("liskov")).await, 1);
    assert_eq!(total(&*store, &t.id, None).await, 4);
}

#[tokio::test]
async fn a_bulk_load_dropped_unfinished_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bulk.db").display());
    let store = open(&url).await.unwrap();
    let t = Tenant {
        id: "ten_bulk0002".into(),
        slug: "bulk".into(),
        name: "Bulk".into(),
        created_at: Timestamp::now(),
    };
    store.insert_tenant(&t).await.unwrap();
    let mut load = store.bulk_load(1).await.unwrap();
    load.insert(&[build_user(&t.id, named("Ghost", Some("g")))])
        .await
        .unwrap();
    drop(load);
    let page = PageRequest {
        limit: 10,
        offset: 0,
    };
    let all = store
        .list_users(&t.id, &UserFilter::default(), page)
        .await
        .unwrap();
    assert_eq!(all.total, 0);
    // The dropped indexes are still there: a duplicate is refused.
    store
        .insert_user(
            &build_user(&t.id, named("One", Some("g"))),
            &Actor::command_line(),
        )
        .await
        .unwrap();
    assert!(matches!(
        store
            .insert_user(
                &build_user(&t.id, named("Two", Some("g"))),
                &Actor::command_line()
            )
            .await,
        Err(StoreError::Conflict { .. })
    ));
}

/// A file with two tenants' users and the schema of `users`, for the bulk
/// loads into a table that has users.
async fn shared_file(dir: &std::path::Path) -> (Arc<dyn Store>, String, [Tenant; 2]) {
    let url = format!("sqlite://{}", dir.join("shared.db").display());
    let store = open(&url).await.unwrap();
    let tenants = ["old", "other"].map(|slug| Tenant {
        id: format!("ten_{slug}0001"),
        slug: slug.into(),
        name: slug.into(),
        created_at: Timestamp::now(),
    });
    for t in &tenants {
        store.insert_tenant(t).await.unwrap();
        // The same values in both tenants: the unique keys are per tenant.
        let mut u = build_user(&t.id, named("Grace Hopper", Some("a")));
        u.email = Some("grace@example.com".into());
        u.username = "grace@example.com".into();
        store.insert_user(&u, &Actor::command_line()).await.unwrap();
    }
    (store, url, tenants)
}

async fn users_schema(url: &str) -> Vec<String> {
    let s = super::SqliteStore::open(url).await.unwrap();
    sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE tbl_name = 'users' AND sql IS NOT NULL ORDER BY name",
    )
    .fetch_all(s.pool())
    .await
    .unwrap()
}

#[tokio::test]
async fn a_bulk_load_larger_than_the_table_puts_work_off_and_still_skips_taken_values() {
    let dir = tempfile::tempdir().unwrap();
    let (store, url, [old, other]) = shared_file(dir.path()).await;
    let before = users_schema(&url).await;

    // More users expected than the table holds: the indexes are put off.
    let mut load = store.bulk_load(100).await.unwrap();
    let with = |t: &Tenant, name: &str, ext: &str, email: &str| {
        let mut u = build_user(&t.id, named(name, Some(ext)));
        u.email = Some(email.into());
        u.username = email.into();
        u
    };
    let batch = vec![
        // Taken in the tenant before the load: skipped, as the plain path does.
        with(&old, "Same ref", "a", "new1@example.com"),
        with(&old, "Same email", "b", "grace@example.com"),
        with(
            &old,
            "Username differs in case only",
            "c",
            "GRACE@example.com",
        ),
        // Free in this tenant.
        with(&old, "Alan Turing", "d", "alan@example.com"),
    ];
    assert_eq!(load.insert(&batch).await.unwrap(), 1);
    let mut late = with(&old, "Ada Lovelace", "e", "ada@example.com");
    late.created_at = Timestamp(1_600_000_000_000);
    let others = vec![
        with(&other, "Barbara Liskov", "d", "alan@example.com"),
        with(&other, "Dup in other", "a", "x@example.com"),
    ];
    assert_eq!(load.insert(&[late]).await.unwrap(), 1);
    assert_eq!(load.insert(&others).await.unwrap(), 1);
    load.finish().await.unwrap();
    assert_eq!(
        users_schema(&url).await,
        before,
        "indexes and triggers are all back"
    );

    // The counts of both tenants, and the search index over all rows.
    assert_eq!(total(&*store, &old.id, None).await, 3);
    assert_eq!(total(&*store, &other.id, None).await, 2);
    assert_eq!(total(&*store, &old.id, Some("lovel")).await, 1);
    assert_eq!(total(&*store, &old.id, Some("hopper")).await, 1);
    assert_eq!(total(&*store, &other.id, Some("liskov")).await, 1);
    // The short needles' index and counts: a loaded user's, an existing one's.
    assert_eq!(total(&*store, &old.id, Some("lo")).await, 1);
    assert_eq!(total(&*store, &old.id, Some("ho")).await, 1);
    assert_eq!(total(&*store, &other.id, Some("sk")).await, 1);
    let sqlite = super::SqliteStore::open(&url).await.unwrap();
    assert!(
        !sqlite.tenant_ordered(&old.id).await,
        "Ada is older than Grace"
    );
    assert!(sqlite.tenant_ordered(&other.id).await);
    let counted: Vec<(String, i64)> = sqlx::query_as(
        "SELECT tenant_id, SUM(n) FROM user_counts GROUP BY tenant_id ORDER BY tenant_id",
    )
    .fetch_all(sqlite.pool())
    .await
    .unwrap();
    assert_eq!(counted, vec![(old.id.clone(), 3), (other.id.clone(), 2)]);
    // The unique indexes are live again.
    assert!(matches!(
        store
            .insert_user(
                &with(&old, "Again", "d", "again@example.com"),
                &Actor::command_line()
            )
            .await,
        Err(StoreError::Conflict { .. })
    ));
}

#[tokio::test]
async fn a_bulk_load_into_a_shared_file_dropped_unfinished_leaves_it_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let (store, url, [old, other]) = shared_file(dir.path()).await;
    let before = users_schema(&url).await;
    let mut load = store.bulk_load(100).await.unwrap();
    let users: Vec<_> = (0..10)
        .map(|i| build_user(&old.id, named("Ghost", Some(&format!("g{i}")))))
        .collect();
    assert_eq!(load.insert(&users).await.unwrap(), 10);
    drop(load);
    assert_eq!(users_schema(&url).await, before);
    assert_eq!(total(&*store, &old.id, None).await, 1);
    assert_eq!(total(&*store, &other.id, None).await, 1);
    assert_eq!(total(&*store, &old.id, Some("ghost")).await, 0);
}

/// PostgreSQL's bulk load, when `RAVEN_TEST_POSTGRES_URL` names one: rows by
/// `COPY` come back as they went in (quotes, commas, line breaks, empty text
/// and NULLs), taken values are skipped, the indexes put off are back, the
/// counts are right, and a load dropped unfinished leaves nothing.
#[tokio::test]
async fn a_postgres_bulk_load_copies_rows_exactly_and_builds_what_it_put_off() {
    let Ok(url) = std::env::var("RAVEN_TEST_POSTGRES_URL") else {
        eprintln!("skipped: RAVEN_TEST_POSTGRES_URL is not set");
        return;
    };
    let store = open(&url).await.unwrap();
    let pg = sqlx::PgPool::connect(&url).await.unwrap();
    let indexes = || async {
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT indexname FROM pg_indexes WHERE tablename = 'users' ORDER BY indexname",
        )
        .fetch_all(&pg)
        .await
        .unwrap();
        names
    };
    let before = indexes().await;
    let t = new_tenant(&*store, "bulk", "Bulk", Timestamp::now()).await;
    let existing = build_user(&t.id, named("Grace Hopper", Some("a")));
    store
        .insert_user(&existing, &Actor::command_line())
        .await
        .unwrap();

    // Far more expected than any test database holds: the indexes are put off.
    let mut load = store.bulk_load(1_000_000_000).await.unwrap();
    let mut odd = build_user(&t.id, named("O'Brien, \"Pat\"\nline\\two", Some("b")));
    odd.email = Some("pat,\"o\"@example.com".into());
    odd.avatar = Some(String::new());
    odd.metadata
        .insert("note".into(), serde_json::json!("tab\there, \"quoted\""));
    odd.last_login_at = Some(Timestamp(1_700_000_000_123));
    let plain = build_user(&t.id, NewUser::default());
    let taken = build_user(&t.id, named("Same ref", Some("a")));
    assert_eq!(
        load.insert(&[odd.clone(), plain.clone(), taken])
            .await
            .unwrap(),
        2
    );
    load.finish().await.unwrap();
    assert_eq!(indexes().await, before, "every index is back");

    for u in [&odd, &plain] {
        let stored = store.get_user(&t.id, &u.id).await.unwrap().unwrap();
        assert_eq!(&stored, u);
    }
    assert_eq!(total(&*store, &t.id, None).await, 3, "the counts");
    assert_eq!(
        total(&*store, &t.id, Some("brien")).await,
        1,
        "the trigram index"
    );
    // Short needles' totals come from the gram counts the load added itself
    // (its rows, not the one skipped), beside the one the trigger counted.
    for (needle, want) in [("o", 2), ("'b", 1), ("r", 2), ("sam", 0), ("h", 1)] {
        assert_eq!(
            total(&*store, &t.id, Some(needle)).await,
            want,
            "the gram counts of {needle:?}"
        );
    }
    assert!(matches!(
        store
            .insert_user(
                &build_user(&t.id, named("Again", Some("b"))),
                &Actor::command_line()
            )
            .await,
        Err(StoreError::Conflict { .. })
    ));

    let mut load = store.bulk_load(1_000_000_000).await.unwrap();
    let ghost = build_user(&t.id, named("Ghost", Some("g")));
    assert_eq!(load.insert(&[ghost]).await.unwrap(), 1);
    drop(load);
    assert_eq!(total(&*store, &t.id, Some("ghost")).await, 0);
    assert_eq!(total(&*store, &t.id, None).await, 3);
    assert_eq!(indexes().await, before);
}

/// The page a search must return, worked out the slow way: every user of the
/// tenant whose name or email contains the needle, newest first, id as tiebreak.
fn expected_page(
    all: &[crate::model::User],
    tenant_id: &str,
    f: &UserFilter,
    page: PageRequest,
) -> (Vec<String>, u64) {
    let needle = crate::model::fold(f.search.as_deref().unwrap_or_default());
    let mut hits: Vec<&crate::model::User> = all
        .iter()
        .filter(|u| u.tenant_id == tenant_id)
        .filter(|u| f.role.is_none_or(|r| u.role == r))
        .filter(|u| {
            [&u.display_name, &u.email].iter().any(|v| {
                v.as_deref()
                    .is_some_and(|v| crate::model::fold(v).contains(&needle))
            })
        })
        .collect();
    hits.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
    let ids = hits
        .iter()
        .skip(page.offset as usize)
        .take(page.limit as usize)
        .map(|u| u.id.clone())
        .collect();
    (ids, hits.len() as u64)
}

/// Users of the tenants in turn, created in bursts of `per_ms` in one millisecond.
fn bursts(tenants: &[&str], n: usize, start_ms: i64, per_ms: usize) -> Vec<crate::model::User> {
    use crate::model::Role;
    const NAMES: [&str; 4] = ["Ann Nilsson", "Bo Larsson", "Cy Smith", "Di Nilsen"];
    (0..n)
        .map(|i| {
            let mut u = build_user(
                tenants[i % tenants.len()],
                NewUser {
                    created_at: Some(Timestamp(start_ms + (i / per_ms) as i64)),
                    ..named(NAMES[i % NAMES.len()], Some(&format!("r{start_ms}-{i}")))
                },
            );
            u.email = Some(format!("user{i}.{}@example.com", start_ms % 1000));
            if i % 3 == 0 {
                u.role = Role::Admin;
            }
            u
        })
        .collect()
}

async fn assert_searches_exact(store: &dyn Store, all: &[crate::model::User], tenant_id: &str) {
    // From all matches in one walk of the index ("nilsson") to many more
    // than a page and its slack ("user", "son").
    // And needles of one or two characters (`users_short`), spaces and
    // punctuation included, one found nowhere.
    for needle in [
        "nilsson", "son", "nil", "user", "user1", "ssonxx", "n", "ss", "@", " s", "Y", "q",
    ] {
        for role in [None, Some(crate::model::Role::Admin)] {
            let f = UserFilter {
                search: Some(needle.into()),
                role,
                ..UserFilter::default()
            };
            for offset in [0, 3, 5, 9, 20, 40, 140, 200, 290, 400] {
                let page = PageRequest { limit: 5, offset };
                let got = store.list_users(tenant_id, &f, page).await.unwrap();
                let ids: Vec<String> = got.users.iter().map(|u| u.id.clone()).collect();
                let (want, total) = expected_page(all, tenant_id, &f, page);
                assert_eq!(
                    (ids, got.total),
                    (want, total),
                    "{needle:?} {role:?} at offset {offset}"
                );
            }
        }
    }
}

#[tokio::test]
async fn search_pages_are_exact_with_ties_and_after_users_come_out_of_order() {
    // 7 in a millisecond: ties within the slack a search reads past its page;
    // 400 (200 a tenant): more ties than that, so the page is sorted from the
    // index again.
    for per_ms in [7, 400] {
        let store = super::SqliteStore::open("sqlite::memory:").await.unwrap();
        let tenants = ["ten_a0000001", "ten_b0000002"];
        for (i, id) in tenants.iter().enumerate() {
            let t = Tenant {
                id: (*id).into(),
                slug: format!("t{i}"),
                name: format!("T{i}"),
                created_at: Timestamp::now(),
            };
            store.insert_tenant(&t).await.unwrap();
        }
        let mut all = bursts(&tenants, 600, 1_700_000_000_000, per_ms);
        // Half in one batch, half one by one, as the seed and the API insert them.
        assert_eq!(store.insert_users(&all[..300]).await.unwrap(), 300);
        for u in &all[300..] {
            store.insert_user(u, &Actor::command_line()).await.unwrap();
        }
        for t in tenants {
            assert!(store.tenant_ordered(t).await, "{t} came in creation order");
            assert_searches_exact(&store, &all, t).await;
        }

        // An older user than the newest (a clock set back): that tenant now
        // sorts all its matches, and its pages stay exact.
        let late = bursts(&tenants[..1], 10, 1_699_999_999_990, per_ms);
        for u in &late {
            store.insert_user(u, &Actor::command_line()).await.unwrap();
        }
        all.extend(late);
        assert!(!store.tenant_ordered(tenants[0]).await);
        assert!(store.tenant_ordered(tenants[1]).await);
        for t in tenants {
            assert_searches_exact(&store, &all, t).await;
        }
    }
}

#[tokio::test]
async fn a_search_total_is_counted_in_the_index_alone() {
    let store = super::SqliteStore::open("sqlite::memory:").await.unwrap();
    let filter = UserFilter {
        search: Some("nilsson".into()),
        ..UserFilter::default()
    };
    let mut qb = sqlx::QueryBuilder::new("EXPLAIN QUERY PLAN SELECT ");
    super::sqlite::push_total(&mut qb, "ten_x", &filter);
    let plan: Vec<(i64, i64, i64, String)> =
        qb.build_query_as().fetch_all(store.pool()).await.unwrap();
    let plan: Vec<&str> = plan.iter().map(|r| r.3.as_str()).collect();
    assert!(
        plan.iter()
            .any(|d| d.contains("users_search VIRTUAL TABLE")),
        "{plan:?}"
    );
    assert!(
        !plan
            .iter()
            .any(|d| d.contains(" users ") || d.ends_with(" users")),
        "the count reads users: {plan:?}"
    );
}

/// A database file made by an older server: the first `migrations` of today's,
/// holding `tenants` and `users` inserted in the given order.
async fn old_database(
    dir: &std::path::Path,
    migrations: usize,
    tenants: &[&str],
    users: &[crate::model::User],
) -> String {
    use std::borrow::Cow;
    let all = sqlx::migrate!("migrations/sqlite");
    let before = sqlx::migrate::Migrator {
        migrations: Cow::Owned(all.migrations[..migrations].to_vec()),
        ..sqlx::migrate!("migrations/sqlite")
    };
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(dir.join("old.db"))
        .create_if_missing(true);
    let pool = sqlx::SqlitePool::connect_with(options).await.unwrap();
    before.run(&pool).await.unwrap();
    for (i, t) in tenants.iter().enumerate() {
        sqlx::query("INSERT INTO tenants (id, slug, name, created_at) VALUES (?, ?, ?, 0)")
            .bind(t)
            .bind(format!("t{i}"))
            .bind(format!("T{i}"))
            .execute(&pool)
            .await
            .unwrap();
    }
    // Today's insert names the fold columns of 0004 and the username of 0007,
    // which the old schema lacks.
    for sql in [
        "ALTER TABLE users ADD COLUMN name_fold TEXT",
        "ALTER TABLE users ADD COLUMN email_fold TEXT",
        "ALTER TABLE users ADD COLUMN username TEXT",
        "ALTER TABLE users ADD COLUMN username_fold TEXT",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    for u in users {
        let mut qb = sqlx::QueryBuilder::new(super::row::INSERT_USERS);
        super::row::push_user_values(&mut qb, [u]);
        qb.build().execute(&pool).await.unwrap();
    }
    for sql in [
        "ALTER TABLE users DROP COLUMN name_fold",
        "ALTER TABLE users DROP COLUMN email_fold",
        "ALTER TABLE users DROP COLUMN username",
        "ALTER TABLE users DROP COLUMN username_fold",
    ] {
        sqlx::query(sql).execute(&pool).await.unwrap();
    }
    pool.close().await;
    format!("sqlite://{}", dir.join("old.db").display())
}

#[tokio::test]
async fn the_seq_migration_numbers_existing_users_by_tenant_in_creation_order() {
    let dir = tempfile::tempdir().unwrap();
    let tenants = ["ten_a0000001", "ten_b0000002"];
    let mut users = bursts(&tenants, 60, 1_700_000_000_000, 7);
    users.reverse(); // inserted newest first: old seq order is not creation order
    let url = old_database(dir.path(), 2, &tenants, &users).await;

    let store = super::SqliteStore::open(&url).await.unwrap();
    for (no, t) in (1_i64..).zip(tenants) {
        let seqs: Vec<(i64, i64, String)> = sqlx::query_as(
            "SELECT seq, created_at, id FROM users WHERE tenant_id = ? ORDER BY seq",
        )
        .bind(t)
        .fetch_all(store.pool())
        .await
        .unwrap();
        assert_eq!(seqs.len(), 30);
        assert!(seqs.iter().all(|s| s.0 >> 40 == no), "{t}: {seqs:?}");
        assert!(
            seqs.windows(2)
                .all(|w| (w[0].1, &w[0].2) < (w[1].1, &w[1].2))
        );
        assert!(store.tenant_ordered(t).await);
        assert_searches_exact(&store, &users, t).await;
    }
}

#[tokio::test]
async fn users_stored_before_the_fold_migration_are_found_by_folded_needles() {
    let dir = tempfile::tempdir().unwrap();
    let tenants = ["ten_a0000001"];
    let mut users = bursts(&tenants, 40, 1_700_000_000_000, 3);
    users[0].display_name = Some("ÄNNE Öberg".into());
    users[1].display_name = Some("änne Schmidt".into());
    // Before 0003 too: its renumbering is what a real old file went through.
    let url = old_database(dir.path(), 2, &tenants, &users).await;
    let store = super::SqliteStore::open(&url).await.unwrap();
    for needle in ["ä", "Än", "ÄNNE", "änne"] {
        let f = UserFilter {
            search: Some(needle.into()),
            ..UserFilter::default()
        };
        let page = PageRequest {
            limit: 10,
            offset: 0,
        };
        let got = store.list_users(tenants[0], &f, page).await.unwrap();
        assert_eq!(got.total, 2, "{needle}");
    }
    assert_searches_exact(&store, &users, tenants[0]).await;
    // The pending mark is gone: a second open has nothing to fill.
    drop(store);
    let store = super::SqliteStore::open(&url).await.unwrap();
    for mark in ["folds_pending", "short_pending"] {
        let pending: Option<i64> = sqlx::query_scalar(&format!("SELECT 1 FROM {mark}"))
            .fetch_optional(store.pool())
            .await
            .unwrap();
        assert_eq!(pending, None, "{mark}");
    }
    // The grams the server wrote are the ones the triggers delete.
    let mut renamed = users[0].clone();
    renamed.display_name = Some("Zed".into());
    users[0] = store
        .update_user(&renamed, renamed.version, &Actor::command_line())
        .await
        .unwrap();
    assert_searches_exact(&store, &users, tenants[0]).await;
    assert_short_searches_exact(&store, &users, tenants[0], "after a rename").await;
}

/// A user's value of a sort key as the stores compare it (text folded,
/// external refs ASCII-folded), `None` when missing.
fn sort_value(u: &crate::model::User, key: super::SortKey) -> Option<Result<String, i64>> {
    use super::SortKey::*;
    match key {
        Username => Some(Ok(crate::model::fold(&u.username))),
        DisplayName => u.display_name.as_deref().map(|v| Ok(crate::model::fold(v))),
        Email => u.email.as_deref().map(|v| Ok(crate::model::fold(v))),
        ExternalRef => u.external_ref.as_ref().map(|v| Ok(v.to_ascii_lowercase())),
        Role => Some(Ok(u.role.as_str().to_string())),
        Status => Some(Ok(u.status.as_str().to_string())),
        LastLoginAt => u.last_login_at.map(|t| Err(t.millis())),
        CreatedAt => Some(Err(u.created_at.millis())),
        UpdatedAt => u.updated_at.map(|t| Err(t.millis())),
    }
}

/// The brute-force order of a sorted list: missing values last either way,
/// ties by id in the key's direction.
fn brute_sorted<'a>(
    users: impl IntoIterator<Item = &'a crate::model::User>,
    sort: super::Sort,
) -> Vec<String> {
    let mut users: Vec<_> = users.into_iter().collect();
    users.sort_by(|a, b| {
        let (va, vb) = (sort_value(a, sort.key), sort_value(b, sort.key));
        let by_value = match (&va, &vb) {
            (None, None) => std::cmp::Ordering::Equal,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (Some(_), None) => std::cmp::Ordering::Less,
            (Some(x), Some(y)) if sort.descending => y.cmp(x),
            (Some(x), Some(y)) => x.cmp(y),
        };
        let by_id = if sort.descending {
            b.id.cmp(&a.id)
        } else {
            a.id.cmp(&b.id)
        };
        by_value.then(by_id)
    });
    users.into_iter().map(|u| u.id.clone()).collect()
}

/// Users with many ties and missing values in every sort key.
fn sortable_users(tenant_id: &str) -> Vec<crate::model::User> {
    use crate::model::{Role, Status};
    let names = [
        Some("anna"),
        Some("Anna"),
        Some("ÄNNE Berg"),
        Some("änne berg"),
        Some("Bob"),
        Some("zoë"),
        None,
    ];
    (0..60)
        .map(|i: i64| {
            let mut u = build_user(
                tenant_id,
                NewUser {
                    display_name: names[i as usize % names.len()].map(Into::into),
                    external_ref: (i % 4 != 0)
                        .then(|| format!("{}-{}", ["Ab", "ab", "CD"][i as usize % 3], i / 3)),
                    ..NewUser::default()
                },
            );
            // Emails unique where present.
            u.email = (i % 5 != 1)
                .then(|| format!("{}{i}@x.example", ["Ann", "bo", "Zed"][i as usize % 3]));
            u.role = [Role::Admin, Role::Member, Role::Viewer][i as usize % 3];
            u.status = [Status::Active, Status::Inactive][i as usize % 2];
            u.created_at = Timestamp(1_000 + i % 7);
            u.updated_at = (i % 3 != 0).then_some(Timestamp(5_000 + i % 4));
            u.last_login_at = (i % 2 == 0).then_some(Timestamp(9_000 + i % 5));
            u
        })
        .collect()
}

/// Every sort key, both directions, with filters, searches and deep offsets,
/// against the brute-force order; on a file (whose first pages the direct
/// reads answer), in memory, and on PostgreSQL when `RAVEN_TEST_POSTGRES_URL`
/// names one.
#[tokio::test]
async fn sorted_lists_match_a_brute_force_order_on_both_stores() {
    use super::{Sort, SortKey};
    use crate::model::{Role, Status};
    let dir = tempfile::tempdir().unwrap();
    let mut urls = vec![
        "sqlite::memory:".to_string(),
        format!("sqlite://{}", dir.path().join("sort.db").display()),
    ];
    urls.extend(std::env::var("RAVEN_TEST_POSTGRES_URL").ok());
    for url in urls {
        let store = open(&url).await.unwrap();
        let tenant = new_tenant(&*store, "sort", "Sort", Timestamp(1)).await;
        let users = sortable_users(&tenant.id);
        assert_eq!(store.insert_users(&users).await.unwrap(), 60);
        let filters = [
            UserFilter::default(),
            UserFilter {
                role: Some(Role::Member),
                ..UserFilter::default()
            },
            UserFilter {
                status: Some(Status::Inactive),
                role: Some(Role::Admin),
                ..UserFilter::default()
            },
            UserFilter {
                search: Some("ÄNN".into()),
                ..UserFilter::default()
            },
            UserFilter {
                search: Some("an".into()),
                status: Some(Status::Active),
                ..UserFilter::default()
            },
            UserFilter {
                external_ref: Some("ab-2".into()),
                ..UserFilter::default()
            },
        ];
        let keys = [
            SortKey::Username,
            SortKey::DisplayName,
            SortKey::Email,
            SortKey::ExternalRef,
            SortKey::Role,
            SortKey::Status,
            SortKey::LastLoginAt,
            SortKey::CreatedAt,
            SortKey::UpdatedAt,
        ];
        for f in &filters {
            let matching: Vec<_> = users
                .iter()
                .filter(|u| {
                    let folded = f.search.as_deref().map(crate::model::fold);
                    f.role.is_none_or(|r| u.role == r)
                        && f.status.is_none_or(|s| u.status == s)
                        && f.external_ref
                            .as_ref()
                            .is_none_or(|r| u.external_ref.as_ref() == Some(r))
                        && folded.as_deref().is_none_or(|n| {
                            [&u.display_name, &u.email].iter().any(|v| {
                                v.as_deref()
                                    .is_some_and(|v| crate::model::fold(v).contains(n))
                            })
                        })
                })
                .collect();
            for key in keys {
                for descending in [false, true] {
                    let sort = Sort { key, descending };
                    let want = brute_sorted(matching.iter().copied(), sort);
                    for (limit, offset) in [(100, 0), (7, 0), (7, 5), (9, 27), (5, 55), (5, 80)] {
                        let filter = UserFilter {
                            sort: Some(sort),
                            ..f.clone()
                        };
                        let page = PageRequest { limit, offset };
                        let got = store.list_users(&tenant.id, &filter, page).await.unwrap();
                        let ids: Vec<&str> = got.users.iter().map(|u| u.id.as_str()).collect();
                        let expected: Vec<&str> = want
                            .iter()
                            .skip(offset as usize)
                            .take(limit as usize)
                            .map(String::as_str)
                            .collect();
                        assert_eq!(ids, expected, "{url} {f:?} {sort:?} {limit} {offset}");
                        assert_eq!(got.total, matching.len() as u64, "{url} {f:?} {sort:?}");
                    }
                }
            }
        }
    }
}

/// Every user of the tenant whose folded name or email holds `needle`, the
/// slow way, newest first.
fn brute_short(all: &[crate::model::User], tenant_id: &str, needle: &str) -> Vec<String> {
    let (ids, _) = expected_page(
        all,
        tenant_id,
        &UserFilter {
            search: Some(needle.into()),
            ..UserFilter::default()
        },
        PageRequest {
            limit: u32::MAX,
            offset: 0,
        },
    );
    ids
}

async fn assert_short_searches_exact(
    store: &dyn Store,
    all: &[crate::model::User],
    tenant_id: &str,
    when: &str,
) {
    for needle in ["ä", "li", "🦀", " l", "ß", "x", "@", "a-", "q", "ë "] {
        let f = UserFilter {
            search: Some(needle.into()),
            ..UserFilter::default()
        };
        let page = PageRequest {
            limit: 50,
            offset: 0,
        };
        let got = store.list_users(tenant_id, &f, page).await.unwrap();
        let ids: Vec<String> = got.users.iter().map(|u| u.id.clone()).collect();
        let want = brute_short(all, tenant_id, needle);
        assert_eq!(got.total, want.len() as u64, "{when}: total of {needle:?}");
        assert_eq!(ids, want, "{when}: page of {needle:?}");
    }
}

#[tokio::test]
async fn short_grams_a_bulk_load_writes_are_the_ones_the_triggers_delete() {
    use crate::model::Role;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("short.db").display());
    let store = open(&url).await.unwrap();
    let t = Tenant {
        id: "ten_short001".into(),
        slug: "short".into(),
        name: "Short".into(),
        created_at: Timestamp::now(),
    };
    store.insert_tenant(&t).await.unwrap();
    // Names whose grams are hard to spell alike in Rust and SQL: non-ASCII,
    // a character of four UTF-8 bytes, case to fold, a one-letter name, none.
    let names = [
        Some("Ärla Öberg"),
        Some("ZOË 🦀 Li"),
        Some("x"),
        None,
        Some("Li Wei"),
        Some("Anna-Lena"),
    ];
    let mut all: Vec<crate::model::User> = names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut u = build_user(
                &t.id,
                NewUser {
                    display_name: name.map(Into::into),
                    created_at: Some(Timestamp(1_700_000_000_000 + i as i64)),
                    ..NewUser::default()
                },
            );
            u.email = (i != 2).then(|| format!("u{i}.ß@example.org"));
            u
        })
        .collect();
    // Into an empty table: the bulk load writes the grams itself.
    let mut load = store.bulk_load(6).await.unwrap();
    assert_eq!(load.insert(&all).await.unwrap(), 6);
    load.finish().await.unwrap();

    assert_short_searches_exact(&*store, &all, &t.id, "after the bulk load").await;

    // Through the triggers: a rename deletes the grams the load wrote, a
    // delete removes the user's, an insert adds new ones.
    let mut renamed = all[1].clone();
    renamed.display_name = Some("Qi Bo".into());
    all[1] = store
        .update_user(&renamed, renamed.version, &Actor::command_line())
        .await
        .unwrap();
    store
        .delete_user(&t.id, &all[0].id, None, &Actor::command_line())
        .await
        .unwrap();
    all.remove(0);
    let mut late = build_user(&t.id, named("Lia Quist", None));
    late.role = Role::Admin;
    store
        .insert_user(&late, &Actor::command_line())
        .await
        .unwrap();
    all.push(late);
    assert_short_searches_exact(
        &*store,
        &all,
        &t.id,
        "after a rename, a delete and an insert",
    )
    .await;

    let s = super::SqliteStore::open(&url).await.unwrap();
    sqlx::query("INSERT INTO users_short(users_short, rank) VALUES ('integrity-check', 1)")
        .execute(s.pool())
        .await
        .expect("users_short is consistent");
}

/// PostgreSQL, when `RAVEN_TEST_POSTGRES_URL` names one: the matches of a
/// needle of 4+ characters come from the trigram keys alone. Paired with
/// pg_trgm's indexes in a BitmapAnd, the plan's lossy recheck computes every
/// candidate's keys again, 30 µs each (`ulia` at a million users: 513 ms
/// instead of 58 ms), and the planner picks that pairing when its estimates
/// say the keys hold few rows.
#[tokio::test]
async fn a_postgres_search_reads_the_trigram_keys_without_pg_trgm() {
    let Ok(url) = std::env::var("RAVEN_TEST_POSTGRES_URL") else {
        eprintln!("skipped: RAVEN_TEST_POSTGRES_URL is not set");
        return;
    };
    let store = open(&url).await.unwrap();
    let t = new_tenant(&*store, "plan", "Plan", Timestamp::now()).await;
    let users: Vec<_> = (0..400)
        .map(|i| {
            let name = match i % 4 {
                0 => format!("Julia Nilsson {i}"),
                _ => format!("Person {i}"),
            };
            build_user(&t.id, named(&name, None))
        })
        .collect();
    store.insert_users(&users).await.unwrap();

    let pg = sqlx::PgPool::connect(&url).await.unwrap();
    let filter = UserFilter {
        search: Some("ulia".into()),
        ..UserFilter::default()
    };
    let mut tx = pg.begin().await.unwrap();
    // What a big tenant's statistics make cheap: no scan of the table.
    for statement in ["ANALYZE users", "SET LOCAL enable_seqscan = off"] {
        sqlx::query(statement).execute(&mut *tx).await.unwrap();
    }
    let explain = async |qb: &mut sqlx::QueryBuilder<'_, sqlx::Postgres>,
                         tx: &mut sqlx::PgConnection| {
        let plan: serde_json::Value = qb.build_query_scalar().fetch_one(tx).await.unwrap();
        plan.to_string()
    };
    let mut qb = sqlx::QueryBuilder::new("EXPLAIN (FORMAT JSON) SELECT COUNT(*) FROM users");
    super::pg_search::push_where(&mut qb, &t.id, &filter);
    let plan = explain(&mut qb, &mut tx).await;
    assert!(plan.contains("users_trigram_keys"), "{plan}");
    assert!(!plan.contains("_trgm"), "pg_trgm in the plan: {plan}");
    // Whatever the estimates, no pg_trgm index can serve the needle's exact
    // test: alone, with scans of the table off, it is still a scan.
    for column in ["users.name_fold", "users.email_fold"] {
        let mut qb =
            sqlx::QueryBuilder::new("EXPLAIN (FORMAT JSON) SELECT COUNT(*) FROM users WHERE ");
        super::pg_search::push_needle(&mut qb, column, "ulia");
        let plan = explain(&mut qb, &mut tx).await;
        assert!(!plan.contains("_trgm"), "pg_trgm serves {column}: {plan}");
    }
    tx.rollback().await.unwrap();
    assert_eq!(total(&*store, &t.id, Some("ulia")).await, 100);
}
