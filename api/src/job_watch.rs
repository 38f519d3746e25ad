//! Follows AIJobs for the requests waiting on their status (Server-Sent
//! Events and long-polls), across any number of API replicas, with one
//! reader per job rather than one per connection.
//!
//! One Redis subscription per process, on [`shared::events::CHANNEL`], where
//! the workers publish every transition after it commits. The first request
//! that follows a job starts that job's *reader*: a task woken by the job's
//! doorbell (an event for that job) that hands each new state to every
//! follower ([`Follow`]). An event that carries the committed job is handed
//! on as it is, without reading PostgreSQL; a bare doorbell makes the reader
//! read the job. A thousand clients following one job cost at most one read
//! per change, and nothing while it does not change. The reader stops when the job is final or gone, or when its last
//! follower leaves. A follower registers *before* the request reads the job
//! (for the ownership check and its first answer, from PostgreSQL or the
//! cache), so no change can slip between that read and the wait.
//!
//! Redis may lose events or be down: a reader also re-reads on a timer, every
//! [`RECHECK_WITH_EVENTS`] while the subscription is live and every
//! [`RECHECK_WITHOUT_EVENTS`] while it is not, and every reader re-reads when
//! the subscription comes back. So with Redis down, waiting requests degrade
//! to polling PostgreSQL (once per job, not per request), and no job is
//! affected.
//!
//! The same events keep a cache of jobs' last known states ([`JobWatcher::known`]),
//! so a poll that sends its ETag, a stream's first event, or a look at a
//! final job costs no read while nothing changed: an entry records the job's owner (from the submission or a read
//! that checked ownership) and is trusted only while the subscription is
//! live and for [`KNOWN_FOR`] after the job's state was last confirmed (a
//! read, the submission, or an event carrying the job). An event without
//! the job (a bare doorbell) or a delete here drops the entry; an event lost
//! on its way makes a poll at most [`KNOWN_FOR`] late, never wrong about
//! ownership.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use shared::events::{CHANNEL, StatusEvent};
use shared::model::{AiJob, AiJobStatus, AiMode};
use sqlx::PgPool;
use tokio::sync::watch;
use tokio::time::Instant;
use uuid::Uuid;

/// Safety re-read while events flow (an event may still be lost).
pub const RECHECK_WITH_EVENTS: Duration = Duration::from_secs(5);
/// Re-read while Redis is unreachable: polling PostgreSQL.
pub const RECHECK_WITHOUT_EVENTS: Duration = Duration::from_millis(500);
/// How often the subscription is pinged to notice a silent Redis.
const PING_EVERY: Duration = Duration::from_secs(5);
/// How long a cached job state is answered without a read after it was
/// last confirmed (bounds the delay an event lost on its way can cause).
pub const KNOWN_FOR: Duration = Duration::from_secs(1);
/// Cached job states kept at most.
const KNOWN_MAX: usize = 20_000;

/// What the followers of a job see: its state as last read
/// ([`Seen::Unread`] until the first read), [`Seen::Gone`] once the job no
/// longer exists.
#[derive(Debug, Clone, PartialEq)]
pub enum Seen {
    Unread,
    Job(Arc<AiJob>),
    Gone,
}

/// The process's hub of followed jobs (cheap to clone).
#[derive(Clone)]
pub struct JobWatcher {
    inner: Arc<Inner>,
}

struct Inner {
    pool: PgPool,
    /// One entry per followed job: its doorbell and the state its reader last read.
    jobs: Mutex<HashMap<Uuid, Entry>>,
    /// Jobs' last known states (see the module's documentation), each kept
    /// until [`KNOWN_FOR`] after it was confirmed.
    known: crate::cache::Cache<Uuid, Known>,
    /// Held while an entry of `known` is read and replaced.
    learning: Mutex<()>,
    /// True while the Redis subscription is live.
    subscribed: AtomicBool,
    /// Reads of jobs by readers, for tests and metrics.
    reads: std::sync::atomic::AtomicU64,
    /// Requests answered from the cache, for tests and metrics.
    hits: std::sync::atomic::AtomicU64,
}

