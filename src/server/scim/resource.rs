//! A user as a SCIM User resource and back (the mapping of docs/ARCHITECTURE.md,
//! "SCIM"), and `attributes` / `excludedAttributes`.

use serde_json::{Map, Value, json};

use super::error::ScimError;
use super::{CORE_USER, EXTENSION};
use crate::model::{Object, Role, Status, User};
use crate::server::users::Changes;

/// The resource's JSON, every attribute (before `attributes` / `excludedAttributes`).
pub fn to_json(user: &User, base: &str) -> Value {
    let mut r = Map::new();
    r.insert("schemas".into(), json!([CORE_USER, EXTENSION]));
    r.insert("id".into(), json!(user.id));
    if let Some(x) = &user.external_ref {
        r.insert("externalId".into(), json!(x));
    }
    r.insert("userName".into(), json!(user.username));
    if let Some(n) = &user.display_name {
        r.insert("displayName".into(), json!(n));
        r.insert("name".into(), json!({"formatted": n}));
    }
    if let Some(e) = &user.email {
        r.insert("emails".into(), json!([{"value": e, "type": "work"}]));
    }
    r.insert("active".into(), json!(user.status == Status::Active));
    r.insert("roles".into(), json!([{"value": user.role.as_str()}]));
    // The extension holds both objects, if empty (so they are `required`);
    // a user with nothing in it has no extension, as after removing it.
    if user.avatar.is_some() || !user.metadata.is_empty() || !user.preferences.is_empty() {
        let mut ext = Map::new();
        ext.insert("metadata".into(), Value::Object(user.metadata.clone()));
        ext.insert(
            "preferences".into(),
            Value::Object(user.preferences.clone()),
        );
        if let Some(a) = &user.avatar {
            ext.insert("avatar".into(), json!(a));
        }
        r.insert(EXTENSION.into(), Value::Object(ext));
    }
    r.insert(
        "meta".into(),
        json!({
            "resourceType": "User",
            "created": user.created_at.to_rfc3339(),
            "lastModified": user.updated_at.unwrap_or(user.created_at).to_rfc3339(),
            "location": format!("{base}/Users/{}", user.id),
            "version": user.etag(),
        }),
    );
    Value::Object(r)
}

/// A member of `o` by name, ignoring case (SCIM names are case-insensitive).
pub fn member<'a>(o: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    o.iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
}

/// The stored fields a resource body asks for. `None`: the body leaves it as
/// it is (PUT and POST leave it at its default).
#[derive(Debug, Default, PartialEq)]
pub struct Desired {
    pub username: String,
    pub external_ref: Option<String>,
    pub display_name: Option<String>,
    pub email: Option<String>,
    pub role: Option<Role>,
    pub status: Option<Status>,
    /// The extension, when the body has it.
    pub avatar: Option<Option<String>>,
    pub metadata: Option<Object>,
    pub preferences: Option<Object>,
}

fn string(v: Option<&Value>, attr: &str) -> Result<Option<String>, ScimError> {
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(ScimError::invalid_value(format!(
            "{attr} must be a string, not {other}"
        ))),
    }
}

/// The one value of a multi-valued attribute this server keeps: the primary
/// one, else the first.
fn the_one<'a>(
    v: Option<&'a Value>,
    attr: &str,
) -> Result<Option<&'a Map<String, Value>>, ScimError> {
    let items = match v {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Array(items)) => items,
        Some(other) => {
            return Err(ScimError::invalid_value(format!(
                "{attr} must be an array of objects, not {other}"
            )));
        }
    };
    let mut objects = Vec::new();
    for item in items {
        match item {
            Value::Object(o) => objects.push(o),
            other => {
                return Err(ScimError::invalid_value(format!(
                    "each of {attr} must be an object, not {other}"
                )));
            }
        }
    }
    let primary = objects
        .iter()
        .find(|o| member(o, "primary") == Some(&Value::Bool(true)));
    Ok(primary.or(objects.first()).copied())
}

/// An object of the extension; missing is empty (the extension is written whole).
fn object(v: Option<&Value>, attr: &str) -> Result<Option<Object>, ScimError> {
    match v {
        None | Some(Value::Null) => Ok(Some(Object::new())),
        Some(Value::Object(o)) => Ok(Some(o.clone())),
        Some(other) => Err(ScimError::invalid_value(format!(
            "{attr} must be a JSON object, not {other}"
        ))),
    }
}

