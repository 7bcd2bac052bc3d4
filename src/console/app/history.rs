//! The history pane's part of the state: one user's events (`h` in the list
//! or the detail), one event's before and after (Enter), and "undo" (`u`):
//! the edit form with the event's `from` values, sent with If-Match of the
//! user's current version. The tenant's feed (`:audit`) is `audit.rs`; both
//! page through a [`Feed`]. Drawn by `ui/history.rs`.

use super::audit::AuditPane;
use super::{About, CHROME_ROWS, Effect, Focus, Notice, State, writes_off};
use crate::api::MAX_LIMIT;
use crate::api::client::ClientError;
use crate::console::edit::Form;
use crate::console::history::diff::{self, FieldDiff};
use crate::console::history::{Feed, HistoryAnswer, HistoryCall, HistoryRequest, Support, revert};
use crate::console::keymap::{self, Command, Context};
use crate::console::view::{ActingAs, ListRow, UserViews};
use crate::console::words;

/// The audit trail's share of the state: what the server has, and its two panes.
#[derive(Debug, Clone, Default)]
pub struct Trail {
    pub support: Support,
    /// The history pane, while it is open (also behind a revert's form).
    pub pane: Option<HistoryPane>,
    /// The tenant's feed, while it is open (also behind a user opened from it).
    pub audit: Option<AuditPane>,
    probe: Option<u64>,
    /// Connected, not asked yet: the question waits for the first page, so it never slows it.
    probe_due: bool,
    /// The GET of the user as it is now, for a revert: its id and the event.
    revert: Option<(u64, usize)>,
    /// The form on screen is a revert's: back to the history when it closes.
    reverting: bool,
    /// Where Esc in the detail goes back to, when it was opened from the feed.
    pub(super) detail_from: Option<Focus>,
}

#[derive(Debug, Clone)]
pub struct HistoryPane {
    pub row: ListRow,
    pub feed: Feed,
    /// The event opened with Enter.
    pub event: Option<EventView>,
    /// Where Esc goes back to: the list or the detail.
    pub back_to: Focus,
}

/// One event's before and after, scrolled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventView {
    /// Its place on the page.
    pub index: usize,
    pub diffs: Vec<FieldDiff>,
    pub scroll: usize,
}

/// Events on a page when the terminal is `height` rows tall: as many as fit
/// under the pane's border, its header and the feed's filter line.
pub fn events_per_page(height: u16) -> u32 {
    u32::from(height.saturating_sub(CHROME_ROWS + 3)).clamp(1, MAX_LIMIT)
}

impl Trail {
    pub fn busy(&self) -> bool {
        self.revert.is_some()
            || self.pane.as_ref().is_some_and(|p| p.feed.pending.is_some())
            || self
                .audit
                .as_ref()
                .is_some_and(|a| a.feed.pending.is_some())
    }

    /// Why `h` and `:audit` are off, when they are.
    pub fn off(&self) -> Option<&str> {
        match &self.support {
            Support::No(why) => Some(why),
            _ => None,
        }
    }
}

/// The greyed `h`, for the message line's "greyed:" list.
pub fn greyed(state: &State) -> Option<String> {
    let why = state.history.off()?;
    Some(format!(
        "{} {}: {why}",
        keymap::keys(Context::List, Command::History),
        keymap::help(Context::List, Command::History)
    ))
}

/// Connected: ask whether the server keeps an audit trail once the first page is in.
pub(super) fn probe_after_list(state: &mut State) {
    state.history.probe_due = true;
}

/// Asks whether the server keeps an audit trail, if that is due.
pub(super) fn probe(state: &mut State) -> Vec<Effect> {
    if !std::mem::take(&mut state.history.probe_due) {
        return vec![];
    }
    let id = state.next_id();
    state.history.probe = Some(id);
    vec![Effect::History(Box::new(HistoryRequest {
        id,
        call: HistoryCall::Probe,
    }))]
}

