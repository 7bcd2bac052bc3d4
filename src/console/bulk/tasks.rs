//! The worker's side of marks and bulk runs: each starts a task that answers
//! as actions, batched (whatever is ready goes in one action), so ten
//! thousand outcomes are not ten thousand redraws.

use futures::StreamExt;
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::{AT_ONCE, Change, Stop, Target, collect, run};
use crate::api::client::{Client, ListQuery};
use crate::console::app::Action;
use crate::console::view::Dialects;

/// Reads newly marked users, [`AT_ONCE`] at a time.
pub fn read_marked(
    client: Client,
    dialects: Dialects,
    ids: Vec<String>,
    answers: UnboundedSender<Action>,
) {
    tokio::spawn(async move {
        let client = &client;
        let mut reads = futures::stream::iter(ids)
            .map(|id| async move {
                let result = run::read(client, dialects, &id).await;
                (id, result)
            })
            .buffer_unordered(AT_ONCE)
            .ready_chunks(64);
        while let Some(batch) = reads.next().await {
            if answers.send(Action::MarksRead(batch)).is_err() {
                return;
            }
        }
    });
}

pub fn mark_all(
    client: Client,
    id: u64,
    dialects: Dialects,
    query: ListQuery,
    max: usize,
    answers: UnboundedSender<Action>,
) {
    tokio::spawn(async move {
        let result = collect(&client, dialects, &query, max).await;
        let _ = answers.send(Action::MarkedAll { id, result });
    });
}

/// Starts bulk run `run_id`; the returned [`Stop`] ends it early.
pub fn bulk(
    client: Client,
    run_id: u64,
    dialects: Dialects,
    targets: Vec<Target>,
    change: Change,
    answers: UnboundedSender<Action>,
) -> Stop {
    let stop = Stop::default();
    let (tx, mut rx) = unbounded_channel();
    let stopper = stop.clone();
    tokio::spawn(async move {
        run::run(&client, dialects, targets, &change, tx, &stopper).await;
    });
    let forward = answers.clone();
    tokio::spawn(async move {
        let mut items = Vec::new();
        // Whatever has arrived goes in one action; the channel closes when the run is over.
        while rx.recv_many(&mut items, 256).await > 0 {
            let batch = std::mem::take(&mut items);
            if forward
                .send(Action::BulkProgress {
                    run: run_id,
                    items: batch,
                })
                .is_err()
            {
                return;
            }
        }
        let _ = forward.send(Action::BulkFinished { run: run_id });
    });
    stop
}
