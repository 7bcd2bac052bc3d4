//! Sorting against real servers through the real client and `update()`:
//! raven-server sorts (the page comes back in the order asked, by the
//! dialect's spelling); a stand-in that ignores `sort` and one that refuses
//! it are noticed, said, and the list goes back to newest first.

mod common;
mod standin;

use ratatui::crossterm::event::KeyCode;
use raven_console::api::client::Client;
use raven_console::console::app::{Action, Effect, State, update};
use raven_console::console::config::ApiChoice;
use raven_console::console::view::BothViews;
use raven_console::store::SortKey;
use standin::{Dialect, KEY, Standin, Switches};

#[path = "support/console.rs"]
mod support;

/// The console against one server, list effects carried out at once.
async fn drive(state: &mut State, client: &Client, mut queue: Vec<Effect>) {
    while !queue.is_empty() {
        let action = match queue.remove(0) {
            Effect::Connect { api } => Action::Connected(client.connect(api).await),
            Effect::List {
                id,
                dialects,
                query,
            } => Action::Listed {
                id,
                result: client.list(dialects, &query).await,
            },
            _ => continue,
        };
        queue.extend(update(state, action));
    }
}

async fn start(url: &str, key: &str) -> (State, Client) {
    let client = Client::new(url, Some(key.to_string())).unwrap();
    let mut state = State::new(client.base_url(), "the test key", ApiChoice::Auto, 24);
    state.width = 80;
    let fx = state.start();
    drive(&mut state, &client, fx).await;
    assert!(state.list.is_some(), "{:?}", state.error);
    (state, client)
}

async fn press(state: &mut State, client: &Client, c: char) {
    let fx = update(state, support::ch(c));
    drive(state, client, fx).await;
}

fn names(state: &State) -> Vec<String> {
    let l = state.list.as_ref().unwrap();
    l.rows
        .iter()
        .map(|r| r.name.clone().unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn raven_server_sorts_by_the_focused_column() {
    let s = common::TestServer::start(common::Db::Sqlite).await;
    s.tenant("Acme", "acme");
    let key = s.key("acme", "users:read");
    s.seed("acme", 60);
    let (mut state, client) = start(&s.base, &key).await;
    press(&mut state, &client, 's').await;
    assert_eq!(
        state.sort.current.map(|s| s.key),
        Some(SortKey::DisplayName)
    );
    let got = names(&state);
    let mut want = got.clone();
    want.sort_by_key(|n| raven_console::model::fold(n));
    assert_eq!(got, want, "ascending by name");
    assert!(!state.info.clone().unwrap_or_default().contains("cannot"));
    // Email is EAI's alone: the page still carries Raven's columns.
    press(&mut state, &client, '>').await;
    press(&mut state, &client, 's').await;
    let l = state.list.as_ref().unwrap();
    assert_eq!(state.sort.current.map(|s| s.key), Some(SortKey::Email));
    let emails: Vec<String> = l.rows.iter().map(|r| r.email.clone().unwrap()).collect();
    assert!(emails.windows(2).all(|w| w[0] <= w[1]), "{emails:?}");
    assert!(l.rows.iter().all(|r| r.created_at.is_some()));
}

async fn not_sorting(sw: Switches, dialect: Dialect) {
    let s = Standin::start(dialect, sw, 30);
    let (mut state, client) = start(&s.url, KEY).await;
    let before = names(&state);
    press(&mut state, &client, 's').await;
    assert_eq!(state.sort.current, None);
    let said = state.info.clone().unwrap_or_default();
    assert!(
        said.contains("name column cannot be sorted on this server"),
        "{said}"
    );
    assert_eq!(names(&state), before, "newest first again");
    assert_eq!(state.error, None);
    // Asked again: said at once, nothing sent.
    let fx = update(&mut state, support::key(KeyCode::Char('s')));
    assert_eq!(fx, vec![]);
}

#[tokio::test]
async fn a_server_that_ignores_sort_is_noticed() {
    not_sorting(Switches::default(), Dialect::Eai).await;
    not_sorting(Switches::default(), Dialect::Raven).await;
}

#[tokio::test]
async fn a_server_that_refuses_sort_is_noticed() {
    let refuse = || Switches {
        refuse_sort: true,
        ..Switches::default()
    };
    not_sorting(refuse(), Dialect::Eai).await;
    not_sorting(refuse(), Dialect::Raven).await;
}
