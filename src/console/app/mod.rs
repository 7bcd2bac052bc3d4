//! The console's state and the one function that changes it. `update` is pure:
//! it never touches the terminal, the network or the clock; what must happen
//! outside comes back as [`Effect`]s, and everything from outside (keys, worker
//! answers, timers) comes in as an [`Action`].
//!
//! This module is the core: [`State`], [`Action`], [`Effect`], [`update`] and
//! the routing of a key to the pane that has the focus. Each pane keeps its own
//! state, keys and answers in a module of its own, named like its drawing in
//! `ui/`: [`list`], [`filter`], [`detail`], [`form`]. A new pane (a command
//! line, a bulk change, history) is one more module here, one more [`Focus`],
//! one more [`keymap::Context`] and one more `ui/` module.

mod action;
pub mod audit;
pub mod bulk;
pub mod cmdline;
mod copy;
pub mod delete;
pub mod detail;
pub mod export;
pub mod filter;
pub mod form;
pub mod history;
pub mod list;
pub mod marks;
pub mod mouse;
mod notice;
pub mod profile;
mod saved;
pub mod sort;

use std::time::Duration;

use ratatui::crossterm::event::KeyEvent;

use super::config::ApiChoice;
use super::edit::Form;
use super::edit::form::{AfterDiscard, Phase};
use super::keymap::{self, Command, Context};
use super::words;
use crate::api::MAX_LIMIT;
use crate::api::client::ClientError;
use crate::api::key::KeyInfo;
use crate::console::view::{ActingAs, Connection, Dialects, ListRow};

pub use action::{Action, Effect};
pub use cmdline::CmdLine;
pub use delete::{Confirm, Deletes};
pub use detail::DetailView;
pub use export::ExportState;
pub use filter::{FilterField, Filters};
pub use list::Loaded;
pub use marks::Marks;
pub use mouse::MouseState;
pub use notice::{About, Notice};
pub use profile::{ProfileState, Switched};
pub use sort::SortState;

/// How long typing in the external_ref field must pause before the filter
/// goes to the server (a search goes at once).
pub const DEBOUNCE: Duration = Duration::from_millis(250);
/// Screen rows that are not table rows: the filter bar, the table header, three status lines.
pub const CHROME_ROWS: u16 = 5;
const MAX_BACKOFF: Duration = Duration::from_secs(30);
/// The clock's beat while something is in flight or a retry counts down.
pub const TICK: Duration = Duration::from_millis(100);

/// Users on one page when the terminal is `height` rows tall: as many as fit.
pub fn page_size(height: u16) -> u32 {
    u32::from(height.saturating_sub(CHROME_ROWS)).clamp(1, MAX_LIMIT)
}

/// Waits after the `failures`-th failure in a row: 1 s, 2 s, 4 s ... up to 30 s.
pub fn backoff(failures: u32) -> Duration {
    let secs = 1u64 << failures.saturating_sub(1).min(5);
    Duration::from_secs(secs).min(MAX_BACKOFF)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Filter(FilterField),
    Detail,
    /// The edit or create form in `State::form`.
    Form,
    /// The `:` command line, over the list.
    CommandLine,
    /// The bulk menu, preview, run or result in `State::bulk`, over the list.
    Bulk,
    /// A user's history (`h`), or one of its events.
    History,
    /// The tenant's activity (`:audit`).
    Audit,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    pub url: String,
    /// Where the key came from, named in a 401's message.
    pub token_hint: String,
    pub api: ApiChoice,
    pub dialects: Option<Dialects>,
    pub acting_as: Option<ActingAs>,
    /// The key about itself, from servers with `GET /api/v1/key`.
    pub key: Option<KeyInfo>,
    /// `--read-only` or `read_only = true`: the console sends no write.
    pub read_only: bool,
    /// A write this key was refused, learnt from a 403 where the server cannot say up front.
    pub refused_writes: Option<String>,
}

