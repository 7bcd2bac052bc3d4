//! The command line's language (`:page 12`, `:ref crm-1001`): parsing, Tab
//! completion and the history, without the app's state. The pane that owns
//! them is `app/cmdline.rs`; its drawing is `ui/cmdline.rs`.

use crate::console::bulk::Change;
use crate::console::bulk::change::{ROLES, SET_FIELDS, STATUSES, UNSET_FIELDS};

/// A command line that parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cmd {
    /// A page by its number, counting from 1.
    Page(u64),
    First,
    Last,
    /// Open the user with this id.
    User(String),
    /// Find the user with this external_ref and open it.
    Ref(String),
    /// `:mark all`, `:mark page`, `:mark none`.
    Mark(MarkWhat),
    /// `:set FIELD VALUE` / `:unset FIELD`: a bulk change of the marked users.
    Bulk(Change),
    Quit,
}

/// Which users `:mark` marks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MarkWhat {
    /// Every user matching the filters, on every page.
    All,
    Page,
    /// Clears the marks.
    None,
}

/// Each command's name, what it takes, and what it does: completion and the
/// error for an unknown command both list them from here.
pub const NAMES: &[(&str, &str, &str)] = &[
    ("page", "N", "go to page N"),
    ("first", "", "first page"),
    ("last", "", "last page"),
    ("user", "ID", "open the user with this id"),
    (
        "ref",
        "EXTERNAL_REF",
        "open the user with this external_ref",
    ),
    (
        "mark",
        "all|page|none",
        "mark every user matching the filters, the page, or none",
    ),
    (
        "set",
        "FIELD VALUE",
        "bulk change: role, status, metadata.KEY or preferences.KEY; VALUE is JSON when it parses as JSON, otherwise text",
    ),
    (
        "unset",
        "FIELD",
        "bulk change: remove metadata.KEY or preferences.KEY",
    ),
    ("q", "", "quit"),
    ("quit", "", "quit"),
];

fn takes(name: &str) -> Option<&'static str> {
    NAMES
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|(_, arg, _)| *arg)
}

/// One line as typed (without the `:`), into a command or a sentence that
/// says what is wrong with it.
pub fn parse(line: &str) -> Result<Cmd, String> {
    let line = line.trim().trim_start_matches(':').trim_start();
    let (name, rest) = match line.split_once(char::is_whitespace) {
        Some((n, r)) => (n, r.trim()),
        None => (line, ""),
    };
    if name.is_empty() {
        return Err("Type a command: ".to_string() + &names());
    }
    let Some(arg) = takes(name) else {
        return Err(format!(
            "Unknown command \"{name}\". Commands: {}.",
            names()
        ));
    };
    // A value may hold spaces (`:set metadata.note "on leave"`): the rest of the line.
    if name == "set" {
        let (field, value) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
        return Change::parse_set(field, value).map(Cmd::Bulk);
    }
    if name == "unset" {
        return Change::parse_unset(rest).map(Cmd::Bulk);
    }
    if arg.is_empty() && !rest.is_empty() {
        return Err(format!(":{name} takes nothing after it."));
    }
    if !arg.is_empty() && rest.is_empty() {
        return Err(format!(":{name} needs {arg}: :{name} {arg}."));
    }
    if !arg.is_empty() && rest.split_whitespace().count() > 1 {
        return Err(format!(":{name} takes one {arg}, not \"{rest}\"."));
    }
    Ok(match name {
        "page" => match rest.parse::<u64>() {
            Ok(n) if n >= 1 => Cmd::Page(n),
            _ => {
                return Err(format!(
                    ":page needs a page number from 1 up, not \"{rest}\"."
                ));
            }
        },
        "first" => Cmd::First,
        "last" => Cmd::Last,
        "user" => Cmd::User(rest.to_string()),
        "ref" => Cmd::Ref(rest.to_string()),
        "mark" => Cmd::Mark(match rest {
            "all" => MarkWhat::All,
            "page" => MarkWhat::Page,
            "none" => MarkWhat::None,
            _ => return Err(format!(":mark takes all, page or none, not \"{rest}\".")),
        }),
        _ => Cmd::Quit,
    })
}

