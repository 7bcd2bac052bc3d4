//! Marks and bulk changes through `update(state, action)` alone: mark all
//! across pages and filters, the bulk menu and `:set`, the preview, a run's
//! progress with conflicts, refusals and Esc, the result, and a retry.

use ratatui::crossterm::event::KeyCode;
use raven_console::api::client::{ClientError, ListQuery};
use raven_console::console::app::bulk::Stage;
use raven_console::console::app::{Action, Effect, Focus, State, update};
use raven_console::console::bulk::{Change, Collected, Outcome, Progress, Seen, Target};
use raven_console::console::view::{Dialects, ListPage, ListRow};
use raven_console::model::Status;

#[path = "support/console.rs"]
mod support;
use support::{Boot, ch, ctrl, key, list_req, typed};

fn row(i: u64) -> ListRow {
    ListRow {
        id: format!("usr_{i:04}"),
        name: Some(format!("User {i}")),
        status: Some(if i % 10 == 9 {
            Status::Inactive
        } else {
            Status::Active
        }),
        ..ListRow::default()
    }
}

fn page(offset: u64, n: u64, total: u64) -> ListPage {
    ListPage {
        rows: (offset..offset + n).map(row).collect(),
        total: Some(total),
        limit: None,
    }
}

fn connected_with(d: Dialects, total: u64) -> State {
    Boot {
        dialects: d,
        ..Boot::default()
    }
    .listed(|_, q| page(0, u64::from(q.limit).min(total), total))
}

fn connected(total: u64) -> State {
    connected_with(Dialects::BOTH, total)
}

fn seen(tag: &str) -> Seen {
    Seen {
        raven_etag: Some(tag.into()),
        eai_etag: Some(tag.into()),
        ..Seen::default()
    }
}

