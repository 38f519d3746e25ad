//! A stored provider key never reaches a log line: the real binaries at
//! debug level, a key stored, validated, used for a job and validated
//! again, and every line of every process's log searched for it.

use std::time::Duration;

use harness::system::{Options, System};
use serde_json::json;

const KEY: &str = "azure-key-SECRET-7f3a9c2e51d84b06";

#[tokio::test]
async fn no_log_line_of_a_full_run_contains_a_stored_key() {
    let logs = tempfile::tempdir().expect("log dir");
    let insecure = ("AZURE_ALLOW_INSECURE_ENDPOINTS", "true".to_owned());
    let debug = ("RUST_LOG", "debug".to_owned());
    let options = Options {
        sim_args: vec!["--require-key".into(), KEY.into()],
        api_env: vec![insecure.clone(), debug.clone()],
        worker_env: vec![insecure, debug],
        log_dir: Some(logs.path().to_owned()),
    };
    let mut sys = System::start_with(options, 1).await;
    let endpoint = format!("http://127.0.0.1:{}/openai/deployments/gpt-4o", sys.sim_port);
    let (status, view) = sys
        .call(reqwest::Method::PUT, "/v1/api-keys/AZURE_OPENAI", Some(json!({"apiKey": KEY, "endpoint": endpoint})))
        .await;
    assert_eq!(status, 200, "{view}");
    let (status, view) = sys.call(reqwest::Method::POST, "/v1/api-keys/AZURE_OPENAI/validate", None).await;
    assert_eq!((status, view["isValid"].as_bool()), (200, Some(true)), "{view}");

    let (project, version, jd) = sys.setup().await;
    let (status, job) = sys
        .call(
            reqwest::Method::POST,
            &format!("/v1/projects/{project}/ai-jobs"),
            Some(json!({"baseVersionId": version, "jdId": jd, "mode": "BALANCED", "provider": "AZURE_OPENAI"})),
        )
        .await;
    assert_eq!(status, 202, "{job}");
    let job = job["id"].as_str().expect("id").to_owned();
    let done = sys.wait_status(&job, &["COMPLETED", "FAILED"], Duration::from_secs(60)).await;
    assert_eq!(done["status"], "COMPLETED", "the key was used: {done}");
    // A wrong key too: the provider's 401 goes through every error path.
    let (status, _) = sys
        .call(
            reqwest::Method::PUT,
            "/v1/api-keys/AZURE_OPENAI",
            Some(json!({"apiKey": format!("{KEY}-wrong"), "endpoint": endpoint})),
        )
        .await;
    assert_eq!(status, 422);

    for proc in &mut sys.procs {
        proc.signal("TERM");
        proc.wait(Duration::from_secs(15)).await;
    }
    let mut lines = 0;
    for entry in std::fs::read_dir(logs.path()).expect("logs") {
        let path = entry.expect("entry").path();
        let text = std::fs::read_to_string(&path).expect("log");
        lines += text.lines().count();
        for (n, line) in text.lines().enumerate() {
            assert!(!line.contains("SECRET-7f3a9c2e"), "{}:{}: {line}", path.display(), n + 1);
        }
    }
    assert!(lines > 100, "the run logged at debug level ({lines} lines)");
}
