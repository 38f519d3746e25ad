//! The whole system as separate processes: `llm-sim` as the provider, the
//! `api`, and any number of `worker`s, over a fresh database and a shared
//! object store, driven through HTTP only. Every process gets its own admin
//! port, so tests can scrape `/metrics` and probe the workers.

use std::time::Duration;

use serde_json::{Value, json};

use crate::processes::{Proc, free_port, wait_ready};
use crate::{SAMPLE_RESUME, TestDb, id_of, keys, redis_url, send, token_for};

/// The test key for stored API keys (32 bytes of `*`).
const ENCRYPTION_KEY: &str = "KioqKioqKioqKioqKioqKioqKioqKioqKioqKioqKio=";

/// How to start the system.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Extra `llm-sim` arguments (`--script 429,ok`, `--latency-ms 300` …).
    pub sim_args: Vec<String>,
    /// Extra environment of the api, and of every worker.
    pub api_env: Vec<(&'static str, String)>,
    pub worker_env: Vec<(&'static str, String)>,
    /// When set, the api's and each worker's log go to `api.log` and
    /// `{worker name}.log` in this directory.
    pub log_dir: Option<std::path::PathBuf>,
}

pub struct System {
    pub db: TestDb,
    /// The object store every process shares (`STORAGE_URL`).
    pub storage: tempfile::TempDir,
    /// The api's public base URL, and its admin listener's (`/metrics`).
    pub api: String,
    pub api_admin: String,
    pub sim_port: u16,
    pub procs: Vec<Proc>,
    /// Each worker's admin base URL, by its index in `procs`.
    pub worker_admin: Vec<(usize, String)>,
    options: Options,
}

impl System {
    /// The simulator answering after `sim_latency_ms`, the api, and `workers` workers.
    pub async fn start(sim_latency_ms: u64, workers: usize) -> System {
        let options =
            Options { sim_args: vec!["--latency-ms".into(), sim_latency_ms.to_string()], ..Options::default() };
        Self::start_with(options, workers).await
    }

    pub async fn start_with(options: Options, workers: usize) -> System {
        let db = TestDb::migrated().await;
        let storage = tempfile::tempdir().expect("storage dir");
        let (sim_port, api_port, admin_port) = (free_port(), free_port(), free_port());
        let mut sim_args = vec!["--addr".to_owned(), format!("127.0.0.1:{sim_port}")];
        sim_args.extend(options.sim_args.iter().cloned());
        let sim_args: Vec<&str> = sim_args.iter().map(String::as_str).collect();
        let mut procs = vec![Proc::start("llm-sim", &sim_args, &[])];
        let mut env = vec![
            ("DATABASE_URL", db.url.clone()),
            ("STORAGE_URL", format!("file://{}", storage.path().display())),
            ("REDIS_URL", redis_url()),
            ("API_ADDR", format!("127.0.0.1:{api_port}")),
            ("METRICS_ADDR", format!("127.0.0.1:{admin_port}")),
            ("CLERK_JWT_KEY", keys().public_pem.clone()),
            ("API_KEY_ENCRYPTION_KEY", ENCRYPTION_KEY.into()),
            // One user submits a dozen jobs at once here.
            ("AI_JOB_SUBMISSIONS_PER_MINUTE", "0".into()),
        ];
        env.extend(options.api_env.iter().cloned());
        procs.push(match &options.log_dir {
            Some(dir) => Proc::start_logged("api", &[], &env, &dir.join("api.log")),
            None => Proc::start("api", &[], &env),
        });
        let api = format!("http://127.0.0.1:{api_port}");
        wait_ready(&format!("{api}/readyz"), Duration::from_secs(30)).await;
        let api_admin = format!("http://127.0.0.1:{admin_port}");
        let mut system = System { db, storage, api, api_admin, sim_port, procs, worker_admin: Vec::new(), options };
        for i in 0..workers {
            system.start_worker(&format!("e2e-worker-{i}"));
        }
        system
    }

    /// Start one more worker; returns its index in `procs`.
    pub fn start_worker(&mut self, name: &str) -> usize {
        let admin_port = free_port();
        let mut env = vec![
            ("DATABASE_URL", self.db.url.clone()),
            ("STORAGE_URL", format!("file://{}", self.storage.path().display())),
            ("NEBIUS_API_KEY", "sim-key".into()),
            ("NEBIUS_BASE_URL", format!("http://127.0.0.1:{}/v1/", self.sim_port)),
            ("API_KEY_ENCRYPTION_KEY", ENCRYPTION_KEY.into()),
            ("WORKER_NAME", name.into()),
            ("WORKER_ADMIN_ADDR", format!("127.0.0.1:{admin_port}")),
            ("WORKER_CONCURRENCY", "2".into()),
            ("WORKER_BATCH_SIZE", "2".into()),
            ("WORKER_HEARTBEAT_SECS", "2".into()),
            ("WORKER_MISSED_HEARTBEATS", "3".into()),
            ("WORKER_POLL_INTERVAL_MS", "200".into()),
            ("WORKER_DRAIN_TIMEOUT_SECS", "2".into()),
            ("REDIS_URL", redis_url()),
            // The simulator has no rate limit; pacing is tested in pipeline/pacing.rs.
            ("DEEPSEEK_RPM", "0".into()),
        ];
        env.extend(self.options.worker_env.iter().cloned());
        self.procs.push(match &self.options.log_dir {
            Some(dir) => Proc::start_logged("worker", &[], &env, &dir.join(format!("{name}.log"))),
            None => Proc::start("worker", &[], &env),
        });
        let index = self.procs.len() - 1;
        self.worker_admin.push((index, format!("http://127.0.0.1:{admin_port}")));
        index
    }

    /// The admin base URL of the worker at `index` in `procs`.
    pub fn admin_of(&self, index: usize) -> &str {
        self.worker_admin.iter().find(|(i, _)| *i == index).map(|(_, url)| url.as_str()).expect("a worker")
    }

    /// Call the api as the test user, with extra headers.
    pub async fn call_with(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> (u16, Value) {
        let mut req =
            reqwest::Client::new().request(method, format!("{}{path}", self.api)).bearer_auth(token_for("user_e2e"));
        for (name, value) in headers {
            req = req.header(*name, *value);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        send(req).await
    }

    pub async fn call(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> (u16, Value) {
        self.call_with(method, path, body, &[]).await
    }

    /// A project with the sample résumé as its BASE version and the sample
    /// job description: (project, version, jd) ids.
    pub async fn setup(&self) -> (String, String, String) {
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
                Some(json!({"rawText": crate::SAMPLE_JD})),
            )
            .await;
        assert_eq!(s, 201, "{jd}");
        (project, id_of(&version), id_of(&jd))
    }

    /// Submit a BALANCED job; returns its id.
    pub async fn submit(&self, project: &str, version: &str, jd: &str) -> String {
        self.submit_with(project, version, jd, &[]).await
    }

    pub async fn submit_with(&self, project: &str, version: &str, jd: &str, headers: &[(&str, &str)]) -> String {
        let (s, job) = self
            .call_with(
                reqwest::Method::POST,
                &format!("/v1/projects/{project}/ai-jobs"),
                Some(json!({"baseVersionId": version, "jdId": jd, "mode": "BALANCED"})),
                headers,
            )
            .await;
        assert_eq!(s, 202, "{job}");
        assert_eq!(job["status"], "QUEUED");
        id_of(&job)
    }

    pub async fn status(&self, job: &str) -> Value {
        let (s, body) = self.call(reqwest::Method::GET, &format!("/v1/ai-jobs/{job}"), None).await;
        assert_eq!(s, 200, "{body}");
        body
    }

    /// Poll the job until its status is one of `wanted`.
    pub async fn wait_status(&self, job: &str, wanted: &[&str], timeout: Duration) -> Value {
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

    /// Compile `version` and wait until it is COMPILED.
    pub async fn compile(&self, version: &str) {
        let (s, body) = self.call(reqwest::Method::POST, &format!("/v1/versions/{version}/compile"), None).await;
        assert!(s == 202 || s == 200, "{s} {body}");
        let deadline = std::time::Instant::now() + Duration::from_secs(90);
        loop {
            let (s, body) = self.call(reqwest::Method::GET, &format!("/v1/versions/{version}"), None).await;
            assert_eq!(s, 200, "{body}");
            match body["status"].as_str() {
                Some("COMPILED" | "ACTIVE") => return,
                Some("ERROR") => panic!("the version did not compile: {body}"),
                _ => {}
            }
            assert!(std::time::Instant::now() < deadline, "not compiled after 90 s: {body}");
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
}
