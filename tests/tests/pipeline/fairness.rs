//! Fair share of the queue: one user's backlog does not delay another
//! user's job behind it (tasks are ranked within their user at submission).

use std::time::Duration;

use harness::{SAMPLE_RESUME, Sim, TestApp, TestWorker, id_of};
use tools::sim::SimConfig;
use uuid::Uuid;

async fn finished_at(app: &TestApp, job: &str) -> chrono::DateTime<chrono::Utc> {
    let id: Uuid = job.parse().expect("uuid");
    sqlx::query_scalar(r#"SELECT "updatedAt" FROM "AIJob" WHERE id = $1"#)
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .expect("job")
}

#[tokio::test]
async fn a_second_users_job_runs_next_not_after_the_first_users_backlog() {
    let app = TestApp::spawn().await;
    let sim = Sim::start(SimConfig { latency: Duration::from_millis(100), ..SimConfig::default() }).await;
    let (project_a, base_a, jd_a) = app.tailoring_setup("user_many", SAMPLE_RESUME).await;
    let mut backlog = Vec::new();
    for _ in 0..6 {
        backlog.push(app.submit("user_many", &project_a, &id_of(&base_a), &jd_a, "BALANCED", "DEEPSEEK").await);
    }
    let (project_b, base_b, jd_b) = app.tailoring_setup("user_one", SAMPLE_RESUME).await;
    let single = app.submit("user_one", &project_b, &id_of(&base_b), &jd_b, "BALANCED", "DEEPSEEK").await;

    // One job at a time, so the order jobs finish in is the order they ran in.
    let mut config = app.worker_config(Some(&sim));
    config.concurrency = 1;
    let worker = TestWorker::start(config);
    for job in backlog.iter().chain([&single]) {
        let done =
            app.wait_final(if job == &single { "user_one" } else { "user_many" }, job, Duration::from_secs(60)).await;
        assert_eq!(done["status"], "COMPLETED", "{done}");
    }
    worker.stop().await.expect("worker stops");

    let single_done = finished_at(&app, &single).await;
    let mut ahead = 0;
    for job in &backlog {
        if finished_at(&app, job).await < single_done {
            ahead += 1;
        }
    }
    // The backlog's first job was already as early in line; the other five
    // of that user's jobs wait behind the second user's only one.
    assert_eq!(ahead, 1, "jobs of the first user that ran before the second user's only job");
}
