//! The history pane, an event's before and after, revert and the tenant's
//! activity: `update(state, action)` units, no terminal and no network.

use std::collections::BTreeMap;

use ratatui::crossterm::event::KeyCode;
use raven_console::api::audit::{AuditActor, AuditEvent, AuditEvents, FieldChange};
use raven_console::api::client::{AuditQuery, ClientError};
use raven_console::console::app::history::events_per_page;
use raven_console::console::app::{Action, Effect, Focus, State, update};
use raven_console::console::config::ApiChoice;
use raven_console::console::edit::form::Phase;
use raven_console::console::edit::save::Saved;
use raven_console::console::history::{HistoryAnswer, HistoryCall, Support};
use raven_console::console::view::{ActingAs, Connection, Dialects, ListPage, UserViews};
use serde_json::{Value, json};

#[path = "support/console.rs"]
mod support;
use support::{
    ch, jane_eai, jane_raven, jane_row, jane_views, key, list_req, precondition_failed,
    save_failed, typed,
};

/// Connected to a server of `dialects` with Jane on the first page; the
/// audit-trail probe answered `has` (None: left unanswered).
fn connected(
    dialects: Dialects,
    key_info: Option<raven_console::api::key::KeyInfo>,
    has: Option<bool>,
) -> State {
    let mut s = State::new("http://raven.test", "the test key", ApiChoice::Auto, 24);
    s.start();
    let fx = update(
        &mut s,
        Action::Connected(Ok(Connection {
            dialects,
            acting_as: ActingAs::Tenant,
            key: key_info,
        })),
    );
    let (id, _) = list_req(&fx);
    assert!(history_calls(&fx).is_empty(), "the first page goes alone");
    let fx = update(
        &mut s,
        Action::Listed {
            id,
            result: Ok(ListPage {
                rows: vec![jane_row()],
                total: Some(1),
                limit: None,
            }),
        },
    );
    // Once it is in, the console asks whether the server keeps an audit trail.
    let probe = history_calls(&fx)
        .into_iter()
        .find(|(_, c)| *c == HistoryCall::Probe)
        .map(|(id, _)| id)
        .expect("a probe after the first page");
    if let Some(has) = has {
        update(
            &mut s,
            Action::History(Box::new(HistoryAnswer::Probed {
                id: probe,
                result: Ok(has),
            })),
        );
    }
    s
}

fn history_calls(fx: &[Effect]) -> Vec<(u64, HistoryCall)> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::History(r) => Some((r.id, r.call.clone())),
            _ => None,
        })
        .collect()
}

/// The one history request among `fx`.
fn history_req(fx: &[Effect]) -> (u64, HistoryCall) {
    let calls = history_calls(fx);
    assert_eq!(calls.len(), 1, "one history request in {fx:?}");
    calls[0].clone()
}

fn change(from: Value, to: Value) -> FieldChange {
    FieldChange { from, to }
}

fn event(version: i64, changes: &[(&str, FieldChange)]) -> AuditEvent {
    AuditEvent {
        user_id: Some("usr_jane".into()),
        version,
        at: format!("2026-03-{:02}T09:30:00.000Z", version),
        action: "update".into(),
        actor: AuditActor {
            key: Some("rk_live_AbCd".into()),
            user_id: None,
        },
        changes: changes
            .iter()
            .map(|(k, c)| (k.to_string(), c.clone()))
            .collect::<BTreeMap<_, _>>(),
    }
}

fn answer(s: &mut State, id: u64, events: Vec<AuditEvent>, total: u64) -> Vec<Effect> {
    update(
        s,
        Action::History(Box::new(HistoryAnswer::Events {
            id,
            result: Ok(AuditEvents { events, total }),
        })),
    )
}

/// Jane's history open from the list, with `events` on its first page.
fn history_of_jane(events: Vec<AuditEvent>) -> State {
    let mut s = connected(Dialects::BOTH, None, Some(true));
    let (id, _) = history_req(&update(&mut s, ch('h')));
    let total = events.len() as u64;
    answer(&mut s, id, events, total);
    s
}

fn renamed() -> AuditEvent {
    event(
        5,
        &[
            ("display_name", change(json!("Jane"), json!("Jane D."))),
            (
                "metadata",
                change(json!({"plan": "pro"}), json!({"plan": "free"})),
            ),
        ],
    )
}

