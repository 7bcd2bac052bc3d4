//! The console against SCIM 2.0 servers: a stand-in written from RFC 7643 and
//! RFC 7644 alone (`tests/standin/scim.rs`: no ETags, a 1-based `startIndex`
//! with a page cap of 5, a filter subset, its own error details), driven
//! through the real client and the real `update()`, with no terminal; and
//! the delete key against raven-server's own Raven dialect.

mod standin;

use std::sync::Arc;

use ratatui::crossterm::event::KeyCode;
use raven_console::admin::{self, Scope};
use raven_console::api::client::Client;
use raven_console::console::app::FilterField;
use raven_console::console::config::ApiChoice;
use raven_console::console::edit::form::FormField;
use raven_console::model::Role;
use raven_console::{server, store};
use standin::scim::{ScimStandin, ScimSwitches};
use standin::{KEY, READ_ONLY_KEY};

#[path = "support/console.rs"]
mod support;

#[path = "support/driver.rs"]
mod driver;
use driver::Driver;

fn id(i: usize) -> String {
    format!("2819c223-{i:04}")
}

#[tokio::test]
async fn pages_follow_the_servers_cap_and_its_one_based_start_index() {
    let s = ScimStandin::start(ScimSwitches::default(), 12);
    let mut d = Driver::start(&s.url, KEY, ApiChoice::Scim).await;
    assert_eq!(d.state.server.dialects.map(|x| x.label()), Some("scim 2.0"));
    assert_eq!(
        d.state.query().limit,
        19,
        "the console asks for a screenful"
    );
    let mut ids = d.ids();
    let mut labels = vec![d.label()];
    while d.press(KeyCode::Char('n')).await {
        ids.extend(d.ids());
        labels.push(d.label());
    }
    assert_eq!(ids, (1..=12).map(id).collect::<Vec<_>>(), "every user once");
    assert_eq!(labels, ["1 of 3", "2 of 3", "3 of 3"]);
    assert!(d.press(KeyCode::Char('p')).await);
    assert_eq!(
        d.ids().first(),
        Some(&id(6)),
        "the page before starts 5 back"
    );
}

#[tokio::test]
async fn auto_finds_scim_at_the_root_and_the_url_may_name_the_scim_base() {
    let s = ScimStandin::start(ScimSwitches::default(), 3);
    let d = Driver::start(&s.url, KEY, ApiChoice::Auto).await;
    assert_eq!(d.state.server.dialects.map(|x| x.label()), Some("scim 2.0"));
    assert_eq!(d.ids().len(), 3, "{}", d.error());
    let base = format!("{}/scim/v2", s.url);
    let d = Driver::start(&base, KEY, ApiChoice::Scim).await;
    assert_eq!(d.ids().len(), 3, "{}", d.error());
    let site = d.state.server.dialects.and_then(|x| x.scim);
    assert_eq!(
        site.map(|s| (s.under_root, s.etag, s.sort)),
        Some((false, false, false))
    );
}

#[tokio::test]
async fn the_filter_bar_becomes_a_scim_filter_and_a_search_without_or_looks_at_names() {
    let s = ScimStandin::start(ScimSwitches::default(), 8);
    let mut d = Driver::start(&s.url, KEY, ApiChoice::Scim).await;
    d.press(KeyCode::Char('f')).await;
    d.typed("HR-004").await;
    d.press(KeyCode::Enter).await;
    assert_eq!(
        d.ids(),
        [id(4)],
        "externalId eq, case-insensitive on this server"
    );
    // Status "inactive": nobody; the server took `and` of two clauses.
    d.press(KeyCode::Char('x')).await;
    d.press(KeyCode::Char('f')).await;
    d.press(KeyCode::Tab).await; // role
    d.press(KeyCode::Right).await; // admin
    d.press(KeyCode::Enter).await;
    assert!(d.ids().is_empty(), "nobody is an admin: {}", d.error());
    // The search needs `or`, which this server refuses (`invalidFilter`):
    // the console asks again on the display name alone, and says so.
    d.press(KeyCode::Char('x')).await;
    d.press(KeyCode::Char('/')).await;
    d.typed("007").await;
    d.press(KeyCode::Enter).await;
    assert_eq!(d.ids(), [id(7)], "{}", d.error());
    let site = d.state.server.dialects.and_then(|x| x.scim);
    assert_eq!(site.map(|s| s.no_or), Some(true));
    // Said by the search field's hint for as long as the field is in use.
    assert!(d.state.search_scope().starts_with("the display name"));
    // Learnt once: the next search goes straight to the name, and an address
    // (only in the emails) finds nobody rather than an error.
    d.press(KeyCode::Char('x')).await;
    d.press(KeyCode::Char('/')).await;
    d.typed("idp.example").await;
    d.press(KeyCode::Enter).await;
    assert!(d.ids().is_empty(), "{:?}", d.ids());
    assert_eq!(d.error(), "");
}

