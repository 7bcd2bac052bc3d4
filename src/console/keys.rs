//! The keymap. One table both decides what a key does and feeds the help
//! overlay, so help cannot drift from behaviour.

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
    /// The summary of a change, before it is sent.
    Confirm,
    /// Mine against theirs after a 412.
    Conflict,
    /// "Discard your changes?"
    Discard,
    Help,
}

impl Context {
    pub fn title(self) -> &'static str {
        match self {
            Context::Anywhere => "Anywhere",
            Context::List => "User list",
            Context::Filter => "Filter bar",
            Context::Choice => "Role / status field",
            Context::Detail => "Detail",
            Context::Form => "Edit / create form",
            Context::Confirm => "Before sending",
            Context::Conflict => "Conflict (412)",
            Context::Discard => "Esc or Ctrl-C on a changed form",
            Context::Help => "Help",
        }
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
    /// How the keys are written in the help overlay.
    pub label: &'static str,
    pub command: Command,
    pub help: &'static str,
}

use Command as C;
use Context as X;
use KeyCode as K;

const fn b(
    context: Context,
    keys: &'static [Key],
    label: &'static str,
    command: Command,
    help: &'static str,
) -> Binding {
    Binding {
        context,
        keys,
        label,
        command,
        help,
    }
}

/// Every binding, in the order the help overlay shows them.
pub const BINDINGS: &[Binding] = &[
    b(X::Anywhere, &[Key::Ctrl('c')], "Ctrl-C", C::Quit, "quit"),
    b(
        X::List,
        &[Key::Code(K::Up), Key::Char('k')],
        "↑ k",
        C::Up,
        "previous user",
    ),
    b(
        X::List,
        &[Key::Code(K::Down), Key::Char('j')],
        "↓ j",
        C::Down,
        "next user",
    ),
    b(
        X::List,
        &[Key::Code(K::Home), Key::Char('g')],
        "Home g",
        C::First,
        "first on the page",
    ),
    b(
        X::List,
        &[Key::Code(K::End), Key::Char('G')],
        "End G",
        C::Last,
        "last on the page",
    ),
    b(
        X::List,
        &[Key::Char('n'), Key::Code(K::PageDown)],
        "n PgDn",
        C::NextPage,
        "next page",
    ),
    b(
        X::List,
        &[Key::Char('p'), Key::Code(K::PageUp)],
        "p PgUp",
        C::PrevPage,
        "previous page",
    ),
    b(
        X::List,
        &[Key::Code(K::Enter)],
        "Enter",
        C::Open,
        "open the user",
    ),
    b(X::List, &[Key::Char('e')], "e", C::Edit, "edit the user"),
    b(X::List, &[Key::Char('c')], "c", C::Create, "create a user"),
    b(X::List, &[Key::Char('/')], "/", C::Search, "search"),
    b(X::List, &[Key::Char('f')], "f", C::FilterBar, "filter bar"),
    b(
        X::List,
        &[Key::Code(K::Esc)],
        "Esc",
        C::Back,
        "dismiss the error",
    ),
    b(X::List, &[Key::Char('r')], "r", C::Refresh, "refresh"),
    b(
        X::List,
        &[Key::Char('x')],
        "x",
        C::ClearAll,
        "clear all filters",
    ),
    b(X::List, &[Key::Char('?')], "?", C::Help, "this help"),
    b(X::List, &[Key::Char('q')], "q", C::Quit, "quit"),
    b(
        X::Filter,
        &[Key::Code(K::Tab)],
        "Tab",
        C::NextField,
        "next field",
    ),
    b(
        X::Filter,
        &[Key::Code(K::BackTab)],
        "Shift-Tab",
        C::PrevField,
        "previous field",
    ),
    b(
        X::Filter,
        &[Key::Code(K::Enter), Key::Code(K::Down)],
        "Enter ↓",
        C::Apply,
        "back to the list",
    ),
    b(
        X::Filter,
        &[Key::Code(K::Esc)],
        "Esc",
        C::Clear,
        "clear field, back",
    ),
    b(
        X::Filter,
        &[Key::Ctrl('x')],
        "Ctrl-x",
        C::ClearAll,
        "clear all filters",
    ),
    b(
        X::Choice,
        &[Key::Code(K::Right), Key::Char(' ')],
        "→ Space",
        C::NextChoice,
        "next value",
    ),
    b(
        X::Choice,
        &[Key::Code(K::Left)],
        "←",
        C::PrevChoice,
        "previous value",
    ),
    b(
        X::Detail,
        &[Key::Char('w')],
        "w",
        C::Wrap,
        "wrap long lines on/off",
    ),
    b(
        X::Detail,
        &[Key::Code(K::Up), Key::Char('k')],
        "↑ k",
        C::Up,
        "scroll up",
    ),
    b(
        X::Detail,
        &[Key::Code(K::Down), Key::Char('j')],
        "↓ j",
        C::Down,
        "scroll down",
    ),
    b(
        X::Detail,
        &[Key::Code(K::PageUp), Key::Code(K::PageDown)],
        "PgUp PgDn",
        C::NextPage,
        "scroll a screen",
    ),
    b(
        X::Detail,
        &[Key::Code(K::Home), Key::Code(K::End)],
        "Home End",
        C::First,
        "top / bottom",
    ),
    b(
        X::Detail,
        &[Key::Code(K::Esc), Key::Code(K::Backspace)],
        "Esc",
        C::Back,
        "back to the list",
    ),
    b(
        X::Detail,
        &[Key::Char('r')],
        "r",
        C::Refresh,
        "reload the user",
    ),
    b(X::Detail, &[Key::Char('e')], "e", C::Edit, "edit the user"),
    b(X::Detail, &[Key::Char('?')], "?", C::Help, "this help"),
    b(X::Detail, &[Key::Char('q')], "q", C::Quit, "quit"),
    b(
        X::Form,
        &[Key::Ctrl('s')],
        "Ctrl-s",
        C::Save,
        "save (shows the change)",
    ),
    b(
        X::Form,
        &[Key::Code(K::Tab)],
        "Tab",
        C::NextField,
        "next field",
    ),
    b(
        X::Form,
        &[Key::Code(K::BackTab)],
        "Shift-Tab",
        C::PrevField,
        "previous field",
    ),
    b(
        X::Form,
        &[Key::Ctrl('e')],
        "Ctrl-e",
        C::ExternalEditor,
        "JSON in $EDITOR",
    ),
    b(
        X::Form,
        &[Key::Ctrl('o')],
        "Ctrl-o",
        C::OpenHolder,
        "open the ref's holder",
    ),
    b(
        X::Form,
        &[Key::Code(K::Esc)],
        "Esc",
        C::Back,
        "cancel (asks first)",
    ),
    b(
        X::Confirm,
        &[Key::Code(K::Enter), Key::Char('y')],
        "Enter y",
        C::Apply,
        "send it",
    ),
    b(
        X::Confirm,
        &[Key::Code(K::Esc), Key::Char('n')],
        "Esc n",
        C::Back,
        "back to the form",
    ),
    b(
        X::Conflict,
        &[Key::Char('r')],
        "r",
        C::Reapply,
        "theirs + my changes",
    ),
    b(
        X::Conflict,
        &[Key::Char('o')],
        "o",
        C::Overwrite,
        "overwrite with mine",
    ),
    b(
        X::Conflict,
        &[Key::Code(K::Esc)],
        "Esc",
        C::Back,
        "back to the form",
    ),
    b(
        X::Discard,
        &[Key::Char('y')],
        "y",
        C::Discard,
        "discard the changes",
    ),
    b(
        X::Discard,
        &[Key::Code(K::Esc), Key::Char('n')],
        "Esc n",
        C::Back,
        "keep editing",
    ),
    b(
        X::Help,
        &[Key::Code(K::Esc), Key::Char('?')],
        "Esc ?",
        C::Back,
        "close help",
    ),
    b(
        X::Help,
        &[Key::Code(K::Tab)],
        "Tab",
        C::NextField,
        "browsing / editing keys",
    ),
    b(X::Help, &[Key::Char('q')], "q", C::Quit, "quit"),
];

/// The command a key means in these contexts, most specific first.
pub fn lookup(contexts: &[Context], ev: &KeyEvent) -> Option<Command> {
    std::iter::once(&Context::Anywhere)
        .chain(contexts)
        .find_map(|ctx| {
            BINDINGS
                .iter()
                .filter(|b| b.context == *ctx)
                .find(|b| b.keys.iter().any(|k| k.matches(ev)))
        })
        .map(|b| resolve_detail(b, ev))
}

/// The detail pane folds pairs of keys into one binding line; split them here.
fn resolve_detail(b: &Binding, ev: &KeyEvent) -> Command {
    match (b.context, b.command, ev.code) {
        (Context::Detail, Command::NextPage, KeyCode::PageUp) => Command::PrevPage,
        (Context::Detail, Command::First, KeyCode::End) => Command::Last,
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
    fn no_key_is_bound_twice_in_one_context() {
        for (i, a) in BINDINGS.iter().enumerate() {
            for b in &BINDINGS[i + 1..] {
                let overlap = a.context == b.context && a.keys.iter().any(|k| b.keys.contains(k));
                assert!(!overlap, "{} and {} clash", a.label, b.label);
            }
        }
    }
}
