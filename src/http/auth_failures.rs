//! The per-address limit on failed authentications: a token bucket per client address that
//! each 401 drains and time refills. An address with an empty bucket gets 429 for any request
//! that tries to authenticate, even with the right token, so guessing costs a minute per few
//! tries whatever the guesser learns along the way.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::http::error::problem_response;
use crate::http::peer::Peer;
use crate::http::state::AppState;

/// Addresses tracked at once. Past this, buckets that have refilled are dropped first, then
/// the fullest: memory stays bounded however many addresses an attacker uses.
const MAX_ADDRESSES: usize = 10_000;

pub struct AuthFailures {
    /// Failures an address may have in a minute; 0 turns the limit off.
    per_minute: u32,
    /// Locked only inside the non-async methods below, never across an `.await`.
    buckets: Mutex<HashMap<IpAddr, Bucket>>,
}

#[derive(Clone, Copy)]
struct Bucket {
    /// Failures the address may still have now; fractional as time refills it.
    allowance: f64,
    at: Instant,
}

impl AuthFailures {
    pub fn new(per_minute: u32) -> Self {
        Self {
            per_minute,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    fn refill_per_sec(&self) -> f64 {
        f64::from(self.per_minute) / 60.0
    }

    fn refilled(&self, b: Bucket, now: Instant) -> f64 {
        let secs = now.saturating_duration_since(b.at).as_secs_f64();
        (b.allowance + secs * self.refill_per_sec()).min(f64::from(self.per_minute))
    }

    /// `Err(wait)` while `addr` has used up its failures: how long until it may try again.
    pub fn check(&self, addr: IpAddr, now: Instant) -> Result<(), Duration> {
        if self.per_minute == 0 {
            return Ok(());
        }
        let buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        let Some(b) = buckets.get(&addr).copied() else {
            return Ok(());
        };
        let left = self.refilled(b, now);
        if left >= 1.0 {
            return Ok(());
        }
        Err(Duration::from_secs_f64(
            (1.0 - left) / self.refill_per_sec(),
        ))
    }

    /// Records one failed authentication from `addr`.
    pub fn fail(&self, addr: IpAddr, now: Instant) {
        if self.per_minute == 0 {
            return;
        }
        let full = f64::from(self.per_minute);
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if !buckets.contains_key(&addr) && buckets.len() >= MAX_ADDRESSES {
            buckets.retain(|_, b| self.refilled(*b, now) < full);
            if buckets.len() >= MAX_ADDRESSES {
                let fullest = buckets
                    .iter()
                    .max_by(|a, b| {
                        self.refilled(*a.1, now)
                            .total_cmp(&self.refilled(*b.1, now))
                    })
                    .map(|(a, _)| *a);
                if let Some(a) = fullest {
                    buckets.remove(&a);
                }
            }
        }
        let left = buckets.get(&addr).map_or(full, |b| self.refilled(*b, now));
        buckets.insert(
            addr,
            Bucket {
                allowance: (left - 1.0).max(0.0),
                at: now,
            },
        );
    }

    pub fn tracked(&self) -> usize {
        self.buckets.lock().unwrap_or_else(|p| p.into_inner()).len()
    }
}

/// Whether a request tries to authenticate: it carries credentials, or it is a write (every
/// write needs a token, so one without is a failure too).
fn authenticates(req: &Request) -> bool {
    req.headers().contains_key(header::AUTHORIZATION)
        || !matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The layer: refuses a limited address before the handler runs (so a right token is not even
/// looked up), and counts every 401 the handler gives.
pub async fn limit(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let addr = req.extensions().get::<Peer>().map(|p| p.addr);
    let Some(addr) = addr.filter(|_| authenticates(&req)) else {
        return next.run(req).await;
    };
    if let Err(wait) = state.auth_failures.check(addr, Instant::now()) {
        metrics::counter!("crease_auth_rate_limited_total").increment(1);
        let secs = wait.as_secs().max(1) + u64::from(wait.subsec_nanos() > 0);
        let mut res = problem_response(
            StatusCode::TOO_MANY_REQUESTS,
            "too-many-auth-failures",
            format!("too many failed authentications from your address; try again in {secs} s"),
            None,
            None,
        );
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
        return res;
    }
    let res = next.run(req).await;
    if res.status() == StatusCode::UNAUTHORIZED {
        state.auth_failures.fail(addr, Instant::now());
    }
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(n: u32) -> IpAddr {
        IpAddr::from(n.to_be_bytes())
    }

    #[test]
    fn an_address_is_limited_after_its_failures_and_refills_with_time() {
        let limiter = AuthFailures::new(3);
        let t0 = Instant::now();
        for _ in 0..3 {
            assert!(limiter.check(ip(1), t0).is_ok());
            limiter.fail(ip(1), t0);
        }
        let wait = limiter.check(ip(1), t0).expect_err("limited");
        assert_eq!(
            wait,
            Duration::from_secs(20),
            "one failure comes back every 20 s"
        );
        assert!(limiter.check(ip(2), t0).is_ok(), "other addresses are not");
        assert!(limiter.check(ip(1), t0 + Duration::from_secs(19)).is_err());
        assert!(limiter.check(ip(1), t0 + Duration::from_secs(20)).is_ok());
        // A failure then takes the one try it was given.
        limiter.fail(ip(1), t0 + Duration::from_secs(20));
        assert!(limiter.check(ip(1), t0 + Duration::from_secs(20)).is_err());
    }

    #[test]
    fn zero_turns_the_limit_off() {
        let limiter = AuthFailures::new(0);
        let t0 = Instant::now();
        for _ in 0..100 {
            limiter.fail(ip(1), t0);
        }
        assert!(limiter.check(ip(1), t0).is_ok());
        assert_eq!(limiter.tracked(), 0);
    }

    #[test]
    fn memory_is_bounded_however_many_addresses_fail() {
        let limiter = AuthFailures::new(30);
        let t0 = Instant::now();
        for n in 0..(MAX_ADDRESSES as u32 + 500) {
            limiter.fail(ip(n), t0);
        }
        assert_eq!(limiter.tracked(), MAX_ADDRESSES);
        // Buckets that have refilled are the first to go.
        let later = t0 + Duration::from_secs(61);
        limiter.fail(ip(u32::MAX), later);
        assert_eq!(limiter.tracked(), 1);
    }
}
