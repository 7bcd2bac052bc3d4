//! The mouse over the list: a click selects a row, a second click on it
//! soon after opens it, the wheel scrolls, a click on a column's title sorts
//! by it (as `s` does). Hits are found with the layout the screen is drawn
//! with (`ui::list::header`, `ui::list_top`). Off with `--no-mouse` or
//! `mouse = false`: then the loop never captures the mouse and nothing comes here.

use std::time::{Duration, Instant};

use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

use super::{Effect, Focus, State};
use crate::console::keymap::Command;
use crate::console::view::Dialects;

/// Two clicks on one row within this long are a double-click.
pub const DOUBLE_CLICK: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MouseState {
    /// The last click on a row: when, and which user.
    last_click: Option<(Instant, String)>,
}

/// What a point of the screen is, for the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hit {
    /// A column's title, and what it sorts by.
    Header(Option<crate::store::SortKey>),
    /// A row of the page, from 0.
    Row(usize),
    Elsewhere,
}

/// What is at (`column`, `row`) of the screen while the list is drawn.
pub fn hit(state: &State, column: u16, row: u16) -> Hit {
    let top = crate::console::ui::list_top(state);
    let Some(list) = &state.list else {
        return Hit::Elsewhere;
    };
    if row == top {
        let d = state.server.dialects.unwrap_or(Dialects::BOTH);
        return crate::console::ui::list::header(d, state.width)
            .into_iter()
            .find(|h| column >= h.x && column < h.x + h.width)
            .map_or(Hit::Elsewhere, |h| Hit::Header(h.sort));
    }
    match usize::from(row).checked_sub(usize::from(top) + 1) {
        Some(i) if i < list.rows.len() => Hit::Row(i),
        _ => Hit::Elsewhere,
    }
}

pub(super) fn on_mouse(state: &mut State, ev: MouseEvent, at: Instant) -> Vec<Effect> {
    if state.help {
        return vec![];
    }
    match (state.focus, ev.kind) {
        (Focus::List, MouseEventKind::ScrollDown) => super::list::command(state, Command::Down),
        (Focus::List, MouseEventKind::ScrollUp) => super::list::command(state, Command::Up),
        (Focus::Detail, MouseEventKind::ScrollDown) => super::detail::command(state, Command::Down),
        (Focus::Detail, MouseEventKind::ScrollUp) => super::detail::command(state, Command::Up),
        (Focus::List, MouseEventKind::Down(MouseButton::Left)) => click(state, ev, at),
        _ => vec![],
    }
}

fn click(state: &mut State, ev: MouseEvent, at: Instant) -> Vec<Effect> {
    state.info = None;
    match hit(state, ev.column, ev.row) {
        Hit::Header(Some(key)) => {
            state.sort.focus = key;
            state.mouse.last_click = None;
            super::sort::command(state, Command::Sort)
        }
        Hit::Row(i) => {
            state.cursor = i;
            let id = state.selected().map(|r| r.id.clone()).unwrap_or_default();
            let double =
                state.mouse.last_click.as_ref().is_some_and(|(when, was)| {
                    *was == id && at.duration_since(*when) <= DOUBLE_CLICK
                });
            if double {
                state.mouse.last_click = None;
                return super::list::command(state, Command::Open);
            }
            state.mouse.last_click = Some((at, id));
            vec![]
        }
        Hit::Header(None) | Hit::Elsewhere => vec![],
    }
}
