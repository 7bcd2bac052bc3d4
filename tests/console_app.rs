//! The pure state machine: `update(state, action)` with no terminal, network or clock.

use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use raven_console::api::client::ClientError;
use raven_console::console::app::{Action, DEBOUNCE, Effect, FilterField, Focus, State, update};
use raven_console::console::config::ApiChoice;
use raven_console::console::view::{ActingAs, Dialects, ListPage, ListRow, UserViews};
use raven_console::model::{Role, Status};

#[path = "support/console.rs"]
mod support;
use support::{Boot, ch, key, list_req};

fn page(offset: u64, n: u64, total: u64) -> ListPage {
    ListPage {
        rows: (offset..offset + n)
            .map(|i| ListRow {
                id: format!("usr_{i:04}"),
                name: Some(format!("User {i}")),
                status: Some(Status::Active),
                ..ListRow::default()
            })
            .collect(),
        total: Some(total),
        limit: None,
    }
}

/// Connected to a server of `dialects` with 24 rows (19 a page), first page of 300 loaded.
fn connected(dialects: Dialects) -> State {
    Boot {
        dialects,
        ..Boot::default()
    }
    .listed(|_, q| {
        assert_eq!((q.offset, q.limit), (0, 19));
        page(0, 19, 300)
    })
}

fn shown_offset(s: &State) -> u64 {
    s.list.as_ref().map(|l| l.offset).unwrap()
}

#[test]
fn paging_moves_by_one_page_and_stops_at_the_ends() {
    let mut s = connected(Dialects::BOTH);
    assert_eq!(update(&mut s, ch('p')), vec![], "no page before the first");
    let (id, q) = list_req(&update(&mut s, ch('n')));
    assert_eq!(q.offset, 19);
    update(
        &mut s,
        Action::Listed {
            id,
            result: Ok(page(19, 19, 300)),
        },
    );
    let l = s.list.as_ref().unwrap();
    assert_eq!((l.page(), l.pages()), (2, Some(16)));
    let (_, q) = list_req(&update(&mut s, key(KeyCode::PageUp)));
    assert_eq!(q.offset, 0);

    // The last page: 300 = 15 * 19 + 15.
    let mut s = connected(Dialects::BOTH);
    for _ in 0..15 {
        update(&mut s, key(KeyCode::PageDown));
    }
    assert_eq!(s.offset, 285);
    assert_eq!(update(&mut s, ch('n')), vec![], "no page after the last");
}

#[test]
fn the_cursor_stays_on_the_page() {
    let mut s = connected(Dialects::BOTH);
    update(&mut s, ch('k'));
    assert_eq!(s.cursor, 0);
    update(&mut s, ch('j'));
    update(&mut s, key(KeyCode::Down));
    assert_eq!(s.cursor, 2);
    update(&mut s, key(KeyCode::End));
    assert_eq!(s.cursor, 18);
    // Past the bottom row is the next page (see j_at_the_bottom_goes_on...).
    let (_, q) = list_req(&update(&mut s, ch('j')));
    assert_eq!((q.offset, s.cursor), (19, 0));
    update(&mut s, key(KeyCode::Home));
    assert_eq!(s.selected().unwrap().id, "usr_0000");
}

#[test]
fn typing_an_external_ref_is_debounced() {
    let mut s = connected(Dialects::BOTH);
    update(&mut s, ch('f'));
    assert_eq!(s.focus, Focus::Filter(FilterField::ExternalRef));
    let first = update(&mut s, ch('j'));
    let second = update(&mut s, ch('o'));
    let timer = |fx: &[Effect]| match fx {
        [Effect::After { delay, action }] => {
            assert_eq!(*delay, DEBOUNCE);
            (**action).clone()
        }
        other => panic!("expected one debounce timer, got {other:?}"),
    };
    let (t1, t2) = (timer(&first), timer(&second));
    // The first timer is superseded by the second keystroke.
    assert_eq!(update(&mut s, t1), vec![]);
    let (_, q) = list_req(&update(&mut s, t2));
    assert_eq!(q.external_ref.as_deref(), Some("jo"));
    assert_eq!(q.offset, 0);
}

