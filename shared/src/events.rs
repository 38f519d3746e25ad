//! AIJob status events through Redis pub/sub: the worker publishes every
//! status transition after its commit; every API replica subscribes to
//! [`CHANNEL`] and wakes the clients watching that job (SSE, long-poll).
//!
//! An event carries the job as the committing statement returned it (the
//! AIJob as the API shows it), so the api answers the requests following
//! the job from the event itself, without reading it again; an event without
//! the job (a requeue, a sweep) is a doorbell, and the woken reader reads
//! PostgreSQL. An event may be lost (Redis down, a full buffer), so watchers
//! also re-read PostgreSQL on a timer; nothing depends on Redis.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::model::{AiJob, AiJobStatus};
use crate::redis_conn::RedisConn;

/// The one channel every status event goes to.
pub const CHANNEL: &str = "tailor:ai-job-status";

/// Events waiting to be published; beyond this they are dropped (watchers
/// fall back to reading PostgreSQL), so a Redis outage never grows memory.
const BUFFER: usize = 4096;
/// Events sent in one pipeline.
const BATCH: usize = 256;

/// One status transition, committed in PostgreSQL before it is published.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusEvent {
    pub ai_job_id: Uuid,
    pub status: AiJobStatus,
    /// When the transition committed, microseconds since the UNIX epoch.
    pub at_micros: i64,
    /// The job as committed by this transition, when the statement that
    /// made it returned the whole row.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job: Option<AiJob>,
}

impl StatusEvent {
    pub fn now(ai_job_id: Uuid, status: AiJobStatus) -> Self {
        Self { ai_job_id, status, at_micros: chrono::Utc::now().timestamp_micros(), job: None }
    }

    /// The event of a transition whose committed row is `job`.
    pub fn of(job: AiJob) -> Self {
        Self { ai_job_id: job.id, status: job.status, at_micros: job.updated_at.timestamp_micros(), job: Some(job) }
    }

    /// Parse a message from [`CHANNEL`]; `None` for anything malformed.
    pub fn parse(payload: &[u8]) -> Option<Self> {
        serde_json::from_slice(payload).ok()
    }
}

/// Publishes status events from a background task, so a transition never
/// waits for Redis.
#[derive(Clone, Debug)]
pub struct EventPublisher {
    tx: mpsc::Sender<StatusEvent>,
}

impl EventPublisher {
    /// Start the background publisher on `redis`.
    pub fn start(redis: RedisConn) -> Self {
        let (tx, rx) = mpsc::channel(BUFFER);
        tokio::spawn(publish_loop(redis, rx));
        Self { tx }
    }

    /// Queue `status` of `ai_job_id` for publishing (a doorbell: watchers
    /// read the job); dropped if the buffer is full.
    pub fn publish(&self, ai_job_id: Uuid, status: AiJobStatus) {
        self.send(StatusEvent::now(ai_job_id, status));
    }

    /// Queue the transition whose committed row is `job`, for watchers to
    /// pass on as it is; dropped if the buffer is full.
    pub fn publish_job(&self, job: AiJob) {
        self.send(StatusEvent::of(job));
    }

    fn send(&self, event: StatusEvent) {
        let id = event.ai_job_id;
        if self.tx.try_send(event).is_err() {
            tracing::debug!(ai_job.id = %id, "status event dropped (publisher buffer full)");
        }
    }
}

async fn publish_loop(redis: RedisConn, mut rx: mpsc::Receiver<StatusEvent>) {
    let mut batch = Vec::with_capacity(BATCH);
    let mut last_warning: Option<Instant> = None;
    while rx.recv_many(&mut batch, BATCH).await > 0 {
        let mut pipe = redis::pipe();
        for event in &batch {
            if let Ok(payload) = serde_json::to_string(event) {
                pipe.cmd("PUBLISH").arg(CHANNEL).arg(payload).ignore();
            }
        }
        if let Err(e) = redis.run(|mut conn| async move { pipe.query_async::<()>(&mut conn).await }).await
            && last_warning.is_none_or(|t| t.elapsed() > Duration::from_secs(10))
        {
            tracing::warn!(error = %e, dropped = batch.len(), "status events not published; API watchers fall back to PostgreSQL");
            last_warning = Some(Instant::now());
        }
        batch.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_and_garbage_is_ignored() {
        let e = StatusEvent::now(Uuid::now_v7(), AiJobStatus::Running);
        let json = serde_json::to_vec(&e).expect("serialises");
        assert_eq!(StatusEvent::parse(&json), Some(e));
        assert!(String::from_utf8_lossy(&json).contains("\"status\":\"RUNNING\""));
        assert!(!String::from_utf8_lossy(&json).contains("\"job\""), "a doorbell carries no job");
        assert_eq!(StatusEvent::parse(b"{\"aiJobId\":\"nope\"}"), None);
        assert_eq!(StatusEvent::parse(b"\xff"), None);
    }

    #[test]
    fn an_event_carries_the_committed_job_whole() {
        let now = chrono::Utc::now();
        let job = AiJob {
            id: Uuid::now_v7(),
            project_id: Uuid::now_v7(),
            base_version_id: Uuid::now_v7(),
            jd_id: Uuid::now_v7(),
            mode: crate::model::AiMode::Balanced,
            status: AiJobStatus::Failed,
            error_message: Some("the provider refused the key".into()),
            created_at: now,
            updated_at: now,
        };
        let event = StatusEvent::of(job.clone());
        assert_eq!((event.ai_job_id, event.status), (job.id, AiJobStatus::Failed));
        let parsed = StatusEvent::parse(&serde_json::to_vec(&event).expect("serialises")).expect("parses");
        assert_eq!(parsed.job, Some(job));
    }
}
