//! The bulk pane over the list: "mark them all?", the menu of changes, the
//! value line, the preview, the run's progress bar and each user's outcome.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Gauge, Paragraph, Wrap};

use super::Theme;
use crate::console::app::State;
use crate::console::app::bulk::{Bulk, Item, Run, Stage};
use crate::console::bulk::preview::group;
use crate::console::bulk::{ASK_ABOVE, MAX_MARKED, Outcome};
use crate::console::keymap::{self, Command, Context, footer};
use crate::console::visible::{fit, visible};

pub fn render(frame: &mut Frame, area: Rect, state: &State, bulk: &Bulk, theme: Theme) {
    let (title, context, lines) = match &bulk.stage {
        Stage::ConfirmMarkAll { total } => (
            " Mark all matching ".to_string(),
            Context::BulkConfirm,
            confirm_mark_all(*total, theme),
        ),
        Stage::Menu { at } => (
            format!(" Bulk change of {} ", whom(state)),
            Context::Bulk,
            menu(state, *at, theme),
        ),
        Stage::Value { item, error, .. } => (
            format!(" {} of {} ", item.label(), whom(state)),
            Context::BulkValue,
            value(*item, error.as_deref(), theme),
        ),
        Stage::Preview(p) => {
            let unread = p
                .changing
                .iter()
                .filter(|id| state.marks.contains(id) && state.marks.seen(id).is_none())
                .count();
            let mut lines = vec![
                Line::styled(p.text(), theme.plain()),
                Line::raw(""),
                Line::styled(
                    "Each PATCH carries If-Match of the version the console saw: a user changed since is left alone, as a conflict.",
                    theme.dim(),
                ),
            ];
            if unread > 0 {
                lines.push(Line::styled(
                    format!(
                        "{} not read yet: each is read first, and guarded by that version.",
                        group(unread)
                    ),
                    theme.dim(),
                ));
            }
            (
                format!(" Preview: {} ", p.change.command()),
                Context::BulkConfirm,
                lines,
            )
        }
        Stage::Running(run) => (
            format!(" Running: {} ", run.change.command()),
            Context::BulkRun,
            vec![],
        ),
        Stage::Result(run) => (
            format!(" Result: {} ", run.change.command()),
            Context::BulkResult,
            vec![],
        ),
    };
    let width = area.width.saturating_sub(4).clamp(20, 100);
    let inner_w = usize::from(width.saturating_sub(2));
    let wanted = match &bulk.stage {
        Stage::Result(run) => run.outcomes.len() as u16 + 4,
        Stage::Running(_) => 7,
        _ => {
            lines
                .iter()
                .map(|l| (l.width().max(1)).div_ceil(inner_w.max(1)) as u16)
                .sum::<u16>()
                + 2
        }
    };
    let height = wanted.max(5).min(area.height);
    let popup = Rect {
        x: area.x + area.width.saturating_sub(width) / 2,
        y: area.y + area.height.saturating_sub(height) / 2,
        width: width.min(area.width),
        height,
    };
    frame.render_widget(Clear, popup);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(theme.dim())
        .title(Line::styled(fit(&visible(&title), inner_w), theme.title()))
        .title_bottom(Line::styled(
            fit(&format!(" {} ", footer(context)), inner_w),
            theme.dim(),
        ));
    let inner = block.inner(popup);
    frame.render_widget(block, popup);
    match &bulk.stage {
        Stage::Running(run) => progress(frame, inner, run, theme),
        Stage::Result(run) => result(frame, inner, run, theme),
        _ => {
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        }
    }
    if let Stage::Value { input, .. } = &bulk.stage {
        let at = u16::try_from(2 + input.visual_cursor()).unwrap_or(u16::MAX);
        let typed = visible(input.value()).into_owned();
        let y = inner.y + 1;
        frame.render_widget(
            Paragraph::new(Line::from(vec![
                Span::styled("> ", theme.key()),
                Span::styled(typed, theme.plain()),
            ])),
            Rect {
                y,
                height: 1,
                ..inner
            },
        );
        frame.set_cursor_position(Position::new(
            inner.x + at.min(inner.width.saturating_sub(1)),
            y,
        ));
    }
}

/// The message line under the pane: what this step is about.
pub(crate) fn hint(state: &State) -> String {
    match state.bulk.as_ref().map(|b| &b.stage) {
        Some(Stage::ConfirmMarkAll { .. }) => {
            "every page of the filtered list is read; the marks survive paging and filtering".into()
        }
        Some(Stage::Menu { .. }) => format!("a change for {}", whom(state)),
        Some(Stage::Value { .. }) => {
            "a VALUE is JSON when it parses as JSON (\"pro\", 12, true), otherwise text".into()
        }
        Some(Stage::Preview(_)) => format!(
            "nothing is sent before {}",
            keymap::hint(Context::BulkConfirm, Command::Apply)
        ),
        Some(Stage::Running(_)) => "the change runs in the background".into(),
        Some(Stage::Result(_)) | None => String::new(),
    }
}

