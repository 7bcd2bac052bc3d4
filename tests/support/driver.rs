//! The console's state and a real client against one server, with no
//! terminal: each effect `update` asks for is carried out at once, as the
//! worker would, and its answer fed back. Shared by the interoperability
//! tests (stand-in servers and raven-server alike).
#![allow(dead_code)] // each test crate uses its own part of the driver

use ratatui::crossterm::event::KeyCode;
use raven_console::api::client::Client;
use raven_console::console::app::{Action, Effect, State, update};
use raven_console::console::bulk;
use raven_console::console::config::ApiChoice;
use raven_console::console::edit::form::FormField;
use raven_console::console::edit::{delete, save};
use raven_console::console::view::BothViews;

use super::support;

pub struct Driver {
    pub state: State,
    pub client: Client,
}

impl Driver {
    /// Connected, first page loaded, in a 24-row terminal (19 users a page asked for).
    pub async fn start(url: &str, key: &str, api: ApiChoice) -> Driver {
        let client = Client::new(url, Some(key.to_string())).expect("client");
        Self::with_client(client, api).await
    }

    pub async fn with_client(client: Client, api: ApiChoice) -> Driver {
        let mut state = State::new(client.base_url(), "the test key", api, 24);
        state.server.read_only = client.is_read_only();
        let mut d = Driver { state, client };
        let fx = d.state.start();
        d.run(fx).await;
        d
    }

    pub async fn run(&mut self, mut queue: Vec<Effect>) {
        while !queue.is_empty() {
            let effect = queue.remove(0);
            let c = &self.client;
            let action = match effect {
                Effect::Connect { api } => Action::Connected(c.connect(api).await),
                Effect::List {
                    id,
                    dialects,
                    query,
                } => Action::Listed {
                    id,
                    result: c.list(dialects, &query).await,
                },
                Effect::Get {
                    id,
                    dialects,
                    user_id,
                } => Action::Fetched {
                    id,
                    result: c.get(dialects, &user_id).await.map(Box::new),
                },
                Effect::Save {
                    id,
                    dialects,
                    user_id,
                    patches,
                    if_match,
                } => Action::Saved {
                    id,
                    result: save::save(c, dialects, &user_id, &patches, if_match.as_deref())
                        .await
                        .map(Box::new),
                },
                Effect::Create {
                    id,
                    dialects,
                    user,
                    rest,
                } => Action::Created {
                    id,
                    result: save::create_in(c, dialects, &user, rest.as_deref())
                        .await
                        .map(Box::new),
                },
                Effect::Delete {
                    id,
                    dialects,
                    user_id,
                    if_match,
                } => Action::Deleted {
                    id,
                    result: delete::delete(c, dialects, &user_id, if_match.as_deref()).await,
                    user_id,
                },
                Effect::FindRef {
                    id,
                    dialects,
                    query,
                } => Action::FoundRef {
                    id,
                    result: c.list(dialects, &query).await,
                },
                Effect::ReadMarked { dialects, ids } => {
                    let mut batch = Vec::new();
                    for id in ids {
                        let seen = bulk::run::read(c, dialects, &id).await;
                        batch.push((id, seen));
                    }
                    Action::MarksRead(batch)
                }
                Effect::MarkAll {
                    id,
                    dialects,
                    query,
                    max,
                } => Action::MarkedAll {
                    id,
                    result: bulk::collect(c, dialects, &query, max).await,
                },
                Effect::Bulk {
                    run,
                    dialects,
                    targets,
                    change,
                } => {
                    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
                    let stop = bulk::Stop::default();
                    bulk::run::run(c, dialects, targets, &change, tx, &stop).await;
                    let mut items = Vec::new();
                    while let Ok(p) = rx.try_recv() {
                        items.push(p);
                    }
                    queue.extend(update(&mut self.state, Action::BulkProgress { run, items }));
                    Action::BulkFinished { run }
                }
                Effect::History(req) => Action::History(Box::new(
                    raven_console::console::history::fetch::run(c, *req).await,
                )),
                Effect::After { action, .. } if matches!(*action, Action::Debounced(_)) => *action,
                // Stopping a run that has already finished, retries, the
                // editor, the clipboard, files and profiles are the loop's.
                Effect::StopBulk { .. }
                | Effect::After { .. }
                | Effect::Editor { .. }
                | Effect::Copy { .. }
                | Effect::Export { .. }
                | Effect::CancelExport { .. }
                | Effect::SwitchProfile { .. } => continue,
            };
            queue.extend(update(&mut self.state, action));
        }
    }

    pub async fn press(&mut self, code: KeyCode) -> bool {
        let fx = update(&mut self.state, support::key(code));
        let any = !fx.is_empty();
        self.run(fx).await;
        any
    }

    pub async fn ctrl(&mut self, c: char) {
        let fx = update(&mut self.state, support::ctrl(c));
        self.run(fx).await;
    }

    pub async fn typed(&mut self, text: &str) {
        for c in text.chars() {
            self.press(KeyCode::Char(c)).await;
        }
    }

    /// Puts the form's focus on `field`, as Tab would.
    pub fn focus(&mut self, field: FormField) {
        if let Some(f) = self.state.form.as_mut() {
            f.focus = field;
        }
    }

    pub fn ids(&self) -> Vec<String> {
        let l = self.state.list.as_ref().expect("a page on screen");
        l.rows.iter().map(|r| r.id.clone()).collect()
    }

    /// "page N of M" as the status line says it.
    pub fn label(&self) -> String {
        let l = self.state.list.as_ref().expect("a page on screen");
        let of = l.pages().map_or("?".to_string(), |n| n.to_string());
        format!("{} of {of}", l.page())
    }

    pub fn error(&self) -> String {
        self.state
            .error
            .as_ref()
            .map(|e| e.text.clone())
            .unwrap_or_default()
    }

    /// Pages forward to the end; every id seen, and each page's label.
    pub async fn walk(&mut self) -> (Vec<String>, Vec<String>) {
        let mut ids = self.ids();
        let mut labels = vec![self.label()];
        while self.press(KeyCode::Char('n')).await {
            let before = labels.last().cloned();
            if Some(self.label()) == before {
                break; // asked, and the server had nothing more
            }
            ids.extend(self.ids());
            labels.push(self.label());
        }
        (ids, labels)
    }
}
