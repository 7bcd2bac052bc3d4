//! Whether a save took: the server's answer, read back, against what was sent.
//! A server may accept a PATCH and ignore a field (one it does not store, or
//! one this key may not set); "Saved" is said only when the answer shows it.

use super::patch::Values;

fn shown(s: &str) -> String {
    match s.trim() {
        "" => "(none)".to_string(),
        t => format!("\"{t}\""),
    }
}

/// The fields that were sent (`before` ≠ `draft`) but that the answer
/// (`after`) does not show, each in words: `role member`, `email "a@b"`.
/// Status is not in EAI's profile, so no answer can show it either way.
pub fn not_taken(before: &Values, draft: &Values, after: &Values) -> Vec<String> {
    let mut out = Vec::new();
    let text = |a: &str, b: &str| a.trim() == b.trim();
    if !text(&before.name, &draft.name) && !text(&after.name, &draft.name) {
        out.push(format!("name {}", shown(&after.name)));
    }
    if !text(&before.external_ref, &draft.external_ref)
        && !text(&after.external_ref, &draft.external_ref)
    {
        out.push(format!("external_ref {}", shown(&after.external_ref)));
    }
    // Emails are compared as addresses: a server may store them lower-cased.
    let email = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
    if !email(&before.email, &draft.email) && !email(&after.email, &draft.email) {
        out.push(format!("email {}", shown(&after.email)));
    }
    if before.role != draft.role && after.role != draft.role {
        let now = after.role.map_or("unknown".to_string(), |r| r.to_string());
        out.push(format!("role {now}"));
    }
    if before.metadata != draft.metadata && after.metadata != draft.metadata {
        out.push(json_kept("metadata", &before.metadata, &after.metadata));
    }
    if before.preferences != draft.preferences && after.preferences != draft.preferences {
        out.push(json_kept(
            "preferences",
            &before.preferences,
            &after.preferences,
        ));
    }
    out
}

fn json_kept(label: &str, before: &crate::model::Object, after: &crate::model::Object) -> String {
    if before == after {
        format!("{label} as it was")
    } else {
        format!("{label} other than sent")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Role;

    fn v(name: &str, role: Role) -> Values {
        Values {
            name: name.into(),
            role: Some(role),
            ..Values::default()
        }
    }

    #[test]
    fn an_ignored_role_is_named() {
        let before = v("Ann", Role::Member);
        let draft = v("Ann B", Role::Admin);
        let after = v("Ann B", Role::Member);
        assert_eq!(not_taken(&before, &draft, &after), ["role member"]);
    }

    #[test]
    fn what_took_and_what_was_not_sent_say_nothing() {
        let before = v("Ann", Role::Member);
        let draft = v("Ann B", Role::Member);
        assert!(not_taken(&before, &draft, &draft).is_empty());
        let mut lower = draft.clone();
        lower.email = "ann@x.io".into();
        let mut upper = draft.clone();
        upper.email = "Ann@X.io".into();
        assert!(not_taken(&before, &upper, &lower).is_empty());
    }
}