/// "40 marked users", or the one user under the cursor.
fn whom(state: &State) -> String {
    match state.marks.len() {
        0 => match state.selected() {
            Some(r) => visible(r.name.as_deref().unwrap_or(&r.id)).into_owned(),
            None => "nobody".into(),
        },
        1 => "1 marked user".into(),
        n => format!("{} marked users", group(n)),
    }
}

fn confirm_mark_all(total: u64, theme: Theme) -> Vec<Line<'static>> {
    let n = group(total as usize);
    let mut lines = vec![if total as usize > MAX_MARKED {
        Line::styled(
            format!(
                "{n} users match the filters. Mark the first {}? At most {} are marked at once.",
                group(MAX_MARKED),
                group(MAX_MARKED)
            ),
            theme.plain(),
        )
    } else {
        Line::styled(
            format!("Mark all {n} users matching the filters?"),
            theme.plain(),
        )
    }];
    lines.push(Line::styled(
        format!(
            "(Asked above {}: every page is read, then each user's version.)",
            group(ASK_ABOVE as usize)
        ),
        theme.dim(),
    ));
    lines
}

fn menu(state: &State, at: usize, theme: Theme) -> Vec<Line<'static>> {
    Item::ALL
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let pointer = if i == at { "› " } else { "  " };
            match state.bulk_greyed(item.field()) {
                Some(why) => Line::from(vec![
                    Span::styled(format!("{pointer}{}", item.label()), theme.inactive()),
                    Span::styled(format!("  (greyed: {why})"), theme.dim()),
                ]),
                None if i == at => {
                    Line::styled(format!("{pointer}{}", item.label()), theme.selected())
                }
                None => Line::styled(format!("{pointer}{}", item.label()), theme.plain()),
            }
        })
        .collect()
}

fn value(item: Item, error: Option<&str>, theme: Theme) -> Vec<Line<'static>> {
    vec![
        Line::styled(format!("Type {}:", item.takes()), theme.label()),
        // The input itself is drawn over this line.
        Line::raw(""),
        match error {
            Some(e) => Line::styled(e.to_string(), theme.error()),
            None => Line::raw(""),
        },
    ]
}

fn progress(frame: &mut Frame, area: Rect, run: &Run, theme: Theme) {
    let t = run.tally();
    let total = run.rows.len().max(1);
    let [gauge, counts, note] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Length(2),
        Constraint::Fill(1),
    ])
    .areas(area);
    let sent = run.rows.len() - t.remaining;
    frame.render_widget(
        Gauge::default()
            .gauge_style(theme.key())
            .ratio(sent as f64 / total as f64)
            .label(format!("{} of {}", group(sent), group(run.rows.len()))),
        gauge,
    );
    let mut line = format!(
        "done {} · conflicts {} · refused {} · errors {} · remaining {}",
        group(t.done),
        group(t.conflicts),
        group(t.refused),
        group(t.failed),
        group(t.remaining + t.not_sent)
    );
    if t.unchanged > 0 {
        line += &format!(" · already so {}", group(t.unchanged));
    }
    frame.render_widget(
        Paragraph::new(Line::styled(line, theme.plain())).wrap(Wrap { trim: false }),
        counts,
    );
    let text = if run.stopping {
        "Stopping: the requests in flight finish, the rest is not sent; what was done stays done."
    } else {
        "At most 4 requests at a time. What is done stays done if you stop."
    };
    frame.render_widget(
        Paragraph::new(Line::styled(text, theme.dim())).wrap(Wrap { trim: false }),
        note,
    );
}

fn result(frame: &mut Frame, area: Rect, run: &Run, theme: Theme) {
    let [head, list] = Layout::vertical([Constraint::Length(2), Constraint::Fill(1)]).areas(area);
    frame.render_widget(
        Paragraph::new(Line::styled(run.headline(), theme.title())).wrap(Wrap { trim: false }),
        head,
    );
    let width = usize::from(list.width);
    let lines: Vec<Line> = run
        .outcomes
        .iter()
        .skip(run.scroll)
        .take(usize::from(list.height))
        .map(|(id, o)| {
            let (mark, word, why, style) = match o {
                Outcome::Done => ("✓", "done", "", theme.plain()),
                Outcome::Unchanged => ("·", "already so", "", theme.dim()),
                Outcome::Conflict(w) => ("✗", "conflict", w.as_str(), theme.error()),
                Outcome::Refused(w) => ("✗", "refused", w.as_str(), theme.error()),
                Outcome::Failed(w) => ("✗", "error", w.as_str(), theme.error()),
                Outcome::NotSent => ("–", "not sent", "", theme.dim()),
            };
            let name = visible(&run.name(id)).into_owned();
            let text = format!("{mark} {word:<10} {:<20} {id}  {why}", fit(&name, 20));
            Line::styled(fit(&text, width), style)
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), list);
}
