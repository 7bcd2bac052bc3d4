//! Pretty, coloured JSON as ratatui lines, laid out like `serde_json`'s pretty printer.

use ratatui::text::{Line, Span};
use serde_json::Value;

use super::theme::Theme;

pub fn lines(value: &Value, theme: Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    let mut first = Vec::new();
    write(value, 0, theme, &mut first, &mut out, "");
    out
}

/// An object's members or an array's items, one a line between the brackets.
fn nested<'a>(
    (open, close): (&str, &str),
    entries: impl ExactSizeIterator<Item = (Option<&'a str>, &'a Value)>,
    depth: usize,
    theme: Theme,
    cur: &mut Vec<Span<'static>>,
    out: &mut Vec<Line<'static>>,
    tail: &str,
) {
    let indent = |d: usize| Span::raw("  ".repeat(d));
    cur.push(Span::raw(open.to_string()));
    out.push(Line::from(std::mem::take(cur)));
    let n = entries.len();
    for (i, (key, v)) in entries.enumerate() {
        let mut line = vec![indent(depth + 1)];
        if let Some(k) = key {
            line.push(Span::styled(quote(k), theme.json_key()));
            line.push(Span::raw(": "));
        }
        let comma = if i + 1 < n { "," } else { "" };
        write(v, depth + 1, theme, &mut line, out, comma);
    }
    out.push(Line::from(vec![
        indent(depth),
        Span::raw(format!("{close}{tail}")),
    ]));
}

/// Writes `value` continuing the line `cur` (its key is already there), then
/// pushes finished lines to `out`. `tail` follows the value (a comma or nothing).
fn write(
    value: &Value,
    depth: usize,
    theme: Theme,
    cur: &mut Vec<Span<'static>>,
    out: &mut Vec<Line<'static>>,
    tail: &str,
) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            let entries = map.iter().map(|(k, v)| (Some(k.as_str()), v));
            nested(("{", "}"), entries, depth, theme, cur, out, tail);
        }
        Value::Array(items) if !items.is_empty() => {
            let entries = items.iter().map(|v| (None, v));
            nested(("[", "]"), entries, depth, theme, cur, out, tail);
        }
        scalar => {
            cur.push(scalar_span(scalar, theme));
            if !tail.is_empty() {
                cur.push(Span::raw(tail.to_string()));
            }
            out.push(Line::from(std::mem::take(cur)));
        }
    }
}

/// Lines cut into rows of at most `width` columns, styles kept: nothing of a
/// long value is hidden past the border. Row counts match `DetailView::rows`.
pub fn wrap(lines: Vec<Line<'static>>, width: usize) -> Vec<Line<'static>> {
    use unicode_width::UnicodeWidthChar;
    let width = width.max(1);
    let mut out = Vec::new();
    for line in lines {
        let mut row: Vec<Span<'static>> = Vec::new();
        let mut used = 0;
        for span in line.spans {
            let mut piece = String::new();
            for c in span.content.chars() {
                let w = c.width().unwrap_or(0);
                if used + w > width && used > 0 {
                    row.push(Span::styled(std::mem::take(&mut piece), span.style));
                    out.push(Line::from(std::mem::take(&mut row)));
                    used = 0;
                }
                piece.push(c);
                used += w;
            }
            if !piece.is_empty() {
                row.push(Span::styled(piece, span.style));
            }
        }
        out.push(Line::from(row));
    }
    out
}

fn scalar_span(v: &Value, theme: Theme) -> Span<'static> {
    match v {
        Value::String(s) => Span::styled(quote(s), theme.json_string()),
        Value::Number(n) => Span::styled(n.to_string(), theme.json_number()),
        Value::Object(_) => Span::raw("{}"),
        Value::Array(_) => Span::raw("[]"),
        other => Span::styled(other.to_string(), theme.json_literal()),
    }
}

/// A JSON string literal, hidden characters escaped so they show.
fn quote(s: &str) -> String {
    let q = serde_json::to_string(s).unwrap_or_else(|_| format!("\"{s}\""));
    crate::console::visible::json_escaped(&q).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn text(v: &Value) -> String {
        lines(v, Theme::monochrome())
            .iter()
            .map(|l| l.to_string())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn matches_serde_pretty_printing() {
        let v = json!({"a": 1, "b": {"c": [true, null, "x"], "d": {}}, "e": [], "f": "q\"uote"});
        assert_eq!(text(&v), serde_json::to_string_pretty(&v).unwrap());
    }
}
