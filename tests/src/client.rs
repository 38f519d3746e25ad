//! The api as a test talks to it: every URL built in [`url`], answers read
//! into our model types, refusals as [`Refused`] (the problem+json and its
//! headers), and the queue drained on demand through the real worker
//! ([`TestApp::drain`]), so tests read like the product.
//!
//! ```ignore
//! let alice = app.user("alice");
//! let (project, base, jd) = alice.tailoring_setup(SAMPLE_RESUME).await;
//! let job = alice.submit(&project, &base, &jd).await.expect("queued");
//! app.drain(Some(&sim)).await;
//! assert_eq!(alice.job(job.id).await.expect("job").status, AiJobStatus::Completed);
//! ```

use std::time::{Duration, Instant};

use reqwest::Method;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use shared::model::{AiJob, AiJobStatus, JobDescription, ResumeProject, ResumeSection, ResumeVersion};
use uuid::Uuid;

use crate::harness::{SAMPLE_JD, Sim, TestApp, TestWorker, token_for};

/// Every route a test calls, in one place.
pub mod url {
    use uuid::Uuid;

    pub fn projects() -> String {
        "/v1/projects".into()
    }
    pub fn project(id: Uuid) -> String {
        format!("/v1/projects/{id}")
    }
    pub fn versions(project: Uuid) -> String {
        format!("/v1/projects/{project}/versions")
    }
    pub fn version(id: Uuid) -> String {
        format!("/v1/versions/{id}")
    }
    pub fn job_descriptions(project: Uuid) -> String {
        format!("/v1/projects/{project}/job-descriptions")
    }
    pub fn jobs(project: Uuid) -> String {
        format!("/v1/projects/{project}/ai-jobs")
    }
    pub fn job(id: Uuid) -> String {
        format!("/v1/ai-jobs/{id}")
    }
    pub fn job_events(id: Uuid) -> String {
        format!("/v1/ai-jobs/{id}/events")
    }
    pub fn proposal(job: Uuid) -> String {
        format!("/v1/ai-jobs/{job}/proposal")
    }
    pub fn accept(job: Uuid) -> String {
        format!("/v1/ai-jobs/{job}/proposal/accept")
    }
    pub fn api_key(provider: &str) -> String {
        format!("/v1/api-keys/{provider}")
    }
    pub fn validate_key(provider: &str) -> String {
        format!("/v1/api-keys/{provider}/validate")
    }
}

/// A version as the api answers it: the row and its sections.
#[derive(Debug, Clone, Deserialize)]
pub struct Version {
    #[serde(flatten)]
    pub version: ResumeVersion,
    pub sections: Vec<ResumeSection>,
    #[serde(default)]
    pub compile: Option<Value>,
}

/// A page of a list.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// A refusal: the status, the problem+json and `Retry-After` when given.
#[derive(Debug, Clone)]
pub struct Refused {
    pub status: u16,
    pub problem: Value,
    pub retry_after: Option<u64>,
}

impl Refused {
    /// The problem's `detail`.
    pub fn detail(&self) -> &str {
        self.problem["detail"].as_str().unwrap_or_default()
    }
}

/// One user of the api.
pub struct User<'a> {
    app: &'a TestApp,
    pub sub: String,
}

