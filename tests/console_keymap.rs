//! Every key the console writes on screen comes from the keymap
//! (`console::keymap`): a pane names a command and asks for its hint, it never
//! spells a key. This scans the string literals of every console source file
//! outside the keymap for a key name, so a hint typed by hand fails here
//! before it can drift from what the key does.

use std::path::{Path, PathBuf};

use raven_console::console::keymap::{self, BINDINGS, Command, Context};

/// Words that are only ever key names on this screen.
const KEY_WORDS: &[&str] = &[
    "Esc",
    "Enter",
    "Tab",
    "Backspace",
    "PgUp",
    "PgDn",
    "Home",
    "End",
    "Space",
    "Ctrl-",
    "Shift-",
];

/// Arrows are keys where a hint starts with one ("← → pick"); between two
/// values ("member → admin") they are a change.
const ARROWS: &[char] = &['↑', '↓', '←', '→'];

fn sources(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The string literals of a Rust source, with the line each starts on.
/// Comments are skipped; char literals and lifetimes are told apart.
fn literals(src: &str) -> Vec<(usize, String)> {
    let chars: Vec<char> = src.chars().collect();
    let mut out = Vec::new();
    let (mut i, mut line) = (0, 1);
    while i < chars.len() {
        let c = chars[i];
        match c {
            '\n' => line += 1,
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
                continue;
            }
            '\'' => {
                // 'x' or '\n': a char literal; anything else is a lifetime.
                if chars.get(i + 1) == Some(&'\\') {
                    i += 2;
                    while i < chars.len() && chars[i] != '\'' {
                        i += 1;
                    }
                } else if chars.get(i + 2) == Some(&'\'') {
                    i += 2;
                }
            }
            '"' => {
                let start = line;
                let mut text = String::new();
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    if chars[i] == '\n' {
                        line += 1;
                    }
                    text.push(chars[i]);
                    i += 1;
                }
                out.push((start, text));
            }
            _ => {}
        }
        i += 1;
    }
    out
}

/// A key word as a word of its own ("Esc", "Ctrl-s"), not inside another
/// ("Escape" in an error message, "Endpoint").
fn spells_a_key(text: &str) -> Option<&'static str> {
    KEY_WORDS.iter().copied().find(|w| {
        text.match_indices(w).any(|(at, _)| {
            let before = text[..at].chars().next_back();
            let after = text[at + w.len()..].chars().next();
            let edge = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
            edge(before) && (w.ends_with('-') || edge(after))
        })
    })
}

/// "r reload", "· e edit", "q quit": a single key letter written before its words.
fn spells_a_letter_key(text: &str) -> bool {
    let bound: Vec<char> = BINDINGS
        .iter()
        .flat_map(|b| b.keys.iter())
        .filter_map(|k| match k {
            keymap::Key::Char(c) if *c != ' ' => Some(*c),
            _ => None,
        })
        .collect();
    text.split(" · ").any(|part| {
        if part.trim_start().starts_with(ARROWS) {
            return true;
        }
        let mut chars = part.trim_start().chars();
        matches!(
            (chars.next(), chars.next(), chars.next()),
            (Some(k), Some(' '), Some(w)) if bound.contains(&k) && w.is_alphabetic()
        )
    })
}

#[test]
fn no_pane_spells_a_key_itself() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    sources(&root.join("src/console"), &mut files);
    files.push(root.join("src/bin/raven-console.rs"));
    files.sort();
    assert!(files.len() > 20, "the console's sources were not found");
    let mut found = Vec::new();
    for path in &files {
        if path.ends_with("console/keymap.rs") {
            continue;
        }
        let src = std::fs::read_to_string(path).expect("a console source");
        for (line, text) in literals(&src) {
            let key = spells_a_key(&text).map(str::to_string);
            let key = key.or_else(|| spells_a_letter_key(&text).then(|| "a key letter".into()));
            if let Some(key) = key {
                let rel = path.strip_prefix(root).unwrap_or(path);
                found.push(format!("{}:{line}: {key} in {text:?}", rel.display()));
            }
        }
    }
    assert!(
        found.is_empty(),
        "these literals spell a key; ask console::keymap for the hint instead:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_scanner_sees_a_hand_typed_hint() {
    assert_eq!(spells_a_key("Esc back · r reload"), Some("Esc"));
    assert_eq!(spells_a_key("press Ctrl-s to save"), Some("Ctrl-"));
    assert_eq!(spells_a_key("Escape sequences"), None);
    assert!(spells_a_letter_key("x · r reload"));
    assert!(!spells_a_letter_key("a user"));
    assert!(spells_a_letter_key("  ← → pick"));
    assert!(!spells_a_letter_key("role: member → admin"));
    let lits = literals("let a = 'x'; // \"Esc\"\nlet b = \"Tab next\"; fn f<'a>() {}");
    assert_eq!(lits, [(2, "Tab next".to_string())]);
}

#[test]
fn every_hint_a_pane_asks_for_is_bound() {
    // The commands the panes name; a missing binding would print nothing.
    let asked = [
        (Context::List, Command::Help),
        (Context::List, Command::Quit),
        (Context::List, Command::Search),
        (Context::List, Command::FilterBar),
        (Context::List, Command::ClearAll),
        (Context::List, Command::Open),
        (Context::List, Command::NextPage),
        (Context::List, Command::PrevPage),
        (Context::Filter, Command::NextField),
        (Context::Filter, Command::Apply),
        (Context::Filter, Command::Clear),
        (Context::Filter, Command::ClearAll),
        (Context::Choice, Command::NextChoice),
        (Context::Detail, Command::Back),
        (Context::Detail, Command::Edit),
        (Context::Detail, Command::Refresh),
        (Context::Detail, Command::NextPage),
        (Context::Detail, Command::Wrap),
        (Context::Form, Command::Save),
        (Context::Form, Command::NextField),
        (Context::Form, Command::ExternalEditor),
        (Context::Form, Command::OpenHolder),
        (Context::Form, Command::Back),
        (Context::Json, Command::NewLine),
        (Context::Help, Command::Back),
        (Context::Help, Command::NextField),
        (Context::Anywhere, Command::Quit),
        (Context::List, Command::CommandLine),
        (Context::List, Command::NextPage),
        (Context::List, Command::Mark),
        (Context::CommandLine, Command::NextField),
        (Context::List, Command::History),
        (Context::Detail, Command::History),
        (Context::History, Command::Open),
        (Context::History, Command::Revert),
        (Context::History, Command::NextPage),
        (Context::History, Command::Back),
        (Context::History, Command::Down),
        (Context::Event, Command::Revert),
        (Context::Event, Command::NextPage),
        (Context::Event, Command::Back),
        (Context::Audit, Command::Open),
        (Context::Audit, Command::FilterBar),
        (Context::Audit, Command::NextPage),
        (Context::Audit, Command::Back),
        (Context::CommandLine, Command::Up),
        (Context::CommandLine, Command::Apply),
        (Context::CommandLine, Command::Back),
    ];
    for (ctx, cmd) in asked {
        assert!(
            !keymap::keys(ctx, cmd).is_empty(),
            "{ctx:?} {cmd:?} has no key"
        );
    }
}

#[test]
fn refresh_in_a_conflict_reads_the_same_everywhere() {
    // The issue that started this: one `r`, three wordings. Now there is one.
    let r = keymap::hint(Context::Conflict, Command::Reapply);
    assert!(keymap::footer(Context::Conflict).contains(&r));
}
