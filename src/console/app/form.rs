//! The edit and create form's part of the state: opening it, its keys, and
//! the answers to a save or a create. The form itself and the arithmetic of a
//! change live in `edit/`, which knows nothing of `State`; this module applies
//! their results to the list, the detail pane and the message line. Drawn by
//! `ui/form.rs` and `ui/conflict.rs`.

use ratatui::crossterm::event::KeyEvent;

use super::{About, Effect, Focus, Notice, State};
use crate::api::client::{ClientError, Principal, UserDetail, UserRow};
use crate::api::raven;
use crate::console::edit::form::{AfterDiscard, Conflict, FormField, Mode, Phase, values_of};
use crate::console::edit::save::{self, SaveFailed, Saved};
use crate::console::edit::{Form, check, patch};
use crate::console::keymap::{self, Command, Context};
use crate::console::words;

/// The keys that save, for the messages that tell the admin to try again.
fn save_keys() -> String {
    keymap::keys(Context::Form, Command::Save)
}

/// Which bindings apply while the form has the focus.
pub(crate) fn contexts(form: Option<&Form>) -> Vec<Context> {
    let Some(form) = form else {
        return vec![];
    };
    match &form.phase {
        Phase::Editing if form.focus.is_choice() => vec![Context::Choice, Context::Form],
        Phase::Editing if form.focus.is_json() => vec![Context::Json, Context::Form],
        Phase::Editing => vec![Context::Form],
        Phase::Confirm => vec![Context::Confirm],
        Phase::Conflict(_) => vec![Context::Conflict],
        Phase::Discard { .. } => vec![Context::Discard],
        // Only Ctrl-C while the request is out.
        Phase::Saving(_) => vec![],
    }
}

/// Opens the edit form on the user loaded in the detail pane.
pub(crate) fn open_form(state: &mut State) {
    let (Some(dialects), Some(view)) = (state.server.dialects, state.detail.as_ref()) else {
        return;
    };
    let Some(user) = view.user.as_ref() else {
        return;
    };
    let who = state.server.principal.clone().unwrap_or(Principal::Unknown);
    state.form = Some(Form::edit(&view.row, user, dialects, &who));
    state.focus = Focus::Form;
}

pub(crate) fn open_create(state: &mut State) {
    let Some(dialects) = state.server.dialects else {
        return;
    };
    if !dialects.raven {
        note_error(
            state,
            "Creating users needs the Raven v1 API, which this server does not speak.".into(),
        );
        return;
    }
    state.form = Some(Form::create(dialects));
    state.focus = Focus::Form;
}

fn note_error(state: &mut State, text: String) {
    state.error = Some(Notice::new(text, About::Form));
}

pub(crate) fn type_key(state: &mut State, ev: KeyEvent) {
    if let Some(form) = state.form.as_mut()
        && form.phase == Phase::Editing
    {
        form.type_key(ev);
        // "does not parse" and "nothing to create" last exactly as long as they are true.
        if form.draft().is_ok() && !(form.is_create() && form.is_empty_create()) {
            state.clear_error(&[About::Draft]);
        }
    }
}

pub(crate) fn command(state: &mut State, cmd: Command) -> Vec<Effect> {
    let Some(form) = state.form.as_mut() else {
        state.focus = Focus::List;
        return vec![];
    };
    match (&form.phase, cmd) {
        (Phase::Editing, Command::Save) => {
            match form.draft() {
                Err((field, e)) => {
                    form.focus = field;
                    let text = format!("{} does not parse: {e}. Nothing was sent.", field.label());
                    state.error = Some(Notice::new(text, About::Draft));
                }
                Ok(draft) if !form.is_create() && patch::summary(&form.base, &draft).is_empty() => {
                    state.info = Some("Nothing changed, nothing to save.".into());
                }
                Ok(_) if form.is_create() && form.is_empty_create() => {
                    let text = "Nothing to create: give a name, an external_ref or an email first.";
                    state.error = Some(Notice::new(text.into(), About::Draft));
                }
                Ok(_) => form.phase = Phase::Confirm,
            }
            vec![]
        }
        (Phase::Editing, Command::NextField | Command::PrevField) => {
            form.next_field(cmd == Command::NextField);
            vec![]
        }
        (Phase::Editing, Command::NextChoice | Command::PrevChoice) => {
            form.pick(cmd == Command::NextChoice);
            vec![]
        }
        (Phase::Editing, Command::ExternalEditor) => {
            if form.focus.is_json() {
                vec![Effect::Editor {
                    field: form.focus,
                    text: form.json_text(form.focus),
                }]
            } else {
                let keys = keymap::keys(Context::Form, Command::ExternalEditor);
                state.info = Some(format!("{keys} opens metadata or preferences in $EDITOR."));
                vec![]
            }
        }
        (Phase::Editing, Command::OpenHolder) => {
            let Some(holder) = form.holder.clone() else {
                return vec![];
            };
            if form.is_dirty() {
                form.phase = Phase::Discard {
                    then: AfterDiscard::Open(holder),
                };
                return vec![];
            }
            close(state);
            open_user(state, holder)
        }
        (Phase::Editing, Command::Back) => {
            if form.is_dirty() {
                form.phase = Phase::Discard {
                    then: AfterDiscard::Close,
                };
            } else {
                close(state);
            }
            vec![]
        }
        (Phase::Confirm, Command::Apply) => send(state),
        (Phase::Confirm | Phase::Conflict(_) | Phase::Discard { .. }, Command::Back) => {
            form.phase = Phase::Editing;
            vec![]
        }
        (Phase::Conflict(c), Command::Reapply) => {
            let c = c.clone();
            let draft = c.reapplied();
            rebase(state, &c.theirs_detail);
            if let Some(form) = state.form.as_mut() {
                form.set_draft(&draft);
                form.phase = Phase::Editing;
            }
            state.info = Some(format!(
                "Loaded their version with your changes on top. Review, then {}.",
                save_keys()
            ));
            vec![]
        }
        (Phase::Conflict(c), Command::Overwrite) => {
            // Mine stays in the inputs; only the version it is compared with moves,
            // so the summary shows exactly what replaces theirs.
            let theirs = c.theirs_detail.clone();
            rebase(state, &theirs);
            if let Some(form) = state.form.as_mut() {
                form.phase = Phase::Confirm;
            }
            vec![]
        }
        (Phase::Discard { then }, Command::Discard) => {
            let then = then.clone();
            close(state);
            match then {
                AfterDiscard::Open(id) => open_user(state, id),
                AfterDiscard::Close => vec![],
                AfterDiscard::Quit => {
                    state.quit = true;
                    vec![]
                }
            }
        }
        _ => vec![],
    }
}