/// Reads a User resource body. Attributes this server does not keep are
/// ignored (RFC 7644 §3.3), as identity providers send many.
pub fn from_json(body: &Value) -> Result<Desired, ScimError> {
    let Value::Object(o) = body else {
        return Err(ScimError::invalid_syntax("a User must be a JSON object"));
    };
    if let Some(schemas) = member(o, "schemas") {
        let ok = schemas.as_array().is_some_and(|s| {
            s.iter().any(|x| {
                x.as_str()
                    .is_some_and(|x| x.eq_ignore_ascii_case(CORE_USER))
            })
        });
        if !ok {
            return Err(ScimError::invalid_syntax(format!(
                "schemas must include {CORE_USER}"
            )));
        }
    }
    let username = string(member(o, "userName"), "userName")?
        .filter(|u| !u.trim().is_empty())
        .ok_or_else(|| ScimError::invalid_value("userName is required"))?;
    let formatted = match member(o, "name") {
        None | Some(Value::Null) => None,
        Some(Value::Object(n)) => string(member(n, "formatted"), "name.formatted")?,
        Some(other) => {
            return Err(ScimError::invalid_value(format!(
                "name must be an object, not {other}"
            )));
        }
    };
    let display_name = string(member(o, "displayName"), "displayName")?.or(formatted);
    let email = match the_one(member(o, "emails"), "emails")? {
        Some(e) => string(member(e, "value"), "emails.value")?,
        None => None,
    };
    let role = match the_one(member(o, "roles"), "roles")? {
        Some(r) => match string(member(r, "value"), "roles.value")? {
            Some(v) => Some(v.to_ascii_lowercase().parse::<Role>().map_err(|_| {
                ScimError::invalid_value(format!(
                    "roles.value {v:?} is not a role; use admin, member or viewer"
                ))
            })?),
            None => None,
        },
        None => None,
    };
    let status = match member(o, "active") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(true)) => Some(Status::Active),
        Some(Value::Bool(false)) => Some(Status::Inactive),
        // Some providers send booleans as text.
        Some(Value::String(s)) if s.eq_ignore_ascii_case("true") => Some(Status::Active),
        Some(Value::String(s)) if s.eq_ignore_ascii_case("false") => Some(Status::Inactive),
        Some(other) => {
            return Err(ScimError::invalid_value(format!(
                "active must be true or false, not {other}"
            )));
        }
    };
    let mut desired = Desired {
        username,
        external_ref: string(member(o, "externalId"), "externalId")?,
        display_name,
        email,
        role,
        status,
        ..Desired::default()
    };
    match member(o, EXTENSION) {
        None => {}
        Some(Value::Object(ext)) => {
            desired.metadata = object(member(ext, "metadata"), "metadata")?;
            desired.preferences = object(member(ext, "preferences"), "preferences")?;
            desired.avatar = Some(string(member(ext, "avatar"), "avatar")?);
        }
        Some(other) => {
            return Err(ScimError::invalid_value(format!(
                "{EXTENSION} must be an object, not {other}"
            )));
        }
    }
    Ok(desired)
}

impl Desired {
    /// The changes that make `current` what this body describes (a PUT, or
    /// a PATCH's result): each field that differs, nothing else, so that a
    /// bound key's rules see only what it really changes. Without the
    /// extension in the body, metadata, preferences and avatar stay; without
    /// `active` or `roles`, status and role stay.
    pub fn changes_from(&self, current: &User) -> Changes {
        let differs =
            |want: &Option<String>, have: &Option<String>| (want != have).then(|| want.clone());
        Changes {
            username: (self.username != current.username).then(|| self.username.clone()),
            external_ref: differs(&self.external_ref, &current.external_ref),
            display_name: differs(&self.display_name, &current.display_name),
            email: differs(
                &self.email.as_ref().map(|e| e.trim().to_lowercase()),
                &current.email,
            )
            .map(|_| self.email.clone()),
            avatar: self
                .avatar
                .as_ref()
                .and_then(|a| differs(a, &current.avatar)),
            role: self.role.filter(|r| *r != current.role),
            status: self.status.filter(|s| *s != current.status),
            metadata: self.metadata.clone().filter(|m| *m != current.metadata),
            // The whole object: a merge patch of `null` first clears it.
            preferences_patch: self
                .preferences
                .clone()
                .filter(|p| *p != current.preferences)
                .map(|p| replace_patch(&current.preferences, p)),
        }
    }
}

