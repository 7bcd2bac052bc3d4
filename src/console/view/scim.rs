//! A SCIM User resource (RFC 7643 §4.1) as the console's rows and views.
//!
//! The mapping is the one raven-server's SCIM dialect uses: `externalId` is
//! external_ref, `displayName` (else `name.formatted`) the name, the primary
//! email (else the first) the email, `active` the status, the primary role
//! (else the first) the role, and metadata / preferences live in raven's
//! extension schema. What the console has no field for (`userName`, `name`,
//! `meta`, other extensions, ...) stays in `extra`, so the detail pane shows
//! every attribute the server sent.

use serde_json::{Map, Value};

use super::{ListRow, UserViews};
use crate::api::client::scim::{RAVEN_EXTENSION, ScimSite, USER_SCHEMA};
use crate::api::{eai, raven};
use crate::console::app::FilterField;
use crate::model::{Object, Role, Status};

fn text(v: &Value, pointer: &str) -> Option<String> {
    v.pointer(pointer)
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The value of the primary entry of a multi-valued attribute, else of the first.
fn primary(v: &Value, attr: &str) -> Option<String> {
    let items = v.get(attr)?.as_array()?;
    let pick = items
        .iter()
        .find(|i| i.get("primary").and_then(Value::as_bool) == Some(true))
        .or_else(|| items.first())?;
    text(pick, "/value")
}

fn object(v: &Value, key: &str) -> Object {
    v.get(RAVEN_EXTENSION)
        .and_then(|x| x.get(key))
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default()
}

/// The resource's id, name, email and the rest, as the list shows them.
pub fn row(v: &Value) -> ListRow {
    ListRow {
        id: text(v, "/id").unwrap_or_default(),
        name: name(v),
        email: primary(v, "emails"),
        external_ref: text(v, "/externalId"),
        role: primary(v, "roles").and_then(|r| r.parse::<Role>().ok()),
        status: v.get("active").and_then(Value::as_bool).map(|a| match a {
            true => Status::Active,
            false => Status::Inactive,
        }),
        last_login_at: None,
        created_at: text(v, "/meta/created").map(|t| crate::api::client::utc(&t)),
    }
}

fn name(v: &Value) -> Option<String> {
    text(v, "/displayName").or_else(|| text(v, "/name/formatted"))
}

/// Whether `extra` holds a SCIM User resource (its `schemas` names the core schema).
pub fn is_scim(extra: &Map<String, Value>) -> bool {
    extra
        .get("schemas")
        .and_then(Value::as_array)
        .is_some_and(|s| s.iter().any(|x| x.as_str() == Some(USER_SCHEMA)))
}

/// Both views of the user, so the edit form works on SCIM as on the others;
/// `extra` keeps the whole resource for the detail pane.
pub fn views(v: &Value, etag: Option<String>) -> UserViews {
    let r = row(v);
    let created = r.created_at.clone().unwrap_or_default();
    let role = r.role.unwrap_or(Role::Member);
    UserViews {
        raven: Some(raven::User {
            user_id: r.id.clone(),
            tenant_id: String::new(),
            external_ref: r.external_ref.clone(),
            display_name: r.name.clone(),
            metadata: object(v, "metadata"),
            conversation_count: None,
            created_at: created.clone(),
            updated_at: text(v, "/meta/lastModified").map(|t| crate::api::client::utc(&t)),
        }),
        eai: Some(eai::User {
            id: r.id.clone(),
            email: r.email.clone(),
            name: r.name.clone(),
            // raven-server keeps it in its extension; other servers in `photos`.
            avatar: v
                .get(RAVEN_EXTENSION)
                .and_then(|x| text(x, "/avatar"))
                .or_else(|| primary(v, "photos")),
            role,
            permissions: role.permissions().to_vec(),
            tenant_id: String::new(),
            preferences: object(v, "preferences"),
            created_at: created,
            last_login_at: None,
        }),
        etag,
        extra: v.as_object().cloned().unwrap_or_default(),
        status: r.status,
    }
}

/// Why a filter field is off against this SCIM server, if it is.
pub fn unfilterable(site: ScimSite, field: FilterField) -> Option<&'static str> {
    match field {
        _ if !site.filter => Some("this SCIM server does not filter"),
        FilterField::Role if !site.roles => Some("no roles in this SCIM server's schema"),
        _ => None,
    }
}

