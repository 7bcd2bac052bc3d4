//! The edit and create form: one line per text field or picker, the JSON fields
//! in editors below (side by side when both are there), each JSON field's live
//! validation in its border, and the server's complaint next to the field it names.
//! The summary before sending and the "discard?" question are popups over it.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use tui_input::Input;

use super::Theme;
use crate::console::app::State;
use crate::console::edit::Form;
use crate::console::edit::form::{AfterDiscard, FormField, Mode, Phase};
use crate::console::edit::patch;
use crate::console::keymap::{self, Command as C, Context};

const LABEL: u16 = 14;
const VALUE: u16 = 34;

pub fn render(frame: &mut Frame, area: Rect, state: &State, form: &Form, theme: Theme) {
    let title = match &form.mode {
        Mode::Create => vec![Span::styled(" New user ", theme.title())],
        Mode::Edit { row, .. } => vec![
            Span::styled(" Edit ", theme.title()),
            Span::styled(
                crate::console::visible::visible(row.name.as_deref().unwrap_or("(no name)"))
                    .into_owned(),
                theme.title(),
            ),
            Span::styled(format!(" {} ", row.id), theme.dim()),
        ],
    };
    let mut title = title;
    if matches!(form.phase, Phase::Saving(_)) {
        title.push(Span::styled("saving… ", theme.key()));
    }
    let block = super::pane(
        title,
        Context::Form,
        &[C::Save, C::NextField, C::ExternalEditor, C::Back],
        theme,
    );
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let lines: Vec<FormField> = form
        .fields
        .iter()
        .copied()
        .filter(|f| !f.is_json())
        .collect();
    let json: Vec<FormField> = form
        .fields
        .iter()
        .copied()
        .filter(|f| f.is_json())
        .collect();
    let [top, _, bottom] = Layout::vertical([
        Constraint::Length(lines.len() as u16),
        Constraint::Length(1),
        Constraint::Fill(1),
    ])
    .areas(inner);
    let editing = form.phase == Phase::Editing && !state.help;
    for (i, f) in lines.iter().enumerate() {
        let row = Rect {
            y: top.y + i as u16,
            height: 1,
            ..top
        };
        line_field(frame, row, Drawn::new(form, *f, editing, theme));
    }
    if !json.is_empty() {
        let cols = Layout::horizontal(vec![Constraint::Fill(1); json.len()]).split(bottom);
        for (f, a) in json.iter().zip(cols.iter()) {
            json_field(frame, *a, Drawn::new(form, *f, editing, theme));
        }
    }
    match &form.phase {
        Phase::Confirm => confirm(frame, area, form, theme),
        Phase::Discard { then } => discard(frame, area, then, theme),
        _ => {}
    }
}

/// One field of the form as it is drawn: whether it has the cursor, how its label looks.
#[derive(Clone, Copy)]
struct Drawn<'a> {
    form: &'a Form,
    f: FormField,
    /// The form takes keys (not behind a popup or the help).
    editing: bool,
    theme: Theme,
}

impl<'a> Drawn<'a> {
    fn new(form: &'a Form, f: FormField, editing: bool, theme: Theme) -> Drawn<'a> {
        Drawn {
            form,
            f,
            editing,
            theme,
        }
    }

    fn focused(self) -> bool {
        self.editing && self.form.focus == self.f
    }

    fn label(self) -> Span<'static> {
        Span::styled(
            format!(" {:<w$}", self.f.label(), w = usize::from(LABEL) - 1),
            self.label_style(),
        )
    }

    fn label_style(self) -> Style {
        let (form, f, theme) = (self.form, self.f, self.theme);
        if form.locked.contains_key(&f) {
            theme.inactive()
        } else if self.focused() {
            theme.focused()
        } else if form.errors.contains_key(&f) {
            theme.error()
        } else {
            theme.label()
        }
    }
}