/// The mark-all request among `fx`.
fn mark_all_req(fx: &[Effect]) -> (u64, ListQuery, usize) {
    fx.iter()
        .find_map(|e| match e {
            Effect::MarkAll { id, query, max, .. } => Some((*id, query.clone(), *max)),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no MarkAll in {fx:?}"))
}

fn read_ids(fx: &[Effect]) -> Vec<String> {
    fx.iter()
        .filter_map(|e| match e {
            Effect::ReadMarked { ids, .. } => Some(ids.clone()),
            _ => None,
        })
        .flatten()
        .collect()
}

/// Answers each read with a version of its own ("v1").
fn answer_reads(s: &mut State, fx: &[Effect]) {
    let batch = read_ids(fx)
        .into_iter()
        .map(|id| (id, Ok(seen("\"v1\""))))
        .collect();
    update(s, Action::MarksRead(batch));
}

fn bulk_req(fx: &[Effect]) -> (u64, Vec<Target>, Change) {
    fx.iter()
        .find_map(|e| match e {
            Effect::Bulk {
                run,
                targets,
                change,
                ..
            } => Some((*run, targets.clone(), change.clone())),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no Bulk in {fx:?}"))
}

fn command_line(s: &mut State, line: &str) -> Vec<Effect> {
    update(s, ch(':'));
    typed(s, line);
    update(s, key(KeyCode::Enter))
}

fn stage(s: &State) -> &Stage {
    &s.bulk.as_ref().expect("the bulk pane").stage
}

#[test]
fn each_mark_reads_the_users_version_and_keeps_it_across_pages_and_filters() {
    let mut s = connected(300);
    let fx = update(&mut s, ch(' '));
    assert_eq!(read_ids(&fx), ["usr_0000"]);
    answer_reads(&mut s, &fx);
    assert_eq!(s.marks.seen("usr_0000"), Some(&seen("\"v1\"")));
    let fx = update(&mut s, ch('n'));
    let (id, q) = list_req(&fx);
    update(
        &mut s,
        Action::Listed {
            id,
            result: Ok(page(q.offset, 19, 300)),
        },
    );
    let fx = update(&mut s, ctrl('a'));
    assert_eq!(read_ids(&fx).len(), 19);
    // A filter changes the rows, not the marks or what was read of them.
    update(&mut s, ch('/'));
    typed(&mut s, "zzz");
    assert_eq!(s.marks.len(), 20);
    assert_eq!(s.marks.unread(), 19);
    // A read of a user unmarked meanwhile is dropped.
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, ch('u'));
    update(
        &mut s,
        Action::MarksRead(vec![("usr_0019".into(), Ok(seen("\"v1\"")))]),
    );
    assert!(s.marks.is_empty() && s.marks.seen("usr_0019").is_none());
}

#[test]
fn mark_all_walks_every_page_and_asks_first_above_a_thousand() {
    // 300 users: no question, every page.
    let mut s = connected(300);
    let (id, q, max) = mark_all_req(&update(&mut s, ch('A')));
    assert_eq!((q.offset, q.limit, max), (0, 0, 10_000));
    let rows: Vec<ListRow> = (0..300).map(row).collect();
    let fx = update(
        &mut s,
        Action::MarkedAll {
            id,
            result: Ok(Collected {
                rows,
                total: Some(300),
            }),
        },
    );
    assert_eq!(s.marks.len(), 300);
    assert_eq!(read_ids(&fx).len(), 300);
    assert_eq!(
        s.info.as_deref(),
        Some("Marked all 300 users matching the filters.")
    );

    // 25,000 users: asked, and capped at 10,000, said clearly.
    let mut s = connected(25_000);
    assert!(update(&mut s, ch('A')).is_empty());
    assert!(matches!(stage(&s), Stage::ConfirmMarkAll { total: 25_000 }));
    update(&mut s, ch('n'));
    assert_eq!((s.focus, s.marks.len()), (Focus::List, 0));
    update(&mut s, ch('A'));
    let (id, _, max) = mark_all_req(&update(&mut s, key(KeyCode::Enter)));
    let rows: Vec<ListRow> = (0..max as u64).map(row).collect();
    update(
        &mut s,
        Action::MarkedAll {
            id,
            result: Ok(Collected {
                rows,
                total: Some(25_000),
            }),
        },
    );
    assert_eq!(s.marks.len(), 10_000);
    let said = s.info.clone().unwrap_or_default();
    assert!(
        said.contains("first 10,000 of the 25,000") && said.contains("at most 10,000"),
        "{said}"
    );
}

#[test]
fn mark_all_uses_the_filters_and_a_cleared_mark_drops_its_answer() {
    let mut s = connected(300);
    update(&mut s, ch('/'));
    typed(&mut s, "smit");
    // Three characters or more go out at once.
    let (id, q) = list_req(&update(&mut s, ch('h')));
    update(&mut s, key(KeyCode::Enter));
    update(
        &mut s,
        Action::Listed {
            id,
            result: Ok(page(0, 12, 12)),
        },
    );
    let (id, q2, _) = mark_all_req(&command_line(&mut s, "mark all"));
    assert_eq!(q2.search.as_deref(), Some("smith"));
    assert_eq!(q2.search, q.search);
    update(&mut s, ch('u'));
    update(
        &mut s,
        Action::MarkedAll {
            id,
            result: Ok(Collected {
                rows: vec![row(1)],
                total: Some(1),
            }),
        },
    );
    assert!(
        s.marks.is_empty(),
        "the marks were cleared while it was out"
    );
}

#[test]
fn b_opens_the_menu_and_greys_what_the_server_lacks() {
    let mut s = connected_with(Dialects::RAVEN, 30);
    update(&mut s, ch('b'));
    assert_eq!(s.focus, Focus::Bulk);
    // Role and status are greyed: the menu starts on the first usable choice.
    assert!(matches!(stage(&s), Stage::Menu { at: 2 }));
    update(&mut s, key(KeyCode::Down));
    update(&mut s, key(KeyCode::Down));
    assert!(
        matches!(stage(&s), Stage::Menu { at: 2 }),
        "two metadata items, then round"
    );
    update(&mut s, key(KeyCode::Esc));
    let fx = command_line(&mut s, "set status inactive");
    assert!(fx.is_empty());
    assert_eq!(s.focus, Focus::CommandLine, "the line stays open");
    let why = s.cmdline.error.clone().unwrap_or_default();
    assert!(why.contains("EAI v3 fields"), "{why}");
}

#[test]
fn a_read_only_key_cannot_open_the_bulk_menu() {
    let mut s = Boot {
        key: Some(raven_console::api::key::KeyInfo {
            key: "rk_live_AbCd".into(),
            tenant_id: "ten_1".into(),
            scopes: vec!["users:read".into()],
            user_id: None,
        }),
        ..Boot::default()
    }
    .listed(|_, q| page(0, u64::from(q.limit), 300));
    update(&mut s, ch(' '));
    update(&mut s, ch('b'));
    assert_eq!(s.focus, Focus::List);
    let why = s.error.as_ref().map(|e| e.text.clone()).unwrap_or_default();
    assert!(
        why.contains("Bulk changes are off") && why.contains("read-only"),
        "{why}"
    );
    command_line(&mut s, "set status inactive");
    assert!(
        s.cmdline
            .error
            .as_deref()
            .unwrap_or_default()
            .contains("read-only")
    );
}

#[test]
fn the_menu_and_set_give_the_same_preview() {
    let mut s = connected(300);
    // Ten marked, one of them (usr_0009) already inactive.
    for _ in 0..10 {
        update(&mut s, ch(' '));
        update(&mut s, ch('j'));
    }
    update(&mut s, ch('b'));
    update(&mut s, key(KeyCode::Down));
    update(&mut s, key(KeyCode::Enter));
    typed(&mut s, "in");
    update(&mut s, key(KeyCode::Tab));
    update(&mut s, key(KeyCode::Enter));
    let Stage::Preview(menu) = stage(&s).clone() else {
        panic!("no preview: {:?}", stage(&s));
    };
    assert_eq!(
        menu.text(),
        "10 users: status active → inactive; 1 already inactive, unchanged"
    );
    update(&mut s, key(KeyCode::Esc));
    command_line(&mut s, "set status inactive");
    let Stage::Preview(line) = stage(&s).clone() else {
        panic!("no preview");
    };
    assert_eq!(line, menu);
    // A value the field does not take keeps the value line open, saying why.
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, ch('b'));
    update(&mut s, key(KeyCode::Enter));
    typed(&mut s, "boss");
    update(&mut s, key(KeyCode::Enter));
    let Stage::Value { error, .. } = stage(&s) else {
        panic!("not the value line");
    };
    assert!(
        error
            .as_deref()
            .unwrap_or_default()
            .contains("admin, member, viewer")
    );
}

#[test]
fn set_parses_values_as_json_or_text_and_completes_fields() {
    let mut s = connected(30);
    update(&mut s, ch(' '));
    command_line(&mut s, "set metadata.plan \"pro\"");
    let Stage::Preview(p) = stage(&s) else {
        panic!()
    };
    assert_eq!(
        p.change,
        Change::SetMetadata("plan".into(), serde_json::json!("pro"))
    );
    update(&mut s, key(KeyCode::Esc));
    command_line(&mut s, "set metadata.seats 12");
    let Stage::Preview(p) = stage(&s) else {
        panic!()
    };
    assert_eq!(
        p.change,
        Change::SetMetadata("seats".into(), serde_json::json!(12))
    );
    update(&mut s, key(KeyCode::Esc));
    command_line(&mut s, "unset preferences.theme");
    let Stage::Preview(p) = stage(&s) else {
        panic!()
    };
    assert_eq!(p.change, Change::RemovePreference("theme".into()));
    assert_eq!(p.text(), "1 user: remove preferences.theme (1 not known)");
    update(&mut s, key(KeyCode::Esc));
    // Tab: the command, the field, the value.
    update(&mut s, ch(':'));
    typed(&mut s, "se");
    update(&mut s, key(KeyCode::Tab));
    typed(&mut s, "st");
    update(&mut s, key(KeyCode::Tab));
    typed(&mut s, "i");
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.cmdline.input.value(), "set status inactive");
    update(&mut s, key(KeyCode::Esc));
    update(&mut s, ch(':'));
    typed(&mut s, "unset ");
    update(&mut s, key(KeyCode::Tab));
    assert_eq!(s.cmdline.choices, ["metadata.", "preferences."]);
}

/// Ten marked and read, then `:set status inactive` and Enter on the preview.
fn running() -> (State, u64, Vec<Target>) {
    let mut s = connected(300);
    for _ in 0..10 {
        let fx = update(&mut s, ch(' '));
        answer_reads(&mut s, &fx);
        update(&mut s, ch('j'));
    }
    command_line(&mut s, "set status inactive");
    let (run, targets, change) = bulk_req(&update(&mut s, key(KeyCode::Enter)));
    assert_eq!(change, Change::Status(Status::Inactive));
    (s, run, targets)
}

fn progress(id: &str, outcome: Outcome, seen: Option<Seen>) -> Progress {
    Progress {
        id: id.into(),
        outcome,
        seen,
    }
}

#[test]
fn a_run_sends_the_version_seen_and_tallies_conflicts_and_refusals() {
    let (mut s, run, targets) = running();
    // The one already inactive is not sent; each other carries the version read.
    assert_eq!(targets.len(), 9);
    assert!(!targets.iter().any(|t| t.id == "usr_0009"));
    assert!(targets.iter().all(|t| t.seen == Some(seen("\"v1\""))));
    assert!(s.busy());
    let mut items: Vec<Progress> = targets[..6]
        .iter()
        .map(|t| progress(&t.id, Outcome::Done, Some(seen("\"v2\""))))
        .collect();
    items.push(progress(
        &targets[6].id,
        Outcome::Conflict("changed".into()),
        Some(seen("\"v5\"")),
    ));
    items.push(progress(
        &targets[7].id,
        Outcome::Refused("403".into()),
        None,
    ));
    update(&mut s, Action::BulkProgress { run, items });
    let Stage::Running(r) = stage(&s) else {
        panic!()
    };
    let t = r.tally();
    assert_eq!(
        (t.done, t.unchanged, t.conflicts, t.refused, t.remaining),
        (6, 1, 1, 1, 1)
    );
    // An answer of another run is not this one's.
    update(
        &mut s,
        Action::BulkProgress {
            run: run + 99,
            items: vec![progress(&targets[8].id, Outcome::Done, None)],
        },
    );
    let Stage::Running(r) = stage(&s) else {
        panic!()
    };
    assert_eq!(r.tally().remaining, 1);
    update(
        &mut s,
        Action::BulkProgress {
            run,
            items: vec![progress(
                &targets[8].id,
                Outcome::Failed("timeout".into()),
                None,
            )],
        },
    );
    let fx = update(&mut s, Action::BulkFinished { run });
    assert!(
        fx.iter().any(|e| matches!(e, Effect::List { .. })),
        "the list is asked again"
    );
    let Stage::Result(r) = stage(&s) else {
        panic!()
    };
    assert_eq!(r.outcomes.len(), 10);
    // Done and unchanged are unmarked; the three failed stay marked, the conflict with the version now there.
    assert_eq!(s.marks.len(), 3);
    assert_eq!(s.marks.seen(&targets[6].id), Some(&seen("\"v5\"")));
    assert!(
        s.info
            .as_deref()
            .unwrap_or_default()
            .contains("stay marked")
    );

    // r retries the failed: the preview of the same change, for the three.
    update(&mut s, ch('r'));
    let Stage::Preview(p) = stage(&s) else {
        panic!("{:?}", stage(&s))
    };
    assert_eq!(p.changing.len(), 3);
    let (_, again, _) = bulk_req(&update(&mut s, key(KeyCode::Enter)));
    let conflicted = again.iter().find(|t| t.id == targets[6].id).unwrap();
    assert_eq!(conflicted.seen, Some(seen("\"v5\"")));
}

#[test]
fn esc_stops_the_rest_and_says_what_was_done() {
    let (mut s, run, targets) = running();
    update(
        &mut s,
        Action::BulkProgress {
            run,
            items: vec![progress(&targets[0].id, Outcome::Done, None)],
        },
    );
    let fx = update(&mut s, key(KeyCode::Esc));
    assert_eq!(fx, vec![Effect::StopBulk { run }]);
    let Stage::Running(r) = stage(&s) else {
        panic!()
    };
    assert!(r.stopping);
    let rest: Vec<Progress> = targets[1..]
        .iter()
        .map(|t| progress(&t.id, Outcome::NotSent, None))
        .collect();
    update(&mut s, Action::BulkProgress { run, items: rest });
    update(&mut s, Action::BulkFinished { run });
    let Stage::Result(r) = stage(&s) else {
        panic!()
    };
    assert!(
        r.headline()
            .starts_with("Stopped: 1 done (they stay done), 8 not sent"),
        "{}",
        r.headline()
    );
    assert_eq!(s.marks.len(), 8, "the unsent stay marked");
    update(&mut s, key(KeyCode::Esc));
    assert_eq!(s.focus, Focus::List);
}

#[test]
fn with_nothing_marked_the_cursors_user_is_changed_and_a_failure_marks_it() {
    let mut s = connected(300);
    update(&mut s, ch('j'));
    command_line(&mut s, "set role viewer");
    let Stage::Preview(p) = stage(&s) else {
        panic!()
    };
    assert_eq!(p.changing, ["usr_0001"]);
    let (run, targets, _) = bulk_req(&update(&mut s, key(KeyCode::Enter)));
    assert_eq!(targets[0].seen, None, "not read: the run reads it first");
    let err = ClientError::Forbidden {
        code: "forbidden".into(),
        message: "no".into(),
    };
    let said = raven_console::console::words::explain(&err, "k");
    update(
        &mut s,
        Action::BulkProgress {
            run,
            items: vec![progress("usr_0001", Outcome::Refused(said), None)],
        },
    );
    let fx = update(&mut s, Action::BulkFinished { run });
    assert!(s.marks.contains("usr_0001"), "kept for a retry");
    assert_eq!(read_ids(&fx), ["usr_0001"]);
}
