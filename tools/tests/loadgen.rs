//! `loadgen run` against a small local imitation of the API: projects,
//! versions and JDs answer 201, AI jobs 202 (the very first submission gets
//! a 429 with `Retry-After: 1`), and a job goes QUEUED → RUNNING → COMPLETED
//! with time, seen by polling, long-polling or the SSE route. Tokens are
//! checked against the test's key pair.

use std::collections::HashMap;
use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::time::Instant;
use tools::loadgen::{Follow, HammerArgs, Mode, Report, RunArgs, hammer, run};
use tools::token::{DevKeyPair, Minter, TokenSpec, generate_keypair};

const QUEUED_FOR: Duration = Duration::from_millis(60);
const RUNNING_FOR: Duration = Duration::from_millis(150);
const USERS: u32 = 2;
const JOBS: u64 = 20;

fn keypair() -> &'static DevKeyPair {
    static PAIR: OnceLock<DevKeyPair> = OnceLock::new();
    PAIR.get_or_init(|| generate_keypair("loadgen-test").expect("key pair"))
}

/// A project: its owner and the ids created under it.
struct Project {
    owner: String,
    versions: Vec<String>,
    jds: Vec<String>,
}

/// The fake API's state.
struct Fake {
    key: DecodingKey,
    projects: Mutex<HashMap<String, Project>>,
    jobs: Mutex<HashMap<String, Instant>>,
    rate_limited_once: AtomicBool,
    polls: AtomicU64,
    long_polls: AtomicU64,
    streams: AtomicU64,
}

type Shared = Arc<Fake>;

impl Fake {
    /// The verified `sub` of the bearer token.
    fn user(&self, headers: &HeaderMap) -> Result<String, StatusCode> {
        let token = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .ok_or(StatusCode::UNAUTHORIZED)?;
        let mut validation = Validation::new(Algorithm::RS256);
        validation.validate_aud = false;
        let data =
            jsonwebtoken::decode::<Value>(token, &self.key, &validation).map_err(|_| StatusCode::UNAUTHORIZED)?;
        if data.header.kid.as_deref() != Some("loadgen-test") {
            return Err(StatusCode::UNAUTHORIZED);
        }
        match data.claims["sub"].as_str() {
            Some(sub) if sub.starts_with("loadgen_user_") => Ok(sub.to_owned()),
            _ => Err(StatusCode::UNAUTHORIZED),
        }
    }

    /// The project if `user` owns it.
    fn owned<'a>(
        projects: &'a mut HashMap<String, Project>,
        id: &str,
        user: &str,
    ) -> Result<&'a mut Project, StatusCode> {
        projects.get_mut(id).filter(|p| p.owner == user).ok_or(StatusCode::NOT_FOUND)
    }

    fn job_created_at(&self, id: &str) -> Option<Instant> {
        self.jobs.lock().expect("jobs lock").get(id).copied()
    }
}

fn status_of(created: Instant) -> &'static str {
    let age = created.elapsed();
    if age < QUEUED_FOR {
        "QUEUED"
    } else if age < QUEUED_FOR + RUNNING_FOR {
        "RUNNING"
    } else {
        "COMPLETED"
    }
}

fn job_json(id: &str, status: &str) -> Value {
    json!({
        "id": id, "projectId": "p", "baseVersionId": "v", "jdId": "j", "mode": "BALANCED",
        "status": status, "errorMessage": null,
        "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z",
    })
}

fn new_id() -> String {
    uuid::Uuid::new_v4().to_string()
}

async fn create_project(State(fake): State<Shared>, headers: HeaderMap, Json(body): Json<Value>) -> Response {
    let user = match fake.user(&headers) {
        Ok(user) => user,
        Err(status) => return status.into_response(),
    };
    let Some(name) = body["name"].as_str() else { return StatusCode::UNPROCESSABLE_ENTITY.into_response() };
    let id = new_id();
    let project = Project { owner: user, versions: Vec::new(), jds: Vec::new() };
    fake.projects.lock().expect("projects lock").insert(id.clone(), project);
    (StatusCode::CREATED, Json(json!({"id": id, "name": name}))).into_response()
}

/// Answers 201 `{"id": …}` or the error status.
fn created(result: Result<String, StatusCode>) -> Response {
    match result {
        Ok(id) => (StatusCode::CREATED, Json(json!({"id": id}))).into_response(),
        Err(status) => status.into_response(),
    }
}

