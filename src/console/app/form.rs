//! The edit and create form's part of the state: opening it, its keys, and
//! the answers to a save or a create. The form itself and the arithmetic of a
//! change live in `edit/`, which knows nothing of `State`; this module applies
//! their results to the list, the detail pane and the message line. Drawn by
//! `ui/form.rs` and `ui/conflict.rs`.

use ratatui::crossterm::event::KeyEvent;

use super::{About, Effect, Focus, Notice, State};
use crate::console::edit::Form;
use crate::console::edit::command::Outcome;
use crate::console::edit::form::{AfterDiscard, FormField, Mode, Phase};
use crate::console::keymap::{Command, Context};
use crate::console::view::{ActingAs, ListRow};

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
    let who = state.server.acting_as.clone().unwrap_or(ActingAs::Unknown);
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

pub(super) fn note_error(state: &mut State, text: String) {
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
    match form.command(cmd) {
        Outcome::Stay => vec![],
        Outcome::DraftNotice(text) => {
            state.error = Some(Notice::new(text, About::Draft));
            vec![]
        }
        Outcome::Info(text) => {
            state.info = Some(text);
            vec![]
        }
        Outcome::Editor { field, text } => vec![Effect::Editor { field, text }],
        Outcome::Send => send(state),
        Outcome::Rebased { theirs, info } => {
            // The detail pane behind the form shows the fresh version too.
            if let Some(view) = state.detail.as_mut() {
                view.show(theirs);
            }
            if info.is_some() {
                state.info = info;
            }
            vec![]
        }
        Outcome::Close(then) => {
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
    }
}

pub(super) fn close(state: &mut State) {
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
pub(super) fn open_user(state: &mut State, id: String) -> Vec<Effect> {
    state.open_detail(ListRow {
        id,
        ..ListRow::default()
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
                dialects: form.dialects,
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
