//! The console against servers other than raven-server: small stand-in
//! third-party servers written from the specs alone (`tests/standin/`), driven
//! through the real client and the real `update()`, with no terminal.

mod standin;

use ratatui::crossterm::event::KeyCode;
use raven_console::api::client::{Client, ClientError};
use raven_console::api::raven::CreateUser;
use raven_console::console::config::ApiChoice;
use raven_console::console::edit::form::FormField;
use raven_console::console::view::BothViews;
use raven_console::console::words;
use standin::{Dialect, Errors, KEY, READ_ONLY_KEY, Standin, Switches};

#[path = "support/console.rs"]
mod support;

#[path = "support/driver.rs"]
mod driver;
use driver::Driver;

fn all(n: usize) -> Vec<String> {
    // Newest first, as the stand-ins order them.
    (1..=n).rev().map(|i| format!("user_{i:03}")).collect()
}

#[tokio::test]
async fn a_raven_server_capping_its_pages_shows_every_user() {
    let s = Standin::start(
        Dialect::Raven,
        Switches {
            page_cap: Some(10),
            ..Switches::default()
        },
        25,
    );
    let mut d = Driver::start(&s.url, KEY, ApiChoice::Auto).await;
    assert_eq!(
        d.state.query().limit,
        19,
        "the console asks for a screenful"
    );
    let (ids, labels) = d.walk().await;
    assert_eq!(ids, all(25), "every user reachable, none twice");
    assert_eq!(labels, ["1 of 3", "2 of 3", "3 of 3"]);
    // And back: the previous page is the one before, not 19 rows before.
    assert!(d.press(KeyCode::Char('p')).await);
    assert_eq!(d.label(), "2 of 3");
    assert_eq!(d.ids().first().map(String::as_str), Some("user_015"));
}

#[tokio::test]
async fn a_raven_server_that_echoes_the_asked_limit_is_paged_by_rows() {
    let s = Standin::start(
        Dialect::Raven,
        Switches {
            page_cap: Some(10),
            echo_asked_limit: true,
            ..Switches::default()
        },
        25,
    );
    let mut d = Driver::start(&s.url, KEY, ApiChoice::Raven).await;
    let (ids, labels) = d.walk().await;
    assert_eq!(ids, all(25));
    assert_eq!(labels, ["1 of 3", "2 of 3", "3 of 3"]);
}

#[tokio::test]
async fn an_eai_server_sending_fewer_rows_than_asked_shows_every_user() {
    let s = Standin::start(
        Dialect::Eai,
        Switches {
            page_cap: Some(10),
            ..Switches::default()
        },
        40,
    );
    let mut d = Driver::start(&s.url, KEY, ApiChoice::Auto).await;
    let (ids, labels) = d.walk().await;
    assert_eq!(ids, all(40));
    assert_eq!(labels, ["1 of 4", "2 of 4", "3 of 4", "4 of 4"]);
}

#[tokio::test]
async fn a_list_without_total_is_shown_and_paged_while_pages_have_users() {
    for (dialect, cap) in [(Dialect::Raven, None), (Dialect::Eai, Some(10))] {
        let s = Standin::start(
            dialect,
            Switches {
                no_total: true,
                page_cap: cap,
                ..Switches::default()
            },
            45,
        );
        let mut d = Driver::start(&s.url, KEY, ApiChoice::Auto).await;
        assert_eq!(
            d.error(),
            "",
            "{dialect:?}: the page is shown, not thrown away"
        );
        assert_eq!(d.state.list.as_ref().unwrap().total, None);
        assert_eq!(d.label(), "1 of ?");
        let (ids, _) = d.walk().await;
        assert_eq!(ids, all(45), "{dialect:?}");
        assert_eq!(
            d.state.info.as_deref(),
            Some("That was the last page."),
            "{dialect:?}"
        );
        assert!(!d.ids().is_empty(), "the last page stays on screen");
    }
}

#[tokio::test]
async fn vendor_error_bodies_yield_their_message() {
    for errors in [Errors::Nest, Errors::Bare, Errors::Problem] {
        let s = Standin::start(
            Dialect::Raven,
            Switches {
                errors,
                ..Switches::default()
            },
            3,
        );
        let c = Client::new(&s.url, Some(READ_ONLY_KEY.into())).unwrap();
        let err = c.create(&CreateUser::default()).await.unwrap_err();
        let text = words::explain(&err, "the test key");
        assert!(
            text.contains("Missing permission: users.manage"),
            "{errors:?}: {text}"
        );
        let missing = Client::new(&s.url, Some(KEY.into()))
            .unwrap()
            .get(raven_console::console::view::Dialects::RAVEN, "user_999")
            .await
            .unwrap_err();
        assert!(
            words::explain(&missing, "").contains("User user_999 not found"),
            "{errors:?}: {missing:?}"
        );
        let bad = Client::new(&s.url, Some("wrong".into())).unwrap();
        assert!(matches!(
            bad.detect().await,
            Err(ClientError::Unauthorized { message }) if message == "Invalid API key"
        ));
    }
}

