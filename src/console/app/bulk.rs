//! The bulk pane (`b`, `:set`, `:unset`, and "mark them all?"): the menu of
//! changes, the value typed, the preview, the run's progress and each user's
//! outcome. The change, the preview and the run themselves are
//! `console/bulk/`, without the state; this is the pane's part. Drawn by
//! `ui/bulk.rs`.

use ratatui::crossterm::event::{Event, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::{Effect, Focus, State, marks};
use crate::console::bulk::change::{ROLES, STATUSES};
use crate::console::bulk::preview::group;
use crate::console::bulk::{Change, Field, Outcome, Preview, Progress, Target};
use crate::console::keymap::{self, Command, Context};
use crate::console::ring;
use crate::console::view::ListRow;

/// The bulk menu's choices, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Role,
    Status,
    SetMetadata,
    RemoveMetadata,
    SetPreference,
    RemovePreference,
}

impl Item {
    pub const ALL: [Item; 6] = [
        Item::Role,
        Item::Status,
        Item::SetMetadata,
        Item::RemoveMetadata,
        Item::SetPreference,
        Item::RemovePreference,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Item::Role => "Set role",
            Item::Status => "Set status",
            Item::SetMetadata => "Set a metadata key",
            Item::RemoveMetadata => "Remove a metadata key",
            Item::SetPreference => "Set a preference key",
            Item::RemovePreference => "Remove a preference key",
        }
    }

    pub fn field(self) -> Field {
        match self {
            Item::Role => Field::Role,
            Item::Status => Field::Status,
            Item::SetMetadata | Item::RemoveMetadata => Field::Metadata,
            Item::SetPreference | Item::RemovePreference => Field::Preferences,
        }
    }

    /// What the value line takes, said above it.
    pub fn takes(self) -> &'static str {
        match self {
            Item::Role => "admin, member or viewer",
            Item::Status => "active or inactive",
            Item::SetMetadata | Item::SetPreference => {
                "KEY VALUE (VALUE is JSON when it parses as JSON, otherwise text)"
            }
            Item::RemoveMetadata | Item::RemovePreference => "KEY",
        }
    }

    /// The same change `:set`/`:unset` would make of it.
    fn change(self, typed: &str) -> Result<Change, String> {
        let typed = typed.trim();
        let (key, value) = typed.split_once(char::is_whitespace).unwrap_or((typed, ""));
        match self {
            Item::Role => Change::parse_set("role", typed),
            Item::Status => Change::parse_set("status", typed),
            Item::SetMetadata => Change::parse_set(&format!("metadata.{key}"), value),
            Item::SetPreference => Change::parse_set(&format!("preferences.{key}"), value),
            Item::RemoveMetadata => Change::parse_unset(&format!("metadata.{key}")),
            Item::RemovePreference => Change::parse_unset(&format!("preferences.{key}")),
        }
    }

    fn values(self) -> &'static [&'static str] {
        match self {
            Item::Role => ROLES,
            Item::Status => STATUSES,
            _ => &[],
        }
    }
}

#[derive(Debug, Clone)]
pub enum Stage {
    /// "Mark all 4,213 users matching the filters?"
    ConfirmMarkAll {
        total: u64,
    },
    Menu {
        at: usize,
    },
    Value {
        item: Item,
        input: Input,
        error: Option<String>,
    },
    Preview(Preview),
    Running(Run),
    Result(Run),
}

/// One bulk run: its users and their outcomes so far.
#[derive(Debug, Clone, PartialEq)]
pub struct Run {
    pub id: u64,
    pub change: Change,
    /// Every user of the run, sent or unchanged, for names and marks.
    pub rows: Vec<ListRow>,
    /// Outcomes as they came; the unchanged first.
    pub outcomes: Vec<(String, Outcome)>,
    /// Esc was pressed: the rest is not sent.
    pub stopping: bool,
    /// The first outcome shown in the result.
    pub scroll: usize,
}

