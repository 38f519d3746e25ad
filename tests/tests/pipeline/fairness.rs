//! Fair share of the queue: one user's backlog does not delay another
//! user's job behind it (tasks are ranked within their user at submission).

use std::time::Duration;

use harness::{SAMPLE_RESUME, Sim};
use shared::model::AiJobStatus;
use tools::sim::SimConfig;

#[tokio::test]
async fn a_second_users_job_runs_next_not_after_the_first_users_backlog() {
    let app = harness::TestApp::spawn().await;
    let sim = Sim::start(SimConfig { latency: Duration::from_millis(100), ..SimConfig::default() }).await;
    let (many, one) = (app.user("user_many"), app.user("user_one"));
    let (project, base, jd) = many.tailoring_setup(SAMPLE_RESUME).await;
    let mut backlog = Vec::new();
    for _ in 0..6 {
        backlog.push(many.submit(&project, &base, &jd).await.expect("queued"));
    }
    let (project, base, jd) = one.tailoring_setup(SAMPLE_RESUME).await;
    let single = one.submit(&project, &base, &jd).await.expect("queued");

    // One job at a time, so the order jobs finish in is the order they ran in.
    app.drain_with(Some(&sim), |c| c.concurrency = 1).await;
    let single = one.job(single.id).await.expect("job");
    assert_eq!(single.status, AiJobStatus::Completed);
    let mut ahead = 0;
    for job in &backlog {
        let job = many.job(job.id).await.expect("job");
        assert_eq!(job.status, AiJobStatus::Completed);
        if job.updated_at < single.updated_at {
            ahead += 1;
        }
    }
    // The backlog's first job was already as early in line; the other five
    // of that user's jobs wait behind the second user's only one.
    assert_eq!(ahead, 1, "jobs of the first user that ran before the second user's only job");
}
