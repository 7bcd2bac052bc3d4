//! The edit and create form: one-line text inputs, role and status pickers, and
//! multi-line JSON editors validated as the admin types. Pure state; keys reach
//! it through `edit::update`.
//!
//! Over 500 lines with its unit tests (about 250 of them): the form and the
//! arithmetic they check are one concern; the conflict half is `conflict.rs`.

use std::collections::BTreeMap;

use ratatui::crossterm::event::{Event, KeyEvent};
use ratatui_textarea::TextArea;
use serde_json::Value;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

pub use super::conflict::{Conflict, ConflictRow};
use super::patch::{self, Patches, Values};
use crate::api::{eai, raven};
use crate::console::ring;
use crate::console::view::{ActingAs, Dialects, ListRow, UserViews};
use crate::model::{MAX_OBJECT_BYTES, Object, Role, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FormField {
    Name,
    ExternalRef,
    Email,
    Role,
    Status,
    Metadata,
    Preferences,
}

impl FormField {
    pub fn label(self) -> &'static str {
        match self {
            FormField::Name => "name",
            FormField::ExternalRef => "external_ref",
            FormField::Email => "email",
            FormField::Role => "role",
            FormField::Status => "status",
            FormField::Metadata => "metadata",
            FormField::Preferences => "preferences",
        }
    }

    pub fn is_json(self) -> bool {
        matches!(self, FormField::Metadata | FormField::Preferences)
    }

    pub fn is_choice(self) -> bool {
        matches!(self, FormField::Role | FormField::Status)
    }

    /// The form field a server error names, in either dialect's spelling.
    pub fn from_wire(name: &str) -> Option<FormField> {
        Some(match name {
            "display_name" | "name" => FormField::Name,
            "external_ref" => FormField::ExternalRef,
            "email" => FormField::Email,
            "role" => FormField::Role,
            "status" => FormField::Status,
            "metadata" => FormField::Metadata,
            "preferences" => FormField::Preferences,
            _ => return None,
        })
    }
}

/// A JSON field that does not parse, or is not what the server takes. Line and
/// column are 1-based, as the editor shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JsonError {
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl std::fmt::Display for JsonError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(
                f,
                "line {}, column {}: {}",
                self.line, self.column, self.message
            )
        }
    }
}

/// Parses a JSON field: an object, at most 64 KiB; preferences without `null`
/// members, which their merge patch could not send.
pub fn parse_json(field: FormField, text: &str) -> Result<Object, JsonError> {
    let whole = |message: String| JsonError {
        line: 0,
        column: 0,
        message,
    };
    if text.trim().is_empty() {
        // An empty editor is an empty object, not an error.
        return Ok(Object::new());
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        let full = e.to_string();
        // serde_json appends " at line L column C"; we say it first, our way.
        let message = full
            .rsplit_once(" at line ")
            .map_or(full.as_str(), |(m, _)| m)
            .to_string();
        JsonError {
            line: e.line(),
            column: e.column(),
            message,
        }
    })?;
    let Value::Object(obj) = value else {
        return Err(whole(format!(
            "{} must be a JSON object {{…}}",
            field.label()
        )));
    };
    if text.len() > MAX_OBJECT_BYTES {
        return Err(whole(format!(
            "{} is larger than {} KiB",
            field.label(),
            MAX_OBJECT_BYTES / 1024
        )));
    }
    if field == FormField::Preferences
        && let Some(path) = patch::null_member(&Value::Object(obj.clone()))
    {
        return Err(whole(format!(
            "{path} is null: a merge patch reads null as \"remove\"; delete the key instead"
        )));
    }
    Ok(obj)
}

#[derive(Debug, Clone, PartialEq)]
pub enum Mode {
    /// Editing a user loaded at version `etag`.
    Edit {
        row: ListRow,
        detail: Box<UserViews>,
        etag: Option<String>,
    },
    Create,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    Editing,
    /// The summary of the change is on screen; Enter sends it.
    Confirm,
    /// The save with this worker request id is out.
    Saving(u64),
    Conflict(Box<Conflict>),
    /// Esc, Ctrl-o or Ctrl-C on a changed form: asks first, then does `then`.
    Discard {
        then: AfterDiscard,
    },
}

/// What follows "discard the changes".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterDiscard {
    /// Back to the detail.
    Close,
    /// Open this user (the holder of a duplicate external_ref).
    Open(String),
    /// Quit the console.
    Quit,
}

