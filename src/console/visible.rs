//! Characters from data that a terminal would not show as themselves: bidi
//! controls (which reorder what follows them, so a name can read as
//! something other than it is), other format characters (zero width, invisible) and
//! controls. They are drawn as `⟨U+202E⟩` in text and escaped as `\u202e` in
//! JSON, so what is on screen is what is in the data, and widths count what is drawn.

use std::borrow::Cow;

/// Unicode's format characters (category Cf), line and paragraph separators,
/// and controls.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{00AD}'
            | '\u{0600}'..='\u{0605}'
            | '\u{061C}'
            | '\u{06DD}'
            | '\u{070F}'
            | '\u{0890}'..='\u{0891}'
            | '\u{08E2}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{2028}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{110BD}'
            | '\u{110CD}'
            | '\u{13430}'..='\u{1343F}'
            | '\u{1BCA0}'..='\u{1BCA3}'
            | '\u{1D173}'..='\u{1D17A}'
            | '\u{E0001}'
            | '\u{E0020}'..='\u{E007F}')
}

/// `s` with each hidden character as `⟨U+XXXX⟩`.
pub fn visible(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_hidden) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_hidden(c) {
            out.push_str(&format!("⟨U+{:04X}⟩", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// JSON text (as `serde_json` writes it) with each hidden character escaped
/// as `\uXXXX` (a surrogate pair beyond the BMP), which is still the same JSON.
/// `serde_json` escapes C0 controls in strings already, so a newline left in
/// the text is layout and stays.
pub fn json_escaped(json: &str) -> Cow<'_, str> {
    let hidden = |c: char| c >= ' ' && is_hidden(c);
    if !json.chars().any(hidden) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 16);
    let mut units = [0u16; 2];
    for c in json.chars() {
        if hidden(c) {
            for u in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{u:04x}"));
            }
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `s` cut to `width` columns with an ellipsis, so a cut is never silent.
pub fn fit(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    if s.width() <= width {
        return s.to_string();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        used += w;
        out.push(c);
    }
    if width > 0 {
        out.push('…');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_controls_are_drawn_by_name() {
        assert_eq!(visible("ad\u{202E}min"), "ad⟨U+202E⟩min");
        assert_eq!(visible("a\u{2066}b\u{200B}"), "a⟨U+2066⟩b⟨U+200B⟩");
        assert!(matches!(visible("plain é 日本"), Cow::Borrowed(_)));
    }

    #[test]
    fn json_keeps_its_meaning() {
        let v = serde_json::json!({"name": "x\u{202E}y", "tag": "\u{E0041}"});
        let text = serde_json::to_string_pretty(&v).unwrap();
        let escaped = json_escaped(&text);
        assert_eq!(escaped.lines().count(), text.lines().count(), "layout kept");
        assert!(escaped.contains("x\\u202ey"), "{escaped}");
        assert!(escaped.contains("\\udb40\\udc41"), "{escaped}");
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back, v);
    }

    #[test]
    fn a_cut_shows_an_ellipsis() {
        assert_eq!(fit("jane.smith@example.com", 10), "jane.smit…");
        assert_eq!(fit("short", 10), "short");
    }
}
