//! Drawing: one module per pane, each `render(frame, area, &State, Theme)`.
//! Drawing only reads the state.

mod audit;
pub(crate) mod bulk;
mod cmdline;
mod conflict;
mod delete;
mod detail;
mod export;
mod filter;
mod form;
pub mod help;
mod history;
mod json;
pub mod list;
mod message;
mod profile;
mod status;
pub mod theme;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders};

use super::app::{Focus, State};
use super::edit::form::Phase;
use super::keymap::{self, Command, Context};
pub use theme::Theme;

/// Whether the row over the list is in use: the command line, the draft
/// question of `:profile`, or the export's progress.
fn prompt_row(state: &State) -> bool {
    state.focus == Focus::CommandLine
        || state.profile.asking.is_some()
        || state.export.running.is_some()
}

/// The screen row of the list's header (its rows follow): under the filter
/// bar, and under the prompt row when that is in use. The mouse's hits use it.
pub fn list_top(state: &State) -> u16 {
    1 + u16::from(prompt_row(state))
}

pub fn draw(frame: &mut Frame, state: &State, theme: Theme) {
    let prompt = u16::from(prompt_row(state));
    let [bar, line, body, msg, foot] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(prompt),
        Constraint::Fill(1),
        Constraint::Length(message::height(state, frame.area().width)),
        Constraint::Length(2),
    ])
    .areas(frame.area());
    filter::render(frame, bar, state, theme);
    if let Some(name) = &state.profile.asking {
        profile::render(frame, line, name, theme);
    } else if state.focus == Focus::CommandLine {
        cmdline::render(frame, line, state, theme);
    } else if let Some(run) = &state.export.running {
        export::render(frame, line, run, theme);
    }
    match (&state.focus, &state.detail, &state.form) {
        (Focus::Form, _, Some(f)) => match &f.phase {
            Phase::Conflict(c) => {
                let name = c.theirs.name.trim();
                let name = if name.is_empty() { "this user" } else { name };
                let name = &crate::console::visible::visible(name);
                conflict::render(frame, body, name, c, theme)
            }
            _ => form::render(frame, body, state, f, theme),
        },
        (Focus::Detail, Some(d), _) => detail::render(frame, body, state, d, theme),
        (Focus::History, ..) if let Some(p) = &state.history.pane => {
            history::render(frame, body, state, p, theme)
        }
        (Focus::Audit, ..) if let Some(a) = &state.history.audit => {
            audit::render(frame, body, state, a, theme)
        }
        _ => list::render(frame, body, state, theme),
    }
    status::render(frame, foot, state, theme);
    message::render(frame, msg, state, theme);
    if let Some(c) = &state.deletes.confirm {
        delete::render(frame, body, c, theme);
    }
    if let (Focus::Bulk, Some(b)) = (state.focus, &state.bulk) {
        bulk::render(frame, body, state, b, theme);
    }
    if state.help {
        help::render(frame, frame.area(), state.help_page, theme);
    }
}

/// A pane's frame: its title on top, the keymap's hints for `commands` below.
pub(crate) fn pane(
    title: Vec<Span<'static>>,
    context: Context,
    commands: &[Command],
    theme: Theme,
) -> Block<'static> {
    Block::default()
        .borders(Borders::ALL)
        .border_style(theme.dim())
        .title(Line::from(title))
        .title_bottom(Line::styled(
            format!(" {} ", keymap::hints(context, commands)),
            theme.dim(),
        ))
}

/// "2026-03-11T09:30:00.000Z" as "2026-03-11 09:30": minutes are enough in a table.
pub(crate) fn short_time(ts: &str) -> String {
    match (ts.get(..10), ts.get(11..16)) {
        (Some(day), Some(hm)) if ts.as_bytes().get(10) == Some(&b'T') => format!("{day} {hm}"),
        _ => ts.to_string(),
    }
}
