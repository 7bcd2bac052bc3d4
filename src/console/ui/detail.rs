//! The detail pane: every field of one user as pretty, coloured JSON.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::{Theme, json};
use crate::console::app::{DetailView, State};
use crate::console::keymap::{Command, Context};
use crate::console::visible::visible;

pub fn render(frame: &mut Frame, area: Rect, state: &State, d: &DetailView, theme: Theme) {
    let name = d.row.name.as_deref().unwrap_or("(no name)");
    let mut title = vec![
        Span::raw(" "),
        Span::styled(visible(name).into_owned(), theme.title()),
        Span::styled(format!(" {} ", visible(&d.row.id)), theme.dim()),
    ];
    let lines: Vec<Line> = match (&d.record, &d.error) {
        (Some(rec), _) if d.wrap => json::wrap(
            json::lines(rec, theme),
            usize::from(area.width.saturating_sub(2)),
        ),
        (Some(rec), _) => json::lines(rec, theme),
        (None, Some(err)) => vec![Line::styled(err.clone(), theme.error())],
        (None, None) => vec![Line::styled("loading…", theme.dim())],
    };
    let viewport = usize::from(area.height.saturating_sub(2));
    let max = lines.len().saturating_sub(viewport);
    let scroll = d.scroll.min(max);
    if lines.len() > viewport {
        let end = (scroll + viewport).min(lines.len());
        title.push(Span::styled(
            format!("lines {}-{} of {} ", scroll + 1, end, lines.len()),
            theme.dim(),
        ));
    }
    let block = super::pane(
        title,
        Context::Detail,
        &[
            Command::Back,
            Command::NextPage,
            Command::Wrap,
            Command::Refresh,
        ],
        theme,
    );
    let _ = state;
    let para = Paragraph::new(lines)
        .block(block)
        .scroll((scroll.min(u16::MAX as usize) as u16, 0));
    frame.render_widget(para, area);
}