/// Jane as she is now: renamed, on the free plan, at version 5.
fn jane_now() -> UserViews {
    UserViews {
        raven: Some(jane_raven("Jane D.", json!({"plan": "free"}))),
        eai: Some(jane_eai("Jane D.", json!({"theme": "dark", "beta": true}))),
        ..jane_views(5)
    }
}

/// `u` on the cursor's event, answered with `now`: the revert's form.
fn prepare_revert(s: &mut State, now: UserViews) -> Vec<Effect> {
    let fx = update(s, ch('u'));
    let [Effect::Get { id, user_id, .. }] = fx.as_slice() else {
        panic!("u loads the user as it is now: {fx:?}");
    };
    assert_eq!(user_id, "usr_jane");
    update(
        s,
        Action::Fetched {
            id: *id,
            result: Ok(Box::new(now)),
        },
    )
}

#[test]
fn h_opens_the_users_history_paged_newest_first() {
    let mut s = connected(Dialects::BOTH, None, Some(true));
    let (id, call) = history_req(&update(&mut s, ch('h')));
    assert_eq!(s.focus, Focus::History);
    let limit = events_per_page(24);
    assert_eq!(
        call,
        HistoryCall::User {
            user_id: "usr_jane".into(),
            limit,
            offset: 0
        }
    );
    let page: Vec<_> = (0..limit).map(|i| event(40 - i64::from(i), &[])).collect();
    answer(&mut s, id, page, 40);
    let feed = &s.history.pane.as_ref().unwrap().feed;
    assert_eq!((feed.page(), feed.pages()), (1, Some(3)));
    assert_eq!(
        feed.events[0].version, 40,
        "newest first, as the server sent them"
    );

    // The next page; a late answer to the first request is dropped.
    let (next, call) = history_req(&update(&mut s, ch('n')));
    assert!(matches!(call, HistoryCall::User { offset, .. } if offset == u64::from(limit)));
    answer(&mut s, id, vec![event(99, &[])], 40);
    assert_eq!(
        s.history.pane.as_ref().unwrap().feed.offset,
        0,
        "stale answer dropped"
    );
    answer(&mut s, next, vec![event(24, &[])], 40);
    let feed = &s.history.pane.as_ref().unwrap().feed;
    assert_eq!((feed.page(), feed.events[0].version), (2, 24));
    let (_, call) = history_req(&update(&mut s, ch('p')));
    assert!(matches!(call, HistoryCall::User { offset: 0, .. }));

    // Esc goes back where h was pressed.
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(s.focus, Focus::List);
    assert!(s.history.pane.is_none());
}

#[test]
fn h_in_the_detail_opens_the_same_history_and_esc_returns_to_the_detail() {
    let mut s = connected(Dialects::BOTH, None, Some(true));
    update(&mut s, key(KeyCode::Enter));
    assert_eq!(s.focus, Focus::Detail);
    let (_, call) = history_req(&update(&mut s, ch('h')));
    assert!(matches!(call, HistoryCall::User { ref user_id, .. } if user_id == "usr_jane"));
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(s.focus, Focus::Detail);
}

#[test]
fn enter_opens_an_events_diff_which_scrolls() {
    let mut s = history_of_jane(vec![renamed(), event(4, &[])]);
    update(&mut s, key(KeyCode::Enter));
    let ev = s
        .history
        .pane
        .as_ref()
        .unwrap()
        .event
        .clone()
        .expect("an event open");
    let fields: Vec<_> = ev.diffs.iter().map(|d| d.field.as_str()).collect();
    assert_eq!(fields, ["display_name", "metadata"]);
    update(&mut s, key(KeyCode::Down));
    let scrolled = s
        .history
        .pane
        .as_ref()
        .unwrap()
        .event
        .as_ref()
        .unwrap()
        .scroll;
    // The diff fits the screen: nothing to scroll.
    assert_eq!(scrolled, 0);
    update(&mut s, key(KeyCode::Esc));
    assert!(s.history.pane.as_ref().unwrap().event.is_none());
    assert_eq!(s.focus, Focus::History);

    // A long one scrolls, and stops at its end.
    let big: serde_json::Map<String, Value> =
        (0..60).map(|i| (format!("k{i:02}"), json!(i))).collect();
    let mut s = history_of_jane(vec![event(
        2,
        &[("metadata", change(json!({}), Value::Object(big)))],
    )]);
    update(&mut s, key(KeyCode::Enter));
    update(&mut s, key(KeyCode::PageDown));
    update(&mut s, key(KeyCode::Down));
    let scroll = |s: &State| {
        s.history
            .pane
            .as_ref()
            .unwrap()
            .event
            .as_ref()
            .unwrap()
            .scroll
    };
    assert_eq!(scroll(&s), s.detail_viewport() + 1);
    update(&mut s, key(KeyCode::End));
    let end = scroll(&s);
    update(&mut s, key(KeyCode::Down));
    assert_eq!(scroll(&s), end, "no scrolling past the end");
    update(&mut s, key(KeyCode::Home));
    assert_eq!(scroll(&s), 0);
}

