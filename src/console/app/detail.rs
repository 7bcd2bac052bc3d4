//! The detail pane's part of the state: one user, both views, scrolling, and
//! the pane's keys and answers. Drawn by `ui/detail.rs`.

use serde_json::Value;

use super::{About, CHROME_ROWS, Effect, Focus, Notice, State, form, writes_off};
use crate::api::client::ClientError;
use crate::console::keymap::Command;
use crate::console::view::merged;
use crate::console::view::{ListRow, UserViews};
use crate::console::words;

#[derive(Debug, Clone, PartialEq)]
pub struct DetailView {
    pub row: ListRow,
    pub record: Option<Value>,
    /// Lines of the pretty-printed record, to bound scrolling.
    pub lines: usize,
    pub scroll: usize,
    pub error: Option<String>,
    /// Both views as the server sent them, with the ETag: what an edit starts from.
    pub user: Option<Box<UserViews>>,
    /// `e` was pressed before the user had loaded: open the form when it has.
    pub edit_when_loaded: bool,
    /// Long lines wrap (the default) rather than end at the border; `w` toggles.
    pub wrap: bool,
    /// Columns of each line as drawn, to bound scrolling when lines wrap.
    widths: Vec<usize>,
}

impl DetailView {
    pub fn new(row: ListRow) -> DetailView {
        DetailView {
            row,
            record: None,
            lines: 0,
            scroll: 0,
            error: None,
            user: None,
            edit_when_loaded: false,
            wrap: true,
            widths: Vec::new(),
        }
    }

    /// Screen rows the record takes in a pane `inner` columns wide.
    pub fn rows(&self, inner: usize) -> usize {
        if !self.wrap {
            return self.lines;
        }
        let inner = inner.max(1);
        self.widths.iter().map(|w| w.div_ceil(inner).max(1)).sum()
    }

    /// Shows `d` (fetched or just saved).
    pub fn show(&mut self, d: Box<UserViews>) {
        use unicode_width::UnicodeWidthStr;
        let rec = merged::combine(&self.row, &d);
        let text = serde_json::to_string_pretty(&rec).unwrap_or_default();
        let text = crate::console::visible::json_escaped(&text);
        self.widths = text.lines().map(UnicodeWidthStr::width).collect();
        self.lines = self.widths.len();
        self.record = Some(rec);
        self.error = None;
        self.user = Some(d);
    }
}

impl State {
    /// Rows the detail pane shows at once.
    pub fn detail_viewport(&self) -> usize {
        usize::from(self.height.saturating_sub(CHROME_ROWS + 1)).max(1)
    }

    pub(crate) fn request_detail(&mut self) -> Vec<Effect> {
        let (Some(dialects), Some(d)) = (self.server.dialects, &self.detail) else {
            return vec![];
        };
        let user_id = d.row.id.clone();
        let id = self.next_id();
        self.pending_detail = Some(id);
        vec![Effect::Get {
            id,
            dialects,
            user_id,
        }]
    }

    /// Shows one user in the detail pane and asks for it.
    pub(crate) fn open_detail(&mut self, row: ListRow) -> Vec<Effect> {
        self.detail = Some(DetailView::new(row));
        self.focus = Focus::Detail;
        self.request_detail()
    }
}

pub(super) fn on_fetched(
    state: &mut State,
    id: u64,
    result: Result<Box<UserViews>, ClientError>,
) -> Vec<Effect> {
    if state.pending_detail != Some(id) {
        return vec![];
    }
    state.pending_detail = None;
    let hint = state.server.token_hint.clone();
    // The list may know what GET one does not (EAI's status is only on list items).
    let listed = state.detail.as_ref().and_then(|v| {
        let l = state.list.as_ref()?;
        l.rows.iter().find(|r| r.id == v.row.id).cloned()
    });
    let Some(view) = state.detail.as_mut() else {
        return vec![];
    };
    match result {
        Ok(d) => {
            fill_row(&mut view.row, &d, listed.as_ref());
            view.show(d);
            state.clear_error(&[About::Detail]);
            let Some(view) = state.detail.as_mut() else {
                return vec![];
            };
            if std::mem::take(&mut view.edit_when_loaded) && state.focus == Focus::Detail {
                form::open_form(state);
            }
            vec![]
        }
        Err(e) if e.is_transient() => {
            view.error = Some(words::explain(&e, &hint));
            state.fail(&e)
        }
        Err(e) => {
            let text = words::explain(&e, &hint);
            view.error = Some(text.clone());
            state.error = Some(Notice::new(text, About::Detail));
            vec![]
        }
    }
}

/// Fills what the row of a user opened by id alone (just created, or the
/// holder of a taken value) lacks, from its views and from the list.
fn fill_row(row: &mut ListRow, d: &UserViews, listed: Option<&ListRow>) {
    let e = d.eai.as_ref();
    let r = d.raven.as_ref();
    if row.name.is_none() {
        row.name = e
            .and_then(|e| e.name.clone())
            .or_else(|| r.and_then(|r| r.display_name.clone()));
    }
    if row.email.is_none() {
        row.email = e.and_then(|e| e.email.clone());
    }
    if row.role.is_none() {
        row.role = e.map(|e| e.role);
    }
    if row.external_ref.is_none() {
        row.external_ref = r.and_then(|r| r.external_ref.clone());
    }
    if row.status.is_none() {
        row.status = listed.and_then(|l| l.status).or(d.status);
    }
}

pub(super) fn command(state: &mut State, cmd: Command) -> Vec<Effect> {
    let viewport = state.detail_viewport();
    match cmd {
        Command::Back => {
            state.focus = super::history::back_from_detail(state);
            state.detail = None;
            state.pending_detail = None;
            return vec![];
        }
        Command::Refresh => return state.request_detail(),
        Command::Wrap => {
            if let Some(d) = state.detail.as_mut() {
                d.wrap = !d.wrap;
                d.scroll = 0;
            }
            return vec![];
        }
        Command::Edit if writes_off(state) => return vec![],
        Command::Edit => {
            match state.detail.as_mut() {
                Some(d) if d.user.is_some() => form::open_form(state),
                Some(d) => d.edit_when_loaded = true,
                None => {}
            }
            return vec![];
        }
        Command::Help => {
            state.help = true;
            return vec![];
        }
        Command::CopyId | Command::CopyJson => return super::copy::command(state, cmd),
        Command::History => {
            let Some(row) = state.detail.as_ref().map(|d| d.row.clone()) else {
                return vec![];
            };
            return super::history::open(state, row);
        }
        _ => {}
    }
    if let Some(d) = state.detail.as_mut() {
        let max = d
            .rows(usize::from(state.width.saturating_sub(2)))
            .saturating_sub(viewport);
        d.scroll = match cmd {
            Command::Up => d.scroll.saturating_sub(1),
            Command::Down => d.scroll + 1,
            Command::PrevPage => d.scroll.saturating_sub(viewport),
            Command::NextPage => d.scroll + viewport,
            Command::First => 0,
            Command::Last => max,
            _ => d.scroll,
        }
        .min(max);
    }
    vec![]
}
