//! The job lifecycle over the real binaries: two workers complete a dozen
//! jobs over HTTP; a worker killed with SIGKILL mid-call (another finishes the job,
//! one proposal), and a worker stopped with SIGTERM mid-call (never left RUNNING).

use std::time::Duration;

use harness::system::System;

#[tokio::test]
async fn api_two_workers_and_a_fake_provider_as_processes_complete_jobs_over_http() {
    let sys = System::start(300, 2).await;
    // Both workers up before the jobs come (on a busy machine one could
    // otherwise start after the other has run them all).
    for (_, admin) in &sys.worker_admin {
        harness::processes::wait_ready(&format!("{admin}/readyz"), Duration::from_secs(30)).await;
    }
    let (project, version, jd) = sys.setup().await;
    let mut jobs = Vec::new();
    for _ in 0..12 {
        jobs.push(sys.submit(&project, &version, &jd).await);
    }
    for job in &jobs {
        let done = sys.wait_status(job, &["COMPLETED", "FAILED"], Duration::from_secs(60)).await;
        assert_eq!(done["status"], "COMPLETED", "{done}");
        let (s, proposal) = sys.call(reqwest::Method::GET, &format!("/v1/ai-jobs/{job}/proposal"), None).await;
        assert_eq!(s, 200, "{proposal}");
    }
    // Each worker process counts the jobs it completed (the queue table
    // keeps no finished task to tell).
    let mut completed = Vec::new();
    for (_, admin) in &sys.worker_admin {
        let text = reqwest::get(format!("{admin}/metrics")).await.expect("metrics").text().await.expect("text");
        let count: f64 = text
            .lines()
            .filter(|l| l.starts_with("tailor_jobs_total{") && l.contains(r#"outcome="completed""#))
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum();
        completed.push(count);
    }
    assert_eq!(completed.iter().sum::<f64>(), 12.0, "{completed:?}");
    assert!(completed.iter().all(|n| *n > 0.0), "both worker processes took jobs: {completed:?}");
}

#[tokio::test]
async fn a_job_whose_worker_is_sigkilled_mid_call_is_finished_by_another() {
    let mut sys = System::start(4000, 0).await;
    let (project, version, jd) = sys.setup().await;
    let first = sys.start_worker("doomed");
    let job = sys.submit(&project, &version, &jd).await;
    sys.wait_status(&job, &["RUNNING"], Duration::from_secs(30)).await;
    tokio::time::sleep(Duration::from_millis(500)).await; // inside the 4 s provider call
    sys.procs[first].signal("KILL");
    let started = std::time::Instant::now();
    sys.start_worker("rescuer");
    let done = sys.wait_status(&job, &["COMPLETED", "FAILED"], Duration::from_secs(60)).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    assert!(started.elapsed() < Duration::from_secs(60), "rescued within 60 s: {:?}", started.elapsed());
    let pool = sys.db.pool().await;
    let proposals: i64 =
        sqlx::query_scalar(r#"SELECT count(*) FROM "ProposedVersion""#).fetch_one(&pool).await.expect("count");
    assert_eq!(proposals, 1, "exactly one proposal");
    pool.close().await;
}

#[tokio::test]
async fn a_worker_stopped_with_sigterm_mid_call_never_leaves_a_job_running() {
    let mut sys = System::start(6000, 0).await;
    let (project, version, jd) = sys.setup().await;
    let w = sys.start_worker("stopping");
    let job = sys.submit(&project, &version, &jd).await;
    sys.wait_status(&job, &["RUNNING"], Duration::from_secs(30)).await;
    sys.procs[w].signal("TERM");
    let exit = sys.procs[w].wait(Duration::from_secs(20)).await;
    assert!(exit.is_some(), "the worker exits after its drain timeout");
    let after = sys.status(&job).await;
    assert_eq!(after["status"], "QUEUED", "returned to the queue, not left RUNNING: {after}");
    // Another worker picks it up at once and finishes it.
    sys.start_worker("next");
    let done = sys.wait_status(&job, &["COMPLETED", "FAILED"], Duration::from_secs(40)).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
}
