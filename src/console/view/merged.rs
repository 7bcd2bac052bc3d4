//! One record made of both views of a user, for the detail pane: each field once,
//! taken from the dialect that has it.

use serde_json::{Map, Value, json};

use crate::console::view::{ListRow, UserViews};

/// Everything known about the user. `row` supplies what neither GET one has
/// (EAI's `status` is only on the list item).
pub fn combine(row: &ListRow, d: &UserViews) -> Value {
    // A SCIM user is shown as SCIM sent it, every attribute and extension.
    if let Some(rec) = super::scim::record(d) {
        return rec;
    }
    let mut out = Map::new();
    // First come, first kept: a field the server adds never hides one the console shows.
    let mut put = |k: &str, v: Value| {
        if !v.is_null() {
            out.entry(k.to_string()).or_insert(v);
        }
    };
    let r = d.raven.as_ref();
    let e = d.eai.as_ref();
    put("id", json!(row.id));
    put(
        "name",
        json!(
            e.and_then(|e| e.name.clone())
                .or_else(|| r.and_then(|r| r.display_name.clone()))
                .or_else(|| row.name.clone())
        ),
    );
    put("email", json!(e.and_then(|e| e.email.clone())));
    put(
        "external_ref",
        json!(
            r.and_then(|r| r.external_ref.clone())
                .or_else(|| row.external_ref.clone())
        ),
    );
    put("role", json!(e.map(|e| e.role).or(row.role)));
    put("status", json!(row.status));
    put("permissions", json!(e.map(|e| &e.permissions)));
    put("avatar", json!(e.and_then(|e| e.avatar.clone())));
    put("tenant_id", json!(r.map(|r| &r.tenant_id)));
    put("tenant_slug", json!(e.map(|e| &e.tenant_id)));
    put(
        "created_at",
        json!(
            r.map(|r| r.created_at.clone())
                .or_else(|| e.map(|e| e.created_at.clone()))
        ),
    );
    put("updated_at", json!(r.and_then(|r| r.updated_at.clone())));
    put(
        "last_login_at",
        json!(
            e.and_then(|e| e.last_login_at.clone())
                .or_else(|| row.last_login_at.clone())
        ),
    );
    put(
        "conversation_count",
        json!(r.and_then(|r| r.conversation_count)),
    );
    put("etag", json!(d.etag));
    // What the server sent beyond the specs is part of the user too, shown
    // before the long JSON objects.
    for (k, v) in &d.extra {
        put(k, v.clone());
    }
    if let Some(r) = r {
        put("metadata", Value::Object(r.metadata.clone()));
    }
    if let Some(e) = e {
        put("preferences", Value::Object(e.preferences.clone()));
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Role, Status};

    #[test]
    fn both_views_make_one_record() {
        let row = ListRow {
            id: "usr_1".into(),
            status: Some(Status::Inactive),
            ..ListRow::default()
        };
        let mut d = crate::console::view::fixtures::jane_views();
        if let Some(r) = d.raven.as_mut() {
            r.conversation_count = Some(3);
        }
        if let Some(e) = d.eai.as_mut() {
            e.role = Role::Admin;
            e.permissions = Role::Admin.permissions().to_vec();
        }
        d.etag = Some("\"v2\"".into());
        let v = combine(&row, &d);
        assert_eq!(v["external_ref"], "crm-1");
        assert_eq!(v["email"], "jane@example.com");
        assert_eq!(v["status"], "inactive");
        assert_eq!(v["conversation_count"], 3);
        assert_eq!(v["metadata"]["plan"], "pro");
        assert_eq!(v["preferences"]["theme"], "dark");
        assert!(v.get("avatar").is_none());
    }
}