/// A job's last known state.
#[derive(Clone)]
struct Known {
    /// Whose job it is, once a submission or a checked read said so (an
    /// event alone does not tell).
    owner: Option<Uuid>,
    job: Arc<AiJob>,
    /// When the state was last confirmed.
    at: Instant,
}

struct Entry {
    /// Rung with the committed job when the event carries it, else `None`
    /// (read it).
    bell: watch::Sender<Option<Arc<AiJob>>>,
    /// Shared with the job's reader; each follower holds a receiver.
    state: Arc<watch::Sender<Seen>>,
}

impl Inner {
    fn ring(&self, event: StatusEvent) {
        let job = event.job.filter(|j| j.id == event.ai_job_id).map(Arc::new);
        // The cache first: a request that starts following after the bell
        // below must find this state there.
        match &job {
            Some(job) => self.learn(None, job.clone()),
            None => self.forget(&[event.ai_job_id]),
        }
        if let Ok(jobs) = self.jobs.lock()
            && let Some(entry) = jobs.get(&event.ai_job_id)
        {
            // `send_replace` wakes the reader even when the value is the same.
            entry.bell.send_replace(job);
        }
    }

    /// Record `job` as just confirmed (and as `owner`'s, when known): it
    /// replaces the cached state unless that one is newer.
    fn learn(&self, owner: Option<Uuid>, job: Arc<AiJob>) {
        let Ok(_learning) = self.learning.lock() else { return };
        let known = match self.known.get(&job.id) {
            Some(had) if had.job.as_ref() != job.as_ref() && !is_newer(&job, &had.job) => {
                // Older news: only the owner is learnt.
                Known { owner: had.owner.or(owner), ..had }
            }
            had => Known { owner: had.and_then(|h| h.owner).or(owner), job, at: Instant::now() },
        };
        if let Some(ttl) = KNOWN_FOR.checked_sub(known.at.elapsed()) {
            self.known.insert(known.job.id, known, ttl);
        }
    }

    fn forget(&self, job_ids: &[Uuid]) {
        for id in job_ids {
            self.known.remove(id);
        }
    }

    fn forget_all(&self) {
        self.known.clear();
    }

    fn ring_all(&self) {
        if let Ok(jobs) = self.jobs.lock() {
            for entry in jobs.values() {
                entry.bell.send_replace(None);
            }
        }
    }
}

impl JobWatcher {
    /// A hub reading jobs from `pool`, without a Redis subscription (readers
    /// then re-read on the short timer).
    pub fn new(pool: PgPool) -> Self {
        let inner = Inner {
            pool,
            jobs: Mutex::default(),
            known: crate::cache::Cache::new(KNOWN_MAX),
            learning: Mutex::default(),
            subscribed: AtomicBool::new(false),
            reads: std::sync::atomic::AtomicU64::new(0),
            hits: std::sync::atomic::AtomicU64::new(0),
        };
        Self { inner: Arc::new(inner) }
    }

    /// A hub fed by a Redis subscription on `client`, kept alive (and
    /// re-established) by a background task.
    pub fn start(pool: PgPool, client: redis::Client) -> Self {
        let watcher = Self::new(pool);
        tokio::spawn(subscribe_forever(client, watcher.inner.clone()));
        watcher
    }

