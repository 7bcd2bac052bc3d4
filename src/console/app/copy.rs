//! `y` and `Y`: the user under the cursor (or in the detail pane) to the
//! clipboard. `update` only says what to copy ([`Effect::Copy`]); the loop
//! writes it to the terminal as OSC 52, which works over ssh and in tmux.

use serde_json::{Map, Value, json};

use super::{Effect, Focus, State};
use crate::console::keymap::Command;
use crate::console::view::ListRow;

pub(super) fn command(state: &mut State, cmd: Command) -> Vec<Effect> {
    let in_detail = state.focus == Focus::Detail;
    let row = if in_detail {
        state.detail.as_ref().map(|d| d.row.clone())
    } else {
        state.selected().cloned()
    };
    let Some(row) = row else {
        state.note("No user to copy.");
        return vec![];
    };
    let who = row
        .name
        .as_deref()
        .map(crate::console::visible::visible)
        .map_or_else(|| row.id.clone(), |n| n.into_owned());
    let text = match cmd {
        Command::CopyId => {
            state.info = Some(format!("Copied the id of {who}: {}", row.id));
            row.id
        }
        Command::CopyJson => {
            // The whole record when the detail has loaded it, else what the list shows.
            let record = state
                .detail
                .as_ref()
                .filter(|_| in_detail)
                .and_then(|d| d.record.clone())
                .unwrap_or_else(|| row_json(&row));
            let text = serde_json::to_string_pretty(&record).unwrap_or_default();
            state.info = Some(format!("Copied {who} as JSON ({} bytes).", text.len()));
            text
        }
        _ => return vec![],
    };
    vec![Effect::Copy { text }]
}

/// A list row as JSON, with the fields the server sent.
fn row_json(r: &ListRow) -> Value {
    let mut m = Map::new();
    m.insert("id".into(), json!(r.id));
    let mut put = |k: &str, v: Option<String>| {
        if let Some(v) = v {
            m.insert(k.into(), Value::String(v));
        }
    };
    put("name", r.name.clone());
    put("email", r.email.clone());
    put("external_ref", r.external_ref.clone());
    put("role", r.role.map(|x| x.to_string()));
    put("status", r.status.map(|x| x.to_string()));
    put("last_login_at", r.last_login_at.clone());
    put("created_at", r.created_at.clone());
    Value::Object(m)
}
