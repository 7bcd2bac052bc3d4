//! The filter bar's fields as a SCIM filter (RFC 7644 §3.4.2.2), and the
//! console's sort fields as SCIM attributes.

use crate::api::client::ListQuery;
use crate::model::Status;

/// `value` as a SCIM compValue: a JSON string, so `"` and `\` (and control
/// characters) are escaped exactly as the RFC's grammar reads them.
pub fn quote(value: &str) -> String {
    serde_json::Value::String(value.to_string()).to_string()
}

/// The filter the query's fields make, `None` when no field is set. Fields
/// combine with `and`; the search looks at the name, the emails and the
/// userName, the three places a person's name or address lives in SCIM, or,
/// for a server that takes no `or` (`no_or`), at the name alone.
pub fn filter(q: &ListQuery, no_or: bool) -> Option<String> {
    let mut parts = Vec::new();
    if let Some(r) = &q.external_ref {
        parts.push(format!("externalId eq {}", quote(r)));
    }
    if let Some(role) = q.role {
        parts.push(format!("roles.value eq {}", quote(role.as_str())));
    }
    if let Some(s) = q.status {
        parts.push(format!("active eq {}", s == Status::Active));
    }
    if let Some(s) = &q.search {
        let v = quote(s);
        if no_or {
            parts.push(format!("displayName co {v}"));
            return Some(parts.join(" and "));
        }
        let search = format!("displayName co {v} or emails.value co {v} or userName co {v}");
        // Alone it needs no parentheses; beside an `and` it does (`and` binds tighter).
        parts.push(if parts.is_empty() {
            search
        } else {
            format!("({search})")
        });
    }
    (!parts.is_empty()).then(|| parts.join(" and "))
}

/// The SCIM attribute behind a sort field as either of the other dialects
/// spells it (`display_name`, `-createdAt`, ...), with whether it descends.
pub fn sort_by(field: &str) -> Option<(&'static str, bool)> {
    let (name, descending) = match field.strip_prefix('-') {
        Some(f) => (f, true),
        None => (field, false),
    };
    let attr = match name {
        "display_name" | "name" => "displayName",
        "external_ref" => "externalId",
        "email" => "emails.value",
        "status" => "active",
        "role" => "roles.value",
        "created_at" | "createdAt" => "meta.created",
        "updated_at" => "meta.lastModified",
        "userName" | "user_name" => "userName",
        _ => return None,
    };
    Some((attr, descending))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    #[test]
    fn quotes_and_backslashes_are_escaped() {
        assert_eq!(quote(r#"a"b\c"#), r#""a\"b\\c""#);
        assert_eq!(quote("plain"), "\"plain\"");
    }

    #[test]
    fn each_field_becomes_a_clause() {
        let q = ListQuery {
            external_ref: Some("crm-1".into()),
            role: Some(Role::Admin),
            status: Some(Status::Inactive),
            ..ListQuery::default()
        };
        assert_eq!(
            filter(&q, false).as_deref(),
            Some(r#"externalId eq "crm-1" and roles.value eq "admin" and active eq false"#)
        );
        assert_eq!(filter(&ListQuery::default(), false), None);
    }

    #[test]
    fn a_search_looks_at_name_emails_and_user_name() {
        let q = ListQuery {
            search: Some("jo\"e".into()),
            ..ListQuery::default()
        };
        assert_eq!(
            filter(&q, false).as_deref(),
            Some(r#"displayName co "jo\"e" or emails.value co "jo\"e" or userName co "jo\"e""#)
        );
        let q = ListQuery {
            status: Some(Status::Active),
            ..q
        };
        let f = filter(&q, false).unwrap_or_default();
        assert!(f.starts_with("active eq true and (displayName co"), "{f}");
        assert!(f.ends_with(')'), "{f}");
    }

    #[test]
    fn without_or_a_search_looks_at_the_name_alone() {
        let q = ListQuery {
            search: Some("jo".into()),
            status: Some(Status::Active),
            ..ListQuery::default()
        };
        assert_eq!(
            filter(&q, true).as_deref(),
            Some(r#"active eq true and displayName co "jo""#)
        );
    }

    #[test]
    fn sort_fields_map_to_attributes() {
        assert_eq!(sort_by("-created_at"), Some(("meta.created", true)));
        assert_eq!(sort_by("name"), Some(("displayName", false)));
        assert_eq!(sort_by("lastLoginAt"), None);
    }
}
