//! The filter bar: external_ref, role, status, search on one line.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use tui_input::Input;

use super::Theme;
use crate::console::app::{FilterField, Focus, State};

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    // Each field starts with its one-column mark (see `label`), which is also the gap.
    let [ext, _, role, _, status, _, search] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(14),
        Constraint::Length(1),
        Constraint::Length(18),
        Constraint::Length(1),
        Constraint::Fill(2),
    ])
    .areas(area);
    text_field(
        frame,
        ext,
        state,
        FilterField::ExternalRef,
        &state.filters.external_ref,
        theme,
    );
    let role_value = state.filters.role.map(|r| r.as_str());
    choice_field(frame, role, state, FilterField::Role, role_value, theme);
    let status_value = state.filters.status.map(|s| s.as_str());
    choice_field(
        frame,
        status,
        state,
        FilterField::Status,
        status_value,
        theme,
    );
    text_field(
        frame,
        search,
        state,
        FilterField::Search,
        &state.filters.search,
        theme,
    );
}

/// The field's name; `●` before it while it filters, so a set filter shows
/// without colour too.
fn label(state: &State, field: FilterField, theme: Theme) -> Span<'static> {
    let style = if state.unavailable(field).is_some() {
        theme.inactive()
    } else if state.focus == Focus::Filter(field) && !state.help {
        theme.focused()
    } else {
        theme.label()
    };
    let q = state.filters_now();
    let set = match field {
        FilterField::ExternalRef => q.external_ref.is_some(),
        FilterField::Role => q.role.is_some(),
        FilterField::Status => q.status.is_some(),
        FilterField::Search => q.search.is_some(),
    };
    let mark = if set { "●" } else { " " };
    Span::styled(format!("{mark}{}", field.label()), style)
}

fn text_field(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    field: FilterField,
    input: &Input,
    theme: Theme,
) {
    let lead = field.label().len() as u16 + 2;
    let width = usize::from(area.width.saturating_sub(lead));
    let focused = state.focus == Focus::Filter(field) && !state.help;
    let value = if state.unavailable(field).is_some() {
        Span::styled("n/a", theme.inactive())
    } else if input.value().is_empty() && !focused {
        Span::styled("any", theme.dim())
    } else {
        let scroll = input.visual_scroll(width);
        let shown: String = input.value().chars().skip(scroll).collect();
        let padded = format!("{shown:<width$}");
        if focused {
            let x = area.x + lead + (input.visual_cursor().saturating_sub(scroll)) as u16;
            frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
            Span::styled(padded, theme.focused())
        } else {
            Span::styled(padded, theme.plain())
        }
    };
    let line = Line::from(vec![label(state, field, theme), Span::raw(" "), value]);
    frame.render_widget(Paragraph::new(line), area);
}

fn choice_field(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    field: FilterField,
    value: Option<&str>,
    theme: Theme,
) {
    let value = if state.unavailable(field).is_some() {
        Span::styled("n/a", theme.inactive())
    } else {
        let style = if state.focus == Focus::Filter(field) && !state.help {
            theme.focused()
        } else if value.is_none() {
            theme.dim()
        } else {
            theme.plain()
        };
        Span::styled(format!("‹{}›", value.unwrap_or("any")), style)
    };
    let line = Line::from(vec![label(state, field, theme), Span::raw(" "), value]);
    frame.render_widget(Paragraph::new(line), area);
}
