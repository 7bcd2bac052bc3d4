//! The command line's part of the state (`:` in the list, as in k9s): what is
//! typed, the session's history, completion, and running a command. The
//! language itself is `console/commands.rs`; the drawing `ui/cmdline.rs`.

use ratatui::crossterm::event::{Event, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::{Effect, Focus, State, list};
use crate::api::client::{ClientError, ListQuery};
use crate::console::commands::{self, Cmd, History, MarkWhat};
use crate::console::keymap::Command;
use crate::console::view::{ListPage, ListRow};

#[derive(Debug, Clone, Default)]
pub struct CmdLine {
    pub input: Input,
    pub history: History,
    /// Why the last line did not run; the line stays open to be fixed.
    pub error: Option<String>,
    /// The names Tab found when more than one fits.
    pub choices: Vec<&'static str>,
    /// The `:ref` lookup still wanted, and the ref it looks for.
    pending_ref: Option<(u64, String)>,
}

impl CmdLine {
    pub fn pending_ref(&self) -> Option<u64> {
        self.pending_ref.as_ref().map(|(id, _)| *id)
    }
}

pub(super) fn open(state: &mut State) {
    state.cmdline.input = Input::default();
    state.cmdline.error = None;
    state.cmdline.choices.clear();
    state.cmdline.history.reset();
    state.focus = Focus::CommandLine;
}

fn close(state: &mut State) {
    state.cmdline.input = Input::default();
    state.cmdline.error = None;
    state.cmdline.choices.clear();
    state.cmdline.history.reset();
    state.focus = Focus::List;
}

fn set_text(state: &mut State, text: &str) {
    state.cmdline.input = Input::new(text.to_string());
}

pub(super) fn command(state: &mut State, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::Back => close(state),
        Command::NextField => {
            let (line, choices) = commands::complete(state.cmdline.input.value());
            set_text(state, &line);
            state.cmdline.choices = choices;
            state.cmdline.error = None;
        }
        Command::Up => {
            let typed = state.cmdline.input.value().to_string();
            if let Some(line) = state.cmdline.history.older(&typed).map(str::to_string) {
                set_text(state, &line);
            }
        }
        Command::Down => {
            if let Some(line) = state.cmdline.history.newer().map(str::to_string) {
                set_text(state, &line);
            }
        }
        Command::Apply => {
            let line = state.cmdline.input.value().to_string();
            state.cmdline.history.push(&line);
            match commands::parse(&line).and_then(|c| run(state, c)) {
                Ok(fx) => return fx,
                Err(e) => {
                    state.cmdline.error = Some(e);
                    state.cmdline.choices.clear();
                }
            }
        }
        _ => {}
    }
    vec![]
}

/// Keys the command line does not bind are typing.
pub(super) fn type_key(state: &mut State, ev: KeyEvent) {
    let before = state.cmdline.input.value().to_string();
    state.cmdline.input.handle_event(&Event::Key(ev));
    if state.cmdline.input.value() != before {
        state.cmdline.error = None;
        state.cmdline.choices.clear();
    }
}

/// Carries out a command that parsed; an error keeps the line open.
fn run(state: &mut State, cmd: Cmd) -> Result<Vec<Effect>, String> {
    let fx = match cmd {
        Cmd::Quit => {
            close(state);
            return Ok(super::command(state, Command::Quit));
        }
        Cmd::User(id) => {
            close(state);
            return Ok(state.open_detail(ListRow {
                id,
                ..ListRow::default()
            }));
        }
        Cmd::Ref(r) => find_ref(state, r)?,
        Cmd::Bulk(change) => {
            // A refusal keeps the line open, with why, to be fixed.
            super::bulk::preview(state, change)?;
            close(state);
            state.focus = Focus::Bulk;
            return Ok(vec![]);
        }
        Cmd::Mark(what) => {
            close(state);
            let cmd = match what {
                MarkWhat::All => Command::MarkAll,
                MarkWhat::Page => Command::MarkPage,
                MarkWhat::None => Command::ClearMarks,
            };
            return Ok(super::marks::command(state, cmd));
        }
        Cmd::First => list::go_to(state, 0, false)?,
        Cmd::Last => {
            let offset = list::last_offset(state)?;
            list::go_to(state, offset, true)?
        }
        Cmd::Page(n) => {
            let offset = list::page_offset(state, n)?;
            list::go_to(state, offset, false)?
        }
    };
    close(state);
    Ok(fx)
}

fn find_ref(state: &mut State, external_ref: String) -> Result<Vec<Effect>, String> {
    let Some(dialects) = state.server.dialects else {
        return Err("Not connected yet.".into());
    };
    if !dialects.raven {
        return Err("This server speaks EAI v3 only, which has no external_ref.".into());
    }
    let id = state.next_id();
    state.cmdline.pending_ref = Some((id, external_ref.clone()));
    Ok(vec![Effect::FindRef {
        id,
        dialects,
        query: ListQuery {
            offset: 0,
            limit: 1,
            external_ref: Some(external_ref),
            ..ListQuery::default()
        },
    }])
}

/// The answer to `:ref`: open the user that holds it, or say none does.
pub(super) fn on_found(
    state: &mut State,
    id: u64,
    result: Result<ListPage, ClientError>,
) -> Vec<Effect> {
    let Some((_, wanted)) = state
        .cmdline
        .pending_ref
        .take_if(|(pending, _)| *pending == id)
    else {
        return vec![];
    };
    match result {
        Ok(page) => match page.rows.into_iter().next() {
            Some(row) if state.focus == Focus::List => state.open_detail(row),
            // The admin moved on meanwhile: do not pull the screen away.
            Some(_) => vec![],
            None => {
                state.note(format!(
                    "No user has external_ref \"{}\".",
                    crate::console::visible::visible(&wanted)
                ));
                vec![]
            }
        },
        Err(e) => {
            let text = crate::console::words::explain(&e, &state.server.token_hint);
            state.note(format!("Looking up external_ref \"{wanted}\": {text}"));
            vec![]
        }
    }
}