#[derive(Debug, Clone)]
pub struct State {
    pub server: Server,
    pub filters: Filters,
    pub focus: Focus,
    pub help: bool,
    /// Which page of keys the help shows on a narrow terminal: 0 the list, 1 the other panes, 2 editing.
    pub help_page: usize,
    pub height: u16,
    /// Columns of the terminal (the detail pane wraps to it).
    pub width: u16,
    /// The page wanted; `list.offset` is the page shown.
    pub offset: u64,
    pub limit: u32,
    /// The page size the server was seen to cap at, once learnt.
    pub cap: Option<u32>,
    pub list: Option<Loaded>,
    pub cursor: usize,
    pub detail: Option<DetailView>,
    pub form: Option<Form>,
    pub cmdline: CmdLine,
    pub marks: Marks,
    /// The list's order and the column `s` sorts.
    pub sort: SortState,
    /// `:export` under way in the background.
    pub export: ExportState,
    /// `:profile`: the profiles, the one in use, kept drafts.
    pub profile: ProfileState,
    pub mouse: MouseState,
    /// `D`: the confirmation on screen, the delete in flight, what the server lacks.
    pub deletes: Deletes,
    pub bulk: Option<bulk::Bulk>,
    /// The audit trail: whether the server has one, a user's history, the tenant's feed.
    pub history: history::Trail,
    pub error: Option<Notice>,
    /// A passing note ("Saved."), shown where the hint goes until the next key.
    pub info: Option<String>,
    pub spinner: usize,
    pub quit: bool,
    pending_list: Option<u64>,
    pending_detail: Option<u64>,
    connecting: bool,
    debounce_pending: bool,
    next_id: u64,
    query_gen: u64,
    retry_gen: u64,
    failures: u32,
}

impl State {
    pub fn new(url: &str, token_hint: &str, api: ApiChoice, height: u16) -> State {
        State {
            server: Server {
                url: url.to_string(),
                token_hint: token_hint.to_string(),
                api,
                dialects: None,
                acting_as: None,
                key: None,
                read_only: false,
                refused_writes: None,
            },
            filters: Filters::default(),
            focus: Focus::List,
            help: false,
            help_page: 0,
            height,
            width: 80,
            offset: 0,
            limit: page_size(height),
            cap: None,
            list: None,
            cursor: 0,
            detail: None,
            form: None,
            cmdline: CmdLine::default(),
            marks: Marks::default(),
            sort: SortState::default(),
            export: ExportState::default(),
            profile: ProfileState::default(),
            mouse: MouseState::default(),
            deletes: Deletes::default(),
            bulk: None,
            history: history::Trail::default(),
            error: None,
            info: None,
            spinner: 0,
            quit: false,
            pending_list: None,
            pending_detail: None,
            connecting: false,
            debounce_pending: false,
            next_id: 0,
            query_gen: 0,
            retry_gen: 0,
            failures: 0,
        }
    }

    /// Why this console may not write, if it may not: then `e`, `c` and any
    /// other write are off, and say this instead of failing after Ctrl-s.
    pub fn write_block(&self) -> Option<String> {
        if self.server.read_only {
            return Some(
                "the console is read-only (--read-only or the profile's read_only)".into(),
            );
        }
        if self.server.key.as_ref().is_some_and(|k| !k.may_write()) {
            return Some("this key is read-only (users:read, no users:write)".into());
        }
        self.server
            .refused_writes
            .as_ref()
            .map(|why| format!("the server refused a write with this key ({why})"))
    }

    /// The user a bound key acts as, from `me` or from the key endpoint.
    pub fn bound_user(&self) -> Option<ListRow> {
        match &self.server.acting_as {
            Some(ActingAs::User(u)) => Some(ListRow {
                id: u.id.clone(),
                name: u.name.clone(),
                email: u.email.clone(),
                role: Some(u.role),
                last_login_at: u.last_login_at.clone(),
                ..ListRow::default()
            }),
            _ => self
                .server
                .key
                .as_ref()
                .and_then(|k| k.user_id.clone())
                .map(|id| ListRow {
                    id,
                    ..ListRow::default()
                }),
        }
    }

