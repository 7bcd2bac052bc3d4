//! The help overlay, generated from the keymap so it lists exactly what the keys do.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::Theme;
use crate::console::keys::{BINDINGS, Context};

/// Two columns: the list on the left, the other panes on the right.
const LEFT: &[Context] = &[Context::List, Context::Anywhere];
const RIGHT: &[Context] = &[Context::Filter, Context::Choice, Context::Detail];

fn column(contexts: &[Context], theme: Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for ctx in contexts {
        if !out.is_empty() {
            out.push(Line::raw(""));
        }
        out.push(Line::styled(ctx.title(), theme.title()));
        for b in BINDINGS.iter().filter(|b| b.context == *ctx) {
            out.push(Line::from(vec![
                Span::styled(format!(" {:<10}", b.label), theme.key()),
                Span::raw(b.help),
            ]));
        }
    }
    out
}

pub fn render(frame: &mut Frame, area: Rect, theme: Theme) {
    let left = column(LEFT, theme);
    let right = column(RIGHT, theme);
    let wide = area.width >= 72;
    let height = if wide {
        left.len().max(right.len())
    } else {
        left.len() + right.len() + 1
    };
    let w = if wide { 72 } else { area.width.min(38) };
    let h = (height as u16 + 2).min(area.height);
    let popup = Rect {
        x: area.x + area.width.saturating_sub(w) / 2,
        y: area.y + area.height.saturating_sub(h) / 2,
        width: w.min(area.width),
        height: h,
    };
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::styled(" Keys ", theme.title()))
        .title_bottom(Line::styled(" Esc or ? closes ", theme.dim()));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    if wide {
        let [l, r] = Layout::horizontal([Constraint::Length(35), Constraint::Fill(1)]).areas(inner);
        frame.render_widget(Paragraph::new(left), l);
        frame.render_widget(Paragraph::new(right), r);
    } else {
        let mut all = left;
        all.push(Line::raw(""));
        all.extend(right);
        frame.render_widget(Paragraph::new(all), inner);
    }
}
