//! The list's order on the console's side: the sort asked for, the column
//! `s` sorts (moved with the column keys, or picked by a click on the
//! header), `:sort`, and noticing a server that does not sort. The header's
//! ▲/▼ is drawn by `ui/list.rs`.

use super::{Effect, State};
use crate::api::client::ClientError;
use crate::api::sort::{EAI_SORTS, RAVEN_SORTS, spelling};
use crate::console::keymap::Command;
use crate::console::view::{Dialects, ListPage, order};
use crate::store::{Sort, SortKey};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SortState {
    /// The order asked of the server; `None` is its default, newest first.
    pub current: Option<Sort>,
    /// The column `s` sorts.
    pub focus: SortKey,
    /// Keys this server was seen not to sort by (it refused `sort`, or sent
    /// its rows in another order): asked again only after reconnecting.
    pub unsorted: Vec<SortKey>,
}

impl Default for SortState {
    fn default() -> SortState {
        SortState {
            current: None,
            focus: SortKey::DisplayName,
            unsorted: Vec::new(),
        }
    }
}

/// A column's name on screen, for messages.
pub fn label(key: SortKey) -> &'static str {
    match key {
        SortKey::DisplayName => "name",
        SortKey::Email => "email",
        SortKey::ExternalRef => "external ref",
        SortKey::Role => "role",
        SortKey::Status => "status",
        SortKey::LastLoginAt => "last login",
        SortKey::CreatedAt => "created",
        SortKey::UpdatedAt => "updated",
        SortKey::Username => "user name",
    }
}

/// The fields `:sort` takes against a server speaking `dialects`, as those
/// dialects spell them (both spellings where they differ).
pub fn fields(dialects: Option<Dialects>) -> Vec<&'static str> {
    let d = dialects.unwrap_or(Dialects::BOTH);
    let mut out: Vec<&'static str> = Vec::new();
    for (on, table) in [(d.raven, RAVEN_SORTS), (d.eai, EAI_SORTS)] {
        if on {
            for (name, _) in table {
                if !out.contains(name) {
                    out.push(name);
                }
            }
        }
    }
    out
}

/// Whether a server speaking `dialects` has a spelling for `key`.
fn spoken(dialects: Option<Dialects>, key: SortKey) -> bool {
    let d = dialects.unwrap_or(Dialects::BOTH);
    (d.raven && spelling(RAVEN_SORTS, key).is_some())
        || (d.eai && spelling(EAI_SORTS, key).is_some())
}

/// The next step of `s` on `key`: ascending, then descending, then the default.
pub fn cycle(current: Option<Sort>, key: SortKey) -> Option<Sort> {
    match current {
        Some(s) if s.key == key && !s.descending => Some(Sort {
            key,
            descending: true,
        }),
        Some(s) if s.key == key => None,
        _ => Some(Sort {
            key,
            descending: false,
        }),
    }
}

/// The sortable columns on screen, left to right.
fn columns(state: &State) -> Vec<SortKey> {
    let d = state.server.dialects.unwrap_or(Dialects::BOTH);
    crate::console::ui::list::header(d, state.width)
        .into_iter()
        .filter_map(|h| h.sort)
        .collect()
}

pub(super) fn command(state: &mut State, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::NextColumn | Command::PrevColumn => {
            let cols = columns(state);
            if cols.is_empty() {
                return vec![];
            }
            let at = cols.iter().position(|k| *k == state.sort.focus);
            let next = match (at, cmd == Command::NextColumn) {
                (None, _) => 0,
                (Some(i), true) => (i + 1) % cols.len(),
                (Some(i), false) => (i + cols.len() - 1) % cols.len(),
            };
            state.sort.focus = cols[next];
            vec![]
        }
        Command::Sort => {
            if !columns(state).contains(&state.sort.focus)
                && let Some(first) = columns(state).first()
            {
                state.sort.focus = *first;
            }
            let next = cycle(state.sort.current, state.sort.focus);
            set(state, next).unwrap_or_else(|why| {
                state.note(why);
                vec![]
            })
        }
        _ => vec![],
    }
}

/// Asks for the list in `sort`'s order (`None`: the default), from the first page.
pub(super) fn set(state: &mut State, sort: Option<Sort>) -> Result<Vec<Effect>, String> {
    if let Some(s) = sort {
        let name = label(s.key);
        if !spoken(state.server.dialects, s.key) {
            return Err(format!("This server's dialect has no {name} to sort by."));
        }
        if state.sort.unsorted.contains(&s.key) {
            return Err(format!(
                "The {name} column cannot be sorted on this server: it does not sort by it."
            ));
        }
        state.sort.focus = s.key;
    }
    if state.sort.current == sort {
        return Ok(vec![]);
    }
    state.sort.current = sort;
    state.info = Some(match sort {
        Some(s) => format!(
            "Sorted by {} {}.",
            label(s.key),
            if s.descending { "▼" } else { "▲" }
        ),
        None => "Newest first.".to_string(),
    });
    Ok(state.filters_changed(false))
}

/// Looks at the answer to a sorted list before the list does: a server that
/// refused `sort` (400 naming it) or ignored it (the rows are in another
/// order) cannot sort by that column; the console says so and asks again
/// in the default order. `Some` is that new request.
/// (The answer is to the sort in effect: a change of sort asks anew, and the
/// answer to the old request is dropped before it gets here.)
pub(super) fn check(
    state: &mut State,
    result: &Result<ListPage, ClientError>,
) -> Option<Vec<Effect>> {
    let sort = state.sort.current?;
    let unsorted = match result {
        Ok(page) => order::telling(&page.rows, sort) && !order::in_order(&page.rows, sort),
        Err(ClientError::Api {
            status: 400,
            field,
            message,
            ..
        }) => field.as_deref() == Some("sort") || message.contains("sort"),
        Err(_) => false,
    };
    if !unsorted {
        return None;
    }
    state.sort.unsorted.push(sort.key);
    state.sort.current = None;
    state.offset = 0;
    state.cursor = 0;
    let fx = state.request_list();
    // `info`, not a note: the good answer on its way would clear a note.
    state.info = Some(format!(
        "The {} column cannot be sorted on this server: it does not sort by it. Back to newest first.",
        label(sort.key)
    ));
    Some(fx)
}
