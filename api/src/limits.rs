//! What one request, one user or one slow client may hold of the api.
//!
//! - [`InFlight`]: at most `API_MAX_IN_FLIGHT` requests are being handled at
//!   once in this process; the next answers 503 with `Retry-After` at once
//!   instead of queueing behind them (a load balancer sends it elsewhere).
//! - [`deadline`]: a request that has no answer after `API_REQUEST_TIMEOUT_SECS`
//!   (body read included) answers 503. Long-polls wait at most 60 s, so the
//!   default (75 s) is above them; an SSE stream's answer begins at once and
//!   its events are not timed by this.
//! - [`WaitSlots`]: each user holds at most `MAX_WAITS_PER_USER` open waits
//!   (SSE streams and long-polls) in this process; one more answers 429 with
//!   `Retry-After`.
//! - The header-read timeout is the connection's ([`crate::server`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use shared::ratelimit::{Decision, Rate, RateLimiter};
use tokio::sync::Semaphore;
use uuid::Uuid;

use crate::error::{ApiError, ApiResult};

/// How long a client over a limit is asked to wait.
pub const RETRY_AFTER_SECS: u64 = 1;

/// The process's budget of requests being handled at once.
#[derive(Clone)]
pub struct InFlight {
    permits: Arc<Semaphore>,
    timeout: Duration,
}

impl InFlight {
    pub fn new(max: usize, timeout: Duration) -> Self {
        Self { permits: Arc::new(Semaphore::new(max.max(1))), timeout }
    }
}

/// Middleware: one permit of [`InFlight`] while the request is handled, and
/// its deadline.
/// `/healthz` and `/readyz` are exempt: a busy process is not a dead one,
/// and an orchestrator must not restart it for being busy.
pub async fn deadline(State(limits): State<InFlight>, request: Request, next: Next) -> Response {
    if matches!(request.uri().path(), "/healthz" | "/readyz") {
        return next.run(request).await;
    }
    let Ok(_permit) = limits.permits.clone().try_acquire_owned() else {
        return ApiError::Overloaded("the server is at capacity; retry shortly".into()).into_response();
    };
    match tokio::time::timeout(limits.timeout, next.run(request)).await {
        Ok(response) => response,
        Err(_) => ApiError::Overloaded(format!(
            "the request took longer than {} s and was abandoned; retry shortly",
            limits.timeout.as_secs()
        ))
        .into_response(),
    }
}

/// 429 when `key` is over `rate`, counted in Redis (shared by every
/// replica); `what` names what is counted, for the message. While Redis is
/// down the request goes through: these limits protect provider spend, which
/// the workers' per-credential pacing also bounds, and refusing everything
/// would be the worse failure.
pub async fn check_rate(limiter: &RateLimiter, key: &str, rate: Rate, what: &str) -> ApiResult<()> {
    match limiter.acquire(key, rate, Duration::ZERO).await {
        Ok(Decision::Go { .. }) => Ok(()),
        Ok(Decision::Refused { retry_after }) => Err(ApiError::RateLimited {
            detail: format!(
                "too many {what}: at most {} per minute (bursts of {}); retry after the Retry-After delay",
                rate.count, rate.burst
            ),
            retry_after_secs: retry_after.as_secs_f64().ceil() as u64,
        }),
        Err(e) => {
            tracing::warn!(error = %e, limit = what, "rate limit unavailable (Redis); letting the request through");
            Ok(())
        }
    }
}

/// Open waits (SSE streams and long-polls) per user in this process.
#[derive(Clone)]
pub struct WaitSlots {
    per_user: usize,
    open: Arc<Mutex<HashMap<Uuid, usize>>>,
}

impl WaitSlots {
    pub fn new(per_user: usize) -> Self {
        Self { per_user, open: Arc::default() }
    }

    /// A slot for one more wait of `user`, or 429 when they hold them all.
    pub fn acquire(&self, user: Uuid) -> Result<WaitSlot, ApiError> {
        let mut open = self.open.lock().map_err(|_| ApiError::internal(anyhow::anyhow!("wait slots poisoned")))?;
        let count = open.entry(user).or_insert(0);
        if *count >= self.per_user {
            return Err(ApiError::RateLimited {
                detail: format!(
                    "at most {} streams and long-polls may be open at once; close one or retry later",
                    self.per_user
                ),
                retry_after_secs: RETRY_AFTER_SECS,
            });
        }
        *count += 1;
        Ok(WaitSlot { user, open: self.open.clone() })
    }

    /// Waits open now, all users together (for tests and metrics).
    pub fn open(&self) -> usize {
        self.open.lock().map(|open| open.values().sum()).unwrap_or(0)
    }
}

/// One open wait; given back when dropped (the stream or long-poll ends,
/// or its client goes away).
pub struct WaitSlot {
    user: Uuid,
    open: Arc<Mutex<HashMap<Uuid, usize>>>,
}

impl Drop for WaitSlot {
    fn drop(&mut self) {
        if let Ok(mut open) = self.open.lock()
            && let Some(count) = open.get_mut(&self.user)
        {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_holds_at_most_the_cap_and_slots_come_back() {
        let slots = WaitSlots::new(2);
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let first = slots.acquire(a).expect("first");
        let _second = slots.acquire(a).expect("second");
        let third = slots.acquire(a);
        assert!(matches!(third, Err(ApiError::RateLimited { retry_after_secs: RETRY_AFTER_SECS, .. })));
        let _other = slots.acquire(b).expect("another user is not affected");
        assert_eq!(slots.open(), 3);
        drop(first);
        assert!(slots.acquire(a).is_ok(), "a slot comes back when its wait ends");
    }
}
