//! The history pane: one line per event of a user (when, version, who, which
//! fields), and one event's before and after, JSON fields as a line diff.
//! The tenant's feed draws its rows with [`table`] too (`ui/audit.rs`).

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, TableState};

use super::Theme;
use crate::api::audit::AuditEvent;
use crate::console::app::State;
use crate::console::app::history::{EventView, HistoryPane};
use crate::console::history::diff::Mark;
use crate::console::history::{self as trail, Feed};
use crate::console::keymap::{self, Command, Context};
use crate::console::visible::{fit, visible};

pub fn render(frame: &mut Frame, area: Rect, state: &State, pane: &HistoryPane, theme: Theme) {
    let name = pane.row.name.as_deref().unwrap_or("(no name)");
    let who = vec![
        Span::styled(visible(name).into_owned(), theme.title()),
        Span::styled(format!(" {}", visible(&pane.row.id)), theme.dim()),
    ];
    match &pane.event {
        Some(ev) => {
            if let Some(e) = pane.feed.events.get(ev.index) {
                event(frame, area, state, e, ev, who, theme);
            }
        }
        None => {
            let mut title = vec![Span::styled(" History of ", theme.title())];
            title.extend(who);
            title.extend(page_spans(&pane.feed, theme));
            let block = super::pane(
                title,
                Context::History,
                &[
                    Command::Open,
                    Command::Revert,
                    Command::NextPage,
                    Command::Back,
                ],
                theme,
            );
            table(frame, area, &pane.feed, false, block, theme);
        }
    }
}

/// " · page 1 of 3 · 42 events " for a pane's title.
pub(crate) fn page_spans(feed: &Feed, theme: Theme) -> Vec<Span<'static>> {
    if !feed.loaded {
        return vec![Span::raw(" ")];
    }
    let of = feed.pages().map_or("?".to_string(), |n| n.to_string());
    let total = match feed.total {
        Some(1) => "1 event".to_string(),
        Some(t) => format!("{t} events"),
        None => "total not given".to_string(),
    };
    vec![Span::styled(
        format!(" · page {} of {of} · {total} ", feed.page()),
        theme.dim(),
    )]
}

/// The events of `feed` as a table; `with_user` adds the user's column (the tenant's feed).
pub(crate) fn table(
    frame: &mut Frame,
    area: Rect,
    feed: &Feed,
    with_user: bool,
    block: ratatui::widgets::Block<'static>,
    theme: Theme,
) {
    let inner = block.inner(area);
    if feed.events.is_empty() {
        let text = match (&feed.error, feed.loaded) {
            (Some(e), _) => Line::styled(e.clone(), theme.error()),
            (None, true) => Line::styled("No changes recorded.", theme.dim()),
            (None, false) => Line::styled("loading…", theme.dim()),
        };
        frame.render_widget(
            Paragraph::new(text)
                .block(block)
                .wrap(ratatui::widgets::Wrap { trim: true }),
            area,
        );
        return;
    }
    let width = inner.width;
    // When, version and action are fixed; who, (user) and fields share the rest.
    let fixed = 19 + 1 + 4 + 1 + 6 + 1;
    let rest = width.saturating_sub(fixed + if with_user { 1 } else { 0 });
    let (user_w, who_w) = if with_user {
        let u = (rest / 3).min(20);
        (u, (rest.saturating_sub(u)) / 2)
    } else {
        (0, (rest / 2).min(32))
    };
    let fields_w = rest.saturating_sub(user_w + who_w + 1);
    let mut header = vec!["When", "Ver", "Action"];
    if with_user {
        header.push("User");
    }
    header.extend(["Who", "Fields"]);
    let header = Row::new(header.into_iter().map(Cell::from)).style(theme.header());
    let rows = feed.events.iter().map(|e| {
        let mut cells = vec![
            Cell::from(trail::when(&e.at)),
            Cell::from(format!("v{}", e.version)),
            Cell::from(e.action.clone()),
        ];
        if with_user {
            let id = e.user_id.as_deref().unwrap_or("");
            cells.push(Cell::from(fit(&visible(id), usize::from(user_w))));
        }
        cells.push(Cell::from(fit(
            &visible(&trail::who(&e.actor)),
            usize::from(who_w),
        )));
        cells.push(Cell::from(fit(&trail::fields(e), usize::from(fields_w))));
        Row::new(cells)
    });
    let mut widths = vec![
        Constraint::Length(19),
        Constraint::Length(4),
        Constraint::Length(6),
    ];
    if with_user {
        widths.push(Constraint::Length(user_w));
    }
    widths.extend([Constraint::Length(who_w), Constraint::Fill(1)]);
    let mut t = Table::new(rows, widths)
        .header(header)
        .column_spacing(1)
        .block(block)
        .row_highlight_style(theme.selected());
    if let Some(e) = &feed.error {
        t = t.footer(Row::new([Cell::from(Span::styled(
            e.clone(),
            theme.error(),
        ))]));
    }
    let mut ts = TableState::default()
        .with_selected(Some(feed.cursor.min(feed.events.len().saturating_sub(1))));
    frame.render_stateful_widget(t, area, &mut ts);
}

