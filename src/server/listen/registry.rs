//! The open connections, so that at the cap the server makes room rather than
//! stop accepting: it closes the connection that has waited the longest with
//! no request in flight (one that never sent a request before one that has),
//! so a flood of silent sockets cannot lock real clients out.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use tokio::sync::Notify;

use super::state::ConnState;

pub struct Registry {
    max: usize,
    inner: Mutex<Inner>,
    /// A connection closed.
    closed: Notify,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    open: HashMap<u64, Arc<ConnState>>,
    /// Of `open`, how many are marked for shedding and about to close.
    shedding: usize,
}

/// A connection's place in the registry, given up when dropped.
pub struct Entry {
    registry: Arc<Registry>,
    id: u64,
}

impl Registry {
    pub fn new(max: usize) -> Arc<Self> {
        Arc::new(Registry {
            max: max.max(1),
            inner: Mutex::new(Inner::default()),
            closed: Notify::new(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // The map stays consistent whatever panicked while holding it.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether one more connection would fit, by shedding an idle one if need be.
    pub fn can_admit(&self) -> bool {
        let inner = self.lock();
        inner.open.len() - inner.shedding < self.max
            || inner.open.values().any(|c| !c.is_shed() && !c.is_busy())
    }

    /// Whether one more connection fits, shedding an idle one if need be.
    /// When every connection has a request in flight, nothing fits: the caller
    /// waits (`closed_or_idle`) and the new client waits in the backlog.
    pub fn make_room(&self) -> bool {
        let mut inner = self.lock();
        if inner.open.len() - inner.shedding < self.max {
            return true;
        }
        let victim = inner
            .open
            .values()
            .filter(|c| !c.is_shed() && !c.is_busy())
            .min_by_key(|c| (c.has_served(), c.idle_since()))
            .cloned();
        match victim {
            Some(c) if c.mark_shed() => {
                inner.shedding += 1;
                c.shed_signal.notify_one();
                true
            }
            _ => false,
        }
    }

    pub fn insert(self: &Arc<Self>, state: Arc<ConnState>) -> Entry {
        let mut inner = self.lock();
        let id = inner.next_id;
        inner.next_id += 1;
        inner.open.insert(id, state);
        metrics::gauge!(super::super::metrics::CONNECTIONS_OPEN).set(inner.open.len() as f64);
        Entry {
            registry: Arc::clone(self),
            id,
        }
    }

    pub fn len(&self) -> usize {
        self.lock().open.len()
    }

    /// Resolves when a connection closes; callers check again after it.
    pub async fn closed(&self) {
        self.closed.notified().await;
    }

    /// Resolves once no connection is open.
    pub async fn empty(&self) {
        loop {
            let closed = self.closed.notified();
            tokio::pin!(closed);
            // Registered before looking, so a close in between is not missed.
            closed.as_mut().enable();
            if self.len() == 0 {
                return;
            }
            closed.await;
        }
    }
}

impl Drop for Entry {
    fn drop(&mut self) {
        let mut inner = self.registry.lock();
        if let Some(c) = inner.open.remove(&self.id)
            && c.is_shed()
        {
            inner.shedding -= 1;
        }
        metrics::gauge!(super::super::metrics::CONNECTIONS_OPEN).set(inner.open.len() as f64);
        drop(inner);
        self.registry.closed.notify_waiters();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;
    use tokio::time::Instant;

    fn conn(served: bool, busy: bool) -> Arc<ConnState> {
        let c = Arc::new(ConnState::new(Instant::now()));
        if served {
            c.request_started();
            c.request_ended();
        }
        if busy {
            c.request_started();
        }
        c
    }

    fn later() {
        std::thread::sleep(Duration::from_millis(5));
    }

    #[test]
    fn at_the_cap_the_longest_idle_goes_never_served_first_and_busy_never() {
        let r = Registry::new(2);
        let a = conn(true, false);
        let ea = r.insert(Arc::clone(&a));
        later();
        let b = conn(false, false);
        let eb = r.insert(Arc::clone(&b));
        assert!(r.make_room());
        assert!(
            b.is_shed() && !a.is_shed(),
            "a silent one before a served one"
        );
        assert!(r.make_room(), "room while the shed one closes");
        drop(eb);

        later();
        let c = conn(true, false);
        let ec = r.insert(Arc::clone(&c));
        assert!(r.make_room());
        assert!(a.is_shed() && !c.is_shed(), "the one idle the longest");
        drop(ea);

        let _ed = r.insert(conn(false, true));
        assert!(r.make_room());
        assert!(c.is_shed());
        drop(ec);
        let _ee = r.insert(conn(false, true));
        assert!(!r.can_admit());
        assert!(
            !r.make_room(),
            "a connection with a request in flight is never shed"
        );
        assert_eq!(r.len(), 2);
    }
}