#[derive(Debug, Clone)]
pub struct Form {
    pub mode: Mode,
    pub dialects: Dialects,
    /// What the draft started from: the user as loaded, or nothing for a create.
    pub base: Values,
    pub name: Input,
    pub external_ref: Input,
    pub email: Input,
    pub role: Option<Role>,
    pub status: Option<Status>,
    pub metadata: TextArea<'static>,
    pub preferences: TextArea<'static>,
    /// The fields on screen, in order.
    pub fields: Vec<FormField>,
    /// Fields shown but not editable, and why.
    pub locked: BTreeMap<FormField, String>,
    pub focus: FormField,
    /// The server's message for the field it named.
    pub errors: BTreeMap<FormField, String>,
    /// The user that already has the external_ref a 409 refused.
    pub holder: Option<String>,
    pub phase: Phase,
}

/// The editable values of a loaded user, each from the dialect that has it.
pub fn values_of(row: &ListRow, d: &UserViews) -> Values {
    let r = d.raven.as_ref();
    let e = d.eai.as_ref();
    Values {
        external_ref: r
            .and_then(|r| r.external_ref.clone())
            .or_else(|| row.external_ref.clone())
            .unwrap_or_default(),
        name: e
            .and_then(|e| e.name.clone())
            .or_else(|| r.and_then(|r| r.display_name.clone()))
            .or_else(|| row.name.clone())
            .unwrap_or_default(),
        email: e.and_then(|e| e.email.clone()).unwrap_or_default(),
        role: e.map(|e| e.role).or(row.role),
        // EAI's profile has no status; the list item does.
        status: row.status,
        metadata: r.map(|r| r.metadata.clone()).unwrap_or_default(),
        preferences: e.map(|e| e.preferences.clone()).unwrap_or_default(),
    }
}

fn json_area(obj: &Object) -> TextArea<'static> {
    let text = if obj.is_empty() {
        "{}".to_string()
    } else {
        serde_json::to_string_pretty(obj).unwrap_or_else(|_| "{}".into())
    };
    let mut area = TextArea::new(text.lines().map(str::to_string).collect());
    area.set_tab_length(2);
    area
}

/// What a SCIM server's schema lacks cannot be edited: its role, without `roles`.
fn scim_locks(dialects: Dialects) -> Option<(FormField, String)> {
    dialects.scim.filter(|s| !s.roles).map(|_| {
        (
            FormField::Role,
            "no roles in this SCIM server's schema".to_string(),
        )
    })
}

impl Form {
    /// The form for a loaded user. Role and status are locked when the key may
    /// not change them: only an unbound key or one bound to an admin may.
    pub fn edit(row: &ListRow, detail: &UserViews, dialects: Dialects, who: &ActingAs) -> Form {
        let base = values_of(row, detail);
        let mut fields = vec![FormField::Name];
        if dialects.raven {
            fields.push(FormField::ExternalRef);
        }
        // Role and status show even without EAI, greyed, so the admin learns why.
        fields.extend(dialects.eai.then_some(FormField::Email));
        fields.extend([FormField::Role, FormField::Status]);
        if dialects.raven {
            fields.push(FormField::Metadata);
        }
        if dialects.eai {
            fields.push(FormField::Preferences);
        }
        let mut locked = BTreeMap::new();
        if let ActingAs::User(u) = who
            && !u.role.can_manage_users()
        {
            // DESIGN.md: such a key may change only its name, avatar and preferences.
            let why = format!("needs users.manage ({} key)", u.role);
            for f in [
                FormField::Role,
                FormField::Status,
                FormField::Email,
                FormField::ExternalRef,
                FormField::Metadata,
            ] {
                locked.insert(f, why.clone());
            }
        }
        if !dialects.eai {
            for f in [FormField::Role, FormField::Status] {
                locked.insert(f, "not in the Raven v1 API".into());
            }
        } else if base.status.is_none() {
            locked.insert(FormField::Status, "not known for this user".into());
        }
        locked.extend(scim_locks(dialects));
        let mut form = Form::blank(
            Mode::Edit {
                row: row.clone(),
                detail: Box::new(detail.clone()),
                etag: detail.etag.clone(),
            },
            dialects,
            fields,
            base.clone(),
        );
        form.locked = locked;
        form.set_draft(&base);
        form
    }