    /// The first effects: ask the server what it is.
    pub fn start(&mut self) -> Vec<Effect> {
        self.connect()
    }

    pub fn busy(&self) -> bool {
        self.connecting
            || self.pending_list.is_some()
            || self.pending_detail.is_some()
            || self.cmdline.pending_ref().is_some()
            || self.export.running.is_some()
            || self.deletes.pending().is_some()
            || self.bulk_busy()
            || self.history.busy()
            || self
                .form
                .as_ref()
                .is_some_and(|f| matches!(f.phase, Phase::Saving(_)))
    }

    /// The id of the list request whose answer is still wanted.
    pub fn pending_list(&self) -> Option<u64> {
        self.pending_list
    }

    pub fn pending_detail(&self) -> Option<u64> {
        self.pending_detail
    }

    /// A retry is counting down (the clock must beat for the countdown).
    pub fn counting(&self) -> bool {
        self.error.as_ref().is_some_and(|e| e.retry_in.is_some())
    }

    pub(crate) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    pub(super) fn connect(&mut self) -> Vec<Effect> {
        self.connecting = true;
        vec![Effect::Connect {
            api: self.server.api,
        }]
    }

    pub(crate) fn request_list(&mut self) -> Vec<Effect> {
        self.debounce_pending = false;
        let Some(dialects) = self.server.dialects else {
            // Not connected yet: the connection asks for the list when it succeeds.
            return vec![];
        };
        let id = self.next_id();
        self.pending_list = Some(id);
        vec![Effect::List {
            id,
            dialects,
            query: self.query(),
        }]
    }

    pub(super) fn fail(&mut self, err: &ClientError) -> Vec<Effect> {
        let text = words::explain(err, &self.server.token_hint);
        if err.is_transient() {
            self.failures += 1;
            self.retry_gen += 1;
            let delay = backoff(self.failures);
            self.error = Some(Notice {
                text,
                retry_in: Some(delay),
                about: About::Server,
            });
            vec![Effect::After {
                delay,
                action: Box::new(Action::Retry(self.retry_gen)),
            }]
        } else {
            self.error = Some(Notice::new(text, About::Server));
            vec![]
        }
    }

    pub(super) fn recovered(&mut self) {
        self.failures = 0;
        // A pending retry timer is now pointless.
        self.retry_gen += 1;
        self.clear_error(&[About::Server, About::Note]);
    }

    /// The list in flight answers a question nobody asks any more: ask again
    /// once typing (or a drag of the window's edge) pauses for [`DEBOUNCE`].
    pub(super) fn debounce(&mut self) -> Vec<Effect> {
        self.query_gen += 1;
        self.pending_list = None;
        self.debounce_pending = true;
        vec![Effect::After {
            delay: DEBOUNCE,
            action: Box::new(Action::Debounced(self.query_gen)),
        }]
    }

    /// Says why a key did nothing; it goes with the next key or good answer.
    pub(crate) fn note(&mut self, text: impl Into<String>) {
        self.error = Some(Notice::new(text.into(), About::Note));
    }

    /// Drops the error line if it is about one of `causes`.
    pub(crate) fn clear_error(&mut self, causes: &[About]) {
        if self
            .error
            .as_ref()
            .is_some_and(|e| causes.contains(&e.about))
        {
            self.error = None;
        }
    }
}

