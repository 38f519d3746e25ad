//! End to end with the real binaries as separate processes: `api`, two
//! `worker`s and `llm-sim` as the provider, driven through HTTP only.
//! Also: a worker killed with SIGKILL mid-call (another finishes the job,
//! one proposal), and a worker stopped with SIGTERM mid-call (never left RUNNING).

use std::time::Duration;

use harness::processes::{Proc, free_port, wait_ready};
use harness::{SAMPLE_RESUME, TestDb, id_of, keys, redis_url, send, token_for};
use serde_json::{Value, json};

struct System {
    db: TestDb,
    /// The object store every process shares (`STORAGE_URL`).
    storage: tempfile::TempDir,
    api: String,
    sim_port: u16,
    procs: Vec<Proc>,
}

fn worker_env(db: &TestDb, storage: &tempfile::TempDir, sim_port: u16, name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("DATABASE_URL", db.url.clone()),
        ("STORAGE_URL", format!("file://{}", storage.path().display())),
        ("NEBIUS_API_KEY", "sim-key".into()),
        ("NEBIUS_BASE_URL", format!("http://127.0.0.1:{sim_port}/v1/")),
        ("API_KEY_ENCRYPTION_KEY", "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=".into()),
        ("WORKER_NAME", name.into()),
        ("WORKER_CONCURRENCY", "2".into()),
        ("WORKER_BATCH_SIZE", "2".into()),
        ("WORKER_HEARTBEAT_SECS", "2".into()),
        ("WORKER_MISSED_HEARTBEATS", "3".into()),
        ("WORKER_POLL_INTERVAL_MS", "200".into()),
        ("WORKER_DRAIN_TIMEOUT_SECS", "2".into()),
        ("REDIS_URL", redis_url()),
        // The simulator has no rate limit; pacing is tested in pipeline/pacing.rs.
        ("DEEPSEEK_RPM", "0".into()),
    ]
}

impl System {
    async fn start(sim_latency_ms: u64, workers: usize) -> System {
        let db = TestDb::migrated().await;
        let storage = tempfile::tempdir().expect("storage dir");
        let sim_port = free_port();
        let api_port = free_port();
        let mut procs = vec![Proc::start(
            "llm-sim",
            &["--addr", &format!("127.0.0.1:{sim_port}"), "--latency-ms", &sim_latency_ms.to_string()],
            &[],
        )];
        procs.push(Proc::start(
            "api",
            &[],
            &[
                ("DATABASE_URL", db.url.clone()),
                ("STORAGE_URL", format!("file://{}", storage.path().display())),
                ("REDIS_URL", redis_url()),
                ("API_ADDR", format!("127.0.0.1:{api_port}")),
                ("CLERK_JWT_KEY", keys().public_pem.clone()),
                ("API_KEY_ENCRYPTION_KEY", "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=".into()),
                // One user submits a dozen jobs at once here.
                ("AI_JOB_SUBMISSIONS_PER_MINUTE", "0".into()),
            ],
        ));
        let api = format!("http://127.0.0.1:{api_port}");
        wait_ready(&format!("{api}/readyz"), Duration::from_secs(30)).await;
        let mut system = System { db, storage, api, sim_port, procs };
        for i in 0..workers {
            system.start_worker(&format!("e2e-worker-{i}"));
        }
        system
    }

    fn start_worker(&mut self, name: &str) -> usize {
        self.procs.push(Proc::start("worker", &[], &worker_env(&self.db, &self.storage, self.sim_port, name)));
        self.procs.len() - 1
    }

    async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        let mut req =
            reqwest::Client::new().request(method, format!("{}{path}", self.api)).bearer_auth(token_for("user_e2e"));
        if let Some(b) = body {
            req = req.json(&b);
        }
        send(req).await
    }

    async fn setup(&self) -> (String, String, String) {
        let (s, project) = self.call(reqwest::Method::POST, "/v1/projects", Some(json!({"name": "e2e"}))).await;
        assert_eq!(s, 201, "{project}");
        let project = id_of(&project);
        let (s, version) = self
            .call(
                reqwest::Method::POST,
                &format!("/v1/projects/{project}/versions"),
                Some(json!({"type": "BASE", "latexContent": SAMPLE_RESUME})),
            )
            .await;
        assert_eq!(s, 201, "{version}");
        let (s, jd) = self
            .call(
                reqwest::Method::POST,
                &format!("/v1/projects/{project}/job-descriptions"),
                Some(json!({"rawText": harness::SAMPLE_JD})),
            )
            .await;
        assert_eq!(s, 201, "{jd}");
        (project, id_of(&version), id_of(&jd))
    }

    async fn submit(&self, project: &str, version: &str, jd: &str) -> String {
        let (s, job) = self
            .call(
                reqwest::Method::POST,
                &format!("/v1/projects/{project}/ai-jobs"),
                Some(json!({"baseVersionId": version, "jdId": jd, "mode": "BALANCED"})),
            )
            .await;
        assert_eq!(s, 202, "{job}");
        assert_eq!(job["status"], "QUEUED");
        id_of(&job)
    }

    async fn status(&self, job: &str) -> Value {
        let (s, body) = self.call(reqwest::Method::GET, &format!("/v1/ai-jobs/{job}"), None).await;
        assert_eq!(s, 200, "{body}");
        body
    }

    async fn wait_status(&self, job: &str, wanted: &[&str], timeout: Duration) -> Value {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let body = self.status(job).await;
            if wanted.iter().any(|w| body["status"] == *w) {
                return body;
            }
            assert!(std::time::Instant::now() < deadline, "job {job} not in {wanted:?} after {timeout:?}: {body}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test]
async fn api_two_workers_and_a_fake_provider_as_processes_complete_jobs_over_http() {
    let sys = System::start(300, 2).await;
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
    let pool = sys.db.pool().await;
    let workers: i64 =
        sqlx::query_scalar("SELECT count(DISTINCT lock_by) FROM apalis.jobs").fetch_one(&pool).await.expect("count");
    assert_eq!(workers, 2, "both worker processes took jobs");
    pool.close().await;
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