    /// The create form: what Raven's create takes and, against a server that
    /// also speaks EAI, email, role and status, set by an EAI PATCH right after.
    pub fn create(dialects: Dialects) -> Form {
        let mut fields = vec![FormField::ExternalRef, FormField::Name];
        if dialects.eai {
            fields.extend([FormField::Email, FormField::Role, FormField::Status]);
        }
        fields.push(FormField::Metadata);
        // What a Raven create makes (DESIGN.md): only a change from it is sent.
        let base = Values {
            role: dialects.eai.then_some(Role::Member),
            status: dialects.eai.then_some(Status::Active),
            ..Values::default()
        };
        let mut form = Form::blank(Mode::Create, dialects, fields, base.clone());
        form.locked.extend(scim_locks(dialects));
        form.set_draft(&base);
        form.focus = FormField::ExternalRef;
        form
    }

    /// The EAI half of a create: email, role and status where set.
    pub fn create_rest(&self) -> Option<eai::PatchUser> {
        let d = self.draft().ok()?;
        let email = Some(d.email.trim().to_string()).filter(|e| !e.is_empty());
        let p = eai::PatchUser {
            email: email.map(Some),
            role: d.role.filter(|r| Some(*r) != self.base.role),
            status: d.status.filter(|s| Some(*s) != self.base.status),
            ..eai::PatchUser::default()
        };
        (self.dialects.eai && !p.is_empty()).then_some(p)
    }

    /// Nothing typed at all: a create would make a user with nothing to find it by.
    pub fn is_empty_create(&self) -> bool {
        self.draft().is_ok_and(|d| {
            d.name.trim().is_empty()
                && d.external_ref.trim().is_empty()
                && d.email.trim().is_empty()
                && d.metadata.is_empty()
        })
    }

    fn blank(mode: Mode, dialects: Dialects, fields: Vec<FormField>, base: Values) -> Form {
        Form {
            mode,
            dialects,
            base,
            name: Input::default(),
            external_ref: Input::default(),
            email: Input::default(),
            role: None,
            status: None,
            metadata: json_area(&Object::new()),
            preferences: json_area(&Object::new()),
            focus: FormField::Name,
            fields,
            locked: BTreeMap::new(),
            errors: BTreeMap::new(),
            holder: None,
            phase: Phase::Editing,
        }
    }

    pub fn is_create(&self) -> bool {
        self.mode == Mode::Create
    }

    pub fn user_id(&self) -> Option<&str> {
        match &self.mode {
            Mode::Edit { row, .. } => Some(&row.id),
            Mode::Create => None,
        }
    }

    pub fn etag(&self) -> Option<&str> {
        match &self.mode {
            Mode::Edit { etag, .. } => etag.as_deref(),
            Mode::Create => None,
        }
    }

    /// Puts `v` into the inputs (a fresh form, a reload, an overwrite).
    pub fn set_draft(&mut self, v: &Values) {
        self.name = Input::new(v.name.clone());
        self.external_ref = Input::new(v.external_ref.clone());
        self.email = Input::new(v.email.clone());
        self.role = v.role;
        self.status = v.status;
        self.metadata = json_area(&v.metadata);
        self.preferences = json_area(&v.preferences);
    }

    pub fn json_text(&self, field: FormField) -> String {
        let area = match field {
            FormField::Preferences => &self.preferences,
            _ => &self.metadata,
        };
        area.lines().join("\n")
    }

    /// Replaces a JSON field's text (it came back from `$EDITOR`).
    pub fn set_json_text(&mut self, field: FormField, text: &str) {
        let mut area = TextArea::new(text.lines().map(str::to_string).collect());
        area.set_tab_length(2);
        match field {
            FormField::Preferences => self.preferences = area,
            _ => self.metadata = area,
        }
        self.errors.remove(&field);
    }

    /// The live validation of a JSON field on screen.
    pub fn json_error(&self, field: FormField) -> Option<JsonError> {
        self.fields
            .contains(&field)
            .then(|| parse_json(field, &self.json_text(field)).err())
            .flatten()
    }

    /// The draft, or the first field that does not parse.
    pub fn draft(&self) -> Result<Values, (FormField, JsonError)> {
        let mut v = self.base.clone();
        v.name = self.name.value().to_string();
        v.external_ref = self.external_ref.value().to_string();
        v.email = self.email.value().to_string();
        v.role = self.role;
        v.status = self.status;
        for f in [FormField::Metadata, FormField::Preferences] {
            if self.fields.contains(&f) {
                let obj = parse_json(f, &self.json_text(f)).map_err(|e| (f, e))?;
                match f {
                    FormField::Metadata => v.metadata = obj,
                    _ => v.preferences = obj,
                }
            }
        }
        Ok(v)
    }

