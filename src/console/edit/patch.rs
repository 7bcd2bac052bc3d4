//! What a save sends: the difference between the user as loaded and the draft,
//! in the form each dialect expects. Pure: no I/O, no screen.
//!
//! Raven replaces each field it is sent (metadata goes whole); EAI merges
//! `preferences` as a JSON Merge Patch (RFC 7396), so preferences go as the
//! [`diff`] of loaded and draft, with `null` for each removed key. Fields that did
//! not change are left out of both.

use serde_json::{Map, Value};

use crate::api::{eai, raven};
use crate::console::view::Dialects;
use crate::model::{Object, Role, Status};

/// The editable fields of one user. Text fields hold `""` for "none"; role and
/// status are `None` when the server cannot show them (no EAI dialect).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Values {
    pub external_ref: String,
    pub name: String,
    pub email: String,
    pub role: Option<Role>,
    pub status: Option<Status>,
    pub metadata: Object,
    pub preferences: Object,
}

/// The requests one save makes: Raven first, then EAI, each only when it has something to send.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Patches {
    pub raven: Option<raven::PatchUser>,
    pub eai: Option<eai::PatchUser>,
}

impl Patches {
    pub fn is_empty(&self) -> bool {
        self.raven.is_none() && self.eai.is_none()
    }
}

/// The RFC 7396 merge patch that turns `from` into `to`: the inverse of
/// [`crate::model::merge_patch`]. Removed members become `null`, nested objects
/// recurse, anything else that differs is sent whole (arrays cannot be merged).
/// Note a merge patch cannot *set* a member to `null`; [`null_member`] finds
/// drafts that would need it, so the form can refuse them first.
pub fn diff(from: &Value, to: &Value) -> Value {
    match (from, to) {
        (Value::Object(a), Value::Object(b)) => Value::Object(diff_objects(a, b)),
        _ => to.clone(),
    }
}

/// [`diff`] of two objects, as an object.
pub fn diff_objects(a: &Map<String, Value>, b: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for key in a.keys() {
        if !b.contains_key(key) {
            out.insert(key.clone(), Value::Null);
        }
    }
    for (key, new) in b {
        match (a.get(key), new) {
            (Some(old), _) if old == new => {}
            // Both objects: send only what changed inside.
            (Some(Value::Object(old)), Value::Object(new)) => {
                out.insert(key.clone(), Value::Object(diff_objects(old, new)));
            }
            _ => {
                out.insert(key.clone(), new.clone());
            }
        }
    }
    out
}

/// The path of the first object member whose value is `null` (outside arrays),
/// which a merge patch would read as "remove": `notifications.email`.
pub fn null_member(v: &Value) -> Option<String> {
    let Value::Object(map) = v else {
        return None;
    };
    map.iter().find_map(|(k, v)| match v {
        Value::Null => Some(k.clone()),
        Value::Object(_) => null_member(v).map(|inner| format!("{k}.{inner}")),
        _ => None,
    })
}

