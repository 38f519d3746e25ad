//! Wakes the requests waiting on an AIJob's status (Server-Sent Events and
//! long-polls) when it changes, across any number of API replicas.
//!
//! One Redis subscription per process, on [`shared::events::CHANNEL`], where
//! the workers publish every transition after it commits. A waiting request
//! registers a [`Watch`] for its job *before* reading the job from
//! PostgreSQL, so no change can slip between the read and the wait; each
//! event for that job wakes it to read PostgreSQL again (the event itself is
//! only a doorbell).
//!
//! Redis may lose events or be down: a watch also wakes on a timer, every
//! [`RECHECK_WITH_EVENTS`] while the subscription is live and every
//! [`RECHECK_WITHOUT_EVENTS`] while it is not, and every watch wakes when the
//! subscription comes back. So with Redis down, waiting requests degrade to
//! polling PostgreSQL, and no job is affected.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use shared::events::{CHANNEL, StatusEvent};
use tokio::sync::watch;
use tokio::time::Instant;
use uuid::Uuid;

/// Safety re-read while events flow (an event may still be lost).
pub const RECHECK_WITH_EVENTS: Duration = Duration::from_secs(5);
/// Re-read while Redis is unreachable: polling PostgreSQL.
pub const RECHECK_WITHOUT_EVENTS: Duration = Duration::from_millis(500);
/// How often the subscription is pinged to notice a silent Redis.
const PING_EVERY: Duration = Duration::from_secs(5);

/// The process's hub of watches (cheap to clone).
#[derive(Clone, Default)]
pub struct JobWatcher {
    inner: Arc<Inner>,
}

#[derive(Default)]
struct Inner {
    /// One sender per watched job; its value counts the wake-ups.
    jobs: Mutex<HashMap<Uuid, watch::Sender<u64>>>,
    /// True while the Redis subscription is live.
    subscribed: AtomicBool,
}

impl Inner {
    fn wake(&self, id: Uuid) {
        if let Ok(jobs) = self.jobs.lock()
            && let Some(tx) = jobs.get(&id)
        {
            tx.send_modify(|n| *n = n.wrapping_add(1));
        }
    }

    fn wake_all(&self) {
        if let Ok(jobs) = self.jobs.lock() {
            for tx in jobs.values() {
                tx.send_modify(|n| *n = n.wrapping_add(1));
            }
        }
    }
}

impl JobWatcher {
    /// A hub fed by a Redis subscription on `client`, kept alive (and
    /// re-established) by a background task.
    pub fn start(client: redis::Client) -> Self {
        let watcher = Self::default();
        tokio::spawn(subscribe_forever(client, watcher.inner.clone()));
        watcher
    }

    /// Start watching `job_id`: register before reading its state.
    pub fn watch(&self, job_id: Uuid) -> Watch {
        let rx = match self.inner.jobs.lock() {
            Ok(mut jobs) => jobs.entry(job_id).or_insert_with(|| watch::channel(0).0).subscribe(),
            // A poisoned lock cannot happen (no code panics while holding it);
            // a detached receiver still leaves the timer working.
            Err(_) => watch::channel(0).1,
        };
        Watch { job_id, rx, hub: self.inner.clone() }
    }

    /// Whether status events are flowing (the Redis subscription is live).
    pub fn events_live(&self) -> bool {
        self.inner.subscribed.load(Ordering::Relaxed)
    }

    /// How many jobs are watched now (for tests and metrics).
    pub fn watched_jobs(&self) -> usize {
        self.inner.jobs.lock().map(|j| j.len()).unwrap_or(0)
    }
}

/// A registered interest in one job; unregisters when dropped.
pub struct Watch {
    job_id: Uuid,
    rx: watch::Receiver<u64>,
    hub: Arc<Inner>,
}

