//! Memory of an idle server: each connection holds a page cache of up to
//! `CACHE_KIB`, and after a load the pool and the direct reads hold several, so
//! an idle server kept hundreds of megabytes (docs/BENCHMARKS.md, finding 6).
//! Connections idle for `IDLE_TIMEOUT` are closed (the pool's own reaper for
//! its connections, this one for the direct reads'), and the C heap SQLite
//! allocated their caches from is handed back to the system.

use std::sync::{Arc, Weak};
use std::time::Duration;

use sqlx::SqlitePool;

use super::direct::DirectReads;

/// How long a connection may sit unused before it is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the reaper looks.
const TICK: Duration = Duration::from_secs(1);

/// Closes idle direct connections until the store is dropped, and trims the
/// heap whenever connections were closed.
pub fn spawn_reaper(pool: SqlitePool, direct: &Arc<DirectReads>) {
    let direct: Weak<DirectReads> = Arc::downgrade(direct);
    tokio::spawn(async move {
        let mut pooled = pool.size();
        let mut ticks = tokio::time::interval(TICK);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            // The store is gone: so is the reason to keep the pool open.
            let Some(direct) = direct.upgrade() else {
                break;
            };
            let closed = direct.close_idle(IDLE_TIMEOUT);
            // The pool only shrinks when its reaper closed connections.
            let now = pool.size();
            if closed > 0 || now < pooled {
                trim_heap();
            }
            pooled = now;
        }
    });
}

/// Returns the free memory of the C heap (SQLite's page caches come from
/// `malloc`, not from Rust's allocator) to the system. glibc keeps it otherwise:
/// at 1M users, 25 s after a search load, 241 MB without this, 24 MB with it.
fn trim_heap() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks glibc's own arenas; it takes no pointers.
    unsafe {
        libc::malloc_trim(0);
    }
}