    /// Whether leaving would lose anything. A JSON field that does not parse is a change.
    pub fn is_dirty(&self) -> bool {
        match self.draft() {
            Ok(d) => !patch::summary(&self.base, &d).is_empty(),
            Err(_) => true,
        }
    }

    pub fn patches(&self) -> Result<Patches, (FormField, JsonError)> {
        Ok(patch::patches(&self.base, &self.draft()?, self.dialects))
    }

    /// What `POST /api/v1/users` gets from a create form.
    pub fn create_body(&self) -> Result<raven::CreateUser, (FormField, JsonError)> {
        let d = self.draft()?;
        let text = |s: &str| Some(s.trim().to_string()).filter(|t| !t.is_empty());
        Ok(raven::CreateUser {
            external_ref: text(&d.external_ref),
            display_name: text(&d.name),
            metadata: (!d.metadata.is_empty()).then_some(d.metadata),
        })
    }

    /// Moves to the next (or previous) field the cursor may visit: locked ones are skipped.
    pub fn next_field(&mut self, forward: bool) {
        let locked = &self.locked;
        if let Some(f) = ring::next_usable(&self.fields, self.focus, forward, |f| {
            !locked.contains_key(&f)
        }) {
            self.focus = f;
        }
    }

    /// Steps the focused picker through its values.
    pub fn pick(&mut self, forward: bool) {
        match self.focus {
            FormField::Role => self.role = ring::next(&Role::ALL, self.role, forward),
            FormField::Status => self.status = ring::next(&Status::ALL, self.status, forward),
            _ => return,
        }
        self.errors.remove(&self.focus);
    }

    /// A key the form's bindings left over: typing into the focused field.
    pub fn type_key(&mut self, ev: KeyEvent) {
        let changed = match self.focus {
            FormField::Name => input_key(&mut self.name, ev),
            FormField::ExternalRef => input_key(&mut self.external_ref, ev),
            FormField::Email => input_key(&mut self.email, ev),
            FormField::Metadata => self.metadata.input(ev),
            FormField::Preferences => self.preferences.input(ev),
            FormField::Role | FormField::Status => false,
        };
        if changed {
            // The server's complaint was about the old value.
            self.errors.remove(&self.focus);
            if self.focus == FormField::ExternalRef {
                self.holder = None;
            }
        }
    }
}

