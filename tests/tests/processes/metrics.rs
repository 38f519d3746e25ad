//! Metrics as an operator reads them: a real Prometheus (Debian's package,
//! installed by scripts/ensure-tools.sh) scrapes the api's and a worker's
//! admin listeners; after N jobs, PromQL reads N completed. Every name and
//! label the dashboards and alerts use is on `/metrics`, which the public
//! port never serves; the worker's probes answer on its admin port.

use std::time::{Duration, Instant};

use harness::processes::{Proc, free_port, wait_ready};
use harness::system::{Options, System};
use serde_json::Value;

const JOBS: usize = 4;

/// A series of `/metrics` text: its name and labels.
fn has_series(text: &str, name: &str, labels: &[(&str, &str)]) -> bool {
    text.lines().filter(|l| !l.starts_with('#')).any(|line| {
        let Some(rest) = line.strip_prefix(name) else { return false };
        (rest.starts_with('{') || rest.starts_with(' '))
            && labels.iter().all(|(k, v)| rest.contains(&format!("{k}=\"{v}\"")))
    })
}

/// The value of a series (the first that matches).
fn value_of(text: &str, name: &str, labels: &[(&str, &str)]) -> Option<f64> {
    text.lines().filter(|l| !l.starts_with('#')).find_map(|line| {
        let rest = line.strip_prefix(name)?;
        if !(rest.starts_with('{') || rest.starts_with(' ')) {
            return None;
        }
        if !labels.iter().all(|(k, v)| rest.contains(&format!("{k}=\"{v}\""))) {
            return None;
        }
        rest.rsplit(' ').next()?.parse().ok()
    })
}

async fn get_text(url: &str) -> (u16, String) {
    let res = reqwest::get(url).await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
    (res.status().as_u16(), res.text().await.unwrap_or_default())
}

/// A Prometheus server scraping `targets` (job name, host:port) every second.
async fn prometheus(dir: &std::path::Path, targets: &[(&str, String)]) -> (Proc, String) {
    let scrape: String = targets
        .iter()
        .map(|(job, addr)| format!("  - job_name: {job}\n    static_configs: [{{ targets: [\"{addr}\"] }}]\n"))
        .collect();
    let config = format!("global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\nscrape_configs:\n{scrape}");
    let config_path = dir.join("prometheus.yml");
    std::fs::write(&config_path, config).expect("write prometheus.yml");
    let port = free_port();
    let proc = Proc::start_program(
        "prometheus",
        &[
            &format!("--config.file={}", config_path.display()),
            &format!("--storage.tsdb.path={}", dir.join("data").display()),
            &format!("--web.listen-address=127.0.0.1:{port}"),
        ],
    );
    let base = format!("http://127.0.0.1:{port}");
    wait_ready(&format!("{base}/-/ready"), Duration::from_secs(30)).await;
    (proc, base)
}

/// An instant PromQL query's single value (None while it has no result).
async fn query(prometheus: &str, promql: &str) -> Option<f64> {
    let res = reqwest::Client::new()
        .get(format!("{prometheus}/api/v1/query"))
        .query(&[("query", promql)])
        .send()
        .await
        .ok()?;
    let body: Value = res.json().await.ok()?;
    body["data"]["result"][0]["value"][1].as_str()?.parse().ok()
}