/// Applies one action; returns what must happen outside.
pub fn update(state: &mut State, action: Action) -> Vec<Effect> {
    match action {
        Action::Key(ev) => on_key(state, ev),
        Action::Resize { width, height } => {
            state.width = width;
            on_resize(state, height)
        }
        Action::Tick => {
            if state.busy() {
                state.spinner = state.spinner.wrapping_add(1);
            }
            if let Some(left) = state.error.as_mut().and_then(|e| e.retry_in.as_mut()) {
                *left = left.saturating_sub(TICK);
            }
            vec![]
        }
        Action::Debounced(g) if g == state.query_gen && state.debounce_pending => {
            state.request_list()
        }
        Action::Debounced(_) => vec![],
        Action::Retry(g) if g == state.retry_gen => {
            if state.server.dialects.is_none() {
                state.connect()
            } else {
                let mut fx = state.request_list();
                if state.focus == Focus::Detail
                    && state.detail.as_ref().is_some_and(|d| d.record.is_none())
                {
                    fx.extend(state.request_detail());
                }
                fx
            }
        }
        Action::Retry(_) => vec![],
        Action::Connected(result) => {
            state.connecting = false;
            match result {
                Ok(Connection {
                    dialects,
                    acting_as,
                    key,
                }) => {
                    state.server.dialects = Some(dialects);
                    state.server.acting_as = Some(acting_as);
                    state.server.key = key;
                    state.recovered();
                    history::probe_after_list(state);
                    state.request_list()
                }
                Err(e) => state.fail(&e),
            }
        }
        Action::Listed { id, result } => {
            let listed = result.is_ok();
            let mut fx = list::on_listed(state, id, result);
            if listed {
                fx.extend(history::probe(state));
            }
            fx
        }
        Action::Fetched { id, result } if history::wants_fetch(state, id) => {
            history::on_current(state, result)
        }
        Action::Fetched { id, result } => detail::on_fetched(state, id, result),
        Action::FoundRef { id, result } => cmdline::on_found(state, id, result),
        Action::Saved { id, result } => {
            let mut fx = saved::on_saved(state, id, result);
            fx.extend(history::after_form(state));
            fx
        }
        Action::Created { id, result } => saved::on_created(state, id, result),
        Action::Deleted {
            id,
            user_id,
            result,
        } => delete::on_deleted(state, id, user_id, result),
        Action::MarksRead(batch) => {
            marks::on_read(state, batch);
            vec![]
        }
        Action::MarkedAll { id, result } => marks::on_marked_all(state, id, result),
        Action::BulkProgress { run, items } => {
            bulk::on_progress(state, run, items);
            vec![]
        }
        Action::BulkFinished { run } => bulk::on_finished(state, run),
        Action::Edited { field, result } => {
            form::on_edited(state, field, result);
            vec![]
        }
        Action::Mouse { event, at } => mouse::on_mouse(state, event, at),
        Action::ExportProgress { id, progress } => {
            export::on_progress(state, id, progress);
            vec![]
        }
        Action::Exported { id, result } => {
            export::on_done(state, id, result);
            vec![]
        }
        Action::Switched(result) => profile::on_switched(state, result),
        Action::Quit => {
            state.quit = true;
            vec![]
        }
        Action::History(answer) => history::on_answer(state, *answer),
    }
}

fn on_resize(state: &mut State, height: u16) -> Vec<Effect> {
    state.height = height;
    let limit = page_size(height);
    if limit == state.limit {
        return vec![];
    }
    // Keep the user under the cursor on screen: land on the page that holds it.
    let absolute = state.offset + state.cursor as u64;
    state.limit = limit;
    state.offset = absolute / u64::from(limit) * u64::from(limit);
    state.cursor = (absolute - state.offset) as usize;
    // A drag fires many resizes: ask once it settles.
    state.debounce()
}