/// How many of a run's users came out each way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tally {
    pub done: usize,
    pub unchanged: usize,
    pub conflicts: usize,
    pub refused: usize,
    pub failed: usize,
    pub not_sent: usize,
    pub remaining: usize,
}

impl Run {
    pub fn tally(&self) -> Tally {
        let mut t = Tally::default();
        for (_, o) in &self.outcomes {
            match o {
                Outcome::Done => t.done += 1,
                Outcome::Unchanged => t.unchanged += 1,
                Outcome::Conflict(_) => t.conflicts += 1,
                Outcome::Refused(_) => t.refused += 1,
                Outcome::Failed(_) => t.failed += 1,
                Outcome::NotSent => t.not_sent += 1,
            }
        }
        t.remaining = self.rows.len().saturating_sub(self.outcomes.len());
        t
    }

    /// A user's name as the result lists it.
    pub fn name(&self, id: &str) -> String {
        self.rows
            .iter()
            .find(|r| r.id == id)
            .and_then(|r| r.name.clone().or_else(|| r.email.clone()))
            .unwrap_or_default()
    }

    /// The result's first line.
    pub fn headline(&self) -> String {
        let t = self.tally();
        let failed = t.conflicts + t.refused + t.failed;
        let mut out = if self.stopping {
            format!(
                "Stopped: {} done (they stay done), {} not sent",
                group(t.done),
                group(t.not_sent + t.remaining)
            )
        } else {
            format!("{} done", group(t.done))
        };
        if t.unchanged > 0 {
            out += &format!(", {} already so", group(t.unchanged));
        }
        if failed > 0 {
            out += &format!(
                ", {} failed (conflicts {}, refused {}, errors {})",
                group(failed),
                t.conflicts,
                t.refused,
                t.failed
            );
        }
        out += ".";
        if failed + t.not_sent > 0 {
            out += " The failed and the unsent stay marked for a retry.";
        }
        out
    }
}

#[derive(Debug, Clone)]
pub struct Bulk {
    pub stage: Stage,
}

impl State {
    /// A bulk run or a "mark all" is out.
    pub fn bulk_busy(&self) -> bool {
        self.marks.pending_all.is_some()
            || self
                .bulk
                .as_ref()
                .is_some_and(|b| matches!(b.stage, Stage::Running(_)))
    }

    /// The users a bulk change goes to: the marked ones, or the cursor's user.
    fn bulk_targets(&self) -> Vec<ListRow> {
        if self.marks.is_empty() {
            return self.selected().cloned().into_iter().collect();
        }
        self.marks.rows().cloned().collect()
    }

    /// Why a bulk change of `field` cannot be made here, if it cannot.
    pub fn bulk_greyed(&self, field: Field) -> Option<String> {
        let dialects = self.server.dialects?;
        field.missing(dialects).map(str::to_string)
    }
}

pub(super) fn contexts(state: &State) -> Vec<Context> {
    match state.bulk.as_ref().map(|b| &b.stage) {
        Some(Stage::Menu { .. }) => vec![Context::Bulk],
        Some(Stage::Value { .. }) => vec![Context::BulkValue],
        Some(Stage::ConfirmMarkAll { .. } | Stage::Preview(_)) => vec![Context::BulkConfirm],
        Some(Stage::Running(_)) => vec![Context::BulkRun],
        Some(Stage::Result(_)) => vec![Context::BulkResult],
        None => vec![],
    }
}

fn close(state: &mut State) {
    state.bulk = None;
    state.focus = Focus::List;
}

fn stage(state: &mut State, stage: Stage) {
    state.bulk = Some(Bulk { stage });
    state.focus = Focus::Bulk;
}

/// Why no bulk change can start now, if none can.
fn blocked(state: &State) -> Option<String> {
    if let Some(why) = state.write_block() {
        return Some(format!("Bulk changes are off: {why}."));
    }
    if state.server.dialects.is_none() {
        return Some("Not connected yet.".into());
    }
    if state.bulk_targets().is_empty() {
        return Some(format!(
            "No user to change: mark some ({}) or put the cursor on one.",
            keymap::keys(Context::List, Command::Mark)
        ));
    }
    None
}