/// Wait until `promql` reads at least `wanted`, and return what it read.
async fn wait_query(prometheus: &str, promql: &str, wanted: f64, timeout: Duration) -> Option<f64> {
    let deadline = Instant::now() + timeout;
    loop {
        let value = query(prometheus, promql).await;
        if value.is_some_and(|v| v >= wanted) || Instant::now() > deadline {
            return value;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test]
async fn prometheus_scraping_both_processes_reads_n_completed_jobs_and_every_named_series() {
    // The first provider call is refused with a 429: retries are counted too.
    let options = Options { sim_args: vec!["--script".into(), "429".into()], ..Options::default() };
    let sys = System::start_with(options, 1).await;
    let worker_admin = sys.admin_of(2).to_owned();
    wait_ready(&format!("{worker_admin}/readyz"), Duration::from_secs(30)).await;
    let dir = tempfile::tempdir().expect("prometheus dir");
    let host = |url: &str| url.trim_start_matches("http://").to_owned();
    let (_prometheus, prom) =
        prometheus(dir.path(), &[("tailor-api", host(&sys.api_admin)), ("tailor-worker", host(&worker_admin))]).await;

    let (project, version, jd) = sys.setup().await;
    sys.compile(&version).await;
    let mut jobs = Vec::new();
    for _ in 0..JOBS {
        jobs.push(sys.submit(&project, &version, &jd).await);
    }
    for job in &jobs {
        let done = sys.wait_status(job, &["COMPLETED", "FAILED"], Duration::from_secs(90)).await;
        assert_eq!(done["status"], "COMPLETED", "{done}");
    }

    // What an operator's PromQL reads.
    let completed = r#"sum(tailor_jobs_total{outcome="completed"})"#;
    let read = wait_query(&prom, completed, JOBS as f64, Duration::from_secs(30)).await;
    assert_eq!(read, Some(JOBS as f64), "{completed}");
    let targets: Value =
        reqwest::get(format!("{prom}/api/v1/targets")).await.expect("targets").json().await.expect("json");
    assert_eq!(
        wait_query(&prom, r#"sum(up{job=~"tailor-api|tailor-worker"})"#, 2.0, Duration::from_secs(15)).await,
        Some(2.0),
        "both targets up: {targets:#}"
    );
    let submitted = r#"sum(http_server_request_duration_seconds_count{method="POST",route="/v1/projects/{projectId}/ai-jobs",status="202"})"#;
    assert_eq!(wait_query(&prom, submitted, JOBS as f64, Duration::from_secs(10)).await, Some(JOBS as f64));
    for phase in ["pickup", "run", "total"] {
        let timed = format!(r#"sum(tailor_job_duration_seconds_count{{phase="{phase}"}})"#);
        assert_eq!(query(&prom, &timed).await, Some(JOBS as f64), "{timed}");
    }

    // The worker's series, names and labels as documented.
    let (status, worker) = get_text(&format!("{worker_admin}/metrics")).await;
    assert_eq!(status, 200);
    for (name, labels) in [
        ("tailor_queue_depth", &[("queue", "tailor.ai-jobs"), ("state", "Pending")][..]),
        ("tailor_queue_depth", &[("queue", "tailor.compile"), ("state", "Done")][..]),
        ("tailor_queue_oldest_pending_seconds", &[("queue", "tailor.ai-jobs")][..]),
        ("tailor_jobs_total", &[("outcome", "completed")][..]),
        ("tailor_job_duration_seconds_bucket", &[("phase", "pickup")][..]),
        ("tailor_job_duration_seconds_bucket", &[("phase", "run")][..]),
        ("tailor_job_duration_seconds_bucket", &[("phase", "total")][..]),
        ("tailor_provider_requests_total", &[("provider", "DEEPSEEK"), ("status", "429")][..]),
        ("tailor_provider_requests_total", &[("provider", "DEEPSEEK"), ("status", "200")][..]),
        ("tailor_provider_request_duration_seconds_bucket", &[("provider", "DEEPSEEK")][..]),
        ("tailor_provider_retries_total", &[("provider", "DEEPSEEK")][..]),
        ("tailor_provider_tokens_total", &[("provider", "DEEPSEEK"), ("kind", "prompt")][..]),
        ("tailor_provider_tokens_total", &[("provider", "DEEPSEEK"), ("kind", "completion")][..]),
        ("tailor_edits_total", &[("result", "applied"), ("gate", "none")][..]),
        ("tailor_compile_duration_seconds_bucket", &[("engine", "pdflatex"), ("outcome", "succeeded")][..]),
    ] {
        assert!(has_series(&worker, name, labels), "{name}{labels:?} missing from the worker's /metrics:\n{worker}");
    }
    assert_eq!(value_of(&worker, "tailor_jobs_total", &[("outcome", "completed")]), Some(JOBS as f64));
    assert_eq!(value_of(&worker, "tailor_provider_retries_total", &[("provider", "DEEPSEEK")]), Some(1.0));
    assert_eq!(
        value_of(&worker, "tailor_provider_requests_total", &[("provider", "DEEPSEEK"), ("status", "200")]),
        Some(JOBS as f64)
    );
    let tokens = value_of(&worker, "tailor_provider_tokens_total", &[("kind", "completion")]).unwrap_or(0.0);
    assert!(tokens > 0.0, "completion tokens counted from the provider's usage");

    // The api's, on its admin listener only.
    let (status, api) = get_text(&format!("{}/metrics", sys.api_admin)).await;
    assert_eq!(status, 200);
    assert!(
        has_series(
            &api,
            "http_server_request_duration_seconds_bucket",
            &[("method", "GET"), ("route", "/v1/ai-jobs/{jobId}"), ("status", "200")]
        ),
        "{api}"
    );
    let (status, _) = get_text(&format!("{}/metrics", sys.api)).await;
    assert_eq!(status, 404, "the public port never serves /metrics");

    // The worker's probes.
    assert_eq!(get_text(&format!("{worker_admin}/healthz")).await.0, 200);
    assert_eq!(get_text(&format!("{worker_admin}/readyz")).await.0, 200);
}