/// Makes `theirs` the version the form edits against; the inputs stay as they are.
fn rebase(state: &mut State, theirs: &UserDetail) {
    let Some(form) = state.form.as_mut() else {
        return;
    };
    if let Mode::Edit { row, detail, etag } = &mut form.mode {
        **detail = theirs.clone();
        *etag = theirs.etag.clone();
        form.base = values_of(row, theirs);
    }
    // The detail pane behind the form shows the fresh version too.
    if let Some(view) = state.detail.as_mut() {
        view.show(Box::new(theirs.clone()));
    }
}

fn close(state: &mut State) {
    let was_edit = state.form.take().is_some_and(|f| !f.is_create());
    // "Your draft is kept" and the like are about a form that is gone.
    state.clear_error(&[About::Form, About::Draft]);
    state.focus = if was_edit && state.detail.is_some() {
        Focus::Detail
    } else {
        Focus::List
    };
}

/// Opens a user known only by id (the holder of a duplicate external_ref).
fn open_user(state: &mut State, id: String) -> Vec<Effect> {
    state.open_detail(UserRow {
        id,
        ..UserRow::default()
    })
}

fn send(state: &mut State) -> Vec<Effect> {
    let id = state.next_id();
    let Some(form) = state.form.as_mut() else {
        return vec![];
    };
    let effect = match &form.mode {
        Mode::Create => match form.create_body() {
            Ok(user) => Effect::Create {
                id,
                user,
                rest: form.create_rest().map(Box::new),
            },
            Err(_) => return vec![],
        },
        Mode::Edit { row, etag, .. } => match form.patches() {
            Ok(patches) => Effect::Save {
                id,
                dialects: form.dialects,
                user_id: row.id.clone(),
                patches: Box::new(patches),
                if_match: etag.clone(),
            },
            Err(_) => return vec![],
        },
    };
    form.phase = Phase::Saving(id);
    form.errors.clear();
    form.holder = None;
    // A fresh attempt: the last failure's words no longer apply.
    state.error = None;
    vec![effect]
}

/// Folds what the server wrote into the row and detail the form edits, so the
/// list, the detail pane and the form's baseline all show the saved values.
fn fold_written(row: &mut UserRow, detail: &mut UserDetail, w: &Saved, draft: &patch::Values) {
    if let Some(r) = &w.raven {
        row.name = r.display_name.clone();
        row.external_ref = r.external_ref.clone();
        if let Some(e) = detail.eai.as_mut() {
            // One name, two views: keep them in step.
            e.name = r.display_name.clone();
        }
        let count = detail.raven.as_ref().and_then(|old| old.conversation_count);
        detail.raven = Some(raven::User {
            conversation_count: r.conversation_count.or(count),
            ..r.clone()
        });
    }
    if let Some(e) = &w.eai {
        row.name = e.name.clone();
        row.email = e.email.clone();
        row.role = Some(e.role);
        // EAI's profile has no status; it is what was sent, or unchanged.
        if draft.status.is_some() {
            row.status = draft.status;
        }
        if let Some(r) = detail.raven.as_mut() {
            r.display_name = e.name.clone();
        }
        detail.eai = Some(e.clone());
    }
    if w.etag.is_some() {
        detail.etag = w.etag.clone();
    }
}

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
        *r = UserRow {
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
fn learn_refusal(state: &mut State, error: &ClientError) {
    if let ClientError::Forbidden { code, message } = error
        && code != "user_inactive"
        && state.server.key.is_none()
        && !matches!(state.server.principal, Some(Principal::User(_)))
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
            let row = UserRow {
                id: user.user_id.clone(),
                name: user.display_name.clone(),
                external_ref: user.external_ref.clone(),
                created_at: Some(user.created_at.clone()),
                ..UserRow::default()
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

pub(crate) fn on_edited(state: &mut State, field: FormField, result: Result<String, String>) {
    let Some(form) = state.form.as_mut() else {
        return;
    };
    match result {
        Ok(text) => {
            form.set_json_text(field, &text);
            form.focus = field;
            if form.draft().is_ok() {
                state.clear_error(&[About::Draft]);
            }
        }
        Err(why) => note_error(
            state,
            format!(
                "The editor did not run ({why}); {} is unchanged.",
                field.label()
            ),
        ),
    }
}