#[test]
fn a_search_goes_out_at_every_keystroke_whatever_its_length() {
    let mut s = connected(Dialects::BOTH);
    update(&mut s, ch('/'));
    let (first, q) = list_req(&update(&mut s, ch('w')));
    assert_eq!(q.search.as_deref(), Some("w"));
    // The next keystroke supersedes the request in flight.
    let (second, q) = list_req(&update(&mut s, ch('i')));
    assert_eq!(q.search.as_deref(), Some("wi"));
    assert_ne!(first, second);
    assert_eq!(s.pending_list(), Some(second));
    let (_, q) = list_req(&update(&mut s, ch('l')));
    assert_eq!(q.search.as_deref(), Some("wil"));
    for left in ["wi", "w"] {
        let (_, q) = list_req(&update(&mut s, key(KeyCode::Backspace)));
        assert_eq!(q.search.as_deref(), Some(left));
    }
    // Emptied: the whole list again, at once.
    let (_, q) = list_req(&update(&mut s, key(KeyCode::Backspace)));
    assert_eq!(q.search, None);
}

#[test]
fn keys_are_text_in_a_filter_field() {
    let mut s = connected(Dialects::BOTH);
    update(&mut s, ch('/'));
    for c in "q/n?".chars() {
        update(&mut s, ch(c));
    }
    assert!(!s.quit && !s.help);
    assert_eq!(s.filters.search.value(), "q/n?");
    update(&mut s, key(KeyCode::Backspace));
    assert_eq!(s.filters.search.value(), "q/n");
}

#[test]
fn enter_applies_at_once_and_esc_clears() {
    let mut s = connected(Dialects::BOTH);
    // An external_ref waits for a pause in the typing; Enter means now.
    update(&mut s, ch('f'));
    update(&mut s, ch('x'));
    let (_, q) = list_req(&update(&mut s, key(KeyCode::Enter)));
    assert_eq!(q.external_ref.as_deref(), Some("x"));
    assert_eq!(s.focus, Focus::List);
    // A search went at once, so Enter has nothing left to send.
    update(&mut s, ch('/'));
    list_req(&update(&mut s, ch('x')));
    assert_eq!(update(&mut s, key(KeyCode::Enter)), vec![]);
    assert_eq!(s.focus, Focus::List);

    update(&mut s, ch('/'));
    let (_, q) = list_req(&update(&mut s, key(KeyCode::Esc)));
    assert_eq!(q.search, None);
    assert_eq!(s.filters.search.value(), "");
    assert_eq!(s.focus, Focus::List);
}

#[test]
fn role_and_status_pick_from_the_allowed_values() {
    let mut s = connected(Dialects::BOTH);
    update(&mut s, ch('f'));
    assert_eq!(s.focus, Focus::Filter(FilterField::ExternalRef));
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.focus, Focus::Filter(FilterField::Role));
    // Letters are not free text here.
    assert_eq!(update(&mut s, ch('x')), vec![]);
    let (_, q) = list_req(&update(&mut s, key(KeyCode::Right)));
    assert_eq!(q.role, Some(Role::Admin));
    update(&mut s, key(KeyCode::Tab));
    let (_, q) = list_req(&update(&mut s, key(KeyCode::Left)));
    assert_eq!(
        (q.role, q.status),
        (Some(Role::Admin), Some(Status::Inactive))
    );
    update(&mut s, key(KeyCode::BackTab));
    let (_, q) = list_req(&update(&mut s, key(KeyCode::Esc)));
    assert_eq!((q.role, q.status), (None, Some(Status::Inactive)));
}

#[test]
fn an_answer_to_an_old_query_is_dropped() {
    let mut s = connected(Dialects::BOTH);
    let (old, _) = list_req(&update(&mut s, ch('n')));
    // The admin types before page 2 arrives: page 2 no longer answers anything.
    update(&mut s, ch('/'));
    let (new, q) = list_req(&update(&mut s, ch('z')));
    assert_eq!(q.search.as_deref(), Some("z"));
    let before = s.list.clone();
    update(
        &mut s,
        Action::Listed {
            id: old,
            result: Ok(page(19, 19, 300)),
        },
    );
    assert_eq!(s.list, before, "the stale page must not be shown");
    assert!(s.busy());
    update(
        &mut s,
        Action::Listed {
            id: new,
            result: Ok(page(0, 2, 2)),
        },
    );
    assert_eq!(s.list.as_ref().unwrap().total, Some(2));
    assert!(!s.busy());
}