/// `h` on a user: its history, newest first.
pub(super) fn open(state: &mut State, row: ListRow) -> Vec<Effect> {
    if let Some(why) = state.history.off() {
        let why = why.to_string();
        state.note(format!("History is off: {why}."));
        return vec![];
    }
    let back_to = state.focus;
    state.history.pane = Some(HistoryPane {
        row,
        feed: Feed::new(events_per_page(state.height)),
        event: None,
        back_to,
    });
    state.focus = Focus::History;
    request(state, 0)
}

/// Asks for the page at `offset` of the open history.
fn request(state: &mut State, offset: u64) -> Vec<Effect> {
    let id = state.next_id();
    let Some(pane) = state.history.pane.as_mut() else {
        return vec![];
    };
    pane.feed.pending = Some((id, offset));
    vec![Effect::History(Box::new(HistoryRequest {
        id,
        call: HistoryCall::User {
            user_id: pane.row.id.clone(),
            limit: pane.feed.limit,
            offset,
        },
    }))]
}

pub(super) fn contexts(state: &State) -> Vec<Context> {
    match state.history.pane.as_ref().and_then(|p| p.event.as_ref()) {
        Some(_) => vec![Context::Event],
        None => vec![Context::History],
    }
}

pub(super) fn on_answer(state: &mut State, answer: HistoryAnswer) -> Vec<Effect> {
    match answer {
        HistoryAnswer::Probed { id, result } => {
            if state.history.probe.take_if(|p| *p == id).is_some() {
                state.history.support = match result {
                    Ok(true) => Support::Yes,
                    Ok(false) => Support::No(
                        "this server keeps no audit trail (GET /api/v1/audit answered 404)".into(),
                    ),
                    // Not known: `h` will try, and say what it meets.
                    Err(_) => Support::Unknown,
                };
            }
            vec![]
        }
        HistoryAnswer::Events { id, result } => {
            let hint = state.server.token_hint.clone();
            let in_pane = state
                .history
                .pane
                .as_ref()
                .and_then(|p| p.feed.pending)
                .is_some_and(|(p, _)| p == id);
            if in_pane {
                let words = result.map_err(|e| history_words(state, &e, &hint));
                if let Some(p) = state.history.pane.as_mut() {
                    p.feed.answer(id, words);
                }
                return vec![];
            }
            super::audit::on_answer(state, id, result);
            vec![]
        }
    }
}

/// A refused or failed history in an admin's words.
fn history_words(state: &mut State, e: &ClientError, hint: &str) -> String {
    match e {
        ClientError::Forbidden { code, message } if code != "insufficient_scope" => format!(
            "This key may not see this user's history: a key bound to a user without users.manage sees only its own user's ({message})."
        ),
        ClientError::NotFound { .. } | ClientError::Api { status: 404, .. }
            if state.history.support == Support::Unknown =>
        {
            // Without the probe's answer, a 404 may be the path as much as the user.
            format!(
                "No history for this user: {} (a server without an audit trail answers so too).",
                words::explain(e, hint)
            )
        }
        other => words::explain(other, hint),
    }
}

pub(super) fn command(state: &mut State, cmd: Command) -> Vec<Effect> {
    let viewport = state.detail_viewport();
    let Some(pane) = state.history.pane.as_mut() else {
        state.focus = Focus::List;
        return vec![];
    };
    if let Some(ev) = pane.event.as_mut() {
        let max = diff::rows(&ev.diffs).saturating_sub(viewport);
        ev.scroll = match cmd {
            Command::Up => ev.scroll.saturating_sub(1),
            Command::Down => ev.scroll + 1,
            Command::PrevPage => ev.scroll.saturating_sub(viewport),
            Command::NextPage => ev.scroll + viewport,
            Command::First => 0,
            Command::Last => max,
            Command::Back => {
                pane.event = None;
                return vec![];
            }
            Command::Revert => {
                let index = ev.index;
                return start_revert(state, index);
            }
            Command::Help => return help(state),
            _ => ev.scroll,
        }
        .min(max);
        return vec![];
    }
    let feed = &mut pane.feed;
    if let Some(offset) = feed.step(cmd) {
        return request(state, offset);
    }
    match cmd {
        Command::Open => {
            if let Some(e) = feed.selected() {
                pane.event = Some(EventView {
                    index: feed.cursor,
                    diffs: diff::event_diff(e),
                    scroll: 0,
                });
            }
        }
        Command::Revert => {
            let index = feed.cursor;
            return start_revert(state, index);
        }
        Command::Back => {
            let back = pane.back_to;
            state.history.pane = None;
            state.focus = match back {
                Focus::Detail if state.detail.is_some() => Focus::Detail,
                _ => Focus::List,
            };
        }
        Command::Help => return help(state),
        _ => {}
    }
    vec![]
}