/// The detail pane's record of a SCIM user: every attribute as the server
/// sent it, the core ones first, then `meta`, then each extension schema as
/// its JSON (raven's and any other), then `schemas`; with the ETag in use.
pub fn record(d: &UserViews) -> Option<Value> {
    if !is_scim(&d.extra) {
        return None;
    }
    let mut out = Map::new();
    let is_late = |k: &str| k == "meta" || k == "schemas" || k.starts_with("urn:");
    for (k, v) in d.extra.iter().filter(|(k, _)| !is_late(k)) {
        out.insert(k.clone(), v.clone());
    }
    if let Some(s) = d.status {
        // `active` as the console says it, beside the attribute itself.
        out.insert("status".into(), Value::String(s.as_str().to_string()));
    }
    if let Some(m) = d.extra.get("meta") {
        out.insert("meta".into(), m.clone());
    }
    if let Some(e) = &d.etag {
        out.insert("etag".into(), Value::String(e.clone()));
    }
    for (k, v) in d.extra.iter().filter(|(k, _)| k.starts_with("urn:")) {
        out.insert(k.clone(), v.clone());
    }
    if let Some(s) = d.extra.get("schemas") {
        out.insert("schemas".into(), s.clone());
    }
    Some(Value::Object(out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn jane() -> Value {
        json!({
            "schemas": [USER_SCHEMA, RAVEN_EXTENSION, "urn:example:ext:1.0:Badge"],
            "id": "u1",
            "externalId": "crm-1",
            "userName": "jane",
            "name": {"formatted": "Jane Q. Doe"},
            "emails": [{"value": "old@example.com"}, {"value": "jane@example.com", "primary": true}],
            "active": false,
            "roles": [{"value": "admin"}],
            "meta": {"created": "2026-03-11T11:30:00+02:00", "version": "W/\"3\""},
            RAVEN_EXTENSION: {"metadata": {"plan": "pro"}, "preferences": {"theme": "dark"}},
            "urn:example:ext:1.0:Badge": {"badge": 7}
        })
    }

    #[test]
    fn a_resource_becomes_a_row() {
        let r = row(&jane());
        assert_eq!(r.id, "u1");
        assert_eq!(r.name.as_deref(), Some("Jane Q. Doe"));
        assert_eq!(r.email.as_deref(), Some("jane@example.com"));
        assert_eq!(r.external_ref.as_deref(), Some("crm-1"));
        assert_eq!(r.role, Some(Role::Admin));
        assert_eq!(r.status, Some(Status::Inactive));
        assert_eq!(r.created_at.as_deref(), Some("2026-03-11T09:30:00Z"));
    }

    #[test]
    fn the_views_carry_the_extension_and_the_detail_every_attribute() {
        let d = views(&jane(), Some("W/\"3\"".into()));
        assert_eq!(
            d.raven.as_ref().map(|r| r.metadata["plan"].clone()),
            Some(json!("pro"))
        );
        assert_eq!(
            d.eai.as_ref().map(|e| e.preferences["theme"].clone()),
            Some(json!("dark"))
        );
        let rec = record(&d).unwrap_or_default();
        assert_eq!(rec["userName"], "jane");
        assert_eq!(rec["urn:example:ext:1.0:Badge"]["badge"], 7);
        let keys: Vec<&String> = rec
            .as_object()
            .map(|o| o.keys().collect())
            .unwrap_or_default();
        let meta = keys.iter().position(|k| *k == "meta");
        let ext = keys.iter().position(|k| k.starts_with("urn:"));
        assert!(meta < ext, "{keys:?}");
        assert!(record(&UserViews::default()).is_none());
    }
}