#[test]
fn quick_paging_shows_only_the_last_page_asked_for() {
    let mut s = connected(Dialects::BOTH);
    let (a, _) = list_req(&update(&mut s, ch('n')));
    let (b, q) = list_req(&update(&mut s, ch('n')));
    assert_eq!(q.offset, 38);
    update(
        &mut s,
        Action::Listed {
            id: a,
            result: Ok(page(19, 19, 300)),
        },
    );
    assert_eq!(shown_offset(&s), 0);
    update(
        &mut s,
        Action::Listed {
            id: b,
            result: Ok(page(38, 19, 300)),
        },
    );
    assert_eq!(shown_offset(&s), 38);
}

#[test]
fn a_raven_only_server_greys_what_it_cannot_filter() {
    let mut s = connected(Dialects::RAVEN);
    for f in [FilterField::Role, FilterField::Status, FilterField::Search] {
        assert!(s.unavailable(f).unwrap().contains("Raven"), "{f:?}");
    }
    assert_eq!(s.unavailable(FilterField::ExternalRef), None);
    update(&mut s, ch('/'));
    assert_eq!(s.focus, Focus::List, "search cannot be focused");
    assert!(s.error.as_ref().unwrap().text.contains("greyed"));
    update(&mut s, ch('f'));
    assert_eq!(s.focus, Focus::Filter(FilterField::ExternalRef));
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(
        s.focus,
        Focus::Filter(FilterField::ExternalRef),
        "Tab skips greyed fields"
    );
    // Even a value set some other way is never sent to a server that cannot serve it.
    s.filters.role = Some(Role::Admin);
    assert_eq!(s.query().role, None);
}

#[test]
fn an_eai_only_server_greys_external_ref() {
    let mut s = connected(Dialects::EAI);
    assert!(
        s.unavailable(FilterField::ExternalRef)
            .unwrap()
            .contains("EAI")
    );
    update(&mut s, ch('f'));
    assert_eq!(s.focus, Focus::Filter(FilterField::Role));
}

#[test]
fn a_refused_key_says_what_to_fix_and_is_not_retried() {
    let mut s = connected(Dialects::BOTH);
    let (id, _) = list_req(&update(&mut s, ch('r')));
    let fx = update(
        &mut s,
        Action::Listed {
            id,
            result: Err(ClientError::Unauthorized {
                message: "unknown key".into(),
            }),
        },
    );
    assert_eq!(fx, vec![]);
    let e = s.error.clone().unwrap();
    assert!(e.text.contains("$RAVEN_TOKEN"), "{}", e.text);
    assert_eq!(e.retry_in, None);
    assert_eq!(
        s.list.as_ref().unwrap().rows.len(),
        19,
        "the last data stays"
    );
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(s.error, None);
}

fn unreachable() -> ClientError {
    ClientError::Unreachable {
        url: "http://raven.test".into(),
        reason: "Connection refused".into(),
    }
}