/// `b`: the menu, for the marked users or the cursor's.
pub(super) fn open(state: &mut State) -> Vec<Effect> {
    if let Some(why) = blocked(state) {
        state.note(why);
        return vec![];
    }
    let at = Item::ALL
        .iter()
        .position(|i| state.bulk_greyed(i.field()).is_none())
        .unwrap_or(0);
    stage(state, Stage::Menu { at });
    vec![]
}

pub(super) fn ask_mark_all(state: &mut State, total: u64) {
    stage(state, Stage::ConfirmMarkAll { total });
}

/// The preview of `change` for the marked users (or the cursor's): `:set`,
/// `:unset` and the menu all come here.
pub(super) fn preview(state: &mut State, change: Change) -> Result<(), String> {
    if let Some(why) = blocked(state) {
        return Err(why);
    }
    if let Some(why) = state.bulk_greyed(change.field()) {
        return Err(format!("Cannot change {}: {why}.", change.target_name()));
    }
    let rows = state.bulk_targets();
    let p = Preview::of(&change, rows.iter().map(|r| (r, state.marks.seen(&r.id))));
    stage(state, Stage::Preview(p));
    Ok(())
}

pub(super) fn command(state: &mut State, cmd: Command) -> Vec<Effect> {
    let Some(bulk) = state.bulk.take() else {
        close(state);
        return vec![];
    };
    match (bulk.stage, cmd) {
        (Stage::ConfirmMarkAll { .. }, Command::Apply) => {
            close(state);
            return marks::start_mark_all(state);
        }
        (Stage::ConfirmMarkAll { .. } | Stage::Menu { .. }, Command::Back) => close(state),
        (Stage::Menu { at }, Command::Up | Command::Down) => {
            let now = Item::ALL[at.min(Item::ALL.len() - 1)];
            let next = ring::next_usable(&Item::ALL, now, cmd == Command::Down, |i| {
                state.bulk_greyed(i.field()).is_none()
            })
            .unwrap_or(now);
            let at = Item::ALL.iter().position(|i| *i == next).unwrap_or(0);
            stage(state, Stage::Menu { at });
        }
        (Stage::Menu { at }, Command::Apply) => {
            let item = Item::ALL[at.min(Item::ALL.len() - 1)];
            match state.bulk_greyed(item.field()) {
                Some(why) => {
                    state.note(format!("{} is greyed out: {why}.", item.label()));
                    stage(state, Stage::Menu { at });
                }
                None => stage(
                    state,
                    Stage::Value {
                        item,
                        input: Input::default(),
                        error: None,
                    },
                ),
            }
        }
        (Stage::Value { item, .. }, Command::Back) => {
            let at = Item::ALL.iter().position(|i| *i == item).unwrap_or(0);
            stage(state, Stage::Menu { at });
        }
        (Stage::Value { item, input, .. }, Command::NextField) => {
            let typed = input.value().trim().to_string();
            let fits: Vec<&str> = item
                .values()
                .iter()
                .copied()
                .filter(|v| v.starts_with(&typed))
                .collect();
            let input = match fits.as_slice() {
                [one] => Input::new((*one).to_string()),
                _ => input,
            };
            let error = (fits.len() > 1).then(|| fits.join("  "));
            stage(state, Stage::Value { item, input, error });
        }
        (Stage::Value { item, input, .. }, Command::Apply) => {
            let typed = input.value().to_string();
            if let Err(e) = item.change(&typed).and_then(|c| preview(state, c)) {
                stage(
                    state,
                    Stage::Value {
                        item,
                        input,
                        error: Some(e),
                    },
                );
            }
        }
        (Stage::Preview(_), Command::Back) => close(state),
        (Stage::Preview(p), Command::Apply) => return start(state, p),
        (Stage::Running(mut run), Command::Back) => {
            let id = run.id;
            run.stopping = true;
            stage(state, Stage::Running(run));
            return vec![Effect::StopBulk { run: id }];
        }
        (Stage::Result(_), Command::Back) => close(state),
        (Stage::Result(mut run), Command::Up | Command::Down) => {
            run.scroll = if cmd == Command::Up {
                run.scroll.saturating_sub(1)
            } else {
                (run.scroll + 1).min(run.outcomes.len().saturating_sub(1))
            };
            stage(state, Stage::Result(run));
        }
        (Stage::Result(run), Command::Refresh) => {
            let change = run.change.clone();
            let failed = run.outcomes.iter().any(|(_, o)| o.failed());
            stage(state, Stage::Result(run));
            if !failed {
                state.note("Nothing failed: nothing to retry.");
            } else if let Err(e) = preview(state, change) {
                state.note(e);
            }
        }
        (other, _) => stage(state, other),
    }
    vec![]
}

