//! Provider faults at the HTTP boundary: each has a defined outcome, a
//! message a user can act on, and no broken proposal.

use std::time::{Duration, Instant};

use harness::{SAMPLE_RESUME, Sim, TestApp, TestWorker, id_of};
use serde_json::{Value, json};
use tools::sim::{Scripted, SimConfig};

/// Run one DEEPSEEK job against a simulator configured with `config`.
async fn run_deepseek(config: SimConfig) -> (TestApp, Sim, Value, Duration) {
    let app = TestApp::spawn().await;
    let sim = Sim::start(config).await;
    let (project, base, jd) = app.tailoring_setup("user_f", SAMPLE_RESUME).await;
    let worker = TestWorker::start(app.worker_config(Some(&sim)));
    let started = Instant::now();
    let job = app.submit("user_f", &project, &id_of(&base), &jd, "BALANCED", "DEEPSEEK").await;
    let done = app.wait_final("user_f", &job, Duration::from_secs(40)).await;
    let elapsed = started.elapsed();
    worker.stop().await.expect("stop");
    (app, sim, done, elapsed)
}

async fn proposals(app: &TestApp) -> i64 {
    sqlx::query_scalar(r#"SELECT count(*) FROM "ProposedVersion""#).fetch_one(&app.pool).await.expect("count")
}

fn message(job: &Value) -> String {
    job["errorMessage"].as_str().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn a_429_with_retry_after_is_waited_out() {
    let config = SimConfig { script: vec![Scripted::Status(429)], retry_after_secs: 2, ..SimConfig::default() };
    let (_app, sim, done, elapsed) = run_deepseek(config).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    assert_eq!(sim.chat_requests(), 2);
    assert!(elapsed >= Duration::from_secs(2), "Retry-After honoured: {elapsed:?}");
}

#[tokio::test]
async fn a_retry_after_beyond_the_budget_fails_at_once_saying_so() {
    let config = SimConfig { script: vec![Scripted::Status(429)], retry_after_secs: 600, ..SimConfig::default() };
    let (_app, sim, done, elapsed) = run_deepseek(config).await;
    assert_eq!(done["status"], "FAILED");
    assert!(message(&done).contains("retry after 600 s"), "{done}");
    assert_eq!(sim.chat_requests(), 1);
    assert!(elapsed < Duration::from_secs(6), "{elapsed:?}");
}

#[tokio::test]
async fn endless_5xx_fails_within_the_budget() {
    let config = SimConfig { rate_5xx: 1.0, error_status: 503, ..SimConfig::default() };
    let (app, sim, done, elapsed) = run_deepseek(config).await;
    assert_eq!(done["status"], "FAILED");
    assert!(message(&done).starts_with("DeepSeek kept failing (503)"), "{done}");
    assert!(sim.chat_requests() >= 3, "retried: {}", sim.chat_requests());
    assert!(elapsed < Duration::from_secs(8 + 5), "within the 8 s budget (+ slack): {elapsed:?}");
    assert_eq!(proposals(&app).await, 0);
}

#[tokio::test]
async fn a_generation_that_times_out_is_not_paid_for_twice() {
    let config = SimConfig { script: vec![Scripted::Hang], ..SimConfig::default() };
    let (app, sim, done, elapsed) = run_deepseek(config).await;
    assert_eq!(done["status"], "FAILED", "{done}");
    assert!(message(&done).contains("did not answer within 3 s"), "{done}");
    assert!(message(&done).contains("not sent again"), "{done}");
    assert_eq!(sim.chat_requests(), 1, "a timed-out generation is not retried");
    assert!(elapsed >= Duration::from_secs(3), "the 3 s request timeout fired: {elapsed:?}");
    assert_eq!(proposals(&app).await, 0);
}

#[tokio::test]
async fn unusable_answers_fail_without_a_proposal() {
    for (script, expected) in [(Scripted::Garbage, "not a chat completion"), (Scripted::NotJson, "JSON")] {
        let config = SimConfig { script: vec![script], ..SimConfig::default() };
        let (app, sim, done, _) = run_deepseek(config).await;
        assert_eq!(done["status"], "FAILED", "{script:?}: {done}");
        assert!(message(&done).contains(expected), "{script:?}: {done}");
        assert_eq!(sim.chat_requests(), 1, "{script:?}: never retried");
        assert_eq!(proposals(&app).await, 0, "{script:?}");
    }
}

#[tokio::test]
async fn deepseek_without_operator_credentials_fails_clearly() {
    let app = TestApp::spawn().await;
    let (project, base, jd) = app.tailoring_setup("user_f", SAMPLE_RESUME).await;
    let worker = TestWorker::start(app.worker_config(None));
    let job = app.submit("user_f", &project, &id_of(&base), &jd, "MINIMAL", "DEEPSEEK").await;
    let done = app.wait_final("user_f", &job, Duration::from_secs(30)).await;
    assert_eq!(done["status"], "FAILED");
    assert!(message(&done).contains("NEBIUS_API_KEY"), "{done}");
    worker.stop().await.expect("stop");
}

/// `user_az` stores an Azure key for the simulator's deployment and gets a
/// project, base version and JD; a worker runs.
async fn azure_setup(app: &TestApp, sim: &Sim) -> (String, Value, String, TestWorker) {
    let (status, key) = app
        .put(
            "/v1/api-keys/AZURE_OPENAI",
            "user_az",
            json!({"apiKey": "azure-secret-key-123456", "endpoint": format!("{}/openai/deployments/gpt-4o", sim.base)}),
        )
        .await;
    assert_eq!(status, 200, "{key}");
    let (project, base, jd) = app.tailoring_setup("user_az", SAMPLE_RESUME).await;
    (project, base, jd, TestWorker::start(app.worker_config(None)))
}

#[tokio::test]
async fn azure_401_fails_at_once_and_marks_the_key_invalid() {
    let app = TestApp::spawn().await;
    // First request (the key's validation) succeeds; the job's call is refused.
    let sim = Sim::start(SimConfig { script: vec![Scripted::Ok, Scripted::Status(401)], ..SimConfig::default() }).await;
    let (project, base, jd, worker) = azure_setup(&app, &sim).await;
    let job = app.submit("user_az", &project, &id_of(&base), &jd, "BALANCED", "AZURE_OPENAI").await;
    let done = app.wait_final("user_az", &job, Duration::from_secs(30)).await;
    assert_eq!(done["status"], "FAILED");
    assert_eq!(message(&done), "Azure OpenAI rejected the API key (401)");
    assert_eq!(sim.chat_requests(), 2, "validation + exactly one job request: 401 is never retried");
    let (_, keys) = app.get("/v1/api-keys", "user_az").await;
    assert_eq!(keys["items"][0]["isValid"], false, "{keys}");
    assert_eq!(keys["items"][0]["validationError"], "Azure OpenAI rejected the API key (401)");
    // The next Azure job is refused up front.
    let (status, _) = app
        .post(
            &format!("/v1/projects/{project}/ai-jobs"),
            "user_az",
            json!({"baseVersionId": id_of(&base), "jdId": jd, "mode": "MINIMAL", "provider": "AZURE_OPENAI"}),
        )
        .await;
    assert_eq!(status, 422);
    worker.stop().await.expect("stop");
}

#[tokio::test]
async fn azure_jobs_complete_through_the_deployment_route() {
    let app = TestApp::spawn().await;
    let sim =
        Sim::start(SimConfig { require_key: Some("azure-secret-key-123456".into()), ..SimConfig::default() }).await;
    let (project, base, jd, worker) = azure_setup(&app, &sim).await;
    let job = app.submit("user_az", &project, &id_of(&base), &jd, "AGGRESSIVE", "AZURE_OPENAI").await;
    let done = app.wait_final("user_az", &job, Duration::from_secs(30)).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    worker.stop().await.expect("stop");
}

#[tokio::test]
async fn an_unavailable_database_is_retried_within_the_budget_and_a_bad_query_is_not() {
    use std::sync::atomic::{AtomicU32, Ordering};
    let settings = shared::db::PoolSettings { acquire_timeout: Duration::from_millis(200), ..Default::default() };
    let nowhere = shared::db::pool("postgres://postgres@127.0.0.1:1/nothing", &settings).expect("pool");
    let calls = AtomicU32::new(0);
    let started = Instant::now();
    let err = shared::db::retry_while_unavailable(Duration::from_secs(1), || {
        calls.fetch_add(1, Ordering::Relaxed);
        sqlx::query("SELECT 1").execute(&nowhere)
    })
    .await
    .expect_err("nothing listens there");
    assert!(shared::db::is_unavailable(&err), "{err}");
    assert!(calls.load(Ordering::Relaxed) >= 2, "retried");
    assert!(started.elapsed() >= Duration::from_secs(1), "until the budget was spent");

    let app = TestApp::spawn().await;
    let calls = AtomicU32::new(0);
    let err = shared::db::retry_while_unavailable(Duration::from_secs(5), || {
        calls.fetch_add(1, Ordering::Relaxed);
        sqlx::query("SELEC 1").execute(&app.pool)
    })
    .await
    .expect_err("a syntax error");
    assert!(!shared::db::is_unavailable(&err));
    assert_eq!(calls.load(Ordering::Relaxed), 1, "a wrong query is not retried");
}
