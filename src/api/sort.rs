//! `sort=FIELD` / `sort=-FIELD` on both list endpoints (a raven-server
//! extension): the fields each dialect takes, spelled as that dialect shows
//! them. The server parses with these tables; the console's client writes with them.

use crate::store::{Sort, SortKey};

/// The fields Raven's list sorts by.
pub const RAVEN_SORTS: &[(&str, SortKey)] = &[
    ("display_name", SortKey::DisplayName),
    ("external_ref", SortKey::ExternalRef),
    ("created_at", SortKey::CreatedAt),
    ("updated_at", SortKey::UpdatedAt),
];

/// The fields EAI's list sorts by.
pub const EAI_SORTS: &[(&str, SortKey)] = &[
    ("name", SortKey::DisplayName),
    ("email", SortKey::Email),
    ("role", SortKey::Role),
    ("status", SortKey::Status),
    ("lastLoginAt", SortKey::LastLoginAt),
    ("createdAt", SortKey::CreatedAt),
];

/// How `table` spells `key`, if that dialect sorts by it.
pub fn spelling(table: &[(&'static str, SortKey)], key: SortKey) -> Option<&'static str> {
    table.iter().find(|(_, k)| *k == key).map(|(n, _)| *n)
}

/// The `sort` parameter for `table`'s dialect: `created_at`, `-created_at`.
pub fn param(table: &[(&'static str, SortKey)], sort: Sort) -> Option<String> {
    let name = spelling(table, sort.key)?;
    Some(if sort.descending {
        format!("-{name}")
    } else {
        name.to_string()
    })
}

/// `name`, `-lastLoginAt`, `display_name`: a field in either dialect's
/// spelling, `-` for descending. `None` when neither dialect has it.
pub fn parse(text: &str) -> Option<Sort> {
    let text = text.trim();
    let (descending, name) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text),
    };
    RAVEN_SORTS
        .iter()
        .chain(EAI_SORTS)
        .find(|(n, _)| *n == name)
        .map(|(_, key)| Sort {
            key: *key,
            descending,
        })
}

/// The one order a list is in without `sort`: newest first, ties by id descending.
pub const NEWEST_FIRST: Sort = Sort {
    key: SortKey::CreatedAt,
    descending: true,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_dialect_spells_its_own() {
        let by_name = Sort {
            key: SortKey::DisplayName,
            descending: true,
        };
        assert_eq!(
            param(RAVEN_SORTS, by_name).as_deref(),
            Some("-display_name")
        );
        assert_eq!(param(EAI_SORTS, by_name).as_deref(), Some("-name"));
        let by_ref = Sort {
            key: SortKey::ExternalRef,
            descending: false,
        };
        assert_eq!(param(EAI_SORTS, by_ref), None);
        assert_eq!(
            parse("-lastLoginAt").map(|s| s.key),
            Some(SortKey::LastLoginAt)
        );
        assert_eq!(parse("created_at"), parse("createdAt"));
        assert_eq!(parse("nope"), None);
    }
}
