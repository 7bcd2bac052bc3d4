//! After a 412: my draft against the version someone else saved, field by
//! field, with a mark on each side that changed it since the form loaded.

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, Wrap};

use super::Theme;
use crate::console::edit::form::Conflict;
use crate::console::keymap::{self, Context};

pub fn render(frame: &mut Frame, area: Rect, name: &str, c: &Conflict, theme: Theme) {
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.error())
        .title(Line::from(vec![
            Span::styled(" Conflict: ", theme.error()),
            Span::styled(
                format!("someone else saved {name} since you loaded it "),
                theme.title(),
            ),
        ]))
        .title_bottom(Line::styled(
            format!(" {} ", keymap::footer(Context::Conflict)),
            theme.dim(),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let rows = c.rows();
    let label = 14u16;
    let half = inner.width.saturating_sub(label + 2) / 2;
    // A long summary wraps within its column rather than being cut: it is
    // what the admin decides on.
    let width = usize::from(half.saturating_sub(2)).max(1);
    let chunks = |s: &str| -> Vec<String> {
        let chars: Vec<char> = s.chars().collect();
        if chars.is_empty() {
            return vec![String::new()];
        }
        chars.chunks(width).map(|c| c.iter().collect()).collect()
    };
    let mark = |changed: bool| {
        if changed {
            Span::styled("● ", theme.key())
        } else {
            Span::raw("  ")
        }
    };
    let header = Row::new([
        Cell::from("field"),
        Cell::from("mine (your draft)"),
        Cell::from("theirs (saved now)"),
    ])
    .style(theme.header());
    let side = |changed: bool, text: &str| -> Vec<Line<'static>> {
        chunks(text)
            .into_iter()
            .enumerate()
            .map(|(i, part)| {
                let lead = if i == 0 {
                    mark(changed)
                } else {
                    Span::raw("  ")
                };
                Line::from(vec![lead, Span::raw(part)])
            })
            .collect()
    };
    let mut height = 1u16;
    let body: Vec<Row> = rows
        .iter()
        .map(|r| {
            let both = r.mine_changed && r.theirs_changed && r.mine != r.theirs;
            let style = if both { theme.error() } else { theme.plain() };
            let mine = side(r.mine_changed, &r.mine);
            let theirs = side(r.theirs_changed, &r.theirs);
            let h = mine.len().max(theirs.len()) as u16;
            height += h;
            Row::new([
                Cell::from(Span::styled(r.field.label(), style)),
                Cell::from(mine),
                Cell::from(theirs),
            ])
            .height(h)
        })
        .collect();
    let table = Table::new(
        body,
        [
            Constraint::Length(label),
            Constraint::Length(half),
            Constraint::Fill(1),
        ],
    )
    .header(header)
    .column_spacing(1);
    let table_h = height.min(inner.height);
    let [t, rest] =
        ratatui::layout::Layout::vertical([Constraint::Length(table_h), Constraint::Fill(1)])
            .areas(inner);
    frame.render_widget(table, t);
    let note = vec![
        Line::raw(""),
        Line::from(vec![
            Span::styled("● ", theme.key()),
            Span::styled(
                "changed since the form loaded (red: both sides changed it). Your draft is kept until you choose.",
                theme.dim(),
            ),
        ]),
    ];
    frame.render_widget(Paragraph::new(note).wrap(Wrap { trim: true }), rest);
}