fn line_field(frame: &mut Frame, area: Rect, d: Drawn) {
    let Drawn { form, f, theme, .. } = d;
    let focused = d.focused();
    let mut width = usize::from(VALUE.min(area.width.saturating_sub(LABEL)));
    if form.errors.contains_key(&f) || form.locked.contains_key(&f) {
        // Room for the server's message, or the reason for the lock, on the same line.
        width = width.min(input_of(form, f).value().chars().count() + 1);
    }
    let mut spans = vec![d.label()];
    match f {
        FormField::Role | FormField::Status => {
            let value = match f {
                FormField::Role => form.role.map(|r| r.as_str()),
                _ => form.status.map(|s| s.as_str()),
            }
            .unwrap_or("?");
            let style = if form.locked.contains_key(&f) {
                theme.inactive()
            } else if focused {
                theme.focused()
            } else {
                theme.plain()
            };
            spans.push(Span::styled(format!("‹{value}›"), style));
            if focused {
                let pick = keymap::hint(Context::Choice, C::NextChoice);
                spans.push(Span::styled(format!("  {pick}"), theme.dim()));
            }
            if let Some(why) = form.locked.get(&f) {
                spans.push(Span::styled(format!("  locked: {why}"), theme.inactive()));
            }
        }
        _ => {
            let input = input_of(form, f);
            spans.push(text_value(frame, area, input, width, focused, theme));
            if let Some(why) = form.locked.get(&f) {
                spans.push(Span::styled(format!(" locked: {why}"), theme.inactive()));
            }
        }
    }
    if let Some(err) = form.errors.get(&f) {
        // The whole message is on the message line; here it is cut visibly.
        let used: usize = spans.iter().map(|s| s.width()).sum();
        let room = usize::from(area.width).saturating_sub(used);
        spans.push(Span::styled(
            crate::console::visible::fit(&format!(" ✗ {err}"), room),
            theme.error(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

fn input_of(form: &Form, f: FormField) -> &Input {
    match f {
        FormField::Name => &form.name,
        FormField::ExternalRef => &form.external_ref,
        _ => &form.email,
    }
}

fn text_value(
    frame: &mut Frame,
    area: Rect,
    input: &Input,
    width: usize,
    focused: bool,
    theme: Theme,
) -> Span<'static> {
    let scroll = input.visual_scroll(width);
    let shown: String = input.value().chars().skip(scroll).collect();
    let shown: String = shown.chars().take(width).collect();
    if focused {
        let x = area.x + LABEL + (input.visual_cursor().saturating_sub(scroll)) as u16;
        frame.set_cursor_position(Position::new(x.min(area.right().saturating_sub(1)), area.y));
        Span::styled(format!("{shown:<width$}"), theme.focused())
    } else if shown.is_empty() {
        Span::styled(format!("{:<width$}", "(none)"), theme.dim())
    } else {
        Span::styled(format!("{shown:<width$}"), theme.plain())
    }
}

fn json_field(frame: &mut Frame, area: Rect, d: Drawn) {
    let Drawn { form, f, theme, .. } = d;
    let focused = d.focused();
    let (status, style) = match (form.json_error(f), form.errors.get(&f)) {
        (Some(e), _) => (format!(" ✗ {e} "), theme.error()),
        (None, Some(server)) => (format!(" ✗ {server} "), theme.error()),
        (None, None) => (" ✓ valid JSON ".to_string(), theme.dim()),
    };
    let block = Block::default()
        .borders(Borders::ALL)
        .border_style(if focused { theme.key() } else { theme.dim() })
        .title(Line::styled(format!(" {} ", f.label()), d.label_style()))
        .title_bottom(Line::styled(status, style));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    // A copy to style: drawing never changes the state.
    let mut area_widget = match f {
        FormField::Preferences => form.preferences.clone(),
        _ => form.metadata.clone(),
    };
    area_widget.set_line_number_style(theme.dim());
    area_widget.set_cursor_line_style(Style::default());
    if !focused {
        area_widget.set_cursor_style(Style::default());
    }
    frame.render_widget(&area_widget, inner);
}

fn popup(area: Rect, width: u16, height: u16) -> Rect {
    let w = width.min(area.width);
    let h = height.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

/// The compact summary of the change, before anything is sent.
fn confirm(frame: &mut Frame, area: Rect, form: &Form, theme: Theme) {
    let draft = form.draft().unwrap_or_else(|_| form.base.clone());
    // A create's baseline is what a create makes (no name; member, active).
    let base = form.base.clone();
    let mut lines: Vec<Line> = patch::summary(&base, &draft)
        .into_iter()
        .map(|l| Line::from(vec![Span::styled("• ", theme.key()), Span::raw(l)]))
        .collect();
    if lines.is_empty() {
        lines.push(Line::styled("(an empty user)", theme.dim()));
    }
    if let Some(tag) = form.etag() {
        lines.push(Line::raw(""));
        lines.push(Line::styled(
            format!("only if the user is still at version {tag}"),
            theme.dim(),
        ));
    }
    let title = if form.is_create() {
        " Create this user? "
    } else {
        " Save these changes? "
    };
    let width = area.width.saturating_sub(8).clamp(20, 76);
    // Lines wrap inside the borders: count the rows they take.
    let inner = usize::from(width.saturating_sub(2)).max(1);
    let rows: usize = lines.iter().map(|l| l.width().max(1).div_ceil(inner)).sum();
    let rect = popup(area, width, rows as u16 + 2);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::styled(title, theme.title()))
        .title_bottom(Line::styled(
            format!(" {} ", keymap::footer(Context::Confirm)),
            theme.dim(),
        ));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .wrap(Wrap { trim: false }),
        rect,
    );
}

fn discard(frame: &mut Frame, area: Rect, then: &AfterDiscard, theme: Theme) {
    let mut lines = vec![Line::raw("Your changes have not been saved.")];
    lines.push(Line::raw(match then {
        AfterDiscard::Close => "Discard them?".to_string(),
        AfterDiscard::Open(id) => format!("Discard them and open {id}?"),
        AfterDiscard::Quit => "Discard them and quit?".to_string(),
    }));
    let rect = popup(area, 46, lines.len() as u16 + 2);
    frame.render_widget(Clear, rect);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Line::styled(" Discard changes? ", theme.title()))
        .title_bottom(Line::styled(
            format!(" {} ", keymap::footer(Context::Discard)),
            theme.dim(),
        ));
    frame.render_widget(Paragraph::new(lines).block(block), rect);
}
