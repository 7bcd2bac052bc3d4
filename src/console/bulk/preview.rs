//! What a bulk change would do, before it runs, from what the console knows
//! of each target: "40 users: status active → inactive; 3 already inactive,
//! unchanged". Users already as the change would leave them are not sent.

use std::collections::BTreeMap;

use super::{Change, Seen};
use crate::console::view::ListRow;

#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    pub change: Change,
    /// The users the change goes to, in the order given.
    pub changing: Vec<String>,
    /// The users already as the change would leave them: nothing is sent to them.
    pub unchanged: Vec<String>,
    /// How many of `changing` have each value now ("not known" when the console has not read it).
    pub from: BTreeMap<String, usize>,
}

/// What the console does not know yet (a metadata key of a user not read yet).
pub const NOT_KNOWN: &str = "not known";

impl Preview {
    pub fn of<'a>(
        change: &Change,
        users: impl IntoIterator<Item = (&'a ListRow, Option<&'a Seen>)>,
    ) -> Preview {
        let mut p = Preview {
            change: change.clone(),
            changing: vec![],
            unchanged: vec![],
            from: BTreeMap::new(),
        };
        for (row, seen) in users {
            match change.now(row, seen) {
                Some(now) if change.unchanged(&now) => p.unchanged.push(row.id.clone()),
                now => {
                    let label = now.map_or_else(|| NOT_KNOWN.to_string(), |n| n.label());
                    *p.from.entry(label).or_default() += 1;
                    p.changing.push(row.id.clone());
                }
            }
        }
        p
    }

    pub fn total(&self) -> usize {
        self.changing.len() + self.unchanged.len()
    }

    /// The one line the preview shows.
    pub fn text(&self) -> String {
        let n = self.total();
        let field = self.change.target_name();
        let users = if n == 1 { "user" } else { "users" };
        let to = self.change.new_value();
        let mut out = format!("{} {users}: ", group(n));
        let single_from = (self.from.len() == 1)
            .then(|| self.from.keys().next().cloned())
            .flatten();
        match (&to, single_from) {
            (Some(to), Some(from)) => out += &format!("{field} {from} → {to}"),
            (Some(to), None) if self.from.is_empty() => out += &format!("{field} → {to}"),
            (Some(to), None) => {
                out += &format!("{field} → {to} ({})", self.counts_before());
            }
            (None, _) if self.from.is_empty() => out += &format!("remove {field}"),
            (None, _) => out += &format!("remove {field} ({})", self.counts_before()),
        }
        if !self.unchanged.is_empty() {
            let k = self.unchanged.len();
            out += &match &to {
                Some(to) => format!("; {} already {to}, unchanged", group(k)),
                None => {
                    let verb = if k == 1 { "does" } else { "do" };
                    format!("; {} {verb} not have it, unchanged", group(k))
                }
            };
        }
        out
    }

    fn counts_before(&self) -> String {
        self.from
            .iter()
            .map(|(v, n)| format!("{} {v}", group(*n)))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// 12345 as "12,345": counts of users are read at a glance.
pub fn group(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use serde_json::json;

    fn row(i: usize, status: Status) -> ListRow {
        ListRow {
            id: format!("usr_{i}"),
            status: Some(status),
            ..ListRow::default()
        }
    }

    #[test]
    fn the_preview_counts_who_changes_and_who_is_already_there() {
        let rows: Vec<ListRow> = (0..40)
            .map(|i| {
                row(
                    i,
                    if i < 3 {
                        Status::Inactive
                    } else {
                        Status::Active
                    },
                )
            })
            .collect();
        let p = Preview::of(
            &Change::Status(Status::Inactive),
            rows.iter().map(|r| (r, None)),
        );
        assert_eq!(
            p.text(),
            "40 users: status active → inactive; 3 already inactive, unchanged"
        );
        assert_eq!((p.changing.len(), p.unchanged.len()), (37, 3));
    }

    #[test]
    fn keys_not_read_yet_are_said_as_not_known() {
        let rows = [row(1, Status::Active), row(2, Status::Active)];
        let seen = Seen {
            metadata: Some(
                json!({"plan": "pro"})
                    .as_object()
                    .cloned()
                    .unwrap_or_default(),
            ),
            ..Seen::default()
        };
        let change = Change::SetMetadata("plan".into(), json!("pro"));
        let p = Preview::of(&change, [(&rows[0], Some(&seen)), (&rows[1], None)]);
        assert_eq!(
            p.text(),
            "2 users: metadata.plan not known → \"pro\"; 1 already \"pro\", unchanged"
        );
        assert_eq!(group(12345), "12,345");
    }
}
