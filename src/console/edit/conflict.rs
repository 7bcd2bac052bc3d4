//! Mine against theirs after a 412: which fields each side changed since the
//! form loaded, and "re-apply" (`merge_patch(theirs, diff(base, mine))` for the
//! JSON fields, mine wins where I changed it for the others). Drawn by
//! `ui/conflict.rs`; the form's phase holds it.

use serde_json::Value;

use super::form::FormField;
use super::patch::{self, Values};
use crate::console::view::UserViews;
use crate::model::Object;

/// Mine against theirs after a 412: `base` is what the draft started from.
#[derive(Debug, Clone, PartialEq)]
pub struct Conflict {
    pub base: Values,
    pub mine: Values,
    pub theirs: Values,
    pub theirs_detail: Box<UserViews>,
}

impl Conflict {
    /// Each field either side changed: (field, base, mine, theirs) as one-line text.
    pub fn rows(&self) -> Vec<ConflictRow> {
        let fields = [
            FormField::Name,
            FormField::ExternalRef,
            FormField::Email,
            FormField::Role,
            FormField::Status,
            FormField::Metadata,
            FormField::Preferences,
        ];
        fields
            .into_iter()
            .filter_map(|f| {
                let (b, m, t) = (
                    show(&self.base, f),
                    show(&self.mine, f),
                    show(&self.theirs, f),
                );
                let (mine_changed, theirs_changed) = (b != m, b != t);
                if !mine_changed && !theirs_changed {
                    return None;
                }
                // A JSON object whole is too long for a column: show what each side changed in it.
                let (mine, theirs) = match f {
                    FormField::Metadata => (
                        changes(&self.base.metadata, &self.mine.metadata),
                        changes(&self.base.metadata, &self.theirs.metadata),
                    ),
                    FormField::Preferences => (
                        changes(&self.base.preferences, &self.mine.preferences),
                        changes(&self.base.preferences, &self.theirs.preferences),
                    ),
                    _ => (m, t),
                };
                Some(ConflictRow {
                    field: f,
                    mine_changed,
                    theirs_changed,
                    mine,
                    theirs,
                })
            })
            .collect()
    }

    /// Their version with my changes applied on top: my edits win field by
    /// field; inside metadata and preferences only the keys I changed do.
    pub fn reapplied(&self) -> Values {
        let (b, m, t) = (&self.base, &self.mine, &self.theirs);
        let pick = |bv: &String, mv: &String, tv: &String| {
            if bv.trim() != mv.trim() {
                mv.clone()
            } else {
                tv.clone()
            }
        };
        let merge = |bo: &Object, mo: &Object, to: &Object| {
            let mut v = Value::Object(to.clone());
            crate::model::merge_patch(&mut v, &Value::Object(patch::diff_objects(bo, mo)));
            match v {
                Value::Object(o) => o,
                _ => to.clone(),
            }
        };
        Values {
            external_ref: pick(&b.external_ref, &m.external_ref, &t.external_ref),
            name: pick(&b.name, &m.name, &t.name),
            email: pick(&b.email, &m.email, &t.email),
            role: if b.role != m.role { m.role } else { t.role },
            status: if b.status != m.status {
                m.status
            } else {
                t.status
            },
            metadata: merge(&b.metadata, &m.metadata, &t.metadata),
            preferences: merge(&b.preferences, &m.preferences, &t.preferences),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ConflictRow {
    pub field: FormField,
    pub mine_changed: bool,
    pub theirs_changed: bool,
    pub mine: String,
    pub theirs: String,
}

fn changes(from: &Object, to: &Object) -> String {
    match patch::object_changes(from, to) {
        c if c.is_empty() => "(as loaded)".to_string(),
        c => c.join(", "),
    }
}

/// One field of `v` as one line.
fn show(v: &Values, f: FormField) -> String {
    let text = |s: &str| match s.trim() {
        "" => "(none)".to_string(),
        t => format!("{t:?}"),
    };
    match f {
        FormField::Name => text(&v.name),
        FormField::ExternalRef => text(&v.external_ref),
        FormField::Email => text(&v.email),
        FormField::Role => v.role.map_or("?".into(), |r| r.to_string()),
        FormField::Status => v.status.map_or("?".into(), |s| s.to_string()),
        FormField::Metadata => Value::Object(v.metadata.clone()).to_string(),
        FormField::Preferences => Value::Object(v.preferences.clone()).to_string(),
    }
}
