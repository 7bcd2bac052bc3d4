//! "Undo" an event: the edit form of the user as it is now, with every field
//! the event changed put back to its `from` value. What the form cannot put
//! back (a field it does not edit, one this key may not change, a value it
//! cannot hold) is reported by name, never silently left out.

use std::str::FromStr;

use serde_json::Value;

use crate::api::audit::{AuditEvent, FieldChange};
use crate::console::edit::Form;
use crate::console::edit::form::{FormField, Phase};
use crate::console::edit::patch;
use crate::model::{Object, Role, Status};

/// What preparing a revert did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Prepared {
    /// Fields put back, by the form's labels.
    pub put_back: Vec<String>,
    /// Fields not put back, each with why ("avatar: the form does not edit it").
    pub skipped: Vec<String>,
    /// Something differs from the user as it is now: the summary is on screen.
    pub to_send: bool,
}

impl Prepared {
    /// The skipped fields in one sentence, for the message line.
    pub fn skipped_text(&self) -> Option<String> {
        (!self.skipped.is_empty()).then(|| format!("Not put back: {}.", self.skipped.join("; ")))
    }
}

/// The form field a stored field name is edited in, if any.
fn form_field(stored: &str) -> Option<FormField> {
    match stored {
        // The stored name, not the wire's (display_name is "name" in EAI).
        "display_name" => Some(FormField::Name),
        "avatar" => None,
        other => FormField::from_wire(other),
    }
}

/// Puts the event's `from` values into `form` (an edit form on the user as it
/// is now) and shows the save summary when that changes anything.
pub fn prepare(form: &mut Form, event: &AuditEvent) -> Prepared {
    let mut out = Prepared::default();
    let Ok(mut draft) = form.draft() else {
        return out;
    };
    let mut names: Vec<(&String, &FieldChange)> = event.changes.iter().collect();
    names.sort_by_key(|(n, _)| super::field_order(n));
    for (stored, change) in names {
        let Some(field) = form_field(stored) else {
            out.skipped
                .push(format!("{stored}: the console's form does not edit it"));
            continue;
        };
        if !form.fields.contains(&field) {
            out.skipped.push(format!(
                "{}: this server's API does not have it",
                field.label()
            ));
            continue;
        }
        if let Some(why) = form.locked.get(&field) {
            out.skipped.push(format!("{}: {why}", field.label()));
            continue;
        }
        match put_back(&mut draft, field, &change.from) {
            Ok(()) => out.put_back.push(field.label().to_string()),
            Err(why) => out.skipped.push(format!("{}: {why}", field.label())),
        }
    }
    form.set_draft(&draft);
    out.to_send = !patch::summary(&form.base, &draft).is_empty();
    if out.to_send {
        form.phase = Phase::Confirm;
    }
    out
}

/// Sets one field of the draft to `from`, or says why it cannot hold it.
fn put_back(d: &mut patch::Values, field: FormField, from: &Value) -> Result<(), String> {
    let text = |v: &Value| match v {
        Value::Null => Ok(String::new()),
        Value::String(s) => Ok(s.clone()),
        other => Err(format!("{other} is not text")),
    };
    let object = |v: &Value| match v {
        Value::Null => Ok(Object::new()),
        Value::Object(o) => Ok(o.clone()),
        other => Err(format!("{other} is not an object")),
    };
    let none = || "it had no value before, and the form cannot clear it".to_string();
    match field {
        FormField::Name => d.name = text(from)?,
        FormField::ExternalRef => d.external_ref = text(from)?,
        FormField::Email => d.email = text(from)?,
        FormField::Role => {
            let s = from.as_str().ok_or_else(none)?;
            d.role = Some(Role::from_str(s).map_err(|_| format!("{s:?} is not a role"))?);
        }
        FormField::Status => {
            let s = from.as_str().ok_or_else(none)?;
            d.status = Some(Status::from_str(s).map_err(|_| format!("{s:?} is not a status"))?);
        }
        FormField::Metadata => d.metadata = object(from)?,
        FormField::Preferences => d.preferences = object(from)?,
    }
    Ok(())
}