    /// Follow `job_id`: register before reading the job yourself.
    pub fn follow(&self, job_id: Uuid) -> Follow {
        let Ok(mut jobs) = self.inner.jobs.lock() else {
            // A poisoned lock cannot happen (no code panics while holding
            // it); a follower without a reader sees no change and times out.
            return Follow { job_id, state: watch::channel(Seen::Unread).1, hub: self.inner.clone() };
        };
        // What the reader read before now is no news: the request reads the
        // job itself after this, as new or newer.
        if let Some(entry) = jobs.get(&job_id) {
            return Follow { job_id, state: entry.state.subscribe(), hub: self.inner.clone() };
        }
        let bell = watch::channel(None).0;
        let state = Arc::new(watch::channel(Seen::Unread).0);
        // Subscribed before the reader starts, which stops when nobody is.
        let follower = state.subscribe();
        tokio::spawn(read_job_changes(job_id, bell.subscribe(), state.clone(), self.inner.clone()));
        jobs.insert(job_id, Entry { bell, state });
        Follow { job_id, state: follower, hub: self.inner.clone() }
    }

    /// The job as last known, without a read (and counted as a hit): only
    /// if `owner` owns it, events are flowing, its state was confirmed
    /// within [`KNOWN_FOR`], and it is final when `final_only`.
    pub fn known(&self, owner: Uuid, job_id: Uuid, final_only: bool) -> Option<AiJob> {
        if !self.events_live() {
            return None;
        }
        let k = self.inner.known.get(&job_id)?;
        if k.owner != Some(owner) || (final_only && !k.job.status.is_terminal()) {
            return None;
        }
        self.inner.hits.fetch_add(1, Ordering::Relaxed);
        Some(k.job.as_ref().clone())
    }

    /// How many requests were answered from the cache so far.
    pub fn cache_hits(&self) -> u64 {
        self.inner.hits.load(Ordering::Relaxed)
    }

    /// Record `job` as `owner`'s, as just submitted or read with its
    /// ownership checked.
    pub fn remember(&self, owner: Uuid, job: &AiJob) {
        self.inner.learn(Some(owner), Arc::new(job.clone()));
    }

    /// Drop these jobs from the cache (they were deleted here).
    pub fn forget(&self, job_ids: &[Uuid]) {
        self.inner.forget(job_ids);
    }

    /// Whether status events are flowing (the Redis subscription is live).
    pub fn events_live(&self) -> bool {
        self.inner.subscribed.load(Ordering::Relaxed)
    }

    /// How many jobs are followed now (for tests and metrics).
    pub fn watched_jobs(&self) -> usize {
        self.inner.jobs.lock().map(|j| j.len()).unwrap_or(0)
    }

    /// How many times readers have read a job so far.
    pub fn reads(&self) -> u64 {
        self.inner.reads.load(Ordering::Relaxed)
    }
}

/// One request's interest in one job; leaves when dropped.
pub struct Follow {
    job_id: Uuid,
    state: watch::Receiver<Seen>,
    hub: Arc<Inner>,
}

impl Follow {
    /// The job's next state as its reader reads it, or `None` at `deadline`
    /// or when no further state will come (the reader has stopped: the job
    /// is final or gone, and its last state was already handed out).
    pub async fn next(&mut self, deadline: Instant) -> Option<Seen> {
        loop {
            tokio::select! {
                changed = self.state.changed() => {
                    if changed.is_err() {
                        return None;
                    }
                    let seen = self.state.borrow_and_update().clone();
                    if seen != Seen::Unread {
                        return Some(seen);
                    }
                }
                () = tokio::time::sleep_until(deadline) => return None,
            }
        }
    }
}

impl Drop for Follow {
    fn drop(&mut self) {
        if let Ok(mut jobs) = self.hub.jobs.lock()
            && let Some(entry) = jobs.get(&self.job_id)
            // This follower's receiver is the entry's last: nobody else follows.
            && entry.state.receiver_count() <= 1
        {
            // Dropping the entry drops the bell: its reader stops.
            jobs.remove(&self.job_id);
        }
    }
}

