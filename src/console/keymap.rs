//! The keymap. One table decides what a key does and writes every key on
//! screen: the help overlay, the footers and the hints on the message line ask
//! it ([`hint`], [`hints`], [`footer`], [`keys`]) and never spell a key
//! themselves, so no hint can drift from behaviour (`tests/console_keymap.rs`
//! guards that).
//!
//! Over 500 lines because of [`BINDINGS`], one line a binding: the table is
//! the point of the module, and splitting it would hide bindings from each other.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// Where a binding applies. The filter bar's text fields swallow every key the
/// bar itself does not bind, so `q` and `/` can be typed into a search.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Anywhere,
    List,
    Filter,
    /// Only on the role and status fields, which pick from fixed values.
    Choice,
    Detail,
    /// The edit or create form, while it is being edited.
    Form,
    /// A JSON field of the form, which takes what it is typed.
    Json,
    /// The summary of a change, before it is sent.
    Confirm,
    /// Mine against theirs after a 412.
    Conflict,
    /// "Discard your changes?"
    Discard,
    Help,
    /// The `:` command line.
    CommandLine,
    /// `:profile` with an unsaved edit: what to do with it.
    KeepDraft,
    /// The list while `:export` runs.
    Export,
    /// "Delete Jane Doe …? This cannot be undone."
    Delete,
    /// The bulk menu: what to change in the marked users.
    Bulk,
    /// The value of a bulk change, typed.
    BulkValue,
    /// A bulk change's preview, or "mark them all?": go ahead or not.
    BulkConfirm,
    /// A bulk change running.
    BulkRun,
    /// Each user's outcome of a bulk change.
    BulkResult,
    /// A user's history: one line per event.
    History,
    /// One event's before and after.
    Event,
    /// The tenant's activity (`:audit`).
    Audit,
    /// The activity's filter line.
    AuditFilter,
}

