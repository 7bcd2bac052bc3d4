//! Deleting a user (`D` on the list or the detail): the confirmation that
//! names the user, the request, and its answer. Drawn by `ui/delete.rs`.
//!
//! Over SCIM the request is `DELETE /Users/{id}`; against the Raven dialect it
//! is raven-server's extension `DELETE /api/v1/users/{id}`, which a server
//! without it answers 404 or 405: from then on `D` is greyed, with the reason.
//! The EAI v3 API has no delete at all. `If-Match` goes with it when the
//! user's version is known (its detail was loaded).

use super::{Effect, Focus, State, saved};
use crate::api::client::ClientError;
use crate::console::keymap::Command;
use crate::console::view::ListRow;
use crate::console::words;

/// The delete part of the state.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Deletes {
    /// The confirmation on screen: the user it would delete.
    pub confirm: Option<Confirm>,
    /// The id of the delete in flight.
    pending: Option<u64>,
    /// Why this server cannot delete, learnt from its answer to a delete.
    pub lacking: Option<String>,
}

impl Deletes {
    pub fn pending(&self) -> Option<u64> {
        self.pending
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Confirm {
    pub row: ListRow,
    /// The version the delete is conditional on, when it is known.
    pub if_match: Option<String>,
}

impl Confirm {
    /// "Delete Jane Doe <jane@example.com> (usr_…)? This cannot be undone."
    pub fn question(&self) -> String {
        let r = &self.row;
        let mut who: Vec<String> = Vec::new();
        if let Some(n) = r.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            who.push(crate::console::visible::visible(n).into_owned());
        }
        if let Some(e) = r.email.as_deref().filter(|e| !e.is_empty()) {
            who.push(format!("<{}>", crate::console::visible::visible(e)));
        }
        who.push(format!("({})", crate::console::visible::visible(&r.id)));
        format!("Delete {}? This cannot be undone.", who.join(" "))
    }
}

impl State {
    /// Why `D` cannot delete here, if it cannot.
    pub fn delete_block(&self) -> Option<String> {
        if let Some(why) = self.write_block() {
            return Some(why);
        }
        if let Some(why) = &self.deletes.lacking {
            return Some(why.clone());
        }
        match self.server.dialects {
            Some(d) if d.scim.is_none() && !d.raven => {
                Some("the EAI v3 API has no delete".to_string())
            }
            _ => None,
        }
    }
}

/// `D`: the confirmation for the user under the cursor or in the detail pane.
pub(super) fn open(state: &mut State) -> Vec<Effect> {
    if let Some(why) = state.delete_block() {
        state.note(format!("Delete is off: {why}."));
        return vec![];
    }
    if state.focus == Focus::List && state.stale() {
        state.note("The list is still being updated for what is typed: wait for it.");
        return vec![];
    }
    let (row, if_match) = match (state.focus, &state.detail) {
        (Focus::Detail, Some(d)) => (
            Some(d.row.clone()),
            d.user.as_ref().and_then(|u| u.etag.clone()),
        ),
        _ => (state.selected().cloned(), None),
    };
    let Some(row) = row else {
        return vec![];
    };
    // The list knows no version; a detail loaded for this user does.
    let if_match = if_match.or_else(|| {
        state
            .detail
            .as_ref()
            .filter(|d| d.row.id == row.id)
            .and_then(|d| d.user.as_ref()?.etag.clone())
    });
    state.deletes.confirm = Some(Confirm { row, if_match });
    vec![]
}

/// A key while the confirmation is up: `y` deletes, anything bound to Back keeps the user.
pub(super) fn command(state: &mut State, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::Apply => {
            let (Some(c), Some(dialects)) = (state.deletes.confirm.take(), state.server.dialects)
            else {
                return vec![];
            };
            let id = state.next_id();
            state.deletes.pending = Some(id);
            state.info = Some(format!("Deleting {}…", c.row.id));
            vec![Effect::Delete {
                id,
                dialects,
                user_id: c.row.id,
                if_match: c.if_match,
            }]
        }
        Command::Back => {
            state.deletes.confirm = None;
            vec![]
        }
        _ => vec![],
    }
}

/// The server's answer to [`Effect::Delete`].
pub(super) fn on_deleted(
    state: &mut State,
    id: u64,
    user_id: String,
    result: Result<(), ClientError>,
) -> Vec<Effect> {
    if state.deletes.pending != Some(id) {
        return vec![];
    }
    state.deletes.pending = None;
    state.info = None;
    match result {
        // Gone either way: deleted now, or by someone else before.
        Ok(()) | Err(ClientError::NotFound { .. }) => {
            if result.is_ok() {
                state.info = Some(format!("Deleted {user_id}."));
            } else {
                state.note(format!("{user_id} was already gone."));
            }
            state.marks.forget(&user_id);
            if state.detail.as_ref().is_some_and(|d| d.row.id == user_id) {
                state.detail = None;
                state.pending_detail = None;
                if state.focus == Focus::Detail {
                    state.focus = Focus::List;
                }
            }
            // The cursor stays where it was; `on_listed` keeps it on the page.
            state.request_list()
        }
        Err(e) if e.lacks_delete() => {
            let why = "this server has no DELETE /api/v1/users/{user_id}".to_string();
            state.deletes.lacking = Some(why.clone());
            state.note(format!(
                "Delete is off: {why} (it answered {}).",
                status(&e)
            ));
            vec![]
        }
        Err(e) => {
            saved::learn_refusal(state, &e);
            let text = words::explain(&e, &state.server.token_hint);
            state.note(format!("Not deleted: {text}"));
            vec![]
        }
    }
}

fn status(e: &ClientError) -> u16 {
    match e {
        ClientError::Api { status, .. } => *status,
        _ => 0,
    }
}
