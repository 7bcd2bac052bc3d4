//! The console's state and the one function that changes it. `update` is pure:
//! it never touches the terminal, the network or the clock; what must happen
//! outside comes back as [`Effect`]s, and everything from outside (keys, worker
//! answers, timers) comes in as an [`Action`].

use std::time::Duration;

use ratatui::crossterm::event::{Event, KeyEvent};
use serde_json::Value;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::config::ApiChoice;
use super::edit::form::{AfterDiscard, FormField, Phase};
use super::edit::patch::Patches;
use super::edit::save::{Created, SaveFailed, Saved};
use super::edit::{self, Form};
use super::keymap::{self, Command, Context};
use super::{record, words};
use crate::api::client::{
    ClientError, Connection, Dialects, ListQuery, Page, Principal, UserDetail, UserRow,
};
use crate::api::key::KeyInfo;
use crate::api::{MAX_LIMIT, raven};
use crate::model::{Role, Status};

/// How long typing must pause before a filter goes to the server (except a
/// search of `INDEXED_SEARCH_CHARS` or more, which goes at once).
pub const DEBOUNCE: Duration = Duration::from_millis(250);
/// A search this long is answered from the server's trigram index in a few
/// milliseconds; a shorter one may make the server scan the tenant.
pub const INDEXED_SEARCH_CHARS: usize = 3;
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

#[derive(Debug, Clone, PartialEq)]
pub enum Action {
    Key(KeyEvent),
    Resize {
        width: u16,
        height: u16,
    },
    /// The spinner's clock, sent only while something is in flight.
    Tick,
    /// The debounce timer of query generation N ran out.
    Debounced(u64),
    /// The retry timer of retry generation N ran out.
    Retry(u64),
    Connected(Result<Connection, ClientError>),
    Listed {
        id: u64,
        result: Result<Page, ClientError>,
    },
    Fetched {
        id: u64,
        result: Result<Box<UserDetail>, ClientError>,
    },
    /// The answer to [`Effect::Save`].
    Saved {
        id: u64,
        result: Result<Box<Saved>, Box<SaveFailed>>,
    },
    /// The answer to [`Effect::Create`].
    Created {
        id: u64,
        result: Result<Box<Created>, ClientError>,
    },
    /// `$EDITOR` came back with the new text of a JSON field, or did not run.
    Edited {
        field: FormField,
        result: Result<String, String>,
    },
    /// A signal or a closed input: leave now.
    Quit,
}

/// What `update` asks the outside world to do.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    Connect {
        api: ApiChoice,
    },
    List {
        id: u64,
        dialects: Dialects,
        query: ListQuery,
    },
    Get {
        id: u64,
        dialects: Dialects,
        user_id: String,
    },
    /// PATCH the user: Raven, then EAI, each with If-Match (see `edit::save`).
    Save {
        id: u64,
        dialects: Dialects,
        user_id: String,
        patches: Box<Patches>,
        if_match: Option<String>,
    },
    /// POST in Raven; then `rest` (email, role, status) as an EAI PATCH.
    Create {
        id: u64,
        user: raven::CreateUser,
        rest: Option<Box<crate::api::eai::PatchUser>>,
    },
    /// Hand `text` to `$VISUAL`/`$EDITOR` with the terminal restored; the loop
    /// carries it out itself, paused, and answers [`Action::Edited`].
    Editor {
        field: FormField,
        text: String,
    },
    /// Send `action` back after `delay` (debounce and retry timers).
    After {
        delay: Duration,
        action: Box<Action>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    ExternalRef,
    Role,
    Status,
    Search,
}

impl Field {
    pub const ALL: [Field; 4] = [
        Field::ExternalRef,
        Field::Role,
        Field::Status,
        Field::Search,
    ];

    pub fn is_text(self) -> bool {
        matches!(self, Field::ExternalRef | Field::Search)
    }

