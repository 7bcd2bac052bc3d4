//! The audit trail in the console, without the app's State: a page of events
//! ([`Feed`]), how one event reads on a line ([`line`]), its before and after
//! ([`diff`]), putting a user back as an event found it ([`revert`]), and the
//! requests the worker makes for them ([`fetch`]). The panes that use them are
//! `app/history.rs` and `app/audit.rs`; their drawing `ui/history.rs` and
//! `ui/audit.rs`.

pub mod diff;
pub mod fetch;
pub mod revert;

use crate::api::audit::{AuditActor, AuditEvent, AuditEvents};
use crate::console::keymap::Command;

pub use fetch::{HistoryAnswer, HistoryCall, HistoryRequest};

/// Whether the server keeps an audit trail, as far as the console knows.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Support {
    /// Not asked yet, or the question failed: `h` tries.
    #[default]
    Unknown,
    Yes,
    /// It has none: `h` and `:audit` are greyed with this reason.
    No(String),
}

/// One page of events as the server returned it, and the page wanted.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Feed {
    pub events: Vec<AuditEvent>,
    /// Where the page shown starts.
    pub offset: u64,
    pub total: Option<u64>,
    /// Rows per page asked for.
    pub limit: u32,
    /// The request whose answer is still wanted, and the offset it asks for.
    pub pending: Option<(u64, u64)>,
    /// Why the last page did not load, in words.
    pub error: Option<String>,
    /// The row under the cursor.
    pub cursor: usize,
    /// A page has arrived at least once.
    pub loaded: bool,
}

impl Feed {
    pub fn new(limit: u32) -> Feed {
        Feed {
            limit: limit.max(1),
            ..Feed::default()
        }
    }

    /// Takes the answer to request `id`; false when it is no longer wanted.
    pub fn answer(&mut self, id: u64, result: Result<AuditEvents, String>) -> bool {
        let Some((_, offset)) = self.pending.take_if(|(p, _)| *p == id) else {
            return false;
        };
        match result {
            Ok(page) => {
                self.events = page.events;
                self.total = Some(page.total);
                self.offset = offset;
                self.error = None;
                self.loaded = true;
                self.cursor = self.cursor.min(self.events.len().saturating_sub(1));
            }
            Err(e) => self.error = Some(e),
        }
        true
    }

    pub fn selected(&self) -> Option<&AuditEvent> {
        self.events.get(self.cursor)
    }

    /// The page number shown, from 1.
    pub fn page(&self) -> u64 {
        self.offset / u64::from(self.limit) + 1
    }

    pub fn pages(&self) -> Option<u64> {
        self.total.map(|t| t.div_ceil(u64::from(self.limit)).max(1))
    }

    /// The offset of the next page, if there is one.
    /// Moves the cursor or the page for one of the keys every list of events
    /// shares (a user's history, the tenant's feed): `Some(offset)` is the
    /// page to ask for, `None` a key this did not take or a move on screen.
    pub fn step(&mut self, cmd: Command) -> Option<u64> {
        let last = self.events.len().saturating_sub(1);
        match cmd {
            Command::Up => self.cursor = self.cursor.saturating_sub(1),
            Command::Down => self.cursor = (self.cursor + 1).min(last),
            Command::First => self.cursor = 0,
            Command::Last => self.cursor = last,
            Command::NextPage | Command::PrevPage => {
                let to = if cmd == Command::NextPage {
                    self.next_offset()
                } else {
                    self.prev_offset()
                };
                if to.is_some() {
                    self.cursor = 0;
                }
                return to;
            }
            Command::Refresh => return Some(self.offset),
            _ => {}
        }
        None
    }

    pub fn next_offset(&self) -> Option<u64> {
        let next = self.offset + self.events.len() as u64;
        let more = match self.total {
            Some(t) => next < t,
            // No total: a full page may have more after it.
            None => self.events.len() as u64 >= u64::from(self.limit),
        };
        (more && !self.events.is_empty()).then_some(next)
    }

    pub fn prev_offset(&self) -> Option<u64> {
        (self.offset > 0).then(|| self.offset.saturating_sub(u64::from(self.limit)))
    }
}

/// Who made a write, as a line shows it: the key's prefix, and the user it is
/// bound to ("rk_live_AbCd as usr_1"), or "the command line".
pub fn who(actor: &AuditActor) -> String {
    match (&actor.key, &actor.user_id) {
        (Some(k), Some(u)) => format!("{k} as {u}"),
        (Some(k), None) => k.clone(),
        (None, Some(u)) => format!("as {u}"),
        (None, None) => "server command line".to_string(),
    }
}

/// The fields an event changed, by their stored names, in a fixed order.
pub fn fields(e: &AuditEvent) -> String {
    let mut names: Vec<&str> = e.changes.keys().map(String::as_str).collect();
    names.sort_by_key(|n| field_order(n));
    if names.is_empty() {
        return "(no field changed)".to_string();
    }
    names.join(", ")
}

/// The order the form shows the fields in; unknown ones last.
pub fn field_order(name: &str) -> usize {
    const ORDER: [&str; 8] = [
        "display_name",
        "external_ref",
        "email",
        "avatar",
        "role",
        "status",
        "metadata",
        "preferences",
    ];
    ORDER.iter().position(|n| *n == name).unwrap_or(ORDER.len())
}

/// "2026-03-11T09:30:00.000Z" as "2026-03-11 09:30:00": an audit line wants the seconds.
pub fn when(at: &str) -> String {
    match (at.get(..10), at.get(11..19)) {
        (Some(day), Some(hms)) if at.as_bytes().get(10) == Some(&b'T') => format!("{day} {hms}"),
        _ => at.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::audit::FieldChange;
    use serde_json::json;

    fn event(fields: &[&str]) -> AuditEvent {
        AuditEvent {
            user_id: None,
            version: 2,
            at: "2026-03-11T09:30:05.000Z".into(),
            action: "update".into(),
            actor: AuditActor {
                key: Some("rk_live_AbCd".into()),
                user_id: None,
            },
            changes: fields
                .iter()
                .map(|f| {
                    (
                        f.to_string(),
                        FieldChange {
                            from: json!(null),
                            to: json!("x"),
                        },
                    )
                })
                .collect(),
        }
    }

    #[test]
    fn a_line_names_when_who_and_which_fields() {
        let e = event(&["metadata", "display_name"]);
        assert_eq!(fields(&e), "display_name, metadata");
        assert_eq!(when(&e.at), "2026-03-11 09:30:05");
        assert_eq!(who(&e.actor), "rk_live_AbCd");
        let bound = AuditActor {
            key: Some("rk_live_AbCd".into()),
            user_id: Some("usr_1".into()),
        };
        assert_eq!(who(&bound), "rk_live_AbCd as usr_1");
    }

    #[test]
    fn paging_follows_the_total_and_drops_stale_answers() {
        let mut f = Feed::new(2);
        f.pending = Some((7, 0));
        assert!(!f.answer(
            6,
            Ok(AuditEvents {
                events: vec![],
                total: 0
            })
        ));
        let page = AuditEvents {
            events: vec![event(&["email"]), event(&["role"])],
            total: 3,
        };
        assert!(f.answer(7, Ok(page)));
        assert_eq!((f.page(), f.pages()), (1, Some(2)));
        assert_eq!(f.next_offset(), Some(2));
        assert_eq!(f.prev_offset(), None);
    }
}