#[tokio::test]
async fn roles_are_greyed_when_the_schema_has_none() {
    let s = ScimStandin::start(
        ScimSwitches {
            roles: false,
            ..ScimSwitches::default()
        },
        2,
    );
    let d = Driver::start(&s.url, KEY, ApiChoice::Scim).await;
    assert_eq!(
        d.state.unavailable(FilterField::Role),
        Some("no roles in this SCIM server's schema")
    );
    assert_eq!(d.state.unavailable(FilterField::Status), None);
    // Nor can the form edit a role the server has no place for.
    let mut d = d;
    d.press(KeyCode::Char('e')).await;
    let form = d.state.form.as_ref().expect("the form");
    assert_eq!(
        form.locked.get(&FormField::Role).map(String::as_str),
        Some("no roles in this SCIM server's schema")
    );
}

#[tokio::test]
async fn the_detail_shows_every_attribute_and_the_extension() {
    let s = ScimStandin::start(ScimSwitches::default(), 3);
    let mut d = Driver::start(&s.url, KEY, ApiChoice::Scim).await;
    d.press(KeyCode::Char('G')).await; // user 3 has the enterprise extension
    d.press(KeyCode::Enter).await;
    let rec = d
        .state
        .detail
        .as_ref()
        .and_then(|v| v.record.clone())
        .expect("the record");
    assert_eq!(rec["userName"], "person003");
    assert_eq!(rec["name"]["givenName"], "003");
    assert_eq!(rec["emails"][0]["value"], "person003@idp.example");
    let ext = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    assert_eq!(rec[ext]["employeeNumber"], "E003");
    assert!(rec.get("etag").is_none(), "no ETags on this server");
}

#[tokio::test]
async fn an_edit_is_sent_as_patch_operations() {
    let s = ScimStandin::start(ScimSwitches::default(), 2);
    let mut d = Driver::start(&s.url, KEY, ApiChoice::Scim).await;
    d.press(KeyCode::Char('e')).await;
    assert!(d.state.form.is_some(), "the form opens: {}", d.error());
    d.focus(FormField::Role);
    d.press(KeyCode::Right).await; // member -> viewer
    d.focus(FormField::Name);
    d.press(KeyCode::End).await;
    d.typed(" Jr").await;
    d.ctrl('s').await;
    d.press(KeyCode::Enter).await;
    assert_eq!(d.state.info.as_deref(), Some("Saved."), "{}", d.error());
    let stored = s.user(&id(1)).expect("stored");
    assert_eq!(stored["displayName"], "Person 001 Jr");
    assert_eq!(stored["roles"][0]["value"], "viewer");
    assert_eq!(stored["userName"], "person001", "what was not edited stays");
    assert_eq!(
        d.state.list.as_ref().map(|l| l.rows[0].role),
        Some(Some(Role::Viewer))
    );
}