impl Context {
    pub fn title(self) -> String {
        let title = match self {
            Context::Anywhere => "Anywhere",
            Context::List => "User list",
            Context::Filter => "Filter bar",
            Context::Choice => "Role / status field",
            Context::Detail => "Detail",
            Context::Form => "Edit / create form",
            Context::Json => "JSON field",
            Context::Confirm => "Before sending",
            Context::Conflict => "Conflict (412)",
            Context::Discard => {
                return format!(
                    "{} or {} on a changed form",
                    keys(Context::Form, Command::Back),
                    keys(Context::Anywhere, Command::Quit)
                );
            }
            Context::Help => "Help",
            Context::CommandLine => "Command line (:)",
            Context::KeepDraft => ":profile, edit not saved",
            Context::Export => "While exporting",
            Context::Delete => "Delete a user",
            Context::Bulk => "Bulk menu",
            Context::BulkValue => "Bulk change: the value",
            Context::BulkConfirm => "Bulk preview",
            Context::BulkRun => "Bulk change running",
            Context::BulkResult => "Bulk result",
            Context::History => "History",
            Context::Event => "One event",
            Context::Audit => "Tenant activity (:audit)",
            Context::AuditFilter => "Activity filter line",
        };
        title.to_string()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Quit,
    Help,
    Up,
    Down,
    First,
    Last,
    NextPage,
    PrevPage,
    Open,
    Back,
    Refresh,
    FilterBar,
    Search,
    NextField,
    PrevField,
    NextChoice,
    PrevChoice,
    Apply,
    Clear,
    /// Every filter back to "any" at once.
    ClearAll,
    /// Long lines in the detail: wrapped or cut.
    Wrap,
    Edit,
    Create,
    Save,
    ExternalEditor,
    OpenHolder,
    Reapply,
    Overwrite,
    Discard,
    /// Enter in a JSON field: typed into it, described here for the hints.
    NewLine,
    /// Opens the `:` command line.
    CommandLine,
    /// Marks or unmarks the user under the cursor.
    Mark,
    /// Marks every user on the page.
    MarkPage,
    /// Marks from the last user marked to the cursor.
    MarkRange,
    ClearMarks,
    /// Marks every user matching the filters, on every page.
    MarkAll,
    /// Opens the bulk menu for the marked users.
    Bulk,
    /// The id of the user under the cursor, through OSC 52.
    CopyId,
    /// The user under the cursor as JSON, through OSC 52.
    CopyJson,
    /// The user's history (the audit trail).
    History,
    /// Puts back what an event changed: the edit form with its `from` values.
    Revert,
    /// Cycles the focused column's sort: ascending, descending, newest first.
    Sort,
    /// Moves the column `s` sorts right / left.
    NextColumn,
    PrevColumn,
    /// Keeps an unsaved edit for when the admin comes back to its profile.
    Keep,
    /// Stops the export under way.
    CancelExport,
    /// Deletes the user under the cursor or in the detail, after a confirmation.
    Delete,
}

impl Command {
    /// Keys the focused text input takes itself; the keymap only describes them.
    fn is_typing(self) -> bool {
        matches!(self, Command::NewLine)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Key {
    Char(char),
    Ctrl(char),
    Code(KeyCode),
}

impl Key {
    fn matches(self, ev: &KeyEvent) -> bool {
        let ctrl = ev.modifiers.contains(KeyModifiers::CONTROL);
        match self {
            Key::Char(c) => ev.code == KeyCode::Char(c) && !ctrl,
            Key::Ctrl(c) => ctrl && ev.code == KeyCode::Char(c),
            Key::Code(code) => ev.code == code && !ctrl,
        }
    }
}

pub struct Binding {
    pub context: Context,
    pub keys: &'static [Key],
    pub command: Command,
    /// What the keys do, in the one wording the help overlay, the footers and
    /// the message line all use.
    pub help: &'static str,
}

impl Binding {
    /// The keys as the screen writes them, every bound key included.
    pub fn label(&self) -> String {
        label_of(self.keys)
    }
}

use Command as C;
use Context as X;
use KeyCode as K;

const fn b(
    context: Context,
    keys: &'static [Key],
    command: Command,
    help: &'static str,
) -> Binding {
    Binding {
        context,
        keys,
        command,
        help,
    }
}

/// Every binding, in the order the help overlay shows them.
pub const BINDINGS: &[Binding] = &[
    b(X::Anywhere, &[Key::Ctrl('c')], C::Quit, "quit"),
    b(
        X::List,
        &[Key::Code(K::Up), Key::Char('k')],
        C::Up,
        "previous user",
    ),
    b(
        X::List,
        &[Key::Code(K::Down), Key::Char('j')],
        C::Down,
        "next user",
    ),
    b(
        X::List,
        &[Key::Code(K::Home), Key::Char('g')],
        C::First,
        "first on the page",
    ),
    b(
        X::List,
        &[Key::Code(K::End), Key::Char('G')],
        C::Last,
        "last on the page",
    ),
    b(
        X::List,
        &[Key::Char('n'), Key::Code(K::PageDown)],
        C::NextPage,
        "next page",
    ),
    b(
        X::List,
        &[Key::Char('p'), Key::Code(K::PageUp)],
        C::PrevPage,
        "previous page",
    ),
    b(X::List, &[Key::Code(K::Enter)], C::Open, "open"),
    b(X::List, &[Key::Char('e')], C::Edit, "edit"),
    b(X::List, &[Key::Char('c')], C::Create, "create a user"),
    b(X::List, &[Key::Char('/')], C::Search, "search"),
    b(X::List, &[Key::Char('f')], C::FilterBar, "filters"),
    b(X::List, &[Key::Code(K::Esc)], C::Back, "dismiss the error"),
    b(X::List, &[Key::Char('r')], C::Refresh, "refresh"),
    b(X::List, &[Key::Char('x')], C::ClearAll, "clear all filters"),
    b(X::List, &[Key::Char(':')], C::CommandLine, "command line"),
    b(X::List, &[Key::Char(' ')], C::Mark, "mark / unmark"),
    b(X::List, &[Key::Ctrl('a')], C::MarkPage, "mark the page"),
    b(X::List, &[Key::Char('v')], C::MarkRange, "mark up to here"),
    b(X::List, &[Key::Char('u')], C::ClearMarks, "clear the marks"),
    b(X::List, &[Key::Char('A')], C::MarkAll, "mark all matching"),
    b(X::List, &[Key::Char('b')], C::Bulk, "bulk change"),
    b(X::List, &[Key::Char('y')], C::CopyId, "copy the id"),
    b(X::List, &[Key::Char('Y')], C::CopyJson, "copy as JSON"),
    b(X::List, &[Key::Char('h')], C::History, "history"),
    b(X::List, &[Key::Char('s')], C::Sort, "sort by the column"),
    b(
        X::List,
        &[Key::Char('>'), Key::Code(K::Right)],
        C::NextColumn,
        "next column",
    ),
    b(
        X::List,
        &[Key::Char('<'), Key::Code(K::Left)],
        C::PrevColumn,
        "previous column",
    ),
    b(X::List, &[Key::Char('D')], C::Delete, "delete the user"),
    b(X::List, &[Key::Char('?')], C::Help, "help"),
    b(X::List, &[Key::Char('q')], C::Quit, "quit"),
    b(X::Filter, &[Key::Code(K::Tab)], C::NextField, "next"),
    b(
        X::Filter,
        &[Key::Code(K::BackTab)],
        C::PrevField,
        "previous",
    ),
    b(
        X::Filter,
        &[Key::Code(K::Enter), Key::Code(K::Down)],
        C::Apply,
        "done",
    ),
    b(X::Filter, &[Key::Code(K::Esc)], C::Clear, "clear"),
    b(X::Filter, &[Key::Ctrl('x')], C::ClearAll, "clear all"),
    // One line for both directions; `resolve` tells them apart.
    b(
        X::Choice,
        &[Key::Code(K::Left), Key::Code(K::Right), Key::Char(' ')],
        C::NextChoice,
        "pick",
    ),
    b(X::Detail, &[Key::Char('w')], C::Wrap, "wrap on/off"),
    b(
        X::Detail,
        &[Key::Code(K::Up), Key::Char('k')],
        C::Up,
        "scroll up",
    ),
    b(
        X::Detail,
        &[Key::Code(K::Down), Key::Char('j')],
        C::Down,
        "scroll down",
    ),
    b(
        X::Detail,
        &[Key::Code(K::PageUp), Key::Code(K::PageDown)],
        C::NextPage,
        "scroll",
    ),
    b(
        X::Detail,
        &[Key::Code(K::Home), Key::Code(K::End)],
        C::First,
        "top / bottom",
    ),
    b(
        X::Detail,
        &[Key::Code(K::Esc), Key::Code(K::Backspace)],
        C::Back,
        "back",
    ),
    b(X::Detail, &[Key::Char('r')], C::Refresh, "refresh"),
    b(X::Detail, &[Key::Char('e')], C::Edit, "edit"),
    b(X::Detail, &[Key::Char('y')], C::CopyId, "copy the id"),
    b(X::Detail, &[Key::Char('Y')], C::CopyJson, "copy as JSON"),
    b(X::Detail, &[Key::Char('h')], C::History, "history"),
    b(X::Detail, &[Key::Char('D')], C::Delete, "delete the user"),
    b(X::Detail, &[Key::Char('?')], C::Help, "help"),
    b(X::Detail, &[Key::Char('q')], C::Quit, "quit"),
    b(X::Form, &[Key::Ctrl('s')], C::Save, "save"),
    b(X::Form, &[Key::Code(K::Tab)], C::NextField, "next field"),
    b(
        X::Form,
        &[Key::Code(K::BackTab)],
        C::PrevField,
        "previous field",
    ),
    b(X::Form, &[Key::Ctrl('e')], C::ExternalEditor, "$EDITOR"),
    b(
        X::Form,
        &[Key::Ctrl('o')],
        C::OpenHolder,
        "open the ref's holder",
    ),
    b(X::Form, &[Key::Code(K::Esc)], C::Back, "cancel"),
    // Typed into the JSON editor, not a command: listed so the hint is the keymap's too.
    b(X::Json, &[Key::Code(K::Enter)], C::NewLine, "new line"),
    b(
        X::Confirm,
        &[Key::Code(K::Enter), Key::Char('y')],
        C::Apply,
        "send it",
    ),
    b(
        X::Confirm,
        &[Key::Code(K::Esc), Key::Char('n')],
        C::Back,
        "back to the form",
    ),
    b(
        X::Conflict,
        &[Key::Char('r')],
        C::Reapply,
        "theirs + my changes",
    ),
    b(
        X::Conflict,
        &[Key::Char('o')],
        C::Overwrite,
        "overwrite with mine",
    ),
    b(
        X::Conflict,
        &[Key::Code(K::Esc)],
        C::Back,
        "back to the form",
    ),
    b(
        X::Discard,
        &[Key::Char('y')],
        C::Discard,
        "discard the changes",
    ),
    b(
        X::Discard,
        &[Key::Code(K::Esc), Key::Char('n')],
        C::Back,
        "keep editing",
    ),
    b(
        X::Help,
        &[Key::Code(K::Esc), Key::Char('?')],
        C::Back,
        "close help",
    ),
    b(X::Help, &[Key::Code(K::Tab)], C::NextField, "more keys"),
    b(X::Help, &[Key::Char('q')], C::Quit, "quit"),
    b(X::Delete, &[Key::Char('y')], C::Apply, "delete it"),
    b(
        X::Delete,
        &[Key::Code(K::Esc), Key::Char('n'), Key::Code(K::Enter)],
        C::Back,
        "keep the user",
    ),
    b(X::CommandLine, &[Key::Code(K::Enter)], C::Apply, "run"),
    b(
        X::CommandLine,
        &[Key::Code(K::Tab)],
        C::NextField,
        "complete",
    ),
    b(X::CommandLine, &[Key::Code(K::Up)], C::Up, "older"),
    b(X::CommandLine, &[Key::Code(K::Down)], C::Down, "newer"),
    b(X::CommandLine, &[Key::Code(K::Esc)], C::Back, "cancel"),
    b(
        X::KeepDraft,
        &[Key::Char('k')],
        C::Keep,
        "keep it for later",
    ),
    b(X::KeepDraft, &[Key::Char('d')], C::Discard, "discard it"),
    b(X::KeepDraft, &[Key::Code(K::Esc)], C::Back, "stay here"),
    b(
        X::Export,
        &[Key::Code(K::Esc)],
        C::CancelExport,
        "cancel the export",
    ),
    b(
        X::Bulk,
        &[Key::Code(K::Up), Key::Char('k')],
        C::Up,
        "previous",
    ),
    b(
        X::Bulk,
        &[Key::Code(K::Down), Key::Char('j')],
        C::Down,
        "next",
    ),
    b(X::Bulk, &[Key::Code(K::Enter)], C::Apply, "choose"),
    b(X::Bulk, &[Key::Code(K::Esc)], C::Back, "close"),
    b(X::BulkValue, &[Key::Code(K::Enter)], C::Apply, "preview"),
    b(X::BulkValue, &[Key::Code(K::Tab)], C::NextField, "complete"),
    b(X::BulkValue, &[Key::Code(K::Esc)], C::Back, "back"),
    b(
        X::BulkConfirm,
        &[Key::Code(K::Enter), Key::Char('y')],
        C::Apply,
        "go ahead",
    ),
    b(
        X::BulkConfirm,
        &[Key::Code(K::Esc), Key::Char('n')],
        C::Back,
        "cancel",
    ),
    b(X::BulkRun, &[Key::Code(K::Esc)], C::Back, "stop the rest"),
    b(
        X::BulkResult,
        &[Key::Code(K::Up), Key::Char('k')],
        C::Up,
        "scroll up",
    ),
    b(
        X::BulkResult,
        &[Key::Code(K::Down), Key::Char('j')],
        C::Down,
        "scroll down",
    ),
    b(
        X::BulkResult,
        &[Key::Char('r')],
        C::Refresh,
        "retry the failed",
    ),
    b(
        X::BulkResult,
        &[Key::Code(K::Esc), Key::Code(K::Enter)],
        C::Back,
        "close",
    ),
    b(
        X::History,
        &[Key::Code(K::Up), Key::Char('k')],
        C::Up,
        "newer event",
    ),
    b(
        X::History,
        &[Key::Code(K::Down), Key::Char('j')],
        C::Down,
        "older event",
    ),
    b(
        X::History,
        &[Key::Char('n'), Key::Code(K::PageDown)],
        C::NextPage,
        "older page",
    ),
    b(
        X::History,
        &[Key::Char('p'), Key::Code(K::PageUp)],
        C::PrevPage,
        "newer page",
    ),
    b(
        X::History,
        &[Key::Code(K::Enter)],
        C::Open,
        "before / after",
    ),
    b(X::History, &[Key::Char('u')], C::Revert, "undo: revert it"),
    b(X::History, &[Key::Char('r')], C::Refresh, "refresh"),
    b(
        X::History,
        &[Key::Code(K::Esc), Key::Code(K::Backspace)],
        C::Back,
        "back",
    ),
    b(X::History, &[Key::Char('?')], C::Help, "help"),
    b(X::History, &[Key::Char('q')], C::Quit, "quit"),
    b(
        X::Event,
        &[Key::Code(K::Up), Key::Char('k')],
        C::Up,
        "scroll up",
    ),
    b(
        X::Event,
        &[Key::Code(K::Down), Key::Char('j')],
        C::Down,
        "scroll down",
    ),
    b(
        X::Event,
        &[Key::Code(K::PageUp), Key::Code(K::PageDown)],
        C::NextPage,
        "scroll",
    ),
    b(
        X::Event,
        &[Key::Code(K::Home), Key::Code(K::End)],
        C::First,
        "top / bottom",
    ),
    b(X::Event, &[Key::Char('u')], C::Revert, "undo: revert it"),
    b(
        X::Event,
        &[Key::Code(K::Esc), Key::Code(K::Backspace)],
        C::Back,
        "back to the events",
    ),
    b(X::Event, &[Key::Char('?')], C::Help, "help"),
    b(X::Event, &[Key::Char('q')], C::Quit, "quit"),
    b(
        X::Audit,
        &[Key::Code(K::Up), Key::Char('k')],
        C::Up,
        "newer event",
    ),
    b(
        X::Audit,
        &[Key::Code(K::Down), Key::Char('j')],
        C::Down,
        "older event",
    ),
    b(
        X::Audit,
        &[Key::Char('n'), Key::Code(K::PageDown)],
        C::NextPage,
        "older page",
    ),
    b(
        X::Audit,
        &[Key::Char('p'), Key::Code(K::PageUp)],
        C::PrevPage,
        "newer page",
    ),
    b(X::Audit, &[Key::Code(K::Enter)], C::Open, "open the user"),
    b(X::Audit, &[Key::Char('f')], C::FilterBar, "filter"),
    b(X::Audit, &[Key::Char('r')], C::Refresh, "refresh"),
    b(X::Audit, &[Key::Code(K::Esc)], C::Back, "back"),
    b(X::Audit, &[Key::Char('?')], C::Help, "help"),
    b(X::Audit, &[Key::Char('q')], C::Quit, "quit"),
    b(
        X::AuditFilter,
        &[Key::Code(K::Tab)],
        C::NextField,
        "user / actor",
    ),
    b(X::AuditFilter, &[Key::Code(K::Enter)], C::Apply, "apply"),
    b(X::AuditFilter, &[Key::Code(K::Esc)], C::Clear, "clear"),
];

/// How one key is written on screen.
fn key_label(k: Key) -> String {
    match k {
        Key::Char(' ') => "Space".into(),
        Key::Char(c) => c.to_string(),
        Key::Ctrl(c) => format!("Ctrl-{c}"),
        Key::Code(code) => match code {
            K::Up => "↑".into(),
            K::Down => "↓".into(),
            K::Left => "←".into(),
            K::Right => "→".into(),
            K::PageUp => "PgUp".into(),
            K::PageDown => "PgDn".into(),
            K::BackTab => "Shift-Tab".into(),
            K::Enter => "Enter".into(),
            K::Esc => "Esc".into(),
            K::Tab => "Tab".into(),
            K::Backspace => "Backspace".into(),
            K::Home => "Home".into(),
            K::End => "End".into(),
            other => format!("{other:?}"),
        },
    }
}

fn label_of(keys: &[Key]) -> String {
    keys.iter()
        .copied()
        .map(key_label)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The binding of `command` in `context`. Every pane names a command, never a
/// key, so a binding that is missing is a bug caught by the tests that draw
/// each screen.
fn binding(context: Context, command: Command) -> Option<&'static Binding> {
    BINDINGS
        .iter()
        .find(|b| b.context == context && b.command == command)
}

/// The keys of `command` in `context`, as the screen writes them ("Ctrl-s").
pub fn keys(context: Context, command: Command) -> String {
    binding(context, command).map_or_else(String::new, Binding::label)
}

/// What the keys of `command` do in `context`, without the keys.
pub fn help(context: Context, command: Command) -> &'static str {
    binding(context, command).map_or("", |b| b.help)
}

/// One hint: the keys, then what they do ("Ctrl-s save").
pub fn hint(context: Context, command: Command) -> String {
    match binding(context, command) {
        Some(b) => format!("{} {}", b.label(), b.help),
        None => String::new(),
    }
}

/// Several hints on one line, in the order given.
pub fn hints(context: Context, commands: &[Command]) -> String {
    commands
        .iter()
        .map(|c| hint(context, *c))
        .filter(|h| !h.is_empty())
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Every binding of `context` on one line: the footer of a small popup.
pub fn footer(context: Context) -> String {
    BINDINGS
        .iter()
        .filter(|b| b.context == context)
        .map(|b| format!("{} {}", b.label(), b.help))
        .collect::<Vec<_>>()
        .join(" · ")
}

/// Every key label the keymap can put on screen, for the tests that check
/// that no pane writes one of its own.
pub fn labels() -> Vec<String> {
    let mut out: Vec<String> = BINDINGS
        .iter()
        .flat_map(|b| b.keys.iter().copied().map(key_label))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// The command a key means in these contexts, most specific first.
pub fn lookup(contexts: &[Context], ev: &KeyEvent) -> Option<Command> {
    std::iter::once(&Context::Anywhere)
        .chain(contexts)
        .find_map(|ctx| {
            BINDINGS
                .iter()
                .filter(|b| b.context == *ctx && !b.command.is_typing())
                .find(|b| b.keys.iter().any(|k| k.matches(ev)))
        })
        .map(|b| resolve(b, ev))
}

/// Some lines fold two directions into one binding; split them here.
fn resolve(b: &Binding, ev: &KeyEvent) -> Command {
    match (b.context, b.command, ev.code) {
        (Context::Detail | Context::Event, Command::NextPage, KeyCode::PageUp) => Command::PrevPage,
        (Context::Detail | Context::Event, Command::First, KeyCode::End) => Command::Last,
        (Context::Choice, Command::NextChoice, KeyCode::Left) => Command::PrevChoice,
        _ => b.command,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn q_quits_in_the_list_but_is_text_in_the_filter_bar() {
        assert_eq!(
            lookup(&[Context::List], &key(KeyCode::Char('q'))),
            Some(Command::Quit)
        );
        assert_eq!(lookup(&[Context::Filter], &key(KeyCode::Char('q'))), None);
    }

    #[test]
    fn ctrl_c_quits_everywhere() {
        let ev = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        for ctx in [
            Context::List,
            Context::Filter,
            Context::Detail,
            Context::Help,
        ] {
            assert_eq!(lookup(&[ctx], &ev), Some(Command::Quit));
        }
    }

    #[test]
    fn detail_pairs_split_into_two_commands() {
        assert_eq!(
            lookup(&[Context::Detail], &key(KeyCode::PageUp)),
            Some(Command::PrevPage)
        );
        assert_eq!(
            lookup(&[Context::Detail], &key(KeyCode::End)),
            Some(Command::Last)
        );
    }

    #[test]
    fn labels_name_every_bound_key() {
        assert_eq!(keys(Context::Detail, Command::Back), "Esc Backspace");
        assert_eq!(keys(Context::Choice, Command::NextChoice), "← → Space");
        assert_eq!(hint(Context::Form, Command::Save), "Ctrl-s save");
    }

    #[test]
    fn left_picks_backwards() {
        assert_eq!(
            lookup(&[Context::Choice], &key(KeyCode::Left)),
            Some(Command::PrevChoice)
        );
    }

    #[test]
    fn no_key_is_bound_twice_in_one_context() {
        for (i, a) in BINDINGS.iter().enumerate() {
            for b in &BINDINGS[i + 1..] {
                let overlap = a.context == b.context && a.keys.iter().any(|k| b.keys.contains(k));
                assert!(!overlap, "{} and {} clash", a.label(), b.label());
            }
        }
    }
}