fn names() -> String {
    NAMES
        .iter()
        .map(|(n, arg, _)| {
            if arg.is_empty() {
                format!(":{n}")
            } else {
                format!(":{n} {arg}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// What Tab makes of `line`: the completed line, and the candidates when
/// more than one fits (shown so the next letter can be chosen).
pub fn complete(line: &str) -> (String, Vec<&'static str>) {
    if let Some(done) = complete_argument(line) {
        return done;
    }
    if line.contains(char::is_whitespace) {
        // Arguments are ids and refs: nothing to complete them from.
        return (line.to_string(), vec![]);
    }
    let fits: Vec<&'static str> = NAMES
        .iter()
        .map(|(n, ..)| *n)
        .filter(|n| n.starts_with(line))
        .collect();
    match fits.as_slice() {
        [] => (line.to_string(), vec![]),
        [one] => {
            let space = if takes(one).is_some_and(|a| !a.is_empty()) {
                " "
            } else {
                ""
            };
            (format!("{one}{space}"), vec![])
        }
        many => {
            let mut prefix = many[0].to_string();
            for n in &many[1..] {
                while !n.starts_with(&prefix) {
                    prefix.pop();
                }
            }
            let prefix = if prefix.len() > line.len() {
                prefix
            } else {
                line.to_string()
            };
            // A name that is whole and also begins longer ones ("q", "quit") is kept as typed.
            (prefix, fits)
        }
    }
}

/// Tab after `:set `, `:unset ` and `:mark `: the field names, then role and status values.
fn complete_argument(line: &str) -> Option<(String, Vec<&'static str>)> {
    let (name, rest) = line.split_once(' ')?;
    let words: Vec<&str> = rest.split(' ').collect();
    let (done, last, names): (&[&str], &str, &[&'static str]) = match (name, words.as_slice()) {
        ("set", [field]) => (&[], field, SET_FIELDS),
        ("unset", [field]) => (&[], field, UNSET_FIELDS),
        ("mark", [what]) => (&[], what, &["all", "page", "none"]),
        ("set", [field @ ("role" | "status"), value]) => (
            std::slice::from_ref(field),
            value,
            if *field == "role" { ROLES } else { STATUSES },
        ),
        _ => return None,
    };
    let fits: Vec<&'static str> = names
        .iter()
        .copied()
        .filter(|n| n.starts_with(last))
        .collect();
    let head = std::iter::once(name)
        .chain(done.iter().copied())
        .collect::<Vec<_>>()
        .join(" ");
    Some(match fits.as_slice() {
        [] => (line.to_string(), vec![]),
        // A keyed field waits for its key; a whole word takes a space after it.
        [one] if one.ends_with('.') => (format!("{head} {one}"), vec![]),
        [one] if name == "set" && done.is_empty() => (format!("{head} {one} "), vec![]),
        [one] => (format!("{head} {one}"), vec![]),
        many => (line.to_string(), many.to_vec()),
    })
}

/// The lines run this session, oldest first, and where ↑/↓ are in them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    lines: Vec<String>,
    /// The line being shown, counted from the oldest; `None` is the line being typed.
    at: Option<usize>,
    /// What was typed before ↑ was pressed, given back by ↓ past the newest.
    draft: String,
}

/// At most this many lines are kept.
const KEEP: usize = 100;

impl History {
    pub fn push(&mut self, line: &str) {
        let line = line.trim();
        self.at = None;
        self.draft.clear();
        if line.is_empty() || self.lines.last().is_some_and(|l| l == line) {
            return;
        }
        self.lines.push(line.to_string());
        if self.lines.len() > KEEP {
            self.lines.remove(0);
        }
    }

    /// The line before the one shown; `typed` is kept to come back to.
    pub fn older(&mut self, typed: &str) -> Option<&str> {
        let at = match self.at {
            None if self.lines.is_empty() => return None,
            None => {
                self.draft = typed.to_string();
                self.lines.len() - 1
            }
            Some(0) => 0,
            Some(i) => i - 1,
        };
        self.at = Some(at);
        self.lines.get(at).map(String::as_str)
    }

    /// The line after the one shown, or what was being typed.
    pub fn newer(&mut self) -> Option<&str> {
        let at = self.at?;
        if at + 1 < self.lines.len() {
            self.at = Some(at + 1);
            return self.lines.get(at + 1).map(String::as_str);
        }
        self.at = None;
        Some(&self.draft)
    }

    /// Leaves browsing: the next ↑ starts from the newest again.
    pub fn reset(&mut self) {
        self.at = None;
        self.draft.clear();
    }

    pub fn lines(&self) -> &[String] {
        &self.lines
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_each_command() {
        assert_eq!(parse("page 12"), Ok(Cmd::Page(12)));
        assert_eq!(parse(" :last "), Ok(Cmd::Last));
        assert_eq!(parse("user usr_1"), Ok(Cmd::User("usr_1".into())));
        assert_eq!(parse("ref  crm-1"), Ok(Cmd::Ref("crm-1".into())));
        assert_eq!(parse("q"), Ok(Cmd::Quit));
        assert_eq!(parse("mark all"), Ok(Cmd::Mark(MarkWhat::All)));
        assert_eq!(
            parse("set status inactive"),
            Ok(Cmd::Bulk(Change::Status(crate::model::Status::Inactive)))
        );
        assert_eq!(
            parse("set metadata.note on leave"),
            Ok(Cmd::Bulk(Change::SetMetadata(
                "note".into(),
                serde_json::json!("on leave")
            )))
        );
        assert_eq!(
            parse("unset preferences.theme"),
            Ok(Cmd::Bulk(Change::RemovePreference("theme".into())))
        );
        assert!(parse("set").unwrap_err().contains("What to set"));
        assert!(
            parse("mark everything")
                .unwrap_err()
                .contains("all, page or none")
        );
    }

    #[test]
    fn bad_lines_say_why() {
        assert!(
            parse("pag 2")
                .unwrap_err()
                .contains("Unknown command \"pag\"")
        );
        assert!(parse("page 0").unwrap_err().contains("from 1 up"));
        assert!(parse("page x").unwrap_err().contains("not \"x\""));
        assert!(parse("page").unwrap_err().contains("needs N"));
        assert!(parse("last 3").unwrap_err().contains("nothing after"));
        assert!(parse("user a b").unwrap_err().contains("one ID"));
        assert!(parse("").is_err());
    }

    #[test]
    fn tab_completes_names() {
        assert_eq!(complete("pa"), ("page ".to_string(), vec![]));
        assert_eq!(complete("la"), ("last".to_string(), vec![]));
        assert_eq!(complete("q"), ("q".to_string(), vec!["q", "quit"]));
        assert_eq!(complete("qu"), ("quit".to_string(), vec![]));
        assert_eq!(complete("zz"), ("zz".to_string(), vec![]));
        assert_eq!(complete("user us"), ("user us".to_string(), vec![]));
        assert_eq!(complete("").1.len(), NAMES.len());
        assert_eq!(complete("se"), ("set ".to_string(), vec![]));
        assert_eq!(complete("set st"), ("set status ".to_string(), vec![]));
        assert_eq!(
            complete("set status in"),
            ("set status inactive".to_string(), vec![])
        );
        assert_eq!(complete("set me"), ("set metadata.".to_string(), vec![]));
        assert_eq!(
            complete("unset p"),
            ("unset preferences.".to_string(), vec![])
        );
        assert_eq!(
            complete("set role "),
            ("set role ".to_string(), vec!["admin", "member", "viewer"])
        );
        assert_eq!(complete("mark a"), ("mark all".to_string(), vec![]));
    }

    #[test]
    fn history_walks_back_and_returns_to_the_draft() {
        let mut h = History::default();
        h.push("page 2");
        h.push("last");
        h.push("last");
        assert_eq!(h.lines().len(), 2);
        assert_eq!(h.older("fi"), Some("last"));
        assert_eq!(h.older(""), Some("page 2"));
        assert_eq!(h.older(""), Some("page 2"));
        assert_eq!(h.newer(), Some("last"));
        assert_eq!(h.newer(), Some("fi"));
        assert_eq!(h.newer(), None);
    }
}
