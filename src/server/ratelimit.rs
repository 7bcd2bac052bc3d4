//! The per-key rate limit (`serve --rate-limit REQS_PER_S[,BURST]`, off by
//! default). A request is counted against its bearer key's public prefix (the
//! first 16 characters, as `key list` shows it), read from the header before any
//! store lookup, so a flood over the limit costs a map look-up and nothing else.
//! Each process counts on its own: behind a balancer, replicas each allow the
//! limit.

use std::num::NonZeroU32;
use std::str::FromStr;
use std::sync::{Arc, Weak};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::ApiError;

/// Characters of a key that identify it without being it (`keys.rs` stores the same prefix).
const PREFIX_LEN: usize = 16;
/// How often buckets back at full are forgotten, so that a flood of made-up
/// keys cannot grow the map for ever.
const PRUNE_EVERY: Duration = Duration::from_secs(1);

/// `REQS_PER_S[,BURST]`: a steady rate per key and how many may come at once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RateLimit {
    pub per_second: f64,
    pub burst: u32,
}

impl FromStr for RateLimit {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (rate, burst) = match s.split_once(',') {
            Some((r, b)) => (r, Some(b)),
            None => (s, None),
        };
        let per_second: f64 = rate
            .trim()
            .parse()
            .map_err(|_| format!("{rate:?} is not a number of requests per second"))?;
        if !per_second.is_finite() || per_second <= 0.0 || per_second > 1e9 {
            return Err("requests per second must be above 0".into());
        }
        let burst = match burst {
            Some(b) => b
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|&b| b >= 1)
                .ok_or_else(|| format!("burst {b:?} must be a whole number of at least 1"))?,
            // One second's worth by default.
            None => per_second.ceil().max(1.0) as u32,
        };
        Ok(RateLimit { per_second, burst })
    }
}

pub struct KeyLimiter {
    limiter: DefaultKeyedRateLimiter<[u8; PREFIX_LEN]>,
    clock: DefaultClock,
}

impl KeyLimiter {
    /// The limiter, and a task that prunes it for as long as it lives.
    pub fn start(limit: RateLimit) -> Arc<Self> {
        let period = Duration::from_secs_f64(1.0 / limit.per_second);
        let quota = Quota::with_period(period)
            .unwrap_or_else(|| Quota::per_second(NonZeroU32::MAX))
            .allow_burst(NonZeroU32::new(limit.burst).unwrap_or(NonZeroU32::MIN));
        let me = Arc::new(KeyLimiter {
            limiter: DefaultKeyedRateLimiter::keyed(quota),
            clock: DefaultClock::default(),
        });
        let weak: Weak<Self> = Arc::downgrade(&me);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(PRUNE_EVERY);
            tick.tick().await;
            loop {
                tick.tick().await;
                let Some(me) = weak.upgrade() else { break };
                me.limiter.retain_recent();
                me.limiter.shrink_to_fit();
            }
        });
        me
    }

    /// `Err(seconds)` when `key` must wait that many whole seconds (at least 1).
    fn check(&self, key: &[u8; PREFIX_LEN]) -> Result<(), u64> {
        self.limiter.check_key(key).map_err(|not_until| {
            let wait = not_until.wait_time_from(self.clock.now());
            (wait.as_secs_f64().ceil() as u64).max(1)
        })
    }
}

/// The public prefix of the request's bearer key; `None` without one (those
/// requests are refused by auth, or need no key, and are not counted).
fn key_prefix(headers: &HeaderMap) -> Option<[u8; PREFIX_LEN]> {
    let value = headers.get(header::AUTHORIZATION)?.as_bytes();
    let token = value
        .get(..7)
        .filter(|scheme| scheme.eq_ignore_ascii_case(b"bearer "))
        .map(|_| value[7..].trim_ascii())?;
    if token.is_empty() {
        return None;
    }
    let mut prefix = [0u8; PREFIX_LEN];
    let n = token.len().min(PREFIX_LEN);
    prefix[..n].copy_from_slice(&token[..n]);
    Some(prefix)
}

pub async fn limit(State(limiter): State<Arc<KeyLimiter>>, req: Request, next: Next) -> Response {
    if let Some(key) = key_prefix(req.headers())
        && let Err(retry_after_secs) = limiter.check(&key)
    {
        metrics::counter!(super::metrics::RATE_LIMITED).increment(1);
        return ApiError::RateLimited { retry_after_secs }.into_response();
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn parses_rate_and_burst() {
        assert_eq!(
            "20".parse(),
            Ok(RateLimit {
                per_second: 20.0,
                burst: 20
            })
        );
        assert_eq!(
            "0.5,3".parse(),
            Ok(RateLimit {
                per_second: 0.5,
                burst: 3
            })
        );
        for bad in ["", "0", "-1", "x", "5,0", "5,x", "inf"] {
            assert!(bad.parse::<RateLimit>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_prefix_is_the_first_16_characters_of_a_bearer_key() {
        let mut h = HeaderMap::new();
        assert_eq!(key_prefix(&h), None);
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer rk_live_AbCd1234rest-of-the-key"),
        );
        assert_eq!(key_prefix(&h), Some(*b"rk_live_AbCd1234"));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("bearer short"),
        );
        assert_eq!(&key_prefix(&h).expect("some")[..5], b"short");
        h.insert(header::AUTHORIZATION, HeaderValue::from_static("Basic abc"));
        assert_eq!(key_prefix(&h), None);
    }

    #[tokio::test]
    async fn over_the_burst_waits_whole_seconds_and_keys_count_apart() {
        let l = KeyLimiter::start(RateLimit {
            per_second: 0.5,
            burst: 2,
        });
        let a = *b"rk_live_AAAAAAAA";
        let b = *b"rk_live_BBBBBBBB";
        assert!(l.check(&a).is_ok() && l.check(&a).is_ok());
        assert_eq!(l.check(&a), Err(2));
        assert!(l.check(&b).is_ok());
    }
}
