//! A list order on the console's side: the value a row is sorted by, and
//! whether a page came back in the order asked. A server that does not sort
//! (the specs have no `sort`) ignores the parameter; its rows then come back
//! newest first, which this notices.

use std::cmp::Ordering;

use chrono::DateTime;

use super::ListRow;
use crate::store::{Sort, SortKey};

/// What a row is compared by: folded text, or an instant.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Value {
    Time(i64),
    Text(String),
}

fn time(ts: &str) -> Value {
    match DateTime::parse_from_rfc3339(ts) {
        Ok(t) => Value::Time(t.timestamp_millis()),
        Err(_) => Value::Text(ts.to_string()),
    }
}

/// The row's value for `key`, as raven-server compares it: names and emails
/// folded, external refs ASCII-case-insensitively, times as instants.
/// `None` when the row has none, or the console cannot see it (`updated_at`
/// and SCIM's `userName` are not in its rows).
fn value(row: &ListRow, key: SortKey) -> Option<Value> {
    match key {
        SortKey::DisplayName => row
            .name
            .as_deref()
            .map(|v| Value::Text(crate::model::fold(v))),
        SortKey::Email => row
            .email
            .as_deref()
            .map(|v| Value::Text(crate::model::fold(v))),
        SortKey::ExternalRef => row
            .external_ref
            .as_deref()
            .map(|v| Value::Text(v.to_ascii_lowercase())),
        SortKey::Role => row.role.map(|v| Value::Text(v.as_str().to_string())),
        SortKey::Status => row.status.map(|v| Value::Text(v.as_str().to_string())),
        SortKey::LastLoginAt => row.last_login_at.as_deref().map(time),
        SortKey::CreatedAt => row.created_at.as_deref().map(time),
        // Not in the console's rows (SCIM's userName is not a column here).
        SortKey::UpdatedAt | SortKey::Username => None,
    }
}

/// Whether `b` may follow `a` in `sort`'s order: missing values last in both
/// directions, equal values in any order (their tie-break is the server's id order).
fn may_follow(a: &ListRow, b: &ListRow, sort: Sort) -> bool {
    match (value(a, sort.key), value(b, sort.key)) {
        (Some(x), Some(y)) => match x.cmp(&y) {
            Ordering::Equal => true,
            Ordering::Less => !sort.descending,
            Ordering::Greater => sort.descending,
        },
        (Some(_), None) | (None, None) => true,
        (None, Some(_)) => false,
    }
}

/// Whether the rows are in `sort`'s order. A page that cannot show it (one
/// row, all values equal, a key the rows do not carry) counts as in order.
pub fn in_order(rows: &[ListRow], sort: Sort) -> bool {
    rows.windows(2).all(|w| may_follow(&w[0], &w[1], sort))
}

/// Whether `rows` can tell a sorted page from an unsorted one at all: some
/// two of them differ in the key.
pub fn telling(rows: &[ListRow], sort: Sort) -> bool {
    let mut values = rows.iter().map(|r| value(r, sort.key));
    match values.next() {
        Some(first) => values.any(|v| v != first),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn named(name: Option<&str>, created: &str) -> ListRow {
        ListRow {
            id: format!("usr_{created}"),
            name: name.map(str::to_string),
            created_at: Some(created.to_string()),
            ..ListRow::default()
        }
    }

    #[test]
    fn text_folds_and_missing_values_come_last() {
        let rows = [
            named(Some("alice"), "2026-01-01T00:00:00Z"),
            named(Some("Bob"), "2026-01-02T00:00:00Z"),
            named(None, "2026-01-03T00:00:00Z"),
        ];
        let asc = Sort {
            key: SortKey::DisplayName,
            descending: false,
        };
        assert!(in_order(&rows, asc));
        assert!(!in_order(
            &rows,
            Sort {
                descending: true,
                ..asc
            }
        ));
        let desc = [rows[1].clone(), rows[0].clone(), rows[2].clone()];
        assert!(in_order(
            &desc,
            Sort {
                descending: true,
                ..asc
            }
        ));
    }

    #[test]
    fn times_compare_as_instants() {
        // 09:00+02:00 is 07:00Z, before 08:00Z.
        let rows = [
            named(None, "2026-01-01T09:00:00+02:00"),
            named(None, "2026-01-01T08:00:00.500Z"),
        ];
        let asc = Sort {
            key: SortKey::CreatedAt,
            descending: false,
        };
        assert!(in_order(&rows, asc));
        assert!(telling(&rows, asc));
        assert!(!telling(&rows[..1], asc));
    }
}