fn contexts(state: &State) -> Vec<Context> {
    if state.help {
        return vec![Context::Help];
    }
    if state.profile.asking.is_some() {
        return vec![Context::KeepDraft];
    }
    if state.deletes.confirm.is_some() {
        return vec![Context::Delete];
    }
    match state.focus {
        Focus::List if state.export.running.is_some() => vec![Context::Export, Context::List],
        Focus::List => vec![Context::List],
        Focus::Detail => vec![Context::Detail],
        Focus::Filter(f) if f.is_text() => vec![Context::Filter],
        Focus::Filter(_) => vec![Context::Choice, Context::Filter],
        Focus::Form => form::contexts(state.form.as_ref()),
        Focus::CommandLine => vec![Context::CommandLine],
        Focus::Bulk => bulk::contexts(state),
        Focus::History => history::contexts(state),
        Focus::Audit => audit::contexts(state),
    }
}

fn on_key(state: &mut State, ev: KeyEvent) -> Vec<Effect> {
    // A note lasts until the admin does something else.
    state.info = None;
    state.clear_error(&[About::Note]);
    if let Some(cmd) = keymap::lookup(&contexts(state), &ev) {
        return command(state, cmd);
    }
    if !state.help && state.focus == Focus::Form {
        form::type_key(state, ev);
        return vec![];
    }
    if !state.help && state.focus == Focus::CommandLine {
        cmdline::type_key(state, ev);
        return vec![];
    }
    if !state.help && state.focus == Focus::Bulk {
        bulk::type_key(state, ev);
        return vec![];
    }
    if !state.help && audit::typing(state) {
        audit::type_key(state, ev);
        return vec![];
    }
    // Unbound keys in a text field are typing.
    if let (false, Focus::Filter(field)) = (state.help, state.focus) {
        return filter::type_key(state, field, ev);
    }
    vec![]
}

fn command(state: &mut State, cmd: Command) -> Vec<Effect> {
    if cmd == Command::Quit {
        // Never an unsaved edit lost to one keystroke: a changed form asks
        // first, and a second Ctrl-C is the answer "discard".
        match state.form.as_mut() {
            Some(form)
                if form.is_dirty()
                    && form.phase
                        != (Phase::Discard {
                            then: AfterDiscard::Quit,
                        }) =>
            {
                form.phase = Phase::Discard {
                    then: AfterDiscard::Quit,
                };
            }
            _ => state.quit = true,
        }
        return vec![];
    }
    if state.help {
        match cmd {
            Command::Back => state.help = false,
            Command::NextField => {
                state.help_page = crate::console::ui::help::next_page(state.help_page, state.width)
            }
            _ => {}
        }
        return vec![];
    }
    if state.profile.asking.is_some() {
        return profile::answer(state, cmd);
    }
    if cmd == Command::CancelExport {
        return export::cancel(state);
    }
    if state.deletes.confirm.is_some() {
        return delete::command(state, cmd);
    }
    if cmd == Command::Delete && matches!(state.focus, Focus::List | Focus::Detail) {
        return delete::open(state);
    }
    match state.focus {
        Focus::List => list::command(state, cmd),
        Focus::Filter(field) => filter::command(state, field, cmd),
        Focus::Detail => detail::command(state, cmd),
        Focus::Form => {
            let mut fx = form::command(state, cmd);
            fx.extend(history::after_form(state));
            fx
        }
        Focus::CommandLine => cmdline::command(state, cmd),
        Focus::Bulk => bulk::command(state, cmd),
        Focus::History => history::command(state, cmd),
        Focus::Audit => audit::command(state, cmd),
    }
}

/// Says why a write cannot be made, when it cannot: before a form is opened, not after Ctrl-s.
pub(super) fn writes_off(state: &mut State) -> bool {
    let Some(why) = state.write_block() else {
        return false;
    };
    state.note(format!("Editing is off: {why}."));
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_size_fills_the_terminal() {
        assert_eq!(page_size(24), 19);
        assert_eq!(page_size(45), 40);
        assert_eq!(page_size(3), 1);
        assert_eq!(page_size(500), MAX_LIMIT);
    }

    #[test]
    fn backoff_doubles_up_to_thirty_seconds() {
        let secs: Vec<u64> = (1..=8).map(|n| backoff(n).as_secs()).collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 30, 30, 30]);
    }
}
