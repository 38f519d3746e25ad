//! A deleted project leaves nothing in the object store: the PDFs and
//! previews of its versions and its proposals' PDFs go with it.

use std::time::Duration;

use harness::{Sim, TestApp, TestWorker, id_of};
use serde_json::json;
use tools::sim::SimConfig;

use crate::api::{eval_resume, wait_compiled};

const USER: &str = "user_delete_files";

fn files_under(dir: &std::path::Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                out.push(path.display().to_string());
            }
        }
    }
    out
}

#[tokio::test]
async fn a_deleted_project_leaves_no_file_in_the_store() {
    let app = TestApp::spawn().await;
    let sim = Sim::start(SimConfig::default()).await;
    let worker = TestWorker::start(app.worker_config(Some(&sim)));
    // Another user's compiled version, whose files must stay.
    let (other_project, other_base, _) =
        app.tailoring_setup("user_keep_files", &eval_resume("plain-itemize.tex")).await;
    let other = id_of(&other_base);
    app.post(&format!("/v1/versions/{other}/compile"), "user_keep_files", json!({})).await;
    wait_compiled(&app, "user_keep_files", &other, Duration::from_secs(60)).await;
    let kept = files_under(app.storage_dir.path());
    assert!(!kept.is_empty());

    let (project, base, jd) = app.tailoring_setup(USER, &eval_resume("jake.tex")).await;
    let base = id_of(&base);
    app.post(&format!("/v1/versions/{base}/compile"), USER, json!({})).await;
    assert_eq!(wait_compiled(&app, USER, &base, Duration::from_secs(60)).await["status"], "COMPILED");
    let job = app.submit(USER, &project, &base, &jd, "BALANCED", "DEEPSEEK").await;
    assert_eq!(app.wait_final(USER, &job, Duration::from_secs(120)).await["status"], "COMPLETED");
    let files = files_under(app.storage_dir.path());
    assert!(files.iter().any(|f| f.contains(&format!("proposals/{job}/"))), "the proposal was compiled: {files:?}");
    assert!(files.iter().any(|f| f.contains(&format!("versions/{base}/"))), "{files:?}");

    let (status, _) = app.delete(&format!("/v1/projects/{project}"), USER).await;
    assert_eq!(status, 204);
    let mut left = files_under(app.storage_dir.path());
    left.sort();
    let mut kept = kept;
    kept.sort();
    assert_eq!(left, kept, "only the other user's files are left");
    let (status, _) = app.get(&format!("/v1/projects/{other_project}"), "user_keep_files").await;
    assert_eq!(status, 200);
    worker.stop().await.expect("worker stops");
}