impl Watch {
    /// Wait until the job may have changed (an event, a re-subscription, or
    /// the recheck timer), or until `deadline`. Returns false at the deadline.
    pub async fn wait(&mut self, deadline: Instant) -> bool {
        let recheck =
            if self.hub.subscribed.load(Ordering::Relaxed) { RECHECK_WITH_EVENTS } else { RECHECK_WITHOUT_EVENTS };
        let wake_at = deadline.min(Instant::now() + recheck);
        tokio::select! {
            changed = self.rx.changed() => {
                if changed.is_err() {
                    // The sender is gone (cannot happen while we hold a
                    // receiver registered in the map); fall back to the timer.
                    tokio::time::sleep_until(wake_at).await;
                }
            }
            _ = tokio::time::sleep_until(wake_at) => {}
        }
        Instant::now() < deadline
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        if let Ok(mut jobs) = self.hub.jobs.lock()
            && let Some(tx) = jobs.get(&self.job_id)
            && tx.receiver_count() <= 1
        {
            jobs.remove(&self.job_id);
        }
    }
}

async fn subscribe_forever(client: redis::Client, hub: Arc<Inner>) {
    let mut backoff = Duration::from_millis(100);
    loop {
        match subscribe_once(&client, &hub).await {
            Ok(()) => backoff = Duration::from_millis(100),
            Err(e) => tracing::debug!(error = %e, "status event subscription failed"),
        }
        if hub.subscribed.swap(false, Ordering::Relaxed) {
            tracing::warn!("status events stopped; waiting requests poll PostgreSQL until Redis is back");
        }
        // Whatever was missed is re-read from PostgreSQL.
        hub.wake_all();
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(2));
    }
}

/// Subscribe and dispatch events until the connection fails.
async fn subscribe_once(client: &redis::Client, hub: &Inner) -> redis::RedisResult<()> {
    let connect = tokio::time::timeout(Duration::from_secs(2), client.get_async_pubsub());
    let Ok(pubsub) = connect.await else {
        return Err(redis::RedisError::from((redis::ErrorKind::Io, "connect timed out")));
    };
    let (mut sink, mut stream) = pubsub?.split();
    sink.subscribe(CHANNEL).await?;
    hub.subscribed.store(true, Ordering::Relaxed);
    tracing::info!(channel = CHANNEL, "subscribed to status events");
    // Events published while we were away are covered by this re-read.
    hub.wake_all();
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            msg = stream.next() => {
                let Some(msg) = msg else { return Ok(()) };
                if let Some(event) = StatusEvent::parse(msg.get_payload_bytes()) {
                    hub.wake(event.ai_job_id);
                }
            }
            _ = ping.tick() => {
                // Subscribed (RESP2), PING answers an array: accept any value.
                match tokio::time::timeout(Duration::from_secs(2), sink.ping::<redis::Value>()).await {
                    Ok(Ok(_)) => {}
                    Ok(Err(e)) => return Err(e),
                    Err(_) => return Err(redis::RedisError::from((redis::ErrorKind::Io, "ping timed out"))),
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_wake_reaches_every_watch_of_that_job_only() {
        let hub = JobWatcher::default();
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        let mut w1 = hub.watch(a);
        let mut w2 = hub.watch(a);
        let mut other = hub.watch(b);
        assert_eq!(hub.watched_jobs(), 2);
        hub.inner.wake(a);
        let soon = Instant::now() + Duration::from_millis(200);
        assert!(w1.wait(soon).await && w2.wait(soon).await, "both watches of the job wake before the deadline");
        let started = Instant::now();
        assert!(!other.wait(Instant::now() + Duration::from_millis(50)).await, "the other job's watch times out");
        assert!(started.elapsed() >= Duration::from_millis(50));
        drop(w1);
        assert_eq!(hub.watched_jobs(), 2, "a job stays registered while one watch remains");
        drop(w2);
        drop(other);
        assert_eq!(hub.watched_jobs(), 0, "dropping the last watch unregisters the job");
    }

    #[tokio::test]
    async fn without_events_a_watch_rechecks_on_the_short_timer() {
        let hub = JobWatcher::default();
        let mut w = hub.watch(Uuid::now_v7());
        let started = Instant::now();
        assert!(w.wait(Instant::now() + Duration::from_secs(10)).await);
        let waited = started.elapsed();
        assert!(waited >= RECHECK_WITHOUT_EVENTS && waited < RECHECK_WITH_EVENTS, "{waited:?}");
    }
}
