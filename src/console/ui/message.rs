//! The message line above the status lines: the last error in words, else what
//! the focused field takes and why some filters are greyed. Text too long for
//! one line grows upward over the bottom of the table rather than being cut.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

use super::Theme;
use crate::console::app::{Focus, State};

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let (text, style) = match &state.error {
        Some(e) => match e.retry_in {
            Some(d) => (
                format!(
                    "⚠ {} Retrying in {} s; showing the last data.",
                    e.text,
                    d.as_secs().max(1)
                ),
                theme.banner(),
            ),
            None => (format!("✗ {}", e.text), theme.error()),
        },
        None => match &state.info {
            Some(info) => (format!("✓ {info}"), theme.label()),
            None => (hint(state), theme.dim()),
        },
    };
    let width = usize::from(area.width.saturating_sub(2)).max(1);
    let lines = wrap(&text, width);
    let n = (lines.len() as u16).min(area.y + 1);
    let top = Rect {
        y: area.y + 1 - n,
        height: n,
        ..area
    };
    frame.render_widget(Clear, top);
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|l| Line::styled(format!(" {l:<width$} "), style))
        .collect();
    frame.render_widget(Paragraph::new(lines), top);
}

fn hint(state: &State) -> String {
    let greyed = state.greyed();
    match state.focus {
        Focus::Filter(f) => {
            let hint = if f.is_text() {
                "type to filter · Tab next · Enter done · Esc clear"
            } else {
                "← → pick · Tab next · Enter done · Esc clear"
            };
            match greyed.is_empty() {
                true => hint.to_string(),
                false => format!("{hint} · greyed: {}", greyed.join("; ")),
            }
        }
        Focus::Detail => "Esc back to the list · e edit · r reload · ? all keys".to_string(),
        Focus::Form => form_hint(state),
        _ if !greyed.is_empty() => format!("greyed: {}", greyed.join("; ")),
        _ => "/ search · f filters · Enter open · n p pages".to_string(),
    }
}

fn form_hint(state: &State) -> String {
    let Some(form) = &state.form else {
        return String::new();
    };
    use crate::console::edit::form::{AfterDiscard, Phase};
    match &form.phase {
        Phase::Confirm => return "Enter send it · Esc back to the form".into(),
        Phase::Conflict(_) => {
            return "r their version + your changes · o overwrite theirs with yours · Esc back"
                .into();
        }
        Phase::Discard {
            then: AfterDiscard::Quit,
        } => return "y discard and quit · n keep editing · Ctrl-C again quits".into(),
        Phase::Discard { .. } => return "y discard the changes · n keep editing".into(),
        Phase::Saving(_) => return "saving…".into(),
        Phase::Editing => {}
    }
    if let Some(holder) = &form.holder {
        return format!("Ctrl-o opens {holder}, who has this external_ref");
    }
    match form.focus {
        f if f.is_json() => {
            "JSON object · Enter new line · Ctrl-e in $EDITOR · Tab next · Ctrl-s save"
        }
        f if f.is_choice() => "← → pick · Tab next · Ctrl-s save · Esc cancel",
        _ => "type · Tab next field · Ctrl-s save · Esc cancel",
    }
    .to_string()
}

/// Greedy word wrap; a word longer than the line is split.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        loop {
            let cur = lines.last_mut().expect("never empty");
            let used = cur.chars().count();
            let gap = usize::from(used > 0);
            if used + gap + word.len() <= width {
                if gap == 1 {
                    cur.push(' ');
                }
                cur.extend(word.iter());
                break;
            }
            if used == 0 {
                let rest = word.split_off(width);
                cur.extend(word.iter());
                word = rest;
            }
            lines.push(String::new());
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn wraps_at_words_and_splits_long_ones() {
        assert_eq!(wrap("aa bb cc", 5), ["aa bb", "cc"]);
        assert_eq!(wrap("abcdefgh", 3), ["abc", "def", "gh"]);
        assert_eq!(wrap("", 3), [""]);
    }
}
