//! Jobs that succeed: QUEUED → RUNNING → COMPLETED with one proposal, locked
//! sections byte-identical; accept and reject.

use std::time::Duration;

use harness::{SAMPLE_RESUME, Sim, TestApp, TestWorker, id_of, worker_jobs};
use serde_json::{Value, json};
use tools::sim::SimConfig;

fn section<'a>(version: &'a Value, kind: &str) -> &'a Value {
    version["sections"].as_array().and_then(|s| s.iter().find(|s| s["sectionType"] == kind)).expect("section")
}

#[tokio::test]
async fn a_job_completes_with_one_proposal_that_keeps_locked_sections_byte_identical() {
    let app = TestApp::spawn().await;
    let sim = Sim::start(SimConfig::default()).await;
    let worker = TestWorker::start(app.worker_config(Some(&sim)));
    let resume = include_str!("../../../examples/resume.tex");
    let (project, base, jd) = app.tailoring_setup("user_t", resume).await;
    let skills = section(&base, "SKILLS").clone();
    let (status, _) = app.patch(&format!("/v1/sections/{}", id_of(&skills)), "user_t", json!({"isLocked": true})).await;
    assert_eq!(status, 200);

    let job = app.submit("user_t", &project, &id_of(&base), &jd, "AGGRESSIVE", "DEEPSEEK").await;
    let done = app.wait_final("user_t", &job, Duration::from_secs(30)).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    assert_eq!(done["errorMessage"], Value::Null);
    assert_eq!(sim.chat_requests(), 1, "one provider call per job");

    let (status, proposal) = app.get(&format!("/v1/ai-jobs/{job}/proposal"), "user_t").await;
    assert_eq!(status, 200, "{proposal}");
    let latex = proposal["proposedLatexContent"].as_str().expect("latex");
    // What a reviewer needs: the scores and each edit's fate.
    let (before, after) = (&proposal["matchScore"]["base"]["score"], &proposal["matchScore"]["proposal"]["score"]);
    assert!(after.as_f64() > before.as_f64(), "the proposal covers the JD better: {before} → {after}");
    assert!(proposal["edits"]["applied"].as_array().is_some_and(|a| !a.is_empty()), "{}", proposal["edits"]);
    assert!(proposal["edits"]["refused"].is_array());
    let (status, score) = app.get(&format!("/v1/versions/{}/match?jdId={jd}", id_of(&base)), "user_t").await;
    assert_eq!(status, 200, "{score}");
    assert_eq!(&score["score"], before, "the on-demand match score agrees");
    assert_ne!(latex, resume, "the proposal changes something");
    let skills_text = skills["content"].as_str().expect("content");
    assert!(latex.contains(skills_text), "the locked SKILLS section is byte-identical in the proposal");
    let proposals: i64 =
        sqlx::query_scalar(r#"SELECT count(*) FROM "ProposedVersion""#).fetch_one(&app.pool).await.expect("count");
    assert_eq!(proposals, 1);

    // Accept: an AI_GENERATED child of the base, its locks carried, and a diff.
    let (status, accepted) = app.post(&format!("/v1/ai-jobs/{job}/proposal/accept"), "user_t", json!({})).await;
    assert_eq!(status, 201, "{accepted}");
    assert_eq!(accepted["type"], "AI_GENERATED");
    assert_eq!(accepted["parentVersionId"], base["id"]);
    assert_eq!(accepted["latexContent"], latex);
    assert_eq!(section(&accepted, "SKILLS")["isLocked"], true, "locks carried to the accepted version");
    let (status, diff) =
        app.get(&format!("/v1/versions/{}/diff?from={}", id_of(&accepted), id_of(&base)), "user_t").await;
    assert_eq!(status, 200, "{diff}");
    assert!(diff["rewritten"].as_array().is_some_and(|r| !r.is_empty()), "{diff}");
    let diffs: i64 =
        sqlx::query_scalar(r#"SELECT count(*) FROM "VersionDiff""#).fetch_one(&app.pool).await.expect("count");
    assert_eq!(diffs, 1, "the diff was stored at accept and read back, not computed twice");

    let (status, again) = app.post(&format!("/v1/ai-jobs/{job}/proposal/accept"), "user_t", json!({})).await;
    assert_eq!(status, 409, "{again}");
    let (status, _) = app.delete(&format!("/v1/ai-jobs/{job}/proposal"), "user_t").await;
    assert_eq!(status, 204);
    let (status, _) = app.get(&format!("/v1/ai-jobs/{job}/proposal"), "user_t").await;
    assert_eq!(status, 404);
    worker.stop().await.expect("worker stops cleanly");
}

#[tokio::test]
async fn a_redelivered_task_cannot_move_a_finished_job() {
    let app = TestApp::spawn().await;
    let sim = Sim::start(SimConfig::default()).await;
    let (project, base, jd) = app.tailoring_setup("user_t", SAMPLE_RESUME).await;
    let job = app.submit("user_t", &project, &id_of(&base), &jd, "BALANCED", "DEEPSEEK").await;
    let worker = TestWorker::start(app.worker_config(Some(&sim)));
    let done = app.wait_final("user_t", &job, Duration::from_secs(30)).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    // Put the task back in the queue as if it were redelivered.
    sqlx::query("UPDATE apalis.jobs SET status = 'Pending', lock_by = NULL, lock_at = NULL, done_at = NULL")
        .execute(&app.pool)
        .await
        .expect("requeue task");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (_, after) = app.get(&format!("/v1/ai-jobs/{job}"), "user_t").await;
    assert_eq!(after["status"], "COMPLETED");
    assert_eq!(after["updatedAt"], done["updatedAt"], "the finished job was not touched");
    assert_eq!(sim.chat_requests(), 1, "the redelivered task did not call the provider again");
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM apalis.jobs").fetch_one(&app.pool).await.expect("count");
    assert_eq!(left, 0, "the redelivered task was dropped, not left held by the worker");
    worker.stop().await.expect("stop");
}

#[tokio::test]
async fn a_failed_attempt_goes_back_to_the_queue_and_runs_again() {
    let app = TestApp::spawn().await;
    let sim = Sim::start(SimConfig::default()).await;
    let (project, base, jd) = app.tailoring_setup("user_t", SAMPLE_RESUME).await;
    let job = app.submit("user_t", &project, &id_of(&base), &jd, "BALANCED", "DEEPSEEK").await;
    // Held by a worker whose attempt then failed for want of the database.
    sqlx::query("UPDATE apalis.jobs SET status = 'Queued', lock_by = NULL, lock_at = now()")
        .execute(&app.pool)
        .await
        .expect("held");
    let id: uuid::Uuid = job.parse().expect("uuid");
    assert!(shared::queue::fail_ai_task_attempt(&app.pool, id, "the database was unavailable").await.expect("record"));
    let (status, attempts, result): (String, i32, Value) =
        sqlx::query_as("SELECT status, attempts, last_result FROM apalis.jobs")
            .fetch_one(&app.pool)
            .await
            .expect("task");
    assert_eq!((status.as_str(), attempts), ("Failed", 1));
    assert_eq!(result["Err"], "the database was unavailable");
    // With attempts left, the next worker takes it and the job completes.
    let worker = TestWorker::start(app.worker_config(Some(&sim)));
    let done = app.wait_final("user_t", &job, Duration::from_secs(30)).await;
    assert_eq!(done["status"], "COMPLETED", "{done}");
    worker.stop().await.expect("stop");
    assert!(
        !shared::queue::fail_ai_task_attempt(&app.pool, id, "late").await.expect("record"),
        "a task no longer held is not touched"
    );
}

#[tokio::test]
async fn a_job_whose_task_gave_up_is_failed_not_left_running() {
    let app = TestApp::spawn().await;
    let (project, base, jd) = app.tailoring_setup("user_t", SAMPLE_RESUME).await;
    let job = app.submit("user_t", &project, &id_of(&base), &jd, "MINIMAL", "DEEPSEEK").await;
    // As if every apalis attempt had failed while the job was RUNNING.
    sqlx::query(r#"UPDATE "AIJob" SET status = 'RUNNING'"#).execute(&app.pool).await.expect("running");
    sqlx::query("UPDATE apalis.jobs SET status = 'Failed', attempts = max_attempts")
        .execute(&app.pool)
        .await
        .expect("gave up");
    let jobs = worker_jobs(&app.pool);
    let failed = jobs.fail_abandoned().await.expect("sweep");
    assert_eq!(failed, 1);
    let (_, after) = app.get(&format!("/v1/ai-jobs/{job}"), "user_t").await;
    assert_eq!(after["status"], "FAILED");
    assert!(after["errorMessage"].as_str().unwrap_or_default().contains("3 attempts"), "{after}");
    assert_eq!(jobs.fail_abandoned().await.expect("sweep"), 0, "finished jobs are not touched");
}

/// Dead rows in `apalis.jobs` as pg_stat reports them (flushed about once a
/// second, so this waits until `done` holds or 10 s pass).
async fn queue_dead_rows(pool: &sqlx::PgPool, done: impl Fn(i64) -> bool) -> i64 {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let dead: i64 = sqlx::query_scalar(
            "SELECT n_dead_tup FROM pg_stat_user_tables WHERE schemaname = 'apalis' AND relname = 'jobs'",
        )
        .fetch_one(pool)
        .await
        .expect("stats");
        if done(dead) || tokio::time::Instant::now() > deadline {
            return dead;
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn a_bloated_queue_table_is_vacuumed_by_one_replica_at_a_time() {
    let app = TestApp::spawn().await;
    // The churn's leftovers: tasks written, then deleted with their jobs.
    let churn = shared::queue::VACUUM_AFTER_DEAD_ROWS + 1_000;
    sqlx::query(
        "INSERT INTO apalis.jobs (id, job_type, job, status, attempts, max_attempts, run_at, priority)
         SELECT 'churn-' || g, 'tailor.churn', '\\x00', 'Done', 1, 1, now(), 0 FROM generate_series(1, $1) g",
    )
    .bind(churn)
    .execute(&app.pool)
    .await
    .expect("insert");
    sqlx::query("DELETE FROM apalis.jobs WHERE job_type = 'tailor.churn'").execute(&app.pool).await.expect("delete");
    let dead = queue_dead_rows(&app.pool, |d| d >= churn).await;
    assert!(dead >= churn, "{dead} dead rows reported");

    // Another replica is vacuuming: this one skips.
    let mut other = app.pool.acquire().await.expect("connection");
    let locked: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(shared::queue::VACUUM_LOCK)
        .fetch_one(&mut *other)
        .await
        .expect("lock");
    assert!(locked);
    assert!(
        shared::queue::vacuum_if_bloated(&app.pool).await.expect("skip").is_empty(),
        "skipped while another vacuums"
    );
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(shared::queue::VACUUM_LOCK)
        .execute(&mut *other)
        .await
        .expect("unlock");

    assert_eq!(
        shared::queue::vacuum_if_bloated(&app.pool).await.expect("vacuum"),
        ["jobs"],
        "vacuumed past the threshold"
    );
    let dead = queue_dead_rows(&app.pool, |d| d < shared::queue::VACUUM_AFTER_DEAD_ROWS).await;
    assert!(dead < shared::queue::VACUUM_AFTER_DEAD_ROWS, "{dead} dead rows left after the vacuum");
    assert!(
        shared::queue::vacuum_if_bloated(&app.pool).await.expect("again").is_empty(),
        "nothing to do below the threshold"
    );

    // AIJob: two updates per job; vacuumed once its dead rows pass a fifth
    // of the table plus 10,000 (autovacuum's own threshold comes first).
    let (project, base, jd) = app.tailoring_setup("user_vacuum", SAMPLE_RESUME).await;
    sqlx::query(
        r#"INSERT INTO "AIJob" (id, "projectId", "baseVersionId", "jdId", mode, status)
           SELECT gen_random_uuid(), $1::uuid, $2::uuid, $3::uuid, 'MINIMAL', 'QUEUED' FROM generate_series(1, 7000)"#,
    )
    .bind(&project)
    .bind(id_of(&base))
    .bind(&jd)
    .execute(&app.pool)
    .await
    .expect("jobs");
    for status in ["RUNNING", "COMPLETED"] {
        sqlx::query(r#"UPDATE "AIJob" SET status = $1::"AIJobStatus""#)
            .bind(status)
            .execute(&app.pool)
            .await
            .expect("update");
    }
    let jobs_dead = || async {
        let dead: i64 = sqlx::query_scalar(r#"SELECT n_dead_tup FROM pg_stat_user_tables WHERE relname = 'AIJob'"#)
            .fetch_one(&app.pool)
            .await
            .expect("stats");
        dead
    };
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while jobs_dead().await < 14_000 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert_eq!(shared::queue::vacuum_if_bloated(&app.pool).await.expect("vacuum"), ["AIJob"]);
}

#[tokio::test]
async fn finished_queue_tasks_are_pruned_and_the_trace_survives() {
    let app = TestApp::spawn().await;
    let sim = Sim::start(SimConfig::default()).await;
    let worker = TestWorker::start(app.worker_config(Some(&sim)));
    let (project, base, jd) = app.tailoring_setup("user_p", SAMPLE_RESUME).await;
    let done_job = app.submit("user_p", &project, &id_of(&base), &jd, "BALANCED", "DEEPSEEK").await;
    assert_eq!(app.wait_final("user_p", &done_job, Duration::from_secs(30)).await["status"], "COMPLETED");
    worker.stop().await.expect("stop");
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM apalis.jobs WHERE idempotency_key = $1")
        .bind(&done_job)
        .fetch_one(&app.pool)
        .await
        .expect("count");
    assert_eq!(left, 0, "a finished job's task leaves the queue table with its completion");
    // A task apalis marked Done (one whose job had already ended) is pruned
    // after the retention; one that failed once and may be retried stays.
    let acknowledged = app.submit("user_p", &project, &id_of(&base), &jd, "BALANCED", "DEEPSEEK").await;
    sqlx::query("UPDATE apalis.jobs SET status = 'Done', done_at = now() WHERE idempotency_key = $1")
        .bind(&acknowledged)
        .execute(&app.pool)
        .await
        .expect("done");
    let retrying = app.submit("user_p", &project, &id_of(&base), &jd, "BALANCED", "DEEPSEEK").await;
    sqlx::query("UPDATE apalis.jobs SET status = 'Failed', attempts = 1, done_at = now() WHERE idempotency_key = $1")
        .bind(&retrying)
        .execute(&app.pool)
        .await
        .expect("failed once");
    let tasks = || async {
        let n: i64 = sqlx::query_scalar("SELECT count(*) FROM apalis.jobs").fetch_one(&app.pool).await.expect("count");
        n
    };
    assert_eq!(tasks().await, 2);

    assert_eq!(
        shared::queue::prune_finished_tasks(&app.pool, Duration::from_secs(60), 100).await.expect("prune"),
        0,
        "too recent"
    );
    sqlx::query("UPDATE apalis.jobs SET done_at = now() - interval '2 minutes'").execute(&app.pool).await.expect("age");
    assert_eq!(shared::queue::prune_finished_tasks(&app.pool, Duration::from_secs(60), 100).await.expect("prune"), 1);
    let left: String =
        sqlx::query_scalar("SELECT idempotency_key FROM apalis.jobs").fetch_one(&app.pool).await.expect("left");
    assert_eq!(left, retrying, "only the finished task went");

    let (status, proposal) = app.get(&format!("/v1/ai-jobs/{done_job}/proposal"), "user_p").await;
    assert_eq!(status, 200, "{proposal}");
    assert!(proposal["edits"]["applied"].is_array(), "the trace outlives the queue task: {proposal}");
}
