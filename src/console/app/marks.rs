//! Marks: the users picked for work on many at once. Kept by id with the row
//! as last seen, so they survive paging and filtering (a marked user need not
//! be on screen). Drawn as the list's mark column and the status line's count.

use std::collections::BTreeMap;

use super::{Effect, State};
use crate::api::client::ClientError;
use crate::console::bulk::preview::group;
use crate::console::bulk::{ASK_ABOVE, Collected, MAX_MARKED, Seen};
use crate::console::keymap::{self, Command, Context};
use crate::console::view::ListRow;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Marks {
    rows: BTreeMap<String, ListRow>,
    /// What a bulk change needs beyond the row (the version seen, metadata,
    /// preferences), read in the background when a user is marked.
    seen: BTreeMap<String, Seen>,
    /// The user last marked with Space: where a range starts.
    anchor: Option<String>,
    /// The "mark all matching" request still wanted.
    pub(super) pending_all: Option<u64>,
}

impl Marks {
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    pub fn contains(&self, id: &str) -> bool {
        self.rows.contains_key(id)
    }

    /// The marked users, by id.
    pub fn rows(&self) -> impl Iterator<Item = &ListRow> {
        self.rows.values()
    }

    /// Drops a user that no longer exists (deleted).
    pub fn forget(&mut self, id: &str) {
        self.unmark(id);
    }

    /// What the console read of a marked user, once it has.
    pub fn seen(&self, id: &str) -> Option<&Seen> {
        self.seen.get(id)
    }

    /// Marked users whose version has not been read yet.
    pub fn unread(&self) -> usize {
        self.rows.len() - self.seen.len()
    }

    /// Marks `row`; true when it was not marked before.
    pub(super) fn mark(&mut self, row: &ListRow) -> bool {
        self.rows.insert(row.id.clone(), row.clone()).is_none()
    }

    pub(super) fn unmark(&mut self, id: &str) {
        self.rows.remove(id);
        self.seen.remove(id);
    }

    /// What a read (or a bulk run) learnt of a user, kept only while it is marked.
    pub(super) fn learn(&mut self, id: &str, seen: Seen) {
        if self.rows.contains_key(id) {
            self.seen.insert(id.to_string(), seen);
        }
    }
}

/// Reads the version and objects of newly marked users in the background.
pub(super) fn read(state: &State, ids: Vec<String>) -> Vec<Effect> {
    match state.server.dialects {
        Some(dialects) if !ids.is_empty() => vec![Effect::ReadMarked { dialects, ids }],
        _ => vec![],
    }
}

pub(super) fn command(state: &mut State, cmd: Command) -> Vec<Effect> {
    let rows: Vec<ListRow> = state
        .list
        .as_ref()
        .map(|l| l.rows.clone())
        .unwrap_or_default();
    let mut new = Vec::new();
    match cmd {
        Command::Mark => {
            let Some(row) = state.selected().cloned() else {
                return vec![];
            };
            if !state.marks.contains(&row.id) {
                state.marks.mark(&row);
                new.push(row.id.clone());
                state.marks.anchor = Some(row.id);
            } else {
                state.marks.unmark(&row.id);
                if state.marks.anchor.as_deref() == Some(row.id.as_str()) {
                    state.marks.anchor = None;
                }
            }
        }
        Command::MarkPage => {
            // A page already all marked is unmarked: the same key undoes it.
            if !rows.is_empty() && rows.iter().all(|r| state.marks.contains(&r.id)) {
                for r in &rows {
                    state.marks.unmark(&r.id);
                }
                state.info = Some(format!("Unmarked the {} users of this page.", rows.len()));
            } else {
                for r in &rows {
                    if state.marks.mark(r) {
                        new.push(r.id.clone());
                    }
                }
                state.info = Some(format!("Marked the {} users of this page.", rows.len()));
            }
        }
        Command::MarkRange => {
            let anchor = state
                .marks
                .anchor
                .as_ref()
                .and_then(|a| rows.iter().position(|r| &r.id == a));
            let Some(from) = anchor else {
                state.note(format!(
                    "Mark where the range starts first ({} on a user of this page).",
                    keymap::keys(Context::List, Command::Mark)
                ));
                return vec![];
            };
            let to = state.cursor.min(rows.len().saturating_sub(1));
            let (lo, hi) = (from.min(to), from.max(to));
            for r in &rows[lo..=hi] {
                if state.marks.mark(r) {
                    new.push(r.id.clone());
                }
            }
        }
        Command::ClearMarks => {
            let n = state.marks.len();
            state.marks = Marks::default();
            if n > 0 {
                let noun = if n == 1 { "mark" } else { "marks" };
                state.info = Some(format!("Cleared {n} {noun}."));
            }
        }
        Command::MarkAll => return mark_all(state),
        _ => {}
    }
    read(state, new)
}

/// `A` / `:mark all`: every user matching the filters, on every page; above
/// [`ASK_ABOVE`] the console asks first, and it marks at most [`MAX_MARKED`].
pub(super) fn mark_all(state: &mut State) -> Vec<Effect> {
    if state.server.dialects.is_none() {
        state.note("Not connected yet.");
        return vec![];
    }
    if state.stale() {
        state.note("The list is still being updated for what is typed: wait for it.");
        return vec![];
    }
    match state.list.as_ref().and_then(|l| l.total) {
        Some(total) if total > ASK_ABOVE => {
            super::bulk::ask_mark_all(state, total);
            vec![]
        }
        _ => start_mark_all(state),
    }
}

pub(super) fn start_mark_all(state: &mut State) -> Vec<Effect> {
    let Some(dialects) = state.server.dialects else {
        return vec![];
    };
    let id = state.next_id();
    state.marks.pending_all = Some(id);
    state.info = Some("Marking every user matching the filters…".into());
    vec![Effect::MarkAll {
        id,
        dialects,
        query: state.filters_now(),
        max: MAX_MARKED,
    }]
}

pub(super) fn on_marked_all(
    state: &mut State,
    id: u64,
    result: Result<Collected, ClientError>,
) -> Vec<Effect> {
    if state.marks.pending_all != Some(id) {
        // Cleared (u) or asked again meanwhile.
        return vec![];
    }
    state.marks.pending_all = None;
    match result {
        Ok(found) => {
            let new: Vec<String> = found
                .rows
                .iter()
                .filter(|r| state.marks.mark(r))
                .map(|r| r.id.clone())
                .collect();
            let n = group(found.rows.len());
            state.info = Some(match found.total {
                Some(t) if found.capped() => format!(
                    "Marked the first {n} of the {} users matching the filters: at most {} are marked at once.",
                    group(t as usize),
                    group(MAX_MARKED)
                ),
                _ => format!("Marked all {n} users matching the filters."),
            });
            read(state, new)
        }
        Err(e) => {
            let text = crate::console::words::explain(&e, &state.server.token_hint);
            state.note(format!("Marking every user matching the filters: {text}"));
            vec![]
        }
    }
}

/// What was read of marked users; a failed read leaves the user to be read when the change runs.
pub(super) fn on_read(state: &mut State, batch: Vec<(String, Result<Seen, ClientError>)>) {
    for (id, result) in batch {
        if let Ok(seen) = result {
            state.marks.learn(&id, seen);
        }
    }
}