fn help(state: &mut State) -> Vec<Effect> {
    state.help = true;
    state.help_page = crate::console::ui::help::HISTORY_PAGE;
    vec![]
}

/// `u`: loads the user as it is now, to put the event's values back on it.
fn start_revert(state: &mut State, index: usize) -> Vec<Effect> {
    if writes_off(state) {
        return vec![];
    }
    let Some(dialects) = state.server.dialects else {
        return vec![];
    };
    let Some(pane) = state.history.pane.as_ref() else {
        return vec![];
    };
    if pane.feed.events.get(index).is_none() {
        return vec![];
    }
    let user_id = pane.row.id.clone();
    let id = state.next_id();
    state.history.revert = Some((id, index));
    vec![Effect::Get {
        id,
        dialects,
        user_id,
    }]
}

/// Whether the GET `id` is a revert's.
pub(super) fn wants_fetch(state: &State, id: u64) -> bool {
    state.history.revert.is_some_and(|(r, _)| r == id)
}

/// The user as it is now, for the revert: the form with the event's values.
pub(super) fn on_current(
    state: &mut State,
    result: Result<Box<UserViews>, ClientError>,
) -> Vec<Effect> {
    let Some((_, index)) = state.history.revert.take() else {
        return vec![];
    };
    let (Some(dialects), Some(pane)) = (state.server.dialects, state.history.pane.as_mut()) else {
        return vec![];
    };
    let views = match result {
        Ok(v) => v,
        Err(e) => {
            let text = words::explain(&e, &state.server.token_hint);
            state.note(format!("The user could not be loaded to revert: {text}"));
            return vec![];
        }
    };
    let Some(event) = pane.feed.events.get(index).cloned() else {
        return vec![];
    };
    if pane.row.status.is_none() {
        pane.row.status = views.status;
    }
    let who = state.server.acting_as.clone().unwrap_or(ActingAs::Unknown);
    let mut form = Form::edit(&pane.row, &views, dialects, &who);
    let prepared = revert::prepare(&mut form, &event);
    let skipped = prepared.skipped_text();
    if !prepared.to_send {
        let why = if prepared.put_back.is_empty() {
            "nothing in it can be put back".to_string()
        } else {
            format!(
                "the user already has these values ({})",
                prepared.put_back.join(", ")
            )
        };
        let more = skipped.map(|s| format!(" {s}")).unwrap_or_default();
        state.note(format!("Nothing to revert: {why}.{more}"));
        return vec![];
    }
    state.form = Some(form);
    state.focus = Focus::Form;
    state.history.reverting = true;
    state.info = Some(format!(
        "Revert of version {}: {} put back to before it.",
        event.version,
        prepared.put_back.join(", ")
    ));
    if let Some(text) = skipped {
        state.error = Some(Notice::new(text, About::Form));
    }
    vec![]
}

/// Called after every key or answer of the form: a revert's form that has
/// closed (saved or cancelled) gives the screen back to the history, fresh.
pub(super) fn after_form(state: &mut State) -> Vec<Effect> {
    if !state.history.reverting || state.form.is_some() {
        return vec![];
    }
    state.history.reverting = false;
    let Some(pane) = state.history.pane.as_mut() else {
        return vec![];
    };
    pane.event = None;
    pane.feed.cursor = 0;
    state.focus = Focus::History;
    request(state, 0)
}

/// Where Esc in the detail goes: back to the feed it was opened from, else the list.
pub(super) fn back_from_detail(state: &mut State) -> Focus {
    match state.history.detail_from.take() {
        Some(Focus::Audit) if state.history.audit.is_some() => Focus::Audit,
        _ => Focus::List,
    }
}
