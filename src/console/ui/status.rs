//! The status lines: where we are connected and as whom; the page and total.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::Theme;
use crate::console::app::State;
use crate::console::keymap::{self, Command, Context};
use crate::console::view::ActingAs;
use crate::console::visible::{fit, visible};

const SPINNER: [&str; 10] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];

pub fn render(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let [server, page] = Layout::vertical([Constraint::Length(1); 2]).areas(area);
    frame.render_widget(
        Paragraph::new(server_line(state, theme, usize::from(server.width))),
        server,
    );
    render_page(frame, page, state, theme);
}

fn server_line(state: &State, theme: Theme, width: usize) -> Line<'static> {
    let s = &state.server;
    let dialect = match (s.dialects, &state.error) {
        (Some(d), _) => d.label(),
        // Connecting failed for good: say so rather than "detecting" for ever.
        (None, Some(e)) if e.retry_in.is_none() => "not connected",
        (None, _) => "detecting…",
    };
    let bound = s.key.as_ref().and_then(|k| k.user_id.clone());
    let who = match (&s.acting_as, bound) {
        (None, _) => "…".to_string(),
        (Some(ActingAs::User(u)), _) => {
            let name = u
                .name
                .clone()
                .or_else(|| u.email.clone())
                .unwrap_or_else(|| u.id.clone());
            format!(
                "{} ({}, tenant {})",
                visible(&name),
                u.role,
                visible(&u.tenant_id)
            )
        }
        (Some(_), Some(id)) => format!("user {id} (bound key)"),
        (Some(ActingAs::Tenant), None) => "the whole tenant".to_string(),
        (Some(ActingAs::Unknown), None) if s.key.is_some() => "the whole tenant".to_string(),
        (Some(ActingAs::Unknown), None) if s.dialects.is_some_and(|d| d.scim.is_some()) => {
            "unknown (SCIM does not say)".to_string()
        }
        (Some(ActingAs::Unknown), None) => "unknown (Raven has no /me)".to_string(),
    };
    let mut spans = vec![
        Span::raw(" "),
        Span::styled(s.url.clone(), theme.title()),
        Span::styled(" · ", theme.dim()),
        Span::raw(dialect),
    ];
    // Before "acts as", which a long name may push off a narrow screen.
    if state.write_block().is_some() {
        spans.push(Span::styled(" · ", theme.dim()));
        spans.push(Span::styled("read-only", theme.error()));
    }
    spans.push(Span::styled(" · acts as ", theme.dim()));
    let used: usize = spans.iter().map(|s| s.width()).sum();
    spans.push(Span::raw(fit(&who, width.saturating_sub(used))));
    Line::from(spans)
}

fn render_page(frame: &mut Frame, area: Rect, state: &State, theme: Theme) {
    let mut spans = vec![Span::raw(" ")];
    match &state.list {
        Some(l) => {
            let of = l.pages().map_or("?".to_string(), |n| n.to_string());
            spans.push(Span::styled(
                format!("page {} of {of}", l.page()),
                theme.title(),
            ));
            spans.push(Span::styled(" · ", theme.dim()));
            match l.total {
                Some(t) => {
                    let noun = if t == 1 { "user" } else { "users" };
                    spans.push(Span::raw(format!("{t} {noun}")));
                }
                None => spans.push(Span::styled("total not given by the server", theme.dim())),
            }
        }
        None => spans.push(Span::styled("page – of –", theme.dim())),
    }
    if !state.marks.is_empty() {
        spans.push(Span::styled(" · ", theme.dim()));
        spans.push(Span::styled(
            format!("{} marked", state.marks.len()),
            theme.key(),
        ));
    }
    if state.busy() {
        spans.push(Span::raw("  "));
        spans.push(Span::styled(
            SPINNER[state.spinner % SPINNER.len()],
            theme.key(),
        ));
        spans.push(Span::styled(" loading", theme.dim()));
    }
    let mut hints = Vec::new();
    for (i, cmd) in [Command::Help, Command::Quit].into_iter().enumerate() {
        let gap = if i == 0 { "  " } else { " " };
        hints.push(Span::styled(keymap::keys(Context::List, cmd), theme.key()));
        hints.push(Span::styled(
            format!(" {}{gap}", keymap::help(Context::List, cmd)),
            theme.dim(),
        ));
    }
    let hints = Line::from(hints);
    let room = u16::try_from(hints.width()).unwrap_or(u16::MAX);
    let [left, right] =
        Layout::horizontal([Constraint::Fill(1), Constraint::Length(room)]).areas(area);
    frame.render_widget(Paragraph::new(Line::from(spans)), left);
    frame.render_widget(Paragraph::new(hints).alignment(Alignment::Right), right);
}
