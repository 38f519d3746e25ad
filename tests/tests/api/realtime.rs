//! Real-time status: long-poll (`waitSeconds`/`ifStatus`) and Server-Sent
//! Events, woken by the worker's status events through a real Redis, across
//! API replicas, and falling back to PostgreSQL when Redis is unreachable.
//! Also the per-user submission rate limit, shared in Redis.

use std::time::{Duration, Instant};

use harness::{SAMPLE_RESUME, TestApp, assert_problem, id_of, token_for, worker_jobs};
use serde_json::{Value, json};
use uuid::Uuid;

/// A Redis URL where nothing listens.
const DEAD_REDIS: &str = "redis://127.0.0.1:1";

async fn queued_job(app: &TestApp, sub: &str) -> String {
    let (project, base, jd) = app.tailoring_setup(sub, SAMPLE_RESUME).await;
    app.submit(sub, &project, &id_of(&base), &jd, "BALANCED", "DEEPSEEK").await
}

/// Fails the job in the database without an event (as if its event was
/// lost on its way).
async fn fail_without_event(app: &TestApp, job: &str, message: &str) {
    let id: Uuid = job.parse().expect("uuid");
    sqlx::query(r#"UPDATE "AIJob" SET status = 'FAILED', "errorMessage" = $2 WHERE id = $1"#)
        .bind(id)
        .bind(message)
        .execute(&app.pool)
        .await
        .expect("update");
}

/// Moves the job as a worker does, publishing each transition.
async fn run_and_complete(app: &TestApp, job: &str) {
    let jobs = worker_jobs(&app.pool);
    let id: Uuid = job.parse().expect("uuid");
    assert!(jobs.claim(id).await.expect("claim").is_some());
    assert!(jobs.complete(id, "\\documentclass{article}", r#"{"applied": []}"#).await.expect("complete"));
}

#[tokio::test]
async fn long_poll_answers_when_the_status_changes() {
    let app = TestApp::spawn().await;
    let job = queued_job(&app, "user_lp").await;
    let jobs = worker_jobs(&app.pool);
    let id: Uuid = job.parse().expect("uuid");
    let claim = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        jobs.claim(id).await.expect("claim").is_some()
    });
    let started = Instant::now();
    let (status, body) = app.get(&format!("/v1/ai-jobs/{job}?waitSeconds=20&ifStatus=QUEUED"), "user_lp").await;
    let waited = started.elapsed();
    assert!(claim.await.expect("join"), "claimed");
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "RUNNING");
    assert!(waited >= Duration::from_millis(300), "it waited for the change: {waited:?}");
    assert!(
        waited < Duration::from_secs(4),
        "woken by the event, not the 20 s deadline nor the 5 s recheck: {waited:?}"
    );
}

#[tokio::test]
async fn long_poll_answers_at_once_when_the_status_already_differs_and_at_the_deadline_otherwise() {
    let app = TestApp::spawn().await;
    let job = queued_job(&app, "user_lp2").await;
    let started = Instant::now();
    let (status, body) = app.get(&format!("/v1/ai-jobs/{job}?waitSeconds=30&ifStatus=RUNNING"), "user_lp2").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("QUEUED")));
    assert!(started.elapsed() < Duration::from_secs(5), "no wait when the status already differs");

    let started = Instant::now();
    let (status, body) = app.get(&format!("/v1/ai-jobs/{job}?waitSeconds=1"), "user_lp2").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("QUEUED")));
    assert!(started.elapsed() >= Duration::from_secs(1), "held until the deadline");
}

