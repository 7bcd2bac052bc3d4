//! One bulk change (`:set status inactive`, `:unset preferences.theme`, or the
//! bulk menu's choice): what it is, how it is typed, which dialect carries it,
//! and what it would do to a user the console knows.

use serde_json::Value;

use crate::console::view::{Dialects, ListRow};
use crate::model::{Object, Role, Status};

use super::Seen;

/// A change made to every target alike.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Role(Role),
    Status(Status),
    /// One key of Raven's `metadata` (Raven replaces the object, so the rest is sent as it was).
    SetMetadata(String, Value),
    RemoveMetadata(String),
    /// One key of EAI's `preferences` (a JSON Merge Patch of that key alone).
    SetPreference(String, Value),
    RemovePreference(String),
}

/// What a change touches, for the menu, completion and greying.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Role,
    Status,
    Metadata,
    Preferences,
}

impl Field {
    pub const ALL: [Field; 4] = [
        Field::Role,
        Field::Status,
        Field::Metadata,
        Field::Preferences,
    ];

    /// As typed after `:set` (metadata and preferences take `.KEY`).
    pub fn name(self) -> &'static str {
        match self {
            Field::Role => "role",
            Field::Status => "status",
            Field::Metadata => "metadata",
            Field::Preferences => "preferences",
        }
    }

    /// Why a server of `dialects` has no such field, when it has none.
    pub fn missing(self, dialects: Dialects) -> Option<&'static str> {
        match self {
            Field::Role | Field::Status if !dialects.eai => {
                Some("role and status are EAI v3 fields, and this server speaks Raven v1 only")
            }
            Field::Metadata if !dialects.raven => {
                Some("metadata is a Raven v1 field, and this server speaks EAI v3 only")
            }
            Field::Preferences if !dialects.eai => {
                Some("preferences are an EAI v3 field, and this server speaks Raven v1 only")
            }
            _ => None,
        }
    }
}

/// The names Tab offers after `:set ` / `:unset ` (`:unset` takes only the keyed fields).
pub const SET_FIELDS: &[&str] = &["role", "status", "metadata.", "preferences."];
pub const UNSET_FIELDS: &[&str] = &["metadata.", "preferences."];
/// The values Tab offers after `:set role ` and `:set status `.
pub const ROLES: &[&str] = &["admin", "member", "viewer"];
pub const STATUSES: &[&str] = &["active", "inactive"];

