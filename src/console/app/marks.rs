//! Marks: the users picked for work on many at once. Kept by id with the row
//! as last seen, so they survive paging and filtering (a marked user need not
//! be on screen). Drawn as the list's mark column and the status line's count.

use std::collections::BTreeMap;

use super::{Effect, State};
use crate::console::keymap::{self, Command, Context};
use crate::console::view::ListRow;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Marks {
    rows: BTreeMap<String, ListRow>,
    /// The user last marked with Space: where a range starts.
    anchor: Option<String>,
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
        self.rows.remove(id);
    }

    fn mark(&mut self, row: &ListRow) {
        self.rows.insert(row.id.clone(), row.clone());
    }
}

pub(super) fn command(state: &mut State, cmd: Command) -> Vec<Effect> {
    let rows: Vec<ListRow> = state
        .list
        .as_ref()
        .map(|l| l.rows.clone())
        .unwrap_or_default();
    match cmd {
        Command::Mark => {
            let Some(row) = state.selected().cloned() else {
                return vec![];
            };
            if state.marks.rows.remove(&row.id).is_none() {
                state.marks.mark(&row);
                state.marks.anchor = Some(row.id);
            } else if state.marks.anchor.as_deref() == Some(row.id.as_str()) {
                state.marks.anchor = None;
            }
        }
        Command::MarkPage => {
            // A page already all marked is unmarked: the same key undoes it.
            if !rows.is_empty() && rows.iter().all(|r| state.marks.contains(&r.id)) {
                for r in &rows {
                    state.marks.rows.remove(&r.id);
                }
                state.info = Some(format!("Unmarked the {} users of this page.", rows.len()));
            } else {
                for r in &rows {
                    state.marks.mark(r);
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
                state.marks.mark(r);
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
        _ => {}
    }
    vec![]
}