#[tokio::test]
async fn naming_a_dialect_the_server_lacks_says_so_and_suggests_auto() {
    let raven = Standin::start(Dialect::Raven, Switches::default(), 3);
    let d = Driver::start(&raven.url, KEY, ApiChoice::Eai).await;
    let text = d.error();
    assert!(
        text.contains("does not speak the EAI Users REST API v3") && text.contains("--api auto"),
        "{text}"
    );
    assert!(d.state.server.dialects.is_none());

    let eai = Standin::start(Dialect::Eai, Switches::default(), 3);
    let d = Driver::start(&eai.url, KEY, ApiChoice::Raven).await;
    let text = d.error();
    assert!(
        text.contains("does not speak the Raven Users API v1") && text.contains("--api auto"),
        "{text}"
    );
    // And auto finds what is there.
    let d = Driver::start(&eai.url, KEY, ApiChoice::Auto).await;
    assert_eq!(d.ids().len(), 3);
}

/// Opens the newest user in the edit form.
async fn edit_first(d: &mut Driver) {
    d.press(KeyCode::Char('e')).await;
    assert!(d.state.form.is_some(), "the form opens: {}", d.error());
}

#[tokio::test]
async fn a_change_the_server_ignores_is_not_called_saved() {
    let s = Standin::start(
        Dialect::Eai,
        Switches {
            ignored: vec!["role".into()],
            ..Switches::default()
        },
        3,
    );
    let mut d = Driver::start(&s.url, KEY, ApiChoice::Auto).await;
    edit_first(&mut d).await;
    d.state.form.as_mut().unwrap().focus = FormField::Role;
    d.press(KeyCode::Right).await; // member -> viewer
    d.state.form.as_mut().unwrap().focus = FormField::Name;
    d.press(KeyCode::End).await;
    d.typed(" Jr").await;
    d.ctrl('s').await;
    d.press(KeyCode::Enter).await;
    let text = d.error();
    assert!(
        text.contains("the server kept role member"),
        "not 'Saved': {text}"
    );
    assert_ne!(d.state.info.as_deref(), Some("Saved."));
    assert!(d.state.form.is_some(), "the draft stays open");
    let stored = s.user("user_003").unwrap();
    assert_eq!(stored.name.as_deref(), Some("Person 003 Jr"));
    assert_eq!(stored.role, "member");
    // What did take is the new baseline: a second Ctrl-s sends only the role again.
    let form = d.state.form.as_ref().unwrap();
    assert_eq!(form.base.name, "Person 003 Jr");
}

#[tokio::test]
async fn a_server_without_etags_still_saves() {
    for dialect in [Dialect::Raven, Dialect::Eai] {
        let s = Standin::start(
            dialect,
            Switches {
                no_etag: true,
                ..Switches::default()
            },
            2,
        );
        let mut d = Driver::start(&s.url, KEY, ApiChoice::Auto).await;
        edit_first(&mut d).await;
        d.press(KeyCode::End).await;
        d.typed("!").await;
        d.ctrl('s').await;
        d.press(KeyCode::Enter).await;
        assert_eq!(
            d.state.info.as_deref(),
            Some("Saved."),
            "{dialect:?}: {}",
            d.error()
        );
        assert_eq!(
            s.user("user_002").unwrap().name.as_deref(),
            Some("Person 002!")
        );
    }
}

#[tokio::test]
async fn times_with_offsets_are_shown_in_utc_and_extra_fields_in_the_detail() {
    for dialect in [Dialect::Raven, Dialect::Eai] {
        let s = Standin::start(
            dialect,
            Switches {
                offset_times: true,
                extra_fields: true,
                ..Switches::default()
            },
            2,
        );
        let mut d = Driver::start(&s.url, KEY, ApiChoice::Auto).await;
        let row = d.state.list.as_ref().unwrap().rows[0].clone();
        // user_002 was created at 00:02:00Z, sent as 02:02:00+02:00.
        let shown = row
            .created_at
            .clone()
            .or(row.last_login_at.clone())
            .unwrap();
        assert!(
            shown.starts_with("2026-03-11T00:02"),
            "{dialect:?}: {shown}"
        );
        assert!(shown.ends_with('Z'), "{shown}");
        d.press(KeyCode::Enter).await;
        let rec = d.state.detail.as_ref().unwrap().record.clone().unwrap();
        assert_eq!(rec["department"], "Operations", "{dialect:?}: {rec}");
        assert_eq!(rec["x_vendor_id"], "v-user_002");
        assert_eq!(rec["created_at"], "2026-03-11T00:02:00Z", "{rec}");
    }
}

