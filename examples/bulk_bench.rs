//! A bulk status change, timed headless: marks up to N users of a running
//! server (as `A` does: every page of the filtered list, then each user's
//! version), then runs one status change through `console::bulk::run`, at
//! most 4 requests at a time, each PATCH with If-Match.
//!
//!     cargo run --release --example bulk_bench -- \
//!         --url http://127.0.0.1:PORT --token rk_live_... \
//!         [--count 10000] [--status inactive] [--filter-status active] [--search TEXT]
//!
//! Prints one JSON object: users marked, seconds to mark them (list pages
//! and reads), seconds of the run, PATCHes a second, and the outcomes.

use std::time::Instant;

use raven_console::api::client::{Client, ListQuery};
use raven_console::console::bulk::{Change, Outcome, Stop, Target, collect, run};
use raven_console::console::view::BothViews;
use raven_console::model::Status;

struct Args {
    url: String,
    token: String,
    count: usize,
    status: Status,
    filters: ListQuery,
}

fn args() -> anyhow::Result<Args> {
    let mut a = std::env::args().skip(1);
    let mut out = Args {
        url: String::new(),
        token: String::new(),
        count: 10_000,
        status: Status::Inactive,
        filters: ListQuery::default(),
    };
    while let Some(flag) = a.next() {
        let v = a
            .next()
            .ok_or_else(|| anyhow::anyhow!("{flag} needs a value"))?;
        match flag.as_str() {
            "--url" => out.url = v,
            "--token" => out.token = v,
            "--count" => out.count = v.parse()?,
            "--status" => out.status = v.parse().map_err(|_| anyhow::anyhow!("--status {v}"))?,
            "--filter-status" => {
                out.filters.status = Some(
                    v.parse()
                        .map_err(|_| anyhow::anyhow!("--filter-status {v}"))?,
                )
            }
            "--search" => out.filters.search = Some(v),
            other => anyhow::bail!("unknown flag {other}"),
        }
    }
    anyhow::ensure!(!out.url.is_empty(), "--url is required");
    Ok(out)
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let a = args()?;
    let token = (!a.token.is_empty()).then_some(a.token.clone());
    let client = Client::new(&a.url, token)?;
    let dialects = client.detect().await?;

    let t0 = Instant::now();
    let found = collect(&client, dialects, &a.filters, a.count).await?;
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
    let reads = {
        use futures::StreamExt;
        futures::stream::iter(found.rows.iter().map(|r| r.id.clone()))
            .map(|id| {
                let client = &client;
                async move {
                    let seen = run::read(client, dialects, &id).await.ok();
                    Target { id, seen }
                }
            })
            .buffer_unordered(raven_console::console::bulk::AT_ONCE)
            .collect::<Vec<Target>>()
            .await
    };
    let marked_s = t0.elapsed().as_secs_f64();
    let n = reads.len();

    let t1 = Instant::now();
    run::run(
        &client,
        dialects,
        reads,
        &Change::Status(a.status),
        tx,
        &Stop::default(),
    )
    .await;
    let run_s = t1.elapsed().as_secs_f64();
    let (mut done, mut conflicts, mut refused, mut failed) = (0, 0, 0, 0);
    while let Ok(p) = rx.try_recv() {
        match p.outcome {
            Outcome::Done => done += 1,
            Outcome::Conflict(_) => conflicts += 1,
            Outcome::Refused(_) => refused += 1,
            _ => failed += 1,
        }
    }
    println!(
        "{}",
        serde_json::json!({
            "marked": n,
            "matching": found.total,
            "mark_s": (marked_s * 1000.0).round() / 1000.0,
            "run_s": (run_s * 1000.0).round() / 1000.0,
            "requests_per_s": if run_s > 0.0 { (n as f64 / run_s).round() } else { 0.0 },
            "done": done,
            "conflicts": conflicts,
            "refused": refused,
            "errors": failed,
        })
    );
    Ok(())
}