impl TestApp {
    /// The api as Clerk user `sub`.
    pub fn user(&self, sub: &str) -> User<'_> {
        User { app: self, sub: sub.to_owned() }
    }

    /// Run every queued AI job and compile through the real worker (its
    /// real handler, DEEPSEEK on `sim`), until nothing is left to run, then
    /// stop it. Returns how many queue tasks it finished.
    pub async fn drain(&self, sim: Option<&Sim>) -> i64 {
        self.drain_with(sim, |_| {}).await
    }

    /// [`TestApp::drain`] with a worker configured by `tweak`.
    pub async fn drain_with(&self, sim: Option<&Sim>, tweak: impl FnOnce(&mut worker::Config)) -> i64 {
        let mut config = self.worker_config(sim);
        tweak(&mut config);
        let worker = TestWorker::start(config);
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let (left, done): (i64, i64) = sqlx::query_as(
                "SELECT count(*) FILTER (WHERE status IN ('Pending', 'Queued', 'Running')
                                          OR (status = 'Failed' AND attempts < max_attempts)),
                        count(*) FILTER (WHERE status = 'Done')
                 FROM apalis.jobs",
            )
            .fetch_one(&self.pool)
            .await
            .expect("queue state");
            if left == 0 {
                worker.stop().await.expect("worker stops");
                return done;
            }
            assert!(Instant::now() < deadline, "the queue did not drain: {left} tasks left");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl User<'_> {
    /// Send and read the answer as `T`, or the refusal.
    pub async fn call<T: DeserializeOwned>(
        &self,
        method: Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<T, Refused> {
        let mut req = self.app.client.request(method, self.app.url(path)).bearer_auth(token_for(&self.sub));
        if let Some(body) = body {
            req = req.json(&body);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let retry_after = res.headers().get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
        let text = res.text().await.expect("body");
        if (200..300).contains(&status) {
            let text = if text.is_empty() { "null" } else { &text };
            return Ok(serde_json::from_str(text).unwrap_or_else(|e| panic!("{path}: {e}: {text}")));
        }
        Err(Refused { status, problem: serde_json::from_str(&text).unwrap_or(Value::Null), retry_after })
    }

    pub async fn create_project(&self, name: &str) -> Result<ResumeProject, Refused> {
        self.call(Method::POST, &url::projects(), Some(json!({"name": name}))).await
    }

    pub async fn create_base(&self, project: Uuid, latex: &str) -> Result<Version, Refused> {
        self.call(Method::POST, &url::versions(project), Some(json!({"type": "BASE", "latexContent": latex}))).await
    }

    pub async fn create_jd(&self, project: Uuid, raw_text: &str) -> Result<JobDescription, Refused> {
        self.call(Method::POST, &url::job_descriptions(project), Some(json!({"rawText": raw_text}))).await
    }

    /// A project, a BASE version of `latex` and the sample JD.
    pub async fn tailoring_setup(&self, latex: &str) -> (ResumeProject, Version, JobDescription) {
        let project = self.create_project("Backend résumé").await.expect("project");
        let base = self.create_base(project.id, latex).await.expect("base version");
        let jd = self.create_jd(project.id, SAMPLE_JD).await.expect("job description");
        (project, base, jd)
    }

    /// Submit a BALANCED DEEPSEEK job.
    pub async fn submit(&self, project: &ResumeProject, base: &Version, jd: &JobDescription) -> Result<AiJob, Refused> {
        let body = json!({"baseVersionId": base.version.id, "jdId": jd.id, "mode": "BALANCED"});
        self.call(Method::POST, &url::jobs(project.id), Some(body)).await
    }

    pub async fn job(&self, id: Uuid) -> Result<AiJob, Refused> {
        self.call(Method::GET, &url::job(id), None).await
    }

    pub async fn jobs(&self, project: Uuid) -> Result<Page<AiJob>, Refused> {
        self.call(Method::GET, &url::jobs(project), None).await
    }

    /// Poll until the job is COMPLETED or FAILED (panics after `timeout`).
    pub async fn wait_final(&self, id: Uuid, timeout: Duration) -> AiJob {
        let deadline = Instant::now() + timeout;
        loop {
            let job = self.job(id).await.expect("job");
            if job.status.is_terminal() {
                return job;
            }
            assert!(Instant::now() < deadline, "job {id} not final after {timeout:?}: {:?}", job.status);
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Whether the job is `status`.
    pub async fn job_is(&self, id: Uuid, status: AiJobStatus) -> bool {
        self.job(id).await.is_ok_and(|job| job.status == status)
    }
}
