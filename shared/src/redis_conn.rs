//! The process's one Redis connection, for what replicas share and may lose
//! (status events, rate limits). PostgreSQL is the system of record; nothing
//! here may hold a job up when Redis is slow or gone.
//!
//! The connection is lazy (a process starts while Redis is down) and
//! reconnects by itself. Every command has a short deadline, and after a
//! failure Redis is treated as down for [`COOL_OFF`], so that callers fall
//! back at once instead of each paying a timeout.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use redis::aio::{ConnectionManager, ConnectionManagerConfig};

/// Longest wait for one command (or a connection) before Redis counts as down.
pub const COMMAND_TIMEOUT: Duration = Duration::from_millis(250);
/// After a failure, how long callers skip Redis and fall back.
pub const COOL_OFF: Duration = Duration::from_secs(1);

/// Why a command did not run.
#[derive(Debug, thiserror::Error)]
pub enum RedisDown {
    #[error("redis is unavailable (recent failure; retrying shortly)")]
    CoolingOff,
    #[error("redis command timed out")]
    Timeout,
    #[error("redis error: {0}")]
    Redis(#[from] redis::RedisError),
}

/// A cheaply clonable handle on the shared connection.
#[derive(Clone)]
pub struct RedisConn {
    manager: ConnectionManager,
    client: redis::Client,
    /// Milliseconds since `epoch` until which Redis counts as down (0: up).
    down_until_ms: Arc<AtomicU64>,
    epoch: Instant,
}

impl std::fmt::Debug for RedisConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisConn").field("available", &self.available()).finish_non_exhaustive()
    }
}

impl RedisConn {
    /// A handle for `url`; connects on first use. Fails only on a malformed URL.
    pub fn new(url: &str) -> Result<Self, redis::RedisError> {
        let client = redis::Client::open(url)?;
        let config = ConnectionManagerConfig::new()
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(50))
            .set_max_delay(Duration::from_millis(500))
            .set_connection_timeout(Some(COMMAND_TIMEOUT))
            .set_response_timeout(Some(COMMAND_TIMEOUT));
        let manager = ConnectionManager::new_lazy_with_config(client.clone(), config)?;
        Ok(Self { manager, client, down_until_ms: Arc::new(AtomicU64::new(0)), epoch: Instant::now() })
    }

    /// The client, for connections of their own (pub/sub subscribers).
    pub fn client(&self) -> &redis::Client {
        &self.client
    }

    /// False while cooling off after a failure.
    pub fn available(&self) -> bool {
        let until = self.down_until_ms.load(Ordering::Relaxed);
        until == 0 || self.now_ms() >= until
    }

    fn now_ms(&self) -> u64 {
        u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX).max(1)
    }

    /// Run `f` on the connection within [`COMMAND_TIMEOUT`]; a failure
    /// starts the cool-off.
    pub async fn run<T, F, Fut>(&self, f: F) -> Result<T, RedisDown>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        if !self.available() {
            return Err(RedisDown::CoolingOff);
        }
        let result = match tokio::time::timeout(COMMAND_TIMEOUT, f(self.manager.clone())).await {
            Ok(Ok(v)) => return Ok(v),
            Ok(Err(e)) => RedisDown::Redis(e),
            Err(_) => RedisDown::Timeout,
        };
        let until = self.now_ms() + u64::try_from(COOL_OFF.as_millis()).unwrap_or(1000);
        self.down_until_ms.store(until, Ordering::Relaxed);
        Err(result)
    }

    /// `PING`, ignoring the cool-off (readiness probes want the truth now).
    pub async fn ping(&self) -> bool {
        let mut conn = self.manager.clone();
        let ok = matches!(
            tokio::time::timeout(COMMAND_TIMEOUT, redis::cmd("PING").query_async::<String>(&mut conn)).await,
            Ok(Ok(_))
        );
        if ok {
            self.down_until_ms.store(0, Ordering::Relaxed);
        }
        ok
    }
}
