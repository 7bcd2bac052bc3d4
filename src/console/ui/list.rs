//! The user table. Columns are picked by priority until the width is used, so
//! 80 columns show the essentials and a wide terminal shows everything the
//! server's dialects provide.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::{Theme, short_time};
use crate::console::app::State;
use crate::console::keymap::{self, Command, Context};
use crate::console::view::{Dialects, ListRow};
use crate::console::visible::{fit, visible};
use crate::model::Status;
use crate::store::{Sort, SortKey};

struct Column {
    title: &'static str,
    width: u16,
    /// Takes a share of the spare width.
    grows: bool,
    /// Place on screen, left to right.
    order: u8,
    shown_by: fn(Dialects) -> bool,
    cell: fn(&ListRow) -> String,
    /// What a click on the title or `s` sorts by; `None`: no server sorts by it.
    sort: Option<SortKey>,
}

fn opt(v: &Option<String>) -> String {
    v.as_deref().map(visible).unwrap_or_default().into_owned()
}

/// The mark column, left of the others: a marked user shows [`MARK`].
const MARK_WIDTH: u16 = 1;
const MARK: &str = "●";

/// In the order they are given room.
const COLUMNS: &[Column] = &[
    Column {
        title: "Name",
        width: 16,
        grows: true,
        order: 1,
        shown_by: |_| true,
        cell: |r| opt(&r.name),
        sort: Some(SortKey::DisplayName),
    },
    Column {
        title: "Email",
        width: 22,
        grows: true,
        order: 2,
        shown_by: |d| d.eai,
        cell: |r| opt(&r.email),
        sort: Some(SortKey::Email),
    },
    Column {
        title: "Role",
        width: 6,
        grows: false,
        order: 4,
        shown_by: |d| d.eai,
        cell: |r| r.role.map(|x| x.to_string()).unwrap_or_default(),
        sort: Some(SortKey::Role),
    },
    Column {
        title: "Status",
        width: 8,
        grows: false,
        order: 5,
        shown_by: |d| d.eai,
        cell: |r| r.status.map(|x| x.to_string()).unwrap_or_default(),
        sort: Some(SortKey::Status),
    },
    Column {
        title: "Last login",
        width: 16,
        grows: false,
        order: 6,
        shown_by: |d| d.eai,
        cell: |r| {
            r.last_login_at
                .as_deref()
                .map(short_time)
                .unwrap_or_else(|| "never".into())
        },
        sort: Some(SortKey::LastLoginAt),
    },
    Column {
        title: "External ref",
        width: 14,
        grows: true,
        order: 3,
        shown_by: |d| d.raven,
        cell: |r| opt(&r.external_ref),
        sort: Some(SortKey::ExternalRef),
    },
    Column {
        title: "Id",
        width: 18,
        grows: false,
        order: 0,
        shown_by: |_| true,
        cell: |r| r.id.clone(),
        sort: None,
    },
    Column {
        title: "Created",
        width: 16,
        grows: false,
        order: 7,
        shown_by: |d| d.raven,
        cell: |r| r.created_at.as_deref().map(short_time).unwrap_or_default(),
        sort: Some(SortKey::CreatedAt),
    },
];

/// The columns that fit `width`, with their widths, in screen order.
fn layout(dialects: Dialects, width: u16) -> Vec<(&'static Column, u16)> {
    let mut picked: Vec<&Column> = Vec::new();
    let mut used = 0u16;
    for c in COLUMNS.iter().filter(|c| (c.shown_by)(dialects)) {
        let need = c.width + u16::from(!picked.is_empty());
        if used + need <= width {
            used += need;
            picked.push(c);
        }
    }
    let growers = picked.iter().filter(|c| c.grows).count() as u16;
    let spare = width.saturating_sub(used);
    let mut extra_left = spare;
    picked.sort_by_key(|c| c.order);
    let mut given = 0u16;
    picked
        .into_iter()
        .map(|c| {
            let mut w = c.width;
            if c.grows && growers > 0 {
                given += 1;
                let share = if given == growers {
                    extra_left
                } else {
                    spare / growers
                };
                extra_left -= share;
                w += share;
            }
            (c, w)
        })
        .collect()
}

/// A column title on screen: where it is (from the list's left edge) and what it sorts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderCell {
    pub title: &'static str,
    pub x: u16,
    pub width: u16,
    pub sort: Option<SortKey>,
}

