//! The accept loop, over hyper's own connection builder, so that the server
//! bounds what a client may hold (connections at once, time to send a request
//! head, time idle between requests) and still shuts down gracefully.
//!
//! - `state`: one connection's requests in flight, idle time and deadline
//! - `service`: counts a request in flight until its body is sent; head limits
//! - `io`: the socket as hyper sees it; our JSON in place of hyper's own refusals
//! - `rewrite`: recognising hyper's bodiless error reply and writing ours
//! - `registry`: the open connections; at the cap, the longest idle is shed
//! - `drive`: one connection's task, which closes it when its time is up

mod drive;
mod io;
mod registry;
mod rewrite;
mod service;
mod state;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::time::Instant;

pub use state::Timeouts;

use crate::server::limits::{H2_MAX_HEADER_LIST_BYTES, HYPER_MAX_HEADERS};

/// How long shutdown waits for requests in flight before giving up on them.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(30);

/// What one client may hold; `raven-server serve` flags.
#[derive(Debug, Clone, Copy)]
pub struct ConnLimits {
    pub timeouts: Timeouts,
    /// Connections open at once.
    pub max_connections: usize,
}

impl Default for ConnLimits {
    fn default() -> Self {
        ConnLimits {
            timeouts: Timeouts {
                header: Duration::from_secs(10),
                idle: Duration::from_secs(60),
            },
            max_connections: 1024,
        }
    }
}

pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnLimits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    raise_open_files_limit(limits.max_connections);
    let registry = registry::Registry::new(limits.max_connections);
    let (stop, stopped) = watch::channel(false);
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        // Its default (30 s, once a timer is set) also runs while a kept-alive
        // connection is idle; `drive` keeps both deadlines instead.
        .header_read_timeout(None)
        .max_headers(HYPER_MAX_HEADERS)
        // One buffer per write, so that `io` sees hyper's error reply whole.
        .writev(false);
    builder
        .http2()
        .max_header_list_size(H2_MAX_HEADER_LIST_BYTES);
    tokio::pin!(shutdown);
    'accept: loop {
        // Every connection has a request in flight: new clients wait in the backlog.
        while !registry.can_admit() {
            tokio::select! {
                () = &mut shutdown => break 'accept,
                () = registry.closed() => {}
                // A connection whose request ends becomes sheddable without closing.
                () = tokio::time::sleep(Duration::from_millis(10)) => {}
            }
        }
        let (stream, _) = tokio::select! {
            () = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: pause rather than spin.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // Sheds one idle connection at the cap. Should the one counted on above
        // have turned busy meanwhile, this connection is one over until a close.
        registry.make_room();
        let _ = stream.set_nodelay(true);
        let state = Arc::new(state::ConnState::new(Instant::now()));
        let entry = registry.insert(Arc::clone(&state));
        let io = TokioIo::new(io::Io::new(stream, Arc::clone(&state)));
        let service = service::ConnService::new(app.clone(), Arc::clone(&state));
        let conn = builder.serve_connection(io, service).into_owned();
        tokio::spawn(drive::run(
            conn,
            state,
            entry,
            limits.timeouts,
            stopped.clone(),
        ));
    }
    drop(listener);
    let _ = stop.send(true);
    if tokio::time::timeout(DRAIN_TIMEOUT, registry.empty())
        .await
        .is_err()
    {
        tracing::warn!("requests still in flight after {DRAIN_TIMEOUT:?}; stopping anyway");
    }
    Ok(())
}

/// Each connection is a file descriptor, and the usual soft limit (1,024) is
/// below what `max_connections` and the database need together: raise it to the
/// hard limit, and say so when even that is short.
fn raise_open_files_limit(max_connections: usize) {
    #[cfg(unix)]
    {
        let mut lim = libc::rlimit {
            rlim_cur: 0,
            rlim_max: 0,
        };
        // SAFETY: getrlimit and setrlimit only read and write the struct passed.
        unsafe {
            if libc::getrlimit(libc::RLIMIT_NOFILE, &mut lim) != 0 {
                return;
            }
            if lim.rlim_cur < lim.rlim_max {
                let raised = libc::rlimit {
                    rlim_cur: lim.rlim_max,
                    rlim_max: lim.rlim_max,
                };
                if libc::setrlimit(libc::RLIMIT_NOFILE, &raised) == 0 {
                    lim = raised;
                }
            }
        }
        let need = max_connections as libc::rlim_t + 64;
        if lim.rlim_cur < need {
            tracing::warn!(
                "the open files limit ({}) is below --max-connections plus the database's \
                 files ({need}); connections past it will wait",
                lim.rlim_cur
            );
        }
    }
    #[cfg(not(unix))]
    let _ = max_connections;
}
