//! The audit trail's events: who wrote a user, and each stored field's value
//! before and after. The stores write one per create or update, in the same
//! transaction as the change; `changes` is how both compute it.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Timestamp, User};

/// Who made a write: the key's public prefix (as `key list` shows it) and the
/// user it is bound to. Both null marks the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Actor {
    pub key: Option<String>,
    pub user_id: Option<String>,
}

impl Actor {
    /// A write made by `raven-server` itself, not through a key.
    pub fn command_line() -> Self {
        Actor::default()
    }
}

/// What a write did to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AuditAction {
    Create,
    Update,
    Delete,
}

impl AuditAction {
    pub fn as_str(self) -> &'static str {
        match self {
            AuditAction::Create => "create",
            AuditAction::Update => "update",
            AuditAction::Delete => "delete",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "create" => Some(AuditAction::Create),
            "update" => Some(AuditAction::Update),
            "delete" => Some(AuditAction::Delete),
            _ => None,
        }
    }
}

/// One field's value before and after a write (JSON null for a missing value).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldChange {
    pub from: Value,
    pub to: Value,
}

/// The changed fields of a write, by their stored name, in name order.
pub type FieldChanges = BTreeMap<String, FieldChange>;

/// One stored event.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// Order of writing across the database; newest is highest.
    pub seq: i64,
    pub tenant_id: String,
    pub user_id: String,
    /// The user's version this write produced.
    pub version: i64,
    pub at: Timestamp,
    pub action: AuditAction,
    pub actor: Actor,
    pub changes: FieldChanges,
}

/// The audited fields of `user` as JSON values, in a fixed order.
fn fields(user: &User) -> [(&'static str, Value); 9] {
    let text = |v: &Option<String>| v.clone().map_or(Value::Null, Value::String);
    [
        ("username", Value::String(user.username.clone())),
        ("display_name", text(&user.display_name)),
        ("external_ref", text(&user.external_ref)),
        ("email", text(&user.email)),
        ("avatar", text(&user.avatar)),
        ("role", Value::String(user.role.as_str().into())),
        ("status", Value::String(user.status.as_str().into())),
        ("metadata", Value::Object(user.metadata.clone())),
        ("preferences", Value::Object(user.preferences.clone())),
    ]
}

/// The fields that differ between `before` and `after`. A create has no
/// `before`: every field it set (not null, not an empty object) is a change
/// from null, so the first event alone tells what the user started as.
pub fn changes(before: Option<&User>, after: &User) -> FieldChanges {
    let after = fields(after);
    let before = before.map(fields);
    let mut out = FieldChanges::new();
    for (i, (name, to)) in after.into_iter().enumerate() {
        let from = match &before {
            Some(b) => b[i].1.clone(),
            None if is_unset(&to) => continue,
            None => Value::Null,
        };
        if from != to {
            out.insert(name.to_string(), FieldChange { from, to });
        }
    }
    out
}

/// What a delete did: every field the user held (not null, not an empty
/// object) goes to null, the mirror of its create.
pub fn deleted(user: &User) -> FieldChanges {
    fields(user)
        .into_iter()
        .filter(|(_, from)| !is_unset(from))
        .map(|(name, from)| {
            (
                name.to_string(),
                FieldChange {
                    from,
                    to: Value::Null,
                },
            )
        })
        .collect()
}

fn is_unset(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::Object(o) => o.is_empty(),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;
    use crate::model::{NewUser, Role, build_user};

    fn user() -> User {
        build_user(
            "ten_a",
            NewUser {
                display_name: Some("John Doe".into()),
                ..NewUser::default()
            },
        )
    }

    #[test]
    fn an_update_names_only_the_fields_that_differ() {
        let before = user();
        let mut after = before.clone();
        after.display_name = Some("John D.".into());
        after.role = Role::Admin;
        after.version += 1;
        let got = changes(Some(&before), &after);
        assert_eq!(got.len(), 2, "{got:?}");
        assert_eq!(
            got["display_name"],
            FieldChange {
                from: json!("John Doe"),
                to: json!("John D.")
            }
        );
        assert_eq!(got["role"].to, json!("admin"));
    }

    #[test]
    fn clearing_a_field_is_a_change_to_null_and_json_fields_compare_whole() {
        let mut before = user();
        before.metadata = json!({"plan": "pro"}).as_object().unwrap().clone();
        let mut after = before.clone();
        after.display_name = None;
        after.metadata = json!({"plan": "enterprise"}).as_object().unwrap().clone();
        let got = changes(Some(&before), &after);
        assert_eq!(got["display_name"].to, Value::Null);
        assert_eq!(got["metadata"].from, json!({"plan": "pro"}));
        assert_eq!(got["metadata"].to, json!({"plan": "enterprise"}));
    }

    #[test]
    fn no_difference_is_no_change() {
        let u = user();
        assert!(changes(Some(&u), &u).is_empty());
    }

    #[test]
    fn a_delete_lists_every_held_field_to_null() {
        let u = user();
        let got = deleted(&u);
        let names: Vec<&str> = got.keys().map(String::as_str).collect();
        assert_eq!(names, ["display_name", "role", "status", "username"]);
        assert_eq!(got["display_name"].from, json!("John Doe"));
        assert!(got.values().all(|c| c.to == Value::Null));
    }

    #[test]
    fn a_create_lists_what_it_set_from_null() {
        let got = changes(None, &user());
        let names: Vec<&str> = got.keys().map(String::as_str).collect();
        assert_eq!(names, ["display_name", "role", "status", "username"]);
        assert_eq!(got["display_name"].from, Value::Null);
    }
}
