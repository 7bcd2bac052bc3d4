//! The tenant's activity (`:audit`): a filter line (user, actor) over the
//! latest events of the tenant, each with its user.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Theme;
use crate::console::app::State;
use crate::console::app::audit::{AuditFilter, AuditPane};
use crate::console::keymap::{self, Command, Context};
use crate::console::visible::visible;

pub fn render(frame: &mut Frame, area: Rect, state: &State, pane: &AuditPane, theme: Theme) {
    let [line, body] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    filter_line(frame, line, pane, theme);
    let mut title = vec![Span::styled(" Tenant activity", theme.title())];
    title.extend(super::history::page_spans(&pane.feed, theme));
    let block = super::pane(
        title,
        Context::Audit,
        &[
            Command::Open,
            Command::FilterBar,
            Command::NextPage,
            Command::Back,
        ],
        theme,
    );
    super::history::table(frame, body, &pane.feed, true, block, theme);
    let _ = state;
}

fn filter_line(frame: &mut Frame, area: Rect, pane: &AuditPane, theme: Theme) {
    let mut spans = vec![Span::raw(" ")];
    let mut cursor = None;
    for (f, input) in [
        (AuditFilter::User, &pane.user),
        (AuditFilter::Actor, &pane.actor),
    ] {
        let editing = pane.editing == Some(f);
        spans.push(Span::styled(
            format!("{} ", f.label()),
            if editing {
                theme.focused()
            } else {
                theme.label()
            },
        ));
        let value = visible(input.value()).into_owned();
        let shown = if value.is_empty() && !editing {
            Span::styled("any", theme.dim())
        } else {
            Span::styled(value.clone(), theme.plain())
        };
        let before: usize = spans.iter().map(|s| s.width()).sum();
        if editing {
            let at = before + input.visual_cursor();
            cursor = Some(area.x + u16::try_from(at).unwrap_or(u16::MAX));
        }
        spans.push(shown);
        spans.push(Span::raw("    "));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
    if let Some(x) = cursor {
        frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
    }
}

/// The message line's hint in the activity view.
pub fn hint(state: &State) -> String {
    let editing = state
        .history
        .audit
        .as_ref()
        .is_some_and(|a| a.editing.is_some());
    if editing {
        return format!(
            "a usr_ id for user; a key prefix or the usr_ id a key is bound to for actor · {}",
            keymap::footer(Context::AuditFilter)
        );
    }
    keymap::hints(
        Context::Audit,
        &[
            Command::Down,
            Command::Open,
            Command::Refresh,
            Command::Help,
        ],
    )
}