fn add_version(fake: &Fake, headers: &HeaderMap, project: &str, body: &Value) -> Result<String, StatusCode> {
    let user = fake.user(headers)?;
    let ok = body["type"] == "BASE" && body["latexContent"].as_str().is_some_and(|s| s.contains("\\documentclass"));
    if !ok {
        return Err(StatusCode::UNPROCESSABLE_ENTITY);
    }
    let mut projects = fake.projects.lock().expect("projects lock");
    let id = new_id();
    Fake::owned(&mut projects, project, &user)?.versions.push(id.clone());
    Ok(id)
}

async fn create_version(
    State(fake): State<Shared>,
    headers: HeaderMap,
    Path(project): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    created(add_version(&fake, &headers, &project, &body))
}

fn add_jd(fake: &Fake, headers: &HeaderMap, project: &str, body: &Value) -> Result<String, StatusCode> {
    let user = fake.user(headers)?;
    if body["rawText"].as_str().is_none_or(str::is_empty) {
        return Err(StatusCode::UNPROCESSABLE_ENTITY);
    }
    let mut projects = fake.projects.lock().expect("projects lock");
    let id = new_id();
    Fake::owned(&mut projects, project, &user)?.jds.push(id.clone());
    Ok(id)
}

async fn create_jd(
    State(fake): State<Shared>,
    headers: HeaderMap,
    Path(project): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    created(add_jd(&fake, &headers, &project, &body))
}

/// The submission's owner and references are right.
fn check_job(fake: &Fake, headers: &HeaderMap, project: &str, body: &Value) -> Result<(), StatusCode> {
    let user = fake.user(headers)?;
    let mut projects = fake.projects.lock().expect("projects lock");
    let project = Fake::owned(&mut projects, project, &user)?;
    let version_ok = body["baseVersionId"].as_str().is_some_and(|v| project.versions.iter().any(|k| k == v));
    let jd_ok = body["jdId"].as_str().is_some_and(|j| project.jds.iter().any(|k| k == j));
    if !(version_ok && jd_ok && body["mode"] == "BALANCED") {
        return Err(StatusCode::UNPROCESSABLE_ENTITY);
    }
    Ok(())
}