    pub fn label(self) -> &'static str {
        match self {
            Field::ExternalRef => "ref",
            Field::Role => "role",
            Field::Status => "status",
            Field::Search => "search",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Focus {
    List,
    Filter(Field),
    Detail,
    /// The edit or create form in `State::form`.
    Form,
}

#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub external_ref: Input,
    pub role: Option<Role>,
    pub status: Option<Status>,
    pub search: Input,
}

/// The page on screen: the last answer that was wanted. It stays while a newer
/// request is out or the server is down.
///
/// Paging follows what the server returned, never what was asked: a server may
/// cap its pages (Raven says so in `limit`; EAI may just send fewer rows), so
/// the next page starts after the last row received, and `limit` is the page
/// size the server is known to use.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub rows: Vec<UserRow>,
    /// `None` when the server did not say how many there are.
    pub total: Option<u64>,
    pub offset: u64,
    /// The page size in effect: the one asked for, or the server's cap when smaller.
    pub limit: u32,
    /// The filters these rows answer (offset and limit zeroed), to tell when
    /// they no longer match what is typed.
    pub filters: ListQuery,
}

impl Loaded {
    fn size(&self) -> u64 {
        u64::from(self.limit.max(1))
    }

    pub fn page(&self) -> u64 {
        self.offset.div_ceil(self.size()) + 1
    }

    /// How many pages there are, counting from where this one starts; `None`
    /// while the total is unknown.
    pub fn pages(&self) -> Option<u64> {
        let total = self.total?;
        let rest = total.saturating_sub(self.offset).div_ceil(self.size());
        Some((self.page() - 1 + rest).max(self.page()))
    }

    /// Whether a next page may hold users. Without a total the only way to
    /// know is to ask: a page with rows may be followed by more.
    pub fn has_next(&self) -> bool {
        let end = self.offset + self.rows.len() as u64;
        match self.total {
            Some(t) => end < t,
            None => !self.rows.is_empty(),
        }
    }

    /// Where the next page starts: right after the last row received.
    pub fn next_offset(&self) -> u64 {
        self.offset + self.rows.len() as u64
    }