#[tokio::test]
async fn long_poll_rejects_bad_parameters_and_other_users_jobs() {
    let app = TestApp::spawn().await;
    let job = queued_job(&app, "user_lp3").await;
    let (status, body) = app.get(&format!("/v1/ai-jobs/{job}?waitSeconds=61"), "user_lp3").await;
    assert_problem(status, &body, 422);
    assert!(body["detail"].as_str().unwrap_or_default().contains("waitSeconds"), "{body}");
    let (status, body) = app.get(&format!("/v1/ai-jobs/{job}?waitSeconds=1&ifStatus=DONE"), "user_lp3").await;
    assert_problem(status, &body, 400);
    let (status, body) = app.get(&format!("/v1/ai-jobs/{job}?waitSeconds=-1"), "user_lp3").await;
    assert_problem(status, &body, 400);
    let (status, body) = app.get(&format!("/v1/ai-jobs/{job}?waitSeconds=5"), "someone_else").await;
    assert_problem(status, &body, 404);
    let (status, body) = app.get(&format!("/v1/ai-jobs/{job}/events"), "someone_else").await;
    assert_problem(status, &body, 404);
    let (status, body) = app.get(&format!("/v1/ai-jobs/{}/events", Uuid::now_v7()), "user_lp3").await;
    assert_problem(status, &body, 404);
}

/// Reads an SSE response chunk by chunk.
struct SseReader {
    response: reqwest::Response,
    buffer: String,
}

impl SseReader {
    async fn open(base: &str, job: &str, sub: &str) -> SseReader {
        let response = reqwest::Client::new()
            .get(format!("{base}/v1/ai-jobs/{job}/events"))
            .bearer_auth(token_for(sub))
            .send()
            .await
            .expect("open stream");
        assert_eq!(response.status(), 200);
        let content_type = response.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or_default();
        assert!(content_type.starts_with("text/event-stream"), "{content_type}");
        SseReader { response, buffer: String::new() }
    }