/// A JSON Merge Patch that turns `from` into exactly `to`: every key of
/// `from` that `to` lacks is removed, the rest set whole.
fn replace_patch(from: &Object, to: Object) -> Value {
    let mut patch = Map::new();
    for k in from.keys() {
        if !to.contains_key(k) {
            patch.insert(k.clone(), Value::Null);
        }
    }
    for (k, v) in to {
        // A nested object would merge into the old one: null it first is not
        // possible in one patch, so send objects that differ as they are after
        // clearing keys they no longer hold.
        let v = match (from.get(&k), v) {
            (Some(Value::Object(old)), Value::Object(new)) => replace_patch(old, new),
            (_, v) => v,
        };
        patch.insert(k, v);
    }
    Value::Object(patch)
}

/// `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5) on a resource:
/// `schemas` and `id` are always returned.
pub fn project(resource: &mut Value, attributes: &[String], excluded: &[String]) {
    let Value::Object(o) = resource else { return };
    let split = |a: &str| -> (Option<String>, String, Option<String>) {
        let a = a.trim();
        let (container, rest) = if a.len() >= EXTENSION.len()
            && a.is_char_boundary(EXTENSION.len())
            && a[..EXTENSION.len()].eq_ignore_ascii_case(EXTENSION)
        {
            (
                Some(EXTENSION.to_string()),
                a[EXTENSION.len()..].trim_start_matches(':'),
            )
        } else if a.len() >= CORE_USER.len()
            && a.is_char_boundary(CORE_USER.len())
            && a[..CORE_USER.len()].eq_ignore_ascii_case(CORE_USER)
        {
            (None, a[CORE_USER.len()..].trim_start_matches(':'))
        } else {
            (None, a)
        };
        let (attr, sub) = match rest.split_once('.') {
            Some((x, y)) => (x.to_string(), Some(y.to_string())),
            None => (rest.to_string(), None),
        };
        (container, attr, sub)
    };
    let always = |k: &str| k == "schemas" || k == "id";
    if !attributes.is_empty() {
        let wanted: Vec<_> = attributes.iter().map(|a| split(a)).collect();
        let keep = |container: Option<&str>, key: &str| {
            wanted.iter().any(|(c, a, _)| {
                (c.as_deref() == container && a.eq_ignore_ascii_case(key))
                    // `attributes=urn:...:User` (the extension itself).
                    || (container.is_none() && c.is_some() && a.is_empty() && key == EXTENSION)
            }) || (container.is_none()
                && key == EXTENSION
                && wanted
                    .iter()
                    .any(|(c, _, _)| c.as_deref() == Some(EXTENSION)))
        };
        o.retain(|k, _| always(k) || keep(None, k));
        if let Some(Value::Object(ext)) = o.get_mut(EXTENSION) {
            let whole = wanted
                .iter()
                .any(|(c, a, _)| c.as_deref() == Some(EXTENSION) && a.is_empty());
            if !whole {
                ext.retain(|k, _| keep(Some(EXTENSION), k));
            }
        }
        // Sub-attributes asked for alone keep only those.
        for (c, a, sub) in &wanted {
            let (Some(_), None) = (sub, c) else { continue };
            let whole = wanted
                .iter()
                .any(|(c2, a2, s2)| c2.is_none() && a2.eq_ignore_ascii_case(a) && s2.is_none());
            if whole {
                continue;
            }
            let subs: Vec<&String> = wanted
                .iter()
                .filter(|(c2, a2, _)| c2.is_none() && a2.eq_ignore_ascii_case(a))
                .filter_map(|(_, _, s)| s.as_ref())
                .collect();
            let key = o.keys().find(|k| k.eq_ignore_ascii_case(a)).cloned();
            let Some(v) = key.and_then(|k| o.get_mut(&k)) else {
                continue;
            };
            let trim = |x: &mut Value| {
                if let Value::Object(m) = x {
                    m.retain(|k, _| subs.iter().any(|s| s.eq_ignore_ascii_case(k)));
                }
            };
            match v {
                Value::Array(items) => items.iter_mut().for_each(trim),
                other => trim(other),
            }
        }
    }
    for (c, a, sub) in excluded.iter().map(|a| split(a)) {
        let target: &mut Map<String, Value> = match c {
            None => o,
            Some(_) if a.is_empty() => {
                o.remove(EXTENSION);
                continue;
            }
            Some(_) => match o.get_mut(EXTENSION) {
                Some(Value::Object(ext)) => ext,
                _ => continue,
            },
        };
        let Some(key) = target.keys().find(|k| k.eq_ignore_ascii_case(&a)).cloned() else {
            continue;
        };
        if always(&key) {
            continue;
        }
        match sub {
            None => {
                target.remove(&key);
            }
            Some(sub) => {
                let strip = |x: &mut Value| {
                    if let Value::Object(m) = x {
                        m.retain(|k, _| !k.eq_ignore_ascii_case(&sub));
                    }
                };
                match target.get_mut(&key) {
                    Some(Value::Array(items)) => items.iter_mut().for_each(strip),
                    Some(other) => strip(other),
                    None => {}
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NewUser, build_user};

    fn user() -> User {
        let mut u = build_user(
            "ten_a",
            NewUser {
                display_name: Some("Barbara Jensen".into()),
                email: Some("bjensen@example.com".into()),
                external_ref: Some("bj-1".into()),
                ..NewUser::default()
            },
        );
        u.metadata = json!({"plan": "pro"})
            .as_object()
            .cloned()
            .unwrap_or_default();
        u
    }

    #[test]
    fn a_user_round_trips_through_its_resource() {
        let u = user();
        let r = to_json(&u, "http://h/scim/v2");
        assert_eq!(r["userName"], "bjensen@example.com");
        assert_eq!(r["name"]["formatted"], "Barbara Jensen");
        assert_eq!(r["emails"][0]["type"], "work");
        assert_eq!(r["roles"][0]["value"], "member");
        assert_eq!(r["meta"]["version"], "\"v1\"");
        assert_eq!(r[EXTENSION]["metadata"]["plan"], "pro");
        let back = from_json(&r).unwrap();
        assert_eq!(back.changes_from(&u), Changes::default());
    }

    #[test]
    fn a_body_changes_only_what_differs() {
        let u = user();
        let mut r = to_json(&u, "");
        r["displayName"] = json!("Babs");
        r["active"] = json!(false);
        r.as_object_mut().unwrap().remove(EXTENSION);
        let c = from_json(&r).unwrap().changes_from(&u);
        assert_eq!(c.display_name, Some(Some("Babs".into())));
        assert_eq!(c.status, Some(Status::Inactive));
        assert_eq!(c.metadata, None, "no extension: metadata stays");
        assert_eq!(c.email, None);
    }

    #[test]
    fn bad_bodies_are_refused() {
        assert!(
            from_json(&json!({"displayName": "x"})).is_err(),
            "no userName"
        );
        assert!(from_json(&json!({"userName": "x", "schemas": ["urn:x"]})).is_err());
        assert!(from_json(&json!({"userName": "x", "roles": [{"value": "owner"}]})).is_err());
        assert!(from_json(&json!({"userName": "x", "active": 3})).is_err());
        assert!(from_json(&json!({"userName": "x", "emails": "a@b.c"})).is_err());
    }

    #[test]
    fn attributes_and_excluded_attributes() {
        let u = user();
        let mut r = to_json(&u, "");
        project(&mut r, &["userName".into(), "emails.value".into()], &[]);
        let keys: Vec<&String> = r.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["schemas", "id", "userName", "emails"]);
        assert_eq!(r["emails"], json!([{"value": "bjensen@example.com"}]));

        let mut r = to_json(&u, "");
        project(
            &mut r,
            &[],
            &["emails".into(), EXTENSION.into(), "id".into()],
        );
        assert!(r.get("emails").is_none() && r.get(EXTENSION).is_none());
        assert!(r.get("id").is_some(), "id is always returned");

        let mut r = to_json(&u, "");
        project(&mut r, &[format!("{EXTENSION}:metadata")], &[]);
        assert_eq!(r[EXTENSION], json!({"metadata": {"plan": "pro"}}));
    }
}
