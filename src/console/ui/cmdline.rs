//! The `:` command line, one row over the list: what is typed, then why it
//! did not run, the names Tab found, or the line's keys.

use ratatui::Frame;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Theme;
use crate::console::app::State;
use crate::console::keymap::{self, Command, Context};
use crate::console::visible::{fit, visible};

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let line = &state.cmdline;
    let typed = visible(line.input.value()).into_owned();
    let mut spans = vec![
        Span::styled(":", theme.key()),
        Span::styled(typed.clone(), theme.plain()),
    ];
    let used = 1 + unicode_width::UnicodeWidthStr::width(typed.as_str());
    let room = usize::from(area.width).saturating_sub(used + 3);
    let (tail, style) = match (&line.error, line.choices.is_empty()) {
        (Some(e), _) => (e.clone(), theme.error()),
        (None, false) => (line.choices.join("  "), theme.label()),
        (None, true) => (
            keymap::hints(
                Context::CommandLine,
                &[
                    Command::NextField,
                    Command::Up,
                    Command::Apply,
                    Command::Back,
                ],
            ),
            theme.dim(),
        ),
    };
    spans.push(Span::raw("   "));
    spans.push(Span::styled(fit(&tail, room), style));
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    let at = u16::try_from(1 + line.input.visual_cursor()).unwrap_or(u16::MAX);
    frame.set_cursor_position(Position::new(
        area.x + at.min(area.width.saturating_sub(1)),
        area.y,
    ));
}
