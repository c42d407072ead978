//! A small in-memory limiter per client address (per instance; a shared limit would need the
//! database or a cache, and the per-account lockout already holds across instances).

use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

#[derive(Default)]
pub struct RateLimiter {
    hits: Mutex<HashMap<(&'static str, IpAddr), VecDeque<Instant>>>,
}

impl RateLimiter {
    /// Whether `ip` already has `limit` hits in `bucket` within `window` (records nothing).
    pub fn exhausted(&self, bucket: &'static str, ip: IpAddr, limit: u32, window: Duration) -> bool {
        let now = Instant::now();
        let Ok(hits) = self.hits.lock() else { return false };
        hits.get(&(bucket, ip))
            .is_some_and(|q| q.iter().filter(|t| now.duration_since(**t) < window).count() >= limit as usize)
    }

    /// Records a hit for `ip` in `bucket`; false when `limit` hits already fall within `window`.
    pub fn allow(&self, bucket: &'static str, ip: IpAddr, limit: u32, window: Duration) -> bool {
        let now = Instant::now();
        let Ok(mut hits) = self.hits.lock() else { return true };
        if hits.len() > 10_000 {
            hits.retain(|_, q| q.back().is_some_and(|t| now.duration_since(*t) < window));
        }
        let q = hits.entry((bucket, ip)).or_default();
        while q.front().is_some_and(|t| now.duration_since(*t) >= window) {
            q.pop_front();
        }
        if q.len() >= limit as usize {
            return false;
        }
        q.push_back(now);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_per_address_and_bucket() {
        let limiter = RateLimiter::default();
        let a: IpAddr = "10.0.0.1".parse().expect("ip");
        let b: IpAddr = "10.0.0.2".parse().expect("ip");
        let w = Duration::from_secs(60);
        assert!(limiter.allow("login", a, 2, w));
        assert!(limiter.allow("login", a, 2, w));
        assert!(!limiter.allow("login", a, 2, w));
        assert!(limiter.allow("login", b, 2, w));
        assert!(limiter.allow("notify", a, 2, w));
    }
}
