//! Connections of the direct reads idle for `IDLE_TIMEOUT` are closed, and
//! their page caches with them.

use std::sync::{Arc, Weak};
use std::time::Duration;

use super::direct::DirectReads;

/// How long a connection may sit unused before it is closed.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(10);
/// How often the reaper looks.
const TICK: Duration = Duration::from_secs(1);

/// Closes idle direct connections until the store is dropped.
pub fn spawn_reaper(direct: &Arc<DirectReads>) {
    let direct: Weak<DirectReads> = Arc::downgrade(direct);
    tokio::spawn(async move {
        let mut ticks = tokio::time::interval(TICK);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            ticks.tick().await;
            let Some(direct) = direct.upgrade() else {
                break;
            };
            direct.close_idle(IDLE_TIMEOUT);
        }
    });
}
