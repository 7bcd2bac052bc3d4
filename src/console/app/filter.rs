//! The filter bar's part of the state: the four filters, what the server can
//! filter by, and the bar's keys. Drawn by `ui/filter.rs`.

use ratatui::crossterm::event::{Event, KeyEvent};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::{Effect, Focus, State};
use crate::api::client::{ClientError, ListQuery};
use crate::console::keymap::Command;
use crate::console::ring;
use crate::model::{Role, Status};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FilterField {
    ExternalRef,
    Role,
    Status,
    Search,
}

impl FilterField {
    pub const ALL: [FilterField; 4] = [
        FilterField::ExternalRef,
        FilterField::Role,
        FilterField::Status,
        FilterField::Search,
    ];

    pub fn is_text(self) -> bool {
        matches!(self, FilterField::ExternalRef | FilterField::Search)
    }

    pub fn label(self) -> &'static str {
        match self {
            FilterField::ExternalRef => "ref",
            FilterField::Role => "role",
            FilterField::Status => "status",
            FilterField::Search => "search",
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct Filters {
    pub external_ref: Input,
    pub role: Option<Role>,
    pub status: Option<Status>,
    pub search: Input,
}

impl State {
    /// Why a filter field cannot be used against this server, if it cannot.
    pub fn unavailable(&self, field: FilterField) -> Option<&'static str> {
        let d = self.server.dialects?;
        if let Some(why) = d
            .scim
            .and_then(|site| crate::console::view::scim::unfilterable(site, field))
        {
            return Some(why);
        }
        match field {
            FilterField::ExternalRef if !d.raven => Some("not in the EAI v3 API"),
            FilterField::Role | FilterField::Status | FilterField::Search if !d.eai => {
                Some("not in the Raven v1 API")
            }
            _ => None,
        }
    }

    /// The greyed fields grouped by reason: "role, status, search: not in the Raven v1 API".
    pub fn greyed(&self) -> Vec<String> {
        let mut out: Vec<(Vec<&str>, &str)> = Vec::new();
        for f in FilterField::ALL {
            if let Some(why) = self.unavailable(f) {
                match out.iter_mut().find(|(_, w)| *w == why) {
                    Some((fields, _)) => fields.push(f.label()),
                    None => out.push((vec![f.label()], why)),
                }
            }
        }
        let mut out: Vec<String> = out
            .into_iter()
            .map(|(fields, why)| format!("{}: {why}", fields.join(", ")))
            .collect();
        // Learnt from the server's answer to a delete, so said until the end.
        out.extend(self.deletes.lacking.as_ref().map(|why| {
            let key = crate::console::keymap::keys(
                crate::console::keymap::Context::List,
                crate::console::keymap::Command::Delete,
            );
            format!("{key} delete: {why}")
        }));
        out
    }

    /// What the search field looks at on this server, for its hint.
    pub fn search_scope(&self) -> &'static str {
        match self.server.dialects.and_then(|d| d.scim) {
            Some(site) if site.no_or => {
                "the display name contains it (this server takes no `or` in a filter, so not the email)"
            }
            _ => "name or email contains it",
        }
    }

