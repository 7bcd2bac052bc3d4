//! One connection's task: hyper's connection future raced against the
//! connection's deadline (`state.rs`), the registry's request to make room,
//! and the server's shutdown.
//!
//! hyper-util's auto builder has no timer while it reads the bytes that pick
//! HTTP/1 or HTTP/2 (hyper issue 3756), and hyper's own `header_read_timeout`
//! also runs while a kept-alive HTTP/1 connection is idle, so neither is used:
//! this task owns every connection deadline.

use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Connection;
use tokio::sync::watch;
use tokio::time::Instant;

use super::io::Io;
use super::registry::Entry;
use super::service::ConnService;
use super::state::{ConnState, Due, Timeouts, Why};
use std::sync::Arc;

pub type Conn = Connection<'static, TokioIo<Io>, ConnService, TokioExecutor>;

/// After asking a connection to close (HTTP/2: GOAWAY), how long it may take,
/// once nothing is in flight, before it is dropped.
const CLOSE_GRACE: Duration = Duration::from_secs(1);

pub async fn run(
    conn: Conn,
    state: Arc<ConnState>,
    entry: Entry,
    timeouts: Timeouts,
    mut stop: watch::Receiver<bool>,
) {
    let mut conn = std::pin::pin!(conn);
    // Set once the connection was asked to close gracefully: drop it after this.
    let mut closing: Option<Instant> = None;
    // A request that ends or a head that starts now moves the deadline to no
    // sooner than this from now, so looking again this often is never late, and
    // the service need not wake this task on every request.
    let recheck = timeouts.header.min(timeouts.idle);
    loop {
        let soon = Instant::now() + recheck;
        let wake = match (state.due(&timeouts), closing) {
            (Due::Busy, _) => soon,
            (Due::At(_, Why::Idle), Some(grace)) => grace.min(soon),
            (Due::At(at, _), Some(grace)) => at.min(grace).min(soon),
            (Due::At(at, _), None) => at.min(soon),
        };
        tokio::select! {
            ended = conn.as_mut() => {
                if let Err(e) = ended {
                    tracing::debug!(error = %e, "connection ended with an error");
                }
                break;
            }
            () = state.shed_signal.notified() => {
                tracing::debug!("connection closed to make room for a new one");
                break;
            }
            _ = stop.changed(), if closing.is_none() => {
                // Requests in flight finish; the rest closes now or after the grace.
                conn.as_mut().graceful_shutdown();
                closing = Some(Instant::now() + CLOSE_GRACE);
            }
            () = tokio::time::sleep_until(wake) => {
                let now = Instant::now();
                match state.due(&timeouts) {
                    Due::Busy => {}
                    Due::At(at, why) if now >= at => match (why, closing) {
                        (Why::Idle, None) => {
                            // Politely first: HTTP/2 gets a GOAWAY, HTTP/1 closes between requests.
                            conn.as_mut().graceful_shutdown();
                            closing = Some(now + CLOSE_GRACE);
                        }
                        (Why::Idle, Some(grace)) if now < grace => {}
                        _ => {
                            tracing::debug!(?why, "connection timed out");
                            break;
                        }
                    },
                    Due::At(..) => {
                        if closing.is_some_and(|grace| now >= grace) {
                            break;
                        }
                    }
                }
            }
        }
    }
    drop(entry);
}