async fn create_job(
    State(fake): State<Shared>,
    headers: HeaderMap,
    Path(project): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    if let Err(status) = check_job(&fake, &headers, &project, &body) {
        return status.into_response();
    }
    if !fake.rate_limited_once.swap(true, Ordering::SeqCst) {
        let problem = Json(json!({"title": "Too Many Requests", "status": 429}));
        return (StatusCode::TOO_MANY_REQUESTS, [(header::RETRY_AFTER, "1")], problem).into_response();
    }
    let id = new_id();
    fake.jobs.lock().expect("jobs lock").insert(id.clone(), Instant::now());
    let location = format!("/v1/ai-jobs/{id}");
    (StatusCode::ACCEPTED, [(header::LOCATION, location)], Json(job_json(&id, "QUEUED"))).into_response()
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct WaitParams {
    wait_seconds: Option<u64>,
    if_status: Option<String>,
}

async fn get_job(
    State(fake): State<Shared>,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(params): Query<WaitParams>,
) -> Response {
    if let Err(status) = fake.user(&headers) {
        return status.into_response();
    }
    let Some(created) = fake.job_created_at(&id) else { return StatusCode::NOT_FOUND.into_response() };
    let Some(wait) = params.wait_seconds else {
        fake.polls.fetch_add(1, Ordering::Relaxed);
        return Json(job_json(&id, status_of(created))).into_response();
    };
    fake.long_polls.fetch_add(1, Ordering::Relaxed);
    let deadline = Instant::now() + Duration::from_secs(wait.min(30));
    loop {
        let status = status_of(created);
        if params.if_status.as_deref() != Some(status) || Instant::now() >= deadline {
            return Json(job_json(&id, status)).into_response();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

async fn job_events(State(fake): State<Shared>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if let Err(status) = fake.user(&headers) {
        return status.into_response();
    }
    let Some(created) = fake.job_created_at(&id) else { return StatusCode::NOT_FOUND.into_response() };
    fake.streams.fetch_add(1, Ordering::Relaxed);
    // A keep-alive comment, then the current state, then each change (CRLF
    // line ends); the stream ends after the final state.
    let hello = futures::stream::iter([Ok::<_, Infallible>(Bytes::from_static(b": keep-alive\r\n\r\n"))]);
    let changes = futures::stream::unfold((id, None::<&'static str>), move |(id, last)| async move {
        if last == Some("COMPLETED") {
            return None;
        }
        loop {
            let status = status_of(created);
            if Some(status) != last {
                let chunk = format!("event: status\r\ndata: {}\r\n\r\n", job_json(&id, status));
                return Some((Ok::<_, Infallible>(Bytes::from(chunk)), (id, Some(status))));
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    let body = Body::from_stream(futures::StreamExt::chain(hello, changes));
    ([(header::CONTENT_TYPE, "text/event-stream"), (header::CACHE_CONTROL, "no-cache")], body).into_response()
}

/// Starts the fake API; returns its base URL and state.
async fn start_fake() -> (String, Shared, tokio::task::JoinHandle<()>) {
    let key = DecodingKey::from_rsa_pem(keypair().public_pem.as_bytes()).expect("public key");
    let fake = Arc::new(Fake {
        key,
        projects: Mutex::default(),
        jobs: Mutex::default(),
        rate_limited_once: AtomicBool::new(false),
        polls: AtomicU64::new(0),
        long_polls: AtomicU64::new(0),
        streams: AtomicU64::new(0),
    });
    let router = Router::new()
        .route("/v1/projects", post(create_project))
        .route("/v1/projects/{id}/versions", post(create_version))
        .route("/v1/projects/{id}/job-descriptions", post(create_jd))
        .route("/v1/projects/{id}/ai-jobs", post(create_job))
        .route("/v1/ai-jobs/{id}", get(get_job))
        .route("/v1/ai-jobs/{id}/events", get(job_events))
        .with_state(Arc::clone(&fake));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    (format!("http://{addr}"), fake, server)
}

/// A temporary directory removed on drop (also after a failed assertion).
struct TempDir(PathBuf);

impl TempDir {
    fn new(tag: &str) -> Self {
        let unique = format!("tailor-loadgen-{tag}-{}-{}", std::process::id(), uuid::Uuid::new_v4().simple());
        let dir = std::env::temp_dir().join(unique);
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// Runs loadgen against a fresh fake API; checks the report and its files.
async fn run_against_fake(follow: Follow, rate: Option<f64>) -> (Report, Shared) {
    let (api, fake, server) = start_fake().await;
    let dir = TempDir::new(&format!("{follow:?}"));
    let key_path = dir.0.join("private.pem");
    std::fs::write(&key_path, &keypair().private_pem).expect("write key");
    let report_path = dir.0.join("out").join("run.json");
    let args = RunArgs {
        api: format!("{api}/"),
        jwt_private_key: key_path,
        kid: "loadgen-test".to_owned(),
        users: USERS,
        jobs: JOBS,
        concurrency: 5,
        rate,
        mode: Mode::Balanced,
        follow,
        poll_interval_ms: 40,
        timeout_secs: 30,
        report: report_path.clone(),
        resume: None,
        jd: None,
        quiet: true,
    };
    let report = run(args).await.expect("loadgen run");
    server.abort();

    assert_eq!(report.jobs, JOBS);
    assert_eq!(report.completed, JOBS, "{report:#?}");
    assert_eq!((report.failed, report.lost, report.submit_errors), (0, 0, 0), "{report:#?}");
    assert_eq!(report.submit_retries, 1, "the 429 is counted");
    assert_eq!(report.http_statuses.get("429"), Some(&1));
    assert_eq!(report.http_statuses.get("202"), Some(&JOBS));
    assert_eq!(report.http_statuses.get("201"), Some(&(3 * u64::from(USERS))), "project, version, JD per user");
    assert_eq!(report.transport_errors, 0);
    assert_eq!(report.e2e_ms.count, JOBS);
    assert_eq!(report.pickup_ms.count, JOBS);
    assert_eq!(report.enqueue_ms.count, JOBS);
    let min_e2e = (QUEUED_FOR + RUNNING_FOR).as_millis() as f64;
    assert!(report.e2e_ms.p50 >= min_e2e * 0.99, "{:?}", report.e2e_ms);
    assert!(report.pickup_ms.p50 >= QUEUED_FOR.as_millis() as f64 * 0.99, "{:?}", report.pickup_ms);
    assert!(report.e2e_ms.max < 5_000.0, "{:?}", report.e2e_ms);
    assert!(report.throughput_jobs_per_sec > 0.0);
    assert_eq!(report.timeline.iter().map(|b| b.completed).sum::<u64>(), JOBS);
    assert_eq!(report.timeline.iter().map(|b| b.submitted).sum::<u64>(), JOBS);
    assert_eq!(report.schedule_lag_ms.is_some(), rate.is_some());

    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(&report_path).expect("report json")).expect("the report is JSON");
    assert_eq!(json["completed"], JOBS);
    assert_eq!(json["lost"], 0);
    assert_eq!(json["httpStatuses"]["429"], 1);
    assert!(json["e2eMs"]["p99"].is_number() && json["timeline"].is_array());
    assert_eq!(json["config"]["follow"], serde_json::to_value(follow).expect("follow"));
    let md = std::fs::read_to_string(report_path.with_extension("md")).expect("markdown");
    assert!(md.contains(&format!("| completed | {JOBS} |")), "{md}");
    let svg = std::fs::read_to_string(report_path.with_extension("svg")).expect("svg");
    assert!(svg.starts_with("<svg") && svg.contains("</svg>"), "{svg}");
    (report, fake)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn poll_closed_loop() {
    let (_, fake) = run_against_fake(Follow::Poll, None).await;
    assert!(fake.polls.load(Ordering::Relaxed) >= JOBS * 2, "several polls per job");
    assert_eq!(fake.long_polls.load(Ordering::Relaxed), 0);
    assert_eq!(fake.streams.load(Ordering::Relaxed), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn long_poll_open_loop() {
    let (report, fake) = run_against_fake(Follow::LongPoll, Some(40.0)).await;
    assert_eq!(fake.polls.load(Ordering::Relaxed), 0);
    // At most one long poll per status change (QUEUED → RUNNING → COMPLETED),
    // give or take one that races a change.
    let long_polls = fake.long_polls.load(Ordering::Relaxed);
    assert!((JOBS..=JOBS * 3).contains(&long_polls), "{long_polls} long polls");
    // 40 jobs/s of ~0.2 s jobs with 5 in flight at most: the cap bites.
    assert!(report.in_flight_cap_hits > 0, "{report:#?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sse_closed_loop() {
    let (report, fake) = run_against_fake(Follow::Sse, None).await;
    assert_eq!(fake.streams.load(Ordering::Relaxed), JOBS, "one stream per job");
    assert_eq!(fake.polls.load(Ordering::Relaxed) + fake.long_polls.load(Ordering::Relaxed), 0);
    assert_eq!((report.sse_reconnects, report.follow_errors), (0, 0));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hammer_counts_requests_and_statuses() {
    let (api, fake, server) = start_fake().await;
    let id = new_id();
    fake.jobs.lock().expect("jobs lock").insert(id.clone(), Instant::now());
    let mut spec = TokenSpec::new("loadgen_user_0");
    spec.kid = Some("loadgen-test".to_owned());
    let token = Minter::from_pem(&keypair().private_pem).expect("minter").mint(&spec).expect("token");
    let dir = TempDir::new("hammer");
    let report_path = dir.0.join("hammer.json");
    let args = |headers: Vec<String>, report: Option<PathBuf>| HammerArgs {
        url: format!("{api}/v1/ai-jobs/{id}"),
        headers,
        connections: 4,
        seconds: 1,
        report,
    };

    let ok =
        hammer(args(vec![format!("Authorization: Bearer {token}")], Some(report_path.clone()))).await.expect("hammer");
    assert!(ok.requests > 10, "{ok:?}");
    assert_eq!(ok.errors, 0, "{ok:?}");
    assert_eq!(ok.http_statuses.get("200"), Some(&ok.requests));
    assert!(ok.requests_per_sec > 0.0 && ok.latency_ms.p50 > 0.0 && ok.latency_ms.p99 >= ok.latency_ms.p50);
    // Requests still in flight when the time was up were served but are not
    // counted (the window is exactly `seconds` long): at most one per connection.
    let served = fake.polls.load(Ordering::Relaxed);
    assert!((ok.requests..=ok.requests + 4).contains(&served), "served {served}, counted {}", ok.requests);
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&report_path).expect("report")).expect("JSON");
    for key in ["requests", "errors", "requestsPerSec", "httpStatuses"] {
        assert!(json.get(key).is_some(), "{key} missing: {json}");
    }
    assert!(json["latencyMs"]["p50"].is_number() && json["latencyMs"]["p99"].is_number());

    // Without a token every answer is a 401, and counts as an error.
    let denied = hammer(args(Vec::new(), None)).await.expect("hammer");
    assert!(denied.requests > 0);
    assert_eq!(denied.errors, denied.requests);
    assert_eq!(denied.http_statuses.get("401"), Some(&denied.requests));
    server.abort();
}