/// Keys the value line does not bind are typing.
pub(super) fn type_key(state: &mut State, ev: KeyEvent) {
    if let Some(Bulk {
        stage: Stage::Value { input, error, .. },
    }) = state.bulk.as_mut()
    {
        let before = input.value().to_string();
        input.handle_event(&Event::Key(ev));
        if input.value() != before {
            *error = None;
        }
    }
}

/// Enter on the preview: the run goes to the worker.
fn start(state: &mut State, p: Preview) -> Vec<Effect> {
    let (Some(dialects), None) = (state.server.dialects, state.write_block()) else {
        close(state);
        return vec![];
    };
    let mut rows = state.bulk_targets();
    let wanted: std::collections::HashSet<&String> =
        p.changing.iter().chain(&p.unchanged).collect();
    rows.retain(|r| wanted.contains(&r.id));
    let targets: Vec<Target> = p
        .changing
        .iter()
        .map(|id| Target {
            id: id.clone(),
            seen: state.marks.seen(id).cloned(),
        })
        .collect();
    let id = state.next_id();
    let run = Run {
        id,
        change: p.change.clone(),
        rows,
        outcomes: p
            .unchanged
            .iter()
            .map(|id| (id.clone(), Outcome::Unchanged))
            .collect(),
        stopping: false,
        scroll: 0,
    };
    if targets.is_empty() {
        return finish(state, run);
    }
    stage(state, Stage::Running(run));
    vec![Effect::Bulk {
        run: id,
        dialects,
        targets,
        change: p.change,
    }]
}

pub(super) fn on_progress(state: &mut State, id: u64, items: Vec<Progress>) {
    let Some(Bulk {
        stage: Stage::Running(run),
    }) = state.bulk.as_mut()
    else {
        return;
    };
    if run.id != id {
        return;
    }
    for p in items {
        if let Some(seen) = p.seen {
            state.marks.learn(&p.id, seen);
        }
        run.outcomes.push((p.id, p.outcome));
    }
}

pub(super) fn on_finished(state: &mut State, id: u64) -> Vec<Effect> {
    let Some(Bulk {
        stage: Stage::Running(run),
    }) = state.bulk.take()
    else {
        return vec![];
    };
    if run.id != id {
        state.bulk = Some(Bulk {
            stage: Stage::Running(run),
        });
        return vec![];
    }
    finish(state, run)
}

/// Every user has an outcome: the done and unchanged are unmarked, the
/// failed and unsent stay (or become) marked for a retry; the list is asked
/// again so it shows what changed.
fn finish(state: &mut State, run: Run) -> Vec<Effect> {
    let mut again = Vec::new();
    for (id, outcome) in &run.outcomes {
        match outcome {
            Outcome::Done | Outcome::Unchanged => state.marks.unmark(id),
            _ => {
                if let Some(row) = run.rows.iter().find(|r| &r.id == id)
                    && state.marks.mark(row)
                {
                    again.push(id.clone());
                }
            }
        }
    }
    state.info = Some(run.headline());
    stage(state, Stage::Result(run));
    let mut fx = marks::read(state, again);
    fx.extend(state.request_list());
    fx
}
