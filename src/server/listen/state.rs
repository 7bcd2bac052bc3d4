//! What the accept loop knows of one connection: requests in flight, when it
//! last became idle, whether a request head has started arriving, and when it
//! must close. The service (`service.rs`) and the socket (`io.rs`) write it;
//! the connection's task (`drive.rs`) and the registry read it. Atomics, so
//! that no request takes a lock for it.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// "Not set" for the millisecond fields.
const NONE: u64 = u64::MAX;

/// How long a client may take; `serve --header-timeout` and `--idle-timeout`.
#[derive(Debug, Clone, Copy)]
pub struct Timeouts {
    /// From connecting, or from the first byte of a later request, to a complete head.
    pub header: Duration,
    /// Between one response and the next request on a kept-alive connection.
    pub idle: Duration,
}

pub struct ConnState {
    accepted: Instant,
    in_flight: AtomicU32,
    served: AtomicU64,
    /// Milliseconds after `accepted`, like the two below.
    idle_since: AtomicU64,
    last_write: AtomicU64,
    /// The first byte read while nothing was in flight: a head has begun.
    head_started: AtomicU64,
    h2: AtomicBool,
    shed: AtomicBool,
    /// Wakes the connection's task when the registry sheds it.
    pub shed_signal: Notify,
}

/// Why a connection's time is up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// Connected, and no complete request head within the header timeout.
    NoFirstHead,
    /// A later request's head began but did not complete within the header timeout.
    SlowHead,
    /// Kept alive with nothing to do for the idle timeout.
    Idle,
}

/// When the connection's task must look again.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    /// A request is in flight: its own timeout bounds it, no connection deadline runs.
    Busy,
    At(Instant, Why),
}

impl ConnState {
    pub fn new(accepted: Instant) -> Self {
        ConnState {
            accepted,
            in_flight: AtomicU32::new(0),
            served: AtomicU64::new(0),
            idle_since: AtomicU64::new(0),
            last_write: AtomicU64::new(0),
            head_started: AtomicU64::new(NONE),
            h2: AtomicBool::new(false),
            shed: AtomicBool::new(false),
            shed_signal: Notify::new(),
        }
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.accepted.elapsed().as_millis()).unwrap_or(NONE - 1)
    }

    fn at(&self, ms: u64) -> Instant {
        self.accepted + Duration::from_millis(ms)
    }

    /// The service took a request (its head is complete).
    pub fn request_started(&self) {
        self.in_flight.fetch_add(1, Ordering::AcqRel);
        self.served.fetch_add(1, Ordering::Relaxed);
        self.head_started.store(NONE, Ordering::Relaxed);
    }

    /// A request's response was sent (or the request was abandoned).
    pub fn request_ended(&self) {
        self.idle_since.store(self.now_ms(), Ordering::Relaxed);
        self.in_flight.fetch_sub(1, Ordering::AcqRel);
    }

    pub fn bytes_read(&self) {
        if self.in_flight.load(Ordering::Acquire) == 0
            && self.head_started.load(Ordering::Relaxed) == NONE
        {
            self.head_started.store(self.now_ms(), Ordering::Relaxed);
        }
    }

    pub fn bytes_written(&self) {
        self.last_write.store(self.now_ms(), Ordering::Relaxed);
    }

    pub fn set_h2(&self) {
        self.h2.store(true, Ordering::Relaxed);
    }

    pub fn is_h2(&self) -> bool {
        self.h2.load(Ordering::Relaxed)
    }

    pub fn is_busy(&self) -> bool {
        self.in_flight.load(Ordering::Acquire) > 0
    }

    pub fn has_served(&self) -> bool {
        self.served.load(Ordering::Relaxed) > 0
    }

    /// Since when the connection has had nothing to do (its accept time until
    /// its first request). The registry sheds the one idle the longest.
    pub fn idle_since(&self) -> Instant {
        self.at(self.idle_from())
    }

    fn idle_from(&self) -> u64 {
        let idle = self.idle_since.load(Ordering::Relaxed);
        if self.is_h2() {
            // An HTTP/2 client's PINGs are answered with writes; they are not work.
            idle
        } else {
            // An HTTP/1 response still being flushed to a slow reader is.
            idle.max(self.last_write.load(Ordering::Relaxed))
        }
    }

    /// Marks the connection for shedding; false if it was already.
    pub fn mark_shed(&self) -> bool {
        !self.shed.swap(true, Ordering::AcqRel)
    }

    pub fn is_shed(&self) -> bool {
        self.shed.load(Ordering::Acquire)
    }

    pub fn due(&self, t: &Timeouts) -> Due {
        if self.is_busy() {
            return Due::Busy;
        }
        if !self.has_served() {
            return Due::At(self.accepted + t.header, Why::NoFirstHead);
        }
        let idle = Due::At(self.at(self.idle_from()) + t.idle, Why::Idle);
        let started = self.head_started.load(Ordering::Relaxed);
        // HTTP/2 frames between requests (PING, WINDOW_UPDATE) are not the start of a head.
        if started == NONE || self.is_h2() {
            return idle;
        }
        match idle {
            Due::At(at, _) if self.at(started) + t.header < at => {
                Due::At(self.at(started) + t.header, Why::SlowHead)
            }
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T: Timeouts = Timeouts {
        header: Duration::from_secs(10),
        idle: Duration::from_secs(60),
    };

    /// Deadlines are read off the real clock: equal within a margin.
    fn near(due: Due, want: Instant, why: Why) {
        match due {
            Due::At(at, w) => {
                let off = if at > want { at - want } else { want - at };
                assert!(off < Duration::from_millis(500), "{due:?} vs {want:?}");
                assert_eq!(w, why);
            }
            Due::Busy => panic!("busy, wanted {why:?}"),
        }
    }

    #[test]
    fn deadlines_follow_the_connection_through_its_life() {
        let accepted = Instant::now() - Duration::from_secs(3);
        let s = ConnState::new(accepted);
        near(s.due(&T), accepted + T.header, Why::NoFirstHead);
        // Bytes that never make a head change nothing: the time runs from connecting.
        s.bytes_read();
        near(s.due(&T), accepted + T.header, Why::NoFirstHead);

        s.request_started();
        assert_eq!(s.due(&T), Due::Busy);
        s.request_ended();
        near(s.due(&T), Instant::now() + T.idle, Why::Idle);

        // A later head that starts and stalls has the header timeout from its first byte.
        s.bytes_read();
        near(s.due(&T), Instant::now() + T.header, Why::SlowHead);
        s.request_started();
        s.request_ended();
        near(s.due(&T), Instant::now() + T.idle, Why::Idle);
    }

    #[test]
    fn http2_frames_between_requests_do_not_start_a_head_or_count_as_work() {
        let s = ConnState::new(Instant::now() - Duration::from_secs(5));
        s.set_h2();
        s.request_started();
        s.request_ended();
        let idle_from = Instant::now();
        std::thread::sleep(Duration::from_millis(600));
        s.bytes_read();
        s.bytes_written();
        near(s.due(&T), idle_from + T.idle, Why::Idle);
    }
}
