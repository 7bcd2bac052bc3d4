//! `:export FILE` in the app: the same export as `raven-console export`,
//! run by the worker in the background, its progress on screen, Esc to
//! cancel (the worker drops the task, and its temporary file with it, so a
//! cancelled export leaves no half file). Drawn by `ui/export.rs`.

use std::path::PathBuf;

use super::{Effect, State};
use crate::console::export::{Format, Progress, Request};

/// The export under way.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Running {
    pub id: u64,
    pub path: PathBuf,
    pub progress: Progress,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportState {
    pub running: Option<Running>,
}

/// Starts exporting the list as filtered and sorted now, every page, into
/// `path` (the format from its extension: .json, .ndjson, else CSV).
pub(super) fn start(state: &mut State, path: &str) -> Result<Vec<Effect>, String> {
    let Some(dialects) = state.server.dialects else {
        return Err("Not connected yet.".into());
    };
    if let Some(r) = &state.export.running {
        return Err(format!(
            "An export to {} is still running: wait for it, or cancel it first.",
            r.path.display()
        ));
    }
    let path = PathBuf::from(path);
    let id = state.next_id();
    let filters = crate::api::client::ListQuery {
        sort: None,
        ..state.filters_now()
    };
    state.export.running = Some(Running {
        id,
        path: path.clone(),
        progress: Progress::default(),
    });
    Ok(vec![Effect::Export {
        id,
        dialects,
        request: Request {
            filters,
            sort: state.sort.current,
        },
        format: Format::of_path(&path),
        path,
        token_hint: state.server.token_hint.clone(),
    }])
}

/// Esc while exporting: stop it; nothing is left behind.
pub(super) fn cancel(state: &mut State) -> Vec<Effect> {
    let Some(r) = state.export.running.take() else {
        return vec![];
    };
    state.info = Some(format!(
        "Export cancelled: {} was not written.",
        r.path.display()
    ));
    vec![Effect::CancelExport { id: r.id }]
}

pub(super) fn on_progress(state: &mut State, id: u64, progress: Progress) {
    if let Some(r) = state.export.running.as_mut().filter(|r| r.id == id) {
        r.progress = progress;
    }
}

pub(super) fn on_done(state: &mut State, id: u64, result: Result<u64, String>) {
    let Some(r) = state.export.running.take_if(|r| r.id == id) else {
        return;
    };
    match result {
        Ok(n) => {
            let noun = if n == 1 { "user" } else { "users" };
            state.info = Some(format!("Exported {n} {noun} to {}.", r.path.display()));
        }
        Err(e) => state.note(format!("The export to {} failed: {e}", r.path.display())),
    }
}
