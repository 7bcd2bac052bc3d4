//! Checkpoints off the request's path. SQLite's own automatic checkpoint runs
//! inside the commit that crosses its threshold (1,000 pages), so one PATCH in
//! every few dozen paid for copying the whole log into the database file: at 1M
//! users that put SQLite's PATCH p99 at ~10x PostgreSQL's (docs/BENCHMARKS.md).
//! The pool's connections turn it off (`wal_autocheckpoint = 0`) and this
//! thread checkpoints instead, on a connection of its own.
//!
//! A PASSIVE checkpoint never waits for readers or writers, so it cannot slow a
//! request, and under a steady load it keeps up. But the log only shrinks when
//! a writer starts it again from the top, which it may do only while no reader
//! reads from it, and under steady reads that moment may never come (the test
//! saw the log reach 170 MB). So past `HARD_FRAMES` the thread runs a RESTART
//! checkpoint, which holds new writers back while the readers of the log
//! finish (milliseconds; once per 16 MiB written): the log stays bounded
//! whatever the load.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::mpsc::{self, RecvTimeoutError, Sender};
use std::time::Duration;

use rusqlite::Connection;

/// How often the thread looks at the log.
const TICK: Duration = Duration::from_millis(100);
/// Log frames (pages) past which the checkpoint waits for readers. At 4 KiB
/// pages, 16 MiB.
pub const HARD_FRAMES: i64 = 4_096;
/// What the log file is truncated to when a writer restarts it (bytes), so a
/// burst does not leave a large file behind.
pub const JOURNAL_SIZE_LIMIT: i64 = 16 * 1024 * 1024;
/// How often, and how many times, a RESTART checkpoint looks again for the
/// readers it waits on before it gives up until the next tick. Writers wait
/// while it waits, so it looks every millisecond (SQLite's own busy timeout
/// sleeps up to 100 ms at a time, long after the readers are gone).
const BUSY_STEP: Duration = Duration::from_millis(1);
const BUSY_TRIES: i32 = 200;

/// Runs checkpoints until it is dropped.
pub struct Checkpointer {
    _stop: Sender<()>,
}

impl Checkpointer {
    /// Starts the thread for the database at `path`.
    /// Starts the thread for the database at `path`. A RESTART checkpoint
    /// takes its turn on `writer`, the lock the store's own writes queue on.
    pub fn start(path: &Path, writer: Arc<tokio::sync::Mutex<()>>) -> std::io::Result<Self> {
        let (stop, stopped) = mpsc::channel::<()>();
        let path = path.to_path_buf();
        std::thread::Builder::new()
            .name("sqlite-checkpoint".into())
            .spawn(move || {
                let mut conn = None;
                // Every message or a hang-up ends the loop: the store is gone.
                while let Err(RecvTimeoutError::Timeout) = stopped.recv_timeout(TICK) {
                    if let Err(e) = tick(&mut conn, &path, &writer) {
                        // The next tick opens a new connection.
                        tracing::warn!("checkpoint of the SQLite log failed: {e}");
                        conn = None;
                    }
                }
            })?;
        Ok(Checkpointer { _stop: stop })
    }
}

fn tick(
    conn: &mut Option<Connection>,
    path: &PathBuf,
    writer: &tokio::sync::Mutex<()>,
) -> rusqlite::Result<()> {
    let c = match conn {
        Some(c) => c,
        None => conn.insert(open(path)?),
    };
    let (_, log, _) = checkpoint(c, "PASSIVE")?;
    // Even when all of the log is in the database, a writer can only start it
    // again from the top while no reader still reads from it; under a steady
    // load of both that moment may not come.
    if log > HARD_FRAMES {
        // In the writers' queue rather than in SQLite's busy handler: a write
        // that met the checkpoint's lock there would sleep on for up to 100 ms
        // after it is gone (PATCH p99 was 200-340 ms); queued, it starts at once.
        let _turn = writer.blocking_lock();
        let (busy, log, done) = checkpoint(c, "RESTART")?;
        if busy != 0 {
            tracing::debug!("checkpoint: {done} of {log} log frames copied, readers busy");
        }
    }
    Ok(())
}

fn open(path: &PathBuf) -> rusqlite::Result<Connection> {
    let conn = Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )?;
    conn.busy_handler(Some(|tries: i32| {
        std::thread::sleep(BUSY_STEP);
        tries < BUSY_TRIES
    }))?;
    // It commits nothing itself; set anyway, so that this connection never
    // runs SQLite's own checkpoint on top of the ones it runs here.
    conn.execute_batch("PRAGMA wal_autocheckpoint = 0;")?;
    Ok(conn)
}

/// `(busy, frames in the log, frames copied)`, as `PRAGMA wal_checkpoint` says.
fn checkpoint(conn: &Connection, mode: &str) -> rusqlite::Result<(i64, i64, i64)> {
    conn.query_row(&format!("PRAGMA wal_checkpoint({mode})"), [], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })
}