    /// The next `status` event's data, or `None` when the stream ends.
    async fn next_status(&mut self) -> Option<Value> {
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let message: String = self.buffer.drain(..end + 2).collect();
                let data: String =
                    message.lines().filter_map(|l| l.strip_prefix("data:")).map(str::trim_start).collect();
                if message.lines().any(|l| l == "event: status") {
                    return Some(serde_json::from_str(&data).expect("event data is JSON"));
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(15), self.response.chunk())
                .await
                .expect("an event within 15 s")
                .expect("stream readable")?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

#[tokio::test]
async fn many_followers_of_one_job_share_one_reader() {
    let app = TestApp::spawn_with(|c| c.max_waits_per_user = 50).await;
    let job = queued_job(&app, "user_many").await;
    let mut streams = Vec::new();
    for _ in 0..30 {
        streams.push(SseReader::open(&app.base, &job, "user_many").await);
    }
    for stream in &mut streams {
        assert_eq!(stream.next_status().await.expect("first")["status"], "QUEUED");
    }
    assert_eq!(app.watcher.watched_jobs(), 1, "one reader for the job, not one per stream");
    let before = app.watcher.reads();
    let jobs = worker_jobs(&app.pool);
    let id: Uuid = job.parse().expect("uuid");
    assert!(jobs.claim(id).await.expect("claim").is_some());
    for stream in &mut streams {
        assert_eq!(stream.next_status().await.expect("running")["status"], "RUNNING");
    }
    assert!(jobs.complete(id, "\\documentclass{article}", r#"{"applied": []}"#).await.expect("complete"));
    for stream in &mut streams {
        assert_eq!(stream.next_status().await.expect("completed")["status"], "COMPLETED");
        assert!(stream.next_status().await.is_none(), "closed after the final state");
    }
    let reads = app.watcher.reads() - before;
    // Two changes, each carried whole by its event: no read for all 30
    // streams (a safety recheck may add one).
    assert!(reads <= 1, "{reads} reads for 30 streams and two changes");
    drop(streams);
    let deadline = Instant::now() + Duration::from_secs(5);
    while app.watcher.watched_jobs() > 0 {
        assert!(Instant::now() < deadline, "the reader stops once the job is final and nobody follows it");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn events_stream_the_current_state_then_each_change_then_close() {
    let app = TestApp::spawn().await;
    let job = queued_job(&app, "user_sse").await;
    let mut events = SseReader::open(&app.base, &job, "user_sse").await;
    let first = events.next_status().await.expect("first event");
    assert_eq!((first["id"].as_str(), first["status"].as_str()), (Some(job.as_str()), Some("QUEUED")));

    let jobs = worker_jobs(&app.pool);
    let id: Uuid = job.parse().expect("uuid");
    assert!(jobs.claim(id).await.expect("claim").is_some());
    assert_eq!(events.next_status().await.expect("running")["status"], "RUNNING");
    assert!(jobs.complete(id, "\\documentclass{article}", r#"{"applied": []}"#).await.expect("complete"));
    assert_eq!(events.next_status().await.expect("completed")["status"], "COMPLETED");
    assert!(events.next_status().await.is_none(), "the stream closes after a final state");
}

#[tokio::test]
async fn a_finished_job_streams_one_event_and_closes() {
    let app = TestApp::spawn().await;
    let job = queued_job(&app, "user_sse2").await;
    run_and_complete(&app, &job).await;
    // The RUNNING event may reach this api after the commit of COMPLETED,
    // and a stream may start from a cached state (the stream then corrects
    // it). A plain look shows what the database holds and confirms it, so
    // the api knows the job as final before the stream opens.
    let (status, body) = app.get(&format!("/v1/ai-jobs/{job}"), "user_sse2").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("COMPLETED")));
    let mut events = SseReader::open(&app.base, &job, "user_sse2").await;
    assert_eq!(events.next_status().await.expect("event")["status"], "COMPLETED");
    assert!(events.next_status().await.is_none());
}

#[tokio::test]
async fn every_api_replica_sees_the_workers_events() {
    let app = TestApp::spawn().await;
    let replica = app.replica(|_| {}).await;
    let job = queued_job(&app, "user_rep").await;
    let mut on_first = SseReader::open(&app.base, &job, "user_rep").await;
    let mut on_second = SseReader::open(&replica.base, &job, "user_rep").await;
    assert_eq!(on_first.next_status().await.expect("first")["status"], "QUEUED");
    assert_eq!(on_second.next_status().await.expect("first")["status"], "QUEUED");
    let started = Instant::now();
    run_and_complete(&app, &job).await;
    for events in [&mut on_first, &mut on_second] {
        let mut seen = vec![];
        while let Some(event) = events.next_status().await {
            seen.push(event["status"].as_str().unwrap_or_default().to_owned());
        }
        assert_eq!(seen.last().map(String::as_str), Some("COMPLETED"), "{seen:?}");
    }
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "pushed, not found by the 5 s recheck: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn with_redis_unreachable_waits_fall_back_to_postgres_and_submissions_go_through() {
    let app = TestApp::spawn_with(|c| {
        c.redis_url = DEAD_REDIS.into();
        c.submissions_per_minute = 1;
        c.submission_burst = 1;
    })
    .await;
    // Both submissions pass: the limit cannot be checked, so it is not applied.
    let job = queued_job(&app, "user_nored").await;
    let second = queued_job(&app, "user_nored").await;
    assert_ne!(job, second);

    let mut events = SseReader::open(&app.base, &job, "user_nored").await;
    assert_eq!(events.next_status().await.expect("first")["status"], "QUEUED");
    let id: Uuid = job.parse().expect("uuid");
    let jobs = worker_jobs(&app.pool);
    let claimed = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(200)).await;
        jobs.claim(id).await.expect("claim").is_some()
    });
    let (status, body) = app.get(&format!("/v1/ai-jobs/{job}?waitSeconds=20&ifStatus=QUEUED"), "user_nored").await;
    assert!(claimed.await.expect("join"));
    assert_eq!((status, body["status"].as_str()), (200, Some("RUNNING")), "found by re-reading PostgreSQL");
    assert_eq!(events.next_status().await.expect("running")["status"], "RUNNING");
    let (status, ready) = app.get("/readyz", "user_nored").await;
    assert_eq!((status, ready["redis"].as_str()), (200, Some("down")), "{ready}");
}

#[tokio::test]
async fn submissions_over_the_users_rate_get_429_with_retry_after() {
    let app = TestApp::spawn_with(|c| {
        c.submissions_per_minute = 6;
        c.submission_burst = 2;
    })
    .await;
    let (project, base, jd) = app.tailoring_setup("user_rl", SAMPLE_RESUME).await;
    let body = json!({"baseVersionId": id_of(&base), "jdId": jd, "mode": "MINIMAL"});
    let path = format!("/v1/projects/{project}/ai-jobs");
    for _ in 0..2 {
        let (status, job) = app.post(&path, "user_rl", body.clone()).await;
        assert_eq!(status, 202, "within the burst: {job}");
    }
    let res = app.req(reqwest::Method::POST, &path, "user_rl").json(&body).send().await.expect("send");
    assert_eq!(res.status(), 429);
    let retry_after: u64 = res
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("a Retry-After in seconds");
    assert!((1..=10).contains(&retry_after), "one slot per 10 s: {retry_after}");
    let problem: Value = res.json().await.expect("json");
    assert_problem(429, &problem, 429);
    let queued: i64 = sqlx::query_scalar(r#"SELECT count(*) FROM "AIJob""#).fetch_one(&app.pool).await.expect("count");
    assert_eq!(queued, 2, "the refused submission left nothing behind");

    // Another user has a limit of their own.
    let (project, base, jd) = app.tailoring_setup("user_rl_other", SAMPLE_RESUME).await;
    let (status, _) = app
        .post(
            &format!("/v1/projects/{project}/ai-jobs"),
            "user_rl_other",
            json!({"baseVersionId": id_of(&base), "jdId": jd, "mode": "MINIMAL"}),
        )
        .await;
    assert_eq!(status, 202);
}

/// `GET /v1/ai-jobs/{job}` as `sub`, with `If-None-Match` when given.
fn poll_job(
    app: &TestApp,
    job: &str,
    sub: &str,
    etag: Option<String>,
) -> impl std::future::Future<Output = reqwest::Result<reqwest::Response>> {
    let mut req = app.req(reqwest::Method::GET, &format!("/v1/ai-jobs/{job}"), sub);
    if let Some(tag) = etag {
        req = req.header("If-None-Match", tag);
    }
    req.send()
}

#[tokio::test]
async fn polling_with_the_etag_answers_304_until_the_job_changes() {
    let app = TestApp::spawn().await;
    let job = queued_job(&app, "user_etag").await;
    let poll = |etag: Option<String>| poll_job(&app, &job, "user_etag", etag);
    let first = poll(None).await.expect("poll");
    assert_eq!(first.status(), 200);
    let etag = first.headers().get("etag").and_then(|v| v.to_str().ok()).expect("an ETag").to_owned();
    let same = poll(Some(etag.clone())).await.expect("poll");
    assert_eq!(same.status(), 304);
    assert_eq!(same.headers().get("etag").and_then(|v| v.to_str().ok()), Some(etag.as_str()));
    assert!(same.bytes().await.expect("body").is_empty(), "no body while nothing changed");
    run_and_complete(&app, &job).await;
    // A poller with its ETag sees each change once its event has arrived
    // (RUNNING may show on the way): a new ETag each time, then COMPLETED.
    let deadline = Instant::now() + api::job_watch::KNOWN_FOR + Duration::from_secs(1);
    let mut tag = etag;
    let body = loop {
        assert!(Instant::now() < deadline, "the change reaches the poller");
        let answer = poll(Some(tag.clone())).await.expect("poll");
        if answer.status() == 304 {
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        assert_eq!(answer.status(), 200, "the job changed");
        let new_tag = answer.headers().get("etag").and_then(|v| v.to_str().ok()).expect("an ETag").to_owned();
        assert_ne!(new_tag, tag, "a new state, a new ETag");
        tag = new_tag;
        let body: Value = answer.json().await.expect("job");
        if body["status"] != "RUNNING" {
            break body;
        }
    };
    assert_eq!(body["status"], "COMPLETED");
}

#[tokio::test]
async fn the_202_is_the_jobs_first_look_with_its_url_and_etag() {
    let app = TestApp::spawn().await;
    let sub = "user_etag_202";
    let (project, base, jd) = app.tailoring_setup(sub, SAMPLE_RESUME).await;
    let body = json!({"baseVersionId": id_of(&base), "jdId": jd, "mode": "BALANCED"});
    let answer = app
        .req(reqwest::Method::POST, &format!("/v1/projects/{project}/ai-jobs"), sub)
        .json(&body)
        .send()
        .await
        .expect("submit");
    assert_eq!(answer.status(), 202);
    let header = |name: &str| answer.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (location, content_location, etag) = (header("location"), header("content-location"), header("etag"));
    let job: Value = answer.json().await.expect("job");
    let url = format!("/v1/ai-jobs/{}", job["id"].as_str().expect("id"));
    assert_eq!(location.as_deref(), Some(url.as_str()));
    assert_eq!(content_location.as_deref(), Some(url.as_str()), "the body is the job's representation there");
    let etag = etag.expect("the 202 has the job's ETag");
    let job_id = job["id"].as_str().expect("id");
    // The first poll can already be conditional: nothing changed, 304.
    let again = poll_job(&app, job_id, sub, Some(etag.clone())).await.expect("poll");
    assert_eq!(again.status(), 304);
    // The same tag as a plain poll gives (the same state, read from PostgreSQL).
    let plain = poll_job(&app, job_id, sub, None).await.expect("poll");
    assert_eq!(plain.headers().get("etag").and_then(|v| v.to_str().ok()), Some(etag.as_str()));
    assert_eq!(plain.json::<Value>().await.expect("job"), job, "the 202's body is the job as GET shows it");
}

/// Waits until the app's status-event subscription is live.
async fn events_flowing(app: &TestApp) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !app.watcher.events_live() {
        assert!(Instant::now() < deadline, "the status-event subscription comes up");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn the_event_cache_answers_etag_and_final_polls_only_for_the_owner_and_forgets_deleted_jobs() {
    let app = TestApp::spawn().await;
    events_flowing(&app).await;
    let (project, base, jd) = app.tailoring_setup("user_cache", SAMPLE_RESUME).await;
    let job = app.submit("user_cache", &project, &id_of(&base), &jd, "BALANCED", "DEEPSEEK").await;

    // A stream's first event comes from it (the stream was following the
    // job before it looked: whatever changes next is its next event).
    let hits = app.watcher.cache_hits();
    let mut events = SseReader::open(&app.base, &job, "user_cache").await;
    assert_eq!(events.next_status().await.expect("first")["status"], "QUEUED");
    assert_eq!(app.watcher.cache_hits(), hits + 1, "the submission's state, not read again");
    let hits = hits + 1;

    // Another user is never answered from it.
    let (status, _) = app.get(&format!("/v1/ai-jobs/{job}"), "user_cache_other").await;
    assert_eq!(status, 404);
    let (status, _) = app.get(&format!("/v1/ai-jobs/{job}?waitSeconds=1"), "user_cache_other").await;
    assert_eq!(status, 404);
    assert_eq!(app.watcher.cache_hits(), hits, "no answer from the cache for another user");

    // A plain poll of a job not final reads the database.
    let poll = |etag: Option<String>| poll_job(&app, &job, "user_cache", etag);
    let plain = poll(None).await.expect("poll");
    assert_eq!(plain.status(), 200);
    let etag = plain.headers().get("etag").and_then(|v| v.to_str().ok()).expect("an ETag").to_owned();
    assert_eq!(app.watcher.cache_hits(), hits, "a state that may change is read");
    // A poll with the ETag it has is answered from the cache: 304.
    assert_eq!(poll(Some(etag)).await.expect("poll").status(), 304);
    assert_eq!(app.watcher.cache_hits(), hits + 1, "nothing changed, nothing read");

    // Once final (the event carries the job), polls are answered from it.
    run_and_complete(&app, &job).await;
    while events.next_status().await.expect("a change")["status"] != "COMPLETED" {}
    let (status, body) = app.get(&format!("/v1/ai-jobs/{job}"), "user_cache").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("COMPLETED")));
    assert_eq!(app.watcher.cache_hits(), hits + 2, "the final state, from the event");

    // A deleted job is gone at once, cache or not.
    let (status, _) = app.delete(&format!("/v1/projects/{project}"), "user_cache").await;
    assert_eq!(status, 204);
    let (status, _) = app.get(&format!("/v1/ai-jobs/{job}"), "user_cache").await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_cached_state_is_trusted_only_for_a_moment_after_it_was_confirmed() {
    let app = TestApp::spawn().await;
    events_flowing(&app).await;
    let job = queued_job(&app, "user_cache_ttl").await;
    let first = poll_job(&app, &job, "user_cache_ttl", None).await.expect("poll");
    let etag = first.headers().get("etag").and_then(|v| v.to_str().ok()).expect("an ETag").to_owned();
    fail_without_event(&app, &job, "x").await;
    tokio::time::sleep(api::job_watch::KNOWN_FOR).await;
    // The QUEUED state cached by that read has expired: the poll reads.
    let hits = app.watcher.cache_hits();
    let answer = poll_job(&app, &job, "user_cache_ttl", Some(etag)).await.expect("poll");
    assert_eq!(answer.status(), 200, "the change is seen once the entry expired");
    let body: Value = answer.json().await.expect("job");
    assert_eq!(body["status"], "FAILED");
    assert_eq!(app.watcher.cache_hits(), hits, "an expired entry is not used");
}

#[tokio::test]
async fn a_stream_that_starts_from_a_cached_state_still_ends_with_the_final_one() {
    let app = TestApp::spawn().await;
    events_flowing(&app).await;
    // Cached QUEUED by the submission; then FAILED in the database without
    // an event (one lost on its way). The cached state is trusted for
    // KNOWN_FOR after the submission: on a machine too busy to open the
    // stream within it, the stream rightly reads, and the scenario is tried
    // again with a new job.
    let sub = "user_cache_stream";
    let (project, base, jd) = app.tailoring_setup(sub, SAMPLE_RESUME).await;
    let (job, mut events) = 'attempts: {
        for _ in 0..3 {
            let submitted = Instant::now();
            let job = app.submit(sub, &project, &id_of(&base), &jd, "BALANCED", "DEEPSEEK").await;
            fail_without_event(&app, &job, "lost event").await;
            let hits = app.watcher.cache_hits();
            let mut events = SseReader::open(&app.base, &job, sub).await;
            let first = events.next_status().await.expect("first");
            if first["status"] != "QUEUED" && submitted.elapsed() >= api::job_watch::KNOWN_FOR {
                continue;
            }
            assert_eq!(first["status"], "QUEUED", "the cached state, a moment old");
            assert_eq!(app.watcher.cache_hits(), hits + 1);
            break 'attempts (job, events);
        }
        panic!("the stream never opened within {:?} of the submission", api::job_watch::KNOWN_FOR);
    };
    // The reader's re-read finds the change the event did not bring.
    let last = events.next_status().await.expect("the final state");
    assert_eq!((last["status"].as_str(), last["errorMessage"].as_str()), (Some("FAILED"), Some("lost event")));
    assert!(events.next_status().await.is_none(), "the stream ends after the final state");
    // A stream opened now starts from the final state.
    let mut again = SseReader::open(&app.base, &job, "user_cache_stream").await;
    assert_eq!(again.next_status().await.expect("first")["status"], "FAILED");
    assert!(again.next_status().await.is_none(), "and ends there");
}

#[tokio::test]
async fn without_status_events_nothing_is_answered_from_the_cache() {
    let app = TestApp::spawn_with(|c| c.redis_url = DEAD_REDIS.into()).await;
    let job = queued_job(&app, "user_cache_nored").await;
    let mut events = SseReader::open(&app.base, &job, "user_cache_nored").await;
    assert_eq!(events.next_status().await.expect("first")["status"], "QUEUED");
    run_and_complete(&app, &job).await;
    let (status, body) = app.get(&format!("/v1/ai-jobs/{job}"), "user_cache_nored").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("COMPLETED")));
    assert_eq!(app.watcher.cache_hits(), 0, "no events, no cache");
}