#[tokio::test]
async fn a_create_is_one_post_and_a_refusal_keeps_the_draft() {
    let s = ScimStandin::start(ScimSwitches::default(), 2);
    let mut d = Driver::start(&s.url, KEY, ApiChoice::Scim).await;
    d.press(KeyCode::Char('c')).await;
    assert!(d.state.form.is_some(), "{}", d.error());
    d.focus(FormField::Name);
    d.typed("Jane Doe").await;
    d.focus(FormField::Email);
    d.typed("jane@example.com").await;
    d.ctrl('s').await;
    d.press(KeyCode::Enter).await;
    assert!(d.state.form.is_none(), "created: {}", d.error());
    assert_eq!(s.count(), 3);
    let made = s.user(&id(3)).expect("the new user");
    assert_eq!(made["userName"], "jane@example.com");
    assert_eq!(made["emails"][0]["value"], "jane@example.com");
    assert_eq!(made["active"], true);
    // The same again: the server's 409 uniqueness, in its own words, and the draft stays.
    d.press(KeyCode::Esc).await;
    d.press(KeyCode::Char('c')).await;
    d.focus(FormField::Email);
    d.typed("jane@example.com").await;
    d.ctrl('s').await;
    d.press(KeyCode::Enter).await;
    let form = d.state.form.as_ref().expect("the draft stays");
    let said = format!("{} {:?}", d.error(), form);
    assert!(said.contains("is already in use"), "{said}");
    assert_eq!(s.count(), 3);
}

#[tokio::test]
async fn d_deletes_after_naming_the_user_and_the_cursor_stays() {
    let s = ScimStandin::start(ScimSwitches::default(), 4);
    let mut d = Driver::start(&s.url, KEY, ApiChoice::Scim).await;
    d.press(KeyCode::Down).await; // user 2
    d.press(KeyCode::Char('D')).await;
    let q = d.state.deletes.confirm.as_ref().map(|c| c.question());
    assert_eq!(
        q.as_deref(),
        Some("Delete Person 002 <person002@idp.example> (2819c223-0002)? This cannot be undone.")
    );
    // Enter is "no": the default of y/N.
    d.press(KeyCode::Enter).await;
    assert!(d.state.deletes.confirm.is_none());
    assert_eq!(s.count(), 4);
    d.press(KeyCode::Char('D')).await;
    d.press(KeyCode::Char('y')).await;
    assert_eq!(s.count(), 3, "{}", d.error());
    assert!(s.user(&id(2)).is_none());
    assert_eq!(d.ids(), [id(1), id(3), id(4)], "the list is refreshed");
    assert_eq!(d.state.cursor, 1, "the cursor stays in place");
    assert_eq!(d.state.info.as_deref(), Some("Deleted 2819c223-0002."));
    // From the detail pane too, and the pane closes on the list.
    d.press(KeyCode::Enter).await;
    d.press(KeyCode::Char('D')).await;
    d.press(KeyCode::Char('y')).await;
    assert!(s.user(&id(3)).is_none());
    assert!(d.state.detail.is_none());
    assert_eq!(d.ids(), [id(1), id(4)]);
}

#[tokio::test]
async fn a_read_only_key_cannot_delete() {
    let s = ScimStandin::start(ScimSwitches::default(), 2);
    let mut d = Driver::start(&s.url, READ_ONLY_KEY, ApiChoice::Scim).await;
    d.press(KeyCode::Char('D')).await;
    d.press(KeyCode::Char('y')).await;
    assert_eq!(s.count(), 2);
    // The server cannot say up front; its 403 is said and then greys writes.
    let e = d.error();
    assert!(e.contains("This token may only read"), "{e}");
    d.press(KeyCode::Char('D')).await;
    assert!(
        d.state.deletes.confirm.is_none(),
        "greyed after the refusal"
    );
    assert!(d.error().starts_with("Delete is off:"), "{}", d.error());
}

async fn raven_server(dir: &std::path::Path) -> (String, Arc<dyn store::Store>) {
    let store = store::open(&format!("sqlite://{}", dir.join("raven.db").display()))
        .await
        .expect("store");
    admin::create_tenant(&*store, "Acme", Some("acme"))
        .await
        .expect("tenant");
    admin::seed(&*store, "acme", 5).await.expect("seed");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(server::serve(
        listener,
        store.clone(),
        std::future::pending(),
    ));
    (url, store)
}

