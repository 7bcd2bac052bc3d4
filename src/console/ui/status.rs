//! The status lines: where we are connected and as whom; the page; the last
//! error in words (a banner while the server is unreachable).

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Theme;
use crate::api::client::Principal;
use crate::console::app::{Field, Focus, State};

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let [server, page, message] = Layout::vertical([Constraint::Length(1); 3]).areas(area);
    frame.render_widget(Paragraph::new(server_line(state, theme)), server);
    render_page(frame, page, state, theme);
    frame.render_widget(Paragraph::new(message_line(state, theme)), message);
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

fn message_line(state: &State, theme: Theme) -> Line<'static> {
    if let Some(e) = &state.error {
        return match e.retry_in {
            Some(d) => Line::styled(
                format!(
                    " ⚠ {} Retrying in {} s; showing the last data.",
                    e.text,
                    d.as_secs().max(1)
                ),
                theme.banner(),
            ),
            None => Line::styled(format!(" ✗ {}", e.text), theme.error()),
        };
    }
    if let Focus::Filter(f) = state.focus {
        let hint = if f.is_text() {
            "type to filter · Tab next field · Enter back to the list · Esc clear"
        } else {
            "← → pick a value · Tab next field · Enter back to the list · Esc clear"
        };
        return Line::styled(format!(" {hint}"), theme.dim());
    }
    // Greyed filters say why, so nothing is silently ignored.
    let mut reasons: Vec<&str> = Field::ALL
        .iter()
        .filter_map(|f| state.unavailable(*f))
        .collect();
    reasons.dedup();
    if !reasons.is_empty() {
        return Line::styled(format!(" greyed: {}", reasons.join("; ")), theme.dim());
    }
    Line::styled(
        " / search · f filters · Enter open · n p pages",
        theme.dim(),
    )
}