fn event(
    frame: &mut Frame,
    area: Rect,
    state: &State,
    e: &AuditEvent,
    ev: &EventView,
    who: Vec<Span<'static>>,
    theme: Theme,
) {
    let mut lines: Vec<Line> = Vec::new();
    lines.push(Line::from(vec![
        Span::styled("by ", theme.dim()),
        Span::raw(visible(&trail::who(&e.actor)).into_owned()),
        Span::styled(format!(" · {}", trail::when(&e.at)), theme.dim()),
    ]));
    lines.push(Line::raw(""));
    for d in &ev.diffs {
        lines.push(Line::styled(d.field.clone(), theme.label()));
        for l in &d.lines {
            let text = visible(&l.text).into_owned();
            lines.push(match l.mark {
                Mark::Same => Line::styled(format!("    {text}"), theme.dim()),
                Mark::Removed => Line::styled(format!("  - {text}"), theme.error()),
                Mark::Added => Line::styled(format!("  + {text}"), theme.json_string()),
            });
        }
    }
    let viewport = usize::from(area.height.saturating_sub(2));
    let max = lines.len().saturating_sub(viewport);
    let scroll = ev.scroll.min(max);
    let mut title = vec![Span::styled(
        format!(" v{} {} of ", e.version, e.action),
        theme.title(),
    )];
    title.extend(who);
    if lines.len() > viewport {
        let end = (scroll + viewport).min(lines.len());
        title.push(Span::styled(
            format!(" · lines {}-{} of {} ", scroll + 1, end, lines.len()),
            theme.dim(),
        ));
    } else {
        title.push(Span::raw(" "));
    }
    let block = super::pane(
        title,
        Context::Event,
        &[Command::Revert, Command::NextPage, Command::Back],
        theme,
    );
    let _ = state;
    let para = Paragraph::new(lines)
        .block(block)
        .scroll((scroll.min(u16::MAX as usize) as u16, 0));
    frame.render_widget(para, area);
}

/// The message line's hint in the history pane; `u` greyed with its reason.
pub fn hint(state: &State) -> String {
    let event = state
        .history
        .pane
        .as_ref()
        .is_some_and(|p| p.event.is_some());
    let ctx = if event {
        Context::Event
    } else {
        Context::History
    };
    let keys = if event {
        keymap::hints(ctx, &[Command::Down, Command::Back, Command::Help])
    } else {
        keymap::hints(
            ctx,
            &[
                Command::Down,
                Command::Open,
                Command::Refresh,
                Command::Help,
            ],
        )
    };
    match state.write_block() {
        Some(why) => format!(
            "{keys} · greyed: {}: {why}",
            keymap::hint(ctx, Command::Revert)
        ),
        None => keys,
    }
}