#[test]
fn u_prepares_a_revert_sent_with_the_current_version() {
    let mut s = history_of_jane(vec![renamed()]);
    prepare_revert(&mut s, jane_now());
    assert_eq!(s.focus, Focus::Form);
    let form = s.form.as_ref().expect("the edit form");
    assert_eq!(
        form.phase,
        Phase::Confirm,
        "shown as the usual save summary"
    );
    let draft = form.draft().unwrap();
    assert_eq!(draft.name, "Jane");
    assert_eq!(Value::Object(draft.metadata), json!({"plan": "pro"}));
    assert_eq!(
        form.base.name, "Jane D.",
        "compared with the user as it is now"
    );

    let fx = update(&mut s, key(KeyCode::Enter));
    let [
        Effect::Save {
            id,
            if_match,
            user_id,
            ..
        },
    ] = fx.as_slice()
    else {
        panic!("Enter sends the revert: {fx:?}");
    };
    assert_eq!(user_id, "usr_jane");
    assert_eq!(
        if_match.as_deref(),
        Some("\"v5\""),
        "If-Match of the current version"
    );

    // Saved: back in the history, asked again from its first page (the revert is an event).
    let saved = Saved {
        raven: Some(jane_raven("Jane", json!({"plan": "pro"}))),
        eai: None,
        etag: Some("\"v6\"".into()),
    };
    let fx = update(
        &mut s,
        Action::Saved {
            id: *id,
            result: Ok(Box::new(saved)),
        },
    );
    assert_eq!(s.focus, Focus::History);
    let (_, call) = history_req(&fx);
    assert!(matches!(call, HistoryCall::User { offset: 0, .. }));
    assert_eq!(
        s.list.as_ref().unwrap().rows[0].name.as_deref(),
        Some("Jane")
    );
}

#[test]
fn a_revert_meeting_a_newer_version_opens_the_conflict_view() {
    let mut s = history_of_jane(vec![renamed()]);
    prepare_revert(&mut s, jane_now());
    let fx = update(&mut s, key(KeyCode::Enter));
    let [Effect::Save { id, .. }] = fx.as_slice() else {
        panic!("{fx:?}");
    };
    save_failed(
        &mut s,
        *id,
        precondition_failed("changed"),
        Some(jane_views(7)),
    );
    let form = s.form.as_ref().unwrap();
    assert!(matches!(form.phase, Phase::Conflict(_)), "{:?}", form.phase);
    assert_eq!(s.focus, Focus::Form);
}

#[test]
fn fields_the_form_cannot_put_back_are_reported() {
    let e = event(
        3,
        &[
            ("display_name", change(json!("Jane"), json!("Jane D."))),
            ("avatar", change(json!(null), json!("https://a.test/j.png"))),
            ("role", change(json!("admin"), json!("member"))),
        ],
    );
    // Against a Raven-only server the form has no role.
    let mut s = connected(Dialects::RAVEN, None, Some(true));
    let (id, _) = history_req(&update(&mut s, ch('h')));
    answer(&mut s, id, vec![e], 1);
    let now = UserViews {
        raven: Some(jane_raven("Jane D.", json!({}))),
        eai: None,
        ..jane_views(5)
    };
    prepare_revert(&mut s, now);
    assert_eq!(s.form.as_ref().unwrap().phase, Phase::Confirm);
    let text = s.error.as_ref().map(|e| e.text.clone()).unwrap_or_default();
    assert!(
        text.contains("avatar: the console's form does not edit it"),
        "{text}"
    );
    assert!(text.contains("role: not in the Raven v1 API"), "{text}");
}

