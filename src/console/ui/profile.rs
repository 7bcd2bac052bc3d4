//! `:profile` with an unsaved edit, one row over the list: the question and
//! its keys (`k` keep it for later, `d` discard it, Esc stay).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Theme;
use crate::console::keymap::{self, Context};
use crate::console::visible::visible;

pub fn render(frame: &mut Frame, area: Rect, name: &str, theme: Theme) {
    let spans = vec![
        Span::styled(
            format!(
                "Switch to profile \"{}\"? Your edit is not saved. ",
                visible(name)
            ),
            theme.error(),
        ),
        Span::styled(keymap::footer(Context::KeepDraft), theme.dim()),
    ];
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}