    pub fn prev_offset(&self) -> u64 {
        self.offset.saturating_sub(self.size())
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct DetailView {
    pub row: UserRow,
    pub record: Option<Value>,
    /// Lines of the pretty-printed record, to bound scrolling.
    pub lines: usize,
    pub scroll: usize,
    pub error: Option<String>,
    /// Both views as the server sent them, with the ETag: what an edit starts from.
    pub user: Option<Box<UserDetail>>,
    /// `e` was pressed before the user had loaded: open the form when it has.
    pub edit_when_loaded: bool,
    /// Long lines wrap (the default) rather than end at the border; `w` toggles.
    pub wrap: bool,
    /// Columns of each line as drawn, to bound scrolling when lines wrap.
    widths: Vec<usize>,
}

impl DetailView {
    pub fn new(row: UserRow) -> DetailView {
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
    pub fn show(&mut self, d: Box<UserDetail>) {
        use unicode_width::UnicodeWidthStr;
        let rec = record::combine(&self.row, &d);
        let text = serde_json::to_string_pretty(&rec).unwrap_or_default();
        let text = super::visible::json_escaped(&text);
        self.widths = text.lines().map(UnicodeWidthStr::width).collect();
        self.lines = self.widths.len();
        self.record = Some(rec);
        self.error = None;
        self.user = Some(d);
    }
}

/// The last error, in words. `retry_in` is set while a transient failure is
/// being retried: the screen shows it as a banner over the last data.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    pub text: String,
    pub retry_in: Option<Duration>,
    /// What it is about, so it goes when its cause does, and not before.
    pub about: About,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum About {
    /// Reaching the server or listing: gone with the next good answer.
    #[default]
    Server,
    /// Loading the user in the detail pane: gone when it loads.
    Detail,
    /// The form: its draft, or a save of it. Gone when the form closes.
    Form,
    /// A JSON field that does not parse: gone when it does.
    Draft,
    /// Why a key did nothing: gone with the next good answer, like `Server`.
    Note,
}

impl Notice {
    pub fn new(text: String, about: About) -> Notice {
        Notice {
            text,
            retry_in: None,
            about,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Server {
    pub url: String,
    /// Where the key came from, named in a 401's message.
    pub token_hint: String,
    pub api: ApiChoice,
    pub dialects: Option<Dialects>,
    pub principal: Option<Principal>,
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
    /// Which page of keys the help shows on a narrow terminal: 0 browsing, 1 editing.
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
                principal: None,
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
    pub fn bound_user(&self) -> Option<UserRow> {
        match &self.server.principal {
            Some(Principal::User(u)) => Some(UserRow {
                id: u.id.clone(),
                name: u.name.clone(),
                email: u.email.clone(),
                role: Some(u.role),
                last_login_at: u.last_login_at.clone(),
                ..UserRow::default()
            }),
            _ => self
                .server
                .key
                .as_ref()
                .and_then(|k| k.user_id.clone())
                .map(|id| UserRow {
                    id,
                    ..UserRow::default()
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

    pub fn selected(&self) -> Option<&UserRow> {
        self.list.as_ref().and_then(|l| l.rows.get(self.cursor))
    }

    /// Why a filter field cannot be used against this server, if it cannot.
    pub fn unavailable(&self, field: Field) -> Option<&'static str> {
        let d = self.server.dialects?;
        match field {
            Field::ExternalRef if !d.raven => Some("not in the EAI v3 API"),
            Field::Role | Field::Status | Field::Search if !d.eai => {
                Some("not in the Raven v1 API")
            }
            _ => None,
        }
    }

    /// The greyed fields grouped by reason: "role, status, search: not in the Raven v1 API".
    pub fn greyed(&self) -> Vec<String> {
        let mut out: Vec<(Vec<&str>, &str)> = Vec::new();
        for f in Field::ALL {
            if let Some(why) = self.unavailable(f) {
                match out.iter_mut().find(|(_, w)| *w == why) {
                    Some((fields, _)) => fields.push(f.label()),
                    None => out.push((vec![f.label()], why)),
                }
            }
        }
        out.into_iter()
            .map(|(fields, why)| format!("{}: {why}", fields.join(", ")))
            .collect()
    }

    /// The request the filters and page describe now.
    pub fn query(&self) -> ListQuery {
        let text = |f: Field, input: &Input| {
            let v = input.value().trim();
            (self.unavailable(f).is_none() && !v.is_empty()).then(|| v.to_string())
        };
        ListQuery {
            offset: self.offset,
            limit: self.limit,
            external_ref: text(Field::ExternalRef, &self.filters.external_ref),
            role: self
                .filters
                .role
                .filter(|_| self.unavailable(Field::Role).is_none()),
            status: self
                .filters
                .status
                .filter(|_| self.unavailable(Field::Status).is_none()),
            search: text(Field::Search, &self.filters.search),
        }
    }

    /// The filters of [`State::query`] alone, without the page.
    pub fn filters_now(&self) -> ListQuery {
        ListQuery {
            offset: 0,
            limit: 0,
            ..self.query()
        }
    }

    /// The rows on screen answer filters that have since changed: they are
    /// shown dimmed, and not opened, until the answer to what is typed arrives.
    pub fn stale(&self) -> bool {
        self.list
            .as_ref()
            .is_some_and(|l| l.filters != self.filters_now())
    }

    /// A retry is counting down (the clock must beat for the countdown).
    pub fn counting(&self) -> bool {
        self.error.as_ref().is_some_and(|e| e.retry_in.is_some())
    }

    pub fn has_filters(&self) -> bool {
        let q = self.query();
        q.external_ref.is_some() || q.role.is_some() || q.status.is_some() || q.search.is_some()
    }

    /// Rows the detail pane shows at once.
    pub fn detail_viewport(&self) -> usize {
        usize::from(self.height.saturating_sub(CHROME_ROWS + 1)).max(1)
    }

    pub(crate) fn next_id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn connect(&mut self) -> Vec<Effect> {
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

    /// A filter changed: the page in flight answers a question nobody asks any more.
    fn filters_changed(&mut self, debounce: bool) -> Vec<Effect> {
        self.query_gen += 1;
        self.pending_list = None;
        self.offset = 0;
        self.cursor = 0;
        if debounce {
            self.debounce_pending = true;
            vec![Effect::After {
                delay: DEBOUNCE,
                action: Box::new(Action::Debounced(self.query_gen)),
            }]
        } else {
            self.request_list()
        }
    }

    fn fail(&mut self, err: &ClientError) -> Vec<Effect> {
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

    /// Shows one user in the detail pane and asks for it.
    pub(crate) fn open_detail(&mut self, row: UserRow) -> Vec<Effect> {
        self.detail = Some(DetailView::new(row));
        self.focus = Focus::Detail;
        self.request_detail()
    }

    fn recovered(&mut self) {
        self.failures = 0;
        // A pending retry timer is now pointless.
        self.retry_gen += 1;
        self.clear_error(&[About::Server, About::Note]);
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
                    principal,
                    key,
                }) => {
                    state.server.dialects = Some(dialects);
                    state.server.principal = Some(principal);
                    state.server.key = key;
                    state.recovered();
                    state.request_list()
                }
                Err(e) => state.fail(&e),
            }
        }
        Action::Listed { id, result } => on_listed(state, id, result),
        Action::Fetched { id, result } => on_fetched(state, id, result),
        Action::Saved { id, result } => edit::on_saved(state, id, result),
        Action::Created { id, result } => edit::on_created(state, id, result),
        Action::Edited { field, result } => {
            edit::on_edited(state, field, result);
            vec![]
        }
        Action::Quit => {
            state.quit = true;
            vec![]
        }
    }
}

fn on_listed(state: &mut State, id: u64, result: Result<Page, ClientError>) -> Vec<Effect> {
    if state.pending_list != Some(id) {
        // An answer to a query that has since changed.
        return vec![];
    }
    state.pending_list = None;
    match result {
        Ok(page) => {
            state.recovered();
            let asked = state.limit.max(1);
            let got = page.rows.len() as u64;
            // The cap the server admits to, or the one it shows by sending fewer
            // rows than asked while more remain.
            let short_with_more = page
                .total
                .is_some_and(|t| got > 0 && got < u64::from(asked) && state.offset + got < t);
            // Without a total, a short page shows itself as a cap when users follow it.
            let short_before = state.list.as_ref().and_then(|l| {
                let n = l.rows.len();
                (got > 0 && n > 0 && n < asked as usize && state.offset == l.next_offset())
                    .then(|| u32::try_from(n).unwrap_or(asked))
            });
            if let Some(cap) = page
                .limit
                .filter(|l| *l > 0 && *l < asked)
                .or_else(|| short_with_more.then(|| u32::try_from(got).unwrap_or(asked)))
                .or(short_before)
            {
                state.cap = Some(state.cap.map_or(cap, |c| c.max(cap)));
            }
            let size = state.cap.map_or(asked, |c| c.min(asked));
            if page.rows.is_empty() && state.offset > 0 {
                match page.total {
                    Some(t) if t > 0 => {
                        // Users were removed under us: go to the last page that has any.
                        let size = u64::from(size);
                        state.offset = (t - 1) / size * size;
                        return state.request_list();
                    }
                    Some(_) => {}
                    None => {
                        // Without a total, an empty page is how the end shows itself:
                        // stay on the last page that had users.
                        if let Some(l) = &state.list {
                            state.offset = l.offset;
                            state.info = Some("That was the last page.".into());
                            return vec![];
                        }
                    }
                }
            }
            state.cursor = state.cursor.min(page.rows.len().saturating_sub(1));
            // Nothing from the start is a total the server need not state.
            let total = page
                .total
                .or_else(|| (page.rows.is_empty() && state.offset == 0).then_some(0));
            state.list = Some(Loaded {
                rows: page.rows,
                total,
                offset: state.offset,
                limit: size,
                filters: state.filters_now(),
            });
            status_from_list(state);
            vec![]
        }
        Err(e @ ClientError::Forbidden { .. }) => match state.bound_user() {
            Some(me) => own_user(state, me),
            None => state.fail(&e),
        },
        Err(e) => state.fail(&e),
    }
}

/// A user opened by id (just created) learns its status when the list that
/// holds it arrives after its detail did.
fn status_from_list(state: &mut State) {
    let (Some(view), Some(list)) = (state.detail.as_mut(), state.list.as_ref()) else {
        return;
    };
    if view.row.status.is_some() {
        return;
    }
    let Some(status) = list
        .rows
        .iter()
        .find(|r| r.id == view.row.id)
        .and_then(|r| r.status)
    else {
        return;
    };
    view.row.status = Some(status);
    if let Some(user) = view.user.take() {
        view.show(user);
    }
}

/// Fills what the row of a user opened by id alone (just created, or the
/// holder of a taken value) lacks, from its views and from the list.
fn fill_row(row: &mut UserRow, d: &UserDetail, listed: Option<&UserRow>) {
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

/// A key bound to a user may not list the tenant: instead of a dead end, the
/// list is that one user, opened, with what the key may edit.
fn own_user(state: &mut State, me: UserRow) -> Vec<Effect> {
    state.offset = 0;
    state.cursor = 0;
    state.list = Some(Loaded {
        rows: vec![me.clone()],
        total: Some(1),
        offset: 0,
        limit: state.limit,
        filters: state.filters_now(),
    });
    state.info = Some("This key may see only its own user: here it is.".into());
    if state.focus == Focus::List && state.detail.is_none() {
        return state.open_detail(me);
    }
    vec![]
}

fn on_fetched(
    state: &mut State,
    id: u64,
    result: Result<Box<UserDetail>, ClientError>,
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
                edit::open_form(state);
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
    state.query_gen += 1;
    state.pending_list = None;
    state.debounce_pending = true;
    vec![Effect::After {
        delay: DEBOUNCE,
        action: Box::new(Action::Debounced(state.query_gen)),
    }]
}

fn contexts(state: &State) -> Vec<Context> {
    if state.help {
        return vec![Context::Help];
    }
    match state.focus {
        Focus::List => vec![Context::List],
        Focus::Detail => vec![Context::Detail],
        Focus::Filter(f) if f.is_text() => vec![Context::Filter],
        Focus::Filter(_) => vec![Context::Choice, Context::Filter],
        Focus::Form => edit::contexts(state.form.as_ref()),
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
        edit::type_key(state, ev);
        return vec![];
    }
    // Unbound keys in a text field are typing.
    if let (false, Focus::Filter(field)) = (state.help, state.focus) {
        let input = match field {
            Field::ExternalRef => &mut state.filters.external_ref,
            Field::Search => &mut state.filters.search,
            _ => return vec![],
        };
        let before = input.value().to_string();
        input.handle_event(&Event::Key(ev));
        if input.value() != before {
            // A search the server answers from its trigram index goes out at
            // once, so the list follows each keystroke; the answers to
            // superseded keystrokes are dropped. Anything else waits for a pause.
            let indexed = field == Field::Search
                && input.value().trim().chars().count() >= INDEXED_SEARCH_CHARS;
            return state.filters_changed(!indexed);
        }
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
            Command::NextField => state.help_page = (state.help_page + 1) % 2,
            _ => {}
        }
        return vec![];
    }
    match state.focus {
        Focus::List => list_command(state, cmd),
        Focus::Filter(field) => filter_command(state, field, cmd),
        Focus::Detail => detail_command(state, cmd),
        Focus::Form => edit::command(state, cmd),
    }
}

fn list_command(state: &mut State, cmd: Command) -> Vec<Effect> {
    let rows = state.list.as_ref().map_or(0, |l| l.rows.len());
    let (next, prev) = page_targets(state);
    let target = match cmd {
        Command::NextPage => next,
        Command::PrevPage => prev,
        _ => None,
    };
    if target.is_some() && state.counting() {
        // Offline: a page asked for now would arrive later, by surprise.
        return vec![];
    }
    if let Some(offset) = target {
        state.offset = offset;
        state.cursor = 0;
        return state.request_list();
    }
    if matches!(cmd, Command::Open | Command::Edit) && state.stale() {
        state.error = Some(Notice::new(
            "The list is still being updated for what is typed: wait for it.".into(),
            About::Note,
        ));
        return vec![];
    }
    if matches!(cmd, Command::Edit | Command::Create) && writes_off(state) {
        return vec![];
    }
    match cmd {
        Command::Up => state.cursor = state.cursor.saturating_sub(1),
        Command::Down => state.cursor = (state.cursor + 1).min(rows.saturating_sub(1)),
        Command::First => state.cursor = 0,
        Command::Last => state.cursor = rows.saturating_sub(1),
        Command::Open if rows > 0 => {
            let Some(row) = state.selected().cloned() else {
                return vec![];
            };
            return state.open_detail(row);
        }
        Command::Edit if rows > 0 => {
            let Some(row) = state.selected().cloned() else {
                return vec![];
            };
            let fx = state.open_detail(row);
            if let Some(d) = state.detail.as_mut() {
                d.edit_when_loaded = true;
            }
            return fx;
        }
        Command::Create => edit::open_create(state),
        Command::ClearAll => return clear_all(state),
        Command::Search => focus_field(state, Some(Field::Search)),
        Command::FilterBar => focus_field(state, None),
        Command::Refresh => {
            if state.server.dialects.is_none() {
                return state.connect();
            }
            return state.request_list();
        }
        Command::Help => state.help = true,
        Command::Back if state.error.as_ref().is_some_and(|e| e.retry_in.is_none()) => {
            state.error = None;
        }
        _ => {}
    }
    vec![]
}

/// Where `n` and `p` go. From the page on screen, after the rows it holds; while
/// a page asked for is still out, one page size on from that, but only when
/// the server's page size is known (its pages came back full), so no key press
/// can step over a user.
fn page_targets(state: &State) -> (Option<u64>, Option<u64>) {
    let Some(l) = state.list.as_ref() else {
        return (None, None);
    };
    if state.pending_list.is_none() || state.offset == l.offset {
        let next = l.has_next().then(|| l.next_offset());
        let prev = (l.offset > 0).then(|| l.prev_offset());
        return (next, prev);
    }
    let size = u64::from(l.limit.max(1));
    let rhythm = l.rows.len() as u64 == size;
    let next = state.offset + size;
    let next = match l.total {
        Some(t) => (next < t).then_some(next),
        None => rhythm.then_some(next),
    };
    let prev = (state.offset > 0).then(|| state.offset.saturating_sub(size));
    (next.filter(|_| rhythm || l.total.is_some()), prev)
}

/// Says why a write cannot be made, when it cannot: before a form is opened, not after Ctrl-s.
fn writes_off(state: &mut State) -> bool {
    let Some(why) = state.write_block() else {
        return false;
    };
    state.error = Some(Notice::new(format!("Editing is off: {why}."), About::Note));
    true
}

/// Focuses `wanted`, or the first usable field. A greyed field says why instead.
fn focus_field(state: &mut State, wanted: Option<Field>) {
    let target = match wanted {
        Some(f) => Some(f),
        None => Field::ALL
            .into_iter()
            .find(|f| state.unavailable(*f).is_none()),
    };
    if let Some(f) = target {
        match state.unavailable(f) {
            Some(why) => {
                state.error = Some(Notice::new(
                    format!("{} is greyed out: {why}.", f.label()),
                    About::Note,
                ));
            }
            None => state.focus = Focus::Filter(f),
        }
    }
}

fn filter_command(state: &mut State, field: Field, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::NextField | Command::PrevField => {
            let usable: Vec<Field> = Field::ALL
                .into_iter()
                .filter(|f| state.unavailable(*f).is_none())
                .collect();
            let at = usable.iter().position(|f| *f == field).unwrap_or(0);
            let n = usable.len().max(1);
            let next = if cmd == Command::NextField {
                (at + 1) % n
            } else {
                (at + n - 1) % n
            };
            if let Some(f) = usable.get(next) {
                state.focus = Focus::Filter(*f);
            }
            vec![]
        }
        Command::NextChoice | Command::PrevChoice => {
            let forward = cmd == Command::NextChoice;
            match field {
                Field::Role => state.filters.role = cycle(&Role::ALL, state.filters.role, forward),
                Field::Status => {
                    state.filters.status = cycle(&Status::ALL, state.filters.status, forward)
                }
                _ => return vec![],
            }
            // A pick is one deliberate step, nothing to wait for.
            state.filters_changed(false)
        }
        Command::Apply => {
            state.focus = Focus::List;
            if state.debounce_pending {
                // Enter means "now": do not wait for the timer.
                state.query_gen += 1;
                return state.request_list();
            }
            vec![]
        }
        Command::ClearAll => clear_all(state),
        Command::Clear => {
            state.focus = Focus::List;
            let changed = match field {
                Field::ExternalRef => take_input(&mut state.filters.external_ref),
                Field::Search => take_input(&mut state.filters.search),
                Field::Role => state.filters.role.take().is_some(),
                Field::Status => state.filters.status.take().is_some(),
            };
            if changed || state.debounce_pending {
                return state.filters_changed(false);
            }
            vec![]
        }
        _ => vec![],
    }
}

/// `x` (or Ctrl-x in the bar): every filter back to "any", one request.
fn clear_all(state: &mut State) -> Vec<Effect> {
    state.focus = Focus::List;
    let f = &mut state.filters;
    let changed = [
        take_input(&mut f.external_ref),
        take_input(&mut f.search),
        f.role.take().is_some(),
        f.status.take().is_some(),
    ]
    .contains(&true);
    if changed || state.debounce_pending {
        return state.filters_changed(false);
    }
    vec![]
}

fn take_input(input: &mut Input) -> bool {
    let had = !input.value().is_empty();
    input.reset();
    had
}

/// any → first → ... → last → any, or backwards.
fn cycle<T: Copy + PartialEq>(all: &[T], now: Option<T>, forward: bool) -> Option<T> {
    let mut ring: Vec<Option<T>> = vec![None];
    ring.extend(all.iter().copied().map(Some));
    let at = ring.iter().position(|v| *v == now).unwrap_or(0);
    let n = ring.len();
    ring[if forward {
        (at + 1) % n
    } else {
        (at + n - 1) % n
    }]
}

fn detail_command(state: &mut State, cmd: Command) -> Vec<Effect> {
    let viewport = state.detail_viewport();
    match cmd {
        Command::Back => {
            state.focus = Focus::List;
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
                Some(d) if d.user.is_some() => edit::open_form(state),
                Some(d) => d.edit_when_loaded = true,
                None => {}
            }
            return vec![];
        }
        Command::Help => {
            state.help = true;
            return vec![];
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

    #[test]
    fn cycle_goes_through_any() {
        assert_eq!(cycle(&Role::ALL, None, true), Some(Role::Admin));
        assert_eq!(cycle(&Role::ALL, Some(Role::Viewer), true), None);
        assert_eq!(cycle(&Role::ALL, None, false), Some(Role::Viewer));
    }
}
