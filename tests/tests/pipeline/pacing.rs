//! A provider credential's requests per minute, shared by every worker
//! replica through Redis: calls wait for their turn instead of meeting the
//! provider's 429s. Two `ChatClient`s stand for two replicas; the provider is
//! `llm-sim` with a rate limit of its own over a one-second window.

use std::sync::Arc;
use std::time::{Duration, Instant};

use harness::{Sim, redis_url};
use secrecy::SecretString;
use shared::providers::{ChatClient, ChatMessage, ChatRequest, ProviderErrorKind, RetryPolicy, Target};
use shared::ratelimit::RateLimiter;
use shared::redis_conn::RedisConn;
use tools::sim::SimConfig;

/// The provider allows 5 requests per second, 429 beyond.
fn provider_at_5_per_second() -> SimConfig {
    SimConfig { rpm: 5, rpm_window: Duration::from_secs(1), retry_after_secs: 1, ..SimConfig::default() }
}

fn replica(redis: &str, queue_wait: Duration) -> ChatClient {
    let policy = RetryPolicy {
        budget: Duration::from_secs(20),
        request_timeout: Duration::from_secs(5),
        min_delay: Duration::from_millis(50),
        max_delay: Duration::from_millis(500),
        ..RetryPolicy::default()
    };
    let limiter = RateLimiter::new(RedisConn::new(redis).expect("redis url"));
    ChatClient::new(policy).expect("client").with_limiter(limiter, queue_wait)
}

/// DEEPSEEK on the simulator with a key unique to this test (so its own limit).
fn target(sim: &Sim, requests_per_minute: u32) -> Target {
    let key = SecretString::from(format!("key-{}", uuid::Uuid::new_v4()));
    Target::deepseek(&format!("{}/v1/", sim.base), key, "sim-model").expect("url").paced(requests_per_minute)
}

fn request() -> ChatRequest {
    ChatRequest {
        messages: vec![ChatMessage { role: "user".into(), content: "hello".into() }],
        max_tokens: 1,
        temperature: 0.0,
        json: false,
    }
}

/// `n` calls at once, alternating between the replicas; returns each outcome.
async fn burst(replicas: &[Arc<ChatClient>], target: &Target, n: usize) -> Vec<Result<u32, ProviderErrorKind>> {
    let calls = (0..n).map(|i| {
        let client = replicas[i % replicas.len()].clone();
        let target = target.clone();
        tokio::spawn(async move { client.chat(&target, &request()).await.map(|r| r.attempts).map_err(|e| e.kind) })
    });
    let mut out = vec![];
    for call in calls {
        out.push(call.await.expect("join"));
    }
    out
}

fn provider_429s(sim: &Sim) -> u64 {
    sim.stats.status_429.load(std::sync::atomic::Ordering::Relaxed)
}

#[tokio::test]
async fn replicas_share_the_credentials_rate_and_wait_their_turn() {
    let sim = Sim::start(provider_at_5_per_second()).await;
    let replicas = [
        Arc::new(replica(&redis_url(), Duration::from_secs(30))),
        Arc::new(replica(&redis_url(), Duration::from_secs(30))),
    ];
    // 240 per minute = one every 250 ms, under the provider's 5 per second.
    let target = target(&sim, 240);
    let started = Instant::now();
    let outcomes = burst(&replicas, &target, 12).await;
    let elapsed = started.elapsed();
    assert!(outcomes.iter().all(|o| *o == Ok(1)), "each call succeeded at its first attempt: {outcomes:?}");
    assert_eq!(provider_429s(&sim), 0, "no provider 429");
    assert_eq!(sim.chat_requests(), 12);
    assert!(elapsed >= Duration::from_millis(11 * 250 - 100), "12 calls spaced 250 ms apart: {elapsed:?}");
}

#[tokio::test]
async fn with_redis_down_calls_go_unpaced_and_the_providers_429s_are_retried() {
    let sim = Sim::start(provider_at_5_per_second()).await;
    let dead = "redis://127.0.0.1:1";
    let replicas = [Arc::new(replica(dead, Duration::from_secs(30))), Arc::new(replica(dead, Duration::from_secs(30)))];
    let target = target(&sim, 240);
    let outcomes = burst(&replicas, &target, 12).await;
    assert!(outcomes.iter().all(Result::is_ok), "every call still succeeds: {outcomes:?}");
    assert!(provider_429s(&sim) > 0, "without the shared limit the burst meets the provider's limit");
    assert!(outcomes.iter().any(|o| matches!(o, Ok(n) if *n > 1)), "and is retried: {outcomes:?}");
}

#[tokio::test]
async fn a_call_with_no_turn_within_the_queue_wait_fails_saying_why() {
    let sim = Sim::start(SimConfig::default()).await;
    let client = replica(&redis_url(), Duration::from_secs(1));
    // 6 per minute: the second call's turn is 10 s away, beyond the 1 s queue wait.
    let target = target(&sim, 6);
    client.chat(&target, &request()).await.expect("the first call has its turn at once");
    let started = Instant::now();
    let err = client.chat(&target, &request()).await.expect_err("no turn within 1 s");
    assert_eq!(err.kind, ProviderErrorKind::RateLimited);
    assert!(err.message.contains("no free request slot within 1 s"), "{}", err.message);
    assert!(err.message.contains("6 requests/min"), "{}", err.message);
    assert!(started.elapsed() < Duration::from_secs(3), "refused without waiting the slot out");
    assert_eq!(sim.chat_requests(), 1, "the refused call never reached the provider");
}

#[tokio::test]
async fn a_job_without_a_turn_soon_waits_in_the_queue_not_in_a_worker_slot() {
    let app = harness::TestApp::spawn().await;
    let sim = Sim::start(SimConfig::default()).await;
    let mut config = app.worker_config(Some(&sim));
    config.deepseek_rpm = 6; // a turn every 10 s
    config.provider_defer_over = Duration::from_secs(1);
    config.provider_queue_wait = Duration::from_secs(60);
    let worker = harness::TestWorker::start(config);
    let (project, base, jd) = app.tailoring_setup("user_defer", harness::SAMPLE_RESUME).await;
    let base = harness::id_of(&base);
    let first = app.submit("user_defer", &project, &base, &jd, "BALANCED", "DEEPSEEK").await;
    let done = app.wait_final("user_defer", &first, Duration::from_secs(30)).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    let first_call = Instant::now();

    // The next turn is about 10 s away: the task goes back to the queue
    // until then, and the job stays QUEUED (no worker slot is held).
    let second = app.submit("user_defer", &project, &base, &jd, "BALANCED", "DEEPSEEK").await;
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let (status, later): (String, bool) = sqlx::query_as(
            "SELECT status, run_at > now() + interval '2 seconds' FROM apalis.jobs WHERE idempotency_key = $1",
        )
        .bind(&second)
        .fetch_one(&app.pool)
        .await
        .expect("task");
        if status == "Pending" && later {
            break;
        }
        assert!(Instant::now() < deadline, "the task was not put back: {status}, later {later}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (_, job) = app.get(&format!("/v1/ai-jobs/{second}"), "user_defer").await;
    assert_eq!(job["status"], "QUEUED", "{job}");

    let done = app.wait_final("user_defer", &second, Duration::from_secs(40)).await;
    assert_eq!(done["status"], "COMPLETED", "it ran when its turn came: {done}");
    assert!(first_call.elapsed() >= Duration::from_secs(7), "not before its turn: {:?}", first_call.elapsed());
    assert_eq!(sim.chat_requests(), 2, "one call each, no 429");
    worker.stop().await.expect("worker stops");
}
