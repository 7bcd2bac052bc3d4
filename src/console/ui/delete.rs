//! The delete confirmation: a popup over the pane that names the user, with
//! the keymap's keys (`y` deletes; Enter, `n` and Esc keep the user).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::Theme;
use crate::console::app::Confirm;
use crate::console::keymap::{self, Context};

pub fn render(frame: &mut Frame, area: Rect, confirm: &Confirm, theme: Theme) {
    let width = area.width.saturating_sub(4).clamp(20, 70);
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let question = confirm.question();
    // Rows the question wraps to, word by word as the paragraph wraps it.
    let rows = textwrap_rows(&question, inner);
    let footer = keymap::footer(Context::Delete);
    let rect = popup(area, width, rows + 2);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.error())
        .title(Line::styled(" Delete this user? ", theme.error()))
        .title_bottom(Line::styled(format!(" {footer} "), theme.dim()));
    frame.render_widget(
        Paragraph::new(question)
            .wrap(Wrap { trim: true })
            .block(block),
        rect,
    );
}

/// How many rows `text` takes at `width` columns, wrapping at spaces.
fn textwrap_rows(text: &str, width: usize) -> u16 {
    use unicode_width::UnicodeWidthStr;
    let mut rows = 1u16;
    let mut used = 0usize;
    for word in text.split(' ') {
        let w = word.width();
        let need = if used == 0 { w } else { used + 1 + w };
        if need > width && used > 0 {
            rows += 1;
            used = w;
        } else {
            used = need;
        }
        // A word wider than the line takes rows of its own.
        while used > width {
            rows += 1;
            used -= width;
        }
    }
    rows
}

fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}
