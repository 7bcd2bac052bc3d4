//! A key in the form, decided by the form alone: [`Form::command`] changes the
//! form and says in an [`Outcome`] what the rest of the console must do (close
//! it, send it, show their version, say something). `app/form.rs` applies the
//! outcome; nothing here touches the app's state.

use super::form::{AfterDiscard, Form, FormField, Mode, Phase, values_of};
use super::patch;
use crate::console::keymap::{self, Command, Context};
use crate::console::view::UserViews;

/// What a key in the form asks of the console around it.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Nothing outside the form changes.
    Stay,
    /// Why the draft cannot go yet; it lasts while that is true.
    DraftNotice(String),
    /// A passing note.
    Info(String),
    /// Hand this JSON field's text to `$EDITOR`.
    Editor { field: FormField, text: String },
    /// The form is done with: close it, then open a user or quit.
    Close(AfterDiscard),
    /// The summary was confirmed: send the change.
    Send,
    /// The form now edits against their version, which the detail pane shows too.
    Rebased {
        theirs: Box<UserViews>,
        info: Option<String>,
    },
}

/// The keys that save, for the messages that tell the admin to try again.
pub fn save_keys() -> String {
    keymap::keys(Context::Form, Command::Save)
}

impl Form {
    pub fn command(&mut self, cmd: Command) -> Outcome {
        match (&self.phase, cmd) {
            (Phase::Editing, Command::Save) => self.review(),
            (Phase::Editing, Command::NextField | Command::PrevField) => {
                self.next_field(cmd == Command::NextField);
                Outcome::Stay
            }
            (Phase::Editing, Command::NextChoice | Command::PrevChoice) => {
                self.pick(cmd == Command::NextChoice);
                Outcome::Stay
            }
            (Phase::Editing, Command::ExternalEditor) if self.focus.is_json() => Outcome::Editor {
                field: self.focus,
                text: self.json_text(self.focus),
            },
            (Phase::Editing, Command::ExternalEditor) => {
                let keys = keymap::keys(Context::Form, Command::ExternalEditor);
                Outcome::Info(format!("{keys} opens metadata or preferences in $EDITOR."))
            }
            (Phase::Editing, Command::OpenHolder) => match self.holder.clone() {
                None => Outcome::Stay,
                Some(holder) => self.leave(AfterDiscard::Open(holder)),
            },
            (Phase::Editing, Command::Back) => self.leave(AfterDiscard::Close),
            (Phase::Confirm, Command::Apply) => Outcome::Send,
            (Phase::Confirm | Phase::Conflict(_) | Phase::Discard { .. }, Command::Back) => {
                self.phase = Phase::Editing;
                Outcome::Stay
            }
            (Phase::Conflict(c), Command::Reapply) => {
                let draft = c.reapplied();
                let theirs = c.theirs_detail.clone();
                self.rebase(&theirs);
                self.set_draft(&draft);
                self.phase = Phase::Editing;
                Outcome::Rebased {
                    theirs,
                    info: Some(format!(
                        "Loaded their version with your changes on top. Review, then {}.",
                        save_keys()
                    )),
                }
            }
            (Phase::Conflict(c), Command::Overwrite) => {
                // Mine stays in the inputs; only the version it is compared with moves,
                // so the summary shows exactly what replaces theirs.
                let theirs = c.theirs_detail.clone();
                self.rebase(&theirs);
                self.phase = Phase::Confirm;
                Outcome::Rebased { theirs, info: None }
            }
            (Phase::Discard { then }, Command::Discard) => Outcome::Close(then.clone()),
            _ => Outcome::Stay,
        }
    }

    /// Ctrl-s: the summary when there is something to send, else why not.
    fn review(&mut self) -> Outcome {
        match self.draft() {
            Err((field, e)) => {
                self.focus = field;
                Outcome::DraftNotice(format!(
                    "{} does not parse: {e}. Nothing was sent.",
                    field.label()
                ))
            }
            Ok(draft) if !self.is_create() && patch::summary(&self.base, &draft).is_empty() => {
                Outcome::Info("Nothing changed, nothing to save.".into())
            }
            Ok(_) if self.is_create() && self.is_empty_create() => Outcome::DraftNotice(
                "Nothing to create: give a name, an external_ref or an email first.".into(),
            ),
            Ok(_) => {
                self.phase = Phase::Confirm;
                Outcome::Stay
            }
        }
    }

    /// Leaving a changed form asks first; an unchanged one just closes.
    fn leave(&mut self, then: AfterDiscard) -> Outcome {
        if self.is_dirty() {
            self.phase = Phase::Discard { then };
            Outcome::Stay
        } else {
            Outcome::Close(then)
        }
    }

    /// Makes `theirs` the version the form edits against; the inputs stay as they are.
    pub fn rebase(&mut self, theirs: &UserViews) {
        if let Mode::Edit { row, detail, etag } = &mut self.mode {
            **detail = theirs.clone();
            *etag = theirs.etag.clone();
            self.base = values_of(row, theirs);
        }
    }
}