#[test]
fn nothing_to_revert_says_so_and_opens_no_form() {
    let mut s = history_of_jane(vec![renamed()]);
    // Someone already put her back.
    prepare_revert(&mut s, jane_views(6));
    assert!(s.form.is_none());
    assert_eq!(s.focus, Focus::History);
    let text = &s.error.as_ref().unwrap().text;
    assert!(text.contains("already has these values"), "{text}");
}

#[test]
fn a_read_only_key_cannot_revert() {
    let info = raven_console::api::key::KeyInfo {
        key: "rk_live_Ro12".into(),
        tenant_id: "ten_1".into(),
        scopes: vec!["users:read".into()],
        user_id: None,
    };
    let mut s = connected(Dialects::BOTH, Some(info), Some(true));
    let (id, _) = history_req(&update(&mut s, ch('h')));
    answer(&mut s, id, vec![renamed()], 1);
    assert_eq!(update(&mut s, ch('u')), vec![], "nothing is loaded or sent");
    assert!(s.form.is_none());
    let text = &s.error.as_ref().unwrap().text;
    assert!(text.contains("read-only"), "{text}");
}

#[test]
fn without_history_h_is_greyed_with_the_reason() {
    let mut s = connected(Dialects::BOTH, None, Some(false));
    assert!(matches!(s.history.support, Support::No(_)));
    let why = raven_console::console::app::history::greyed(&s).unwrap();
    assert!(why.contains("GET /api/v1/audit answered 404"), "{why}");
    assert_eq!(update(&mut s, ch('h')), vec![]);
    assert_eq!(s.focus, Focus::List);
    assert!(s.error.as_ref().unwrap().text.contains("History is off"));
    // The command line says the same of :audit, and stays open.
    update(&mut s, ch(':'));
    typed(&mut s, "audit");
    assert_eq!(update(&mut s, key(KeyCode::Enter)), vec![]);
    assert_eq!(s.focus, Focus::CommandLine);
    assert!(s.cmdline.error.as_ref().unwrap().contains("no audit trail"));
}

#[test]
fn a_403_is_said_in_words() {
    let mut s = connected(Dialects::BOTH, None, Some(true));
    let (id, _) = history_req(&update(&mut s, ch('h')));
    update(
        &mut s,
        Action::History(Box::new(HistoryAnswer::Events {
            id,
            result: Err(ClientError::Forbidden {
                code: "forbidden".into(),
                message: "this key may only read its own user".into(),
            }),
        })),
    );
    let err = s.history.pane.as_ref().unwrap().feed.error.clone().unwrap();
    assert!(err.contains("sees only its own user's"), "{err}");
}

#[test]
fn audit_lists_the_tenant_filters_by_user_and_actor_and_opens_the_user() {
    let mut s = connected(Dialects::BOTH, None, Some(true));
    update(&mut s, ch(':'));
    typed(&mut s, "audit");
    let (id, call) = history_req(&update(&mut s, key(KeyCode::Enter)));
    assert_eq!(s.focus, Focus::Audit);
    let HistoryCall::Tenant(q) = call else {
        panic!("{call:?}")
    };
    assert_eq!((q.offset, q.user_id, q.actor), (0, None, None));
    answer(&mut s, id, vec![renamed()], 1);

    // f: the filter line; typing there is text, Tab moves to the actor.
    update(&mut s, ch('f'));
    typed(&mut s, "usr_jane");
    update(&mut s, key(KeyCode::Tab));
    typed(&mut s, "rk_live_AbCd");
    let (id, call) = history_req(&update(&mut s, key(KeyCode::Enter)));
    assert_eq!(
        call,
        HistoryCall::Tenant(AuditQuery {
            offset: 0,
            limit: events_per_page(24) - 1,
            user_id: Some("usr_jane".into()),
            actor: Some("rk_live_AbCd".into()),
        })
    );
    answer(&mut s, id, vec![renamed()], 1);

    // Enter opens the user; Esc comes back to the activity.
    let fx = update(&mut s, key(KeyCode::Enter));
    assert!(matches!(fx.as_slice(), [Effect::Get { user_id, .. }] if user_id == "usr_jane"));
    assert_eq!(s.focus, Focus::Detail);
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(s.focus, Focus::Audit);
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(s.focus, Focus::List);
}
