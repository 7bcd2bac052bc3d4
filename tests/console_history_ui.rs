//! The history pane, an event's diff, the revert's summary and the tenant's
//! activity on ratatui's TestBackend, at 80×24 and 160×45, as insta snapshots.

use std::collections::BTreeMap;

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use raven_console::api::audit::{AuditActor, AuditEvent, AuditEvents, FieldChange};
use raven_console::console::app::{Action, Effect, State, update};
use raven_console::console::config::ApiChoice;
use raven_console::console::history::{HistoryAnswer, HistoryCall};
use raven_console::console::ui::{self, Theme};
use raven_console::console::view::{ActingAs, Connection, Dialects, ListPage, UserViews};
use serde_json::{Value, json};

#[path = "support/console.rs"]
mod support;
use support::{ch, demo_row, jane_eai, jane_raven, jane_row, jane_views, key, list_req, typed};

const SIZES: [(u16, u16); 2] = [(80, 24), (160, 45)];

fn snap(name: &str, s: &State, w: u16, h: u16) {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::draw(f, s, Theme::default())).unwrap();
    insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
}

/// Connected to raven-server (both dialects) with Jane and a page of others;
/// the audit-trail probe answered `has`.
fn connected(height: u16, has: bool) -> State {
    let mut s = State::new(
        "http://127.0.0.1:3000",
        "the test key",
        ApiChoice::Auto,
        height,
    );
    s.start();
    let fx = update(
        &mut s,
        Action::Connected(Ok(Connection {
            dialects: Dialects::BOTH,
            acting_as: ActingAs::Tenant,
            key: None,
        })),
    );
    let (id, _) = list_req(&fx);
    let mut rows = vec![jane_row()];
    rows.extend((1..u64::from(s.limit)).map(|i| demo_row(i, Dialects::BOTH)));
    let fx = update(
        &mut s,
        Action::Listed {
            id,
            result: Ok(ListPage {
                rows,
                total: Some(300),
                limit: None,
            }),
        },
    );
    let probe = history_req(&fx).0;
    update(
        &mut s,
        Action::History(Box::new(HistoryAnswer::Probed {
            id: probe,
            result: Ok(has),
        })),
    );
    s
}

fn history_req(fx: &[Effect]) -> (u64, HistoryCall) {
    fx.iter()
        .find_map(|e| match e {
            Effect::History(r) => Some((r.id, r.call.clone())),
            _ => None,
        })
        .expect("a history request")
}

fn change(from: Value, to: Value) -> (String, FieldChange) {
    (String::new(), FieldChange { from, to })
}

fn event(
    version: i64,
    actor: (&str, Option<&str>),
    user: &str,
    changes: Vec<(&str, Value, Value)>,
) -> AuditEvent {
    AuditEvent {
        user_id: Some(user.into()),
        version,
        at: format!(
            "2026-03-{:02}T09:{:02}:{:02}.000Z",
            1 + version % 28,
            version % 60,
            version * 7 % 60
        ),
        action: if version == 1 { "create" } else { "update" }.into(),
        actor: AuditActor {
            key: Some(actor.0.into()),
            user_id: actor.1.map(str::to_string),
        },
        changes: changes
            .into_iter()
            .map(|(k, a, b)| (k.to_string(), change(a, b).1))
            .collect::<BTreeMap<_, _>>(),
    }
}

/// Jane's history: newest first, from the seed's create to the last edit.
fn janes_events() -> Vec<AuditEvent> {
    let admin = ("rk_live_Adm1", None);
    let jane = ("rk_live_Jn42", Some("usr_jane"));
    vec![
        event(
            4,
            admin,
            "usr_jane",
            vec![
                ("display_name", json!("Jane"), json!("Jane D.")),
                (
                    "metadata",
                    json!({"plan": "pro", "seats": 5, "billing": {"cycle": "monthly", "po": "PO-1"}}),
                    json!({"plan": "enterprise", "seats": 5, "billing": {"cycle": "yearly", "po": "PO-1"}}),
                ),
            ],
        ),
        event(
            3,
            jane,
            "usr_jane",
            vec![(
                "preferences",
                json!({"theme": "light"}),
                json!({"theme": "dark", "beta": true}),
            )],
        ),
        event(
            2,
            admin,
            "usr_jane",
            vec![
                ("role", json!("member"), json!("admin")),
                ("status", json!("inactive"), json!("active")),
            ],
        ),
        event(
            1,
            admin,
            "usr_jane",
            vec![
                ("display_name", json!(null), json!("Jane")),
                ("external_ref", json!(null), json!("crm-1")),
                ("role", json!(null), json!("member")),
                ("status", json!(null), json!("active")),
            ],
        ),
    ]
}

fn history_of_jane(height: u16) -> State {
    let mut s = connected(height, true);
    let (id, _) = history_req(&update(&mut s, ch('h')));
    update(
        &mut s,
        Action::History(Box::new(HistoryAnswer::Events {
            id,
            result: Ok(AuditEvents {
                events: janes_events(),
                total: 4,
            }),
        })),
    );
    s
}

#[test]
fn history_list() {
    for (w, h) in SIZES {
        let mut s = history_of_jane(h);
        update(&mut s, key(KeyCode::Down));
        snap("history_list", &s, w, h);
    }
}

#[test]
fn event_diff() {
    for (w, h) in SIZES {
        let mut s = history_of_jane(h);
        update(&mut s, key(KeyCode::Enter));
        snap("history_event_diff", &s, w, h);
    }
}

#[test]
fn revert_summary() {
    for (w, h) in SIZES {
        let mut s = history_of_jane(h);
        let fx = update(&mut s, ch('u'));
        let [Effect::Get { id, .. }] = fx.as_slice() else {
            panic!("{fx:?}");
        };
        let now = UserViews {
            raven: Some(jane_raven(
                "Jane D.",
                json!({"plan": "enterprise", "seats": 5, "billing": {"cycle": "yearly", "po": "PO-1"}}),
            )),
            eai: Some(jane_eai("Jane D.", json!({"theme": "dark", "beta": true}))),
            ..jane_views(4)
        };
        update(
            &mut s,
            Action::Fetched {
                id: *id,
                result: Ok(Box::new(now)),
            },
        );
        snap("history_revert_summary", &s, w, h);
    }
}

#[test]
fn audit_view() {
    for (w, h) in SIZES {
        let mut s = connected(h, true);
        update(&mut s, ch(':'));
        typed(&mut s, "audit");
        let (id, _) = history_req(&update(&mut s, key(KeyCode::Enter)));
        let mut events = janes_events();
        events.insert(
            1,
            event(
                9,
                ("rk_live_Adm1", None),
                "usr_00000000007919",
                vec![(
                    "email",
                    json!("ravi@old.example"),
                    json!("ravi.patel1@example.com"),
                )],
            ),
        );
        update(
            &mut s,
            Action::History(Box::new(HistoryAnswer::Events {
                id,
                result: Ok(AuditEvents { events, total: 123 }),
            })),
        );
        update(&mut s, ch('f'));
        typed(&mut s, "usr_jane");
        snap("audit_view", &s, w, h);
    }
}

#[test]
fn history_greyed_without_an_audit_trail() {
    let (w, h) = SIZES[0];
    let s = connected(h, false);
    snap("history_greyed", &s, w, h);
}

#[test]
fn help_from_the_history_opens_on_its_keys() {
    for (w, h) in SIZES {
        let mut s = history_of_jane(h);
        update(&mut s, ch('?'));
        snap("history_help", &s, w, h);
    }
}
