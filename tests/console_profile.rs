//! `:profile NAME` through `update()`: parsing and Tab on the profile names,
//! an unknown name, the switch itself (a new server from the start), and an
//! unsaved edit asked about first: kept (and given back on return),
//! discarded, or the switch called off.

use ratatui::crossterm::event::KeyCode;
use raven_console::console::app::{Action, Effect, Focus, State, Switched, update};
use raven_console::console::config::ApiChoice;
use raven_console::console::view::{ActingAs, ListPage};

#[path = "support/console.rs"]
mod support;
use support::{Boot, ch, jane_row, jane_views, key, typed};

fn listed() -> State {
    let mut s = Boot::default().listed(|_, _| ListPage {
        rows: vec![jane_row()],
        total: Some(1),
        limit: None,
    });
    s.profile.names = vec!["prod".into(), "staging".into(), "stage-eu".into()];
    s.profile.current = Some("prod".into());
    s
}

fn command_line(s: &mut State, line: &str) -> Vec<Effect> {
    update(s, ch(':'));
    typed(s, line);
    update(s, key(KeyCode::Enter))
}

fn switched(name: &str) -> Action {
    Action::Switched(Ok(Switched {
        name: name.into(),
        url: format!("https://{name}.example"),
        token_hint: format!("the token of profile '{name}'"),
        api: ApiChoice::Auto,
        read_only: false,
    }))
}

/// Jane's form open with a changed name, then back on the list as the
/// command line would find it.
fn with_a_draft() -> State {
    let mut s = listed();
    let fx = update(&mut s, ch('e'));
    let [Effect::Get { id, .. }] = fx.as_slice() else {
        panic!("{fx:?}")
    };
    update(
        &mut s,
        Action::Fetched {
            id: *id,
            result: Ok(Box::new(jane_views(3))),
        },
    );
    assert_eq!(s.focus, Focus::Form);
    typed(&mut s, "x");
    assert!(s.form.as_ref().unwrap().is_dirty());
    s.focus = Focus::List;
    s
}

#[test]
fn tab_completes_profile_names() {
    let mut s = listed();
    update(&mut s, ch(':'));
    typed(&mut s, "profile st");
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.cmdline.input.value(), "profile stag");
    assert_eq!(s.cmdline.choices, ["staging", "stage-eu"]);
    typed(&mut s, "i");
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.cmdline.input.value(), "profile staging");
}

#[test]
fn an_unknown_or_current_profile_is_said() {
    let mut s = listed();
    assert_eq!(command_line(&mut s, "profile qa"), vec![]);
    let e = s.cmdline.error.clone().unwrap();
    assert!(
        e.contains("No profile \"qa\"") && e.contains("staging"),
        "{e}"
    );
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(command_line(&mut s, "profile prod"), vec![]);
    assert!(s.cmdline.error.as_ref().unwrap().contains("in use"));
}

#[test]
fn a_switch_starts_over_on_the_new_server() {
    let mut s = listed();
    let fx = command_line(&mut s, "profile staging");
    assert_eq!(
        fx,
        vec![Effect::SwitchProfile {
            name: "staging".into()
        }]
    );
    assert_eq!(s.focus, Focus::List);
    let fx = update(&mut s, switched("staging"));
    assert_eq!(
        fx,
        vec![Effect::Connect {
            api: ApiChoice::Auto
        }]
    );
    assert_eq!(s.server.url, "https://staging.example");
    assert_eq!(s.server.dialects, None);
    assert!(s.list.is_none());
    assert_eq!(s.profile.current.as_deref(), Some("staging"));
}

#[test]
fn a_failed_switch_stays_where_it_was() {
    let mut s = listed();
    command_line(&mut s, "profile staging");
    update(&mut s, Action::Switched(Err("no profile 'staging'".into())));
    assert_eq!(s.server.url, "http://raven.test");
    assert!(s.list.is_some());
    assert!(
        s.error
            .as_ref()
            .unwrap()
            .text
            .contains("Cannot switch profile")
    );
}

#[test]
fn a_draft_is_asked_about_and_esc_stays() {
    let mut s = with_a_draft();
    let fx = command_line(&mut s, "profile staging");
    assert_eq!(fx, vec![], "nothing happens before the answer");
    assert_eq!(s.profile.asking.as_deref(), Some("staging"));
    // Keys that are not an answer do nothing.
    assert_eq!(update(&mut s, ch('x')), vec![]);
    assert_eq!(update(&mut s, key(KeyCode::Esc)), vec![]);
    assert_eq!(s.profile.asking, None);
    assert_eq!(s.focus, Focus::Form, "back to the draft");
    assert!(s.form.as_ref().unwrap().is_dirty());
}

#[test]
fn a_discarded_draft_goes_and_the_switch_happens() {
    let mut s = with_a_draft();
    command_line(&mut s, "profile staging");
    let fx = update(&mut s, ch('d'));
    assert_eq!(
        fx,
        vec![Effect::SwitchProfile {
            name: "staging".into()
        }]
    );
    assert!(s.form.is_none());
}

#[test]
fn a_kept_draft_comes_back_with_its_profile() {
    let mut s = with_a_draft();
    let draft = s.form.clone().unwrap();
    command_line(&mut s, "profile staging");
    let fx = update(&mut s, ch('k'));
    assert_eq!(
        fx,
        vec![Effect::SwitchProfile {
            name: "staging".into()
        }]
    );
    update(&mut s, switched("staging"));
    assert!(s.form.is_none());
    // Connected to staging: back to prod.
    s.server.dialects = Some(raven_console::console::view::Dialects::BOTH);
    s.server.acting_as = Some(ActingAs::Tenant);
    let fx = command_line(&mut s, "profile prod");
    assert_eq!(
        fx,
        vec![Effect::SwitchProfile {
            name: "prod".into()
        }]
    );
    update(&mut s, switched("prod"));
    assert_eq!(s.focus, Focus::Form);
    let back = s.form.as_ref().unwrap();
    assert!(back.is_dirty());
    assert_eq!(format!("{back:?}"), format!("{draft:?}"));
    assert!(s.info.as_ref().unwrap().contains("kept draft is back"));
}