fn input_key(input: &mut Input, ev: KeyEvent) -> bool {
    let before = input.value().len();
    let text_before = input.value().to_string();
    input.handle_event(&Event::Key(ev));
    input.value().len() != before || input.value() != text_before
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};
    use serde_json::json;

    fn detail() -> (ListRow, UserViews) {
        let row = ListRow {
            id: "usr_1".into(),
            name: Some("Jane".into()),
            status: Some(Status::Active),
            role: Some(Role::Member),
            ..ListRow::default()
        };
        let d = crate::console::view::fixtures::jane_views();
        (row, d)
    }

    fn typed(form: &mut Form, s: &str) {
        for c in s.chars() {
            form.type_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
        }
    }

    #[test]
    fn a_fresh_form_is_clean_and_sends_nothing() {
        let (row, d) = detail();
        let f = Form::edit(&row, &d, Dialects::BOTH, &ActingAs::Tenant);
        assert!(!f.is_dirty());
        assert!(f.patches().unwrap().is_empty());
        assert_eq!(f.etag(), Some("\"v3\""));
        assert!(f.locked.is_empty());
    }

    #[test]
    fn typing_makes_it_dirty_and_shapes_the_patch() {
        let (row, d) = detail();
        let mut f = Form::edit(&row, &d, Dialects::BOTH, &ActingAs::Tenant);
        typed(&mut f, " Doe");
        assert!(f.is_dirty());
        let p = f.patches().unwrap();
        assert_eq!(p.raven.unwrap().display_name, Some(Some("Jane Doe".into())));
    }

    #[test]
    fn json_errors_point_at_line_and_column() {
        let e = parse_json(FormField::Metadata, "{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        assert_eq!((e.line, e.column), (3, 7));
        assert!(
            e.to_string().starts_with("line 3, column 7: expected `:`"),
            "{e}"
        );
        let e = parse_json(FormField::Metadata, "[1]").unwrap_err();
        assert_eq!(e.to_string(), "metadata must be a JSON object {…}");
        let e = parse_json(FormField::Preferences, "{\"a\": {\"b\": null}}").unwrap_err();
        assert!(e.to_string().starts_with("a.b is null"), "{e}");
        assert_eq!(
            parse_json(FormField::Metadata, "  ").unwrap(),
            Object::new()
        );
    }

    #[test]
    fn a_json_field_that_does_not_parse_blocks_the_patch() {
        let (row, d) = detail();
        let mut f = Form::edit(&row, &d, Dialects::BOTH, &ActingAs::Tenant);
        f.set_json_text(FormField::Preferences, "{\"theme\": }");
        assert!(f.is_dirty());
        let (field, _) = f.patches().unwrap_err();
        assert_eq!(field, FormField::Preferences);
        assert!(f.json_error(FormField::Preferences).is_some());
        assert!(f.json_error(FormField::Metadata).is_none());
    }

    #[test]
    fn a_member_key_cannot_pick_role_or_status() {
        let (row, d) = detail();
        let me = ActingAs::User(Box::new(d.eai.clone().unwrap()));
        let mut f = Form::edit(&row, &d, Dialects::BOTH, &me);
        assert!(f.locked[&FormField::Role].contains("users.manage"));
        let mut seen = vec![];
        for _ in 0..8 {
            f.next_field(true);
            seen.push(f.focus);
        }
        assert!(!seen.contains(&FormField::Role) && !seen.contains(&FormField::Status));
    }

    #[test]
    fn pickers_cycle_and_only_eai_fields_show_for_eai() {
        let (row, d) = detail();
        let mut f = Form::edit(&row, &d, Dialects::EAI, &ActingAs::Tenant);
        assert_eq!(
            f.fields,
            [
                FormField::Name,
                FormField::Email,
                FormField::Role,
                FormField::Status,
                FormField::Preferences
            ]
        );
        f.focus = FormField::Role;
        f.pick(true);
        assert_eq!(f.role, Some(Role::Viewer));
        f.pick(true);
        assert_eq!(f.role, Some(Role::Admin));
        assert_eq!(f.patches().unwrap().eai.unwrap().role, Some(Role::Admin));
    }

    #[test]
    fn reapplying_keeps_their_changes_and_mine() {
        let (row, d) = detail();
        let base = values_of(&row, &d);
        let mut mine = base.clone();
        mine.name = "Jane Doe".into();
        mine.metadata.insert("seats".into(), json!(5));
        let mut theirs = base.clone();
        theirs.email = "j@example.com".into();
        theirs.metadata.insert("plan".into(), json!("enterprise"));
        let c = Conflict {
            base,
            mine,
            theirs,
            theirs_detail: Box::new(d),
        };
        let v = c.reapplied();
        assert_eq!(v.name, "Jane Doe");
        assert_eq!(v.email, "j@example.com");
        assert_eq!(
            Value::Object(v.metadata),
            json!({"plan": "enterprise", "seats": 5})
        );
        let rows = c.rows();
        let fields: Vec<_> = rows.iter().map(|r| r.field).collect();
        assert_eq!(
            fields,
            [FormField::Name, FormField::Email, FormField::Metadata]
        );
        assert!(rows[2].mine_changed && rows[2].theirs_changed);
    }

    #[test]
    fn a_raven_only_server_greys_role_and_status_and_never_sends_them() {
        let (row, mut d) = detail();
        d.eai = None;
        let row = ListRow {
            role: None,
            status: None,
            ..row
        };
        let mut f = Form::edit(&row, &d, Dialects::RAVEN, &ActingAs::Unknown);
        assert_eq!(
            f.fields,
            [
                FormField::Name,
                FormField::ExternalRef,
                FormField::Role,
                FormField::Status,
                FormField::Metadata
            ]
        );
        assert_eq!(f.locked[&FormField::Role], "not in the Raven v1 API");
        f.focus = FormField::Role;
        f.next_field(true);
        assert_eq!(f.focus, FormField::Metadata, "locked fields are skipped");
        assert!(f.patches().unwrap().is_empty());
    }

    #[test]
    fn create_sends_only_what_was_filled_in() {
        let mut f = Form::create(Dialects::BOTH);
        typed(&mut f, "crm-9");
        let body = f.create_body().unwrap();
        assert_eq!(body.external_ref.as_deref(), Some("crm-9"));
        assert_eq!((body.display_name, body.metadata), (None, None));
    }
}
