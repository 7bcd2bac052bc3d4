//! The message line above the status lines: the last error in words, else what
//! the focused field takes and why some filters are greyed. Text too long for
//! one line takes more lines, which the pane above gives up (see [`height`]),
//! so nothing is cut and no border is drawn over.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Clear, Paragraph};

use super::Theme;
use crate::console::app::{FilterField, Focus, State};
use crate::console::keymap::{self, Command as C, Context, footer, hints};

/// At most this many lines; a longer message is cut with an ellipsis.
const MAX_LINES: usize = 4;

/// Lines the message takes at `width` columns.
pub fn height(state: &State, width: u16) -> u16 {
    let (text, _) = message(state, Theme::monochrome());
    let text = crate::console::visible::visible(&text);
    let width = usize::from(width.saturating_sub(2)).max(1);
    wrap(&text, width).len().clamp(1, MAX_LINES) as u16
}

fn message(state: &State, theme: Theme) -> (String, ratatui::style::Style) {
    match &state.error {
        Some(e) => match e.retry_in {
            Some(d) => {
                let when = match d.as_millis().div_ceil(1000) {
                    0 => "Retrying now".to_string(),
                    s => format!("Retrying in {s} s"),
                };
                (
                    format!(
                        "⚠ {} {when}; showing the last data (paging waits until it answers).",
                        e.text
                    ),
                    theme.banner(),
                )
            }
            None => (format!("✗ {}", e.text), theme.error()),
        },
        None => match &state.info {
            Some(info) => (format!("✓ {info}"), theme.label()),
            None => (hint(state), theme.dim()),
        },
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let (text, style) = message(state, theme);
    // Messages quote the server (names, vendor error text): show what is there.
    let text = crate::console::visible::visible(&text).into_owned();
    let width = usize::from(area.width.saturating_sub(2)).max(1);
    let mut lines = wrap(&text, width);
    let room = usize::from(area.height).max(1);
    if lines.len() > room {
        lines.truncate(room);
        if let Some(last) = lines.last_mut() {
            *last = crate::console::visible::fit(&format!("{last} …"), width);
        }
    }
    frame.render_widget(Clear, area);
    let lines: Vec<Line> = lines
        .into_iter()
        .map(|l| Line::styled(format!(" {l:<width$} "), style))
        .collect();
    frame.render_widget(Paragraph::new(lines), area);
}

/// A hint with the greyed `h` and its reason after it, when the server has no history.
fn with_history(state: &State, hint: String) -> String {
    match crate::console::app::history::greyed(state) {
        Some(why) => format!("{hint} · greyed: {why}"),
        None => hint,
    }
}

fn hint(state: &State) -> String {
    let mut greyed = state.greyed();
    greyed.extend(crate::console::app::history::greyed(state));
    match state.focus {
        Focus::Filter(f) => {
            let bar = hints(
                Context::Filter,
                &[C::NextField, C::Apply, C::Clear, C::ClearAll],
            );
            let hint = match f {
                FilterField::ExternalRef => {
                    format!("exact match on the whole external_ref · {bar}")
                }
                FilterField::Search => format!("{} · {bar}", state.search_scope()),
                _ => format!("{} · {bar}", keymap::hint(Context::Choice, C::NextChoice)),
            };
            match greyed.is_empty() {
                true => hint,
                false => format!("{hint} · greyed: {}", greyed.join("; ")),
            }
        }
        Focus::Detail => with_history(
            state,
            hints(Context::Detail, &[C::Back, C::Edit, C::Refresh, C::Help]),
        ),
        Focus::History => super::history::hint(state),
        Focus::Audit => super::audit::hint(state),
        Focus::Form => form_hint(state),
        Focus::Bulk => super::bulk::hint(state),
        _ if !greyed.is_empty() => format!("greyed: {}", greyed.join("; ")),
        _ if state.has_filters() => hints(
            Context::List,
            &[C::Search, C::FilterBar, C::ClearAll, C::Open, C::NextPage],
        ),
        _ => hints(
            Context::List,
            &[C::Search, C::FilterBar, C::Open, C::NextPage, C::PrevPage],
        ),
    }
}

fn form_hint(state: &State) -> String {
    let Some(form) = &state.form else {
        return String::new();
    };
    use crate::console::edit::form::{AfterDiscard, Phase};
    match &form.phase {
        Phase::Confirm => return footer(Context::Confirm),
        Phase::Conflict(_) => return footer(Context::Conflict),
        Phase::Discard {
            then: AfterDiscard::Quit,
        } => {
            return format!(
                "{} · {} again quits",
                footer(Context::Discard),
                keymap::keys(Context::Anywhere, C::Quit)
            );
        }
        Phase::Discard { .. } => return footer(Context::Discard),
        Phase::Saving(_) => return "saving…".into(),
        Phase::Editing => {}
    }
    if let Some(holder) = &form.holder {
        return format!(
            "{} opens {holder}, who has this external_ref",
            keymap::keys(Context::Form, C::OpenHolder)
        );
    }
    let form_keys = |first: &[C]| {
        let mut all = first.to_vec();
        all.extend([C::NextField, C::Save, C::Back]);
        hints(Context::Form, &all)
    };
    match form.focus {
        f if f.is_json() => format!(
            "JSON object · {} · {}",
            keymap::hint(Context::Json, C::NewLine),
            form_keys(&[C::ExternalEditor])
        ),
        f if f.is_choice() => format!(
            "{} · {}",
            keymap::hint(Context::Choice, C::NextChoice),
            form_keys(&[])
        ),
        _ => format!("type · {}", form_keys(&[])),
    }
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