#[tokio::test]
async fn against_raven_server_d_uses_its_delete_or_is_greyed_when_it_has_none() {
    let dir = tempfile::tempdir().expect("dir");
    let (url, store) = raven_server(dir.path()).await;
    let key = admin::create_key(
        &*store,
        "acme",
        &[Scope::UsersRead, Scope::UsersWrite],
        None,
    )
    .await
    .expect("key");
    let mut d = Driver::start(&url, &key, ApiChoice::Auto).await;
    let before = d.ids();
    assert_eq!(before.len(), 5, "{}", d.error());
    d.press(KeyCode::Char('D')).await;
    let q = d
        .state
        .deletes
        .confirm
        .as_ref()
        .map(|c| c.question())
        .unwrap_or_default();
    assert!(
        q.contains(&before[0]) && q.ends_with("This cannot be undone."),
        "{q}"
    );
    d.press(KeyCode::Char('y')).await;
    if d.state.deletes.lacking.is_some() {
        // A raven-server without the extension: said, greyed, nothing gone.
        assert!(
            d.error().contains("no DELETE /api/v1/users/{user_id}"),
            "{}",
            d.error()
        );
        assert!(d.state.greyed().iter().any(|g| g.contains("delete")));
        d.press(KeyCode::Char('r')).await;
        assert_eq!(d.ids(), before);
        d.press(KeyCode::Char('D')).await;
        assert!(d.state.deletes.confirm.is_none());
    } else {
        assert_eq!(
            d.state.info.as_deref(),
            Some(format!("Deleted {}.", before[0]).as_str())
        );
        assert_eq!(d.ids(), before[1..]);
    }
}

#[tokio::test]
async fn a_read_only_raven_key_has_delete_greyed_up_front() {
    let dir = tempfile::tempdir().expect("dir");
    let (url, store) = raven_server(dir.path()).await;
    let key = admin::create_key(&*store, "acme", &[Scope::UsersRead], None)
        .await
        .expect("key");
    let mut d = Driver::start(&url, &key, ApiChoice::Auto).await;
    d.press(KeyCode::Char('D')).await;
    assert!(d.state.deletes.confirm.is_none());
    assert_eq!(
        d.error(),
        "Delete is off: this key is read-only (users:read, no users:write)."
    );
}

/// raven-server with five seeded users and a read-write key of the whole tenant.
async fn raven_server_with_key(dir: &std::path::Path) -> (String, String, Arc<dyn store::Store>) {
    let (url, store) = raven_server(dir).await;
    let key = admin::create_key(
        &*store,
        "acme",
        &[Scope::UsersRead, Scope::UsersWrite],
        None,
    )
    .await
    .expect("key");
    (url, key, store)
}