/// A value as typed: JSON when it parses as JSON (`"pro"`, `42`, `{"a":1}`,
/// `true`), otherwise the text itself as a string (`pro`).
pub fn value_of(text: &str) -> Value {
    let text = text.trim();
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

impl Change {
    /// `:set FIELD VALUE`: the value is the rest of the line.
    pub fn parse_set(field: &str, value: &str) -> Result<Change, String> {
        let value = value.trim();
        if let Some(key) = field.strip_prefix("metadata.") {
            let key = keyed("metadata", key)?;
            need_value(field, value)?;
            return Ok(Change::SetMetadata(key, value_of(value)));
        }
        if let Some(key) = field.strip_prefix("preferences.") {
            let key = keyed("preferences", key)?;
            need_value(field, value)?;
            return match value_of(value) {
                // In a merge patch null removes the key: say which command does that.
                Value::Null => Err(format!(
                    "null removes a preference: :unset preferences.{key}."
                )),
                v => Ok(Change::SetPreference(key, v)),
            };
        }
        match field {
            "role" => value
                .parse::<Role>()
                .map(Change::Role)
                .map_err(|_| format!("role is one of admin, member, viewer, not \"{value}\".")),
            "status" => value
                .parse::<Status>()
                .map(Change::Status)
                .map_err(|_| format!("status is active or inactive, not \"{value}\".")),
            "metadata" | "preferences" => {
                Err(format!("{field} takes a key: :set {field}.KEY VALUE."))
            }
            "" => Err("What to set: :set role|status|metadata.KEY|preferences.KEY VALUE.".into()),
            other => Err(format!(
                "Cannot set \"{other}\": role, status, metadata.KEY or preferences.KEY."
            )),
        }
    }

    /// `:unset FIELD`: a key of metadata or preferences.
    pub fn parse_unset(field: &str) -> Result<Change, String> {
        if let Some(key) = field.strip_prefix("metadata.") {
            return keyed("metadata", key).map(Change::RemoveMetadata);
        }
        if let Some(key) = field.strip_prefix("preferences.") {
            return keyed("preferences", key).map(Change::RemovePreference);
        }
        match field {
            "role" | "status" => Err(format!(
                "Every user has a {field}: :set {field} VALUE changes it."
            )),
            "" => Err("What to remove: :unset metadata.KEY or preferences.KEY.".into()),
            other => Err(format!(
                "Cannot unset \"{other}\": metadata.KEY or preferences.KEY."
            )),
        }
    }

    pub fn field(&self) -> Field {
        match self {
            Change::Role(_) => Field::Role,
            Change::Status(_) => Field::Status,
            Change::SetMetadata(..) | Change::RemoveMetadata(_) => Field::Metadata,
            Change::SetPreference(..) | Change::RemovePreference(_) => Field::Preferences,
        }
    }

    /// The change as the command line writes it.
    pub fn command(&self) -> String {
        match self {
            Change::Role(r) => format!("set role {r}"),
            Change::Status(s) => format!("set status {s}"),
            Change::SetMetadata(k, v) => format!("set metadata.{k} {v}"),
            Change::RemoveMetadata(k) => format!("unset metadata.{k}"),
            Change::SetPreference(k, v) => format!("set preferences.{k} {v}"),
            Change::RemovePreference(k) => format!("unset preferences.{k}"),
        }
    }

    /// What this user's field is now, as far as the console knows; `None` unknown.
    pub fn now(&self, row: &ListRow, seen: Option<&Seen>) -> Option<Current> {
        let object = |o: Option<&Object>, k: &str| o.map(|o| Current::Value(o.get(k).cloned()));
        match self {
            Change::Role(_) => row.role.map(|r| Current::Text(r.as_str().to_string())),
            Change::Status(_) => row.status.map(|s| Current::Text(s.as_str().to_string())),
            Change::SetMetadata(k, _) | Change::RemoveMetadata(k) => {
                object(seen.and_then(|s| s.metadata.as_ref()), k)
            }
            Change::SetPreference(k, _) | Change::RemovePreference(k) => {
                object(seen.and_then(|s| s.preferences.as_ref()), k)
            }
        }
    }

    /// Whether a user whose field is `now` already is as this change would leave it.
    pub fn unchanged(&self, now: &Current) -> bool {
        match (self, now) {
            (Change::Role(r), Current::Text(t)) => r.as_str() == t,
            (Change::Status(s), Current::Text(t)) => s.as_str() == t,
            (Change::SetMetadata(_, v) | Change::SetPreference(_, v), Current::Value(now)) => {
                now.as_ref() == Some(v)
            }
            (Change::RemoveMetadata(_) | Change::RemovePreference(_), Current::Value(now)) => {
                now.is_none()
            }
            _ => false,
        }
    }

    /// The field as the preview names it: `status`, `metadata.plan`.
    pub fn target_name(&self) -> String {
        match self {
            Change::Role(_) => "role".into(),
            Change::Status(_) => "status".into(),
            Change::SetMetadata(k, _) | Change::RemoveMetadata(k) => format!("metadata.{k}"),
            Change::SetPreference(k, _) | Change::RemovePreference(k) => {
                format!("preferences.{k}")
            }
        }
    }

    /// The new value as the preview writes it; `None` for a removal.
    pub fn new_value(&self) -> Option<String> {
        match self {
            Change::Role(r) => Some(r.as_str().into()),
            Change::Status(s) => Some(s.as_str().into()),
            Change::SetMetadata(_, v) | Change::SetPreference(_, v) => Some(v.to_string()),
            Change::RemoveMetadata(_) | Change::RemovePreference(_) => None,
        }
    }
}

/// A user's field before the change.
#[derive(Debug, Clone, PartialEq)]
pub enum Current {
    /// Role or status.
    Text(String),
    /// A key of metadata or preferences: its value, or `None` when the key is absent.
    Value(Option<Value>),
}

impl Current {
    pub fn label(&self) -> String {
        match self {
            Current::Text(t) => t.clone(),
            Current::Value(Some(v)) => v.to_string(),
            Current::Value(None) => "(none)".into(),
        }
    }
}

fn keyed(field: &str, key: &str) -> Result<String, String> {
    if key.is_empty() {
        return Err(format!("{field}. needs a key: {field}.KEY."));
    }
    Ok(key.to_string())
}

fn need_value(field: &str, value: &str) -> Result<(), String> {
    if value.is_empty() {
        return Err(format!("{field} needs a value: :set {field} VALUE."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_are_json_when_they_parse_and_text_otherwise() {
        assert_eq!(value_of("\"pro\""), json!("pro"));
        assert_eq!(value_of("pro"), json!("pro"));
        assert_eq!(value_of("42"), json!(42));
        assert_eq!(value_of("{\"a\": [1]}"), json!({"a": [1]}));
        assert_eq!(value_of("hello world"), json!("hello world"));
    }

    #[test]
    fn set_and_unset_parse_each_field() {
        assert_eq!(
            Change::parse_set("status", "inactive"),
            Ok(Change::Status(Status::Inactive))
        );
        assert_eq!(
            Change::parse_set("metadata.plan", "\"pro\""),
            Ok(Change::SetMetadata("plan".into(), json!("pro")))
        );
        assert_eq!(
            Change::parse_unset("preferences.theme"),
            Ok(Change::RemovePreference("theme".into()))
        );
        assert!(
            Change::parse_set("role", "boss")
                .unwrap_err()
                .contains("admin, member, viewer")
        );
        assert!(
            Change::parse_set("metadata.", "1")
                .unwrap_err()
                .contains("needs a key")
        );
        assert!(
            Change::parse_set("preferences.x", "null")
                .unwrap_err()
                .contains(":unset")
        );
        assert!(
            Change::parse_unset("status")
                .unwrap_err()
                .contains(":set status")
        );
    }
}
