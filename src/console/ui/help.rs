//! The help overlay, generated from the keymap so it lists exactly what the keys do.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::Theme;
use crate::console::keymap::{self, BINDINGS, Command, Context};

/// Browsing: the list on the left, the other panes on the right.
const LEFT: &[Context] = &[Context::List, Context::Anywhere];
const RIGHT: &[Context] = &[
    Context::Filter,
    Context::Choice,
    Context::Detail,
    Context::CommandLine,
    Context::Export,
];
/// Editing: a third column when the terminal is wide, else a page of its own.
const EDIT: &[Context] = &[
    Context::Form,
    Context::Json,
    Context::Confirm,
    Context::Conflict,
    Context::Discard,
    Context::KeepDraft,
    Context::Delete,
];
const EDIT_LEFT: &[Context] = &[Context::Form, Context::Json, Context::Confirm];
const EDIT_RIGHT: &[Context] = &[
    Context::Conflict,
    Context::Discard,
    Context::KeepDraft,
    Context::Delete,
];
/// The other panes on a narrow terminal: their own page.
const PANES_LEFT: &[Context] = &[Context::Filter, Context::Choice, Context::CommandLine];
const PANES_RIGHT: &[Context] = &[Context::Detail, Context::Export];
/// Bulk changes and the audit trail's panes: a page of their own each, at
/// every width.
const BULK_LEFT: &[Context] = &[Context::Bulk, Context::BulkValue, Context::BulkConfirm];
const BULK_RIGHT: &[Context] = &[Context::BulkRun, Context::BulkResult];
const HISTORY_LEFT: &[Context] = &[Context::History, Context::Event];
const HISTORY_RIGHT: &[Context] = &[Context::Audit, Context::AuditFilter];
/// Wide enough for three columns.
const THREE: u16 = 108;

/// What one page of the help shows; `help_page` numbers them in this order
/// at every width. A wide terminal shows the list, the other panes and
/// editing at once, so its Tab skips from that page to the bulk keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Page {
    List,
    Panes,
    Edit,
    Bulk,
    History,
}

impl Page {
    const ALL: [Page; 5] = [
        Page::List,
        Page::Panes,
        Page::Edit,
        Page::Bulk,
        Page::History,
    ];

    fn of(page: usize) -> Page {
        Self::ALL[page % Self::ALL.len()]
    }

    fn index(self) -> usize {
        Self::ALL.iter().position(|p| *p == self).unwrap_or(0)
    }
}

/// The page the help's Tab goes to from `page` at this width.
pub fn next_page(page: usize, width: u16) -> usize {
    let next = match Page::of(page) {
        Page::List | Page::Panes | Page::Edit if width >= THREE => Page::Bulk,
        Page::History => Page::List,
        p => Page::ALL[p.index() + 1],
    };
    next.index()
}

/// The page of the history's keys, which `?` in those panes opens on.
pub const HISTORY_PAGE: usize = 4;

fn column(contexts: &[Context], theme: Theme) -> Vec<Line<'static>> {
    let mut out = Vec::new();
    for ctx in contexts {
        if !out.is_empty() {
            out.push(Line::raw(""));
        }
        out.push(Line::styled(ctx.title(), theme.title()));
        out.extend(bindings(*ctx, theme));
    }
    out
}

fn bindings(ctx: Context, theme: Theme) -> Vec<Line<'static>> {
    BINDINGS
        .iter()
        .filter(|b| b.context == ctx)
        .map(|b| {
            Line::from(vec![
                // A long label ("Esc Backspace") still keeps a gap before its words.
                Span::styled(format!(" {:<9} ", b.label()), theme.key()),
                Span::raw(b.help),
            ])
        })
        .collect()
}

/// The list's keys in two columns, for a terminal too short for one.
fn list_split(theme: Theme) -> Vec<Vec<Line<'static>>> {
    let mut all = bindings(Context::List, theme);
    let right = all.split_off(all.len().div_ceil(2));
    let mut left = vec![Line::styled(Context::List.title(), theme.title())];
    left.extend(all);
    let mut second = vec![Line::raw("")];
    second.extend(right);
    second.push(Line::raw(""));
    second.extend(column(&[Context::Anywhere], theme));
    vec![left, second]
}

/// `page` counts the help's Tab presses ([`Page`] says what each shows).
pub fn render(frame: &mut Frame, area: Rect, page: usize, theme: Theme) {
    let page = Page::of(page);
    let columns: Vec<Vec<Line>> = if page == Page::Bulk {
        vec![column(BULK_LEFT, theme), column(BULK_RIGHT, theme)]
    } else if page == Page::History {
        vec![column(HISTORY_LEFT, theme), column(HISTORY_RIGHT, theme)]
    } else if area.width >= THREE {
        vec![
            column(LEFT, theme),
            column(RIGHT, theme),
            column(EDIT, theme),
        ]
    } else {
        match page {
            Page::List => list_split(theme),
            Page::Panes => vec![column(PANES_LEFT, theme), column(PANES_RIGHT, theme)],
            _ => vec![column(EDIT_LEFT, theme), column(EDIT_RIGHT, theme)],
        }
    };
    let wide = area.width >= 72;
    let height = if wide {
        columns.iter().map(Vec::len).max().unwrap_or(0)
    } else {
        columns.iter().map(|c| c.len() + 1).sum()
    };
    let w = if !wide {
        area.width.min(38)
    } else if columns.len() == 3 {
        106
    } else {
        72
    };
    let h = (height as u16 + 2).min(area.height);
    let popup = Rect {
        x: area.x + area.width.saturating_sub(w) / 2,
        y: area.y + area.height.saturating_sub(h) / 2,
        width: w.min(area.width),
        height: h,
    };
    frame.render_widget(Clear, popup);
    let close = keymap::hint(Context::Help, Command::Back);
    let tab = keymap::hint(Context::Help, Command::NextField);
    let footer = format!(" {tab} · {close} ");
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::styled(" Keys ", theme.title()))
        .title_bottom(Line::styled(footer, theme.dim()));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    if wide {
        let widths: Vec<Constraint> = columns
            .iter()
            .enumerate()
            .map(|(i, _)| {
                if i + 1 == columns.len() {
                    Constraint::Fill(1)
                } else {
                    Constraint::Length(35)
                }
            })
            .collect();
        let areas = Layout::horizontal(widths).split(inner);
        for (col, a) in columns.into_iter().zip(areas.iter()) {
            frame.render_widget(Paragraph::new(col), *a);
        }
    } else {
        let mut all = Vec::new();
        for col in columns {
            if !all.is_empty() {
                all.push(Line::raw(""));
            }
            all.extend(col);
        }
        frame.render_widget(Paragraph::new(all), inner);
    }
}
