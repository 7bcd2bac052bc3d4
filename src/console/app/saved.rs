//! The answers to a save or a create: what the server wrote goes into the
//! form's baseline, the list and the detail pane; a refusal goes next to the
//! field it names; a 412 opens mine against theirs. The form is drawn by
//! `ui/form.rs`, the conflict by `ui/conflict.rs`.

use super::form::{close, note_error};
use super::{Effect, State};
use crate::api::client::ClientError;
use crate::console::edit::check;
use crate::console::edit::command::save_keys;
use crate::console::edit::form::{Conflict, FormField, Mode, Phase, values_of};
use crate::console::edit::save::{self, SaveFailed, Saved, fold_written};
use crate::console::keymap::{self, Command, Context};
use crate::console::view::{ActingAs, ListRow};
use crate::console::words;

/// Applies a (partial) write everywhere it shows; returns the user's id.
fn apply_written(state: &mut State, w: &Saved) -> Option<String> {
    let form = state.form.as_mut()?;
    let draft = form.draft().ok()?;
    let Mode::Edit { row, detail, etag } = &mut form.mode else {
        return None;
    };
    fold_written(row, detail, w, &draft);
    *etag = detail.etag.clone();
    form.base = values_of(row, detail);
    let (row, detail) = (row.clone(), detail.clone());
    if let Some(list) = state.list.as_mut()
        && let Some(r) = list.rows.iter_mut().find(|r| r.id == row.id)
    {
        *r = ListRow {
            // The list's own columns that an edit does not touch.
            last_login_at: r.last_login_at.clone(),
            created_at: r.created_at.clone(),
            ..row.clone()
        };
    }
    if let Some(view) = state.detail.as_mut()
        && view.row.id == row.id
    {
        view.row = row.clone();
        view.show(detail);
    }
    Some(row.id)
}

pub(crate) fn on_saved(
    state: &mut State,
    id: u64,
    result: Result<Box<Saved>, Box<SaveFailed>>,
) -> Vec<Effect> {
    if state.form.as_ref().map(|f| &f.phase) != Some(&Phase::Saving(id)) {
        return vec![];
    }
    match result {
        Ok(saved) => {
            let Some(form) = state.form.as_ref() else {
                return vec![];
            };
            let before = form.base.clone();
            let draft = form.draft().ok();
            apply_written(state, &saved);
            let missed = match (draft, state.form.as_ref()) {
                (Some(draft), Some(form)) => check::not_taken(&before, &draft, &form.base),
                _ => vec![],
            };
            if missed.is_empty() {
                close(state);
                state.info = Some("Saved.".into());
                if state.has_filters() {
                    // The user may no longer match them: the list and its total say so.
                    return state.request_list();
                }
            } else {
                // The answer shows the old value: the change did not take. The
                // draft stays in the form, its baseline is now the server's.
                if let Some(form) = state.form.as_mut() {
                    form.phase = Phase::Editing;
                }
                note_error(
                    state,
                    format!(
                        "Not all of it took: the server kept {}. Your draft is kept; {} sends it again.",
                        missed.join(", "),
                        save_keys()
                    ),
                );
            }
        }
        Err(failed) => {
            let partial = !failed.written.is_empty();
            if partial {
                apply_written(state, &failed.written);
            }
            let hint = state.server.token_hint.clone();
            learn_refusal(state, &failed.error);
            let Some(form) = state.form.as_mut() else {
                return vec![];
            };
            form.phase = Phase::Editing;
            let SaveFailed { error, theirs, .. } = *failed;
            let lead = if partial {
                "Display name, external_ref and metadata were saved; the rest was not: "
            } else {
                ""
            };
            if error.is_precondition_failed() {
                match theirs {
                    Some(theirs) => match form.draft() {
                        Ok(mine) => {
                            let (row, base) = match &form.mode {
                                Mode::Edit { row, .. } => (row.clone(), form.base.clone()),
                                Mode::Create => return vec![],
                            };
                            form.phase = Phase::Conflict(Box::new(Conflict {
                                base,
                                mine,
                                theirs: values_of(&row, &theirs),
                                theirs_detail: theirs,
                            }));
                        }
                        Err(_) => return vec![],
                    },
                    None => note_error(
                        state,
                        format!(
                            "{lead}Someone else changed this user, and their version could not be loaded. Your draft is kept; {} tries again.",
                            save_keys()
                        ),
                    ),
                }
                return vec![];
            }
            refused(state, &error, lead, &hint);
        }
    }
    vec![]
}

/// A server that cannot say up front what a key may do says it with the first
/// 403 on a write: from then on `e` and `c` are off with its reason. Not for a
/// key bound to a user, whose refusals are about one field, not every write.
pub(super) fn learn_refusal(state: &mut State, error: &ClientError) {
    if let ClientError::Forbidden { code, message } = error
        && code != "user_inactive"
        && state.server.key.is_none()
        && !matches!(state.server.acting_as, Some(ActingAs::User(_)))
    {
        state.server.refused_writes = Some(message.clone());
    }
}

/// A save or create that the server refused or never got: the draft stays, the
/// message goes next to the field it names, or to the message line.
fn refused(state: &mut State, error: &ClientError, lead: &str, hint: &str) {
    let Some(form) = state.form.as_mut() else {
        return;
    };
    if let ClientError::Api {
        message,
        field: Some(field),
        user_id,
        ..
    } = error
        && let Some(f) = FormField::from_wire(field)
        && form.fields.contains(&f)
    {
        form.errors.insert(f, message.clone());
        form.focus = f;
        form.holder = user_id.clone();
        let then = match user_id {
            Some(id) => format!(
                " {} opens {id}.",
                keymap::keys(Context::Form, Command::OpenHolder)
            ),
            None => String::new(),
        };
        note_error(
            state,
            format!("{lead}{}: {message}.{then} Your draft is kept.", f.label()),
        );
        return;
    }
    let again = if error.is_transient() {
        format!(" Your draft is kept; {} tries again.", save_keys())
    } else {
        " Your draft is kept.".to_string()
    };
    note_error(
        state,
        format!("{lead}{}{again}", words::explain(error, hint)),
    );
}

pub(crate) fn on_created(
    state: &mut State,
    id: u64,
    result: Result<Box<save::Created>, ClientError>,
) -> Vec<Effect> {
    if state.form.as_ref().map(|f| &f.phase) != Some(&Phase::Saving(id)) {
        return vec![];
    }
    match result {
        Ok(created) => {
            let save::Created { user, rest_failed } = *created;
            close(state);
            match rest_failed {
                None => state.info = Some(format!("Created {}.", user.user_id)),
                Some(e) => {
                    let why = words::explain(&e, &state.server.token_hint);
                    note_error(
                        state,
                        format!(
                            "Created {}, but its email, role or status were not set: {why} Edit it to try again.",
                            user.user_id
                        ),
                    );
                }
            }
            let row = ListRow {
                id: user.user_id.clone(),
                name: user.display_name.clone(),
                external_ref: user.external_ref.clone(),
                created_at: Some(user.created_at.clone()),
                ..ListRow::default()
            };
            // Open the new user, and refresh the list behind it so it is there too.
            let mut fx = state.open_detail(row);
            fx.extend(state.request_list());
            fx
        }
        Err(error) => {
            let hint = state.server.token_hint.clone();
            learn_refusal(state, &error);
            if let Some(form) = state.form.as_mut() {
                form.phase = Phase::Editing;
            }
            refused(state, &error, "", &hint);
            vec![]
        }
    }
}
