//! An event's before and after, field by field: text as the old line and the
//! new, JSON objects (metadata, preferences) as a line diff of their
//! pretty-printed forms, so a change deep inside shows where it is.

use serde_json::Value;
use similar::{ChangeTag, TextDiff};

use crate::api::audit::{AuditEvent, FieldChange};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mark {
    /// In both (context of a JSON diff).
    Same,
    /// Before only.
    Removed,
    /// After only.
    Added,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub mark: Mark,
    pub text: String,
}

/// One field's before and after.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDiff {
    pub field: String,
    pub lines: Vec<DiffLine>,
}

/// Every field the event changed, in the form's order.
pub fn event_diff(e: &AuditEvent) -> Vec<FieldDiff> {
    let mut out: Vec<FieldDiff> = e
        .changes
        .iter()
        .map(|(field, change)| FieldDiff {
            field: field.clone(),
            lines: field_diff(change),
        })
        .collect();
    out.sort_by_key(|d| super::field_order(&d.field));
    out
}

/// Rows an event's diff takes on screen: a heading and a gap per field.
pub fn rows(diffs: &[FieldDiff]) -> usize {
    diffs.iter().map(|d| d.lines.len() + 2).sum()
}

fn line(mark: Mark, text: impl Into<String>) -> DiffLine {
    DiffLine {
        mark,
        text: text.into(),
    }
}

/// Text (or no value) as its old line and its new; objects as a line diff.
pub fn field_diff(c: &FieldChange) -> Vec<DiffLine> {
    if c.from.is_object() || c.to.is_object() {
        return json_diff(&c.from, &c.to);
    }
    vec![
        line(Mark::Removed, scalar(&c.from)),
        line(Mark::Added, scalar(&c.to)),
    ]
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Null => "(none)".to_string(),
        Value::String(s) => format!("{s:?}"),
        other => other.to_string(),
    }
}

fn pretty(v: &Value) -> String {
    match v {
        // No object before (a create): every line of the new one is added.
        Value::Null => String::new(),
        other => serde_json::to_string_pretty(other).unwrap_or_else(|_| other.to_string()),
    }
}

fn json_diff(from: &Value, to: &Value) -> Vec<DiffLine> {
    let (a, b) = (pretty(from), pretty(to));
    let diff = TextDiff::from_lines(&a, &b);
    diff.iter_all_changes()
        .map(|ch| {
            let mark = match ch.tag() {
                ChangeTag::Equal => Mark::Same,
                ChangeTag::Delete => Mark::Removed,
                ChangeTag::Insert => Mark::Added,
            };
            line(mark, ch.value().trim_end_matches('\n'))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn change(from: Value, to: Value) -> FieldChange {
        FieldChange { from, to }
    }

    #[test]
    fn text_is_the_old_line_and_the_new() {
        let d = field_diff(&change(json!("John Doe"), json!(null)));
        assert_eq!(
            d,
            [
                line(Mark::Removed, "\"John Doe\""),
                line(Mark::Added, "(none)")
            ]
        );
    }

    #[test]
    fn objects_diff_line_by_line_with_context() {
        let d = field_diff(&change(
            json!({"plan": "pro", "seats": 3}),
            json!({"plan": "enterprise", "seats": 3}),
        ));
        let marked: Vec<(Mark, &str)> = d.iter().map(|l| (l.mark, l.text.as_str())).collect();
        assert_eq!(
            marked,
            [
                (Mark::Same, "{"),
                (Mark::Removed, "  \"plan\": \"pro\","),
                (Mark::Added, "  \"plan\": \"enterprise\","),
                (Mark::Same, "  \"seats\": 3"),
                (Mark::Same, "}"),
            ]
        );
    }

    #[test]
    fn an_object_from_nothing_is_all_added() {
        let d = field_diff(&change(json!(null), json!({"a": 1})));
        assert!(d.iter().all(|l| l.mark == Mark::Added));
        assert_eq!(d.len(), 3);
    }
}