#[tokio::test]
async fn raven_servers_own_scim_lists_filters_edits_creates_and_deletes() {
    let dir = tempfile::tempdir().expect("dir");
    let (url, key, _store) = raven_server_with_key(dir.path()).await;
    let mut d = Driver::start(&url, &key, ApiChoice::Scim).await;
    let site = d.state.server.dialects.and_then(|x| x.scim).expect("scim");
    assert!(
        site.etag && site.sort && site.filter && site.roles,
        "{site:?}"
    );
    assert_eq!(d.ids().len(), 5, "{}", d.error());
    // The search's `or` works here; it finds the user whose name holds the text.
    let first = d
        .state
        .list
        .as_ref()
        .map(|l| l.rows[0].clone())
        .unwrap_or_default();
    let name = first.name.clone().unwrap_or_default();
    let needle: String = name.chars().take(5).collect();
    d.press(KeyCode::Char('/')).await;
    d.typed(&needle).await;
    d.press(KeyCode::Enter).await;
    assert!(d.ids().contains(&first.id), "{needle}: {}", d.error());
    d.press(KeyCode::Char('x')).await;

    // The detail shows the extension; an edit goes with If-Match and is stored.
    d.press(KeyCode::Enter).await;
    let rec = d
        .state
        .detail
        .as_ref()
        .and_then(|v| v.record.clone())
        .unwrap_or_default();
    assert!(rec.get("userName").is_some(), "{rec}");
    assert!(
        rec.get("urn:raven:params:scim:schemas:extension:2.0:User")
            .is_some(),
        "{rec}"
    );
    assert!(rec.get("etag").is_some(), "ETags are supported: {rec}");
    d.press(KeyCode::Char('e')).await;
    d.focus(FormField::Name);
    d.press(KeyCode::End).await;
    d.typed(" Jr").await;
    d.ctrl('s').await;
    d.press(KeyCode::Enter).await;
    assert_eq!(d.state.info.as_deref(), Some("Saved."), "{}", d.error());
    let c = Client::new(&url, Some(key.clone())).expect("client");
    let raven = c.get_raven(&first.id).await.expect("raven view");
    assert_eq!(
        raven.user.display_name,
        Some(format!("{name} Jr")),
        "one store, every dialect"
    );

    // Create over SCIM: visible in the Raven dialect too.
    d.press(KeyCode::Esc).await;
    d.press(KeyCode::Char('c')).await;
    d.focus(FormField::Name);
    d.typed("Scim Made").await;
    d.focus(FormField::Email);
    d.typed("scim.made@example.com").await;
    d.ctrl('s').await;
    d.press(KeyCode::Enter).await;
    assert!(d.state.form.is_none(), "created: {}", d.error());
    let made = d
        .state
        .detail
        .as_ref()
        .map(|v| v.row.id.clone())
        .unwrap_or_default();
    let eai = c.get_eai(&made).await.expect("eai view");
    assert_eq!(eai.user.email.as_deref(), Some("scim.made@example.com"));

    // And delete it, with its version.
    d.press(KeyCode::Char('r')).await;
    d.press(KeyCode::Char('D')).await;
    let confirm = d.state.deletes.confirm.clone().expect("confirmation");
    assert!(
        confirm.question().contains("<scim.made@example.com>"),
        "{}",
        confirm.question()
    );
    assert!(
        confirm.if_match.is_some(),
        "the detail's version goes with it"
    );
    d.press(KeyCode::Char('y')).await;
    assert_eq!(
        d.state.info.as_deref(),
        Some(format!("Deleted {made}.").as_str()),
        "{}",
        d.error()
    );
    assert!(matches!(
        c.get_raven(&made).await,
        Err(raven_console::api::client::ClientError::NotFound { .. })
    ));
}

#[tokio::test]
async fn raven_servers_scim_refuses_a_stale_edit_with_412() {
    let dir = tempfile::tempdir().expect("dir");
    let (url, key, _store) = raven_server_with_key(dir.path()).await;
    let mut d = Driver::start(&url, &key, ApiChoice::Scim).await;
    let first = d.ids()[0].clone();
    d.press(KeyCode::Char('e')).await;
    // Someone else writes in between, through another dialect.
    let c = Client::new(&url, Some(key.clone())).expect("client");
    let patch = raven_console::api::raven::PatchUser {
        display_name: Some(Some("Someone Else".into())),
        ..Default::default()
    };
    c.patch_raven(&first, &patch, None)
        .await
        .expect("their write");
    d.focus(FormField::Name);
    d.press(KeyCode::End).await;
    d.typed(" Mine").await;
    d.ctrl('s').await;
    d.press(KeyCode::Enter).await;
    let form = d.state.form.as_ref().expect("the draft stays");
    assert!(
        matches!(
            form.phase,
            raven_console::console::edit::form::Phase::Conflict(_)
        ),
        "mine against theirs: {:?} {}",
        form.phase,
        d.error()
    );
    let now = c.get_raven(&first).await.expect("get");
    assert_eq!(
        now.user.display_name.as_deref(),
        Some("Someone Else"),
        "nothing overwritten"
    );
}