#[test]
fn an_unreachable_server_is_retried_with_backoff_over_the_last_data() {
    let mut s = connected(Dialects::BOTH);
    let (id, _) = list_req(&update(&mut s, ch('n')));
    let fx = update(
        &mut s,
        Action::Listed {
            id,
            result: Err(unreachable()),
        },
    );
    let [Effect::After { delay, action }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(*delay, Duration::from_secs(1));
    assert_eq!(
        s.error.as_ref().unwrap().retry_in,
        Some(Duration::from_secs(1))
    );
    assert_eq!(shown_offset(&s), 0, "the screen keeps the last data");

    let (id, q) = list_req(&update(&mut s, (**action).clone()));
    assert_eq!(q.offset, 19, "the retry asks the same question");
    let fx = update(
        &mut s,
        Action::Listed {
            id,
            result: Err(unreachable()),
        },
    );
    let [Effect::After { delay, action }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(*delay, Duration::from_secs(2));
    let retry = (**action).clone();

    // The admin refreshes by hand and it works: the pending retry is moot.
    let (id, _) = list_req(&update(&mut s, ch('r')));
    update(
        &mut s,
        Action::Listed {
            id,
            result: Ok(page(19, 19, 300)),
        },
    );
    assert_eq!(s.error, None);
    assert_eq!(update(&mut s, retry), vec![]);
}

#[test]
fn a_failed_connection_is_retried() {
    let mut s = State::new("http://raven.test", "", ApiChoice::Auto, 24);
    s.start();
    let fx = update(&mut s, Action::Connected(Err(unreachable())));
    let [Effect::After { action, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(
        update(&mut s, (**action).clone()),
        vec![Effect::Connect {
            api: ApiChoice::Auto
        }]
    );
    assert!(s.busy());
}

#[test]
fn detail_opens_scrolls_and_drops_a_late_answer() {
    let mut s = connected(Dialects::BOTH);
    update(&mut s, ch('j'));
    let fx = update(&mut s, key(KeyCode::Enter));
    let [Effect::Get { id, user_id, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(user_id, "usr_0001");
    assert_eq!(s.focus, Focus::Detail);
    update(
        &mut s,
        Action::Fetched {
            id: *id,
            result: Ok(Box::new(UserViews::default())),
        },
    );
    let d = s.detail.clone().unwrap();
    assert_eq!(d.record.unwrap()["id"], "usr_0001");
    update(&mut s, ch('j'));
    assert_eq!(
        s.detail.as_ref().unwrap().scroll,
        0,
        "nothing to scroll in a short record"
    );

    let fx = update(&mut s, ch('r'));
    let [Effect::Get { id, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    update(&mut s, key(KeyCode::Esc));
    assert_eq!((s.focus, s.detail.is_none()), (Focus::List, true));
    assert_eq!(
        update(
            &mut s,
            Action::Fetched {
                id: *id,
                result: Ok(Box::new(UserViews::default())),
            }
        ),
        vec![]
    );
    assert!(s.detail.is_none());
}

#[test]
fn resizing_keeps_the_selected_user_in_view() {
    let mut s = connected(Dialects::BOTH);
    let (id, _) = list_req(&update(&mut s, ch('n')));
    update(
        &mut s,
        Action::Listed {
            id,
            result: Ok(page(19, 19, 300)),
        },
    );
    for _ in 0..5 {
        update(&mut s, ch('j'));
    }
    let fx = update(
        &mut s,
        Action::Resize {
            width: 160,
            height: 45,
        },
    );
    assert_eq!((s.limit, s.offset, s.cursor), (40, 0, 24));
    let [Effect::After { action, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let (_, q) = list_req(&update(&mut s, (**action).clone()));
    assert_eq!((q.offset, q.limit), (0, 40));
}

#[test]
fn a_page_emptied_under_us_falls_back_to_the_last_page() {
    let mut s = connected(Dialects::BOTH);
    let (id, _) = list_req(&update(&mut s, ch('n')));
    let fx = update(
        &mut s,
        Action::Listed {
            id,
            result: Ok(page(0, 0, 10)),
        },
    );
    let (_, q) = list_req(&fx);
    assert_eq!(q.offset, 0);
}

#[test]
fn help_and_quit() {
    let mut s = connected(Dialects::BOTH);
    update(&mut s, ch('?'));
    assert!(s.help);
    update(&mut s, ch('j'));
    assert_eq!(s.cursor, 0, "help swallows list keys");
    update(&mut s, key(KeyCode::Esc));
    assert!(!s.help);
    update(&mut s, ch('q'));
    assert!(s.quit);

    let mut s = connected(Dialects::BOTH);
    update(&mut s, ch('/'));
    update(
        &mut s,
        Action::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
    );
    assert!(s.quit, "Ctrl-C quits even from a text field");
}

#[test]
fn the_spinner_turns_only_while_busy() {
    let mut s = connected(Dialects::BOTH);
    update(&mut s, Action::Tick);
    assert_eq!(s.spinner, 0);
    update(&mut s, ch('r'));
    update(&mut s, Action::Tick);
    assert_eq!(s.spinner, 1);
}

/// Connected with a key the server described, before the first page came back.
fn connected_as(key: raven_console::api::key::KeyInfo, who: ActingAs) -> (State, u64) {
    let (s, id, _) = Boot {
        token_hint: "the key",
        acting_as: who,
        key: Some(key),
        ..Boot::default()
    }
    .connected();
    (s, id)
}

fn key_info(scopes: &[&str], user: Option<&str>) -> raven_console::api::key::KeyInfo {
    raven_console::api::key::KeyInfo {
        key: "rk_live_AbCd1234…".into(),
        tenant_id: "ten_1".into(),
        scopes: scopes.iter().map(|s| s.to_string()).collect(),
        user_id: user.map(str::to_string),
    }
}

#[test]
fn a_read_only_key_says_why_e_and_c_are_off_before_any_form() {
    let (mut s, id) = connected_as(key_info(&["users:read"], None), ActingAs::Tenant);
    update(
        &mut s,
        Action::Listed {
            id,
            result: Ok(page(0, 19, 300)),
        },
    );
    assert!(s.write_block().is_some_and(|w| w.contains("users:read")));
    for c in ['e', 'c'] {
        assert_eq!(update(&mut s, ch(c)), vec![], "{c} sends nothing");
        assert!(s.form.is_none());
        assert_eq!(s.detail, None);
        let text = &s.error.as_ref().expect("a reason").text;
        assert!(
            text.starts_with("Editing is off: this key is read-only"),
            "{text}"
        );
    }
    // Browsing is untouched.
    assert!(matches!(
        update(&mut s, key(KeyCode::Enter)).as_slice(),
        [Effect::Get { .. }]
    ));
}

#[test]
fn the_read_only_flag_wins_over_a_read_write_key() {
    let (mut s, _) = connected_as(
        key_info(&["users:read", "users:write"], None),
        ActingAs::Tenant,
    );
    assert_eq!(s.write_block(), None);
    s.server.read_only = true;
    assert!(s.write_block().is_some_and(|w| w.contains("--read-only")));
}

#[test]
fn a_bound_key_refused_the_list_opens_its_own_user() {
    // Raven-only servers have no `me`: the key endpoint names the user.
    let (mut s, id) = connected_as(
        key_info(&["users:read", "users:write"], Some("usr_me")),
        ActingAs::Unknown,
    );
    let fx = update(
        &mut s,
        Action::Listed {
            id,
            result: Err(ClientError::Forbidden {
                code: "forbidden".into(),
                message: "this API key is bound to a user without the users.manage permission"
                    .into(),
            }),
        },
    );
    let [Effect::Get { user_id, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(user_id, "usr_me");
    assert_eq!(s.focus, Focus::Detail);
    assert_eq!(s.error, None, "not a dead end");
    let l = s.list.as_ref().unwrap();
    assert_eq!((l.rows.len(), l.total), (1, Some(1)));
    assert_eq!(s.write_block(), None, "it may edit its own user");
}

#[test]
fn a_tenant_key_refused_the_list_still_says_so() {
    let (mut s, id) = connected_as(key_info(&["users:write"], None), ActingAs::Tenant);
    update(
        &mut s,
        Action::Listed {
            id,
            result: Err(ClientError::Forbidden {
                code: "insufficient_scope".into(),
                message: "this API key lacks the users:read scope".into(),
            }),
        },
    );
    assert!(s.error.as_ref().unwrap().text.contains("users:read"));
}

#[test]
fn a_capped_page_moves_on_by_the_rows_received() {
    let mut s = connected(Dialects::BOTH);
    // The server had answered 10 of the 19 asked, with 300 in all.
    let (id, _) = list_req(&update(&mut s, ch('r')));
    update(
        &mut s,
        Action::Listed {
            id,
            result: Ok(page(0, 10, 300)),
        },
    );
    assert_eq!(s.cap, Some(10));
    let l = s.list.as_ref().unwrap();
    assert_eq!((l.page(), l.pages()), (1, Some(30)));
    let (_, q) = list_req(&update(&mut s, ch('n')));
    assert_eq!(q.offset, 10, "not 19: rows 10..19 would never be shown");
}

#[test]
fn while_a_search_is_out_the_old_rows_are_stale_and_not_opened() {
    let mut s = connected(Dialects::BOTH);
    update(&mut s, ch('/'));
    for c in "jan".chars() {
        update(&mut s, ch(c));
    }
    update(&mut s, key(KeyCode::Enter));
    assert!(s.stale(), "the rows answer no search, and 'jan' is typed");
    assert_eq!(update(&mut s, key(KeyCode::Enter)), vec![]);
    assert!(s.detail.is_none());
    assert!(
        s.error
            .as_ref()
            .unwrap()
            .text
            .contains("still being updated")
    );
    let id = s.pending_list().expect("the search is out");
    update(
        &mut s,
        Action::Listed {
            id,
            result: Ok(page(0, 3, 3)),
        },
    );
    assert!(!s.stale());
    assert!(matches!(
        update(&mut s, key(KeyCode::Enter)).as_slice(),
        [Effect::Get { .. }]
    ));
}

#[test]
fn offline_the_retry_counts_down_and_page_keys_wait() {
    let mut s = connected(Dialects::BOTH);
    let (id, _) = list_req(&update(&mut s, ch('r')));
    update(
        &mut s,
        Action::Listed {
            id,
            result: Err(unreachable()),
        },
    );
    let left = |s: &State| s.error.as_ref().and_then(|e| e.retry_in);
    assert_eq!(left(&s), Some(Duration::from_secs(1)));
    assert!(s.counting());
    for _ in 0..4 {
        update(&mut s, Action::Tick);
    }
    assert_eq!(left(&s), Some(Duration::from_millis(600)));
    assert_eq!(update(&mut s, ch('n')), vec![], "no page asked for offline");
    assert_eq!(s.offset, 0);
}

#[test]
fn x_clears_every_filter_with_one_request() {
    let mut s = connected(Dialects::BOTH);
    update(&mut s, ch('/'));
    for c in "jan".chars() {
        update(&mut s, ch(c));
    }
    update(&mut s, key(KeyCode::Tab)); // to ref (wraps around)
    update(&mut s, key(KeyCode::Enter));
    s.filters.role = Some(Role::Admin);
    assert!(s.has_filters());
    let (_, q) = list_req(&update(&mut s, ch('x')));
    assert_eq!((q.search, q.role), (None, None));
    assert!(!s.has_filters());
    assert_eq!(update(&mut s, ch('x')), vec![], "nothing left to clear");
}

#[test]
fn w_toggles_wrapping_in_the_detail() {
    let mut s = connected(Dialects::BOTH);
    let fx = update(&mut s, key(KeyCode::Enter));
    let [Effect::Get { id, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let mut d = UserViews::default();
    d.extra
        .insert("note".into(), serde_json::json!("x".repeat(500)));
    update(
        &mut s,
        Action::Fetched {
            id: *id,
            result: Ok(Box::new(d)),
        },
    );
    let view = s.detail.as_ref().unwrap();
    assert!(view.wrap, "wrapping is the default");
    let (wrapped, cut) = (view.rows(78), view.lines);
    assert!(wrapped > cut, "{wrapped} rows wrapped, {cut} lines");
    update(&mut s, ch('w'));
    assert!(!s.detail.as_ref().unwrap().wrap);
    assert_eq!(s.detail.as_ref().unwrap().rows(78), cut);
}

/// The list request among `fx` answered with rows `offset..` of a tenant of `total`.
fn answer(s: &mut State, fx: &[Effect], total: u64) {
    let (id, q) = list_req(fx);
    let n = u64::from(q.limit).min(total.saturating_sub(q.offset));
    update(
        s,
        Action::Listed {
            id,
            result: Ok(page(q.offset, n, total)),
        },
    );
}

fn command_line(s: &mut State, line: &str) -> Vec<Effect> {
    update(s, ch(':'));
    assert_eq!(s.focus, Focus::CommandLine);
    support::typed(s, line);
    update(s, key(KeyCode::Enter))
}

#[test]
fn the_command_line_pages_to_a_number_the_first_and_the_last() {
    let mut s = connected(Dialects::BOTH);
    let fx = command_line(&mut s, "last");
    assert_eq!(s.focus, Focus::List);
    assert_eq!(list_req(&fx).1.offset, 285);
    answer(&mut s, &fx, 300);
    let l = s.list.as_ref().unwrap();
    assert_eq!((l.page(), l.pages()), (16, Some(16)));
    let fx = command_line(&mut s, "page 3");
    assert_eq!(list_req(&fx).1.offset, 38);
    answer(&mut s, &fx, 300);
    let fx = command_line(&mut s, "first");
    assert_eq!(list_req(&fx).1.offset, 0);
}

#[test]
fn a_bad_command_keeps_the_line_open_and_says_why() {
    let mut s = connected(Dialects::BOTH);
    assert_eq!(command_line(&mut s, "page 17"), vec![]);
    assert_eq!(s.focus, Focus::CommandLine);
    let e = s.cmdline.error.clone().unwrap();
    assert!(e.contains("no page 17: 16 pages"), "{e}");
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(s.focus, Focus::List);
    command_line(&mut s, "srt name");
    assert!(
        s.cmdline
            .error
            .as_ref()
            .unwrap()
            .contains("Unknown command \"srt\"")
    );
    // Typing clears the error.
    update(&mut s, key(KeyCode::Backspace));
    assert_eq!(s.cmdline.error, None);
}

#[test]
fn the_command_line_completes_and_remembers() {
    let mut s = connected(Dialects::BOTH);
    update(&mut s, ch(':'));
    support::typed(&mut s, "pa");
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.cmdline.input.value(), "page ");
    support::typed(&mut s, "2");
    let fx = update(&mut s, key(KeyCode::Enter));
    answer(&mut s, &fx, 300);
    command_line(&mut s, "last");
    update(&mut s, ch(':'));
    update(&mut s, key(KeyCode::Up));
    assert_eq!(s.cmdline.input.value(), "last");
    update(&mut s, key(KeyCode::Up));
    assert_eq!(s.cmdline.input.value(), "page 2");
    update(&mut s, key(KeyCode::Down));
    update(&mut s, key(KeyCode::Down));
    assert_eq!(s.cmdline.input.value(), "");
    // `q` on the command line is typing, not quitting.
    update(&mut s, ch('q'));
    assert!(!s.quit);
    update(&mut s, key(KeyCode::Enter));
    assert!(s.quit);
}

#[test]
fn user_and_ref_open_a_user() {
    let mut s = connected(Dialects::BOTH);
    let fx = command_line(&mut s, "user usr_0042");
    assert!(matches!(fx.as_slice(), [Effect::Get { user_id, .. }] if user_id == "usr_0042"));
    assert_eq!(s.focus, Focus::Detail);
    update(&mut s, key(KeyCode::Esc));
    let fx = command_line(&mut s, "ref crm-7");
    let [Effect::FindRef { id, query, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    assert_eq!(query.external_ref.as_deref(), Some("crm-7"));
    let fx = update(
        &mut s,
        Action::FoundRef {
            id: *id,
            result: Ok(page(7, 1, 1)),
        },
    );
    assert!(matches!(fx.as_slice(), [Effect::Get { user_id, .. }] if user_id == "usr_0007"));
    update(&mut s, key(KeyCode::Esc));
    let fx = command_line(&mut s, "ref nobody");
    let [Effect::FindRef { id, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    update(
        &mut s,
        Action::FoundRef {
            id: *id,
            result: Ok(page(0, 0, 0)),
        },
    );
    assert_eq!(s.focus, Focus::List);
    assert!(
        s.error
            .as_ref()
            .unwrap()
            .text
            .contains("No user has external_ref \"nobody\"")
    );
}

#[test]
fn j_at_the_bottom_goes_on_and_g_twice_goes_to_the_last_page() {
    let mut s = connected(Dialects::BOTH);
    update(&mut s, key(KeyCode::End));
    assert_eq!(s.cursor, 18);
    let fx = update(&mut s, ch('j'));
    assert_eq!(list_req(&fx).1.offset, 19);
    answer(&mut s, &fx, 300);
    assert_eq!((shown_offset(&s), s.cursor), (19, 0));
    update(&mut s, ch('G'));
    let fx = update(&mut s, ch('G'));
    assert_eq!(list_req(&fx).1.offset, 285);
    answer(&mut s, &fx, 300);
    assert_eq!(s.cursor, 14, "on the last user");
    assert_eq!(update(&mut s, ch('j')), vec![], "nothing after the last");
}

#[test]
fn without_a_total_there_is_no_last_page_to_go_to() {
    let mut s = Boot::default().listed(|_, _| ListPage {
        total: None,
        ..page(0, 19, 300)
    });
    update(&mut s, key(KeyCode::End));
    assert_eq!(update(&mut s, key(KeyCode::End)), vec![]);
    assert!(
        s.error
            .as_ref()
            .unwrap()
            .text
            .contains("last page is not known")
    );
    command_line(&mut s, "last");
    assert!(
        s.cmdline
            .error
            .as_ref()
            .unwrap()
            .contains("did not say how many")
    );
}

#[test]
fn marks_survive_paging_and_filtering() {
    let mut s = connected(Dialects::BOTH);
    update(&mut s, ch(' '));
    update(&mut s, ch('j'));
    update(&mut s, ch('j'));
    update(&mut s, ch(' '));
    assert_eq!(s.marks.len(), 2);
    let fx = update(&mut s, ch('n'));
    answer(&mut s, &fx, 300);
    update(&mut s, ch(' '));
    assert_eq!(s.marks.len(), 3);
    // Space again unmarks; a third time marks again.
    update(&mut s, ch(' '));
    assert_eq!(s.marks.len(), 2);
    update(&mut s, ch(' '));
    // Back a page: the marks are still there, and on screen.
    let fx = update(&mut s, ch('p'));
    answer(&mut s, &fx, 300);
    assert_eq!(s.marks.len(), 3);
    // A filter changes the rows, not the marks.
    update(&mut s, ch('/'));
    support::typed(&mut s, "zzz");
    assert_eq!(s.marks.len(), 3);
    for id in ["usr_0000", "usr_0002", "usr_0019"] {
        assert!(s.marks.contains(id), "{id}");
    }
}

#[test]
fn mark_the_page_a_range_and_clear() {
    let mut s = connected(Dialects::BOTH);
    update(&mut s, support::ctrl('a'));
    assert_eq!(s.marks.len(), 19);
    update(&mut s, support::ctrl('a'));
    assert_eq!(s.marks.len(), 0, "a page all marked is unmarked");
    update(&mut s, ch('v'));
    assert!(s.error.is_some(), "a range needs a start");
    update(&mut s, ch('j'));
    update(&mut s, ch(' '));
    for _ in 0..4 {
        update(&mut s, ch('j'));
    }
    update(&mut s, ch('v'));
    assert_eq!(s.marks.len(), 5);
    assert!(s.marks.contains("usr_0001") && s.marks.contains("usr_0005"));
    update(&mut s, ch('u'));
    assert!(s.marks.is_empty());
}

#[test]
fn y_copies_the_id_and_shift_y_the_json() {
    let mut s = connected(Dialects::BOTH);
    update(&mut s, ch('j'));
    assert_eq!(
        update(&mut s, ch('y')),
        vec![Effect::Copy {
            text: "usr_0001".into()
        }]
    );
    assert!(s.info.as_ref().unwrap().contains("Copied the id of User 1"));
    let fx = update(&mut s, ch('Y'));
    let [Effect::Copy { text }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    let v: serde_json::Value = serde_json::from_str(text).unwrap();
    assert_eq!(v["id"], "usr_0001");
    assert_eq!(v["status"], "active");
    assert!(s.info.as_ref().unwrap().contains("as JSON"));
}