/// The titles of a list `width` columns wide, left to right, as drawn: the
/// mouse's clicks and the column keys use the same layout as the screen.
pub fn header(dialects: Dialects, width: u16) -> Vec<HeaderCell> {
    let mut x = MARK_WIDTH + 1;
    layout(dialects, width.saturating_sub(MARK_WIDTH + 1))
        .into_iter()
        .map(|(c, w)| {
            let cell = HeaderCell {
                title: c.title,
                x,
                width: w,
                sort: c.sort,
            };
            x += w + 1;
            cell
        })
        .collect()
}

/// A title with the sort's arrow when the list is sorted by it.
fn title(c: &Column, sort: Option<Sort>) -> String {
    match sort {
        Some(s) if Some(s.key) == c.sort && s.descending => format!("{} ▼", c.title),
        Some(s) if Some(s.key) == c.sort => format!("{} ▲", c.title),
        _ => c.title.to_string(),
    }
}

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let Some(list) = &state.list else {
        let text = match &state.error {
            Some(_) => "No data yet.".to_string(),
            None => format!("Connecting to {} …", state.server.url),
        };
        centered(frame, area, Span::styled(text, theme.dim()));
        return;
    };
    let dialects = state.server.dialects.unwrap_or(Dialects::BOTH);
    let cols = layout(dialects, area.width.saturating_sub(MARK_WIDTH + 1));
    let header = Row::new(
        std::iter::once(Cell::from("")).chain(cols.iter().map(|(c, _)| {
            let cell = Cell::from(title(c, state.sort.current));
            // The column `s` sorts is underlined.
            if c.sort == Some(state.sort.focus) {
                cell.style(Style::default().add_modifier(Modifier::UNDERLINED))
            } else {
                cell
            }
        })),
    )
    .style(theme.header());
    let stale = state.stale();
    let rows = list.rows.iter().map(|r| {
        let style = if stale {
            theme.dim()
        } else if r.status == Some(Status::Inactive) {
            theme.inactive()
        } else {
            theme.plain()
        };
        let mark = if state.marks.contains(&r.id) {
            MARK
        } else {
            ""
        };
        Row::new(
            std::iter::once(Cell::from(Span::styled(mark, theme.key()))).chain(
                cols.iter()
                    .map(|(c, w)| Cell::from(fit(&(c.cell)(r), usize::from(*w)))),
            ),
        )
        .style(style)
    });
    let widths = std::iter::once(Constraint::Length(MARK_WIDTH))
        .chain(cols.iter().map(|(_, w)| Constraint::Length(*w)));
    let table = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .row_highlight_style(theme.selected());
    let mut ts = TableState::default().with_selected(
        (!list.rows.is_empty()).then_some(state.cursor.min(list.rows.len().saturating_sub(1))),
    );
    frame.render_stateful_widget(table, area, &mut ts);
    if list.rows.is_empty() {
        let text = if state.has_filters() {
            let esc = keymap::keys(Context::Filter, Command::Clear);
            format!("No users match these filters. {esc} in a field clears it.")
        } else {
            "This tenant has no users yet.".to_string()
        };
        let below = Rect {
            y: area.y + 1,
            height: area.height.saturating_sub(1),
            ..area
        };
        centered(frame, below, Span::styled(text, theme.dim()));
    }
}

fn centered(frame: &mut Frame, area: Rect, span: Span) {
    let y = area.y + area.height / 2;
    let line = Rect {
        y,
        height: 1.min(area.height),
        ..area
    };
    frame.render_widget(
        Paragraph::new(Line::from(span)).alignment(Alignment::Center),
        line,
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    fn titles(d: Dialects, w: u16) -> Vec<&'static str> {
        layout(d, w).iter().map(|(c, _)| c.title).collect()
    }

    #[test]
    fn narrow_shows_the_essentials_wide_shows_all() {
        assert_eq!(
            titles(Dialects::BOTH, 80),
            ["Name", "Email", "Role", "Status", "Last login"]
        );
        assert_eq!(
            titles(Dialects::BOTH, 160),
            [
                "Id",
                "Name",
                "Email",
                "External ref",
                "Role",
                "Status",
                "Last login",
                "Created"
            ]
        );
        assert_eq!(
            titles(Dialects::RAVEN, 80),
            ["Id", "Name", "External ref", "Created"]
        );
    }

    #[test]
    fn widths_fill_the_line_exactly() {
        for w in [80u16, 100, 160, 200] {
            let cols = layout(Dialects::BOTH, w);
            let total: u16 = cols.iter().map(|(_, w)| w).sum::<u16>() + cols.len() as u16 - 1;
            assert_eq!(total, w);
        }
    }
}
