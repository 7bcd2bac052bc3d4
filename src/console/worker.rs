//! The background task that owns the HTTP client. The loop hands it effects;
//! each call runs in its own task and its answer comes back as an action, so a
//! slow detail never holds up a page, and the screen never waits on either.

use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender, unbounded_channel};
use tokio::task::JoinHandle;

use std::collections::HashMap;

use super::app::{Action, Effect};
use super::bulk::{self, tasks};
use super::edit::{delete, save};
use super::{export, words};
use crate::api::client::Client;
use crate::console::view::BothViews;

/// Starts the worker; send it network effects, read answers from `answers`.
pub fn spawn(client: Client, answers: UnboundedSender<Action>) -> UnboundedSender<Effect> {
    let (tx, rx) = unbounded_channel();
    tokio::spawn(run(client, rx, answers));
    tx
}

async fn run(client: Client, mut rx: UnboundedReceiver<Effect>, answers: UnboundedSender<Action>) {
    // The answer to a superseded page would be dropped anyway; stop asking for it.
    let mut list_task: Option<JoinHandle<()>> = None;
    // Exports by id, so Esc can stop one: aborting drops its temporary file.
    let mut exports: HashMap<u64, JoinHandle<()>> = HashMap::new();
    // The bulk runs going on, to stop on Esc.
    let mut runs: std::collections::HashMap<u64, bulk::Stop> = Default::default();
    while let Some(effect) = rx.recv().await {
        let client = client.clone();
        let answers = answers.clone();
        match effect {
            Effect::Connect { api } => {
                tokio::spawn(async move {
                    let _ = answers.send(Action::Connected(client.connect(api).await));
                });
            }
            Effect::List {
                id,
                dialects,
                query,
            } => {
                if let Some(t) = list_task.take() {
                    t.abort();
                }
                list_task = Some(tokio::spawn(async move {
                    let result = client.list(dialects, &query).await;
                    let _ = answers.send(Action::Listed { id, result });
                }));
            }
            Effect::FindRef {
                id,
                dialects,
                query,
            } => {
                tokio::spawn(async move {
                    let result = client.list(dialects, &query).await;
                    let _ = answers.send(Action::FoundRef { id, result });
                });
            }
            Effect::Get {
                id,
                dialects,
                user_id,
            } => {
                tokio::spawn(async move {
                    let result = client.get(dialects, &user_id).await.map(Box::new);
                    let _ = answers.send(Action::Fetched { id, result });
                });
            }
            Effect::Save {
                id,
                dialects,
                user_id,
                patches,
                if_match,
            } => {
                // Never aborted: a write half-done must still report what it wrote.
                tokio::spawn(async move {
                    let result =
                        save::save(&client, dialects, &user_id, &patches, if_match.as_deref())
                            .await
                            .map(Box::new);
                    let _ = answers.send(Action::Saved { id, result });
                });
            }
            Effect::Create {
                id,
                dialects,
                user,
                rest,
            } => {
                tokio::spawn(async move {
                    let result = save::create_in(&client, dialects, &user, rest.as_deref())
                        .await
                        .map(Box::new);
                    let _ = answers.send(Action::Created { id, result });
                });
            }
            Effect::Export {
                id,
                dialects,
                request,
                format,
                path,
                token_hint,
            } => {
                exports.retain(|_, t| !t.is_finished());
                exports.insert(
                    id,
                    tokio::spawn(async move {
                        let tell = answers.clone();
                        let mut progress = move |progress| {
                            let _ = tell.send(Action::ExportProgress { id, progress });
                        };
                        let result = export::to_file(
                            &client,
                            dialects,
                            &request,
                            format,
                            &path,
                            &mut progress,
                        )
                        .await
                        .map_err(|e| match e {
                            export::ExportError::Client(c) => words::explain(&c, &token_hint),
                            other => other.to_string(),
                        });
                        let _ = answers.send(Action::Exported { id, result });
                    }),
                );
            }
            Effect::CancelExport { id } => {
                if let Some(t) = exports.remove(&id) {
                    t.abort();
                }
            }
            Effect::Delete {
                id,
                dialects,
                user_id,
                if_match,
            } => {
                // Never aborted: the admin must learn whether the user is gone.
                tokio::spawn(async move {
                    let result =
                        delete::delete(&client, dialects, &user_id, if_match.as_deref()).await;
                    let _ = answers.send(Action::Deleted {
                        id,
                        user_id,
                        result,
                    });
                });
            }
            Effect::ReadMarked { dialects, ids } => {
                tasks::read_marked(client, dialects, ids, answers);
            }
            Effect::MarkAll {
                id,
                dialects,
                query,
                max,
            } => tasks::mark_all(client, id, dialects, query, max, answers),
            Effect::Bulk {
                run,
                dialects,
                targets,
                change,
            } => {
                runs.retain(|_, s| !s.stopped());
                let stop = tasks::bulk(client, run, dialects, targets, change, answers);
                runs.insert(run, stop);
            }
            Effect::StopBulk { run } => {
                if let Some(stop) = runs.remove(&run) {
                    stop.stop();
                }
            }
            Effect::History(req) => {
                tokio::spawn(async move {
                    let answer = crate::console::history::fetch::run(&client, *req).await;
                    let _ = answers.send(Action::History(Box::new(answer)));
                });
            }
            // Timers, the editor and profiles are the loop's business, not the network's.
            Effect::After { .. }
            | Effect::Editor { .. }
            | Effect::Copy { .. }
            | Effect::SwitchProfile { .. } => {}
        }
    }
}