/// The reader of one job: wait for the doorbell or the recheck timer, take
/// the job from the event or read it, hand the state out if it changed,
/// again; until the job is final or gone, or nobody follows it.
async fn read_job_changes(
    job_id: Uuid,
    mut bell: watch::Receiver<Option<Arc<AiJob>>>,
    state: Arc<watch::Sender<Seen>>,
    hub: Arc<Inner>,
) {
    // No read to start with: the request that started following reads the
    // job itself, after registering; the reader reads when it changes.
    loop {
        let recheck = if hub.subscribed.load(Ordering::Relaxed) { RECHECK_WITH_EVENTS } else { RECHECK_WITHOUT_EVENTS };
        let carried = tokio::select! {
            rung = bell.changed() => {
                if rung.is_err() {
                    break; // the entry was removed: nobody follows the job
                }
                bell.borrow_and_update().clone()
            }
            () = tokio::time::sleep(recheck) => None,
            () = state.closed() => break,
        };
        let read = match carried {
            Some(job) => Ok(Some(job)),
            None => {
                hub.reads.fetch_add(1, Ordering::Relaxed);
                let read = read_job(&hub.pool, job_id).await.map(|job| job.map(Arc::new));
                // Into the cache before the followers see it: a stream that
                // starts following later, and takes its first state from the
                // cache, never starts behind what it will not be sent again.
                if let Ok(Some(job)) = &read {
                    hub.learn(None, job.clone());
                }
                read
            }
        };
        match read {
            Ok(Some(job)) => {
                let last = job.status.is_terminal();
                state.send_if_modified(|seen| {
                    let newer = match seen {
                        Seen::Job(had) => is_newer(&job, had),
                        Seen::Unread => true,
                        Seen::Gone => false,
                    };
                    if newer {
                        *seen = Seen::Job(job);
                    }
                    newer
                });
                if last {
                    break;
                }
            }
            Ok(None) => {
                state.send_replace(Seen::Gone);
                break;
            }
            // The database is unavailable: try again at the next wake-up.
            Err(e) => tracing::debug!(ai_job.id = %job_id, error = %e, "job reader could not read the job"),
        }
    }
    // Final, gone or unfollowed: the entry goes (if it is still this
    // reader's), and followers learn there is nothing more once they have
    // the last state.
    if let Ok(mut jobs) = hub.jobs.lock()
        && jobs.get(&job_id).is_some_and(|entry| Arc::ptr_eq(&entry.state, &state))
    {
        jobs.remove(&job_id);
    }
}

/// Whether `job` should replace `had` for the followers: it differs, and it
/// is not older (an event published late, after a read that saw a later
/// state, must not take the followers back). A final state is never replaced.
fn is_newer(job: &AiJob, had: &AiJob) -> bool {
    job != had && !had.status.is_terminal() && job.updated_at >= had.updated_at
}

/// The job as the API shows it (no ownership check: the request that
/// follows it has checked that already).
async fn read_job(pool: &PgPool, job_id: Uuid) -> Result<Option<AiJob>, sqlx::Error> {
    sqlx::query_as!(
        AiJob,
        r#"SELECT id, "projectId" AS project_id, "baseVersionId" AS base_version_id, "jdId" AS jd_id,
                  mode AS "mode: AiMode", status AS "status: AiJobStatus", "errorMessage" AS error_message,
                  "createdAt" AS created_at, "updatedAt" AS updated_at
           FROM "AIJob" WHERE id = $1"#,
        job_id
    )
    .fetch_optional(pool)
    .await
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
        // Events will be missed: nothing cached can be trusted any more.
        hub.forget_all();
        // Whatever was missed is re-read from PostgreSQL.
        hub.ring_all();
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
    // What was cached before may have missed events meanwhile.
    hub.forget_all();
    hub.subscribed.store(true, Ordering::Relaxed);
    tracing::info!(channel = CHANNEL, "subscribed to status events");
    // Events published while we were away are covered by this re-read.
    hub.ring_all();
    let mut ping = tokio::time::interval(PING_EVERY);
    ping.tick().await;
    loop {
        tokio::select! {
            msg = stream.next() => {
                let Some(msg) = msg else { return Ok(()) };
                if let Some(event) = StatusEvent::parse(msg.get_payload_bytes()) {
                    hub.ring(event);
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
