//! The status lines: where we are connected and as whom; the page and total.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Theme;
use crate::api::client::Principal;
use crate::console::app::State;

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let [server, page] = Layout::vertical([Constraint::Length(1); 2]).areas(area);
    frame.render_widget(Paragraph::new(server_line(state, theme)), server);
    render_page(frame, page, state, theme);
}

fn server_line(state: &State, theme: Theme) -> Line<'static> {
    let s = &state.server;
    let dialect = s.dialects.map_or("detecting…", |d| d.label());
    let who = match &s.principal {
        None => "…".to_string(),
        Some(Principal::Tenant) => "the whole tenant".to_string(),
        Some(Principal::User(u)) => {
            let name = u
                .name
                .clone()
                .or_else(|| u.email.clone())
                .unwrap_or_else(|| u.id.clone());
            format!("{name} ({}, tenant {})", u.role, u.tenant_id)
        }
        Some(Principal::Unknown) => "unknown (Raven has no /me)".to_string(),
    };
    Line::from(vec![
        Span::raw(" "),
        Span::styled(s.url.clone(), theme.title()),
        Span::styled(" · ", theme.dim()),
        Span::raw(dialect),
        Span::styled(" · acts as ", theme.dim()),
        Span::raw(who),
    ])
}

fn render_page(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let mut spans = vec![Span::raw(" ")];
    match &state.list {
        Some(l) => {
            spans.push(Span::styled(
                format!("page {} of {}", l.page(), l.pages()),
                theme.title(),
            ));
            spans.push(Span::styled(" · ", theme.dim()));
            let noun = if l.total == 1 { "user" } else { "users" };
            spans.push(Span::raw(format!("{} {noun}", l.total)));
        }
        None => spans.push(Span::styled("page – of –", theme.dim())),
    }
    if state.busy() {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(
            SPINNER[state.spinner % SPINNER.len()],
            theme.key(),
        ));
        spans.push(Span::styled(" loading", theme.dim()));
    }
    let hints = Line::from(vec![
        Span::styled("?", theme.key()),
        Span::styled(" help  ", theme.dim()),
        Span::styled("q", theme.key()),
        Span::styled(" quit ", theme.dim()),
    ]);
    let [left, right] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(15)]).areas(area);
    frame.render_widget(Paragraph::new(Line::from(spans)), left);
    frame.render_widget(Paragraph::new(hints).alignment(Alignment::Right), right);
}
