//! The user list's part of the state: the page on screen, paging that follows
//! what the server returned, the cursor, and the list's keys and answers.
//! Drawn by `ui/list.rs`.

use super::{Effect, Focus, State, filter::FilterField, form, writes_off};
use crate::api::client::{ClientError, ListQuery};
use crate::console::keymap::Command;
use crate::console::view::{ListPage, ListRow};

/// The page on screen: the last answer that was wanted. It stays while a newer
/// request is out or the server is down.
///
/// Paging follows what the server returned, never what was asked: a server may
/// cap its pages (Raven says so in `limit`; EAI may just send fewer rows), so
/// the next page starts after the last row received, and `limit` is the page
/// size the server is known to use.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    pub rows: Vec<ListRow>,
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

impl State {
    pub fn selected(&self) -> Option<&ListRow> {
        self.list.as_ref().and_then(|l| l.rows.get(self.cursor))
    }
}

pub(super) fn command(state: &mut State, cmd: Command) -> Vec<Effect> {
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
        state.note("The list is still being updated for what is typed: wait for it.");
        return vec![];
    }
    if matches!(cmd, Command::Edit | Command::Create) && writes_off(state) {
        return vec![];
    }
    let at_bottom = rows > 0 && state.cursor + 1 >= rows;
    match cmd {
        Command::Up => state.cursor = state.cursor.saturating_sub(1),
        // Past the bottom row, as a reader expects: on to the next page.
        Command::Down if at_bottom && next.is_some() => {
            return go_to(state, next.unwrap_or_default(), false).unwrap_or_default();
        }
        Command::Down => state.cursor = (state.cursor + 1).min(rows.saturating_sub(1)),
        Command::First => state.cursor = 0,
        // Pressed again on the last row: the last page.
        Command::Last if at_bottom => {
            return match last_offset(state).and_then(|o| go_to(state, o, true)) {
                Ok(fx) => fx,
                Err(why) => {
                    state.note(why);
                    vec![]
                }
            };
        }
        Command::Last => state.cursor = rows.saturating_sub(1),
        Command::CommandLine => super::cmdline::open(state),
        Command::Bulk => return super::bulk::open(state),
        Command::Mark
        | Command::MarkPage
        | Command::MarkRange
        | Command::ClearMarks
        | Command::MarkAll => {
            return super::marks::command(state, cmd);
        }
        Command::CopyId | Command::CopyJson => return super::copy::command(state, cmd),
        Command::History if rows > 0 && !state.stale() => {
            let Some(row) = state.selected().cloned() else {
                return vec![];
            };
            return super::history::open(state, row);
        }
        Command::Sort | Command::NextColumn | Command::PrevColumn => {
            return super::sort::command(state, cmd);
        }
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
        Command::Create => form::open_create(state),
        Command::ClearAll => return super::filter::clear_all(state),
        Command::Search => super::filter::focus_field(state, Some(FilterField::Search)),
        Command::FilterBar => super::filter::focus_field(state, None),
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

/// Shows the page that starts at `offset`, the cursor on its first row or
/// (`at_end`) its last. Refused while a retry counts down: that page would
/// arrive later, by surprise.
pub(super) fn go_to(state: &mut State, offset: u64, at_end: bool) -> Result<Vec<Effect>, String> {
    if state.counting() {
        return Err("The server is not answering: wait for the retry.".into());
    }
    let size = page_size_now(state);
    state.offset = offset;
    // Clamped to the rows that arrive (see `on_listed`).
    state.cursor = if at_end {
        size.saturating_sub(1) as usize
    } else {
        0
    };
    let same = state.list.as_ref().is_some_and(|l| l.offset == offset);
    // Already there: only the cursor moves.
    if same
        && state.pending_list.is_none()
        && let Some(l) = &state.list
    {
        state.cursor = state.cursor.min(l.rows.len().saturating_sub(1));
        return Ok(vec![]);
    }
    Ok(state.request_list())
}

/// The page size in effect: the server's, once a page has shown it.
fn page_size_now(state: &State) -> u64 {
    state
        .list
        .as_ref()
        .map_or(u64::from(state.limit.max(1)), |l| u64::from(l.limit.max(1)))
}

/// Where the last page starts, when the server said how many users there are.
pub(super) fn last_offset(state: &State) -> Result<u64, String> {
    let Some(list) = &state.list else {
        return Err("No page has arrived yet.".into());
    };
    let Some(total) = list.total else {
        return Err(format!(
            "The server did not say how many users there are, so the last page is not known: {} goes on page by page.",
            crate::console::keymap::keys(crate::console::keymap::Context::List, Command::NextPage)
        ));
    };
    let size = page_size_now(state);
    Ok(total.saturating_sub(1) / size * size)
}

/// Where page `n` (from 1) starts, when there is such a page.
pub(super) fn page_offset(state: &State, n: u64) -> Result<u64, String> {
    let Some(list) = &state.list else {
        return Err("No page has arrived yet.".into());
    };
    let size = page_size_now(state);
    if let Some(total) = list.total {
        let pages = total.div_ceil(size).max(1);
        if n > pages {
            let noun = if pages == 1 { "page" } else { "pages" };
            return Err(format!("There is no page {n}: {pages} {noun} of {size}."));
        }
    }
    Ok((n - 1).saturating_mul(size))
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

pub(super) fn on_listed(
    state: &mut State,
    id: u64,
    result: Result<ListPage, ClientError>,
) -> Vec<Effect> {
    if state.pending_list != Some(id) {
        // An answer to a query that has since changed.
        return vec![];
    }
    state.pending_list = None;
    if let Some(fx) = super::sort::check(state, &result) {
        return fx;
    }
    if let Some(fx) = super::filter::narrow_refused_search(state, &result) {
        return fx;
    }
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

/// A key bound to a user may not list the tenant: instead of a dead end, the
/// list is that one user, opened, with what the key may edit.
fn own_user(state: &mut State, me: ListRow) -> Vec<Effect> {
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
