//! What comes into `update` ([`Action`]: keys, worker answers, timers) and
//! what goes out of it ([`Effect`]: requests, timers, the editor). The loop in
//! `console/mod.rs` turns events into actions and carries the effects out;
//! the worker answers the network's.

use std::time::Duration;

use ratatui::crossterm::event::KeyEvent;

use crate::api::client::{ClientError, ListQuery};
use crate::api::raven;
use crate::console::bulk::{Change, Collected, Progress, Seen, Target};
use crate::console::config::ApiChoice;
use crate::console::edit::form::FormField;
use crate::console::edit::patch::Patches;
use crate::console::edit::save::{Created, SaveFailed, Saved};
use crate::console::history::{HistoryAnswer, HistoryRequest};
use crate::console::view::{Connection, Dialects, ListPage, UserViews};

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
        result: Result<ListPage, ClientError>,
    },
    Fetched {
        id: u64,
        result: Result<Box<UserViews>, ClientError>,
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
    /// The answer to [`Effect::FindRef`].
    FoundRef {
        id: u64,
        result: Result<ListPage, ClientError>,
    },
    /// The answer to [`Effect::Delete`].
    Deleted {
        id: u64,
        user_id: String,
        result: Result<(), ClientError>,
    },
    /// What was read of newly marked users (see [`Effect::ReadMarked`]), a few at a time.
    MarksRead(Vec<(String, Result<Seen, ClientError>)>),
    /// The answer to [`Effect::MarkAll`].
    MarkedAll {
        id: u64,
        result: Result<Collected, ClientError>,
    },
    /// Outcomes of bulk run `run`, as they come.
    BulkProgress {
        run: u64,
        items: Vec<Progress>,
    },
    /// Bulk run `run` has an outcome for every user.
    BulkFinished {
        run: u64,
    },
    /// `$EDITOR` came back with the new text of a JSON field, or did not run.
    Edited {
        field: FormField,
        result: Result<String, String>,
    },
    /// A click or the wheel (with when it happened, to tell a double-click).
    Mouse {
        event: ratatui::crossterm::event::MouseEvent,
        at: std::time::Instant,
    },
    /// How far the export of [`Effect::Export`] `id` has come.
    ExportProgress {
        id: u64,
        progress: crate::console::export::Progress,
    },
    /// The export ended: users written, or why not (nothing was left behind).
    Exported {
        id: u64,
        result: Result<u64, String>,
    },
    /// The loop's answer to [`Effect::SwitchProfile`].
    Switched(Result<crate::console::app::Switched, String>),
    /// A signal or a closed input: leave now.
    Quit,
    /// The answer to an [`Effect::History`] (the audit trail, `app/history.rs`).
    History(Box<HistoryAnswer>),
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
        /// The server's dialects: over SCIM the whole create is one `POST /Users`.
        dialects: Dialects,
        user: raven::CreateUser,
        rest: Option<Box<crate::api::eai::PatchUser>>,
    },
    /// `D`, confirmed: delete the user (SCIM, or raven-server's Raven extension).
    Delete {
        id: u64,
        dialects: Dialects,
        user_id: String,
        if_match: Option<String>,
    },
    /// `:ref`: the list filtered by one external_ref, to open its holder.
    FindRef {
        id: u64,
        dialects: Dialects,
        query: ListQuery,
    },
    /// Read what a bulk change needs of these newly marked users (their version).
    ReadMarked {
        dialects: Dialects,
        ids: Vec<String>,
    },
    /// Every user matching `query`'s filters, at most `max`, to mark.
    MarkAll {
        id: u64,
        dialects: Dialects,
        query: ListQuery,
        max: usize,
    },
    /// Send `change` to `targets` (see `console::bulk::run`).
    Bulk {
        run: u64,
        dialects: Dialects,
        targets: Vec<Target>,
        change: Change,
    },
    /// Esc during bulk run `run`: send no more of it.
    StopBulk {
        run: u64,
    },
    /// Put `text` on the clipboard through OSC 52; the loop writes it to the
    /// terminal, so `update` stays pure.
    Copy {
        text: String,
    },
    /// Hand `text` to `$VISUAL`/`$EDITOR` with the terminal restored; the loop
    /// carries it out itself, paused, and answers [`Action::Edited`].
    Editor {
        field: FormField,
        text: String,
    },
    /// `:export`: the list, every page, into `path`, in the background.
    Export {
        id: u64,
        dialects: Dialects,
        request: crate::console::export::Request,
        format: crate::console::export::Format,
        path: std::path::PathBuf,
        /// Where the key came from, for the words of a refusal.
        token_hint: String,
    },
    /// Stop export `id`; its temporary file goes with it.
    CancelExport {
        id: u64,
    },
    /// `:profile NAME`: the loop resolves the profile, starts a worker on its
    /// server and answers [`Action::Switched`].
    SwitchProfile {
        name: String,
    },
    /// Send `action` back after `delay` (debounce and retry timers).
    After {
        delay: Duration,
        action: Box<Action>,
    },
    /// A request of the audit trail (`console::history::fetch`).
    History(Box<HistoryRequest>),
}
