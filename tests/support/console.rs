//! What the console's tests (and `benches/inproc.rs`) share: keys as actions,
//! the bootstrap from a new state to a listed first page, and the users they
//! show. Included with `#[path = "support/console.rs"] mod support;`, so each
//! test binary uses what it needs of it.
#![allow(dead_code)]

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use raven_console::api::client::{ClientError, ListQuery};
use raven_console::api::key::KeyInfo;
use raven_console::api::{eai, raven};
use raven_console::console::app::{Action, Effect, State, update};
use raven_console::console::config::ApiChoice;
use raven_console::console::edit::form::FormField;
use raven_console::console::edit::save::{SaveFailed, Saved};
use raven_console::console::view::{ActingAs, Connection, Dialects, ListPage, ListRow, UserViews};
use raven_console::model::{Object, Role, Status};
use serde_json::{Value, json};

pub fn key(code: KeyCode) -> Action {
    Action::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

pub fn ch(c: char) -> Action {
    key(KeyCode::Char(c))
}

pub fn ctrl(c: char) -> Action {
    Action::Key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL))
}

/// Each character of `text` as a key press.
pub fn typed(s: &mut State, text: &str) {
    for c in text.chars() {
        update(s, ch(c));
    }
}

/// The one list request among `fx`: its id and query.
pub fn list_req(fx: &[Effect]) -> (u64, ListQuery) {
    let found: Vec<_> = fx
        .iter()
        .filter_map(|e| match e {
            Effect::List { id, query, .. } => Some((*id, query.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(found.len(), 1, "expected one list request in {fx:?}");
    found[0].clone()
}

/// Where the console under test connects, and how.
pub struct Boot<'a> {
    pub url: &'a str,
    pub token_hint: &'a str,
    pub height: u16,
    pub dialects: Dialects,
    pub acting_as: ActingAs,
    /// What `GET /api/v1/key` said, on servers that have it.
    pub key: Option<KeyInfo>,
}

impl Default for Boot<'_> {
    fn default() -> Self {
        Boot {
            url: "http://raven.test",
            token_hint: "the key in $RAVEN_TOKEN",
            height: 24,
            dialects: Dialects::BOTH,
            acting_as: ActingAs::Tenant,
            key: None,
        }
    }
}

impl Boot<'_> {
    /// new → start → Connected → Listed: the first page is `page` of the
    /// query the console sent (and the state, for its page size).
    pub fn listed(self, page: impl FnOnce(&State, &ListQuery) -> ListPage) -> State {
        let (mut s, id, query) = self.connected();
        let result = Ok(page(&s, &query));
        update(&mut s, Action::Listed { id, result });
        s
    }

    /// new → start → Connected: the first page is asked for (its id and query), not answered.
    pub fn connected(self) -> (State, u64, ListQuery) {
        let mut s = State::new(self.url, self.token_hint, ApiChoice::Auto, self.height);
        assert_eq!(
            s.start(),
            vec![Effect::Connect {
                api: ApiChoice::Auto
            }]
        );
        let fx = update(
            &mut s,
            Action::Connected(Ok(Connection {
                dialects: self.dialects,
                acting_as: self.acting_as,
                key: self.key,
            })),
        );
        let (id, query) = list_req(&fx);
        (s, id, query)
    }
}

const FIRST: [&str; 8] = [
    "Jane", "Ravi", "Mei", "Lukas", "Amara", "Diego", "Sofia", "Kenji",
];
const LAST: [&str; 7] = [
    "Smith", "Patel", "Chen", "Weber", "Okafor", "Silva", "Tanaka",
];

/// The `i`-th of a tenant of made-up users, with the fields the dialects `d` show.
pub fn demo_row(i: u64, d: Dialects) -> ListRow {
    let first = FIRST[i as usize % FIRST.len()];
    let last = LAST[i as usize % LAST.len()];
    let day = 28 - (i % 27);
    ListRow {
        id: format!("usr_{:0>14}", i * 7919),
        name: Some(format!("{first} {last}")),
        email: d.eai.then(|| {
            format!(
                "{}.{}{i}@example.com",
                first.to_lowercase(),
                last.to_lowercase()
            )
        }),
        external_ref: d.raven.then(|| format!("crm-{:05}", 1000 + i)),
        role: d.eai.then_some(match i % 5 {
            0 => Role::Admin,
            4 => Role::Viewer,
            _ => Role::Member,
        }),
        status: d.eai.then_some(if i % 6 == 5 {
            Status::Inactive
        } else {
            Status::Active
        }),
        last_login_at: (d.eai && i % 4 != 3)
            .then(|| format!("2026-03-{day:02}T09:{:02}:00.000Z", i % 60)),
        created_at: d
            .raven
            .then(|| format!("2025-{:02}-15T10:00:00.000Z", 1 + i % 12)),
    }
}

/// `$EDITOR` came back with `text` for `field`.
pub fn edited(s: &mut State, field: FormField, text: &str) {
    update(
        s,
        Action::Edited {
            field,
            result: Ok(text.into()),
        },
    );
}

/// A 412: the user changed since the version the save was conditional on.
pub fn precondition_failed(message: &str) -> ClientError {
    ClientError::Api {
        status: 412,
        code: "precondition_failed".into(),
        message: message.into(),
        field: None,
        user_id: None,
    }
}

/// The answer to save `id`: nothing written, `error`, and their version when it came with it.
pub fn save_failed(
    s: &mut State,
    id: u64,
    error: ClientError,
    theirs: Option<UserViews>,
) -> Vec<Effect> {
    let failed = SaveFailed {
        written: Saved::default(),
        error,
        theirs: theirs.map(Box::new),
    };
    update(
        s,
        Action::Saved {
            id,
            result: Err(Box::new(failed)),
        },
    )
}

/// A JSON object literal as the model's object.
pub fn obj(v: Value) -> Object {
    v.as_object().cloned().expect("an object")
}

/// Jane, as the list shows her.
pub fn jane_row() -> ListRow {
    ListRow {
        id: "usr_jane".into(),
        name: Some("Jane".into()),
        email: Some("jane@example.com".into()),
        external_ref: Some("crm-1".into()),
        role: Some(Role::Member),
        status: Some(Status::Active),
        last_login_at: Some("2026-03-01T10:00:00.000Z".into()),
        created_at: Some("2025-01-01T10:00:00.000Z".into()),
    }
}

/// Jane in the Raven view.
pub fn jane_raven(name: &str, metadata: Value) -> raven::User {
    raven::User {
        user_id: "usr_jane".into(),
        tenant_id: "ten_1".into(),
        external_ref: Some("crm-1".into()),
        display_name: Some(name.into()),
        metadata: obj(metadata),
        conversation_count: Some(4),
        created_at: "2025-01-01T10:00:00.000Z".into(),
        updated_at: None,
    }
}

/// Jane in the EAI view.
pub fn jane_eai(name: &str, preferences: Value) -> eai::User {
    eai::User {
        id: "usr_jane".into(),
        email: Some("jane@example.com".into()),
        name: Some(name.into()),
        avatar: None,
        role: Role::Member,
        permissions: Role::Member.permissions().to_vec(),
        tenant_id: "acme".into(),
        preferences: obj(preferences),
        created_at: "2025-01-01T10:00:00.000Z".into(),
        last_login_at: None,
    }
}

/// Both views of Jane at `version`.
pub fn jane_views(version: u32) -> UserViews {
    UserViews {
        raven: Some(jane_raven("Jane", json!({"plan": "pro"}))),
        eai: Some(jane_eai("Jane", json!({"theme": "dark", "beta": true}))),
        etag: Some(format!("\"v{version}\"")),
        extra: Default::default(),
        status: None,
    }
}
