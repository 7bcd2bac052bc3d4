//! The tenant's activity (`:audit`): the latest changes across the tenant,
//! newest first, paged, filtered by user and by actor on a small filter line;
//! Enter opens the user. A user's own history is `history.rs`; drawn by
//! `ui/audit.rs`.

use ratatui::crossterm::event::{Event, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::history::events_per_page;
use super::{Effect, Focus, State};
use crate::api::audit::AuditEvents;
use crate::api::client::{AuditQuery, ClientError};
use crate::console::history::{Feed, HistoryCall, HistoryRequest};
use crate::console::keymap::{Command, Context};
use crate::console::view::ListRow;
use crate::console::words;

/// A field of the feed's filter line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuditFilter {
    User,
    Actor,
}

impl AuditFilter {
    pub fn label(self) -> &'static str {
        match self {
            AuditFilter::User => "user",
            AuditFilter::Actor => "actor",
        }
    }
}

#[derive(Debug, Clone)]
pub struct AuditPane {
    pub feed: Feed,
    /// Only this user's events (a `usr_` id).
    pub user: Input,
    /// Only this actor's: a key prefix, or the `usr_` id a key is bound to.
    pub actor: Input,
    /// The filter field being typed in, if any.
    pub editing: Option<AuditFilter>,
    /// The filters of the page shown (what `user` and `actor` held when asked).
    pub applied: (Option<String>, Option<String>),
}

impl AuditPane {
    fn query(&self, offset: u64) -> AuditQuery {
        let text = |i: &Input| Some(i.value().trim().to_string()).filter(|v| !v.is_empty());
        AuditQuery {
            offset,
            limit: self.feed.limit,
            user_id: text(&self.user),
            actor: text(&self.actor),
        }
    }
}

/// `:audit`: opens the feed, or says why it cannot.
pub(super) fn open(state: &mut State) -> Result<Vec<Effect>, String> {
    if let Some(why) = state.history.off() {
        return Err(format!("The tenant's activity is off: {why}."));
    }
    if state.server.dialects.is_none() {
        return Err("Not connected yet.".into());
    }
    state.history.audit = Some(AuditPane {
        feed: Feed::new(events_per_page(state.height).saturating_sub(1).max(1)),
        user: Input::default(),
        actor: Input::default(),
        editing: None,
        applied: (None, None),
    });
    state.focus = Focus::Audit;
    Ok(request(state, 0))
}

fn request(state: &mut State, offset: u64) -> Vec<Effect> {
    let id = state.next_id();
    let Some(pane) = state.history.audit.as_mut() else {
        return vec![];
    };
    let query = pane.query(offset);
    pane.applied = (query.user_id.clone(), query.actor.clone());
    pane.feed.pending = Some((id, offset));
    vec![Effect::History(Box::new(HistoryRequest {
        id,
        call: HistoryCall::Tenant(query),
    }))]
}

pub(super) fn on_answer(state: &mut State, id: u64, result: Result<AuditEvents, ClientError>) {
    let hint = state.server.token_hint.clone();
    let Some(pane) = state.history.audit.as_mut() else {
        return;
    };
    pane.feed.answer(
        id,
        result.map_err(|e| match e {
            ClientError::Forbidden { code, message } if code != "insufficient_scope" => format!(
                "The tenant's activity needs a key of the whole tenant or of an admin; this key is bound to a user without users.manage ({message})."
            ),
            other => words::explain(&other, &hint),
        }),
    );
}

pub(super) fn contexts(state: &State) -> Vec<Context> {
    match state.history.audit.as_ref().and_then(|a| a.editing) {
        Some(_) => vec![Context::AuditFilter],
        None => vec![Context::Audit],
    }
}

pub(super) fn command(state: &mut State, cmd: Command) -> Vec<Effect> {
    let Some(pane) = state.history.audit.as_mut() else {
        state.focus = Focus::List;
        return vec![];
    };
    if let Some(field) = pane.editing {
        match cmd {
            Command::NextField => {
                pane.editing = Some(match field {
                    AuditFilter::User => AuditFilter::Actor,
                    AuditFilter::Actor => AuditFilter::User,
                });
            }
            Command::Apply => {
                pane.editing = None;
                pane.feed.cursor = 0;
                return request(state, 0);
            }
            Command::Clear => {
                match field {
                    AuditFilter::User => pane.user = Input::default(),
                    AuditFilter::Actor => pane.actor = Input::default(),
                }
                pane.feed.cursor = 0;
                return request(state, 0);
            }
            _ => {}
        }
        return vec![];
    }
    let feed = &mut pane.feed;
    if let Some(offset) = feed.step(cmd) {
        return request(state, offset);
    }
    match cmd {
        Command::FilterBar => pane.editing = Some(AuditFilter::User),
        Command::Open => {
            let Some(user_id) = feed.selected().and_then(|e| e.user_id.clone()) else {
                return vec![];
            };
            state.history.detail_from = Some(Focus::Audit);
            return state.open_detail(ListRow {
                id: user_id,
                ..ListRow::default()
            });
        }
        Command::Back => {
            state.history.audit = None;
            state.focus = Focus::List;
        }
        Command::Help => {
            state.help = true;
            state.help_page = crate::console::ui::help::HISTORY_PAGE;
        }
        _ => {}
    }
    vec![]
}

/// Keys the filter line does not bind are typing.
pub(super) fn type_key(state: &mut State, ev: KeyEvent) {
    let Some(pane) = state.history.audit.as_mut() else {
        return;
    };
    match pane.editing {
        Some(AuditFilter::User) => {
            pane.user.handle_event(&Event::Key(ev));
        }
        Some(AuditFilter::Actor) => {
            pane.actor.handle_event(&Event::Key(ev));
        }
        None => {}
    }
}

/// Whether a key should be typed into the filter line.
pub(super) fn typing(state: &State) -> bool {
    state.focus == Focus::Audit
        && state
            .history
            .audit
            .as_ref()
            .is_some_and(|a| a.editing.is_some())
}
