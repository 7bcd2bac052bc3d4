//! `:profile NAME`: another `[profiles.NAME]` of config.toml (server, key,
//! dialect) without restarting. An unsaved edit is never dropped on the way:
//! the admin is asked first whether to keep it (it comes back with that
//! profile), discard it, or stay. The loop resolves the profile and starts a
//! new worker on it ([`Effect::SwitchProfile`]); [`on_switched`] starts over
//! on the new server.

use std::collections::BTreeMap;

use super::{DetailView, Effect, Focus, State};
use crate::console::config::ApiChoice;
use crate::console::edit::Form;
use crate::console::keymap::Command;

#[derive(Debug, Clone, Default)]
pub struct ProfileState {
    /// The profiles of config.toml, for Tab.
    pub names: Vec<String>,
    /// The profile in use; `None`: the one the console started with (flags,
    /// environment, or the embedded server).
    pub current: Option<String>,
    /// The profile `:profile` waits to switch to while the draft question is open.
    pub asking: Option<String>,
    /// Drafts kept for later, by profile (`""` the start one), each with its detail.
    kept: BTreeMap<String, (Option<DetailView>, Form)>,
}

/// What the loop found for a profile: where its server is and how to talk to it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Switched {
    pub name: String,
    pub url: String,
    pub token_hint: String,
    pub api: ApiChoice,
    pub read_only: bool,
}

fn key(name: &Option<String>) -> String {
    name.clone().unwrap_or_default()
}

/// `:profile NAME`: switches, or asks about the draft first.
pub(super) fn switch(state: &mut State, name: &str) -> Result<Vec<Effect>, String> {
    if !state.profile.names.iter().any(|n| n == name) {
        let known = if state.profile.names.is_empty() {
            "none".to_string()
        } else {
            state.profile.names.join(", ")
        };
        return Err(format!(
            "No profile \"{}\" in config.toml (it has: {known}).",
            crate::console::visible::visible(name)
        ));
    }
    if state.profile.current.as_deref() == Some(name) {
        return Err(format!("Profile \"{name}\" is the one in use."));
    }
    if state.bulk_busy() {
        // Its answers and the marks belong to this server.
        return Err(
            "Bulk changes are still running here: let them finish, or stop them, first.".into(),
        );
    }
    if state.form.as_ref().is_some_and(Form::is_dirty) {
        state.profile.asking = Some(name.to_string());
        return Ok(vec![]);
    }
    Ok(go(state, name))
}

fn go(state: &mut State, name: &str) -> Vec<Effect> {
    state.profile.asking = None;
    state.focus = Focus::List;
    state.info = Some(format!("Switching to profile \"{name}\" …"));
    vec![Effect::SwitchProfile {
        name: name.to_string(),
    }]
}

/// The answer to "your draft?": keep it for later, discard it, or stay.
pub(super) fn answer(state: &mut State, cmd: Command) -> Vec<Effect> {
    let Some(name) = state.profile.asking.clone() else {
        return vec![];
    };
    match cmd {
        Command::Keep => {
            if let Some(form) = state.form.take() {
                let here = key(&state.profile.current);
                state.profile.kept.insert(here, (state.detail.take(), form));
            }
            go(state, &name)
        }
        Command::Discard => {
            state.form = None;
            go(state, &name)
        }
        Command::Back => {
            state.profile.asking = None;
            state.focus = if state.form.is_some() {
                Focus::Form
            } else {
                Focus::List
            };
            vec![]
        }
        _ => vec![],
    }
}

/// The loop's answer to [`Effect::SwitchProfile`]: on the new server from
/// the start, with its kept draft if one was left there.
pub(super) fn on_switched(state: &mut State, result: Result<Switched, String>) -> Vec<Effect> {
    let s = match result {
        Ok(s) => s,
        Err(e) => {
            state.info = None;
            state.note(format!("Cannot switch profile: {e}"));
            return vec![];
        }
    };
    let server = &mut state.server;
    server.url = s.url;
    server.token_hint = s.token_hint;
    server.api = s.api;
    server.read_only = s.read_only;
    server.dialects = None;
    server.acting_as = None;
    server.key = None;
    server.refused_writes = None;
    state.list = None;
    state.detail = None;
    state.form = None;
    state.focus = Focus::List;
    state.offset = 0;
    state.cursor = 0;
    state.cap = None;
    state.pending_list = None;
    state.pending_detail = None;
    state.marks = Default::default();
    state.bulk = None;
    state.sort.current = None;
    state.sort.unsorted.clear();
    state.error = None;
    state.info = Some(format!("Profile \"{}\".", s.name));
    if let Some((detail, form)) = state.profile.kept.remove(&s.name) {
        state.detail = detail;
        state.form = Some(form);
        state.focus = Focus::Form;
        state.info = Some(format!("Profile \"{}\": your kept draft is back.", s.name));
    }
    state.profile.current = Some(s.name);
    state.connect()
}