#[tokio::test]
async fn https_to_a_plain_http_server_asks_if_it_is_http() {
    let s = Standin::start(Dialect::Raven, Switches::default(), 1);
    let https = s.url.replacen("http://", "https://", 1);
    let d = Driver::start(&https, KEY, ApiChoice::Auto).await;
    let text = d.error();
    assert!(text.contains(&format!("is it {}?", s.url)), "{text}");
}

#[tokio::test]
async fn a_refused_write_greys_editing_on_a_server_that_cannot_say_up_front() {
    let s = Standin::start(Dialect::Raven, Switches::default(), 2);
    let mut d = Driver::start(&s.url, READ_ONLY_KEY, ApiChoice::Auto).await;
    assert_eq!(d.state.server.key, None, "the stand-in has no /api/v1/key");
    assert_eq!(d.state.write_block(), None, "nothing known yet");
    edit_first(&mut d).await;
    d.press(KeyCode::End).await;
    d.typed("x").await;
    d.ctrl('s').await;
    d.press(KeyCode::Enter).await;
    assert!(d.error().contains("Missing permission: users.manage"));
    assert!(d.state.form.is_some(), "the draft is kept");
    // Esc, y: discard; from now on e and c say why instead of opening.
    d.press(KeyCode::Esc).await;
    d.press(KeyCode::Char('y')).await;
    assert!(d.state.form.is_none());
    d.press(KeyCode::Esc).await;
    d.press(KeyCode::Char('c')).await;
    assert!(d.state.form.is_none());
    let text = d.error();
    assert!(
        text.contains("Editing is off") && text.contains("Missing permission"),
        "{text}"
    );
}

#[tokio::test]
async fn read_only_sends_no_write() {
    let s = Standin::start(Dialect::Raven, Switches::default(), 2);
    let c = Client::new(&s.url, Some(KEY.into()))
        .unwrap()
        .read_only(true);
    assert_eq!(
        c.create(&CreateUser::default()).await.unwrap_err(),
        ClientError::ReadOnly
    );
    assert!(s.user("user_003").is_none(), "nothing reached the server");
    let mut d = Driver::with_client(c, ApiChoice::Auto).await;
    d.press(KeyCode::Char('c')).await;
    assert!(d.state.form.is_none());
    assert!(d.error().contains("read-only"), "{}", d.error());
}

#[tokio::test]
async fn a_bulk_change_runs_against_a_server_without_etags_sending_no_if_match() {
    let server = Standin::start(
        Dialect::Eai,
        Switches {
            no_etag: true,
            ..Switches::default()
        },
        8,
    );
    let mut d = Driver::start(&server.url, KEY, ApiChoice::Auto).await;
    d.typed("A").await;
    assert_eq!(d.state.marks.len(), 8);
    assert_eq!(d.state.marks.unread(), 0, "each marked user was read");
    d.press(KeyCode::Char(':')).await;
    d.typed("set status inactive").await;
    d.press(KeyCode::Enter).await;
    d.press(KeyCode::Enter).await;
    let Some(raven_console::console::app::bulk::Stage::Result(run)) =
        d.state.bulk.as_ref().map(|b| &b.stage)
    else {
        panic!("no result: {:?}", d.state.bulk);
    };
    assert_eq!(run.tally().done, 8, "{:?}", run.outcomes);
    assert!(d.state.marks.is_empty(), "done users are unmarked");
    for i in 1..=8 {
        assert_eq!(
            server.user(&format!("user_{i:03}")).unwrap().status,
            "inactive"
        );
    }
    assert_eq!(server.if_matches(), vec![None; 8]);
    // The list was asked again and shows what changed.
    let l = d.state.list.as_ref().unwrap();
    assert!(
        l.rows
            .iter()
            .all(|r| r.status == Some(raven_console::model::Status::Inactive))
    );
}

#[tokio::test]
async fn a_server_without_history_greys_h_with_the_reason() {
    for dialect in [Dialect::Raven, Dialect::Eai] {
        let s = Standin::start(dialect, Switches::default(), 3);
        let mut d = Driver::start(&s.url, KEY, ApiChoice::Auto).await;
        let why = raven_console::console::app::history::greyed(&d.state)
            .expect("h is greyed: the stand-in has no audit trail");
        assert!(why.contains("no audit trail"), "{why}");
        assert!(!d.press(KeyCode::Char('h')).await, "no request is sent");
        assert_eq!(d.state.focus, raven_console::console::app::Focus::List);
        assert!(d.error().contains("History is off"), "{}", d.error());
    }
}
