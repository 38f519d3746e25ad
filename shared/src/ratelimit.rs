//! Distributed rate limits in Redis: GCRA (the generic cell rate algorithm)
//! in one Lua script, so every replica shares one limit atomically.
//!
//! The script keeps one number per key, the theoretical arrival time (TAT).
//! A request may go at `TAT - tolerance`; if that is within the caller's
//! `max_wait`, the slot is *reserved* (TAT moves one interval on) and the
//! caller is told how long to wait for it. Otherwise nothing changes and the
//! caller learns when to come back. Two uses:
//!
//! - per-user AI job submissions (`max_wait` 0): go now, or 429 with
//!   `Retry-After`;
//! - per provider credential requests per minute, shared by every worker
//!   replica (`max_wait` long): a call waits for its turn instead of
//!   turning into a provider 429.
//!
//! Time comes from Redis (`TIME`), so replicas' clocks do not matter.
//! When Redis is down, [`RateLimiter::acquire`] errs and the caller decides
//! (both callers let the request through: see ARCHITECTURE.md).

use std::sync::Arc;
use std::time::Duration;

use crate::redis_conn::{RedisConn, RedisDown};

/// Every key this module writes starts with this.
pub const KEY_PREFIX: &str = "tailor:rl:";

const GCRA: &str = r#"
local interval = tonumber(ARGV[1])
local tolerance = tonumber(ARGV[2])
local max_wait = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local tat = tonumber(redis.call('GET', KEYS[1]))
if tat == nil or tat < now then tat = now end
local wait = tat - tolerance - now
if wait < 0 then wait = 0 end
if wait > max_wait then return {0, wait} end
local new_tat = tat + interval
redis.call('SET', KEYS[1], string.format('%d', new_tat), 'PX', math.ceil((new_tat - now) / 1000) + 1000)
return {1, wait}
"#;

/// A rate: `count` requests per `period`, of which up to `burst` may go at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub period: Duration,
    pub burst: u32,
}

impl Rate {
    /// `count` per minute with a burst of `burst` (at least 1).
    pub fn per_minute(count: u32, burst: u32) -> Self {
        Self { count, period: Duration::from_secs(60), burst: burst.max(1) }
    }

    /// Time between two requests at the steady rate, in microseconds.
    fn interval_us(&self) -> u64 {
        let period = u64::try_from(self.period.as_micros()).unwrap_or(u64::MAX);
        (period / u64::from(self.count.max(1))).max(1)
    }

    /// How far ahead of its slot a request may go (the burst), in microseconds.
    fn tolerance_us(&self) -> u64 {
        self.interval_us().saturating_mul(u64::from(self.burst.max(1) - 1))
    }
}

/// The limiter's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// A slot is reserved: go after `wait` (zero: now).
    Go { wait: Duration },
    /// No slot within the allowed wait; one frees up after `retry_after`.
    Refused { retry_after: Duration },
}

/// Shared limits, one Redis key each.
#[derive(Clone, Debug)]
pub struct RateLimiter {
    redis: RedisConn,
    script: Arc<redis::Script>,
}

impl RateLimiter {
    pub fn new(redis: RedisConn) -> Self {
        Self { redis, script: Arc::new(redis::Script::new(GCRA)) }
    }

    /// Reserve a slot of `rate` under `key` (without the prefix), waiting at
    /// most `max_wait` for it.
    pub async fn acquire(&self, key: &str, rate: Rate, max_wait: Duration) -> Result<Decision, RedisDown> {
        self.run(key, rate, i64::try_from(max_wait.as_micros()).unwrap_or(i64::MAX)).await
    }

    /// How long a request under `key` would wait for its slot now, reserving
    /// nothing.
    pub async fn peek(&self, key: &str, rate: Rate) -> Result<Duration, RedisDown> {
        // A negative allowed wait is below any wait: the script refuses and
        // says how long, changing nothing.
        match self.run(key, rate, -1).await? {
            Decision::Go { wait } | Decision::Refused { retry_after: wait } => Ok(wait),
        }
    }

    async fn run(&self, key: &str, rate: Rate, max_wait_us: i64) -> Result<Decision, RedisDown> {
        let key = format!("{KEY_PREFIX}{key}");
        let script = self.script.clone();
        let (ok, wait_us): (i64, i64) = self
            .redis
            .run(|mut conn| async move {
                script
                    .key(key)
                    .arg(rate.interval_us())
                    .arg(rate.tolerance_us())
                    .arg(max_wait_us)
                    .invoke_async(&mut conn)
                    .await
            })
            .await?;
        let wait = Duration::from_micros(u64::try_from(wait_us).unwrap_or(0));
        Ok(if ok == 1 { Decision::Go { wait } } else { Decision::Refused { retry_after: wait } })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interval_and_tolerance() {
        let r = Rate::per_minute(60, 1);
        assert_eq!(r.interval_us(), 1_000_000);
        assert_eq!(r.tolerance_us(), 0);
        let r = Rate::per_minute(600, 5);
        assert_eq!(r.interval_us(), 100_000);
        assert_eq!(r.tolerance_us(), 400_000);
        assert_eq!(Rate::per_minute(10, 0).burst, 1, "a burst below 1 means 1");
    }
}