    /// The request the filters and page describe now.
    pub fn query(&self) -> ListQuery {
        let text = |f: FilterField, input: &Input| {
            let v = input.value().trim();
            (self.unavailable(f).is_none() && !v.is_empty()).then(|| v.to_string())
        };
        ListQuery {
            offset: self.offset,
            limit: self.limit,
            external_ref: text(FilterField::ExternalRef, &self.filters.external_ref),
            role: self
                .filters
                .role
                .filter(|_| self.unavailable(FilterField::Role).is_none()),
            status: self
                .filters
                .status
                .filter(|_| self.unavailable(FilterField::Status).is_none()),
            search: text(FilterField::Search, &self.filters.search),
            sort: self.sort.current,
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

    pub fn has_filters(&self) -> bool {
        let q = self.query();
        q.external_ref.is_some() || q.role.is_some() || q.status.is_some() || q.search.is_some()
    }

    /// A filter changed: the page in flight answers a question nobody asks any more.
    pub(super) fn filters_changed(&mut self, debounce: bool) -> Vec<Effect> {
        self.offset = 0;
        self.cursor = 0;
        if debounce {
            self.debounce()
        } else {
            self.query_gen += 1;
            self.pending_list = None;
            self.request_list()
        }
    }
}

/// Focuses `wanted`, or the first usable field. A greyed field says why instead.
pub(super) fn focus_field(state: &mut State, wanted: Option<FilterField>) {
    let target = match wanted {
        Some(f) => Some(f),
        None => FilterField::ALL
            .into_iter()
            .find(|f| state.unavailable(*f).is_none()),
    };
    if let Some(f) = target {
        match state.unavailable(f) {
            Some(why) => {
                state.note(format!("{} is greyed out: {why}.", f.label()));
            }
            None => state.focus = Focus::Filter(f),
        }
    }
}

pub(super) fn command(state: &mut State, field: FilterField, cmd: Command) -> Vec<Effect> {
    match cmd {
        Command::NextField | Command::PrevField => {
            let forward = cmd == Command::NextField;
            if let Some(f) = ring::next_usable(&FilterField::ALL, field, forward, |f| {
                state.unavailable(f).is_none()
            }) {
                state.focus = Focus::Filter(f);
            }
            vec![]
        }
        Command::NextChoice | Command::PrevChoice => {
            let forward = cmd == Command::NextChoice;
            match field {
                FilterField::Role => {
                    state.filters.role = ring::next_or_any(&Role::ALL, state.filters.role, forward)
                }
                FilterField::Status => {
                    state.filters.status =
                        ring::next_or_any(&Status::ALL, state.filters.status, forward)
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
                FilterField::ExternalRef => take_input(&mut state.filters.external_ref),
                FilterField::Search => take_input(&mut state.filters.search),
                FilterField::Role => state.filters.role.take().is_some(),
                FilterField::Status => state.filters.status.take().is_some(),
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
pub(super) fn clear_all(state: &mut State) -> Vec<Effect> {
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

/// A key the bar does not bind, in a text field: typing.
pub(super) fn type_key(state: &mut State, field: FilterField, ev: KeyEvent) -> Vec<Effect> {
    let input = match field {
        FilterField::ExternalRef => &mut state.filters.external_ref,
        FilterField::Search => &mut state.filters.search,
        _ => return vec![],
    };
    let before = input.value().to_string();
    input.handle_event(&Event::Key(ev));
    if input.value() == before {
        return vec![];
    }
    // A search goes out at once, so the list follows each keystroke (servers
    // answer needles of every length from an index: raven-server's trigram
    // index from three characters, its gram index below); the worker aborts
    // the superseded request and stale answers are dropped. An external_ref
    // is matched whole, so it waits for a pause in the typing instead.
    state.filters_changed(field != FilterField::Search)
}

/// A SCIM server may support only some filter operators (RFC 7644 §3.4.2.2),
/// and many take no `or`: a search refused with `invalidFilter` is asked
/// again on the display name alone, and the hint says so from then on.
/// `Some` is that new request. A server that refuses the narrower search too
/// gets its refusal shown: `no_or` is learnt once.
pub(super) fn narrow_refused_search(
    state: &mut State,
    result: &Result<crate::console::view::ListPage, ClientError>,
) -> Option<Vec<Effect>> {
    let Err(ClientError::Api {
        status: 400, code, ..
    }) = result
    else {
        return None;
    };
    let searching = state.query().search.is_some();
    let site = state.server.dialects.as_mut()?.scim.as_mut()?;
    if code != "invalidFilter" || site.no_or || !searching {
        return None;
    }
    site.no_or = true;
    let fx = state.request_list();
    // `info`, not a note: the good answer on its way would clear a note.
    state.info = Some(
        "This SCIM server takes no `or` in a filter: the search looks at display names only."
            .into(),
    );
    Some(fx)
}
