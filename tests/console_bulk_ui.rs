//! The bulk pane on ratatui's TestBackend, as insta snapshots: the menu (with
//! greyed fields), the value line, the preview, the progress bar, the result,
//! and "mark them all?".

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use raven_console::console::app::{Action, Effect, State, update};
use raven_console::console::bulk::{Outcome, Progress};
use raven_console::console::ui::{self, Theme};
use raven_console::console::view::{Dialects, ListPage};

#[path = "support/console.rs"]
mod support;
use support::{Boot, ch, demo_row as row, key, typed};

fn state(d: Dialects, height: u16, total: u64) -> State {
    Boot {
        url: "http://127.0.0.1:3000",
        height,
        dialects: d,
        ..Boot::default()
    }
    .listed(|s, _| ListPage {
        rows: (0..u64::from(s.limit).min(total))
            .map(|i| row(i, d))
            .collect(),
        total: Some(total),
        limit: None,
    })
}

fn snap(name: &str, s: &State, w: u16, h: u16) {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    t.draw(|f| ui::draw(f, s, Theme::default())).unwrap();
    insta::assert_snapshot!(format!("{name}_{w}x{h}"), t.backend());
}

/// Six users marked (rows 0 to 5), at `h` rows.
fn six_marked(d: Dialects, h: u16) -> State {
    let mut s = state(d, h, 300);
    for _ in 0..6 {
        update(&mut s, ch(' '));
        update(&mut s, ch('j'));
    }
    s
}

fn command_line(s: &mut State, line: &str) -> Vec<Effect> {
    update(s, ch(':'));
    typed(s, line);
    update(s, key(KeyCode::Enter))
}

/// A run of `:set status inactive` over six marked users, its effect answered in part.
fn running(h: u16) -> (State, u64, Vec<String>) {
    let mut s = six_marked(Dialects::BOTH, h);
    command_line(&mut s, "set status inactive");
    let fx = update(&mut s, key(KeyCode::Enter));
    let (run, ids) = fx
        .iter()
        .find_map(|e| match e {
            Effect::Bulk { run, targets, .. } => {
                Some((*run, targets.iter().map(|t| t.id.clone()).collect()))
            }
            _ => None,
        })
        .expect("a bulk run");
    (s, run, ids)
}

fn outcome(id: &str, outcome: Outcome) -> Progress {
    Progress {
        id: id.into(),
        outcome,
        seen: None,
    }
}

#[test]
fn bulk_menu() {
    let mut s = six_marked(Dialects::RAVEN, 24);
    update(&mut s, ch('b'));
    snap("bulk_menu_raven_only", &s, 80, 24);
    let mut s = six_marked(Dialects::BOTH, 24);
    update(&mut s, ch('b'));
    update(&mut s, key(KeyCode::Down));
    snap("bulk_menu", &s, 80, 24);
    update(&mut s, key(KeyCode::Enter));
    typed(&mut s, "inact");
    snap("bulk_value", &s, 80, 24);
}

#[test]
fn bulk_preview() {
    for (w, h) in [(80, 24), (160, 45)] {
        let mut s = six_marked(Dialects::BOTH, h);
        command_line(&mut s, "set status inactive");
        snap("bulk_preview", &s, w, h);
    }
}

#[test]
fn bulk_progress() {
    let (mut s, run, ids) = running(24);
    let items = vec![
        outcome(&ids[0], Outcome::Done),
        outcome(
            &ids[1],
            Outcome::Conflict("changed since the console read it".into()),
        ),
    ];
    update(&mut s, Action::BulkProgress { run, items });
    snap("bulk_progress", &s, 80, 24);
    update(&mut s, key(KeyCode::Esc));
    snap("bulk_progress_stopping", &s, 80, 24);
}

#[test]
fn bulk_result() {
    for (w, h) in [(80, 24), (160, 45)] {
        let (mut s, run, ids) = running(h);
        let items = vec![
            outcome(&ids[0], Outcome::Done),
            outcome(
                &ids[1],
                Outcome::Conflict("changed since the console read it; left alone".into()),
            ),
            outcome(
                &ids[2],
                Outcome::Refused("Not allowed: the key may not change status.".into()),
            ),
            outcome(&ids[3], Outcome::Done),
            outcome(
                &ids[4],
                Outcome::Failed("The server did not answer in time.".into()),
            ),
        ];
        update(&mut s, Action::BulkProgress { run, items });
        update(&mut s, Action::BulkFinished { run });
        snap("bulk_result", &s, w, h);
    }
}

#[test]
fn mark_all_question() {
    let mut s = state(Dialects::BOTH, 24, 25_000);
    update(&mut s, ch('A'));
    snap("mark_all_capped", &s, 80, 24);
}