/// `""` (or blanks) means "clear it": `null` on the wire.
fn text(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn changed(a: &str, b: &str) -> bool {
    a.trim() != b.trim()
}

/// The requests that turn `loaded` into `draft` on a server speaking `dialects`.
///
/// Raven carries external_ref and metadata, EAI email, preferences, role and
/// status. The name is in both; it rides with whichever request is made anyway,
/// so a name change alongside a preference change is one request, not two.
pub fn patches(loaded: &Values, draft: &Values, dialects: Dialects) -> Patches {
    let mut r = raven::PatchUser::default();
    let mut e = eai::PatchUser::default();
    if dialects.raven {
        if changed(&loaded.external_ref, &draft.external_ref) {
            r.external_ref = Some(text(&draft.external_ref));
        }
        if loaded.metadata != draft.metadata {
            r.metadata = Some(draft.metadata.clone());
        }
    }
    if dialects.eai {
        if changed(&loaded.email, &draft.email) {
            e.email = Some(text(&draft.email));
        }
        if loaded.preferences != draft.preferences {
            e.preferences = Some(Value::Object(diff_objects(
                &loaded.preferences,
                &draft.preferences,
            )));
        }
        if draft.role.is_some() && loaded.role != draft.role {
            e.role = draft.role;
        }
        if draft.status.is_some() && loaded.status != draft.status {
            e.status = draft.status;
        }
    }
    if changed(&loaded.name, &draft.name) {
        let name = Some(text(&draft.name));
        let eai_only = dialects.eai && (!dialects.raven || (r.is_empty() && !e.is_empty()));
        if eai_only {
            e.name = name;
        } else if dialects.raven {
            r.display_name = name;
        }
    }
    Patches {
        raven: (!r.is_empty()).then_some(r),
        eai: (!e.is_empty()).then_some(e),
    }
}

/// One line per changed field, for the summary shown before sending:
/// `name: "Jane" → "Jane Doe"`, `preferences: theme "dark" → "light", −beta`.
pub fn summary(loaded: &Values, draft: &Values) -> Vec<String> {
    let mut out = Vec::new();
    let mut text_line = |label: &str, a: &str, b: &str| {
        if changed(a, b) {
            out.push(format!("{label}: {} → {}", show_text(a), show_text(b)));
        }
    };
    text_line("name", &loaded.name, &draft.name);
    text_line("external_ref", &loaded.external_ref, &draft.external_ref);
    text_line("email", &loaded.email, &draft.email);
    if let (Some(a), Some(b)) = (loaded.role, draft.role)
        && a != b
    {
        out.push(format!("role: {a} → {b}"));
    }
    if let (Some(a), Some(b)) = (loaded.status, draft.status)
        && a != b
    {
        out.push(format!("status: {a} → {b}"));
    }
    for (label, a, b) in [
        ("metadata", &loaded.metadata, &draft.metadata),
        ("preferences", &loaded.preferences, &draft.preferences),
    ] {
        if a != b {
            out.push(format!("{label}: {}", object_changes(a, b).join(", ")));
        }
    }
    out
}

fn show_text(s: &str) -> String {
    match text(s) {
        Some(t) => format!("{t:?}"),
        None => "(none)".to_string(),
    }
}

/// `+key`, `−key`, `key a → b`, with nested keys dotted.
pub fn object_changes(a: &Object, b: &Object) -> Vec<String> {
    let mut out = Vec::new();
    walk(&diff_objects(a, b), a, "", &mut out);
    out
}

fn walk(patch: &Object, old: &Object, prefix: &str, out: &mut Vec<String>) {
    for (k, v) in patch {
        let path = format!("{prefix}{k}");
        match (old.get(k), v) {
            (_, Value::Null) => out.push(format!("−{path}")),
            (Some(Value::Object(o)), Value::Object(p)) => {
                walk(p, o, &format!("{path}."), out);
            }
            (None, v) => out.push(format!("+{path} {}", short(v))),
            (Some(o), v) => out.push(format!("{path} {} → {}", short(o), short(v))),
        }
    }
}

/// A JSON value on one line, cut (visibly) only when very long: the summaries
/// wrap, so a sentence-long value is shown whole.
fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        let cut: String = s.chars().take(79).collect();
        format!("{cut}…")
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::merge_patch;
    use serde_json::json;

    fn obj(v: Value) -> Object {
        v.as_object().cloned().expect("an object")
    }

    fn loaded() -> Values {
        Values {
            external_ref: "crm-1".into(),
            name: "Jane".into(),
            email: "jane@example.com".into(),
            role: Some(Role::Member),
            status: Some(Status::Active),
            metadata: obj(json!({"plan": "pro", "seats": 3})),
            preferences: obj(json!({"theme": "dark", "beta": true,
                "notifications": {"email": true, "push": false}})),
        }
    }

    #[test]
    fn diff_is_the_inverse_of_merge_patch() {
        let from = json!({"a": 1, "b": {"c": 2, "d": [1, 2], "e": {"f": 1}}, "g": "x"});
        let drafts = [
            json!({}),
            json!({"a": 1, "b": {"c": 3, "d": [1], "e": {}}, "g": "x"}),
            json!({"a": {"now": "an object"}, "h": [{"x": null}]}),
            json!({"b": "scalar now", "g": "y"}),
            from.clone(),
        ];
        for to in drafts {
            let mut merged = from.clone();
            merge_patch(&mut merged, &diff(&from, &to));
            assert_eq!(merged, to, "diff({from}, {to}) = {}", diff(&from, &to));
        }
    }

    #[test]
    fn removals_are_null_and_unchanged_members_are_left_out() {
        let d = diff(
            &json!({"theme": "dark", "beta": true, "n": {"email": true, "push": false}}),
            &json!({"theme": "dark", "n": {"email": false, "push": false}}),
        );
        assert_eq!(d, json!({"beta": null, "n": {"email": false}}));
    }

    #[test]
    fn nothing_changed_means_no_request() {
        let p = patches(&loaded(), &loaded(), Dialects::BOTH);
        assert!(p.is_empty(), "{p:?}");
        // Blanks around a name are not a change.
        let mut d = loaded();
        d.name = " Jane ".into();
        assert!(patches(&loaded(), &d, Dialects::BOTH).is_empty());
    }

    #[test]
    fn raven_replaces_metadata_whole() {
        let mut d = loaded();
        d.metadata.remove("seats");
        d.metadata.insert("plan".into(), json!("enterprise"));
        let p = patches(&loaded(), &d, Dialects::BOTH);
        let r = p.raven.expect("a Raven patch");
        assert_eq!(r.metadata, Some(obj(json!({"plan": "enterprise"}))));
        assert_eq!((r.display_name, r.external_ref), (None, None));
        assert!(p.eai.is_none());
    }

    #[test]
    fn eai_preferences_go_as_a_merge_patch() {
        let mut d = loaded();
        d.preferences.remove("beta");
        d.preferences["notifications"]["push"] = json!(true);
        let p = patches(&loaded(), &d, Dialects::BOTH);
        let e = p.eai.expect("an EAI patch");
        assert_eq!(
            e.preferences,
            Some(json!({"beta": null, "notifications": {"push": true}}))
        );
        assert!(p.raven.is_none());
        let wire = serde_json::to_value(&e).unwrap();
        assert_eq!(
            wire,
            json!({"preferences": {"beta": null, "notifications": {"push": true}}})
        );
    }

    #[test]
    fn a_cleared_text_field_is_null() {
        let mut d = loaded();
        d.external_ref = "  ".into();
        d.email = String::new();
        let p = patches(&loaded(), &d, Dialects::BOTH);
        let raven = serde_json::to_value(p.raven.unwrap()).unwrap();
        assert_eq!(raven, json!({"external_ref": null}));
        let eai = serde_json::to_value(p.eai.unwrap()).unwrap();
        assert_eq!(eai, json!({"email": null}));
    }

    #[test]
    fn the_name_rides_with_the_request_made_anyway() {
        let mut d = loaded();
        d.name = "Jane Doe".into();
        // Alone: Raven, the dialect of display_name.
        let p = patches(&loaded(), &d, Dialects::BOTH);
        assert_eq!(
            p.raven.as_ref().unwrap().display_name,
            Some(Some("Jane Doe".into()))
        );
        assert!(p.eai.is_none());
        // With a role change: one EAI request, not two.
        d.role = Some(Role::Admin);
        let p = patches(&loaded(), &d, Dialects::BOTH);
        assert!(p.raven.is_none());
        let e = p.eai.unwrap();
        assert_eq!(
            (e.name, e.role),
            (Some(Some("Jane Doe".into())), Some(Role::Admin))
        );
        // With metadata and role: two requests, the name in Raven's.
        d.metadata.insert("x".into(), json!(1));
        let p = patches(&loaded(), &d, Dialects::BOTH);
        assert_eq!(p.raven.unwrap().display_name, Some(Some("Jane Doe".into())));
        assert_eq!(p.eai.unwrap().name, None);
        // An EAI-only server takes it as `name`.
        let mut d = loaded();
        d.name = "J".into();
        let p = patches(&loaded(), &d, Dialects::EAI);
        assert_eq!(p.eai.unwrap().name, Some(Some("J".into())));
    }

    #[test]
    fn a_dialect_the_server_lacks_is_never_sent() {
        let mut d = loaded();
        d.metadata.clear();
        d.preferences.clear();
        d.external_ref = "crm-2".into();
        d.status = Some(Status::Inactive);
        assert!(patches(&loaded(), &d, Dialects::RAVEN).eai.is_none());
        assert!(patches(&loaded(), &d, Dialects::EAI).raven.is_none());
    }

    #[test]
    fn null_members_are_found_outside_arrays_only() {
        assert_eq!(null_member(&json!({"a": {"b": null}})), Some("a.b".into()));
        assert_eq!(null_member(&json!({"a": [null, {"b": null}]})), None);
        assert_eq!(null_member(&json!({"a": 1})), None);
    }

    #[test]
    fn the_summary_names_each_change() {
        let mut d = loaded();
        d.name = "Jane Doe".into();
        d.role = Some(Role::Admin);
        d.preferences.remove("beta");
        d.preferences.insert("lang".into(), json!("de"));
        d.preferences["notifications"]["email"] = json!(false);
        assert_eq!(
            summary(&loaded(), &d),
            [
                "name: \"Jane\" → \"Jane Doe\"",
                "role: member → admin",
                "preferences: −beta, notifications.email true → false, +lang \"de\"",
            ]
        );
    }
}
